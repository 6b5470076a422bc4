/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mms-settings.c: ipc/mms-settings.c, the dictionary of Verifier1.GetMmsSettings (issue 10
 * point 5) and its value rules, which verifierd applies before it publishes and
 * provboot-mmsd-sync again after it reads:
 *   - CarrierMMSC: http/https URL, host (IPv6 in brackets) and optional port, no userinfo, at
 *     most IPC_MMS_VALUE_MAX bytes (at the limit and past it), no space, control or non-ASCII;
 *   - MMS_APN: 1..IPC_MMS_APN_MAX bytes (at the limit and past it) of APN characters;
 *   - CarrierMMSProxy: "NULL" or host:port, port 1..65535 (at the limits and past them);
 *   - the dictionary: append/read round trip, empty = nothing published, at most
 *     IPC_MMS_DICT_MAX entries (at the limit and past it), unknown keys skipped, a known key with
 *     another type, twice, or missing: -EBADMSG, a bad value: -EINVAL; append refuses to publish
 *     what a reader would refuse.
 * Messages are built on an unconnected peer bus (socketpair; nothing is sent), sealed and read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mms-settings.h"
#include "testutil.h"

static sd_bus *bus;
static int fds[2] = { -1, -1 };

static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
}

static void teardown(void) {
        bus = sd_bus_close_unref(bus);
        if (fds[1] >= 0)
                close(fds[1]);
        fds[0] = fds[1] = -1;
}

/* "http://mms.example.com/" followed by 'p' up to exactly n bytes */
static const char *mmsc_of_len(size_t n) {
        static char buf[512];
        size_t l;

        strcpy(buf, "http://mms.example.com/");
        l = strlen(buf);
        ck_assert_uint_le(n, sizeof buf - 1);
        ck_assert_uint_ge(n, l);
        memset(buf + l, 'p', n - l);
        buf[n] = 0;
        return buf;
}

START_TEST(test_mmsc) {
        ck_assert(ipc_mms_mmsc_valid("http://mms.example.com/servlets/mms"));
        ck_assert(ipc_mms_mmsc_valid("HTTPS://mms.example.com"));
        ck_assert(ipc_mms_mmsc_valid("http://10.1.2.3:8002/mms?x=1#f"));
        ck_assert(ipc_mms_mmsc_valid("http://[2001:db8::1]:80/mms"));
        ck_assert(ipc_mms_mmsc_valid("http://[2001:db8::1]/"));
        ck_assert(ipc_mms_mmsc_valid("http://mmsc:65535"));
        /* the length limit: at it and past it */
        ck_assert_uint_eq(strlen(mmsc_of_len(IPC_MMS_VALUE_MAX)), IPC_MMS_VALUE_MAX);
        ck_assert(ipc_mms_mmsc_valid(mmsc_of_len(IPC_MMS_VALUE_MAX)));
        ck_assert(!ipc_mms_mmsc_valid(mmsc_of_len(IPC_MMS_VALUE_MAX + 1)));
        /* refused */
        ck_assert(!ipc_mms_mmsc_valid(NULL));
        ck_assert(!ipc_mms_mmsc_valid(""));
        ck_assert(!ipc_mms_mmsc_valid("ftp://mms.example.com/"));
        ck_assert(!ipc_mms_mmsc_valid("mms.example.com/mms"));
        ck_assert(!ipc_mms_mmsc_valid("http:///mms"));                   /* no authority */
        ck_assert(!ipc_mms_mmsc_valid("http://user:secret@mms.example.com/")); /* userinfo: a credential */
        ck_assert(!ipc_mms_mmsc_valid("http://user@mms.example.com/"));
        ck_assert(!ipc_mms_mmsc_valid("http://mms.example.com/a b"));
        ck_assert(!ipc_mms_mmsc_valid("http://mms.example.com/\nCarrierMMSC=x")); /* key-file injection */
        ck_assert(!ipc_mms_mmsc_valid("http://mms.example.com/\x7f"));
        ck_assert(!ipc_mms_mmsc_valid("http://mms.example.com/\xc3\xa9"));
        ck_assert(!ipc_mms_mmsc_valid("http://mmsc:0/"));
        ck_assert(!ipc_mms_mmsc_valid("http://mmsc:65536/"));
        ck_assert(!ipc_mms_mmsc_valid("http://mmsc:/"));
        ck_assert(!ipc_mms_mmsc_valid("http://mmsc:8x/"));
        ck_assert(!ipc_mms_mmsc_valid("http://[2001:db8::1/"));
        ck_assert(!ipc_mms_mmsc_valid("http://[2001:db8::1]x/"));
        ck_assert(!ipc_mms_mmsc_valid("http://2001:db8::1/")); /* IPv6 only in brackets */
        ck_assert(!ipc_mms_mmsc_valid("http://bad..host/"));
}
END_TEST

START_TEST(test_apn) {
        char apn[IPC_MMS_APN_MAX + 2];

        ck_assert(ipc_mms_apn_valid("mms.example.com"));
        ck_assert(ipc_mms_apn_valid("mms_op-1"));
        memset(apn, 'a', sizeof apn);
        apn[IPC_MMS_APN_MAX] = 0;
        ck_assert(ipc_mms_apn_valid(apn)); /* at the limit */
        apn[IPC_MMS_APN_MAX] = 'a';
        apn[IPC_MMS_APN_MAX + 1] = 0;
        ck_assert(!ipc_mms_apn_valid(apn)); /* past it */
        ck_assert(!ipc_mms_apn_valid(NULL));
        ck_assert(!ipc_mms_apn_valid(""));
        ck_assert(!ipc_mms_apn_valid("mms example"));
        ck_assert(!ipc_mms_apn_valid("mms\n"));
        ck_assert(!ipc_mms_apn_valid("mms/x"));
}
END_TEST

START_TEST(test_proxy) {
        char px[IPC_MMS_VALUE_MAX + 2];

        ck_assert(ipc_mms_proxy_valid(IPC_MMS_NO_PROXY));
        ck_assert(ipc_mms_proxy_valid("10.1.2.3:8080"));
        ck_assert(ipc_mms_proxy_valid("proxy.example.com:1"));
        ck_assert(ipc_mms_proxy_valid("proxy.example.com:65535"));
        ck_assert(ipc_mms_proxy_valid("[2001:db8::1]:9201"));
        ck_assert(!ipc_mms_proxy_valid("proxy.example.com:65536"));
        ck_assert(!ipc_mms_proxy_valid("proxy.example.com:0"));
        ck_assert(!ipc_mms_proxy_valid("proxy.example.com"));  /* the port is required */
        ck_assert(!ipc_mms_proxy_valid("proxy.example.com:"));
        ck_assert(!ipc_mms_proxy_valid("2001:db8::1:80"));     /* IPv6 only in brackets */
        ck_assert(!ipc_mms_proxy_valid("[2001:db8::1]"));
        ck_assert(!ipc_mms_proxy_valid("u@proxy:80"));
        ck_assert(!ipc_mms_proxy_valid("proxy :80"));
        ck_assert(!ipc_mms_proxy_valid("null"));
        ck_assert(!ipc_mms_proxy_valid(""));
        ck_assert(!ipc_mms_proxy_valid(NULL));
        /* the length limit: a 253-byte DNS name + ":1" is 255 bytes; one more digit is past it */
        snprintf(px, sizeof px, "%.63s.%.63s.%.63s.%.61s:1",
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
                 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
        ck_assert_uint_eq(strlen(px), IPC_MMS_VALUE_MAX);
        ck_assert(ipc_mms_proxy_valid(px));
        strcat(px, "0");
        ck_assert_uint_eq(strlen(px), IPC_MMS_VALUE_MAX + 1);
        ck_assert(!ipc_mms_proxy_valid(px));
}
END_TEST

static const IpcMmsSettings GOOD = {
        .have = true,
        .mmsc = "http://mms.example.com/servlets/mms",
        .apn = "mms.example.com",
        .proxy = "10.1.2.3:8080",
        .push_id = 7,
};

static sd_bus_message *new_msg(void) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/org/provboot/Verifier1", IPC_VERIFIER_INTERFACE,
                                                   IPC_S_MMS_SETTINGS_CHANGED),
                         0);
        return m;
}

static sd_bus_message *sealed(sd_bus_message *m) {
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

START_TEST(test_round_trip) {
        sd_bus_message *m = new_msg();
        IpcMmsSettings s;

        ck_assert_int_eq(ipc_mms_settings_append(m, &GOOD), 0);
        sealed(m);
        ck_assert_str_eq(sd_bus_message_get_signature(m, true), IPC_SIG_MMS_SETTINGS);
        ck_assert_int_eq(ipc_mms_settings_read(m, &s), 0);
        ck_assert(s.have);
        ck_assert_str_eq(s.mmsc, GOOD.mmsc);
        ck_assert_str_eq(s.apn, GOOD.apn);
        ck_assert_str_eq(s.proxy, GOOD.proxy);
        ck_assert_uint_eq(s.push_id, 7);
        sd_bus_message_unref(m);

        /* nothing published: an empty dictionary */
        m = new_msg();
        ck_assert_int_eq(ipc_mms_settings_append(m, &(IpcMmsSettings) {}), 0);
        sealed(m);
        s.have = true;
        ck_assert_int_eq(ipc_mms_settings_read(m, &s), 0);
        ck_assert(!s.have);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_append_refuses_invalid) {
        sd_bus_message *m = new_msg();
        IpcMmsSettings s = GOOD;

        s.mmsc = "http://user:pw@mms.example.com/";
        ck_assert_int_eq(ipc_mms_settings_append(m, &s), -EINVAL);
        s = GOOD;
        s.push_id = 0;
        ck_assert_int_eq(ipc_mms_settings_append(m, &s), -EINVAL);
        s = GOOD;
        s.proxy = NULL;
        ck_assert_int_eq(ipc_mms_settings_append(m, &s), -EINVAL);
        ck_assert_int_eq(ipc_mms_settings_append(m, NULL), -EINVAL);
        sd_bus_message_unref(m);
}
END_TEST

/* A dictionary written by hand: the four keys (each can be left out, or given with a wrong type),
 * @extra unknown keys, and optionally one key twice. */
typedef struct Spec {
        const char *mmsc, *apn, *proxy; /* NULL: left out */
        bool push_id_missing, push_id_as_u, apn_as_as, twice;
        uint64_t push_id;
        unsigned extra;
} Spec;

static sd_bus_message *dict(const Spec *sp) {
        sd_bus_message *m = new_msg();
        char key[24];

        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
        for (unsigned i = 0; i < sp->extra; i++) {
                snprintf(key, sizeof key, "Future%u", i);
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", key, "u", i), 0);
        }
        if (sp->mmsc)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_MMSC, "s", sp->mmsc), 0);
        if (sp->apn_as_as)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_APN, "as", 1, "mms"), 0);
        else if (sp->apn)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_APN, "s", sp->apn), 0);
        if (sp->proxy)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_PROXY, "s", sp->proxy), 0);
        if (sp->push_id_as_u)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_PUSH_ID, "u", (uint32_t) sp->push_id), 0);
        else if (!sp->push_id_missing)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_PUSH_ID, "t", sp->push_id), 0);
        if (sp->twice)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", IPC_MMS_KEY_MMSC, "s", "http://evil.example/"), 0);
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        return sealed(m);
}

#define FULL .mmsc = "http://mms.example.com/", .apn = "mms.example.com", .proxy = "NULL", .push_id = 3

static int read_spec(const Spec *sp, IpcMmsSettings *s) {
        sd_bus_message *m = dict(sp);
        int r = ipc_mms_settings_read(m, s);

        sd_bus_message_unref(m);
        return r;
}

START_TEST(test_read_limits) {
        IpcMmsSettings s;

        /* IPC_MMS_DICT_MAX entries in all: read; one more: -E2BIG */
        ck_assert_int_eq(read_spec(&(Spec) { FULL, .extra = IPC_MMS_DICT_MAX - 4 }, &s), 0);
        ck_assert(s.have);
        ck_assert_uint_eq(s.push_id, 3);
        ck_assert_int_eq(read_spec(&(Spec) { FULL, .extra = IPC_MMS_DICT_MAX - 3 }, &s), -E2BIG);
        ck_assert(!s.have);
}
END_TEST

START_TEST(test_read_refusals) {
        IpcMmsSettings s;

        /* unknown keys only: nothing published */
        ck_assert_int_eq(read_spec(&(Spec) { .push_id_missing = true, .extra = 2 }, &s), 0);
        ck_assert(!s.have);
        /* some but not all keys */
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://mms.example.com/", .apn = "mms", .proxy = "NULL",
                                             .push_id_missing = true },
                                   &s),
                         -EBADMSG);
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://mms.example.com/", .push_id = 3 }, &s), -EBADMSG);
        /* a known key with another type */
        ck_assert_int_eq(read_spec(&(Spec) { FULL, .push_id_as_u = true }, &s), -EBADMSG);
        ck_assert_int_eq(read_spec(&(Spec) { FULL, .apn_as_as = true }, &s), -EBADMSG);
        /* a key twice */
        ck_assert_int_eq(read_spec(&(Spec) { FULL, .twice = true }, &s), -EBADMSG);
        ck_assert(!s.have);
        /* values breaking their rules */
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://u:p@mms.example.com/", .apn = "mms", .proxy = "NULL",
                                             .push_id = 3 },
                                   &s),
                         -EINVAL);
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://mms.example.com/", .apn = "mms\nx", .proxy = "NULL",
                                             .push_id = 3 },
                                   &s),
                         -EINVAL);
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://mms.example.com/", .apn = "mms", .proxy = "evil",
                                             .push_id = 3 },
                                   &s),
                         -EINVAL);
        ck_assert_int_eq(read_spec(&(Spec) { .mmsc = "http://mms.example.com/", .apn = "mms", .proxy = "NULL",
                                             .push_id = 0 },
                                   &s),
                         -EINVAL);
        ck_assert(!s.have);
}
END_TEST

int main(void) {
        Suite *s = suite_create("mms-settings");
        TCase *tc;

        tc = tcase_create("/mms-settings/rules");
        TU_ADD(tc, test_mmsc);
        TU_ADD(tc, test_apn);
        TU_ADD(tc, test_proxy);
        suite_add_tcase(s, tc);

        tc = tcase_create("/mms-settings/dict");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_round_trip);
        TU_ADD(tc, test_append_refuses_invalid);
        TU_ADD(tc, test_read_limits);
        TU_ADD(tc, test_read_refusals);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
