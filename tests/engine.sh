# engine.sh: sourced by the tests that run on Postgres or MySQL: one set of
# adapters per engine, so that a test is written once.
#
# engine_begin postgres|mysql starts the throwaway server (tests/pg_server.sh,
# tests/my_server.sh) with $tmp and the EXIT trap (sqlite: files in $tmp),
# then defines:
# q DB SQL: one query, rows as plain text; create DB; run_file DB FILE;
# count_tables DB; count_types DB (Postgres enum types); describe DB;
# conn DB: what test_db takes; url DB [PASSWORD]: an inspirec --db URL;
# qi NAME: a quoted identifier.
engine_begin() {
  case $1 in
  postgres)
    . "$here/pg_server.sh"
    pg_test_begin
    q() { sql -d "$1" -c "$2"; }
    create() { sql -c "CREATE DATABASE $1" >/dev/null; }
    run_file() { sql -d "$1" -f "$2" >/dev/null; }
    count_tables() { q "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }
    count_types() { q "$1" "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'"; }
    describe() { sql -d "$1" -f "$here/pg_describe.sql"; }
    conn() { echo "dbname=$1"; }
    url() { echo "postgresql://postgres${2:+:$2}@/$1?host=$PGHOST"; }
    qi() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
    ;;
  mysql)
    . "$here/my_server.sh"
    my_test_begin
    q() { my -r "$1" -e "$2"; }
    create() { my -e "CREATE DATABASE $1"; }
    run_file() { my "$1" <"$2" >/dev/null; }
    count_tables() { my -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1'"; }
    count_types() { echo 0; }
    describe() { my "$1" <"$here/my_describe.sql"; }
    conn() { echo "$1"; }
    url() { echo "mysql://root${2:+:$2}@localhost/$1?socket=$MY_SOCKET"; }
    qi() { printf '`%s`' "$(printf '%s' "$1" | sed 's/`/``/g')"; }
    ;;
  sqlite)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT INT TERM
    q() { sqlite3 -batch "$tmp/$1.db" "$2" 2>"$tmp/sqlerr"; }
    create() { : >"$tmp/$1.db"; }
    count_tables() { q "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table'"; }
    count_types() { echo 0; }
    describe() { sqlite3 -batch "$tmp/$1.db" .schema; }
    conn() { echo "$tmp/$1.db"; }
    url() { echo "sqlite:$tmp/$1.db"; }
    qi() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
    ;;
  *)
    echo "engine.sh: postgres, mysql or sqlite, not $1" >&2
    return 1
    ;;
  esac
}
