/*
** snapshot_write.c: snapshot.json, written by hand so that the bytes are ours
** (two-space indent, \n, a final newline, keys in a fixed order).
*/
#define _GNU_SOURCE /* fallocate */
#include "ir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* A run of the file's bytes not yet written: the writer's own, at `off` in
** jw.b (which may move as it grows), or kept text (st_entity.text), at `p`. */
typedef struct jw_piece {
  const char *p; /* NULL: in jw.b */
  size_t off, n;
} jw_piece;

#define JW_PIECES 256
/* Kept text written a window at a time, at most, each let go once written
** when it is a file's mapping (st_kept_let_go). */
#define JW_KEPT_WINDOW ((size_t)1 << 20)
/* Snapshots of fewer entities are written as they come (st_write_json_file). */
#define JW_FALLOCATE_MIN 1000

typedef struct jw {
  strbuf b;
  int depth;
  bool first; /* no comma before the next member */
  FILE *out;  /* when set, the text goes there a batch of pieces at a time */
  int fd;     /* out's file, written with writev, or -1 (a memory stream) */
  bool failed;
  bool inline_;          /* members on one line: a field, an index, a foreign key */
  const st_schema *like; /* st_write_json_file's: the kept texts are judged by it */
  jw_piece *pieces;      /* with out: what is not written yet, in order */
  int npieces;
  size_t sent;             /* bytes of b already in pieces */
  ir_sha256 *sum;          /* with out, when given: every byte written is added to it */
  size_t done;             /* bytes written to out */
  size_t queued;           /* bytes in pieces not written yet */
  size_t kept_queued;      /* of them, kept text */
  st_outline_entry *marks; /* when set: where each entity goes, by its index, */
  const char **names;      /* and its name */
} jw;

/* Where the next byte goes in the document: in a buffer of a part's own
** (write_part), where in that buffer. */
static size_t jw_pos(const jw *w) {
  return w->done + w->queued + (w->b.n - w->sent);
}

/* iov[0, n) written whole, through short writes. */
static bool write_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t got = writev(fd, iov, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    while (n > 0 && (size_t)got >= iov->iov_len) {
      got -= (ssize_t)iov->iov_len;
      iov++, n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + got;
      iov->iov_len -= (size_t)got;
    }
  }
  return true;
}

/* The read-only file mapping that kept texts may be in (history.c maps the
** latest snapshot so): its pages count in the process's memory once read,
** 15 MB of plan's 78 at 10,000 entities had they all stayed. */
static uintptr_t mapping_from, mapping_to;

void st_kept_mapping(const void *p, size_t len) {
  mapping_from = (uintptr_t)p;
  mapping_to = (uintptr_t)p + len;
}

void st_kept_let_go(const char *p, size_t n) {
  uintptr_t from = (uintptr_t)p & ~(uintptr_t)4095;
  uintptr_t to = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;
  /* a page of the mapping only: anywhere else, MADV_DONTNEED would zero it */
  if (mapping_to && from >= mapping_from && to <= ((mapping_to + 4095) & ~(uintptr_t)4095) &&
      to > from)
    madvise((void *)from, to - from, MADV_DONTNEED); /* advice: a failure costs memory only */
}

/* The writer's bytes since the last piece, as a piece. */
static void piece_own(jw *w) {
  if (w->b.n == w->sent) return;
  w->pieces[w->npieces++] = (jw_piece){NULL, w->sent, w->b.n - w->sent};
  w->queued += w->b.n - w->sent;
  w->sent = w->b.n;
}

/* Every piece written (writev, never a copy of kept text: at 10,000
** entities plan copied 15 MB of them through the buffer), then b emptied. */
static void flush(jw *w) {
  if (!w->out) return;
  piece_own(w);
  struct iovec iov[JW_PIECES];
  for (int i = 0; i < w->npieces; i++) {
    const jw_piece *x = &w->pieces[i];
    iov[i].iov_base = (void *)(x->p ? x->p : w->b.p + x->off);
    iov[i].iov_len = x->n;
    if (w->sum) ir_sha256_add(w->sum, iov[i].iov_base, x->n); /* a failure stays in sum */
    if (w->fd < 0 && !w->failed && fwrite(iov[i].iov_base, 1, x->n, w->out) != x->n)
      w->failed = true;
  }
  if (w->fd >= 0 && w->npieces && !w->failed && !write_all(w->fd, iov, w->npieces))
    w->failed = true;
  for (int i = 0; mapping_to && w->kept_queued && i < w->npieces; i++)
    if (w->pieces[i].p) st_kept_let_go(w->pieces[i].p, w->pieces[i].n);
  w->npieces = 0;
  w->done += w->queued;
  w->queued = 0;
  w->kept_queued = 0;
  w->b.n = w->sent = 0;
}

/* n bytes of kept text at p, next in the file: a piece of their own, or the
** previous kept piece grown over them when the writer's bytes since (an
** entity's separator) are the very bytes between the two in their text, as
** they are between entities next to each other in the snapshot read. */
static void put_kept(jw *w, const char *p, size_t n) {
  if (!w->out) {
    strbuf_put(&w->b, p, n);
    return;
  }
  jw_piece *last = w->npieces ? &w->pieces[w->npieces - 1] : NULL;
  const char *end = last && last->p ? last->p + last->n : NULL;
  size_t own = w->b.n - w->sent;
  /* by address: p is in another text as often as not */
  if (end && (uintptr_t)p >= (uintptr_t)end && (uintptr_t)p - (uintptr_t)end == own &&
      memcmp(end, w->b.p + w->sent, own) == 0) {
    last->n += own + n;
    w->queued += own + n;
    w->kept_queued += own + n;
    w->b.n = w->sent;
  } else {
    if (w->npieces + 2 > JW_PIECES) flush(w);
    piece_own(w);
    w->pieces[w->npieces++] = (jw_piece){p, 0, n};
    w->queued += n;
    w->kept_queued += n;
  }
  if (w->kept_queued >= JW_KEPT_WINDOW) flush(w);
}

static void puts_(jw *w, const char *s) {
  strbuf_puts(&w->b, s);
}

#define PUT(w, literal) strbuf_put(&(w)->b, literal, sizeof literal - 1)

static void newline(jw *w) {
  static const char spaces[] = "\n                                                                ";
  if (w->inline_) {
    PUT(w, " ");
    return;
  }
  int n = 2 * w->depth;
  if (n > (int)sizeof spaces - 2) n = (int)sizeof spaces - 2; /* deeper than any snapshot */
  strbuf_put(&w->b, spaces, (size_t)n + 1);
}

/* Bytes a JSON string cannot hold as they are; NUL ends the scan. */
static bool special(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

/* Room for n more bytes and the NUL, and where they go. */
static char *room(jw *w, size_t n) {
  if (w->b.n + n + 1 > w->b.cap) strbuf_grow_(&w->b, n);
  return w->b.p + w->b.n;
}

static void string(jw *w, const char *s) {
  size_t n = 0;
  while (!special((unsigned char)s[n]))
    n++;
  if (!s[n]) { /* nothing to escape: most names */
    char *o = room(w, n + 2);
    o[0] = '"';
    memcpy(o + 1, s, n);
    o[n + 1] = '"';
    o[n + 2] = 0;
    w->b.n += n + 2;
    return;
  }
  PUT(w, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    const unsigned char *q = p; /* the run that needs no escape: most names whole */
    while (*q >= 0x20 && *q != '"' && *q != '\\')
      q++;
    if (q > p) strbuf_put(&w->b, (const char *)p, (size_t)(q - p));
    if (!*q) break;
    char tmp[8];
    if (*q == '"')
      PUT(w, "\\\"");
    else if (*q == '\\')
      PUT(w, "\\\\");
    else if (*q == '\n')
      PUT(w, "\\n");
    else if (*q == '\t')
      PUT(w, "\\t");
    else if (*q == '\r')
      PUT(w, "\\r");
    else {
      snprintf(tmp, sizeof tmp, "\\u%04x", *q);
      puts_(w, tmp);
    }
    p = q + 1;
  }
  PUT(w, "\"");
}

/* Member separators and keys.  The keys are ours, plain and short: the
** macros below take them as literals, with their lengths. */
static void key_(jw *w, const char *k, size_t n) {
  if (!w->first) strbuf_put(&w->b, ",", 1);
  w->first = false;
  newline(w);
  char *o = room(w, n + 4);
  o[0] = '"';
  memcpy(o + 1, k, n);
  memcpy(o + 1 + n, "\": ", 4); /* with the NUL */
  w->b.n += n + 4;
}
#define LIT(k) "" k "", sizeof k - 1
#define key(w, k) key_(w, LIT(k))

static void open_(jw *w, const char *bracket) {
  puts_(w, bracket);
  w->depth++;
  w->first = true;
}

static void close_(jw *w, const char *bracket) {
  w->depth--;
  if (!w->first) newline(w);
  puts_(w, bracket);
  w->first = false;
}

static void item(jw *w) { /* an array element on its own line */
  if (!w->first) PUT(w, ",");
  w->first = false;
  newline(w);
}

static void kstr_(jw *w, const char *k, size_t kn, const char *v) {
  key_(w, k, kn);
  string(w, v);
}
#define kstr(w, k, v) kstr_(w, LIT(k), v)

static void kbool_(jw *w, const char *k, size_t kn, bool v) {
  key_(w, k, kn);
  if (v)
    PUT(w, "true");
  else
    PUT(w, "false");
}
#define kbool(w, k, v) kbool_(w, LIT(k), v)

/* Digits by hand: snprintf was an eighth of the writer's instructions. */
static void kint_(jw *w, const char *k, size_t kn, long v) {
  char tmp[24];
  size_t i = sizeof tmp;
  unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--i] = '-';
  key_(w, k, kn);
  strbuf_put(&w->b, tmp + i, sizeof tmp - i);
}
#define kint(w, k, v) kint_(w, LIT(k), v)

/* ["a", "b"] on one line */
static void kstrings_(jw *w, const char *k, size_t kn, const char *const *v, int n) {
  key_(w, k, kn);
  PUT(w, "[");
  for (int i = 0; i < n; i++) {
    if (i) PUT(w, ", ");
    string(w, v[i]);
  }
  PUT(w, "]");
}
#define kstrings(w, k, v, n) kstrings_(w, LIT(k), v, n)

static void write_default(jw *w, const st_field *f) {
  if (f->def == ST_D_NONE) return;
  key(w, "default");
  PUT(w, "{ ");
  switch (f->def) {
  case ST_D_NOW: PUT(w, "\"call\": \"now\""); break;
  case ST_D_UUID: PUT(w, "\"call\": \"uuid\""); break;
  case ST_D_STRING:
    PUT(w, "\"string\": ");
    string(w, f->def_text);
    break;
  case ST_D_NUMBER: /* as text: a double would lose bigint digits */
    PUT(w, "\"number\": ");
    string(w, f->def_text);
    break;
  case ST_D_BOOLEAN:
    PUT(w, "\"boolean\": ");
    puts_(w, f->def_text);
    break;
  case ST_D_ENUM:
    PUT(w, "\"enum\": ");
    string(w, f->def_text);
    break;
  default:
    PUT(w, "\"literal\": ");
    string(w, f->def_text);
    break;
  }
  PUT(w, " }");
}

/* An object of an array on a line of its own, its members on that line:
** `{ "name": "id", "column": "id", ... }`, as migrations.md shows them. */
static void open_inline(jw *w) {
  item(w);
  open_(w, "{");
  w->inline_ = true;
}

static void close_inline(jw *w) {
  close_(w, "}");
  w->inline_ = false;
}

static void write_indexes_(jw *w, const char *k, size_t kn, st_index *const *v, int n) {
  key_(w, k, kn);
  open_(w, "[");
  for (int i = 0; i < n; i++) {
    open_inline(w);
    kstr(w, "name", v[i]->name);
    kstrings(w, "fields", v[i]->fields, v[i]->nfields);
    close_inline(w);
  }
  close_(w, "]");
}

#define write_indexes(w, k, v, n) write_indexes_(w, LIT(k), v, n)

/* Whether e is still the text it was read from: its fingerprint says so, or,
** given a state the caller holds e's to (like), that state's entity of its
** name has the text's fingerprint (no field of e is read). */
static bool text_holds(const jw *w, const st_entity *e) {
  if (!e->text) return false;
  if (!w->like) return st_entity_fingerprint(e) == e->fingerprint;
  const st_entity *same = st_entity_find(w->like, e->name);
  return same && same->fingerprint == e->fingerprint;
}

/* One entity of the "entities" array; its foreign keys' names are made in a.
** An entity read from a snapshot that is still as it was read is the bytes
** it was read from (st_read_json_kept): at 10,000 entities a plan changes a
** few hundred, and writing the others anew was a fifth of plan's time. */
static void write_entity_(jw *w, const st_entity *e, arena *a, uint64_t *fingerprint) {
  if (text_holds(w, e)) {
    put_kept(w, e->text, e->text_len);
    if (fingerprint) *fingerprint = e->fingerprint; /* the text's */
    return;
  }
  if (fingerprint) *fingerprint = st_entity_fingerprint(e);
  open_(w, "{");
  kstr(w, "name", e->name);
  kstr(w, "table", e->table);
  kstrings(w, "primaryKey", e->pkey.v, e->pkey.n);
  kstr(w, "primaryKeyName", e->pkey_name);
  key(w, "fields");
  open_(w, "[");
  for (int j = 0; j < e->fields.n; j++) {
    const st_field *f = e->fields.v[j];
    open_inline(w);
    kstr(w, "name", f->name);
    kstr(w, "column", f->column);
    kstr(w, "type", ir_type_names[f->kind]);
    if (f->kind == IR_T_DECIMAL) {
      kint(w, "precision", f->precision);
      kint(w, "scale", f->scale);
    }
    if (f->type_name && f->kind == IR_T_ENUM) kstr(w, "enum", f->type_name);
    if (f->type_name && f->kind != IR_T_ENUM) kstr(w, "typeName", f->type_name);
    kbool(w, "nullable", f->nullable);
    kbool(w, "array", f->array);
    if (f->max_length) kint(w, "maxLength", f->max_length);
    if (f->sensitive) kbool(w, "sensitive", true);
    write_default(w, f);
    close_inline(w);
  }
  close_(w, "]");
  write_indexes(w, "uniques", e->uniques.v, e->uniques.n);
  write_indexes(w, "indexes", e->indexes.v, e->indexes.n);
  write_indexes(w, "foreignKeyIndexes", e->fk_indexes.v, e->fk_indexes.n);
  key(w, "foreignKeys");
  open_(w, "[");
  for (int j = 0; j < e->fields.n; j++) {
    const st_field *f = e->fields.v[j];
    if (!f->ref_entity) continue;
    open_inline(w);
    kstr(w, "name", ir_key_name(a, e->table, &f->column, 1, "fkey"));
    kstr(w, "field", f->name);
    kstr(w, "references", f->ref_entity);
    kstr(w, "referencedField", f->ref_field);
    kstr(w, "onDelete", ir_on_delete_names[f->on_delete]);
    close_inline(w);
  }
  close_(w, "]");
  close_(w, "}");
}

/* Entity i, its place in the file marked when marks are kept (the outline
** of what plan writes, kept for the next run: frontend/outline.c). */
static void write_entity(jw *w, const st_schema *s, int i, arena *a) {
  item(w);
  st_outline_entry *mark = w->marks ? &w->marks[i] : NULL;
  size_t from = mark ? jw_pos(w) : 0;
  write_entity_(w, s->entities.v[i], a, mark ? &mark->fingerprint : NULL);
  if (mark && w->names) w->names[i] = s->entities.v[i]->name;
  if (mark) {
    mark->off = (uint32_t)from; /* a part's, from its buffer: write_document moves them */
    mark->len = (uint32_t)(jw_pos(w) - from);
  }
}

/* Keep beside write_entity: every member it writes is in the fingerprint. */
static inline uint64_t fp_mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0x9e3779b97f4a7c15u;
  return h ^ (h >> 31);
}

/* A name by its content hash, not its address: the same fingerprint in the
** next run, which an outline of the snapshot read now is compared in
** (frontend/outline.c). */
static uint64_t fp_ptr(uint64_t h, const char *p) {
  return fp_mix(h, p ? intern_content_hash(p) : 0x5bd1e9955bd1e995u);
}

static uint64_t fp_indexes(uint64_t h, st_index *const *v, int n) {
  h = fp_mix(h, (uint64_t)n);
  for (int i = 0; i < n; i++) {
    h = fp_mix(fp_ptr(h, v[i]->name), (uint64_t)v[i]->nfields);
    for (int j = 0; j < v[i]->nfields; j++)
      h = fp_ptr(h, v[i]->fields[j]);
  }
  return h;
}

uint64_t st_entity_fingerprint(const st_entity *e) {
  uint64_t h = fp_ptr(fp_ptr(fp_ptr(0x243f6a8885a308d3u, e->name), e->table), e->pkey_name);
  h = fp_mix(h, (uint64_t)e->pkey.n);
  for (int i = 0; i < e->pkey.n; i++)
    h = fp_ptr(h, e->pkey.v[i]);
  h = fp_mix(h, (uint64_t)e->fields.n);
  for (int i = 0; i < e->fields.n; i++) {
    const st_field *f = e->fields.v[i];
    h = fp_ptr(fp_ptr(fp_ptr(h, f->name), f->column), f->type_name);
    h = fp_mix(h, (uint64_t)f->kind | (uint64_t)(uint16_t)f->precision << 8 |
                      (uint64_t)(uint16_t)f->scale << 24 | (uint64_t)f->nullable << 40 |
                      (uint64_t)f->array << 41 | (uint64_t)f->sensitive << 42 |
                      (uint64_t)f->def << 48 | (uint64_t)f->on_delete << 56);
    h = fp_mix(h, (uint64_t)(uint32_t)f->max_length);
    h = fp_ptr(fp_ptr(fp_ptr(h, f->def_text), f->ref_entity), f->ref_field);
  }
  h = fp_indexes(h, e->uniques.v, e->uniques.n);
  h = fp_indexes(h, e->indexes.v, e->indexes.n);
  return fp_indexes(h, e->fk_indexes.v, e->fk_indexes.n);
}

/* About the length of e's text as write_entity makes it, a little more. */
static size_t guess_len(const st_entity *e) {
  return 700 + 160 * (size_t)e->fields.n;
}

/* Room for about the text of the entities from `from` on: the buffer grows once or
** not at all. */
static void reserve_for(jw *w, const st_schema *s, int from) {
  size_t guess = 4096;
  for (int i = from; i < s->entities.n; i++)
    guess += guess_len(s->entities.v[i]);
  w->b.p = malloc(guess);
  if (w->b.p) {
    w->b.cap = guess;
    ir_advise_huge(w->b.p, guess);
  }
}

/* Entities [from, to) into a buffer of their own, on a second thread: the
** writer's state at the array's inner level, past its first entity. */
typedef struct jw_part {
  const st_schema *s;
  int from, to;
  jw w;
  arena a;
} jw_part;

static void *write_part(void *arg) {
  jw_part *p = arg;
  for (int i = p->from; i < p->to; i++) {
    st_prefetch_step(p->s->entities.v, i, p->to, p->w.like);
    write_entity(&p->w, p->s, i, &p->a);
  }
  return NULL;
}

/* Where the second thread starts: the entity that begins the second half of
** the fields, or 0 (no thread) when the snapshot is small, or when most of
** its entities may be copies (plan's, from the text it read): then a second
** thread saves little and costs a fresh buffer of megabytes. */
#define JW_PART_MIN_FIELDS 20000
static int part_start(const st_schema *s) {
  long total = 0, seen = 0, kept = 0;
  for (int i = 0; i < s->entities.n; i++) {
    total += s->entities.v[i]->fields.n + 1;
    kept += s->entities.v[i]->text != NULL;
  }
  if (total < JW_PART_MIN_FIELDS || !ir_threads_wanted() || kept * 2 > s->entities.n) return 0;
  for (int i = 0; i < s->entities.n; i++) {
    seen += s->entities.v[i]->fields.n + 1;
    if (seen * 2 >= total) return i + 1 < s->entities.n ? i + 1 : 0;
  }
  return 0;
}

static void write_document(jw *w_, const st_schema *s, const char *migration) {
  jw w = *w_;
  open_(&w, "{");
  kstr(&w, "format", ST_FORMAT);
  kstr(&w, "migration", migration ? migration : "");
  key(&w, "enums");
  open_(&w, "[");
  for (int i = 0; i < s->enums.n; i++) {
    const st_enum *e = s->enums.v[i];
    item(&w);
    open_(&w, "{");
    kstr(&w, "name", e->name);
    kstr(&w, "dbName", e->db_name);
    kstrings(&w, "values", e->members.v, e->members.n);
    close_(&w, "}");
  }
  close_(&w, "]");
  key(&w, "entities");
  open_(&w, "[");
  /* A file's second half is made on a second thread meanwhile (a third of
  ** plan's time at 10,000 entities went to this writer), the same bytes. */
  int mid = w.out ? part_start(s) : 0, end = mid ? mid : s->entities.n;
  jw_part part = {.s = s, .from = mid, .to = s->entities.n};
  ir_task task = {0};
  if (mid) {
    part.w.depth = w.depth;
    part.w.first = false;
    part.w.like = w.like;
    part.w.marks = w.marks;
    part.w.names = w.names;
    reserve_for(&part.w, s, mid);
    arena_init(&part.a);
    ir_task_start(&task, write_part, &part, true);
  }
  for (int i = 0; i < end; i++) {
    st_prefetch_step(s->entities.v, i, end, w.like);
    write_entity(&w, s, i, s->a);
    if (w.b.n > 1 << 16) flush(&w);
  }
  if (mid) {
    ir_task_wait(&task);
    flush(&w);
    for (int i = mid; w.marks && i < s->entities.n; i++)
      w.marks[i].off += (uint32_t)w.done;
    w.pieces[w.npieces++] = (jw_piece){part.w.b.p, 0, part.w.b.n};
    w.queued += part.w.b.n;
    flush(&w);
    free(part.w.b.p);
    arena_free(&part.a);
    w.first = false;
  }
  close_(&w, "]");
  close_(&w, "}");
  PUT(&w, "\n");
  flush(&w);
  *w_ = w;
}

char *st_write_json(const st_schema *s, const char *migration) {
  jw w = {0};
  w.first = true;
  reserve_for(&w, s, 0);
  write_document(&w, s, migration);
  return w.b.p;
}

bool st_write_json_file(const st_schema *s, const st_schema *like, const char *migration, FILE *f,
                        ir_sha256 *sum, st_outline *outline) {
  jw w = {0};
  w.first = true;
  w.marks = outline ? outline->v : NULL;
  w.names = outline ? outline->names : NULL;
  w.like = like && like->fingerprints ? like : NULL;
  w.out = f;
  w.sum = sum;
  /* A file is written with writev from here on, so nothing may wait in f's
  ** buffer; a memory stream has no file, and takes fwrite. */
  w.fd = fileno(f);
  w.pieces = malloc(sizeof *w.pieces * JW_PIECES);
  if (!w.pieces || (w.fd >= 0 && fflush(f) != 0)) {
    free(w.pieces);
    return false;
  }
  /* The file's blocks taken at once, its size about right (kept texts as
  ** they are, the others as guess_len guesses), then cut to what was
  ** written: ext4 otherwise reserves and maps each page as it is written,
  ** a third of writing a 15 MB snapshot. */
  off_t ahead = 0;
  if (w.fd >= 0 && s->entities.n >= JW_FALLOCATE_MIN) {
    ahead = 4096;
    for (int i = 0; i < s->entities.n; i++) {
      const st_entity *e = s->entities.v[i];
      ahead += (off_t)(e->text ? e->text_len + 8 : guess_len(e));
    }
    if (fallocate(w.fd, 0, 0, ahead) != 0) ahead = 0; /* not here: written as it comes */
  }
  write_document(&w, s, migration);
  if (ahead > (off_t)w.done && !w.failed && ftruncate(w.fd, (off_t)w.done) != 0) w.failed = true;
  free(w.b.p);
  free(w.pieces);
  if (outline) {
    outline->n = s->entities.n;
    outline->text_len = w.done;
    /* beyond an outline's reach (4 GB): none, rather than a wrong one */
    if (w.done > UINT32_MAX) outline->n = -1;
  }
  return !w.failed;
}
