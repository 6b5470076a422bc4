/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-ipc.c: libFuzzer entry for the ipc/ipc.c readers of what verifierd receives on the bus
 * (issue 11 point 1): Submit, SubmitWithSummary, ProvidePin, Install, the one-id requests
 * (Confirm, Discard, GetPush, GetPendingDocument), GetHistory, RegisterAgent, and the agent's
 * answers to RequestPin and RequestConfirmation; and provd's Inject and InjectOnModem.
 *
 * The input builds a real sd_bus_message (sd-bus' own parser is not what is fuzzed here; the
 * message is built through its append API, so it is always a well-formed D-Bus message):
 *   byte 0      which reader (modulo the number of readers);
 *   byte 1      0: the reader's own signature; else a NUL-terminated signature follows (any
 *               signature: a wrong one must be refused, never misread);
 *   the rest    the values, consumed per type: y b 1 byte, n q 2, i u 4, x t d 8, s o g a
 *               length byte and that many bytes, ay a 16-bit length, other arrays a count byte
 *               (at most FUZZ_ARRAY_MAX elements), v holds an s. Missing bytes read as 0.
 * A value sd-bus refuses to append (invalid UTF-8, a bad object path) ends the input.
 *
 * Whatever the reader returns, when it accepts the message every field must be within the
 * limits ipc.h promises (the checks below abort otherwise), and what it read, appended again
 * with the matching writer and read back, must be the same (round trip).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(x)            \
        do {                     \
                if (!(x))        \
                        abort(); \
        } while (0)

#define FUZZ_ARRAY_MAX 40U      /* elements of one non-byte array: > IPC_SUMMARY_LINES_MAX */
#define FUZZ_DEPTH_MAX 8U       /* nesting of containers in a fuzzer's signature */

typedef struct Input {
        const uint8_t *p;
        size_t n;
} Input;

static void take(Input *in, void *out, size_t k) {
        size_t have = in->n < k ? in->n : k;

        memset(out, 0, k);
        memcpy(out, in->p, have);
        in->p += have;
        in->n -= have;
}

static uint8_t take8(Input *in) {
        uint8_t v;

        take(in, &v, 1);
        return v;
}

/* The length of the complete type at @sig (0: invalid). */
static size_t type_len(const char *sig) {
        size_t n = 0;
        int depth = 0;

        do {
                char c = sig[n];

                if (c == 0)
                        return 0;
                n++;
                if (c == 'a')
                        continue;
                if (c == '(' || c == '{')
                        depth++;
                else if (c == ')' || c == '}')
                        depth--;
        } while (depth > 0 || sig[n - 1] == 'a');
        return depth == 0 ? n : 0;
}

static int append_types(sd_bus_message *m, const char *sig, size_t len, Input *in, unsigned depth);

static int append_one(sd_bus_message *m, const char *t, size_t len, Input *in, unsigned depth) {
        char contents[256];
        int r;

        if (depth > FUZZ_DEPTH_MAX)
                return -E2BIG;
        switch (t[0]) {
        case 'y': case 'b': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': {
                uint64_t v = 0;
                size_t k = t[0] == 'y' || t[0] == 'b' ? 1 : t[0] == 'n' || t[0] == 'q' ? 2 :
                           t[0] == 'i' || t[0] == 'u' ? 4 : 8;
                int b;

                take(in, &v, k);
                if (t[0] == 'b') {
                        b = (int) (v & 1);
                        return sd_bus_message_append_basic(m, 'b', &b);
                }
                return sd_bus_message_append_basic(m, t[0], &v);
        }
        case 's': case 'o': case 'g': {
                char s[256];
                uint8_t k = take8(in);

                take(in, s, k);
                s[k] = 0;
                return sd_bus_message_append_basic(m, t[0], s);
        }
        case 'v':
                r = sd_bus_message_open_container(m, 'v', "s");
                if (r >= 0)
                        r = append_one(m, "s", 1, in, depth + 1);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        case 'a': {
                size_t elen = len - 1;

                if (elen == 0 || elen >= sizeof contents)
                        return -EINVAL;
                memcpy(contents, t + 1, elen);
                contents[elen] = 0;
                if (strcmp(contents, "y") == 0) {
                        uint16_t k;
                        uint8_t *buf;

                        take(in, &k, sizeof k);
                        buf = malloc(k ? k : 1);
                        if (!buf)
                                return -ENOMEM;
                        take(in, buf, k);
                        r = sd_bus_message_append_array(m, 'y', buf, k);
                        free(buf);
                        return r;
                }
                r = sd_bus_message_open_container(m, 'a', contents);
                if (r < 0)
                        return r;
                for (unsigned i = 0, count = take8(in) % (FUZZ_ARRAY_MAX + 1); i < count && r >= 0; i++)
                        r = append_one(m, contents, elen, in, depth + 1);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        }
        case '(': case '{':
                if (len < 2 || len - 2 >= sizeof contents)
                        return -EINVAL;
                memcpy(contents, t + 1, len - 2);
                contents[len - 2] = 0;
                r = sd_bus_message_open_container(m, t[0] == '(' ? 'r' : 'e', contents);
                if (r >= 0)
                        r = append_types(m, contents, len - 2, in, depth + 1);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        default:
                return -EINVAL; /* 'h' (a file descriptor) and anything else: not built */
        }
}

static int append_types(sd_bus_message *m, const char *sig, size_t len, Input *in, unsigned depth) {
        for (size_t i = 0; i < len;) {
                size_t k = type_len(sig + i);
                int r;

                if (k == 0 || i + k > len)
                        return -EINVAL;
                r = append_one(m, sig + i, k, in, depth);
                if (r < 0)
                        return r;
                i += k;
        }
        return 0;
}

static sd_bus *bus;

static sd_bus_message *new_msg(void) {
        sd_bus_message *m = NULL;

        FUZZ_CHECK(sd_bus_message_new_method_call(bus, &m, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                                  IPC_VERIFIER_INTERFACE, IPC_M_SUBMIT) >= 0);
        return m;
}

static sd_bus_message *seal(sd_bus_message *m) {
        FUZZ_CHECK(sd_bus_message_seal(m, 1, 0) >= 0);
        return m;
}

static bool str_eq(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

/* ---- the readers, their promises and their round trips ----------------------------------- */

static void check_submit(const IpcSubmit *s, bool with_summary) {
        IpcSubmit again;
        sd_bus_message *m;

        FUZZ_CHECK(s->body_size >= 1 && s->body_size <= IPC_BODY_MAX);
        FUZZ_CHECK(ipc_string_printable(s->content_type, IPC_CONTENT_TYPE_MAX) && s->content_type[0]);
        FUZZ_CHECK(s->sec >= -1 && s->sec <= 3);
        FUZZ_CHECK(ipc_mac_valid(s->mac));
        FUZZ_CHECK(ipc_string_printable(s->sender, IPC_SENDER_MAX));
        FUZZ_CHECK(ipc_transport_valid(s->transport));
        FUZZ_CHECK(ipc_modem_valid(s->modem));
        FUZZ_CHECK(s->n_summary <= IPC_SUMMARY_LINES_MAX);
        FUZZ_CHECK(with_summary || s->n_summary == 0);
        for (unsigned i = 0; i < s->n_summary; i++)
                FUZZ_CHECK(summary_line_valid(s->summary[i]) && !strchr(s->summary[i], '\n'));

        m = new_msg();
        FUZZ_CHECK((with_summary ? ipc_submit_with_summary_append(m, s) : ipc_submit_append(m, s)) >= 0);
        seal(m);
        FUZZ_CHECK((with_summary ? ipc_submit_with_summary_read(m, &again) : ipc_submit_read(m, &again)) == 0);
        FUZZ_CHECK(again.body_size == s->body_size && memcmp(again.body, s->body, s->body_size) == 0);
        FUZZ_CHECK(str_eq(again.content_type, s->content_type) && again.sec == s->sec && str_eq(again.mac, s->mac));
        FUZZ_CHECK(str_eq(again.sender, s->sender) && str_eq(again.transport, s->transport));
        FUZZ_CHECK(again.received_usec == s->received_usec && str_eq(again.modem, s->modem));
        FUZZ_CHECK(again.n_summary == s->n_summary);
        for (unsigned i = 0; i < s->n_summary; i++)
                FUZZ_CHECK(str_eq(again.summary[i], s->summary[i]));
        sd_bus_message_unref(m);
}

static void check_inject(const IpcInject *i, bool on_modem) {
        IpcInject again;
        sd_bus_message *m;

        FUZZ_CHECK(i->size >= 1 && i->size <= IPC_INJECT_MAX);
        FUZZ_CHECK(ipc_format_valid(i->format));
        FUZZ_CHECK(ipc_modem_valid(i->modem));
        m = new_msg();
        FUZZ_CHECK((on_modem ? ipc_inject_on_modem_append(m, i) : ipc_inject_append(m, i)) >= 0);
        seal(m);
        FUZZ_CHECK((on_modem ? ipc_inject_on_modem_read(m, &again) : ipc_inject_read(m, &again)) == 0);
        FUZZ_CHECK(again.size == i->size && memcmp(again.data, i->data, i->size) == 0);
        FUZZ_CHECK(str_eq(again.format, i->format) && str_eq(again.modem, i->modem));
        sd_bus_message_unref(m);
}

enum {
        TARGET_SUBMIT,
        TARGET_SUBMIT_WITH_SUMMARY,
        TARGET_PROVIDE_PIN,
        TARGET_INSTALL,
        TARGET_ID,
        TARGET_HISTORY,
        TARGET_AGENT_PATH,
        TARGET_AGENT_PIN,
        TARGET_AGENT_CONFIRMATION,
        TARGET_INJECT,
        TARGET_INJECT_ON_MODEM,
        TARGET_DM_CONNECT,
        TARGET_DM_NOTIFICATION,
        TARGET_DM_RESULT,
        _TARGET_MAX,
};

static const char *const target_sig[_TARGET_MAX] = {
        [TARGET_SUBMIT] = IPC_SIG_SUBMIT_IN,
        [TARGET_SUBMIT_WITH_SUMMARY] = IPC_SIG_SUBMIT_WITH_SUMMARY_IN,
        [TARGET_PROVIDE_PIN] = IPC_SIG_PROVIDE_PIN_IN,
        [TARGET_INSTALL] = IPC_SIG_INSTALL_IN,
        [TARGET_ID] = IPC_SIG_ID_IN,
        [TARGET_HISTORY] = IPC_SIG_HISTORY_IN,
        [TARGET_AGENT_PATH] = IPC_SIG_AGENT_PATH_IN,
        [TARGET_AGENT_PIN] = IPC_SIG_AGENT_PIN_OUT,
        [TARGET_AGENT_CONFIRMATION] = IPC_SIG_AGENT_CONFIRMATION_OUT,
        [TARGET_INJECT] = IPC_SIG_INJECT_IN,
        [TARGET_INJECT_ON_MODEM] = IPC_SIG_INJECT_ON_MODEM_IN,
        [TARGET_DM_CONNECT] = IPC_SIG_DM_CONNECT_IN,
        [TARGET_DM_NOTIFICATION] = IPC_SIG_SUBMIT_DM_NOTIFICATION_IN,
        [TARGET_DM_RESULT] = IPC_SIG_DM_CONNECT_OUT,
};

static void run_reader(unsigned target, sd_bus_message *m) {
        switch (target) {
        case TARGET_SUBMIT:
        case TARGET_SUBMIT_WITH_SUMMARY: {
                bool with = target == TARGET_SUBMIT_WITH_SUMMARY;
                IpcSubmit s;

                if ((with ? ipc_submit_with_summary_read(m, &s) : ipc_submit_read(m, &s)) == 0)
                        check_submit(&s, with);
                break;
        }
        case TARGET_PROVIDE_PIN: {
                IpcPin p;

                if (ipc_pin_read(m, &p) == 0) {
                        size_t n = strlen(p.pin);

                        FUZZ_CHECK(n >= 1 && n <= IPC_PIN_MAX && strspn(p.pin, "0123456789") == n);
                }
                break;
        }
        case TARGET_INSTALL: {
                IpcInstall i;

                if (ipc_install_read(m, &i) == 0)
                        FUZZ_CHECK(i.size >= 1 && i.size <= IPC_PACKAGE_MAX && i.package);
                break;
        }
        case TARGET_ID: {
                uint64_t id;

                (void) ipc_id_read(m, &id);
                break;
        }
        case TARGET_HISTORY: {
                uint32_t max;

                if (ipc_history_request_read(m, &max) == 0)
                        FUZZ_CHECK(max >= 1 && max <= IPC_HISTORY_MAX);
                break;
        }
        case TARGET_AGENT_PATH: {
                const char *path;

                if (ipc_agent_path_read(m, &path) == 0)
                        FUZZ_CHECK(sd_bus_object_path_is_valid(path));
                break;
        }
        case TARGET_AGENT_PIN: {
                const char *pin;

                if (ipc_agent_pin_read(m, &pin) == 0)
                        FUZZ_CHECK(strlen(pin) >= 1 && strlen(pin) <= IPC_PIN_MAX);
                break;
        }
        case TARGET_AGENT_CONFIRMATION: {
                bool ok;

                (void) ipc_agent_confirmation_read(m, &ok);
                break;
        }
        case TARGET_INJECT:
        case TARGET_INJECT_ON_MODEM: {
                bool on = target == TARGET_INJECT_ON_MODEM;
                IpcInject i;

                if ((on ? ipc_inject_on_modem_read(m, &i) : ipc_inject_read(m, &i)) == 0)
                        check_inject(&i, on);
                break;
        }
        case TARGET_DM_CONNECT: {
                const char *id;

                if (ipc_dm_connect_read(m, &id) == 0)
                        FUZZ_CHECK(id[0] && ipc_string_printable(id, IPC_DM_SERVER_ID_MAX));
                break;
        }
        case TARGET_DM_NOTIFICATION: {
                IpcDmNotification n;

                if (ipc_dm_notification_read(m, &n) == 0)
                        FUZZ_CHECK(n.size >= 1 && n.size <= IPC_DM_NOTIFICATION_MAX && n.data &&
                                   ipc_string_printable(n.sender, IPC_SENDER_MAX) && ipc_transport_valid(n.transport));
                break;
        }
        case TARGET_DM_RESULT: {
                IpcDmResult r;

                if (ipc_dm_result_read(m, &r) == 0)
                        FUZZ_CHECK(ipc_dm_reason_valid(r.reason));
                break;
        }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Input in = { data, size };
        sd_bus_message *m;
        unsigned target;
        const char *sig;
        char own[256];

        if (!bus) {
                int fds[2];

                FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
                FUZZ_CHECK(sd_bus_new(&bus) >= 0);
                FUZZ_CHECK(sd_bus_set_fd(bus, fds[0], fds[0]) >= 0);
                FUZZ_CHECK(sd_bus_start(bus) >= 0);
                FUZZ_CHECK(ipc_errors_register() >= 0);
        }
        if (size < 2)
                return 0;
        target = take8(&in) % _TARGET_MAX;
        if (take8(&in) == 0)
                sig = target_sig[target];
        else {
                const uint8_t *nul = memchr(in.p, 0, in.n);
                size_t k = nul ? (size_t) (nul - in.p) : in.n;

                if (k >= sizeof own)
                        return 0;
                memcpy(own, in.p, k);
                own[k] = 0;
                in.p += k + (nul ? 1 : 0);
                in.n -= k + (nul ? 1 : 0);
                sig = own;
        }
        m = new_msg();
        if (append_types(m, sig, strlen(sig), &in, 0) < 0) {
                sd_bus_message_unref(m);
                return 0;
        }
        seal(m);
        run_reader(target, m);
        sd_bus_message_unref(m);
        return 0;
}
