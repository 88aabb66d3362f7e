/*
** state.c: the schema-affecting state: built from a checked schema, compared,
** and printed back as Inspire text for plans.
*/
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

st_schema *st_new(arena *a, strtab *names) {
  st_schema *s = arena_alloc(a, sizeof *s);
  s->a = a;
  s->names = names;
  namemap_init(&s->entity_index, a);
  namemap_init(&s->enum_index, a);
  return s;
}

void st_add_entity(st_schema *s, st_entity *e) {
  vec_push(s->a, s->entities, e);
  namemap_put(&s->entity_index, e->name, e);
}

void st_add_enum(st_schema *s, st_enum *e) {
  vec_push(s->a, s->enums, e);
  namemap_put(&s->enum_index, e->name, e);
}

st_entity *st_entity_find(const st_schema *s, const char *name) {
  return namemap_get(&s->entity_index, name);
}

void st_prefetch_named(const st_schema *in, const char *ahead2, const char *ahead1) {
  namemap_prefetch(&in->entity_index, ahead2);
  const st_entity *o = namemap_peek(&in->entity_index, ahead1);
  if (o) ir_prefetch(o, sizeof *o);
}

void st_prefetch_step(st_entity *const *v, int i, int n, const st_schema *in) {
  if (i + 4 < n) ir_prefetch(v[i + 4], sizeof(st_entity));
  if (in)
    st_prefetch_named(in, i + 2 < n ? v[i + 2]->name : NULL, i + 1 < n ? v[i + 1]->name : NULL);
}

st_enum *st_enum_find(const st_schema *s, const char *name) {
  return namemap_get(&s->enum_index, name);
}

int st_field_index(const st_entity *e, const char *name) {
  for (int i = 0; i < e->fields.n; i++)
    if (e->fields.v[i]->name == name) return i;
  return -1;
}

st_field *st_field_find(const st_entity *e, const char *name) {
  int i = st_field_index(e, name);
  return i < 0 ? NULL : e->fields.v[i];
}

/* ---- copies ------------------------------------------------------------ */

static st_index *clone_index(arena *a, const st_index *x) {
  st_index *y = arena_alloc(a, sizeof *y);
  *y = *x;
  y->fields = arena_alloc(a, sizeof(char *) * (size_t)(x->nfields + 1));
  memcpy(y->fields, x->fields, sizeof(char *) * (size_t)x->nfields);
  return y;
}

st_entity *st_clone_entity(const st_entity *e, arena *a) {
  st_entity *d = arena_alloc(a, sizeof *d);
  d->name = e->name;
  d->table = e->table;
  d->table_mapped = e->table_mapped;
  d->pkey_name = e->pkey_name;
  for (int j = 0; j < e->fields.n; j++) {
    st_field *f = arena_alloc(a, sizeof *f);
    *f = *e->fields.v[j];
    vec_push(a, d->fields, f);
  }
  for (int j = 0; j < e->pkey.n; j++)
    vec_push(a, d->pkey, e->pkey.v[j]);
  for (int j = 0; j < e->uniques.n; j++)
    vec_push(a, d->uniques, clone_index(a, e->uniques.v[j]));
  for (int j = 0; j < e->indexes.n; j++)
    vec_push(a, d->indexes, clone_index(a, e->indexes.v[j]));
  for (int j = 0; j < e->fk_indexes.n; j++)
    vec_push(a, d->fk_indexes, clone_index(a, e->fk_indexes.v[j]));
  return d;
}

st_enum *st_clone_enum(const st_enum *e, arena *a) {
  st_enum *d = arena_alloc(a, sizeof *d);
  d->name = e->name;
  d->db_name = e->db_name;
  for (int j = 0; j < e->members.n; j++)
    vec_push(a, d->members, e->members.v[j]);
  return d;
}

st_schema *st_clone(const st_schema *s, arena *a) {
  st_schema *c = st_new(a, s->names);
  for (int i = 0; i < s->entities.n; i++)
    st_add_entity(c, st_clone_entity(s->entities.v[i], a));
  for (int i = 0; i < s->enums.n; i++)
    st_add_enum(c, st_clone_enum(s->enums.v[i], a));
  return c;
}

/* ---- derived names ------------------------------------------------------ */

static int cmp_index(const void *a, const void *b) {
  return strcmp((*(st_index *const *)a)->name, (*(st_index *const *)b)->name);
}

static void sort_indexes(void *vec) { /* a VEC(st_index *), by name */
  typedef VEC(st_index *) ivec;
  ivec *v = vec;
  if (v->n > 1) qsort(v->v, (size_t)v->n, sizeof(st_index *), cmp_index);
}

static const char **columns_of(arena *a, const st_entity *e, const st_index *x) {
  const char **cols = arena_alloc(a, sizeof(char *) * (size_t)(x->nfields + 1));
  for (int i = 0; i < x->nfields; i++) {
    st_field *f = st_field_find(e, x->fields[i]);
    cols[i] = f ? f->column : x->fields[i];
  }
  return cols;
}

static bool index_starts_with(const char *const *fields, int n, const char *name) {
  return n > 0 && fields[0] == name;
}

/* language.md 2.1: every FK column gets an index unless a key already starts
** with it; names follow lowering.md. */
void st_derive(st_schema *s, st_entity *e) {
  arena *a = s->a;
  /* interned, as the index names: a derived entity that did not change has
  ** the same names, pointer for pointer (st_entity_fingerprint) */
  e->pkey_name = intern_cstr(s->names, ir_key_name(a, e->table, NULL, 0, "pkey"));
  for (int i = 0; i < e->uniques.n; i++) {
    st_index *x = e->uniques.v[i];
    x->name =
        intern_cstr(s->names, ir_key_name(a, e->table, columns_of(a, e, x), x->nfields, "key"));
  }
  for (int i = 0; i < e->indexes.n; i++) {
    st_index *x = e->indexes.v[i];
    x->name =
        intern_cstr(s->names, ir_key_name(a, e->table, columns_of(a, e, x), x->nfields, "idx"));
  }
  e->fk_indexes.n = 0;
  for (int i = 0; i < e->fields.n; i++) {
    st_field *f = e->fields.v[i];
    if (!f->ref_entity) continue;
    bool covered = index_starts_with(e->pkey.v, e->pkey.n, f->name);
    for (int j = 0; !covered && j < e->uniques.n; j++)
      covered = index_starts_with(e->uniques.v[j]->fields, e->uniques.v[j]->nfields, f->name);
    for (int j = 0; !covered && j < e->indexes.n; j++)
      covered = index_starts_with(e->indexes.v[j]->fields, e->indexes.v[j]->nfields, f->name);
    if (covered) continue;
    st_index *x = arena_alloc(a, sizeof *x);
    x->fields = arena_alloc(a, sizeof(char *));
    x->fields[0] = f->name;
    x->nfields = 1;
    x->name = intern_cstr(s->names, ir_key_name(a, e->table, &f->column, 1, "idx"));
    vec_push(a, e->fk_indexes, x);
  }
  sort_indexes(&e->uniques);
  sort_indexes(&e->indexes);
  sort_indexes(&e->fk_indexes);
}

static int cmp_entity(const void *a, const void *b) {
  return strcmp((*(st_entity *const *)a)->name, (*(st_entity *const *)b)->name);
}

static int cmp_enum(const void *a, const void *b) {
  return strcmp((*(st_enum *const *)a)->name, (*(st_enum *const *)b)->name);
}

/* Move v[i] to its place in v, sorted but for it: one insertion step, not a
** sort, so that a plan of many creates stays linear in entities per step. */
static void place(void **v, int n, int i, int (*cmp)(const void *, const void *)) {
  void *x = v[i];
  memmove(v + i, v + i + 1, (size_t)(n - i - 1) * sizeof *v);
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (cmp(&v[mid], &x) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  memmove(v + lo + 1, v + lo, (size_t)(n - 1 - lo) * sizeof *v);
  v[lo] = x;
}

/* From the end: a created entity is the last. */
void st_place_entity(st_schema *s, const st_entity *e) {
  if (s->defer_order) return;
  for (int i = s->entities.n - 1; i >= 0; i--)
    if (s->entities.v[i] == e) return place((void **)s->entities.v, s->entities.n, i, cmp_entity);
}

void st_place_enum(st_schema *s, const st_enum *e) {
  if (s->defer_order) return;
  for (int i = s->enums.n - 1; i >= 0; i--)
    if (s->enums.v[i] == e) return place((void **)s->enums.v, s->enums.n, i, cmp_enum);
}

/* v[0..n) sorted by cmp: most states are in order already (a reader's, in
** the order written), and qsort compares n log n names even then. */
static bool in_order(void *const *v, int n, int (*cmp)(const void *, const void *)) {
  for (int i = 1; i < n; i++)
    if (cmp(&v[i - 1], &v[i]) > 0) return false;
  return true;
}

void st_sort(st_schema *s) {
  s->defer_order = false;
  if (!in_order((void *const *)s->entities.v, s->entities.n, cmp_entity))
    qsort(s->entities.v, (size_t)s->entities.n, sizeof(st_entity *), cmp_entity);
  if (!in_order((void *const *)s->enums.v, s->enums.n, cmp_enum))
    qsort(s->enums.v, (size_t)s->enums.n, sizeof(st_enum *), cmp_enum);
}

/* ---- values as Inspire text -------------------------------------------- */

/* A string literal: the escapes of language.md 1, control characters as \u{X}. */
void st_put_string(strbuf *b, const char *s) {
  strbuf_puts(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': strbuf_puts(b, "\\\""); break;
    case '\\': strbuf_puts(b, "\\\\"); break;
    case '\n': strbuf_puts(b, "\\n"); break;
    case '\t': strbuf_puts(b, "\\t"); break;
    case '\r': strbuf_puts(b, "\\r"); break;
    default:
      if (*p < 0x20 || *p == 0x7f) {
        strbuf_printf(b, "\\u{%X}", *p);
      } else {
        strbuf_put(b, (const char *)p, 1);
      }
    }
  }
  strbuf_puts(b, "\"");
}

static const char *number_text(const char *t, char *buf, size_t cap) {
  size_t n = 0;
  const char *p = t;
  if (*p == '-') buf[n++] = *p++;
  while (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
    p++;
  while (*p && n < cap - 1)
    buf[n++] = *p++;
  buf[n] = 0;
  return buf;
}

static void put_value(strbuf *b, const ir_value *v, int depth);

static void put_items(strbuf *b, ir_value **items, int n, int depth) {
  for (int i = 0; i < n; i++) {
    if (i) strbuf_puts(b, ", ");
    put_value(b, items[i], depth + 1);
  }
}

static void put_value(strbuf *b, const ir_value *v, int depth) {
  char num[128];
  if (depth > 300) return;
  switch (v->kind) {
  case IR_V_STRING: st_put_string(b, v->text); break;
  case IR_V_NUMBER: strbuf_puts(b, number_text(v->text, num, sizeof num)); break;
  case IR_V_DURATION:
  case IR_V_RATE: strbuf_puts(b, v->text); break;
  case IR_V_STAR: strbuf_puts(b, "*"); break;
  case IR_V_PATH:
  case IR_V_CALL:
    for (int i = 0; i < v->nparts; i++) {
      if (i) strbuf_puts(b, ".");
      strbuf_puts(b, v->parts[i]);
    }
    if (v->kind == IR_V_CALL) {
      strbuf_puts(b, "(");
      put_items(b, v->items, v->nitems, depth);
      strbuf_puts(b, ")");
    }
    break;
  case IR_V_LIST:
    strbuf_puts(b, "[");
    put_items(b, v->items, v->nitems, depth);
    strbuf_puts(b, "]");
    break;
  case IR_V_PAIR:
    strbuf_puts(b, v->text);
    strbuf_puts(b, ": ");
    put_value(b, v->value, depth + 1);
    break;
  case IR_V_ANNOT:
    strbuf_puts(b, "@");
    strbuf_puts(b, v->text);
    strbuf_puts(b, "(");
    put_items(b, v->items, v->nitems, depth);
    strbuf_puts(b, ")");
    break;
  case IR_V_OBJECT: {
    const ir_block *bl = v->block;
    strbuf_puts(b, bl->n ? "{ " : "{}");
    for (int i = 0; i < bl->n; i++) {
      const ir_item *it = bl->items[i];
      if (i) strbuf_puts(b, ", ");
      if (it->kind == IR_I_KV && it->value) {
        strbuf_puts(b, it->key);
        strbuf_puts(b, ": ");
        put_value(b, it->value, depth + 1);
      }
    }
    if (bl->n) strbuf_puts(b, " }");
    break;
  }
  case IR_V_COND: strbuf_puts(b, "where ..."); break;
  }
}

char *ir_value_text(arena *a, const ir_value *v) {
  strbuf b = {0};
  put_value(&b, v, 0);
  return strbuf_done(&b, a);
}

void st_set_default(arena *a, strtab *names, st_field *f, const ir_value *v, ir_default_kind k) {
  char num[128];
  f->def = ST_D_NONE;
  f->def_text = NULL;
  if (!v) return;
  switch (k) {
  case IR_D_NONE: return;
  case IR_D_NOW: f->def = ST_D_NOW; return;
  case IR_D_UUID: f->def = ST_D_UUID; return;
  case IR_D_ENUM:
    f->def = ST_D_ENUM;
    f->def_text = intern_cstr(names, v->kind == IR_V_STRING ? v->text : v->parts[0]);
    return;
  case IR_D_LIST:
  case IR_D_JSON:
    f->def = ST_D_LITERAL;
    f->def_text = intern_cstr(names, ir_value_text(a, v));
    return;
  case IR_D_LITERAL:
    if (v->kind == IR_V_STRING) {
      f->def = ST_D_STRING;
      f->def_text = intern_cstr(names, v->text);
    } else if (v->kind == IR_V_NUMBER) {
      f->def = ST_D_NUMBER;
      f->def_text = intern_cstr(names, number_text(v->text, num, sizeof num));
    } else if (v->kind == IR_V_PATH) {
      f->def = ST_D_BOOLEAN;
      f->def_text = intern_cstr(names, v->parts[0]);
    }
    return;
  }
}

/* ---- from a checked schema ----------------------------------------------- */

void st_maker_init(st_maker *m, arena *a, strtab *names) {
  st_maker_init_apart(m, a, a, names);
}

void st_maker_init_apart(st_maker *m, arena *a, arena *keep, strtab *names) {
  m->a = a;
  m->names = names;
  namemap_init(&m->seen, keep);
}

/* A column's name interned: sema gives the fields of one name one column
** string (its cache of derived names), so a map from that string to the
** interned one spares hashing the bytes of every field's. */
static const char *column_interned(st_maker *m, const char *column) {
  const char *c = namemap_get(&m->seen, column);
  if (!c) {
    c = intern_cstr(m->names, column);
    namemap_put(&m->seen, column, (void *)c);
  }
  return c;
}

static st_field *field_state(st_maker *m, const ir_field *f) {
  st_field *d = arena_alloc(m->a, sizeof *d);
  const ir_typeref *t = &f->type;
  d->name = f->name;
  d->column = column_interned(m, f->column);
  d->kind = t->kind;
  d->precision = t->precision;
  d->scale = t->scale;
  if (t->enum_)
    d->type_name = t->enum_->name;
  else if (t->embedded)
    d->type_name = t->embedded->name;
  d->nullable = t->nullable;
  d->array = t->array_depth > 0;
  d->sensitive = f->sensitive;
  if (t->kind == IR_T_STRING)
    for (int i = 0; i < f->nannots; i++)
      if (strcmp(f->annots[i]->name, "maxLength") == 0 && f->annots[i]->nargs == 1 &&
          f->annots[i]->args[0]->kind == IR_V_NUMBER) {
        double len = f->annots[i]->args[0]->num; /* checked by sema; the cast must not overflow */
        d->max_length = len >= 0 && len <= INT_MAX ? (int)len : 0;
      }
  st_set_default(m->a, m->names, d, f->def, f->def_kind);
  if (t->fk_entity && t->fk_field) {
    d->ref_entity = t->fk_entity->name;
    d->ref_field = t->fk_field->name;
    d->on_delete = f->on_delete;
  }
  return d;
}

/* An index with the name sema gave it (entity_keys), interned: the name
** st_derive would give, from the same table and columns by ir_key_name;
** making each again was most of this file's time at 10,000 entities. */
static st_index *index_state(arena *a, strtab *names, const ir_index *x) {
  st_index *y = arena_alloc(a, sizeof *y);
  y->fields = arena_alloc(a, sizeof(char *) * (size_t)(x->nfields + 1));
  for (int i = 0; i < x->nfields; i++)
    y->fields[i] = x->fields[i]->name;
  y->nfields = x->nfields;
  y->name = intern_cstr(names, x->name);
  return y;
}

st_entity *st_entity_from_ir(st_maker *m, const ir_entity *e) {
  arena *a = m->a;
  strtab *names = m->names;
  st_entity *d = arena_alloc(a, sizeof *d);
  d->name = e->name;
  d->table = intern_cstr(names, e->table);
  /* an @map of the very name it would get is no mapping */
  d->table_mapped = !e->table_derived && d->table != ir_table_name_for(a, names, e->name);
  d->fields.v = arena_alloc(a, sizeof(st_field *) * (size_t)(e->fields.n + 1));
  d->fields.cap = e->fields.n + 1; /* grown a field at a time, it left four arrays behind */
  for (int j = 0; j < e->fields.n; j++)
    if (!e->fields.v[j]->duplicate) vec_push(a, d->fields, field_state(m, e->fields.v[j]));
  if (e->pkey)
    for (int j = 0; j < e->pkey->nfields; j++)
      vec_push(a, d->pkey, e->pkey->fields[j]->name);
  d->pkey_name =
      intern_cstr(names, e->pkey ? e->pkey->name : ir_key_name(a, d->table, NULL, 0, "pkey"));
  for (int j = 0; j < e->uniques.n; j++)
    vec_push(a, d->uniques, index_state(a, names, e->uniques.v[j]));
  for (int j = 0; j < e->indexes.n; j++) /* sema's FK indexes follow the declared ones */
    if (e->indexes.v[j]->from_fk)
      vec_push(a, d->fk_indexes, index_state(a, names, e->indexes.v[j]));
    else
      vec_push(a, d->indexes, index_state(a, names, e->indexes.v[j]));
  sort_indexes(&d->uniques); /* as st_derive leaves them */
  sort_indexes(&d->indexes);
  sort_indexes(&d->fk_indexes);
  /* while its members are in the cache */
  d->fingerprint = st_entity_fingerprint(d);
  for (int j = 0; j < d->fields.n; j++)
    d->nrefs += d->fields.v[j]->ref_entity != NULL;
  if (d->nrefs) d->refs = arena_alloc(a, sizeof(char *) * (size_t)(2 * d->nrefs));
  d->refs_listed = true;
  for (int j = 0, k = 0; j < d->fields.n; j++)
    if (d->fields.v[j]->ref_entity) {
      d->refs[k++] = d->fields.v[j]->ref_entity;
      d->refs[k++] = d->fields.v[j]->ref_field;
    }
  return d;
}

/* One thread's share of st_from_schema: its own arena and the shared name
** table. */
typedef struct state_maker {
  const ir_schema *s;
  st_maker mk;
  int from, to; /* entities of s */
  VEC(st_entity *) made;
  arena a;
} state_maker;

/* The entities [from, to), made (or taken, as sema made them) and sorted by
** name. */
static void *make_entities(void *arg) {
  state_maker *m = arg;
  for (int i = m->from; i < m->to; i++) {
    ir_entity *e = m->s->entities.v[i];
    st_entity *d = e->state;
    e->state = NULL; /* the state's own now: another would be made anew */
    if (!e->used || e->duplicate) continue;
    vec_push(m->mk.a, m->made, d ? d : st_entity_from_ir(&m->mk, e));
  }
  if (m->made.n > 1) qsort(m->made.v, (size_t)m->made.n, sizeof(st_entity *), cmp_entity);
  return NULL;
}

/* Before the maker's own arena, if it has one, is initialized: all is zeroed. */
static void maker_init(state_maker *m, const ir_schema *s, arena *a, int from, int to) {
  memset(m, 0, sizeof *m);
  m->s = s;
  st_maker_init(&m->mk, a, s->names);
  m->from = from;
  m->to = to;
}

/* Below this many entities a second thread costs more than it saves. */
#define STATE_SPLIT_MIN 1024

/* The entities are made in two halves at once, each sorted, then merged: a
** sixth of plan's time at 10,000 entities was this, on one thread. */
st_schema *st_from_schema(const ir_schema *s) {
  st_schema *st = st_new(s->a, s->names);
  int n = s->entities.n, mid = n >= STATE_SPLIT_MIN && ir_threads_wanted() ? n / 2 : n;
  state_maker first, second;
  maker_init(&first, s, s->a, 0, mid);
  maker_init(&second, s, &second.a, mid, n);
  arena_init(&second.a);
  ir_task task;
  if (mid < n) strtab_share(s->names);
  ir_task_start(&task, make_entities, &second, mid < n);
  make_entities(&first);
  ir_task_wait(&task);
  if (mid < n) strtab_unshare(s->names);
  arena_adopt(s->a, &second.a);
  namemap_reserve(&st->entity_index, (uint32_t)(first.made.n + second.made.n));
  int i = 0, j = 0;
  while (i < first.made.n || j < second.made.n) {
    bool left = j >= second.made.n ||
                (i < first.made.n && cmp_entity(&first.made.v[i], &second.made.v[j]) <= 0);
    st_add_entity(st, left ? first.made.v[i++] : second.made.v[j++]);
  }
  st_add_schema_enums(st, s);
  st->fingerprints = true;
  return st;
}

void st_add_schema_enums(st_schema *st, const ir_schema *s) {
  for (int k = 0; k < s->enums.n; k++) {
    const ir_enum *e = s->enums.v[k];
    st_enum *d = arena_alloc(s->a, sizeof *d);
    d->name = e->name;
    d->db_name = intern_cstr(s->names, e->db_name);
    for (int x = 0; x < e->members.n; x++)
      vec_push(s->a, d->members, e->members.v[x]->name);
    st_add_enum(st, d);
  }
  if (st->enums.n > 1) /* by name, as a state's entities are */
    qsort(st->enums.v, (size_t)st->enums.n, sizeof(st_enum *), cmp_enum);
}

/* ---- comparison -------------------------------------------------------- */

static bool same_str(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

bool st_same_column_type(const st_field *a, const st_field *b) {
  return a->kind == b->kind && a->precision == b->precision && a->scale == b->scale &&
         same_str(a->type_name, b->type_name) && a->array == b->array &&
         a->sensitive == b->sensitive && same_str(a->ref_entity, b->ref_entity) &&
         same_str(a->ref_field, b->ref_field);
}

bool st_field_equal(const st_field *a, const st_field *b) {
  return a->name == b->name && same_str(a->column, b->column) && st_same_column_type(a, b) &&
         a->nullable == b->nullable && a->max_length == b->max_length && a->def == b->def &&
         same_str(a->def_text, b->def_text) && (!a->ref_entity || a->on_delete == b->on_delete);
}

bool st_same_indexes(const void *va, const void *vb) {
  typedef VEC(st_index *) ivec;
  const ivec *a = va, *b = vb;
  if (a->n != b->n) return false;
  for (int i = 0; i < a->n; i++) {
    if (a->v[i]->nfields != b->v[i]->nfields) return false;
    for (int j = 0; j < a->v[i]->nfields; j++)
      if (a->v[i]->fields[j] != b->v[i]->fields[j]) return false;
  }
  return true;
}

static bool same_index_list(const st_index *const *a, int na, const st_index *const *b, int nb) {
  if (na != nb) return false;
  for (int i = 0; i < na; i++) {
    if (a[i]->nfields != b[i]->nfields || !same_str(a[i]->name, b[i]->name)) return false;
    for (int j = 0; j < a[i]->nfields; j++)
      if (a[i]->fields[j] != b[i]->fields[j]) return false;
  }
  return true;
}

char *st_type_text(arena *a, const st_field *f) {
  char buf[64];
  const char *base;
  if (f->ref_entity) {
    base = arena_printf(a, "%s.%s", f->ref_entity, f->ref_field);
  } else if (f->kind == IR_T_DECIMAL) {
    snprintf(buf, sizeof buf, "decimal(%d, %d)", f->precision, f->scale);
    base = buf;
  } else if (f->type_name) {
    base = f->type_name;
  } else {
    base = ir_type_names[f->kind];
  }
  return arena_printf(a, "%s%s%s", base, f->array ? "[]" : "", f->nullable ? "?" : "");
}

static const char *default_text(arena *a, const st_field *f) {
  strbuf b = {0};
  switch (f->def) {
  case ST_D_NONE: return NULL;
  case ST_D_NOW: return "now()";
  case ST_D_UUID: return "uuid()";
  case ST_D_STRING: st_put_string(&b, f->def_text); return strbuf_done(&b, a);
  default: return f->def_text;
  }
}

static bool single_key(const st_index *const *list, int n, const char *field) {
  for (int i = 0; i < n; i++)
    if (list[i]->nfields == 1 && list[i]->fields[0] == field) return true;
  return false;
}

char *st_field_text(arena *a, const st_field *f, bool with_keys, const st_entity *owner) {
  strbuf b = {0};
  strbuf_puts(&b, f->name);
  strbuf_puts(&b, ": ");
  strbuf_puts(&b, st_type_text(a, f));
  if (with_keys && owner) {
    if (owner->pkey.n == 1 && owner->pkey.v[0] == f->name) strbuf_puts(&b, " @primaryKey");
    if (single_key((const st_index *const *)owner->uniques.v, owner->uniques.n, f->name))
      strbuf_puts(&b, " @unique");
    if (single_key((const st_index *const *)owner->indexes.v, owner->indexes.n, f->name))
      strbuf_puts(&b, " @index");
  }
  if (f->max_length) strbuf_printf(&b, " @maxLength(%d)", f->max_length);
  if (f->sensitive) strbuf_puts(&b, " @sensitive");
  if (f->ref_entity && f->on_delete != IR_OD_RESTRICT) {
    strbuf_puts(&b, " @onDelete(");
    strbuf_puts(&b, ir_on_delete_names[f->on_delete]);
    strbuf_puts(&b, ")");
  }
  if (f->column && strcmp(f->column, ir_truncate_ident(a, ir_snake_case(a, f->name), NULL)) != 0) {
    strbuf_puts(&b, " @map(");
    st_put_string(&b, f->column);
    strbuf_puts(&b, ")");
  }
  const char *d = default_text(a, f);
  if (d) {
    strbuf_puts(&b, " = ");
    strbuf_puts(&b, d);
  }
  return strbuf_done(&b, a);
}

bool st_same_by_fingerprint(const st_schema *a, const st_entity *x, const st_schema *b,
                            const st_entity *y) {
  if (x == y) return true; /* one entity lent to both (st_entity.borrowed): nothing read */
  if (a->fingerprints && b->fingerprints) return x->fingerprint && x->fingerprint == y->fingerprint;
  if (b->fingerprints) return y->fingerprint && st_entity_fingerprint(x) == y->fingerprint;
  if (a->fingerprints) return x->fingerprint && x->fingerprint == st_entity_fingerprint(y);
  return false;
}

/* The first difference, worded for a diagnostic. */
const char *st_diff_enums_text(const st_schema *a, const st_schema *b, const char *la,
                               const char *lb, arena *out) {
  for (int i = 0; i < a->enums.n; i++) {
    const st_enum *x = a->enums.v[i], *y = st_enum_find(b, x->name);
    if (!y) return arena_printf(out, "enum '%s' is only in %s", x->name, la);
    bool same = x->members.n == y->members.n;
    for (int j = 0; same && j < x->members.n; j++)
      same = x->members.v[j] == y->members.v[j];
    if (!same)
      return arena_printf(out, "enum '%s' has other members, or another order, in %s than in %s",
                          x->name, la, lb);
  }
  for (int i = 0; i < b->enums.n; i++)
    if (!st_enum_find(a, b->enums.v[i]->name))
      return arena_printf(out, "enum '%s' is only in %s", b->enums.v[i]->name, lb);
  return NULL;
}

const char *st_entity_diff_text(const st_entity *x, const st_entity *y, bool ordered,
                                const char *la, const char *lb, arena *out) {
  if (x->table != y->table && strcmp(x->table, y->table) != 0)
    return arena_printf(out, "entity '%s' has table '%s' in %s and '%s' in %s", x->name, x->table,
                        la, y->table, lb);
  for (int j = 0; j < x->fields.n; j++) {
    const st_field *f = x->fields.v[j];
    int k = j < y->fields.n && y->fields.v[j]->name == f->name ? j : st_field_index(y, f->name);
    if (k < 0) return arena_printf(out, "field '%s.%s' is only in %s", x->name, f->name, la);
    const st_field *g = y->fields.v[k];
    if (!st_field_equal(f, g))
      return arena_printf(out, "field '%s.%s' is '%s' in %s and '%s' in %s", x->name, f->name,
                          st_field_text(out, f, false, NULL), la,
                          st_field_text(out, g, false, NULL), lb);
    if (ordered && k != j)
      return arena_printf(out, "field '%s.%s' is column %d in %s and %d in %s", x->name, f->name,
                          j + 1, la, k + 1, lb);
  }
  for (int j = 0; j < y->fields.n; j++) /* a field of y at x's place is in x */
    if (!(j < x->fields.n && x->fields.v[j]->name == y->fields.v[j]->name) &&
        !st_field_find(x, y->fields.v[j]->name))
      return arena_printf(out, "field '%s.%s' is only in %s", x->name, y->fields.v[j]->name, lb);
  bool pk = x->pkey.n == y->pkey.n;
  for (int j = 0; pk && j < x->pkey.n; j++)
    pk = x->pkey.v[j] == y->pkey.v[j];
  if (!pk)
    return arena_printf(out, "entity '%s' has another primary key in %s than in %s", x->name, la,
                        lb);
  if (!same_index_list((const st_index *const *)x->uniques.v, x->uniques.n,
                       (const st_index *const *)y->uniques.v, y->uniques.n))
    return arena_printf(out, "entity '%s' has other unique constraints in %s than in %s", x->name,
                        la, lb);
  if (!same_index_list((const st_index *const *)x->indexes.v, x->indexes.n,
                       (const st_index *const *)y->indexes.v, y->indexes.n))
    return arena_printf(out, "entity '%s' has other indexes in %s than in %s", x->name, la, lb);
  return NULL;
}

const char *st_diff_text(const st_schema *a, const st_schema *b, bool ordered, const char *la,
                         const char *lb, arena *out) {
  const char *diff = st_diff_enums_text(a, b, la, lb, out);
  if (diff) return diff;
  for (int i = 0; i < a->entities.n; i++) {
    st_prefetch_step(a->entities.v, i, a->entities.n, b);
    const st_entity *x = a->entities.v[i], *y = st_entity_find(b, x->name);
    if (!y) return arena_printf(out, "entity '%s' is only in %s", x->name, la);
    /* equal fingerprints: equal in all that follows, field order too (a drift
    ** check of 10,000 entities read every field of both states) */
    if (st_same_by_fingerprint(a, x, b, y)) continue;
    if ((diff = st_entity_diff_text(x, y, ordered, la, lb, out))) return diff;
  }
  for (int i = 0; i < b->entities.n; i++)
    if (!st_entity_find(a, b->entities.v[i]->name))
      return arena_printf(out, "entity '%s' is only in %s", b->entities.v[i]->name, lb);
  return NULL;
}

/* ---- conversions ------------------------------------------------------- */

static int digits_of(ir_type_kind k) {
  return k == IR_T_SMALLINT ? 5 : k == IR_T_INT ? 10 : 19;
}

bool st_enum_has(const st_enum *e, const char *m) {
  for (int i = 0; i < e->members.n; i++)
    if (e->members.v[i] == m) return true;
  return false;
}

bool st_field_converts(const st_schema *sa, const st_field *a, const st_schema *sb,
                       const st_field *b) {
  if (a->array != b->array) return false;
  ir_type_kind x = a->kind, y = b->kind;
  if (x == y) {
    if (x == IR_T_DECIMAL)
      return b->precision - b->scale >= a->precision - a->scale && b->scale >= a->scale;
    if (x == IR_T_ENUM && a->type_name != b->type_name) {
      const st_enum *ea = st_enum_find(sa, a->type_name), *eb = st_enum_find(sb, b->type_name);
      if (!ea || !eb) return false;
      for (int i = 0; i < ea->members.n; i++)
        if (!st_enum_has(eb, ea->members.v[i])) return false;
    }
    return true;
  }
  bool ix = ir_type_is_integer(x), iy = ir_type_is_integer(y);
  if (y == IR_T_STRING) return x != IR_T_BYTES;
  if (ix && iy) return digits_of(y) >= digits_of(x);
  if (ix && y == IR_T_DOUBLE) return x != IR_T_BIGINT;
  if (ix && y == IR_T_DECIMAL) return b->precision - b->scale >= digits_of(x);
  if (x == IR_T_DATE && y == IR_T_DATETIME) return true;
  bool jx = x == IR_T_JSON || x == IR_T_EMBEDDED || x == IR_T_FILE;
  bool jy = y == IR_T_JSON || y == IR_T_EMBEDDED || y == IR_T_FILE;
  return jx && jy;
}
