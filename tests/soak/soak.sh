#!/bin/sh
# tests/soak/soak.sh sqlite|postgres|mysql PAIRS [FIRST_SEED] [BUILD_DIR]
#
# A soak through the command line, as a user drives it (docs/testing.md):
# for each random schema pair A -> B (test_sqlite --emit: seeded, with rows
# for the tables when the step keeps data), on a database of its own:
#   plan A, apply it; fill A with rows; plan B (guesses accepted), apply it;
#   status must find the database in step (introspection against the last
#   snapshot); the rows must all be there; test_db reads the database back
#   against B (Postgres, MySQL); then the down script of B from `lower --down`
#   runs in the engine's own client, B leaves the history and the ledger, and
#   status and test_db must find A again.
# Servers are throwaway ones (tests/engine.sh). Prints a summary and
# "soak ENGINE: N passed, N failed".
set -u
engine=$1
pairs=$2
first=${3:-1}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${4:-$root/build}" && pwd)
bin=$build/inspirec
gen=$build/tests/test_sqlite
testdb=$build/tests/test_db
here=$root/tests
. "$here/lib.sh"
start=$(date +%s)
case $engine in
sqlite)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT INT TERM
  dbfile=$tmp/soak.db
  U=sqlite:$dbfile
  reset() { rm -f "$dbfile" "$dbfile.lock"; }
  client() { sqlite3 -bail "$dbfile" <"$1" 2>"$tmp/sqlerr"; }
  query() { sqlite3 "$dbfile" "$1"; }
  state_is() { return 0; } # test_db reads Postgres and MySQL; status covers SQLite
  ;;
postgres | mysql)
  . "$here/engine.sh"
  engine_begin "$engine" || exit 2
  create soak || { echo "FAIL cannot create the database"; exit 1; }
  U=$(url soak)
  if [ "$engine" = postgres ]; then
    reset() { q soak "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null; }
    client() { sql -d soak -f "$1"; }
  else
    reset() { my -e "DROP DATABASE soak; CREATE DATABASE soak"; }
    client() { my soak <"$1"; }
  fi
  query() { q soak "$1"; }
  state_is() { "$testdb" "$engine" "$(conn soak)" "$1" >"$tmp/state" 2>&1; }
  ;;
*)
  echo "usage: tests/soak/soak.sh sqlite|postgres|mysql PAIRS [FIRST_SEED] [BUILD_DIR]" >&2
  exit 2
  ;;
esac
mkdir -p "$tmp/pairs"
"$gen" --emit "$engine" "$tmp/pairs" "$pairs" "$first" >"$tmp/emit" || { cat "$tmp/emit"; echo "FAIL test_sqlite --emit"; exit 1; }
with_rows=0
unchanged=0
for d in $(ls "$tmp/pairs" | sort -n); do
  p=$tmp/pairs/$d
  w=$tmp/project
  rm -rf "$w"
  mkdir -p "$w/schema"
  reset
  r=""
  cp "$p/a.inspire" "$w/schema/app.inspire"
  if ! "$bin" -C "$w" plan -q --new >/dev/null 2>"$tmp/err"; then r="plan A: $(cat "$tmp/err")"
  elif ! "$bin" -C "$w" apply -q --db "$U" 2>"$tmp/err"; then r="apply A: $(cat "$tmp/err")"
  elif [ -s "$p/rows.sql" ] && ! client "$p/rows.sql" >/dev/null; then r="rows in A: $(cat "$tmp/sqlerr")"
  else
    cp "$p/b.inspire" "$w/schema/app.inspire"
    if ! "$bin" -C "$w" plan -q --new >/dev/null 2>"$tmp/err"; then r="plan B: $(cat "$tmp/err")"
    else
      m2=$(ls -d "$w"/migrations/0002_* 2>/dev/null)
      [ -n "$m2" ] && sed -i 's/\[RESOLVE\] //' "$m2/plan.inspire" && m2=$(basename "$m2")
      if [ -z "$m2" ]; then # the edits of the pair cancel out: nothing to plan
        unchanged=$((unchanged + 1))
        "$bin" -C "$w" status --db "$U" >"$tmp/st" 2>&1 || r="status of an unchanged pair: $(cat "$tmp/st")"
      elif ! "$bin" -C "$w" apply -q --db "$U" 2>"$tmp/err"; then r="apply B: $(cat "$tmp/err")"
      elif ! "$bin" -C "$w" status --db "$U" >"$tmp/st" 2>&1; then r="status after B: $(cat "$tmp/st")"
      elif ! state_is "$p/b.inspire"; then r="the database is not B: $(cat "$tmp/state")"
      elif [ -s "$p/counts.expect" ] && ! client "$p/counts.sql" | diff "$p/counts.expect" - >"$tmp/diff"; then
        r="rows lost by the up: $(cat "$tmp/diff")"
      elif ! client "$p/clear.sql" >/dev/null; then r="emptying B: $(cat "$tmp/sqlerr")"
      elif ! "$bin" -C "$w" lower --dialect "$engine" --down "$m2" >"$tmp/down.sql" 2>"$tmp/err"; then r="lower --down: $(cat "$tmp/err")"
      elif ! client "$tmp/down.sql" >/dev/null; then r="the down script: $(cat "$tmp/sqlerr")"
      else
        query "DELETE FROM _inspire_migration_steps WHERE migration_id = '$m2'" >/dev/null
        query "DELETE FROM _inspire_migrations WHERE id = '$m2'" >/dev/null
        rm -rf "$w/migrations/$m2"
        cp "$p/a.inspire" "$w/schema/app.inspire"
        if ! "$bin" -C "$w" status --db "$U" >"$tmp/st" 2>&1; then r="status after the down: $(cat "$tmp/st")"
        elif ! state_is "$p/a.inspire"; then r="after the down the database is not A: $(cat "$tmp/state")"
        fi
      fi
    fi
  fi
  if [ -z "$r" ]; then
    pass=$((pass + 1))
    [ -s "$p/counts.expect" ] && with_rows=$((with_rows + 1))
  else
    failed_seed "$d" "$r"
  fi
done
echo "soak $engine: $((pass + fail)) pairs from seed $first ($with_rows with rows kept through the up, $unchanged where B equals A), $(($(date +%s) - start)) s"
echo "soak $engine: $pass passed, $fail failed"
[ "$fail" = 0 ]
