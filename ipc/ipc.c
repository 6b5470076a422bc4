/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc.c: typed marshalling and validation for the D-Bus contract in ipc.h.
 * The *_read functions are the trust boundary: they check every field against the limits
 * in ipc.h before any handler sees it, whoever the sender is (docs/conventions.md §2, §3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc-builder.h"
#include "dm-address.h"
#include "ipc.h"
#include "summary.h"
#include "verdict.h"

_Static_assert(IPC_SUMMARY_LINES_MAX == SUMMARY_LINES_MAX, "one summary line limit");
_Static_assert(IPC_SUMMARY_LINE_MAX == SUMMARY_LINE_MAX, "one summary line length");
_Static_assert(IPC_DIAL_HOST_MAX == DM_HOST_MAX, "one host name limit");

const sd_bus_error_map ipc_error_map[] = {
        SD_BUS_ERROR_MAP(IPC_ERROR_ACCESS_DENIED, EACCES),
        SD_BUS_ERROR_MAP(IPC_ERROR_INVALID_ARGS, EINVAL),
        SD_BUS_ERROR_MAP(IPC_ERROR_AUTH_FAILED, EKEYREJECTED),
        SD_BUS_ERROR_MAP(IPC_ERROR_NO_SUCH_PUSH, ESRCH),
        SD_BUS_ERROR_MAP(IPC_ERROR_WRONG_STATE, EBUSY),
        SD_BUS_ERROR_MAP(IPC_ERROR_LIMIT, ENOSPC),
        SD_BUS_ERROR_MAP(IPC_ERROR_MALFORMED, EBADMSG),
        SD_BUS_ERROR_MAP(IPC_ERROR_TOO_BIG, E2BIG),
        SD_BUS_ERROR_MAP(IPC_ERROR_AGENT_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(IPC_ERROR_UNAVAILABLE, EHOSTUNREACH),
        SD_BUS_ERROR_MAP(IPC_ERROR_UNAVAILABLE, ENOKEY),        /* the SIM's IMSI is not known */
        /* ---- Dialer1 (begin) ---- */
        SD_BUS_ERROR_MAP(IPC_ERROR_ADDRESS_REFUSED, EADDRNOTAVAIL),
        SD_BUS_ERROR_MAP(IPC_ERROR_TIMEOUT, ETIMEDOUT),
        SD_BUS_ERROR_MAP(IPC_ERROR_CONNECT_FAILED, ECONNREFUSED),
        SD_BUS_ERROR_MAP(IPC_ERROR_CONNECT_FAILED, ENETUNREACH),
        SD_BUS_ERROR_MAP(IPC_ERROR_CONNECT_FAILED, ECONNRESET),
        SD_BUS_ERROR_MAP(IPC_ERROR_CONNECT_FAILED, ENXIO),      /* the name has no address */
        /* ---- Dialer1 (end) ---- */
        SD_BUS_ERROR_MAP_END,
};

/* The words of an error when the caller has none of its own. */
static const struct {
        int code;
        const char *message;
} ipc_error_words[] = {
        { EKEYREJECTED, IPC_AUTH_FAILED_MESSAGE }, /* one message for every failure: no oracle */
        { ESRCH, "No such pending push" },
        { EBUSY, "The push is not waiting for this" },
        { ENOKEY, "The SIM's IMSI is not known" },
        { EADDRNOTAVAIL, "Address refused" },                   /* Dialer1 */
        { ETIMEDOUT, "Connection timed out" },                  /* Dialer1 */
        { ECONNREFUSED, "Connection failed" },                  /* Dialer1 */
};

static const char *ipc_error_name(int code) {
        for (const sd_bus_error_map *e = ipc_error_map; e->name; e++)
                if (e->code == code)
                        return e->name;
        return NULL;
}

int ipc_error_set(sd_bus_error *e, int error, const char *message) {
        int code = error < 0 ? -error : error;
        const char *name = ipc_error_name(code);

        if (!message)
                for (size_t i = 0; i < sizeof(ipc_error_words) / sizeof(ipc_error_words[0]); i++)
                        if (ipc_error_words[i].code == code)
                                message = ipc_error_words[i].message;
        if (!name)
                return message ? sd_bus_error_set_errnof(e, code, "%s", message) : sd_bus_error_set_errno(e, code);
        (void) sd_bus_error_set(e, name, message ? message : strerror(code));
        return -code;
}

int ipc_error_setf(sd_bus_error *e, int error, const char *format, ...) {
        char buf[512];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);
        return ipc_error_set(e, error, buf);
}

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

int ipc_inject_read_any_size(sd_bus_message *m, bool on_modem, IpcInject *ret) {
        IpcInject i = { .modem = "" };
        const void *data;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &i.format);
        if (r < 0)
                return r;
        if (!ipc_format_valid(i.format))
                return -EINVAL;
        if (on_modem) {
                r = sd_bus_message_read(m, "s", &i.modem);
                if (r < 0)
                        return r;
                if (!ipc_modem_valid(i.modem))
                        return -EDOM;
        }
        i.data = data;
        i.size = size;
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

/* ---- requests of one argument ------------------------------------------------------------- */

int ipc_id_append(sd_bus_message *m, uint64_t id) {
        return sd_bus_message_append(m, IPC_SIG_ID_IN, id);
}

int ipc_id_read(sd_bus_message *m, uint64_t *ret) {
        uint64_t id;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_ID_IN, &id);
        if (r < 0)
                return r;
        *ret = id;
        return 0;
}

int ipc_history_request_append(sd_bus_message *m, uint32_t max) {
        return sd_bus_message_append(m, IPC_SIG_HISTORY_IN, max);
}

int ipc_history_request_read(sd_bus_message *m, uint32_t *ret) {
        uint32_t max;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_HISTORY_IN, &max);
        if (r < 0)
                return r;
        *ret = max == 0 || max > IPC_HISTORY_MAX ? IPC_HISTORY_MAX : max;
        return 0;
}

int ipc_agent_path_append(sd_bus_message *m, const char *path) {
        return sd_bus_message_append(m, IPC_SIG_AGENT_PATH_IN, path);
}

int ipc_agent_path_read(sd_bus_message *m, const char **ret) {
        const char *path;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_AGENT_PATH_IN, &path);
        if (r < 0)
                return r;
        *ret = path;
        return 0;
}

int ipc_install_append(sd_bus_message *m, const IpcInstall *i) {
        return sd_bus_message_append_array(m, 'y', i->package, i->size);
}

int ipc_install_read(sd_bus_message *m, IpcInstall *ret) {
        const void *data;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        if (size == 0)
                return -EINVAL;
        /* S12: the size cap before anything parses the bytes */
        if (size > IPC_PACKAGE_MAX)
                return -E2BIG;
        *ret = (IpcInstall) { .package = data, .size = size };
        return 0;
}

/* ---- DM route ------------------------------------------------------------------------------ */

int ipc_dm_connect_append(sd_bus_message *m, const char *server_id) {
        return sd_bus_message_append(m, "s", server_id);
}

int ipc_dm_connect_read(sd_bus_message *m, const char **ret_server_id) {
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        if (!id[0] || !ipc_string_printable(id, IPC_DM_SERVER_ID_MAX))
                return -EINVAL;
        *ret_server_id = id;
        return 0;
}

bool ipc_dm_reason_valid(const char *reason) {
        static const char *const ok[] = { "", "no-account", "tls-failed", "server-auth-failed", "protocol-error",
                                          "timeout", "address-refused" };

        if (!reason)
                return false;
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                if (strcmp(reason, ok[i]) == 0)
                        return true;
        return false;
}

int ipc_dm_result_append(sd_bus_message *m, const IpcDmResult *r) {
        return sd_bus_message_append(m, "ssuu", r->result, r->reason ?: "", r->executed, r->denied);
}

int ipc_dm_result_read(sd_bus_message *m, IpcDmResult *ret) {
        IpcDmResult v = {};
        int r;

        r = sd_bus_message_read(m, "ssuu", &v.result, &v.reason, &v.executed, &v.denied);
        if (r < 0)
                return r;
        if (strcmp(v.result, "completed") != 0 && strcmp(v.result, "failed") != 0)
                return -EBADMSG;
        if (!ipc_dm_reason_valid(v.reason))
                return -EBADMSG;
        *ret = v;
        return 0;
}

int ipc_dm_notification_append(sd_bus_message *m, const IpcDmNotification *n) {
        int r;

        r = sd_bus_message_append_array(m, 'y', n->data, n->size);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "ss", n->sender ?: "", n->transport);
}

int ipc_dm_notification_read(sd_bus_message *m, IpcDmNotification *ret) {
        IpcDmNotification n = {};
        const void *data;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "ss", &n.sender, &n.transport);
        if (r < 0)
                return r;
        if (size == 0)
                return -EINVAL;
        /* the size cap before anything parses the bytes */
        if (size > IPC_DM_NOTIFICATION_MAX)
                return -E2BIG;
        if (!ipc_string_printable(n.sender, IPC_SENDER_MAX) || !ipc_transport_valid(n.transport))
                return -EINVAL;
        n.data = data;
        n.size = size;
        *ret = n;
        return 0;
}

/* ---- lists -------------------------------------------------------------------------------- */

static const char *const ipc_list_items[_IPC_LIST_MAX] = {
        [IPC_LIST_PENDING] = IPC_SIG_PENDING_ITEM,
        [IPC_LIST_HISTORY] = IPC_SIG_PUSH_ITEM,
        [IPC_LIST_SETTINGS] = IPC_SIG_SETTING_ITEM,
        [IPC_LIST_ACCOUNTS] = IPC_SIG_ACCOUNT_ITEM,
        [IPC_LIST_POLICY] = IPC_SIG_POLICY_ITEM,
        [IPC_LIST_CERTIFICATES] = IPC_SIG_CERTIFICATE_ITEM,
        [IPC_LIST_EXPORTS] = IPC_SIG_EXPORTS_ITEM,
        [IPC_LIST_DOCUMENT] = IPC_SIG_DOCUMENT_ITEM,
        [IPC_LIST_POLICY_SOURCES] = IPC_SIG_POLICY_SOURCE_ITEM,
};

const char *ipc_list_item_signature(IpcList l) {
        if ((unsigned) l >= _IPC_LIST_MAX)
                return NULL;
        return ipc_list_items[l];
}

int ipc_list_open(sd_bus_message *m, IpcList l) {
        const char *item = ipc_list_item_signature(l);

        if (!item)
                return -EINVAL;
        return sd_bus_message_open_container(m, 'a', item);
}

int ipc_list_close(sd_bus_message *m) {
        return sd_bus_message_close_container(m);
}

int ipc_list_enter(sd_bus_message *m, IpcList l) {
        const char *item = ipc_list_item_signature(l);
        int r;

        if (!item)
                return -EINVAL;
        r = sd_bus_message_enter_container(m, 'a', item);
        if (r < 0)
                return r;
        return r == 0 ? -ENXIO : 0; /* no array here: the message ended */
}

int ipc_list_exit(sd_bus_message *m) {
        return sd_bus_message_exit_container(m);
}

static const char *str_or_empty(const char *s) {
        return s ? s : "";
}

static int summary_lines_append(sd_bus_message *m, const IpcSummaryLines *s) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < s->n && i < IPC_SUMMARY_LINES_MAX; i++) {
                r = sd_bus_message_append_basic(m, 's', str_or_empty(s->lines[i]));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

/* Bounded: a reader keeps at most IPC_SUMMARY_LINES_MAX borrowed lines (-E2BIG past it). */
static int summary_lines_read(sd_bus_message *m, IpcSummaryLines *ret) {
        IpcSummaryLines s = {};
        const char *line;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        if (r == 0)
                return -ENXIO;
        while ((r = sd_bus_message_read_basic(m, 's', &line)) > 0) {
                if (s.n >= IPC_SUMMARY_LINES_MAX)
                        return -E2BIG;
                s.lines[s.n++] = line;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

/* Enter one row struct of @contents; 0 at the end of the enclosing array. */
static int row_enter(sd_bus_message *m, const char *item) {
        char contents[32];
        size_t n = strlen(item);

        /* "(tsssttas)" -> "tsssttas" */
        if (n < 2 || n - 2 >= sizeof contents)
                return -EINVAL;
        memcpy(contents, item + 1, n - 2);
        contents[n - 2] = 0;
        return sd_bus_message_enter_container(m, 'r', contents);
}

int ipc_pending_row_append(sd_bus_message *m, const IpcPendingRow *row) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "tsssttas");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "tssstt", row->id, str_or_empty(row->sender), str_or_empty(row->sec),
                                  str_or_empty(row->waiting), row->received_usec, row->expires_usec);
        if (r < 0)
                return r;
        r = summary_lines_append(m, &row->summary);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int ipc_pending_row_read(sd_bus_message *m, IpcPendingRow *ret) {
        IpcPendingRow row = {};
        int r;

        r = row_enter(m, IPC_SIG_PENDING_ITEM);
        if (r <= 0)
                return r;
        r = sd_bus_message_read(m, "tssstt", &row.id, &row.sender, &row.sec, &row.waiting, &row.received_usec,
                                &row.expires_usec);
        if (r < 0)
                return r;
        r = summary_lines_read(m, &row.summary);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_push_row_append(sd_bus_message *m, const IpcPushRow *row) {
        return sd_bus_message_append(m, IPC_SIG_PUSH_ITEM, row->id, row->time_usec, str_or_empty(row->sender),
                                     str_or_empty(row->transport), str_or_empty(row->sec), str_or_empty(row->verdict),
                                     str_or_empty(row->reason), row->roles, str_or_empty(row->denied),
                                     str_or_empty(row->digest));
}

int ipc_push_row_read(sd_bus_message *m, IpcPushRow *ret) {
        IpcPushRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_PUSH_ITEM, &row.id, &row.time_usec, &row.sender, &row.transport, &row.sec,
                                &row.verdict, &row.reason, &row.roles, &row.denied, &row.digest);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_setting_row_append(sd_bus_message *m, const IpcSettingRow *row) {
        return sd_bus_message_append(m, IPC_SIG_SETTING_ITEM, str_or_empty(row->path), str_or_empty(row->name),
                                     str_or_empty(row->value), row->roles, row->push_id);
}

int ipc_setting_row_read(sd_bus_message *m, IpcSettingRow *ret) {
        IpcSettingRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_SETTING_ITEM, &row.path, &row.name, &row.value, &row.roles, &row.push_id);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_account_row_append(sd_bus_message *m, const IpcAccountRow *row) {
        return sd_bus_message_append(m, IPC_SIG_ACCOUNT_ITEM, str_or_empty(row->server_id), str_or_empty(row->name),
                                     str_or_empty(row->address), row->roles, row->push_id);
}

int ipc_account_row_read(sd_bus_message *m, IpcAccountRow *ret) {
        IpcAccountRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_ACCOUNT_ITEM, &row.server_id, &row.name, &row.address, &row.roles,
                                &row.push_id);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_policy_row_append(sd_bus_message *m, const IpcPolicyRow *row) {
        return sd_bus_message_append(m, IPC_SIG_POLICY_ITEM, str_or_empty(row->key), str_or_empty(row->value));
}

int ipc_policy_row_read(sd_bus_message *m, IpcPolicyRow *ret) {
        IpcPolicyRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_POLICY_ITEM, &row.key, &row.value);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_certificate_row_append(sd_bus_message *m, const IpcCertificateRow *row) {
        return sd_bus_message_append(m, IPC_SIG_CERTIFICATE_ITEM, str_or_empty(row->thumbprint),
                                     str_or_empty(row->subject), str_or_empty(row->store), str_or_empty(row->source),
                                     row->roles, str_or_empty(row->expiry), row->push_id);
}

int ipc_certificate_row_read(sd_bus_message *m, IpcCertificateRow *ret) {
        IpcCertificateRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_CERTIFICATE_ITEM, &row.thumbprint, &row.subject, &row.store, &row.source,
                                &row.roles, &row.expiry, &row.push_id);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_export_row_append(sd_bus_message *m, const IpcExportRow *row) {
        return sd_bus_message_append(m, IPC_SIG_EXPORTS_ITEM, str_or_empty(row->root), str_or_empty(row->exporter),
                                     str_or_empty(row->state), str_or_empty(row->detail));
}

int ipc_export_row_read(sd_bus_message *m, IpcExportRow *ret) {
        IpcExportRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_EXPORTS_ITEM, &row.root, &row.exporter, &row.state, &row.detail);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_document_row_append(sd_bus_message *m, const IpcDocumentRow *row) {
        return sd_bus_message_append(m, IPC_SIG_DOCUMENT_ITEM, str_or_empty(row->group), str_or_empty(row->path),
                                     str_or_empty(row->name), str_or_empty(row->change), str_or_empty(row->value),
                                     str_or_empty(row->old_value));
}

int ipc_document_row_read(sd_bus_message *m, IpcDocumentRow *ret) {
        IpcDocumentRow row = {};
        int r;

        r = sd_bus_message_read(m, IPC_SIG_DOCUMENT_ITEM, &row.group, &row.path, &row.name, &row.change, &row.value,
                                &row.old_value);
        if (r <= 0)
                return r;
        *ret = row;
        return 1;
}

int ipc_policy_source_row_append(sd_bus_message *m, const IpcPolicySourceRow *row) {
        return sd_bus_message_append(m, IPC_SIG_POLICY_SOURCE_ITEM, str_or_empty(row->key), str_or_empty(row->source),
                                     (int) row->locked, row->push_id);
}

int ipc_policy_source_row_read(sd_bus_message *m, IpcPolicySourceRow *ret) {
        IpcPolicySourceRow row = {};
        int locked = 0;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_POLICY_SOURCE_ITEM, &row.key, &row.source, &locked, &row.push_id);
        if (r <= 0)
                return r;
        row.locked = locked;
        *ret = row;
        return 1;
}

int ipc_reset_policy_reply_append(sd_bus_message *m, uint32_t dropped) {
        return sd_bus_message_append(m, IPC_SIG_RESET_POLICY_OUT, dropped);
}

int ipc_reset_policy_reply_read(sd_bus_message *m, uint32_t *ret) {
        uint32_t n;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_RESET_POLICY_OUT, &n);
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

/* ---- Agent1 ------------------------------------------------------------------------------- */

int ipc_agent_request_append(sd_bus_message *m, const IpcAgentRequest *req) {
        int r;

        r = sd_bus_message_append(m, "ts", req->id, str_or_empty(req->sender));
        if (r < 0)
                return r;
        return summary_lines_append(m, &req->summary);
}

int ipc_agent_request_read(sd_bus_message *m, IpcAgentRequest *ret) {
        IpcAgentRequest req = {};
        int r;

        r = sd_bus_message_read(m, "ts", &req.id, &req.sender);
        if (r < 0)
                return r;
        r = summary_lines_read(m, &req.summary);
        if (r < 0)
                return r;
        *ret = req;
        return 0;
}

int ipc_agent_pin_append(sd_bus_message *m, const char *pin) {
        return sd_bus_message_append(m, IPC_SIG_AGENT_PIN_OUT, pin);
}

int ipc_agent_pin_read(sd_bus_message *m, const char **ret) {
        const char *pin;
        size_t n;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_AGENT_PIN_OUT, &pin);
        if (r < 0)
                return r;
        n = strnlen(pin, IPC_PIN_MAX + 1);
        if (n == 0 || n > IPC_PIN_MAX)
                return -EINVAL;
        *ret = pin;
        return 0;
}

int ipc_agent_confirmation_append(sd_bus_message *m, bool confirmed) {
        return sd_bus_message_append(m, IPC_SIG_AGENT_CONFIRMATION_OUT, (int) confirmed);
}

int ipc_agent_confirmation_read(sd_bus_message *m, bool *ret) {
        int ok;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_AGENT_CONFIRMATION_OUT, &ok);
        if (r < 0)
                return r;
        *ret = ok;
        return 0;
}

/* ---- Dialer1 (begin) ------------------------------------------------------------------------ */

int ipc_dial_append(sd_bus_message *m, const IpcDial *d) {
        return sd_bus_message_append(m, IPC_SIG_DIAL_IN, d->host, d->port, (int) d->allow_loopback);
}

int ipc_dial_read(sd_bus_message *m, IpcDial *ret) {
        const char *host;
        uint16_t port;
        int allow;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_DIAL_IN, &host, &port, &allow);
        if (r < 0)
                return r;
        /* The dialer's only parsing: a host name or an address literal, nothing else (no URL,
         * no "host:port", no brackets, no spaces) before getaddrinfo() sees it. */
        if (strnlen(host, IPC_DIAL_HOST_MAX + 1) > IPC_DIAL_HOST_MAX)
                return -E2BIG;
        if (!dm_host_valid(host) || port == 0)
                return -EINVAL;
        *ret = (IpcDial) { .host = host, .port = port, .allow_loopback = allow };
        return 0;
}

int ipc_dial_reply_append(sd_bus_message *m, int fd) {
        if (fd < 0)
                return -EBADF;
        return sd_bus_message_append(m, IPC_SIG_DIAL_OUT, fd);
}

int ipc_dial_reply_read(sd_bus_message *m, int *ret_borrowed_fd) {
        int fd;
        int r;

        r = sd_bus_message_read(m, IPC_SIG_DIAL_OUT, &fd);
        if (r < 0)
                return r;
        if (fd < 0)
                return -EBADF;
        *ret_borrowed_fd = fd;
        return 0;
}

/* ---- Dialer1 (end) -------------------------------------------------------------------------- */
