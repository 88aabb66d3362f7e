#!/bin/sh
# limits.sh INSPIREC [sanitized]: very large inputs are handled or refused
# with a clear error, never a crash or a hang, in bounded memory: a 50 MB
# schema, an entity of 100,000 fields, nesting 10,000 deep, a history of
# 10,000 migrations. Outside the sanitizer build every command runs under
# `ulimit -v` (ASan reserves more address space than any such limit allows);
# the sanitizer build, there to find memory errors rather than to measure,
# takes a 5 MB schema and 2,000 migrations, which keeps CI within its time.
set -u
bin=$1
sanitized=${2:-}
here=$(dirname "$0")
. "$here/lib.sh"
entities=430000 minsize=50000000
migrations=10000
[ -n "$sanitized" ] && entities=43000 minsize=4900000 migrations=2000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
capped() { # KB, then the command: its exit code
  if [ -n "$sanitized" ]; then "$@"; else (ulimit -v "$1" && shift && "$@"); fi
}
run() { # KB, expected exit code, what, then the command
  kb=$1 want=$2 what=$3
  shift 3
  if [ -n "$sanitized" ]; then "$@" >"$tmp/out" 2>"$tmp/err"; else (ulimit -v "$kb" && "$@") >"$tmp/out" 2>"$tmp/err"; fi
  rc=$?
  [ "$rc" = "$want" ] && ok || bad "$what: exit $rc, want $want: $(head -c 600 "$tmp/err")"
}

# ---- a 50 MB schema: 430,000 entities --------------------------------------------
mkdir -p "$tmp/big/schema"
awk -v n="$entities" 'BEGIN { for (i = 0; i < n; i++)
  printf "entity Thing%d {\n  name: string @maxLength(200)\n  count: int = 0\n  note: string?\n  createdAt: datetime = now()\n}\n", i }' \
  >"$tmp/big/schema/app.inspire"
size=$(wc -c <"$tmp/big/schema/app.inspire")
[ "$size" -ge "$minsize" ] && ok || bad "the big schema is only $size bytes"
run 6000000 0 "check of a 50 MB schema" "$bin" -C "$tmp/big" check
rm -rf "$tmp/big"

# ---- an entity of 100,000 fields: checked; no engine takes that many columns -------
mkdir -p "$tmp/wide/schema"
awk 'BEGIN { print "entity Wide {"; for (i = 0; i < 100000; i++) printf "  f%d: int?\n", i; print "}" }' \
  >"$tmp/wide/schema/app.inspire"
run 2000000 0 "check of 100,000 fields" "$bin" -C "$tmp/wide" check
run 2000000 0 "plan of 100,000 fields" "$bin" -C "$tmp/wide" plan -q
run 2000000 0 "check of the plan of 100,000 fields" "$bin" -C "$tmp/wide" check
for d in sqlite postgres mysql; do
  run 2000000 1 "lower --schema of 100,000 fields for $d" "$bin" -C "$tmp/wide" lower --dialect $d --schema
  grep -q "E0801.*entity Wide has 100001 columns; $d takes at most" "$tmp/err" && ok || bad "no E0801 for the columns on $d: $(head -c 300 "$tmp/err")"
done
run 2000000 1 "apply of 100,000 fields" "$bin" -C "$tmp/wide" apply
[ ! -e "$tmp/wide/.inspire/dev.db" ] || [ "$(sqlite3 "$tmp/wide/.inspire/dev.db" "SELECT count(*) FROM sqlite_master WHERE name = 'wides'")" = 0 ] &&
  ok || bad "apply of 100,000 fields made a table"
rm -rf "$tmp/wide"

# ---- nesting 10,000 deep: E0002, no stack overflow ----------------------------------
mkdir -p "$tmp/deep/schema"
nest() { # file, opening, middle, closing
  awk -v o="$2" -v m="$3" -v c="$4" 'BEGIN { for (i = 0; i < 10000; i++) printf "%s", o; printf "%s", m;
    for (i = 0; i < 10000; i++) printf "%s", c; print "" }' >"$1"
}
nest "$tmp/deep/n" "[" "1" "]"
{ printf 'entity Deep {\n  meta: json = '; cat "$tmp/deep/n"; printf '}\n'; } >"$tmp/deep/schema/app.inspire"
run 1000000 1 "brackets 10,000 deep" "$bin" -C "$tmp/deep" check
grep -q 'E0002' "$tmp/err" && ok || bad "no E0002 for brackets"
nest "$tmp/deep/n" "!(" 'resource.a == "x"' ")"
{ printf 'entity Deep {\n  a: string\n  @grant read to * where '; cat "$tmp/deep/n"; printf '}\n'; } >"$tmp/deep/schema/app.inspire"
run 1000000 1 "a condition 10,000 deep" "$bin" -C "$tmp/deep" check
grep -q 'E0002' "$tmp/err" && ok || bad "no E0002 for a condition"
nest "$tmp/deep/n" "{ a: " "1" " }"
{ printf 'entity Deep {\n  meta: json = '; cat "$tmp/deep/n"; printf '}\n'; } >"$tmp/deep/schema/app.inspire"
run 1000000 1 "objects 10,000 deep" "$bin" -C "$tmp/deep" check
grep -q 'E0002' "$tmp/err" && ok || bad "no E0002 for objects"
nest "$tmp/deep/n" "type T { a: " "int" " }"
cp "$tmp/deep/n" "$tmp/deep/schema/app.inspire"
run 1000000 1 "types 10,000 deep" "$bin" -C "$tmp/deep" check
rm -rf "$tmp/deep"

# ---- 10,000 migrations: checked, applied, verified ---------------------------------
m="$tmp/many"
mkdir -p "$m/schema"
printf 'entity Task {\n  title: string\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q >/dev/null 2>&1 || bad "many: plan 1"
printf 'entity Task {\n  title: string\n  x: int?\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q --new >/dev/null 2>&1 || bad "many: plan 2"
printf 'entity Task {\n  title: string\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q --new >/dev/null 2>&1 || bad "many: plan 3"
# 0004 .. 10000 alternate the add and the drop, from the two that inspirec wrote
awk -v n="$migrations" 'BEGIN { for (i = 4; i <= n; i++) printf "%s/%0" (i > 9999 ? 5 : 4) "d_%s\n", ARGV[1], i, i % 2 ? "drop_task_x" : "add_task_x" }' \
  "$m/migrations" | xargs mkdir -p
awk -v dir="$m/migrations" -v n="$migrations" '
  function slurp(f,   s, line) { s = ""; while ((getline line < f) > 0) s = s line "\n"; close(f); return s }
  BEGIN {
    t["add_task_x", "p"] = slurp(dir "/0002_add_task_x/plan.inspire"); t["add_task_x", "s"] = slurp(dir "/0002_add_task_x/snapshot.json")
    t["drop_task_x", "p"] = slurp(dir "/0003_drop_task_x/plan.inspire"); t["drop_task_x", "s"] = slurp(dir "/0003_drop_task_x/snapshot.json")
    for (i = 4; i <= n; i++) {
      slug = i % 2 ? "drop_task_x" : "add_task_x"
      name = sprintf("%0" (i > 9999 ? 5 : 4) "d_%s", i, slug)
      old = (i % 2 ? "0003_" : "0002_") slug
      for (k = 0; k < 2; k++) {
        text = t[slug, k ? "s" : "p"]; gsub(old, name, text)
        f = dir "/" name "/" (k ? "snapshot.json" : "plan.inspire")
        printf "%s", text > f; close(f)
      }
    }
  }'
[ "$(ls "$m/migrations" | wc -l)" = "$migrations" ] && ok || bad "many: $(ls "$m/migrations" | wc -l) migrations made"
printf 'entity Task {\n  title: string\n  x: int?\n}\n' >"$m/schema/app.inspire"
run 1000000 0 "check of 10,000 migrations" "$bin" -C "$m" check
run 1000000 0 "apply of 10,000 migrations" "$bin" -C "$m" apply -q
[ "$(sqlite3 "$m/.inspire/dev.db" "SELECT count(*) FROM _inspire_migrations")" = "$migrations" ] && ok || bad "all in the ledger"
run 1000000 0 "status after 10,000 migrations" "$bin" -C "$m" status
run 1000000 0 "verify of 10,000 migrations" "$bin" -C "$m" verify
run 1000000 0 "plan after 10,000 migrations" "$bin" -C "$m" plan
grep -q '^No schema changes.$' "$tmp/out" && ok || bad "plan after 10,000: $(cat "$tmp/out")"

echo "limits: $pass passed, $fail failed"
[ "$fail" = 0 ]
