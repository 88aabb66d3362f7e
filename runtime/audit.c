/*
** audit.c: `inspirec history` (docs/runtime.md): the runs of a database as
** its ledger keeps them, newest first, each with its steps, and what is
** applied, by batch.
*/
#include "runtime.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RUN_ID, RUN_VERB, RUN_BATCH, RUN_STATE, RUN_MIGS, RUN_START, RUN_END, RUN_MS, RUN_ERR };
enum { ST_MIG, ST_DIR, ST_STEP, ST_OP, ST_STATUS, ST_ERR, ST_START, ST_END, ST_BATCHES, ST_ROWS };

static cJSON *text_or_null(const char *s) {
  return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *number_or_null(const char *s) {
  return s ? cJSON_CreateNumber(atof(s)) : cJSON_CreateNull();
}

static cJSON *list_of(const char *csv) {
  cJSON *a = cJSON_CreateArray();
  for (const char *p = csv; p && *p;) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *one = strndup(p, n);
    cJSON_AddItemToArray(a, cJSON_CreateString(one));
    free(one);
    p = e ? e + 1 : p + n;
  }
  return a;
}

static cJSON *step_json(const char *const *c) {
  cJSON *s = cJSON_CreateObject();
  cJSON_AddItemToObject(s, "migration", text_or_null(c[ST_MIG]));
  cJSON_AddItemToObject(s, "direction", text_or_null(c[ST_DIR]));
  cJSON_AddItemToObject(s, "step", number_or_null(c[ST_STEP]));
  cJSON_AddItemToObject(s, "operation", text_or_null(c[ST_OP]));
  cJSON_AddItemToObject(s, "status", text_or_null(c[ST_STATUS]));
  cJSON_AddItemToObject(s, "error", text_or_null(c[ST_ERR]));
  cJSON_AddItemToObject(s, "startedAt", text_or_null(c[ST_START]));
  cJSON_AddItemToObject(s, "finishedAt", text_or_null(c[ST_END]));
  cJSON_AddItemToObject(s, "batches", number_or_null(c[ST_BATCHES]));
  cJSON_AddItemToObject(s, "rowsDone", number_or_null(c[ST_ROWS]));
  return s;
}

static cJSON *run_json(const char *const *c) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddItemToObject(j, "id", number_or_null(c[RUN_ID]));
  cJSON_AddItemToObject(j, "verb", text_or_null(c[RUN_VERB]));
  cJSON_AddItemToObject(j, "batch", number_or_null(c[RUN_BATCH]));
  cJSON_AddItemToObject(j, "state", text_or_null(c[RUN_STATE]));
  cJSON_AddItemToObject(j, "migrations", list_of(c[RUN_MIGS]));
  cJSON_AddItemToObject(j, "startedAt", text_or_null(c[RUN_START]));
  cJSON_AddItemToObject(j, "finishedAt", text_or_null(c[RUN_END]));
  cJSON_AddItemToObject(j, "durationMs", number_or_null(c[RUN_MS]));
  cJSON_AddItemToObject(j, "error", text_or_null(c[RUN_ERR]));
  return j;
}

/* A step, one line: `step 3 done  UPDATE ...` (long SQL cut short). */
static void step_text(const char *const *c) {
  const char *op = c[ST_OP] ? c[ST_OP] : "";
  int n = (int)strcspn(op, "\n");
  printf("      step %s %s", c[ST_STEP], c[ST_STATUS]);
  if (c[ST_BATCHES]) printf(" (%s batches, %s rows)", c[ST_BATCHES], c[ST_ROWS] ? c[ST_ROWS] : "0");
  printf("  %.*s%s\n", n > 72 ? 72 : n, op, n > 72 ? "..." : "");
  if (c[ST_ERR]) printf("      error: %s\n", c[ST_ERR]);
}

/* A run's steps as text: with verbose, one line each; else one line per
** migration and direction, plus each step that did not just finish. */
static void steps_text(const rt_rows *steps, bool verbose) {
  for (int k = 0; k < steps->nrows;) {
    const char *const *c = steps->cells + k * steps->ncols;
    int end = k, done = 0;
    while (end < steps->nrows) {
      const char *const *e = steps->cells + end * steps->ncols;
      if (strcmp(e[ST_MIG], c[ST_MIG]) || strcmp(e[ST_DIR], c[ST_DIR])) break;
      done += strcmp(e[ST_STATUS], "done") == 0;
      end++;
    }
    printf("    %s %s: %d step%s, %d done\n", c[ST_MIG], c[ST_DIR], end - k,
           end - k == 1 ? "" : "s", done);
    for (; k < end; k++) {
      const char *const *e = steps->cells + k * steps->ncols;
      if (verbose || strcmp(e[ST_STATUS], "done") || e[ST_BATCHES]) step_text(e);
    }
  }
}

int rt_history(arena *a, const char *url, bool json, bool verbose, int limit) {
  const char *err;
  rt_db *db = rt_open(a, url, &err);
  if (!db) {
    fprintf(stderr, "inspirec: %s\n", err);
    return RT_DATABASE;
  }
  bool ledger = false;
  rt_ledger_exists(db, &ledger);
  rt_rows runs = {0}, applied = {0};
  bool ok = !ledger ||
            (db->drv->query(db,
                            arena_printf(a,
                                         "SELECT id, verb, batch, state, migrations, started_at, "
                                         "finished_at, duration_ms, error FROM _inspire_runs "
                                         "ORDER BY id DESC LIMIT %d",
                                         limit),
                            &runs) &&
             db->drv->query(db,
                            "SELECT id, batch, applied_at, execution_ms FROM _inspire_migrations "
                            "ORDER BY id",
                            &applied));
  cJSON *root = cJSON_CreateObject(), *jruns = cJSON_CreateArray(), *japplied = cJSON_CreateArray();
  cJSON_AddStringToObject(root, "database", db->url->shown);
  if (!json) {
    printf("database: %s\n", db->url->shown);
    if (ok && !runs.nrows) printf("no runs recorded\n");
  }
  for (int i = 0; ok && i < runs.nrows; i++) {
    const char *const *c = runs.cells + i * runs.ncols;
    rt_rows steps;
    ok = db->drv->query(db,
                        arena_printf(a,
                                     "SELECT migration_id, direction, step, operation, status, "
                                     "error, started_at, finished_at, batches, rows_done FROM "
                                     "_inspire_migration_steps WHERE run_id = %s ORDER BY "
                                     "started_at, migration_id, step",
                                     c[RUN_ID]),
                        &steps);
    if (!ok) break;
    if (json) {
      cJSON *r = run_json(c), *js = cJSON_CreateArray();
      for (int k = 0; k < steps.nrows; k++)
        cJSON_AddItemToArray(js, step_json(steps.cells + k * steps.ncols));
      cJSON_AddItemToObject(r, "steps", js);
      cJSON_AddItemToArray(jruns, r);
      continue;
    }
    printf("run %s  %s", c[RUN_ID], c[RUN_VERB]);
    if (c[RUN_BATCH]) printf("  batch %s", c[RUN_BATCH]);
    printf("  %s  %s", c[RUN_STATE], c[RUN_START]);
    if (c[RUN_MS]) printf("  %s ms", c[RUN_MS]);
    putchar('\n');
    if (c[RUN_MIGS] && *c[RUN_MIGS]) printf("  migrations: %s\n", c[RUN_MIGS]);
    if (c[RUN_ERR]) printf("  error: %s\n", c[RUN_ERR]);
    steps_text(&steps, verbose);
  }
  for (int i = 0; ok && i < applied.nrows; i++) {
    const char *const *c = applied.cells + i * applied.ncols;
    if (!json) {
      if (!i) printf("applied:\n");
      printf("  %s  batch %s  %s  %s ms\n", c[0], c[1], c[2], c[3]);
      continue;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToObject(m, "id", text_or_null(c[0]));
    cJSON_AddItemToObject(m, "batch", number_or_null(c[1]));
    cJSON_AddItemToObject(m, "appliedAt", text_or_null(c[2]));
    cJSON_AddItemToObject(m, "executionMs", number_or_null(c[3]));
    cJSON_AddItemToArray(japplied, m);
  }
  cJSON_AddItemToObject(root, "runs", jruns);
  cJSON_AddItemToObject(root, "applied", japplied);
  if (ok && json) {
    char *text = cJSON_Print(root);
    puts(text);
    cJSON_free(text);
  }
  cJSON_Delete(root);
  int rc = RT_OK;
  if (!ok) {
    fprintf(stderr, "inspirec: cannot read the ledger of %s: %s\n", db->url->shown, db->err);
    rc = RT_DATABASE;
  }
  rt_close(db);
  return rc;
}

const char *const *rt_last_run(rt_db *db) {
  rt_rows rows;
  if (!db->drv->query(db,
                      "SELECT id, verb, state, started_at FROM _inspire_runs ORDER BY id DESC "
                      "LIMIT 1",
                      &rows)) {
    db->err = NULL;
    return NULL;
  }
  return rows.nrows ? rows.cells : NULL;
}
