/*
** introspect.c: a live MySQL database (the connection's current one) read
** back as a db_schema, from information_schema: tables, columns (the type
** without integer display widths, the default as a value), statistics for
** the primary key and indexes, key_column_usage with referential_constraints
** for references.  MariaDB stores json as longtext with a json_valid check;
** such a column reads back as json, as MySQL 8 reports it.
*/
#include "../backend.h"

#include "../dbclient.h"
#include <stdlib.h>
#include <string.h>

static const char *q_tables = "SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";

static const char *q_columns =
    "SELECT table_name, column_name, column_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = DATABASE() "
    "ORDER BY table_name, ordinal_position";

static const char *q_checks = "SELECT table_name, check_clause "
                              "FROM information_schema.check_constraints "
                              "WHERE constraint_schema = DATABASE()";

static const char *q_keys = "SELECT table_name, index_name, non_unique, column_name "
                            "FROM information_schema.statistics WHERE table_schema = DATABASE() "
                            "ORDER BY table_name, index_name, seq_in_index";

static const char *q_references =
    "SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name, "
    "  k.referenced_column_name, r.delete_rule "
    "FROM information_schema.key_column_usage k "
    "JOIN information_schema.referential_constraints r "
    "  ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name "
    "  AND r.table_name = k.table_name "
    "WHERE k.table_schema = DATABASE() AND k.referenced_table_name IS NOT NULL "
    "ORDER BY k.table_name, k.constraint_name, k.ordinal_position";

static MYSQL_RES *query(MYSQL *conn, const char *sql, arena *a, const char **err) {
  MYSQL_RES *r = NULL;
  if (mysql_query(conn, sql) != 0 || !(r = mysql_store_result(conn))) {
    *err = arena_printf(a, "introspection failed: %s", mysql_error(conn));
    return NULL;
  }
  return r;
}

static const char *dup(arena *a, const char *s) {
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

static db_table *table_of(db_schema *db, const char *name) {
  for (int i = 0; name && i < db->tables.n; i++)
    if (strcmp(db->tables.v[i]->name, name) == 0) return db->tables.v[i];
  return NULL;
}

/* int(11) -> int; tinyint(1), the boolean, keeps its width */
static const char *plain_type(arena *a, const char *t) {
  static const char *const ints[] = {"int(", "smallint(", "bigint(", "mediumint(", NULL};
  for (int i = 0; ints[i]; i++) {
    size_t n = strlen(ints[i]);
    if (strncmp(t, ints[i], n) == 0) {
      const char *close = strchr(t, ')');
      return arena_printf(a, "%.*s%s", (int)n - 1, t, close ? close + 1 : "");
    }
  }
  if (strncmp(t, "enum(", 5) == 0) { /* enum('A','B'): labels are identifiers, '' kept */
    VEC(const char *) labels = {0};
    for (const char *p = t + 5; *p == '\'';) {
      strbuf b = {0};
      strbuf_puts(&b, "");
      for (p++; *p && !(*p == '\'' && p[1] != '\''); p++) {
        if (*p == '\'') p++;
        char ch[2] = {*p, 0};
        strbuf_puts(&b, ch);
      }
      vec_push(a, labels, strbuf_done(&b, a));
      p += *p ? 1 : 0;
      p += *p == ',' ? 1 : 0;
    }
    return db_enum_text(a, NULL, labels.v, labels.n);
  }
  return dup(a, t);
}

db_schema *mysql_introspect(MYSQL *conn, arena *a, const char **err) {
  if (!dbclient_load(DBCLIENT_MYSQL, err)) return NULL;
  db_schema *db = arena_alloc(a, sizeof *db);
  db->a = a;
  MYSQL_ROW row;
  if (mysql_set_character_set(conn, "utf8mb4") != 0) {
    *err = arena_printf(a, "introspection failed: %s", mysql_error(conn));
    return NULL;
  }
  MYSQL_RES *r = query(conn, q_tables, a, err);
  if (!r) return NULL;
  while ((row = mysql_fetch_row(r))) {
    db_table *t = arena_alloc(a, sizeof *t);
    t->name = dup(a, row[0]);
    vec_push(a, db->tables, t);
  }
  mysql_free_result(r);

  /* json_valid checks first: they turn a longtext column into json */
  VEC(const char *) json_cols = {0};
  if (!(r = query(conn, q_checks, a, err))) return NULL;
  while ((row = mysql_fetch_row(r)))
    if (row[0] && row[1]) vec_push(a, json_cols, arena_printf(a, "%s.%s", row[0], row[1]));
  mysql_free_result(r);

  if (!(r = query(conn, q_columns, a, err))) return NULL;
  while ((row = mysql_fetch_row(r))) {
    db_table *t = table_of(db, row[0]);
    if (!t || !row[1] || !row[2]) continue;
    const char *type = plain_type(a, row[2]);
    if (strcmp(type, "longtext") == 0) {
      be_ctx c = {&be_mysql, a, NULL, NULL, NULL, false};
      const char *check = arena_printf(a, "%s.json_valid(%s)", row[0], be_ident(&c, row[1]));
      for (int i = 0; i < json_cols.n; i++)
        if (strcmp(json_cols.v[i], check) == 0) type = "json";
    }
    db_column col = {dup(a, row[1]), type, be_canon_default(a, type, row[4], true), NULL,
                     row[3] && strcmp(row[3], "NO") == 0};
    vec_push(a, t->cols, col);
  }
  mysql_free_result(r);

  if (!(r = query(conn, q_keys, a, err))) return NULL;
  db_index *last = NULL;
  const char *last_table = NULL;
  while ((row = mysql_fetch_row(r))) {
    db_table *t = table_of(db, row[0]);
    if (!t || !row[1] || !row[3]) continue;
    if (strcmp(row[1], "PRIMARY") == 0) {
      vec_push(a, t->pkey, dup(a, row[3]));
      continue;
    }
    if (!last || last_table != t->name || strcmp(last->name, row[1]) != 0) {
      db_index x = {dup(a, row[1]), NULL, 0, row[2] && strcmp(row[2], "0") == 0};
      vec_push(a, t->indexes, x);
      last = &t->indexes.v[t->indexes.n - 1];
      last_table = t->name;
    }
    const char **cols = arena_alloc(a, sizeof(char *) * (size_t)(last->ncols + 1));
    if (last->ncols) memcpy(cols, last->cols, sizeof(char *) * (size_t)last->ncols);
    cols[last->ncols++] = dup(a, row[3]);
    last->cols = cols;
  }
  mysql_free_result(r);

  if (!(r = query(conn, q_references, a, err))) return NULL;
  db_fk *fk = NULL;
  last_table = NULL;
  while ((row = mysql_fetch_row(r))) {
    db_table *t = table_of(db, row[0]);
    if (!t || !row[1] || !row[2] || !row[4]) continue;
    if (!fk || last_table != t->name || strcmp(fk->name, row[1]) != 0) {
      db_fk x = {dup(a, row[1]), NULL, 0, dup(a, row[3]), NULL, 0, dup(a, row[5])};
      vec_push(a, t->fks, x);
      fk = &t->fks.v[t->fks.n - 1];
      last_table = t->name;
    }
    const char **cols = arena_alloc(a, sizeof(char *) * (size_t)(fk->ncols + 1));
    const char **refs = arena_alloc(a, sizeof(char *) * (size_t)(fk->nref + 1));
    if (fk->ncols) memcpy(cols, fk->cols, sizeof(char *) * (size_t)fk->ncols);
    if (fk->nref) memcpy(refs, fk->ref_cols, sizeof(char *) * (size_t)fk->nref);
    cols[fk->ncols++] = dup(a, row[2]);
    refs[fk->nref++] = dup(a, row[4]);
    fk->cols = cols;
    fk->ref_cols = refs;
  }
  mysql_free_result(r);
  db_sort(db);
  return db;
}
