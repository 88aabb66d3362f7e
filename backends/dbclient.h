/*
** dbclient.h: libpq and libmariadb, loaded when a connection needs them.
**
** Linked the usual way, the two clients and the thirty libraries behind them
** (TLS, Kerberos, LDAP, ...) are mapped and relocated at every start, which was
** half of `inspirec check` on a small schema.  Loaded with dlopen on first use,
** only `apply`, `status`, `verify` and `plan --db` on those engines pay.
**
** Include after <libpq-fe.h> and <mysql.h>: every call below then goes through
** the table that dbclient_load() fills.  Call it before the first one.
*/
#ifndef INSPIRE_DBCLIENT_H
#define INSPIRE_DBCLIENT_H

#include <libpq-fe.h>
#include <mysql.h>
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

typedef struct dbclient_api {
#define X(f) __typeof__(&f) f##_;
  DBCLIENT_PQ(X) DBCLIENT_MY(X)
#undef X
} dbclient_api;

extern dbclient_api dbclient;

typedef enum { DBCLIENT_POSTGRES, DBCLIENT_MYSQL } dbclient_kind;

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
#endif

#endif
