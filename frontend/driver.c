/*
** driver.c: one compilation, start to end.  The whole pipeline is visible in
** fe_compile.
*/
#include "frontend.h"

#include <string.h>

void fe_init(fe_compilation *c) {
  memset(c, 0, sizeof *c);
  arena_init(&c->a);
  arena_init(&c->second);
  strtab_init(&c->names, &c->a);
  c->schema.a = &c->a;
  c->schema.names = &c->names;
  namemap_init(&c->schema.decls, &c->a);
  diag_init(&c->diags, &c->a);
}

void fe_init_shared(fe_compilation *c, fe_compilation *owner) {
  fe_init(c);
  c->schema.names = &owner->names;
}

void fe_free(fe_compilation *c) {
  strtab_free(&c->names);
  arena_free(&c->a);
  arena_free(&c->second);
}

void fe_compile_first(fe_compilation *c, int n) {
  fe_parse_files(&c->schema, &c->diags, (uint32_t)n);
  sema_run(&c->schema, &c->diags);
  diag_sort(&c->diags);
}

void fe_compile(fe_compilation *c) {
  fe_compile_first(c, c->schema.files.n);
}

void fe_compile_buffer(fe_compilation *c, const char *path, const char *text, size_t len) {
  src_add(&c->schema, path, text, len);
  fe_compile(c);
}
