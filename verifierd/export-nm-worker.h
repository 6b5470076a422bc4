/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm-worker.h: the runs through NetworkManager's settings API (export-nm-api.h) off
 * verifierd's event loop (issue 14 review, issue 11's rule: a stuck NetworkManager holds back no
 * verdict).
 *
 * A run is a dialogue of dependent calls (ListConnections, GetConnectionByUuid, GetSettings and
 * GetSecrets per connection, AddConnection2, Update2, Delete), each bounded by
 * EXPORT_NM_API_TIMEOUT_USEC and the whole run by EXPORT_NM_API_RUN_BUDGET_USEC. Made in the event
 * loop, a stuck NetworkManager held every verdict behind it. Here a run (export-nm.h:
 * ExportNmRun, built from the store by the event loop beforehand: copies) goes to a thread of its
 * own, with a bus connection of its own (an ExportNmApi made and freed on that thread): the
 * thread touches neither the store, nor the secrets, nor verifierd's connection, only the run
 * (which it owns until it returns) and its connection. The event loop learns of the return
 * through an eventfd and hands the run back (ExportNmWorkerDoneFn), which commits its records.
 * One run at a time (the engine coalesces: engine.c, nm_api_start).
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "export-nm.h"

typedef struct ExportNmWorker ExportNmWorker;

/* Called in the event loop when a run returned: @run executed (export_nm_run_execute), the
 * callee's to commit and free. */
typedef void (*ExportNmWorkerDoneFn)(ExportNmRun *run, void *userdata);

/**
 * export_nm_worker_new() - a worker bound to @event.
 * Return: 0; -ENOMEM; negative errno from eventfd or sd-event.
 */
int export_nm_worker_new(sd_event *event, ExportNmWorkerDoneFn done, void *userdata, ExportNmWorker **ret);

/**
 * export_nm_worker_start() - start @run (taken over, whatever the return).
 * Return: 0 started; -EBUSY a run is out (@run freed); negative errno.
 */
int export_nm_worker_start(ExportNmWorker *w, ExportNmRun *run);

bool export_nm_worker_busy(const ExportNmWorker *w);

/* Frees the worker; a run still out is detached and its result dropped (at exit only). */
ExportNmWorker *export_nm_worker_free(ExportNmWorker *w);
