/*
** fuzz_plan.c: the plan parser, and the replay of a parsed plan on a fixed
** schema.  A plan that replays prints, parses and prints again to the same
** text (the printed form is canonical), and lowers up and down in every
** dialect.
*/
#include "fuzz.h"

#include <string.h>

static const char base_schema[] = "enum Status { Todo, Doing, Done }\n"
                                  "entity Project {\n"
                                  "  name: string @unique @maxLength(120)\n"
                                  "  createdAt: datetime = now()\n"
                                  "}\n"
                                  "entity Task {\n"
                                  "  title: string\n"
                                  "  status: Status = Todo\n"
                                  "  estimate: int?\n"
                                  "  price: decimal(8, 2) = 1.5\n"
                                  "  projectId: Project.id @onDelete(cascade)\n"
                                  "  parentId: Task.id?\n"
                                  "  tags: string[] = []\n"
                                  "  @index([status, estimate])\n"
                                  "  @map(\"work_items\")\n"
                                  "}\n"
                                  "entity Label { code: string @unique }\n"
                                  "entity TaskLabel {\n"
                                  "  taskId: Task.id @onDelete(cascade)\n"
                                  "  labelCode: Label.code\n"
                                  "  @primaryKey([taskId, labelCode])\n"
                                  "}\n";

static ir_plan *parse(fe_compilation *c, const char *text, size_t len) {
  int f = src_add(&c->schema, "plan.inspire", text, len);
  if (f < 0) return NULL;
  ir_plan *p = fe_parse_plan(&c->schema, &c->diags, (uint32_t)f);
  return c->diags.errors ? NULL : p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  fe_compilation owner, cp;
  fe_init(&owner);
  fe_compile_buffer(&owner, "base.inspire", base_schema, sizeof base_schema - 1);
  if (owner.diags.errors) fuzz_fail("the base schema does not compile");
  st_schema *base = st_from_schema(&owner.schema);
  fe_init_shared(&cp, &owner);
  ir_plan *p = parse(&cp, (const char *)data, size);
  st_schema *after = p ? st_clone(base, &owner.a) : NULL;
  if (after && plan_replay(after, p, &cp.diags) && !cp.diags.errors) {
    char *one = plan_print(&owner.a, p);
    fe_compilation c2;
    fe_init_shared(&c2, &owner);
    ir_plan *q = parse(&c2, one, strlen(one));
    if (!q) fuzz_fail("a printed plan does not parse:\n%s", one);
    st_schema *again = st_clone(base, &owner.a);
    if (!plan_replay(again, q, &c2.diags) || c2.diags.errors)
      fuzz_fail("a printed plan does not replay:\n%s", one);
    const char *d = st_diff_text(again, after, true, "the printed plan's", "the plan's", &owner.a);
    if (d) fuzz_fail("a printed plan replays differently (%s):\n%s", d, one);
    char *two = plan_print(&owner.a, q);
    if (strcmp(one, two) != 0) fuzz_fail("printing a plan twice differs:\n%s\n%s", one, two);
    fe_free(&c2);
    fuzz_lower_all(base, p, after, &owner.a);
  }
  fe_free(&cp);
  fe_free(&owner);
  return 0;
}
