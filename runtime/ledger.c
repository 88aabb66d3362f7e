/*
** ledger.c: what a database says was applied to it (migrations.md 6).
**
**   _inspire_migrations       id, checksum, applied_at, execution_ms, inspirec_version
**   _inspire_migration_steps  migration_id, step, operation, status, error,
**                             started_at, finished_at
**
** The checksum is the SHA-256 of the plan file's bytes followed by the
** snapshot's, so an edit to either is seen.
*/
#include "runtime.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a string literal in the connection's dialect */
const char *rt_lit(rt_db *db, const char *text) {
  be_ctx c = {db->drv->dialect, db->a, NULL, NULL, NULL, false, NULL, NULL, 0};
  return text ? be_string(&c, text) : "NULL";
}

bool rt_ledger_ensure(rt_db *db) {
  bool my = db->url->engine == RT_MYSQL;
  const char *key = my ? "varchar(255)" : "TEXT";
  return db->drv->exec(
             db, arena_printf(db->a,
                              "CREATE TABLE IF NOT EXISTS _inspire_migrations (id %s NOT NULL "
                              "PRIMARY KEY, checksum %s NOT NULL, applied_at %s NOT NULL, "
                              "execution_ms BIGINT NOT NULL, inspirec_version %s NOT NULL)",
                              key, key, key, key)) &&
         db->drv->exec(
             db, arena_printf(db->a,
                              "CREATE TABLE IF NOT EXISTS _inspire_migration_steps "
                              "(migration_id %s NOT NULL, step INTEGER NOT NULL, operation TEXT "
                              "NOT NULL, status %s NOT NULL, error TEXT, started_at %s, "
                              "finished_at %s, PRIMARY KEY (migration_id, step))",
                              key, key, key, key));
}

/* Introspection leaves the ledger out (SQLite's on purpose), so ask for it:
** a query that fails is a ledger not made yet. */
bool rt_ledger_exists(rt_db *db, bool *exists) {
  rt_rows rows;
  *exists = db->drv->query(db, "SELECT count(*) FROM _inspire_migrations", &rows);
  db->err = NULL;
  return true;
}

bool rt_ledger_applied(rt_db *db, rt_rows *rows) {
  return db->drv->query(db, "SELECT id, checksum, applied_at FROM _inspire_migrations ORDER BY id",
                        rows);
}

const char *rt_now(arena *a) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return arena_strndup(a, buf, strlen(buf));
}

bool rt_ledger_record(rt_db *db, const char *id, const char *checksum, long ms,
                      const char *version) {
  return db->drv->exec(db, arena_printf(db->a,
                                        "INSERT INTO _inspire_migrations (id, checksum, "
                                        "applied_at, execution_ms, inspirec_version) VALUES "
                                        "(%s, %s, %s, %ld, %s)",
                                        rt_lit(db, id), rt_lit(db, checksum),
                                        rt_lit(db, rt_now(db->a)), ms, rt_lit(db, version)));
}

bool rt_ledger_step(rt_db *db, const char *id, int step, const char *op, const char *status,
                    const char *error) {
  const char *now = rt_lit(db, rt_now(db->a));
  return db->drv->exec(
             db, arena_printf(db->a,
                              "DELETE FROM _inspire_migration_steps WHERE migration_id = %s AND "
                              "step = %d",
                              rt_lit(db, id), step)) &&
         db->drv->exec(
             db, arena_printf(db->a,
                              "INSERT INTO _inspire_migration_steps (migration_id, step, "
                              "operation, status, error, started_at, finished_at) VALUES (%s, "
                              "%d, %s, %s, %s, %s, %s)",
                              rt_lit(db, id), step, rt_lit(db, op), rt_lit(db, status),
                              rt_lit(db, error), now, strcmp(status, "pending") ? now : "NULL"));
}

/* ---- checksums ---------------------------------------------------------- */

static bool add_file(EVP_MD_CTX *md, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[65536];
  size_t n;
  bool ok = true;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    ok &= EVP_DigestUpdate(md, buf, n) == 1;
  ok &= !ferror(f);
  fclose(f);
  return ok;
}

const char *rt_checksum(arena *a, const char *dir) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  const char *plan = arena_printf(a, "%s/plan.inspire", dir);
  FILE *probe = fopen(plan, "rb");
  if (probe)
    fclose(probe);
  else
    plan = arena_printf(a, "%s/plan.migration", dir);
  bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && add_file(md, plan) &&
            add_file(md, arena_printf(a, "%s/snapshot.json", dir)) &&
            EVP_DigestFinal_ex(md, out, &n) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return NULL;
  char *hex = arena_alloc(a, 2 * n + 1);
  for (unsigned i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return hex;
}
