/*
** sema_fields.c: fields of entities, embedded types and validation types:
** their types, annotations, defaults and keys; then foreign keys and the
** database names of everything that reaches a table.
*/
#include "frontend.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where a field stands decides which annotations and types it may use. */
typedef enum field_ctx { FC_ENTITY, FC_EMBEDDED, FC_VALIDATION } field_ctx;

static const char *const ctx_names[] = {"an entity", "an embedded type", "a validation type"};

/* ---- annotation table --------------------------------------------------- */

/* ARG_INT: a whole number that fits an int (a length); ARG_BYTES: any size */
typedef enum arg_kind { ARG_NONE, ARG_INT, ARG_BYTES, ARG_NUM, ARG_STRING, ARG_IDENT } arg_kind;

#define K(x) (1u << IR_T_##x)
#define K_NUMERIC (K(INT) | K(SMALLINT) | K(BIGINT) | K(DOUBLE) | K(DECIMAL))
#define K_ANY 0u

typedef struct annot_spec {
  const char *name;
  arg_kind arg;
  unsigned kinds; /* allowed column kinds (0: any) */
  bool db_only;   /* entity fields only: it shapes the table */
  const char *usage;
  const char *kinds_text;
} annot_spec;

/* ORDER FIELD_ANNOTS: indexes below (A_*) follow this table. */
static const annot_spec field_annots[] = {
    {"unique", ARG_NONE, K_ANY, true, "@unique", NULL},
    {"primaryKey", ARG_NONE, K_ANY, true, "@primaryKey", NULL},
    {"index", ARG_NONE, K_ANY, true, "@index", NULL},
    {"onDelete", ARG_IDENT, K_ANY, true, "@onDelete(cascade | restrict | setNull)", "foreign keys"},
    {"minLength", ARG_INT, K(STRING), false, "@minLength(1)", "string fields"},
    {"maxLength", ARG_INT, K(STRING), false, "@maxLength(200)", "string fields"},
    {"regex", ARG_STRING, K(STRING), false, "@regex(\"^[a-z]+$\")", "string fields"},
    {"email", ARG_NONE, K(STRING), false, "@email", "string fields"},
    {"url", ARG_NONE, K(STRING), false, "@url", "string fields"},
    {"trim", ARG_NONE, K(STRING), false, "@trim", "string fields"},
    {"min", ARG_NUM, K_NUMERIC, false, "@min(0)", "numeric fields"},
    {"max", ARG_NUM, K_NUMERIC, false, "@max(100)", "numeric fields"},
    {"maxSize", ARG_BYTES, K(FILE), false, "@maxSize(10485760)", "file fields"},
    {"accept", ARG_STRING, K(FILE), false, "@accept(\"image/*,application/pdf\")", "file fields"},
    {"sensitive", ARG_NONE, K_ANY, false, "@sensitive", NULL},
    {"pii", ARG_NONE, K_ANY, false, "@pii", NULL},
    {"map", ARG_STRING, K_ANY, true, "@map(\"column_name\")", NULL},
    {"renamedFrom", ARG_STRING, K_ANY, true, "@renamedFrom(\"oldName\")", NULL},
};
enum {
  A_UNIQUE,
  A_PRIMARY_KEY,
  A_INDEX,
  A_ON_DELETE,
  A_MIN_LENGTH,
  A_MAX_LENGTH,
  A_REGEX,
  A_EMAIL,
  A_URL,
  A_TRIM,
  A_MIN,
  A_MAX,
  A_MAX_SIZE,
  A_ACCEPT,
  A_SENSITIVE,
  A_PII,
  A_MAP,
  A_RENAMED_FROM,
  A_COUNT
};

static const char *const entity_annot_names[] = {"unique",      "index", "primaryKey", "map",
                                                 "renamedFrom", "on",    "why"};
static const char *const elsewhere_annot_names[] = {"from",   "selectFrom", "grant",      "deny",
                                                    "secret", "system",     "validation", "public"};

static int field_annot_index(const char *name) {
  for (int i = 0; i < A_COUNT; i++)
    if (field_annots[i].name[0] == name[0] && strcmp(field_annots[i].name, name) == 0) return i;
  return -1;
}

static const char *suggest_annot(const char *name, bool entity_level) {
  const char *c[A_COUNT + 8];
  int k = 0;
  if (entity_level) {
    for (size_t i = 0; i < sizeof entity_annot_names / sizeof *entity_annot_names; i++)
      c[k++] = entity_annot_names[i];
  } else {
    for (int i = 0; i < A_COUNT; i++)
      c[k++] = field_annots[i].name;
  }
  return sema_suggest(name, c, k);
}

/* ---- argument helpers --------------------------------------------------- */

static bool is_integral(const ir_value *v) {
  return v->kind == IR_V_NUMBER && !strpbrk(v->text, ".eE") && fabs(v->num) < 9.2e18;
}

static bool is_ident(const char *s) {
  if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
  for (const char *p = s; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_')) return false;
  return true;
}

/* Returns false (and reports) when the arguments do not fit the spec. */
static bool check_args(sema *S, ir_annot *a, const annot_spec *sp) {
  bool ok;
  ir_value *v = a->nargs == 1 ? a->args[0] : NULL;
  switch (sp->arg) {
  case ARG_NONE: ok = a->nargs == 0; break;
  case ARG_INT: ok = v && is_integral(v) && v->num >= 0 && v->num <= INT_MAX; break;
  case ARG_BYTES: ok = v && is_integral(v) && v->num >= 0; break;
  case ARG_NUM: ok = v && v->kind == IR_V_NUMBER; break;
  case ARG_STRING: ok = v && v->kind == IR_V_STRING; break;
  default: ok = v && v->kind == IR_V_PATH && v->nparts == 1; break;
  }
  if (!ok) {
    const char *what = sp->arg == ARG_NONE     ? "takes no arguments"
                       : sp->arg == ARG_INT    ? "takes one whole number up to 2147483647"
                       : sp->arg == ARG_BYTES  ? "takes one whole number"
                       : sp->arg == ARG_NUM    ? "takes one number"
                       : sp->arg == ARG_STRING ? "takes one string"
                                               : "takes one name";
    diag *g = diag_add(S->d, DIAG_E0303, a->range, "@%s %s: write %s", sp->name, what, sp->usage);
    diag_label(S->d, g, "wrong arguments");
  }
  return ok;
}

/* ---- types -------------------------------------------------------------- */

static void unknown_type(sema *S, ir_typeref *t, int kinds_mask) {
  ir_range r = t->range;
  r.len = (uint32_t)strlen(t->name);
  diag *g = diag_add(S->d, DIAG_E0204, r, "unknown type '%s'", t->name);
  const char *best = sema_suggest_decl(S, t->name, kinds_mask);
  if (best)
    diag_label(S->d, g, "did you mean '%s'?", best);
  else
    diag_label(S->d, g, "not a built-in type, entity, enum or type");
}

static void resolve_type(sema *S, ir_typeref *t, field_ctx ctx) {
  if (t->literal) {
    if (ctx != FC_VALIDATION)
      diag_add(S->d, DIAG_E0214, t->range,
               "a string literal as a type is a discriminator for validation unions; in %s "
               "write a type such as 'string'",
               ctx_names[ctx]);
    return;
  }
  if (t->member) {
    decl_ref *d = sema_lookup(S, t->name);
    if (!d) {
      unknown_type(S, t, 1 << DK_ENTITY);
    } else if (d->kind != DK_ENTITY) {
      ir_range r = t->range;
      r.len = (uint32_t)strlen(t->name);
      diag_add(S->d, DIAG_E0204, r,
               "'%s' is not an entity; a foreign key is written Entity.field (for example "
               "Project.id)",
               t->name);
    } else {
      t->fk_entity = d->node;
    }
  } else if ((t->kind = ir_scalar_kind(t->name)) != IR_T_UNRESOLVED) {
    if (t->kind == IR_T_DECIMAL) {
      bool ok = t->nargs == 2 && is_integral(t->args[0]) && is_integral(t->args[1]);
      /* the bounds before the casts: a double too big for an int is undefined */
      double p = ok ? t->args[0]->num : 0, sc = ok ? t->args[1]->num : 0;
      ok = ok && p >= 1 && p <= 1000 && sc >= 0 && sc <= p;
      if (ok) {
        t->precision = (int)p;
        t->scale = (int)sc;
      }
      if (!ok)
        diag_add(S->d, DIAG_E0213, t->range,
                 "decimal takes a precision and a scale, 1 <= precision <= 1000 and 0 <= scale "
                 "<= precision: decimal(10, 2)");
    } else if (t->has_args) {
      diag_add(S->d, DIAG_E0213, t->range, "'%s' takes no arguments; only decimal(p, s) does",
               t->name);
    }
  } else {
    decl_ref *d = sema_lookup(S, t->name);
    if (!d) {
      unknown_type(S, t,
                   1 | (1 << DK_ENUM) | (1 << DK_TYPE) |
                       (ctx == FC_VALIDATION ? 1 << DK_VALIDATION : 0));
    } else if (d->kind == DK_ENUM) {
      t->kind = IR_T_ENUM;
      t->enum_ = d->node;
    } else if (d->kind == DK_TYPE) {
      t->kind = IR_T_EMBEDDED;
      t->embedded = d->node;
    } else if (d->kind == DK_VALIDATION) {
      if (ctx == FC_VALIDATION) {
        t->kind = IR_T_VALIDATION;
        t->embedded = d->node;
      } else {
        diag_add(S->d, DIAG_E0214, t->range,
                 "'%s' is a validation type and makes no column; use an embedded 'type' for "
                 "stored JSON",
                 t->name);
      }
    } else {
      diag *g = diag_add(S->d, DIAG_E0204, t->range,
                         "'%s' is an entity; a reference to it is a foreign key: %s.id", t->name,
                         t->name);
      diag_label(S->d, g, "write '%s.id'", t->name);
    }
    if (t->has_args) diag_add(S->d, DIAG_E0213, t->range, "'%s' takes no arguments", t->name);
  }
  if (t->array_depth > 1) {
    diag_add(S->d, DIAG_E0212, t->range,
             "arrays of arrays are not supported; use json, or an embedded type with an array "
             "field");
  } else if (t->array_depth == 1 && t->kind == IR_T_FILE) {
    diag_add(S->d, DIAG_E0212, t->range,
             "file[] is not supported; make an entity for the files with a foreign key to this "
             "one");
  } else if (t->array_depth == 1 && t->member) {
    diag_add(S->d, DIAG_E0212, t->range,
             "arrays of foreign keys are not supported; use a junction entity with two foreign "
             "keys");
  }
}

/* ---- annotations on fields ---------------------------------------------- */

static void field_annotations(sema *S, ir_field *f, field_ctx ctx, ir_annot **seen) {
  const char *on_delete = NULL;
  for (int i = 0; i < f->nannots; i++) {
    ir_annot *a = f->annots[i];
    int k = field_annot_index(a->name);
    if (k < 0) {
      bool entity_level = false;
      for (size_t j = 0; j < sizeof entity_annot_names / sizeof *entity_annot_names; j++)
        if (strcmp(entity_annot_names[j], a->name) == 0) entity_level = true;
      for (size_t j = 0; j < sizeof elsewhere_annot_names / sizeof *elsewhere_annot_names; j++)
        if (strcmp(elsewhere_annot_names[j], a->name) == 0) entity_level = true;
      if (entity_level) {
        diag_add(S->d, DIAG_E0309, a->range, "@%s does not apply to a field", a->name);
      } else {
        diag *g = diag_add(S->d, DIAG_E0301, a->range, "unknown annotation '@%s'", a->name);
        const char *best = suggest_annot(a->name, false);
        if (best) diag_label(S->d, g, "did you mean '@%s'?", best);
      }
      continue;
    }
    const annot_spec *sp = &field_annots[k];
    if (seen[k]) {
      diag *g = diag_add(S->d, DIAG_E0308, a->range, "@%s is given twice on '%s'; keep one",
                         sp->name, f->name);
      diag_note_add(S->d, g, seen[k]->range, "first given here");
      continue;
    }
    seen[k] = a;
    if (sp->db_only && ctx != FC_ENTITY) {
      diag_add(S->d, DIAG_E0309, a->range,
               "@%s shapes a table column; fields of %s are not columns", sp->name, ctx_names[ctx]);
      continue;
    }
    if (!check_args(S, a, sp)) continue;
    ir_type_kind kind = f->type.kind;
    if (k == A_ON_DELETE) {
      if (!f->type.member)
        diag_add(S->d, DIAG_E0302, a->range,
                 "@onDelete applies to foreign keys; '%s' is not one (write its type as "
                 "Entity.field)",
                 f->name);
      on_delete = a->args[0]->parts[0];
      if (strcmp(on_delete, "cascade") == 0)
        f->on_delete = IR_OD_CASCADE;
      else if (strcmp(on_delete, "restrict") == 0)
        f->on_delete = IR_OD_RESTRICT;
      else if (strcmp(on_delete, "setNull") == 0)
        f->on_delete = IR_OD_SET_NULL;
      else {
        const char *c[] = {"cascade", "restrict", "setNull"};
        diag *g = diag_add(S->d, DIAG_E0303, a->args[0]->range,
                           "@onDelete takes cascade, restrict or setNull, not '%s'", on_delete);
        const char *best = sema_suggest(on_delete, c, 3);
        if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        continue;
      }
      f->has_on_delete = true;
      if (f->on_delete == IR_OD_SET_NULL && !f->type.nullable) {
        diag *g = diag_add(S->d, DIAG_E0305, a->range,
                           "@onDelete(setNull) on required field '%s': make it nullable "
                           "('%s%s%s?') or choose cascade or restrict",
                           f->name, f->type.name, f->type.member ? "." : "",
                           f->type.member ? f->type.member : "");
        diag_label(S->d, g, "needs a nullable field");
      }
      continue;
    }
    if (sp->kinds && kind != IR_T_UNRESOLVED && !f->type.member && !(sp->kinds & (1u << kind))) {
      diag *g =
          diag_add(S->d, DIAG_E0302, a->range, "@%s applies to %s; '%s' is %s%s", sp->name,
                   sp->kinds_text, f->name, ir_type_names[kind], f->type.array_depth ? "[]" : "");
      diag_label(S->d, g, "not allowed on %s", ir_type_names[kind]);
      continue;
    }
    if (sp->kinds && f->type.member) {
      diag_add(S->d, DIAG_E0302, a->range, "@%s applies to %s; '%s' is a foreign key", sp->name,
               sp->kinds_text, f->name);
      continue;
    }
    switch (k) {
    case A_UNIQUE: f->unique = true; break;
    case A_PRIMARY_KEY: f->primary_key = true; break;
    case A_INDEX: f->index = true; break;
    case A_SENSITIVE: f->sensitive = true; break;
    case A_PII: f->pii = true; break;
    case A_MAP:
      if (!a->args[0]->text[0] || (size_t)a->args[0]->ms != strlen(a->args[0]->text))
        diag_add(S->d, DIAG_E0303, a->range,
                 "@map needs a non-empty column name without NUL characters");
      else
        f->column = a->args[0]->text;
      break;
    case A_RENAMED_FROM:
      if (!is_ident(a->args[0]->text))
        diag_add(S->d, DIAG_E0303, a->range,
                 "@renamedFrom takes the old field name, an identifier: @renamedFrom(\"oldName\")");
      else
        f->renamed_from = sema_intern(S, a->args[0]->text);
      if (f->renamed_from && f->owner) f->owner->field_renames = true; /* its sema thread's own */
      break;
    case A_MAX_SIZE:
      if (a->args[0]->num <= 0)
        diag_add(S->d, DIAG_E0303, a->range, "@maxSize takes a positive number of bytes");
      break;
    case A_ACCEPT: {
      /* a comma-separated list of MIME types; wildcards such as image/<star> allowed */
      const char *p = a->args[0]->text;
      bool ok = *p != 0;
      while (*p && ok) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && *p == ' ')
          p++, n--;
        const char *slash = memchr(p, '/', n);
        ok = slash && slash > p && (size_t)(slash - p) < n - 1;
        p = e ? e + 1 : p + n;
      }
      if (!ok)
        diag_add(
            S->d, DIAG_E0303, a->range,
            "@accept takes MIME types separated by commas: @accept(\"image/*,application/pdf\")");
      break;
    }
    default: break;
    }
  }
  /* bounds */
  if (seen[A_MIN_LENGTH] && seen[A_MAX_LENGTH] && seen[A_MIN_LENGTH]->nargs == 1 &&
      seen[A_MAX_LENGTH]->nargs == 1 && seen[A_MIN_LENGTH]->args[0]->kind == IR_V_NUMBER &&
      seen[A_MAX_LENGTH]->args[0]->kind == IR_V_NUMBER &&
      seen[A_MIN_LENGTH]->args[0]->num > seen[A_MAX_LENGTH]->args[0]->num) {
    diag *g =
        diag_add(S->d, DIAG_E0304, seen[A_MIN_LENGTH]->range,
                 "@minLength(%s) is above @maxLength(%s) on '%s'; no value can pass",
                 seen[A_MIN_LENGTH]->args[0]->text, seen[A_MAX_LENGTH]->args[0]->text, f->name);
    diag_note_add(S->d, g, seen[A_MAX_LENGTH]->range, "the upper bound is here");
  }
  if (seen[A_MIN] && seen[A_MAX] && seen[A_MIN]->nargs == 1 && seen[A_MAX]->nargs == 1 &&
      seen[A_MIN]->args[0]->kind == IR_V_NUMBER && seen[A_MAX]->args[0]->kind == IR_V_NUMBER &&
      seen[A_MIN]->args[0]->num > seen[A_MAX]->args[0]->num) {
    diag *g = diag_add(S->d, DIAG_E0304, seen[A_MIN]->range,
                       "@min(%s) is above @max(%s) on '%s'; no value can pass",
                       seen[A_MIN]->args[0]->text, seen[A_MAX]->args[0]->text, f->name);
    diag_note_add(S->d, g, seen[A_MAX]->range, "the upper bound is here");
  }
  if (f->primary_key && f->type.nullable)
    diag_add(S->d, DIAG_E0302, seen[A_PRIMARY_KEY]->range,
             "a primary key cannot be nullable; remove '?' from '%s'", f->name);
  if (f->sensitive && (f->primary_key || f->type.member || f->unique || f->index))
    diag_add(S->d, DIAG_E0302, seen[A_SENSITIVE]->range,
             "@sensitive stores ciphertext, which cannot serve as a key or be indexed; remove "
             "@sensitive or the key annotation from '%s'",
             f->name);
}

/* ---- fields of one container ------------------------------------------- */

static void check_fields(sema *S, void *fields_vec, namemap *map, field_ctx ctx, ir_entity *owner) {
  typedef VEC(ir_field *) fvec;
  fvec *fv = fields_vec;
  namemap_init(map, S->a); /* empty when the fields are few: sema_field_in scans them */
  bool hashed = fv->n > SEMA_FIELD_SCAN;
  if (hashed) namemap_reserve(map, (uint32_t)fv->n);
  for (int i = 0; i < fv->n; i++) {
    ir_field *f = fv->v[i];
    if (!f->implicit) sema_reserved(S, f->name, f->name_range, "field");
    ir_field *prev = sema_field_in(map, fv->v, i, f->name);
    if (prev) {
      diag *g = diag_add(S->d, DIAG_E0202, f->name_range,
                         "field '%s' is declared twice; rename one", f->name);
      if (prev->implicit)
        diag_label(S->d, g,
                   "clashes with the implicit primary key; mark it @primaryKey or rename it");
      else
        diag_note_add(S->d, g, prev->name_range, "first declared here");
      f->duplicate = true;
      continue;
    }
    if (hashed) namemap_put(map, f->name, f);
    f->owner = owner;
    if (!f->implicit) resolve_type(S, &f->type, ctx);
    if (f->nannots) { /* most fields have none: no table to clear */
      ir_annot *seen[A_COUNT] = {0};
      field_annotations(S, f, ctx, seen);
    }
  }
}

static ir_field *implicit_id(sema *S) {
  ir_field *f = arena_alloc(S->a, sizeof *f);
  f->name = S->n.id;
  f->type.name = S->n.uuid;
  f->type.kind = IR_T_UUID;
  f->implicit = true;
  f->primary_key = true;
  if (!S->uuid_call) S->uuid_call = sema_call(S, "uuid"); /* never changed: one serves all */
  f->def = S->uuid_call;
  return f;
}

/* `@unique([a, b])`: the fields named, or NULL after a diagnostic. */
static ir_index *field_list(sema *S, ir_entity *e, ir_annot *a) {
  if (a->nargs != 1 || a->args[0]->kind != IR_V_LIST || a->args[0]->nitems == 0) {
    diag_add(S->d, DIAG_E0303, a->range,
             "entity-level @%s takes a list of field names: @%s([a, b])", a->name, a->name);
    return NULL;
  }
  ir_value *l = a->args[0];
  ir_index *ix = arena_alloc(S->a, sizeof *ix);
  ix->range = a->range;
  ix->fields = arena_alloc(S->a, sizeof(ir_field *) * (size_t)l->nitems);
  bool ok = true;
  for (int i = 0; i < l->nitems; i++) {
    ir_value *v = l->items[i];
    if (v->kind != IR_V_PATH || v->nparts != 1) {
      diag_add(S->d, DIAG_E0303, v->range, "@%s lists field names, such as [%s]", a->name,
               e->fields.n ? e->fields.v[e->fields.n - 1]->name : "a, b");
      ok = false;
      continue;
    }
    ir_field *f = sema_field(e, v->parts[0]);
    if (!f) {
      diag *g = diag_add(S->d, DIAG_E0306, v->range, "@%s names '%s', which is not a field of '%s'",
                         a->name, v->parts[0], e->name);
      const char *best = sema_suggest_field(e, v->parts[0]);
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
      ok = false;
      continue;
    }
    for (int j = 0; j < ix->nfields; j++)
      if (ix->fields[j] == f) {
        diag_add(S->d, DIAG_E0303, v->range, "@%s names '%s' twice", a->name, f->name);
        ok = false;
      }
    ix->fields[ix->nfields++] = f;
  }
  return ok ? ix : NULL;
}

static ir_index *single(sema *S, ir_field *f, bool unique) {
  ir_index *ix = arena_alloc(S->a, sizeof *ix);
  ix->range = f->range;
  ix->fields = arena_alloc(S->a, sizeof(ir_field *));
  ix->fields[0] = f;
  ix->nfields = 1;
  ix->unique = unique;
  return ix;
}

static void entity_fields(sema *S, ir_entity *e) {
  if (e->builtin) {
    /* __User's fields are known good; only keys and names are derived. */
    e->fields.v[0]->type.kind = IR_T_STRING;
    e->fields.v[1]->type.kind = IR_T_DATETIME;
  }
  /* The implicit id goes first unless a primary key is declared. */
  bool declared_pk = false;
  const char *pk_name = S->n.primary_key;
  for (int i = 0; i < e->annots.n; i++)
    if (e->annots.v[i]->name == pk_name) declared_pk = true;
  for (int i = 0; i < e->fields.n; i++)
    for (int j = 0; j < e->fields.v[i]->nannots; j++)
      if (e->fields.v[i]->annots[j]->name == pk_name) declared_pk = true;
  if (!declared_pk) {
    ir_field *id = implicit_id(S);
    id->owner = e;
    vec_push(S->a, e->fields, NULL);
    memmove(e->fields.v + 1, e->fields.v, sizeof(ir_field *) * (size_t)(e->fields.n - 1));
    e->fields.v[0] = id;
    for (int i = 0; i < e->fields.n; i++)
      e->fields.v[i]->pos = i;
  }
  check_fields(S, &e->fields, &e->field_map, FC_ENTITY, e);

  /* Keys declared on fields, then at entity level. */
  ir_field *pk_field = NULL;
  for (int i = 0; i < e->fields.n; i++) {
    ir_field *f = e->fields.v[i];
    if (f->primary_key) {
      if (pk_field) {
        diag *g = diag_add(S->d, DIAG_E0308, f->name_range,
                           "entity '%s' marks two fields @primaryKey; for a composite key write "
                           "@primaryKey([%s, %s]) in the entity",
                           e->name, pk_field->name, f->name);
        diag_note_add(S->d, g, pk_field->name_range, "the first primary key");
      } else {
        pk_field = f;
        e->pkey = single(S, f, true);
      }
    }
    if (f->unique) vec_push(S->a, e->uniques, single(S, f, true));
    if (f->index) vec_push(S->a, e->indexes, single(S, f, false));
  }
  const char *n_unique = S->n.unique, *n_index = S->n.index;
  const char *n_map = S->n.map, *n_renamed = S->n.renamed_from;
  const char *n_on = S->n.on;
  ir_annot *seen_map = NULL, *seen_renamed = NULL;
  for (int i = 0; i < e->annots.n; i++) {
    ir_annot *a = e->annots.v[i];
    if (a->name == n_unique || a->name == n_index || a->name == pk_name) {
      if (a->nwords || a->block) {
        diag_add(S->d, DIAG_E0303, a->range, "@%s takes only a list of fields: @%s([a, b])",
                 a->name, a->name);
        continue;
      }
      ir_index *ix = field_list(S, e, a);
      if (!ix) continue;
      if (a->name == pk_name) {
        if (e->pkey) {
          diag *g = diag_add(S->d, DIAG_E0308, a->range,
                             "entity '%s' declares its primary key twice; keep one", e->name);
          diag_note_add(S->d, g, e->pkey->range, "the other declaration");
          continue;
        }
        ix->unique = true;
        e->pkey = ix;
        for (int j = 0; j < ix->nfields; j++) {
          ix->fields[j]->primary_key = true;
          if (ix->fields[j]->type.nullable)
            diag_add(S->d, DIAG_E0302, a->range,
                     "primary key field '%s' is nullable; remove its '?'", ix->fields[j]->name);
        }
      } else {
        ix->unique = a->name == n_unique;
        if (ix->unique)
          vec_push(S->a, e->uniques, ix);
        else
          vec_push(S->a, e->indexes, ix);
      }
    } else if (a->name == n_map || a->name == n_renamed) {
      ir_annot **seen = a->name == n_map ? &seen_map : &seen_renamed;
      if (*seen) {
        diag_add(S->d, DIAG_E0308, a->range, "@%s is given twice on '%s'; keep one", a->name,
                 e->name);
        continue;
      }
      *seen = a;
      if (a->nargs != 1 || a->args[0]->kind != IR_V_STRING || !a->args[0]->text[0] || a->nwords ||
          (size_t)a->args[0]->ms != strlen(a->args[0]->text)) {
        diag_add(S->d, DIAG_E0303, a->range, "@%s takes one non-empty string: @%s(\"%s\")", a->name,
                 a->name, a->name == n_map ? "table_name" : "OldName");
      } else if (a->name == n_map) {
        e->table = a->args[0]->text;
      } else if (!is_ident(a->args[0]->text)) {
        diag_add(S->d, DIAG_E0303, a->range,
                 "@renamedFrom takes the old entity name, an identifier");
      } else {
        e->renamed_from = sema_intern(S, a->args[0]->text);
      }
    } else if (a->name == n_on) {
      ir_trigger *t = sema_trigger(S, a, e);
      if (t) vec_push(S->a, e->triggers, t);
    } else if (field_annot_index(a->name) >= 0) {
      diag_add(S->d, DIAG_E0309, a->range, "@%s belongs on a field; put it after the field's type",
               a->name);
    } else {
      diag *g = diag_add(S->d, DIAG_E0301, a->range, "unknown entity annotation '@%s'", a->name);
      const char *best = suggest_annot(a->name, true);
      if (best) diag_label(S->d, g, "did you mean '@%s'?", best);
    }
  }
}

static void type_fields(sema *S, ir_type *t, field_ctx ctx) {
  ir_entity shim; /* field owner for diagnostics only: types have no table */
  memset(&shim, 0, sizeof shim);
  check_fields(S, &t->fields, &t->field_map, ctx, NULL);
  for (int i = 0; i < t->annots.n; i++) {
    ir_annot *a = t->annots.v[i];
    diag_add(S->d, DIAG_E0309, a->range,
             "@%s is not allowed in %s: types make no table, so they take no keys, indexes or "
             "triggers",
             a->name, ctx_names[ctx]);
  }
  for (int i = 0; i < t->policies.n; i++)
    diag_add(S->d, DIAG_E0309, t->policies.v[i]->range,
             "policies belong on entities; %s has no rows to protect", ctx_names[ctx]);
  (void)shim;
}

/* An embedded type may not contain itself, directly or through others. */
static bool type_recursion(sema *S, ir_type *t) {
  if (t->visiting == 1) return true;
  if (t->visiting == 2) return false;
  t->visiting = 1;
  for (int i = 0; i < t->fields.n; i++) {
    ir_field *f = t->fields.v[i];
    if (f->type.kind == IR_T_EMBEDDED && f->type.embedded && type_recursion(S, f->type.embedded)) {
      if (f->type.embedded == t || t->visiting == 1) {
        diag *g = diag_add(S->d, DIAG_E0211, f->range,
                           "embedded type '%s' contains itself through field '%s'; such a value "
                           "could never be finished, so use a foreign key to an entity instead",
                           t->name, f->name);
        diag_label(S->d, g, "recursive field");
        t->visiting = 2;
        f->type.embedded = NULL;
        return false;
      }
    }
  }
  t->visiting = 2;
  return false;
}

/* Validation type expressions: names exist, Pick/Omit fields exist. */
static ir_type *texpr_target(sema *S, ir_texpr *x) {
  if (x->kind == IR_TX_STRUCT) return x->structure;
  if (x->kind != IR_TX_NAME) return NULL;
  decl_ref *d = sema_lookup(S, x->name);
  if (d && (d->kind == DK_VALIDATION || d->kind == DK_TYPE)) return d->node;
  return NULL;
}

static bool texpr_has_field(sema *S, ir_texpr *x, const char *name) {
  ir_type *t = texpr_target(S, x);
  if (t) return sema_field_in(&t->field_map, t->fields.v, t->fields.n, name) != NULL;
  if (x->kind == IR_TX_NAME) {
    decl_ref *d = sema_lookup(S, x->name);
    if (d && d->kind == DK_ENTITY) return sema_field(d->node, name) != NULL;
  }
  return true; /* unknown shape: reported elsewhere */
}

static void check_texpr(sema *S, ir_texpr *x, int depth) {
  if (depth > 64) return;
  switch (x->kind) {
  case IR_TX_NAME: {
    decl_ref *d = sema_lookup(S, x->name);
    if (!d || d->kind == DK_ENUM) {
      diag *g = diag_add(S->d, DIAG_E0204, x->range,
                         "unknown type '%s' in a validation type; name a validation type, an "
                         "embedded type or an entity",
                         x->name);
      const char *best =
          sema_suggest_decl(S, x->name, (1 << DK_VALIDATION) | (1 << DK_TYPE) | (1 << DK_ENTITY));
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    }
    break;
  }
  case IR_TX_STRUCT:
    check_fields(S, &x->structure->fields, &x->structure->field_map, FC_VALIDATION, NULL);
    break;
  case IR_TX_GENERIC: {
    bool partial = strcmp(x->name, "Partial") == 0;
    bool pick = strcmp(x->name, "Pick") == 0, omit = strcmp(x->name, "Omit") == 0;
    if (!partial && !pick && !omit) {
      diag_add(S->d, DIAG_E0204, x->range,
               "unknown generic type '%s'; use Partial<T>, Pick<T, [f]> or Omit<T, [f]>", x->name);
      break;
    }
    int want = partial ? 1 : 2;
    if (x->nargs != want || x->args[0]->kind == IR_TX_LIST ||
        (want == 2 && x->args[1]->kind != IR_TX_LIST)) {
      diag_add(S->d, DIAG_E0213, x->range, "write %s",
               partial ? "Partial<T>"
               : pick  ? "Pick<T, [a, b]>"
                       : "Omit<T, [a, b]>");
      break;
    }
    check_texpr(S, x->args[0], depth + 1);
    if (want == 2) {
      ir_texpr *l = x->args[1];
      for (int i = 0; i < l->nnames; i++)
        if (!texpr_has_field(S, x->args[0], l->names[i]))
          diag_add(S->d, DIAG_E0215, l->name_ranges[i],
                   "%s names '%s', which is not a field of the type", x->name, l->names[i]);
    }
    break;
  }
  case IR_TX_UNION:
  case IR_TX_INTERSECT:
    for (int i = 0; i < x->nargs; i++)
      check_texpr(S, x->args[i], depth + 1);
    break;
  case IR_TX_LIST:
    diag_add(S->d, DIAG_E0213, x->range,
             "a field list belongs inside Pick<T, [...]> or Omit<T, [...]>");
    break;
  }
}

static void check_default(sema *S, ir_field *f);
static void entity_columns(sema *S, ir_entity *e);

/* An entity's fields, then, while they are in the cache, the defaults of
** those of known type and the columns; the keys pass reads only the fields
** typed `Entity.field` (ref_fields), which need every entity's fields seen. */
static void entity_fields_and_columns(sema *S, ir_entity *e) {
  entity_fields(S, e);
  int refs = 0;
  for (int j = 0; j < e->fields.n; j++)
    refs += e->fields.v[j]->type.member != NULL;
  if (refs) { /* at once: grown a field at a time, each list left a smaller one behind */
    e->ref_fields.v = arena_alloc(S->a, sizeof(ir_field *) * (size_t)refs);
    e->ref_fields.cap = refs;
  }
  for (int j = 0; j < e->fields.n; j++) {
    ir_field *f = e->fields.v[j];
    ir_typeref *t = &f->type;
    if (t->fk_entity == S->s->user) S->refers_user = true;
    if (t->member && t->fk_entity && !t->fk_field && t->kind == IR_T_UNRESOLVED)
      vec_push(S->a, S->fk_fields, f);
    if (t->member)
      vec_push(S->a, e->ref_fields, f);
    else
      check_default(S, f);
  }
  entity_columns(S, e);
}

static void fields_of(sema *S, int from, int to) {
  for (int i = from; i < to; i++) {
    sema_prefetch(S->s, i, to, SEMA_READS_FIELDS);
    entity_fields_and_columns(S, S->s->entities.v[i]);
  }
}

void sema_fields(sema *S) {
  ir_schema *s = S->s;
  entity_fields_and_columns(S, s->user);
  if (!S->uuid_call) S->uuid_call = sema_call(S, "uuid"); /* shared by both threads' ids */
  sema_split(S, true, fields_of);
  for (int i = 0; i < s->types.n; i++)
    type_fields(S, s->types.v[i], FC_EMBEDDED);
  for (int i = 0; i < s->types.n; i++)
    type_recursion(S, s->types.v[i]);
  for (int i = 0; i < s->validations.n; i++)
    type_fields(S, s->validations.v[i], FC_VALIDATION);
  for (int i = 0; i < s->validations.n; i++)
    if (s->validations.v[i]->expr) check_texpr(S, s->validations.v[i]->expr, 0);
}

/* ---- foreign keys and defaults ------------------------------------------ */

static bool is_single_key(ir_entity *e, ir_field *f) {
  if (e->pkey && e->pkey->nfields == 1 && e->pkey->fields[0] == f) return true;
  for (int i = 0; i < e->uniques.n; i++)
    if (e->uniques.v[i]->nfields == 1 && e->uniques.v[i]->fields[0] == f) return true;
  return false;
}

static void resolve_fk(sema *S, ir_field *f, int depth) {
  ir_typeref *t = &f->type;
  if (!t->member || !t->fk_entity || t->fk_field || t->kind != IR_T_UNRESOLVED) return;
  ir_entity *target = t->fk_entity;
  ir_field *tf = sema_field(target, t->member);
  if (!tf) {
    ir_range r = t->range;
    diag *g = diag_add(S->d, DIAG_E0206, r, "'%s' has no field '%s'", target->name, t->member);
    const char *best = sema_suggest_field(target, t->member);
    if (best)
      diag_label(S->d, g, "did you mean '%s.%s'?", target->name, best);
    else
      diag_label(S->d, g, "a foreign key names a field of the target, usually %s.id", target->name);
    return;
  }
  if (!is_single_key(target, tf)) {
    diag *g = diag_add(S->d, DIAG_E0207, t->range,
                       "foreign key to '%s.%s', which is neither the primary key nor @unique; "
                       "mark it @unique or point at %s's primary key",
                       target->name, t->member, target->name);
    diag_note_add(S->d, g, tf->name_range, "'%s' is declared here", tf->name);
    return;
  }
  if (tf->type.member && tf->type.kind == IR_T_UNRESOLVED) {
    if (depth > 32) {
      diag_add(S->d, DIAG_E0207, t->range,
               "foreign keys refer to each other in a loop; one of them must point at a column of "
               "its own type");
      return;
    }
    resolve_fk(S, tf, depth + 1);
  }
  t->fk_field = tf;
  t->kind = tf->type.kind;
  t->precision = tf->type.precision;
  t->scale = tf->type.scale;
  t->enum_ = tf->type.enum_;
  t->embedded = tf->type.embedded;
}

static bool valid_date(const char *s, const char **rest) {
  int y, m, d;
  if (strlen(s) < 10 || !isdigit((unsigned char)s[0]) || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return false;
  y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1]) return false;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
  *rest = s + 10;
  return true;
}

/* ISO 8601: 2024-01-31, 2024-01-31T12:00:00[.fff](Z|+hh:mm) */
static bool valid_datetime(const char *s) {
  const char *p;
  if (!valid_date(s, &p)) return false;
  if (!*p) return true;
  if (*p != 'T' && *p != ' ') return false;
  p++;
  int hh, mm, ss = 0;
  if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
      !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]))
    return false;
  hh = atoi(p), mm = atoi(p + 3);
  p += 5;
  if (*p == ':') {
    if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2])) return false;
    ss = atoi(p + 1);
    p += 3;
    if (*p == '.') {
      p++;
      if (!isdigit((unsigned char)*p)) return false;
      while (isdigit((unsigned char)*p))
        p++;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;
  if (*p == 'Z') return p[1] == 0;
  if (*p == '+' || *p == '-')
    return isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && p[3] == ':' &&
           isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) && p[6] == 0;
  return *p == 0;
}

static bool valid_uuid(const char *s) {
  if (strlen(s) != 36) return false;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!isxdigit((unsigned char)s[i])) {
      return false;
    }
  }
  return true;
}

static bool is_call(const ir_value *v, const char *name) {
  return v->kind == IR_V_CALL && v->nparts == 1 && strcmp(v->parts[0], name) == 0 && v->nitems == 0;
}

static bool is_word(const ir_value *v, const char *w) {
  return v->kind == IR_V_PATH && v->nparts == 1 && strcmp(v->parts[0], w) == 0;
}

/* Whether one literal fits a column kind; writes a reason when it does not. */
bool sema_default_fits(arena *a, const sema_coltype *t, const ir_value *v, ir_default_kind *dk,
                       const char **why) {
  ir_type_kind k = t->kind;
  *dk = IR_D_LITERAL;
  switch (k) {
  case IR_T_STRING:
    *why = "a string default is written in quotes: \"text\"";
    return v->kind == IR_V_STRING;
  case IR_T_INT:
  case IR_T_SMALLINT:
  case IR_T_BIGINT: {
    long long lim = k == IR_T_SMALLINT ? 32767 : k == IR_T_INT ? 2147483647LL : LLONG_MAX;
    *why = k == IR_T_SMALLINT ? "a smallint default is a whole number from -32768 to 32767"
           : k == IR_T_INT    ? "an int default is a whole number from -2147483648 to 2147483647"
                              : "a bigint default is a whole number that fits in 64 bits";
    /* exactly, from the text: a double cannot hold every bigint */
    if (v->kind != IR_V_NUMBER || strpbrk(v->text, ".eE")) return false;
    errno = 0;
    long long x = strtoll(v->text, NULL, 10);
    return errno == 0 && x <= lim && x >= -lim - 1;
  }
  case IR_T_DOUBLE:
    *why = "a double default is a number such as 0 or 1.5";
    return v->kind == IR_V_NUMBER;
  case IR_T_DECIMAL: {
    *why = arena_printf(a,
                        "a decimal(%d, %d) default is a number with at most %d digits before "
                        "the point and %d after it",
                        t->precision, t->scale, t->precision - t->scale, t->scale);
    if (v->kind != IR_V_NUMBER || strpbrk(v->text, "eE")) return false;
    const char *p = v->text + (v->text[0] == '-');
    const char *dot = strchr(p, '.');
    size_t ints = dot ? (size_t)(dot - p) : strlen(p), frac = dot ? strlen(dot + 1) : 0;
    while (ints > 1 && *p == '0')
      p++, ints--;
    if (ints == 1 && *p == '0') ints = 0;
    return (int)ints <= t->precision - t->scale && (int)frac <= t->scale;
  }
  case IR_T_BOOLEAN:
    *why = "a boolean default is true or false";
    return is_word(v, "true") || is_word(v, "false");
  case IR_T_DATE:
    *why = "a date default is now() or a date in quotes: \"2024-01-31\"";
    if (is_call(v, "now")) return *dk = IR_D_NOW, true;
    {
      const char *rest;
      return v->kind == IR_V_STRING && valid_date(v->text, &rest) && !*rest;
    }
  case IR_T_DATETIME:
    *why = "a datetime default is now() or an ISO 8601 time in quotes: \"2024-01-31T12:00:00Z\"";
    if (is_call(v, "now")) return *dk = IR_D_NOW, true;
    return v->kind == IR_V_STRING && valid_datetime(v->text);
  case IR_T_UUID:
    *why = "a uuid default is uuid() or a UUID in quotes";
    if (is_call(v, "uuid")) return *dk = IR_D_UUID, true;
    return v->kind == IR_V_STRING && valid_uuid(v->text);
  case IR_T_ENUM: {
    *dk = IR_D_ENUM;
    const char *m = v->kind == IR_V_STRING                     ? v->text
                    : (v->kind == IR_V_PATH && v->nparts == 1) ? v->parts[0]
                                                               : NULL;
    if (!m || !t->enum_name) {
      *why = "an enum default names one member, bare (Todo) or quoted (\"Todo\")";
      return !t->enum_name && m;
    }
    for (int i = 0; i < t->nmembers; i++)
      if (strcmp(t->members[i], m) == 0) return true;
    const char *best = sema_suggest(m, t->members, t->nmembers);
    *why = best ? arena_printf(a, "'%s' is not a member of %s; did you mean '%s'?", m, t->enum_name,
                               best)
                : arena_printf(a, "'%s' is not a member of %s", m, t->enum_name);
    return false;
  }
  case IR_T_JSON:
  case IR_T_EMBEDDED:
    *dk = IR_D_JSON;
    *why = "a JSON default is an object { } or a list [ ]";
    return v->kind == IR_V_OBJECT || v->kind == IR_V_LIST ||
           (k == IR_T_JSON && (v->kind == IR_V_STRING || v->kind == IR_V_NUMBER ||
                               is_word(v, "true") || is_word(v, "false")));
  case IR_T_BYTES: *why = "bytes columns take no default"; return false;
  case IR_T_FILE: *why = "file fields take no default; the upload sets them"; return false;
  case IR_T_VALIDATION:
  case IR_T_LITERAL: return true;
  default: return true; /* unresolved: reported already */
  }
}

static bool literal_fits(sema *S, const ir_typeref *t, const ir_value *v, ir_default_kind *dk,
                         const char **why) {
  sema_coltype ct = {t->kind, t->precision, t->scale, NULL, NULL, 0};
  const char **members = NULL;
  if (t->enum_) {
    ct.enum_name = t->enum_->name;
    members = arena_alloc(S->a, sizeof(char *) * (size_t)(t->enum_->members.n + 1));
    for (int i = 0; i < t->enum_->members.n; i++)
      members[i] = t->enum_->members.v[i]->name;
    ct.members = members;
    ct.nmembers = t->enum_->members.n;
  }
  return sema_default_fits(S->a, &ct, v, dk, why);
}

static void check_default(sema *S, ir_field *f) {
  ir_value *v = f->def;
  if (!v || f->type.kind == IR_T_UNRESOLVED) return;
  if (f->implicit) {
    f->def_kind = is_call(v, "uuid") ? IR_D_UUID : IR_D_NOW;
    return;
  }
  if (is_word(v, "null")) {
    if (!f->type.nullable)
      diag_add(S->d, DIAG_E0401, v->range,
               "'%s' is required, so null cannot be its default; make it '%s?' or give a value",
               f->name, f->type.name ? f->type.name : "T");
    f->def = NULL;
    return;
  }
  if (f->sensitive) {
    diag_add(S->d, DIAG_E0401, v->range,
             "@sensitive field '%s' is encrypted by the application, so the database cannot "
             "supply a default; remove '= ...'",
             f->name);
    return;
  }
  const char *why = NULL;
  ir_default_kind dk;
  bool ok;
  if (f->type.array_depth) {
    dk = IR_D_LIST;
    ok = v->kind == IR_V_LIST;
    why = "an array default is a list: [] or [a, b]";
    ir_typeref elem = f->type;
    elem.array_depth = 0;
    for (int i = 0; ok && i < v->nitems; i++) {
      ir_default_kind ek;
      if (!literal_fits(S, &elem, v->items[i], &ek, &why) || ek == IR_D_NOW || ek == IR_D_UUID) {
        if (ek == IR_D_NOW || ek == IR_D_UUID)
          why = "array items are literals, not now() or uuid()";
        diag_add(S->d, DIAG_E0401, v->items[i]->range, "bad item in the default of '%s': %s",
                 f->name, why);
        return;
      }
    }
  } else {
    ok = literal_fits(S, &f->type, v, &dk, &why);
    if (!ok && (is_call(v, "now") || is_call(v, "uuid")))
      why = arena_printf(S->a, "%s() is a default for %s fields; '%s' is %s", v->parts[0],
                         is_call(v, "now") ? "date and datetime" : "uuid", f->name,
                         ir_type_names[f->type.kind]);
  }
  if (!ok) {
    diag *g = diag_add(S->d, DIAG_E0401, v->range, "bad default for '%s': %s", f->name, why);
    diag_label(S->d, g, "does not fit %s", ir_type_names[f->type.kind]);
    return;
  }
  f->def_kind = dk;
}

static void fk_and_defaults(sema *S, void *fields_vec) {
  typedef VEC(ir_field *) fvec;
  fvec *fv = fields_vec;
  for (int i = 0; i < fv->n; i++)
    resolve_fk(S, fv->v[i], 0);
  for (int i = 0; i < fv->n; i++)
    check_default(S, fv->v[i]);
}

static void struct_defaults(sema *S, ir_texpr *x, int depth) {
  if (!x || depth > 64) return;
  if (x->kind == IR_TX_STRUCT) fk_and_defaults(S, &x->structure->fields);
  for (int i = 0; i < x->nargs; i++)
    struct_defaults(S, x->args[i], depth + 1);
}

/* Entities' are resolved by sema_keys, each just before its keys. */
void sema_foreign_keys(sema *S) {
  ir_schema *s = S->s;
  for (int i = 0; i < s->types.n; i++)
    fk_and_defaults(S, &s->types.v[i]->fields);
  for (int i = 0; i < s->validations.n; i++) {
    fk_and_defaults(S, &s->validations.v[i]->fields);
    struct_defaults(S, s->validations.v[i]->expr, 0);
  }
}

/* ---- database names and keys ------------------------------------------- */

static const char *index_name(sema *S, ir_entity *e, ir_index *ix, const char *suffix) {
  const char **cols = arena_alloc(S->a, sizeof(char *) * (size_t)(ix->nfields + 1));
  for (int i = 0; i < ix->nfields; i++)
    cols[i] = ix->fields[i]->column ? ix->fields[i]->column : "";
  return ir_key_name(S->a, e->table, cols, ix->nfields, suffix);
}

static bool same_columns(const ir_index *a, const ir_index *b) {
  if (a->nfields != b->nfields) return false;
  for (int i = 0; i < a->nfields; i++)
    if (a->fields[i] != b->fields[i]) return false;
  return true;
}

static bool starts_with(const ir_index *ix, const ir_field *f) {
  return ix && ix->nfields > 0 && ix->fields[0] == f;
}

/* A field name's derived column and its key (S->columns). */
typedef struct column_name {
  const char *column, *key;
} column_name;

/* The key two database names clash under: SQLite folds ASCII case in every
** name and MySQL in column names, so `Tasks` and `tasks` are one name there. */
static const char *db_name_key(sema *S, const char *name) {
  const char *up = name;
  while (*up && !(*up >= 'A' && *up <= 'Z'))
    up++;
  if (!*up) return sema_intern(S, name); /* already lower case: most names */
  char *k = arena_strndup(S->a, name, strlen(name));
  for (char *p = k; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return sema_intern(S, k);
}

/* Two entities on one table: checked in declaration order, once every
** entity's table is named (the first one keeps it). */
static void table_clash(sema *S, ir_entity *e, namemap *tables) {
  const char *tkey = e->table_key;
  ir_entity *other = namemap_get(tables, tkey);
  if (e->duplicate) {
    /* reported as a duplicate declaration already */
  } else if (other && e->used) {
    diag *g = diag_add(S->d, DIAG_E0208, e->name_range,
                       strcmp(other->table, e->table) == 0
                           ? "entities '%s' and '%s' both map to table '%s'; give one a different "
                             "@map(\"...\")"
                           : "entities '%s' and '%s' map to tables '%s' and '%s', one name on "
                             "SQLite and MySQL, which ignore case; give one a different "
                             "@map(\"...\")",
                       other->name, e->name, other->table, e->table);
    diag_note_add(S->d, g, other->name_range, "'%s' is declared here", other->name);
  } else {
    namemap_put(tables, tkey, e);
  }
}

/* An entity's columns, checked for clashes: in the fields pass, while its
** fields are in the cache (the keys pass read each field again for them). */
static void entity_columns(sema *S, ir_entity *e) {
  bool cut;
  arena_mark mark = arena_save(&S->scratch);
  /* Column keys seen, for the clashes, on the scratch arena: scanned when the
  ** fields are few (most entities), hashed otherwise. */
  bool hashed = e->fields.n > SEMA_FIELD_SCAN;
  namemap cols;
  namemap_init(&cols, &S->scratch);
  if (hashed) namemap_reserve(&cols, (uint32_t)e->fields.n);
  const char **keys = arena_alloc(&S->scratch, sizeof(char *) * (size_t)(e->fields.n + 1));
  ir_field **keyed = arena_alloc(&S->scratch, sizeof(ir_field *) * (size_t)(e->fields.n + 1));
  int nkeys = 0;
  for (int i = 0; i < e->fields.n; i++) {
    ir_field *f = e->fields.v[i];
    bool mapped = f->column != NULL; /* @map: its own name, not shared */
    const column_name *known = mapped ? NULL : namemap_get(&S->columns, f->name);
    if (known) f->column = known->column;
    if (!f->column) f->column = ir_snake_case(S->a, f->name);
    if (f->duplicate) continue;
    const char *ckey;
    if (known) {
      ckey = known->key;
    } else {
      const char *fullc = f->column;
      f->column = ir_truncate_ident(S->a, fullc, &cut);
      if (cut)
        diag_add(S->d, DIAG_W0901, f->name_range,
                 "column name '%s' is longer than %d bytes and becomes '%s'; set a shorter one "
                 "with @map(\"...\")",
                 fullc, IR_MAX_IDENT, f->column);
      ckey = db_name_key(S, f->column);
      if (!mapped && !cut) { /* the next field of this name takes these as they are */
        column_name *c = arena_alloc(S->a, sizeof *c);
        c->column = f->column;
        c->key = ckey;
        namemap_put(&S->columns, f->name, c);
      }
    }
    ir_field *clash = hashed ? namemap_get(&cols, ckey) : NULL;
    for (int j = 0; !hashed && j < nkeys && !clash; j++)
      if (keys[j] == ckey) clash = keyed[j];
    if (clash) {
      diag *g = diag_add(S->d, DIAG_E0208, f->name_range,
                         strcmp(clash->column, f->column) == 0
                             ? "fields '%s' and '%s' both map to column '%s'; rename one or @map "
                               "it"
                             : "fields '%s' and '%s' map to columns '%s' and '%s', one name on "
                               "SQLite and MySQL, which ignore case; rename one or @map it",
                         clash->name, f->name, clash->column, f->column);
      diag_note_add(S->d, g, clash->name_range, "'%s' is declared here", clash->name);
    } else if (hashed) {
      namemap_put(&cols, ckey, f);
    } else {
      keys[nkeys] = ckey;
      keyed[nkeys++] = f;
    }
  }
  arena_rewind(&S->scratch, mark);
}

/* An entity's table, keys and foreign keys (its columns are named): it alone
** is written. */
static void entity_keys(sema *S, ir_entity *e) {
  bool cut;
  if (!e->table) {
    e->table = ir_table_name(S->a, e->name);
    e->table_derived = true;
  }
  const char *full = e->table;
  e->table = ir_truncate_ident(S->a, full, &cut);
  if (cut && !e->builtin)
    diag_add(S->d, DIAG_W0901, e->name_range,
             "table name '%s' is longer than %d bytes and becomes '%s'; set a shorter one with "
             "@map(\"...\")",
             full, IR_MAX_IDENT, e->table);
  e->table_key = db_name_key(S, e->table);
  if (e->used && strncmp(e->table_key, "_inspire_", 9) == 0) {
    diag *g = diag_add(S->d, DIAG_E0203, e->name_range,
                       "table name '%s' starts with '_inspire_', which is reserved for the "
                       "migration ledger; give it another @map(\"...\")",
                       e->table);
    diag_label(S->d, g, "reserved prefix");
  }
  /* Constraint and index names, duplicates, then FK indexes. */
  if (e->pkey) e->pkey->name = ir_key_name(S->a, e->table, NULL, 0, "pkey");
  for (int i = 0; i < e->uniques.n; i++) {
    ir_index *ix = e->uniques.v[i];
    ix->name = index_name(S, e, ix, "key");
    for (int j = 0; j < i; j++)
      if (same_columns(ix, e->uniques.v[j])) {
        diag *g = diag_add(S->d, DIAG_E0308, ix->range,
                           "this unique constraint repeats one on the same fields; remove one");
        diag_note_add(S->d, g, e->uniques.v[j]->range, "the first one");
      }
  }
  for (int i = 0; i < e->indexes.n; i++) {
    ir_index *ix = e->indexes.v[i];
    ix->name = index_name(S, e, ix, "idx");
    for (int j = 0; j < i; j++)
      if (same_columns(ix, e->indexes.v[j])) {
        diag *g = diag_add(S->d, DIAG_E0308, ix->range,
                           "this index repeats one on the same fields; remove one");
        diag_note_add(S->d, g, e->indexes.v[j]->range, "the first one");
      }
  }
  for (int i = 0; i < e->ref_fields.n; i++) {
    ir_field *f = e->ref_fields.v[i];
    if (!f->type.fk_field) continue;
    ir_fk *fk = arena_alloc(S->a, sizeof *fk);
    fk->field = f;
    fk->target = f->type.fk_entity;
    fk->target_field = f->type.fk_field;
    fk->on_delete = f->on_delete;
    fk->name = ir_key_name(S->a, e->table, &f->column, 1, "fkey");
    vec_push(S->a, e->fks, fk);
    /* language.md 2.1: every FK column gets an index unless a key already
    ** starts with it. */
    bool covered = starts_with(e->pkey, f);
    for (int j = 0; !covered && j < e->uniques.n; j++)
      covered = starts_with(e->uniques.v[j], f);
    for (int j = 0; !covered && j < e->indexes.n; j++)
      covered = starts_with(e->indexes.v[j], f);
    if (!covered) {
      ir_index *ix = single(S, f, false);
      ix->from_fk = true;
      ix->name = index_name(S, e, ix, "idx");
      vec_push(S->a, e->indexes, ix);
    }
  }
}

/* An entity's foreign keys (and their defaults), then its keys: the one
** pass after every entity's fields are known, and it reads only the fields
** that refer to another entity's (the fields pass did the rest while the
** fields were in the cache; this pass reading every field again was half
** the misses of the semantic checks).  Its keys need its own foreign keys
** only. */
static void keys_of(sema *S, int from, int to) {
  for (int i = from; i < to; i++) {
    /* the state, when made, reads every field again */
    sema_prefetch(S->s, i, to, S->make_state ? SEMA_READS_FIELDS : SEMA_READS_REFS);
    ir_entity *e = S->s->entities.v[i];
    fk_and_defaults(S, &e->ref_fields); /* the others' defaults are checked */
    entity_keys(S, e);
    /* its state too, for st_from_schema, which read every field again */
    if (S->make_state && S->d->errors == 0 && !e->duplicate) {
      if (!S->s->fingerprints_only) {
        e->state = st_entity_from_ir(&S->state, e);
        continue;
      }
      /* or only its fingerprint: 15 MB of states at 10,000 entities not kept */
      arena_mark m = arena_save(&S->scratch);
      e->fingerprint = st_entity_from_ir(&S->fingerprint_state, e)->fingerprint;
      arena_rewind(&S->scratch, m);
    }
  }
}

/* Whether a foreign key names a field that is itself a foreign key not yet
** resolved: resolve_fk then resolves that field too, in another entity,
** which the two threads of sema_split must not both do. */
static bool fk_chains(sema *S) {
  for (int i = 0; i < S->fk_fields.n; i++) {
    ir_typeref *t = &S->fk_fields.v[i]->type;
    ir_field *tf = sema_field(t->fk_entity, t->member);
    if (tf && tf->type.member) return true;
  }
  return false;
}

void sema_keys(sema *S) {
  ir_schema *s = S->s;
  fk_and_defaults(S, &s->user->ref_fields);
  entity_keys(S, s->user);
  S->make_state = s->make_state && S->d->errors == 0;
  sema_split(S, !fk_chains(S), keys_of);
  S->make_state = false;
  namemap tables;
  namemap_init(&tables, S->a);
  namemap_reserve(&tables, (uint32_t)s->entities.n + 1);
  table_clash(S, s->user, &tables);
  for (int i = 0; i < s->entities.n; i++) {
    sema_prefetch(s, i, s->entities.n, SEMA_READS_ENTITY);
    table_clash(S, s->entities.v[i], &tables);
  }
  /* Postgres enum types live beside tables in one namespace. */
  for (int i = 0; i < s->enums.n; i++) {
    ir_enum *en = s->enums.v[i];
    ir_entity *e = namemap_get(&tables, db_name_key(S, en->db_name));
    if (e) {
      diag *g = diag_add(S->d, DIAG_E0208, en->name_range,
                         "enum '%s' and entity '%s' both use the database name '%s'; rename one",
                         en->name, e->name, en->db_name);
      diag_note_add(S->d, g, e->name_range, "'%s' is declared here", e->name);
    }
  }
}
