/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm-api.h: the profiles of export-nm.h through NetworkManager's own settings D-Bus API
 * (issue 14), the owning service's way to add, update and delete the profiles it owns, to disk:
 * org.freedesktop.NetworkManager.Settings (introspection data in network-manager-dev's
 * /usr/share/dbus-1/interfaces/org.freedesktop.NetworkManager.Settings.xml and
 * ...Settings.Connection.xml):
 *   Settings.AddConnection2(a{sa{sv}} settings, u flags, a{sv} args) -> (o path, a{sv} result)
 *   Settings.GetConnectionByUuid(s uuid) -> o
 *   Settings.ListConnections() -> ao
 *   Settings.Connection.GetSettings() -> a{sa{sv}}   (no secrets)
 *   Settings.Connection.GetSecrets(s setting) -> a{sa{sv}}   (the gsm password)
 *   Settings.Connection.Update2(a{sa{sv}} settings, u flags, a{sv} args) -> a{sv}
 *   Settings.Connection.Delete()
 * with flags TO_DISK (0x1): NetworkManager writes the keyfile itself, root's and 0600, in its own
 * directory under a name of its own. NetworkManager authorises each call with polkit
 * (org.freedesktop.NetworkManager.settings.modify.system), which the package's rule allows to the
 * user provboot-verifier and nothing else (packaging/polkit/50-provboot-verifier.rules); root is
 * allowed without asking.
 *
 * When: verifierd uses this API when NetworkManager owns org.freedesktop.NetworkManager on the
 * system bus and [Export] NetworkManagerDir= is not configured (engine.c decides per export run);
 * otherwise the keyfiles are written to that directory, by verifierd itself (root) or by
 * provboot-nm-writer (export-nm.h), and loaded with LoadConnections (export-nm-load.h).
 *
 * The settings are rendered from the same model as the keyfile (NmProfile, export_nm_profiles):
 *   connection: id, uuid (export_nm_uuid_of_root, the keyfile's), type "gsm", autoconnect
 *               (sent only when false), autoconnect-priority (the strength, when autoconnect)
 *   gsm:        apn, username, password, password-flags 0 (system-owned, stored by
 *               NetworkManager), sim-id, sim-operator-id (the SIM binding)
 *   ppp:        refuse-* = true for the methods not pushed (AUTHTYPE PAP / CHAP)
 *   ipv4/ipv6:  method "auto"
 *   user:       data {org.provboot.owner: verifierd, org.provboot.push-id: N,
 *               org.provboot.name: the profile's keyfile-style name (export_nm_name_valid), the
 *               key its store record has, org.provboot.root: its settings root}
 * Ownership: a connection is ours when it has the UUID of one of our profiles and carries the
 * owner marker in its user data; one with that UUID and without the marker is someone else's
 * (EXPORT_NM_FILE_OTHER) and never updated or deleted. A connection known only from the listing
 * (no store record names it: a crash between the call and the record, or a stale one) is taken
 * for the name in its user data only when the root in its user data gives that name
 * (export_nm_name_of_root) and its UUID is export_nm_uuid_of_root of that root; otherwise it is
 * left alone, since the marker and a name are anyone's to copy.
 * User edits: the store record of a profile (store_*_nm_file, under EXPORT_NM_API_DIR, by its
 * name) keeps the digest of the canonical form of the settings verifierd sent. The canonical
 * form (export_nm_api_canonical) is computed the same way from what NetworkManager returns
 * (GetSettings, plus GetSecrets("gsm") for the password), so a profile nobody touched reads
 * back with the digest verifierd stored; one the user changed (nmcli, the phone's settings)
 * does not, and one the user deleted is gone: both are left alone (export-nm.h's rule, shared
 * code: decide_action) until a newer push installs that profile again. The canonical form is
 * every property of every setting, sorted, as "setting.property=signature:value", leaving out
 * what NetworkManager adds without anyone asking: a value equal to its default (an empty string,
 * array or dictionary, false, 0, and the defaults listed in export-nm-api.c) and
 * connection.timestamp (NetworkManager updates it when the profile is used). So a user's change
 * to a property verifierd does not set (a DNS server, say) counts as a change too. A setting or
 * property name other than letters, digits, '-' and '_' is not NetworkManager's: refused. Only what
 * NetworkManager returns is hashed; nothing of it is interpreted, and the digest is compared
 * in constant time like the keyfiles'.
 * Library code: logs nothing. The password goes only into the request to NetworkManager and
 * into the canonical text, which is wiped before it is freed; it is never logged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "export-nm.h"

#define EXPORT_NM_API_SERVICE "org.freedesktop.NetworkManager"
#define EXPORT_NM_API_SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define EXPORT_NM_API_SETTINGS_INTERFACE "org.freedesktop.NetworkManager.Settings"
#define EXPORT_NM_API_CONNECTION_INTERFACE "org.freedesktop.NetworkManager.Settings.Connection"
/* NMSettingsAddConnection2Flags / NMSettingsUpdate2Flags: TO_DISK */
#define EXPORT_NM_API_FLAG_TO_DISK 0x1U
#define EXPORT_NM_API_TIMEOUT_USEC (5ULL * 1000000ULL)
/* All the calls of one run together (ExportNmApi.deadline, set by export-nm-worker.c): a
 * NetworkManager that answers each call just within its time-out cannot keep a run (ListConnections
 * and a GetSettings per connection, up to EXPORT_NM_API_CONNECTIONS_MAX) out for hours. */
#define EXPORT_NM_API_RUN_BUDGET_USEC (60ULL * 1000000ULL)
/* The user data keys (NMSettingUser: keys of [A-Za-z0-9._-] with a dot). */
#define EXPORT_NM_API_KEY_OWNER "org.provboot.owner"
#define EXPORT_NM_API_OWNER "verifierd"
#define EXPORT_NM_API_KEY_PUSH_ID "org.provboot.push-id"
#define EXPORT_NM_API_KEY_NAME "org.provboot.name"
#define EXPORT_NM_API_KEY_ROOT "org.provboot.root"
/* Bounds on what NetworkManager returns, read like any other process's input: */
#define EXPORT_NM_API_CANON_MAX (64U * 1024U)   /* bytes of one connection's canonical text */
#define EXPORT_NM_API_DEPTH_MAX 8U              /* nesting of containers inside one value */
#define EXPORT_NM_API_CONNECTIONS_MAX 4096U     /* entries of ListConnections read */
#define EXPORT_NM_API_PROPERTIES_MAX 1024U      /* properties of one connection read (all its
                                                 * settings and secrets, kept or not), and
                                                 * entries of its user data */

/**
 * export_nm_api_append_settings() - append the a{sa{sv}} of @p (see top) to @m.
 * Return: 0; -EBADMSG a value fails export-nm.h's rules; negative errno from sd-bus.
 */
int export_nm_api_append_settings(sd_bus_message *m, const NmProfile *p);

/**
 * export_nm_api_canonical() - the canonical text (see top) of one or more a{sa{sv}} read from
 *   @msgs (each positioned at its a{sa{sv}}; a setting in several, e.g. GetSettings and
 *   GetSecrets, is merged, the later one winning for a property in both).
 * @ret: malloc'd NUL-terminated text; contains the password: free with export_nm_api_text_free
 * Return: 0; -EBADMSG not a{sa{sv}}, too deep, or over EXPORT_NM_API_CANON_MAX; -ENOMEM.
 */
int export_nm_api_canonical(sd_bus_message *const *msgs, size_t n, char **ret);
void export_nm_api_text_free(char *text);

/* The most bytes of a dictionary's entries held at once while this thread's last
 * export_nm_api_canonical read them (never past EXPORT_NM_API_CANON_MAX; for the tests). */
size_t export_nm_api_canonical_peak(void);

/**
 * export_nm_api_profile_digest() - the hex SHA-256 of the canonical text of @p's settings, as
 *   export_nm_api_append_settings sends them (what a read-back of an untouched profile yields).
 * @bus: a started bus (sd-bus makes messages only for one); nothing is sent
 * Return: 0; -EBADMSG; -ENOMEM; negative errno from sd-bus.
 */
int export_nm_api_profile_digest(sd_bus *bus, const NmProfile *p, char ret_digest[STORE_DIGEST_HEX_LEN + 1]);

/* One connection to the system bus of its own (the export runs outside the event loop's calls),
 * opened on first use and again after it broke. */
typedef struct ExportNmListed {
        char name[EXPORT_NM_NAME_MAX];
        char uuid[37];
        bool bound;                     /* its user data's root gives this name and this UUID */
} ExportNmListed;

typedef struct ExportNmApi {
        sd_bus *bus;
        ExportNmListed *listed;         /* the names and UUIDs of the last @list */
        size_t n_listed;
        uint64_t deadline;              /* CLOCK_MONOTONIC µs: no call starts after it, none waits
                                         * past it (-ETIMEDOUT); 0: none */
} ExportNmApi;

/**
 * export_nm_api_init() - fill @io with the operations of export-nm.h's ExportNmIo through the
 *   API, for @api (not connected yet). @io->open is 0 only while NetworkManager owns its name
 *   (-EHOSTUNREACH otherwise): engine.c asks it to choose between the API and the keyfiles.
 *   The names of @io are the profiles' keyfile-style names (export_nm_name_valid), carried in
 *   each connection's user data; nothing is written to any directory by verifierd.
 */
void export_nm_api_init(ExportNmApi *api, ExportNmIo *io);
void export_nm_api_done(ExportNmApi *api);
