/*
** fuzz_diff.c: the differ on two fuzzed schemas, A and B, split at the first
** line "%%" (none: A is empty).  When both compile, plan(A, B) replayed on A
** must give B, plan(A, A) must be empty, the printed plan must parse and
** replay to B as well, and the plan lowers up and down in every dialect.
*/
#include "fuzz.h"

#include <string.h>

static st_schema *compile(fe_compilation *c, fe_compilation *owner, const char *name,
                          const char *text, size_t len) {
  fe_init_shared(c, owner);
  fe_compile_buffer(c, name, text, len);
  return c->diags.errors ? NULL : st_from_schema(&c->schema);
}

static ir_plan *plan_of(const st_schema *a, const st_schema *b, const ir_schema *src, arena *ar) {
  ir_plan *p = arena_alloc(ar, sizeof *p);
  p->name = "0002_fuzz";
  diff_hints h = {src};
  diff_schemas(a, b, &h, p, ar);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  const char *text = (const char *)data, *cut = NULL;
  for (size_t i = 0; i + 3 <= size && !cut; i++)
    if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "%%", 2) == 0 &&
        (i + 2 == size || text[i + 2] == '\n'))
      cut = text + i;
  size_t alen = cut ? (size_t)(cut - text) : 0;
  const char *btext = cut ? cut + 2 : text;
  size_t blen = size - (size_t)(btext - text);
  fe_compilation owner, ca, cb;
  fe_init(&owner);
  arena *ar = &owner.a;
  st_schema *a = compile(&ca, &owner, "a.inspire", text, alen);
  st_schema *b = a ? compile(&cb, &owner, "b.inspire", btext, blen) : NULL;
  if (a && b) {
    if (plan_of(a, a, &ca.schema, ar)->ops.n) fuzz_fail("plan(A, A) is not empty");
    ir_plan *p = plan_of(a, b, &cb.schema, ar);
    char *text1 = plan_print(ar, p);
    st_schema *r = st_clone(a, ar);
    for (int i = 0; i < p->ops.n; i++) {
      const char *why = st_apply(r, p->ops.v[i]);
      if (why) fuzz_fail("operation %d of plan(A, B) cannot apply (%s):\n%s", i + 1, why, text1);
    }
    const char *d = st_diff_text(r, b, false, "the replay", "B", ar);
    if (d) fuzz_fail("plan(A, B) on A does not give B (%s):\n%s", d, text1);
    fe_compilation cp;
    fe_init_shared(&cp, &owner);
    int f = src_add(&cp.schema, "plan.inspire", text1, strlen(text1));
    ir_plan *q = f >= 0 ? fe_parse_plan(&cp.schema, &cp.diags, (uint32_t)f) : NULL;
    st_schema *r2 = st_clone(a, ar);
    if (!q || cp.diags.errors || !plan_replay(r2, q, &cp.diags) || cp.diags.errors)
      fuzz_fail("the printed plan does not parse and replay:\n%s", text1);
    if ((d = st_diff_text(r2, b, false, "the printed plan's replay", "B", ar)))
      fuzz_fail("the printed plan replays elsewhere (%s):\n%s", d, text1);
    fe_free(&cp);
    fuzz_lower_all(a, p, b, ar);
  }
  if (a) fe_free(&cb);
  fe_free(&ca);
  fe_free(&owner);
  return 0;
}
