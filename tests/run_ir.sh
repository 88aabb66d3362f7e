#!/bin/sh
# run_ir.sh INSPIREC SRCDIR EXAMPLES: the resolved IR of every example, as
# `inspirec check --dump-ir` prints it, against reviewed golden files in
# tests/golden (UPDATE_GOLDEN=1 rewrites them).  Also: check prints nothing on
# stdout without --dump-ir, and exits 0 on each example.
set -u
bin=$1
src=$2
ex=$3
pass=0
fail=0
golden() { # name, then the command's arguments
  name=$1
  shift
  out=$("$bin" "$@" 2>&1)
  rc=$?
  if [ $rc != 0 ]; then
    echo "FAIL $name: exit code $rc"
    printf '%s\n' "$out" | head -20
    fail=$((fail + 1))
    return
  fi
  file="$src/tests/golden/$name.ir.json"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" >"$file"
  elif ! printf '%s\n' "$out" | diff -u "$file" - >/dev/null 2>&1; then
    echo "FAIL $name: IR differs from tests/golden/$name.ir.json"
    printf '%s\n' "$out" | diff -u "$file" - | head -30
    fail=$((fail + 1))
    return
  fi
  pass=$((pass + 1))
}
quiet() { # check prints nothing at all on a clean schema
  name=$1
  shift
  out=$("$bin" "$@" 2>&1)
  rc=$?
  if [ $rc != 0 ] || [ -n "$out" ]; then
    echo "FAIL $name: want exit code 0 and no output, got $rc and:"
    printf '%s\n' "$out" | head
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}
for p in todo saas; do
  golden "$p" -C "$ex/$p" check --dump-ir
  quiet "$p-quiet" -C "$ex/$p" check
done
for v in 1 2 3 4 5; do
  golden "evolution-v$v" check --dump-ir "$ex/evolution/v$v.inspire"
  quiet "evolution-v$v-quiet" check "$ex/evolution/v$v.inspire"
done
golden kitchen check --dump-ir "$src/tests/golden/kitchen.inspire"
quiet kitchen-quiet check "$src/tests/golden/kitchen.inspire"
echo "ir: $pass passed, $fail failed"
[ $fail = 0 ]
