/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * buswatch.h: who really sent a D-Bus signal (issue 9 finding 1), for provd and verifierd.
 *
 * The message bus writes the real SENDER of every message: the unique name of the sending
 * connection, or "org.freedesktop.DBus" for the bus driver itself (D-Bus Specification,
 * "Message Bus Specification", message routing). A match rule such as sender='org.ofono' is only
 * a routing request to the bus: sd-bus still hands a signal ADDRESSED to our connection
 * (a unicast signal, DESTINATION set) to every local match on interface, member and path,
 * whatever its sender, so any local user could pose as oFono, ModemManager or the bus driver.
 * Hence every signal handler asks here before it acts:
 *   - signals about names (NameOwnerChanged) are believed only from the bus driver;
 *   - signals of a service (oFono, ModemManager) only from the unique name that owns its
 *     well-known name now, as the driver told us (GetNameOwner at start, NameOwnerChanged after);
 *   - and only broadcasts: the services we follow never address a signal to one peer, so a
 *     signal with a DESTINATION is dropped whoever sent it.
 * The bus policy (ipc/org.provboot.conf) refuses such unicast signals as well; these checks do
 * not rely on it.
 *
 * BusWatch follows one well-known name: its unique owner, learned only from the bus driver; or
 * one peer's unique name, until that connection leaves the bus (bus_peer_watch_new).
 *
 * What those services answer is read with the bounded readers below: every dictionary, array and
 * list of objects has a limit the caller names, past which nothing is read (-E2BIG); one walk of
 * each D-Bus shape for provd and verifierd, so no client keeps a loop of its own.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#define BUS_DRIVER_NAME "org.freedesktop.DBus"
#define BUS_DRIVER_PATH "/org/freedesktop/DBus"
#define BUS_DRIVER_INTERFACE "org.freedesktop.DBus"

/* msg is a signal without a destination (a broadcast) whose real sender is `sender`. False when
 * sender is NULL (nobody known owns the name: nothing is believed). */
bool bus_message_is_broadcast_from(sd_bus_message *msg, const char *sender);

/* msg is a broadcast signal of the bus driver (NameOwnerChanged and the like). */
bool bus_message_is_from_driver(sd_bus_message *msg);

typedef struct BusWatch BusWatch;

/* Called when the tracked owner changes: `owner` is the new unique name, or NULL when the name
 * lost its owner. Not called for "no owner" at start. It must not free the watch. */
typedef void (*BusWatchOwnerFn)(BusWatch *w, const char *owner, void *userdata);

/* Follow `name` on `bus`: a NameOwnerChanged match (arg0=name, sender = the driver), then
 * GetNameOwner; both asynchronous, sent in that order, so no change falls between them. Call it
 * after adding the matches for the service's own signals, so that none is missed once the owner
 * is known. Return: 0 or negative errno. */
int bus_watch_new(sd_bus *bus, const char *name, BusWatchOwnerFn cb, void *userdata, BusWatch **ret);

/* Follow one peer by its unique name (":1.42"), e.g. a client that registered itself with us:
 * cb(w, NULL, userdata) once, when the driver says the connection left the bus, or at once
 * (from the event loop) when GetNameOwner finds it gone already. A unique name is never owned
 * again, so nothing follows. cb may free the watch. Return: 0 or negative errno (-EINVAL for a
 * well-known name). */
int bus_peer_watch_new(sd_bus *bus, const char *unique_name, BusWatchOwnerFn cb, void *userdata, BusWatch **ret);

BusWatch *bus_watch_free(BusWatch *w);

/* The unique name owning the watched name now, or NULL (not running, or not known yet). Address
 * method calls to it, not to the well-known name: the reply then comes from that instance. */
const char *bus_watch_owner(const BusWatch *w);

/* msg is a broadcast signal really sent by the tracked owner. */
bool bus_watch_signal_trusted(const BusWatch *w, sd_bus_message *msg);

/* msg (a method call to us, or a reply) was really sent by the tracked owner. */
bool bus_watch_sender_is_owner(const BusWatch *w, sd_bus_message *msg);

/* ---- bounded reading ------------------------------------------------------------------------ */

/* One entry of a keyed container: msg is at the entry's value (see each reader), `key` is the
 * entry's key (a string or an object path, pointing into the message). Read the value and
 * return 1, or return 0 to have it skipped; a negative errno stops the walk. fn may be NULL:
 * every value is skipped. */
typedef int (*BusDictEntryFn)(sd_bus_message *msg, const char *key, void *userdata);

/* Each reader walks the container at the current position, calling fn per entry. More than
 * `max` entries: -E2BIG at entry max + 1, after fn has seen the first max (the caller names its
 * limit; nothing past it is read). A malformed container: the sd-bus error. Return: 0 or
 * negative errno. */

/* a{sv}, a property dictionary: fn at the variant. */
int bus_dict_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata);

/* a(oa{sv}), objects with their properties (oFono's Manager.GetModems, ConnectionManager.
 * GetContexts, ModemAdded's arguments are one such pair): key is the object path, fn at its a{sv}. */
int bus_object_list_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata);

/* a{sa{sv}}, one object's interfaces with their properties (ObjectManager.InterfacesAdded):
 * key is the interface name, fn at its a{sv}. */
int bus_interfaces_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata);

/* a{oa{sa{sv}}}, ObjectManager.GetManagedObjects: key is the object path, fn at its a{sa{sv}}. */
int bus_managed_objects_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata);

/* as: fn(msg, string, userdata) per string, msg past it (fn's return: 0 or 1 go on, negative
 * stops). */
int bus_strv_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata);

/* as: 1 when one of its (at most max) strings is `needle`, else 0; or negative errno. */
int bus_strv_contains(sd_bus_message *msg, unsigned max, const char *needle);

/* At a variant holding "as" (a property such as oFono's Interfaces): as bus_strv_contains. A
 * variant holding anything else: -EMEDIUMTYPE, nothing consumed (skip it, or refuse it). */
int bus_variant_strv_contains(sd_bus_message *msg, unsigned max, const char *needle);

/* At a variant: if it holds exactly the basic type `type` ('s', 'o', 'u', 'b', ...), read it into
 * *ret and return 1 (strings point into the message); any other content: 0, nothing consumed. */
int bus_variant_read_basic(sd_bus_message *msg, char type, void *ret);
