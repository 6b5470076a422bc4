/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostile-dialer: a compromised stand-in for dmsessiond (test tool, never installed). It owns
 * org.provboot.Dialer1 and answers every Dial, whatever host and port verifierd asked for, with
 * a socket of its own choosing (docs/dm.md, acceptance test 10: the dialer is trusted with
 * nothing; verifierd's TLS must catch it):
 *   hostile-dialer mitm PORT      a TCP connection to 127.0.0.1:PORT (a MITM server with a rogue
 *                                 certificate)
 *   hostile-dialer inject PORT    the same, after writing forged bytes (an HTTP answer with a
 *                                 SyncML body) into the stream before verifierd's TLS starts
 *   hostile-dialer unix           one end of an AF_UNIX socketpair holding forged bytes
 * Every Dial is counted on stdout ("dial HOST PORT -> MODE").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

static const char *mode;
static int port;

static const char forged[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 40\r\n\r\n"
        "<SyncML><SyncHdr/><SyncBody/></SyncML>\r\n";

static int dial(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *host;
        uint16_t p;
        int allow, fd = -1, r;

        r = sd_bus_message_read(m, "sqb", &host, &p, &allow);
        if (r < 0)
                return r;
        printf("dial %s %u -> %s\n", host, p, mode);
        fflush(stdout);
        if (strcmp(mode, "unix") == 0) {
                int sv[2];

                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return -errno;
                (void) !write(sv[1], forged, sizeof forged - 1);
                close(sv[1]);
                fd = sv[0];
        } else {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };

                sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return -errno;
                if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                        r = -errno;
                        close(fd);
                        return r;
                }
                if (strcmp(mode, "inject") == 0)
                        (void) !write(fd, forged, sizeof forged - 1);
        }
        r = sd_bus_reply_method_return(m, "h", fd);
        close(fd);
        return r;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Dial", "sqb", "h", dial, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        int r;

        if (argc < 2 || (strcmp(argv[1], "unix") != 0 && argc < 3)) {
                fprintf(stderr, "usage: hostile-dialer mitm|inject PORT | unix\n");
                return 2;
        }
        mode = argv[1];
        port = argc > 2 ? atoi(argv[2]) : 0;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/provboot/Dialer1", "org.provboot.Dialer1", vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.provboot.Dialer1", 0);
        if (r < 0) {
                fprintf(stderr, "hostile-dialer: %s\n", strerror(-r));
                return 1;
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return 1;
        }
}
