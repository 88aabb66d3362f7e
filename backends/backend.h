/*
** backend.h: lowering plan operations to SQL, one dialect per folder
** (lowering.md), and reading a live database back for comparison.
**
** A dialect is a table of what differs (QBE's Target): quoting, column types,
** defaults, and one function per operation.  Everything else is shared
** (common.c): the driver that replays the plan to know the state before and
** after each operation, down scripts as the inverse operations in reverse
** order, literals, and script output.
*/
#ifndef INSPIRE_BACKEND_H
#define INSPIRE_BACKEND_H

#include "../ir/ir.h"

/* ---- scripts ----------------------------------------------------------- */

/* An UPDATE the runner may split into batches of `size` rows, each its own
** transaction, walking the table by its key (runtime/backfill.c). */
typedef struct be_batch {
  const char *table, *key; /* quoted; key NULL: no one-column key, so one statement */
  const char *set;         /* `col = value` */
  const char *where;       /* `col IS NULL`, or NULL: every row */
  int size;
} be_batch;

typedef struct be_stmt {
  const char *sql;       /* without the final ';' */
  const char *comment;   /* a `-- ` line before it, or NULL */
  const be_batch *batch; /* a backfill, or NULL */
} be_stmt;

/* A migration's SQL.  `pre` and `post` run outside the migration's transaction
** (SQLite's PRAGMA foreign_keys); `stmts` inside it where the dialect allows. */
typedef struct be_script {
  arena *a;
  VEC(be_stmt) pre;
  VEC(be_stmt) stmts;
  VEC(be_stmt) post;
  VEC(const char *) notes; /* `-- LOSSY: ...` and `-- IRREVERSIBLE: ...` header lines */
  bool irreversible;
  int rebuilds; /* tables rebuilt (SQLite's 12 steps): what risk.c scores as a rewrite */
  /* what the dialect cannot build; the caller refuses the script (E0801) */
  VEC(const char *) problems;
} be_script;

void be_script_init(be_script *s, arena *a);
void be_emit(be_script *s, const char *comment, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A statement already made in the script's arena, kept as it is: a CREATE
** TABLE is the biggest text lowering makes, and copying it doubled it. */
void be_emit_text(be_script *s, const char *comment, const char *sql);
void be_problem(be_script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The script as text: `-- header` lines, notes, then one statement a line. */
char *be_script_text(const be_script *s, const char *header);
/* The same text written to f, not made first (at 10,000 entities the whole
** schema's is 6 MB); false when f reports an error. */
bool be_script_write(const be_script *s, const char *header, FILE *f);

/* ---- dialects ---------------------------------------------------------- */

typedef struct be_ctx be_ctx;
typedef struct db_schema db_schema;

typedef struct be_dialect {
  const char *name;
  char quote;             /* identifier quote: " or ` */
  bool backslash_escapes; /* MySQL: a backslash in a string literal escapes */
  /* one operation, from the state before it to the state after it */
  void (*lower_op)(be_ctx *c, const ir_op *op);
  /* the whole schema, for a fresh database (be_lower_schema): the types
  ** first, if the dialect has any of its own, then each entity's table and
  ** indexes, then, with `references`, every foreign key (be_add_references) */
  void (*create_types)(be_ctx *c, const st_schema *s);
  void (*create_entity)(be_ctx *c, const st_schema *s, const st_entity *e);
  bool references;
  /* the database a state makes, as introspection will read it */
  db_schema *(*expected)(be_ctx *c, const st_schema *s);
  /* why the engine cannot take a name (a table, column or enum type), or
  ** NULL: what it keeps for itself, what it cannot store (E0801) */
  const char *(*name_problem)(arena *a, int kind, const char *name);
  int max_columns; /* in one table */
  /* values that satisfy a column, for re-adding a required one in a down
  ** script: empty bytes, an empty (non-JSON) array, false, the epoch */
  const char *empty_bytes, *empty_array, *false_value, *epoch;
} be_dialect;

struct be_ctx {
  const be_dialect *d;
  arena *a;
  be_script *out;
  const st_schema *before, *after; /* around the operation being lowered */
  bool down;                       /* lowering the inverse of a plan */
  /* the state the script starts from, and the operations lowered before
  ** this one: what a statement hoisted into `pre` must be written against */
  const st_schema *start;
  const ir_op *const *prior;
  int nprior;
  /* when set, rewound after the columns of a CREATE TABLE: what their
  ** definitions made is garbage once they are in the statement */
  arena *scratch;
};

enum { BE_NAME_TABLE, BE_NAME_COLUMN, BE_NAME_TYPE };

extern const be_dialect be_sqlite;
extern const be_dialect be_postgres;
extern const be_dialect be_mysql;
const be_dialect *be_find(const char *name);

/* ---- common.c ---------------------------------------------------------- */

/* UPDATE t SET c = value [WHERE c IS NULL]: the value written as the
** dialect writes a default of the field */
void be_backfill(be_ctx *c, const st_entity *now, const ir_op *op,
                 const char *(*literal)(be_ctx *c, const st_field *f));
/* UPDATE t SET f = value [WHERE f IS NULL], batched when it is an up script's:
** a backfill, or the NULLs of a column becoming required */
void be_emit_fill(be_ctx *c, const st_entity *e, const st_field *f, const char *value,
                  bool only_null, int batch);
enum { BE_DEFAULT_BATCH = 1000 };
const char *be_ident(be_ctx *c, const char *name);         /* "name", quotes doubled */
void be_put_ident(strbuf *b, be_ctx *c, const char *name); /* be_ident's text into b */
const char *be_string(be_ctx *c, const char *text);        /* 'text', escaped */
const char *be_columns(be_ctx *c, const st_entity *e, const char *const *fields, int n);
/* The dialect's definition of one column, put into b: name, type, NULL,
** default, ...  Put, not returned: made as a string, then copied into the
** statement, a column cost a tenth of lowering a large schema. */
typedef void be_column_put(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                           const st_field *f);
/* What every dialect's column starts with: `name type`, then `nullable`
** (the dialect's text for a nullable column) or ` NOT NULL`, then ` DEFAULT
** d` when d is not NULL. */
void be_put_column_head(strbuf *b, be_ctx *c, const st_field *f, const char *type,
                        const char *nullable, const char *d);
/* The same as a string, for the statements that alter one column. */
const char *be_column_text(be_ctx *c, const st_schema *s, const st_entity *e, const st_field *f,
                           be_column_put *put);
/* `CREATE TABLE name (` and every column, one a line, into b; the dialect
** adds its keys and the closing parenthesis. */
void be_create_table_columns(strbuf *b, be_ctx *c, const st_schema *s, const st_entity *e,
                             const char *name, be_column_put *put);
const char *be_string_list(be_ctx *c, const char *const *texts, int n); /* 'a', 'b' */
/* A default's Inspire literal (list or object) as JSON text. */
const char *be_json_literal(be_ctx *c, const char *inspire);

/* ---- keys -------------------------------------------------------------- */

typedef enum be_key_kind { BE_PKEY, BE_UNIQUE, BE_INDEX, BE_FK } be_key_kind;

/* Every key of an entity, named, with what identifies it across a rename:
** its kind, its fields (in the names of the entity after the operation) and,
** for a reference, where it points. */
typedef struct be_key {
  be_key_kind kind;
  const char *name;
  const char **fields;
  int nfields;
  const char *ref; /* "target_table.field/ON DELETE action" */
} be_key;

/* The keys of e (a field renamed from -> to, when from is set); at most cap. */
int be_keys_of(be_ctx *c, const st_schema *s, const st_entity *e, be_key *out, int cap,
               const char *from, const char *to);
bool be_same_key(const be_key *a, const be_key *b);
const char *be_on_delete(ir_on_delete od);
/* e with the reference of one field taken away: what is left of it once that
** reference is dropped for the column to change. */
const st_entity *be_without_ref(be_ctx *c, const st_entity *e, const char *field);
/* An entity's unique constraints (group 0), declared indexes (1) and the
** indexes derived for its references (2). */
st_index *const *be_index_group(const st_entity *e, int group, int *n);
/* FOREIGN KEY (c) REFERENCES t (c) ON DELETE ..., the same on every dialect */
const char *be_fk_clause(be_ctx *c, const st_schema *s, const st_field *f);
/* ALTER TABLE ... ADD CONSTRAINT for every reference of an entity, once
** every table is there: cycles need it. */
void be_add_references(be_ctx *c, const st_schema *s, const st_entity *e);
/* ALTER TABLE t RENAME COLUMN, when the column name changes */
void be_rename_column(be_ctx *c, const char *table, const st_field *from, const st_field *to);
/* A value of the field's type that satisfies the column (the shape comes
** back in a down script, not the data). */
const char *be_placeholder(be_ctx *c, const st_schema *s, const st_field *f);
/* The name an enum (*en) and one of its labels (or NULL) had when the script
** started, following the renames lowered before the current operation. */
const char *be_label_at_start(be_ctx *c, const char **en, const char *label);
/* json, file and embedded types: stored as JSON on every dialect */
bool be_json_kind(ir_type_kind k);

/* sqlite/introspect.c */
struct sqlite3;
db_schema *sqlite_introspect(struct sqlite3 *db, arena *a, const char **err);
/* Up SQL of a plan applied to prev, or its down SQL (the inverse). */
void be_lower_plan(const be_dialect *d, const st_schema *prev, const ir_plan *plan, bool down,
                   be_script *out);
/* DDL that builds the whole schema on an empty database. */
void be_lower_schema(const be_dialect *d, const st_schema *s, be_script *out);
/* The operation that undoes op, which turned before into after. */
ir_op *be_inverse(arena *a, const ir_op *op, const st_schema *before, const st_schema *after);
/* The inverse of each operation of a plan replayed on prev, one state stepping
** behind the other (NULL for a sql step and for what needs none). */
ir_op **be_inverse_ops(arena *a, const st_schema *prev, const ir_plan *plan);

/* ---- risk.c ------------------------------------------------------------ */

/* How an operation can hurt a live database (docs/risk.md). */
typedef struct be_risk {
  int score;          /* 0-100 */
  const char *reason; /* table rewrite, lock taken, data loss, ... */
  const char *advice; /* the safer way, or NULL */
} be_risk;
/* safe (0-10), low (11-30), medium (31-60), destructive (61-100) */
const char *be_risk_class(int score);
/* out[i]: the risk of plan->ops.v[i], the plan applied to prev, on dialect d */
void be_plan_risks(const be_dialect *d, const st_schema *prev, const ir_plan *plan, be_risk *out,
                   arena *a);

/* ---- introspect ------------------------------------------------------- */

/* A database as the comparison sees it: tables, columns with the dialect's
** own type and default text, keys and indexes by name. */
typedef struct db_column {
  const char *name, *type, *def, *check;
  bool notnull;
} db_column;

typedef struct db_index {
  const char *name;
  const char **cols;
  int ncols;
  bool unique;
} db_index;

typedef struct db_fk {
  const char *name;
  const char **cols;
  int ncols;
  const char *ref_table;
  const char **ref_cols;
  int nref;
  const char *on_delete;
} db_fk;

typedef struct db_table {
  const char *name;
  VEC(db_column) cols;
  VEC(const char *) pkey;
  VEC(db_index) indexes; /* unique constraints included, sorted by name */
  VEC(db_fk) fks;        /* sorted by the first column */
} db_table;

struct db_schema {
  arena *a;
  VEC(db_table *) tables;  /* sorted by name */
  VEC(const char *) types; /* named enum types, `name(A,B)`, sorted */
};
void db_sort(db_schema *s); /* tables by name, indexes by name, fks by column */
/* Take out the tables whose names start with prefix (the ledger's _inspire_). */
void db_drop_tables(db_schema *s, const char *prefix);

/* The tables of an expected model: columns (their type, default and check
** from col), keys, indexes and references named as the dialect names them. */
typedef db_column (*be_column_fn)(be_ctx *c, const st_schema *s, const st_entity *e,
                                  const st_field *f);
db_schema *be_expected_tables(be_ctx *c, const st_schema *s, be_column_fn col, bool fk_names);
/* An enum as db_schema lists it: `name (A, B)`; MySQL's inline type as
** `enum('A','B')` (name NULL). */
const char *db_enum_text(arena *a, const char *name, const char *const *labels, int n);
/* One line a thing, sorted: what tests diff and people read. */
char *db_dump(const db_schema *s, arena *a);

/* canon.c: a default as a value, whatever the engine's spelling (type is
** the column's type as db_column has it). */
const char *be_canon_default(arena *a, const char *type, const char *def, bool backslashes);
/* An ISO 8601 time as `YYYY-MM-DD hh:mm:ss.ffffff` in UTC, or NULL. */
const char *be_utc_datetime(arena *a, const char *iso);

/* postgres/introspect.c, mysql/introspect.c: the current schema or database
** of an open connection; NULL and *err on failure. */
struct pg_conn;
db_schema *pg_introspect(struct pg_conn *conn, arena *a, const char **err);
struct st_mysql;
db_schema *mysql_introspect(struct st_mysql *conn, arena *a, const char **err);

/* What a database built to the state looks like, in the dialect's terms. */
db_schema *be_expected(const be_dialect *d, const st_schema *s, arena *a);
/* The first difference, or NULL. */
const char *db_diff(const db_schema *want, const db_schema *got, arena *a);

#endif
