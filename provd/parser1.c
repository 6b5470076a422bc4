/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parser1.c: the org.provboot.Parser1 object at /org/provboot/Parser1 (ipc/org.provboot.Parser1.xml):
 * Inject(ay data, s format) -> (t id, s verdict, s reason, u roles) for root only, and the
 * read-only counters Received, Malformed, Forwarded, Dropped and Quarantined, announced with
 * PropertiesChanged (batched: at most one signal per event-loop iteration).
 *
 * Authorization (docs/conventions.md §3.3): the bus policy lets only root send Inject; the handler
 * checks again with the caller's effective uid as the bus reports it. The uid must not be an
 * "augmented" field read from /proc, which would be racy; such credentials are refused.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "macros.h"
#include "provd.h"
#include "verdict.h"

static const char *const counter_names[_COUNTER_MAX] = {
        [COUNTER_RECEIVED] = IPC_P_RECEIVED,
        [COUNTER_MALFORMED] = IPC_P_MALFORMED,
        [COUNTER_FORWARDED] = IPC_P_FORWARDED,
        [COUNTER_DROPPED] = IPC_P_DROPPED,
        [COUNTER_QUARANTINED] = IPC_P_QUARANTINED,
};

int reply_verdict(sd_bus_message *request, uint64_t id, const char *verdict, const char *reason, uint32_t roles) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        IpcVerdict v = { .id = id, .verdict = verdict, .reason = reason, .roles = roles };
        int r;

        if (!request)
                return 0;
        r = sd_bus_message_new_method_return(request, &reply);
        if (r < 0)
                return r;
        r = ipc_verdict_append(reply, &v, true);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

void manager_count(Manager *m, Counter c) {
        m->counters[c]++;
        m->counters_dirty |= 1U << c;
        if (m->emit_source)
                (void) sd_event_source_set_enabled(m->emit_source, SD_EVENT_ONESHOT);
}

static int on_emit(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        const char *names[_COUNTER_MAX + 1] = {};
        size_t n = 0;
        int r;

        for (unsigned c = 0; c < _COUNTER_MAX; c++)
                if (m->counters_dirty & (1U << c))
                        names[n++] = counter_names[c];
        m->counters_dirty = 0;
        if (n == 0)
                return 0;
        r = sd_bus_emit_properties_changed_strv(m->bus, IPC_PARSER_PATH, IPC_PARSER_INTERFACE, (char **) names);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged: %m");
        return 0;
}

static int check_caller_is_root(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        /* No SD_BUS_CREDS_AUGMENT: the uid comes from the broker, never from /proc (R3.3). */
        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID) {
                log_error("Caller's uid for Inject was read from /proc, refusing (R3.3)");
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Caller identity not established");
        }
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Caller identity not established");
        if (euid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Inject is for root only");
        return 0;
}

/* Inject and InjectOnModem: the same input; the second names the modem it arrived on. */
static int method_inject(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        bool on_modem = streq_ptr(sd_bus_message_get_member(msg), IPC_M_INJECT_ON_MODEM);
        IpcInject in;
        InputFormat format;
        int r;

        r = check_caller_is_root(msg, error);
        if (r < 0)
                return r;

        r = on_modem ? ipc_inject_on_modem_read(msg, &in) : ipc_inject_read(msg, &in);
        if (r < 0) {
                /* An unknown format or modem is a usage error; empty or oversize data is input
                 * provd rejects, and Inject always answers that with a verdict (docs/architecture.md §4.3). */
                r = sd_bus_message_rewind(msg, true);
                if (r >= 0)
                        r = ipc_inject_read_any_size(msg, on_modem, &in);
                if (r == -EDOM)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The modem must be a D-Bus object path of at most %u bytes",
                                                 IPC_MODEM_MAX);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown input format (expected auto, sms, sms-smsc, wsp, wbxml or xml)");
                r = intake_push(m, TRANSPORT_INJECT, in.data, in.size, INPUT_AUTO, NULL, in.modem, msg);
        } else {
                format = input_format_from_string(in.format);
                if (format < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown input format");
                r = intake_push(m, TRANSPORT_INJECT, in.data, in.size, format, NULL, in.modem, msg);
        }
        if (r < 0)
                return r;
        /* Answered already, or answered when verifierd replies: either way handled. (Returning 0
         * would tell sd-bus the call found no handler.) */
        return 1;
}

static int property_get_counter(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const uint64_t *counter = userdata;

        return sd_bus_message_append(reply, "t", *counter);
}

#define COUNTER_PROPERTY(name, c)                                                                     \
        SD_BUS_PROPERTY(name, "t", property_get_counter, offsetof(Manager, counters) + (c) * sizeof(uint64_t), \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable parser_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_INJECT, IPC_SIG_INJECT_IN, SD_BUS_PARAM(data) SD_BUS_PARAM(format),
                                 IPC_SIG_INJECT_OUT,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_inject, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_INJECT_ON_MODEM, IPC_SIG_INJECT_ON_MODEM_IN,
                                 SD_BUS_PARAM(data) SD_BUS_PARAM(format) SD_BUS_PARAM(modem), IPC_SIG_INJECT_OUT,
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(verdict) SD_BUS_PARAM(reason) SD_BUS_PARAM(roles),
                                 method_inject, SD_BUS_VTABLE_UNPRIVILEGED),
        COUNTER_PROPERTY(IPC_P_RECEIVED, COUNTER_RECEIVED),
        COUNTER_PROPERTY(IPC_P_MALFORMED, COUNTER_MALFORMED),
        COUNTER_PROPERTY(IPC_P_FORWARDED, COUNTER_FORWARDED),
        COUNTER_PROPERTY(IPC_P_DROPPED, COUNTER_DROPPED),
        COUNTER_PROPERTY(IPC_P_QUARANTINED, COUNTER_QUARANTINED),
        SD_BUS_VTABLE_END,
};

int parser1_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, &m->parser_slot, IPC_PARSER_PATH, IPC_PARSER_INTERFACE, parser_vtable,
                                     m);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", IPC_PARSER_PATH);
        r = sd_event_add_defer(m->event, &m->emit_source, on_emit, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the PropertiesChanged source: %m");
        r = sd_event_source_set_enabled(m->emit_source, m->counters_dirty ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
        if (r < 0)
                return r;
        return 0;
}
