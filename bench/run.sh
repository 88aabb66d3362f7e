#!/bin/sh
# bench/run.sh [--runs R] [--peers] [N...]: the benchmark (docs/performance.md).
#
# Builds Release into build-release/, generates a workload at each N (default
# 100 1000 10000 100000; bench/gen.c, seeded), and times, whole process, the
# median of R runs (default 5; 3 at 100,000): `check` of version a, `plan`
# from a's migration to b, `check` in that project (b ahead of a's migration),
# and `lower --schema` of a for each dialect, beside
# `wc -l` on the same files. Prints one table: median wall time, peak RSS, input
# MB/s and the ratio to wc -l. With --peers, bench/peers.py then runs Prisma,
# Drizzle Kit and DBML from ../shared/peer-bench on their own workload at each
# N up to 10,000, times inspirec on the same files, and prints the ratios.
# Nothing here is a test: the tests time nothing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5
peers=0
while [ $# -gt 0 ]; do
  case $1 in
  --runs) runs=$2; shift 2 ;;
  --peers) peers=1; shift ;;
  -*) echo "usage: bench/run.sh [--runs R] [--peers] [N...]" >&2; exit 2 ;;
  *) break ;;
  esac
done
sizes=${*:-100 1000 10000 100000}
build=$root/build-release
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target inspirec bench_gen bench_timeit >/dev/null
ic=$build/inspirec
# the record of verified migrations (frontend/verified.c): the bench's own
export XDG_CACHE_HOME="$build/bench-cache"
timeit=$build/bench/bench_timeit
work=$build/bench-work
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); inspirec $("$ic" --version | cut -d' ' -f2), Release"
echo "median of $runs runs (3 at 100,000), whole process; MB/s = input bytes / wall time"
echo
printf '| %7s | %9s | %-22s | %10s | %8s | %8s | %8s |\n' N bytes operation "wall (s)" "RSS (MB)" "MB/s" "x wc -l"
printf '|---:|---:|---|---:|---:|---:|---:|\n'
for n in $sizes; do
  r=$runs
  [ "$n" -ge 100000 ] && [ "$r" -gt 3 ] && r=3
  rm -rf "$work/n$n"
  "$build/bench/bench_gen" "$n" 1 "$work/n$n"
  a=$work/n$n/a
  files=$(ls "$a"/schema/*.inspire)
  bytes=$(cat $files | wc -c)
  # shellcheck disable=SC2086
  set -- $("$timeit" "$r" wc -l $files)
  wc_s=$1
  row() { # operation, seconds, rss KB
    awk -v n="$n" -v b="$bytes" -v op="$1" -v s="$2" -v kb="$3" -v w="$wc_s" 'BEGIN {
      printf "| %7d | %9d | %-22s | %10.4f | %8.1f | %8.1f | %8.1f |\n", n, b, op, s, kb / 1024, b / 1e6 / s, s / w }'
  }
  row "wc -l" "$1" "$2"
  set -- $("$timeit" "$r" "$ic" -C "$a" check)
  [ "$3" = 0 ] || { echo "bench: check exited $3 at N=$n" >&2; exit 1; }
  row "check" "$1" "$2"
  # plan: a's migration committed, the schema now b; each run plans 0002 afresh
  p=$work/n$n/project
  rm -rf "$p"
  mkdir -p "$p"
  cp -r "$a/schema" "$p/"
  "$ic" -C "$p" plan -q --new >/dev/null
  rm -rf "$p/schema"
  cp -r "$work/n$n/b/schema" "$p/"
  plan_runs() { # operation name, INSPIREC_CACHE value: R runs, each planning 0002 afresh
    op=$1
    cache=$2
    times=""
    rss=0
    for i in $(seq "$r"); do
      rm -rf "$p"/migrations/0002_*
      set -- $(INSPIREC_CACHE=$cache "$timeit" 1 "$ic" -C "$p" plan -q --new --name bench)
      [ "$3" = 0 ] || { echo "bench: plan exited $3 at N=$n" >&2; exit 1; }
      times="$times $1"
      [ "$2" -gt "$rss" ] && rss=$2
    done
    med=$(printf '%s\n' $times | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    row "$op" "$med" "$rss"
  }
  plan_runs "plan (a to b)" on
  # the same with every committed plan replayed, as on a first run (verified.c)
  plan_runs "plan, history replayed" off
  # check where an editor runs it: in the project, its history known, the
  # schema (b) ahead of the latest migration (a's): the drift test's warning
  rm -rf "$p"/migrations/0002_*
  "$ic" -C "$p" check >/dev/null 2>&1 # its history's files known by identity from here on
  sleep 0.2
  "$ic" -C "$p" check >/dev/null 2>&1
  set -- $("$timeit" "$r" "$ic" -C "$p" check 2>/dev/null) # its warning, not ours
  [ "$3" = 0 ] || { echo "bench: check in the project exited $3 at N=$n" >&2; exit 1; }
  row "check, in the project" "$1" "$2"
  for d in sqlite postgres mysql; do
    set -- $("$timeit" "$r" "$ic" -C "$a" lower --dialect $d --schema)
    [ "$3" = 0 ] || { echo "bench: lower --dialect $d exited $3 at N=$n" >&2; exit 1; }
    row "lower --schema $d" "$1" "$2"
  done
done
if [ "$peers" = 1 ]; then
  peer_sizes=""
  for n in $sizes; do [ "$n" -le 10000 ] && peer_sizes="$peer_sizes $n"; done
  # Prisma's DDL and diff ask a Postgres on 127.0.0.1:5432 one question: a
  # throwaway one is started there when nothing listens yet (trust auth).
  pgtmp=""
  if python3 -c 'import socket, sys; sys.exit(socket.socket().connect_ex(("127.0.0.1", 5432)) == 0)'; then
    . "$root/tests/pg_server.sh"
    pgtmp=$(mktemp -d)
    trap 'pg_stop; rm -rf "$pgtmp"' EXIT INT TERM
    PG_TCP_PORT=5432 pg_start "$pgtmp" || echo "bench: no Postgres for Prisma's DDL and diff" >&2
  fi
  # shellcheck disable=SC2086
  python3 "$root/bench/peers.py" "$build" "$runs" $peer_sizes
fi
