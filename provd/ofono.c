/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ofono.c: provd as oFono's org.ofono.PushNotificationAgent (docs/trust-boundary.md §2.1).
 *
 * provd follows org.ofono's owner (NameOwnerChanged), lists modems with Manager.GetModems at
 * "/", and registers an agent on every modem whose Interfaces include
 * org.ofono.PushNotification, also on modems that appear (ModemAdded) or gain the interface
 * later (Modem.PropertyChanged "Interfaces"), and again after oFono restarts. oFono allows one
 * agent per modem and its Release() carries no modem argument, so each modem gets its own agent
 * object below IPC_OFONO_AGENT_PATH (the modem's name escaped with sd_bus_path_encode()); a
 * Release() then tells exactly which registration ended.
 *
 * ReceiveNotification(ay pdu, a{sv} info) carries the whole WSP PDU of a port-2948 datagram,
 * UDH stripped and segments joined by oFono; info["Sender"] is the originating address. Only the
 * current owner of org.ofono may call the agent: any other peer is refused, because otherwise a
 * local process could pose as the modem. The bus policy (ipc/org.provboot.conf) says the same.
 *
 * oFono has ONE push agent per modem, and it gets every WAP push to port 2948 of that modem: MMS
 * notifications (m-notification-ind), SI/SL, DM notifications, not only provisioning documents.
 * provd's choice (issue 10 point 6, provd(8) "oFono's one push agent"):
 *   - provd never keeps a push it does not handle. intake_push() takes only a WSP push whose
 *     content type is a provisioning one; anything else (INTAKE_NOT_OURS) is handed, unchanged
 *     (the same PDU and info dictionary oFono gave), to the agent named by [Intake]
 *     OfonoNextAgent= (say, an MMS daemon's PushNotificationAgent object on its well-known name),
 *     and the hand-over is logged. Without OfonoNextAgent= such a push is logged as reaching
 *     nobody (rate-limited), exactly what oFono itself does when no agent is registered.
 *   - provd never takes the slot from another program: when RegisterAgent fails because an agent
 *     is registered already (org.ofono.Error.InProgress, oFono's push-notification plugin), provd
 *     says so clearly, once per modem and registration attempt, and leaves it; provisioning pushes
 *     on that modem then go to that program. To have both, run provd as the agent and name the
 *     other program in OfonoNextAgent=, or set Ofono=no so the other program gets the slot.
 *
 * Who org.ofono is comes only from the bus driver (ipc/buswatch.h: GetNameOwner, then
 * NameOwnerChanged sent by the driver); oFono's signals count only when they are broadcasts from
 * that unique name. A signal addressed to provd's connection reaches the matches below whatever
 * its sender (issue 9 finding 1), so every handler checks before it acts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "log.h"
#include "macros.h"
#include "provd.h"

/* oFono's names (doc/manager-api.txt, doc/modem-api.txt, doc/pushnotification-api.txt). */
#define OFONO_MANAGER_PATH "/"
#define OFONO_MANAGER_INTERFACE "org.ofono.Manager"
#define OFONO_MODEM_INTERFACE "org.ofono.Modem"
#define OFONO_M_GET_MODEMS "GetModems"
#define OFONO_S_MODEM_ADDED "ModemAdded"
#define OFONO_S_MODEM_REMOVED "ModemRemoved"
#define OFONO_S_PROPERTY_CHANGED "PropertyChanged"
#define OFONO_P_INTERFACES "Interfaces"
#define OFONO_M_REGISTER_AGENT "RegisterAgent"
#define OFONO_M_UNREGISTER_AGENT "UnregisterAgent"
#define OFONO_M_RECEIVE_NOTIFICATION "ReceiveNotification"
#define OFONO_M_RELEASE "Release"
#define OFONO_INFO_SENDER "Sender"
#define OFONO_ERROR_IN_PROGRESS "org.ofono.Error.InProgress" /* RegisterAgent: the slot is taken */
/* How long the next agent may take to accept a handed-on push (oFono's own agent calls time out
 * after about as long). */
#define OFONO_NEXT_AGENT_TIMEOUT_USEC (25ULL * 1000000ULL)

#define OFONO_MODEMS_MAX 16U       /* modems we follow */
#define OFONO_INTERFACES_MAX 64U   /* entries of a modem's Interfaces we read */
#define OFONO_DICT_MAX 64U         /* entries of a property / info dictionary we read */
#define OFONO_MODEM_LIST_MAX (OFONO_MODEMS_MAX * 4U) /* entries of GetModems' a(oa{sv}) we read */

typedef struct OfonoModem {
        Ofono *ofono;
        char *path;       /* oFono's modem object, e.g. /ril_0 */
        char *agent_path; /* our agent object for this modem */
        bool has_push;    /* its Interfaces list org.ofono.PushNotification */
        bool registered;
        sd_bus_slot *register_call;
} OfonoModem;

struct Ofono {
        Manager *manager;
        BusWatch *watch; /* org.ofono's unique owner, from the bus driver; NULL owner: not running */
        OfonoModem *modems[OFONO_MODEMS_MAX];
        unsigned n_modems;
        sd_bus_slot *added_match, *removed_match, *property_match;
        sd_bus_slot *agent_vtable_slot, *modems_call;
};

static OfonoModem *modem_free(OfonoModem *md) {
        if (!md)
                return NULL;
        md->register_call = sd_bus_slot_unref(md->register_call);
        free(md->path);
        free(md->agent_path);
        free(md);
        return NULL;
}

static OfonoModem *modem_find(Ofono *o, const char *path) {
        for (unsigned i = 0; i < o->n_modems; i++)
                if (strcmp(o->modems[i]->path, path) == 0)
                        return o->modems[i];
        return NULL;
}

static void modem_forget(Ofono *o, OfonoModem *md) {
        for (unsigned i = 0; i < o->n_modems; i++)
                if (o->modems[i] == md) {
                        o->modems[i] = o->modems[--o->n_modems];
                        break;
                }
        modem_free(md);
}

static void forget_all_modems(Ofono *o) {
        while (o->n_modems > 0)
                modem_forget(o, o->modems[0]);
        o->modems_call = sd_bus_slot_unref(o->modems_call);
}

/* ---- the agent object ------------------------------------------------------------------- */

/* Only oFono itself may deliver pushes or release us. Return: 0 or an AccessDenied error. */
static int check_sender_is_ofono(Ofono *o, sd_bus_message *msg, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(msg);
        char es[LOG_ESCAPE_SIZE(64)];

        /* Trusted: the bus-set sender equals the unique owner of org.ofono as the driver said. */
        if (bus_watch_sender_is_owner(o->watch, msg))
                return 0;
        log_warning("Refusing %s from '%s', which is not oFono", sd_bus_message_get_member(msg),
                    log_escape(sender, es, sizeof(es)));
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Only oFono may call this agent");
}

static int info_entry(sd_bus_message *msg, const char *key, void *userdata) {
        return streq_ptr(key, OFONO_INFO_SENDER) ? bus_variant_read_basic(msg, 's', userdata) : 0;
}

/* Read info["Sender"] from a{sv} (at most OFONO_DICT_MAX entries); other keys are skipped.
 * ret points into the message. */
static int read_info_sender(sd_bus_message *msg, const char **ret) {
        const char *sender = NULL;
        int r;

        r = bus_dict_read(msg, OFONO_DICT_MAX, info_entry, &sender);
        if (r < 0)
                return r;
        *ret = sender;
        return 0;
}

static int on_next_agent_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;

        if (sd_bus_message_is_method_error(reply, NULL) && intake_log_allowed(m)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                char en[LOG_ESCAPE_SIZE(64)];

                log_warning("The next push agent (%s %s) did not accept a handed-on push: %s", m->config.ofono_next_name,
                            m->config.ofono_next_path, log_escape(e && e->name ? e->name : "error", en, sizeof(en)));
        }
        return 0;
}

/*
 * A push oFono delivered that is not provd's (intake_push said INTAKE_NOT_OURS): give it to the
 * next agent exactly as oFono gave it to us, same PDU, same info dictionary, so the consumer
 * cannot tell the difference except by the sender (provd's connection, not oFono's: a next agent
 * that accepts only oFono cannot be chained). What is handed on was never decoded as a document
 * and is not provd's to judge; the next agent is as trusted as the administrator who named it.
 */
static void hand_on(OfonoModem *md, sd_bus_message *msg, size_t len) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Manager *m = md->ofono->manager;
        const ProvdConfig *c = &m->config;
        int r;

        if (!c->ofono_next_name[0]) {
                if (intake_log_allowed(m))
                        log_warning("oFono modem '%s' delivered a push of %zu bytes that is not a provisioning push "
                                    "(an MMS notification?); no [Intake] OfonoNextAgent= is set, so it reaches nobody. "
                                    "Name the MMS daemon's push agent there, or set Ofono=no to leave oFono's push "
                                    "agent to it (provd(8))",
                                    md->path, len);
                return;
        }
        r = sd_bus_message_new_method_call(m->bus, &call, c->ofono_next_name, c->ofono_next_path,
                                           IPC_OFONO_AGENT_INTERFACE, OFONO_M_RECEIVE_NOTIFICATION);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(call, false);
        if (r >= 0)
                r = sd_bus_message_rewind(msg, true);
        if (r >= 0)
                r = sd_bus_message_copy(call, msg, true); /* ay notification, a{sv} info, as received */
        if (r >= 0)
                r = sd_bus_call_async(m->bus, NULL, call, on_next_agent_reply, m, OFONO_NEXT_AGENT_TIMEOUT_USEC);
        if (r < 0) {
                log_warning_errno(r, "Failed to hand a push of %zu bytes from oFono modem '%s' on to %s %s: %m", len,
                                  md->path, c->ofono_next_name, c->ofono_next_path);
                return;
        }
        if (intake_log_allowed(m))
                log_info("oFono modem '%s' delivered a push of %zu bytes that is not a provisioning push; handed on "
                         "to the next push agent %s %s",
                         md->path, len, c->ofono_next_name, c->ofono_next_path);
}

static int method_receive_notification(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        OfonoModem *md = userdata;
        Ofono *o = md->ofono;
        const void *pdu = NULL;
        const char *sender = NULL;
        size_t len = 0;
        int r;

        r = check_sender_is_ofono(o, msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'y', &pdu, &len);
        if (r < 0)
                return r;
        r = read_info_sender(msg, &sender);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Bad info dictionary");
        log_debug("oFono modem '%s' delivered a push of %zu bytes", md->path, len);
        /* The whole WSP PDU (docs/trust-boundary.md §2.1): decode it as such. The modem that received it
         * goes along: verifierd checks the push against that modem's SIM (issue 10 point 7). */
        r = intake_push(o->manager, TRANSPORT_OFONO, pdu, len, INPUT_WSP, sender ? sender : "", md->path, NULL);
        if (r < 0)
                return r;
        if (r == INTAKE_NOT_OURS)
                hand_on(md, msg, len);
        r = sd_bus_reply_method_return(msg, NULL);
        return r < 0 ? r : 1; /* 1: handled (0 would mean "no such method" to sd-bus) */
}

static int method_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        OfonoModem *md = userdata;
        int r;

        r = check_sender_is_ofono(md->ofono, msg, error);
        if (r < 0)
                return r;
        /* No UnregisterAgent is needed afterwards; we register again when the modem's
         * Interfaces next list org.ofono.PushNotification, or when oFono restarts. */
        md->registered = false;
        md->register_call = sd_bus_slot_unref(md->register_call);
        log_info("oFono released our push agent on modem '%s'", md->path);
        /* oFono sends Release without expecting a reply; answer anyway if it does. */
        r = sd_bus_reply_method_return(msg, NULL);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(OFONO_M_RECEIVE_NOTIFICATION, "aya{sv}", SD_BUS_PARAM(notification) SD_BUS_PARAM(info),
                                 "", , method_receive_notification, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD(OFONO_M_RELEASE, "", "", method_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int agent_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                      sd_bus_error *error) {
        Ofono *o = userdata;

        for (unsigned i = 0; i < o->n_modems; i++)
                if (o->modems[i]->agent_path && strcmp(o->modems[i]->agent_path, path) == 0) {
                        *found = o->modems[i];
                        return 1;
                }
        return 0;
}

/* ---- registration ------------------------------------------------------------------------ */

static int on_register_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        OfonoModem *md = userdata;

        md->register_call = sd_bus_slot_unref(md->register_call);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                char en[LOG_ESCAPE_SIZE(64)], em[LOG_ESCAPE_SIZE(128)];

                if (sd_bus_message_is_method_error(reply, OFONO_ERROR_IN_PROGRESS)) {
                        /* oFono's push-notification plugin answers InProgress ("busy") when an agent
                         * is registered on the modem already: mmsd, nuntium, another provd. One agent
                         * per modem, and provd does not fight for it (header comment). */
                        log_warning("oFono modem '%s': another program holds the modem's one push agent (%s); "
                                    "provisioning pushes arriving through oFono on this modem go to it, not to provd. "
                                    "provd leaves it there: to receive them, stop that program's agent and name it in "
                                    "[Intake] OfonoNextAgent= (provd(8))",
                                    md->path, OFONO_ERROR_IN_PROGRESS);
                        return 0;
                }
                log_warning("oFono refused our push agent on modem '%s': %s: %s", md->path,
                            log_escape(e && e->name ? e->name : "error", en, sizeof(en)),
                            log_escape(e && e->message ? e->message : "", em, sizeof(em)));
                return 0;
        }
        if (!bus_watch_sender_is_owner(md->ofono->watch, reply))
                return 0; /* not from the oFono we asked (ipc/buswatch.h) */
        md->registered = true;
        log_info("Registered as push agent on oFono modem '%s' (%s)", md->path, md->agent_path);
        if (md->ofono->manager->config.ofono_next_name[0])
                log_info("Pushes on oFono modem '%s' that are not provisioning pushes are handed on to %s %s", md->path,
                         md->ofono->manager->config.ofono_next_name, md->ofono->manager->config.ofono_next_path);
        else
                log_notice("Pushes on oFono modem '%s' that are not provisioning pushes (MMS notifications) reach "
                           "nobody while provd holds its push agent: no [Intake] OfonoNextAgent= is set",
                           md->path);
        return 0;
}

static void modem_register(OfonoModem *md) {
        Ofono *o = md->ofono;
        int r;

        if (!md->has_push || md->registered || md->register_call || !bus_watch_owner(o->watch))
                return;
        /* Address oFono by its unique name: a reply can only come from the instance we asked. */
        r = sd_bus_call_method_async(o->manager->bus, &md->register_call, bus_watch_owner(o->watch), md->path,
                                     IPC_OFONO_PUSH_INTERFACE, OFONO_M_REGISTER_AGENT, on_register_reply, md, "o",
                                     md->agent_path);
        if (r < 0)
                log_warning_errno(r, "Failed to call RegisterAgent on oFono modem '%s': %m", md->path);
}

static void modem_update(Ofono *o, const char *path, bool has_push) {
        OfonoModem *md = modem_find(o, path);
        char ep[LOG_ESCAPE_SIZE(64)];
        int r;

        if (!md) {
                if (!has_push)
                        return;
                if (o->n_modems >= OFONO_MODEMS_MAX) {
                        log_warning("More than %u oFono modems; ignoring '%s'", OFONO_MODEMS_MAX,
                                    log_escape(path, ep, sizeof(ep)));
                        return;
                }
                md = calloc(1, sizeof(*md));
                if (!md) {
                        log_oom();
                        return;
                }
                md->ofono = o;
                md->path = strdup(path);
                /* /ril_0 -> IPC_OFONO_AGENT_PATH/ril_5f0 */
                r = md->path ? sd_bus_path_encode(IPC_OFONO_AGENT_PATH, path[0] == '/' ? path + 1 : path,
                                                  &md->agent_path) :
                               -ENOMEM;
                if (r < 0) {
                        log_warning_errno(r, "Failed to make an agent path for modem '%s': %m",
                                          log_escape(path, ep, sizeof(ep)));
                        modem_free(md);
                        return;
                }
                o->modems[o->n_modems++] = md;
        }
        if (!has_push) {
                if (md->has_push)
                        log_info("oFono modem '%s' no longer offers push notifications", md->path);
                md->has_push = false;
                md->registered = false;
                md->register_call = sd_bus_slot_unref(md->register_call);
                return;
        }
        md->has_push = true;
        modem_register(md);
}

/* At a variant holding "as": does the list name org.ofono.PushNotification? At most
 * OFONO_INTERFACES_MAX entries (ipc/buswatch.h). Return: 0/1 or negative errno. */
static int read_interfaces_variant(sd_bus_message *msg) {
        return bus_variant_strv_contains(msg, OFONO_INTERFACES_MAX, IPC_OFONO_PUSH_INTERFACE);
}

static int modem_property_entry(sd_bus_message *msg, const char *key, void *userdata) {
        int *has_push = userdata, r;

        if (!streq_ptr(key, OFONO_P_INTERFACES))
                return 0;
        r = read_interfaces_variant(msg);
        if (r < 0)
                return r;
        *has_push = r;
        return 1;
}

/* At a modem's property dictionary a{sv} (at most OFONO_DICT_MAX entries): update the modem
 * from its Interfaces. */
static int read_modem_properties(Ofono *o, sd_bus_message *msg, const char *path) {
        int r, has_push = 0;

        r = bus_dict_read(msg, OFONO_DICT_MAX, modem_property_entry, &has_push);
        if (r < 0)
                return r;
        modem_update(o, path, has_push > 0);
        return 0;
}

/* A broadcast signal really sent by org.ofono's current owner (ipc/buswatch.h). */
static bool from_ofono(Ofono *o, sd_bus_message *msg) {
        return bus_watch_signal_trusted(o->watch, msg);
}

static int modem_list_entry(sd_bus_message *msg, const char *path, void *userdata) {
        int r = read_modem_properties(userdata, msg, path);

        return r < 0 ? r : 1;
}

static int on_get_modems_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Ofono *o = userdata;
        int r;

        o->modems_call = sd_bus_slot_unref(o->modems_call);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                log_warning("oFono GetModems failed: %s", e && e->name ? e->name : "error");
                return 0;
        }
        if (!bus_watch_sender_is_owner(o->watch, reply))
                return 0; /* not from the oFono we asked (ipc/buswatch.h) */
        /* a(oa{sv}); past OFONO_MODEM_LIST_MAX the modems read so far stay followed */
        r = bus_object_list_read(reply, OFONO_MODEM_LIST_MAX, modem_list_entry, o);
        if (r < 0)
                log_warning_errno(r, "Failed to parse oFono's GetModems reply: %m");
        return 0;
}

static int on_modem_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Ofono *o = userdata;
        const char *path;
        int r;

        if (!from_ofono(o, msg))
                return 0;
        r = sd_bus_message_read(msg, "o", &path);
        if (r >= 0)
                r = read_modem_properties(o, msg, path);
        if (r < 0)
                log_debug_errno(r, "Failed to parse oFono's ModemAdded: %m");
        return 0;
}

static int on_modem_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Ofono *o = userdata;
        OfonoModem *md;
        const char *path;

        if (!from_ofono(o, msg) || sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        md = modem_find(o, path);
        if (md) {
                log_info("oFono modem '%s' removed", md->path);
                modem_forget(o, md);
        }
        return 0;
}

static int on_property_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Ofono *o = userdata;
        const char *name, *path = sd_bus_message_get_path(msg);
        int r;

        if (!from_ofono(o, msg) || !path)
                return 0;
        if (sd_bus_message_read(msg, "s", &name) < 0 || strcmp(name, OFONO_P_INTERFACES) != 0)
                return 0;
        r = read_interfaces_variant(msg);
        if (r < 0) {
                log_debug_errno(r, "Failed to parse oFono's Interfaces change: %m");
                return 0;
        }
        modem_update(o, path, r > 0);
        return 0;
}

/* ---- following org.ofono ---------------------------------------------------------------- */

/* org.ofono changed hands (ipc/buswatch.h, from the bus driver only). */
static void on_owner(BusWatch *w, const char *owner, void *userdata) {
        Ofono *o = userdata;
        int r;

        /* A new oFono knows nothing of our registrations: start over. */
        forget_all_modems(o);
        if (!owner) {
                log_info("oFono left the bus");
                return;
        }
        log_info("oFono is on the bus (%s); looking for modems with push notification", owner);
        r = sd_bus_call_method_async(o->manager->bus, &o->modems_call, owner, OFONO_MANAGER_PATH,
                                     OFONO_MANAGER_INTERFACE, OFONO_M_GET_MODEMS, on_get_modems_reply, o, "");
        if (r < 0)
                log_warning_errno(r, "Failed to call oFono's GetModems: %m");
}

int ofono_start(Manager *m) {
        Ofono *o;
        int r;

        o = calloc(1, sizeof(*o));
        if (!o)
                return log_oom();
        o->manager = m;
        m->ofono = o;

        r = sd_bus_add_fallback_vtable(m->bus, &o->agent_vtable_slot, IPC_OFONO_AGENT_PATH,
                                       IPC_OFONO_AGENT_INTERFACE, agent_vtable, agent_find, o);
        if (r < 0)
                return log_error_errno(r, "Failed to export the oFono push agent: %m");
        r = sd_bus_match_signal_async(m->bus, &o->added_match, IPC_OFONO_BUS_NAME, OFONO_MANAGER_PATH,
                                      OFONO_MANAGER_INTERFACE, OFONO_S_MODEM_ADDED, on_modem_added, NULL, o);
        if (r < 0)
                return log_error_errno(r, "Failed to watch oFono's ModemAdded: %m");
        r = sd_bus_match_signal_async(m->bus, &o->removed_match, IPC_OFONO_BUS_NAME, OFONO_MANAGER_PATH,
                                      OFONO_MANAGER_INTERFACE, OFONO_S_MODEM_REMOVED, on_modem_removed, NULL, o);
        if (r < 0)
                return log_error_errno(r, "Failed to watch oFono's ModemRemoved: %m");
        r = sd_bus_match_signal_async(m->bus, &o->property_match, IPC_OFONO_BUS_NAME, NULL, OFONO_MODEM_INTERFACE,
                                      OFONO_S_PROPERTY_CHANGED, on_property_changed, NULL, o);
        if (r < 0)
                return log_error_errno(r, "Failed to watch oFono's modem properties: %m");
        /* After the signal matches, so that none of oFono's signals is missed once its owner is
         * known; the watch's own match and GetNameOwner are sent in that order. */
        r = bus_watch_new(m->bus, IPC_OFONO_BUS_NAME, on_owner, o, &o->watch);
        if (r < 0)
                return log_error_errno(r, "Failed to watch org.ofono: %m");
        return 0;
}

void ofono_unregister(Manager *m) {
        Ofono *o = m->ofono;
        int r;

        if (!o || !bus_watch_owner(o->watch))
                return;
        /* Hand the modems back so another agent can take them; no reply is awaited. */
        for (unsigned i = 0; i < o->n_modems; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                OfonoModem *md = o->modems[i];

                if (!md->registered)
                        continue;
                r = sd_bus_message_new_method_call(m->bus, &call, bus_watch_owner(o->watch), md->path,
                                                   IPC_OFONO_PUSH_INTERFACE,
                                                   OFONO_M_UNREGISTER_AGENT);
                if (r >= 0)
                        r = sd_bus_message_append(call, "o", md->agent_path);
                if (r >= 0)
                        r = sd_bus_message_set_expect_reply(call, false);
                if (r >= 0)
                        r = sd_bus_send(m->bus, call, NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to unregister from oFono modem '%s': %m", md->path);
                else
                        log_info("Unregistered our push agent from oFono modem '%s'", md->path);
                md->registered = false;
        }
}

void ofono_stop(Manager *m) {
        Ofono *o = m->ofono;

        if (!o)
                return;
        forget_all_modems(o);
        o->watch = bus_watch_free(o->watch);
        o->added_match = sd_bus_slot_unref(o->added_match);
        o->removed_match = sd_bus_slot_unref(o->removed_match);
        o->property_match = sd_bus_slot_unref(o->property_match);
        o->agent_vtable_slot = sd_bus_slot_unref(o->agent_vtable_slot);
        free(o);
        m->ofono = NULL;
}
