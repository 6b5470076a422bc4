/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: provboot-mmsd-sync, a user service of the phone's user (issue 10 point 5). mmsd-tng
 * lives on that user's SESSION bus; verifierd is a system service that never touches a user's
 * session bus. So verifierd publishes the MMS settings it applied on the SYSTEM bus
 * (org.provboot.Verifier1.GetMmsSettings, signal MmsSettingsChanged; ipc/mms-settings.h) and this
 * program, running as the user, reads them there and hands them to mmsd-tng with its
 * ChangeSettings on the session bus (names and the rule in plan.h).
 *
 * When it acts: at start, when verifierd (re)appears or signals a change, and when mmsd-tng
 * (re)appears on the session bus (a restarted mmsd-tng is checked again: one that lost its key
 * file gets the settings back; plan.h says when a value the user changed is kept).
 *
 * Trust (each decision says what it trusts and why):
 *   - the settings: only the reply of org.provboot.Verifier1 on the system bus, whose owner can
 *     only be root (ipc/org.provboot.conf: only root may own it). Even so every value is checked
 *     again (ipc_mms_settings_read: bounded dictionary, bounded strings, URL and host:port shape)
 *     before it goes to mmsd-tng, which writes it to a key file;
 *   - MmsSettingsChanged is only a hint to read again, and only believed as a broadcast from the
 *     unique name that owns org.provboot.Verifier1 now (ipc/buswatch.h); its payload is not used;
 *   - NameOwnerChanged only from the bus driver (BusWatch); calls to mmsd-tng go to the unique
 *     name that owns org.ofono.mms on the user's own session bus (only the user's processes can
 *     connect to it), never auto-starting anything there;
 *   - what mmsd-tng reports (ViewSettings) is only compared, bounded (MMSD_VIEW_*), never sent on;
 *   - the state file is the user's own and is parsed like any input (sync_record_parse).
 * Logs through stderr (journald under systemd); values logged are the published ones, which
 * are no secret (ipc/mms-settings.h), escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "buswatch.h"
#include "ipc.h"
#include "log.h"
#include "macros.h"
#include "mms-settings.h"
#include "plan.h"

#ifndef PROVBOOT_VERSION
#define PROVBOOT_VERSION "0.1"
#endif

#define PROGRAM "provboot-mmsd-sync"
/* One bus call (verifierd may be bus-activated by the first GetMmsSettings: allow for that). */
#define SYNC_CALL_TIMEOUT_USEC (10ULL * 1000000ULL)

typedef struct Sync {
        sd_event *event;
        sd_bus *system, *session;
        BusWatch *verifier, *mmsd;
        sd_bus_slot *changed_slot;
        /* the published settings, owned copies (pub borrows them) */
        IpcMmsSettings pub;
        char *mmsc, *apn, *proxy;
        bool fetched;
        /* the state file and what it holds */
        char *state_dir;
        SyncRecord last;
        uint64_t kept_logged;           /* push id whose "kept" was logged */
        bool waiting_logged;
} Sync;

static Sync *sync_free(Sync *s) {
        if (!s)
                return NULL;
        s->changed_slot = sd_bus_slot_unref(s->changed_slot);
        bus_watch_free(s->verifier);
        bus_watch_free(s->mmsd);
        sd_bus_flush_close_unref(s->system);
        sd_bus_flush_close_unref(s->session);
        sd_event_unref(s->event);
        free(s->mmsc);
        free(s->apn);
        free(s->proxy);
        free(s->state_dir);
        free(s);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Sync *, sync_free);

/* ---- the state file ------------------------------------------------------------------------ */

/* $STATE_DIRECTORY (systemd's StateDirectory=, the first entry), else $XDG_STATE_HOME or
 * ~/.local/state, plus "provboot-mmsd-sync". */
static char *default_state_dir(void) {
        const char *e = getenv("STATE_DIRECTORY");
        char *r = NULL;

        if (e && *e)
                return strndup(e, strcspn(e, ":"));
        e = getenv("XDG_STATE_HOME");
        if (e && e[0] == '/') {
                if (asprintf(&r, "%s/" PROGRAM, e) < 0)
                        return NULL;
                return r;
        }
        e = getenv("HOME");
        if (!e || e[0] != '/')
                return NULL;
        if (asprintf(&r, "%s/.local/state/" PROGRAM, e) < 0)
                return NULL;
        return r;
}

static void state_load(Sync *s) {
        _cleanup_free_ char *path = NULL;
        char buf[SYNC_STATE_MAX + 1];
        ssize_t n;
        int fd, r;

        s->last = (SyncRecord) {};
        if (asprintf(&path, "%s/%s", s->state_dir, SYNC_STATE_FILE) < 0)
                return (void) log_oom();
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno != ENOENT)
                        log_warning_errno(errno, "Failed to open '%s', as if nothing was applied: %m", path);
                return;
        }
        n = read(fd, buf, sizeof buf); /* one byte more than allowed: a longer file is refused */
        close(fd);
        if (n < 0) {
                log_warning_errno(errno, "Failed to read '%s', as if nothing was applied: %m", path);
                return;
        }
        r = sync_record_parse(buf, (size_t) n, &s->last);
        if (r < 0)
                log_warning_errno(r, "Ignoring '%s' (not as this program writes it), as if nothing was applied: %m",
                                  path);
}

/* mkdir -p with mode 0700 for what is created (~/.local/state may not exist without systemd). */
static int mkdir_parents(const char *dir) {
        _cleanup_free_ char *p = strdup(dir);

        if (!p)
                return -ENOMEM;
        for (char *c = p + 1; *c; c++) {
                if (*c != '/')
                        continue;
                *c = 0;
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *c = '/';
        }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Write it atomically: temporary file, fsync, rename. */
static int state_save(Sync *s, const SyncRecord *rec) {
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        char buf[SYNC_STATE_MAX];
        int fd, n, r = 0;

        n = sync_record_format(rec, buf, sizeof buf);
        if (n < 0)
                return n;
        r = mkdir_parents(s->state_dir);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/%s", s->state_dir, SYNC_STATE_FILE) < 0 ||
            asprintf(&tmp, "%s/.%s.tmp", s->state_dir, SYNC_STATE_FILE) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, buf, (size_t) n) != n)
                r = errno ? -errno : -EIO;
        else if (fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        else
                s->last = *rec;
        return r;
}

/* ---- mmsd-tng (session bus) ---------------------------------------------------------------- */

/* ViewSettings of the mmsd-tng instance @owner. Return: 0 (view filled; strings live in *reply),
 * or negative errno. */
static int mmsd_view(Sync *s, const char *owner, sd_bus_message **reply, MmsdView *view) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        *view = (MmsdView) {};
        r = sd_bus_message_new_method_call(s->session, &call, owner, MMSD_PATH, MMSD_INTERFACE, MMSD_M_VIEW_SETTINGS);
        if (r < 0)
                return r;
        r = sd_bus_call(s->session, call, SYNC_CALL_TIMEOUT_USEC, &error, reply);
        if (r < 0) {
                log_info("mmsd-tng ViewSettings failed (%s): sending every setting", error.name ? error.name : strerror(-r));
                return r;
        }
        r = sync_view_read(*reply, view);
        if (r < 0) {
                *reply = sd_bus_message_unref(*reply);
                log_info_errno(r, "mmsd-tng's ViewSettings reply is not as expected (%m): sending every setting");
        }
        return r;
}

static int mmsd_change(Sync *s, const char *owner, const SyncChange *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char v[LOG_ESCAPE_SIZE(IPC_MMS_VALUE_MAX)];
        int r;

        /* always a string variant: mmsd-tng 2.1.0 reads these keys as strings whatever was sent */
        r = sd_bus_call_method(s->session, owner, MMSD_PATH, MMSD_INTERFACE, MMSD_M_CHANGE_SETTINGS, &error, NULL, "sv",
                               c->key, "s", c->value);
        if (r < 0)
                return log_warning_errno(r, "mmsd-tng refused %s='%s': %s", c->key, log_escape(c->value, v, sizeof v),
                                         error.message ? error.message : strerror(-r));
        log_info("mmsd-tng: %s set to '%s'", c->key, log_escape(c->value, v, sizeof v));
        return 0;
}

/* Bring mmsd-tng in line with the published settings (plan.h's rule). */
static void sync_apply(Sync *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *owner = bus_watch_owner(s->mmsd);
        SyncChange changes[3];
        MmsdView view;
        SyncRecord rec;
        SyncAction a;
        unsigned n;
        int r;

        if (!s->fetched || !s->pub.have)
                return;
        if (!owner) {
                if (!s->waiting_logged)
                        log_info("mmsd-tng is not (yet) seen on the session bus; the settings of push %" PRIu64
                                 " are handed to it when it is", s->pub.push_id);
                s->waiting_logged = true;
                return;
        }
        s->waiting_logged = false;
        r = mmsd_view(s, owner, &reply, &view);
        a = sync_decide(&s->pub, r < 0 ? NULL : &view, &s->last);
        switch (a) {
        case SYNC_NOTHING:
                return;
        case SYNC_KEEP_USER_EDIT:
                if (s->kept_logged != s->pub.push_id)
                        log_notice("mmsd-tng's MMS settings were changed after push %" PRIu64
                                   " was handed to it: left as they are until a newer push",
                                   s->pub.push_id);
                s->kept_logged = s->pub.push_id;
                return;
        case SYNC_IN_SYNC:
                log_info("mmsd-tng already holds the MMS settings of push %" PRIu64, s->pub.push_id);
                break;
        case SYNC_APPLY:
                n = sync_changes(&s->pub, r < 0 ? NULL : &view, changes);
                for (unsigned i = 0; i < n; i++)
                        if (mmsd_change(s, owner, &changes[i]) < 0)
                                return; /* retried on the next event; nothing recorded */
                log_info("MMS settings of push %" PRIu64 " handed to mmsd-tng (%u setting(s) changed)", s->pub.push_id, n);
                break;
        }
        if (sync_record_matches(&s->last, &s->pub))
                return;
        sync_record_set(&rec, &s->pub);
        r = state_save(s, &rec);
        if (r < 0)
                log_warning_errno(r, "Failed to record the applied settings in '%s': %m", s->state_dir);
}

static void on_mmsd_owner(BusWatch *w, const char *owner, void *userdata) {
        Sync *s = userdata;

        if (!owner) {
                log_info("mmsd-tng left the session bus");
                return;
        }
        log_info("mmsd-tng is on the session bus (%s)", owner);
        sync_apply(s);
}

/* ---- verifierd (system bus) ---------------------------------------------------------------- */

static int keep_published(Sync *s, const IpcMmsSettings *p) {
        char *m = NULL, *a = NULL, *x = NULL;

        if (p->have) {
                m = strdup(p->mmsc);
                a = strdup(p->apn);
                x = strdup(p->proxy);
                if (!m || !a || !x) {
                        free(m);
                        free(a);
                        free(x);
                        return -ENOMEM;
                }
        }
        free(s->mmsc);
        free(s->apn);
        free(s->proxy);
        s->mmsc = m;
        s->apn = a;
        s->proxy = x;
        s->pub = (IpcMmsSettings) { .have = p->have, .mmsc = m, .apn = a, .proxy = x, .push_id = p->push_id };
        return 0;
}

/* GetMmsSettings, addressed to the well-known name: the bus delivers it to its owner, which only
 * root can be (see the trust notes above); it may bus-activate verifierd, as any provctl call. */
static void fetch_published(Sync *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        IpcMmsSettings p;
        bool changed;
        int r;

        r = sd_bus_call_method(s->system, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH, IPC_VERIFIER_INTERFACE,
                               IPC_M_GET_MMS_SETTINGS, &error, &reply, "");
        if (r < 0) {
                log_warning("Failed to read the MMS settings from verifierd (%s); retried when it signals or restarts",
                            error.message ? error.message : strerror(-r));
                return;
        }
        r = ipc_mms_settings_read(reply, &p);
        if (r < 0) {
                log_warning_errno(r, "Refusing the MMS settings verifierd sent (%m); mmsd-tng left as it is");
                return;
        }
        changed = !s->fetched || p.have != s->pub.have ||
                  (p.have && (p.push_id != s->pub.push_id || strcmp(p.mmsc, s->pub.mmsc) != 0 ||
                              strcmp(p.apn, s->pub.apn) != 0 || strcmp(p.proxy, s->pub.proxy) != 0));
        if (keep_published(s, &p) < 0)
                return (void) log_oom();
        s->fetched = true;
        if (changed) {
                if (p.have)
                        log_info("verifierd publishes the MMS settings of push %" PRIu64, p.push_id);
                else
                        log_info("verifierd publishes no MMS settings ([Export] Mmsd=no, or none stored): mmsd-tng left as it is");
        }
        sync_apply(s);
}

static int on_settings_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Sync *s = userdata;

        /* A hint only, believed only from the current owner of org.provboot.Verifier1 as a
         * broadcast; the settings are then read with GetMmsSettings, never taken from it. */
        if (!bus_watch_signal_trusted(s->verifier, msg)) {
                log_debug("Ignoring MmsSettingsChanged not broadcast by verifierd (from '%s')",
                          sd_bus_message_get_sender(msg) ? sd_bus_message_get_sender(msg) : "?");
                return 0;
        }
        fetch_published(s);
        return 0;
}

static void on_verifier_owner(BusWatch *w, const char *owner, void *userdata) {
        Sync *s = userdata;

        if (owner)
                fetch_published(s);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void help(void) {
        printf(PROGRAM " [OPTIONS...]\n\n"
               "Hands the MMS settings provboot's verifierd applied (system bus) to mmsd-tng (session bus).\n\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --state-dir=DIR   Keep the record of what was handed over in DIR (default\n"
               "                       $STATE_DIRECTORY, $XDG_STATE_HOME/" PROGRAM " or ~/.local/state/" PROGRAM ")\n\n"
               "See " PROGRAM "(1).\n");
}

static int parse_argv(int argc, char **argv, Sync *s) {
        enum { ARG_VERSION = 0x100, ARG_STATE_DIR };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf(PROGRAM " %s\n", PROVBOOT_VERSION);
                        return 0;
                case ARG_STATE_DIR:
                        free(s->state_dir);
                        s->state_dir = strdup(optarg);
                        if (!s->state_dir)
                                return log_oom();
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("This program takes no arguments.");
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv) {
        _cleanup_(sync_freep) Sync *s = NULL;
        sigset_t mask;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom(), EXIT_FAILURE;
        r = parse_argv(argc, argv, s);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (!s->state_dir) {
                s->state_dir = default_state_dir();
                if (!s->state_dir)
                        return log_error("No state directory: set $HOME or use --state-dir="), EXIT_FAILURE;
        }
        state_load(s);

        r = sd_event_default(&s->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), EXIT_FAILURE;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(s->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(s->event, NULL, SIGINT, NULL, NULL);

        /* Both buses honour $DBUS_SYSTEM_BUS_ADDRESS / $DBUS_SESSION_BUS_ADDRESS. Losing either
         * ends the program (the user's session is over, or the system bus restarted). */
        r = sd_bus_open_system(&s->system);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m"), EXIT_FAILURE;
        r = sd_bus_open_user(&s->session);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the session bus: %m"), EXIT_FAILURE;
        (void) sd_bus_set_exit_on_disconnect(s->system, true);
        (void) sd_bus_set_exit_on_disconnect(s->session, true);

        /* the signal's match first, then the owner watch (buswatch.h: so none is missed) */
        r = sd_bus_match_signal_async(s->system, &s->changed_slot, IPC_VERIFIER_BUS_NAME, IPC_VERIFIER_PATH,
                                      IPC_VERIFIER_INTERFACE, IPC_S_MMS_SETTINGS_CHANGED, on_settings_changed, NULL, s);
        if (r < 0)
                return log_error_errno(r, "Failed to watch verifierd's signal: %m"), EXIT_FAILURE;
        r = bus_watch_new(s->system, IPC_VERIFIER_BUS_NAME, on_verifier_owner, s, &s->verifier);
        if (r < 0)
                return log_error_errno(r, "Failed to watch verifierd: %m"), EXIT_FAILURE;
        r = bus_watch_new(s->session, MMSD_SERVICE, on_mmsd_owner, s, &s->mmsd);
        if (r < 0)
                return log_error_errno(r, "Failed to watch mmsd-tng: %m"), EXIT_FAILURE;
        r = sd_bus_attach_event(s->system, s->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_attach_event(s->session, s->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the buses: %m"), EXIT_FAILURE;

        log_info(PROGRAM " %s: state in '%s'", PROVBOOT_VERSION, s->state_dir);
        (void) sd_notify(0, "READY=1\nSTATUS=Following verifierd's MMS settings");
        /* The first read; a verifierd that is not running yet is bus-activated by it. mmsd-tng's
         * owner becomes known through the watch, which then applies. */
        fetch_published(s);

        r = sd_event_loop(s->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_FAILURE;
        (void) sd_notify(0, "STOPPING=1");
        return EXIT_SUCCESS;
}
