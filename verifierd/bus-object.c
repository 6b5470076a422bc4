/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-object.c: verifierd's object on the system bus (org.provboot.Verifier1 at
 * /org/provboot/Verifier1; manager.h says where the rest of the daemon lives).
 *
 * A thin shell around the engine (engine.h): every method reads its arguments through the typed
 * ipc_*_read validators, calls the engine once, and answers through the typed ipc_* writers
 * (ipc/ipc.h spells every signature; nothing is marshalled by hand here).
 *
 * Who may call what is declared once, in method_table below: one row per method with its
 * audience and why, as OpenSSH's monitor table declares what the unprivileged child may ask.
 * One vtable per audience (provd's, the users', root's, everyone's) routes every call to one
 * dispatcher, which runs the caller check of the method's row before its handler; no handler
 * checks its caller itself.
 *
 * Security invariants (docs/trust-boundary.md §3, docs/conventions.md §3):
 *   - Submit is accepted from provd's uid only; user-side methods from root or group provboot
 *     only; the uid comes from the bus credentials, never augmented from /proc.
 *   - Nothing provd says beyond "these bytes arrived" is trusted: the engine authenticates and
 *     decodes the bytes itself, and decodes nothing it has not authenticated (verifierd is
 *     root: a decoder bug must not be reachable with unauthenticated bytes). While a push waits
 *     for a PIN the user sees provd's summary (SubmitWithSummary), labelled "(unverified)".
 *   - Push-derived text (sender, element names and values, denied lists) reaches the log, the
 *     history and agents only as printable single lines (common/summary.h display_escape).
 *   - ProvidePin backs off per caller uid after wrong PINs (pin-backoff.c); attempts are
 *     counted per body digest by the engine, durably.
 *   - Every authentication failure gives the same error with the same message.
 *   - No PIN, IMSI or key is ever logged or returned.
 *   - GetMmsSettings is the one method open to every local user (issue 10 point 5): it returns
 *     only the MMSC URL, MMS APN and proxy verifierd publishes for provboot-mmsd-sync (no
 *     credential: ipc/mms-settings.h refuses userinfo, NAPAUTHINFO is never part of it), from
 *     memory, so an unprivileged caller costs no store read. verifierd never calls mmsd-tng: it
 *     lives on the user's session bus, which a system service does not touch.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-journal.h>

#include "certstore.h"
#include "dm-notify.h"
#include "dm-runner.h"
#include "dm-session.h"
#include "export-nm-load.h"
#include "log.h"
#include "macros.h"
#include "manager.h"
#include "ota-policy.h"
#include "policy.h"
#include "secret.h"
#include "summary.h"
#include "verdict.h"

/* The label of provd's words on a push that waits for a PIN (ListPending, RequestPin). */
#define UNVERIFIED_LABEL "(unverified) "
#define MESSAGE_ID_PROTOCOL_VIOLATION "8f2c1d0e4b3a49568a7b6c5d4e3f2a10"

/* ---- caller checks ------------------------------------------------------------------------ */

/*
 * The third authorisation layer (after the bus policy and SELinux): the caller's effective uid
 * as the bus daemon saw it (SO_PEERCRED), never read from /proc (no SD_BUS_CREDS_AUGMENT).
 */
static bool user_in_group(uid_t uid, gid_t gid) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        gid_t groups[256];
        int n = ELEMENTSOF(groups);

        if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || !res)
                return false;
        if (pw.pw_gid == gid)
                return true;
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
                return false; /* more than 256 groups: refuse rather than guess */
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

/* May the sender of @msg call a method of @who? Sets *ret_uid to its uid. Trusted: the uid the
 * bus daemon saw (SO_PEERCRED); provd's uid and group provboot are looked up at start-up. */
static int check_caller(Manager *m, sd_bus_message *msg, Audience who, uid_t *ret_uid, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return ipc_error_set(error, -EACCES, "Cannot determine caller");
        if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID)
                return ipc_error_set(error, -EACCES, "Caller credentials not from the bus");
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return ipc_error_set(error, -EACCES, "Cannot determine caller");
        *ret_uid = euid;

        if (who == AUDIENCE_PROVD) {
                if (m->have_provd_uid && euid == m->provd_uid)
                        return 0;
                return ipc_error_set(error, -EACCES, "Only provd may submit pushes");
        }
        if (who == AUDIENCE_ROOT) {
                if (euid == 0)
                        return 0;
                return ipc_error_set(error, -EACCES, "Requires root");
        }

        /* User side: root, or a member of group provboot — but never provd's own user. */
        if (m->have_provd_uid && euid == m->provd_uid)
                return ipc_error_set(error, -EACCES, "provd may not use the user-side methods");
        if (euid == 0)
                return 0;
        /* Group membership as the bus policy sees it: the groups of the bus-reported uid in the
         * user database (getgrouplist), not the caller's /proc view. */
        if (m->have_provboot_gid && user_in_group(euid, m->provboot_gid))
                return 0;
        return ipc_error_set(error, -EACCES, "Requires root or group " PROVBOOT_GROUP);
}

/* ---- replies ------------------------------------------------------------------------------ */

static int reply_verdict(sd_bus_message *msg, const EngineResult *res, bool with_id) {
        IpcVerdict v = {
                .id = res->id,
                .verdict = verdict_to_string(res->verdict),
                .reason = reason_to_string(res->reason),
                .roles = res->roles,
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_verdict_append(reply, &v, with_id);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Fill a reply list of @l with the rows @fill appends (engine errors become the reply's error). */
typedef int (*FillFn)(Manager *m, sd_bus_message *reply, unsigned arg);

static int reply_list(sd_bus_message *msg, Manager *m, IpcList l, FillFn fill, unsigned arg, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_list_open(reply, l);
        if (r < 0)
                return r;
        r = fill(m, reply, arg);
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        r = ipc_list_close(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- summaries ---------------------------------------------------------------------------- */

void pending_summary_done(PendingSummary *s) {
        if (!s)
                return;
        for (unsigned i = 0; i < IPC_SUMMARY_LINES_MAX; i++)
                free(s->lines[i]);
        *s = (PendingSummary) {};
}

/*
 * The summary lines of a pending push, as ListPending and the agent show it (findings 3, 11):
 *   - waiting for a PIN: the bytes are not authenticated and verifierd did not decode them;
 *     provd's lines, each labelled "(unverified)" (or one line saying there are none);
 *   - waiting for confirmation: verifierd's own lines of the document it authenticated and
 *     decoded (an unsigned one the policy accepted is labelled "(unsigned)").
 * Either way the last line says "+N more not shown" when elements did not fit
 * (common/summary.h), so a prompt never hides content silently. The stored text is split back
 * into lines by summary_from_text(), which escapes whatever is not one clean line: the store is
 * only as trusted as the disk.
 */
int pending_summary(const StorePending *p, PendingSummary *ret) {
        _cleanup_(pending_summary_done) PendingSummary s = {};
        bool pin = p->state == PENDING_NEEDS_PIN;
        const char *text = pin ? p->unverified_summary : p->summary;
        const char *label = pin ? UNVERIFIED_LABEL : !p->authenticated ? "(unsigned) " : "";
        Summary lines;

        summary_from_text(text, &lines);
        if (lines.n_lines == 0) {
                s.lines[0] = strdup(pin ? UNVERIFIED_LABEL "no description: the content is shown once the PIN "
                                          "authenticates the push"
                                        : "(no description)");
                if (!s.lines[0])
                        return -ENOMEM;
                s.view.n = 1;
        }
        for (unsigned i = 0; i < lines.n_lines && i < IPC_SUMMARY_LINES_MAX; i++) {
                if (asprintf(&s.lines[i], "%s%s", label, lines.lines[i]) < 0) {
                        s.lines[i] = NULL; /* undefined after a failure */
                        return -ENOMEM;
                }
                s.view.n = i + 1;
        }
        for (unsigned i = 0; i < s.view.n; i++)
                s.view.lines[i] = s.lines[i];
        *ret = s;
        s = (PendingSummary) {};
        return 0;
}

/* ---- methods ------------------------------------------------------------------------------ */

/* Every handler below runs after dispatch() checked its caller against method_table; @uid is
 * the caller's uid from the bus credentials (unset for AUDIENCE_ANYONE). */
typedef int (*MethodFn)(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error);

static int method_get_mms_settings(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = append_mms_settings(m, reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static WspContentKind content_kind_from_type(const char *t) {
        if (strcasecmp(t, "application/vnd.wap.connectivity-wbxml") == 0)
                return WSP_CONTENT_CP_WBXML;
        if (strcasecmp(t, "text/vnd.wap.connectivity-xml") == 0)
                return WSP_CONTENT_CP_XML;
        if (strcasecmp(t, "application/pkcs7-mime") == 0)
                return WSP_CONTENT_PKCS7;
        return WSP_CONTENT_OTHER;
}

/* provd's summary lines, '\n'-separated as the store keeps them (common/summary.h summary_join;
 * each line validated by ipc_submit_with_summary_read). */
static char *join_summary(const IpcSubmit *s) {
        Summary lines = {};

        for (unsigned i = 0; i < s->n_summary && i < IPC_SUMMARY_LINES_MAX; i++)
                snprintf(lines.lines[lines.n_lines++], sizeof lines.lines[0], "%s", s->summary[i]);
        return summary_join(&lines);
}

/* Submit and SubmitWithSummary: the same push; the second also carries provd's description. */
static int method_submit(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_free_ char *summary = NULL;
        bool with_summary = streq_ptr(sd_bus_message_get_member(msg), IPC_M_SUBMIT_WITH_SUMMARY);
        EngineResult res = {};
        IpcSubmit s;
        int r;

        r = with_summary ? ipc_submit_with_summary_read(msg, &s) : ipc_submit_read(msg, &s);
        if (r < 0) {
                /* provd's own code never sends this: a sign of a compromised provd (R3.5). */
                m->protocol_violations++;
                sd_journal_send("MESSAGE=provd protocol violation: invalid Submit arguments", "MESSAGE_ID="
                                MESSAGE_ID_PROTOCOL_VIOLATION, "PRIORITY=%i", LOG_WARNING, NULL);
                log_warning("provd protocol violation: invalid Submit arguments (%" PRIu64 " so far)",
                            m->protocol_violations);
                return ipc_error_set(error, -EINVAL, "Invalid Submit arguments");
        }
        EngineSubmission sub = {
                .body = s.body,
                .body_len = s.body_size,
                .content_kind = content_kind_from_type(s.content_type),
                .content_type = s.content_type,
                .sec = (AuthMethod) s.sec,
                .mac = s.mac[0] ? s.mac : NULL,
                .sender = s.sender,
                .transport = s.transport,
                .received_usec = s.received_usec,
                /* which modem received it, so which SIM's IMSI is the network PIN (issue 10
                 * point 7); provd's claim, validated as an object path: it only picks one of the
                 * phone's own SIMs, and the MAC must still verify with that SIM's IMSI */
                .modem = s.modem,
        };
        if (sub.content_kind == WSP_CONTENT_OTHER) {
                m->protocol_violations++;
                return ipc_error_set(error, -EINVAL, "Not an OMA CP content type");
        }
        /* Nothing is decoded here (finding 3): the engine decodes the bytes once they are
         * authenticated. provd's summary is only words about them, kept (labelled) while the
         * push waits for a PIN. */
        if (with_summary && s.n_summary > 0) {
                summary = join_summary(&s);
                if (!summary)
                        return -ENOMEM;
                sub.summary = summary;
        }
        r = engine_submit(m->engine, &sub, &res);
        if (r < 0)
                return log_error_errno(r, "Failed to process push: %m"), ipc_error_set(error, r, NULL);
        r = reply_verdict(msg, &res, true);
        report_verdict(m, &res, sub.content_kind == WSP_CONTENT_PKCS7 ? AUTH_SIGNED : (AuthMethod) s.sec, s.transport);
        if (res.verdict == VERDICT_PENDING)
                agent_offer_next(m); /* once the agent is free; the same bytes again are not asked twice */
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_provide_pin(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(secret_freep) Secret *pin = NULL;
        EngineResult res = {};
        PinBackoff *b;
        IpcPin p;
        int r;

        /* Finding 10: a caller that just gave a wrong PIN waits before it may try again, on any
         * push; refused calls use no attempt and reach no PIN check. */
        b = pin_backoff_find(m, uid, false);
        if (b && now_monotonic(m) < b->until_usec)
                return ipc_error_setf(error, -ENOSPC,
                                      "%u wrong PINs in a row from this user: wait %" PRIu64 " s (%" PRIu64
                                      " s left)", b->failures, (uint64_t) (b->window_usec / 1000000U),
                                      (uint64_t) ((b->until_usec - now_monotonic(m) + 999999U) / 1000000U));
        r = ipc_pin_read(msg, &p);
        if (r < 0) { /* same answer as a wrong PIN: no oracle on the PIN's shape */
                (void) pin_backoff_failed(m, uid);
                return ipc_error_set(error, -EKEYREJECTED, IPC_AUTH_FAILED_MESSAGE);
        }
        r = secret_new_from_string(p.pin, &pin);
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        r = engine_provide_pin(m->engine, p.id, pin, &res);
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        if (res.pin_rejected) {
                uint64_t delay = pin_backoff_failed(m, uid);

                if (res.verdict == VERDICT_PENDING)
                        log_info("push %" PRIu64 ": wrong PIN, %u attempt(s) left; uid %u may try again in %" PRIu64
                                 " s", res.id, res.attempts_left, (unsigned) uid, (uint64_t) (delay / 1000000U));
                else
                        /* the last allowed attempt failed: the push is rejected and locked out, a
                         * verdict like any other (point 9); the caller still gets the one answer
                         * every authentication failure gets */
                        report_verdict(m, &res, push_sec(m, res.id), "pin");
                engine_result_done(&res);
                return ipc_error_set(error, -EKEYREJECTED, IPC_AUTH_FAILED_MESSAGE);
        }
        if (res.verdict != VERDICT_EXPIRED && res.reason != REASON_PIN_ATTEMPTS_EXCEEDED)
                pin_backoff_clear(m, uid); /* the PIN authenticated the push: this caller starts afresh */
        r = reply_verdict(msg, &res, false);
        report_verdict(m, &res, push_sec(m, res.id), "pin");
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_confirm(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        EngineResult res = {};
        uint64_t id;
        int r;

        r = ipc_id_read(msg, &id);
        if (r < 0)
                return r;
        r = engine_confirm(m->engine, id, &res);
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        r = reply_verdict(msg, &res, false);
        report_verdict(m, &res, push_sec(m, res.id), "confirm");
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_discard(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        uint64_t id;
        int r;

        r = ipc_id_read(msg, &id);
        if (r < 0)
                return r;
        r = engine_discard(m->engine, id);
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        EngineResult res = { .id = id, .verdict = VERDICT_REJECTED, .reason = REASON_DISCARDED };
        r = sd_bus_reply_method_return(msg, NULL);
        report_verdict(m, &res, push_sec(m, id), "discard");
        return r;
}

static int append_pending(const StorePending *p, void *userdata) {
        _cleanup_(pending_summary_done) PendingSummary s = {};
        sd_bus_message *reply = userdata;
        int r;

        r = pending_summary(p, &s);
        if (r < 0)
                return r;
        IpcPendingRow row = {
                .id = p->id,
                .sender = p->sender,
                .sec = auth_method_to_string(p->sec) ?: "?",
                .waiting = p->state == PENDING_NEEDS_PIN ? reason_to_string(REASON_NEEDS_PIN)
                                                         : reason_to_string(REASON_NEEDS_CONFIRMATION),
                .received_usec = p->received_usec,
                .expires_usec = p->expires_usec,
                .summary = s.view,
        };
        r = ipc_pending_row_append(reply, &row);
        return r < 0 ? r : 0;
}

static int fill_pending(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_pending(m->engine, append_pending, reply);
}

static int method_list_pending(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        (void) engine_expire(m->engine, 0);
        return reply_list(msg, m, IPC_LIST_PENDING, fill_pending, 0, error);
}

static int append_push(const StorePush *p, void *userdata) {
        IpcPushRow row = {
                .id = p->id,
                .time_usec = p->received_usec,
                .sender = p->sender,
                .transport = p->transport,
                .sec = auth_method_to_string(p->sec) ?: "?",
                .verdict = verdict_to_string(p->verdict),
                .reason = reason_to_string(p->reason),
                .roles = p->roles,
                .denied = p->denied,
                .digest = p->digest,
        };
        int r;

        r = ipc_push_row_append(userdata, &row);
        return r < 0 ? r : 0; /* 0: go on iterating */
}

static int fill_history(Manager *m, sd_bus_message *reply, unsigned max) {
        return engine_foreach_push(m->engine, 0, max, append_push, reply);
}

static int method_get_history(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        uint32_t max;
        int r;

        r = ipc_history_request_read(msg, &max);
        if (r < 0)
                return r;
        (void) engine_expire(m->engine, 0);
        return reply_list(msg, m, IPC_LIST_HISTORY, fill_history, max, error);
}

static int method_get_push(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id;
        int r;

        r = ipc_id_read(msg, &id);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = engine_get_push(m->engine, id, append_push, reply);
        if (r == -ESRCH) /* engine_get_push returns 0 when it found the push */
                return ipc_error_set(error, r, "No such push");
        if (r < 0)
                return ipc_error_set(error, r, NULL);
        return sd_bus_send(NULL, reply, NULL);
}

/* Values of these parms are passwords: never shown (they are settings, not our secrets, but a
 * member of group provboot has no need to read them). The same predicate as the DM tree's. */
static bool parm_is_password(const char *name) {
        return cpdoc_parm_is_password(name);
}

static int append_setting(const StoreSetting *s, void *userdata) {
        int r;

        if (!s->parm)
                return 0;
        IpcSettingRow row = {
                .path = s->chpath,
                .name = s->parm,
                .value = parm_is_password(s->parm) ? "(hidden)" : s->value,
                .roles = s->roles,
                .push_id = s->push_id,
        };
        r = ipc_setting_row_append(userdata, &row);
        return r < 0 ? r : 0;
}

static int append_account(const StoreAccount *a, void *userdata) {
        IpcAccountRow row = {
                .server_id = a->server_id,
                .name = a->name,
                .address = a->addr,
                .roles = a->roles,
                .push_id = a->push_id,
        };
        int r;

        r = ipc_account_row_append(userdata, &row);
        return r < 0 ? r : 0;
}

static int fill_settings(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_setting(m->engine, NULL, append_setting, reply);
}

static int fill_accounts(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_account(m->engine, append_account, reply);
}

static int method_list_settings(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        return reply_list(msg, m, IPC_LIST_SETTINGS, fill_settings, 0, error);
}

static int method_list_accounts(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        return reply_list(msg, m, IPC_LIST_ACCOUNTS, fill_accounts, 0, error);
}

/* NetworkManager as provctl status shows it (asked now: it may have started or stopped). */
static const char *nm_status_text(Manager *m) {
        int r = export_nm_running(m->bus);

        if (r == 0)
                return "not running: the profiles are written and will be loaded when it starts";
        if (r < 0)
                return "unknown";
        switch (engine_get_nm_state(m->engine)) {
        case ENGINE_NM_FAILED:
                return "running; the last load failed (retried with the next change)";
        case ENGINE_NM_PENDING:
                return "running; asked to load changed profiles, no answer yet";
        default:
                return "running";
        }
}

/* ListExports: what each NAPDEF and proxy became in NetworkManager (export_nm_status). */
typedef struct ExportsFill {
        sd_bus_message *reply;
        int nm_running;                 /* export_nm_running */
} ExportsFill;

static int append_export(const ExportNmStatus *st, void *userdata) {
        ExportsFill *x = userdata;
        _cleanup_free_ char *detail = NULL;
        int r;

        /* Written, but NetworkManager is not there to load it: say so, never "applied". */
        if (st->file && x->nm_running == 0 && strcmp(st->state, EXPORT_NM_STATE_EXPORTED) == 0) {
                if (asprintf(&detail, "%s; NetworkManager not running: loaded when it starts", st->file) < 0)
                        return -ENOMEM;
        } else if (st->file || st->detail) {
                if (asprintf(&detail, "%s%s%s", st->file ?: "", st->file && st->detail ? "; " : "",
                             st->detail ?: "") < 0)
                        return -ENOMEM;
        }
        IpcExportRow row = { .root = st->root, .exporter = "NetworkManager", .state = st->state, .detail = detail };
        r = ipc_export_row_append(x->reply, &row);
        return r < 0 ? r : 0;
}

static int fill_exports(Manager *m, sd_bus_message *reply, unsigned arg) {
        ExportsFill x = { .reply = reply, .nm_running = export_nm_running(m->bus) };
        int r;

        r = engine_foreach_export(m->engine, append_export, &x);
        return r < 0 ? r : 0;
}

static int method_list_exports(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        return reply_list(msg, m, IPC_LIST_EXPORTS, fill_exports, 0, error);
}

static int append_kv(sd_bus_message *reply, const char *k, const char *v) {
        IpcPolicyRow row = { .key = k, .value = v };

        return ipc_policy_row_append(reply, &row);
}

static int append_kv_dump(const char *k, const char *v, void *userdata) {
        return append_kv(userdata, k, v);
}

static int method_get_policy(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        /* the values in force: the files with the over-the-air layer on top (ota-policy.h) */
        const Config *c = engine_get_config(m->engine);
        char buf[64];
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_list_open(reply, IPC_LIST_POLICY);
        if (r < 0)
                return r;
#define KV(k, v)                                 \
        do {                                     \
                r = append_kv(reply, (k), (v));  \
                if (r < 0)                       \
                        return r;                \
        } while (0)
#define KVU(k, v)                                                   \
        do {                                                        \
                snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t) (v)); \
                KV(k, buf);                                         \
        } while (0)
        /* the configuration keys, from the table that parses them (config.c) */
        r = config_dump(c, append_kv_dump, reply);
        if (r < 0)
                return r;
        KV("Status.NetworkManager", nm_status_text(m));
        KV("Status.Ofono", ofono_status_text(m));
        KVU("Status.PendingPushes", store_count_pending(engine_get_store(m->engine)));
        KVU("Status.ProtocolViolations", m->protocol_violations);
        KVU("Status.DocumentsDecoded", engine_decoded_count(m->engine));
        KV("Status.Agent", m->agent_owner ? m->agent_owner : "none");
#undef KVU
#undef KV
        r = ipc_list_close(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

typedef struct SourcesFill {
        Manager *m;
        sd_bus_message *reply;
} SourcesFill;

static int append_policy_source(const char *key, const char *value, void *userdata) {
        SourcesFill *x = userdata;
        IpcPolicySourceRow row = { .key = key };
        OtaSource src = engine_policy_source(x->m->engine, key, &row.push_id, &row.locked);

        row.source = ota_source_to_string(src);
        return ipc_policy_source_row_append(x->reply, &row);
}

/* GetPolicySources: the keys GetPolicy lists (without Status.*), each with where its value comes
 * from (issue 12; ota_policy_source); the keys come from the same table (config_dump()). */
static int method_get_policy_sources(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SourcesFill x = { .m = m };
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_list_open(reply, IPC_LIST_POLICY_SOURCES);
        if (r < 0)
                return r;
        x.reply = reply;
        r = config_dump(engine_get_config(m->engine), append_policy_source, &x);
        if (r < 0)
                return r;
        r = ipc_list_close(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ResetPolicy (provctl reset-policy): root only (AUDIENCE_ROOT, checked by dispatch() from the
 * bus credentials after the bus policy); it reopens what a bootstrap closed, so the group may not. */
static int method_reset_policy(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int dropped, r;

        dropped = engine_reset_policy(m->engine);
        if (dropped < 0)
                return ipc_error_setf(error, dropped, "Cannot reset the over-the-air policy: %s", strerror(-dropped));
        log_notice("over-the-air policy layer dropped by root (%d value(s)): the configuration files decide", dropped);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = ipc_reset_policy_reply_append(reply, (uint32_t) dropped);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int append_certificate(const EngineCert *c, void *userdata) {
        char expiry[CERTSTORE_TIME_MAX];
        IpcCertificateRow row = {
                .thumbprint = c->thumbprint,
                .subject = c->subject,
                .store = c->store,
                .source = c->source,
                .roles = c->roles,
                .expiry = certstore_format_time(c->not_after_usec, expiry, sizeof expiry),
                .push_id = c->push_id,
        };
        int r;

        r = ipc_certificate_row_append(userdata, &row);
        return r < 0 ? r : 0;
}

static int fill_certificates(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_certificate(m->engine, append_certificate, reply);
}

static int method_list_certificates(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        return reply_list(msg, m, IPC_LIST_CERTIFICATES, fill_certificates, 0, error);
}

/* One GetPendingDocument row: escaped to one printable line per field and bounded
 * (IPC_DOCUMENT_VALUE_MAX); a password's values are never shown, only whether it changes. */
static int append_change(const EngineChange *c, void *userdata) {
        char group[IPC_DOCUMENT_VALUE_MAX + 1], path[IPC_DOCUMENT_VALUE_MAX + 1], name[IPC_DOCUMENT_VALUE_MAX + 1],
                value[IPC_DOCUMENT_VALUE_MAX + 1], old[IPC_DOCUMENT_VALUE_MAX + 1];
        bool hide = c->rank != ENGINE_GROUP_CERTIFICATES && parm_is_password(c->name);
        int r;

        IpcDocumentRow row = {
                .group = display_escape(c->group, group, sizeof group),
                .path = display_escape(c->chpath, path, sizeof path),
                .name = display_escape(c->name, name, sizeof name),
                .change = engine_change_kind_to_string(c->kind),
                .value = display_escape(!c->value ? "" : hide ? "(hidden)" : c->value, value, sizeof value),
                .old_value = display_escape(!c->old_value ? "" : hide ? "(hidden)" : c->old_value, old, sizeof old),
        };
        r = ipc_document_row_append(userdata, &row);
        return r < 0 ? r : 0;
}

/* GetPendingDocument(t id): what a pending push would change (issue 10, point 10). The engine
 * decodes only a push it authenticated, after authenticating it again (engine.h); a push that
 * waits for its PIN gets WrongState: the user sees provd's words about it, labelled unverified. */
static int method_get_pending_document(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id;
        int r;

        r = ipc_id_read(msg, &id);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_list_open(reply, IPC_LIST_DOCUMENT);
        if (r < 0)
                return r;
        r = engine_pending_document(m->engine, id, append_change, reply);
        switch (r) {
        case -EBUSY:
                return ipc_error_set(error, r,
                                     "The push waits for its PIN: its content is not authenticated and was not "
                                     "decoded; its (unverified) summary is in ListPending");
        case -EPERM: /* the engine's "not any more": the push is in the wrong state for this */
                return ipc_error_set(error, -EBUSY, "Unsigned pushes are no longer accepted");
        case -EBADMSG:
                return ipc_error_set(error, r, "The document cannot be read");
        default:
                if (r < 0)
                        return ipc_error_set(error, r, NULL);
        }
        r = ipc_list_close(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Install(ay package): a signed package from root or group provboot (provctl install). The
 * caller is trusted with nothing but handing over bytes: the package earns exactly the roles of
 * the SPC certificate its signature chains to, as if it had come over the air. */
static int method_install(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        EngineResult res = {};
        IpcInstall in;
        int r;

        /* S12: ipc_install_read caps the size before anything parses the bytes */
        r = ipc_install_read(msg, &in);
        if (r == -E2BIG)
                return ipc_error_setf(error, r, "Package larger than %u bytes", IPC_PACKAGE_MAX);
        if (r == -EINVAL)
                return ipc_error_set(error, r, "Empty package");
        if (r < 0)
                return ipc_error_set(error, -EINVAL, "Expected the package bytes");
        r = engine_install(m->engine, in.package, in.size, "install", &res);
        if (r < 0)
                return log_error_errno(r, "Failed to process package: %m"), ipc_error_set(error, r, NULL);
        r = reply_verdict(msg, &res, true);
        report_verdict(m, &res, AUTH_SIGNED, "install");
        if (res.verdict == VERDICT_PENDING)
                agent_offer_next(m);
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

/* ---- the DM route ------------------------------------------------------------------------- */

static int reply_dm_result(sd_bus_message *msg, const DmSessionResult *res) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        IpcDmResult v = {
                .result = res->completed ? "completed" : "failed",
                .reason = dm_session_reason_to_string(res->reason),
                .executed = res->executed,
                .denied = res->denied,
        };
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = ipc_dm_result_append(reply, &v);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static DmSessionRequest dm_request(Manager *m, const char *server_id) {
        return (DmSessionRequest) {
                .server_id = server_id,
                /* what may be dialled and trusted is verifierd's own configuration ([DM]) */
                .trust_file = m->config->dm_trust_file,
                .allow_loopback = m->config->dm_allow_loopback,
        };
}

/* The DmConnect reply, once the session thread ended (dm-runner.h; event loop, engine lock). */
static void on_dm_connect_done(int r, const DmSessionResult *res, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = userdata;

        if (r < 0) {
                log_error_errno(r, "DM session failed: %m");
                (void) sd_bus_reply_method_errno(msg, r == -EBUSY ? -EBUSY : -EIO, NULL);
                return;
        }
        r = reply_dm_result(msg, res);
        if (r < 0)
                log_warning_errno(r, "Cannot send the DmConnect reply: %m");
}

/* DmConnect(s server_id): one client-initiated session (provctl dm connect). The caller is
 * trusted with naming an account and nothing else: the session runs with that account's stored
 * roles and credentials, against the address stored in it. The session runs on its own thread
 * (dm-runner.h) and the reply comes when it has ended (at most DM_SESSION_TIME_MAX_MS); the event
 * loop serves every other call meanwhile. */
static int method_dm_connect(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        DmSessionRequest req;
        const char *id;
        int r;

        r = ipc_dm_connect_read(msg, &id);
        if (r < 0)
                return ipc_error_set(error, -EINVAL, "Expected a DM server id");
        if (dm_runner_busy(m->dm) || dm_session_busy())
                return ipc_error_set(error, -EBUSY, "A DM session is running");
        req = dm_request(m, id);
        r = dm_runner_start(m->dm, m->engine, &req, on_dm_connect_done, msg);
        if (r == -EBUSY)
                return ipc_error_set(error, r, "A DM session is running");
        if (r < 0)
                return log_error_errno(r, "DM session failed: %m"), ipc_error_set(error, r, NULL);
        sd_bus_message_ref(msg);        /* on_dm_connect_done's, which replies */
        return 1;
}

typedef struct DmTriggered {
        Manager *manager;
        char server_id[IPC_DM_SERVER_ID_MAX + 1];
        uint16_t session_id;
} DmTriggered;

static void on_dm_triggered_done(int r, const DmSessionResult *res, void *userdata) {
        if (r < 0)
                log_error_errno(r, "Server-initiated DM session failed: %m");
        /* the session journalled its end and wrote its history row itself */
}

static int on_dm_triggered(sd_event_source *source, void *userdata) {
        DmTriggered *t = userdata;
        DmSessionRequest req = dm_request(t->manager, t->server_id);
        int r;

        req.server_initiated = true;
        req.pkg0_session_id = t->session_id;
        r = dm_runner_start(t->manager->dm, t->manager->engine, &req, on_dm_triggered_done, NULL);
        if (r == -EBUSY)
                log_notice("DM notification for a running session's time dropped: one session at a time");
        else if (r < 0)
                log_error_errno(r, "Cannot start the server-initiated DM session: %m");
        free(t);
        sd_event_source_disable_unref(source);
        return 0;
}

/* SubmitDmNotification(ay, s sender, s transport): a package 0 provd received. Nothing provd says
 * is believed: dm_notify_check parses the bytes, finds the account and verifies the digest with
 * that account's server credentials before anything is dialled (dm-notify.h); the notification
 * carries no address, the session goes to the account's stored one. The session runs after the
 * reply (a deferred event), so provd is never kept waiting for it. */
static int method_submit_dm_notification(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        _cleanup_free_ DmTriggered *t = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char esc[LOG_ESCAPE_SIZE(64)];
        IpcDmNotification n;
        Reason reason;
        DmPkg0 p;
        int r;

        r = ipc_dm_notification_read(msg, &n);
        if (r < 0) {
                m->protocol_violations++;
                return ipc_error_set(error, r == -E2BIG ? -E2BIG : -EINVAL, "Invalid SubmitDmNotification arguments");
        }
        r = dm_notify_check(m->engine, n.data, n.size, now_monotonic(m), &p, &reason);
        if (r < 0) {
                log_warning_errno(r, "DM notification not checked: %m");
                reason = REASON_POLICY_DENIED;
        }
        if (reason == REASON_NONE && (dm_runner_busy(m->dm) || dm_session_busy()))
                reason = REASON_POLICY_DENIED;
        if (reason == REASON_NONE) {
                t = calloc(1, sizeof *t);
                if (!t)
                        return -ENOMEM;
                t->manager = m;
                snprintf(t->server_id, sizeof t->server_id, "%s", p.server_id);
                t->session_id = p.session_id;
                r = sd_event_add_defer(m->event, NULL, on_dm_triggered, t);
                if (r < 0)
                        return log_error_errno(r, "Cannot schedule the DM session: %m"), ipc_error_set(error, r, NULL);
                TAKE_PTR(t);
                log_info("DM notification via %s authenticated: server-initiated session scheduled",
                         log_escape(n.transport, esc, sizeof esc));
        } else
                log_info("DM notification via %s dropped: %s", log_escape(n.transport, esc, sizeof esc),
                         reason_to_string(reason));

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, IPC_SIG_VERDICT_OUT,
                                  verdict_to_string(reason == REASON_NONE ? VERDICT_PENDING : VERDICT_REJECTED),
                                  reason_to_string(reason), (uint32_t) 0);
        if (r < 0)
                return r;
        r = sd_bus_send(NULL, reply, NULL);
        return r < 0 ? r : 1;
}

static int method_register_agent(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        const char *path;
        int r;

        r = ipc_agent_path_read(msg, &path);
        if (r < 0)
                return r;
        r = agent_register(m, sd_bus_message_get_sender(msg), path, uid);
        if (r == -EEXIST)
                return ipc_error_set(error, r, "Another agent is registered");
        if (r < 0)
                return r;
        /* Answer first, then offer it every push pending now, also those that arrived before it
         * registered (point 9): the agent's own RegisterAgent call has returned when it is asked. */
        r = sd_bus_reply_method_return(msg, NULL);
        agent_offer_next(m);
        return r;
}

static int method_unregister_agent(Manager *m, sd_bus_message *msg, uid_t uid, sd_bus_error *error) {
        const char *path;
        int r;

        r = ipc_agent_path_read(msg, &path);
        if (r < 0)
                return r;
        r = agent_unregister(m, sd_bus_message_get_sender(msg), path);
        if (r < 0)
                return ipc_error_set(error, r, "No such agent");
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- who may call what: the method table ------------------------------------------------- */

typedef struct MethodRule {
        const char *member;
        Audience audience;
        MethodFn handler;
        const char *why;        /* what the caller is trusted with, and why that audience */
} MethodRule;

static const MethodRule method_table[] = {
        { IPC_M_SUBMIT, AUDIENCE_PROVD, method_submit,
          "bytes that arrived from the network: only provd receives them; trusted with nothing else" },
        { IPC_M_SUBMIT_WITH_SUMMARY, AUDIENCE_PROVD, method_submit,
          "as Submit, plus provd's words about the bytes, shown only labelled \"(unverified)\"" },
        { IPC_M_SUBMIT_DM_NOTIFICATION, AUDIENCE_PROVD, method_submit_dm_notification,
          "a DM package 0 as received: verified with the account's own server credentials first" },
        { IPC_M_LIST_PENDING, AUDIENCE_USER, method_list_pending,
          "the pending pushes and their summaries: the phone's user decides about them" },
        { IPC_M_PROVIDE_PIN, AUDIENCE_USER, method_provide_pin,
          "the user's PIN for a push; backed off per uid after a wrong one (pin-backoff.c)" },
        { IPC_M_CONFIRM, AUDIENCE_USER, method_confirm, "the user's yes to an authenticated push" },
        { IPC_M_DISCARD, AUDIENCE_USER, method_discard, "the user's no to a pending push" },
        { IPC_M_REGISTER_AGENT, AUDIENCE_USER, method_register_agent,
          "a program that asks the user: its answers count as the user's (agent.c)" },
        { IPC_M_UNREGISTER_AGENT, AUDIENCE_USER, method_unregister_agent, "the registered agent itself" },
        { IPC_M_GET_HISTORY, AUDIENCE_USER, method_get_history, "every verdict: senders and what was denied" },
        { IPC_M_GET_PUSH, AUDIENCE_USER, method_get_push, "one verdict of the history" },
        { IPC_M_LIST_SETTINGS, AUDIENCE_USER, method_list_settings, "the applied settings (passwords hidden)" },
        { IPC_M_LIST_ACCOUNTS, AUDIENCE_USER, method_list_accounts, "the DM accounts (no secrets)" },
        { IPC_M_GET_POLICY, AUDIENCE_USER, method_get_policy, "the effective policy and daemon status" },
        { IPC_M_INSTALL, AUDIENCE_USER, method_install,
          "a signed package: the caller only hands over bytes, the signature earns the roles" },
        { IPC_M_LIST_EXPORTS, AUDIENCE_USER, method_list_exports, "what the settings became on the system" },
        { IPC_M_LIST_CERTIFICATES, AUDIENCE_USER, method_list_certificates, "the certificate store" },
        { IPC_M_GET_PENDING_DOCUMENT, AUDIENCE_USER, method_get_pending_document,
          "the whole change an authenticated pending push would make" },
        { IPC_M_GET_POLICY_SOURCES, AUDIENCE_USER, method_get_policy_sources,
          "where each policy value comes from (no value beyond what GetPolicy shows)" },
        { IPC_M_DM_CONNECT, AUDIENCE_USER, method_dm_connect,
          "names an account: the session runs with that account's roles against its stored address" },
        { IPC_M_RESET_POLICY, AUDIENCE_ROOT, method_reset_policy,
          "drops the over-the-air policy layer and reopens a closed bootstrap: root only, not the group" },
        { IPC_M_GET_MMS_SETTINGS, AUDIENCE_ANYONE, method_get_mms_settings,
          "what an operator publishes for all its subscribers, no credential, answered from memory" },
};

/* Every method of every vtable below comes here: the member's row says who may call it; the
 * check runs here, once, before the handler (the handlers never check their caller). A member
 * without a row, or registered in a vtable of another audience, is refused. */
static int dispatch(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const BusAudience *a = userdata;
        const char *member = sd_bus_message_get_member(msg);
        uid_t uid = (uid_t) -1;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(method_table); i++) {
                const MethodRule *rule = &method_table[i];

                if (!streq_ptr(rule->member, member))
                        continue;
                if (rule->audience != a->audience)
                        break;
                if (rule->audience != AUDIENCE_ANYONE) {
                        r = check_caller(a->manager, msg, rule->audience, &uid, error);
                        if (r < 0)
                                return r;
                }
                return rule->handler(a->manager, msg, uid, error);
        }
        return ipc_error_set(error, -EACCES, "Method not in verifierd's method table");
}

#define VERDICT_OUT_NAMES SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles)
#define SUBMIT_OUT_NAMES SD_BUS_PARAM(id) VERDICT_OUT_NAMES

/* provd's: the pushes it received. */
static const sd_bus_vtable provd_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_SUBMIT, IPC_SIG_SUBMIT_IN,
                                 SD_BUS_PARAM(body) SD_BUS_PARAM(content_type) SD_BUS_PARAM(sec) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(sender) SD_BUS_PARAM(transport) SD_BUS_PARAM(received_usec),
                                 IPC_SIG_SUBMIT_OUT, SUBMIT_OUT_NAMES, dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_SUBMIT_WITH_SUMMARY, IPC_SIG_SUBMIT_WITH_SUMMARY_IN,
                                 SD_BUS_PARAM(body) SD_BUS_PARAM(content_type) SD_BUS_PARAM(sec) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(sender) SD_BUS_PARAM(transport) SD_BUS_PARAM(received_usec)
                                 SD_BUS_PARAM(summary_lines) SD_BUS_PARAM(modem),
                                 IPC_SIG_SUBMIT_OUT, SUBMIT_OUT_NAMES, dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_SUBMIT_DM_NOTIFICATION, IPC_SIG_SUBMIT_DM_NOTIFICATION_IN,
                                 SD_BUS_PARAM(notification) SD_BUS_PARAM(sender) SD_BUS_PARAM(transport),
                                 IPC_SIG_VERDICT_OUT, VERDICT_OUT_NAMES, dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* root's and group provboot's: the user side. */
static const sd_bus_vtable user_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_PENDING, IPC_SIG_NONE, , IPC_SIG_LIST_PENDING_OUT, SD_BUS_PARAM(pending),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_PROVIDE_PIN, IPC_SIG_PROVIDE_PIN_IN, SD_BUS_PARAM(id) SD_BUS_PARAM(pin),
                                 IPC_SIG_VERDICT_OUT, VERDICT_OUT_NAMES, dispatch,
                                 SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_CONFIRM, IPC_SIG_ID_IN, SD_BUS_PARAM(id), IPC_SIG_VERDICT_OUT,
                                 VERDICT_OUT_NAMES, dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_DISCARD, IPC_SIG_ID_IN, SD_BUS_PARAM(id), IPC_SIG_NONE, , dispatch,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_REGISTER_AGENT, IPC_SIG_AGENT_PATH_IN, SD_BUS_PARAM(path), IPC_SIG_NONE, ,
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_UNREGISTER_AGENT, IPC_SIG_AGENT_PATH_IN, SD_BUS_PARAM(path), IPC_SIG_NONE, ,
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_HISTORY, IPC_SIG_HISTORY_IN, SD_BUS_PARAM(max), IPC_SIG_HISTORY_OUT,
                                 SD_BUS_PARAM(history), dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_PUSH, IPC_SIG_ID_IN, SD_BUS_PARAM(id), IPC_SIG_PUSH_OUT, SD_BUS_PARAM(push),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_SETTINGS, IPC_SIG_NONE, , IPC_SIG_SETTINGS_OUT, SD_BUS_PARAM(settings),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_ACCOUNTS, IPC_SIG_NONE, , IPC_SIG_ACCOUNTS_OUT, SD_BUS_PARAM(accounts),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_POLICY, IPC_SIG_NONE, , IPC_SIG_POLICY_OUT, SD_BUS_PARAM(policy), dispatch,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_INSTALL, IPC_SIG_INSTALL_IN, SD_BUS_PARAM(package), IPC_SIG_SUBMIT_OUT,
                                 SUBMIT_OUT_NAMES, dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_EXPORTS, IPC_SIG_NONE, , IPC_SIG_EXPORTS_OUT, SD_BUS_PARAM(exports),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_CERTIFICATES, IPC_SIG_NONE, , IPC_SIG_CERTIFICATES_OUT,
                                 SD_BUS_PARAM(certificates), dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_PENDING_DOCUMENT, IPC_SIG_ID_IN, SD_BUS_PARAM(id),
                                 IPC_SIG_PENDING_DOCUMENT_OUT, SD_BUS_PARAM(changes), dispatch,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_POLICY_SOURCES, IPC_SIG_NONE, , IPC_SIG_POLICY_SOURCES_OUT,
                                 SD_BUS_PARAM(sources), dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_DM_CONNECT, IPC_SIG_DM_CONNECT_IN, SD_BUS_PARAM(server_id),
                                 IPC_SIG_DM_CONNECT_OUT,
                                 SD_BUS_PARAM(result) SD_BUS_PARAM(reason) SD_BUS_PARAM(executed) SD_BUS_PARAM(denied),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES(IPC_S_VERDICT, IPC_SIG_VERDICT_SIGNAL,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles), 0),
        SD_BUS_VTABLE_END
};

/* root's alone: the over-the-air policy layer. */
static const sd_bus_vtable root_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_RESET_POLICY, IPC_SIG_NONE, , IPC_SIG_RESET_POLICY_OUT, SD_BUS_PARAM(dropped),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* every local user's: the published MMS settings. */
static const sd_bus_vtable anyone_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_MMS_SETTINGS, IPC_SIG_NONE, , IPC_SIG_MMS_SETTINGS, SD_BUS_PARAM(settings),
                                 dispatch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES(IPC_S_MMS_SETTINGS_CHANGED, IPC_SIG_MMS_SETTINGS, SD_BUS_PARAM(settings), 0),
        SD_BUS_VTABLE_END
};

/* Every method of @vtable has its row in method_table, for @audience: a method added to a vtable
 * without declaring who may call it stops verifierd at start-up instead of being refused at
 * every call. Return: 0 or -EPROTO. */
static int vtable_check(const sd_bus_vtable *vtable, Audience audience) {
        for (const sd_bus_vtable *v = vtable; v->type != _SD_BUS_VTABLE_END; v++) {
                bool found = false;

                if (v->type != _SD_BUS_VTABLE_METHOD)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(method_table) && !found; i++)
                        found = streq_ptr(method_table[i].member, v->x.method.member) &&
                                method_table[i].audience == audience && v->x.method.handler == dispatch;
                if (!found)
                        return log_error_errno(-EPROTO, "%s: not in the method table for its vtable",
                                               v->x.method.member);
        }
        return 0;
}

int bus_object_register(Manager *m) {
        static const sd_bus_vtable *const vtables[_AUDIENCE_MAX] = {
                [AUDIENCE_PROVD] = provd_vtable,
                [AUDIENCE_USER] = user_vtable,
                [AUDIENCE_ROOT] = root_vtable,
                [AUDIENCE_ANYONE] = anyone_vtable,
        };
        int r;

        for (Audience a = 0; a < _AUDIENCE_MAX; a++) {
                r = vtable_check(vtables[a], a);
                if (r < 0)
                        return r;
                m->audiences[a] = (BusAudience) { .manager = m, .audience = a };
                r = sd_bus_add_object_vtable(m->bus, NULL, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE, vtables[a],
                                             &m->audiences[a]);
                if (r < 0)
                        return r;
        }
        return 0;
}
