/*
** db_postgres.c: Postgres through libpq.  The URL goes to libpq whole.
** The lock is a session-level advisory lock, taken with pg_try_advisory_lock
** in a loop so that the wait has a limit; the server drops it when the
** session ends, however the process died.
*/
#include "runtime.h"

#include "backends/dbclient.h"
#include <string.h>

/* the advisory lock key: "inspire" in ASCII */
#define LOCK_KEY "7598269245153633381"

static void quiet(void *arg, const PGresult *r) { /* NOTICEs are not the user's business */
  (void)arg;
  (void)r;
}

static bool pg_open(rt_db *d) {
  const char *err;
  if (!dbclient_load(DBCLIENT_POSTGRES, &err)) return rt_fail(d, err);
  PGconn *c = PQconnectdb(d->url->raw);
  d->handle = c;
  if (!c) return rt_fail(d, "out of memory");
  if (PQstatus(c) != CONNECTION_OK) return rt_fail(d, PQerrorMessage(c));
  PQsetNoticeReceiver(c, quiet, NULL);
  return true;
}

static bool pg_exec(rt_db *d, const char *sql) {
  PGresult *r = PQexec(d->handle, sql);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
  if (!ok) rt_fail(d, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

static bool pg_query(rt_db *d, const char *sql, rt_rows *out) {
  memset(out, 0, sizeof *out);
  PGresult *r = PQexec(d->handle, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    rt_fail(d, PQresultErrorMessage(r));
    PQclear(r);
    return false;
  }
  out->nrows = PQntuples(r);
  out->ncols = PQnfields(r);
  const char **cells = arena_alloc(d->a, sizeof(char *) * (size_t)(out->nrows * out->ncols + 1));
  for (int i = 0; i < out->nrows; i++)
    for (int j = 0; j < out->ncols; j++) {
      const char *v = PQgetvalue(r, i, j);
      cells[i * out->ncols + j] = PQgetisnull(r, i, j) ? NULL : arena_strndup(d->a, v, strlen(v));
    }
  out->cells = cells;
  PQclear(r);
  return true;
}

static int pg_try_lock(rt_db *d) {
  rt_rows rows;
  if (!pg_query(d, "SELECT pg_try_advisory_lock(" LOCK_KEY ")", &rows)) return -1;
  return rows.nrows == 1 && rows.cells[0] && rows.cells[0][0] == 't';
}

static bool pg_lock(rt_db *d, int timeout_s) {
  return rt_wait_lock(d, timeout_s, pg_try_lock);
}

static void pg_unlock(rt_db *d) {
  if (d->handle) pg_exec(d, "SELECT pg_advisory_unlock(" LOCK_KEY ")");
}

static db_schema *pg_introspect_db(rt_db *d) {
  const char *err = NULL;
  db_schema *s = pg_introspect(d->handle, d->a, &err);
  if (!s) rt_fail(d, err);
  return s;
}

static void pg_close(rt_db *d) {
  if (d->handle) PQfinish(d->handle);
  d->handle = NULL;
}

const rt_driver rt_postgres_driver = {"postgres",       &be_postgres, true,    pg_open,
                                      pg_exec,          pg_query,     pg_lock, pg_unlock,
                                      pg_introspect_db, pg_close};
