/*
** test_db.c: a live Postgres or MySQL database against a schema state, by
** introspection (each dialect's introspect.c) and the dialect's expected model.
**
**   test_db postgres CONNINFO STATE [--dump FILE]
**   test_db mysql DATABASE STATE [--dump FILE]     (the socket in $MY_SOCKET)
**
** STATE is a snapshot.json, an .inspire file, or `empty` (no tables, no
** types). Prints nothing and exits 0 when the database is what the state
** says; else prints the first difference and exits 1 (2 when it cannot
** connect or read). The runner's ledger tables are left out. --dump writes what introspection read,
*one line a
** thing, for comparing two databases with diff.
*/
#include "backends/backend.h"
#include "frontend/frontend.h"
#include "slurp.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fe_compilation comp;

static const st_schema *load_state(const char *path) {
  if (strcmp(path, "empty") == 0) return st_new(&comp.a, &comp.names);
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    fprintf(stderr, "test_db: cannot read %s\n", path);
    return NULL;
  }
  const st_schema *s = NULL;
  size_t n = strlen(path);
  if (n > 5 && strcmp(path + n - 5, ".json") == 0) {
    const char *mig, *err;
    long off;
    s = st_read_json(&comp.a, &comp.names, text, len, &mig, &err, &off);
    if (!s) fprintf(stderr, "test_db: %s: %s\n", path, err);
  } else {
    fe_compile_buffer(&comp, path, text, len);
    if (comp.diags.errors)
      fprintf(stderr, "test_db: %s has errors\n", path);
    else
      s = st_from_schema(&comp.schema);
  }
  free(text);
  return s;
}

static db_schema *read_postgres(const char *conninfo, const char **err) {
  PGconn *conn = PQconnectdb(conninfo);
  db_schema *db = NULL;
  if (PQstatus(conn) != CONNECTION_OK)
    *err = arena_printf(&comp.a, "cannot connect: %s", PQerrorMessage(conn));
  else
    db = pg_introspect(conn, &comp.a, err);
  PQfinish(conn);
  return db;
}

static db_schema *read_mysql(const char *database, const char **err) {
  MYSQL *conn = mysql_init(NULL);
  db_schema *db = NULL;
  const char *socket = getenv("MY_SOCKET");
  if (!conn) {
    *err = "out of memory";
    return NULL;
  }
  if (!mysql_real_connect(conn, NULL, "root", NULL, database, 0, socket, 0))
    *err = arena_printf(&comp.a, "cannot connect: %s", mysql_error(conn));
  else
    db = mysql_introspect(conn, &comp.a, err);
  mysql_close(conn);
  return db;
}

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 6 && strcmp(argv[4], "--dump") == 0)) {
    fprintf(stderr, "usage: test_db postgres|mysql CONNINFO|DATABASE STATE [--dump FILE]\n");
    return 2;
  }
  const be_dialect *d = be_find(argv[1]);
  if (!d || d == &be_sqlite) {
    fprintf(stderr, "test_db: postgres or mysql, not %s\n", argv[1]);
    return 2;
  }
  fe_init(&comp);
  int rc = 2;
  const char *err = NULL;
  const st_schema *state = load_state(argv[3]);
  db_schema *got = !state              ? NULL
                   : d == &be_postgres ? read_postgres(argv[2], &err)
                                       : read_mysql(argv[2], &err);
  if (state && !got) fprintf(stderr, "test_db: %s\n", err);
  if (got) {
    db_drop_tables(got, "_inspire_"); /* the runner's ledger is no part of a state */
    if (argc == 6) {
      char *text = db_dump(got, &comp.a);
      FILE *f = fopen(argv[5], "w");
      if (f) fputs(text, f);
      if (!f || fclose(f) != 0) fprintf(stderr, "test_db: cannot write %s\n", argv[5]);
      free(text);
    }
    const char *diff = db_diff(be_expected(d, state, &comp.a), got, &comp.a);
    if (diff) printf("%s\n", diff);
    rc = diff ? 1 : 0;
  }
  fe_free(&comp);
  return rc;
}
