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

build() { # dir, then extra cmake arguments
  dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir"
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
  # Both runs above stop this script on failure (set -e with tee needs care:
  # look at ctest's own verdict).
  total=0
  for log in build/ctest.log build-asan/ctest.log; do
    if ! grep -q '100% tests passed' "$log"; then
      echo "run.sh: tests failed, see $log" >&2
      exit 1
    fi
    n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
    total=$((total + n))
  done
  echo "tests: $total passed, 0 failed"
  ;;
*)
  echo "usage: ./run.sh example | test" >&2
  exit 2
  ;;
esac
