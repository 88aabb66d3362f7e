#!/bin/sh
# hostile.sh postgres|mysql TEST_HOSTILE STRINGS: test_hostile on a throwaway
# server of its own (tests/engine.sh): every hostile string in every place a
# name or a literal goes, rejected with a diagnostic or stored exactly.
set -u
engine=$1
prog=$2
strings=$3
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/engine.sh"
engine_begin "$engine" || exit 2
create hostile || { echo "FAIL cannot create the database"; exit 1; }
"$prog" "$strings" "$(url hostile)"
