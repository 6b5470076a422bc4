/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm.h: renders the committed NAPDEF settings (security-model.md §2.5) as NetworkManager
 * keyfiles. Every NAPDEF root in the store whose NAP-ADDRTYPE is APN (or absent) and that has a
 * NAP-ADDRESS becomes one file provboot-<NAPID sanitised>-<12 hex of SHA-256(root)>.nmconnection:
 *   [connection] id=NAME (else NAPID) uuid=<SHA-256 of the root, stable across updates>
 *                type=gsm autoconnect=true iff the NAPDEF carries the INTERNET flag, then
 *                autoconnect-priority=<authentication strength that installed it> (store.h's
 *                order, 0..4): NetworkManager autoconnects the profile of the highest priority
 *                first, so a NAPDEF with the INTERNET flag that a weaker message added next to the
 *                operator's does not take the operator's place (issue 9, finding 5)
 *   [gsm] apn=NAP-ADDRESS, username=AUTHNAME, password=AUTHSECRET, password-flags=0 (from the
 *         first NAPAUTHINFO that has either; AUTHTYPE has no keyfile equivalent and is dropped)
 *   [ipv4] / [ipv6] method=auto
 *   [user] org.provboot.owner=verifierd, org.provboot.push-id=<push that installed it>
 * Values: the APN must be 1..64 characters of [A-Za-z0-9._-] (NMSettingGsm's rule); no value may
 * hold a control character (C0, DEL) so nothing can break out of its line or group; '\' and a
 * leading space are escaped as GKeyFile reads them. A NAPDEF that breaks these rules is refused
 * before commit (export_nm_check_settings), so the store never holds one we cannot render.
 * Files are written mode 0600 (NetworkManager ignores keyfiles others can read) via a hidden temp
 * file in the same directory, fsync, rename, fsync of the directory; an unchanged file is not
 * rewritten. Ownership: a file is ours only when its name has our prefix and suffix, it is a
 * regular file owned by our euid and it carries the [user] owner marker; nothing else in the
 * directory is ever modified or removed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define EXPORT_NM_PREFIX "provboot-"
#define EXPORT_NM_SUFFIX ".nmconnection"
#define EXPORT_NM_TMP_PREFIX ".provboot-tmp-"
#define EXPORT_NM_OWNER_MARKER "org.provboot.owner=verifierd"
#define EXPORT_NM_APN_MAX 64U
#define EXPORT_NM_NAME_MAX 128U         /* file names we make */
#define EXPORT_NM_FILE_MAX (64U * 1024U) /* largest keyfile we read back when comparing */

typedef struct NmProfile {
        const char *root;               /* settings root: /NAPDEF[NAPID=...] */
        const char *napid;
        const char *id;                 /* connection.id */
        const char *apn;
        const char *username;           /* NULL when absent */
        const char *password;           /* NULL when absent */
        bool autoconnect;
        unsigned strength;              /* authentication strength of its root (store.h) */
        uint64_t push_id;
        char uuid[37];
        char filename[EXPORT_NM_NAME_MAX];
} NmProfile;

typedef struct NmProfileList {
        NmProfile *items;
        size_t n;
} NmProfileList;

typedef struct ExportNmStats {
        unsigned written;               /* files created or replaced */
        unsigned unchanged;             /* files already up to date */
        unsigned removed;               /* stale files of ours (and leftover temp files) removed */
        unsigned skipped;               /* NAPDEFs that are not APNs */
} ExportNmStats;

/**
 * export_nm_profiles() - collect the profiles a list of setting rows (ordered by root, then
 *   document order, as store_foreach_setting returns them) renders to.
 * @rows: setting rows; the profiles borrow their strings
 * @n: number of rows
 * @ret: the profiles (free with export_nm_profile_list_done)
 * @ret_skipped: NAPDEFs ignored because they are not APNs (may be NULL)
 * Return: 0; -EBADMSG a NAPDEF has a value we refuse to render (the bad root is named in
 *   @ret_bad_root when not NULL, malloc'd); -ENOMEM.
 */
int export_nm_profiles(const StoreSetting *rows, size_t n, NmProfileList *ret, unsigned *ret_skipped,
                       char **ret_bad_root);
void export_nm_profile_list_done(NmProfileList *l);

/**
 * export_nm_check_settings() - pre-commit check: would these (new) rows render? Same rules as
 *   export_nm_profiles.
 * Return: 0; -EBADMSG (with @ret_bad_root as above); -ENOMEM.
 */
int export_nm_check_settings(const StoreSettingList *rows, char **ret_bad_root);

/**
 * export_nm_render() - the keyfile text of one profile.
 * @ret_text: malloc'd NUL-terminated text
 * Return: 0; -EBADMSG a value fails the rules (a caller bug after export_nm_profiles); -ENOMEM.
 */
int export_nm_render(const NmProfile *p, char **ret_text);

/**
 * export_nm_write_file() - atomically replace DIR/NAME with @text, mode 0600: hidden temp file in
 *   DIR, write, fsync, rename, fsync(DIR). When the file already holds exactly @text (and is a
 *   0600 regular file of ours) nothing is written.
 * Return: 1 written, 0 unchanged; -EINVAL bad name; -EEXIST DIR/NAME exists but is not ours
 *   (symlink, other owner, no marker); negative errno from the file system.
 */
int export_nm_write_file(const char *dir, const char *name, const char *text);

/**
 * export_nm_rebuild() - make DIR hold exactly the keyfiles the store's NAPDEF settings render to:
 *   write missing or changed ones, remove our files no longer backed by the store and leftover
 *   temp files of ours. Idempotent.
 * @stats: optional counters
 * Return: 0; -ENOENT DIR does not exist; -EEXIST a file we would write exists and is not ours
 *   (the others are still written); negative errno.
 */
int export_nm_rebuild(Store *s, const char *dir, ExportNmStats *stats);

/* True when the regular file DIR/NAME (not followed if a symlink) is one of ours (see top). */
bool export_nm_is_ours(int dirfd, const char *name);
