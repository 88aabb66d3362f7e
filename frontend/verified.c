/*
** verified.c: the record of committed migrations already verified.
**
** check and plan replay every committed plan on the snapshot before it, and
** that replay was a third of `plan` at 10,000 entities; yet the history
** rarely changes between two runs.  A migration whose replay reached its
** snapshot with nothing to report is recorded here by a SHA-256 key over its
** name, the bytes of its plan, of its snapshot and of the snapshot before it,
** and the running binary; the next run that finds the same key skips the
** replay.  Any change to any of those bytes, or another build of inspirec,
** makes another key, so a damaged history is never taken for a verified one.
**
** A file left alone a moment has a second key, by its identity instead of
** its bytes (verified_file_id: device, inode, size, modification and change
** times), as git's index and make trust a file's times: a history whose every
** migration's files are as they were when last verified is not read twice
** (hashing the 18 MB of a 10,000-entity history was 12 ms a run, on the
** thread that competes with the compile).  Writing a file gives it a new
** change time, which no tool can set back, so an edit changes the key; a
** file changed too lately for its times to tell a second change made in
** the same clock step is hashed, never known by its identity.
**
** The record is a file of hex keys, one a line, in $XDG_CACHE_HOME/inspirec
** (else ~/.cache/inspirec), appended to with O_APPEND (one write per key, so
** concurrent runs do not interleave) and cut to its newer half, through a
** temporary file and a rename, when it grows past VERIFIED_MAX_BYTES.
** INSPIREC_CACHE=off turns it off.  Nothing here is ever an error: a record
** that cannot be read or written only means the replay runs.
*/
#include "frontend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VERIFIED_FILE "verified-1"
#define VERIFIED_MAX_BYTES (256 * 1024)
#define KEY_HEX 64
/* How long a file must have been left alone before its identity stands for
** its bytes: past any file system's clock step for change times (a tick,
** 1 to 10 ms, on Linux's local ones). */
#define SETTLED_NS (100LL * 1000 * 1000)

static struct {
  bool loaded, off;
  char dir[4000], path[4096];
  char *text; /* the record as read, NUL-terminated */
  size_t len;
  unsigned char build[32]; /* which binary: keys of another build never match */
} rec;

static bool sha256(const void *a, size_t na, const void *b, size_t nb, unsigned char out[32]) {
  ir_sha256 h;
  bool ok = ir_sha256_begin(&h) && ir_sha256_add(&h, a, na) && ir_sha256_add(&h, b, nb);
  return ir_sha256_end(&h, ok ? out : NULL) && ok;
}

bool verified_digest(const char *text, size_t len, unsigned char out[32]) {
  /* a megabyte at a time, let go behind when it is a kept mapping */
  ir_sha256 h;
  bool ok = ir_sha256_begin(&h);
  for (size_t at = 0; ok && at < len;) {
    size_t n = len - at < ((size_t)1 << 20) ? len - at : (size_t)1 << 20;
    ok = ir_sha256_add(&h, text + at, n);
    st_kept_let_go(text + at, n);
    at += n;
  }
  return ir_sha256_end(&h, ok ? out : NULL) && ok;
}

/* A file's identity hashed after `prefix`: device, inode, size and
** modification time, and its change time too when asked. */
static bool identity_hash(const struct stat *st, const char *prefix, bool with_ctime,
                          unsigned char out[32]) {
  char id[256];
  int n = snprintf(id, sizeof id, "%s%llu %llu %lld %lld.%09ld", prefix,
                   (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
                   (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
  if (n > 0 && with_ctime)
    n += snprintf(id + n, sizeof id - (size_t)n, " %lld.%09ld", (long long)st->st_ctim.tv_sec,
                  st->st_ctim.tv_nsec);
  return n > 0 && (size_t)n < sizeof id && sha256(id, (size_t)n, NULL, 0, out);
}

/* The running binary, by its file's identity: a rebuilt inspirec is another. */
static bool build_id(unsigned char out[32]) {
  struct stat st;
  return stat("/proc/self/exe", &st) == 0 && identity_hash(&st, "", false, out);
}

static void load(void) {
  if (rec.loaded) return;
  rec.loaded = true;
  const char *env = getenv("INSPIREC_CACHE");
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int n = -1;
  if (xdg && xdg[0] == '/')
    n = snprintf(rec.dir, sizeof rec.dir, "%s/inspirec", xdg);
  else if (home && home[0] == '/')
    n = snprintf(rec.dir, sizeof rec.dir, "%s/.cache/inspirec", home);
  rec.off = (env && strcmp(env, "off") == 0) || n < 0 || (size_t)n >= sizeof rec.dir ||
            !build_id(rec.build);
  if (rec.off) return;
  snprintf(rec.path, sizeof rec.path, "%s/" VERIFIED_FILE, rec.dir);
  FILE *f = fopen(rec.path, "rb");
  if (!f) return;
  rec.text = malloc(VERIFIED_MAX_BYTES * 2 + 1);
  if (rec.text) rec.len = fread(rec.text, 1, VERIFIED_MAX_BYTES * 2, f);
  fclose(f);
  if (rec.text) rec.text[rec.len] = 0;
}

static long long ns_of(struct timespec t) {
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

bool verified_stat_id(const struct stat *st, unsigned char out[32]) {
  struct timespec now;
  if (!S_ISREG(st->st_mode) || clock_gettime(CLOCK_REALTIME, &now) != 0) return false;
  long long latest =
      ns_of(st->st_mtim) > ns_of(st->st_ctim) ? ns_of(st->st_mtim) : ns_of(st->st_ctim);
  if (ns_of(now) - latest < SETTLED_NS) return false; /* also a time in the future */
  return identity_hash(st, "inspirec-file ", true, out);
}

bool verified_file_id(const char *path, unsigned char out[32]) {
  struct stat st;
  return stat(path, &st) == 0 && verified_stat_id(&st, out);
}

/* key as 64 hex digits and a NUL */
static void hex_key(const unsigned char key[32], char out[65]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hex[key[i] >> 4];
    out[2 * i + 1] = hex[key[i] & 15];
  }
  out[64] = 0;
}

bool verified_cache_path(const char *kind, const unsigned char id[32], char *out, size_t cap) {
  unsigned char key[32];
  char name[65];
  load();
  if (rec.off || !sha256(kind, strlen(kind) + 1, rec.build, sizeof rec.build, key)) return false;
  if (!sha256(key, sizeof key, id, 32, key)) return false;
  hex_key(key, name);
  int n = snprintf(out, cap, "%s/%s-%s", rec.dir, kind, name);
  return n > 0 && (size_t)n < cap;
}

const char *verified_dir(void) {
  load();
  return rec.off ? NULL : rec.dir;
}

bool verified_key(const char *name, const unsigned char before[32], const unsigned char plan[32],
                  const unsigned char snapshot[32], bool by_identity, char out[65]) {
  unsigned char buf[16 + 4 * 32 + 256], key[32];
  size_t n = 0, k = strlen(name);
  if (k > 256) k = 256; /* folder names are short; a longer one only shares a prefix */
  /* with its NUL; the two kinds of key never meet */
  memcpy(buf, by_identity ? "inspirec-verifyi" : "inspirec-verify", 16);
  n = 16;
  load();
  memcpy(buf + n, rec.build, 32), n += 32;
  memcpy(buf + n, before, 32), n += 32;
  memcpy(buf + n, plan, 32), n += 32;
  memcpy(buf + n, snapshot, 32), n += 32;
  memcpy(buf + n, name, k), n += k;
  if (!sha256(buf, n, NULL, 0, key)) return false; /* no key: the replay runs */
  hex_key(key, out);
  return true;
}

bool verified_on(void) {
  load();
  return !rec.off;
}

bool verified_has(const char *key) {
  load();
  if (rec.off || !rec.text) return false;
  for (const char *p = rec.text; (p = strstr(p, key)); p += KEY_HEX)
    if ((p == rec.text || p[-1] == '\n') && p[KEY_HEX] == '\n') return true;
  return false;
}

/* The newer half of the record, through a temporary file and a rename. */
static void cut(void) {
  FILE *f = fopen(rec.path, "rb");
  if (!f) return;
  char *all = malloc(VERIFIED_MAX_BYTES * 4 + 1);
  size_t len = all ? fread(all, 1, VERIFIED_MAX_BYTES * 4, f) : 0;
  fclose(f);
  if (!all) return;
  size_t from = len > VERIFIED_MAX_BYTES / 2 ? len - VERIFIED_MAX_BYTES / 2 : 0;
  while (from < len && from > 0 && all[from - 1] != '\n')
    from++;
  char tmp[4096 + 16];
  snprintf(tmp, sizeof tmp, "%s.XXXXXX", rec.path);
  int fd = mkstemp(tmp);
  if (fd >= 0) {
    bool ok = write(fd, all + from, len - from) == (ssize_t)(len - from);
    ok &= close(fd) == 0;
    if (!ok || rename(tmp, rec.path) != 0) unlink(tmp);
  }
  free(all);
}

bool verified_make_dir(void) {
  load();
  if (rec.off) return false;
  if (mkdir(rec.dir, 0700) != 0 && errno == ENOENT) { /* ~/.cache missing too */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", rec.dir);
    char *slash = strrchr(parent, '/');
    if (slash) *slash = 0;
    mkdir(parent, 0700);
    mkdir(rec.dir, 0700);
  }
  return true;
}

void verified_add(const char *key) {
  if (!verified_make_dir()) return;
  int fd = open(rec.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char line[KEY_HEX + 1];
  memcpy(line, key, KEY_HEX);
  line[KEY_HEX] = '\n';
  bool ok = write(fd, line, sizeof line) == (ssize_t)sizeof line;
  struct stat st;
  bool big = ok && fstat(fd, &st) == 0 && st.st_size > VERIFIED_MAX_BYTES;
  close(fd);
  if (big) cut();
}
