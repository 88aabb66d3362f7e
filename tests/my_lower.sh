#!/bin/sh
# my_lower.sh INSPIREC EXAMPLES TEST_DB: the MySQL lowering, run on a real MariaDB.
#
# Starts a throwaway MariaDB (tests/my_server.sh), then:
#  - the evolution history, lowered as golang-migrate files: every up in order
#    with rows in the tables, every down in reverse back to an empty database,
#    every up again; the migrated database must equal the one `--schema` makes
#    from the last snapshot (columns, types, defaults, keys, references);
#  - the todo and saas examples as one migration (up, down, up) and whole;
#  - the hostile schema: reserved words, quotes, backslashes and non-ASCII
#    names, with defaults read back exactly;
#  - a key MySQL cannot build is refused with E0801 and nothing is written.
set -u
bin=$1
ex=$2
testdb=$3
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/my_server.sh"
my_test_begin

run_files() { # database, then files
  db=$1
  shift
  for f in "$@"; do
    my "$db" <"$f" >/dev/null || { echo "  $f: $(cat "$tmp/sqlerr")"; return 1; }
  done
}
count_tables() { my -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1'"; }
describe() { my "$1" <"$here/my_describe.sql"; }

# ---- the evolution history --------------------------------------------------
p="$tmp/app"
# the database (by introspection) against a snapshot or schema (tests/test_db.c)
is_state() { # database, snapshot.json | file.inspire | empty
  "$testdb" mysql "$1" "$2" >"$tmp/state" 2>&1 || { echo "  $2: $(cat "$tmp/state")"; return 1; }
}
snapshot() { # migration number 1..5, or 0: its snapshot
  [ "$1" = 0 ] && echo empty || echo "$(ls -d "$p"/migrations/000"$1"_*)/snapshot.json"
}

evolution_project "$bin" "$ex" "$p"
"$bin" -C "$p" lower --dialect mysql --out "$tmp/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" && ok ||
  bad "lower --dialect mysql: $(cat "$tmp/err")"

my -e "CREATE DATABASE evo; CREATE DATABASE fresh" || bad "create databases"
ups=$(ls "$tmp"/gm/*.up.sql | sort)
i=0
for f in $ups; do
  i=$((i + 1))
  run_files evo "$f" && ok || bad "up $i"
  is_state evo "$(snapshot $i)" && ok || bad "after up $i the database is not its snapshot"
  case $i in
  1) my evo -e "INSERT INTO projects (name) VALUES ('p1'), ('p2');
       INSERT INTO __users (email) VALUES ('a@x');
       INSERT INTO tasks (title, owner_id, project_id, estimate)
         SELECT CONCAT('t-', p.name), u.id, p.id, 3 FROM projects p, __users u" >/dev/null && ok ||
       bad "rows after up 1: $(cat "$tmp/sqlerr")" ;;
  3) my evo -e "UPDATE tasks SET status = 'Blocked' WHERE title = 't-p1';
       INSERT INTO labels (name) VALUES ('l1');
       INSERT INTO task_labels SELECT t.id, l.id FROM tasks t, labels l" >/dev/null && ok ||
       bad "rows after up 3: $(cat "$tmp/sqlerr")" ;;
  4) [ "$(my evo -e "SELECT count(*) FROM task_labels tl JOIN tags t ON t.id = tl.tag_id")" = 2 ] && ok ||
       bad "rows survive the rename of Label to Tag and of labelId to tagId" ;;
  esac
done
[ "$(count_tables evo)" = 4 ] && [ "$(my evo -e 'SELECT count(*) FROM tasks')" = 2 ] && ok || bad "the history keeps its rows"
[ "$(my evo -e "SELECT status FROM tasks WHERE title = 't-p1'")" = Todo ] && ok || bad "rows of a dropped member take the default"
[ "$(my evo -e "SELECT count(*) FROM tasks WHERE due_date IS NULL")" = 0 ] && ok || bad "backfill before NOT NULL"
[ "$(my evo -e "SELECT DISTINCT estimate FROM tasks")" = 3 ] && ok || bad "estimate keeps its value from int to bigint to string"

"$bin" -C "$p" lower --dialect mysql --schema >"$tmp/schema.sql" 2>"$tmp/err" && run_files fresh "$tmp/schema.sql" && ok || bad "--schema runs"
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
[ "$(count_tables evo)" = 0 ] && ok || bad "downs leave an empty database"
run_files evo $ups && describe evo >"$tmp/evo2.txt" && diff -u "$tmp/fresh.txt" "$tmp/evo2.txt" >"$tmp/diff" && ok ||
  bad "up again after the downs:$(echo; cat "$tmp/diff")"

# ---- todo and saas: as a migration up, down and up again, and whole --------
for e in todo:4 saas:8; do
  name=${e%%:*}
  want=${e##*:}
  example_project "$bin" "$ex" "$name" "$tmp/$name"
  "$bin" -C "$tmp/$name" lower --dialect mysql --out "$tmp/$name/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" ||
    bad "lower $name: $(cat "$tmp/err")"
  snap=$(ls "$tmp/$name"/migrations/0001_*/snapshot.json)
  my -e "CREATE DATABASE ${name}_m" >/dev/null || bad "create ${name}_m"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && [ "$(count_tables "${name}_m")" = "$want" ] &&
    is_state "${name}_m" "$snap" && ok || bad "$name up"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.down.sql && is_state "${name}_m" empty && ok || bad "$name down"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && is_state "${name}_m" "$snap" && ok || bad "$name up again"
  my -e "CREATE DATABASE $name" >/dev/null || bad "create $name"
  "$bin" -C "$ex/$name" lower --dialect mysql --schema >"$tmp/$name.sql" 2>"$tmp/err" &&
    run_files "$name" "$tmp/$name.sql" && [ "$(count_tables "$name")" = "$want" ] && ok ||
    bad "$name --schema ($(count_tables "$name") tables): $(cat "$tmp/err")"
  is_state "$name" "$snap" && ok || bad "$name built whole is not its schema"
done

# ---- hostile names and literals (tests/hostile) -----------------------------
my -e "CREATE DATABASE hostile" >/dev/null || bad "create hostile"
"$bin" -C "$here/hostile" lower --dialect mysql --schema >"$tmp/hostile.sql" 2>"$tmp/err" &&
  run_files hostile "$tmp/hostile.sql" && [ "$(count_tables hostile)" = 2 ] && ok || bad "hostile --schema: $(cat "$tmp/err")"
is_state hostile "$here/hostile/schema/main.inspire" && ok || bad "hostile built whole is not its schema"
my hostile -r -e "INSERT INTO \`order\"s; drop\` (\`we\"ird col\`, \`größe\`) VALUES ('w', 7)" >/dev/null &&
  [ "$(my hostile -r -e "SELECT CONCAT(note, '|', slash, '|', kind, '|', \`größe\`) FROM \`order\"s; drop\`")" = "it's'; DROP TABLE x; --|back\\slash|Select|7" ] &&
  ok || bad "hostile defaults read back: $(cat "$tmp/sqlerr")"

# ---- what MySQL cannot build ------------------------------------------------
mkdir -p "$tmp/jsonkey/schema"
printf 'entity Doc {\n  meta: json @index\n  title: string\n}\n' >"$tmp/jsonkey/schema/main.inspire"
"$bin" -C "$tmp/jsonkey" lower --dialect mysql --schema >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && [ ! -s "$tmp/out" ] && grep -q 'error\[E0801\].*docs_meta_idx of Doc is on field meta, stored as json' "$tmp/err" && ok ||
  bad "a key on json is refused for mysql: $(cat "$tmp/err")"
"$bin" -C "$tmp/jsonkey" lower --dialect postgres --schema >/dev/null 2>&1 && ok || bad "the same key builds on postgres"
# a key over 3072 bytes, a row over 65535: refused, not left to the engine
# (MariaDB would make a shorter prefix index without a word); just under, built
mkdir -p "$tmp/limits/schema"
# a row: id char(36) 144 bytes, t 4*768+2, u 4*N+2, the NULL flags 1
for v in "768 1 ok" "769 1 refused" "768 15578 ok" "768 15579 refused"; do
  set -- $v
  printf 'entity Doc {\n  t: string @maxLength(%s) @index\n  u: string? @maxLength(%s)\n}\n' "$1" "$2" \
    >"$tmp/limits/schema/main.inspire"
  "$bin" -C "$tmp/limits" lower --dialect mysql --schema >"$tmp/limits.sql" 2>"$tmp/err"
  rc=$?
  my -e "DROP DATABASE IF EXISTS lim; CREATE DATABASE lim"
  if [ "$3" = ok ]; then
    [ $rc = 0 ] && run_files lim "$tmp/limits.sql" && ok || bad "t $1, u $2: should build: $(cat "$tmp/err")"
  else
    [ $rc = 1 ] && grep -q 'E0801' "$tmp/err" && [ ! -s "$tmp/limits.sql" ] && ok || bad "t $1, u $2: should be refused"
  fi
done

echo "my_lower: $pass passed, $fail failed"
[ "$fail" = 0 ]
