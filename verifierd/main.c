/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: verifierd, the privileged verifier, on the system bus (org.provboot.Verifier1).
 *
 * Start-up only (manager.h lists the other files): the options, the configuration, the store
 * (engine), the bus connection and its object (bus-object.c), the network PIN source (imsi.c: the IMSI from oFono's SimManager or ModemManager's Sim, or static
 * configuration), the expiry timer, SIGHUP reload and the event loop. Secrets live in this
 * process: it is hardened against core dumps and same-uid ptrace before anything is read.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "manager.h"
#include "engine-lock.h"
#include "export-nm-api.h"
#include "nm-writer/nmw-client.h"
#include "secret.h"

#ifndef PROVBOOT_VERSION
#define PROVBOOT_VERSION "0.1"
#endif

#define DEFAULT_STATE_DIR "/var/lib/provboot"
#define EXPIRY_INTERVAL_USEC (60ULL * 1000000ULL)

/* NetworkManager's settings API (export-nm-api.h): the engine uses it for a run while
 * NetworkManager owns its name and NetworkManagerDir= is not set, whoever verifierd runs as. */
static ExportNmApi nm_api;
static ExportNmIo nm_api_io;

/* SIGTERM, SIGINT: a running DM session is cancelled (it ends at its next wait boundary or at
 * once inside a network wait, its state old or new, dm-session.h); the loop ends when its thread
 * has reported back and the DmConnect reply is sent (dm_runner_cancel), else at once. */
static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (dm_runner_busy(m->dm)) {
                log_info("Stopping: cancelling the running DM session");
                dm_runner_cancel(m->dm, true);
                return 0;
        }
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        if (m->engine)
                engine_set_verdict_hook(m->engine, NULL, NULL);
        dm_runner_free(m->dm);
        export_nm_worker_free(m->nm_api_worker);
        export_nm_api_done(&nm_api);
        sd_bus_flush_close_unref(m->bus);
        imsi_source_free(m->imsi);
        engine_free(m->engine);
        config_free(m->config);
        sd_event_unref(m->event);
        free(m->state_dir);
        bus_watch_free(m->agent_watch);
        free(m->agent_owner);
        free(m->agent_path);
        export_mms_settings_done(&m->mms);
        free(m->agent_asked);
        sd_event_source_unref(m->agent_retry);
        free(m);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* ---- NetworkManager's settings API off the event loop (export-nm-worker.h) ------------------ */

static int start_nm_api_run(ExportNmRun *run, void *userdata) {
        Manager *m = userdata;

        return export_nm_worker_start(m->nm_api_worker, run);
}

static void on_nm_api_run_done(ExportNmRun *run, void *userdata) {
        Manager *m = userdata;
        ExportNmStats st = {};
        int r;

        r = engine_nm_api_run_done(m->engine, run, &st);
        if (r < 0)
                log_warning_errno(r, "Failed to rebuild the exports through NetworkManager's settings API (will retry on "
                                  "the next apply): %m");
        else
                log_info("NetworkManager profiles through its settings API: %u written, %u unchanged, %u removed",
                         st.written, st.unchanged, st.removed);
        run_nm_sync(m); /* the notices of the run (someone else's changes) */
}

/* ---- timers and signals -------------------------------------------------------------------- */

static int on_expiry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        r = engine_expire(m->engine, 0);
        if (r > 0)
                log_info("%d pending push(es) expired", r);
        return sd_event_source_set_time(s, usec + EXPIRY_INTERVAL_USEC);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX + 32];
        int r;

        r = config_reload(&m->config, m->config_dir, &err);
        if (r < 0) {
                log_error_errno(r, "Reload refused, keeping the last good configuration: %s",
                                r == -EINVAL ? config_error_format(&err, buf, sizeof buf) : "read error");
                return 0;
        }
        engine_set_config(m->engine, m->config, NULL);
        log_info("Configuration reloaded");
        /* A push re-renders only the keyfiles of the roots it changed; a reload re-renders them
         * all from the store, and removes leftovers (the administrator's "resync"). */
        r = engine_rebuild_exports(m->engine, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to rebuild the exports (will retry on the next apply): %m");
        run_nm_sync(m);
        refresh_mms_settings(m); /* [Export] Mmsd= may have changed */
        return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

/* Issue 14: verifierd without uid 0 writes no keyfile itself; provboot-nm-writer does, from typed
 * requests (nm-writer/nmw-proto.h). Root (started by hand: tests, the demo) writes them itself
 * unless --nm-writer= is given. */
static const char *arg_nm_writer;
static NmwClient nm_writer;
static ExportNmIo nm_writer_io;

static int setup_nm_writer(void) {
        int r;

        if (!arg_nm_writer && geteuid() == 0)
                return 0;
        r = nmw_client_init(&nm_writer, arg_nm_writer ?: NMW_SOCKET_DEFAULT, &nm_writer_io);
        if (r < 0)
                return log_error_errno(r, "Bad --nm-writer= socket path: %m");
        export_nm_set_io(&nm_writer_io);
        log_info("NetworkManager keyfiles are written by provboot-nm-writer at %s", nm_writer.path);
        return 0;
}

static void help(void) {
        printf("verifierd [OPTIONS...]\n\n"
               "provboot's privileged verifier of OMA Client Provisioning pushes (org.provboot.Verifier1).\n\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --config-dir=DIR  Read DIR/verifierd.conf, DIR/verifierd.conf.d/, DIR/metabase.d/ and\n"
               "                       DIR/certs.d/ instead of /usr/lib/provboot, /run/provboot, /etc/provboot\n"
               "     --state-dir=DIR   Keep the store in DIR (default $STATE_DIRECTORY or %s)\n"
               "     --nm-writer=PATH  Have provboot-nm-writer at socket PATH write the keyfiles (the\n"
               "                       default when not root, at " NMW_SOCKET_DEFAULT ")\n\n"
               "See verifierd(8).\n",
               DEFAULT_STATE_DIR);
}

static int parse_argv(int argc, char **argv, Manager *m) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_DIR, ARG_STATE_DIR, ARG_NM_WRITER };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "nm-writer", required_argument, NULL, ARG_NM_WRITER },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("verifierd %s\n", PROVBOOT_VERSION);
                        return 0;
                case ARG_CONFIG_DIR:
                        m->config_dir = optarg;
                        break;
                case ARG_NM_WRITER:
                        arg_nm_writer = optarg;
                        break;
                case ARG_STATE_DIR:
                        free(m->state_dir);
                        m->state_dir = strdup(optarg);
                        if (!m->state_dir)
                                return log_oom();
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("This program takes no positional arguments.");
                return -EINVAL;
        }
        return 1;
}

static void lookup_identities(Manager *m) {
        struct passwd *pw = getpwnam(PROVD_USER);
        struct group *gr = getgrnam(PROVBOOT_GROUP);

        if (pw) {
                m->provd_uid = pw->pw_uid;
                m->have_provd_uid = true;
        } else
                log_warning("No user '%s': nobody may submit pushes", PROVD_USER);
        if (gr) {
                m->provboot_gid = gr->gr_gid;
                m->have_provboot_gid = true;
        }
}

int main(int argc, char **argv) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ConfigError err = {};
        char buf[PATH_MAX + CONFIG_ERROR_MESSAGE_MAX + 32];
        sigset_t mask;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return log_oom(), EXIT_FAILURE;
        r = parse_argv(argc, argv, m);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Secrets live here: no core dumps, no ptrace by same-uid processes. */
        r = secret_harden_process();
        if (r < 0)
                log_warning_errno(r, "Failed to harden the process: %m");

        if (!m->state_dir) {
                const char *sd = getenv("STATE_DIRECTORY");

                m->state_dir = strdup(sd && *sd ? sd : DEFAULT_STATE_DIR);
                if (!m->state_dir)
                        return log_oom(), EXIT_FAILURE;
        }
        r = config_load(m->config_dir, &m->config, &err);
        if (r < 0) {
                log_error_errno(r, "Failed to load the configuration: %s",
                                r == -EINVAL ? config_error_format(&err, buf, sizeof buf) : "read error");
                return EXIT_FAILURE;
        }
        lookup_identities(m);
        if (setup_nm_writer() < 0)
                return EXIT_FAILURE;

        export_nm_api_init(&nm_api, &nm_api_io);
        EngineOptions eo = { .state_dir = m->state_dir, .config = m->config, .nm_api = &nm_api_io };
        r = engine_new(&m->engine, &eo);
        if (r < 0)
                return log_error_errno(r, "Failed to open the store in '%s': %m", m->state_dir), EXIT_FAILURE;
        r = ipc_errors_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register error names: %m"), EXIT_FAILURE;
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), EXIT_FAILURE;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
        (void) sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);

        /* The bus: $DBUS_STARTER_ADDRESS when bus-activated by a plain dbus-daemon, else the
         * system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured by sd-bus). */
        if (getenv("DBUS_STARTER_ADDRESS") && !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, getenv("DBUS_STARTER_ADDRESS"));
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, 1);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m"), EXIT_FAILURE;
        /* the DM session's thread dials over a connection of its own, opened the same way */
        r = dm_runner_new(m->event, getenv("DBUS_STARTER_ADDRESS") && !getenv("DBUS_SYSTEM_BUS_ADDRESS") ?
                                            getenv("DBUS_STARTER_ADDRESS") : NULL, &m->dm);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the DM session thread: %m"), EXIT_FAILURE;
        r = bus_object_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object: %m"), EXIT_FAILURE;
        /* expiry, wherever the engine sweeps it, is journalled and signalled (point 9) */
        /* through the DM runner: an expiry swept on the session thread is reported here */
        dm_runner_set_verdict_hook(m->dm, on_engine_verdict, m);
        dm_runner_set_end_hook(m->dm, on_dm_session_end, m);
        engine_set_verdict_hook(m->engine, dm_runner_verdict_hook, m->dm);
        r = imsi_source_start(m->bus, m->engine, m->config->network_pin_source, &m->imsi);
        if (r < 0)
                log_warning_errno(r, "Failed to watch the network PIN source: %m");
        r = ofono_export_setup(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the oFono exporter: %m"), EXIT_FAILURE;
        r = export_nm_worker_new(m->event, on_nm_api_run_done, m, &m->nm_api_worker);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the NetworkManager settings exporter: %m"), EXIT_FAILURE;
        engine_set_nm_api_runner(m->engine, start_nm_api_run, m);
        /* With the runner set: a run through the settings API goes to the worker, so a stuck
         * NetworkManager does not hold back the start either. */
        r = engine_rebuild_exports(m->engine, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to rebuild the exports (will retry on the next apply): %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus: %m"), EXIT_FAILURE;
        r = sd_bus_request_name(m->bus, IPC_VERIFIER_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to own %s: %m", IPC_VERIFIER_BUS_NAME), EXIT_FAILURE;
        {
                uint64_t now;

                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(m->event, NULL, CLOCK_MONOTONIC, now + EXPIRY_INTERVAL_USEC, 0,
                                      on_expiry_timer, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the expiry timer: %m"), EXIT_FAILURE;
        }
        log_info("verifierd %s ready: OTA bootstrap %s, network PIN from %s, state in '%s'", PROVBOOT_VERSION,
                 engine_get_config(m->engine)->bootstrap_enabled ? "enabled" : "disabled",
                 network_pin_source_to_string(m->config->network_pin_source), m->state_dir);
        (void) sd_notify(0, "READY=1\nSTATUS=Ready");
        run_dbus_exports(m);

        /* From here on there may be two threads: engine-lock.h states who holds the lock when. */
        r = engine_lock_event_loop(m->event);
        (void) sd_notify(0, "STOPPING=1");
        /* normally no session is out here (on_sigterm waits for it); else cancel and join it */
        m->dm = dm_runner_free(m->dm);
        engine_set_verdict_hook(m->engine, on_engine_verdict, m);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_FAILURE;
        return EXIT_SUCCESS;
}
