#include "slurp.h"

#include <stdio.h>
#include <stdlib.h>

char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = 0;
    if (len) *len = got;
  }
  fclose(f);
  return buf;
}
