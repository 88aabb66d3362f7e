/*
** dbclient.h: libpq, libmariadb and libsqlite3, loaded when a connection
** needs them.
**
** Linked the usual way, the two clients and the thirty libraries behind them
** (TLS, Kerberos, LDAP, ...) are mapped and relocated at every start, which was
** half of `inspirec check` on a small schema.  Loaded with dlopen on first use,
** only `apply`, `status`, `verify` and `plan --db` on those engines pay.
** libsqlite3 alone was 0.7 to 1 ms of every start, a fifth of `check` on a
** 1,000-entity schema that opens no database.
**
** Every call below goes through the table that dbclient_load() fills.  Call
** it before the first one.
*/
#ifndef INSPIRE_DBCLIENT_H
#define INSPIRE_DBCLIENT_H

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdbool.h>

#define DBCLIENT_PQ(X)                                                                             \
  X(PQconnectdb)                                                                                   \
  X(PQstatus)                                                                                      \
  X(PQerrorMessage)                                                                                \
  X(PQsetNoticeReceiver)                                                                           \
  X(PQexec)                                                                                        \
  X(PQresultStatus)                                                                                \
  X(PQresultErrorMessage)                                                                          \
  X(PQntuples)                                                                                     \
  X(PQnfields)                                                                                     \
  X(PQgetvalue)                                                                                    \
  X(PQgetisnull)                                                                                   \
  X(PQclear)                                                                                       \
  X(PQfinish)

#define DBCLIENT_MY(X)                                                                             \
  X(mysql_init)                                                                                    \
  X(mysql_real_connect)                                                                            \
  X(mysql_set_character_set)                                                                       \
  X(mysql_error)                                                                                   \
  X(mysql_query)                                                                                   \
  X(mysql_store_result)                                                                            \
  X(mysql_free_result)                                                                             \
  X(mysql_next_result)                                                                             \
  X(mysql_fetch_row)                                                                               \
  X(mysql_num_rows)                                                                                \
  X(mysql_num_fields)                                                                              \
  X(mysql_field_count)                                                                             \
  X(mysql_close)

#define DBCLIENT_LITE(X)                                                                           \
  X(sqlite3_open_v2)                                                                               \
  X(sqlite3_busy_timeout)                                                                          \
  X(sqlite3_close)                                                                                 \
  X(sqlite3_errmsg)                                                                                \
  X(sqlite3_exec)                                                                                  \
  X(sqlite3_free)                                                                                  \
  X(sqlite3_mprintf)                                                                               \
  X(sqlite3_prepare_v2)                                                                            \
  X(sqlite3_step)                                                                                  \
  X(sqlite3_finalize)                                                                              \
  X(sqlite3_column_count)                                                                          \
  X(sqlite3_column_int)                                                                            \
  X(sqlite3_column_text)

typedef struct dbclient_api {
#define X(f) __typeof__(&f) f##_;
  DBCLIENT_PQ(X) DBCLIENT_MY(X) DBCLIENT_LITE(X)
#undef X
} dbclient_api;

extern dbclient_api dbclient;

typedef enum { DBCLIENT_POSTGRES, DBCLIENT_MYSQL, DBCLIENT_SQLITE } dbclient_kind;

/* Loads the client of that engine once; false and *err (what to install) when
** it cannot be loaded. */
bool dbclient_load(dbclient_kind k, const char **err);

#ifndef DBCLIENT_IMPL
#define X(f) (dbclient.f##_)
#define PQconnectdb X(PQconnectdb)
#define PQstatus X(PQstatus)
#define PQerrorMessage X(PQerrorMessage)
#define PQsetNoticeReceiver X(PQsetNoticeReceiver)
#define PQexec X(PQexec)
#define PQresultStatus X(PQresultStatus)
#define PQresultErrorMessage X(PQresultErrorMessage)
#define PQntuples X(PQntuples)
#define PQnfields X(PQnfields)
#define PQgetvalue X(PQgetvalue)
#define PQgetisnull X(PQgetisnull)
#define PQclear X(PQclear)
#define PQfinish X(PQfinish)
#define mysql_init X(mysql_init)
#define mysql_real_connect X(mysql_real_connect)
#define mysql_set_character_set X(mysql_set_character_set)
#define mysql_error X(mysql_error)
#define mysql_query X(mysql_query)
#define mysql_store_result X(mysql_store_result)
#define mysql_free_result X(mysql_free_result)
#define mysql_next_result X(mysql_next_result)
#define mysql_fetch_row X(mysql_fetch_row)
#define mysql_num_rows X(mysql_num_rows)
#define mysql_num_fields X(mysql_num_fields)
#define mysql_field_count X(mysql_field_count)
#define mysql_close X(mysql_close)
#define sqlite3_open_v2 X(sqlite3_open_v2)
#define sqlite3_busy_timeout X(sqlite3_busy_timeout)
#define sqlite3_close X(sqlite3_close)
#define sqlite3_errmsg X(sqlite3_errmsg)
#define sqlite3_exec X(sqlite3_exec)
#define sqlite3_free X(sqlite3_free)
#define sqlite3_mprintf X(sqlite3_mprintf)
#define sqlite3_prepare_v2 X(sqlite3_prepare_v2)
#define sqlite3_step X(sqlite3_step)
#define sqlite3_finalize X(sqlite3_finalize)
#define sqlite3_column_count X(sqlite3_column_count)
#define sqlite3_column_int X(sqlite3_column_int)
#define sqlite3_column_text X(sqlite3_column_text)
#endif

#endif
