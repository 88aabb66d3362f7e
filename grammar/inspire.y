/*
** inspire.y: the lemon grammar of Inspire schema files.
**
** The lexer (lexer.re) decides which newlines separate members and hands them
** over as NL, so the grammar has one separator class (NL or COMMA) and no
** conflicts.  Keywords are contextual through %fallback: `type: string` is a
** field because TYPE cannot be shifted there and falls back to ID.
**
** Actions only call builders (frontend/build.c); nodes live in the arena, so
** there are no %destructor rules.
*/

%name inspireParse
%token_prefix TK_
%token_type {token}
%extra_context {ps_ctx *ctx}
%start_symbol file
/* Nesting is bounded by the lexer (LX_MAX_DEPTH); this stack has room for it. */
%stack_size 4096

%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "frontend.h"
/* After recovery the next error is a new one: report it at once rather than
** after lemon's default three quiet tokens. */
#define RECOVERED(sync) \
  do { \
    if (sync) yypParser->yyerrcnt = -1; \
  } while (0)
#define MEMBER_SYNC (yyLookahead == TK_NL || yyLookahead == TK_COMMA || yyLookahead == TK_RBRACE)
#define DECL_SYNC \
  (yyLookahead == TK_ENTITY || yyLookahead == TK_ENUM || yyLookahead == TK_TYPE || \
   yyLookahead == TK_AUTH || yyLookahead == TK_NAMESPACE || yyLookahead == TK_ROUTES || \
   yyLookahead == TK_APIKEYS || yyLookahead == TK_SCHEDULE || yyLookahead == TK_PAYMENTS || \
   yyLookahead == TK_INTEGRATIONS || yyLookahead == TK_NETWORK || yyLookahead == TK_EMAIL || \
   yyLookahead == TK_ANNOT)
struct yyParser;
static int inspire_expected(struct yyParser *p, int *out);
}

/* The tokens that the parser in its current state would shift, found by
** running its pending reductions on a copy of the state stack.  Reading the
** action table alone is wrong in both directions: default reductions hide
** tokens, and a token with a reduce action may still fail after the reduce. */
%code {
static bool inspire_accepts(const yyParser *p, int tok, YYACTIONTYPE *st, int cap) {
  int top = (int)(p->yytos - p->yystack);
  for (int i = 0; i <= top; i++) st[i] = p->yystack[i].stateno;
  YYACTIONTYPE act = st[top];
  for (int steps = 0; steps < 10000; steps++) {
    act = yy_find_shift_action((YYCODETYPE)tok, act);
    if (act >= YY_MIN_REDUCE) {
      unsigned rule = act - YY_MIN_REDUCE;
      top += yyRuleInfoNRhs[rule];
      if (top < 0 || top + 1 >= cap) return false;
      act = yy_find_reduce_action(st[top], (YYCODETYPE)yyRuleInfoLhs[rule]);
      st[++top] = act;
      continue;
    }
    return act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION;
  }
  return false;
}

static int inspire_expected(struct yyParser *p, int *out) {
  int cap = (int)(p->yytos - p->yystack) + 256;
  YYACTIONTYPE *st = malloc(sizeof(YYACTIONTYPE) * (size_t)cap);
  int n = 0;
  bool id_ok = inspire_accepts(p, TK_ID, st, cap);
  for (int i = 1; i < YYNTOKEN; i++) {
    /* a keyword that would only be taken as an identifier is noise */
    if (yyFallback[i] != 0 && id_ok) continue;
    if (i == TK_ACOMMA) continue; /* the lexer's choice, never the user's */
    if (i == TK_FAST_DECL) continue; /* made by the front end, never written */
    if (inspire_accepts(p, i, st, cap)) out[n++] = i;
  }
  free(st);
  return n;
}

/* The reductions the parser makes, given tok next, before it shifts tok
** (or accepts, for end of input); -1 when tok is an error there.  rules gets
** up to cap rule numbers; *top is the stack's top index at the shift. */
static int inspire_reductions(const yyParser *p, int tok, int *rules, int cap, int *top_out) {
  YYACTIONTYPE st[64];
  int top = (int)(p->yytos - p->yystack);
  int base = top > 8 ? top - 8 : 0; /* a boundary pops at most a few; deeper is no boundary */
  for (int i = base; i <= top; i++) st[i - base] = p->yystack[i].stateno;
  int n = 0;
  YYACTIONTYPE act = st[top - base];
  for (;;) {
    act = yy_find_shift_action((YYCODETYPE)tok, act);
    if (act >= YY_MIN_REDUCE) {
      unsigned rule = act - YY_MIN_REDUCE;
      top += yyRuleInfoNRhs[rule];
      if (top < base || top + 1 - base >= 64 || n == cap) return -1;
      rules[n++] = (int)rule;
      act = yy_find_reduce_action(st[top - base], (YYCODETYPE)yyRuleInfoLhs[rule]);
      st[++top - base] = act;
      continue;
    }
    *top_out = top;
    return act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION ? n : -1;
  }
}

/* Whether input cut just before a token of kind tok parses as two files:
** given tok, the parser reduces its stack to the bare declaration list and
** shifts tok there, by the very reductions that end of input makes before
** its last one (file ::= decls, which has no action).  A fresh parser then
** reads on from tok exactly as this one would: frontend/parse.c parses the
** halves of a big schema at once on that condition. */
bool inspire_boundary(void *parser, int tok) {
  const yyParser *p = parser;
  int at_tok[16], at_end[17], top_tok = 0, top_end = 0;
  int n = inspire_reductions(p, tok, at_tok, 16, &top_tok);
  int m = inspire_reductions(p, 0, at_end, 17, &top_end);
  if (tok == 0) return m >= 0;
  return n >= 0 && m == n + 1 && top_tok == 1 && top_end == 1 &&
         memcmp(at_tok, at_end, sizeof(int) * (size_t)n) == 0;
}
}

/* Report what was found and what would have been accepted. */
%syntax_error {
  int expected[YYNTOKEN];
  int n = inspire_expected(yypParser, expected);
  ps_report_syntax(ctx, yymajor, &TOKEN, expected, n);
}

%stack_overflow {
  diag_add(ctx->d, DIAG_E0002, ps_range(ctx, &ctx->last),
           "the parser's stack is full: the input nests too deeply");
  ctx->overflow = true;
}

%parse_failure {
  ctx->failed = true;
}

%fallback ID ENTITY ENUM TYPE AUTH NAMESPACE ROUTES APIKEYS SCHEDULE PAYMENTS
  INTEGRATIONS NETWORK EMAIL WHERE VIA TO ON
  MIGRATION ADD DROP RENAME ALTER CREATE VALUE INDEX UNIQUE PRIMARYKEY BACKFILL SQL
  BEFORE AFTER IS NULL BATCH.

%left OROR.
%left ANDAND.
%nonassoc EQEQ NEQ LT LE GT GE.
%right BANG.
%left PIPE.
%left AMP.

/* One grammar, two languages: the driver sends START_PLAN first for plan
** files (model-codebases.md 8). */
file ::= decls.
file ::= START_PLAN plan.
decls ::= .
decls ::= decls decl.

/* ---- separators ------------------------------------------------------- */

/* Bodies are `{ }`, `{ list }` or `{ list seps }`: no empty reduction at the
** end of a list, so an error inside a member never pops the members before
** it, and `list error` recovers at the next separator. */
seps ::= NL.
seps ::= COMMA.
seps ::= seps NL.
seps ::= seps COMMA.

/* ---- declarations ----------------------------------------------------- */

decl ::= ENTITY(K) ID(N) mbody(M).                     { ps_entity(ctx, &K, &N, M.list, &M.close); }
decl ::= TYPE(K) ID(N) mbody(M).                       { ps_embedded(ctx, &K, &N, M.list, &M.close); }
decl ::= ANNOT(A) TYPE(K) ID(N) mbody(M).              { ps_validation(ctx, &A, &K, &N, M.list, NULL, &M.close); }
decl ::= ANNOT(A) TYPE(K) ID(N) EQ vtype(X).           { ps_validation(ctx, &A, &K, &N, NULL, X, NULL); }
decl ::= ENUM(K) ID(N) ebody(M).                       { ps_enum(ctx, &K, &N, M.list, &M.close); }
decl ::= AUTH(K) cblock(B).                            { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= NAMESPACE(K) ID(N) cblock(B).                 { ps_decl_block(ctx, &K, &N, NULL, B); }
decl ::= APIKEYS(K) cblock(B).                         { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= SCHEDULE(K) ID(N) cblock(B).                  { ps_decl_block(ctx, &K, &N, NULL, B); }
decl ::= PAYMENTS(K) cblock(B).                        { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= INTEGRATIONS(K) cblock(B).                    { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= NETWORK(K) cblock(B).                         { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= EMAIL(K) cblock(B).                           { ps_decl_block(ctx, &K, NULL, NULL, B); }
decl ::= annot(A) cblock(B).                           { ps_decl_block(ctx, NULL, NULL, A, B); }
decl ::= routes(R).                                    { ps_decl_routes(ctx, R); }
decl ::= error.                                        { RECOVERED(DECL_SYNC); }

/* ---- entity and type bodies -------------------------------------------- */

%type mbody {ps_body}
%type mlist {ps_list *}
%type member {ps_member *}
mbody(A) ::= LBRACE(O) RBRACE(C).             { A = ps_body(ctx, &O, NULL, &C); }
mbody(A) ::= LBRACE(O) mlist(L) RBRACE(C).    { A = ps_body(ctx, &O, L, &C); }
mbody(A) ::= LBRACE(O) mlist(L) seps RBRACE(C). { A = ps_body(ctx, &O, L, &C); }
/* A field, the common member, is listed without a `member ::= field` step:
** one reduction less for each. */
mlist(A) ::= field(F).                        { A = ps_list_push(ctx, ps_list_new(ctx), ps_member_field(ctx, F)); }
mlist(A) ::= mlist(L) seps field(F).          { A = ps_list_push(ctx, L, ps_member_field(ctx, F)); }
mlist(A) ::= member(M).                       { A = ps_list_push(ctx, ps_list_new(ctx), M); }
mlist(A) ::= mlist(L) seps member(M).         { A = ps_list_push(ctx, L, M); }
mlist(A) ::= mlist(L) error.                  { A = L; RECOVERED(MEMBER_SYNC); }

member(A) ::= annot_member(X).                { A = ps_member_annot(ctx, X); }
member(A) ::= policy(P).                      { A = ps_member_policy(ctx, P); }
member(A) ::= error.                          { A = NULL; RECOVERED(MEMBER_SYNC); }

/* name: Type [?] [annotations] [= default] [annotations], in any order after
** the type; the builder rejects a second default. */
%type field {ir_field *}
field(A) ::= ID(N) COLON ftype(T).            { A = ps_field(ctx, &N, T); }
field(A) ::= field(F) annot(X).               { A = F; ps_field_annot(ctx, F, X); }
field(A) ::= field(F) EQ(E) value(V).         { A = F; ps_field_default(ctx, F, &E, V); }

%type ftype {ir_typeref *}
ftype(A) ::= ID(N).                           { A = ps_type_name(ctx, &N); }
ftype(A) ::= ID(E) DOT ID(F).                 { A = ps_type_fk(ctx, &E, &F); }
ftype(A) ::= ID(N) LPAREN args(L) RPAREN(R).  { A = ps_type_args(ctx, ps_type_name(ctx, &N), L, &R); }
ftype(A) ::= STRING(S).                       { A = ps_type_literal(ctx, &S); }
ftype(A) ::= ftype(T) LBRACKET RBRACKET(R).   { A = T; ps_type_array(ctx, T, &R); }
ftype(A) ::= ftype(T) QUESTION(Q).            { A = T; ps_type_nullable(ctx, T, &Q); }

/* ---- annotations ------------------------------------------------------ */

%type annot {ir_annot *}
annot(A) ::= ANNOT(T).                                { A = ps_annot(ctx, &T, NULL, NULL); }
annot(A) ::= ANNOT(T) LPAREN args(L) RPAREN(R).       { A = ps_annot(ctx, &T, L, &R); }

/* An annotation standing as a member: `@unique([a, b])`, `@secret key`,
** `@on(update, body) effect f { retries: 3 }`. */
%type annot_member {ir_annot *}
annot_member(A) ::= annot(X).                         { A = X; }
annot_member(A) ::= annot_member(X) ID(W).            { A = X; ps_annot_word(ctx, X, &W); }
annot_member(A) ::= annot_member(X) cblock(B).        { A = X; ps_annot_block(ctx, X, B); }

/* ---- policies --------------------------------------------------------- */

%type pstart {ir_policy *}
%type pacts {ir_policy *}
%type policy {ir_policy *}
pstart(A) ::= GRANT(K).                        { A = ps_policy(ctx, &K, false); }
pstart(A) ::= DENY(K).                         { A = ps_policy(ctx, &K, true); }
pacts(A) ::= pstart(P) ID(T).                  { A = P; ps_policy_action(ctx, P, &T); }
pacts(A) ::= pstart(P) STAR(T).                { A = P; ps_policy_action(ctx, P, &T); }
pacts(A) ::= pacts(P) ACOMMA ID(T).            { A = P; ps_policy_action(ctx, P, &T); }
pacts(A) ::= pacts(P) ACOMMA STAR(T).          { A = P; ps_policy_action(ctx, P, &T); }
policy(A) ::= pacts(P).                        { A = P; }
policy(A) ::= policy(P) TO STAR(T).            { A = P; ps_policy_to(ctx, P, IR_P_ANY, &T, NULL); }
policy(A) ::= policy(P) TO ANNOT(T).           { A = P; ps_policy_to(ctx, P, IR_P_PUBLIC, &T, NULL); }
policy(A) ::= policy(P) TO ID(T).              { A = P; ps_policy_to(ctx, P, IR_P_NAMED, &T, NULL); }
policy(A) ::= policy(P) TO ID(T) LPAREN ID(R) RPAREN.
  { A = P; ps_policy_to(ctx, P, IR_P_ROLE, &T, &R); }
policy(A) ::= policy(P) VIA ID(J).             { A = P; ps_policy_via(ctx, P, &J, NULL); }
policy(A) ::= policy(P) VIA ID(J) LPAREN ID(C) RPAREN.
  { A = P; ps_policy_via(ctx, P, &J, &C); }
policy(A) ::= policy(P) WHERE cond(X).         { A = P; ps_policy_where(ctx, P, X); }
policy(A) ::= policy(P) ON ID(E).              { A = P; ps_policy_on(ctx, P, &E); }

/* ---- conditions ------------------------------------------------------- */

%type cond {ir_cond *}
%type operand {ir_value *}
cond(A) ::= operand(V).                        { A = ps_cond_value(ctx, V); }
cond(A) ::= cond(L) OROR cond(R).              { A = ps_cond_binary(ctx, IR_C_OR, L, R); }
cond(A) ::= cond(L) ANDAND cond(R).            { A = ps_cond_binary(ctx, IR_C_AND, L, R); }
cond(A) ::= cond(L) EQEQ cond(R).              { A = ps_cond_binary(ctx, IR_C_EQ, L, R); }
cond(A) ::= cond(L) NEQ cond(R).               { A = ps_cond_binary(ctx, IR_C_NE, L, R); }
cond(A) ::= cond(L) LT cond(R).                { A = ps_cond_binary(ctx, IR_C_LT, L, R); }
cond(A) ::= cond(L) LE cond(R).                { A = ps_cond_binary(ctx, IR_C_LE, L, R); }
cond(A) ::= cond(L) GT cond(R).                { A = ps_cond_binary(ctx, IR_C_GT, L, R); }
cond(A) ::= cond(L) GE cond(R).                { A = ps_cond_binary(ctx, IR_C_GE, L, R); }
cond(A) ::= BANG(B) cond(X).                   { A = ps_cond_not(ctx, &B, X); }
cond(A) ::= LPAREN cond(X) RPAREN.             { A = X; }
operand(A) ::= path(P).                        { A = P; }
operand(A) ::= STRING(T).                      { A = ps_value_token(ctx, TK_STRING, &T); }
operand(A) ::= NUMBER(T).                      { A = ps_value_token(ctx, TK_NUMBER, &T); }

/* ---- values ----------------------------------------------------------- */

%type path {ir_value *}
path(A) ::= ID(T).                             { A = ps_value_path(ctx, &T); }
path(A) ::= path(P) DOT ID(T).                 { A = P; ps_path_append(ctx, P, &T); }

%type value {ir_value *}
value(A) ::= STRING(T).                        { A = ps_value_token(ctx, TK_STRING, &T); }
value(A) ::= NUMBER(T).                        { A = ps_value_token(ctx, TK_NUMBER, &T); }
value(A) ::= DURATION(T).                      { A = ps_value_token(ctx, TK_DURATION, &T); }
value(A) ::= RATE(T).                          { A = ps_value_token(ctx, TK_RATE, &T); }
value(A) ::= STAR(T).                          { A = ps_value_star(ctx, &T); }
value(A) ::= path(P).                          { A = P; }
value(A) ::= path(P) LPAREN args(L) RPAREN(R). { int n; ir_value **v = (ir_value **)ps_list_take(ctx, L, &n); A = ps_value_call(ctx, P, v, n, &R); }
value(A) ::= LBRACKET(O) args(L) RBRACKET(C).  { int n; ir_value **v = (ir_value **)ps_list_take(ctx, L, &n); A = ps_value_list(ctx, &O, v, n, &C); }
value(A) ::= cblock(B).                        { A = ps_value_object(ctx, NULL, B, NULL); }
value(A) ::= annot(X).
  { A = ps_value_annot(ctx, X); }

%type args {ps_list *}
%type arglist {ps_list *}
%type arg {ir_value *}
args(A) ::= .                                  { A = ps_list_new(ctx); }
args(A) ::= arglist(L).                        { A = L; }
args(A) ::= arglist(L) COMMA.                  { A = L; }
/* A plain value, the common argument, without an `arg ::= value` step. */
arglist(A) ::= value(X).                       { A = ps_list_push(ctx, ps_list_new(ctx), X); }
arglist(A) ::= arglist(L) COMMA value(X).      { A = ps_list_push(ctx, L, X); }
arglist(A) ::= arg(X).                         { A = ps_list_push(ctx, ps_list_new(ctx), X); }
arglist(A) ::= arglist(L) COMMA arg(X).        { A = ps_list_push(ctx, L, X); }
arg(A) ::= ID(K) COLON value(V).               { A = ps_value_pair(ctx, ps_value_path(ctx, &K), V); }
arg(A) ::= WHERE(W) cond(C).                   { A = ps_value_cond(ctx, &W, C); }

/* ---- generic blocks: auth, namespace, payments, effect bodies, ... ----- */

%type cblock {ir_block *}
cblock(A) ::= LBRACE(O) RBRACE(C).             { A = ps_block(ctx, &O, ps_list_new(ctx), &C); }
cblock(A) ::= LBRACE(O) ilist(I) RBRACE(C).    { A = ps_block(ctx, &O, I, &C); }
cblock(A) ::= LBRACE(O) ilist(I) seps RBRACE(C). { A = ps_block(ctx, &O, I, &C); }

%type ilist {ps_list *}
%type item {ir_item *}
ilist(A) ::= item(X).                          { A = ps_list_push(ctx, ps_list_new(ctx), X); }
ilist(A) ::= ilist(L) seps item(X).            { A = ps_list_push(ctx, L, X); }
ilist(A) ::= ilist(L) error.                   { A = L; RECOVERED(MEMBER_SYNC); }

%type kv {ir_item *}
kv(A) ::= ID(K) COLON value(V).                { A = ps_item_kv(ctx, &K, V, false, NULL, NULL); }
kv(A) ::= kv(X) QUESTION.                      { A = X; X->nullable = true; }
kv(A) ::= kv(X) cblock(B).                     { A = X; ps_item_kv_block(ctx, X, B); }
kv(A) ::= kv(X) annot(N).                      { A = X; ps_item_kv_annot(ctx, X, N); }

item(A) ::= kv(X).                             { A = X; }
item(A) ::= ID(N) cblock(B).                   { A = ps_item_block(ctx, &N, B); }
item(A) ::= ID(K) ID(N) cblock(B).             { A = ps_item_named_block(ctx, &K, &N, B); }
item(A) ::= annot_member(X).                   { A = ps_item_annot(ctx, X); }
item(A) ::= policy(P).                         { A = ps_item_policy(ctx, P); }
item(A) ::= error.                             { A = NULL; RECOVERED(MEMBER_SYNC); }

/* ---- routes ----------------------------------------------------------- */

%type routes {ir_item *}
routes(A) ::= ROUTES(K) LPAREN args(L) RPAREN rbody(B).
  { A = ps_item_routes(ctx, &K, L, ps_block(ctx, &B.open, B.list, &B.close)); }

%type rbody {ps_body}
%type rlist {ps_list *}
%type ritem {ir_item *}
%type route {ir_item *}
rbody(A) ::= LBRACE(O) RBRACE(C).              { A = ps_body(ctx, &O, NULL, &C); }
rbody(A) ::= LBRACE(O) rlist(L) RBRACE(C).     { A = ps_body(ctx, &O, L, &C); }
rbody(A) ::= LBRACE(O) rlist(L) seps RBRACE(C). { A = ps_body(ctx, &O, L, &C); }
rlist(A) ::= ritem(X).                         { A = ps_list_push(ctx, ps_list_new(ctx), X); }
rlist(A) ::= rlist(L) seps ritem(X).           { A = ps_list_push(ctx, L, X); }
rlist(A) ::= rlist(L) error.                   { A = L; RECOVERED(MEMBER_SYNC); }

route(A) ::= ID(M) PATH(P).                    { A = ps_item_route(ctx, &M, &P); }
route(A) ::= route(R) ARROW ID(H).             { A = R; ps_route_handler(ctx, R, &H); }
route(A) ::= route(R) ARROW STRING(H).         { A = R; ps_route_handler(ctx, R, &H); }
route(A) ::= route(R) LPAREN args(L) RPAREN(E). { A = R; ps_route_options(ctx, R, L, &E); }
ritem(A) ::= route(R).                         { A = R; }
ritem(A) ::= routes(R).                        { A = R; }
ritem(A) ::= error.                            { A = NULL; RECOVERED(MEMBER_SYNC); }

/* ---- enums ------------------------------------------------------------ */

%type ebody {ps_body}
%type elist {ps_list *}
%type emember {ir_enum_member *}
ebody(A) ::= LBRACE(O) RBRACE(C).              { A = ps_body(ctx, &O, NULL, &C); }
ebody(A) ::= LBRACE(O) elist(L) RBRACE(C).     { A = ps_body(ctx, &O, L, &C); }
ebody(A) ::= LBRACE(O) elist(L) seps RBRACE(C). { A = ps_body(ctx, &O, L, &C); }
elist(A) ::= emember(X).                       { A = ps_list_push(ctx, ps_list_new(ctx), X); }
elist(A) ::= elist(L) seps emember(X).         { A = ps_list_push(ctx, L, X); }
elist(A) ::= elist(L) error.                   { A = L; RECOVERED(MEMBER_SYNC); }
emember(A) ::= ID(N).                          { A = ps_enum_member(ctx, &N); }
emember(A) ::= emember(M) annot(X).            { A = M; ps_enum_member_annot(ctx, M, X); }
emember(A) ::= error.                          { A = NULL; RECOVERED(MEMBER_SYNC); }

/* ---- validation type expressions ---------------------------------------- */

%type vtype {ir_texpr *}
%type texpr {ir_texpr *}
%type targs {ps_list *}
%type targ {ir_texpr *}
%type idlist {ps_list *}
vtype(A) ::= texpr(X).                         { A = X; }
vtype(A) ::= PIPE texpr(X).                    { A = X; }
texpr(A) ::= ID(N).                            { A = ps_texpr_name(ctx, &N); }
texpr(A) ::= ID(N) LT targs(L) GT(E).          { A = ps_texpr_generic(ctx, &N, L, &E); }
texpr(A) ::= mbody(M).                         { A = ps_texpr_struct(ctx, ps_struct(ctx, &M.open, M.list, &M.close)); }
texpr(A) ::= texpr(L) PIPE texpr(R).           { A = ps_texpr_binary(ctx, IR_TX_UNION, L, R); }
texpr(A) ::= texpr(L) AMP texpr(R).            { A = ps_texpr_binary(ctx, IR_TX_INTERSECT, L, R); }
texpr(A) ::= LPAREN texpr(X) RPAREN.           { A = X; }
targs(A) ::= targ(X).                          { A = ps_list_push(ctx, ps_list_new(ctx), X); }
targs(A) ::= targs(L) COMMA targ(X).           { A = ps_list_push(ctx, L, X); }
targ(A) ::= texpr(X).                          { A = X; }
targ(A) ::= LBRACKET(O) idlist(L) RBRACKET(C). { A = ps_texpr_names(ctx, &O, L, &C); }
idlist(A) ::= .                                { A = ps_list_new(ctx); }
idlist(A) ::= ID(T).                           { A = ps_list_push(ctx, ps_list_new(ctx), ps_tok(ctx, &T)); }
idlist(A) ::= idlist(L) COMMA ID(T).           { A = ps_list_push(ctx, L, ps_tok(ctx, &T)); }

/* ---- plan files (migrations.md 2) ------------------------------------------ */

plan ::= MIGRATION(K) STRING(N) obody(B).      { ps_plan(ctx, &K, &N, B.list, &B.close); }
plan ::= error.

%type obody {ps_body}
%type olist {ps_list *}
%type oitem {ir_op *}
%type op {ir_op *}
%type bfill {ir_op *}
obody(A) ::= LBRACE(O) RBRACE(C).              { A = ps_body(ctx, &O, NULL, &C); }
obody(A) ::= LBRACE(O) olist(L) RBRACE(C).     { A = ps_body(ctx, &O, L, &C); }
obody(A) ::= LBRACE(O) olist(L) seps RBRACE(C). { A = ps_body(ctx, &O, L, &C); }
olist(A) ::= oitem(X).                         { A = ps_list_push(ctx, ps_list_new(ctx), X); }
olist(A) ::= olist(L) seps oitem(X).           { A = ps_list_push(ctx, L, X); }
olist(A) ::= olist(L) error.                   { A = L; RECOVERED(MEMBER_SYNC); }
oitem(A) ::= op(O).                            { A = O; }
oitem(A) ::= LBRACKET(L) ID(R) RBRACKET op(O). { A = ps_op_marker(ctx, &L, &R, O); }
oitem(A) ::= error.                            { A = NULL; RECOVERED(MEMBER_SYNC); }

op(A) ::= CREATE(K) ENTITY ID(N) mbody(M).     { A = ps_op_create_entity(ctx, &K, &N, M.list, &M.close); }
op(A) ::= DROP(K) ENTITY ID(N).                { A = ps_op_names(ctx, OP_DROP_ENTITY, &K, &N, NULL, NULL, NULL); }
op(A) ::= RENAME(K) ENTITY ID(N) ARROW ID(T).  { A = ps_op_names(ctx, OP_RENAME_ENTITY, &K, &N, NULL, NULL, &T); }
op(A) ::= ALTER(K) ENTITY ID(N).               { A = ps_op_alter_entity(ctx, &K, &N, NULL); }
op(A) ::= ALTER(K) ENTITY ID(N) annot(X).      { A = ps_op_alter_entity(ctx, &K, &N, X); }
op(A) ::= ADD(K) ID(E) DOT field(F).           { A = ps_op_field(ctx, OP_ADD_FIELD, &K, &E, F); }
op(A) ::= ALTER(K) ID(E) DOT field(F).         { A = ps_op_field(ctx, OP_ALTER_FIELD, &K, &E, F); }
op(A) ::= DROP(K) ID(E) DOT ID(F).             { A = ps_op_names(ctx, OP_DROP_FIELD, &K, &E, &F, NULL, NULL); }
op(A) ::= RENAME(K) ID(E) DOT ID(F) ARROW ID(E2) DOT ID(T).
  { A = ps_op_names(ctx, OP_RENAME_FIELD, &K, &E, &F, &E2, &T); }
op(A) ::= CREATE(K) ENUM ID(N) ebody(M).       { A = ps_op_create_enum(ctx, &K, &N, M.list, &M.close); }
op(A) ::= DROP(K) ENUM ID(N).                  { A = ps_op_names(ctx, OP_DROP_ENUM, &K, &N, NULL, NULL, NULL); }
op(A) ::= RENAME(K) ENUM ID(N) ARROW ID(T).    { A = ps_op_names(ctx, OP_RENAME_ENUM, &K, &N, NULL, NULL, &T); }
op(A) ::= ADD(K) VALUE ID(N) DOT ID(V).        { A = ps_op_names(ctx, OP_ADD_VALUE, &K, &N, &V, NULL, NULL); }
op(A) ::= ADD(K) VALUE ID(N) DOT ID(V) BEFORE ID(W).
  { A = ps_op_value_at(ctx, ps_op_names(ctx, OP_ADD_VALUE, &K, &N, &V, NULL, NULL), true, &W); }
op(A) ::= ADD(K) VALUE ID(N) DOT ID(V) AFTER ID(W).
  { A = ps_op_value_at(ctx, ps_op_names(ctx, OP_ADD_VALUE, &K, &N, &V, NULL, NULL), false, &W); }
op(A) ::= DROP(K) VALUE ID(N) DOT ID(V).       { A = ps_op_names(ctx, OP_DROP_VALUE, &K, &N, &V, NULL, NULL); }
op(A) ::= RENAME(K) VALUE ID(N) DOT ID(V) ARROW ID(N2) DOT ID(T).
  { A = ps_op_names(ctx, OP_RENAME_VALUE, &K, &N, &V, &N2, &T); }
op(A) ::= ADD(K) INDEX ID(E) LPAREN idlist(L) RPAREN(R).      { A = ps_op_key(ctx, OP_ADD_INDEX, &K, &E, L, &R); }
op(A) ::= DROP(K) INDEX ID(E) LPAREN idlist(L) RPAREN(R).     { A = ps_op_key(ctx, OP_DROP_INDEX, &K, &E, L, &R); }
op(A) ::= ADD(K) UNIQUE ID(E) LPAREN idlist(L) RPAREN(R).     { A = ps_op_key(ctx, OP_ADD_UNIQUE, &K, &E, L, &R); }
op(A) ::= DROP(K) UNIQUE ID(E) LPAREN idlist(L) RPAREN(R).    { A = ps_op_key(ctx, OP_DROP_UNIQUE, &K, &E, L, &R); }
op(A) ::= ADD(K) PRIMARYKEY ID(E) LPAREN idlist(L) RPAREN(R). { A = ps_op_key(ctx, OP_ADD_PRIMARY_KEY, &K, &E, L, &R); }
op(A) ::= DROP(K) PRIMARYKEY ID(E) LPAREN idlist(L) RPAREN(R). { A = ps_op_key(ctx, OP_DROP_PRIMARY_KEY, &K, &E, L, &R); }
op(A) ::= bfill(B).                            { A = B; }
op(A) ::= SQL(K) STRING(S).                    { A = ps_op_sql(ctx, &K, NULL, &S); }
op(A) ::= SQL(K) ID(D) STRING(S).              { A = ps_op_sql(ctx, &K, &D, &S); }
bfill(A) ::= BACKFILL(K) ID(E) DOT ID(F) EQ value(V). { A = ps_op_backfill(ctx, &K, &E, &F, V); }
bfill(A) ::= bfill(B) WHERE ID(E) DOT ID(F) IS NULL(N). { A = B; ps_op_backfill_where(ctx, B, &E, &F, &N); }
bfill(A) ::= bfill(B) BATCH NUMBER(N).         { A = B; ps_op_backfill_batch(ctx, B, &N); }

/* ---- entities built without the parser (frontend/fastpath.c) -------------
**
** An entity declaration of the common shape (fields, annotations, defaults,
** policies) is built straight from its tokens by the builders these rules
** call; the parser is then handed this one token in its place, so that it reduces
** what came before and stands where the entity leaves it.  Declared last,
** after every real token, so that no token's code moves. */
decl ::= FAST_DECL.

%code {
/* Whether an entity may be built without the parser here: it is not
** recovering from an error, and `entity` (as the token built in its place)
** would start a declaration at the top of the file.  The answer depends on
** the stack's states alone, and after an entity built so the stack is the
** same for the next one: m keeps the last short stack that said yes. */
bool inspire_at_declaration(void *parser, ps_decl_memo *m) {
  const yyParser *p = parser;
  if (p->yyerrcnt > 0) return false;
  int top = (int)(p->yytos - p->yystack);
  int depth = (int)(sizeof m->states / sizeof m->states[0]);
  if (top == m->top) {
    int i = 0;
    while (i <= top && p->yystack[i].stateno == m->states[i])
      i++;
    if (i > top) return true;
  }
  bool yes = inspire_boundary(parser, TK_ENTITY) && inspire_boundary(parser, TK_FAST_DECL);
  if (yes && top < depth) {
    m->top = top;
    for (int i = 0; i <= top; i++)
      m->states[i] = p->yystack[i].stateno;
  }
  return yes;
}

/* Whether the parser reads a token of kind k as a name where a member starts:
** a name, or a keyword that falls back to one. */
bool inspire_is_name(int k) {
  return k == TK_ID || (k > 0 && k < YYNTOKEN && yyFallback[k] == TK_ID);
}
}
