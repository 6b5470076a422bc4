/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: dmsessiond's key table (dmsessiond.h; syntax and file tree: common/conf.h).
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "dmsessiond.h"
#include "macros.h"

#define D DmsConfig
static const ConfigKey dms_keys[] = {
        CONFIG_KEY_UINT("Dialer", "ConnectTimeoutSec", D, connect_timeout_sec,
                        DMSESSIOND_CONNECT_TIMEOUT_MS_MIN / 1000U, DMSESSIOND_CONNECT_TIMEOUT_MS_MAX / 1000U,
                        DMSESSIOND_CONNECT_TIMEOUT_MS / 1000U, 0,
                        "seconds to resolve and connect one Dial"),
        CONFIG_KEY_UINT("Dialer", "MaxDials", D, dials_max, 1, DMSESSIOND_DIALS_MAX_MAX, DMSESSIOND_DIALS_MAX, 0,
                        "Dial calls in progress at once"),
};
#undef D

const ConfigTable dms_config_table = {
        .main_name = DMSESSIOND_CONFIG_MAIN_FILE,
        .dropin_dir = DMSESSIOND_CONFIG_DROPIN_DIR,
        .keys = dms_keys,
        .n_keys = ELEMENTSOF(dms_keys),
};

int dms_config_load(DmsConfig *ret, const char *config_dir, ConfigError *err) {
        static const char *const system_roots[] = {
                CONFIG_SYSTEM_ROOT_USRLIB,
                CONFIG_SYSTEM_ROOT_RUN,
                CONFIG_SYSTEM_ROOT_ETC,
        };

        memset(ret, 0, sizeof(*ret));
        if (err)
                memset(err, 0, sizeof(*err));
        if (config_dir)
                return config_table_load(&dms_config_table, &config_dir, 1, ret, NULL, NULL, NULL, err);
        return config_table_load(&dms_config_table, system_roots, ELEMENTSOF(system_roots), ret, NULL, NULL,
                                 NULL, err);
}
