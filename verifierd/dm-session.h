/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-session.h: one OMA DM 1.2 client session (OMA-TS-DM_Protocol-V1_2 §2.3, packages 1-4;
 * OMA-TS-DM_Security-V1_2 §5.1.3; the project's docs/dm.md), run by verifierd over the socket
 * the dialer passed (dm-dial.h), TLS and HTTP of dm-transport.h, the codec of dm-syncml.h, the
 * digests of dm-cred.h, and the account and tree of dm-account.h / dm-tree.h.
 *
 * verifierd runs a session on a thread of its own (dm-runner.h) holding the engine lock
 * (engine-lock.h) except around every network wait, so its event loop serves every other call
 * meanwhile; a session lasts at most DM_SESSION_TIME_MAX_MS and ends early, at its next wait
 * boundary or inside a wait (the socket is shut down), when cancelled (dm_session_cancel). One
 * session at a time: a second request while one runs is -EBUSY.
 *
 * Security invariants (enforced in dm-session.c, each where it is checked):
 *   - the server's Cred (SRVCRED, syncml:auth-md5 over the server nonce this client issued) is
 *     checked before ANY command of a package runs; a missing or wrong one gets 407/401 with a
 *     fresh Chal for the header and every command, nothing is executed, and the session ends
 *     with server-auth-failed;
 *   - a NextNonce for the client is stored only from a server that authenticated itself in the
 *     same message; the new server nonce (16 bytes, randombytes_buf) is stored durably before
 *     the message that carries it is sent;
 *   - RespURI is followed only when it keeps the origin of the account's address;
 *   - every write goes through dm_tree_apply (the engine's own pipeline, the account's roles);
 *   - nothing secret (passwords, nonces, Cred values) or any message body is logged.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "dm-syncml.h"
#include "engine.h"

#define DM_SESSION_PACKAGES_MAX 32U             /* server messages read in one session */
#define DM_SESSION_TIME_MAX_MS 120000U          /* wall time of one session */
#define DM_SESSION_READ_TIMEOUT_MS 30000U       /* one HTTP exchange (TLS handshake included) */
#define DM_SESSION_CHALLENGES_MAX 2U            /* package 1 resent after a 401/407 at most */
#define DM_SESSION_NONCE_LEN 16U                /* the server nonce issued in every session */
#define DM_SESSION_RESPONSE_MAX DM_MESSAGE_MAX  /* a reply larger than our MaxMsgSize: abort */
#define DM_SESSION_ID_MAX 8U                    /* "FFFF" or the client's own, NUL included */

/* Why a session did not complete: the reason tokens of provctl dm connect (fixed interface). */
typedef enum DmSessionReason {
        DM_SESSION_OK,                  /* "" */
        DM_SESSION_NO_ACCOUNT,          /* "no-account" */
        DM_SESSION_TLS_FAILED,          /* "tls-failed": TLS, certificate or an http:// address */
        DM_SESSION_SERVER_AUTH_FAILED,  /* "server-auth-failed": either side's DM credentials */
        DM_SESSION_PROTOCOL_ERROR,      /* "protocol-error" */
        DM_SESSION_TIMEOUT,             /* "timeout" */
        DM_SESSION_ADDRESS_REFUSED,     /* "address-refused" */
        _DM_SESSION_REASON_MAX,
} DmSessionReason;

const char *dm_session_reason_to_string(DmSessionReason r);

/* How a session on a thread of its own is controlled (dm-runner.c). Initialise with
 * dm_session_control_init(). */
typedef struct DmSessionControl {
        int cancel_fd;                  /* an eventfd, readable once cancelled (the Dial polls it) */
        atomic_bool cancelled;          /* checked at every wait boundary */
        int wake_fd;                    /* a dup of the session's socket while one is open, else
                                         * -1; set, closed and used only under the engine lock */
} DmSessionControl;

/* -1 in both fds, not cancelled. */
void dm_session_control_init(DmSessionControl *c, int cancel_fd);

/* End the session @c controls now: set the flag, make cancel_fd readable, shut down its socket so
 * a TLS or HTTP wait returns at once. Engine lock held (wake_fd). The session ends as timeout
 * (detail "cancelled"): the history row says so, the nonces and documents stay old or new. */
void dm_session_cancel(DmSessionControl *c);

typedef struct DmSessionRequest {
        const char *server_id;          /* the account */
        bool server_initiated;          /* package 0: Alert 1200 and the trigger's session id */
        uint16_t pkg0_session_id;
        const char *trust_file;         /* [DM] TrustFile=, NULL: the system store */
        bool allow_loopback;            /* [DM] AllowLoopback= */
        DmSessionControl *control;      /* NULL: run in the caller's thread, keep the lock held;
                                         * else the caller holds the engine lock and the session
                                         * releases it around every network wait */
} DmSessionRequest;

typedef struct DmSessionResult {
        bool completed;
        DmSessionReason reason;
        unsigned executed;              /* server commands run (a Get included) */
        unsigned denied;                /* commands refused for roles (Atomic members included) */
        char session_id[DM_SESSION_ID_MAX];
} DmSessionResult;

/**
 * dm_session_run() - run one session with the account @req->server_id: dial through @bus's
 *   dialer, TLS, packages 1..4 until the server ends it, then one history row (transport "dm").
 * @bus is used for the Dial only; with @req->control it is the session thread's own connection.
 * Return: 0 with @ret filled (also when the session failed: @ret->reason says why); -EBUSY a
 *   session runs already; -EINVAL; -ENOMEM.
 */
int dm_session_run(Engine *e, sd_bus *bus, const DmSessionRequest *req, DmSessionResult *ret);

/* Whether a session is running now. */
bool dm_session_busy(void);
