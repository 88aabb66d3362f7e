/*
** intern.c: interned names and the pointer-keyed map that resolves them.
*/
#include "ir.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

/* FNV-1a: stable across machines, since the bytes are read in order. */
uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

/* The table lives outside the arena: each growth frees the old table, where
** an arena would keep every size it passed through (2 MB of a 10,000-entity
** check).  A big one is mapped in huge pages (table_alloc): probed at random,
** in 4 KB pages it took two thirds of plan's page faults at 100,000
** entities.  The strings stay in the arena. */
static strtab_table *new_table(uint32_t cap) {
  strtab_table *tab = table_alloc(sizeof *tab);
  tab->mask = cap - 1;
  tab->slot = table_alloc((size_t)cap * sizeof(strtab_slot));
  return tab;
}

static void free_table(strtab_table *tab) {
  table_free(tab->slot, (size_t)(tab->mask + 1) * sizeof(strtab_slot));
  table_free(tab, sizeof *tab);
}

/* What sharing adds: the lock, the names made meanwhile (allocated under the
** lock, from an arena of their own, since the owner's arena is another
** thread's), and the tables outgrown while a reader may still be probing them. */
struct strtab_sync {
  pthread_mutex_t lock;
  arena *owner;
  arena names;
  strtab_table *retired[32]; /* one per doubling: 32 is past any size */
  int nretired;
  int shares; /* strtab_share calls not yet undone: a history thread's share may
              ** span the parse's own (frontend/history_thread.c) */
};

void strtab_init(strtab *t, arena *a) {
  t->a = a;
  t->n = 0;
  t->sync = NULL;
  t->tab = new_table(256);
}

void strtab_free(strtab *t) {
  if (t->sync) strtab_unshare(t);
  if (t->tab) free_table(t->tab);
  t->tab = NULL;
  t->n = 0;
}

/* Whether `names` names fill `cap` slots past three quarters, the rule of
** the name table and of every namemap: most lookups then still find their
** name at the first slot or the next, in the same cache line, and the name
** table is half the size that half full needs (a megabyte at 10,000
** entities). */
static bool too_full(uint64_t names, uint64_t cap) {
  return names * 4 > cap * 3;
}

/* Under the lock while shared. */
static void strtab_resize(strtab *t, uint32_t ncap) {
  strtab_table *old = t->tab;
  strtab_table *tab = new_table(ncap);
  for (uint32_t i = 0; i <= old->mask; i++) {
    if (!old->slot[i].s) continue;
    uint32_t j = old->slot[i].hash & (ncap - 1);
    while (tab->slot[j].s)
      j = (j + 1) & (ncap - 1);
    tab->slot[j] = old->slot[i];
  }
  __atomic_store_n(&t->tab, tab, __ATOMIC_RELEASE);
  if (t->sync && t->sync->nretired < 32)
    t->sync->retired[t->sync->nretired++] = old;
  else
    free_table(old);
}

void strtab_reserve(strtab *t, uint32_t names) {
  struct strtab_sync *y = t->sync;
  if (y) pthread_mutex_lock(&y->lock);
  uint32_t cap = t->tab->mask + 1;
  while (names < UINT32_MAX / 8 && too_full(names, cap))
    cap *= 2;
  if (cap > t->tab->mask + 1) strtab_resize(t, cap);
  if (y) pthread_mutex_unlock(&y->lock);
}

void strtab_share(strtab *t) {
  if (t->sync) {
    t->sync->shares++;
    return;
  }
  struct strtab_sync *y = table_alloc(sizeof *y);
  pthread_mutex_init(&y->lock, NULL);
  y->owner = t->a;
  y->shares = 1;
  arena_init(&y->names);
  t->a = &y->names;
  t->sync = y;
}

void strtab_unshare(strtab *t) {
  struct strtab_sync *y = t->sync;
  if (!y || --y->shares > 0) return;
  t->sync = NULL;
  t->a = y->owner;
  arena_adopt(t->a, &y->names);
  for (int i = 0; i < y->nretired; i++)
    free_table(y->retired[i]);
  pthread_mutex_destroy(&y->lock);
  table_free(y, sizeof *y);
}

static uint64_t load8(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static uint64_t load4(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* The last 1 to 8 bytes of a name as one word, read without going past its
** end (overlapping loads when it is long enough). */
static uint64_t tail_word(const unsigned char *p, size_t n, size_t total) {
  if (total >= 8) return load8(p + n - 8);
  if (n >= 4) return load4(p) << 32 | load4(p + n - 4);
  return (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
}

/* The table's hash reads a word at a step: FNV-1a's byte at a step, a call
** to memcmp and the probe were a tenth of `check` (1.3 million names at 10,000
** entities).  Its values are never printed nor iterated in order, so the
** machine's byte order does not matter; hash_bytes stays FNV-1a, since
** truncated identifiers print it. */
static uint64_t name_hash64(const unsigned char *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15u ^ n;
  size_t total = n;
  for (; n > 8; p += 8, n -= 8) {
    h = (h ^ load8(p)) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  if (n) h = (h ^ tail_word(p, n, total)) * 0xc4ceb9fe1a85ec53u;
  h ^= h >> 29;
  h *= 0xff51afd7ed558ccdu;
  return h ^ (h >> 32);
}

static uint32_t name_hash(uint64_t h64) {
  return (uint32_t)(h64 >> 32);
}

uint64_t intern_content_hash_checked(const char *name) {
  uint64_t h;
  memcpy(&h, name - sizeof h, sizeof h);
  assert(h == name_hash64((const unsigned char *)name, strlen(name)) &&
         "a name given for its content hash that was never interned");
  return h;
}

/* Equal bytes, a word at a step, by the same loads as the hash. */
static bool same_name(const unsigned char *a, const unsigned char *b, size_t n) {
  size_t total = n;
  for (; n > 8; a += 8, b += 8, n -= 8)
    if (load8(a) != load8(b)) return false;
  return !n || tail_word(a, n, total) == tail_word(b, n, total);
}

/* The name (u, n, h) in tab, or NULL with *empty at the slot where it would
** go.  The slot's name is loaded once: while shared, another thread may fill
** an empty slot with another name at any moment. */
static inline __attribute__((always_inline)) const char *
probe(strtab_table *tab, const unsigned char *u, size_t n, uint32_t h, strtab_slot **empty) {
  for (uint32_t j = h & tab->mask;; j = (j + 1) & tab->mask) {
    strtab_slot *x = &tab->slot[j];
    const char *xs = __atomic_load_n(&x->s, __ATOMIC_ACQUIRE);
    if (!xs) {
      *empty = x;
      return NULL;
    }
    if (x->hash == h && x->len == n && same_name((const unsigned char *)xs, u, n)) return xs;
  }
}

/* A name the table did not have when looked up: added, unless another thread
** added it since. */
static __attribute__((noinline)) const char *intern_add(strtab *t, const char *s, size_t n,
                                                        uint64_t h64) {
  uint32_t h = name_hash(h64);
  const unsigned char *u = (const unsigned char *)s;
  struct strtab_sync *y = t->sync;
  strtab_slot *x = NULL;
  if (y) {
    pthread_mutex_lock(&y->lock);
    const char *found = probe(t->tab, u, n, h, &x);
    if (found) {
      pthread_mutex_unlock(&y->lock);
      return found;
    }
  }
  if (too_full(t->n + 1, t->tab->mask + 1)) strtab_resize(t, (t->tab->mask + 1) * 2);
  probe(t->tab, u, n, h, &x);
  /* the content hash goes before the bytes (intern_content_hash) */
  char *copy = arena_text(t->a, sizeof h64 + n + 1) + sizeof h64;
  memcpy(copy - sizeof h64, &h64, sizeof h64);
  memcpy(copy, s, n);
  x->len = (uint32_t)n;
  x->hash = h;
  __atomic_store_n(&x->s, copy, __ATOMIC_RELEASE);
  t->n++;
  if (y) pthread_mutex_unlock(&y->lock);
  return copy;
}

const char *intern(strtab *t, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  uint64_t h64 = name_hash64(u, n);
  strtab_slot *empty;
  const char *found =
      probe(__atomic_load_n(&t->tab, __ATOMIC_ACQUIRE), u, n, name_hash(h64), &empty);
  return found ? found : intern_add(t, s, n, h64);
}

const char *intern_cstr(strtab *t, const char *s) {
  return intern(t, s, strlen(s));
}

static uint32_t ptr_hash(const char *p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

void namemap_init(namemap *m, arena *a) {
  m->a = a;
  m->cap = 0;
  m->n = 0;
  m->slots = NULL;
}

void namemap_prefetch(const namemap *m, const char *name) {
  if (m->cap && name) __builtin_prefetch(&m->slots[ptr_hash(name) & (m->cap - 1)]);
}

void *namemap_peek(const namemap *m, const char *name) {
  if (!m->cap || !name) return NULL;
  const namemap_slot *x = &m->slots[ptr_hash(name) & (m->cap - 1)];
  return x->key == name ? x->val : NULL;
}

void *namemap_get(const namemap *m, const char *name) {
  if (!m->cap || !name) return NULL;
  uint32_t j = ptr_hash(name) & (m->cap - 1);
  for (const namemap_slot *x; (x = &m->slots[j])->key; j = (j + 1) & (m->cap - 1))
    if (x->key == name) return x->val;
  return NULL;
}

static void namemap_rehash(namemap *m, uint32_t ncap);

void namemap_reserve(namemap *m, uint32_t n) {
  uint32_t cap = 8;
  while (too_full(n, cap))
    cap *= 2;
  if (cap > m->cap) namemap_rehash(m, cap);
}

static void namemap_grow(namemap *m) {
  namemap_rehash(m, m->cap ? m->cap * 2 : 8);
}

static void namemap_rehash(namemap *m, uint32_t ncap) {
  namemap_slot *slots = arena_alloc(m->a, ncap * sizeof(*slots));
  for (uint32_t i = 0; i < m->cap; i++) {
    if (!m->slots[i].key) continue;
    uint32_t j = ptr_hash(m->slots[i].key) & (ncap - 1);
    while (slots[j].key)
      j = (j + 1) & (ncap - 1);
    slots[j] = m->slots[i];
  }
  m->slots = slots;
  m->cap = ncap;
}

void namemap_put(namemap *m, const char *name, void *val) {
  if (too_full((uint64_t)m->n + 1, m->cap)) namemap_grow(m);
  uint32_t j = ptr_hash(name) & (m->cap - 1);
  for (namemap_slot *x; (x = &m->slots[j])->key; j = (j + 1) & (m->cap - 1))
    if (x->key == name) {
      x->val = val;
      return;
    }
  m->slots[j].key = name;
  m->slots[j].val = val;
  m->n++;
}
