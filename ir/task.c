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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

bool ir_threads_wanted(void) {
  const char *env = getenv("INSPIREC_THREADS");
  return !(env && strcmp(env, "1") == 0);
}

/* Left to the kernel, a new thread started on the caller's own (busy) core
** in about half the starts and waited there 2 ms for the balancer to move
** it, on the 2-core VM of docs/performance.md: more than a tenth of a
** 10,000-entity check, which starts three.  So a thread is started on
** another core the process may use, and given back every core it may use
** as its first act: it starts at once, and is not held to a core that
** another process may keep busy.  Not while another task runs (plan's and
** check's history, beside the compile): that core is taken, and the
** kernel's own choice measured better (164 ms against 176 ms, a check
** replaying a history at 10,000 entities). */
static cpu_set_t allowed;
static int allowed_known; /* 1 known, -1 unknown: no pinning */
static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;
static atomic_int running; /* tasks on threads of their own, not done */

static void allowed_init(void) {
  allowed_known = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? 1 : -1;
}

static void *task_main(void *arg) {
  ir_task *t = arg;
  if (t->pinned) /* advice: a failure is no harm */
    pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
  void *result = t->run(t->arg);
  atomic_fetch_sub(&running, 1);
  return result;
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
  int core = atomic_load(&running) == 0 ? other_core() : -1;
  pthread_attr_t attr;
  t->pinned = false;
  if (core >= 0 && pthread_attr_init(&attr) == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(core, &one);
    t->pinned = pthread_attr_setaffinity_np(&attr, sizeof one, &one) == 0;
    if (!t->pinned) pthread_attr_destroy(&attr);
  }
  atomic_fetch_add(&running, 1);
  bool ok = pthread_create(&t->thread, t->pinned ? &attr : NULL, task_main, t) == 0;
  if (t->pinned) pthread_attr_destroy(&attr);
  if (!ok && t->pinned) { /* the core may have been taken from the process meanwhile */
    t->pinned = false;
    ok = pthread_create(&t->thread, NULL, task_main, t) == 0;
  }
  if (!ok) atomic_fetch_sub(&running, 1);
  return ok;
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
