/*
** snapshot.c: snapshot.json, written by hand so that the bytes are ours
** (two-space indent, \n, a final newline, keys in a fixed order) and read with
** json.c, checking every member so that a bad file is an error, not a crash.
*/
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---------------------------------------------------------- */

typedef struct jw {
  strbuf b;
  int depth;
  bool first; /* no comma before the next member */
  FILE *out;  /* when set, the text goes there an entity at a time */
  bool failed;
  bool inline_; /* members on one line: a field, an index, a foreign key */
} jw;

static void flush(jw *w) {
  if (!w->out || !w->b.n) return;
  if (fwrite(w->b.p, 1, w->b.n, w->out) != w->b.n) w->failed = true;
  w->b.n = 0;
}

static void puts_(jw *w, const char *s) {
  strbuf_puts(&w->b, s);
}

#define PUT(w, literal) strbuf_put(&(w)->b, literal, sizeof literal - 1)

static void newline(jw *w) {
  static const char spaces[] = "\n                                                                ";
  if (w->inline_) {
    PUT(w, " ");
    return;
  }
  int n = 2 * w->depth;
  if (n > (int)sizeof spaces - 2) n = (int)sizeof spaces - 2; /* deeper than any snapshot */
  strbuf_put(&w->b, spaces, (size_t)n + 1);
}

/* Bytes a JSON string cannot hold as they are; NUL ends the scan. */
static bool special(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

static void string(jw *w, const char *s) {
  size_t n = 0;
  while (!special((unsigned char)s[n]))
    n++;
  if (!s[n]) { /* nothing to escape: most names */
    strbuf_put(&w->b, "\"", 1);
    strbuf_put(&w->b, s, n);
    strbuf_put(&w->b, "\"", 1);
    return;
  }
  PUT(w, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    const unsigned char *q = p; /* the run that needs no escape: most names whole */
    while (*q >= 0x20 && *q != '"' && *q != '\\')
      q++;
    if (q > p) strbuf_put(&w->b, (const char *)p, (size_t)(q - p));
    if (!*q) break;
    char tmp[8];
    if (*q == '"')
      PUT(w, "\\\"");
    else if (*q == '\\')
      PUT(w, "\\\\");
    else if (*q == '\n')
      PUT(w, "\\n");
    else if (*q == '\t')
      PUT(w, "\\t");
    else if (*q == '\r')
      PUT(w, "\\r");
    else {
      snprintf(tmp, sizeof tmp, "\\u%04x", *q);
      puts_(w, tmp);
    }
    p = q + 1;
  }
  PUT(w, "\"");
}

/* Member separators and keys. */
static void key(jw *w, const char *k) { /* k: one of ours, plain and short */
  char tmp[48];
  size_t n = strlen(k);
  if (n > sizeof tmp - 4) n = sizeof tmp - 4;
  tmp[0] = '"';
  memcpy(tmp + 1, k, n);
  memcpy(tmp + 1 + n, "\": ", 3);
  if (!w->first) strbuf_put(&w->b, ",", 1);
  w->first = false;
  newline(w);
  strbuf_put(&w->b, tmp, n + 4);
}

static void open_(jw *w, const char *bracket) {
  puts_(w, bracket);
  w->depth++;
  w->first = true;
}

static void close_(jw *w, const char *bracket) {
  w->depth--;
  if (!w->first) newline(w);
  puts_(w, bracket);
  w->first = false;
}

static void item(jw *w) { /* an array element on its own line */
  if (!w->first) PUT(w, ",");
  w->first = false;
  newline(w);
}

static void kstr(jw *w, const char *k, const char *v) {
  key(w, k);
  string(w, v);
}

static void kbool(jw *w, const char *k, bool v) {
  key(w, k);
  puts_(w, v ? "true" : "false");
}

static void kint(jw *w, const char *k, long v) {
  char tmp[32];
  snprintf(tmp, sizeof tmp, "%ld", v);
  key(w, k);
  puts_(w, tmp);
}

/* ["a", "b"] on one line */
static void kstrings(jw *w, const char *k, const char *const *v, int n) {
  key(w, k);
  PUT(w, "[");
  for (int i = 0; i < n; i++) {
    if (i) PUT(w, ", ");
    string(w, v[i]);
  }
  PUT(w, "]");
}

static void write_default(jw *w, const st_field *f) {
  if (f->def == ST_D_NONE) return;
  key(w, "default");
  PUT(w, "{ ");
  switch (f->def) {
  case ST_D_NOW: PUT(w, "\"call\": \"now\""); break;
  case ST_D_UUID: PUT(w, "\"call\": \"uuid\""); break;
  case ST_D_STRING:
    PUT(w, "\"string\": ");
    string(w, f->def_text);
    break;
  case ST_D_NUMBER: /* as text: a double would lose bigint digits */
    PUT(w, "\"number\": ");
    string(w, f->def_text);
    break;
  case ST_D_BOOLEAN:
    PUT(w, "\"boolean\": ");
    puts_(w, f->def_text);
    break;
  case ST_D_ENUM:
    PUT(w, "\"enum\": ");
    string(w, f->def_text);
    break;
  default:
    PUT(w, "\"literal\": ");
    string(w, f->def_text);
    break;
  }
  PUT(w, " }");
}

/* An object of an array on a line of its own, its members on that line:
** `{ "name": "id", "column": "id", ... }`, as migrations.md shows them. */
static void open_inline(jw *w) {
  item(w);
  open_(w, "{");
  w->inline_ = true;
}

static void close_inline(jw *w) {
  close_(w, "}");
  w->inline_ = false;
}

static void write_indexes(jw *w, const char *k, st_index *const *v, int n) {
  key(w, k);
  open_(w, "[");
  for (int i = 0; i < n; i++) {
    open_inline(w);
    kstr(w, "name", v[i]->name);
    kstrings(w, "fields", v[i]->fields, v[i]->nfields);
    close_inline(w);
  }
  close_(w, "]");
}

static void write_document(jw *w_, const st_schema *s, const char *migration) {
  jw w = *w_;
  open_(&w, "{");
  kstr(&w, "format", ST_FORMAT);
  kstr(&w, "migration", migration ? migration : "");
  key(&w, "enums");
  open_(&w, "[");
  for (int i = 0; i < s->enums.n; i++) {
    const st_enum *e = s->enums.v[i];
    item(&w);
    open_(&w, "{");
    kstr(&w, "name", e->name);
    kstr(&w, "dbName", e->db_name);
    kstrings(&w, "values", e->members.v, e->members.n);
    close_(&w, "}");
  }
  close_(&w, "]");
  key(&w, "entities");
  open_(&w, "[");
  for (int i = 0; i < s->entities.n; i++) {
    const st_entity *e = s->entities.v[i];
    item(&w);
    open_(&w, "{");
    kstr(&w, "name", e->name);
    kstr(&w, "table", e->table);
    kstrings(&w, "primaryKey", e->pkey.v, e->pkey.n);
    kstr(&w, "primaryKeyName", e->pkey_name);
    key(&w, "fields");
    open_(&w, "[");
    for (int j = 0; j < e->fields.n; j++) {
      const st_field *f = e->fields.v[j];
      open_inline(&w);
      kstr(&w, "name", f->name);
      kstr(&w, "column", f->column);
      kstr(&w, "type", ir_type_names[f->kind]);
      if (f->kind == IR_T_DECIMAL) {
        kint(&w, "precision", f->precision);
        kint(&w, "scale", f->scale);
      }
      if (f->type_name) kstr(&w, f->kind == IR_T_ENUM ? "enum" : "typeName", f->type_name);
      kbool(&w, "nullable", f->nullable);
      kbool(&w, "array", f->array);
      if (f->max_length) kint(&w, "maxLength", f->max_length);
      if (f->sensitive) kbool(&w, "sensitive", true);
      write_default(&w, f);
      close_inline(&w);
    }
    close_(&w, "]");
    write_indexes(&w, "uniques", e->uniques.v, e->uniques.n);
    write_indexes(&w, "indexes", e->indexes.v, e->indexes.n);
    write_indexes(&w, "foreignKeyIndexes", e->fk_indexes.v, e->fk_indexes.n);
    key(&w, "foreignKeys");
    open_(&w, "[");
    for (int j = 0; j < e->fields.n; j++) {
      const st_field *f = e->fields.v[j];
      if (!f->ref_entity) continue;
      open_inline(&w);
      kstr(&w, "name", ir_key_name(s->a, e->table, &f->column, 1, "fkey"));
      kstr(&w, "field", f->name);
      kstr(&w, "references", f->ref_entity);
      kstr(&w, "referencedField", f->ref_field);
      kstr(&w, "onDelete", ir_on_delete_names[f->on_delete]);
      close_inline(&w);
    }
    close_(&w, "]");
    close_(&w, "}");
    if (w.b.n > 1 << 16) flush(&w);
  }
  close_(&w, "]");
  close_(&w, "}");
  PUT(&w, "\n");
  flush(&w);
  *w_ = w;
}

char *st_write_json(const st_schema *s, const char *migration) {
  jw w = {0};
  w.first = true;
  size_t guess = 4096; /* about the size it will have, so that it grows once or not at all */
  for (int i = 0; i < s->entities.n; i++)
    guess += 700 + 160 * (size_t)s->entities.v[i]->fields.n;
  w.b.p = malloc(guess);
  if (w.b.p) w.b.cap = guess;
  write_document(&w, s, migration);
  return w.b.p;
}

bool st_write_json_file(const st_schema *s, const char *migration, FILE *f) {
  jw w = {0};
  w.first = true;
  w.out = f;
  write_document(&w, s, migration);
  free(w.b.p);
  return !w.failed;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct reader {
  arena *a;
  strtab *names;
  const char *err;
  /* where in the document the error is: worded only when there is one */
  const char *kind, *outer, *inner; /* "entity", "Task", NULL; "field", "Task", "title" */
} reader;

static bool fail(reader *r, const char *what) {
  if (r->err) return false;
  if (!r->kind)
    r->err = what;
  else if (r->inner)
    r->err = arena_printf(r->a, "%s '%.60s.%.60s': %s", r->kind, r->outer, r->inner, what);
  else
    r->err = arena_printf(r->a, "%s '%.100s': %s", r->kind, r->outer, what);
  return false;
}

static bool is_object(const json_node *v) {
  return v && v->kind == JSON_OBJECT;
}

static bool is_string(const json_node *v) {
  return v && v->kind == JSON_STRING;
}

/* A string value, or a member's key, equal to s. */
static bool bytes_are(const char *p, uint32_t n, const char *s) {
  return strlen(s) == n && memcmp(p, s, n) == 0;
}

static const char *str_of(reader *r, const json_node *v, const char *k, bool required) {
  if (!v) {
    if (required) fail(r, arena_printf(r->a, "'%s' is missing", k));
    return NULL;
  }
  if (!is_string(v) || !v->len) {
    fail(r, arena_printf(r->a, "'%s' must be a non-empty string", k));
    return NULL;
  }
  return intern(r->names, v->str, v->len);
}

static const char *get_str(reader *r, const json_node *o, const char *k, bool required) {
  return str_of(r, json_get(o, k), k, required);
}

static bool get_bool(reader *r, const json_node *o, const char *k, bool *out) {
  const json_node *v = json_get(o, k);
  if (!v) {
    *out = false;
    return true;
  }
  if (v->kind != JSON_TRUE && v->kind != JSON_FALSE)
    return fail(r, arena_printf(r->a, "'%s' must be true or false", k));
  *out = v->kind == JSON_TRUE;
  return true;
}

static bool get_int(reader *r, const json_node *o, const char *k, int *out, int lo, int hi) {
  const json_node *v = json_get(o, k);
  if (!v) {
    *out = 0;
    return true;
  }
  /* the range first: casting a double outside int's range is undefined */
  if (v->kind != JSON_NUMBER || !(v->num >= lo && v->num <= hi) || v->num != (double)(int)v->num)
    return fail(r, arena_printf(r->a, "'%s' must be a whole number from %d to %d", k, lo, hi));
  *out = (int)v->num;
  return true;
}

static const json_node *get_array(reader *r, const json_node *o, const char *k) {
  const json_node *v = json_get(o, k);
  if (!v) return fail(r, arena_printf(r->a, "'%s' is missing", k)), NULL;
  if (v->kind != JSON_ARRAY) return fail(r, arena_printf(r->a, "'%s' must be an array", k)), NULL;
  return v;
}

static bool get_strings(reader *r, const json_node *o, const char *k, const char ***out, int *n) {
  const json_node *arr = get_array(r, o, k);
  if (!arr) return false;
  *out = arena_alloc(r->a, sizeof(char *) * (size_t)(arr->n + 1));
  *n = 0;
  for (const json_node *x = arr->child; x; x = x->next) {
    if (!is_string(x) || !x->len)
      return fail(r, arena_printf(r->a, "'%s' must hold non-empty strings", k));
    (*out)[(*n)++] = intern(r->names, x->str, x->len);
  }
  return true;
}

/* -?digits(.digits)?([eE][+-]?digits)? with no leading zeros: as written by us */
static bool valid_number(const char *s) {
  const char *p = s + (*s == '-');
  if (!(*p >= '0' && *p <= '9') || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) return false;
  while (*p >= '0' && *p <= '9')
    p++;
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  return *p == 0;
}

static bool read_default(reader *r, const json_node *o, st_field *f) {
  const json_node *d = json_get(o, "default");
  if (!d) return true;
  if (!is_object(d) || d->n != 1) return fail(r, "'default' must be an object with one member");
  const json_node *v = d->child;
  const char *text = is_string(v) ? intern(r->names, v->str, v->len) : NULL;
#define KEY_IS(s) bytes_are(v->key, v->key_len, s)
  if (KEY_IS("call") && text && (strcmp(text, "now") == 0 || strcmp(text, "uuid") == 0)) {
    f->def = text[0] == 'n' ? ST_D_NOW : ST_D_UUID;
    return true; /* no text: the call says it all */
  } else if (KEY_IS("string") && text) {
    f->def = ST_D_STRING;
  } else if (KEY_IS("enum") && text && text[0]) {
    f->def = ST_D_ENUM;
  } else if (KEY_IS("literal") && text && text[0]) {
    f->def = ST_D_LITERAL;
  } else if (KEY_IS("boolean") && (v->kind == JSON_TRUE || v->kind == JSON_FALSE)) {
    f->def = ST_D_BOOLEAN;
    f->def_text = intern_cstr(r->names, v->kind == JSON_TRUE ? "true" : "false");
    return true;
  } else if (KEY_IS("number") && text && valid_number(text)) {
    f->def = ST_D_NUMBER;
  } else {
    return fail(r, arena_printf(r->a, "unknown default '%.*s'",
                                (int)(v->key_len > 100 ? 100 : v->key_len), v->key));
  }
#undef KEY_IS
  f->def_text = text;
  return true;
}

static bool read_indexes(reader *r, const json_node *e, const char *k, void *vec) {
  typedef VEC(st_index *) ivec;
  ivec *out = vec;
  const json_node *arr = get_array(r, e, k);
  if (!arr) return false;
  for (const json_node *x = arr->child; x; x = x->next) {
    if (!is_object(x)) return fail(r, arena_printf(r->a, "'%s' must hold objects", k));
    st_index *ix = arena_alloc(r->a, sizeof *ix);
    if (!get_strings(r, x, "fields", &ix->fields, &ix->nfields)) return false;
    if (ix->nfields == 0) return fail(r, arena_printf(r->a, "an entry of '%s' has no fields", k));
    vec_push(r->a, *out, ix);
  }
  return true;
}

static bool read_entity(reader *r, st_schema *s, const json_node *e) {
  if (!is_object(e)) return fail(r, "an entity must be an object");
  st_entity *d = arena_alloc(r->a, sizeof *d);
  if (!(d->name = get_str(r, e, "name", true))) return false;
  r->kind = "entity", r->outer = d->name, r->inner = NULL;
  if (!(d->table = get_str(r, e, "table", true))) return false;
  d->table_mapped = d->table != ir_table_name_for(r->a, r->names, d->name);
  const json_node *fields = get_array(r, e, "fields");
  if (!fields) return false;
  namemap seen; /* a hash, not a scan a field: entities may be wide */
  namemap_init(&seen, r->a);
  for (const json_node *f = fields->child; f; f = f->next) {
    if (!is_object(f)) return fail(r, "a field must be an object");
    st_field *x = arena_alloc(r->a, sizeof *x);
    if (!(x->name = get_str(r, f, "name", true))) return false;
    r->kind = "field", r->inner = x->name;
    if (namemap_get(&seen, x->name)) return fail(r, "the field is listed twice");
    namemap_put(&seen, x->name, x);
    if (!(x->column = get_str(r, f, "column", true))) return false;
    const char *type = get_str(r, f, "type", true);
    if (!type) return false;
    x->kind = ir_scalar_kind(type);
    if (strcmp(type, "enum") == 0)
      x->kind = IR_T_ENUM;
    else if (strcmp(type, "embedded") == 0)
      x->kind = IR_T_EMBEDDED;
    if (x->kind == IR_T_UNRESOLVED) return fail(r, arena_printf(r->a, "unknown type '%s'", type));
    if (!get_int(r, f, "precision", &x->precision, 0, 1000) ||
        !get_int(r, f, "scale", &x->scale, 0, 1000))
      return false;
    if (x->kind == IR_T_DECIMAL && (x->precision < 1 || x->scale > x->precision))
      return fail(r, "a decimal needs 1 <= precision and scale <= precision");
    if (x->kind == IR_T_ENUM && !(x->type_name = get_str(r, f, "enum", true))) return false;
    if (x->kind == IR_T_EMBEDDED && !(x->type_name = get_str(r, f, "typeName", true))) return false;
    if (!get_bool(r, f, "nullable", &x->nullable) || !get_bool(r, f, "array", &x->array) ||
        !get_bool(r, f, "sensitive", &x->sensitive) ||
        !get_int(r, f, "maxLength", &x->max_length, 0, 1 << 30) || !read_default(r, f, x))
      return false;
    vec_push(r->a, d->fields, x);
  }
  r->kind = "entity", r->outer = d->name, r->inner = NULL;
  const char **pk;
  int npk;
  if (!get_strings(r, e, "primaryKey", &pk, &npk)) return false;
  for (int i = 0; i < npk; i++) {
    if (!st_field_find(d, pk[i]))
      return fail(r, arena_printf(r->a, "the primary key names a missing field '%s'", pk[i]));
    vec_push(r->a, d->pkey, pk[i]);
  }
  if (!read_indexes(r, e, "uniques", &d->uniques) || !read_indexes(r, e, "indexes", &d->indexes))
    return false;
  for (int i = 0; i < d->uniques.n + d->indexes.n; i++) {
    st_index *ix = i < d->uniques.n ? d->uniques.v[i] : d->indexes.v[i - d->uniques.n];
    for (int j = 0; j < ix->nfields; j++)
      if (!st_field_find(d, ix->fields[j]))
        return fail(r, arena_printf(r->a, "an index names a missing field '%s'", ix->fields[j]));
  }
  const json_node *fks = get_array(r, e, "foreignKeys");
  if (!fks) return false;
  for (const json_node *k = fks->child; k; k = k->next) {
    if (!is_object(k)) return fail(r, "'foreignKeys' must hold objects");
    const char *field = get_str(r, k, "field", true);
    const char *ref = get_str(r, k, "references", true);
    const char *rf = get_str(r, k, "referencedField", true);
    const char *od = get_str(r, k, "onDelete", true);
    if (!field || !ref || !rf || !od) return false;
    st_field *x = st_field_find(d, field);
    if (!x) return fail(r, arena_printf(r->a, "a foreign key names a missing field '%s'", field));
    x->ref_entity = ref;
    x->ref_field = rf;
    if (strcmp(od, "restrict") == 0)
      x->on_delete = IR_OD_RESTRICT;
    else if (strcmp(od, "cascade") == 0)
      x->on_delete = IR_OD_CASCADE;
    else if (strcmp(od, "setNull") == 0)
      x->on_delete = IR_OD_SET_NULL;
    else
      return fail(r, arena_printf(r->a, "unknown onDelete '%s'", od));
  }
  if (st_entity_find(s, d->name)) return fail(r, "the entity is listed twice");
  st_derive(s, d);
  st_add_entity(s, d);
  r->kind = NULL;
  return true;
}

static bool read_header(reader *r, const json_node *format_v, const json_node *migration_v,
                        const char **migration) {
  const char *format = str_of(r, format_v, "format", true);
  if (format && strcmp(format, ST_FORMAT) != 0)
    return fail(
        r, arena_printf(r->a, "unknown format '%s'; this inspirec reads %s", format, ST_FORMAT));
  if (r->err) return false;
  *migration = str_of(r, migration_v, "migration", true);
  return !r->err;
}

static bool read_enum(reader *r, st_schema *s, const json_node *e) {
  if (!is_object(e)) return fail(r, "an enum must be an object");
  st_enum *d = arena_alloc(r->a, sizeof *d);
  if (!(d->name = get_str(r, e, "name", true))) return false;
  r->kind = "enum", r->outer = d->name, r->inner = NULL;
  d->db_name = get_str(r, e, "dbName", false);
  if (r->err) return false;
  if (!d->db_name)
    d->db_name = intern_cstr(r->names, ir_truncate_ident(r->a, ir_snake_case(r->a, d->name), NULL));
  const char **v;
  int n;
  if (!get_strings(r, e, "values", &v, &n)) return false;
  if (n == 0) return fail(r, "an enum needs members");
  for (int i = 0; i < n; i++)
    vec_push(r->a, d->members, v[i]);
  if (st_enum_find(s, d->name)) return fail(r, "the enum is listed twice");
  st_add_enum(s, d);
  r->kind = NULL;
  return true;
}

/* References must land on existing fields and enums; then the order. */
static bool finish(reader *r, st_schema *s) {
  for (int i = 0; i < s->entities.n; i++)
    for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
      st_field *f = s->entities.v[i]->fields.v[j];
      st_entity *t = f->ref_entity ? st_entity_find(s, f->ref_entity) : NULL;
      if (f->ref_entity && (!t || !st_field_find(t, f->ref_field)))
        return fail(r, arena_printf(r->a, "field '%s.%s' references the missing '%s.%s'",
                                    s->entities.v[i]->name, f->name, f->ref_entity, f->ref_field));
      if (f->kind == IR_T_ENUM && !st_enum_find(s, f->type_name))
        return fail(r, arena_printf(r->a, "field '%s.%s' uses the missing enum '%s'",
                                    s->entities.v[i]->name, f->name, f->type_name));
    }
  st_sort(s);
  return true;
}

/* An array of objects, each read by one(), its tree given back after it. */
static bool stream_array(json_cursor *c, arena *tree, reader *r, st_schema *s,
                         bool (*one)(reader *, st_schema *, const json_node *)) {
  if (!json_cursor_char(c, '[')) return false;
  if (json_cursor_char(c, ']')) return true;
  arena_mark m = arena_save(tree);
  do {
    const json_node *x = json_cursor_value(c, tree);
    if (!x || !one(r, s, x)) return false;
    arena_rewind(tree, m);
  } while (json_cursor_char(c, ','));
  return json_cursor_char(c, ']');
}

/* The layout st_write_json writes, read an entity at a time: the tree of the
** whole document would be twice the size of the state.  NULL for anything
** else, good or bad; the whole tree then tells which. */
static st_schema *read_streaming(reader *r, const char *text, size_t len, arena *tree,
                                 const char **migration) {
  json_cursor c;
  json_cursor_init(&c, tree, text, len);
  if (!json_cursor_char(&c, '{') || !json_cursor_key(&c, "format")) return NULL;
  const json_node *format = json_cursor_value(&c, tree);
  if (!format || !json_cursor_char(&c, ',') || !json_cursor_key(&c, "migration")) return NULL;
  const json_node *name = json_cursor_value(&c, tree);
  if (!name || !read_header(r, format, name, migration)) return NULL;
  st_schema *s = st_new(r->a, r->names);
  if (!json_cursor_char(&c, ',') || !json_cursor_key(&c, "enums") ||
      !stream_array(&c, tree, r, s, read_enum) || !json_cursor_char(&c, ',') ||
      !json_cursor_key(&c, "entities") || !stream_array(&c, tree, r, s, read_entity) ||
      !json_cursor_char(&c, '}') || !json_cursor_end(&c) || !finish(r, s))
    return NULL;
  return s;
}

static st_schema *read_tree(reader *r, const json_node *root, const char **migration) {
  if (!is_object(root)) return fail(r, "the snapshot must be a JSON object"), NULL;
  if (!read_header(r, json_get(root, "format"), json_get(root, "migration"), migration))
    return NULL;
  st_schema *s = st_new(r->a, r->names);
  const json_node *enums = get_array(r, root, "enums");
  if (!enums) return NULL;
  for (const json_node *e = enums->child; e; e = e->next)
    if (!read_enum(r, s, e)) return NULL;
  const json_node *ents = get_array(r, root, "entities");
  if (!ents) return NULL;
  for (const json_node *e = ents->child; e; e = e->next)
    if (!read_entity(r, s, e)) return NULL;
  return finish(r, s) ? s : NULL;
}

st_schema *st_read_json(arena *a, strtab *names, const char *text, size_t len,
                        const char **migration, const char **err, long *err_off) {
  reader r = {a, names, NULL, NULL, NULL, NULL};
  *err = NULL;
  *err_off = -1;
  arena tree; /* JSON trees live only while they are read */
  arena_init(&tree);
  st_schema *s = read_streaming(&r, text, len, &tree, migration);
  if (!s) {
    arena_free(&tree);
    reader again = {a, names, NULL, NULL, NULL, NULL};
    r = again;
    json_node *root = json_parse(&tree, text, len, err_off);
    if (!root) {
      arena_free(&tree);
      *err = "not valid JSON";
      return NULL;
    }
    s = read_tree(&r, root, migration);
  }
  arena_free(&tree);
  if (r.err) {
    *err = r.err;
    return NULL;
  }
  return s;
}
