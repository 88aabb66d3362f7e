/*
** parse.c: feed one file's tokens to the lemon parser, and word its syntax
** errors.
*/
#include "frontend.h"
#include "inspire.h"

#include <stdlib.h>
#include <string.h>

/* The lexer re2c made of grammar/lexer.re is compiled in this unit, so that
** lx_next_token is inlined into the loop below: a call per token, with the lexer's
** state saved and loaded around it, was 13 M of 299 M instructions of a
** check at 10,000 entities. */
#include "lexer.c"

void *inspireParseAlloc(void *(*alloc)(size_t), ps_ctx *ctx);
void inspireParse(void *p, int kind, token t);
void inspireParseFree(void *p, void (*dealloc)(void *));

static const char *const top_keywords[] = {"entity",    "enum",         "type",    "auth",
                                           "namespace", "routes",       "apiKeys", "schedule",
                                           "payments",  "integrations", "network", "email"};

/* What the parser found, in words: a name or string quoted, punctuation as is. */
static const char *describe(ps_ctx *c, const token *t, int kind) {
  const char *text = c->s->files.v[c->file]->text + t->off;
  switch (kind) {
  case LX_EOF: return "end of input";
  case TK_NL: return "end of line";
  case TK_STRING:
    return arena_printf(c->s->a, "string %.*s%s", t->len > 30 ? 30 : (int)t->len, text,
                        t->len > 30 ? "...\"" : "");
  case TK_COMMA:
  case TK_ACOMMA: return "','";
  default: return arena_printf(c->s->a, "'%.*s'", t->len > 40 ? 40 : (int)t->len, text);
  }
}

void ps_report_syntax(ps_ctx *c, int kind, const token *t, const int *expected, int n) {
  c->syntax_errors++;
  ir_range r = ps_range(c, t);
  if (kind == LX_EOF) r.len = 0;
  char buf[512];
  size_t o = 0;
  buf[0] = 0;
  /* Where any value may stand, say so instead of listing every token. */
  bool value = false, str = false, num = false, list = false;
  for (int i = 0; i < n; i++) {
    str |= expected[i] == TK_STRING;
    num |= expected[i] == TK_NUMBER;
    list |= expected[i] == TK_LBRACKET;
  }
  value = str && num && list;
  int kept[64], nk = 0;
  for (int i = 0; i < n && nk < 64; i++) {
    int e = expected[i];
    if (value && (e == TK_STRING || e == TK_NUMBER || e == TK_LBRACKET || e == TK_DURATION ||
                  e == TK_RATE || e == TK_STAR || e == TK_ID || e == TK_LBRACE || e == TK_ANNOT))
      continue;
    kept[nk++] = e;
  }
  if (value) {
    o += (size_t)snprintf(buf, sizeof buf, "a value (a string, number, name, list or object)");
    if (nk) o += (size_t)snprintf(buf + o, sizeof buf - o, ", ");
  }
  expected = kept;
  n = nk;
  /* Long lists say little; name the first few. */
  int shown = n > 10 ? 8 : n;
  for (int i = 0; i < shown && o < sizeof buf - 64; i++) {
    const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", sep, lx_token_name(expected[i]));
  }
  if (shown < n) snprintf(buf + o, sizeof buf - o, " or %d other tokens", n - shown);
  diag *g;
  bool closes = false;
  for (int i = 0; i < n; i++)
    if (expected[i] == TK_RBRACE) closes = true;
  if (kind == LX_EOF && closes) {
    /* the most likely fix first: the file ends inside a block */
    g = diag_add(c->d, DIAG_E0001, r, "unexpected end of input; a '}' is missing");
    diag_label(c->d, g, "the file ends inside a { } block");
    return;
  }
  if (n || value)
    g = diag_add(c->d, DIAG_E0001, r, "unexpected %s; expected %s", describe(c, t, kind), buf);
  else
    g = diag_add(c->d, DIAG_E0001, r, "unexpected %s", describe(c, t, kind));
  /* A misspelt declaration keyword is the common case at top level. */
  bool keyword_expected = false;
  for (int i = 0; i < n; i++)
    if (expected[i] == TK_ENTITY) keyword_expected = true;
  if (kind == TK_ID && keyword_expected) {
    const char *name = ps_name(c, t);
    const char *best =
        sema_suggest(name, top_keywords, (int)(sizeof top_keywords / sizeof *top_keywords));
    if (best) diag_label(c->d, g, "did you mean '%s'?", best);
  }
  if (kind == LX_EOF && n == 1 && expected[0] == TK_RBRACE)
    diag_label(c->d, g, "a '}' is missing before the end of the file");
}

static ir_plan *parse(ir_schema *s, diag_list *d, uint32_t file, bool plan) {
  lexer L;
  lx_init(&L, s, d, file);
  ps_ctx c;
  memset(&c, 0, sizeof c);
  c.s = s;
  c.d = d;
  c.L = &L;
  c.file = file;
  void *p = inspireParseAlloc(malloc, &c);
  token t;
  memset(&t, 0, sizeof t);
  if (plan) { /* the synthetic first token selects the plan language */
    inspireParse(p, TK_START_PLAN, t);
  }
  for (;;) {
    int k = lx_next_token(&L, &t);
    if (k == LX_EOF) break;
    c.last = t;
    inspireParse(p, k, t);
    /* After a stack overflow the parser has emptied itself; what follows
    ** would only produce noise. */
    if (c.overflow) break;
  }
  /* Input cut short by the nesting limit is not "incomplete": the limit
  ** was reported, so the parser is not asked to finish. */
  if (!L.too_deep) {
    inspireParse(p, 0, t);
  }
  inspireParseFree(p, free);
  return c.plan;
}

void fe_parse_file(ir_schema *s, diag_list *d, uint32_t file) {
  parse(s, d, file, false);
}

ir_plan *fe_parse_plan(ir_schema *s, diag_list *d, uint32_t file) {
  ir_plan *p = parse(s, d, file, true);
  if (p) plan_comments(s, p);
  return p;
}
