/*
** apply.c: `inspirec apply`, `dry-run`, `dev` and `status` (migrations.md 6):
** the history read and checked here, the database work in runtime/.
*/
#include "cli.h"
#include "runtime/runtime.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void help_apply(void) {
  puts("usage: inspirec apply [--db URL] [--to MIGRATION] [--allow-drift] [--lock-timeout S]\n"
       "                      [--max-risk N]\n"
       "       inspirec dry-run [--db URL] [--to MIGRATION] [--max-risk N]\n"
       "       inspirec dev [--db URL]\n"
       "\n"
       "Apply the committed migrations not yet applied to the database, in order, each in\n"
       "one transaction where the engine allows, under a lock (30 s by default). The\n"
       "database is --db, else $INSPIRE_DATABASE_URL, else $DATABASE_URL, else\n"
       "sqlite:.inspire/dev.db. URLs: sqlite:PATH, postgres://..., mysql://...\n"
       "Refuses (exit 3) a [RESOLVE] left, a schema ahead of its migrations, an applied\n"
       "migration edited or missing, and a database that differs from the last applied\n"
       "migration (unless --allow-drift), and with --max-risk N (or $INSPIRE_MAX_RISK) a\n"
       "pending step that scores more than N (docs/risk.md). dry-run prints the SQL apply\n"
       "would run.");
}

int cli_runner_load(fe_compilation *c, cli_opts *o, history *h, rt_run *r, const char *db,
                    const char *verb) {
  r->quiet = o->quiet;                                   /* -q may come after the verb */
  const char *stop = getenv("INSPIREC_TEST_STOP_AFTER"); /* tests: a crash at statement N */
  r->stop_after = stop ? atol(stop) : 0;
  const char *pause = getenv("INSPIREC_TEST_BATCH_PAUSE_MS"); /* tests: a cancel in flight */
  r->batch_pause_ms = pause ? atol(pause) : 0;
  r->progress = !r->quiet && isatty(STDERR_FILENO);
  r->version = INSPIREC_VERSION;
  int rc = cli_load_history(c, o, h, &r->source_drift, verb);
  if (rc != EXIT_OK) return rc;
  r->a = &c->a;
  r->h = h;
  r->url = cli_database_url(db);
  if (!r->to || (strcmp(verb, "down") == 0 && strcmp(r->to, "0") == 0)) return EXIT_OK;
  for (int i = 0; i < h->migs.n; i++)
    if (strcmp(h->migs.v[i]->name, r->to) == 0 || atol(r->to) == h->migs.v[i]->number)
      return EXIT_OK;
  return cli_usage_error(verb, "--to %s: no such migration", r->to);
}

int cli_max_risk_env(const char *verb, int *out) {
  const char *e = getenv("INSPIRE_MAX_RISK");
  if (!e || !*e) return EXIT_OK;
  if ((*out = rt_max_risk_arg(e)) < 0)
    return cli_usage_error(verb, "INSPIRE_MAX_RISK takes a score from 0 to 100, not '%s'", e);
  return EXIT_OK;
}

const be_dialect *cli_dialect_of(const char *dialect, const char *db) {
  if (dialect) return be_find(dialect);
  arena a;
  arena_init(&a);
  const char *err;
  rt_url *u = rt_parse_url(&a, cli_database_url(db), &err);
  const be_dialect *d = u ? rt_driver_of(u->engine)->dialect : &be_sqlite;
  arena_free(&a);
  return d;
}

const char *cli_database_url(const char *given) {
  if (given) return given;
  const char *e = getenv("INSPIRE_DATABASE_URL");
  if (e && *e) return e;
  e = getenv("DATABASE_URL");
  if (e && *e) return e;
  return "sqlite:.inspire/dev.db";
}

/* The schema compiled and the history loaded, with nothing that blocks a
** run: errors (exit 1), a marker left (exit 3).  A schema ahead of its
** migrations (*drift) blocks too, once the ledger has had its say: a
** missing applied migration is the better message. */
int cli_load_history(fe_compilation *c, cli_opts *o, history *h, const char **drift,
                     const char *verb) {
  fe_init(c);
  c->diags.limit = 500;
  cli_load_schema(c, o, NULL, 0);
  c->schema.make_state = true; /* for st_from_schema below */
  fe_compile(c);
  memset(h, 0, sizeof *h);
  if (!c->diags.errors) history_load(&c->schema, &c->diags, cli_migrations_dir(o), h);
  diag_sort(&c->diags);
  if (c->diags.errors) {
    cli_print_diags(c, o);
    return EXIT_INPUT;
  }
  for (int i = 0; i < h->migs.n; i++)
    if (h->migs.v[i]->markers) {
      fprintf(stderr,
              "inspirec: %s/plan.inspire has %d [RESOLVE] marker%s left; review %s, then run "
              "%s again\n",
              h->migs.v[i]->dir, h->migs.v[i]->markers, h->migs.v[i]->markers == 1 ? "" : "s",
              h->migs.v[i]->markers == 1 ? "it" : "them", verb);
      return EXIT_BLOCKED;
    }
  const char *d = st_diff_text(h->latest, st_from_schema(&c->schema), false, "the latest migration",
                               "the schema", &c->a);
  if (d)
    *drift = arena_printf(
        &c->a, "the schema is ahead of %s: %s. Run inspirec plan",
        h->migs.n ? h->migs.v[h->migs.n - 1]->name : "its migrations (there are none)", d);
  return EXIT_OK;
}

/* --lock-timeout S: whole seconds, 0 or more */
bool cli_lock_timeout_arg(const char *text, int *out) {
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < 0 || v > 86400 * 365) return false;
  *out = (int)v;
  return true;
}

static int run_verb(const char *verb, cli_opts *o, int argc, char **argv) {
  rt_run r;
  memset(&r, 0, sizeof r);
  r.lock_timeout = 30;
  r.max_risk = -1;
  r.dry_run = strcmp(verb, "dry-run") == 0;
  if (cli_max_risk_env(verb, &r.max_risk) != EXIT_OK) return EXIT_USAGE;
  const char *db = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    bool takes = !strcmp(a, "--db") || !strcmp(a, "--to") || !strcmp(a, "--lock-timeout") ||
                 !strcmp(a, "--max-risk");
    if (takes && i + 1 >= argc) return cli_usage_error(verb, "%s needs a value", a);
    if (!strcmp(a, "--db")) {
      db = argv[++i];
    } else if (!strcmp(a, "--to") && strcmp(verb, "dev") != 0) {
      r.to = argv[++i];
    } else if (!strcmp(a, "--lock-timeout")) {
      if (!cli_lock_timeout_arg(argv[++i], &r.lock_timeout))
        return cli_usage_error(verb, "--lock-timeout takes whole seconds");
    } else if (!strcmp(a, "--max-risk") && strcmp(verb, "dev") != 0) {
      if ((r.max_risk = rt_max_risk_arg(argv[++i])) < 0)
        return cli_usage_error(verb, "--max-risk takes a score from 0 to 100");
    } else if (!strcmp(a, "--allow-drift") && strcmp(verb, "apply") == 0) {
      r.allow_drift = true;
    } else {
      return cli_usage_error(verb, "unknown option '%s'", a);
    }
  }
  fe_compilation c;
  history h;
  int rc = cli_runner_load(&c, o, &h, &r, db, verb);
  if (rc == EXIT_OK) rc = rt_apply(&r);
  fe_free(&c);
  return rc;
}

int cmd_apply(cli_opts *o, int argc, char **argv) {
  return run_verb("apply", o, argc, argv);
}
int cmd_dry_run(cli_opts *o, int argc, char **argv) {
  return run_verb("dry-run", o, argc, argv);
}
int cmd_dev(cli_opts *o, int argc, char **argv) {
  return run_verb("dev", o, argc, argv);
}

void help_status(void) {
  puts("usage: inspirec status [--db URL] [--format text|json]\n"
       "\n"
       "Committed and applied migrations, what is pending, and drift: the schema ahead of its\n"
       "migrations (source drift), the database unlike its last applied migration (live\n"
       "drift). Exit 0 when all is in step, 3 when something is pending or drifted. Reads\n"
       "only: no lock, no ledger made.");
}

static cJSON *names(const history *h, const bool *applied, bool want) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < h->migs.n; i++)
    if (applied[i] == want) cJSON_AddItemToArray(a, cJSON_CreateString(h->migs.v[i]->name));
  return a;
}

static void print_list(const char *label, const history *h, const bool *applied, bool want) {
  int n = 0;
  for (int i = 0; i < h->migs.n; i++)
    n += applied[i] == want;
  printf("%-14s%d", label, n);
  for (int i = 0, k = 0; i < h->migs.n; i++)
    if (applied[i] == want) printf("%s%s", k++ ? ", " : ": ", h->migs.v[i]->name);
  putchar('\n');
}

int cmd_status(cli_opts *o, int argc, char **argv) {
  const char *db = NULL, *format = "text";
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    if ((!strcmp(a, "--db") || !strcmp(a, "--format")) && i + 1 >= argc)
      return cli_usage_error("status", "%s needs a value", a);
    if (!strcmp(a, "--db"))
      db = argv[++i];
    else if (!strcmp(a, "--format"))
      format = argv[++i];
    else
      return cli_usage_error("status", "unknown option '%s'", a);
  }
  if (strcmp(format, "text") && strcmp(format, "json"))
    return cli_usage_error("status", "--format takes text or json");
  fe_compilation c;
  history h;
  rt_run r;
  memset(&r, 0, sizeof r);
  int rc = cli_load_history(&c, o, &h, &r.source_drift, "status");
  if (rc != EXIT_OK) return fe_free(&c), rc;
  r.a = &c.a;
  r.h = &h;
  r.url = cli_database_url(db);
  r.no_lock = true;
  rc = rt_prepare(&r);
  if (rc == RT_OK) {
    bool pending = r.applied < h.migs.n;
    const char *const *last = r.ledger ? rt_last_run(r.db) : NULL; /* id verb state started */
    /* the state an apply would end in now (kitcn's run states) */
    const char *next = r.source_drift || r.live_drift || r.reversing ? "drift_blocked"
                       : pending || r.resuming                       ? "pending"
                                                                     : "noop";
    bool in_step = !pending && !r.source_drift && !r.live_drift;
    if (!strcmp(format, "json")) {
      cJSON *j = cJSON_CreateObject();
      cJSON_AddStringToObject(j, "database", r.db->url->shown);
      cJSON_AddItemToObject(j, "applied", names(&h, r.is_applied, true));
      cJSON_AddItemToObject(j, "pending", names(&h, r.is_applied, false));
      cJSON_AddItemToObject(j, "committed", cJSON_CreateNumber(h.migs.n));
      cJSON_AddItemToObject(j, "sourceDrift",
                            r.source_drift ? cJSON_CreateString(r.source_drift)
                                           : cJSON_CreateNull());
      cJSON_AddItemToObject(j, "liveDrift",
                            r.live_drift ? cJSON_CreateString(r.live_drift) : cJSON_CreateNull());
      cJSON_AddBoolToObject(j, "inStep", in_step);
      cJSON_AddStringToObject(j, "nextApply", next);
      cJSON *lr = last ? cJSON_CreateObject() : cJSON_CreateNull();
      if (last) {
        cJSON_AddNumberToObject(lr, "id", atof(last[0]));
        cJSON_AddStringToObject(lr, "verb", last[1]);
        cJSON_AddStringToObject(lr, "state", last[2]);
        cJSON_AddStringToObject(lr, "startedAt", last[3]);
      }
      cJSON_AddItemToObject(j, "lastRun", lr);
      char *text = cJSON_Print(j);
      puts(text);
      cJSON_free(text);
      cJSON_Delete(j);
    } else {
      printf("database:     %s\n", r.db->url->shown);
      printf("committed:    %d%s%s\n", h.migs.n, h.migs.n ? ", latest " : "",
             h.migs.n ? h.migs.v[h.migs.n - 1]->name : "");
      print_list("applied:", &h, r.is_applied, true);
      print_list("pending:", &h, r.is_applied, false);
      printf("source drift: %s\n", r.source_drift ? r.source_drift : "none");
      printf("live drift:   %s\n", r.live_drift ? r.live_drift : "none");
      if (r.resuming) printf("half done:    %s (run inspirec apply to finish it)\n", r.resuming);
      if (r.reversing)
        printf("half done:    %s down (run inspirec down to finish it)\n", r.reversing);
      printf("next apply:   %s\n", next);
      if (last)
        printf("last run:     %s %s %s, started %s\n", last[0], last[1], last[2], last[3]);
      else
        printf("last run:     none\n");
    }
    rc = in_step ? EXIT_OK : EXIT_BLOCKED;
  }
  rt_finish(&r);
  fe_free(&c);
  return rc;
}

void help_verify(void) {
  puts("usage: inspirec verify [--shadow URL] [--lock-timeout S]\n"
       "\n"
       "Replay the whole migration history on a throwaway database (in-memory SQLite, or the\n"
       "empty database at --shadow URL, left empty again): after each migration the database,\n"
       "read back, must equal the migration's snapshot, and at the end the declared schema;\n"
       "then every down script, newest first, must return it to the snapshot before. Exit 0\n"
       "when all holds, 1 on the first difference, 3 if the shadow database is not empty or a\n"
       "[RESOLVE] is left, 4 if a statement fails.");
}

int cmd_verify(cli_opts *o, int argc, char **argv) {
  rt_run r;
  memset(&r, 0, sizeof r);
  r.lock_timeout = 30;
  r.url = "sqlite::memory:";
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    if ((!strcmp(a, "--shadow") || !strcmp(a, "--lock-timeout")) && i + 1 >= argc)
      return cli_usage_error("verify", "%s needs a value", a);
    if (!strcmp(a, "--shadow")) {
      r.url = argv[++i];
    } else if (!strcmp(a, "--lock-timeout")) {
      if (!cli_lock_timeout_arg(argv[++i], &r.lock_timeout))
        return cli_usage_error("verify", "--lock-timeout takes whole seconds");
    } else {
      return cli_usage_error("verify", "unknown option '%s'", a);
    }
  }
  fe_compilation c;
  history h;
  int rc = cli_load_history(&c, o, &h, &r.source_drift, "verify");
  r.progress = !o->quiet && isatty(STDERR_FILENO);
  if (rc == EXIT_OK) {
    r.a = &c.a;
    r.h = &h;
    rc = rt_verify(&r, st_from_schema(&c.schema));
  }
  fe_free(&c);
  return rc;
}
