/*
** down.c: `inspirec down`, `rollback`, `history` and `cancel` (docs/runtime.md):
** reversing applied migrations, and the audit history of a database.
*/
#include "cli.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void help_down(void) {
  puts("usage: inspirec down [--steps N | --to MIGRATION] [--accept-loss] [--dry-run] [--db URL]\n"
       "       inspirec rollback [--accept-loss] [--dry-run] [--db URL]\n"
       "\n"
       "down runs the down scripts of the newest applied migrations, newest first: one by\n"
       "default, N with --steps, or every one after MIGRATION with --to (--to 0: all).\n"
       "rollback reverses the whole last batch: every migration the last apply applied.\n"
       "Refuses (exit 3) a migration that cannot be reversed (-- IRREVERSIBLE:, a sql step),\n"
       "and one whose down script loses data (-- LOSSY:) unless --accept-loss; a database\n"
       "that differs from the last applied migration unless --allow-drift. Lock, ledger and\n"
       "transactions as for apply. --dry-run prints the SQL instead.");
}

/* --steps N, --limit N: a whole number from 1 to a million */
static bool count_arg(const char *text, int *out) {
  char *end;
  long n = strtol(text, &end, 10);
  if (!*text || *end || n < 1 || n > 1000000) return false;
  *out = (int)n;
  return true;
}

static int reverse(const char *verb, cli_opts *o, int argc, char **argv) {
  rt_run r;
  memset(&r, 0, sizeof r);
  r.lock_timeout = 30;
  r.max_risk = -1;
  r.rollback = strcmp(verb, "rollback") == 0;
  const char *db = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    bool down = !r.rollback;
    bool takes = !strcmp(a, "--db") || !strcmp(a, "--lock-timeout") ||
                 (down && (!strcmp(a, "--to") || !strcmp(a, "--steps")));
    if (takes && i + 1 >= argc) return cli_usage_error(verb, "%s needs a value", a);
    if (!strcmp(a, "--db")) {
      db = argv[++i];
    } else if (down && !strcmp(a, "--to")) {
      r.to = argv[++i];
    } else if (down && !strcmp(a, "--steps")) {
      if (!count_arg(argv[++i], &r.steps))
        return cli_usage_error(verb, "--steps takes a count of 1 or more");
    } else if (!strcmp(a, "--lock-timeout")) {
      if (!cli_lock_timeout_arg(argv[++i], &r.lock_timeout))
        return cli_usage_error(verb, "--lock-timeout takes whole seconds");
    } else if (!strcmp(a, "--accept-loss")) {
      r.accept_loss = true;
    } else if (!strcmp(a, "--allow-drift")) {
      r.allow_drift = true;
    } else if (!strcmp(a, "--dry-run")) {
      r.dry_run = true;
    } else {
      return cli_usage_error(verb, "unknown option '%s'", a);
    }
  }
  if (r.to && r.steps) return cli_usage_error(verb, "--steps and --to: give one of them");
  fe_compilation c;
  history h;
  /* a schema ahead of the history (r.source_drift) does not stop a down */
  int rc = cli_runner_load(&c, o, &h, &r, db, verb);
  if (rc == EXIT_OK) rc = rt_down(&r);
  fe_free(&c);
  return rc;
}

int cmd_down(cli_opts *o, int argc, char **argv) {
  return reverse("down", o, argc, argv);
}
int cmd_rollback(cli_opts *o, int argc, char **argv) {
  return reverse("rollback", o, argc, argv);
}

void help_history(void) {
  puts("usage: inspirec history [--db URL] [--format text|json] [--limit N]\n"
       "\n"
       "The runs recorded in the database's ledger, newest first (50 by default): each\n"
       "apply, down and rollback with its batch, state (running, completed, failed,\n"
       "canceled), times, error and steps (each one with -v); then what is applied, by\n"
       "batch. Reads only.\n"
       "docs/runtime.md documents the JSON.");
}

int cmd_history(cli_opts *o, int argc, char **argv) {
  const char *db = NULL, *format = "text";
  int limit = 50;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    bool takes = !strcmp(a, "--db") || !strcmp(a, "--format") || !strcmp(a, "--limit");
    if (takes && i + 1 >= argc) return cli_usage_error("history", "%s needs a value", a);
    if (!strcmp(a, "--db")) {
      db = argv[++i];
    } else if (!strcmp(a, "--format")) {
      format = argv[++i];
    } else if (!strcmp(a, "--limit")) {
      if (!count_arg(argv[++i], &limit))
        return cli_usage_error("history", "--limit takes a count of 1 or more");
    } else {
      return cli_usage_error("history", "unknown option '%s'", a);
    }
  }
  if (strcmp(format, "text") && strcmp(format, "json"))
    return cli_usage_error("history", "--format takes text or json");
  arena a;
  arena_init(&a);
  int rc = rt_history(&a, cli_database_url(db), strcmp(format, "json") == 0, o->verbose, limit);
  arena_free(&a);
  return rc;
}

void help_cancel(void) {
  puts("usage: inspirec cancel [--db URL]\n"
       "\n"
       "Ask the run in progress on the database to stop. A backfill stops between two\n"
       "batches, every batch done kept, its state canceled; apply resumes it. Ctrl-C in the\n"
       "running inspirec does the same.");
}

int cmd_cancel(cli_opts *o, int argc, char **argv) {
  const char *db = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int common = cli_common_option(o, argc, argv, &i);
    if (common < 0) return EXIT_USAGE;
    if (common) continue;
    if (!strcmp(a, "--db") && i + 1 < argc)
      db = argv[++i];
    else
      return cli_usage_error("cancel", "unknown option '%s'", a);
  }
  arena a;
  arena_init(&a);
  int rc = rt_cancel(&a, cli_database_url(db), o->quiet);
  arena_free(&a);
  return rc;
}
