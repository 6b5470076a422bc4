/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imsi.h: verifierd's network PIN source: the IMSI of the SIM, read from oFono's SimManager or
 * ModemManager's Sim (docs/trust-boundary.md §2.1, §2.3) and handed to the engine (engine_set_imsi).
 * [NetworkPin] Source=static needs none of this: the engine takes Imsi= from the configuration.
 *
 * The IMSI keys NETWPIN authentication, so who may set it is a trust decision: only the process
 * that owns org.ofono / org.freedesktop.ModemManager1 now, as the bus driver says, in a
 * broadcast signal or in the reply to a call addressed to that unique name (ipc/buswatch.h,
 * issue 9 finding 1). When that owner leaves or is replaced, the IMSI is forgotten until the
 * new one tells it again.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "engine.h"

typedef struct ImsiSource ImsiSource;

/* Start following `source` on `bus` (asynchronous: the IMSI arrives later). For
 * NETWORK_PIN_SOURCE_STATIC *ret is NULL and nothing is watched. Return: 0 or negative errno. */
int imsi_source_start(sd_bus *bus, Engine *engine, NetworkPinSource source, ImsiSource **ret);
ImsiSource *imsi_source_free(ImsiSource *s);
