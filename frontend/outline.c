/*
** outline.c: the outlines of snapshots read before, kept by file identity.
**
** plan and check read the latest snapshot on every run, and at 10,000
** entities that was 15 MB of JSON read into a state of 60 MB, on the thread
** that competes with the compile, when the snapshot had not changed since
** the last run.  The outline of a snapshot (st_outline: where each entity's
** bytes are, and their fingerprint) is kept here, keyed by the file's
** identity as verified.c keys migrations (device, inode, size, modification
** and change times, settled), with this build's identity.  The next run maps
** the file and reads only the entities whose fingerprint the schema's
** entity of that name does not have (st_read_json_outlined); the others are
** the schema's own entities, lent to the snapshot's state.
**
** An outline is a small binary file (16 bytes and the name of each entity) in the record's
** folder; the OUTLINE_KEEP newest are kept.  It also holds the text's
** SHA-256 when it was made by a run that hashed the text, so that plan can
** record what it writes next (cli/plan.c) with nothing hashed anew.  Like
** the record, nothing here is ever an error: an outline that is missing,
** short or of another layout only means the snapshot is read whole.
**
** An outline is also kept by the text's bytes, for the snapshot plan has
** just written (it knows its digest, and where each entity went): the file
** cannot stand for its bytes by its identity until it has settled, nor on
** a fresh clone, yet a run that hashes it to verify its migration then
** finds the outline by the digest.  Both keys name files of one kind,
** trimmed together; a key by bytes is a hash of the digest, so that it
** never meets an identity.
*/
#include "frontend.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTLINE_KIND "outline"
#define OUTLINE_KEEP 8
#define OUTLINE_MAGIC "inspirec-outline/3\n"

/* The file: this header, the entries (16 bytes each), then each entity's
** name (4 bytes of length, then its bytes), in the entries' order.  The
** names spare a run reading them from the snapshot's text, a page fault or a
** cache miss each; a bit flipped in one would lend the wrong entity, so the
** entries and names are checked against `check` before anything is used. */
typedef struct outline_header {
  char magic[24];
  uint64_t text_len;
  uint64_t n;
  uint64_t digested;
  unsigned char digest[32];
  uint64_t names_len; /* bytes of names after the entries */
  uint64_t check;     /* checksum() of the entries and names */
} outline_header;

/* A 64-bit hash of n bytes, a word at a step: the outline's own check. */
static uint64_t checksum(const unsigned char *p, size_t n) {
  uint64_t h = 0x6a09e667f3bcc909u ^ n;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 29;
  }
  for (; n; p++, n--)
    h = (h ^ *p) * 0xc4ceb9fe1a85ec53u;
  return h ^ (h >> 32);
}

/* The n names at p (names_len bytes), interned into o->names. */
static bool read_names(const unsigned char *p, size_t len, st_outline *o, strtab *names, arena *a) {
  const char **v = arena_alloc(a, sizeof *v * (size_t)(o->n + 1));
  const unsigned char *end = p + len;
  for (int i = 0; i < o->n; i++) {
    uint32_t n;
    if ((size_t)(end - p) < sizeof n) return false;
    memcpy(&n, p, sizeof n);
    p += sizeof n;
    if (!n || (size_t)(end - p) < n) return false;
    v[i] = intern(names, (const char *)p, n);
    p += n;
  }
  o->names = v;
  return p == end;
}

bool outline_load(const unsigned char id[32], st_outline *o, strtab *names, arena *a) {
  char path[4200];
  if (!verified_cache_path(OUTLINE_KIND, id, path, sizeof path)) return false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  outline_header h;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && read(fd, &h, sizeof h) == (ssize_t)sizeof h &&
            memcmp(h.magic, OUTLINE_MAGIC, sizeof OUTLINE_MAGIC) == 0 && h.n <= INT32_MAX &&
            h.names_len <= (uint64_t)st.st_size &&
            (uint64_t)st.st_size == sizeof h + h.n * sizeof(st_outline_entry) + h.names_len;
  if (ok) {
    size_t entries = (size_t)h.n * sizeof(st_outline_entry), bytes = entries + h.names_len;
    o->text_len = h.text_len;
    o->n = (int)h.n;
    o->names = NULL;
    o->digested = h.digested == 1;
    memcpy(o->digest, h.digest, sizeof o->digest);
    o->v = arena_alloc(a, bytes + sizeof(st_outline_entry));
    unsigned char *raw = (unsigned char *)o->v;
    ok = (!bytes || read(fd, raw, bytes) == (ssize_t)bytes) && checksum(raw, bytes) == h.check &&
         read_names(raw + entries, (size_t)h.names_len, o, names, a);
  }
  close(fd);
  return ok;
}

typedef struct kept_file {
  char name[256];
  long long mtime_ns;
} kept_file;

static int cmp_newest_first(const void *a, const void *b) {
  const kept_file *x = a, *y = b;
  if (x->mtime_ns != y->mtime_ns) return x->mtime_ns > y->mtime_ns ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* All but the OUTLINE_KEEP newest outlines removed. */
static void trim(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  kept_file files[4 * OUTLINE_KEEP];
  int n = 0;
  struct dirent *e;
  char path[4400];
  while ((e = readdir(d)) && n < (int)(sizeof files / sizeof *files)) {
    struct stat st;
    if (strncmp(e->d_name, OUTLINE_KIND "-", sizeof OUTLINE_KIND) != 0 ||
        strlen(e->d_name) >= sizeof files[n].name)
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) continue;
    snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
    files[n].mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    n++;
  }
  closedir(d);
  qsort(files, (size_t)n, sizeof *files, cmp_newest_first);
  for (int i = OUTLINE_KEEP; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
    unlink(path);
  }
}

/* The key of the outline of the text whose SHA-256 is digest. */
static bool bytes_key(const unsigned char digest[32], unsigned char id[32]) {
  static const char tag[] = "inspirec-bytes ";
  ir_sha256 h;
  bool ok = ir_sha256_begin(&h) && ir_sha256_add(&h, tag, sizeof tag - 1) &&
            ir_sha256_add(&h, digest, 32);
  return ir_sha256_end(&h, ok ? id : NULL) && ok;
}

bool outline_load_by_bytes(const unsigned char digest[32], st_outline *o, strtab *names, arena *a) {
  unsigned char id[32];
  return bytes_key(digest, id) && outline_load(id, o, names, a) && o->digested &&
         memcmp(o->digest, digest, sizeof o->digest) == 0;
}

void outline_save_by_bytes(const st_outline *o) {
  unsigned char id[32];
  if (o->digested && bytes_key(o->digest, id)) outline_save(id, o);
}

void outline_save(const unsigned char id[32], const st_outline *o) {
  char path[4200], tmp[4300];
  if (o->n < 0 || !o->names) return;
  size_t entries = (size_t)o->n * sizeof(st_outline_entry), names_len = 0;
  for (int i = 0; i < o->n; i++) {
    if (!o->names[i] || !o->names[i][0]) return;
    names_len += sizeof(uint32_t) + strlen(o->names[i]);
  }
  if (!verified_make_dir() || !verified_cache_path(OUTLINE_KIND, id, path, sizeof path)) return;
  unsigned char *body = malloc(entries + names_len + 1);
  if (!body) return;
  if (entries) memcpy(body, o->v, entries);
  unsigned char *p = body + entries;
  for (int i = 0; i < o->n; i++) {
    uint32_t n = (uint32_t)strlen(o->names[i]);
    memcpy(p, &n, sizeof n);
    memcpy(p + sizeof n, o->names[i], n);
    p += sizeof n + n;
  }
  outline_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, OUTLINE_MAGIC, sizeof OUTLINE_MAGIC);
  h.text_len = o->text_len;
  h.n = (uint64_t)o->n;
  h.digested = o->digested;
  memcpy(h.digest, o->digest, sizeof h.digest);
  h.names_len = names_len;
  h.check = checksum(body, entries + names_len);
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write(fd, &h, sizeof h) == (ssize_t)sizeof h &&
            write(fd, body, entries + names_len) == (ssize_t)(entries + names_len);
  free(body);
  if (fd >= 0) ok &= close(fd) == 0;
  if (!ok || rename(tmp, path) != 0) {
    if (fd >= 0) unlink(tmp);
    return;
  }
  trim(verified_dir());
}
