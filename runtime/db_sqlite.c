/*
** db_sqlite.c: the embedded default, through libsqlite3.
**
** The lock is an advisory lock (flock) on PATH.lock beside the database, not
** a long BEGIN IMMEDIATE: the 12-step rebuild must switch foreign keys off
** outside any transaction, which a transaction held for the whole run would
** forbid. The kernel drops the lock when the process dies, kill -9 included.
** Each migration still runs in BEGIN IMMEDIATE with a busy timeout.
*/
#include "runtime.h"
#include "backends/dbclient.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct lite {
  sqlite3 *db;
  int lock_fd;
} lite;

/* the folder of a new database file (.inspire/ for the default) */
static void make_parent(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return;
  char dir[4096];
  size_t n = (size_t)(slash - path);
  if (n >= sizeof dir) return;
  memcpy(dir, path, n);
  dir[n] = 0;
  mkdir(dir, 0777);
}

static bool lite_open(rt_db *d) {
  lite *l = arena_alloc(d->a, sizeof *l);
  l->lock_fd = -1;
  d->handle = l;
  const char *err;
  if (!dbclient_load(DBCLIENT_SQLITE, &err)) return rt_fail(d, err);
  const char *path = d->url->path;
  if (strcmp(path, ":memory:") != 0) make_parent(path);
  if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    return rt_fail(d, l->db ? sqlite3_errmsg(l->db) : "out of memory");
  sqlite3_busy_timeout(l->db, 30000);
  return true;
}

static bool lite_exec(rt_db *d, const char *sql) {
  lite *l = d->handle;
  char *msg = NULL;
  if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
  bool r = rt_fail(d, msg ? msg : sqlite3_errmsg(l->db));
  sqlite3_free(msg);
  return r;
}

static bool lite_query(rt_db *d, const char *sql, rt_rows *out) {
  lite *l = d->handle;
  sqlite3_stmt *st;
  memset(out, 0, sizeof *out);
  if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
    return rt_fail(d, sqlite3_errmsg(l->db));
  out->ncols = sqlite3_column_count(st);
  VEC(const char *) cells = {0};
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < out->ncols; i++) {
      const unsigned char *t = sqlite3_column_text(st, i);
      vec_push(d->a, cells,
               t ? arena_strndup(d->a, (const char *)t, strlen((const char *)t)) : NULL);
    }
    out->nrows++;
  }
  bool ok = rc == SQLITE_DONE || rt_fail(d, sqlite3_errmsg(l->db));
  sqlite3_finalize(st);
  out->cells = cells.v;
  return ok;
}

static int lite_try_lock(rt_db *d) {
  lite *l = d->handle;
  if (flock(l->lock_fd, LOCK_EX | LOCK_NB) == 0) return 1;
  return errno == EWOULDBLOCK || errno == EINTR ? 0 : (rt_fail(d, strerror(errno)), -1);
}

static bool lite_lock(rt_db *d, int timeout_s) {
  lite *l = d->handle;
  if (strcmp(d->url->path, ":memory:") == 0) return true; /* nobody else can see it */
  l->lock_fd =
      open(arena_printf(d->a, "%s.lock", d->url->path), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (l->lock_fd < 0) return rt_fail(d, strerror(errno));
  return rt_wait_lock(d, timeout_s, lite_try_lock);
}

static void lite_unlock(rt_db *d) {
  lite *l = d->handle;
  if (l && l->lock_fd >= 0) {
    flock(l->lock_fd, LOCK_UN);
    close(l->lock_fd);
    l->lock_fd = -1;
  }
}

static db_schema *lite_introspect(rt_db *d) {
  lite *l = d->handle;
  const char *err = NULL;
  db_schema *s = sqlite_introspect(l->db, d->a, &err);
  if (!s) rt_fail(d, err);
  return s;
}

static void lite_close(rt_db *d) {
  lite *l = d->handle;
  if (!l) return;
  lite_unlock(d);
  sqlite3_close(l->db);
  l->db = NULL;
}

const rt_driver rt_sqlite_driver = {"sqlite",        &be_sqlite, true,      lite_open,
                                    lite_exec,       lite_query, lite_lock, lite_unlock,
                                    lite_introspect, lite_close};
