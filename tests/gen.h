/*
** gen.h: seeded random Inspire schemas and their evolutions, for the
** property tests of the differ (and, later, the backends' round trips).
**
** A schema is a small model (entities, fields, enums, keys) rendered as Inspire
** text.  gen_evolve() applies random edits to a copy: fields added, dropped,
** renamed (with or without @renamedFrom), retyped, made nullable or required;
** defaults, keys, maps, entities and enum members changed.  Every schema it
** renders compiles without errors.
*/
#ifndef INSPIRE_TESTS_GEN_H
#define INSPIRE_TESTS_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_ENTITIES 10
#define GEN_MAX_FIELDS 12
#define GEN_MAX_ENUMS 4
#define GEN_MAX_MEMBERS 8

typedef enum gen_type {
  GT_STRING,
  GT_INT,
  GT_SMALLINT,
  GT_BIGINT,
  GT_DOUBLE,
  GT_DECIMAL,
  GT_BOOLEAN,
  GT_DATE,
  GT_DATETIME,
  GT_UUID,
  GT_JSON,
  GT_ENUM,
  GT_FK,
  GT_COUNT
} gen_type;

typedef struct gen_field {
  char name[32];
  gen_type type;
  int enum_index; /* GT_ENUM */
  int target;     /* GT_FK: entity index */
  bool nullable, array;
  bool unique, index;
  bool has_default;
  int default_pick; /* which default, by type */
  int on_delete;    /* 0 restrict, 1 cascade, 2 setNull */
  int max_length;
  int precision, scale;
  char renamed_from[32];
  char map[32];
} gen_field;

typedef struct gen_entity {
  char name[32];
  gen_field fields[GEN_MAX_FIELDS];
  int nfields;
  int composite[2]; /* a two-field @unique ([0] >= 0) or @index ([1] >= 0): first field index */
  char renamed_from[32];
  char map[32];
  bool alive;
} gen_entity;

typedef struct gen_enum {
  char name[32];
  char members[GEN_MAX_MEMBERS][24];
  char member_renamed_from[GEN_MAX_MEMBERS][24];
  int nmembers;
  bool alive;
} gen_enum;

typedef struct gen_schema {
  gen_entity entities[GEN_MAX_ENTITIES];
  int nentities;
  gen_enum enums[GEN_MAX_ENUMS];
  int nenums;
  uint64_t rng;
  int serial; /* fresh names */
} gen_schema;

void gen_new(gen_schema *g, uint64_t seed, int entities);
/* Apply `edits` random edits; rename hints are written with probability
** hint_percent.  Hints from earlier evolutions are cleared first. */
void gen_evolve(gen_schema *g, int edits, int hint_percent);
/* The schema as Inspire text: malloc'ed. */
char *gen_render(const gen_schema *g);

#endif
