/*
** dump.c: the resolved schema as JSON, for `inspirec check --dump-ir` and the
** golden tests.  Everything in declaration order; the output is the same bytes
** on every machine.
*/
#include "ir.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static cJSON *value_json(const ir_value *v);
static cJSON *block_json(const ir_block *b);

static void add_str(cJSON *o, const char *k, const char *v) {
  if (v) cJSON_AddStringToObject(o, k, v);
}

static void add_true(cJSON *o, const char *k, bool v) {
  if (v) cJSON_AddTrueToObject(o, k);
}

static char *path_text(const ir_value *v) {
  size_t n = 1;
  for (int i = 0; i < v->nparts; i++)
    n += strlen(v->parts[i]) + 1;
  char *s = malloc(n);
  s[0] = 0;
  for (int i = 0; i < v->nparts; i++) {
    if (i) strcat(s, ".");
    strcat(s, v->parts[i]);
  }
  return s;
}

/* Conditions print back as written, fully parenthesised below the top. */
static void cond_text(const ir_cond *c, strbuf *b, int depth);

static void cond_text(const ir_cond *c, strbuf *b, int depth) {
  static const char *const ops[] = {"", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!"};
  if (c->op == IR_C_VALUE) {
    const ir_value *v = c->value;
    if (v->kind == IR_V_PATH) {
      char *p = path_text(v);
      strbuf_puts(b, p);
      free(p);
    } else if (v->kind == IR_V_STRING) {
      cJSON *s = cJSON_CreateString(v->text);
      char *p = cJSON_PrintUnformatted(s);
      strbuf_puts(b, p);
      free(p);
      cJSON_Delete(s);
    } else {
      strbuf_puts(b, v->text ? v->text : "?");
    }
    return;
  }
  if (depth > 64) {
    strbuf_puts(b, "...");
    return;
  }
  if (c->op == IR_C_NOT) {
    /* a binary operand parenthesises itself below the top */
    strbuf_puts(b, "!");
    cond_text(c->l, b, depth + 1);
    return;
  }
  if (depth) strbuf_puts(b, "(");
  cond_text(c->l, b, depth + 1);
  strbuf_puts(b, " ");
  strbuf_puts(b, ops[c->op]);
  strbuf_puts(b, " ");
  cond_text(c->r, b, depth + 1);
  if (depth) strbuf_puts(b, ")");
}

static cJSON *cond_json(const ir_cond *c) {
  strbuf b = {0};
  strbuf_puts(&b, "");
  cond_text(c, &b, 0);
  cJSON *s = cJSON_CreateString(b.p);
  free(b.p);
  return s;
}

static cJSON *value_json(const ir_value *v) {
  cJSON *o;
  switch (v->kind) {
  case IR_V_STRING: return cJSON_CreateString(v->text);
  case IR_V_NUMBER: return cJSON_CreateNumber(v->num);
  case IR_V_DURATION:
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "duration", v->text);
    cJSON_AddNumberToObject(o, "ms", (double)v->ms);
    return o;
  case IR_V_RATE:
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rate", (double)v->ms);
    cJSON_AddStringToObject(o, "per", v->unit);
    return o;
  case IR_V_PATH: {
    if (v->nparts == 1 && strcmp(v->parts[0], "true") == 0) return cJSON_CreateTrue();
    if (v->nparts == 1 && strcmp(v->parts[0], "false") == 0) return cJSON_CreateFalse();
    char *p = path_text(v);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p);
    free(p);
    return o;
  }
  case IR_V_CALL: {
    char *p = path_text(v);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "call", p);
    free(p);
    cJSON *args = cJSON_AddArrayToObject(o, "args");
    for (int i = 0; i < v->nitems; i++)
      cJSON_AddItemToArray(args, value_json(v->items[i]));
    return o;
  }
  case IR_V_LIST:
    o = cJSON_CreateArray();
    for (int i = 0; i < v->nitems; i++)
      cJSON_AddItemToArray(o, value_json(v->items[i]));
    return o;
  case IR_V_PAIR:
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", v->text);
    cJSON_AddItemToObject(o, "value", value_json(v->value));
    return o;
  case IR_V_OBJECT: return block_json(v->block);
  case IR_V_ANNOT: {
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "annotation", v->text);
    cJSON *args = cJSON_AddArrayToObject(o, "args");
    for (int i = 0; i < v->nitems; i++)
      cJSON_AddItemToArray(args, value_json(v->items[i]));
    return o;
  }
  case IR_V_COND:
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "where", cond_json(v->cond));
    return o;
  case IR_V_STAR: return cJSON_CreateString("*");
  }
  return cJSON_CreateNull();
}

static cJSON *annot_json(const ir_annot *a) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "annotation", a->name);
  if (a->nargs) {
    cJSON *args = cJSON_AddArrayToObject(o, "args");
    for (int i = 0; i < a->nargs; i++)
      cJSON_AddItemToArray(args, value_json(a->args[i]));
  }
  if (a->nwords) {
    cJSON *w = cJSON_AddArrayToObject(o, "words");
    for (int i = 0; i < a->nwords; i++)
      cJSON_AddItemToArray(w, cJSON_CreateString(a->words[i]));
  }
  if (a->block) cJSON_AddItemToObject(o, "block", block_json(a->block));
  return o;
}

static cJSON *policy_json(const ir_policy *p);

/* Generic blocks (network, email, integration settings): members in order. */
static cJSON *block_json(const ir_block *b) {
  cJSON *arr = cJSON_CreateArray();
  for (int i = 0; i < b->n; i++) {
    const ir_item *it = b->items[i];
    cJSON *o = cJSON_CreateObject();
    switch (it->kind) {
    case IR_I_KV:
      cJSON_AddStringToObject(o, "key", it->key);
      cJSON_AddItemToObject(o, "value", value_json(it->value));
      add_true(o, "nullable", it->nullable);
      if (it->block) cJSON_AddItemToObject(o, "block", block_json(it->block));
      if (it->nannots) {
        cJSON *an = cJSON_AddArrayToObject(o, "annotations");
        for (int j = 0; j < it->nannots; j++)
          cJSON_AddItemToArray(an, annot_json(it->annots[j]));
      }
      break;
    case IR_I_BLOCK:
    case IR_I_NAMED_BLOCK:
      cJSON_AddStringToObject(o, "key", it->key);
      add_str(o, "name", it->name);
      cJSON_AddItemToObject(o, "block", block_json(it->block));
      break;
    case IR_I_ANNOT: cJSON_AddItemToObject(o, "annotation", annot_json(it->annot)); break;
    case IR_I_POLICY: cJSON_AddItemToObject(o, "policy", policy_json(it->policy)); break;
    default: add_str(o, "key", it->key); break;
    }
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static cJSON *policy_json(const ir_policy *p) {
  static const char *const principals[] = {NULL, "*", "@public", "role", "named"};
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "effect", p->deny ? "deny" : "grant");
  cJSON *a = cJSON_AddArrayToObject(o, "actions");
  for (int i = 0; i < p->nactions; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(p->actions[i]));
  if (p->principal != IR_P_NONE) {
    add_str(o, "to", principals[p->principal]);
    if (p->principal == IR_P_ROLE || p->principal == IR_P_NAMED) add_str(o, "role", p->role);
  }
  add_str(o, "via", p->via);
  add_str(o, "viaColumn", p->via_column);
  if (p->where) cJSON_AddItemToObject(o, "where", cond_json(p->where));
  add_str(o, "on", p->on);
  add_str(o, "why", p->why);
  return o;
}

static cJSON *trigger_json(const ir_trigger *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "kind", t->effect ? "effect" : "trigger");
  cJSON *ev = cJSON_AddArrayToObject(o, "events");
  for (int i = 0; i < t->nevents; i++)
    cJSON_AddItemToArray(ev, cJSON_CreateString(t->events[i]));
  add_str(o, "field", t->field);
  add_str(o, "function", t->function);
  if (t->effect) {
    cJSON_AddNumberToObject(o, "retries", t->retries);
    add_str(o, "backoff", t->backoff);
    if (t->backoff) cJSON_AddNumberToObject(o, "backoffMs", (double)t->backoff_ms);
    cJSON_AddNumberToObject(o, "timeoutMs", (double)t->timeout_ms);
  }
  return o;
}

static void add_type(cJSON *o, const ir_typeref *t) {
  if (t->kind == IR_T_LITERAL) {
    cJSON_AddStringToObject(o, "type", "literal");
    cJSON_AddStringToObject(o, "literal", t->literal);
    return;
  }
  cJSON_AddStringToObject(o, "type", ir_type_names[t->kind]);
  if (t->kind == IR_T_DECIMAL) {
    cJSON_AddNumberToObject(o, "precision", t->precision);
    cJSON_AddNumberToObject(o, "scale", t->scale);
  }
  if (t->enum_) cJSON_AddStringToObject(o, "enum", t->enum_->name);
  if (t->embedded)
    cJSON_AddStringToObject(o, "typeName", t->embedded->name ? t->embedded->name : "");
  cJSON_AddBoolToObject(o, "nullable", t->nullable);
  cJSON_AddBoolToObject(o, "array", t->array_depth > 0);
  if (t->fk_entity && t->member) {
    cJSON *r = cJSON_AddObjectToObject(o, "references");
    cJSON_AddStringToObject(r, "entity", t->fk_entity->name);
    cJSON_AddStringToObject(r, "field", t->member);
  }
}

/* A number exactly as written (no trip through double: bigint defaults keep
** every digit), minus leading zeros, which JSON does not allow. */
static void add_number_text(cJSON *o, const char *key, const char *text) {
  char buf[128];
  size_t n = 0;
  const char *p = text;
  if (*p == '-') buf[n++] = *p++;
  while (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
    p++;
  while (*p && n < sizeof buf - 1)
    buf[n++] = *p++;
  buf[n] = 0;
  cJSON_AddRawToObject(o, key, buf);
}

static cJSON *default_json(const ir_field *f) {
  const ir_value *v = f->def;
  cJSON *o = cJSON_CreateObject();
  switch (f->def_kind) {
  case IR_D_NOW: cJSON_AddStringToObject(o, "call", "now"); break;
  case IR_D_UUID: cJSON_AddStringToObject(o, "call", "uuid"); break;
  case IR_D_ENUM:
    cJSON_AddStringToObject(o, "enum", v->kind == IR_V_STRING ? v->text : v->parts[0]);
    break;
  case IR_D_LIST: cJSON_AddItemToObject(o, "list", value_json(v)); break;
  case IR_D_JSON: cJSON_AddItemToObject(o, "json", value_json(v)); break;
  default:
    if (v->kind == IR_V_STRING)
      cJSON_AddStringToObject(o, "string", v->text);
    else if (v->kind == IR_V_NUMBER)
      add_number_text(o, "number", v->text);
    else if (v->kind == IR_V_PATH && v->nparts == 1 && strcmp(v->parts[0], "true") == 0)
      cJSON_AddTrueToObject(o, "boolean");
    else if (v->kind == IR_V_PATH && v->nparts == 1 && strcmp(v->parts[0], "false") == 0)
      cJSON_AddFalseToObject(o, "boolean");
    else
      cJSON_AddItemToObject(o, "value", value_json(v));
    break;
  }
  return o;
}

static cJSON *field_json(const ir_field *f, bool column) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", f->name);
  if (column) add_str(o, "column", f->column);
  add_type(o, &f->type);
  if (f->def) cJSON_AddItemToObject(o, "default", default_json(f));
  add_true(o, "primaryKey", f->primary_key);
  add_true(o, "unique", f->unique);
  add_true(o, "index", f->index);
  if (f->type.member) cJSON_AddStringToObject(o, "onDelete", ir_on_delete_names[f->on_delete]);
  add_true(o, "sensitive", f->sensitive);
  add_true(o, "pii", f->pii);
  add_true(o, "implicit", f->implicit);
  add_str(o, "renamedFrom", f->renamed_from);
  add_str(o, "doc", f->doc);
  if (f->nannots) {
    cJSON *an = cJSON_AddArrayToObject(o, "annotations");
    for (int i = 0; i < f->nannots; i++)
      cJSON_AddItemToArray(an, annot_json(f->annots[i]));
  }
  return o;
}

static cJSON *index_json(const ir_index *ix) {
  cJSON *o = cJSON_CreateObject();
  add_str(o, "name", ix->name);
  cJSON *f = cJSON_AddArrayToObject(o, "fields");
  for (int i = 0; i < ix->nfields; i++)
    cJSON_AddItemToArray(f, cJSON_CreateString(ix->fields[i]->name));
  add_true(o, "forForeignKey", ix->from_fk);
  return o;
}

static cJSON *entity_json(const ir_entity *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", e->name);
  cJSON_AddStringToObject(o, "table", e->table ? e->table : "");
  add_true(o, "builtin", e->builtin);
  add_str(o, "namespace", e->namespace_);
  add_str(o, "renamedFrom", e->renamed_from);
  add_str(o, "doc", e->doc);
  if (e->pkey) cJSON_AddItemToObject(o, "primaryKey", index_json(e->pkey));
  cJSON *fields = cJSON_AddArrayToObject(o, "fields");
  for (int i = 0; i < e->fields.n; i++)
    cJSON_AddItemToArray(fields, field_json(e->fields.v[i], true));
  cJSON *u = cJSON_AddArrayToObject(o, "uniques");
  for (int i = 0; i < e->uniques.n; i++)
    cJSON_AddItemToArray(u, index_json(e->uniques.v[i]));
  cJSON *ix = cJSON_AddArrayToObject(o, "indexes");
  for (int i = 0; i < e->indexes.n; i++)
    cJSON_AddItemToArray(ix, index_json(e->indexes.v[i]));
  cJSON *fks = cJSON_AddArrayToObject(o, "foreignKeys");
  for (int i = 0; i < e->fks.n; i++) {
    const ir_fk *fk = e->fks.v[i];
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "name", fk->name);
    cJSON_AddStringToObject(k, "field", fk->field->name);
    cJSON_AddStringToObject(k, "column", fk->field->column);
    cJSON_AddStringToObject(k, "references", fk->target->name);
    cJSON_AddStringToObject(k, "table", fk->target->table);
    cJSON_AddStringToObject(k, "referencedColumn", fk->target_field->column);
    cJSON_AddStringToObject(k, "onDelete", ir_on_delete_names[fk->on_delete]);
    cJSON_AddItemToArray(fks, k);
  }
  if (e->policies.n) {
    cJSON *p = cJSON_AddArrayToObject(o, "policies");
    for (int i = 0; i < e->policies.n; i++)
      cJSON_AddItemToArray(p, policy_json(e->policies.v[i]));
  }
  if (e->triggers.n) {
    cJSON *t = cJSON_AddArrayToObject(o, "triggers");
    for (int i = 0; i < e->triggers.n; i++)
      cJSON_AddItemToArray(t, trigger_json(e->triggers.v[i]));
  }
  return o;
}

static cJSON *texpr_json(const ir_texpr *x, int depth) {
  cJSON *o = cJSON_CreateObject();
  if (depth > 64) return o;
  switch (x->kind) {
  case IR_TX_NAME: cJSON_AddStringToObject(o, "name", x->name); break;
  case IR_TX_STRUCT: {
    cJSON *f = cJSON_AddArrayToObject(o, "fields");
    for (int i = 0; i < x->structure->fields.n; i++)
      cJSON_AddItemToArray(f, field_json(x->structure->fields.v[i], false));
    break;
  }
  case IR_TX_LIST: {
    cJSON *n = cJSON_AddArrayToObject(o, "fields");
    for (int i = 0; i < x->nnames; i++)
      cJSON_AddItemToArray(n, cJSON_CreateString(x->names[i]));
    break;
  }
  default: {
    const char *k = x->kind == IR_TX_GENERIC ? x->name
                    : x->kind == IR_TX_UNION ? "union"
                                             : "intersection";
    cJSON_AddStringToObject(o, "op", k);
    cJSON *a = cJSON_AddArrayToObject(o, "args");
    for (int i = 0; i < x->nargs; i++)
      cJSON_AddItemToArray(a, texpr_json(x->args[i], depth + 1));
  }
  }
  return o;
}

static cJSON *type_json(const ir_type *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", t->name ? t->name : "");
  add_str(o, "doc", t->doc);
  if (t->expr) {
    cJSON_AddItemToObject(o, "expr", texpr_json(t->expr, 0));
  } else {
    cJSON *f = cJSON_AddArrayToObject(o, "fields");
    for (int i = 0; i < t->fields.n; i++)
      cJSON_AddItemToArray(f, field_json(t->fields.v[i], false));
  }
  return o;
}

static cJSON *strings(const char *const *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static cJSON *auth_json(const ir_auth *au) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "providers", strings(au->providers, au->nproviders));
  if (au->session_ms) cJSON_AddNumberToObject(o, "sessionMs", (double)au->session_ms);
  add_str(o, "mfa", au->mfa);
  add_str(o, "linking", au->linking);
  if (au->has_password) {
    cJSON *p = cJSON_AddObjectToObject(o, "password");
    cJSON_AddNumberToObject(p, "minLength", au->password_min_length);
    cJSON_AddBoolToObject(p, "requireUppercase", au->require_uppercase);
    cJSON_AddBoolToObject(p, "requireDigit", au->require_digit);
    cJSON_AddBoolToObject(p, "requireSpecial", au->require_special);
    cJSON_AddBoolToObject(p, "blockCommon", au->block_common);
    cJSON_AddBoolToObject(p, "breachCheck", au->breach_check);
  }
  cJSON *pr = cJSON_AddArrayToObject(o, "principal");
  for (int i = 0; i < au->principal.n; i++) {
    const ir_principal_attr *pa = au->principal.v[i];
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "name", pa->name);
    add_type(a, &pa->type);
    for (int j = 0; j < pa->nannots; j++) {
      const ir_annot *an = pa->annots[j];
      cJSON *src = cJSON_AddObjectToObject(a, an->name);
      if (an->nargs && an->args[0]->kind == IR_V_PATH) {
        char *p = path_text(an->args[0]);
        cJSON_AddStringToObject(src, "path", p);
        free(p);
      }
      if (an->nargs == 2 && an->args[1]->kind == IR_V_COND)
        cJSON_AddItemToObject(src, "where", cond_json(an->args[1]->cond));
    }
    cJSON_AddItemToArray(pr, a);
  }
  return o;
}

char *ir_dump_json(const ir_schema *s) {
  cJSON *root = cJSON_CreateObject();
  cJSON *ents = cJSON_AddArrayToObject(root, "entities");
  for (int i = 0; i < s->entities.n; i++)
    cJSON_AddItemToArray(ents, entity_json(s->entities.v[i]));
  cJSON *enums = cJSON_AddArrayToObject(root, "enums");
  for (int i = 0; i < s->enums.n; i++) {
    const ir_enum *e = s->enums.v[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", e->name);
    cJSON_AddStringToObject(o, "dbName", e->db_name ? e->db_name : "");
    add_str(o, "doc", e->doc);
    cJSON *m = cJSON_AddArrayToObject(o, "members");
    for (int j = 0; j < e->members.n; j++) {
      const ir_enum_member *em = e->members.v[j];
      if (em->renamed_from || em->doc) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", em->name);
        add_str(x, "renamedFrom", em->renamed_from);
        add_str(x, "doc", em->doc);
        cJSON_AddItemToArray(m, x);
      } else {
        cJSON_AddItemToArray(m, cJSON_CreateString(em->name));
      }
    }
    cJSON_AddItemToArray(enums, o);
  }
  cJSON *types = cJSON_AddArrayToObject(root, "types");
  for (int i = 0; i < s->types.n; i++)
    cJSON_AddItemToArray(types, type_json(s->types.v[i]));
  cJSON *vals = cJSON_AddArrayToObject(root, "validationTypes");
  for (int i = 0; i < s->validations.n; i++)
    cJSON_AddItemToArray(vals, type_json(s->validations.v[i]));
  if (s->auth) cJSON_AddItemToObject(root, "auth", auth_json(s->auth));
  if (s->namespaces.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "namespaces");
    for (int i = 0; i < s->namespaces.n; i++) {
      const ir_namespace *ns = s->namespaces.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", ns->name);
      add_str(o, "scope", ns->scope_attr);
      cJSON *e = cJSON_AddArrayToObject(o, "entities");
      for (int j = 0; j < ns->entities.n; j++)
        cJSON_AddItemToArray(e, cJSON_CreateString(ns->entities.v[j]->name));
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->routes.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "routes");
    for (int i = 0; i < s->routes.n; i++) {
      const ir_route *r = s->routes.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "method", r->method);
      cJSON_AddStringToObject(o, "path", r->path);
      add_str(o, "handler", r->handler);
      add_str(o, "auth", r->auth);
      add_str(o, "apiKeyScope", r->api_scope);
      if (r->rate_limit) {
        cJSON_AddNumberToObject(o, "rateLimit", (double)r->rate_limit);
        add_str(o, "ratePer", r->rate_unit);
      }
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->api_scopes.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "apiKeyScopes");
    for (int i = 0; i < s->api_scopes.n; i++) {
      const ir_api_scope *sc = s->api_scopes.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", sc->name);
      cJSON_AddStringToObject(o, "systemRole", sc->system_role);
      cJSON *p = cJSON_AddArrayToObject(o, "policies");
      for (int j = 0; j < sc->policies.n; j++)
        cJSON_AddItemToArray(p, policy_json(sc->policies.v[j]));
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->system_roles.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "systemRoles");
    for (int i = 0; i < s->system_roles.n; i++) {
      const ir_system_role *r = s->system_roles.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", r->name);
      add_str(o, "displayName", r->display_name);
      cJSON *p = cJSON_AddArrayToObject(o, "policies");
      for (int j = 0; j < r->policies.n; j++)
        cJSON_AddItemToArray(p, policy_json(r->policies.v[j]));
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->schedules.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "schedules");
    for (int i = 0; i < s->schedules.n; i++) {
      const ir_schedule *sc = s->schedules.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", sc->name);
      add_str(o, "cron", sc->cron);
      add_str(o, "function", sc->function);
      if (sc->timeout_ms) cJSON_AddNumberToObject(o, "timeoutMs", (double)sc->timeout_ms);
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->payments) {
    const ir_payments *p = s->payments;
    cJSON *o = cJSON_AddObjectToObject(root, "payments");
    cJSON_AddItemToObject(o, "secrets", strings(p->secrets.v, p->secrets.n));
    cJSON *plans = cJSON_AddArrayToObject(o, "plans");
    for (int i = 0; i < p->plans.n; i++) {
      const ir_price_plan *pl = p->plans.v[i];
      cJSON *x = cJSON_CreateObject();
      cJSON_AddStringToObject(x, "name", pl->name);
      cJSON_AddItemToObject(x, "stripePrices", strings(pl->stripe_prices.v, pl->stripe_prices.n));
      cJSON_AddBoolToObject(x, "perSeat", pl->per_seat);
      cJSON_AddItemToObject(x, "legacyPrices", strings(pl->legacy_prices.v, pl->legacy_prices.n));
      cJSON_AddItemToArray(plans, x);
    }
    if (p->seat_entity) cJSON_AddStringToObject(o, "seatEntity", p->seat_entity->name);
    if (p->billing_entity) cJSON_AddStringToObject(o, "billingEntity", p->billing_entity->name);
    cJSON *tr = cJSON_AddArrayToObject(o, "trials");
    for (int i = 0; i < p->trials.n; i++)
      cJSON_AddItemToArray(tr, value_json(p->trials.v[i]));
    if (p->grace_ms) cJSON_AddNumberToObject(o, "gracePeriodMs", (double)p->grace_ms);
    add_str(o, "graceAction", p->grace_action);
    cJSON *ef = cJSON_AddArrayToObject(o, "effects");
    for (int i = 0; i < p->effects.n; i++)
      cJSON_AddItemToArray(ef, trigger_json(p->effects.v[i]));
  }
  if (s->integrations.n) {
    cJSON *a = cJSON_AddArrayToObject(root, "integrations");
    for (int i = 0; i < s->integrations.n; i++) {
      const ir_integration *in = s->integrations.v[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", in->name);
      cJSON_AddStringToObject(o, "provider", in->provider);
      add_str(o, "mode", in->mode);
      add_str(o, "onboarding", in->onboarding);
      add_str(o, "access", in->access);
      add_str(o, "clientIdSecret", in->client_id_secret);
      add_str(o, "clientSecretSecret", in->client_secret_secret);
      cJSON_AddItemToObject(o, "scopes", strings(in->scopes.v, in->scopes.n));
      cJSON_AddItemToObject(o, "upgradeScopes",
                            strings(in->upgrade_scopes.v, in->upgrade_scopes.n));
      cJSON_AddItemToObject(o, "settings", block_json(in->block));
      cJSON_AddItemToArray(a, o);
    }
  }
  if (s->network) cJSON_AddItemToObject(root, "network", block_json(s->network));
  if (s->email) cJSON_AddItemToObject(root, "email", block_json(s->email));
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}
