/*
** fuzz_schema.c: the schema front end (lexer, parser, every check), then for
** a clean schema the IR dump, its snapshot written and read back unchanged,
** and its DDL in every dialect.  Also, for a quarter of the inputs: parsed
** in two halves, cut at a line end the first byte picks, the input gives what
** one pass gives (parse.c).
*/
#include "fuzz.h"

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
