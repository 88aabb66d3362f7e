#!/bin/sh
# plan_cli.sh INSPIREC: `inspirec plan` as a user drives it.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
p="$tmp/app"
mkdir -p "$p/schema"
printf 'entity Task {\n  title: string\n}\n' >"$p/schema/main.inspire"

out=$("$bin" -C "$p" plan 2>&1) && [ -f "$p/migrations/0001_initial/plan.inspire" ] && ok || bad "first plan: $out"
printf '%s' "$out" | grep -q '^Wrote migrations/0001_initial/plan.inspire' && ok || bad "plan says what it wrote: $out"
out=$("$bin" -C "$p" plan 2>&1)
[ "$out" = "No schema changes." ] && [ "$(ls "$p/migrations")" = "0001_initial" ] && ok || bad "no change: $out"

printf 'entity Task {\n  title: string\n  dueDate: date?\n}\n' >"$p/schema/main.inspire"
"$bin" -C "$p" plan --new --name "Add Due-Dates!!" >/dev/null 2>&1 && [ -d "$p/migrations/0002_add_due_dates" ] && ok || bad "--name slug: $(ls "$p/migrations")"
grep -q 'migration "0002_add_due_dates"' "$p/migrations/0002_add_due_dates/plan.inspire" && ok || bad "plan names its folder"

printf 'entity Task {\n  title: string\n  dueDate: date?\n  done: boolean = false\n}\n' >"$p/schema/main.inspire"
"$bin" -C "$p" plan -q --new >/dev/null 2>&1 && [ -d "$p/migrations/0003_add_task_done" ] && ok || bad "derived slug: $(ls "$p/migrations")"

"$bin" -C "$p" plan --empty --name backfill >/dev/null 2>&1 && [ -d "$p/migrations/0004_backfill" ] && ok || bad "--empty"
cmp -s "$p/migrations/0003_add_task_done/snapshot.json" "$p/migrations/0004_backfill/snapshot.json" && ok || {
  # the same state; only the migration name inside differs
  diff "$p/migrations/0003_add_task_done/snapshot.json" "$p/migrations/0004_backfill/snapshot.json" | grep -v migration | grep -q '^[<>]' && bad "--empty keeps the state" || ok
}
"$bin" -C "$p" check >/dev/null 2>&1 && ok || bad "check accepts the history: $("$bin" -C "$p" check 2>&1)"

# a bad schema: exit 1, nothing written
printf 'entity Task {\n  title: strng\n}\n' >"$p/schema/main.inspire"
before=$(ls "$p/migrations")
"$bin" -C "$p" plan >/dev/null 2>"$tmp/err"
[ $? = 1 ] && [ "$(ls "$p/migrations")" = "$before" ] && grep -q 'E0204' "$tmp/err" && ok || bad "schema errors stop plan"

# usage errors
"$bin" -C "$p" plan --nmae x >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "did you mean '--name'" "$tmp/err" && ok || bad "unknown option"
"$bin" -C "$p" plan --name "!!!" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "empty slug"
ls -a "$p/migrations" | grep -q '^\.tmp' && bad "a temporary folder is left" || ok

# plan.migration is read too; both at once is an error
printf 'entity Task {\n  title: string\n  dueDate: date?\n  done: boolean = false\n}\n' >"$p/schema/main.inspire"
mv "$p/migrations/0004_backfill/plan.inspire" "$p/migrations/0004_backfill/plan.migration"
"$bin" -C "$p" check >/dev/null 2>&1 && ok || bad "plan.migration is read"
cp "$p/migrations/0004_backfill/plan.migration" "$p/migrations/0004_backfill/plan.inspire"
"$bin" -C "$p" check >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'E0703' "$tmp/err" && ok || bad "both plan files"

# --migrations elsewhere, the alias `migrate plan`
q="$tmp/other"
mkdir -p "$q/defs"
printf 'enum Level { Low, High }\nentity Item {\n  level: Level = Low\n}\n' >"$q/defs/a.inspire"
"$bin" -C "$q" migrate plan --schema defs --migrations db/history >/dev/null 2>&1 && [ -f "$q/db/history/0001_initial/snapshot.json" ] && ok || bad "--schema, --migrations and migrate plan"
"$bin" -C "$q" check --schema defs --migrations db/history >/dev/null 2>&1 && ok || bad "check with --migrations"

# The draft tip (migrations.md 4): the latest migration, not applied to the
# local database, is planned again in place.
d="$tmp/draft"
mkdir -p "$d/schema"
schema() { printf 'entity Task {\n  title: string\n%b}\n' "$1" >"$d/schema/main.inspire"; }
folders() { ls "$d/migrations" | tr '\n' ' '; }
schema ''
"$bin" -C "$d" plan -q >/dev/null 2>&1 || bad "draft: first plan"
schema '  notes: string?\n'
out=$("$bin" -C "$d" plan -q 2>&1)
[ "$(folders)" = "0001_initial " ] && grep -q 'notes' "$d/migrations/0001_initial/plan.inspire" &&
  grep -q '"notes"' "$d/migrations/0001_initial/snapshot.json" && ok || bad "an unapplied first migration is rewritten: $(folders) $out"
printf '%s' "$out" | grep -q '^Rewrote migrations/0001_initial/plan.inspire in place of the draft 0001_initial (not applied to sqlite:.inspire/dev.db' && ok || bad "plan says it rewrote the draft: $out"
"$bin" -C "$d" check >/dev/null 2>&1 && ok || bad "the rewritten history checks"
"$bin" -C "$d" apply -q >/dev/null 2>&1 || bad "draft: apply"
schema '  notes: string?\n  size: int?\n'
"$bin" -C "$d" plan -q >/dev/null 2>&1 && [ "$(folders)" = "0001_initial 0002_add_task_size " ] && ok || bad "applied: a new migration: $(folders)"
schema '  notes: string?\n  size: int?\n  color: string?\n'
"$bin" -C "$d" plan -q --name sizes-and-colors >/dev/null 2>&1 && [ "$(folders)" = "0001_initial 0002_sizes_and_colors " ] &&
  grep -q 'migration "0002_sizes_and_colors"' "$d/migrations/0002_sizes_and_colors/plan.inspire" &&
  grep -q 'add Task.size' "$d/migrations/0002_sizes_and_colors/plan.inspire" &&
  grep -q 'add Task.color' "$d/migrations/0002_sizes_and_colors/plan.inspire" && ok || bad "the draft rewritten under --name: $(folders)"
ls -A "$d/migrations" | grep -q '^\.' && bad "a folder is left aside" || ok
# --new stacks; a second unapplied migration stops the rule
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n'
"$bin" -C "$d" plan -q --new >/dev/null 2>&1 && [ "$(folders)" = "0001_initial 0002_sizes_and_colors 0003_add_task_rank " ] && ok || bad "--new stacks: $(folders)"
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n  done: boolean?\n'
before=$(folders)
"$bin" -C "$d" plan >/dev/null 2>"$tmp/err"
[ $? = 3 ] && [ "$(folders)" = "$before" ] && grep -q '0002_sizes_and_colors, 0003_add_task_rank are not applied to sqlite:.inspire/dev.db' "$tmp/err" && grep -q 'apply them first' "$tmp/err" && ok || bad "two unapplied: refused: $(cat "$tmp/err")"
# the schema back where it was before the draft: the draft goes
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n'
"$bin" -C "$d" apply -q >/dev/null 2>&1 || bad "draft: apply 2"
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n  done: boolean?\n'
"$bin" -C "$d" plan -q >/dev/null 2>&1 && [ -d "$d/migrations/0004_add_task_done" ] && ok || bad "draft 0004: $(folders)"
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n'
out=$("$bin" -C "$d" plan 2>&1)
[ "$out" = "Removed the draft 0004_add_task_done: the schema is back at 0003_add_task_rank." ] && [ ! -d "$d/migrations/0004_add_task_done" ] && ok || bad "a reverted draft is removed: $out $(folders)"
# a draft with a hand-written step is not rewritten
"$bin" -C "$d" plan -q --empty --name fix >/dev/null 2>&1 || bad "draft: --empty"
sed -i 's|^}|  sql "UPDATE tasks SET rank = 1"\n}|' "$d"/migrations/0004_fix/plan.inspire
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n  done: boolean?\n'
sum=$(cat "$d"/migrations/0004_fix/*| cksum)
"$bin" -C "$d" plan >/dev/null 2>"$tmp/err"
[ $? = 3 ] && [ "$(cat "$d"/migrations/0004_fix/* | cksum)" = "$sum" ] && [ "$(folders)" = "0001_initial 0002_sizes_and_colors 0003_add_task_rank 0004_fix " ] &&
  grep -q 'hand-written steps' "$tmp/err" && ok || bad "a draft with sql is kept: $(cat "$tmp/err")"
# a guess accepted in the draft stays accepted when it is planned again
schema '  notes: string?\n  size: int?\n  color: string?\n  rank: int?\n'
"$bin" -C "$d" apply -q >/dev/null 2>"$tmp/err" || bad "draft: apply 3: $(cat "$tmp/err")"
schema '  notes: string?\n  size: int?\n  color: string?\n  ranking: int?\n'
"$bin" -C "$d" plan -q >/dev/null 2>&1 && grep -q '^  \[RESOLVE\] rename Task.rank -> Task.ranking' "$d"/migrations/0005_*/plan.inspire && ok || bad "a rename guess: $(cat "$d"/migrations/0005_*/plan.inspire)"
sed -i 's/\[RESOLVE\] //' "$d"/migrations/0005_*/plan.inspire
schema '  notes: string?\n  size: int?\n  color: string?\n  ranking: int?\n  due: date?\n'
"$bin" -C "$d" plan -q >/dev/null 2>&1 && ! grep -q 'RESOLVE' "$d"/migrations/0005_*/plan.inspire &&
  grep -q 'add Task.due' "$d"/migrations/0005_*/plan.inspire && ok || bad "an accepted guess is kept: $(cat "$d"/migrations/0005_*/plan.inspire)"
# the local database is --db, then $INSPIRE_DATABASE_URL: elsewhere nothing is applied
schema '  notes: string?\n  size: int?\n  color: string?\n  ranking: int?\n  due: date?\n  tag: string?\n'
before=$(folders)
INSPIRE_DATABASE_URL=sqlite:other.db "$bin" -C "$d" plan >/dev/null 2>"$tmp/err"
[ $? = 3 ] && [ "$(folders)" = "$before" ] && grep -q 'not applied to sqlite:other.db' "$tmp/err" && [ ! -e "$d/other.db" ] && ok || bad "\$INSPIRE_DATABASE_URL: $(cat "$tmp/err")"
"$bin" -C "$d" plan --db 'postgres://me:s3cretpw@127.0.0.1:1/app' >"$tmp/out" 2>"$tmp/err"
[ $? = 4 ] && [ "$(folders)" = "$before" ] && grep -q 'pass --new' "$tmp/err" && ! grep -q s3cretpw "$tmp/out" "$tmp/err" && ok || bad "an unreachable database: $(cat "$tmp/err")"

# a snapshot that cannot be written whole (here a file size limit; a full disk
# the same): plan says so, exits 1 and leaves the history as it was.  The
# second plan writes most entities straight from the first snapshot's text.
w="$tmp/big"
mkdir -p "$w/schema"
things_schema 400 >"$w/schema/main.inspire"
XDG_CACHE_HOME="$tmp/cache" "$bin" -C "$w" plan -q >/dev/null 2>"$tmp/err" || bad "big: first plan: $(cat "$tmp/err")"
sed -i 's/^entity Thing7 {$/entity Thing7 {\n  extra: int?/' "$w/schema/main.inspire"
size=$(wc -c <"$w/migrations/0001_initial/snapshot.json")
[ "$size" -gt 200000 ] && ok || bad "big: the snapshot is only $size bytes"
(trap '' XFSZ; ulimit -f 200; XDG_CACHE_HOME="$tmp/cache" exec "$bin" -C "$w" plan -q --new) >/dev/null 2>"$tmp/err"
[ $? = 1 ] && [ "$(ls -a "$w/migrations" | tr '\n' ' ')" = ". .. 0001_initial " ] &&
  grep -q 'nothing was written' "$tmp/err" && ok || bad "a failed write: $(cat "$tmp/err") $(ls -a "$w/migrations")"
XDG_CACHE_HOME="$tmp/cache" "$bin" -C "$w" plan -q --new >/dev/null 2>"$tmp/err" &&
  XDG_CACHE_HOME="$tmp/cache" "$bin" -C "$w" check >/dev/null 2>&1 && ok || bad "big: plan after: $(cat "$tmp/err")"

echo "plan cli: $pass passed, $fail failed"
[ $fail = 0 ]
