/*
** names.c: database names derived from Inspire names, the same on every
** dialect, and the edit distance behind "did you mean".
*/
#include "ir.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const ir_type_names[IR_T_COUNT] = {
#define X(id, name) name,
    IR_TYPES(X)
#undef X
};

const char *const ir_on_delete_names[3] = {"restrict", "cascade", "setNull"};

/* Called for every field: the first byte picks the one or two names to
** compare with, instead of thirteen strcmp calls. */
ir_type_kind ir_scalar_kind(const char *name) {
  for (int k = IR_T_STRING; k <= IR_T_FILE; k++)
    if (ir_type_names[k][0] == name[0] && strcmp(ir_type_names[k], name) == 0)
      return (ir_type_kind)k;
  return IR_T_UNRESOLVED;
}

bool ir_type_is_integer(ir_type_kind k) {
  return k == IR_T_INT || k == IR_T_SMALLINT || k == IR_T_BIGINT;
}

bool ir_type_is_numeric(ir_type_kind k) {
  return ir_type_is_integer(k) || k == IR_T_DOUBLE || k == IR_T_DECIMAL;
}

/* A word boundary falls before an upper-case letter that follows a lower-case
** letter or digit (`ownerId`), and before the last capital of a run that a
** lower-case letter follows (`URLPath` -> `url_path`). */
char *ir_snake_case(arena *a, const char *name) {
  size_t n = strlen(name);
  char *out = arena_text(a, n * 2 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (isupper(c) && i > 0) {
      unsigned char p = (unsigned char)name[i - 1];
      unsigned char nx = i + 1 < n ? (unsigned char)name[i + 1] : 0;
      if (islower(p) || isdigit(p) || (isupper(p) && islower(nx))) {
        if (o > 0 && out[o - 1] != '_') out[o++] = '_';
      }
    }
    out[o++] = (char)tolower(c);
  }
  out[o] = 0;
  return out;
}

static bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool ends_with(const char *s, size_t n, const char *suf) {
  size_t m = strlen(suf);
  return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* English plural of the last word: the regular rules only (task -> tasks,
** category -> categories, status -> statuses, box -> boxes).  Irregular nouns
** are left to @map, as Rails and Prisma users expect. */
char *ir_table_name(arena *a, const char *entity) {
  char *s = ir_snake_case(a, entity);
  size_t n = strlen(s);
  char *out = arena_text(a, n + 4);
  memcpy(out, s, n);
  if (n >= 2 && s[n - 1] == 'y' && !is_vowel(s[n - 2])) {
    strcpy(out + n - 1, "ies");
  } else if (ends_with(s, n, "s") || ends_with(s, n, "x") || ends_with(s, n, "z") ||
             ends_with(s, n, "ch") || ends_with(s, n, "sh")) {
    strcpy(out + n, "es");
  } else {
    strcpy(out + n, "s");
  }
  return out;
}

const char *ir_truncate_ident(arena *a, const char *name, bool *truncated) {
  size_t n = strlen(name);
  if (truncated) *truncated = n > IR_MAX_IDENT;
  if (n <= IR_MAX_IDENT) return name;
  /* 54 bytes of prefix, '_', 8 hex digits: 63 bytes.  Never cut inside a
  ** UTF-8 sequence. */
  size_t keep = 54;
  while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
    keep--;
  char *out = arena_text(a, keep + 10);
  memcpy(out, name, keep);
  snprintf(out + keep, 10, "_%08x", hash_bytes(name, n));
  return out;
}

const char *ir_key_name(arena *a, const char *table, const char *const *cols, int n,
                        const char *suffix) {
  size_t tlen = strlen(table), slen = strlen(suffix), len = tlen + slen + 2;
  for (int i = 0; i < n; i++)
    len += strlen(cols[i]) + 1;
  char *buf = arena_text(a, len);
  memcpy(buf, table, tlen);
  size_t o = tlen;
  for (int i = 0; i < n; i++) {
    size_t c = strlen(cols[i]);
    buf[o++] = '_';
    memcpy(buf + o, cols[i], c);
    o += c;
  }
  buf[o++] = '_';
  memcpy(buf + o, suffix, slen + 1);
  return ir_truncate_ident(a, buf, NULL);
}

const char *ir_column_name(arena *a, strtab *names, const char *field) {
  return intern_cstr(names, ir_truncate_ident(a, ir_snake_case(a, field), NULL));
}

const char *ir_table_name_for(arena *a, strtab *names, const char *entity) {
  return intern_cstr(names, ir_truncate_ident(a, ir_table_name(a, entity), NULL));
}

int ir_edit_distance(const char *a, const char *b, int limit) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 64 || nb > 64) return limit + 1;
  if ((int)(na > nb ? na - nb : nb - na) > limit) return limit + 1;
  int prev[65], cur[65];
  for (size_t j = 0; j <= nb; j++)
    prev[j] = (int)j;
  for (size_t i = 1; i <= na; i++) {
    cur[0] = (int)i;
    int best = cur[0];
    for (size_t j = 1; j <= nb; j++) {
      int cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
      int v = prev[j - 1] + cost;
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    memcpy(prev, cur, sizeof(int) * (nb + 1));
  }
  return prev[nb];
}
