/*
** json.c: a small JSON reader for snapshots, into the arena.
**
** cJSON builds a tree of malloc'd nodes and copies every string; a snapshot of
** 10,000 entities is 22 MB of JSON, and reading it that way took most of
** `plan`.  Here nodes come from the arena and a string without escapes points
** into the text (the caller interns it with its length), so a read is one pass
** with no free.  Strict RFC 8259 grammar, nesting capped, \u0000 refused (names
** are C strings), and the byte offset of the first error for the diagnostic.
*/
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 512

typedef json_cursor jparser;

static json_node *jfail(jparser *j, const char *at) {
  if (!j->err_at) j->err_at = at;
  return NULL;
}

/* Byte classes, so that the two loops that see every byte test one table entry. */
enum { C_SPACE = 1, C_STOP = 2 /* ends a run of plain string bytes: '"', '\\', controls */ };
static unsigned char byte_class[256];

static void classes(void) {
  if (byte_class[' ']) return;
  for (int c = 0; c < 0x20; c++)
    byte_class[c] = C_STOP;
  byte_class['"'] = byte_class['\\'] = C_STOP;
  byte_class[' '] = byte_class['\n'] = byte_class['\r'] = byte_class['\t'] = C_SPACE;
  byte_class['\n'] |= C_STOP, byte_class['\r'] |= C_STOP, byte_class['\t'] |= C_STOP;
}

static void skip_space(jparser *j) {
  const char *p = j->p;
  while (p < j->end && (byte_class[(unsigned char)*p] & C_SPACE))
    p++;
  j->p = p;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) return o[0] = (char)cp, 1;
  if (cp < 0x800) return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* At the opening quote.  Sets *s and *n to the bytes, decoded. */
static bool read_string(jparser *j, const char **s, uint32_t *n) {
  const char *q = ++j->p;
  bool escaped = false;
  for (;;) {
    while (q < j->end && !(byte_class[(unsigned char)*q] & C_STOP))
      q++;
    if (q >= j->end || *q == '"') break;
    if ((unsigned char)*q < 0x20) return jfail(j, q), false;
    escaped = true; /* a backslash: skip what it escapes, checked when decoded */
    q += 2;
  }
  if (q >= j->end) return jfail(j, j->end), false;
  if (!escaped) {
    *s = j->p;
    *n = (uint32_t)(q - j->p);
    j->p = q + 1;
    return true;
  }
  /* decoded text is never longer than its escapes */
  char *o = arena_alloc(j->a, (size_t)(q - j->p) + 1), *w = o;
  for (const char *r = j->p; r < q;) {
    if (*r != '\\') {
      *w++ = *r++;
      continue;
    }
    char c = r[1];
    r += 2;
    switch (c) {
    case '"': *w++ = '"'; break;
    case '\\': *w++ = '\\'; break;
    case '/': *w++ = '/'; break;
    case 'b': *w++ = '\b'; break;
    case 'f': *w++ = '\f'; break;
    case 'n': *w++ = '\n'; break;
    case 'r': *w++ = '\r'; break;
    case 't': *w++ = '\t'; break;
    case 'u': {
      int cp = q - r >= 4 ? hex4(r) : -1;
      if (cp <= 0) return jfail(j, r - 2), false; /* bad, or \u0000 */
      r += 4;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo = q - r >= 6 && r[0] == '\\' && r[1] == 'u' ? hex4(r + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) return jfail(j, r - 6), false;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        r += 6;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return jfail(j, r - 6), false;
      }
      w += put_utf8(w, (unsigned)cp);
      break;
    }
    default: return jfail(j, r - 2), false;
    }
  }
  *w = 0;
  *s = o;
  *n = (uint32_t)(w - o);
  j->p = q + 1;
  return true;
}

static bool digits(jparser *j) {
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') return false;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
    j->p++;
  return true;
}

static json_node *read_number(jparser *j, json_node *v) {
  const char *s = j->p;
  if (*j->p == '-') j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (!digits(j))
    return jfail(j, s);
  if (j->p < j->end && *j->p == '.' && (j->p++, !digits(j))) return jfail(j, s);
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (!digits(j)) return jfail(j, s);
  }
  char buf[64];
  size_t n = (size_t)(j->p - s);
  if (n >= sizeof buf) n = sizeof buf - 1; /* the value is only ever a small integer */
  memcpy(buf, s, n);
  buf[n] = 0;
  v->kind = JSON_NUMBER;
  v->num = strtod(buf, NULL);
  return v;
}

static bool word(jparser *j, const char *w, size_t n) {
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return false;
  j->p += n;
  return true;
}

static json_node *read_value(jparser *j);

/* Members or items up to the closing bracket; objects read a key first. */
static json_node *read_container(jparser *j, json_node *v, bool object) {
  char close = object ? '}' : ']';
  v->kind = object ? JSON_OBJECT : JSON_ARRAY;
  if (++j->depth > JSON_MAX_DEPTH) return jfail(j, j->p);
  j->p++;
  skip_space(j);
  json_node **tail = &v->child;
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return v;
  }
  for (;;) {
    const char *key = NULL;
    uint32_t key_len = 0;
    if (object) {
      skip_space(j);
      if (j->p >= j->end || *j->p != '"' || !read_string(j, &key, &key_len)) return jfail(j, j->p);
      skip_space(j);
      if (j->p >= j->end || *j->p != ':') return jfail(j, j->p);
      j->p++;
    }
    json_node *x = read_value(j);
    if (!x) return NULL;
    x->key = key;
    x->key_len = key_len;
    *tail = x;
    tail = &x->next;
    v->n++;
    skip_space(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == close) {
      j->p++;
      j->depth--;
      return v;
    }
    return jfail(j, j->p);
  }
}

static json_node *read_value(jparser *j) {
  skip_space(j);
  if (j->p >= j->end) return jfail(j, j->p);
  json_node *v = arena_alloc(j->a, sizeof *v);
  switch (*j->p) {
  case '{': return read_container(j, v, true);
  case '[': return read_container(j, v, false);
  case '"': v->kind = JSON_STRING; return read_string(j, &v->str, &v->len) ? v : NULL;
  case 't': v->kind = JSON_TRUE; return word(j, "true", 4) ? v : jfail(j, j->p);
  case 'f': v->kind = JSON_FALSE; return word(j, "false", 5) ? v : jfail(j, j->p);
  case 'n': v->kind = JSON_NULL; return word(j, "null", 4) ? v : jfail(j, j->p);
  default:
    if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) return read_number(j, v);
    return jfail(j, j->p);
  }
}

json_node *json_parse(arena *a, const char *text, size_t len, long *err_off) {
  classes();
  jparser j = {a, text, text + len, text, NULL, 0};
  json_node *v = read_value(&j);
  if (v) {
    skip_space(&j);
    if (j.p != j.end) v = jfail(&j, j.p); /* one value, then only white space */
  }
  *err_off = v ? -1 : (long)(j.err_at - text);
  return v;
}

void json_cursor_init(json_cursor *c, arena *a, const char *text, size_t len) {
  classes();
  json_cursor z = {a, text, text + len, text, NULL, 0}; /* a: for keys with escapes */
  *c = z;
}

bool json_cursor_char(json_cursor *c, char ch) {
  skip_space(c);
  if (c->p >= c->end || *c->p != ch) return false;
  c->p++;
  return true;
}

bool json_cursor_key(json_cursor *c, const char *key) {
  const char *s;
  uint32_t n;
  skip_space(c);
  if (c->p >= c->end || *c->p != '"' || !read_string(c, &s, &n)) return false;
  if (n != strlen(key) || memcmp(s, key, n) != 0) return false;
  return json_cursor_char(c, ':');
}

bool json_cursor_string(json_cursor *c, const char **s, uint32_t *n) {
  skip_space(c);
  return c->p < c->end && *c->p == '"' && read_string(c, s, n);
}

json_node *json_cursor_value(json_cursor *c, arena *a) {
  c->a = a;
  return read_value(c);
}

bool json_cursor_end(json_cursor *c) {
  skip_space(c);
  return c->p == c->end;
}

const json_node *json_get(const json_node *o, const char *key) {
  size_t n = strlen(key);
  for (const json_node *x = o && o->kind == JSON_OBJECT ? o->child : NULL; x; x = x->next)
    if (x->key_len == n && x->key[0] == key[0] && memcmp(x->key, key, n) == 0) return x;
  return NULL;
}
