/*
** task.c: a job on a second thread, or on this one when there is none.
**
** The front end, sema, the history and the snapshot writer each hand one job
** to a second core (docs/performance.md says where and why).  Each job writes
** only what is its own until it is waited for, so running it at the wait
** instead, on the calling thread, gives the same result: that is what
** INSPIREC_THREADS=1, or a thread that cannot be made, does.
*/
#include "ir.h"

#include <stdlib.h>
#include <string.h>

bool ir_threads_wanted(void) {
  const char *env = getenv("INSPIREC_THREADS");
  return !(env && strcmp(env, "1") == 0);
}

void ir_task_start(ir_task *t, void *(*run)(void *), void *arg, bool worth) {
  t->run = run;
  t->arg = arg;
  t->threaded = worth && ir_threads_wanted() && pthread_create(&t->thread, NULL, run, arg) == 0;
}

void ir_task_wait(ir_task *t) {
  if (!t->run) return;
  if (t->threaded)
    pthread_join(t->thread, NULL);
  else
    t->run(t->arg);
  t->run = NULL;
}
