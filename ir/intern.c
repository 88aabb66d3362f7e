/*
** intern.c: interned names and the pointer-keyed map that resolves them.
*/
#include "ir.h"

#include <string.h>

uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

void strtab_init(strtab *t, arena *a) {
  t->a = a;
  t->cap = 256;
  t->n = 0;
  t->slots = arena_alloc(a, t->cap * sizeof(*t->slots));
  t->lens = arena_alloc(a, t->cap * sizeof(*t->lens));
}

static void strtab_grow(strtab *t) {
  uint32_t ncap = t->cap * 2;
  const char **slots = arena_alloc(t->a, ncap * sizeof(*slots));
  uint32_t *lens = arena_alloc(t->a, ncap * sizeof(*lens));
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->slots[i]) continue;
    uint32_t j = hash_bytes(t->slots[i], t->lens[i]) & (ncap - 1);
    while (slots[j])
      j = (j + 1) & (ncap - 1);
    slots[j] = t->slots[i];
    lens[j] = t->lens[i];
  }
  t->slots = slots;
  t->lens = lens;
  t->cap = ncap;
}

const char *intern(strtab *t, const char *s, size_t n) {
  if (t->n * 2 >= t->cap) strtab_grow(t);
  uint32_t j = hash_bytes(s, n) & (t->cap - 1);
  while (t->slots[j]) {
    if (t->lens[j] == n && memcmp(t->slots[j], s, n) == 0) return t->slots[j];
    j = (j + 1) & (t->cap - 1);
  }
  t->slots[j] = arena_strndup(t->a, s, n);
  t->lens[j] = (uint32_t)n;
  t->n++;
  return t->slots[j];
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
  m->keys = NULL;
  m->vals = NULL;
}

void *namemap_get(const namemap *m, const char *name) {
  if (!m->cap || !name) return NULL;
  uint32_t j = ptr_hash(name) & (m->cap - 1);
  while (m->keys[j]) {
    if (m->keys[j] == name) return m->vals[j];
    j = (j + 1) & (m->cap - 1);
  }
  return NULL;
}

static void namemap_grow(namemap *m) {
  uint32_t ncap = m->cap ? m->cap * 2 : 16;
  const char **keys = arena_alloc(m->a, ncap * sizeof(*keys));
  void **vals = arena_alloc(m->a, ncap * sizeof(*vals));
  for (uint32_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    uint32_t j = ptr_hash(m->keys[i]) & (ncap - 1);
    while (keys[j])
      j = (j + 1) & (ncap - 1);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  m->keys = keys;
  m->vals = vals;
  m->cap = ncap;
}

void namemap_put(namemap *m, const char *name, void *val) {
  if ((m->n + 1) * 2 > m->cap) namemap_grow(m);
  uint32_t j = ptr_hash(name) & (m->cap - 1);
  while (m->keys[j]) {
    if (m->keys[j] == name) {
      m->vals[j] = val;
      return;
    }
    j = (j + 1) & (m->cap - 1);
  }
  m->keys[j] = name;
  m->vals[j] = val;
  m->n++;
}
