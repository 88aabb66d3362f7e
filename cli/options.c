/*
** options.c: the options every verb shares, colour, and usage errors.
*/
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage_error(const char *verb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("inspirec: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (verb)
    fprintf(stderr, "Run 'inspirec help %s' for its options.\n", verb);
  else
    fputs("Run 'inspirec help' for the list of verbs.\n", stderr);
  return EXIT_USAGE;
}

const char *cli_suggest(const char *word, const char *const *cands, int n) {
  return sema_suggest(word, cands, n);
}

/* --name=value or --name value */
static const char *value_of(const char *name, int argc, char **argv, int *i) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) == 0 && a[n] == '=') return a + n + 1;
  if (strcmp(a, name) == 0) {
    if (*i + 1 >= argc) return NULL;
    return argv[++*i];
  }
  return NULL;
}

static bool is_opt(const char *a, const char *name) {
  size_t n = strlen(name);
  return strcmp(a, name) == 0 || (strncmp(a, name, n) == 0 && a[n] == '=');
}

int cli_common_option(cli_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
    o->quiet = true;
    return 1;
  }
  if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
    o->verbose = true;
    return 1;
  }
  if (is_opt(a, "--color") || is_opt(a, "--colour")) {
    const char *v =
        value_of(strncmp(a, "--colour", 8) == 0 ? "--colour" : "--color", argc, argv, i);
    if (!v) return cli_usage_error(NULL, "--color needs a value: auto, always or never"), -1;
    if (strcmp(v, "auto") == 0)
      o->color = COLOR_AUTO;
    else if (strcmp(v, "always") == 0)
      o->color = COLOR_ALWAYS;
    else if (strcmp(v, "never") == 0)
      o->color = COLOR_NEVER;
    else
      return cli_usage_error(NULL, "--color takes auto, always or never, not '%s'", v), -1;
    return 1;
  }
  if (is_opt(a, "--schema")) {
    const char *v = value_of("--schema", argc, argv, i);
    if (!v) return cli_usage_error(NULL, "--schema needs a folder or file"), -1;
    o->schema = realloc(o->schema, sizeof(char *) * (size_t)(o->nschema + 2));
    o->schema[o->nschema++] = v;
    o->schema[o->nschema] = NULL;
    /* One path per --schema, repeated for more: a greedy list would swallow
    ** the verb in `inspirec --schema app/schema check`. */
    return 1;
  }
  if (is_opt(a, "--migrations")) {
    const char *v = value_of("--migrations", argc, argv, i);
    if (!v) return cli_usage_error(NULL, "--migrations needs a folder"), -1;
    o->migrations = v;
    return 1;
  }
  return 0;
}

bool cli_use_color(const cli_opts *o) {
  if (o->color == COLOR_ALWAYS) return true;
  if (o->color == COLOR_NEVER) return false;
  const char *nc = getenv("NO_COLOR");
  if (nc && nc[0]) return false;
  const char *term = getenv("TERM");
  if (term && strcmp(term, "dumb") == 0) return false;
  return isatty(STDERR_FILENO);
}
