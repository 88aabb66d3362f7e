/*
** check.c: `inspirec check`: parse and check the schema; print diagnostics.
*/
#include "cli.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void help_check(void) {
  puts("usage: inspirec check [--format text|json|sarif] [--strict] [--dump-ir] [paths...]\n"
       "\n"
       "Parse and check the schema (every *.inspire under schema/, or the files and folders\n"
       "named) and print diagnostics.  Nothing is written.\n"
       "\n"
       "  --format text|json|sarif  diagnostics as text on stderr (default), or JSON/SARIF on "
       "stdout\n"
       "  --strict                  warnings count as errors\n"
       "  --max-risk N              refuse (exit 3) when a step of the latest migration scores\n"
       "                            more than N (0-100; also $INSPIRE_MAX_RISK; docs/risk.md)\n"
       "  --dialect D, --db URL     the dialect scored: D, else the database's (default sqlite)\n"
       "  --dump-ir                 print the resolved schema as JSON on stdout\n"
       "  --schema DIR|FILE...      the schema (default: schema/)\n"
       "  --color auto|always|never colour in text diagnostics (NO_COLOR is honoured)\n"
       "\n"
       "Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage error.");
}

typedef enum { FMT_TEXT, FMT_JSON, FMT_SARIF } out_format;

const char *cli_migrations_dir(const cli_opts *o) {
  return o->migrations ? o->migrations : "migrations";
}

void cli_print_diags(fe_compilation *c, cli_opts *o) {
  render_opts ro = {cli_use_color(o), INSPIREC_VERSION};
  if (!(o->quiet && c->diags.errors == 0)) render_text(stderr, &c->schema, &c->diags, &ro);
}

/* A path on the command line: a folder is searched, a file is read. */
static void load_path(fe_compilation *c, const char *path, bool named) {
  struct stat st;
  ir_range none = {0, 0, 0};
  if (stat(path, &st) != 0) {
    if (named)
      diag_add(&c->diags, DIAG_E0003, none, "cannot read '%s': no such file or folder", path);
    else
      diag_add(&c->diags, DIAG_E0004, none,
               "no schema folder '%s' here; run inspirec in a project folder (or pass -C DIR), or "
               "name the schema files",
               path);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    int n = src_collect_dir(&c->schema, &c->diags, path);
    if (n == 0) diag_add(&c->diags, DIAG_E0004, none, "no *.inspire files under '%s'", path);
  } else {
    src_load(&c->schema, &c->diags, path);
  }
}

void cli_load_schema(fe_compilation *c, cli_opts *o, const char **paths, int npaths) {
  if (npaths) {
    for (int i = 0; i < npaths; i++)
      load_path(c, paths[i], true);
  } else if (o->nschema) {
    for (int i = 0; i < o->nschema; i++)
      load_path(c, o->schema[i], true);
  } else {
    load_path(c, "schema", false);
  }
}

int cmd_check(cli_opts *o, int argc, char **argv) {
  out_format fmt = FMT_TEXT;
  bool strict = false, dump = false;
  int max_risk = -1;
  const char *dialect = NULL, *db = NULL;
  if (cli_max_risk_env("check", &max_risk) != EXIT_OK) return EXIT_USAGE;
  const char **paths = calloc((size_t)argc + 1, sizeof(char *));
  int npaths = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int r = cli_common_option(o, argc, argv, &i);
    if (r < 0) return free(paths), EXIT_USAGE;
    if (r > 0) continue;
    if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
      const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) return free(paths), cli_usage_error("check", "--format needs text, json or sarif");
      if (strcmp(v, "text") == 0)
        fmt = FMT_TEXT;
      else if (strcmp(v, "json") == 0)
        fmt = FMT_JSON;
      else if (strcmp(v, "sarif") == 0)
        fmt = FMT_SARIF;
      else
        return free(paths),
               cli_usage_error("check", "--format takes text, json or sarif, not '%s'", v);
    } else if (strcmp(a, "--strict") == 0) {
      strict = true;
    } else if (!strcmp(a, "--max-risk") || !strcmp(a, "--dialect") || !strcmp(a, "--db")) {
      if (i + 1 >= argc) return free(paths), cli_usage_error("check", "%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--db")) {
        db = v;
      } else if (!strcmp(a, "--dialect")) {
        if (!be_find(v))
          return free(paths),
                 cli_usage_error("check", "--dialect takes postgres, mysql or sqlite, not '%s'", v);
        dialect = v;
      } else if ((max_risk = rt_max_risk_arg(v)) < 0) {
        return free(paths), cli_usage_error("check", "--max-risk takes a score from 0 to 100");
      }
    } else if (strcmp(a, "--dump-ir") == 0) {
      dump = true;
    } else if (strcmp(a, "--") == 0) {
      for (i++; i < argc; i++)
        paths[npaths++] = argv[i];
    } else if (a[0] == '-' && a[1]) {
      static const char *const known[] = {"--format",  "--strict", "--dump-ir",   "--schema",
                                          "--color",   "--quiet",  "--verbose",   "--max-risk",
                                          "--dialect", "--db",     "--migrations"};
      const char *best = cli_suggest(a, known, (int)(sizeof known / sizeof *known));
      free(paths);
      if (best) return cli_usage_error("check", "unknown option '%s'; did you mean '%s'?", a, best);
      return cli_usage_error("check", "unknown option '%s'", a);
    } else {
      paths[npaths++] = a;
    }
  }

  fe_compilation c;
  fe_init(&c);
  c.diags.limit = 500;
  cli_load_schema(&c, o, paths, npaths);
  /* cli.md: the history is checked when no path is named, or when
  ** --migrations is; it is read on a second thread while the schema
  ** compiles, its diagnostics coming after the schema's */
  history h;
  memset(&h, 0, sizeof h);
  history_job job;
  bool with_history = npaths == 0 || o->migrations;
  if (with_history) {
    h.markers_are_errors = true;
    h.drop_plans = true;
    h.outlines = true;
    h.lazy_latest = max_risk < 0; /* the budget replays the latest plan to its snapshot */
    history_start(&job, &c, cli_migrations_dir(o), &h);
    c.schema.make_state = job.folder; /* for history_drift's st_from_schema, if it runs */
    /* or, as the drift test reads the snapshot lazily, only their fingerprints */
    c.schema.fingerprints_only = h.lazy_latest;
  }
  fe_compile(&c);
  int budget = EXIT_OK;
  if (with_history) {
    int errors_before = c.diags.errors;
    /* the schema's state, for the drift test and to read the latest snapshot by,
    ** unless the drift test reads it lazily (history_drift makes what it needs) */
    st_schema *src =
        errors_before == 0 && job.folder && !h.lazy_latest ? st_from_schema(&c.schema) : NULL;
    history_join(&job, &c, false, src);
    if (errors_before == 0 && c.diags.errors == 0) history_drift(&c.schema, &c.diags, &h, src);
    history_say_known(&h, o->verbose);
    diag_sort(&c.diags);
    /* the budget judges the latest migration: the one a change under review adds */
    int n = h.migs.n;
    ir_plan *latest = max_risk >= 0 && n && !c.diags.errors
                          ? history_load_mig(&c.schema, &c.diags, &h, n - 1, true)
                          : NULL;
    if (latest)
      budget = rt_budget_plan(cli_dialect_of(dialect, db), history_before(&h, n - 1, &c.a),
                              h.migs.v[n - 1]->name, latest, max_risk, false, &c.a);
  }
  free(paths);

  render_opts ro = {cli_use_color(o), INSPIREC_VERSION};
  if (fmt == FMT_TEXT) {
    cli_print_diags(&c, o);
  } else {
    char *out =
        fmt == FMT_JSON ? render_json(&c.schema, &c.diags) : render_sarif(&c.schema, &c.diags, &ro);
    puts(out);
    free(out);
  }
  int errors = c.diags.errors + (strict ? c.diags.warnings : 0);
  if (o->verbose) {
    size_t bytes = 0;
    for (int i = 0; i < c.schema.files.n; i++)
      bytes += c.schema.files.v[i]->len;
    fprintf(stderr,
            "inspirec: %d files, %zu bytes, %d entities (%d built without the parser), %zu bytes "
            "of IR\n",
            c.schema.files.n, bytes, c.schema.entities.n, c.schema.entities_fast, c.a.total);
  }
  if (dump && c.diags.errors == 0) {
    char *ir = ir_dump_json(&c.schema);
    puts(ir);
    free(ir);
  }
  fe_free(&c);
  return errors ? EXIT_INPUT : budget;
}
