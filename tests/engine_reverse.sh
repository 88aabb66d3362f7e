#!/bin/sh
# engine_reverse.sh sqlite|postgres|mysql INSPIREC EXAMPLES: the runner's
# second part on one engine (issue 9): down one at a time from the whole
# evolution history back to empty, the database equal to each snapshot on
# the way (status reads it back); rollback reverses exactly the last batch;
# LOSSY and IRREVERSIBLE refused; the risk budget; a backfill of 100,000 rows
# in batches, killed half way and resumed without redoing a batch, then
# canceled in flight and resumed; history --format json.
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
nledger() { q "$1" "SELECT count(*) FROM _inspire_migrations"; }
user_tables() { # tables other than the ledger's
  case $engine in
  sqlite) q "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_inspire%' ESCAPE '\\'" ;;
  postgres) q "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\_inspire%'" ;;
  mysql) q "$1" "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1' AND table_name NOT LIKE '\\_inspire%'" ;;
  esac
}
in_step() { # db, applied count: status reads the database back and compares it with the snapshot
  "$bin" -C "$p" status --db "$(url "$1")" >"$tmp/st" 2>&1
  grep -q "^applied: *$2\\b" "$tmp/st" && grep -q '^live drift: *none' "$tmp/st"
}

# ---- down one at a time, back to empty ----------------------------------------
create d1 || bad "create d1"
U=$(url d1)
"$bin" -C "$p" apply -q --db "$U" 2>"$tmp/err" && [ "$(nledger d1)" = 5 ] && ok || bad "apply all: $(cat "$tmp/err")"
describe d1 >"$tmp/at5"
"$bin" -C "$p" down --db "$U" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] && grep -q 'loses data.*pass --accept-loss' "$tmp/err" && [ "$(nledger d1)" = 5 ] &&
  describe d1 | cmp -s - "$tmp/at5" && ok || bad "a LOSSY down needs --accept-loss: $(cat "$tmp/err")"
"$bin" -C "$p" down --dry-run --db "$U" >"$tmp/out" 2>"$tmp/err" && grep -q '^-- 0005_.* (down)' "$tmp/out" &&
  grep -q '^-- LOSSY:' "$tmp/out" && [ "$(nledger d1)" = 5 ] && ok || bad "down --dry-run: $(cat "$tmp/err")"
for n in 4 3 2 1 0; do
  "$bin" -C "$p" down --accept-loss --db "$U" >"$tmp/out" 2>"$tmp/err" && [ "$(nledger d1)" = $n ] && ok ||
    bad "down to $n: $(cat "$tmp/err")"
  in_step d1 $n && ok || bad "after down to $n the database is its snapshot: $(cat "$tmp/st")"
done
[ "$(user_tables d1)" = 0 ] && ok || bad "down to empty leaves $(user_tables d1) tables"
"$bin" -C "$p" down --accept-loss --db "$U" 2>"$tmp/err" && grep -q 'nothing to reverse' "$tmp/err" && ok ||
  bad "down on an empty database: $(cat "$tmp/err")"
# up again on the same database: a reversed history applies again, the same
"$bin" -C "$p" apply -q --db "$U" 2>"$tmp/err" && describe d1 | cmp -s - "$tmp/at5" && ok ||
  bad "apply after down to empty: $(cat "$tmp/err")"
"$bin" -C "$p" down --steps 2 --accept-loss --db "$U" 2>"$tmp/err" && in_step d1 3 && ok || bad "down --steps 2: $(cat "$tmp/err")"
"$bin" -C "$p" down --to 0001 --accept-loss --db "$U" 2>"$tmp/err" && in_step d1 1 && ok || bad "down --to 0001: $(cat "$tmp/err")"
"$bin" -C "$p" down --to 0004 --db "$U" >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q 'not applied' "$tmp/err" && ok || bad "down --to a migration not applied: $(cat "$tmp/err")"

# ---- a down killed half way, then run again -------------------------------------
create k1 || bad "create k1"
K=$(url k1)
"$bin" -C "$p" apply -q --db "$K" || bad "apply k1"
INSPIREC_TEST_STOP_AFTER=3 "$bin" -C "$p" down --accept-loss -q --db "$K" >/dev/null 2>&1
[ $? = 137 ] && ok || bad "the test hook stops down"
if [ "$engine" = mysql ]; then # each statement committed: the down is half done
  "$bin" -C "$p" status --db "$K" >"$tmp/st" 2>&1
  grep -q '^half done: *0005_alter_project_created_at down' "$tmp/st" && ok || bad "status shows the half-done down: $(cat "$tmp/st")"
  "$bin" -C "$p" apply --db "$K" >/dev/null 2>"$tmp/err"
  [ $? = 3 ] && grep -q 'stopped half way; run inspirec down again' "$tmp/err" && ok || bad "apply refuses a half-done down: $(cat "$tmp/err")"
fi
"$bin" -C "$p" down --accept-loss -q --db "$K" 2>"$tmp/err" && in_step k1 4 && ok || bad "down run again after a kill: $(cat "$tmp/err")"
"$bin" -C "$p" apply -q --db "$K" 2>"$tmp/err" && in_step k1 5 && describe k1 | cmp -s - "$tmp/at5" && ok || bad "up again after the killed down: $(cat "$tmp/err")"

# ---- rollback: exactly the last batch ------------------------------------------
create r1 || bad "create r1"
R=$(url r1)
"$bin" -C "$p" apply -q --db "$R" --to 2 && "$bin" -C "$p" apply -q --db "$R" --to 4 && "$bin" -C "$p" apply -q --db "$R" || bad "three batches"
[ "$(q r1 "SELECT batch FROM _inspire_migrations ORDER BY id" | tr '\n' ' ')" = "1 1 2 2 3 " ] && ok || bad "batch numbers: $(q r1 "SELECT id, batch FROM _inspire_migrations")"
"$bin" -C "$p" rollback --accept-loss --db "$R" 2>"$tmp/err" && in_step r1 4 && ok || bad "rollback batch 3: $(cat "$tmp/err")"
"$bin" -C "$p" rollback --accept-loss --db "$R" 2>"$tmp/err" && in_step r1 2 && grep -q '2 migrations reversed' "$tmp/err" && ok ||
  bad "rollback batch 2: $(cat "$tmp/err")"
"$bin" -C "$p" rollback --accept-loss --db "$R" 2>"$tmp/err" && in_step r1 0 && ok || bad "rollback batch 1: $(cat "$tmp/err")"

# ---- IRREVERSIBLE: a sql step with no down ---------------------------------------
"$bin" -C "$p" apply -q --db "$R" || bad "apply again"
"$bin" -C "$p" plan -q --empty --name hand >/dev/null 2>&1 || bad "plan --empty"
m6=$(ls -d "$p"/migrations/0006_*)
printf 'migration "%s" {\n  sql "UPDATE projects SET name = name"\n}\n' "$(basename "$m6")" >"$m6/plan.inspire"
"$bin" -C "$p" apply -q --db "$R" 2>"$tmp/err" && [ "$(nledger r1)" = 6 ] && ok || bad "apply the sql step: $(cat "$tmp/err")"
describe r1 >"$tmp/at6"
"$bin" -C "$p" down --accept-loss --db "$R" >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q 'cannot be reversed' "$tmp/err" && [ "$(nledger r1)" = 6 ] && describe r1 | cmp -s - "$tmp/at6" && ok ||
  bad "IRREVERSIBLE is refused, even with --accept-loss: $(cat "$tmp/err")"
"$bin" -C "$p" rollback --accept-loss --db "$R" >/dev/null 2>"$tmp/err"
[ $? = 3 ] && [ "$(nledger r1)" = 6 ] && ok || bad "rollback of an IRREVERSIBLE batch: $(cat "$tmp/err")"
rm -rf "$m6"

# ---- the risk budget: v5 drops a table ------------------------------------------
create b1 || bad "create b1"
B1=$(url b1)
"$bin" -C "$p" apply -q --db "$B1" --to 4 || bad "apply to v4"
"$bin" -C "$p" apply --db "$B1" --max-risk 60 >/dev/null 2>"$tmp/err"
[ $? = 3 ] && grep -q '0005_alter_project_created_at: step [0-9]* (drop entity TaskLabel) scores 90 on [a-z]*, destructive' "$tmp/err" &&
  [ "$(nledger b1)" = 4 ] && ok || bad "--max-risk 60 refuses v5: $(cat "$tmp/err")"
INSPIRE_MAX_RISK=60 "$bin" -C "$p" dry-run --db "$B1" >/dev/null 2>"$tmp/err"
[ $? = 3 ] && ok || bad "INSPIRE_MAX_RISK=60 refuses dry-run: $(cat "$tmp/err")"
"$bin" -C "$p" apply -q --db "$B1" --max-risk 100 2>"$tmp/err" && [ "$(nledger b1)" = 5 ] && ok || bad "--max-risk 100 accepts v5: $(cat "$tmp/err")"

# ---- history --format json --------------------------------------------------------
"$bin" -C "$p" history --format json --db "$R" >"$tmp/h.json" 2>"$tmp/err" && ok || bad "history: $(cat "$tmp/err")"
python3 - "$tmp/h.json" <<'PY' && ok || bad "history --format json: $(head -c 600 "$tmp/h.json")"
import json, sys, traceback
h = json.load(open(sys.argv[1]))
runs = h["runs"]
assert [r["verb"] for r in runs][:3] == ["apply", "apply", "rollback"], [r["verb"] for r in runs]
assert runs[0]["migrations"] == ["0006_hand"] and runs[0]["state"] == "completed"
rb = [r for r in runs if r["verb"] == "rollback"]
assert [r["batch"] for r in rb] == [1, 2, 3], rb
assert rb[1]["migrations"] == ["0004_rename_label", "0003_add_task_status_blocked"], rb[1]["migrations"]
assert all(s["direction"] == "down" and s["status"] == "done" for s in rb[1]["steps"]) and rb[1]["steps"]
assert all(isinstance(r["durationMs"], (int, float)) for r in runs)
assert [a["id"][:4] for a in h["applied"]] == ["0001", "0002", "0003", "0004", "0005", "0006"]
assert [a["batch"] for a in h["applied"]] == [4, 4, 4, 4, 4, 5], h["applied"]
PY
[ "$(q r1 "SELECT count(*) FROM _inspire_schema_snapshots")" -gt 0 ] &&
  [ "$(q r1 "SELECT count(*) FROM _inspire_schema_snapshots WHERE migration_id = '0003_add_task_status_blocked' AND phase = 'before'")" -ge 2 ] && ok ||
  bad "the snapshots before and after each migration a run moved"
m5=$(ls -d "$p"/migrations/0005_*)
[ "$(q r1 "SELECT snapshot FROM _inspire_schema_snapshots WHERE migration_id = '0005_alter_project_created_at' AND phase = 'after' AND run_id = (SELECT max(run_id) FROM _inspire_schema_snapshots WHERE migration_id = '0005_alter_project_created_at') ORDER BY part")" = "$(cat "$m5/snapshot.json")" ] && ok ||
  bad "the audit's snapshot after 0005 is its snapshot.json"

# ---- a backfill of 100,000 rows: killed half way, resumed; canceled, resumed ----
f="$tmp/fill"
mkdir -p "$f/schema"
printf 'entity Item {\n  n: int\n  label: string?\n}\n' >"$f/schema/app.inspire"
"$bin" -C "$f" plan -q >/dev/null 2>&1 || bad "plan items"
create f1 || bad "create f1"
F=$(url f1)
"$bin" -C "$f" apply -q --db "$F" || bad "apply items"
case $engine in
postgres) q f1 "INSERT INTO items (n) SELECT x FROM generate_series(1, 100000) AS x" ;;
mysql) q f1 "INSERT INTO items (n) SELECT seq FROM seq_1_to_100000" ;; # MariaDB's Sequence engine
*) q f1 "INSERT INTO items (n) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x FROM c" ;;
esac
[ "$(q f1 "SELECT count(*) FROM items")" = 100000 ] && ok || bad "100,000 rows: $(cat "$tmp/sqlerr")"
"$bin" -C "$f" plan -q --empty --name fill >/dev/null 2>&1 || bad "plan --empty fill"
m2=$(ls -d "$f"/migrations/0002_*)
printf 'migration "%s" {\n  backfill Item.label = "filled" where Item.label is null batch 1000\n}\n' "$(basename "$m2")" >"$m2/plan.inspire"
step() { q f1 "SELECT $1 FROM _inspire_migration_steps WHERE migration_id = '$(basename "$2")' AND direction = 'up'"; }
INSPIREC_TEST_STOP_AFTER=41 "$bin" -C "$f" apply -q --db "$F" >/dev/null 2>&1
[ $? = 137 ] && ok || bad "the test hook stops the backfill"
b=$(step batches "$m2")
[ "$b" = 40 ] && [ "$(step rows_done "$m2")" = 40000 ] && [ "$(q f1 "SELECT count(*) FROM items WHERE label = 'filled'")" = 40000 ] && ok ||
  bad "killed after 40 batches: the ledger says $b batches, $(step rows_done "$m2") rows; the table $(q f1 "SELECT count(*) FROM items WHERE label = 'filled'")"
"$bin" -C "$f" status --db "$F" >"$tmp/st" 2>&1
grep -q '^half done: *0002_fill' "$tmp/st" && ok || bad "status shows the half-done backfill: $(cat "$tmp/st")"
"$bin" -C "$f" apply --db "$F" >"$tmp/out" 2>"$tmp/err" && grep -q 'resuming the backfill at statement 1 after batch 40 (40000 rows done)' "$tmp/err" && ok ||
  bad "the re-run resumes: $(cat "$tmp/err")"
[ "$(step batches "$m2")" = 100 ] && [ "$(step rows_done "$m2")" = 100000 ] && [ "$(step status "$m2")" = done ] &&
  [ "$(q f1 "SELECT count(*) FROM items WHERE label = 'filled'")" = 100000 ] && [ "$(nledger f1)" = 2 ] && ok ||
  bad "finished in 100 batches, none redone: $(step batches "$m2") batches, $(step rows_done "$m2") rows"
# canceled in flight (inspirec cancel), then Ctrl-C, each resumed
"$bin" -C "$f" plan -q --empty --name zero >/dev/null 2>&1 || bad "plan --empty seven"
m3=$(ls -d "$f"/migrations/0003_*)
printf 'migration "%s" {\n  backfill Item.n = 0 batch 500\n}\n' "$(basename "$m3")" >"$m3/plan.inspire"
INSPIREC_TEST_BATCH_PAUSE_MS=30 "$bin" -C "$f" apply -q --db "$F" >"$tmp/out" 2>"$tmp/err" &
pid=$!
in_flight() { # until the running backfill has done 3 batches more than it had (30 s at most)
  from=$(step "coalesce(batches, 0)" "$m3" 2>/dev/null) # MySQL's client prints NULL as NULL
  case $from in '' | *[!0-9]*) from=0 ;; esac
  i=0
  while :; do
    now=$(step "coalesce(batches, 0)" "$m3" 2>/dev/null)
    case $now in '' | *[!0-9]*) now=0 ;; esac
    [ "$(step status "$m3" 2>/dev/null)" = running ] && [ "$now" -ge $((from + 3)) ] && break
    i=$((i + 1))
    [ $i -gt 300 ] && break
    sleep 0.1
  done
}
in_flight
"$bin" -C "$f" cancel --db "$F" >"$tmp/c" 2>&1 && grep -q 'asked run [0-9]* (apply)' "$tmp/c" && ok || bad "cancel: $(cat "$tmp/c")"
wait $pid
rc=$?
[ $rc = 3 ] && grep -q 'was canceled after batch' "$tmp/err" && ok || bad "the canceled apply: exit $rc, $(cat "$tmp/err")"
done0=$(q f1 "SELECT count(*) FROM items WHERE n = 0")
[ "$(step status "$m3")" = canceled ] && [ "$(q f1 "SELECT state FROM _inspire_runs ORDER BY id DESC LIMIT 1")" = canceled ] &&
  [ "$done0" = "$(step rows_done "$m3")" ] && [ "$done0" -lt 100000 ] && [ "$done0" -gt 0 ] && [ "$(nledger f1)" = 2 ] && ok ||
  bad "canceled: step $(step status "$m3"), $done0 rows of 0 against $(step rows_done "$m3") in the ledger"
if [ "$engine" = sqlite ]; then # Ctrl-C stops between batches the same way
  INSPIREC_TEST_BATCH_PAUSE_MS=30 "$bin" -C "$f" apply -q --db "$F" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  in_flight
  kill -INT $pid
  wait $pid
  rc=$?
  [ $rc = 3 ] && [ "$(step status "$m3")" = canceled ] && [ "$(q f1 "SELECT count(*) FROM items WHERE n = 0")" = "$(step rows_done "$m3")" ] && ok ||
    bad "Ctrl-C: exit $rc, $(cat "$tmp/err")"
fi
"$bin" -C "$f" apply -q --db "$F" 2>"$tmp/err" && [ "$(q f1 "SELECT count(*) FROM items WHERE n = 0")" = 100000 ] &&
  [ "$(step batches "$m3")" = 200 ] && [ "$(nledger f1)" = 3 ] && ok || bad "resumed after cancel: $(cat "$tmp/err"), $(step batches "$m3") batches"
"$bin" -C "$f" history --db "$F" --format json >"$tmp/h.json" && python3 - "$tmp/h.json" <<'PY' && ok || bad "history shows the canceled run"
import json, sys, traceback
states = [r["state"] for r in json.load(open(sys.argv[1]))["runs"]]
assert states[0] == "completed" and "canceled" in states and "failed" in states, states
PY

echo "$engine reverse: $pass passed, $fail failed"
[ "$fail" = 0 ]
