#!/bin/sh
# pg_lower.sh INSPIREC EXAMPLES TEST_DB: the Postgres lowering, run on a real server.
#
# Starts a throwaway Postgres (tests/pg_server.sh), then:
#  - the evolution history, lowered as golang-migrate files: every up in order
#    with rows in the tables, every down in reverse back to an empty database,
#    every up again; the migrated database must equal the one `--schema` makes
#    from the last snapshot (columns, types, defaults, constraints, indexes);
#  - the todo and saas examples as one migration (up, down, up) and whole;
#  - the hostile schema (tests/hostile) built and read back.
set -u
bin=$1
ex=$2
testdb=$3
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/pg_server.sh"
pg_test_begin

run_files() { # database, then files
  db=$1
  shift
  for f in "$@"; do
    sql -d "$db" -f "$f" >/dev/null || { echo "  $f: $(cat "$tmp/sqlerr")"; return 1; }
  done
}
count_tables() { sql -d "$1" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }
count_types() { sql -d "$1" -c "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'"; }
describe() { sql -d "$1" -f "$here/pg_describe.sql"; }

# ---- the evolution history --------------------------------------------------
p="$tmp/app"
# the database (by introspection) against a snapshot or schema (tests/test_db.c)
is_state() { # database, snapshot.json | file.inspire | empty
  "$testdb" postgres "dbname=$1" "$2" >"$tmp/state" 2>&1 || { echo "  $2: $(cat "$tmp/state")"; return 1; }
}
snapshot() { # migration number 1..5, or 0: its snapshot
  [ "$1" = 0 ] && echo empty || echo "$(ls -d "$p"/migrations/000"$1"_*)/snapshot.json"
}

evolution_project "$bin" "$ex" "$p"
"$bin" -C "$p" lower --dialect postgres --out "$tmp/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" && ok ||
  bad "lower --dialect postgres: $(cat "$tmp/err")"

sql -c "CREATE DATABASE evo" && sql -c "CREATE DATABASE fresh" || bad "create databases"
ups=$(ls "$tmp"/gm/*.up.sql | sort)
i=0
for f in $ups; do
  i=$((i + 1))
  run_files evo "$f" && ok || bad "up $i"
  is_state evo "$(snapshot $i)" && ok || bad "after up $i the database is not its snapshot"
  case $i in
  1) sql -d evo -c "INSERT INTO projects (name) VALUES ('p1'), ('p2');
       INSERT INTO __users (email) VALUES ('a@x');
       INSERT INTO tasks (title, owner_id, project_id, estimate)
         SELECT 't-' || p.name, u.id, p.id, 3 FROM projects p, __users u" >/dev/null && ok || bad "rows after up 1: $(cat "$tmp/sqlerr")" ;;
  3) sql -d evo -c "UPDATE tasks SET status = 'Blocked' WHERE title = 't-p1';
       INSERT INTO labels (name) VALUES ('l1');
       INSERT INTO task_labels SELECT t.id, l.id FROM tasks t, labels l" >/dev/null && ok || bad "rows after up 3: $(cat "$tmp/sqlerr")" ;;
  4) [ "$(sql -d evo -c "SELECT count(*) FROM task_labels tl JOIN tags t ON t.id = tl.tag_id")" = 2 ] && ok ||
       bad "rows survive the rename of Label to Tag and of labelId to tagId" ;;
  esac
done
[ "$(count_tables evo)" = 4 ] && [ "$(sql -d evo -c 'SELECT count(*) FROM tasks')" = 2 ] && ok || bad "the history keeps its rows"
[ "$(sql -d evo -c "SELECT DISTINCT estimate FROM tasks")" = 3 ] && ok || bad "estimate keeps its value from int to bigint to string"
[ "$(sql -d evo -c "SELECT status FROM tasks WHERE title = 't-p1'")" = Todo ] && ok || bad "rows of a dropped member take the default"
[ "$(sql -d evo -c "SELECT count(*) FROM tasks WHERE due_date IS NULL")" = 0 ] && ok || bad "backfill before NOT NULL"

"$bin" -C "$p" lower --dialect postgres --schema >"$tmp/schema.sql" 2>"$tmp/err" && run_files fresh "$tmp/schema.sql" && ok || bad "--schema runs"
describe evo >"$tmp/evo.txt"
describe fresh >"$tmp/fresh.txt"
[ -s "$tmp/evo.txt" ] && diff -u "$tmp/fresh.txt" "$tmp/evo.txt" >"$tmp/diff" && ok ||
  bad "the migrated database differs from the fresh one:$(echo; cat "$tmp/diff")"

i=6
for f in $(ls "$tmp"/gm/*.down.sql | sort -r); do
  i=$((i - 1))
  run_files evo "$f" && ok || bad "down $i"
  is_state evo "$(snapshot $((i - 1)))" && ok || bad "after down $i the database is not the snapshot before"
done
[ "$(count_tables evo)" = 0 ] && [ "$(count_types evo)" = 0 ] && ok || bad "downs leave an empty database"
run_files evo $ups && describe evo >"$tmp/evo2.txt" && diff -u "$tmp/fresh.txt" "$tmp/evo2.txt" >"$tmp/diff" && ok ||
  bad "up again after the downs:$(echo; cat "$tmp/diff")"

# ---- todo and saas: as a migration up, down and up again, and whole --------
for e in todo:4 saas:8; do
  name=${e%%:*}
  want=${e##*:}
  example_project "$bin" "$ex" "$name" "$tmp/$name"
  "$bin" -C "$tmp/$name" lower --dialect postgres --out "$tmp/$name/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" ||
    bad "lower $name: $(cat "$tmp/err")"
  snap=$(ls "$tmp/$name"/migrations/0001_*/snapshot.json)
  sql -c "CREATE DATABASE ${name}_m" >/dev/null || bad "create ${name}_m"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && [ "$(count_tables "${name}_m")" = "$want" ] &&
    is_state "${name}_m" "$snap" && ok || bad "$name up"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.down.sql && is_state "${name}_m" empty && ok || bad "$name down"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && is_state "${name}_m" "$snap" && ok || bad "$name up again"
  sql -c "CREATE DATABASE $name" >/dev/null || bad "create $name"
  "$bin" -C "$ex/$name" lower --dialect postgres --schema >"$tmp/$name.sql" 2>"$tmp/err" &&
    run_files "$name" "$tmp/$name.sql" && [ "$(count_tables "$name")" = "$want" ] && ok ||
    bad "$name --schema ($(count_tables "$name") tables): $(cat "$tmp/err")"
  is_state "$name" "$snap" && ok || bad "$name built whole is not its schema"
done

# ---- hostile names and literals (tests/hostile) -----------------------------
sql -c "CREATE DATABASE hostile" >/dev/null || bad "create hostile"
"$bin" -C "$here/hostile" lower --dialect postgres --schema >"$tmp/hostile.sql" 2>"$tmp/err" &&
  run_files hostile "$tmp/hostile.sql" && [ "$(count_tables hostile)" = 2 ] && ok || bad "hostile --schema: $(cat "$tmp/err")"
is_state hostile "$here/hostile/schema/main.inspire" && ok || bad "hostile built whole is not its schema"
sql -d hostile -c "INSERT INTO \"order\"\"s; drop\" (\"we\"\"ird col\", \"größe\") VALUES ('w', 7)" >/dev/null &&
  [ "$(sql -d hostile -c "SELECT note || '|' || slash || '|' || kind || '|' || \"größe\" FROM \"order\"\"s; drop\"")" = "it's'; DROP TABLE x; --|back\\slash|Select|7" ] &&
  ok || bad "hostile defaults read back: $(cat "$tmp/sqlerr")"

echo "pg_lower: $pass passed, $fail failed"
[ "$fail" = 0 ]
