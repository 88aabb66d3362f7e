#!/bin/sh
# run_diag.sh INSPIREC SRCDIR: one failing input per diagnostic code.
#
# Each tests/diag/CODE_what.inspire names its code in the file name and the
# place of the diagnostic on its first '// expect: LINE:COL' line.  The test
# asserts the exit code (1 for errors, 0 for warnings, 1 for warnings with
# --strict), that CODE is reported at FILE:LINE:COL, and that the whole
# output equals the reviewed golden CODE_what.err (UPDATE_GOLDEN=1 rewrites).
set -u
bin=$1
src=$2
cd "$src/tests/diag" || exit 2
pass=0
fail=0
for f in *.inspire; do
  name=${f%.inspire}
  code=${f%%_*}
  exp=$(grep -a -m1 '^// expect: ' "$f" | sed 's|^// expect: ||')
  out=$("$bin" check --color never "$f" 2>&1 >/dev/null)
  rc=$?
  case $code in E*) want=1 ;; *) want=0 ;; esac
  ok=1
  if [ "$rc" != "$want" ]; then echo "FAIL $name: exit code $rc, want $want"; ok=0; fi
  if ! printf '%s\n' "$out" | grep -a -q "^$f:$exp: [a-z]*\[$code\]"; then
    echo "FAIL $name: no $code reported at $f:$exp"
    ok=0
  fi
  if [ "$want" = 0 ]; then
    "$bin" check --strict --color never "$f" >/dev/null 2>&1
    if [ $? != 1 ]; then echo "FAIL $name: --strict does not turn the warning into exit code 1"; ok=0; fi
  fi
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" >"$name.err"
  elif [ ! -f "$name.err" ]; then
    echo "MISSING $name.err (run with UPDATE_GOLDEN=1, then review it)"
    ok=0
  elif ! printf '%s\n' "$out" | diff -u "$name.err" - >/dev/null; then
    echo "FAIL $name: output differs from $name.err:"
    printf '%s\n' "$out" | diff -u "$name.err" - | head -20
    ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
# Every code in the table has a test here, except those about files that
# cannot be read or found (tests/cli.sh), the history codes (tests/history) and
# what a dialect cannot build (tests/lower_cli.sh).
for code in $(grep -o 'X([EW][0-9][0-9][0-9][0-9]' "$src/frontend/frontend.h" | cut -c3-); do
  case $code in E0003 | E0004 | E07* | E08* | W0904) continue ;; esac
  if ! ls "${code}"_*.inspire >/dev/null 2>&1; then
    echo "FAIL: diagnostic $code has no test in tests/diag"
    fail=$((fail + 1))
  fi
done
echo "diag: $pass passed, $fail failed"
[ $fail = 0 ]
