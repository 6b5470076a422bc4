/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-dial.c: ask dmsessiond for a connected socket and check what came back (dm-dial.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dm-dial.h"
#include "ipc.h"
#include "macros.h"

/* The dialer answers within its own connect timeout (at most 120 s, dmsessiond.h); the call's
 * timeout is a little longer so its Timeout error, not the bus', is what verifierd sees. */
#define DM_DIAL_CALL_TIMEOUT_USEC (125ULL * 1000000ULL)

/* TRUST: nothing the dialer says about the socket is believed. The fd must be a connected TCP
 * stream socket (not a pipe, a UNIX socket or a datagram socket that would let the dialer read
 * what verifierd writes, or feed it), and its peer address must be one verifierd's [DM]
 * AllowLoopback= allows. Whether the peer is really the server is decided by TLS (the
 * certificate and host name check in dm_tls_open), not here. */
static int check_socket(int fd, bool allow_loopback) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int type = 0, proto = 0, domain = 0;
        socklen_t l = sizeof(int);

        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
                return -EPROTO;         /* ENOTSOCK: a pipe or file */
        l = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0)
                return -EPROTO;
        l = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) < 0)
                return -EPROTO;
        if (type != SOCK_STREAM || (domain != AF_INET && domain != AF_INET6) || proto != IPPROTO_TCP)
                return -EPROTO;
        if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0)
                return -EPROTO;         /* ENOTCONN: not connected */
        if (ss.ss_family != domain)
                return -EPROTO;
        if (!allow_loopback && dm_address_is_local((const struct sockaddr *) &ss, len))
                return -EADDRNOTAVAIL;
        return 0;
}

typedef struct DialWait {
        sd_bus_message *reply;          /* the reply or error (sd-bus' own on its timeout) */
        bool done;
} DialWait;

static int on_dial_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        DialWait *w = userdata;

        w->reply = sd_bus_message_ref(m);
        w->done = true;
        return 0;
}

/* sd_bus_call(), and polling @cancel_fd meanwhile (-ECANCELED once it is readable; the slot's
 * unref drops the pending call). The call's timeout bounds the wait as with sd_bus_call. */
static int call_cancellable(sd_bus *bus, sd_bus_message *call, int cancel_fd, sd_bus_error *error,
                            sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        DialWait w = {};
        int r;

        r = sd_bus_call_async(bus, &slot, call, on_dial_reply, &w, DM_DIAL_CALL_TIMEOUT_USEC);
        if (r < 0)
                return r;
        for (;;) {
                struct pollfd p[2];
                uint64_t until = UINT64_MAX;
                int timeout = -1;

                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (w.done)
                        break;
                if (r > 0)
                        continue;
                r = sd_bus_get_fd(bus);
                if (r < 0)
                        break;
                p[0] = (struct pollfd) { .fd = r, .events = (short) sd_bus_get_events(bus) };
                p[1] = (struct pollfd) { .fd = cancel_fd, .events = POLLIN };
                if (sd_bus_get_timeout(bus, &until) >= 0 && until != UINT64_MAX) {
                        struct timespec ts;
                        uint64_t now;

                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        now = (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
                        timeout = until <= now ? 0 : (int) MIN((until - now + 999U) / 1000U, (uint64_t) INT32_MAX);
                }
                r = poll(p, 2, timeout);
                if (r < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (r > 0 && (p[1].revents & POLLIN)) {
                        r = -ECANCELED;
                        break;
                }
        }
        if (!w.done)
                return r < 0 ? r : -EIO;
        if (sd_bus_message_is_method_error(w.reply, NULL)) {
                r = sd_bus_error_copy(error, sd_bus_message_get_error(w.reply));
                sd_bus_message_unref(w.reply);
                return r < 0 ? r : -EIO;
        }
        *ret_reply = w.reply;
        return 0;
}

int dm_dial(sd_bus *bus, const char *host, uint16_t port, bool allow_loopback, int *ret_fd) {
        return dm_dial_ex(bus, host, port, allow_loopback, -1, ret_fd);
}

int dm_dial_ex(sd_bus *bus, const char *host, uint16_t port, bool allow_loopback, int cancel_fd, int *ret_fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        IpcDial d = { .host = host, .port = port, .allow_loopback = allow_loopback };
        int fd, borrowed, r;

        if (!bus || !ret_fd || !dm_host_valid(host) || port == 0)
                return -EINVAL;
        r = ipc_errors_register();
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, IPC_DIALER_BUS_NAME, IPC_DIALER_PATH, IPC_DIALER_INTERFACE,
                                           IPC_M_DIAL);
        if (r < 0)
                return r;
        r = ipc_dial_append(call, &d);
        if (r < 0)
                return r;
        if (cancel_fd < 0)
                r = sd_bus_call(bus, call, DM_DIAL_CALL_TIMEOUT_USEC, &error, &reply);
        else {
                r = call_cancellable(bus, call, cancel_fd, &error, &reply);
                if (r == -ECANCELED)
                        return r;
        }
        if (r < 0) {
                /* errnos through the one error map (ipc_error_map): AddressRefused -EADDRNOTAVAIL,
                 * Timeout -ETIMEDOUT, ConnectFailed -ECONNREFUSED; no dialer: ServiceUnknown */
                r = sd_bus_error_get_errno(&error);
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        return -EHOSTUNREACH;
                return r > 0 ? -r : -EIO;
        }
        r = ipc_dial_reply_read(reply, &borrowed);
        if (r < 0)
                return -EPROTO;
        fd = fcntl(borrowed, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        r = check_socket(fd, allow_loopback);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}
