/*
** risk.c: a class and a score for every operation of a plan, per dialect
** (docs/risk.md holds the tables): safe 0-10, low 11-30, medium 31-60,
** destructive 61-100, each with the reason (a table rewrite, a lock taken,
** data lost) and, where there is one, the safer way.
**
** What a dialect does to the table decides the score more than the
** operation: SQLite rebuilds a table for most changes, MySQL's inline enums
** rebuild it to change a value list, Postgres rewrites a table to change a
** column's type.  An operation on a table made by the same migration has no
** rows to lock or lose, so it is safe whatever it is.
*/
#include "backend.h"

const char *be_risk_class(int score) {
  return score <= 10 ? "safe" : score <= 30 ? "low" : score <= 60 ? "medium" : "destructive";
}

static be_risk risk(int score, const char *reason, const char *advice) {
  be_risk r = {score, reason, advice};
  return r;
}

static bool is_pg(const be_dialect *d) {
  return d == &be_postgres;
}
static bool is_lite(const be_dialect *d) {
  return d == &be_sqlite;
}
static bool is_my(const be_dialect *d) {
  return d == &be_mysql;
}

/* Does the lowered operation rebuild its table (SQLite's 12 steps)? */
static bool rebuilds(be_ctx *c, const ir_op *op) {
  be_script s;
  be_script_init(&s, c->a);
  be_ctx one = *c;
  one.out = &s;
  one.nprior = 0;
  c->d->lower_op(&one, op);
  return s.rebuilds > 0;
}

static be_risk alter_risk(be_ctx *c, const ir_op *op, bool rebuild) {
  const st_entity *was = st_entity_find(c->before, op->entity);
  const st_field *f = was ? st_field_find(was, op->name) : NULL, *g = op->field;
  if (!f || !g) return risk(40, "the column changes", NULL);
  bool retype = f->kind != g->kind || f->precision != g->precision || f->scale != g->scale ||
                f->array != g->array || f->type_name != g->type_name ||
                f->max_length != g->max_length;
  if (retype && !st_field_converts(c->before, f, c->after, g))
    return risk(75,
                "data loss: a type change that cannot keep every value (the change fails, "
                "or values are cut)",
                "add a new column, backfill it, then drop the old one");
  if (g->max_length && (!f->max_length || g->max_length < f->max_length))
    return risk(55,
                "a narrower column: the change fails if a stored value is longer, and the "
                "table is rewritten",
                "check the longest value first");
  if (rebuild && is_lite(c->d))
    return risk(45,
                "table rewrite: SQLite rebuilds the table (copy, drop, rename) under a "
                "write lock",
                NULL);
  if (retype)
    return risk(is_my(c->d) ? 50 : 45,
                is_pg(c->d) ? "table rewrite: ALTER COLUMN TYPE rewrites the table and its "
                              "indexes under an ACCESS EXCLUSIVE lock"
                            : "table rewrite: MODIFY COLUMN copies the table",
                "on a big table, add a new column and backfill it in batches instead");
  if (f->nullable && !g->nullable)
    return risk(40,
                is_pg(c->d) ? "lock taken: SET NOT NULL scans the whole table under an ACCESS "
                              "EXCLUSIVE lock"
                            : "table rewrite: MODIFY COLUMN copies the table to add NOT NULL",
                is_pg(c->d) ? "on a big table, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE "
                              "it, then SET NOT NULL"
                            : NULL);
  if (!f->ref_entity != !g->ref_entity ||
      (g->ref_entity && (g->ref_entity != f->ref_entity || g->on_delete != f->on_delete)))
    return g->ref_entity && is_pg(c->d)
               ? risk(35,
                      "lock taken: ADD FOREIGN KEY checks every row under a SHARE ROW "
                      "EXCLUSIVE lock",
                      "add it NOT VALID, then VALIDATE CONSTRAINT in a later step")
               : risk(30, "the reference changes: a constraint is dropped and made again", NULL);
  if (is_my(c->d) && !f->nullable != !g->nullable)
    return risk(35, "table rewrite: MODIFY COLUMN copies the table", NULL);
  return risk(5, "metadata only: a default changes, or NULL is allowed", NULL);
}

static be_risk op_risk(be_ctx *c, const ir_op *op) {
  const be_dialect *d = c->d;
  bool fresh = op->entity && op->kind != OP_CREATE_ENTITY && op->kind != OP_CREATE_ENUM &&
               !st_entity_find(c->start, op->entity) && !st_enum_find(c->start, op->entity);
  if (fresh && op->kind != OP_SQL && op->kind != OP_BACKFILL)
    return risk(0, "the table is made by this migration: no rows to lock or lose", NULL);
  /* creates, drops and data steps score the same whether SQLite rebuilds or not */
  bool judged_alone = op->kind == OP_CREATE_ENTITY || op->kind == OP_CREATE_ENUM ||
                      op->kind == OP_DROP_ENTITY || op->kind == OP_DROP_FIELD ||
                      op->kind == OP_DROP_ENUM || op->kind == OP_DROP_VALUE ||
                      op->kind == OP_BACKFILL || op->kind == OP_SQL;
  bool rebuild = is_lite(d) && !judged_alone && rebuilds(c, op);
  switch (op->kind) {
  case OP_CREATE_ENTITY: return risk(0, "a new table", NULL);
  case OP_CREATE_ENUM:
    return risk(0, is_pg(d) ? "a new type" : "nothing in the database until a column uses it",
                NULL);
  case OP_ADD_VALUE:
    if (is_pg(d))
      return risk(10,
                  "ALTER TYPE ... ADD VALUE commits on its own, before the migration's "
                  "transaction",
                  NULL);
    return rebuild || is_my(d)
               ? risk(35,
                      is_my(d) ? "table rewrite: the inline ENUM of each column using it "
                                 "changes (instant only when appended last)"
                               : "table rewrite: SQLite rebuilds the tables whose CHECK "
                                 "lists the values",
                      NULL)
               : risk(5, "a new value", NULL);
  case OP_ADD_FIELD: {
    const st_field *f = op->field;
    if (!f->nullable && !f->def)
      return risk(50, "fails on a table with rows: a required column needs a value for them",
                  "give it a default, or add it nullable, backfill, then make it required");
    if (rebuild) return risk(45, "table rewrite: SQLite rebuilds the table", NULL);
    if (!is_lite(d) && f->def == ST_D_UUID)
      return risk(40, "table rewrite: a volatile default (uuid()) is computed for every row", NULL);
    if (op->unique || op->primary_key)
      return risk(35, "an index is built on existing rows under lock", NULL);
    if (f->ref_entity && !is_lite(d))
      return risk(15, "lock taken: a new reference locks the referenced table briefly", NULL);
    return risk(5, "a new column", NULL);
  }
  case OP_RENAME_ENTITY:
  case OP_RENAME_FIELD:
  case OP_RENAME_ENUM:
  case OP_RENAME_VALUE:
    if (rebuild) return risk(45, "table rewrite: SQLite rebuilds the table", NULL);
    return risk(20, "a rename: readers and writers still using the old name break",
                "deploy code that reads both names first");
  case OP_ALTER_ENTITY:
    return risk(20, "a rename of the table: code using the old name breaks", NULL);
  case OP_ALTER_FIELD: return alter_risk(c, op, rebuild);
  case OP_ADD_INDEX:
    if (rebuild) return risk(45, "table rewrite: SQLite rebuilds the table", NULL);
    return is_pg(d) ? risk(25,
                           "lock taken: CREATE INDEX blocks writes to the table while it "
                           "builds",
                           "on a big table, CREATE INDEX CONCURRENTLY outside the transaction")
                    : risk(20, "an index is built on existing rows", NULL);
  case OP_ADD_UNIQUE:
  case OP_ADD_PRIMARY_KEY:
    return risk(rebuild ? 50 : 40,
                "unique on existing data: fails if rows repeat a value; the index is built under "
                "lock",
                is_pg(d) ? "build a unique index CONCURRENTLY first, then add the constraint "
                           "USING INDEX"
                         : NULL);
  case OP_DROP_INDEX:
    return risk(rebuild ? 45 : 10,
                rebuild ? "table rewrite: SQLite rebuilds the table"
                        : "queries that used the index get slower",
                NULL);
  case OP_DROP_UNIQUE:
  case OP_DROP_PRIMARY_KEY:
    return risk(rebuild ? 45 : 15, "a guarantee goes: duplicates become possible", NULL);
  case OP_BACKFILL: return risk(40, "rows rewritten, in batches of their own transactions", NULL);
  case OP_SQL:
    return risk(50, "hand-written SQL: its effect cannot be judged", "review it by hand");
  case OP_DROP_FIELD: return risk(80, "data loss: the column and its values are dropped", NULL);
  case OP_DROP_ENTITY: return risk(90, "data loss: the table and its rows are dropped", NULL);
  case OP_DROP_ENUM: return risk(65, "the type is dropped", NULL);
  case OP_DROP_VALUE:
    return risk(75,
                "data loss: rows holding the value are changed, and the type (or table) is "
                "rebuilt",
                NULL);
  default: return risk(50, "unknown operation", NULL);
  }
}

void be_plan_risks(const be_dialect *d, const st_schema *prev, const ir_plan *plan, be_risk *out,
                   arena *a) {
  /* two copies that step along, the second one operation behind: a clone
  ** per operation would make a big first migration quadratic */
  st_schema *before = st_clone(prev, a), *after = st_clone(prev, a);
  before->defer_order = after->defer_order = true; /* lookups go through the name index */
  for (int i = 0; i < plan->ops.n; i++) {
    st_apply(after, plan->ops.v[i]); /* plans reach here checked */
    be_script s;
    be_script_init(&s, a);
    be_ctx c = {d, a, &s, before, after, false, prev, NULL, 0};
    out[i] = op_risk(&c, plan->ops.v[i]);
    st_apply(before, plan->ops.v[i]);
  }
}
