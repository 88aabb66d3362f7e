/*
** fuzz_schema.c: the schema front end (lexer, parser, every check), then for
** a clean schema the IR dump, its snapshot written and read back unchanged,
** and its DDL in every dialect.
*/
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
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
