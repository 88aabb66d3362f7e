/*
** test_sqlite.c: the SQLite backend proven on SQLite itself.
**
**   test_sqlite EXAMPLES_DIR [RANDOM_PAIRS [FIRST_SEED]]
**
** For the evolution history v1..v5 (markers resolved as a user would: a
** backfill before a nullable field becomes required), for todo and saas, and
** for random schema pairs: every migration's up script runs on a database with
** rows in every table; the introspected database equals what its snapshot
** says; rows survive; the down script runs and the database equals the
** previous snapshot; then up again for the next step.
**
**   test_sqlite --emit DIALECT DIR PAIRS [FIRST_SEED]
**
** writes the same random pairs lowered for another dialect, for a script to
** run on that engine (tests/pg_pairs.sh): per pair, DIR/SEED/ holds a.sql
** (empty to A, as a migration), up.sql and down.sql (A to B and back), and
** a.schema.sql and b.schema.sql (A and B made whole, to compare against).
*/
#include "backends/backend.h"
#include "frontend/frontend.h"
#include "gen.h"
#include "slurp.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;
static fe_compilation owner; /* the name table of every state */
/* compilations whose states are still in use, freed after each history */
static fe_compilation *live[16];
static int nlive;

static void free_live(void) {
  for (int i = 0; i < nlive; i++) {
    fe_free(live[i]);
    free(live[i]);
  }
  nlive = 0;
}

static bool exec(sqlite3 *db, const char *sql, const char **err) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    *err = arena_printf(&owner.a, "%s\n  in: %.300s", msg ? msg : "?", sql);
    sqlite3_free(msg);
    return false;
  }
  return true;
}

static bool run_list(sqlite3 *db, const be_stmt *v, int n, const char **err) {
  for (int i = 0; i < n; i++) {
    if (strcmp(v[i].sql, "PRAGMA foreign_key_check") == 0) {
      sqlite3_stmt *st;
      sqlite3_prepare_v2(db, v[i].sql, -1, &st, NULL);
      bool bad = sqlite3_step(st) == SQLITE_ROW;
      if (bad)
        *err = arena_printf(&owner.a, "foreign_key_check: table %s", sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      if (bad) return false;
      continue;
    }
    if (!exec(db, v[i].sql, err)) return false;
  }
  return true;
}

/* pre, then the statements in one transaction, then post (migrations.md 6). */
static bool run_script(sqlite3 *db, const be_script *s, const char **err) {
  if (!run_list(db, s->pre.v, s->pre.n, err)) return false;
  if (!exec(db, "BEGIN", err)) return false;
  if (!run_list(db, s->stmts.v, s->stmts.n, err)) {
    const char *e2;
    exec(db, "ROLLBACK", &e2);
    return false;
  }
  if (!exec(db, "COMMIT", err)) return false;
  return run_list(db, s->post.v, s->post.n, err);
}

/* ---- rows --------------------------------------------------------------- */

/* A value of the field's type for row n, as the dialect writes it. */
static const char *value(const be_dialect *d, const st_schema *s, const st_field *f, int n) {
  arena *a = &owner.a;
  bool pg = d == &be_postgres;
  if (f->sensitive || f->kind == IR_T_BYTES)
    return arena_printf(a, pg ? "decode('%02x', 'hex')" : "x'%02x'", n);
  if (f->array) return pg && !be_json_kind(f->kind) ? "'{}'" : "'[]'";
  switch (f->kind) {
  case IR_T_INT:
  case IR_T_SMALLINT:
  case IR_T_BIGINT:
  case IR_T_DECIMAL:
  case IR_T_DOUBLE: return arena_printf(a, "%d", n);
  case IR_T_BOOLEAN: return pg ? (n % 2 ? "true" : "false") : arena_printf(a, "%d", n % 2);
  case IR_T_DATE: return arena_printf(a, "'%04d-01-01'", 1000 + n);
  case IR_T_DATETIME: return arena_printf(a, "'%04d-01-01 10:00:00'", 1000 + n);
  case IR_T_UUID: return arena_printf(a, "'00000000-0000-4000-8000-%012d'", n);
  case IR_T_JSON:
  case IR_T_FILE:
  case IR_T_EMBEDDED: return arena_printf(a, "'{\"n\": %d}'", n);
  case IR_T_ENUM: {
    const st_enum *e = st_enum_find(s, f->type_name);
    (void)n; /* the first member: a step may drop others while rows hold them */
    return arena_printf(a, "'%s'", e->members.v[0]);
  }
  default: return arena_printf(a, "'v%d'", n);
  }
}

typedef VEC(const char *) str_vec;

/* INSERTs for two rows in each table, parents first; a table in a reference
** cycle stays empty.  filled[i] says which entities got rows. */
static void fill_sql(const be_dialect *d, const st_schema *s, str_vec *out, bool *filled) {
  int n = s->entities.n;
  be_ctx c = {d, &owner.a, NULL, NULL, s, false};
  bool *done = calloc((size_t)n + 1, 1);
  static int serial;
  for (int round = 0; round < n; round++) {
    for (int i = 0; i < n; i++) {
      if (done[i]) continue;
      const st_entity *e = s->entities.v[i];
      bool ready = true;
      for (int f = 0; f < e->fields.n; f++) {
        const st_field *x = e->fields.v[f];
        if (!x->ref_entity || x->nullable) continue;
        for (int j = 0; j < n; j++)
          if (!done[j] && s->entities.v[j]->name == x->ref_entity) ready = false;
      }
      if (!ready) continue; /* its parents first */
      /* a required reference to a table left empty: no rows here either */
      bool orphan = false;
      for (int f = 0; f < e->fields.n; f++) {
        const st_field *x = e->fields.v[f];
        for (int j = 0; x->ref_entity && j < n; j++)
          if (s->entities.v[j]->name == x->ref_entity && !filled[j] && j != i)
            orphan |= !x->nullable;
      }
      /* a unique enum or boolean cannot take many rows: NULL, or no rows */
      bool narrow_key = false;
      for (int f = 0; f < e->fields.n; f++) {
        const st_field *x = e->fields.v[f];
        bool narrow = x->kind == IR_T_ENUM || x->kind == IR_T_BOOLEAN;
        for (int u = 0; narrow && u < e->uniques.n; u++)
          for (int k = 0; k < e->uniques.v[u]->nfields; k++)
            if (e->uniques.v[u]->fields[k] == x->name && !x->nullable) narrow_key = true;
        for (int k = 0; narrow && k < e->pkey.n; k++)
          if (e->pkey.v[k] == x->name) narrow_key = true;
      }
      done[i] = true;
      if (narrow_key || orphan) continue;
      filled[i] = true;
      for (int row = serial + 1; row <= serial + 2; row++) {
        strbuf cols = {0}, vals = {0};
        strbuf_puts(&cols, "");
        strbuf_puts(&vals, "");
        for (int f = 0; f < e->fields.n; f++) {
          const st_field *x = e->fields.v[f];
          const char *v;
          if (x->ref_entity) {
            const st_entity *t = st_entity_find(s, x->ref_entity);
            const char *tc = be_ident(&c, st_field_find(t, x->ref_field)->column);
            /* the two newest parents, one each, so unique references stay
            ** unique; through a derived table, since MySQL reads no table it
            ** inserts into */
            v = arena_printf(&owner.a,
                             "(SELECT %s FROM (SELECT %s FROM %s ORDER BY %s DESC LIMIT 1 OFFSET "
                             "%d) AS %s)",
                             tc, tc, be_ident(&c, t->table), tc, row % 2, be_ident(&c, "parent"));
          } else {
            v = value(d, s, x, row);
            bool narrow = x->kind == IR_T_ENUM || x->kind == IR_T_BOOLEAN;
            for (int u = 0; narrow && u < e->uniques.n; u++)
              for (int k = 0; k < e->uniques.v[u]->nfields; k++)
                if (e->uniques.v[u]->fields[k] == x->name) v = "NULL";
          }
          strbuf_puts(&cols, f ? ", " : "");
          strbuf_puts(&cols, be_ident(&c, x->column));
          strbuf_puts(&vals, f ? ", " : "");
          strbuf_puts(&vals, v);
        }
        vec_push(&owner.a, *out,
                 arena_printf(&owner.a, "INSERT INTO %s (%s) VALUES (%s)", be_ident(&c, e->table),
                              strbuf_done(&cols, &owner.a), strbuf_done(&vals, &owner.a)));
      }
      serial += 2;
    }
  }
  free(done);
}

/* Two rows in each table it can fill; how many tables got rows, or -1. */
static int fill(sqlite3 *db, const st_schema *s, const char **err) {
  str_vec sql = {0};
  bool *filled = calloc((size_t)s->entities.n + 1, 1);
  fill_sql(&be_sqlite, s, &sql, filled);
  int n = 0;
  for (int i = 0; i < s->entities.n; i++)
    n += filled[i];
  free(filled);
  for (int i = 0; i < sql.n; i++)
    if (!exec(db, sql.v[i], err)) return -1;
  return n;
}

static long count(sqlite3 *db, const char *table) {
  sqlite3_stmt *st;
  char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
  long n = -1;
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_free(q);
  return n;
}

/* ---- one migration step ------------------------------------------------- */

static const char *compare(sqlite3 *db, const st_schema *s) {
  const char *err;
  db_schema *got = sqlite_introspect(db, &owner.a, &err);
  if (!got) return err;
  return db_diff(be_expected(&be_sqlite, s, &owner.a), got, &owner.a);
}

/* Rows of every entity kept by the plan must still be there. */
static const char *rows_kept(sqlite3 *db, const st_schema *before, const st_schema *after,
                             const ir_plan *p, long *counts) {
  for (int i = 0; i < before->entities.n; i++) {
    const char *name = before->entities.v[i]->name;
    for (int k = 0; k < p->ops.n; k++)
      if (p->ops.v[k]->kind == OP_RENAME_ENTITY && p->ops.v[k]->entity == name)
        name = p->ops.v[k]->to;
    const st_entity *e = st_entity_find(after, name);
    if (!e || counts[i] < 0) continue;
    long n = count(db, e->table);
    if (n != counts[i])
      return arena_printf(&owner.a, "table %s had %ld rows, has %ld", e->table, counts[i], n);
  }
  return NULL;
}

/* Up, compare, rows, down, compare, up again.  False after reporting. */
static bool step(sqlite3 *db, const char *what, const st_schema *prev, const ir_plan *plan,
                 bool with_rows) {
  be_script up, down;
  be_script_init(&up, &owner.a);
  be_script_init(&down, &owner.a);
  be_lower_plan(&be_sqlite, prev, plan, false, &up);
  be_lower_plan(&be_sqlite, prev, plan, true, &down);
  st_schema *next = st_clone(prev, &owner.a);
  for (int i = 0; i < plan->ops.n; i++)
    st_apply(next, plan->ops.v[i]);
  const char *err = NULL;
  long *counts = arena_alloc(&owner.a, sizeof(long) * (size_t)(prev->entities.n + 1));
  if (with_rows && fill(db, prev, &err) < 0) goto bad;
  for (int i = 0; i < prev->entities.n; i++)
    counts[i] = count(db, prev->entities.v[i]->table);
  if (!run_script(db, &up, &err)) goto bad;
  if ((err = compare(db, next))) goto bad;
  if ((err = rows_kept(db, prev, next, plan, counts))) goto bad;
  if (!run_script(db, &down, &err)) {
    err = arena_printf(&owner.a, "down: %s", err);
    goto bad;
  }
  if ((err = compare(db, prev))) {
    err = arena_printf(&owner.a, "after down: %s", err);
    goto bad;
  }
  if (!run_script(db, &up, &err)) {
    err = arena_printf(&owner.a, "up again: %s", err);
    goto bad;
  }
  passed++;
  return true;
bad:
  failed++;
  printf("FAIL %s: %s\n--- plan\n%s--- up\n%s--- down\n%s\n", what, err, plan_print(&owner.a, plan),
         be_script_text(&up, "-- up"), be_script_text(&down, "-- down"));
  return false;
}

/* The plan from prev to the schema in src, markers resolved: a backfill of a
** value before every alter that makes a field required without a default. */
static ir_plan *plan_to(const st_schema *prev, const char *src, const char *name,
                        st_schema **target) {
  fe_compilation *c = malloc(sizeof *c);
  fe_init_shared(c, &owner);
  if (nlive == 16) free_live(); /* never reached: a history has at most five steps */
  live[nlive++] = c;
  fe_compile_buffer(c, name, src, strlen(src));
  if (c->diags.errors) {
    render_opts ro = {false, "t"};
    render_text(stdout, &c->schema, &c->diags, &ro);
    return NULL;
  }
  *target = st_from_schema(&c->schema);
  ir_plan *p = arena_alloc(&owner.a, sizeof *p);
  p->name = name;
  diff_hints h = {&c->schema};
  diff_schemas(prev, *target, &h, p, &owner.a);
  ir_plan *q = arena_alloc(&owner.a, sizeof *q);
  q->name = name;
  for (int i = 0; i < p->ops.n; i++) {
    ir_op *op = p->ops.v[i];
    /* the value is written before the alter, in the column's old type */
    const st_entity *pe = st_entity_find(prev, op->entity);
    const st_field *pf = pe && op->field ? st_field_find(pe, op->field->name) : NULL;
    if (op->kind == OP_ALTER_FIELD && op->resolve && !op->field->nullable &&
        op->field->def == ST_D_NONE && pf && pf->kind == op->field->kind && !pf->array &&
        (pf->kind == IR_T_DATETIME || pf->kind == IR_T_INT || pf->kind == IR_T_BIGINT ||
         pf->kind == IR_T_SMALLINT || pf->kind == IR_T_DOUBLE || pf->kind == IR_T_DECIMAL)) {
      ir_op *b = arena_alloc(&owner.a, sizeof *b);
      b->kind = OP_BACKFILL;
      b->entity = op->entity;
      b->name = op->field->name;
      b->only_null = true;
      b->value_kind = op->field->kind == IR_T_DATETIME ? ST_D_STRING : ST_D_NUMBER;
      b->value_text = op->field->kind == IR_T_DATETIME ? "2025-01-01 00:00:00" : "0";
      vec_push(&owner.a, q->ops, b);
    }
    vec_push(&owner.a, q->ops, op);
  }
  return q;
}

static void run_history(const char *what, const char *const *files, int nfiles) {
  sqlite3 *db;
  sqlite3_open(":memory:", &db);
  const char *e;
  exec(db, "PRAGMA foreign_keys = ON", &e);
  st_schema *state = st_new(&owner.a, &owner.names);
  for (int k = 0; k < nfiles; k++) {
    char *src = slurp(files[k], NULL);
    if (!src) {
      printf("FAIL %s: cannot read %s\n", what, files[k]);
      failed++;
      break;
    }
    st_schema *target;
    ir_plan *p = plan_to(state, src, files[k], &target);
    free(src);
    if (!p) {
      failed++;
      break;
    }
    if (!step(db, arena_printf(&owner.a, "%s step %d", what, k + 1), state, p, true)) break;
    for (int i = 0; i < p->ops.n; i++)
      st_apply(state, p->ops.v[i]);
    state = st_clone(state, &owner.a);
  }
  sqlite3_close(db);
  free_live();
}

/* The random pair of a seed: schemas A and B (malloc'ed text) and the plans
** empty -> A and A -> B; false when either does not compile. */
typedef struct pair {
  char *a, *b;
  st_schema *empty, *sa, *sb;
  ir_plan *p1, *p2;
} pair;

static bool make_pair(uint64_t seed, pair *p) {
  *p = (pair){0};
  gen_schema g;
  gen_new(&g, seed, 2 + (int)(seed % 5));
  p->a = gen_render(&g);
  gen_evolve(&g, 1 + (int)(seed % 6), 50);
  p->b = gen_render(&g);
  p->empty = st_new(&owner.a, &owner.names);
  p->p1 = plan_to(p->empty, p->a, "a", &p->sa);
  p->p2 = p->p1 ? plan_to(p->sa, p->b, "b", &p->sb) : NULL;
  if (p->p2) return true;
  printf("FAIL seed %llu: the generated schema does not compile\n", (unsigned long long)seed);
  failed++;
  return false;
}

static void free_pair(pair *p) {
  free_live();
  free(p->a);
  free(p->b);
}

/* Whether the step A -> B keeps rows on every engine.  A guessed step, or
** one that adds uniqueness, depends on the data: such plans run on empty
** tables.  With strict_types (Postgres, MySQL) a type change too, since a
** value of one type is seldom one of another there (SQLite keeps it). */
static bool rows_allowed(const st_schema *sa, const ir_plan *p2, bool strict_types) {
  bool rows = true;
  for (int i = 0; i < p2->ops.n; i++) {
    const ir_op *op = p2->ops.v[i];
    rows &= !op->resolve && op->kind != OP_ADD_UNIQUE && op->kind != OP_ADD_PRIMARY_KEY &&
            !(op->kind == OP_ADD_FIELD && (op->unique || op->primary_key)) &&
            !(op->kind == OP_ALTER_FIELD && !op->field->nullable);
    if (strict_types && op->kind == OP_ALTER_FIELD) {
      const st_entity *oe = st_entity_find(sa, op->entity);
      const st_field *of = oe ? st_field_find(oe, op->field->name) : NULL;
      if (!of || !st_same_column_type(of, op->field) || (op->field->ref_entity && !of->ref_entity))
        rows = false;
    }
    /* the down of a dropped required reference needs a parent row, and the
    ** parent may be dropped in the same plan (docs/backends.md) */
    if (op->kind == OP_DROP_FIELD) {
      const st_entity *oe = st_entity_find(sa, op->entity);
      const st_field *of = oe ? st_field_find(oe, op->name) : NULL;
      if (of && of->ref_entity && !of->nullable) rows = false;
    }
    /* the down of a dropped key column cannot always find distinct values */
    if (op->kind == OP_DROP_FIELD || op->kind == OP_DROP_UNIQUE ||
        op->kind == OP_DROP_PRIMARY_KEY) {
      const st_entity *owner_e = st_entity_find(sa, op->entity);
      for (int u = 0; owner_e && u < owner_e->uniques.n; u++)
        for (int k = 0; k < owner_e->uniques.v[u]->nfields; k++)
          if (op->kind != OP_DROP_FIELD || owner_e->uniques.v[u]->fields[k] == op->name)
            rows = false;
    }
  }
  return rows;
}

static void random_pair(uint64_t seed) {
  pair pr;
  bool made = make_pair(seed, &pr);
  char *a = pr.a, *b = pr.b;
  sqlite3 *db;
  sqlite3_open(":memory:", &db);
  const char *e;
  exec(db, "PRAGMA foreign_keys = ON", &e);
  st_schema *empty = pr.empty, *sa = pr.sa;
  ir_plan *p1 = pr.p1, *p2 = pr.p2;
  if (made) {
    bool rows = rows_allowed(sa, p2, false);
    const char *what = arena_printf(&owner.a, "seed %llu", (unsigned long long)seed);
    if (step(db, arena_printf(&owner.a, "%s (initial)", what), empty, p1, false)) {
      if (!step(db, what, sa, p2, rows)) printf("--- A\n%s--- B\n%s", a, b);
    }
  }
  sqlite3_close(db);
  free_pair(&pr);
}

static void rmdir_files(const char *dir) {
  static const char *const names[] = {"a.sql", "up.sql", "down.sql", "a.schema.sql",
                                      "b.schema.sql"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    unlink(arena_printf(&owner.a, "%s/%s", dir, names[i]));
  rmdir(dir);
}

static bool write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  fputs(text, f);
  return fclose(f) == 0;
}

/* The data side of a pair on a server: rows.sql fills A (when the step keeps
** rows there), counts.sql counts the filled tables under their names in B,
** counts.expect is what it must print after the up, and clear.sql empties
** B's tables before the down (a down cannot always refill what it re-adds). */
static bool write_rows(const be_dialect *d, const char *at, const pair *pr) {
  be_ctx c = {d, &owner.a, NULL, NULL, pr->sb, false};
  str_vec ins = {0};
  bool *filled = calloc((size_t)pr->sa->entities.n + 1, 1);
  if (rows_allowed(pr->sa, pr->p2, true)) fill_sql(d, pr->sa, &ins, filled);
  strbuf rows = {0}, counts = {0}, expect = {0}, clear = {0};
  strbuf_puts(&rows, "");
  strbuf_puts(&counts, "");
  strbuf_puts(&expect, "");
  strbuf_puts(&clear, d == &be_mysql    ? "SET FOREIGN_KEY_CHECKS = 0;\n"
                      : d == &be_sqlite ? "PRAGMA foreign_keys = OFF;\n"
                                        : "");
  for (int i = 0; i < ins.n; i++)
    strbuf_puts(&rows, arena_printf(&owner.a, "%s;\n", ins.v[i]));
  for (int i = 0; i < pr->sa->entities.n; i++) {
    const char *name = pr->sa->entities.v[i]->name;
    for (int k = 0; k < pr->p2->ops.n; k++)
      if (pr->p2->ops.v[k]->kind == OP_RENAME_ENTITY && pr->p2->ops.v[k]->entity == name)
        name = pr->p2->ops.v[k]->to;
    const st_entity *e = st_entity_find(pr->sb, name);
    if (!filled[i] || !e) continue;
    strbuf_puts(&counts,
                arena_printf(&owner.a,
                             d == &be_sqlite ? "SELECT %s || ' ' || count(*) FROM %s;\n"
                                             : "SELECT CONCAT(%s, ' ', count(*)) FROM %s;\n",
                             be_string(&c, e->table), be_ident(&c, e->table)));
    strbuf_puts(&expect, arena_printf(&owner.a, "%s 2\n", e->table));
  }
  for (int i = 0; i < pr->sb->entities.n; i++)
    strbuf_puts(&clear,
                arena_printf(&owner.a,
                             d == &be_postgres ? "TRUNCATE %s CASCADE;\n" : "DELETE FROM %s;\n",
                             be_ident(&c, pr->sb->entities.v[i]->table)));
  if (d == &be_mysql) strbuf_puts(&clear, "SET FOREIGN_KEY_CHECKS = 1;\n");
  if (d == &be_sqlite) strbuf_puts(&clear, "PRAGMA foreign_keys = ON;\n");
  free(filled);
  const char *names[] = {"rows.sql", "counts.sql", "counts.expect", "clear.sql"};
  strbuf *bufs[] = {&rows, &counts, &expect, &clear};
  bool ok = true;
  for (int i = 0; i < 4; i++) {
    ok = ok && write_file(arena_printf(&owner.a, "%s/%s", at, names[i]), bufs[i]->p);
    free(bufs[i]->p);
  }
  return ok;
}

/* Writes the pair's files; false when the dialect refuses one of its scripts
** (MySQL and keys on json), so the caller takes the next seed instead. */
static bool emit_pair(const be_dialect *d, const char *dir, uint64_t seed) {
  pair pr;
  bool refused = false;
  if (make_pair(seed, &pr)) {
    const char *at = arena_printf(&owner.a, "%s/%llu", dir, (unsigned long long)seed);
    struct {
      const char *name;
      const st_schema *prev;
      const ir_plan *plan;
      bool down;
    } files[] = {{"a.sql", pr.empty, pr.p1, false},
                 {"up.sql", pr.sa, pr.p2, false},
                 {"down.sql", pr.sa, pr.p2, true},
                 {"a.schema.sql", pr.sa, NULL, false},
                 {"b.schema.sql", pr.sb, NULL, false}};
    bool ok = mkdir(at, 0777) == 0 || errno == EEXIST;
    for (size_t i = 0; ok && i < sizeof files / sizeof *files; i++) {
      be_script out;
      be_script_init(&out, &owner.a);
      if (files[i].plan)
        be_lower_plan(d, files[i].prev, files[i].plan, files[i].down, &out);
      else
        be_lower_schema(d, files[i].prev, &out);
      if (out.problems.n) {
        refused = true;
        break;
      }
      char *text = be_script_text(&out, NULL);
      ok = write_file(arena_printf(&owner.a, "%s/%s", at, files[i].name), text);
      free(text);
    }
    if (refused) {
      rmdir_files(at);
      free_pair(&pr);
      return false;
    }
    ok = ok && write_rows(d, at, &pr);
    ok = ok && write_file(arena_printf(&owner.a, "%s/a.inspire", at), pr.a) &&
         write_file(arena_printf(&owner.a, "%s/b.inspire", at), pr.b);
    if (ok)
      passed++;
    else
      printf("FAIL seed %llu: cannot write %s\n", (unsigned long long)seed, at), failed++;
  }
  free_pair(&pr);
  return true;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "--emit") == 0) {
    fe_init(&owner);
    const be_dialect *d = be_find(argv[2]);
    long pairs = atol(argv[4]);
    uint64_t first = argc > 5 ? (uint64_t)atoll(argv[5]) : 1;
    long written = 0, refused = 0;
    for (uint64_t seed = first; d && written < pairs; seed++)
      emit_pair(d, argv[3], seed) ? written++ : refused++;
    if (refused)
      printf("test_sqlite --emit %s: %ld pairs written, %ld refused by the dialect (E0801)\n",
             argv[2], written, refused);
    fe_free(&owner);
    return d && !failed ? 0 : 1;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: test_sqlite EXAMPLES_DIR [PAIRS [SEED]]\n");
    return 2;
  }
  fe_init(&owner);
  const char *ex = argv[1];
  const char *evo[5];
  for (int v = 0; v < 5; v++)
    evo[v] = arena_printf(&owner.a, "%s/evolution/v%d.inspire", ex, v + 1);
  run_history("evolution", evo, 5);
  const char *todo[1] = {arena_printf(&owner.a, "%s/todo/schema/main.inspire", ex)};
  run_history("todo", todo, 1);
  /* saas is five files; declaration order does not matter, so one will do */
  static const char *const parts[] = {"api", "auth", "billing", "orgs", "projects"};
  char *all = calloc(1, 1);
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    char *t = slurp(arena_printf(&owner.a, "%s/saas/schema/%s.inspire", ex, parts[i]), NULL);
    if (!t) continue;
    all = realloc(all, strlen(all) + strlen(t) + 2);
    strcat(all, t);
    strcat(all, "\n");
    free(t);
  }
  const char *saas_file = "saas-all.inspire";
  FILE *sf = fopen(saas_file, "wb");
  if (sf) {
    fputs(all, sf);
    fclose(sf);
  }
  free(all);
  const char *saas[1] = {saas_file};
  run_history("saas", saas, 1);
  remove(saas_file);
  long pairs = argc > 2 ? atol(argv[2]) : 200;
  uint64_t first = argc > 3 ? (uint64_t)atoll(argv[3]) : 1;
  for (long i = 0; i < pairs && failed < 3; i++)
    random_pair(first + (uint64_t)i);
  printf("sqlite: %d passed, %d failed\n", passed, failed);
  fe_free(&owner);
  return failed ? 1 : 0;
}
