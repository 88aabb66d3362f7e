/*
** introspect.c: a live Postgres schema (the connection's current_schema())
** read back as a db_schema, from pg_catalog: pg_class and pg_attribute for
** tables and columns (format_type for the type, pg_get_expr for the
** default), pg_constraint for primary, unique and foreign keys, pg_index for
** the other indexes, pg_enum for the enum types.
**
** Lists of names come back joined with the unit separator (0x1f), which no
** name can hold (the front end refuses control characters in names).
*/
#include "../backend.h"

#include "../dbclient.h"
#include <stdlib.h>
#include <string.h>

#define SEP "\x1f"

static const char *q_tables =
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')";

static const char *q_columns =
    "SELECT c.relname, a.attname, "
    "  CASE WHEN t.typtype = 'e' THEN t.typname "
    "       WHEN et.typtype = 'e' THEN et.typname || '[]' "
    "       ELSE format_type(a.atttypid, a.atttypmod) END, "
    "  a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type et ON et.oid = t.typelem "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
    "  AND NOT a.attisdropped ORDER BY c.relname, a.attnum";

/* primary, unique and foreign keys, columns in key order */
static const char *q_constraints =
    "SELECT c.relname, k.conname, k.contype, "
    "  (SELECT string_agg(a.attname, E'\\x1f' ORDER BY x.i) FROM unnest(k.conkey) "
    "     WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid "
    "     AND a.attnum = x.n), "
    "  r.relname, "
    "  (SELECT string_agg(a.attname, E'\\x1f' ORDER BY x.i) FROM unnest(k.confkey) "
    "     WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid "
    "     AND a.attnum = x.n), "
    "  k.confdeltype "
    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class r ON r.oid = k.confrelid "
    "WHERE n.nspname = current_schema() AND k.contype IN ('p', 'u', 'f') "
    "ORDER BY c.relname, k.conname";

/* indexes that no constraint owns */
static const char *q_indexes =
    "SELECT c.relname, i.relname, x.indisunique, "
    "  (SELECT string_agg(a.attname, E'\\x1f' ORDER BY k.i) FROM unnest(x.indkey) "
    "     WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = x.indrelid "
    "     AND a.attnum = k.n) "
    "FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid "
    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() "
    "  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
    "ORDER BY c.relname, i.relname";

static const char *q_enums =
    "SELECT t.typname, string_agg(e.enumlabel, E'\\x1f' ORDER BY e.enumsortorder) "
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "LEFT JOIN pg_enum e ON e.enumtypid = t.oid "
    "WHERE n.nspname = current_schema() AND t.typtype = 'e' GROUP BY t.typname";

static PGresult *query(PGconn *conn, const char *sql, arena *a, const char **err) {
  PGresult *r = PQexec(conn, sql);
  if (PQresultStatus(r) == PGRES_TUPLES_OK) return r;
  *err = arena_printf(a, "introspection failed: %s", PQerrorMessage(conn));
  PQclear(r);
  return NULL;
}

static const char *cell(arena *a, PGresult *r, int row, int col) {
  if (PQgetisnull(r, row, col)) return NULL;
  const char *v = PQgetvalue(r, row, col);
  return arena_strndup(a, v, strlen(v));
}

/* "a\x1fb" -> {"a", "b"} */
static int split(arena *a, const char *s, const char ***out) {
  int n = s && *s ? 1 : 0;
  for (const char *p = s; p && *p; p++)
    n += *p == SEP[0];
  const char **v = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) {
    const char *e = strchr(s, SEP[0]);
    size_t len = e ? (size_t)(e - s) : strlen(s);
    v[i] = arena_strndup(a, s, len);
    s += len + 1;
  }
  *out = v;
  return n;
}

static db_table *table_of(db_schema *db, const char *name) {
  for (int i = 0; i < db->tables.n; i++)
    if (strcmp(db->tables.v[i]->name, name) == 0) return db->tables.v[i];
  return NULL;
}

static const char *delete_rule(const char *t) {
  switch (t ? *t : 'a') {
  case 'c': return "CASCADE";
  case 'n': return "SET NULL";
  case 'd': return "SET DEFAULT";
  case 'r': return "RESTRICT";
  default: return "NO ACTION";
  }
}

db_schema *pg_introspect(PGconn *conn, arena *a, const char **err) {
  if (!dbclient_load(DBCLIENT_POSTGRES, err)) return NULL;
  db_schema *db = arena_alloc(a, sizeof *db);
  db->a = a;
  PGresult *r = query(conn, q_tables, a, err);
  if (!r) return NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    db_table *t = arena_alloc(a, sizeof *t);
    t->name = cell(a, r, i, 0);
    vec_push(a, db->tables, t);
  }
  PQclear(r);

  if (!(r = query(conn, q_columns, a, err))) return NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    db_table *t = table_of(db, PQgetvalue(r, i, 0));
    if (!t) continue;
    const char *type = cell(a, r, i, 2);
    db_column c = {cell(a, r, i, 1), type, be_canon_default(a, type, cell(a, r, i, 4), false), NULL,
                   strcmp(PQgetvalue(r, i, 3), "t") == 0};
    vec_push(a, t->cols, c);
  }
  PQclear(r);

  if (!(r = query(conn, q_constraints, a, err))) return NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    db_table *t = table_of(db, PQgetvalue(r, i, 0));
    if (!t) continue;
    const char **cols;
    int n = split(a, cell(a, r, i, 3), &cols);
    switch (PQgetvalue(r, i, 2)[0]) {
    case 'p':
      for (int j = 0; j < n; j++)
        vec_push(a, t->pkey, cols[j]);
      break;
    case 'u': {
      db_index x = {cell(a, r, i, 1), cols, n, true};
      vec_push(a, t->indexes, x);
      break;
    }
    default: {
      db_fk fk = {cell(a, r, i, 1), cols, n, cell(a, r, i, 4), NULL, 0, NULL};
      fk.nref = split(a, cell(a, r, i, 5), &fk.ref_cols);
      fk.on_delete = delete_rule(cell(a, r, i, 6));
      vec_push(a, t->fks, fk);
    }
    }
  }
  PQclear(r);

  if (!(r = query(conn, q_indexes, a, err))) return NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    db_table *t = table_of(db, PQgetvalue(r, i, 0));
    if (!t) continue;
    db_index x = {cell(a, r, i, 1), NULL, 0, strcmp(PQgetvalue(r, i, 2), "t") == 0};
    x.ncols = split(a, cell(a, r, i, 3), &x.cols);
    vec_push(a, t->indexes, x);
  }
  PQclear(r);

  if (!(r = query(conn, q_enums, a, err))) return NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    const char **labels;
    int n = split(a, cell(a, r, i, 1), &labels);
    vec_push(a, db->types, db_enum_text(a, PQgetvalue(r, i, 0), labels, n));
  }
  PQclear(r);
  db_sort(db);
  return db;
}
