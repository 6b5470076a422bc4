/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-documents.c: the documents table of verifierd's store and store_apply, which writes a
 * document with its settings, DM accounts and certificates in one transaction after the replay
 * and downgrade checks (store.h "Downgrade rule").
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "store-policy.h"

int store_digest_applied(Store *s, const char *digest) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        /* A document in force, or one deleted since: its digest is kept (store.h "Retention"). */
        r = sql_query(s, &st, s->has_retention_schema ? "SELECT 1 FROM documents WHERE digest = ?1"
                                                        " UNION ALL SELECT 1 FROM replay_digests WHERE digest = ?1"
                                                      : "SELECT 1 FROM documents WHERE digest = ?1",
                      ARG_TEXT(digest));
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : r > 0;
}

/* Highest strength that installed anything under @root (rows or DM accounts), or -1. */
static int root_strength(Store *s, const char *root) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT MAX(m) FROM (SELECT MAX(strength) AS m FROM settings WHERE root = ?1"
                              " UNION ALL SELECT MAX(strength) FROM accounts WHERE root = ?1)", ARG_TEXT_ANY(root));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0 || sqlite3_column_type(st, 0) == SQLITE_NULL)
                return -1;
        return sqlite3_column_int(st, 0);
}

static int account_strength(Store *s, const char *server_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st, "SELECT strength FROM accounts WHERE server_id = ?", ARG_TEXT_ANY(server_id));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        return r == 0 ? -1 : sqlite3_column_int(st, 0);
}

/* Root key of the APPLICATION carrying a DM account: the first root whose APPID is w7 and whose
 * PROVIDER-ID equals the server id. */
static const char *account_root(const StoreSettingList *l, const char *server_id) {
        for (size_t i = 0; i < l->n; i++) {
                const StoreSetting *it = &l->items[i];

                if (it->parm && strcmp(it->parm, "PROVIDER-ID") == 0 && it->value &&
                    strcmp(it->value, server_id) == 0 && strcmp(it->chpath, it->root) == 0 &&
                    strcmp(it->ctype, "APPLICATION") == 0)
                        return it->root;
        }
        return NULL;
}

/* Replay and downgrade checks (S6) for @rows/@accounts/@certs at @strength; read-only. Runs inside the
 * caller's write transaction in store_apply, so the check and the commit cannot be raced.
 * Return: 0; -EEXIST replay; -EPERM downgrade (@ret_conflicts lists the blocking roots). */
static int check_locked(Store *s, const char *digest, const StoreSettingList *rows, const StoreAccount *accounts,
                        size_t n_accounts, const StoreCert *certs, size_t n_certs, const char *const *removed,
                        size_t n_removed, unsigned strength, char **ret_conflicts) {
        _cleanup_free_ char *conflicts = NULL;
        size_t conflicts_len = 0;
        int r;

        /* Replay: the same authenticated bytes were applied before. */
        r = store_digest_applied(s, digest);
        if (r < 0)
                return r;
        if (r > 0)
                return -EEXIST;

        /* Downgrade: every root this document replaces must have been installed with at most
         * this document's authentication strength; so must every DM account it replaces. */
        for (size_t i = 0; i < rows->n + n_accounts + n_certs + n_removed; i++) {
                char cert_what[128];
                const char *what;
                size_t n;
                char *c;
                int m;

                if (i < rows->n) {
                        const StoreSetting *it = &rows->items[i];

                        if (strcmp(it->path, it->root) != 0) /* once per root: its own row */
                                continue;
                        what = it->root;
                        m = root_strength(s, it->root);
                } else if (i < rows->n + n_accounts) {
                        what = accounts[i - rows->n].server_id;
                        m = account_strength(s, what);
                } else if (i >= rows->n + n_accounts + n_certs) {
                        /* a removed root: as a replaced one */
                        what = removed[i - rows->n - n_accounts - n_certs];
                        m = root_strength(s, what);
                } else {
                        /* a certificate is replaced or deleted only by an equal or stronger message */
                        const StoreCert *ct = &certs[i - rows->n - n_accounts];

                        snprintf(cert_what, sizeof cert_what, "CertificateStore/%.48s/%.40s", ct->store,
                                 ct->thumbprint);
                        what = cert_what;
                        m = cert_strength(s, ct->store, ct->thumbprint);
                }
                if (m < -1)
                        return m;
                if (m <= (int) strength)
                        continue;
                n = strlen(what);
                c = realloc(conflicts, conflicts_len + n + 2);
                if (!c)
                        return -ENOMEM;
                conflicts = c;
                memcpy(conflicts + conflicts_len, what, n);
                conflicts_len += n;
                conflicts[conflicts_len++] = '\n';
                conflicts[conflicts_len] = 0;
        }
        if (conflicts) {
                conflicts[conflicts_len - 1] = 0;
                if (ret_conflicts)
                        *ret_conflicts = TAKE_PTR(conflicts);
                return -EPERM;
        }
        return 0;
}

static int accounts_check(const StoreSettingList *rows, const StoreAccount *accounts, size_t n_accounts) {
        for (size_t i = 0; i < n_accounts; i++)
                if (!accounts[i].server_id || !account_root(rows, accounts[i].server_id))
                        return -EBADMSG; /* an account must come from a stored APPLICATION of this document */
        return 0;
}

/* Removed roots: named once, not also stored by the same document. */
static int removed_check(const StoreApply *a, const StoreSettingList *rows) {
        if (a->n_remove_roots > 0 && !a->remove_roots)
                return -EINVAL;
        for (size_t i = 0; i < a->n_remove_roots; i++) {
                if (!a->remove_roots[i] || a->remove_roots[i][0] != '/')
                        return -EINVAL;
                for (size_t k = 0; k < rows->n; k++)
                        if (strcmp(rows->items[k].root, a->remove_roots[i]) == 0)
                                return -EINVAL;
        }
        return 0;
}

/* What store_check_apply and store_apply both start from: the body's digest, the rows the
 * document derives, and the DM accounts checked against those rows. */
static int apply_rows(const StoreApply *a, char digest[static STORE_DIGEST_HEX_LEN + 1], StoreSettingList *rows) {
        int r;

        if (!a->doc || !a->body || a->body_len > INT_MAX)
                return -EINVAL;
        r = store_digest_hex(a->body, a->body_len, digest);
        if (r < 0)
                return r;
        r = store_settings_from_doc(a->doc, rows);
        if (r < 0)
                return r;
        return accounts_check(rows, a->accounts, a->n_accounts);
}

int store_check_apply(Store *s, const StoreApply *a, char **ret_conflicts) {
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        char digest[STORE_DIGEST_HEX_LEN + 1];
        int r;

        r = apply_rows(a, digest, &rows);
        if (r < 0)
                return r;
        r = certs_check(a->certs, a->n_certs);
        if (r < 0)
                return r;
        r = removed_check(a, &rows);
        if (r < 0)
                return r;
        return check_locked(s, digest, &rows, a->accounts, a->n_accounts, a->certs, a->n_certs, a->remove_roots,
                            a->n_remove_roots, store_apply_strength(a), ret_conflicts);
}

/* A SIM identity for the documents table: decimal digits of at most @max, else not recorded (the
 * engine validates them; this keeps anything else out of the keyfiles rendered from them). */
static const char *sim_text_or_null(const char *s, size_t max) {
        size_t n;

        if (!s)
                return NULL;
        n = strspn(s, "0123456789");
        return n > 0 && n <= max && s[n] == 0 ? s : NULL;
}


int store_apply(Store *s, const StoreApply *a, uint64_t *ret_id, char **ret_conflicts) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_(store_setting_list_done) StoreSettingList rows = {};
        _cleanup_(id_list_done) IdList replaced = {};
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        char digest[STORE_DIGEST_HEX_LEN + 1];
        unsigned strength = store_apply_strength(a);
        uint64_t id, doc_id;
        int r;

        r = apply_rows(a, digest, &rows);
        if (r < 0)
                return r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = certs_check(a->certs, a->n_certs);
        if (r < 0)
                return r;
        r = removed_check(a, &rows);
        if (r < 0)
                return r;
        r = check_locked(s, digest, &rows, a->accounts, a->n_accounts, a->certs, a->n_certs, a->remove_roots,
                         a->n_remove_roots, strength, ret_conflicts);
        if (r < 0)
                return r;

        /* The history row: new, or the pending push this document came from. */
        if (a->push.id == 0) {
                r = insert_push(s, &a->push, &id);
                if (r < 0)
                        return r;
        } else {
                id = a->push.id;
                r = delete_pending(s, id);
                if (r < 0)
                        return r;
                r = update_push(s, id, a->push.verdict, a->push.reason, a->push.roles, a->push.denied,
                                a->push.summary, a->push.decided_usec);
                if (r < 0)
                        return r;
        }

        r = sql_exec(s, "INSERT INTO documents (push_id, digest, applied_usec, sec, roles, strength,"
                        " content_type, body) VALUES (?,?,?,?,?,?,?,?)",
                     ARG_U64(id), ARG_TEXT(digest), ARG_U64(a->push.decided_usec), ARG_AUTH(a->push.sec),
                     ARG_INT(a->push.roles), ARG_INT(strength), ARG_TEXT(a->push.content_type),
                     ARG_BLOB(a->body, a->body_len));
        if (r < 0)
                return r;
        doc_id = (uint64_t) sqlite3_last_insert_rowid(s->db);
        /* The receiving modem, in the same transaction (StoreDocument; the SIM follows). */
        if (s->has_sim_schema && a->push.modem) {
                r = sql_exec(s, "UPDATE documents SET modem = ? WHERE id = ?", ARG_TEXT(a->push.modem),
                             ARG_U64(doc_id));
                if (r < 0)
                        return r;
        }

        /* The SIM the document is bound to, when there is one (same transaction). */
        if (s->has_sim_schema && (sim_text_or_null(a->sim_operator_id, STORE_SIM_OPERATOR_ID_MAX) ||
                                  sim_text_or_null(a->sim_id, STORE_SIM_ID_MAX))) {
                r = sql_exec(s, "UPDATE documents SET sim_operator_id = ?, sim_id = ? WHERE id = ?",
                             ARG_TEXT(sim_text_or_null(a->sim_operator_id, STORE_SIM_OPERATOR_ID_MAX)),
                             ARG_TEXT(sim_text_or_null(a->sim_id, STORE_SIM_ID_MAX)), ARG_U64(doc_id));
                if (r < 0)
                        return r;
        }

        /* Replace every root this document names, as a unit; the documents that installed what
         * goes are superseded (wholly or in part) once this one is in. */
        for (size_t i = 0; i < rows.n; i++) {
                const StoreSetting *it = &rows.items[i];

                if (strcmp(it->path, it->root) != 0)
                        continue;
                r = collect_documents(s, &replaced, "SELECT doc_id FROM settings WHERE root = ?1"
                                                    " UNION SELECT doc_id FROM accounts WHERE root = ?1",
                                      it->root, NULL, doc_id);
                if (r < 0)
                        return r;
                r = sql_exec(s, "DELETE FROM settings WHERE root = ?", ARG_TEXT_ANY(it->root));
                if (r < 0)
                        return r;
                r = sql_exec(s, "DELETE FROM accounts WHERE root = ?", ARG_TEXT_ANY(it->root));
                if (r < 0)
                        return r;
                /* The nonces DM sessions stored for an account of this root go with it: the new
                 * document's AAUTHDATA is the nonce from now on (dm-account.h; a DM session's own
                 * rewrite of the root carries the current nonces in it, dm-tree.c). */
                if (s->has_dm_schema) {
                        r = sql_exec(s, "DELETE FROM dm_nonces WHERE root = ?", ARG_TEXT_ANY(it->root));
                        if (r < 0)
                                return r;
                }
        }

        /* Removed roots (an OMA DM Delete): the same deletions, nothing inserted for them. */
        for (size_t i = 0; i < a->n_remove_roots; i++) {
                const char *root = a->remove_roots[i];

                r = collect_documents(s, &replaced, "SELECT doc_id FROM settings WHERE root = ?1"
                                                    " UNION SELECT doc_id FROM accounts WHERE root = ?1",
                                      root, NULL, doc_id);
                if (r < 0)
                        return r;
                r = sql_exec(s, "DELETE FROM settings WHERE root = ?", ARG_TEXT_ANY(root));
                if (r < 0)
                        return r;
                r = sql_exec(s, "DELETE FROM accounts WHERE root = ?", ARG_TEXT_ANY(root));
                if (r < 0)
                        return r;
                if (s->has_dm_schema) {
                        r = sql_exec(s, "DELETE FROM dm_nonces WHERE root = ?", ARG_TEXT_ANY(root));
                        if (r < 0)
                                return r;
                }
        }

        r = store_prepare(s, "INSERT INTO settings (path, root, chpath, ctype, parm, value, ord, roles, sec, strength,"
                             " push_id, doc_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < rows.n; i++) {
                const StoreSetting *it = &rows.items[i];

                sqlite3_reset(ins);
                r = sql_bind(ins, ARG_TEXT_ANY(it->path), ARG_TEXT_ANY(it->root), ARG_TEXT_ANY(it->chpath),
                             ARG_TEXT_ANY(it->ctype), ARG_TEXT_ANY(it->parm), ARG_TEXT_ANY(it->value),
                             ARG_INT(it->ord), ARG_INT(a->push.roles), ARG_AUTH(a->push.sec), ARG_INT(strength),
                             ARG_U64(id), ARG_U64(doc_id));
                if (r < 0)
                        return r;
                r = store_step(s, ins);
                if (r < 0)
                        return r;
        }
        store_stmt_release(&ins);

        r = store_prepare(s, "INSERT INTO accounts (server_id, root, name, addr, roles, sec, strength, push_id, doc_id)"
                             " VALUES (?,?,?,?,?,?,?,?,?)", &ins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a->n_accounts; i++) {
                const StoreAccount *ac = &a->accounts[i];

                r = collect_documents(s, &replaced, "SELECT doc_id FROM accounts WHERE server_id = ?1",
                                      ac->server_id, NULL, doc_id);
                if (r < 0)
                        return r;
                r = sql_exec(s, "DELETE FROM accounts WHERE server_id = ?", ARG_TEXT_ANY(ac->server_id));
                if (r < 0)
                        return r;
                sqlite3_reset(ins);
                r = sql_bind(ins, ARG_TEXT(ac->server_id), ARG_TEXT_ANY(account_root(&rows, ac->server_id)),
                             ARG_TEXT(ac->name), ARG_TEXT(ac->addr), ARG_INT(ac->roles), ARG_AUTH(a->push.sec),
                             ARG_INT(strength), ARG_U64(id), ARG_U64(doc_id));
                if (r < 0)
                        return r;
                r = store_step(s, ins);
                if (r < 0)
                        return r;
        }
        store_stmt_release(&ins);

        /* Certificates: in the same transaction as the document (all or nothing). */
        r = insert_certificates(s, a, id, strength, doc_id, &replaced);
        if (r < 0)
                return r;

        /* The over-the-air policy values this document sets (store-policy.h), in this same
         * transaction: the next push is judged by them, or a crash leaves the old ones. */
        r = store_policy_write(s, id, a->push.decided_usec, a->policy, a->n_policy);
        if (r < 0)
                return r;

        /* Retention (store.h): what this document replaced, itself when it installed nothing that
         * stays (e.g. only removals), then the history, in this same transaction. */
        for (size_t i = 0; i < replaced.n; i++) {
                r = supersede_document(s, replaced.v[i], true);
                if (r < 0)
                        return r;
        }
        r = supersede_document(s, doc_id, false);
        if (r < 0)
                return r;
        r = evict_digests(s, STORE_PRUNE_BATCH + (unsigned) MIN(replaced.n, (size_t) STORE_ROWS_MAX));
        if (r < 0)
                return r;
        return commit_recorded_push(&t, a->push.decided_usec, id, ret_id);
}

int store_get_document_sim(Store *s, uint64_t push_id, char **ret_operator_id, char **ret_sim_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *op = NULL, *sim = NULL;
        int r;

        r = sql_row(s, &st, -ESRCH, "SELECT sim_operator_id, sim_id FROM documents WHERE push_id = ?", ARG_U64(push_id));
        if (r < 0)
                return r;
        /* Only what store_apply could have written: digits (sim_text_or_null). */
        if (col_text(st, 0) && sim_text_or_null(col_text(st, 0), STORE_SIM_OPERATOR_ID_MAX) &&
            !(op = strdup(col_text(st, 0))))
                return -ENOMEM;
        if (col_text(st, 1) && sim_text_or_null(col_text(st, 1), STORE_SIM_ID_MAX) && !(sim = strdup(col_text(st, 1))))
                return -ENOMEM;
        *ret_operator_id = TAKE_PTR(op);
        *ret_sim_id = TAKE_PTR(sim);
        return 0;
}

/* ---- NetworkManager keyfiles verifierd wrote ------------------------------------------------ */

static int document_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StoreDocument d = {
                .id = col_u64(st, 0),
                .push_id = col_u64(st, 1),
                .digest = col_text(st, 2),
                .applied_usec = col_u64(st, 3),
                .sec = col_auth(st, 4),
                .roles = (uint32_t) sqlite3_column_int64(st, 5),
                .strength = (unsigned) sqlite3_column_int(st, 6),
                .body = sqlite3_column_blob(st, 7),
                .body_len = (size_t) sqlite3_column_bytes(st, 7),
                .modem = col_text(st, 8),
                .sim_id = col_text(st, 9),
                .sim_operator = col_text(st, 10),
        };

        return c->document(&d, c->userdata);
}

int store_foreach_document(Store *s, StoreDocumentFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, s->has_sim_schema ? "SELECT id, push_id, digest, applied_usec, sec, roles, strength, body,"
                                                 " modem, sim_id, sim_operator_id FROM documents ORDER BY id"
                                               : "SELECT id, push_id, digest, applied_usec, sec, roles, strength, body,"
                                                 " NULL, NULL, NULL FROM documents ORDER BY id",
                          &st);
        if (r < 0)
                return r;
        return sql_foreach(s, st, document_row, &(StoreRows) { .document = fn, .userdata = userdata });
}
