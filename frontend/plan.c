/*
** plan.c: plan files: the builders the grammar calls, and reading each parsed
** operation against the state it applies to (types, keys and defaults of a
** plan's fields mean what they mean in a schema, resolved against the
** snapshot instead of the source).
*/
#include "frontend.h"
#include "inspire.h"

#include <limits.h>
#include <string.h>

/* ---- builders ---------------------------------------------------------- */

static ir_op *new_op(ps_ctx *c, op_kind k, const token *kw) {
  ir_op *op = arena_alloc(c->s->a, sizeof *op);
  op->kind = k;
  op->range = ps_range(c, kw);
  return op;
}

static void extend(ps_ctx *c, ir_op *op, const token *t) {
  ir_range r = ps_range(c, t);
  op->range = ps_span(&op->range, &r);
}

void ps_plan(ps_ctx *c, const token *kw, const token *name, ps_list *ops, const token *end) {
  ir_plan *p = arena_alloc(c->s->a, sizeof *p);
  ir_range a = ps_range(c, kw), b = ps_range(c, end);
  p->range = ps_span(&a, &b);
  size_t n;
  (void)n;
  ir_value *v = ps_value_token(c, TK_STRING, name);
  p->name = intern_cstr(c->s->names, v->text);
  p->name_range = v->range;
  for (int i = 0; i < ops->n; i++)
    vec_push(c->s->a, p->ops, (ir_op *)ops->v[i]);
  c->plan = p;
}

ir_op *ps_op_marker(ps_ctx *c, const token *open, const token *word, ir_op *op) {
  ir_range r = ps_range(c, open);
  if (strcmp(ps_name(c, word), "RESOLVE") != 0) {
    diag *g = diag_add(c->d, DIAG_E0709, ps_range(c, word),
                       "unknown marker '[%s]'; the only marker is [RESOLVE]", ps_name(c, word));
    diag_label(c->d, g, "did you mean 'RESOLVE'?");
  } else {
    op->resolve = true;
  }
  op->resolve_range = ps_span(&r, &r);
  op->resolve_range.len = word->off + word->len + 1 - open->off;
  op->range = ps_span(&r, &op->range);
  return op;
}

ir_op *ps_op_create_entity(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                           const token *end) {
  ir_op *op = new_op(c, OP_CREATE_ENTITY, kw);
  op->entity = ps_name(c, name);
  op->src_entity = ps_entity_make(c, kw, name, members, end);
  extend(c, op, end);
  return op;
}

ir_op *ps_op_create_enum(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                         const token *end) {
  ir_op *op = new_op(c, OP_CREATE_ENUM, kw);
  op->entity = ps_name(c, name);
  op->src_enum = ps_enum_make(c, kw, name, members, end);
  extend(c, op, end);
  return op;
}

ir_op *ps_op_names(ps_ctx *c, op_kind k, const token *kw, const token *a, const token *b,
                   const token *c2, const token *d) {
  ir_op *op = new_op(c, k, kw);
  op->entity = ps_name(c, a);
  if (b) op->name = ps_name(c, b);
  if (d) op->to = ps_name(c, d);
  /* `rename E.a -> F.b` renames within one entity (or enum): F must be E */
  if (c2 && ps_name(c, c2) != op->entity)
    diag_add(c->d, DIAG_E0710, ps_range(c, c2),
             "a rename stays within '%s'; write '%s.%s' after '->', or rename the %s with "
             "'rename %s'",
             op->entity, op->entity, ps_name(c, d), k == OP_RENAME_VALUE ? "enum" : "entity",
             k == OP_RENAME_VALUE ? "enum" : "entity");
  extend(c, op, d ? d : b ? b : a);
  return op;
}

ir_op *ps_op_value_at(ps_ctx *c, ir_op *op, bool before, const token *anchor) {
  op->anchor = ps_name(c, anchor);
  op->before = before;
  extend(c, op, anchor);
  return op;
}

ir_op *ps_op_alter_entity(ps_ctx *c, const token *kw, const token *name, ir_annot *map) {
  ir_op *op = new_op(c, OP_ALTER_ENTITY, kw);
  op->entity = ps_name(c, name);
  op->src_map = map;
  extend(c, op, name);
  if (map) op->range = ps_span(&op->range, &map->range);
  return op;
}

ir_op *ps_op_field(ps_ctx *c, op_kind k, const token *kw, const token *entity, ir_field *f) {
  ir_op *op = new_op(c, k, kw);
  op->entity = ps_name(c, entity);
  op->name = f->name;
  op->src_field = f;
  op->range = ps_span(&op->range, &f->range);
  return op;
}

ir_op *ps_op_key(ps_ctx *c, op_kind k, const token *kw, const token *entity, ps_list *fields,
                 const token *end) {
  ir_op *op = new_op(c, k, kw);
  op->entity = ps_name(c, entity);
  op->fields = arena_alloc(c->s->a, sizeof(char *) * (size_t)(fields->n + 1));
  for (int i = 0; i < fields->n; i++)
    op->fields[i] = ps_name(c, fields->v[i]);
  op->nfields = fields->n;
  extend(c, op, end);
  return op;
}

ir_op *ps_op_sql(ps_ctx *c, const token *kw, const token *dialect, const token *text) {
  ir_op *op = new_op(c, OP_SQL, kw);
  if (dialect) {
    op->dialect = ps_name(c, dialect);
    if (strcmp(op->dialect, "postgres") && strcmp(op->dialect, "mysql") &&
        strcmp(op->dialect, "sqlite"))
      diag_add(c->d, DIAG_E0710, ps_range(c, dialect),
               "unknown dialect '%s'; write sql postgres, sql mysql, sql sqlite, or plain sql",
               op->dialect);
  }
  op->sql = ps_value_token(c, TK_STRING, text)->text;
  extend(c, op, text);
  return op;
}

ir_op *ps_op_backfill(ps_ctx *c, const token *kw, const token *e, const token *f, ir_value *v) {
  ir_op *op = new_op(c, OP_BACKFILL, kw);
  op->entity = ps_name(c, e);
  op->name = ps_name(c, f);
  op->src_value = v;
  op->range = ps_span(&op->range, &v->range);
  return op;
}

void ps_op_backfill_where(ps_ctx *c, ir_op *op, const token *e, const token *f, const token *end) {
  if (ps_name(c, e) != op->entity || ps_name(c, f) != op->name)
    diag_add(c->d, DIAG_E0710, ps_range(c, e),
             "a backfill's condition names its own field: where %s.%s is null", op->entity,
             op->name);
  op->only_null = true;
  extend(c, op, end);
}

void ps_op_backfill_batch(ps_ctx *c, ir_op *op, const token *n) {
  ir_value *v = ps_value_token(c, TK_NUMBER, n);
  if (strpbrk(v->text, ".eE-") || v->num < 1 || v->num > 1e9)
    diag_add(c->d, DIAG_E0710, v->range, "a batch is a whole number of rows from 1 to 1000000000");
  else
    op->batch = (int)v->num;
  extend(c, op, n);
}

/* ---- reading an operation against the state ------------------------------- */

typedef struct plan_reader {
  st_schema *s;
  diag_list *d;
  arena *a;
  st_entity *self; /* the entity a create is building: keys may point at it */
} plan_reader;

static bool err(plan_reader *R, ir_range r, const char *msg) {
  diag_add(R->d, DIAG_E0710, r, "%s", msg);
  return false;
}

/* Annotations that shape nothing in the database are accepted and ignored in
** plans, so that a field copied from the schema reads the same. */
static const char *const runtime_annots[] = {"minLength", "regex", "email",      "url",
                                             "trim",      "min",   "max",        "maxSize",
                                             "accept",    "pii",   "renamedFrom"};

static bool is_runtime(const char *name) {
  for (size_t i = 0; i < sizeof runtime_annots / sizeof *runtime_annots; i++)
    if (strcmp(runtime_annots[i], name) == 0) return true;
  return false;
}

typedef struct field_keys {
  bool primary_key, unique, index;
} field_keys;

static st_field *read_field(plan_reader *R, const ir_field *src, bool keys_allowed,
                            field_keys *keys) {
  st_field *f = arena_alloc(R->a, sizeof *f);
  const ir_typeref *t = &src->type;
  f->name = src->name;
  f->nullable = t->nullable;
  f->array = t->array_depth > 0;
  bool ok = true;
  if (t->literal || t->array_depth > 1)
    return err(R, t->range, "plans take column types: a scalar, an enum, a type or Entity.field"),
           NULL;
  /* decimal(p, s) alone takes arguments, as in a schema (E0213): `date()`
  ** or `Status(3)` is a mistake, not a date or an enum */
  if (t->has_args && (t->member || ir_scalar_kind(t->name) != IR_T_DECIMAL))
    return err(R, t->range,
               arena_printf(R->a, "'%s%s%s' takes no arguments", t->name, t->member ? "." : "",
                            t->member ? t->member : "")),
           NULL;
  if (t->member) {
    st_entity *e = st_entity_find(R->s, t->name);
    if (!e && R->self && R->self->name == t->name) e = R->self;
    st_field *target = e ? st_field_find(e, t->member) : NULL;
    if (!e) return err(R, t->range, arena_printf(R->a, "unknown entity '%s'", t->name)), NULL;
    if (!target)
      return err(R, t->range, arena_printf(R->a, "'%s' has no field '%s'", t->name, t->member)),
             NULL;
    if (f->array) return err(R, t->range, "arrays of foreign keys are not supported"), NULL;
    f->kind = target->kind;
    f->precision = target->precision;
    f->scale = target->scale;
    f->type_name = target->type_name;
    f->ref_entity = e->name;
    f->ref_field = target->name;
  } else if ((f->kind = ir_scalar_kind(t->name)) != IR_T_UNRESOLVED) {
    if (f->kind == IR_T_DECIMAL) {
      if (t->nargs != 2 || t->args[0]->kind != IR_V_NUMBER || t->args[1]->kind != IR_V_NUMBER ||
          t->args[0]->num < 1 || t->args[0]->num > 1000 || t->args[1]->num < 0 ||
          t->args[1]->num > t->args[0]->num)
        return err(R, t->range, "decimal takes a precision and a scale: decimal(10, 2)"), NULL;
      f->precision = (int)t->args[0]->num;
      f->scale = (int)t->args[1]->num;
    }
  } else if (st_enum_find(R->s, t->name)) {
    f->kind = IR_T_ENUM;
    f->type_name = t->name;
  } else if (st_entity_find(R->s, t->name)) {
    return err(R, t->range,
               arena_printf(R->a, "'%s' is an entity; a reference is written %s.id", t->name,
                            t->name)),
           NULL;
  } else {
    /* Embedded types are not in the state: any other name is one (stored as
    ** JSON).  A misspelling still shows: the replay then misses the snapshot. */
    f->kind = IR_T_EMBEDDED;
    f->type_name = t->name;
  }
  const char *map = NULL;
  for (int i = 0; i < src->nannots; i++) {
    const ir_annot *a = src->annots[i];
    const char *n = a->name;
    bool one_num = a->nargs == 1 && a->args[0]->kind == IR_V_NUMBER;
    bool one_str = a->nargs == 1 && a->args[0]->kind == IR_V_STRING;
    if (strcmp(n, "maxLength") == 0 && one_num && f->kind == IR_T_STRING) {
      double len = a->args[0]->num;
      if (!(len >= 0 && len <= INT_MAX))
        return err(R, a->range, "@maxLength takes a whole number up to 2147483647"), NULL;
      f->max_length = (int)len;
    } else if (strcmp(n, "sensitive") == 0 && !a->nargs) {
      f->sensitive = true;
    } else if (strcmp(n, "map") == 0 && one_str && a->args[0]->text[0]) {
      map = a->args[0]->text;
    } else if (strcmp(n, "onDelete") == 0 && f->ref_entity && a->nargs == 1 &&
               a->args[0]->kind == IR_V_PATH) {
      const char *w = a->args[0]->parts[0];
      if (strcmp(w, "cascade") == 0)
        f->on_delete = IR_OD_CASCADE;
      else if (strcmp(w, "setNull") == 0)
        f->on_delete = IR_OD_SET_NULL;
      else if (strcmp(w, "restrict") == 0)
        f->on_delete = IR_OD_RESTRICT;
      else
        ok = err(R, a->range, "@onDelete takes cascade, restrict or setNull");
    } else if ((strcmp(n, "unique") == 0 || strcmp(n, "index") == 0 ||
                strcmp(n, "primaryKey") == 0) &&
               !a->nargs) {
      if (!keys_allowed) {
        ok = err(R, a->range,
                 "keys do not change with alter: use add unique / drop unique, add index / drop "
                 "index, add primaryKey / drop primaryKey");
      } else if (n[0] == 'u') {
        keys->unique = true;
      } else if (n[0] == 'i') {
        keys->index = true;
      } else {
        keys->primary_key = true;
      }
    } else if (is_runtime(n)) {
      /* no database shape */
    } else {
      ok = err(R, a->range, arena_printf(R->a, "'@%s' has no meaning in a plan field here", n));
    }
  }
  if (f->nullable && keys->primary_key) ok = err(R, src->range, "a primary key cannot be nullable");
  f->column = map ? intern_cstr(R->s->names, ir_truncate_ident(R->a, map, NULL))
                  : ir_column_name(R->a, R->s->names, f->name);
  if (src->def) {
    const ir_value *v = src->def;
    if (v->kind == IR_V_PATH && v->nparts == 1 && strcmp(v->parts[0], "null") == 0) {
      if (!f->nullable) ok = err(R, v->range, "null is no default for a required field");
    } else if (f->array) {
      st_set_default(R->a, R->s->names, f, v, IR_D_LIST);
      if (v->kind != IR_V_LIST) ok = err(R, v->range, "an array default is a list: [] or [a, b]");
    } else {
      sema_coltype ct = {f->kind, f->precision, f->scale, NULL, NULL, 0};
      st_enum *en = f->kind == IR_T_ENUM ? st_enum_find(R->s, f->type_name) : NULL;
      if (en) {
        ct.enum_name = en->name;
        ct.members = en->members.v;
        ct.nmembers = en->members.n;
      }
      ir_default_kind dk;
      const char *why = NULL;
      if (!sema_default_fits(R->a, &ct, v, &dk, &why))
        ok = err(R, v->range, arena_printf(R->a, "bad default for '%s': %s", f->name, why));
      else
        st_set_default(R->a, R->s->names, f, v, dk);
    }
  }
  return ok ? f : NULL;
}

static bool read_keys(plan_reader *R, st_entity *e, const ir_entity *src) {
  bool ok = true;
  for (int i = 0; i < src->annots.n; i++) {
    const ir_annot *a = src->annots.v[i];
    bool pk = strcmp(a->name, "primaryKey") == 0, uq = strcmp(a->name, "unique") == 0,
         ix = strcmp(a->name, "index") == 0;
    if (strcmp(a->name, "map") == 0) {
      if (a->nargs == 1 && a->args[0]->kind == IR_V_STRING && a->args[0]->text[0]) {
        e->table = intern_cstr(R->s->names, ir_truncate_ident(R->a, a->args[0]->text, NULL));
        e->table_mapped = true;
      } else {
        ok = err(R, a->range, "@map takes the table name: @map(\"name\")");
      }
      continue;
    }
    if (!pk && !uq && !ix) {
      if (strcmp(a->name, "on") && strcmp(a->name, "renamedFrom"))
        ok = err(R, a->range, arena_printf(R->a, "'@%s' has no meaning in a plan", a->name));
      continue;
    }
    if (a->nargs != 1 || a->args[0]->kind != IR_V_LIST || !a->args[0]->nitems) {
      ok = err(R, a->range, arena_printf(R->a, "write @%s([a, b])", a->name));
      continue;
    }
    st_index *x = arena_alloc(R->a, sizeof *x);
    x->fields = arena_alloc(R->a, sizeof(char *) * (size_t)(a->args[0]->nitems + 1));
    for (int j = 0; j < a->args[0]->nitems; j++) {
      const ir_value *v = a->args[0]->items[j];
      if (v->kind != IR_V_PATH || v->nparts != 1 || !st_field_find(e, v->parts[0])) {
        ok = err(R, v->range, "name fields of this entity");
        continue;
      }
      x->fields[x->nfields++] = v->parts[0];
    }
    if (pk) {
      if (e->pkey.n) ok = err(R, a->range, "the primary key is given twice");
      for (int j = 0; j < x->nfields; j++)
        vec_push(R->a, e->pkey, x->fields[j]);
    } else if (uq) {
      vec_push(R->a, e->uniques, x);
    } else {
      vec_push(R->a, e->indexes, x);
    }
  }
  return ok;
}

static st_entity *read_entity(plan_reader *R, const ir_op *op) {
  const ir_entity *src = op->src_entity;
  st_entity *e = arena_alloc(R->a, sizeof *e);
  e->name = src->name;
  e->table = ir_table_name_for(R->a, R->s->names, e->name);
  R->self = e;
  bool ok = true;
  bool declared_pk = false;
  for (int i = 0; i < src->annots.n; i++)
    if (strcmp(src->annots.v[i]->name, "primaryKey") == 0) declared_pk = true;
  for (int i = 0; i < src->fields.n; i++)
    for (int j = 0; j < src->fields.v[i]->nannots; j++)
      if (strcmp(src->fields.v[i]->annots[j]->name, "primaryKey") == 0) declared_pk = true;
  /* as in a schema: no declared key means the implicit id */
  if (!declared_pk) {
    st_field *id = arena_alloc(R->a, sizeof *id);
    id->name = intern_cstr(R->s->names, "id");
    id->column = id->name;
    id->kind = IR_T_UUID;
    id->def = ST_D_UUID;
    vec_push(R->a, e->fields, id);
    vec_push(R->a, e->pkey, id->name);
  }
  namemap seen; /* a hash, not a scan a field: entities may be wide */
  namemap_init(&seen, R->a);
  for (int i = 0; i < e->fields.n; i++)
    namemap_put(&seen, e->fields.v[i]->name, e->fields.v[i]);
  for (int i = 0; i < src->fields.n; i++) {
    field_keys k = {false, false, false};
    const ir_field *sf = src->fields.v[i];
    if (namemap_get(&seen, sf->name)) {
      ok = err(R, sf->name_range, arena_printf(R->a, "field '%s' is declared twice", sf->name));
      continue;
    }
    st_field *f = read_field(R, sf, true, &k);
    if (!f) {
      ok = false;
      continue;
    }
    vec_push(R->a, e->fields, f);
    namemap_put(&seen, f->name, f);
    if (k.primary_key) vec_push(R->a, e->pkey, f->name);
    const char *one[1] = {f->name};
    if (k.unique || k.index) {
      st_index *x = arena_alloc(R->a, sizeof *x);
      x->fields = arena_alloc(R->a, sizeof(char *));
      x->fields[0] = one[0];
      x->nfields = 1;
      if (k.unique) vec_push(R->a, e->uniques, x);
      if (k.index) {
        st_index *y = arena_alloc(R->a, sizeof *y);
        *y = *x;
        vec_push(R->a, e->indexes, y);
      }
    }
  }
  ok = read_keys(R, e, src) && ok;
  if (ok) st_derive(R->s, e); /* names and order, as the differ's entities have them */
  if (src->policies.n)
    ok = err(R, src->policies.v[0]->range,
             "policies are not part of a plan: they need no migration");
  R->self = NULL;
  return ok ? e : NULL;
}

/* Turn the parsed parts of op into state parts; false after diagnostics. */
static bool read_op(plan_reader *R, ir_op *op) {
  switch (op->kind) {
  case OP_CREATE_ENTITY: return (op->create = read_entity(R, op)) != NULL;
  case OP_CREATE_ENUM: {
    st_enum *e = arena_alloc(R->a, sizeof *e);
    e->name = op->entity;
    for (int i = 0; i < op->src_enum->members.n; i++) {
      ir_enum_member *m = op->src_enum->members.v[i];
      vec_push(R->a, e->members, m->name);
    }
    op->create_enum = e;
    return true;
  }
  case OP_ADD_FIELD:
  case OP_ALTER_FIELD: {
    field_keys k = {false, false, false};
    op->field = read_field(R, op->src_field, op->kind == OP_ADD_FIELD, &k);
    op->primary_key = k.primary_key;
    op->unique = k.unique;
    op->index = k.index;
    return op->field != NULL;
  }
  case OP_ALTER_ENTITY:
    if (op->src_map) {
      const ir_annot *a = op->src_map;
      if (strcmp(a->name, "map") || a->nargs != 1 || a->args[0]->kind != IR_V_STRING ||
          !a->args[0]->text[0])
        return err(R, a->range,
                   "alter entity takes @map(\"table\"), or nothing to return to the derived name");
      op->table = intern_cstr(R->s->names, ir_truncate_ident(R->a, a->args[0]->text, NULL));
    }
    return true;
  case OP_BACKFILL: {
    st_entity *e = st_entity_find(R->s, op->entity);
    st_field *f = e ? st_field_find(e, op->name) : NULL;
    if (!f) return true; /* st_apply words it */
    st_field tmp = *f;
    tmp.def = ST_D_NONE;
    sema_coltype ct = {f->kind, f->precision, f->scale, NULL, NULL, 0};
    st_enum *en = f->kind == IR_T_ENUM ? st_enum_find(R->s, f->type_name) : NULL;
    if (en) {
      ct.enum_name = en->name;
      ct.members = en->members.v;
      ct.nmembers = en->members.n;
    }
    ir_default_kind dk = f->array ? IR_D_LIST : IR_D_LITERAL;
    const char *why = NULL;
    if (!f->array && !sema_default_fits(R->a, &ct, op->src_value, &dk, &why))
      return err(R, op->src_value->range,
                 arena_printf(R->a, "bad backfill value for '%s': %s", f->name, why));
    st_set_default(R->a, R->s->names, &tmp, op->src_value, dk);
    op->value_kind = tmp.def;
    op->value_text = tmp.def_text;
    return true;
  }
  default: return true;
  }
}

/* The trailing `// comment` on the operation's last line. */
static void read_comment(const ir_schema *s, ir_op *op) {
  const ir_file *f = src_file_of(s, &op->range);
  if (!f) return;
  const char *p = f->text + op->range.off + op->range.len;
  const char *end = f->text + f->len;
  while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
    p++;
  if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
    p += 2;
    while (p < end && *p == ' ')
      p++;
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
      e++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
      e--;
    op->comment = intern(s->names, p, (size_t)(e - p));
  }
}

void plan_comments(const ir_schema *s, ir_plan *p) {
  for (int i = 0; i < p->ops.n; i++)
    read_comment(s, p->ops.v[i]);
}

bool plan_replay(st_schema *state, ir_plan *p, diag_list *d) {
  plan_reader R = {state, d, state->a, NULL};
  bool ok = true;
  state->defer_order = true;
  for (int i = 0; i < p->ops.n; i++) {
    ir_op *op = p->ops.v[i];
    if (!read_op(&R, op)) {
      ok = false;
      continue;
    }
    const char *why = st_apply(state, op);
    if (why) {
      diag *g = diag_add(d, DIAG_E0705, op->range, "this operation cannot apply: %s", why);
      diag_label(d, g, "at this point of the history");
      ok = false;
    }
  }
  st_sort(state);
  return ok;
}
