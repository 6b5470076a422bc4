/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: dmsessiond, the DM dialer (dmsessiond.h says what it is trusted with). Parses the
 * options, reads dmsessiond.conf, connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS like every
 * sd-bus program), exports org.provboot.Dialer1, owns the bus name, tells systemd READY=1 and
 * runs the sd-event loop until SIGTERM or SIGINT.
 *
 * Each Dial runs in a worker thread (getaddrinfo and connect block); the thread hands the result
 * back through a pipe and the event loop answers the call, so the bus is only ever touched from
 * the main thread. The dialer links neither libcrypto nor libsodium: it has nothing to protect.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "conf.h"
#include "dmsessiond.h"
#include "ipc.h"
#include "log.h"
#include "macros.h"

typedef struct Manager Manager;

typedef struct Dial {
        Manager *m;
        sd_bus_message *call;           /* answered from the main thread */
        char host[IPC_DIAL_HOST_MAX + 1];
        uint16_t port;
        bool allow_loopback;
        uid_t uid;
        /* copied for the worker, which never touches the Manager (it may outlive it at exit) */
        unsigned timeout_ms;
        int done_fd;
        pthread_t thread;
        /* set by the worker */
        int fd;
        int error;
        int last_errno;
} Dial;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *slot;
        sd_event_source *done_source;
        int done_pipe[2];               /* workers write their Dial pointer; the loop answers */
        DmsConfig config;
        unsigned n_dials;
        bool have_verifier_uid;
        uid_t verifier_uid;
};

static const char *arg_config_dir;

static void help(void) {
        printf("Usage: dmsessiond [OPTIONS...]\n\n"
               "Resolve and connect TCP sockets to OMA DM servers for verifierd, and hand them over\n"
               "on the bus (org.provboot.Dialer1). No TLS, no secrets: verifierd does TLS itself.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --config-dir=DIR    Read DIR/dmsessiond.conf and DIR/dmsessiond.conf.d/*.conf instead of\n"
               "                         /usr/lib/provboot, /run/provboot and /etc/provboot\n"
               "     --log-level=LEVEL   emerg, alert, crit, err, warning, notice, info (default) or debug\n\n"
               "The bus is the system bus, or DBUS_SYSTEM_BUS_ADDRESS. See dmsessiond(8).\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_DIR, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {},
        };
        int c, level;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("dmsessiond %s\n", DMSESSIOND_VERSION_STRING);
                        return 0;
                case ARG_CONFIG_DIR:
                        if (optarg[0] == 0) {
                                log_error("--config-dir= needs a directory");
                                return -EINVAL;
                        }
                        arg_config_dir = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        level = log_level_from_string(optarg);
                        if (level < 0) {
                                log_error("Unknown log level '%s'", optarg);
                                return -EINVAL;
                        }
                        log_set_max_level(level);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("dmsessiond takes no arguments");
                return -EINVAL;
        }
        return 1;
}

/* TRUST: the caller's effective uid as the bus daemon saw it (SO_PEERCRED), never augmented from
 * /proc. Only verifierd (its system user, or root when started by hand) may make the dialer
 * connect anywhere: anyone else could use it to reach addresses their own sandbox forbids. This
 * is the third layer after the bus policy (ipc/org.provboot.conf) and SELinux. */
static int check_caller(Manager *m, sd_bus_message *msg, uid_t *ret_uid, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return ipc_error_set(error, -EACCES, "Cannot determine caller");
        if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID)
                return ipc_error_set(error, -EACCES, "Caller credentials not from the bus");
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return ipc_error_set(error, -EACCES, "Cannot determine caller");
        *ret_uid = euid;
        if (euid == 0 || (m->have_verifier_uid && euid == m->verifier_uid))
                return 0;
        return ipc_error_set(error, -EACCES, "Only verifierd may dial");
}

static void *dial_worker(void *userdata) {
        Dial *d = userdata;
        ssize_t n;

        d->fd = -EBADF;
        d->error = dms_connect(d->host, d->port, d->allow_loopback, d->timeout_ms, &d->fd, &d->last_errno);
        /* A pointer is 8 bytes, far below PIPE_BUF: the write is atomic. */
        do
                n = write(d->done_fd, &d, sizeof(d));
        while (n < 0 && errno == EINTR);
        return NULL;
}

static void dial_free(Dial *d) {
        if (!d)
                return;
        if (d->fd >= 0)
                close(d->fd);
        sd_bus_message_unref(d->call);
        free(d);
}

static int on_dial_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char q[LOG_ESCAPE_SIZE(IPC_DIAL_HOST_MAX)];
        Dial *d;
        ssize_t n;
        int r;

        n = read(fd, &d, sizeof(d));
        if (n != (ssize_t) sizeof(d))
                return 0;
        (void) pthread_join(d->thread, NULL);
        m->n_dials--;
        log_escape(d->host, q, sizeof q);
        if (d->error == 0) {
                log_info("Dial '%s' port %u for uid %u: connected", q, d->port, (unsigned) d->uid);
                r = sd_bus_message_new_method_return(d->call, &reply);
                if (r >= 0)
                        r = ipc_dial_reply_append(reply, d->fd);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
                if (r < 0)
                        log_warning_errno(r, "Failed to answer Dial: %m");
        } else {
                if (d->last_errno)
                        log_notice_errno(d->error, "Dial '%s' port %u for uid %u failed: %m (last connect: %s)", q,
                                         d->port, (unsigned) d->uid, strerror(d->last_errno));
                else
                        log_notice_errno(d->error, "Dial '%s' port %u for uid %u failed: %m", q, d->port,
                                         (unsigned) d->uid);
                (void) ipc_error_set(&error, d->error, NULL);
                r = sd_bus_reply_method_error(d->call, &error);
                if (r < 0)
                        log_warning_errno(r, "Failed to answer Dial: %m");
        }
        /* the fd was duplicated into the reply: ours is closed here */
        dial_free(d);
        return 0;
}

static int method_dial(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Dial *d;
        IpcDial req;
        uid_t uid = (uid_t) -1;
        int r;

        r = check_caller(m, msg, &uid, error);
        if (r < 0)
                return r;
        /* The only parsing the dialer does: a host name or address literal, a port. */
        r = ipc_dial_read(msg, &req);
        if (r < 0)
                return ipc_error_set(error, r == -E2BIG ? -E2BIG : -EINVAL, "Host must be a DNS name or an IP address, port 1..65535");
        if (m->n_dials >= m->config.dials_max)
                return ipc_error_set(error, -ENOSPC, "Too many Dial calls in progress");
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->m = m;
        d->call = sd_bus_message_ref(msg);
        snprintf(d->host, sizeof d->host, "%s", req.host);
        d->port = req.port;
        /* TRUST: allow_loopback is the caller's (verifierd's [DM] AllowLoopback=); verifierd checks
         * the peer of the socket again itself, so the dialer need not second-guess it. */
        d->allow_loopback = req.allow_loopback;
        d->uid = uid;
        d->fd = -EBADF;
        d->timeout_ms = m->config.connect_timeout_sec * 1000U;
        d->done_fd = m->done_pipe[1];
        r = pthread_create(&d->thread, NULL, dial_worker, d);
        if (r != 0) {
                dial_free(d);
                return ipc_error_set(error, -r, "Cannot start the dial");
        }
        m->n_dials++;
        return 1; /* answered later, from on_dial_done() */
}

static const sd_bus_vtable dialer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES(IPC_M_DIAL, IPC_SIG_DIAL_IN,
                                 SD_BUS_PARAM(host) SD_BUS_PARAM(port) SD_BUS_PARAM(allow_loopback),
                                 IPC_SIG_DIAL_OUT, SD_BUS_PARAM(fd), method_dial, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        m->slot = sd_bus_slot_unref(m->slot);
        m->done_source = sd_event_source_disable_unref(m->done_source);
        if (m->bus) {
                (void) sd_bus_flush(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        m->event = sd_event_unref(m->event);
        /* Workers still running at exit end with the process (no join on the way out); the
         * pipe's write end stays open for them, so their last write cannot hit a reused fd. */
        if (m->done_pipe[0] >= 0)
                close(m->done_pipe[0]);
        free(m);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("Received SIG%s, stopping", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int manager_new(Manager **ret, const DmsConfig *config) {
        _cleanup_(manager_freep) Manager *m = NULL;
        struct passwd *pw;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->done_pipe[0] = m->done_pipe[1] = -EBADF;
        m->config = *config;
        /* verifierd's system user, looked up once at start-up (as verifierd looks up provd's). */
        pw = getpwnam(DMSESSIOND_VERIFIER_USER);
        if (pw) {
                m->verifier_uid = pw->pw_uid;
                m->have_verifier_uid = true;
        } else
                log_info("No user '%s': only root may call Dial", DMSESSIOND_VERIFIER_USER);
        if (pipe2(m->done_pipe, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to create a pipe: %m");
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        r = sd_event_add_io(m->event, &m->done_source, m->done_pipe[0], EPOLLIN, on_dial_done, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the workers' pipe: %m");
        *ret = TAKE_PTR(m);
        return 0;
}

static int manager_connect(Manager *m) {
        int r;

        r = ipc_errors_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus error map: %m");
        r = sd_bus_open_system_with_description(&m->bus, "dmsessiond");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(m->bus, &m->slot, IPC_DIALER_PATH, IPC_DIALER_INTERFACE, dialer_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", IPC_DIALER_PATH);
        /* Objects first, then the name: nobody can call an object that is not there yet. */
        r = sd_bus_request_name(m->bus, IPC_DIALER_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", IPC_DIALER_BUS_NAME);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        DmsConfig config;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX];
        sigset_t ss;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = dms_config_load(&config, arg_config_dir, &err);
        if (r < 0) {
                if (err.message[0])
                        log_error("Failed to load the configuration: %s", config_error_format(&err, buf, sizeof buf));
                else
                        log_error_errno(r, "Failed to load the configuration: %m");
                return EXIT_FAILURE;
        }
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        /* blocked before any worker thread exists, so every thread inherits the mask */
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m"), EXIT_FAILURE;

        r = manager_new(&m, &config);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_connect(m);
        if (r < 0) {
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%i", strerror(-r), -r);
                return EXIT_FAILURE;
        }
        log_info("dmsessiond %s running: connect timeout %u s, at most %u dials", DMSESSIOND_VERSION_STRING,
                 config.connect_timeout_sec, config.dials_max);
        (void) sd_notify(false, "READY=1\nSTATUS=Waiting for Dial calls");
        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down");
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
