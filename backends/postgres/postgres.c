/*
** postgres.c: the Postgres dialect (lowering.md).
**
** Postgres alters almost everything in place.  Keys and indexes are kept in
** step by one function, sync_keys, which compares the entity before and after
** an operation: a key whose derived name changed is renamed, one that went is
** dropped, one that came is made.  Enum members are added outside the
** migration's transaction (a new value cannot be used in the transaction that
** added it); removing one rebuilds the type, and rows that held it take the
** column's default or NULL, as on SQLite.
*/
#include "../backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- types and defaults ------------------------------------------------- */

static const char *base_type(be_ctx *c, const st_schema *s, const st_field *f) {
  switch (f->kind) {
  case IR_T_INT: return "integer";
  case IR_T_SMALLINT: return "smallint";
  case IR_T_BIGINT: return "bigint";
  case IR_T_DOUBLE: return "double precision";
  case IR_T_DECIMAL: return arena_printf(c->a, "numeric(%d, %d)", f->precision, f->scale);
  case IR_T_BOOLEAN: return "boolean";
  case IR_T_DATE: return "date";
  case IR_T_DATETIME: return "timestamptz";
  case IR_T_UUID: return "uuid";
  case IR_T_BYTES: return "bytea";
  case IR_T_ENUM: {
    const st_enum *e = st_enum_find(s, f->type_name);
    return be_ident(c, e ? e->db_name : f->type_name);
  }
  default: return be_json_kind(f->kind) ? "jsonb" : "text";
  }
}

static const char *col_type(be_ctx *c, const st_schema *s, const st_field *f) {
  if (f->sensitive) return "bytea";
  if (f->array && be_json_kind(f->kind)) return "jsonb"; /* the digest: arrays of JSON are jsonb */
  return f->array ? arena_printf(c->a, "%s[]", base_type(c, s, f)) : base_type(c, s, f);
}

/* A JSON array of scalars as the text of a Postgres array: {"a","b"}, {1,2}. */
static const char *pg_array_text(be_ctx *c, const char *json) {
  char *out = arena_alloc(c->a, strlen(json) * 2 + 3);
  size_t o = 0;
  out[o++] = '{';
  const char *p = json;
  while (*p && *p != '[')
    p++;
  if (*p) p++;
  bool first = true;
  while (*p && *p != ']') {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == ']' || !*p) break;
    if (!first) out[o++] = ',';
    first = false;
    if (*p == '"') {
      out[o++] = '"';
      p++;
      while (*p && *p != '"') {
        if (*p == '\\' && p[1]) {
          out[o++] = '\\';
          out[o++] = p[1];
          p += 2;
          continue;
        }
        out[o++] = *p++;
      }
      out[o++] = '"';
      if (*p) p++;
    } else {
      while (*p && *p != ',' && *p != ']' && *p != ' ')
        out[o++] = *p++;
    }
  }
  out[o++] = '}';
  out[o] = 0;
  return out;
}

static const char *default_of(be_ctx *c, const st_field *f) {
  switch (f->def) {
  case ST_D_NONE: return NULL;
  case ST_D_NOW: return "now()";
  case ST_D_UUID: return "gen_random_uuid()";
  case ST_D_STRING:
  case ST_D_ENUM: return be_string(c, f->def_text);
  case ST_D_BOOLEAN: return f->def_text;
  case ST_D_NUMBER: return f->def_text;
  case ST_D_LITERAL: {
    const char *json = be_json_literal(c, f->def_text);
    if (f->array && !be_json_kind(f->kind)) return be_string(c, pg_array_text(c, json));
    return be_string(c, json);
  }
  }
  return NULL;
}

static void put_column(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                       const st_field *f) {
  (void)e; /* MySQL's needs it; one signature serves be_create_table_columns */
  be_put_column_head(b, c, f, col_type(c, s, f), "", default_of(c, f));
}

static const char *column_def(be_ctx *c, const st_schema *s, const st_entity *e,
                              const st_field *f) {
  return be_column_text(c, s, e, f, put_column);
}

/* ---- keys --------------------------------------------------------------- */

static void drop_key(be_ctx *c, const st_entity *e, const be_key *k) {
  if (k->kind == BE_INDEX)
    be_emit(c->out, NULL, "DROP INDEX %s", be_ident(c, k->name));
  else
    be_emit(c->out, NULL, "ALTER TABLE %s DROP CONSTRAINT %s", be_ident(c, e->table),
            be_ident(c, k->name));
}

static void make_key(be_ctx *c, const st_schema *s, const st_entity *e, const be_key *k) {
  const char *cols = be_columns(c, e, k->fields, k->nfields);
  switch (k->kind) {
  case BE_PKEY:
    be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s PRIMARY KEY (%s)",
            be_ident(c, e->table), be_ident(c, k->name), cols);
    break;
  case BE_UNIQUE:
    be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s UNIQUE (%s)", be_ident(c, e->table),
            be_ident(c, k->name), cols);
    break;
  case BE_INDEX:
    be_emit(c->out, NULL, "CREATE INDEX %s ON %s (%s)", be_ident(c, k->name), be_ident(c, e->table),
            cols);
    break;
  case BE_FK:
    be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s %s", be_ident(c, e->table),
            be_ident(c, k->name), be_fk_clause(c, s, st_field_find(e, k->fields[0])));
    break;
  }
}

/* Keys of `was` (fields renamed from -> to) against those of `now`: renamed,
** dropped, made.  Drops come first: a primary key goes before another comes. */
static void sync_keys(be_ctx *c, const st_entity *was, const st_entity *now, const char *from,
                      const char *to) {
  be_key a[256], b[256];
  int na = was ? be_keys_of(c, c->before, was, a, 256, from, to) : 0;
  int nb = now ? be_keys_of(c, c->after, now, b, 256, NULL, NULL) : 0;
  bool *matched = arena_alloc(c->a, (size_t)nb + 1);
  /* references first out and last in: they lean on the other keys */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < na; i++) {
      if ((a[i].kind == BE_FK) != (pass == 0)) continue;
      int j = -1;
      for (int k = 0; k < nb && j < 0; k++)
        if (!matched[k] && be_same_key(&a[i], &b[k])) j = k;
      if (j < 0) {
        drop_key(c, now ? now : was, &a[i]); /* the table has its new name by now */
        continue;
      }
      matched[j] = true;
      if (strcmp(a[i].name, b[j].name) == 0) continue;
      if (a[i].kind == BE_INDEX)
        be_emit(c->out, NULL, "ALTER INDEX %s RENAME TO %s", be_ident(c, a[i].name),
                be_ident(c, b[j].name));
      else
        be_emit(c->out, NULL, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s", be_ident(c, now->table),
                be_ident(c, a[i].name), be_ident(c, b[j].name));
    }
  for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < nb; k++)
      if (!matched[k] && (b[k].kind == BE_FK) == (pass == 1)) make_key(c, c->after, now, &b[k]);
}

/* ---- operations --------------------------------------------------------- */

static const char *create_table(be_ctx *c, const st_schema *s, const st_entity *e, bool with_fks) {
  strbuf b = {0};
  be_create_table_columns(&b, c, s, e, e->table, put_column);
  if (e->pkey.n)
    strbuf_puts(&b,
                arena_printf(c->a, ",\n  CONSTRAINT %s PRIMARY KEY (%s)", be_ident(c, e->pkey_name),
                             be_columns(c, e, e->pkey.v, e->pkey.n)));
  for (int i = 0; i < e->uniques.n; i++)
    strbuf_puts(
        &b, arena_printf(c->a, ",\n  CONSTRAINT %s UNIQUE (%s)", be_ident(c, e->uniques.v[i]->name),
                         be_columns(c, e, e->uniques.v[i]->fields, e->uniques.v[i]->nfields)));
  for (int i = 0; with_fks && i < e->fields.n; i++) {
    const st_field *f = e->fields.v[i];
    if (f->ref_entity)
      strbuf_puts(&b, arena_printf(c->a, ",\n  CONSTRAINT %s %s",
                                   be_ident(c, ir_key_name(c->a, e->table, &f->column, 1, "fkey")),
                                   be_fk_clause(c, s, f)));
  }
  strbuf_puts(&b, "\n)");
  return strbuf_done(&b, c->a);
}

static void create_indexes(be_ctx *c, const st_entity *e) {
  for (int k = 1; k < 3; k++) {
    int n;
    st_index *const *v = be_index_group(e, k, &n);
    for (int i = 0; i < n; i++)
      be_emit(c->out, NULL, "CREATE INDEX %s ON %s (%s)", be_ident(c, v[i]->name),
              be_ident(c, e->table), be_columns(c, e, v[i]->fields, v[i]->nfields));
  }
}

static void add_column(be_ctx *c, const st_entity *now, const st_field *f) {
  const char *t = be_ident(c, now->table);
  if (c->down && !f->nullable && f->def == ST_D_NONE) {
    /* the shape comes back, not the data: rows get a value of the type */
    st_field tmp = *f;
    tmp.nullable = true;
    be_emit(c->out, NULL, "ALTER TABLE %s ADD COLUMN %s", t, column_def(c, c->after, NULL, &tmp));
    const char *fill = be_placeholder(c, c->after, f);
    if (f->ref_entity) {
      const st_entity *p = st_entity_find(c->after, f->ref_entity);
      fill =
          arena_printf(c->a, "(SELECT %s FROM %s LIMIT 1)",
                       be_ident(c, st_field_find(p, f->ref_field)->column), be_ident(c, p->table));
    }
    be_emit(c->out, NULL, "UPDATE %s SET %s = %s", t, be_ident(c, f->column), fill);
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", t, be_ident(c, f->column));
    return;
  }
  be_emit(c->out, NULL, "ALTER TABLE %s ADD COLUMN %s", t, column_def(c, c->after, NULL, f));
}

static bool numeric_kind(ir_type_kind k) {
  return k == IR_T_INT || k == IR_T_SMALLINT || k == IR_T_BIGINT || k == IR_T_DOUBLE ||
         k == IR_T_DECIMAL;
}

/* Postgres has a cast between numbers, between date and timestamptz, and
** from and to text; anything else goes through text (lowering.md: "where a
** cast exists"), which works for every value the new type can read. */
static bool direct_cast(const st_field *f, const st_field *g) {
  if (f->array != g->array || f->kind == IR_T_ENUM || g->kind == IR_T_ENUM) return false;
  if (f->kind == g->kind || (numeric_kind(f->kind) && numeric_kind(g->kind))) return true;
  if ((f->kind == IR_T_DATE || f->kind == IR_T_DATETIME) &&
      (g->kind == IR_T_DATE || g->kind == IR_T_DATETIME))
    return true;
  return !f->array && (f->kind == IR_T_STRING || g->kind == IR_T_STRING) &&
         !be_json_kind(f->kind) && f->kind != IR_T_BYTES && g->kind != IR_T_BYTES;
}

/* The value of a column converted to a new type. */
static const char *cast_to(be_ctx *c, const st_field *f, const st_field *g) {
  const char *col = be_ident(c, g->column);
  const char *type = col_type(c, c->after, g);
  if (g->sensitive && !f->sensitive) return arena_printf(c->a, "convert_to(%s::text, 'UTF8')", col);
  if (f->sensitive && !g->sensitive)
    return arena_printf(c->a, "convert_from(%s, 'UTF8')::%s", col, type);
  if (direct_cast(f, g)) return arena_printf(c->a, "%s::%s", col, type);
  return arena_printf(c->a, "%s::text::%s", col, type);
}

static void alter_column(be_ctx *c, const st_entity *was, const st_entity *now, const char *name) {
  const st_field *f = st_field_find(was, name), *g = st_field_find(now, name);
  const char *t = be_ident(c, now->table), *col = be_ident(c, g->column);
  be_rename_column(c, was->table, f, g);
  const char *ft = col_type(c, c->before, f), *gt = col_type(c, c->after, g);
  const char *fd = default_of(c, f), *gd = default_of(c, g);
  bool retype = strcmp(ft, gt) != 0;
  if (retype && fd) be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, col);
  if (retype)
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s", t, col, gt,
            cast_to(c, f, g));
  if (gd && (retype || !fd || strcmp(fd, gd) != 0))
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", t, col, gd);
  if (!gd && fd && !retype)
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, col);
  if (f->nullable && !g->nullable) {
    const char *fill = gd ? gd : c->down ? be_placeholder(c, c->after, g) : NULL;
    if (fill) be_emit_fill(c, now, g, fill, true, 0);
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", t, col);
  } else if (!f->nullable && g->nullable) {
    be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", t, col);
  }
}

static void create_enum(be_ctx *c, const st_enum *e) {
  be_emit(c->out, NULL, "CREATE TYPE %s AS ENUM (%s)", be_ident(c, e->db_name),
          be_string_list(c, e->members.v, e->members.n));
}

/* Remove a member: the type is made again without it (lowering.md). */
static void drop_member(be_ctx *c, const char *en, const char *member) {
  const st_enum *was = st_enum_find(c->before, en), *now = st_enum_find(c->after, en);
  const char *old = arena_printf(c->a, "%s__old", was->db_name);
  be_emit(c->out, NULL, "ALTER TYPE %s RENAME TO %s", be_ident(c, was->db_name), be_ident(c, old));
  create_enum(c, now);
  for (int i = 0; i < c->after->entities.n; i++) {
    const st_entity *e = c->after->entities.v[i];
    for (int j = 0; j < e->fields.n; j++) {
      const st_field *f = e->fields.v[j];
      if (f->kind != IR_T_ENUM || f->type_name != en) continue;
      const char *t = be_ident(c, e->table), *col = be_ident(c, f->column), *d = default_of(c, f);
      const char *type = col_type(c, c->after, f);
      be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, col);
      /* rows holding the dropped member take the default, or NULL */
      be_emit(c->out, NULL,
              "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING (CASE %s::text WHEN %s THEN %s ELSE "
              "%s::text END)::%s",
              t, col, type, col, be_string(c, member), d ? d : "NULL", col,
              be_ident(c, now->db_name));
      if (d) be_emit(c->out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", t, col, d);
    }
  }
  be_emit(c->out, NULL, "DROP TYPE %s", be_ident(c, old));
}

static void lower_op(be_ctx *c, const ir_op *op) {
  const st_entity *was = op->entity ? st_entity_find(c->before, op->entity) : NULL;
  const char *en = op->kind == OP_RENAME_ENTITY ? op->to : op->entity;
  const st_entity *now = en ? st_entity_find(c->after, en) : NULL;
  switch (op->kind) {
  case OP_CREATE_ENTITY:
    be_emit_text(c->out, NULL, create_table(c, c->after, now, true));
    create_indexes(c, now);
    break;
  case OP_DROP_ENTITY: be_emit(c->out, NULL, "DROP TABLE %s", be_ident(c, was->table)); break;
  case OP_RENAME_ENTITY:
  case OP_ALTER_ENTITY:
    if (strcmp(was->table, now->table) != 0)
      be_emit(c->out, NULL, "ALTER TABLE %s RENAME TO %s", be_ident(c, was->table),
              be_ident(c, now->table));
    sync_keys(c, was, now, NULL, NULL);
    break;
  case OP_ADD_FIELD:
    add_column(c, now, st_field_find(now, op->field->name));
    sync_keys(c, was, now, NULL, NULL);
    break;
  case OP_DROP_FIELD:
    sync_keys(c, was, now, NULL, NULL);
    be_emit(c->out, NULL, "ALTER TABLE %s DROP COLUMN %s", be_ident(c, was->table),
            be_ident(c, st_field_find(was, op->name)->column));
    break;
  case OP_RENAME_FIELD: {
    be_rename_column(c, was->table, st_field_find(was, op->name), st_field_find(now, op->to));
    sync_keys(c, was, now, op->name, op->to);
    break;
  }
  case OP_ALTER_FIELD: {
    /* a reference goes before the column changes and comes back after */
    be_key a[256];
    int na = be_keys_of(c, c->before, was, a, 256, NULL, NULL);
    for (int i = 0; i < na; i++)
      if (a[i].kind == BE_FK && a[i].fields[0] == op->field->name) drop_key(c, was, &a[i]);
    alter_column(c, was, now, op->field->name);
    sync_keys(c, be_without_ref(c, was, op->field->name), now, NULL, NULL);
    break;
  }
  case OP_CREATE_ENUM: create_enum(c, st_enum_find(c->after, op->entity)); break;
  case OP_DROP_ENUM:
    be_emit(c->out, NULL, "DROP TYPE %s",
            be_ident(c, st_enum_find(c->before, op->entity)->db_name));
    break;
  case OP_RENAME_ENUM:
    be_emit(c->out, NULL, "ALTER TYPE %s RENAME TO %s",
            be_ident(c, st_enum_find(c->before, op->entity)->db_name),
            be_ident(c, st_enum_find(c->after, op->to)->db_name));
    break;
  case OP_ADD_VALUE: {
    /* outside the transaction: the value may be used by what follows; IF
    ** NOT EXISTS, since a runner stopped after it runs it again.  It
    ** runs before the rest of the script, so it names the type and its
    ** anchor as they are then, before any rename the plan makes first. */
    const char *type = op->entity;
    const char *anchor = be_label_at_start(c, &type, op->anchor); /* NULL: at the end */
    const st_enum *e = st_enum_find(c->start, type);
    if (!e) e = st_enum_find(c->before, op->entity); /* made by this script */
    const char *where =
        anchor ? arena_printf(c->a, " %s %s", op->before ? "BEFORE" : "AFTER", be_string(c, anchor))
               : "";
    be_stmt st = {arena_printf(c->a, "ALTER TYPE %s ADD VALUE IF NOT EXISTS %s%s",
                               be_ident(c, e->db_name), be_string(c, op->name), where),
                  "a new enum value is usable only once committed"};
    vec_push(c->a, c->out->pre, st);
    break;
  }
  case OP_RENAME_VALUE:
    be_emit(c->out, NULL, "ALTER TYPE %s RENAME VALUE %s TO %s",
            be_ident(c, st_enum_find(c->before, op->entity)->db_name), be_string(c, op->name),
            be_string(c, op->to));
    break;
  case OP_DROP_VALUE: drop_member(c, op->entity, op->name); break;
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY: sync_keys(c, was, now, NULL, NULL); break;
  case OP_BACKFILL: be_backfill(c, now, op, default_of); break;
  case OP_SQL: be_emit(c->out, NULL, "%s", op->sql); break;
  default: break;
  }
}

/* Types, then tables without references, then the references: any order of
** tables then works, cycles included. */
static void create_types(be_ctx *c, const st_schema *s) {
  for (int i = 0; i < s->enums.n; i++)
    create_enum(c, s->enums.v[i]);
}

static void create_entity(be_ctx *c, const st_schema *s, const st_entity *e) {
  be_emit_text(c->out, NULL, create_table(c, s, e, false));
  create_indexes(c, e);
}

/* ---- the expected model ------------------------------------------------ */

/* A column's type as format_type() reports it, enums by their bare name. */
static const char *catalog_type(be_ctx *c, const st_schema *s, const st_field *f) {
  const char *base;
  if (f->sensitive) return "bytea";
  if (f->array && be_json_kind(f->kind)) return "jsonb";
  switch (f->kind) {
  case IR_T_DECIMAL: base = arena_printf(c->a, "numeric(%d,%d)", f->precision, f->scale); break;
  case IR_T_DATETIME: base = "timestamp with time zone"; break;
  case IR_T_ENUM: {
    const st_enum *e = st_enum_find(s, f->type_name);
    base = e ? e->db_name : f->type_name;
    break;
  }
  default: base = base_type(c, s, f);
  }
  return f->array ? arena_printf(c->a, "%s[]", base) : base;
}

static db_column expected_column(be_ctx *c, const st_schema *s, const st_entity *e,
                                 const st_field *f) {
  (void)e;
  const char *type = catalog_type(c, s, f);
  return (db_column){f->column, type, be_canon_default(c->a, type, default_of(c, f), false), NULL,
                     !f->nullable};
}

static db_schema *expected(be_ctx *c, const st_schema *s) {
  db_schema *db = be_expected_tables(c, s, expected_column, true);
  for (int i = 0; i < s->enums.n; i++) {
    const st_enum *e = s->enums.v[i];
    vec_push(c->a, db->types, db_enum_text(c->a, e->db_name, e->members.v, e->members.n));
  }
  return db;
}

/* Names Postgres keeps: system columns, and table and type names that its
** catalog (searched first) would hide, so that a statement would reach
** pg_catalog's object instead of ours. */
static const char *name_problem(arena *a, int kind, const char *name) {
  static const char *const system_columns[] = {"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"};
  static const char *const builtin_types[] = {
      "bigint",    "bit",     "bool",     "boolean", "box",     "bytea",     "char",
      "character", "cidr",    "circle",   "date",    "decimal", "float4",    "float8",
      "inet",      "int",     "int2",     "int4",    "int8",    "integer",   "interval",
      "json",      "jsonb",   "line",     "lseg",    "macaddr", "money",     "name",
      "numeric",   "oid",     "path",     "point",   "polygon", "real",      "record",
      "regclass",  "serial",  "smallint", "text",    "time",    "timestamp", "timestamptz",
      "timetz",    "tsquery", "tsvector", "uuid",    "varbit",  "varchar",   "void",
      "xml"};
  if (kind == BE_NAME_COLUMN) {
    for (size_t i = 0; i < sizeof system_columns / sizeof *system_columns; i++)
      if (name[0] == system_columns[i][0] && strcmp(name, system_columns[i]) == 0)
        return arena_printf(a, "column name '%s' is a Postgres system column; @map it", name);
    return NULL;
  }
  if (strncmp(name, "pg_", 3) == 0)
    return arena_printf(a,
                        "%s name '%s' starts with 'pg_': Postgres' catalog, searched first, "
                        "has such names",
                        kind == BE_NAME_TABLE ? "table" : "type", name);
  for (size_t i = 0; kind == BE_NAME_TYPE && i < sizeof builtin_types / sizeof *builtin_types; i++)
    if (strcmp(name, builtin_types[i]) == 0)
      return arena_printf(a,
                          "enum type '%s' has the name of a Postgres built-in type, which a "
                          "column of it would get instead; rename the enum",
                          name);
  return NULL;
}

const be_dialect be_postgres = {.name = "postgres",
                                .quote = '"',
                                .lower_op = lower_op,
                                .create_types = create_types,
                                .create_entity = create_entity,
                                .references = true,
                                .expected = expected,
                                .name_problem = name_problem,
                                .max_columns = 1600, /* MaxHeapAttributeNumber */
                                .empty_bytes = "'\\x'::bytea",
                                .empty_array = "'{}'",
                                .false_value = "false",
                                .epoch = "'1970-01-01T00:00:00Z'"};
