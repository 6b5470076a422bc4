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
 * Issue 10 point 7: one SIM per modem, for every modem the stack reports (engine.h "Which
 * SIM"), with the SIM's ICCID and operator for the settings binding; a push is checked against
 * the SIM of the modem that received it.
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
#define IMSI_OFONO_MODEM_LIST_MAX (ENGINE_MODEMS_MAX * 4U) /* entries of oFono's GetModems we read */

/* oFono SimManager (doc/sim-api.txt) and ModemManager Sim keys besides the IMSI: the SIM's
 * identity for the settings binding (engine.h "Which SIM"). */
#define OFONO_P_ICCID "CardIdentifier"
#define OFONO_P_MCC "MobileCountryCode"
#define OFONO_P_MNC "MobileNetworkCode"
#define OFONO_P_PRESENT "Present"
#define MM_P_ICCID "SimIdentifier"
#define MM_P_OPERATOR "OperatorIdentifier"
#define OPERATOR_MAX 6U /* MCC (3) + MNC (2 or 3) */

/* ModemManager: one modem we follow and the SIM object its Sim property names. */
typedef struct MmModem {
        char *modem, *sim;
} MmModem;

struct ImsiSource {
        sd_bus *bus;
        Engine *engine;
        NetworkPinSource source;
        const char *label; /* "oFono", "ModemManager": for the log */
        BusWatch *watch;
        bool had_owner;
        sd_bus_slot *match_sim, *match_added, *match_removed, *call;
        MmModem mm[ENGINE_MODEMS_MAX]; /* ModemManager: the modems followed (one SIM each) */
        unsigned n_mm;
};

/* One call in flight about one modem's SIM: the answer is applied to that modem only (and, for
 * ModemManager, only while the modem's Sim property still names the SIM that was asked). */
typedef struct SimQuery {
        ImsiSource *s;
        char *modem, *sim;
} SimQuery;

static void sim_query_free(void *userdata) {
        SimQuery *q = userdata;

        if (!q)
                return;
        free(q->modem);
        free(q->sim);
        free(q);
}

/* A SIM as read from one property dictionary (strings point into the message). */
typedef struct SimProps {
        const char *imsi_key, *iccid_key; /* the stack's names */
        const char *imsi, *iccid, *operator_id, *mcc, *mnc;
        int present;                      /* oFono: -1 not said, 0/1 */
} SimProps;

static void set_sim(ImsiSource *s, const char *modem, const SimProps *p, const char *from) {
        char op[OPERATOR_MAX + 1] = "";
        const char *imsi = p ? p->imsi : NULL;
        int r;

        if (p && p->present == 0)
                imsi = NULL; /* oFono: SIM removed, whatever a stale SubscriberIdentity says */
        if (p && p->operator_id)
                snprintf(op, sizeof op, "%s", p->operator_id);
        else if (p && p->mcc && p->mnc && strlen(p->mcc) + strlen(p->mnc) <= OPERATOR_MAX) {
                size_t a = strlen(p->mcc), b = strlen(p->mnc);

                memcpy(op, p->mcc, a);
                memcpy(op + a, p->mnc, b);
                op[a + b] = 0;
        }
        /* The IMSI is a secret of this process: log only that it changed, never its digits. */
        r = engine_set_modem_sim(s->engine, modem,
                                 &(EngineSim) { .imsi = imsi, .sim_id = p ? p->iccid : NULL, .operator_id = op });
        if (r == -ENOSPC)
                log_warning("More than %u modems with a SIM; the SIM in %s is not used for the network PIN",
                            ENGINE_MODEMS_MAX, modem);
        else if (r < 0)
                log_warning_errno(r, "Ignoring an invalid IMSI from %s (modem %s): %m", from, modem);
        else
                log_info("Network PIN %s (from %s) for modem %s (%u SIM(s) known)", imsi && *imsi ? "known" : "unknown",
                         from, modem, engine_count_sims(s->engine));
}

/* Forget every SIM this source reported (the owner left or was replaced). */
static void forget_all(ImsiSource *s, const char *from) {
        (void) engine_set_imsi(s->engine, NULL);
        log_info("Network PIN unknown (from %s)", from);
}

/* A reply to a call we addressed to the owner's unique name, from that owner still. Replies of
 * an instance that has left since are dropped: its SIM may be gone. */
static bool reply_trusted(ImsiSource *s, sd_bus_message *reply) {
        return !sd_bus_message_is_method_error(reply, NULL) && bus_watch_sender_is_owner(s->watch, reply);
}

static int sim_entry(sd_bus_message *msg, const char *key, void *userdata) {
        SimProps *p = userdata;
        int b = 0, r;

        if (streq_ptr(key, p->imsi_key))
                return bus_variant_read_basic(msg, 's', &p->imsi);
        if (streq_ptr(key, p->iccid_key))
                return bus_variant_read_basic(msg, 's', &p->iccid);
        if (streq_ptr(key, MM_P_OPERATOR) && streq_ptr(p->imsi_key, MM_P_IMSI))
                return bus_variant_read_basic(msg, 's', &p->operator_id);
        if (streq_ptr(key, OFONO_P_MCC) && streq_ptr(p->imsi_key, OFONO_P_IMSI))
                return bus_variant_read_basic(msg, 's', &p->mcc);
        if (streq_ptr(key, OFONO_P_MNC) && streq_ptr(p->imsi_key, OFONO_P_IMSI))
                return bus_variant_read_basic(msg, 's', &p->mnc);
        if (streq_ptr(key, OFONO_P_PRESENT) && streq_ptr(p->imsi_key, OFONO_P_IMSI)) {
                r = bus_variant_read_basic(msg, 'b', &b);
                if (r > 0)
                        p->present = b ? 1 : 0;
                return r;
        }
        return 0;
}

/* The a{sv} of one SIM at the current position (at most IMSI_DICT_MAX entries). Return: 0 or
 * negative errno (then nothing is to be set). */
static int read_sim_dict(ImsiSource *s, sd_bus_message *msg, SimProps *p) {
        int r;

        p->present = -1;
        r = bus_dict_read(msg, IMSI_DICT_MAX, sim_entry, p);
        if (r < 0)
                /* From the trusted owner, yet malformed or past IMSI_DICT_MAX: worth a warning. */
                log_warning_errno(r, "Ignoring %s's SIM properties: %m", s->label);
        return r;
}

/* Call GetProperties / GetAll about one modem's SIM; the reply handler gets a SimQuery. */
static void ask(ImsiSource *s, const char *modem, const char *sim, const char *path, const char *interface,
                const char *member, sd_bus_message_handler_t handler, const char *types, const char *arg) {
        const char *owner = bus_watch_owner(s->watch);
        sd_bus_slot *slot = NULL;
        SimQuery *q;
        int r;

        if (!owner)
                return;
        q = calloc(1, sizeof(*q));
        if (!q || !(q->modem = strdup(modem)) || (sim && !(q->sim = strdup(sim)))) {
                sim_query_free(q);
                log_oom();
                return;
        }
        q->s = s;
        if (types)
                r = sd_bus_call_method_async(s->bus, &slot, owner, path, interface, member, handler, q, types, arg);
        else
                r = sd_bus_call_method_async(s->bus, &slot, owner, path, interface, member, handler, q, "");
        if (r < 0) {
                sim_query_free(q);
                log_warning_errno(r, "Failed to ask %s about the SIM of modem %s: %m", s->label, modem);
                return;
        }
        /* Floating: the bus owns the call; the query is freed with it. A late reply is checked
         * against the owner (reply_trusted). */
        (void) sd_bus_slot_set_destroy_callback(slot, sim_query_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
}

/* ---- oFono: org.ofono.SimManager on each modem (docs/trust-boundary.md §2.1) ----------------------
 * Every modem of Manager.GetModems and ModemAdded is asked for its SimManager properties; a
 * SimManager.PropertyChanged broadcast names the modem by its object path, and a change of the
 * SIM's identity asks again; ModemRemoved forgets the modem's SIM. */

static int ofono_sim_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        SimQuery *q = userdata;
        SimProps p = { .imsi_key = OFONO_P_IMSI, .iccid_key = OFONO_P_ICCID };

        if (reply_trusted(q->s, reply) && read_sim_dict(q->s, reply, &p) >= 0)
                set_sim(q->s, q->modem, &p, q->s->label);
        return 0;
}

static void ofono_ask_sim(ImsiSource *s, const char *modem) {
        ask(s, modem, NULL, modem, OFONO_SIM_INTERFACE, "GetProperties", ofono_sim_properties, NULL, NULL);
}

static int ofono_modem_entry(sd_bus_message *msg, const char *path, void *userdata) {
        ofono_ask_sim(userdata, path);
        return 0; /* the modem's properties are not needed: its SimManager is asked */
}

static int ofono_modems(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;

        s->call = sd_bus_slot_unref(s->call);
        if (!reply_trusted(s, reply))
                return 0;
        /* a(oa{sv}), at most IMSI_OFONO_MODEM_LIST_MAX entries: the modems seen so far are asked */
        if (bus_object_list_read(reply, IMSI_OFONO_MODEM_LIST_MAX, ofono_modem_entry, s) == -E2BIG)
                log_warning("oFono lists more than %u modems; the rest are ignored", IMSI_OFONO_MODEM_LIST_MAX);
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

/* org.ofono.Manager.ModemRemoved(o path): its SIM goes with it. */
static int ofono_modem_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of oFono's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) >= 0)
                set_sim(s, path, NULL, "oFono (modem removed)");
        return 0;
}

/* org.ofono.SimManager.PropertyChanged(s name, v value) at the modem's path. */
static int ofono_sim_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *key, *path = sd_bus_message_get_path(msg);

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of oFono's owner (ipc/buswatch.h) */
        if (!path || sd_bus_message_read(msg, "s", &key) < 0)
                return 0;
        /* The SIM's identity changed (a swap, a SIM that finished initialising, one removed):
         * read the modem's SIM again, whole, so IMSI and ICCID always belong together. */
        if (streq_ptr(key, OFONO_P_IMSI) || streq_ptr(key, OFONO_P_ICCID) || streq_ptr(key, OFONO_P_PRESENT) ||
            streq_ptr(key, OFONO_P_MNC))
                ofono_ask_sim(s, path);
        return 0;
}

/* ---- ModemManager: org.freedesktop.ModemManager1.Sim.Imsi (docs/trust-boundary.md §2.3) -----------
 *
 * ModemManager's object model (its introspection XML, org.freedesktop.ModemManager1.Modem): the
 * ObjectManager at /org/freedesktop/ModemManager1 lists MODEMS only. A SIM is a separate object,
 * not in the ObjectManager: the modem's "Sim" property (o) names it ("/" while there is none),
 * and Sim.Imsi is read there with Properties.GetAll. A SIM swap changes the modem's Sim property
 * (PropertiesChanged on the modem); the IMSI may also arrive later on the Sim object itself.
 * Every modem is followed (up to ENGINE_MODEMS_MAX), each with its own SIM: a push is checked
 * against the SIM of the modem that received it (issue 10 point 7). */

#define MM_MODEM_INTERFACE "org.freedesktop.ModemManager1.Modem"
#define MM_P_SIM "Sim"
#define MM_OBJECTS_MAX 64U    /* objects of one GetManagedObjects answer we look at */
#define MM_INTERFACES_MAX 64U /* interfaces of one object we look at */

static int mm_find(ImsiSource *s, const char *modem) {
        for (unsigned i = 0; i < s->n_mm; i++)
                if (streq_ptr(s->mm[i].modem, modem))
                        return (int) i;
        return -1;
}

static void mm_drop(ImsiSource *s, unsigned i) {
        free(s->mm[i].modem);
        free(s->mm[i].sim);
        s->mm[i] = s->mm[--s->n_mm];
        s->mm[s->n_mm] = (MmModem) {};
}

static int mm_sim_props(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        SimQuery *q = userdata;
        ImsiSource *s = q->s;
        SimProps p = { .imsi_key = MM_P_IMSI, .iccid_key = MM_P_ICCID };
        int i = mm_find(s, q->modem);

        /* Only while the modem still names the SIM we asked about: a swap meanwhile asked again. */
        if (i < 0 || !streq_ptr(s->mm[i].sim, q->sim))
                return 0;
        if (reply_trusted(s, reply) && read_sim_dict(s, reply, &p) >= 0)
                set_sim(s, q->modem, &p, s->label);
        return 0;
}

static void mm_ask_sim(ImsiSource *s, const char *modem, const char *sim) {
        ask(s, modem, sim, sim, PROPERTIES_INTERFACE, "GetAll", mm_sim_props, "s", MM_SIM_INTERFACE);
}

/* Modem `modem`'s Sim property is now `sim`: forget the old SIM's IMSI, read the new one. */
static void mm_follow_sim(ImsiSource *s, const char *modem, const char *sim) {
        bool none = !sim || !sim[0] || streq_ptr(sim, "/");
        int i = mm_find(s, modem);
        char *copy;

        if (i < 0) {
                if (none)
                        return;
                if (s->n_mm >= ENGINE_MODEMS_MAX) {
                        log_warning("More than %u ModemManager modems; modem %s is not used for the network PIN",
                                    ENGINE_MODEMS_MAX, modem);
                        return;
                }
                copy = strdup(modem);
                if (!copy) {
                        log_oom();
                        return;
                }
                i = (int) s->n_mm++;
                s->mm[i] = (MmModem) { .modem = copy };
        }
        if (none) {
                if (s->mm[i].sim)
                        set_sim(s, modem, NULL, "ModemManager (no SIM)");
                mm_drop(s, (unsigned) i);
                return;
        }
        if (streq_ptr(sim, s->mm[i].sim))
                return;
        if (s->mm[i].sim)
                set_sim(s, modem, NULL, "ModemManager (SIM changed)");
        copy = strdup(sim);
        if (!copy) {
                log_oom();
                return;
        }
        free(s->mm[i].sim);
        s->mm[i].sim = copy;
        mm_ask_sim(s, modem, sim);
}

static int sim_prop_entry(sd_bus_message *msg, const char *key, void *userdata) {
        return streq_ptr(key, MM_P_SIM) ? bus_variant_read_basic(msg, 'o', userdata) : 0;
}

typedef struct MmObject {
        ImsiSource *s;
        const char *path;
} MmObject;

static int mm_interface_entry(sd_bus_message *msg, const char *iface, void *userdata) {
        MmObject *o = userdata;
        const char *sim = NULL;
        int r;

        if (!streq_ptr(iface, MM_MODEM_INTERFACE))
                return 0;
        r = bus_dict_read(msg, IMSI_DICT_MAX, sim_prop_entry, &sim);
        if (r < 0)
                return r;
        mm_follow_sim(o->s, o->path, sim);
        return 1;
}

/* a{sa{sv}} (at most MM_INTERFACES_MAX interfaces): the interfaces of object `path`; if it is a
 * modem, follow its Sim property. */
static int mm_read_object(ImsiSource *s, const char *path, sd_bus_message *msg) {
        return bus_interfaces_read(msg, MM_INTERFACES_MAX, mm_interface_entry, &(MmObject) { s, path });
}

static int mm_object_entry(sd_bus_message *msg, const char *path, void *userdata) {
        ImsiSource *s = userdata;
        int r;

        r = mm_read_object(s, path, msg);
        if (r < 0) {
                /* From the trusted owner, yet malformed or past MM_INTERFACES_MAX: the walk stops. */
                log_warning_errno(r, "Ignoring ModemManager's object %s and those after it: %m", path);
                return -ECANCELED;
        }
        return 1;
}

static int mm_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;

        s->call = sd_bus_slot_unref(s->call);
        if (!reply_trusted(s, reply))
                return 0;
        /* a{oa{sa{sv}}}, at most MM_OBJECTS_MAX objects: the modems seen so far are followed */
        if (bus_managed_objects_read(reply, MM_OBJECTS_MAX, mm_object_entry, s) == -E2BIG)
                log_warning("ModemManager lists more than %u objects; the rest are ignored", MM_OBJECTS_MAX);
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

/* ObjectManager.InterfacesRemoved(o path, as): a followed modem went away: its IMSI too. */
static int mm_interfaces_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *path;
        int i;

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (sd_bus_message_read(msg, "o", &path) < 0 || (i = mm_find(s, path)) < 0)
                return 0;
        if (s->mm[i].sim)
                set_sim(s, path, NULL, "ModemManager (modem removed)");
        mm_drop(s, (unsigned) i);
        return 0;
}

/* Properties.PropertiesChanged(s interface, a{sv} changed, as invalidated): a modem's Sim
 * property, or a followed SIM's Imsi (then the SIM is read again, whole). */
static int mm_props_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ImsiSource *s = userdata;
        const char *iface, *path = sd_bus_message_get_path(msg);

        if (!bus_watch_signal_trusted(s->watch, msg))
                return 0; /* not a broadcast of ModemManager's owner (ipc/buswatch.h) */
        if (!path || sd_bus_message_read(msg, "s", &iface) < 0)
                return 0;
        if (streq_ptr(iface, MM_SIM_INTERFACE)) {
                SimProps p = { .imsi_key = MM_P_IMSI, .iccid_key = MM_P_ICCID };

                for (unsigned i = 0; i < s->n_mm; i++)
                        if (streq_ptr(s->mm[i].sim, path)) {
                                if (read_sim_dict(s, msg, &p) >= 0 && (p.imsi || p.iccid || p.operator_id))
                                        mm_ask_sim(s, s->mm[i].modem, path);
                                break;
                        }
        } else if (streq_ptr(iface, MM_MODEM_INTERFACE)) {
                const char *sim = NULL;

                if (bus_dict_read(msg, IMSI_DICT_MAX, sim_prop_entry, &sim) >= 0 && sim)
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
        while (s->n_mm > 0)
                mm_drop(s, 0);
        /* What the previous instance said is void: the new one (if any) tells again. */
        if (s->had_owner) {
                (void) snprintf(from, sizeof from, "%s (%s)", s->label, owner ? "replaced" : "gone");
                forget_all(s, from);
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
        while (s->n_mm > 0)
                mm_drop(s, 0);
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
                if (r >= 0)
                        r = sd_bus_match_signal_async(bus, &s->match_removed, OFONO_NAME, "/", OFONO_MANAGER_INTERFACE,
                                                      "ModemRemoved", ofono_modem_removed, NULL, s);
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
