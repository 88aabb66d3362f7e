/*
** arena.c: bump allocation in chunks, freed all at once.
*/
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS and MADV_HUGEPAGE */
#include "ir.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks come zeroed from calloc or mmap (and are zeroed again when the
** cache below hands one back), so memory handed out is already zero.  They
** start small, for the many tiny compilations of an editor or a fuzzer, and
** double up to a few megabytes, for large schemas. */
#define CHUNK_FIRST (64 * 1024)
#define CHUNK_MAX (4 * 1024 * 1024 - sizeof(arena_chunk)) /* two huge pages, header included */
#define ARENA_BIG ((size_t)1 << 20)

void arena_init(arena *a) {
  a->head = NULL;
  a->total = 0;
  a->chunks = 0;
  a->large = false;
}

void arena_init_large(arena *a) {
  arena_init(a);
  a->large = true;
}

/* Mapped chunks of the usual size that an arena gave back, for the next
** arena: a scratch arena freed mid-command (a snapshot's JSON tree) is then
** reused, not mapped and zeroed by the kernel again. */
#define CACHE_MAX 16
static arena_chunk *chunk_cache[CACHE_MAX];
static int chunk_cached;
/* Arenas of different threads (the front end's parse, frontend/parse.c) may
** give and take chunks at once; they do so a few times a megabyte. */
static pthread_mutex_t chunk_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cache_release(void) {
  while (chunk_cached > 0) {
    arena_chunk *c = chunk_cache[--chunk_cached];
    munmap(c, c->mapped);
  }
}

static void chunk_release(arena_chunk *c) {
  static bool registered;
  if (!c->mapped) {
    free(c);
    return;
  }
  pthread_mutex_lock(&chunk_cache_lock);
  if (c->mapped != CHUNK_MAX + sizeof(arena_chunk) || chunk_cached == CACHE_MAX) {
    pthread_mutex_unlock(&chunk_cache_lock);
    munmap(c, c->mapped);
    return;
  }
  if (!registered) registered = atexit(cache_release) == 0;
  chunk_cache[chunk_cached++] = c; /* zeroed when taken: most are never taken */
  pthread_mutex_unlock(&chunk_cache_lock);
}

void arena_free(arena *a) {
  arena_chunk *c = a->head;
  while (c) {
    arena_chunk *next = c->next;
    chunk_release(c);
    c = next;
  }
  a->head = NULL;
  a->total = 0;
  a->chunks = 0;
}

static void out_of_memory(void) {
  /* Out of memory is not an input error: there is nothing sensible to keep. */
  fputs("inspirec: out of memory\n", stderr);
  abort();
}

/* A chunk of 2 MB or more is mapped on a 2 MB boundary and offered to the
** kernel as huge pages: a large schema then takes a few hundred page faults
** instead of tens of thousands (a third of `check` at 10,000 entities). */
#define HUGE_PAGE ((size_t)2 << 20)

/* len (a multiple of HUGE_PAGE) zeroed bytes on a 2 MB boundary. */
static void *map_huge(size_t len) {
  unsigned char *raw =
      mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) out_of_memory();
  size_t head = (HUGE_PAGE - (uintptr_t)raw % HUGE_PAGE) % HUGE_PAGE;
  if (head) munmap(raw, head);
  if (HUGE_PAGE - head) munmap(raw + head + len, HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
  madvise(raw + head, len, MADV_HUGEPAGE); /* advice only: it may be refused */
#endif
  return raw + head;
}

static size_t huge_round(size_t bytes) {
  return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

/* Below huge pages, from this size on a block is mapped with every page
** faulted in at once (MAP_POPULATE): one call instead of a fault a page,
** two when the page is read before it is written (a hash table's probes).
** An arena's first chunk is one of them: left to the heap (a threshold of
** 128 KB), a 10,000-entity check's peak grew by 1 to 2 MB, and small
** checks were no faster (100 paired runs of examples/tasks). */
#define POPULATED ((size_t)64 << 10)

static size_t page_round(size_t bytes) {
  return (bytes + 4095) & ~(size_t)4095;
}

static void *map_populated(size_t len) {
  void *p =
      mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) out_of_memory();
  return p;
}

void ir_advise_huge(void *p, size_t bytes) {
  uintptr_t from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  uintptr_t to = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
  if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#endif
}

void *table_alloc(size_t bytes) {
  if (bytes >= POPULATED && bytes < HUGE_PAGE) return map_populated(page_round(bytes));
  if (bytes < HUGE_PAGE) {
    void *p = calloc(1, bytes);
    if (!p) out_of_memory();
    return p;
  }
  return map_huge(huge_round(bytes));
}

void table_free(void *p, size_t bytes) {
  if (!p) return;
  if (bytes < POPULATED)
    free(p);
  else
    munmap(p, bytes < HUGE_PAGE ? page_round(bytes) : huge_round(bytes));
}

/* A chunk at the start of len freshly mapped (zeroed) bytes. */
static arena_chunk *chunk_in_mapping(void *p, size_t len) {
  arena_chunk *c = p;
  c->mapped = len;
  c->cap = len - sizeof(arena_chunk);
  return c;
}

static arena_chunk *chunk_map(size_t bytes) {
  arena_chunk *c = NULL;
  if (bytes <= CHUNK_MAX + sizeof(arena_chunk)) {
    pthread_mutex_lock(&chunk_cache_lock);
    if (chunk_cached > 0) c = chunk_cache[--chunk_cached];
    pthread_mutex_unlock(&chunk_cache_lock);
  }
  if (c) {
    memset(c->data, 0, c->used); /* handed out zeroed, as a fresh mapping is */
    c->used = 0;
    c->next = NULL;
    return c;
  }
  size_t len = huge_round(bytes);
  return chunk_in_mapping(map_huge(len), len);
}

static arena_chunk *chunk_new(size_t need, size_t want) {
  size_t cap = need > want ? need : want;
  if (sizeof(arena_chunk) + cap >= HUGE_PAGE) return chunk_map(sizeof(arena_chunk) + cap);
  if (sizeof(arena_chunk) + cap >= POPULATED) {
    size_t len = page_round(sizeof(arena_chunk) + cap);
    return chunk_in_mapping(map_populated(len), len);
  }
  arena_chunk *c = calloc(1, sizeof(arena_chunk) + cap);
  if (!c) out_of_memory();
  c->used = 0;
  c->cap = cap;
  return c;
}

/* size bytes at a multiple of align (8, or 1 for text: names are many and
** short, and rounding each up to 16 bytes cost a tenth of the IR); arena_bump
** in ir.h is the same for a request that fits the head chunk. */
static void *bump(arena *a, size_t size, size_t align) {
  arena_chunk *c = a->head;
  size_t off = c ? (c->used + align - 1) & ~(align - 1) : 0;
  if (!c || off > c->cap || c->cap - off < size) {
    /* A chunk with room may wait behind the head (the other head of
    ** arena_adopt, or one made for a big request): its room is used before a
    ** new chunk is made.  After a rewind to a mark taken before the swap,
    ** what went there stays taken until the arena is freed. */
    arena_chunk *n = c ? c->next : NULL;
    if (n && n->cap - n->used >= size + align) {
      c->next = n->next;
      n->next = c;
      a->head = n;
      return bump(a, size, align);
    }
    size_t want = c ? c->cap * 2 : CHUNK_FIRST;
    /* Past a megabyte, or for a big request (a file's text), the chunks are
    ** the biggest at once, in huge pages: the small ones of the doubling
    ** cost a page fault each 4 KB (a seventh of `check`'s memory at 10,000
    ** entities was in them, over the four arenas a big schema uses). */
    if (a->large || a->total >= ARENA_BIG || size >= ARENA_BIG / 4) want = CHUNK_MAX;
    if (want > CHUNK_MAX) want = CHUNK_MAX;
    c = chunk_new(size, want);
    c->serial = a->chunks++;
    off = 0;
    /* A big request gets its own chunk behind the current one, so the space
    ** left in the current chunk is not wasted. */
    if (a->head && size > want / 4) {
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = c->data + off;
  c->used = off + size;
  a->total += size;
  return p;
}

void *arena_alloc_slow(arena *a, size_t size, size_t align) {
  return bump(a, size ? size : 1, align);
}

static size_t room(const arena_chunk *c) {
  return c ? c->cap - c->used : 0;
}

void arena_adopt(arena *a, arena *from) {
  arena_chunk *tail = NULL;
  for (arena_chunk *c = from->head; c; c = c->next) {
    c->serial = a->chunks++; /* made now, as far as a's marks can tell */
    tail = c;
  }
  if (!tail) return;
  if (!a->head) {
    a->head = from->head;
  } else if (room(from->head) > room(a->head)) {
    /* from's head, with more room, becomes the head; a's old head goes right
    ** behind it, where bump finds its room next, and from's older chunks
    ** after a's */
    arena_chunk *rest = from->head->next, *last = a->head;
    while (last->next)
      last = last->next;
    last->next = rest;
    from->head->next = a->head;
    a->head = from->head;
  } else {
    tail->next = a->head->next;
    a->head->next = from->head;
  }
  a->total += from->total;
  arena_init(from);
}

arena_mark arena_save(arena *a) {
  if (!a->head) arena_alloc(a, 1); /* a chunk the rewinds keep, not one made again each time */
  arena_mark m = {a->head, a->head->used, a->total, a->chunks};
  return m;
}

void arena_rewind(arena *a, arena_mark m) {
  /* newer chunks may sit on either side of the mark's head (a big request
  ** goes behind the head): their serial numbers tell them */
  for (arena_chunk **pp = &a->head; *pp;) {
    arena_chunk *c = *pp;
    if (c->serial >= m.chunks) {
      *pp = c->next;
      chunk_release(c);
    } else {
      pp = &c->next;
    }
  }
  if (m.head) {
    memset(m.head->data + m.used, 0, m.head->used - m.used);
    m.head->used = m.used;
  }
  a->total = m.total;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  char *p = bump(a, n + 1, 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

/* The text of the conversion at q ("%s", "%d" or "%%"), taking its argument. */
static const char *conversion(const char *q, va_list *ap, char num[16]) {
  if (q[1] == '%') return "%";
  if (q[1] == 'd') {
    int v = va_arg(*ap, int);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char *w = num + 15;
    *w = 0;
    do
      *--w = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--w = '-';
    return w;
  }
  const char *s = va_arg(*ap, const char *);
  return s ? s : "(null)";
}

/* fmt put together in one pass, when it converts nothing but %s and %d (and
** writes %%), as most SQL a backend emits does, and its text fits a stack
** buffer; otherwise NULL, nothing taken from ap.  vsnprintf, run twice, was
** a tenth of lowering a large schema; measuring in one pass and copying in
** another was still an eighth of lowering for MySQL. */
static char *put_simple(arena *a, const char *fmt, va_list ap) {
  char buf[1024], num[16];
  size_t n = 0;
  va_list args;
  va_copy(args, ap);
  for (const char *p = fmt;;) { /* a run of text, then a conversion */
    const char *q = strchr(p, '%');
    size_t k = q ? (size_t)(q - p) : strlen(p);
    if (k >= sizeof buf - n) goto other;
    memcpy(buf + n, p, k);
    n += k;
    if (!q) break;
    if (q[1] != 's' && q[1] != 'd' && q[1] != '%') goto other;
    const char *s = conversion(q, &args, num);
    k = strlen(s);
    if (k >= sizeof buf - n) goto other;
    memcpy(buf + n, s, k);
    n += k;
    p = q + 2;
  }
  va_end(args);
  char *out = bump(a, n + 1, 1);
  memcpy(out, buf, n);
  out[n] = 0;
  return out;
other:
  va_end(args);
  return NULL;
}

/* Otherwise one vsnprintf into a stack buffer, a second only for long text. */
char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
  char *simple = put_simple(a, fmt, ap);
  if (simple) return simple;
  char small[512];
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) n = 0;
  char *p = bump(a, (size_t)n + 1, 1);
  if ((size_t)n < sizeof small)
    memcpy(p, small, (size_t)n + 1);
  else
    vsnprintf(p, (size_t)n + 1, fmt, again);
  va_end(again);
  return p;
}

/* Up to CONCAT_PARTS non-empty parts are measured once and kept; more are
** measured again as they are copied.  Lowering's column definitions, seven
** parts of which several are "", were most of its calls to strlen. */
#define CONCAT_PARTS 16

char *arena_concat(arena *a, ...) {
  va_list ap;
  const char *part[CONCAT_PARTS];
  size_t len[CONCAT_PARTS], n = 0;
  int k = 0;
  bool many = false;
  va_start(ap, a);
  for (const char *s; (s = va_arg(ap, const char *));) {
    size_t l = *s ? strlen(s) : 0;
    n += l;
    if (!l) continue;
    if (k == CONCAT_PARTS) many = true;
    if (many) continue;
    part[k] = s;
    len[k++] = l;
  }
  va_end(ap);
  char *p = bump(a, n + 1, 1), *w = p;
  if (!many) {
    for (int i = 0; i < k; i++) {
      memcpy(w, part[i], len[i]);
      w += len[i];
    }
    *w = 0;
    return p;
  }
  va_start(ap, a);
  for (const char *s; (s = va_arg(ap, const char *));) {
    size_t l = strlen(s);
    memcpy(w, s, l);
    w += l;
  }
  va_end(ap);
  *w = 0;
  return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void vec_grow_(arena *a, void **v, int *cap, size_t elem) {
  int ncap = *cap ? *cap * 2 : 2; /* most vectors of an entity hold one or two */
  void *nv = arena_alloc(a, (size_t)ncap * elem);
  if (*v) memcpy(nv, *v, (size_t)*cap * elem);
  *v = nv;
  *cap = ncap;
}

void strbuf_grow_(strbuf *t, size_t n) {
  t->cap = (t->n + n + 1) * 2 + 256;
  t->p = realloc(t->p, t->cap);
  if (!t->p) out_of_memory();
}

void strbuf_puts(strbuf *t, const char *s) {
  strbuf_put(t, s, strlen(s));
}

/* Formatted into the room left; when it did not fit, the room is grown and
** the text formatted again. */
void strbuf_printf(strbuf *t, const char *fmt, ...) {
  if (!t->p) strbuf_grow_(t, 0);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
  va_end(ap);
  if (n < 0) { /* a format error: nothing written */
    t->p[t->n] = 0;
    return;
  }
  if ((size_t)n >= t->cap - t->n) {
    strbuf_grow_(t, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
  }
  t->n += (size_t)n;
}

char *strbuf_done(strbuf *t, arena *a) {
  char *r = arena_strndup(a, t->p ? t->p : "", t->n);
  free(t->p);
  *t = (strbuf){0};
  return r;
}
