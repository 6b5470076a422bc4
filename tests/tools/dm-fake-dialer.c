/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-fake-dialer MODE PORT: a hostile stand-in for dmsessiond on the bus of
 * DBUS_SYSTEM_BUS_ADDRESS (tests/integration/dm-dialer.sh). It owns org.provboot.Dialer1 and
 * answers every Dial, whatever was asked, with:
 *   loopback  a TCP socket connected to 127.0.0.1:PORT (even when allow_loopback was false)
 *   pipe      the read end of a pipe
 *   udp       a UDP socket "connected" to 127.0.0.1:PORT
 *   unix      one end of a UNIX stream socket pair
 * verifierd's dm_dial() must refuse each (EADDRNOTAVAIL, EPROTO): it trusts the dialer with
 * nothing. Prints "ready" once it owns the name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "ipc.h"

static const char *mode;
static uint16_t port;

static int method_dial(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
        int fds[2] = { -1, -1 }, fd = -1, r;

        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (strcmp(mode, "loopback") == 0 || strcmp(mode, "udp") == 0) {
                fd = socket(AF_INET, (strcmp(mode, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
                if (fd < 0 || connect(fd, (struct sockaddr *) &in, sizeof in) < 0)
                        return sd_bus_error_set_errno(error, errno);
        } else if (strcmp(mode, "pipe") == 0) {
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return sd_bus_error_set_errno(error, errno);
                fd = fds[0];
                close(fds[1]);
        } else {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                        return sd_bus_error_set_errno(error, errno);
                fd = fds[0];
                close(fds[1]);
        }
        r = sd_bus_reply_method_return(m, "h", fd);
        close(fd);
        return r;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD(IPC_M_DIAL, IPC_SIG_DIAL_IN, IPC_SIG_DIAL_OUT, method_dial, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        int r;

        if (argc != 3)
                return 2;
        mode = argv[1];
        port = (uint16_t) atoi(argv[2]);
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, IPC_DIALER_PATH, IPC_DIALER_INTERFACE, vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, IPC_DIALER_BUS_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "dm-fake-dialer: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}
