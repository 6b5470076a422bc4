/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dial.c: resolve and connect, for one Dial (dmsessiond.h). Runs in a worker thread; logs
 * nothing (the caller logs the outcome).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dm-address.h"
#include "dmsessiond.h"
#include "macros.h"

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

/* Connect @ai within @deadline_ms (CLOCK_MONOTONIC). Return: the fd (blocking) or negative errno. */
static int connect_one(const struct addrinfo *ai, uint64_t deadline_ms) {
        int fd, r, err = 0;
        socklen_t len = sizeof(err);

        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0)
                return -errno;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                if (errno != EINPROGRESS) {
                        r = -errno;
                        goto fail;
                }
                for (;;) {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };
                        uint64_t now = now_ms();

                        if (now >= deadline_ms) {
                                r = -ETIMEDOUT;
                                goto fail;
                        }
                        r = poll(&p, 1, (int) MIN(deadline_ms - now, (uint64_t) INT32_MAX));
                        if (r < 0 && errno == EINTR)
                                continue;
                        if (r < 0) {
                                r = -errno;
                                goto fail;
                        }
                        if (r > 0)
                                break;
                }
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
                        r = -errno;
                        goto fail;
                }
                if (err != 0) {
                        r = -err;
                        goto fail;
                }
        }
        /* verifierd does its own timeouts with poll(); a blocking socket is what it expects */
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        return fd;
fail:
        close(fd);
        return r;
}

int dms_connect(const char *host, uint16_t port, bool allow_loopback, unsigned timeout_ms, int *ret_fd,
                int *ret_last_errno) {
        struct addrinfo hints = {
                .ai_family = AF_UNSPEC,
                .ai_socktype = SOCK_STREAM,
                .ai_protocol = IPPROTO_TCP,
                .ai_flags = AI_NUMERICSERV,     /* the port is a number: no services database */
        }, *res = NULL;
        uint64_t deadline = now_ms() + timeout_ms;
        int r;
        char portstr[8];

        if (!dm_host_valid(host) || port == 0 || !ret_fd)
                return -EINVAL;
        snprintf(portstr, sizeof portstr, "%u", (unsigned) port);
        /* getaddrinfo() has no deadline of its own: the resolver's (resolv.conf timeout and
         * attempts) bounds it; the deadline is checked again after it returns. */
        r = getaddrinfo(host, portstr, &hints, &res);
        if (r != 0) {
                if (r == EAI_MEMORY)
                        return -ENOMEM;
                if (r == EAI_SYSTEM && ret_last_errno)
                        *ret_last_errno = errno;
                return r == EAI_AGAIN && now_ms() >= deadline ? -ETIMEDOUT : -ENXIO;
        }
        r = dms_connect_addrinfo(res, allow_loopback, deadline, ret_fd, ret_last_errno);
        freeaddrinfo(res);
        return r;
}

int dms_connect_addrinfo(const struct addrinfo *res, bool allow_loopback, uint64_t deadline, int *ret_fd,
                         int *ret_last_errno) {
        unsigned tried = 0, refused = 0;
        int last = 0, r = -ENXIO;

        if (!ret_fd)
                return -EINVAL;
        /* a name with many addresses costs a connect timeout each: at most
         * DMSESSIOND_ADDRESSES_MAX of them are tried, the rest ignored */
        for (const struct addrinfo *ai = res; ai && tried < DMSESSIOND_ADDRESSES_MAX; ai = ai->ai_next) {
                int fd;

                if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
                        continue;
                tried++;
                /* TRUST: the resolver's answer is not trusted to point outside the host: a name
                 * that resolves to a loopback, private or link-local address is refused like the
                 * literal (DNS rebinding onto local services), unless the caller allowed it. */
                if (!allow_loopback && dm_address_is_local(ai->ai_addr, ai->ai_addrlen)) {
                        refused++;
                        continue;
                }
                if (now_ms() >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                fd = connect_one(ai, deadline);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                if (fd == -ETIMEDOUT) {
                        r = -ETIMEDOUT;
                        break;
                }
                if (fd == -ENOMEM) {
                        r = -ENOMEM;
                        break;
                }
                last = -fd;
                r = -ECONNREFUSED;
        }
        if (r == -ENXIO && tried > 0 && refused == tried)
                r = -EADDRNOTAVAIL;
        if (ret_last_errno && last)
                *ret_last_errno = last;
        return r;
}
