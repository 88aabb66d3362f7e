/*
** test_runtime.c: database URLs and password scrubbing (runtime/url.c).
** The engines themselves are exercised by the shell tests that start them.
*/
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pass, fail;

static void check(bool ok, const char *what) {
  if (ok) {
    pass++;
  } else {
    fail++;
    printf("FAIL %s\n", what);
  }
}

static bool eq(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

int main(void) {
  arena a;
  arena_init(&a);
  const char *err = NULL;
  rt_url *u = rt_parse_url(&a, "sqlite:.inspire/dev.db", &err);
  check(u && u->engine == RT_SQLITE && eq(u->path, ".inspire/dev.db"), "sqlite:PATH");
  u = rt_parse_url(&a, "sqlite::memory:", &err);
  check(u && eq(u->path, ":memory:"), "sqlite::memory:");
  u = rt_parse_url(&a, "sqlite:", &err);
  check(!u && err && strstr(err, "needs a file path"), "sqlite: without a path");

  u = rt_parse_url(&a, "postgres://app:s3cr%40t@db.local:5433/shop?sslmode=disable", &err);
  check(u && u->engine == RT_POSTGRES && eq(u->user, "app") && eq(u->password, "s3cr@t") &&
            eq(u->host, "db.local") && u->port == 5433 && eq(u->database, "shop"),
        "postgres URL parts, %-escapes decoded");
  check(u && eq(u->shown, "postgres://app:***@db.local:5433/shop?sslmode=disable"),
        "the shown URL hides the password");
  check(u && eq(rt_scrub(&a, u, "FATAL: password s3cr@t is wrong; s3cr@t"),
                "FATAL: password *** is wrong; ***"),
        "scrub takes out every copy of the password");
  u = rt_parse_url(&a, "postgresql://localhost/x", &err);
  check(u && u->engine == RT_POSTGRES && !u->password && eq(u->shown, "postgresql://localhost/x"),
        "postgresql:// without a password");

  u = rt_parse_url(&a, "mysql://root:p@ss:w@rd@127.0.0.1:3306/app?socket=/tmp/my.sock", &err);
  check(u && u->engine == RT_MYSQL && eq(u->user, "root") && eq(u->password, "p@ss:w@rd") &&
            eq(u->host, "127.0.0.1") && u->port == 3306 && eq(u->database, "app") &&
            eq(u->socket, "/tmp/my.sock"),
        "mysql URL with '@' and ':' in the password, and a socket");
  check(u && !strstr(u->shown, "p@ss") && strstr(u->shown, "***"),
        "mysql URL shown without password");
  u = rt_parse_url(&a, "mysql://root@localhost:99999/app", &err);
  check(!u && err && strstr(err, "port"), "a bad port");
  u = rt_parse_url(&a, "oracle://scott:tiger@db/x", &err);
  check(!u && err && strstr(err, "not a database URL") && !strstr(err, "tiger"),
        "an unknown scheme, named without its password");

  /* an engine that cannot be reached: the error carries no password */
  rt_db *db = rt_open(&a, "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2", &err);
  check(!db && err && !strstr(err, "hunter2") && strstr(err, "***"),
        "a failed Postgres connection names the URL without its password");
  db = rt_open(&a, "mysql://u:hunter2@127.0.0.1:1/x", &err);
  check(!db && err && !strstr(err, "hunter2"), "a failed MySQL connection hides the password");

  /* SQLite: open, run, query, introspect without the ledger */
  db = rt_open(&a, "sqlite::memory:", &err);
  rt_rows rows;
  check(db &&
            db->drv->exec(db, "CREATE TABLE t (a INTEGER); CREATE TABLE _inspire_x (b TEXT);"
                              "INSERT INTO t VALUES (7)") &&
            db->drv->query(db, "SELECT a, NULL FROM t", &rows) && rows.nrows == 1 &&
            eq(rows.cells[0], "7") && rows.cells[1] == NULL,
        "sqlite exec and query");
  db_schema *s = db ? rt_introspect(db) : NULL;
  check(s && s->tables.n == 1 && eq(s->tables.v[0]->name, "t"),
        "introspection leaves the ledger tables out");
  check(db && !db->drv->exec(db, "SELECT * FROM nowhere") && db->err && strstr(db->err, "nowhere"),
        "an error comes back with the engine's message");
  rt_close(db);

  /* a snapshot of 2.5 MB goes into the audit in parts of 1 MB, each cut
  ** between two UTF-8 characters, and comes back whole */
  db = rt_open(&a, "sqlite::memory:", &err);
  size_t big = 2500000;
  char *json = malloc(big + 1);
  json[0] = 'x'; /* then é from byte 1: a cut at 1 MB would split one */
  for (size_t i = 1; i + 2 <= big; i += 2)
    memcpy(json + i, "\xc3\xa9", 2);
  json[big - 1] = 'x';
  json[big] = 0;
  check(db && rt_ledger_ensure(db) && rt_run_snapshot(db, 1, "0001_x", "after", json) &&
            db->drv->query(db,
                           "SELECT part, length(CAST(snapshot AS BLOB)) FROM "
                           "_inspire_schema_snapshots ORDER BY part",
                           &rows) &&
            rows.nrows == 3 && atol(rows.cells[1]) == (1 << 20) - 1 &&
            atol(rows.cells[3]) == 1 << 20,
        "a big snapshot is stored in parts of 1 MB, cut between two characters");
  check(db &&
            db->drv->query(db,
                           "SELECT group_concat(snapshot, '') FROM (SELECT snapshot FROM "
                           "_inspire_schema_snapshots ORDER BY part)",
                           &rows) &&
            rows.nrows == 1 && eq(rows.cells[0], json),
        "its parts in order are the snapshot");
  free(json);
  rt_close(db);

  /* the lock: a second runner on the same file waits, then gives up cleanly */
  char dir[] = "/tmp/inspire-rt-XXXXXX";
  if (mkdtemp(dir)) {
    const char *url = arena_printf(&a, "sqlite:%s/sub/dev.db", dir);
    rt_db *one = rt_open(&a, url, &err), *two = rt_open(&a, url, &err);
    check(one && two, "sqlite: the file and its folder are made on first use");
    check(one && one->drv->lock(one, 1), "the first runner takes the lock");
    check(two && !two->drv->lock(two, 0) && two->timed_out && strstr(two->err, "gave up after 0 s"),
          "the second runner times out with a message");
    if (one) one->drv->unlock(one);
    check(two && two->drv->lock(two, 1), "once released, the second runner takes it");
    rt_close(one);
    rt_close(two);
    remove(arena_printf(&a, "%s/sub/dev.db", dir));
    remove(arena_printf(&a, "%s/sub/dev.db.lock", dir));
    remove(arena_printf(&a, "%s/sub", dir));
    remove(dir);
  }
  arena_free(&a);
  printf("runtime: %d passed, %d failed\n", pass, fail);
  return fail != 0;
}
