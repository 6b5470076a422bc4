/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intake.c: what happens to one push, whichever transport brought it (oFono's agent,
 * ModemManager's SMS objects, Inject): size limit, quarantine check, WSP sniff for
 * ModemManager data, per-sender rate limit, decode under the in-flight marker and the CPU-time
 * watchdog (docs/testing.md §7.4), then one Submit to verifierd through a bounded queue
 * (S8: a bounded number of calls in flight, at most one per origin, a bounded queue behind them).
 *
 * provd holds no secret: nothing here can compute or check a MAC. The body is forwarded exactly
 * as received, with the SEC and MAC the WSP headers carried; verifierd authenticates and decodes
 * those bytes itself (docs/conventions.md §3.1) and nothing provd says is trusted. Push bytes are
 * never logged: only lengths, decoder offsets and the push's short SipHash digest.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "macros.h"
#include "pipeline.h"
#include "provd.h"
#include "summary.h"
#include "verdict.h"
#include "wsp.h"

#define CONTENT_TYPE_CP_WBXML "application/vnd.wap.connectivity-wbxml"
#define CONTENT_TYPE_CP_XML "text/vnd.wap.connectivity-xml"
#define CONTENT_TYPE_PKCS7 "application/pkcs7-mime"

struct SubmitJob {
        Manager *manager;
        SubmitJob *prev, *next; /* in the queue or in the in-flight list */
        bool in_flight;
        Transport transport;
        char origin[RATELIMIT_KEY_MAX + 1]; /* "transport:sender": one Submit in flight per origin */
        uint64_t digest;
        uint8_t *body;
        size_t body_size;
        char content_type[IPC_CONTENT_TYPE_MAX + 1];
        int32_t sec;
        char mac[IPC_MAC_HEX_LEN + 1];
        char sender[IPC_SENDER_MAX + 1];
        char modem[IPC_MODEM_MAX + 1]; /* the receiving modem's object path, "" when not known */
        uint64_t received_usec;
        Summary summary;         /* what we decoded, for the user's prompt (verifierd: unverified) */
        bool plain_submit;       /* verifierd does not know SubmitWithSummary: use Submit */
        bool dm_notification;    /* an OMA DM package 0: SubmitDmNotification */
        sd_bus_message *request; /* the Inject call to answer, or NULL */
        sd_bus_slot *slot;       /* the pending Submit call */
};

const char *transport_to_string(Transport t) {
        static const char *const names[_TRANSPORT_MAX] = {
                [TRANSPORT_INJECT] = "inject",
                [TRANSPORT_OFONO] = "ofono",
                [TRANSPORT_MODEMMANAGER] = "modemmanager",
        };
        return (t >= 0 && t < _TRANSPORT_MAX) ? names[t] : NULL;
}

bool intake_log_allowed(Manager *m) {
        if (token_bucket_take(&m->log_bucket, PROVD_PUSH_LOGS_PER_MINUTE, PROVD_PUSH_LOGS_PER_MINUTE,
                              now_monotonic_usec()))
                return true;
        m->logs_suppressed++;
        return false;
}

/* ---- the guarded decode window ---------------------------------------------------------- */

/*
 * Arm a CPU-time timer: ITIMER_PROF counts user and system time of this process, so a loaded
 * machine cannot make an honest decode look stalled, while a decoder stuck in a loop is killed by
 * SIGPROF's default action. main() makes sure SIGPROF is neither ignored nor blocked.
 */
static void watchdog_arm(void) {
        struct itimerval it = {
                .it_value = {
                        .tv_sec = (time_t) (PROVD_DECODE_WATCHDOG_USEC / 1000000ULL),
                        .tv_usec = (suseconds_t) (PROVD_DECODE_WATCHDOG_USEC % 1000000ULL),
                },
        };

        (void) setitimer(ITIMER_PROF, &it, NULL);
}

static void watchdog_disarm(void) {
        struct itimerval it = {};

        (void) setitimer(ITIMER_PROF, &it, NULL);
}

static void guard_begin(Manager *m, uint64_t digest) {
        char d[QUARANTINE_DIGEST_HEX + 1];
        int r;

        /* The marker must be on disk before the first untrusted byte is looked at. */
        r = quarantine_begin(m->quarantine, digest);
        if (r < 0 && intake_log_allowed(m))
                log_warning_errno(r, "Failed to write the in-flight marker for push %s, decoding without: %m",
                                  quarantine_format(digest, d));
        watchdog_arm();
}

static void guard_end(Manager *m) {
        int r;

        watchdog_disarm();
        r = quarantine_end(m->quarantine);
        if (r < 0)
                log_warning_errno(r, "Failed to clear the in-flight marker: %m");
}

/* ---- Submit jobs ------------------------------------------------------------------------ */

static void list_unlink(SubmitJob **head, SubmitJob **tail, SubmitJob *j) {
        if (j->prev)
                j->prev->next = j->next;
        else
                *head = j->next;
        if (j->next)
                j->next->prev = j->prev;
        else if (tail)
                *tail = j->prev;
        j->prev = j->next = NULL;
}

static SubmitJob *job_free(SubmitJob *j) {
        if (!j)
                return NULL;
        j->slot = sd_bus_slot_unref(j->slot);
        j->request = sd_bus_message_unref(j->request);
        free(j->body);
        free(j);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(SubmitJob *, job_free);

static bool origin_busy(Manager *m, const char *origin) {
        for (SubmitJob *j = m->inflight_head; j; j = j->next)
                if (strcmp(j->origin, origin) == 0)
                        return true;
        return false;
}

static void job_log_prefix(const SubmitJob *j, char *buf, size_t size) {
        char d[QUARANTINE_DIGEST_HEX + 1], s[LOG_ESCAPE_SIZE(IPC_SENDER_MAX)];

        snprintf(buf, size, "Push %s (%zu bytes) from '%s' via %s", quarantine_format(j->digest, d), j->body_size,
                 log_escape(j->sender, s, sizeof(s)), transport_to_string(j->transport));
}

/* The push will not reach verifierd: count it, tell the Inject caller, log. */
static void job_fail(SubmitJob *j, const char *error_name, const char *why) {
        Manager *m = j->manager;
        char prefix[256];

        manager_count(m, COUNTER_DROPPED);
        if (j->request)
                (void) sd_bus_reply_method_errorf(j->request, error_name, "Push not delivered: %s", why);
        if (intake_log_allowed(m)) {
                job_log_prefix(j, prefix, sizeof(prefix));
                log_warning("%s dropped: %s", prefix, why);
        }
}

static int on_submit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);
static void dispatch_queue(Manager *m);

static int job_send(SubmitJob *j) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Manager *m = j->manager;
        IpcSubmit s = {
                .body = j->body,
                .body_size = j->body_size,
                .content_type = j->content_type,
                .sec = j->sec,
                .mac = j->mac,
                .sender = j->sender,
                .transport = transport_to_string(j->transport),
                .received_usec = j->received_usec,
                .n_summary = j->summary.n_lines,
                .modem = j->modem,
        };
        int r;

        for (unsigned i = 0; i < j->summary.n_lines && i < IPC_SUMMARY_LINES_MAX; i++)
                s.summary[i] = j->summary.lines[i];
        /* SubmitWithSummary: our description of the document goes along for the user's PIN prompt;
         * verifierd trusts none of it (it shows it as "(unverified)" and decodes nothing before the
         * bytes are authenticated, issue 9 finding 3). */
        if (j->dm_notification) {
                /* An OMA DM package 0: routed by its content type (0x44); verifierd checks its
                 * digest with the account's credentials before anything is dialled. */
                IpcDmNotification n = { .data = j->body, .size = j->body_size, .sender = j->sender,
                                        .transport = s.transport };

                r = sd_bus_message_new_method_call(m->bus, &call, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                                   IPC_VERIFIER_INTERFACE, IPC_M_SUBMIT_DM_NOTIFICATION);
                if (r < 0)
                        return r;
                r = ipc_dm_notification_append(call, &n);
        } else {
                r = sd_bus_message_new_method_call(m->bus, &call, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                                   IPC_VERIFIER_INTERFACE,
                                                   j->plain_submit ? IPC_M_SUBMIT : IPC_M_SUBMIT_WITH_SUMMARY);
                if (r < 0)
                        return r;
                r = j->plain_submit ? ipc_submit_append(call, &s) : ipc_submit_with_summary_append(call, &s);
        }
        if (r < 0)
                return r;
        r = sd_bus_call_async(m->bus, &j->slot, call, on_submit_reply, j, PROVD_SUBMIT_TIMEOUT_USEC);
        if (r < 0)
                return r;
        j->in_flight = true;
        j->prev = NULL;
        j->next = m->inflight_head;
        if (m->inflight_head)
                m->inflight_head->prev = j;
        m->inflight_head = j;
        m->n_inflight++;
        return 0;
}

static void job_start_or_fail(SubmitJob *j) {
        char why[128];
        int r;

        r = job_send(j);
        if (r < 0) {
                snprintf(why, sizeof(why), "cannot call verifierd: %s", strerror(-r));
                job_fail(j, IPC_ERROR_UNAVAILABLE, why);
                job_free(j);
        }
}

static int on_submit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(job_freep) SubmitJob *j = userdata;
        Manager *m = j->manager;
        char prefix[256];
        IpcVerdict v;
        int r;

        list_unlink(&m->inflight_head, NULL, j);
        j->in_flight = false;
        m->n_inflight--;

        if (!j->plain_submit && !j->dm_notification &&
            sd_bus_message_is_method_error(reply, "org.freedesktop.DBus.Error.UnknownMethod")) {
                /* An older verifierd without SubmitWithSummary: the same push with Submit, which
                 * every verifierd keeps; the user then sees no summary before the PIN. */
                j->plain_submit = true;
                j->slot = sd_bus_slot_unref(j->slot);
                if (job_send(j) >= 0) {
                        TAKE_PTR(j);
                        return 0;
                }
                job_fail(j, IPC_ERROR_UNAVAILABLE, "cannot call verifierd");
                dispatch_queue(m);
                return 0;
        }
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                char why[256];

                if (e && e->name && strncmp(e->name, "org.provboot.Error.", 19) == 0) {
                        /* verifierd's own answer (a limit, a malformed call): pass it on as it is. */
                        manager_count(m, COUNTER_DROPPED);
                        if (j->request)
                                (void) sd_bus_reply_method_error(j->request, e);
                        if (intake_log_allowed(m)) {
                                char en[LOG_ESCAPE_SIZE(64)];

                                job_log_prefix(j, prefix, sizeof(prefix));
                                log_warning("%s refused by verifierd: %s", prefix,
                                            log_escape(e->name, en, sizeof(en)));
                        }
                } else {
                        char en[LOG_ESCAPE_SIZE(64)];

                        /* No verifierd, no reply in time, the bus refused the call: unavailable. */
                        snprintf(why, sizeof(why), "verifierd is unavailable (%s)",
                                 e && e->name ? log_escape(e->name, en, sizeof(en)) : "no reply");
                        job_fail(j, IPC_ERROR_UNAVAILABLE, why);
                }
        } else {
                r = ipc_verdict_read(reply, &v, !j->dm_notification);
                if (j->dm_notification)
                        v.id = 0; /* a notification is no push of the history */
                if (r < 0) {
                        job_fail(j, IPC_ERROR_UNAVAILABLE, "verifierd sent an invalid verdict");
                } else {
                        manager_count(m, COUNTER_FORWARDED);
                        if (j->request)
                                (void) reply_verdict(j->request, v.id, v.verdict, v.reason, v.roles);
                        if (intake_log_allowed(m)) {
                                job_log_prefix(j, prefix, sizeof(prefix));
                                log_info("%s: verifierd answered push %" PRIu64 " %s%s%s", prefix, v.id, v.verdict,
                                         v.reason[0] ? " " : "", v.reason);
                        }
                }
        }
        dispatch_queue(m);
        return 0;
}

static void dispatch_queue(Manager *m) {
        SubmitJob *j = m->queue_head, *next;

        for (; j && m->n_inflight < m->config.max_pending_submits; j = next) {
                next = j->next;
                if (origin_busy(m, j->origin))
                        continue;
                list_unlink(&m->queue_head, &m->queue_tail, j);
                m->n_queued--;
                job_start_or_fail(j);
        }
}

static int job_enqueue(Manager *m, SubmitJob *j) {
        if (m->n_inflight < m->config.max_pending_submits && !origin_busy(m, j->origin)) {
                job_start_or_fail(j);
                return 0;
        }
        if (m->n_queued >= m->config.max_queued_submits) {
                job_fail(j, IPC_ERROR_LIMIT, "too many pushes waiting for verifierd (MaxQueuedSubmits=)");
                job_free(j);
                return 0;
        }
        j->next = NULL;
        j->prev = m->queue_tail;
        if (m->queue_tail)
                m->queue_tail->next = j;
        else
                m->queue_head = j;
        m->queue_tail = j;
        m->n_queued++;
        return 0;
}

void intake_flush(Manager *m) {
        SubmitJob *j;

        /* Shutting down: answer every waiting Inject caller rather than leave it to time out. */
        while ((j = m->queue_head)) {
                list_unlink(&m->queue_head, &m->queue_tail, j);
                if (j->request)
                        (void) sd_bus_reply_method_errorf(j->request, IPC_ERROR_UNAVAILABLE, "provd is stopping");
                job_free(j);
        }
        m->n_queued = 0;
        while ((j = m->inflight_head)) {
                list_unlink(&m->inflight_head, NULL, j);
                if (j->request)
                        (void) sd_bus_reply_method_errorf(j->request, IPC_ERROR_UNAVAILABLE, "provd is stopping");
                job_free(j);
        }
        m->n_inflight = 0;
}

/* ---- one push ----------------------------------------------------------------------------- */

static int reply_malformed(sd_bus_message *request) {
        /* Inject always answers with a verdict, also for input provd rejects (docs/architecture.md §4.3). */
        return reply_verdict(request, 0, verdict_to_string(VERDICT_REJECTED), reason_to_string(REASON_MALFORMED), 0);
}

static const char *content_type_for(const Pipeline *p) {
        if (p->has_wsp && p->wsp.content_type[0])
                return p->wsp.content_type;
        switch (p->kind) {
        case WSP_CONTENT_CP_WBXML:
                return CONTENT_TYPE_CP_WBXML;
        case WSP_CONTENT_CP_XML:
                return CONTENT_TYPE_CP_XML;
        case WSP_CONTENT_PKCS7:
                return CONTENT_TYPE_PKCS7;
        default:
                return NULL;
        }
}

/* Build the Submit job from a decoded push. Return: 0, -EBADMSG (unforwardable), -ENOMEM. */
static int job_new(Manager *m, Transport t, const Pipeline *p, const char *sender, const char *modem,
                   uint64_t digest, uint64_t received_usec, sd_bus_message *request, SubmitJob **ret) {
        _cleanup_(job_freep) SubmitJob *j = NULL;
        const char *ct = content_type_for(p);

        if (!ct || !ipc_string_printable(ct, IPC_CONTENT_TYPE_MAX) || p->body_len == 0 || p->body_len > IPC_BODY_MAX)
                return -EBADMSG;
        if (p->dm_notification && p->body_len > IPC_DM_NOTIFICATION_MAX)
                return -EBADMSG;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->transport = t;
        j->dm_notification = p->dm_notification;
        j->digest = digest;
        j->received_usec = received_usec;
        j->body = malloc(p->body_len);
        if (!j->body)
                return -ENOMEM;
        /* The body exactly as received: the bytes the MAC covers (docs/wire-notes.md §5.2; docs/conventions.md §3.1). */
        memcpy(j->body, p->body, p->body_len);
        j->body_size = p->body_len;
        snprintf(j->content_type, sizeof(j->content_type), "%s", ct);
        j->sec = p->has_wsp ? (int32_t) p->wsp.sec : -1;
        if (p->has_wsp && p->wsp.has_mac)
                snprintf(j->mac, sizeof(j->mac), "%s", p->wsp.mac);
        if (!sender && p->from_sms && p->datagram)
                sender = p->datagram->sender;
        /* The sender is the modem stack's (or the SMS's) claim; verifierd validates it again. */
        if (sender && ipc_string_printable(sender, IPC_SENDER_MAX))
                snprintf(j->sender, sizeof(j->sender), "%s", sender);
        if (!ipc_mac_valid(j->mac))
                return -EBADMSG;
        /* Which modem (hence which SIM) received it: the modem stack's object path, passed on so
         * verifierd checks the MAC against that SIM's IMSI (issue 10 point 7). */
        if (modem && ipc_modem_valid(modem))
                snprintf(j->modem, sizeof(j->modem), "%s", modem);
        /* Every name and value escaped, network-level elements first, "+N more" (common/summary.h);
         * a signed package (no document before verifierd checks the signature) has none. */
        summary_from_doc(p->doc, &j->summary);
        snprintf(j->origin, sizeof(j->origin), "%s:%s", transport_to_string(t), j->sender);
        if (request)
                j->request = sd_bus_message_ref(request);
        *ret = TAKE_PTR(j);
        return 0;
}

int intake_push(Manager *m, Transport t, const uint8_t *buf, size_t len, InputFormat format, const char *sender,
                const char *modem, sd_bus_message *request) {
        _cleanup_(pipeline_done) Pipeline p = {};
        char d[QUARANTINE_DIGEST_HEX + 1], es[LOG_ESCAPE_SIZE(IPC_SENDER_MAX)];
        uint64_t now = now_monotonic_usec(), received = now_realtime_usec(), digest;
        size_t limit = t == TRANSPORT_INJECT ? IPC_INJECT_MAX : m->config.max_input_size;
        /* The modem stacks hand provd every WAP push (oFono: everything to port 2948 while provd
         * holds the modem's one push agent) or every SMS with data (ModemManager): only a
         * provisioning push is provd's; anything else is left for its own consumer (MMS
         * notifications for mmsd, SI/SL ...), and the caller hands it on (ofono.c). */
        bool sniff = t == TRANSPORT_MODEMMANAGER || t == TRANSPORT_OFONO;
        const char *tname = transport_to_string(t);
        DecodeError err = {};
        SubmitJob *j = NULL;
        int r;

        if (len == 0 || len > limit) {
                if (sniff)
                        return INTAKE_NOT_OURS; /* not a push we could take: leave it alone */
                manager_count(m, COUNTER_RECEIVED);
                manager_count(m, COUNTER_MALFORMED);
                if (intake_log_allowed(m))
                        log_notice("Push of %zu bytes via %s rejected: %s", len, tname,
                                   len == 0 ? "empty" : "larger than the input limit");
                return reply_malformed(request);
        }

        digest = quarantine_digest(m->quarantine, buf, len);
        quarantine_format(digest, d);
        if (quarantine_contains(m->quarantine, digest)) {
                /* This exact input crashed or stalled the decoder before: never decode it again. */
                manager_count(m, COUNTER_RECEIVED);
                manager_count(m, COUNTER_QUARANTINED);
                if (intake_log_allowed(m))
                        log_warning("Push %s (%zu bytes) via %s is quarantined (it crashed or stalled the decoder "
                                    "before); not decoding it", d, len, tname);
                return reply_malformed(request);
        }

        guard_begin(m, digest);

        if (sniff) {
                /* ModemManager gives no WDP ports (docs/trust-boundary.md §2.3): keep the data only if it
                 * is a WSP push carrying a provisioning document; any other SMS is not ours. */
                WspPush w;

                if (len < 3 || (buf[1] != WSP_PDU_PUSH && buf[1] != WSP_PDU_CONFIRMED_PUSH) ||
                    wsp_parse_push(buf, len, &w, NULL) < 0 ||
                    (w.content_kind == WSP_CONTENT_OTHER && !pipeline_wsp_is_dm_notification(&w))) {
                        guard_end(m);
                        log_debug("Data of %zu bytes via %s is not a provisioning push; left alone", len, tname);
                        return INTAKE_NOT_OURS;
                }
        }
        manager_count(m, COUNTER_RECEIVED);

        if (t != TRANSPORT_INJECT || m->config.rate_limit_inject) {
                char key[RATELIMIT_KEY_MAX + 1];

                snprintf(key, sizeof(key), "%s:%s", tname, sender ? sender : "");
                r = rate_limiter_check(m->rate, key, now);
                if (r <= 0) {
                        guard_end(m);
                        if (r < 0)
                                return r;
                        manager_count(m, COUNTER_DROPPED);
                        if (intake_log_allowed(m))
                                log_notice("Push %s (%zu bytes) from '%s' via %s dropped: sender over "
                                           "RatePerSenderPerMinute=%u", d, len,
                                           log_escape(sender ? sender : "", es, sizeof(es)), tname,
                                           m->config.rate_per_minute);
                        if (request)
                                return sd_bus_reply_method_errorf(request, IPC_ERROR_LIMIT,
                                                                  "Push not delivered: rate limit");
                        return 0;
                }
        }

        r = pipeline_decode(buf, len, format, m->reasm, now, &p, &err);
        guard_end(m);
        if (r < 0) {
                manager_count(m, COUNTER_MALFORMED);
                if (intake_log_allowed(m))
                        log_notice("Push %s (%zu bytes) via %s rejected: %s at offset %zu: %s", d, len, tname,
                                   err.layer ? err.layer : "decode", err.offset,
                                   err.reason ? err.reason : strerror(-r));
                return reply_malformed(request);
        }
        if (r == 0) {
                /* SMS segments stored; the message is not complete yet. No push id exists yet. */
                log_debug("Push input %s (%zu bytes) via %s: segments stored, message incomplete (%u partial)", d,
                          len, tname, sms_reasm_pending(m->reasm));
                return reply_verdict(request, 0, verdict_to_string(VERDICT_PENDING), reason_to_string(REASON_NONE),
                                     0);
        }

        r = job_new(m, t, &p, sender, modem, digest, received, request, &j);
        if (r == -EBADMSG) {
                manager_count(m, COUNTER_MALFORMED);
                if (intake_log_allowed(m))
                        log_notice("Push %s (%zu bytes) via %s rejected: body of %zu bytes cannot be forwarded", d,
                                   len, tname, p.body_len);
                return reply_malformed(request);
        }
        if (r < 0)
                return r;
        return job_enqueue(m, j);
}

void intake_housekeeping(Manager *m) {
        uint64_t now = now_monotonic_usec();
        unsigned n;

        n = sms_reasm_expire(m->reasm, now);
        if (n > 0)
                log_info("Dropped %u incomplete SMS message(s) older than the reassembly timeout", n);
        (void) rate_limiter_prune(m->rate, now);
        if (m->logs_suppressed > 0) {
                log_notice("%u per-push log message(s) suppressed (more than %u a minute)", m->logs_suppressed,
                           PROVD_PUSH_LOGS_PER_MINUTE);
                m->logs_suppressed = 0;
        }
}
