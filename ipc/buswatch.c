/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * buswatch.c: sender checks for signals, the owner of a well-known name as the bus driver tells
 * it, and the bounded readers of what services answer (buswatch.h). Linked by provd and
 * verifierd through libipc; no crypto.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "log.h"
#include "macros.h"

struct BusWatch {
        sd_bus *bus;
        char *name;
        char *owner; /* unique name, NULL when none is known */
        BusWatchOwnerFn cb;
        void *userdata;
        bool peer; /* a unique name: only its leaving is reported (bus_peer_watch_new) */
        sd_bus_slot *match, *call;
};

bool bus_message_is_broadcast_from(sd_bus_message *msg, const char *sender) {
        uint8_t type = 0;

        /* Trusted: the SENDER field, which the bus daemon sets for every message it routes (see
         * buswatch.h); nothing in the body or the other header fields is. */
        if (!msg || !sender || sd_bus_message_get_type(msg, &type) < 0 || type != SD_BUS_MESSAGE_SIGNAL)
                return false;
        /* Our services broadcast; a signal addressed to us alone is never theirs (buswatch.h). */
        if (sd_bus_message_get_destination(msg))
                return false;
        return streq_ptr(sd_bus_message_get_sender(msg), sender);
}

bool bus_message_is_from_driver(sd_bus_message *msg) {
        /* Only the bus driver sends as "org.freedesktop.DBus": no connection can own that name. */
        return bus_message_is_broadcast_from(msg, BUS_DRIVER_NAME);
}

const char *bus_watch_owner(const BusWatch *w) {
        return w ? w->owner : NULL;
}

bool bus_watch_signal_trusted(const BusWatch *w, sd_bus_message *msg) {
        return w && bus_message_is_broadcast_from(msg, w->owner);
}

bool bus_watch_sender_is_owner(const BusWatch *w, sd_bus_message *msg) {
        return w && w->owner && msg && streq_ptr(sd_bus_message_get_sender(msg), w->owner);
}

static void set_owner(BusWatch *w, const char *owner) {
        char *copy = NULL;

        if (owner && owner[0] == 0)
                owner = NULL;
        if (streq_ptr(owner, w->owner))
                return;
        /* Only unique names (":1.42") own names; anything else from the driver would be a bug. */
        if (owner && owner[0] != ':') {
                log_warning("Ignoring a non-unique owner for %s", w->name);
                return;
        }
        if (owner) {
                copy = strdup(owner);
                if (!copy) {
                        log_oom();
                        return;
                }
        }
        free(w->owner);
        w->owner = copy;
        /* Last: the callback may free the watch. A peer watch reports only the peer's leaving. */
        if (w->cb && !(w->peer && w->owner))
                w->cb(w, w->owner, w->userdata);
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        BusWatch *w = userdata;
        const char *name, *old, *new;

        /* Trusted only from the bus driver, as a broadcast: anyone may send a signal with this
         * interface and member to our connection (issue 9 finding 1). */
        if (!bus_message_is_from_driver(msg)) {
                log_debug("Ignoring a NameOwnerChanged signal not sent by the bus driver (from '%s')",
                          sd_bus_message_get_sender(msg) ? sd_bus_message_get_sender(msg) : "?");
                return 0;
        }
        if (sd_bus_message_read(msg, "sss", &name, &old, &new) < 0 || !streq_ptr(name, w->name))
                return 0;
        set_owner(w, new);
        return 0;
}

static int on_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        BusWatch *w = userdata;
        const char *owner;

        w->call = sd_bus_slot_unref(w->call);
        /* The reply to a call we addressed to the driver; sd-bus pairs it by serial, and the bus
         * lets only the called peer answer. Checked anyway, like every signal. */
        if (!streq_ptr(sd_bus_message_get_sender(reply), BUS_DRIVER_NAME))
                return 0;
        if (sd_bus_message_is_method_error(reply, NULL)) {
                /* A unique name that has no owner left the bus for good (D-Bus Specification,
                 * "Message Bus Names": unique names are never reused); the callback may free w. */
                if (w->peer) {
                        if (w->cb && !w->owner)
                                w->cb(w, NULL, w->userdata);
                        return 0;
                }
                /* NameHasNoOwner: not running; NameOwnerChanged will say when it comes */
                log_info("%s is not on the bus; waiting for it", w->name);
                return 0;
        }
        if (sd_bus_message_read(reply, "s", &owner) >= 0)
                set_owner(w, owner);
        return 0;
}

static int watch_new(sd_bus *bus, const char *name, bool peer, BusWatchOwnerFn cb, void *userdata, BusWatch **ret) {
        _cleanup_free_ char *match = NULL;
        BusWatch *w;
        int r;

        if (!bus || !name || !ret || !sd_bus_service_name_is_valid(name) || (name[0] == ':') != peer)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->bus = sd_bus_ref(bus);
        w->peer = peer;
        w->cb = cb;
        w->userdata = userdata;
        w->name = strdup(name);
        if (!w->name || asprintf(&match,
                                 "type='signal',sender='" BUS_DRIVER_NAME "',path='" BUS_DRIVER_PATH
                                 "',interface='" BUS_DRIVER_INTERFACE "',member='NameOwnerChanged',arg0='%s'",
                                 name) < 0) {
                bus_watch_free(w);
                return -ENOMEM;
        }
        r = sd_bus_add_match_async(bus, &w->match, match, on_name_owner_changed, NULL, w);
        if (r >= 0)
                r = sd_bus_call_method_async(bus, &w->call, BUS_DRIVER_NAME, BUS_DRIVER_PATH, BUS_DRIVER_INTERFACE,
                                             "GetNameOwner", on_get_name_owner, w, "s", name);
        if (r < 0) {
                bus_watch_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

int bus_watch_new(sd_bus *bus, const char *name, BusWatchOwnerFn cb, void *userdata, BusWatch **ret) {
        return watch_new(bus, name, false, cb, userdata, ret);
}

int bus_peer_watch_new(sd_bus *bus, const char *unique_name, BusWatchOwnerFn cb, void *userdata, BusWatch **ret) {
        return watch_new(bus, unique_name, true, cb, userdata, ret);
}

BusWatch *bus_watch_free(BusWatch *w) {
        if (!w)
                return NULL;
        w->match = sd_bus_slot_unref(w->match);
        w->call = sd_bus_slot_unref(w->call);
        sd_bus_unref(w->bus);
        free(w->name);
        free(w->owner);
        free(w);
        return NULL;
}

/* ---- bounded reading ------------------------------------------------------------------------ */

/* The one walk behind every reader: an array whose elements are `element`: 's' (strings: each
 * is the key, there is no value), or 'e' (dict entry) / 'r' (struct) whose contents are
 * `contents` = a key of basic type contents[0], then a value of signature contents + 1. fn sees
 * each key with msg at its value; the value is skipped unless fn read it. */
static int array_read(sd_bus_message *msg, char element, const char *contents, unsigned max, BusDictEntryFn fn,
                      void *userdata) {
        char array[32];
        unsigned n = 0;
        int r;

        (void) snprintf(array, sizeof array, element == 's' ? "s" : element == 'e' ? "{%s}" : "(%s)", contents);
        r = sd_bus_message_enter_container(msg, 'a', array);
        if (r < 0)
                return r;
        for (;;) {
                const char *key;

                r = element == 's' ? 1 : sd_bus_message_enter_container(msg, element, contents);
                if (r > 0)
                        r = sd_bus_message_read_basic(msg, element == 's' ? 's' : contents[0], &key);
                if (r <= 0)
                        break;
                /* The caller's named limit: a peer may send any number of entries. */
                if (++n > max)
                        return -E2BIG;
                r = fn ? fn(msg, key, userdata) : 0;
                if (r < 0)
                        return r;
                if (element == 's')
                        continue;
                if (r == 0) {
                        r = sd_bus_message_skip(msg, contents + 1);
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        return r < 0 ? r : 0;
}

int bus_dict_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata) {
        return array_read(msg, 'e', "sv", max, fn, userdata);
}

int bus_object_list_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata) {
        return array_read(msg, 'r', "oa{sv}", max, fn, userdata);
}

int bus_interfaces_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata) {
        return array_read(msg, 'e', "sa{sv}", max, fn, userdata);
}

int bus_managed_objects_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata) {
        return array_read(msg, 'e', "oa{sa{sv}}", max, fn, userdata);
}

int bus_strv_read(sd_bus_message *msg, unsigned max, BusDictEntryFn fn, void *userdata) {
        return array_read(msg, 's', "", max, fn, userdata);
}

static int strv_match(sd_bus_message *msg, const char *s, void *userdata) {
        const char **needle = userdata;

        if (*needle && strcmp(s, *needle) == 0)
                *needle = NULL; /* found */
        return 0;
}

int bus_strv_contains(sd_bus_message *msg, unsigned max, const char *needle) {
        const char *n = needle;
        int r;

        if (!needle)
                return -EINVAL;
        r = bus_strv_read(msg, max, strv_match, &n);
        return r < 0 ? r : !n;
}

/* At a variant: enter it if it holds exactly the signature `want`. Return: 1 entered, 0 another
 * content (nothing consumed), or negative errno. */
static int variant_enter(sd_bus_message *msg, const char *want) {
        const char *contents = NULL;
        char t = 0;
        int r;

        r = sd_bus_message_peek_type(msg, &t, &contents);
        if (r <= 0)
                return r;
        if (t != 'v' || !streq_ptr(contents, want))
                return 0;
        r = sd_bus_message_enter_container(msg, 'v', want);
        return r < 0 ? r : 1;
}

int bus_variant_strv_contains(sd_bus_message *msg, unsigned max, const char *needle) {
        int r;

        r = variant_enter(msg, "as");
        if (r <= 0)
                return r < 0 ? r : -EMEDIUMTYPE;
        r = bus_strv_contains(msg, max, needle);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg) < 0 ? -EBADMSG : r;
}

int bus_variant_read_basic(sd_bus_message *msg, char type, void *ret) {
        const char want[2] = { type, 0 };
        int r;

        r = variant_enter(msg, want);
        if (r <= 0)
                return r;
        r = sd_bus_message_read_basic(msg, type, ret);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        return r < 0 ? r : 1;
}
