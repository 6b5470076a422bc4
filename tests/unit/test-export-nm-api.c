/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-export-nm-api.c: the settings verifierd sends to NetworkManager's settings API and the
 * canonical form that tells a user's edit (verifierd/export-nm-api.h, issue 14). The a{sa{sv}}
 * carries the keyfile's values (APN, credentials, SIM binding, [ppp] refusals, the owner marker
 * and the name in the user data); what NetworkManager returns for an untouched profile
 * (properties in another order, the password from GetSecrets, dictionary entries reordered, the
 * empty legacy arrays, autoconnect=true, a timestamp) has the digest verifierd stored; a change of
 * any value, an added property (a DNS server) or a removed one does not. NetworkManager's reply is
 * read with bounds: nesting at EXPORT_NM_API_DEPTH_MAX and past it, a canonical text at
 * EXPORT_NM_API_CANON_MAX and past it, EXPORT_NM_API_PROPERTIES_MAX properties and past it,
 * signatures other than a{sa{sv}} (EXPORT_NM_API_CONNECTIONS_MAX: tests/integration/nm-api.sh).
 * The real NetworkManager is in tests/integration/nspawn.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macros.h"
#include "testutil.h"
#include "verifierd/export-nm-api.h"

static sd_bus *bus;
static int pair[2] = { -1, -1 };

/* sd-bus makes messages only for a started bus: one end of a socket pair (nothing is sent). */
static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, pair[0], pair[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
}

static void teardown(void) {
        sd_bus_close(bus); /* no flush: nobody reads the other end */
        bus = sd_bus_unref(bus);
        close(pair[1]);
}

static NmProfile profile(void) {
        NmProfile p = {
                .root = "/NAPDEF[NAPID=INTERNET]",
                .napid = "INTERNET",
                .id = "Example Internet",
                .apn = "internet.example.com",
                .username = "web",
                .password = "s3cret",
                .authtype = "PAP",
                .sim_operator_id = "26201",
                .autoconnect = true,
                .strength = 4,
                .push_id = 7,
        };

        ck_assert_int_eq(export_nm_profile_finish(&p), 0);
        return p;
}

static sd_bus_message *new_msg(void) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_method_call(bus, &m, "a.b", "/a", "a.b", "M"), 0);
        return m;
}

static void seal(sd_bus_message *m) {
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        ck_assert_int_ge(sd_bus_message_rewind(m, true), 0);
}

static char *canon(sd_bus_message **msgs, size_t n, int want) {
        char *text = NULL;

        ck_assert_int_eq(export_nm_api_canonical(msgs, n, &text), want);
        return text;
}

/* What NetworkManager 1.42 returns for the profile (GetSettings, GetSecrets), with @change
 * applied: 0 none, 1 another APN, 2 a DNS server added, 3 the ppp setting gone, 4 the owner
 * marker gone. */
static void setting_open(sd_bus_message *m, const char *name) {
        ck_assert_int_ge(sd_bus_message_open_container(m, 'e', "sa{sv}"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "s", name), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
}

static void setting_close(sd_bus_message *m) {
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
}

static void nm_reply(const NmProfile *p, int change, sd_bus_message **ret_settings, sd_bus_message **ret_secrets) {
        sd_bus_message *m = new_msg(), *s = new_msg();

        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sa{sv}}"), 0);
        setting_open(m, "ipv6");
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "method", "s", "auto", "addresses", "a(ayuay)", 0,
                                               "dns", "aay", 0, "routes", "a(ayuayu)", 0), 0);
        setting_close(m);
        setting_open(m, "user");
        if (change == 4)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "data", "a{ss}", 3, "org.provboot.push-id", "7",
                                                       EXPORT_NM_API_KEY_NAME, p->filename, EXPORT_NM_API_KEY_ROOT,
                                                       p->root), 0);
        else
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "data", "a{ss}", 4, "org.provboot.push-id", "7",
                                                       EXPORT_NM_API_KEY_NAME, p->filename, EXPORT_NM_API_KEY_OWNER,
                                                       EXPORT_NM_API_OWNER, EXPORT_NM_API_KEY_ROOT, p->root), 0);
        setting_close(m);
        setting_open(m, "gsm");
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}", "apn", "s",
                                               change == 1 ? "users.choice" : "internet.example.com", "username", "s",
                                               "web", "sim-operator-id", "s", "26201"), 0);
        setting_close(m);
        setting_open(m, "connection");
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}", "uuid", "s", p->uuid, "id", "s",
                                               "Example Internet", "type", "s", "gsm", "autoconnect", "b", 1,
                                               "autoconnect-priority", "i", 4, "permissions", "as", 0, "timestamp", "t",
                                               (uint64_t) 1765100000), 0);
        setting_close(m);
        setting_open(m, "ipv4");
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "method", "s", "auto", "address-data",
                                               "aa{sv}", 0,
                                               "dns-search", "as", 0, "route-data", "aa{sv}", 0), 0);
        if (change == 2)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "dns", "au", 1, 0x08080808U), 0);
        else
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "dns", "au", 0), 0);
        setting_close(m);
        if (change != 3) {
                setting_open(m, "ppp");
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "refuse-chap", "b", 1,
                                                       "refuse-eap", "b", 1,
                                                       "refuse-mschap", "b", 1, "refuse-mschapv2", "b", 1), 0);
                setting_close(m);
        }
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        ck_assert_int_ge(sd_bus_message_append(s, "a{sa{sv}}", 1, "gsm", 1, "password", "s", "s3cret"), 0);
        seal(m);
        seal(s);
        *ret_settings = m;
        *ret_secrets = s;
}

START_TEST(test_sent_settings) {
        NmProfile p = profile();
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_msg();
        _cleanup_free_ char *text = NULL;

        ck_assert_int_ge(export_nm_api_append_settings(m, &p), 0);
        seal(m);
        text = canon(&m, 1, 0);
        /* every value of the keyfile, sorted, defaults (autoconnect true, password-flags 0) left out */
        {
                _cleanup_free_ char *want = NULL;

                ck_assert_int_ge(asprintf(&want,
                                          "connection.autoconnect-priority=i:4\n"
                                          "connection.id=s:\"Example Internet\"\n"
                                          "connection.type=s:\"gsm\"\n"
                                          "connection.uuid=s:\"%s\"\n"
                                          "gsm.apn=s:\"internet.example.com\"\n"
                                          "gsm.password=s:\"s3cret\"\n"
                                          "gsm.sim-operator-id=s:\"26201\"\n"
                                          "gsm.username=s:\"web\"\n"
                                          "ipv4.method=s:\"auto\"\n"
                                          "ipv6.method=s:\"auto\"\n"
                                          "ppp.refuse-chap=b:true\n"
                                          "ppp.refuse-eap=b:true\n"
                                          "ppp.refuse-mschap=b:true\n"
                                          "ppp.refuse-mschapv2=b:true\n"
                                          "user.data=a{ss}:[{\"org.provboot.name\",\"%s\"},{\"org.provboot.owner\","
                                          "\"verifierd\"},{\"org.provboot.push-id\",\"7\"},"
                                          "{\"org.provboot.root\",\"%s\"}]\n",
                                          p.uuid, p.filename, p.root),
                                 0);
                ck_assert_str_eq(text, want);
        }
        export_nm_api_text_free(TAKE_PTR(text));

        /* autoconnect off is sent, and no priority */
        p.autoconnect = false;
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m2 = new_msg();

                ck_assert_int_ge(export_nm_api_append_settings(m2, &p), 0);
                seal(m2);
                text = canon(&m2, 1, 0);
                ck_assert_ptr_nonnull(strstr(text, "connection.autoconnect=b:false\n"));
                ck_assert_ptr_null(strstr(text, "autoconnect-priority"));
        }
}
END_TEST

START_TEST(test_read_back) {
        NmProfile p = profile();
        char want[STORE_DIGEST_HEX_LEN + 1], have[STORE_DIGEST_HEX_LEN + 1];

        ck_assert_int_eq(export_nm_api_profile_digest(bus, &p, want), 0);
        ck_assert_int_eq((int) strlen(want), STORE_DIGEST_HEX_LEN);
        for (int change = 0; change <= 4; change++) {
                sd_bus_message *both[2];
                _cleanup_free_ char *text = NULL;

                nm_reply(&p, change, &both[0], &both[1]);
                text = canon(both, 2, 0);
                ck_assert_int_eq(store_digest_hex((const uint8_t *) text, strlen(text), have), 0);
                if (change == 0)
                        ck_assert_str_eq(have, want); /* untouched: what verifierd stored */
                else
                        ck_assert_str_ne(have, want); /* a user's edit */
                sd_bus_message_unref(both[0]);
                sd_bus_message_unref(both[1]);
                export_nm_api_text_free(TAKE_PTR(text));
        }
        /* without the secrets, the password is missing: another digest (never "unchanged") */
        {
                sd_bus_message *both[2];
                _cleanup_free_ char *text = NULL;

                nm_reply(&p, 0, &both[0], &both[1]);
                text = canon(both, 1, 0);
                ck_assert_int_eq(store_digest_hex((const uint8_t *) text, strlen(text), have), 0);
                ck_assert_str_ne(have, want);
                sd_bus_message_unref(both[0]);
                sd_bus_message_unref(both[1]);
                export_nm_api_text_free(TAKE_PTR(text));
        }
        /* another push: another digest */
        p.push_id = 8;
        ck_assert_int_eq(export_nm_api_profile_digest(bus, &p, have), 0);
        ck_assert_str_ne(have, want);
}
END_TEST

START_TEST(test_refused_values) {
        NmProfile p = profile();
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_msg();
        char d[STORE_DIGEST_HEX_LEN + 1];

        p.apn = "bad apn";
        ck_assert_int_eq(export_nm_api_append_settings(m, &p), -EBADMSG);
        ck_assert_int_eq(export_nm_api_profile_digest(bus, &p, d), -EBADMSG);
        p = profile();
        p.password = "a\nb";
        ck_assert_int_eq(export_nm_api_profile_digest(bus, &p, d), -EBADMSG);
}
END_TEST

/* A property whose value is @depth variants, one inside the other, around a string. */
static sd_bus_message *nested(unsigned depth) {
        sd_bus_message *m = new_msg();

        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sa{sv}}"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'e', "sa{sv}"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "s", "x"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'e', "sv"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "s", "p"), 0);
        for (unsigned i = 0; i < depth; i++)
                ck_assert_int_ge(sd_bus_message_open_container(m, 'v', "v"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "v", "s", "deep"), 0);
        for (unsigned i = 0; i < depth; i++)
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        for (unsigned i = 0; i < 4; i++)
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        seal(m);
        return m;
}

START_TEST(test_bounds) {
        sd_bus_message *m;
        _cleanup_free_ char *big = NULL;
        size_t overhead = strlen("x.p=s:\"\"\n") + 1;
        char *text;

        /* the property's variant is level 0; EXPORT_NM_API_DEPTH_MAX levels are read */
        m = nested(EXPORT_NM_API_DEPTH_MAX - 1);
        text = canon(&m, 1, 0);
        ck_assert_ptr_nonnull(strstr(text, "deep"));
        export_nm_api_text_free(text);
        sd_bus_message_unref(m);
        m = nested(EXPORT_NM_API_DEPTH_MAX);
        canon(&m, 1, -EBADMSG);
        sd_bus_message_unref(m);

        /* the canonical text at EXPORT_NM_API_CANON_MAX (with its NUL) and past it */
        big = malloc(EXPORT_NM_API_CANON_MAX);
        ck_assert_ptr_nonnull(big);
        for (unsigned past = 0; past <= 1; past++) {
                size_t n = EXPORT_NM_API_CANON_MAX - overhead + past;

                memset(big, 'a', n);
                big[n] = 0;
                m = new_msg();
                ck_assert_int_ge(sd_bus_message_append(m, "a{sa{sv}}", 1, "x", 1, "p", "s", big), 0);
                seal(m);
                text = canon(&m, 1, past ? -EBADMSG : 0);
                if (!past)
                        ck_assert_uint_eq(strlen(text) + 1, EXPORT_NM_API_CANON_MAX);
                export_nm_api_text_free(text);
                sd_bus_message_unref(m);
        }

        /* a dictionary value whose entries are held until all are read (to be sorted): at
         * EXPORT_NM_API_CANON_MAX, past it by one byte, and three entries of half of it each,
         * refused before more than EXPORT_NM_API_CANON_MAX is held (a running sum of the
         * entries, not each entry alone) */
        for (unsigned kase = 0; kase < 3; kase++) {
                /* x.p=a{ss}:[{"k0","..."},{"k1","..."}]\n and the NUL */
                size_t fixed = strlen("x.p=a{ss}:[]\n") + 1 + 2 * strlen("{\"k0\",\"\"}") + 1;
                size_t total = EXPORT_NM_API_CANON_MAX - fixed + (kase == 1), len[3];
                unsigned n_entries = kase == 2 ? 3 : 2;

                len[0] = total / 2;
                len[1] = total - len[0];
                if (kase == 2)
                        len[0] = len[1] = len[2] = EXPORT_NM_API_CANON_MAX / 2;
                m = new_msg();
                ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sa{sv}}"), 0);
                setting_open(m, "x");
                ck_assert_int_ge(sd_bus_message_open_container(m, 'e', "sv"), 0);
                ck_assert_int_ge(sd_bus_message_append(m, "s", "p"), 0);
                ck_assert_int_ge(sd_bus_message_open_container(m, 'v', "a{ss}"), 0);
                ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{ss}"), 0);
                for (unsigned i = 0; i < n_entries; i++) {
                        char key[8];

                        memset(big, 'a', len[i]);
                        big[len[i]] = 0;
                        snprintf(key, sizeof key, "k%u", i);
                        ck_assert_int_ge(sd_bus_message_append(m, "{ss}", key, big), 0);
                }
                for (unsigned i = 0; i < 3; i++)
                        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
                setting_close(m);
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
                seal(m);
                text = canon(&m, 1, kase == 0 ? 0 : -EBADMSG);
                if (kase == 0)
                        ck_assert_uint_eq(strlen(text) + 1, EXPORT_NM_API_CANON_MAX);
                ck_assert_uint_le(export_nm_api_canonical_peak(), EXPORT_NM_API_CANON_MAX);
                export_nm_api_text_free(text);
                sd_bus_message_unref(m);
        }

        /* EXPORT_NM_API_PROPERTIES_MAX properties (over two messages, as GetSettings and
         * GetSecrets) and one more */
        for (unsigned past = 0; past <= 1; past++) {
                sd_bus_message *two[2] = { new_msg(), new_msg() };

                for (unsigned k = 0; k < 2; k++) {
                        unsigned half = EXPORT_NM_API_PROPERTIES_MAX / 2 + (k == 1 ? past : 0);

                        ck_assert_int_ge(sd_bus_message_open_container(two[k], 'a', "{sa{sv}}"), 0);
                        setting_open(two[k], k == 0 ? "s0" : "s1");
                        for (unsigned i = 0; i < half; i++) {
                                char name[16];

                                snprintf(name, sizeof name, "p%u", i);
                                ck_assert_int_ge(sd_bus_message_append(two[k], "{sv}", name, "u", i), 0);
                        }
                        setting_close(two[k]);
                        ck_assert_int_ge(sd_bus_message_close_container(two[k]), 0);
                        seal(two[k]);
                }
                text = canon(two, 2, past ? -EBADMSG : 0);
                if (!past)
                        ck_assert_ptr_nonnull(strstr(text, "s1.p511=u:511\n"));
                export_nm_api_text_free(text);
                sd_bus_message_unref(two[0]);
                sd_bus_message_unref(two[1]);
        }

        /* not a{sa{sv}} */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "a{ss}", 1, "a", "b"), 0);
        seal(m);
        canon(&m, 1, -EBADMSG);
        sd_bus_message_unref(m);
        /* names other than NetworkManager's: refused, never a blurred line */
        {
                static const char *const bad[][2] = { { "x", "a.b" }, { "x", "a=b" }, { "x.y", "p" }, { "x", "" },
                                                      { "x", "a\nb" } };

                for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                        m = new_msg();
                        ck_assert_int_ge(sd_bus_message_append(m, "a{sa{sv}}", 1, bad[i][0], 1, bad[i][1], "s", "v"), 0);
                        seal(m);
                        canon(&m, 1, -EBADMSG);
                        sd_bus_message_unref(m);
                }
        }
        /* a control character is escaped, never a line break of the canonical text */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "a{sa{sv}}", 1, "x", 1, "p", "s", "a\nb=c"), 0);
        seal(m);
        text = canon(&m, 1, 0);
        ck_assert_str_eq(text, "x.p=s:\"a\\x0ab=c\"\n");
        export_nm_api_text_free(text);
        sd_bus_message_unref(m);
}
END_TEST

/* A connection known only from the listing is taken for a name only when the root in its user
 * data gives that name (export_nm_name_of_root) and its UUID (nm-api.sh: end to end). */
START_TEST(test_name_of_root) {
        NmProfile p = profile(), q = profile();

        ck_assert(export_nm_name_of_root(p.filename, p.root));
        q.root = "/NAPDEF[NAPID=OTHER]";
        ck_assert_int_eq(export_nm_profile_finish(&q), 0);
        ck_assert(export_nm_name_of_root(q.filename, q.root));
        ck_assert(!export_nm_name_of_root(p.filename, q.root));
        ck_assert(!export_nm_name_of_root(q.filename, p.root));
        ck_assert(!export_nm_name_of_root(p.filename, NULL));
        ck_assert(!export_nm_name_of_root(NULL, p.root));
        ck_assert(!export_nm_name_of_root("provboot-INTERNET.nmconnection", p.root));
}
END_TEST

int main(void) {
        Suite *s = suite_create("export-nm-api");
        TCase *tc = tcase_create("/export-nm-api");

        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_sent_settings);
        TU_ADD(tc, test_read_back);
        TU_ADD(tc, test_refused_values);
        TU_ADD(tc, test_bounds);
        TU_ADD(tc, test_name_of_root);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
