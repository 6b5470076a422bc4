/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm-load.h: telling NetworkManager about the keyfiles verifierd wrote or removed
 * (issue 10, point 2). NetworkManager's keyfile plugin does not watch its directories; a file
 * written behind its back is seen only after a restart or `nmcli connection reload`. Its
 * Settings interface has the call for exactly this case (org.freedesktop.NetworkManager.Settings,
 * introspection data in network-manager-dev's
 * /usr/share/dbus-1/interfaces/org.freedesktop.NetworkManager.Settings.xml):
 *   LoadConnections(in as filenames, out b status, out as failures)
 * "Loads or reloads the indicated connections from disk", each a full path in a directory
 * NetworkManager monitors; a path whose file no longer exists unloads the connection it had
 * loaded from there (the keyfile plugin's load_connections: "the file does not exist. We take
 * that as indication to unload the file that was previously loaded"), so removed files go in the
 * same call. `status` was wrong before 1.20 (the same document says so): success is "no D-Bus
 * error", and `failures` lists the files it could not load.
 * NetworkManager authorises the call with polkit (settings.modify.system); a caller of uid 0 is
 * allowed without asking. verifierd runs as root; its bus policy (ipc/org.provboot.conf) and
 * SELinux module (networkmanager_dbus_chat) allow the call.
 * When NetworkManager is not running (nobody owns its name; the call is sent without
 * auto-start, NetworkManager is no activatable service), nothing is lost: it reads every file
 * when it starts. Library code: logs nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#define EXPORT_NM_LOAD_SERVICE "org.freedesktop.NetworkManager"
#define EXPORT_NM_LOAD_PATH "/org/freedesktop/NetworkManager/Settings"
#define EXPORT_NM_LOAD_INTERFACE "org.freedesktop.NetworkManager.Settings"
#define EXPORT_NM_LOAD_METHOD "LoadConnections"
#define EXPORT_NM_LOAD_TIMEOUT_USEC (5ULL * 1000000ULL)
/* Entries of the reply's failures read beyond the number of paths sent (NetworkManager lists a
 * subset of them); a longer list is refused (-EBADMSG). */
#define EXPORT_NM_LOAD_FAILURES_EXTRA_MAX 16U

/**
 * export_nm_load() - LoadConnections(@paths) on @bus, synchronously, without auto-start.
 * @paths: full paths (written or removed keyfiles); n == 0 does nothing
 * @ret_failures: optional; the paths NetworkManager reported it could not load, each one of @paths
 *   (others are ignored, duplicates dropped: at most @n), as a malloc'd NULL-terminated array of
 *   malloc'd strings, or NULL when none
 * Return: 0 (NetworkManager took the call; see @ret_failures); -EHOSTUNREACH or -ENXIO
 *   NetworkManager is not running; -ETIMEDOUT; -EACCES the bus or NetworkManager refused the
 *   caller; -EBADMSG a reply without NetworkManager's types, or with more than
 *   n + EXPORT_NM_LOAD_FAILURES_EXTRA_MAX failures; other negative errno.
 */
/* The asynchronous form (verifierd: sd_bus_call_async, so a slow NetworkManager never holds a
 * verdict back): the LoadConnections call for @paths, and its reply (or error reply) read with the
 * same rules and returns as export_nm_load. */
int export_nm_load_message(sd_bus *bus, char *const *paths, size_t n, sd_bus_message **ret);
int export_nm_load_reply(sd_bus_message *reply, char *const *paths, size_t n, char ***ret_failures);
int export_nm_load(sd_bus *bus, char *const *paths, size_t n, char ***ret_failures);

/* export_nm_running() - does anybody own org.freedesktop.NetworkManager on @bus (NameHasOwner)?
 * Return: 1, 0, or negative errno when the bus could not answer. */
int export_nm_running(sd_bus *bus);

/* Free a NULL-terminated array from export_nm_load. */
void export_nm_load_failures_free(char **v);
