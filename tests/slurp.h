/* slurp.h: a whole file into a malloc'ed, NUL-terminated buffer, for tests. */
#ifndef INSPIRE_TESTS_SLURP_H
#define INSPIRE_TESTS_SLURP_H

#include <stddef.h>

/* NULL when the file cannot be read; *len (when len is not NULL) gets its size. */
char *slurp(const char *path, size_t *len);

#endif
