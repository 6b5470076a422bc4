/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-log-ratelimit.c: the verdict log's token bucket (verifierd/log-ratelimit.c) with an
 * injected clock: a burst at the limit is logged and one more is suppressed; refill is exact to
 * the microsecond; the next line logged reports how many were suppressed; a long idle refills to
 * the burst and no further; a clock going backwards refills nothing; a forced line (an applied
 * push) is logged even with the bucket empty.
 */
#include <stdio.h>

#include "testutil.h"
#include "verifierd/log-ratelimit.h"

#define T0 UINT64_C(5000000000)

/* burst 5: five lines at once are logged (at the limit), the sixth is suppressed (past it). */
START_TEST(test_burst_at_and_past_limit) {
        LogRateLimit rl = {};
        uint64_t sup = 99;

        for (unsigned i = 0; i < 5; i++) {
                ck_assert(log_ratelimit_take(&rl, 5, 10, T0, false, &sup));
                ck_assert_uint_eq(sup, 0);
        }
        ck_assert(!log_ratelimit_take(&rl, 5, 10, T0, false, &sup));
        ck_assert(!log_ratelimit_take(&rl, 5, 10, T0, false, &sup));
        ck_assert_uint_eq(rl.suppressed, 2);
}
END_TEST

/* 10 per second: one line every 100 ms exactly; 1 µs early is not enough; the line logged then
 * reports the lines suppressed before it, once. */
START_TEST(test_refill_exact_and_report) {
        LogRateLimit rl = {};
        uint64_t sup = 99;

        ck_assert(log_ratelimit_take(&rl, 1, 10, T0, false, &sup));
        sup = 99;
        for (unsigned i = 0; i < 7; i++)
                ck_assert(!log_ratelimit_take(&rl, 1, 10, T0 + 1000 * i, false, &sup));
        ck_assert(!log_ratelimit_take(&rl, 1, 10, T0 + 100000 - 1, false, &sup));
        ck_assert_uint_eq(sup, 99); /* untouched while suppressing */
        ck_assert(log_ratelimit_take(&rl, 1, 10, T0 + 100000, false, &sup));
        ck_assert_uint_eq(sup, 8);
        ck_assert(log_ratelimit_take(&rl, 1, 10, T0 + 200000, false, &sup));
        ck_assert_uint_eq(sup, 0);
}
END_TEST

/* A day idle refills to the burst and no further; a clock going backwards refills nothing. */
START_TEST(test_idle_and_backwards) {
        LogRateLimit rl = {};
        uint64_t t = T0 + 86400ULL * 1000000ULL;

        for (unsigned i = 0; i < 3; i++)
                ck_assert(log_ratelimit_take(&rl, 3, 1, T0, false, NULL));
        ck_assert(!log_ratelimit_take(&rl, 3, 1, T0, false, NULL));
        for (unsigned i = 0; i < 3; i++)
                ck_assert(log_ratelimit_take(&rl, 3, 1, t, false, NULL));
        ck_assert(!log_ratelimit_take(&rl, 3, 1, t, false, NULL));
        ck_assert(!log_ratelimit_take(&rl, 3, 1, T0, false, NULL)); /* backwards: nothing */
        ck_assert(!log_ratelimit_take(&rl, 3, 1, t + 999999, false, NULL));
        ck_assert(log_ratelimit_take(&rl, 3, 1, t + 1000000, false, NULL));
}
END_TEST

/* A forced line is logged with the bucket empty, reports the suppressed count, and leaves the
 * bucket empty (no debt: the next unforced line waits one period, not more). */
START_TEST(test_forced) {
        LogRateLimit rl = {};
        uint64_t sup = 99;

        ck_assert(log_ratelimit_take(&rl, 1, 10, T0, false, &sup));
        ck_assert(!log_ratelimit_take(&rl, 1, 10, T0, false, &sup));
        ck_assert(log_ratelimit_take(&rl, 1, 10, T0, true, &sup));
        ck_assert_uint_eq(sup, 1);
        ck_assert(!log_ratelimit_take(&rl, 1, 10, T0 + 99999, false, &sup));
        ck_assert(log_ratelimit_take(&rl, 1, 10, T0 + 100000, false, &sup));
        ck_assert_uint_eq(sup, 1);
}
END_TEST

/* The daemon's numbers: VERDICT_LOG_BURST lines of a flood, then VERDICT_LOG_PER_SEC a second. */
START_TEST(test_verdict_numbers) {
        LogRateLimit rl = {};
        uint64_t reported = 0, sup;
        unsigned logged = 0;

        for (unsigned i = 0; i < 10000; i++) /* 10000 verdicts within 1 s (100 µs apart) */
                if (log_ratelimit_take(&rl, VERDICT_LOG_BURST, VERDICT_LOG_PER_SEC, T0 + 100ULL * i, false, &sup)) {
                        logged++;
                        reported += sup;
                }
        ck_assert_uint_eq(logged, VERDICT_LOG_BURST + VERDICT_LOG_PER_SEC - 1);
        /* every suppressed line is reported by a later logged one, or still counted */
        ck_assert_uint_eq(reported + rl.suppressed, 10000 - logged);
}
END_TEST

int main(void) {
        Suite *s = suite_create("log-ratelimit");
        TCase *tc = tcase_create("/verifierd/log-ratelimit");

        TU_ADD(tc, test_burst_at_and_past_limit);
        TU_ADD(tc, test_refill_exact_and_report);
        TU_ADD(tc, test_idle_and_backwards);
        TU_ADD(tc, test_forced);
        TU_ADD(tc, test_verdict_numbers);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
