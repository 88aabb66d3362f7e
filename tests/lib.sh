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

# A schema of N entities Thing0.. of three fields each, on stdout.
things_schema() { # N
  i=0
  while [ $i -lt "$1" ]; do
    printf 'entity Thing%d {\n  name: string\n  size: int?\n  note: string?\n}\n' $i
    i=$((i + 1))
  done
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

# What blocks apply on the evolution project $p (exit 3, the file named,
# nothing changed): an edited applied plan, a deleted applied migration, a
# schema ahead of its snapshot. The caller defines apply_here (apply on its
# database) and unchanged (true when the database is as before).
blocked() { # what, expected text
  apply_here >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 3 ] && grep -q "$2" "$tmp/err" && unchanged && ok || bad "$1: exit $rc, $(cat "$tmp/err")"
}
blocking_edits() {
  m2=$(ls -d "$p"/migrations/0002_*)
  cp "$m2/plan.inspire" "$tmp/plan2"
  printf '\n// edited\n' >>"$m2/plan.inspire"
  blocked "an edited applied plan" "0002_create_task_status/plan.inspire or snapshot.json changed"
  cp "$tmp/plan2" "$m2/plan.inspire"
  m5=$(ls -d "$p"/migrations/0005_*)
  mv "$m5" "$tmp/m5"
  blocked "a deleted applied migration" "0005_alter_project_created_at is applied to the database but missing"
  mv "$tmp/m5" "$m5"
  printf 'entity Extra {\n  a: int\n}\n' >"$p/schema/extra.inspire"
  blocked "a schema ahead of its snapshot" "Run inspirec plan"
}

# Two apply runs started together on one database: one applies all N, the
# other waits for the lock and finds nothing to do. (The caller checks the
# ledger.)
two_runners() { # URL, N
  "$bin" -C "$p" apply --db "$1" >"$tmp/r1" 2>&1 &
  one=$!
  "$bin" -C "$p" apply --db "$1" >"$tmp/r2" 2>&1 &
  two=$!
  wait $one
  rc1=$?
  wait $two
  rc2=$?
  [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$(cat "$tmp/r1" "$tmp/r2" | grep -c "$2 migrations applied")" = 1 ] &&
    [ "$(cat "$tmp/r1" "$tmp/r2" | grep -c 'nothing to apply')" = 1 ] && ok ||
    bad "two runners: $rc1 $rc2: $(cat "$tmp/r1" "$tmp/r2")"
}
