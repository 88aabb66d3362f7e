/*
** introspect.c: a live SQLite database read back as a db_schema:
** sqlite_schema for the tables, PRAGMA table_xinfo, index_list, index_info
** and foreign_key_list for the rest, and the stored CREATE TABLE text for the
** CHECK of each column (no pragma reports those).
*/
#include "../backend.h"
#include "../dbclient.h"

#include <string.h>

static const char *dup(arena *a, const unsigned char *s) {
  return s ? arena_strndup(a, (const char *)s, strlen((const char *)s)) : NULL;
}

/* The CHECK of column `col` in a CREATE TABLE text, or NULL.  Column
** definitions are split at top-level commas; quotes are respected. */
static const char *column_check(arena *a, const char *sql, const char *col) {
  const char *p = strchr(sql, '(');
  if (!p) return NULL;
  p++;
  size_t cn = strlen(col);
  while (*p) {
    while (*p == ' ' || *p == '\n' || *p == '\t')
      p++;
    const char *start = p;
    int depth = 0;
    while (*p && !(depth == 0 && (*p == ',' || *p == ')'))) {
      if (*p == '"' || *p == '\'') { /* quoted: skip, doubled quotes included */
        char q = *p++;
        while (*p && !(*p == q && p[1] != q))
          p += *p == q ? 2 : 1;
        if (*p) p++;
        continue;
      }
      if (*p == '(') depth++;
      if (*p == ')') depth--;
      p++;
    }
    /* does this definition start with "col"? */
    if (*start == '"') {
      const char *q = start + 1;
      size_t i = 0;
      bool match = true;
      while (*q && i <= cn) {
        if (*q == '"' && q[1] == '"') {
          if (i >= cn || col[i] != '"') match = false;
          q += 2, i++;
          continue;
        }
        if (*q == '"') break;
        if (i >= cn || col[i] != *q) match = false;
        q++, i++;
      }
      if (match && i == cn) {
        const char *k = strstr(start, " CHECK (");
        if (k && k < p) {
          k += 8;
          const char *e = k;
          int d = 1;
          while (e < p && d) {
            if (*e == '(') d++;
            if (*e == ')') d--;
            if (d) e++;
          }
          return arena_strndup(a, k, (size_t)(e - k));
        }
        return NULL;
      }
    }
    if (*p == ')' || !*p) break;
    p++;
  }
  return NULL;
}

static bool prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *name,
                    const char **err) {
  char *q = sqlite3_mprintf(sql, name);
  int rc = sqlite3_prepare_v2(db, q, -1, st, NULL);
  sqlite3_free(q);
  if (rc != SQLITE_OK) *err = sqlite3_errmsg(db);
  return rc == SQLITE_OK;
}

db_schema *sqlite_introspect(sqlite3 *db, arena *a, const char **err) {
  db_schema *s = arena_alloc(a, sizeof *s);
  s->a = a;
  *err = NULL;
  if (!dbclient_load(DBCLIENT_SQLITE, err)) return NULL; /* a caller's own handle */
  sqlite3_stmt *st;
  if (!prepare(
          db, &st,
          "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
          "'sqlite\\_%%' ESCAPE '\\' AND name NOT LIKE '\\_inspire\\_%%' ESCAPE '\\' ORDER BY name",
          "", err))
    return NULL;
  while (sqlite3_step(st) == SQLITE_ROW) {
    db_table *t = arena_alloc(a, sizeof *t);
    t->name = dup(a, sqlite3_column_text(st, 0));
    const char *sql = dup(a, sqlite3_column_text(st, 1));
    sqlite3_stmt *c;
    if (!prepare(db, &c, "PRAGMA table_xinfo(%Q)", t->name, err)) goto fail;
    typedef struct {
      int pk;
      const char *name;
    } pkcol;
    VEC(pkcol) pks = {0};
    while (sqlite3_step(c) == SQLITE_ROW) {
      db_column col;
      col.name = dup(a, sqlite3_column_text(c, 1));
      col.type = dup(a, sqlite3_column_text(c, 2));
      col.notnull = sqlite3_column_int(c, 3) != 0;
      col.def = dup(a, sqlite3_column_text(c, 4));
      col.check = column_check(a, sql, col.name);
      int pk = sqlite3_column_int(c, 5);
      if (pk) {
        pkcol p = {pk, col.name};
        vec_push(a, pks, p);
      }
      vec_push(a, t->cols, col);
    }
    sqlite3_finalize(c);
    for (int k = 1; k <= pks.n; k++)
      for (int i = 0; i < pks.n; i++)
        if (pks.v[i].pk == k) vec_push(a, t->pkey, pks.v[i].name);
    if (!prepare(db, &c, "PRAGMA index_list(%Q)", t->name, err)) goto fail;
    while (sqlite3_step(c) == SQLITE_ROW) {
      const char *origin = (const char *)sqlite3_column_text(c, 3);
      if (origin && strcmp(origin, "pk") == 0) continue; /* the primary key's own */
      db_index x = {dup(a, sqlite3_column_text(c, 1)), NULL, 0, sqlite3_column_int(c, 2) != 0};
      sqlite3_stmt *ii;
      if (!prepare(db, &ii, "PRAGMA index_info(%Q)", x.name, err)) goto fail;
      VEC(const char *) cols = {0};
      while (sqlite3_step(ii) == SQLITE_ROW)
        vec_push(a, cols, dup(a, sqlite3_column_text(ii, 2)));
      sqlite3_finalize(ii);
      x.cols = cols.v;
      x.ncols = cols.n;
      vec_push(a, t->indexes, x);
    }
    sqlite3_finalize(c);
    if (!prepare(db, &c, "PRAGMA foreign_key_list(%Q)", t->name, err)) goto fail;
    while (sqlite3_step(c) == SQLITE_ROW) {
      int seq = sqlite3_column_int(c, 1);
      if (seq == 0) {
        db_fk fk = {NULL,
                    NULL,
                    0,
                    dup(a, sqlite3_column_text(c, 2)),
                    NULL,
                    0,
                    dup(a, sqlite3_column_text(c, 6))};
        vec_push(a, t->fks, fk);
      }
      db_fk *fk = &t->fks.v[t->fks.n - 1];
      const char **cols = arena_alloc(a, sizeof(char *) * (size_t)(fk->ncols + 1));
      const char **refs = arena_alloc(a, sizeof(char *) * (size_t)(fk->nref + 1));
      if (fk->ncols) memcpy(cols, fk->cols, sizeof(char *) * (size_t)fk->ncols);
      if (fk->nref) memcpy(refs, fk->ref_cols, sizeof(char *) * (size_t)fk->nref);
      cols[fk->ncols++] = dup(a, sqlite3_column_text(c, 3));
      refs[fk->nref++] = dup(a, sqlite3_column_text(c, 4));
      fk->cols = cols;
      fk->ref_cols = refs;
    }
    sqlite3_finalize(c);
    vec_push(a, s->tables, t);
  }
  sqlite3_finalize(st);
  db_sort(s);
  return s;
fail:
  sqlite3_finalize(st);
  return NULL;
}
