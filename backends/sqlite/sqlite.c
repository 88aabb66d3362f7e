/*
** sqlite.c: the SQLite dialect (lowering.md).
**
** SQLite's ALTER TABLE adds, renames and drops plain columns and renames
** tables; everything else is the 12-step rebuild of lang_altertable.html
** section 7: a new table, the rows copied, the old one dropped, the new one
** renamed, the indexes made again, with foreign keys off around it (outside
** the transaction: PRAGMA foreign_keys cannot change inside one) and checked
** before they are turned back on.  Enums are CHECK constraints, so changing
** one rebuilds the tables that use it.  Index names are synced after every
** operation, so renamed tables and columns keep the derived names.
*/
#include "../backend.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- types and defaults ------------------------------------------------- */

static bool json_stored(const st_field *f) {
  return f->array || f->kind == IR_T_JSON || f->kind == IR_T_FILE || f->kind == IR_T_EMBEDDED;
}

static const char *col_type(const st_field *f) {
  if (f->sensitive || f->kind == IR_T_BYTES) return "BLOB";
  if (json_stored(f)) return "TEXT";
  switch (f->kind) {
  case IR_T_INT:
  case IR_T_SMALLINT:
  case IR_T_BIGINT:
  case IR_T_BOOLEAN: return "INTEGER";
  case IR_T_DECIMAL: return "NUMERIC";
  case IR_T_DOUBLE: return "REAL";
  default: return "TEXT";
  }
}

static const char *check_of(be_ctx *c, const st_schema *s, const st_field *f) {
  const char *col = be_ident(c, f->column);
  if (f->sensitive) return NULL;
  /* json_valid(NULL) is 0 in SQLite 3.40, so a nullable column says so */
  if (json_stored(f))
    return f->nullable ? arena_printf(c->a, "%s IS NULL OR json_valid(%s)", col, col)
                       : arena_printf(c->a, "json_valid(%s)", col);
  if (f->kind == IR_T_BOOLEAN) return arena_printf(c->a, "%s IN (0, 1)", col);
  if (f->kind == IR_T_ENUM) {
    const st_enum *e = st_enum_find(s, f->type_name);
    return arena_printf(c->a, "%s IN (%s)", col,
                        be_string_list(c, e ? e->members.v : NULL, e ? e->members.n : 0));
  }
  return NULL;
}

/* A version-4 UUID from randomblob (lowering.md). */
static const char uuid_expr[] =
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))";

static const char *default_of(be_ctx *c, const st_field *f) {
  switch (f->def) {
  case ST_D_NONE: return NULL;
  case ST_D_NOW: return f->kind == IR_T_DATE ? "CURRENT_DATE" : "CURRENT_TIMESTAMP";
  case ST_D_UUID: return uuid_expr;
  case ST_D_STRING:
  case ST_D_ENUM: return be_string(c, f->def_text);
  case ST_D_BOOLEAN: return strcmp(f->def_text, "true") == 0 ? "1" : "0";
  case ST_D_NUMBER: return f->def_text;
  case ST_D_LITERAL: return be_string(c, be_json_literal(c, f->def_text));
  }
  return NULL;
}

static bool needs_default_expr(const st_field *f) {
  return f->def == ST_D_NOW || f->def == ST_D_UUID;
}

static void put_column(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                       const st_field *f) {
  (void)e; /* MySQL's needs it; one signature serves be_create_table_columns */
  const char *def = default_of(c, f), *chk = check_of(c, s, f);
  const st_entity *t = f->ref_entity ? st_entity_find(s, f->ref_entity) : NULL;
  const st_field *tf = t ? st_field_find(t, f->ref_field) : NULL;
  be_put_column_head(b, c, f, col_type(f), "", def);
  if (chk) {
    strbuf_lit(b, " CHECK (");
    strbuf_puts(b, chk);
    strbuf_lit(b, ")");
  }
  if (tf) {
    strbuf_lit(b, " REFERENCES ");
    be_put_ident(b, c, t->table);
    strbuf_lit(b, " (");
    be_put_ident(b, c, tf->column);
    strbuf_lit(b, ") ON DELETE ");
    strbuf_puts(b, be_on_delete(f->on_delete));
  }
}

static const char *column_def(be_ctx *c, const st_schema *s, const st_entity *e,
                              const st_field *f) {
  return be_column_text(c, s, e, f, put_column);
}

static const char *create_table(be_ctx *c, const st_schema *s, const st_entity *e,
                                const char *name) {
  strbuf b = {0};
  be_create_table_columns(&b, c, s, e, name, put_column);
  if (e->pkey.n)
    strbuf_puts(&b,
                arena_printf(c->a, ",\n  CONSTRAINT %s PRIMARY KEY (%s)", be_ident(c, e->pkey_name),
                             be_columns(c, e, e->pkey.v, e->pkey.n)));
  strbuf_puts(&b, "\n)");
  return strbuf_done(&b, c->a);
}

/* ---- indexes ------------------------------------------------------------ */

typedef struct named_index {
  const st_index *x;
  bool unique;
} named_index;

static int all_indexes(const st_entity *e, named_index *out, int cap) {
  int n = 0;
  for (int i = 0; i < e->uniques.n && n < cap; i++)
    out[n++] = (named_index){e->uniques.v[i], true};
  for (int i = 0; i < e->indexes.n && n < cap; i++)
    out[n++] = (named_index){e->indexes.v[i], false};
  for (int i = 0; i < e->fk_indexes.n && n < cap; i++)
    out[n++] = (named_index){e->fk_indexes.v[i], false};
  return n;
}

static void create_index(be_ctx *c, const st_entity *e, named_index x) {
  be_emit(c->out, NULL, "CREATE %sINDEX %s ON %s (%s)", x.unique ? "UNIQUE " : "",
          be_ident(c, x.x->name), be_ident(c, e->table),
          be_columns(c, e, x.x->fields, x.x->nfields));
}

static bool has_index(named_index *v, int n, const char *name, bool unique) {
  for (int i = 0; i < n; i++)
    if (strcmp(v[i].x->name, name) == 0 && v[i].unique == unique) return true;
  return false;
}

/* Drop the indexes of `was` that `now` lacks, make those it gained. */
static void sync_indexes(be_ctx *c, const st_entity *was, const st_entity *now) {
  named_index a[256], b[256];
  int na = was ? all_indexes(was, a, 256) : 0, nb = now ? all_indexes(now, b, 256) : 0;
  for (int i = 0; i < na; i++)
    if (!now || !has_index(b, nb, a[i].x->name, a[i].unique))
      be_emit(c->out, NULL, "DROP INDEX %s", be_ident(c, a[i].x->name));
  for (int i = 0; i < nb; i++)
    if (!has_index(a, na, b[i].x->name, b[i].unique)) create_index(c, now, b[i]);
}

static void foreign_keys_off(be_ctx *c) {
  be_script *s = c->out;
  for (int i = 0; i < s->pre.n; i++)
    if (strstr(s->pre.v[i].sql, "foreign_keys = OFF")) return;
  be_stmt off = {"PRAGMA foreign_keys = OFF",
                 "rebuilt tables: foreign keys are checked at the end"};
  vec_push(s->a, s->pre, off);
  be_stmt check = {"PRAGMA foreign_key_check", NULL};
  be_stmt on = {"PRAGMA foreign_keys = ON", NULL};
  vec_push(s->a, s->post, check);
  vec_push(s->a, s->post, on);
}

/* ---- the rebuild -------------------------------------------------------- */

static bool is_key(const st_entity *e, const st_field *f) {
  for (int k = 0; k < e->uniques.n; k++)
    for (int j = 0; j < e->uniques.v[k]->nfields; j++)
      if (e->uniques.v[k]->fields[j] == f->name) return true;
  for (int k = 0; k < e->pkey.n; k++)
    if (e->pkey.v[k] == f->name) return true;
  return false;
}

/* What a down script fills a re-added column with: a parent that exists for a
** reference, a value from the row's own rowid for a key (a different one in
** every row), else a value of the type. */
static const char *down_fill(be_ctx *c, const st_entity *e, const st_field *f) {
  if (f->ref_entity) {
    const st_entity *t = st_entity_find(c->after, f->ref_entity);
    const st_field *tf = st_field_find(t, f->ref_field);
    return arena_printf(c->a, "(SELECT %s FROM %s LIMIT 1)", be_ident(c, tf->column),
                        be_ident(c, t->table));
  }
  if (is_key(e, f)) {
    if (strcmp(col_type(f), "INTEGER") == 0 && f->kind != IR_T_BOOLEAN) return "rowid";
    if (f->kind == IR_T_UUID) return "printf('00000000-0000-4000-8000-%012d', rowid)";
    if (f->kind == IR_T_STRING || f->kind == IR_T_DECIMAL || f->kind == IR_T_DOUBLE)
      return "CAST(rowid AS TEXT)";
    if (json_stored(f)) return "json_array(rowid)";
  }
  return f->def != ST_D_NONE && !needs_default_expr(f) ? default_of(c, f)
                                                       : be_placeholder(c, c->after, f);
}

/* How a column of the new table gets its values: its old column, mapped
** enum members, or (a new required column in a down script) a placeholder. */
typedef struct value_map {
  const char *enum_name, *from, *to; /* a renamed member; to NULL: a dropped one */
} value_map;

static void rebuild(be_ctx *c, const st_entity *was, const st_entity *now, const value_map *vm) {
  foreign_keys_off(c);
  const char *tmp = arena_printf(c->a, "__inspire_new_%s", now->table);
  c->out->rebuilds++;
  be_emit(c->out, arena_printf(c->a, "rebuild %s (lang_altertable.html section 7)", now->table),
          "%s", create_table(c, c->after, now, tmp));
  strbuf cols = {0}, vals = {0};
  for (int i = 0; i < now->fields.n; i++) {
    const st_field *f = now->fields.v[i];
    const st_field *old = st_field_find(was, f->name);
    const char *expr;
    if (old) {
      expr = be_ident(c, old->column);
      /* a renamed member follows; rows holding a dropped one take the column's
      ** default, or NULL (docs/backends.md) */
      if (vm && f->kind == IR_T_ENUM && f->type_name == vm->enum_name) {
        const char *to = vm->to ? be_string(c, vm->to) : default_of(c, f);
        expr = arena_printf(c->a, "CASE %s WHEN %s THEN %s ELSE %s END", expr,
                            be_string(c, vm->from), to ? to : "NULL", expr);
      }
      const char *d = default_of(c, f);
      /* nulls take the default; a down script fills them so that the shape
      ** comes back; an up script without a default fails, as it should */
      const char *fill = d ? d : c->down ? be_placeholder(c, c->after, f) : NULL;
      if (old->nullable && !f->nullable && fill)
        expr = arena_printf(c->a, "COALESCE(%s, %s)", expr, fill);
    } else if (c->down && (is_key(now, f) || (!f->nullable && f->def == ST_D_NONE))) {
      expr = down_fill(c, now, f);
    } else {
      continue; /* a new column: its default */
    }
    if (cols.n) strbuf_puts(&cols, ", "), strbuf_puts(&vals, ", ");
    strbuf_puts(&cols, be_ident(c, f->column));
    strbuf_puts(&vals, expr);
  }
  if (cols.n) {
    const char *cl = strbuf_done(&cols, c->a), *vl = strbuf_done(&vals, c->a);
    be_emit(c->out, NULL, "INSERT INTO %s (%s) SELECT %s FROM %s", be_ident(c, tmp), cl, vl,
            be_ident(c, was->table));
  }
  be_emit(c->out, NULL, "DROP TABLE %s", be_ident(c, was->table));
  be_emit(c->out, NULL, "ALTER TABLE %s RENAME TO %s", be_ident(c, tmp), be_ident(c, now->table));
  named_index b[256];
  int nb = all_indexes(now, b, 256);
  for (int i = 0; i < nb; i++)
    create_index(c, now, b[i]);
}

/* ---- operations --------------------------------------------------------- */

static bool needs_expression(const st_field *f) {
  return f->def == ST_D_NOW || f->def == ST_D_UUID;
}

/* What ALTER TABLE ADD COLUMN takes (lang_altertable.html): no key, a
** constant default, NOT NULL only with a default, a reference only when the
** default is NULL. */
static bool can_add(be_ctx *c, const st_entity *now, const st_field *f) {
  for (int i = 0; i < now->pkey.n; i++)
    if (now->pkey.v[i] == f->name) return false;
  if (c->down && is_key(now, f)) return false; /* rows need values of their own */
  if (needs_expression(f)) return false;
  if (!f->nullable && f->def == ST_D_NONE) return false;
  if (f->ref_entity && !(f->nullable && f->def == ST_D_NONE)) return false;
  (void)c;
  return true;
}

/* Only the column name, or the length (which only MySQL stores), changed. */
static bool same_but_name(const st_field *f, const st_field *g) {
  st_field x = *f;
  x.column = g->column;
  x.max_length = g->max_length;
  return st_field_equal(&x, g);
}

/* Tables whose CHECKs name enum en. */
static void rebuild_enum_users(be_ctx *c, const char *en, const value_map *vm) {
  for (int i = 0; i < c->after->entities.n; i++) {
    const st_entity *now = c->after->entities.v[i];
    bool uses = false;
    for (int j = 0; j < now->fields.n; j++)
      if (now->fields.v[j]->kind == IR_T_ENUM && now->fields.v[j]->type_name == en) uses = true;
    if (uses) rebuild(c, st_entity_find(c->before, now->name), now, vm);
  }
}

static void lower_op(be_ctx *c, const ir_op *op) {
  const st_entity *was = op->entity ? st_entity_find(c->before, op->entity) : NULL;
  const char *en = op->kind == OP_RENAME_ENTITY ? op->to : op->entity;
  const st_entity *now = en ? st_entity_find(c->after, en) : NULL;
  switch (op->kind) {
  case OP_CREATE_ENTITY:
    be_emit_text(c->out, NULL, create_table(c, c->after, now, now->table));
    sync_indexes(c, NULL, now);
    break;
  case OP_DROP_ENTITY:
    /* DROP TABLE deletes the rows first, which foreign keys from tables
    ** dropped later in the same plan would refuse: checked at the end instead */
    foreign_keys_off(c);
    be_emit(c->out, NULL, "DROP TABLE %s", be_ident(c, was->table));
    break;
  case OP_RENAME_ENTITY:
  case OP_ALTER_ENTITY:
    if (strcmp(was->table, now->table) != 0)
      be_emit(c->out, NULL, "ALTER TABLE %s RENAME TO %s", be_ident(c, was->table),
              be_ident(c, now->table));
    sync_indexes(c, was, now);
    break;
  case OP_ADD_FIELD: {
    const st_field *f = st_field_find(now, op->field->name);
    if (can_add(c, now, f)) {
      be_emit(c->out, NULL, "ALTER TABLE %s ADD COLUMN %s", be_ident(c, now->table),
              column_def(c, c->after, NULL, f));
      sync_indexes(c, was, now);
    } else {
      rebuild(c, was, now, NULL);
    }
    break;
  }
  case OP_DROP_FIELD: {
    const st_field *f = st_field_find(was, op->name);
    bool key = false;
    for (int i = 0; i < was->pkey.n; i++)
      key |= was->pkey.v[i] == op->name;
    if (key || f->ref_entity) {
      rebuild(c, was, now, NULL);
    } else {
      /* indexes on the column go first: SQLite refuses to drop an indexed column */
      sync_indexes(c, was, now);
      be_emit(c->out, NULL, "ALTER TABLE %s DROP COLUMN %s", be_ident(c, was->table),
              be_ident(c, f->column));
    }
    break;
  }
  case OP_RENAME_FIELD: {
    be_rename_column(c, was->table, st_field_find(was, op->name), st_field_find(now, op->to));
    sync_indexes(c, was, now);
    break;
  }
  case OP_ALTER_FIELD: {
    const st_field *f = st_field_find(was, op->field->name),
                   *g = st_field_find(now, op->field->name);
    if (same_but_name(f, g)) {
      /* only the column name (or the MySQL-only length) changed */
      be_rename_column(c, was->table, f, g);
      sync_indexes(c, was, now);
    } else {
      rebuild(c, was, now, NULL);
    }
    break;
  }
  case OP_CREATE_ENUM:
  case OP_DROP_ENUM:
  case OP_RENAME_ENUM: break; /* enums live in the columns' CHECKs */
  case OP_ADD_VALUE: rebuild_enum_users(c, op->entity, NULL); break;
  case OP_DROP_VALUE: {
    value_map vm = {op->entity, op->name, NULL};
    rebuild_enum_users(c, op->entity, &vm);
    break;
  }
  case OP_RENAME_VALUE: {
    value_map vm = {op->entity, op->name, op->to};
    rebuild_enum_users(c, op->entity, &vm);
    break;
  }
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE: sync_indexes(c, was, now); break;
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY: rebuild(c, was, now, NULL); break;
  case OP_BACKFILL: be_backfill(c, now, op, default_of); break;
  case OP_SQL: be_emit(c->out, NULL, "%s", op->sql); break;
  default: break;
  }
}

/* Each table with its references in it, in any order: SQLite checks them
** only when rows change, so cycles are fine. */
static void create_entity(be_ctx *c, const st_schema *s, const st_entity *e) {
  be_emit_text(c->out, NULL, create_table(c, s, e, e->table));
  sync_indexes(c, NULL, e);
}

/* ---- the database a state makes ----------------------------------------- */

static db_column expected_column(be_ctx *c, const st_schema *s, const st_entity *e,
                                 const st_field *f) {
  (void)e;
  /* SQLite stores an expression default without its outer parentheses */
  const char *def = default_of(c, f);
  if (def && def[0] == '(') def = arena_strndup(c->a, def + 1, strlen(def) - 2);
  return (db_column){f->column, col_type(f), def, check_of(c, s, f), !f->nullable};
}

static db_schema *expected(be_ctx *c, const st_schema *s) {
  return be_expected_tables(c, s, expected_column, false);
}

/* SQLite keeps every table name starting with sqlite_ (any case) for itself. */
static const char *name_problem(arena *a, int kind, const char *name) {
  if (kind == BE_NAME_TABLE && strncasecmp(name, "sqlite_", 7) == 0)
    return arena_printf(a, "table name '%s' starts with 'sqlite_', which SQLite keeps for itself",
                        name);
  return NULL;
}

const be_dialect be_sqlite = {.name = "sqlite",
                              .quote = '"',
                              .lower_op = lower_op,
                              .create_entity = create_entity,
                              .expected = expected,
                              .name_problem = name_problem,
                              .max_columns = 2000, /* SQLITE_MAX_COLUMN */
                              .empty_bytes = "x''",
                              .empty_array = "'[]'",
                              .false_value = "0",
                              .epoch = "'1970-01-01 00:00:00'"};
