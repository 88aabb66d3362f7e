/*
** fuzz_main.c: the shared part of the fuzz targets, and (outside libFuzzer)
** a main that replays files: `fuzz_x FILE|DIR...`, each input once.
*/
#include "fuzz.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fuzz_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz: property broken: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

void fuzz_lower_all(const st_schema *prev, const ir_plan *plan, const st_schema *next, arena *a) {
  const be_dialect *ds[] = {&be_sqlite, &be_postgres, &be_mysql};
  for (int i = 0; i < 3; i++) {
    for (int down = 0; plan && down < 2; down++) {
      be_script s;
      be_script_init(&s, a);
      be_lower_plan(ds[i], prev, plan, down, &s);
      free(be_script_text(&s, "-- fuzz"));
    }
    if (next) {
      be_script s;
      be_script_init(&s, a);
      be_lower_schema(ds[i], next, &s);
      free(be_script_text(&s, "-- fuzz"));
    }
  }
}

#ifndef INSPIREC_LIBFUZZER
static long replayed;

static void replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  replayed++;
}

static void replay(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    perror(path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    replay_file(path);
    return;
  }
  struct dirent **names;
  int n = scandir(path, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
      char *child = malloc(len);
      snprintf(child, len, "%s/%s", path, names[i]->d_name);
      replay(child);
      free(child);
    }
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    replay(argv[i]);
  printf("%s: %ld inputs replayed, no crash\n", argv[0], replayed);
  return 0;
}
#endif
