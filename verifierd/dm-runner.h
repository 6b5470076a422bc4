/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-runner.h: a DM session (dm-session.h) on a thread of its own, so that verifierd's event loop
 * answers every other bus call (Submit, ProvidePin, history ...) and SIGTERM while a session
 * waits on the network, for up to DM_SESSION_TIME_MAX_MS.
 *
 * The thread runs dm_session_run() holding the engine lock (engine-lock.h, which states the
 * invariant) except around its network waits, and dials over a bus connection of its own (sd-bus
 * objects are not thread-safe: verifierd's main connection and sd_event stay the main thread's).
 * When the session ended, the thread signals an eventfd; the event loop joins it and calls the
 * caller's DmRunnerDoneFn, which sends the DmConnect reply (it holds a ref on the call).
 *
 * One session at a time: dm_runner_start() while one runs is -EBUSY (DmConnect answers "A DM
 * session is running", a package 0 meanwhile is dropped), as before.
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "dm-session.h"
#include "engine.h"

typedef struct DmRunner DmRunner;

/* In the event loop (engine lock held), once per started session: @r is dm_session_run()'s
 * return (0: @res filled, also for a failed session; negative errno: no session ran, e.g. the
 * thread's bus connection could not be opened: @res is zeroed). */
typedef void (*DmRunnerDoneFn)(int r, const DmSessionResult *res, void *userdata);

/**
 * dm_runner_new() - a runner bound to @event (the main thread's loop).
 * @bus_address: the bus the session's Dial goes over (verifierd's own when bus-activated by a
 *   plain dbus-daemon), NULL for the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured)
 * Return: 0; -ENOMEM; negative errno from eventfd or sd-event.
 */
int dm_runner_new(sd_event *event, const char *bus_address, DmRunner **ret);

/**
 * dm_runner_start() - start a session with @e and a copy of @req on the runner's thread. Called
 *   in the event loop (engine lock held). @done is called there when it has ended.
 * Return: 0 started; -EBUSY a session runs; -EINVAL; -ENOMEM; negative errno of pthread_create.
 */
int dm_runner_start(DmRunner *w, Engine *e, const DmSessionRequest *req, DmRunnerDoneFn done, void *userdata);

/* Whether a session runs (started, and its @done not called yet). */
bool dm_runner_busy(const DmRunner *w);

/* Ask the running session to end now (SIGTERM): it ends at its next wait boundary, a network
 * wait in progress is woken (dm_session_cancel); with @then_exit the event loop is ended
 * (sd_event_exit) right after its @done, so the DmConnect reply still goes out on the bus, which
 * sd-bus closes when the loop exits. Engine lock held. No-op when none runs. */
void dm_runner_cancel(DmRunner *w, bool then_exit);

/**
 * dm_runner_verdict_hook() - the engine's verdict hook while a runner exists
 *   (engine_set_verdict_hook(e, dm_runner_verdict_hook, w)), forwarding to @hook set by
 *   dm_runner_set_verdict_hook(). The engine calls its hook for the pushes engine_expire() swept,
 *   also inside engine_apply_dm_ex() on the session thread; that thread must not touch the main
 *   bus (the hook journals and signals), so there the verdict (id, verdict, reason) is kept and
 *   handed to @hook in the event loop when the session has ended. On the main thread: at once.
 */
void dm_runner_verdict_hook(const EngineResult *res, void *userdata);
void dm_runner_set_verdict_hook(DmRunner *w, EngineVerdictFn hook, void *userdata);

/* dm_runner_set_end_hook() - @fn runs in the event loop (engine lock held) each time a session
 *   has ended, before its @done: what the session applied went to the store and the files on its
 *   thread, and the exporters that talk D-Bus on the main bus (NetworkManager's LoadConnections,
 *   oFono, mmsd-tng's settings) are started from here, never from the session thread. */
void dm_runner_set_end_hook(DmRunner *w, void (*fn)(void *userdata), void *userdata);

/* Cancel and join a running session (called WITHOUT the engine lock, after the event loop
 * ended), call its @done, free. NULL-safe; returns NULL. */
DmRunner *dm_runner_free(DmRunner *w);
