#!/bin/sh
# tests/fuzz/run.sh [--grow] [--build DIR] SECONDS [TARGET...]
#
# Runs each libFuzzer target (default: all five) for SECONDS, two at a time,
# from a copy of its corpus in tests/fuzz/corpus/TARGET, under ASan and UBSan
# (the build made with -DINSPIREC_FUZZ=ON, default build-fuzz/).  A finding
# fails the run and its input is kept in DIR/fuzz-findings/TARGET/: fix the
# bug, then copy the input into tests/fuzz/regressions/TARGET/ so that every
# ordinary test run replays it.  With --grow, what the run found is merged back
# into tests/fuzz/corpus/TARGET, minimised (-merge=1), for the next run to
# continue from; commit it.  One line per target gives executions, executions
# per second and coverage; the last line is "fuzz: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=build-fuzz
grow=0
while [ $# -gt 0 ]; do
  case $1 in
  --grow) grow=1; shift ;;
  --build) build=$2; shift 2 ;;
  *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: tests/fuzz/run.sh [--grow] [--build DIR] SECONDS [TARGET...]" >&2; exit 2; }
secs=$1
shift
targets=${*:-schema render plan snapshot diff}
build=$(cd "$build" && pwd) || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

one() { # target
  t=$1
  bin="$build/tests/fuzz/fuzz_$t"
  dict="$here/inspire.dict"
  [ "$t" = snapshot ] && dict="$here/snapshot.dict"
  mkdir -p "$work/$t/corpus" "$build/fuzz-findings/$t"
  cp "$here/corpus/$t/"* "$work/$t/corpus/" 2>/dev/null
  "$bin" -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
    -artifact_prefix="$build/fuzz-findings/$t/" -print_final_stats=1 \
    "$work/$t/corpus" "$here/regressions/$t" >"$work/$t/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/$t/log" | tail -1)
  if [ $rc = 0 ]; then
    echo "fuzz $t: ok, ${secs} s, ${execs:-?} executions, ${rate:-?}/s, $cov" >"$work/$t/result"
  else
    echo "fuzz $t: FINDING (exit $rc); inputs in $build/fuzz-findings/$t/" >"$work/$t/result"
    grep -A30 -m1 'ERROR\|property broken\|runtime error' "$work/$t/log" >>"$work/$t/result"
  fi
  if [ $grow = 1 ] && [ $rc = 0 ]; then
    mkdir -p "$work/$t/merged"
    "$bin" -merge=1 -max_len=16384 -timeout=10 "$work/$t/merged" "$here/corpus/$t" "$work/$t/corpus" >/dev/null 2>&1 &&
      rm -rf "$here/corpus/$t" && mv "$work/$t/merged" "$here/corpus/$t" &&
      echo "fuzz $t: corpus now $(ls "$here/corpus/$t" | wc -l) inputs" >>"$work/$t/result"
  fi
}

# two at a time (the machine has two cores)
set -- $targets
while [ $# -gt 0 ]; do
  one "$1" &
  a=$!
  if [ $# -gt 1 ]; then
    one "$2" &
    b=$!
    wait $b
    shift
  fi
  wait $a
  shift
done
pass=0
fail=0
for t in $targets; do
  cat "$work/$t/result"
  if grep -q '^fuzz [a-z]*: ok' "$work/$t/result"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
