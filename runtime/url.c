/*
** url.c: database URLs (migrations.md 6) and keeping their passwords out of
** every message.
**
**   sqlite:PATH  sqlite::memory:  sqlite://PATH
**   postgres://USER:PASS@HOST:PORT/DB?k=v   postgresql://...  (given to libpq whole)
**   mysql://USER:PASS@HOST:PORT/DB?socket=/run/mysqld/mysqld.sock
**
** User, password and database may be %-escaped, as in any URL.
*/
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

static int hex(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* s[0..n) with %XX decoded */
static const char *decode(arena *a, const char *s, size_t n) {
  char *out = arena_alloc(a, n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n + 1 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out[o++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = 0;
  return out;
}

/* scheme://[user[:password]@]host[:port][/database][?query] */
static bool split_network(arena *a, rt_url *u, const char *rest, const char **err) {
  const char *end = rest + strcspn(rest, "/?");
  const char *at = NULL;
  for (const char *p = rest; p < end; p++)
    if (*p == '@') at = p; /* the last one: a password may hold '@' unescaped */
  const char *hostpart = rest;
  if (at) {
    const char *colon = memchr(rest, ':', (size_t)(at - rest));
    u->user = decode(a, rest, (size_t)((colon ? colon : at) - rest));
    if (colon) u->password = decode(a, colon + 1, (size_t)(at - colon - 1));
    hostpart = at + 1;
  }
  const char *colon = memchr(hostpart, ':', (size_t)(end - hostpart));
  u->host = decode(a, hostpart, (size_t)((colon ? colon : end) - hostpart));
  if (colon) {
    char *stop;
    long port = strtol(colon + 1, &stop, 10);
    if (stop != end || port <= 0 || port > 65535) {
      *err = "the port in the database URL is not a number from 1 to 65535";
      return false;
    }
    u->port = (int)port;
  }
  const char *q = strchr(end, '?');
  if (*end == '/')
    u->database = decode(a, end + 1, (size_t)((q ? q : end + strlen(end)) - end - 1));
  for (const char *p = q; p && *p;) {
    p++;
    size_t n = strcspn(p, "&");
    if (starts(p, "socket=")) u->socket = decode(a, p + 7, n - 7);
    p += n;
  }
  if (u->database && !*u->database) u->database = NULL;
  return true;
}

/* The URL with the password (between ':' and '@' of the authority) as ***. */
static const char *hide_password(arena *a, const char *url) {
  const char *s = strstr(url, "://");
  if (!s) return url;
  s += 3;
  const char *end = s + strcspn(s, "/?"), *at = NULL;
  for (const char *p = s; p < end; p++)
    if (*p == '@') at = p;
  const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
  if (!colon) return url;
  return arena_printf(a, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

rt_url *rt_parse_url(arena *a, const char *url, const char **err) {
  rt_url *u = arena_alloc(a, sizeof *u);
  u->raw = url;
  u->shown = hide_password(a, url);
  if (starts(url, "sqlite:")) {
    u->engine = RT_SQLITE;
    const char *p = url + 7;
    if (starts(p, "//")) p += 2;
    u->path = p;
    if (!*p) *err = "sqlite: needs a file path, as in sqlite:.inspire/dev.db, or :memory:";
    return *p ? u : NULL;
  }
  if (starts(url, "postgres://") || starts(url, "postgresql://")) {
    u->engine = RT_POSTGRES;
    return split_network(a, u, strstr(url, "://") + 3, err) ? u : NULL;
  }
  if (starts(url, "mysql://") || starts(url, "mariadb://")) {
    u->engine = RT_MYSQL;
    return split_network(a, u, strstr(url, "://") + 3, err) ? u : NULL;
  }
  *err = arena_printf(a,
                      "'%s' is not a database URL inspirec knows: use sqlite:PATH, "
                      "postgres://USER@HOST/DB or mysql://USER@HOST/DB",
                      hide_password(a, url));
  return NULL;
}

const char *rt_scrub(arena *a, const rt_url *u, const char *text) {
  if (!text || !u || !u->password || !*u->password) return text;
  strbuf b = {0};
  strbuf_puts(&b, "");
  size_t n = strlen(u->password);
  for (const char *p = text; *p;) {
    const char *hit = strstr(p, u->password);
    if (!hit) {
      strbuf_puts(&b, p);
      break;
    }
    strbuf_puts(&b, arena_printf(a, "%.*s***", (int)(hit - p), p));
    p = hit + n;
  }
  return strbuf_done(&b, a);
}
