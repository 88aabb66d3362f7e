/*
** sema.c: the order of the semantic passes, the declaration table, enums and
** "did you mean".
**
** Passes (each reports what it finds and leaves the IR usable for the next):
**   declare    every top-level name, duplicates, reserved names
**   enums      members, duplicates, database type names
**   config     auth, namespaces, routes, apiKeys, schedules, payments, ... (sema_config.c)
**   fields     types, annotations, defaults, primary keys (sema_fields.c)
**   fks        foreign keys, now that every key is known
**   keys       database names, uniques, indexes, FK indexes
**   policies   actions, principals, via, where paths (sema_policy.c)
**   namespaces scope attributes and scoped entities
*/
#include "frontend.h"

#include <string.h>

const char *sema_intern(sema *S, const char *s) {
  return intern_cstr(S->names, s);
}

ir_value *sema_call(sema *S, const char *name) {
  ir_value *v = arena_alloc(S->a, sizeof *v);
  v->kind = IR_V_CALL;
  v->parts = arena_alloc(S->a, sizeof(char *));
  v->parts[0] = sema_intern(S, name);
  v->nparts = 1;
  return v;
}

/* ---- two threads ----------------------------------------------------------
**
** The passes over every entity's fields and keys (two thirds of the checks)
** read the declarations and write only the entity at hand, so a big schema's
** entities are cut in two ranges and the second range checked on a second
** thread, with an arena, a scratch arena, a column cache and diagnostics of
** its own.  Its diagnostics then follow the first range's, in the order and
** under the limit of one pass (diag_concat).  (Runs of entities taken in turn
** by either thread balanced the two better, but spread each thread's memory
** over more chunks: a check's peak memory then moved by 2 MB from run to run,
** past 20 times the input at 10,000 entities.) */

typedef struct sema_part {
  sema S;
  arena a;
  diag_list d;
  int from, to;
  void (*each)(sema *S, int from, int to);
} sema_part;

static void *part_run(void *arg) {
  sema_part *p = arg;
  p->each(&p->S, p->from, p->to);
  return NULL;
}

/* Below this many entities a second thread costs more than it saves. */
#define SEMA_SPLIT_MIN 512

void sema_split(sema *S, bool allowed, void (*each)(sema *S, int from, int to)) {
  ir_schema *s = S->s;
  int n = s->entities.n, mid = n / 2;
  if (!allowed || n < SEMA_SPLIT_MIN || !ir_threads_wanted()) {
    each(S, 0, n);
    return;
  }
  sema_part p;
  p.S = *S;
  arena_init(&p.a);
  diag_init(&p.d, &p.a);
  p.d.limit = S->d->limit;
  p.S.d = &p.d;
  p.S.a = &p.a;
  memset(&p.S.fk_fields, 0, sizeof p.S.fk_fields);
  p.S.refers_user = false;
  arena_init(&p.S.scratch);
  namemap_init(&p.S.columns, &p.a);
  st_maker_init(&p.S.state, &p.a, S->names);
  st_maker_init_apart(&p.S.fingerprint_state, &p.S.scratch, &p.a, S->names);
  p.from = mid;
  p.to = n;
  p.each = each;
  strtab_share(S->names);
  ir_task task;
  ir_task_start(&task, part_run, &p, true);
  each(S, 0, mid);
  ir_task_wait(&task);
  strtab_unshare(S->names);
  diag_concat(S->d, S->d, &p.d);
  for (int i = 0; i < p.S.fk_fields.n; i++) /* after the first range's: entity order */
    vec_push(S->a, S->fk_fields, p.S.fk_fields.v[i]);
  S->refers_user |= p.S.refers_user;
  for (int i = mid; i < n; i++) { /* maps made there grow in the schema's arena from now on */
    ir_entity *e = s->entities.v[i];
    if (e->field_map.a == &p.a) e->field_map.a = S->a;
  }
  arena_free(&p.S.scratch);
  arena_adopt(S->a, &p.a);
}

/* The passes over the entities read each entity's memory for the first time
** since the parse wrote it, tens of megabytes before: at 10,000 entities
** the keys pass spent most of its time waiting for an entity's struct and
** its first foreign key, and the fields pass for the fields and their
** annotations. Each step asks for what a later step will read, in three
** stages, since each address is read from memory asked for the step before:
** the entity three ahead, the arrays of the one two ahead, the fields of the
** next one (SEMA_READS_ENTITY: the entity only). A prefetch changes nothing
** but the time. */
void sema_prefetch(const ir_schema *s, int i, int to, sema_reads what) {
  ir_entity *const *v = s->entities.v;
  if (i + 3 < to) ir_prefetch(v[i + 3], sizeof(ir_entity));
  if (what == SEMA_READS_ENTITY) return;
  if (i + 2 < to) {
    const ir_entity *e = v[i + 2];
    if (what == SEMA_READS_FIELDS) {
      ir_prefetch(e->fields.v, sizeof(ir_field *) * (size_t)e->fields.n);
      ir_prefetch(e->annots.v, sizeof(ir_annot *) * (size_t)e->annots.n);
    } else {
      ir_prefetch(e->ref_fields.v, sizeof(ir_field *) * (size_t)e->ref_fields.n);
    }
  }
  if (i + 1 < to) {
    const ir_entity *e = v[i + 1];
    if (what == SEMA_READS_FIELDS)
      for (int j = 0; j < e->fields.n; j++)
        ir_prefetch(e->fields.v[j], sizeof(ir_field));
    else
      for (int j = 0; j < e->ref_fields.n; j++)
        ir_prefetch(e->ref_fields.v[j], sizeof(ir_field));
  }
}

ir_range sema_no_range(void) {
  ir_range r = {0, 0, 0};
  return r;
}

decl_ref *sema_lookup(sema *S, const char *name) {
  return namemap_get(&S->s->decls, name);
}

ir_field *sema_field_in(const namemap *map, ir_field *const *v, int n, const char *name) {
  if (!map->a) return NULL; /* not checked yet */
  if (map->cap) return namemap_get(map, name);
  for (int i = 0; i < n; i++)
    if (v[i]->name == name && !v[i]->duplicate) return v[i];
  return NULL;
}

ir_field *sema_field(ir_entity *e, const char *name) {
  return sema_field_in(&e->field_map, e->fields.v, e->fields.n, name);
}

/* The allowed distance grows with the name: one edit for short names, a
** third of the length for long ones. */
const char *sema_suggest(const char *name, const char *const *cands, int n) {
  int len = (int)strlen(name);
  int limit = len <= 3 ? 1 : len / 3 + 1;
  if (limit > 4) limit = 4;
  const char *best = NULL;
  int best_d = limit + 1;
  for (int i = 0; i < n; i++) {
    if (!cands[i] || strcmp(cands[i], name) == 0) continue;
    int d = ir_edit_distance(name, cands[i], limit);
    if (d < best_d || (d == best_d && best && strcmp(cands[i], best) < 0)) {
      best_d = d;
      best = cands[i];
    }
  }
  return best_d <= limit ? best : NULL;
}

const char *sema_suggest_decl(sema *S, const char *name, int kinds_mask) {
  ir_schema *s = S->s;
  /* Past the diagnostics shown, a suggestion would never be read.  The one
  ** just added is counted: it is shown when the count has not passed the
  ** limit (in a list of its own, a thread's run, its place can only be later
  ** once the lists are joined, so it is not shown either). */
  if (S->d->limit && diag_found(S->d) > S->d->limit) return NULL;
  int n = s->entities.n + s->enums.n + s->types.n + s->validations.n + IR_T_COUNT;
  const char **c = arena_alloc(S->a, sizeof(char *) * (size_t)(n + 1));
  int k = 0;
  if (kinds_mask & (1 << DK_ENTITY))
    for (int i = 0; i < s->entities.n; i++)
      c[k++] = s->entities.v[i]->name;
  if (kinds_mask & (1 << DK_ENUM))
    for (int i = 0; i < s->enums.n; i++)
      c[k++] = s->enums.v[i]->name;
  if (kinds_mask & (1 << DK_TYPE))
    for (int i = 0; i < s->types.n; i++)
      c[k++] = s->types.v[i]->name;
  if (kinds_mask & (1 << DK_VALIDATION))
    for (int i = 0; i < s->validations.n; i++)
      c[k++] = s->validations.v[i]->name;
  if (kinds_mask & 1)
    for (int t = IR_T_STRING; t <= IR_T_FILE; t++)
      c[k++] = ir_type_names[t];
  return sema_suggest(name, c, k);
}

const char *sema_suggest_field(ir_entity *e, const char *name) {
  const char *c[512];
  int k = 0;
  for (int i = 0; i < e->fields.n && k < 512; i++)
    c[k++] = e->fields.v[i]->name;
  return sema_suggest(name, c, k);
}

void sema_reserved(sema *S, const char *name, ir_range r, const char *what) {
  if (name[0] == '_' && name[1] == '_') {
    diag *g = diag_add(S->d, DIAG_E0203, r,
                       "%s name '%s' starts with '__', which is reserved for built-ins such as "
                       "__User; rename it",
                       what, name);
    diag_label(S->d, g, "reserved prefix");
  }
}

/* Record a top-level name: not reserved, not a scalar type, not taken. */
static void declare(sema *S, const char *name, decl_kind k, void *node, ir_range r,
                    const char *what) {
  if (k != DK_ENTITY || !((ir_entity *)node)->builtin) sema_reserved(S, name, r, what);
  /* `entity string { }` would make every `string` field ambiguous */
  if (ir_scalar_kind(name) != IR_T_UNRESOLVED) {
    diag_add(S->d, DIAG_E0201, r, "'%s' is a built-in type; choose another name", name);
    return;
  }
  decl_ref *prev = sema_lookup(S, name);
  if (prev) {
    if (k == DK_ENTITY) ((ir_entity *)node)->duplicate = true;
    diag *g = diag_add(S->d, DIAG_E0201, r, "'%s' is declared twice; rename one of them", name);
    diag_note_add(S->d, g, prev->range, "'%s' is first declared here", name);
    return;
  }
  decl_ref *d = arena_alloc(S->a, sizeof *d);
  d->kind = k;
  d->node = node;
  d->range = r;
  namemap_put(&S->s->decls, name, d);
}

/* language.md 2.1: `entity __User { email: string @unique, createdAt: datetime = now() }`,
** table `__users`, in the database only when a field refers to it. */
static void predeclare_user(sema *S) {
  ir_schema *s = S->s;
  ir_entity *u = arena_alloc(S->a, sizeof *u);
  u->name = sema_intern(S, "__User");
  u->builtin = true;
  u->range = sema_no_range();
  u->name_range = u->range;
  static const struct {
    const char *name, *type;
    bool unique, now;
  } fields[] = {{"email", "string", true, false}, {"createdAt", "datetime", false, true}};
  for (int i = 0; i < 2; i++) {
    ir_field *f = arena_alloc(S->a, sizeof *f);
    f->name = sema_intern(S, fields[i].name);
    f->type.name = sema_intern(S, fields[i].type);
    f->implicit = true;
    f->owner = u;
    f->pos = i;
    f->unique = fields[i].unique;
    if (fields[i].now) f->def = sema_call(S, "now");
    vec_push(S->a, u->fields, f);
  }
  s->user = u;
  declare(S, u->name, DK_ENTITY, u, u->range, "entity");
}

static void declare_all(sema *S) {
  ir_schema *s = S->s;
  namemap_reserve(&s->decls,
                  (uint32_t)(1 + s->entities.n + s->enums.n + s->types.n + s->validations.n));
  predeclare_user(S);
  for (int i = 0; i < s->entities.n; i++) {
    sema_prefetch(s, i, s->entities.n, SEMA_READS_ENTITY);
    declare(S, s->entities.v[i]->name, DK_ENTITY, s->entities.v[i], s->entities.v[i]->name_range,
            "entity");
  }
  for (int i = 0; i < s->enums.n; i++)
    declare(S, s->enums.v[i]->name, DK_ENUM, s->enums.v[i], s->enums.v[i]->name_range, "enum");
  for (int i = 0; i < s->types.n; i++)
    declare(S, s->types.v[i]->name, DK_TYPE, s->types.v[i], s->types.v[i]->name_range, "type");
  for (int i = 0; i < s->validations.n; i++)
    declare(S, s->validations.v[i]->name, DK_VALIDATION, s->validations.v[i],
            s->validations.v[i]->name_range, "type");
}

static void check_enums(sema *S) {
  ir_schema *s = S->s;
  const char *renamed = sema_intern(S, "renamedFrom");
  const char *map = sema_intern(S, "map");
  for (int i = 0; i < s->enums.n; i++) {
    ir_enum *e = s->enums.v[i];
    namemap_init(&e->member_map, S->a);
    e->db_name = ir_truncate_ident(S->a, ir_snake_case(S->a, e->name), NULL);
    if (e->members.n == 0)
      diag_add(S->d, DIAG_E0210, e->name_range,
               "enum '%s' has no members; list at least one, as in enum %s { A, B }", e->name,
               e->name);
    for (int j = 0; j < e->members.n; j++) {
      ir_enum_member *m = e->members.v[j];
      sema_reserved(S, m->name, m->range, "enum member");
      if (strlen(m->name) > IR_MAX_IDENT)
        diag_add(S->d, DIAG_E0216, m->range,
                 "enum member '%.20s...' is %zu bytes long; Postgres keeps at most %d bytes of "
                 "an enum label, so use a shorter name",
                 m->name, strlen(m->name), IR_MAX_IDENT);
      ir_enum_member *prev = namemap_get(&e->member_map, m->name);
      if (prev) {
        diag *g = diag_add(S->d, DIAG_E0202, m->range, "enum '%s' lists '%s' twice; remove one",
                           e->name, m->name);
        diag_note_add(S->d, g, prev->range, "first listed here");
        continue;
      }
      namemap_put(&e->member_map, m->name, m);
      for (int k = 0; k < m->nannots; k++) {
        ir_annot *a = m->annots[k];
        if (a->name == renamed) {
          if (m->renamed_from) {
            diag_add(S->d, DIAG_E0308, a->range, "@renamedFrom is given twice; keep one");
          } else if (a->nargs == 1 && a->args[0]->kind == IR_V_STRING && a->args[0]->text[0]) {
            m->renamed_from = sema_intern(S, a->args[0]->text);
          } else {
            diag_add(S->d, DIAG_E0303, a->range,
                     "@renamedFrom takes the old member name as a string: @renamedFrom(\"Old\")");
          }
        } else if (a->name == map) {
          diag_add(S->d, DIAG_E0309, a->range,
                   "@map is not supported on enum members: the label stored is the member name");
        } else {
          diag_add(S->d, DIAG_E0301, a->range,
                   "unknown annotation '@%s' on an enum member; members take @renamedFrom(\"Old\")",
                   a->name);
        }
      }
    }
  }
}

/* __User is in the database only when something refers to it. */
static void mark_user(sema *S) {
  ir_schema *s = S->s;
  s->user->used = S->refers_user; /* an entity's field, seen by fields_of */
  if (s->auth)
    for (int i = 0; i < s->auth->principal.n; i++)
      if (s->auth->principal.v[i]->type.fk_entity == s->user) s->user->used = true;
}

void sema_run(ir_schema *s, diag_list *d) {
  sema S = {.s = s, .d = d, .a = s->a, .names = s->names};
  arena_init(&S.scratch);
  namemap_init(&S.columns, s->a);
  st_maker_init(&S.state, s->a, s->names);
  st_maker_init_apart(&S.fingerprint_state, &S.scratch, s->a, s->names);
  S.n.id = sema_intern(&S, "id");
  S.n.uuid = sema_intern(&S, "uuid");
  S.n.primary_key = sema_intern(&S, "primaryKey");
  S.n.unique = sema_intern(&S, "unique");
  S.n.index = sema_intern(&S, "index");
  S.n.map = sema_intern(&S, "map");
  S.n.renamed_from = sema_intern(&S, "renamedFrom");
  S.n.on = sema_intern(&S, "on");
  declare_all(&S);
  check_enums(&S);
  sema_fields(&S);
  sema_keys(&S);
  sema_foreign_keys(&S);
  sema_config(&S);
  sema_policies(&S);
  sema_namespaces(&S);
  mark_user(&S);
  /* __User joins the entity list last, first in order, only when used. */
  if (s->user->used) {
    vec_push(s->a, s->entities, NULL);
    memmove(s->entities.v + 1, s->entities.v, sizeof(ir_entity *) * (size_t)(s->entities.n - 1));
    s->entities.v[0] = s->user;
  }
  arena_free(&S.scratch);
}
