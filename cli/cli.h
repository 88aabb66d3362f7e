/*
** cli.h: the `inspirec` verbs and the options they share.
*/
#ifndef INSPIRE_CLI_H
#define INSPIRE_CLI_H

#include "frontend/frontend.h"
#include "runtime/runtime.h"

#include <stdbool.h>

/* Exit codes (cli.md). */
enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_BLOCKED = 3, EXIT_DATABASE = 4 };

typedef enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_mode;

/* Options common to every verb; verb options are parsed by the verb. */
typedef struct cli_opts {
  color_mode color;
  bool quiet, verbose;
  const char **schema; /* --schema values, NULL-terminated */
  int nschema;
  const char *migrations;
  const char **args; /* what the verb has still to read */
  int nargs;
} cli_opts;

/* options.c */
/* Consume a common option at argv[*i]; returns 1 if taken, 0 if not common,
** -1 on a usage error (already printed). */
int cli_common_option(cli_opts *o, int argc, char **argv, int *i);
bool cli_use_color(const cli_opts *o);
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cli_suggest(const char *word, const char *const *cands, int n);

/* check.c */
int cmd_check(cli_opts *o, int argc, char **argv);
void help_check(void);
/* The schema: paths given, else --schema, else schema/.  False when there is
** nothing to read (a diagnostic says why). */
void cli_load_schema(fe_compilation *c, cli_opts *o, const char **paths, int npaths);
const char *cli_migrations_dir(const cli_opts *o);
/* Print diagnostics as text on stderr. */
void cli_print_diags(fe_compilation *c, cli_opts *o);

/* lower.c */
int cmd_lower(cli_opts *o, int argc, char **argv);
void help_lower(void);

/* apply.c */
int cmd_apply(cli_opts *o, int argc, char **argv);
int cmd_dry_run(cli_opts *o, int argc, char **argv);
int cmd_dev(cli_opts *o, int argc, char **argv);
void help_apply(void);
int cmd_status(cli_opts *o, int argc, char **argv);
int cmd_verify(cli_opts *o, int argc, char **argv);
void help_verify(void);
void help_status(void);
/* --db, else $INSPIRE_DATABASE_URL, else $DATABASE_URL, else the embedded default */
const char *cli_database_url(const char *given);
/* --dialect when given, else the dialect of the database cli_database_url names */
const be_dialect *cli_dialect_of(const char *dialect, const char *db);
/* $INSPIRE_MAX_RISK into *out when set; a usage error when it is not 0..100 */
int cli_max_risk_env(const char *verb, int *out);
bool cli_lock_timeout_arg(const char *text, int *out);
/* The schema compiled and the history loaded, with nothing that blocks a
** run: errors (exit 1), a marker left (exit 3); *drift when the schema is
** ahead of its migrations. */
int cli_load_history(fe_compilation *c, cli_opts *o, history *h, const char **drift,
                     const char *verb);
/* The same for a runner verb (apply, dry-run, dev, down, rollback), and the
** run set up as they all set it: -q, the test hooks, progress on a terminal,
** the database; --to checked against the history (down's --to 0 too). */
int cli_runner_load(fe_compilation *c, cli_opts *o, history *h, rt_run *r, const char *db,
                    const char *verb);

/* down.c */
int cmd_down(cli_opts *o, int argc, char **argv);
int cmd_rollback(cli_opts *o, int argc, char **argv);
void help_down(void);
int cmd_history(cli_opts *o, int argc, char **argv);
void help_history(void);
int cmd_cancel(cli_opts *o, int argc, char **argv);
void help_cancel(void);

/* plan.c */
int cmd_plan(cli_opts *o, int argc, char **argv);
void help_plan(void);
/* The slug of migrations.md 1: lowercase, runs of other characters become
** one '_', trimmed, at most 60 bytes.  Empty when nothing is left. */
void plan_slug(const char *in, char *out, size_t cap);

#endif
