/*
** fuzz_schema.c: the schema front end (lexer, parser, every check), then for
** a clean schema the IR dump, its snapshot written and read back unchanged,
** and its DDL in every dialect.  Also, for a quarter of the inputs: parsed
** in two halves, cut at a line end the first byte picks, the input gives what
** one pass gives (parse.c).  And for every input with an entity: built with
** the entity fast path (fastpath.c) it gives, to the source range and the
** shape of every condition, what the parser alone gives.
*/
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The IR dump and the diagnostics of data, in one pass or cut at `cut`. */
static char *compile_cut(const uint8_t *data, size_t size, long cut, bool *kept) {
  fe_compilation c;
  fe_init(&c);
  src_add(&c.schema, "fuzz.inspire", (const char *)data, size);
  *kept = cut >= 0 && fe_parse_halves(&c.schema, 1, 0, (uint32_t)cut);
  if (!*kept) fe_parse_file(&c.schema, &c.diags, 0);
  sema_run(&c.schema, &c.diags);
  diag_sort(&c.diags);
  char *ir = ir_dump_json(&c.schema), *d = render_json(&c.schema, &c.diags);
  char *both = malloc(strlen(ir) + strlen(d) + 2);
  sprintf(both, "%s\n%s", ir, d);
  free(ir);
  free(d);
  fe_free(&c);
  return both;
}

static void range_of(strbuf *t, const char *what, ir_range r) {
  strbuf_printf(t, " %s@%u:%u+%u", what, r.file_no, r.off, r.len);
}

static void value_of(strbuf *t, const ir_value *v) {
  if (!v) {
    strbuf_printf(t, " nil");
    return;
  }
  strbuf_printf(t, " (v%d", (int)v->kind);
  range_of(t, "", v->range);
  if (v->text) strbuf_printf(t, " '%s'", v->text);
  /* the members of the kind's own, as ir_value's union holds them */
  if (v->kind == IR_V_NUMBER) strbuf_printf(t, " %.17g", v->num);
  if (v->kind == IR_V_STRING || v->kind == IR_V_DURATION || v->kind == IR_V_RATE)
    strbuf_printf(t, " %lld", (long long)v->ms);
  if (v->kind == IR_V_RATE) strbuf_printf(t, " /%s", v->unit);
  for (int i = 0; i < v->nparts; i++)
    strbuf_printf(t, " .%s", v->parts[i]);
  for (int i = 0; i < v->nitems; i++)
    value_of(t, v->items[i]);
  if (v->kind == IR_V_PAIR) value_of(t, v->value);
  strbuf_printf(t, "%s)",
                (v->kind == IR_V_OBJECT && v->block) || (v->kind == IR_V_COND && v->cond) ? " +"
                                                                                          : "");
}

static void annots_of(strbuf *t, ir_annot *const *v, int n) {
  for (int i = 0; i < n; i++) {
    const ir_annot *a = v[i];
    strbuf_printf(t, "\n  @%s %d %d", a->name, a->has_parens, a->nwords);
    range_of(t, "", a->range);
    for (int j = 0; j < a->nargs; j++)
      value_of(t, a->args[j]);
  }
}

static void cond_of(strbuf *t, const ir_cond *c) {
  if (!c) return;
  strbuf_printf(t, " (c%d", (int)c->op);
  range_of(t, "", c->range);
  if (c->value) value_of(t, c->value);
  cond_of(t, c->l);
  cond_of(t, c->r);
  strbuf_printf(t, ")");
}

static void policies_of(strbuf *t, ir_policy *const *v, int n) {
  for (int i = 0; i < n; i++) {
    const ir_policy *p = v[i];
    strbuf_printf(t, "\n  policy %d %d %s %s %s %s %d %d %d %d", p->deny, (int)p->principal,
                  p->role ? p->role : "-", p->via ? p->via : "-",
                  p->via_column ? p->via_column : "-", p->on ? p->on : "-", p->nto, p->nvia,
                  p->nwhere, p->non);
    range_of(t, "at", p->range);
    range_of(t, "principal", p->principal_range);
    range_of(t, "via", p->via_range);
    range_of(t, "on", p->on_range);
    for (int j = 0; j < p->nactions; j++) {
      strbuf_printf(t, " %s", p->actions[j]);
      range_of(t, "", p->action_ranges[j]);
    }
    strbuf_printf(t, " why '%s'", p->why ? p->why : "-");
    cond_of(t, p->where);
  }
}

/* Every source range and raw value of the entities, which the IR dump leaves out. */
static char *ranges_text(const ir_schema *s) {
  strbuf t = {0};
  strbuf_puts(&t, "");
  for (int i = 0; i < s->entities.n; i++) {
    const ir_entity *e = s->entities.v[i];
    strbuf_printf(&t, "\nentity %s", e->name);
    range_of(&t, "at", e->range);
    range_of(&t, "name", e->name_range);
    annots_of(&t, e->annots.v, e->annots.n);
    policies_of(&t, e->policies.v, e->policies.n);
    for (int j = 0; j < e->fields.n; j++) {
      const ir_field *f = e->fields.v[j];
      strbuf_printf(&t, "\n field %s %d %s %s %s %d %d %d", f->name, f->pos,
                    f->type.name ? f->type.name : "-", f->type.member ? f->type.member : "-",
                    f->type.literal ? f->type.literal : "-", f->type.array_depth, f->type.nullable,
                    f->type.nargs);
      range_of(&t, "at", f->range);
      range_of(&t, "name", f->name_range);
      range_of(&t, "type", f->type.range);
      for (int k = 0; k < f->type.nargs; k++)
        value_of(&t, f->type.args[k]);
      strbuf_printf(&t, " =");
      value_of(&t, f->def);
      annots_of(&t, f->annots, f->nannots);
    }
  }
  return t.p;
}

/* With and without the entity fast path: the same IR, ranges and diagnostics. */
static char *compile_fast(const uint8_t *data, size_t size, bool fast) {
  if (!fast) setenv("INSPIREC_FASTPATH", "off", 1);
  fe_compilation c;
  fe_init(&c);
  src_add(&c.schema, "fuzz.inspire", (const char *)data, size);
  fe_parse_file(&c.schema, &c.diags, 0);
  char *ranges = ranges_text(&c.schema); /* before sema adds and moves fields */
  sema_run(&c.schema, &c.diags);
  diag_sort(&c.diags);
  char *ir = ir_dump_json(&c.schema), *d = render_json(&c.schema, &c.diags);
  char *all = malloc(strlen(ranges) + strlen(ir) + strlen(d) + 3);
  sprintf(all, "%s\n%s\n%s", ranges, ir, d);
  free(ranges);
  free(ir);
  free(d);
  fe_free(&c);
  unsetenv("INSPIREC_FASTPATH");
  return all;
}

static void fastpath_agrees(const uint8_t *data, size_t size) {
  bool any = false;
  for (size_t i = 0; !any && i + 6 <= size; i++)
    any = memcmp(data + i, "entity", 6) == 0;
  if (!any) return;
  char *fast = compile_fast(data, size, true), *slow = compile_fast(data, size, false);
  if (strcmp(fast, slow) != 0)
    fuzz_fail("built with the entity fast path, the schema differs from the parser's:\n%s\n---\n%s",
              fast, slow);
  free(fast);
  free(slow);
}

static void halves_agree(const uint8_t *data, size_t size) {
  /* A quarter of the inputs (three more compilations each, one on a second
  ** thread): the rest of the target keeps its pace. */
  if (size < 2 || (data[size - 1] & 3) != 0) return;
  size_t i = (size_t)data[0] * size / 256;
  while (i < size && data[i] != '\n' && data[i] != '\r')
    i++;
  if (i >= size) return;
  bool kept;
  char *one = compile_cut(data, size, -1, &kept);
  char *two = compile_cut(data, size, (long)i, &kept);
  if (strcmp(one, two) != 0)
    fuzz_fail("cut at byte %zu (%s), the halves differ from one pass:\n%s\n---\n%s", i,
              kept ? "kept" : "refused", one, two);
  free(one);
  free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  halves_agree(data, size);
  fastpath_agrees(data, size);
  fe_compilation c;
  fe_init(&c);
  fe_compile_buffer(&c, "fuzz.inspire", (const char *)data, size);
  if (!c.diags.errors) {
    free(ir_dump_json(&c.schema));
    st_schema *s = st_from_schema(&c.schema);
    char *json = st_write_json(s, "0001_fuzz");
    const char *mig, *err;
    long off;
    st_schema *back = st_read_json(&c.a, &c.names, json, strlen(json), &mig, &err, &off);
    if (!back) fuzz_fail("the snapshot of a clean schema does not read back: %s\n%s", err, json);
    const char *d = st_diff_text(back, s, true, "the snapshot read back", "the schema", &c.a);
    if (d) fuzz_fail("the snapshot reads back as another state: %s", d);
    free(json);
    fuzz_lower_all(NULL, NULL, s, &c.a);
  }
  fe_free(&c);
  return 0;
}
