/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pin-backoff.c: ProvidePin's back-off per caller uid (issue 9, finding 10; the rule is in
 * manager.h). The agent's answers go through the same back-off (agent.c), so registering as the
 * agent is no way around it. Kept in memory only: the attempts per body digest are counted
 * durably by the engine anyway.
 */
#include "macros.h"
#include "manager.h"

uint64_t now_monotonic(Manager *m) {
        uint64_t t = 0;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

PinBackoff *pin_backoff_find(Manager *m, uid_t uid, bool create) {
        PinBackoff *oldest = NULL;

        for (size_t i = 0; i < m->n_pin_backoff; i++)
                if (m->pin_backoff[i].uid == uid)
                        return &m->pin_backoff[i];
        if (!create)
                return NULL;
        if (m->n_pin_backoff < PIN_BACKOFF_CALLERS_MAX)
                oldest = &m->pin_backoff[m->n_pin_backoff++];
        else
                for (size_t i = 0; i < m->n_pin_backoff; i++)
                        if (!oldest || m->pin_backoff[i].last_usec < oldest->last_usec)
                                oldest = &m->pin_backoff[i];
        *oldest = (PinBackoff) { .uid = uid };
        return oldest;
}

/* A wrong PIN from @uid: open (or double) its refusal window. Return: the window, µs. */
uint64_t pin_backoff_failed(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, true);
        uint64_t now = now_monotonic(m), delay = 0;

        b->failures++;
        if (b->failures > PIN_BACKOFF_FREE_FAILURES) {
                delay = PIN_BACKOFF_FIRST_USEC;
                for (unsigned i = PIN_BACKOFF_FREE_FAILURES + 1; i < b->failures && delay < PIN_BACKOFF_MAX_USEC; i++)
                        delay *= 2;
                delay = MIN(delay, PIN_BACKOFF_MAX_USEC);
        }
        b->until_usec = now + delay;
        b->window_usec = delay;
        b->last_usec = now;
        return delay;
}

/* The refusal window of @uid after wrong PINs, or 0 when it may try now. */
uint64_t pin_backoff_until(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, false);

        return b && now_monotonic(m) < b->until_usec ? b->until_usec : 0;
}

void pin_backoff_clear(Manager *m, uid_t uid) {
        PinBackoff *b = pin_backoff_find(m, uid, false);

        if (b) {
                b->failures = 0;
                b->until_usec = b->window_usec = 0;
        }
}
