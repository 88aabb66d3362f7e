/*
** budget.c: risk budgets (docs/risk.md).  `check`, `dry-run` and `apply`
** take --max-risk N (or INSPIRE_MAX_RISK) and refuse, before anything runs,
** a step that scores more; `plan` prints the scores of what it wrote.
*/
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rt_max_risk_arg(const char *text) {
  char *end;
  long v = strtol(text, &end, 10);
  return *text && !*end && v >= 0 && v <= 100 ? (int)v : -2;
}

int rt_budget_plan(const be_dialect *d, const st_schema *prev, const char *name,
                   const ir_plan *plan, int max_risk, bool running, arena *a) {
  if (max_risk < 0) return RT_OK;
  be_risk *risks = arena_alloc(a, sizeof *risks * ((size_t)plan->ops.n + 1));
  be_plan_risks(d, prev, plan, risks, a);
  for (int i = 0; i < plan->ops.n; i++)
    if (risks[i].score > max_risk)
      return rt_blocked("%s: step %d (%s) scores %d on %s, %s: %s; over the budget of %d "
                        "(--max-risk)%s",
                        name, i + 1, op_print(a, plan->ops.v[i]), risks[i].score, d->name,
                        be_risk_class(risks[i].score), risks[i].reason, max_risk,
                        running ? "; nothing was run" : "");
  return RT_OK;
}

void rt_print_risks(FILE *out, const be_dialect *d, const st_schema *prev, const ir_plan *plan,
                    arena *a) {
  be_risk *risks = arena_alloc(a, sizeof *risks * ((size_t)plan->ops.n + 1));
  be_plan_risks(d, prev, plan, risks, a);
  int worst = 0;
  for (int i = 0; i < plan->ops.n; i++)
    if (risks[i].score > worst) worst = risks[i].score;
  fprintf(out, "risk on %s: %d, %s\n", d->name, worst, be_risk_class(worst));
  for (int i = 0; i < plan->ops.n; i++) {
    const be_risk *k = &risks[i];
    fprintf(out, "  %3d %-11s step %d: %s: %s\n", k->score, be_risk_class(k->score), i + 1,
            op_print(a, plan->ops.v[i]), k->reason);
    if (k->advice) fprintf(out, "                  %s\n", k->advice);
  }
}

int rt_check_budget(rt_run *r, int first, int last) {
  if (r->max_risk < 0) return RT_OK;
  for (int j = first; j <= last; j++) {
    history_mig *m = r->h->migs.v[j];
    const st_schema *prev = history_before(r->h, j, r->a);
    int rc = rt_budget_plan(r->db->drv->dialect, prev, m->name, m->plan, r->max_risk, true, r->a);
    if (rc != RT_OK) return rc;
  }
  return RT_OK;
}
