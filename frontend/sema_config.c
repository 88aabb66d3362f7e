/*
** sema_config.c: the runtime-only declarations, read from their generic
** blocks into typed IR: auth, namespaces, schedules, apiKeys, system roles,
** payments, integrations, routes, network, email; and triggers and effects.
*/
#include "frontend.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* ---- reading settings -------------------------------------------------- */

/* A block's settings: remembers keys seen (duplicates are errors) and words
** unknown keys as errors, or as warnings where the docs are incomplete. */
typedef struct cfg {
  sema *S;
  const char *what; /* "auth", "schedule 'x'", ... */
  bool lenient;
  namemap seen;
} cfg;

static void cfg_init(cfg *c, sema *S, const char *what, bool lenient) {
  c->S = S;
  c->what = what;
  c->lenient = lenient;
  namemap_init(&c->seen, S->a);
}

static bool cfg_first(cfg *c, ir_item *it) {
  ir_item *prev = namemap_get(&c->seen, it->key);
  if (prev) {
    diag *g = diag_add(c->S->d, DIAG_E0202, it->key_range, "'%s' is set twice in %s; keep one",
                       it->key, c->what);
    diag_note_add(c->S->d, g, prev->key_range, "first set here");
    return false;
  }
  namemap_put(&c->seen, it->key, it);
  return true;
}

static void cfg_unknown(cfg *c, ir_item *it, const char *const *known, int n);

/* Item i of b when it is a `key: value` setting seen for the first time;
** otherwise NULL, after reporting it. */
static ir_item *cfg_setting(cfg *c, ir_block *b, int i, const char *const *keys, int n) {
  ir_item *it = b->items[i];
  if (it->kind != IR_I_KV) {
    cfg_unknown(c, it, keys, n);
    return NULL;
  }
  return cfg_first(c, it) ? it : NULL;
}

/* A second declaration of a name among schedules, plans, scopes, ...: the map
** holds the first one's place. */
static bool unique_name(sema *S, namemap *seen, const char *what, const char *name, ir_range r) {
  ir_range *prev = namemap_get(seen, name);
  if (prev) {
    diag *g = diag_add(S->d, DIAG_E0201, r, "%s '%s' is declared twice", what, name);
    diag_note_add(S->d, g, *prev, "first declared here");
    return false;
  }
  ir_range *copy = arena_alloc(S->a, sizeof *copy);
  *copy = r;
  namemap_put(seen, name, copy);
  return true;
}

static void cfg_unknown(cfg *c, ir_item *it, const char *const *known, int n) {
  const char *key = it->key ? it->key : "?";
  diag *g =
      diag_add(c->S->d, c->lenient ? DIAG_W0902 : DIAG_E0603,
               it->kind == IR_I_KV ? it->key_range : it->range, "unknown setting '%s' in %s%s", key,
               c->what, c->lenient ? "; it is kept but not checked" : "");
  const char *best = sema_suggest(key, known, n);
  if (best)
    diag_label(c->S->d, g, "did you mean '%s'?", best);
  else {
    char buf[400];
    size_t o = 0;
    for (int i = 0; i < n && o < sizeof buf - 40; i++)
      o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", known[i]);
    diag_label(c->S->d, g, "known settings: %s", buf);
  }
}

static void bad(sema *S, ir_item *it, const char *fmt, const char *a) {
  diag_add(S->d, DIAG_E0603, it->value ? it->value->range : it->range, fmt, it->key, a);
}

/* A plain `key: value`: no block, no annotations, no '?'. */
static bool plain(sema *S, ir_item *it) {
  if (it->kind != IR_I_KV) {
    diag_add(S->d, DIAG_E0603, it->range, "'%s' is a setting; write '%s: value'",
             it->key ? it->key : "?", it->key ? it->key : "?");
    return false;
  }
  if (it->block || it->nannots || it->nullable) {
    diag_add(S->d, DIAG_E0603, it->range, "'%s' takes a plain value here", it->key);
    return false;
  }
  return true;
}

static bool want_ident(sema *S, ir_item *it, const char **out, const char *const *allowed, int n) {
  if (!plain(S, it)) return false;
  ir_value *v = it->value;
  if (v->kind != IR_V_PATH || v->nparts != 1) {
    bad(S, it, "'%s' takes a name here%s", "");
    return false;
  }
  if (allowed) {
    bool ok = false;
    for (int i = 0; i < n; i++)
      if (strcmp(allowed[i], v->parts[0]) == 0) ok = true;
    if (!ok) {
      char buf[300];
      size_t o = 0;
      for (int i = 0; i < n && o < sizeof buf - 40; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
                              i ? (i == n - 1 ? " or " : ", ") : "", allowed[i]);
      diag *g = diag_add(S->d, DIAG_E0603, v->range, "'%s' is not a value of %s; use %s",
                         v->parts[0], it->key, buf);
      const char *best = sema_suggest(v->parts[0], allowed, n);
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
      return false;
    }
  }
  *out = v->parts[0];
  return true;
}

static bool want_string(sema *S, ir_item *it, const char **out) {
  if (!plain(S, it)) return false;
  if (it->value->kind != IR_V_STRING) {
    bad(S, it, "'%s' takes a string in quotes%s", "");
    return false;
  }
  *out = it->value->text;
  return true;
}

static bool want_bool(sema *S, ir_item *it, bool *out) {
  if (!plain(S, it)) return false;
  ir_value *v = it->value;
  if (v->kind == IR_V_PATH && v->nparts == 1 &&
      (strcmp(v->parts[0], "true") == 0 || strcmp(v->parts[0], "false") == 0)) {
    *out = v->parts[0][0] == 't';
    return true;
  }
  bad(S, it, "'%s' takes true or false%s", "");
  return false;
}

static bool want_int(sema *S, ir_item *it, int *out, int min, int max) {
  if (!plain(S, it)) return false;
  ir_value *v = it->value;
  if (v->kind != IR_V_NUMBER || strpbrk(v->text, ".eE") || v->num < min || v->num > max) {
    diag_add(S->d, DIAG_E0603, v->range, "'%s' takes a whole number from %d to %d", it->key, min,
             max);
    return false;
  }
  *out = (int)v->num;
  return true;
}

bool sema_duration(sema *S, ir_value *v, const char *what, int64_t *out) {
  if (v->kind == IR_V_DURATION) {
    *out = v->ms;
    return true;
  }
  diag *g =
      diag_add(S->d, DIAG_E0606, v->range, "%s takes a duration such as 30s, 5m, 12h or 7d", what);
  if (v->kind == IR_V_NUMBER) diag_label(S->d, g, "add a unit: ms s m h d w");
  return false;
}

static bool want_duration(sema *S, ir_item *it, int64_t *out) {
  if (!plain(S, it)) return false;
  return sema_duration(S, it->value, it->key, out);
}

/* A list of names (or of strings when strings is true). */
static bool want_list(sema *S, ir_item *it, bool strings, ir_value ***items, int *n) {
  if (!plain(S, it)) return false;
  ir_value *v = it->value;
  bool ok = v->kind == IR_V_LIST;
  for (int i = 0; ok && i < v->nitems; i++) {
    ir_value *x = v->items[i];
    ok = strings ? x->kind == IR_V_STRING : (x->kind == IR_V_PATH && x->nparts == 1);
  }
  if (!ok) {
    bad(S, it,
        strings ? "'%s' takes a list of strings: [\"a\", \"b\"]%s"
                : "'%s' takes a list of names: [a, b]%s",
        "");
    return false;
  }
  *items = v->items;
  *n = v->nitems;
  return true;
}

/* @secret("NAME") */
static bool want_secret(sema *S, ir_item *it, const char **out) {
  if (!plain(S, it)) return false;
  ir_value *v = it->value;
  if (v->kind == IR_V_ANNOT && strcmp(v->text, "secret") == 0 && v->nitems == 1 &&
      v->items[0]->kind == IR_V_STRING && v->items[0]->text[0]) {
    *out = v->items[0]->text;
    return true;
  }
  bad(S, it, "'%s' takes a secret: @secret(\"NAME\")%s", "");
  return false;
}

static ir_entity *want_entity(sema *S, ir_value *v) {
  if (v->kind != IR_V_PATH || v->nparts != 1) {
    diag_add(S->d, DIAG_E0603, v->range, "an entity name is expected here");
    return NULL;
  }
  decl_ref *d = sema_lookup(S, v->parts[0]);
  if (d && d->kind == DK_ENTITY) return d->node;
  diag *g = diag_add(S->d, DIAG_E0205, v->range, "unknown entity '%s'", v->parts[0]);
  const char *best = sema_suggest_decl(S, v->parts[0], 1 << DK_ENTITY);
  if (best) diag_label(S->d, g, "did you mean '%s'?", best);
  return NULL;
}

static void once(sema *S, ir_item *it, ir_range *first, bool *have) {
  if (*have) {
    diag *g = diag_add(S->d, DIAG_E0209, it->key_range,
                       "'%s' may appear once per project; merge the two blocks", it->key);
    diag_note_add(S->d, g, *first, "the first '%s' block", it->key);
  }
  *have = true;
  *first = it->key_range;
}

/* ---- triggers and effects ---------------------------------------------- */

ir_trigger *sema_trigger(sema *S, ir_annot *a, ir_entity *owner) {
  if (a->nwords == 0) {
    diag_add(S->d, DIAG_E0604, a->range,
             "@on(...) needs what to run: 'trigger functionName' or 'effect functionName { ... }'");
    return NULL;
  }
  bool effect = strcmp(a->words[0], "effect") == 0;
  if (!effect && strcmp(a->words[0], "trigger") != 0) {
    diag_add(
        S->d, DIAG_E0603, a->word_ranges[0],
        "after @on(...) write 'trigger functionName' or 'effect functionName { ... }', not '%s'",
        a->words[0]);
    return NULL;
  }
  if (a->nwords == 1) {
    diag_add(S->d, DIAG_E0604, a->word_ranges[0],
             "this %s has no function name; write '%s functionName'", a->words[0], a->words[0]);
    return NULL;
  }
  if (a->nwords > 2) {
    diag_add(S->d, DIAG_E0603, a->word_ranges[2],
             "one function per %s; write another @on line for '%s'", a->words[0], a->words[2]);
    return NULL;
  }
  ir_trigger *t = arena_alloc(S->a, sizeof *t);
  t->range = a->range;
  t->effect = effect;
  t->function = a->words[1];
  t->events = arena_alloc(S->a, sizeof(char *) * (size_t)(a->nargs + 1));
  if (a->nargs == 0) {
    diag_add(S->d, DIAG_E0303, a->range,
             "@on needs an event: @on(insert), @on(update, field), @on(delete)");
    return NULL;
  }
  bool has_update = false;
  for (int i = 0; i < a->nargs; i++) {
    ir_value *v = a->args[i];
    if (v->kind != IR_V_PATH || v->nparts > 2) {
      diag_add(S->d, DIAG_E0303, v->range,
               "@on takes events (insert, update, delete) and a field name");
      return NULL;
    }
    const char *w = v->parts[0];
    if (owner) {
      bool event = strcmp(w, "insert") == 0 || strcmp(w, "update") == 0 || strcmp(w, "delete") == 0;
      if (v->nparts == 1 && event) {
        has_update |= strcmp(w, "update") == 0;
        t->events[t->nevents++] = w;
      } else if (v->nparts == 1 && i > 0) {
        if (t->field) {
          diag_add(S->d, DIAG_E0303, v->range, "@on names one field at most");
        } else if (!sema_field(owner, w)) {
          diag *g = diag_add(S->d, DIAG_E0215, v->range, "'%s' has no field '%s'", owner->name, w);
          const char *best = sema_suggest_field(owner, w);
          if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        }
        t->field = w;
      } else {
        static const char *const ev[] = {"insert", "update", "delete"};
        diag *g = diag_add(S->d, DIAG_E0303, v->range,
                           "unknown event '%s'; entity events are insert, update and delete", w);
        const char *best = sema_suggest(w, ev, 3);
        if (best) diag_label(S->d, g, "did you mean '%s'?", best);
      }
    } else {
      if (v->nparts != 2) {
        diag_add(S->d, DIAG_E0303, v->range,
                 "payment events are dotted: payment.succeeded, subscription.canceled");
        continue;
      }
      t->events[t->nevents++] = arena_printf(S->a, "%s.%s", v->parts[0], v->parts[1]);
    }
  }
  if (t->field && !(has_update && t->nevents == 1))
    diag_add(S->d, DIAG_E0303, a->range,
             "a field can be given only with update alone: @on(update, %s)", t->field);
  if (!effect) {
    if (a->block)
      diag_add(S->d, DIAG_E0603, a->block->range,
               "a trigger runs inside the transaction and takes no settings; use 'effect' for "
               "retries, backoff and timeout");
    return t;
  }
  if (!a->block) return t;
  cfg c;
  cfg_init(&c, S, arena_printf(S->a, "effect '%s'", t->function), false);
  static const char *const keys[] = {"retries", "backoff", "timeout"};
  for (int i = 0; i < a->block->n; i++) {
    ir_item *it = cfg_setting(&c, a->block, i, keys, COUNT(keys));
    if (!it) continue;
    if (strcmp(it->key, "retries") == 0) {
      want_int(S, it, &t->retries, 0, 1000);
    } else if (strcmp(it->key, "timeout") == 0) {
      want_duration(S, it, &t->timeout_ms);
    } else if (strcmp(it->key, "backoff") == 0) {
      ir_value *v = it->value;
      if (plain(S, it)) {
        if (v->kind == IR_V_CALL && v->nparts == 1 && v->nitems == 1 &&
            (strcmp(v->parts[0], "exponential") == 0 || strcmp(v->parts[0], "linear") == 0 ||
             strcmp(v->parts[0], "fixed") == 0)) {
          t->backoff = v->parts[0];
          sema_duration(S, v->items[0], "backoff", &t->backoff_ms);
        } else {
          diag_add(
              S->d, DIAG_E0603, v->range,
              "backoff is exponential(d), linear(d) or fixed(d), with a duration d such as 2s");
        }
      }
    } else {
      cfg_unknown(&c, it, keys, COUNT(keys));
    }
  }
  return t;
}

/* ---- cron ------------------------------------------------------------- */

static int cron_value(const char *s, size_t n, int field) {
  static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  if (n == 3 && (field == 3 || field == 4)) {
    const char *const *names = field == 3 ? months : days;
    int cnt = field == 3 ? 12 : 7;
    for (int i = 0; i < cnt; i++)
      if (toupper((unsigned char)s[0]) == names[i][0] &&
          toupper((unsigned char)s[1]) == names[i][1] &&
          toupper((unsigned char)s[2]) == names[i][2])
        return field == 3 ? i + 1 : i;
    return -1;
  }
  if (n == 0 || n > 3) return -1;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Five fields: minute hour day-of-month month day-of-week; lists, ranges,
** steps and names, or one of the @hourly-style macros.  Returns NULL or the
** reason it is invalid. */
static const char *cron_check(const char *expr) {
  static const char *const macros[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                       "@daily",  "@midnight", "@hourly"};
  for (int i = 0; i < COUNT(macros); i++)
    if (strcmp(expr, macros[i]) == 0) return NULL;
  static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
  static const char *const names[] = {"minute", "hour", "day of month", "month", "day of week"};
  const char *p = expr;
  int field = 0;
  while (*p) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p) break;
    if (field == 5) return "a cron expression has five fields: minute hour day month weekday";
    const char *end = p;
    while (*end && *end != ' ' && *end != '\t')
      end++;
    /* items separated by commas */
    const char *q = p;
    while (q < end) {
      const char *ie = q;
      while (ie < end && *ie != ',')
        ie++;
      const char *slash = memchr(q, '/', (size_t)(ie - q));
      const char *re = slash ? slash : ie;
      if (slash) {
        int step = cron_value(slash + 1, (size_t)(ie - slash - 1), -1);
        if (step <= 0) return "a step after '/' is a positive number";
      }
      if (re - q == 1 && *q == '*') {
        /* any */
      } else {
        const char *dash = memchr(q, '-', (size_t)(re - q));
        int a = cron_value(q, (size_t)((dash ? dash : re) - q), field);
        int b = dash ? cron_value(dash + 1, (size_t)(re - dash - 1), field) : a;
        if (a < lo[field] || a > hi[field] || b < lo[field] || b > hi[field] || b < a)
          return names[field];
      }
      q = ie < end ? ie + 1 : ie;
      if (ie < end && q == end) return "a list ends with ','";
    }
    field++;
    p = end;
  }
  if (field != 5) return "a cron expression has five fields: minute hour day month weekday";
  return NULL;
}

/* ---- declarations ------------------------------------------------------- */

/* Names declared once per project, by kind. */
typedef struct decl_names {
  namemap namespaces, schedules, integrations, roles, scopes;
} decl_names;

static void read_principal(sema *S, ir_auth *au, ir_block *b) {
  for (int i = 0; i < b->n; i++) {
    ir_item *it = b->items[i];
    if (it->kind != IR_I_KV || it->block) {
      diag_add(S->d, DIAG_E0603, it->range,
               "principal attributes are written 'name: Type [@from(...) | @selectFrom(...)]'");
      continue;
    }
    if (namemap_get(&au->attr_map, it->key)) {
      diag_add(S->d, DIAG_E0202, it->key_range, "principal attribute '%s' is declared twice",
               it->key);
      continue;
    }
    ir_principal_attr *pa = arena_alloc(S->a, sizeof *pa);
    pa->range = it->range;
    pa->name = it->key;
    pa->annots = it->annots;
    pa->nannots = it->nannots;
    ir_typeref *t = &pa->type;
    ir_value *v = it->value;
    t->range = v->range;
    t->nullable = it->nullable;
    if (v->kind != IR_V_PATH || v->nparts > 2) {
      diag_add(S->d, DIAG_E0603, v->range,
               "principal attribute '%s' takes a type: string, an enum or Entity.field", it->key);
    } else if (v->nparts == 2) {
      t->name = v->parts[0];
      t->member = v->parts[1];
      decl_ref *d = sema_lookup(S, t->name);
      if (!d || d->kind != DK_ENTITY) {
        diag *g = diag_add(S->d, DIAG_E0204, v->range, "unknown entity '%s'", t->name);
        const char *best = sema_suggest_decl(S, t->name, 1 << DK_ENTITY);
        if (best) diag_label(S->d, g, "did you mean '%s'?", best);
      } else {
        ir_field *f = sema_field(d->node, t->member);
        t->fk_entity = d->node;
        if (!f) {
          diag *g =
              diag_add(S->d, DIAG_E0206, v->range, "'%s' has no field '%s'", t->name, t->member);
          const char *best = sema_suggest_field(d->node, t->member);
          if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        } else {
          t->fk_field = f;
          t->kind = f->type.kind;
          t->enum_ = f->type.enum_;
        }
      }
    } else {
      t->name = v->parts[0];
      t->kind = ir_scalar_kind(t->name);
      if (t->kind == IR_T_UNRESOLVED) {
        decl_ref *d = sema_lookup(S, t->name);
        if (d && d->kind == DK_ENUM) {
          t->kind = IR_T_ENUM;
          t->enum_ = d->node;
        } else {
          diag *g = diag_add(S->d, DIAG_E0204, v->range, "unknown type '%s'", t->name);
          const char *best = sema_suggest_decl(S, t->name, 1 | (1 << DK_ENUM));
          if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        }
      }
    }
    for (int j = 0; j < pa->nannots; j++) {
      ir_annot *a = pa->annots[j];
      bool from = strcmp(a->name, "from") == 0, select = strcmp(a->name, "selectFrom") == 0;
      if (!from && !select) {
        diag *g = diag_add(
            S->d, DIAG_E0301, a->range,
            "unknown annotation '@%s' on a principal attribute; use @from or @selectFrom", a->name);
        static const char *const c[] = {"from", "selectFrom"};
        const char *best = sema_suggest(a->name, c, 2);
        if (best) diag_label(S->d, g, "did you mean '@%s'?", best);
        continue;
      }
      bool ok = a->nargs >= 1 && a->args[0]->kind == IR_V_PATH && a->args[0]->nparts == 2 &&
                (a->nargs == 1 || (from && a->nargs == 2 && a->args[1]->kind == IR_V_COND));
      if (!ok)
        diag_add(S->d, DIAG_E0303, a->range,
                 from ? "write @from(Entity.field) or @from(Entity.field, where condition)"
                      : "write @selectFrom(Entity.field)");
    }
    vec_push(S->a, au->principal, pa);
    namemap_put(&au->attr_map, pa->name, pa);
  }
}

static void read_auth(sema *S, ir_item *decl) {
  ir_auth *au = arena_alloc(S->a, sizeof *au);
  au->range = decl->range;
  namemap_init(&au->attr_map, S->a);
  S->s->auth = au;
  cfg c;
  cfg_init(&c, S, "auth", false);
  static const char *const keys[] = {"providers", "sessionDuration", "mfa",
                                     "linking",   "password",        "principal"};
  static const char *const providers[] = {"email", "google", "github"};
  static const char *const mfa[] = {"optional", "required", "disabled"};
  static const char *const linking[] = {"manual", "automatic"};
  ir_block *b = decl->block;
  for (int i = 0; i < b->n; i++) {
    ir_item *it = b->items[i];
    if (!it->key || (it->kind != IR_I_KV && it->kind != IR_I_BLOCK)) {
      cfg_unknown(&c, it, keys, COUNT(keys));
      continue;
    }
    if (!cfg_first(&c, it)) continue;
    if (strcmp(it->key, "providers") == 0) {
      ir_value **items;
      int n;
      if (!want_list(S, it, false, &items, &n)) continue;
      au->providers = arena_alloc(S->a, sizeof(char *) * (size_t)(n + 1));
      for (int j = 0; j < n; j++) {
        const char *p = items[j]->parts[0];
        bool ok = false;
        for (int k = 0; k < COUNT(providers); k++)
          if (strcmp(p, providers[k]) == 0) ok = true;
        if (!ok) {
          diag *g = diag_add(S->d, DIAG_E0603, items[j]->range,
                             "unknown sign-in provider '%s'; supported: email, google, github", p);
          const char *best = sema_suggest(p, providers, COUNT(providers));
          if (best) diag_label(S->d, g, "did you mean '%s'?", best);
          continue;
        }
        au->providers[au->nproviders++] = p;
      }
    } else if (strcmp(it->key, "sessionDuration") == 0) {
      want_duration(S, it, &au->session_ms);
    } else if (strcmp(it->key, "mfa") == 0) {
      want_ident(S, it, &au->mfa, mfa, COUNT(mfa));
    } else if (strcmp(it->key, "linking") == 0) {
      want_ident(S, it, &au->linking, linking, COUNT(linking));
    } else if (strcmp(it->key, "password") == 0 && it->kind == IR_I_BLOCK) {
      au->has_password = true;
      cfg pc;
      cfg_init(&pc, S, "auth.password", false);
      static const char *const pk[] = {"minLength",    "requireUppercase", "requireLowercase",
                                       "requireDigit", "requireSpecial",   "blockCommon",
                                       "breachCheck"};
      bool lower = false;
      bool *flags[] = {NULL,
                       &au->require_uppercase,
                       &lower,
                       &au->require_digit,
                       &au->require_special,
                       &au->block_common,
                       &au->breach_check};
      for (int j = 0; j < it->block->n; j++) {
        ir_item *p = it->block->items[j];
        int k = -1;
        for (int m = 0; p->key && m < COUNT(pk); m++)
          if (strcmp(p->key, pk[m]) == 0) k = m;
        if (k < 0 || p->kind != IR_I_KV) {
          cfg_unknown(&pc, p, pk, COUNT(pk));
          continue;
        }
        if (!cfg_first(&pc, p)) continue;
        if (k == 0)
          want_int(S, p, &au->password_min_length, 1, 1024);
        else
          want_bool(S, p, flags[k]);
      }
    } else if (strcmp(it->key, "principal") == 0 && it->kind == IR_I_BLOCK) {
      read_principal(S, au, it->block);
    } else {
      cfg_unknown(&c, it, keys, COUNT(keys));
    }
  }
}

static void read_namespace(sema *S, ir_item *decl, decl_names *names) {
  ir_namespace *ns = arena_alloc(S->a, sizeof *ns);
  ns->range = decl->range;
  ns->name = decl->name;
  sema_reserved(S, ns->name, decl->name_range, "namespace");
  unique_name(S, &names->namespaces, "namespace", ns->name, decl->name_range);
  cfg c;
  cfg_init(&c, S, arena_printf(S->a, "namespace '%s'", ns->name), false);
  static const char *const keys[] = {"scope", "entities"};
  bool have_scope = false;
  for (int i = 0; i < decl->block->n; i++) {
    ir_item *it = cfg_setting(&c, decl->block, i, keys, COUNT(keys));
    if (!it) continue;
    if (strcmp(it->key, "scope") == 0) {
      have_scope = true;
      ir_value *v = it->value;
      if (!plain(S, it)) continue;
      if (v->kind != IR_V_PATH || v->nparts != 2 || strcmp(v->parts[0], "principal") != 0) {
        diag_add(S->d, DIAG_E0601, v->range,
                 "a namespace scope is a principal attribute: scope: principal.organizationId");
        continue;
      }
      ns->scope_attr = v->parts[1];
      ns->scope_range = v->range;
    } else if (strcmp(it->key, "entities") == 0) {
      ir_value **items;
      int n;
      if (!want_list(S, it, false, &items, &n)) continue;
      for (int j = 0; j < n; j++) {
        ir_entity *e = want_entity(S, items[j]);
        if (!e) continue;
        vec_push(S->a, ns->entities, e);
        vec_push(S->a, ns->entity_ranges, items[j]->range);
      }
    } else {
      cfg_unknown(&c, it, keys, COUNT(keys));
    }
  }
  if (!have_scope)
    diag_add(S->d, DIAG_E0603, decl->key_range,
             "namespace '%s' needs a scope: scope: principal.organizationId", ns->name);
  vec_push(S->a, S->s->namespaces, ns);
}

static void read_schedule(sema *S, ir_item *decl, decl_names *names) {
  ir_schedule *sc = arena_alloc(S->a, sizeof *sc);
  sc->range = decl->range;
  sc->name = decl->name;
  unique_name(S, &names->schedules, "schedule", sc->name, decl->name_range);
  cfg c;
  cfg_init(&c, S, arena_printf(S->a, "schedule '%s'", sc->name), false);
  static const char *const keys[] = {"cron", "function", "timeout"};
  for (int i = 0; i < decl->block->n; i++) {
    ir_item *it = cfg_setting(&c, decl->block, i, keys, COUNT(keys));
    if (!it) continue;
    if (strcmp(it->key, "cron") == 0) {
      if (!want_string(S, it, &sc->cron)) continue;
      const char *why = cron_check(sc->cron);
      if (why) {
        diag *g = diag_add(S->d, DIAG_E0605, it->value->range, "invalid cron expression \"%s\"",
                           sc->cron);
        if (strchr(why, ' '))
          diag_label(S->d, g, "%s", why);
        else
          diag_label(S->d, g, "bad %s field", why);
      }
    } else if (strcmp(it->key, "function") == 0) {
      if (plain(S, it)) {
        ir_value *v = it->value;
        if (v->kind == IR_V_PATH && v->nparts == 1)
          sc->function = v->parts[0];
        else if (v->kind == IR_V_STRING && v->text[0])
          sc->function = v->text;
        else
          diag_add(S->d, DIAG_E0604, v->range,
                   "'function' names the function to run: function: sendDigest");
      }
    } else if (strcmp(it->key, "timeout") == 0) {
      want_duration(S, it, &sc->timeout_ms);
    } else {
      cfg_unknown(&c, it, keys, COUNT(keys));
    }
  }
  if (!sc->cron && !namemap_get(&c.seen, sema_intern(S, "cron")))
    diag_add(S->d, DIAG_E0603, decl->name_range, "schedule '%s' needs a cron: cron: \"0 2 * * *\"",
             sc->name);
  if (!sc->function && !namemap_get(&c.seen, sema_intern(S, "function"))) {
    diag *g = diag_add(S->d, DIAG_E0604, decl->name_range, "schedule '%s' has no function to run",
                       sc->name);
    diag_label(S->d, g, "add function: functionName");
  }
  vec_push(S->a, S->s->schedules, sc);
}

static void read_policies(sema *S, ir_block *b, void *policies_vec, const char *what,
                          const char **display) {
  typedef VEC(ir_policy *) pvec;
  pvec *pv = policies_vec;
  ir_policy *prev = NULL;
  for (int i = 0; i < b->n; i++) {
    ir_item *it = b->items[i];
    if (it->kind == IR_I_POLICY) {
      vec_push(S->a, *pv, it->policy);
      prev = it->policy;
      continue;
    }
    if (it->kind == IR_I_ANNOT && strcmp(it->annot->name, "why") == 0) {
      ir_annot *a = it->annot;
      if (!prev || prev->why)
        diag_add(S->d, DIAG_E0307, a->range, "@why explains the @grant or @deny right before it");
      else if (a->nargs == 1 && a->args[0]->kind == IR_V_STRING)
        prev->why = a->args[0]->text;
      else
        diag_add(S->d, DIAG_E0303, a->range, "@why takes one string: @why(\"reason\")");
      prev = NULL;
      continue;
    }
    prev = NULL;
    if (display && it->kind == IR_I_KV && strcmp(it->key, "displayName") == 0) {
      want_string(S, it, display);
      continue;
    }
    diag_add(S->d, DIAG_E0603, it->range, "%s holds %s@grant and @deny rules only", what,
             display ? "displayName and " : "");
  }
}

static void read_system(sema *S, ir_item *decl, decl_names *names) {
  ir_annot *a = decl->annot;
  if (strcmp(a->name, "system") != 0) {
    diag *g = diag_add(
        S->d, DIAG_E0301, a->range,
        "'@%s { }' is not a declaration; system roles are written @system(\"name\") { }", a->name);
    static const char *const c[] = {"system"};
    if (sema_suggest(a->name, c, 1)) diag_label(S->d, g, "did you mean '@system'?");
    return;
  }
  if (a->nargs != 1 || a->args[0]->kind != IR_V_STRING || !a->args[0]->text[0] || a->nwords) {
    diag_add(S->d, DIAG_E0303, a->range,
             "a system role is named by one string: @system(\"admin\") { }");
    return;
  }
  ir_system_role *r = arena_alloc(S->a, sizeof *r);
  r->range = decl->range;
  r->name = sema_intern(S, a->args[0]->text);
  unique_name(S, &names->roles, "system role", r->name, a->range);
  read_policies(S, decl->block, &r->policies, "a system role", &r->display_name);
  vec_push(S->a, S->s->system_roles, r);
}

static void read_apikeys(sema *S, ir_item *decl, decl_names *names) {
  cfg c;
  cfg_init(&c, S, "apiKeys", false);
  static const char *const keys[] = {"scopes"};
  for (int i = 0; i < decl->block->n; i++) {
    ir_item *it = decl->block->items[i];
    if (it->kind != IR_I_KV || strcmp(it->key, "scopes") != 0) {
      cfg_unknown(&c, it, keys, 1);
      continue;
    }
    if (!cfg_first(&c, it)) continue;
    if (!plain(S, it) || it->value->kind != IR_V_OBJECT) {
      diag_add(
          S->d, DIAG_E0603, it->value->range,
          "scopes is a block: scopes: { read: @system(\"api_read\") { @grant read on Project } }");
      continue;
    }
    ir_block *sb = it->value->block;
    for (int j = 0; j < sb->n; j++) {
      ir_item *s = sb->items[j];
      ir_value *v = s->value;
      if (s->kind != IR_I_KV || !s->block || v->kind != IR_V_ANNOT ||
          strcmp(v->text, "system") != 0 || v->nitems != 1 || v->items[0]->kind != IR_V_STRING) {
        diag_add(S->d, DIAG_E0603, s->range,
                 "a scope is written name: @system(\"role\") { @grant ... on Entity }");
        continue;
      }
      ir_api_scope *sc = arena_alloc(S->a, sizeof *sc);
      sc->range = s->range;
      sc->name = s->key;
      sc->system_role = sema_intern(S, v->items[0]->text);
      unique_name(S, &names->scopes, "API key scope", sc->name, s->key_range);
      read_policies(S, s->block, &sc->policies, "an API key scope", NULL);
      vec_push(S->a, S->s->api_scopes, sc);
    }
  }
}

static void read_plan(sema *S, ir_item *it, ir_payments *pay, namemap *plan_names) {
  ir_price_plan *pl = arena_alloc(S->a, sizeof *pl);
  pl->range = it->range;
  pl->name = it->name;
  unique_name(S, plan_names, "plan", pl->name, it->name_range);
  cfg c;
  cfg_init(&c, S, arena_printf(S->a, "plan '%s'", pl->name), true);
  static const char *const keys[] = {"stripe", "perSeat", "legacyPrices"};
  for (int i = 0; i < it->block->n; i++) {
    ir_item *p = cfg_setting(&c, it->block, i, keys, COUNT(keys));
    if (!p) continue;
    if (strcmp(p->key, "stripe") == 0) {
      if (!plain(S, p)) continue;
      if (p->value->kind == IR_V_STRING) {
        vec_push(S->a, pl->stripe_prices, p->value->text);
      } else if (p->value->kind == IR_V_OBJECT) {
        ir_block *ob = p->value->block;
        for (int j = 0; j < ob->n; j++) {
          const char *price;
          ir_item *q = ob->items[j];
          if (q->kind == IR_I_KV &&
              (strcmp(q->key, "monthly") == 0 || strcmp(q->key, "annual") == 0)) {
            if (want_string(S, q, &price)) vec_push(S->a, pl->stripe_prices, price);
          } else {
            diag_add(S->d, DIAG_E0603, q->range,
                     "stripe prices are monthly: \"price_...\" and annual: \"price_...\"");
          }
        }
      } else {
        bad(S, p, "'%s' takes a Stripe price id or { monthly: \"...\", annual: \"...\" }%s", "");
      }
    } else if (strcmp(p->key, "perSeat") == 0) {
      want_bool(S, p, &pl->per_seat);
    } else if (strcmp(p->key, "legacyPrices") == 0) {
      ir_value **items;
      int n;
      if (want_list(S, p, true, &items, &n))
        for (int j = 0; j < n; j++)
          vec_push(S->a, pl->legacy_prices, items[j]->text);
    } else {
      cfg_unknown(&c, p, keys, COUNT(keys));
    }
  }
  vec_push(S->a, pay->plans, pl);
}

static void read_payments(sema *S, ir_item *decl) {
  ir_payments *pay = arena_alloc(S->a, sizeof *pay);
  pay->range = decl->range;
  S->s->payments = pay;
  cfg c;
  cfg_init(&c, S, "payments", true);
  static const char *const keys[] = {"seatEntity", "billingEntity", "trial", "gracePeriod",
                                     "graceAction"};
  ir_item *trial = NULL;
  namemap plan_names;
  namemap_init(&plan_names, S->a);
  for (int i = 0; i < decl->block->n; i++) {
    ir_item *it = decl->block->items[i];
    if (it->kind == IR_I_NAMED_BLOCK && strcmp(it->key, "plan") == 0) {
      read_plan(S, it, pay, &plan_names);
    } else if (it->kind == IR_I_ANNOT && strcmp(it->annot->name, "secret") == 0) {
      ir_annot *a = it->annot;
      if (a->nwords == 1 && a->nargs == 0 && !a->block)
        vec_push(S->a, pay->secrets, a->words[0]);
      else
        diag_add(S->d, DIAG_E0303, a->range, "declare a secret as '@secret name'");
    } else if (it->kind == IR_I_ANNOT && strcmp(it->annot->name, "on") == 0) {
      ir_trigger *t = sema_trigger(S, it->annot, NULL);
      if (t) vec_push(S->a, pay->effects, t);
    } else if (it->kind == IR_I_KV) {
      if (!cfg_first(&c, it)) continue;
      if (strcmp(it->key, "seatEntity") == 0 || strcmp(it->key, "billingEntity") == 0) {
        if (!plain(S, it)) continue;
        ir_entity *e = want_entity(S, it->value);
        if (it->key[0] == 's')
          pay->seat_entity = e;
        else
          pay->billing_entity = e;
      } else if (strcmp(it->key, "trial") == 0) {
        trial = it;
      } else if (strcmp(it->key, "gracePeriod") == 0) {
        want_duration(S, it, &pay->grace_ms);
      } else if (strcmp(it->key, "graceAction") == 0) {
        static const char *const actions[] = {"downgrade", "cancel", "suspend", "none"};
        want_ident(S, it, &pay->grace_action, actions, COUNT(actions));
      } else {
        cfg_unknown(&c, it, keys, COUNT(keys));
      }
    } else {
      cfg_unknown(&c, it, keys, COUNT(keys));
    }
  }
  /* trial names plans, which may be declared after it */
  if (trial && plain(S, trial)) {
    ir_value *v = trial->value;
    if (v->kind != IR_V_LIST) {
      bad(S, trial, "'%s' takes a list of plan: duration pairs, such as [Pro: 14d]%s", "");
      return;
    }
    for (int i = 0; i < v->nitems; i++) {
      ir_value *p = v->items[i];
      if (p->kind != IR_V_PAIR) {
        diag_add(S->d, DIAG_E0603, p->range,
                 "write each trial as Plan: duration, such as Pro: 14d");
        continue;
      }
      bool found = false;
      for (int j = 0; j < pay->plans.n; j++)
        if (pay->plans.v[j]->name == p->text) found = true;
      if (!found)
        diag_add(S->d, DIAG_E0603, p->range,
                 "trial names plan '%s', which payments does not declare", p->text);
      int64_t ms;
      sema_duration(S, p->value, "a trial", &ms);
      vec_push(S->a, pay->trials, p);
    }
  }
}

static void read_integrations(sema *S, ir_item *decl, decl_names *names) {
  static const char *const keys[] = {
      "mode",      "onboarding",    "access",           "clientId",       "clientSecret",
      "scopes",    "upgradeScopes", "authorizeUrl",     "tokenUrl",       "accountUrl",
      "revokeUrl", "accountIdPath", "accountEmailPath", "accountNamePath"};
  static const char *const modes[] = {"required", "optional", "manual"};
  static const char *const onboarding[] = {"afterAuth", "combined", "settings"};
  static const char *const access[] = {"read", "write"};
  for (int i = 0; i < decl->block->n; i++) {
    ir_item *it = decl->block->items[i];
    if (it->kind != IR_I_KV || !it->block || it->value->kind != IR_V_PATH ||
        it->value->nparts != 1) {
      diag_add(S->d, DIAG_E0603, it->range,
               "an integration is written name: provider { settings }");
      continue;
    }
    ir_integration *in = arena_alloc(S->a, sizeof *in);
    in->range = it->range;
    in->name = it->key;
    in->provider = it->value->parts[0];
    in->block = it->block;
    unique_name(S, &names->integrations, "integration", in->name, it->key_range);
    cfg c;
    cfg_init(&c, S, arena_printf(S->a, "integration '%s'", in->name), true);
    for (int j = 0; j < it->block->n; j++) {
      ir_item *p = cfg_setting(&c, it->block, j, keys, COUNT(keys));
      if (!p) continue;
      const char *k = p->key;
      ir_value **items;
      int n;
      const char *str;
      if (strcmp(k, "mode") == 0)
        want_ident(S, p, &in->mode, modes, COUNT(modes));
      else if (strcmp(k, "onboarding") == 0)
        want_ident(S, p, &in->onboarding, onboarding, COUNT(onboarding));
      else if (strcmp(k, "access") == 0)
        want_ident(S, p, &in->access, access, COUNT(access));
      else if (strcmp(k, "clientId") == 0)
        want_secret(S, p, &in->client_id_secret);
      else if (strcmp(k, "clientSecret") == 0)
        want_secret(S, p, &in->client_secret_secret);
      else if (strcmp(k, "scopes") == 0 || strcmp(k, "upgradeScopes") == 0) {
        if (want_list(S, p, true, &items, &n))
          for (int m = 0; m < n; m++) {
            if (k[0] == 's')
              vec_push(S->a, in->scopes, items[m]->text);
            else
              vec_push(S->a, in->upgrade_scopes, items[m]->text);
          }
      } else {
        bool known = false;
        for (int m = 7; m < COUNT(keys); m++)
          if (strcmp(k, keys[m]) == 0) known = true;
        if (known)
          want_string(S, p, &str);
        else
          cfg_unknown(&c, p, keys, COUNT(keys));
      }
    }
    vec_push(S->a, S->s->integrations, in);
  }
}

/* ---- routes ----------------------------------------------------------- */

typedef struct route_opts {
  const char *auth, *scope;
  int64_t rate;
  const char *rate_unit;
} route_opts;

static bool known_scope(sema *S, const char *name) {
  for (int i = 0; i < S->s->api_scopes.n; i++)
    if (S->s->api_scopes.v[i]->name == name) return true;
  return false;
}

static void read_route_options(sema *S, ir_value **args, int n, int first, route_opts *o) {
  for (int i = first; i < n; i++) {
    ir_value *a = args[i];
    if (a->kind != IR_V_PAIR) {
      diag_add(S->d, DIAG_E0607, a->range,
               "route options are written name: value (auth: session, rateLimit: 100/minute)");
      continue;
    }
    ir_value *v = a->value;
    if (strcmp(a->text, "auth") == 0) {
      if (v->kind == IR_V_PATH && v->nparts == 1 &&
          (strcmp(v->parts[0], "session") == 0 || strcmp(v->parts[0], "none") == 0)) {
        o->auth = v->parts[0];
        o->scope = NULL;
      } else if (v->kind == IR_V_CALL && v->nparts == 1 && strcmp(v->parts[0], "apiKey") == 0 &&
                 v->nitems == 1 && v->items[0]->kind == IR_V_PATH && v->items[0]->nparts == 1) {
        o->auth = v->parts[0];
        o->scope = v->items[0]->parts[0];
        if (!known_scope(S, o->scope))
          diag_add(S->d, DIAG_E0607, v->items[0]->range,
                   "unknown API key scope '%s'; declare it in apiKeys { scopes: { ... } }",
                   o->scope);
      } else {
        diag_add(S->d, DIAG_E0607, v->range, "auth is session, none or apiKey(scope)");
      }
    } else if (strcmp(a->text, "rateLimit") == 0) {
      if (v->kind != IR_V_RATE) {
        diag_add(S->d, DIAG_E0606, v->range, "rateLimit takes a rate such as 1000/minute");
        continue;
      }
      const char *u = v->unit;
      if (strcmp(u, "second") && strcmp(u, "minute") && strcmp(u, "hour") && strcmp(u, "day")) {
        static const char *const units[] = {"second", "minute", "hour", "day"};
        diag *g = diag_add(S->d, DIAG_E0606, v->range,
                           "unknown rate unit '%s'; use second, minute, hour or day", u);
        const char *best = sema_suggest(u, units, 4);
        if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        continue;
      }
      o->rate = v->ms;
      o->rate_unit = u;
    } else {
      static const char *const opts[] = {"auth", "rateLimit"};
      diag *g = diag_add(S->d, DIAG_E0607, a->range,
                         "unknown route option '%s'; options are auth and rateLimit", a->text);
      const char *best = sema_suggest(a->text, opts, 2);
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    }
  }
}

static const char *join_path(sema *S, const char *prefix, const char *path) {
  size_t n = strlen(prefix);
  while (n && prefix[n - 1] == '/')
    n--;
  if (strcmp(path, "/") == 0 && n) return arena_strndup(S->a, prefix, n);
  return arena_printf(S->a, "%.*s%s", (int)n, prefix, path);
}

static bool check_path_syntax(sema *S, const char *path, ir_range r) {
  if (path[0] != '/') {
    diag_add(S->d, DIAG_E0607, r, "a route path starts with '/': \"/api\"");
    return false;
  }
  for (const char *p = path; *p; p++) {
    if (*p == ':' && (p[-1] != '/' || !(isalpha((unsigned char)p[1]) || p[1] == '_'))) {
      diag_add(S->d, DIAG_E0607, r,
               "a path parameter is a whole segment named like a field: /projects/:projectId");
      return false;
    }
    if (*p == '/' && p[1] == '/') {
      diag_add(S->d, DIAG_E0607, r, "a route path has an empty segment ('//')");
      return false;
    }
  }
  return true;
}

static void read_routes(sema *S, ir_item *group, const char *prefix, route_opts inherited,
                        namemap *seen) {
  int first = 0;
  const char *own = "";
  if (group->nargs > 0 && group->args[0]->kind == IR_V_STRING) {
    own = group->args[0]->text;
    check_path_syntax(S, own, group->args[0]->range);
    first = 1;
  } else {
    diag_add(S->d, DIAG_E0607, group->key_range,
             "a routes group starts with its path prefix: routes(\"/api\") { }");
  }
  route_opts o = inherited;
  read_route_options(S, group->args, group->nargs, first, &o);
  const char *base = join_path(S, prefix, own);
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
  for (int i = 0; i < group->block->n; i++) {
    ir_item *it = group->block->items[i];
    if (it->kind == IR_I_ROUTES) {
      read_routes(S, it, base, o, seen);
      continue;
    }
    bool ok = false;
    for (int m = 0; m < COUNT(methods); m++)
      if (strcmp(it->key, methods[m]) == 0) ok = true;
    if (!ok) {
      diag *g = diag_add(
          S->d, DIAG_E0607, it->key_range,
          "unknown HTTP method '%s'; use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS", it->key);
      const char *c[COUNT(methods)];
      for (int m = 0; m < COUNT(methods); m++)
        c[m] = methods[m];
      char up[16] = {0};
      for (int m = 0; m < 15 && it->key[m]; m++)
        up[m] = (char)toupper((unsigned char)it->key[m]);
      const char *best = sema_suggest(up, c, COUNT(methods));
      if (!best)
        for (int m = 0; m < COUNT(methods); m++)
          if (strcmp(up, methods[m]) == 0) best = methods[m];
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    }
    check_path_syntax(S, it->name, it->name_range);
    if (!it->handler || !it->handler[0]) {
      diag *g =
          diag_add(S->d, DIAG_E0604, it->range, "route %s %s has no handler", it->key, it->name);
      diag_label(S->d, g, "add '-> handlerName'");
    }
    ir_route *r = arena_alloc(S->a, sizeof *r);
    r->range = it->range;
    r->method = it->key;
    r->path = join_path(S, base, it->name);
    r->handler = it->handler;
    route_opts ro = o;
    read_route_options(S, it->args, it->nargs, 0, &ro);
    r->auth = ro.auth ? ro.auth : "session";
    r->api_scope = ro.scope;
    r->rate_limit = ro.rate;
    r->rate_unit = ro.rate_unit;
    const char *key = sema_intern(S, arena_printf(S->a, "%s %s", r->method, r->path));
    ir_route *prev = namemap_get(seen, key);
    if (prev) {
      diag *g = diag_add(S->d, DIAG_E0202, it->range, "route %s %s is declared twice", r->method,
                         r->path);
      diag_note_add(S->d, g, prev->range, "first declared here");
    } else {
      namemap_put(seen, key, r);
    }
    vec_push(S->a, S->s->routes, r);
  }
}

void sema_config(sema *S) {
  ir_schema *s = S->s;
  ir_range first[5];
  bool have[5] = {false, false, false, false, false};
  static const char *const singles[] = {"auth", "payments", "integrations", "network", "email"};
  decl_names names;
  namemap_init(&names.namespaces, S->a);
  namemap_init(&names.schedules, S->a);
  namemap_init(&names.integrations, S->a);
  namemap_init(&names.roles, S->a);
  namemap_init(&names.scopes, S->a);
  /* routes last: they refer to apiKeys scopes declared anywhere */
  for (int i = 0; i < s->raw_decls.n; i++) {
    ir_item *d = s->raw_decls.v[i];
    if (d->kind == IR_I_ROUTES) continue;
    if (d->kind == IR_I_ANNOT) {
      read_system(S, d, &names);
      continue;
    }
    for (int k = 0; k < 5; k++)
      if (strcmp(d->key, singles[k]) == 0) once(S, d, &first[k], &have[k]);
    if (strcmp(d->key, "auth") == 0)
      read_auth(S, d);
    else if (strcmp(d->key, "namespace") == 0)
      read_namespace(S, d, &names);
    else if (strcmp(d->key, "schedule") == 0)
      read_schedule(S, d, &names);
    else if (strcmp(d->key, "apiKeys") == 0)
      read_apikeys(S, d, &names);
    else if (strcmp(d->key, "payments") == 0)
      read_payments(S, d);
    else if (strcmp(d->key, "integrations") == 0)
      read_integrations(S, d, &names);
    else if (strcmp(d->key, "network") == 0)
      s->network = d->block;
    else if (strcmp(d->key, "email") == 0)
      s->email = d->block;
  }
  namemap seen;
  namemap_init(&seen, S->a);
  route_opts none = {NULL, NULL, 0, NULL};
  for (int i = 0; i < s->raw_decls.n; i++)
    if (s->raw_decls.v[i]->kind == IR_I_ROUTES) read_routes(S, s->raw_decls.v[i], "", none, &seen);
}
