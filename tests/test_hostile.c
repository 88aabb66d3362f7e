/*
** test_hostile.c: hostile strings (tests/hostile/strings.txt) in every place
** a user can write one, on a live database.
**
**   test_hostile STRINGS URL
**
** Each string goes, one use at a time, into a schema as an entity name, a
** field name, an enum member, an entity's @map, a field's @map and a string
** default.  Each schema is either rejected with a diagnostic (the front end's,
** or E0801 from the dialect) or built on the database at URL (sqlite::memory:,
** postgres://, mysql://) from empty, read back, and taken down again, with:
**   - the name or default in the IR exactly the bytes written (names over 63
**     bytes cut as documented, with W0901);
**   - the database, introspected, equal to what the schema says;
**   - a row made of defaults reading back the default byte for byte;
**   - the down script leaving nothing but the canary table, whose one row
**     proves that no statement but the intended ones ran (the strings try to
**     drop it).
** Prints a line per use and "N passed, N failed".
*/
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text {
  char *p;
  size_t n;
} text;

enum { U_ENTITY, U_FIELD, U_MEMBER, U_MAP_TABLE, U_MAP_COLUMN, U_DEFAULT, U_COUNT };
static const char *const use_names[U_COUNT] = {"entity name", "field name", "enum member",
                                               "entity @map", "field @map", "string default"};
static int stored[U_COUNT], rejected[U_COUNT], cut[U_COUNT], passed, failed;
static rt_db *db;
static arena A;

static int hex(int c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

/* one line of strings.txt, decoded; false on a malformed escape */
static bool decode(const char *line, strbuf *out) {
  out->n = 0;
  if (line[0] == '\\' && line[1] == '*') { /* \*N:TEXT */
    char *colon;
    long n = strtol(line + 2, &colon, 10);
    if (*colon != ':') return false;
    strbuf one = {0};
    if (!decode(colon + 1, &one)) return false;
    for (long i = 0; i < n; i++)
      strbuf_put(out, one.p ? one.p : "", one.n);
    free(one.p);
    return true;
  }
  strbuf_put(out, "", 0);
  for (const char *p = line; *p; p++) {
    char c = *p;
    if (c == '\\') {
      switch (*++p) {
      case '\\': c = '\\'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case '0': c = 0; break;
      case 'x':
        if (!p[1] || !p[2]) return false;
        c = (char)(hex(p[1]) * 16 + hex(p[2]));
        p += 2;
        break;
      default: return false;
      }
    }
    strbuf_put(out, &c, 1);
  }
  return true;
}

/* the string as an Inspire string literal */
static const char *literal(text s) {
  strbuf b = {0};
  strbuf_puts(&b, "\"");
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    char esc[16];
    if (c == '"' || c == '\\') {
      esc[0] = '\\', esc[1] = (char)c, esc[2] = 0;
    } else if (c == '\n') {
      strcpy(esc, "\\n");
    } else if (c == '\r') {
      strcpy(esc, "\\r");
    } else if (c == '\t') {
      strcpy(esc, "\\t");
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(esc, sizeof esc, "\\u{%x}", c);
    } else {
      esc[0] = (char)c, esc[1] = 0;
    }
    strbuf_puts(&b, esc);
  }
  strbuf_puts(&b, "\"");
  return strbuf_done(&b, &A);
}

/* the string, printable, for a message */
static const char *shown(text s) {
  strbuf b = {0};
  size_t n = s.n > 80 ? 80 : s.n;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    char esc[8];
    if (c < 0x20 || c >= 0x7f || c == '\\')
      snprintf(esc, sizeof esc, "\\x%02x", c);
    else
      esc[0] = (char)c, esc[1] = 0;
    strbuf_puts(&b, esc);
  }
  if (s.n > n) strbuf_puts(&b, arena_printf(&A, "... (%zu bytes)", s.n));
  return strbuf_done(&b, &A);
}

/* The schema for one use, built with explicit lengths: the string may hold
** a NUL, which the front end must see (and refuse). */
static text schema_for(int use, text s) {
  const char *lit = literal(s);
  static const char *const before[U_COUNT] = {"entity ",
                                              "entity Hostile {\n  ",
                                              "enum HostileKind { ",
                                              "entity Hostile {\n  x: int = 1\n  @map(",
                                              "entity Hostile {\n  x: string @map(",
                                              "entity Hostile {\n  x: string = "};
  strbuf b = {0};
  strbuf_puts(&b, before[use]);
  if (use <= U_MEMBER)
    strbuf_put(&b, s.p, s.n);
  else
    strbuf_puts(&b, lit);
  switch (use) {
  case U_ENTITY: strbuf_puts(&b, " {\n  x: int = 1\n}\n"); break;
  case U_FIELD: strbuf_puts(&b, ": int = 1\n}\n"); break;
  case U_MEMBER:
    strbuf_puts(&b, " }\nentity Hostile {\n  kind: HostileKind = ");
    strbuf_put(&b, s.p, s.n);
    strbuf_puts(&b, "\n}\n");
    break;
  case U_MAP_TABLE: strbuf_puts(&b, ")\n}\n"); break;
  case U_MAP_COLUMN: strbuf_puts(&b, ") = \"v\"\n}\n"); break;
  default: strbuf_puts(&b, "\n}\n"); break;
  }
  size_t n = b.n;
  return (text){strbuf_done(&b, &A), n};
}

static bool same_bytes(const char *got, text want) {
  return got && strlen(got) == want.n && memcmp(got, want.p, want.n) == 0;
}

static void fail(int use, text s, const char *fmt, const char *a1, const char *a2) {
  failed++;
  const char *msg = arena_printf(&A, fmt, a1, a2);
  printf("FAIL %s '%s': %.300s%s\n", use_names[use], shown(s), msg, strlen(msg) > 300 ? "..." : "");
}

static bool exec_all(const be_stmt *v, int n, const char **bad) {
  for (int i = 0; i < n; i++)
    if (!db->drv->exec(db, v[i].sql)) {
      *bad = arena_printf(&A, "%s: %s", v[i].sql, db->err);
      return false;
    }
  return true;
}

static bool run_script(const be_script *s, const char **bad) {
  return exec_all(s->pre.v, s->pre.n, bad) && exec_all(s->stmts.v, s->stmts.n, bad) &&
         exec_all(s->post.v, s->post.n, bad);
}

/* the database read back, the canary table left out (and checked) */
static const char *differs(const st_schema *want) {
  rt_rows rows;
  if (!db->drv->query(db, "SELECT count(*) FROM hostile_canary", &rows) || rows.nrows != 1 ||
      !rows.cells[0] || strcmp(rows.cells[0], "1") != 0)
    return "the canary table or its row is gone: another statement ran";
  db_schema *got = rt_introspect(db);
  if (!got) return arena_printf(&A, "cannot read the database: %s", db->err);
  db_drop_tables(got, "hostile_canary");
  return db_diff(be_expected(db->drv->dialect, want, &A), got, &A);
}

/* the IR holds the bytes written: a name or a default */
static const char *ir_check(int use, const st_schema *st, text s, bool *was_cut) {
  const st_entity *e = st->entities.n ? st->entities.v[0] : NULL;
  if (!e || !e->fields.n) return "the schema has no entity";
  const st_field *f = e->fields.v[e->fields.n - 1];
  const char *got = use == U_MAP_TABLE    ? e->table
                    : use == U_MAP_COLUMN ? f->column
                    : use == U_DEFAULT    ? f->def_text
                    : use == U_ENTITY     ? e->name
                    : use == U_FIELD      ? f->name
                    : st->enums.n         ? st->enums.v[0]->members.v[0]
                                          : NULL;
  if (!got) return "the schema has no enum";
  if (same_bytes(got, s)) return NULL;
  bool c = false;
  const char *want = use < U_MAP_TABLE || use == U_DEFAULT
                         ? NULL
                         : ir_truncate_ident(&A, arena_strndup(&A, s.p, s.n), &c);
  if (c && strcmp(got, want) == 0) {
    *was_cut = true;
    return NULL;
  }
  return arena_printf(&A, "the IR holds '%s'", shown((text){(char *)got, strlen(got)}));
}

/* A string that the syntax around a name reads as something else: blanks
** around it, or a comment that hides it.  No name is made of it, so there is
** nothing to store; the rest of the string is still tried. */
static bool not_a_name(int use, text s) {
  if (use > U_MEMBER || !s.n) return false;
  const char *blank = " \t\r\n";
  if (memchr(blank, s.p[0], 4) || memchr(blank, s.p[s.n - 1], 4)) return true;
  return s.n >= 2 && s.p[0] == '/' && (s.p[1] == '/' || s.p[1] == '*');
}

static int skipped[U_COUNT];

static void one(int use, text s) {
  const be_dialect *d = db->drv->dialect;
  if (not_a_name(use, s)) {
    skipped[use]++;
    return;
  }
  fe_compilation c;
  fe_init(&c);
  text src = schema_for(use, s);
  fe_compile_buffer(&c, "hostile.inspire", src.p, src.n);
  if (c.diags.errors) {
    FILE *null = fopen("/dev/null", "w");
    render_opts ro = {false, "t"};
    render_text(null, &c.schema, &c.diags, &ro);
    fclose(null);
    rejected[use]++;
    passed++;
    fe_free(&c);
    return;
  }
  st_schema *st = st_from_schema(&c.schema);
  st_schema *empty = st_new(&c.a, st->names);
  ir_plan *plan = arena_alloc(&c.a, sizeof *plan);
  plan->name = "0001_hostile";
  diff_hints h = {&c.schema};
  diff_schemas(empty, st, &h, plan, &c.a);
  be_script up, down;
  be_script_init(&up, &c.a);
  be_script_init(&down, &c.a);
  be_lower_plan(d, empty, plan, false, &up);
  be_lower_plan(d, empty, plan, true, &down);
  if (up.problems.n || down.problems.n) { /* E0801: refused for this dialect */
    rejected[use]++;
    passed++;
    fe_free(&c);
    return;
  }
  bool was_cut = false;
  const char *why = ir_check(use, st, s, &was_cut), *bad = NULL;
  be_ctx q = {d, &A, NULL, NULL, NULL, false, NULL, NULL, 0};
  const st_entity *e = st->entities.v[0];
  const st_field *f = e->fields.v[e->fields.n - 1];
  if (why) {
    fail(use, s, "%s%s", why, "");
  } else if (!run_script(&up, &bad)) {
    fail(use, s, "the engine refused the up script: %s%s", bad, "");
  } else if ((why = differs(st))) {
    fail(use, s, "after the up script: %s%s", why, "");
  } else {
    rt_rows rows;
    const char *ins =
        d == &be_mysql ? arena_printf(&A, "INSERT INTO %s () VALUES ()", be_ident(&q, e->table))
                       : arena_printf(&A, "INSERT INTO %s DEFAULT VALUES", be_ident(&q, e->table));
    const char *sel =
        arena_printf(&A, "SELECT %s FROM %s", be_ident(&q, f->column), be_ident(&q, e->table));
    text want = use == U_DEFAULT ? s : use == U_MEMBER ? s : (text){"1", 1};
    if (use == U_MAP_COLUMN) want = (text){"v", 1};
    if (!db->drv->exec(db, ins) || !db->drv->query(db, sel, &rows))
      fail(use, s, "a row of defaults: %s%s", db->err, "");
    else if (rows.nrows != 1 || !same_bytes(rows.cells[0], want))
      fail(use, s, "the row of defaults reads back '%s'%s",
           rows.nrows
               ? shown((text){(char *)rows.cells[0], rows.cells[0] ? strlen(rows.cells[0]) : 0})
               : "(no row)",
           "");
    else if (!run_script(&down, &bad))
      fail(use, s, "the engine refused the down script: %s%s", bad, "");
    else if ((why = differs(empty)))
      fail(use, s, "after the down script: %s%s", why, "");
    else {
      passed++;
      stored[use]++;
      cut[use] += was_cut;
      fe_free(&c);
      return;
    }
  }
  /* leave an empty database for the next string */
  if (!run_script(&down, &bad)) db->drv->exec(db, "ROLLBACK");
  fe_free(&c);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_hostile STRINGS URL\n");
    return 2;
  }
  arena_init(&A);
  const char *err;
  db = rt_open(&A, argv[2], &err);
  if (!db) {
    fprintf(stderr, "test_hostile: %s\n", err);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  if (!db->drv->exec(db, "CREATE TABLE hostile_canary (n INTEGER)") ||
      !db->drv->exec(db, "INSERT INTO hostile_canary (n) VALUES (1)")) {
    fprintf(stderr, "test_hostile: cannot make the canary table: %s\n", db->err);
    return 2;
  }
  char line[4096];
  int nstrings = 0, lineno = 0;
  strbuf s = {0};
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = 0;
    if (line[0] == '#') continue;
    if (!decode(line, &s)) {
      fprintf(stderr, "%s:%d: a malformed escape\n", argv[1], lineno);
      return 2;
    }
    nstrings++;
    for (int use = 0; use < U_COUNT; use++)
      one(use, (text){s.p, s.n});
  }
  free(s.p);
  fclose(f);
  printf("hostile strings on %s: %d strings\n", db->drv->dialect->name, nstrings);
  for (int use = 0; use < U_COUNT; use++)
    printf("  %-15s %4d stored exactly (%d cut to 63 bytes with W0901), %4d rejected with a "
           "diagnostic, %d not a name (blanks or a comment around it)\n",
           use_names[use], stored[use], cut[use], rejected[use], skipped[use]);
  rt_close(db);
  arena_free(&A);
  printf("hostile: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
