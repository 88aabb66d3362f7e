/*
** apply.c: `inspirec apply`, `dry-run`, `dev` and `status` (migrations.md 6):
** the history read and checked here, the database work in runtime/.
*/
#include "cli.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void help_apply(void) {
  puts("usage: inspirec apply [--db URL] [--to MIGRATION] [--allow-drift] [--lock-timeout S]\n"
       "       inspirec dry-run [--db URL] [--to MIGRATION]\n"
       "       inspirec dev [--db URL]\n"
       "\n"
       "Apply the committed migrations not yet applied to the database, in order, each in\n"
       "one transaction where the engine allows, under a lock (30 s by default). The\n"
       "database is --db, else $INSPIRE_DATABASE_URL, else $DATABASE_URL, else\n"
       "sqlite:.inspire/dev.db. URLs: sqlite:PATH, postgres://..., mysql://...\n"
       "Refuses (exit 3) a [RESOLVE] left, a schema ahead of its migrations, an applied\n"
       "migration edited or missing, and a database that differs from the last applied\n"
       "migration (unless --allow-drift). dry-run prints the SQL apply would run.");
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
static int load(fe_compilation *c, cli_opts *o, history *h, const char **drift) {
  fe_init(c);
  c->diags.limit = 500;
  cli_load_schema(c, o, NULL, 0);
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
              "apply again\n",
              h->migs.v[i]->dir, h->migs.v[i]->markers, h->migs.v[i]->markers == 1 ? "" : "s",
              h->migs.v[i]->markers == 1 ? "it" : "them");
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

static int run_verb(const char *verb, cli_opts *o, int argc, char **argv) {
  rt_run r;
  memset(&r, 0, sizeof r);
  r.lock_timeout = 30;
  r.quiet = o->quiet;
  r.dry_run = strcmp(verb, "dry-run") == 0;
  r.version = INSPIREC_VERSION;
  const char *db = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    bool takes = !strcmp(a, "--db") || !strcmp(a, "--to") || !strcmp(a, "--lock-timeout");
    if (takes && i + 1 >= argc) return cli_usage_error(verb, "%s needs a value", a);
    if (!strcmp(a, "--db")) {
      db = argv[++i];
    } else if (!strcmp(a, "--to") && strcmp(verb, "dev") != 0) {
      r.to = argv[++i];
    } else if (!strcmp(a, "--lock-timeout")) {
      char *end;
      r.lock_timeout = (int)strtol(argv[++i], &end, 10);
      if (*end || r.lock_timeout < 0)
        return cli_usage_error(verb, "--lock-timeout takes whole seconds");
    } else if (!strcmp(a, "--allow-drift") && strcmp(verb, "apply") == 0) {
      r.allow_drift = true;
    } else {
      return cli_usage_error(verb, "unknown option '%s'", a);
    }
  }
  const char *stop = getenv("INSPIREC_TEST_STOP_AFTER"); /* tests: a crash at statement N */
  r.stop_after = stop ? atol(stop) : 0;
  fe_compilation c;
  history h;
  int rc = load(&c, o, &h, &r.source_drift);
  if (rc == EXIT_OK) {
    r.a = &c.a;
    r.h = &h;
    r.url = cli_database_url(db);
    if (r.to) {
      bool found = false;
      for (int i = 0; i < h.migs.n; i++)
        found |= strcmp(h.migs.v[i]->name, r.to) == 0 || atol(r.to) == h.migs.v[i]->number;
      if (!found) rc = cli_usage_error(verb, "--to %s: no such migration", r.to);
    }
    if (rc == EXIT_OK) rc = rt_apply(&r);
  }
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
