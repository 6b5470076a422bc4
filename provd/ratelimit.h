/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.h: token buckets for provd's per-sender rate limit (docs/testing.md §7.8).
 * A bucket holds at most `burst` tokens and refills at `per_minute` tokens per minute; taking
 * a push costs one token. Arithmetic is exact integer arithmetic on microseconds, so "at the
 * limit" and "one microsecond early" are testable with an injected clock. A RateLimiter keys
 * buckets by a string (transport and sender address) in a table of bounded size; when the
 * table is full of busy senders, further senders share one overflow bucket, so memory stays
 * bounded however many sender addresses a flood forges. Pure code: the caller passes "now"
 * (CLOCK_MONOTONIC, usec).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_USEC_PER_MINUTE UINT64_C(60000000)
#define RATELIMIT_PER_MINUTE_MAX 100000U   /* tokens per minute */
#define RATELIMIT_BURST_MAX 100000U        /* bucket size */
#define RATELIMIT_KEYS_MAX 128U            /* default table size of a RateLimiter */
#define RATELIMIT_KEY_MAX 127U             /* longest key kept; longer keys are cut */

typedef struct TokenBucket {
        uint64_t credit;    /* in units of 1/RATELIMIT_USEC_PER_MINUTE token */
        uint64_t last_usec; /* when credit was last brought up to date */
} TokenBucket;

/* A full bucket as of now_usec. */
void token_bucket_init(TokenBucket *b, unsigned burst, uint64_t now_usec);

/*
 * token_bucket_take - refill for the time since the last call, then take one token.
 * per_minute and burst must be 1..their _MAX. A clock that goes backwards refills nothing.
 * Return: true when a token was taken, false when the bucket is empty (nothing changes
 *   except the refill).
 */
bool token_bucket_take(TokenBucket *b, unsigned per_minute, unsigned burst, uint64_t now_usec);

/* True when the bucket would be full at now_usec (it can be forgotten without effect). */
bool token_bucket_full(const TokenBucket *b, unsigned per_minute, unsigned burst, uint64_t now_usec);

typedef struct RateLimiter RateLimiter;

/* Return: 0, -EINVAL (a parameter out of range), -ENOMEM. */
int rate_limiter_new(RateLimiter **ret, unsigned per_minute, unsigned burst, unsigned keys_max);
RateLimiter *rate_limiter_free(RateLimiter *rl);

/*
 * rate_limiter_check - take one token from key's bucket (creating a full one for a new key).
 * Return: 1 allowed; 0 rate-limited; -ENOMEM.
 */
int rate_limiter_check(RateLimiter *rl, const char *key, uint64_t now_usec);

/* Forget every key whose bucket is full again. Return: number of keys forgotten. */
unsigned rate_limiter_prune(RateLimiter *rl, uint64_t now_usec);

/* Keys held (the overflow bucket not counted). */
unsigned rate_limiter_size(const RateLimiter *rl);

/* True when at least one check since creation went to the shared overflow bucket. */
bool rate_limiter_overflowed(const RateLimiter *rl);
