/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * provboot-nm-writer: the one process that writes provboot's NetworkManager keyfiles when
 * verifierd runs as its own user (issue 14; verifierd(8), PRIVILEGES; provboot-nm-writer(8)).
 *
 *   provboot-nm-writer [--listen=PATH] [--allow-user=NAME | --allow-uid=UID] DIR
 *
 * Root (the keyfiles are root's and 0600, as NetworkManager requires; no capability: root owns
 * DIR, so no DAC override is needed). Takes connections on the socket systemd passes
 * (provboot-nm-writer.socket) or, for tests, on --listen=PATH; serves one connection at a time.
 * Trust: a connection is served only when SO_PEERCRED says its uid is verifierd's (the
 * --allow-* option; default the user provboot-verifier): the kernel's word, not the peer's. From
 * that peer it trusts nothing either: every request is a typed record (nm-writer/nmw-proto.h)
 * that the writer validates and renders itself; it never takes a path or text, never leaves
 * DIR (fixed at start, opened once) and touches only files of ours in it (export-nm.h).
 * A peer that sends garbage gets an -EBADMSG reply and its connection closed; a peer that
 * stalls is dropped after NMW_IO_TIMEOUT_SEC, so it cannot hold the writer for others.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "macros.h"
#include "nm-writer/nmw-proto.h"

#define NMW_IO_TIMEOUT_SEC 5
#define NMW_DEFAULT_USER "provboot-verifier"

/* Serve one connection until EOF or the first error. */
static void serve(int fd, int dirfd, uid_t allowed) {
        struct ucred cred;
        socklen_t sl = sizeof cred;
        struct timeval tv = { .tv_sec = NMW_IO_TIMEOUT_SEC };
        uint8_t req[NMW_HEADER_SIZE + NMW_BODY_MAX];

        /* The kernel's record of who connected (the peer cannot choose it). */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0 || sl != sizeof cred ||
            cred.uid != allowed) {
                log_warning("Connection from uid %ld refused (only %ld may)",
                            sl == sizeof cred ? (long) cred.uid : -1L, (long) allowed);
                return;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        for (;;) {
                _cleanup_(nmw_buf_done) NmwBuf out = {};
                uint8_t op;
                uint32_t body;
                int r;

                r = nmw_recv_all(fd, req, NMW_HEADER_SIZE);
                if (r < 0)
                        return; /* EOF, timeout */
                r = nmw_parse_header(req, NMW_HEADER_SIZE, &op, &body);
                if (r < 0 || body > NMW_BODY_MAX) {
                        /* Cannot find the next request's start: answer and close. */
                        (void) nmw_handle(dirfd, req, NMW_HEADER_SIZE, &out);
                        if (!out.error)
                                (void) nmw_send_all(fd, out.data, out.len);
                        return;
                }
                r = nmw_recv_all(fd, req + NMW_HEADER_SIZE, body);
                if (r < 0)
                        return;
                r = nmw_handle(dirfd, req, NMW_HEADER_SIZE + (size_t) body, &out);
                if (r < 0 || nmw_send_all(fd, out.data, out.len) < 0)
                        return;
        }
}

static int listen_on(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, 8) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "listen", required_argument, NULL, 'l' },
                { "allow-user", required_argument, NULL, 'u' },
                { "allow-uid", required_argument, NULL, 'U' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *listen_path = NULL, *user = NMW_DEFAULT_USER;
        long allow_uid = -1;
        _cleanup_close_ int dirfd = -1;
        int lfd, c, n;
        uid_t allowed;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'l':
                        listen_path = optarg;
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'U': {
                        uint64_t v;

                        if (config_parse_uint(optarg, 0, INT32_MAX, &v) < 0) {
                                log_error("Bad --allow-uid=%s: a decimal uid expected", optarg);
                                return 2;
                        }
                        allow_uid = (long) v;
                        break;
                }
                case 'h':
                        printf("provboot-nm-writer [--listen=PATH] [--allow-user=NAME|--allow-uid=UID] DIR\n");
                        return 0;
                default:
                        return 2;
                }
        if (optind + 1 != argc) {
                log_error("One directory expected (provboot-nm-writer --help)");
                return 2;
        }
        if (allow_uid >= 0)
                allowed = (uid_t) allow_uid;
        else {
                struct passwd *pw = getpwnam(user);

                if (!pw) {
                        log_error("No user %s", user);
                        return 1;
                }
                allowed = pw->pw_uid;
        }
        /* The one directory, opened once: every file operation is relative to it (openat,
         * renameat, unlinkat with names export_nm_name_valid accepts), so nothing a request
         * says can reach another directory. */
        dirfd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                log_error_errno(errno, "Cannot open %s: %m", argv[optind]);
                return 1;
        }
        umask(0077);
        (void) signal(SIGPIPE, SIG_IGN);
        if (listen_path) {
                lfd = listen_on(listen_path);
                if (lfd < 0) {
                        log_error_errno(lfd, "Cannot listen on %s: %m", listen_path);
                        return 1;
                }
        } else {
                n = sd_listen_fds(1);
                if (n != 1) {
                        log_error("Expected one socket from systemd (got %d)", n);
                        return 1;
                }
                lfd = SD_LISTEN_FDS_START;
        }
        (void) sd_notify(0, "READY=1");
        for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        log_error_errno(errno, "accept: %m");
                        return 1;
                }
                serve(fd, dirfd, allowed);
                close(fd);
        }
}
