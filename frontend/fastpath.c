/*
** fastpath.c: an entity declaration of the common shape, built straight
** from its tokens.
**
** Lemon spends about 125 instructions on each token, a third of a big
** schema's `check`, and nine tokens in ten are in entity bodies of a plain
** shape: fields with a type, annotations and defaults, entity-level
** annotations, and policies with their conditions.  frontend/parse.c reads
** such a declaration ahead whole, and this recognizer builds it as it
** reads, with the very builder calls, in the very order, that the grammar's
** reductions would make (lemon reduces bottom-up, left to right: the
** post-order of the descent below; conditions by precedence climbing,
** which makes the same post-order as the grammar's precedences).  Anything
** else (a block, a pair, a keyword where a name is read, a stray separator)
** is refused: what was built is dropped (parse.c puts the builders' state
** back), and the parser reads the tokens as before.  Building while
** recognizing, rather than recognizing first, saves a walk of the tokens
** that was 6% of a big schema's `check`.  Refusing is always safe; so the
** recognizer accepts a strict subset of grammar/inspire.y, and
** tests/fastpath.sh and the schema fuzzer compare both ways on every input.
*/
#include "frontend.h"
#include "inspire.h"

bool inspire_is_name(int k);

typedef struct fast {
  ps_ctx *c;
  const uint8_t *kinds; /* LX_EOF past the closing brace, twice */
  const token *toks;
  int i; /* the next token */
} fast;

static inline int kind(const fast *f, int at) {
  return f->kinds[at];
}

static inline const token *tok(const fast *f, int at) {
  return &f->toks[at];
}

static bool expect(fast *f, int k) {
  if (kind(f, f->i) != k) return false;
  f->i++;
  return true;
}

static bool value(fast *f, ir_value **out);

/* args ::= . | arglist | arglist COMMA, arglist ::= value | arglist COMMA value,
** up to the closing token, which is left for the caller. */
static bool args(fast *f, int close, ps_list **out) {
  ps_list *l = NULL;
  if (kind(f, f->i) == close) {
    *out = ps_list_new(f->c);
    return true;
  }
  for (;;) {
    ir_value *v = NULL;
    if (!value(f, &v)) return false;
    l = ps_list_push(f->c, l ? l : ps_list_new(f->c), v);
    int k = kind(f, f->i);
    if (k == TK_COMMA) {
      f->i++;
      if (kind(f, f->i) == close) break;
    } else if (k == close) {
      break;
    } else {
      return false;
    }
  }
  *out = l;
  return true;
}

/* ( args ) or [ args ], from the opening token: the index of the closing
** one, or 0 when the tokens have another shape. */
static int enclosed(fast *f, int close, ps_list **out) {
  f->i++;
  if (!args(f, close, out)) return 0;
  int at = f->i;
  return expect(f, close) ? at : 0;
}

/* path ::= ID | path DOT ID */
static bool path(fast *f, ir_value **out) {
  int at = f->i;
  if (!expect(f, TK_ID)) return false;
  ir_value *p = ps_value_path(f->c, tok(f, at));
  while (kind(f, f->i) == TK_DOT) {
    if (kind(f, f->i + 1) != TK_ID) return false;
    f->i += 2;
    ps_path_append(f->c, p, tok(f, f->i - 1));
  }
  *out = p;
  return true;
}

/* A literal, a path, a call or a list. */
static bool value(fast *f, ir_value **out) {
  ps_ctx *c = f->c;
  int at = f->i, k = kind(f, at);
  switch (k) {
  case TK_STRING:
  case TK_NUMBER:
  case TK_DURATION:
  case TK_RATE:
    f->i++;
    *out = ps_value_token(c, k, tok(f, at));
    return true;
  case TK_ID: {
    ir_value *p = NULL;
    if (!path(f, &p)) return false;
    if (kind(f, f->i) == TK_LPAREN) {
      ps_list *l = NULL;
      int close = enclosed(f, TK_RPAREN, &l);
      if (!close) return false;
      int n;
      ir_value **v = (ir_value **)ps_list_take(c, l, &n);
      p = ps_value_call(c, p, v, n, tok(f, close));
    }
    *out = p;
    return true;
  }
  case TK_LBRACKET: {
    ps_list *l = NULL;
    int close = enclosed(f, TK_RBRACKET, &l);
    if (!close) return false;
    int n;
    ir_value **v = (ir_value **)ps_list_take(c, l, &n);
    *out = ps_value_list(c, tok(f, at), v, n, tok(f, close));
    return true;
  }
  default: return false;
  }
}

/* annot ::= ANNOT | ANNOT LPAREN args RPAREN */
static bool annot(fast *f, ir_annot **out) {
  int at = f->i;
  if (!expect(f, TK_ANNOT)) return false;
  if (kind(f, f->i) != TK_LPAREN) {
    *out = ps_annot(f->c, tok(f, at), NULL, NULL);
    return true;
  }
  ps_list *l = NULL;
  int close = enclosed(f, TK_RPAREN, &l);
  if (!close) return false;
  *out = ps_annot(f->c, tok(f, at), l, tok(f, close));
  return true;
}

/* ftype: a name, Entity.field, name(args) or a string, then [] and ? */
static bool ftype(fast *f, ir_typeref **out) {
  ps_ctx *c = f->c;
  int at = f->i;
  ir_typeref *t = NULL;
  if (kind(f, at) == TK_STRING) {
    f->i++;
    t = ps_type_literal(c, tok(f, at));
  } else if (kind(f, at) == TK_ID) {
    f->i++;
    if (kind(f, f->i) == TK_DOT) {
      if (kind(f, f->i + 1) != TK_ID) return false;
      f->i += 2;
      t = ps_type_fk(c, tok(f, at), tok(f, f->i - 1));
    } else if (kind(f, f->i) == TK_LPAREN) {
      ps_list *l = NULL;
      int close = enclosed(f, TK_RPAREN, &l);
      if (!close) return false;
      t = ps_type_args(c, ps_type_name(c, tok(f, at)), l, tok(f, close));
    } else {
      t = ps_type_name(c, tok(f, at));
    }
  } else {
    return false;
  }
  for (;;) {
    if (kind(f, f->i) == TK_LBRACKET && kind(f, f->i + 1) == TK_RBRACKET) {
      f->i += 2;
      ps_type_array(c, t, tok(f, f->i - 1));
    } else if (kind(f, f->i) == TK_QUESTION) {
      f->i++;
      ps_type_nullable(c, t, tok(f, f->i - 1));
    } else {
      break;
    }
  }
  *out = t;
  return true;
}

/* name: ftype, then annotations and defaults in any order */
static bool field(fast *f, ir_field **out) {
  ps_ctx *c = f->c;
  int name = f->i;
  f->i += 2; /* the name and the colon, seen by the caller */
  ir_typeref *t = NULL;
  if (!ftype(f, &t)) return false;
  ir_field *x = ps_field(c, tok(f, name), t);
  for (;;) {
    int at = f->i;
    if (kind(f, at) == TK_ANNOT) {
      ir_annot *a = NULL;
      if (!annot(f, &a)) return false;
      ps_field_annot(c, x, a);
    } else if (kind(f, at) == TK_EQ) {
      f->i++;
      ir_value *v = NULL;
      if (!value(f, &v)) return false;
      ps_field_default(c, x, tok(f, at), v);
    } else {
      break;
    }
  }
  *out = x;
  return true;
}

/* ---- policies ------------------------------------------------------- */

/* operand ::= path | STRING | NUMBER, then cond ::= operand */
static bool operand(fast *f, ir_cond **out) {
  int at = f->i, k = kind(f, at);
  ir_value *v = NULL;
  if (k == TK_ID) {
    if (!path(f, &v)) return false;
  } else if (k == TK_STRING || k == TK_NUMBER) {
    f->i++;
    v = ps_value_token(f->c, k, tok(f, at));
  } else {
    return false;
  }
  *out = ps_cond_value(f->c, v);
  return true;
}

static bool cond(fast *f, int min_prec, ir_cond **out);

/* BANG cond (BANG binds tighter than every operator), ( cond ), or an operand */
static bool unary(fast *f, ir_cond **out) {
  int at = f->i;
  if (kind(f, at) == TK_BANG) {
    f->i++;
    ir_cond *x = NULL;
    if (!unary(f, &x)) return false;
    *out = ps_cond_not(f->c, tok(f, at), x);
    return true;
  }
  if (kind(f, at) == TK_LPAREN) {
    f->i++;
    if (!cond(f, 1, out)) return false;
    return expect(f, TK_RPAREN);
  }
  return operand(f, out);
}

/* The grammar's precedences: || below &&, below the comparisons, which do not
** chain (a == b == c is a syntax error: refused). */
static int precedence(int k, ir_cond_op *op) {
  switch (k) {
  case TK_OROR: *op = IR_C_OR; return 1;
  case TK_ANDAND: *op = IR_C_AND; return 2;
  case TK_EQEQ: *op = IR_C_EQ; return 3;
  case TK_NEQ: *op = IR_C_NE; return 3;
  case TK_LT: *op = IR_C_LT; return 3;
  case TK_LE: *op = IR_C_LE; return 3;
  case TK_GT: *op = IR_C_GT; return 3;
  case TK_GE: *op = IR_C_GE; return 3;
  default: return 0;
  }
}

static bool cond(fast *f, int min_prec, ir_cond **out) {
  ir_cond *l = NULL;
  if (!unary(f, &l)) return false;
  for (;;) {
    ir_cond_op op;
    int prec = precedence(kind(f, f->i), &op);
    if (prec == 0 || prec < min_prec) break;
    f->i++;
    ir_cond *r = NULL;
    if (!cond(f, prec + 1, &r)) return false; /* left-associative */
    l = ps_cond_binary(f->c, op, l, r);
    ir_cond_op next;
    if (prec == 3 && precedence(kind(f, f->i), &next) == 3) return false;
  }
  *out = l;
  return true;
}

/* `( ID )` at the next token: the index of the name, or 0 for another shape. */
static int parenthesized_name(fast *f) {
  int at = f->i + 1;
  if (kind(f, f->i) != TK_LPAREN || kind(f, at) != TK_ID || kind(f, at + 1) != TK_RPAREN) return 0;
  f->i += 3;
  return at;
}

/* @grant|@deny actions [to ...] [via ...] [where cond] [on ...], clauses in any order */
static bool policy(fast *f, ir_policy **out) {
  ps_ctx *c = f->c;
  int at = f->i, k = kind(f, at);
  f->i++;
  ir_policy *p = ps_policy(c, tok(f, at), k == TK_DENY);
  for (int n = 0;; n++) {
    if (n > 0 && !expect(f, TK_ACOMMA)) break;
    int a = kind(f, f->i);
    if (a != TK_ID && a != TK_STAR) return false;
    f->i++;
    ps_policy_action(c, p, tok(f, f->i - 1));
  }
  for (;;) {
    int clause = kind(f, f->i);
    if (clause == TK_TO) {
      int who = ++f->i, w = kind(f, who);
      f->i++;
      if (w == TK_STAR) {
        ps_policy_to(c, p, IR_P_ANY, tok(f, who), NULL);
      } else if (w == TK_ANNOT) {
        ps_policy_to(c, p, IR_P_PUBLIC, tok(f, who), NULL);
      } else if (w != TK_ID) {
        return false;
      } else if (kind(f, f->i) == TK_LPAREN) {
        int role = parenthesized_name(f);
        if (!role) return false;
        ps_policy_to(c, p, IR_P_ROLE, tok(f, who), tok(f, role));
      } else {
        ps_policy_to(c, p, IR_P_NAMED, tok(f, who), NULL);
      }
    } else if (clause == TK_VIA) {
      int join = ++f->i;
      if (!expect(f, TK_ID)) return false;
      if (kind(f, f->i) == TK_LPAREN) {
        int col = parenthesized_name(f);
        if (!col) return false;
        ps_policy_via(c, p, tok(f, join), tok(f, col));
      } else {
        ps_policy_via(c, p, tok(f, join), NULL);
      }
    } else if (clause == TK_WHERE) {
      f->i++;
      ir_cond *x = NULL;
      if (!cond(f, 1, &x)) return false;
      ps_policy_where(c, p, x);
    } else if (clause == TK_ON) {
      int what = ++f->i;
      if (!expect(f, TK_ID)) return false;
      ps_policy_on(c, p, tok(f, what));
    } else {
      break;
    }
  }
  *out = p;
  return true;
}

static bool separator(int k) {
  return k == TK_NL || k == TK_COMMA;
}

/* The members of the declaration ENTITY ID LBRACE [member {seps member}
** [seps]] RBRACE, built. */
static bool entity(fast *f, ps_list **out) {
  ps_ctx *c = f->c;
  if (kind(f, 0) != TK_ENTITY || kind(f, 1) != TK_ID || kind(f, 2) != TK_LBRACE) return false;
  f->i = 3;
  ps_list *members = NULL;
  while (kind(f, f->i) != TK_RBRACE) {
    ps_member *m = NULL;
    int k = kind(f, f->i);
    if ((k == TK_ID || inspire_is_name(k)) && kind(f, f->i + 1) == TK_COLON) {
      ir_field *x = NULL;
      if (!field(f, &x)) return false;
      m = ps_member_field(c, x);
    } else if (k == TK_ANNOT) {
      ir_annot *a = NULL;
      if (!annot(f, &a)) return false;
      /* a word or a block after it would make it another kind of member */
      if (!separator(kind(f, f->i)) && kind(f, f->i) != TK_RBRACE) return false;
      m = ps_member_annot(c, a);
    } else if (k == TK_GRANT || k == TK_DENY) {
      ir_policy *p = NULL;
      if (!policy(f, &p)) return false;
      m = ps_member_policy(c, p);
    } else {
      return false;
    }
    members = ps_list_push(c, members ? members : ps_list_new(c), m);
    if (separator(kind(f, f->i))) {
      while (separator(kind(f, f->i)))
        f->i++;
    } else if (kind(f, f->i) != TK_RBRACE) {
      return false;
    }
  }
  *out = members;
  return kind(f, f->i + 1) == LX_EOF; /* the brace closes the declaration */
}

bool ps_fast_members(ps_ctx *c, ps_tokens *b, ps_list **members) {
  b->kind[b->n] = b->kind[b->n + 1] = LX_EOF; /* no read goes further (see fast) */
  fast f = {c, b->kind, b->tok, 0};
  return entity(&f, members);
}

void ps_fast_entity(ps_ctx *c, const ps_tokens *b, ps_list *members) {
  ps_body body = ps_body(c, &b->tok[2], members, &b->tok[b->n - 1]);
  ps_entity(c, &b->tok[0], &b->tok[1], body.list, &body.close);
}
