#!/bin/sh
# cli.sh INSPIREC EXAMPLES: the command line as users and editors meet it:
# exit codes, stdout/stderr, -C, --format, colour, usage errors.
set -u
bin=$1
ex=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# expect NAME WANT_RC COMMAND...: runs COMMAND, keeps stdout/stderr in $out/$err
expect() {
  name=$1
  want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  if [ "$rc" = "$want" ]; then
    return 0
  fi
  echo "FAIL $name: exit code $rc, want $want"
  sed 's/^/  | /' "$tmp/err" | head -5
  fail=$((fail + 1))
  return 1
}
ok() { pass=$((pass + 1)); }
bad() {
  echo "FAIL $1"
  fail=$((fail + 1))
}
has() { printf '%s' "$1" | grep -q -- "$2"; }

expect version 0 "$bin" --version && { has "$out" '^inspirec [0-9]' && ok || bad "version text: $out"; }
expect help 0 "$bin" help && { has "$out" 'check' && has "$out" 'plan' && ok || bad "help lists verbs"; }
expect help-check 0 "$bin" help check && { has "$out" -- '--format' && ok || bad "help check"; }
expect check-help-flag 0 "$bin" check --help && ok
expect no-verb 2 "$bin" && ok
expect unknown-verb 2 "$bin" chek && { has "$err" "did you mean 'check'" && ok || bad "unknown verb suggestion: $err"; }
expect unknown-option 2 "$bin" check --strikt && { has "$err" "did you mean '--strict'" && ok || bad "unknown option suggestion: $err"; }
expect bad-format 2 "$bin" check --format xml && ok
expect missing-C 2 "$bin" -C "$tmp/nowhere" check && ok
expect migrate-bad 2 "$bin" migrate check && ok

# a project folder, by -C and by path
mkdir -p "$tmp/app/schema/sub" "$tmp/app/schema/migrations"
cp "$ex/saas/schema/"*.inspire "$tmp/app/schema/sub/"
echo 'this is not inspire' >"$tmp/app/schema/migrations/ignored.inspire"
expect project-C 0 "$bin" -C "$tmp/app" check && { [ -z "$out$err" ] && ok || bad "clean check prints nothing"; }
expect project-schema-opt 0 "$bin" --schema "$tmp/app/schema" check && ok
expect project-path 0 "$bin" check "$tmp/app/schema" && ok
expect project-dump 0 "$bin" -C "$tmp/app" check --dump-ir && { has "$out" '"table":' && ok || bad "dump-ir prints the IR"; }

# missing inputs: E0003 for a named path, E0004 for no schema folder or no files
expect missing-file 1 "$bin" check "$tmp/none.inspire" && { has "$err" 'error\[E0003\]' && ok || bad "E0003: $err"; }
mkdir -p "$tmp/empty"
expect no-schema-dir 1 "$bin" -C "$tmp/empty" check && { has "$err" 'error\[E0004\]' && ok || bad "E0004: $err"; }
mkdir -p "$tmp/empty/schema"
expect empty-schema-dir 1 "$bin" -C "$tmp/empty" check && { has "$err" 'error\[E0004\]' && ok || bad "E0004 (empty): $err"; }

# diagnostics: text on stderr, json and sarif on stdout, exit code 1
printf 'entity Task {\n  p: Projct.id,\n}\n' >"$tmp/bad.inspire"
expect text-stderr 1 "$bin" check --color never "$tmp/bad.inspire" &&
  { [ -z "$out" ] && has "$err" 'bad.inspire:2:6: error\[E0204\]' && ok || bad "text diagnostics on stderr: $err"; }
expect json 1 "$bin" check --format json "$tmp/bad.inspire" &&
  { has "$out" '"code":[[:space:]]*"E0204"' && has "$out" '"errors":[[:space:]]*1' && ok || bad "json: $out"; }
expect sarif 1 "$bin" check --format=sarif "$tmp/bad.inspire" &&
  { has "$out" '"version":[[:space:]]*"2.1.0"' && ok || bad "sarif: $out"; }
esc=$(printf '\033')
expect color-always 1 "$bin" check --color always "$tmp/bad.inspire" && { has "$err" "$esc" && ok || bad "--color always"; }
NO_COLOR=1 expect no-color 1 "$bin" check "$tmp/bad.inspire" && { has "$err" "$esc" && bad "NO_COLOR" || ok; }
expect not-a-tty 1 "$bin" check "$tmp/bad.inspire" && { has "$err" "$esc" && bad "colour when stderr is not a terminal" || ok; }

# warnings: exit 0, and 1 with --strict
printf 'entity A {\n  x: int,\n  /// nothing\n}\n' >"$tmp/warn.inspire"
expect warning 0 "$bin" check "$tmp/warn.inspire" && { has "$err" 'warning\[W0903\]' && ok || bad "warning printed"; }
expect strict 1 "$bin" check --strict "$tmp/warn.inspire" && ok
expect quiet 0 "$bin" check -q "$tmp/warn.inspire" && { [ -z "$err" ] && ok || bad "-q hides warnings"; }

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
