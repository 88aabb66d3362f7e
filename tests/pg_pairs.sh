#!/bin/sh
# pg_pairs.sh TEST_SQLITE PAIRS [FIRST_SEED]: random schema pairs on Postgres.
#
# test_sqlite --emit lowers each random pair A -> B for Postgres. On a
# throwaway server, per pair: empty -> A as a migration; A -> B; the database
# must equal B made whole (--schema); the down back to A must equal A made
# whole; up again. Tables are empty: the data checks live in the SQLite round
# trips, which share the differ and the inverse operations.
set -u
gen=$1
pairs=$2
first=${3:-1}
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/pg_server.sh"
pg_test_begin
mkdir "$tmp/pairs"
"$gen" --emit postgres "$tmp/pairs" "$pairs" "$first" || { echo "FAIL test_sqlite --emit"; exit 1; }

sql -c "CREATE DATABASE m" && sql -c "CREATE DATABASE w" || { echo "FAIL create databases"; exit 1; }
# One psql session a pair: each stage echoes its name, so a failed statement
# names its stage; the descriptions go to files compared afterwards.
stage() { # name, database, file to run, description file
  printf '\\echo %s\n\\c %s\n' "$1" "$2"
  [ "$2" = w ] && printf 'DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n'
  printf '\\i %s\n\\o %s\n\\i %s\n\\o\n' "$3" "$4" "$here/pg_describe.sql"
}
for d in $(ls "$tmp/pairs" | sort -n); do
  p="$tmp/pairs/$d"
  {
    printf '\\c m\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n'
    stage "empty -> A" m "$p/a.sql" "$p/m1"
    stage "A whole" w "$p/a.schema.sql" "$p/w1"
    stage "up" m "$p/up.sql" "$p/m2"
    stage "B whole" w "$p/b.schema.sql" "$p/w2"
    stage "down" m "$p/down.sql" "$p/m3"
    stage "up again" m "$p/up.sql" "$p/m4"
  } >"$p/run.psql"
  if ! psql -X -v ON_ERROR_STOP=1 -qAt -f "$p/run.psql" >"$p/stages" 2>"$tmp/sqlerr"; then
    failed_seed "$d" "$(tail -n 1 "$p/stages"): $(cat "$tmp/sqlerr")"
    continue
  fi
  r=""
  for cmp in "m1 w1 A as a migration differs from A whole" "m2 w2 after up" "m3 w1 after down" "m4 w2 after up again"; do
    set -- $cmp
    if ! diff -u "$p/$2" "$p/$1" >"$tmp/diff"; then
      shift 2
      r="$*: $(cat "$tmp/diff")"
      break
    fi
  done
  [ -z "$r" ] && [ "$(tail -n 1 "$p/stages")" = "up again" ] && pass=$((pass + 1)) ||
    failed_seed "$d" "${r:-psql stopped before the last stage}"
done
echo "pg_pairs: $pass passed, $fail failed"
[ "$fail" = 0 ]
