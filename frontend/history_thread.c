/*
** history_thread.c: the migration history read on a second thread while the
** schema compiles on the first.
**
** `plan` and `check` both read the committed history (its snapshots above
** all: 15 MB of JSON at 10,000 entities, read and hashed) and compile the
** schema, and neither needs the other until both are done.  The history is
** loaded into a schema of its own (the compilation's files, name table and
** second arena, diagnostics of its own); history_join then gives the compilation
** what history_load would have given it in place: the same files under the
** same numbers, the same diagnostics in the same order with the same limit.
** The name table is shared meanwhile (strtab_share).  INSPIREC_THREADS=1, or
** a project without a migrations folder, loads it on the calling thread at
** the join, by the same path.
*/
#include "frontend.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void *load(void *arg) {
  history_job *j = arg;
  history_load(&j->s, &j->d, j->dir, j->h);
  return NULL;
}

void history_start(history_job *j, fe_compilation *c, const char *dir, history *h) {
  memset(j, 0, sizeof *j);
  j->h = h;
  j->dir = dir;
  j->s.a = &c->second;
  j->s.names = c->schema.names;
  /* the files loaded so far, under their numbers: the history's follow them */
  for (int i = 0; i < c->schema.files.n; i++)
    vec_push(j->s.a, j->s.files, c->schema.files.v[i]);
  j->nfiles = c->schema.files.n;
  diag_init(&j->d, j->s.a);
  j->d.limit = c->diags.limit;
  struct stat st;
  j->folder = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
  strtab_share(j->s.names);
  ir_task_start(&j->task, load, j, j->folder);
}

void history_join(history_job *j, fe_compilation *c, bool history_first, st_schema *like) {
  ir_task_wait(&j->task);
  strtab_unshare(j->s.names);
  /* Nothing may load files into the compilation meanwhile: the history's
  ** are numbered after those it saw. */
  if (c->schema.files.n != j->nfiles) {
    fputs("inspirec: internal error: files loaded while the history was read\n", stderr);
    abort();
  }
  for (int i = j->nfiles; i < j->s.files.n; i++)
    vec_push(c->schema.a, c->schema.files, j->s.files.v[i]);
  if (history_first)
    diag_concat(&c->diags, &j->d, &c->diags);
  else
    diag_concat(&c->diags, &c->diags, &j->d);
  history_complete(j->h, &c->schema, &c->diags, like);
}
