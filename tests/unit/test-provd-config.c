/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-provd-config.c: provd's key table (provd/config.c) over the shared parser: the defaults,
 * every key at its limits and just past them, the rules both daemons share (booleans in
 * systemd's spellings and any case, no leading zeros), OfonoNextAgent=, the per-sender clamp,
 * precedence across the three roots, errors naming file and line, and that provd(8) documents
 * every key of the table.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "provd/config.h"
#include "sms.h"
#include "testutil.h"

typedef struct Roots {
        char base[64];
        char dirs[3][96];
        const char *v[3];
} Roots;

enum { USRLIB, RUN, ETC };

static void roots_init(Roots *r) {
        static const char *const names[3] = { "usr-lib", "run", "etc" };
        char base[64] = "/tmp/test-provd-config-XXXXXX";

        ck_assert_ptr_nonnull(mkdtemp(base));
        memcpy(r->base, base, sizeof base);
        for (int i = 0; i < 3; i++) {
                char d[128];

                snprintf(r->dirs[i], sizeof r->dirs[i], "%s/%s", base, names[i]);
                r->v[i] = r->dirs[i];
                ck_assert_int_eq(mkdir(r->dirs[i], 0755), 0);
                snprintf(d, sizeof d, "%s/provd.conf.d", r->dirs[i]);
                ck_assert_int_eq(mkdir(d, 0755), 0);
        }
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* removed without a shell: valgrind traces every child, and a fork per case is slow there */
static void roots_done(Roots *r) {
        ck_assert_int_eq(nftw(r->base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void put(const Roots *r, int root, const char *rel, const char *text) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", r->dirs[root], rel);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

static int load_text(const char *text, ProvdConfig *c, ConfigError *err) {
        Roots r;
        int k;

        roots_init(&r);
        put(&r, ETC, "provd.conf", text);
        k = provd_config_load_roots(c, r.v, 3, err);
        roots_done(&r);
        return k;
}

START_TEST(test_defaults) {
        ProvdConfig c, d;
        ConfigError err;
        Roots r;

        provd_config_defaults(&d);
        ck_assert_uint_eq(d.max_reassemblies, SMS_REASM_GROUPS_MAX);
        ck_assert_uint_eq(d.max_reassemblies_per_sender, SMS_REASM_GROUPS_PER_SENDER_MAX);
        ck_assert_uint_eq(d.max_pending_submits, 8);
        ck_assert_uint_eq(d.max_queued_submits, 32);
        ck_assert_uint_eq(d.rate_per_minute, 10);
        ck_assert_uint_eq(d.rate_burst, 0);
        ck_assert_uint_eq(config_rate_burst(&d), 10);
        ck_assert(!d.rate_limit_inject);
        ck_assert_uint_eq(d.max_input_size, PROVD_INPUT_SIZE_DEFAULT);
        ck_assert_uint_eq(d.max_input_size, 69632);
        ck_assert(d.ofono);
        ck_assert(d.modemmanager);
        ck_assert_str_eq(d.ofono_next_name, "");
        ck_assert_str_eq(d.ofono_next_path, "");
        /* no files: the same */
        roots_init(&r);
        ck_assert_int_eq(provd_config_load_roots(&c, r.v, 3, &err), 0);
        ck_assert_int_eq(memcmp(&c, &d, sizeof c), 0);
        /* the shipped provd.conf parses to the defaults */
        {
                const char *root = "packaging/config";

                ck_assert_int_eq(provd_config_load_roots(&c, &root, 1, &err), 0);
                ck_assert_int_eq(memcmp(&c, &d, sizeof c), 0);
        }
        roots_done(&r);
}
END_TEST

START_TEST(test_limits) {
        static const struct {
                const char *text;
                int r;
        } t[] = {
                { "[Limits]\nMaxReassemblies=1\n", 0 },
                { "[Limits]\nMaxReassemblies=0\n", -EINVAL },
                { "[Limits]\nMaxReassemblies=1024\n", 0 },
                { "[Limits]\nMaxReassemblies=1025\n", -EINVAL },
                { "[Limits]\nMaxReassembliesPerSender=1\n", 0 },
                { "[Limits]\nMaxReassembliesPerSender=0\n", -EINVAL },
                { "[Limits]\nMaxReassembliesPerSender=1024\n", 0 },
                { "[Limits]\nMaxReassembliesPerSender=1025\n", -EINVAL },
                { "[Limits]\nMaxPendingSubmits=1\n", 0 },
                { "[Limits]\nMaxPendingSubmits=0\n", -EINVAL },
                { "[Limits]\nMaxPendingSubmits=256\n", 0 },
                { "[Limits]\nMaxPendingSubmits=257\n", -EINVAL },
                { "[Limits]\nMaxQueuedSubmits=0\n", 0 },
                { "[Limits]\nMaxQueuedSubmits=4096\n", 0 },
                { "[Limits]\nMaxQueuedSubmits=4097\n", -EINVAL },
                { "[Limits]\nRatePerSenderPerMinute=1\n", 0 },
                { "[Limits]\nRatePerSenderPerMinute=0\n", -EINVAL },
                { "[Limits]\nRatePerSenderPerMinute=100000\n", 0 },
                { "[Limits]\nRatePerSenderPerMinute=100001\n", -EINVAL },
                { "[Limits]\nRateBurst=1\n", 0 },
                { "[Limits]\nRateBurst=0\n", -EINVAL },
                { "[Limits]\nRateBurst=100000\n", 0 },
                { "[Limits]\nRateBurst=100001\n", -EINVAL },
                { "[Limits]\nMaxInputSize=64\n", 0 },
                { "[Limits]\nMaxInputSize=63\n", -EINVAL },
                { "[Limits]\nMaxInputSize=262144\n", 0 },
                { "[Limits]\nMaxInputSize=262145\n", -EINVAL },
                /* the shared integer rule: decimal, no leading zeros, no sign */
                { "[Limits]\nMaxPendingSubmits=08\n", -EINVAL },
                { "[Limits]\nMaxPendingSubmits=+8\n", -EINVAL },
                { "[Limits]\nMaxPendingSubmits=0x8\n", -EINVAL },
                /* the shared boolean rule: systemd's spellings, any case */
                { "[Intake]\nOfono=No\nModemManager=OFF\n[Limits]\nRateLimitInject=Y\n", 0 },
                { "[Intake]\nOfono=nope\n", -EINVAL },
                { "[Intake]\nOfono=yes ; comment\n", -EINVAL },
                /* sections and keys are case-sensitive */
                { "[limits]\nMaxPendingSubmits=8\n", -EINVAL },
                { "[Limits]\nmaxpendingsubmits=8\n", -EINVAL },
                { "[Limits]\nOfono=yes\n", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ConfigError err;
                ProvdConfig c;
                int k = load_text(t[i].text, &c, &err);

                ck_assert_msg(k == t[i].r, "case %zu: %d (%s)", i, k, err.message);
        }
}
END_TEST

START_TEST(test_values) {
        ConfigError err;
        ProvdConfig c;

        ck_assert_int_eq(load_text("[Limits]\nMaxReassemblies=20\nMaxReassembliesPerSender=5\nMaxPendingSubmits=3\n"
                                   "MaxQueuedSubmits=0\nRatePerSenderPerMinute=50\nRateBurst=7\nRateLimitInject=TRUE\n"
                                   "MaxInputSize=1000\n[Intake]\nOfono=f\nModemManager=0\n",
                                   &c, &err),
                         0);
        ck_assert_uint_eq(c.max_reassemblies, 20);
        ck_assert_uint_eq(c.max_reassemblies_per_sender, 5);
        ck_assert_uint_eq(c.max_pending_submits, 3);
        ck_assert_uint_eq(c.max_queued_submits, 0);
        ck_assert_uint_eq(c.rate_per_minute, 50);
        ck_assert_uint_eq(config_rate_burst(&c), 7);
        ck_assert(c.rate_limit_inject);
        ck_assert_uint_eq(c.max_input_size, 1000);
        ck_assert(!c.ofono);
        ck_assert(!c.modemmanager);
        /* per sender is clamped to the total */
        ck_assert_int_eq(load_text("[Limits]\nMaxReassemblies=3\nMaxReassembliesPerSender=9\n", &c, &err), 0);
        ck_assert_uint_eq(c.max_reassemblies_per_sender, 3);
        /* "Key=" resets */
        ck_assert_int_eq(load_text("[Limits]\nMaxPendingSubmits=3\nMaxPendingSubmits=\n[Intake]\nOfono=no\nOfono=\n",
                                   &c, &err),
                         0);
        ck_assert_uint_eq(c.max_pending_submits, 8);
        ck_assert(c.ofono);
}
END_TEST

START_TEST(test_next_agent) {
        ConfigError err;
        ProvdConfig c;

        ck_assert_int_eq(load_text("[Intake]\nOfonoNextAgent= org.example.Mms \t /org/example/Agent \n", &c, &err), 0);
        ck_assert_str_eq(c.ofono_next_name, "org.example.Mms");
        ck_assert_str_eq(c.ofono_next_path, "/org/example/Agent");
        ck_assert_int_eq(load_text("[Intake]\nOfonoNextAgent=org.example.Mms /a\nOfonoNextAgent=\n", &c, &err), 0);
        ck_assert_str_eq(c.ofono_next_name, "");
        ck_assert_str_eq(c.ofono_next_path, "");
        static const char *const bad[] = { "org.example.Mms", ":1.42 /a", "org.example.Mms not/a/path", "/a /a",
                                           "org.example.Mms /a/" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[128];

                snprintf(text, sizeof text, "[Intake]\nOfonoNextAgent=%s\n", bad[i]);
                ck_assert_msg(load_text(text, &c, &err) == -EINVAL, "%s", bad[i]);
                ck_assert_uint_eq(err.line, 2);
                ck_assert_ptr_nonnull(strstr(err.message, "OfonoNextAgent= has a bad value"));
        }
}
END_TEST

START_TEST(test_precedence_and_errors) {
        char want[PATH_MAX + 64], buf[PATH_MAX + 512];
        ConfigError err;
        ProvdConfig c;
        Roots r;

        roots_init(&r);
        put(&r, USRLIB, "provd.conf", "[Limits]\nMaxPendingSubmits=2\nMaxQueuedSubmits=5\n");
        put(&r, ETC, "provd.conf", "[Limits]\nMaxQueuedSubmits=6\n"); /* masks usr-lib's */
        put(&r, USRLIB, "provd.conf.d/10-a.conf", "[Limits]\nRatePerSenderPerMinute=11\n");
        put(&r, RUN, "provd.conf.d/10-a.conf", "[Limits]\nRatePerSenderPerMinute=12\n"); /* masks usr-lib */
        put(&r, ETC, "provd.conf.d/20-b.conf", "[Limits]\nRatePerSenderPerMinute=13\nRateBurst=3\n");
        put(&r, USRLIB, "provd.conf.d/30-c.conf", "[Limits]\nRateBurst=4\n"); /* lexical: last */
        put(&r, RUN, "provd.conf.d/15-masked.conf", "[Broken\n");
        put(&r, ETC, "provd.conf.d/15-masked.conf", "");
        ck_assert_int_eq(provd_config_load_roots(&c, r.v, 3, &err), 0);
        ck_assert_uint_eq(c.max_pending_submits, 8);
        ck_assert_uint_eq(c.max_queued_submits, 6);
        ck_assert_uint_eq(c.rate_per_minute, 13);
        ck_assert_uint_eq(c.rate_burst, 4);
        /* --config-dir: one root */
        ck_assert_int_eq(provd_config_load(&c, r.dirs[USRLIB], &err), 0);
        ck_assert_uint_eq(c.max_pending_submits, 2);
        ck_assert_uint_eq(c.rate_per_minute, 11);
        /* an error names file and line: the integration test greps "provd.conf:2: unknown key" */
        put(&r, ETC, "provd.conf", "[Limits]\nNoSuchKey=1\n");
        ck_assert_int_eq(provd_config_load_roots(&c, r.v, 3, &err), -EINVAL);
        snprintf(want, sizeof want, "%s/provd.conf:2: unknown key 'NoSuchKey' in section [Limits]", r.dirs[ETC]);
        ck_assert_str_eq(config_error_format(&err, buf, sizeof buf), want);
        put(&r, ETC, "provd.conf", "[Limits]\n\n[Frob]\nX=1\n");
        ck_assert_int_eq(provd_config_load_roots(&c, r.v, 3, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 4);
        ck_assert_ptr_nonnull(strstr(err.message, "unknown section [Frob]"));
        put(&r, ETC, "provd.conf", "[Limits]\nMaxPendingSubmits=0\n");
        ck_assert_int_eq(provd_config_load_roots(&c, r.v, 3, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.message, "MaxPendingSubmits= expects a number in 1..256, not '0'"));
        roots_done(&r);
}
END_TEST

START_TEST(test_man_page_documents_every_key) {
        /* the table is the one spelling of each key: provd(8) must name every one of them */
        size_t n;
        char *man = (char *) tu_read_file("provd/provd.8", &n);
        char *text = strndup(man, n);

        for (size_t i = 0; i < provd_config_table.n_keys; i++) {
                const ConfigKey *k = &provd_config_table.keys[i];
                char needle[96];

                snprintf(needle, sizeof needle, "%s=", k->name);
                ck_assert_msg(strstr(text, needle), "provd.8 does not document %s", needle);
                ck_assert_msg(k->doc && k->doc[0], "%s has no documentation line", k->name);
        }
        free(text);
        free(man);
}
END_TEST

int main(void) {
        Suite *s = suite_create("provd-config");
        TCase *tc = tcase_create("/provd-config");

        TU_ADD(tc, test_defaults);
        TU_ADD(tc, test_limits);
        TU_ADD(tc, test_values);
        TU_ADD(tc, test_next_agent);
        TU_ADD(tc, test_precedence_and_errors);
        TU_ADD(tc, test_man_page_documents_every_key);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
