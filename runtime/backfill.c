/*
** backfill.c: batched backfills (migrations.md 2, docs/runtime.md) and
** `inspirec cancel`.
**
** A backfill walks the table by its one-column key: each batch is the next
** `size` keys after the last one done, updated in a transaction of its own
** that also moves the step's progress (batches, rows, last key) in the
** ledger.  So a runner killed between two batches, or canceled, leaves the
** data and the ledger agreeing, and a re-run starts after the last key
** recorded: no batch runs twice.  A table whose key has more than one
** column is filled by one statement, still as its own step.
*/
#include "runtime.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile int rt_interrupted;

static void on_interrupt(int sig) {
  (void)sig;
  rt_interrupted = 1;
}

/* The last key of the next batch after `last` (NULL: from the start). */
static const char *batch_end(rt_db *db, const be_batch *b, const char *last, bool *ok) {
  const char *after = last ? arena_printf(db->a, " WHERE %s > %s", b->key, rt_lit(db, last)) : "";
  const char *end = rt_cell(db,
                            arena_printf(db->a, "SELECT %s FROM %s%s ORDER BY %s LIMIT 1 OFFSET %d",
                                         b->key, b->table, after, b->key, b->size - 1),
                            ok);
  if (*ok && !end) /* fewer than size left: the last of them */
    end = rt_cell(db,
                  arena_printf(db->a, "SELECT %s FROM %s%s ORDER BY %s DESC LIMIT 1", b->key,
                               b->table, after, b->key),
                  ok);
  return end;
}

typedef struct progress_row {
  const char *status, *last;
  long batches, rows;
} progress_row;

static bool read_progress(rt_db *db, const char *id, int step, progress_row *p) {
  rt_rows rows;
  memset(p, 0, sizeof *p);
  if (!db->drv->query(db,
                      arena_printf(db->a,
                                   "SELECT status, batches, rows_done, last_key FROM "
                                   "_inspire_migration_steps WHERE migration_id = %s AND "
                                   "direction = 'up' AND step = %d AND superseded = 0",
                                   rt_lit(db, id), step),
                      &rows))
    return false;
  if (rows.nrows) {
    p->status = rows.cells[0];
    p->batches = rows.cells[1] ? atol(rows.cells[1]) : 0;
    p->rows = rows.cells[2] ? atol(rows.cells[2]) : 0;
    p->last = rows.cells[3];
  }
  return true;
}

/* One batch: the keys in (last, end], in a transaction with its progress. */
static bool run_batch(rt_run *r, const char *id, int step, const be_batch *b, progress_row *p,
                      const char *end) {
  rt_db *db = r->db;
  const char *range = p->last ? arena_printf(r->a, "%s > %s AND %s <= %s", b->key,
                                             rt_lit(db, p->last), b->key, rt_lit(db, end))
                              : arena_printf(r->a, "%s <= %s", b->key, rt_lit(db, end));
  if (b->where) range = arena_printf(r->a, "%s AND %s", range, b->where);
  bool ok;
  if (!db->drv->exec(db, db->url->engine == RT_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN")) return false;
  const char *n =
      rt_cell(db, arena_printf(r->a, "SELECT count(*) FROM %s WHERE %s", b->table, range), &ok);
  long rows = n ? atol(n) : 0;
  ok =
      ok &&
      db->drv->exec(db, arena_printf(r->a, "UPDATE %s SET %s WHERE %s", b->table, b->set, range)) &&
      rt_ledger_progress(db, id, step, "running", p->batches + 1, p->rows + rows, end) &&
      db->drv->exec(db, "COMMIT");
  if (!ok) {
    const char *err = db->err;
    db->drv->exec(db, "ROLLBACK");
    db->err = err;
    return false;
  }
  p->batches++;
  p->rows += rows;
  p->last = end;
  return true;
}

static int backfill_failed(rt_run *r, const char *id, int step, const progress_row *p) {
  rt_db *db = r->db;
  const char *err = db->err;
  rt_ledger_progress(db, id, step, "failed", p->batches, p->rows, p->last);
  db->err = err;
  return rt_db_error(r, arena_printf(r->a,
                                     "%s: the backfill at statement %d failed after %ld batch%s "
                                     "(%ld rows, kept); fix the cause and run apply again to "
                                     "resume",
                                     id, step, p->batches, p->batches == 1 ? "" : "es", p->rows));
}

int rt_backfill(rt_run *r, const char *id, int step, const be_stmt *st) {
  rt_db *db = r->db;
  const be_batch *b = st->batch;
  progress_row p;
  if (!read_progress(db, id, step, &p)) return rt_db_error(r, "cannot read the ledger");
  bool resumed = p.status && p.batches > 0;
  if (!p.status && !rt_ledger_step(db, id, "up", step, st->sql, "running", NULL))
    return rt_db_error(r, id);
  if (resumed && !r->quiet)
    fprintf(stderr, "%s: resuming the backfill at statement %d after batch %ld (%ld rows done)\n",
            id, step, p.batches, p.rows);
  rt_maybe_stop(r); /* the statement counts once; each batch after the first once more */
  if (!b->key) {    /* no one-column key to walk: one statement */
    bool ok = db->drv->exec(db, db->url->engine == RT_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN") &&
              db->drv->exec(db, st->sql) && rt_ledger_progress(db, id, step, "done", 1, 0, NULL) &&
              db->drv->exec(db, "COMMIT");
    if (!ok) {
      const char *err = db->err;
      db->drv->exec(db, "ROLLBACK");
      db->err = err;
      return backfill_failed(r, id, step, &p);
    }
    return RT_OK;
  }
  bool ok;
  const char *left =
      rt_cell(db,
              arena_printf(r->a, "SELECT count(*) FROM %s%s%s", b->table, p.last ? " WHERE " : "",
                           p.last ? arena_printf(r->a, "%s > %s", b->key, rt_lit(db, p.last)) : ""),
              &ok);
  long total = p.batches + (left ? (atol(left) + b->size - 1) / b->size : 0);
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  rt_interrupted = 0;
  sigaction(SIGINT, &sa, &old);
  int rc = RT_OK;
  long done_before = p.batches;
  for (;;) {
    if (rt_interrupted || rt_run_cancel_requested(db, r->run_id)) {
      rt_progress_done(r);
      rt_ledger_progress(db, id, step, "canceled", p.batches, p.rows, p.last);
      r->canceled = true;
      rc = rt_blocked("%s: the backfill at statement %d was canceled after batch %ld of %ld "
                      "(%ld rows, kept); run apply again to resume",
                      id, step, p.batches, total, p.rows);
      break;
    }
    const char *end = batch_end(db, b, p.last, &ok);
    if (!ok) {
      rc = backfill_failed(r, id, step, &p);
      break;
    }
    if (!end) break;
    if (p.batches > done_before) rt_maybe_stop(r);
    if (!run_batch(r, id, step, b, &p, end)) {
      rc = backfill_failed(r, id, step, &p);
      break;
    }
    if (p.batches > total) total = p.batches;
    rt_progress(r, "%s: backfill batch %ld/%ld, %ld rows", id, p.batches, total, p.rows);
    if (r->batch_pause_ms)
      nanosleep(&(struct timespec){r->batch_pause_ms / 1000, r->batch_pause_ms % 1000 * 1000000},
                NULL);
  }
  sigaction(SIGINT, &old, NULL);
  rt_progress_done(r);
  if (rc == RT_OK && !rt_ledger_progress(db, id, step, "done", p.batches, p.rows, p.last))
    rc = rt_db_error(r, id);
  if (rc == RT_OK && !r->quiet && p.batches > 1)
    fprintf(stderr, "%s: backfilled %ld rows in %ld batches\n", id, p.rows, p.batches);
  return rc;
}

int rt_cancel(arena *a, const char *url, bool quiet) {
  const char *err;
  rt_db *db = rt_open(a, url, &err);
  if (!db) {
    fprintf(stderr, "inspirec: %s\n", err);
    return RT_DATABASE;
  }
  bool ledger = false, ok = true;
  rt_ledger_exists(db, &ledger);
  rt_rows rows = {0};
  if (ledger)
    ok = db->drv->query(
             db, "SELECT id, verb FROM _inspire_runs WHERE state = 'running' ORDER BY id", &rows) &&
         db->drv->exec(db, "UPDATE _inspire_runs SET cancel_requested = 1 WHERE state = 'running'");
  int rc = RT_OK;
  if (!ok) {
    fprintf(stderr, "inspirec: cannot ask %s to stop: %s\n", db->url->shown, db->err);
    rc = RT_DATABASE;
  } else if (!rows.nrows) {
    if (!quiet) printf("nothing to cancel: no run in progress on %s\n", db->url->shown);
  } else {
    for (int i = 0; i < rows.nrows; i++)
      printf("asked run %s (%s) on %s to stop; it stops between two batches\n", rows.cells[2 * i],
             rows.cells[2 * i + 1], db->url->shown);
  }
  rt_close(db);
  return rc;
}
