/*
** test_plan.c: properties of the differ, the plan language and snapshots over
** seeded random schema pairs (tests/gen.c).
**
**   test_plan [PAIRS [FIRST_SEED [MAX_EDITS]]]
**
** For every pair (A, B = A evolved):
**   0. B's state has the key names st_derive gives;
**   1. plan(A, A) and plan(B, B) are empty;
**   2. replaying plan(A, B) on A gives B;
**   3. printing the plan, parsing it and printing it again gives the same text,
**      the parsed operations equal the differ's, and replaying the parsed plan
**      gives B too;
**   4. the same inputs give byte-identical plan and snapshot files twice;
**   5. a snapshot written and read back is the same state, and writes the same
**      bytes;
**   6. A's snapshot read with its text kept, the plan applied to it in place,
**      writes the same bytes as without the text;
**   7. the differ given that snapshot (its entities' fingerprints) makes the
**      plan it makes trusting no fingerprint, and st_diff_text finds the
**      same first difference.
** Beside them: a big schema's state and its DDL in every dialect are the same
** made on two threads as on one.
** A failure prints the seed, both schemas and the plan.
*/
#include "backends/backend.h"
#include "frontend/frontend.h"
#include "gen.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static int passed, failed;

typedef struct pair_ctx {
  fe_compilation owner; /* the name table every state shares */
  fe_compilation ca, cb;
  st_schema *a, *b;
} pair_ctx;

/* With make_state, sema makes the entities' states as it goes (plan's way);
** without, st_from_schema makes them all after. */
static st_schema *compile(fe_compilation *c, fe_compilation *owner, const char *src,
                          const char *name, bool make_state) {
  fe_init_shared(c, owner);
  c->schema.make_state = make_state;
  fe_compile_buffer(c, name, src, strlen(src));
  if (c->diags.errors) {
    render_opts ro = {false, "t"};
    render_text(stdout, &c->schema, &c->diags, &ro);
    return NULL;
  }
  return st_from_schema(&c->schema);
}

static ir_plan *plan_of(const st_schema *a, const st_schema *b, const ir_schema *src, arena *ar) {
  ir_plan *p = arena_alloc(ar, sizeof *p);
  p->name = "0002_test";
  diff_hints h = {src};
  diff_schemas(a, b, &h, p, ar);
  return p;
}

/* Replay ops on a copy of a; NULL (and a message) when an op cannot apply. */
static st_schema *replay(const st_schema *a, const ir_plan *p, arena *ar) {
  st_schema *s = st_clone(a, ar);
  for (int i = 0; i < p->ops.n; i++) {
    const char *why = st_apply(s, p->ops.v[i]);
    if (why) {
      printf("  op %d (%s) cannot apply: %s\n", i + 1, op_names[p->ops.v[i]->kind], why);
      return NULL;
    }
  }
  return s;
}

static void fail(uint64_t seed, const char *what, const char *a, const char *b, const char *plan) {
  failed++;
  printf("FAIL seed %llu: %s\n--- A\n%s--- B\n%s--- plan\n%s\n", (unsigned long long)seed, what, a,
         b, plan ? plan : "(none)");
}

static int max_edits = 7;
static long outline_borrowed; /* entities of B lent to A's snapshot's state, all pairs */

/* s written to a file as plan writes it, its kept texts judged by like. */
static char *written_like(const st_schema *s, const st_schema *like, const char *migration) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  bool ok = f && st_write_json_file(s, like, migration, f, NULL, NULL);
  if (f) fclose(f);
  if (!ok) free(text);
  return ok ? text : NULL;
}

/* A's snapshot read with its text kept and the plan applied to it in place,
** as `plan` does: the entities the plan left alone are copied from the text,
** and the bytes must be `want`, the snapshot written without it, whether each
** kept text is judged by its entity's fingerprint or, as plan writes, by B's
** state (b).  NULL, or what differs. */
static const char *kept_text_differs(const st_schema *a, const st_schema *b, const ir_plan *p,
                                     strtab *names, const char *want, arena *ar) {
  char *snap_a = st_write_json(a, "0001_a");
  const char *mig, *err;
  long off;
  st_schema *kept = st_read_json_kept(ar, names, snap_a, strlen(snap_a), &mig, &err, &off);
  int with_text = 0, read = kept ? kept->entities.n : 0;
  bool applied = kept != NULL;
  for (int i = 0; i < read; i++)
    with_text += kept->entities.v[i]->text != NULL;
  if (kept) kept->defer_order = true;
  for (int i = 0; applied && i < p->ops.n; i++)
    applied = st_apply(kept, p->ops.v[i]) == NULL;
  if (applied) st_sort(kept);
  char *got = applied ? st_write_json(kept, p->name) : NULL;
  char *got_like = applied ? written_like(kept, b, p->name) : NULL;
  const char *why = !kept      ? arena_printf(ar, "A's snapshot with its text kept: %s", err)
                    : !applied ? "the plan does not apply to A's snapshot with its text kept"
                    : strcmp(got, want) != 0
                        ? arena_printf(ar, "with A's text kept, other bytes:\n%s", got)
                    : !got_like || strcmp(got_like, want) != 0
                        ? arena_printf(ar, "with A's text kept and judged by B, other bytes:\n%s",
                                       got_like ? got_like : "(not written)")
                    : with_text < read && !strchr(snap_a, '\\')
                        ? arena_printf(ar, "%d of %d entities kept their text", with_text, read)
                        : NULL;
  free(snap_a);
  free(got);
  free(got_like);
  return why;
}

/* The differ as plan runs it, A's snapshot read with its text (and so its
** entities' fingerprints) against B's state as made, passing over the
** entities of equal fingerprints: the plan must be `want`, the one made
** with no fingerprint trusted.  NULL, or what differs. */
static const char *fingerprints_differ(const st_schema *a, st_schema *b, const ir_schema *src,
                                       strtab *names, arena *ar) {
  st_schema *plain = st_clone(a, ar); /* a clone trusts no fingerprint */
  bool b_had = b->fingerprints;
  b->fingerprints = false;
  ir_plan *p = plan_of(plain, b, src, ar);
  const char *want_diff[2];
  for (int ordered = 0; ordered < 2; ordered++)
    want_diff[ordered] = st_diff_text(plain, b, ordered, "A", "B", ar);
  b->fingerprints = b_had;
  const char *want = plan_print(ar, p);
  char *snap_a = st_write_json(a, "0001_a");
  const char *mig, *err;
  long off;
  st_schema *kept = st_read_json_kept(ar, names, snap_a, strlen(snap_a), &mig, &err, &off);
  free(snap_a);
  if (!kept || !kept->fingerprints || !b->fingerprints || plain->fingerprints)
    return "the states do not say which fingerprints hold";
  int known = 0;
  for (int i = 0; i < kept->entities.n; i++)
    known += kept->entities.v[i]->fingerprint != 0;
  const char *got = plan_print(ar, plan_of(kept, b, src, ar));
  if (strcmp(got, want) != 0) return arena_printf(ar, "with fingerprints, another plan:\n%s", got);
  /* st_diff_text passes over them too: both states' fingerprints, or one's
  ** against those it makes of the other's entities */
  for (int k = 0; k < 4; k++) {
    int ordered = k & 1;
    const char *d = st_diff_text(k < 2 ? kept : plain, b, ordered, "A", "B", ar);
    if (!d != !want_diff[ordered] || (d && strcmp(d, want_diff[ordered]) != 0))
      return arena_printf(ar, "with %s fingerprints, st_diff_text says '%s', not '%s'",
                          k < 2 ? "both states'" : "one state's", d ? d : "(no difference)",
                          want_diff[ordered] ? want_diff[ordered] : "(no difference)");
  }
  if (known == 0 && kept->entities.n > 0) return "no entity read has its fingerprint";
  return NULL;
}

/* p applied to `borrower` as plan applies it, then written as plan writes it
** (kept texts judged by B's state): the bytes must be `want`, and the
** lender's must still be `lender_text` with its fingerprints.  NULL, or what
** differs. */
static const char *borrower_writes(st_schema *borrower, const char *what, const st_schema *b,
                                   const st_schema *lender, const char *lender_name,
                                   const char *lender_text, const ir_plan *p, const char *want,
                                   arena *ar) {
  borrower->defer_order = true;
  for (int i = 0; i < p->ops.n; i++)
    if (st_apply(borrower, p->ops.v[i]))
      return arena_printf(ar, "the plan does not apply to %s", what);
  st_sort(borrower);
  char *got = written_like(borrower, b, p->name);
  char *lender_after = st_write_json(lender, "0001_a");
  const char *why = NULL;
  if (!got || strcmp(got, want) != 0)
    why = arena_printf(ar, "the plan applied to %s writes other bytes:\n%s", what,
                       got ? got : "(nothing)");
  else if (strcmp(lender_after, lender_text) != 0)
    why = arena_printf(ar, "applying the plan to %s changed %s:\n%s", what, lender_name,
                       lender_after);
  for (int i = 0; !why && i < lender->entities.n; i++)
    if (st_entity_fingerprint(lender->entities.v[i]) != lender->entities.v[i]->fingerprint)
      why = arena_printf(ar, "%s's entity %s no longer has its fingerprint", lender_name,
                         lender->entities.v[i]->name);
  free(got);
  free(lender_after);
  return why;
}

/* A whole state as st_diff_outlined's side. */
static bool state_entity(void *ctx, const char *name, bool whole, uint64_t *fingerprint,
                         const st_entity **state) {
  const st_entity *e = st_entity_find(ctx, name);
  if (!e) return false;
  *fingerprint = e->fingerprint;
  if (whole) *state = e;
  return true;
}

/* A's snapshot read by its outline against B's state, as plan reads the
** latest snapshot when it read it before (frontend/outline.c): the
** entities B has unchanged are B's own, borrowed, the others read.  It must
** be the state read whole, member for member and byte for byte, and give
** the same plan; the plan applied to it must write `want` (the snapshot
** written without any of this) and leave B as it was; an outline that does
** not match the text must be refused.  NULL, or what differs. */
static const char *outline_differs(const st_schema *a, st_schema *b, const ir_schema *src,
                                   strtab *names, const char *want, arena *ar) {
  char *snap_a = st_write_json(a, "0001_a"), *b_before = st_write_json(b, "0001_a");
  char *again = NULL;
  size_t len = strlen(snap_a);
  const char *mig, *omig = NULL, *err, *why = NULL, *d;
  long off;
  int nread;
  st_schema *kept = st_read_json_kept(ar, names, snap_a, len, &mig, &err, &off);
  st_outline o;
  if (!kept || !st_outline_make(kept, snap_a, len, &o, ar)) {
    why = strchr(snap_a, '\\') ? NULL : "no outline of A's snapshot"; /* escapes are not kept */
    goto out;
  }
  /* an outline not of this text: a fingerprint changed (the entity is read
  ** and its own differs), an entity's place, the length */
  st_outline bad = o;
  bad.v = arena_alloc(ar, sizeof *bad.v * (size_t)(o.n + 1));
  memcpy(bad.v, o.v, sizeof *bad.v * (size_t)o.n);
  if (o.n) {
    bad.v[o.n - 1].fingerprint ^= 1;
    if (st_read_json_outlined(ar, names, snap_a, len, &bad, b, &omig, &nread))
      why = "an outline with a wrong fingerprint is taken";
    bad.v[o.n - 1].fingerprint ^= 1;
    bad.v[0].off += 1;
    if (!why && st_read_json_outlined(ar, names, snap_a, len, &bad, b, &omig, &nread))
      why = "an outline with an entity out of place is taken";
    bad.v[0].off -= 1;
    /* names out of their places: each entity is another's, read and refused */
    bad.names = arena_alloc(ar, sizeof *bad.names * (size_t)(o.n + 1));
    for (int i = 0; i < o.n; i++)
      bad.names[i] = o.names[(i + 1) % o.n];
    if (!why && o.n > 1 && st_read_json_outlined(ar, names, snap_a, len, &bad, b, &omig, &nread))
      why = "an outline with its names out of place is taken";
    bad.names = o.names;
  }
  bad.text_len += 1;
  if (!why && st_read_json_outlined(ar, names, snap_a, len, &bad, b, &omig, &nread))
    why = "an outline of a longer text is taken";
  if (why) goto out;
  /* check's drift test by the outline: the words st_diff_text finds first */
  st_outline drift = o;
  const char *by_outline = NULL, *whole = st_diff_text(kept, b, false, "A", "B", ar);
  const char **b_names = arena_alloc(ar, sizeof *b_names * (size_t)(b->entities.n + 1));
  for (int i = 0; i < b->entities.n; i++)
    b_names[i] = b->entities.v[i]->name;
  st_side side = {b, b_names, b->entities.n, state_entity, b};
  if (!drift.names ||
      !st_diff_outlined(ar, names, snap_a, len, &drift, &side, "A", "B", &by_outline, &nread))
    why = "the drift test by the outline is refused";
  else if (!by_outline != !whole || (whole && strcmp(by_outline, whole) != 0))
    why = arena_printf(ar, "the drift test by the outline says '%s', not '%s'",
                       by_outline ? by_outline : "nothing", whole ? whole : "nothing");
  if (why) goto out;
  st_schema *outlined = st_read_json_outlined(ar, names, snap_a, len, &o, b, &omig, &nread);
  again = outlined ? st_write_json(outlined, omig) : NULL;
  int borrowed = 0;
  for (int i = 0; outlined && i < outlined->entities.n; i++)
    borrowed += outlined->entities.v[i] == st_entity_find(b, outlined->entities.v[i]->name);
  if (!outlined)
    why = "the outline is refused";
  else if (nread + borrowed != outlined->entities.n)
    why = arena_printf(ar, "%d entities read and %d borrowed of %d", nread, borrowed,
                       outlined->entities.n);
  else if (omig != mig)
    why = "the outline's read gives another migration name";
  else if ((d = st_diff_text(outlined, kept, true, "read by its outline", "read whole", ar)))
    why = arena_printf(ar, "A's snapshot read by its outline differs: %s", d);
  else if (strcmp(again, snap_a) != 0)
    why = arena_printf(ar, "A's snapshot read by its outline writes other bytes:\n%s", again);
  if (why) goto out;
  outline_borrowed += borrowed;
  /* the plan made and applied on it as `plan` does, B's text-judging writer too */
  ir_plan *p = plan_of(outlined, b, src, ar);
  if (strcmp(plan_print(ar, p), plan_print(ar, plan_of(kept, b, src, ar))) != 0) {
    why = "A's snapshot read by its outline gives another plan";
    goto out;
  }
  why = borrower_writes(outlined, "the outlined state", b, b, "B", b_before, p, want, ar);
  if (why) goto out;
  /* every entity borrowed from a lender equal to A: the plan changes some of
  ** them, and must change its own copies, never the lender's */
  st_schema *lender = st_read_json_kept(ar, names, snap_a, len, &mig, &err, &off);
  st_outline named = o; /* its names interned beforehand, as an outline's file gives them */
  bool have_names = named.names != NULL;
  st_schema *all = lender && have_names ? st_read_json_outlined(ar, names, snap_a, len, &named,
                                                                lender, &omig, &nread)
                                        : NULL;
  if (!all || nread)
    why = "A's snapshot read by its outline against A itself borrows not every entity";
  else
    why = borrower_writes(all, "the state borrowed from A", b, lender, "its lender", snap_a, p,
                          want, ar);
out:
  free(snap_a);
  free(b_before);
  free(again);
  return why;
}

/* base, edited by from, to (and a second from, to where one edit needs
** two): the plan's text kept, fingerprints and outlines as plan uses them. */
static void edit_case(const char *base, const char *const edit[4], size_t number) {
  strbuf edited = {0};
  strbuf_puts(&edited, base);
  for (int k = 0; k < 4 && edit[k]; k += 2) {
    char *was = edited.p, *at = strstr(was, edit[k]);
    if (!at) {
      printf("FAIL case %zu: '%s' is not in the schema\n", number, edit[k]);
      failed++;
      free(was);
      return;
    }
    strbuf next = {0};
    strbuf_put(&next, was, (size_t)(at - was));
    strbuf_puts(&next, edit[k + 1]);
    strbuf_puts(&next, at + strlen(edit[k]));
    free(was);
    edited = next;
  }
  pair_ctx P;
  fe_init(&P.owner);
  st_schema *a = compile(&P.ca, &P.owner, base, "a.inspire", false);
  st_schema *b = compile(&P.cb, &P.owner, edited.p, "b.inspire", true);
  arena *ar = &P.owner.a;
  ir_plan *p = a && b ? plan_of(a, b, &P.cb.schema, ar) : NULL;
  st_schema *r = p && p->ops.n ? replay(a, p, ar) : NULL;
  char *want = r ? st_write_json(r, p->name) : NULL;
  const char *why = !want ? "the case does not plan and replay"
                    : st_diff_text(r, b, false, "the replay", "B", ar)
                        ? st_diff_text(r, b, false, "the replay", "B", ar)
                        : kept_text_differs(a, b, p, &P.owner.names, want, ar);
  if (!why) why = fingerprints_differ(a, b, &P.cb.schema, &P.owner.names, ar);
  if (!why) why = outline_differs(a, b, &P.cb.schema, &P.owner.names, want, ar);
  if (why) {
    printf("FAIL kept text, case %zu (%s): %s\n", number, edit[1], why);
    failed++;
  } else {
    passed++;
  }
  free(want);
  free(edited.p);
  fe_free(&P.ca);
  fe_free(&P.cb);
  fe_free(&P.owner);
}

/* One edit each, that changes an entity from elsewhere (a renamed entity
** its foreign key names, a renamed enum its field) or one member the writer
** writes: the copy of the entity's old text must not survive it. */
static void kept_text_cases(void) {
  static const char *const base =
      "enum Color { Red, Blue }\nenum Shade { Light, Dark }\n"
      "entity Team { name: string }\n"
      "entity Player { name: string\n  color: Color\n  score: decimal(10, 2)?\n"
      "  teamId: Team.id\n}\n"
      "entity Quiet { note: string = \"q\" }\n"
      "entity Crew { name: string }\n";
  /* from, to, and a second from, to where one edit needs two */
  static const char *const edits[][4] = {
      {"entity Team {", "entity Squad { @renamedFrom(\"Team\")\n", "Team.id", "Squad.id"},
      {"color: Color\n", "color: Shade\n"},
      {"enum Color {", "enum Hue {", "color: Color", "color: Hue"},
      {"name: string }", "name: string @maxLength(80) }"},
      {"name: string }", "name: string = \"x\" }"},
      {"name: string }", "name: string[] }"},
      {"color: Color\n", "color: Color?\n"},
      {"decimal(10, 2)?", "decimal(12, 2)?"},
      {"decimal(10, 2)?", "decimal(10, 4)?"},
      {"decimal(10, 2)?", "decimal(10, 2)"},
      {"teamId: Team.id\n}", "teamId: Team.id\n  @map(\"people\")\n}"},
      {"teamId: Team.id\n}", "teamId: Team.id @onDelete(cascade)\n}"},
      {"Player { name: string\n", "Player { name: string @unique\n"},
      {"Player { name: string\n", "Player { name: string @sensitive\n"},
      {"Player { name: string\n", "Player { name: string @index\n"},
      {"= \"q\"", "= \"r\""},
      /* Player's text unchanged, but its Team is another entity now */
      {"entity Team {", "entity Squad { @renamedFrom(\"Team\")\n", "entity Crew {",
       "entity Team { @renamedFrom(\"Crew\")\n"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof *edits; i++)
    edit_case(base, edits[i], i + 1);
  /* edits that reach into entities the plan does not name: a state that
  ** borrowed those entities must copy them first (ops.c) */
  static const char *const base2 = "enum Color { Red, Blue }\n"
                                   "entity Team { code: string @unique }\n"
                                   "entity Paint { tint: Color = Red\n  teamCode: Team.code\n}\n";
  static const char *const edits2[][4] = {
      {"code: string @unique", "key: string @unique @renamedFrom(\"code\")", "Team.code",
       "Team.key"},
      {"enum Color {", "enum Hue {", "tint: Color", "tint: Hue"},
      {"Red, Blue }", "Crimson @renamedFrom(\"Red\"), Blue }", "= Red", "= Crimson"},
  };
  for (size_t i = 0; i < sizeof edits2 / sizeof *edits2; i++)
    edit_case(base2, edits2[i], 101 + i);
}

/* A schema big enough that st_from_schema and be_lower_schema split it
** between two threads (1,024 entities and up): enums, references forward,
** backward and in a cycle, keys, a mapped table, and what MySQL refuses (a
** key on json); the state and each dialect's script and problems must be
** what one thread makes, on two threads, and with the states made by
** sema's two threads (make_state). */
static void threads_agree(void) {
  strbuf b = {0};
  char line[600];
  strbuf_puts(&b, "enum Mood { Calm, Loud }\n");
  for (int k = 0; k < 1500; k++) {
    int i = k * 641 % 1500; /* declared out of order, so that each thread's sort matters */
    snprintf(line, sizeof line,
             "entity E%04d {\n  name: string @maxLength(40) @unique\n  mood: Mood = Calm\n"
             "  score: decimal(8, 2)?\n  ref: E%04d.id? @onDelete(setNull)\n%s%s  @index([name, "
             "mood])\n}\n",
             i, (i * 7 + 3) % 1500, i % 97 == 1 ? "  doc: json @unique\n" : "",
             i == 700 ? "  @map(\"seven_hundred\")\n" : "");
    strbuf_puts(&b, line);
  }
  char *made[3][4] = {{0}};
  for (int threads = 0; threads < 3; threads++) {
    if (!threads) setenv("INSPIREC_THREADS", "1", 1);
    fe_compilation c;
    fe_init(&c);
    c.schema.make_state = threads == 2;
    fe_compile_buffer(&c, "big.inspire", b.p, b.n);
    st_schema *st = c.diags.errors ? NULL : st_from_schema(&c.schema);
    made[threads][0] = st ? st_write_json(st, "0001_big") : NULL;
    for (int d = 0; st && d < 3; d++) {
      static const char *const dialects[] = {"sqlite", "postgres", "mysql"};
      be_script script;
      be_script_init(&script, &c.a);
      be_lower_schema(be_find(dialects[d]), st, &script);
      strbuf all = {0};
      char *text = be_script_text(&script, NULL);
      strbuf_puts(&all, text);
      free(text);
      for (int k = 0; k < script.problems.n; k++) {
        strbuf_puts(&all, "\nproblem: ");
        strbuf_puts(&all, script.problems.v[k]);
      }
      made[threads][d + 1] = all.p;
    }
    unsetenv("INSPIREC_THREADS");
    fe_free(&c);
  }
  static const char *const what[] = {"the state", "sqlite DDL", "postgres DDL", "mysql DDL"};
  for (int k = 0; k < 4; k++) {
    bool all = made[0][k] && made[1][k] && made[2][k];
    bool same = all && strcmp(made[0][k], made[1][k]) == 0;
    bool same_sema = all && strcmp(made[0][k], made[2][k]) == 0;
    bool refused = k != 3 || (made[0][k] && strstr(made[0][k], "problem: key"));
    if (same && same_sema && refused) {
      passed++;
    } else {
      printf("FAIL %s of 1,500 entities: %s\n", what[k],
             !all         ? "not made"
             : !same      ? "two threads differ from one"
             : !same_sema ? "the states sema made differ from st_from_schema's"
                          : "MySQL's refusal is missing");
      failed++;
    }
    for (int t = 0; t < 3; t++)
      free(made[t][k]);
  }
  free(b.p);
}

static void one_pair(uint64_t seed) {
  gen_schema g;
  gen_new(&g, seed, 2 + (int)(seed % 6));
  char *src_a = gen_render(&g);
  gen_evolve(&g, 1 + (int)(seed % (uint64_t)max_edits), 50);
  char *src_b = gen_render(&g);
  pair_ctx P;
  fe_init(&P.owner);
  st_schema *a = compile(&P.ca, &P.owner, src_a, "a.inspire", false);
  st_schema *b = compile(&P.cb, &P.owner, src_b, "b.inspire", true);
  arena *ar = &P.owner.a;
  char *text = NULL;
  if (!a || !b) {
    fail(seed, "the generated schema does not compile", src_a, src_b, NULL);
    goto out;
  }
  /* 0: the state takes its key names from sema: those st_derive gives */
  for (int i = 0; i < b->entities.n; i++) {
    st_entity *e = b->entities.v[i], *again = st_clone_entity(e, ar);
    st_derive(b, again);
    if (st_entity_fingerprint(again) != st_entity_fingerprint(e)) {
      fail(seed, arena_printf(ar, "entity %s: sema's key names are not st_derive's", e->name),
           src_a, src_b, NULL);
      goto out;
    }
  }
  /* 1 */
  if (plan_of(a, a, &P.ca.schema, ar)->ops.n || plan_of(b, b, &P.cb.schema, ar)->ops.n) {
    fail(seed, "plan(A, A) is not empty", src_a, src_b,
         plan_print(ar, plan_of(a, a, &P.ca.schema, ar)));
    goto out;
  }
  /* 2 */
  ir_plan *p = plan_of(a, b, &P.cb.schema, ar);
  text = plan_print(ar, p);
  st_schema *r = replay(a, p, ar);
  const char *d = r ? st_diff_text(r, b, false, "the replay", "B", ar) : "an operation failed";
  if (d) {
    fail(seed, arena_printf(ar, "replaying plan(A, B) on A does not give B: %s", d), src_a, src_b,
         text);
    goto out;
  }
  /* 3: print, parse, print */
  fe_compilation cp;
  fe_init_shared(&cp, &P.owner);
  src_add(&cp.schema, "plan.inspire", text, strlen(text));
  ir_plan *q = fe_parse_plan(&cp.schema, &cp.diags, 0);
  bool ok = q && cp.diags.errors == 0 && q->ops.n == p->ops.n;
  st_schema *r2 = NULL;
  if (ok) {
    r2 = st_clone(a, ar);
    ok = plan_replay(r2, q, &cp.diags) && cp.diags.errors == 0;
  }
  if (!ok) {
    render_opts ro = {false, "t"};
    render_text(stdout, &cp.schema, &cp.diags, &ro);
    fail(seed, "the printed plan does not parse and replay", src_a, src_b, text);
    fe_free(&cp);
    goto out;
  }
  q->name = p->name;
  char *again = plan_print(ar, q);
  for (int i = 0; i < p->ops.n && ok; i++)
    if (!op_equal(p->ops.v[i], q->ops.v[i])) {
      fail(seed, arena_printf(ar, "operation %d differs after printing and parsing", i + 1), src_a,
           src_b, text);
      ok = false;
    }
  if (ok && strcmp(again, text) != 0) {
    fail(seed, arena_printf(ar, "printing the parsed plan changes it:\n%s", again), src_a, src_b,
         text);
    ok = false;
  }
  if (ok && (d = st_diff_text(r2, r, true, "the parsed plan's replay", "the plan's", ar))) {
    fail(seed, arena_printf(ar, "the parsed plan replays differently: %s", d), src_a, src_b, text);
    ok = false;
  }
  fe_free(&cp);
  if (!ok) goto out;
  /* 4: the same inputs, the same bytes */
  char *snap1 = st_write_json(r, p->name);
  ir_plan *p2 = plan_of(a, b, &P.cb.schema, ar);
  st_schema *r3 = replay(a, p2, ar);
  char *snap2 = r3 ? st_write_json(r3, p2->name) : NULL;
  if (strcmp(plan_print(ar, p2), text) != 0 || !snap2 || strcmp(snap1, snap2) != 0) {
    fail(seed, "two runs gave different bytes", src_a, src_b, text);
    free(snap1);
    free(snap2);
    goto out;
  }
  /* 5: snapshots round-trip */
  const char *mig, *err;
  long off;
  st_schema *back = st_read_json(ar, &P.owner.names, snap1, strlen(snap1), &mig, &err, &off);
  char *snap3 = back ? st_write_json(back, mig) : NULL;
  /* read by the fast reader (st_read_json's first try), and the same by the
  ** general ones */
  const char *fmig, *gmig, *gerr;
  st_schema *fast = st_read_json_fast(ar, &P.owner.names, snap1, strlen(snap1), &fmig);
  st_schema *general =
      st_read_json_general(ar, &P.owner.names, snap1, strlen(snap1), &gmig, &gerr, &off);
  /* the same document with \r\n line ends (a checkout with autocrlf): the
  ** fast reader, strict about white space, gives it to the general ones */
  strbuf crlf = {0};
  for (const char *c = snap1; *c; c++)
    strbuf_puts(&crlf, *c == '\n' ? "\r\n" : (char[]){*c, 0});
  const char *cmig;
  st_schema *from_crlf = st_read_json(ar, &P.owner.names, crlf.p, crlf.n, &cmig, &err, &off);
  bool crlf_fast = st_read_json_fast(ar, &P.owner.names, crlf.p, crlf.n, &cmig) != NULL;
  free(crlf.p);
  if (!back || (d = st_diff_text(back, r, true, "the read snapshot", "the written state", ar)) ||
      strcmp(snap3, snap1) != 0 || !fast || !general ||
      (d = st_diff_text(general, fast, true, "the general reader", "the fast one", ar)) ||
      !from_crlf || crlf_fast ||
      (d = st_diff_text(from_crlf, r, true, "the snapshot with \\r\\n", "the written state", ar))) {
    fail(seed,
         arena_printf(ar, "the snapshot does not read back: %s",
                      !back        ? err
                      : d          ? d
                      : !fast      ? "the fast reader gives up"
                      : !general   ? gerr
                      : !from_crlf ? "the snapshot with \\r\\n line ends does not read"
                      : crlf_fast  ? "the fast reader reads \\r\\n line ends"
                                   : "other bytes"),
         src_a, src_b, snap1);
  } else {
    passed++;
  }
  /* 6: the writer's copies of the entities the plan left alone */
  const char *kept = kept_text_differs(a, b, p, &P.owner.names, snap1, ar);
  if (kept)
    fail(seed, kept, src_a, src_b, snap1);
  else
    passed++;
  /* 7: the differ passing over equal fingerprints */
  const char *fp = fingerprints_differ(a, b, &P.cb.schema, &P.owner.names, ar);
  if (fp)
    fail(seed, fp, src_a, src_b, text);
  else
    passed++;
  /* 8: A's snapshot read by its outline, against B */
  const char *ol = outline_differs(a, b, &P.cb.schema, &P.owner.names, snap1, ar);
  if (ol)
    fail(seed, ol, src_a, src_b, text);
  else
    passed++;
  free(snap1);
  free(snap2);
  free(snap3);
out:
  if (a || P.ca.schema.files.n) fe_free(&P.ca);
  if (b || P.cb.schema.files.n) fe_free(&P.cb);
  fe_free(&P.owner);
  free(src_a);
  free(src_b);
}

/* A field listed twice in a wide entity (past the fast reader's scan of 16
** names, deep into its map) is refused by every reader.  The text is the
** writer's layout, byte for byte (the first pass writes it back to show it),
** so that the fast reader gives up for the field alone. */
static void wide_duplicate(void) {
  for (int twice = 0; twice < 2; twice++) {
    arena a;
    arena_init(&a);
    strtab names;
    strtab_init(&names, &a);
    strbuf t = {0};
    strbuf_puts(&t, "{\n  \"format\": \"" ST_FORMAT "\",\n  \"migration\": \"0001_x\",\n"
                    "  \"enums\": [],\n  \"entities\": [\n    {\n      \"name\": \"Wide\",\n"
                    "      \"table\": \"wides\",\n      \"primaryKey\": [\"f0\"],\n"
                    "      \"primaryKeyName\": \"wides_pkey\",\n      \"fields\": [");
    for (int i = 0; i < 30; i++) {
      char line[200];
      /* field 25 repeats field 20 on the second pass */
      int k = twice && i == 25 ? 20 : i;
      snprintf(line, sizeof line,
               "%s\n        { \"name\": \"f%d\", \"column\": \"f%d\", \"type\": \"int\", "
               "\"nullable\": false, \"array\": false }",
               i ? "," : "", k, k);
      strbuf_puts(&t, line);
    }
    strbuf_puts(&t, "\n      ],\n      \"uniques\": [],\n      \"indexes\": [],\n"
                    "      \"foreignKeyIndexes\": [],\n      \"foreignKeys\": []\n    }\n  ]\n}\n");
    const char *mig, *err;
    long off;
    st_schema *s = st_read_json(&a, &names, t.p, t.n, &mig, &err, &off);
    st_schema *f = st_read_json_fast(&a, &names, t.p, t.n, &mig);
    char *back = s ? st_write_json(s, mig) : NULL;
    bool want = !twice;
    if (!s != !want || !f != !want || (twice && (!err || !strstr(err, "listed twice"))) ||
        (back && strcmp(back, t.p) != 0)) {
      printf("FAIL wide entity%s: read %s, fast %s (%s)%s%s\n", twice ? " with a field twice" : "",
             s ? "yes" : "no", f ? "yes" : "no", err ? err : "-",
             back ? "; the writer's layout is now:\n" : "", back ? back : "");
      failed++;
    } else {
      passed++;
    }
    free(back);
    free(t.p);
    strtab_free(&names);
    arena_free(&a);
  }
}

/* kB of the process's memory in the mapping that starts at p (smaps). */
static long mapping_rss_kb(const void *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  long rss = -1;
  bool in = false;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long from, to;
    if (sscanf(line, "%lx-%lx ", &from, &to) == 2 && strchr(line, '-') < strchr(line, ' '))
      in = from == (uintptr_t)p;
    else if (in && strncmp(line, "Rss:", 4) == 0)
      rss = atol(line + 4);
  }
  if (f) fclose(f);
  return rss;
}

/* The snapshot file of `whole` (len bytes at fd) mapped, read with its texts
** kept, and written again as plan writes it: the same bytes, with no more
** than a window or two of the mapping held (st_kept_let_go), and
** st_kept_let_go leaves memory that is not the mapping's alone. */
static void kept_from_mapping(int fd, size_t len, const char *whole) {
  arena a;
  arena_init(&a);
  strtab names;
  strtab_init(&names, &a);
  const char *mig, *err;
  long off;
  char *copy = malloc(len); /* heap memory of megabytes: its own mapping */
  const char *text = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
  st_schema *st = text == MAP_FAILED || !copy
                      ? NULL
                      : st_read_json_kept(&a, &names, text, len, &mig, &err, &off);
  char *again = NULL;
  size_t again_len = 0;
  long held = -1;
  if (st) {
    memcpy(copy, whole, len);
    st_kept_mapping(text, len);
    st_kept_let_go(copy, len); /* not the mapping: must not be touched */
    st_kept_let_go(text, len);
    FILE *out = tmpfile();
    bool wrote = out && st_write_json_file(st, NULL, "0001_big", out, NULL, NULL);
    held = mapping_rss_kb(text);
    struct stat file;
    if (wrote && fflush(out) == 0 && fstat(fileno(out), &file) == 0 &&
        (again = malloc((size_t)file.st_size + 1))) {
      rewind(out);
      again_len = fread(again, 1, (size_t)file.st_size, out);
    }
    if (out) fclose(out);
    st_kept_mapping(NULL, 0);
  }
  if (!st || again_len != len || memcmp(again, whole, len) != 0) {
    printf("FAIL big snapshot: written again from its mapped text, %zu bytes against %zu%s\n",
           again_len, len, st ? "" : " (not read)");
    failed++;
  } else if (memcmp(copy, whole, len) != 0) {
    printf("FAIL st_kept_let_go let go memory that is not the mapping's\n");
    failed++;
  } else if (held < 0 || held > 3 << 10) {
    printf("FAIL big snapshot: %ld kB of its %zu kB mapping held after writing (at most 3 MB)\n",
           held, len >> 10);
    failed++;
  } else {
    passed++;
  }
  if (text != MAP_FAILED) munmap((void *)text, len);
  free(again);
  free(copy);
  strtab_free(&names);
  arena_free(&a);
}

/* A snapshot big enough that its file is written in two halves at once
** (snapshot_write.c) has the bytes of the one-piece writer's. */
static void big_snapshot_file(void) {
  strbuf src = {0};
  for (int i = 0; i < 3000; i++) {
    char line[400];
    snprintf(line, sizeof line,
             "entity Item%04d {\n  name: string @maxLength(80),\n  count: int = 0,\n"
             "  price: decimal(10, 2)?,\n  tags: string[],\n%s  @unique([name, count])\n}\n",
             i, i ? "  parentId: Item0000.id @onDelete(cascade),\n" : "");
    strbuf_puts(&src, line);
  }
  fe_compilation c;
  fe_init(&c);
  fe_compile_buffer(&c, "big.inspire", src.p, src.n);
  st_schema *st = c.diags.errors ? NULL : st_from_schema(&c.schema);
  char *whole = st ? st_write_json(st, "0001_big") : NULL;
  FILE *f = tmpfile();
  bool ok = whole && f && st_write_json_file(st, NULL, "0001_big", f, NULL, NULL) && fflush(f) == 0;
  struct stat file; /* its size, not where the writes ended: blocks taken ahead are cut */
  size_t len = ok && fstat(fileno(f), &file) == 0 ? (size_t)file.st_size : 0;
  char *back = ok ? malloc(len + 1) : NULL;
  if (back) {
    rewind(f);
    ok = fread(back, 1, len, f) == len;
    back[len] = 0;
  }
  ok = ok && back && len == strlen(whole) && memcmp(back, whole, len) == 0;
  if (!ok) {
    printf("FAIL big snapshot: the file written in halves differs from the one-piece text "
           "(%zu bytes against %zu)\n",
           len, whole ? strlen(whole) : 0);
    failed++;
  } else {
    passed++;
  }
  if (ok) kept_from_mapping(fileno(f), len, whole);
  if (f) fclose(f);
  free(back);
  free(whole);
  free(src.p);
  fe_free(&c);
}

int main(int argc, char **argv) {
  long pairs = argc > 1 ? atol(argv[1]) : 1000;
  uint64_t first = argc > 2 ? (uint64_t)atoll(argv[2]) : 1;
  if (argc > 3 && atoi(argv[3]) > 0) max_edits = atoi(argv[3]);
  wide_duplicate();
  big_snapshot_file();
  kept_text_cases();
  threads_agree();
  for (long i = 0; i < pairs && failed < 5; i++)
    one_pair(first + (uint64_t)i);
  if (pairs >= 100 && outline_borrowed == 0) {
    printf("FAIL: no pair borrowed an entity of B for A's snapshot\n");
    failed++;
  }
  printf("plan properties: %d passed, %d failed (%ld entities borrowed)\n", passed, failed,
         outline_borrowed);
  return failed ? 1 : 0;
}
