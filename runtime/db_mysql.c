/*
** db_mysql.c: MySQL and MariaDB through libmariadb (Debian's Connector/C).
** DDL commits on its own here, so the runner records each statement as a
** step.  The lock is GET_LOCK, held by the session, dropped when it ends.
*/
#include "runtime.h"

#include "backends/dbclient.h"
#include <string.h>

static bool my_open(rt_db *d) {
  const char *err;
  if (!dbclient_load(DBCLIENT_MYSQL, &err)) return rt_fail(d, err);
  MYSQL *c = mysql_init(NULL);
  d->handle = c;
  if (!c) return rt_fail(d, "out of memory");
  const rt_url *u = d->url;
  const char *host = u->host && *u->host ? u->host : "localhost";
  if (!mysql_real_connect(c, host, u->user, u->password, u->database, (unsigned)u->port, u->socket,
                          CLIENT_MULTI_STATEMENTS))
    return rt_fail(d, mysql_error(c));
  if (mysql_set_character_set(c, "utf8mb4") != 0) return rt_fail(d, mysql_error(c));
  return true;
}

/* drains every result, so that the connection is ready for the next query */
static bool my_exec(rt_db *d, const char *sql) {
  MYSQL *c = d->handle;
  if (mysql_query(c, sql) != 0) return rt_fail(d, mysql_error(c));
  int more;
  do {
    MYSQL_RES *r = mysql_store_result(c);
    if (r) mysql_free_result(r);
    more = mysql_next_result(c);
    if (more > 0) return rt_fail(d, mysql_error(c));
  } while (more == 0);
  return true;
}

static bool my_query(rt_db *d, const char *sql, rt_rows *out) {
  MYSQL *c = d->handle;
  memset(out, 0, sizeof *out);
  if (mysql_query(c, sql) != 0) return rt_fail(d, mysql_error(c));
  MYSQL_RES *r = mysql_store_result(c);
  if (!r) return mysql_field_count(c) == 0 || rt_fail(d, mysql_error(c));
  out->ncols = (int)mysql_num_fields(r);
  out->nrows = (int)mysql_num_rows(r);
  const char **cells = arena_alloc(d->a, sizeof(char *) * (size_t)(out->nrows * out->ncols + 1));
  MYSQL_ROW row;
  for (int i = 0; (row = mysql_fetch_row(r)); i++)
    for (int j = 0; j < out->ncols; j++)
      cells[i * out->ncols + j] = row[j] ? arena_strndup(d->a, row[j], strlen(row[j])) : NULL;
  out->cells = cells;
  mysql_free_result(r);
  return true;
}

static bool my_lock(rt_db *d, int timeout_s) {
  rt_rows rows;
  if (!my_query(d, arena_printf(d->a, "SELECT GET_LOCK('inspire_migrations', %d)", timeout_s),
                &rows))
    return false;
  if (rows.nrows == 1 && rows.cells[0] && strcmp(rows.cells[0], "1") == 0) return true;
  d->timed_out = true;
  return rt_fail(d, arena_printf(d->a, "another inspirec holds the lock on %s; gave up after %d s",
                                 d->url->shown, timeout_s));
}

static void my_unlock(rt_db *d) {
  if (d->handle) my_exec(d, "DO RELEASE_LOCK('inspire_migrations')");
}

static db_schema *my_introspect_db(rt_db *d) {
  const char *err = NULL;
  db_schema *s = mysql_introspect(d->handle, d->a, &err);
  if (!s) rt_fail(d, err);
  return s;
}

static void my_close(rt_db *d) {
  if (d->handle) mysql_close(d->handle);
  d->handle = NULL;
}

const rt_driver rt_mysql_driver = {"mysql",  &be_mysql, false,     my_open,          my_exec,
                                   my_query, my_lock,   my_unlock, my_introspect_db, my_close};
