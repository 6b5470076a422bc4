/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-internal.h: what the store's files (store.c and store-<table>.c) share and nothing else
 * includes: the Store object, the statement helpers and the transaction guard. One file per table
 * (store-pushes.c the history, store-pending.c pending pushes and PIN attempts, store-documents.c
 * applied documents with their settings and DM accounts, store-certs.c certificates,
 * store-retention.c pruning and replay digests, store-nm-files.c NetworkManager keyfiles,
 * store-settings.c the path derivation, store-migrate.c the schema steps); store.c opens the
 * database and holds the helpers below.
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>
#include <stdint.h>

#include "macros.h"
#include "store.h"

#define STORE_ROWS_MAX (CPDOC_CHARACTERISTICS_MAX + CPDOC_PARMS_MAX)

struct Store {
        sqlite3 *db;
        StoreRetention retention;
        bool has_retention_schema;      /* replay_digests exists (false only in a store a test
                                         * opened at an older schema version) */
        bool has_dm_schema;             /* dm_nonces exists (schema 8) */
        bool has_sim_schema;            /* pushes.modem and documents' SIM binding exist (false
                                         * only in a store a test opened at an older version) */
#ifdef PROVBOOT_TEST
        unsigned fail_at;
#endif
};

/* A statement from store_prepare back: reset and kept when it is a cached one, else finalized
 * (store.c's statement cache); *p is NULL afterwards. Never sqlite3_finalize what store_prepare
 * handed out. */
void store_stmt_release(sqlite3_stmt **p);
#define _cleanup_stmt_ _cleanup_(store_stmt_release)

int sqlite_to_errno(int rc);

/* sqlite3_step with fault injection (store_test_fail_at). Return: 1 row, 0 done, negative errno. */
int store_step(Store *s, sqlite3_stmt *st);
int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret);
/* Run several statements without fault injection (schema, pragmas). */
int store_exec_script(Store *s, const char *sql);

/*
 * Statement parameters, bound in order from ?1: a typed list, so a caller names each value's
 * kind once and the conversions live in one place (sql_bind).
 *   SQL_TEXT      history text, cut at STORE_TEXT_MAX bytes on a UTF-8 boundary; NULL binds NULL
 *   SQL_TEXT_ANY  text of any length (paths, values, keys: bounded where they are derived)
 *   SQL_U64       unsigned, -ERANGE above INT64_MAX
 *   SQL_INT       signed 64-bit
 *   SQL_BLOB      bytes (callers check the length fits an int)
 */
typedef enum SqlArgType {
        SQL_END = 0,
        SQL_TEXT,
        SQL_TEXT_ANY,
        SQL_U64,
        SQL_INT,
        SQL_BLOB,
} SqlArgType;

typedef struct SqlArg {
        SqlArgType type;
        union {
                const char *text;
                uint64_t u64;
                int64_t i64;
                struct {
                        const void *p;
                        size_t n;
                } blob;
        };
} SqlArg;

#define ARG_TEXT(v) { .type = SQL_TEXT, .text = (v) }
#define ARG_TEXT_ANY(v) { .type = SQL_TEXT_ANY, .text = (v) }
#define ARG_U64(v) { .type = SQL_U64, .u64 = (v) }
#define ARG_INT(v) { .type = SQL_INT, .i64 = (v) }
#define ARG_BLOB(p_, n_) { .type = SQL_BLOB, .blob = { .p = (p_), .n = (n_) } }
#define SQL_ARGS(...) ((const SqlArg[]) { __VA_ARGS__, { .type = SQL_END } })

/* Bind @args (terminated by SQL_END) to ?1, ?2, ... Return: 0 or negative errno. */
int sql_bind_args(sqlite3_stmt *st, const SqlArg *args);
#define sql_bind(st, ...) sql_bind_args((st), SQL_ARGS(__VA_ARGS__))

/* Prepare @sql and bind @args: the statement is ready for store_step. */
int sql_query_args(Store *s, sqlite3_stmt **ret, const char *sql, const SqlArg *args);
#define sql_query(s, ret, sql, ...) sql_query_args((s), (ret), (sql), SQL_ARGS(__VA_ARGS__))

/* Prepare @sql, bind @args and step to the first row, on which *@ret then stands (for the col_*
 * readers). Return: 0; @none (a negative errno: -ESRCH "no such row", -EIO "cannot happen") when
 * there is no row; or negative errno. */
int sql_row_args(Store *s, sqlite3_stmt **ret, int none, const char *sql, const SqlArg *args);
#define sql_row(s, ret, none, sql, ...) sql_row_args((s), (ret), (none), (sql), SQL_ARGS(__VA_ARGS__))

/* Prepare, bind, step once (fault-injected), finalize: for statements that return no rows.
 * Return: the number of rows changed (sqlite3_changes), or negative errno. */
int sql_exec_args(Store *s, const char *sql, const SqlArg *args);
#define sql_exec(s, sql, ...) sql_exec_args((s), (sql), SQL_ARGS(__VA_ARGS__))
/* The same without parameters; steps until done. Return: 0 or negative errno. */
int sql_exec0(Store *s, const char *sql);

/* Step through @st and hand each row to @row (which converts it and calls the caller's
 * callback). A nonzero return of @row stops: negative is returned as is, positive as the number
 * of rows handed out so far, this one included. Return: rows handed out, or negative errno. */
typedef int (*SqlRowFn)(sqlite3_stmt *st, void *userdata);
int sql_foreach(Store *s, sqlite3_stmt *st, SqlRowFn row, void *userdata);

/* The caller's callback and its userdata, for a SqlRowFn: the member the reader's type names. */
typedef struct StoreRows {
        union {
                StorePushFn push;
                StorePendingFn pending;
                StoreSettingFn setting;
                StoreAccountFn account;
                StoreDocumentFn document;
                StoreCertFn cert;
                StoreNmFileFn nm_file;
        };
        void *userdata;
        const char *dir; /* nm_files: the directory asked for */
} StoreRows;

/* One single-integer query (COUNT(*) and the like). Return: the integer, or negative errno
 * (-EIO when no row). */
int sql_int_args(Store *s, const char *sql, const SqlArg *args);
#define sql_int(s, sql, ...) sql_int_args((s), (sql), SQL_ARGS(__VA_ARGS__))

uint64_t col_u64(sqlite3_stmt *st, int i);
const char *col_text(sqlite3_stmt *st, int i);

/* The sec columns (pushes, pending, documents, settings, accounts, certificates) hold an
 * AuthMethod as its integer: -1 none, 0..3 the SEC methods, 4 a signed package. Those integers
 * were stored before the enum existed and are its values (auth-method.h), so old stores read back
 * as they are; these two are the only places that encoding is used. */
#define ARG_AUTH(m) ARG_INT((int64_t) (AuthMethod) (m))
static inline AuthMethod col_auth(sqlite3_stmt *st, int i) {
        return (AuthMethod) sqlite3_column_int(st, i);
}

/* ---- transactions: BEGIN IMMEDIATE ... COMMIT, rolled back by the cleanup on any early return */

typedef struct Txn {
        Store *s;
        bool open;
} Txn;

void txn_done(Txn *t);
int txn_begin(Store *s, Txn *t);
int txn_commit(Txn *t);

/* A copy of @s, NULL for NULL; a failed copy sets *@oom. */
static inline char *dup_or_null(const char *s, bool *oom) {
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *oom = true;
        return d;
}

/* ---- shared between the table files ----------------------------------------------------------- */

/* store-pushes.c */
int insert_push(Store *s, const StorePush *p, uint64_t *ret_id);
int update_push(Store *s, uint64_t id, Verdict v, Reason rs, uint32_t roles, const char *denied,
                const char *summary, uint64_t now_usec);

/* store-pending.c */
int delete_pending(Store *s, uint64_t id);

/* store-retention.c */
int prune_history(Store *s, uint64_t now_usec, unsigned limit);
/* The end of every transaction that records a push: one bounded history prune
 * (STORE_PRUNE_BATCH, so a push's cost does not grow with the history), the commit, then the
 * push id into @ret_id (when not NULL). Nothing is reported before the commit succeeded. */
int commit_recorded_push(Txn *t, uint64_t now_usec, uint64_t id, uint64_t *ret_id);
int evict_digests(Store *s, unsigned limit);
int supersede_document(Store *s, uint64_t doc_id, bool partly_replaced);

typedef struct IdList {
        uint64_t *v;
        size_t n, cap;
} IdList;

void id_list_done(IdList *l);
int collect_documents(Store *s, IdList *l, const char *sql, const char *key, const char *key2,
                      uint64_t except);

/* store-certs.c */
int certs_check(const StoreCert *certs, size_t n_certs);
int cert_strength(Store *s, const char *store_name, const char *thumbprint);
int delete_certificate(Store *s, const char *store_name, const char *thumbprint);
int insert_certificates(Store *s, const StoreApply *a, uint64_t push_id, unsigned strength, uint64_t doc_id,
                        IdList *replaced);

/* The document that installed certificate (?1 store, ?2 thumbprint). */
#define CERT_DOCUMENT_SQL                                                                          \
        "SELECT d.id FROM certificates c JOIN documents d ON d.push_id = c.push_id"                \
        " WHERE c.store = ?1 AND c.thumbprint = ?2"

/* store-migrate.c: migrate to @target inside write transactions. */
int store_migrate(Store *s, int target);
