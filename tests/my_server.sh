# my_server.sh: sourced by tests that need a MariaDB server of their own.
#
# my_start DIR makes a throwaway data directory in DIR/my with
# mariadb-install-db and starts mariadbd on a Unix socket there, with no TCP
# at all (--skip-networking), no fsync, and root with no password. As root the
# server runs as the `mysql` user that Debian's package creates. my_stop stops
# it; the caller calls it from its EXIT trap, so it stops even on failure.
# The SQL mode is MySQL 8's default (strict), so what passes here is what a
# strict MySQL 8 server would take.
my_start() {
  MY_DIR=$1/my
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ||
    { echo "my_server: no mariadbd; apt-get install mariadb-server" >&2; return 1; }
  mkdir -p "$MY_DIR/data" "$MY_DIR/tmp"
  my_user=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    my_user=mysql
    chown -R mysql "$MY_DIR" && chmod 755 "$1"
  fi
  mariadb-install-db --no-defaults --user="$my_user" --datadir="$MY_DIR/data" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$MY_DIR/install.log" 2>&1 || { cat "$MY_DIR/install.log" >&2; return 1; }
  /usr/sbin/mariadbd --no-defaults --user="$my_user" --datadir="$MY_DIR/data" \
    --socket="$MY_DIR/sock" --pid-file="$MY_DIR/pid" --tmpdir="$MY_DIR/tmp" --skip-networking --skip-name-resolve \
    --log-error="$MY_DIR/server.log" --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-buffer-pool-size=64M --character-set-server=utf8mb4 \
    --sql-mode=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION \
    >/dev/null 2>&1 &
  MY_PID=$!
  i=0
  until mariadb --no-defaults -S "$MY_DIR/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 600 ] || ! kill -0 "$MY_PID" 2>/dev/null; then
      cat "$MY_DIR/server.log" >&2
      return 1
    fi
    sleep 0.1
  done
  MY_SOCKET=$MY_DIR/sock
  export MY_SOCKET
}

my_stop() {
  if [ -n "${MY_PID:-}" ]; then
    kill "$MY_PID" 2>/dev/null
    i=0
    while kill -0 "$MY_PID" 2>/dev/null && [ "$i" -lt 300 ]; do
      i=$((i + 1))
      sleep 0.1
    done
    kill -9 "$MY_PID" 2>/dev/null
  fi
  MY_PID=
}

# The start of every MariaDB test script: a temporary folder in $tmp, removed
# with the server stopped on any exit, the server started, and my() to run the
# client (stopping at the first error; its message in $tmp/sqlerr).
my_test_begin() {
  tmp=$(mktemp -d)
  trap 'my_stop; rm -rf "$tmp"' EXIT INT TERM
  my_start "$tmp" || { echo "FAIL could not start MariaDB"; exit 1; }
}
my() { mariadb --no-defaults -S "$MY_SOCKET" -uroot -N -B --default-character-set=utf8mb4 "$@" 2>"$tmp/sqlerr"; }
