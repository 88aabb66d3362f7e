/*
** dbclient.c: the table of libpq, libmariadb and libsqlite3 entry points,
** filled by dlopen (dbclient.h says why).
*/
#define _DEFAULT_SOURCE
#define DBCLIENT_IMPL
#include "dbclient.h"

#include <dlfcn.h>

dbclient_api dbclient;

#define FILL(f)                                                                                    \
  if (!(dbclient.f##_ = (__typeof__(&f))dlsym(lib, #f))) return false;

static bool fill_pq(void *lib) {
  DBCLIENT_PQ(FILL)
  return true;
}

static bool fill_my(void *lib) {
  DBCLIENT_MY(FILL)
  return true;
}

static bool fill_lite(void *lib) {
  DBCLIENT_LITE(FILL)
  return true;
}

static const struct {
  const char *soname, *missing;
  bool (*fill)(void *lib);
} clients[] = {
    [DBCLIENT_POSTGRES] = {"libpq.so.5",
                           "cannot load libpq.so.5, the Postgres client library; install it with "
                           "apt-get install libpq5",
                           fill_pq},
    [DBCLIENT_MYSQL] = {"libmariadb.so.3",
                        "cannot load libmariadb.so.3, the MariaDB client library; install it "
                        "with apt-get install libmariadb3",
                        fill_my},
    [DBCLIENT_SQLITE] = {"libsqlite3.so.0",
                         "cannot load libsqlite3.so.0, the SQLite library; install it with "
                         "apt-get install libsqlite3-0",
                         fill_lite},
};

bool dbclient_load(dbclient_kind k, const char **err) {
  static bool done[sizeof clients / sizeof *clients];
  if (done[k]) return true;
  /* The library stays open: connections outlive the call that made them. */
  void *lib = dlopen(clients[k].soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib || !clients[k].fill(lib)) {
    *err = clients[k].missing;
    return false;
  }
  return done[k] = true;
}
