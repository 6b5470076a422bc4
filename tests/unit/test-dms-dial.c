/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dms-dial.c: dmsessiond's connect loop (dmsessiond/dial.c, dms_connect_addrinfo) on
 * address lists it is handed: DMSESSIOND_ADDRESSES_MAX at and past the limit (addresses that
 * refuse, then one that listens, all on 127.0.0.1), and refused local addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "dmsessiond/dmsessiond.h"
#include "testutil.h"

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

/* A TCP port on 127.0.0.1: listening (the fd returned) or closed (-1, nothing listens on it). */
static int loopback_port(bool listening, uint16_t *ret_port) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof in;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &in, sizeof in), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &in, &len), 0);
        *ret_port = ntohs(in.sin_port);
        if (listening) {
                ck_assert_int_eq(listen(fd, 4), 0);
                return fd;
        }
        close(fd);      /* bound, never listened: a connect to it is refused */
        return -1;
}

/* @n entries on 127.0.0.1: n-1 to @closed_port, the last to @open_port. */
static int dial_list(size_t n, uint16_t closed_port, uint16_t open_port, bool allow_loopback, int *ret_fd) {
        struct sockaddr_in sa[16];
        struct addrinfo ai[16];

        ck_assert_uint_le(n, ELEMENTSOF(ai));
        for (size_t i = 0; i < n; i++) {
                sa[i] = (struct sockaddr_in) { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                               .sin_port = htons(i + 1 < n ? closed_port : open_port) };
                ai[i] = (struct addrinfo) { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                                            .ai_protocol = IPPROTO_TCP, .ai_addr = (struct sockaddr *) &sa[i],
                                            .ai_addrlen = sizeof sa[i], .ai_next = i + 1 < n ? &ai[i + 1] : NULL };
        }
        return dms_connect_addrinfo(n ? ai : NULL, allow_loopback, now_ms() + 5000, ret_fd, NULL);
}

START_TEST(test_addresses_max) {
        uint16_t open_port, closed_port;
        int lfd = loopback_port(true, &open_port), fd = -1;

        (void) loopback_port(false, &closed_port);
        /* the listening address is the DMSESSIOND_ADDRESSES_MAX-th: reached */
        ck_assert_int_eq(dial_list(1, closed_port, open_port, true, &fd), 0);
        ck_assert_int_ge(fd, 0);
        close(fd);
        fd = -1;
        ck_assert_int_eq(dial_list(DMSESSIOND_ADDRESSES_MAX, closed_port, open_port, true, &fd), 0);
        ck_assert_int_ge(fd, 0);
        close(fd);
        fd = -1;
        /* one past: never tried */
        ck_assert_int_eq(dial_list(DMSESSIOND_ADDRESSES_MAX + 1, closed_port, open_port, true, &fd), -ECONNREFUSED);
        ck_assert_int_eq(fd, -1);
        /* loopback without allow_loopback: every address refused, none connected */
        ck_assert_int_eq(dial_list(2, closed_port, open_port, false, &fd), -EADDRNOTAVAIL);
        ck_assert_int_eq(dial_list(0, closed_port, open_port, true, &fd), -ENXIO);
        ck_assert_int_eq(fd, -1);
        close(lfd);
}
END_TEST

int main(void) {
        Suite *s = suite_create("dms-dial");
        TCase *tc = tcase_create("/dms-dial");

        TU_ADD(tc, test_addresses_max);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
