/*
** plan.c: `inspirec plan`: diff the schema against the latest snapshot and
** write the next migration (migrations.md 4).
**
** The new snapshot is the previous one with the plan replayed on it, so that a
** plan always reaches its snapshot and the snapshot's column order is the
** database's.  Both files are written into a hidden folder that is renamed
** into place: a migration appears whole or not at all.
*/
#include "cli.h"
#include "runtime/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void help_plan(void) {
  puts("usage: inspirec plan [--name SLUG] [--new] [--empty] [--db URL] [--dialect D]\n"
       "\n"
       "Compare the schema with the latest migration's snapshot and write the next migration,\n"
       "migrations/NNNN_slug/ with plan.inspire and snapshot.json.  Review the plan: lines marked\n"
       "[RESOLVE] are guesses (a rename, or a drop and an add?); delete the marker to accept one,\n"
       "or replace the line.  Nothing changed: prints \"No schema changes.\" and writes nothing.\n"
       "\n"
       "  --name SLUG   name the migration (default: initial, then after its first operation)\n"
       "  --empty       write a migration with no operations, for hand-written sql steps\n"
       "  --new         always a new migration; without it, a latest migration not yet applied\n"
       "                to the local database (--db, $INSPIRE_DATABASE_URL, $DATABASE_URL,\n"
       "                sqlite:.inspire/dev.db) is a draft, rewritten in place\n"
       "  --dialect D   score the steps' risk for D (default: the database's dialect)\n"
       "  --schema DIR|FILE, --migrations DIR   where the schema and the migrations are");
}

void plan_slug(const char *in, char *out, size_t cap) {
  size_t o = 0;
  bool gap = false;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < cap && o < 60; p++) {
    unsigned char c = (unsigned char)tolower(*p);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (gap && o > 0) out[o++] = '_';
      if (o < 60) out[o++] = (char)c;
      gap = false;
    } else {
      gap = true;
    }
  }
  while (o > 0 && out[o - 1] == '_')
    o--;
  out[o] = 0;
}

/* `add Task.dueDate` gives add_task_due_date. */
static void derived_slug(arena *a, const ir_op *op, char *out, size_t cap) {
  const char *verb = op_names[op->kind];
  const char *what = op->entity ? ir_snake_case(a, op->entity) : "";
  const char *field = op->name ? ir_snake_case(a, op->name) : NULL;
  if (op->kind == OP_CREATE_ENTITY || op->kind == OP_CREATE_ENUM) verb = "create";
  if (op->kind == OP_DROP_ENTITY || op->kind == OP_DROP_ENUM) verb = "drop";
  if (op->kind == OP_RENAME_ENTITY || op->kind == OP_RENAME_ENUM) verb = "rename";
  if (op->kind == OP_ADD_VALUE) verb = "add";
  if (op->kind == OP_DROP_VALUE) verb = "drop";
  if (op->kind == OP_RENAME_VALUE) verb = "rename";
  char *raw = arena_printf(a, "%s %s %s", verb, what, field ? field : "");
  plan_slug(raw, out, cap);
}

/* text, or else the snapshot of state (its kept texts judged by the schema's
** state, which reach holds it to), its bytes given to sum when there is
** one.  Not synced: the folder's rename makes the migration appear whole,
** and apply makes its files durable before the ledger names their bytes
** (docs/migrations.md, `inspirec plan`). */
static int write_file(const char *path, const char *text, const st_schema *state,
                      const st_schema *target, const char *migration, ir_sha256 *sum,
                      st_outline *outline) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = text ? fwrite(text, 1, strlen(text), f) == strlen(text)
                : st_write_json_file(state, target, migration, f, sum, outline);
  ok = ok && fflush(f) == 0;
  if (fclose(f) != 0) ok = 0;
  return ok ? 0 : -1;
}

/* mkdir -p */
static int make_dirs(const char *dir) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* A draft's folder, put aside while its replacement is written: plan.inspire,
** snapshot.json and whatever else the user left there, then the folder. */
static void remove_folder(const char *path) {
  DIR *d = opendir(path);
  struct dirent *e;
  char buf[4400];
  while (d && (e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
    remove(buf);
  }
  if (d) closedir(d);
  rmdir(path);
}

/* The check that the plan's result is the schema, made on a second thread
** while the migration is written: the folder is renamed into place only
** when it holds. */
typedef struct reach_check {
  const st_schema *next, *target;
  arena a;
  const char *left; /* the first difference, or NULL */
  ir_task task;
  bool waited; /* and reported */
} reach_check;

static void *reach_run(void *arg) {
  reach_check *r = arg;
  r->left = st_diff_text(r->next, r->target, false, "the plan's result", "the schema", &r->a);
  return NULL;
}

static void reach_start(reach_check *r, const st_schema *next, const st_schema *target) {
  r->next = next;
  r->target = target;
  r->left = NULL;
  r->waited = false;
  arena_init(&r->a);
  ir_task_start(&r->task, reach_run, r, true);
}

/* Whether the plan reaches the schema; the internal error is printed if not. */
static bool reach_wait(reach_check *r) {
  if (r->waited) return !r->left;
  r->waited = true;
  ir_task_wait(&r->task);
  if (r->left)
    fprintf(stderr,
            "inspirec: internal error: the plan does not reach the schema (%s); please report it\n",
            r->left);
  return !r->left;
}

/* Both files into a hidden folder, then one rename, once `reach` holds.
** `replacing` (a draft's folder) is moved aside first and removed once the
** new one is in place, or moved back: the history is never left without it.
** The snapshot's bytes go through sum, and its outline into outline, when
** given.  -1 after a message, whether of its own or reach's. */
static int write_migration(const char *dir, const char *name, const char *plan,
                           const st_schema *snapshot, const char *replacing, reach_check *reach,
                           ir_sha256 *sum, st_outline *outline) {
  if (make_dirs(dir) != 0) {
    fprintf(stderr, "inspirec: cannot create '%s': %s\n", dir, strerror(errno));
    return -1;
  }
  char final[4096], tmp[4096], p1[4200], p2[4200];
  snprintf(final, sizeof final, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld", dir, name, (long)getpid());
  struct stat st;
  char aside[4200] = {0};
  if (replacing) {
    snprintf(aside, sizeof aside, "%s/.old-%s-%ld", dir, name, (long)getpid());
    if (rename(replacing, aside) != 0) {
      fprintf(stderr, "inspirec: cannot move '%s' aside: %s; nothing was written\n", replacing,
              strerror(errno));
      return -1;
    }
  }
  if (stat(final, &st) == 0) {
    fprintf(stderr, "inspirec: '%s' exists already; nothing was written\n", final);
    if (replacing) rename(aside, replacing);
    return -1;
  }
  if (mkdir(tmp, 0777) != 0) {
    fprintf(stderr, "inspirec: cannot create '%s': %s\n", tmp, strerror(errno));
    return -1;
  }
  snprintf(p1, sizeof p1, "%s/plan.inspire", tmp);
  snprintf(p2, sizeof p2, "%s/snapshot.json", tmp);
  int err = 0;
  if (write_file(p1, plan, NULL, NULL, NULL, NULL, NULL) != 0 ||
      write_file(p2, NULL, snapshot, reach->target, name, sum, outline) != 0)
    err = errno;
  bool reached = reach_wait(reach);
  if (!err && reached && rename(tmp, final) != 0) err = errno;
  if (err || !reached) {
    if (err)
      fprintf(stderr, "inspirec: cannot write the migration: %s; nothing was written\n",
              strerror(err));
    remove(p1);
    remove(p2);
    rmdir(tmp);
    if (replacing) rename(aside, replacing);
    return -1;
  }
  if (replacing) remove_folder(aside);
  return 0;
}

/* ---- what plan wrote, recorded as verified (frontend/verified.c) --------- */

/* The new migration's plan replays to its snapshot by construction: the
** snapshot is the plan applied to the one before, and reach held.  So the
** next check or plan need not replay it, when its key can be made: the
** snapshot before it must have a known digest (the empty schema's, or one
** read this run), and a plan with [RESOLVE] markers is never recorded,
** since its replay is what counts them for the note.  The snapshot's
** outline is kept too, by its bytes (outline.c): the next run finds the
** migration verified by those bytes, and reads the snapshot by the outline
** rather than whole, even before the file's identity can stand for them. */
typedef struct written_record {
  bool on;
  unsigned char before[32];
  ir_sha256 sum;      /* the snapshot's bytes, as written */
  st_outline outline; /* where its entities are */
} written_record;

static void record_begin(written_record *w, const history *h, int before, int markers,
                         const st_schema *snapshot, arena *a) {
  memset(w, 0, sizeof *w);
  const history_mig *prev = before >= 0 ? h->migs.v[before] : NULL;
  if (markers || !verified_on() || (prev && !prev->digested)) return;
  if (prev) memcpy(w->before, prev->digest, sizeof w->before);
  w->on = ir_sha256_begin(&w->sum);
  w->outline.v = arena_alloc(a, sizeof *w->outline.v * (size_t)(snapshot->entities.n + 1));
  w->outline.names = arena_alloc(a, sizeof(char *) * (size_t)(snapshot->entities.n + 1));
}

static void record_end(written_record *w, bool written, const char *name, const char *plan) {
  if (!w->on) return;
  unsigned char plan_digest[32];
  char key[65];
  st_outline *o = &w->outline;
  if (ir_sha256_end(&w->sum, written ? o->digest : NULL) && written &&
      verified_digest(plan, strlen(plan), plan_digest) &&
      verified_key(name, w->before, plan_digest, o->digest, false, key)) {
    verified_add(key);
    o->digested = true;
    if (o->n >= 0) outline_save_by_bytes(o);
  }
}

/* ---- the draft tip (migrations.md 4) -------------------------------------- */

typedef struct draft_tip {
  int index; /* the draft, or -1 */
  const char *url;
} draft_tip;

/* Which migration is a draft: the latest one when it alone is not applied to
** the local database.  EXIT_OK, or an exit code with the reason printed. */
static int find_draft(fe_compilation *c, const history *h, const char *url, draft_tip *t) {
  t->index = -1;
  t->url = url;
  if (!h->migs.n) return EXIT_OK;
  rt_rows ids;
  const char *err;
  const rt_url *u = rt_parse_url(&c->a, url, &err);
  if (!u || rt_applied_ids(&c->a, url, &ids, &err) < 0) {
    fprintf(stderr,
            "inspirec: plan reads the local database to see whether the latest migration is "
            "applied, and %s; pass --new to stack a new migration without looking\n",
            err);
    return u ? EXIT_DATABASE : EXIT_USAGE;
  }
  t->url = u->shown;
  int missing = 0, first = -1;
  strbuf names = {0};
  for (int i = 0; i < h->migs.n; i++) {
    bool applied = false;
    for (int k = 0; k < ids.nrows && !applied; k++)
      applied = ids.cells[k] && strcmp(ids.cells[k], h->migs.v[i]->name) == 0;
    if (applied) continue;
    if (first < 0) first = i;
    if (missing++) strbuf_puts(&names, ", ");
    strbuf_puts(&names, h->migs.v[i]->name);
  }
  const char *list = strbuf_done(&names, &c->a);
  if (missing == 1 && first == h->migs.n - 1) t->index = first;
  if (missing > 1 || (missing == 1 && t->index < 0)) {
    fprintf(stderr,
            "inspirec: %s %s not applied to %s, so plan cannot rewrite the latest as a draft; "
            "apply %s first (inspirec apply), or pass --new to stack a new migration anyway\n",
            list, missing > 1 ? "are" : "is", t->url, missing > 1 ? "them" : "it");
    return EXIT_BLOCKED;
  }
  return EXIT_OK;
}

/* Operations marked [RESOLVE]: guesses for the user to review. */
static int count_guesses(const ir_plan *p) {
  int n = 0;
  for (int i = 0; i < p->ops.n; i++)
    n += p->ops.v[i]->resolve;
  return n;
}

/* Hand-written steps that a rewrite would lose. */
static bool has_handwritten(const ir_plan *p) {
  for (int i = 0; i < p->ops.n; i++)
    if (p->ops.v[i]->kind == OP_SQL || p->ops.v[i]->kind == OP_BACKFILL) return true;
  return false;
}

/* A guess the user accepted in the draft (marker deleted) stays accepted. */
static void keep_accepted(ir_plan *plan, const ir_plan *draft) {
  for (int i = 0; i < plan->ops.n; i++) {
    ir_op *op = plan->ops.v[i];
    for (int k = 0; op->resolve && k < draft->ops.n; k++) {
      const ir_op *old = draft->ops.v[k];
      ir_op probe = *op;
      probe.resolve = false;
      probe.comment = old->comment;
      if (!old->resolve && op_equal(&probe, old)) op->resolve = false;
    }
  }
}

int cmd_plan(cli_opts *o, int argc, char **argv) {
  const char *name = NULL, *db = NULL, *dialect = NULL;
  bool empty = false, fresh = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int r = cli_common_option(o, argc, argv, &i);
    if (r < 0) return EXIT_USAGE;
    if (r > 0) continue;
    if (strcmp(a, "--name") == 0 || strncmp(a, "--name=", 7) == 0) {
      name = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
      if (!name)
        return cli_usage_error("plan", "--name needs a slug, such as --name add-due-dates");
    } else if (strcmp(a, "--empty") == 0) {
      empty = true;
    } else if (strcmp(a, "--new") == 0) {
      fresh = true;
    } else if (strcmp(a, "--db") == 0) {
      if (i + 1 >= argc) return cli_usage_error("plan", "--db needs a database URL");
      db = argv[++i];
    } else if (strcmp(a, "--dialect") == 0) {
      if (i + 1 >= argc || !be_find(argv[i + 1]))
        return cli_usage_error("plan", "--dialect takes postgres, mysql or sqlite");
      dialect = argv[++i];
    } else {
      static const char *const known[] = {"--name",       "--empty", "--new",    "--schema",
                                          "--migrations", "--db",    "--dialect"};
      const char *best = cli_suggest(a, known, (int)(sizeof known / sizeof *known));
      if (best) return cli_usage_error("plan", "unknown option '%s'; did you mean '%s'?", a, best);
      return cli_usage_error("plan", "'%s' is not an option of plan", a);
    }
  }
  char slug[64] = {0};
  if (name) {
    plan_slug(name, slug, sizeof slug);
    if (!slug[0])
      return cli_usage_error("plan", "--name '%s' leaves no letters or digits for the folder name",
                             name);
  }

  fe_compilation c;
  fe_init(&c);
  c.diags.limit = 500;
  cli_load_schema(&c, o, NULL, 0);
  int schema_files = c.schema.files.n;
  /* The history is read on a second thread while the schema compiles; its
  ** diagnostics then come first, as they would had it been read first. */
  history h;
  memset(&h, 0, sizeof h);
  h.drop_plans = true; /* replayed and dropped; a draft is read again below */
  h.keep_latest_text = true;
  h.outlines = true;
  history_job job;
  history_start(&job, &c, cli_migrations_dir(o), &h);
  c.schema.make_state = true; /* the target state, made by sema on the way */
  fe_compile_first(&c, schema_files);
  int schema_errors = c.diags.errors;
  /* the schema's state, made while the history may still be read */
  st_schema *target = schema_errors ? NULL : st_from_schema(&c.schema);
  history_join(&job, &c, true, target);
  diag_sort(&c.diags);
  history_say_known(&h, o->verbose);
  int history_errors = c.diags.errors - schema_errors;
  if (schema_errors) { /* the schema's own, with the history's beside them */
    cli_print_diags(&c, o);
    fe_free(&c);
    return EXIT_INPUT;
  }
  if (history_errors) {
    cli_print_diags(&c, o);
    fprintf(stderr,
            "inspirec: fix the migration history above before planning; nothing was written\n");
    fe_free(&c);
    return EXIT_INPUT;
  }
  cli_print_diags(&c, o); /* warnings of the schema */
  for (int i = 0; i < h.migs.n; i++)
    if (h.migs.v[i]->markers)
      fprintf(stderr,
              "inspirec: note: %s still has %d [RESOLVE] marker%s; resolve them before apply\n",
              h.migs.v[i]->name, h.migs.v[i]->markers, h.migs.v[i]->markers == 1 ? "" : "s");

  ir_plan *plan = arena_alloc(&c.a, sizeof *plan);
  diff_hints hints = {&c.schema};
  if (!empty) diff_schemas(h.latest, target, &hints, plan, &c.a);
  if (!empty && plan->ops.n == 0) {
    puts("No schema changes.");
    fe_free(&c);
    return EXIT_OK;
  }
  /* a latest migration not applied locally is a draft: planned again from the
  ** snapshot before it, in its place */
  draft_tip tip = {-1, NULL};
  st_schema *base = h.latest;
  if (!fresh && !empty) {
    int rc = find_draft(&c, &h, cli_database_url(db), &tip);
    if (rc != EXIT_OK) return fe_free(&c), rc;
  }
  history_mig *draft = tip.index >= 0 ? h.migs.v[tip.index] : NULL;
  if (draft) {
    base = history_before(&h, tip.index, &c.a);
    plan = arena_alloc(&c.a, sizeof *plan);
    diff_schemas(base, target, &hints, plan, &c.a);
    /* The draft's plan is read for its hand-written steps and the guesses
    ** accepted in it; replayed (its operations read against the state, which
    ** keep_accepted compares) only when the new plan has guesses to match:
    ** at 10,000 entities a replay of the first migration was 25 ms and 40 MB. */
    if (!history_load_mig(&c.schema, &c.diags, &h, tip.index, count_guesses(plan) > 0)) {
      cli_print_diags(&c, o);
      return fe_free(&c), EXIT_INPUT; /* it was whole a moment ago: changed under our feet */
    }
    if (has_handwritten(draft->plan)) {
      fprintf(stderr,
              "inspirec: %s is not applied to %s, so it is a draft that plan would rewrite, but "
              "it has hand-written steps (sql, backfill) a rewrite would lose; apply it first, "
              "or pass --new to stack a new migration\n",
              draft->name, tip.url);
      return fe_free(&c), EXIT_BLOCKED;
    }
    keep_accepted(plan, draft->plan);
    if (plan->ops.n == 0) { /* the schema is back where it was before the draft */
      remove_folder(draft->dir);
      printf("Removed the draft %s: the schema is back at %s.\n", draft->name,
             tip.index ? h.migs.v[tip.index - 1]->name : "the empty schema");
      return fe_free(&c), EXIT_OK;
    }
  }
  /* the plan must lead from the latest snapshot to the schema */
  /* The risks are judged on the state before the plan, so they are worked
  ** out now; the plan is then applied to that state in place, nothing else
  ** reading it after (a copy of 10,000 entities was 14 MB and 9 ms). */
  char *risks = NULL;
  size_t risks_len = 0;
  bool risks_later = !o->quiet && !empty;
  FILE *ms = risks_later ? open_memstream(&risks, &risks_len) : NULL;
  if (ms) {
    rt_print_risks(ms, cli_dialect_of(dialect, db), base, plan, &c.a);
    if (fclose(ms) == 0) risks_later = false;
  }
  /* without the text (no memory for it), base is kept for the risks below */
  st_schema *next = risks_later ? st_clone(base, &c.a) : base;
  next->defer_order = true;
  for (int i = 0; i < plan->ops.n; i++) {
    const char *why = st_apply(next, plan->ops.v[i]);
    if (why) {
      fprintf(stderr,
              "inspirec: internal error: operation %d of the plan cannot apply (%s); please report "
              "it\n",
              i + 1, why);
      free(risks);
      fe_free(&c);
      return EXIT_INPUT;
    }
  }
  st_sort(next);
  reach_check reach;
  reach_start(&reach, next, target);
  long number = draft ? draft->number : h.migs.n ? h.migs.v[h.migs.n - 1]->number + 1 : 1;
  if (!slug[0] && draft) {
    const char *u = strchr(draft->name, '_');
    snprintf(slug, sizeof slug, "%s", u ? u + 1 : "migration");
  }
  if (!slug[0]) {
    if (empty)
      strcpy(slug, "sql");
    else if (number == 1)
      strcpy(slug, "initial");
    else
      derived_slug(&c.a, plan->ops.v[0], slug, sizeof slug);
    if (!slug[0]) strcpy(slug, "migration");
  }
  char *mname = arena_printf(&c.a, "%04ld_%s", number, slug);
  plan->name = mname;
  char *text;
  if (empty)
    text = arena_printf(&c.a,
                        "migration \"%s\" {\n"
                        "  // Hand-written steps, one a line, for example:\n"
                        "  //   sql \"UPDATE tasks SET status = 'Todo' WHERE status IS NULL\"\n"
                        "  //   sql postgres \"...\"\n"
                        "}\n",
                        mname);
  else
    text = plan_print(&c.a, plan);
  const char *dir = cli_migrations_dir(o);
  int markers = count_guesses(plan);
  written_record record;
  record_begin(&record, &h, (draft ? tip.index : h.migs.n) - 1, markers, next, &c.a);
  int rc = write_migration(dir, mname, text, next, draft ? draft->dir : NULL, &reach,
                           record.on ? &record.sum : NULL, record.on ? &record.outline : NULL);
  if (!reach_wait(&reach)) rc = -1;
  arena_free(&reach.a);
  record_end(&record, rc == 0, mname, text);
  if (rc != 0) {
    free(risks);
    fe_free(&c);
    return EXIT_INPUT;
  }
  if (draft)
    printf("Rewrote %s/%s/plan.inspire in place of the draft %s (not applied to %s; pass --new "
           "to keep a draft and stack a new migration)\n",
           dir, mname, draft->name, tip.url);
  else
    printf("Wrote %s/%s/plan.inspire\n", dir, mname);
  if (!o->quiet) {
    printf("\n%s\n", text);
    if (markers)
      printf("%d operation%s marked [RESOLVE]: %s a guess. Delete the marker to accept it, or "
             "replace the line.\n",
             markers, markers == 1 ? " is" : "s are", markers == 1 ? "it is" : "each is");
    if (!empty) {
      if (markers) putchar('\n'); /* the plan's text ends with a blank line already */
      if (risks_later)
        rt_print_risks(stdout, cli_dialect_of(dialect, db), base, plan, &c.a);
      else
        fputs(risks, stdout);
    }
  }
  free(risks);
  fe_free(&c);
  return EXIT_OK;
}
