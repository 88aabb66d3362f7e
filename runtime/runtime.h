/*
** runtime.h: applying committed migrations to a live database
** (migrations.md 6): connections, the ledger, locks and the runner.
**
** A connection is a driver table (one per engine, as the backends are one
** per dialect) and a handle.  Every error text a driver returns has the
** password of the URL taken out, so no caller can print it by mistake.
*/
#ifndef INSPIRE_RUNTIME_H
#define INSPIRE_RUNTIME_H

#include "backends/backend.h"
#include "frontend/frontend.h"

/* ---- url.c ------------------------------------------------------------- */

typedef enum rt_engine { RT_SQLITE, RT_POSTGRES, RT_MYSQL } rt_engine;

typedef struct rt_url {
  rt_engine engine;
  const char *raw;   /* as given: holds the password; never printed */
  const char *shown; /* the same with the password replaced by *** */
  /* parts, for the engines that want them (SQLite: path; MySQL: all) */
  const char *path, *user, *password, *host, *database, *socket;
  int port;
} rt_url;

/* sqlite:PATH, sqlite::memory:, postgres://..., postgresql://..., mysql://...
** NULL and *err (without the password) when the URL is not one of those. */
rt_url *rt_parse_url(arena *a, const char *url, const char **err);
/* text with every occurrence of the URL's password replaced by *** */
const char *rt_scrub(arena *a, const rt_url *u, const char *text);

/* ---- db.c and one driver per engine ------------------------------------ */

typedef struct rt_db rt_db;

/* Rows of text cells (NULL for SQL NULL), for the ledger's few queries. */
typedef struct rt_rows {
  int nrows, ncols;
  const char **cells; /* row-major */
} rt_rows;

typedef struct rt_driver {
  const char *name;
  const be_dialect *dialect;
  bool transactional_ddl; /* DDL inside BEGIN ... COMMIT rolls back (not MySQL) */
  bool (*open)(rt_db *db);
  bool (*exec)(rt_db *db, const char *sql);
  bool (*query)(rt_db *db, const char *sql, rt_rows *out);
  /* one runner per database; false after timeout_s seconds (db->timed_out) */
  bool (*lock)(rt_db *db, int timeout_s);
  void (*unlock)(rt_db *db);
  db_schema *(*introspect)(rt_db *db);
  void (*close)(rt_db *db);
} rt_driver;

struct rt_db {
  const rt_driver *drv;
  const rt_url *url;
  arena *a;
  void *handle;
  const char *err; /* the last error, scrubbed */
  bool timed_out;
};

extern const rt_driver rt_sqlite_driver, rt_postgres_driver, rt_mysql_driver;

/* Connect; NULL and *err (scrubbed) on failure. */
rt_db *rt_open(arena *a, const char *url, const char **err);
void rt_close(rt_db *db);
/* sets db->err to msg with the password scrubbed; returns false */
bool rt_fail(rt_db *db, const char *msg);
/* Poll try_once (1: taken, 0: busy, -1: error) every 100 ms for timeout_s
** seconds; on timeout, db->timed_out and an error naming the database. */
bool rt_wait_lock(rt_db *db, int timeout_s, int (*try_once)(rt_db *db));
bool rt_lock_timeout(rt_db *db, int timeout_s);
/* The database as introspection reads it, the ledger's own tables left out. */
db_schema *rt_introspect(rt_db *db);

/* ---- ledger.c ---------------------------------------------------------- */

const char *rt_lit(rt_db *db, const char *text); /* a string literal; NULL: NULL */
const char *rt_now(arena *a);                    /* UTC, ISO 8601 */
bool rt_ledger_ensure(rt_db *db);                /* the two tables, made on first use */
bool rt_ledger_exists(rt_db *db, bool *exists);
/* id, checksum, applied_at of every applied migration, by id */
bool rt_ledger_applied(rt_db *db, rt_rows *rows);
bool rt_ledger_record(rt_db *db, const char *id, const char *checksum, long ms,
                      const char *version);
/* a step's row, replaced: status pending, done or failed */
bool rt_ledger_step(rt_db *db, const char *id, int step, const char *op, const char *status,
                    const char *error);
/* SHA-256 of a migration folder's plan and snapshot, in hex; NULL if unreadable */
const char *rt_checksum(arena *a, const char *dir);

/* ---- runner.c ---------------------------------------------------------- */

/* exit codes, as cli.md numbers them */
enum { RT_OK = 0, RT_INPUT = 1, RT_BLOCKED = 3, RT_DATABASE = 4 };

typedef struct rt_run {
  /* asked */
  arena *a;
  history *h; /* loaded and checked: no errors, no markers */
  const char *url, *to, *version;
  const char *source_drift; /* the schema ahead of its migrations: blocks, after the ledger */
  bool allow_drift, dry_run, quiet;
  bool progress; /* stderr is a terminal: one line rewritten as migrations run */
  bool no_lock;  /* status: reads only */
  int lock_timeout;
  long stop_after; /* tests: _exit(137), as if killed, before statement N; 0: never */
  /* found */
  rt_db *db;
  bool locked, ledger;
  bool *is_applied; /* by migration index */
  int applied;
  const char *live_drift; /* the first difference, or NULL */
  const char *resuming;   /* MySQL: a migration stopped half way (no live-drift check) */
  long steps_run;
} rt_run;

/* Open, lock, read and check the ledger, compare the database with the
** last applied snapshot.  RT_OK or an exit code (a message printed). */
int rt_prepare(rt_run *r);
void rt_finish(rt_run *r);
/* Prepare, then apply what is pending (up to r->to); with dry_run, print it. */
int rt_apply(rt_run *r);
/* Replay the whole history on the empty database r->url (in-memory SQLite
** by default): after each migration the database must equal its snapshot,
** at the end the declared schema; then every down script in reverse must
** return to the snapshot before it, down to nothing (or to a migration with
** no down).  RT_INPUT on a difference, named on stderr. */
int rt_verify(rt_run *r, const st_schema *declared);
/* The ids in the ledger of the database at url (none for a SQLite file not
** made yet, which is not made): plan's draft-tip rule.  -1 and *err. */
int rt_applied_ids(arena *a, const char *url, rt_rows *out, const char **err);

#endif
