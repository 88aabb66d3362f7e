/*
** intern.c: interned names and the pointer-keyed map that resolves them.
*/
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
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
static strtab_slot *new_slots(uint32_t cap) {
  return table_alloc((size_t)cap * sizeof(strtab_slot));
}

void strtab_init(strtab *t, arena *a) {
  t->a = a;
  t->cap = 256;
  t->n = 0;
  t->slots = new_slots(t->cap);
}

void strtab_free(strtab *t) {
  table_free(t->slots, (size_t)t->cap * sizeof(strtab_slot));
  t->slots = NULL;
  t->cap = t->n = 0;
}

static void strtab_grow(strtab *t) {
  uint32_t ncap = t->cap * 2;
  strtab_slot *slots = new_slots(ncap);
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].s) continue;
    uint32_t j = t->slots[i].hash & (ncap - 1);
    while (slots[j].s)
      j = (j + 1) & (ncap - 1);
    slots[j] = t->slots[i];
  }
  table_free(t->slots, (size_t)t->cap * sizeof(strtab_slot));
  t->slots = slots;
  t->cap = ncap;
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
static uint32_t name_hash(const unsigned char *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15u ^ n;
  size_t total = n;
  for (; n > 8; p += 8, n -= 8) {
    h = (h ^ load8(p)) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  if (n) h = (h ^ tail_word(p, n, total)) * 0xc4ceb9fe1a85ec53u;
  h ^= h >> 29;
  h *= 0xff51afd7ed558ccdu;
  return (uint32_t)(h >> 32);
}

/* Equal bytes, a word at a step, by the same loads as the hash. */
static bool same_name(const unsigned char *a, const unsigned char *b, size_t n) {
  size_t total = n;
  for (; n > 8; a += 8, b += 8, n -= 8)
    if (load8(a) != load8(b)) return false;
  return !n || tail_word(a, n, total) == tail_word(b, n, total);
}

const char *intern(strtab *t, const char *s, size_t n) {
  if (t->n * 2 >= t->cap) strtab_grow(t);
  const unsigned char *u = (const unsigned char *)s;
  uint32_t h = name_hash(u, n), j = h & (t->cap - 1);
  for (strtab_slot *x; (x = &t->slots[j])->s; j = (j + 1) & (t->cap - 1))
    if (x->hash == h && x->len == n && same_name((const unsigned char *)x->s, u, n)) return x->s;
  t->slots[j].s = arena_strndup(t->a, s, n);
  t->slots[j].len = (uint32_t)n;
  t->slots[j].hash = h;
  t->n++;
  return t->slots[j].s;
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
  while (n * 4 > cap * 3)
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
  if ((m->n + 1) * 4 > m->cap * 3) namemap_grow(m); /* at most three quarters full */
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
