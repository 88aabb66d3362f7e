# lib.sh: sourced by the shell tests.
#
# ok / bad count checks (bad prints what failed); evolution_project builds the
# shared evolution history v1..v5 as a user would: plan each version, resolve
# the markers, and backfill v5's now required dueDate before its alter.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  echo "FAIL $1"
  fail=$((fail + 1))
}

evolution_project() { # inspirec, examples, project folder
  mkdir -p "$3/schema"
  for v in 1 2 3 4 5; do
    cp "$2/evolution/v$v.inspire" "$3/schema/app.inspire"
    "$1" -C "$3" plan -q --new >/dev/null 2>&1 || bad "plan v$v"
  done
  sed -i 's/\[RESOLVE\] //' "$3"/migrations/*/plan.inspire
  sed -i 's/^  alter Task.dueDate: datetime /  backfill Task.dueDate = "2025-01-01T00:00:00Z" where Task.dueDate is null\n  alter Task.dueDate: datetime /' \
    "$3"/migrations/0005_*/plan.inspire
}

# An example as a project with one migration from nothing (inspirec plan).
example_project() { # inspirec, examples, example name, project folder
  mkdir -p "$4" && cp -r "$2/$3/schema" "$4/" && "$1" -C "$4" plan -q >/dev/null 2>&1 || bad "plan $3"
}

# A random pair that failed (pg_pairs.sh, my_pairs.sh): the first three show
# their schemas and scripts from $tmp/pairs/SEED.
failed_seed() { # seed, reason
  echo "FAIL seed $1: $2"
  fail=$((fail + 1))
  if [ "$fail" -le 3 ]; then
    for f in a.inspire b.inspire up.sql down.sql; do
      echo "--- $f"
      cat "$tmp/pairs/$1/$f"
    done
  fi
}
