/*
** verify.c: `inspirec verify` (migrations.md 6): the whole history replayed
** on a throwaway database, read back after every step, up and back down.
*/
#include "runtime.h"

#include <stdio.h>
#include <string.h>

static bool run_list(rt_run *r, const be_stmt *v, int n) {
  for (int i = 0; i < n; i++)
    if (!r->db->drv->exec(r->db, v[i].sql)) return false;
  return true;
}

/* A script on its own, with no ledger: verify's ups and downs. */
static bool run_script(rt_run *r, const be_script *s) {
  rt_db *db = r->db;
  bool tx = db->drv->transactional_ddl, lite = db->url->engine == RT_SQLITE;
  if (!run_list(r, s->pre.v, s->pre.n)) return false;
  if (tx && !db->drv->exec(db, lite ? "BEGIN IMMEDIATE" : "BEGIN")) return false;
  bool ok = run_list(r, s->stmts.v, s->stmts.n) && (!lite || rt_sqlite_fk_check(r));
  if (tx) {
    const char *err = db->err;
    if (!db->drv->exec(db, ok ? "COMMIT" : "ROLLBACK")) ok = false;
    if (err) db->err = err;
  }
  return run_list(r, s->post.v, s->post.n) && ok;
}

static const char *differs(rt_run *r, const st_schema *want) {
  db_schema *got = rt_introspect(r->db);
  if (!got) return arena_printf(r->a, "cannot read the database: %s", r->db->err);
  return db_diff(be_expected(r->db->drv->dialect, want, r->a), got, r->a);
}

static int verify_failed(rt_run *r, const char *fmt, const char *a1, const char *a2) {
  rt_progress_done(r);
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
      rc = r->db->timed_out ? rt_blocked("%s", r->db->err) : rt_db_error(r, "cannot lock");
    r->locked = rc == RT_OK;
  }
  /* a throwaway database: verify will not build on anything, nor clobber it */
  const st_schema *empty = history_before(h, 0, r->a);
  bool ledger = false;
  const char *d = rc == RT_OK ? differs(r, empty) : NULL;
  if (rc == RT_OK && (d || !rt_ledger_exists(r->db, &ledger) || ledger))
    rc = rt_blocked("the shadow database %s is not empty (%s); verify needs a throwaway one",
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
    rt_progress(r, "verify: up %d/%d %s", j + 1, n, m->name);
    if (rc == RT_OK && !run_script(r, &s))
      rc = (rt_progress_done(r), rt_db_error(r, arena_printf(r->a, "verify: %s failed", m->name)));
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
    rt_progress(r, "verify: down %d/%d %s", n - j, n, m->name);
    if (!run_script(r, &s))
      rc = (rt_progress_done(r),
            rt_db_error(r, arena_printf(r->a, "verify: down of %s failed", m->name)));
    if (rc == RT_OK && (d = differs(r, before)))
      rc = verify_failed(
          r, "the down script of %s leaves the database unlike the snapshot before it: %s", m->name,
          d);
    down += rc == RT_OK;
  }
  rt_progress_done(r);
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
