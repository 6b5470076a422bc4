/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-session.c: one OMA DM 1.2 client session (dm-session.h says what it guarantees).
 *
 * Flow (OMA-TS-DM_Protocol-V1_2 §2.3, §2.4; the project's docs/dm.md):
 *   package 1: Alert 1201 (client-initiated) or 1200 (after a package 0, SessionID = the
 *     trigger's id in hex), a Replace of ./DevInfo, the CLCRED Cred with Source/LocName;
 *   a 401/407 for our header: package 1 again (same SessionID, next MsgID, to RespURI if one
 *     came) with a Cred over the challenge's nonce, at most DM_SESSION_CHALLENGES_MAX times;
 *   package 2/4: the server's Cred is checked before any command of it runs; then every command
 *     gets its Status (Results after a successful Get) in package 3;
 *   end: a server package without a management command is not answered (§2.3), or Alert 1223.
 * Everything the server sends is parsed by dm-syncml.c under its caps, every write is decided by
 * dm-tree.c through the engine's pipeline with the account's roles.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "dm-account.h"
#include "dm-cred.h"
#include "dm-dial.h"
#include "dm-pkg0.h"
#include "dm-session.h"
#include "dm-syncml.h"
#include "dm-transport.h"
#include "dm-wbxml.h"
#include "dm-tree.h"
#include "engine-lock.h"
#include "log.h"
#include "macros.h"
#include "roles.h"
#include "store.h"
#include "verdict.h"

/* Journal MESSAGE_IDs of the DM route (docs/dm.md lists them; never a secret, nonce or body). */
#define MESSAGE_ID_DM_SESSION_START "dcff3a819ef1407b8a9efdba82e60230"
#define MESSAGE_ID_DM_SESSION_END "e0939536bfbc4464b1cf0fa2f371c4f9"
#define MESSAGE_ID_DM_TLS "07c6ca787e834fc4909d8337590306c5"
#define MESSAGE_ID_DM_AUTH "26ba678a3230472a8cc53d6d0c2de124"
#define MESSAGE_ID_DM_DENIED "530d339940144cb39f8a3a9bd8b6e71a"

#define DM_AUTH_MD5 "syncml:auth-md5"
#define DM_AUTH_BASIC "syncml:auth-basic"
#define DM_CONTENT_TYPE DM_CONTENT_TYPE_XML

static bool session_running;

bool dm_session_busy(void) {
        return session_running;
}

void dm_session_control_init(DmSessionControl *c, int cancel_fd) {
        c->cancel_fd = cancel_fd;
        atomic_init(&c->cancelled, false);
        c->wake_fd = -1;
}

void dm_session_cancel(DmSessionControl *c) {
        uint64_t one = 1;

        atomic_store(&c->cancelled, true);
        if (c->cancel_fd >= 0)
                (void) !write(c->cancel_fd, &one, sizeof one);
        /* wake_fd is read here under the engine lock, and the session thread closes it only under
         * the lock: it is the session's socket, never a reused descriptor number. */
        if (c->wake_fd >= 0)
                (void) shutdown(c->wake_fd, SHUT_RDWR);
}

const char *dm_session_reason_to_string(DmSessionReason r) {
        static const char *const t[_DM_SESSION_REASON_MAX] = {
                [DM_SESSION_OK] = "",
                [DM_SESSION_NO_ACCOUNT] = "no-account",
                [DM_SESSION_TLS_FAILED] = "tls-failed",
                [DM_SESSION_SERVER_AUTH_FAILED] = "server-auth-failed",
                [DM_SESSION_PROTOCOL_ERROR] = "protocol-error",
                [DM_SESSION_TIMEOUT] = "timeout",
                [DM_SESSION_ADDRESS_REFUSED] = "address-refused",
        };
        return (r >= 0 && r < _DM_SESSION_REASON_MAX) ? t[r] : NULL;
}

typedef struct Session {
        Engine *engine;
        sd_bus *bus;
        const DmSessionRequest *req;
        DmAccount *account;
        DmTree *tree;
        DmDevInfo devinfo;
        DmUrl home;                     /* the account's address: the origin RespURI must keep */
        DmUrl url;                      /* where the next message goes */
        DmTls *tls;
        char session_id[DM_SESSION_ID_MAX];
        unsigned msg_id;                /* of our last message */
        unsigned packages;              /* server messages read */
        uint64_t start_ms;
        uint8_t *client_nonce;          /* the nonce our next Cred uses (maybe from a challenge) */
        size_t client_nonce_len;
        bool send_cred;                 /* our Cred goes into the next message (no 212 yet) */
        bool server_authed;             /* the server's Cred verified in this session */
        bool nonce_issued;              /* the new server nonce went out (212 + Chal) */
        bool wbxml;                     /* the server's last message was WBXML: so is our answer */
        unsigned executed;
        DmSessionReason reason;
        const char *detail;             /* for the end-of-session log line: never data */
} Session;

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

static uint64_t now_usec_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

/* Fail the session with @reason; @detail is a fixed text for the log. Return: -ECANCELED. */
static int fail(Session *s, DmSessionReason reason, const char *detail) {
        if (s->reason == DM_SESSION_OK) {
                s->reason = reason;
                s->detail = detail;
        }
        return -ECANCELED;
}

/* Whether the session was cancelled (dm_session_cancel: verifierd stops): it ends as a timeout,
 * at a wait boundary, before anything more is sent or applied. Return: -ECANCELED or 0. */
static int cancelled(Session *s) {
        if (s->req->control && atomic_load(&s->req->control->cancelled))
                return fail(s, DM_SESSION_TIMEOUT, "cancelled: verifierd is stopping");
        return 0;
}

/* The time left of DM_SESSION_TIME_MAX_MS, capped at the per-read DM_SESSION_READ_TIMEOUT_MS;
 * 0 when the session is out of time. */
static unsigned time_left(Session *s) {
        uint64_t used = now_ms() - s->start_ms;

        if (used >= DM_SESSION_TIME_MAX_MS)
                return 0;
        return (unsigned) MIN((uint64_t) DM_SESSION_READ_TIMEOUT_MS, DM_SESSION_TIME_MAX_MS - used);
}

static void set_client_nonce(Session *s, const uint8_t *n, size_t len) {
        uint8_t *copy = NULL;

        if (len > 0) {
                copy = malloc(len);
                if (!copy)
                        return; /* keeps the old one: the Cred is wrong, the server challenges */
                memcpy(copy, n, len);
        }
        if (s->client_nonce)
                sodium_memzero(s->client_nonce, s->client_nonce_len);
        free(s->client_nonce);
        s->client_nonce = copy;
        s->client_nonce_len = len;
}

/* ---- the session thread's waits (engine-lock.h) ----------------------------------------------- */

/* A network wait starts: on a session thread (req->control) the engine lock is released, and
 * nothing the lock protects is touched until wait_end(). */
static void wait_begin(Session *s) {
        if (s->req->control)
                engine_unlock();
}

/* The wait ended: the lock is taken again. Return: -ECANCELED (the session failed as timeout,
 * "cancelled") when dm_session_cancel() was called meanwhile, else 0. */
static int wait_end(Session *s) {
        if (!s->req->control)
                return 0;
        engine_lock();
        return cancelled(s);
}

/* Close the TLS connection and the cancel path's dup of its socket (engine lock held). */
static void drop_tls(Session *s) {
        s->tls = dm_tls_free(s->tls);
        if (s->req->control && s->req->control->wake_fd >= 0) {
                close(s->req->control->wake_fd);
                s->req->control->wake_fd = -1;
        }
}

/* ---- transport ------------------------------------------------------------------------------ */

/* Dial the current URL's host through dmsessiond and run TLS on the socket (dm-dial.h: the
 * dialer is trusted with nothing; dm_tls_open verifies the chain against [DM] TrustFile= and
 * the host name of the account's address). */
static int connect_server(Session *s) {
        unsigned left = time_left(s);
        int fd = -1, r;

        if (left == 0)
                return fail(s, DM_SESSION_TIMEOUT, "session time limit");
        r = cancelled(s);
        if (r < 0)
                return r;
        wait_begin(s);
        r = dm_dial_ex(s->bus, s->url.host, s->url.port, s->req->allow_loopback,
                       s->req->control ? s->req->control->cancel_fd : -1, &fd);
        if (wait_end(s) < 0) {
                if (r >= 0)
                        close(fd);
                return -ECANCELED;
        }
        if (r == -EADDRNOTAVAIL || r == -EINVAL)
                return fail(s, DM_SESSION_ADDRESS_REFUSED, "the dialer or the peer check refused the address");
        if (r == -ETIMEDOUT)
                return fail(s, DM_SESSION_TIMEOUT, "connect timed out");
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "could not connect");
        if (s->req->control) {
                /* a dup for dm_session_cancel's shutdown(); the fd itself is dm_tls_open's */
                s->req->control->wake_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (s->req->control->wake_fd < 0) {
                        close(fd);
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "could not connect");
                }
        }
        left = time_left(s);
        wait_begin(s);
        r = dm_tls_open(fd, s->url.host, s->req->trust_file, left, &s->tls);
        if (wait_end(s) < 0) {
                drop_tls(s);
                return -ECANCELED;
        }
        sd_journal_send("MESSAGE=DM session %s with %s: TLS %s", s->session_id, s->req->server_id,
                        r >= 0 ? "established, server certificate verified" : "failed",
                        "MESSAGE_ID=%s", MESSAGE_ID_DM_TLS, "PRIORITY=%i", r >= 0 ? LOG_INFO : LOG_WARNING,
                        "DM_SERVER_ID=%s", s->req->server_id, "DM_SESSION_ID=%s", s->session_id,
                        "DM_TLS=%s", r >= 0 ? "ok" : "failed", NULL);
        if (r < 0)
                drop_tls(s);    /* the dup of a socket that has no TLS connection */
        if (r == -ETIMEDOUT)
                return fail(s, DM_SESSION_TIMEOUT, "TLS handshake timed out");
        if (r < 0)
                return fail(s, DM_SESSION_TLS_FAILED, "TLS handshake or certificate verification failed");
        return 0;
}

/* POST one message and read the server's reply. A kept-alive connection the server closed is
 * dialled again once. A non-200 HTTP status or another media type is a transport failure.
 * Encodings (OMA-TS-DM_RepPro-V1_2 §4.1.2.1): the type we send is the one of our bytes (a
 * WBXML document starts with its version octet 0x00-0x03, an XML one never does); the
 * server may answer in either, its type must match its bytes too, and we answer in its
 * encoding from then on (docs/dm.md "Encodings"). */
static int exchange(Session *s, const uint8_t *buf, size_t len, DmHttpResponse *ret) {
        const char *type = len > 0 && buf[0] <= 0x03 ? DM_CONTENT_TYPE_WBXML : DM_CONTENT_TYPE_XML;
        bool wbxml;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                unsigned left;

                r = cancelled(s);
                if (r < 0)
                        return r;
                if (!s->tls) {
                        r = connect_server(s);
                        if (r < 0)
                                return r;
                }
                left = time_left(s);
                if (left == 0)
                        return fail(s, DM_SESSION_TIMEOUT, "session time limit");
                wait_begin(s);
                r = dm_http_post(s->tls, &s->url, type, buf, len, DM_SESSION_RESPONSE_MAX, left, ret);
                if (wait_end(s) < 0) {
                        drop_tls(s);
                        return -ECANCELED;
                }
                if (r == -ECONNRESET && attempt == 0) {
                        drop_tls(s);
                        continue;
                }
                if (r < 0) {
                        drop_tls(s);
                        if (r == -ETIMEDOUT)
                                return fail(s, DM_SESSION_TIMEOUT, "no answer in time");
                        if (r == -EPROTO)
                                return fail(s, DM_SESSION_TLS_FAILED, "TLS error");
                        if (r == -E2BIG)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "answer larger than MaxMsgSize");
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "malformed HTTP answer");
                }
                break;
        }
        if (ret->server_closes)
                drop_tls(s);
        if (ret->status != 200)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "HTTP status other than 200");
        if (!ret->content_type || (strcmp(ret->content_type, DM_CONTENT_TYPE_XML) != 0 &&
                                   strcmp(ret->content_type, DM_CONTENT_TYPE_WBXML) != 0))
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "answer not application/vnd.syncml.dm+xml or +wbxml");
        wbxml = strcmp(ret->content_type, DM_CONTENT_TYPE_WBXML) == 0;
        if (ret->body_len > 0 && (ret->body[0] <= 0x03) != wbxml)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "answer's bytes not of its Content-Type");
        s->wbxml = wbxml;
        return 0;
}

/* ---- our messages --------------------------------------------------------------------------- */

/* A new message with our header: the CLCRED Cred when @s->send_cred (OMA-TS-DM_Security-V1_2
 * §5.1.3: md5 over the latest nonce the server gave, even an unauthenticated one's challenge;
 * basic only when the account says BASIC, and only ever over the TLS channel). */
static int writer_start(Session *s, DmWriter **ret) {
        _cleanup_free_ char *cred_data = NULL;
        const DmAccount *a = s->account;
        DmCred cred = { .format = "b64" };
        const char *user = a->client_name ?: a->server_id;
        int r;

        if (s->send_cred && a->client_auth_type && a->client_secret) {
                const uint8_t *pw = secret_acquire_ro(a->client_secret);

                if (strcasecmp(a->client_auth_type, "DIGEST") == 0) {
                        r = dm_cred_md5(user, pw, secret_size(a->client_secret), s->client_nonce,
                                        s->client_nonce_len, &cred_data);
                        cred.type = DM_AUTH_MD5;
                } else if (strcasecmp(a->client_auth_type, "BASIC") == 0) {
                        r = dm_cred_basic(user, pw, secret_size(a->client_secret), &cred_data);
                        cred.type = DM_AUTH_BASIC;
                } else
                        r = -EOPNOTSUPP; /* HMAC: not implemented (syncml:auth-MAC is a later option) */
                secret_release(a->client_secret);
                if (r < 0)
                        return fail(s, DM_SESSION_SERVER_AUTH_FAILED, "cannot build the client credentials");
                cred.data = cred_data;
        }
        s->msg_id++;
        r = dm_writer_new(DM_VERSION_1_2, s->session_id, s->msg_id, a->addr, s->devinfo.dev_id,
                          a->client_name ?: a->server_id, cred.data ? &cred : NULL, DM_MESSAGE_MAX, ret);
        if (r >= 0 && s->wbxml)
                r = dm_writer_set_encoding(*ret, DM_ENCODING_WBXML);
        if (cred_data)
                sodium_memzero(cred_data, strlen(cred_data));
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build a message");
        return 0;
}

/* Package 1 (§2.3.3): Alert 1201/1200 and the DevInfo Replace. */
static int build_package1(Session *s, uint8_t **ret_buf, size_t *ret_len) {
        _cleanup_(dm_writer_freep) DmWriter *w = NULL;
        const char *uris[] = { "./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/DmV",
                               "./DevInfo/Lang" };
        const char *values[] = { s->devinfo.dev_id, s->devinfo.man, s->devinfo.mod, s->devinfo.dmv,
                                 s->devinfo.lang };
        int r;

        r = writer_start(s, &w);
        if (r < 0)
                return r;
        r = dm_writer_alert(w, s->req->server_initiated ? 1200 : 1201);
        if (r >= 0)
                r = dm_writer_replace(w, uris, values, ELEMENTSOF(uris));
        if (r >= 0)
                r = dm_writer_finish(w, true, ret_buf, ret_len);
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build package 1");
        return 0;
}

/* ---- the server's messages ------------------------------------------------------------------ */

/* The Status the server gave our header in @m (CmdRef 0, Cmd SyncHdr, MsgRef = our MsgID). */
static const DmCommand *header_status(Session *s, const DmMessage *m) {
        char ref[16];

        snprintf(ref, sizeof ref, "%u", s->msg_id);
        for (size_t i = 0; i < m->n_cmds; i++) {
                const DmCommand *c = &m->cmds[i];

                if (c->type == DM_CMD_STATUS && c->cmd && strcmp(c->cmd, "SyncHdr") == 0 &&
                    (!c->msg_ref || strcmp(c->msg_ref, ref) == 0))
                        return c;
        }
        return NULL;
}

static bool is_management(const DmCommand *c) {
        return c->type != DM_CMD_STATUS && c->type != DM_CMD_RESULTS;
}

/*
 * The server's Cred (SRVCRED, OMA-TS-DM_Security-V1_2 §5.1.3.2): syncml:auth-md5 of the
 * server's name (SRVCRED AAuthName, else its ServerID) and secret over the server nonce this
 * client issued (stored by dm_account_store_nonce), compared in constant time by
 * dm_cred_md5_verify. Trusted: only the account's stored credentials. Return: 200 authenticated,
 * 407 no Cred, 401 a wrong one (or a type other than md5: the account requires DIGEST).
 */
static unsigned check_server_cred(Session *s, const DmMessage *m) {
        const DmAccount *a = s->account;
        const char *name = a->server_name ?: a->server_id;
        bool ok;

        if (!m->has_cred || !m->cred.data)
                return 407;
        if (!m->cred.type || strcmp(m->cred.type, DM_AUTH_MD5) != 0)
                return 401;
        if (!a->server_secret)
                return 401;
        ok = dm_cred_md5_verify(name, secret_acquire_ro(a->server_secret), secret_size(a->server_secret),
                                a->server_nonce ? secret_acquire_ro(a->server_nonce) : NULL,
                                a->server_nonce ? secret_size(a->server_nonce) : 0, m->cred.data);
        secret_release(a->server_secret);
        if (a->server_nonce)
                secret_release(a->server_nonce);
        return ok ? 200 : 401;
}

/* Issue a fresh server nonce (16 bytes from the kernel CSPRNG, OMA-TS-DM_Security-V1_2 §5.1.3.3:
 * new and unpredictable per session) and store it durably BEFORE the message that carries it is
 * sent: whatever happens after, the server's next Cred is checked against a nonce we sent. */
static int issue_server_nonce(Session *s, uint8_t nonce[DM_SESSION_NONCE_LEN]) {
        int r;

        randombytes_buf(nonce, DM_SESSION_NONCE_LEN);
        r = dm_account_store_nonce(s->engine, s->account->server_id, true, nonce, DM_SESSION_NONCE_LEN);
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot store the new server nonce");
        return 0;
}

static void log_denied(Session *s, const char *cmd, const char *uri) {
        char roles[ROLES_FORMAT_MAX], esc[LOG_ESCAPE_SIZE(256)];

        roles_format(s->account->roles, roles, sizeof roles);
        log_escape(uri ?: "", esc, sizeof esc);
        sd_journal_send("MESSAGE=DM session %s with %s: %s %s denied: the metabase requires roles the session "
                        "(%s) does not hold", s->session_id, s->req->server_id, cmd, esc, roles,
                        "MESSAGE_ID=%s", MESSAGE_ID_DM_DENIED, "PRIORITY=%i", LOG_NOTICE,
                        "DM_SERVER_ID=%s", s->req->server_id, "DM_SESSION_ID=%s", s->session_id,
                        "DM_COMMAND=%s", cmd, "DM_URI=%s", esc, "DM_REQUIRED=not in session roles (metabase)",
                        "DM_SESSION_ROLES=%u", s->account->roles, NULL);
}

static void count(Session *s, const char *cmd, const char *uri, unsigned status) {
        if (status >= 200 && status < 300)
                s->executed++;
        else if (status == 425)
                log_denied(s, cmd, uri);
}

static int status(Session *s, DmWriter *w, const char *msg_ref, const DmCommand *c, const char *target_ref,
                  unsigned code) {
        int r;

        r = dm_writer_status(w, msg_ref, c->cmd_id ?: "", c->element ?: dm_cmd_type_name(c->type), target_ref,
                             NULL, code, NULL);
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build a status");
        return 0;
}

static bool is_write(DmCmdType t) {
        return t == DM_CMD_ADD || t == DM_CMD_REPLACE || t == DM_CMD_DELETE;
}

static int run_command(Session *s, DmWriter *w, const DmMessage *m, const DmCommand *c, bool *abort);

/* Atomic (OMA-TS-DM_RepPro §6.6.3): members Add/Replace/Delete only (a Get, nested Atomic or
 * anything else: 500 for it, 507 for the Atomic, nothing applied); all applied in one
 * transaction by dm_tree_apply, or none (216 for the others, their own status for the refused). */
static int run_atomic(Session *s, DmWriter *w, const DmMessage *m, const DmCommand *c) {
        _cleanup_free_ DmTreeOp *ops = NULL;
        _cleanup_free_ unsigned *st = NULL;
        _cleanup_free_ size_t *owner = NULL;
        size_t n = 0, total = 0;
        bool bad = false, ok = true;
        int r;

        for (size_t i = 0; i < c->n_children; i++) {
                const DmCommand *ch = &c->children[i];

                if (!is_write(ch->type) || !ch->cmd_id || ch->n_items == 0)
                        bad = true;
                total += ch->n_items;
        }
        if (bad || total == 0 || total > DM_TREE_APPLY_MAX) {
                r = status(s, w, m->msg_id, c, NULL, 507);
                for (size_t i = 0; r >= 0 && i < c->n_children; i++) {
                        const DmCommand *ch = &c->children[i];

                        r = status(s, w, m->msg_id, ch, NULL,
                                   !ch->cmd_id || ch->type == DM_CMD_UNKNOWN ? 400 :
                                   is_write(ch->type) && ch->n_items > 0 ? 215 : 500);
                }
                return r;
        }
        ops = calloc(total, sizeof *ops);
        st = calloc(total, sizeof *st);
        owner = calloc(total, sizeof *owner);
        if (!ops || !st || !owner)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_children; i++)
                for (size_t j = 0; j < c->children[i].n_items; j++) {
                        const DmItem *it = &c->children[i].items[j];

                        ops[n] = (DmTreeOp) { .type = c->children[i].type, .uri = it->target, .data = it->data,
                                              .format = it->meta_format ?: c->children[i].meta_format };
                        owner[n++] = i;
                }
        r = dm_tree_apply(s->tree, ops, n, true, st);
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "internal error applying an Atomic");
        for (size_t k = 0; k < n; k++)
                if (st[k] != 200)
                        ok = false;
        r = status(s, w, m->msg_id, c, NULL, ok ? 200 : 507);
        if (r < 0)
                return r;
        /* executed/denied count the members, not the container (as for Sequence) */
        for (size_t k = 0; k < n; k++) {
                const DmCommand *ch = &c->children[owner[k]];

                count(s, dm_cmd_type_name(ch->type), ops[k].uri, st[k]);
                r = status(s, w, m->msg_id, ch, ch->n_items > 1 ? ops[k].uri : NULL, st[k]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int run_items(Session *s, DmWriter *w, const DmMessage *m, const DmCommand *c) {
        int r;

        if (c->n_items == 0)
                return status(s, w, m->msg_id, c, NULL, 400);
        for (size_t i = 0; i < c->n_items; i++) {
                const DmItem *it = &c->items[i];
                const char *tref = c->n_items > 1 ? it->target : NULL;
                unsigned code;

                if (!it->target) {
                        r = status(s, w, m->msg_id, c, NULL, 400);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (it->more_data) {
                        /* large objects are not supported (DevDetail/LrgObj false) */
                        r = status(s, w, m->msg_id, c, tref, 406);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c->type == DM_CMD_GET) {
                        _cleanup_(dm_tree_value_done) DmTreeValue v = {};

                        r = dm_tree_get(s->tree, it->target, &v);
                        if (r < 0)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "internal error in a Get");
                        count(s, "Get", it->target, v.status);
                        r = status(s, w, m->msg_id, c, tref, v.status);
                        if (r >= 0 && v.status == 200)
                                r = dm_writer_results(w, m->msg_id, c->cmd_id, it->target, v.format, v.type,
                                                      v.data);
                        if (r < 0)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build Results");
                        continue;
                }
                DmTreeOp op = { .type = c->type, .uri = it->target, .data = it->data,
                                .format = it->meta_format ?: c->meta_format };
                r = dm_tree_apply(s->tree, &op, 1, false, &code);
                if (r < 0)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "internal error applying a command");
                count(s, dm_cmd_type_name(c->type), it->target, code);
                r = status(s, w, m->msg_id, c, tref, code);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One server command (OMA-TS-DM_RepPro §6.6; Windows Mobile "OMA DM Standards and Extensions"
 * for 400s). Sets *abort for Alert 1223. */
static int run_command(Session *s, DmWriter *w, const DmMessage *m, const DmCommand *c, bool *abort) {
        int r;

        if (!c->cmd_id)
                return status(s, w, m->msg_id, c, NULL, 400); /* empty CmdRef: nothing to refer to */
        switch (c->type) {
        case DM_CMD_GET:
        case DM_CMD_ADD:
        case DM_CMD_REPLACE:
        case DM_CMD_DELETE:
                return run_items(s, w, m, c);
        case DM_CMD_EXEC:
        case DM_CMD_COPY:
                /* Exec: no executable node is allow-listed; Copy: not supported (docs/dm.md) */
                return status(s, w, m->msg_id, c, NULL, 406);
        case DM_CMD_ALERT:
                if (c->alert_code && strcmp(c->alert_code, "1223") == 0) {
                        *abort = true;
                        return 0;
                }
                /* user interaction (1100-1104) needs an agent the DM route does not have yet;
                 * 1222 (next message) belongs to large objects, not supported */
                return status(s, w, m->msg_id, c, NULL, 406);
        case DM_CMD_SEQUENCE:
                r = status(s, w, m->msg_id, c, NULL, 200);
                for (size_t i = 0; r >= 0 && i < c->n_children && !*abort; i++) {
                        if (c->children[i].type == DM_CMD_SEQUENCE)
                                r = status(s, w, m->msg_id, &c->children[i], NULL, 500);
                        else
                                r = run_command(s, w, m, &c->children[i], abort);
                }
                return r;
        case DM_CMD_ATOMIC:
                return run_atomic(s, w, m, c);
        case DM_CMD_UNKNOWN:
        default:
                return status(s, w, m->msg_id, c, NULL, 400);
        }
}

/* Refuse the whole message: the server did not authenticate. One Status per command, each
 * @code with a Chal carrying a fresh server nonce (OMA-TS-DM_Protocol-V1_2 §2.4.1: an
 * authentication-failure reply holds only statuses); nothing is executed. */
static int refuse_message(Session *s, DmWriter *w, const DmMessage *m, unsigned code) {
        uint8_t nonce[DM_SESSION_NONCE_LEN];
        DmChal chal = { .type = DM_AUTH_MD5, .format = "b64", .next_nonce = nonce,
                        .next_nonce_len = sizeof nonce };
        int r;

        r = issue_server_nonce(s, nonce);
        if (r < 0)
                return r;
        r = dm_writer_status(w, m->msg_id, "0", "SyncHdr", NULL, NULL, code, &chal);
        for (size_t i = 0; r >= 0 && i < m->n_cmds; i++) {
                const DmCommand *c = &m->cmds[i];

                if (!is_management(c))
                        continue;
                r = dm_writer_status(w, m->msg_id, c->cmd_id ?: "", c->element ?: dm_cmd_type_name(c->type), NULL,
                                     NULL, code, &chal);
        }
        sodium_memzero(nonce, sizeof nonce);
        if (r < 0)
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build the refusal");
        return 0;
}

static void log_auth(Session *s, const char *who, bool ok, const char *what) {
        sd_journal_send("MESSAGE=DM session %s with %s: %s authentication %s (%s)", s->session_id,
                        s->req->server_id, who, ok ? "succeeded" : "failed", what,
                        "MESSAGE_ID=%s", MESSAGE_ID_DM_AUTH, "PRIORITY=%i", ok ? LOG_INFO : LOG_WARNING,
                        "DM_SERVER_ID=%s", s->req->server_id, "DM_SESSION_ID=%s", s->session_id,
                        "DM_AUTH_PARTY=%s", who, "DM_AUTH=%s", ok ? "ok" : "failed", NULL);
}

/* Follow a RespURI only on the origin of the account's address (scheme, host, port): the TLS
 * connection and its verified name stay the same, and a server cannot send the device's
 * credentials or statuses to a third party. Anything else aborts the session. */
static int follow_resp_uri(Session *s, const DmMessage *m) {
        DmUrl u;

        if (!m->resp_uri)
                return 0;
        if (dm_url_parse(m->resp_uri, &u) < 0 || !dm_url_same_origin(&u, &s->home))
                return fail(s, DM_SESSION_PROTOCOL_ERROR, "RespURI leaves the origin of the account's address");
        s->url = u;
        return 0;
}

/* ---- the session ---------------------------------------------------------------------------- */

static int run(Session *s) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t out_len = 0;
        unsigned challenges = 0;
        bool in_setup = true;           /* package 1 sent, no accepted header status yet */
        int r;

        r = build_package1(s, &out, &out_len);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(dm_http_response_done) DmHttpResponse resp = {};
                _cleanup_(dm_message_freep) DmMessage *m = NULL;
                _cleanup_(dm_writer_freep) DmWriter *w = NULL;
                const DmCommand *hs;
                bool has_mgmt = false, abort = false;
                unsigned code;
                char err[128];

                r = exchange(s, out, out_len, &resp);
                out = mfree(out);
                if (r < 0)
                        return r;
                s->packages++;
                r = dm_message_parse(resp.body, resp.body_len, &m, err, sizeof err);
                if (r == -E2BIG)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "server message over a codec limit");
                if (r < 0)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "malformed server message");
                if (!m->session_id || strcmp(m->session_id, s->session_id) != 0 || !m->msg_id)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "server message of another session");

                hs = header_status(s, m);
                code = hs && hs->status_code ? (unsigned) strtoul(hs->status_code, NULL, 10) : 0;
                if (in_setup) {
                        if (code == 401 || code == 407) {
                                /* Challenge (§2.4.1): back to package 1 with a Cred over the
                                 * challenge's nonce. The nonce is USED but not STORED: the
                                 * server has not authenticated itself (Security §5.1.3.4). */
                                log_auth(s, "client", false, code == 407 ? "server asked for credentials"
                                                                         : "server refused the credentials");
                                if (++challenges > DM_SESSION_CHALLENGES_MAX)
                                        return fail(s, DM_SESSION_SERVER_AUTH_FAILED,
                                                    "the server refused the client's credentials");
                                if (hs->has_chal && hs->chal.next_nonce)
                                        set_client_nonce(s, hs->chal.next_nonce, hs->chal.next_nonce_len);
                                r = follow_resp_uri(s, m);
                                if (r < 0)
                                        return r;
                                s->send_cred = true;
                                r = build_package1(s, &out, &out_len);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (code != 200 && code != 212)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "no accepted status for package 1");
                        in_setup = false;
                        log_auth(s, "client", true, code == 212 ? "212" : "200");
                }
                if (code == 212)
                        s->send_cred = false;   /* authenticated for the rest of the session */

                for (size_t i = 0; i < m->n_cmds; i++) {
                        const DmCommand *c = &m->cmds[i];

                        if (is_management(c))
                                has_mgmt = true;
                        if (c->type == DM_CMD_ALERT && c->alert_code && strcmp(c->alert_code, "1223") == 0)
                                abort = true;
                }

                /* The server's Cred before ANY command runs (dm-session.h invariant). Once it
                 * verified, our 212 told the server it is authenticated for the session. */
                if (!s->server_authed) {
                        unsigned sc = check_server_cred(s, m);

                        if (sc != 200) {
                                log_auth(s, "server", false, sc == 407 ? "no Cred" : "wrong Cred");
                                /* 407/401 with a fresh Chal for the header and every command,
                                 * nothing executed; the refusal is sent, the answer read and
                                 * dropped, and the session ends. */
                                r = follow_resp_uri(s, m);
                                if (r < 0)
                                        return r;
                                r = writer_start(s, &w);
                                if (r >= 0)
                                        r = refuse_message(s, w, m, sc);
                                if (r >= 0 && dm_writer_finish(w, true, &out, &out_len) >= 0) {
                                        _cleanup_(dm_http_response_done) DmHttpResponse ignored = {};

                                        (void) exchange(s, out, out_len, &ignored);
                                }
                                s->reason = DM_SESSION_OK;
                                return fail(s, DM_SESSION_SERVER_AUTH_FAILED, "the server did not authenticate");
                        }
                        s->server_authed = true;
                        log_auth(s, "server", true, "md5");
                        /* A NextNonce for the client, stored only now: from a server that
                         * authenticated itself in this very message (Security §5.1.3.4). */
                        if (hs && hs->has_chal && hs->chal.next_nonce && hs->chal.next_nonce_len > 0) {
                                r = dm_account_store_nonce(s->engine, s->account->server_id, false,
                                                           hs->chal.next_nonce, hs->chal.next_nonce_len);
                                if (r < 0)
                                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot store the client nonce");
                                set_client_nonce(s, hs->chal.next_nonce, hs->chal.next_nonce_len);
                        }
                } else if (hs && hs->has_chal && hs->chal.next_nonce && hs->chal.next_nonce_len > 0) {
                        r = dm_account_store_nonce(s->engine, s->account->server_id, false, hs->chal.next_nonce,
                                                   hs->chal.next_nonce_len);
                        if (r < 0)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot store the client nonce");
                        set_client_nonce(s, hs->chal.next_nonce, hs->chal.next_nonce_len);
                }

                if (!has_mgmt)
                        return 0; /* §2.3: only statuses: the session is over, nothing is sent */
                if (abort)
                        /* Alert 1223 (§2.3.1.2): the server ends the session; nothing of this
                         * message runs and no reply is sent (so no new server nonce is issued). */
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "the server aborted the session (Alert 1223)");
                if (s->packages >= DM_SESSION_PACKAGES_MAX)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "more than DM_SESSION_PACKAGES_MAX packages");

                r = follow_resp_uri(s, m);
                if (r < 0)
                        return r;
                r = writer_start(s, &w);
                if (r < 0)
                        return r;
                {
                        /* Our status for the server's header: 212 with a fresh server nonce the
                         * first time (stored before it is sent), 200 after. */
                        uint8_t nonce[DM_SESSION_NONCE_LEN];
                        DmChal chal = { .type = DM_AUTH_MD5, .format = "b64", .next_nonce = nonce,
                                        .next_nonce_len = sizeof nonce };
                        bool first = !s->nonce_issued;

                        if (first) {
                                r = issue_server_nonce(s, nonce);
                                if (r < 0)
                                        return r;
                                s->nonce_issued = true;
                        }
                        r = dm_writer_status(w, m->msg_id, "0", "SyncHdr", NULL, NULL, first ? 212 : 200,
                                             first ? &chal : NULL);
                        sodium_memzero(nonce, sizeof nonce);
                        if (r < 0)
                                return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build a status");
                }
                for (size_t i = 0; i < m->n_cmds && !abort; i++) {
                        const DmCommand *c = &m->cmds[i];

                        if (!is_management(c))
                                continue;
                        r = run_command(s, w, m, c, &abort);
                        if (r < 0)
                                return r;
                }
                if (abort) {
                        /* Alert 1223 (§2.3.1.2): the server ended the session; no reply. */
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "the server aborted the session (Alert 1223)");
                }
                r = dm_writer_finish(w, true, &out, &out_len);
                if (r == -E2BIG)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "reply larger than MaxMsgSize");
                if (r < 0)
                        return fail(s, DM_SESSION_PROTOCOL_ERROR, "cannot build a message");
        }
}

static void record_history(Session *s, const DmSessionResult *res, uint64_t received_usec) {
        char summary[256];
        Reason rs = REASON_NONE;
        StorePush p;

        switch (res->reason) {
        case DM_SESSION_NO_ACCOUNT: rs = REASON_DM_NO_ACCOUNT; break;
        case DM_SESSION_TLS_FAILED: rs = REASON_DM_TLS_FAILED; break;
        case DM_SESSION_SERVER_AUTH_FAILED: rs = REASON_DM_SERVER_AUTH_FAILED; break;
        case DM_SESSION_PROTOCOL_ERROR: rs = REASON_DM_PROTOCOL_ERROR; break;
        case DM_SESSION_TIMEOUT: rs = REASON_DM_TIMEOUT; break;
        case DM_SESSION_ADDRESS_REFUSED: rs = REASON_DM_ADDRESS_REFUSED; break;
        default: break;
        }
        snprintf(summary, sizeof summary, "DM session %s (%s-initiated): %s, executed %u, denied %u",
                 res->session_id, s->req->server_initiated ? "server" : "client",
                 res->completed ? "completed" : "failed", res->executed, res->denied);
        p = (StorePush) {
                .received_usec = received_usec,
                .decided_usec = now_usec_realtime(),
                .sender = s->req->server_id,
                .transport = "dm",
                .sec = AUTH_DM,
                .roles = s->account ? s->account->roles : 0,
                .verdict = res->completed ? VERDICT_APPLIED : VERDICT_REJECTED,
                .reason = rs,
                .summary = summary,
                .content_type = DM_CONTENT_TYPE,
        };
        if (store_record(engine_get_store(s->engine), &p, NULL) < 0)
                log_warning("DM session %s: could not record the history row", res->session_id);
}

int dm_session_run(Engine *e, sd_bus *bus, const DmSessionRequest *req, DmSessionResult *ret) {
        uint64_t received = now_usec_realtime();
        Session s = { .engine = e, .bus = bus, .req = req, .send_cred = true };
        DmSessionResult res = {};
        int r;

        if (!e || !req || !req->server_id || !ret)
                return -EINVAL;
        /* One session at a time (docs/dm.md bounds): the session is synchronous anyway. */
        if (session_running)
                return -EBUSY;
        if (sodium_init() < 0)
                return -EIO;
        session_running = true;
        s.start_ms = now_ms();

        if (req->server_initiated)
                dm_pkg0_session_id_hex(req->pkg0_session_id, s.session_id);
        else
                snprintf(s.session_id, sizeof s.session_id, "%X", (unsigned) randombytes_uniform(0xFFFF) + 1U);

        sd_journal_send("MESSAGE=DM session %s with %s started (%s-initiated)", s.session_id, req->server_id,
                        req->server_initiated ? "server" : "client", "MESSAGE_ID=%s", MESSAGE_ID_DM_SESSION_START,
                        "PRIORITY=%i", LOG_INFO, "DM_SERVER_ID=%s", req->server_id,
                        "DM_SESSION_ID=%s", s.session_id,
                        "DM_INITIATOR=%s", req->server_initiated ? "server" : "client", NULL);

        r = dm_account_load(e, req->server_id, &s.account);
        if (r == -ESRCH)
                (void) fail(&s, DM_SESSION_NO_ACCOUNT, "no such account");
        else if (r < 0)
                (void) fail(&s, DM_SESSION_PROTOCOL_ERROR, "the account cannot be loaded");
        else if (!s.account->addr)
                (void) fail(&s, DM_SESSION_PROTOCOL_ERROR, "the account has no address");
        else {
                r = dm_url_parse(s.account->addr, &s.home);
                if (r == -EPROTONOSUPPORT)
                        (void) fail(&s, DM_SESSION_TLS_FAILED, "the account's address is not https");
                else if (r < 0)
                        (void) fail(&s, DM_SESSION_PROTOCOL_ERROR, "the account's address is no URL");
        }
        if (s.reason == DM_SESSION_OK) {
                s.url = s.home;
                if (s.account->client_nonce) {
                        set_client_nonce(&s, secret_acquire_ro(s.account->client_nonce),
                                         secret_size(s.account->client_nonce));
                        secret_release(s.account->client_nonce);
                }
                r = dm_tree_new(e, s.account, &s.tree);
                if (r >= 0)
                        r = dm_tree_devinfo(s.tree, &s.devinfo);
                if (r < 0)
                        (void) fail(&s, DM_SESSION_PROTOCOL_ERROR, "cannot build the tree");
        }
        if (s.reason == DM_SESSION_OK) {
                r = run(&s);
                if (r < 0 && r != -ECANCELED && s.reason == DM_SESSION_OK)
                        (void) fail(&s, DM_SESSION_PROTOCOL_ERROR, "internal error");
        }

        res.completed = s.reason == DM_SESSION_OK;
        res.reason = s.reason;
        res.executed = s.executed;
        res.denied = s.tree ? dm_tree_denied(s.tree) : 0;
        memcpy(res.session_id, s.session_id, sizeof res.session_id);

        sd_journal_send("MESSAGE=DM session %s with %s ended: %s%s%s, executed %u, denied %u", s.session_id,
                        req->server_id, res.completed ? "completed" : "failed",
                        res.completed ? "" : " (", res.completed ? "" : dm_session_reason_to_string(res.reason),
                        res.executed, res.denied,
                        "MESSAGE_ID=%s", MESSAGE_ID_DM_SESSION_END,
                        "PRIORITY=%i", res.completed ? LOG_NOTICE : LOG_WARNING,
                        "DM_SERVER_ID=%s", req->server_id, "DM_SESSION_ID=%s", s.session_id,
                        "DM_RESULT=%s", res.completed ? "completed" : "failed",
                        "DM_REASON=%s", dm_session_reason_to_string(res.reason),
                        "DM_DETAIL=%s", s.detail ?: "", "DM_EXECUTED=%u", res.executed, "DM_DENIED=%u", res.denied,
                        NULL);
        log_info("DM session %s with %s: %s%s%s%s%s", s.session_id, req->server_id,
                 res.completed ? "completed" : "failed (", res.completed ? "" : dm_session_reason_to_string(res.reason),
                 res.completed ? "" : ": ", s.detail ?: "", res.completed ? "" : ")");
        record_history(&s, &res, received);

        drop_tls(&s);
        s.tree = dm_tree_free(s.tree);
        s.account = dm_account_free(s.account);
        set_client_nonce(&s, NULL, 0);
        session_running = false;
        *ret = res;
        return 0;
}
