#!/bin/sh
# lower_cli.sh INSPIREC EXAMPLES: `inspirec lower` and its file layouts.
#
# Plans the evolution history (markers resolved: v5's required dueDate gets
# a backfill first), lowers it for SQLite to stdout and in each --layout,
# checks names and sections by the rules of golang-migrate, Flyway and dbmate,
# and runs the files with the sqlite3 shell: every up in order, then every down
# in reverse, which leaves an empty database.
set -u
bin=$1
ex=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
p="$tmp/app"
evolution_project "$bin" "$ex" "$p"
"$bin" -C "$p" check >/dev/null 2>&1 && ok || bad "the history checks: $("$bin" -C "$p" check 2>&1)"

"$bin" -C "$p" lower --dialect sqlite >"$tmp/all.sql" 2>"$tmp/err" && grep -q '^CREATE TABLE "tasks"' "$tmp/all.sql" && ok || bad "lower to stdout: $(cat "$tmp/err")"
"$bin" -C "$p" lower --dialect sqlite 0002 >"$tmp/one.sql" && grep -q '^-- 0002_' "$tmp/one.sql" && ! grep -q '^-- 0001_' "$tmp/one.sql" && ok || bad "one migration by number"
"$bin" -C "$p" lower --dialect sqlite --down 3 >"$tmp/down.sql" && grep -q 'DROP TABLE "task_labels"' "$tmp/down.sql" && ok || bad "--down"
"$bin" -C "$p" lower --dialect sqlite --schema >"$tmp/schema.sql" && grep -q '^CREATE TABLE "tags"' "$tmp/schema.sql" && ok || bad "--schema"
"$bin" -C "$p" lower --dialect oracle >/dev/null 2>&1; [ $? = 2 ] && ok || bad "unknown dialect"
if [ -w /dev/full ]; then # a result that cannot be written is an error, not a success
  "$bin" -C "$p" lower --dialect sqlite --schema >/dev/full 2>"$tmp/err"
  [ $? = 1 ] && grep -q "cannot write lower's output" "$tmp/err" && ok || bad "--schema to a full disk: $(cat "$tmp/err")"
fi
"$bin" -C "$p" lower --dialect sqlite 0009 >/dev/null 2>&1; [ $? = 2 ] && ok || bad "unknown migration"

run_sqlite() { # db, then files
  db=$1
  shift
  for f in "$@"; do
    sqlite3 -bail "$db" <"$f" >/dev/null 2>"$tmp/sqlerr" || { echo "  $f: $(cat "$tmp/sqlerr")"; return 1; }
  done
}
tables() { sqlite3 "$1" "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"; }

# golang-migrate and plain: {version}_{title}.up.sql / .down.sql
"$bin" -C "$p" lower --dialect sqlite --out "$tmp/gm" --layout golang-migrate >/dev/null 2>&1
n=$(ls "$tmp/gm" | grep -c -E '^[0-9]+_[a-z0-9_]+\.(up|down)\.sql$')
[ "$n" = 10 ] && [ "$(ls "$tmp/gm" | wc -l)" = 10 ] && ok || bad "golang-migrate names: $(ls "$tmp/gm")"
run_sqlite "$tmp/gm.db" $(ls "$tmp"/gm/*.up.sql | sort) && [ "$(tables "$tmp/gm.db")" = 4 ] && ok || bad "golang-migrate up files run"
run_sqlite "$tmp/gm.db" $(ls "$tmp"/gm/*.down.sql | sort -r) && [ "$(tables "$tmp/gm.db")" = 0 ] && ok || bad "golang-migrate down files run back to empty"

# Flyway: V{version}__{description}.sql, undo U{version}__{description}.sql
"$bin" -C "$p" lower --dialect sqlite --out "$tmp/fw" --layout flyway >/dev/null 2>&1
[ "$(ls "$tmp/fw" | grep -c -E '^V[0-9]+__[a-z0-9_]+\.sql$')" = 5 ] && [ "$(ls "$tmp/fw" | grep -c -E '^U[0-9]+__[a-z0-9_]+\.sql$')" = 5 ] && ok || bad "flyway names: $(ls "$tmp/fw")"
run_sqlite "$tmp/fw.db" $(ls "$tmp"/fw/V*.sql | sort) && [ "$(tables "$tmp/fw.db")" = 4 ] && ok || bad "flyway files run"

# dbmate: one file a migration, -- migrate:up then -- migrate:down
"$bin" -C "$p" lower --dialect sqlite --out "$tmp/dm" --layout dbmate >/dev/null 2>&1
[ "$(ls "$tmp/dm" | grep -c -E '^[0-9]+_[a-z0-9_]+\.sql$')" = 5 ] && ok || bad "dbmate names"
okdm=1
for f in "$tmp"/dm/*.sql; do
  u=$(grep -n '^-- migrate:up$' "$f" | cut -d: -f1)
  d=$(grep -n '^-- migrate:down$' "$f" | cut -d: -f1)
  [ -n "$u" ] && [ -n "$d" ] && [ "$u" -lt "$d" ] || okdm=0
  sed -n "/^-- migrate:up$/,/^-- migrate:down$/p" "$f" >"$f.up"
done
[ $okdm = 1 ] && ok || bad "dbmate sections"
run_sqlite "$tmp/dm.db" $(ls "$tmp"/dm/*.sql.up | sort) && [ "$(tables "$tmp/dm.db")" = 4 ] && ok || bad "dbmate up sections run"

# a marker left: lower refuses (migrations.md 2)
sed -i 's/^  drop Task.done/  [RESOLVE] drop Task.done/' "$p"/migrations/0003_*/plan.inspire
"$bin" -C "$p" lower --dialect sqlite >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q 'E0706' "$tmp/err" && ok || bad "lower refuses a [RESOLVE] left"

# hostile names and literals (tests/hostile): quoted, escaped, read back whole
"$bin" -C "$(dirname "$0")/hostile" lower --dialect sqlite --schema >"$tmp/hostile.sql" 2>"$tmp/err" &&
  run_sqlite "$tmp/hostile.db" "$tmp/hostile.sql" && [ "$(tables "$tmp/hostile.db")" = 2 ] &&
  sqlite3 "$tmp/hostile.db" "INSERT INTO \"order\"\"s; drop\" (\"we\"\"ird col\", \"größe\") VALUES ('w', 7)" &&
  [ "$(sqlite3 "$tmp/hostile.db" "SELECT note || '|' || slash || '|' || kind || '|' || \"größe\" FROM \"order\"\"s; drop\"")" = "it's'; DROP TABLE x; --|back\\slash|Select|7" ] &&
  ok || bad "hostile names and literals: $(cat "$tmp/err")"
"$bin" -C "$(dirname "$0")/hostile" lower --dialect oracle --schema >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "unknown dialect 'oracle'" "$tmp/err" && ok || bad "an unknown dialect is a usage error"

echo "lower cli: $pass passed, $fail failed"
[ $fail = 0 ]
