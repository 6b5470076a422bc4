/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log-ratelimit.h: a token bucket for verifierd's verdict log lines (issue 9 finding 7). Every
 * push a hostile provd submits gets a verdict; logging each one lets a flood fill the journal
 * (and push older entries out of it). The bucket holds at most `burst` lines and refills at
 * `per_sec` lines per second; a line without a token is suppressed and counted, and the next
 * line logged reports how many were suppressed since the previous one. The history in the store
 * keeps every verdict whatever the log drops (store.h "Retention" bounds that). A line the caller
 * forces (an applied push: it needed authentication, so no unauthenticated flood can produce
 * one) is never suppressed, so a flood cannot hide it. Arithmetic is exact integer arithmetic on
 * microseconds; the caller passes "now" (CLOCK_MONOTONIC, µs), so tests inject their own. Pure
 * code: no logging, no clock, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define LOG_RATELIMIT_BURST_MAX 100000U
#define LOG_RATELIMIT_PER_SEC_MAX 100000U
#define VERDICT_LOG_BURST 200U          /* verdict lines logged at once after a quiet period */
#define VERDICT_LOG_PER_SEC 10U         /* then at most this many per second */

typedef struct LogRateLimit {
        uint64_t credit;                /* a line costs 1000000; refills per_sec per µs */
        uint64_t last_usec;             /* when credit was last brought up to date */
        uint64_t suppressed;            /* lines suppressed since the last one logged */
        bool started;                   /* false: a zeroed struct is a full bucket */
} LogRateLimit;

/**
 * log_ratelimit_take() - may this line be logged? Refills for the time since the last call
 *   (a clock that goes backwards refills nothing), then takes one token.
 * @rl: the limiter (zero-initialized: a full bucket)
 * @burst: bucket size, 1..LOG_RATELIMIT_BURST_MAX
 * @per_sec: refill rate, 1..LOG_RATELIMIT_PER_SEC_MAX
 * @now_usec: CLOCK_MONOTONIC in µs
 * @force: log it even without a token (one is taken when there is one)
 * @ret_suppressed: when the line may be logged, the number of lines suppressed since the last
 *   one logged (the count starts again at 0); untouched otherwise
 * Return: true log the line; false suppress it (counted).
 */
bool log_ratelimit_take(LogRateLimit *rl, unsigned burst, unsigned per_sec, uint64_t now_usec, bool force,
                        uint64_t *ret_suppressed);
