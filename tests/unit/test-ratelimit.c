/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ratelimit.c: provd's token buckets and per-sender table (provd/ratelimit.c) with an
 * injected clock: a burst at the limit passes and one more is refused; refill is exact to the
 * microsecond (one usec early is refused, on time passes); a long idle refills to the burst and
 * no further; the key table is bounded and overflows into one shared bucket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "provd/ratelimit.h"
#include "testutil.h"

#define T0 UINT64_C(1000000000) /* an arbitrary monotonic start */

/* burst 5, 10 per minute: 5 at once pass, the 6th is refused (at the limit and just past it). */
START_TEST(test_burst_at_and_past_limit) {
        TokenBucket b;

        token_bucket_init(&b, 5, T0);
        for (unsigned i = 0; i < 5; i++)
                ck_assert(token_bucket_take(&b, 10, 5, T0));
        ck_assert(!token_bucket_take(&b, 10, 5, T0));
        ck_assert(!token_bucket_take(&b, 10, 5, T0)); /* a refused take costs nothing and gives nothing */
}
END_TEST

/* 10 per minute: one token every 6 s exactly; 1 usec early is not enough. */
START_TEST(test_refill_exact) {
        TokenBucket b;
        uint64_t period = RATELIMIT_USEC_PER_MINUTE / 10;

        token_bucket_init(&b, 1, T0);
        ck_assert(token_bucket_take(&b, 10, 1, T0));
        ck_assert(!token_bucket_take(&b, 10, 1, T0 + period - 1));
        ck_assert(token_bucket_take(&b, 10, 1, T0 + period));
        ck_assert(!token_bucket_take(&b, 10, 1, T0 + period));
        /* partial credit from the refused call above is kept: still exactly one period later */
        ck_assert(!token_bucket_take(&b, 10, 1, T0 + 2 * period - 1));
        ck_assert(token_bucket_take(&b, 10, 1, T0 + 2 * period));
}
END_TEST

/* Rates that do not divide a minute: 7 per minute, credit accumulates without rounding loss
 * (burst 7, so a full bucket never discards accrual while we poll). */
START_TEST(test_refill_uneven_rate) {
        TokenBucket b;
        uint64_t t = T0;
        unsigned taken = 0;

        token_bucket_init(&b, 7, t);
        for (unsigned i = 0; i < 7; i++)
                ck_assert(token_bucket_take(&b, 7, 7, t));
        ck_assert(!token_bucket_take(&b, 7, 7, t));
        /* Over exactly one minute, polled every millisecond, exactly 7 more tokens appear. */
        for (uint64_t i = 1; i <= 60000; i++)
                if (token_bucket_take(&b, 7, 7, t + i * 1000))
                        taken++;
        ck_assert_uint_eq(taken, 7);
}
END_TEST

/* A long idle time fills the bucket to the burst, never beyond; no overflow on huge gaps. */
START_TEST(test_idle_caps_at_burst) {
        TokenBucket b;
        uint64_t later = T0 + UINT64_C(1000000) * 3600 * 24 * 365 * 100; /* a century */

        token_bucket_init(&b, 3, T0);
        for (unsigned i = 0; i < 3; i++)
                ck_assert(token_bucket_take(&b, 100000, 3, T0));
        ck_assert(!token_bucket_take(&b, 100000, 3, T0));
        ck_assert(token_bucket_full(&b, 100000, 3, later));
        for (unsigned i = 0; i < 3; i++)
                ck_assert(token_bucket_take(&b, 100000, 3, later));
        ck_assert(!token_bucket_take(&b, 100000, 3, later));
}
END_TEST

/* A clock that goes backwards refills nothing. */
START_TEST(test_clock_backwards) {
        TokenBucket b;

        token_bucket_init(&b, 1, T0);
        ck_assert(token_bucket_take(&b, 60, 1, T0));
        ck_assert(!token_bucket_take(&b, 60, 1, T0 - 5000000));
        ck_assert(!token_bucket_take(&b, 60, 1, T0 + 999999));
        ck_assert(token_bucket_take(&b, 60, 1, T0 + 1000000));
}
END_TEST

START_TEST(test_limiter_per_key) {
        RateLimiter *rl = NULL;

        ck_assert_int_eq(rate_limiter_new(&rl, 2, 2, 8), 0);
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+100", T0), 1);
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+100", T0), 1);
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+100", T0), 0); /* past the limit */
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+200", T0), 1); /* another sender is not affected */
        ck_assert_int_eq(rate_limiter_check(rl, NULL, T0), 1);         /* unknown sender: its own key */
        ck_assert_uint_eq(rate_limiter_size(rl), 3);
        /* 2 per minute: 30 s later one more for +100 */
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+100", T0 + 30000000 - 1), 0);
        ck_assert_int_eq(rate_limiter_check(rl, "ofono:+100", T0 + 30000000), 1);
        rate_limiter_free(rl);
}
END_TEST

START_TEST(test_limiter_bounds) {
        RateLimiter *rl = NULL;
        char key[32];

        ck_assert_int_eq(rate_limiter_new(&rl, 0, 1, 4), -EINVAL);
        ck_assert_int_eq(rate_limiter_new(&rl, 1, 0, 4), -EINVAL);
        ck_assert_int_eq(rate_limiter_new(&rl, RATELIMIT_PER_MINUTE_MAX + 1, 1, 4), -EINVAL);
        ck_assert_int_eq(rate_limiter_new(&rl, 1, 1, 0), -EINVAL);

        ck_assert_int_eq(rate_limiter_new(&rl, 1, 1, 4), 0);
        /* 4 busy senders fill the table (at the limit) */
        for (unsigned i = 0; i < 4; i++) {
                snprintf(key, sizeof(key), "s%u", i);
                ck_assert_int_eq(rate_limiter_check(rl, key, T0), 1);
        }
        ck_assert_uint_eq(rate_limiter_size(rl), 4);
        ck_assert(!rate_limiter_overflowed(rl));
        /* the 5th and later forged senders share one bucket (past the limit): one passes, then none */
        ck_assert_int_eq(rate_limiter_check(rl, "s4", T0), 1);
        ck_assert(rate_limiter_overflowed(rl));
        for (unsigned i = 5; i < 100; i++) {
                snprintf(key, sizeof(key), "s%u", i);
                ck_assert_int_eq(rate_limiter_check(rl, key, T0), 0);
        }
        ck_assert_uint_eq(rate_limiter_size(rl), 4);
        /* once a minute has passed the idle buckets are full again and their slots are reused */
        ck_assert_uint_eq(rate_limiter_prune(rl, T0 + RATELIMIT_USEC_PER_MINUTE - 1), 0);
        ck_assert_int_eq(rate_limiter_check(rl, "new", T0 + RATELIMIT_USEC_PER_MINUTE), 1);
        ck_assert_uint_eq(rate_limiter_size(rl), 1); /* the four idle buckets were forgotten */
        ck_assert_uint_eq(rate_limiter_prune(rl, T0 + 2 * RATELIMIT_USEC_PER_MINUTE - 1), 0);
        ck_assert_uint_eq(rate_limiter_prune(rl, T0 + 2 * RATELIMIT_USEC_PER_MINUTE), 1);
        ck_assert_uint_eq(rate_limiter_size(rl), 0);
        rate_limiter_free(rl);
}
END_TEST

/* Keys longer than RATELIMIT_KEY_MAX are cut: two senders equal in the kept prefix share a bucket. */
START_TEST(test_limiter_long_keys) {
        RateLimiter *rl = NULL;
        char a[RATELIMIT_KEY_MAX + 20], b[RATELIMIT_KEY_MAX + 20];

        memset(a, 'x', sizeof(a) - 1);
        a[sizeof(a) - 1] = 0;
        memcpy(b, a, sizeof(b));
        b[sizeof(b) - 2] = 'y';
        ck_assert_int_eq(rate_limiter_new(&rl, 1, 1, 4), 0);
        ck_assert_int_eq(rate_limiter_check(rl, a, T0), 1);
        ck_assert_int_eq(rate_limiter_check(rl, b, T0), 0);
        ck_assert_uint_eq(rate_limiter_size(rl), 1);
        rate_limiter_free(rl);
}
END_TEST

int main(void) {
        Suite *s = suite_create("ratelimit");
        TCase *tc = tcase_create("/ratelimit");

        TU_ADD(tc, test_burst_at_and_past_limit);
        TU_ADD(tc, test_refill_exact);
        TU_ADD(tc, test_refill_uneven_rate);
        TU_ADD(tc, test_idle_caps_at_burst);
        TU_ADD(tc, test_clock_backwards);
        TU_ADD(tc, test_limiter_per_key);
        TU_ADD(tc, test_limiter_bounds);
        TU_ADD(tc, test_limiter_long_keys);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
