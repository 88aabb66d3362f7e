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

#include <stdio.h>

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
  long run; /* the _inspire_runs row steps are recorded under, or 0 */
};

extern const rt_driver rt_sqlite_driver, rt_postgres_driver, rt_mysql_driver;
const rt_driver *rt_driver_of(rt_engine engine);

/* Connect; NULL and *err (scrubbed) on failure. */
rt_db *rt_open(arena *a, const char *url, const char **err);
void rt_close(rt_db *db);
/* The first cell of the first row: NULL when there is none or it is NULL;
** *ok false when the query failed (db->err says why). */
const char *rt_cell(rt_db *db, const char *sql, bool *ok);
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
const char *rt_now(arena *a);                    /* UTC, ISO 8601, milliseconds */
bool rt_ledger_ensure(rt_db *db);                /* the four tables, made on first use */
bool rt_ledger_exists(rt_db *db, bool *exists);
/* A ledger of an older inspirec (no batches), and bringing it up to date. */
bool rt_ledger_is_old(rt_db *db);
bool rt_ledger_upgrade(rt_db *db);
/* id, checksum, applied_at, batch of every applied migration, by id */
bool rt_ledger_applied(rt_db *db, rt_rows *rows);
bool rt_ledger_record(rt_db *db, const char *id, const char *checksum, long ms, const char *version,
                      int batch);
/* a migration reversed: its row and its up steps go */
bool rt_ledger_unrecord(rt_db *db, const char *id);
bool rt_ledger_forget_steps(rt_db *db, const char *id, const char *direction);
/* a step's row, replaced: status pending, running, done, failed or canceled;
** direction up or down */
bool rt_ledger_step(rt_db *db, const char *id, const char *direction, int step, const char *op,
                    const char *status, const char *error);
/* a backfill step's progress: batches and rows done, the last key reached */
bool rt_ledger_progress(rt_db *db, const char *id, int step, const char *status, long batches,
                        long rows, const char *last_key);
int rt_ledger_next_batch(rt_db *db); /* -1 on error */
/* _inspire_runs: a new row, state running; its id, or -1 */
long rt_run_begin(rt_db *db, const char *verb, int batch, const char *version);
bool rt_run_end(rt_db *db, long run, const char *state, const char *migrations, long ms,
                const char *error);
bool rt_run_snapshot(rt_db *db, long run, const char *id, const char *phase, const char *json);
bool rt_run_cancel_requested(rt_db *db, long run);
/* dir/plan.inspire, or dir/plan.migration when that is the one there */
const char *rt_plan_path(arena *a, const char *dir);
/* SHA-256 of a migration folder's plan and snapshot, in hex; NULL if
** unreadable.  durable: the files and the folder synced to the disk first
** (apply, before the ledger names these bytes; plan does not sync them). */
const char *rt_checksum(arena *a, const char *dir, bool durable);
/* Why rt_checksum gave NULL: the files, or no libcrypto (ir/sha256.c). */
const char *rt_checksum_trouble(void);

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
  long stop_after;     /* tests: _exit(137), as if killed, before statement N; 0: never */
  long batch_pause_ms; /* tests: a pause after each backfill batch, to cancel one in flight */
  int max_risk;        /* refuse a pending step scoring more; -1: no budget */
  /* down and rollback */
  int steps;        /* down: how many to reverse (1 by default) */
  bool rollback;    /* the whole last batch */
  bool accept_loss; /* run down scripts marked -- LOSSY: */
  bool down_verb;   /* set by rt_down */
  /* found */
  rt_db *db;
  bool locked, ledger;
  bool *is_applied; /* by migration index */
  int *batch_of;    /* by migration index: its batch in the ledger, 0 if not applied */
  int applied;
  const char *live_drift; /* the first difference, or NULL */
  const char *resuming;   /* a migration stopped half way up (no live-drift check) */
  const char *reversing;  /* one stopped half way down (MySQL) */
  long steps_run;
  long run_id;   /* this run's _inspire_runs row, or 0 */
  bool canceled; /* a backfill stopped by cancel or Ctrl-C (exit 3, state canceled) */
  long t0;       /* when the run started, ms */
} rt_run;

/* Open, lock, read and check the ledger, compare the database with the
** last applied snapshot.  RT_OK or an exit code (a message printed). */
int rt_prepare(rt_run *r);
void rt_finish(rt_run *r);
/* Prepare, then apply what is pending (up to r->to); with dry_run, print it. */
int rt_apply(rt_run *r);
/* Prepare, then run the down scripts of the newest applied migrations:
** r->steps of them, or those after r->to, or (r->rollback) the last batch. */
int rt_down(rt_run *r);
/* The ids in the ledger of the database at url (none for a SQLite file not
** made yet, which is not made): plan's draft-tip rule.  -1 and *err. */
int rt_applied_ids(arena *a, const char *url, rt_rows *out, const char **err);
long rt_now_ms(void); /* a monotonic clock */
int rt_blocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_db_error(rt_run *r, const char *what);
/* The test hook: the process ends before statement N of the run. */
void rt_maybe_stop(rt_run *r);
/* Progress on a terminal only (cli.md): one line, rewritten in place. */
void rt_progress(rt_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_progress_done(rt_run *r);
/* SQLite's PRAGMA foreign_key_check, before a rebuild commits */
bool rt_sqlite_fk_check(rt_run *r);

/* ---- verify.c ---------------------------------------------------------- */

/* Replay the whole history on the empty database r->url (in-memory SQLite
** by default): after each migration the database must equal its snapshot,
** at the end the declared schema; then every down script in reverse must
** return to the snapshot before it, down to nothing (or to a migration with
** no down).  RT_INPUT on a difference, named on stderr. */
int rt_verify(rt_run *r, const st_schema *declared);

/* ---- backfill.c -------------------------------------------------------- */

/* Ctrl-C during a backfill: stop between batches (set by a signal handler) */
extern volatile int rt_interrupted;
/* Statement `step` of migration id, an UPDATE with a batch plan: run it in
** batches, each its own transaction with its progress in the ledger,
** resuming after the last one done.  RT_OK, RT_DATABASE, or RT_BLOCKED when
** canceled (`inspirec cancel`, Ctrl-C) between batches. */
int rt_backfill(rt_run *r, const char *id, int step, const be_stmt *st);
/* `inspirec cancel`: ask the running run of the database at url to stop */
int rt_cancel(arena *a, const char *url, bool quiet);

/* ---- audit.c ----------------------------------------------------------- */

/* `inspirec history`: runs, newest first, with their steps (as text, each
** one only with verbose); at most limit */
int rt_history(arena *a, const char *url, bool json, bool verbose, int limit);
/* the newest run, for status: id, verb, state, started_at; or NULL */
const char *const *rt_last_run(rt_db *db);

/* ---- budget.c -------------------------------------------------------------- */

/* The pending steps of migrations first..last scored for the database's
** dialect; the first over r->max_risk is refused (exit 3). */
int rt_check_budget(rt_run *r, int first, int last);
/* One migration's plan against a budget (max_risk < 0: none); RT_BLOCKED
** and a message naming the step and its score when one is over (and, when
** running, that nothing was run). */
int rt_budget_plan(const be_dialect *d, const st_schema *prev, const char *name,
                   const ir_plan *plan, int max_risk, bool running, arena *a);
/* `risk on postgres: 90, destructive` and a line per step */
void rt_print_risks(FILE *out, const be_dialect *d, const st_schema *prev, const ir_plan *plan,
                    arena *a);
/* --max-risk's value: 0..100, or -2 when it is not one */
int rt_max_risk_arg(const char *text);

#endif
