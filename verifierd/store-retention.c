/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-retention.c: what keeps verifierd's store bounded (store.h "Retention"): pruning of the
 * history, documents superseded by newer ones, and the replay_digests and store_meta tables that
 * remember the digests of deleted documents.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "store-internal.h"

void store_set_retention(Store *s, const StoreRetention *rt) {
        s->retention = rt ? *rt : (StoreRetention) {};
}

/* A history row nothing in force points to: no pending push, document, setting, DM account,
 * certificate or over-the-air policy value names it (each probe is a lookup in the index
 * migration 3 -> 4 made; ota_policy holds one row per policy key, a few at most). Such rows are
 * the only ones pruning deletes: the foreign keys would refuse the others anyway, and
 * ota_policy's push_id, no foreign key, is kept here so provctl policy's "push N" stays in the
 * history while its value is in force. */
#define PUSH_UNREFERENCED                                                                          \
        "NOT EXISTS (SELECT 1 FROM pending WHERE push_id = p.id)"                                 \
        " AND NOT EXISTS (SELECT 1 FROM documents WHERE push_id = p.id)"                           \
        " AND NOT EXISTS (SELECT 1 FROM settings WHERE push_id = p.id)"                            \
        " AND NOT EXISTS (SELECT 1 FROM accounts WHERE push_id = p.id)"                            \
        " AND NOT EXISTS (SELECT 1 FROM certificates WHERE push_id = p.id)"                        \
        " AND NOT EXISTS (SELECT 1 FROM ota_policy WHERE push_id = p.id)"

static int newest_push_id(Store *s, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, "SELECT MAX(id) FROM pushes", &st); /* the end of the rowid b-tree */
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        *ret = r > 0 ? col_u64(st, 0) : 0;
        return 0;
}

/*
 * Delete at most @limit history rows beyond the retention limits, inside the caller's write
 * transaction. By count: ids are handed out densely and in order (AUTOINCREMENT; a rolled-back
 * insert consumes none), so "older than the newest history_max" is "id <= newest -
 * history_max", a range of the rowid b-tree. By age: a range of index pushes_decided, on
 * decided_usec, verifierd's own clock (received_usec is what provd claims: never trusted to
 * decide what is deleted). Both scans start at the oldest row and stop after @limit deletions;
 * what they step over are only the rows still referenced, as many as the configuration in force
 * has pushes behind it, never the history. Return: rows deleted, or negative errno.
 */
int prune_history(Store *s, uint64_t now_usec, unsigned limit) {
        const StoreRetention *rt = &s->retention;
        uint64_t newest;
        int n = 0, r;

        if (!s->has_retention_schema)
                return 0;
        if (rt->history_max > 0) {
                r = newest_push_id(s, &newest);
                if (r < 0)
                        return r;
                if (newest > rt->history_max) {
                        /* ?1 the bound, ?2 the limit. Return: rows deleted. */
                        r = sql_exec(s, "DELETE FROM pushes WHERE id IN (SELECT p.id FROM pushes p"
                                        " WHERE p.id <= ?1 AND " PUSH_UNREFERENCED " ORDER BY p.id LIMIT ?2)",
                                     ARG_U64(newest - rt->history_max), ARG_INT(limit));
                        if (r < 0)
                                return r;
                        n += r;
                }
        }
        if (rt->history_max_age_usec > 0 && now_usec > rt->history_max_age_usec && (unsigned) n < limit) {
                r = sql_exec(s, "DELETE FROM pushes WHERE id IN (SELECT p.id FROM pushes p"
                                " WHERE p.decided_usec < ?1 AND " PUSH_UNREFERENCED
                                " ORDER BY p.decided_usec LIMIT ?2)",
                             ARG_U64(now_usec - rt->history_max_age_usec), ARG_INT(limit - (unsigned) n));
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

int commit_recorded_push(Txn *t, uint64_t now_usec, uint64_t id, uint64_t *ret_id) {
        int r;

        r = prune_history(t->s, now_usec, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;
        r = txn_commit(t);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

static int meta_get(Store *s, const char *key, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT value FROM store_meta WHERE key = ?", ARG_TEXT_ANY(key));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        *ret = r > 0 ? sqlite3_column_int64(st, 0) : 0;
        return 0;
}

static int meta_add(Store *s, const char *key, int64_t delta) {
        return sql_exec(s, "INSERT INTO store_meta (key, value) VALUES (?1, ?2)"
                           " ON CONFLICT (key) DO UPDATE SET value = value + ?2",
                        ARG_TEXT_ANY(key), ARG_INT(delta));
}

/* Keep at most replay_digests_max digests, dropping at most @limit: the weakest, then the oldest
 * first (store.h "Retention" says why that order is safe; index replay_digests_evict). The
 * number is read from store_meta, never counted. Return: digests dropped, or negative errno. */
int evict_digests(Store *s, unsigned limit) {
        uint64_t max = s->retention.replay_digests_max;
        int64_t count;
        int n, r;

        if (!s->has_retention_schema || max == 0)
                return 0;
        r = meta_get(s, "replay_digests", &count);
        if (r < 0)
                return r;
        if (count <= 0 || (uint64_t) count <= max)
                return 0;
        n = sql_exec(s, "DELETE FROM replay_digests WHERE digest IN (SELECT digest FROM replay_digests"
                        " ORDER BY strength, applied_usec LIMIT ?)",
                     ARG_U64(MIN((uint64_t) count - max, (uint64_t) limit)));
        if (n < 0)
                return n;
        r = meta_add(s, "replay_digests", -(int64_t) n);
        return r < 0 ? r : n;
}

void id_list_done(IdList *l) {
        free(l->v);
        *l = (IdList) {};
}

static int id_list_add(IdList *l, uint64_t id) {
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i] == id)
                        return 0;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 8;
                uint64_t *v = reallocarray(l->v, cap, sizeof(uint64_t));

                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = id;
        return 0;
}

/* Add to @l the documents (column 0 of @sql, ?1 = @key, ?2 = @key2 when not NULL) whose rows a
 * newer document is about to replace: the candidates for supersede_document(). */
int collect_documents(Store *s, IdList *l, const char *sql, const char *key, const char *key2, uint64_t except) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = key2 ? sql_query(s, &st, sql, ARG_TEXT_ANY(key), ARG_TEXT_ANY(key2))
                 : sql_query(s, &st, sql, ARG_TEXT_ANY(key));
        if (r < 0)
                return r;
        while ((r = store_step(s, st)) > 0) {
                uint64_t id = col_u64(st, 0);

                if (id != except && (r = id_list_add(l, id)) < 0)
                        return r;
        }
        return r;
}

/*
 * A document some of whose rows were just replaced (@partly_replaced), or the one just applied:
 * when nothing it installed is in force any more (no setting, DM account or certificate of it
 * left), it is deleted and its digest moves to replay_digests, so a replay of its bytes is still
 * refused; a partly replaced document that still holds rows in force keeps its row (the
 * settings point to it) but not its body, which holds the replaced values (passwords included).
 * secure_delete overwrites the freed bytes. Return: 1 deleted, 0 kept, negative errno.
 */
int supersede_document(Store *s, uint64_t doc_id, bool partly_replaced) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s->has_retention_schema)
                return 0;
        r = sql_query(s, &st, "SELECT d.digest, d.strength, d.applied_usec,"
                              " NOT EXISTS (SELECT 1 FROM settings WHERE doc_id = d.id)"
                              " AND NOT EXISTS (SELECT 1 FROM accounts WHERE doc_id = d.id)"
                              " AND NOT EXISTS (SELECT 1 FROM certificates WHERE push_id = d.push_id)"
                              " FROM documents d WHERE d.id = ?", ARG_U64(doc_id));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r <= 0)
                return r; /* gone already */
        if (!sqlite3_column_int(st, 3)) {
                if (!partly_replaced)
                        return 0;
                r = sql_exec(s, "UPDATE documents SET body = X'' WHERE id = ? AND length(body) > 0", ARG_U64(doc_id));
                return r < 0 ? r : 0;
        }
        r = sql_exec(s, "INSERT OR IGNORE INTO replay_digests (digest, strength, applied_usec) VALUES (?,?,?)",
                     ARG_TEXT_ANY(col_text(st, 0)), ARG_INT(sqlite3_column_int(st, 1)), ARG_U64(col_u64(st, 2)));
        if (r < 0)
                return r;
        if (r > 0) {
                r = meta_add(s, "replay_digests", 1);
                if (r < 0)
                        return r;
        }
        sqlite3_reset(st);
        r = sql_exec(s, "DELETE FROM documents WHERE id = ?", ARG_U64(doc_id));
        return r < 0 ? r : 1;
}

int store_prune(Store *s, uint64_t now_usec) {
        uint64_t total = 0;
        int r;

        for (;;) {
                _cleanup_(txn_done) Txn t = {};
                int n = 0;

                r = txn_begin(s, &t);
                if (r < 0)
                        return r;
                r = prune_history(s, now_usec, STORE_PRUNE_CATCHUP_BATCH);
                if (r < 0)
                        return r;
                n += r;
                r = evict_digests(s, STORE_PRUNE_CATCHUP_BATCH);
                if (r < 0)
                        return r;
                n += r;
                r = txn_commit(&t);
                if (r < 0)
                        return r;
                total += (uint64_t) n;
                if (n == 0)
                        return (int) MIN(total, (uint64_t) INT_MAX);
        }
}
