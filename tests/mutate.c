/*
** mutate.c: a bounded mutation run over the front end.
**
**   mutate N SEED FILE...
**
** Derives N inputs from the given files by byte flips, insertions, deletions,
** truncation and splicing (a seeded xorshift, so a failure is reproducible),
** and compiles and renders each one in process.  The sanitizer build turns any
** memory error or undefined behaviour into a failure; a hang trips ctest's
** timeout.  Prints how many inputs ran and how many had errors.
*/
#include "frontend/frontend.h"
#include "slurp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Bytes worth trying: structure, quotes, escapes, UTF-8 lead bytes, NUL, CR. */
static const char interesting[] = "{}[]()<>,:;=?@.\"\\/*|&!-\n\r\t \0\xC3\xE2\xF0\x80\xFF";

static size_t mutate(char *out, size_t cap, const char *src, size_t n, const char *other,
                     size_t on) {
  size_t len = n < cap ? n : cap;
  memcpy(out, src, len);
  int rounds = 1 + (int)(next() % 8);
  for (int r = 0; r < rounds; r++) {
    size_t pos = len ? next() % len : 0;
    switch (next() % 7) {
    case 0: /* flip a bit */
      if (len) out[pos] ^= (char)(1u << (next() % 8));
      break;
    case 1: /* replace with an interesting byte */
      if (len) out[pos] = interesting[next() % (sizeof interesting - 1)];
      break;
    case 2: /* insert an interesting byte */
      if (len < cap) {
        memmove(out + pos + 1, out + pos, len - pos);
        out[pos] = interesting[next() % (sizeof interesting - 1)];
        len++;
      }
      break;
    case 3: { /* delete a run */
      size_t k = 1 + next() % 16;
      if (pos + k > len) k = len - pos;
      memmove(out + pos, out + pos + k, len - pos - k);
      len -= k;
      break;
    }
    case 4: /* truncate */ len = pos; break;
    case 5: { /* splice a run from the other file */
      if (!on) break;
      size_t from = next() % on, k = 1 + next() % 64;
      if (from + k > on) k = on - from;
      if (len + k > cap) k = cap - len;
      memmove(out + pos + k, out + pos, len - pos);
      memcpy(out + pos, other + from, k);
      len += k;
      break;
    }
    default: { /* duplicate a run (deep nesting, repeated members) */
      size_t k = 1 + next() % 32;
      if (pos + k > len) k = len - pos;
      if (len + k > cap) k = cap - len;
      memmove(out + pos + k, out + pos, len - pos);
      memcpy(out + pos + k, out + pos, k); /* overlap is fine: both copies come from out */
      len += k;
      break;
    }
    }
  }
  return len;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: mutate N SEED FILE...\n");
    return 2;
  }
  long total = atol(argv[1]);
  rng = (uint64_t)atoll(argv[2]) * 2654435761u + 1;
  int nfiles = argc - 3;
  char **texts = malloc(sizeof(char *) * (size_t)nfiles);
  size_t *lens = malloc(sizeof(size_t) * (size_t)nfiles);
  size_t cap = 0;
  for (int i = 0; i < nfiles; i++) {
    texts[i] = slurp(argv[3 + i], &lens[i]);
    if (!texts[i]) {
      perror(argv[3 + i]);
      return 2;
    }
    if (lens[i] > cap) cap = lens[i];
  }
  cap = cap * 2 + 4096;
  char *buf = malloc(cap);
  FILE *devnull = fopen("/dev/null", "w");
  long with_errors = 0;
  for (long i = 0; i < total; i++) {
    int a = (int)(next() % (uint64_t)nfiles), b = (int)(next() % (uint64_t)nfiles);
    size_t len = mutate(buf, cap, texts[a], lens[a], texts[b], lens[b]);
    fe_compilation c;
    fe_init(&c);
    fe_compile_buffer(&c, "mutant.inspire", buf, len);
    render_opts ro = {i % 2 == 0, "test"};
    render_text(devnull, &c.schema, &c.diags, &ro);
    char *j = render_json(&c.schema, &c.diags);
    free(j);
    if (i % 8 == 0) {
      char *s = render_sarif(&c.schema, &c.diags, &ro);
      free(s);
    }
    if (c.diags.errors == 0) {
      char *ir = ir_dump_json(&c.schema);
      free(ir);
    } else {
      with_errors++;
    }
    fe_free(&c);
  }
  fclose(devnull);
  for (int i = 0; i < nfiles; i++)
    free(texts[i]);
  free(texts);
  free(lens);
  free(buf);
  printf("mutate: %ld inputs, %ld with errors, %ld clean, no crash\n", total, with_errors,
         total - with_errors);
  return 0;
}
