/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: provd, the unprivileged intake daemon. Parses the options, reads provd.conf, opens
 * the quarantine (moving a push that killed the previous process into it), connects to the
 * system bus (DBUS_SYSTEM_BUS_ADDRESS like every sd-bus program), exports
 * org.provboot.Parser1, starts the oFono and ModemManager intakes, owns the bus name, tells
 * systemd READY=1 and runs the sd-event loop until SIGTERM or SIGINT.
 *
 * provd holds no secret: nothing here can compute or check a MAC, and the binary links neither
 * libcrypto nor libsodium (checked with readelf in the tests).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "macros.h"
#include "provd.h"

static const char *arg_config_dir;

uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void help(void) {
        printf("Usage: provd [OPTIONS...]\n\n"
               "Receive OMA Client Provisioning pushes (oFono push agent, ModemManager SMS, provctl inject),\n"
               "reassemble and decode them, and forward each one to verifierd.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --config-dir=DIR    Read DIR/provd.conf and DIR/provd.conf.d/*.conf instead of\n"
               "                         /usr/lib/provboot, /run/provboot and /etc/provboot\n"
               "     --log-level=LEVEL   emerg, alert, crit, err, warning, notice, info (default) or debug\n\n"
               "The bus is the system bus, or DBUS_SYSTEM_BUS_ADDRESS. The quarantine lives in\n"
               "$RUNTIME_DIRECTORY when set, in memory otherwise. See provd(8).\n");
}

/* Return: 1 run, 0 exit successfully (help, version), negative errno on a usage error. */
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
                        printf("provd %s\n", PROVD_VERSION_STRING);
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
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("provd takes no arguments");
                return -EINVAL;
        }
        return 1;
}

static Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        intake_flush(m); /* no-op after on_signal(); answers callers when the bus was lost */
        ofono_stop(m);
        mm_stop(m);
        m->parser_slot = sd_bus_slot_unref(m->parser_slot);
        m->emit_source = sd_event_source_disable_unref(m->emit_source);
        m->housekeeping_source = sd_event_source_disable_unref(m->housekeeping_source);
        if (m->bus) {
                /* Push out the replies and UnregisterAgent calls queued above. */
                (void) sd_bus_flush(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        m->event = sd_event_unref(m->event);
        m->reasm = sms_reasm_free(m->reasm);
        m->rate = rate_limiter_free(m->rate);
        m->quarantine = quarantine_free(m->quarantine);
        free(m);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

static const char *runtime_directory(void) {
        static char dir[4096];
        const char *e = getenv("RUNTIME_DIRECTORY");
        size_t n;

        if (!e || e[0] != '/')
                return NULL;
        /* systemd joins several RuntimeDirectory= entries with ':'; the first is ours. */
        n = strcspn(e, ":");
        if (n >= sizeof(dir))
                return NULL;
        memcpy(dir, e, n);
        dir[n] = 0;
        return dir;
}

static int open_quarantine(Manager *m) {
        char d[QUARANTINE_DIGEST_HEX + 1];
        int r;

        m->runtime_dir = runtime_directory();
        if (m->runtime_dir) {
                r = quarantine_open(m->runtime_dir, &m->quarantine);
                if (r < 0) {
                        log_warning_errno(r, "Failed to open the quarantine in '%s', keeping it in memory only: %m",
                                          m->runtime_dir);
                        m->runtime_dir = NULL;
                } else if (r > 0) {
                        /* The previous process died while decoding this push (S4). */
                        manager_count(m, COUNTER_QUARANTINED);
                        log_warning("Push %s crashed or stalled the decoder of the previous provd; quarantined, it "
                                    "will not be decoded again (%zu quarantined)",
                                    quarantine_format(quarantine_recovered(m->quarantine), d),
                                    quarantine_size(m->quarantine));
                } else if (quarantine_size(m->quarantine) > 0)
                        log_info("%zu push(es) quarantined in '%s'", quarantine_size(m->quarantine), m->runtime_dir);
        }
        if (!m->quarantine) {
                r = quarantine_open(NULL, &m->quarantine);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the quarantine: %m");
                log_debug("No $RUNTIME_DIRECTORY: the quarantine lives in memory only");
        }
        return 0;
}

/* SIGTERM/SIGINT: say goodbye on the bus while it is still open (sd-bus closes it when the loop
 * exits), then leave the loop with success. */
static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s, stopping", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        intake_flush(m);
        ofono_unregister(m);
        if (m->bus)
                (void) sd_bus_flush(m->bus);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_housekeeping(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        intake_housekeeping(m);
        mm_housekeeping(m);
        return sd_event_source_set_time(s, usec + PROVD_HOUSEKEEPING_USEC);
}

static int manager_new(Manager **ret, const ProvdConfig *config) {
        _cleanup_(manager_freep) Manager *m = NULL;
        SmsReasmLimits limits = SMS_REASM_LIMITS_DEFAULT;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->config = *config;
        token_bucket_init(&m->log_bucket, PROVD_PUSH_LOGS_PER_MINUTE, now_monotonic_usec());

        limits.groups_max = config->max_reassemblies;
        limits.groups_per_sender_max = config->max_reassemblies_per_sender;
        r = sms_reasm_new(&m->reasm, &limits);
        if (r < 0)
                return log_error_errno(r, "Failed to set up SMS reassembly: %m");
        r = rate_limiter_new(&m->rate, config->rate_per_minute, config_rate_burst(config), RATELIMIT_KEYS_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the rate limit: %m");
        r = open_quarantine(m);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        (void) sd_event_set_watchdog(m->event, true);
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGTERM: %m");
        r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGINT: %m");
        r = sd_event_add_time_relative(m->event, &m->housekeeping_source, CLOCK_MONOTONIC,
                                       PROVD_HOUSEKEEPING_USEC, 0, on_housekeeping, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the housekeeping timer: %m");
        r = sd_event_source_set_enabled(m->housekeeping_source, SD_EVENT_ON);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

static int manager_connect(Manager *m) {
        int r;

        r = ipc_errors_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus error map: %m");
        r = sd_bus_open_system_with_description(&m->bus, "provd");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /* Losing the bus ends the loop; systemd restarts us (Restart=on-failure). */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return r;

        r = parser1_register(m);
        if (r < 0)
                return r;
        if (m->config.ofono) {
                r = ofono_start(m);
                if (r < 0)
                        return r;
        }
        if (m->config.modemmanager) {
                r = mm_start(m);
                if (r < 0)
                        return r;
        }
        /* Objects first, then the name: nobody can call an object that is not there yet. */
        r = sd_bus_request_name(m->bus, IPC_PARSER_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", IPC_PARSER_BUS_NAME);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ProvdConfig config;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX];
        sigset_t ss;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* A configuration provd does not understand stops it (common/conf.h "Errors"). */
        r = provd_config_load(&config, arg_config_dir, &err);
        if (r < 0) {
                if (err.message[0])
                        log_error("Failed to load the configuration: %s",
                                  config_error_format(&err, buf, sizeof buf));
                else
                        log_error_errno(r, "Failed to load the configuration: %m");
                return EXIT_FAILURE;
        }

        /* The decode watchdog relies on SIGPROF's default action (terminate): make sure it is
         * neither ignored nor blocked, whatever our parent left us. SIGTERM/SIGINT are blocked
         * and handled by sd-event. */
        (void) signal(SIGPROF, SIG_DFL);
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&ss);
        sigaddset(&ss, SIGPROF);
        (void) sigprocmask(SIG_UNBLOCK, &ss, NULL);
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
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

        log_info("provd %s running: oFono intake %s, ModemManager intake %s, quarantine %s", PROVD_VERSION_STRING,
                 config.ofono ? "on" : "off", config.modemmanager ? "on" : "off",
                 m->runtime_dir ? m->runtime_dir : "in memory");
        (void) sd_notify(false, "READY=1\nSTATUS=Waiting for pushes");

        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down");
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        log_info("provd stopping (received %" PRIu64 ", forwarded %" PRIu64 ")", m->counters[COUNTER_RECEIVED],
                 m->counters[COUNTER_FORWARDED]);
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
