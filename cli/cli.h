/*
** cli.h: the `inspirec` verbs and the options they share.
*/
#ifndef INSPIRE_CLI_H
#define INSPIRE_CLI_H

#include "frontend/frontend.h"

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

#endif
