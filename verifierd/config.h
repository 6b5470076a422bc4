/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: verifierd's configuration (verifierd.conf and verifierd.conf.d/NAME.conf below
 * /usr/lib/provboot, /run/provboot and /etc/provboot, or --config-dir=DIR alone). The file tree,
 * the syntax, the boolean and integer rules and the errors are the ones common/conf.h describes
 * for both daemons; this file keeps verifierd's struct and config.c its key table (every key's
 * section, name, type, range, default and one line of documentation), which GetPolicy reads too
 * (config_dump()). The metabase.d/ and certs.d/ drop-ins use the same walker (policy.h,
 * certstore.h).
 * Beyond single keys, an inconsistent result (Imsi= without Source=static and vice versa) is an
 * error naming the file and line. Loading builds a new Config and hands it over only when
 * everything parsed: config_reload() keeps the old one on any error.
 *
 * Keys ("fixed" = docs/architecture.md §4 fixed interface; the rest are named here and documented in
 * packaging/config/verifierd.conf):
 *   [Bootstrap]  Enabled=yes|no|once (fixed, default no; once: open until the first applied
 *                  document holding a BOOTSTRAP, then closed; ota-policy.h)
 *                ConfirmNetworkPin=yes|no (fixed, default yes; policy 4132)
 *   [NetworkPin] Source=ofono|modemmanager|static (fixed, default ofono)
 *                Imsi=DIGITS (fixed; only with Source=static; 6..15 digits; held in a Secret)
 *   [Export]     NetworkManagerDir=ABSOLUTE-DIR (fixed, default /etc/NetworkManager/system-connections)
 *                OfonoContexts=yes|no (default no)   Mmsd=yes|no (default no)
 *   [Policy]     GrantManager=MASK (fixed; 4119; default 0)
 *                GrantUserAuthenticated=MASK (4120; default 0)
 *                AcceptUnauthenticated=yes|no (4110 analogue; default no)
 *                AcceptNetworkPin= AcceptUserPin= AcceptUserNetworkPin= AcceptUserPinMac=
 *                  yes|no (4107 / 4141..4143 analogues; default yes)
 *                PinAttempts=1..256 (4105; default 3; counted per body digest)
 *                Locked=NAME... (fixed; default none): space-separated keys the over-the-air
 *                  policy layer may not change (ota-policy.h: Enabled, ConfirmNetworkPin,
 *                  GrantManager, GrantUserAuthenticated, AcceptUnauthenticated, AcceptNetworkPin,
 *                  AcceptUserPin, AcceptUserNetworkPin, AcceptUserPinMac, PinAttempts, or the
 *                  same as "Section.Key"); an empty value unlocks all
 *                MaxPendingPushes=1..1024 (default 8): authenticated pushes waiting for the
 *                  user's confirmation (NETWPIN); unauthenticated ones never take these slots
 *                PendingExpirySec=60..2592000 (default 86400 = 24 h): for those
 *                MaxUnverifiedPending=1..1024 (default 8): pushes not authenticated yet
 *                  (waiting for a PIN, or unsigned waiting for consent), all senders
 *                MaxUnverifiedPendingPerSender=1..1024 (default 2): the same, per sender
 *                UnverifiedPendingExpirySec=60..2592000 (default 3600 = 1 h): their expiry
 *   [Roles]      roles each authentication outcome earns (docs/trust-boundary.md §1.3 default table):
 *                Unauthenticated=64  NetworkPin=4  UserPin=16  UserNetworkPin=20  UserPinMac=16
 *   [Store]      retention (store.h "Retention"; issue 9 finding 7):
 *                HistoryMax=10..100000000 (default 10000): newest history rows kept
 *                HistoryMaxAgeSec=0 or 60..3153600000 (default 7776000 = 90 days; 0: no age limit)
 *                ReplayDigestsMax=100..100000000 (default 100000): digests of superseded
 *                  documents kept for replay detection
 *                History rows of what is still in force are kept whatever these say.
 *   [DM]         TrustFile=ABSOLUTE-PATH (fixed; default empty: OpenSSL's system store): the PEM
 *                  bundle of the CAs trusted for DM servers' TLS certificates
 *                AllowLoopback=yes|no (fixed; default no): let the DM route dial and accept a
 *                  loopback, private or link-local peer (tests reach a server on 127.0.0.1)
 * The same roots' certs.d/<name>.conf drop-ins hold the administrator's certificates
 * (certstore.h); they load and reload together with this file.
 * MASK is a decimal role mask (e.g. 20) or role names separated by '|', '+', ',' or spaces
 * (e.g. "OPERATOR|USER_AUTH"); only the 12 defined role bits are accepted.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "secret.h"
#include "wsp.h"

#define VERIFIERD_CONFIG_MAIN_FILE "verifierd.conf"
#define VERIFIERD_CONFIG_DROPIN_DIR "verifierd.conf.d"

#define CONFIG_DEFAULT_NM_DIR "/etc/NetworkManager/system-connections"
#define CONFIG_DEFAULT_PIN_ATTEMPTS 3U
#define CONFIG_PIN_ATTEMPTS_MAX 256U
#define CONFIG_DM_TEXT_MAX 64U          /* [DM] DevId=, Manufacturer=, Model= bytes */
#define CONFIG_DEFAULT_PENDING_MAX 8U
#define CONFIG_PENDING_MAX_MAX 1024U
#define CONFIG_DEFAULT_PENDING_EXPIRY_SEC 86400U
#define CONFIG_PENDING_EXPIRY_SEC_MIN 60U
#define CONFIG_PENDING_EXPIRY_SEC_MAX 2592000U  /* 30 days */
#define CONFIG_DEFAULT_UNVERIFIED_PENDING_MAX 8U
#define CONFIG_DEFAULT_UNVERIFIED_PENDING_PER_SENDER 2U
#define CONFIG_DEFAULT_UNVERIFIED_PENDING_EXPIRY_SEC 3600U
#define CONFIG_DEFAULT_HISTORY_MAX 10000U
#define CONFIG_HISTORY_MAX_MIN 10U
#define CONFIG_HISTORY_MAX_MAX 100000000U
#define CONFIG_DEFAULT_HISTORY_MAX_AGE_SEC 7776000U     /* 90 days */
#define CONFIG_HISTORY_MAX_AGE_SEC_MIN 60U              /* or 0: no age limit */
#define CONFIG_HISTORY_MAX_AGE_SEC_MAX 3153600000U      /* 100 years */
#define CONFIG_DEFAULT_REPLAY_DIGESTS_MAX 100000U
#define CONFIG_REPLAY_DIGESTS_MAX_MIN 100U
#define CONFIG_REPLAY_DIGESTS_MAX_MAX 100000000U

typedef struct Metabase Metabase; /* policy.h */
typedef struct CertAdminList CertAdminList; /* certstore.h */

typedef enum NetworkPinSource {
        NETWORK_PIN_SOURCE_OFONO,
        NETWORK_PIN_SOURCE_MODEMMANAGER,
        NETWORK_PIN_SOURCE_STATIC,
        _NETWORK_PIN_SOURCE_MAX,
        _NETWORK_PIN_SOURCE_INVALID = -EINVAL,
} NetworkPinSource;

typedef struct Config {
        /* [Bootstrap] */
        bool bootstrap_enabled;                 /* Enabled= (true also for "once") */
        bool bootstrap_once;                    /* Enabled=once */
        bool confirm_network_pin;               /* ConfirmNetworkPin= */
        /* [NetworkPin] */
        NetworkPinSource network_pin_source;    /* Source= */
        Secret *imsi;                           /* Imsi= digits; NULL unless Source=static */
        /* [Export] */
        char *nm_dir;                           /* NetworkManagerDir= (never NULL) */
        bool nm_dir_explicit;                   /* NetworkManagerDir= set (to any value, the
                                                 * default's too): keyfiles there, never
                                                 * NetworkManager's settings API (export-nm-api.h) */
        bool export_ofono_contexts;             /* OfonoContexts= */
        bool export_mmsd;                       /* Mmsd= */
        /* [Policy] */
        uint32_t grant_manager;                 /* GrantManager= */
        uint32_t grant_user_auth;               /* GrantUserAuthenticated= */
        bool accept_unauthenticated;            /* AcceptUnauthenticated= */
        bool accept_sec[_AUTH_SEC_MAX];          /* AcceptNetworkPin= .. AcceptUserPinMac=, by AuthMethod */
        unsigned pin_attempts;                  /* PinAttempts= */
        unsigned pending_max;                   /* MaxPendingPushes= (authenticated pending) */
        uint64_t pending_expiry_sec;            /* PendingExpirySec= */
        unsigned unverified_pending_max;        /* MaxUnverifiedPending= */
        unsigned unverified_pending_per_sender; /* MaxUnverifiedPendingPerSender= */
        uint64_t unverified_pending_expiry_sec; /* UnverifiedPendingExpirySec= */
        uint32_t policy_locked;                 /* Locked=: bit k locks OtaKey k (ota-policy.h) */
        /* [Roles] */
        uint32_t roles_unauthenticated;         /* Unauthenticated= */
        uint32_t roles_sec[_AUTH_SEC_MAX];       /* NetworkPin= .. UserPinMac=, by AuthMethod */
        /* [Store] */
        uint64_t history_max;                   /* HistoryMax= */
        uint64_t history_max_age_sec;           /* HistoryMaxAgeSec= (0: no age limit) */
        uint64_t replay_digests_max;            /* ReplayDigestsMax= */
        /* [DM] (the DM route; dm-transport.h, dm-dial.h) */
        char *dm_trust_file;                    /* TrustFile=: PEM bundle, or NULL: the system store */
        bool dm_allow_loopback;                 /* AllowLoopback=: dial and accept local peers (tests) */
        /* [DM] the DM tree's ./DevInfo (dm-tree.h; OMA-TS-DM_StdObj-V1_2 §7.1.3.2); NULL: the
         * default (DevId derived from /etc/machine-id, Man/Mod "provboot"/"Linux") */
        char *dm_dev_id;                        /* DevId= */
        char *dm_man;                           /* Manufacturer= */
        char *dm_mod;                           /* Model= */
        /* The metabase, from the same roots' metabase.d/ (policy.h); never NULL. */
        Metabase *metabase;
        /* The administrator's certificates, from the same roots' certs.d/ (certstore.h); never
         * NULL after config_load (may be NULL in a config_new_default one). */
        CertAdminList *certs;
        /* The files applied, in order (main file first), for status output. */
        char **files;
        size_t n_files;
        /* The keys a file set to a value ("Section.Key"; a key reset with "Key=" is not here):
         * the source of each value in provctl policy (ota_policy_source). */
        char **file_keys;
        size_t n_file_keys;
} Config;

/**
 * config_new_default() - a Config holding every default and the built-in metabase.
 * @ret: the new Config.
 *
 * Return: 0 or -ENOMEM.
 */
int config_new_default(Config **ret);

/**
 * config_load() - load the configuration and the metabase.
 * @config_dir: the --config-dir value, or NULL for the three system roots.
 * @ret: the new Config, set only on success.
 * @err: filled on -EINVAL (may be NULL).
 *
 * Return: 0; -EINVAL a file has an error (see @err); -EIO/-EACCES/... reading a file or
 *   directory that exists (missing roots, files and directories are fine); -E2BIG a file over
 *   CONFIG_FILE_SIZE_MAX or more than CONFIG_FILES_MAX drop-ins; -ENOMEM.
 */
int config_load(const char *config_dir, Config **ret, ConfigError *err);

/**
 * config_load_roots() - config_load() with explicit roots (tests; --config-dir is n_roots = 1).
 * @roots: directories, lowest priority first (the system order is /usr/lib, /run, /etc).
 * @n_roots: 1..CONFIG_ROOTS_MAX.
 * @ret: the new Config, set only on success.
 * @err: filled on -EINVAL (may be NULL).
 *
 * Return: as config_load().
 */
int config_load_roots(const char *const *roots, size_t n_roots, Config **ret, ConfigError *err);

/**
 * config_reload() - load again and replace *@c only when the new configuration loaded fully.
 * @c: the current Config (kept unchanged on failure).
 * @config_dir: as config_load().
 * @err: as config_load().
 *
 * Return: as config_load().
 */
int config_reload(Config **c, const char *config_dir, ConfigError *err);

/**
 * config_reload_roots() - config_reload() with explicit roots (tests).
 * @c: the current Config (kept unchanged on failure).
 * @roots: as config_load_roots().
 * @n_roots: as config_load_roots().
 * @err: as config_load().
 *
 * Return: as config_load().
 */
int config_reload_roots(Config **c, const char *const *roots, size_t n_roots, ConfigError *err);

/* config_free() - free a Config (wipes the IMSI Secret). Return: NULL. */
Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

const char *network_pin_source_to_string(NetworkPinSource s);   /* "ofono", ... */
NetworkPinSource network_pin_source_from_string(const char *s); /* or -EINVAL */

/* verifierd's keys (config.c). */
extern const ConfigTable verifierd_config_table;

/**
 * config_dump() - the configuration as GetPolicy shows it: "Section.Key" and its value for every
 *   key of the table but the IMSI (a secret) and [Store] (not part of GetPolicy), in table order.
 * @c: the configuration.
 * @fn: called for each key; its first negative return stops the dump.
 * @userdata: passed to @fn.
 *
 * Return: 0 or @fn's negative return.
 */
int config_dump(const Config *c, ConfigDumpFn fn, void *userdata);
