/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: provd's key table (rules in config.h and common/conf.h). The table is the only
 * place a key is spelled: the parser, the defaults and the unit test's check of provd(8) read
 * it. Library code: errors go to the caller's ConfigError; main.c logs them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "config.h"
#include "macros.h"
#include "sms.h"

/* [Intake] OfonoNextAgent=BUSNAME OBJECTPATH: a well-known name (not a unique ":1.n" name, which
 * changes with every start) and an object path, separated by blanks; "" unsets it. */
static int parse_next_agent(const ConfigKey *k, void *field, const char *value, const char *file,
                            unsigned line, void *userdata, char *msg) {
        ProvdConfig *c = (ProvdConfig *) ((uint8_t *) field - offsetof(ProvdConfig, ofono_next_name));
        char name[PROVD_BUS_NAME_MAX + 1];
        const char *sp, *path;
        size_t n;

        if (value[0] == '\0') {
                c->ofono_next_name[0] = c->ofono_next_path[0] = '\0';
                return 0;
        }
        sp = strpbrk(value, " \t");
        n = sp ? (size_t) (sp - value) : 0;
        if (n > 0 && n <= PROVD_BUS_NAME_MAX) {
                memcpy(name, value, n);
                name[n] = '\0';
                path = sp + strspn(sp, " \t");
                if (name[0] != ':' && sd_bus_service_name_is_valid(name) &&
                    strlen(path) <= PROVD_AGENT_PATH_MAX && sd_bus_object_path_is_valid(path)) {
                        snprintf(c->ofono_next_name, sizeof(c->ofono_next_name), "%s", name);
                        snprintf(c->ofono_next_path, sizeof(c->ofono_next_path), "%s", path);
                        return 0;
                }
        }
        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                 "OfonoNextAgent= has a bad value (expected a well-known bus name and an object path, "
                 "e.g. 'org.example.Mms /org/example/PushAgent')");
        return -EINVAL;
}

#define P ProvdConfig
static const ConfigKey provd_keys[] = {
        CONFIG_KEY_UINT("Limits", "MaxReassemblies", P, max_reassemblies, 1, PROVD_REASSEMBLIES_MAX,
                        SMS_REASM_GROUPS_MAX, 0, "concurrent partial SMS messages, all senders"),
        CONFIG_KEY_UINT("Limits", "MaxReassembliesPerSender", P, max_reassemblies_per_sender, 1,
                        PROVD_REASSEMBLIES_MAX, SMS_REASM_GROUPS_PER_SENDER_MAX, 0,
                        "concurrent partial SMS messages of one sender (at most MaxReassemblies)"),
        CONFIG_KEY_UINT("Limits", "MaxPendingSubmits", P, max_pending_submits, 1,
                        PROVD_MAX_PENDING_SUBMITS_MAX, PROVD_MAX_PENDING_SUBMITS_DEFAULT, 0,
                        "Submit calls in flight to verifierd"),
        CONFIG_KEY_UINT("Limits", "MaxQueuedSubmits", P, max_queued_submits, 0, PROVD_MAX_QUEUED_SUBMITS_MAX,
                        PROVD_MAX_QUEUED_SUBMITS_DEFAULT, 0,
                        "decoded pushes waiting for a free Submit slot"),
        CONFIG_KEY_UINT("Limits", "RatePerSenderPerMinute", P, rate_per_minute, 1, PROVD_RATE_MAX,
                        PROVD_RATE_PER_MINUTE_DEFAULT, 0, "pushes per minute per sender address"),
        CONFIG_KEY_UINT("Limits", "RateBurst", P, rate_burst, 1, PROVD_RATE_MAX, 0, 0,
                        "token bucket size (default: RatePerSenderPerMinute)"),
        CONFIG_KEY_BOOL("Limits", "RateLimitInject", P, rate_limit_inject, false,
                        "apply the per-sender rate limit to Inject too"),
        CONFIG_KEY_UINT("Limits", "MaxInputSize", P, max_input_size, PROVD_INPUT_SIZE_MIN, IPC_INJECT_MAX,
                        PROVD_INPUT_SIZE_DEFAULT, 0, "bytes of one push from oFono or ModemManager"),
        CONFIG_KEY_BOOL("Intake", "Ofono", P, ofono, true, "be oFono's push agent"),
        CONFIG_KEY_CUSTOM("Intake", "OfonoNextAgent", P, ofono_next_name, parse_next_agent, 0,
                          "BUSNAME OBJECTPATH: the oFono push agent that gets every push provd does not "
                          "handle"),
        CONFIG_KEY_BOOL("Intake", "ModemManager", P, modemmanager, true,
                        "watch ModemManager for WAP push SMS"),
};
#undef P

const ConfigTable provd_config_table = {
        .main_name = PROVD_CONFIG_MAIN_FILE,
        .dropin_dir = PROVD_CONFIG_DROPIN_DIR,
        .keys = provd_keys,
        .n_keys = ELEMENTSOF(provd_keys),
};

void provd_config_defaults(ProvdConfig *c) {
        memset(c, 0, sizeof(*c));
        /* no DIR keys, so this cannot fail for want of memory */
        (void) config_table_defaults(&provd_config_table, c);
}

int provd_config_load_roots(ProvdConfig *c, const char *const *roots, size_t n_roots, ConfigError *err) {
        int r;

        memset(c, 0, sizeof(*c));
        if (err)
                memset(err, 0, sizeof(*err));
        r = config_table_load(&provd_config_table, roots, n_roots, c, NULL, NULL, NULL, err);
        if (r < 0)
                return r;
        if (c->max_reassemblies_per_sender > c->max_reassemblies)
                c->max_reassemblies_per_sender = c->max_reassemblies;
        return 0;
}

int provd_config_load(ProvdConfig *c, const char *config_dir, ConfigError *err) {
        static const char *const system_roots[] = {
                CONFIG_SYSTEM_ROOT_USRLIB,
                CONFIG_SYSTEM_ROOT_RUN,
                CONFIG_SYSTEM_ROOT_ETC,
        };

        if (config_dir)
                return provd_config_load_roots(c, &config_dir, 1, err);
        return provd_config_load_roots(c, system_roots, ELEMENTSOF(system_roots), err);
}
