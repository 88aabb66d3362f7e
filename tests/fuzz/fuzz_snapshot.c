/*
** fuzz_snapshot.c: the snapshot reader.  A snapshot that reads is written
** again, read again and written again: the same state and the same bytes;
** its DDL renders in every dialect; whatever the fast reader reads, the
** general ones read as the same state; what it writes, the fast one reads.
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
  /* whatever the fast reader reads, the general ones read the same */
  const char *fmig, *gmig, *gerr;
  long goff;
  st_schema *fast = st_read_json_fast(&a, &names, (const char *)data, size, &fmig);
  st_schema *g = st_read_json_general(&a, &names, (const char *)data, size, &gmig, &gerr, &goff);
  if (fast) {
    if (!g) fuzz_fail("the fast reader reads a snapshot the general one refuses: %s", gerr);
    const char *d = st_diff_text(fast, g, true, "the fast reader", "the general one", &a);
    if (d || fmig != gmig)
      fuzz_fail("the fast and general readers disagree: %s", d ? d : "migration");
    char *fs = st_write_json(fast, fmig), *gs = st_write_json(g, gmig);
    if (strcmp(fs, gs) != 0) fuzz_fail("the fast and general readers disagree:\n%s\n%s", fs, gs);
    free(fs);
    free(gs);
  }
  if (!s != !g) fuzz_fail("st_read_json and the general readers answer differently");
  if (s) {
    char *one = st_write_json(s, mig);
    st_schema *back = st_read_json(&a, &names, one, strlen(one), &mig, &err, &off);
    if (!back) fuzz_fail("a written snapshot does not read back: %s\n%s", err, one);
    if (!st_read_json_fast(&a, &names, one, strlen(one), &fmig))
      fuzz_fail("the fast reader gives up on a snapshot st_write_json wrote:\n%s", one);
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
