/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-runner.c: a DM session on a thread of its own (dm-runner.h; the lock's invariant is in
 * engine-lock.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "dm-runner.h"
#include "engine-lock.h"
#include "log.h"
#include "macros.h"

struct DmRunner {
        sd_event *event;
        sd_event_source *source;        /* done_fd in the event loop */
        bool exit_when_done;            /* dm_runner_cancel(w, true): end the loop after @done */
        int done_fd;                    /* eventfd: the thread wrote it when the session ended */
        int cancel_fd;                  /* eventfd: dm_session_cancel() wrote it */
        char *bus_address;
        DmRunnerDoneFn done;
        void *userdata;
        pthread_t thread;
        bool running;                   /* a thread is out (joined in on_done / dm_runner_free) */
        /* the session's, owned here: written by the thread, read after the join */
        Engine *engine;
        DmSessionRequest req;
        char *server_id;
        char *trust_file;
        DmSessionControl control;
        DmSessionResult result;
        int r;
        /* the verdict hook (dm_runner_verdict_hook) */
        pthread_t main_thread;
        EngineVerdictFn hook;
        void *hook_userdata;
        EngineResult *kept;             /* verdicts the session thread's engine calls reached */
        size_t n_kept;
        /* the end hook (dm_runner_set_end_hook): the event loop's work after a session */
        void (*end_hook)(void *userdata);
        void *end_hook_userdata;
};

static sd_bus *open_bus(const char *address) {
        sd_bus *bus = NULL;
        int r;

        /* The way verifierd's own connection is opened (main.c); a connection of the thread's
         * own: sd-bus objects are not thread-safe, the main one stays the main thread's. */
        if (address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0)
                return sd_bus_unref(bus);
        return bus;
}

static void *run_thread(void *arg) {
        DmRunner *w = arg;
        uint64_t one = 1;
        sigset_t all;
        sd_bus *bus;

        /* signals are the main thread's (its signalfd): none may land here */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, NULL);

        /* connecting to the bus is a (local) wait: without the engine lock */
        bus = open_bus(w->bus_address);
        engine_lock();
        if (!bus)
                w->r = -ENOTCONN;
        else
                w->r = dm_session_run(w->engine, bus, &w->req, &w->result);
        /* the socket's dup is closed by dm_session_run (drop_tls); nothing is left for cancel */
        engine_unlock();
        sd_bus_flush_close_unref(bus);
        (void) !write(w->done_fd, &one, sizeof one);
        return NULL;
}

void dm_runner_set_verdict_hook(DmRunner *w, EngineVerdictFn hook, void *userdata) {
        w->hook = hook;
        w->hook_userdata = userdata;
}

void dm_runner_set_end_hook(DmRunner *w, void (*fn)(void *userdata), void *userdata) {
        w->end_hook = fn;
        w->end_hook_userdata = userdata;
}

void dm_runner_verdict_hook(const EngineResult *res, void *userdata) {
        DmRunner *w = userdata;
        EngineResult *n;

        if (!w || !w->hook)
                return;
        if (pthread_equal(pthread_self(), w->main_thread)) {
                w->hook(res, w->hook_userdata);
                return;
        }
        /* the session thread, engine lock held (kept[] is read under it, in the event loop) */
        n = reallocarray(w->kept, w->n_kept + 1, sizeof(EngineResult));
        if (!n) {
                log_warning("Verdict of push %" PRIu64 " not signalled: out of memory", res->id);
                return;
        }
        w->kept = n;
        w->kept[w->n_kept++] = (EngineResult) { .id = res->id, .verdict = res->verdict, .reason = res->reason };
}

/* The verdicts kept during the session, to the hook now (event loop, engine lock held). */
static void flush_kept(DmRunner *w) {
        for (size_t i = 0; i < w->n_kept; i++)
                if (w->hook)
                        w->hook(&w->kept[i], w->hook_userdata);
        w->kept = mfree(w->kept);
        w->n_kept = 0;
}

/* Join the thread and hand its result to the caller (engine lock held, event loop thread). */
static void finish(DmRunner *w) {
        DmRunnerDoneFn done = w->done;
        void *userdata = w->userdata;
        DmSessionResult res;
        int r;

        (void) pthread_join(w->thread, NULL);
        res = w->result;
        r = w->r;
        w->running = false;
        free(w->server_id);
        free(w->trust_file);
        w->server_id = w->trust_file = NULL;
        w->done = NULL;
        w->userdata = NULL;
        flush_kept(w);
        if (w->end_hook)
                w->end_hook(w->end_hook_userdata);
        if (done)
                done(r, &res, userdata);
        if (w->exit_when_done) {
                w->exit_when_done = false;
                (void) sd_event_exit(w->event, 0);
        }
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        DmRunner *w = userdata;
        uint64_t v;

        if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
                return 0;
        if (!w->running)
                return 0;
        /* the thread wrote done_fd as its last act after dropping the lock: the join is short */
        finish(w);
        return 0;
}

int dm_runner_new(sd_event *event, const char *bus_address, DmRunner **ret) {
        DmRunner *w;
        int r;

        w = calloc(1, sizeof(DmRunner));
        if (!w)
                return -ENOMEM;
        w->cancel_fd = -1;
        w->main_thread = pthread_self();
        w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->done_fd < 0)
                goto fail_errno;
        w->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->cancel_fd < 0)
                goto fail_errno;
        if (bus_address && !(w->bus_address = strdup(bus_address))) {
                dm_runner_free(w);
                return -ENOMEM;
        }
        w->event = event;
        r = sd_event_add_io(event, &w->source, w->done_fd, EPOLLIN, on_done, w);
        if (r < 0) {
                dm_runner_free(w);
                return r;
        }
        *ret = w;
        return 0;
fail_errno:
        r = -errno;
        dm_runner_free(w);
        return r;
}

bool dm_runner_busy(const DmRunner *w) {
        return w && w->running;
}

int dm_runner_start(DmRunner *w, Engine *e, const DmSessionRequest *req, DmRunnerDoneFn done, void *userdata) {
        uint64_t v;
        int r;

        if (!w || !e || !req || !req->server_id)
                return -EINVAL;
        if (w->running || dm_session_busy())
                return -EBUSY;
        w->server_id = strdup(req->server_id);
        w->trust_file = req->trust_file ? strdup(req->trust_file) : NULL;
        if (!w->server_id || (req->trust_file && !w->trust_file)) {
                free(w->server_id);
                free(w->trust_file);
                w->server_id = w->trust_file = NULL;
                return -ENOMEM;
        }
        /* a cancel of an earlier session must not end this one */
        (void) !read(w->cancel_fd, &v, sizeof v);
        dm_session_control_init(&w->control, w->cancel_fd);
        w->req = *req;
        w->req.server_id = w->server_id;
        w->req.trust_file = w->trust_file;
        w->req.control = &w->control;
        w->engine = e;
        w->result = (DmSessionResult) {};
        w->r = 0;
        w->done = done;
        w->userdata = userdata;
        r = -pthread_create(&w->thread, NULL, run_thread, w);
        if (r < 0) {
                free(w->server_id);
                free(w->trust_file);
                w->server_id = w->trust_file = NULL;
                w->done = NULL;
                return r;
        }
        w->running = true;
        return 0;
}

void dm_runner_cancel(DmRunner *w, bool then_exit) {
        if (!w || !w->running)
                return;
        w->exit_when_done = w->exit_when_done || then_exit;
        dm_session_cancel(&w->control);
}

DmRunner *dm_runner_free(DmRunner *w) {
        if (!w)
                return NULL;
        if (w->running) {
                engine_lock();
                dm_runner_cancel(w, false);
                engine_unlock();
                /* the thread needs the lock to end the session (history row): join without it */
                (void) pthread_join(w->thread, NULL);
                engine_lock();
                /* joined already: hand the result on as finish() would */
                {
                        DmRunnerDoneFn done = w->done;
                        DmSessionResult res = w->result;

                        w->running = false;
                        flush_kept(w);
                        if (done)
                                done(w->r, &res, w->userdata);
                }
                engine_unlock();
        }
        sd_event_source_disable_unref(w->source);
        if (w->done_fd >= 0)
                close(w->done_fd);
        if (w->cancel_fd >= 0)
                close(w->cancel_fd);
        free(w->server_id);
        free(w->trust_file);
        free(w->bus_address);
        free(w->kept);
        free(w);
        return NULL;
}
