/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mmsd-sync-plan.c: mmsd-sync/plan.c, provboot-mmsd-sync's decisions (issue 10 point 5):
 *   - sync_decide: nothing published -> nothing; mmsd-tng holding the values -> in sync; a
 *     publication handed over before and changed in mmsd-tng since -> kept (the user's edit),
 *     unless mmsd-tng is back to its unset values; a newer push, a first run, or mmsd-tng
 *     unreadable -> apply;
 *   - sync_changes: only the keys that differ, in mmsd-tng's order; all three when unreadable;
 *   - the state file: format/parse round trip; SYNC_STATE_MAX at the limit and past it; every
 *     value by the rules of ipc/mms-settings.h; unknown, repeated or missing keys, a NUL byte,
 *     a zero or overflowing push id: refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

int main(void) {
        Suite *s = suite_create("mmsd-sync-plan");
        TCase *tc = tcase_create("/mmsd-sync/plan");

        TU_ADD(tc, test_decide);
        TU_ADD(tc, test_changes);
        TU_ADD(tc, test_record_round_trip);
        TU_ADD(tc, test_record_refusals);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
