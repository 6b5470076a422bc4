/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mm.c: WAP pushes from ModemManager (docs/trust-boundary.md §2.3). ModemManager has no push logic
 * and exposes no WDP ports, so provd watches every modem with Modem.Messaging (ObjectManager
 * GetManagedObjects / InterfacesAdded / InterfacesRemoved), follows Messaging.Added(o, b) for
 * received messages, reads the Sms object's properties and waits (PropertiesChanged) until
 * State is RECEIVED (3), i.e. all parts are in. A DELIVER (or CDMA DELIVER) message with
 * non-empty Data is sniffed: only a WSP push carrying a provisioning document is taken
 * (intake.c); every other SMS is left untouched, and provd never deletes a message. Messages
 * already stored when provd starts are not replayed.
 *
 * Only signals and replies from the current owner of org.freedesktop.ModemManager1 are used: that
 * unique name comes only from the bus driver (ipc/buswatch.h), and a signal counts only when it is
 * a broadcast from it. A signal addressed to provd's connection reaches the matches below
 * whatever its sender (issue 9 finding 1), so every handler checks before it acts.
 * Tracked messages are bounded (MM_SMS_TRACKED_MAX, oldest evicted) and time out
 * (MM_SMS_WAIT_USEC).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "log.h"
#include "macros.h"
#include "provd.h"

/* ModemManager's names (introspection/org.freedesktop.ModemManager1.*.xml, ModemManager-enums.h). */
#define MM_BUS_NAME "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_SMS_PATH_PREFIX "/org/freedesktop/ModemManager1/SMS"
#define MM_MESSAGING_INTERFACE "org.freedesktop.ModemManager1.Modem.Messaging"
#define MM_SMS_INTERFACE "org.freedesktop.ModemManager1.Sms"
#define MM_S_ADDED "Added"
#define MM_S_DELETED "Deleted"
#define MM_P_STATE "State"
#define MM_P_PDU_TYPE "PduType"
#define MM_P_NUMBER "Number"
#define MM_P_DATA "Data"
#define MM_SMS_STATE_RECEIVED 3U           /* MM_SMS_STATE_RECEIVED */
#define MM_SMS_PDU_TYPE_DELIVER 1U         /* MM_SMS_PDU_TYPE_DELIVER */
#define MM_SMS_PDU_TYPE_CDMA_DELIVER 32U   /* MM_SMS_PDU_TYPE_CDMA_DELIVER */

#define OBJECT_MANAGER_INTERFACE "org.freedesktop.DBus.ObjectManager"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

#define MM_MODEMS_MAX 16U                                 /* modems with Messaging we follow */
#define MM_SMS_TRACKED_MAX 32U                            /* received messages waiting for State RECEIVED */
#define MM_SMS_WAIT_USEC (10ULL * 60ULL * 1000000ULL)     /* how long one may take (= SMS reassembly age) */
#define MM_OBJECTS_MAX 1024U                              /* objects of GetManagedObjects we walk */
#define MM_DICT_MAX 64U                                   /* entries of one dictionary we walk */

typedef struct MmSms {
        ModemManager *mm;
        char *path;
        char *modem;       /* the modem that announced it (Messaging.Added's object path) */
        uint64_t since_usec;
        sd_bus_slot *call; /* pending GetAll */
        bool recheck;      /* State changed while GetAll was pending */
} MmSms;

struct ModemManager {
        Manager *manager;
        BusWatch *watch; /* ModemManager's unique owner, from the bus driver */
        char *modems[MM_MODEMS_MAX];
        unsigned n_modems;
        MmSms *sms[MM_SMS_TRACKED_MAX];
        unsigned n_sms;
        sd_bus_slot *if_added_match, *if_removed_match, *added_match, *deleted_match, *props_match;
        sd_bus_slot *objects_call;
};

/* ---- modems ----------------------------------------------------------------------------- */

static int modem_index(ModemManager *mm, const char *path) {
        for (unsigned i = 0; i < mm->n_modems; i++)
                if (strcmp(mm->modems[i], path) == 0)
                        return (int) i;
        return -1;
}

static void modem_add(ModemManager *mm, const char *path) {
        char ep[LOG_ESCAPE_SIZE(64)];

        if (modem_index(mm, path) >= 0)
                return;
        if (mm->n_modems >= MM_MODEMS_MAX) {
                log_warning("More than %u ModemManager modems; ignoring '%s'", MM_MODEMS_MAX,
                            log_escape(path, ep, sizeof(ep)));
                return;
        }
        mm->modems[mm->n_modems] = strdup(path);
        if (!mm->modems[mm->n_modems]) {
                log_oom();
                return;
        }
        mm->n_modems++;
        log_info("Watching ModemManager modem '%s' for WAP push SMS", path);
}

static void modem_remove(ModemManager *mm, const char *path) {
        int i = modem_index(mm, path);

        if (i < 0)
                return;
        free(mm->modems[i]);
        mm->modems[i] = mm->modems[--mm->n_modems];
        log_info("ModemManager modem '%s' gone", path);
}

/* ---- tracked messages ------------------------------------------------------------------- */

static MmSms *sms_free(MmSms *s) {
        if (!s)
                return NULL;
        s->call = sd_bus_slot_unref(s->call);
        free(s->path);
        free(s->modem);
        free(s);
        return NULL;
}

static int sms_index(ModemManager *mm, const char *path) {
        for (unsigned i = 0; i < mm->n_sms; i++)
                if (strcmp(mm->sms[i]->path, path) == 0)
                        return (int) i;
        return -1;
}

static void sms_forget(ModemManager *mm, MmSms *s) {
        for (unsigned i = 0; i < mm->n_sms; i++)
                if (mm->sms[i] == s) {
                        /* keep arrival order: the oldest stays first */
                        memmove(mm->sms + i, mm->sms + i + 1, (mm->n_sms - i - 1) * sizeof(MmSms *));
                        mm->n_sms--;
                        break;
                }
        sms_free(s);
}

static void forget_all(ModemManager *mm) {
        while (mm->n_sms > 0)
                sms_forget(mm, mm->sms[0]);
        while (mm->n_modems > 0)
                free(mm->modems[--mm->n_modems]);
        mm->objects_call = sd_bus_slot_unref(mm->objects_call);
}

static int on_sms_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

static void sms_query(MmSms *s) {
        ModemManager *mm = s->mm;
        int r;

        if (s->call) {
                s->recheck = true;
                return;
        }
        s->recheck = false;
        r = sd_bus_call_method_async(mm->manager->bus, &s->call, bus_watch_owner(mm->watch), s->path,
                                     PROPERTIES_INTERFACE, "GetAll",
                                     on_sms_properties, s, "s", MM_SMS_INTERFACE);
        if (r < 0) {
                log_warning_errno(r, "Failed to read SMS '%s': %m", s->path);
                sms_forget(mm, s);
        }
}

static void sms_track(ModemManager *mm, const char *modem, const char *path) {
        MmSms *s;

        if (sms_index(mm, path) >= 0)
                return;
        if (mm->n_sms >= MM_SMS_TRACKED_MAX) {
                /* Bounded: the oldest unfinished message goes (S8). */
                log_notice("Too many SMS being received at once; no longer waiting for '%s'", mm->sms[0]->path);
                sms_forget(mm, mm->sms[0]);
        }
        s = calloc(1, sizeof(*s));
        if (!s || !(s->path = strdup(path)) || !(s->modem = strdup(modem))) {
                if (s)
                        free(s->path);
                free(s);
                log_oom();
                return;
        }
        s->mm = mm;
        s->since_usec = now_monotonic_usec();
        mm->sms[mm->n_sms++] = s;
        sms_query(s);
}

typedef struct SmsProps {
        bool has_state, has_pdu_type;
        uint32_t state, pdu_type;
        const char *number;
        const void *data;
        size_t data_len;
} SmsProps;

static int sms_prop_entry(sd_bus_message *msg, const char *key, void *userdata) {
        SmsProps *p = userdata;
        const char *contents = NULL;
        int r;

        if (streq_ptr(key, MM_P_STATE)) {
                r = bus_variant_read_basic(msg, 'u', &p->state);
                if (r > 0)
                        p->has_state = true;
                return r;
        }
        if (streq_ptr(key, MM_P_PDU_TYPE)) {
                r = bus_variant_read_basic(msg, 'u', &p->pdu_type);
                if (r > 0)
                        p->has_pdu_type = true;
                return r;
        }
        if (streq_ptr(key, MM_P_NUMBER))
                return bus_variant_read_basic(msg, 's', &p->number);
        if (!streq_ptr(key, MM_P_DATA))
                return 0;
        r = sd_bus_message_peek_type(msg, NULL, &contents);
        if (r < 0)
                return r;
        if (!contents || strcmp(contents, "ay") != 0)
                return 0;
        r = sd_bus_message_enter_container(msg, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_read_array(msg, 'y', &p->data, &p->data_len);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r < 0 ? r : 1;
}

/* An Sms object's a{sv} (at most MM_DICT_MAX entries): State, PduType, Number, Data. */
static int read_sms_props(sd_bus_message *msg, SmsProps *p) {
        return bus_dict_read(msg, MM_DICT_MAX, sms_prop_entry, p);
}

static int on_sms_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        MmSms *s = userdata;
        ModemManager *mm = s->mm;
        SmsProps p = {};
        int r;

        s->call = sd_bus_slot_unref(s->call);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                /* Often: another consumer (mmsd-tng) deleted the message first (docs/trust-boundary.md §2.4). */
                log_debug("SMS '%s' could not be read: %s", s->path, sd_bus_message_get_error(reply)->name);
                sms_forget(mm, s);
                return 0;
        }
        /* Data is believed only from the ModemManager we asked (ipc/buswatch.h). */
        if (!bus_watch_sender_is_owner(mm->watch, reply)) {
                sms_forget(mm, s);
                return 0;
        }
        r = read_sms_props(reply, &p);
        if (r < 0) {
                log_debug_errno(r, "Failed to parse the properties of SMS '%s': %m", s->path);
                sms_forget(mm, s);
                return 0;
        }
        if (!p.has_state || p.state != MM_SMS_STATE_RECEIVED) {
                if (s->recheck)
                        sms_query(s);
                return 0; /* still receiving: PropertiesChanged will tell */
        }
        if (p.has_pdu_type && (p.pdu_type == MM_SMS_PDU_TYPE_DELIVER || p.pdu_type == MM_SMS_PDU_TYPE_CDMA_DELIVER) &&
            p.data && p.data_len > 0) {
                log_debug("SMS '%s' received with %zu bytes of data; checking for a WAP push", s->path, p.data_len);
                /* Text and Data never both appear: a Data-only SMS may be a WSP push. */
                /* The modem that announced the message received it: verifierd checks the push
                 * against that modem's SIM (issue 10 point 7). */
                r = intake_push(mm->manager, TRANSPORT_MODEMMANAGER, p.data, p.data_len, INPUT_WSP,
                                p.number ? p.number : "", s->modem, NULL);
                if (r < 0)
                        log_warning_errno(r, "Failed to handle SMS '%s': %m", s->path);
        }
        sms_forget(mm, s);
        return 0;
}

/* ---- signals ---------------------------------------------------------------------------- */

/* A broadcast signal really sent by ModemManager's current owner (ipc/buswatch.h). */
static bool from_mm(ModemManager *mm, sd_bus_message *msg) {
        return bus_watch_signal_trusted(mm->watch, msg);
}

static int messaging_entry(sd_bus_message *msg, const char *iface, void *userdata) {
        bool *found = userdata;

        if (streq_ptr(iface, MM_MESSAGING_INTERFACE))
                *found = true;
        return 0; /* its properties are not needed */
}

/* At a{sa{sv}} (at most MM_DICT_MAX interfaces): does it hold Modem.Messaging? Return: 0/1 or
 * negative errno. */
static int has_messaging(sd_bus_message *msg) {
        bool found = false;
        int r;

        r = bus_interfaces_read(msg, MM_DICT_MAX, messaging_entry, &found);
        return r < 0 ? r : found;
}

static int object_entry(sd_bus_message *msg, const char *path, void *userdata) {
        int r;

        r = has_messaging(msg);
        if (r > 0)
                modem_add(userdata, path);
        return r < 0 ? r : 1;
}

static int on_managed_objects(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        int r;

        mm->objects_call = sd_bus_slot_unref(mm->objects_call);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_warning("ModemManager GetManagedObjects failed: %s", sd_bus_message_get_error(reply)->name);
                return 0;
        }
        if (!bus_watch_sender_is_owner(mm->watch, reply))
                return 0; /* not from the ModemManager we asked (ipc/buswatch.h) */
        /* a{oa{sa{sv}}}; past MM_OBJECTS_MAX the modems read so far stay followed */
        r = bus_managed_objects_read(reply, MM_OBJECTS_MAX, object_entry, mm);
        if (r < 0)
                log_warning_errno(r, "Failed to parse ModemManager's objects: %m");
        return 0;
}

static int on_interfaces_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        const char *path;
        int r;

        if (!from_mm(mm, msg) || sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        r = has_messaging(msg);
        if (r > 0)
                modem_add(mm, path);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        const char *path;

        if (!from_mm(mm, msg) || sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        if (bus_strv_contains(msg, MM_DICT_MAX, MM_MESSAGING_INTERFACE) > 0)
                modem_remove(mm, path);
        return 0;
}

static int on_messaging_added(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        const char *modem = sd_bus_message_get_path(msg), *path;
        int received;

        if (!from_mm(mm, msg) || !modem || modem_index(mm, modem) < 0)
                return 0;
        if (sd_bus_message_read(msg, "ob", &path, &received) < 0)
                return 0;
        /* Fires for the first part of a new message; only incoming ones can be pushes. */
        if (received)
                sms_track(mm, modem, path);
        return 0;
}

static int on_messaging_deleted(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        const char *path;
        int i;

        if (!from_mm(mm, msg) || sd_bus_message_read(msg, "o", &path) < 0)
                return 0;
        i = sms_index(mm, path);
        if (i >= 0)
                sms_forget(mm, mm->sms[i]);
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        ModemManager *mm = userdata;
        const char *path = sd_bus_message_get_path(msg), *iface;
        SmsProps p = {};
        int i;

        if (!from_mm(mm, msg) || !path)
                return 0;
        i = sms_index(mm, path);
        if (i < 0)
                return 0;
        if (sd_bus_message_read(msg, "s", &iface) < 0 || strcmp(iface, MM_SMS_INTERFACE) != 0)
                return 0;
        if (read_sms_props(msg, &p) < 0)
                return 0;
        /* Complete now: read everything again (Data is not necessarily in the change). */
        if (p.has_state && p.state == MM_SMS_STATE_RECEIVED)
                sms_query(mm->sms[i]);
        return 0;
}

/* ---- following ModemManager ------------------------------------------------------------- */

/* ModemManager changed hands (ipc/buswatch.h, from the bus driver only). */
static void on_owner(BusWatch *w, const char *owner, void *userdata) {
        ModemManager *mm = userdata;
        int r;

        forget_all(mm);
        if (!owner) {
                log_info("ModemManager left the bus");
                return;
        }
        log_info("ModemManager is on the bus (%s)", owner);
        r = sd_bus_call_method_async(mm->manager->bus, &mm->objects_call, owner, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                     "GetManagedObjects", on_managed_objects, mm, "");
        if (r < 0)
                log_warning_errno(r, "Failed to list ModemManager's modems: %m");
}

int mm_start(Manager *m) {
        ModemManager *mm;
        int r;

        mm = calloc(1, sizeof(*mm));
        if (!mm)
                return log_oom();
        mm->manager = m;
        m->mm = mm;

        r = sd_bus_match_signal_async(m->bus, &mm->if_added_match, MM_BUS_NAME, MM_PATH, OBJECT_MANAGER_INTERFACE,
                                      "InterfacesAdded", on_interfaces_added, NULL, mm);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bus, &mm->if_removed_match, MM_BUS_NAME, MM_PATH,
                                              OBJECT_MANAGER_INTERFACE, "InterfacesRemoved", on_interfaces_removed,
                                              NULL, mm);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bus, &mm->added_match, MM_BUS_NAME, NULL, MM_MESSAGING_INTERFACE,
                                              MM_S_ADDED, on_messaging_added, NULL, mm);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bus, &mm->deleted_match, MM_BUS_NAME, NULL, MM_MESSAGING_INTERFACE,
                                              MM_S_DELETED, on_messaging_deleted, NULL, mm);
        if (r >= 0)
                r = sd_bus_add_match_async(m->bus, &mm->props_match,
                                           "type='signal',sender='" MM_BUS_NAME "',interface='" PROPERTIES_INTERFACE
                                           "',member='PropertiesChanged',path_namespace='" MM_SMS_PATH_PREFIX
                                           "',arg0='" MM_SMS_INTERFACE "'",
                                           on_properties_changed, NULL, mm);
        if (r < 0)
                return log_error_errno(r, "Failed to watch ModemManager's signals: %m");
        /* After the signal matches, so that none is missed once the owner is known. */
        r = bus_watch_new(m->bus, MM_BUS_NAME, on_owner, mm, &mm->watch);
        if (r < 0)
                return log_error_errno(r, "Failed to watch %s: %m", MM_BUS_NAME);
        return 0;
}

void mm_stop(Manager *m) {
        ModemManager *mm = m->mm;

        if (!mm)
                return;
        forget_all(mm);
        mm->watch = bus_watch_free(mm->watch);
        mm->if_added_match = sd_bus_slot_unref(mm->if_added_match);
        mm->if_removed_match = sd_bus_slot_unref(mm->if_removed_match);
        mm->added_match = sd_bus_slot_unref(mm->added_match);
        mm->deleted_match = sd_bus_slot_unref(mm->deleted_match);
        mm->props_match = sd_bus_slot_unref(mm->props_match);
        free(mm);
        m->mm = NULL;
}

void mm_housekeeping(Manager *m) {
        ModemManager *mm = m->mm;
        uint64_t now = now_monotonic_usec();

        if (!mm)
                return;
        while (mm->n_sms > 0 && now - mm->sms[0]->since_usec > MM_SMS_WAIT_USEC) {
                log_notice("SMS '%s' did not complete in time; no longer waiting for it", mm->sms[0]->path);
                sms_forget(mm, mm->sms[0]);
        }
}
