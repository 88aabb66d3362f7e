#!/bin/sh
# run.sh: set up, build and run inspirec on a Debian 12 machine.
#
#   ./run.sh example   install what is missing, build, then check, plan, apply and
#                      status on a copy of the bundled example (embedded SQLite)
#   ./run.sh test      install what is missing, build, run every test, then the
#                      whole suite again under AddressSanitizer + UBSan
#
# Everything comes from Debian's archive; nothing is downloaded otherwise.
set -eu
cd "$(dirname "$0")"

BUILD_PACKAGES="build-essential cmake ninja-build pkg-config re2c lemon libcjson-dev libsqlite3-dev libpq-dev libmariadb-dev libssl-dev"
TEST_PACKAGES="clang libclang-rt-14-dev sqlite3 postgresql mariadb-server mariadb-client"

# Install the packages that are not there yet (as root, or through sudo).
need() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "run.sh: installing$missing"
  if [ "$(id -u)" = 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "run.sh: missing packages:$missing; install them as root: apt-get install$missing" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build() { # dir, then extra cmake arguments, then --target T... if only some
  dir=$1
  shift
  args=""
  while [ $# -gt 0 ] && [ "$1" != --target ]; do
    args="$args $1"
    shift
  done
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" -G Ninja $args >/dev/null
  cmake --build "$dir" "$@"
}

case "${1:-}" in
example)
  need $BUILD_PACKAGES
  build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # A copy of the example, so that the repository stays as it is: check, plan
  # the first migration, apply it to the embedded default sqlite:.inspire/dev.db,
  # then status (exit 0: all in step).
  work=build/example-tasks
  rm -rf "$work"
  mkdir -p "$work"
  cp -r examples/tasks/schema "$work/"
  for verb in check plan apply status; do
    echo "\$ build/inspirec -C $work $verb"
    build/inspirec -C "$work" "$verb"
  done
  ;;
test)
  need $BUILD_PACKAGES $TEST_PACKAGES
  build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  echo "== test suite"
  (cd build && ctest --output-on-failure -j2) | tee build/ctest.log
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DINSPIREC_SANITIZE=ON
  echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j2) | tee build-asan/ctest.log
  # The libFuzzer targets, each for a minute from the corpora in the repository
  # (tests/fuzz/run.sh; FUZZ_SECONDS=N for longer).
  build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DINSPIREC_FUZZ=ON \
    --target fuzz_schema fuzz_render fuzz_plan fuzz_snapshot fuzz_diff
  echo "== fuzzing, ${FUZZ_SECONDS:-60} s a target, under AddressSanitizer + UndefinedBehaviorSanitizer"
  sh tests/fuzz/run.sh --build build-fuzz "${FUZZ_SECONDS:-60}" | tee build-fuzz/fuzz.log
  # The runs above go on through a failure (tee): look at each one's verdict.
  total=0
  for log in build/ctest.log build-asan/ctest.log; do
    if ! grep -q '100% tests passed' "$log"; then
      echo "run.sh: tests failed, see $log" >&2
      exit 1
    fi
    n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
    total=$((total + n))
  done
  if ! grep -q '^fuzz: [0-9]* passed, 0 failed$' build-fuzz/fuzz.log; then
    echo "run.sh: a fuzz target found something, see build-fuzz/fuzz.log" >&2
    exit 1
  fi
  n=$(sed -n 's/^fuzz: \([0-9]*\) passed.*/\1/p' build-fuzz/fuzz.log)
  echo "tests: $((total + n)) passed, 0 failed"
  ;;
*)
  echo "usage: ./run.sh example | test" >&2
  exit 2
  ;;
esac
