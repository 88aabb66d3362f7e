/*
** main.c: `inspirec VERB [options] [paths]`: global options, then the verb.
*/
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct verb {
  const char *name;
  int (*run)(cli_opts *o, int argc, char **argv);
  void (*help)(void);
  const char *summary;
} verb;

static const verb verbs[] = {
    {"check", cmd_check, help_check, "parse and check the schema and the migration history"},
    {"plan", cmd_plan, help_plan, "write the next migration"},
    {"lower", cmd_lower, help_lower, "print or write SQL for a dialect"},
    {"apply", cmd_apply, help_apply, "apply pending migrations"},
    {"dry-run", cmd_dry_run, help_apply, "show what apply would run"},
    {"status", cmd_status, help_status, "committed, applied, pending, drift"},
    {"dev", cmd_dev, help_apply, "apply pending migrations to the local database"},
    {"down", cmd_down, help_down, "reverse the newest applied migrations"},
    {"rollback", cmd_rollback, help_down, "reverse the last batch apply applied"},
    {"history", cmd_history, help_history, "runs, batches, steps and failures of a database"},
    {"cancel", cmd_cancel, help_cancel, "stop a running backfill between two batches"},
    {"verify", cmd_verify, help_verify, "replay history on a throwaway database and compare"},
    {"fmt", NULL, NULL, "format schema and plan files"},
    {"lsp", NULL, NULL, "Language Server Protocol over stdio"},
};
#define NVERBS ((int)(sizeof verbs / sizeof *verbs))

static void usage(FILE *out) {
  fputs("usage: inspirec [-C DIR] VERB [options] [paths]\n"
        "       inspirec help [VERB]\n"
        "       inspirec --version\n\nVerbs:\n",
        out);
  for (int i = 0; i < NVERBS; i++)
    fprintf(out, "  %-8s %s%s\n", verbs[i].name, verbs[i].summary,
            verbs[i].run ? "" : " (not yet built)");
  fputs("\nCommon options: -C DIR, --schema DIR|FILE..., --migrations DIR,\n"
        "                --color auto|always|never, -q, -v\n"
        "'inspirec migrate VERB' is the same as 'inspirec VERB' for plan, apply, dry-run, status,\n"
        "down, rollback, history and cancel.\n",
        out);
}

static const verb *find_verb(const char *name) {
  for (int i = 0; i < NVERBS; i++)
    if (strcmp(verbs[i].name, name) == 0) return &verbs[i];
  return NULL;
}

static int unknown_verb(const char *name) {
  const char *names[NVERBS];
  for (int i = 0; i < NVERBS; i++)
    names[i] = verbs[i].name;
  const char *best = cli_suggest(name, names, NVERBS);
  if (best) return cli_usage_error(NULL, "unknown verb '%s'; did you mean '%s'?", name, best);
  return cli_usage_error(NULL, "unknown verb '%s'", name);
}

static int help(int argc, char **argv) {
  if (argc == 0) {
    usage(stdout);
    return EXIT_OK;
  }
  const verb *v = find_verb(argv[0]);
  if (!v) return unknown_verb(argv[0]);
  if (v->help)
    v->help();
  else
    printf("inspirec %s: %s (not yet built in this version)\n", v->name, v->summary);
  return EXIT_OK;
}

int main(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  int i = 1;
  /* Options before the verb: -C DIR (like git), --version, --help, common ones. */
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-C") == 0 || strncmp(a, "-C", 2) == 0) {
      const char *dir = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!dir) return cli_usage_error(NULL, "-C needs a folder");
      if (chdir(dir) != 0) {
        fprintf(stderr, "inspirec: cannot change to folder '%s': %s\n", dir, strerror(errno));
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
      printf("inspirec %s\n", INSPIREC_VERSION);
      return EXIT_OK;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return EXIT_OK;
    } else {
      int r = cli_common_option(&o, argc, argv, &i);
      if (r < 0) return EXIT_USAGE;
      if (r == 0) return cli_usage_error(NULL, "unknown option '%s' before the verb", a);
    }
  }
  if (i >= argc) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[i++];
  if (strcmp(name, "help") == 0) return help(argc - i, argv + i);
  if (strcmp(name, "migrate") == 0) {
    /* Kizaki's `migrate VERB`, and kitcn's migrate down, rollback and cancel */
    static const char *const aliased[] = {"plan", "apply",    "dry-run", "status",
                                          "down", "rollback", "history", "cancel"};
    const int naliased = (int)(sizeof aliased / sizeof *aliased);
    if (i >= argc)
      return cli_usage_error(NULL, "'inspirec migrate' needs a verb: plan, apply, dry-run, status, "
                                   "down, rollback, history or cancel");
    name = argv[i++];
    bool ok = false;
    for (int k = 0; k < naliased; k++)
      ok |= strcmp(name, aliased[k]) == 0;
    if (!ok)
      return cli_usage_error(NULL,
                             "'inspirec migrate %s' is not a verb; migrate takes plan, apply, "
                             "dry-run, status, down, rollback, history or cancel",
                             name);
  }
  const verb *v = find_verb(name);
  if (!v) return unknown_verb(name);
  for (int j = i; j < argc; j++)
    if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
      return help(1, (char **)&v->name);
  if (!v->run) {
    fprintf(stderr, "inspirec: '%s' is not built yet in this version of inspirec\n", v->name);
    return EXIT_USAGE;
  }
  int rc = v->run(&o, argc - i, argv + i);
  free(o.schema);
  /* A result that did not reach stdout (a full disk, a closed pipe) is not
  ** a success: `lower --schema > schema.sql` would leave half a file. */
  if ((fflush(stdout) != 0 || ferror(stdout)) && rc == EXIT_OK) {
    fprintf(stderr, "inspirec: cannot write %s's output: %s\n", v->name, strerror(errno));
    rc = EXIT_INPUT;
  }
  return rc;
}
