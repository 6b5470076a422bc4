/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-dm.c: table dm_nonces of verifierd's store (store.h "DM nonces"; dm-account.h): the
 * nonces OMA DM sessions changed, stored in one durable transaction each (OMA-TS-DM_Security-V1_2
 * §5.1.3.2: a nonce is used for the next message/session, so it must survive a crash whole).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

int store_get_dm_nonce(Store *s, const char *server_id, bool server_nonce, uint8_t **ret, size_t *ret_len) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const void *p;
        uint8_t *copy;
        int n, r;

        if (!s || !server_id || !ret || !ret_len)
                return -EINVAL;
        if (!s->has_dm_schema)
                return -ENOENT;
        r = sql_row(s, &st, -ENOENT,
                    "SELECT n.nonce FROM dm_nonces n JOIN accounts a ON a.server_id = n.server_id AND a.root = n.root"
                    " WHERE n.server_id = ?1 AND n.kind = ?2",
                    ARG_TEXT_ANY(server_id), ARG_TEXT_ANY(server_nonce ? "server" : "client"));
        if (r < 0)
                return r;
        p = sqlite3_column_blob(st, 0);
        n = sqlite3_column_bytes(st, 0);
        if (n <= 0 || (size_t) n > STORE_DM_NONCE_MAX)
                return -ENOENT; /* not what store_put_dm_nonce writes */
        copy = malloc((size_t) n);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, p, (size_t) n);
        *ret = copy;
        *ret_len = (size_t) n;
        return 0;
}

int store_put_dm_nonce(Store *s, const char *server_id, bool server_nonce, const uint8_t *nonce, size_t len,
                       uint64_t now_usec) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        int r;

        if (!s || !server_id || !nonce || len == 0 || len > STORE_DM_NONCE_MAX)
                return -EINVAL;
        if (!s->has_dm_schema)
                return -EOPNOTSUPP;
        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        /* The account's current root, read inside the write transaction: the nonce belongs to
         * the account as installed now and goes when a newer document replaces it. */
        r = sql_exec(s, "INSERT OR REPLACE INTO dm_nonces (server_id, kind, root, nonce, set_usec)"
                        " SELECT server_id, ?2, root, ?3, ?4 FROM accounts WHERE server_id = ?1",
                     ARG_TEXT_ANY(server_id), ARG_TEXT_ANY(server_nonce ? "server" : "client"), ARG_BLOB(nonce, len),
                     ARG_U64(now_usec));
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        return txn_commit(&t);
}
