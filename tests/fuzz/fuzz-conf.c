/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-conf.c: libFuzzer entry point for the one configuration parser (common/conf.c): the input,
 * up to its first NUL, is one file's text parsed against both daemons' key tables (provd's and
 * verifierd's). Checked with abort(): the only errors are -EINVAL and -E2BIG, an -EINVAL names a
 * line within the text and carries a message, and after a successful parse every number lies in
 * its key's range. Replayed by tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "provd/config.h"
#include "verifierd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

typedef struct Target {
        const ConfigTable *t;
        void *obj;
} Target;

static int handler(void *userdata, const char *file, unsigned line, const char *section, const char *key,
                   const char *value, char *msg) {
        Target *x = userdata;

        return config_table_assign(x->t, x->obj, file, line, section, key, value, NULL, msg);
}

static void check_ranges(const ConfigTable *t, const void *obj) {
        for (size_t i = 0; i < t->n_keys; i++) {
                const ConfigKey *k = &t->keys[i];
                const uint8_t *f = (const uint8_t *) obj + k->offset;
                uint64_t v;

                if (k->type != CONFIG_TYPE_UINT)
                        continue;
                v = k->size == 4 ? *(const uint32_t *) f : *(const uint64_t *) f;
                check(v == k->def || ((k->flags & CONFIG_KEY_ZERO_OK) && v == 0) ||
                      (v >= k->min && v <= k->max));
        }
}

static void run(const ConfigTable *t, void *obj, const char *text) {
        ConfigError err = {};
        Target x = { .t = t, .obj = obj };
        unsigned lines = 1;
        int r;

        for (const char *p = text; *p; p++)
                lines += *p == '\n';
        r = config_parse_string("fuzz.conf", text, handler, &x, &err);
        if (r < 0) {
                check(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
                if (r == -EINVAL)
                        check(err.line >= 1 && err.line <= lines && err.message[0] &&
                              strcmp(err.file, "fuzz.conf") == 0);
                return;
        }
        check_ranges(t, obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = strndup((const char *) data, size);
        Config *vc = NULL;
        ProvdConfig pc;

        if (!text)
                return 0;
        provd_config_defaults(&pc);
        run(&provd_config_table, &pc, text);
        if (config_new_default(&vc) == 0) {
                run(&verifierd_config_table, vc, text);
                config_free(vc);
        }
        free(text);
        return 0;
}
