/*
** test_frontend.c: unit tests of the lexer, the name helpers and the front end
** as a whole, in process.
**
**   test_frontend EXAMPLES_DIR [DIAG_CORPUS_DIR]
**
** Lexer tests compare token streams written as short names (ID COLON ...);
** variant tests compile every example re-written with CRLF line ends, with a
** byte-order mark and without the commas that newlines make redundant, and
** require the same IR, to the byte, as the original.
*/
#define _GNU_SOURCE /* MAP_POPULATE, mkstemp and fork for the mapping guard */
#include "frontend/frontend.h"
#include "inspire.h"
#include "slurp.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed;

static void check(bool ok, const char *what, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *what, ...) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  va_list ap;
  va_start(ap, what);
  fputs("FAIL: ", stdout);
  vprintf(what, ap);
  fputc('\n', stdout);
  va_end(ap);
}

static const char *short_name(int k) {
  switch (k) {
  case TK_ID: return "ID";
  case TK_ENTITY: return "ENTITY";
  case TK_ENUM: return "ENUM";
  case TK_TYPE: return "TYPE";
  case TK_WHERE: return "WHERE";
  case TK_VIA: return "VIA";
  case TK_TO: return "TO";
  case TK_ON: return "ON";
  case TK_ROUTES: return "ROUTES";
  case TK_NL: return "NL";
  case TK_COMMA: return "COMMA";
  case TK_ACOMMA: return "ACOMMA";
  case TK_LBRACE: return "{";
  case TK_RBRACE: return "}";
  case TK_LPAREN: return "(";
  case TK_RPAREN: return ")";
  case TK_LBRACKET: return "[";
  case TK_RBRACKET: return "]";
  case TK_ANNOT: return "ANNOT";
  case TK_GRANT: return "GRANT";
  case TK_DENY: return "DENY";
  case TK_EQ: return "EQ";
  case TK_EQEQ: return "EQEQ";
  case TK_COLON: return "COLON";
  case TK_DOT: return "DOT";
  case TK_STRING: return "STRING";
  case TK_NUMBER: return "NUMBER";
  case TK_DURATION: return "DURATION";
  case TK_RATE: return "RATE";
  case TK_PATH: return "PATH";
  case TK_ARROW: return "ARROW";
  case TK_QUESTION: return "Q";
  case TK_STAR: return "STAR";
  case TK_PIPE: return "PIPE";
  case TK_AMP: return "AMP";
  case TK_LT: return "LT";
  case TK_GT: return "GT";
  default: return "?";
  }
}

/* A token's place as a diagnostic shows it, and whether a doc block is
** attached to it. */
typedef struct lexed {
  uint32_t off, len, line, col;
  bool doc;
} lexed;

/* The token stream of src as "KIND KIND ...", and the diagnostics count. */
static char *lex_all(const char *src, int *ndiags, lexed *toks, int *ntoks) {
  fe_compilation c;
  fe_init(&c);
  src_add(&c.schema, "t.inspire", src, strlen(src));
  lexer L;
  lx_init(&L, &c.schema, &c.diags, 0);
  static char out[4096];
  out[0] = 0;
  token t;
  int n = 0;
  for (int k; (k = lx_next(&L, &t)) != LX_EOF;) {
    if (out[0]) strcat(out, " ");
    strcat(out, short_name(k));
    if (toks && n < 64) {
      toks[n] = (lexed){.off = t.off, .len = t.len, .doc = lx_doc(&L, t.off) != NULL};
      src_line_col(c.schema.files.v[0], t.off, &toks[n].line, &toks[n].col);
    }
    n++;
  }
  if (ntoks) *ntoks = n;
  *ndiags = c.diags.items.n;
  fe_free(&c);
  return out;
}

static void lex_is(const char *src, const char *want) {
  int nd;
  char *got = lex_all(src, &nd, NULL, NULL);
  check(strcmp(got, want) == 0 && nd == 0, "lex %s\n  want %s\n  got  %s (%d diagnostics)", src,
        want, got, nd);
}

static void test_lexer(void) {
  /* separators: newline or comma; none after '{' or before continuation lines */
  lex_is("entity A {\n  a: int\n  b: int\n}", "ENTITY ID { ID COLON ID NL ID COLON ID NL }");
  lex_is("entity A { a: int, b: int, }", "ENTITY ID { ID COLON ID COMMA ID COLON ID COMMA }");
  lex_is("entity A {\n  a: int,\n  b: int,\n}",
         "ENTITY ID { ID COLON ID COMMA ID COLON ID COMMA }");
  lex_is("entity A {\n\n\n  a: int\n\n\n}", "ENTITY ID { ID COLON ID NL }");
  lex_is("entity A {\n  @grant read to * via T\n    where T.a == resource.b\n}",
         "ENTITY ID { GRANT ID TO STAR VIA ID WHERE ID DOT ID EQEQ ID DOT ID NL }");
  /* a line starting `to:` is a field named `to`, not a continuation */
  lex_is("entity M {\n  from: string\n  to: string\n}",
         "ENTITY ID { ID COLON ID NL TO COLON ID NL }");
  lex_is("entity M {\n  a: int =\n    3\n}", "ENTITY ID { ID COLON ID EQ NUMBER NL }");
  lex_is("x {\n  r: R @from(E.r,\n     where E.a == b)\n}",
         "ID { ID COLON ID ANNOT ( ID DOT ID COMMA WHERE ID DOT ID EQEQ ID ) NL }");
  /* action lists: the comma inside `@grant read, write` is not a separator */
  lex_is("entity A { @grant read, write where x, b: int }",
         "ENTITY ID { GRANT ID ACOMMA ID WHERE ID COMMA ID COLON ID }");
  lex_is("entity A { @grant read, b: int }", "ENTITY ID { GRANT ID COMMA ID COLON ID }");
  /* literals */
  lex_is("x: 12 -3 1.5 -0.25 1e6", "ID COLON NUMBER NUMBER NUMBER NUMBER NUMBER");
  lex_is("x: 30d 1h30m 250ms 2w", "ID COLON DURATION DURATION DURATION DURATION");
  lex_is("x: 1000/minute 5/second", "ID COLON RATE RATE");
  lex_is("x: \"a\\\"b\\\\c\\n\\t\\r\\u{1F600}\"", "ID COLON STRING");
  lex_is("routes(\"/api\") {\n  GET /projects/:projectId -> h\n  GET / -> root\n}",
         "ROUTES ( STRING ) { ID PATH ARROW ID NL ID PATH ARROW ID NL }");
  lex_is("@validation type X =\n  | { t: \"a\" }\n  | { t: \"b\" }",
         "ANNOT TYPE ID EQ PIPE { ID COLON STRING } PIPE { ID COLON STRING }");
  lex_is("// c\n/* block\n comment */ entity /// doc\n A {}", "ENTITY ID { }");
  lex_is("\xEF\xBB\xBF"
         "entity A {}",
         "ENTITY ID { }");
  lex_is("entity A {\r\n  a: int\r\n  b: int\r\n}", "ENTITY ID { ID COLON ID NL ID COLON ID NL }");
  /* keywords are contextual only in the grammar: the lexer still names them */
  lex_is("type: file", "TYPE COLON ID");

  /* positions: byte offset, 1-based line and byte column from each token's start */
  lexed t[64];
  int nt, nd;
  lex_all("entity Caf\xC3\xA9 {}", &nd, t, &nt);
  check(nd == 1, "a non-ASCII letter in a name is one diagnostic (got %d)", nd);
  lex_all("entity A {\n  title: string\n}", &nd, t, &nt);
  check(nt == 8 && t[3].line == 2 && t[3].col == 3 && t[3].off == 13 && t[3].len == 5,
        "position of 'title': line %u col %u off %u len %u", t[3].line, t[3].col, t[3].off,
        t[3].len);
  check(t[5].line == 2 && t[5].col == 10 && t[5].len == 6, "position of 'string'");
  check(t[6].line == 2 && t[6].col == 16, "the separator sits where the line ends (col %u)",
        t[6].col);
  lex_all("\xEF\xBB\xBF"
          "entity A {}",
          &nd, t, &nt);
  check(t[0].off == 3 && t[0].col == 4, "a BOM is skipped but counted in columns (col %u)",
        t[0].col);
  lex_all("entity A {\r\n  b: int\r\n}", &nd, t, &nt);
  check(t[3].line == 2 && t[3].col == 3 && t[3].off == 14, "CRLF counts as one line end");
  lex_all("/* a\nb\nc */ entity", &nd, t, &nt);
  check(t[0].line == 3 && t[0].col == 6, "lines inside block comments are counted");
  lex_all("entity A {\n  /// The title.\n  /// Second line.\n  title: string\n}", &nd, t, &nt);
  check(t[3].doc && !t[0].doc && !t[4].doc, "a doc comment attaches to the next token");

  /* errors are diagnostics, and lexing goes on */
  lex_all("entity A { a: \"open\n b: int }", &nd, t, &nt);
  check(nd == 1 && nt >= 8, "an unterminated string is one error and the next line still lexes");
  lex_all("x: 30days", &nd, t, &nt);
  check(nd == 1, "an unknown duration unit is an error");
  lex_all("/* never closed", &nd, t, &nt);
  check(nd == 1 && nt == 0, "an unterminated block comment is one error");
}

static void test_names(void) {
  arena a;
  arena_init(&a);
  /* every scalar name gives its kind, and the other type names none */
  for (int k = 0; k < IR_T_COUNT; k++) {
    ir_type_kind want = k >= IR_T_STRING && k <= IR_T_FILE ? (ir_type_kind)k : IR_T_UNRESOLVED;
    check(ir_scalar_kind(ir_type_names[k]) == want, "ir_scalar_kind(\"%s\") is not %d",
          ir_type_names[k], (int)want);
  }
  static const char *const not_scalars[] = {"", "s", "strings", "Int", "dat", "datetimes", "x"};
  for (size_t i = 0; i < sizeof not_scalars / sizeof *not_scalars; i++)
    check(ir_scalar_kind(not_scalars[i]) == IR_T_UNRESOLVED, "ir_scalar_kind(\"%s\") is a scalar",
          not_scalars[i]);
  static const char *const tables[][2] = {
      {"Task", "tasks"},          {"OrgMembership", "org_memberships"},
      {"Category", "categories"}, {"Status", "statuses"},
      {"Box", "boxes"},           {"Day", "days"},
      {"Match", "matches"},       {"Wish", "wishes"},
      {"URLPath", "url_paths"},   {"__User", "__users"},
      {"APIKey", "api_keys"},     {"Quiz", "quizes"},
  };
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    const char *got = ir_table_name(&a, tables[i][0]);
    check(strcmp(got, tables[i][1]) == 0, "table name of %s: want %s, got %s", tables[i][0],
          tables[i][1], got);
  }
  static const char *const cols[][2] = {
      {"ownerId", "owner_id"},     {"URLPath", "url_path"},
      {"createdAt", "created_at"}, {"id", "id"},
      {"v2Name", "v2_name"},       {"already_snake", "already_snake"},
  };
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
    const char *got = ir_snake_case(&a, cols[i][0]);
    check(strcmp(got, cols[i][1]) == 0, "column name of %s: want %s, got %s", cols[i][0],
          cols[i][1], got);
  }
  char long_name[100];
  memset(long_name, 'a', 99);
  long_name[99] = 0;
  bool cut;
  const char *t1 = ir_truncate_ident(&a, long_name, &cut);
  const char *t2 = ir_truncate_ident(&a, long_name, NULL);
  check(cut && strlen(t1) == 63 && strcmp(t1, t2) == 0, "truncation is deterministic and 63 bytes");
  long_name[98] = 'b';
  check(strcmp(ir_truncate_ident(&a, long_name, NULL), t1) != 0,
        "names differing past byte 54 stay distinct");
  check(strcmp(ir_truncate_ident(&a, "short", &cut), "short") == 0 && !cut, "short names are kept");
  check(ir_edit_distance("Projct", "Project", 3) == 1, "edit distance");
  arena_free(&a);
}

/* ---- variants of the examples ------------------------------------------ */

typedef struct project {
  char *paths[16];
  char *texts[16];
  size_t lens[16];
  int n;
} project;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_dir(project *p, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && p->n < 16) {
    size_t n = strlen(e->d_name);
    if (n > 8 && strcmp(e->d_name + n - 8, ".inspire") == 0) {
      char *full = malloc(strlen(dir) + n + 2);
      sprintf(full, "%s/%s", dir, e->d_name);
      p->paths[p->n++] = full;
    }
  }
  closedir(d);
  qsort(p->paths, (size_t)p->n, sizeof(char *), cmp_str);
  for (int i = 0; i < p->n; i++)
    p->texts[i] = slurp(p->paths[i], &p->lens[i]);
}

static void free_project(project *p) {
  for (int i = 0; i < p->n; i++) {
    free(p->paths[i]);
    free(p->texts[i]);
  }
}

typedef char *(*transform)(const char *src, size_t n, size_t *out_n);

static char *to_crlf(const char *s, size_t n, size_t *on) {
  char *o = malloc(n * 2 + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n') o[k++] = '\r';
    o[k++] = s[i];
  }
  *on = k;
  return o;
}

static char *with_bom(const char *s, size_t n, size_t *on) {
  char *o = malloc(n + 4);
  memcpy(o, "\xEF\xBB\xBF", 3);
  memcpy(o + 3, s, n);
  *on = n + 3;
  return o;
}

/* Drop every comma that ends a line inside `{ }` (where the newline already
** separates members); commas inside ( ) and [ ] are required and stay. */
static char *drop_commas(const char *s, size_t n, size_t *on) {
  char *o = malloc(n + 1);
  size_t k = 0;
  char stack[256];
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"') { /* copy the string */
      o[k++] = s[i++];
      while (i < n && s[i] != '"' && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n) o[k++] = s[i++];
        o[k++] = s[i++];
      }
      if (i < n) o[k++] = s[i];
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') { /* copy the comment */
      while (i < n && s[i] != '\n')
        o[k++] = s[i++];
      i--;
      continue;
    }
    if ((c == '{' || c == '(' || c == '[') && depth < 256) stack[depth++] = c;
    if ((c == '}' || c == ')' || c == ']') && depth > 0) depth--;
    if (c == ',' && depth > 0 && stack[depth - 1] == '{') {
      size_t j = i + 1;
      while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
      if (j + 1 < n && s[j] == '/' && s[j + 1] == '/')
        while (j < n && s[j] != '\n')
          j++;
      if (j >= n || s[j] == '\n' || s[j] == '\r') continue; /* drop it */
    }
    o[k++] = c;
  }
  *on = k;
  return o;
}

static char *compile_ir(project *p, transform tf, int *errors, int *warnings) {
  fe_compilation c;
  fe_init(&c);
  for (int i = 0; i < p->n; i++) {
    size_t n = p->lens[i];
    char *t = tf ? tf(p->texts[i], p->lens[i], &n) : NULL;
    src_add(&c.schema, p->paths[i], t ? t : p->texts[i], n);
    free(t);
  }
  fe_compile(&c);
  *errors = c.diags.errors;
  *warnings = c.diags.warnings;
  char *ir = ir_dump_json(&c.schema);
  fe_free(&c);
  return ir;
}

static void test_variants(const char *examples) {
  const char *dirs[] = {"todo/schema", "saas/schema", "evolution"};
  static const struct {
    const char *name;
    transform tf;
  } variants[] = {{"CRLF", to_crlf}, {"BOM", with_bom}, {"no commas", drop_commas}};
  for (int d = 0; d < 3; d++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", examples, dirs[d]);
    project all = {0};
    add_dir(&all, dir);
    check(all.n > 0, "examples found in %s", dir);
    /* evolution holds five separate schemas; the others are one project each */
    int groups = d == 2 ? all.n : 1;
    for (int g = 0; g < groups; g++) {
      project p = all;
      if (d == 2) {
        p.n = 1;
        p.paths[0] = all.paths[g];
        p.texts[0] = all.texts[g];
        p.lens[0] = all.lens[g];
      }
      int e0, w0;
      char *base = compile_ir(&p, NULL, &e0, &w0);
      check(e0 == 0 && w0 == 0, "%s compiles clean (%d errors, %d warnings)", p.paths[0], e0, w0);
      for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        int e, w;
        char *ir = compile_ir(&p, variants[v].tf, &e, &w);
        check(e == 0 && w == 0 && strcmp(ir, base) == 0,
              "%s with %s: %d errors, %d warnings, IR %s", p.paths[0], variants[v].name, e, w,
              strcmp(ir, base) == 0 ? "same" : "differs");
        free(ir);
      }
      /* the same input twice gives the same bytes */
      int e2, w2;
      char *again = compile_ir(&p, NULL, &e2, &w2);
      check(strcmp(again, base) == 0, "%s: the IR dump is deterministic", p.paths[0]);
      free(again);
      free(base);
    }
    free_project(&all);
  }
}

/* The number of commas the no-comma variant removes, so that it cannot pass
** by removing nothing. */
static void test_variant_changes_input(const char *examples) {
  char path[4096];
  snprintf(path, sizeof path, "%s/todo/schema/main.inspire", examples);
  size_t n, on;
  char *src = slurp(path, &n);
  char *out = drop_commas(src, n, &on);
  check(on + 20 < n, "dropping commas removes many from todo (%zu bytes before, %zu after)", n, on);
  free(src);
  free(out);
}

/* ---- a schema parsed in two halves (frontend/parse.c) ------------------- */

/* The IR and the diagnostics (as JSON, ranges and all) of p compiled in one
** pass (file < 0) or in halves cut at byte `cut` of `file`; *kept tells
** whether the halves were kept. */
/* The rest of c's compilation, then its IR and diagnostics as one text; c is freed. */
static char *finish(fe_compilation *c) {
  sema_run(&c->schema, &c->diags);
  diag_sort(&c->diags);
  char *ir = ir_dump_json(&c->schema);
  char *d = render_json(&c->schema, &c->diags);
  char *both = malloc(strlen(ir) + strlen(d) + 2);
  sprintf(both, "%s\n%s", ir, d);
  free(ir);
  free(d);
  fe_free(c);
  return both;
}

static char *compile_cut(project *p, int file, uint32_t cut, bool *kept) {
  fe_compilation c;
  fe_init(&c);
  for (int i = 0; i < p->n; i++)
    src_add(&c.schema, p->paths[i], p->texts[i], p->lens[i]);
  *kept = file >= 0 && fe_parse_halves(&c.schema, (uint32_t)p->n, (uint32_t)file, cut);
  if (!*kept)
    for (int i = 0; i < p->n; i++)
      fe_parse_file(&c.schema, &c.diags, (uint32_t)i);
  return finish(&c);
}

/* Every line end (\n or \r) of every file of p as the cut, and every file's start: the
** result is always the one pass's.  Returns how many cuts were kept. */
static int halves_agree(project *p, const char *what) {
  bool kept;
  char *base = compile_cut(p, -1, 0, &kept);
  int nkept = 0, bad = 0;
  for (int f = 0; f < p->n && bad < 3; f++) {
    for (uint32_t i = 0; i < p->lens[f] && bad < 3; i++) {
      char ch = p->texts[f][i];
      if (!(ch == '\n' || ch == '\r' || (i == 0 && f > 0))) continue;
      char *got = compile_cut(p, f, i, &kept);
      nkept += kept;
      if (strcmp(got, base) != 0) {
        bad++;
        check(false, "%s cut in file %d at byte %u (%s): not what one pass gives", what, f, i,
              kept ? "kept" : "refused");
      }
      free(got);
    }
  }
  check(bad == 0, "%s: every cut agrees with one pass", what);
  free(base);
  return nkept;
}

static void one_file(project *p, const char *name, const char *src) {
  memset(p, 0, sizeof *p);
  p->paths[0] = strdup(name);
  p->texts[0] = strdup(src);
  p->lens[0] = strlen(src);
  p->n = 1;
}

static void test_halves(const char *examples, const char *diag_dir) {
  /* the examples, as projects */
  const char *dirs[] = {"todo/schema", "saas/schema", "evolution"};
  int kept_examples = 0;
  for (int d = 0; d < 3; d++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", examples, dirs[d]);
    project p = {0};
    add_dir(&p, dir);
    kept_examples += halves_agree(&p, dir);
    free_project(&p);
  }
  check(kept_examples > 20, "cuts between the examples' declarations are kept (%d)", kept_examples);
  /* inputs with diagnostics: never kept, the one pass's messages */
  DIR *dd = diag_dir ? opendir(diag_dir) : NULL;
  int ndiag = 0, kept_diag = 0;
  for (struct dirent *e; dd && (e = readdir(dd));) {
    size_t n = strlen(e->d_name);
    if (n < 9 || strcmp(e->d_name + n - 8, ".inspire") != 0) continue;
    project p = {0};
    p.paths[0] = malloc(strlen(diag_dir) + n + 2);
    sprintf(p.paths[0], "%s/%s", diag_dir, e->d_name);
    p.texts[0] = slurp(p.paths[0], &p.lens[0]);
    p.n = 1;
    kept_diag += halves_agree(&p, p.paths[0]);
    ndiag++;
    free_project(&p);
  }
  if (dd) closedir(dd);
  check(!diag_dir || ndiag > 50, "the diagnostics corpus was read (%d files)", ndiag);
  (void)kept_diag; /* a file may be clean up to a later declaration's error: then halves may
                      be kept and must still agree, which halves_agree checked */
  /* places where a cut must be refused, or kept to the same effect */
  static const char *const tricky[] = {
      /* a `}` line inside a block comment */
      "entity A {\n  x: int\n}\n/* note\n}\n*/\nentity B {\n  y: int\n}\n",
      /* doc blocks before declarations, one cut off by a blank line */
      "/// first\nentity A {\n  x: int\n}\n\n/// second\n\n/// third\nentity B {\n  /// y's\n  "
      "y: int\n}\n",
      /* a validation type whose annotation sits on the line before */
      "entity A {\n  x: int\n}\n@validation\ntype Card = {\n  type: \"card\"\n}\nentity B {\n  y: "
      "int\n}\n",
      /* keywords as field names at the start of a line, a nested block closed at column 0 */
      "entity A {\nentity: string\ntype: int\n}\nauth {\n  providers: [\"email\"]\n}\nentity B "
      "{\n  y: int\n  @grant(read) to * where y == 1\n}\n",
      /* a member continued on the next line */
      "entity A {\n  x: int\n  @grant(read)\n    to *\n}\nentity B {\n  y: int\n}\n",
      /* CRLF line ends */
      "entity A {\r\n  x: int\r\n}\r\nentity B {\r\n  y: int\r\n}\r\n",
      /* a lone carriage return between declarations (an error) */
      "entity A {\n  x: int\n}\rentity B {\n  y: int\n}\n",
      /* an error after the middle */
      "entity A {\n  x: int\n}\nentity B {\n  y: int,,\n}\nentity C {\n  z: Nope\n}\n",
  };
  int kept_tricky = 0;
  for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++) {
    project p;
    char name[32];
    snprintf(name, sizeof name, "tricky%zu.inspire", i);
    one_file(&p, name, tricky[i]);
    kept_tricky += halves_agree(&p, name);
    free_project(&p);
  }
  check(kept_tricky > 5, "cuts in the tricky inputs are kept where they may be (%d)", kept_tricky);

  /* A big schema, in halves on two threads by the usual path, many times over:
  ** the same IR every time (the shared name table under load). */
  size_t cap = 4u << 20, o = 0;
  char *big = malloc(cap);
  for (int i = 0; i < 2500 && o + 1024 < cap; i++) {
    if (i % 50 == 0) o += (size_t)sprintf(big + o, "enum S%d { A%d, B%d }\n\n", i, i, i);
    if (i % 7 == 0) o += (size_t)sprintf(big + o, "/// Entity %d.\n", i);
    o += (size_t)sprintf(big + o,
                         "entity E%05d {\n  name%d: string @maxLength(%d),\n  code: string,\n  "
                         "amount: decimal(10, 2)?,\n  state: S%d = A%d,\n",
                         i, i % 13, 100 + i % 50, i / 50 * 50, i / 50 * 50);
    if (i > 0) o += (size_t)sprintf(big + o, "  parent: E%05d.id @onDelete(cascade),\n", i - 1);
    o += (size_t)sprintf(big + o, "  @unique([name%d, code])\n}\n\n", i % 13);
  }
  big[o] = 0;
  project p;
  one_file(&p, "big.inspire", big);
  free(big);
  bool kept;
  char *base = compile_cut(&p, -1, 0, &kept);
  int same = 0, halves = 0;
  for (int round = 0; round < 12; round++) {
    fe_compilation c;
    fe_init(&c);
    src_add(&c.schema, p.paths[0], p.texts[0], p.lens[0]);
    halves += fe_parse_files(&c.schema, &c.diags, 1);
    char *both = finish(&c);
    same += strcmp(both, base) == 0;
    free(both);
  }
  check(halves == 12 && same == 12, "a big schema in halves: %d of 12 in halves, %d the same",
        halves, same);
  check(strstr(base, "\"diagnostics\":\t[]") != NULL, "the big schema compiles clean");
  free(base);
  free_project(&p);
}

/* --format json and sarif parse back and carry the fields cli.md names. */
static void test_json_and_sarif(void) {
  const char *src = "entity Project {\n  name: string,\n}\nentity Task {\n  p: Projct.id,\n}\n";
  fe_compilation c;
  fe_init(&c);
  fe_compile_buffer(&c, "schema/t.inspire", src, strlen(src));
  char *j = render_json(&c.schema, &c.diags);
  cJSON *root = cJSON_Parse(j);
  check(root != NULL, "render_json gives valid JSON");
  cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "diagnostics"), 0);
  const char *keys[] = {"file",     "line", "column",  "endLine", "endColumn",
                        "severity", "code", "message", "notes"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    check(d && cJSON_GetObjectItem(d, keys[i]) != NULL, "json diagnostic has '%s'", keys[i]);
  if (d) {
    check(strcmp(cJSON_GetObjectItem(d, "code")->valuestring, "E0204") == 0, "json code");
    check(cJSON_GetObjectItem(d, "line")->valueint == 5 &&
              cJSON_GetObjectItem(d, "column")->valueint == 6 &&
              cJSON_GetObjectItem(d, "endLine")->valueint == 5 &&
              cJSON_GetObjectItem(d, "endColumn")->valueint == 12,
          "json range is 5:6-5:12");
    check(strcmp(cJSON_GetObjectItem(d, "file")->valuestring, "schema/t.inspire") == 0,
          "json file");
  }
  check(cJSON_GetObjectItem(root, "errors")->valueint == 1 &&
            cJSON_GetObjectItem(root, "warnings")->valueint == 0,
        "json counts");
  cJSON_Delete(root);
  free(j);
  render_opts ro = {false, "1.0"};
  char *s = render_sarif(&c.schema, &c.diags, &ro);
  root = cJSON_Parse(s);
  check(root && strcmp(cJSON_GetObjectItem(root, "version")->valuestring, "2.1.0") == 0,
        "sarif version");
  cJSON *res = root ? cJSON_GetArrayItem(
                          cJSON_GetObjectItem(
                              cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0), "results"),
                          0)
                    : NULL;
  check(res && strcmp(cJSON_GetObjectItem(res, "ruleId")->valuestring, "E0204") == 0,
        "sarif result rule");
  cJSON_Delete(root);
  free(s);
  fe_free(&c);
  /* hostile bytes never reach JSON as invalid UTF-8 */
  fe_init(&c);
  const char *bad = "entity A { x: \"\x1b[31m\xff\" }";
  fe_compile_buffer(&c, "b.inspire", bad, strlen(bad));
  j = render_json(&c.schema, &c.diags);
  bool ascii_ctl = false;
  for (const char *p = j; *p; p++)
    if (*p == 0x1b || (unsigned char)*p == 0xff) ascii_ctl = true;
  check(!ascii_ctl && c.diags.errors > 0, "control and invalid bytes are not copied into JSON");
  free(j);
  fe_free(&c);
}

static int errors_of(const char *src) {
  fe_compilation c;
  fe_init(&c);
  fe_compile_buffer(&c, "t.inspire", src, strlen(src));
  int n = c.diags.errors;
  fe_free(&c);
  return n;
}

/* Integer defaults are judged from their text: a double would lose bigint digits. */
static void test_default_ranges(void) {
  static const struct {
    const char *src;
    int errors;
  } cases[] = {
      {"entity A { x: bigint = 9223372036854775807 }", 0},
      {"entity A { x: bigint = -9223372036854775808 }", 0},
      {"entity A { x: bigint = 9223372036854775808 }", 1},
      {"entity A { x: int = 2147483647, y: int = -2147483648 }", 0},
      {"entity A { x: int = 2147483648 }", 1},
      {"entity A { x: smallint = -32768, y: smallint = 32767 }", 0},
      {"entity A { x: smallint = 32768 }", 1},
      {"entity A { x: int = 007 }", 0},
      {"entity A { x: decimal(5, 2) = 999.99, y: decimal(5, 2) = -0.5 }", 0},
      {"entity A { x: decimal(5, 2) = 1000 }", 1},
      {"entity A { x: decimal(5, 2) = 1.234 }", 1},
      {"entity A { d: date = \"2024-02-29\" }", 0},
      {"entity A { d: date = \"2023-02-29\" }", 1},
      {"entity A { t: datetime = \"2024-01-31T23:59:59.123+05:30\" }", 0},
      {"entity A { t: datetime = \"2024-01-31T24:00:00Z\" }", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int got = errors_of(cases[i].src);
    check(got == cases[i].errors, "%s: want %d errors, got %d", cases[i].src, cases[i].errors, got);
  }
}

/* Marks and rewinds: memory comes back zeroed, the first chunk is kept (an
** empty arena rewound in a loop must not make a chunk a round), chunks made
** after the mark go, and text allocations leave the next block aligned. */
static void test_arena_marks(void) {
  arena a;
  arena_init(&a);
  arena_mark m = arena_save(&a);
  unsigned chunks = a.chunks;
  for (int round = 0; round < 100; round++) {
    unsigned char *p = arena_alloc(&a, 1000);
    bool zero = true;
    for (int i = 0; i < 1000; i++)
      zero = zero && p[i] == 0;
    check(zero, "round %d: arena memory after a rewind is not zero", round);
    memset(p, 0xab, 1000);
    arena_alloc(&a, 300000); /* a big one: a chunk of its own, made after the mark */
    arena_rewind(&a, m);
  }
  check(a.chunks <= chunks + 100, "rewinds made %u chunks", a.chunks - chunks);
  check(a.total == m.total, "a rewind left %zu bytes handed out", a.total - m.total);
  char *t = arena_text(&a, 3);
  void *q = arena_alloc(&a, 16);
  check(t && ((uintptr_t)q & 7) == 0, "a block after text is not 8-byte aligned");
  arena_free(&a);
}

/* arena_printf's own path for %s, %d and %% gives what vsnprintf gives. */
static void test_arena_printf(void) {
  arena a;
  arena_init(&a);
  static const struct {
    const char *fmt, *s1, *s2;
    int d1, d2;
  } cases[] = {
      {"numeric(%d, %d)", NULL, NULL, 10, 2},
      {"%d%d", NULL, NULL, -2147483647 - 1, 2147483647},
      {"%d|%d", NULL, NULL, 0, -7},
  };
  char want[128];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    snprintf(want, sizeof want, cases[i].fmt, cases[i].d1, cases[i].d2);
    const char *got = arena_printf(&a, cases[i].fmt, cases[i].d1, cases[i].d2);
    check(strcmp(got, want) == 0, "arena_printf(\"%s\"): '%s', want '%s'", cases[i].fmt, got, want);
  }
  const char *got = arena_printf(&a, "ALTER TABLE %s ADD %s %% %s", "\"t\"", "", "x y");
  check(strcmp(got, "ALTER TABLE \"t\" ADD  % x y") == 0, "arena_printf with %%s: '%s'", got);
  got = arena_printf(&a, "%s", "only");
  check(strcmp(got, "only") == 0 && strcmp(arena_printf(&a, "no conversion"), "no conversion") == 0,
        "arena_printf of one string or none");
  got = arena_concat(&a, "a", "", "bc", "", "", "d", (char *)NULL);
  check(strcmp(got, "abcd") == 0, "arena_concat with empty parts: '%s'", got);
  got = arena_concat(&a, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                     "15", "16", "17", "", "18", (char *)NULL); /* past the parts it keeps */
  check(strcmp(got, "123456789101112131415161718") == 0, "arena_concat of 18 parts: '%s'", got);
  got = arena_printf(&a, "%s=%d (%.1f)", "x", 3, 0.5); /* the general path */
  check(strcmp(got, "x=3 (0.5)") == 0, "arena_printf through vsnprintf: '%s'", got);
  arena_free(&a);
}

/* A big schema's entities checked in two ranges on two threads (sema_split)
** give what one thread gives: IR and diagnostics (ranges and all), errors in
** both ranges and across them, with and without a limit on diagnostics, and
** with a foreign key to a foreign key (which keeps the keys on one thread). */
static char *sema_both(const char *src, int limit) {
  fe_compilation c;
  fe_init(&c);
  c.diags.limit = limit;
  src_add(&c.schema, "big.inspire", src, strlen(src));
  fe_parse_file(&c.schema, &c.diags, 0);
  return finish(&c);
}

static void test_sema_halves(void) {
  for (int chain = 0; chain < 2; chain++) {
    strbuf b = {0};
    char line[600];
    for (int i = 0; i < 1200; i++) {
      snprintf(line, sizeof line, "entity E%05d {\n  name: string,\n  fooBar: int,\n", i);
      strbuf_puts(&b, line);
      if (i > 0) {
        snprintf(line, sizeof line, "  parent: E%05d.id,\n", i - 1);
        strbuf_puts(&b, line);
      }
      if (i % 97 == 5) strbuf_puts(&b, "  bad: Nope,\n");
      if (i % 101 == 7) strbuf_puts(&b, "  name: int,\n");
      if (i % 89 == 3) strbuf_puts(&b, "  lost: E00001.nope,\n");
      if (i % 83 == 11) strbuf_puts(&b, "  foo_bar: string,\n");
      if (i % 79 == 13) strbuf_puts(&b, "  n: int = \"x\",\n");
      if (i == 900) strbuf_puts(&b, "  @map(\"e00010s\"),\n");
      if (i == 333) strbuf_puts(&b, "  @map(\"_inspire_x\"),\n");
      if (i == 1100)
        strbuf_puts(
            &b, "  @map(\"a_table_name_that_is_far_too_long_for_any_database_to_keep_whole\"),\n");
      if (chain && i == 700) strbuf_puts(&b, "  other: E00002.parent,\n");
      strbuf_puts(&b, "  @index([name])\n}\n\n");
    }
    for (int limit = 0; limit <= 30; limit += 30) {
      setenv("INSPIREC_THREADS", "1", 1);
      char *one = sema_both(b.p, limit);
      unsetenv("INSPIREC_THREADS");
      char *two = sema_both(b.p, limit);
      check(strcmp(one, two) == 0, "sema in two ranges (%s, limit %d): not what one thread gives",
            chain ? "a foreign key to a foreign key" : "no chain", limit);
      check(limit || (strstr(one, "E0208") && strstr(one, "W0901") && strstr(one, "E0203") &&
                      strstr(one, "E0206") && strstr(one, "E0202") && strstr(one, "E0204")),
            "sema in two ranges: the errors sown are found");
      free(one);
      free(two);
    }
    free(b.p);
  }
}

/* The last diagnostic shown, at the limit, still says what was meant; the
** threads, each with lists of its own, agree with one thread on every one
** shown, at limits inside and at the edges of a thread's run of entities. */
static void test_sema_limit_suggestions(void) {
  strbuf b = {0};
  char line[200];
  for (int i = 0; i < 700; i++) {
    snprintf(line, sizeof line, "entity T%04d {\n  name: string,\n  n: intt\n}\n", i);
    strbuf_puts(&b, line);
  }
  static const int limits[] = {1, 10, 63, 64, 65, 500};
  for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
    int limit = limits[k];
    setenv("INSPIREC_THREADS", "1", 1);
    char *one = sema_both(b.p, limit);
    unsetenv("INSPIREC_THREADS");
    char *two = sema_both(b.p, limit);
    check(strcmp(one, two) == 0, "unknown types past a limit of %d: threads disagree", limit);
    int suggested = 0;
    for (const char *at = one; (at = strstr(at, "did you mean 'int'?")); at++)
      suggested++;
    check(suggested == limit, "limit %d: %d of the diagnostics shown suggest 'int'", limit,
          suggested);
    free(one);
    free(two);
  }
  free(b.p);
}

/* Diagnostics found on two threads and joined (diag_concat) are those of one
** list that found them one after the other: order, numbering and limit. */
static void test_diag_concat(void) {
  static const struct {
    diag_code code;
    uint32_t off;
  } found[] = {{DIAG_E0001, 40}, {DIAG_W0904, 0}, {DIAG_E0001, 40}, {DIAG_E0003, 5},
               {DIAG_E0001, 40}, {DIAG_E0702, 0}, {DIAG_E0003, 1}};
  int n = (int)(sizeof found / sizeof *found);
  for (int limit = 0; limit <= n; limit++)
    for (int split = 0; split <= n; split++)
      for (int into_later = 0; into_later < 2; into_later++) {
        arena a;
        arena_init(&a);
        diag_list one, first, then;
        diag_init(&one, &a);
        diag_init(&first, &a);
        diag_init(&then, &a);
        one.limit = first.limit = then.limit = limit;
        for (int i = 0; i < n; i++) {
          ir_range r = ir_range_in(0, found[i].off, 1);
          diag_add(&one, found[i].code, r, "d%d", i);
          diag_add(i < split ? &first : &then, found[i].code, r, "d%d", i);
        }
        diag_sort(&first); /* as a compilation leaves them */
        diag_list *d = into_later ? &then : &first;
        diag_concat(d, &first, &then);
        diag_sort(&one);
        diag_sort(d);
        bool same =
            one.items.n == d->items.n && one.errors == d->errors && one.warnings == d->warnings;
        for (int i = 0; same && i < one.items.n; i++)
          same = one.items.v[i]->seq == d->items.v[i]->seq &&
                 strcmp(one.items.v[i]->msg, d->items.v[i]->msg) == 0;
        check(same, "diag_concat, limit %d, split after %d, into the %s list: not one list's",
              limit, split, into_later ? "later" : "earlier");
        arena_free(&a);
      }
}

/* src_map: a file's bytes mapped, NUL after them, unless its length is whole
** pages (no zero byte would be mapped after it): then read into the arena. */
static void test_src_map(void) {
  static const size_t lens[] = {4095, 8192};
  for (int k = 0; k < 2; k++) {
    size_t len = lens[k];
    char path[] = "/tmp/inspirec-map-XXXXXX";
    int fd = mkstemp(path);
    char *want = malloc(len);
    bool ok = fd >= 0 && want;
    for (size_t i = 0; ok && i < len; i++)
      want[i] = (char)('a' + i % 26);
    ok = ok && write(fd, want, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    arena a;
    arena_init(&a);
    diag_list d;
    diag_init(&d, &a);
    size_t got = 0;
    bool mapped = true;
    char *text = ok ? src_map(&d, &a, path, &got, &mapped) : NULL;
    check(text && got == len && memcmp(text, want, len) == 0 && text[len] == 0 &&
              mapped == (len % 4096 != 0),
          "src_map of %zu bytes: the bytes, a NUL after, mapped %d", len, mapped);
    if (text && mapped) munmap(text, len);
    unlink(path);
    free(want);
    arena_free(&a);
  }
}

/* history_guard_mapping: a guarded mapping whose file is cut short under the
** reader is exit 1 naming the file; a fault outside it still ends the
** process by SIGBUS, as without the guard. */
static void test_mapping_guard(void) {
  enum { PAGE = 4096, LEN = 3 * PAGE };
  char path[] = "/tmp/inspirec-guard-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    check(false, "mapping guard: a temporary file");
    return;
  }
  for (int guarded = 1; guarded >= 0; guarded--) {
    char page[PAGE];
    memset(page, 'x', sizeof page);
    bool ok = ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0;
    for (int i = 0; ok && i < LEN / PAGE; i++)
      ok = write(fd, page, sizeof page) == (ssize_t)sizeof page;
    int err[2];
    if (!ok || pipe(err) != 0) {
      check(false, "mapping guard: the file and a pipe");
      break;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(err[1], 2);
      char *p = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      static char elsewhere[64];
      if (p == MAP_FAILED) _exit(9);
      if (guarded)
        history_guard_mapping(p, LEN, path);
      else
        history_guard_mapping(elsewhere, sizeof elsewhere, path);
      if (ftruncate(fd, 0) != 0) _exit(9);
      volatile char c = p[2 * PAGE]; /* a page the file no longer has */
      _exit(c == 'x' ? 7 : 8);
    }
    close(err[1]);
    char said[8192];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof said - 1 && (got = read(err[0], said + n, sizeof said - 1 - n)) > 0)
      n += (size_t)got;
    said[n] = 0;
    close(err[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (guarded)
      check(WIFEXITED(status) && WEXITSTATUS(status) == 1 && strstr(said, "was cut short") &&
                strstr(said, path),
            "mapping guard: a snapshot cut short is exit 1 naming it (status %d: %s)", status,
            said);
    else
      check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
            "mapping guard: a fault elsewhere is still SIGBUS (status %d)", status);
  }
  close(fd);
  unlink(path);
}

static void hex32(const unsigned char d[32], char out[65]) {
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ir/sha256.c: the portable code against the standard's examples, and
** against each way of the longer digests (the CPU's SHA instructions, where
** it has them, and libcrypto) at every length from 0 to 2,200 bytes, fed
** whole, crossing the line in two adds, and a few bytes an add; then the
** two ways against each other on a megabyte. */
static void test_sha256(void) {
  static const struct {
    const char *in, *want;
  } known[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  char hex[65];
  for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
    unsigned char d[32];
    ir_sha256_portable(known[i].in, strlen(known[i].in), d);
    hex32(d, hex);
    check(strcmp(hex, known[i].want) == 0, "sha256 of \"%s\": %s", known[i].in, hex);
  }
  enum { MAX = 2200, BIG = (1 << 20) + 13 };
  unsigned char *data = malloc(BIG);
  if (!data) return;
  uint32_t x = 12345;
  for (int i = 0; i < BIG; i++) {
    x = x * 1103515245u + 12345u;
    data[i] = (unsigned char)(x >> 16);
  }
  static const int ways[] = {IR_SHA256_AUTO, IR_SHA256_LIBCRYPTO};
  static const char *const way_name[] = {"the SHA instructions", "libcrypto"};
  unsigned char big[2][32];
  bool big_ok[2] = {false, false};
  for (int w = 0; w < 2; w++) {
    if (w == 0 && !ir_sha256_instructions()) continue; /* AUTO would be libcrypto again */
    ir_sha256_use(ways[w]);
    int bad = 0, compared = 0;
    for (size_t n = 0; n <= MAX; n++) {
      unsigned char portable[32], whole[32], split[32], bits[32];
      ir_sha256_portable(data, n, portable);
      ir_sha256 h;
      bool ok = ir_sha256_begin(&h) && ir_sha256_add(&h, data, n);
      ok = ir_sha256_end(&h, whole) && ok;
      size_t cut = n / 2 + 7 < n ? n / 2 + 7 : n;
      bool ok2 = ir_sha256_begin(&h) && ir_sha256_add(&h, data, cut) &&
                 ir_sha256_add(&h, data + cut, n - cut);
      ok2 = ir_sha256_end(&h, split) && ok2;
      /* a big first add, then 1 to 70 bytes an add: every place in a block */
      bool ok3 = ir_sha256_begin(&h) && ir_sha256_add(&h, data, n / 3 * 2);
      for (size_t at = n / 3 * 2, step = 1; ok3 && at < n; at += step, step = step % 70 + 1)
        ok3 = ir_sha256_add(&h, data + at, step < n - at ? step : n - at);
      ok3 = ir_sha256_end(&h, bits) && ok3;
      if (!ok || !ok2 || !ok3) continue; /* no libcrypto: only the lengths it needs are skipped */
      compared++;
      if (memcmp(portable, whole, 32) || memcmp(portable, split, 32) || memcmp(portable, bits, 32))
        bad++;
    }
    check(bad == 0, "sha256: %d of %d lengths differ by %s", bad, compared, way_name[w]);
    check(compared > MAX - IR_SHA256_SMALL, "sha256: only %d lengths compared by %s", compared,
          way_name[w]);
    ir_sha256 h;
    big_ok[w] = ir_sha256_begin(&h) && ir_sha256_add(&h, data, 1000) &&
                ir_sha256_add(&h, data + 1000, BIG - 1000);
    big_ok[w] = ir_sha256_end(&h, big[w]) && big_ok[w];
  }
  ir_sha256_use(IR_SHA256_AUTO);
  if (big_ok[0] && big_ok[1])
    check(memcmp(big[0], big[1], 32) == 0,
          "sha256 of a megabyte: the instructions and libcrypto differ");
  unsigned char portable[32];
  ir_sha256_portable(data, BIG, portable);
  for (int w = 0; w < 2; w++)
    if (big_ok[w])
      check(memcmp(big[w], portable, 32) == 0, "sha256 of a megabyte by %s", way_name[w]);
  free(data);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_frontend EXAMPLES_DIR\n");
    return 2;
  }
  test_lexer();
  test_sha256();
  test_names();
  test_arena_marks();
  test_arena_printf();
  test_variants(argv[1]);
  test_variant_changes_input(argv[1]);
  test_json_and_sarif();
  test_default_ranges();
  test_diag_concat();
  test_mapping_guard();
  test_src_map();
  test_sema_halves();
  test_sema_limit_suggestions();
  test_halves(argv[1], argc > 2 ? argv[2] : NULL);
  printf("frontend: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
