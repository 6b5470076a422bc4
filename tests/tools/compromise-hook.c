/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compromise-hook.c: the stand-in for an exploit of verifierd's decoders (issue 14), linked only
 * into build/verifierd-test (verifierd/ota-policy.mk), never into the verifierd that is
 * installed. common/cpdoc-decode.c, built with PROVBOOT_TEST, calls provboot_test_compromise()
 * (a weak symbol: absent from every other binary) when the environment names
 * PROVBOOT_TEST_COMPROMISE and the document being decoded contains PROVBOOT_COMPROMISE_MARK --
 * that is, from inside the decoder, with whatever verifierd's process may do at that point.
 *
 * What it tries, each printed on stderr as "COMPROMISE <what>: <result>" for
 * tests/integration/unpriv.sh to judge (the hook itself asserts nothing):
 *   write    create each path in PROVBOOT_TEST_COMPROMISE (':'-separated): files outside the
 *            state directory, the NetworkManager directory among them
 *   unit     StartTransientUnit on the system bus verifierd is connected to (uid 0 would be
 *            allowed by systemd without polkit; the uid the bus credits is printed too)
 *   writer   requests to provboot-nm-writer (PROVBOOT_TEST_COMPROMISE_WRITER: its socket) that
 *            would make it write something that is not a rendering of a profile: keyfile text
 *            as the request, a name that is a path, a field with a line break that would add
 *            keys, a file name field in a WRITE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "macros.h"
#include "nm-writer/nmw-proto.h"

void provboot_test_compromise(void);

static void try_writes(const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        char *save = NULL;

        if (!copy)
                return;
        for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
                int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

                if (fd >= 0) {
                        (void) !write(fd, "compromised\n", 12);
                        close(fd);
                        fprintf(stderr, "COMPROMISE write %s: written\n", p);
                } else
                        fprintf(stderr, "COMPROMISE write %s: refused (%s)\n", p, strerror(errno));
        }
}

static void try_unit(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *unique = NULL;
        uint32_t uid = UINT32_MAX;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "COMPROMISE unit: refused (no system bus: %s)\n", strerror(-r));
                return;
        }
        if (sd_bus_get_unique_name(bus, &unique) >= 0)
                (void) sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus", "GetConnectionUnixUser", NULL,
                                          &reply, "s", unique);
        if (reply)
                (void) sd_bus_message_read(reply, "u", &uid);
        fprintf(stderr, "COMPROMISE bus-uid: %u\n", uid);

        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", "provboot-compromise.service", "fail");
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sv)", 1, "ExecStart", "a(sbas)", 1, "/bin/touch", 0, 2,
                                          "/bin/touch", "/provboot-compromise");
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0) {
                fprintf(stderr, "COMPROMISE unit: not built (%s)\n", strerror(-r));
                return;
        }
        r = sd_bus_call(bus, m, 5 * 1000000ULL, &error, NULL);
        if (r >= 0)
                fprintf(stderr, "COMPROMISE unit: started\n");
        else
                fprintf(stderr, "COMPROMISE unit: refused (%s: %s)\n", error.name ?: "-",
                        error.message ?: strerror(-r));
        sd_bus_error_free(&error);
}

/* One raw request on a new connection; the writer's result, or a negative errno of our own. */
static int writer_raw(const char *path, const void *req, size_t n, int32_t *ret_result) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint8_t h[NMW_HEADER_SIZE], body[NMW_REPLY_BODY_MAX];
        _cleanup_close_ int fd = -EBADF;
        uint32_t len;
        uint8_t op;
        NmwReply rep;
        ssize_t k;
        size_t got;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -EINVAL;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        if (send(fd, req, n, MSG_NOSIGNAL) != (ssize_t) n)
                return -EIO;
        (void) shutdown(fd, SHUT_WR);
        for (got = 0; got < sizeof(h); got += (size_t) k) {
                k = recv(fd, h + got, sizeof(h) - got, 0);
                if (k <= 0)
                        return -ECONNRESET;     /* dropped without a reply: nothing was done */
        }
        if (nmw_parse_header(h, sizeof(h), &op, &len) < 0 || len > sizeof(body))
                return -EBADMSG;
        for (got = 0; got < len; got += (size_t) k) {
                k = recv(fd, body + got, len - got, 0);
                if (k <= 0)
                        return -ECONNRESET;
        }
        {
                uint8_t whole[NMW_HEADER_SIZE + sizeof(body)];

                memcpy(whole, h, sizeof(h));
                memcpy(whole + sizeof(h), body, len);
                if (nmw_decode_reply(whole, sizeof(h) + len, &rep) < 0)
                        return -EBADMSG;
        }
        *ret_result = rep.result;
        return 0;
}

static void writer_try(const char *path, const char *what, NmwBuf *b) {
        int32_t result = 0;
        int r;

        if (b->error < 0 || nmw_finish(b) < 0) {
                fprintf(stderr, "COMPROMISE writer %s: not built\n", what);
                return;
        }
        r = writer_raw(path, b->data, b->len, &result);
        if (r < 0)
                fprintf(stderr, "COMPROMISE writer %s: refused (connection: %s)\n", what, strerror(-r));
        else if (result < 0)
                fprintf(stderr, "COMPROMISE writer %s: refused (%s)\n", what, strerror(-result));
        else
                fprintf(stderr, "COMPROMISE writer %s: done (%d)\n", what, (int) result);
        nmw_buf_done(b);
}

/* A WRITE whose fields are the required ones with @apn, plus (@extra_tag != 0) one more field. */
static void put_write(NmwBuf *b, const char *apn, NmwTag extra_tag, const char *extra) {
        static const uint8_t one = 1, strength = 4, push_id[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };

        nmw_put_header(b, NMW_OP_WRITE);
        nmw_put_string(b, NMW_TAG_ROOT, "/NAPDEF[NAPID=EVIL]");
        nmw_put_string(b, NMW_TAG_NAPID, "EVIL");
        nmw_put_string(b, NMW_TAG_ID, "evil");
        nmw_put_string(b, NMW_TAG_APN, apn);
        nmw_put_bytes(b, NMW_TAG_AUTOCONNECT, &one, 1);
        nmw_put_bytes(b, NMW_TAG_STRENGTH, &strength, 1);
        nmw_put_bytes(b, NMW_TAG_PUSH_ID, push_id, sizeof(push_id));
        if (extra_tag)
                nmw_put_string(b, extra_tag, extra);
}

static void try_writer(const char *path) {
        static const char text[] = "[connection]\nid=evil\ntype=vpn\n[vpn]\nservice-type=evil\n";
        NmwBuf b = {};

        /* keyfile text as the request: no header, no fields */
        {
                int32_t result = 0;
                int r = writer_raw(path, text, sizeof(text) - 1, &result);

                if (r < 0)
                        fprintf(stderr, "COMPROMISE writer text: refused (connection: %s)\n", strerror(-r));
                else if (result < 0)
                        fprintf(stderr, "COMPROMISE writer text: refused (%s)\n", strerror(-result));
                else
                        fprintf(stderr, "COMPROMISE writer text: done (%d)\n", (int) result);
        }
        nmw_put_header(&b, NMW_OP_REMOVE);
        nmw_put_string(&b, NMW_TAG_NAME, "../../../etc/passwd");
        writer_try(path, "remove-path", &b);
        nmw_put_header(&b, NMW_OP_READ);
        nmw_put_string(&b, NMW_TAG_NAME, "/etc/shadow");
        writer_try(path, "read-path", &b);
        put_write(&b, "evil.example\n[vpn]\nservice-type=evil", 0, NULL);
        writer_try(path, "write-injected-keys", &b);
        put_write(&b, "evil.example", NMW_TAG_NAME, "../../../etc/cron.d/evil");
        writer_try(path, "write-with-name", &b);
}

void provboot_test_compromise(void) {
        const char *w = getenv("PROVBOOT_TEST_COMPROMISE"), *sock = getenv("PROVBOOT_TEST_COMPROMISE_WRITER");

        fprintf(stderr, "COMPROMISE hook: uid %u euid %u\n", (unsigned) getuid(), (unsigned) geteuid());
        if (w)
                try_writes(w);
        try_unit();
        if (sock)
                try_writer(sock);
        fprintf(stderr, "COMPROMISE done\n");
}
