/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine-lock.h: the one lock that serializes verifierd's state between its threads (issue 13:
 * a DM session runs on a thread of its own, dm-runner.h).
 *
 * THREADING INVARIANT (enforced by engine_lock_event_loop and dm-runner.c / dm-session.c):
 *   - the lock protects the Engine and everything reached through it: the Store (its SQLite
 *     handle), the metabase, the Config, every Secret (secret.h: a Secret is used by one thread at
 *     a time; this lock is what makes that true), the DM account, tree and nonces, the history,
 *     the NetworkManager API connection the engine's exports use, and the Manager (bus-object.c,
 *     agent.c, report.c ...: the event loop's own state);
 *   - the main thread holds it whenever it runs anything of its event loop (prepare callbacks
 *     and dispatch); it releases it only inside sd_event_wait(), which touches nothing but the
 *     sd_event object itself (epoll, the signalfd and timerfds), which only the main thread uses;
 *   - the DM session thread holds it for every engine, tree, account, nonce, Secret and history
 *     call, and releases it only around a network wait (the Dial call on its own bus connection,
 *     the TLS handshake, one HTTP exchange), during which it touches nothing the lock protects;
 *   - no thread but the main one touches verifierd's main bus connection or the sd_event; the
 *     oFono export thread (export-worker.h) touches neither the lock's objects nor takes it.
 * The lock is not recursive: every path takes it once.
 */
#pragma once

#include <systemd/sd-event.h>

/* Take / release the engine lock (see the top). */
void engine_lock(void);
void engine_unlock(void);

/**
 * engine_lock_event_loop() - sd_event_loop() with the engine lock: held for sd_event_prepare()
 *   and sd_event_dispatch(), released only while sd_event_wait() blocks. Called without the lock.
 * Return: the loop's exit code (sd_event_exit); negative errno when the loop failed.
 */
int engine_lock_event_loop(sd_event *e);
