/*
** diag.c: the diagnostics of one compilation, collected in order of discovery
** and sorted once before they are printed.
*/
#include "frontend.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const diag_info diag_table[DIAG_COUNT] = {
#define X(code, sev, title) {#code, SEV_##sev, title},
    DIAG_CODES(X)
#undef X
};

void diag_init(diag_list *d, arena *a) {
  memset(d, 0, sizeof *d);
  d->a = a;
}

/* Past the limit a diagnostic is still returned (callers may add notes) but
** not kept, so a binary file cannot flood the terminal. */
diag *diag_add(diag_list *d, diag_code code, ir_range r, const char *fmt, ...) {
  diag *g = arena_alloc(d->a, sizeof *g);
  g->code = code;
  g->severity = diag_table[code].severity;
  g->range = r;
  g->seq = diag_found(d);
  va_list ap;
  va_start(ap, fmt);
  g->msg = arena_vprintf(d->a, fmt, ap);
  va_end(ap);
  if (g->severity == SEV_ERROR)
    d->errors++;
  else
    d->warnings++;
  if (d->limit && d->items.n >= d->limit) return g;
  vec_push(d->a, d->items, g);
  return g;
}

void diag_note_add(diag_list *d, diag *g, ir_range r, const char *fmt, ...) {
  diag_note n;
  n.range = r;
  va_list ap;
  va_start(ap, fmt);
  n.msg = arena_vprintf(d->a, fmt, ap);
  va_end(ap);
  vec_push(d->a, g->notes, n);
}

void diag_label(diag_list *d, diag *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g->label = arena_vprintf(d->a, fmt, ap);
  va_end(ap);
}

static int cmp_diag(const void *pa, const void *pb) {
  const diag *a = *(diag *const *)pa, *b = *(diag *const *)pb;
  if (a->range.file_no != b->range.file_no) return a->range.file_no < b->range.file_no ? -1 : 1;
  if (a->range.off != b->range.off) return a->range.off < b->range.off ? -1 : 1;
  if (a->code != b->code) return a->code < b->code ? -1 : 1;
  /* equal keys keep discovery order (qsort alone is not stable) */
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_sort(diag_list *d) {
  if (d->items.n > 1) qsort(d->items.v, (size_t)d->items.n, sizeof(diag *), cmp_diag);
}

static int cmp_seq(const void *pa, const void *pb) {
  const diag *a = *(diag *const *)pa, *b = *(diag *const *)pb;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The items of one list in discovery order (a sort may have moved them). */
static void in_discovery_order(diag_list *d) {
  if (d->items.n > 1) qsort(d->items.v, (size_t)d->items.n, sizeof(diag *), cmp_seq);
}

void diag_concat(diag_list *d, diag_list *earlier, diag_list *later) {
  in_discovery_order(earlier);
  in_discovery_order(later);
  int base = diag_found(earlier), limit = d->limit;
  diag_list out = *d;
  out.items.v = NULL;
  out.items.n = out.items.cap = 0;
  for (int i = 0; i < earlier->items.n; i++)
    if (!limit || out.items.n < limit) vec_push(out.a, out.items, earlier->items.v[i]);
  for (int i = 0; i < later->items.n; i++) {
    later->items.v[i]->seq += base;
    if (!limit || out.items.n < limit) vec_push(out.a, out.items, later->items.v[i]);
  }
  out.errors = earlier->errors + later->errors;
  out.warnings = earlier->warnings + later->warnings;
  *d = out;
}
