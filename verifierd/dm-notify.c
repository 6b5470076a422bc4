/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-notify.c: the checks of a DM package 0 before anything is dialled (dm-notify.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dm-account.h"
#include "dm-cred.h"
#include "dm-notify.h"
#include "macros.h"

typedef struct Seen {
        char server_id[256];
        uint16_t session_id;
} Seen;

typedef struct LastStart {
        char server_id[256];
        uint64_t usec;
} LastStart;

static Seen seen[DM_NOTIFY_SEEN_MAX];
static size_t n_seen, next_seen;
static LastStart last[DM_NOTIFY_ACCOUNTS_MAX];
static size_t n_last;

void dm_notify_reset(void) {
        n_seen = next_seen = n_last = 0;
}

static bool was_seen(const DmPkg0 *p) {
        for (size_t i = 0; i < n_seen; i++)
                if (seen[i].session_id == p->session_id && strcmp(seen[i].server_id, p->server_id) == 0)
                        return true;
        return false;
}

static LastStart *last_start(const char *server_id, bool create) {
        size_t oldest = 0;

        for (size_t i = 0; i < n_last; i++) {
                if (strcmp(last[i].server_id, server_id) == 0)
                        return &last[i];
                if (last[i].usec < last[oldest].usec)
                        oldest = i;
        }
        if (!create)
                return NULL;
        if (n_last < DM_NOTIFY_ACCOUNTS_MAX)
                oldest = n_last++;
        /* full: the account triggered longest ago is forgotten */
        memset(&last[oldest], 0, sizeof last[oldest]);
        snprintf(last[oldest].server_id, sizeof last[oldest].server_id, "%s", server_id);
        return &last[oldest];
}

int dm_notify_check(Engine *e, const uint8_t *buf, size_t len, uint64_t now_usec, DmPkg0 *ret, Reason *ret_reason) {
        _cleanup_(dm_account_freep) DmAccount *a = NULL;
        LastStart *ls;
        DmPkg0 p;
        bool ok;
        int r;

        *ret_reason = REASON_MALFORMED;
        r = dm_pkg0_parse(buf, len, &p);
        if (r == -EOPNOTSUPP) {
                *ret_reason = REASON_UNSUPPORTED;
                return 0;
        }
        if (r < 0)
                return 0;

        /* The ServerID is only a lookup key here: nothing of the notification is believed before
         * the digest verified with the account's own credentials. */
        r = dm_account_load(e, p.server_id, &a);
        if (r == -ESRCH) {
                *ret_reason = REASON_UNAUTHENTICATED;
                return 0;
        }
        if (r < 0)
                return r;
        if (!a->server_secret) {
                *ret_reason = REASON_UNAUTHENTICATED;
                return 0;
        }
        /* Notification §6.2.2.2: H(B64(H(server-id:secret)):nonce:B64(H(trigger))) with the
         * server nonce this client issued last (raw bytes), constant-time compare in dm-cred.c.
         * Trusted: the account's stored SRVCRED secret and nonce only. */
        ok = dm_pkg0_digest_verify(p.server_id, secret_acquire_ro(a->server_secret), secret_size(a->server_secret),
                                   a->server_nonce ? secret_acquire_ro(a->server_nonce) : NULL,
                                   a->server_nonce ? secret_size(a->server_nonce) : 0, p.trigger, p.trigger_len,
                                   p.digest);
        secret_release(a->server_secret);
        if (a->server_nonce)
                secret_release(a->server_nonce);
        if (!ok) {
                *ret_reason = REASON_BAD_MAC;
                return 0;
        }
        /* ui-mode 3 asks the user before the session (Notification §6.2.2.7): the DM route has
         * no agent for that yet, so such a trigger starts nothing rather than run unasked. */
        if (p.ui_mode == DM_PKG0_UI_USER_INTERACTION) {
                *ret_reason = REASON_POLICY_DENIED;
                return 0;
        }
        /* One session per (ServerID, session id): the same trigger again starts nothing. */
        if (was_seen(&p)) {
                *ret_reason = REASON_REPLAY;
                return 0;
        }
        ls = last_start(p.server_id, false);
        if (ls && now_usec - ls->usec < DM_NOTIFY_MIN_INTERVAL_USEC) {
                *ret_reason = REASON_POLICY_DENIED;
                return 0;
        }

        memset(&seen[next_seen], 0, sizeof seen[next_seen]);
        snprintf(seen[next_seen].server_id, sizeof seen[next_seen].server_id, "%s", p.server_id);
        seen[next_seen].session_id = p.session_id;
        next_seen = (next_seen + 1) % DM_NOTIFY_SEEN_MAX;
        if (n_seen < DM_NOTIFY_SEEN_MAX)
                n_seen++;
        ls = last_start(p.server_id, true);
        ls->usec = now_usec;

        *ret = p;
        *ret_reason = REASON_NONE;
        return 0;
}
