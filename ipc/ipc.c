/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc.c: typed marshalling and validation for the D-Bus contract in ipc.h.
 * The *_read functions are the trust boundary: they check every field against the limits
 * in ipc.h before any handler sees it, whoever the sender is (docs/conventions.md §2, §3).
 */
#include <errno.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "ipc.h"
#include "summary.h"
#include "verdict.h"

_Static_assert(IPC_SUMMARY_LINES_MAX == SUMMARY_LINES_MAX, "one summary line limit");
_Static_assert(IPC_SUMMARY_LINE_MAX == SUMMARY_LINE_MAX, "one summary line length");

const sd_bus_error_map ipc_error_map[] = {
        SD_BUS_ERROR_MAP(IPC_ERROR_AUTH_FAILED, EKEYREJECTED),
        SD_BUS_ERROR_MAP(IPC_ERROR_NO_SUCH_PUSH, ESRCH),
        SD_BUS_ERROR_MAP(IPC_ERROR_WRONG_STATE, EBUSY),
        SD_BUS_ERROR_MAP(IPC_ERROR_LIMIT, ENOSPC),
        SD_BUS_ERROR_MAP(IPC_ERROR_MALFORMED, EBADMSG),
        SD_BUS_ERROR_MAP(IPC_ERROR_TOO_BIG, E2BIG),
        SD_BUS_ERROR_MAP(IPC_ERROR_AGENT_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(IPC_ERROR_UNAVAILABLE, EHOSTUNREACH),
        SD_BUS_ERROR_MAP_END,
};

int ipc_errors_register(void) {
        static bool done;
        int r;

        if (done)
                return 0;
        r = sd_bus_error_add_map(ipc_error_map);
        if (r < 0)
                return r;
        done = true;
        return 0;
}

bool ipc_string_printable(const char *s, size_t max) {
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, max + 1);
        if (n > max)
                return false;
        if (cpdoc_check_string(s, n) < 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20)
                        return false;
        return true;
}

bool ipc_mac_valid(const char *mac) {
        size_t n;

        if (!mac)
                return false;
        n = strnlen(mac, IPC_MAC_HEX_LEN + 1);
        if (n == 0)
                return true;
        if (n != IPC_MAC_HEX_LEN)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = mac[i];

                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                        return false;
        }
        return true;
}

bool ipc_transport_valid(const char *t) {
        /* what provd may claim; "install" is verifierd's own label for Install(), never provd's */
        static const char *const ok[] = { "ofono", "modemmanager", "inject" };

        if (!t)
                return false;
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                if (strcmp(t, ok[i]) == 0)
                        return true;
        return false;
}

bool ipc_format_valid(const char *f) {
        static const char *const ok[] = { "auto", "sms", "sms-smsc", "wsp", "wbxml", "xml" };

        if (!f)
                return false;
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                if (strcmp(f, ok[i]) == 0)
                        return true;
        return false;
}

bool ipc_verdict_valid(const char *v) {
        return v && verdict_from_string(v) >= 0;
}

bool ipc_modem_valid(const char *modem) {
        if (!modem)
                return false;
        if (modem[0] == 0)
                return true; /* not named */
        return strnlen(modem, IPC_MODEM_MAX + 1) <= IPC_MODEM_MAX && sd_bus_object_path_is_valid(modem);
}

int ipc_submit_append(sd_bus_message *m, const IpcSubmit *s) {
        int r;

        r = sd_bus_message_append_array(m, 'y', s->body, s->body_size);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "sisss" "t", s->content_type, s->sec, s->mac, s->sender, s->transport,
                                     s->received_usec);
}

int ipc_submit_read(sd_bus_message *m, IpcSubmit *ret) {
        IpcSubmit s = {};
        const void *body;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &body, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "sisss" "t", &s.content_type, &s.sec, &s.mac, &s.sender, &s.transport,
                                &s.received_usec);
        if (r < 0)
                return r;
        /* Validate everything: provd may be compromised (R3). */
        if (size == 0)
                return -EINVAL;
        if (size > IPC_BODY_MAX)
                return -E2BIG;
        if (!ipc_string_printable(s.content_type, IPC_CONTENT_TYPE_MAX) || s.content_type[0] == 0)
                return -EINVAL;
        if (s.sec < -1 || s.sec > 3)
                return -EINVAL;
        if (!ipc_mac_valid(s.mac))
                return -EINVAL;
        if (!ipc_string_printable(s.sender, IPC_SENDER_MAX))
                return -EINVAL;
        if (!ipc_transport_valid(s.transport))
                return -EINVAL;
        s.body = body;
        s.body_size = size;
        s.modem = ""; /* Submit names no modem; SubmitWithSummary reads it after the summary */
        *ret = s;
        return 0;
}

int ipc_submit_with_summary_append(sd_bus_message *m, const IpcSubmit *s) {
        int r;

        r = ipc_submit_append(m, s);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < s->n_summary && i < IPC_SUMMARY_LINES_MAX; i++) {
                r = sd_bus_message_append(m, "s", s->summary[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "s", s->modem ? s->modem : "");
}

int ipc_submit_with_summary_read(sd_bus_message *m, IpcSubmit *ret) {
        IpcSubmit s;
        const char *line;
        int r;

        r = ipc_submit_read(m, &s);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        s.n_summary = 0;
        while ((r = sd_bus_message_read(m, "s", &line)) > 0) {
                /* provd may be compromised (R3): bounded, and one line of printable text each, so
                 * nothing it says can break a log line, a prompt or ListPending apart. */
                if (s.n_summary >= IPC_SUMMARY_LINES_MAX)
                        return -E2BIG;
                if (!summary_line_valid(line))
                        return -EINVAL;
                s.summary[s.n_summary++] = line;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        /* provd may be compromised (R3): the modem is only a name to look a SIM up by, but it is
         * still logged and stored, so it must be an object path of bounded length. */
        r = sd_bus_message_read(m, "s", &s.modem);
        if (r < 0)
                return r;
        if (!ipc_modem_valid(s.modem))
                return -EINVAL;
        *ret = s;
        return 0;
}

int ipc_verdict_append(sd_bus_message *m, const IpcVerdict *v, bool with_id) {
        if (with_id)
                return sd_bus_message_append(m, "tssu", v->id, v->verdict, v->reason, v->roles);
        return sd_bus_message_append(m, "ssu", v->verdict, v->reason, v->roles);
}

int ipc_verdict_read(sd_bus_message *m, IpcVerdict *ret, bool with_id) {
        IpcVerdict v = {};
        int r;

        if (with_id)
                r = sd_bus_message_read(m, "tssu", &v.id, &v.verdict, &v.reason, &v.roles);
        else
                r = sd_bus_message_read(m, "ssu", &v.verdict, &v.reason, &v.roles);
        if (r < 0)
                return r;
        if (!ipc_verdict_valid(v.verdict))
                return -EBADMSG;
        if (reason_from_string(v.reason) < 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int ipc_inject_append(sd_bus_message *m, const IpcInject *i) {
        int r;

        r = sd_bus_message_append_array(m, 'y', i->data, i->size);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "s", i->format);
}

int ipc_inject_read(sd_bus_message *m, IpcInject *ret) {
        IpcInject i = {};
        const void *data;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &i.format);
        if (r < 0)
                return r;
        if (size == 0)
                return -EINVAL;
        if (size > IPC_INJECT_MAX)
                return -E2BIG;
        if (!ipc_format_valid(i.format))
                return -EINVAL;
        i.modem = "";
        i.data = data;
        i.size = size;
        *ret = i;
        return 0;
}

int ipc_inject_on_modem_append(sd_bus_message *m, const IpcInject *i) {
        int r;

        r = ipc_inject_append(m, i);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "s", i->modem ? i->modem : "");
}

int ipc_inject_on_modem_read(sd_bus_message *m, IpcInject *ret) {
        IpcInject i;
        int r;

        r = ipc_inject_read(m, &i);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &i.modem);
        if (r < 0)
                return r;
        if (!ipc_modem_valid(i.modem))
                return -EINVAL;
        *ret = i;
        return 0;
}

int ipc_pin_append(sd_bus_message *m, const IpcPin *p) {
        return sd_bus_message_append(m, "ts", p->id, p->pin);
}

int ipc_pin_read(sd_bus_message *m, IpcPin *ret) {
        IpcPin p = {};
        size_t n;
        int r;

        r = sd_bus_message_read(m, "ts", &p.id, &p.pin);
        if (r < 0)
                return r;
        n = strnlen(p.pin, IPC_PIN_MAX + 1);
        if (n == 0 || n > IPC_PIN_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (p.pin[i] < '0' || p.pin[i] > '9')
                        return -EINVAL;
        *ret = p;
        return 0;
}
