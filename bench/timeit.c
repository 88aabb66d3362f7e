/*
** timeit.c: whole-process wall time and peak RSS of a command, as the
** benchmark reports them (bench/run.sh).
**
**   bench_timeit RUNS CMD [ARGS...]
**
** Runs CMD RUNS times (its output to /dev/null) and prints "MEDIAN_S RSS_KB
** EXIT": the median wall time in seconds, the largest peak resident set of
** any run (getrusage of the children), and the last exit code. A clock with
** nanoseconds, not the 10 ms of time(1), since the runs take milliseconds.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3 || atoi(argv[1]) < 1) {
    fprintf(stderr, "usage: bench_timeit RUNS CMD [ARGS...]\n");
    return 2;
  }
  int runs = atoi(argv[1]), code = 0;
  double *t = malloc(sizeof *t * (size_t)runs);
  long rss = 0;
  for (int i = 0; i < runs; i++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      execvp(argv[2], argv + 2);
      _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
      perror("bench_timeit");
      return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    t[i] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    struct rusage ru; /* the largest of the children waited for so far */
    getrusage(RUSAGE_CHILDREN, &ru);
    rss = ru.ru_maxrss;
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  qsort(t, (size_t)runs, sizeof *t, cmp);
  double median = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
  printf("%.6f %ld %d\n", median, rss, code);
  free(t);
  return 0;
}
