/*
** diff.c: from one schema state to another, as plan operations.
**
** Matching goes by name, then by @renamedFrom (no question asked), then by
** guess: what disappeared and what appeared with a compatible type, in the same
** place or under a similar name, is written as a rename marked [RESOLVE], with
** the other reading in a comment (migrations.md 2).  [RESOLVE] also marks what
** cannot run on a table with rows as written: nullable to required without a
** default, a required column added without one, a type change that cannot
** convert every value, and @sensitive toggled.
**
** Order (migrations.md 4.5): enums grow first; entities are renamed, mapped and
** created (FK targets first); then, per entity, field renames, key drops, field
** alters and adds, key adds; then field drops, entity drops (referrers first),
** and last the enum values and enums nothing uses any more.
*/
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* The phases, in the order they run.  Field drops come before column-moving
** alters and adds, which may take a column a drop frees; FK fields drop first,
** since a field may not go while another points at it. */
enum {
  PH_ENUMS,
  PH_ENTITY_RENAMES,
  PH_CREATES,
  PH_CREATE_CYCLE_ADDS,
  PH_FIELD_RENAMES,
  PH_KEY_DROPS,
  PH_FIELD_ALTERS,
  PH_FK_FIELD_DROPS,
  PH_FIELD_DROPS,
  PH_COLUMN_ALTERS,
  PH_FIELD_ADDS,
  PH_KEY_ADDS,
  PH_ENTITY_DROPS,
  PH_LATE_CREATES, /* new entities taking the table of one dropped above */
  PH_LATE_REFS,    /* references to those, from kept entities */
  PH_ENTITY_ALTERS,
  PH_VALUE_DROPS,
  PH_ENUM_DROPS,
  PH_COUNT
};

typedef struct differ {
  const st_schema *a, *b;
  const ir_schema *src;
  arena *ar;
  ir_plan *out;
  /* old entity name -> new entity name, for every matched entity */
  namemap entity_to;
  namemap entity_from;                              /* new -> old */
  namemap field_maps;                               /* new entity name -> its field_map */
  namemap src_entities, src_enums, src_field_hints; /* from the source, for hints */
  namemap freed_tables;                             /* table of an unmatched old entity -> itself */
  /* the ops, by phase, concatenated at the end */
  VEC(ir_op *) phase[PH_COUNT];
} differ;

static ir_op *emit(differ *D, int phase, op_kind k, const char *entity) {
  ir_op *op = arena_alloc(D->ar, sizeof *op);
  op->kind = k;
  op->entity = entity;
  vec_push(D->ar, D->phase[phase], op);
  return op;
}

static const char *text(differ *D, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *text(differ *D, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *r = arena_vprintf(D->ar, fmt, ap);
  va_end(ap);
  return r;
}

/* ---- hints from the source -------------------------------------------- */

static const ir_entity *src_entity(differ *D, const char *name) {
  return D->src ? namemap_get(&D->src_entities, name) : NULL;
}

static const char *entity_hint(differ *D, const char *name) {
  const ir_entity *e = src_entity(D, name);
  return e ? e->renamed_from : NULL;
}

/* Only an entity with some @renamedFrom field gets a map of them. */
static const char *field_hint(differ *D, const char *entity, const char *field) {
  const namemap *m = D->src ? namemap_get(&D->src_field_hints, entity) : NULL;
  return m ? namemap_get(m, field) : NULL;
}

static const char *member_hint(differ *D, const char *en, const char *member) {
  const ir_enum *e = D->src ? namemap_get(&D->src_enums, en) : NULL;
  for (int j = 0; e && j < e->members.n; j++)
    if (e->members.v[j]->name == member) return e->members.v[j]->renamed_from;
  return NULL;
}

/* The source's hints, looked up by hash from then on.  Only the entities
** with one are read: a walk of every field was 92,000 cache misses at 10,000
** entities, for the few @renamedFrom a schema has. */
static void index_source(differ *D) {
  namemap_init(&D->src_entities, D->ar);
  namemap_init(&D->src_enums, D->ar);
  namemap_init(&D->src_field_hints, D->ar);
  if (!D->src) return;
  for (int i = 0; i < D->src->entities.n; i++) {
    const ir_entity *e = D->src->entities.v[i];
    if (!e->renamed_from && !e->field_renames) continue;
    if (namemap_get(&D->src_entities, e->name)) continue; /* the first one, as a scan found */
    namemap_put(&D->src_entities, e->name, (void *)e);
    namemap *hints = NULL;
    for (int j = 0; j < e->fields.n; j++) {
      const ir_field *f = e->fields.v[j];
      if (!f->renamed_from) continue;
      if (!hints) {
        hints = arena_alloc(D->ar, sizeof *hints);
        namemap_init(hints, D->ar);
        namemap_put(&D->src_field_hints, e->name, hints);
      }
      if (!namemap_get(hints, f->name)) namemap_put(hints, f->name, (void *)f->renamed_from);
    }
  }
  for (int i = 0; i < D->src->enums.n; i++)
    if (!namemap_get(&D->src_enums, D->src->enums.v[i]->name))
      namemap_put(&D->src_enums, D->src->enums.v[i]->name, D->src->enums.v[i]);
}

/* ---- judgement --------------------------------------------------------- */

static bool similar(const char *x, const char *y) {
  size_t nx = strlen(x), ny = strlen(y);
  size_t m = nx > ny ? nx : ny;
  int limit = m / 3 > 2 ? (int)(m / 3) : 2;
  return ir_edit_distance(x, y, limit) <= limit;
}

static const char *type_only(differ *D, const st_field *f) {
  const char *t = st_field_text(D->ar, f, false, NULL);
  const char *colon = strstr(t, ": ");
  return colon ? colon + 2 : t;
}

/* ---- enums ------------------------------------------------------------- */

static int index_of(const char *const *v, int n, const char *x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return i;
  return -1;
}

static bool same_members(const st_enum *x, const st_enum *y);

static void diff_enum_members(differ *D, const st_enum *o, const st_enum *n) {
  if (same_members(o, n)) return;
  int no = o->members.n, nn = n->members.n;
  const char *const *nv = n->members.v;
  /* the old list as it will be once renames ran */
  const char **cur = arena_alloc(D->ar, sizeof(char *) * (size_t)(no + 1));
  memcpy(cur, o->members.v, sizeof(char *) * (size_t)no);
  for (int j = 0; j < nn; j++) {
    const char *m = nv[j], *hint = member_hint(D, n->name, m);
    if (st_enum_has(o, m) || !hint || index_of(cur, no, hint) < 0 || st_enum_has(n, hint)) continue;
    ir_op *op = emit(D, PH_ENUMS, OP_RENAME_VALUE, n->name);
    op->name = hint;
    op->to = m;
    cur[index_of(cur, no, hint)] = m;
  }
  /* a member gone where another appeared: renamed, or dropped and added? */
  for (int j = 0; j < nn && j < no; j++) {
    const char *m = nv[j];
    if (index_of(cur, no, m) >= 0 || st_enum_has(n, cur[j])) continue;
    ir_op *op = emit(D, PH_ENUMS, OP_RENAME_VALUE, n->name);
    op->name = cur[j];
    op->to = m;
    op->resolve = true;
    op->comment = text(D, "or: drop value %s.%s + add value %s.%s", n->name, cur[j], n->name, m);
    cur[j] = m;
  }
  /* the members that stay where they are: a longest common subsequence */
  const char **kept = arena_alloc(D->ar, sizeof(char *) * (size_t)(no + 1));
  int nk = 0;
  for (int i = 0; i < no; i++)
    if (st_enum_has(n, cur[i])) kept[nk++] = cur[i];
  int *len = arena_alloc(D->ar, sizeof(int) * (size_t)((nk + 1) * (nn + 1)));
#define L(i, j) len[(i) * (nn + 1) + (j)]
  for (int i = nk - 1; i >= 0; i--)
    for (int j = nn - 1; j >= 0; j--)
      L(i, j) = kept[i] == nv[j] ? L(i + 1, j + 1) + 1
                                 : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
  bool *stable = arena_alloc(D->ar, (size_t)nn + 1);
  for (int i = 0, j = 0; i < nk && j < nn;) {
    if (kept[i] == nv[j])
      stable[j] = true, i++, j++;
    else if (L(i + 1, j) >= L(i, j + 1))
      i++;
    else
      j++;
  }
#undef L
  /* moved members leave (the plan language has no reorder) and come back */
  for (int j = 0; j < nn; j++) {
    if (stable[j] || index_of(cur, no, nv[j]) < 0) continue;
    ir_op *op = emit(D, PH_ENUMS, OP_DROP_VALUE, n->name);
    op->name = nv[j];
    op->resolve = true;
    op->comment = text(D, "members changed order; rows holding %s lose the value", nv[j]);
  }
  int first_stable = -1;
  for (int j = 0; j < nn && first_stable < 0; j++)
    if (stable[j]) first_stable = j;
  for (int j = 0; j < nn; j++) {
    if (stable[j]) continue;
    ir_op *op = emit(D, PH_ENUMS, OP_ADD_VALUE, n->name);
    op->name = nv[j];
    if (j > 0) {
      op->anchor = nv[j - 1];
    } else if (first_stable >= 0) {
      op->anchor = nv[first_stable];
      op->before = true;
    }
  }
  /* removals, last of all */
  for (int i = 0; i < no; i++) {
    if (st_enum_has(n, cur[i])) continue;
    ir_op *op = emit(D, PH_VALUE_DROPS, OP_DROP_VALUE, n->name);
    op->name = cur[i];
  }
}

static bool same_members(const st_enum *x, const st_enum *y) {
  if (x->members.n != y->members.n) return false;
  for (int i = 0; i < x->members.n; i++)
    if (x->members.v[i] != y->members.v[i]) return false;
  return true;
}

static void diff_enums(differ *D) {
  const st_schema *a = D->a, *b = D->b;
  namemap matched; /* old enum -> new */
  namemap_init(&matched, D->ar);
  for (int i = 0; i < b->enums.n; i++) {
    const st_enum *n = b->enums.v[i], *o = st_enum_find(a, n->name);
    if (o) namemap_put(&matched, o->name, (void *)n);
  }
  for (int i = 0; i < b->enums.n; i++) {
    const st_enum *n = b->enums.v[i];
    if (st_enum_find(a, n->name)) continue;
    /* the same members under another name: a rename? */
    const st_enum *o = NULL;
    for (int j = 0; j < a->enums.n && !o; j++)
      if (!st_enum_find(b, a->enums.v[j]->name) && !namemap_get(&matched, a->enums.v[j]->name) &&
          same_members(a->enums.v[j], n))
        o = a->enums.v[j];
    if (o) {
      namemap_put(&matched, o->name, (void *)n);
      ir_op *op = emit(D, PH_ENUMS, OP_RENAME_ENUM, o->name);
      op->to = n->name;
      op->resolve = true;
      op->comment = text(D, "or: drop enum %s + create enum %s", o->name, n->name);
      continue;
    }
    ir_op *op = emit(D, PH_ENUMS, OP_CREATE_ENUM, n->name);
    op->create_enum = (st_enum *)n;
  }
  for (int i = 0; i < a->enums.n; i++) {
    const st_enum *o = a->enums.v[i];
    const st_enum *n = namemap_get(&matched, o->name);
    if (n)
      diff_enum_members(D, o, n);
    else
      emit(D, PH_ENUM_DROPS, OP_DROP_ENUM, o->name);
  }
}

/* ---- entities ---------------------------------------------------------- */

static int field_overlap(const st_entity *x, const st_entity *y) {
  int same = 0;
  for (int i = 0; i < x->fields.n; i++) {
    st_field *g = st_field_find(y, x->fields.v[i]->name);
    if (g && st_same_column_type(x->fields.v[i], g)) same++;
  }
  return same;
}

static void match_entities(differ *D) {
  const st_schema *a = D->a, *b = D->b;
  namemap_init(&D->entity_to, D->ar);
  namemap_init(&D->entity_from, D->ar);
  namemap_reserve(&D->entity_to, (uint32_t)b->entities.n); /* grown a dozen times otherwise */
  namemap_reserve(&D->entity_from, (uint32_t)b->entities.n);
  for (int i = 0; i < b->entities.n; i++) {
    st_prefetch_step(b->entities.v, i, b->entities.n, a);
    const st_entity *n = b->entities.v[i];
    if (st_entity_find(a, n->name)) {
      namemap_put(&D->entity_to, n->name, (void *)n->name);
      namemap_put(&D->entity_from, n->name, (void *)n->name);
    }
  }
  /* @renamedFrom */
  for (int i = 0; i < b->entities.n; i++) {
    const st_entity *n = b->entities.v[i];
    const char *h = entity_hint(D, n->name);
    if (namemap_get(&D->entity_from, n->name) || !h || !st_entity_find(a, h) ||
        st_entity_find(b, h) || namemap_get(&D->entity_to, h))
      continue;
    namemap_put(&D->entity_to, h, (void *)n->name);
    namemap_put(&D->entity_from, n->name, (void *)h);
    ir_op *op = emit(D, PH_ENTITY_RENAMES, OP_RENAME_ENTITY, h);
    op->to = n->name;
  }
  /* guesses: most of the fields alike, among the old entities left over */
  const st_entity **left = arena_alloc(D->ar, sizeof(st_entity *) * (size_t)(a->entities.n + 1));
  int nleft = 0;
  for (int j = 0; j < a->entities.n; j++)
    if (!namemap_get(&D->entity_to, a->entities.v[j]->name) &&
        !st_entity_find(b, a->entities.v[j]->name))
      left[nleft++] = a->entities.v[j];
  for (int i = 0; i < b->entities.n && nleft; i++) {
    const st_entity *n = b->entities.v[i];
    if (namemap_get(&D->entity_from, n->name)) continue;
    const st_entity *best = NULL;
    int best_score = 0;
    for (int j = 0; j < nleft; j++) {
      const st_entity *o = left[j];
      if (namemap_get(&D->entity_to, o->name)) continue;
      int same = field_overlap(o, n);
      int most = o->fields.n > n->fields.n ? o->fields.n : n->fields.n;
      if (same * 5 >= most * 4 || (similar(o->name, n->name) && same * 2 >= most)) {
        if (same > best_score) best = o, best_score = same;
      }
    }
    if (!best) continue;
    namemap_put(&D->entity_to, best->name, (void *)n->name);
    namemap_put(&D->entity_from, n->name, (void *)best->name);
    ir_op *op = emit(D, PH_ENTITY_RENAMES, OP_RENAME_ENTITY, best->name);
    op->to = n->name;
    op->resolve = true;
    op->comment = text(D, "or: drop entity %s + create entity %s", best->name, n->name);
  }
}

static bool single_index(const void *vec, const char *field) {
  typedef VEC(st_index *) ivec;
  const ivec *v = vec;
  for (int i = 0; i < v->n; i++)
    if (v->v[i]->nfields == 1 && v->v[i]->fields[0] == field) return true;
  return false;
}

/* The keys of an index named by old field names, in new names. */
static const char **renamed_fields(differ *D, const st_index *x, namemap *to) {
  const char **f = arena_alloc(D->ar, sizeof(char *) * (size_t)(x->nfields + 1));
  for (int i = 0; i < x->nfields; i++) {
    const char *r = namemap_get(to, x->fields[i]);
    f[i] = r ? r : x->fields[i];
  }
  return f;
}

static bool same_list(const char *const *x, int nx, const char *const *y, int ny) {
  if (nx != ny) return false;
  for (int i = 0; i < nx; i++)
    if (x[i] != y[i]) return false;
  return true;
}

static bool list_has_any(const char *const *f, int n, namemap *set) {
  for (int i = 0; i < n; i++)
    if (namemap_get(set, f[i])) return true;
  return false;
}

static void key_ops(differ *D, const st_entity *o, const st_entity *n, namemap *to, namemap *added,
                    namemap *dropped, bool unique) {
  typedef VEC(st_index *) ivec;
  const ivec *ov = unique ? (const ivec *)&o->uniques : (const ivec *)&o->indexes;
  const ivec *nv = unique ? (const ivec *)&n->uniques : (const ivec *)&n->indexes;
  for (int i = 0; i < ov->n; i++) {
    const char **f = renamed_fields(D, ov->v[i], to);
    bool kept = false;
    for (int j = 0; j < nv->n && !kept; j++)
      kept = same_list(f, ov->v[i]->nfields, nv->v[j]->fields, nv->v[j]->nfields);
    /* a one-field key goes with its dropped column */
    if (kept || (ov->v[i]->nfields == 1 && namemap_get(dropped, ov->v[i]->fields[0]))) continue;
    ir_op *op = emit(D, PH_KEY_DROPS, unique ? OP_DROP_UNIQUE : OP_DROP_INDEX, n->name);
    op->fields = f;
    op->nfields = ov->v[i]->nfields;
  }
  for (int j = 0; j < nv->n; j++) {
    const st_index *x = nv->v[j];
    bool had = false;
    for (int i = 0; i < ov->n && !had; i++)
      had = same_list(renamed_fields(D, ov->v[i], to), ov->v[i]->nfields, x->fields, x->nfields);
    /* a one-field key on a new field is written on the field */
    if (had || (x->nfields == 1 && namemap_get(added, x->fields[0]))) continue;
    ir_op *op = emit(D, PH_KEY_ADDS, unique ? OP_ADD_UNIQUE : OP_ADD_INDEX, n->name);
    op->fields = x->fields;
    op->nfields = x->nfields;
  }
  (void)list_has_any;
}

/* How the fields of one matched entity correspond, old to new. */
typedef struct field_map {
  namemap to;   /* old field -> new */
  namemap from; /* new field -> old */
} field_map;

/* Pass 1, for every matched entity before any change is judged: renames, so
** that a foreign key into a renamed entity or field reads as unchanged. */
static void match_fields(differ *D, const st_entity *o, const st_entity *n) {
  field_map *m = arena_alloc(D->ar, sizeof *m);
  namemap_init(&m->to, D->ar);
  namemap_init(&m->from, D->ar);
  namemap_put(&D->field_maps, n->name, m);
  namemap *to = &m->to, *from = &m->from;
  for (int j = 0; j < n->fields.n; j++) {
    const char *f = n->fields.v[j]->name;
    if (st_field_find(o, f)) namemap_put(to, f, (void *)f), namemap_put(from, f, (void *)f);
  }
  /* @renamedFrom */
  for (int j = 0; j < n->fields.n; j++) {
    const st_field *nf = n->fields.v[j];
    const char *h = field_hint(D, n->name, nf->name);
    if (namemap_get(from, nf->name) || !h || !st_field_find(o, h) || st_field_find(n, h) ||
        namemap_get(to, h))
      continue;
    namemap_put(to, h, (void *)nf->name);
    namemap_put(from, nf->name, (void *)h);
    ir_op *op = emit(D, PH_FIELD_RENAMES, OP_RENAME_FIELD, n->name);
    op->name = h;
    op->to = nf->name;
  }
  /* guesses: gone and appeared with a compatible type, same place or similar name */
  for (int j = 0; j < n->fields.n; j++) {
    const st_field *nf = n->fields.v[j];
    if (namemap_get(from, nf->name)) continue;
    const st_field *best = NULL;
    for (int i = 0; i < o->fields.n && !best; i++) {
      const st_field *of = o->fields.v[i];
      if (namemap_get(to, of->name) || st_field_find(n, of->name)) continue;
      st_field x = *of, y = *nf;
      x.nullable = y.nullable = false;
      if (!st_same_column_type(&x, &y)) continue;
      if (i == j || similar(of->name, nf->name)) best = of;
    }
    if (!best) continue;
    namemap_put(to, best->name, (void *)nf->name);
    namemap_put(from, nf->name, (void *)best->name);
    ir_op *op = emit(D, PH_FIELD_RENAMES, OP_RENAME_FIELD, n->name);
    op->name = best->name;
    op->to = nf->name;
    op->resolve = true;
    op->comment = text(D, "or: drop %s.%s + add %s.%s: %s", n->name, best->name, n->name, nf->name,
                       type_only(D, nf));
  }
}

/* A reference of the old state, in the names of the new. */
static void follow_renames(differ *D, st_field *f) {
  if (!f->ref_entity) return;
  const char *e = namemap_get(&D->entity_to, f->ref_entity);
  if (!e) return;
  field_map *m = namemap_get(&D->field_maps, e);
  const char *g = m ? namemap_get(&m->to, f->ref_field) : NULL;
  f->ref_entity = e;
  if (g) f->ref_field = g;
}

static bool late_create(differ *D, const st_entity *e) {
  if (!namemap_get(&D->freed_tables, e->table)) return false;
  /* a kept entity's reference to it waits for it (PH_LATE_REFS); a new
  ** entity's cannot, as new entities are made before the drops */
  for (int i = 0; i < D->b->entities.n; i++) {
    const st_entity *x = D->b->entities.v[i];
    if (x == e || namemap_get(&D->entity_from, x->name)) continue;
    for (int j = 0; j < x->fields.n; j++)
      if (x->fields.v[j]->ref_entity == e->name) return false;
  }
  return true;
}

/* A reference to an entity made in PH_LATE_CREATES. */
static bool late_target(differ *D, const st_field *f) {
  if (!f->ref_entity || namemap_get(&D->entity_from, f->ref_entity)) return false;
  const st_entity *t = st_entity_find(D->b, f->ref_entity);
  return t && late_create(D, t);
}

/* Most entities of a large schema do not change: equal fingerprints tell
** without reading a field (a pass over both states' fields was a third of
** the differ's time, in cache misses), else one pass over the fields.  The
** fingerprint covers more than this compares; two that collide would be
** caught by plan's check that the plan reaches the schema. */
static bool same_entity(const differ *D, const st_entity *o, const st_entity *n) {
  if (o == n) return true; /* one entity lent to both (st_entity.borrowed) */
  /* both states' only: making one side's would read the fields as the pass below does */
  if (D->a->fingerprints && D->b->fingerprints && st_same_by_fingerprint(D->a, o, D->b, n))
    return true;
  if (o->fields.n != n->fields.n || !same_list(o->pkey.v, o->pkey.n, n->pkey.v, n->pkey.n) ||
      !st_same_indexes(&o->uniques, &n->uniques) || !st_same_indexes(&o->indexes, &n->indexes))
    return false;
  for (int i = 0; i < o->fields.n; i++)
    if (!st_field_equal(o->fields.v[i], n->fields.v[i])) return false;
  return true;
}

/* ... and still the same once the references follow the renames of others. */
static bool reference_unmoved(differ *D, const char *entity, const char *field) {
  if (namemap_get(&D->entity_to, entity) != entity) return false;
  field_map *m = namemap_get(&D->field_maps, entity);
  return !m || namemap_get(&m->to, field) == field;
}

static bool references_unmoved(differ *D, const st_entity *n) {
  if (D->b->fingerprints && n->refs_listed) { /* its references as made: no field read */
    for (int i = 0; i < n->nrefs; i++)
      if (!reference_unmoved(D, n->refs[2 * i], n->refs[2 * i + 1])) return false;
    return true;
  }
  for (int i = 0; i < n->fields.n; i++) {
    const st_field *f = n->fields.v[i];
    if (f->ref_entity && !reference_unmoved(D, f->ref_entity, f->ref_field)) return false;
  }
  return true;
}

/* Pass 2: what changed, given the correspondence. */
static void diff_fields(differ *D, const st_entity *o, const st_entity *n) {
  field_map *m = namemap_get(&D->field_maps, n->name);
  namemap added, dropped;
  namemap_init(&added, D->ar);
  namemap_init(&dropped, D->ar);
  namemap *to = &m->to, *from = &m->from;
  /* changes of kept fields */
  for (int j = 0; j < n->fields.n; j++) {
    const st_field *nf = n->fields.v[j];
    const char *old = namemap_get(from, nf->name);
    if (!old) continue;
    st_field before = *st_field_find(o, old);
    before.name = nf->name;
    /* a rename moves the derived column along; @map keeps its own */
    if (old != nf->name && before.column == ir_column_name(D->ar, D->b->names, old))
      before.column = ir_column_name(D->ar, D->b->names, nf->name);
    follow_renames(D, &before);
    if (st_field_equal(&before, nf)) continue;
    int phase = before.column != nf->column ? PH_COLUMN_ALTERS : PH_FIELD_ALTERS;
    if (phase == PH_FIELD_ALTERS && late_target(D, nf)) {
      /* the new target takes the table of one dropped below: the old
      ** reference goes first, the new one comes once the target exists */
      st_field *plain = arena_alloc(D->ar, sizeof *plain);
      *plain = *nf;
      plain->ref_entity = plain->ref_field = NULL;
      plain->on_delete = 0;
      plain->nullable = before.nullable;
      plain->def = before.def;
      plain->def_text = before.def_text;
      if (!st_field_equal(&before, plain)) {
        ir_op *first = emit(D, PH_FIELD_ALTERS, OP_ALTER_FIELD, n->name);
        first->name = nf->name;
        first->field = plain;
        first->comment = text(D, "was %s; the reference to %s comes below, once it exists",
                              type_only(D, &before), nf->ref_entity);
      }
      phase = PH_LATE_REFS;
    }
    ir_op *op = emit(D, phase, OP_ALTER_FIELD, n->name);
    op->name = nf->name;
    op->field = (st_field *)nf;
    const char *was = type_only(D, &before);
    if (before.sensitive != nf->sensitive) {
      op->resolve = true;
      op->comment = text(D, "was %s; %s the stored values needs a data migration", was,
                         nf->sensitive ? "encrypting" : "decrypting");
    } else if (!st_field_converts(D->a, &before, D->b, nf)) {
      op->resolve = true;
      op->comment = text(D, "was %s; not every value converts", was);
    } else if (nf->ref_entity &&
               (before.ref_entity != nf->ref_entity || before.ref_field != nf->ref_field)) {
      op->resolve = true;
      op->comment = text(D, "was %s; every existing value must exist in %s.%s", was, nf->ref_entity,
                         nf->ref_field);
    } else if (before.nullable && !nf->nullable && nf->def == ST_D_NONE) {
      op->resolve = true;
      op->comment =
          text(D, "was %s; existing nulls need a value: add '= value', used as the backfill", was);
    } else {
      op->comment = text(D, "was %s", was);
    }
  }
  /* new fields */
  for (int j = 0; j < n->fields.n; j++) {
    const st_field *nf = n->fields.v[j];
    if (namemap_get(from, nf->name)) continue;
    namemap_put(&added, nf->name, (void *)nf->name);
    ir_op *op = emit(D, late_target(D, nf) ? PH_LATE_REFS : PH_FIELD_ADDS, OP_ADD_FIELD, n->name);
    op->name = nf->name;
    op->field = (st_field *)nf;
    op->primary_key = n->pkey.n == 1 && n->pkey.v[0] == nf->name;
    op->unique = single_index(&n->uniques, nf->name);
    op->index = single_index(&n->indexes, nf->name);
    if (!nf->nullable && nf->def == ST_D_NONE) {
      op->resolve = true;
      op->comment = "existing rows need a value: give it a default, or make it nullable";
    }
  }
  for (int i = 0; i < o->fields.n; i++)
    if (!namemap_get(to, o->fields.v[i]->name))
      namemap_put(&dropped, o->fields.v[i]->name, (void *)o->fields.v[i]->name);
  /* primary key */
  const char **opk = arena_alloc(D->ar, sizeof(char *) * (size_t)(o->pkey.n + 1));
  for (int i = 0; i < o->pkey.n; i++) {
    const char *r = namemap_get(to, o->pkey.v[i]);
    opk[i] = r ? r : o->pkey.v[i];
  }
  if (!same_list(opk, o->pkey.n, n->pkey.v, n->pkey.n)) {
    if (o->pkey.n) {
      ir_op *op = emit(D, PH_KEY_DROPS, OP_DROP_PRIMARY_KEY, n->name);
      op->fields = opk;
      op->nfields = o->pkey.n;
    }
    bool on_new = n->pkey.n == 1 && namemap_get(&added, n->pkey.v[0]);
    if (n->pkey.n && !on_new) {
      ir_op *op = emit(D, PH_KEY_ADDS, OP_ADD_PRIMARY_KEY, n->name);
      op->fields = n->pkey.v;
      op->nfields = n->pkey.n;
    }
  }
  key_ops(D, o, n, to, &added, &dropped, true);
  key_ops(D, o, n, to, &added, &dropped, false);
  for (int i = 0; i < o->fields.n; i++) {
    const char *f = o->fields.v[i]->name;
    if (namemap_get(to, f)) continue;
    ir_op *op = emit(D, o->fields.v[i]->ref_entity ? PH_FK_FIELD_DROPS : PH_FIELD_DROPS,
                     OP_DROP_FIELD, n->name);
    op->name = f;
  }
}

static bool names_any(const char *const *f, int n, namemap *set) {
  for (int i = 0; i < n; i++)
    if (namemap_get(set, f[i])) return true;
  return false;
}

/* New entities that refer to each other in a cycle: the one picked is created
** without its references to entities not yet there; those fields are added
** after every create (a new table has no rows, so they need no default), and
** the keys that name them after that. */
static const st_entity *without_forward_refs(differ *D, const st_entity *e, const st_entity **list,
                                             const bool *done, const namemap *index) {
  st_entity *c = arena_alloc(D->ar, sizeof *c);
  c->name = e->name;
  c->table = e->table;
  c->table_mapped = e->table_mapped;
  namemap later;
  namemap_init(&later, D->ar);
  for (int f = 0; f < e->fields.n; f++) {
    const st_field *x = e->fields.v[f];
    int j = x->ref_entity ? (int)(intptr_t)namemap_get(index, x->ref_entity) - 1 : -1;
    bool forward = j >= 0 && !done[j] && list[j] != e;
    if (!forward) {
      vec_push(D->ar, c->fields, (st_field *)x);
      continue;
    }
    namemap_put(&later, x->name, (void *)x->name);
    ir_op *op = emit(D, PH_CREATE_CYCLE_ADDS, OP_ADD_FIELD, e->name);
    op->name = x->name;
    op->field = (st_field *)x;
    op->primary_key = e->pkey.n == 1 && e->pkey.v[0] == x->name;
    op->unique = single_index(&e->uniques, x->name);
    op->index = single_index(&e->indexes, x->name);
  }
  if (names_any(e->pkey.v, e->pkey.n, &later)) {
    if (e->pkey.n > 1) {
      ir_op *op = emit(D, PH_KEY_ADDS, OP_ADD_PRIMARY_KEY, e->name);
      op->fields = e->pkey.v;
      op->nfields = e->pkey.n;
    }
  } else {
    for (int i = 0; i < e->pkey.n; i++)
      vec_push(D->ar, c->pkey, e->pkey.v[i]);
  }
  for (int k = 0; k < 2; k++) {
    typedef VEC(st_index *) ivec;
    const ivec *from = k ? (const ivec *)&e->indexes : (const ivec *)&e->uniques;
    for (int i = 0; i < from->n; i++) {
      st_index *x = from->v[i];
      if (!names_any(x->fields, x->nfields, &later)) {
        if (k)
          vec_push(D->ar, c->indexes, x);
        else
          vec_push(D->ar, c->uniques, x);
      } else if (x->nfields > 1) {
        ir_op *op = emit(D, PH_KEY_ADDS, k ? OP_ADD_INDEX : OP_ADD_UNIQUE, e->name);
        op->fields = x->fields;
        op->nfields = x->nfields;
      }
    }
  }
  return c;
}

/* A new entity whose table an entity dropped in the same plan still holds is
** created after the drops, when nothing else in the plan refers to it. */
/* ---- ordering creates and drops ------------------------------------------ */

/* Entity name -> its index in list, plus one (a namemap holds pointers). */
static void index_names(differ *D, const st_entity **list, int n, namemap *m) {
  namemap_init(m, D->ar);
  for (int i = 0; i < n; i++)
    namemap_put(m, list[i]->name, (void *)(intptr_t)(i + 1));
}

/* A min-heap of indices: the first ready entity by list order goes next. */
typedef struct heap {
  int *v, n;
} heap;

static void heap_push(heap *h, int x) {
  int i = h->n++;
  for (; i > 0 && h->v[(i - 1) / 2] > x; i = (i - 1) / 2)
    h->v[i] = h->v[(i - 1) / 2];
  h->v[i] = x;
}

static int heap_pop(heap *h) {
  int top = h->v[0], x = h->v[--h->n], i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && h->v[c + 1] < h->v[c]) c++;
    if (h->v[c] >= x) break;
    h->v[i] = h->v[c];
    i = c;
  }
  if (h->n) h->v[i] = x;
  return top;
}

/* Round by round, the first entity (by list order) that waits on none left,
** or, when every one left waits (a cycle), the first left: order[k] is the
** k-th, forced[k] says it came out of a cycle.  waits[e] = (i, j): i waits
** on j.  Linear in entities and edges, plus a heap. */
static void order_by_waits(differ *D, int n, const int (*waits)[2], int nw, int *order,
                           bool *forced) {
  int *count = arena_alloc(D->ar, sizeof(int) * (size_t)(n + 1));
  int *start = arena_alloc(D->ar, sizeof(int) * (size_t)(n + 2));
  int *waiter = arena_alloc(D->ar, sizeof(int) * (size_t)(nw + 1));
  bool *done = arena_alloc(D->ar, (size_t)n + 1);
  for (int e = 0; e < nw; e++)
    count[waits[e][0]]++, start[waits[e][1] + 1]++;
  for (int j = 0; j < n; j++)
    start[j + 1] += start[j];
  int *fill = arena_alloc(D->ar, sizeof(int) * (size_t)(n + 1));
  for (int e = 0; e < nw; e++)
    waiter[start[waits[e][1]] + fill[waits[e][1]]++] = waits[e][0];
  heap h = {arena_alloc(D->ar, sizeof(int) * (size_t)(n + 1)), 0};
  for (int i = 0; i < n; i++)
    if (!count[i]) heap_push(&h, i);
  int first_left = 0;
  for (int k = 0; k < n; k++) {
    int pick;
    forced[k] = h.n == 0;
    if (h.n) {
      pick = heap_pop(&h);
    } else {
      while (done[first_left])
        first_left++;
      pick = first_left;
    }
    done[pick] = true;
    order[k] = pick;
    for (int w = start[pick]; w < start[pick + 1]; w++)
      if (--count[waiter[w]] == 0 && !done[waiter[w]]) heap_push(&h, waiter[w]);
  }
}

/* The waits that references make between the entities of list: for creates
** an entity waits on those it refers to; for drops (referrers_first) on
** those that refer to it. */
static int reference_waits(differ *D, const st_entity **list, int n, const namemap *index,
                           bool referrers_first, int (**out)[2]) {
  int nw = 0, cap = 0;
  for (int i = 0; i < n; i++)
    cap += list[i]->fields.n;
  int(*waits)[2] = arena_alloc(D->ar, sizeof(int[2]) * (size_t)(cap + 1));
  for (int i = 0; i < n; i++)
    for (int f = 0; f < list[i]->fields.n; f++) {
      const char *t = list[i]->fields.v[f]->ref_entity;
      int j = t ? (int)(intptr_t)namemap_get(index, t) - 1 : -1;
      if (j < 0 || j == i) continue;
      waits[nw][0] = referrers_first ? j : i;
      waits[nw++][1] = referrers_first ? i : j;
    }
  *out = waits;
  return nw;
}

/* Creates in an order where every FK target comes first. */
static void order_creates(differ *D, const st_entity **list, int n) {
  namemap index;
  index_names(D, list, n, &index);
  int(*waits)[2];
  int nw = reference_waits(D, list, n, &index, false, &waits);
  int *order = arena_alloc(D->ar, sizeof(int) * (size_t)(n + 1));
  bool *forced = arena_alloc(D->ar, (size_t)n + 1), *done = arena_alloc(D->ar, (size_t)n + 1);
  order_by_waits(D, n, (const int(*)[2])waits, nw, order, forced);
  for (int k = 0; k < n; k++) {
    int pick = order[k];
    /* a cycle: created without the references that point forward */
    const st_entity *create =
        forced[k] ? without_forward_refs(D, list[pick], list, done, &index) : NULL;
    done[pick] = true;
    ir_op *op = emit(D, late_create(D, list[pick]) ? PH_LATE_CREATES : PH_CREATES, OP_CREATE_ENTITY,
                     list[pick]->name);
    op->create = (st_entity *)(create ? create : list[pick]);
  }
}

/* Drops in an order where every referrer goes first. */
static void order_drops(differ *D, const st_entity **list, int n) {
  namemap index;
  index_names(D, list, n, &index);
  int(*waits)[2];
  int nw = reference_waits(D, list, n, &index, true, &waits);
  int *order = arena_alloc(D->ar, sizeof(int) * (size_t)(n + 1));
  bool *forced = arena_alloc(D->ar, (size_t)n + 1);
  order_by_waits(D, n, (const int(*)[2])waits, nw, order, forced);
  for (int k = 0; k < n; k++)
    emit(D, PH_ENTITY_DROPS, OP_DROP_ENTITY, list[order[k]]->name);
}

void diff_schemas(const st_schema *a, const st_schema *b, const diff_hints *h, ir_plan *out,
                  arena *ar) {
  differ D;
  memset(&D, 0, sizeof D);
  D.a = a;
  D.b = b;
  D.src = h ? h->source : NULL;
  D.ar = ar;
  D.out = out;
  index_source(&D);
  diff_enums(&D);
  namemap_init(&D.field_maps, ar);
  match_entities(&D);
  /* b's entities of the same name, same fields and keys, by index */
  bool *unchanged = arena_alloc(ar, (size_t)b->entities.n + 1);
  for (int i = 0; i < b->entities.n; i++) {
    st_prefetch_step(b->entities.v, i, b->entities.n, a);
    const st_entity *n = b->entities.v[i];
    const char *old = namemap_get(&D.entity_from, n->name);
    if (!old) continue;
    const st_entity *o = st_entity_find(a, old);
    if (old == n->name && same_entity(&D, o, n))
      unchanged[i] = true;
    else
      match_fields(&D, o, n);
  }
  const st_entity **creates = arena_alloc(ar, sizeof(st_entity *) * (size_t)(b->entities.n + 1));
  const st_entity **drops = arena_alloc(ar, sizeof(st_entity *) * (size_t)(a->entities.n + 1));
  int nc = 0, nd = 0;
  namemap_init(&D.freed_tables, ar);
  for (int i = 0; i < a->entities.n; i++)
    if (!namemap_get(&D.entity_to, a->entities.v[i]->name)) {
      drops[nd++] = a->entities.v[i];
      namemap_put(&D.freed_tables, a->entities.v[i]->table, a->entities.v[i]);
    }
  for (int i = 0; i < b->entities.n; i++) {
    st_prefetch_step(b->entities.v, i, b->entities.n, a);
    const st_entity *n = b->entities.v[i];
    const char *old = namemap_get(&D.entity_from, n->name);
    if (!old) {
      creates[nc++] = n;
      continue;
    }
    const st_entity *o = st_entity_find(a, old);
    /* the table a rename would give, against the table wanted */
    const char *table =
        o->table_mapped || old == n->name ? o->table : ir_table_name_for(ar, b->names, n->name);
    if (table != n->table) {
      ir_op *op = emit(&D, PH_ENTITY_ALTERS, OP_ALTER_ENTITY, n->name);
      op->table = n->table_mapped ? n->table : NULL;
      op->comment = text(&D, "table %s, was %s", n->table, o->table);
    }
    if (!unchanged[i] || !references_unmoved(&D, n)) {
      if (!namemap_get(&D.field_maps, n->name)) match_fields(&D, o, n);
      diff_fields(&D, o, n);
    }
  }
  order_creates(&D, creates, nc);
  order_drops(&D, drops, nd);
  for (int p = 0; p < PH_COUNT; p++)
    for (int i = 0; i < D.phase[p].n; i++)
      vec_push(ar, out->ops, D.phase[p].v[i]);
}
