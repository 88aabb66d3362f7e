#!/bin/sh
# engine_apply.sh postgres|mysql INSPIREC EXAMPLES: the runner on a real
# server of its own (tests/engine.sh): the evolution history one migration at
# a time and all at once, status at each point, a re-run that does nothing,
# dry-run that changes nothing, a failing statement (Postgres: nothing kept;
# MySQL: the steps done kept and a re-run after the fix resuming from the
# failed one), kill -9 at 20 points, two runners at once, and no password in
# any output.
set -u
engine=$1
bin=$2
ex=$3
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/engine.sh"
engine_begin "$engine" || exit 2

p="$tmp/app"
evolution_project "$bin" "$ex" "$p"
ledger() { q "$1" "SELECT id FROM _inspire_migrations ORDER BY id" | tr '\n' ' '; }
nledger() { q "$1" "SELECT count(*) FROM _inspire_migrations"; }

# ---- one at a time, status at each point, the rest, nothing -------------------
create a1 || bad "create a1"
U=$(url a1)
"$bin" -C "$p" status --db "$U" >"$tmp/st"
[ $? = 3 ] && grep -q '^pending: *5: ' "$tmp/st" && ok || bad "status before: $(cat "$tmp/st")"
for n in 1 2 3; do
  "$bin" -C "$p" apply -q --db "$U" --to $n 2>"$tmp/err" && ok || bad "apply --to $n: $(cat "$tmp/err")"
  "$bin" -C "$p" status --db "$U" >"$tmp/st"
  [ $? = 3 ] && grep -q "^applied: *$n: " "$tmp/st" && grep -q '^live drift: *none' "$tmp/st" && ok ||
    bad "status after --to $n: $(cat "$tmp/st")"
done
describe a1 >"$tmp/before"
"$bin" -C "$p" dry-run --db "$U" >"$tmp/dry" 2>"$tmp/err" && grep -q '^-- 0004_' "$tmp/dry" && ok || bad "dry-run: $(cat "$tmp/err")"
describe a1 | cmp -s - "$tmp/before" && [ "$(nledger a1)" = 3 ] && ok || bad "dry-run changed the database"
"$bin" -C "$p" apply -q --db "$U" 2>"$tmp/err" && [ "$(nledger a1)" = 5 ] && ok || bad "the rest: $(cat "$tmp/err")"
"$bin" -C "$p" status --db "$U" >"$tmp/st" && grep -q '^live drift: *none' "$tmp/st" && ok || bad "in step: $(cat "$tmp/st")"
describe a1 >"$tmp/after"
"$bin" -C "$p" apply --db "$U" 2>"$tmp/err" && grep -q 'nothing to apply' "$tmp/err" &&
  describe a1 | cmp -s - "$tmp/after" && ok || bad "a re-run does nothing: $(cat "$tmp/err")"

# ---- all at once, on another database, equal to the one-by-one ---------------
create a2 || bad "create a2"
"$bin" -C "$p" apply -q --db "$(url a2)" 2>"$tmp/err" && describe a2 | cmp -s - "$tmp/after" && ok ||
  bad "all at once differs from one at a time: $(cat "$tmp/err")"

# ---- what blocks apply (exit 3, naming the file), changing nothing -------------
apply_here() { "$bin" -C "$p" apply --db "$U"; }
unchanged() { describe a1 | cmp -s - "$tmp/after" && [ "$(nledger a1)" = 5 ]; }
blocking_edits
"$bin" -C "$p" plan -q --db "$U" --name extra >/dev/null 2>&1 || bad "plan extra"
sed -i 's/^  create entity Extra/  [RESOLVE] create entity Extra/' "$p"/migrations/0006_extra/plan.inspire
blocked "a [RESOLVE] left" "0006_extra/plan.inspire has 1 \[RESOLVE\] marker"
rm -rf "$p/migrations/0006_extra" "$p/schema/extra.inspire"

# ---- verify on a shadow database, left empty; one that is not empty refused ----
create v1 || bad "create v1"
"$bin" -C "$p" verify --shadow "$(url v1)" >"$tmp/out" 2>"$tmp/err" && grep -q '^verified 5 migrations on ' "$tmp/out" &&
  grep -q '^  every down script returns to the snapshot before it$' "$tmp/out" &&
  [ "$(count_tables v1)" = 0 ] && [ "$(count_types v1)" = 0 ] && ok || bad "verify --shadow: $(cat "$tmp/out" "$tmp/err")"
"$bin" -C "$p" verify --shadow "$U" >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q 'is not empty' "$tmp/err" && describe a1 | cmp -s - "$tmp/after" && ok || bad "verify refuses a used database: $(cat "$tmp/err")"

# ---- a statement that fails ---------------------------------------------------
"$bin" -C "$p" plan -q --empty --name broken >/dev/null 2>&1 || bad "plan --empty"
m6=$(ls -d "$p"/migrations/0006_*)
sed -i "s/^}\$/  sql $engine \"INSERT INTO projects (name, created_at) VALUES ('s1', '2024-01-01')\"\\n  sql $engine \"INSERT INTO nowhere VALUES (1)\"\\n}/" "$m6/plan.inspire"
"$bin" -C "$p" apply --db "$U" >/dev/null 2>"$tmp/err"
[ $? = 4 ] && grep -q '0006_broken failed at statement 2' "$tmp/err" && ok || bad "a failing statement: $(cat "$tmp/err")"
[ "$(q a1 "SELECT status FROM _inspire_migration_steps WHERE migration_id = '0006_broken' AND step = 2")" = failed ] && ok ||
  bad "the failed step is in the ledger"
if [ "$engine" = postgres ]; then
  [ "$(q a1 "SELECT count(*) FROM projects WHERE name = 's1'")" = 0 ] && [ "$(nledger a1)" = 5 ] && ok ||
    bad "Postgres keeps nothing of the failed migration"
else
  [ "$(q a1 "SELECT count(*) FROM projects WHERE name = 's1'")" = 1 ] &&
    [ "$(q a1 "SELECT status FROM _inspire_migration_steps WHERE migration_id = '0006_broken' AND step = 1")" = done ] && ok ||
    bad "MySQL keeps the step done before the failure, and says so"
  sed -i "s/INSERT INTO nowhere VALUES (1)/INSERT INTO projects (name, created_at) VALUES ('s2', '2024-01-01')/" "$m6/plan.inspire"
  "$bin" -C "$p" apply -q --db "$U" 2>"$tmp/err" &&
    [ "$(q a1 "SELECT count(*) FROM projects WHERE name IN ('s1', 's2')")" = 2 ] && [ "$(nledger a1)" = 6 ] && ok ||
    bad "after the fix, a re-run resumes from the failed step: $(cat "$tmp/err")"
fi
rm -rf "$m6"

# ---- killed at 20 points, then a plain re-run ----------------------------------
# (spread over every statement of the history, as dry-run on an empty database counts them)
create k0 || bad "create k0"
total=$("$bin" -C "$p" dry-run --db "$(url k0)" 2>/dev/null | grep -c ';$')
[ "$total" -ge 20 ] && ok || bad "only $total statements to stop at"
for i in $(seq 0 19); do
  n=$((1 + i * (total - 1) / 19))
  create "k$n" || bad "create k$n"
  INSPIREC_TEST_STOP_AFTER=$n "$bin" -C "$p" apply -q --db "$(url "k$n")" >/dev/null 2>&1
  [ $? = 137 ] || bad "the test hook did not stop apply at statement $n of $total"
  "$bin" -C "$p" apply -q --db "$(url "k$n")" 2>"$tmp/err" && [ "$(nledger "k$n")" = 5 ] &&
    describe "k$n" | cmp -s - "$tmp/after" && ok || bad "killed at $n, re-run: $(cat "$tmp/err")"
done

# ---- two runners at once: one applies, the other waits and finds nothing -------
create race || bad "create race"
two_runners "$(url race)" 5
[ "$(nledger race)" = 5 ] && ok || bad "two runners: the ledger"

# ---- passwords appear nowhere -------------------------------------------------
"$bin" -C "$p" status --db "$(url a1 hunter2)" >"$tmp/out" 2>&1
"$bin" -C "$p" apply --db "$(url nosuchdb hunter2)" >>"$tmp/out" 2>&1
[ $? = 4 ] && ! grep -q hunter2 "$tmp/out" && grep -q '\*\*\*' "$tmp/out" && ok || bad "a password shown: $(cat "$tmp/out")"

echo "$engine apply: $pass passed, $fail failed"
[ "$fail" = 0 ]
