/*
** snapshot_read.c: snapshot.json read back, checking every member so that a
** bad file is an error, not a crash.  A fast reader takes the layout
** snapshot_write.c writes; json.c's general readers take any other JSON.
*/
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct reader {
  arena *a;
  strtab *names;
  const char *err;
  /* where in the document the error is: worded only when there is one */
  const char *kind, *outer, *inner; /* "entity", "Task", NULL; "field", "Task", "title" */
  bool keep; /* the text outlives the state: entities keep their bytes (st_entity.text) */
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

/* The one member of a field's "default": its key, and its value as an
** interned string (text) or a JSON boolean (kind); both readers end here. */
static bool set_default(reader *r, st_field *f, const char *key, uint32_t key_len, json_kind kind,
                        const char *text) {
#define KEY_IS(s) bytes_are(key, key_len, s)
  if (KEY_IS("call") && text && (strcmp(text, "now") == 0 || strcmp(text, "uuid") == 0)) {
    f->def = text[0] == 'n' ? ST_D_NOW : ST_D_UUID;
    return true; /* no text: the call says it all */
  } else if (KEY_IS("string") && text) {
    f->def = ST_D_STRING;
  } else if (KEY_IS("enum") && text && text[0]) {
    f->def = ST_D_ENUM;
  } else if (KEY_IS("literal") && text && text[0]) {
    f->def = ST_D_LITERAL;
  } else if (KEY_IS("boolean") && (kind == JSON_TRUE || kind == JSON_FALSE)) {
    f->def = ST_D_BOOLEAN;
    f->def_text = intern_cstr(r->names, kind == JSON_TRUE ? "true" : "false");
    return true;
  } else if (KEY_IS("number") && text && valid_number(text)) {
    f->def = ST_D_NUMBER;
  } else {
    return fail(
        r, arena_printf(r->a, "unknown default '%.*s'", (int)(key_len > 100 ? 100 : key_len), key));
  }
#undef KEY_IS
  f->def_text = text;
  return true;
}

static bool read_default(reader *r, const json_node *o, st_field *f) {
  const json_node *d = json_get(o, "default");
  if (!d) return true;
  if (!is_object(d) || d->n != 1) return fail(r, "'default' must be an object with one member");
  const json_node *v = d->child;
  return set_default(r, f, v->key, v->key_len, v->kind,
                     is_string(v) ? intern(r->names, v->str, v->len) : NULL);
}

/* The checks and links both readers share, once an entity's members are read. */
static bool set_type(reader *r, st_field *x, const char *type) {
  x->kind = ir_scalar_kind(type);
  if (strcmp(type, "enum") == 0)
    x->kind = IR_T_ENUM;
  else if (strcmp(type, "embedded") == 0)
    x->kind = IR_T_EMBEDDED;
  if (x->kind == IR_T_UNRESOLVED) return fail(r, arena_printf(r->a, "unknown type '%s'", type));
  return true;
}

static bool check_decimal(reader *r, const st_field *x) {
  if (x->kind == IR_T_DECIMAL && (x->precision < 1 || x->scale > x->precision))
    return fail(r, "a decimal needs 1 <= precision and scale <= precision");
  return true;
}

static bool set_pkey(reader *r, st_entity *d, const char **pk, int npk) {
  for (int i = 0; i < npk; i++) {
    if (!st_field_find(d, pk[i]))
      return fail(r, arena_printf(r->a, "the primary key names a missing field '%s'", pk[i]));
    vec_push(r->a, d->pkey, pk[i]);
  }
  return true;
}

static bool check_index_fields(reader *r, const st_entity *d) {
  for (int i = 0; i < d->uniques.n + d->indexes.n; i++) {
    st_index *ix = i < d->uniques.n ? d->uniques.v[i] : d->indexes.v[i - d->uniques.n];
    for (int j = 0; j < ix->nfields; j++)
      if (!st_field_find(d, ix->fields[j]))
        return fail(r, arena_printf(r->a, "an index names a missing field '%s'", ix->fields[j]));
  }
  return true;
}

static bool set_fk(reader *r, st_entity *d, const char *field, const char *ref, const char *rf,
                   const char *od) {
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
  return true;
}

static bool add_entity(reader *r, st_schema *s, st_entity *d) {
  if (st_entity_find(s, d->name)) return fail(r, "the entity is listed twice");
  st_derive(s, d);
  st_add_entity(s, d);
  r->kind = NULL;
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
    if (!type || !set_type(r, x, type)) return false;
    if (!get_int(r, f, "precision", &x->precision, 0, 1000) ||
        !get_int(r, f, "scale", &x->scale, 0, 1000) || !check_decimal(r, x))
      return false;
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
  if (!get_strings(r, e, "primaryKey", &pk, &npk) || !set_pkey(r, d, pk, npk)) return false;
  if (!read_indexes(r, e, "uniques", &d->uniques) || !read_indexes(r, e, "indexes", &d->indexes) ||
      !check_index_fields(r, d))
    return false;
  const json_node *fks = get_array(r, e, "foreignKeys");
  if (!fks) return false;
  for (const json_node *k = fks->child; k; k = k->next) {
    if (!is_object(k)) return fail(r, "'foreignKeys' must hold objects");
    const char *field = get_str(r, k, "field", true);
    const char *ref = get_str(r, k, "references", true);
    const char *rf = get_str(r, k, "referencedField", true);
    const char *od = get_str(r, k, "onDelete", true);
    if (!field || !ref || !rf || !od || !set_fk(r, d, field, ref, rf, od)) return false;
  }
  return add_entity(r, s, d);
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

/* ---- the fast reader: the layout st_write_json writes ------------------ */

/* Every snapshot inspirec reads was written by st_write_json: keys in its
** order, its white space, strings without escapes.  This reader takes exactly
** those bytes, one pass straight into the state with no tree (the tree was
** most of reading a snapshot, and reading one was a third of `plan`), and
** gives up at the first byte that differs, white space included; the general
** readers then read the document, or say what is wrong with it.  So it checks
** what read_entity checks or gives up, and never reports an error itself.
**
** The writer's text between two values is a literal (`", "column": "`, a line
** break and its indent), so the reader compares literals of known length, a
** few loads each, instead of skipping white space and matching a character
** at a time: that was two thirds of its instructions. */
typedef struct fast {
  const char *p, *end;
  arena *a;     /* for strings with escapes, decoded */
  bool escaped; /* a string with escapes was read: the writer may write it otherwise */
} fast;

/* Bytes a string's plain run stops at: '"', '\\' and the controls. */
static const bool string_stop[256] = {
    [0] = 1,  [1] = 1,  [2] = 1,  [3] = 1,  [4] = 1,  [5] = 1,   [6] = 1,    [7] = 1,  [8] = 1,
    [9] = 1,  [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1,  [15] = 1,   [16] = 1, [17] = 1,
    [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1,  [24] = 1,   [25] = 1, [26] = 1,
    [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1, ['"'] = 1, ['\\'] = 1,
};

/* The next bytes are the literal s (of length n, known where it is called):
** then past them. */
#define LIT(x, s) fast_lit(x, "" s "", sizeof s - 1)
static inline uint64_t fast_word(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Words compared, the last one overlapping: with n and s known, the words of
** s are constants and the loop unrolls, where memcmp was a call for each. */
static inline __attribute__((always_inline)) bool fast_lit(fast *x, const char *s, size_t n) {
  if ((size_t)(x->end - x->p) < n) return false;
  if (n < 8) {
    if (memcmp(x->p, s, n) != 0) return false;
  } else {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (fast_word(x->p + i) != fast_word(s + i)) return false;
    if (fast_word(x->p + n - 8) != fast_word(s + n - 8)) return false;
  }
  x->p += n;
  return true;
}

/* The first byte at or after q that ends a string's plain run, or end:
** sixteen bytes at a step where SSE2 is (every x86-64), since most names are
** shorter; a byte at a step elsewhere. */
static const char *plain_run(const char *q, const char *end) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
  const __m128i below = _mm_set1_epi8(0x1f);
  for (; end - q >= 16; q += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                _mm_cmpeq_epi8(_mm_max_epu8(v, below), below)); /* v <= 0x1f */
    int mask = _mm_movemask_epi8(stop);
    if (mask) return q + __builtin_ctz((unsigned)mask);
  }
#endif
  while (q < end && !string_stop[(unsigned char)*q])
    q++;
  return q;
}

/* A string: its bytes in the text, or decoded by json.c when it has escapes
** (a literal default such as ["a"]). */
static bool fast_bytes(fast *x, const char **s, uint32_t *n) {
  if (x->p >= x->end || *x->p != '"') return false;
  const char *q = plain_run(++x->p, x->end);
  if (q < x->end && *q == '\\') {
    x->escaped = true;
    json_cursor c;
    json_cursor_init(&c, x->a, x->p - 1, (size_t)(x->end - x->p + 1));
    if (!json_cursor_string(&c, s, n)) return false;
    x->p = c.p;
    return true;
  }
  if (q >= x->end || *q != '"') return false;
  *s = x->p;
  *n = (uint32_t)(q - x->p);
  x->p = q + 1;
  return true;
}

/* A non-empty string, interned. */
static const char *fast_name(fast *x, reader *r) {
  const char *s;
  uint32_t n;
  return fast_bytes(x, &s, &n) && n ? intern(r->names, s, n) : NULL;
}

static bool fast_bool(fast *x, bool *out) {
  if (LIT(x, "true")) return *out = true;
  *out = false;
  return LIT(x, "false");
}

/* A whole number from lo to hi, written as digits only. */
static bool fast_int(fast *x, int *out, int lo, int hi) {
  long v = 0;
  int digits = 0;
  if (x->end - x->p >= 2 && x->p[0] == '0' && x->p[1] >= '0' && x->p[1] <= '9') return false;
  while (x->p < x->end && *x->p >= '0' && *x->p <= '9' && digits < 10) {
    v = v * 10 + (*x->p++ - '0');
    digits++;
  }
  if (!digits || (x->p < x->end && strchr("0123456789.eE", *x->p)) || v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

/* ["a", "b"]: non-empty strings, interned, into the arena. */
static bool fast_names(fast *x, reader *r, const char ***out, int *n) {
  typedef VEC(const char *) svec;
  svec v = {0};
  if (!LIT(x, "[")) return false;
  if (!LIT(x, "]")) {
    do {
      const char *name = fast_name(x, r);
      if (!name) return false;
      vec_push(r->a, v, name);
    } while (LIT(x, ", "));
    if (!LIT(x, "]")) return false;
  }
  *out = v.v;
  *n = v.n;
  return true;
}

typedef VEC(st_index *) index_vec;

/* [ { "name": "...", "fields": [...] }, ... ], each on a line of its own,
** past the key of the array, into vec (an st_entity's list, or an
** index_vec).  The names are derived (st_derive): read only when the text
** is kept, to be compared with the derived ones. */
static bool fast_indexes(fast *x, reader *r, void *vec) {
  index_vec *out = vec;
  if (LIT(x, "]")) return true;
  do {
    st_index *ix = arena_alloc(r->a, sizeof *ix);
    const char *s;
    uint32_t n;
    if (!LIT(x, "\n        { \"name\": ") || !fast_bytes(x, &s, &n) || !n ||
        !LIT(x, ", \"fields\": ") || !fast_names(x, r, &ix->fields, &ix->nfields) || !ix->nfields ||
        !LIT(x, " }"))
      return false;
    if (r->keep) ix->name = intern(r->names, s, n);
    vec_push(r->a, *out, ix);
  } while (LIT(x, ","));
  return LIT(x, "\n      ]");
}

/* The names st_derive gave (in `derived`, an st_entity's list) are those the
** text had (in `read`, in its order), and so are the fields of each index. */
static bool same_derived(const void *derived, const index_vec *read) {
  const index_vec *d = derived;
  if (d->n != read->n) return false;
  for (int i = 0; i < d->n; i++) {
    const st_index *a = d->v[i], *b = read->v[i];
    if (a->name != b->name || a->nfields != b->nfields ||
        (i && a->name == d->v[i - 1]->name)) /* twins: their order is qsort's */
      return false;
    for (int j = 0; j < a->nfields; j++)
      if (a->fields[j] != b->fields[j]) return false;
  }
  return true;
}

/* `{ "call": "uuid" }`, past its key */
static bool fast_default(fast *x, reader *r, st_field *f) {
  const char *key, *s = NULL;
  uint32_t key_len, n;
  json_kind kind = JSON_STRING;
  if (!fast_bytes(x, &key, &key_len) || !LIT(x, ": ")) return false;
  if (x->p < x->end && *x->p == '"') {
    if (!fast_bytes(x, &s, &n)) return false;
  } else {
    bool b;
    if (!fast_bool(x, &b)) return false;
    kind = b ? JSON_TRUE : JSON_FALSE;
  }
  return LIT(x, " }") && set_default(r, f, key, key_len, kind, s ? intern(r->names, s, n) : NULL);
}

/* A field named twice is for the general reader to report. */
static bool fast_new_field(const st_entity *d, const char *name, namemap *seen) {
  if (d->fields.n < 16) {
    for (int i = 0; i < d->fields.n; i++)
      if (d->fields.v[i]->name == name) return false;
    return true;
  }
  if (!seen->cap) /* a wide entity: its names so far into the map, then each new one */
    for (int i = 0; i < d->fields.n; i++)
      namemap_put(seen, d->fields.v[i]->name, d->fields.v[i]);
  if (namemap_get(seen, name)) return false;
  namemap_put(seen, name, (void *)name);
  return true;
}

/* The "type" as set_type takes it, from its bytes: no name to intern. */
static bool fast_type(fast *x, st_field *f) {
  const char *s;
  uint32_t n;
  if (!fast_bytes(x, &s, &n) || !n) return false;
  static const uint8_t lengths[IR_T_COUNT] = {
#define X(id, name) sizeof name - 1,
      IR_TYPES(X)
#undef X
  };
  for (int k = IR_T_STRING; k <= IR_T_EMBEDDED; k++) {
    const char *t = ir_type_names[k];
    if (lengths[k] == n && t[0] == s[0] && memcmp(t, s, n) == 0) {
      f->kind = (ir_type_kind)k;
      return true;
    }
  }
  return false;
}

/* A column is mostly its field's name, or the name's snake case: the bytes
** compared before any hashing. */
static const char *fast_column(fast *x, reader *r, const char *name, const char *name_bytes,
                               uint32_t name_len) {
  const char *s;
  uint32_t n;
  if (!fast_bytes(x, &s, &n) || !n) return NULL;
  if (n == name_len && memcmp(s, name_bytes, n) == 0) return name;
  return intern(r->names, s, n);
}

static bool fast_field(fast *x, reader *r, st_entity *d, namemap *seen) {
  st_field *f = arena_alloc(r->a, sizeof *f);
  const char *ns;
  uint32_t nn;
  if (!LIT(x, "\n        { \"name\": ") || !fast_bytes(x, &ns, &nn) || !nn) return false;
  f->name = intern(r->names, ns, nn);
  if (!fast_new_field(d, f->name, seen) || !LIT(x, ", \"column\": ") ||
      !(f->column = fast_column(x, r, f->name, ns, nn)) || !LIT(x, ", \"type\": ") ||
      !fast_type(x, f))
    return false;
  if (f->kind == IR_T_DECIMAL &&
      (!LIT(x, ", \"precision\": ") || !fast_int(x, &f->precision, 0, 1000) ||
       !LIT(x, ", \"scale\": ") || !fast_int(x, &f->scale, 0, 1000) || !check_decimal(r, f)))
    return false;
  if (f->kind == IR_T_ENUM && (!LIT(x, ", \"enum\": ") || !(f->type_name = fast_name(x, r))))
    return false;
  if (f->kind == IR_T_EMBEDDED &&
      (!LIT(x, ", \"typeName\": ") || !(f->type_name = fast_name(x, r))))
    return false;
  if (!LIT(x, ", \"nullable\": ") || !fast_bool(x, &f->nullable) || !LIT(x, ", \"array\": ") ||
      !fast_bool(x, &f->array))
    return false;
  if (LIT(x, ", \"maxLength\": ") && (!fast_int(x, &f->max_length, 0, 1 << 30) || !f->max_length))
    return false;
  if (LIT(x, ", \"sensitive\": true")) f->sensitive = true;
  if (LIT(x, ", \"default\": { ") && !fast_default(x, r, f)) return false;
  if (!LIT(x, " }")) return false;
  vec_push(r->a, d->fields, f);
  return true;
}

/* An entity, and when the text is kept, where it is in it: only if its
** bytes are what write_entity writes for it.  So no escapes (they may be
** written otherwise), the derived names the readers skip are the names
** st_derive gives, and the foreign keys are in field order, as written. */
static bool fast_entity(fast *x, reader *r, st_schema *s) {
  st_entity *d = arena_alloc(r->a, sizeof *d);
  const char **pk, *pk_name, *s_;
  uint32_t pk_len, n;
  int npk;
  const char *from = x->p + 5; /* its '{', past the line break and indent */
  x->escaped = false;
  if (!LIT(x, "\n    {\n      \"name\": ") || !(d->name = fast_name(x, r)) ||
      !LIT(x, ",\n      \"table\": ") || !(d->table = fast_name(x, r)) ||
      !LIT(x, ",\n      \"primaryKey\": ") || !fast_names(x, r, &pk, &npk) ||
      !LIT(x, ",\n      \"primaryKeyName\": ") || !fast_bytes(x, &pk_name, &pk_len) ||
      !LIT(x, ",\n      \"fields\": ["))
    return false;
  d->table_mapped = d->table != ir_table_name_for(r->a, r->names, d->name);
  namemap seen;
  namemap_init(&seen, r->a);
  if (!LIT(x, "]")) {
    do
      if (!fast_field(x, r, d, &seen)) return false;
    while (LIT(x, ","));
    if (!LIT(x, "\n      ]")) return false;
  }
  index_vec fk_ixs = {0};
  if (!set_pkey(r, d, pk, npk) || !LIT(x, ",\n      \"uniques\": [") ||
      !fast_indexes(x, r, &d->uniques) || !LIT(x, ",\n      \"indexes\": [") ||
      !fast_indexes(x, r, &d->indexes) || !check_index_fields(r, d) ||
      !LIT(x, ",\n      \"foreignKeyIndexes\": [") || !fast_indexes(x, r, &fk_ixs) ||
      !LIT(x, ",\n      \"foreignKeys\": ["))
    return false;
  bool as_written = !x->escaped;
  int last = -1;
  if (!LIT(x, "]")) {
    do {
      const char *field, *ref, *rf, *od;
      if (!LIT(x, "\n        { \"name\": ") || !fast_bytes(x, &s_, &n) ||
          !LIT(x, ", \"field\": ") || !(field = fast_name(x, r)) || !LIT(x, ", \"references\": ") ||
          !(ref = fast_name(x, r)) || !LIT(x, ", \"referencedField\": ") ||
          !(rf = fast_name(x, r)) || !LIT(x, ", \"onDelete\": ") || !(od = fast_name(x, r)) ||
          !LIT(x, " }") || !set_fk(r, d, field, ref, rf, od))
        return false;
      if (r->keep && as_written) {
        int at = st_field_index(d, field);
        const char *written = ir_key_name(r->a, d->table, &d->fields.v[at]->column, 1, "fkey");
        as_written = at > last && strlen(written) == n && memcmp(written, s_, n) == 0;
        last = at;
      }
    } while (LIT(x, ","));
    if (!LIT(x, "\n      ]")) return false;
  }
  if (!LIT(x, "\n    }")) return false;
  const char *to = x->p;
  /* st_derive names the indexes anew and sorts them: the text's, kept aside */
  index_vec read[2] = {{0}, {0}};
  for (int k = 0; r->keep && k < 2; k++) {
    const index_vec *v = k ? (const void *)&d->indexes : (const void *)&d->uniques;
    for (int i = 0; i < v->n; i++) {
      st_index *copy = arena_alloc(r->a, sizeof *copy);
      *copy = *v->v[i];
      vec_push(r->a, read[k], copy);
    }
  }
  if (!add_entity(r, s, d)) return false;
  d->fingerprint = st_entity_fingerprint(d); /* for the differ and st_diff_text */
  if (r->keep && as_written && !x->escaped && strlen(d->pkey_name) == pk_len &&
      memcmp(d->pkey_name, pk_name, pk_len) == 0 && same_derived(&d->uniques, &read[0]) &&
      same_derived(&d->indexes, &read[1]) && same_derived(&d->fk_indexes, &fk_ixs)) {
    d->text = from;
    d->text_len = (size_t)(to - from);
  }
  return true;
}

static bool fast_enum(fast *x, reader *r, st_schema *s) {
  st_enum *d = arena_alloc(r->a, sizeof *d);
  const char **v;
  int n;
  if (!LIT(x, "\n    {\n      \"name\": ") || !(d->name = fast_name(x, r)) ||
      !LIT(x, ",\n      \"dbName\": ") || !(d->db_name = fast_name(x, r)) ||
      !LIT(x, ",\n      \"values\": ") || !fast_names(x, r, &v, &n) || !n || !LIT(x, "\n    }") ||
      st_enum_find(s, d->name))
    return false;
  for (int i = 0; i < n; i++)
    vec_push(r->a, d->members, v[i]);
  st_add_enum(s, d);
  return true;
}

static bool finish(reader *r, st_schema *s);

/* The document up to its array of entities, opened: a state with the enums. */
static st_schema *fast_head(fast *x, reader *r, const char **migration) {
  const char *format;
  uint32_t n;
  if (!LIT(x, "{\n  \"format\": ") || !fast_bytes(x, &format, &n) ||
      !bytes_are(format, n, ST_FORMAT) || !LIT(x, ",\n  \"migration\": ") ||
      !(*migration = fast_name(x, r)) || !LIT(x, ",\n  \"enums\": ["))
    return NULL;
  st_schema *s = st_new(r->a, r->names);
  if (!LIT(x, "]")) {
    do
      if (!fast_enum(x, r, s)) return NULL;
    while (LIT(x, ","));
    if (!LIT(x, "\n  ]")) return NULL;
  }
  return LIT(x, ",\n  \"entities\": [") ? s : NULL;
}

static st_schema *read_fast(reader *r, const char *text, size_t len, const char **migration) {
  fast x = {text, text + len, r->a};
  st_schema *s = fast_head(&x, r, migration);
  if (!s) return NULL;
  if (!LIT(&x, "]")) {
    do
      if (!fast_entity(&x, r, s)) return NULL;
    while (LIT(&x, ","));
    if (!LIT(&x, "\n  ]")) return NULL;
  }
  if (!LIT(&x, "\n}\n") || x.p != x.end || !finish(r, s) || r->err) return NULL;
  return s;
}

bool st_outline_make(const st_schema *s, const char *text, size_t len, st_outline *o, arena *a) {
  o->text_len = len;
  o->n = s->entities.n;
  o->digested = false;
  o->v = arena_alloc(a, sizeof *o->v * (size_t)(o->n + 1));
  o->names = arena_alloc(a, sizeof *o->names * (size_t)(o->n + 1));
  for (int i = 0; i < o->n; i++) {
    const st_entity *e = s->entities.v[i];
    o->names[i] = e->name;
    if (!e->text || e->text < text || e->text_len > len - (size_t)(e->text - text) ||
        (size_t)(e->text - text) > UINT32_MAX || e->text_len > UINT32_MAX)
      return false;
    o->v[i].fingerprint = e->fingerprint;
    o->v[i].off = (uint32_t)(e->text - text);
    o->v[i].len = (uint32_t)e->text_len;
  }
  /* the writer's order is the state's: the text's, which the reader checks */
  for (int i = 1; i < o->n; i++)
    if (o->v[i].off <= o->v[i - 1].off) return false;
  return true;
}

/* Entity i of an outline, at x->p: like's entity of its name, borrowed, when
** the fingerprints agree, else read; false if the text is not what the
** outline says. */
static bool outlined_entity(fast *x, reader *r, st_schema *s, const st_outline *o, int i,
                            st_schema *like, int *read) {
  const st_outline_entry *e = &o->v[i];
  const char *from = x->p + 5, *to = from + e->len;
  const char *name = o->names[i];
  st_entity *same = st_entity_find(like, name);
  if (same && same->fingerprint == e->fingerprint) {
    if (st_entity_find(s, name) || to[-1] != '}') return false;
    /* like's own entity, borrowed: ops copy it before they change it (ops.c).
    ** None of its fields is read: at 10,000 entities that was 5 ms of cache
    ** misses, for fields whose counts are 0 as made (refs_listed). */
    same->borrowed = true;
    same->text = from;
    same->text_len = e->len;
    for (int j = 0; !same->refs_listed && j < same->fields.n; j++)
      same->fields.v[j]->refs = 0; /* outlined_refs counts them */
    st_add_entity(s, same);
    x->p = to;
    return true;
  }
  fast one = {x->p, to, x->a, false};
  if (!fast_entity(&one, r, s) || one.p != to) return false;
  ++*read;
  const st_entity *d = s->entities.v[s->entities.n - 1];
  x->p = to;
  return d->fingerprint == e->fingerprint && d->text == from &&
         d->name == name; /* the outline's own */
}

/* f's reference counted in s; false when it lands nowhere. */
static bool count_ref(st_schema *s, const char *entity, const char *field) {
  st_entity *t = st_entity_find(s, entity);
  st_field *target = t ? st_field_find(t, field) : NULL;
  if (target) target->refs++;
  return target != NULL;
}

/* finish() for a state read by its outline: the whole text was checked when
** the outline was made, so only the references are counted, a borrowed
** entity's from its list. */
static bool outlined_refs(st_schema *s) {
  for (int i = 0; i < s->entities.n; i++) {
    st_prefetch_step(s->entities.v, i, s->entities.n, NULL);
    /* the entities the next two refer to: slots, then structs */
    const st_entity *e2 = i + 2 < s->entities.n ? s->entities.v[i + 2] : NULL;
    const st_entity *e1 = i + 1 < s->entities.n ? s->entities.v[i + 1] : NULL;
    for (int k = 0; e2 && e2->refs_listed && k < e2->nrefs; k++)
      st_prefetch_named(s, e2->refs[2 * k], NULL);
    for (int k = 0; e1 && e1->refs_listed && k < e1->nrefs; k++)
      st_prefetch_named(s, NULL, e1->refs[2 * k]);
    const st_entity *e = s->entities.v[i];
    if (e->borrowed && e->refs_listed) {
      for (int k = 0; k < e->nrefs; k++)
        if (!count_ref(s, e->refs[2 * k], e->refs[2 * k + 1])) return false;
      continue;
    }
    for (int j = 0; j < e->fields.n; j++) {
      const st_field *f = e->fields.v[j];
      if (f->ref_entity && !count_ref(s, f->ref_entity, f->ref_field)) return false;
    }
  }
  s->refs_counted = true;
  return true;
}

st_schema *st_read_json_outlined(arena *a, strtab *names, const char *text, size_t len,
                                 const st_outline *o, st_schema *like, const char **migration,
                                 int *read) {
  *read = 0;
  if (o->text_len != len || !o->names || !like || !like->fingerprints || like->lent) return NULL;
  reader r = {a, names, NULL, NULL, NULL, NULL, true};
  fast x = {text, text + len, a, false};
  st_schema *s = fast_head(&x, &r, migration);
  if (!s) return NULL;
  namemap_reserve(&s->entity_index, (uint32_t)o->n);
  const char *read_from = text; /* the bytes read since the last let-go */
  for (int i = 0; i < o->n; i++) {
    const st_outline_entry *e = &o->v[i];
    /* a comma read an entity, and 64 KB faulted in around it: let go a
    ** megabyte at a time, not to hold the whole file at once */
    if (x.p - read_from >= 1 << 20) {
      st_kept_let_go(read_from, (size_t)(x.p - read_from) & ~(size_t)4095);
      read_from = x.p;
    }
    const char *ahead2 = i + 2 < o->n ? o->names[i + 2] : NULL;
    st_prefetch_named(like, ahead2, i + 1 < o->n ? o->names[i + 1] : NULL);
    namemap_prefetch(&s->entity_index, ahead2); /* where it goes in */
    /* this entity's '{' is 5 bytes past here, after a line break and indent */
    if ((i && !LIT(&x, ",")) || (size_t)(x.p - text) + 5 != e->off || e->off > len ||
        e->len > len - e->off || !outlined_entity(&x, &r, s, o, i, like, read))
      return NULL;
  }
  if (!(o->n ? LIT(&x, "\n  ]") : LIT(&x, "]")) || !LIT(&x, "\n}\n") || x.p != x.end || r.err)
    return NULL;
  like->lent = true; /* the counts below go into its fields */
  if (!outlined_refs(s)) return NULL;
  st_sort(s); /* as finish does: a text out of order gives the state in order */
  s->fingerprints = true;
  return s;
}

bool st_diff_outlined(arena *a, strtab *names, const char *text, size_t len, const st_outline *o,
                      const st_side *b, const char *la, const char *lb, const char **diff,
                      int *read) {
  *read = 0;
  if (o->text_len != len || !o->names) return false;
  reader r = {a, names, NULL, NULL, NULL, NULL, false};
  fast x = {text, text + len, a, false};
  const char *migration;
  st_schema *s = fast_head(&x, &r, &migration);
  if (!s || (o->n && (size_t)(x.p - text) + 5 != o->v[0].off)) return false;
  if ((*diff = st_diff_enums_text(s, b->enums, la, lb, a))) return true;
  for (int i = 0; i < o->n; i++) {
    const st_outline_entry *e = &o->v[i];
    uint64_t fingerprint;
    const st_entity *y = NULL;
    if (!b->entity(b->ctx, o->names[i], false, &fingerprint, &y)) {
      *diff = arena_printf(a, "entity '%s' is only in %s", o->names[i], la);
      return true;
    }
    if (fingerprint && fingerprint == e->fingerprint) continue;
    /* as st_read_json_outlined reads an entity the schema has otherwise */
    if (e->off < 5 || e->off > len || e->len > len - e->off) return false;
    fast one = {text + e->off - 5, text + e->off + e->len, a, false};
    if (!fast_entity(&one, &r, s) || one.p != one.end) return false;
    ++*read;
    const st_entity *d = s->entities.v[s->entities.n - 1];
    if (d->fingerprint != e->fingerprint || d->name != o->names[i] ||
        !b->entity(b->ctx, o->names[i], true, &fingerprint, &y) || !y)
      return false;
    if ((*diff = st_entity_diff_text(d, y, false, la, lb, a))) return true;
  }
  /* every name of the outline is b's, and they are distinct (their text was
  ** read in order when the outline was made): b has more only when longer,
  ** and the first of those in order is the one st_diff_text names */
  *diff = NULL;
  if (b->n > o->n) {
    namemap seen;
    namemap_init(&seen, a);
    namemap_reserve(&seen, (uint32_t)o->n);
    for (int i = 0; i < o->n; i++)
      namemap_put(&seen, o->names[i], (void *)o->names[i]);
    for (int i = 0; i < b->n; i++)
      if (!namemap_get(&seen, b->names[i]) && (!*diff || strcmp(b->names[i], *diff) < 0))
        *diff = b->names[i];
    if (*diff) *diff = arena_printf(a, "entity '%s' is only in %s", *diff, lb);
  }
  return *diff || b->n == o->n;
}

/* References must land on existing fields and enums; then the order.  The
** references are counted on the way (st_field.refs), here on the reader's
** thread: the first drop or rename of a plan counted them after the diff,
** reading every field of the state again. */
static bool finish(reader *r, st_schema *s) {
  for (int i = 0; i < s->entities.n; i++)
    for (int j = 0; j < s->entities.v[i]->fields.n; j++) {
      st_field *f = s->entities.v[i]->fields.v[j];
      if (f->ref_entity && !count_ref(s, f->ref_entity, f->ref_field))
        return fail(r, arena_printf(r->a, "field '%s.%s' references the missing '%s.%s'",
                                    s->entities.v[i]->name, f->name, f->ref_entity, f->ref_field));
      if (f->kind == IR_T_ENUM && !st_enum_find(s, f->type_name))
        return fail(r, arena_printf(r->a, "field '%s.%s' uses the missing enum '%s'",
                                    s->entities.v[i]->name, f->name, f->type_name));
    }
  s->refs_counted = true;
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

static st_schema *read_json(arena *a, strtab *names, const char *text, size_t len,
                            const char **migration, const char **err, long *err_off,
                            bool fast_first, bool keep) {
  reader r = {a, names, NULL, NULL, NULL, NULL, keep};
  *err = NULL;
  *err_off = -1;
  st_schema *s = fast_first ? read_fast(&r, text, len, migration) : NULL;
  if (s) {
    s->fingerprints = true; /* those known, as read; the others are 0 */
    return s;
  }
  reader general = {a, names, NULL, NULL, NULL, NULL};
  r = general;
  arena tree; /* JSON trees live only while they are read */
  arena_init(&tree);
  s = read_streaming(&r, text, len, &tree, migration);
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
  s->fingerprints = true;
  return s;
}

st_schema *st_read_json(arena *a, strtab *names, const char *text, size_t len,
                        const char **migration, const char **err, long *err_off) {
  return read_json(a, names, text, len, migration, err, err_off, true, false);
}

st_schema *st_read_json_kept(arena *a, strtab *names, const char *text, size_t len,
                             const char **migration, const char **err, long *err_off) {
  return read_json(a, names, text, len, migration, err, err_off, true, true);
}

st_schema *st_read_json_general(arena *a, strtab *names, const char *text, size_t len,
                                const char **migration, const char **err, long *err_off) {
  return read_json(a, names, text, len, migration, err, err_off, false, false);
}

st_schema *st_read_json_fast(arena *a, strtab *names, const char *text, size_t len,
                             const char **migration) {
  reader r = {a, names, NULL, NULL, NULL, NULL};
  return read_fast(&r, text, len, migration);
}
