#!/bin/sh
# run_history.sh INSPIREC SRCDIR: the migration history checks.
#
# Each tests/history/CODE_what/ is a small project (schema/ and migrations/)
# whose committed history is damaged in one way.  `check` must report CODE at
# the place in its `expect` file (FILE:LINE:COL, or '-' for a folder-level
# error), exit 1 (0 for a warning), and print exactly the reviewed
# expected.err (UPDATE_GOLDEN=1 rewrites).  `plan` on a copy must refuse with
# exit 1 and write nothing.  Every E07xx and W0904 code must have a case.
set -u
bin=$1
src=$2
cd "$src/tests/history" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
for dir in */; do
  name=${dir%/}
  code=${name%%_*}
  exp=$(cat "$name/expect")
  out=$("$bin" -C "$name" check --color never 2>&1 >/dev/null)
  rc=$?
  case $code in W*) want=0 ;; *) want=1 ;; esac
  ok=1
  if [ "$rc" != "$want" ]; then echo "FAIL $name: check exit code $rc, want $want"; ok=0; fi
  if [ "$exp" = "-" ]; then
    pattern="^inspirec: [a-z]*\[$code\]"
  else
    pattern="^$exp[:0-9]*: [a-z]*\[$code\]"
  fi
  if ! printf '%s\n' "$out" | grep -q "$pattern"; then
    echo "FAIL $name: no $code at $exp"
    ok=0
  fi
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" >"$name.err"
  elif ! printf '%s\n' "$out" | diff -u "$name.err" - >/dev/null 2>&1; then
    echo "FAIL $name: output differs from $name.err:"
    printf '%s\n' "$out" | diff -u "$name.err" - | head -20
    ok=0
  fi
  # plan refuses a broken history and writes nothing (markers left in earlier
  # plans are only noted: planning goes on, here with no schema change)
  if [ "$want" = 1 ]; then
    pwant=1
    [ "$code" = E0706 ] && pwant=0
    rm -rf "$tmp/p"
    cp -r "$name" "$tmp/p"
    before=$(cd "$tmp/p" && find . | sort)
    "$bin" -C "$tmp/p" plan >/dev/null 2>&1
    prc=$?
    after=$(cd "$tmp/p" && find . | sort)
    if [ "$prc" != "$pwant" ]; then echo "FAIL $name: plan exit code $prc, want $pwant"; ok=0; fi
    if [ "$before" != "$after" ]; then echo "FAIL $name: plan wrote files"; ok=0; fi
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
for code in $(grep -o 'X(E07[0-9][0-9]\|X(W0904' "$src/frontend/frontend.h" | cut -c3-); do
  if ! ls -d "${code}"_*/ >/dev/null 2>&1; then
    echo "FAIL: $code has no case in tests/history"
    fail=$((fail + 1))
  fi
done
echo "history: $pass passed, $fail failed"
[ $fail = 0 ]
