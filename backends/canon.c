/*
** canon.c: default values in one form, whichever way an engine writes them.
**
** Postgres reports `'-3'::integer` for the default `-3`, `'2024-01-31
** 10:00:00+00'::timestamp with time zone` for `'2024-01-31T12:00:00+02:00'`
** and reorders the keys of a jsonb; MariaDB reports `1.50` for `1.5` and
** escapes quotes with a backslash.  Introspection and the expected model both
** pass their default through be_canon_default, which keeps the value and
** drops the spelling: casts and outer parentheses go, strings are unquoted,
** numbers, times (in UTC), JSON (keys sorted) and Postgres arrays (as JSON)
** are written one way, and function calls are lower-cased.
*/
#include "backend.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- times -------------------------------------------------------------- */

static long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *p, int n) {
  for (int i = 0; i < n; i++)
    if (!isdigit((unsigned char)p[i])) return false;
  return true;
}

const char *be_utc_datetime(arena *a, const char *iso) {
  if (strlen(iso) < 10 || !digits(iso, 4) || iso[4] != '-' || !digits(iso + 5, 2) ||
      iso[7] != '-' || !digits(iso + 8, 2))
    return NULL;
  long y = atol(iso), mo = atol(iso + 5), d = atol(iso + 8), hh = 0, mi = 0, ss = 0, off = 0;
  char frac[7] = "000000";
  const char *p = iso + 10;
  if (*p) {
    if ((*p != 'T' && *p != ' ') || !digits(p + 1, 2) || p[3] != ':' || !digits(p + 4, 2))
      return NULL;
    hh = atol(p + 1), mi = atol(p + 4);
    p += 6;
    if (*p == ':' && digits(p + 1, 2)) {
      ss = atol(p + 1);
      p += 3;
      if (*p == '.')
        for (int i = 0; isdigit((unsigned char)*++p);)
          if (i < 6) frac[i++] = *p;
    }
    if ((*p == '+' || *p == '-') && digits(p + 1, 2)) {
      long m = p[3] == ':' && digits(p + 4, 2) ? atol(p + 4) : 0;
      off = (*p == '-' ? -1 : 1) * (atol(p + 1) * 60 + m);
    } else if (*p && strcmp(p, "Z") != 0) {
      return NULL;
    }
  }
  long t = ((days_from_civil(y, mo, d) * 24 + hh) * 60 + mi - off) * 60 + ss;
  long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), sec = t - days * 86400;
  civil_from_days(days, &y, &mo, &d);
  return arena_printf(a, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld.%s", y, mo, d, sec / 3600,
                      sec / 60 % 60, sec % 60, frac);
}

/* ---- JSON and Postgres arrays ------------------------------------------- */

static int cmp_item(const void *x, const void *y) {
  return strcmp((*(cJSON *const *)x)->string, (*(cJSON *const *)y)->string);
}

/* Object keys in byte order, at every depth (jsonb keeps its own order). */
static void sort_keys(cJSON *j) {
  for (cJSON *c = j->child; c; c = c->next)
    sort_keys(c);
  if (!cJSON_IsObject(j) || !j->child) return;
  int n = 0;
  for (cJSON *c = j->child; c; c = c->next)
    n++;
  cJSON **v = malloc(sizeof *v * (size_t)n);
  if (!v) return;
  n = 0;
  for (cJSON *c = j->child; c; c = c->next)
    v[n++] = c;
  qsort(v, (size_t)n, sizeof *v, cmp_item);
  for (int i = 0; i < n; i++) {
    v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the head's prev is the tail */
    v[i]->next = i + 1 < n ? v[i + 1] : NULL;
  }
  j->child = v[0];
  free(v);
}

static const char *json_text(arena *a, cJSON *j) {
  if (!j) return NULL;
  sort_keys(j);
  char *t = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  if (!t) return NULL;
  const char *r = arena_strndup(a, t, strlen(t));
  cJSON_free(t);
  return r;
}

/* {a,"b c",NULL} -> ["a","b c",null]: elements as strings, as both the
** catalog and the lowering write them. */
static const char *pg_array_json(arena *a, const char *s) {
  if (*s != '{') return NULL;
  cJSON *arr = cJSON_CreateArray();
  char *buf = arena_alloc(a, strlen(s) + 1);
  const char *p = s + 1;
  while (*p && *p != '}') {
    size_t o = 0;
    bool quoted = *p == '"';
    if (quoted) {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;
        buf[o++] = *p;
      }
      if (*p) p++;
    } else {
      while (*p && *p != ',' && *p != '}')
        buf[o++] = *p++;
    }
    buf[o] = 0;
    cJSON_AddItemToArray(arr, !quoted && strcmp(buf, "NULL") == 0 ? cJSON_CreateNull()
                                                                  : cJSON_CreateString(buf));
    if (*p == ',') p++;
  }
  return json_text(a, arr);
}

/* ---- defaults ----------------------------------------------------------- */

static bool starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Where the quoted string at s ends (after its closing quote). */
static const char *string_end(const char *s, bool backslashes) {
  const char *p = s + 1;
  while (*p) {
    if (backslashes && *p == '\\' && p[1]) {
      p += 2;
    } else if (*p == '\'') {
      if (p[1] != '\'') return p + 1;
      p += 2;
    } else {
      p++;
    }
  }
  return p;
}

static const char *unquote(arena *a, const char *s, const char *end, bool backslashes) {
  char *out = arena_alloc(a, (size_t)(end - s) + 1);
  size_t o = 0;
  for (const char *p = s + 1; p < end - 1; p++) {
    if (backslashes && *p == '\\' && p + 1 < end - 1) {
      p++;
      static const char from[] = "0nrtZb", to[] = "\0\n\r\t\032\b";
      const char *k = strchr(from, *p);
      out[o++] = k && *p ? to[k - from] : *p;
      continue;
    }
    if (*p == '\'' && p[1] == '\'') p++;
    out[o++] = *p;
  }
  out[o] = 0;
  return out;
}

static bool wrapped(const char *s, size_t n) { /* (...) around the whole text */
  if (n < 2 || s[0] != '(' || s[n - 1] != ')') return false;
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') { /* skip a string */
      i++;
      while (i < n && !(s[i] == '\'' && (i + 1 >= n || s[i + 1] != '\'')))
        i += s[i] == '\'' ? 2 : 1;
      continue;
    }
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0 && i + 1 < n) return false;
  }
  return true;
}

const char *be_canon_default(arena *a, const char *type, const char *def, bool backslashes) {
  if (!def) return NULL;
  size_t n = strlen(def);
  while (n && isspace((unsigned char)def[n - 1]))
    n--;
  while (n && isspace((unsigned char)*def))
    def++, n--;
  while (wrapped(def, n))
    def++, n -= 2;
  const char *s = arena_strndup(a, def, n);
  if (!*s || strcmp(s, "NULL") == 0 || strcmp(s, "null") == 0) return NULL;
  const char *raw;
  if (*s == '\'') {
    const char *end = string_end(s, backslashes);
    raw = unquote(a, s, end, backslashes); /* what follows is a cast: '...'::type */
  } else {
    const char *cast = strstr(s, "::");
    raw = cast ? arena_strndup(a, s, (size_t)(cast - s)) : s;
    if (isalpha((unsigned char)*raw) && strchr(raw, '(')) { /* a call: now(), uuid() */
      char *low = arena_strndup(a, raw, strlen(raw));
      for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
      return low;
    }
    while (*raw == '(' && raw[strlen(raw) - 1] == ')') /* Postgres: (-3)::integer */
      raw = arena_strndup(a, raw + 1, strlen(raw) - 2);
  }
  size_t tn = strlen(type);
  if (tn > 2 && strcmp(type + tn - 2, "[]") == 0) {
    const char *j = pg_array_json(a, raw);
    return j ? j : raw;
  }
  if (strcmp(type, "json") == 0 || strcmp(type, "jsonb") == 0) {
    const char *j = json_text(a, cJSON_Parse(raw));
    return j ? j : raw;
  }
  if (starts(type, "timestamp") || starts(type, "datetime")) {
    const char *t = be_utc_datetime(a, raw);
    return t ? t : raw;
  }
  static const char *const numeric[] = {"int",     "smallint",  "bigint",  "numeric",
                                        "decimal", "double",    "real",    "tinyint",
                                        "float",   "mediumint", "integer", NULL};
  for (int i = 0; numeric[i]; i++)
    if (starts(type, numeric[i])) {
      char *end;
      double v = strtod(raw, &end);
      if (end != raw && !*end) return arena_printf(a, "%.17g", v);
    }
  return raw;
}
