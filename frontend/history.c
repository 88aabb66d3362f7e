/*
** history.c: the migrations folder (migrations.md 1): every migration's plan
** and snapshot, read and checked.  Each plan is replayed on the snapshot
** before it and must reach its own snapshot, so a hand edit that changes a
** plan's meaning is caught; failures do not cascade, since every replay
** starts from the previous committed snapshot.
*/
#include "frontend.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static ir_range nowhere(void) {
  ir_range r = {0, 0, 0};
  return r;
}

/* NNNN_slug: four or more digits, `_`, and a slug of a-z, 0-9 and `_`. */
static bool folder_name(const char *name, long *number) {
  const char *p = name;
  int digits = 0;
  while (isdigit((unsigned char)*p))
    p++, digits++;
  if (digits < 4 || *p != '_' || !p[1]) return false;
  for (const char *q = p + 1; *q; q++)
    if (!(islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_')) return false;
  errno = 0;
  *number = strtol(name, NULL, 10);
  return errno == 0 && *number > 0 && digits <= 9;
}

static int cmp_mig(const void *a, const void *b) {
  const history_mig *x = *(history_mig *const *)a, *y = *(history_mig *const *)b;
  if (x->number != y->number) return x->number < y->number ? -1 : 1;
  return strcmp(x->name, y->name);
}

static bool exists(const char *path, bool dir) {
  struct stat st;
  return stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* The range of a byte offset in a loaded file, one byte long. */
static ir_range at_offset(ir_schema *s, int file, long off) {
  ir_file *f = s->files.v[file];
  if (off < 0 || (size_t)off > f->len) off = 0;
  return ir_range_in((uint32_t)file, (uint32_t)off, 1);
}

/* m's plan file, not loaded: the one of plan.inspire and plan.migration
** there is, or NULL; *found says how many there are (0, 1 or 2). */
static const char *plan_path(ir_schema *s, history_mig *m, int *found) {
  char *plan_a = arena_printf(s->a, "%s/plan.inspire", m->dir);
  char *plan_b = arena_printf(s->a, "%s/plan.migration", m->dir);
  bool a = exists(plan_a, false), b = exists(plan_b, false);
  *found = a + b;
  return a == b ? NULL : a ? plan_a : plan_b;
}

/* m's snapshot file, not looked at. */
static const char *snapshot_path(ir_schema *s, const history_mig *m) {
  return arena_printf(s->a, "%s/snapshot.json", m->dir);
}

/* The file of m's plan, loaded (its index), or -1 after a diagnostic. */
static int find_plan(ir_schema *s, diag_list *d, history_mig *m) {
  int found;
  const char *path = plan_path(s, m, &found);
  int f = -1;
  if (found == 2)
    diag_add(d, DIAG_E0703, nowhere(),
             "migration %s has both plan.inspire and plan.migration; keep one", m->name);
  else if (found == 0)
    diag_add(d, DIAG_E0703, nowhere(), "migration %s has no plan.inspire", m->name);
  else
    f = src_load(s, d, path);
  if (f < 0) m->broken = true;
  return f;
}

/* The plan in file f, parsed into the arena `into` (the schema's own, or a
** scratch one dropped after the replay: the plan grammar declares nothing in
** the schema, so nothing of the schema points into it). */
static void parse_plan(ir_schema *s, diag_list *d, history *h, history_mig *m, int f, arena *into) {
  int before = d->errors;
  arena *main_arena = s->a;
  s->a = into;
  m->plan = fe_parse_plan(s, d, (uint32_t)f);
  s->a = main_arena;
  m->markers = 0;
  if (!m->plan) {
    if (d->errors == before)
      diag_add(d, DIAG_E0001, at_offset(s, f, 0), "a plan starts with migration \"%s\" { ... }",
               m->name);
    m->broken = true;
    return;
  }
  if (d->errors > before) m->broken = true;
  if (m->plan->name != intern_cstr(s->names, m->name)) {
    diag *g = diag_add(d, DIAG_E0704, m->plan->name_range,
                       "the plan is named \"%s\" but its folder is %s; the names must match",
                       m->plan->name, m->name);
    diag_label(d, g, "write \"%s\"", m->name);
    m->broken = true;
  }
  for (int i = 0; i < m->plan->ops.n; i++) {
    ir_op *op = m->plan->ops.v[i];
    if (!op->resolve) continue;
    m->markers++;
    if (h->markers_are_errors) {
      diag *g = diag_add(d, DIAG_E0706, op->resolve_range,
                         "[RESOLVE] left in %s: review the operation, then delete the marker to "
                         "accept it or replace the line",
                         m->name);
      if (op->comment) diag_label(d, g, "%s", op->comment);
    }
  }
}

static void load_plan(ir_schema *s, diag_list *d, history *h, history_mig *m, arena *into) {
  int f = find_plan(s, d, m);
  if (f >= 0) parse_plan(s, d, h, m, f, into);
}

/* m's snapshot as read from text (NULL, with err and off, when bad), taken
** or reported; text joins the file list, for a diagnostic, only when it is
** wrong. */
static void take_snapshot(ir_schema *s, diag_list *d, history_mig *m, const char *snap,
                          const char *text, size_t len, st_schema *st, const char *name,
                          const char *err, long off) {
  m->snapshot = st;
  if (!st) {
    diag_add(d, DIAG_E0708, at_offset(s, src_add(s, snap, text, len), off), "bad snapshot: %s",
             err);
    m->broken = true;
  } else if (name && name != intern_cstr(s->names, m->name)) {
    diag_add(d, DIAG_E0708, at_offset(s, src_add(s, snap, text, len), 0),
             "the snapshot belongs to %s, not to %s", name, m->name);
    m->broken = true;
  }
}

/* A snapshot's text, read and hashed, its state not made yet. */
typedef struct snapshot_text {
  const char *path;
  char *text; /* NULL: missing or unreadable, reported */
  size_t len;
  bool keep;        /* the text stays for the state's entities (st_read_json_kept) */
  arena text_arena; /* else it is here, let go once read */
  const unsigned char *outline_id;
} snapshot_text;

/* digest: whether the snapshot's SHA-256 serves verified.c's key; keep:
** whether its text stays for the state's entities (st_read_json_kept);
** outline_id: the file's identity, when its outline is to be kept (outline.c) */
static void snapshot_read(ir_schema *s, diag_list *d, history_mig *m, bool digest, bool keep,
                          const unsigned char *outline_id, snapshot_text *t) {
  t->path = snapshot_path(s, m);
  t->text = NULL;
  t->keep = keep;
  t->outline_id = outline_id;
  arena_init(&t->text_arena);
  if (!exists(t->path, false)) {
    diag_add(d, DIAG_E0708, nowhere(), "migration %s has no snapshot.json", m->name);
    m->broken = true;
    return;
  }
  /* The text is let go once read (the state holds copies of its strings),
  ** unless kept: then it is the file's mapping where it can be, whose pages
  ** its readers let go as they pass (st_kept_let_go), where 15 MB of the
  ** arena at 10,000 entities were held to the end. */
  bool mapped = false;
  t->text = keep ? src_map(d, s->a, t->path, &t->len, &mapped)
                 : src_slurp(d, &t->text_arena, t->path, &t->len);
  if (!t->text) {
    m->broken = true;
    return;
  }
  if (mapped) {
    history_guard_mapping(t->text, t->len, t->path);
    st_kept_mapping(t->text, t->len);
  }
  /* an outline keeps the digest too (outline.c), made once for it */
  m->digested = (digest || outline_id) && verified_digest(t->text, t->len, m->digest);
}

/* The state of a text snapshot_read read, checked, and its outline kept. */
static void snapshot_state(ir_schema *s, diag_list *d, history_mig *m, snapshot_text *t) {
  if (t->text) {
    const char *err, *name = NULL;
    long off;
    bool kept = t->keep || t->outline_id; /* an outline is of the kept texts */
    st_schema *st = (kept ? st_read_json_kept : st_read_json)(s->a, s->names, t->text, t->len,
                                                              &name, &err, &off);
    take_snapshot(s, d, m, t->path, t->text, t->len, st, name, err, off);
    st_kept_let_go(t->text, t->len); /* read whole: a mapping's pages go until written */
    st_outline o;
    if (st && t->outline_id && !m->broken && st_outline_make(st, t->text, t->len, &o, s->a)) {
      o.digested = m->digested;
      memcpy(o.digest, m->digest, sizeof o.digest);
      outline_save(t->outline_id, &o);
    }
    for (int i = 0; st && !t->keep && kept && i < st->entities.n; i++)
      st->entities.v[i]->text = NULL; /* in text_arena */
  }
  arena_free(&t->text_arena);
}

static void load_snapshot(ir_schema *s, diag_list *d, history_mig *m, bool digest, bool keep,
                          const unsigned char *outline_id) {
  snapshot_text t;
  snapshot_read(s, d, m, digest, keep, outline_id, &t);
  snapshot_state(s, d, m, &t);
}

/* A file mapped here keeps its bytes while it keeps its length; truncated in
** place meanwhile (git and most editors write a new file and rename it,
** which leaves the mapped one whole), reading a page it lost is a SIGBUS.
** That is a clean error, exit 1 (cli.md: the input), with the file named,
** never a crash; nothing was published, since plan renames its folder into
** place last.  One mapping is guarded: the latest snapshot's, the only one. */
static struct {
  uintptr_t from, to;
  char message[4600];
  size_t message_len;
} guard;

static void cut_short(int sig, siginfo_t *info, void *context) {
  (void)context;
  uintptr_t at = (uintptr_t)info->si_addr;
  if (at >= guard.from && at < guard.to) {
    ssize_t written = write(2, guard.message, guard.message_len);
    (void)written;
    _exit(1);
  }
  signal(sig, SIG_DFL); /* another fault: it comes again and ends the process, as unguarded */
}

void history_guard_mapping(const void *p, size_t len, const char *path) {
  snprintf(guard.message, sizeof guard.message,
           "inspirec: '%s' was cut short while it was being read; nothing was written. Run the "
           "command again.\n",
           path);
  guard.message_len = strlen(guard.message); /* cut to the buffer, if it had to be */
  guard.from = (uintptr_t)p;
  guard.to = (uintptr_t)p + len;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = cut_short;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, NULL);
}

/* The latest snapshot by the outline kept for its file as it is now: the
** file mapped, not read (history_complete reads what it must). */
static bool map_outlined(ir_schema *s, history *h, history_mig *m) {
  const char *snap = snapshot_path(s, m);
  int fd = open(snap, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  unsigned char id[32];
  st_outline o;
  bool ok = fstat(fd, &st) == 0 && st.st_size > 0 && verified_stat_id(&st, id) &&
            outline_load(id, &o, s->names, s->a) && o.text_len == (uint64_t)st.st_size;
  /* The mapping is the page cache's own pages, nothing copied; it lasts as
  ** long as the process, since the kept texts of the state point into it.
  ** Its pages are faulted in as they are read: check's drift test reads a
  ** few, plan's writer most, a window at a time, letting each go once
  ** written (st_kept_mapping). */
  void *text = ok ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (text == MAP_FAILED) return false;
  history_guard_mapping(text, (size_t)st.st_size, snap);
  st_kept_mapping(text, (size_t)st.st_size);
  m->digested = o.digested; /* for what plan writes next */
  memcpy(m->digest, o.digest, sizeof m->digest);
  history_pending p = {m, snap, text, (size_t)st.st_size, o, {0}, true, false};
  memcpy(p.id, id, sizeof id);
  h->pending = p;
  return true;
}

/* The latest snapshot, its migration verified by its bytes, by the outline
** kept of those bytes (plan keeps one of what it writes, outline.c): read
** at history_complete as map_outlined's, its text the one read and hashed.
** Its outline is then kept by its identity too, when the file has one. */
static bool pend_by_bytes(ir_schema *s, history *h, history_mig *m, const snapshot_text *t) {
  st_outline o;
  if (!h->outlines || !t->text || !t->keep || !m->digested ||
      !outline_load_by_bytes(m->digest, &o, s->names, s->a) || o.text_len != t->len)
    return false;
  history_pending p = {m, t->path, t->text, t->len, o, {0}, t->outline_id != NULL, true};
  if (t->outline_id) memcpy(p.id, t->outline_id, sizeof p.id);
  h->pending = p;
  return true;
}

void history_complete(history *h, ir_schema *s, diag_list *d, st_schema *like) {
  history_pending *p = &h->pending;
  if (!p->m || !like) return; /* errors, or check's lazy drift test: nothing reads it yet */
  const char *name = NULL, *err = NULL;
  long off = -1;
  st_schema *st = st_read_json_outlined(s->a, s->names, p->text, p->len, &p->outline, like, &name,
                                        &h->outline_read);
  h->outlined = st != NULL;
  h->outline_of = st ? st->entities.n : 0;
  st_outline o;
  if (!st) { /* the outline did not hold: the whole text, read as before, outlined anew */
    if (!p->by_bytes) p->m->digested = false; /* nor may its digest */
    st = st_read_json_kept(s->a, s->names, p->text, p->len, &name, &err, &off);
    if (st && p->have_id && st_outline_make(st, p->text, p->len, &o, s->a)) {
      o.digested = p->m->digested;
      memcpy(o.digest, p->m->digest, sizeof o.digest);
      outline_save(p->id, &o);
    }
  } else if (p->by_bytes && p->have_id) {
    outline_save(p->id, &p->outline); /* the next run finds it by the file's identity */
  }
  take_snapshot(s, d, p->m, p->path, p->text, p->len, st, name, err, off);
  st_kept_let_go(p->text, p->len);                /* the writer reads it again a window at a time */
  if (p->m->snapshot) h->latest = p->m->snapshot; /* only the latest is ever pending */
  p->m = NULL;
}

/* The plan replayed (state) against the snapshot it must reach. */
static void replay_compare(diag_list *d, history_mig *m, const st_schema *state) {
  const char *diff =
      st_diff_text(state, m->snapshot, true, "the replayed plan", "snapshot.json", state->a);
  if (diff) {
    diag *g = diag_add(d, DIAG_E0707, m->plan->name_range,
                       "replaying %s on the snapshot before it does not give its snapshot: %s",
                       m->name, diff);
    diag_label(d, g, "edit the plan or the snapshot so that they agree");
    m->broken = true;
  }
}

/* prev with plan applied, in a, or NULL when it does not apply (reported in d). */
static st_schema *replayed(const st_schema *prev, ir_plan *plan, diag_list *d, arena *a) {
  st_schema *state = st_clone(prev, a);
  int before = d->errors;
  return plan_replay(state, plan, d) && d->errors == before ? state : NULL;
}

static void replay(ir_schema *s, diag_list *d, history_mig *m, const st_schema *prev,
                   arena *scratch) {
  st_schema *state = replayed(prev, m->plan, d, scratch ? scratch : s->a);
  if (state)
    replay_compare(d, m, state);
  else
    m->broken = true;
}

/* A plan parsed and replayed on a second thread while this one reads the
** migration's snapshot: read cold at 10,000 entities, the two were 35 ms
** and 25 to 30 ms one after the other on the history's thread.  The job
** works apart (a view of the schema whose arena is the scratch one, its
** own diagnostics, a copy of the migration), and replay_join takes what it
** made in the order one thread makes it: the parse's diagnostics, then the
** replay's, these only when the snapshot turned out sound. */
typedef struct replay_job {
  ir_schema view;
  history *h;
  history_mig m; /* the copy the parse fills: plan, markers, broken */
  int f;
  const st_schema *prev;
  arena diags; /* the two lists', adopted by the schema's arena at the join */
  diag_list parse_d, replay_d;
  st_schema *state; /* the plan applied to prev, unless the replay failed */
  ir_task task;
} replay_job;

/* Plans smaller than this are parsed in less than a thread's start. */
#define REPLAY_THREAD_BYTES (64 * 1024)

static void *replay_run(void *arg) {
  replay_job *j = arg;
  parse_plan(&j->view, &j->parse_d, j->h, &j->m, j->f, &j->h->scratch);
  if (j->m.plan && !j->m.broken && j->prev)
    j->state = replayed(j->prev, j->m.plan, &j->replay_d, &j->h->scratch);
  return NULL;
}

/* Only for a history read on its own thread with its plans dropped after
** (the scratch arena), and the name table shared meanwhile (history_start):
** the job interns as the parse does. */
static bool replay_start(replay_job *j, ir_schema *s, diag_list *d, history *h, history_mig *m,
                         int f, const st_schema *prev) {
  if (f < 0 || !h->drop_plans || !s->names->sync || s->files.v[f]->len < REPLAY_THREAD_BYTES ||
      !ir_threads_wanted()) /* INSPIREC_THREADS=1: the one thread's own path, as before */
    return false;
  memset(j, 0, sizeof *j);
  j->view.a = &h->scratch;
  j->view.names = s->names;
  j->view.files = s->files; /* a file added meanwhile leaves this array as it was */
  j->h = h;
  j->m = *m;
  j->f = f;
  j->prev = prev;
  arena_init(&j->diags);
  diag_init(&j->parse_d, &j->diags);
  diag_init(&j->replay_d, &j->diags);
  j->parse_d.limit = j->replay_d.limit = d->limit;
  ir_task_start(&j->task, replay_run, j, true);
  return true;
}

static void replay_join(replay_job *j, ir_schema *s, diag_list *d, history_mig *m) {
  ir_task_wait(&j->task);
  diag_concat(d, d, &j->parse_d);
  m->plan = j->m.plan;
  m->markers = j->m.markers;
  if (j->m.broken) m->broken = true;
  if (m->plan && m->snapshot && !m->broken && j->prev) { /* replay's own condition */
    diag_concat(d, d, &j->replay_d);
    if (j->state)
      replay_compare(d, m, j->state);
    else
      m->broken = true;
  }
  arena_adopt(s->a, &j->diags);
}

/* Every migration's key by the identity of its files (verified.c), in
** keys; false when one has none (a file too new, or missing). */
static bool identity_keys(ir_schema *s, history *h, char (*keys)[65]) {
  unsigned char before[32] = {0}, plan[32], snapshot[32]; /* zeros: the empty schema */
  for (int i = 0; i < h->migs.n; i++) {
    history_mig *m = h->migs.v[i];
    int found;
    const char *p = plan_path(s, m, &found);
    if (!p || !verified_file_id(p, plan) || !verified_file_id(snapshot_path(s, m), snapshot) ||
        !verified_key(m->name, before, plan, snapshot, true, keys[i]))
      return false;
    memcpy(before, snapshot, sizeof before);
  }
  return true;
}

/* The identity of migration i's snapshot file when it is the latest and its
** outline is to be kept, else NULL. */
static const unsigned char *latest_outline_id(ir_schema *s, history *h, history_mig *m, int i) {
  if (!h->outlines || i != h->migs.n - 1 || !verified_on()) return NULL; /* nowhere to keep it */
  unsigned char *id = arena_alloc(s->a, 32);
  return verified_file_id(snapshot_path(s, m), id) ? id : NULL;
}

int history_load(ir_schema *s, diag_list *d, const char *dir, history *h) {
  h->dir = dir;
  h->latest = st_new(s->a, s->names);
  if (!exists(dir, true)) {
    h->exists = false;
    return 0;
  }
  h->exists = true;
  DIR *dp = opendir(dir);
  if (!dp) {
    diag_add(d, DIAG_E0003, nowhere(), "cannot read folder '%s': %s", dir, strerror(errno));
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (e->d_name[0] == '.') continue; /* ., .., hidden, and half-written .tmp- folders */
    char *path = arena_printf(s->a, "%s/%s", dir, e->d_name);
    if (!exists(path, true)) continue; /* a README beside the migrations is fine */
    long number;
    if (!folder_name(e->d_name, &number)) {
      diag_add(d, DIAG_E0701, nowhere(),
               "'%s' in %s is not a migration folder name; they look like 0001_initial (four "
               "digits, '_', then a-z, 0-9 and '_')",
               e->d_name, dir);
      continue;
    }
    history_mig *m = arena_alloc(s->a, sizeof *m);
    m->dir = path;
    m->name = arena_strndup(s->a, e->d_name, strlen(e->d_name));
    m->number = number;
    vec_push(s->a, h->migs, m);
  }
  closedir(dp);
  if (h->migs.n > 1) qsort(h->migs.v, (size_t)h->migs.n, sizeof(history_mig *), cmp_mig);
  for (int i = 0; i < h->migs.n; i++) {
    history_mig *m = h->migs.v[i];
    if (m->number != i + 1) {
      diag_add(d, DIAG_E0702, nowhere(),
               i > 0 && h->migs.v[i - 1]->number == m->number
                   ? "migrations %s and %s share a number; renumber one"
                   : "migration %s is out of sequence after %s: numbers run 0001, 0002, ... "
                     "without gaps",
               m->name, i > 0 ? h->migs.v[i - 1]->name : "the start");
      break;
    }
  }
  const st_schema *prev = st_new(s->a, s->names);
  const unsigned char empty[32] = {0}, *prev_digest = empty; /* zeros: the empty schema */
  bool record = h->drop_plans && verified_on();              /* check and plan, unless turned off */
  arena_init(&h->scratch);
  /* Files as they were when every migration was last verified: only the
  ** snapshots are read, for their states; no plan is read, nothing hashed. */
  char(*ids)[65] = record ? arena_alloc(s->a, sizeof *ids * (size_t)(h->migs.n + 1)) : NULL;
  bool have_ids = ids && h->migs.n && identity_keys(s, h, ids);
  h->known_by_identity = have_ids;
  for (int i = 0; h->known_by_identity && i < h->migs.n; i++)
    h->known_by_identity = verified_has(ids[i]);
  /* Of those, only the last two snapshots are read: the latest, and the one
  ** a draft or the risk budget starts from (history_before). */
  for (int i = 0; h->known_by_identity && i < h->migs.n; i++) {
    history_mig *m = h->migs.v[i];
    bool latest = i == h->migs.n - 1;
    h->known++;
    if (i < h->migs.n - 2 || (latest && h->outlines && map_outlined(s, h, m))) continue;
    load_snapshot(s, d, m, false, h->keep_latest_text && latest, latest_outline_id(s, h, m, i));
  }
  for (int i = 0; !h->known_by_identity && i < h->migs.n; i++) {
    history_mig *m = h->migs.v[i];
    bool latest = i == h->migs.n - 1;
    int f = find_plan(s, d, m);
    snapshot_text t;
    /* the latest's text stays while it may be read by an outline of its bytes */
    snapshot_read(s, d, m, record, latest && (h->keep_latest_text || (h->outlines && record)),
                  latest_outline_id(s, h, m, i), &t);
    /* check and plan skip the replay of a migration verified before, byte
    ** for byte (verified.c); what they keep of it is its snapshot */
    char key[65];
    bool keyed = false;
    if (record && f >= 0 && m->digested && prev_digest && prev) {
      unsigned char plan_digest[32];
      ir_file *pf = s->files.v[f];
      keyed = verified_digest(pf->text, pf->len, plan_digest) &&
              verified_key(m->name, prev_digest, plan_digest, m->digest, false, key);
    }
    /* not verified before: its plan is parsed and replayed meanwhile */
    bool known = keyed && verified_has(key);
    bool pending = known && latest && pend_by_bytes(s, h, m, &t);
    replay_job job;
    bool apart = !known && replay_start(&job, s, d, h, m, f, prev);
    if (pending) /* its state made at history_complete, from the text kept */
      arena_free(&t.text_arena);
    else
      snapshot_state(s, d, m, &t);
    int diags = diag_found(d);
    keyed = keyed && m->snapshot && !m->broken;
    bool verified = pending || (known && keyed);
    if (verified) {
      h->known++;
    } else {
      if (apart) {
        replay_join(&job, s, d, m);
      } else {
        if (f >= 0) parse_plan(s, d, h, m, f, h->drop_plans ? &h->scratch : s->a);
        if (m->plan && m->snapshot && !m->broken && prev)
          replay(s, d, m, prev, h->drop_plans ? &h->scratch : NULL);
      }
      verified = keyed && !m->broken && !m->markers && diag_found(d) == diags;
      if (verified) verified_add(key);
    }
    /* its bytes verified, its files' identity serves the next run */
    if (verified && have_ids && !verified_has(ids[i])) verified_add(ids[i]);
    prev = m->snapshot; /* the next replay starts from what is committed */
    prev_digest = m->digested ? m->digest : NULL;
    if (h->drop_plans) {
      m->plan = NULL;
      arena_free(&h->scratch);
    }
  }
  if (h->migs.n) {
    history_mig *last = h->migs.v[h->migs.n - 1];
    if (last->snapshot) h->latest = last->snapshot;
  }
  return 0;
}

void history_say_known(const history *h, bool verbose) {
  if (verbose && h->migs.n)
    fprintf(stderr,
            "inspirec: history: %d of %d migration%s verified before, byte for byte%s; %d "
            "replayed\n",
            h->known, h->migs.n, h->migs.n == 1 ? "" : "s",
            h->known_by_identity ? " (their files unchanged since)" : "", h->migs.n - h->known);
  if (verbose && h->outlined)
    fprintf(stderr,
            "inspirec: history: the latest snapshot read by its outline: %d of %d entities read, "
            "the others as the schema has them\n",
            h->outline_read, h->outline_of);
}

st_schema *history_before(const history *h, int i, arena *a) {
  return i > 0 ? h->migs.v[i - 1]->snapshot : st_new(a, h->latest->names);
}

ir_plan *history_load_mig(ir_schema *s, diag_list *d, history *h, int i, bool replayed) {
  history_mig *m = h->migs.v[i];
  if (!m->plan && !m->broken) { /* for good this time */
    load_plan(s, d, h, m, s->a);
    /* the replay reads the operations against the state (their fields) */
    const st_schema *prev = history_before(h, i, s->a);
    if (replayed && m->plan && m->snapshot && prev && !m->broken) replay(s, d, m, prev, NULL);
  }
  return m->broken ? NULL : m->plan;
}

/* The schema as st_diff_outlined's side: each entity's fingerprint as the
** keys pass left it (ir_schema.fingerprints_only), its state made only when
** asked, as st_from_schema would make it. */
typedef struct schema_side {
  ir_schema *s;
  st_maker maker;
} schema_side;

static bool schema_entity(void *ctx, const char *name, bool whole, uint64_t *fingerprint,
                          const st_entity **state) {
  schema_side *x = ctx;
  const decl_ref *d = namemap_get(&x->s->decls, name);
  ir_entity *e = d && d->kind == DK_ENTITY ? d->node : NULL;
  if (!e || !e->used || e->duplicate) return false;
  if (whole || !e->fingerprint) { /* __User's is made after the keys pass, when used */
    const st_entity *st = st_entity_from_ir(&x->maker, e);
    e->fingerprint = st->fingerprint;
    if (whole) *state = st;
  }
  *fingerprint = e->fingerprint;
  return true;
}

/* The drift test by the outline of the latest snapshot, left pending
** (lazy_latest): read only as far as the first difference, most often
** nowhere.  False when the outline did not hold. */
static bool drift_outlined(ir_schema *s, history *h, const char *la, const char *lb,
                           const char **diff) {
  history_pending *p = &h->pending;
  if (!p->m) return false;
  schema_side x = {s, {0}};
  st_maker_init(&x.maker, s->a, s->names);
  st_schema *enums = st_new(s->a, s->names);
  st_add_schema_enums(enums, s);
  const char **names = arena_alloc(s->a, sizeof *names * (size_t)(s->entities.n + 1));
  st_side side = {enums, names, 0, schema_entity, &x};
  for (int i = 0; i < s->entities.n; i++)
    if (s->entities.v[i]->used && !s->entities.v[i]->duplicate)
      names[side.n++] = s->entities.v[i]->name;
  int read;
  if (!st_diff_outlined(s->a, s->names, p->text, p->len, &p->outline, &side, la, lb, diff, &read))
    return false;
  h->outlined = true;
  h->outline_read = read;
  h->outline_of = p->outline.n;
  return true;
}

/* Source drift: the schema says more than the latest snapshot.  src, the
** schema's state, may be NULL: made here if it must be. */
void history_drift(ir_schema *s, diag_list *d, history *h, st_schema *src) {
  if (!h->exists) return;
  static const char la[] = "the latest migration", lb[] = "the schema";
  const char *diff = NULL;
  if (!drift_outlined(s, h, la, lb, &diff)) {
    if (!src) src = st_from_schema(s);
    history_complete(h, s, d, src);
    diff = st_diff_text(h->latest, src, false, la, lb, s->a);
  }
  if (!diff) return;
  diag *g = diag_add(d, DIAG_W0904, nowhere(),
                     "the schema is ahead of %s: %s; run inspirec plan to write the migration",
                     h->migs.n ? h->migs.v[h->migs.n - 1]->name : "its migrations (there are none)",
                     diff);
  (void)g;
}
