/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-client: drives verifierd's DM transport (verifierd/dm-dial.h, dm-transport.h) from tests.
 *
 *   dm-client dial HOST PORT ALLOW(0|1)
 *       dm_dial() on the bus of DBUS_SYSTEM_BUS_ADDRESS; prints "connected" and the peer, then
 *       writes "ping\n" and prints the line the peer answers (an echo server in the test).
 *   dm-client post URL --trust=FILE|--system --connect=IP:PORT [--count=N] [--body=TEXT]
 *                  [--timeout-ms=MS] [--max-response=N] [--dial] [--allow-loopback] [--wait-closed]
 *       connect to IP:PORT itself (a stand-in for the dialer: it may point anywhere, as a hostile
 *       dialer could) or, with --dial, ask dmsessiond; dm_tls_open with the URL's host, then N
 *       POSTs of TEXT on the same connection. Prints "status N", "body TEXT" per answer.
 *       --wait-closed: before each POST after the first, wait (poll, bounded by the timeout) until
 *       the server's end of the connection shows (EOF or data), so that a test of a server that
 *       closes after an answer does not race the next POST.
 * Failures print "error NAME" (the errno name, e.g. EPROTO, ECONNRESET) and exit 1, with the TLS
 * reason on stderr. Exit 2: usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "verifierd/dm-dial.h"
#include "verifierd/dm-transport.h"
#include "macros.h"

static int fail(int r) {
        const char *n = strerrorname_np(-r);

        printf("error %s\n", n ? n : "?");
        if (dm_tls_last_error()[0])
                fprintf(stderr, "dm-client: %s\n", dm_tls_last_error());
        return 1;
}

static int do_dial(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char addr[INET6_ADDRSTRLEN] = "?", line[64];
        ssize_t n;
        int fd, r;

        if (argc != 5)
                return 2;
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return fail(r);
        r = dm_dial(bus, argv[2], (uint16_t) atoi(argv[3]), atoi(argv[4]) != 0, &fd);
        if (r < 0)
                return fail(r);
        if (getpeername(fd, (struct sockaddr *) &ss, &len) == 0) {
                if (ss.ss_family == AF_INET)
                        inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, addr, sizeof addr);
                else
                        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, addr, sizeof addr);
        }
        printf("connected %s\n", addr);
        if (write(fd, "ping\n", 5) != 5)
                return fail(-errno);
        n = read(fd, line, sizeof line - 1);
        if (n < 0)
                return fail(-errno);
        line[n] = 0;
        printf("echo %s", line);
        close(fd);
        return 0;
}

static int tcp_connect(const char *spec) {
        char host[64];
        const char *colon = strrchr(spec, ':');
        struct sockaddr_in in = { .sin_family = AF_INET };
        int fd;

        if (!colon || (size_t) (colon - spec) >= sizeof host)
                return -EINVAL;
        memcpy(host, spec, (size_t) (colon - spec));
        host[colon - spec] = 0;
        if (inet_pton(AF_INET, host, &in.sin_addr) != 1)
                return -EINVAL;
        in.sin_port = htons((uint16_t) atoi(colon + 1));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &in, sizeof in) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        return fd;
}

static int do_post(int argc, char **argv) {
        enum { O_TRUST = 0x100, O_SYSTEM, O_CONNECT, O_COUNT, O_BODY, O_TIMEOUT, O_MAX, O_DIAL, O_ALLOW, O_WAIT };
        static const struct option options[] = {
                { "trust", required_argument, NULL, O_TRUST },
                { "system", no_argument, NULL, O_SYSTEM },
                { "connect", required_argument, NULL, O_CONNECT },
                { "count", required_argument, NULL, O_COUNT },
                { "body", required_argument, NULL, O_BODY },
                { "timeout-ms", required_argument, NULL, O_TIMEOUT },
                { "max-response", required_argument, NULL, O_MAX },
                { "dial", no_argument, NULL, O_DIAL },
                { "allow-loopback", no_argument, NULL, O_ALLOW },
                { "wait-closed", no_argument, NULL, O_WAIT },
                {},
        };
        const char *trust = NULL, *connect_to = NULL, *body = "<SyncML/>";
        unsigned count = 1, timeout_ms = 5000;
        size_t max_response = 16384;
        bool system = false, dial = false, allow = false, wait_closed = false;
        DmTls *t = NULL;
        DmUrl url;
        int c, fd, r;

        optind = 2;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case O_TRUST: trust = optarg; break;
                case O_SYSTEM: system = true; break;
                case O_CONNECT: connect_to = optarg; break;
                case O_COUNT: count = (unsigned) atoi(optarg); break;
                case O_BODY: body = optarg; break;
                case O_TIMEOUT: timeout_ms = (unsigned) atoi(optarg); break;
                case O_MAX: max_response = (size_t) atol(optarg); break;
                case O_DIAL: dial = true; break;
                case O_ALLOW: allow = true; break;
                case O_WAIT: wait_closed = true; break;
                default: return 2;
                }
        if (optind != argc - 1 || (!trust && !system) || (!connect_to && !dial))
                return 2;
        /* The URL first: an http:// address never gets as far as a connection. */
        r = dm_url_parse(argv[optind], &url);
        if (r < 0)
                return fail(r);
        if (dial) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;

                r = sd_bus_open_system(&bus);
                if (r < 0)
                        return fail(r);
                r = dm_dial(bus, url.host, url.port, allow, &fd);
                if (r < 0)
                        return fail(r);
        } else {
                fd = tcp_connect(connect_to);
                if (fd < 0)
                        return fail(fd);
        }
        r = dm_tls_open(fd, url.host, trust, timeout_ms, &t);
        if (r < 0)
                return fail(r);
        printf("tls ok\n");
        for (unsigned i = 0; i < count; i++) {
                DmHttpResponse resp = {};

                if (wait_closed && i > 0) {
                        struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

                        (void) poll(&p, 1, (int) timeout_ms);
                }
                r = dm_http_post(t, &url, NULL, (const uint8_t *) body, strlen(body), max_response, timeout_ms,
                                 &resp);
                if (r < 0) {
                        dm_tls_free(t);
                        return fail(r);
                }
                printf("status %u\n", resp.status);
                printf("type %s\n", resp.content_type ? resp.content_type : "");
                printf("body %.*s\n", (int) resp.body_len, resp.body ? (char *) resp.body : "");
                dm_http_response_done(&resp);
        }
        dm_tls_free(t);
        return 0;
}

int main(int argc, char **argv) {
        int r = 2;

        if (argc >= 2 && strcmp(argv[1], "dial") == 0)
                r = do_dial(argc, argv);
        else if (argc >= 2 && strcmp(argv[1], "post") == 0)
                r = do_post(argc, argv);
        if (r == 2)
                fprintf(stderr, "usage: dm-client dial HOST PORT 0|1 | post URL --trust=FILE|--system "
                                "--connect=IP:PORT|--dial [--count=N] [--body=TEXT] [--timeout-ms=MS]\n");
        return r;
}
