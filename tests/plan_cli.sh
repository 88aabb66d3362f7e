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
"$bin" -C "$p" plan --name "Add Due-Dates!!" >/dev/null 2>&1 && [ -d "$p/migrations/0002_add_due_dates" ] && ok || bad "--name slug: $(ls "$p/migrations")"
grep -q 'migration "0002_add_due_dates"' "$p/migrations/0002_add_due_dates/plan.inspire" && ok || bad "plan names its folder"

printf 'entity Task {\n  title: string\n  dueDate: date?\n  done: boolean = false\n}\n' >"$p/schema/main.inspire"
"$bin" -C "$p" plan -q >/dev/null 2>&1 && [ -d "$p/migrations/0003_add_task_done" ] && ok || bad "derived slug: $(ls "$p/migrations")"

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

echo "plan cli: $pass passed, $fail failed"
[ $fail = 0 ]
