/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.c: token buckets and the bounded per-key table (see ratelimit.h).
 * Credit is kept in units of 1/RATELIMIT_USEC_PER_MINUTE token: a bucket refilling at
 * per_minute tokens per minute gains exactly per_minute units per microsecond, and one token
 * costs RATELIMIT_USEC_PER_MINUTE units. The largest credit (burst max times one token) is
 * 6e12, far from overflow; long idle times are clamped before multiplying.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "ratelimit.h"

#define TOKEN RATELIMIT_USEC_PER_MINUTE

static uint64_t capacity(unsigned burst) {
        return (uint64_t) burst * TOKEN;
}

void token_bucket_init(TokenBucket *b, unsigned burst, uint64_t now_usec) {
        b->credit = capacity(burst);
        b->last_usec = now_usec;
}

static void refill(TokenBucket *b, unsigned per_minute, unsigned burst, uint64_t now_usec) {
        uint64_t cap = capacity(burst), elapsed;

        if (now_usec <= b->last_usec) /* no time passed, or the clock went back: no refill */
                return;
        elapsed = now_usec - b->last_usec;
        b->last_usec = now_usec;
        if (b->credit >= cap)
                return;
        /* Clamp before multiplying: after (cap - credit) / per_minute usec the bucket is full. */
        if (elapsed >= (cap - b->credit) / per_minute + 1)
                b->credit = cap;
        else
                b->credit = MIN(cap, b->credit + elapsed * per_minute);
}

bool token_bucket_take(TokenBucket *b, unsigned per_minute, unsigned burst, uint64_t now_usec) {
        refill(b, per_minute, burst, now_usec);
        if (b->credit < TOKEN)
                return false;
        b->credit -= TOKEN;
        return true;
}

bool token_bucket_full(const TokenBucket *b, unsigned per_minute, unsigned burst, uint64_t now_usec) {
        TokenBucket copy = *b;

        refill(&copy, per_minute, burst, now_usec);
        return copy.credit >= capacity(burst);
}

typedef struct RateEntry {
        char *key;
        TokenBucket bucket;
} RateEntry;

struct RateLimiter {
        unsigned per_minute, burst;
        unsigned keys_max, n_keys;
        RateEntry *entries;
        TokenBucket overflow; /* shared by every key that found the table full */
        bool overflow_used;
};

int rate_limiter_new(RateLimiter **ret, unsigned per_minute, unsigned burst, unsigned keys_max) {
        RateLimiter *rl;

        if (per_minute < 1 || per_minute > RATELIMIT_PER_MINUTE_MAX || burst < 1 || burst > RATELIMIT_BURST_MAX ||
            keys_max < 1)
                return -EINVAL;
        rl = calloc(1, sizeof(*rl));
        if (!rl)
                return -ENOMEM;
        rl->entries = calloc(keys_max, sizeof(RateEntry));
        if (!rl->entries) {
                free(rl);
                return -ENOMEM;
        }
        rl->per_minute = per_minute;
        rl->burst = burst;
        rl->keys_max = keys_max;
        token_bucket_init(&rl->overflow, burst, 0);
        *ret = rl;
        return 0;
}

RateLimiter *rate_limiter_free(RateLimiter *rl) {
        if (!rl)
                return NULL;
        for (unsigned i = 0; i < rl->n_keys; i++)
                free(rl->entries[i].key);
        free(rl->entries);
        free(rl);
        return NULL;
}

unsigned rate_limiter_prune(RateLimiter *rl, uint64_t now_usec) {
        unsigned i = 0, n = 0;

        while (i < rl->n_keys) {
                if (token_bucket_full(&rl->entries[i].bucket, rl->per_minute, rl->burst, now_usec)) {
                        free(rl->entries[i].key);
                        rl->entries[i] = rl->entries[--rl->n_keys];
                        n++;
                } else
                        i++;
        }
        return n;
}

int rate_limiter_check(RateLimiter *rl, const char *key, uint64_t now_usec) {
        char k[RATELIMIT_KEY_MAX + 1];
        RateEntry *e = NULL;

        snprintf(k, sizeof(k), "%s", key ? key : "");
        for (unsigned i = 0; i < rl->n_keys; i++)
                if (strcmp(rl->entries[i].key, k) == 0) {
                        e = &rl->entries[i];
                        break;
                }
        if (!e) {
                /* A key whose bucket refilled is indistinguishable from a new one: reuse its slot. */
                if (rl->n_keys == rl->keys_max)
                        (void) rate_limiter_prune(rl, now_usec);
                if (rl->n_keys == rl->keys_max) {
                        /* Table full of busy senders (a flood forging addresses): share one bucket. */
                        if (!rl->overflow_used) {
                                token_bucket_init(&rl->overflow, rl->burst, now_usec);
                                rl->overflow_used = true;
                        }
                        return token_bucket_take(&rl->overflow, rl->per_minute, rl->burst, now_usec) ? 1 : 0;
                }
                e = &rl->entries[rl->n_keys];
                e->key = strdup(k);
                if (!e->key)
                        return -ENOMEM;
                token_bucket_init(&e->bucket, rl->burst, now_usec);
                rl->n_keys++;
        }
        return token_bucket_take(&e->bucket, rl->per_minute, rl->burst, now_usec) ? 1 : 0;
}

unsigned rate_limiter_size(const RateLimiter *rl) {
        return rl->n_keys;
}

bool rate_limiter_overflowed(const RateLimiter *rl) {
        return rl->overflow_used;
}
