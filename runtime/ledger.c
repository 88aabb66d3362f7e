/*
** ledger.c: what a database says was applied to it (migrations.md 6), and
** the audit history beside it (docs/runtime.md):
**
**   _inspire_migrations       id, checksum, applied_at, execution_ms,
**                             inspirec_version, batch
**   _inspire_migration_steps  migration_id, direction (up|down), step,
**                             operation, status, error, started_at,
**                             finished_at, run_id, batches, rows_done,
**                             last_key, superseded
**   _inspire_runs             one row per apply, down, rollback: its state
**   _inspire_schema_snapshots the snapshot before and after each migration
**                             a run applied or reversed, in parts of 1 MB
**
** The checksum is the SHA-256 of the plan file's bytes followed by the
** snapshot's, so an edit to either is seen.
*/
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* a string literal in the connection's dialect */
const char *rt_lit(rt_db *db, const char *text) {
  be_ctx c = {db->drv->dialect, db->a, NULL, NULL, NULL, false, NULL, NULL, 0};
  return text ? be_string(&c, text) : "NULL";
}

bool rt_ledger_ensure(rt_db *db) {
  bool my = db->url->engine == RT_MYSQL;
  /* MySQL keys and indexes need a length, and TEXT stops at 64 KB */
  const char *key = my ? "varchar(255)" : "TEXT", *big = my ? "LONGTEXT" : "TEXT";
  const char *tables[] = {
      "CREATE TABLE IF NOT EXISTS _inspire_migrations (id %1$s NOT NULL PRIMARY KEY, checksum "
      "%1$s NOT NULL, applied_at %1$s NOT NULL, execution_ms BIGINT NOT NULL, inspirec_version "
      "%1$s NOT NULL, batch INTEGER NOT NULL)",
      "CREATE TABLE IF NOT EXISTS _inspire_migration_steps (migration_id %1$s NOT NULL, "
      "direction %1$s NOT NULL, step INTEGER NOT NULL, operation %2$s NOT NULL, status %1$s NOT "
      "NULL, error TEXT, started_at %1$s, finished_at %1$s, run_id INTEGER NOT NULL DEFAULT 0, "
      "batches INTEGER, rows_done BIGINT, last_key TEXT, superseded INTEGER NOT NULL DEFAULT 0, "
      "PRIMARY KEY (migration_id, direction, step, run_id))",
      "CREATE TABLE IF NOT EXISTS _inspire_runs (id INTEGER NOT NULL PRIMARY KEY, verb %1$s NOT "
      "NULL, batch INTEGER, state %1$s NOT NULL, migrations TEXT, started_at %1$s NOT NULL, "
      "finished_at %1$s, duration_ms BIGINT, error TEXT, inspirec_version %1$s NOT NULL, "
      "cancel_requested INTEGER NOT NULL DEFAULT 0)",
      "CREATE TABLE IF NOT EXISTS _inspire_schema_snapshots (run_id INTEGER NOT NULL, "
      "migration_id %1$s NOT NULL, phase %1$s NOT NULL, part INTEGER NOT NULL, snapshot %2$s NOT "
      "NULL, recorded_at %1$s NOT NULL, PRIMARY KEY (run_id, migration_id, phase, part))",
  };
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
    if (!db->drv->exec(db, arena_printf(db->a, tables[i], key, big))) return false;
  return true;
}

/* A ledger made by inspirec 0.x before runs and batches (issue 9): the
** migrations get a batch (1), the steps a direction (up) and their new
** columns, through a copy since a primary key cannot change in place. */
/* Does the query run?  A failure here is an answer, not an error. */
static bool runs(rt_db *db, const char *sql) {
  bool ok;
  rt_cell(db, sql, &ok);
  db->err = NULL;
  return ok;
}

bool rt_ledger_is_old(rt_db *db) {
  return !runs(db, "SELECT batch FROM _inspire_migrations WHERE 1 = 0");
}

bool rt_ledger_upgrade(rt_db *db) {
  const char *steps = "migration_id, step, operation, status, error, started_at, finished_at";
  return db->drv->exec(db, "ALTER TABLE _inspire_migrations ADD COLUMN batch INTEGER NOT NULL "
                           "DEFAULT 1") &&
         db->drv->exec(db, "ALTER TABLE _inspire_migration_steps RENAME TO "
                           "_inspire_migration_steps_v1") &&
         rt_ledger_ensure(db) &&
         db->drv->exec(db, arena_printf(db->a,
                                        "INSERT INTO _inspire_migration_steps (%s, direction) "
                                        "SELECT %s, 'up' FROM _inspire_migration_steps_v1",
                                        steps, steps)) &&
         db->drv->exec(db, "DROP TABLE _inspire_migration_steps_v1");
}

/* Introspection leaves the ledger out (SQLite's on purpose), so ask for it:
** a query that fails is a ledger not made yet. */
bool rt_ledger_exists(rt_db *db, bool *exists) {
  *exists = runs(db, "SELECT count(*) FROM _inspire_migrations");
  return true;
}

bool rt_ledger_applied(rt_db *db, rt_rows *rows) {
  return db->drv->query(
      db, "SELECT id, checksum, applied_at, batch FROM _inspire_migrations ORDER BY id", rows);
}

const char *rt_now(arena *a) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
  return arena_strndup(a, buf, strlen(buf));
}

bool rt_ledger_record(rt_db *db, const char *id, const char *checksum, long ms, const char *version,
                      int batch) {
  return db->drv->exec(db, arena_printf(db->a,
                                        "INSERT INTO _inspire_migrations (id, checksum, "
                                        "applied_at, execution_ms, inspirec_version, batch) "
                                        "VALUES (%s, %s, %s, %ld, %s, %d)",
                                        rt_lit(db, id), rt_lit(db, checksum),
                                        rt_lit(db, rt_now(db->a)), ms, rt_lit(db, version), batch));
}

bool rt_ledger_unrecord(rt_db *db, const char *id) {
  return db->drv->exec(db, arena_printf(db->a, "DELETE FROM _inspire_migrations WHERE id = %s",
                                        rt_lit(db, id))) &&
         rt_ledger_forget_steps(db, id, "up");
}

/* Steps of a life of the migration that is over (applied then reversed, or
** the other way) stay for the audit, out of the runner's way. */
bool rt_ledger_forget_steps(rt_db *db, const char *id, const char *direction) {
  return db->drv->exec(db, arena_printf(db->a,
                                        "UPDATE _inspire_migration_steps SET superseded = 1 WHERE "
                                        "migration_id = %s AND direction = %s AND superseded = 0",
                                        rt_lit(db, id), rt_lit(db, direction)));
}

bool rt_ledger_step(rt_db *db, const char *id, const char *direction, int step, const char *op,
                    const char *status, const char *error) {
  const char *now = rt_lit(db, rt_now(db->a));
  return db->drv->exec(db, arena_printf(db->a,
                                        "DELETE FROM _inspire_migration_steps WHERE migration_id "
                                        "= %s AND direction = %s AND step = %d AND superseded = 0",
                                        rt_lit(db, id), rt_lit(db, direction), step)) &&
         db->drv->exec(
             db, arena_printf(db->a,
                              "INSERT INTO _inspire_migration_steps (migration_id, direction, "
                              "step, operation, status, error, started_at, finished_at, run_id) "
                              "VALUES (%s, %s, %d, %s, %s, %s, %s, %s, %s)",
                              rt_lit(db, id), rt_lit(db, direction), step, rt_lit(db, op),
                              rt_lit(db, status), rt_lit(db, error), now,
                              strcmp(status, "pending") && strcmp(status, "running") ? now : "NULL",
                              arena_printf(db->a, "%ld", db->run > 0 ? db->run : 0)));
}

bool rt_ledger_progress(rt_db *db, const char *id, int step, const char *status, long batches,
                        long rows, const char *last_key) {
  return db->drv->exec(
      db, arena_printf(db->a,
                       "UPDATE _inspire_migration_steps SET status = %s, batches = %ld, rows_done "
                       "= %ld, last_key = %s, finished_at = %s, run_id = %ld WHERE migration_id = "
                       "%s AND direction = 'up' AND step = %d AND superseded = 0",
                       rt_lit(db, status), batches, rows, rt_lit(db, last_key),
                       strcmp(status, "running") ? rt_lit(db, rt_now(db->a)) : "NULL",
                       db->run > 0 ? db->run : 0, rt_lit(db, id), step));
}

/* ---- runs ----------------------------------------------------------------- */

/* The next number of a counter column (under the runner's lock: no race). */
static long next_of(rt_db *db, const char *column, const char *table) {
  bool ok;
  const char *next = rt_cell(
      db, arena_printf(db->a, "SELECT coalesce(max(%s), 0) + 1 FROM %s", column, table), &ok);
  return next ? atol(next) : -1;
}

/* Batch numbers only grow, a rollback's included: the runs remember them
** after the migrations' rows are gone, so history never shows one twice. */
int rt_ledger_next_batch(rt_db *db) {
  long runs = next_of(db, "batch", "_inspire_runs WHERE verb = 'apply'"),
       applied = next_of(db, "batch", "_inspire_migrations"); /* an upgraded ledger's */
  return runs < 0 || applied < 0 ? -1 : (int)(runs > applied ? runs : applied);
}

long rt_run_begin(rt_db *db, const char *verb, int batch, const char *version) {
  long id = next_of(db, "id", "_inspire_runs");
  if (id < 0) return -1;
  if (!db->drv->exec(db, arena_printf(db->a,
                                      "INSERT INTO _inspire_runs (id, verb, batch, state, "
                                      "started_at, inspirec_version) VALUES (%ld, %s, %s, "
                                      "'running', %s, %s)",
                                      id, rt_lit(db, verb),
                                      batch > 0 ? arena_printf(db->a, "%d", batch) : "NULL",
                                      rt_lit(db, rt_now(db->a)), rt_lit(db, version))))
    return -1;
  return id;
}

bool rt_run_end(rt_db *db, long run, const char *state, const char *migrations, long ms,
                const char *error) {
  return run <= 0 ||
         db->drv->exec(db, arena_printf(db->a,
                                        "UPDATE _inspire_runs SET state = %s, migrations = %s, "
                                        "finished_at = %s, duration_ms = %ld, error = %s WHERE id "
                                        "= %ld",
                                        rt_lit(db, state), rt_lit(db, migrations),
                                        rt_lit(db, rt_now(db->a)), ms, rt_lit(db, error), run));
}

/* In parts of at most 1 MB, cut between two UTF-8 characters: one statement
** of a 16 MB snapshot would pass MySQL's max_allowed_packet. */
bool rt_run_snapshot(rt_db *db, long run, const char *id, const char *phase, const char *json) {
  enum { PART = 1 << 20 };
  const char *now = rt_lit(db, rt_now(db->a));
  size_t len = strlen(json);
  int part = 0;
  for (size_t at = 0; at < len || part == 0; part++) {
    size_t n = len - at > PART ? PART : len - at;
    while (n < len - at && n > 1 && ((unsigned char)json[at + n] & 0xC0) == 0x80)
      n--;
    char *piece = arena_strndup(db->a, json + at, n);
    bool ok = db->drv->exec(db, arena_printf(db->a,
                                             "INSERT INTO _inspire_schema_snapshots (run_id, "
                                             "migration_id, phase, part, snapshot, recorded_at) "
                                             "VALUES (%ld, %s, %s, %d, %s, %s)",
                                             run, rt_lit(db, id), rt_lit(db, phase), part,
                                             rt_lit(db, piece), now));
    if (!ok) return false;
    at += n;
  }
  return true;
}

bool rt_run_cancel_requested(rt_db *db, long run) {
  bool ok;
  const char *asked =
      run > 0
          ? rt_cell(db,
                    arena_printf(db->a, "SELECT cancel_requested FROM _inspire_runs WHERE id = %ld",
                                 run),
                    &ok)
          : NULL;
  return asked && atoi(asked) != 0;
}

/* ---- checksums ---------------------------------------------------------- */

/* fd's bytes on the disk; a file system that cannot sync (EINVAL) or is
** read-only (EROFS) is taken as it is. */
static bool sync_fd(int fd) {
  return fsync(fd) == 0 || errno == EINVAL || errno == EROFS;
}

static bool add_file(ir_sha256 *h, const char *path, bool durable) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[65536];
  size_t n;
  bool ok = true;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    ok &= ir_sha256_add(h, buf, n);
  ok &= !ferror(f);
  if (durable) ok &= sync_fd(fileno(f));
  fclose(f);
  return ok;
}

/* The folder's entry in its parent: plan renamed it into place. */
static bool sync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = sync_fd(fd);
  close(fd);
  return ok;
}

const char *rt_plan_path(arena *a, const char *dir) {
  const char *plan = arena_printf(a, "%s/plan.inspire", dir);
  FILE *probe = fopen(plan, "rb");
  if (!probe) return arena_printf(a, "%s/plan.migration", dir);
  fclose(probe);
  return plan;
}

const char *rt_checksum_trouble(void) {
  return ir_sha256_libcrypto()
             ? "its plan.inspire or snapshot.json cannot be read, or not written to the disk"
             : "libcrypto.so.3 cannot be loaded; install it with apt-get install libssl3";
}

const char *rt_checksum(arena *a, const char *dir, bool durable) {
  ir_sha256 h;
  unsigned char out[32];
  unsigned n = sizeof out;
  bool ok = ir_sha256_begin(&h) && add_file(&h, rt_plan_path(a, dir), durable) &&
            add_file(&h, arena_printf(a, "%s/snapshot.json", dir), durable) &&
            (!durable || (sync_dir(dir) && sync_dir(arena_printf(a, "%s/..", dir))));
  if (!ir_sha256_end(&h, ok ? out : NULL) || !ok) return NULL;
  char *hex = arena_alloc(a, 2 * n + 1);
  for (unsigned i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return hex;
}
