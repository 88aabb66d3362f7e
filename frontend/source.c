/*
** source.c: source files in memory, and byte offsets to lines and columns.
*/
#include "frontend.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Larger inputs are refused before they are read: nothing legitimate is this
** big, and the arena would hold several times the size. */
#define SRC_MAX_BYTES (256u * 1024 * 1024)

static ir_range no_range(void) {
  ir_range r = {0, 0, 0};
  return r;
}

/* text, NUL-terminated in the schema's arena, joins the file list. */
static int add_file(ir_schema *s, const char *path, const char *text, size_t len) {
  ir_file *f = arena_alloc(s->a, sizeof *f);
  f->a = s->a;
  f->path = arena_strndup(s->a, path, strlen(path));
  f->text = text;
  f->len = len;
  vec_push(s->a, s->files, f);
  return s->files.n - 1;
}

int src_add(ir_schema *s, const char *path, const char *text, size_t len) {
  return add_file(s, path, arena_strndup(s->a, text, len), len);
}

/* path opened for reading when it is a regular file within the size limit;
** NULL after a diagnostic otherwise. */
static FILE *open_source(diag_list *d, const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  struct stat st;
  if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    int err = errno;
    if (fp) fclose(fp);
    diag_add(d, DIAG_E0003, no_range(), "cannot read '%s': %s", path,
             err ? strerror(err) : "not a regular file");
    return NULL;
  }
  if ((unsigned long long)st.st_size > SRC_MAX_BYTES) {
    fclose(fp);
    diag_add(d, DIAG_E0003, no_range(),
             "'%s' is %lld bytes; inspirec reads schema files up to %u MB", path,
             (long long)st.st_size, SRC_MAX_BYTES >> 20);
    return NULL;
  }
  *len = (size_t)st.st_size;
  return fp;
}

/* All len bytes of fp into buf, which then ends with a NUL; closes fp. */
static bool read_source(diag_list *d, const char *path, FILE *fp, char *buf, size_t len) {
  size_t got = len ? fread(buf, 1, len, fp) : 0;
  fclose(fp);
  if (got != len) {
    diag_add(d, DIAG_E0003, no_range(), "cannot read '%s': short read", path);
    return false;
  }
  buf[len] = 0;
  return true;
}

char *src_slurp(diag_list *d, arena *a, const char *path, size_t *len) {
  FILE *fp = open_source(d, path, len);
  if (!fp) return NULL;
  char *buf = arena_text(a, *len + 1);
  return read_source(d, path, fp, buf, *len) ? buf : NULL;
}

char *src_map(diag_list *d, arena *a, const char *path, size_t *len, bool *mapped) {
  *mapped = false;
  FILE *fp = open_source(d, path, len);
  if (!fp) return NULL;
  /* a length of whole pages has no zero byte mapped after it */
  if (*len % 4096) {
    void *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
    if (p != MAP_FAILED) {
      fclose(fp);
      *mapped = true;
      return p;
    }
  }
  char *buf = arena_text(a, *len + 1);
  return read_source(d, path, fp, buf, *len) ? buf : NULL;
}

int src_load(ir_schema *s, diag_list *d, const char *path) {
  size_t len;
  char *text = src_slurp(d, s->a, path, &len);
  return text ? add_file(s, path, text, len) : -1;
}

ir_file *src_file_of(const ir_schema *s, const ir_range *r) {
  return r->file_no && r->file_no <= (uint32_t)s->files.n ? s->files.v[r->file_no - 1] : NULL;
}

static void build_lines(ir_file *f, arena *a) {
  uint32_t n = 1;
  for (size_t i = 0; i < f->len; i++)
    if (f->text[i] == '\n') n++;
  f->line_offs = arena_alloc(a, (n + 1) * sizeof(uint32_t));
  uint32_t k = 0;
  f->line_offs[k++] = 0;
  for (size_t i = 0; i < f->len; i++)
    if (f->text[i] == '\n') f->line_offs[k++] = (uint32_t)(i + 1);
  f->nlines = n;
}

/* The line table is built on first use: most compilations without errors
** never need it. */
void src_line_col(ir_file *f, uint32_t off, uint32_t *line, uint32_t *col) {
  if (!f->line_offs) build_lines(f, f->a);
  uint32_t lo = 0, hi = f->nlines - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi + 1) / 2;
    if (f->line_offs[mid] <= off)
      lo = mid;
    else
      hi = mid - 1;
  }
  *line = lo + 1;
  *col = off - f->line_offs[lo] + 1;
}

const char *src_line_text(ir_file *f, uint32_t line, uint32_t *len) {
  uint32_t l, c;
  src_line_col(f, 0, &l, &c); /* builds the table */
  if (line < 1 || line > f->nlines) {
    *len = 0;
    return "";
  }
  uint32_t start = f->line_offs[line - 1];
  uint32_t end = line < f->nlines ? f->line_offs[line] - 1 : (uint32_t)f->len;
  if (end > start && f->text[end - 1] == '\r') end--;
  *len = end - start;
  return f->text + start;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef VEC(char *) path_vec;

static int walk(ir_schema *s, diag_list *d, const char *dir, path_vec *out, int depth) {
  if (depth > 64) return 0;
  DIR *dp = opendir(dir);
  if (!dp) {
    diag_add(d, DIAG_E0003, no_range(), "cannot read folder '%s': %s", dir, strerror(errno));
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(dp))) {
    const char *name = e->d_name;
    if (name[0] == '.') continue; /* ., .., and hidden folders such as .git */
    char *full = arena_printf(s->a, "%s/%s", dir, name);
    struct stat st;
    if (stat(full, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (strcmp(name, "migrations") == 0) continue;
      if (walk(s, d, full, out, depth + 1) < 0) {
        closedir(dp);
        return -1;
      }
    } else if (S_ISREG(st.st_mode)) {
      size_t n = strlen(name);
      if (n > 8 && strcmp(name + n - 8, ".inspire") == 0) vec_push(s->a, *out, full);
    }
  }
  closedir(dp);
  return 0;
}

int src_collect_dir(ir_schema *s, diag_list *d, const char *dir) {
  path_vec paths = {0};
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  char *root = arena_strndup(s->a, dir, n);
  if (walk(s, d, root, &paths, 0) < 0) return -1;
  if (paths.n > 1) qsort(paths.v, (size_t)paths.n, sizeof(char *), cmp_str);
  int loaded = 0;
  for (int i = 0; i < paths.n; i++)
    if (src_load(s, d, paths.v[i]) >= 0) loaded++;
  return loaded;
}
