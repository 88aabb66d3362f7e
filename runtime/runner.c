/*
** runner.c: apply, dry-run, status, down and rollback (migrations.md 6,
** docs/runtime.md).
**
** Under the lock: the ledger is read and checked against the history (an
** applied migration changed or gone blocks everything), the database is
** compared with the last applied snapshot (live drift), then each migration
** runs, up or down.  Postgres and SQLite run a migration in one transaction:
** a failed statement rolls it all back and the ledger gets the failed step
** in a transaction of its own.  A backfill splits that transaction: what
** comes before it commits, its batches commit one by one, and the rest
** commits with the ledger row, each part recording its steps done, so a
** re-run resumes after them.  MySQL commits each DDL statement itself, so
** each statement is a step recorded as it completes, and a re-run resumes
** after the last one done.  Every apply, down and rollback is a row of
** _inspire_runs, and each migration it moves leaves the snapshots before
** and after it in _inspire_schema_snapshots.
*/
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

long rt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rt_blocked(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "inspirec: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return RT_BLOCKED;
}

int rt_db_error(rt_run *r, const char *what) {
  fprintf(stderr, "inspirec: %s: %s\n", what, r->db->err ? r->db->err : "unknown error");
  return RT_DATABASE;
}

void rt_progress(rt_run *r, const char *fmt, ...) {
  if (!r->progress) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("\r\033[K", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fflush(stderr);
}

void rt_progress_done(rt_run *r) {
  if (r->progress) fputs("\r\033[K", stderr);
}

/* The test hook: the process ends before statement N of the run, as a
** kill -9 would end it (no rollback, no unlock: the engine and the kernel
** must cope). */
void rt_maybe_stop(rt_run *r) {
  if (r->stop_after && ++r->steps_run == r->stop_after) _exit(137);
}

/* ---- the ledger against the history --------------------------------------- */

static history_mig *mig_named(rt_run *r, const char *id) {
  for (int j = 0; j < r->h->migs.n; j++)
    if (strcmp(r->h->migs.v[j]->name, id ? id : "") == 0) return r->h->migs.v[j];
  return NULL;
}

/* The applied rows against the history: every one still there, unchanged. */
static int check_ledger(rt_run *r) {
  rt_rows rows;
  r->applied = 0;
  if (!r->ledger) return RT_OK;
  if (!rt_ledger_applied(r->db, &rows)) return rt_db_error(r, "cannot read the ledger");
  for (int i = 0; i < rows.nrows; i++) {
    const char *id = rows.cells[i * rows.ncols], *sum = rows.cells[i * rows.ncols + 1];
    const char *batch = rows.cells[i * rows.ncols + 3];
    history_mig *m = mig_named(r, id);
    if (!m)
      return rt_blocked("migration %s is applied to the database but missing from %s; restore it "
                        "from version control",
                        id, r->h->dir);
    const char *now = rt_checksum(r->a, m->dir, false);
    if (!now) return rt_blocked("cannot checksum %s: %s", m->dir, rt_checksum_trouble());
    if (!sum || strcmp(now, sum) != 0)
      return rt_blocked("%s/plan.inspire or snapshot.json changed after %s was applied; restore "
                        "the committed files (an applied migration is never edited: plan a new "
                        "one)",
                        m->dir, m->name);
    r->is_applied[m->number - 1] = true;
    r->batch_of[m->number - 1] = batch ? atoi(batch) : 0;
    r->applied++;
  }
  for (int j = 0; j < r->h->migs.n; j++) /* applied out of order: a gap below */
    if (!r->is_applied[j] && j + 1 < r->h->migs.n && r->is_applied[j + 1])
      return rt_blocked("migration %s is not applied but a later one is; apply cannot fill a gap "
                        "in the history",
                        r->h->migs.v[j]->name);
  return RT_OK;
}

/* The state the database should be in: the last applied snapshot. */
static const st_schema *state_after(rt_run *r, int j) {
  return history_before(r->h, j + 1, r->a);
}

static const char *name_of(rt_run *r, int j) {
  return j >= 0 ? r->h->migs.v[j]->name : NULL;
}

static const st_schema *applied_state(rt_run *r) {
  return state_after(r, r->applied - 1);
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

/* The same for a down: the newest applied migration's dropped values, which
** its down script adds back before its transaction. */
static const st_schema *with_early_down_values(rt_run *r, const st_schema *applied) {
  int j = r->applied - 1;
  if (j < 0) return NULL;
  const ir_plan *p = r->h->migs.v[j]->plan;
  ir_op **inverse = be_inverse_ops(r->a, state_after(r, j - 1), p);
  st_schema *s = st_clone(applied, r->a);
  bool any = false;
  for (int i = p->ops.n - 1; i >= 0; i--) /* in the order the down script adds them */
    if (p->ops.v[i]->kind == OP_DROP_VALUE && !st_apply(s, inverse[i])) any = true;
  return any ? s : NULL;
}

static int check_live_drift(rt_run *r) {
  db_schema *got = rt_introspect(r->db);
  if (!got) return rt_db_error(r, "cannot read the database");
  const st_schema *applied = applied_state(r);
  const be_dialect *d = r->db->drv->dialect;
  r->live_drift = db_diff(be_expected(d, applied, r->a), got, r->a);
  const st_schema *early = !r->live_drift || d != &be_postgres ? NULL
                           : r->down_verb                      ? with_early_down_values(r, applied)
                                                               : with_early_values(r, applied);
  if (early && !db_diff(be_expected(d, early, r->a), got, r->a)) r->live_drift = NULL;
  return RT_OK;
}

/* Steps done in one direction of a migration not finished that way: a run
** stopped half way (a backfill's batches, MySQL's statements).  Up: steps of
** a migration not recorded; down: steps of one still recorded. */
static bool half_done_one(rt_run *r, const char *direction, const char *statuses, const char *in,
                          const char **out) {
  rt_rows rows;
  if (!r->db->drv->query(r->db,
                         arena_printf(r->a,
                                      "SELECT DISTINCT migration_id FROM _inspire_migration_steps "
                                      "WHERE direction = '%s' AND status IN (%s) AND superseded = "
                                      "0 AND migration_id %s (SELECT id FROM _inspire_migrations)",
                                      direction, statuses, in),
                         &rows))
    return false;
  if (rows.nrows) *out = rows.cells[0];
  return true;
}

static int half_done(rt_run *r) {
  if (!half_done_one(r, "up", "'done', 'running', 'canceled'", "NOT IN", &r->resuming) ||
      !half_done_one(r, "down", "'done'", "IN", &r->reversing))
    return rt_db_error(r, "cannot read the ledger");
  return RT_OK;
}

int rt_prepare(rt_run *r) {
  const char *err;
  r->t0 = rt_now_ms();
  r->is_applied = arena_alloc(r->a, (size_t)r->h->migs.n + 1);
  r->batch_of = arena_alloc(r->a, sizeof(int) * ((size_t)r->h->migs.n + 1));
  r->db = rt_open(r->a, r->url, &err);
  if (!r->db) {
    fprintf(stderr, "inspirec: %s\n", err);
    return RT_DATABASE;
  }
  if (!r->no_lock && !r->db->drv->lock(r->db, r->lock_timeout))
    return r->db->timed_out ? rt_blocked("%s", r->db->err) : rt_db_error(r, "cannot lock");
  r->locked = !r->no_lock;
  if (!rt_ledger_exists(r->db, &r->ledger)) return rt_db_error(r, "cannot read the database");
  if (r->ledger && rt_ledger_is_old(r->db)) {
    if (!r->locked || r->dry_run)
      return rt_blocked("the ledger of %s was made by an older inspirec; apply, down or "
                        "rollback upgrades it",
                        r->db->url->shown);
    /* one transaction where DDL has them: an upgrade stopped half way is none */
    bool tx = r->db->drv->transactional_ddl;
    if ((tx && !r->db->drv->exec(r->db, "BEGIN")) || !rt_ledger_upgrade(r->db) ||
        (tx && !r->db->drv->exec(r->db, "COMMIT")))
      return rt_db_error(r, "cannot upgrade the ledger made by an older inspirec");
    if (!r->quiet) fprintf(stderr, "upgraded the ledger of %s\n", r->db->url->shown);
  }
  int rc = check_ledger(r);
  if (rc == RT_OK && r->ledger) rc = half_done(r);
  /* under the lock, a run still `running` is one that died: say so */
  if (rc == RT_OK && r->ledger && r->locked)
    r->db->drv->exec(r->db, "UPDATE _inspire_runs SET state = 'failed', error = 'the runner "
                            "stopped before the end (killed?)' WHERE state = 'running'");
  if (rc == RT_OK && !r->resuming && !r->reversing) rc = check_live_drift(r);
  return rc;
}

void rt_finish(rt_run *r) {
  if (r->db && r->locked) r->db->drv->unlock(r->db);
  rt_close(r->db);
  r->db = NULL;
}

/* ---- one migration, one direction ----------------------------------------- */

typedef struct rt_job {
  history_mig *m;
  const be_script *s;
  bool down;
  const char *sum;                      /* up: the checksum recorded */
  int batch;                            /* up: the batch it joins */
  const st_schema *before, *after;      /* the states around it, for the audit */
  const char *before_name, *after_name; /* their migrations; NULL: the empty schema */
} rt_job;

static const char *direction(const rt_job *j) {
  return j->down ? "down" : "up";
}

static bool run_list(rt_run *r, const be_stmt *v, int n, int *failed_at) {
  rt_db *db = r->db;
  for (int i = 0; i < n; i++) {
    rt_maybe_stop(r);
    if (!db->drv->exec(db, v[i].sql)) {
      *failed_at = i;
      return false;
    }
  }
  return true;
}

/* The rebuild's check, before the commit (lang_altertable.html 7). */
bool rt_sqlite_fk_check(rt_run *r) {
  rt_rows bad;
  return r->db->drv->query(r->db, "PRAGMA foreign_key_check", &bad) &&
         (bad.nrows == 0 ||
          rt_fail(r->db, arena_printf(r->a,
                                      "foreign_key_check: table %s has a row whose reference "
                                      "points nowhere",
                                      bad.cells[0] ? bad.cells[0] : "?")));
}

/* How many steps of the job are done already (a prefix: steps run in order). */
static bool steps_done(rt_run *r, const rt_job *j, int *done) {
  bool ok = true;
  const char *n =
      r->ledger ? rt_cell(r->db,
                          arena_printf(r->a,
                                       "SELECT count(*) FROM _inspire_migration_steps WHERE "
                                       "migration_id = %s AND direction = %s AND status = 'done' "
                                       "AND superseded = 0",
                                       rt_lit(r->db, j->m->name), rt_lit(r->db, direction(j))),
                          &ok)
                : NULL;
  *done = n ? atoi(n) : 0;
  return ok;
}

/* The ledger row made (up) or taken away (down), with the audit's two
** snapshots: inside the job's last transaction where there is one. */
static bool record_job(rt_run *r, const rt_job *j, long ms) {
  rt_db *db = r->db;
  bool ok = j->down ? rt_ledger_unrecord(db, j->m->name)
                    : rt_ledger_record(db, j->m->name, j->sum, ms, r->version, j->batch);
  if (ok && r->run_id > 0) {
    char *before = st_write_json(j->before, j->before_name),
         *after = st_write_json(j->after, j->after_name);
    ok = rt_run_snapshot(db, r->run_id, j->m->name, "before", before) &&
         rt_run_snapshot(db, r->run_id, j->m->name, "after", after);
    free(before);
    free(after);
  }
  return ok;
}

/* A failure inside a transaction: roll back, then record the steps of the
** part that failed, in a transaction of its own. */
static int tx_failed(rt_run *r, const rt_job *j, int from, int at, bool kept) {
  rt_db *db = r->db;
  const be_script *s = j->s;
  const char *err = db->err;
  db->drv->exec(db, "ROLLBACK");
  db->err = err;
  if (db->url->engine == RT_SQLITE) db->drv->exec(db, "PRAGMA foreign_keys = ON");
  if (at >= 0) {
    db->drv->exec(db, "BEGIN");
    for (int i = from; i < at && i < s->stmts.n; i++)
      rt_ledger_step(db, j->m->name, direction(j), i + 1, s->stmts.v[i].sql, "pending", NULL);
    rt_ledger_step(db, j->m->name, direction(j), at + 1,
                   at < s->stmts.n ? s->stmts.v[at].sql : "check", "failed", err);
    db->drv->exec(db, "COMMIT");
  }
  db->err = err;
  const char *what = at >= 0 ? arena_printf(r->a, "failed at statement %d", at + 1)
                             : "could not be recorded in the ledger";
  return rt_db_error(r,
                     arena_printf(r->a, "%s%s %s; %s", j->m->name, j->down ? " (down)" : "", what,
                                  kept ? "the parts before it that committed are kept (see "
                                         "inspirec history); fix the cause and run again to "
                                         "resume"
                                       : "nothing of it was kept"));
}

/* One migration in transactions (Postgres, SQLite): one, or one per part
** between backfills. */
static int run_transactional(rt_run *r, const rt_job *j) {
  rt_db *db = r->db;
  const be_script *s = j->s;
  bool lite = db->url->engine == RT_SQLITE;
  int n = s->stmts.n, at = -1, done;
  long t0 = rt_now_ms();
  bool parts = false;
  for (int i = 0; i < n; i++)
    parts |= s->stmts.v[i].batch != NULL;
  if (!steps_done(r, j, &done)) return rt_db_error(r, "cannot read the ledger");
  /* Postgres' ADD VALUE and SQLite's foreign_keys=OFF: before the transaction */
  if (!run_list(r, s->pre.v, s->pre.n, &at)) return rt_db_error(r, j->m->name);
  for (int i = done;;) {
    if (i < n && s->stmts.v[i].batch) {
      int rc = rt_backfill(r, j->m->name, i + 1, &s->stmts.v[i]);
      if (rc != RT_OK) return rc;
      i++;
      continue;
    }
    int k = i;
    while (k < n && !s->stmts.v[k].batch)
      k++;
    if (!db->drv->exec(db, lite ? "BEGIN IMMEDIATE" : "BEGIN")) return rt_db_error(r, j->m->name);
    bool ok = i > 0 || j->down || rt_ledger_forget_steps(db, j->m->name, "down");
    if (ok && !run_list(r, s->stmts.v + i, k - i, &at)) {
      ok = false;
      at += i;
    }
    if (ok && lite && !(ok = rt_sqlite_fk_check(r))) at = k;
    for (int q = i; ok && q < k; q++)
      ok = rt_ledger_step(db, j->m->name, direction(j), q + 1, s->stmts.v[q].sql, "done", NULL);
    ok = ok && (k < n || record_job(r, j, rt_now_ms() - t0)) && db->drv->exec(db, "COMMIT");
    if (!ok) return tx_failed(r, j, i, at, parts && i > 0);
    if (k >= n) break;
    i = k;
  }
  run_list(r, s->post.v, s->post.n, &at);
  return RT_OK;
}

/* One migration a statement at a time (MySQL), resuming after the steps done. */
static int run_stepwise(rt_run *r, const rt_job *j) {
  rt_db *db = r->db;
  long t0 = rt_now_ms();
  int skip;
  if (!steps_done(r, j, &skip)) return rt_db_error(r, "cannot read the ledger");
  if (!skip && !j->down && r->ledger && !rt_ledger_forget_steps(db, j->m->name, "down"))
    return rt_db_error(r, j->m->name);
  const be_script *s = j->s;
  const be_stmt *all[3] = {s->pre.v, s->stmts.v, s->post.v};
  int counts[3] = {s->pre.n, s->stmts.n, s->post.n}, step = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < counts[k]; i++) {
      step++;
      if (step <= skip) continue;
      const be_stmt *st = &all[k][i];
      if (st->batch) {
        int rc = rt_backfill(r, j->m->name, step, st);
        if (rc != RT_OK) return rc;
        continue;
      }
      if (!rt_ledger_step(db, j->m->name, direction(j), step, st->sql, "pending", NULL))
        return rt_db_error(r, j->m->name);
      rt_maybe_stop(r);
      if (!db->drv->exec(db, st->sql)) {
        const char *err = db->err;
        rt_ledger_step(db, j->m->name, direction(j), step, st->sql, "failed", err);
        db->err = err;
        return rt_db_error(r, arena_printf(r->a,
                                           "%s%s failed at statement %d; the %d before it are "
                                           "done (MySQL commits each one); fix the cause and run "
                                           "%s again to resume",
                                           j->m->name, j->down ? " (down)" : "", step, step - 1,
                                           j->down ? "down" : "apply"));
      }
      if (!rt_ledger_step(db, j->m->name, direction(j), step, st->sql, "done", NULL))
        return rt_db_error(r, j->m->name);
    }
  if (!record_job(r, j, rt_now_ms() - t0)) return rt_db_error(r, j->m->name);
  return RT_OK;
}

static int run_job(rt_run *r, const rt_job *j) {
  return r->db->drv->transactional_ddl ? run_transactional(r, j) : run_stepwise(r, j);
}

/* One migration of a run, the n-th of todo: the progress line, the job, and
** its name added to what the run moved. */
static int move(rt_run *r, const rt_job *j, int n, int todo, strbuf *moved) {
  rt_progress(r, "%s %d/%d %s", j->down ? "reversing" : "applying", n + 1, todo, j->m->name);
  int rc = run_job(r, j);
  rt_progress_done(r);
  if (rc != RT_OK) return rc;
  strbuf_puts(moved, n ? "," : "");
  strbuf_puts(moved, j->m->name);
  if (!r->quiet) fprintf(stderr, "%s %s\n", j->down ? "reversed" : "applied", j->m->name);
  return RT_OK;
}

/* ---- the run's row -------------------------------------------------------- */

static bool begin_run(rt_run *r, const char *verb, int batch) {
  r->run_id = rt_run_begin(r->db, verb, batch, r->version);
  r->db->run = r->run_id;
  return r->run_id > 0;
}

/* The run's final state, with the migrations it moved.  A failure to write
** it is not the run's failure: the ledger already tells the truth. */
static void end_run(rt_run *r, int rc, const char *moved) {
  if (!r->db || r->run_id <= 0) return;
  const char *state = rc == RT_OK ? "completed" : r->canceled ? "canceled" : "failed";
  const char *err = rc == RT_DATABASE ? r->db->err : NULL;
  r->db->err = NULL;
  rt_run_end(r->db, r->run_id, state, moved, rt_now_ms() - r->t0, err);
}

/* ---- apply ---------------------------------------------------------------- */

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
  bool drift =
      rc == RT_OK && (r->reversing || r->source_drift || (r->live_drift && !r->allow_drift));
  if (rc == RT_OK && r->reversing)
    rc = rt_blocked("the down script of %s stopped half way; run inspirec down again to finish "
                    "it",
                    r->reversing);
  if (rc == RT_OK && r->source_drift) rc = rt_blocked("%s", r->source_drift);
  if (rc == RT_OK && r->live_drift && !r->allow_drift)
    rc = rt_blocked("the database differs from the last applied migration (%s); fix it by hand, "
                    "or pass --allow-drift to apply anyway",
                    r->live_drift);
  int first = -1, last = -1;
  be_script *scripts = rc == RT_OK ? lower_pending(r, &first, &last) : NULL;
  if (rc == RT_OK && !scripts) rc = RT_INPUT;
  if (rc == RT_OK && first >= 0) rc = rt_check_budget(r, first, last);
  if (rc == RT_OK && !r->dry_run && first >= 0 && !rt_ledger_ensure(r->db))
    rc = rt_db_error(r, "cannot make the ledger tables");
  if (rc == RT_OK && !r->dry_run && first >= 0) r->ledger = true;
  int batch = 0;
  if (rc == RT_OK && !r->dry_run && first >= 0 &&
      ((batch = rt_ledger_next_batch(r->db)) < 0 || !begin_run(r, "apply", batch)))
    rc = rt_db_error(r, "cannot write the ledger");
  int ran = 0, todo = first < 0 ? 0 : last - first + 1;
  strbuf moved = {0};
  strbuf_puts(&moved, "");
  for (int j = first; rc == RT_OK && j >= 0 && j <= last; j++) {
    history_mig *m = r->h->migs.v[j];
    if (r->dry_run) {
      char *text = be_script_text(&scripts[j], arena_printf(r->a, "-- %s", m->name));
      fputs(text, stdout);
      free(text);
    } else {
      const char *sum = rt_checksum(r->a, m->dir, true);
      if (!sum) {
        rc = rt_blocked("cannot checksum %s: %s", m->dir, rt_checksum_trouble());
        break;
      }
      rt_job job = {m,           &scripts[j],       false,  sum, batch, state_after(r, j - 1),
                    m->snapshot, name_of(r, j - 1), m->name};
      rc = move(r, &job, ran, todo, &moved);
    }
    ran += rc == RT_OK;
  }
  end_run(r, rc, strbuf_done(&moved, r->a));
  if (rc == RT_OK && !r->quiet && !r->dry_run) {
    if (ran)
      fprintf(stderr, "%d migration%s applied (batch %d)\n", ran, ran == 1 ? "" : "s", batch);
    else
      fprintf(stderr, "nothing to apply: the database is at %s\n",
              r->applied ? r->h->migs.v[r->applied - 1]->name : "the empty schema");
  }
  /* kitcn's run states; dry_run, noop and drift_blocked are said, not stored
  ** (the spec has dry-run, and so a run with nothing to do, write nothing) */
  if (!r->quiet)
    fprintf(stderr, "run state: %s\n",
            drift         ? "drift_blocked"
            : rc != RT_OK ? (r->canceled ? "canceled" : "failed")
            : r->dry_run  ? "dry_run"
            : ran         ? "completed"
                          : "noop");
  rt_finish(r);
  return rc;
}

/* ---- down and rollback ---------------------------------------------------- */

/* The index of the oldest migration to reverse, or -1 (a message printed). */
static int down_from(rt_run *r) {
  int newest = r->applied - 1;
  if (r->rollback) {
    int j = newest;
    while (j > 0 && r->batch_of[j - 1] == r->batch_of[newest])
      j--;
    return j;
  }
  if (r->to) {
    if (strcmp(r->to, "0") == 0) return 0; /* --to 0: everything */
    for (int j = 0; j < r->h->migs.n; j++) {
      history_mig *m = r->h->migs.v[j];
      if (strcmp(m->name, r->to) && atol(r->to) != m->number) continue;
      if (j > newest) {
        rt_blocked("--to %s: it is not applied to %s, so there is nothing to reverse down to it",
                   m->name, r->db->url->shown);
        return -1;
      }
      return j + 1;
    }
    return -1;
  }
  int j = newest - (r->steps > 0 ? r->steps : 1) + 1;
  return j < 0 ? 0 : j;
}

int rt_down(rt_run *r) {
  const char *verb = r->rollback ? "rollback" : "down";
  r->down_verb = true;
  int rc = rt_prepare(r);
  if (rc == RT_OK && r->resuming)
    rc = rt_blocked("%s stopped half way up; run inspirec apply to finish it before %s",
                    r->resuming, verb);
  if (rc == RT_OK && r->live_drift && !r->allow_drift)
    rc = rt_blocked("the database differs from the last applied migration (%s); fix it by hand, "
                    "or pass --allow-drift to run %s anyway",
                    r->live_drift, verb);
  int from = rc == RT_OK ? down_from(r) : -1, newest = r->applied - 1;
  if (rc == RT_OK && from < 0) rc = RT_BLOCKED;
  if (rc == RT_OK && from > newest) {
    if (!r->quiet)
      fprintf(stderr, "nothing to reverse: the database is at %s\n",
              r->applied ? r->h->migs.v[newest]->name : "the empty schema");
    rt_finish(r);
    return RT_OK;
  }
  /* every down script lowered and judged before anything runs */
  const be_dialect *d = rc == RT_OK ? r->db->drv->dialect : NULL;
  be_script *scripts = arena_alloc(r->a, sizeof *scripts * ((size_t)r->h->migs.n + 1));
  for (int j = newest; rc == RT_OK && j >= from; j--) {
    history_mig *m = r->h->migs.v[j];
    be_script *s = &scripts[j];
    be_script_init(s, r->a);
    be_lower_plan(d, state_after(r, j - 1), m->plan, true, s);
    for (int k = 0; k < s->problems.n; k++, rc = RT_INPUT)
      fprintf(stderr, "inspirec: the down script of %s cannot be lowered for %s: %s\n", m->name,
              d->name, s->problems.v[k]);
    if (rc == RT_OK && s->irreversible && !r->dry_run)
      rc = rt_blocked("%s cannot be reversed: %s; nothing was run", m->name,
                      s->notes.n ? s->notes.v[0] + 3 : "it has no down script");
    for (int k = 0; rc == RT_OK && !r->accept_loss && !r->dry_run && k < s->notes.n; k++)
      if (strncmp(s->notes.v[k], "-- LOSSY:", 9) == 0)
        rc = rt_blocked("the down script of %s loses data (%s); pass --accept-loss to run it; "
                        "nothing was run",
                        m->name, s->notes.v[k] + 10);
  }
  if (rc == RT_OK && r->dry_run) {
    for (int j = newest; j >= from; j--) {
      char *text =
          be_script_text(&scripts[j], arena_printf(r->a, "-- %s (down)", r->h->migs.v[j]->name));
      fputs(text, stdout);
      free(text);
    }
    rt_finish(r);
    return RT_OK;
  }
  if (rc == RT_OK && !begin_run(r, verb, r->rollback ? r->batch_of[newest] : 0))
    rc = rt_db_error(r, "cannot write the ledger");
  int ran = 0, todo = newest - from + 1;
  strbuf moved = {0};
  strbuf_puts(&moved, "");
  for (int j = newest; rc == RT_OK && j >= from; j--) {
    history_mig *m = r->h->migs.v[j];
    rt_job job = {m,       &scripts[j],      true, NULL, 0, m->snapshot, state_after(r, j - 1),
                  m->name, name_of(r, j - 1)};
    if ((rc = move(r, &job, ran, todo, &moved)) != RT_OK) break;
    ran++;
  }
  end_run(r, rc, strbuf_done(&moved, r->a));
  if (rc == RT_OK && !r->quiet)
    fprintf(stderr, "%d migration%s reversed; the database is at %s\n", ran, ran == 1 ? "" : "s",
            from ? r->h->migs.v[from - 1]->name : "the empty schema");
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
