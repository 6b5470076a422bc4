/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager.h: verifierd's bus service, split by job (issue 11 point 4):
 *   main.c        start-up: options, configuration, store, event loop, signals, timers;
 *   bus-object.c  org.provboot.Verifier1: one vtable per audience, the caller check declared
 *                 once per method and run by one dispatcher, the method handlers;
 *   agent.c       the registered Agent1 client (RequestPin / RequestConfirmation);
 *   pin-backoff.c ProvidePin's per-uid back-off, which the agent's answers go through too;
 *   report.c      every verdict's journal entry and VerdictReached signal, the exports that
 *                 run after an apply and the MMS settings published for provboot-mmsd-sync;
 *   imsi.c        the network PIN source.
 * The engine (engine.h) holds every decision; these files only carry it to and from the bus.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "buswatch.h"
#include "config.h"
#include "dm-runner.h"
#include "engine.h"
#include "export-dbus.h"
#include "export-nm-worker.h"
#include "export-worker.h"
#include "imsi.h"
#include "ipc.h"

#define PROVD_USER "provd"
#define PROVBOOT_GROUP "provboot"

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

typedef struct PinBackoff {
        uid_t uid;
        unsigned failures;              /* wrong PINs in a row */
        uint64_t until_usec;            /* CLOCK_MONOTONIC: refused before this */
        uint64_t window_usec;           /* the length of that window */
        uint64_t last_usec;             /* last failure, for forgetting the oldest entry */
} PinBackoff;

/* Who may call a method (bus-object.c's method table); one vtable per audience. */
typedef enum Audience {
        AUDIENCE_PROVD,                 /* provd's uid only */
        AUDIENCE_USER,                  /* root or group provboot, never provd's uid */
        AUDIENCE_ROOT,                  /* root only */
        AUDIENCE_ANYONE,                /* every local user (the bus policy's default context) */
        _AUDIENCE_MAX,
} Audience;

typedef struct Manager Manager;

/* A vtable's userdata: sd-bus needs a distinct one per vtable of the same interface. */
typedef struct BusAudience {
        Manager *manager;
        Audience audience;
} BusAudience;

struct Manager {
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
        BusAudience audiences[_AUDIENCE_MAX];
        char *agent_owner;              /* unique name of the registered agent's connection */
        BusWatch *agent_watch;          /* until that connection leaves the bus (ipc/buswatch.h) */
        char *agent_path;
        uid_t agent_uid;                /* its uid (bus credentials), for the PIN back-off */
        uint64_t agent_generation;      /* +1 at every registration and unregistration */
        bool agent_busy;                /* a request to this registration is out */
        uint64_t *agent_asked;          /* pushes offered to this registration */
        size_t n_agent_asked;
        sd_event_source *agent_retry;   /* offers a PIN push again after the agent's back-off */
        uint64_t protocol_violations;
        ImsiSource *imsi;               /* the network PIN source (imsi.c); NULL for Source=static */
        PinBackoff pin_backoff[PIN_BACKOFF_CALLERS_MAX];
        size_t n_pin_backoff;
        ExportMmsSettings mms;          /* what GetMmsSettings answers ([Export] Mmsd=) */
        sd_bus_slot *nm_load;           /* the LoadConnections call out (at most one; report.c) */
        EngineNmSync nm_sent;           /* the paths of that call */
        ExportWorker *ofono;            /* the oFono exporter's runs (export-worker.h) */
        ExportNmWorker *nm_api_worker;  /* the settings API's runs (export-nm-worker.h) */
        bool ofono_stale;               /* a push was applied while a run was out: run again */
        int ofono_result;               /* the last run's: 0, negative errno; 1 none yet */
        DmRunner *dm;                   /* the DM session's thread (dm-runner.h; engine-lock.h) */
};

/* bus-object.c */
int bus_object_register(Manager *m);
/* The summary lines of a pending push as ListPending and the agent show them (see there). */
typedef struct PendingSummary {
        char *lines[IPC_SUMMARY_LINES_MAX];
        IpcSummaryLines view;           /* borrows lines[] */
} PendingSummary;
int pending_summary(const StorePending *p, PendingSummary *ret);
void pending_summary_done(PendingSummary *s);

/* agent.c */
void agent_offer_next(Manager *m);
int agent_register(Manager *m, const char *owner, const char *path, uid_t uid);
int agent_unregister(Manager *m, const char *owner, const char *path);
void agent_forget(Manager *m);

/* pin-backoff.c */
uint64_t now_monotonic(Manager *m);
PinBackoff *pin_backoff_find(Manager *m, uid_t uid, bool create);
uint64_t pin_backoff_failed(Manager *m, uid_t uid);
uint64_t pin_backoff_until(Manager *m, uid_t uid);
void pin_backoff_clear(Manager *m, uid_t uid);

/* report.c */
void report_verdict(Manager *m, const EngineResult *res, AuthMethod sec, const char *transport);
void on_engine_verdict(const EngineResult *res, void *userdata);
void on_dm_session_end(void *userdata);
AuthMethod push_sec(Manager *m, uint64_t id);
void run_dbus_exports(Manager *m);
void refresh_mms_settings(Manager *m);
/* NetworkManager's load of the changed keyfiles, asynchronous (one call out, the rest queued). */
void run_nm_sync(Manager *m);
/* The oFono exporter's state for provctl status (Status.Ofono). */
const char *ofono_status_text(Manager *m);
/* The oFono exporter's worker, bound to m->event; at start-up. */
int ofono_export_setup(Manager *m);
int append_mms_settings(Manager *m, sd_bus_message *msg);
