/*
** dbclient.c: the table of libpq, libmariadb and libsqlite3 entry points,
** filled by dlopen (dbclient.h says why).
*/
#define _DEFAULT_SOURCE
#define DBCLIENT_IMPL
#include "dbclient.h"

#include <dlfcn.h>

dbclient_api dbclient;

static const char pq_missing[] = "cannot load libpq.so.5, the Postgres client library; install "
                                 "it with apt-get install libpq5";
static const char my_missing[] = "cannot load libmariadb.so.3, the MariaDB client library; "
                                 "install it with apt-get install libmariadb3";
static const char lite_missing[] = "cannot load libsqlite3.so.0, the SQLite library; install it "
                                   "with apt-get install libsqlite3-0";

/* The library stays open: connections outlive the call that made them. */
#define FILL(f)                                                                                    \
  if (!(dbclient.f##_ = (__typeof__(&f))dlsym(lib, #f))) return *err = missing, false;

static bool load_pq(const char **err) {
  const char *missing = pq_missing;
  void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return *err = missing, false;
  DBCLIENT_PQ(FILL)
  return true;
}

static bool load_my(const char **err) {
  const char *missing = my_missing;
  void *lib = dlopen("libmariadb.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return *err = missing, false;
  DBCLIENT_MY(FILL)
  return true;
}

static bool load_lite(const char **err) {
  const char *missing = lite_missing;
  void *lib = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return *err = missing, false;
  DBCLIENT_LITE(FILL)
  return true;
}

bool dbclient_load(dbclient_kind k, const char **err) {
  static bool pq_done, my_done, lite_done;
  if (k == DBCLIENT_POSTGRES) return pq_done || (pq_done = load_pq(err));
  if (k == DBCLIENT_SQLITE) return lite_done || (lite_done = load_lite(err));
  return my_done || (my_done = load_my(err));
}
