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
        sd_bus_slot *match_sim, *match_added, *match_removed, *call, *sim_call;
        char *modem_path, *sim_path; /* ModemManager: the followed modem and its SIM */
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

/* ---- ModemManager: org.freedesktop.ModemManager1.Sim.Imsi (security-model.md 2.3) -----------
 *
 * ModemManager's object model (its introspection XML, org.freedesktop.ModemManager1.Modem): the
 * ObjectManager at /org/freedesktop/ModemManager1 lists MODEMS only. A SIM is a separate object,
 * not in the ObjectManager: the modem's "Sim" property (o) names it ("/" while there is none),
 * and Sim.Imsi is read there with Properties.GetAll. A SIM swap changes the modem's Sim property
 * (PropertiesChanged on the modem); the IMSI may also arrive later on the Sim object itself.
 * One modem is followed (the first one listed); several modems need the receiving modem in the
 * Submit (a later change), and until then the others are logged and ignored. */

#define MM_MODEM_INTERFACE "org.freedesktop.ModemManager1.Modem"
#define MM_P_SIM "Sim"
#define MM_OBJECTS_MAX 64U    /* objects of one GetManagedObjects answer we look at */
#define MM_INTERFACES_MAX 64U /* interfaces of one object we look at */

static int mm_sim_props(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;

        s->sim_call = sd_bus_slot_unref(s->sim_call);
        if (reply_trusted(s, reply))
                (void) read_imsi_dict(s, reply, MM_P_IMSI);
        return 0;
}

/* The followed modem's Sim property is now `sim`: forget the old SIM's IMSI, read the new one. */
static void mm_follow_sim(ImsiSource *s, const char *modem, const char *sim) {
        const char *owner = bus_watch_owner(s->watch);
        int r;

        if (s->modem_path && !streq_ptr(modem, s->modem_path)) {
                log_info("ModemManager modem %s ignored: following %s (one SIM is used for NETWPIN)", modem,
                         s->modem_path);
                return;
        }
        if (!s->modem_path) {
                s->modem_path = strdup(modem);
                if (!s->modem_path)
                        return;
        }
        if (!sim || !sim[0] || streq_ptr(sim, "/")) {
                s->sim_call = sd_bus_slot_unref(s->sim_call);
                if (s->sim_path) {
                        s->sim_path = mfree(s->sim_path);
                        set_imsi(s, NULL, "ModemManager (no SIM)");
                }
                return;
        }
        if (streq_ptr(sim, s->sim_path))
                return;
        if (s->sim_path)
                set_imsi(s, NULL, "ModemManager (SIM changed)");
        free(s->sim_path);
        s->sim_path = strdup(sim);
        s->sim_call = sd_bus_slot_unref(s->sim_call);
        if (!s->sim_path || !owner)
                return;
        r = sd_bus_call_method_async(s->bus, &s->sim_call, owner, s->sim_path, PROPERTIES_INTERFACE, "GetAll",
                                     mm_sim_props, s, "s", MM_SIM_INTERFACE);
        if (r < 0)
                log_warning_errno(r, "Failed to ask ModemManager for SIM %s: %m", sim);
}

static int sim_entry(sd_bus_message *msg, const char *key, void *userdata) {
        return streq_ptr(key, MM_P_SIM) ? bus_variant_read_basic(msg, 'o', userdata) : 0;
}

/* a{sa{sv}}: the interfaces of object `path`; if it is a modem, follow its Sim property. */
static int mm_read_object(ImsiSource *s, const char *path, sd_bus_message *msg) {
        unsigned n = 0;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sa{sv}")) > 0) {
                const char *iface, *sim = NULL;

                if (++n > MM_INTERFACES_MAX)
                        return -E2BIG;
                if (sd_bus_message_read(msg, "s", &iface) < 0)
                        return -EBADMSG;
                if (streq_ptr(iface, MM_MODEM_INTERFACE)) {
                        r = bus_dict_read(msg, IMSI_DICT_MAX, sim_entry, &sim);
                        if (r < 0)
                                return r;
                        mm_follow_sim(s, path, sim);
                } else if (sd_bus_message_skip(msg, "a{sv}") < 0)
                        return -EBADMSG;
                if (sd_bus_message_exit_container(msg) < 0)
                        return -EBADMSG;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static int mm_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        unsigned n = 0;

        s->call = sd_bus_slot_unref(s->call);
        if (!reply_trusted(s, reply))
                return 0;
        if (sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
                return 0;
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                const char *path;

                if (++n > MM_OBJECTS_MAX) {
                        log_warning("ModemManager lists more than %u objects; the rest are ignored", MM_OBJECTS_MAX);
                        return 0;
                }
                if (sd_bus_message_read(reply, "o", &path) < 0 || mm_read_object(s, path, reply) < 0)
                        return 0;
                sd_bus_message_exit_container(reply);
        }
        return 0;
}

/* ObjectManager.InterfacesAdded(o path, a{sa{sv}}): a modem that appeared after start-up. */
static int mm_interfaces_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        (void) mm_read_object(s, path, msg);
        return 0;
}

/* ObjectManager.InterfacesRemoved(o path, as): the followed modem went away: its IMSI too. */
static int mm_interfaces_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path, *owner;
        int r;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) < 0 || !streq_ptr(path, s->modem_path))
                return 0;
        s->modem_path = mfree(s->modem_path);
        s->sim_call = sd_bus_slot_unref(s->sim_call);
        if (s->sim_path) {
                s->sim_path = mfree(s->sim_path);
                set_imsi(s, NULL, "ModemManager (modem removed)");
        }
        /* Another modem may be there: list again. */
        owner = bus_watch_owner(s->watch);
        s->call = sd_bus_slot_unref(s->call);
        if (owner) {
                r = sd_bus_call_method_async(s->bus, &s->call, owner, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                             "GetManagedObjects", mm_objects, s, "");
                if (r < 0)
                        log_warning_errno(r, "Failed to ask ModemManager for its modems: %m");
        }
        return 0;
}

/* Properties.PropertiesChanged(s interface, a{sv} changed, as invalidated): the followed modem's
 * Sim property, or the followed SIM's Imsi. Objects we do not follow are ignored. */
static int mm_props_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *iface, *path = sd_bus_message_get_path(msg);

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "s", &iface) < 0)
                return 0;
        if (streq_ptr(iface, MM_SIM_INTERFACE) && streq_ptr(path, s->sim_path))
                (void) read_imsi_dict(s, msg, MM_P_IMSI);
        else if (streq_ptr(iface, MM_MODEM_INTERFACE) && path && (!s->modem_path || streq_ptr(path, s->modem_path))) {
                const char *sim = NULL;

                if (bus_dict_read(msg, IMSI_DICT_MAX, sim_entry, &sim) >= 0 && sim)
                        mm_follow_sim(s, path, sim);
        }
        return 0;
}

/* ---- the owner -------------------------------------------------------------------------------- */

/* oFono / ModemManager appeared, left or was replaced (BusWatch: from the bus driver only). */
static void on_owner(BusWatch *w, const char *owner, void *userdata) {
        ImsiSource *s = userdata;
        char from[64];
        int r;

        s->call = sd_bus_slot_unref(s->call);
        s->sim_call = sd_bus_slot_unref(s->sim_call);
        s->modem_path = mfree(s->modem_path);
        s->sim_path = mfree(s->sim_path);
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
        s->match_removed = sd_bus_slot_unref(s->match_removed);
        s->call = sd_bus_slot_unref(s->call);
        s->sim_call = sd_bus_slot_unref(s->sim_call);
        free(s->modem_path);
        free(s->sim_path);
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
                                              "PropertiesChanged", mm_props_changed, NULL, s);
                if (r >= 0)
                        r = sd_bus_match_signal_async(bus, &s->match_added, MM_NAME, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                                      "InterfacesAdded", mm_interfaces_added, NULL, s);
                if (r >= 0)
                        r = sd_bus_match_signal_async(bus, &s->match_removed, MM_NAME, MM_PATH,
                                                      OBJECT_MANAGER_INTERFACE, "InterfacesRemoved",
                                                      mm_interfaces_removed, NULL, s);
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
