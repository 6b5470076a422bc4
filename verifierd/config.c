/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: verifierd's key table over the common parser (common/conf.h), the keys' own
 * parsers (Source=, Imsi=, role masks), and the load: a load always fills a fresh Config; the
 * caller's current one is replaced only after everything parsed and cross-checked (reload keeps
 * the last good configuration). Library code: returns errors, never logs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "certstore.h"
#include "config.h"
#include "ota-policy.h"
#include "policy.h"

/* NULL-terminated: also the enum's values in the key table */
static const char *const network_pin_source_table[_NETWORK_PIN_SOURCE_MAX + 1] = {
        [NETWORK_PIN_SOURCE_OFONO] = "ofono",
        [NETWORK_PIN_SOURCE_MODEMMANAGER] = "modemmanager",
        [NETWORK_PIN_SOURCE_STATIC] = "static",
};

const char *network_pin_source_to_string(NetworkPinSource s) {
        return s >= 0 && s < _NETWORK_PIN_SOURCE_MAX ? network_pin_source_table[s] : NULL;
}

NetworkPinSource network_pin_source_from_string(const char *s) {
        for (int i = 0; s && i < _NETWORK_PIN_SOURCE_MAX; i++)
                if (strcmp(network_pin_source_table[i], s) == 0)
                        return (NetworkPinSource) i;
        return _NETWORK_PIN_SOURCE_INVALID;
}

/* ---- verifierd.conf ---------------------------------------------------------------------------- */

/* What the cross-checks need: where Source= and Imsi= were last set. */
typedef struct LoadState {
        char imsi_file[PATH_MAX];
        unsigned imsi_line;
        char source_file[PATH_MAX];
        unsigned source_line;
} LoadState;

/* NetworkPin.Source=: the enum, plus where it was set (for "Source=static needs Imsi="). */
static int parse_source(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                        void *userdata, char *msg) {
        LoadState *ls = userdata;
        NetworkPinSource s = value[0] ? network_pin_source_from_string(value) : (NetworkPinSource) k->def;
        char q[CONFIG_ESCAPE_SIZE];

        if (s < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Source= expects ofono, modemmanager or static, not '%s'",
                         config_escape(value, q, sizeof q));
                return -EINVAL;
        }
        *(int *) field = (int) s;
        if (ls && file) {
                snprintf(ls->source_file, sizeof ls->source_file, "%s", file);
                ls->source_line = line;
        }
        return 0;
}

/* [DM] DevId=, Manufacturer=, Model=: one line of printable ASCII (it goes into a DM message as
 * is), 1..CONFIG_DM_TEXT_MAX bytes; "" resets to the built-in default (NULL). */
static int parse_dm_text(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                         void *userdata, char *msg) {
        char **p = field, *d;

        if (!value[0]) {
                *p = mfree(*p);
                return 0;
        }
        if (strlen(value) > CONFIG_DM_TEXT_MAX) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "%s= holds at most %u characters", k->name,
                         CONFIG_DM_TEXT_MAX);
                return -EINVAL;
        }
        for (const char *c = value; *c; c++)
                if (*c < 0x20 || *c > 0x7E || *c == '<' || *c == '>' || *c == '&') {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "%s= expects printable ASCII without '<', '>' and '&'", k->name);
                        return -EINVAL;
                }
        d = strdup(value);
        if (!d) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "out of memory");
                return -ENOMEM;
        }
        free(*p);
        *p = d;
        return 0;
}

/* NetworkPin.Imsi=: held in a Secret; the value is never echoed into a message. */
static int parse_imsi(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                      void *userdata, char *msg) {
        LoadState *ls = userdata;
        Secret **imsi = field, *s = NULL;
        int r;

        if (!value[0]) {
                *imsi = secret_free(*imsi);
                if (ls)
                        ls->imsi_line = 0;
                return 0;
        }
        if (auth_imsi_check(value, strlen(value)) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Imsi= expects %u to %u decimal digits",
                         AUTH_IMSI_DIGITS_MIN, AUTH_IMSI_DIGITS_MAX);
                return -EINVAL;
        }
        r = secret_new_from_string(value, &s);
        if (r < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "out of memory");
                return r;
        }
        secret_free(*imsi);
        *imsi = s;
        if (ls && file) {
                snprintf(ls->imsi_file, sizeof ls->imsi_file, "%s", file);
                ls->imsi_line = line;
        }
        return 0;
}

/* Bootstrap.Enabled=yes|no|once: a boolean, or "once": open until the first applied BOOTSTRAP
 * (ota-policy.h), which sets bootstrap_once too. */
static int parse_enabled(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                         void *userdata, char *msg) {
        Config *c = (Config *) ((uint8_t *) field - offsetof(Config, bootstrap_enabled));
        char q[CONFIG_ESCAPE_SIZE];
        bool b;

        c->bootstrap_once = strcmp(value, "once") == 0;
        if (c->bootstrap_once) {
                c->bootstrap_enabled = true;
                return 0;
        }
        if (!value[0])
                return config_key_reset(k, field);
        if (config_parse_bool(value, &b) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Enabled= expects yes, no or once, not '%s'",
                         config_escape(value, q, sizeof q));
                return -EINVAL;
        }
        c->bootstrap_enabled = b;
        return 0;
}

/* Policy.Locked=: space-separated names of keys the over-the-air layer may not change
 * (ota-policy.h). Each name is checked against that fixed list; "" unlocks everything. */
static int parse_locked(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                        void *userdata, char *msg) {
        char q[CONFIG_ESCAPE_SIZE];
        uint32_t mask = 0;

        for (const char *p = value;;) {
                char name[64];
                size_t len;
                OtaKey o;

                p += strspn(p, " \t");
                if (!*p)
                        break;
                len = strcspn(p, " \t");
                if (len >= sizeof name) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Locked= names an unknown key '%s'",
                                 config_escape(p, q, sizeof q));
                        return -EINVAL;
                }
                memcpy(name, p, len);
                name[len] = '\0';
                o = ota_key_from_string(name);
                if (o < 0) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "Locked= names '%s', not a key the over-the-air policy can set",
                                 config_escape(name, q, sizeof q));
                        return -EINVAL;
                }
                mask |= 1U << o;
                p += len;
        }
        *(uint32_t *) field = mask;
        return 0;
}

/* A role mask (policy.h roles_parse()); its decimal form follows the one integer rule of
 * common/conf.h: no leading zeros. */
static int parse_roles(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                       void *userdata, char *msg) {
        char q[CONFIG_ESCAPE_SIZE];
        bool leading_zero = false;
        uint32_t v;

        if (!value[0])
                return config_key_reset(k, field);
        for (const char *p = value; *p;) {
                size_t len;

                p += strspn(p, "|+, \t");
                len = strcspn(p, "|+, \t");
                if (len > 1 && p[0] == '0')
                        leading_zero = true;
                p += len;
        }
        if (leading_zero || roles_parse(value, &v) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "%s= expects a role mask (decimal, or role names), not '%s'", k->name,
                         config_escape(value, q, sizeof q));
                return -EINVAL;
        }
        *(uint32_t *) field = v;
        return 0;
}

/* NetworkManagerDir=: the directory, checked and stored as every DIR key (a one-key table without
 * this parser), and whether it was set at all: set, the keyfiles go there whether NetworkManager
 * runs or not; unset, verifierd uses NetworkManager's settings API while it runs (issue 14,
 * export-nm-api.h). An empty value restores the default, unset. */
static int parse_nm_dir(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                        void *userdata, char *msg) {
        Config *c = (Config *) ((char *) field - offsetof(Config, nm_dir));
        ConfigKey plain = *k;
        ConfigTable one = { .keys = &plain, .n_keys = 1 };
        int r;

        plain.parse = NULL;
        r = config_table_assign(&one, c, file, line, k->section, k->name, value, userdata, msg);
        if (r >= 0)
                c->nm_dir_explicit = value[0] != 0;
        return r;
}

/* [DM] TrustFile=: an absolute path without a ".." component, or "" for the system store (NULL). The
 * file itself is read when a session opens TLS (dm_tls_open), so a bundle replaced on disk is
 * used by the next session. */
static int parse_trust_file(const ConfigKey *k, void *field, const char *value, const char *file,
                            unsigned line, void *userdata, char *msg) {
        char q[CONFIG_ESCAPE_SIZE];
        char **p = field;
        size_t n = strlen(value);
        char *d;

        if (!value[0]) {
                free(*p);
                *p = NULL;
                return 0;
        }
        if (value[0] != '/' || n >= PATH_MAX || strstr(value, "/../") ||
            (n >= 3 && strcmp(value + n - 3, "/..") == 0) || value[n - 1] == '/') {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "%s= expects an absolute file name without '..', not '%s'", k->name,
                         config_escape(value, q, sizeof q));
                return -EINVAL;
        }
        d = strdup(value);
        if (!d)
                return -ENOMEM;
        free(*p);
        *p = d;
        return 0;
}

/* The keys, in GetPolicy's order (config_dump()). The docs/architecture.md §4 fixed interface: Enabled,
 * ConfirmNetworkPin, Source, Imsi, NetworkManagerDir, GrantManager; the rest are verifierd's. */
#define C Config
#define ROLES(sec, key, field, dflt, text)                                                          \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_UINT, CONFIG_FIELD(C, field), .min = 0, \
          .max = ROLE_ALL, .def = (dflt), .parse = parse_roles, .doc = (text) }
static const ConfigKey verifierd_keys[] = {
        { .section = "Bootstrap", .name = "Enabled", .type = CONFIG_TYPE_BOOL, CONFIG_FIELD(C, bootstrap_enabled),
          .def = false, .parse = parse_enabled,
          .doc = "OTA bootstrap (yes, no, or once: until the first applied BOOTSTRAP); no until a drop-in says" },
        CONFIG_KEY_BOOL("Bootstrap", "ConfirmNetworkPin", C, confirm_network_pin, true,
                        "NETWPIN pushes wait for the user's confirmation (the IMSI is no secret)"),
        CONFIG_KEY_ENUM("NetworkPin", "Source", C, network_pin_source, network_pin_source_table,
                        NETWORK_PIN_SOURCE_OFONO, parse_source, "where the IMSI (network PIN) comes from"),
        CONFIG_KEY_CUSTOM("NetworkPin", "Imsi", C, imsi, parse_imsi, CONFIG_KEY_SECRET,
                          "the IMSI, 6..15 digits, only with Source=static"),
        { .section = "Export", .name = "NetworkManagerDir", .type = CONFIG_TYPE_DIR, CONFIG_FIELD(C, nm_dir),
          .def_str = CONFIG_DEFAULT_NM_DIR, .parse = parse_nm_dir,
          .doc = "where NetworkManager keyfiles are written (unset: NetworkManager's settings API while it runs)" },
        CONFIG_KEY_BOOL("Export", "OfonoContexts", C, export_ofono_contexts, false,
                        "apply NAPDEFs to oFono's connection contexts"),
        CONFIG_KEY_BOOL("Export", "Mmsd", C, export_mmsd, false,
                        "publish the MMS settings for provboot-mmsd-sync"),
        ROLES("Policy", "GrantManager", grant_manager, 0,
              "roles that earn Manager rights on top of the metabase"),
        ROLES("Policy", "GrantUserAuthenticated", grant_user_auth, 0,
              "roles that earn the user-authenticated rights on top of the metabase"),
        CONFIG_KEY_BOOL("Policy", "AcceptUnauthenticated", C, accept_unauthenticated, false,
                        "take pushes without a SEC parameter (user consent still needed)"),
        CONFIG_KEY_BOOL("Policy", "AcceptNetworkPin", C, accept_sec[AUTH_NETWPIN], true,
                        "take NETWPIN-authenticated pushes"),
        CONFIG_KEY_BOOL("Policy", "AcceptUserPin", C, accept_sec[AUTH_USERPIN], true,
                        "take USERPIN-authenticated pushes"),
        CONFIG_KEY_BOOL("Policy", "AcceptUserNetworkPin", C, accept_sec[AUTH_USERNETWPIN], true,
                        "take USERNETWPIN-authenticated pushes"),
        CONFIG_KEY_BOOL("Policy", "AcceptUserPinMac", C, accept_sec[AUTH_USERPINMAC], true,
                        "take USERPINMAC-authenticated pushes"),
        CONFIG_KEY_UINT("Policy", "PinAttempts", C, pin_attempts, 1, CONFIG_PIN_ATTEMPTS_MAX,
                        CONFIG_DEFAULT_PIN_ATTEMPTS, 0, "wrong PINs allowed per body digest"),
        CONFIG_KEY_CUSTOM("Policy", "Locked", C, policy_locked, parse_locked, 0,
                          "keys the over-the-air policy layer may not change (space-separated)"),
        CONFIG_KEY_UINT("Policy", "MaxPendingPushes", C, pending_max, 1, CONFIG_PENDING_MAX_MAX,
                        CONFIG_DEFAULT_PENDING_MAX, 0,
                        "authenticated pushes waiting for the user's confirmation"),
        CONFIG_KEY_UINT("Policy", "PendingExpirySec", C, pending_expiry_sec, CONFIG_PENDING_EXPIRY_SEC_MIN,
                        CONFIG_PENDING_EXPIRY_SEC_MAX, CONFIG_DEFAULT_PENDING_EXPIRY_SEC, 0,
                        "seconds before such a pending push expires"),
        CONFIG_KEY_UINT("Policy", "MaxUnverifiedPending", C, unverified_pending_max, 1,
                        CONFIG_PENDING_MAX_MAX, CONFIG_DEFAULT_UNVERIFIED_PENDING_MAX, 0,
                        "pushes not authenticated yet, all senders"),
        CONFIG_KEY_UINT("Policy", "MaxUnverifiedPendingPerSender", C, unverified_pending_per_sender, 1,
                        CONFIG_PENDING_MAX_MAX, CONFIG_DEFAULT_UNVERIFIED_PENDING_PER_SENDER, 0,
                        "pushes not authenticated yet, per sender"),
        CONFIG_KEY_UINT("Policy", "UnverifiedPendingExpirySec", C, unverified_pending_expiry_sec,
                        CONFIG_PENDING_EXPIRY_SEC_MIN, CONFIG_PENDING_EXPIRY_SEC_MAX,
                        CONFIG_DEFAULT_UNVERIFIED_PENDING_EXPIRY_SEC, 0, "seconds before those expire"),
        ROLES("Roles", "Unauthenticated", roles_unauthenticated, ROLES_DEFAULT_UNAUTHENTICATED,
              "roles of a push without a SEC parameter"),
        ROLES("Roles", "NetworkPin", roles_sec[AUTH_NETWPIN], ROLES_DEFAULT_NETWPIN,
              "roles a NETWPIN-authenticated push earns"),
        ROLES("Roles", "UserPin", roles_sec[AUTH_USERPIN], ROLES_DEFAULT_USERPIN,
              "roles a USERPIN-authenticated push earns"),
        ROLES("Roles", "UserNetworkPin", roles_sec[AUTH_USERNETWPIN], ROLES_DEFAULT_USERNETWPIN,
              "roles a USERNETWPIN-authenticated push earns"),
        ROLES("Roles", "UserPinMac", roles_sec[AUTH_USERPINMAC], ROLES_DEFAULT_USERPINMAC,
              "roles a USERPINMAC-authenticated push earns"),
        CONFIG_KEY_UINT("Store", "HistoryMax", C, history_max, CONFIG_HISTORY_MAX_MIN,
                        CONFIG_HISTORY_MAX_MAX, CONFIG_DEFAULT_HISTORY_MAX, CONFIG_KEY_NO_DUMP,
                        "newest history rows kept"),
        CONFIG_KEY_UINT("Store", "HistoryMaxAgeSec", C, history_max_age_sec, CONFIG_HISTORY_MAX_AGE_SEC_MIN,
                        CONFIG_HISTORY_MAX_AGE_SEC_MAX, CONFIG_DEFAULT_HISTORY_MAX_AGE_SEC,
                        CONFIG_KEY_ZERO_OK | CONFIG_KEY_NO_DUMP,
                        "oldest history row kept, seconds (0: no age limit)"),
        CONFIG_KEY_UINT("Store", "ReplayDigestsMax", C, replay_digests_max, CONFIG_REPLAY_DIGESTS_MAX_MIN,
                        CONFIG_REPLAY_DIGESTS_MAX_MAX, CONFIG_DEFAULT_REPLAY_DIGESTS_MAX, CONFIG_KEY_NO_DUMP,
                        "digests of superseded documents kept for replay detection"),
        CONFIG_KEY_CUSTOM("DM", "TrustFile", C, dm_trust_file, parse_trust_file, 0,
                          "PEM bundle of the CAs trusted for DM servers (empty: the system store)"),
        /* not in GetPolicy (like [Store]): its keys are the policy of pushes */
        { .section = "DM", .name = "AllowLoopback", .type = CONFIG_TYPE_BOOL,
          CONFIG_FIELD(C, dm_allow_loopback), .def = false, .flags = CONFIG_KEY_NO_DUMP,
          .doc = "let DM sessions reach loopback, private and link-local addresses (tests)" },
        /* The DM tree's ./DevInfo (dm-tree.h); the DmV, Lang and ./DevDetail values are fixed. */
        CONFIG_KEY_CUSTOM("DM", "DevId", C, dm_dev_id, parse_dm_text, CONFIG_KEY_NO_DUMP,
                          "./DevInfo/DevId of DM sessions (default: derived from /etc/machine-id)"),
        CONFIG_KEY_CUSTOM("DM", "Manufacturer", C, dm_man, parse_dm_text, CONFIG_KEY_NO_DUMP,
                          "./DevInfo/Man of DM sessions"),
        CONFIG_KEY_CUSTOM("DM", "Model", C, dm_mod, parse_dm_text, CONFIG_KEY_NO_DUMP,
                          "./DevInfo/Mod of DM sessions"),
};
#undef ROLES
#undef C

const ConfigTable verifierd_config_table = {
        .main_name = VERIFIERD_CONFIG_MAIN_FILE,
        .dropin_dir = VERIFIERD_CONFIG_DROPIN_DIR,
        .keys = verifierd_keys,
        .n_keys = ELEMENTSOF(verifierd_keys),
};

int config_dump(const Config *c, ConfigDumpFn fn, void *userdata) {
        if (!c || !fn)
                return -EINVAL;
        return config_table_dump(&verifierd_config_table, c, fn, userdata);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        secret_free(c->imsi);
        free(c->dm_trust_file);
        free(c->dm_dev_id);
        free(c->dm_man);
        free(c->dm_mod);
        config_table_free(&verifierd_config_table, c);
        metabase_free(c->metabase);
        certstore_admin_free(c->certs);
        config_strv_free(c->files);
        for (size_t i = 0; i < c->n_file_keys; i++)
                free(c->file_keys[i]);
        free(c->file_keys);
        free(c);
        return NULL;
}

static int config_alloc(Config **ret) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        r = config_table_defaults(&verifierd_config_table, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_new_default(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = config_alloc(&c);
        if (r < 0)
                return r;
        r = metabase_new_default(&c->metabase);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Remember "Section.Key" as set by a file (or forget it on "Key="), for ota_policy_source. */
static int note_file_key(Config *c, const char *section, const char *key, bool set) {
        _cleanup_free_ char *name = NULL;
        char **n;

        if (asprintf(&name, "%s.%s", section, key) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_file_keys; i++)
                if (strcmp(c->file_keys[i], name) == 0) {
                        if (!set) {
                                free(c->file_keys[i]);
                                c->file_keys[i] = c->file_keys[--c->n_file_keys];
                        }
                        return 0;
                }
        if (!set)
                return 0;
        n = reallocarray(c->file_keys, c->n_file_keys + 1, sizeof(char *));
        if (!n)
                return -ENOMEM;
        c->file_keys = n;
        c->file_keys[c->n_file_keys++] = TAKE_PTR(name);
        return 0;
}

typedef struct Load {
        Config *c;
        LoadState ls;
} Load;

/* Every assignment through the key table, then noted for ota_policy_source. */
static int config_handler(void *userdata, const char *file, unsigned line, const char *section,
                          const char *key, const char *value, char *msg) {
        Load *l = userdata;
        int r;

        r = config_table_assign(&verifierd_config_table, l->c, file, line, section, key, value, &l->ls, msg);
        if (r < 0)
                return r;
        r = note_file_key(l->c, section, key, value[0] != '\0');
        if (r < 0)
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "out of memory");
        return r;
}

static void error_set(ConfigError *err, const char *file, unsigned line, const char *msg) {
        if (!err)
                return;
        snprintf(err->file, sizeof err->file, "%s", file);
        err->line = line;
        snprintf(err->message, sizeof err->message, "%s", msg);
}

int config_load_roots(const char *const *roots, size_t n_roots, Config **ret, ConfigError *err) {
        _cleanup_(config_freep) Config *c = NULL;
        Load l = {};
        LoadState *ls = &l.ls;
        int r;

        if (!ret || !roots || n_roots == 0 || n_roots > CONFIG_ROOTS_MAX)
                return -EINVAL;
        if (err)
                memset(err, 0, sizeof(*err));
        r = config_alloc(&c);
        if (r < 0)
                return r;
        l.c = c;
        r = config_parse_tree(roots, n_roots, VERIFIERD_CONFIG_MAIN_FILE, VERIFIERD_CONFIG_DROPIN_DIR,
                              config_handler, &l, &c->files, &c->n_files, err);
        if (r < 0)
                return r;
        /* cross-checks over the merged result, reported where the offending key was set */
        if (c->imsi && c->network_pin_source != NETWORK_PIN_SOURCE_STATIC) {
                error_set(err, ls->imsi_file, ls->imsi_line, "Imsi= is only valid with Source=static");
                return -EINVAL;
        }
        if (!c->imsi && c->network_pin_source == NETWORK_PIN_SOURCE_STATIC) {
                error_set(err, ls->source_file, ls->source_line, "Source=static needs Imsi=");
                return -EINVAL;
        }
        r = metabase_load_roots(roots, n_roots, &c->metabase, err);
        if (r < 0)
                return r;
        r = certstore_admin_load(roots, n_roots, &c->certs, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *config_dir, Config **ret, ConfigError *err) {
        static const char *const system_roots[] = {
                CONFIG_SYSTEM_ROOT_USRLIB,
                CONFIG_SYSTEM_ROOT_RUN,
                CONFIG_SYSTEM_ROOT_ETC,
        };

        if (config_dir)
                return config_load_roots(&config_dir, 1, ret, err);
        return config_load_roots(system_roots, ELEMENTSOF(system_roots), ret, err);
}

/* Hand over a freshly loaded Config; on failure *c is untouched: the last good one stays. */
static int reload_with(Config **c, int r, Config *n) {
        if (r < 0)
                return r;
        config_free(*c);
        *c = n;
        return 0;
}

int config_reload_roots(Config **c, const char *const *roots, size_t n_roots, ConfigError *err) {
        Config *n = NULL;
        int r;

        if (!c)
                return -EINVAL;
        r = config_load_roots(roots, n_roots, &n, err);
        return reload_with(c, r, n);
}

int config_reload(Config **c, const char *config_dir, ConfigError *err) {
        Config *n = NULL;
        int r;

        if (!c)
                return -EINVAL;
        r = config_load(config_dir, &n, err);
        return reload_with(c, r, n);
}
