/*
** render.c: diagnostics as gcc-style text with the source line and a caret
** range, as JSON, and as SARIF 2.1.0.
**
** Source text and messages can hold anything a hostile file contains, so every
** byte printed passes through clean(): no control characters reach a terminal,
** and JSON never carries invalid UTF-8.
*/
#include "frontend.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int utf8_seq(const unsigned char *p) {
  unsigned c = p[0];
  int n = c < 0x80             ? 1
          : (c & 0xE0) == 0xC0 ? 2
          : (c & 0xF0) == 0xE0 ? 3
          : (c & 0xF8) == 0xF0 ? 4
                               : 0;
  if (n <= 1) return n;
  uint32_t v = c & (0x7F >> n);
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  return n;
}

/* Copy at most n bytes of s, replacing control characters and invalid UTF-8
** by U+FFFD (one column wide, so carets stay aligned), keeping tabs only when
** keep_tabs. */
#define REPLACEMENT "\xEF\xBF\xBD"
static char *clean(const char *s, size_t n, bool keep_tabs) {
  char *out = malloc(n * 3 + 1);
  size_t o = 0;
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    if (*p == '\t' && keep_tabs) {
      out[o++] = '\t';
      p++;
    } else if (*p < 0x20 || *p == 0x7F) {
      memcpy(out + o, REPLACEMENT, 3);
      o += 3;
      p++;
    } else {
      int k = end - p >= 4 ? utf8_seq(p) : (*p < 0x80 ? 1 : 0);
      if (k == 0 && end - p < 4) {
        /* near the end: validate with what is left */
        unsigned char tmp[4] = {0, 0, 0, 0};
        memcpy(tmp, p, (size_t)(end - p));
        k = utf8_seq(tmp);
        if (k > end - p) k = 0;
      }
      if (k == 0) {
        memcpy(out + o, REPLACEMENT, 3);
        o += 3;
        p++;
      } else {
        memcpy(out + o, p, (size_t)k);
        o += (size_t)k;
        p += k;
      }
    }
  }
  out[o] = 0;
  return out;
}

/* The file of a range and the line and column where it starts; NULL (and
** zeros) for a range that is no place. */
static ir_file *place(ir_schema *s, const ir_range *r, uint32_t *line, uint32_t *col) {
  *line = *col = 0;
  ir_file *f = src_file_of(s, r);
  if (f) src_line_col(f, r->off < f->len ? r->off : (uint32_t)f->len, line, col);
  return f;
}

void render_range_end(ir_schema *s, const ir_range *r, uint32_t *line, uint32_t *col) {
  *line = *col = 0;
  ir_file *f = src_file_of(s, r);
  if (!f) return;
  uint32_t end = r->off + r->len;
  if (end > f->len) end = (uint32_t)f->len;
  src_line_col(f, end, line, col);
}

/* ---- text ------------------------------------------------------------- */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_MAGENTA "\033[1;35m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"

static const char *sev_name(diag_severity s) {
  return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

static const char *sev_color(diag_severity s) {
  return s == SEV_ERROR ? C_RED : s == SEV_WARNING ? C_MAGENTA : C_CYAN;
}

/* The source line, then a caret under the range (to the end of the line when
** the range spans lines), then the label. */
static void snippet(FILE *out, ir_schema *s, const ir_range *r, const char *label, bool color,
                    diag_severity sev) {
  uint32_t lineno, col1;
  ir_file *f = place(s, r, &lineno, &col1);
  if (!f) return;
  uint32_t len;
  const char *text = src_line_text(f, lineno, &len);
  uint32_t col = col1 > 0 ? col1 - 1 : 0;
  if (col > len) col = len;
  /* A long (say, minified) line shows a window around the column. */
  const uint32_t window = 100;
  bool cut_left = false, cut_right = false;
  if (len > window + 20) {
    uint32_t from = col > window / 2 ? col - window / 2 : 0;
    while (from > 0 && ((unsigned char)text[from] & 0xC0) == 0x80)
      from--;
    uint32_t to = from + window < len ? from + window : len;
    while (to < len && ((unsigned char)text[to] & 0xC0) == 0x80)
      to++;
    cut_left = from > 0;
    cut_right = to < len;
    text += from;
    col -= from;
    len = to - from;
  }
  char *line = clean(text, len, true);
  fprintf(out, "%5u | %s%s%s\n", lineno, cut_left ? "..." : "", line, cut_right ? "..." : "");
  fprintf(out, "      | %s", cut_left ? "   " : "");
  /* Pad with the same whitespace as the source so tabs line up; count one
  ** column per character, not per byte. */
  for (uint32_t i = 0; i < col; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '\t')
      fputc('\t', out);
    else if ((c & 0xC0) != 0x80)
      fputc(' ', out);
  }
  uint32_t width = 0;
  uint32_t stop = r->len;
  if (col + stop > len) stop = len > col ? len - col : 0;
  for (uint32_t i = 0; i < stop; i++)
    if (((unsigned char)text[col + i] & 0xC0) != 0x80) width++;
  if (width == 0) width = 1;
  if (color) fputs(sev == SEV_NOTE ? C_CYAN : C_GREEN, out);
  for (uint32_t i = 0; i < width; i++)
    fputc('^', out);
  if (color) fputs(C_RESET, out);
  if (label) {
    char *l = clean(label, strlen(label), false);
    fprintf(out, " %s", l);
    free(l);
  }
  fputc('\n', out);
  free(line);
}

static void location(FILE *out, ir_schema *s, const ir_range *r, bool color) {
  if (color) fputs(C_BOLD, out);
  uint32_t line, col;
  ir_file *f = place(s, r, &line, &col);
  if (!f) {
    fputs("inspirec:", out);
  } else {
    char *p = clean(f->path, strlen(f->path), false);
    fprintf(out, "%s:%u:%u:", p, line, col);
    free(p);
  }
  if (color) fputs(C_RESET, out);
}

void render_text(FILE *out, ir_schema *s, diag_list *d, const render_opts *o) {
  for (int i = 0; i < d->items.n; i++) {
    diag *g = d->items.v[i];
    location(out, s, &g->range, o->color);
    char *msg = clean(g->msg, strlen(g->msg), false);
    if (o->color)
      fprintf(out, " %s%s[%s]:" C_RESET C_BOLD " %s" C_RESET "\n", sev_color(g->severity),
              sev_name(g->severity), diag_table[g->code].code, msg);
    else
      fprintf(out, " %s[%s]: %s\n", sev_name(g->severity), diag_table[g->code].code, msg);
    free(msg);
    snippet(out, s, &g->range, g->label, o->color, g->severity);
    for (int j = 0; j < g->notes.n; j++) {
      diag_note *n = &g->notes.v[j];
      location(out, s, &n->range, o->color);
      char *nm = clean(n->msg, strlen(n->msg), false);
      if (o->color)
        fprintf(out, " " C_CYAN "note:" C_RESET " %s\n", nm);
      else
        fprintf(out, " note: %s\n", nm);
      free(nm);
      snippet(out, s, &n->range, NULL, o->color, SEV_NOTE);
    }
  }
  int shown = d->items.n, total = diag_found(d);
  if (total > shown)
    fprintf(out, "inspirec: %d more diagnostics not shown; fix the ones above first\n",
            total - shown);
  if (d->errors || d->warnings)
    fprintf(out, "%d error%s, %d warning%s\n", d->errors, d->errors == 1 ? "" : "s", d->warnings,
            d->warnings == 1 ? "" : "s");
}

/* ---- json ------------------------------------------------------------- */

static void add_clean_string(cJSON *obj, const char *key, const char *s) {
  char *c = clean(s, strlen(s), true);
  cJSON_AddStringToObject(obj, key, c);
  free(c);
}

static void add_place(cJSON *o, ir_schema *s, const ir_range *r) {
  uint32_t line, col;
  ir_file *f = place(s, r, &line, &col);
  if (!f) {
    cJSON_AddNullToObject(o, "file");
    cJSON_AddNumberToObject(o, "line", 0);
    cJSON_AddNumberToObject(o, "column", 0);
    cJSON_AddNumberToObject(o, "endLine", 0);
    cJSON_AddNumberToObject(o, "endColumn", 0);
    return;
  }
  uint32_t el, ec;
  render_range_end(s, r, &el, &ec);
  add_clean_string(o, "file", f->path);
  cJSON_AddNumberToObject(o, "line", line);
  cJSON_AddNumberToObject(o, "column", col);
  cJSON_AddNumberToObject(o, "endLine", el);
  cJSON_AddNumberToObject(o, "endColumn", ec);
}

char *render_json(ir_schema *s, diag_list *d) {
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(root, "diagnostics");
  for (int i = 0; i < d->items.n; i++) {
    diag *g = d->items.v[i];
    cJSON *o = cJSON_CreateObject();
    add_place(o, s, &g->range);
    cJSON_AddStringToObject(o, "severity", sev_name(g->severity));
    cJSON_AddStringToObject(o, "code", diag_table[g->code].code);
    add_clean_string(o, "message", g->msg);
    cJSON *notes = cJSON_AddArrayToObject(o, "notes");
    if (g->label) {
      cJSON *n = cJSON_CreateObject();
      add_clean_string(n, "message", g->label);
      add_place(n, s, &g->range);
      cJSON_AddItemToArray(notes, n);
    }
    for (int j = 0; j < g->notes.n; j++) {
      cJSON *n = cJSON_CreateObject();
      add_clean_string(n, "message", g->notes.v[j].msg);
      add_place(n, s, &g->notes.v[j].range);
      cJSON_AddItemToArray(notes, n);
    }
    cJSON_AddItemToArray(arr, o);
  }
  cJSON_AddNumberToObject(root, "errors", d->errors);
  cJSON_AddNumberToObject(root, "warnings", d->warnings);
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}

/* ---- sarif ------------------------------------------------------------ */

static cJSON *sarif_location(ir_schema *s, const ir_range *r, const char *msg) {
  cJSON *loc = cJSON_CreateObject();
  uint32_t line, col;
  ir_file *f = place(s, r, &line, &col);
  if (f) {
    cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
    add_clean_string(art, "uri", f->path);
    cJSON *reg = cJSON_AddObjectToObject(phys, "region");
    uint32_t el, ec;
    render_range_end(s, r, &el, &ec);
    cJSON_AddNumberToObject(reg, "startLine", line);
    cJSON_AddNumberToObject(reg, "startColumn", col);
    cJSON_AddNumberToObject(reg, "endLine", el);
    cJSON_AddNumberToObject(reg, "endColumn", ec > col || el > line ? ec : col + 1);
  }
  if (msg) {
    cJSON *m = cJSON_AddObjectToObject(loc, "message");
    add_clean_string(m, "text", msg);
  }
  return loc;
}

char *render_sarif(ir_schema *s, diag_list *d, const render_opts *o) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  cJSON_AddStringToObject(root, "version", "2.1.0");
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  cJSON *run = cJSON_CreateObject();
  cJSON_AddItemToArray(runs, run);
  cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
  cJSON_AddStringToObject(driver, "name", "inspirec");
  cJSON_AddStringToObject(driver, "version", o && o->tool_version ? o->tool_version : "0");
  cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
  bool used[DIAG_COUNT] = {false};
  for (int i = 0; i < d->items.n; i++)
    used[d->items.v[i]->code] = true;
  int rule_index[DIAG_COUNT];
  int nrules = 0;
  for (int c = 0; c < DIAG_COUNT; c++) {
    if (!used[c]) continue;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", diag_table[c].code);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "shortDescription"), "text",
                            diag_table[c].title);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "defaultConfiguration"), "level",
                            diag_table[c].severity == SEV_ERROR ? "error" : "warning");
    cJSON_AddItemToArray(rules, r);
    rule_index[c] = nrules++;
  }
  cJSON *results = cJSON_AddArrayToObject(run, "results");
  for (int i = 0; i < d->items.n; i++) {
    diag *g = d->items.v[i];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "ruleId", diag_table[g->code].code);
    cJSON_AddNumberToObject(r, "ruleIndex", rule_index[g->code]);
    cJSON_AddStringToObject(r, "level", g->severity == SEV_ERROR ? "error" : "warning");
    add_clean_string(cJSON_AddObjectToObject(r, "message"), "text", g->msg);
    cJSON *locs = cJSON_AddArrayToObject(r, "locations");
    if (g->range.file_no) cJSON_AddItemToArray(locs, sarif_location(s, &g->range, g->label));
    if (g->notes.n) {
      cJSON *rel = cJSON_AddArrayToObject(r, "relatedLocations");
      for (int j = 0; j < g->notes.n; j++)
        cJSON_AddItemToArray(rel, sarif_location(s, &g->notes.v[j].range, g->notes.v[j].msg));
    }
    cJSON_AddItemToArray(results, r);
  }
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}
