/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export-nm-worker.c: the settings API's runs on a thread of their own (export-nm-worker.h),
 * modelled on export-worker.c (the oFono exporter's). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "export-nm-api.h"
#include "export-nm-worker.h"
#include "macros.h"

/* The run's thread needs little stack: the canonical texts are on the heap. */
#define EXPORT_NM_WORKER_STACK_SIZE (256U * 1024U)

typedef struct Job {
        ExportNmRun *run;               /* owned by the job */
        int efd;                        /* written once when the run returned */
        bool finished;                  /* the run returned */
        bool detached;                  /* the worker went away: the thread frees the job */
        pthread_mutex_t lock;
} Job;

struct ExportNmWorker {
        sd_event_source *source;
        int efd;
        ExportNmWorkerDoneFn done;
        void *userdata;
        pthread_t thread;
        Job *job;                       /* the run out, or NULL */
};

static void job_free(Job *j) {
        if (!j)
                return;
        export_nm_run_free(j->run);
        pthread_mutex_destroy(&j->lock);
        free(j);
}

static void *run_thread(void *arg) {
        Job *j = arg;
        ExportNmApi api;
        ExportNmIo io;
        struct timespec ts;
        uint64_t one = 1;
        bool detached;

        /* A connection of the run's own (sd-bus connections are not shared between threads),
         * opened on the first call and closed here; the run's budget as its deadline. */
        export_nm_api_init(&api, &io);
        if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
                api.deadline = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL +
                               EXPORT_NM_API_RUN_BUDGET_USEC;
        (void) export_nm_run_execute(j->run, &io);
        export_nm_api_done(&api);

        /* Under the lock: the worker may be freed (and its eventfd closed) meanwhile. */
        pthread_mutex_lock(&j->lock);
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
        ExportNmWorker *w = userdata;
        ExportNmRun *run;
        uint64_t v;
        Job *j;

        if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
                return 0;
        j = w->job;
        if (!j)
                return 0;
        (void) pthread_join(w->thread, NULL);
        w->job = NULL;
        run = TAKE_PTR(j->run);
        job_free(j);
        if (w->done)
                w->done(run, w->userdata);
        else
                export_nm_run_free(run);
        return 0;
}

int export_nm_worker_new(sd_event *event, ExportNmWorkerDoneFn done, void *userdata, ExportNmWorker **ret) {
        ExportNmWorker *w;
        int r;

        w = calloc(1, sizeof(ExportNmWorker));
        if (!w)
                return -ENOMEM;
        w->done = done;
        w->userdata = userdata;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                r = -errno;
                free(w);
                return r;
        }
        r = sd_event_add_io(event, &w->source, w->efd, EPOLLIN, on_done, w);
        if (r < 0) {
                export_nm_worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

bool export_nm_worker_busy(const ExportNmWorker *w) {
        return w && w->job;
}

int export_nm_worker_start(ExportNmWorker *w, ExportNmRun *run) {
        pthread_attr_t attr;
        Job *j;
        int r;

        if (!w || w->job) {
                export_nm_run_free(run);
                return w ? -EBUSY : -EINVAL;
        }
        j = calloc(1, sizeof(Job));
        if (!j) {
                export_nm_run_free(run);
                return -ENOMEM;
        }
        j->run = run;
        j->efd = w->efd;
        (void) pthread_mutex_init(&j->lock, NULL);
        r = pthread_attr_init(&attr);
        if (r == 0) {
                (void) pthread_attr_setstacksize(&attr, EXPORT_NM_WORKER_STACK_SIZE);
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

ExportNmWorker *export_nm_worker_free(ExportNmWorker *w) {
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
        free(w);
        return NULL;
}
