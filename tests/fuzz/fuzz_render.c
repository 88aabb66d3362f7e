/*
** fuzz_render.c: the diagnostics renderer on whatever the front end reports:
** text (with and without colour), JSON and SARIF.  JSON and SARIF must parse
** back whatever bytes the input held.
*/
#include "fuzz.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  if (!devnull) devnull = fopen("/dev/null", "w");
  fe_compilation c;
  fe_init(&c);
  fe_compile_buffer(&c, "fuzz.inspire", (const char *)data, size);
  render_opts ro = {size % 2 == 1, "fuzz"};
  render_text(devnull, &c.schema, &c.diags, &ro);
  char *outs[2] = {render_json(&c.schema, &c.diags), render_sarif(&c.schema, &c.diags, &ro)};
  for (int i = 0; i < 2; i++) {
    cJSON *j = cJSON_Parse(outs[i]);
    if (!j) fuzz_fail("the %s output does not parse:\n%s", i ? "SARIF" : "JSON", outs[i]);
    cJSON_Delete(j);
    free(outs[i]);
  }
  fe_free(&c);
  return 0;
}
