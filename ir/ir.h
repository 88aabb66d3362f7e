/*
** ir.h: the typed IR of an Inspire schema, and the memory it lives in.
**
** Everything a compilation allocates comes from one arena and is freed at once
** (QBE's per-function pool, chibicc's never-free rule with an end).  Names are
** interned, so two names are equal exactly when their pointers are.
**
** Sections: arena.c, intern.c, names.c, schema (built by the front end),
** dump.c.
*/
#ifndef INSPIRE_IR_H
#define INSPIRE_IR_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- arena.c ---------------------------------------------------------- */

typedef struct arena_chunk arena_chunk;
struct arena_chunk {
  arena_chunk *next;
  size_t used, cap;
  unsigned serial; /* the arena's count of chunks when it was made */
  size_t mapped;   /* bytes mapped with mmap, or 0 for calloc */
  _Alignas(16) unsigned char data[];
};
typedef struct arena {
  arena_chunk *head;
  size_t total;    /* bytes handed out, for limits and benchmarks */
  unsigned chunks; /* chunks ever made: their serial numbers, for arena_rewind */
  bool large;      /* known to grow big: the first chunk is the biggest */
} arena;

void arena_init(arena *a);
/* An arena known to grow to megabytes (a second thread's share of a big
** schema): its first chunk is already of the biggest size, in huge pages. */
void arena_init_large(arena *a);
void arena_free(arena *a);
/* from's chunks become a's, as if a had just made them; from is left empty. */
void arena_adopt(arena *a, arena *from);

void *arena_alloc_slow(arena *a, size_t size, size_t align); /* a new chunk first */
/* size bytes at a multiple of align from the head chunk, inline: a compilation
** makes millions of small allocations, and the call was a tenth of their cost. */
static inline void *arena_bump(arena *a, size_t size, size_t align) {
  arena_chunk *c = a->head;
  if (c && size) {
    size_t off = (c->used + align - 1) & ~(align - 1);
    if (off <= c->cap && c->cap - off >= size) {
      c->used = off + size;
      a->total += size;
      return c->data + off;
    }
  }
  return arena_alloc_slow(a, size, align);
}
static inline void *arena_alloc(arena *a, size_t size) { /* zeroed, 8-byte aligned */
  return arena_bump(a, size, 8);                         /* no IR type needs more than 8 */
}
static inline char *arena_text(arena *a, size_t n) { /* n zeroed bytes for text, not aligned */
  return arena_bump(a, n, 1);
}
char *arena_strndup(arena *a, const char *s, size_t n);
/* Zeroed memory outside any arena, for what is freed on its own (a hash
** table's slots, which it outgrows): from the heap, mapped with its pages
** faulted in from 64 KB, in huge pages from 2 MB up; out of memory aborts,
** as the arena does. */
void *table_alloc(size_t bytes);
void table_free(void *p, size_t bytes);
/* A heap block of megabytes (an output buffer) faulted in huge pages where
** whole ones fit: advice only. */
void ir_advise_huge(void *p, size_t bytes);
/* The n bytes of the object at p asked of the cache, a line at a time, for a
** loop to read a few steps later: advice only, nothing is read. */
static inline void ir_prefetch(const void *p, size_t n) {
  for (size_t o = 0; o < n; o += 64)
    __builtin_prefetch((const char *)p + o);
}

/* A point to come back to: what is allocated after it is given back (and
** zeroed again) by arena_rewind, for a scratch arena used over and over. */
typedef struct arena_mark {
  arena_chunk *head;
  size_t used, total;
  unsigned chunks;
} arena_mark;
arena_mark arena_save(arena *a);
void arena_rewind(arena *a, arena_mark m);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings given, up to a NULL, one after another: what most printf calls
** that build SQL do, without parsing a format for each column. */
char *arena_concat(arena *a, ...) __attribute__((sentinel));
char *arena_vprintf(arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* ---- task.c: a job on a second thread, or on this one ------------------ */

/* Whether a job may use a second thread (not INSPIREC_THREADS=1). */
bool ir_threads_wanted(void);
typedef struct ir_task {
  void *(*run)(void *);
  void *arg;
  pthread_t thread;
  bool threaded;
  bool pinned; /* started on another core than the caller's (task.c) */
} ir_task;
/* run(arg), begun on a second thread when `worth` it and threads are wanted;
** otherwise ir_task_wait runs it on the calling thread. */
void ir_task_start(ir_task *t, void *(*run)(void *), void *arg, bool worth);
/* Until run(arg) is done; waiting again does nothing. */
void ir_task_wait(ir_task *t);

/* ---- sha256.c: SHA-256 (libcrypto, loaded on first use) ---------------- */

/* Digests of up to this many bytes are the portable code's alone. */
#define IR_SHA256_SMALL 1024
typedef struct ir_sha256 {
  void *ctx; /* libcrypto's, once past IR_SHA256_SMALL bytes without the instructions */
  size_t n;  /* else the bytes so far, in small (with the instructions: of a block) */
  bool failed;
  bool instructions; /* past IR_SHA256_SMALL bytes with the CPU's SHA instructions */
  uint32_t state[8]; /* theirs */
  uint64_t total;    /* bytes given to them */
  unsigned char small[IR_SHA256_SMALL];
} ir_sha256;
/* Each returns false when libcrypto is needed and cannot be loaded, or
** fails; end frees what was made, whatever happened, and writes out only
** on success. */
bool ir_sha256_begin(ir_sha256 *h);
bool ir_sha256_add(ir_sha256 *h, const void *p, size_t n);
bool ir_sha256_end(ir_sha256 *h, unsigned char out[32]);
/* Whether libcrypto loads: digests past IR_SHA256_SMALL bytes need it
** where the CPU has no SHA instructions. */
bool ir_sha256_libcrypto(void);
/* Whether the CPU has them (x86's SHA extensions). */
bool ir_sha256_instructions(void);
/* Which way digests past IR_SHA256_SMALL bytes go, for the tests to compare
** them: the instructions where there are (AUTO), or libcrypto. */
enum { IR_SHA256_AUTO, IR_SHA256_LIBCRYPTO };
void ir_sha256_use(int way);
/* The portable code alone, for any length (tests compare it with libcrypto). */
void ir_sha256_portable(const void *data, size_t n, unsigned char out[32]);

/* A growable array whose storage lives in the arena.  Growth copies and leaves
** the old block to the arena: cheap, and nothing to free. */
#define VEC(T)                                                                                     \
  struct {                                                                                         \
    T *v;                                                                                          \
    int n, cap;                                                                                    \
  }
void vec_grow_(arena *a, void **v, int *cap, size_t elem);
#define vec_push(a, vec, x)                                                                        \
  do {                                                                                             \
    if ((vec).n == (vec).cap) vec_grow_((a), (void **)&(vec).v, &(vec).cap, sizeof(*(vec).v));     \
    (vec).v[(vec).n++] = (x);                                                                      \
  } while (0)

/* Text built piece by piece, on the heap while it grows (a long output would
** leave every outgrown block in an arena): always NUL-terminated once written
** to; strbuf_done() moves it into an arena and frees the heap block. */
typedef struct strbuf {
  char *p;
  size_t n, cap;
} strbuf;
void strbuf_grow_(strbuf *t, size_t n); /* room for n more bytes and a NUL */
static inline void strbuf_put(strbuf *t, const char *s, size_t n) {
  if (t->n + n + 1 > t->cap) strbuf_grow_(t, n);
  memcpy(t->p + t->n, s, n);
  t->n += n;
  t->p[t->n] = 0;
}
void strbuf_puts(strbuf *t, const char *s);
/* A string literal, its length known when compiled. */
#define strbuf_lit(t, s) strbuf_put((t), "" s, sizeof(s) - 1)
void strbuf_printf(strbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *strbuf_done(strbuf *t, arena *a);

/* ---- intern.c --------------------------------------------------------- */

/* Interned strings: a hash set keyed by bytes.  Each slot keeps the hash, so
** growth does not rehash and a probe compares bytes only on a full match.
** The strings live in the arena, the table on the heap.
**
** While strtab_share is in force several threads may intern at once: a
** lookup reads the published table without a lock, and a name not found is
** added under the table's lock (names are few beside lookups: 20,000 of 1.3
** million at 10,000 entities). */
typedef struct strtab_slot {
  const char *s; /* published last (release), so len and hash are set when seen */
  uint32_t len, hash;
} strtab_slot;
typedef struct strtab_table {
  uint32_t mask; /* slots - 1: a reader takes both from one published pointer */
  strtab_slot *slot;
} strtab_table;
typedef struct strtab {
  arena *a;
  strtab_table *tab;
  uint32_t n;
  struct strtab_sync *sync; /* non-NULL while shared */
} strtab;

void strtab_init(strtab *t, arena *a);
void strtab_free(strtab *t); /* the table; the strings go with the arena */
/* Room for `names` names at once: a big schema's table is otherwise
** outgrown a dozen times, and each new table is faulted in anew. */
void strtab_reserve(strtab *t, uint32_t names);
const char *intern(strtab *t, const char *s, size_t n);
const char *intern_cstr(strtab *t, const char *s);
/* From strtab_share to strtab_unshare, threads may intern into t at once, and
** nothing else may touch t's arena; the names made meanwhile then join it.
** Calls nest: t is shared until every strtab_share has its strtab_unshare. */
void strtab_share(strtab *t);
void strtab_unshare(strtab *t);
uint32_t hash_bytes(const char *s, size_t n); /* stable across machines */
/* A 64-bit hash of an interned name's bytes, kept beside them: the same in
** every run of the same build, where the name's address is not (so a
** fingerprint made of these outlives the process: snapshot outlines). */
uint64_t intern_content_hash_checked(const char *name); /* asserts the name was interned */
static inline uint64_t intern_content_hash(const char *name) {
#ifndef NDEBUG
  return intern_content_hash_checked(name);
#else
  uint64_t h; /* a load, inline: called for every name of every fingerprint */
  memcpy(&h, name - sizeof h, sizeof h);
  return h;
#endif
}

/* A map from interned name to pointer, open addressing on the name's address
** hash, key and value side by side.  Used for every name resolution; most
** maps are small (the fields of one entity), so they start at 8 slots. */
typedef struct namemap_slot {
  const char *key;
  void *val;
} namemap_slot;
typedef struct namemap {
  arena *a;
  namemap_slot *slots;
  uint32_t cap, n;
} namemap;

void namemap_init(namemap *m, arena *a);
void *namemap_get(const namemap *m, const char *name);
/* For a lookup a few steps ahead in a loop: the name's slot asked of the
** cache; the value in that slot when the name is there (else NULL), for its
** own memory to be asked for. Neither changes anything. */
void namemap_prefetch(const namemap *m, const char *name);
void *namemap_peek(const namemap *m, const char *name);
void namemap_put(namemap *m, const char *name, void *val); /* replaces */
void namemap_reserve(namemap *m, uint32_t n);              /* room for n names without growing */

/* ---- names.c ---------------------------------------------------------- */

#define IR_MAX_IDENT 63 /* Postgres' NAMEDATALEN - 1; the same on every dialect */

/* snake_case of a PascalCase or camelCase name (`URLPath` -> `url_path`). */
char *ir_snake_case(arena *a, const char *name);
/* snake_case plural of an entity name (`Category` -> `categories`). */
char *ir_table_name(arena *a, const char *entity);
/* Cut a name longer than IR_MAX_IDENT bytes to a prefix plus `_` and eight hex
** digits of its hash.  Returns the name itself when it fits. */
const char *ir_truncate_ident(arena *a, const char *name, bool *truncated);
/* `<table>_<col>_<col>_<suffix>`, truncated: the constraint and index names
** of lowering.md, the same for the front end and for replayed state. */
const char *ir_key_name(arena *a, const char *table, const char *const *cols, int n,
                        const char *suffix);
/* The column and table names a field or entity gets without @map. */
const char *ir_column_name(arena *a, strtab *names, const char *field);
const char *ir_table_name_for(arena *a, strtab *names, const char *entity);
/* Edit distance, capped: returns limit+1 as soon as it is exceeded. */
int ir_edit_distance(const char *a, const char *b, int limit);

/* ---- schema ----------------------------------------------------------- */

/* A place in the source: the file's number (its index in the compilation's
** file list, plus one; 0 for no place, so that a zeroed range is none), byte
** offset and length.  Lines and columns are worked out from the offset when a
** diagnostic is shown: kept in every range they were a tenth of the IR. */
typedef struct ir_range {
  uint32_t file_no, off, len;
} ir_range;
/* The range of len bytes at off in the file of index `file`. */
static inline ir_range ir_range_in(uint32_t file, uint32_t off, uint32_t len) {
  ir_range r = {file + 1, off, len};
  return r;
}

/* Column types.  ORDER TYPES: the dump and the backends index tables by it. */
#define IR_TYPES(X)                                                                                \
  X(UNRESOLVED, "?")                                                                               \
  X(STRING, "string")                                                                              \
  X(INT, "int")                                                                                    \
  X(SMALLINT, "smallint")                                                                          \
  X(BIGINT, "bigint")                                                                              \
  X(DOUBLE, "double")                                                                              \
  X(DECIMAL, "decimal")                                                                            \
  X(BOOLEAN, "boolean")                                                                            \
  X(DATE, "date")                                                                                  \
  X(DATETIME, "datetime")                                                                          \
  X(UUID, "uuid")                                                                                  \
  X(BYTES, "bytes")                                                                                \
  X(JSON, "json")                                                                                  \
  X(FILE, "file")                                                                                  \
  X(ENUM, "enum")                                                                                  \
  X(EMBEDDED, "embedded")                                                                          \
  X(VALIDATION, "validation")                                                                      \
  X(LITERAL, "literal")

typedef enum ir_type_kind {
#define X(id, name) IR_T_##id,
  IR_TYPES(X)
#undef X
      IR_T_COUNT
} ir_type_kind;

extern const char *const ir_type_names[IR_T_COUNT];
/* Scalar keyword -> kind, or IR_T_UNRESOLVED when `name` is not a scalar. */
ir_type_kind ir_scalar_kind(const char *name);
bool ir_type_is_numeric(ir_type_kind k);
bool ir_type_is_integer(ir_type_kind k);

typedef struct ir_entity ir_entity;
typedef struct ir_field ir_field;
typedef struct ir_enum ir_enum;
typedef struct ir_type ir_type;
typedef struct ir_block ir_block;
typedef struct ir_value ir_value;
typedef struct ir_cond ir_cond;

/* A type as written (`Organization.id?`, `decimal(10, 2)`, `string[]`) and,
** after resolution, what it means. */
typedef struct ir_typeref { /* members ordered so that no padding is left */
  ir_range range;
  int nargs;
  const char *name;    /* base name, or NULL for a literal */
  const char *member;  /* FK: the field after the dot */
  const char *literal; /* validation discriminator `type: "card"` */
  ir_value **args;     /* `decimal(p, s)` arguments as written */
  /* resolved */
  ir_enum *enum_;
  ir_type *embedded; /* embedded or validation type */
  ir_entity *fk_entity;
  ir_field *fk_field;
  ir_type_kind kind;
  int precision, scale;
  uint8_t array_depth; /* 1 for T[], 2 for T[][] (an error; counting stops at 100) */
  bool nullable;
  bool has_args; /* written with parentheses, `decimal(10, 2)` or `string()` */
} ir_typeref;

/* Generic values: literals, paths, calls, lists, objects, annotations used as
** values.  Config blocks (auth, payments, ...) and annotation arguments are
** written in them and read into typed IR by the front end. */
typedef enum ir_value_kind {
  IR_V_STRING,
  IR_V_NUMBER,
  IR_V_DURATION,
  IR_V_RATE,
  IR_V_PATH,   /* a, a.b.c (true/false are paths named so) */
  IR_V_CALL,   /* path(args) */
  IR_V_LIST,   /* [items] */
  IR_V_PAIR,   /* key: value, inside lists and argument lists */
  IR_V_OBJECT, /* { members } */
  IR_V_ANNOT,  /* @secret("X"), @system("x") */
  IR_V_COND,   /* where <cond>, inside argument lists */
  IR_V_STAR,   /* * */
} ir_value_kind;

struct ir_value { /* 64 bytes, no padding: a schema of 10,000 entities has 83,000 */
  ir_value_kind kind;
  int nparts, nitems;
  ir_range range;
  const char *text;   /* decoded string, number text, annotation name, pair key */
  const char **parts; /* path segments */
  ir_value **items;   /* call args, list items */
  union {             /* by kind: read only what the kind has */
    double num;       /* NUMBER */
    struct {
      int64_t ms;       /* DURATION: milliseconds; RATE: count; STRING: byte length */
      const char *unit; /* RATE */
    };
    ir_value *value; /* PAIR */
    ir_block *block; /* OBJECT */
    ir_cond *cond;   /* COND */
  };
};

/* Conditions of `where`: comparisons and boolean connectives over paths and
** literals. */
typedef enum ir_cond_op {
  IR_C_VALUE,
  IR_C_EQ,
  IR_C_NE,
  IR_C_LT,
  IR_C_LE,
  IR_C_GT,
  IR_C_GE,
  IR_C_AND,
  IR_C_OR,
  IR_C_NOT,
} ir_cond_op;

struct ir_cond {
  ir_cond_op op;
  ir_range range;
  ir_cond *l, *r;
  ir_value *value;
};

/* An annotation: `@maxLength(200)`, `@unique([a, b])`, `@on(update, body)
** effect f { ... }` (words and block), `@secret stripeKey` (words). */
typedef struct ir_annot { /* members ordered so that little padding is left */
  ir_range range;
  int nargs, nwords;
  bool has_parens;
  const char *name; /* without the @ */
  ir_value **args;
  const char **words;
  ir_range *word_ranges;
  ir_block *block;
  const char *doc;
} ir_annot;

typedef enum ir_principal_kind {
  IR_P_NONE, /* no `to`: the policy applies to whoever its condition admits */
  IR_P_ANY,  /* * */
  IR_P_PUBLIC,
  IR_P_ROLE, /* role(Name) */
  IR_P_NAMED,
} ir_principal_kind;

/* @grant / @deny */
typedef struct ir_policy {
  ir_range range;
  bool deny;
  const char **actions;
  ir_range *action_ranges;
  int nactions;
  ir_principal_kind principal;
  const char *role;
  ir_range principal_range;
  const char *via;
  const char *via_column;
  ir_range via_range;
  ir_cond *where;
  const char *on; /* `on Project` inside @system / apiKeys scopes */
  ir_range on_range;
  const char *why;
  int nto, nvia, nwhere, non; /* how often each clause was written */
  /* resolved */
  ir_entity *on_entity;
  ir_entity *via_entity;
} ir_policy;

/* A member of a generic block. */
typedef enum ir_item_kind {
  IR_I_KV,          /* key: value [?] [{ block }] [annotations] */
  IR_I_BLOCK,       /* name { block } */
  IR_I_NAMED_BLOCK, /* kind name { block } (plan Pro { }) */
  IR_I_ANNOT,       /* @secret x, @on(...) effect f { } */
  IR_I_POLICY,      /* @grant / @deny */
  IR_I_ROUTE,       /* GET /path -> handler (options) */
  IR_I_ROUTES,      /* routes("/prefix", ...) { } */
} ir_item_kind;

typedef struct ir_item {
  ir_item_kind kind;
  ir_range range;
  const char *key; /* KV key, block name, NAMED_BLOCK kind, route method */
  ir_range key_range;
  const char *name; /* NAMED_BLOCK name, route path, route handler */
  ir_range name_range;
  const char *handler;
  ir_range handler_range;
  ir_value *value;
  bool nullable;
  ir_block *block;
  ir_annot **annots;
  int nannots;
  ir_annot *annot;
  ir_policy *policy;
  ir_value **args; /* route / routes options */
  int nargs;
  bool has_args;
  const char *doc;
} ir_item;

struct ir_block {
  ir_range range;
  ir_item **items;
  int n;
};

typedef enum ir_on_delete {
  IR_OD_RESTRICT,
  IR_OD_CASCADE,
  IR_OD_SET_NULL,
} ir_on_delete;
extern const char *const ir_on_delete_names[3];

typedef enum ir_default_kind {
  IR_D_NONE,
  IR_D_LITERAL, /* string, number, boolean */
  IR_D_ENUM,    /* member name */
  IR_D_NOW,
  IR_D_UUID,
  IR_D_LIST, /* array literal, items in `value` */
  IR_D_JSON, /* object or list for json/embedded columns */
} ir_default_kind;

struct ir_field { /* members ordered so that little padding is left: there are many */
  ir_range range;
  int nannots;
  const char *name;
  ir_range name_range;
  int pos;
  const char *doc;
  ir_typeref type;
  ir_annot **annots;
  ir_value *def; /* default as written */
  /* resolved */
  const char *column;
  const char *renamed_from;
  ir_entity *owner;
  ir_on_delete on_delete;
  ir_default_kind def_kind;
  bool implicit; /* the implicit `id` */
  bool primary_key, unique, index, sensitive, pii;
  bool has_on_delete;
  bool duplicate; /* a second field of the same name: reported, then ignored */
};

/* An index or unique constraint, or the primary key. */
typedef struct ir_index {
  ir_range range;
  const char *name; /* database name (tasks_status_due_date_idx) */
  ir_field **fields;
  int nfields;
  bool unique;
  bool from_fk; /* added for a foreign key column */
} ir_index;

typedef struct ir_fk {
  const char *name; /* tasks_project_id_fkey */
  ir_field *field;
  ir_entity *target;
  ir_field *target_field;
  ir_on_delete on_delete;
} ir_fk;

typedef struct ir_trigger {
  ir_range range;
  bool effect;
  const char **events; /* insert, update, delete, payment.succeeded, ... */
  int nevents;
  const char *field; /* @on(update, field) */
  const char *function;
  int retries;
  const char *backoff; /* exponential, linear, fixed */
  int64_t backoff_ms, timeout_ms;
} ir_trigger;

struct ir_entity {
  ir_range range;
  const char *name;
  ir_range name_range;
  const char *doc;
  VEC(ir_field *) fields;
  VEC(ir_annot *) annots; /* entity-level annotations other than policies */
  VEC(ir_policy *) policies;
  /* resolved */
  const char *table;
  const char *table_key; /* table's name as SQLite and MySQL compare it (case folded) */
  const char *renamed_from;
  bool builtin;       /* __User */
  bool duplicate;     /* a second declaration of a name: reported, then ignored */
  bool used;          /* in the database schema (always, but for __User) */
  bool field_renames; /* some field has @renamedFrom: the differ looks only at these */
  bool table_derived; /* its table is named after it (no @map) */
  ir_index *pkey;
  VEC(ir_index *) uniques;
  VEC(ir_index *) indexes;
  VEC(ir_fk *) fks;
  VEC(ir_trigger *) triggers;
  /* its fields typed `Entity.field`, in field order: what the keys pass reads
  ** of the fields, after the fields pass did the rest while they were hot */
  VEC(ir_field *) ref_fields;
  namemap field_map;
  const char *namespace_; /* the namespace scoping this entity, if any */
  /* its state, made by sema's keys pass when ir_schema.make_state asks,
  ** until st_from_schema takes it; or, when ir_schema.fingerprints_only
  ** asks, only that state's fingerprint (st_entity.fingerprint), or 0 */
  struct st_entity *state;
  uint64_t fingerprint;
};

typedef struct ir_enum_member {
  ir_range range;
  const char *name;
  const char *doc;
  const char *renamed_from;
  ir_annot **annots;
  int nannots;
} ir_enum_member;

struct ir_enum {
  ir_range range;
  const char *name;
  ir_range name_range;
  const char *doc;
  VEC(ir_enum_member *) members;
  const char *db_name; /* task_status: the Postgres type name */
  namemap member_map;
};

/* The shape of a validation type: `= Partial<T>` etc.  A struct body is a
** field list; the others refer to types by name. */
typedef enum ir_texpr_kind {
  IR_TX_NAME,
  IR_TX_STRUCT,
  IR_TX_GENERIC, /* Partial<T>, Pick<T, [f]>, Omit<T, [f]> */
  IR_TX_INTERSECT,
  IR_TX_UNION,
  IR_TX_LIST, /* [a, b] inside generics */
} ir_texpr_kind;

typedef struct ir_texpr ir_texpr;
struct ir_texpr {
  ir_texpr_kind kind;
  ir_range range;
  const char *name;
  ir_texpr **args;
  int nargs;
  ir_type *structure; /* IR_TX_STRUCT */
  const char **names; /* IR_TX_LIST */
  ir_range *name_ranges;
  int nnames;
  ir_type *resolved; /* IR_TX_NAME */
};

/* Embedded types (`type Address { }`) and validation types. */
struct ir_type {
  ir_range range;
  const char *name; /* NULL for an anonymous struct inside a validation type */
  ir_range name_range;
  const char *doc;
  bool validation;
  VEC(ir_field *) fields;
  VEC(ir_annot *) annots; /* entity-level annotations written in a type: errors */
  VEC(ir_policy *) policies;
  ir_texpr *expr; /* `= <expr>` form */
  namemap field_map;
  int visiting; /* recursion check */
};

/* auth { } */
typedef struct ir_principal_attr {
  ir_range range;
  const char *name;
  ir_typeref type;
  ir_annot **annots;
  int nannots;
} ir_principal_attr;

typedef struct ir_auth {
  ir_range range;
  const char **providers;
  int nproviders;
  int64_t session_ms;
  const char *linking, *mfa;
  bool has_password;
  int password_min_length;
  bool require_uppercase, require_digit, require_special, block_common, breach_check;
  VEC(ir_principal_attr *) principal;
  namemap attr_map;
} ir_auth;

typedef struct ir_namespace {
  ir_range range;
  const char *name;
  const char *scope_attr; /* principal.<attr> */
  ir_range scope_range;
  VEC(ir_entity *) entities;
  VEC(ir_range) entity_ranges;
} ir_namespace;

typedef struct ir_schedule {
  ir_range range;
  const char *name;
  const char *cron;
  const char *function;
  int64_t timeout_ms;
} ir_schedule;

typedef struct ir_route {
  ir_range range;
  const char *method;
  const char *path; /* full path, group prefixes joined */
  const char *handler;
  const char *auth; /* session, none, apiKey */
  const char *api_scope;
  int64_t rate_limit;
  const char *rate_unit;
} ir_route;

typedef struct ir_system_role {
  ir_range range;
  const char *name;
  const char *display_name;
  VEC(ir_policy *) policies;
} ir_system_role;

typedef struct ir_api_scope {
  ir_range range;
  const char *name;
  const char *system_role;
  VEC(ir_policy *) policies;
} ir_api_scope;

typedef struct ir_price_plan {
  ir_range range;
  const char *name;
  VEC(const char *) stripe_prices;
  bool per_seat;
  VEC(const char *) legacy_prices;
} ir_price_plan;

typedef struct ir_payments {
  ir_range range;
  VEC(const char *) secrets;
  VEC(ir_price_plan *) plans;
  ir_entity *seat_entity, *billing_entity;
  VEC(ir_value *) trials; /* pairs plan: duration */
  int64_t grace_ms;
  const char *grace_action;
  VEC(ir_trigger *) effects;
} ir_payments;

typedef struct ir_integration {
  ir_range range;
  const char *name;
  const char *provider;
  const char *mode, *onboarding, *access;
  const char *client_id_secret, *client_secret_secret;
  VEC(const char *) scopes;
  VEC(const char *) upgrade_scopes;
  ir_block *block; /* everything, for the dump */
} ir_integration;

/* One source file of the compilation. */
typedef struct ir_file {
  arena *a;         /* the compilation's, for the line table built on demand */
  const char *path; /* as given or found, for diagnostics */
  const char *text; /* NUL-terminated contents */
  size_t len;
  uint32_t *line_offs; /* byte offset of each line start, built lazily */
  uint32_t nlines;
} ir_file;

/* The whole resolved schema of one compilation. */
typedef struct ir_schema {
  arena *a;
  strtab *names;
  VEC(ir_file *) files;
  VEC(ir_entity *) entities; /* declaration order; __User first when used */
  VEC(ir_enum *) enums;
  VEC(ir_type *) types;       /* embedded */
  VEC(ir_type *) validations; /* validation types */
  ir_auth *auth;
  ir_range auth_block_range;
  VEC(ir_namespace *) namespaces;
  VEC(ir_route *) routes;
  VEC(ir_api_scope *) api_scopes;
  VEC(ir_schedule *) schedules;
  ir_payments *payments;
  VEC(ir_integration *) integrations;
  VEC(ir_system_role *) system_roles;
  ir_block *network;
  ir_block *email;
  ir_entity *user; /* the built-in __User */
  namemap decls;   /* every declared name -> its decl kind and node */
  /* raw declarations collected by the parser, read into the above by sema */
  VEC(ir_item *) raw_decls;
  /* Set before the compile by a caller that will want st_from_schema: sema
  ** then makes each entity's state while the entity is in the cache. */
  bool make_state;
  /* With make_state: each state is made only for its fingerprint, then let
  ** go (check's drift test, which makes a state whole where it must). */
  bool fingerprints_only;
  int entities_fast; /* entities the parser did not read (frontend/fastpath.c), for -v */
} ir_schema;

/* ---- state.c: the schema-affecting state (language.md 3) ---------------- */

/* What a migration moves between: the shape of the database, nothing that
** only the runtime reads.  Snapshots hold it; the differ compares two of it;
** a plan replays onto it.  Names are interned in the owning strtab. */

typedef enum st_default_kind {
  ST_D_NONE,
  ST_D_NOW,
  ST_D_UUID,
  ST_D_STRING,  /* text: the decoded string */
  ST_D_NUMBER,  /* text: the number as written, no leading zeros */
  ST_D_BOOLEAN, /* text: true or false */
  ST_D_ENUM,    /* text: the member */
  ST_D_LITERAL, /* text: a list or object in Inspire syntax ([], ["a"], { x: 0 }) */
} st_default_kind;

typedef struct st_field { /* 80 bytes, no padding: one a column of every table */
  const char *name, *column;
  const char *type_name; /* enum, or embedded type */
  const char *def_text;
  const char *ref_entity, *ref_field; /* a foreign key, or NULL */
  ir_type_kind kind;
  int precision, scale;
  int max_length; /* @maxLength: MySQL's column type depends on it */
  st_default_kind def;
  ir_on_delete on_delete;
  int refs; /* fields referring to this one, once ops.c counted them (refs_counted) */
  bool nullable, array, sensitive;
} st_field;

typedef struct st_index {
  const char *name; /* derived: tasks_a_b_key / _idx */
  const char **fields;
  int nfields;
} st_index;

typedef struct st_entity {
  const char *name;
  const char *table;
  bool table_mapped;      /* set by @map, so a rename keeps it */
  VEC(st_field *) fields; /* in the order the columns were made */
  VEC(const char *) pkey; /* field names */
  const char *pkey_name;
  VEC(st_index *) uniques;    /* declared, sorted by name */
  VEC(st_index *) indexes;    /* declared, sorted by name */
  VEC(st_index *) fk_indexes; /* derived for FK columns, sorted by name */
  /* The bytes write_entity would write for the entity as it was read, in a
  ** snapshot's text that outlives the state (st_read_json_kept): while the
  ** entity's fingerprint is still `fingerprint`, the writer copies them. */
  const char *text;
  size_t text_len;
  /* st_entity_fingerprint of the entity as it was made (st_from_schema) or
  ** read (by the fast reader), or 0; never changed after, so true of the
  ** entity only while st_schema.fingerprints. */
  uint64_t fingerprint;
  /* Its fields' references as made by st_from_schema, entity and field by
  ** turns (nrefs pairs), true of it under the same rule as `fingerprint`. */
  const char **refs;
  int nrefs;
  bool refs_listed; /* refs and nrefs were made (st_from_schema; a reader leaves them) */
  /* Also another state's (st_read_json_outlined lends the schema's state's
  ** unchanged entities to the snapshot's): st_apply copies it before it
  ** changes it, so the lender never sees an operation.  Only st_field.refs,
  ** the applying state's count, is written in place: a lender has none
  ** (refs_counted false), and nothing reads it there. */
  bool borrowed;
} st_entity;

typedef struct st_enum {
  const char *name, *db_name;
  VEC(const char *) members; /* in database order */
} st_enum;

typedef struct st_schema {
  arena *a;
  strtab *names;
  VEC(st_entity *) entities; /* sorted by name */
  VEC(st_enum *) enums;      /* sorted by name */
  /* name -> entity or enum: every lookup is one probe.  Kept by st_add_* and
  ** by the ops that drop and rename; NULL for a name dropped. */
  namemap entity_index, enum_index;
  /* st_field.refs is right: counted by the first op that needs it, then kept
  ** by every op, so a drop or rename looks for referrers only when there are. */
  bool refs_counted;
  /* Set by a caller applying many ops: creates and renames append, and one
  ** st_sort at the end orders them (placing each would move n pointers). */
  bool defer_order;
  /* Every entity's `fingerprint` is still that of the entity as it is: set
  ** by st_from_schema and the snapshot readers, cleared by the first st_apply.
  ** The differ then passes over the entities of equal fingerprints. */
  bool fingerprints;
  /* Its entities were lent once (st_read_json_outlined): never again, since
  ** the borrower counts references in their fields. */
  bool lent;
} st_schema;

st_schema *st_new(arena *a, strtab *names);
/* Append to the state (st_sort or st_place_* put it in order). */
void st_add_entity(st_schema *s, st_entity *e);
void st_add_enum(st_schema *s, st_enum *e);
/* After one entity or enum is added or renamed in a sorted state: its place. */
void st_place_entity(st_schema *s, const st_entity *e);
void st_place_enum(st_schema *s, const st_enum *e);
st_schema *st_clone(const st_schema *s, arena *a);
st_entity *st_clone_entity(const st_entity *e, arena *a);
st_enum *st_clone_enum(const st_enum *e, arena *a);
/* Two index lists (VEC(st_index *)) with the same fields in the same order. */
bool st_same_indexes(const void *a, const void *b);
/* The state of a checked schema (no errors). */
st_schema *st_from_schema(const ir_schema *s);
/* Its enums alone, into st. */
void st_add_schema_enums(st_schema *st, const ir_schema *s);
/* Its step for one entity, in a, for sema's keys pass (ir_schema.make_state).
** `seen` maps sema's column strings to the interned names. */
typedef struct st_maker {
  arena *a;
  strtab *names;
  namemap seen;
} st_maker;
void st_maker_init(st_maker *m, arena *a, strtab *names);
/* The same, its states in `a` (a scratch arena, rewound after each) and
** what it keeps from one to the next in `keep`. */
void st_maker_init_apart(st_maker *m, arena *a, arena *keep, strtab *names);
st_entity *st_entity_from_ir(st_maker *m, const ir_entity *e);
st_entity *st_entity_find(const st_schema *s, const char *name);
/* Before step i of a loop over the entities v[0, n) that looks each one's
** name up in `in` (NULL: none): v[i+4]'s struct, the slot of v[i+2]'s name
** in `in`, and the entity that slot holds for v[i+1], asked of the cache.
** Each address is read from memory asked for a step before; at 10,000
** entities every one of these loops waited on memory, not on work. */
void st_prefetch_step(st_entity *const *v, int i, int n, const st_schema *in);
/* The same for names known without their entities: ahead2's slot in `in`,
** and the entity ahead1 names there (NULL: nothing). */
void st_prefetch_named(const st_schema *in, const char *ahead2, const char *ahead1);
st_enum *st_enum_find(const st_schema *s, const char *name);
st_field *st_field_find(const st_entity *e, const char *name);
int st_field_index(const st_entity *e, const char *name);
/* Recompute the derived names and FK indexes of an entity after a change. */
void st_derive(st_schema *s, st_entity *e);
/* Keep entities and enums sorted by name. */
void st_sort(st_schema *s);
bool st_field_equal(const st_field *a, const st_field *b);
/* x of a and y of b equal by their fingerprints (so in every member the
** snapshot writer writes, up to a 64-bit collision): a state's own where
** they hold (st_schema.fingerprints), else made now from the entity, which
** reads one side's fields instead of both (plan's check that the plan
** reaches the schema); false when neither state's hold, or one is unknown.
** True, nothing read, when x is y: an entity one state lends the other. */
bool st_same_by_fingerprint(const st_schema *a, const st_entity *x, const st_schema *b,
                            const st_entity *y);
bool st_same_column_type(const st_field *a, const st_field *b); /* kind, size, enum, array */
/* The first difference between two states, in words, or NULL when equal.
** With ordered, field order counts too. */
const char *st_diff_text(const st_schema *a, const st_schema *b, bool ordered, const char *la,
                         const char *lb, arena *out);
/* Its parts: the enums', then one entity's of each state (x of a, y of b). */
const char *st_diff_enums_text(const st_schema *a, const st_schema *b, const char *la,
                               const char *lb, arena *out);
const char *st_entity_diff_text(const st_entity *x, const st_entity *y, bool ordered,
                                const char *la, const char *lb, arena *out);
/* Inspire text of a field definition (`title: string? @maxLength(5) = "x"`),
** of its type alone, and of a default. */
char *st_field_text(arena *a, const st_field *f, bool with_keys, const st_entity *owner);
char *st_type_text(arena *a, const st_field *f);
/* An Inspire string literal: the escapes of language.md 1, controls as \u{X}. */
void st_put_string(strbuf *b, const char *s);
/* A value as canonical Inspire text, for defaults. */
char *ir_value_text(arena *a, const ir_value *v);
void st_set_default(arena *a, strtab *names, st_field *f, const ir_value *v, ir_default_kind k);

/* ---- json.c: the reader under snapshots -------------------------------- */

typedef enum json_kind {
  JSON_NULL,
  JSON_FALSE,
  JSON_TRUE,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_kind;

typedef struct json_node json_node;
struct json_node {
  json_kind kind;
  uint32_t key_len, len, n; /* n: members or items */
  const char *key;          /* as a member; not NUL-terminated */
  const char *str;          /* string bytes, no NUL among them; not NUL-terminated */
  double num;
  json_node *child, *next;
};

/* One JSON value filling text, in the arena; NULL and the byte offset of the
** first error otherwise. */
json_node *json_parse(arena *a, const char *text, size_t len, long *err_off);
/* Reading a document piece by piece, each value into an arena of its own
** choosing (a snapshot's entities, one at a time).  Each call skips white
** space first and returns false (or NULL) when the text is not as asked. */
typedef struct json_cursor {
  arena *a;
  const char *p, *end, *start;
  const char *err_at;
  int depth;
} json_cursor;
void json_cursor_init(json_cursor *c, arena *a, const char *text, size_t len);
bool json_cursor_char(json_cursor *c, char ch);        /* the next byte is ch: consumed */
bool json_cursor_key(json_cursor *c, const char *key); /* "key": */
json_node *json_cursor_value(json_cursor *c, arena *a);
/* A string, decoded into the cursor's arena when it has escapes. */
bool json_cursor_string(json_cursor *c, const char **s, uint32_t *n);
bool json_cursor_end(json_cursor *c); /* nothing but white space left */
/* A member of an object, or NULL. */
const json_node *json_get(const json_node *o, const char *key);

/* ---- snapshot_write.c, snapshot_read.c -------------------------------- */

#define ST_FORMAT "inspire-snapshot/1"

/* Two-space indented JSON, \n line ends, final newline; malloc'ed. */
char *st_write_json(const st_schema *s, const char *migration);
/* The same bytes into f's file, written past f's buffer (flushed first) a
** batch at a time, kept texts straight from where they are; false when a
** write failed.  With like (a state with its fingerprints, st_schema.fingerprints), an
** entity whose text was kept is copied when like's entity of its name has
** the text's fingerprint, none of its fields read: for a caller that
** publishes the file only once s is found equal to like, member for member
** (plan's check that the plan reaches the schema); NULL judges each by its
** own fingerprint.  sum, when not NULL, is given every byte written (its
** own failure is its own: ir_sha256_end says).  outline, when not NULL, has
** room in v and names for every entity of s, and is given the file's
** outline (n -1 when the file is too long for one). */
typedef struct st_outline st_outline;
bool st_write_json_file(const st_schema *s, const st_schema *like, const char *migration, FILE *f,
                        ir_sha256 *sum, st_outline *outline);
/* The read-only mapping of a file that kept texts (st_entity.text) point
** into, if any (history.c maps the latest snapshot). */
void st_kept_mapping(const void *p, size_t len);
/* The pages of [p, p + n) let go when they are that mapping's, else nothing:
** the file's pages stay in the page cache, and are faulted in again if read.
** The snapshot's readers and st_write_json_file let go what they read. */
void st_kept_let_go(const char *p, size_t n);
/* NULL and *err (with *err_off, the byte offset, or -1) on a bad snapshot. */
st_schema *st_read_json(arena *a, strtab *names, const char *text, size_t len,
                        const char **migration, const char **err, long *err_off);
/* st_read_json tries a fast reader of st_write_json's own layout first, and
** the general readers when it gives up.  Each alone, for the tests: the fast
** one must read what st_write_json writes, and agree with the general ones
** whenever it reads anything (it returns NULL, and no reason, when it gives up). */
st_schema *st_read_json_general(arena *a, strtab *names, const char *text, size_t len,
                                const char **migration, const char **err, long *err_off);
st_schema *st_read_json_fast(arena *a, strtab *names, const char *text, size_t len,
                             const char **migration);
/* st_read_json for a text that outlives the state: each entity the fast
** reader finds in the writer's very bytes keeps them (st_entity.text), and a
** writer of the state copies those of the entities unchanged since. */
st_schema *st_read_json_kept(arena *a, strtab *names, const char *text, size_t len,
                             const char **migration, const char **err, long *err_off);
/* What write_entity writes of e, hashed: its names by their content hash
** (intern_content_hash), its numbers by value; the same in every run. */
uint64_t st_entity_fingerprint(const st_entity *e);

/* Where each entity of a snapshot's text is, with its fingerprint: what a
** run needs to know of a snapshot it read before, kept by the file's
** identity (frontend/outline.c), so that the next run reads only the
** entities that changed. */
typedef struct st_outline_entry {
  uint64_t fingerprint;
  uint32_t off, len; /* the entity's kept text (st_entity.text) in the file */
} st_outline_entry;
struct st_outline {
  uint64_t text_len;
  int n;
  st_outline_entry *v; /* in the file's order */
  const char **names;  /* each entity's name, interned */
  bool digested;       /* digest holds the SHA-256 of the text (set by the caller) */
  unsigned char digest[32];
};

/* The outline of s, read by st_read_json_kept from text: false unless every
** entity kept its bytes there. */
bool st_outline_make(const st_schema *s, const char *text, size_t len, st_outline *o, arena *a);
/* The state of the snapshot text whose outline is o, as st_read_json_kept
** reads it: an entity whose fingerprint like's entity of its name has is
** that very entity, borrowed (st_entity.borrowed; its text set to the
** snapshot's), any other is read from its bytes.  NULL when text and outline
** disagree in anything seen (then read it all).  *read: how many entities
** were read rather than borrowed. */
st_schema *st_read_json_outlined(arena *a, strtab *names, const char *text, size_t len,
                                 const st_outline *o, st_schema *like, const char **migration,
                                 int *read);
/* The state b of st_diff_outlined, whose entities need not be made: its
** enums (in a state of their own), its entities' names (in any order), and
** for a name, whether b has an entity of it, with the fingerprint of its
** state, and that state, made whole when asked (NULL otherwise). */
typedef struct st_side {
  const st_schema *enums;
  const char *const *names;
  int n;
  bool (*entity)(void *ctx, const char *name, bool whole, uint64_t *fingerprint,
                 const st_entity **state);
  void *ctx;
} st_side;
/* st_diff_text(the snapshot, b, false, la, lb) into *diff, with the snapshot
** read by its outline (its names interned) only as far as the first
** difference: its enums, and an entity only where b's of its name has
** another fingerprint; *read: how many.  False, *diff unset, when the text
** and outline disagree in anything seen (then read it all). */
bool st_diff_outlined(arena *a, strtab *names, const char *text, size_t len, const st_outline *o,
                      const st_side *b, const char *la, const char *lb, const char **diff,
                      int *read);

/* ---- ops.c: operations of a plan ---------------------------------------- */

#define OP_KINDS(X)                                                                                \
  X(CREATE_ENTITY, "create entity")                                                                \
  X(DROP_ENTITY, "drop entity")                                                                    \
  X(RENAME_ENTITY, "rename entity")                                                                \
  X(ALTER_ENTITY, "alter entity")                                                                  \
  X(ADD_FIELD, "add")                                                                              \
  X(DROP_FIELD, "drop")                                                                            \
  X(RENAME_FIELD, "rename")                                                                        \
  X(ALTER_FIELD, "alter")                                                                          \
  X(CREATE_ENUM, "create enum")                                                                    \
  X(DROP_ENUM, "drop enum")                                                                        \
  X(RENAME_ENUM, "rename enum")                                                                    \
  X(ADD_VALUE, "add value")                                                                        \
  X(DROP_VALUE, "drop value")                                                                      \
  X(RENAME_VALUE, "rename value")                                                                  \
  X(ADD_INDEX, "add index")                                                                        \
  X(DROP_INDEX, "drop index")                                                                      \
  X(ADD_UNIQUE, "add unique")                                                                      \
  X(DROP_UNIQUE, "drop unique")                                                                    \
  X(ADD_PRIMARY_KEY, "add primaryKey")                                                             \
  X(DROP_PRIMARY_KEY, "drop primaryKey")                                                           \
  X(BACKFILL, "backfill")                                                                          \
  X(SQL, "sql")

typedef enum op_kind {
#define X(id, text) OP_##id,
  OP_KINDS(X)
#undef X
      OP_COUNT
} op_kind;
extern const char *const op_names[OP_COUNT];

typedef struct ir_op {
  op_kind kind;
  ir_range range; /* in the plan file, when parsed */
  bool resolve;   /* [RESOLVE] */
  ir_range resolve_range;
  const char *comment; /* the trailing comment, without // */
  const char *entity;  /* entity or enum */
  const char *name;    /* field or member */
  const char *to;      /* rename target (entity, field, enum or member name) */
  /* as parsed, before they are read against the state (frontend/plan.c) */
  ir_field *src_field;
  ir_entity *src_entity;
  ir_enum *src_enum;
  ir_value *src_value;
  ir_annot *src_map;
  st_field *field;                 /* add / alter */
  bool primary_key, unique, index; /* add: single-field keys written on the field */
  int position;      /* add: 1 + where the field goes, 0: last (a down puts a dropped field back) */
  st_entity *create; /* create entity: its whole shape */
  st_enum *create_enum;
  const char **fields; /* index, unique, primary key */
  int nfields;
  const char *anchor; /* add value: before/after this member */
  bool before;
  const char *table; /* alter entity: @map, or NULL for the derived name */
  /* backfill */
  const char *value_text;
  st_default_kind value_kind;
  bool only_null;
  int batch;
  /* sql */
  const char *dialect; /* NULL: every dialect */
  const char *sql;
} ir_op;

typedef struct ir_plan {
  ir_range range;
  const char *name; /* migration "NAME" */
  ir_range name_range;
  VEC(ir_op *) ops;
} ir_plan;

/* Apply one operation.  Returns NULL, or why it cannot apply (for a
** diagnostic at the operation). */
const char *st_apply(st_schema *s, const ir_op *op);
/* Can every value of column a (in state sa) become a value of column b (in sb)? */
bool st_field_converts(const st_schema *sa, const st_field *a, const st_schema *sb,
                       const st_field *b);
bool st_enum_has(const st_enum *e, const char *member); /* members are interned */
/* The plan, canonically: `migration "NAME" {`, one operation a line, `}`. */
char *plan_print(arena *a, const ir_plan *p);
/* One operation on one line (a create entity as its first line). */
const char *op_print(arena *a, const ir_op *op);
bool op_equal(const ir_op *a, const ir_op *b);

/* ---- diff.c ----------------------------------------------------------- */

/* Rename hints from the source: @renamedFrom on entities, fields, members. */
typedef struct diff_hints {
  const ir_schema *source;
} diff_hints;

/* The operations that lead from a to b, ordered so that they can run. */
void diff_schemas(const st_schema *a, const st_schema *b, const diff_hints *h, ir_plan *out,
                  arena *ar);

/* ---- dump.c ----------------------------------------------------------- */

/* The resolved schema as JSON (for `check --dump-ir` and golden tests).
** Returns a malloc'ed string. */
char *ir_dump_json(const ir_schema *s);

#endif
