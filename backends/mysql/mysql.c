/*
** mysql.c: the MySQL dialect (lowering.md), proven on MariaDB 10.11.
**
** Three things shape it.  Enum types are inline (`enum('A','B')`), so an enum
** operation rewrites every column of that enum with MODIFY COLUMN.  A text
** column cannot be indexed without a length, so a string column's type
** depends on its keys (the varchar rule), and a change of keys may change a
** column's type.  And InnoDB wants an index under every foreign key at every
** moment, so keys change in an order that never leaves a reference bare:
** references that go, renames, new indexes, the primary key, old indexes,
** then references that come.
**
** Tables are created with utf8mb4 and its binary collation: names and
** values compare byte for byte, as on Postgres and SQLite, so enum labels
** that differ in case and unique keys behave the same on every engine.
*/
#include "../backend.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_OPTIONS " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

/* ---- types and defaults ------------------------------------------------- */

static bool in_list(const char *const *v, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (v[i] == name) return true;
  return false;
}

/* In a key of its entity: such a string column must have a bounded type. */
static bool keyed(const st_entity *e, const st_field *f) {
  if (f->ref_entity || in_list(e->pkey.v, e->pkey.n, f->name)) return true;
  for (int k = 0; k < 3; k++) {
    int n;
    st_index *const *v = be_index_group(e, k, &n);
    for (int i = 0; i < n; i++)
      if (in_list(v[i]->fields, v[i]->nfields, f->name)) return true;
  }
  return false;
}

static const char *enum_type(be_ctx *c, const st_schema *s, const char *name) {
  const st_enum *e = st_enum_find(s, name);
  strbuf b = {0};
  strbuf_puts(&b, "enum(");
  for (int i = 0; e && i < e->members.n; i++) {
    if (i) strbuf_puts(&b, ", ");
    strbuf_puts(&b, be_string(c, e->members.v[i]));
  }
  strbuf_puts(&b, ")");
  return strbuf_done(&b, c->a);
}

static const char *col_type(be_ctx *c, const st_schema *s, const st_entity *e, const st_field *f) {
  if (f->sensitive || f->kind == IR_T_BYTES) return "longblob";
  if (f->array || be_json_kind(f->kind)) return "json";
  switch (f->kind) {
  case IR_T_INT: return "int";
  case IR_T_SMALLINT: return "smallint";
  case IR_T_BIGINT: return "bigint";
  case IR_T_DOUBLE: return "double";
  case IR_T_DECIMAL: return arena_printf(c->a, "decimal(%d,%d)", f->precision, f->scale);
  case IR_T_BOOLEAN: return "tinyint(1)";
  case IR_T_DATE: return "date";
  case IR_T_DATETIME: return "datetime(6)";
  case IR_T_UUID: return "char(36)";
  case IR_T_ENUM: return enum_type(c, s, f->type_name);
  default:
    if (f->max_length > 0 && f->max_length <= 16383)
      return arena_printf(c->a, "varchar(%d)", f->max_length);
    return keyed(e, f) ? "varchar(255)" : "text";
  }
}

/* text, blob and json columns: no key without a length, and a literal
** default only as an expression in parentheses (MySQL 8.0.13) */
static bool unbounded(const char *type) {
  return strcmp(type, "text") == 0 || strcmp(type, "longblob") == 0 || strcmp(type, "json") == 0;
}

/* An ISO 8601 time as MySQL reads a datetime: UTC, `YYYY-MM-DD
** hh:mm:ss.ffffff`, since datetime(6) keeps no zone and MariaDB takes neither
** `Z` nor an offset. */
static const char *mysql_datetime(be_ctx *c, const char *iso) {
  const char *t = be_utc_datetime(c->a, iso);
  return be_string(c, t ? t : iso);
}

static const char *default_of(be_ctx *c, const st_field *f) {
  switch (f->def) {
  case ST_D_NONE: return NULL;
  case ST_D_NOW: return f->kind == IR_T_DATE ? "(curdate())" : "CURRENT_TIMESTAMP(6)";
  case ST_D_UUID: return "(uuid())";
  case ST_D_STRING:
    if (f->kind == IR_T_DATETIME && !f->array) return mysql_datetime(c, f->def_text);
    return be_string(c, f->def_text);
  case ST_D_ENUM: return be_string(c, f->def_text);
  case ST_D_BOOLEAN: return strcmp(f->def_text, "true") == 0 ? "1" : "0";
  case ST_D_NUMBER: return f->def_text;
  case ST_D_LITERAL: return be_string(c, be_json_literal(c, f->def_text));
  }
  return NULL;
}

static const char *default_for(be_ctx *c, const char *type, const st_field *f) {
  const char *d = default_of(c, f);
  if (d && d[0] == '\'' && unbounded(type)) return arena_printf(c->a, "(%s)", d);
  return d;
}

static void put_column(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                       const st_field *f) {
  const char *type = col_type(c, s, e, f);
  be_put_column_head(b, c, f, type, " NULL", default_for(c, type, f));
}

static const char *column_def(be_ctx *c, const st_schema *s, const st_entity *e,
                              const st_field *f) {
  return be_column_text(c, s, e, f, put_column);
}

/* ---- keys --------------------------------------------------------------- */

/* Bytes a value of the column type takes in an InnoDB row or key (utf8mb4:
** four bytes a character); text, json and blobs count their row pointer. */
static long column_bytes(const char *type) {
  static const struct {
    const char *type;
    long bytes;
  } fixed[] = {{"int", 4},        {"smallint", 2}, {"bigint", 8},      {"double", 8},
               {"tinyint(1)", 1}, {"date", 3},     {"datetime(6)", 8}, {"char(36)", 144}};
  /* the first byte rules out most: called for every column */
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    if (type[0] == fixed[i].type[0] && strcmp(type, fixed[i].type) == 0) return fixed[i].bytes;
  if (strncmp(type, "varchar(", 8) == 0) {
    long n = atol(type + 8) * 4;
    return n + (n > 255 ? 2 : 1);
  }
  if (strncmp(type, "decimal(", 8) == 0) { /* 4 bytes per 9 digits on each side */
    static const int rest[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
    const char *comma = strchr(type, ',');
    long p = atol(type + 8), sc = comma ? atol(comma + 1) : 0, in = p - sc;
    return in / 9 * 4 + rest[in % 9] + sc / 9 * 4 + rest[sc % 9];
  }
  if (strncmp(type, "enum(", 5) == 0) return 2;
  return 12;
}

#define MYSQL_KEY_BYTES 3072
#define MYSQL_ROW_BYTES 65535

/* What MySQL cannot build, refused (E0801) rather than emitted: a key on a
** column it cannot index (json, blobs: no prefix form MySQL 8 and MariaDB
** both take, and a prefix would change what a unique key means), a key over
** 3072 bytes, a row over 65535. */
static void check_entity(be_ctx *c, const st_schema *s, const st_entity *e) {
  /* each column's type made once: making it (keyed, enum_type) was most of
  ** the check */
  const char **types = arena_alloc(c->a, sizeof(char *) * (size_t)(e->fields.n + 1));
  for (int i = 0; i < e->fields.n; i++)
    types[i] = col_type(c, s, e, e->fields.v[i]);
  be_key keys[256];
  int nk = be_keys_of(c, s, e, keys, 256, NULL, NULL);
  for (int i = 0; i < nk; i++) {
    if (keys[i].kind == BE_FK) continue;
    const char *key = keys[i].kind == BE_PKEY ? "the primary key" : keys[i].name;
    long bytes = 0;
    for (int j = 0; j < keys[i].nfields; j++) {
      int at = st_field_index(e, keys[i].fields[j]);
      const st_field *f = at < 0 ? NULL : e->fields.v[at];
      const char *type = f ? types[at] : "";
      if (f && unbounded(type))
        be_problem(c->out,
                   "key %s of %s is on field %s, stored as %s, which MySQL cannot index; key "
                   "other fields, or lower for postgres or sqlite",
                   key, e->name, f->name, type);
      else if (f) /* a key counts a varchar's characters, not its length bytes */
        bytes += strncmp(type, "varchar(", 8) == 0 ? atol(type + 8) * 4 : column_bytes(type);
    }
    if (bytes > MYSQL_KEY_BYTES)
      be_problem(c->out,
                 "key %s of %s takes %ld bytes, over MySQL's %d; give its string fields a "
                 "smaller @maxLength (a character takes 4 bytes)",
                 key, e->name, bytes, MYSQL_KEY_BYTES);
  }
  long row = (e->fields.n + 7) / 8; /* the NULL flags */
  for (int i = 0; i < e->fields.n; i++)
    row += column_bytes(types[i]);
  if (row > MYSQL_ROW_BYTES)
    be_problem(c->out,
               "a row of %s takes %ld bytes, over MySQL's %d; give its string fields a smaller "
               "@maxLength, or none (text is stored apart from the row)",
               e->name, row, MYSQL_ROW_BYTES);
}

static void drop_key(be_ctx *c, const st_entity *e, const be_key *k) {
  const char *t = be_ident(c, e->table);
  switch (k->kind) {
  case BE_PKEY: be_emit(c->out, NULL, "ALTER TABLE %s DROP PRIMARY KEY", t); break;
  case BE_FK:
    be_emit(c->out, NULL, "ALTER TABLE %s DROP FOREIGN KEY %s", t, be_ident(c, k->name));
    break;
  default: be_emit(c->out, NULL, "ALTER TABLE %s DROP INDEX %s", t, be_ident(c, k->name)); break;
  }
}

static void make_key(be_ctx *c, const st_entity *e, const be_key *k) {
  const char *t = be_ident(c, e->table), *cols = be_columns(c, e, k->fields, k->nfields);
  switch (k->kind) {
  case BE_PKEY: be_emit(c->out, NULL, "ALTER TABLE %s ADD PRIMARY KEY (%s)", t, cols); break;
  case BE_UNIQUE:
    be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s UNIQUE (%s)", t, be_ident(c, k->name),
            cols);
    break;
  case BE_INDEX:
    be_emit(c->out, NULL, "CREATE INDEX %s ON %s (%s)", be_ident(c, k->name), t, cols);
    break;
  case BE_FK:
    be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s %s", t, be_ident(c, k->name),
            be_fk_clause(c, c->after, st_field_find(e, k->fields[0])));
    break;
  }
}

/* The column of `now` named `name` made to match its definition, from the
** field it was; with the NULLs filled first when it becomes required. */
static void modify_column(be_ctx *c, const st_entity *was, const st_field *f, const st_entity *now,
                          const st_field *g) {
  const char *t = be_ident(c, now->table), *col = be_ident(c, g->column);
  const char *want = column_def(c, c->after, now, g);
  if (f && strcmp(column_def(c, c->before, was, f) + strlen(be_ident(c, f->column)),
                  want + strlen(col)) == 0)
    return;
  if (f && f->nullable && !g->nullable) {
    const char *fill = default_of(c, g);
    if (!fill && c->down) fill = be_placeholder(c, c->after, g);
    if (fill) be_emit_fill(c, now, g, fill, true, 0);
  }
  be_emit(c->out, NULL, "ALTER TABLE %s MODIFY COLUMN %s", t, want);
}

/* Columns whose type follows from the keys (the varchar rule), changed in
** the direction the keys allow: bounded before keys come, unbounded after
** they go.  `alter` is a field the operation itself changes, or NULL. */
static void retype_columns(be_ctx *c, const st_entity *was, const st_entity *now, const char *from,
                           const char *to, const char *alter, bool to_unbounded) {
  for (int i = 0; i < now->fields.n; i++) {
    const st_field *g = now->fields.v[i];
    const char *old = g->name == to && from ? from : g->name;
    const st_field *f = st_field_find(was, old);
    if (!f) continue;
    if (unbounded(col_type(c, c->after, now, g)) != to_unbounded) continue;
    if (g->name != alter &&
        strcmp(col_type(c, c->before, was, f), col_type(c, c->after, now, g)) == 0)
      continue;
    modify_column(c, was, f, now, g);
  }
}

/* Keys of `was` (fields renamed from -> to) against those of `now`, in an
** order that keeps an index under every reference at every step. */
static void sync_keys(be_ctx *c, const st_entity *was, const st_entity *now, const char *from,
                      const char *to, const char *alter) {
  be_key a[256], b[256];
  int na = be_keys_of(c, c->before, was, a, 256, from, to);
  for (int i = 0; alter && i < na; i++) /* the operation dropped the field's own reference */
    if (a[i].kind == BE_FK && a[i].fields[0] == alter) a[i--] = a[--na];
  int nb = be_keys_of(c, c->after, now, b, 256, NULL, NULL);
  int *match = arena_alloc(c->a, sizeof(int) * (size_t)(na + 1));
  bool *taken = arena_alloc(c->a, (size_t)nb + 1);
  for (int i = 0; i < na; i++) {
    match[i] = -1;
    for (int k = 0; k < nb && match[i] < 0; k++)
      if (!taken[k] && be_same_key(&a[i], &b[k])) match[i] = k;
    /* a reference cannot be renamed: it goes and comes back */
    if (match[i] >= 0 && a[i].kind == BE_FK && strcmp(a[i].name, b[match[i]].name) != 0)
      match[i] = -1;
    if (match[i] >= 0) taken[match[i]] = true;
  }
  for (int i = 0; i < na; i++)
    if (a[i].kind == BE_FK && match[i] < 0) drop_key(c, now, &a[i]);
  for (int i = 0; i < na; i++) {
    if (match[i] < 0 || a[i].kind == BE_PKEY || strcmp(a[i].name, b[match[i]].name) == 0) continue;
    be_emit(c->out, NULL, "ALTER TABLE %s RENAME INDEX %s TO %s", be_ident(c, now->table),
            be_ident(c, a[i].name), be_ident(c, b[match[i]].name));
  }
  retype_columns(c, was, now, from, to, alter, false);
  for (int k = 0; k < nb; k++)
    if (!taken[k] && (b[k].kind == BE_UNIQUE || b[k].kind == BE_INDEX)) make_key(c, now, &b[k]);
  int old_pk = -1, new_pk = -1;
  for (int i = 0; i < na; i++)
    if (a[i].kind == BE_PKEY && match[i] < 0) old_pk = i;
  for (int k = 0; k < nb; k++)
    if (b[k].kind == BE_PKEY && !taken[k]) new_pk = k;
  if (old_pk >= 0 && new_pk >= 0) /* one statement: the table is never without both */
    be_emit(c->out, NULL, "ALTER TABLE %s DROP PRIMARY KEY, ADD PRIMARY KEY (%s)",
            be_ident(c, now->table), be_columns(c, now, b[new_pk].fields, b[new_pk].nfields));
  else if (old_pk >= 0)
    drop_key(c, now, &a[old_pk]);
  else if (new_pk >= 0)
    make_key(c, now, &b[new_pk]);
  for (int i = 0; i < na; i++)
    if ((a[i].kind == BE_UNIQUE || a[i].kind == BE_INDEX) && match[i] < 0) drop_key(c, now, &a[i]);
  retype_columns(c, was, now, from, to, alter, true);
  for (int k = 0; k < nb; k++)
    if (!taken[k] && b[k].kind == BE_FK) make_key(c, now, &b[k]);
}

/* ---- operations --------------------------------------------------------- */

static const char *create_table(be_ctx *c, const st_schema *s, const st_entity *e, bool with_fks) {
  strbuf b = {0};
  be_create_table_columns(&b, c, s, e, e->table, put_column);
  check_entity(c, s, e);
  if (e->pkey.n)
    strbuf_puts(
        &b, arena_printf(c->a, ",\n  PRIMARY KEY (%s)", be_columns(c, e, e->pkey.v, e->pkey.n)));
  for (int k = 0; k < 3; k++) {
    int n;
    st_index *const *v = be_index_group(e, k, &n);
    for (int i = 0; i < n; i++)
      strbuf_puts(&b, arena_printf(c->a, ",\n  %s %s%s (%s)", k ? "INDEX" : "CONSTRAINT",
                                   be_ident(c, v[i]->name), k ? "" : " UNIQUE",
                                   be_columns(c, e, v[i]->fields, v[i]->nfields)));
  }
  for (int i = 0; with_fks && i < e->fields.n; i++) {
    const st_field *f = e->fields.v[i];
    if (f->ref_entity)
      strbuf_puts(&b, arena_printf(c->a, ",\n  CONSTRAINT %s %s",
                                   be_ident(c, ir_key_name(c->a, e->table, &f->column, 1, "fkey")),
                                   be_fk_clause(c, s, f)));
  }
  strbuf_puts(&b, "\n)" TABLE_OPTIONS);
  return strbuf_done(&b, c->a);
}

static void add_column(be_ctx *c, const st_entity *now, const st_field *f) {
  const char *t = be_ident(c, now->table);
  if (c->down && !f->nullable && f->def == ST_D_NONE) {
    /* the shape comes back, not the data: rows get a value of the type */
    st_field tmp = *f;
    tmp.nullable = true;
    be_emit(c->out, NULL, "ALTER TABLE %s ADD COLUMN %s", t, column_def(c, c->after, now, &tmp));
    const char *fill = be_placeholder(c, c->after, f);
    if (f->ref_entity) {
      /* through a derived table: MySQL reads no table it is updating */
      const st_entity *p = st_entity_find(c->after, f->ref_entity);
      const char *pc = be_ident(c, st_field_find(p, f->ref_field)->column);
      fill = arena_printf(c->a, "(SELECT %s FROM (SELECT %s FROM %s LIMIT 1) AS %s)", pc, pc,
                          be_ident(c, p->table), be_ident(c, "parent"));
    }
    be_emit(c->out, NULL, "UPDATE %s SET %s = %s", t, be_ident(c, f->column), fill);
    be_emit(c->out, NULL, "ALTER TABLE %s MODIFY COLUMN %s", t, column_def(c, c->after, now, f));
    return;
  }
  be_emit(c->out, NULL, "ALTER TABLE %s ADD COLUMN %s", t, column_def(c, c->after, now, f));
}

/* Every column of enum `en`, in the state after the operation. */
typedef void (*enum_column_fn)(be_ctx *c, const st_entity *was, const st_field *f,
                               const st_entity *now, const st_field *g, const void *arg);

static void each_enum_column(be_ctx *c, const char *was_name, const char *now_name,
                             enum_column_fn fn, const void *arg) {
  for (int i = 0; i < c->after->entities.n; i++) {
    const st_entity *now = c->after->entities.v[i];
    const st_entity *was = st_entity_find(c->before, now->name);
    for (int j = 0; was && j < now->fields.n; j++) {
      const st_field *g = now->fields.v[j], *f = st_field_find(was, g->name);
      if (f && g->kind == IR_T_ENUM && g->type_name == now_name && f->type_name == was_name)
        fn(c, was, f, now, g, arg);
    }
  }
}

static void enum_modify(be_ctx *c, const st_entity *was, const st_field *f, const st_entity *now,
                        const st_field *g, const void *arg) {
  (void)arg;
  modify_column(c, was, f, now, g);
}

/* rows holding the dropped member take the column's default, or NULL */
static void enum_drop_member(be_ctx *c, const st_entity *was, const st_field *f,
                             const st_entity *now, const st_field *g, const void *member) {
  const char *d = default_of(c, g);
  be_emit(c->out, NULL, "UPDATE %s SET %s = %s WHERE %s = %s", be_ident(c, now->table),
          be_ident(c, g->column), d ? d : "NULL", be_ident(c, g->column), be_string(c, member));
  modify_column(c, was, f, now, g);
}

/* both labels allowed while the rows move from the old to the new one */
static void enum_rename_member(be_ctx *c, const st_entity *was, const st_field *f,
                               const st_entity *now, const st_field *g, const void *arg) {
  const ir_op *op = arg;
  const char *t = be_ident(c, now->table), *col = be_ident(c, g->column);
  const char *both = enum_type(c, c->after, g->type_name);
  both = arena_printf(c->a, "%.*s, %s)", (int)strlen(both) - 1, both, be_string(c, op->name));
  be_emit(c->out, NULL, "ALTER TABLE %s MODIFY COLUMN %s %s%s", t, col, both,
          g->nullable ? " NULL" : " NOT NULL");
  be_emit(c->out, NULL, "UPDATE %s SET %s = %s WHERE %s = %s", t, col, be_string(c, op->to), col,
          be_string(c, op->name));
  modify_column(c, was, NULL, now, g);
  (void)f;
}

static void lower_op(be_ctx *c, const ir_op *op) {
  const st_entity *was = op->entity ? st_entity_find(c->before, op->entity) : NULL;
  const char *en = op->kind == OP_RENAME_ENTITY ? op->to : op->entity;
  const st_entity *now = en ? st_entity_find(c->after, en) : NULL;
  switch (op->kind) {
  case OP_CREATE_ENTITY: be_emit_text(c->out, NULL, create_table(c, c->after, now, true)); break;
  case OP_DROP_ENTITY: be_emit(c->out, NULL, "DROP TABLE %s", be_ident(c, was->table)); break;
  case OP_RENAME_ENTITY:
  case OP_ALTER_ENTITY:
    if (strcmp(was->table, now->table) != 0)
      be_emit(c->out, NULL, "ALTER TABLE %s RENAME TO %s", be_ident(c, was->table),
              be_ident(c, now->table));
    sync_keys(c, was, now, NULL, NULL, NULL);
    break;
  case OP_ADD_FIELD:
    add_column(c, now, st_field_find(now, op->field->name));
    sync_keys(c, was, now, NULL, NULL, NULL);
    break;
  case OP_DROP_FIELD:
    sync_keys(c, was, now, NULL, NULL, NULL);
    be_emit(c->out, NULL, "ALTER TABLE %s DROP COLUMN %s", be_ident(c, was->table),
            be_ident(c, st_field_find(was, op->name)->column));
    break;
  case OP_RENAME_FIELD: {
    be_rename_column(c, was->table, st_field_find(was, op->name), st_field_find(now, op->to));
    sync_keys(c, was, now, op->name, op->to, NULL);
    break;
  }
  case OP_ALTER_FIELD: {
    /* a reference goes before the column changes and comes back after */
    const char *name = op->field->name;
    be_key a[256];
    int na = be_keys_of(c, c->before, was, a, 256, NULL, NULL);
    for (int i = 0; i < na; i++)
      if (a[i].kind == BE_FK && a[i].fields[0] == name) drop_key(c, was, &a[i]);
    be_rename_column(c, was->table, st_field_find(was, name), st_field_find(now, name));
    sync_keys(c, was, now, NULL, NULL, name);
    break;
  }
  /* enum types live in their columns */
  case OP_CREATE_ENUM:
  case OP_DROP_ENUM: break;
  case OP_RENAME_ENUM: each_enum_column(c, op->entity, op->to, enum_modify, NULL); break;
  case OP_ADD_VALUE: each_enum_column(c, op->entity, op->entity, enum_modify, NULL); break;
  case OP_DROP_VALUE:
    each_enum_column(c, op->entity, op->entity, enum_drop_member, op->name);
    break;
  case OP_RENAME_VALUE: each_enum_column(c, op->entity, op->entity, enum_rename_member, op); break;
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY: sync_keys(c, was, now, NULL, NULL, NULL); break;
  case OP_BACKFILL: be_backfill(c, now, op, default_of); break;
  case OP_SQL: be_emit(c->out, NULL, "%s", op->sql); break;
  default: break;
  }
  if (now && op->kind != OP_CREATE_ENTITY) check_entity(c, c->after, now);
}

/* Tables with their indexes, then the references: any order of tables then
** works, cycles included. */
static void create_entity(be_ctx *c, const st_schema *s, const st_entity *e) {
  be_emit_text(c->out, NULL, create_table(c, s, e, false));
}

/* MySQL takes no name ending in a blank, no character past U+FFFF, and
** stores a table as a file named after it, each byte other than [A-Za-z0-9_]
** spelled @XXXX: the file system takes 255 bytes with the suffix. */
static const char *name_problem(arena *a, int kind, const char *name) {
  size_t n = strlen(name), file = 0;
  if (n && strchr(" \t\n\v\f\r", name[n - 1]))
    return arena_printf(a, "MySQL takes no name ending in a blank ('%s')", name);
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    if (*p >= 0xF0)
      return arena_printf(a, "MySQL names hold no character past U+FFFF (emoji): '%s'", name);
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '_';
    if ((*p & 0xC0) != 0x80) file += plain ? 1 : 5;
  }
  if (kind == BE_NAME_TABLE && file + 4 > 255)
    return arena_printf(a,
                        "MySQL stores table '%s' in a file whose name would be %zu bytes, and "
                        "the file system takes 255; @map a plainer name",
                        name, file + 4);
  return NULL;
}

/* information_schema keeps defaults in utf8mb3: a character past U+FFFF
** reads back as four '?' (the default itself is right: a row shows it). */
static const char *as_metadata(arena *a, const char *text) {
  if (!text) return NULL;
  strbuf b = {0};
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (*p >= 0xF0 && p[1] && p[2] && p[3]) {
      strbuf_puts(&b, "????");
      p += 3;
    } else {
      strbuf_put(&b, (const char *)p, 1);
    }
  }
  return strbuf_done(&b, a);
}

/* ---- the expected model ------------------------------------------------ */

/* A column's type as introspection reports it: integer display widths
** dropped (MariaDB shows int(11), MySQL 8 int), enums as enum('A','B'). */
static db_column expected_column(be_ctx *c, const st_schema *s, const st_entity *e,
                                 const st_field *f) {
  const char *type = col_type(c, s, e, f);
  if (f->kind == IR_T_ENUM && !f->array && !f->sensitive) {
    const st_enum *en = st_enum_find(s, f->type_name);
    type = db_enum_text(c->a, NULL, en ? en->members.v : NULL, en ? en->members.n : 0);
  }
  return (db_column){f->column, type,
                     as_metadata(c->a, be_canon_default(c->a, type, default_of(c, f), true)), NULL,
                     !f->nullable};
}

static db_schema *expected(be_ctx *c, const st_schema *s) {
  return be_expected_tables(c, s, expected_column, true);
}

const be_dialect be_mysql = {.name = "mysql",
                             .quote = '`',
                             .backslash_escapes = true,
                             .lower_op = lower_op,
                             .create_entity = create_entity,
                             .references = true,
                             .expected = expected,
                             .name_problem = name_problem,
                             .max_columns = 1017, /* InnoDB's limit */
                             .empty_bytes = "''",
                             .empty_array = "'[]'",
                             .false_value = "0",
                             .epoch = "'1970-01-01 00:00:00'"};
