/*
** runner.c: apply, dry-run and status (migrations.md 6).
**
** Under the lock: the ledger is read and checked against the history (an
** applied migration changed or gone blocks everything), the database is
** compared with the last applied snapshot (live drift), then each pending
** migration runs.  Postgres and SQLite run a migration in one transaction:
** a failed statement rolls it all back and the ledger gets the failed step
** in a transaction of its own.  MySQL commits each DDL statement itself, so
** each statement is a step recorded as it completes, and a re-run resumes
** after the last one done.
*/
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int blocked(rt_run *r, const char *fmt, const char *a1, const char *a2) {
  fprintf(stderr, "inspirec: ");
  fprintf(stderr, fmt, a1, a2);
  fputc('\n', stderr);
  (void)r;
  return RT_BLOCKED;
}

static int db_error(rt_run *r, const char *what) {
  fprintf(stderr, "inspirec: %s: %s\n", what, r->db->err ? r->db->err : "unknown error");
  return RT_DATABASE;
}

/* The applied rows against the history: every one still there, unchanged. */
static int check_ledger(rt_run *r) {
  rt_rows rows;
  r->applied = 0;
  if (!r->ledger) return RT_OK;
  if (!rt_ledger_applied(r->db, &rows)) return db_error(r, "cannot read the ledger");
  for (int i = 0; i < rows.nrows; i++) {
    const char *id = rows.cells[i * rows.ncols], *sum = rows.cells[i * rows.ncols + 1];
    history_mig *m = NULL;
    for (int j = 0; j < r->h->migs.n && !m; j++)
      if (strcmp(r->h->migs.v[j]->name, id ? id : "") == 0) m = r->h->migs.v[j];
    if (!m)
      return blocked(r,
                     "migration %s is applied to the database but missing from %s; restore it "
                     "from version control",
                     id, r->h->dir);
    const char *now = rt_checksum(r->a, m->dir);
    if (!now || !sum || strcmp(now, sum) != 0)
      return blocked(r,
                     "%s/plan.inspire or snapshot.json changed after %s was applied; restore the "
                     "committed files (an applied migration is never edited: plan a new one)",
                     m->dir, m->name);
    r->is_applied[m->number - 1] = true;
    r->applied++;
  }
  for (int j = 0; j < r->h->migs.n; j++) /* applied out of order: a gap below */
    if (!r->is_applied[j] && j + 1 < r->h->migs.n && r->is_applied[j + 1])
      return blocked(r, "migration %s is not applied but a later one is; %s", r->h->migs.v[j]->name,
                     "apply cannot fill a gap in the history");
  return RT_OK;
}

/* The state the database should be in: the last applied snapshot. */
static const st_schema *applied_state(rt_run *r) {
  const st_schema *s = NULL;
  for (int j = 0; j < r->h->migs.n; j++)
    if (r->is_applied[j]) s = r->h->migs.v[j]->snapshot;
  return s ? s : st_new(r->a, r->h->latest ? r->h->latest->names : NULL);
}

/* The first pending migration's enum values added before its transaction
** (Postgres' ADD VALUE, committed on its own): a runner stopped after them
** leaves them in place, and the database is then as right as before. */
static const st_schema *with_early_values(rt_run *r, const st_schema *applied) {
  for (int j = 0; j < r->h->migs.n; j++) {
    if (r->is_applied[j]) continue;
    st_schema *s = st_clone(applied, r->a);
    bool any = false;
    const ir_plan *p = r->h->migs.v[j]->plan;
    for (int i = 0; i < p->ops.n; i++)
      if (p->ops.v[i]->kind == OP_ADD_VALUE && !st_apply(s, p->ops.v[i])) any = true;
    return any ? s : NULL;
  }
  return NULL;
}

static int check_live_drift(rt_run *r) {
  db_schema *got = rt_introspect(r->db);
  if (!got) return db_error(r, "cannot read the database");
  const st_schema *applied = applied_state(r);
  const be_dialect *d = r->db->drv->dialect;
  r->live_drift = db_diff(be_expected(d, applied, r->a), got, r->a);
  const st_schema *early =
      r->live_drift && d == &be_postgres ? with_early_values(r, applied) : NULL;
  if (early && !db_diff(be_expected(d, early, r->a), got, r->a)) r->live_drift = NULL;
  return RT_OK;
}

/* The test hook: the process ends before statement N of the run, as a
** kill -9 would end it (no rollback, no unlock: the engine and the kernel
** must cope). */
static void maybe_stop(rt_run *r) {
  if (r->stop_after && ++r->steps_run == r->stop_after) _exit(137);
}

static bool run_list(rt_run *r, const be_stmt *v, int n, int *failed_at) {
  rt_db *db = r->db;
  for (int i = 0; i < n; i++) {
    maybe_stop(r);
    if (!db->drv->exec(db, v[i].sql)) {
      *failed_at = i;
      return false;
    }
  }
  return true;
}

/* The rebuild's check, before the commit (lang_altertable.html 7). */
static bool sqlite_fk_check(rt_run *r) {
  rt_rows bad;
  return r->db->drv->query(r->db, "PRAGMA foreign_key_check", &bad) &&
         (bad.nrows == 0 ||
          rt_fail(r->db, arena_printf(r->a,
                                      "foreign_key_check: table %s has a row whose reference "
                                      "points nowhere",
                                      bad.cells[0] ? bad.cells[0] : "?")));
}

/* One migration in one transaction (Postgres, SQLite). */
static int apply_transactional(rt_run *r, history_mig *m, const be_script *s, const char *sum) {
  rt_db *db = r->db;
  bool lite = db->url->engine == RT_SQLITE;
  int at = -1;
  long t0 = now_ms();
  /* Postgres' ADD VALUE and SQLite's foreign_keys=OFF: before the transaction */
  if (!run_list(r, s->pre.v, s->pre.n, &at)) return db_error(r, m->name);
  if (!db->drv->exec(db, lite ? "BEGIN IMMEDIATE" : "BEGIN")) return db_error(r, m->name);
  bool ok = run_list(r, s->stmts.v, s->stmts.n, &at);
  if (ok && lite && !(ok = sqlite_fk_check(r))) at = s->stmts.n;
  for (int i = 0; ok && i < s->stmts.n; i++)
    ok = rt_ledger_step(db, m->name, i + 1, s->stmts.v[i].sql, "done", NULL);
  ok = ok && rt_ledger_record(db, m->name, sum, now_ms() - t0, r->version) &&
       db->drv->exec(db, "COMMIT");
  if (!ok) {
    const char *err = db->err;
    db->drv->exec(db, "ROLLBACK");
    db->err = err;
    if (lite) db->drv->exec(db, "PRAGMA foreign_keys = ON");
    /* what failed, in a transaction of its own */
    if (at >= 0) {
      db->drv->exec(db, "BEGIN");
      for (int i = 0; i < at && i < s->stmts.n; i++)
        rt_ledger_step(db, m->name, i + 1, s->stmts.v[i].sql, "pending", NULL);
      rt_ledger_step(db, m->name, at + 1, at < s->stmts.n ? s->stmts.v[at].sql : "check", "failed",
                     err);
      db->drv->exec(db, "COMMIT");
    }
    db->err = err;
    return db_error(r, arena_printf(r->a, "%s failed at statement %d; nothing of it was kept",
                                    m->name, at + 1));
  }
  run_list(r, s->post.v, s->post.n, &at);
  return RT_OK;
}

/* One migration a statement at a time (MySQL), resuming after the steps done. */
static int apply_stepwise(rt_run *r, history_mig *m, const be_script *s, const char *sum) {
  rt_db *db = r->db;
  rt_rows done;
  long t0 = now_ms();
  if (!db->drv->query(db,
                      arena_printf(r->a,
                                   "SELECT step FROM _inspire_migration_steps WHERE migration_id "
                                   "= %s AND status = 'done' ORDER BY step",
                                   rt_lit(db, m->name)),
                      &done))
    return db_error(r, "cannot read the ledger");
  int skip = done.nrows; /* steps run in order, so the done ones are the first */
  const be_stmt *all[3] = {s->pre.v, s->stmts.v, s->post.v};
  int counts[3] = {s->pre.n, s->stmts.n, s->post.n}, step = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < counts[k]; i++) {
      step++;
      if (step <= skip) continue;
      const char *sql = all[k][i].sql;
      if (!rt_ledger_step(db, m->name, step, sql, "pending", NULL)) return db_error(r, m->name);
      maybe_stop(r);
      if (!db->drv->exec(db, sql)) {
        const char *err = db->err;
        rt_ledger_step(db, m->name, step, sql, "failed", err);
        db->err = err;
        return db_error(r, arena_printf(r->a,
                                        "%s failed at statement %d; the %d before it are done "
                                        "(MySQL commits each one); fix the cause and run apply "
                                        "again to resume",
                                        m->name, step, step - 1));
      }
      if (!rt_ledger_step(db, m->name, step, sql, "done", NULL)) return db_error(r, m->name);
    }
  if (!rt_ledger_record(db, m->name, sum, now_ms() - t0, r->version)) return db_error(r, m->name);
  return RT_OK;
}

int rt_prepare(rt_run *r) {
  const char *err;
  r->is_applied = arena_alloc(r->a, (size_t)r->h->migs.n + 1);
  r->db = rt_open(r->a, r->url, &err);
  if (!r->db) {
    fprintf(stderr, "inspirec: %s\n", err);
    return RT_DATABASE;
  }
  if (!r->no_lock && !r->db->drv->lock(r->db, r->lock_timeout))
    return r->db->timed_out ? blocked(r, "%s%s", r->db->err, "") : db_error(r, "cannot lock");
  r->locked = !r->no_lock;
  if (!rt_ledger_exists(r->db, &r->ledger)) return db_error(r, "cannot read the database");
  int rc = check_ledger(r);
  if (rc == RT_OK && !r->db->drv->transactional_ddl && r->ledger) {
    /* MySQL: steps of a migration not yet recorded mean one stopped half way;
    ** the database is then between two snapshots, and apply resumes it */
    rt_rows rows;
    if (!r->db->drv->query(r->db,
                           "SELECT DISTINCT migration_id FROM _inspire_migration_steps WHERE "
                           "status = 'done' AND migration_id NOT IN (SELECT id FROM "
                           "_inspire_migrations)",
                           &rows))
      return db_error(r, "cannot read the ledger");
    if (rows.nrows) r->resuming = rows.cells[0];
  }
  if (rc == RT_OK && !r->resuming) rc = check_live_drift(r);
  return rc;
}

void rt_finish(rt_run *r) {
  if (r->db && r->locked) r->db->drv->unlock(r->db);
  rt_close(r->db);
  r->db = NULL;
}

/* Progress on a terminal only (cli.md): one line, rewritten in place. */
static void progress(rt_run *r, const char *verb, int i, int n, const char *name) {
  if (!r->progress) return;
  fprintf(stderr, "\r\033[K%s %d/%d %s", verb, i, n, name);
  fflush(stderr);
}

static void progress_done(rt_run *r) {
  if (r->progress) fputs("\r\033[K", stderr);
}

/* The pending migrations' scripts, all lowered before anything runs, so that
** one the dialect cannot build (E0801) stops the run before it starts. */
static be_script *lower_pending(rt_run *r, int *first, int *last) {
  const be_dialect *d = r->db->drv->dialect;
  be_script *v = arena_alloc(r->a, sizeof *v * ((size_t)r->h->migs.n + 1));
  const st_schema *prev = applied_state(r);
  *first = -1;
  *last = -1;
  bool refused = false;
  for (int j = 0; j < r->h->migs.n; j++) {
    history_mig *m = r->h->migs.v[j];
    bool to = r->to && (strcmp(m->name, r->to) == 0 || atol(r->to) == m->number);
    if (!r->is_applied[j]) {
      if (*first < 0) *first = j;
      *last = j;
      be_script_init(&v[j], r->a);
      be_lower_plan(d, prev, m->plan, false, &v[j]);
      for (int k = 0; k < v[j].problems.n; k++, refused = true)
        fprintf(stderr, "inspirec: %s cannot be lowered for %s: %s\n", m->name, d->name,
                v[j].problems.v[k]);
    }
    if (to) break; /* --to an applied migration: nothing to do */
    prev = m->snapshot;
  }
  return refused ? NULL : v;
}

int rt_apply(rt_run *r) {
  int rc = rt_prepare(r);
  if (rc == RT_OK && r->source_drift) rc = blocked(r, "%s%s", r->source_drift, "");
  if (rc == RT_OK && r->live_drift && !r->allow_drift)
    rc = blocked(r,
                 "the database differs from the last applied migration (%s); fix it by hand, or "
                 "pass --allow-drift to apply anyway",
                 r->live_drift, "");
  int first = -1, last = -1;
  be_script *scripts = rc == RT_OK ? lower_pending(r, &first, &last) : NULL;
  if (rc == RT_OK && !scripts) rc = RT_INPUT;
  if (rc == RT_OK && !r->dry_run && first >= 0 && !rt_ledger_ensure(r->db))
    rc = db_error(r, "cannot make the ledger tables");
  int ran = 0, todo = first < 0 ? 0 : last - first + 1;
  for (int j = first; rc == RT_OK && j >= 0 && j <= last; j++) {
    history_mig *m = r->h->migs.v[j];
    if (r->dry_run) {
      char *text = be_script_text(&scripts[j], arena_printf(r->a, "-- %s", m->name));
      fputs(text, stdout);
      free(text);
    } else {
      const char *sum = rt_checksum(r->a, m->dir);
      if (!sum) {
        rc = blocked(r, "cannot read %s%s", m->dir, "");
        break;
      }
      progress(r, "applying", ran + 1, todo, m->name);
      rc = r->db->drv->transactional_ddl ? apply_transactional(r, m, &scripts[j], sum)
                                         : apply_stepwise(r, m, &scripts[j], sum);
      progress_done(r);
      if (rc == RT_OK && !r->quiet) fprintf(stderr, "applied %s\n", m->name);
    }
    ran++;
  }
  if (rc == RT_OK && !r->quiet && !r->dry_run) {
    if (ran)
      fprintf(stderr, "%d migration%s applied\n", ran, ran == 1 ? "" : "s");
    else
      fprintf(stderr, "nothing to apply: the database is at %s\n",
              r->applied ? r->h->migs.v[r->applied - 1]->name : "the empty schema");
  }
  rt_finish(r);
  return rc;
}

/* ---- plan's draft tip ---------------------------------------------------- */

int rt_applied_ids(arena *a, const char *url, rt_rows *out, const char **err) {
  memset(out, 0, sizeof *out);
  rt_url *u = rt_parse_url(a, url, err);
  if (!u) return -1;
  struct stat st;
  /* a SQLite file not made yet has nothing applied; plan does not make it */
  if (u->engine == RT_SQLITE && strcmp(u->path, ":memory:") != 0 && stat(u->path, &st) != 0)
    return 0;
  rt_db *db = rt_open(a, url, err);
  if (!db) return -1;
  bool exists = false;
  int rc = 0;
  if (rt_ledger_exists(db, &exists) && exists &&
      !db->drv->query(db, "SELECT id FROM _inspire_migrations ORDER BY id", out)) {
    *err = arena_printf(a, "cannot read the ledger of %s: %s", db->url->shown, db->err);
    rc = -1;
  }
  rt_close(db);
  return rc;
}

/* ---- verify -------------------------------------------------------------- */

/* A script on its own, with no ledger: verify's ups and downs. */
static bool run_script(rt_run *r, const be_script *s) {
  rt_db *db = r->db;
  bool tx = db->drv->transactional_ddl, lite = db->url->engine == RT_SQLITE;
  int at;
  if (!run_list(r, s->pre.v, s->pre.n, &at)) return false;
  if (tx && !db->drv->exec(db, lite ? "BEGIN IMMEDIATE" : "BEGIN")) return false;
  bool ok = run_list(r, s->stmts.v, s->stmts.n, &at) && (!lite || sqlite_fk_check(r));
  if (tx) {
    const char *err = db->err;
    if (!db->drv->exec(db, ok ? "COMMIT" : "ROLLBACK")) ok = false;
    if (err) db->err = err;
  }
  return run_list(r, s->post.v, s->post.n, &at) && ok;
}

static const char *differs(rt_run *r, const st_schema *want) {
  db_schema *got = rt_introspect(r->db);
  if (!got) return arena_printf(r->a, "cannot read the database: %s", r->db->err);
  return db_diff(be_expected(r->db->drv->dialect, want, r->a), got, r->a);
}

static int verify_failed(rt_run *r, const char *fmt, const char *a1, const char *a2) {
  progress_done(r);
  fprintf(stderr, "inspirec: verify: ");
  fprintf(stderr, fmt, a1, a2);
  fputc('\n', stderr);
  return RT_INPUT;
}

int rt_verify(rt_run *r, const st_schema *declared) {
  const char *err;
  const history *h = r->h;
  r->db = rt_open(r->a, r->url, &err);
  if (!r->db) {
    fprintf(stderr, "inspirec: %s\n", err);
    return RT_DATABASE;
  }
  int rc = RT_OK;
  bool memory = r->db->url->engine == RT_SQLITE && strcmp(r->db->url->path, ":memory:") == 0;
  if (!memory) {
    if (!r->db->drv->lock(r->db, r->lock_timeout))
      rc = r->db->timed_out ? blocked(r, "%s%s", r->db->err, "") : db_error(r, "cannot lock");
    r->locked = rc == RT_OK;
  }
  /* a throwaway database: verify will not build on anything, nor clobber it */
  const st_schema *empty = st_new(r->a, h->latest ? h->latest->names : NULL);
  bool ledger = false;
  const char *d = rc == RT_OK ? differs(r, empty) : NULL;
  if (rc == RT_OK && (d || !rt_ledger_exists(r->db, &ledger) || ledger))
    rc = blocked(r, "the shadow database %s is not empty (%s); verify needs a throwaway one",
                 r->db->url->shown, d ? d : "it has a migration ledger");
  const be_dialect *dl = r->db->drv->dialect;
  const st_schema *prev = empty;
  int n = h->migs.n, up = 0;
  for (int j = 0; rc == RT_OK && j < n; j++, up++) {
    history_mig *m = h->migs.v[j];
    be_script s;
    be_script_init(&s, r->a);
    be_lower_plan(dl, prev, m->plan, false, &s);
    if (s.problems.n) rc = verify_failed(r, "%s cannot be lowered for %s", m->name, dl->name);
    progress(r, "verify: up", j + 1, n, m->name);
    if (rc == RT_OK && !run_script(r, &s))
      rc = (progress_done(r), db_error(r, arena_printf(r->a, "verify: %s failed", m->name)));
    if (rc == RT_OK && (d = differs(r, m->snapshot)))
      rc = verify_failed(r, "after %s the database differs from its snapshot: %s", m->name, d);
    prev = m->snapshot;
  }
  if (rc == RT_OK && (d = differs(r, declared)))
    rc = verify_failed(r, "the history does not build the declared schema: %s%s", d,
                       "; run inspirec plan");
  if (rc == RT_OK && r->source_drift) rc = verify_failed(r, "%s%s", r->source_drift, "");
  /* back down to nothing: every down script returns to the snapshot before it */
  int down = 0;
  const char *stopped = NULL;
  for (int j = n - 1; rc == RT_OK && j >= 0 && !stopped; j--) {
    history_mig *m = h->migs.v[j];
    const st_schema *before = j ? h->migs.v[j - 1]->snapshot : empty;
    be_script s;
    be_script_init(&s, r->a);
    be_lower_plan(dl, before, m->plan, true, &s);
    if (s.irreversible) {
      stopped = m->name;
      break;
    }
    progress(r, "verify: down", n - j, n, m->name);
    if (!run_script(r, &s))
      rc =
          (progress_done(r), db_error(r, arena_printf(r->a, "verify: down of %s failed", m->name)));
    if (rc == RT_OK && (d = differs(r, before)))
      rc = verify_failed(
          r, "the down script of %s leaves the database unlike the snapshot before it: %s", m->name,
          d);
    down += rc == RT_OK;
  }
  progress_done(r);
  if (rc == RT_OK) {
    printf("verified %d migration%s on %s\n"
           "  each builds its snapshot, the last the declared schema\n",
           up, up == 1 ? "" : "s", r->db->url->shown);
    if (stopped)
      printf("  the down scripts of the %d newest return to the snapshot before them; %s has "
             "none, so the shadow database is left at it\n",
             down, stopped);
    else
      printf("  every down script returns to the snapshot before it\n");
  }
  rt_finish(r);
  return rc;
}
