/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ipc.c: ipc/ipc.c, the typed marshalling of the D-Bus contract (issue 11 point 1):
 *   - every request, reply, row and Agent1 marshaller round-trips through a real sd_bus_message
 *     and the message carries exactly the signature ipc.h spells for it;
 *   - the trust-boundary readers (what verifierd receives: Submit, SubmitWithSummary,
 *     ProvidePin, Install; what provd receives: Inject, InjectOnModem) accept every field at its
 *     limit and refuse it one past (-EINVAL, -E2BIG);
 *   - a message of the wrong signature is refused with sd-bus' error (-ENXIO, -EBADMSG), never
 *     read as something else;
 *   - lists: rows until 0 at the end, a list of another kind is refused, at most
 *     IPC_SUMMARY_LINES_MAX summary lines per row (-E2BIG past it);
 *   - the error map: every errno the map names gives its name and reads back as its errno, one
 *     it does not name gets sd-bus' own name, and the default words of the named ones.
 * Messages are built on an unconnected peer bus (socketpair; nothing is sent), sealed and read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "macros.h"
#include "testutil.h"

static sd_bus *bus;
static int fds[2] = { -1, -1 };

static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
}

static void teardown(void) {
        bus = sd_bus_close_unref(bus);
        if (fds[1] >= 0)
                close(fds[1]);
        fds[0] = fds[1] = -1;
}

static sd_bus_message *new_msg(void) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_method_call(bus, &m, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                                        IPC_VERIFIER_INTERFACE, IPC_M_SUBMIT),
                         0);
        return m;
}

static sd_bus_message *sealed(sd_bus_message *m) {
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

/* sealed @m has exactly signature @sig */
static void assert_sig(sd_bus_message *m, const char *sig) {
        ck_assert_str_eq(sd_bus_message_get_signature(m, true), sig);
}

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);

        ck_assert_ptr_nonnull(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

static const uint8_t BODY[] = { 0x01, 0x06, 0x03, 0xc4, 0x00 };
#define MAC40 "0123456789abcdef0123456789ABCDEF01234567"

static IpcSubmit good_submit(void) {
        return (IpcSubmit) {
                .body = BODY,
                .body_size = sizeof BODY,
                .content_type = "application/vnd.wap.connectivity-wbxml",
                .sec = 0,
                .mac = MAC40,
                .sender = "+491701234567",
                .transport = "ofono",
                .received_usec = 1234567,
        };
}

/* Submit @s with @append, read it with @read. */
static int submit_round(const IpcSubmit *s, int (*append)(sd_bus_message *, const IpcSubmit *),
                        int (*read)(sd_bus_message *, IpcSubmit *), IpcSubmit *ret) {
        sd_bus_message *m = new_msg();
        int r;

        ck_assert_int_ge(append(m, s), 0);
        sealed(m);
        r = read(m, ret);
        /* the borrowed strings die with @m: callers look at sizes and counts only */
        sd_bus_message_unref(m);
        return r;
}

START_TEST(test_submit_round_trip) {
        IpcSubmit s = good_submit(), got;
        sd_bus_message *m = new_msg();

        ck_assert_int_ge(ipc_submit_append(m, &s), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_SUBMIT_IN);
        ck_assert_int_eq(ipc_submit_read(m, &got), 0);
        ck_assert_uint_eq(got.body_size, sizeof BODY);
        ck_assert_mem_eq(got.body, BODY, sizeof BODY);
        ck_assert_str_eq(got.content_type, s.content_type);
        ck_assert_int_eq(got.sec, 0);
        ck_assert_str_eq(got.mac, MAC40);
        ck_assert_str_eq(got.sender, s.sender);
        ck_assert_str_eq(got.transport, "ofono");
        ck_assert_uint_eq(got.received_usec, 1234567);
        ck_assert_str_eq(got.modem, "");
        ck_assert_uint_eq(got.n_summary, 0);
        sd_bus_message_unref(m);

        s.summary[0] = "NAPDEF internet";
        s.summary[1] = "+3 more not shown";
        s.n_summary = 2;
        s.modem = "/ril_0";
        m = new_msg();
        ck_assert_int_ge(ipc_submit_with_summary_append(m, &s), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_SUBMIT_WITH_SUMMARY_IN);
        ck_assert_int_eq(ipc_submit_with_summary_read(m, &got), 0);
        ck_assert_uint_eq(got.n_summary, 2);
        ck_assert_str_eq(got.summary[0], "NAPDEF internet");
        ck_assert_str_eq(got.summary[1], "+3 more not shown");
        ck_assert_str_eq(got.modem, "/ril_0");
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_submit_limits) {
        _cleanup_free_ uint8_t *big = calloc(1, IPC_BODY_MAX + 1);
        _cleanup_free_ char *sender = repeat('1', IPC_SENDER_MAX + 1), *ct = NULL, *line = NULL, *modem = NULL;
        IpcSubmit s, got;

        ck_assert_ptr_nonnull(big);
        /* body: 1..IPC_BODY_MAX */
        s = good_submit();
        s.body = big;
        s.body_size = IPC_BODY_MAX;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        s.body_size = IPC_BODY_MAX + 1;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -E2BIG);
        s.body_size = 0;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* sec: -1..3 */
        s = good_submit();
        s.sec = -1;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        s.sec = 3;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        s.sec = 4;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);
        s.sec = -2;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* mac: "" or exactly 40 hex digits */
        s = good_submit();
        s.mac = "";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        s.mac = MAC40 "0";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);
        s.mac = "0123456789abcdef0123456789ABCDEF0123456g";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* sender: printable, at most IPC_SENDER_MAX */
        s = good_submit();
        sender[IPC_SENDER_MAX] = 0;
        s.sender = sender;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        sender[IPC_SENDER_MAX] = '1';
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);
        s.sender = "a\nb";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* transport: only what provd may claim */
        s = good_submit();
        s.transport = "install";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* content type: 1..IPC_CONTENT_TYPE_MAX printable */
        s = good_submit();
        ct = repeat('x', IPC_CONTENT_TYPE_MAX + 1);
        ct[IPC_CONTENT_TYPE_MAX] = 0;
        s.content_type = ct;
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), 0);
        ct[IPC_CONTENT_TYPE_MAX] = 'x';
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);
        s.content_type = "";
        ck_assert_int_eq(submit_round(&s, ipc_submit_append, ipc_submit_read, &got), -EINVAL);

        /* summary: at most IPC_SUMMARY_LINES_MAX lines of 1..IPC_SUMMARY_LINE_MAX clean bytes */
        s = good_submit();
        line = repeat('l', IPC_SUMMARY_LINE_MAX + 1);
        line[IPC_SUMMARY_LINE_MAX] = 0;
        for (unsigned i = 0; i < IPC_SUMMARY_LINES_MAX; i++)
                s.summary[i] = line;
        s.n_summary = IPC_SUMMARY_LINES_MAX;
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got), 0);
        ck_assert_uint_eq(got.n_summary, IPC_SUMMARY_LINES_MAX);
        line[IPC_SUMMARY_LINE_MAX] = 'l';
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);
        line[IPC_SUMMARY_LINE_MAX] = 0;
        s.summary[3] = "";
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);
        s.summary[3] = "two\nlines";
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);
        s.summary[3] = "bidi \xe2\x80\xae override";
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);

        /* modem: "" or an object path of at most IPC_MODEM_MAX bytes */
        s = good_submit();
        modem = repeat('m', IPC_MODEM_MAX + 1);
        modem[0] = '/';
        modem[IPC_MODEM_MAX] = 0;
        s.modem = modem;
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got), 0);
        modem[IPC_MODEM_MAX] = 'm';
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);
        s.modem = "ril_0";
        ck_assert_int_eq(submit_round(&s, ipc_submit_with_summary_append, ipc_submit_with_summary_read, &got),
                         -EINVAL);
}
END_TEST

/* Submit's readers on messages of another shape: sd-bus' error, never a misread. */
START_TEST(test_submit_wrong_signature) {
        sd_bus_message *m;
        IpcSubmit got;
        IpcPin pin;

        /* a string where the body should be */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "ssisss" "t", "body", "ct", 0, "", "s", "ofono", (uint64_t) 1), 0);
        sealed(m);
        ck_assert_int_eq(ipc_submit_read(m, &got), -ENXIO);
        sd_bus_message_unref(m);

        /* Submit's arguments where SubmitWithSummary's are expected: the summary is missing */
        {
                IpcSubmit s = good_submit();

                m = new_msg();
                ck_assert_int_ge(ipc_submit_append(m, &s), 0);
                sealed(m);
                ck_assert_int_lt(ipc_submit_with_summary_read(m, &got), 0);
                sd_bus_message_unref(m);
        }

        /* an empty message */
        m = sealed(new_msg());
        ck_assert_int_lt(ipc_submit_read(m, &got), 0);
        sd_bus_message_unref(m);

        /* ProvidePin with the id as a string */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "ss", "1", "1234"), 0);
        sealed(m);
        ck_assert_int_eq(ipc_pin_read(m, &pin), -ENXIO);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_pin) {
        _cleanup_free_ char *digits = repeat('7', IPC_PIN_MAX + 1);
        sd_bus_message *m;
        IpcPin got;

        m = new_msg();
        ck_assert_int_ge(ipc_pin_append(m, &(IpcPin) { .id = 42, .pin = "1234" }), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_PROVIDE_PIN_IN);
        ck_assert_int_eq(ipc_pin_read(m, &got), 0);
        ck_assert_uint_eq(got.id, 42);
        ck_assert_str_eq(got.pin, "1234");
        sd_bus_message_unref(m);

        const struct {
                const char *pin;
                int want;
        } cases[] = {
                { "0", 0 }, { "", -EINVAL }, { "12a4", -EINVAL }, { "12 4", -EINVAL }, { "-1", -EINVAL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                m = new_msg();
                ck_assert_int_ge(ipc_pin_append(m, &(IpcPin) { .id = 1, .pin = cases[i].pin }), 0);
                sealed(m);
                ck_assert_int_eq(ipc_pin_read(m, &got), cases[i].want);
                sd_bus_message_unref(m);
        }
        /* IPC_PIN_MAX digits, and one more */
        for (int extra = 0; extra <= 1; extra++) {
                digits[IPC_PIN_MAX] = extra ? '7' : 0;
                m = new_msg();
                ck_assert_int_ge(ipc_pin_append(m, &(IpcPin) { .id = 1, .pin = digits }), 0);
                sealed(m);
                ck_assert_int_eq(ipc_pin_read(m, &got), extra ? -EINVAL : 0);
                sd_bus_message_unref(m);
        }
}
END_TEST

START_TEST(test_verdict) {
        IpcVerdict v = { .id = 9, .verdict = "applied", .reason = "", .roles = 12 }, got;
        sd_bus_message *m;

        for (int with_id = 0; with_id <= 1; with_id++) {
                m = new_msg();
                ck_assert_int_ge(ipc_verdict_append(m, &v, with_id), 0);
                sealed(m);
                assert_sig(m, with_id ? IPC_SIG_SUBMIT_OUT : IPC_SIG_VERDICT_OUT);
                ck_assert_int_eq(ipc_verdict_read(m, &got, with_id), 0);
                ck_assert_uint_eq(got.id, with_id ? 9 : 0);
                ck_assert_str_eq(got.verdict, "applied");
                ck_assert_str_eq(got.reason, "");
                ck_assert_uint_eq(got.roles, 12);
                sd_bus_message_unref(m);
        }
        ck_assert_str_eq(IPC_SIG_VERDICT_SIGNAL, IPC_SIG_SUBMIT_OUT);

        /* a verdict or reason outside the vocabulary: -EBADMSG */
        v.verdict = "maybe";
        m = new_msg();
        ck_assert_int_ge(ipc_verdict_append(m, &v, true), 0);
        sealed(m);
        ck_assert_int_eq(ipc_verdict_read(m, &got, true), -EBADMSG);
        sd_bus_message_unref(m);
        v.verdict = "rejected";
        v.reason = "because";
        m = new_msg();
        ck_assert_int_ge(ipc_verdict_append(m, &v, true), 0);
        sealed(m);
        ck_assert_int_eq(ipc_verdict_read(m, &got, true), -EBADMSG);
        sd_bus_message_unref(m);

        /* with the id where none is expected */
        v.reason = "bad-mac";
        m = new_msg();
        ck_assert_int_ge(ipc_verdict_append(m, &v, true), 0);
        sealed(m);
        ck_assert_int_eq(ipc_verdict_read(m, &got, false), -ENXIO);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_inject) {
        _cleanup_free_ uint8_t *big = calloc(1, IPC_INJECT_MAX + 1);
        IpcInject in = { .data = BODY, .size = sizeof BODY, .format = "wsp", .modem = "/ril_1" }, got;
        sd_bus_message *m;

        ck_assert_ptr_nonnull(big);
        m = new_msg();
        ck_assert_int_ge(ipc_inject_append(m, &in), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_INJECT_IN);
        ck_assert_int_eq(ipc_inject_read(m, &got), 0);
        ck_assert_uint_eq(got.size, sizeof BODY);
        ck_assert_str_eq(got.format, "wsp");
        ck_assert_str_eq(got.modem, "");
        sd_bus_message_unref(m);

        m = new_msg();
        ck_assert_int_ge(ipc_inject_on_modem_append(m, &in), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_INJECT_ON_MODEM_IN);
        ck_assert_int_eq(ipc_inject_on_modem_read(m, &got), 0);
        ck_assert_str_eq(got.modem, "/ril_1");
        sd_bus_message_unref(m);

        in.data = big;
        for (int extra = 0; extra <= 1; extra++) {
                in.size = IPC_INJECT_MAX + extra;
                m = new_msg();
                ck_assert_int_ge(ipc_inject_append(m, &in), 0);
                sealed(m);
                ck_assert_int_eq(ipc_inject_read(m, &got), extra ? -E2BIG : 0);
                sd_bus_message_unref(m);
        }
        in.size = 0;
        m = new_msg();
        ck_assert_int_ge(ipc_inject_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_read(m, &got), -EINVAL);
        sd_bus_message_unref(m);
        in.size = 1;
        in.format = "png";
        m = new_msg();
        ck_assert_int_ge(ipc_inject_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_read(m, &got), -EINVAL);
        sd_bus_message_unref(m);
        in.format = "auto";
        in.modem = "not a path";
        m = new_msg();
        ck_assert_int_ge(ipc_inject_on_modem_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_on_modem_read(m, &got), -EINVAL);
        sd_bus_message_unref(m);

        /* provd's second look: any size (it answers that with a verdict), format and modem checked */
        in.modem = "/ril_0";
        in.size = IPC_INJECT_MAX + 1;
        for (int on = 0; on <= 1; on++) {
                m = new_msg();
                ck_assert_int_ge(on ? ipc_inject_on_modem_append(m, &in) : ipc_inject_append(m, &in), 0);
                sealed(m);
                ck_assert_int_eq(ipc_inject_read_any_size(m, on, &got), 0);
                ck_assert_uint_eq(got.size, IPC_INJECT_MAX + 1);
                ck_assert_str_eq(got.modem, on ? "/ril_0" : "");
                sd_bus_message_unref(m);
        }
        in.size = 0;
        m = new_msg();
        ck_assert_int_ge(ipc_inject_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_read_any_size(m, false, &got), 0);
        ck_assert_uint_eq(got.size, 0);
        sd_bus_message_unref(m);
        in.modem = "not a path";
        m = new_msg();
        ck_assert_int_ge(ipc_inject_on_modem_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_read_any_size(m, true, &got), -EDOM);
        sd_bus_message_unref(m);
        in.format = "png";
        m = new_msg();
        ck_assert_int_ge(ipc_inject_on_modem_append(m, &in), 0);
        sealed(m);
        ck_assert_int_eq(ipc_inject_read_any_size(m, true, &got), -EINVAL);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_small_requests) {
        _cleanup_free_ uint8_t *big = calloc(1, IPC_PACKAGE_MAX + 1);
        sd_bus_message *m;
        const char *path;
        IpcInstall inst;
        uint64_t id;
        uint32_t max;

        ck_assert_ptr_nonnull(big);
        m = new_msg();
        ck_assert_int_ge(ipc_id_append(m, UINT64_MAX), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_ID_IN);
        ck_assert_int_eq(ipc_id_read(m, &id), 0);
        ck_assert_uint_eq(id, UINT64_MAX);
        sd_bus_message_unref(m);

        /* GetHistory's max: 0 and past IPC_HISTORY_MAX read as IPC_HISTORY_MAX */
        const uint32_t maxes[][2] = { { 5, 5 }, { 0, IPC_HISTORY_MAX }, { IPC_HISTORY_MAX, IPC_HISTORY_MAX },
                                      { IPC_HISTORY_MAX + 1, IPC_HISTORY_MAX } };
        for (size_t i = 0; i < ELEMENTSOF(maxes); i++) {
                m = new_msg();
                ck_assert_int_ge(ipc_history_request_append(m, maxes[i][0]), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_HISTORY_IN);
                ck_assert_int_eq(ipc_history_request_read(m, &max), 0);
                ck_assert_uint_eq(max, maxes[i][1]);
                sd_bus_message_unref(m);
        }

        m = new_msg();
        ck_assert_int_ge(ipc_agent_path_append(m, "/org/provboot/Agent"), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_AGENT_PATH_IN);
        ck_assert_int_eq(ipc_agent_path_read(m, &path), 0);
        ck_assert_str_eq(path, "/org/provboot/Agent");
        sd_bus_message_unref(m);
        /* a string is not an object path */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "s", "/org/provboot/Agent"), 0);
        sealed(m);
        ck_assert_int_eq(ipc_agent_path_read(m, &path), -ENXIO);
        sd_bus_message_unref(m);

        /* Install: 1..IPC_PACKAGE_MAX bytes */
        for (size_t size = IPC_PACKAGE_MAX; size <= IPC_PACKAGE_MAX + 1; size++) {
                m = new_msg();
                ck_assert_int_ge(ipc_install_append(m, &(IpcInstall) { .package = big, .size = size }), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_INSTALL_IN);
                ck_assert_int_eq(ipc_install_read(m, &inst), size > IPC_PACKAGE_MAX ? -E2BIG : 0);
                sd_bus_message_unref(m);
        }
        ck_assert_uint_eq(inst.size, IPC_PACKAGE_MAX);
        m = new_msg();
        ck_assert_int_ge(ipc_install_append(m, &(IpcInstall) { .package = big, .size = 0 }), 0);
        sealed(m);
        ck_assert_int_eq(ipc_install_read(m, &inst), -EINVAL);
        sd_bus_message_unref(m);
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "s", "package"), 0);
        sealed(m);
        ck_assert_int_eq(ipc_install_read(m, &inst), -ENXIO);
        sd_bus_message_unref(m);
}
END_TEST

/* The DM route's marshallers: DmConnect's server id (1..IPC_DM_SERVER_ID_MAX printable bytes),
 * its reply (result and reason tokens), SubmitDmNotification (1..IPC_DM_NOTIFICATION_MAX bytes,
 * sender and transport as Submit's). */
START_TEST(test_dm) {
        uint8_t data[IPC_DM_NOTIFICATION_MAX + 1] = { 1, 2, 3 };
        char id[IPC_DM_SERVER_ID_MAX + 2];
        IpcDmNotification n;
        IpcDmResult res;
        const char *got;
        sd_bus_message *m;

        for (size_t len = IPC_DM_SERVER_ID_MAX; len <= IPC_DM_SERVER_ID_MAX + 1; len++) {
                memset(id, 'a', len);
                id[len] = 0;
                m = new_msg();
                ck_assert_int_ge(ipc_dm_connect_append(m, id), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_DM_CONNECT_IN);
                ck_assert_int_eq(ipc_dm_connect_read(m, &got), len > IPC_DM_SERVER_ID_MAX ? -EINVAL : 0);
                sd_bus_message_unref(m);
        }
        const char *bad_ids[] = { "", "a\nb", "a\x01" };
        for (size_t i = 0; i < ELEMENTSOF(bad_ids); i++) {
                m = new_msg();
                ck_assert_int_ge(ipc_dm_connect_append(m, bad_ids[i]), 0);
                sealed(m);
                ck_assert_int_eq(ipc_dm_connect_read(m, &got), -EINVAL);
                sd_bus_message_unref(m);
        }

        m = new_msg();
        ck_assert_int_ge(ipc_dm_result_append(m, &(IpcDmResult) { .result = "failed", .reason = "tls-failed",
                                                                  .executed = 3, .denied = 2 }), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_DM_CONNECT_OUT);
        ck_assert_int_eq(ipc_dm_result_read(m, &res), 0);
        ck_assert_str_eq(res.result, "failed");
        ck_assert_str_eq(res.reason, "tls-failed");
        ck_assert_uint_eq(res.executed, 3);
        ck_assert_uint_eq(res.denied, 2);
        sd_bus_message_unref(m);
        const char *bad[][2] = { { "done", "" }, { "completed", "bad-mac" }, { "failed", "TLS-FAILED" } };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                m = new_msg();
                ck_assert_int_ge(sd_bus_message_append(m, "ssuu", bad[i][0], bad[i][1], 0, 0), 0);
                sealed(m);
                ck_assert_int_eq(ipc_dm_result_read(m, &res), -EBADMSG);
                sd_bus_message_unref(m);
        }

        for (size_t len = IPC_DM_NOTIFICATION_MAX; len <= IPC_DM_NOTIFICATION_MAX + 1; len++) {
                m = new_msg();
                ck_assert_int_ge(ipc_dm_notification_append(m, &(IpcDmNotification) { .data = data, .size = len,
                                                                                     .sender = "+49170",
                                                                                     .transport = "ofono" }), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_SUBMIT_DM_NOTIFICATION_IN);
                ck_assert_int_eq(ipc_dm_notification_read(m, &n), len > IPC_DM_NOTIFICATION_MAX ? -E2BIG : 0);
                if (len == IPC_DM_NOTIFICATION_MAX) {
                        /* borrowed from the message: checked before it goes */
                        ck_assert_uint_eq(n.size, IPC_DM_NOTIFICATION_MAX);
                        ck_assert_str_eq(n.transport, "ofono");
                        ck_assert_str_eq(n.sender, "+49170");
                }
                sd_bus_message_unref(m);
        }
        const IpcDmNotification refused[] = {
                { .data = data, .size = 0, .sender = "", .transport = "inject" },
                { .data = data, .size = 3, .sender = "a\nb", .transport = "inject" },
                { .data = data, .size = 3, .sender = "", .transport = "install" },
        };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                m = new_msg();
                ck_assert_int_ge(ipc_dm_notification_append(m, &refused[i]), 0);
                sealed(m);
                ck_assert_int_eq(ipc_dm_notification_read(m, &n), -EINVAL);
                sd_bus_message_unref(m);
        }
}
END_TEST

/* Every list's row signature is the one its method's out signature is made of. */
START_TEST(test_list_signatures) {
        const struct {
                IpcList l;
                const char *out;
        } t[] = {
                { IPC_LIST_PENDING, IPC_SIG_LIST_PENDING_OUT },  { IPC_LIST_HISTORY, IPC_SIG_HISTORY_OUT },
                { IPC_LIST_SETTINGS, IPC_SIG_SETTINGS_OUT },     { IPC_LIST_ACCOUNTS, IPC_SIG_ACCOUNTS_OUT },
                { IPC_LIST_POLICY, IPC_SIG_POLICY_OUT },         { IPC_LIST_CERTIFICATES, IPC_SIG_CERTIFICATES_OUT },
                { IPC_LIST_EXPORTS, IPC_SIG_EXPORTS_OUT },       { IPC_LIST_DOCUMENT, IPC_SIG_PENDING_DOCUMENT_OUT },
                { IPC_LIST_POLICY_SOURCES, IPC_SIG_POLICY_SOURCES_OUT },
        };
        char buf[64];

        ck_assert_int_eq(ELEMENTSOF(t), _IPC_LIST_MAX);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                snprintf(buf, sizeof buf, "a%s", ipc_list_item_signature(t[i].l));
                ck_assert_str_eq(buf, t[i].out);
        }
        ck_assert_ptr_null(ipc_list_item_signature(_IPC_LIST_MAX));
        ck_assert_str_eq(IPC_SIG_PUSH_OUT, IPC_SIG_PUSH_ITEM);
}
END_TEST

/* Append @n rows of @list with @append_row, check the message's signature, read them back with
 * @read_row and run @check on each (got_, want_), then expect the end of the list. */
#define ROUND_TRIP(list, Type, append_row, read_row, rows, n, check)                  \
        do {                                                                            \
                sd_bus_message *m_ = new_msg();                                         \
                volatile size_t n_ = (n);                                               \
                Type got_;                                                              \
                ck_assert_int_ge(ipc_list_open(m_, list), 0);                           \
                for (size_t i_ = 0; i_ < n_; i_++)                                      \
                        ck_assert_int_ge(append_row(m_, &(rows)[i_]), 0);               \
                ck_assert_int_ge(ipc_list_close(m_), 0);                                \
                sealed(m_);                                                             \
                snprintf(sig_, sizeof sig_, "a%s", ipc_list_item_signature(list));       \
                assert_sig(m_, sig_);                                                   \
                ck_assert_int_eq(ipc_list_enter(m_, list), 0);                          \
                for (size_t i_ = 0; i_ < n_; i_++) {                                    \
                        const Type *want_ = &(rows)[i_];                                \
                        (void) want_;                                                   \
                        ck_assert_int_eq(read_row(m_, &got_), 1);                       \
                        check;                                                          \
                }                                                                       \
                ck_assert_int_eq(read_row(m_, &got_), 0);                               \
                ck_assert_int_ge(ipc_list_exit(m_), 0);                                 \
                sd_bus_message_unref(m_);                                               \
        } while (0)

START_TEST(test_rows) {
        char sig_[64];
        IpcPendingRow pending[2] = {
                { .id = 1, .sender = "+49", .sec = "NETWPIN", .waiting = "needs-pin", .received_usec = 2,
                  .expires_usec = 3,
                  .summary = { .lines = { "(unverified) NAPDEF a", "(unverified) +1 more" }, .n = 2 } },
                { .id = 4, .sender = NULL, .sec = "USERPIN", .waiting = "needs-confirmation" },
        };
        IpcPushRow pushes[2] = {
                { .id = 1, .time_usec = 5, .sender = "s", .transport = "ofono", .sec = "NETWPIN", .verdict = "applied",
                  .reason = "", .roles = 4, .denied = "", .digest = "ab" },
                { .id = 2 },
        };
        IpcSettingRow settings[1] = { { .path = "/NAPDEF[NAPID=x]", .name = "NAP-ADDRESS", .value = "apn", .roles = 1,
                                        .push_id = 9 } };
        IpcAccountRow accounts[1] = { { .server_id = "srv", .name = "n", .address = "https://dm", .roles = 4,
                                        .push_id = 3 } };
        IpcPolicyRow policy[2] = { { .key = "Bootstrap.Enabled", .value = "yes" }, { .key = "k" } };
        IpcCertificateRow certs[1] = { { .thumbprint = "AB", .subject = "CN=x", .store = "SPC", .source = "push",
                                         .roles = 8, .expiry = "2030", .push_id = 7 } };
        IpcExportRow exports[1] = { { .root = "/NAPDEF[NAPID=x]", .exporter = "NetworkManager", .state = "exported",
                                      .detail = "f.nmconnection" } };
        IpcPolicySourceRow sources[2] = { { .key = "Bootstrap.Enabled", .source = "over-the-air", .locked = false,
                                            .push_id = 12 },
                                          { .key = "Policy.GrantManager", .source = "file", .locked = true } };
        IpcDocumentRow doc[1] = { { .group = "NAPDEF", .path = "/NAPDEF", .name = "NAP-ADDRESS", .change = "added",
                                    .value = "apn", .old_value = "" } };

#define S(x) ((x) ? (x) : "")
        ROUND_TRIP(IPC_LIST_PENDING, IpcPendingRow, ipc_pending_row_append, ipc_pending_row_read, pending, 2, {
                ck_assert_uint_eq(got_.id, want_->id);
                ck_assert_str_eq(got_.sender, S(want_->sender));
                ck_assert_str_eq(got_.sec, want_->sec);
                ck_assert_str_eq(got_.waiting, want_->waiting);
                ck_assert_uint_eq(got_.received_usec, want_->received_usec);
                ck_assert_uint_eq(got_.expires_usec, want_->expires_usec);
                ck_assert_uint_eq(got_.summary.n, want_->summary.n);
                for (unsigned k = 0; k < got_.summary.n; k++)
                        ck_assert_str_eq(got_.summary.lines[k], want_->summary.lines[k]);
        });
        ROUND_TRIP(IPC_LIST_HISTORY, IpcPushRow, ipc_push_row_append, ipc_push_row_read, pushes, 2, {
                ck_assert_uint_eq(got_.id, want_->id);
                ck_assert_uint_eq(got_.time_usec, want_->time_usec);
                ck_assert_str_eq(got_.sender, S(want_->sender));
                ck_assert_str_eq(got_.transport, S(want_->transport));
                ck_assert_str_eq(got_.sec, S(want_->sec));
                ck_assert_str_eq(got_.verdict, S(want_->verdict));
                ck_assert_str_eq(got_.reason, S(want_->reason));
                ck_assert_uint_eq(got_.roles, want_->roles);
                ck_assert_str_eq(got_.denied, S(want_->denied));
                ck_assert_str_eq(got_.digest, S(want_->digest));
        });
        ROUND_TRIP(IPC_LIST_SETTINGS, IpcSettingRow, ipc_setting_row_append, ipc_setting_row_read, settings, 1, {
                ck_assert_str_eq(got_.path, want_->path);
                ck_assert_str_eq(got_.name, want_->name);
                ck_assert_str_eq(got_.value, want_->value);
                ck_assert_uint_eq(got_.roles, want_->roles);
                ck_assert_uint_eq(got_.push_id, want_->push_id);
        });
        ROUND_TRIP(IPC_LIST_ACCOUNTS, IpcAccountRow, ipc_account_row_append, ipc_account_row_read, accounts, 1, {
                ck_assert_str_eq(got_.server_id, want_->server_id);
                ck_assert_str_eq(got_.name, want_->name);
                ck_assert_str_eq(got_.address, want_->address);
                ck_assert_uint_eq(got_.roles, want_->roles);
                ck_assert_uint_eq(got_.push_id, want_->push_id);
        });
        ROUND_TRIP(IPC_LIST_POLICY, IpcPolicyRow, ipc_policy_row_append, ipc_policy_row_read, policy, 2, {
                ck_assert_str_eq(got_.key, want_->key);
                ck_assert_str_eq(got_.value, S(want_->value));
        });
        ROUND_TRIP(IPC_LIST_CERTIFICATES, IpcCertificateRow, ipc_certificate_row_append, ipc_certificate_row_read,
                   certs, 1, {
                           ck_assert_str_eq(got_.thumbprint, want_->thumbprint);
                           ck_assert_str_eq(got_.subject, want_->subject);
                           ck_assert_str_eq(got_.store, want_->store);
                           ck_assert_str_eq(got_.source, want_->source);
                           ck_assert_uint_eq(got_.roles, want_->roles);
                           ck_assert_str_eq(got_.expiry, want_->expiry);
                           ck_assert_uint_eq(got_.push_id, want_->push_id);
                   });
        ROUND_TRIP(IPC_LIST_EXPORTS, IpcExportRow, ipc_export_row_append, ipc_export_row_read, exports, 1, {
                ck_assert_str_eq(got_.root, want_->root);
                ck_assert_str_eq(got_.exporter, want_->exporter);
                ck_assert_str_eq(got_.state, want_->state);
                ck_assert_str_eq(got_.detail, want_->detail);
        });
        ROUND_TRIP(IPC_LIST_DOCUMENT, IpcDocumentRow, ipc_document_row_append, ipc_document_row_read, doc, 1, {
                ck_assert_str_eq(got_.group, want_->group);
                ck_assert_str_eq(got_.path, want_->path);
                ck_assert_str_eq(got_.name, want_->name);
                ck_assert_str_eq(got_.change, want_->change);
                ck_assert_str_eq(got_.value, want_->value);
                ck_assert_str_eq(got_.old_value, want_->old_value);
        });
        ROUND_TRIP(IPC_LIST_POLICY_SOURCES, IpcPolicySourceRow, ipc_policy_source_row_append,
                   ipc_policy_source_row_read, sources, 2, {
                           ck_assert_str_eq(got_.key, want_->key);
                           ck_assert_str_eq(got_.source, want_->source);
                           ck_assert_int_eq(got_.locked, want_->locked);
                           ck_assert_uint_eq(got_.push_id, want_->push_id);
                   });
        /* an empty list: no row, at once */
        ROUND_TRIP(IPC_LIST_POLICY, IpcPolicyRow, ipc_policy_row_append, ipc_policy_row_read, policy, 0, {});
#undef S

        /* ResetPolicy's count */
        {
                sd_bus_message *m = new_msg();
                uint32_t n = 0;

                ck_assert_int_ge(ipc_reset_policy_reply_append(m, 3), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_RESET_POLICY_OUT);
                ck_assert_int_eq(ipc_reset_policy_reply_read(m, &n), 0);
                ck_assert_uint_eq(n, 3);
                sd_bus_message_unref(m);
        }

        /* GetPush: one push row, not in a list */
        {
                sd_bus_message *m = new_msg();
                IpcPushRow got;

                ck_assert_int_ge(ipc_push_row_append(m, &pushes[0]), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_PUSH_OUT);
                ck_assert_int_eq(ipc_push_row_read(m, &got), 1);
                ck_assert_str_eq(got.digest, "ab");
                sd_bus_message_unref(m);
        }
}
END_TEST

START_TEST(test_rows_refused) {
        sd_bus_message *m;
        IpcPendingRow row;

        /* a list of settings is not a list of accounts' shape... it is the same shape (sssut) */
        ck_assert_str_eq(ipc_list_item_signature(IPC_LIST_SETTINGS), ipc_list_item_signature(IPC_LIST_ACCOUNTS));

        /* ...but a list of policy rows is not a pending list */
        m = new_msg();
        ck_assert_int_ge(ipc_list_open(m, IPC_LIST_POLICY), 0);
        ck_assert_int_ge(ipc_policy_row_append(m, &(IpcPolicyRow) { "k", "v" }), 0);
        ck_assert_int_ge(ipc_list_close(m), 0);
        sealed(m);
        ck_assert_int_eq(ipc_list_enter(m, IPC_LIST_PENDING), -ENXIO);
        ck_assert_int_eq(ipc_list_enter(m, IPC_LIST_ACCOUNTS), -ENXIO);
        sd_bus_message_unref(m);

        /* no list at all */
        m = sealed(new_msg());
        ck_assert_int_eq(ipc_list_enter(m, IPC_LIST_PENDING), -ENXIO);
        sd_bus_message_unref(m);
        m = new_msg();
        ck_assert_int_eq(ipc_list_open(m, _IPC_LIST_MAX), -EINVAL);
        sd_bus_message_unref(m);

        /* IPC_SUMMARY_LINES_MAX summary lines in a row, and one more */
        for (unsigned n = IPC_SUMMARY_LINES_MAX; n <= IPC_SUMMARY_LINES_MAX + 1; n++) {
                m = new_msg();
                ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "(tsssttas)"), 0);
                ck_assert_int_ge(sd_bus_message_open_container(m, 'r', "tsssttas"), 0);
                ck_assert_int_ge(sd_bus_message_append(m, "tssstt", (uint64_t) 1, "s", "NETWPIN", "needs-pin",
                                                       (uint64_t) 1, (uint64_t) 2),
                                 0);
                ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "s"), 0);
                for (unsigned i = 0; i < n; i++)
                        ck_assert_int_ge(sd_bus_message_append(m, "s", "line"), 0);
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
                ck_assert_int_ge(sd_bus_message_close_container(m), 0);
                sealed(m);
                ck_assert_int_eq(ipc_list_enter(m, IPC_LIST_PENDING), 0);
                ck_assert_int_eq(ipc_pending_row_read(m, &row), n > IPC_SUMMARY_LINES_MAX ? -E2BIG : 1);
                if (n == IPC_SUMMARY_LINES_MAX)
                        ck_assert_uint_eq(row.summary.n, n);
                sd_bus_message_unref(m);
        }
}
END_TEST

START_TEST(test_agent) {
        IpcAgentRequest req = { .id = 5, .sender = "+49", .summary = { .lines = { "(unverified) a", "b" }, .n = 2 } },
                        got;
        sd_bus_message *m;
        const char *pin;
        bool ok;

        m = new_msg();
        ck_assert_int_ge(ipc_agent_request_append(m, &req), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_AGENT_REQUEST_IN);
        ck_assert_int_eq(ipc_agent_request_read(m, &got), 0);
        ck_assert_uint_eq(got.id, 5);
        ck_assert_str_eq(got.sender, "+49");
        ck_assert_uint_eq(got.summary.n, 2);
        ck_assert_str_eq(got.summary.lines[1], "b");
        sd_bus_message_unref(m);

        /* more lines than a reader keeps */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "ts", (uint64_t) 1, "x"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "s"), 0);
        for (unsigned i = 0; i <= IPC_SUMMARY_LINES_MAX; i++)
                ck_assert_int_ge(sd_bus_message_append(m, "s", "l"), 0);
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        sealed(m);
        ck_assert_int_eq(ipc_agent_request_read(m, &got), -E2BIG);
        sd_bus_message_unref(m);

        m = new_msg();
        ck_assert_int_ge(ipc_agent_pin_append(m, "0000"), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_AGENT_PIN_OUT);
        ck_assert_int_eq(ipc_agent_pin_read(m, &pin), 0);
        ck_assert_str_eq(pin, "0000");
        sd_bus_message_unref(m);
        m = new_msg();
        ck_assert_int_ge(ipc_agent_pin_append(m, ""), 0);
        sealed(m);
        ck_assert_int_eq(ipc_agent_pin_read(m, &pin), -EINVAL);
        sd_bus_message_unref(m);

        for (int yes = 0; yes <= 1; yes++) {
                m = new_msg();
                ck_assert_int_ge(ipc_agent_confirmation_append(m, yes), 0);
                sealed(m);
                assert_sig(m, IPC_SIG_AGENT_CONFIRMATION_OUT);
                ck_assert_int_eq(ipc_agent_confirmation_read(m, &ok), 0);
                ck_assert_int_eq(ok, yes);
                sd_bus_message_unref(m);
        }
        /* a PIN where a yes/no is expected */
        m = new_msg();
        ck_assert_int_ge(ipc_agent_pin_append(m, "1"), 0);
        sealed(m);
        ck_assert_int_eq(ipc_agent_confirmation_read(m, &ok), -ENXIO);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_error_map) {
        const struct {
                int code;
                const char *name;
                const char *words;      /* default message, NULL: strerror */
                int reads_as;           /* what a client reads */
        } t[] = {
                { EACCES, IPC_ERROR_ACCESS_DENIED, NULL, EACCES },
                { EINVAL, IPC_ERROR_INVALID_ARGS, NULL, EINVAL },
                { EKEYREJECTED, IPC_ERROR_AUTH_FAILED, IPC_AUTH_FAILED_MESSAGE, EKEYREJECTED },
                { ESRCH, IPC_ERROR_NO_SUCH_PUSH, "No such pending push", ESRCH },
                { EBUSY, IPC_ERROR_WRONG_STATE, "The push is not waiting for this", EBUSY },
                { ENOSPC, IPC_ERROR_LIMIT, NULL, ENOSPC },
                { EBADMSG, IPC_ERROR_MALFORMED, NULL, EBADMSG },
                { E2BIG, IPC_ERROR_TOO_BIG, NULL, E2BIG },
                { EEXIST, IPC_ERROR_AGENT_EXISTS, NULL, EEXIST },
                { EHOSTUNREACH, IPC_ERROR_UNAVAILABLE, NULL, EHOSTUNREACH },
                { ENOKEY, IPC_ERROR_UNAVAILABLE, "The SIM's IMSI is not known", EHOSTUNREACH },
        };

        ck_assert_int_eq(ipc_errors_register(), 0);
        ck_assert_int_eq(ipc_errors_register(), 0); /* idempotent */
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;

                ck_assert_int_eq(ipc_error_set(&e, -t[i].code, NULL), -t[i].code);
                ck_assert_str_eq(e.name, t[i].name);
                ck_assert_str_eq(e.message, t[i].words ? t[i].words : strerror(t[i].code));
                ck_assert_int_eq(sd_bus_error_get_errno(&e), t[i].reads_as);
                /* the caller's words win */
                ck_assert_int_eq(ipc_error_setf(&e2, -t[i].code, "push %d", 7), -t[i].code);
                ck_assert_str_eq(e2.name, t[i].name);
                ck_assert_str_eq(e2.message, "push 7");
        }
        /* an errno the map does not name: sd-bus' own name, still that errno */
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                ck_assert_int_eq(ipc_error_set(&e, -ENOMEM, NULL), -ENOMEM);
                ck_assert_str_eq(e.name, SD_BUS_ERROR_NO_MEMORY);
                ck_assert_int_eq(sd_bus_error_get_errno(&e), ENOMEM);
        }
        {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                ck_assert_int_eq(ipc_error_set(&e, -EDOM, "out of range"), -EDOM);
                ck_assert_str_eq(e.message, "out of range");
                ck_assert_int_eq(sd_bus_error_get_errno(&e), EDOM);
        }
}
END_TEST

/* ---- Dialer1 (begin) ---- */

START_TEST(test_dial) {
        _cleanup_free_ char *at = repeat('a', IPC_DIAL_HOST_MAX), *past = repeat('a', IPC_DIAL_HOST_MAX + 1);
        const char *bad[] = { "", "a b", "[::1]", "dm.test:443", "-a.test", "a..b", "0x7f.1", "1.2.3", "a.test." };
        sd_bus_message *m;
        IpcDial d = {};
        int fd, sp[2];

        /* round trip, signature */
        m = new_msg();
        ck_assert_int_ge(ipc_dial_append(m, &(IpcDial) { .host = "dm.example.com", .port = 443, .allow_loopback = true }), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_DIAL_IN);
        ck_assert_int_eq(ipc_dial_read(m, &d), 0);
        ck_assert_str_eq(d.host, "dm.example.com");
        ck_assert_uint_eq(d.port, 443);
        ck_assert(d.allow_loopback);
        sd_bus_message_unref(m);
        /* host: IPC_DIAL_HOST_MAX at (labels of 63 are not the point here: make it one valid name) */
        for (size_t i = 63; i < IPC_DIAL_HOST_MAX; i += 64)
                at[i] = '.';
        m = new_msg();
        ck_assert_int_ge(ipc_dial_append(m, &(IpcDial) { .host = at, .port = 1 }), 0);
        sealed(m);
        ck_assert_int_eq(ipc_dial_read(m, &d), 0);
        ck_assert(!d.allow_loopback);
        sd_bus_message_unref(m);
        /* ... and one byte past */
        m = new_msg();
        ck_assert_int_ge(ipc_dial_append(m, &(IpcDial) { .host = past, .port = 1 }), 0);
        sealed(m);
        ck_assert_int_eq(ipc_dial_read(m, &d), -E2BIG);
        sd_bus_message_unref(m);
        /* not a host name or address literal; port 0 */
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                m = new_msg();
                ck_assert_int_ge(ipc_dial_append(m, &(IpcDial) { .host = bad[i], .port = 443 }), 0);
                sealed(m);
                ck_assert_msg(ipc_dial_read(m, &d) == -EINVAL, "'%s'", bad[i]);
                sd_bus_message_unref(m);
        }
        m = new_msg();
        ck_assert_int_ge(ipc_dial_append(m, &(IpcDial) { .host = "::1", .port = 0 }), 0);
        sealed(m);
        ck_assert_int_eq(ipc_dial_read(m, &d), -EINVAL);
        sd_bus_message_unref(m);
        /* wrong signature */
        m = new_msg();
        ck_assert_int_ge(sd_bus_message_append(m, "sub", "dm.test", 443U, 0), 0);
        sealed(m);
        ck_assert_int_lt(ipc_dial_read(m, &d), 0);
        sd_bus_message_unref(m);

        /* the reply: one fd, borrowed by the reader */
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
        m = new_msg();
        ck_assert_int_eq(ipc_dial_reply_append(m, -1), -EBADF);
        ck_assert_int_ge(ipc_dial_reply_append(m, sp[0]), 0);
        sealed(m);
        assert_sig(m, IPC_SIG_DIAL_OUT);
        ck_assert_int_eq(ipc_dial_reply_read(m, &fd), 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_ne(fd, sp[0]);            /* the message holds its own duplicate */
        ck_assert_int_eq(write(fd, "x", 1), 1);
        {
                char c;

                ck_assert_int_eq(read(sp[1], &c, 1), 1);
                ck_assert_int_eq(c, 'x');
        }
        sd_bus_message_unref(m);
        close(sp[0]);
        close(sp[1]);
}
END_TEST

START_TEST(test_dial_errors) {
        const struct {
                int code;
                const char *name;
                int reads_as;
        } t[] = {
                { EADDRNOTAVAIL, IPC_ERROR_ADDRESS_REFUSED, EADDRNOTAVAIL },
                { ETIMEDOUT, IPC_ERROR_TIMEOUT, ETIMEDOUT },
                { ECONNREFUSED, IPC_ERROR_CONNECT_FAILED, ECONNREFUSED },
                { ENETUNREACH, IPC_ERROR_CONNECT_FAILED, ECONNREFUSED },
                { ECONNRESET, IPC_ERROR_CONNECT_FAILED, ECONNREFUSED },
                { ENXIO, IPC_ERROR_CONNECT_FAILED, ECONNREFUSED },
        };

        ck_assert_int_eq(ipc_errors_register(), 0);
        ck_assert_str_eq(IPC_ERROR_ADDRESS_REFUSED, "org.provboot.Error.AddressRefused");
        ck_assert_str_eq(IPC_ERROR_TIMEOUT, "org.provboot.Error.Timeout");
        ck_assert_str_eq(IPC_ERROR_CONNECT_FAILED, "org.provboot.Error.ConnectFailed");
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                ck_assert_int_eq(ipc_error_set(&e, -t[i].code, NULL), -t[i].code);
                ck_assert_str_eq(e.name, t[i].name);
                ck_assert_int_eq(sd_bus_error_get_errno(&e), t[i].reads_as);
        }
}
END_TEST

/* ---- Dialer1 (end) ---- */

int main(void) {
        Suite *s = suite_create("ipc");
        TCase *tc;

        tc = tcase_create("/ipc/requests");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_submit_round_trip);
        TU_ADD(tc, test_submit_limits);
        TU_ADD(tc, test_submit_wrong_signature);
        TU_ADD(tc, test_pin);
        TU_ADD(tc, test_verdict);
        TU_ADD(tc, test_inject);
        TU_ADD(tc, test_small_requests);
        suite_add_tcase(s, tc);

        tc = tcase_create("/ipc/lists");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_list_signatures);
        TU_ADD(tc, test_rows);
        TU_ADD(tc, test_rows_refused);
        TU_ADD(tc, test_agent);
        suite_add_tcase(s, tc);

        tc = tcase_create("/ipc/errors");
        TU_ADD(tc, test_error_map);
        suite_add_tcase(s, tc);

        tc = tcase_create("/ipc/dm");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_dm);
        suite_add_tcase(s, tc);

        tc = tcase_create("/ipc/dialer");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_dial);
        TU_ADD(tc, test_dial_errors);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
