/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * provd.h: provd's daemon state shared by its parts: main.c (start-up, event loop),
 * parser1.c (the org.provboot.Parser1 object: Inject and the counters), intake.c (quarantine,
 * decode watchdog, rate limit, decode, the bounded Submit queue to verifierd), ofono.c (oFono's
 * push agent) and mm.c (ModemManager's SMS objects).
 *
 * provd holds no secret: nothing in this process can compute or check a MAC. It links neither
 * libcrypto nor libsodium, forwards the body bytes exactly as received and leaves every
 * decision to verifierd (docs/architecture.md §2.1 "provd — the untrusted intake").
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "input.h"
#include "ipc.h"
#include "quarantine.h"
#include "ratelimit.h"
#include "sms.h"

#define PROVD_VERSION_STRING "0.1"

/*
 * A decode that runs longer than this much CPU time is a stall: the watchdog's SIGPROF (default
 * action: terminate) kills provd with the push's in-flight marker still set, so the push is
 * quarantined at the next start. Decoding the largest body takes well under 10 ms here.
 */
#define PROVD_DECODE_WATCHDOG_USEC (2ULL * 1000000ULL)
/* How long verifierd may take to answer one Submit before the push counts as dropped. */
#define PROVD_SUBMIT_TIMEOUT_USEC (30ULL * 1000000ULL)
/* Housekeeping period: expire partial SMS, forget idle rate buckets, report suppressed logs. */
#define PROVD_HOUSEKEEPING_USEC (30ULL * 1000000ULL)
/* Per-push log lines (rejections, drops) allowed per minute; the rest are counted and summarised. */
#define PROVD_PUSH_LOGS_PER_MINUTE 30U

typedef enum Transport {
        TRANSPORT_INJECT,
        TRANSPORT_OFONO,
        TRANSPORT_MODEMMANAGER,
        _TRANSPORT_MAX,
        _TRANSPORT_INVALID = -22,
} Transport;

const char *transport_to_string(Transport t);

typedef enum Counter {
        COUNTER_RECEIVED,
        COUNTER_MALFORMED,
        COUNTER_FORWARDED,
        COUNTER_DROPPED,
        COUNTER_QUARANTINED,
        _COUNTER_MAX,
} Counter;

typedef struct SubmitJob SubmitJob;
typedef struct Ofono Ofono;
typedef struct ModemManager ModemManager;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        ProvdConfig config;
        const char *runtime_dir; /* NULL: quarantine in memory only */

        SmsReassembler *reasm;
        RateLimiter *rate;
        Quarantine *quarantine;

        uint64_t counters[_COUNTER_MAX];
        unsigned counters_dirty; /* bit per Counter, emitted by emit_source */
        sd_event_source *emit_source;
        sd_event_source *housekeeping_source;

        TokenBucket log_bucket;
        unsigned logs_suppressed;

        /* Submit jobs: queued ones wait for a slot; in-flight ones have a pending call. */
        SubmitJob *queue_head, *queue_tail;
        unsigned n_queued;
        SubmitJob *inflight_head;
        unsigned n_inflight;

        sd_bus_slot *parser_slot;
        Ofono *ofono;
        ModemManager *mm;
} Manager;

/* main.c */
uint64_t now_monotonic_usec(void);
uint64_t now_realtime_usec(void);

/* parser1.c */
int parser1_register(Manager *m);
void manager_count(Manager *m, Counter c);
int reply_verdict(sd_bus_message *request, uint64_t id, const char *verdict, const char *reason, uint32_t roles);

/* intake.c */
/*
 * intake_push - one push, from any transport: size check, quarantine check, (for ModemManager)
 * the WSP sniff, rate limit, watchdog-guarded decode, then a Submit job. request is the Inject
 * call to answer (NULL for the modem stacks); sender is the address the modem stack reported
 * (NULL for Inject: the SMS originating address is used when the input was SMS); modem is the
 * object path of the modem that received it (NULL or "" when not known), passed to verifierd.
 * Return: 0 handled (also when rejected or dropped: counters and the reply say how);
 *   INTAKE_NOT_OURS (oFono and ModemManager only) not a provisioning push: nothing was counted
 *   or sent, and the push belongs to another consumer (ofono.c hands it on);
 *   negative errno only for internal failures (-ENOMEM), which the caller turns into an error.
 */
#define INTAKE_NOT_OURS 1
int intake_push(Manager *m, Transport t, const uint8_t *buf, size_t len, InputFormat format, const char *sender,
                const char *modem, sd_bus_message *request);
void intake_flush(Manager *m);
bool intake_log_allowed(Manager *m);
void intake_housekeeping(Manager *m);

/* ofono.c */
int ofono_start(Manager *m);
/* Send UnregisterAgent for every registered modem (at shutdown, while the bus is still open). */
void ofono_unregister(Manager *m);
void ofono_stop(Manager *m);

/* mm.c */
int mm_start(Manager *m);
void mm_stop(Manager *m);
void mm_housekeeping(Manager *m);
