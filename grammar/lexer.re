/*
** lexer.re: Inspire source bytes to tokens (re2c).
**
** Two layers.  lx_raw() matches one token at the cursor and knows nothing of
** context; it reports lexical errors and skips the bad bytes, so the parser
** always sees a clean stream.  lx_next() decides which newlines separate
** members (language.md section 1) and hands lemon's codes to the parser.
**
** The buffer is NUL-terminated (sentinel method): a NUL before the end is a
** diagnostic, the one at the end is end of input.
*/
#include "frontend.h"
#include "inspire.h"

#include <stdarg.h>
#include <string.h>

static void lx_error(lexer *L, diag_code code, const unsigned char *at, uint32_t len,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void lx_error(lexer *L, diag_code code, const unsigned char *at, uint32_t len,
                     const char *fmt, ...) {
  if (L->quiet) return;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ir_range r = ir_range_in(L->file, (uint32_t)(at - L->src), len);
  diag_add(L->diags, code, r, "%s", buf);
}

/* Length of the valid UTF-8 sequence at p (never past end), or 0. */
static int utf8_len(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
  unsigned c = p[0];
  int n;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (end - p < n) return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

/* Check the bytes of a comment: UTF-8, NUL, lone CR. */
static void check_text(lexer *L, const unsigned char *p, const unsigned char *end) {
  while (p < end) {
    uint32_t cp;
    if (*p == 0) {
      lx_error(L, DIAG_E0102, p, 1, "NUL byte in a comment; remove it");
      p++;
    } else if (*p < 0x80) {
      p++;
    } else {
      int n = utf8_len(p, L->end, &cp);
      if (!n) {
        lx_error(L, DIAG_E0101, p, 1, "invalid UTF-8 byte 0x%02X; save the file as UTF-8", *p);
        p++;
      } else {
        p += n;
      }
    }
  }
}

/* Returns false when the input ends before the comment does. */
static bool scan_block_comment(lexer *L) {
  const unsigned char *p = L->cur;
  for (;;) {
    if (p >= L->end) {
      L->cur = p;
      return false;
    }
    if (p[0] == '*' && p[1] == '/') {
      L->cur = p + 2;
      return true;
    }
    if (p[0] == '\r' && p[1] != '\n') {
      lx_error(L, DIAG_E0103, p, 1, "carriage return without line feed; use \\n or \\r\\n line ends");
    } else if (p[0] == 0) {
      lx_error(L, DIAG_E0102, p, 1, "NUL byte in a comment; remove it");
    } else if (p[0] >= 0x80) {
      uint32_t cp;
      int n = utf8_len(p, L->end, &cp);
      if (!n) {
        lx_error(L, DIAG_E0101, p, 1, "invalid UTF-8 byte 0x%02X; save the file as UTF-8", *p);
      } else {
        p += n;
        continue;
      }
    }
    p++;
  }
}

/* After the opening quote.  Stops before a newline: a string never spans
** lines, and the newline still separates members. */
static void scan_string(lexer *L, const unsigned char *start) {
  const unsigned char *p = L->cur;
  for (;;) {
    unsigned c = *p;
    if (c == '"') {
      p++;
      break;
    }
    if (c == '\n' || c == '\r' || (c == 0 && p >= L->end)) {
      if (!L->quiet) {
        ir_range r = ir_range_in(L->file, (uint32_t)(start - L->src), 1);
        diag *g = diag_add(L->diags, DIAG_E0105, r,
                           "unterminated string; close it with '\"' on the same line");
        diag_label(L->diags, g, "string starts here");
      }
      break;
    }
    if (c == 0) {
      lx_error(L, DIAG_E0102, p, 1, "NUL byte in a string; remove it (no database keeps NUL in text)");
      p++;
      continue;
    }
    if (c == '\\') {
      unsigned e = p[1];
      if (e == '"' || e == '\\' || e == 'n' || e == 't' || e == 'r') {
        p += 2;
        continue;
      }
      if (e == 'u' && p[2] == '{') {
        const unsigned char *q = p + 3;
        uint32_t v = 0;
        int digits = 0;
        while (digits < 7 && ((*q >= '0' && *q <= '9') || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f'))) {
          v = v * 16 + (uint32_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
          q++, digits++;
        }
        if (*q == '}' && digits >= 1 && digits <= 6 && v == 0) {
          lx_error(L, DIAG_E0106, p, (uint32_t)(q - p + 1),
                   "\\u{0} is NUL, which no database keeps in text; remove it");
          p = q + 1;
          continue;
        }
        if (*q == '}' && digits >= 1 && digits <= 6 && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
          p = q + 1;
          continue;
        }
        lx_error(L, DIAG_E0106, p, (uint32_t)(q - p + (*q == '}')),
                 "invalid \\u escape; write \\u{XXXX} with 1 to 6 hex digits naming a Unicode "
                 "scalar value");
        p = *q == '}' ? q + 1 : q;
        continue;
      }
      lx_error(L, DIAG_E0106, p, e >= 0x20 && e < 0x7f ? 2 : 1,
               "invalid escape; use \\\" \\\\ \\n \\t \\r or \\u{XXXX}");
      p += (e >= 0x20 && e < 0x7f) ? 2 : 1;
      continue;
    }
    if (c >= 0x80) {
      uint32_t cp;
      int n = utf8_len(p, L->end, &cp);
      if (!n) {
        lx_error(L, DIAG_E0101, p, 1, "invalid UTF-8 byte 0x%02X in a string; save the file as UTF-8", c);
        p++;
      } else {
        p += n;
      }
      continue;
    }
    p++;
  }
  L->cur = p;
}

/* One raw token.  Returns a TK_ code, LX_NEWLINE, LX_SKIP (comment) or LX_EOF. */
static inline __attribute__((always_inline)) int lx_raw(lexer *L, token *t) {
  const unsigned char *mark = NULL;
  const unsigned char *start, *cur; /* a local cursor: the automaton keeps it in a register */
  (void)mark;
loop:
  start = cur = L->cur;
  t->off = (uint32_t)(start - L->src);
#define TOK(k) (t->len = (uint32_t)(L->cur - start), (k))
  /*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "cur";
    re2c:define:YYMARKER = "mark";
    re2c:yyfill:enable = 0;

    id       = [A-Za-z_][A-Za-z0-9_]*;
    digits   = [0-9]+;
    number   = "-"? digits ("." digits)? ([eE] [+-]? digits)?;
    unit     = "ms" | "s" | "m" | "h" | "d" | "w";
    duration = (digits unit)+;
    rate     = digits "/" [A-Za-z]+;
    badnum   = "-"? [0-9] [0-9A-Za-z_.]*;
    path     = "/" [A-Za-z0-9_:.{}~+%/-]*;

    "\x00" { L->cur = cur;
      if (start >= L->end) { L->cur = start; return TOK(LX_EOF); }
      lx_error(L, DIAG_E0102, start, 1, "NUL byte in source; remove it");
      goto loop;
    }
    [ \t\f\v]+        { L->cur = cur; goto loop; }
    "\r\n" | "\n"     { L->cur = cur; return TOK(LX_NEWLINE); }
    "\r" { L->cur = cur;
      lx_error(L, DIAG_E0103, start, 1, "carriage return without line feed; use \\n or \\r\\n line ends");
      /* Read on as if it ended the line; line numbers count \n only (src_line_col). */
      t->len = 1;
      return LX_NEWLINE;
    }
    "///" [^\n\r\x00]* { L->cur = cur;
      if (!L->has_doc) { L->has_doc = true; L->doc_off = t->off; }
      L->doc_len = (uint32_t)(L->cur - L->src) - L->doc_off;
      check_text(L, start, L->cur);
      return TOK(LX_SKIP);
    }
    "//" [^\n\r\x00]*  { L->cur = cur; check_text(L, start, L->cur); return TOK(LX_SKIP); }
    "/*" { L->cur = cur;
      if (!scan_block_comment(L)) {
        /* Point at the opening, where the user has to look. */
        if (!L->quiet) {
          ir_range r = ir_range_in(L->file, t->off, 2);
          diag *g = diag_add(L->diags, DIAG_E0104, r, "unterminated block comment; close it with '*/'");
          diag_label(L->diags, g, "comment starts here");
        }
      }
      return TOK(LX_SKIP);
    }
    ["] { L->cur = cur; scan_string(L, start); return TOK(TK_STRING); }
    "@" id { L->cur = cur;
      size_t n = (size_t)(L->cur - start);
      if (n == 6 && memcmp(start, "@grant", 6) == 0) return TOK(TK_GRANT);
      if (n == 5 && memcmp(start, "@deny", 5) == 0) return TOK(TK_DENY);
      return TOK(TK_ANNOT);
    }
    /* keywords: matched by the automaton itself; every other word is TK_ID */
    "entity"        { L->cur = cur; return TOK(TK_ENTITY); }
    "enum"          { L->cur = cur; return TOK(TK_ENUM); }
    "type"          { L->cur = cur; return TOK(TK_TYPE); }
    "auth"          { L->cur = cur; return TOK(TK_AUTH); }
    "namespace"     { L->cur = cur; return TOK(TK_NAMESPACE); }
    "routes"        { L->cur = cur; return TOK(TK_ROUTES); }
    "apiKeys"       { L->cur = cur; return TOK(TK_APIKEYS); }
    "schedule"      { L->cur = cur; return TOK(TK_SCHEDULE); }
    "payments"      { L->cur = cur; return TOK(TK_PAYMENTS); }
    "integrations"  { L->cur = cur; return TOK(TK_INTEGRATIONS); }
    "network"       { L->cur = cur; return TOK(TK_NETWORK); }
    "email"         { L->cur = cur; return TOK(TK_EMAIL); }
    "where"         { L->cur = cur; return TOK(TK_WHERE); }
    "via"           { L->cur = cur; return TOK(TK_VIA); }
    "to"            { L->cur = cur; return TOK(TK_TO); }
    "on"            { L->cur = cur; return TOK(TK_ON); }
    "migration"     { L->cur = cur; return TOK(TK_MIGRATION); }
    "add"           { L->cur = cur; return TOK(TK_ADD); }
    "drop"          { L->cur = cur; return TOK(TK_DROP); }
    "rename"        { L->cur = cur; return TOK(TK_RENAME); }
    "alter"         { L->cur = cur; return TOK(TK_ALTER); }
    "create"        { L->cur = cur; return TOK(TK_CREATE); }
    "value"         { L->cur = cur; return TOK(TK_VALUE); }
    "index"         { L->cur = cur; return TOK(TK_INDEX); }
    "unique"        { L->cur = cur; return TOK(TK_UNIQUE); }
    "primaryKey"    { L->cur = cur; return TOK(TK_PRIMARYKEY); }
    "backfill"      { L->cur = cur; return TOK(TK_BACKFILL); }
    "sql"           { L->cur = cur; return TOK(TK_SQL); }
    "before"        { L->cur = cur; return TOK(TK_BEFORE); }
    "after"         { L->cur = cur; return TOK(TK_AFTER); }
    "is"            { L->cur = cur; return TOK(TK_IS); }
    "null"          { L->cur = cur; return TOK(TK_NULL); }
    "batch"         { L->cur = cur; return TOK(TK_BATCH); }
    id        { L->cur = cur; return TOK(TK_ID); }
    duration  { L->cur = cur; return TOK(TK_DURATION); }
    number    { L->cur = cur; return TOK(TK_NUMBER); }
    rate      { L->cur = cur; return TOK(TK_RATE); }
    badnum { L->cur = cur;
      lx_error(L, DIAG_E0107, start, (uint32_t)(L->cur - start),
               "malformed number '%.*s'; numbers look like 12, -3, 1.5 or 1e6, durations like 30s "
               "or 1h30m (units ms s m h d w), rates like 100/minute",
               (int)(L->cur - start > 40 ? 40 : L->cur - start), (const char *)start);
      return TOK(TK_NUMBER);
    }
    path      { L->cur = cur; return TOK(TK_PATH); }
    "->"      { L->cur = cur; return TOK(TK_ARROW); }
    "=="      { L->cur = cur; return TOK(TK_EQEQ); }
    "!="      { L->cur = cur; return TOK(TK_NEQ); }
    "<="      { L->cur = cur; return TOK(TK_LE); }
    ">="      { L->cur = cur; return TOK(TK_GE); }
    "&&"      { L->cur = cur; return TOK(TK_ANDAND); }
    "||"      { L->cur = cur; return TOK(TK_OROR); }
    "<"       { L->cur = cur; return TOK(TK_LT); }
    ">"       { L->cur = cur; return TOK(TK_GT); }
    "!"       { L->cur = cur; return TOK(TK_BANG); }
    "&"       { L->cur = cur; return TOK(TK_AMP); }
    "|"       { L->cur = cur; return TOK(TK_PIPE); }
    "="       { L->cur = cur; return TOK(TK_EQ); }
    "?"       { L->cur = cur; return TOK(TK_QUESTION); }
    "*"       { L->cur = cur; return TOK(TK_STAR); }
    "."       { L->cur = cur; return TOK(TK_DOT); }
    ","       { L->cur = cur; return TOK(TK_COMMA); }
    ":"       { L->cur = cur; return TOK(TK_COLON); }
    "("       { L->cur = cur; return TOK(TK_LPAREN); }
    ")"       { L->cur = cur; return TOK(TK_RPAREN); }
    "{"       { L->cur = cur; return TOK(TK_LBRACE); }
    "}"       { L->cur = cur; return TOK(TK_RBRACE); }
    "["       { L->cur = cur; return TOK(TK_LBRACKET); }
    "]"       { L->cur = cur; return TOK(TK_RBRACKET); }
    [\x80-\xff] { L->cur = cur;
      uint32_t cp;
      int n = utf8_len(start, L->end, &cp);
      if (!n) {
        lx_error(L, DIAG_E0101, start, 1, "invalid UTF-8 byte 0x%02X; save the file as UTF-8", *start);
      } else {
        L->cur = start + n;
        lx_error(L, DIAG_E0108, start, (uint32_t)n,
                 "unexpected character U+%04X; names are ASCII letters, digits and '_', and "
                 "other text belongs in a string",
                 cp);
      }
      goto loop;
    }
    * { L->cur = cur;
      if (*start == '#') {
        /* Comments from other languages: report once, skip the line. */
        lx_error(L, DIAG_E0108, start, 1, "unexpected character '#'; comments start with //");
        while (*L->cur && *L->cur != '\n' && *L->cur != '\r') L->cur++;
        return TOK(LX_SKIP);
      }
      if (*start == '@')
        lx_error(L, DIAG_E0108, start, 1, "'@' must be followed by an annotation name");
      else if (*start >= 0x20 && *start < 0x7f)
        lx_error(L, DIAG_E0108, start, 1, "unexpected character '%c'", *start);
      else
        lx_error(L, DIAG_E0108, start, 1, "unexpected control character 0x%02X", *start);
      goto loop;
    }
  */
#undef TOK
}

void lx_init(lexer *L, ir_schema *s, diag_list *d, uint32_t file) {
  memset(L, 0, sizeof *L);
  ir_file *f = s->files.v[file];
  L->src = (const unsigned char *)f->text;
  L->end = L->src + f->len;
  L->cur = L->src;
  L->file = file;
  L->diags = d;
  L->schema = s;
  /* A byte-order mark is not content, but columns still count its bytes. */
  if (f->len >= 3 && memcmp(L->src, "\xEF\xBB\xBF", 3) == 0) L->cur += 3;
}

/* peek's own copy of the automaton: lx_raw is inlined where tokens are read. */
static __attribute__((noinline)) int lx_raw_peek(lexer *L, token *t) {
  return lx_raw(L, t);
}

/* The next significant token kinds, without consuming anything. */
static int peek(lexer *L, int *second) {
  lexer save = *L;
  L->quiet = true;
  token t;
  int k;
  do k = lx_raw_peek(L, &t);
  while (k == LX_NEWLINE || k == LX_SKIP);
  if (second) {
    int k2;
    do k2 = lx_raw_peek(L, &t);
    while (k2 == LX_SKIP);
    *second = k2;
  }
  *L = save;
  return k;
}

static bool ends_line_open(int prev) {
  switch (prev) {
  case 0: case TK_NL: case TK_LBRACE: case TK_COMMA: case TK_ACOMMA: case TK_COLON:
  case TK_EQ: case TK_ARROW: case TK_PIPE: case TK_AMP: case TK_LPAREN: case TK_LBRACKET:
  case TK_OROR: case TK_ANDAND: case TK_EQEQ: case TK_NEQ: case TK_LT: case TK_LE: case TK_GT:
  case TK_GE: case TK_BANG: case TK_DOT: case TK_GRANT: case TK_DENY:
    return true;
  default:
    return false;
  }
}

/* language.md 1: a member continues on the next line when that line starts
** with where/via/to/on, | & -> . = ) ], or when this line ends open.  A line
** starting `to:` (a field named `to`) starts a member. */
static bool newline_separates(lexer *L) {
  if (L->depth == 0 || L->brackets[L->depth - 1] != '{') return false;
  if (ends_line_open(L->prev)) return false;
  int second = 0;
  int next = peek(L, &second);
  switch (next) {
  case TK_WHERE: case TK_VIA: case TK_TO: case TK_ON:
    return second == TK_COLON;
  case TK_PIPE: case TK_AMP: case TK_ARROW: case TK_DOT: case TK_EQ: case TK_RPAREN:
  case TK_RBRACKET: case TK_OROR: case TK_ANDAND: case TK_EQEQ: case TK_NEQ:
    return false;
  default:
    return true;
  }
}

static bool push_bracket(lexer *L, char c, const token *t) {
  if (L->depth >= LX_MAX_DEPTH) {
    if (!L->too_deep) {
      ir_range r = ir_range_in(L->file, t->off, t->len);
      diag_add(L->diags, DIAG_E0002, r,
               "brackets nested more than %d deep; flatten the structure", LX_MAX_DEPTH);
    }
    L->too_deep = true;
    return false;
  }
  if (L->depth == L->cap) {
    int ncap = L->cap ? L->cap * 2 : 32;
    char *nb = arena_alloc(L->schema->a, (size_t)ncap);
    if (L->depth) memcpy(nb, L->brackets, (size_t)L->depth);
    L->brackets = nb;
    L->cap = ncap;
  }
  L->brackets[L->depth++] = c;
  return true;
}

/* From the newest back: the builders ask for a token of the declaration being
** reduced, so the search stops within its own members. */
const lx_doc_entry *lx_doc(const lexer *L, uint32_t token_off) {
  for (int i = L->docs.n - 1; i >= 0; i--) {
    uint32_t o = L->docs.v[i].token_off;
    if (o <= token_off) return o == token_off ? &L->docs.v[i] : NULL;
  }
  return NULL;
}

/* lx_next's body, inlined into parse.c's loop, which includes this file. */
static inline __attribute__((always_inline)) int lx_next_token(lexer *L, token *t) {
  for (;;) {
    int k = lx_raw(L, t);
    if (k == LX_SKIP) continue;
    if (k == LX_NEWLINE) {
      if (!newline_separates(L)) continue;
      k = TK_NL;
    }
    switch (k) {
    case TK_LPAREN:
      if (!push_bracket(L, '(', t)) return LX_EOF;
      break;
    case TK_LBRACKET:
      if (!push_bracket(L, '[', t)) return LX_EOF;
      break;
    case TK_LBRACE:
      if (!push_bracket(L, '{', t)) return LX_EOF;
      break;
    case TK_RPAREN: case TK_RBRACKET: case TK_RBRACE:
      if (L->depth > 0) L->depth--;
      break;
    default:
      break;
    }
    /* Inside `@grant read, write`, a comma followed by another action is part
    ** of the policy, not a member separator. */
    if (L->in_actions) {
      if (k == TK_COMMA) {
        int second = 0;
        int next = peek(L, &second);
        if ((next == TK_ID || next == TK_STAR) && second != TK_COLON) k = TK_ACOMMA;
      }
      if (k != TK_ID && k != TK_STAR && k != TK_ACOMMA) L->in_actions = false;
    }
    if (k == TK_GRANT || k == TK_DENY) L->in_actions = true;
    if (L->has_doc && k != TK_NL) {
      if (k == TK_RBRACE || k == LX_EOF) {
        if (!L->quiet) {
          ir_range r = ir_range_in(L->file, L->doc_off, 3);
          diag_add(L->diags, DIAG_W0903, r,
                   "this doc comment documents nothing; put it right before a declaration or "
                   "member, or use '//'");
        }
      } else {
        lx_doc_entry e = {t->off, L->doc_off, L->doc_len};
        vec_push(L->schema->a, L->docs, e);
      }
      L->has_doc = false;
    }
    L->prev = k;
    return k;
  }
}

int lx_next(lexer *L, token *t) {
  return lx_next_token(L, t);
}

const char *lx_token_name(int kind) {
  switch (kind) {
  case LX_EOF: return "end of input";
  case TK_ID: return "a name";
  case TK_ENTITY: return "'entity'";
  case TK_ENUM: return "'enum'";
  case TK_TYPE: return "'type'";
  case TK_AUTH: return "'auth'";
  case TK_NAMESPACE: return "'namespace'";
  case TK_ROUTES: return "'routes'";
  case TK_APIKEYS: return "'apiKeys'";
  case TK_SCHEDULE: return "'schedule'";
  case TK_PAYMENTS: return "'payments'";
  case TK_INTEGRATIONS: return "'integrations'";
  case TK_NETWORK: return "'network'";
  case TK_EMAIL: return "'email'";
  case TK_WHERE: return "'where'";
  case TK_VIA: return "'via'";
  case TK_TO: return "'to'";
  case TK_ON: return "'on'";
  case TK_OROR: return "'||'";
  case TK_ANDAND: return "'&&'";
  case TK_EQEQ: return "'=='";
  case TK_NEQ: return "'!='";
  case TK_LT: return "'<'";
  case TK_LE: return "'<='";
  case TK_GT: return "'>'";
  case TK_GE: return "'>='";
  case TK_BANG: return "'!'";
  case TK_PIPE: return "'|'";
  case TK_AMP: return "'&'";
  case TK_NL: return "a line break";
  case TK_COMMA: return "','";
  case TK_ACOMMA: return "','";
  case TK_LBRACE: return "'{'";
  case TK_RBRACE: return "'}'";
  case TK_ANNOT: return "an annotation";
  case TK_EQ: return "'='";
  case TK_COLON: return "':'";
  case TK_DOT: return "'.'";
  case TK_LPAREN: return "'('";
  case TK_RPAREN: return "')'";
  case TK_STRING: return "a string";
  case TK_LBRACKET: return "'['";
  case TK_RBRACKET: return "']'";
  case TK_QUESTION: return "'?'";
  case TK_GRANT: return "'@grant'";
  case TK_DENY: return "'@deny'";
  case TK_STAR: return "'*'";
  case TK_NUMBER: return "a number";
  case TK_DURATION: return "a duration";
  case TK_RATE: return "a rate";
  case TK_PATH: return "a path";
  case TK_ARROW: return "'->'";
  case TK_MIGRATION: return "'migration'";
  case TK_ADD: return "'add'";
  case TK_DROP: return "'drop'";
  case TK_RENAME: return "'rename'";
  case TK_ALTER: return "'alter'";
  case TK_CREATE: return "'create'";
  case TK_VALUE: return "'value'";
  case TK_INDEX: return "'index'";
  case TK_UNIQUE: return "'unique'";
  case TK_PRIMARYKEY: return "'primaryKey'";
  case TK_BACKFILL: return "'backfill'";
  case TK_SQL: return "'sql'";
  case TK_BEFORE: return "'before'";
  case TK_AFTER: return "'after'";
  case TK_IS: return "'is'";
  case TK_NULL: return "'null'";
  case TK_BATCH: return "'batch'";
  default: return "a token";
  }
}
