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

/* One run of the parser over bytes [from, to) of a file; to is the file's
** end or a byte the caller has made NUL for the time being. */
typedef struct ps_pass {
  lexer L;
  ps_ctx c;
  void *parser;
  token t;         /* the last token read */
  int first;       /* the kind of the first token read; LX_EOF when none */
  bool fast;       /* entities of the common shape are built without the parser */
  ps_tokens ahead; /* such an entity's tokens, read ahead */
  ps_decl_memo at_decl;
} ps_pass;

bool inspire_at_declaration(void *parser, ps_decl_memo *m);
bool inspire_boundary(void *parser, int tok);

/* Whether entities may skip the parser: INSPIREC_FASTPATH=off says no, for
** comparing both ways (tests/fastpath.sh, the schema fuzzer). */
static bool fastpath_wanted(void) {
  const char *env = getenv("INSPIREC_FASTPATH");
  return !(env && strcmp(env, "off") == 0);
}

static void pass_begin(ps_pass *r, ir_schema *s, diag_list *d, uint32_t file, uint32_t from,
                       uint32_t to) {
  lx_init(&r->L, s, d, file);
  if (from) r->L.cur = r->L.src + from;
  r->L.end = r->L.src + to;
  memset(&r->c, 0, sizeof r->c);
  r->c.s = s;
  r->c.d = d;
  r->c.L = &r->L;
  r->c.file = file;
  r->parser = inspireParseAlloc(malloc, &r->c);
  memset(&r->t, 0, sizeof r->t);
  r->first = -1;
  r->fast = fastpath_wanted();
  r->at_decl.top = -1;
}

/* The declaration that `entity` (*t, just read) starts, built without the
** parser when it has the common shape (fastpath.c).  Its tokens, and the
** one after it, are read ahead.  The parser reduces a declaration only once
** it sees the token after it, and drops it when that token is an error; so
** the entity is built here only when that token could start the next
** declaration (or end the file), where the parser would have built it too.
** When the tokens raise a diagnostic, do not close at the top level, do not
** have the shape or are followed by anything else, the lexer, the
** diagnostics and the builders' state are put back as they were after
** `entity`, and the parser reads the tokens one by one as always.
** Otherwise the members were built meanwhile; the parser gets FAST_DECL in
** the entity's place (so that what came before is reduced first, as
** `entity` would have it), the entity is made, and *k and *t become the
** token after it. */
static bool fast_entity(ps_pass *r, int *k, token *t) {
  if (!inspire_at_declaration(r->parser, &r->at_decl)) return false;
  lexer *L = &r->L;
  diag_list *d = r->c.d;
  lexer lexer_was = *L;
  diag_list diags_were = *d;
  ps_tokens *b = &r->ahead;
  b->n = 1;
  b->kind[0] = TK_ENTITY;
  b->tok[0] = *t;
  token next;
  for (;;) {
    int kn = lx_next_token(L, &next);
    if (kn == LX_EOF || b->n == PS_FAST_MAX || (b->n == 1 && kn != TK_ID) ||
        (b->n == 2 && kn != TK_LBRACE))
      goto refuse;
    b->kind[b->n] = (uint8_t)kn;
    b->tok[b->n++] = next;
    if (kn == TK_RBRACE && L->depth == 0) break;
  }
  int after = lx_next_token(L, &next);
  /* `entity` was just found to start a declaration on this very stack */
  bool follows = after == TK_ENTITY || inspire_boundary(r->parser, after);
  if (!follows || diag_found(d) != diag_found(&diags_were)) goto refuse;
  ps_ctx builders_were;
  ps_save(&r->c, &builders_were);
  ps_list *members = NULL;
  if (!ps_fast_members(&r->c, b, &members)) {
    ps_restore(&r->c, &builders_were);
    goto refuse;
  }
  r->c.last = *t;
  if (diag_found(d) == diag_found(&diags_were)) {
    inspireParse(r->parser, TK_FAST_DECL, *t);
  } else {
    /* The builders' diagnostics come after those of what FAST_DECL reduces,
    ** as they would from the parser: rare enough to build again for. */
    ps_restore(&r->c, &builders_were);
    *d = diags_were;
    inspireParse(r->parser, TK_FAST_DECL, *t);
    ps_fast_members(&r->c, b, &members);
  }
  ps_fast_entity(&r->c, b, members);
  r->c.s->entities_fast++;
  *k = after;
  *t = next;
  return true;
refuse:
  *L = lexer_was;
  *d = diags_were;
  return false;
}

static void pass_tokens(ps_pass *r) {
  lexer *L = &r->L;
  void *p = r->parser;
  token t;
  int k = lx_next_token(L, &t);
  r->first = k;
  while (k != LX_EOF) {
    if (k == TK_ENTITY && r->fast && L->depth == 0 && fast_entity(r, &k, &t)) continue;
    r->c.last = t;
    inspireParse(p, k, t);
    /* After a stack overflow the parser has emptied itself; what follows
    ** would only produce noise. */
    if (r->c.overflow) break;
    k = lx_next_token(L, &t);
  }
  r->t = t;
}

static ir_plan *pass_end(ps_pass *r) {
  /* Input cut short by the nesting limit is not "incomplete": the limit
  ** was reported, so the parser is not asked to finish. */
  if (!r->L.too_deep) inspireParse(r->parser, 0, r->t);
  inspireParseFree(r->parser, free);
  return r->c.plan;
}

static ir_plan *parse(ir_schema *s, diag_list *d, uint32_t file, bool plan) {
  ps_pass r;
  pass_begin(&r, s, d, file, 0, (uint32_t)s->files.v[file]->len);
  if (plan) { /* the synthetic first token selects the plan language */
    inspireParse(r.parser, TK_START_PLAN, r.t);
  }
  pass_tokens(&r);
  return pass_end(&r);
}

void fe_parse_file(ir_schema *s, diag_list *d, uint32_t file) {
  parse(s, d, file, false);
}

ir_plan *fe_parse_plan(ir_schema *s, diag_list *d, uint32_t file) {
  ir_plan *p = parse(s, d, file, true);
  if (p) plan_comments(s, p);
  return p;
}

/* ---- two threads ----------------------------------------------------------
**
** A big schema is parsed in two halves at once, one per core: the first
** files and the head of the file the middle falls in on this thread, the
** rest on another.  Each half builds its own declaration lists (and the
** second its own arena); names are interned into the one shared table.
** The cut is made at a line end, and the halves are kept only when they
** provably give what one pass gives: neither half has any diagnostic, the
** first ends outside any bracket or pending `///` block, and the parser at
** the cut would reduce to the bare declaration list before reading on
** (inspire_boundary).  Otherwise, and for any input with a diagnostic, the
** halves are dropped and the files parsed again in one pass, so messages
** and their order are those of one pass.  docs/performance.md tells why. */

typedef struct ps_half {
  ir_schema s; /* its own declaration lists; files and names shared */
  diag_list d;
  arena own;                   /* the second half's */
  uint32_t from_file, to_file; /* files [from_file, to_file] */
  uint32_t cut;                /* in the file split: the NUL byte; 0 for none */
  bool mid;                    /* whether the cut file is split */
  int first;                   /* the second half's first token in the cut file */
  ps_pass held;                /* the first half's pass of the cut file, not ended */
} ps_half;

static void half_init(ps_half *h, ir_schema *s, arena *a) {
  memset(&h->s, 0, sizeof h->s);
  h->s.a = a;
  h->s.names = s->names;
  h->s.files = s->files;
  diag_init(&h->d, a);
}

/* The second half: the cut file after the cut, then the files after it. */
static void *second_half(void *arg) {
  ps_half *h = arg;
  for (uint32_t f = h->from_file; f <= h->to_file; f++) {
    ps_pass r;
    uint32_t from = f == h->from_file && h->mid ? h->cut + 1 : 0;
    pass_begin(&r, &h->s, &h->d, f, from, (uint32_t)h->s.files.v[f]->len);
    pass_tokens(&r);
    if (f == h->from_file) h->first = r.first;
    pass_end(&r);
  }
  return NULL;
}

#define APPEND(to, from, list)                                                                     \
  for (int i_ = 0; i_ < (from)->list.n; i_++)                                                      \
  vec_push((to)->a, (to)->list, (from)->list.v[i_])

static void take_declarations(ir_schema *to, const ir_schema *from) {
  to->entities_fast += from->entities_fast;
  APPEND(to, from, entities);
  APPEND(to, from, enums);
  APPEND(to, from, types);
  APPEND(to, from, validations);
  APPEND(to, from, raw_decls);
}

/* Files [0, n) parsed in two halves cut at file `file`, byte `cut` (a line
** end, \n or the \r of \r\n; 0 to cut before the file).  Returns whether the
** halves were kept; when not, nothing of them is in s and d, and the caller
** parses in one pass. */
bool fe_parse_halves(ir_schema *s, uint32_t n, uint32_t file, uint32_t cut) {
  if (file >= n || (cut == 0 && file == 0)) return false;
  ir_file *cf = s->files.v[file];
  bool mid = cut > 0;
  /* The byte cut is nobody's: a \n, or the \r of a \r\n (a lone \r is an error). */
  if (mid && (cut >= cf->len ||
              !(cf->text[cut] == '\n' || (cf->text[cut] == '\r' && cf->text[cut + 1] == '\n'))))
    return false;
  ps_half one, two;
  half_init(&one, s, s->a);
  arena_init_large(&two.own);
  half_init(&two, s, &two.own);
  two.from_file = file;
  two.to_file = n - 1;
  two.cut = cut;
  two.mid = mid;
  two.first = LX_EOF;
  strtab_share(s->names);
  char cut_byte = cf->text[cut];
  if (mid) ((char *)cf->text)[cut] = 0; /* the first half's end of input */
  ir_task task;
  ir_task_start(&task, second_half, &two, true);
  for (uint32_t f = 0; f < file; f++)
    fe_parse_file(&one.s, &one.d, f);
  if (mid) {
    pass_begin(&one.held, &one.s, &one.d, file, 0, cut);
    pass_tokens(&one.held);
  }
  ir_task_wait(&task);
  if (mid) ((char *)cf->text)[cut] = cut_byte;
  strtab_unshare(s->names);
  bool kept = one.d.items.n == 0 && two.d.items.n == 0;
  if (mid) {
    lexer *L = &one.held.L;
    kept = kept && L->depth == 0 && !L->has_doc && !L->in_actions &&
           inspire_boundary(one.held.parser, two.first);
    pass_end(&one.held);
    kept = kept && one.d.items.n == 0;
  }
  if (kept) {
    take_declarations(s, &one.s);
    take_declarations(s, &two.s);
    arena_adopt(s->a, &two.own);
  } else {
    arena_free(&two.own);
  }
  return kept;
}

/* Below this many bytes a second thread costs more than it saves. */
#define PS_HALVES_MIN (192u * 1024)

/* Where to cut files [0, n), of `total` bytes: near the middle, at the line
** end after a `}` that starts a line (the end of a declaration, as a rule),
** or before a file.  Returns false when there is no such place. */
static bool choose_cut(const ir_schema *s, uint32_t n, size_t total, uint32_t *file,
                       uint32_t *cut) {
  size_t mid = total / 2, seen = 0;
  for (uint32_t f = 0; f < n; f++) {
    const ir_file *x = s->files.v[f];
    if (seen + x->len <= mid) {
      seen += x->len;
      continue;
    }
    const char *t = x->text;
    for (size_t i = mid - seen; i + 2 < x->len; i++) {
      if (t[i] == '\n' && t[i + 1] == '}' &&
          (t[i + 2] == '\n' || (t[i + 2] == '\r' && t[i + 3] == '\n'))) {
        *file = f;
        *cut = (uint32_t)(i + 2);
        return true;
      }
    }
    if (f + 1 < n) { /* none after the middle: before the next file */
      *file = f + 1;
      *cut = 0;
      return true;
    }
    if (f > 0) {
      *file = f;
      *cut = 0;
      return true;
    }
    return false;
  }
  return false;
}

bool fe_parse_files(ir_schema *s, diag_list *d, uint32_t n) {
  size_t total = 0;
  for (uint32_t f = 0; f < n; f++)
    total += s->files.v[f]->len;
  /* about a name in 140 bytes of the bench workloads; one in 128 leaves room */
  if (total >= PS_HALVES_MIN) strtab_reserve(s->names, (uint32_t)(total / 128));
  uint32_t file, cut;
  if (total >= PS_HALVES_MIN && ir_threads_wanted() && choose_cut(s, n, total, &file, &cut) &&
      fe_parse_halves(s, n, file, cut))
    return true;
  for (uint32_t f = 0; f < n; f++)
    fe_parse_file(s, d, f);
  return false;
}
