/*
** sema_policy.c: @grant and @deny everywhere they stand, the paths of their
** `where` conditions, and namespaces.
*/
#include "frontend.h"

#include <string.h>

static const char *const actions[] = {"read", "write", "insert", "update", "delete"};

/* The relation `project` is the FK field `projectId` (language.md 2.1). */
static ir_field *relation(sema *S, ir_entity *e, const char *name) {
  char buf[300];
  if (strlen(name) > 256) return NULL;
  snprintf(buf, sizeof buf, "%sId", name);
  ir_field *f = sema_field(e, sema_intern(S, buf));
  return f && f->type.fk_entity ? f : NULL;
}

static void path_error(sema *S, ir_value *v, ir_entity *e, const char *part) {
  const char *c[520];
  int k = 0;
  for (int i = 0; i < e->fields.n && k < 512; i++) {
    ir_field *f = e->fields.v[i];
    c[k++] = f->name;
    size_t n = strlen(f->name);
    if (f->type.fk_entity && n > 2 && strcmp(f->name + n - 2, "Id") == 0)
      c[k++] = arena_strndup(S->a, f->name, n - 2);
  }
  diag *g =
      diag_add(S->d, DIAG_E0501, v->range, "'%s' has no field or relation '%s'", e->name, part);
  const char *best = sema_suggest(part, c, k);
  if (best) diag_label(S->d, g, "did you mean '%s'?", best);
}

/* Walk parts[from..] through fields and relations of e. */
static void walk(sema *S, ir_value *v, ir_entity *e, int from) {
  for (int i = from; i < v->nparts && e; i++) {
    const char *part = v->parts[i];
    bool last = i == v->nparts - 1;
    ir_field *f = sema_field(e, part);
    if (f && last) return;
    if (f && f->type.fk_entity) {
      diag *g = diag_add(S->d, DIAG_E0501, v->range,
                         "'%s' is a foreign key column; to follow it, use the relation name", part);
      size_t n = strlen(part);
      if (n > 2 && strcmp(part + n - 2, "Id") == 0)
        diag_label(S->d, g, "write '%.*s.%s'", (int)(n - 2), part, v->parts[i + 1]);
      return;
    }
    if (f) {
      diag_add(S->d, DIAG_E0501, v->range, "'%s.%s' is a %s value and has no fields", e->name, part,
               ir_type_names[f->type.kind]);
      return;
    }
    ir_field *rel = relation(S, e, part);
    if (!rel) {
      path_error(S, v, e, part);
      return;
    }
    if (last) {
      diag *g = diag_add(S->d, DIAG_E0501, v->range,
                         "'%s' is a relation, not a value; compare one of its fields", part);
      diag_label(S->d, g, "for example '%s.id' or the column '%s'", part, rel->name);
      return;
    }
    e = rel->type.fk_entity;
  }
}

static void check_path(sema *S, ir_value *v, ir_entity *resource) {
  if (v->kind != IR_V_PATH || v->nparts < 2) return; /* literals and bare words (enum members) */
  ir_schema *s = S->s;
  const char *first = v->parts[0];
  if (strcmp(first, "resource") == 0) {
    if (!resource) {
      diag_add(S->d, DIAG_E0501, v->range,
               "'resource' is the row an entity's policy protects; it is unknown here");
      return;
    }
    walk(S, v, resource, 1);
  } else if (strcmp(first, "principal") == 0) {
    const char *attr = v->parts[1];
    ir_principal_attr *pa = s->auth ? namemap_get(&s->auth->attr_map, attr) : NULL;
    if (pa) {
      if (v->nparts > 2) {
        if (pa->type.fk_entity)
          walk(S, v, pa->type.fk_entity, 2);
        else
          diag_add(S->d, DIAG_E0501, v->range, "principal.%s is a value and has no fields", attr);
      }
      return;
    }
    /* the signed-in user itself: principal.id, principal.email, ... */
    ir_field *uf = sema_field(s->user, attr);
    if (uf && v->nparts == 2) return;
    const char *c[64];
    int k = 0;
    for (int i = 0; i < s->user->fields.n && k < 32; i++)
      c[k++] = s->user->fields.v[i]->name;
    for (int i = 0; s->auth && i < s->auth->principal.n && k < 64; i++)
      c[k++] = s->auth->principal.v[i]->name;
    diag *g =
        diag_add(S->d, DIAG_E0501, v->range,
                 "principal has no attribute '%s'; declare it in auth { principal { } }", attr);
    const char *best = sema_suggest(attr, c, k);
    if (best) diag_label(S->d, g, "did you mean 'principal.%s'?", best);
  } else {
    decl_ref *d = sema_lookup(S, first);
    if (d && d->kind == DK_ENTITY) {
      walk(S, v, d->node, 1);
      return;
    }
    diag *g = diag_add(S->d, DIAG_E0501, v->range,
                       "unknown name '%s' in a condition; paths start with resource, principal "
                       "or an entity name",
                       first);
    const char *best = sema_suggest_decl(S, first, 1 << DK_ENTITY);
    if (best) diag_label(S->d, g, "did you mean '%s'?", best);
  }
}

/* `a && b && c ...` parses into a left-deep tree as long as the chain:
** walk the left spine in a loop so that only parentheses (bounded by the
** lexer's nesting limit) cost stack. */
void sema_check_cond(sema *S, ir_cond *c, ir_entity *resource) {
  while (c) {
    if (c->op == IR_C_VALUE) {
      check_path(S, c->value, resource);
      return;
    }
    if (c->r) sema_check_cond(S, c->r, resource);
    c = c->l;
  }
}

static ir_principal_attr *role_attr(sema *S) {
  if (!S->s->auth) return NULL;
  return namemap_get(&S->s->auth->attr_map, sema_intern(S, "role"));
}

/* `where` says where the policy stands: 0 entity, 1 @system role, 2 apiKeys scope. */
static void check_policy(sema *S, ir_policy *p, ir_entity *resource, int where) {
  const char *kw = p->deny ? "@deny" : "@grant";
  for (int i = 0; i < p->nactions; i++) {
    const char *a = p->actions[i];
    bool ok = strcmp(a, "*") == 0;
    for (size_t j = 0; j < sizeof actions / sizeof *actions; j++)
      if (strcmp(a, actions[j]) == 0) ok = true;
    if (!ok) {
      diag *g =
          diag_add(S->d, DIAG_E0502, p->action_ranges[i],
                   "unknown action '%s'; actions are read, write, insert, update and delete", a);
      const char *best = sema_suggest(a, actions, (int)(sizeof actions / sizeof *actions));
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    }
  }
  if (p->nto > 1 || p->nvia > 1 || p->nwhere > 1 || p->non > 1)
    diag_add(S->d, DIAG_E0503, p->range,
             "%s repeats a clause; write each of to, via, where and on at most once (join "
             "conditions with &&)",
             kw);
  switch (p->principal) {
  case IR_P_PUBLIC:
    if (strcmp(p->role, "public") != 0)
      diag_add(S->d, DIAG_E0503, p->principal_range,
               "unknown principal '@%s'; write '*', '@public' or 'role(Name)'", p->role);
    break;
  case IR_P_NAMED:
    diag_add(S->d, DIAG_E0503, p->principal_range,
             "unknown principal '%s'; write '*' (any signed-in user), '@public' or 'role(Name)'",
             p->role);
    break;
  case IR_P_ROLE: {
    ir_principal_attr *ra = role_attr(S);
    if (!ra) {
      diag_add(S->d, DIAG_E0503, p->principal_range,
               "role(%s) needs a 'role' attribute in auth { principal { role: SomeEnum ... } }",
               p->role);
    } else if (ra->type.enum_ && !namemap_get(&ra->type.enum_->member_map, p->role)) {
      ir_enum *en = ra->type.enum_;
      const char *c[256];
      int k = 0;
      for (int i = 0; i < en->members.n && k < 256; i++)
        c[k++] = en->members.v[i]->name;
      diag *g = diag_add(S->d, DIAG_E0501, p->principal_range,
                         "unknown role '%s'; roles are the members of %s", p->role, en->name);
      const char *best = sema_suggest(p->role, c, k);
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    }
    break;
  }
  default: break;
  }
  if (where == 0 && p->on) {
    diag_add(S->d, DIAG_E0503, p->on_range,
             "'on %s' belongs in @system and apiKeys scopes; an entity's policy applies to the "
             "entity itself",
             p->on);
  } else if (where != 0) {
    if (!p->on) {
      diag_add(S->d, DIAG_E0503, p->range,
               "%s here must say which entity it opens: %s read on Project", kw, kw);
    } else {
      decl_ref *d = sema_lookup(S, p->on);
      if (!d || d->kind != DK_ENTITY) {
        diag *g = diag_add(S->d, DIAG_E0205, p->on_range, "unknown entity '%s'", p->on);
        const char *best = sema_suggest_decl(S, p->on, 1 << DK_ENTITY);
        if (best) diag_label(S->d, g, "did you mean '%s'?", best);
      } else {
        p->on_entity = d->node;
        resource = d->node;
      }
    }
  }
  if (p->via) {
    decl_ref *d = sema_lookup(S, p->via);
    if (!d || d->kind != DK_ENTITY) {
      diag *g = diag_add(S->d, DIAG_E0205, p->via_range, "unknown entity '%s' after via", p->via);
      const char *best = sema_suggest_decl(S, p->via, 1 << DK_ENTITY);
      if (best) diag_label(S->d, g, "did you mean '%s'?", best);
    } else {
      ir_entity *j = d->node;
      p->via_entity = j;
      if (p->via_column) {
        if (!sema_field(j, p->via_column)) {
          diag *g = diag_add(S->d, DIAG_E0215, p->via_range, "'%s' has no field '%s'", j->name,
                             p->via_column);
          const char *best = sema_suggest_field(j, p->via_column);
          if (best) diag_label(S->d, g, "did you mean '%s'?", best);
        }
      } else {
        int users = 0;
        for (int i = 0; i < j->fields.n; i++)
          if (j->fields.v[i]->type.fk_entity == S->s->user) users++;
        if (users != 1)
          diag_add(S->d, DIAG_E0503, p->via_range,
                   "via %s: %s; name the column that holds the user: via %s(userId)", j->name,
                   users ? "it has several fields pointing at __User"
                         : "it has no field pointing at __User",
                   j->name);
      }
    }
  }
  sema_check_cond(S, p->where, resource);
}

void sema_policies(sema *S) {
  ir_schema *s = S->s;
  for (int i = 0; i < s->entities.n; i++) {
    sema_prefetch(s, i, s->entities.n, SEMA_READS_ENTITY);
    ir_entity *e = s->entities.v[i];
    for (int j = 0; j < e->policies.n; j++)
      check_policy(S, e->policies.v[j], e, 0);
  }
  for (int i = 0; i < s->system_roles.n; i++) {
    ir_system_role *r = s->system_roles.v[i];
    for (int j = 0; j < r->policies.n; j++)
      check_policy(S, r->policies.v[j], NULL, 1);
  }
  for (int i = 0; i < s->api_scopes.n; i++) {
    ir_api_scope *sc = s->api_scopes.v[i];
    for (int j = 0; j < sc->policies.n; j++)
      check_policy(S, sc->policies.v[j], NULL, 2);
  }
  /* auth.principal @from / @selectFrom */
  if (s->auth) {
    for (int i = 0; i < s->auth->principal.n; i++) {
      ir_principal_attr *pa = s->auth->principal.v[i];
      for (int j = 0; j < pa->nannots; j++) {
        ir_annot *a = pa->annots[j];
        for (int k = 0; k < a->nargs; k++) {
          ir_value *v = a->args[k];
          if (v->kind == IR_V_PATH)
            check_path(S, v, NULL);
          else if (v->kind == IR_V_COND)
            sema_check_cond(S, v->cond, NULL);
        }
      }
    }
  }
}

void sema_namespaces(sema *S) {
  ir_schema *s = S->s;
  for (int i = 0; i < s->namespaces.n; i++) {
    ir_namespace *ns = s->namespaces.v[i];
    if (!ns->scope_attr) continue;
    ir_principal_attr *pa = s->auth ? namemap_get(&s->auth->attr_map, ns->scope_attr) : NULL;
    if (!pa) {
      const char *c[64];
      int k = 0;
      for (int j = 0; s->auth && j < s->auth->principal.n && k < 64; j++)
        c[k++] = s->auth->principal.v[j]->name;
      diag *g = diag_add(S->d, DIAG_E0601, ns->scope_range,
                         "namespace '%s' is scoped by principal.%s, which auth.principal does not "
                         "declare",
                         ns->name, ns->scope_attr);
      const char *best = sema_suggest(ns->scope_attr, c, k);
      if (best)
        diag_label(S->d, g, "did you mean 'principal.%s'?", best);
      else
        diag_label(S->d, g, "declare it in auth { principal { %s: ... } }", ns->scope_attr);
      continue; /* the entities cannot be judged against an unknown scope */
    }
    for (int j = 0; j < ns->entities.n; j++) {
      ir_entity *e = ns->entities.v[j];
      e->namespace_ = ns->name;
      if (!sema_field(e, ns->scope_attr)) {
        diag *g = diag_add(S->d, DIAG_E0602, ns->entity_ranges.v[j],
                           "entity '%s' is in namespace '%s' but has no field '%s' to scope it by",
                           e->name, ns->name, ns->scope_attr);
        diag_note_add(S->d, g, e->name_range, "add '%s' to '%s'", ns->scope_attr, e->name);
      }
    }
  }
}
