#!/bin/sh
# engine_lower.sh postgres|mysql INSPIREC EXAMPLES TEST_DB: a backend's SQL,
# run on a real server of its own (tests/pg_server.sh, tests/my_server.sh).
#
#  - the evolution history, lowered as golang-migrate files: every up in order
#    with rows in the tables, every down in reverse back to an empty database,
#    every up again; after every step the database, read back by
#    introspection, is the snapshot of that point (tests/test_db.c); rows
#    survive renames and type changes; at the end the database equals, in the
#    catalog line by line, the one `--schema` makes;
#  - the todo and saas examples as one migration (up, down, up) and whole;
#  - the hostile schema (tests/hostile): reserved words, quotes, a backslash,
#    non-ASCII names, with its defaults read back exactly;
#  - MySQL only: what it cannot build is refused with E0801, at both sides of
#    each limit.
set -u
engine=$1
bin=$2
ex=$3
testdb=$4
here=$(dirname "$0")
. "$here/lib.sh"

. "$here/engine.sh"
engine_begin "$engine" || exit 2

run_files() { # database, then files
  db=$1
  shift
  for f in "$@"; do
    run_file "$db" "$f" || { echo "  $f: $(cat "$tmp/sqlerr")"; return 1; }
  done
}
# the database (by introspection) against a snapshot or schema
is_state() { # database, snapshot.json | file.inspire | empty
  "$testdb" "$engine" "$(conn "$1")" "$2" >"$tmp/state" 2>&1 || { echo "  $2: $(cat "$tmp/state")"; return 1; }
}

# ---- the evolution history --------------------------------------------------
p="$tmp/app"
snapshot() { # migration number 1..5, or 0: its snapshot
  [ "$1" = 0 ] && echo empty || echo "$(ls -d "$p"/migrations/000"$1"_*)/snapshot.json"
}
evolution_project "$bin" "$ex" "$p"
"$bin" -C "$p" lower --dialect "$engine" --out "$tmp/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" && ok ||
  bad "lower --dialect $engine: $(cat "$tmp/err")"

create evo && create fresh || bad "create databases"
ups=$(ls "$tmp"/gm/*.up.sql | sort)
i=0
for f in $ups; do
  i=$((i + 1))
  run_files evo "$f" && ok || bad "up $i"
  is_state evo "$(snapshot $i)" && ok || bad "after up $i the database is not its snapshot"
  case $i in
  1) q evo "INSERT INTO projects (name) VALUES ('p1'), ('p2')" >/dev/null &&
       q evo "INSERT INTO __users (email) VALUES ('a@x')" >/dev/null &&
       q evo "INSERT INTO tasks (title, owner_id, project_id, estimate)
         SELECT CONCAT('t-', p.name), u.id, p.id, 3 FROM projects p, __users u" >/dev/null && ok ||
       bad "rows after up 1: $(cat "$tmp/sqlerr")" ;;
  3) q evo "UPDATE tasks SET status = 'Blocked' WHERE title = 't-p1'" >/dev/null &&
       q evo "INSERT INTO labels (name) VALUES ('l1')" >/dev/null &&
       q evo "INSERT INTO task_labels SELECT t.id, l.id FROM tasks t, labels l" >/dev/null && ok ||
       bad "rows after up 3: $(cat "$tmp/sqlerr")" ;;
  4) [ "$(q evo "SELECT count(*) FROM task_labels tl JOIN tags t ON t.id = tl.tag_id")" = 2 ] && ok ||
       bad "rows survive the rename of Label to Tag and of labelId to tagId" ;;
  esac
done
[ "$(count_tables evo)" = 4 ] && [ "$(q evo 'SELECT count(*) FROM tasks')" = 2 ] && ok || bad "the history keeps its rows"
[ "$(q evo "SELECT DISTINCT estimate FROM tasks")" = 3 ] && ok || bad "estimate keeps its value from int to bigint to string"
[ "$(q evo "SELECT status FROM tasks WHERE title = 't-p1'")" = Todo ] && ok || bad "rows of a dropped member take the default"
[ "$(q evo "SELECT count(*) FROM tasks WHERE due_date IS NULL")" = 0 ] && ok || bad "backfill before NOT NULL"

"$bin" -C "$p" lower --dialect "$engine" --schema >"$tmp/schema.sql" 2>"$tmp/err" && run_files fresh "$tmp/schema.sql" && ok || bad "--schema runs"
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
  "$bin" -C "$tmp/$name" lower --dialect "$engine" --out "$tmp/$name/gm" --layout golang-migrate >/dev/null 2>"$tmp/err" ||
    bad "lower $name: $(cat "$tmp/err")"
  snap=$(ls "$tmp/$name"/migrations/0001_*/snapshot.json)
  create "${name}_m" || bad "create ${name}_m"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && [ "$(count_tables "${name}_m")" = "$want" ] &&
    is_state "${name}_m" "$snap" && ok || bad "$name up"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.down.sql && is_state "${name}_m" empty && ok || bad "$name down"
  run_files "${name}_m" "$tmp/$name"/gm/0001_*.up.sql && is_state "${name}_m" "$snap" && ok || bad "$name up again"
  create "$name" || bad "create $name"
  "$bin" -C "$ex/$name" lower --dialect "$engine" --schema >"$tmp/$name.sql" 2>"$tmp/err" &&
    run_files "$name" "$tmp/$name.sql" && [ "$(count_tables "$name")" = "$want" ] && ok ||
    bad "$name --schema ($(count_tables "$name") tables): $(cat "$tmp/err")"
  is_state "$name" "$snap" && ok || bad "$name built whole is not its schema"
done

# ---- hostile names and literals (tests/hostile) -----------------------------
create hostile || bad "create hostile"
"$bin" -C "$here/hostile" lower --dialect "$engine" --schema >"$tmp/hostile.sql" 2>"$tmp/err" &&
  run_files hostile "$tmp/hostile.sql" && [ "$(count_tables hostile)" = 2 ] && ok || bad "hostile --schema: $(cat "$tmp/err")"
is_state hostile "$here/hostile/schema/main.inspire" && ok || bad "hostile built whole is not its schema"
t=$(qi 'order"s; drop')
q hostile "INSERT INTO $t ($(qi 'we"ird col'), $(qi größe)) VALUES ('w', 7)" >/dev/null &&
  [ "$(q hostile "SELECT CONCAT(note, '|', slash, '|', kind, '|', $(qi größe)) FROM $t")" = "it's'; DROP TABLE x; --|back\\slash|Select|7" ] &&
  ok || bad "hostile defaults read back: $(cat "$tmp/sqlerr")"

# ---- what MySQL cannot build -------------------------------------------------
if [ "$engine" = mysql ]; then
  mkdir -p "$tmp/jsonkey/schema"
  printf 'entity Doc {\n  meta: json @index\n  title: string\n}\n' >"$tmp/jsonkey/schema/main.inspire"
  "$bin" -C "$tmp/jsonkey" lower --dialect mysql --schema >"$tmp/out" 2>"$tmp/err"
  [ $? = 1 ] && [ ! -s "$tmp/out" ] && grep -q 'error\[E0801\].*docs_meta_idx of Doc is on field meta, stored as json' "$tmp/err" && ok ||
    bad "a key on json is refused for mysql: $(cat "$tmp/err")"
  "$bin" -C "$tmp/jsonkey" lower --dialect postgres --schema >/dev/null 2>&1 && ok || bad "the same key builds on postgres"
  # a key over 3072 bytes, a row over 65535: refused, not left to the engine
  # (MariaDB would make a shorter prefix index without a word); just under, built.
  # A row: id char(36) 144 bytes, t 4*768+2, u 4*N+2, the NULL flags 1.
  mkdir -p "$tmp/limits/schema"
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
fi

echo "$engine lower: $pass passed, $fail failed"
[ "$fail" = 0 ]
