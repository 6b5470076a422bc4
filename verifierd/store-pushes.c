/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store-pushes.c: the pushes table of verifierd's store, the history: one row per push with its
 * verdict, written when a push is decided (or pended) and moved on when it is decided later.
 */
#include <errno.h>

#include "store-internal.h"

int insert_push(Store *s, const StorePush *p, uint64_t *ret_id) {
        const char *verdict = verdict_to_string(p->verdict), *reason = reason_to_string(p->reason);
        int r;

        if (!verdict || !reason)
                return -EINVAL;
        r = sql_exec(s,
                     "INSERT INTO pushes (received_usec, decided_usec, sender, transport, sec, roles, verdict,"
                     " reason, denied, digest, content_type, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     ARG_U64(p->received_usec), ARG_U64(p->decided_usec), ARG_TEXT(p->sender),
                     ARG_TEXT(p->transport), ARG_AUTH(p->sec), ARG_INT(p->roles), ARG_TEXT(verdict),
                     ARG_TEXT(reason), ARG_TEXT(p->denied), ARG_TEXT(p->digest), ARG_TEXT(p->content_type),
                     ARG_TEXT(p->summary));
        if (r < 0)
                return r;
        *ret_id = (uint64_t) sqlite3_last_insert_rowid(s->db);
        if (p->modem && s->has_sim_schema) {
                /* same transaction as the insert (the callers' BEGIN IMMEDIATE) */
                r = sql_exec(s, "UPDATE pushes SET modem = ? WHERE id = ?", ARG_TEXT(p->modem), ARG_U64(*ret_id));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Move a history row on to its next verdict; @summary NULL keeps the stored one. */
int update_push(Store *s, uint64_t id, Verdict v, Reason rs, uint32_t roles, const char *denied,
                const char *summary, uint64_t now_usec) {
        const char *verdict = verdict_to_string(v), *reason = reason_to_string(rs);
        int r;

        if (!verdict || !reason)
                return -EINVAL;
        r = sql_exec(s, "UPDATE pushes SET verdict = ?, reason = ?, roles = ?, denied = ?, decided_usec = ?,"
                        " summary = COALESCE(?, summary) WHERE id = ?",
                     ARG_TEXT(verdict), ARG_TEXT(reason), ARG_INT(roles), ARG_TEXT(denied), ARG_U64(now_usec),
                     ARG_TEXT(summary), ARG_U64(id));
        if (r < 0)
                return r;
        return r == 1 ? 0 : -ESRCH;
}

int store_record(Store *s, const StorePush *p, uint64_t *ret_id) {
        _cleanup_(txn_done) Txn t = {}; /* first: rolled back after statements finalize */
        uint64_t id;
        int r;

        r = txn_begin(s, &t);
        if (r < 0)
                return r;
        r = insert_push(s, p, &id);
        if (r < 0)
                return r;
        return commit_recorded_push(&t, p->decided_usec, id, ret_id);
}

/* ---- readers ------------------------------------------------------------------------------ */

static int push_row(sqlite3_stmt *st, void *userdata) {
        StoreRows *c = userdata;
        Verdict v = verdict_from_string(col_text(st, 7) ?: "");
        Reason rs = reason_from_string(col_text(st, 8) ?: "");
        StorePush p;

        if (v < 0 || rs < 0)
                return -EUCLEAN;
        p = (StorePush) {
                .id = col_u64(st, 0),
                .received_usec = col_u64(st, 1),
                .decided_usec = col_u64(st, 2),
                .sender = col_text(st, 3),
                .transport = col_text(st, 4),
                .sec = col_auth(st, 5),
                .roles = (uint32_t) sqlite3_column_int64(st, 6),
                .verdict = v,
                .reason = rs,
                .denied = col_text(st, 9),
                .digest = col_text(st, 10),
                .content_type = col_text(st, 11),
                .summary = col_text(st, 12),
                .modem = col_text(st, 13),
        };
        return c->push(&p, c->userdata);
}

#define PUSH_COLUMNS                                                                                      \
        "id, received_usec, decided_usec, sender, transport, sec, roles, verdict, reason, denied, digest,"  \
        " content_type, summary, "
/* the last column: modem, or NULL in a store at an older schema (tests) */
#define PUSH_SELECT(s, rest) ((s)->has_sim_schema ? "SELECT " PUSH_COLUMNS "modem" rest : "SELECT " PUSH_COLUMNS "NULL" rest)

int store_foreach_push(Store *s, uint64_t before_id, unsigned limit, StorePushFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        limit = MIN(limit, STORE_QUERY_LIMIT_MAX);
        r = sql_query(s, &st, PUSH_SELECT(s, " FROM pushes WHERE id < ? ORDER BY id DESC LIMIT ?"),
                      ARG_U64(before_id == 0 ? (uint64_t) INT64_MAX : before_id), ARG_INT(limit));
        if (r < 0)
                return r;
        return sql_foreach(s, st, push_row, &(StoreRows) { .push = fn, .userdata = userdata });
}

int store_get_push(Store *s, uint64_t id, StorePushFn fn, void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sql_row(s, &st, -ESRCH, PUSH_SELECT(s, " FROM pushes WHERE id = ?"), ARG_U64(id));
        if (r < 0)
                return r;
        r = push_row(st, &(StoreRows) { .push = fn, .userdata = userdata });
        return r < 0 ? r : 0;
}
