#!/bin/sh
# outline.sh INSPIREC EXAMPLES: plan and check read the latest snapshot by the
# outline a run before kept of it (frontend/outline.c) and give the very bytes
# they give without it; an outline that does not fit its file is never trusted.
set -u
bin=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$tmp/cache"
cache="$XDG_CACHE_HOME/inspirec"
outlines() { find "$cache" -name 'outline-*' 2>/dev/null | wc -l; }

# plan keeps an outline of the snapshot it writes, by its bytes: the very
# next run, which knows the file only by hashing it (its identity is not
# recorded yet), reads it by that outline, and says what it says without
q="$tmp/fresh"
mkdir -p "$q/schema"
cp "$examples/evolution/v1.inspire" "$q/schema/app.inspire"
"$bin" -C "$q" plan -q >/dev/null 2>&1 || bad "plan v1"
[ "$(outlines)" = 1 ] && ok || bad "plan keeps the outline of what it writes: $(outlines)"
cp "$examples/evolution/v2.inspire" "$q/schema/app.inspire"
fresh_want=$(INSPIREC_CACHE=off "$bin" -C "$q" check --color never 2>&1)
"$bin" -C "$q" check -v --color never >"$tmp/fresh.out" 2>&1
grep -q "the latest snapshot read by its outline" "$tmp/fresh.out" &&
  ! grep -q "(their files unchanged since)" "$tmp/fresh.out" && ok ||
  bad "the next check reads by the outline of the bytes plan wrote: $(cat "$tmp/fresh.out")"
grep -q W0904 "$tmp/fresh.out" && ok || bad "the schema is ahead of its history: $(cat "$tmp/fresh.out")"
[ "$("$bin" -C "$q" check --color never 2>&1)" = "$fresh_want" ] && ok ||
  bad "check by the outline of the bytes says the same: $("$bin" -C "$q" check --color never 2>&1)"
"$bin" -C "$q" plan --new --name two >"$tmp/fresh_plan.out" 2>&1 || bad "plan v2: $(cat "$tmp/fresh_plan.out")"
mv "$q"/migrations/0002_two "$tmp/fresh_two"
INSPIREC_CACHE=off "$bin" -C "$q" plan --new --name two >"$tmp/fresh_plan_want.out" 2>&1
diff -r "$q"/migrations/0002_two "$tmp/fresh_two" >/dev/null &&
  cmp -s "$tmp/fresh_plan.out" "$tmp/fresh_plan_want.out" && ok ||
  bad "plan by the outline of the bytes writes other bytes: $(diff -r "$q"/migrations/0002_two "$tmp/fresh_two" | head -20)"
# one damaged past its header (digest and length as they were) is not trusted
rm -rf "$q"/migrations/0002_two "$cache"
cp "$examples/evolution/v1.inspire" "$q/schema/app.inspire"
rm -rf "$q/migrations" && "$bin" -C "$q" plan -q >/dev/null 2>&1 || bad "plan v1 again"
o=$(find "$cache" -name 'outline-*')
size=$(wc -c <"$o")
head -c 96 "$o" >"$tmp/o" && head -c $((size - 96)) /dev/urandom >>"$tmp/o" && cp "$tmp/o" "$o"
cp "$examples/evolution/v2.inspire" "$q/schema/app.inspire"
[ "$("$bin" -C "$q" check --color never 2>&1)" = "$fresh_want" ] && ok ||
  bad "a damaged outline of the bytes changes check: $("$bin" -C "$q" check --color never 2>&1)"
rm -rf "$cache"

p="$tmp/app"
evolution_project "$bin" "$examples" "$p"
sleep 0.2 # the latest snapshot settles: its identity can stand for its bytes
rm -f "$cache"/outline-* # those of what plan wrote, by bytes: the rest tests those by identity

# the schema moves on: a field added, one dropped, an entity added
sed -i 's/^  color: string = "#888888",$/  color: string = "#888888",\n  weight: int?,/' "$p/schema/app.inspire"
printf '\nentity Label {\n  text: string,\n  tag: Tag.id,\n}\n' >>"$p/schema/app.inspire"
grep -q 'weight: int?' "$p/schema/app.inspire" || bad "the test's edit changed nothing"
plan_next() { # into $1: the migration plan writes, then gone again
  rm -rf "$p"/migrations/0006_*
  "$bin" -C "$p" plan --new --name next >"$1.out" 2>"$1.err" || bad "plan: $(cat "$1.err")"
  cp -r "$p"/migrations/0006_next "$1" && rm -rf "$p"/migrations/0006_*
}
check_out() { "$bin" -C "$p" check --color never 2>&1; echo "exit $?"; }
INSPIREC_CACHE=off plan_next "$tmp/want"
want_check=$(INSPIREC_CACHE=off check_out)
[ "$(outlines)" = 0 ] && ok || bad "INSPIREC_CACHE=off keeps no outline"
echo "$want_check" | grep -q W0904 && ok || bad "the schema is ahead of its history: $want_check"

# the first run reads the snapshot whole and keeps its outline; the next ones
# read it by the outline, and say the same
[ "$(check_out)" = "$want_check" ] && [ "$(outlines)" = 1 ] && ok || bad "the first check keeps an outline"
[ "$(check_out)" = "$want_check" ] && ok || bad "check by the outline says the same"
"$bin" -C "$p" check -v 2>"$tmp/v" >/dev/null
grep -q "(their files unchanged since)" "$tmp/v" && ok || bad "the history is known by identity"
# of the four entities of the latest snapshot only Tag changed: it alone is read
grep -q "the latest snapshot read by its outline: 1 of 4 entities read" "$tmp/v" && ok ||
  bad "check reads by the outline only the entity that changed: $(cat "$tmp/v")"
plan_next "$tmp/got"
diff -r "$tmp/want" "$tmp/got" >/dev/null && cmp -s "$tmp/want.out" "$tmp/got.out" && ok ||
  bad "plan by the outline writes other bytes: $(diff -r "$tmp/want" "$tmp/got" | head -20)"

# an outline damaged in place (same size) or cut short is not trusted; the
# next run outlines the snapshot anew
o=$(find "$cache" -name 'outline-*')
size=$(wc -c <"$o")
head -c 48 "$o" >"$tmp/o" && head -c $((size - 48)) /dev/urandom >>"$tmp/o" && cp "$tmp/o" "$o"
plan_next "$tmp/got2"
diff -r "$tmp/want" "$tmp/got2" >/dev/null && ok || bad "a damaged outline changes the plan"
cmp -s "$o" "$tmp/o" && bad "a damaged outline is not made anew" || ok
head -c 60 "$o" >"$tmp/o" && cp "$tmp/o" "$o"
[ "$(check_out)" = "$want_check" ] && ok || bad "an outline cut short changes check"
plan_next "$tmp/got3"
diff -r "$tmp/want" "$tmp/got3" >/dev/null && ok || bad "an outline cut short changes the plan"

# a snapshot edited behind its plan's back (same size) has another identity:
# its outline does not serve, and the edit is caught as without one
snap=$(ls -d "$p"/migrations/0005_*)/snapshot.json
cp "$snap" "$tmp/snap5"
sed -i '0,/"nullable": false/s//"nullable": true /' "$snap"
[ "$(wc -c <"$snap")" = "$(wc -c <"$tmp/snap5")" ] || bad "the test's edit changed the size"
sleep 0.2
edited=$(INSPIREC_CACHE=off check_out)
echo "$edited" | grep -q E0707 && [ "$(check_out)" = "$edited" ] && [ "$(check_out)" = "$edited" ] && ok ||
  bad "an edited latest snapshot is caught with outlines kept: $(check_out)"
cp "$tmp/snap5" "$snap"

# the newest eight outlines are kept
for i in 1 2 3 4 5 6 7 8 9 10; do
  : >"$cache/outline-old$i" && touch -d "2020-01-$((i + 10))" "$cache/outline-old$i"
done
sleep 0.2
check_out >/dev/null # a new identity (the snapshot copied back): outlined anew
[ "$(outlines)" = 8 ] && [ ! -e "$cache/outline-old1" ] && [ "$(check_out)" = "$want_check" ] && ok ||
  bad "the outlines are trimmed to the newest eight: $(outlines)"

# check reads of the latest snapshot only as far as the drift test's first
# difference: the same words as a whole read, for every kind of difference
cp "$p/schema/app.inspire" "$tmp/app.keep"
v5="$examples/evolution/v5.inspire"
drift_case() { # name, then the schema on stdin
  cat >"$p/schema/app.inspire"
  got=$(check_out)
  want=$(INSPIREC_CACHE=off check_out)
  [ "$got" = "$want" ] && ok || bad "drift by the outline ($1) says otherwise: $got, not $want"
}
drift_case "none" <"$v5"
"$bin" -C "$p" check -v 2>"$tmp/v" >/dev/null
grep -q "read by its outline: 0 of 4 entities read" "$tmp/v" && ! grep -q W0904 "$tmp/v" && ok ||
  bad "an unchanged schema reads no entity of the snapshot: $(cat "$tmp/v")"
sed 's/enum TaskStatus { Todo, InProgress, Done }/enum TaskStatus { Todo, InProgress, Done, Late }/' "$v5" | drift_case "an enum"
sed '/^entity Tag {/,/^}/d' "$v5" | drift_case "an entity only in the snapshot"
{ cat "$v5"; printf 'entity Zebra {\n  stripes: int,\n}\n'; } | drift_case "an entity only in the schema"
sed 's/name: string @unique @maxLength(120),/name: string @unique @maxLength(100),/' "$v5" | drift_case "the first entity"
sed 's/notes: string = "",/notes: string = "-",/' "$v5" | drift_case "a later entity"
sed 's/notes: string = "",/notes: string = "-",/; s/@maxLength(120),/@maxLength(100),/' "$v5" |
  drift_case "two entities"
# read as far as the first: Project, not Task (a whole read by the outline reads both)
"$bin" -C "$p" check -v 2>"$tmp/v" >/dev/null
grep -q "read by its outline: 1 of 4 entities read" "$tmp/v" && grep -q "Project.name" "$tmp/v" && ok ||
  bad "only the first changed entity is read: $(cat "$tmp/v")"
cp "$tmp/app.keep" "$p/schema/app.inspire"

echo "outline: $pass passed, $fail failed"
[ $fail = 0 ]
