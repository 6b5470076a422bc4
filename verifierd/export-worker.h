/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-worker.h: the oFono exporter (export-dbus.h) off verifierd's event loop (issue 11).
 *
 * A run is a dialogue of dependent calls (GetModems, GetContexts per modem, SetProperty,
 * AddContext, RemoveContext), each bounded by EXPORT_DBUS_CALL_TIMEOUT_USEC and the whole run by
 * EXPORT_DBUS_BUDGET_USEC. Run synchronously inside the event loop, a slow or hung oFono held
 * every verdict behind it for up to the budget. Here the run goes to a thread of its own, on a
 * bus connection of its own, with a plan the event loop built from the store beforehand: the
 * thread touches neither the store nor verifierd's connection, only the plan (which it owns for
 * the run) and its connection. The event loop learns the result through an eventfd and logs it.
 *
 * One run at a time. A push applied while a run is out does not start another: the caller marks
 * the export stale (export_worker_busy), and when the run returns starts one more run with a
 * plan of the store as it is then, so any number of pushes during one run cost one more run
 * (coalesced), never a queue that grows.
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "export-dbus.h"

typedef struct ExportWorker ExportWorker;

/* Called in the event loop when a run returned: export_dbus_ofono's return value and counters
 * (the plan's counters filled in). */
typedef void (*ExportWorkerDoneFn)(int r, const ExportDbusStats *stats, void *userdata);

/**
 * export_worker_new() - a worker bound to @event.
 * @bus_address: the bus the runs connect to (verifierd's own), NULL for the system bus
 * Return: 0; -ENOMEM; negative errno from eventfd or sd-event.
 */
int export_worker_new(sd_event *event, const char *bus_address, ExportWorkerDoneFn done, void *userdata,
                      ExportWorker **ret);

/**
 * export_worker_start() - start a run with @plan (taken over, whatever the return).
 * Return: 0 started; -EBUSY a run is out (the plan is dropped: see the top); negative errno.
 */
int export_worker_start(ExportWorker *w, ExportDbusPlan *plan);

bool export_worker_busy(const ExportWorker *w);

/* Frees the worker; a run still out is detached and its result dropped (at exit only). */
ExportWorker *export_worker_free(ExportWorker *w);
