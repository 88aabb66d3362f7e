/*
** build.c: the builders that grammar actions call.  They allocate IR nodes in
** the arena, record source ranges and decode literals; they judge nothing that
** needs the whole schema (that is sema's job).
*/
#include "frontend.h"
#include "inspire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------- */

ir_range ps_range(ps_ctx *c, const token *t) {
  return ir_range_in(c->file, t->off, t->len);
}

ir_range ps_span(const ir_range *a, const ir_range *b) {
  ir_range r = *a;
  uint32_t end = b->off + b->len;
  r.len = end > a->off ? end - a->off : a->len;
  return r;
}

static const char *tok_text(ps_ctx *c, const token *t) {
  return c->s->files.v[c->file]->text + t->off;
}

const char *ps_name(ps_ctx *c, const token *t) {
  return intern(c->s->names, tok_text(c, t), t->len);
}

token *ps_tok(ps_ctx *c, const token *t) {
  token *p = arena_alloc(c->s->a, sizeof *p);
  *p = *t;
  return p;
}

/* Append to an array whose capacity is the next power of two of its length:
** most such arrays (an annotation's arguments, a field's annotations) hold one. */
static bool full(int n) {
  return (n & (n - 1)) == 0;
}

static void push_ptr(arena *a, void ***arr, int *n, void *x) {
  if (full(*n)) {
    int cap = *n ? *n * 2 : 1;
    void **nv = arena_alloc(a, (size_t)cap * sizeof(void *));
    if (*n) memcpy(nv, *arr, (size_t)*n * sizeof(void *));
    *arr = nv;
  }
  (*arr)[(*n)++] = x;
}

static void push_range(arena *a, ir_range **arr, int n, ir_range r) {
  /* called just before the parallel pointer array grows to n + 1 */
  if (full(n)) {
    int cap = n ? n * 2 : 1;
    ir_range *nv = arena_alloc(a, (size_t)cap * sizeof(ir_range));
    if (n) memcpy(nv, *arr, (size_t)n * sizeof(ir_range));
    *arr = nv;
  }
  (*arr)[n] = r;
}

/* `///` lines: markers and one following space removed, lines joined by \n. */
const char *ps_doc(ps_ctx *c, const token *t) {
  /* most files have no `///`, and most tokens come after the last one read:
  ** not even a call (ps_doc is asked for every field) */
  if (!c->L->docs.n || c->L->docs.v[c->L->docs.n - 1].token_off < t->off) return NULL;
  const lx_doc_entry *d = lx_doc(c->L, t->off);
  if (!d) return NULL;
  const char *p = c->s->files.v[c->file]->text + d->off;
  const char *end = p + d->len;
  char *out = arena_text(c->s->a, d->len + 1);
  size_t o = 0;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
      p++;
    if (end - p >= 3 && memcmp(p, "///", 3) == 0) {
      p += 3;
      if (p < end && *p == ' ') p++;
      if (o) out[o++] = '\n';
      while (p < end && *p != '\n' && *p != '\r')
        out[o++] = *p++;
    } else {
      /* an ordinary comment between doc lines: skip its line */
      while (p < end && *p != '\n')
        p++;
    }
  }
  while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
    o--;
  out[o] = 0;
  return out;
}

ps_list *ps_list_new(ps_ctx *c) {
  ps_list *l = c->spare_list;
  if (l) {
    c->spare_list = NULL;
    l->n = 0;
    return l;
  }
  if (c->nfree_lists) return c->free_lists[--c->nfree_lists];
  return arena_alloc(c->s->a, sizeof(ps_list));
}

/* A list outgrown to more than it holds (the spare list of a body taken for
** one argument) keeps its block for the next list and gives a copy of its
** items; one that fits gives its block (2.5 MB of members' blocks were lost
** so at 10,000 entities). */
void **ps_list_take(ps_ctx *c, ps_list *l, int *n) {
  void **v = l->v;
  *n = l->n;
  if (l->n < l->cap) {
    v = l->n ? arena_alloc(c->s->a, (size_t)l->n * sizeof(void *)) : NULL;
    if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof(void *));
  } else {
    l->v = NULL;
    l->cap = 0;
  }
  l->n = 0;
  if (c->nfree_lists < (int)(sizeof c->free_lists / sizeof *c->free_lists))
    c->free_lists[c->nfree_lists++] = l;
  return v;
}

void ps_save(const ps_ctx *c, ps_ctx *saved) {
  *saved = *c;
}

/* The spare lists were empty when saved (ps_list_take and ps_list_new leave
** them so); one taken meanwhile may hold items now.  A spare member taken
** meanwhile was cleared, its link to the next spare too: the members after
** it are simply not reused. */
void ps_restore(ps_ctx *c, const ps_ctx *saved) {
  *c = *saved;
  for (int i = 0; i < c->nfree_lists; i++)
    c->free_lists[i]->n = 0;
  if (c->spare_list) c->spare_list->n = 0;
}

ps_body ps_body_make(ps_ctx *c, const token *open, ps_list *list, const token *close) {
  ps_body b;
  b.list = list ? list : ps_list_new(c);
  b.open = *open;
  b.close = *close;
  return b;
}

ps_list *ps_list_push(ps_ctx *c, ps_list *l, void *x) {
  if (!x) return l; /* a member lost to error recovery */
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 1;
    void **nv = arena_alloc(c->s->a, (size_t)cap * sizeof(void *));
    if (l->n) memcpy(nv, l->v, (size_t)l->n * sizeof(void *));
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = x;
  return l;
}

/* ---- literals --------------------------------------------------------- */

static void put_utf8(char *out, size_t *o, uint32_t cp) {
  if (cp < 0x80) {
    out[(*o)++] = (char)cp;
  } else if (cp < 0x800) {
    out[(*o)++] = (char)(0xC0 | (cp >> 6));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[(*o)++] = (char)(0xE0 | (cp >> 12));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[(*o)++] = (char)(0xF0 | (cp >> 18));
    out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  }
}

/* The lexer has already reported bad escapes; they are kept as written. */
static const char *decode_string(ps_ctx *c, const token *t, size_t *outlen) {
  const char *p = tok_text(c, t) + 1;
  const char *end = tok_text(c, t) + t->len;
  if (end > p && end[-1] == '"' && t->len >= 2) end--;
  char *out = arena_text(c->s->a, (size_t)(end - p) + 1);
  size_t o = 0;
  while (p < end) {
    if (*p != '\\' || p + 1 >= end) {
      out[o++] = *p++;
      continue;
    }
    char e = p[1];
    if (e == 'n')
      out[o++] = '\n', p += 2;
    else if (e == 't')
      out[o++] = '\t', p += 2;
    else if (e == 'r')
      out[o++] = '\r', p += 2;
    else if (e == '"' || e == '\\')
      out[o++] = e, p += 2;
    else if (e == 'u' && p + 2 < end && p[2] == '{') {
      const char *q = p + 3;
      uint32_t v = 0;
      int digits = 0;
      while (q < end && digits < 7 &&
             ((*q >= '0' && *q <= '9') || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f'))) {
        v = v * 16 + (uint32_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
        q++, digits++;
      }
      if (q < end && *q == '}' && digits >= 1 && digits <= 6 && v <= 0x10FFFF &&
          !(v >= 0xD800 && v <= 0xDFFF)) {
        put_utf8(out, &o, v);
        p = q + 1;
      } else {
        out[o++] = *p++;
      }
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = 0;
  *outlen = o;
  return out;
}

/* 1h30m -> milliseconds, saturating far beyond any sensible duration. */
static int64_t duration_ms(const char *p, size_t n) {
  const char *end = p + n;
  int64_t total = 0;
  while (p < end) {
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (v < INT64_C(1000000000000)) v = v * 10 + (*p - '0');
      p++;
    }
    int64_t mul = 1;
    if (end - p >= 2 && p[0] == 'm' && p[1] == 's')
      mul = 1, p += 2;
    else if (p < end) {
      switch (*p) {
      case 's': mul = 1000; break;
      case 'm': mul = 60000; break;
      case 'h': mul = 3600000; break;
      case 'd': mul = 86400000; break;
      case 'w': mul = 604800000; break;
      default: break;
      }
      p++;
    }
    const int64_t cap = INT64_C(1) << 60; /* v * mul must not overflow on the way */
    total = v > (cap - total) / mul ? cap : total + v * mul;
  }
  return total;
}

static ir_value *new_value(ps_ctx *c, ir_value_kind k, ir_range r) {
  ir_value *v = arena_alloc(c->s->a, sizeof *v);
  v->kind = k;
  v->range = r;
  return v;
}

/* Most numbers are small integers (200, 10, 2): exact as a double, and read
** without strtod, which costs more than the rest of the token. */
static bool small_integer(const char *s, double *out) {
  const char *p = s + (*s == '-');
  int64_t n = 0;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++)
    if (digits < 15) n = n * 10 + (*p - '0'); /* longer ones go to strtod below */
  if (*p || !digits || digits > 15 || (*s == '-' && n == 0)) return false; /* -0: strtod's */
  *out = (double)(*s == '-' ? -n : n);
  return true;
}

ir_value *ps_value_token(ps_ctx *c, int kind, const token *t) {
  ir_range r = ps_range(c, t);
  const char *text = tok_text(c, t);
  ir_value *v;
  switch (kind) {
  case TK_STRING: {
    v = new_value(c, IR_V_STRING, r);
    size_t n;
    v->text = decode_string(c, t, &n);
    v->ms = (int64_t)n; /* byte length: strings may hold \u{0} */
    break;
  }
  case TK_NUMBER:
    v = new_value(c, IR_V_NUMBER, r);
    v->text = arena_strndup(c->s->a, text, t->len);
    v->num = small_integer(v->text, &v->num) ? v->num : strtod(v->text, NULL);
    if (!isfinite(v->num)) v->num = 0;
    break;
  case TK_DURATION:
    v = new_value(c, IR_V_DURATION, r);
    v->text = arena_strndup(c->s->a, text, t->len);
    v->ms = duration_ms(text, t->len);
    break;
  default: { /* TK_RATE: N/unit */
    v = new_value(c, IR_V_RATE, r);
    v->text = arena_strndup(c->s->a, text, t->len);
    const char *slash = memchr(text, '/', t->len);
    for (const char *p = text; p < slash; p++)
      if (v->ms < INT64_C(1000000000000)) v->ms = v->ms * 10 + (*p - '0');
    v->unit = slash ? intern(c->s->names, slash + 1, t->len - (size_t)(slash + 1 - text)) : "";
    break;
  }
  }
  return v;
}

ir_value *ps_value_path(ps_ctx *c, const token *t) {
  ir_value *v = new_value(c, IR_V_PATH, ps_range(c, t));
  push_ptr(c->s->a, (void ***)&v->parts, &v->nparts, (void *)ps_name(c, t));
  return v;
}

void ps_path_append(ps_ctx *c, ir_value *path, const token *t) {
  ir_range r = ps_range(c, t);
  path->range = ps_span(&path->range, &r);
  push_ptr(c->s->a, (void ***)&path->parts, &path->nparts, (void *)ps_name(c, t));
}

ir_value *ps_value_call(ps_ctx *c, ir_value *path, ir_value **args, int nargs, const token *end) {
  ir_range r = ps_range(c, end);
  path->kind = IR_V_CALL;
  path->range = ps_span(&path->range, &r);
  path->items = args;
  path->nitems = nargs;
  return path;
}

ir_value *ps_value_list(ps_ctx *c, const token *open, ir_value **items, int n, const token *close) {
  ir_range a = ps_range(c, open), b = ps_range(c, close);
  ir_value *v = new_value(c, IR_V_LIST, ps_span(&a, &b));
  v->items = items;
  v->nitems = n;
  return v;
}

ir_value *ps_value_pair(ps_ctx *c, ir_value *key, ir_value *val) {
  ir_value *v = new_value(c, IR_V_PAIR, ps_span(&key->range, &val->range));
  v->text = key->parts[0];
  v->value = val;
  (void)c;
  return v;
}

ir_value *ps_value_object(ps_ctx *c, const token *open, ir_block *b, const token *close) {
  (void)open;
  (void)close;
  ir_value *v = new_value(c, IR_V_OBJECT, b->range);
  v->block = b;
  return v;
}

ir_value *ps_value_annot(ps_ctx *c, ir_annot *a) {
  ir_value *v = new_value(c, IR_V_ANNOT, a->range);
  v->text = a->name;
  v->items = a->args;
  v->nitems = a->nargs;
  return v;
}

ir_value *ps_value_cond(ps_ctx *c, const token *kw, ir_cond *cond) {
  ir_range r = ps_range(c, kw);
  ir_value *v = new_value(c, IR_V_COND, ps_span(&r, &cond->range));
  v->cond = cond;
  return v;
}

ir_value *ps_value_star(ps_ctx *c, const token *t) {
  return new_value(c, IR_V_STAR, ps_range(c, t));
}

/* ---- conditions ------------------------------------------------------- */

ir_cond *ps_cond_value(ps_ctx *c, ir_value *v) {
  ir_cond *e = arena_alloc(c->s->a, sizeof *e);
  e->op = IR_C_VALUE;
  e->range = v->range;
  e->value = v;
  return e;
}

ir_cond *ps_cond_binary(ps_ctx *c, ir_cond_op op, ir_cond *l, ir_cond *r) {
  ir_cond *e = arena_alloc(c->s->a, sizeof *e);
  e->op = op;
  e->range = ps_span(&l->range, &r->range);
  e->l = l;
  e->r = r;
  return e;
}

ir_cond *ps_cond_not(ps_ctx *c, const token *bang, ir_cond *x) {
  ir_cond *e = arena_alloc(c->s->a, sizeof *e);
  ir_range r = ps_range(c, bang);
  e->op = IR_C_NOT;
  e->range = ps_span(&r, &x->range);
  e->l = x;
  return e;
}

/* ---- annotations and policies ----------------------------------------- */

ir_annot *ps_annot(ps_ctx *c, const token *t, ps_list *args, const token *close) {
  ir_annot *a = arena_alloc(c->s->a, sizeof *a);
  a->range = ps_range(c, t);
  a->name = intern(c->s->names, tok_text(c, t) + 1, t->len - 1);
  a->doc = ps_doc(c, t);
  a->has_parens = close != NULL;
  if (args) a->args = (ir_value **)ps_list_take(c, args, &a->nargs);
  if (close) {
    ir_range r = ps_range(c, close);
    a->range = ps_span(&a->range, &r);
  }
  return a;
}

void ps_annot_word(ps_ctx *c, ir_annot *a, const token *t) {
  ir_range r = ps_range(c, t);
  push_range(c->s->a, &a->word_ranges, a->nwords, r);
  push_ptr(c->s->a, (void ***)&a->words, &a->nwords, (void *)ps_name(c, t));
  a->range = ps_span(&a->range, &r);
}

void ps_annot_block(ps_ctx *c, ir_annot *a, ir_block *b) {
  (void)c;
  a->block = b;
  a->range = ps_span(&a->range, &b->range);
}

ir_policy *ps_policy(ps_ctx *c, const token *kw, bool deny) {
  ir_policy *p = arena_alloc(c->s->a, sizeof *p);
  p->range = ps_range(c, kw);
  p->deny = deny;
  return p;
}

void ps_policy_action(ps_ctx *c, ir_policy *p, const token *t) {
  ir_range r = ps_range(c, t);
  push_range(c->s->a, &p->action_ranges, p->nactions, r);
  push_ptr(c->s->a, (void ***)&p->actions, &p->nactions, (void *)ps_name(c, t));
  p->range = ps_span(&p->range, &r);
}

void ps_policy_to(ps_ctx *c, ir_policy *p, ir_principal_kind k, const token *t, const token *role) {
  p->nto++;
  p->principal = k;
  p->principal_range = ps_range(c, role ? role : t);
  if (k == IR_P_PUBLIC) {
    p->role = intern(c->s->names, tok_text(c, t) + 1, t->len - 1);
  } else if (k == IR_P_NAMED) {
    p->role = ps_name(c, t);
  } else if (k == IR_P_ROLE) {
    /* `to role(Owner)`: the word before the parenthesis must be `role` */
    const char *fn = ps_name(c, t);
    if (strcmp(fn, "role") != 0) {
      ir_range r = ps_range(c, t);
      diag *g = diag_add(c->d, DIAG_E0503, r, "'%s(...)' is not a principal; write 'to role(%.*s)'",
                         fn, (int)role->len, tok_text(c, role));
      diag_label(c->d, g, "expected 'role'");
    }
    p->role = ps_name(c, role);
  }
  ir_range r = ps_range(c, role ? role : t);
  p->range = ps_span(&p->range, &r);
}

void ps_policy_via(ps_ctx *c, ir_policy *p, const token *t, const token *col) {
  p->nvia++;
  p->via = ps_name(c, t);
  p->via_range = ps_range(c, t);
  p->via_column = col ? ps_name(c, col) : NULL;
  ir_range r = ps_range(c, col ? col : t);
  p->range = ps_span(&p->range, &r);
}

void ps_policy_where(ps_ctx *c, ir_policy *p, ir_cond *cond) {
  (void)c;
  p->nwhere++;
  p->where = cond;
  p->range = ps_span(&p->range, &cond->range);
}

void ps_policy_on(ps_ctx *c, ir_policy *p, const token *t) {
  p->non++;
  p->on = ps_name(c, t);
  p->on_range = ps_range(c, t);
  p->range = ps_span(&p->range, &p->on_range);
}

/* ---- types and fields ------------------------------------------------- */

/* A type lives until its field copies it (ftype has no other use in the
** grammar): one spare, not 100 bytes a field. */
static ir_typeref *new_typeref(ps_ctx *c) {
  ir_typeref *ty = c->spare_type;
  if (!ty) return arena_alloc(c->s->a, sizeof *ty);
  c->spare_type = NULL;
  memset(ty, 0, sizeof *ty);
  return ty;
}

ir_typeref *ps_type_name(ps_ctx *c, const token *t) {
  ir_typeref *ty = new_typeref(c);
  ty->range = ps_range(c, t);
  ty->name = ps_name(c, t);
  return ty;
}

ir_typeref *ps_type_fk(ps_ctx *c, const token *ent, const token *field) {
  ir_typeref *ty = ps_type_name(c, ent);
  ir_range r = ps_range(c, field);
  ty->member = ps_name(c, field);
  ty->range = ps_span(&ty->range, &r);
  return ty;
}

ir_typeref *ps_type_args(ps_ctx *c, ir_typeref *t, ps_list *args, const token *close) {
  ir_range r = ps_range(c, close);
  t->args = (ir_value **)ps_list_take(c, args, &t->nargs);
  t->has_args = true;
  t->range = ps_span(&t->range, &r);
  return t;
}

ir_typeref *ps_type_literal(ps_ctx *c, const token *t) {
  ir_typeref *ty = new_typeref(c);
  size_t n;
  ty->range = ps_range(c, t);
  ty->literal = decode_string(c, t, &n);
  ty->kind = IR_T_LITERAL;
  return ty;
}

void ps_type_array(ps_ctx *c, ir_typeref *t, const token *close) {
  ir_range r = ps_range(c, close);
  if (t->nullable) {
    diag *g = diag_add(c->d, DIAG_E0212, ps_span(&t->range, &r),
                       "'?' goes after '[]': write 'T[]?' for a nullable array");
    diag_label(c->d, g, "nullable element types are not supported");
  }
  if (t->array_depth < 100) t->array_depth++;
  t->range = ps_span(&t->range, &r);
}

void ps_type_nullable(ps_ctx *c, ir_typeref *t, const token *q) {
  ir_range r = ps_range(c, q);
  if (t->nullable) diag_add(c->d, DIAG_E0001, r, "'?' written twice; one makes the type nullable");
  t->nullable = true;
  t->range = ps_span(&t->range, &r);
}

ir_field *ps_field(ps_ctx *c, const token *name, ir_typeref *t) {
  ir_field *f = arena_alloc(c->s->a, sizeof *f);
  f->name_range = ps_range(c, name);
  f->name = ps_name(c, name);
  f->doc = ps_doc(c, name);
  f->type = *t;
  f->range = ps_span(&f->name_range, &t->range);
  c->spare_type = t;
  return f;
}

void ps_field_annot(ps_ctx *c, ir_field *f, ir_annot *a) {
  push_ptr(c->s->a, (void ***)&f->annots, &f->nannots, a);
  f->range = ps_span(&f->range, &a->range);
}

void ps_field_default(ps_ctx *c, ir_field *f, const token *eq, ir_value *v) {
  if (f->def) {
    ir_range r = ps_range(c, eq);
    diag *g = diag_add(c->d, DIAG_E0401, ps_span(&r, &v->range),
                       "field '%s' has a second default; keep one '= value'", f->name);
    diag_note_add(c->d, g, f->def->range, "the first default is here");
    return;
  }
  f->def = v;
  f->range = ps_span(&f->range, &v->range);
}

static ps_member *new_member(ps_ctx *c, int kind) {
  ps_member *m = c->spare_members;
  if (m)
    c->spare_members = m->next_spare, memset(m, 0, sizeof *m);
  else
    m = arena_alloc(c->s->a, sizeof *m);
  m->kind = kind;
  return m;
}

ps_member *ps_member_field(ps_ctx *c, ir_field *f) {
  ps_member *m = new_member(c, 0);
  m->field = f;
  return m;
}

ps_member *ps_member_annot(ps_ctx *c, ir_annot *a) {
  ps_member *m = new_member(c, 1);
  m->annot = a;
  return m;
}

ps_member *ps_member_policy(ps_ctx *c, ir_policy *p) {
  ps_member *m = new_member(c, 2);
  m->policy = p;
  return m;
}

/* @why("...") belongs to the policy right before it (language.md 1). */
static bool attach_why(ps_ctx *c, ir_annot *a, ir_policy *prev) {
  if (a->name != intern_cstr(c->s->names, "why")) return false;
  if (!prev || prev->why) {
    diag *g = diag_add(c->d, DIAG_E0307, a->range,
                       prev ? "a policy takes one @why; merge the reasons into one string"
                            : "@why explains the @grant or @deny right before it; move it "
                              "after the policy it explains");
    if (prev) diag_note_add(c->d, g, prev->range, "this policy already has a @why");
    return true;
  }
  if (a->nargs == 1 && a->args[0]->kind == IR_V_STRING) {
    prev->why = a->args[0]->text;
  } else {
    diag_add(c->d, DIAG_E0303, a->range, "@why takes one string: @why(\"reason\")");
  }
  return true;
}

/* Fields, annotations and policies of an entity or type body, in order. */
static void fill_body(ps_ctx *c, ps_list *members, void *fields, void *annots, void *policies,
                      namemap *unused) {
  typedef VEC(void *) pvec;
  pvec *fv = fields, *av = annots, *pv = policies;
  ir_policy *prev = NULL;
  (void)unused;
  int nfields = 0;
  for (int i = 0; members && i < members->n; i++)
    nfields += ((ps_member *)members->v[i])->kind == 0;
  if (nfields && !fv->cap) { /* room for them all and the implicit id, at once */
    fv->cap = nfields + 1;
    fv->v = arena_alloc(c->s->a, sizeof(void *) * (size_t)fv->cap);
  }
  for (int i = 0; members && i < members->n; i++) {
    ps_member *m = members->v[i];
    if (m->kind == 0) {
      m->field->pos = fv->n;
      vec_push(c->s->a, *fv, m->field);
      prev = NULL;
    } else if (m->kind == 1) {
      if (!attach_why(c, m->annot, prev)) vec_push(c->s->a, *av, m->annot);
      prev = NULL;
    } else {
      vec_push(c->s->a, *pv, m->policy);
      prev = m->policy;
    }
  }
  /* the body is made: its members and their list serve the next body */
  for (int i = 0; members && i < members->n; i++) {
    ps_member *m = members->v[i];
    m->next_spare = c->spare_members;
    c->spare_members = m;
  }
  if (members) c->spare_list = members;
}

ir_entity *ps_entity_make(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                          const token *end) {
  ir_entity *e = arena_alloc(c->s->a, sizeof *e);
  ir_range a = ps_range(c, kw), b = ps_range(c, end);
  e->range = ps_span(&a, &b);
  e->name = ps_name(c, name);
  e->name_range = ps_range(c, name);
  e->doc = ps_doc(c, kw);
  e->used = true;
  fill_body(c, members, &e->fields, &e->annots, &e->policies, NULL);
  for (int i = 0; i < e->fields.n; i++)
    e->fields.v[i]->owner = e;
  return e;
}

void ps_entity(ps_ctx *c, const token *kw, const token *name, ps_list *members, const token *end) {
  vec_push(c->s->a, c->s->entities, ps_entity_make(c, kw, name, members, end));
}

static ir_type *new_type(ps_ctx *c, ir_range r, ps_list *members) {
  ir_type *t = arena_alloc(c->s->a, sizeof *t);
  t->range = r;
  fill_body(c, members, &t->fields, &t->annots, &t->policies, NULL);
  return t;
}

void ps_embedded(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                 const token *end) {
  ir_range a = ps_range(c, kw), b = ps_range(c, end);
  ir_type *t = new_type(c, ps_span(&a, &b), members);
  t->name = ps_name(c, name);
  t->name_range = ps_range(c, name);
  t->doc = ps_doc(c, kw);
  vec_push(c->s->a, c->s->types, t);
}

ir_type *ps_struct(ps_ctx *c, const token *open, ps_list *members, const token *close) {
  ir_range a = ps_range(c, open), b = ps_range(c, close);
  ir_type *t = new_type(c, ps_span(&a, &b), members);
  t->validation = true;
  return t;
}

void ps_validation(ps_ctx *c, const token *at, const token *kw, const token *name, ps_list *members,
                   ir_texpr *expr, const token *end) {
  ir_range a = ps_range(c, at);
  ir_range b = end ? ps_range(c, end) : expr->range;
  const char *an = intern(c->s->names, tok_text(c, at) + 1, at->len - 1);
  if (strcmp(an, "validation") != 0) {
    diag *g = diag_add(c->d, DIAG_E0301, a,
                       "'@%s' cannot stand before 'type'; write '@validation type' for a "
                       "validation type, or plain 'type' for an embedded one",
                       an);
    diag_label(c->d, g, "did you mean '@validation'?");
  }
  (void)kw;
  ir_type *t = new_type(c, ps_span(&a, &b), members);
  t->validation = true;
  t->name = ps_name(c, name);
  t->name_range = ps_range(c, name);
  t->doc = ps_doc(c, at);
  t->expr = expr;
  vec_push(c->s->a, c->s->validations, t);
}

/* ---- enums ------------------------------------------------------------ */

ir_enum_member *ps_enum_member(ps_ctx *c, const token *name) {
  ir_enum_member *m = arena_alloc(c->s->a, sizeof *m);
  m->range = ps_range(c, name);
  m->name = ps_name(c, name);
  m->doc = ps_doc(c, name);
  return m;
}

void ps_enum_member_annot(ps_ctx *c, ir_enum_member *m, ir_annot *a) {
  if (!m) return; /* the member was lost to error recovery */
  push_ptr(c->s->a, (void ***)&m->annots, &m->nannots, a);
}

ir_enum *ps_enum_make(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                      const token *end) {
  ir_enum *e = arena_alloc(c->s->a, sizeof *e);
  ir_range a = ps_range(c, kw), b = ps_range(c, end);
  e->range = ps_span(&a, &b);
  e->name = ps_name(c, name);
  e->name_range = ps_range(c, name);
  e->doc = ps_doc(c, kw);
  for (int i = 0; members && i < members->n; i++)
    vec_push(c->s->a, e->members, members->v[i]);
  return e;
}

void ps_enum(ps_ctx *c, const token *kw, const token *name, ps_list *members, const token *end) {
  vec_push(c->s->a, c->s->enums, ps_enum_make(c, kw, name, members, end));
}

/* ---- validation type expressions ---------------------------------------- */

static ir_texpr *new_texpr(ps_ctx *c, ir_texpr_kind k, ir_range r) {
  ir_texpr *x = arena_alloc(c->s->a, sizeof *x);
  x->kind = k;
  x->range = r;
  return x;
}

ir_texpr *ps_texpr_name(ps_ctx *c, const token *t) {
  ir_texpr *x = new_texpr(c, IR_TX_NAME, ps_range(c, t));
  x->name = ps_name(c, t);
  return x;
}

ir_texpr *ps_texpr_generic(ps_ctx *c, const token *t, ps_list *args, const token *close) {
  ir_range a = ps_range(c, t), b = ps_range(c, close);
  ir_texpr *x = new_texpr(c, IR_TX_GENERIC, ps_span(&a, &b));
  x->name = ps_name(c, t);
  x->args = (ir_texpr **)args->v;
  x->nargs = args->n;
  return x;
}

ir_texpr *ps_texpr_binary(ps_ctx *c, ir_texpr_kind k, ir_texpr *l, ir_texpr *r) {
  /* flatten a | b | c into one union */
  if (l->kind == k) {
    push_ptr(c->s->a, (void ***)&l->args, &l->nargs, r);
    l->range = ps_span(&l->range, &r->range);
    return l;
  }
  ir_texpr *x = new_texpr(c, k, ps_span(&l->range, &r->range));
  push_ptr(c->s->a, (void ***)&x->args, &x->nargs, l);
  push_ptr(c->s->a, (void ***)&x->args, &x->nargs, r);
  return x;
}

ir_texpr *ps_texpr_struct(ps_ctx *c, ir_type *t) {
  ir_texpr *x = new_texpr(c, IR_TX_STRUCT, t->range);
  x->structure = t;
  return x;
}

ir_texpr *ps_texpr_names(ps_ctx *c, const token *open, ps_list *names, const token *close) {
  ir_range a = ps_range(c, open), b = ps_range(c, close);
  ir_texpr *x = new_texpr(c, IR_TX_LIST, ps_span(&a, &b));
  x->nnames = names->n;
  x->names = arena_alloc(c->s->a, sizeof(char *) * (size_t)(names->n + 1));
  x->name_ranges = arena_alloc(c->s->a, sizeof(ir_range) * (size_t)(names->n + 1));
  for (int i = 0; i < names->n; i++) {
    token *t = names->v[i];
    x->names[i] = ps_name(c, t);
    x->name_ranges[i] = ps_range(c, t);
  }
  return x;
}

/* ---- generic blocks --------------------------------------------------- */

ir_block *ps_block(ps_ctx *c, const token *open, ps_list *items, const token *close) {
  ir_block *b = arena_alloc(c->s->a, sizeof *b);
  ir_range a = ps_range(c, open), z = ps_range(c, close);
  b->range = ps_span(&a, &z);
  b->items = (ir_item **)items->v;
  b->n = items->n;
  return b;
}

static ir_item *new_item(ps_ctx *c, ir_item_kind k, ir_range r) {
  ir_item *it = arena_alloc(c->s->a, sizeof *it);
  it->kind = k;
  it->range = r;
  return it;
}

ir_item *ps_item_kv(ps_ctx *c, const token *key, ir_value *v, bool nullable, ir_block *b,
                    ps_list *annots) {
  ir_range kr = ps_range(c, key);
  ir_item *it = new_item(c, IR_I_KV, ps_span(&kr, &v->range));
  it->key = ps_name(c, key);
  it->key_range = kr;
  it->doc = ps_doc(c, key);
  it->value = v;
  it->nullable = nullable;
  it->block = b;
  if (annots) {
    it->annots = (ir_annot **)annots->v;
    it->nannots = annots->n;
  }
  return it;
}

void ps_item_kv_block(ps_ctx *c, ir_item *kv, ir_block *b) {
  (void)c;
  kv->block = b;
  kv->range = ps_span(&kv->range, &b->range);
}

void ps_item_kv_annot(ps_ctx *c, ir_item *kv, ir_annot *a) {
  push_ptr(c->s->a, (void ***)&kv->annots, &kv->nannots, a);
  kv->range = ps_span(&kv->range, &a->range);
}

ir_item *ps_item_block(ps_ctx *c, const token *name, ir_block *b) {
  ir_range r = ps_range(c, name);
  ir_item *it = new_item(c, IR_I_BLOCK, ps_span(&r, &b->range));
  it->key = ps_name(c, name);
  it->key_range = r;
  it->doc = ps_doc(c, name);
  it->block = b;
  return it;
}

ir_item *ps_item_named_block(ps_ctx *c, const token *kind, const token *name, ir_block *b) {
  ir_range r = ps_range(c, kind);
  ir_item *it = new_item(c, IR_I_NAMED_BLOCK, ps_span(&r, &b->range));
  it->key = ps_name(c, kind);
  it->key_range = r;
  it->name = ps_name(c, name);
  it->name_range = ps_range(c, name);
  it->doc = ps_doc(c, kind);
  it->block = b;
  return it;
}

ir_item *ps_item_annot(ps_ctx *c, ir_annot *a) {
  ir_item *it = new_item(c, IR_I_ANNOT, a->range);
  it->annot = a;
  it->key = a->name;
  it->doc = a->doc;
  return it;
}

ir_item *ps_item_policy(ps_ctx *c, ir_policy *p) {
  ir_item *it = new_item(c, IR_I_POLICY, p->range);
  it->policy = p;
  return it;
}

ir_item *ps_item_route(ps_ctx *c, const token *method, const token *path) {
  ir_range a = ps_range(c, method), b = ps_range(c, path);
  ir_item *it = new_item(c, IR_I_ROUTE, ps_span(&a, &b));
  it->key = ps_name(c, method);
  it->key_range = a;
  it->name = ps_name(c, path);
  it->name_range = b;
  return it;
}

void ps_route_handler(ps_ctx *c, ir_item *route, const token *handler) {
  ir_range r = ps_range(c, handler);
  if (tok_text(c, handler)[0] == '"') {
    size_t n;
    route->handler = decode_string(c, handler, &n);
  } else {
    route->handler = ps_name(c, handler);
  }
  route->handler_range = r;
  route->range = ps_span(&route->range, &r);
}

void ps_route_options(ps_ctx *c, ir_item *route, ps_list *opts, const token *close) {
  ir_range r = ps_range(c, close);
  route->args = (ir_value **)opts->v;
  route->nargs = opts->n;
  route->has_args = true;
  route->range = ps_span(&route->range, &r);
}

ir_item *ps_item_routes(ps_ctx *c, const token *kw, ps_list *opts, ir_block *b) {
  ir_range r = ps_range(c, kw);
  ir_item *it = new_item(c, IR_I_ROUTES, ps_span(&r, &b->range));
  it->key = ps_name(c, kw);
  it->key_range = r;
  it->args = (ir_value **)ps_list_take(c, opts, &it->nargs);
  it->has_args = true;
  it->block = b;
  it->doc = ps_doc(c, kw);
  return it;
}

/* ---- top-level config declarations -------------------------------------- */

void ps_decl_block(ps_ctx *c, const token *kw, const token *name, ir_annot *annot, ir_block *b) {
  ir_item *it;
  if (annot) {
    it = new_item(c, IR_I_ANNOT, ps_span(&annot->range, &b->range));
    it->annot = annot;
    it->key = annot->name;
    it->key_range = annot->range;
    it->doc = annot->doc;
  } else {
    ir_range r = ps_range(c, kw);
    it = new_item(c, name ? IR_I_NAMED_BLOCK : IR_I_BLOCK, ps_span(&r, &b->range));
    it->key = ps_name(c, kw);
    it->key_range = r;
    it->doc = ps_doc(c, kw);
    if (name) {
      it->name = ps_name(c, name);
      it->name_range = ps_range(c, name);
    }
  }
  it->block = b;
  vec_push(c->s->a, c->s->raw_decls, it);
}

void ps_decl_routes(ps_ctx *c, ir_item *routes) {
  vec_push(c->s->a, c->s->raw_decls, routes);
}
