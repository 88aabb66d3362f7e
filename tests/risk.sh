#!/bin/sh
# risk.sh INSPIREC SRCDIR: the risk scores (docs/risk.md) of one plan with a
# change of each kind (tests/risk/v1 to v2), as plan prints them for each
# dialect, against reviewed goldens (UPDATE_GOLDEN=1 rewrites); check's
# budget on that plan; plan -q prints no scores.
set -u
bin=$1
src=$2
gold="$src/tests/golden/risk"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
mkdir -p "$tmp/schema" "$gold"
cp "$src/tests/risk/v1.inspire" "$tmp/schema/app.inspire"
"$bin" -C "$tmp" plan -q >/dev/null 2>&1 || bad "plan v1"
cp "$src/tests/risk/v2.inspire" "$tmp/schema/app.inspire"
for d in sqlite postgres mysql; do
  rm -rf "$tmp"/migrations/0002_*
  "$bin" -C "$tmp" plan --new --dialect $d >"$tmp/out" 2>"$tmp/err" || bad "plan --dialect $d: $(cat "$tmp/err")"
  sed -n '/^risk on/,$p' "$tmp/out" >"$tmp/$d.txt"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/$d.txt" "$gold/$d.txt"
  elif diff -u "$gold/$d.txt" "$tmp/$d.txt" >"$tmp/diff"; then
    ok
  else
    bad "the scores on $d differ from the golden:"
    head -40 "$tmp/diff"
  fi
done
# the worst step scores 90 on every dialect: a budget of 89 refuses, 90 passes
sed -i 's/\[RESOLVE\] //' "$tmp"/migrations/0002_*/plan.inspire
"$bin" -C "$tmp" check --max-risk 89 --dialect postgres >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q 'step 19 (drop entity Old) scores 90 on postgres, destructive' "$tmp/err" && ok || bad "check --max-risk 89: $(cat "$tmp/err")"
"$bin" -C "$tmp" check --max-risk 90 --dialect mysql 2>"$tmp/err" && ok || bad "check --max-risk 90: $(cat "$tmp/err")"
INSPIRE_MAX_RISK=10 "$bin" -C "$tmp" check --dialect sqlite >/dev/null 2>&1
[ $? = 3 ] && ok || bad "INSPIRE_MAX_RISK=10 refuses"
INSPIRE_MAX_RISK=high "$bin" -C "$tmp" check >/dev/null 2>&1
[ $? = 2 ] && ok || bad "INSPIRE_MAX_RISK=high is a usage error"
"$bin" -C "$tmp" check --max-risk 101 >/dev/null 2>&1
[ $? = 2 ] && ok || bad "--max-risk 101 is a usage error"
rm -rf "$tmp"/migrations/0002_*
"$bin" -C "$tmp" plan -q --new >"$tmp/out" 2>&1 && ! grep -q '^risk on' "$tmp/out" && ok || bad "plan -q prints no scores"
echo "risk: $pass passed, $fail failed"
[ "$fail" = 0 ]
