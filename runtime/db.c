/*
** db.c: opening a database by URL, and what every driver shares.
*/
#include "runtime.h"

#include <string.h>
#include <time.h>

/* a copy: the engine's message may be freed or reused as soon as we return */
bool rt_fail(rt_db *db, const char *msg) {
  const char *m = rt_scrub(db->a, db->url, msg ? msg : "unknown error");
  size_t n = strlen(m);
  while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) /* libpq ends its messages with \n */
    n--;
  db->err = arena_strndup(db->a, m, n);
  return false;
}

bool rt_lock_timeout(rt_db *db, int timeout_s) {
  db->timed_out = true;
  return rt_fail(db,
                 arena_printf(db->a, "another inspirec holds the lock on %s; gave up after %d s",
                              db->url->shown, timeout_s));
}

bool rt_wait_lock(rt_db *db, int timeout_s, int (*try_once)(rt_db *db)) {
  for (long waited = 0;; waited += 100) {
    int got = try_once(db);
    if (got != 0) return got > 0;
    if (waited >= (long)timeout_s * 1000) return rt_lock_timeout(db, timeout_s);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

const rt_driver *rt_driver_of(rt_engine engine) {
  return engine == RT_SQLITE     ? &rt_sqlite_driver
         : engine == RT_POSTGRES ? &rt_postgres_driver
                                 : &rt_mysql_driver;
}

rt_db *rt_open(arena *a, const char *url, const char **err) {
  rt_url *u = rt_parse_url(a, url, err);
  if (!u) return NULL;
  rt_db *db = arena_alloc(a, sizeof *db);
  db->a = a;
  db->url = u;
  db->drv = rt_driver_of(u->engine);
  if (!db->drv->open(db)) {
    *err = arena_printf(a, "cannot open %s: %s", u->shown, db->err);
    db->drv->close(db);
    return NULL;
  }
  return db;
}

const char *rt_cell(rt_db *db, const char *sql, bool *ok) {
  rt_rows rows;
  *ok = db->drv->query(db, sql, &rows);
  return *ok && rows.nrows ? rows.cells[0] : NULL;
}

void rt_close(rt_db *db) {
  if (db) db->drv->close(db);
}

db_schema *rt_introspect(rt_db *db) {
  db_schema *s = db->drv->introspect(db);
  if (s) db_drop_tables(s, "_inspire_");
  return s;
}
