#!/bin/sh
# evolution.sh INSPIREC SRCDIR EXAMPLES: the evolution walk of issue 4.
#
# Plans ../shared/examples/evolution/v1 .. v5, each copied over the schema in
# turn, and compares every plan.inspire and snapshot.json with the reviewed
# goldens in tests/golden/evolution (UPDATE_GOLDEN=1 rewrites).  Then: check
# fails on exactly the two [RESOLVE] markers (v2's rename, v5's required
# dueDate); once they are accepted, check passes and plan finds no change.
set -u
bin=$1
src=$2
ex=$3
gold="$src/tests/golden/evolution"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
mkdir -p "$tmp/schema" "$gold"
for v in 1 2 3 4 5; do
  cp "$ex/evolution/v$v.inspire" "$tmp/schema/app.inspire"
  if "$bin" -C "$tmp" plan -q --new >/dev/null 2>"$tmp/err"; then ok; else bad "plan v$v: $(cat "$tmp/err")"; fi
done
for d in "$tmp"/migrations/*/; do
  m=$(basename "$d")
  for f in plan.inspire snapshot.json; do
    g="$gold/$m.$f"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
      cp "$d/$f" "$g"
    elif diff -u "$g" "$d/$f" >"$tmp/diff" 2>&1; then
      ok
    else
      bad "$m/$f differs from the golden:"
      head -30 "$tmp/diff"
    fi
  done
done
[ "$(ls "$tmp/migrations" | wc -l)" = 5 ] && ok || bad "five migrations"
n=$(grep -c '\[RESOLVE\]' "$tmp"/migrations/*/plan.inspire | awk -F: '{s += $2} END {print s}')
[ "$n" = 2 ] && ok || bad "want 2 [RESOLVE] markers, found $n"
grep -q '\[RESOLVE\] rename Task.ownerId -> Task.assigneeId' "$tmp"/migrations/0002_*/plan.inspire && ok || bad "v2 rename marker"
grep -q '\[RESOLVE\] alter Task.dueDate: datetime ' "$tmp"/migrations/0005_*/plan.inspire && ok || bad "v5 dueDate marker"
grep -q 'RESOLVE' "$tmp"/migrations/0004_*/plan.inspire && bad "@renamedFrom needs no marker" || ok
"$bin" -C "$tmp" check --color never >/dev/null 2>"$tmp/err"
[ $? = 1 ] && [ "$(grep -c 'error\[E0706\]' "$tmp/err")" = 2 ] && ok || bad "check reports the two markers: $(cat "$tmp/err")"
sed -i 's/\[RESOLVE\] //' "$tmp"/migrations/*/plan.inspire
"$bin" -C "$tmp" check --color never >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] && ok || bad "check after resolving: $(cat "$tmp/err")"
out=$("$bin" -C "$tmp" plan 2>&1)
[ "$out" = "No schema changes." ] && ok || bad "plan again: $out"
[ "$(ls "$tmp/migrations" | wc -l)" = 5 ] && ok || bad "no sixth migration"
echo "evolution: $pass passed, $fail failed"
[ $fail = 0 ]
