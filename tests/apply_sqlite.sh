#!/bin/sh
# apply_sqlite.sh INSPIREC EXAMPLES: apply, dry-run and the
# ledger on the embedded default (sqlite:.inspire/dev.db), issue 6 so far.
set -u
bin=$1
ex=$2
here=$(dirname "$0")
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
p="$tmp/app"
evolution_project "$bin" "$ex" "$p"
db="$p/.inspire/dev.db"
applied() { sqlite3 "$db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM _inspire_migrations ORDER BY id)"; }
dump() { sqlite3 "$db" .dump; }

# status before anything: all pending, exit 3
"$bin" -C "$p" status >"$tmp/st"
[ $? = 3 ] && grep -q '^pending: *5: 0001_initial' "$tmp/st" && grep -q '^applied: *0$' "$tmp/st" && ok ||
  bad "status of an empty database: $(cat "$tmp/st")"
# one at a time, then the rest, then nothing; status right at each point
for n in 1 2 3; do
  "$bin" -C "$p" apply -q --to $n 2>"$tmp/err" && ok || bad "apply --to $n: $(cat "$tmp/err")"
  "$bin" -C "$p" status >"$tmp/st"
  [ $? = 3 ] && grep -q "^applied: *$n: 0001_initial" "$tmp/st" && grep -q "^pending: *$((5 - n)): " "$tmp/st" && ok ||
    bad "status after apply --to $n: $(cat "$tmp/st")"
done
[ "$(applied)" = "0001_initial 0002_create_task_status 0003_add_task_status_blocked" ] && ok || bad "three applied: $(applied)"
"$bin" -C "$p" apply --to 2 2>"$tmp/err" && grep -q 'nothing to apply' "$tmp/err" && [ "$(applied | wc -w)" = 3 ] && ok ||
  bad "apply --to an applied migration does nothing: $(cat "$tmp/err")"
[ -f "$db" ] && ok || bad "the default database is .inspire/dev.db"
dump >"$tmp/before"
"$bin" -C "$p" dry-run >"$tmp/dry" 2>"$tmp/err" && grep -q '^-- 0004_rename_label' "$tmp/dry" &&
  grep -q '^-- 0005_' "$tmp/dry" && ! grep -q '0003' "$tmp/dry" && ok || bad "dry-run prints the pending SQL: $(cat "$tmp/err")"
dump | cmp -s - "$tmp/before" && ok || bad "dry-run changed the database"
"$bin" -C "$p" apply 2>"$tmp/err" && grep -q '2 migrations applied' "$tmp/err" && ! grep -q 'applying' "$tmp/err" && ok || bad "apply the rest (no progress line off a terminal): $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM _inspire_migrations")" = 5 ] && ok || bad "five in the ledger"
[ "$(sqlite3 "$db" "SELECT count(*) FROM _inspire_migration_steps WHERE status <> 'done'")" = 0 ] && ok || bad "every step done"
dump >"$tmp/after"
"$bin" -C "$p" status --format json >"$tmp/st" && grep -q '"inStep":[[:space:]]*true' "$tmp/st" &&
  grep -q '"pending":[[:space:]]*\[\]' "$tmp/st" && ok || bad "status --format json in step: $(cat "$tmp/st")"
"$bin" -C "$p" apply 2>"$tmp/err" && grep -q 'nothing to apply' "$tmp/err" && ok || bad "a re-run does nothing"
dump | cmp -s - "$tmp/after" && ok || bad "a re-run changed the database"

# verify: the history replayed on a throwaway database, up and back down
"$bin" -C "$p" verify >"$tmp/out" 2>"$tmp/err" &&
  [ "$(cat "$tmp/out")" = "verified 5 migrations on sqlite::memory:
  each builds its snapshot, the last the declared schema
  every down script returns to the snapshot before it" ] &&
  ok || bad "verify in memory: $(cat "$tmp/out" "$tmp/err")"
"$bin" -C "$p" verify --shadow "sqlite:$tmp/shadow.db" >"$tmp/out" 2>"$tmp/err" &&
  [ "$(sqlite3 "$tmp/shadow.db" "SELECT count(*) FROM sqlite_master")" = 0 ] && ok ||
  bad "verify on a shadow file, left empty: $(cat "$tmp/out" "$tmp/err")"
"$bin" -C "$p" verify --shadow "sqlite:.inspire/dev.db" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] && grep -q 'the shadow database sqlite:.inspire/dev.db is not empty' "$tmp/err" && dump | cmp -s - "$tmp/after" && ok ||
  bad "verify refuses a database that is not empty: $(cat "$tmp/err")"

# what blocks apply (exit 3), changing nothing
apply_here() { "$bin" -C "$p" apply; }
unchanged() { dump | cmp -s - "$tmp/after"; }
blocking_edits
rm "$p/schema/extra.inspire"
sqlite3 "$db" "CREATE TABLE by_hand (a INTEGER)"
dump >"$tmp/after"
blocked "live drift" "extra table by_hand"
"$bin" -C "$p" status >"$tmp/st"
[ $? = 3 ] && grep -q '^live drift: *extra table by_hand' "$tmp/st" && ok || bad "status shows live drift: $(cat "$tmp/st")"
"$bin" -C "$p" apply -q --allow-drift 2>"$tmp/err" && ok || bad "--allow-drift goes on: $(cat "$tmp/err")"
sqlite3 "$db" "DROP TABLE by_hand"
dump >"$tmp/after"

# a [RESOLVE] left in a new migration
printf 'entity Note {\n  text: string\n}\n' >"$p/schema/note.inspire"
"$bin" -C "$p" plan -q --name note >/dev/null 2>&1
sed -i 's/^  create entity Note/  [RESOLVE] create entity Note/' "$p"/migrations/0006_*/plan.inspire
grep -q RESOLVE "$p"/migrations/0006_*/plan.inspire || bad "could not plant a marker"
"$bin" -C "$p" apply >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q '0006_note/plan.inspire has 1 \[RESOLVE\] marker' "$tmp/err" && dump | cmp -s - "$tmp/after" && ok ||
  bad "a marker blocks apply: $(cat "$tmp/err")"
"$bin" -C "$p" verify >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q '0006_note/plan.inspire has 1 \[RESOLVE\] marker.*run verify again' "$tmp/err" && ok || bad "a marker blocks verify: $(cat "$tmp/err")"
sed -i 's/\[RESOLVE\] //' "$p"/migrations/0006_*/plan.inspire

# a statement that fails: nothing of the migration kept, the failed step recorded
"$bin" -C "$p" plan -q --empty --name broken >/dev/null 2>&1 || bad "plan --empty"
m7=$(ls -d "$p"/migrations/0007_*)
sed -i 's/^}$/  sql sqlite "CREATE TABLE half_done (a INTEGER)"\n  sql sqlite "INSERT INTO nowhere VALUES (1)"\n}/' "$m7/plan.inspire"
"$bin" -C "$p" apply >/dev/null 2>"$tmp/err"
[ $? = 4 ] && grep -q '0007_broken failed at statement 2; nothing of it was kept' "$tmp/err" && ok ||
  bad "a failing statement: exit 4 and the step named: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")" = 0 ] && ok || bad "the failed migration left a table"
[ "$(sqlite3 "$db" "SELECT status FROM _inspire_migration_steps WHERE migration_id = '0007_broken' AND step = 2")" = failed ] &&
  sqlite3 "$db" "SELECT error FROM _inspire_migration_steps WHERE migration_id = '0007_broken' AND step = 2" | grep -q nowhere && ok ||
  bad "the ledger has the failed step with the engine's error"
[ "$(applied | wc -w)" = 6 ] && ok || bad "0006 applied, 0007 not: $(applied)"
"$bin" -C "$p" verify >/dev/null 2>"$tmp/err"
[ $? = 4 ] && grep -q 'verify: 0007_broken failed' "$tmp/err" && ok || bad "verify: a failing statement: $(cat "$tmp/err")"
# a step that builds what its snapshot does not say
sed -i 's/^  sql sqlite "INSERT INTO nowhere VALUES (1)"$//' "$m7/plan.inspire"
"$bin" -C "$p" verify >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'verify: after 0007_broken the database differs from its snapshot: extra table half_done' "$tmp/err" && ok ||
  bad "verify: a migration unlike its snapshot: $(cat "$tmp/err")"
# a step with no down part: verify goes down to it, and says so
printf 'migration "%s" {\n  sql sqlite "UPDATE projects SET name = name"\n}\n' "$(basename "$m7")" >"$m7/plan.inspire"
"$bin" -C "$p" verify >"$tmp/out" 2>"$tmp/err" && grep -q '^  the down scripts of the 0 newest .*0007_broken has none' "$tmp/out" && ok ||
  bad "verify stops at an irreversible step: $(cat "$tmp/out" "$tmp/err")"
rm -rf "$m7"

# the lock: a second runner waits, then gives up with exit 3
flock "$db.lock" sleep 3 &
sleep 0.3
"$bin" -C "$p" apply --lock-timeout 1 >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q 'gave up after 1 s' "$tmp/err" && ok || bad "lock timeout: $(cat "$tmp/err")"
wait

# a password never shows, in errors either
"$bin" -C "$p" apply --db 'postgres://app:hunter2@127.0.0.1:1/x?connect_timeout=2' >"$tmp/out" 2>&1
rc=$?
[ $rc = 4 ] && ! grep -q hunter2 "$tmp/out" && grep -q 'app:\*\*\*@' "$tmp/out" && ok || bad "password shown or wrong exit ($rc): $(cat "$tmp/out")"
INSPIRE_DATABASE_URL='mysql://app:hunter2@127.0.0.1:1/x' "$bin" -C "$p" apply >"$tmp/out" 2>&1
[ $? = 4 ] && ! grep -q hunter2 "$tmp/out" && ok || bad "INSPIRE_DATABASE_URL password shown: $(cat "$tmp/out")"

# killed at statement N, then a plain re-run: complete and right
# (the re-run's own live-drift check proves the database equals the snapshot)
for n in 1 2 3 5 8 11 14 17 20 23 26 29 32 35 38 41 44 47 50 53; do
  rm -f "$db"
  INSPIREC_TEST_STOP_AFTER=$n "$bin" -C "$p" apply -q >/dev/null 2>&1
  [ $? = 137 ] && ok || bad "the test hook did not stop apply at statement $n"
  "$bin" -C "$p" apply -q 2>"$tmp/err" && [ "$(applied | wc -w)" = 6 ] &&
    "$bin" -C "$p" apply 2>"$tmp/err" && grep -q 'nothing to apply' "$tmp/err" && ok ||
    bad "killed at $n, re-run: $(cat "$tmp/err")"
done

# two runners at once on one file: one applies, the other waits and finds nothing
two_runners "sqlite:$tmp/race.db" 6
[ "$(sqlite3 "$tmp/race.db" "SELECT count(*) FROM _inspire_migrations")" = 6 ] && ok || bad "two runners: the ledger"

# progress on a terminal (script(1) gives apply one)
script -qec "'$bin' -C '$p' apply --db 'sqlite:$tmp/tty.db'" /dev/null >"$tmp/tty" 2>&1
grep -q 'applying 1/6 0001_initial' "$tmp/tty" && grep -q 'applying 6/6 0006_note' "$tmp/tty" && grep -q '6 migrations applied' "$tmp/tty" && ok ||
  bad "progress on a terminal: $(cat "$tmp/tty")"

# a ledger made by inspirec 0.x (no batches, steps without a direction) is
# upgraded by apply, its rows kept; status (which writes nothing) says so first
old="$tmp/old.db"
"$bin" -C "$p" apply -q --db "sqlite:$old" --to 2 || bad "apply --to 2 for the old ledger"
sqlite3 "$old" "DROP TABLE _inspire_runs; DROP TABLE _inspire_schema_snapshots;
  CREATE TABLE m1 AS SELECT id, checksum, applied_at, execution_ms, inspirec_version FROM _inspire_migrations;
  DROP TABLE _inspire_migrations; DROP TABLE _inspire_migration_steps;
  CREATE TABLE _inspire_migrations (id TEXT NOT NULL PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_ms BIGINT NOT NULL, inspirec_version TEXT NOT NULL);
  INSERT INTO _inspire_migrations SELECT * FROM m1; DROP TABLE m1;
  CREATE TABLE _inspire_migration_steps (migration_id TEXT NOT NULL, step INTEGER NOT NULL, operation TEXT NOT NULL, status TEXT NOT NULL, error TEXT, started_at TEXT, finished_at TEXT, PRIMARY KEY (migration_id, step));
  INSERT INTO _inspire_migration_steps VALUES ('0001_initial', 1, 'CREATE TABLE x', 'done', NULL, NULL, NULL);" || bad "make a 0.x ledger"
"$bin" -C "$p" status --db "sqlite:$old" >"$tmp/out" 2>&1
[ $? = 3 ] && grep -q 'made by an older inspirec; apply, down or rollback upgrades it' "$tmp/out" && ok || bad "status on an old ledger: $(cat "$tmp/out")"
"$bin" -C "$p" apply --db "sqlite:$old" >"$tmp/out" 2>&1 && grep -q '^upgraded the ledger' "$tmp/out" &&
  [ "$(sqlite3 "$old" "SELECT group_concat(batch) FROM (SELECT batch FROM _inspire_migrations ORDER BY id)")" = "1,1,2,2,2,2" ] &&
  [ "$(sqlite3 "$old" "SELECT direction FROM _inspire_migration_steps WHERE operation = 'CREATE TABLE x'")" = up ] && ok ||
  bad "apply upgrades an old ledger: $(cat "$tmp/out")"

echo "apply sqlite: $pass passed, $fail failed"
[ "$fail" = 0 ]
