/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log-ratelimit.c: the verdict log's token bucket (log-ratelimit.h). */
#include "log-ratelimit.h"

#define USEC_PER_SEC UINT64_C(1000000)

bool log_ratelimit_take(LogRateLimit *rl, unsigned burst, unsigned per_sec, uint64_t now_usec, bool force,
                        uint64_t *ret_suppressed) {
        /* Credit grows by per_sec units per µs elapsed and a line costs USEC_PER_SEC units:
         * exactly per_sec lines per second, with no rounding. */
        uint64_t cost = USEC_PER_SEC, cap, elapsed;

        if (burst < 1)
                burst = 1;
        if (burst > LOG_RATELIMIT_BURST_MAX)
                burst = LOG_RATELIMIT_BURST_MAX;
        if (per_sec < 1)
                per_sec = 1;
        if (per_sec > LOG_RATELIMIT_PER_SEC_MAX)
                per_sec = LOG_RATELIMIT_PER_SEC_MAX;
        cap = (uint64_t) burst * cost;
        if (!rl->started) {
                rl->credit = cap;
                rl->last_usec = now_usec;
                rl->started = true;
        } else if (now_usec > rl->last_usec) {
                /* bounded before multiplying: an idle day refills to the cap and no further */
                elapsed = now_usec - rl->last_usec;
                if (elapsed > cap / per_sec + 1)
                        elapsed = cap / per_sec + 1;
                rl->credit += elapsed * per_sec;
                if (rl->credit > cap)
                        rl->credit = cap;
                rl->last_usec = now_usec;
        }
        if (rl->credit >= cost)
                rl->credit -= cost;
        else if (!force) {
                rl->suppressed++;
                return false;
        }
        if (ret_suppressed)
                *ret_suppressed = rl->suppressed;
        rl->suppressed = 0;
        return true;
}
