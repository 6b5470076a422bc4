/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: verifierd, the privileged verifier, on the system bus (org.provboot.Verifier1).
 *
 * A thin shell around the engine (engine.h): every method checks its caller from the bus
 * credentials, reads its arguments through the typed ipc_*_read validators, calls the engine
 * once, and answers with the verdict. It also starts the network PIN source (imsi.c: the IMSI
 * from oFono's SimManager or ModemManager's Sim, or static configuration), an optional user agent
 * (RequestPin / RequestConfirmation, offered every pending push, also those that were pending
 * before it registered), the expiry timer, SIGHUP reload, and for every verdict (the lockout
 * after the last wrong PIN, expiry and discard included) one structured journal entry and one
 * VerdictReached signal (issue 10, point 9).
 *
 * Security invariants (DESIGN.md, conventions.md R3):
 *   - Submit is accepted from provd's uid only; user-side methods from root or group provboot
 *     only; the uid comes from the bus credentials, never augmented from /proc.
 *   - Nothing provd says beyond "these bytes arrived" is trusted: the engine authenticates and
 *     decodes the bytes itself, and decodes nothing it has not authenticated (verifierd is
 *     root: a decoder bug must not be reachable with unauthenticated bytes). While a push waits
 *     for a PIN the user sees provd's summary (SubmitWithSummary), labelled "(unverified)".
 *   - Push-derived text (sender, element names and values, denied lists) reaches the log, the
 *     history and agents only as printable single lines (common/summary.h display_escape).
 *   - ProvidePin backs off per caller uid after wrong PINs; attempts are counted per body
 *     digest by the engine, durably.
 *   - Every authentication failure gives the same error with the same message.
 *   - No PIN, IMSI or key is ever logged or returned.
 *   - A signal is believed only from its real sender, as a broadcast: NameOwnerChanged from the
 *     bus driver (the agent's disappearance), the SIM's IMSI from the unique owner of org.ofono
 *     or ModemManager (imsi.c, ipc/buswatch.h; issue 9 finding 1).
 *   - GetMmsSettings is the one method open to every local user (issue 10 point 5): it returns
 *     only the MMSC URL, MMS APN and proxy verifierd publishes for provboot-mmsd-sync (no
 *     credential: ipc/mms-settings.h refuses userinfo, NAPAUTHINFO is never part of it), from
 *     memory, so an unprivileged caller costs no store read. verifierd never calls mmsd-tng: it
 *     lives on the user's session bus, which a system service does not touch.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "buswatch.h"
#include "certstore.h"
#include "config.h"
#include "cpdoc.h"
#include "engine.h"
#include "export-dbus.h"
#include "export-worker.h"
#include "imsi.h"
#include "export-nm-load.h"
#include "ipc.h"
#include "log-ratelimit.h"
#include "log.h"
#include "macros.h"
#include "mms-settings.h"
#include "policy.h"
#include "secret.h"
#include "summary.h"
#include "verdict.h"

#ifndef PROVBOOT_VERSION
#define PROVBOOT_VERSION "0.1"
#endif

#define DEFAULT_STATE_DIR "/var/lib/provboot"
#define PROVD_USER "provd"
#define PROVBOOT_GROUP "provboot"
#define EXPIRY_INTERVAL_USEC (60ULL * 1000000ULL)
#define AGENT_TIMEOUT_USEC IPC_AGENT_TIMEOUT_USEC
/* ProvidePin back-off per caller (issue 9, finding 10): a mistyped PIN may be retyped at once
 * (PIN_BACKOFF_FREE_FAILURES); after the n-th wrong PIN in a row beyond that, the caller's uid
 * may not call ProvidePin again for PIN_BACKOFF_FIRST_USEC * 2^(n-1-FREE), at most
 * PIN_BACKOFF_MAX_USEC; a PIN that authenticates clears it. Keyed by uid, not by unique bus
 * name: a new connection does not start afresh. At most PIN_BACKOFF_CALLERS_MAX uids are
 * remembered (the oldest is forgotten first); the attempts per push are counted durably by the
 * engine anyway, this only slows down guessing across pushes and restarts. */
#define PIN_BACKOFF_FREE_FAILURES 1U
#define PIN_BACKOFF_FIRST_USEC (1ULL * 1000000ULL)
#define PIN_BACKOFF_MAX_USEC (300ULL * 1000000ULL)
#define PIN_BACKOFF_CALLERS_MAX 32U
/* The label of provd's words on a push that waits for a PIN (ListPending, RequestPin). */
#define UNVERIFIED_LABEL "(unverified) "

/* journal MESSAGE_IDs (verifierd.8 LOGGING). Every verdict entry, whichever its MESSAGE_ID,
 * has the fields PUSH_ID, SEC, ROLES, VERDICT, REASON and TRANSPORT. */
#define MESSAGE_ID_VERDICT "3b1a4e9f0c2d4e7a9b5c6d7e8f901a2b"
/* rejected, pin-attempts-exceeded: the last allowed PIN was wrong (or the body's attempts were
 * used up already): the push is locked out */
#define MESSAGE_ID_PIN_LOCKOUT "29e86bd41afd4a348268ede8f3240403"
/* expired: nobody answered the push before its expiry */
#define MESSAGE_ID_EXPIRED "3297762f28c04456ab4c3c4e153ef105"
/* rejected, discarded: the user refused the push (Discard, or an agent's "no") */
#define MESSAGE_ID_DISCARDED "01362b7329774d09a083d2ad894aff86"
#define MESSAGE_ID_PROTOCOL_VIOLATION "8f2c1d0e4b3a49568a7b6c5d4e3f2a10"

typedef struct PinBackoff {
        uid_t uid;
        unsigned failures;              /* wrong PINs in a row */
        uint64_t until_usec;            /* CLOCK_MONOTONIC: refused before this */
        uint64_t window_usec;           /* the length of that window */
        uint64_t last_usec;             /* last failure, for forgetting the oldest entry */
} PinBackoff;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        Engine *engine;
        Config *config;
        const char *config_dir;
        char *state_dir;
        uid_t provd_uid;
        bool have_provd_uid;
        gid_t provboot_gid;
        bool have_provboot_gid;
        char *agent_owner; /* unique name of the registered agent's connection */
        char *agent_path;
        uid_t agent_uid;                /* its uid (bus credentials), for the PIN back-off */
        uint64_t agent_generation;      /* +1 at every registration and unregistration */
        bool agent_busy;                /* a request to this registration is out */
        uint64_t *agent_asked;          /* pushes offered to this registration */
        size_t n_agent_asked;
        sd_event_source *agent_retry;   /* offers a PIN push again after the agent's back-off */
        uint64_t protocol_violations;
        ImsiSource *imsi; /* the network PIN source (imsi.c); NULL for Source=static */
        PinBackoff pin_backoff[PIN_BACKOFF_CALLERS_MAX];
        size_t n_pin_backoff;
        ExportMmsSettings mms; /* what GetMmsSettings answers ([Export] Mmsd=) */
        sd_bus_slot *nm_load;           /* the LoadConnections call out (at most one) */
        ExportWorker *ofono;            /* the oFono exporter's runs (export-worker.h) */
        bool ofono_stale;               /* a push was applied while a run was out: run again */
        int ofono_result;               /* the last run's: 0, negative errno; 1 none yet */
        EngineNmSync nm_sent;           /* the paths of that call */
} Manager;

typedef enum Caller {
        CALLER_PROVD,
        CALLER_USER,
        CALLER_ROOT,                    /* root only (ResetPolicy) */
} Caller;

static Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_bus_flush_close_unref(m->bus);
        imsi_source_free(m->imsi);
        engine_free(m->engine);
        config_free(m->config);
        sd_event_unref(m->event);
        free(m->state_dir);
        free(m->agent_owner);
        free(m->agent_path);
        export_mms_settings_done(&m->mms);
        free(m->agent_asked);
        sd_event_source_unref(m->agent_retry);
        free(m);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

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

static int check_caller(Manager *m, sd_bus_message *msg, Caller want, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Cannot determine caller");
        if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Caller credentials not from the bus");
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Cannot determine caller");

        if (want == CALLER_PROVD) {
                if (m->have_provd_uid && euid == m->provd_uid)
                        return 0;
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Only provd may submit pushes");
        }
        if (want == CALLER_ROOT) {
                if (euid == 0)
                        return 0;
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Requires root");
        }

        /* User side: root, or a member of group provboot — but never provd's own user. */
        if (m->have_provd_uid && euid == m->provd_uid)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "provd may not use the user-side methods");
        if (euid == 0)
                return 0;
        /* Group membership as the bus policy sees it: the groups of the bus-reported uid in the
         * user database (getgrouplist), not the caller's /proc view. */
        if (m->have_provboot_gid && user_in_group(euid, m->provboot_gid))
                return 0;
        return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Requires root or group " PROVBOOT_GROUP);
}

/* ---- verdicts ----------------------------------------------------------------------------- */

/* The MESSAGE_ID, priority and closing words of a verdict's journal entry. */
static const char *verdict_message_id(const EngineResult *res, int *ret_priority, const char **ret_words) {
        *ret_words = "";
        if (res->reason == REASON_PIN_ATTEMPTS_EXCEEDED) {
                *ret_priority = LOG_WARNING; /* someone may be guessing the PIN */
                *ret_words = ": PIN attempts used up, the push is locked out";
                return MESSAGE_ID_PIN_LOCKOUT;
        }
        if (res->verdict == VERDICT_EXPIRED) {
                *ret_priority = LOG_NOTICE; /* the user never answered */
                *ret_words = ": nobody answered it in time";
                return MESSAGE_ID_EXPIRED;
        }
        if (res->reason == REASON_DISCARDED) {
                *ret_priority = LOG_INFO;
                *ret_words = ": refused by the user";
                return MESSAGE_ID_DISCARDED;
        }
        *ret_priority = res->verdict == VERDICT_APPLIED ? LOG_NOTICE : LOG_INFO;
        return MESSAGE_ID_VERDICT;
}

static void log_verdict(const EngineResult *res, int sec, const char *transport) {
        /* Rate limit (log-ratelimit.h; issue 9 finding 7): a Submit flood must not flood the
         * journal. The history keeps every verdict (within [Store] retention); an applied push
         * (it needed authentication) and a discarded one (the user's own act, one per pending
         * push) are always logged, so a flood cannot hide them. */
        static LogRateLimit rl;
        char roles[ROLES_FORMAT_MAX], denied[LOG_LINE_MAX];
        const char *v = verdict_to_string(res->verdict), *why = reason_to_string(res->reason), *words, *mid;
        uint64_t suppressed = 0;
        struct timespec ts;
        int prio;

        mid = verdict_message_id(res, &prio, &words);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!log_ratelimit_take(&rl, VERDICT_LOG_BURST, VERDICT_LOG_PER_SEC,
                                (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL,
                                res->verdict == VERDICT_APPLIED || res->reason == REASON_DISCARDED, &suppressed))
                return;
        if (suppressed > 0)
                log_notice("%" PRIu64 " verdict messages suppressed by the rate limit (%u per second after a burst "
                           "of %u; every verdict is in the history)", suppressed, VERDICT_LOG_PER_SEC, VERDICT_LOG_BURST);
        roles_format(res->roles, roles, sizeof roles);
        /* A structured entry for the journal (no-op without journald) plus a stderr line. */
        sd_journal_send("MESSAGE=push %" PRIu64 ": %s%s%s%s (roles %u)%s", res->id, v, why[0] ? " (" : "", why,
                        why[0] ? ")" : "", res->roles, words, "MESSAGE_ID=%s", mid, "PRIORITY=%i", prio,
                        "PUSH_ID=%" PRIu64, res->id,
                        "SEC=%s", policy_sec_to_string(sec), "ROLES=%u", res->roles,
                        "VERDICT=%s", v, "REASON=%s", why, "TRANSPORT=%s", transport ? transport : "", NULL);
        log_info("push %" PRIu64 ": verdict %s%s%s, sec %s, roles %u (%s)%s%s%s", res->id, v, why[0] ? ", reason " : "",
                 why, policy_sec_to_string(sec), res->roles, roles,
                 /* one line, quoted: the list's newlines (and anything else) escaped (finding 9) */
                 res->denied ? ", denied: '" : "", res->denied ? log_escape(res->denied, denied, sizeof denied) : "",
                 res->denied ? "'" : "");
}

static int get_sec_cb(const StorePush *p, void *userdata) {
        *(int *) userdata = p->sec;
        return 1;
}

/* The SEC a push arrived with, for the log line of a verdict reached later (PIN, confirm). */
static int push_sec(Manager *m, uint64_t id) {
        int sec = -1;

        (void) engine_get_push(m->engine, id, get_sec_cb, &sec);
        return sec;
}

/* The dictionary of GetMmsSettings and MmsSettingsChanged, from m->mms. */
static int append_mms_settings(Manager *m, sd_bus_message *msg) {
        IpcMmsSettings v = {
                .have = m->mms.have,
                .mmsc = m->mms.mmsc,
                .apn = m->mms.apn,
                .proxy = m->mms.proxy,
                .push_id = m->mms.push_id,
        };

        return ipc_mms_settings_append(msg, &v);
}

/*
 * NetworkManager does not watch its keyfile directory: ask it to load exactly the keyfiles the
 * last rebuilds wrote or removed (export-nm-load.h), and log what the rebuilds noticed about
 * files someone else changed or removed (left alone, engine.h). Not running: nothing to do, it
 * reads them when it starts. Never changes a verdict.
 */
static void run_nm_sync(Manager *m);

static int on_nm_loaded(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        _cleanup_(engine_nm_sync_done) EngineNmSync sent = m->nm_sent;
        char **failures = NULL;
        int r;

        m->nm_sent = (EngineNmSync) {};
        m->nm_load = sd_bus_slot_unref(m->nm_load);
        r = export_nm_load_reply(reply, sent.paths, sent.n_paths, &failures);
        if (r == -EHOSTUNREACH || r == -ENXIO) {
                engine_set_nm_state(m->engine, ENGINE_NM_NOT_RUNNING);
                log_info("NetworkManager is not running: %zu keyfile change(s) written, loaded when it starts",
                         sent.n_paths);
        } else if (r < 0) {
                engine_set_nm_state(m->engine, ENGINE_NM_FAILED);
                log_warning_errno(r, "Failed to ask NetworkManager to load %zu keyfile(s) (retried with the next "
                                  "change): %m", sent.n_paths);
                engine_return_nm_paths(m->engine, &sent);
        } else {
                engine_set_nm_state(m->engine, ENGINE_NM_LOADED);
                log_info("NetworkManager asked to load %zu keyfile(s)", sent.n_paths);
                for (size_t i = 0; failures && failures[i]; i++)
                        log_warning("NetworkManager could not load %s", failures[i]);
                export_nm_load_failures_free(failures);
                /* Changes queued while this call was out go now, in one call. A failed call's
                 * paths wait for the next change (as before), so a hung NetworkManager is asked
                 * once per change, never in a loop. */
                run_nm_sync(m);
        }
        return 0;
}

/*
 * NetworkManager does not watch its keyfile directory: ask it to load exactly the keyfiles the
 * last rebuilds wrote or removed (export-nm-load.h), and log what the rebuilds noticed about
 * files someone else changed or removed (left alone, engine.h). Not running: nothing to do, it
 * reads them when it starts. Never changes a verdict, and never waits for NetworkManager: the
 * call is asynchronous (EXPORT_NM_LOAD_TIMEOUT_USEC), one at a time; the paths of changes made
 * while it is out are queued in the engine and sent together when it returns (coalesced). The
 * state reads "pending" (provctl status) until the reply or the time-out.
 */
static void run_nm_sync(Manager *m) {
        _cleanup_(engine_nm_sync_done) EngineNmSync sync = {};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        (void) engine_take_nm_sync(m->engine, &sync);
        for (size_t i = 0; i < sync.n_notices; i++)
                log_notice("%s", sync.notices[i]);
        if (sync.n_paths == 0)
                return;
        if (m->nm_load || !m->bus) {
                engine_return_nm_paths(m->engine, &sync); /* sent after the call out returns */
                return;
        }
        r = export_nm_load_message(m->bus, sync.paths, sync.n_paths, &call);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &m->nm_load, call, on_nm_loaded, m, EXPORT_NM_LOAD_TIMEOUT_USEC);
        if (r < 0) {
                engine_set_nm_state(m->engine, ENGINE_NM_FAILED);
                log_warning_errno(r, "Failed to ask NetworkManager to load %zu keyfile(s) (retried with the next "
                                  "change): %m", sync.n_paths);
                engine_return_nm_paths(m->engine, &sync);
                return;
        }
        engine_set_nm_state(m->engine, ENGINE_NM_PENDING);
        for (size_t i = 0; i < sync.n_notices; i++)
                free(sync.notices[i]);
        sync.notices = mfree(sync.notices);
        sync.n_notices = 0;
        m->nm_sent = sync;
        sync = (EngineNmSync) {};
}

/*
 * The MMS settings published for provboot-mmsd-sync ([Export] Mmsd=; issue 10 point 5): read from
 * the store after every applied push, at start-up and after a reload; MmsSettingsChanged is
 * broadcast when they differ from what was published before. Like the exporters, a failure never
 * changes a verdict: what was published stays until the next refresh succeeds.
 */
static void refresh_mms_settings(Manager *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;
        ExportMmsSettings s = {};
        IpcMmsSettings v;
        char root[LOG_ESCAPE_SIZE(128)];
        int r;

        r = export_dbus_mms_settings(m->engine, m->config, &s);
        if (r < 0) {
                log_warning_errno(r, "Failed to read the MMS settings, keeping what is published: %m");
                return;
        }
        /* The publication rules (ipc/mms-settings.h) on top of the exporter's value rules: every
         * local user may read what is published, so e.g. an MMSC URL with userinfo is refused.
         * The plan's choice stands: when the strongest w4 is refused, nothing is published; a
         * weaker w4 is never taken in its place (a weaker push must not win by a bad sibling). */
        v = (IpcMmsSettings) { .have = s.have, .mmsc = s.mmsc, .apn = s.apn, .proxy = s.proxy, .push_id = s.push_id };
        if (!ipc_mms_settings_valid(&v)) {
                log_warning("MMS settings of '%s' break the publication rules (ipc/mms-settings.h): nothing is "
                            "published for mmsd-tng", log_escape(s.root, root, sizeof root));
                export_mms_settings_done(&s);
        }
        if (export_mms_settings_equal(&s, &m->mms)) {
                export_mms_settings_done(&s);
                return;
        }
        export_mms_settings_done(&m->mms);
        m->mms = s;
        if (m->mms.have)
                log_info("MMS settings of push %" PRIu64 " published for provboot-mmsd-sync", m->mms.push_id);
        else
                log_info("No MMS settings published for provboot-mmsd-sync");
        if (!m->bus)
                return;
        r = sd_bus_message_new_signal(m->bus, &sig, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                                      IPC_S_MMS_SETTINGS_CHANGED);
        if (r >= 0)
                r = append_mms_settings(m, sig);
        if (r >= 0)
                r = sd_bus_send(m->bus, sig, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to signal the new MMS settings: %m");
}

static int method_get_mms_settings(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        /* No check_caller: open to every local user by design (invariants at the top; the bus
         * policy's default context allows exactly this member). */
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = append_mms_settings(m, reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/*
 * The exporters that talk D-Bus (oFono contexts; [Export] OfonoContexts=) and the MMS settings
 * published for mmsd-tng (Mmsd=). They run after the durable commit and render what the store
 * holds: a failure never changes a verdict, and the next apply or start-up retries.
 */
static void start_ofono_export(Manager *m);

static void on_ofono_exported(int r, const ExportDbusStats *st, void *userdata) {
        Manager *m = userdata;
        char buf[384];

        m->ofono_result = r;
        if (r < 0 || st->busy > 0 || st->invalid > 0)
                log_full_errno(r == -ENXIO || r == -EHOSTUNREACH ? LOG_INFO : r < 0 ? LOG_WARNING : LOG_NOTICE, r,
                               "D-Bus exports (%s; store unchanged, retried on the next apply): %s",
                               r < 0 ? strerror(-r) : "ok", export_dbus_stats_format(st, buf, sizeof buf));
        else
                log_info("D-Bus exports (ok): %s", export_dbus_stats_format(st, buf, sizeof buf));
        if (m->ofono_stale) {
                m->ofono_stale = false;
                start_ofono_export(m); /* the pushes applied meanwhile, all in one run */
        }
}

/* The oFono contexts ([Export] OfonoContexts=): a run on the worker (export-worker.h), never in
 * this event loop, so a slow or hung oFono delays no verdict. One run at a time: a push applied
 * while one is out marks it stale and one more run follows (coalesced). */
static void start_ofono_export(Manager *m) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan p = {};
        int r;

        if (!m->config->export_ofono_contexts || !m->ofono)
                return;
        if (export_worker_busy(m->ofono)) {
                m->ofono_stale = true;
                return;
        }
        r = export_dbus_plan(m->engine, &p);
        if (r >= 0)
                r = export_worker_start(m->ofono, &p);
        if (r < 0) {
                m->ofono_result = r;
                log_warning_errno(r, "D-Bus exports not started (store unchanged, retried on the next apply): %m");
        }
}

/* provctl status: the oFono exporter's state, as truthful as its last reply. */
static const char *ofono_status_text(Manager *m) {
        if (!m->config->export_ofono_contexts)
                return "off";
        if (export_worker_busy(m->ofono))
                return "pending: an export run is out, no answer yet";
        if (m->ofono_result == 1)
                return "not run yet";
        if (m->ofono_result == -ENXIO || m->ofono_result == -EHOSTUNREACH)
                return "not running: exported when the next push is applied or verifierd starts";
        return m->ofono_result < 0 ? "the last export failed (retried on the next apply)" : "exported";
}

/*
 * The exporters that talk D-Bus (oFono contexts; [Export] OfonoContexts=) and the MMS settings
 * published for mmsd-tng (Mmsd=). They run after the durable commit and render what the store
 * holds: a failure never changes a verdict, and the next apply or start-up retries. Neither waits
 * in this event loop: NetworkManager's load is an asynchronous call, oFono's run a worker's.
 */
static void run_dbus_exports(Manager *m) {
        run_nm_sync(m);
        start_ofono_export(m);
        refresh_mms_settings(m);
}

static void emit_verdict(Manager *m, const EngineResult *res) {
        (void) sd_bus_emit_signal(m->bus, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE, IPC_S_VERDICT,
                                  IPC_SIG_VERDICT_SIGNAL, res->id, verdict_to_string(res->verdict),
                                  reason_to_string(res->reason), res->roles);
        if (res->verdict == VERDICT_APPLIED)
                run_dbus_exports(m);
}

/* Every verdict, however it was reached (a method, the agent, the expiry sweep), is journalled
 * and signalled through here (issue 10, point 9). */
static void report_verdict(Manager *m, const EngineResult *res, int sec, const char *transport) {
        log_verdict(res, sec, transport);
        emit_verdict(m, res);
}

/* engine.h EngineVerdictFn: expiry, wherever the engine swept it. */
static void on_engine_verdict(const EngineResult *res, void *userdata) {
        Manager *m = userdata;

        report_verdict(m, res, push_sec(m, res->id), "expiry");
}

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

static int errno_to_bus_error(int r, sd_bus_error *error) {
        switch (r) {
        case -ESRCH:
                return sd_bus_error_set(error, IPC_ERROR_NO_SUCH_PUSH, "No such pending push");
        case -EBUSY:
                return sd_bus_error_set(error, IPC_ERROR_WRONG_STATE, "The push is not waiting for this");
        case -ENOKEY:
                return sd_bus_error_set(error, IPC_ERROR_UNAVAILABLE, "The SIM's IMSI is not known");
        case -EKEYREJECTED:
                return sd_bus_error_set(error, IPC_ERROR_AUTH_FAILED, IPC_AUTH_FAILED_MESSAGE);
        default:
                return sd_bus_error_set_errno(error, r);
        }
}

/* ---- summaries ---------------------------------------------------------------------------- */

/* Append one stored summary line: stored lines are clean already, but the store is only as
 * trusted as the disk, so anything else is escaped rather than sent as it is. */
static int append_line(sd_bus_message *m, const char *label, const char *line, size_t n) {
        _cleanup_free_ char *copy = strndup(line, n), *esc = NULL, *both = NULL;

        if (!copy)
                return -ENOMEM;
        if (!display_text_clean(copy, n)) {
                esc = malloc(DISPLAY_ESCAPE_SIZE(n));
                if (!esc)
                        return -ENOMEM;
                display_escape(copy, esc, DISPLAY_ESCAPE_SIZE(n));
        }
        if (asprintf(&both, "%s%s", label, esc ?: copy) < 0) {
                both = NULL; /* undefined after a failure */
                return -ENOMEM;
        }
        return sd_bus_message_append(m, "s", both);
}

/*
 * The "as" summary of a pending push, as ListPending and the agent show it (findings 3, 11):
 *   - waiting for a PIN: the bytes are not authenticated and verifierd did not decode them;
 *     provd's lines, each labelled "(unverified)" (or one line saying there are none);
 *   - waiting for confirmation: verifierd's own lines of the document it authenticated and
 *     decoded (an unsigned one the policy accepted is labelled "(unsigned)").
 * Either way the last line says "+N more not shown" when elements did not fit
 * (common/summary.h), so a prompt never hides content silently.
 */
static int append_summary(sd_bus_message *m, const StorePending *p) {
        bool pin = p->state == PENDING_NEEDS_PIN;
        const char *text = pin ? p->unverified_summary : p->summary;
        const char *label = pin ? UNVERIFIED_LABEL : !p->authenticated ? "(unsigned) " : "";
        int r;

        r = sd_bus_message_open_container(m, 'a', "s");
        if (r < 0)
                return r;
        if (!text || !*text)
                r = sd_bus_message_append(m, "s", pin ? UNVERIFIED_LABEL "no description: the content is shown once "
                                                        "the PIN authenticates the push"
                                                      : "(no description)");
        for (const char *l = text; r >= 0 && l && *l;) {
                size_t n = strcspn(l, "\n");

                r = append_line(m, label, l, n);
                l += n + (l[n] ? 1 : 0);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static void agent_offer_next(Manager *m);
/* ProvidePin's back-off (below), which the agent's answers go through as well */
static PinBackoff *pin_backoff_find(Manager *m, uid_t uid, bool create);
static uint64_t pin_backoff_failed(Manager *m, uid_t uid);
static uint64_t now_monotonic(Manager *m);

/* ---- agent -------------------------------------------------------------------------------- */

/*
 * One agent at a time (RegisterAgent), asked about one pending push at a time, oldest first, and
 * about each push once per registration (issue 10, point 9):
 *   - at RegisterAgent it is offered every push that is pending then, one after the other (an
 *     agent that starts after a push arrived still sees it);
 *   - a push that becomes pending is offered as soon as the agent is free;
 *   - after a wrong PIN the push is offered again, once the agent's uid may try again: the
 *     agent's answers go through the same per-uid back-off as ProvidePin, so registering as the
 *     agent is no way around it; the attempts per body digest are counted by the engine anyway;
 *   - an agent that answers with an error, or not within AGENT_TIMEOUT_USEC, leaves the push
 *     pending and is not asked about it again by this registration (provctl pending, pin,
 *     confirm, or registering again, which offers every pending push afresh).
 * Answers of a registration that has gone (unregistered, disconnected, replaced) are ignored.
 */
typedef struct AgentCall {
        Manager *m;
        uint64_t id;
        uint64_t generation;    /* the registration it was sent to */
        bool pin;
} AgentCall;

static bool agent_asked(Manager *m, uint64_t id) {
        for (size_t i = 0; i < m->n_agent_asked; i++)
                if (m->agent_asked[i] == id)
                        return true;
        return false;
}

static void agent_unask(Manager *m, uint64_t id) {
        for (size_t i = 0; i < m->n_agent_asked; i++)
                if (m->agent_asked[i] == id) {
                        m->agent_asked[i] = m->agent_asked[--m->n_agent_asked];
                        return;
                }
}

static int agent_mark_asked(Manager *m, uint64_t id) {
        uint64_t *n;

        if (agent_asked(m, id))
                return 0;
        n = reallocarray(m->agent_asked, m->n_agent_asked + 1, sizeof(uint64_t));
        if (!n)
                return -ENOMEM;
        m->agent_asked = n;
        m->agent_asked[m->n_agent_asked++] = id;
        return 0;
}

/* A new registration, or none: nothing asked, answers still out are ignored. */
static void agent_reset(Manager *m) {
        m->agent_generation++;
        m->agent_busy = false;
        m->agent_asked = mfree(m->agent_asked);
        m->n_agent_asked = 0;
        if (m->agent_retry)
                (void) sd_event_source_set_enabled(m->agent_retry, SD_EVENT_OFF);
}

static void agent_forget(Manager *m) {
        m->agent_owner = mfree(m->agent_owner);
        m->agent_path = mfree(m->agent_path);
        agent_reset(m);
}

/* The refusal window of @uid after wrong PINs, or 0 when it may try now. */
static uint64_t pin_backoff_until(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, false);

        return b && now_monotonic(m) < b->until_usec ? b->until_usec : 0;
}

static void pin_backoff_clear(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, false);

        if (b) {
                b->failures = 0;
                b->until_usec = b->window_usec = 0;
        }
}

/* The agent's answer to RequestPin / RequestConfirmation, applied as the user's. */
static void agent_answer(Manager *m, const AgentCall *ac, sd_bus_message *reply) {
        EngineResult res = {};
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_info("push %" PRIu64 ": agent did not answer (%s); it stays pending", ac->id,
                         sd_bus_message_get_error(reply)->name);
                return;
        }
        if (ac->pin) {
                _cleanup_(secret_freep) Secret *s = NULL;
                const char *pin;

                r = sd_bus_message_read(reply, "s", &pin);
                if (r < 0 || strlen(pin) == 0 || strlen(pin) > IPC_PIN_MAX) {
                        log_info("push %" PRIu64 ": agent gave no PIN; it stays pending", ac->id);
                        return;
                }
                r = secret_new_from_string(pin, &s);
                if (r < 0)
                        return;
                r = engine_provide_pin(m->engine, ac->id, s, &res);
                if (r >= 0 && res.pin_rejected) {
                        uint64_t delay = pin_backoff_failed(m, m->agent_uid);

                        if (res.verdict == VERDICT_PENDING) {
                                /* asked again once the back-off allows (agent_offer_next) */
                                log_info("push %" PRIu64 ": wrong PIN from the agent, %u attempt(s) left; asked "
                                         "again in %" PRIu64 " s", res.id, res.attempts_left,
                                         (uint64_t) (delay / 1000000U));
                                agent_unask(m, ac->id);
                                engine_result_done(&res);
                                return;
                        }
                } else if (r >= 0 && res.verdict != VERDICT_EXPIRED && res.reason != REASON_PIN_ATTEMPTS_EXCEEDED)
                        pin_backoff_clear(m, m->agent_uid);
        } else {
                int ok;

                r = sd_bus_message_read(reply, "b", &ok);
                if (r < 0)
                        return;
                if (!ok) {
                        r = engine_discard(m->engine, ac->id);
                        if (r >= 0)
                                res = (EngineResult) { .id = ac->id, .verdict = VERDICT_REJECTED,
                                                       .reason = REASON_DISCARDED };
                } else
                        r = engine_confirm(m->engine, ac->id, &res);
        }
        if (r < 0) {
                log_warning_errno(r, "push %" PRIu64 ": agent answer not applied: %m", ac->id);
                return;
        }
        report_verdict(m, &res, push_sec(m, res.id), "agent");
        engine_result_done(&res);
}

static int agent_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AgentCall *ac = userdata; /* freed with the slot (agent_call_free) */
        Manager *m = ac->m;

        if (ac->generation != m->agent_generation)
                return 0; /* an agent that has gone or re-registered: not the user's answer now */
        m->agent_busy = false;
        agent_answer(m, ac, reply);
        agent_offer_next(m);
        return 0;
}

static void agent_call_free(void *userdata) {
        free(userdata);
}

/* RequestPin / RequestConfirmation arguments (t id, s sender, as summary) from the stored push. */
static int append_agent_args(const StorePending *p, void *userdata) {
        sd_bus_message *call = userdata;
        int r;

        r = sd_bus_message_append(call, "ts", p->id, p->sender ? p->sender : "");
        if (r < 0)
                return r;
        return append_summary(call, p);
}

static int ask_agent(Manager *m, uint64_t id, bool pin) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ AgentCall *ac = NULL;
        int r;

        ac = calloc(1, sizeof(*ac));
        if (!ac)
                return -ENOMEM;
        *ac = (AgentCall) { .m = m, .id = id, .pin = pin, .generation = m->agent_generation };
        r = sd_bus_message_new_method_call(m->bus, &call, m->agent_owner, m->agent_path, IPC_AGENT_INTERFACE,
                                           pin ? IPC_M_AGENT_REQUEST_PIN : IPC_M_AGENT_REQUEST_CONFIRMATION);
        /* What the prompt shows comes from the store, as ListPending shows it. */
        if (r >= 0)
                r = engine_get_pending(m->engine, id, append_agent_args, call);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &slot, call, agent_reply, ac, AGENT_TIMEOUT_USEC);
        if (r < 0)
                return r;
        /* the slot owns the call's state from here; it lives until the reply (or the bus) goes */
        TAKE_PTR(ac);
        (void) sd_bus_slot_set_destroy_callback(slot, agent_call_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        return 0;
}

typedef struct PendingRef {
        uint64_t id;
        bool pin;
} PendingRef;

typedef struct PendingRefs {
        PendingRef *items;
        size_t n;
} PendingRefs;

static int collect_pending_ref(const StorePending *p, void *userdata) {
        PendingRefs *l = userdata;
        PendingRef *n = reallocarray(l->items, l->n + 1, sizeof(PendingRef));

        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = (PendingRef) { .id = p->id, .pin = p->state == PENDING_NEEDS_PIN };
        return 0;
}

static int on_agent_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        agent_offer_next(userdata);
        return 0;
}

/* Ask the agent about the oldest pending push it was not asked about yet (see above). */
static void agent_offer_next(Manager *m) {
        _cleanup_free_ PendingRef *items = NULL;
        PendingRefs l = {};
        uint64_t retry = 0, until = 0;
        size_t k = 0;
        int r;

        if (!m->agent_owner || m->agent_busy)
                return;
        r = engine_foreach_pending(m->engine, collect_pending_ref, &l);
        items = l.items;
        if (r < 0) {
                log_warning_errno(r, "Failed to list the pending pushes for the agent: %m");
                return;
        }
        /* forget what is no longer pending: the list stays as small as the pending queue */
        for (size_t i = 0; i < m->n_agent_asked; i++) {
                bool still = false;

                for (size_t j = 0; j < l.n && !still; j++)
                        still = l.items[j].id == m->agent_asked[i];
                if (still)
                        m->agent_asked[k++] = m->agent_asked[i];
        }
        m->n_agent_asked = k;
        for (size_t j = 0; j < l.n; j++) {
                const PendingRef *p = &l.items[j];

                if (agent_asked(m, p->id))
                        continue;
                if (p->pin && (until = pin_backoff_until(m, m->agent_uid)) > 0) {
                        retry = retry ? MIN(retry, until) : until;
                        continue;
                }
                if (agent_mark_asked(m, p->id) < 0)
                        return;
                r = ask_agent(m, p->id, p->pin);
                if (r >= 0) {
                        m->agent_busy = true;
                        return;
                }
                log_warning_errno(r, "Failed to ask the agent about push %" PRIu64 ": %m", p->id);
        }
        if (retry == 0)
                return;
        if (!m->agent_retry)
                r = sd_event_add_time(m->event, &m->agent_retry, CLOCK_MONOTONIC, retry, 0, on_agent_retry, m);
        else
                r = sd_event_source_set_time(m->agent_retry, retry);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->agent_retry, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule the agent's next PIN request: %m");
}

/* ---- methods ------------------------------------------------------------------------------ */

static WspContentKind content_kind_from_type(const char *t) {
        if (strcasecmp(t, "application/vnd.wap.connectivity-wbxml") == 0)
                return WSP_CONTENT_CP_WBXML;
        if (strcasecmp(t, "text/vnd.wap.connectivity-xml") == 0)
                return WSP_CONTENT_CP_XML;
        if (strcasecmp(t, "application/pkcs7-mime") == 0)
                return WSP_CONTENT_PKCS7;
        return WSP_CONTENT_OTHER;
}

/* provd's summary lines, '\n'-separated (validated by ipc_submit_with_summary_read). */
static char *join_summary(const IpcSubmit *s) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (s->n_summary == 0)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (unsigned i = 0; i < s->n_summary && i < IPC_SUMMARY_LINES_MAX; i++)
                fprintf(f, "%s%s", i ? "\n" : "", s->summary[i]);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* Submit and SubmitWithSummary: the same push; the second also carries provd's description. */
static int method_submit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *summary = NULL;
        bool with_summary = streq_ptr(sd_bus_message_get_member(msg), IPC_M_SUBMIT_WITH_SUMMARY);
        EngineResult res = {};
        IpcSubmit s;
        int r;

        r = check_caller(m, msg, CALLER_PROVD, error);
        if (r < 0)
                return r;
        r = with_summary ? ipc_submit_with_summary_read(msg, &s) : ipc_submit_read(msg, &s);
        if (r < 0) {
                /* provd's own code never sends this: a sign of a compromised provd (R3.5). */
                m->protocol_violations++;
                sd_journal_send("MESSAGE=provd protocol violation: invalid Submit arguments", "MESSAGE_ID="
                                MESSAGE_ID_PROTOCOL_VIOLATION, "PRIORITY=%i", LOG_WARNING, NULL);
                log_warning("provd protocol violation: invalid Submit arguments (%" PRIu64 " so far)",
                            m->protocol_violations);
                return sd_bus_error_set(error, IPC_ERROR_INVALID_ARGS, "Invalid Submit arguments");
        }
        EngineSubmission sub = {
                .body = s.body,
                .body_len = s.body_size,
                .content_kind = content_kind_from_type(s.content_type),
                .content_type = s.content_type,
                .sec = (WspSec) s.sec,
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
                return sd_bus_error_set(error, IPC_ERROR_INVALID_ARGS, "Not an OMA CP content type");
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
                return log_error_errno(r, "Failed to process push: %m"), sd_bus_error_set_errno(error, r);
        r = reply_verdict(msg, &res, true);
        report_verdict(m, &res, sub.content_kind == WSP_CONTENT_PKCS7 ? (int) POLICY_SEC_SIGNED : s.sec, s.transport);
        if (res.verdict == VERDICT_PENDING)
                agent_offer_next(m); /* once the agent is free; the same bytes again are not asked twice */
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

/* ---- ProvidePin back-off ------------------------------------------------------------------ */

static uint64_t now_monotonic(Manager *m) {
        uint64_t t = 0;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

/* The caller's effective uid from the bus (as check_caller takes it). Return: 0 or -EACCES. */
static int caller_uid(sd_bus_message *msg, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;

        if (sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds) < 0 ||
            (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID) || sd_bus_creds_get_euid(creds, ret) < 0)
                return -EACCES;
        return 0;
}

static PinBackoff *pin_backoff_find(Manager *m, uid_t uid, bool create) {
        PinBackoff *oldest = NULL;

        for (size_t i = 0; i < m->n_pin_backoff; i++)
                if (m->pin_backoff[i].uid == uid)
                        return &m->pin_backoff[i];
        if (!create)
                return NULL;
        if (m->n_pin_backoff < PIN_BACKOFF_CALLERS_MAX)
                oldest = &m->pin_backoff[m->n_pin_backoff++];
        else
                for (size_t i = 0; i < m->n_pin_backoff; i++)
                        if (!oldest || m->pin_backoff[i].last_usec < oldest->last_usec)
                                oldest = &m->pin_backoff[i];
        *oldest = (PinBackoff) { .uid = uid };
        return oldest;
}

/* A wrong PIN from @uid: open (or double) its refusal window. Return: the window, µs. */
static uint64_t pin_backoff_failed(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, true);
        uint64_t now = now_monotonic(m), delay = 0;

        b->failures++;
        if (b->failures > PIN_BACKOFF_FREE_FAILURES) {
                delay = PIN_BACKOFF_FIRST_USEC;
                for (unsigned i = PIN_BACKOFF_FREE_FAILURES + 1; i < b->failures && delay < PIN_BACKOFF_MAX_USEC; i++)
                        delay *= 2;
                delay = MIN(delay, PIN_BACKOFF_MAX_USEC);
        }
        b->until_usec = now + delay;
        b->window_usec = delay;
        b->last_usec = now;
        return delay;
}

static int method_provide_pin(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(secret_freep) Secret *pin = NULL;
        EngineResult res = {};
        PinBackoff *b;
        uid_t uid;
        IpcPin p;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = caller_uid(msg, &uid);
        if (r < 0)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Cannot determine caller");
        /* Finding 10: a caller that just gave a wrong PIN waits before it may try again, on any
         * push; refused calls use no attempt and reach no PIN check. */
        b = pin_backoff_find(m, uid, false);
        if (b && now_monotonic(m) < b->until_usec)
                return sd_bus_error_setf(error, IPC_ERROR_LIMIT,
                                         "%u wrong PINs in a row from this user: wait %" PRIu64 " s (%" PRIu64
                                         " s left)", b->failures, (uint64_t) (b->window_usec / 1000000U),
                                         (uint64_t) ((b->until_usec - now_monotonic(m) + 999999U) / 1000000U));
        r = ipc_pin_read(msg, &p);
        if (r < 0) { /* same answer as a wrong PIN: no oracle on the PIN's shape */
                (void) pin_backoff_failed(m, uid);
                return sd_bus_error_set(error, IPC_ERROR_AUTH_FAILED, IPC_AUTH_FAILED_MESSAGE);
        }
        r = secret_new_from_string(p.pin, &pin);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        r = engine_provide_pin(m->engine, p.id, pin, &res);
        if (r < 0)
                return errno_to_bus_error(r, error);
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
                return sd_bus_error_set(error, IPC_ERROR_AUTH_FAILED, IPC_AUTH_FAILED_MESSAGE);
        }
        if (res.verdict != VERDICT_EXPIRED && res.reason != REASON_PIN_ATTEMPTS_EXCEEDED)
                pin_backoff_clear(m, uid); /* the PIN authenticated the push: this caller starts afresh */
        r = reply_verdict(msg, &res, false);
        report_verdict(m, &res, push_sec(m, res.id), "pin");
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_confirm(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        EngineResult res = {};
        uint64_t id;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = engine_confirm(m->engine, id, &res);
        if (r < 0)
                return errno_to_bus_error(r, error);
        r = reply_verdict(msg, &res, false);
        report_verdict(m, &res, push_sec(m, res.id), "confirm");
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_discard(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t id;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = engine_discard(m->engine, id);
        if (r < 0)
                return errno_to_bus_error(r, error);
        EngineResult res = { .id = id, .verdict = VERDICT_REJECTED, .reason = REASON_DISCARDED };
        r = sd_bus_reply_method_return(msg, "");
        report_verdict(m, &res, push_sec(m, id), "discard");
        return r;
}

static int append_pending(const StorePending *p, void *userdata) {
        sd_bus_message *reply = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'r', "tsssttas");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "tssstt", p->id, p->sender ? p->sender : "",
                                  policy_sec_to_string(p->sec),
                                  p->state == PENDING_NEEDS_PIN ? reason_to_string(REASON_NEEDS_PIN) :
                                                                  reason_to_string(REASON_NEEDS_CONFIRMATION),
                                  p->received_usec, p->expires_usec);
        if (r < 0)
                return r;
        r = append_summary(reply, p);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        return r < 0 ? r : 0;
}

/* Fill a reply "a<element>" with the rows a query callback appends. */
typedef int (*FillFn)(Manager *m, sd_bus_message *reply, unsigned arg);

static int reply_list(sd_bus_message *msg, Manager *m, const char *element, FillFn fill, unsigned arg,
                      sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', element);
        if (r < 0)
                return r;
        r = fill(m, reply, arg);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int fill_pending(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_pending(m->engine, append_pending, reply);
}

static int method_list_pending(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        (void) engine_expire(m->engine, 0);
        return reply_list(msg, m, "(tsssttas)", fill_pending, 0, error);
}

static int append_push(const StorePush *p, void *userdata) {
        sd_bus_message *reply = userdata;
        int r;

        r = sd_bus_message_append(reply, "(ttsssssuss)", p->id, p->received_usec, p->sender ? p->sender : "",
                                     p->transport ? p->transport : "",
                                     policy_sec_to_string(p->sec),
                                     verdict_to_string(p->verdict), reason_to_string(p->reason), p->roles,
                                     p->denied ? p->denied : "", p->digest ? p->digest : "");
        return r < 0 ? r : 0; /* 0: go on iterating */
}

static int fill_history(Manager *m, sd_bus_message *reply, unsigned max) {
        return engine_foreach_push(m->engine, 0, max, append_push, reply);
}

static int method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t max;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "u", &max);
        if (r < 0)
                return r;
        if (max == 0 || max > IPC_HISTORY_MAX)
                max = IPC_HISTORY_MAX;
        (void) engine_expire(m->engine, 0);
        return reply_list(msg, m, "(ttsssssuss)", fill_history, max, error);
}

static int method_get_push(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        uint64_t id;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = engine_get_push(m->engine, id, append_push, reply);
        if (r == -ESRCH) /* engine_get_push returns 0 when it found the push */
                return sd_bus_error_set(error, IPC_ERROR_NO_SUCH_PUSH, "No such push");
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        return sd_bus_send(NULL, reply, NULL);
}

/* Values of these parms are passwords: never shown (they are settings, not our secrets, but a
 * member of group provboot has no need to read them). */
static bool parm_is_password(const char *name) {
        return name && (strstr(name, "SECRET") || strstr(name, "-PW") || strstr(name, "PASSWORD") ||
                        strcmp(name, "AAUTHDATA") == 0);
}

static int append_setting(const StoreSetting *s, void *userdata) {
        sd_bus_message *reply = userdata;

        int r;

        if (!s->parm)
                return 0;
        r = sd_bus_message_append(reply, "(sssut)", s->chpath ? s->chpath : "", s->parm,
                                  parm_is_password(s->parm) ? "(hidden)" : (s->value ? s->value : ""), s->roles,
                                  s->push_id);
        return r < 0 ? r : 0;
}

static int append_account(const StoreAccount *a, void *userdata) {
        sd_bus_message *reply = userdata;

        int r;

        r = sd_bus_message_append(reply, "(sssut)", a->server_id ? a->server_id : "", a->name ? a->name : "",
                                  a->addr ? a->addr : "", a->roles, a->push_id);
        return r < 0 ? r : 0;
}

static int fill_settings(Manager *m, sd_bus_message *reply, unsigned accounts) {
        if (accounts)
                return engine_foreach_account(m->engine, append_account, reply);
        return engine_foreach_setting(m->engine, NULL, append_setting, reply);
}

static int method_list_settings(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        return reply_list(msg, m, "(sssut)", fill_settings,
                          streq_ptr(sd_bus_message_get_member(msg), IPC_M_LIST_ACCOUNTS), error);
}

static int append_kv(sd_bus_message *reply, const char *k, const char *v) {
        return sd_bus_message_append(reply, "(ss)", k, v);
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
                if (asprintf(&detail, "%s%s%s", st->file ?: "", st->file && st->detail ? "; " : "", st->detail ?: "") < 0)
                        return -ENOMEM;
        }
        r = sd_bus_message_append(x->reply, IPC_SIG_EXPORTS_ITEM, st->root, "NetworkManager", st->state,
                                  detail ?: "");
        return r < 0 ? r : 0;
}

static int fill_exports(Manager *m, sd_bus_message *reply, unsigned arg) {
        ExportsFill x = { .reply = reply, .nm_running = export_nm_running(m->bus) };
        int r;

        r = engine_foreach_export(m->engine, append_export, &x);
        return r < 0 ? r : 0;
}

static int method_list_exports(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        return reply_list(msg, m, IPC_SIG_EXPORTS_ITEM, fill_exports, 0, error);
}

static int method_get_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        static const char *const sec_keys[_WSP_SEC_MAX] = { "Policy.AcceptNetworkPin", "Policy.AcceptUserPin",
                                                            "Policy.AcceptUserNetworkPin", "Policy.AcceptUserPinMac" };
        static const char *const role_keys[_WSP_SEC_MAX] = { "Roles.NetworkPin", "Roles.UserPin",
                                                             "Roles.UserNetworkPin", "Roles.UserPinMac" };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        /* the values in force: the files with the over-the-air layer on top (ota-policy.h) */
        const Config *c = engine_get_config(m->engine);
        char buf[64];
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ss)");
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
        KV("Bootstrap.Enabled", c->bootstrap_enabled ? "yes" : "no");
        KV("Bootstrap.ConfirmNetworkPin", c->confirm_network_pin ? "yes" : "no");
        KV("NetworkPin.Source", network_pin_source_to_string(c->network_pin_source));
        KV("Export.NetworkManagerDir", c->nm_dir);
        KV("Export.OfonoContexts", c->export_ofono_contexts ? "yes" : "no");
        KV("Export.Mmsd", c->export_mmsd ? "yes" : "no");
        KVU("Policy.GrantManager", c->grant_manager);
        KVU("Policy.GrantUserAuthenticated", c->grant_user_auth);
        KV("Policy.AcceptUnauthenticated", c->accept_unauthenticated ? "yes" : "no");
        for (int i = 0; i < _WSP_SEC_MAX; i++)
                KV(sec_keys[i], c->accept_sec[i] ? "yes" : "no");
        KVU("Policy.PinAttempts", c->pin_attempts);
        KVU("Policy.MaxPendingPushes", c->pending_max);
        KVU("Policy.PendingExpirySec", c->pending_expiry_sec);
        KVU("Policy.MaxUnverifiedPending", c->unverified_pending_max);
        KVU("Policy.MaxUnverifiedPendingPerSender", c->unverified_pending_per_sender);
        KVU("Policy.UnverifiedPendingExpirySec", c->unverified_pending_expiry_sec);
        KVU("Roles.Unauthenticated", c->roles_unauthenticated);
        for (int i = 0; i < _WSP_SEC_MAX; i++)
                KVU(role_keys[i], c->roles_sec[i]);
        KV("Status.NetworkManager", nm_status_text(m));
        KV("Status.Ofono", ofono_status_text(m));
        KVU("Status.PendingPushes", store_count_pending(engine_get_store(m->engine)));
        KVU("Status.ProtocolViolations", m->protocol_violations);
        KVU("Status.DocumentsDecoded", engine_decoded_count(m->engine));
        KV("Status.Agent", m->agent_owner ? m->agent_owner : "none");
#undef KVU
#undef KV
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* GetPolicySources: the keys GetPolicy lists (without Status.*), each with where its value comes
 * from (issue 12; ota_policy_source). Keep this list and method_get_policy's in step. */
static int method_get_policy_sources(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        static const char *const keys[] = {
                "Bootstrap.Enabled", "Bootstrap.ConfirmNetworkPin", "NetworkPin.Source", "Export.NetworkManagerDir",
                "Export.OfonoContexts", "Export.Mmsd", "Policy.GrantManager", "Policy.GrantUserAuthenticated",
                "Policy.AcceptUnauthenticated", "Policy.AcceptNetworkPin", "Policy.AcceptUserPin",
                "Policy.AcceptUserNetworkPin", "Policy.AcceptUserPinMac", "Policy.PinAttempts",
                "Policy.MaxPendingPushes", "Policy.PendingExpirySec", "Policy.MaxUnverifiedPending",
                "Policy.MaxUnverifiedPendingPerSender", "Policy.UnverifiedPendingExpirySec", "Roles.Unauthenticated",
                "Roles.NetworkPin", "Roles.UserPin", "Roles.UserNetworkPin", "Roles.UserPinMac",
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssbt)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                uint64_t push = 0;
                bool locked = false;
                OtaSource src = engine_policy_source(m->engine, keys[i], &push, &locked);

                r = sd_bus_message_append(reply, "(ssbt)", keys[i], ota_source_to_string(src), locked, push);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ResetPolicy (provctl reset-policy): root only, checked here again from the bus credentials
 * after the bus policy; it reopens what a bootstrap closed, so the group may not. */
static int method_reset_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_ROOT, error);
        if (r < 0)
                return r;
        r = engine_reset_policy(m->engine);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "Cannot reset the over-the-air policy: %s", strerror(-r));
        log_notice("over-the-air policy layer dropped by root (%d value(s)): the configuration files decide", r);
        return sd_bus_reply_method_return(msg, "u", (uint32_t) r);
}

static int append_certificate(const EngineCert *c, void *userdata) {
        sd_bus_message *reply = userdata;
        char expiry[CERTSTORE_TIME_MAX];
        int r;

        r = sd_bus_message_append(reply, "(ssssust)", c->thumbprint, c->subject ? c->subject : "", c->store,
                                  c->source, c->roles, certstore_format_time(c->not_after_usec, expiry, sizeof expiry),
                                  c->push_id);
        return r < 0 ? r : 0;
}

static int fill_certificates(Manager *m, sd_bus_message *reply, unsigned arg) {
        return engine_foreach_certificate(m->engine, append_certificate, reply);
}

static int method_list_certificates(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        return reply_list(msg, m, "(ssssust)", fill_certificates, 0, error);
}

/* One GetPendingDocument row: escaped to one printable line per field and bounded
 * (IPC_DOCUMENT_VALUE_MAX); a password's values are never shown, only whether it changes. */
static int append_change(const EngineChange *c, void *userdata) {
        sd_bus_message *reply = userdata;
        char group[IPC_DOCUMENT_VALUE_MAX + 1], path[IPC_DOCUMENT_VALUE_MAX + 1], name[IPC_DOCUMENT_VALUE_MAX + 1],
                value[IPC_DOCUMENT_VALUE_MAX + 1], old[IPC_DOCUMENT_VALUE_MAX + 1];
        bool hide = c->rank != ENGINE_GROUP_CERTIFICATES && parm_is_password(c->name);
        int r;

        display_escape(c->group, group, sizeof group);
        display_escape(c->chpath, path, sizeof path);
        display_escape(c->name, name, sizeof name);
        display_escape(!c->value ? "" : hide ? "(hidden)" : c->value, value, sizeof value);
        display_escape(!c->old_value ? "" : hide ? "(hidden)" : c->old_value, old, sizeof old);
        r = sd_bus_message_append(reply, "(ssssss)", group, path, name, engine_change_kind_to_string(c->kind), value,
                                  old);
        return r < 0 ? r : 0;
}

/* GetPendingDocument(t id): what a pending push would change (issue 10, point 10). The engine
 * decodes only a push it authenticated, after authenticating it again (engine.h); a push that
 * waits for its PIN gets WrongState: the user sees provd's words about it, labelled unverified. */
static int method_get_pending_document(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        uint64_t id;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        if (r < 0)
                return r;
        r = engine_pending_document(m->engine, id, append_change, reply);
        switch (r) {
        case -EBUSY:
                return sd_bus_error_set(error, IPC_ERROR_WRONG_STATE,
                                        "The push waits for its PIN: its content is not authenticated and was not "
                                        "decoded; its (unverified) summary is in ListPending");
        case -EPERM:
                return sd_bus_error_set(error, IPC_ERROR_WRONG_STATE, "Unsigned pushes are no longer accepted");
        case -EBADMSG:
                return sd_bus_error_set(error, IPC_ERROR_MALFORMED, "The document cannot be read");
        default:
                if (r < 0)
                        return errno_to_bus_error(r, error);
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Install(ay package): a signed package from root or group provboot (provctl install). The
 * caller is trusted with nothing but handing over bytes: the package earns exactly the roles of
 * the SPC certificate its signature chains to, as if it had come over the air. */
static int method_install(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        EngineResult res = {};
        const void *data = NULL;
        size_t size = 0;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'y', &data, &size);
        if (r < 0)
                return sd_bus_error_set(error, IPC_ERROR_INVALID_ARGS, "Expected the package bytes");
        if (size == 0)
                return sd_bus_error_set(error, IPC_ERROR_INVALID_ARGS, "Empty package");
        /* S12: the size cap before anything parses the bytes */
        if (size > IPC_PACKAGE_MAX)
                return sd_bus_error_setf(error, IPC_ERROR_TOO_BIG, "Package larger than %u bytes", IPC_PACKAGE_MAX);
        r = engine_install(m->engine, data, size, "install", &res);
        if (r < 0)
                return log_error_errno(r, "Failed to process package: %m"), sd_bus_error_set_errno(error, r);
        r = reply_verdict(msg, &res, true);
        report_verdict(m, &res, (int) POLICY_SEC_SIGNED, "install");
        if (res.verdict == VERDICT_PENDING)
                agent_offer_next(m);
        engine_result_done(&res);
        return r < 0 ? r : 1;
}

static int method_register_agent(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path;
        uid_t uid;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        if (m->agent_owner && !streq_ptr(m->agent_owner, sd_bus_message_get_sender(msg)))
                return sd_bus_error_set(error, IPC_ERROR_AGENT_EXISTS, "Another agent is registered");
        r = caller_uid(msg, &uid);
        if (r < 0)
                return sd_bus_error_set(error, IPC_ERROR_ACCESS_DENIED, "Cannot determine caller");
        agent_forget(m);
        m->agent_owner = strdup(sd_bus_message_get_sender(msg));
        m->agent_path = strdup(path);
        if (!m->agent_owner || !m->agent_path) {
                agent_forget(m);
                return -ENOMEM;
        }
        m->agent_uid = uid;
        log_info("Agent registered by %s (uid %u)", m->agent_owner, (unsigned) uid);
        /* Answer first, then offer it every push pending now, also those that arrived before it
         * registered (point 9): the agent's own RegisterAgent call has returned when it is asked. */
        r = sd_bus_reply_method_return(msg, "");
        agent_offer_next(m);
        return r;
}

static int method_unregister_agent(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path;
        int r;

        r = check_caller(m, msg, CALLER_USER, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        if (!m->agent_owner || !streq_ptr(m->agent_owner, sd_bus_message_get_sender(msg)) ||
            !streq_ptr(m->agent_path, path))
                return sd_bus_error_set(error, IPC_ERROR_NO_SUCH_PUSH, "No such agent");
        agent_forget(m);
        return sd_bus_reply_method_return(msg, "");
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *old, *new;

        /* Trusted only as a broadcast of the bus driver (ipc/buswatch.h): anyone may address a
         * NameOwnerChanged to our connection, and it unregistered the agent (issue 9 finding 1). */
        if (!bus_message_is_from_driver(msg))
                return 0;
        if (sd_bus_message_read(msg, "sss", &name, &old, &new) < 0)
                return 0;
        if (m->agent_owner && streq_ptr(name, m->agent_owner) && (!new || !*new)) {
                log_info("Agent %s disappeared", m->agent_owner);
                agent_forget(m);
        }
        return 0;
}

static const sd_bus_vtable verifier_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_SUBMIT, IPC_SIG_SUBMIT_IN,
                                 SD_BUS_PARAM(body) SD_BUS_PARAM(content_type) SD_BUS_PARAM(sec) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(sender) SD_BUS_PARAM(transport) SD_BUS_PARAM(received_usec),
                                 IPC_SIG_SUBMIT_OUT,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_submit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_SUBMIT_WITH_SUMMARY, IPC_SIG_SUBMIT_WITH_SUMMARY_IN,
                                 SD_BUS_PARAM(body) SD_BUS_PARAM(content_type) SD_BUS_PARAM(sec) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(sender) SD_BUS_PARAM(transport) SD_BUS_PARAM(received_usec)
                                 SD_BUS_PARAM(summary_lines) SD_BUS_PARAM(modem),
                                 IPC_SIG_SUBMIT_OUT,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_submit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_PENDING, "", , IPC_SIG_LIST_PENDING_OUT, SD_BUS_PARAM(pending),
                                 method_list_pending, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_PROVIDE_PIN, IPC_SIG_PROVIDE_PIN_IN, SD_BUS_PARAM(id) SD_BUS_PARAM(pin),
                                 IPC_SIG_VERDICT_OUT, SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_provide_pin, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_CONFIRM, "t", SD_BUS_PARAM(id), IPC_SIG_VERDICT_OUT,
                                 SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles), method_confirm,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_DISCARD, "t", SD_BUS_PARAM(id), "", , method_discard,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_REGISTER_AGENT, "o", SD_BUS_PARAM(path), "", , method_register_agent,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_UNREGISTER_AGENT, "o", SD_BUS_PARAM(path), "", , method_unregister_agent,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_HISTORY, "u", SD_BUS_PARAM(max), IPC_SIG_HISTORY_OUT,
                                 SD_BUS_PARAM(history), method_get_history, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_PUSH, "t", SD_BUS_PARAM(id), IPC_SIG_PUSH_OUT, SD_BUS_PARAM(push),
                                 method_get_push, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_SETTINGS, "", , IPC_SIG_SETTINGS_OUT, SD_BUS_PARAM(settings),
                                 method_list_settings, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_ACCOUNTS, "", , IPC_SIG_ACCOUNTS_OUT, SD_BUS_PARAM(accounts),
                                 method_list_settings, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_POLICY, "", , IPC_SIG_POLICY_OUT, SD_BUS_PARAM(policy),
                                 method_get_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_INSTALL, "ay", SD_BUS_PARAM(package), IPC_SIG_SUBMIT_OUT,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_install, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_EXPORTS, "", , IPC_SIG_EXPORTS_OUT, SD_BUS_PARAM(exports),
                                 method_list_exports, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_LIST_CERTIFICATES, "", , IPC_SIG_CERTIFICATES_OUT,
                                 SD_BUS_PARAM(certificates), method_list_certificates, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_MMS_SETTINGS, "", , IPC_SIG_MMS_SETTINGS, SD_BUS_PARAM(settings),
                                 method_get_mms_settings, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_PENDING_DOCUMENT, "t", SD_BUS_PARAM(id), IPC_SIG_PENDING_DOCUMENT_OUT,
                                 SD_BUS_PARAM(changes), method_get_pending_document, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_GET_POLICY_SOURCES, "", , IPC_SIG_POLICY_SOURCES_OUT, SD_BUS_PARAM(sources),
                                 method_get_policy_sources, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_RESET_POLICY, "", , IPC_SIG_RESET_POLICY_OUT, SD_BUS_PARAM(dropped),
                                 method_reset_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES(IPC_S_VERDICT, IPC_SIG_VERDICT_SIGNAL,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles), 0),
        SD_BUS_SIGNAL_WITH_NAMES(IPC_S_MMS_SETTINGS_CHANGED, IPC_SIG_MMS_SETTINGS, SD_BUS_PARAM(settings), 0),
        SD_BUS_VTABLE_END
};

/* ---- timers and signals -------------------------------------------------------------------- */

static int on_expiry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        r = engine_expire(m->engine, 0);
        if (r > 0)
                log_info("%d pending push(es) expired", r);
        return sd_event_source_set_time(s, usec + EXPIRY_INTERVAL_USEC);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX + 32];
        int r;

        r = config_reload(&m->config, m->config_dir, &err);
        if (r < 0) {
                log_error_errno(r, "Reload refused, keeping the last good configuration: %s",
                                r == -EINVAL ? config_error_format(&err, buf, sizeof buf) : "read error");
                return 0;
        }
        engine_set_config(m->engine, m->config, NULL);
        log_info("Configuration reloaded");
        /* A push re-renders only the keyfiles of the roots it changed; a reload re-renders them
         * all from the store, and removes leftovers (the administrator's "resync"). */
        r = engine_rebuild_exports(m->engine, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to rebuild the exports (will retry on the next apply): %m");
        run_nm_sync(m);
        refresh_mms_settings(m); /* [Export] Mmsd= may have changed */
        return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

static void help(void) {
        printf("verifierd [OPTIONS...]\n\n"
               "provboot's privileged verifier of OMA Client Provisioning pushes (org.provboot.Verifier1).\n\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --config-dir=DIR  Read DIR/verifierd.conf, DIR/verifierd.conf.d/, DIR/metabase.d/ and\n"
               "                       DIR/certs.d/ instead of /usr/lib/provboot, /run/provboot, /etc/provboot\n"
               "     --state-dir=DIR   Keep the store in DIR (default $STATE_DIRECTORY or %s)\n\n"
               "See verifierd(8).\n",
               DEFAULT_STATE_DIR);
}

static int parse_argv(int argc, char **argv, Manager *m) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_DIR, ARG_STATE_DIR };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("verifierd %s\n", PROVBOOT_VERSION);
                        return 0;
                case ARG_CONFIG_DIR:
                        m->config_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        free(m->state_dir);
                        m->state_dir = strdup(optarg);
                        if (!m->state_dir)
                                return log_oom();
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("This program takes no positional arguments.");
                return -EINVAL;
        }
        return 1;
}

static void lookup_identities(Manager *m) {
        struct passwd *pw = getpwnam(PROVD_USER);
        struct group *gr = getgrnam(PROVBOOT_GROUP);

        if (pw) {
                m->provd_uid = pw->pw_uid;
                m->have_provd_uid = true;
        } else
                log_warning("No user '%s': nobody may submit pushes", PROVD_USER);
        if (gr) {
                m->provboot_gid = gr->gr_gid;
                m->have_provboot_gid = true;
        }
}

int main(int argc, char **argv) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX + 32];
        sigset_t mask;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return log_oom(), EXIT_FAILURE;
        r = parse_argv(argc, argv, m);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Secrets live here: no core dumps, no ptrace by same-uid processes. */
        r = secret_harden_process();
        if (r < 0)
                log_warning_errno(r, "Failed to harden the process: %m");

        if (!m->state_dir) {
                const char *sd = getenv("STATE_DIRECTORY");

                m->state_dir = strdup(sd && *sd ? sd : DEFAULT_STATE_DIR);
                if (!m->state_dir)
                        return log_oom(), EXIT_FAILURE;
        }
        r = config_load(m->config_dir, &m->config, &err);
        if (r < 0) {
                log_error_errno(r, "Failed to load the configuration: %s",
                                r == -EINVAL ? config_error_format(&err, buf, sizeof buf) : "read error");
                return EXIT_FAILURE;
        }
        lookup_identities(m);

        EngineOptions eo = { .state_dir = m->state_dir, .config = m->config };
        r = engine_new(&m->engine, &eo);
        if (r < 0)
                return log_error_errno(r, "Failed to open the store in '%s': %m", m->state_dir), EXIT_FAILURE;
        r = engine_rebuild_exports(m->engine, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to rebuild the exports (will retry on the next apply): %m");

        r = ipc_errors_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register error names: %m"), EXIT_FAILURE;
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), EXIT_FAILURE;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);

        /* The bus: $DBUS_STARTER_ADDRESS when bus-activated by a plain dbus-daemon, else the
         * system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured by sd-bus). */
        if (getenv("DBUS_STARTER_ADDRESS") && !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, getenv("DBUS_STARTER_ADDRESS"));
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, 1);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m"), EXIT_FAILURE;
        r = sd_bus_add_object_vtable(m->bus, NULL, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE, verifier_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object: %m"), EXIT_FAILURE;
        r = sd_bus_match_signal_async(m->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch bus names: %m"), EXIT_FAILURE;
        /* expiry, wherever the engine sweeps it, is journalled and signalled (point 9) */
        engine_set_verdict_hook(m->engine, on_engine_verdict, m);
        r = imsi_source_start(m->bus, m->engine, m->config->network_pin_source, &m->imsi);
        if (r < 0)
                log_warning_errno(r, "Failed to watch the network PIN source: %m");
        m->ofono_result = 1;
        r = export_worker_new(m->event,
                              getenv("DBUS_STARTER_ADDRESS") && !getenv("DBUS_SYSTEM_BUS_ADDRESS")
                                      ? getenv("DBUS_STARTER_ADDRESS")
                                      : NULL,
                              on_ofono_exported, m, &m->ofono);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the oFono exporter: %m"), EXIT_FAILURE;
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus: %m"), EXIT_FAILURE;
        r = sd_bus_request_name(m->bus, IPC_VERIFIER_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to own %s: %m", IPC_VERIFIER_BUS_NAME), EXIT_FAILURE;
        {
                uint64_t now;

                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(m->event, NULL, CLOCK_MONOTONIC, now + EXPIRY_INTERVAL_USEC, 0,
                                      on_expiry_timer, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the expiry timer: %m"), EXIT_FAILURE;
        }
        log_info("verifierd %s ready: OTA bootstrap %s, network PIN from %s, state in '%s'", PROVBOOT_VERSION,
                 engine_get_config(m->engine)->bootstrap_enabled ? "enabled" : "disabled",
                 network_pin_source_to_string(m->config->network_pin_source), m->state_dir);
        (void) sd_notify(0, "READY=1\nSTATUS=Ready");
        run_dbus_exports(m);

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_FAILURE;
        (void) sd_notify(0, "STOPPING=1");
        return EXIT_SUCCESS;
}
