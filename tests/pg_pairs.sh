#!/bin/sh
# pg_pairs.sh TEST_SQLITE TEST_DB PAIRS [FIRST_SEED]: random schema pairs on Postgres.
#
# test_sqlite --emit lowers each random pair A -> B for Postgres. On a
# throwaway server, per pair: empty -> A as a migration; A -> B; the database
# must equal B made whole (--schema); the down back to A must equal A made
# whole; up again; after the down and the second up the database read back by
# introspection also equals the pair's schema (tests/test_db.c). When the step
# keeps data on every engine (no type change, no new uniqueness, nothing
# guessed), A gets two rows a table first and they must all be there after the
# up; the tables are emptied before the down.
set -u
gen=$1
testdb=$2
pairs=$3
first=${4:-1}
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/pg_server.sh"
pg_test_begin
mkdir "$tmp/pairs"
"$gen" --emit postgres "$tmp/pairs" "$pairs" "$first" || { echo "FAIL test_sqlite --emit"; exit 1; }

sql -c "CREATE DATABASE m" && sql -c "CREATE DATABASE w" || { echo "FAIL create databases"; exit 1; }
# A stage echoes its name, so a failed statement names its stage; the
# catalog descriptions go to files compared afterwards.
stage() { # name, database, file to run, description file
  printf '\\echo %s\n\\c %s\n' "$1" "$2"
  case $1 in
  rows* | counts* | clear*) # data: what the file prints goes to the file named
    printf '\\o %s\n\\i %s\n\\o\n' "$4" "$3"
    return ;;
  esac
  [ "$2" = w ] && printf 'DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n'
  printf '\\i %s\n\\o %s\n\\i %s\n\\o\n' "$3" "$4" "$here/pg_describe.sql"
}
# One psql session a group of stages; between groups, the migrated database
# is read back by introspection and compared with the pair's schema.
group() { # pair folder, group name, then stages (name db file description)
  p=$1
  name=$2
  shift 2
  while [ $# -gt 0 ]; do
    stage "$1" "$2" "$3" "$4"
    shift 4
  done >"$p/$name.psql"
  psql -X -v ON_ERROR_STOP=1 -qAt -f "$p/$name.psql" >"$p/stages" 2>"$tmp/sqlerr" ||
    { r="$(tail -n 1 "$p/stages"): $(cat "$tmp/sqlerr")"; return 1; }
}
is_state() { # pair folder, stage, schema
  "$testdb" postgres dbname=m "$1/$3" >"$tmp/state" 2>&1 ||
    { r="$2: the database is not $3: $(cat "$tmp/state")"; return 1; }
}
rows_kept() { # pair folder: the rows put into A are all there after the up
  diff "$1/counts.expect" "$1/counts" >"$tmp/diff" || { r="rows lost by the up: $(cat "$tmp/diff")"; return 1; }
}
with_rows=0
for d in $(ls "$tmp/pairs" | sort -n); do
  p="$tmp/pairs/$d"
  r=""
  printf '\\c m\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n' >"$p/reset.sql"
  if ! { group "$p" g1 "reset" m "$p/reset.sql" /dev/null "empty -> A" m "$p/a.sql" "$p/m1" \
    "A whole" w "$p/a.schema.sql" "$p/w1" "rows in A" m "$p/rows.sql" /dev/null \
    "up" m "$p/up.sql" "$p/m2" "counts after up" m "$p/counts.sql" "$p/counts" \
    "B whole" w "$p/b.schema.sql" "$p/w2" "clear" m "$p/clear.sql" /dev/null \
    "down" m "$p/down.sql" "$p/m3" &&
    is_state "$p" "down" a.inspire && rows_kept "$p" &&
    group "$p" g2 "up again" m "$p/up.sql" "$p/m4" && is_state "$p" "up again" b.inspire; }; then
    failed_seed "$d" "$r"
    continue
  fi
  for cmp in "m1 w1 A as a migration differs from A whole" "m2 w2 after up" "m3 w1 after down" "m4 w2 after up again"; do
    set -- $cmp
    if ! diff -u "$p/$2" "$p/$1" >"$tmp/diff"; then
      shift 2
      r="$*: $(cat "$tmp/diff")"
      break
    fi
  done
  [ -z "$r" ] && pass=$((pass + 1)) || failed_seed "$d" "$r"
  [ -z "$r" ] && [ -s "$p/counts.expect" ] && with_rows=$((with_rows + 1))
done
echo "pg_pairs: $pass passed ($with_rows of them with rows kept through the up), $fail failed"
[ "$fail" = 0 ]
