/*
** frontend.h: from source bytes to a checked ir_schema.
**
** Pipeline (one function each, see fe_compile in driver.c):
**   source.c  load files, line tables
**   lexer.re  bytes -> tokens (grammar/), newline separators decided here
**   inspire.y tokens -> IR nodes (grammar/), through the builders in build.c
**   sema_*.c  names resolved, database names, implicit keys, every check
**   diag.c    diagnostics collected; render.c prints them as text/json/sarif
*/
#ifndef INSPIRE_FRONTEND_H
#define INSPIRE_FRONTEND_H

#include "../ir/ir.h"

#include <stdio.h>
#include <sys/stat.h>

/* ---- diag.c ----------------------------------------------------------- */

typedef enum diag_severity { SEV_ERROR, SEV_WARNING, SEV_NOTE } diag_severity;

/* Every diagnostic code, once.  ORDER CODES: codes are stable; add new ones at
** the end of their group, never renumber. */
#define DIAG_CODES(X)                                                                              \
  X(E0001, ERROR, "syntax error")                                                                  \
  X(E0002, ERROR, "input nested too deeply")                                                       \
  X(E0003, ERROR, "cannot read source")                                                            \
  X(E0004, ERROR, "no schema files")                                                               \
  X(E0101, ERROR, "invalid UTF-8")                                                                 \
  X(E0102, ERROR, "NUL byte in source")                                                            \
  X(E0103, ERROR, "carriage return without line feed")                                             \
  X(E0104, ERROR, "unterminated block comment")                                                    \
  X(E0105, ERROR, "unterminated string")                                                           \
  X(E0106, ERROR, "invalid escape in string")                                                      \
  X(E0107, ERROR, "malformed number, duration or rate")                                            \
  X(E0108, ERROR, "unexpected character")                                                          \
  X(E0201, ERROR, "duplicate declaration")                                                         \
  X(E0202, ERROR, "duplicate member")                                                              \
  X(E0203, ERROR, "reserved name")                                                                 \
  X(E0204, ERROR, "unknown type")                                                                  \
  X(E0205, ERROR, "unknown entity")                                                                \
  X(E0206, ERROR, "foreign key to a missing field")                                                \
  X(E0207, ERROR, "foreign key to a field that is not a key")                                      \
  X(E0208, ERROR, "duplicate database name")                                                       \
  X(E0209, ERROR, "declaration allowed once per project")                                          \
  X(E0210, ERROR, "empty enum")                                                                    \
  X(E0211, ERROR, "recursive embedded type")                                                       \
  X(E0212, ERROR, "unsupported array type")                                                        \
  X(E0213, ERROR, "invalid type arguments")                                                        \
  X(E0214, ERROR, "type not allowed here")                                                         \
  X(E0215, ERROR, "unknown field")                                                                 \
  X(E0216, ERROR, "enum member name too long")                                                     \
  X(E0301, ERROR, "unknown annotation")                                                            \
  X(E0302, ERROR, "annotation on the wrong kind of field")                                         \
  X(E0303, ERROR, "wrong annotation arguments")                                                    \
  X(E0304, ERROR, "lower bound above upper bound")                                                 \
  X(E0305, ERROR, "setNull on a required field")                                                   \
  X(E0306, ERROR, "annotation names a missing field")                                              \
  X(E0307, ERROR, "@why without a policy before it")                                               \
  X(E0308, ERROR, "duplicate annotation")                                                          \
  X(E0309, ERROR, "annotation not allowed here")                                                   \
  X(E0401, ERROR, "bad default")                                                                   \
  X(E0501, ERROR, "policy path does not resolve")                                                  \
  X(E0502, ERROR, "unknown policy action")                                                         \
  X(E0503, ERROR, "malformed policy")                                                              \
  X(E0601, ERROR, "namespace scope is not a principal attribute")                                  \
  X(E0602, ERROR, "namespaced entity lacks the scope field")                                       \
  X(E0603, ERROR, "unknown or malformed setting")                                                  \
  X(E0604, ERROR, "missing name")                                                                  \
  X(E0605, ERROR, "invalid cron expression")                                                       \
  X(E0606, ERROR, "invalid duration or rate")                                                      \
  X(E0607, ERROR, "invalid route")                                                                 \
  X(E0701, ERROR, "malformed migration folder name")                                               \
  X(E0702, ERROR, "migration numbers out of sequence")                                             \
  X(E0703, ERROR, "missing or doubled plan file")                                                  \
  X(E0704, ERROR, "plan name differs from its folder")                                             \
  X(E0705, ERROR, "plan operation cannot apply")                                                   \
  X(E0706, ERROR, "[RESOLVE] marker left")                                                         \
  X(E0707, ERROR, "plan does not lead to its snapshot")                                            \
  X(E0708, ERROR, "bad snapshot")                                                                  \
  X(E0709, ERROR, "unknown marker")                                                                \
  X(E0710, ERROR, "malformed plan operation")                                                      \
  X(E0801, ERROR, "the dialect cannot build this schema")                                          \
  X(W0901, WARNING, "database name truncated")                                                     \
  X(W0902, WARNING, "unknown setting")                                                             \
  X(W0903, WARNING, "doc comment documents nothing")                                               \
  X(W0904, WARNING, "schema ahead of its migrations")

typedef enum diag_code {
#define X(code, sev, title) DIAG_##code,
  DIAG_CODES(X)
#undef X
      DIAG_COUNT
} diag_code;

typedef struct diag_info {
  const char *code;
  diag_severity severity;
  const char *title;
} diag_info;
extern const diag_info diag_table[DIAG_COUNT];

typedef struct diag_note {
  ir_range range; /* range.len == 0 and line == 0: no place */
  const char *msg;
} diag_note;

typedef struct diag {
  diag_code code;
  diag_severity severity;
  int seq; /* order of discovery */
  ir_range range;
  const char *msg;
  const char *label; /* short text under the caret ("did you mean 'Project'?") */
  VEC(diag_note) notes;
} diag;

typedef struct diag_list {
  arena *a;
  VEC(diag *) items;
  int errors, warnings;
  int limit; /* stop collecting past this many errors (0: no limit) */
} diag_list;

void diag_init(diag_list *d, arena *a);
diag *diag_add(diag_list *d, diag_code code, ir_range r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_note_add(diag_list *d, diag *g, ir_range r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_label(diag_list *d, diag *g, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_sort(diag_list *d); /* by file, offset, then code: stable output */
/* Diagnostics found so far, kept or not: past the limit the list stops
** growing, so its length cannot tell whether something was found. */
static inline int diag_found(const diag_list *d) {
  return d->errors + d->warnings;
}
/* d (which may be either) becomes what one list would hold had `earlier`'s
** diagnostics been found, then `later`'s: sequence numbers run on, d's limit
** counts both.  For work done on two threads at once (history_thread.c). */
void diag_concat(diag_list *d, diag_list *earlier, diag_list *later);

/* ---- source.c --------------------------------------------------------- */

/* Read a file into the schema's file list.  Returns its index, or -1 (and a
** diagnostic) when it cannot be read. */
int src_load(ir_schema *s, diag_list *d, const char *path);
/* Add an in-memory buffer (tests, fuzzing, editors). */
int src_add(ir_schema *s, const char *path, const char *text, size_t len);
/* A file's bytes, NUL-terminated, in the arena a (a snapshot, read and let
** go with it: an arena maps a big file in huge pages, where malloc took a
** page fault every 4 KB); NULL after the same diagnostics. */
char *src_slurp(diag_list *d, arena *a, const char *path, size_t *len);
/* The same bytes mapped read-only from the file (*mapped), for a text kept
** for the process's life: its pages can then be let go once read
** (st_kept_let_go), the page cache keeping them. Read into a as src_slurp
** does when it cannot be (a length of whole pages: no NUL would follow). */
char *src_map(diag_list *d, arena *a, const char *path, size_t *len, bool *mapped);
/* The file a range is in; NULL for a range that is no place. */
ir_file *src_file_of(const ir_schema *s, const ir_range *r);
/* Line and column (1-based, column in bytes) of a byte offset. */
void src_line_col(ir_file *f, uint32_t off, uint32_t *line, uint32_t *col);
/* The text of line `line` (without its end), and its length. */
const char *src_line_text(ir_file *f, uint32_t line, uint32_t *len);
/* Collect every *.inspire file under dir, in byte order of path, skipping any
** folder named `migrations`.  Returns the number found, or -1 on error. */
int src_collect_dir(ir_schema *s, diag_list *d, const char *dir);

/* ---- lexer.re --------------------------------------------------------- */

/* Where a token's bytes are; its kind travels beside it.  Eight bytes, so the
** parser is handed it in a register: lines and columns are worked out when a
** diagnostic is shown (src_line_col), and the rare doc comments sit in the
** lexer's side table (lx_doc). */
typedef struct token {
  uint32_t off, len;
} token;

/* A `///` block and the token it documents. */
typedef struct lx_doc_entry {
  uint32_t token_off, off, len;
} lx_doc_entry;

/* Token kinds the lexer uses internally; lemon's codes are all below 256. */
enum { LX_EOF = 0, LX_NEWLINE = 1000, LX_SKIP = 1001 };

typedef struct lexer {
  const unsigned char *src, *cur, *end;
  uint32_t file;
  diag_list *diags;
  ir_schema *schema;
  /* newline significance */
  char *brackets; /* stack of '(' '[' '{' */
  int depth, cap;
  int prev;        /* last token handed to the parser */
  bool in_actions; /* inside the action list of @grant/@deny */
  bool too_deep;
  bool quiet;                /* while peeking: no diagnostics */
  uint32_t doc_off, doc_len; /* the `///` block read and not yet attached */
  bool has_doc;
  VEC(lx_doc_entry) docs; /* attached blocks, in token order */
} lexer;

#define LX_MAX_DEPTH 256

void lx_init(lexer *L, ir_schema *s, diag_list *d, uint32_t file);
int lx_next(lexer *L, token *t);
/* The `///` block attached to the token at off, or NULL. */
const lx_doc_entry *lx_doc(const lexer *L, uint32_t token_off);
/* Token display names for "expected ..." lists. */
const char *lx_token_name(int kind);

/* ---- build.c: called from grammar actions ------------------------------ */

typedef struct ps_ctx {
  ir_schema *s;
  diag_list *d;
  lexer *L;
  uint32_t file;
  bool failed;   /* lemon gave up on this file */
  bool overflow; /* the parser's stack overflowed */
  ir_plan *plan; /* a plan file's result */
  int syntax_errors;
  token last;             /* the last token fed, for the stack overflow's range */
  ir_typeref *spare_type; /* a field's type, copied into the field: the next type reuses it */
  struct ps_member *spare_members; /* members of bodies already made, for the next bodies */
  struct ps_list *spare_list;      /* the last body's member list, its room kept */
  struct ps_list *free_lists[16];  /* lists whose items became IR: empty, for the next */
  int nfree_lists;
} ps_ctx;

/* The builders' own state (spare lists, members and type), saved before
** building what may be dropped, and put back when it is: what was built
** meanwhile stays in the arena, unreferenced, since the name table's
** strings may lie among it. */
void ps_save(const ps_ctx *c, ps_ctx *saved);
void ps_restore(ps_ctx *c, const ps_ctx *saved);

ir_range ps_range(ps_ctx *c, const token *t);
ir_range ps_span(const ir_range *a, const ir_range *b); /* from a's start to b's end */
const char *ps_name(ps_ctx *c, const token *t);
const char *ps_doc(ps_ctx *c, const token *t);

ir_value *ps_value_token(ps_ctx *c, int kind, const token *t);
ir_value *ps_value_path(ps_ctx *c, const token *t);
void ps_path_append(ps_ctx *c, ir_value *path, const token *t);
ir_value *ps_value_call(ps_ctx *c, ir_value *path, ir_value **args, int nargs, const token *end);
ir_value *ps_value_list(ps_ctx *c, const token *open, ir_value **items, int n, const token *close);
ir_value *ps_value_pair(ps_ctx *c, ir_value *key, ir_value *val);
ir_value *ps_value_object(ps_ctx *c, const token *open, ir_block *b, const token *close);
ir_value *ps_value_annot(ps_ctx *c, ir_annot *a);
ir_value *ps_value_cond(ps_ctx *c, const token *kw, ir_cond *cond);
ir_value *ps_value_star(ps_ctx *c, const token *t);

ir_cond *ps_cond_value(ps_ctx *c, ir_value *v);
ir_cond *ps_cond_binary(ps_ctx *c, ir_cond_op op, ir_cond *l, ir_cond *r);
ir_cond *ps_cond_not(ps_ctx *c, const token *bang, ir_cond *e);

/* Lists built while parsing: a small vector of pointers. */
typedef struct ps_list {
  void **v;
  int n, cap;
} ps_list;
ps_list *ps_list_new(ps_ctx *c);
/* The items of a list that becomes IR (their array stays); the list itself
** serves the next one. */
void **ps_list_take(ps_ctx *c, ps_list *l, int *n);
ps_list *ps_list_push(ps_ctx *c, ps_list *l, void *x);
token *ps_tok(ps_ctx *c, const token *t); /* an arena copy, to keep in a list */
/* A `{ ... }` body: its members and its braces, for ranges. */
typedef struct ps_body {
  ps_list *list;
  token open, close;
} ps_body;
ps_body ps_body_make(ps_ctx *c, const token *open, ps_list *list, const token *close);
#define ps_body(c, o, l, cl) ps_body_make((c), (o), (l), (cl))

ir_annot *ps_annot(ps_ctx *c, const token *t, ps_list *args, const token *close);
void ps_annot_word(ps_ctx *c, ir_annot *a, const token *t);
void ps_annot_block(ps_ctx *c, ir_annot *a, ir_block *b);

ir_policy *ps_policy(ps_ctx *c, const token *kw, bool deny);
void ps_policy_action(ps_ctx *c, ir_policy *p, const token *t);
void ps_policy_to(ps_ctx *c, ir_policy *p, ir_principal_kind k, const token *t, const token *role);
void ps_policy_via(ps_ctx *c, ir_policy *p, const token *t, const token *col);
void ps_policy_where(ps_ctx *c, ir_policy *p, ir_cond *cond);
void ps_policy_on(ps_ctx *c, ir_policy *p, const token *t);

ir_typeref *ps_type_name(ps_ctx *c, const token *t);
ir_typeref *ps_type_fk(ps_ctx *c, const token *ent, const token *field);
ir_typeref *ps_type_args(ps_ctx *c, ir_typeref *t, ps_list *args, const token *close);
ir_typeref *ps_type_literal(ps_ctx *c, const token *t);
void ps_type_array(ps_ctx *c, ir_typeref *t, const token *close);
void ps_type_nullable(ps_ctx *c, ir_typeref *t, const token *q);

/* A member of an entity or type body: a field, an annotation or a policy. */
typedef struct ps_member {
  int kind; /* 0 field, 1 annot, 2 policy */
  struct ps_member *next_spare;
  ir_field *field;
  ir_annot *annot;
  ir_policy *policy;
} ps_member;

ir_field *ps_field(ps_ctx *c, const token *name, ir_typeref *t);
void ps_field_annot(ps_ctx *c, ir_field *f, ir_annot *a);
void ps_field_default(ps_ctx *c, ir_field *f, const token *eq, ir_value *v);
ps_member *ps_member_field(ps_ctx *c, ir_field *f);
ps_member *ps_member_annot(ps_ctx *c, ir_annot *a);
ps_member *ps_member_policy(ps_ctx *c, ir_policy *p);

void ps_entity(ps_ctx *c, const token *kw, const token *name, ps_list *members, const token *end);
ir_entity *ps_entity_make(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                          const token *end);
void ps_embedded(ps_ctx *c, const token *kw, const token *name, ps_list *members, const token *end);
ir_type *ps_struct(ps_ctx *c, const token *open, ps_list *members, const token *close);
void ps_validation(ps_ctx *c, const token *at, const token *kw, const token *name, ps_list *members,
                   ir_texpr *expr, const token *end);

ir_enum_member *ps_enum_member(ps_ctx *c, const token *name);
void ps_enum_member_annot(ps_ctx *c, ir_enum_member *m, ir_annot *a);
void ps_enum(ps_ctx *c, const token *kw, const token *name, ps_list *members, const token *end);
ir_enum *ps_enum_make(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                      const token *end);

/* plan.c: builders for plan files */
void ps_plan(ps_ctx *c, const token *kw, const token *name, ps_list *ops, const token *end);
ir_op *ps_op_marker(ps_ctx *c, const token *open, const token *word, ir_op *op);
ir_op *ps_op_create_entity(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                           const token *end);
ir_op *ps_op_create_enum(ps_ctx *c, const token *kw, const token *name, ps_list *members,
                         const token *end);
/* drop/rename of entities, fields, enums and members: a (.b) (-> c(.d)) */
ir_op *ps_op_names(ps_ctx *c, op_kind k, const token *kw, const token *a, const token *b,
                   const token *c2, const token *d);
ir_op *ps_op_value_at(ps_ctx *c, ir_op *op, bool before, const token *anchor);
ir_op *ps_op_alter_entity(ps_ctx *c, const token *kw, const token *name, ir_annot *map);
ir_op *ps_op_field(ps_ctx *c, op_kind k, const token *kw, const token *entity, ir_field *f);
ir_op *ps_op_key(ps_ctx *c, op_kind k, const token *kw, const token *entity, ps_list *fields,
                 const token *end);
ir_op *ps_op_sql(ps_ctx *c, const token *kw, const token *dialect, const token *text);
ir_op *ps_op_backfill(ps_ctx *c, const token *kw, const token *e, const token *f, ir_value *v);
void ps_op_backfill_where(ps_ctx *c, ir_op *op, const token *e, const token *f, const token *end);
void ps_op_backfill_batch(ps_ctx *c, ir_op *op, const token *n);

ir_texpr *ps_texpr_name(ps_ctx *c, const token *t);
ir_texpr *ps_texpr_generic(ps_ctx *c, const token *t, ps_list *args, const token *close);
ir_texpr *ps_texpr_binary(ps_ctx *c, ir_texpr_kind k, ir_texpr *l, ir_texpr *r);
ir_texpr *ps_texpr_struct(ps_ctx *c, ir_type *t);
ir_texpr *ps_texpr_names(ps_ctx *c, const token *open, ps_list *names, const token *close);

ir_block *ps_block(ps_ctx *c, const token *open, ps_list *items, const token *close);
ir_item *ps_item_kv(ps_ctx *c, const token *key, ir_value *v, bool nullable, ir_block *b,
                    ps_list *annots);
ir_item *ps_item_block(ps_ctx *c, const token *name, ir_block *b);
ir_item *ps_item_named_block(ps_ctx *c, const token *kind, const token *name, ir_block *b);
ir_item *ps_item_annot(ps_ctx *c, ir_annot *a);
ir_item *ps_item_policy(ps_ctx *c, ir_policy *p);
void ps_item_kv_block(ps_ctx *c, ir_item *kv, ir_block *b);
void ps_item_kv_annot(ps_ctx *c, ir_item *kv, ir_annot *a);
ir_item *ps_item_route(ps_ctx *c, const token *method, const token *path);
void ps_route_handler(ps_ctx *c, ir_item *route, const token *handler);
void ps_route_options(ps_ctx *c, ir_item *route, ps_list *opts, const token *close);
ir_item *ps_item_routes(ps_ctx *c, const token *kw, ps_list *opts, ir_block *b);

/* A top-level config declaration: `auth { }`, `namespace N { }`, `@system("x") { }`. */
void ps_decl_block(ps_ctx *c, const token *kw, const token *name, ir_annot *annot, ir_block *b);
void ps_decl_routes(ps_ctx *c, ir_item *routes);

/* ---- fastpath.c: entities of the common shape, without the parser ----- */

#define PS_FAST_MAX 2048 /* tokens; a longer declaration goes to the parser */
typedef struct ps_tokens {
  int n;
  uint8_t kind[PS_FAST_MAX + 2]; /* lemon's codes are all below 256; two ends */
  token tok[PS_FAST_MAX];
} ps_tokens;
/* Whether b, from `entity` to its closing brace, has the shape built there;
** its members are built meanwhile, by the calls the grammar's actions would
** make.  When it has not, what was built is garbage and the builders' state
** must be put back (ps_save, ps_restore). */
bool ps_fast_members(ps_ctx *c, ps_tokens *b, ps_list **members);
/* The entity of b from its members: the grammar's last actions for it. */
void ps_fast_entity(ps_ctx *c, const ps_tokens *b, ps_list *members);
/* The parser's last short stack known to stand at a declaration's start
** (grammar/inspire.y, inspire_at_declaration); top -1: none yet. */
typedef struct ps_decl_memo {
  int top;
  int states[4];
} ps_decl_memo;

/* ---- parse.c ---------------------------------------------------------- */

/* Parse one loaded file into s.  Diagnostics go to d. */
void fe_parse_file(ir_schema *s, diag_list *d, uint32_t file);
/* Files [0, n), as fe_parse_file on each, a big schema in two halves at once
** (INSPIREC_THREADS=1: one pass); returns whether it was in halves.  Entity
** declarations of the common shape skip the parser (fastpath.c;
** INSPIREC_FASTPATH=off: every token goes to the parser). */
bool fe_parse_files(ir_schema *s, diag_list *d, uint32_t n);
/* Files [0, n) in two halves cut at byte `cut` of `file` (a line end; 0: at
** the file's start), kept only when they give what one pass gives; returns
** whether they were, and leaves s and d untouched when not (for tests). */
bool fe_parse_halves(ir_schema *s, uint32_t n, uint32_t file, uint32_t cut);
/* Parse a loaded plan file; NULL when it is not a plan at all. */
ir_plan *fe_parse_plan(ir_schema *s, diag_list *d, uint32_t file);
/* plan.c: the trailing comments of a parsed plan's operations, and replay of
** a plan onto a state (each operation read against the state it meets). */
void plan_comments(const ir_schema *s, ir_plan *p);
bool plan_replay(st_schema *state, ir_plan *p, diag_list *d);
/* Called from %syntax_error with the expected-token list already built. */
void ps_report_syntax(ps_ctx *c, int kind, const token *t, const int *expected, int nexpected);

/* ---- sema_*.c --------------------------------------------------------- */

void sema_run(ir_schema *s, diag_list *d);

/* Shared by sema.c, sema_fields.c, sema_policy.c and sema_config.c only. */
typedef enum decl_kind { DK_ENTITY = 1, DK_ENUM, DK_TYPE, DK_VALIDATION } decl_kind;
typedef struct decl_ref {
  decl_kind kind;
  void *node;
  ir_range range;
} decl_ref;

typedef struct sema {
  ir_schema *s;
  diag_list *d;
  arena *a;
  strtab *names;
  arena scratch;       /* what one entity's checks need and nothing after (rewound) */
  ir_value *uuid_call; /* `uuid()`, the default every implicit id shares */
  /* field name -> its derived column and that column's case-folded key: the
  ** same names (createdAt, name) recur in every entity */
  namemap columns;
  /* what the fields pass saw, so that no later pass walks every field again:
  ** the foreign keys it left unresolved (fk_chains), and whether a field
  ** refers to __User (mark_user) */
  VEC(ir_field *) fk_fields;
  bool refers_user;
  /* the keys pass makes each entity's state (ir_schema.make_state, and no
  ** error so far), in `state`'s arena: this sema's */
  bool make_state;
  st_maker state;
  /* ir_schema.fingerprints_only: the states made in `scratch`, let go */
  st_maker fingerprint_state;
  /* names every entity asks for, interned once */
  struct {
    const char *id, *uuid, *primary_key, *unique, *index, *map, *renamed_from, *on;
  } n;
} sema;

const char *sema_intern(sema *S, const char *s);
decl_ref *sema_lookup(sema *S, const char *name);
ir_range sema_no_range(void);
ir_value *sema_call(sema *S, const char *name); /* `name()`, as a default is written */
/* Names for "did you mean": every entity, enum and type. */
const char *sema_suggest_decl(sema *S, const char *name, int kinds_mask);
const char *sema_suggest_field(ir_entity *e, const char *name);
/* A field by name in a container that check_fields has seen (NULL before).
** Up to SEMA_FIELD_SCAN fields are scanned, not hashed: a map for each
** entity was a twentieth of the IR. */
#define SEMA_FIELD_SCAN 16
ir_field *sema_field_in(const namemap *map, ir_field *const *v, int n, const char *name);
ir_field *sema_field(ir_entity *e, const char *name);
/* Check a name against `__` and record a diagnostic when it is reserved. */
void sema_reserved(sema *S, const char *name, ir_range r, const char *what);

/* each(S, from, to) over the entities [from, to), a big schema's second half
** on a second thread in a sema of its own when `allowed` (sema.c). */
void sema_split(sema *S, bool allowed, void (*each)(sema *S, int from, int to));
/* Before entity i of a pass over [i, to): asks the cache for what the next
** entities' passes read first (sema_prefetch in sema.c). */
typedef enum sema_reads { SEMA_READS_ENTITY, SEMA_READS_FIELDS, SEMA_READS_REFS } sema_reads;
void sema_prefetch(const ir_schema *s, int i, int to, sema_reads what);
void sema_fields(sema *S);       /* entities, embedded and validation types */
void sema_foreign_keys(sema *S); /* embedded and validation types' foreign keys, defaults */
/* Each entity's foreign keys and defaults, then its database names, indexes
** and FK indexes; after every entity's fields and keys are known. */
void sema_keys(sema *S);
void sema_config(sema *S);   /* auth, namespaces, routes, payments, ... */
void sema_policies(sema *S); /* after entities and auth */
void sema_namespaces(sema *S);
/* Resolve `resource.a.b`, `principal.x`, `Entity.f`; report what fails. */
void sema_check_cond(sema *S, ir_cond *c, ir_entity *resource);
/* Read `@on(...) trigger f` / `effect f { }` into a trigger; NULL on error. */
ir_trigger *sema_trigger(sema *S, ir_annot *a, ir_entity *owner);
bool sema_duration(sema *S, ir_value *v, const char *what, int64_t *out);
/* Whether a default literal fits a column: the one judge for schemas and plans.
** members/nmembers list an enum's members.  On failure *why says why. */
typedef struct sema_coltype {
  ir_type_kind kind;
  int precision, scale;
  const char *enum_name;
  const char *const *members;
  int nmembers;
} sema_coltype;
bool sema_default_fits(arena *a, const sema_coltype *t, const ir_value *v, ir_default_kind *dk,
                       const char **why);
/* "did you mean": the closest of n candidates within a distance that grows
** with the length of the name, or NULL. */
const char *sema_suggest(const char *name, const char *const *cands, int n);

/* ---- driver.c --------------------------------------------------------- */

/* One compilation: everything in one arena. */
typedef struct fe_compilation {
  arena a;
  /* a second thread's (history_thread.c), as long-lived as a: what is made
  ** there (snapshots, their name indexes) may grow there later */
  arena second;
  strtab names;
  ir_schema schema;
  diag_list diags;
} fe_compilation;

void fe_init(fe_compilation *c);
void fe_free(fe_compilation *c);
/* A compilation that interns its names in owner's table, so that states of
** both compare by pointer (differ tests); owner must outlive it. */
void fe_init_shared(fe_compilation *c, fe_compilation *owner);
/* Parse and check every file already loaded in c->schema. */
void fe_compile(fe_compilation *c);
/* The same for the first n files only: those loaded after them (a history's
** plans and snapshots) are not schema. */
void fe_compile_first(fe_compilation *c, int n);
/* Convenience for tests and fuzzers: one buffer, compiled. */
void fe_compile_buffer(fe_compilation *c, const char *path, const char *text, size_t len);

/* ---- history.c -------------------------------------------------------- */

typedef struct history_mig {
  const char *dir, *name; /* migrations/0002_add_due_date, 0002_add_due_date */
  long number;
  ir_plan *plan;
  st_schema *snapshot; /* as committed */
  bool broken;         /* something about it was reported */
  int markers;         /* [RESOLVE] markers left */
  bool digested;       /* digest holds the SHA-256 of snapshot.json */
  unsigned char digest[32];
} history_mig;

/* A snapshot mapped with its outline, not read yet. */
typedef struct history_pending {
  struct history_mig *m; /* NULL: nothing pending */
  const char *path, *text;
  size_t len;
  st_outline outline;
  unsigned char id[32]; /* the file's identity, the outline's key, */
  bool have_id;         /* when it has one (verified_stat_id) */
  bool by_bytes;        /* the outline was found by the text's digest */
} history_pending;

typedef struct history {
  const char *dir;
  bool exists;
  bool markers_are_errors; /* check: yes; plan: they are only counted */
  /* check and plan: each plan is parsed and replayed in a scratch arena and
  ** dropped after (plan reads a draft again with history_load_mig), so the
  ** pages serve what comes next instead of holding a history nobody reads. */
  bool drop_plans;
  /* plan: the latest snapshot's text stays with the state, so that writing
  ** the next snapshot copies the entities the plan leaves alone */
  bool keep_latest_text;
  /* plan and check: the latest snapshot is read by its outline when one is
  ** kept (outline.c), at history_complete; else read whole, its outline kept */
  bool outlines;
  /* check: the latest snapshot is mapped page by page, and left unread at
  ** the join (it passes no state); history_drift reads of it only what the
  ** drift test needs */
  bool lazy_latest;
  history_pending pending; /* mapped, read at history_complete */
  bool outlined;           /* the latest snapshot was read by its outline, */
  int outline_read;        /* these of its entities from their bytes, */
  int outline_of;          /* of these */
  arena scratch;
  int known;               /* migrations whose replay verified.c spared */
  bool known_by_identity;  /* all of them, by their files' identity: nothing hashed */
  VEC(history_mig *) migs; /* by number */
  st_schema *latest;       /* the last committed snapshot, or the empty state */
} history;

/* Read and check every migration under dir (a missing folder is an empty
** history).  Returns -1 when the folder cannot be read. */
int history_load(ir_schema *s, diag_list *d, const char *dir, history *h);
/* The state migration i starts from: the snapshot of the one before it, or
** the empty schema for the first (i 0, or -1 with nothing applied). */
st_schema *history_before(const history *h, int i, arena *a);
/* Migration i's plan, parsed again if drop_plans dropped it, and replayed
** when asked (its operations then read against the state: the risk budget
** and the draft's accepted guesses need that); NULL when broken. */
ir_plan *history_load_mig(ir_schema *s, diag_list *d, history *h, int i, bool replayed);
/* A SIGBUS on the len mapped bytes at p (the file at path truncated under
** us) made an error that names the file and exits 1, not a crash. */
void history_guard_mapping(const void *p, size_t len, const char *path);
/* The latest snapshot, if history_load left it mapped by its outline, read:
** the entities like has unchanged borrowed from like (the schema's state
** with its fingerprints), the others read.  history_join calls it; nothing
** reads the latest snapshot before.  like is NULL for a schema with errors,
** after which nothing reads the latest snapshot, and for check's lazy drift
** test (lazy_latest), which reads of it only what it needs or else calls
** this again with the schema's state: till then it stays unread (h->latest
** empty, its migration's snapshot NULL). */
void history_complete(history *h, ir_schema *s, diag_list *d, st_schema *like);
/* W0904 when the checked schema (src, its state) differs from the latest
** snapshot. */
void history_drift(ir_schema *s, diag_list *d, history *h, st_schema *src);

/* ---- history_thread.c: the history read while the schema compiles ----- */

typedef struct history_job {
  history *h;
  const char *dir;
  ir_schema s; /* the compilation's files and names, its second arena */
  diag_list d;
  int nfiles; /* the compilation's files when started */
  ir_task task;
  bool folder; /* the folder is there: there is a history to load */
} history_job;

/* history_load(c's schema, c's diagnostics, dir, h), begun on a second
** thread; c may compile its loaded files meanwhile but load no other. */
void history_start(history_job *j, fe_compilation *c, const char *dir, history *h);
/* Waits for it, then gives c its files and diagnostics as history_load would
** have, had it run before c's compilation (history_first) or after it. */
void history_join(history_job *j, fe_compilation *c, bool history_first, st_schema *like);

/* ---- verified.c: migrations already verified, byte for byte ------------ */

/* Whether the record is in use (not INSPIREC_CACHE=off, a home for it). */
bool verified_on(void);
/* The SHA-256 of a file's bytes; false when OpenSSL fails. */
bool verified_digest(const char *text, size_t len, unsigned char out[32]);
/* The key of migration `name` whose plan, snapshot and snapshot before have
** these digests, for this build of inspirec: 64 hex digits; false when
** OpenSSL fails (then nothing is looked up or recorded). */
bool verified_key(const char *name, const unsigned char before[32], const unsigned char plan[32],
                  const unsigned char snapshot[32], bool by_identity, char out[65]);
/* A file's identity (device, inode, size, modification and change times)
** hashed, for a key by identity (by_identity: the three are such); false
** when there is none, or the file changed too lately for its times to tell
** a second change (then its bytes serve). */
bool verified_file_id(const char *path, unsigned char out[32]);
/* The same of an open file's fstat. */
bool verified_stat_id(const struct stat *st, unsigned char out[32]);
bool verified_has(const char *key); /* replayed to its snapshot before, with nothing to say */
void verified_add(const char *key);
/* The record's folder, made if missing; false when the record is off. */
bool verified_make_dir(void);
/* The record's folder, or NULL when it is off. */
const char *verified_dir(void);
/* Where a cache file of `kind` keyed by a file identity goes, in the
** record's folder, for this build: false when the record is off. */
bool verified_cache_path(const char *kind, const unsigned char id[32], char *out, size_t cap);

/* ---- outline.c: outlines of snapshots read before ---------------------- */

/* The outline kept for the snapshot file of identity id (verified_stat_id),
** or false. */
bool outline_load(const unsigned char id[32], st_outline *o, strtab *names, arena *a);
/* Keeps o for the snapshot file of identity id; nothing is ever an error. */
void outline_save(const unsigned char id[32], const st_outline *o);
/* The same by the text's bytes: o must be digested (its digest the key). */
bool outline_load_by_bytes(const unsigned char digest[32], st_outline *o, strtab *names, arena *a);
void outline_save_by_bytes(const st_outline *o);
/* With -v: how many of the history's replays were spared, on stderr. */
void history_say_known(const history *h, bool verbose);

/* ---- render.c --------------------------------------------------------- */

typedef struct render_opts {
  bool color;
  const char *tool_version;
} render_opts;

void render_text(FILE *out, ir_schema *s, diag_list *d, const render_opts *o);
/* JSON and SARIF: malloc'ed strings. */
char *render_json(ir_schema *s, diag_list *d);
char *render_sarif(ir_schema *s, diag_list *d, const render_opts *o);
/* End line and column of a range (for json/sarif). */
void render_range_end(ir_schema *s, const ir_range *r, uint32_t *line, uint32_t *col);

#endif
