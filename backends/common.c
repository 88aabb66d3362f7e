/*
** common.c: what every dialect shares: identifiers and literals, scripts,
** the lowering driver, inverse operations for down scripts, and comparing an
** introspected database with the expected one.
*/
#include "backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scripts ----------------------------------------------------------- */

void be_script_init(be_script *s, arena *a) {
  memset(s, 0, sizeof *s);
  s->a = a;
}

void be_emit(be_script *s, const char *comment, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *sql = arena_vprintf(s->a, fmt, ap);
  va_end(ap);
  be_emit_text(s, comment, sql);
}

void be_emit_text(be_script *s, const char *comment, const char *sql) {
  be_stmt st = {sql, comment};
  vec_push(s->a, s->stmts, st);
}

void be_problem(be_script *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(s->a, fmt, ap);
  va_end(ap);
  for (int i = 0; i < s->problems.n; i++)
    if (strcmp(s->problems.v[i], msg) == 0) return;
  vec_push(s->a, s->problems, msg);
}

/* The script's text, a piece at a time, to put(to, piece). */
static void script_pieces(const be_script *s, const char *header, void (*put)(void *, const char *),
                          void *to) {
  if (header) {
    put(to, header);
    put(to, "\n");
  }
  for (int i = 0; i < s->notes.n; i++) {
    put(to, s->notes.v[i]);
    put(to, "\n");
  }
  const be_stmt *part[] = {s->pre.v, s->stmts.v, s->post.v};
  const int count[] = {s->pre.n, s->stmts.n, s->post.n};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < count[k]; i++) {
      const be_stmt *st = &part[k][i];
      if (st->comment) {
        put(to, "-- ");
        put(to, st->comment);
        put(to, "\n");
      }
      put(to, st->sql);
      put(to, ";\n");
    }
}

static void put_text(void *b, const char *piece) {
  strbuf_puts(b, piece);
}

char *be_script_text(const be_script *s, const char *header) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  script_pieces(s, header, put_text, &b);
  return b.p;
}

static void put_file(void *f, const char *piece) {
  fputs(piece, f);
}

bool be_script_write(const be_script *s, const char *header, FILE *f) {
  script_pieces(s, header, put_file, f);
  return !ferror(f);
}

/* ---- identifiers and literals ------------------------------------------ */

const char *be_ident(be_ctx *c, const char *name) {
  char q = c->d->quote;
  size_t n = strlen(name), extra = 0;
  if (!memchr(name, q, n)) { /* nothing to double: nearly every name */
    char *out = arena_text(c->a, n + 3);
    out[0] = q;
    memcpy(out + 1, name, n);
    out[n + 1] = q;
    out[n + 2] = 0;
    return out;
  }
  for (size_t i = 0; i < n; i++)
    extra += name[i] == q;
  char *out = arena_alloc(c->a, n + extra + 3);
  size_t o = 0;
  out[o++] = q;
  for (size_t i = 0; i < n; i++) {
    if (name[i] == q) out[o++] = q;
    out[o++] = name[i];
  }
  out[o++] = q;
  out[o] = 0;
  return out;
}

/* A string literal that cannot end early: quotes doubled, and on MySQL
** backslashes too. */
const char *be_string(be_ctx *c, const char *text) {
  size_t n = strlen(text);
  char *out = arena_alloc(c->a, n * 2 + 3);
  size_t o = 0;
  out[o++] = '\'';
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '\'') out[o++] = '\'';
    if (text[i] == '\\' && c->d->backslash_escapes) out[o++] = '\\';
    out[o++] = text[i];
  }
  out[o++] = '\'';
  out[o] = 0;
  return out;
}

void be_put_ident(strbuf *b, be_ctx *c, const char *name) {
  char q = c->d->quote;
  size_t n = strlen(name);
  if (memchr(name, q, n)) { /* a quote to double: nearly never */
    strbuf_puts(b, be_ident(c, name));
    return;
  }
  strbuf_put(b, &q, 1);
  strbuf_put(b, name, n);
  strbuf_put(b, &q, 1);
}

void be_put_column_head(strbuf *b, be_ctx *c, const st_field *f, const char *type,
                        const char *nullable, const char *d) {
  be_put_ident(b, c, f->column);
  strbuf_lit(b, " ");
  strbuf_puts(b, type);
  if (f->nullable)
    strbuf_puts(b, nullable);
  else
    strbuf_lit(b, " NOT NULL");
  if (d) {
    strbuf_lit(b, " DEFAULT ");
    strbuf_puts(b, d);
  }
}

const char *be_column_text(be_ctx *c, const st_schema *s, const st_entity *e, const st_field *f,
                           be_column_put *put) {
  strbuf b = {0};
  put(&b, c, s, e, f);
  return strbuf_done(&b, c->a);
}

void be_create_table_columns(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                             const char *name, be_column_put *put) {
  strbuf_lit(b, "CREATE TABLE ");
  be_put_ident(b, c, name);
  strbuf_lit(b, " (");
  /* what the columns make on the way (quoted defaults, sized types) is
  ** dropped with the table's columns put: a mark a column cost more than
  ** what it kept small */
  arena *keep = c->a;
  arena_mark m;
  if (c->scratch) {
    m = arena_save(c->scratch);
    c->a = c->scratch;
  }
  for (int i = 0; i < e->fields.n; i++) {
    if (i)
      strbuf_lit(b, ",\n  ");
    else
      strbuf_lit(b, "\n  ");
    put(b, c, s, e, e->fields.v[i]);
  }
  if (c->scratch) {
    c->a = keep;
    arena_rewind(c->scratch, m);
  }
}

const char *be_columns(be_ctx *c, const st_entity *e, const char *const *fields, int n) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  for (int i = 0; i < n; i++) {
    const st_field *f = st_field_find(e, fields[i]);
    if (i) strbuf_puts(&b, ", ");
    strbuf_puts(&b, be_ident(c, f ? f->column : fields[i]));
  }
  return strbuf_done(&b, c->a);
}

const char *be_string_list(be_ctx *c, const char *const *texts, int n) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  for (int i = 0; i < n; i++) {
    if (i) strbuf_puts(&b, ", ");
    strbuf_puts(&b, be_string(c, texts[i]));
  }
  return strbuf_done(&b, c->a);
}

/* ---- keys -------------------------------------------------------------- */

bool be_json_kind(ir_type_kind k) {
  return k == IR_T_JSON || k == IR_T_FILE || k == IR_T_EMBEDDED;
}

st_index *const *be_index_group(const st_entity *e, int group, int *n) {
  switch (group) {
  case 0: *n = e->uniques.n; return e->uniques.v;
  case 1: *n = e->indexes.n; return e->indexes.v;
  default: *n = e->fk_indexes.n; return e->fk_indexes.v;
  }
}

const char *be_fk_clause(be_ctx *c, const st_schema *s, const st_field *f) {
  const st_entity *t = st_entity_find(s, f->ref_entity);
  const st_field *tf = st_field_find(t, f->ref_field);
  return arena_printf(c->a, "FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
                      be_ident(c, f->column), be_ident(c, t->table), be_ident(c, tf->column),
                      be_on_delete(f->on_delete));
}

void be_add_references(be_ctx *c, const st_schema *s, const st_entity *e) {
  for (int j = 0; j < e->fields.n; j++)
    if (e->fields.v[j]->ref_entity)
      be_emit(c->out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s %s", be_ident(c, e->table),
              be_ident(c, ir_key_name(c->a, e->table, &e->fields.v[j]->column, 1, "fkey")),
              be_fk_clause(c, s, e->fields.v[j]));
}

void be_rename_column(be_ctx *c, const char *table, const st_field *from, const st_field *to) {
  if (strcmp(from->column, to->column) != 0)
    be_emit(c->out, NULL, "ALTER TABLE %s RENAME COLUMN %s TO %s", be_ident(c, table),
            be_ident(c, from->column), be_ident(c, to->column));
}

const char *be_placeholder(be_ctx *c, const st_schema *s, const st_field *f) {
  if (f->sensitive || f->kind == IR_T_BYTES) return c->d->empty_bytes;
  if (f->array) return be_json_kind(f->kind) ? "'[]'" : c->d->empty_array;
  switch (f->kind) {
  case IR_T_INT:
  case IR_T_SMALLINT:
  case IR_T_BIGINT:
  case IR_T_DECIMAL:
  case IR_T_DOUBLE: return "0";
  case IR_T_BOOLEAN: return c->d->false_value;
  case IR_T_DATE: return "'1970-01-01'";
  case IR_T_DATETIME: return c->d->epoch;
  case IR_T_UUID: return "'00000000-0000-4000-8000-000000000000'";
  case IR_T_JSON:
  case IR_T_FILE:
  case IR_T_EMBEDDED: return "'{}'";
  case IR_T_ENUM: {
    const st_enum *e = st_enum_find(s, f->type_name);
    return be_string(c, e && e->members.n ? e->members.v[0] : "");
  }
  default: return "''";
  }
}

const char *be_on_delete(ir_on_delete od) {
  return od == IR_OD_CASCADE ? "CASCADE" : od == IR_OD_SET_NULL ? "SET NULL" : "RESTRICT";
}

int be_keys_of(be_ctx *c, const st_schema *s, const st_entity *e, be_key *out, int cap,
               const char *from, const char *to) {
  int n = 0;
#define RENAMED(f) (from && (f) == from ? to : (f))
  if (e->pkey.n && n < cap) {
    const char **f = arena_alloc(c->a, sizeof(char *) * (size_t)e->pkey.n);
    for (int i = 0; i < e->pkey.n; i++)
      f[i] = RENAMED(e->pkey.v[i]);
    out[n++] = (be_key){BE_PKEY, e->pkey_name, f, e->pkey.n, NULL};
  }
  for (int k = 0; k < 3; k++) {
    typedef VEC(st_index *) ivec;
    const ivec *v = k == 0   ? (const ivec *)&e->uniques
                    : k == 1 ? (const ivec *)&e->indexes
                             : (const ivec *)&e->fk_indexes;
    for (int i = 0; i < v->n && n < cap; i++) {
      const char **f = arena_alloc(c->a, sizeof(char *) * (size_t)v->v[i]->nfields);
      for (int j = 0; j < v->v[i]->nfields; j++)
        f[j] = RENAMED(v->v[i]->fields[j]);
      out[n++] = (be_key){k == 0 ? BE_UNIQUE : BE_INDEX, v->v[i]->name, f, v->v[i]->nfields, NULL};
    }
  }
  for (int i = 0; i < e->fields.n && n < cap; i++) {
    const st_field *f = e->fields.v[i];
    if (!f->ref_entity) continue;
    const char **fl = arena_alloc(c->a, sizeof(char *));
    fl[0] = RENAMED(f->name);
    const st_entity *t = st_entity_find(s, f->ref_entity);
    out[n++] = (be_key){BE_FK, ir_key_name(c->a, e->table, &f->column, 1, "fkey"), fl, 1,
                        arena_printf(c->a, "%s.%s/%s", t ? t->table : "", f->ref_field,
                                     be_on_delete(f->on_delete))};
  }
#undef RENAMED
  return n;
}

bool be_same_key(const be_key *a, const be_key *b) {
  if (a->kind != b->kind || a->nfields != b->nfields) return false;
  for (int i = 0; i < a->nfields; i++)
    if (a->fields[i] != b->fields[i]) return false;
  return !a->ref || strcmp(a->ref, b->ref) == 0;
}

const st_entity *be_without_ref(be_ctx *c, const st_entity *e, const char *field) {
  st_entity *tmp = arena_alloc(c->a, sizeof *tmp);
  *tmp = *e;
  tmp->fields.v = arena_alloc(c->a, sizeof(st_field *) * (size_t)(e->fields.n + 1));
  tmp->fields.n = 0;
  for (int i = 0; i < e->fields.n; i++) {
    st_field *f = e->fields.v[i];
    if (f->name == field && f->ref_entity) {
      st_field *x = arena_alloc(c->a, sizeof *x);
      *x = *f;
      x->ref_entity = NULL;
      f = x;
    }
    tmp->fields.v[tmp->fields.n++] = f;
  }
  return tmp;
}

/* ---- inverse operations ------------------------------------------------ */

/* What an inverse takes from a state is copied: the state moves on. */
static st_field *copy_field(arena *a, const st_field *f) {
  st_field *g = arena_alloc(a, sizeof *g);
  *g = *f;
  return g;
}

static ir_op *new_op(arena *a, op_kind k, const char *entity) {
  ir_op *op = arena_alloc(a, sizeof *op);
  op->kind = k;
  op->entity = entity;
  return op;
}

static bool single(const void *vec, const char *field) {
  typedef VEC(st_index *) ivec;
  const ivec *v = vec;
  for (int i = 0; i < v->n; i++)
    if (v->v[i]->nfields == 1 && v->v[i]->fields[0] == field) return true;
  return false;
}

ir_op *be_inverse(arena *a, const ir_op *op, const st_schema *before, const st_schema *after) {
  ir_op *r;
  (void)after;
  switch (op->kind) {
  case OP_CREATE_ENTITY: return new_op(a, OP_DROP_ENTITY, op->entity);
  case OP_DROP_ENTITY:
    r = new_op(a, OP_CREATE_ENTITY, op->entity);
    r->create = st_clone_entity(st_entity_find(before, op->entity), a);
    return r;
  case OP_RENAME_ENTITY:
  case OP_RENAME_ENUM:
    r = new_op(a, op->kind, op->to);
    r->to = op->entity;
    return r;
  case OP_ALTER_ENTITY: {
    const st_entity *e = st_entity_find(before, op->entity);
    r = new_op(a, OP_ALTER_ENTITY, op->entity);
    r->table = e && e->table_mapped ? e->table : NULL;
    return r;
  }
  case OP_ADD_FIELD:
    r = new_op(a, OP_DROP_FIELD, op->entity);
    r->name = op->field->name;
    return r;
  case OP_DROP_FIELD: {
    const st_entity *e = st_entity_find(before, op->entity);
    r = new_op(a, OP_ADD_FIELD, op->entity);
    r->field = copy_field(a, st_field_find(e, op->name));
    r->position = st_field_index(e, op->name) + 1;
    r->name = op->name;
    r->primary_key = e->pkey.n == 1 && e->pkey.v[0] == op->name;
    r->unique = single(&e->uniques, op->name);
    r->index = single(&e->indexes, op->name);
    return r;
  }
  case OP_RENAME_FIELD:
  case OP_RENAME_VALUE:
    r = new_op(a, op->kind, op->entity);
    r->name = op->to;
    r->to = op->name;
    return r;
  case OP_ALTER_FIELD:
    r = new_op(a, OP_ALTER_FIELD, op->entity);
    r->name = op->field->name;
    r->field = copy_field(a, st_field_find(st_entity_find(before, op->entity), op->field->name));
    return r;
  case OP_CREATE_ENUM: return new_op(a, OP_DROP_ENUM, op->entity);
  case OP_DROP_ENUM:
    r = new_op(a, OP_CREATE_ENUM, op->entity);
    r->create_enum = st_clone_enum(st_enum_find(before, op->entity), a);
    return r;
  case OP_ADD_VALUE:
    r = new_op(a, OP_DROP_VALUE, op->entity);
    r->name = op->name;
    return r;
  case OP_DROP_VALUE: {
    const st_enum *e = st_enum_find(before, op->entity);
    r = new_op(a, OP_ADD_VALUE, op->entity);
    r->name = op->name;
    for (int i = 0; i < e->members.n; i++)
      if (e->members.v[i] == op->name) {
        if (i > 0)
          r->anchor = e->members.v[i - 1];
        else if (e->members.n > 1)
          r->anchor = e->members.v[1], r->before = true;
      }
    return r;
  }
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY: {
    static const op_kind flip[] = {[OP_ADD_INDEX] = OP_DROP_INDEX,
                                   [OP_DROP_INDEX] = OP_ADD_INDEX,
                                   [OP_ADD_UNIQUE] = OP_DROP_UNIQUE,
                                   [OP_DROP_UNIQUE] = OP_ADD_UNIQUE,
                                   [OP_ADD_PRIMARY_KEY] = OP_DROP_PRIMARY_KEY,
                                   [OP_DROP_PRIMARY_KEY] = OP_ADD_PRIMARY_KEY};
    r = new_op(a, flip[op->kind], op->entity);
    r->fields = op->fields;
    r->nfields = op->nfields;
    return r;
  }
  default: return NULL; /* backfill: nothing to undo in the shape; sql: irreversible */
  }
}

/* What a down step loses, for the script's header (migrations.md 5). */
static const char *loss(arena *a, const ir_op *up) {
  switch (up->kind) {
  case OP_DROP_ENTITY:
    return arena_printf(a, "-- LOSSY: entity %s comes back empty; its rows are not restored",
                        up->entity);
  case OP_DROP_FIELD:
    return arena_printf(a, "-- LOSSY: field %s.%s comes back without its values", up->entity,
                        up->name);
  case OP_DROP_VALUE:
    return arena_printf(a,
                        "-- LOSSY: rows that held %s.%s before it was dropped keep their new value",
                        up->entity, up->name);
  case OP_CREATE_ENTITY:
    return arena_printf(a, "-- LOSSY: entity %s and its rows are dropped", up->entity);
  case OP_ADD_FIELD:
    return arena_printf(a, "-- LOSSY: field %s.%s and its values are dropped", up->entity,
                        up->field->name);
  default: return NULL;
  }
}

/* ---- the driver -------------------------------------------------------- */

static bool for_dialect(const be_dialect *d, const ir_op *op) {
  return !op->dialect || strcmp(op->dialect, d->name) == 0;
}

/* What of a state the engine cannot take, as problems (E0801): names, and
** tables wider than it allows. */
static void check_names(const be_dialect *d, const st_schema *s, be_script *out) {
  for (int i = 0; i < s->entities.n; i++) {
    const st_entity *e = s->entities.v[i];
    if (d->max_columns && e->fields.n > d->max_columns)
      be_problem(out, "entity %s has %d columns; %s takes at most %d in a table", e->name,
                 e->fields.n, d->name, d->max_columns);
    if (!d->name_problem) continue;
    const char *why = d->name_problem(out->a, BE_NAME_TABLE, e->table);
    if (why) be_problem(out, "entity %s: %s", e->name, why);
    for (int j = 0; j < e->fields.n; j++)
      if ((why = d->name_problem(out->a, BE_NAME_COLUMN, e->fields.v[j]->column)))
        be_problem(out, "field %s.%s: %s", e->name, e->fields.v[j]->name, why);
  }
  for (int i = 0; d->name_problem && i < s->enums.n; i++) {
    const char *why = d->name_problem(out->a, BE_NAME_TYPE, s->enums.v[i]->db_name);
    if (why) be_problem(out, "enum %s: %s", s->enums.v[i]->name, why);
  }
}

ir_op **be_inverse_ops(arena *a, const st_schema *prev, const ir_plan *plan) {
  ir_op **inverse = arena_alloc(a, sizeof(ir_op *) * ((size_t)plan->ops.n + 1));
  st_schema *before = st_clone(prev, a), *after = st_clone(prev, a);
  for (int i = 0; i < plan->ops.n; i++) {
    const ir_op *op = plan->ops.v[i];
    st_apply(after, op); /* plans reach here checked */
    if (op->kind != OP_SQL) inverse[i] = be_inverse(a, op, before, after);
    st_apply(before, op);
  }
  return inverse;
}

/* A clone of the state per operation would make a big plan quadratic (a
** first migration of 1,000 entities took 1.3 GB): two states step along
** instead, one operation apart, so each operation is applied twice.  A down
** script needs the states in reverse: the inverse of each operation is taken
** on the way forward, and the inverses then step the final state back. */
void be_lower_plan(const be_dialect *d, const st_schema *prev, const ir_plan *plan, bool down,
                   be_script *out) {
  arena *a = out->a;
  int n = plan->ops.n;
  st_schema *final = st_clone(prev, a);
  for (int i = 0; i < n; i++)
    st_apply(final, plan->ops.v[i]); /* plans reach here checked */
  check_names(d, prev, out);
  check_names(d, final, out);
  const ir_op **done = arena_alloc(a, sizeof(ir_op *) * (size_t)(n + 1));
  if (!down) {
    st_schema *before = st_clone(prev, a), *after = st_clone(prev, a);
    be_ctx c = {d, a, out, before, after, false, prev, done, 0};
    for (int i = 0; i < n; i++) {
      const ir_op *op = plan->ops.v[i];
      st_apply(after, op);
      if (op->kind != OP_SQL || for_dialect(d, op)) {
        d->lower_op(&c, op);
        done[c.nprior++] = op;
      }
      st_apply(before, op);
    }
    return;
  }
  ir_op **inverse = be_inverse_ops(a, prev, plan);
  /* the final state stepped back: after goes first, before follows */
  st_schema *before = st_clone(final, a), *after = st_clone(final, a);
  be_ctx c = {d, a, out, after, before, true, final, done, 0};
  for (int i = n - 1; i >= 0; i--) {
    const ir_op *op = plan->ops.v[i];
    if (op->kind == OP_SQL && !for_dialect(d, op)) continue;
    if (op->kind == OP_SQL) {
      if (!out->irreversible) {
        vec_push(a, out->notes,
                 arena_printf(a, "-- IRREVERSIBLE: sql step %d of %s has no down part", i + 1,
                              plan->name ? plan->name : "the plan"));
        /* a statement that fails on every engine, so no runner goes on */
        be_stmt st = {arena_printf(a, "SELECT * FROM %s",
                                   be_ident(&c, "inspire: this migration cannot be reversed")),
                      NULL, NULL};
        vec_push(a, out->pre, st);
      }
      out->irreversible = true;
      continue;
    }
    const char *l = loss(a, op);
    if (l) vec_push(a, out->notes, l);
    ir_op *inv = inverse[i];
    if (!inv) continue;
    st_apply(before, inv); /* now the state before op */
    d->lower_op(&c, inv);
    done[c.nprior++] = inv;
    st_apply(after, inv);
  }
}

const char *be_label_at_start(be_ctx *c, const char **en, const char *label) {
  for (int i = c->nprior - 1; i >= 0; i--) {
    const ir_op *op = c->prior[i];
    if (op->kind == OP_RENAME_ENUM && op->to == *en) *en = op->entity;
    if (op->kind == OP_RENAME_VALUE && op->entity == *en && op->to == label) label = op->name;
  }
  return label;
}

/* The entities [from, to) of a whole schema: their tables and indexes into
** one script, their references into another, each statement made in the
** scripts' arena. */
typedef struct schema_part {
  const be_dialect *d;
  const st_schema *s;
  int from, to;
  be_script tables, refs;
  arena scratch;
} schema_part;

/* from's statements and problems after out's, in order */
static void script_append(be_script *out, const be_script *from) {
  for (int i = 0; i < from->pre.n; i++)
    vec_push(out->a, out->pre, from->pre.v[i]);
  for (int i = 0; i < from->stmts.n; i++)
    vec_push(out->a, out->stmts, from->stmts.v[i]);
  for (int i = 0; i < from->post.n; i++)
    vec_push(out->a, out->post, from->post.v[i]);
  for (int i = 0; i < from->notes.n; i++)
    vec_push(out->a, out->notes, from->notes.v[i]);
  for (int i = 0; i < from->problems.n; i++)
    be_problem(out, "%s", from->problems.v[i]);
  out->irreversible |= from->irreversible;
  out->rebuilds += from->rebuilds;
}

static const char *kept_text(arena *a, const char *s) {
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

static void keep_stmts(arena *a, be_stmt *v, int n) {
  for (int i = 0; i < n; i++) {
    v[i].sql = kept_text(a, v[i].sql);
    v[i].comment = kept_text(a, v[i].comment);
    if (v[i].batch) {
      be_batch *b = arena_alloc(a, sizeof *b);
      *b = *v[i].batch;
      b->table = kept_text(a, b->table);
      b->key = kept_text(a, b->key);
      b->set = kept_text(a, b->set);
      b->where = kept_text(a, b->where);
      v[i].batch = b;
    }
  }
}

/* An entity's statements, made in a scratch arena with all that making
** them took (quoted names, key names, formatted pieces: as much again as
** the statements at 10,000 entities), copied into out's arena. */
static void script_keep(be_script *out, be_script *one) {
  keep_stmts(out->a, one->pre.v, one->pre.n);
  keep_stmts(out->a, one->stmts.v, one->stmts.n);
  keep_stmts(out->a, one->post.v, one->post.n);
  for (int i = 0; i < one->notes.n; i++)
    one->notes.v[i] = kept_text(out->a, one->notes.v[i]);
  script_append(out, one); /* problems are copied by be_problem */
}

/* Each entity lowered in the part's scratch arena, rewound after it. */
static void lower_entities(schema_part *p, be_script *into, bool references) {
  be_script one;
  be_ctx c = {p->d, &p->scratch, &one, NULL, p->s, false};
  c.scratch = &p->scratch;
  for (int i = p->from; i < p->to; i++) {
    arena_mark m = arena_save(&p->scratch);
    be_script_init(&one, &p->scratch);
    if (references)
      be_add_references(&c, p->s, p->s->entities.v[i]);
    else
      p->d->create_entity(&c, p->s, p->s->entities.v[i]);
    script_keep(into, &one);
    arena_rewind(&p->scratch, m);
  }
}

static void *lower_part(void *arg) {
  schema_part *p = arg;
  lower_entities(p, &p->tables, false);
  if (p->d->references) lower_entities(p, &p->refs, true);
  return NULL;
}

static void part_init(schema_part *p, const be_dialect *d, const st_schema *s, arena *a, int from,
                      int to) {
  *p = (schema_part){.d = d, .s = s, .from = from, .to = to};
  be_script_init(&p->tables, a);
  be_script_init(&p->refs, a);
  arena_init(&p->scratch);
}

/* Below this many entities a second thread costs more than it saves. */
#define SCHEMA_SPLIT_MIN 1024

/* A big schema's second half is lowered on a second thread meanwhile, in
** its own arena (adopted after): the same statements in the same order,
** tables then references (at 10,000 entities this was a third of `lower
** --schema`, on one thread after the compile). */
void be_lower_schema(const be_dialect *d, const st_schema *s, be_script *out) {
  check_names(d, s, out);
  be_ctx c = {d, out->a, out, NULL, s, false};
  if (d->create_types) d->create_types(&c, s);
  int n = s->entities.n, mid = n >= SCHEMA_SPLIT_MIN && ir_threads_wanted() ? n / 2 : n;
  arena second_arena;
  arena_init(&second_arena);
  schema_part first, second;
  part_init(&first, d, s, out->a, 0, mid);
  part_init(&second, d, s, &second_arena, mid, n);
  ir_task task;
  ir_task_start(&task, lower_part, &second, mid < n);
  lower_part(&first);
  ir_task_wait(&task);
  arena_adopt(out->a, &second_arena);
  script_append(out, &first.tables);
  script_append(out, &second.tables);
  script_append(out, &first.refs);
  script_append(out, &second.refs);
  arena_free(&first.scratch);
  arena_free(&second.scratch);
}

db_schema *be_expected(const be_dialect *d, const st_schema *s, arena *a) {
  be_script out;
  be_script_init(&out, a);
  be_ctx c = {d, a, &out, NULL, s, false};
  if (!d->expected) return NULL; /* no introspection model for this dialect yet */
  db_schema *db = d->expected(&c, s);
  db_sort(db);
  return db;
}

static int cmp_table(const void *a, const void *b) {
  return strcmp((*(db_table *const *)a)->name, (*(db_table *const *)b)->name);
}
static int cmp_index(const void *a, const void *b) {
  return strcmp(((const db_index *)a)->name, ((const db_index *)b)->name);
}
static int cmp_fk(const void *a, const void *b) {
  return strcmp(((const db_fk *)a)->cols[0], ((const db_fk *)b)->cols[0]);
}
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void db_drop_tables(db_schema *s, const char *prefix) {
  size_t len = strlen(prefix);
  int n = 0;
  for (int i = 0; i < s->tables.n; i++)
    if (strncmp(s->tables.v[i]->name, prefix, len) != 0) s->tables.v[n++] = s->tables.v[i];
  s->tables.n = n;
}

void db_sort(db_schema *s) {
  if (s->tables.n > 1) qsort(s->tables.v, (size_t)s->tables.n, sizeof(db_table *), cmp_table);
  if (s->types.n > 1) qsort(s->types.v, (size_t)s->types.n, sizeof(char *), cmp_str);
  for (int i = 0; i < s->tables.n; i++) {
    db_table *t = s->tables.v[i];
    if (t->indexes.n > 1) qsort(t->indexes.v, (size_t)t->indexes.n, sizeof(db_index), cmp_index);
    if (t->fks.n > 1) qsort(t->fks.v, (size_t)t->fks.n, sizeof(db_fk), cmp_fk);
  }
}

/* Inspire literals of lists and objects, as printed by ir_value_text:
** strings with escapes, numbers, true/false/null, bare enum words (strings
** in JSON), [ ... ] and { key: value }. */
static const char *json_value(const char *p, strbuf *b, int depth);

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n')
    p++;
  return p;
}

static const char *json_value(const char *p, strbuf *b, int depth) {
  p = skip_ws(p);
  if (depth > 200 || !*p) return p;
  if (*p == '"') { /* Inspire escapes are JSON's, but for \u{X} */
    strbuf_puts(b, "\"");
    p++;
    while (*p && *p != '"') {
      if (p[0] == '\\' && p[1] == 'u' && p[2] == '{') {
        unsigned v = (unsigned)strtoul(p + 3, NULL, 16);
        char tmp[16];
        snprintf(tmp, sizeof tmp, "\\u%04x", v < 0x10000 ? v : 0xfffd);
        strbuf_puts(b, tmp);
        p = strchr(p, '}') ? strchr(p, '}') + 1 : p + 2;
        continue;
      }
      char ch[3] = {p[0], 0, 0};
      if (p[0] == '\\' && p[1]) ch[1] = p[1], p++;
      strbuf_puts(b, ch);
      p++;
    }
    strbuf_puts(b, "\"");
    return *p ? p + 1 : p;
  }
  if (*p == '[' || *p == '{') {
    bool obj = *p == '{';
    strbuf_puts(b, obj ? "{" : "[");
    p = skip_ws(p + 1);
    bool first = true;
    while (*p && *p != (obj ? '}' : ']')) {
      if (!first) strbuf_puts(b, ",");
      first = false;
      if (obj) {
        const char *k = p;
        while (*p && *p != ':' && *p != ' ')
          p++;
        strbuf_puts(b, "\"");
        strbuf_put(b, k, (size_t)(p - k));
        strbuf_puts(b, "\":");
        p = skip_ws(p);
        if (*p == ':') p++;
      }
      p = json_value(p, b, depth + 1);
      p = skip_ws(p);
      if (*p == ',') p = skip_ws(p + 1);
    }
    strbuf_puts(b, obj ? "}" : "]");
    return *p ? p + 1 : p;
  }
  const char *s = p;
  while (*p && *p != ',' && *p != ']' && *p != '}' && *p != ' ')
    p++;
  char *word = strndup(s, (size_t)(p - s));
  bool bare = (word[0] >= 'A' && word[0] <= 'Z') ||
              (word[0] >= 'a' && word[0] <= 'z' && strcmp(word, "true") && strcmp(word, "false") &&
               strcmp(word, "null"));
  if (bare) strbuf_puts(b, "\"");
  strbuf_puts(b, word);
  if (bare) strbuf_puts(b, "\"");
  free(word);
  return p;
}

const char *be_json_literal(be_ctx *c, const char *inspire) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  json_value(inspire, &b, 0);
  return strbuf_done(&b, c->a);
}

void be_emit_fill(be_ctx *c, const st_entity *e, const st_field *f, const char *value,
                  bool only_null, int batch) {
  const char *t = be_ident(c, e->table), *col = be_ident(c, f->column);
  const char *set = arena_printf(c->a, "%s = %s", col, value);
  const char *where = only_null ? arena_printf(c->a, "%s IS NULL", col) : NULL;
  be_emit(c->out, NULL, "UPDATE %s SET %s%s%s", t, set, where ? " WHERE " : "", where ? where : "");
  if (c->down) return; /* a down script's fill is part of restoring a shape */
  be_batch *b = arena_alloc(c->a, sizeof *b);
  b->table = t;
  b->key = e->pkey.n == 1 ? be_ident(c, st_field_find(e, e->pkey.v[0])->column) : NULL;
  b->set = set;
  b->where = where;
  b->size = batch > 0 ? batch : BE_DEFAULT_BATCH;
  c->out->stmts.v[c->out->stmts.n - 1].batch = b;
}

void be_backfill(be_ctx *c, const st_entity *now, const ir_op *op,
                 const char *(*literal)(be_ctx *c, const st_field *f)) {
  const st_field *f = st_field_find(now, op->name);
  st_field v = *f;
  v.def = op->value_kind;
  v.def_text = op->value_text;
  be_emit_fill(c, now, f, literal(c, &v), op->only_null, op->batch);
}

const be_dialect *be_find(const char *name) {
  if (strcmp(name, "sqlite") == 0) return &be_sqlite;
  if (strcmp(name, "postgres") == 0) return &be_postgres;
  if (strcmp(name, "mysql") == 0) return &be_mysql;
  return NULL;
}

/* ---- the expected model ------------------------------------------------- */

static const char *col_text(arena *a, const db_column *c) {
  return arena_printf(a, "%s %s%s%s%s%s%s", c->name, c->type, c->notnull ? " NOT NULL" : "",
                      c->def ? " DEFAULT " : "", c->def ? c->def : "", c->check ? " CHECK " : "",
                      c->check ? c->check : "");
}

db_schema *be_expected_tables(be_ctx *c, const st_schema *s, be_column_fn col, bool fk_names) {
  db_schema *db = arena_alloc(c->a, sizeof *db);
  db->a = c->a;
  for (int i = 0; i < s->entities.n; i++) {
    const st_entity *e = s->entities.v[i];
    db_table *t = arena_alloc(c->a, sizeof *t);
    t->name = e->table;
    for (int j = 0; j < e->fields.n; j++) {
      const st_field *f = e->fields.v[j];
      vec_push(c->a, t->cols, col(c, s, e, f));
      if (!f->ref_entity) continue;
      const st_entity *te = st_entity_find(s, f->ref_entity);
      db_fk fk = {fk_names ? ir_key_name(c->a, e->table, &f->column, 1, "fkey") : NULL,
                  arena_alloc(c->a, sizeof(char *)),
                  1,
                  te->table,
                  arena_alloc(c->a, sizeof(char *)),
                  1,
                  be_on_delete(f->on_delete)};
      fk.cols[0] = f->column;
      fk.ref_cols[0] = st_field_find(te, f->ref_field)->column;
      vec_push(c->a, t->fks, fk);
    }
    for (int j = 0; j < e->pkey.n; j++)
      vec_push(c->a, t->pkey, st_field_find(e, e->pkey.v[j])->column);
    for (int k = 0; k < 3; k++) {
      int n;
      st_index *const *v = be_index_group(e, k, &n);
      for (int j = 0; j < n; j++) {
        db_index x = {v[j]->name, arena_alloc(c->a, sizeof(char *) * (size_t)v[j]->nfields),
                      v[j]->nfields, k == 0};
        for (int m = 0; m < x.ncols; m++)
          x.cols[m] = st_field_find(e, v[j]->fields[m])->column;
        vec_push(c->a, t->indexes, x);
      }
    }
    vec_push(c->a, db->tables, t);
  }
  return db;
}

const char *db_enum_text(arena *a, const char *name, const char *const *labels, int n) {
  strbuf b = {0};
  strbuf_puts(&b, name ? name : "enum");
  strbuf_puts(&b, name ? " (" : "(");
  for (int j = 0; j < n; j++) {
    if (j) strbuf_puts(&b, name ? ", " : ",");
    strbuf_puts(&b, name ? labels[j] : arena_printf(a, "'%s'", labels[j]));
  }
  strbuf_puts(&b, ")");
  return strbuf_done(&b, a);
}

static void put_list(strbuf *b, const char *const *v, int n) {
  strbuf_puts(b, "(");
  for (int i = 0; i < n; i++) {
    if (i) strbuf_puts(b, ", ");
    strbuf_puts(b, v[i]);
  }
  strbuf_puts(b, ")");
}

char *db_dump(const db_schema *s, arena *a) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  for (int i = 0; i < s->types.n; i++)
    strbuf_puts(&b, arena_printf(a, "type %s\n", s->types.v[i]));
  for (int i = 0; i < s->tables.n; i++) {
    const db_table *t = s->tables.v[i];
    strbuf_puts(&b, arena_printf(a, "table %s\n", t->name));
    /* columns by name: see db_diff */
    const char **names = arena_alloc(a, sizeof(char *) * (size_t)(t->cols.n + 1));
    for (int j = 0; j < t->cols.n; j++)
      names[j] = col_text(a, &t->cols.v[j]);
    qsort(names, (size_t)t->cols.n, sizeof *names, cmp_str);
    for (int j = 0; j < t->cols.n; j++)
      strbuf_puts(&b, arena_printf(a, "  column %s\n", names[j]));
    if (t->pkey.n) {
      strbuf_puts(&b, "  primary key ");
      put_list(&b, t->pkey.v, t->pkey.n);
      strbuf_puts(&b, "\n");
    }
    for (int j = 0; j < t->indexes.n; j++) {
      const db_index *x = &t->indexes.v[j];
      strbuf_puts(&b, arena_printf(a, "  %s %s ", x->unique ? "unique" : "index", x->name));
      put_list(&b, x->cols, x->ncols);
      strbuf_puts(&b, "\n");
    }
    for (int j = 0; j < t->fks.n; j++) {
      const db_fk *x = &t->fks.v[j];
      strbuf_puts(&b, arena_printf(a, "  foreign key %s ", x->name ? x->name : "-"));
      put_list(&b, x->cols, x->ncols);
      strbuf_puts(&b, arena_printf(a, " references %s ", x->ref_table));
      put_list(&b, x->ref_cols, x->nref);
      strbuf_puts(&b, arena_printf(a, " on delete %s\n", x->on_delete));
    }
  }
  return b.p;
}

/* ---- comparing databases ------------------------------------------------ */

static bool same(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const char *const *a, int na, const char *const *b, int nb) {
  if (na != nb) return false;
  for (int i = 0; i < na; i++)
    if (!same(a[i], b[i])) return false;
  return true;
}

static const db_table *find_table(const db_schema *s, const char *name) {
  for (int i = 0; i < s->tables.n; i++)
    if (strcmp(s->tables.v[i]->name, name) == 0) return s->tables.v[i];
  return NULL;
}

const char *db_diff(const db_schema *want, const db_schema *got, arena *a) {
  for (int i = 0; i < want->types.n || i < got->types.n; i++) {
    const char *x = i < want->types.n ? want->types.v[i] : "(none)";
    const char *y = i < got->types.n ? got->types.v[i] : "(none)";
    if (!same(x, y)) return arena_printf(a, "enum type %s expected, found %s", x, y);
  }
  for (int i = 0; i < want->tables.n; i++) {
    const db_table *w = want->tables.v[i], *g = find_table(got, w->name);
    if (!g) return arena_printf(a, "table %s is missing", w->name);
    /* columns by name: a down script re-adds a dropped column at the end,
    ** and no engine but SQLite can put it back in its place */
    for (int j = 0; j < g->cols.n; j++) {
      bool known = false;
      for (int k = 0; k < w->cols.n; k++)
        known |= same(w->cols.v[k].name, g->cols.v[j].name);
      if (!known) return arena_printf(a, "%s: extra column %s", w->name, g->cols.v[j].name);
    }
    for (int j = 0; j < w->cols.n; j++) {
      const db_column *x = &w->cols.v[j], *y = NULL;
      for (int k = 0; k < g->cols.n && !y; k++)
        if (same(g->cols.v[k].name, x->name)) y = &g->cols.v[k];
      if (!y) return arena_printf(a, "%s: column %s is missing", w->name, x->name);
      if (!same(x->name, y->name) || !same(x->type, y->type) || x->notnull != y->notnull ||
          !same(x->def, y->def) || !same(x->check, y->check))
        return arena_printf(a, "%s: column is '%s', expected '%s'", w->name, col_text(a, y),
                            col_text(a, x));
    }
    if (!same_list(w->pkey.v, w->pkey.n, g->pkey.v, g->pkey.n))
      return arena_printf(a, "%s: another primary key", w->name);
    for (int j = 0; j < w->indexes.n || j < g->indexes.n; j++) {
      if (j >= g->indexes.n)
        return arena_printf(a, "%s: index %s is missing", w->name, w->indexes.v[j].name);
      if (j >= w->indexes.n)
        return arena_printf(a, "%s: extra index %s", w->name, g->indexes.v[j].name);
      const db_index *x = &w->indexes.v[j], *y = &g->indexes.v[j];
      if (!same(x->name, y->name) || x->unique != y->unique ||
          !same_list(x->cols, x->ncols, y->cols, y->ncols))
        return arena_printf(a, "%s: index %s%s, expected %s%s", w->name, y->name,
                            y->unique ? " (unique)" : "", x->name, x->unique ? " (unique)" : "");
    }
    for (int j = 0; j < w->fks.n || j < g->fks.n; j++) {
      if (j >= g->fks.n)
        return arena_printf(a, "%s: foreign key %s is missing", w->name, w->fks.v[j].name);
      if (j >= w->fks.n)
        return arena_printf(a, "%s: extra foreign key on %s", w->name, g->fks.v[j].cols[0]);
      const db_fk *x = &w->fks.v[j], *y = &g->fks.v[j];
      if ((x->name && y->name && !same(x->name, y->name)) || !same(x->ref_table, y->ref_table) ||
          !same_list(x->cols, x->ncols, y->cols, y->ncols) ||
          !same_list(x->ref_cols, x->nref, y->ref_cols, y->nref) ||
          !same(x->on_delete, y->on_delete))
        return arena_printf(
            a, "%s: foreign key on %s differs (to %s, on delete %s; expected to %s, on delete %s)",
            w->name, x->cols[0], y->ref_table, y->on_delete, x->ref_table, x->on_delete);
    }
  }
  for (int i = 0; i < got->tables.n; i++)
    if (!find_table(want, got->tables.v[i]->name))
      return arena_printf(a, "extra table %s", got->tables.v[i]->name);
  return NULL;
}
