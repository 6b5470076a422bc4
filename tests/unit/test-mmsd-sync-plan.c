/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mmsd-sync-plan.c: mmsd-sync/plan.c, provboot-mmsd-sync's decisions (issue 10 point 5):
 *   - sync_decide: nothing published -> nothing; mmsd-tng holding the values -> in sync; a
 *     publication handed over before and changed in mmsd-tng since -> kept (the user's edit),
 *     unless mmsd-tng is back to its unset values; a newer push, a first run, or mmsd-tng
 *     unreadable -> apply;
 *   - sync_changes: only the keys that differ, in mmsd-tng's order; all three when unreadable;
 *   - sync_view_read (ViewSettings' reply, built on an unconnected peer bus): the three keys as
 *     strings, other keys and types skipped; MMSD_VIEW_DICT_MAX entries at the limit and past it;
 *     a value of MMSD_VIEW_VALUE_MAX bytes kept, one byte more taken as "";
 *   - the state file: format/parse round trip; SYNC_STATE_MAX at the limit and past it; every
 *     value by the rules of ipc/mms-settings.h; unknown, repeated or missing keys, a NUL byte,
 *     a zero or overflowing push id: refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mmsd-sync/plan.h"
#include "testutil.h"

static const IpcMmsSettings PUB = {
        .have = true,
        .mmsc = "http://mms.example.com/servlets/mms",
        .apn = "mms.example.com",
        .proxy = "10.11.12.13:8080",
        .push_id = 5,
};

START_TEST(test_decide) {
        MmsdView same = { PUB.mmsc, PUB.apn, PUB.proxy };
        MmsdView fresh = { MMSD_UNSET_MMSC, MMSD_UNSET_APN, "NULL" };
        MmsdView edited = { "http://user.example/mms", PUB.apn, PUB.proxy };
        MmsdView apn_lost = { "http://user.example/mms", MMSD_UNSET_APN, "NULL" };
        IpcMmsSettings newer = PUB;
        SyncRecord last;

        ck_assert_int_eq(sync_decide(&(IpcMmsSettings) {}, &fresh, NULL), SYNC_NOTHING);
        ck_assert_int_eq(sync_decide(NULL, &fresh, NULL), SYNC_NOTHING);
        /* first run */
        ck_assert_int_eq(sync_decide(&PUB, &fresh, NULL), SYNC_APPLY);
        ck_assert_int_eq(sync_decide(&PUB, NULL, NULL), SYNC_APPLY);
        ck_assert_int_eq(sync_decide(&PUB, &same, NULL), SYNC_IN_SYNC);
        ck_assert_int_eq(sync_decide(&PUB, &edited, NULL), SYNC_APPLY);
        /* handed over before */
        sync_record_set(&last, &PUB);
        ck_assert(sync_record_matches(&last, &PUB));
        ck_assert_int_eq(sync_decide(&PUB, &same, &last), SYNC_IN_SYNC);
        ck_assert_int_eq(sync_decide(&PUB, &edited, &last), SYNC_KEEP_USER_EDIT);
        ck_assert_int_eq(sync_decide(&PUB, &fresh, &last), SYNC_APPLY);    /* mmsd-tng lost its file */
        ck_assert_int_eq(sync_decide(&PUB, &apn_lost, &last), SYNC_APPLY);
        ck_assert_int_eq(sync_decide(&PUB, NULL, &last), SYNC_APPLY);      /* unreadable: send */
        /* a newer push for it, even with the same values */
        newer.push_id = 6;
        ck_assert(!sync_record_matches(&last, &newer));
        ck_assert_int_eq(sync_decide(&newer, &edited, &last), SYNC_APPLY);
        newer = PUB;
        newer.mmsc = "http://other.example/mms";
        ck_assert_int_eq(sync_decide(&newer, &edited, &last), SYNC_APPLY);
}
END_TEST

START_TEST(test_changes) {
        MmsdView v = { PUB.mmsc, "other.apn", NULL };
        SyncChange c[3];

        ck_assert_uint_eq(sync_changes(&PUB, NULL, c), 3);
        ck_assert_str_eq(c[0].key, "CarrierMMSC");
        ck_assert_str_eq(c[1].key, "MMS_APN");
        ck_assert_str_eq(c[2].key, "CarrierMMSProxy");
        ck_assert_str_eq(c[2].value, PUB.proxy);
        ck_assert_uint_eq(sync_changes(&PUB, &v, c), 2);
        ck_assert_str_eq(c[0].key, "MMS_APN");
        ck_assert_str_eq(c[0].value, PUB.apn);
        ck_assert_str_eq(c[1].key, "CarrierMMSProxy");
        v = (MmsdView) { PUB.mmsc, PUB.apn, PUB.proxy };
        ck_assert_uint_eq(sync_changes(&PUB, &v, c), 0);
}
END_TEST

START_TEST(test_record_round_trip) {
        char buf[SYNC_STATE_MAX];
        SyncRecord a, b;
        int n;

        sync_record_set(&a, &PUB);
        n = sync_record_format(&a, buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(sync_record_parse(buf, (size_t) n, &b), 0);
        ck_assert(b.have);
        ck_assert(sync_record_matches(&b, &PUB));
        ck_assert_int_eq(sync_record_format(&a, buf, 10), -ENOBUFS);
        ck_assert_int_eq(sync_record_format(&(SyncRecord) {}, buf, sizeof buf), -EINVAL);
        /* no final newline, another order, comments and empty lines */
        ck_assert_int_eq(sync_record_parse(
                                 "\n# x\nMMS_APN=mms\nCarrierMMSProxy=NULL\nPushId=18446744073709551615\nCarrierMMSC=https://m/",
                                 strlen("\n# x\nMMS_APN=mms\nCarrierMMSProxy=NULL\nPushId=18446744073709551615\n"
                                        "CarrierMMSC=https://m/"),
                                 &b),
                         0);
        ck_assert_uint_eq(b.push_id, UINT64_MAX);
        ck_assert_str_eq(b.proxy, "NULL");
}
END_TEST

static int parse(const char *s) {
        SyncRecord r;
        int ret = sync_record_parse(s, strlen(s), &r);

        if (ret < 0)
                ck_assert(!r.have);
        return ret;
}

#define OK_BODY "CarrierMMSC=http://m/\nMMS_APN=mms\nCarrierMMSProxy=NULL\n"

START_TEST(test_record_refusals) {
        static char big[SYNC_STATE_MAX + 2];
        size_t base;

        ck_assert_int_eq(parse("PushId=1\n" OK_BODY), 0);
        ck_assert_int_eq(parse(OK_BODY), -EBADMSG);                                 /* missing */
        ck_assert_int_eq(parse("PushId=1\nPushId=2\n" OK_BODY), -EBADMSG);          /* twice */
        ck_assert_int_eq(parse("PushId=1\nOther=x\n" OK_BODY), -EBADMSG);           /* unknown */
        ck_assert_int_eq(parse("PushId=1\nnonsense\n" OK_BODY), -EBADMSG);
        ck_assert_int_eq(parse("PushId=0\n" OK_BODY), -EBADMSG);
        ck_assert_int_eq(parse("PushId=01\n" OK_BODY), -EBADMSG);
        ck_assert_int_eq(parse("PushId=18446744073709551616\n" OK_BODY), -EBADMSG); /* overflow */
        ck_assert_int_eq(parse("PushId=1x\n" OK_BODY), -EBADMSG);
        ck_assert_int_eq(parse("PushId=\n" OK_BODY), -EBADMSG);
        ck_assert_int_eq(parse("PushId=1\nCarrierMMSC=http://u:p@m/\nMMS_APN=mms\nCarrierMMSProxy=NULL\n"), -EBADMSG);
        ck_assert_int_eq(parse("PushId=1\nCarrierMMSC=http://m/\nMMS_APN=mms x\nCarrierMMSProxy=NULL\n"), -EBADMSG);
        ck_assert_int_eq(parse("PushId=1\nCarrierMMSC=http://m/\nMMS_APN=mms\nCarrierMMSProxy=host\n"), -EBADMSG);
        ck_assert_int_eq(parse("PushId=1\nCarrierMMSC=http://m/\r\nMMS_APN=mms\nCarrierMMSProxy=NULL\n"), -EBADMSG);
        {
                SyncRecord r;
                const char nul[] = "PushId=1\n" OK_BODY "\0";

                ck_assert_int_eq(sync_record_parse(nul, sizeof nul - 1, &r), -EBADMSG);
        }
        /* SYNC_STATE_MAX: a valid file padded with a comment to exactly the limit, then one more */
        strcpy(big, "PushId=1\n" OK_BODY "#");
        base = strlen(big);
        memset(big + base, 'c', SYNC_STATE_MAX - base);
        big[SYNC_STATE_MAX] = 0;
        ck_assert_uint_eq(strlen(big), SYNC_STATE_MAX);
        ck_assert_int_eq(parse(big), 0);
        big[SYNC_STATE_MAX] = 'c';
        big[SYNC_STATE_MAX + 1] = 0;
        ck_assert_int_eq(parse(big), -E2BIG);
}
END_TEST

/* ---- sync_view_read ------------------------------------------------------------------------- */

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

/* ViewSettings' reply as mmsd-tng 2.1.0 sends it (6 entries), with @extra more boolean entries
 * and CarrierMMSC set to @mmsc. */
static sd_bus_message *view_reply(const char *mmsc, unsigned extra, bool apn_as_int) {
        sd_bus_message *m = NULL;
        char key[24];

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/org/ofono/mms", MMSD_INTERFACE, "Reply"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "CarrierMMSC", "s", mmsc), 0);
        if (apn_as_int)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "MMS_APN", "i", 3), 0);
        else
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "MMS_APN", "s", "apn.invalid"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", "CarrierMMSProxy", "s", "NULL",
                                               "DefaultModemNumber", "s", "NULL", "AutoProcessOnConnection", "b",
                                               1, "AutoProcessSMSWAP", "b", 1),
                         0);
        for (unsigned i = 0; i < extra; i++) {
                snprintf(key, sizeof key, "Future%u", i);
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", key, "b", 0), 0);
        }
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

START_TEST(test_view_read) {
        sd_bus_message *m = view_reply(MMSD_UNSET_MMSC, 0, false);
        MmsdView v;

        ck_assert_int_eq(sync_view_read(m, &v), 0);
        ck_assert_str_eq(v.mmsc, MMSD_UNSET_MMSC);
        ck_assert_str_eq(v.apn, MMSD_UNSET_APN);
        ck_assert_str_eq(v.proxy, "NULL");
        sd_bus_message_unref(m);

        /* a key with another type: not reported (so it differs from anything published) */
        m = view_reply(MMSD_UNSET_MMSC, 0, true);
        ck_assert_int_eq(sync_view_read(m, &v), 0);
        ck_assert_ptr_null(v.apn);
        ck_assert_str_eq(v.proxy, "NULL");
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_view_limits) {
        static char value[MMSD_VIEW_VALUE_MAX + 2];
        sd_bus_message *m;
        MmsdView v;

        /* MMSD_VIEW_DICT_MAX entries (6 + extra): read; one more: -E2BIG, nothing reported */
        m = view_reply(MMSD_UNSET_MMSC, MMSD_VIEW_DICT_MAX - 6, false);
        ck_assert_int_eq(sync_view_read(m, &v), 0);
        ck_assert_str_eq(v.mmsc, MMSD_UNSET_MMSC);
        sd_bus_message_unref(m);
        m = view_reply(MMSD_UNSET_MMSC, MMSD_VIEW_DICT_MAX - 5, false);
        ck_assert_int_eq(sync_view_read(m, &v), -E2BIG);
        ck_assert_ptr_null(v.mmsc);
        sd_bus_message_unref(m);

        /* a value of MMSD_VIEW_VALUE_MAX bytes is kept; one byte more is taken as "" */
        memset(value, 'x', MMSD_VIEW_VALUE_MAX);
        value[MMSD_VIEW_VALUE_MAX] = 0;
        m = view_reply(value, 0, false);
        ck_assert_int_eq(sync_view_read(m, &v), 0);
        ck_assert_uint_eq(strlen(v.mmsc), MMSD_VIEW_VALUE_MAX);
        sd_bus_message_unref(m);
        value[MMSD_VIEW_VALUE_MAX] = 'x';
        value[MMSD_VIEW_VALUE_MAX + 1] = 0;
        m = view_reply(value, 0, false);
        ck_assert_int_eq(sync_view_read(m, &v), 0);
        ck_assert_str_eq(v.mmsc, "");
        ck_assert_int_eq(sync_decide(&PUB, &v, NULL), SYNC_APPLY);
        sd_bus_message_unref(m);
        ck_assert_int_eq(sync_view_read(NULL, &v), -EINVAL);
}
END_TEST

int main(void) {
        Suite *s = suite_create("mmsd-sync-plan");
        TCase *tc = tcase_create("/mmsd-sync/plan");

        TU_ADD(tc, test_decide);
        TU_ADD(tc, test_changes);
        TU_ADD(tc, test_record_round_trip);
        TU_ADD(tc, test_record_refusals);
        suite_add_tcase(s, tc);

        tc = tcase_create("/mmsd-sync/view");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_view_read);
        TU_ADD(tc, test_view_limits);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
