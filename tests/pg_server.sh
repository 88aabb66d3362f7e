# pg_server.sh: sourced by tests that need a Postgres server of their own.
#
# pg_start DIR starts a throwaway cluster in DIR/pg (trust auth, a Unix socket
# in DIR/pg, no TCP unless PG_TCP_PORT names a port on 127.0.0.1) and sets PGHOST, PGUSER, PGDATABASE and PGOPTIONS (no
# NOTICEs) for psql and libpq; pg_stop stops it. Postgres refuses to run as root, so as root the
# server runs as the `postgres` user that Debian's package creates. The caller
# calls pg_stop from its EXIT trap, so the server stops even on failure.
pg_bin() {
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
  return 1
}

pg_as() { # run a server command as the right user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PG_DIR=$1/pg
  PG_BIN=$(pg_bin) || { echo "pg_server: no initdb; apt-get install postgresql" >&2; return 1; }
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR" && chmod 755 "$1"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-k $PG_DIR -c listen_addresses=${PG_TCP_PORT:+127.0.0.1} ${PG_TCP_PORT:+-p $PG_TCP_PORT} -c fsync=off -c full_page_writes=off" start >/dev/null 2>&1 ||
    { cat "$PG_DIR/server.log" >&2; return 1; }
  PGHOST=$PG_DIR PGUSER=postgres PGDATABASE=postgres PGOPTIONS='-c client_min_messages=warning'
  export PGHOST PGUSER PGDATABASE PGOPTIONS
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] &&
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  PG_DIR=
}

# The start of every Postgres test script: a temporary folder in $tmp, removed
# with the server stopped on any exit, the server started, and sql() to run
# psql (stopping at the first error; its message in $tmp/sqlerr).
pg_test_begin() {
  tmp=$(mktemp -d)
  trap 'pg_stop; rm -rf "$tmp"' EXIT INT TERM
  pg_start "$tmp" || { echo "FAIL could not start Postgres"; exit 1; }
}
sql() { psql -X -v ON_ERROR_STOP=1 -qAt "$@" 2>"$tmp/sqlerr"; }
