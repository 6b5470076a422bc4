/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imsi.c: the network PIN source (imsi.h). Moved out of main.c; what changed with issue 9
 * finding 1 is whom it believes:
 *   - the owner of org.ofono / org.freedesktop.ModemManager1 is learned from the bus driver only
 *     (BusWatch: GetNameOwner, then NameOwnerChanged whose sender is the driver);
 *   - calls go to that unique name, and a reply counts only when its sender is still that name;
 *   - a signal counts only when it is a broadcast whose sender is that name. Anyone on the bus
 *     can address a signal with SimManager.PropertyChanged's interface, member and path to
 *     verifierd's connection, and sd-bus hands it to the sender='org.ofono' match regardless:
 *     that set the IMSI before, so an attacker's NETWPIN push authenticated.
 * The IMSI is a secret of this process: it is logged as "known"/"unknown", never its digits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "imsi.h"
#include "log.h"
#include "macros.h"

/* oFono (doc/manager-api.txt, doc/sim-api.txt) and ModemManager (org.freedesktop.ModemManager1.Sim). */
#define OFONO_NAME "org.ofono"
#define OFONO_MANAGER_INTERFACE "org.ofono.Manager"
#define OFONO_SIM_INTERFACE "org.ofono.SimManager"
#define OFONO_P_IMSI "SubscriberIdentity"
#define MM_NAME "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_SIM_INTERFACE "org.freedesktop.ModemManager1.Sim"
#define MM_P_IMSI "Imsi"
#define OBJECT_MANAGER_INTERFACE "org.freedesktop.DBus.ObjectManager"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

#define IMSI_DICT_MAX 64U /* entries of a SimManager / Sim property dictionary we read */

struct ImsiSource {
        sd_bus *bus;
        Engine *engine;
        NetworkPinSource source;
        const char *label; /* "oFono", "ModemManager": for the log */
        BusWatch *watch;
        bool had_owner;
        sd_bus_slot *match_sim, *match_added, *call;
};

static void set_imsi(ImsiSource *s, const char *imsi, const char *from) {
        int r;

        /* The IMSI is a secret of this process: log only that it changed, never its digits. */
        r = engine_set_imsi(s->engine, imsi && *imsi ? imsi : NULL);
        if (r < 0)
                log_warning_errno(r, "Ignoring an invalid IMSI from %s: %m", from);
        else
                log_info("Network PIN %s (from %s)", imsi && *imsi ? "known" : "unknown", from);
}

/* A reply to a call we addressed to the owner's unique name, from that owner still. Replies of
 * an instance that has left since are dropped: its SIM may be gone. */
static bool reply_trusted(ImsiSource *s, sd_bus_message *reply) {
        return !sd_bus_message_is_method_error(reply, NULL) && bus_watch_sender_is_owner(s->watch, reply);
}

/* One entry of a property dictionary: keep the IMSI key's string (userdata: struct ImsiKey). */
typedef struct ImsiKey {
        const char *key;
        const char *value;
} ImsiKey;

static int imsi_entry(sd_bus_message *msg, const char *key, void *userdata) {
        ImsiKey *k = userdata;

        return streq_ptr(key, k->key) ? bus_variant_read_basic(msg, 's', &k->value) : 0;
}

/* The a{sv} at the current position (at most IMSI_DICT_MAX entries): set the IMSI when `key`
 * is in it. Return: 0 or negative errno (nothing set). */
static int read_imsi_dict(ImsiSource *s, sd_bus_message *msg, const char *key) {
        ImsiKey k = { .key = key };
        int r;

        r = bus_dict_read(msg, IMSI_DICT_MAX, imsi_entry, &k);
        if (r < 0) {
                /* From the trusted owner, yet malformed or past IMSI_DICT_MAX: worth a warning. */
                log_warning_errno(r, "Ignoring %s's SIM properties: %m", s->label);
                return r;
        }
        if (k.value)
                set_imsi(s, k.value, s->label);
        return 0;
}

/* ---- oFono: org.ofono.SimManager.SubscriberIdentity on each modem (security-model.md 2.1) --- */

static int ofono_sim_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;

        if (reply_trusted(s, reply))
                (void) read_imsi_dict(s, reply, OFONO_P_IMSI);
        return 0;
}

static void ofono_ask_sim(ImsiSource *s, const char *modem) {
        const char *owner = bus_watch_owner(s->watch);
        int r;

        if (!owner)
                return;
        /* Floating call: a late reply is checked against the owner (reply_trusted). */
        r = sd_bus_call_method_async(s->bus, NULL, owner, modem, OFONO_SIM_INTERFACE, "GetProperties",
                                     ofono_sim_properties, s, "");
        if (r < 0)
                log_debug_errno(r, "Failed to ask oFono for a SIM: %m");
}

static int ofono_modems(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        int r;

        s->call = sd_bus_slot_unref(s->call);
        if (!reply_trusted(s, reply))
                return 0;
        r = sd_bus_message_enter_container(reply, 'a', "(oa{sv})");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(reply, 'r', "oa{sv}") > 0) {
                const char *path;

                if (sd_bus_message_read(reply, "o", &path) < 0 || sd_bus_message_skip(reply, "a{sv}") < 0)
                        return 0;
                ofono_ask_sim(s, path);
                if (sd_bus_message_exit_container(reply) < 0)
                        return 0;
        }
        return 0;
}

/* org.ofono.Manager.ModemAdded(o path, a{sv}): read the new modem's SIM. */
static int ofono_modem_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of oFono's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) >= 0)
                ofono_ask_sim(s, path);
        return 0;
}

/* org.ofono.SimManager.PropertyChanged(s name, v value) */
static int ofono_sim_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *key, *imsi = NULL;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of oFono's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "s", &key) < 0 || !streq_ptr(key, OFONO_P_IMSI))
                return 0;
        if (bus_variant_read_basic(msg, 's', &imsi) > 0)
                set_imsi(s, imsi, s->label);
        return 0;
}

/* ---- ModemManager: org.freedesktop.ModemManager1.Sim.Imsi (security-model.md 2.3) ----------- */

/* a{sa{sv}}: the interfaces of one object; the Sim interface's Imsi, if any. */
static int mm_read_sim(ImsiSource *s, sd_bus_message *msg) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while (sd_bus_message_enter_container(msg, 'e', "sa{sv}") > 0) {
                const char *iface;

                if (sd_bus_message_read(msg, "s", &iface) < 0)
                        return -EBADMSG;
                if (!streq_ptr(iface, MM_SIM_INTERFACE)) {
                        sd_bus_message_skip(msg, "a{sv}");
                        sd_bus_message_exit_container(msg);
                        continue;
                }
                if (read_imsi_dict(s, msg, MM_P_IMSI) < 0)
                        return -EBADMSG;
                sd_bus_message_exit_container(msg);
        }
        return sd_bus_message_exit_container(msg);
}

static int mm_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;

        s->call = sd_bus_slot_unref(s->call);
        if (!reply_trusted(s, reply))
                return 0;
        if (sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
                return 0;
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                const char *path;

                if (sd_bus_message_read(reply, "o", &path) < 0 || mm_read_sim(s, reply) < 0)
                        return 0;
                sd_bus_message_exit_container(reply);
        }
        return 0;
}

/* ObjectManager.InterfacesAdded(o path, a{sa{sv}}): a SIM that appeared after start-up. */
static int mm_interfaces_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        (void) mm_read_sim(s, msg);
        return 0;
}

/* Properties.PropertiesChanged(s interface, a{sv} changed, as invalidated) of a Sim object. */
static int mm_sim_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *iface;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "s", &iface) < 0 || !streq_ptr(iface, MM_SIM_INTERFACE))
                return 0;
        (void) read_imsi_dict(s, msg, MM_P_IMSI);
        return 0;
}

/* ---- the owner -------------------------------------------------------------------------------- */

/* oFono / ModemManager appeared, left or was replaced (BusWatch: from the bus driver only). */
static void on_owner(BusWatch *w, const char *owner, void *userdata) {
        ImsiSource *s = userdata;
        char from[64];
        int r;

        s->call = sd_bus_slot_unref(s->call);
        /* What the previous instance said is void: the new one (if any) tells again. */
        if (s->had_owner) {
                (void) snprintf(from, sizeof from, "%s (%s)", s->label, owner ? "replaced" : "gone");
                set_imsi(s, NULL, from);
        }
        s->had_owner = owner != NULL;
        if (!owner)
                return;
        if (s->source == NETWORK_PIN_SOURCE_OFONO)
                r = sd_bus_call_method_async(s->bus, &s->call, owner, "/", OFONO_MANAGER_INTERFACE, "GetModems",
                                             ofono_modems, s, "");
        else
                r = sd_bus_call_method_async(s->bus, &s->call, owner, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                             "GetManagedObjects", mm_objects, s, "");
        if (r < 0)
                log_warning_errno(r, "Failed to ask %s for its SIM: %m", s->label);
}

ImsiSource *imsi_source_free(ImsiSource *s) {
        if (!s)
                return NULL;
        s->watch = bus_watch_free(s->watch);
        s->match_sim = sd_bus_slot_unref(s->match_sim);
        s->match_added = sd_bus_slot_unref(s->match_added);
        s->call = sd_bus_slot_unref(s->call);
        sd_bus_unref(s->bus);
        free(s);
        return NULL;
}

int imsi_source_start(sd_bus *bus, Engine *engine, NetworkPinSource source, ImsiSource **ret) {
        ImsiSource *s;
        int r;

        *ret = NULL;
        if (source != NETWORK_PIN_SOURCE_OFONO && source != NETWORK_PIN_SOURCE_MODEMMANAGER)
                return 0; /* static: the engine took Imsi= from the configuration */
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->bus = sd_bus_ref(bus);
        s->engine = engine;
        s->source = source;
        /* The matches name the well-known sender so that the bus routes us only that service's
         * broadcasts; the handlers still check the real sender (a unicast signal bypasses this). */
        if (source == NETWORK_PIN_SOURCE_OFONO) {
                s->label = "oFono";
                r = sd_bus_match_signal_async(bus, &s->match_sim, OFONO_NAME, NULL, OFONO_SIM_INTERFACE,
                                              "PropertyChanged", ofono_sim_changed, NULL, s);
                if (r >= 0)
                        r = sd_bus_match_signal_async(bus, &s->match_added, OFONO_NAME, "/", OFONO_MANAGER_INTERFACE,
                                                      "ModemAdded", ofono_modem_added, NULL, s);
        } else {
                s->label = "ModemManager";
                r = sd_bus_match_signal_async(bus, &s->match_sim, MM_NAME, NULL, PROPERTIES_INTERFACE,
                                              "PropertiesChanged", mm_sim_changed, NULL, s);
                if (r >= 0)
                        r = sd_bus_match_signal_async(bus, &s->match_added, MM_NAME, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                                      "InterfacesAdded", mm_interfaces_added, NULL, s);
        }
        /* After the signal matches: no SIM change is missed once the owner is known. */
        if (r >= 0)
                r = bus_watch_new(bus, source == NETWORK_PIN_SOURCE_OFONO ? OFONO_NAME : MM_NAME, on_owner, s,
                                  &s->watch);
        if (r < 0) {
                imsi_source_free(s);
                return r;
        }
        *ret = s;
        return 0;
}
