/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: provd's configuration (provd.conf and provd.conf.d/NAME.conf below /usr/lib/provboot,
 * /run/provboot and /etc/provboot, or --config-dir=DIR alone). The file tree, the syntax, the
 * boolean and integer rules and the errors are the ones common/conf.h describes for both daemons;
 * this file keeps provd's struct and config.c its key table (every key's section, name, type,
 * range, default and one line of documentation: provd(8) "CONFIGURATION" lists the same).
 *
 * Keys:
 *   [Limits] MaxReassemblies=1..1024            concurrent partial SMS messages, all senders (16)
 *            MaxReassembliesPerSender=1..1024   of one sender (4)
 *            MaxPendingSubmits=1..256           Submit calls in flight to verifierd (8)
 *            MaxQueuedSubmits=0..4096           decoded pushes waiting for a free slot (32)
 *            RatePerSenderPerMinute=1..100000   pushes per minute per sender address (10)
 *            RateBurst=1..100000                bucket size (default: RatePerSenderPerMinute)
 *            RateLimitInject=yes|no             apply the rate limit to Inject too (no)
 *            MaxInputSize=64..262144            bytes of one push from oFono/ModemManager (69632)
 *   [Intake] Ofono=yes|no                       be oFono's push agent (yes)
 *            OfonoNextAgent=BUSNAME OBJECTPATH  the org.ofono.PushNotificationAgent that gets every
 *                                               push provd does not handle (none): oFono has one
 *                                               agent per modem, so whoever holds it must hand
 *                                               MMS notifications on (issue 10 point 6, provd(8))
 *            ModemManager=yes|no                watch ModemManager for WAP push SMS (yes)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "ipc.h"

#define PROVD_CONFIG_MAIN_FILE "provd.conf"
#define PROVD_CONFIG_DROPIN_DIR "provd.conf.d"

/* Defaults (named so the man page, the tests and the code agree). */
#define PROVD_MAX_PENDING_SUBMITS_DEFAULT 8U
#define PROVD_MAX_PENDING_SUBMITS_MAX 256U
#define PROVD_MAX_QUEUED_SUBMITS_DEFAULT 32U
#define PROVD_MAX_QUEUED_SUBMITS_MAX 4096U
#define PROVD_RATE_PER_MINUTE_DEFAULT 10U
#define PROVD_RATE_MAX 100000U                 /* RatePerSenderPerMinute=, RateBurst= */
#define PROVD_REASSEMBLIES_MAX 1024U
/* Largest push from oFono or ModemManager: the largest body verifierd takes plus WSP headers. */
#define PROVD_INPUT_SIZE_DEFAULT (IPC_BODY_MAX + 4096U)
#define PROVD_INPUT_SIZE_MIN 64U
/* OfonoNextAgent=: a well-known bus name (the D-Bus specification allows 255 bytes) and an
 * object path (bounded like a modem path, IPC_MODEM_MAX). */
#define PROVD_BUS_NAME_MAX 255U
#define PROVD_AGENT_PATH_MAX IPC_MODEM_MAX

typedef struct ProvdConfig {
        unsigned max_reassemblies;
        unsigned max_reassemblies_per_sender;
        unsigned max_pending_submits;
        unsigned max_queued_submits;
        unsigned rate_per_minute;
        unsigned rate_burst;            /* 0: same as rate_per_minute */
        bool rate_limit_inject;
        size_t max_input_size;
        bool ofono;
        bool modemmanager;
        /* OfonoNextAgent=: both empty when not set */
        char ofono_next_name[PROVD_BUS_NAME_MAX + 1];
        char ofono_next_path[PROVD_AGENT_PATH_MAX + 1];
} ProvdConfig;

/* provd's keys (config.c). */
extern const ConfigTable provd_config_table;

/* provd_config_defaults() - every key's default. */
void provd_config_defaults(ProvdConfig *c);

/**
 * provd_config_load_roots() - defaults, then the files below @roots (lowest priority first).
 * @c: filled.
 * @roots: as config_parse_tree().
 * @n_roots: 1..CONFIG_ROOTS_MAX.
 * @err: names file and line on failure (may be NULL).
 *
 * Return: as config_parse_tree(): 0; -EINVAL (syntax, unknown key, bad value); -E2BIG; negative
 *   errno from reading a file.
 */
int provd_config_load_roots(ProvdConfig *c, const char *const *roots, size_t n_roots, ConfigError *err);

/* provd_config_load() - the same from @config_dir alone, or from the system roots when it is NULL. */
int provd_config_load(ProvdConfig *c, const char *config_dir, ConfigError *err);

/* The effective bucket size. */
static inline unsigned config_rate_burst(const ProvdConfig *c) {
        return c->rate_burst ? c->rate_burst : c->rate_per_minute;
}
