#!/bin/sh
# replay.sh INSPIREC: a big committed plan is parsed and replayed on a second
# thread while its snapshot is read (frontend/history.c, replay_job); check and
# plan then say exactly what one thread says (INSPIREC_THREADS=1), whatever is
# wrong with the plan, the snapshot or both.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
export INSPIREC_CACHE=off # every plan replayed, every run
p="$tmp/big"
mkdir -p "$p/schema"
things_schema 1000 >"$p/schema/main.inspire"
"$bin" -C "$p" plan -q >/dev/null 2>"$tmp/err" || bad "first plan: $(cat "$tmp/err")"
sed -i 's/^entity Thing7 {$/entity Thing7 {\n  extra: int?/' "$p/schema/main.inspire"
"$bin" -C "$p" plan -q --new >/dev/null 2>"$tmp/err" || bad "second plan: $(cat "$tmp/err")"
plan1="$p/migrations/0001_initial/plan.inspire"
snap1="$p/migrations/0001_initial/snapshot.json"
size=$(wc -c <"$plan1")
[ "$size" -gt 65536 ] && ok || bad "the first plan is only $size bytes: no second thread"
cp "$plan1" "$tmp/plan1"
cp "$snap1" "$tmp/snap1"

same() { # what, then a word check says: check and plan say the same on one thread and on two
  said=$("$bin" -C "$p" check --color never 2>&1; echo "exit $?")
  printf '%s\n' "$said" | grep -q "$2" && ok || bad "$1: no '$2' in
$said"
  for verb in check "plan --new --name again"; do
    # shellcheck disable=SC2086
    two=$("$bin" -C "$p" $verb --color never 2>&1; echo "exit $?")
    rm -rf "$p"/migrations/0003_*
    # shellcheck disable=SC2086
    one=$(INSPIREC_THREADS=1 "$bin" -C "$p" $verb --color never 2>&1; echo "exit $?")
    rm -rf "$p"/migrations/0003_*
    [ "$two" = "$one" ] && ok || bad "$1, $verb: two threads said
$two
one thread said
$one"
  done
  cp "$tmp/plan1" "$plan1"
  cp "$tmp/snap1" "$snap1"
}

same "a sound history" "^exit 0$"
sed -i 's/^  create entity Thing12 {$/  create entity Thing12 {\n    added: int?/' "$plan1"
same "a plan that no longer reaches its snapshot" "E0707"
sed -i 's/^  create entity Thing40 {$/  create entity Thing40 {\n    added: int? )/' "$plan1"
same "a plan that does not parse" "error"
sed -i 's/^  create entity Thing12 {$/  create entity Thing12 {\n    added: int?/' "$plan1"
printf 'not json' >"$snap1"
same "a broken snapshot beside an edited plan (no replay reported)" "E0708"
sed -i 's/^  create entity Thing9 {$/  [RESOLVE] create entity Thing9 {/' "$plan1"
same "a marker left" "RESOLVE"
sed -i 's/^migration "0001_initial"/migration "0001_other"/' "$plan1"
same "a plan named for another folder" "E0704"

echo "replay: $pass passed, $fail failed"
[ $fail = 0 ]
