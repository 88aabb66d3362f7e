/*
** task.c: a job on a second thread, or on this one when there is none.
**
** The front end, sema, the history and the snapshot writer each hand one job
** to a second core (docs/performance.md says where and why).  Each job writes
** only what is its own until it is waited for, so running it at the wait
** instead, on the calling thread, gives the same result: that is what
** INSPIREC_THREADS=1, or a thread that cannot be made, does.
*/
#define _GNU_SOURCE /* sched_getcpu, pthread_attr_setaffinity_np */
#include "ir.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

bool ir_threads_wanted(void) {
  const char *env = getenv("INSPIREC_THREADS");
  return !(env && strcmp(env, "1") == 0);
}

/* Left to the kernel, a new thread started on the caller's own (busy) core
** in about half the starts and waited there 2 ms for the balancer to move
** it, on the 2-core VM of docs/performance.md: more than a tenth of a
** 10,000-entity check, which starts three.  So the thread is started on
** another core the process may use, and given back every core it may use
** as its first act: it starts at once, and is not held to a core that
** another process may keep busy. */
static cpu_set_t allowed;
static int allowed_known; /* 1 known, -1 unknown: no pinning */
static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;

static void allowed_init(void) {
  allowed_known = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? 1 : -1;
}

static void *task_main(void *arg) {
  ir_task *t = arg;
  pthread_setaffinity_np(pthread_self(), sizeof allowed,
                         &allowed); /* advice: a failure is no harm */
  return t->run(t->arg);
}

/* Another core of `allowed` than the caller's, or -1. */
static int other_core(void) {
  pthread_once(&allowed_once, allowed_init);
  int here = sched_getcpu();
  if (allowed_known != 1 || here < 0) return -1;
  for (int i = 1; i < CPU_SETSIZE; i++) {
    int c = (here + i) % CPU_SETSIZE;
    if (CPU_ISSET(c, &allowed)) return c;
  }
  return -1;
}

static bool start_thread(ir_task *t) {
  int core = other_core();
  if (core < 0) return pthread_create(&t->thread, NULL, t->run, t->arg) == 0;
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(core, &one);
  bool ok = pthread_attr_setaffinity_np(&attr, sizeof one, &one) == 0 &&
            pthread_create(&t->thread, &attr, task_main, t) == 0;
  pthread_attr_destroy(&attr);
  return ok || pthread_create(&t->thread, NULL, t->run, t->arg) == 0;
}

void ir_task_start(ir_task *t, void *(*run)(void *), void *arg, bool worth) {
  t->run = run;
  t->arg = arg;
  t->threaded = worth && ir_threads_wanted() && start_thread(t);
}

void ir_task_wait(ir_task *t) {
  if (!t->run) return;
  if (t->threaded)
    pthread_join(t->thread, NULL);
  else
    t->run(t->arg);
  t->run = NULL;
}
