/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm-load.c: Settings.LoadConnections for the keyfiles verifierd changed (see
 * export-nm-load.h for the method, its semantics and why it is needed). The reply is parsed with
 * bounds like any input from another process. Library code: logs nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "export-nm-load.h"
#include "macros.h"

void export_nm_load_failures_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

typedef struct Failures {
        char *const *paths;
        size_t n_paths;
        char **v;
        size_t n;
} Failures;

static int failure_entry(sd_bus_message *reply, const char *path, void *userdata) {
        Failures *f = userdata;
        char **a;

        for (size_t i = 0; i < f->n; i++)
                if (strcmp(f->v[i], path) == 0)
                        return 0; /* a duplicate */
        for (size_t i = 0; i < f->n_paths; i++)
                if (strcmp(f->paths[i], path) == 0) {
                        a = reallocarray(f->v, f->n + 2, sizeof(char *));
                        if (!a)
                                return -ENOMEM;
                        f->v = a;
                        f->v[f->n] = strdup(path);
                        if (!f->v[f->n])
                                return -ENOMEM;
                        f->v[++f->n] = NULL;
                        return 0;
                }
        return 0; /* not one we sent */
}

/* The failure paths of the reply, only those among the @paths we sent (NetworkManager reports a
 * subset of them; anything else is ignored), so the list is bounded by our own request; the reply
 * is read up to n_paths + EXPORT_NM_LOAD_FAILURES_EXTRA_MAX entries (ipc/buswatch.h). */
static int read_failures(sd_bus_message *reply, char *const *paths, size_t n_paths, char ***ret) {
        Failures f = { .paths = paths, .n_paths = n_paths };
        size_t max = n_paths + EXPORT_NM_LOAD_FAILURES_EXTRA_MAX;
        int r;

        r = bus_strv_read(reply, max > UINT_MAX ? UINT_MAX : (unsigned) max, failure_entry, &f);
        if (r < 0) {
                export_nm_load_failures_free(f.v);
                return r;
        }
        *ret = f.v;
        return 0;
}

int export_nm_load_message(sd_bus *bus, char *const *paths, size_t n, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!bus || !paths || n == 0)
                return -EINVAL;
        r = sd_bus_message_new_method_call(bus, &m, EXPORT_NM_LOAD_SERVICE, EXPORT_NM_LOAD_PATH,
                                           EXPORT_NM_LOAD_INTERFACE, EXPORT_NM_LOAD_METHOD);
        if (r < 0)
                return r;
        /* Never start NetworkManager: it reads the files itself when it starts. */
        r = sd_bus_message_set_auto_start(m, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "s", paths[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

int export_nm_load_reply(sd_bus_message *reply, char *const *paths, size_t n, char ***ret_failures) {
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        char **failures = NULL;
        int status, r;

        if (ret_failures)
                *ret_failures = NULL;
        if (error) {
                if (sd_bus_error_has_name(error, "org.freedesktop.DBus.Error.AccessDenied") ||
                    sd_bus_error_has_name(error, "org.freedesktop.NetworkManager.Settings.PermissionDenied"))
                        return -EACCES;
                return -sd_bus_error_get_errno(error) ?: -EIO;
        }
        /* (b status, as failures): status is not trusted (wrong before 1.20); failures are. */
        r = sd_bus_message_read(reply, "b", &status);
        if (r < 0)
                return -EBADMSG;
        r = read_failures(reply, paths, n, &failures);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        if (ret_failures)
                *ret_failures = failures;
        else
                export_nm_load_failures_free(failures);
        return 0;
}

int export_nm_load(sd_bus *bus, char *const *paths, size_t n, char ***ret_failures) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (ret_failures)
                *ret_failures = NULL;
        if (n == 0)
                return 0;
        r = export_nm_load_message(bus, paths, n, &m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, EXPORT_NM_LOAD_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.AccessDenied") ||
                    sd_bus_error_has_name(&error, "org.freedesktop.NetworkManager.Settings.PermissionDenied"))
                        return -EACCES;
                return r;
        }
        return export_nm_load_reply(reply, paths, n, ret_failures);
}

int export_nm_running(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int has, r;

        if (!bus)
                return -EINVAL;
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", &error, &reply, "s", EXPORT_NM_LOAD_SERVICE);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "b", &has);
        if (r < 0)
                return -EBADMSG;
        return has ? 1 : 0;
}
