/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export-worker.c: the oFono exporter's runs on a thread of their own (export-worker.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "export-worker.h"
#include "macros.h"

/* The run's thread needs little stack: export_dbus_ofono keeps its arrays small. */
#define EXPORT_WORKER_STACK_SIZE (256U * 1024U)

typedef struct Job {
        ExportDbusPlan plan;            /* owned by the job */
        char *bus_address;
        int efd;                        /* written once when the run returned */
        int result;
        ExportDbusStats stats;
        bool finished;                  /* the run returned (result and stats are final) */
        bool detached;                  /* the worker went away: the thread frees the job */
        pthread_mutex_t lock;
} Job;

struct ExportWorker {
        sd_event_source *source;
        int efd;
        char *bus_address;
        ExportWorkerDoneFn done;
        void *userdata;
        pthread_t thread;
        Job *job;                       /* the run out, or NULL */
};

static void job_free(Job *j) {
        if (!j)
                return;
        export_dbus_plan_done(&j->plan);
        free(j->bus_address);
        pthread_mutex_destroy(&j->lock);
        free(j);
}

static void *run_thread(void *arg) {
        Job *j = arg;
        sd_bus *bus = NULL;
        uint64_t one = 1;
        bool detached;
        int r;

        /* A connection of the run's own: sd-bus connections are not shared between threads. */
        if (j->bus_address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, j->bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = export_dbus_ofono(bus, &j->plan, &j->stats);
        sd_bus_flush_close_unref(bus);

        /* Under the lock: the worker may be freed (and its eventfd closed) meanwhile. */
        pthread_mutex_lock(&j->lock);
        j->result = r;
        j->finished = true;
        detached = j->detached;
        if (!detached)
                (void) !write(j->efd, &one, sizeof one);
        pthread_mutex_unlock(&j->lock);
        if (detached)
                job_free(j);
        return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ExportWorker *w = userdata;
        uint64_t v;
        Job *j;

        if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
                return 0;
        j = w->job;
        if (!j)
                return 0;
        (void) pthread_join(w->thread, NULL);
        w->job = NULL;
        if (w->done)
                w->done(j->result, &j->stats, w->userdata);
        job_free(j);
        return 0;
}

int export_worker_new(sd_event *event, const char *bus_address, ExportWorkerDoneFn done, void *userdata,
                      ExportWorker **ret) {
        ExportWorker *w;
        int r;

        w = calloc(1, sizeof(ExportWorker));
        if (!w)
                return -ENOMEM;
        w->efd = -1;
        w->done = done;
        w->userdata = userdata;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                r = -errno;
                free(w);
                return r;
        }
        if (bus_address && !(w->bus_address = strdup(bus_address))) {
                export_worker_free(w);
                return -ENOMEM;
        }
        r = sd_event_add_io(event, &w->source, w->efd, EPOLLIN, on_done, w);
        if (r < 0) {
                export_worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

bool export_worker_busy(const ExportWorker *w) {
        return w && w->job;
}

int export_worker_start(ExportWorker *w, ExportDbusPlan *plan) {
        pthread_attr_t attr;
        Job *j;
        int r;

        if (!w) {
                export_dbus_plan_done(plan);
                return -EINVAL;
        }
        if (w->job) {
                export_dbus_plan_done(plan);
                return -EBUSY;
        }
        j = calloc(1, sizeof(Job));
        if (!j) {
                export_dbus_plan_done(plan);
                return -ENOMEM;
        }
        j->plan = *plan;
        *plan = (ExportDbusPlan) {};
        j->efd = w->efd;
        j->stats = (ExportDbusStats) { .planned = (unsigned) j->plan.n_contexts,
                                       .invalid = (unsigned) j->plan.n_invalid,
                                       .skipped = j->plan.skipped };
        (void) pthread_mutex_init(&j->lock, NULL);
        if (w->bus_address && !(j->bus_address = strdup(w->bus_address))) {
                job_free(j);
                return -ENOMEM;
        }
        r = pthread_attr_init(&attr);
        if (r == 0) {
                (void) pthread_attr_setstacksize(&attr, EXPORT_WORKER_STACK_SIZE);
                r = pthread_create(&w->thread, &attr, run_thread, j);
                pthread_attr_destroy(&attr);
        }
        if (r != 0) {
                job_free(j);
                return -r;
        }
        w->job = j;
        return 0;
}

ExportWorker *export_worker_free(ExportWorker *w) {
        if (!w)
                return NULL;
        if (w->job) {
                bool finished;

                pthread_mutex_lock(&w->job->lock);
                finished = w->job->finished;
                w->job->detached = !finished;
                pthread_mutex_unlock(&w->job->lock);
                if (finished) {
                        (void) pthread_join(w->thread, NULL);
                        job_free(w->job);
                } else
                        (void) pthread_detach(w->thread); /* the thread frees the job */
                w->job = NULL;
        }
        sd_event_source_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        free(w->bus_address);
        free(w);
        return NULL;
}
