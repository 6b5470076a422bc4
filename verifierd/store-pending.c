/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-pending.c: the pending and pin_attempts tables of verifierd's store: pushes waiting for a
 * PIN or a confirmation (store.h "Pending pushes"), their caps, and the PIN attempts counted per
 * body digest.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

static const char *const pending_state_table[_PENDING_STATE_MAX] = {
        [PENDING_NEEDS_PIN] = "needs-pin",
        [PENDING_NEEDS_CONFIRMATION] = "needs-confirmation",
};

const char *pending_state_to_string(PendingState s) {
        return (s >= 0 && s < _PENDING_STATE_MAX) ? pending_state_table[s] : NULL;
}

static PendingState pending_state_from_string(const char *s) {
        for (int i = 0; s && i < _PENDING_STATE_MAX; i++)
                if (strcmp(pending_state_table[i], s) == 0)
                        return (PendingState) i;
        return _PENDING_STATE_INVALID;
}

int delete_pending(Store *s, uint64_t id) {
        int r;

        r = sql_exec(s, "DELETE FROM pending WHERE push_id = ?", ARG_U64(id));
        if (r < 0)
                return r;
        return r == 1 ? 0 : -ESRCH;
}

int store_count_pending(Store *s) {
        return sql_int(s, "SELECT COUNT(*) FROM pending", {});
}

/* The pending push holding exactly these bytes (body digest, SEC and MAC), or 0. */
static int find_identical_pending(Store *s, const char *digest, const StorePending *pd, uint64_t *ret_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!digest)
                return 0;
        r = sql_query(s, &st, "SELECT p.push_id FROM pending p JOIN pushes h ON h.id = p.push_id"
                              " WHERE h.digest = ? AND p.sec = ? AND p.mac IS ? ORDER BY p.push_id LIMIT 1",
                      ARG_TEXT(digest), ARG_AUTH(pd->sec), ARG_TEXT(pd->mac));
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r <= 0)
                return r;
        *ret_id = col_u64(st, 0);
        return 1;
}

int store_add_pending(Store *s, const StorePush *p, const StorePending *pd, const StorePendingLimits *lim,
                      uint64_t *ret_id) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        const char *state = pending_state_to_string(pd->state);
        uint64_t id = 0;
        int r;

        if (!state || !pd->body || pd->body_len > INT_MAX || !lim)
                return -EINVAL;
        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        /* Everything below is checked inside the write transaction, so it cannot be raced. */

        /* Identical bytes are one pending push, however often they arrive (finding 4): no new
         * row, no new cap slot, no fresh PIN attempts. The identity is the body digest with the
         * SEC and MAC that came with it: a copy of a body under another MAC is other bytes on
         * the air, and merging it into the first would let a forged MAC sent first shadow the
         * genuine one. PIN attempts are counted per body digest whatever the MAC. */
        r = find_identical_pending(s, p->digest, pd, &id);
        if (r < 0)
                return r;
        if (r > 0) {
                if (ret_id)
                        *ret_id = id;
                return -EEXIST;
        }

        /* Separate caps (finding 4): pushes already authenticated (NETWPIN waiting for the
         * user's confirmation) never compete with unauthenticated ones for a slot, so a flood
         * of pushes nobody authenticated cannot keep the operator's bootstrap out. */
        if (pd->authenticated) {
                r = sql_int(s, "SELECT COUNT(*) FROM pending WHERE authenticated = 1", {});
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_authenticated)
                        return -ENOSPC;
        } else {
                r = sql_int(s, "SELECT COUNT(*) FROM pending WHERE authenticated = 0", {});
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_unverified)
                        return -ENOSPC;
                /* The sender is the modem stack's claim, so this bounds a careless or single-
                 * source flood; one that varies the sender still stops at max_unverified. */
                r = sql_int(s, "SELECT COUNT(*) FROM pending p JOIN pushes h ON h.id = p.push_id"
                               " WHERE p.authenticated = 0 AND h.sender IS ?", ARG_TEXT(p->sender));
                if (r < 0)
                        return r;
                if ((unsigned) r >= lim->max_unverified_per_sender)
                        return -EUSERS;
        }
        r = insert_push(s, p, &id);
        if (r < 0)
                return r;
        r = sql_exec(s,
                     "INSERT INTO pending (push_id, state, sec, content_kind, body, mac, attempts, expires_usec,"
                     " roles, authenticated, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     ARG_U64(id), ARG_TEXT(state), ARG_AUTH(pd->sec), ARG_INT(pd->content_kind),
                     ARG_BLOB(pd->body, pd->body_len), ARG_TEXT(pd->mac), ARG_INT(pd->attempts),
                     ARG_U64(pd->expires_usec), ARG_INT(pd->roles), ARG_INT(pd->authenticated ? 1 : 0),
                     /* provd's words, only ever for a push waiting for a PIN (finding 3) */
                     ARG_TEXT(pd->state == PENDING_NEEDS_PIN ? pd->unverified_summary : NULL));
        if (r < 0)
                return r;
        return commit_recorded_push(&t, p->decided_usec, id, ret_id);
}

int store_pin_attempts(Store *s, const char *digest) {
        if (!digest)
                return 0;
        return sql_int(s, "SELECT COALESCE((SELECT attempts FROM pin_attempts WHERE digest = ?), 0)",
                       ARG_TEXT(digest));
}

StorePending *store_pending_free(StorePending *p) {
        if (!p)
                return NULL;
        free((void *) p->body);
        free((char *) p->mac);
        free((char *) p->sender);
        free((char *) p->transport);
        free((char *) p->content_type);
        free((char *) p->summary);
        free((char *) p->digest);
        free((char *) p->unverified_summary);
        free((char *) p->modem);
        free(p);
        return NULL;
}

/* attempts: per body digest (pin_attempts), so a resend of the same bytes starts where the
 * last copy stopped (finding 10). */
#define PENDING_COLUMNS                                                                                   \
        "p.push_id, p.state, p.sec, p.content_kind, p.body, p.mac,"                                       \
        " COALESCE((SELECT a.attempts FROM pin_attempts a WHERE a.digest = h.digest), 0), h.received_usec," \
        " p.expires_usec, p.roles, h.sender, h.transport, h.content_type, h.summary, h.digest,"            \
        " p.authenticated, p.summary, "
/* the last column: h.modem, or NULL in a store at an older schema (tests) */
#define PENDING_SELECT(s, rest) \
        ((s)->has_sim_schema ? "SELECT " PENDING_COLUMNS "h.modem" rest : "SELECT " PENDING_COLUMNS "NULL" rest)

/* Fill @p from a PENDING_COLUMNS row; strings and body point into the statement. */
static int pending_from_row(sqlite3_stmt *st, StorePending *p) {
        int state = pending_state_from_string(col_text(st, 1));

        if (state < 0)
                return -EUCLEAN;
        *p = (StorePending) {
                .id = col_u64(st, 0),
                .state = (PendingState) state,
                .sec = col_auth(st, 2),
                .content_kind = sqlite3_column_int(st, 3),
                .body = sqlite3_column_blob(st, 4),
                .body_len = (size_t) sqlite3_column_bytes(st, 4),
                .mac = col_text(st, 5),
                .attempts = (unsigned) sqlite3_column_int(st, 6),
                .received_usec = col_u64(st, 7),
                .expires_usec = col_u64(st, 8),
                .roles = (uint32_t) sqlite3_column_int64(st, 9),
                .sender = col_text(st, 10),
                .transport = col_text(st, 11),
                .content_type = col_text(st, 12),
                .summary = col_text(st, 13),
                .digest = col_text(st, 14),
                .authenticated = sqlite3_column_int(st, 15) != 0,
                .unverified_summary = col_text(st, 16),
                .modem = col_text(st, 17),
        };
        return 0;
}

int store_get_pending(Store *s, uint64_t id, StorePending **ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        StorePending row, *p;
        bool oom = false;
        int r;

        r = sql_row(s, &st, -ESRCH, PENDING_SELECT(s, " FROM pending p JOIN pushes h ON h.id = p.push_id WHERE p.push_id = ?"),
                      ARG_U64(id));
        if (r < 0)
                return r;
        r = pending_from_row(st, &row);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(StorePending));
        if (!p)
                return -ENOMEM;
        *p = row;
        p->body = NULL;
        p->body = malloc(MAX(row.body_len, (size_t) 1));
        if (!p->body)
                oom = true;
        else if (row.body_len > 0)
                memcpy((void *) p->body, row.body, row.body_len);
        p->mac = dup_or_null(row.mac, &oom);
        p->sender = dup_or_null(row.sender, &oom);
        p->transport = dup_or_null(row.transport, &oom);
        p->content_type = dup_or_null(row.content_type, &oom);
        p->summary = dup_or_null(row.summary, &oom);
        p->digest = dup_or_null(row.digest, &oom);
        p->unverified_summary = dup_or_null(row.unverified_summary, &oom);
        p->modem = dup_or_null(row.modem, &oom);
        if (oom) {
                store_pending_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int store_pending_use_attempt(Store *s, uint64_t id, unsigned max, uint64_t now_usec, unsigned *ret_attempts) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *digest = NULL;
        unsigned attempts;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = sql_row(s, &st, -ESRCH, "SELECT p.state, h.digest, COALESCE(a.attempts, 0) FROM pending p"
                              " JOIN pushes h ON h.id = p.push_id LEFT JOIN pin_attempts a ON a.digest = h.digest"
                              " WHERE p.push_id = ?", ARG_U64(id));
        if (r < 0)
                return r;
        if (pending_state_from_string(col_text(st, 0)) != PENDING_NEEDS_PIN)
                return -EBUSY;
        if (!col_text(st, 1))
                return -EUCLEAN; /* every pending push has its body digest */
        digest = strdup(col_text(st, 1));
        if (!digest)
                return -ENOMEM;
        attempts = (unsigned) sqlite3_column_int(st, 2);
        sqlite3_reset(st);
        if (attempts >= max)
                return -EDQUOT;
        attempts++;
        /* Per body digest, kept after the pending row goes (finding 10): the same bytes sent
         * again start with the attempts their earlier copies used. */
        r = sql_exec(s, "INSERT INTO pin_attempts (digest, attempts, updated_usec) VALUES (?,?,?)"
                        " ON CONFLICT(digest) DO UPDATE SET attempts = excluded.attempts,"
                        " updated_usec = excluded.updated_usec",
                     ARG_TEXT(digest), ARG_INT(attempts), ARG_U64(now_usec));
        if (r < 0)
                return r;
        r = sql_exec(s, "UPDATE pending SET attempts = ? WHERE push_id = ?", ARG_INT(attempts), ARG_U64(id));
        if (r < 0)
                return r;
        /* Bounded: the newest STORE_PIN_ATTEMPTS_MAX digests are remembered, and always those of
         * pushes still pending. A row exists only after someone typed a PIN for it. */
        r = sql_exec(s, "DELETE FROM pin_attempts WHERE digest NOT IN"
                        " (SELECT digest FROM pin_attempts ORDER BY updated_usec DESC LIMIT ?)"
                        " AND digest NOT IN (SELECT h.digest FROM pending p JOIN pushes h ON h.id = p.push_id"
                        " WHERE h.digest IS NOT NULL)",
                     ARG_INT(STORE_PIN_ATTEMPTS_MAX));
        if (r < 0)
                return r;
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_attempts)
                *ret_attempts = attempts;
        return 0;
}

int store_finish_pending(Store *s, uint64_t id, Verdict v, Reason rs, uint32_t roles, const char *denied,
                         const char *summary, uint64_t now_usec) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        /* The pending row goes, with provd's summary in it (secure_delete overwrites it). */
        r = delete_pending(s, id);
        if (r < 0)
                return r;
        r = update_push(s, id, v, rs, roles, denied, summary, now_usec);
        if (r < 0)
                return r;
        r = txn_commit(&t);
        return r;
}

int store_expire(Store *s, uint64_t now_usec, uint64_t **ret_ids) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n = 0;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = sql_query(s, &st, "SELECT push_id FROM pending WHERE expires_usec <= ? ORDER BY push_id LIMIT ?",
                      ARG_U64(now_usec), ARG_INT(STORE_QUERY_LIMIT_MAX));
        if (r < 0)
                return r;
        ids = calloc(STORE_QUERY_LIMIT_MAX, sizeof(uint64_t));
        if (!ids)
                return -ENOMEM;
        while ((r = store_step(s, st)) > 0)
                ids[n++] = col_u64(st, 0);
        if (r < 0)
                return r;
        store_stmt_release(&st);
        for (size_t i = 0; i < n; i++) {
                r = delete_pending(s, ids[i]);
                if (r < 0)
                        return r;
                r = update_push(s, ids[i], VERDICT_EXPIRED, REASON_EXPIRED, 0, NULL, NULL, now_usec);
                if (r < 0)
                        return r;
        }
        r = txn_commit(&t);
        if (r < 0)
                return r;
        if (ret_ids)
                *ret_ids = TAKE_PTR(ids);
        return (int) n;
}

static int pending_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        StorePending p;
        int r;

        r = pending_from_row(st, &p);
        if (r < 0)
                return r;
        return c->pending(&p, c->userdata);
}

int store_foreach_pending(Store *s, StorePendingFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_query(s, &st,
                      PENDING_SELECT(s, " FROM pending p JOIN pushes h ON h.id = p.push_id ORDER BY p.push_id LIMIT ?"),
                      ARG_INT(STORE_QUERY_LIMIT_MAX));
        if (r < 0)
                return r;
        return sql_foreach(s, st, pending_row, &(StoreRows) { .pending = fn, .userdata = userdata });
}
