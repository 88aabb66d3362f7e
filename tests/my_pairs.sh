#!/bin/sh
# my_pairs.sh TEST_SQLITE TEST_DB PAIRS [FIRST_SEED]: random schema pairs on MariaDB.
#
# test_sqlite --emit lowers each random pair A -> B for MySQL. On a throwaway
# server, per pair: empty -> A as a migration; A -> B; the database must equal
# B made whole (--schema); the down back to A must equal A made whole; up
# again; after the down and the second up the database read back by
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
. "$here/my_server.sh"
my_test_begin
mkdir "$tmp/pairs"
"$gen" --emit mysql "$tmp/pairs" "$pairs" "$first" || { echo "FAIL test_sqlite --emit"; exit 1; }

fresh() { my -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"; }
# stage NAME DATABASE SQL DESCRIPTION: run the SQL, then describe the database
stage() {
  cat "$3" "$here/my_describe.sql" | my "$2" >"$4" || { r="$1: $(cat "$tmp/sqlerr")"; return 1; }
}
is_state() { # pair folder, stage, schema
  "$testdb" mysql m "$1/$3" >"$tmp/state" 2>&1 ||
    { r="$2: the database is not $3: $(cat "$tmp/state")"; return 1; }
}
data() { # name, database, file to run, output
  my "$2" <"$3" >"$4" || { r="$1: $(cat "$tmp/sqlerr")"; return 1; }
}
rows_kept() { # pair folder: the rows put into A are all there after the up
  diff "$1/counts.expect" "$1/counts" >"$tmp/diff" || { r="rows lost by the up: $(cat "$tmp/diff")"; return 1; }
}
with_rows=0
for d in $(ls "$tmp/pairs" | sort -n); do
  p="$tmp/pairs/$d"
  r=""
  fresh m && fresh w1 && fresh w2 &&
    stage "empty -> A" m "$p/a.sql" "$p/m1" &&
    stage "A whole" w1 "$p/a.schema.sql" "$p/w1" &&
    data "rows in A" m "$p/rows.sql" /dev/null &&
    stage "up" m "$p/up.sql" "$p/m2" &&
    data "counts after up" m "$p/counts.sql" "$p/counts" && rows_kept "$p" &&
    data "clear" m "$p/clear.sql" /dev/null &&
    stage "B whole" w2 "$p/b.schema.sql" "$p/w2" &&
    stage "down" m "$p/down.sql" "$p/m3" && is_state "$p" "down" a.inspire &&
    stage "up again" m "$p/up.sql" "$p/m4" && is_state "$p" "up again" b.inspire ||
    { failed_seed "$d" "${r:-$(cat "$tmp/sqlerr")}"; continue; }
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
echo "my_pairs: $pass passed ($with_rows of them with rows kept through the up), $fail failed"
[ "$fail" = 0 ]
