/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-certs.c: the certificates table of verifierd's store (certstore.h derives and checks
 * what goes in): written in store_apply's transaction, deleted with the documents that installed
 * them superseded, and read by the certificate store.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "store-internal.h"

int certs_check(const StoreCert *certs, size_t n_certs) {
        if (n_certs > 0 && !certs)
                return -EINVAL;
        for (size_t i = 0; i < n_certs; i++) {
                const StoreCert *c = &certs[i];

                if (!c->store || !c->thumbprint || strlen(c->thumbprint) != 40 ||
                    (!c->remove && (!c->der || c->der_len == 0 || c->der_len > INT_MAX || !c->source)))
                        return -EINVAL;
        }
        return 0;
}

/* Strength that installed the certificate, or -1 when there is none. */
int cert_strength(Store *s, const char *store_name, const char *thumbprint) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT strength FROM certificates WHERE store = ? AND thumbprint = ?",
                      ARG_TEXT_ANY(store_name), ARG_TEXT_ANY(thumbprint));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        return r == 0 ? -1 : sqlite3_column_int(st, 0);
}

/* Delete one certificate row (store_apply's removals, store_delete_certificate). Return: 1, 0 none. */
int delete_certificate(Store *s, const char *store_name, const char *thumbprint) {
        int r;

        r = sql_exec(s, "DELETE FROM certificates WHERE store = ? AND thumbprint = ?", ARG_TEXT_ANY(store_name),
                     ARG_TEXT_ANY(thumbprint));
        if (r < 0)
                return r;
        return r > 0 ? 1 : 0;
}

/* store_apply's certificates, in its transaction (all or nothing): each installs or removes one
 * row; the documents that installed the rows replaced are added to @replaced. */
int insert_certificates(Store *s, const StoreApply *a, uint64_t push_id, unsigned strength, uint64_t doc_id,
                        IdList *replaced) {
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        int r;

        r = a->n_certs == 0 ? 0 :
                store_prepare(s, "INSERT OR REPLACE INTO certificates (store, thumbprint, roles, source, der, push_id,"
                                 " added_usec, sec, strength, installer_roles, subject, not_after_usec)"
                                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a->n_certs; i++) {
                const StoreCert *c = &a->certs[i];

                r = collect_documents(s, replaced, CERT_DOCUMENT_SQL, c->store, c->thumbprint, doc_id);
                if (r < 0)
                        return r;
                if (c->remove) {
                        r = delete_certificate(s, c->store, c->thumbprint);
                        if (r < 0)
                                return r;
                        continue;
                }
                sqlite3_reset(ins);
                r = sql_bind(ins, ARG_TEXT_ANY(c->store), ARG_TEXT_ANY(c->thumbprint), ARG_INT(c->roles),
                             ARG_TEXT(c->source), ARG_BLOB(c->der, c->der_len), ARG_U64(push_id),
                             ARG_U64(a->push.decided_usec), ARG_AUTH(a->push.sec), ARG_INT(strength),
                             ARG_INT(a->push.roles), ARG_TEXT(c->subject), ARG_U64(c->not_after_usec));
                if (r < 0)
                        return r;
                r = store_step(s, ins);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_delete_certificate(Store *s, const char *store_name, const char *thumbprint) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_(id_list_done) IdList replaced = {};
        int r, removed;

        if (!store_name || !thumbprint)
                return -EINVAL;
        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = collect_documents(s, &replaced, CERT_DOCUMENT_SQL, store_name, thumbprint, 0);
        if (r < 0)
                return r;
        removed = delete_certificate(s, store_name, thumbprint);
        if (removed < 0)
                return removed;
        for (size_t i = 0; i < replaced.n; i++) {
                r = supersede_document(s, replaced.v[i], true);
                if (r < 0)
                        return r;
        }
        r = evict_digests(s, STORE_PRUNE_BATCH);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        return r < 0 ? r : removed;
}

static int cert_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StoreCert ct = {
                .store = col_text(st, 0),
                .thumbprint = col_text(st, 1),
                .roles = (uint32_t) sqlite3_column_int64(st, 2),
                .source = col_text(st, 3),
                .der = sqlite3_column_blob(st, 4),
                .der_len = (size_t) sqlite3_column_bytes(st, 4),
                .push_id = col_u64(st, 5),
                .added_usec = col_u64(st, 6),
                .sec = col_auth(st, 7),
                .strength = (unsigned) sqlite3_column_int(st, 8),
                .installer_roles = (uint32_t) sqlite3_column_int64(st, 9),
                .subject = col_text(st, 10),
                .not_after_usec = col_u64(st, 11),
        };

        if (!ct.store || !ct.thumbprint)
                return -EUCLEAN;
        return c->cert(&ct, c->userdata);
}

int store_foreach_certificate(Store *s, const char *store_name, StoreCertFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT store, thumbprint, roles, source, der, push_id, added_usec, sec, strength,"
                              " installer_roles, subject, not_after_usec FROM certificates"
                              " WHERE ?1 IS NULL OR store = ?1 ORDER BY store, thumbprint LIMIT ?2",
                      ARG_TEXT_ANY(store_name), ARG_INT(STORE_QUERY_LIMIT_MAX));
        if (r < 0)
                return r;
        return sql_foreach(s, st, cert_row, &(StoreRows) { .cert = fn, .userdata = userdata });
}
