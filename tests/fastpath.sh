#!/bin/sh
# fastpath.sh INSPIREC BENCH_GEN EXAMPLES SOURCE: entities built without the
# parser (frontend/fastpath.c) give what the parser alone gives
# (INSPIREC_FASTPATH=off): the same diagnostics, IR and DDL, byte for byte, on
# hand-made shapes, on every diagnostic test, on the examples and on generated
# schemas in one pass and in two halves; and the fast path is really taken.
set -u
bin=$1
gen=$2
examples=$3
src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"

both() { # label, then inspirec's arguments: the same output and exit both ways
  label=$1
  shift
  "$bin" --color never "$@" >"$tmp/fast" 2>&1
  echo "exit $?" >>"$tmp/fast"
  INSPIREC_FASTPATH=off "$bin" --color never "$@" >"$tmp/slow" 2>&1
  echo "exit $?" >>"$tmp/slow"
  cmp -s "$tmp/fast" "$tmp/slow" && ok || {
    bad "$label: $* differs without the parser"
    diff "$tmp/slow" "$tmp/fast" | head -20
  }
}

built() { # a schema file, or -C and a project: how many entities skipped the parser
  if [ "$1" = -C ]; then set -- -C "$2" check -v; else set -- check -v "$1"; fi
  "$bin" "$@" 2>&1 >/dev/null | sed -n 's/.*(\([0-9]*\) built without the parser).*/\1/p'
}

compare_check() { # label, check arguments
  label=$1
  shift
  if [ "$1" = -C ]; then
    both "$label" -C "$2" check
    both "$label" -C "$2" check --format json
    both "$label" -C "$2" check --dump-ir
  else
    both "$label" check "$@"
    both "$label" check --format json "$@"
    both "$label" check --dump-ir "$@"
  fi
}

# hand-made shapes: each file has entities built both ways
for f in "$src"/tests/fastpath/*.inspire; do
  compare_check "$(basename "$f")" "$f"
  n=$(built "$f")
  [ "${n:-0}" -gt 0 ] && ok || bad "$(basename "$f"): no entity skipped the parser"
  [ "$(INSPIREC_FASTPATH=off built "$f")" = 0 ] && ok || bad "INSPIREC_FASTPATH=off still skips it"
done
# what the fast path must refuse, it refuses: a block, a pair, a dangling doc
# comment, a syntax error, a keyword as a name, a stray brace after the entity
[ "$(built "$src/tests/fastpath/shapes.inspire")" = 9 ] && ok ||
  bad "shapes.inspire: $(built "$src/tests/fastpath/shapes.inspire") of 12 entities skipped the parser, not 9"
[ "$(built "$src/tests/fastpath/policies.inspire")" = 4 ] && ok ||
  bad "policies.inspire: $(built "$src/tests/fastpath/policies.inspire") entities skipped the parser, not 4"
[ "$(built "$src/tests/fastpath/stray.inspire")" = 2 ] && ok ||
  bad "stray.inspire: $(built "$src/tests/fastpath/stray.inspire") skipped the parser, not Good and After"

# Diagnostics are kept up to a limit (500), first found first.  An entity's
# builders run as the fast path reads it, before the parser completes the
# declaration before it; when they find something, the parser's order must
# still hold: here the last slot goes to L's @why, not to F's second default.
i=0
while [ $i -lt 498 ]; do
  echo "entity E$i { a: int = 1 = 2 }"
  i=$((i + 1))
done >"$tmp/limit.inspire"
cat >>"$tmp/limit.inspire" <<'EOF'
entity L {
  a: int
  @why("no policy before me")
  /// dangling
}
entity F { a: int = 1 = 2 }
EOF
both "diagnostic limit" check "$tmp/limit.inspire"
[ "$(built "$tmp/limit.inspire")" = 499 ] && ok || bad "limit.inspire: F did not skip the parser"

# every diagnostic test's input
for f in "$src"/tests/diag/*.inspire "$src"/tests/golden/*.inspire; do
  both "$(basename "$f")" check --format json "$f"
done

# the examples, as projects
for d in "$examples"/saas "$examples"/todo; do
  compare_check "$(basename "$d")" -C "$d"
  both "$(basename "$d")" -C "$d" lower --dialect postgres --schema
done
for f in "$examples"/evolution/*.inspire; do
  compare_check "evolution $(basename "$f")" "$f"
done

# generated schemas: small, and (from 192 KB, 1,000 entities) parsed in two
# halves on two threads
for spec in "300 3" "1000 1" "3000 2"; do
  set -- $spec
  "$gen" "$1" "$2" "$tmp/g$1" >/dev/null
  for v in a b; do
    compare_check "gen $1/$v" -C "$tmp/g$1/$v"
    both "gen $1/$v" -C "$tmp/g$1/$v" lower --dialect mysql --schema
  done
  n=$(built -C "$tmp/g$1/a")
  [ "${n:-0}" -gt 0 ] && ok || bad "gen $1: no entity skipped the parser"
done
INSPIREC_THREADS=1 compare_check "gen 3000 on one thread" -C "$tmp/g3000/a"

echo "fastpath: $pass passed, $fail failed"
[ "$fail" = 0 ]
