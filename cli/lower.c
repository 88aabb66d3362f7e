/*
** lower.c: `inspirec lower`: the SQL of committed migrations, or of the whole
** schema, for other runners (lowering.md "Output of inspirec lower").
*/
#include "backends/backend.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void help_lower(void) {
  puts("usage: inspirec lower --dialect postgres|mysql|sqlite [--down] [--schema] [MIGRATION...]\n"
       "                      [--out DIR --layout plain|golang-migrate|flyway|dbmate]\n"
       "\n"
       "Print the SQL of committed migrations (all, or those named by folder or number), the\n"
       "reverse SQL with --down, or the DDL of the whole current schema with --schema.  With\n"
       "--out, write files in the layout another runner reads:\n"
       "  plain, golang-migrate  NNNN_slug.up.sql and NNNN_slug.down.sql\n"
       "  flyway                 VNNNN__slug.sql and UNNNN__slug.sql\n"
       "  dbmate                 NNNN_slug.sql with -- migrate:up and -- migrate:down sections");
}

/* What the dialect cannot build, as E0801 errors: no file is written. */
static bool refused(fe_compilation *c, cli_opts *o, const be_dialect *d, const be_script *up,
                    const be_script *dn, const char *what) {
  for (int k = 0; k < 2; k++) {
    const be_script *s = k ? dn : up;
    for (int i = 0; s && i < s->problems.n; i++)
      diag_add(&c->diags, DIAG_E0801, (ir_range){0}, "%s cannot be lowered for %s: %s", what,
               d->name, s->problems.v[i]);
  }
  if (!c->diags.errors) return false;
  cli_print_diags(c, o);
  return true;
}

static int write_atomic(const char *path, const char *text) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  bool ok = fwrite(text, 1, n, f) == n && fflush(f) == 0;
  if (fclose(f) != 0) ok = false;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

/* NNNN_slug -> NNNN and slug */
static void split_name(const char *name, char *num, size_t ncap, const char **slug) {
  const char *u = strchr(name, '_');
  size_t n = u ? (size_t)(u - name) : strlen(name);
  if (n >= ncap) n = ncap - 1;
  memcpy(num, name, n);
  num[n] = 0;
  *slug = u ? u + 1 : "";
}

static bool wanted(const history_mig *m, const char **names, int n) {
  if (n == 0) return true;
  for (int i = 0; i < n; i++) {
    const char *w = names[i];
    if (strcmp(w, m->name) == 0) return true;
    char *end;
    long k = strtol(w, &end, 10);
    if (*w && !*end && k == m->number) return true;
  }
  return false;
}

int cmd_lower(cli_opts *o, int argc, char **argv) {
  const char *dialect = NULL, *out_dir = NULL, *layout = NULL;
  bool down = false, whole = false;
  const char **names = calloc((size_t)argc + 1, sizeof(char *));
  int nnames = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    /* --schema alone means the whole schema's DDL here (cli.md), not a path */
    if (strcmp(a, "--schema") == 0 && (i + 1 >= argc || argv[i + 1][0] == '-')) {
      whole = true;
      continue;
    }
    int r = cli_common_option(o, argc, argv, &i);
    if (r < 0) return free(names), EXIT_USAGE;
    if (r > 0) continue;
    if (strcmp(a, "--dialect") == 0 || strncmp(a, "--dialect=", 10) == 0) {
      dialect = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
    } else if (strcmp(a, "--out") == 0 || strncmp(a, "--out=", 6) == 0) {
      out_dir = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
    } else if (strcmp(a, "--layout") == 0 || strncmp(a, "--layout=", 9) == 0) {
      layout = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
    } else if (strcmp(a, "--down") == 0) {
      down = true;
    } else if (a[0] == '-') {
      free(names);
      return cli_usage_error("lower", "unknown option '%s'", a);
    } else {
      names[nnames++] = a;
    }
  }
  if (o->nschema) whole = true;
  if (!dialect)
    return free(names),
           cli_usage_error("lower", "--dialect is required: postgres, mysql or sqlite");
  const be_dialect *d = be_find(dialect);
  if (!d) {
    free(names);
    return cli_usage_error("lower", "unknown dialect '%s': postgres, mysql or sqlite", dialect);
  }
  if (layout && strcmp(layout, "plain") && strcmp(layout, "golang-migrate") &&
      strcmp(layout, "flyway") && strcmp(layout, "dbmate"))
    return free(names),
           cli_usage_error("lower", "--layout takes plain, golang-migrate, flyway or dbmate");
  if (layout && !out_dir)
    return free(names), cli_usage_error("lower", "--layout goes with --out DIR");
  if (out_dir && !layout) layout = "plain";

  fe_compilation c;
  fe_init(&c);
  c.diags.limit = 500;
  int rc = EXIT_OK;
  if (whole) {
    cli_load_schema(&c, o, NULL, 0);
    c.schema.make_state = true; /* for st_from_schema below */
    fe_compile(&c);
    if (c.diags.errors) {
      cli_print_diags(&c, o);
      rc = EXIT_INPUT;
      goto out;
    }
    be_script s;
    be_script_init(&s, &c.a);
    be_lower_schema(d, st_from_schema(&c.schema), &s);
    if (refused(&c, o, d, &s, NULL, "the schema")) {
      rc = EXIT_INPUT;
      goto out;
    }
    be_script_write(&s, arena_printf(&c.a, "-- the whole schema, %s", d->name), stdout);
    goto out;
  }
  history h;
  memset(&h, 0, sizeof h);
  h.markers_are_errors = true; /* migrations.md 2: lower refuses a marker left */
  history_load(&c.schema, &c.diags, cli_migrations_dir(o), &h);
  diag_sort(&c.diags);
  if (c.diags.errors) {
    cli_print_diags(&c, o);
    rc = EXIT_INPUT;
    goto out;
  }
  if (!h.exists || h.migs.n == 0) {
    fprintf(stderr, "inspirec: no migrations in '%s'; run inspirec plan first\n",
            cli_migrations_dir(o));
    rc = EXIT_INPUT;
    goto out;
  }
  for (int i = 0; i < nnames; i++) {
    bool found = false;
    for (int j = 0; j < h.migs.n; j++)
      found |= wanted(h.migs.v[j], &names[i], 1);
    if (!found) {
      fprintf(stderr, "inspirec: no migration '%s' in '%s'\n", names[i], cli_migrations_dir(o));
      rc = EXIT_USAGE;
      goto out;
    }
  }
  if (out_dir && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "inspirec: cannot create '%s': %s\n", out_dir, strerror(errno));
    rc = EXIT_INPUT;
    goto out;
  }
  const st_schema *prev = st_new(&c.a, &c.names);
  for (int i = 0; i < h.migs.n; i++) {
    history_mig *m = h.migs.v[i];
    if (wanted(m, names, nnames)) {
      be_script up, dn;
      be_script_init(&up, &c.a);
      be_script_init(&dn, &c.a);
      be_lower_plan(d, prev, m->plan, false, &up);
      be_lower_plan(d, prev, m->plan, true, &dn);
      if (refused(&c, o, d, &up, &dn, m->name)) {
        rc = EXIT_INPUT;
        goto out;
      }
      char *ut = be_script_text(&up, arena_printf(&c.a, "-- %s up, %s", m->name, d->name));
      char *dt = be_script_text(&dn, arena_printf(&c.a, "-- %s down, %s", m->name, d->name));
      char num[32];
      const char *slug;
      split_name(m->name, num, sizeof num, &slug);
      int err = 0;
      if (!out_dir) {
        fputs(down ? dt : ut, stdout);
        if (i + 1 < h.migs.n) fputc('\n', stdout);
      } else if (strcmp(layout, "flyway") == 0) {
        err |= write_atomic(arena_printf(&c.a, "%s/V%s__%s.sql", out_dir, num, slug), ut);
        err |= write_atomic(arena_printf(&c.a, "%s/U%s__%s.sql", out_dir, num, slug), dt);
      } else if (strcmp(layout, "dbmate") == 0) {
        err |= write_atomic(arena_printf(&c.a, "%s/%s.sql", out_dir, m->name),
                            arena_printf(&c.a, "-- migrate:up\n%s\n-- migrate:down\n%s", ut, dt));
      } else {
        err |= write_atomic(arena_printf(&c.a, "%s/%s.up.sql", out_dir, m->name), ut);
        err |= write_atomic(arena_printf(&c.a, "%s/%s.down.sql", out_dir, m->name), dt);
      }
      free(ut);
      free(dt);
      if (err) {
        fprintf(stderr, "inspirec: cannot write into '%s': %s\n", out_dir, strerror(errno));
        rc = EXIT_INPUT;
        goto out;
      }
    }
    prev = m->snapshot;
  }
out:
  free(names);
  fe_free(&c);
  return rc;
}
