/*
** fuzz_snapshot.c: the snapshot reader.  A snapshot that reads is written
** again, read again and written again: the same state and the same bytes;
** its DDL renders in every dialect.
*/
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FUZZ_MAX_INPUT) return 0;
  arena a;
  arena_init(&a);
  strtab names;
  strtab_init(&names, &a);
  const char *mig, *err;
  long off;
  st_schema *s = st_read_json(&a, &names, (const char *)data, size, &mig, &err, &off);
  if (s) {
    char *one = st_write_json(s, mig);
    st_schema *back = st_read_json(&a, &names, one, strlen(one), &mig, &err, &off);
    if (!back) fuzz_fail("a written snapshot does not read back: %s\n%s", err, one);
    const char *d = st_diff_text(back, s, true, "the snapshot read back", "the first", &a);
    if (d) fuzz_fail("a snapshot reads back as another state: %s", d);
    char *two = st_write_json(back, mig);
    if (strcmp(one, two) != 0) fuzz_fail("a snapshot written twice differs:\n%s\n%s", one, two);
    free(one);
    free(two);
    fuzz_lower_all(NULL, NULL, s, &a);
  } else if (!err) {
    fuzz_fail("a snapshot refused without a reason");
  }
  strtab_free(&names);
  arena_free(&a);
  return 0;
}
