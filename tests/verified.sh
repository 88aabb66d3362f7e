#!/bin/sh
# verified.sh INSPIREC EXAMPLES: check and plan spare the replay of committed
# migrations verified before, byte for byte (frontend/verified.c), and never
# let that hide a damaged history.
set -u
bin=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$tmp/cache"
record="$XDG_CACHE_HOME/inspirec/verified-1"
p="$tmp/app"
evolution_project "$bin" "$examples" "$p"
n=$(ls "$p/migrations" | wc -l)
known() { # verb: the count of migrations -v says were verified before
  "$bin" -C "$p" "$1" -v 2>&1 >/dev/null | sed -n 's/^inspirec: history: \([0-9]*\) of .*/\1/p'
}

# the first check replays and records every migration; the next ones replay none
rm -rf "$XDG_CACHE_HOME"
[ "$(known check)" = 0 ] && [ "$(wc -l <"$record")" = "$n" ] && ok || bad "a first check records $n migrations"
[ "$(known check)" = "$n" ] && ok || bad "a second check replays nothing"
[ "$(known plan)" = "$n" ] && ok || bad "plan reads the same record"
"$bin" -C "$p" check >/dev/null 2>&1 && ok || bad "check still passes"

# files left alone a moment are known by their identity, and nothing is hashed;
# an edit in place, same inode and size, with the file then left alone, is not
by_identity() { "$bin" -C "$p" check -v 2>&1 >/dev/null | grep -q "^inspirec: history: $n of $n .*(their files unchanged since)"; }
sleep 0.2
"$bin" -C "$p" check >/dev/null 2>&1 # records the keys by identity, its files now settled
by_identity && ok || bad "an unchanged history is known by its files' identity"
plan2=$(ls -d "$p"/migrations/0002_*)/plan.inspire
cp "$plan2" "$tmp/plan2"
at=$(grep -b -o 'migration "' "$plan2" | head -n 1 | cut -d: -f1)
printf 'x' | dd of="$plan2" bs=1 seek=$((at + 1)) conv=notrunc 2>/dev/null # "migration" -> "mxgration"
cmp -s "$plan2" "$tmp/plan2" && bad "the test's edit in place changed nothing"
sleep 0.2
"$bin" -C "$p" check --color never >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'error' "$tmp/err" && ok || bad "an edit in place, left alone, is read: $(cat "$tmp/err")"
cp "$tmp/plan2" "$plan2"
sleep 0.2
"$bin" -C "$p" check >/dev/null 2>&1 && by_identity && ok || bad "restored, the plan is known by identity again"

# a hand edit that no longer reaches its snapshot is caught, record or not
plan3=$(ls -d "$p"/migrations/0003_*)/plan.inspire
cp "$plan3" "$tmp/plan3"
sed -i 's/#888888/#999999/' "$plan3" # a default the snapshot does not have
cmp -s "$plan3" "$tmp/plan3" && bad "the test's edit changed nothing"
"$bin" -C "$p" check --color never >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'E0707' "$tmp/err" && ok || bad "an edited plan is replayed and refused: $(cat "$tmp/err")"
before=$(cd "$p" && find . | sort)
"$bin" -C "$p" plan >/dev/null 2>&1
[ $? = 1 ] && [ "$(cd "$p" && find . | sort)" = "$before" ] && ok || bad "plan refuses the edited history"
cp "$tmp/plan3" "$plan3"
[ "$(known check)" = "$n" ] && ok || bad "the plan restored, its record serves again"

# so is a snapshot edited behind its plan's back, and a migration after it
snap2=$(ls -d "$p"/migrations/0002_*)/snapshot.json
cp "$snap2" "$tmp/snap2"
sed -i '0,/"nullable": false/s//"nullable": true/' "$snap2"
"$bin" -C "$p" check --color never >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'E0707' "$tmp/err" && ok || bad "an edited snapshot is caught: $(cat "$tmp/err")"
cp "$tmp/snap2" "$snap2"

# a migration with a marker left is never recorded: check reports it each time
lines=$(wc -l <"$record")
cp -r "$p" "$tmp/marked"
sed -i '0,/^  add /s/^  add /  [RESOLVE] add /' "$(ls -d "$tmp"/marked/migrations/0003_*)/plan.inspire"
for i in 1 2; do
  "$bin" -C "$tmp/marked" check --color never >/dev/null 2>"$tmp/err"
  [ $? = 1 ] && grep -q 'E0706' "$tmp/err" && ok || bad "a marker is reported on run $i: $(cat "$tmp/err")"
done
[ "$(wc -l <"$record")" -le $((lines + n)) ] && ! "$bin" -C "$tmp/marked" check -v 2>&1 | grep -q "^inspirec: history: $n of" &&
  ok || bad "a migration with a marker is not recorded"

# INSPIREC_CACHE=off: every replay runs and nothing is written
cp "$record" "$tmp/record"
[ "$(INSPIREC_CACHE=off known check)" = 0 ] && cmp -s "$record" "$tmp/record" && ok || bad "INSPIREC_CACHE=off"

# a record that cannot be written or read costs only the replays
XDG_CACHE_HOME="$tmp/a-file" && touch "$XDG_CACHE_HOME" && export XDG_CACHE_HOME
"$bin" -C "$p" check >/dev/null 2>&1 && [ "$(known check)" = 0 ] && ok || bad "an unwritable cache folder"
export XDG_CACHE_HOME="$tmp/cache"
printf 'not a key\n\n%s\n' "$(head -c 300 /dev/urandom | base64 | tr -d '\n')" >>"$record"
[ "$(known check)" = "$n" ] && ok || bad "junk in the record is ignored"

# past 256 KB the record keeps its newer half, and the newest keys
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%064d\n", i }' >"$record"
[ "$(known check)" = 0 ] && ok || bad "old keys only: every migration replayed"
size=$(wc -c <"$record")
[ "$size" -lt 200000 ] && [ "$(known check)" = "$n" ] && ok || bad "the record is cut ($size bytes) and keeps the new keys"

# a migration with a diagnostic is never recorded, even past the 500 shown: its
# diagnostic is counted on every run (each plan here ends with a stray `///`)
m="$tmp/warned"
mkdir -p "$m/schema"
printf 'entity Task {\n  title: string\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q >/dev/null 2>&1
printf 'entity Task {\n  title: string\n  x: int?\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q --new >/dev/null 2>&1
printf 'entity Task {\n  title: string\n}\n' >"$m/schema/app.inspire"
"$bin" -C "$m" plan -q --new >/dev/null 2>&1
awk -v dir="$m/migrations" '
  function slurp(f,   s, line) { s = ""; while ((getline line < f) > 0) s = s line "\n"; close(f); return s }
  BEGIN {
    for (k = 2; k <= 3; k++) {
      slug = k == 2 ? "add_task_x" : "drop_task_x"
      src = sprintf("%s/%04d_%s", dir, k, slug)
      p[slug] = slurp(src "/plan.inspire"); sn[slug] = slurp(src "/snapshot.json")
    }
    for (i = 4; i <= 521; i++) {
      slug = i % 2 ? "drop_task_x" : "add_task_x"
      name = sprintf("%04d_%s", i, slug)
      old = (i % 2 ? "0003_" : "0002_") slug
      system("mkdir -p " dir "/" name)
      text = p[slug]; gsub(old, name, text); f = dir "/" name "/plan.inspire"; printf "%s", text > f; close(f)
      text = sn[slug]; gsub(old, name, text); f = dir "/" name "/snapshot.json"; printf "%s", text > f; close(f)
    }
  }'
for d in "$m"/migrations/*/; do echo "/// a doc comment for nothing" >>"$d/plan.inspire"; done
summary() { "$bin" -C "$m" check --color never 2>&1 >/dev/null | tail -n 1; }
rm -f "$record"
first=$(summary)
second=$(summary)
[ "$first" = "0 errors, 521 warnings" ] && [ "$second" = "$first" ] && ok ||
  bad "warnings past the limit are found again: '$first', then '$second'"

# what plan writes is recorded as verified (its snapshot is its plan replayed),
# so the check after it replays nothing, a history known by identity included
# (the outline keeps the latest snapshot's digest); a plan with [RESOLVE]
# markers is not, nor does the record hide an edit made after plan
w="$tmp/written"
mkdir -p "$w/schema"
printf 'entity Task {\n  title: string\n}\n' >"$w/schema/app.inspire"
rm -rf "$XDG_CACHE_HOME"
known_in() { "$bin" -C "$w" "$1" -v 2>&1 >/dev/null | sed -n 's/^inspirec: history: \([0-9]*\) of .*/\1/p'; }
"$bin" -C "$w" plan -q >/dev/null 2>&1
[ "$(known_in check)" = 1 ] && ok || bad "the check after plan replays nothing"
sleep 0.2
"$bin" -C "$w" check >/dev/null 2>&1 # its files now known by identity, their outline kept
"$bin" -C "$w" check -v 2>&1 | grep -q '(their files unchanged since)' && ok || bad "known by identity"
printf 'entity Task {\n  title: string\n  note: string?\n}\n' >"$w/schema/app.inspire"
"$bin" -C "$w" plan -q --new >/dev/null 2>&1
[ "$(known_in check)" = 2 ] && ok || bad "a plan after a history known by identity is recorded too"
printf 'entity Task {\n  title: string\n  remark: string?\n}\n' >"$w/schema/app.inspire"
"$bin" -C "$w" plan -q --new >/dev/null 2>&1
grep -q 'RESOLVE' "$w"/migrations/0003_*/plan.inspire || bad "the test's rename is a guess"
[ "$(known_in check)" = 2 ] && "$bin" -C "$w" check --color never 2>&1 | grep -q 'E0706.* 0003_' &&
  ok || bad "a plan with a marker is not recorded, and its marker is reported"
rm -rf "$w"/migrations/0003_*
printf 'entity Task {\n  title: string\n  note: string?\n  due: date?\n}\n' >"$w/schema/app.inspire"
"$bin" -C "$w" plan -q --new >/dev/null 2>&1
snap3=$(ls -d "$w"/migrations/0003_*)/snapshot.json
sed -i 's/"nullable": true/"nullable": false/' "$snap3"
"$bin" -C "$w" check --color never >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'E0707' "$tmp/err" && ok || bad "an edit after plan is replayed and refused: $(cat "$tmp/err")"

echo "verified: $pass passed, $fail failed"
[ $fail = 0 ]
