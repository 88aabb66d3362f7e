/*
** gen.c: seeded random schemas and evolutions (see gen.h).
*/
#include "gen.h"
#include "ir/ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(gen_schema *g) {
  g->rng ^= g->rng << 13;
  g->rng ^= g->rng >> 7;
  g->rng ^= g->rng << 17;
  return g->rng;
}

static int pick(gen_schema *g, int n) {
  return n > 0 ? (int)(next(g) % (uint64_t)n) : 0;
}

static bool chance(gen_schema *g, int percent) {
  return pick(g, 100) < percent;
}

static const char *const entity_words[] = {"Account", "Order",    "Invoice", "Product",  "Team",
                                           "Project", "Ticket",   "Comment", "Shipment", "Review",
                                           "Payment", "Category", "Status",  "Box",      "Address"};
static const char *const field_words[] = {
    "title", "amount", "note",     "createdAt", "code",   "quantity", "price", "label",
    "score", "active", "startsOn", "reference", "weight", "summary",  "rank",  "payload"};
static const char *const member_words[] = {"Draft",    "Open",    "Pending", "Active", "Closed",
                                           "Archived", "Blocked", "Done",    "Failed", "Paid"};

static bool field_taken(const gen_entity *e, const char *name) {
  for (int i = 0; i < e->nfields; i++)
    if (e->fields[i].name != name && strcmp(e->fields[i].name, name) == 0) return true;
  return strcmp(name, "id") == 0;
}

static bool entity_taken(const gen_schema *g, const char *name) {
  /* `name` may be the buffer being renamed: it does not count against itself */
  for (int i = 0; i < g->nentities; i++)
    if (g->entities[i].alive && g->entities[i].name != name &&
        strcmp(g->entities[i].name, name) == 0)
      return true;
  for (int i = 0; i < g->nenums; i++)
    if (g->enums[i].alive && g->enums[i].name != name && strcmp(g->enums[i].name, name) == 0)
      return true;
  return false;
}

static void fresh_field_name(gen_schema *g, const gen_entity *e, char *out) {
  for (;;) {
    const char *w = field_words[pick(g, (int)(sizeof field_words / sizeof *field_words))];
    if (chance(g, 50))
      snprintf(out, 32, "%s", w);
    else
      snprintf(out, 32, "%s%d", w, ++g->serial);
    if (!field_taken(e, out)) return;
  }
}

static void fresh_type_name(gen_schema *g, const char *const *words, int n, char *out) {
  for (;;) {
    char num[16] = "";
    bool suffix = !chance(g, 40);
    if (chance(g, 50)) snprintf(num, sizeof num, "%d", ++g->serial % 100000);
    snprintf(out, 32, "%.16s%s%s", words[pick(g, n)], suffix ? "X" : "", num);
    if (!entity_taken(g, out)) return;
  }
}

static int live_enum(gen_schema *g) {
  int live[GEN_MAX_ENUMS], n = 0;
  for (int i = 0; i < g->nenums; i++)
    if (g->enums[i].alive) live[n++] = i;
  return n ? live[pick(g, n)] : -1;
}

static int live_entity(gen_schema *g, int except) {
  int live[GEN_MAX_ENTITIES], n = 0;
  for (int i = 0; i < g->nentities; i++)
    if (g->entities[i].alive && i != except) live[n++] = i;
  return n ? live[pick(g, n)] : -1;
}

static void random_type(gen_schema *g, gen_field *f, int self) {
  for (;;) {
    f->type = (gen_type)pick(g, GT_COUNT);
    f->array = false;
    f->max_length = 0;
    if (f->type == GT_ENUM && (f->enum_index = live_enum(g)) < 0) continue;
    if (f->type == GT_FK && (f->target = live_entity(g, -1)) < 0) continue;
    if (f->type == GT_FK && f->target == self && !chance(g, 30)) continue;
    break;
  }
  if (f->type == GT_DECIMAL) {
    f->precision = 8 + pick(g, 8);
    f->scale = pick(g, 4);
  }
  if (f->type == GT_STRING && chance(g, 30)) f->max_length = 50 + pick(g, 200);
  if ((f->type == GT_STRING || f->type == GT_INT) && chance(g, 10)) f->array = true;
  if (f->type == GT_FK) f->on_delete = pick(g, 2);
}

static void random_field(gen_schema *g, gen_entity *e, int self, gen_field *f) {
  memset(f, 0, sizeof *f);
  random_type(g, f, self);
  if (f->type == GT_FK) {
    snprintf(f->name, sizeof f->name, "%c%sId", g->entities[f->target].name[0] | 0x20,
             g->entities[f->target].name + 1);
    if (field_taken(e, f->name)) snprintf(f->name, sizeof f->name, "ref%dId", ++g->serial % 100000);
  } else {
    fresh_field_name(g, e, f->name);
  }
  f->nullable = chance(g, 40);
  f->has_default = f->type != GT_FK && f->type != GT_JSON && chance(g, 40);
  f->default_pick = pick(g, 3);
  if (!f->array && f->type != GT_JSON && f->type != GT_DOUBLE && chance(g, 12))
    f->unique = true;
  else if (!f->array && f->type != GT_JSON && chance(g, 10))
    f->index = true;
  if (f->type == GT_FK && f->nullable && chance(g, 30)) f->on_delete = 2;
  if (chance(g, 5)) snprintf(f->map, sizeof f->map, "col_%d", ++g->serial);
}

void gen_new(gen_schema *g, uint64_t seed, int entities) {
  memset(g, 0, sizeof *g);
  g->rng = seed * 2654435761u + 0x9E3779B97F4A7C15ull;
  next(g);
  int nenums = pick(g, 3);
  for (int i = 0; i < nenums; i++) {
    gen_enum *e = &g->enums[g->nenums++];
    e->alive = true;
    fresh_type_name(g, (const char *const[]){"Status", "Level", "Kind", "Phase"}, 4, e->name);
    int n = 2 + pick(g, 4);
    for (int j = 0; j < n; j++) {
      const char *w;
      bool dup;
      do {
        w = member_words[pick(g, (int)(sizeof member_words / sizeof *member_words))];
        dup = false;
        for (int k = 0; k < e->nmembers; k++)
          dup |= strcmp(e->members[k], w) == 0;
      } while (dup);
      snprintf(e->members[e->nmembers++], 24, "%s", w);
    }
  }
  for (int i = 0; i < entities && i < GEN_MAX_ENTITIES; i++) {
    gen_entity *e = &g->entities[g->nentities++];
    memset(e, 0, sizeof *e);
    e->alive = true;
    e->composite[0] = e->composite[1] = -1;
    fresh_type_name(g, entity_words, (int)(sizeof entity_words / sizeof *entity_words), e->name);
    int n = 1 + pick(g, 6);
    for (int j = 0; j < n; j++)
      random_field(g, e, i, &e->fields[e->nfields++]);
    if (e->nfields >= 2 && chance(g, 20)) e->composite[pick(g, 2)] = 0;
    if (chance(g, 5)) snprintf(e->map, sizeof e->map, "tbl_%d", ++g->serial);
  }
}

/* ---- edits ------------------------------------------------------------- */

static bool referenced(const gen_schema *g, int entity) {
  for (int i = 0; i < g->nentities; i++) {
    const gen_entity *e = &g->entities[i];
    if (!e->alive || i == entity) continue;
    for (int j = 0; j < e->nfields; j++)
      if (e->fields[j].type == GT_FK && e->fields[j].target == entity) return true;
  }
  return false;
}

static bool enum_used(const gen_schema *g, int en) {
  for (int i = 0; i < g->nentities; i++) {
    const gen_entity *e = &g->entities[i];
    if (!e->alive) continue;
    for (int j = 0; j < e->nfields; j++)
      if (e->fields[j].type == GT_ENUM && e->fields[j].enum_index == en) return true;
  }
  return false;
}

static void drop_field(gen_entity *e, int j) {
  /* a composite key that names the field goes with it */
  for (int k = 0; k < 2; k++)
    if (e->composite[k] >= 0 && (e->composite[k] == j || e->composite[k] + 1 == j))
      e->composite[k] = -1;
  memmove(&e->fields[j], &e->fields[j + 1], sizeof(gen_field) * (size_t)(e->nfields - j - 1));
  e->nfields--;
  for (int k = 0; k < 2; k++)
    if (e->composite[k] > j) e->composite[k]--;
  for (int k = 0; k < 2; k++)
    if (e->composite[k] >= 0 && e->composite[k] + 1 >= e->nfields) e->composite[k] = -1;
}

static void edit(gen_schema *g, int hint) {
  int ei = live_entity(g, -1);
  gen_entity *e = ei >= 0 ? &g->entities[ei] : NULL;
  switch (pick(g, 14)) {
  case 0:
  case 1: /* add a field */
    if (e && e->nfields < GEN_MAX_FIELDS) random_field(g, e, ei, &e->fields[e->nfields++]);
    break;
  case 2: /* drop a field */
    if (e && e->nfields > 1) drop_field(e, pick(g, e->nfields));
    break;
  case 3: { /* rename a field */
    if (!e || !e->nfields) break;
    gen_field *f = &e->fields[pick(g, e->nfields)];
    char old[32];
    snprintf(old, sizeof old, "%s", f->name);
    fresh_field_name(g, e, f->name);
    if (chance(g, hint)) snprintf(f->renamed_from, sizeof f->renamed_from, "%s", old);
    break;
  }
  case 4: { /* retype a field */
    if (!e || !e->nfields) break;
    gen_field *f = &e->fields[pick(g, e->nfields)];
    random_type(g, f, ei);
    if (f->type == GT_FK || f->type == GT_JSON) f->has_default = false;
    if (f->array || f->type == GT_JSON || f->type == GT_DOUBLE) f->unique = f->index = false;
    if (f->type != GT_FK && f->on_delete == 2) f->on_delete = 0;
    if (f->type == GT_FK && !f->nullable && f->on_delete == 2) f->on_delete = 0;
    break;
  }
  case 5: { /* nullability */
    if (!e || !e->nfields) break;
    gen_field *f = &e->fields[pick(g, e->nfields)];
    f->nullable = !f->nullable;
    if (!f->nullable && f->on_delete == 2) f->on_delete = 0;
    break;
  }
  case 6: { /* default */
    if (!e || !e->nfields) break;
    gen_field *f = &e->fields[pick(g, e->nfields)];
    if (f->type == GT_FK || f->type == GT_JSON) break;
    f->has_default = !f->has_default || chance(g, 50);
    f->default_pick = pick(g, 3);
    break;
  }
  case 7: { /* keys */
    if (!e || !e->nfields) break;
    gen_field *f = &e->fields[pick(g, e->nfields)];
    if (f->array || f->type == GT_JSON || f->type == GT_DOUBLE) break;
    if (chance(g, 50))
      f->unique = !f->unique;
    else
      f->index = !f->index;
    if (e->nfields >= 2 && chance(g, 30)) e->composite[pick(g, 2)] = e->composite[0] < 0 ? 0 : -1;
    break;
  }
  case 8: /* a new entity */
    if (g->nentities < GEN_MAX_ENTITIES) {
      gen_entity *n = &g->entities[g->nentities];
      memset(n, 0, sizeof *n);
      n->alive = true;
      n->composite[0] = n->composite[1] = -1;
      fresh_type_name(g, entity_words, (int)(sizeof entity_words / sizeof *entity_words), n->name);
      g->nentities++;
      int k = 1 + pick(g, 4);
      for (int j = 0; j < k; j++)
        random_field(g, n, g->nentities - 1, &n->fields[n->nfields++]);
    }
    break;
  case 9: /* drop an entity nothing refers to */
    if (e && !referenced(g, ei)) e->alive = false;
    break;
  case 10: { /* rename an entity */
    if (!e) break;
    char old[32];
    snprintf(old, sizeof old, "%s", e->name);
    fresh_type_name(g, entity_words, (int)(sizeof entity_words / sizeof *entity_words), e->name);
    if (chance(g, hint)) snprintf(e->renamed_from, sizeof e->renamed_from, "%s", old);
    break;
  }
  case 11: { /* enum members */
    int ni = live_enum(g);
    if (ni < 0) break;
    gen_enum *n = &g->enums[ni];
    int r = pick(g, 3);
    if (r == 0 && n->nmembers < GEN_MAX_MEMBERS) {
      int at = pick(g, n->nmembers + 1);
      memmove(n->members[at + 1], n->members[at], 24 * (size_t)(n->nmembers - at));
      memmove(n->member_renamed_from[at + 1], n->member_renamed_from[at],
              24 * (size_t)(n->nmembers - at));
      snprintf(n->members[at], 24, "New%d", ++g->serial);
      n->member_renamed_from[at][0] = 0;
      n->nmembers++;
    } else if (r == 1 && n->nmembers > 1 && !enum_used(g, ni)) {
      int at = pick(g, n->nmembers);
      memmove(n->members[at], n->members[at + 1], 24 * (size_t)(n->nmembers - at - 1));
      memmove(n->member_renamed_from[at], n->member_renamed_from[at + 1],
              24 * (size_t)(n->nmembers - at - 1));
      n->nmembers--;
    } else if (r == 2 && !enum_used(g, ni)) {
      int at = pick(g, n->nmembers);
      char old[24];
      snprintf(old, sizeof old, "%s", n->members[at]);
      snprintf(n->members[at], 24, "Renamed%d", ++g->serial);
      if (chance(g, hint)) snprintf(n->member_renamed_from[at], 24, "%s", old);
    }
    break;
  }
  case 12: /* maps */
    if (e && chance(g, 50)) {
      if (e->map[0])
        e->map[0] = 0;
      else
        snprintf(e->map, sizeof e->map, "tbl_%d", ++g->serial);
    } else if (e && e->nfields) {
      gen_field *f = &e->fields[pick(g, e->nfields)];
      if (f->map[0])
        f->map[0] = 0;
      else
        snprintf(f->map, sizeof f->map, "col_%d", ++g->serial);
    }
    break;
  default: { /* a new enum, or drop an unused one */
    if (g->nenums < GEN_MAX_ENUMS && chance(g, 60)) {
      gen_enum *n = &g->enums[g->nenums++];
      memset(n, 0, sizeof *n);
      n->alive = true;
      fresh_type_name(g, (const char *const[]){"Status", "Level", "Kind", "Phase"}, 4, n->name);
      snprintf(n->members[0], 24, "On");
      snprintf(n->members[1], 24, "Off");
      n->nmembers = 2;
    } else {
      int ni = live_enum(g);
      if (ni >= 0 && !enum_used(g, ni)) g->enums[ni].alive = false;
    }
  }
  }
}

void gen_evolve(gen_schema *g, int edits, int hint_percent) {
  for (int i = 0; i < g->nentities; i++) {
    g->entities[i].renamed_from[0] = 0;
    for (int j = 0; j < g->entities[i].nfields; j++)
      g->entities[i].fields[j].renamed_from[0] = 0;
  }
  for (int i = 0; i < g->nenums; i++)
    for (int j = 0; j < g->enums[i].nmembers; j++)
      g->enums[i].member_renamed_from[j][0] = 0;
  for (int i = 0; i < edits; i++)
    edit(g, hint_percent);
}

/* ---- rendering --------------------------------------------------------- */

static const char *type_name(gen_type t) {
  static const char *const n[] = {"string",  "int",  "smallint", "bigint", "double", "decimal",
                                  "boolean", "date", "datetime", "uuid",   "json"};
  return n[t];
}

static void put_default(strbuf *o, const gen_schema *g, const gen_field *f) {
  int k = f->default_pick;
  if (f->array) {
    strbuf_printf(o, " = %s", k == 0 ? "[]" : f->type == GT_STRING ? "[\"a\", \"b\"]" : "[1, 2]");
    return;
  }
  switch (f->type) {
  case GT_STRING:
    strbuf_printf(o, " = %s", k == 0 ? "\"\"" : k == 1 ? "\"x\"" : "\"a \\\"quoted\\\" word\"");
    break;
  case GT_INT:
  case GT_SMALLINT:
  case GT_BIGINT: strbuf_printf(o, " = %s", k == 0 ? "0" : k == 1 ? "-7" : "42"); break;
  case GT_DOUBLE: strbuf_printf(o, " = %s", k == 0 ? "0" : k == 1 ? "1.5" : "-0.25"); break;
  case GT_DECIMAL:
    strbuf_printf(o, " = %s", k == 0 ? "0" : k == 1 && f->scale > 0 ? "12.5" : "-3");
    break;
  case GT_BOOLEAN: strbuf_printf(o, " = %s", k == 1 ? "true" : "false"); break;
  case GT_DATE: strbuf_printf(o, " = %s", k == 0 ? "now()" : "\"2024-02-29\""); break;
  case GT_DATETIME: strbuf_printf(o, " = %s", k == 0 ? "now()" : "\"2024-01-31T12:00:00Z\""); break;
  case GT_UUID:
    strbuf_printf(o, " = %s", k == 0 ? "uuid()" : "\"00000000-0000-0000-0000-000000000001\"");
    break;
  case GT_ENUM: {
    const gen_enum *e = &g->enums[f->enum_index];
    strbuf_printf(o, " = %s", e->members[k % e->nmembers]);
    break;
  }
  default: break;
  }
}

char *gen_render(const gen_schema *g) {
  strbuf o = {0};
  strbuf_printf(&o, "// generated\n");
  for (int i = 0; i < g->nenums; i++) {
    const gen_enum *e = &g->enums[i];
    if (!e->alive) continue;
    strbuf_printf(&o, "enum %s {\n", e->name);
    for (int j = 0; j < e->nmembers; j++) {
      strbuf_printf(&o, "  %s", e->members[j]);
      if (e->member_renamed_from[j][0])
        strbuf_printf(&o, " @renamedFrom(\"%s\")", e->member_renamed_from[j]);
      strbuf_printf(&o, "\n");
    }
    strbuf_printf(&o, "}\n\n");
  }
  for (int i = 0; i < g->nentities; i++) {
    const gen_entity *e = &g->entities[i];
    if (!e->alive) continue;
    strbuf_printf(&o, "entity %s {\n", e->name);
    if (e->renamed_from[0]) strbuf_printf(&o, "  @renamedFrom(\"%s\")\n", e->renamed_from);
    for (int j = 0; j < e->nfields; j++) {
      const gen_field *f = &e->fields[j];
      strbuf_printf(&o, "  %s: ", f->name);
      if (f->type == GT_FK)
        strbuf_printf(&o, "%s.id", g->entities[f->target].name);
      else if (f->type == GT_ENUM)
        strbuf_printf(&o, "%s", g->enums[f->enum_index].name);
      else if (f->type == GT_DECIMAL)
        strbuf_printf(&o, "decimal(%d, %d)", f->precision, f->scale);
      else
        strbuf_printf(&o, "%s", type_name(f->type));
      if (f->array) strbuf_printf(&o, "[]");
      if (f->nullable) strbuf_printf(&o, "?");
      if (f->unique) strbuf_printf(&o, " @unique");
      if (f->index) strbuf_printf(&o, " @index");
      if (f->max_length) strbuf_printf(&o, " @maxLength(%d)", f->max_length);
      if (f->type == GT_FK && f->on_delete)
        strbuf_printf(&o, " @onDelete(%s)", f->on_delete == 1 ? "cascade" : "setNull");
      if (f->map[0]) strbuf_printf(&o, " @map(\"%s\")", f->map);
      if (f->renamed_from[0]) strbuf_printf(&o, " @renamedFrom(\"%s\")", f->renamed_from);
      if (f->has_default) put_default(&o, g, f);
      strbuf_printf(&o, "\n");
    }
    if (e->composite[0] >= 0 && e->composite[0] + 1 < e->nfields)
      strbuf_printf(&o, "  @unique([%s, %s])\n", e->fields[e->composite[0]].name,
                    e->fields[e->composite[0] + 1].name);
    if (e->composite[1] >= 0 && e->composite[1] + 1 < e->nfields)
      strbuf_printf(&o, "  @index([%s, %s])\n", e->fields[e->composite[1]].name,
                    e->fields[e->composite[1] + 1].name);
    if (e->map[0]) strbuf_printf(&o, "  @map(\"%s\")\n", e->map);
    strbuf_printf(&o, "}\n\n");
  }
  return o.p;
}
