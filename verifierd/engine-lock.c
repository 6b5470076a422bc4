/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine-lock.c: the engine lock and the event loop that holds it (engine-lock.h states the
 * invariant).
 */
#include <pthread.h>
#include <stdint.h>

#include "engine-lock.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void engine_lock(void) {
        (void) pthread_mutex_lock(&lock);
}

void engine_unlock(void) {
        (void) pthread_mutex_unlock(&lock);
}

/* sd_event_run() split into its three steps (sd_event_prepare(3)): prepare runs the sources'
 * prepare callbacks (sd-bus' among them, which read and write the bus connections) and dispatch
 * runs the handlers, so both hold the lock; sd_event_wait() only polls and marks sources pending,
 * so it runs without it, and a DM session thread may then use the engine. */
int engine_lock_event_loop(sd_event *e) {
        int code = 0, r;

        engine_lock();
        for (;;) {
                if (sd_event_get_state(e) == SD_EVENT_FINISHED)
                        break;
                r = sd_event_prepare(e);
                if (r == 0) {
                        engine_unlock();
                        r = sd_event_wait(e, UINT64_MAX);
                        engine_lock();
                }
                if (r > 0)
                        r = sd_event_dispatch(e);
                if (r < 0) {
                        engine_unlock();
                        return r;
                }
        }
        engine_unlock();
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}
