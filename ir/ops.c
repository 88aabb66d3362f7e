/*
** ops.c: plan operations: applied to a state (replay), printed canonically,
** compared.
*/
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const op_names[OP_COUNT] = {
#define X(id, text) text,
    OP_KINDS(X)
#undef X
};

/* ---- replay ------------------------------------------------------------ */

static const char *why(st_schema *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *why(st_schema *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *r = arena_vprintf(s->a, fmt, ap);
  va_end(ap);
  return r;
}

static void remove_at(void **v, int *n, int i) {
  memmove(v + i, v + i + 1, sizeof(void *) * (size_t)(*n - i - 1));
  (*n)--;
}

/* s's entity at i, its own to change: a borrowed one (another state's too,
** st_read_json_outlined) is replaced by a copy first. */
static st_entity *own_at(st_schema *s, int i) {
  st_entity *e = s->entities.v[i];
  if (!e->borrowed) return e;
  st_entity *d = st_clone_entity(e, s->a);
  d->text = e->text;
  d->text_len = e->text_len;
  d->fingerprint = e->fingerprint;
  s->entities.v[i] = d;
  namemap_put(&s->entity_index, d->name, d);
  return d;
}

/* e of s, its own to change (own_at). */
static st_entity *own(st_schema *s, st_entity *e) {
  if (!e || !e->borrowed) return e;
  for (int i = 0; i < s->entities.n; i++)
    if (s->entities.v[i] == e) return own_at(s, i);
  return e; /* not in s: not s's to copy */
}

static const char *column_for(st_schema *s, const char *name) {
  return ir_column_name(s->a, s->names, name);
}

/* Which field of the schema points at e.f (or at any field of e when f is
** NULL), other than in entity `except`. */
static const char *referrer(const st_schema *s, const char *e, const char *f, char *buf,
                            size_t cap) {
  for (int i = 0; i < s->entities.n; i++) {
    const st_entity *x = s->entities.v[i];
    for (int j = 0; j < x->fields.n; j++) {
      const st_field *g = x->fields.v[j];
      if (g->ref_entity == e && (!f || g->ref_field == f)) {
        snprintf(buf, cap, "%s.%s", x->name, g->name);
        return buf;
      }
    }
  }
  return NULL;
}

static st_field *ref_target(st_schema *s, const st_field *g) {
  st_entity *t = g->ref_entity ? st_entity_find(s, g->ref_entity) : NULL;
  return t ? st_field_find(t, g->ref_field) : NULL;
}

static void count_refs(st_schema *s) {
  if (s->refs_counted) return;
  for (int i = 0; i < s->entities.n; i++)
    for (int j = 0; j < s->entities.v[i]->fields.n; j++)
      s->entities.v[i]->fields.v[j]->refs = 0;
  for (int i = 0; i < s->entities.n; i++)
    for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
      st_field *t = ref_target(s, s->entities.v[i]->fields.v[j]);
      if (t) t->refs++;
    }
  s->refs_counted = true;
}

/* g's reference comes (+1) or goes (-1). */
static void ref_moved(st_schema *s, const st_field *g, int by) {
  st_field *t = s->refs_counted ? ref_target(s, g) : NULL;
  if (t) t->refs += by;
}

static int refs_into(const st_entity *e) {
  int n = 0;
  for (int i = 0; i < e->fields.n; i++)
    n += e->fields.v[i]->refs;
  return n;
}

static bool same_fields(const char *const *a, int na, const char *const *b, int nb) {
  if (na != nb) return false;
  for (int i = 0; i < na; i++)
    if (a[i] != b[i]) return false;
  return true;
}

static int find_index(const void *vec, const char *const *fields, int n) {
  typedef VEC(st_index *) ivec;
  const ivec *v = vec;
  for (int i = 0; i < v->n; i++)
    if (same_fields(v->v[i]->fields, v->v[i]->nfields, fields, n)) return i;
  return -1;
}

static st_index *new_index(st_schema *s, const char *const *fields, int n) {
  st_index *x = arena_alloc(s->a, sizeof *x);
  x->fields = arena_alloc(s->a, sizeof(char *) * (size_t)(n + 1));
  memcpy(x->fields, fields, sizeof(char *) * (size_t)n);
  x->nfields = n;
  return x;
}

/* A field's reference must land on a key of an existing entity. */
static const char *check_field(st_schema *s, st_entity *e, const st_field *f, int self) {
  for (int i = 0; self != -2 && i < e->fields.n; i++) /* -2: columns checked by the caller */
    if (i != self && e->fields.v[i]->column == f->column)
      return why(s, "column '%s' is already used by '%s.%s'", f->column, e->name,
                 e->fields.v[i]->name);
  if (f->ref_entity) {
    st_entity *t = st_entity_find(s, f->ref_entity);
    if (!t) return why(s, "unknown entity '%s'", f->ref_entity);
    if (!st_field_find(t, f->ref_field))
      return why(s, "'%s' has no field '%s'", f->ref_entity, f->ref_field);
  }
  if (f->kind == IR_T_ENUM && !st_enum_find(s, f->type_name))
    return why(s, "unknown enum '%s'", f->type_name);
  return NULL;
}

static const char *check_index_fields(st_schema *s, st_entity *e, const char *const *f, int n) {
  if (n == 0) return why(s, "name at least one field");
  for (int i = 0; i < n; i++) {
    if (!st_field_find(e, f[i])) return why(s, "'%s' has no field '%s'", e->name, f[i]);
    for (int j = 0; j < i; j++)
      if (f[j] == f[i]) return why(s, "field '%s' is named twice", f[i]);
  }
  return NULL;
}

static void drop_indexes_with(void *vec, const char *field) {
  typedef VEC(st_index *) ivec;
  ivec *v = vec;
  for (int i = v->n - 1; i >= 0; i--)
    for (int j = 0; j < v->v[i]->nfields; j++)
      if (v->v[i]->fields[j] == field) {
        remove_at((void **)v->v, &v->n, i);
        break;
      }
}

static void rename_in(const char **v, int n, const char *from, const char *to) {
  for (int i = 0; i < n; i++)
    if (v[i] == from) v[i] = to;
}

static const char *apply_entity_op(st_schema *s, const ir_op *op) {
  st_entity *e = st_entity_find(s, op->entity);
  char buf[300];
  switch (op->kind) {
  case OP_CREATE_ENTITY: {
    /* entities and enums share one namespace only in the source: a name may
    ** move from one to the other within a plan */
    if (e) return why(s, "entity '%s' exists already", op->entity);
    st_entity *d = st_clone_entity(op->create, s->a);
    if (!d->table_mapped) d->table = ir_table_name_for(s->a, s->names, d->name);
    st_add_entity(s, d); /* before the checks: a key may point at itself */
    namemap columns;     /* one pass, not one scan a field: entities may be wide */
    namemap_init(&columns, s->a);
    for (int i = 0; i < d->fields.n; i++) {
      const st_field *other = namemap_get(&columns, d->fields.v[i]->column);
      const char *bad = other ? why(s, "column '%s' is already used by '%s.%s'", other->column,
                                    d->name, other->name)
                              : check_field(s, d, d->fields.v[i], -2);
      namemap_put(&columns, d->fields.v[i]->column, d->fields.v[i]);
      if (bad) {
        s->entities.n--;
        namemap_put(&s->entity_index, d->name, NULL);
        return why(s, "field '%s': %s", d->fields.v[i]->name, bad);
      }
    }
    for (int i = 0; i < d->fields.n; i++) /* nothing refers to a new entity but itself */
      d->fields.v[i]->refs = 0;
    for (int i = 0; i < d->fields.n; i++)
      ref_moved(s, d->fields.v[i], +1);
    st_derive(s, d);
    st_place_entity(s, d);
    return NULL;
  }
  case OP_DROP_ENTITY:
    if (!e) return why(s, "unknown entity '%s'", op->entity);
    count_refs(s);
    for (int i = 0; refs_into(e) && i < s->entities.n; i++) {
      st_entity *x = s->entities.v[i];
      if (x == e) continue;
      for (int j = 0; j < x->fields.n; j++)
        if (x->fields.v[j]->ref_entity == e->name)
          return why(s, "'%s.%s' still refers to '%s'; drop or alter it first", x->name,
                     x->fields.v[j]->name, e->name);
    }
    for (int i = 0; i < e->fields.n; i++)
      ref_moved(s, e->fields.v[i], -1);
    for (int i = 0; i < s->entities.n; i++)
      if (s->entities.v[i] == e) { /* there once: the rest need not be read */
        remove_at((void **)s->entities.v, &s->entities.n, i);
        break;
      }
    namemap_put(&s->entity_index, e->name, NULL);
    return NULL;
  case OP_RENAME_ENTITY:
    if (!e) return why(s, "unknown entity '%s'", op->entity);
    if (st_entity_find(s, op->to)) return why(s, "entity '%s' exists already", op->to);
    count_refs(s);
    e = own(s, e);
    for (int i = 0; refs_into(e) && i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++)
        if (s->entities.v[i]->fields.v[j]->ref_entity == e->name)
          own_at(s, i)->fields.v[j]->ref_entity = op->to;
    namemap_put(&s->entity_index, e->name, NULL);
    e->name = op->to;
    namemap_put(&s->entity_index, e->name, e);
    if (!e->table_mapped) e->table = ir_table_name_for(s->a, s->names, e->name);
    st_derive(s, e);
    st_place_entity(s, e);
    return NULL;
  case OP_ALTER_ENTITY:
    if (!e) return why(s, "unknown entity '%s'", op->entity);
    e = own(s, e);
    e->table_mapped = op->table != NULL;
    e->table = op->table ? op->table : ir_table_name_for(s->a, s->names, e->name);
    for (int i = 0; i < s->entities.n; i++)
      if (s->entities.v[i] != e && s->entities.v[i]->table == e->table)
        return why(s, "table '%s' is already used by '%s'", e->table, s->entities.v[i]->name);
    st_derive(s, e);
    return NULL;
  default: break;
  }
  (void)buf;
  return NULL;
}

static const char *apply_field_op(st_schema *s, const ir_op *op) {
  st_entity *e = own(s, st_entity_find(s, op->entity));
  if (!e) return why(s, "unknown entity '%s'", op->entity);
  int at = op->name ? st_field_index(e, op->name) : -1;
  char buf[300];
  switch (op->kind) {
  case OP_ADD_FIELD: {
    if (st_field_find(e, op->field->name))
      return why(s, "'%s' already has a field '%s'", e->name, op->field->name);
    st_field *f = arena_alloc(s->a, sizeof *f);
    *f = *op->field;
    f->refs = 0;
    const char *bad = check_field(s, e, f, -1);
    if (bad) return bad;
    vec_push(s->a, e->fields, f);
    if (op->position > 0 && op->position < e->fields.n) {
      st_field **v = e->fields.v + op->position - 1;
      memmove(v + 1, v, sizeof *v * (size_t)(e->fields.n - op->position));
      *v = f;
    }
    ref_moved(s, f, +1);
    if (op->primary_key) {
      if (e->pkey.n) return why(s, "'%s' has a primary key already", e->name);
      vec_push(s->a, e->pkey, f->name);
    }
    if (op->unique) vec_push(s->a, e->uniques, new_index(s, &f->name, 1));
    if (op->index) vec_push(s->a, e->indexes, new_index(s, &f->name, 1));
    break;
  }
  case OP_DROP_FIELD:
    if (at < 0) return why(s, "'%s' has no field '%s'", e->name, op->name);
    for (int i = 0; i < e->pkey.n; i++)
      if (e->pkey.v[i] == op->name)
        return why(s, "'%s.%s' is part of the primary key; drop the primary key first", e->name,
                   op->name);
    count_refs(s);
    if (e->fields.v[at]->refs && referrer(s, e->name, op->name, buf, sizeof buf))
      return why(s, "'%s' still refers to '%s.%s'", buf, e->name, op->name);
    ref_moved(s, e->fields.v[at], -1);
    drop_indexes_with(&e->uniques, op->name);
    drop_indexes_with(&e->indexes, op->name);
    remove_at((void **)e->fields.v, &e->fields.n, at);
    break;
  case OP_RENAME_FIELD: {
    if (at < 0) return why(s, "'%s' has no field '%s'", e->name, op->name);
    if (st_field_find(e, op->to)) return why(s, "'%s' already has a field '%s'", e->name, op->to);
    st_field *f = e->fields.v[at];
    /* a column set by @map keeps its name */
    if (f->column == column_for(s, f->name)) f->column = column_for(s, op->to);
    count_refs(s);
    for (int i = 0; f->refs && i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
        st_field *g = s->entities.v[i]->fields.v[j];
        if (g->ref_entity == e->name && g->ref_field == f->name)
          own_at(s, i)->fields.v[j]->ref_field = op->to;
      }
    rename_in(e->pkey.v, e->pkey.n, f->name, op->to);
    for (int i = 0; i < e->uniques.n; i++)
      rename_in(e->uniques.v[i]->fields, e->uniques.v[i]->nfields, f->name, op->to);
    for (int i = 0; i < e->indexes.n; i++)
      rename_in(e->indexes.v[i]->fields, e->indexes.v[i]->nfields, f->name, op->to);
    f->name = op->to;
    const char *bad = check_field(s, e, f, at);
    if (bad) return bad;
    break;
  }
  case OP_ALTER_FIELD: {
    if (at < 0) return why(s, "'%s' has no field '%s'", e->name, op->field->name);
    st_field *f = arena_alloc(s->a, sizeof *f);
    *f = *op->field;
    f->refs = e->fields.v[at]->refs;
    const char *bad = check_field(s, e, f, at);
    if (bad) return bad;
    if (f->nullable)
      for (int i = 0; i < e->pkey.n; i++)
        if (e->pkey.v[i] == f->name) return why(s, "a primary key field cannot be nullable");
    ref_moved(s, e->fields.v[at], -1);
    e->fields.v[at] = f;
    ref_moved(s, f, +1);
    break;
  }
  default: break;
  }
  st_derive(s, e);
  return NULL;
}

static const char *apply_enum_op(st_schema *s, const ir_op *op) {
  st_enum *n = st_enum_find(s, op->entity);
  if (op->kind == OP_CREATE_ENUM) {
    if (n) return why(s, "enum '%s' exists already", op->entity);
    st_enum *d = arena_alloc(s->a, sizeof *d);
    d->name = op->entity;
    d->db_name = ir_column_name(s->a, s->names, d->name);
    for (int i = 0; i < op->create_enum->members.n; i++) {
      const char *m = op->create_enum->members.v[i];
      for (int j = 0; j < d->members.n; j++)
        if (d->members.v[j] == m) return why(s, "member '%s' is listed twice", m);
      vec_push(s->a, d->members, m);
    }
    if (!d->members.n) return why(s, "an enum needs members");
    st_add_enum(s, d);
    st_place_enum(s, d);
    return NULL;
  }
  if (!n) return why(s, "unknown enum '%s'", op->entity);
  int at = -1;
  for (int i = 0; op->name && i < n->members.n; i++)
    if (n->members.v[i] == op->name) at = i;
  switch (op->kind) {
  case OP_DROP_ENUM:
    for (int i = 0; i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
        st_field *f = s->entities.v[i]->fields.v[j];
        if (f->kind == IR_T_ENUM && f->type_name == n->name)
          return why(s, "'%s.%s' still uses enum '%s'", s->entities.v[i]->name, f->name, n->name);
      }
    for (int i = 0; i < s->enums.n; i++)
      if (s->enums.v[i] == n) remove_at((void **)s->enums.v, &s->enums.n, i);
    namemap_put(&s->enum_index, n->name, NULL);
    return NULL;
  case OP_RENAME_ENUM:
    if (st_enum_find(s, op->to)) return why(s, "enum '%s' exists already", op->to);
    for (int i = 0; i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
        st_field *f = s->entities.v[i]->fields.v[j];
        if (f->kind == IR_T_ENUM && f->type_name == n->name)
          own_at(s, i)->fields.v[j]->type_name = op->to;
      }
    namemap_put(&s->enum_index, n->name, NULL);
    n->name = op->to;
    namemap_put(&s->enum_index, n->name, n);
    n->db_name = ir_column_name(s->a, s->names, n->name);
    st_place_enum(s, n);
    return NULL;
  case OP_ADD_VALUE: {
    if (at >= 0) return why(s, "enum '%s' already has '%s'", n->name, op->name);
    int pos = n->members.n;
    if (op->anchor) {
      int k = -1;
      for (int i = 0; i < n->members.n; i++)
        if (n->members.v[i] == op->anchor) k = i;
      if (k < 0) return why(s, "enum '%s' has no member '%s'", n->name, op->anchor);
      pos = op->before ? k : k + 1;
    }
    vec_push(s->a, n->members, NULL);
    memmove(n->members.v + pos + 1, n->members.v + pos,
            sizeof(char *) * (size_t)(n->members.n - 1 - pos));
    n->members.v[pos] = op->name;
    return NULL;
  }
  case OP_DROP_VALUE:
    if (at < 0) return why(s, "enum '%s' has no member '%s'", n->name, op->name);
    if (n->members.n == 1)
      return why(s, "the last member of an enum cannot be dropped; drop the enum");
    for (int i = 0; i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
        st_field *f = s->entities.v[i]->fields.v[j];
        if (f->kind == IR_T_ENUM && f->type_name == n->name && f->def == ST_D_ENUM &&
            f->def_text == op->name)
          return why(s, "'%s.%s' defaults to '%s'; change the default first",
                     s->entities.v[i]->name, f->name, op->name);
      }
    remove_at((void **)n->members.v, &n->members.n, at);
    return NULL;
  case OP_RENAME_VALUE:
    if (at < 0) return why(s, "enum '%s' has no member '%s'", n->name, op->name);
    for (int i = 0; i < n->members.n; i++)
      if (n->members.v[i] == op->to) return why(s, "enum '%s' already has '%s'", n->name, op->to);
    n->members.v[at] = op->to;
    for (int i = 0; i < s->entities.n; i++)
      for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
        st_field *f = s->entities.v[i]->fields.v[j];
        if (f->kind == IR_T_ENUM && f->type_name == n->name && f->def == ST_D_ENUM &&
            f->def_text == op->name)
          own_at(s, i)->fields.v[j]->def_text = op->to;
      }
    return NULL;
  default: return NULL;
  }
}

static const char *apply_key_op(st_schema *s, const ir_op *op) {
  st_entity *e = own(s, st_entity_find(s, op->entity));
  if (!e) return why(s, "unknown entity '%s'", op->entity);
  const char *bad = check_index_fields(s, e, op->fields, op->nfields);
  if (bad && op->kind != OP_DROP_INDEX && op->kind != OP_DROP_UNIQUE) return bad;
  char buf[300];
  switch (op->kind) {
  case OP_ADD_INDEX:
  case OP_ADD_UNIQUE: {
    void *vec = op->kind == OP_ADD_INDEX ? (void *)&e->indexes : (void *)&e->uniques;
    if (find_index(vec, op->fields, op->nfields) >= 0)
      return why(s, "'%s' already has this %s", e->name,
                 op->kind == OP_ADD_INDEX ? "index" : "unique constraint");
    if (op->kind == OP_ADD_INDEX)
      vec_push(s->a, e->indexes, new_index(s, op->fields, op->nfields));
    else
      vec_push(s->a, e->uniques, new_index(s, op->fields, op->nfields));
    break;
  }
  case OP_DROP_INDEX:
  case OP_DROP_UNIQUE: {
    bool idx = op->kind == OP_DROP_INDEX;
    int k = find_index(idx ? (void *)&e->indexes : (void *)&e->uniques, op->fields, op->nfields);
    if (k < 0) return why(s, "'%s' has no such %s", e->name, idx ? "index" : "unique constraint");
    if (!idx && e->uniques.v[k]->nfields == 1 &&
        referrer(s, e->name, e->uniques.v[k]->fields[0], buf, sizeof buf))
      return why(s, "'%s' refers to '%s.%s', which needs this unique constraint", buf, e->name,
                 e->uniques.v[k]->fields[0]);
    if (idx)
      remove_at((void **)e->indexes.v, &e->indexes.n, k);
    else
      remove_at((void **)e->uniques.v, &e->uniques.n, k);
    break;
  }
  case OP_ADD_PRIMARY_KEY:
    if (e->pkey.n) return why(s, "'%s' has a primary key already; drop it first", e->name);
    for (int i = 0; i < op->nfields; i++) {
      if (st_field_find(e, op->fields[i])->nullable)
        return why(s, "primary key field '%s' is nullable", op->fields[i]);
      vec_push(s->a, e->pkey, op->fields[i]);
    }
    break;
  case OP_DROP_PRIMARY_KEY:
    if (!same_fields(e->pkey.v, e->pkey.n, op->fields, op->nfields))
      return why(s, "the primary key of '%s' is not (%s%s)", e->name, op->fields[0],
                 op->nfields > 1 ? ", ..." : "");
    if (e->pkey.n == 1 && referrer(s, e->name, e->pkey.v[0], buf, sizeof buf)) {
      bool unique = false;
      for (int i = 0; i < e->uniques.n; i++)
        if (e->uniques.v[i]->nfields == 1 && e->uniques.v[i]->fields[0] == e->pkey.v[0])
          unique = true;
      if (!unique) return why(s, "'%s' refers to the primary key of '%s'", buf, e->name);
    }
    e->pkey.n = 0;
    break;
  default: break;
  }
  st_derive(s, e);
  return NULL;
}

const char *st_apply(st_schema *s, const ir_op *op) {
  s->fingerprints = false; /* the entities' are of what they were */
  switch (op->kind) {
  case OP_CREATE_ENTITY:
  case OP_DROP_ENTITY:
  case OP_RENAME_ENTITY:
  case OP_ALTER_ENTITY: return apply_entity_op(s, op);
  case OP_ADD_FIELD:
  case OP_DROP_FIELD:
  case OP_RENAME_FIELD:
  case OP_ALTER_FIELD: return apply_field_op(s, op);
  case OP_CREATE_ENUM:
  case OP_DROP_ENUM:
  case OP_RENAME_ENUM:
  case OP_ADD_VALUE:
  case OP_DROP_VALUE:
  case OP_RENAME_VALUE: return apply_enum_op(s, op);
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY: return apply_key_op(s, op);
  case OP_BACKFILL: {
    st_entity *e = st_entity_find(s, op->entity);
    if (!e) return why(s, "unknown entity '%s'", op->entity);
    if (!st_field_find(e, op->name)) return why(s, "'%s' has no field '%s'", e->name, op->name);
    return NULL;
  }
  case OP_SQL:
  default: return NULL;
  }
}

/* ---- printing ---------------------------------------------------------- */

static void out_fields(strbuf *b, const char *entity, const char *const *f, int n) {
  strbuf_puts(b, entity);
  strbuf_puts(b, "(");
  for (int i = 0; i < n; i++) {
    if (i) strbuf_puts(b, ", ");
    strbuf_puts(b, f[i]);
  }
  strbuf_puts(b, ")");
}

static void out_list(strbuf *b, const char *annot, const char *const *f, int n) {
  strbuf_puts(b, annot);
  strbuf_puts(b, "([");
  for (int i = 0; i < n; i++) {
    if (i) strbuf_puts(b, ", ");
    strbuf_puts(b, f[i]);
  }
  strbuf_puts(b, "])");
}

/* The implicit key, which plans leave out as schemas do. */
static bool implicit_id(const st_entity *e, const st_field *f, int pos) {
  return pos == 0 && strcmp(f->name, "id") == 0 && f->kind == IR_T_UUID && !f->nullable &&
         !f->array && f->def == ST_D_UUID && e->pkey.n == 1 && e->pkey.v[0] == f->name &&
         strcmp(f->column, "id") == 0 && !f->sensitive && !f->ref_entity;
}

static void out_create(strbuf *b, arena *a, const st_entity *e) {
  strbuf_puts(b, "create entity ");
  strbuf_puts(b, e->name);
  strbuf_puts(b, " {\n");
  for (int i = 0; i < e->fields.n; i++) {
    if (implicit_id(e, e->fields.v[i], i)) continue;
    strbuf_puts(b, "    ");
    strbuf_puts(b, st_field_text(a, e->fields.v[i], true, e));
    strbuf_puts(b, "\n");
  }
  if (e->pkey.n > 1) {
    strbuf_puts(b, "    ");
    out_list(b, "@primaryKey", e->pkey.v, e->pkey.n);
    strbuf_puts(b, "\n");
  }
  for (int i = 0; i < e->uniques.n; i++)
    if (e->uniques.v[i]->nfields > 1) {
      strbuf_puts(b, "    ");
      out_list(b, "@unique", e->uniques.v[i]->fields, e->uniques.v[i]->nfields);
      strbuf_puts(b, "\n");
    }
  for (int i = 0; i < e->indexes.n; i++)
    if (e->indexes.v[i]->nfields > 1) {
      strbuf_puts(b, "    ");
      out_list(b, "@index", e->indexes.v[i]->fields, e->indexes.v[i]->nfields);
      strbuf_puts(b, "\n");
    }
  if (e->table_mapped) {
    strbuf_puts(b, "    @map(");
    st_put_string(b, e->table);
    strbuf_puts(b, ")\n");
  }
  strbuf_puts(b, "  }");
}

static void out_op(strbuf *b, arena *a, const ir_op *op) {
  switch (op->kind) {
  case OP_CREATE_ENTITY: out_create(b, a, op->create); break;
  case OP_DROP_ENTITY:
  case OP_DROP_ENUM:
    strbuf_puts(b, op_names[op->kind]);
    strbuf_puts(b, " ");
    strbuf_puts(b, op->entity);
    break;
  case OP_RENAME_ENTITY:
  case OP_RENAME_ENUM:
    strbuf_puts(b, op_names[op->kind]);
    strbuf_puts(b, " ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, " -> ");
    strbuf_puts(b, op->to);
    break;
  case OP_ALTER_ENTITY:
    strbuf_puts(b, "alter entity ");
    strbuf_puts(b, op->entity);
    if (op->table) {
      strbuf_puts(b, " @map(");
      st_put_string(b, op->table);
      strbuf_puts(b, ")");
    }
    break;
  case OP_ADD_FIELD:
  case OP_ALTER_FIELD: {
    strbuf_puts(b, op->kind == OP_ADD_FIELD ? "add " : "alter ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    /* keys written on the field, as the schema would */
    st_entity tmp;
    memset(&tmp, 0, sizeof tmp);
    const char *one[1] = {op->field->name};
    st_index ix = {NULL, (const char **)one, 1};
    st_index *ixp = &ix;
    if (op->primary_key) {
      tmp.pkey.v = (const char **)one;
      tmp.pkey.n = 1;
    }
    if (op->unique) tmp.uniques.v = &ixp, tmp.uniques.n = 1;
    if (op->index) tmp.indexes.v = &ixp, tmp.indexes.n = 1;
    strbuf_puts(b, st_field_text(a, op->field, true, &tmp));
    break;
  }
  case OP_DROP_FIELD:
    strbuf_puts(b, "drop ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    strbuf_puts(b, op->name);
    break;
  case OP_RENAME_FIELD:
  case OP_RENAME_VALUE:
    strbuf_puts(b, op->kind == OP_RENAME_FIELD ? "rename " : "rename value ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    strbuf_puts(b, op->name);
    strbuf_puts(b, " -> ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    strbuf_puts(b, op->to);
    break;
  case OP_CREATE_ENUM:
    strbuf_puts(b, "create enum ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, " { ");
    for (int i = 0; i < op->create_enum->members.n; i++) {
      if (i) strbuf_puts(b, ", ");
      strbuf_puts(b, op->create_enum->members.v[i]);
    }
    strbuf_puts(b, " }");
    break;
  case OP_ADD_VALUE:
  case OP_DROP_VALUE:
    strbuf_puts(b, op_names[op->kind]);
    strbuf_puts(b, " ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    strbuf_puts(b, op->name);
    if (op->anchor) {
      strbuf_puts(b, op->before ? " before " : " after ");
      strbuf_puts(b, op->anchor);
    }
    break;
  case OP_ADD_INDEX:
  case OP_DROP_INDEX:
  case OP_ADD_UNIQUE:
  case OP_DROP_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
  case OP_DROP_PRIMARY_KEY:
    strbuf_puts(b, op_names[op->kind]);
    strbuf_puts(b, " ");
    out_fields(b, op->entity, op->fields, op->nfields);
    break;
  case OP_BACKFILL: {
    strbuf_puts(b, "backfill ");
    strbuf_puts(b, op->entity);
    strbuf_puts(b, ".");
    strbuf_puts(b, op->name);
    strbuf_puts(b, " = ");
    if (op->value_kind == ST_D_STRING)
      st_put_string(b, op->value_text);
    else if (op->value_kind == ST_D_NOW)
      strbuf_puts(b, "now()");
    else if (op->value_kind == ST_D_UUID)
      strbuf_puts(b, "uuid()");
    else
      strbuf_puts(b, op->value_text);
    if (op->only_null) {
      strbuf_puts(b, " where ");
      strbuf_puts(b, op->entity);
      strbuf_puts(b, ".");
      strbuf_puts(b, op->name);
      strbuf_puts(b, " is null");
    }
    if (op->batch) strbuf_printf(b, " batch %d", op->batch);
    break;
  }
  case OP_SQL:
    strbuf_puts(b, "sql ");
    if (op->dialect) {
      strbuf_puts(b, op->dialect);
      strbuf_puts(b, " ");
    }
    st_put_string(b, op->sql);
    break;
  default: break;
  }
}

const char *op_print(arena *a, const ir_op *op) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  out_op(&b, a, op);
  const char *text = strbuf_done(&b, a), *nl = strchr(text, '\n');
  /* a create's first line stands for it */
  return nl ? arena_printf(a, "%.*s ... }", (int)(nl - text), text) : text;
}

char *plan_print(arena *a, const ir_plan *p) {
  strbuf b = {0};
  strbuf_puts(&b, "migration ");
  st_put_string(&b, p->name ? p->name : "");
  strbuf_puts(&b, " {\n");
  for (int i = 0; i < p->ops.n; i++) {
    const ir_op *op = p->ops.v[i];
    strbuf_puts(&b, "  ");
    if (op->resolve) strbuf_puts(&b, "[RESOLVE] ");
    out_op(&b, a, op);
    if (op->comment && op->comment[0]) {
      strbuf_puts(&b, "  // ");
      strbuf_puts(&b, op->comment);
    }
    strbuf_puts(&b, "\n");
  }
  strbuf_puts(&b, "}\n");
  return strbuf_done(&b, a);
}

/* ---- equality ---------------------------------------------------------- */

static bool same(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

static bool entity_equal(const st_entity *a, const st_entity *b) {
  if (!a || !b) return a == b;
  if (a->name != b->name || a->table_mapped != b->table_mapped ||
      (a->table_mapped && !same(a->table, b->table)) || a->fields.n != b->fields.n ||
      !same_fields(a->pkey.v, a->pkey.n, b->pkey.v, b->pkey.n) ||
      !st_same_indexes(&a->uniques, &b->uniques) || !st_same_indexes(&a->indexes, &b->indexes))
    return false;
  for (int i = 0; i < a->fields.n; i++)
    if (!st_field_equal(a->fields.v[i], b->fields.v[i])) return false;
  return true;
}

bool op_equal(const ir_op *a, const ir_op *b) {
  if (a->kind != b->kind || a->resolve != b->resolve || !same(a->comment, b->comment) ||
      !same(a->entity, b->entity) || !same(a->name, b->name) || !same(a->to, b->to) ||
      !same(a->anchor, b->anchor) || a->before != b->before || !same(a->table, b->table) ||
      !same(a->value_text, b->value_text) || a->value_kind != b->value_kind ||
      a->only_null != b->only_null || a->batch != b->batch || !same(a->dialect, b->dialect) ||
      !same(a->sql, b->sql) || a->primary_key != b->primary_key || a->unique != b->unique ||
      a->index != b->index || !same_fields(a->fields, a->nfields, b->fields, b->nfields))
    return false;
  if ((a->field == NULL) != (b->field == NULL) || (a->field && !st_field_equal(a->field, b->field)))
    return false;
  if (!entity_equal(a->create, b->create)) return false;
  if ((a->create_enum == NULL) != (b->create_enum == NULL)) return false;
  if (a->create_enum && !same_fields(a->create_enum->members.v, a->create_enum->members.n,
                                     b->create_enum->members.v, b->create_enum->members.n))
    return false;
  return true;
}
