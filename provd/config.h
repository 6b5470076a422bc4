/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: provd's configuration (provd.conf), read with the same file-tree rules as
 * verifierd's (systemd precedence):
 *
 *   roots, lowest priority first: /usr/lib/provboot, /run/provboot, /etc/provboot
 *   main file: <root>/provd.conf from the highest-priority root that has one (it masks the
 *     lower roots' file as a whole);
 *   drop-ins: <root>/provd.conf.d/<name>.conf from all roots; for one <name> only the
 *     highest-priority root's file counts (/etc masks /run masks /usr/lib); an empty drop-in or
 *     a symlink to /dev/null masks without setting anything; survivors are applied in strcmp()
 *     order of <name> after the main file; a later assignment wins.
 *   --config-dir=DIR: DIR is the only root.
 *
 * Syntax: a small INI parser written here (provd links no library beyond libsystemd and
 * libxml2): '#' or ';' start a comment line, "[Section]", "Key=Value" with blanks around key and
 * value trimmed, lines up to CONFIG_LINE_MAX. An empty value resets the key to its default. An
 * unknown section or key, or a bad value, is an error naming the file and line: provd does not
 * start on a configuration it does not understand.
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

#include "ipc.h"

#define CONFIG_SYSTEM_ROOT_USRLIB "/usr/lib/provboot"
#define CONFIG_SYSTEM_ROOT_RUN "/run/provboot"
#define CONFIG_SYSTEM_ROOT_ETC "/etc/provboot"
#define CONFIG_MAIN_FILE "provd.conf"
#define CONFIG_DROPIN_DIR "provd.conf.d"
#define CONFIG_LINE_MAX 1024U
#define CONFIG_DROPINS_MAX 256U

/* Defaults (named so the man page, the tests and the code agree). */
#define PROVD_MAX_PENDING_SUBMITS_DEFAULT 8U
#define PROVD_MAX_PENDING_SUBMITS_MAX 256U
#define PROVD_MAX_QUEUED_SUBMITS_DEFAULT 32U
#define PROVD_MAX_QUEUED_SUBMITS_MAX 4096U
#define PROVD_RATE_PER_MINUTE_DEFAULT 10U
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

void config_defaults(ProvdConfig *c);

/*
 * config_load - defaults, then the files (see above) from config_dir, or from the system roots
 * when config_dir is NULL. Errors are logged with file and line.
 * Return: 0; -EINVAL (syntax, unknown key, bad value); negative errno from reading a file.
 */
int config_load(ProvdConfig *c, const char *config_dir);

/* The effective bucket size. */
static inline unsigned config_rate_burst(const ProvdConfig *c) {
        return c->rate_burst ? c->rate_burst : c->rate_per_minute;
}
