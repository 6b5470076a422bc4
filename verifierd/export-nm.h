/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm.h: renders the committed NAPDEF settings (docs/trust-boundary.md §2.5) as NetworkManager
 * keyfiles. Every NAPDEF root in the store whose NAP-ADDRTYPE is APN (or absent) and that has a
 * NAP-ADDRESS becomes one file provboot-<NAPID sanitised>-<12 hex of SHA-256(root)>.nmconnection:
 *   [connection] id=NAME (else NAPID) uuid=<SHA-256 of the root, stable across updates>
 *                type=gsm autoconnect=true iff the NAPDEF carries the INTERNET flag, then
 *                autoconnect-priority=<authentication strength that installed it> (store.h's
 *                order, 0..4): NetworkManager autoconnects the profile of the highest priority
 *                first, so a NAPDEF with the INTERNET flag that a weaker message added next to the
 *                operator's does not take the operator's place (issue 9, finding 5)
 *   [gsm] apn=NAP-ADDRESS, username=AUTHNAME, password=AUTHSECRET, password-flags=0 (from the
 *         first NAPAUTHINFO that has either), then the SIM binding (issue 10, point 3):
 *         sim-operator-id=MCC+MNC of the SIM whose IMSI authenticated the push (NETWPIN,
 *         USERNETWPIN; see export_nm_sim_operator_id for the MNC length) and sim-id=its ICCID
 *         when verifierd knows it. NetworkManager uses a profile only on a modem whose SIM has
 *         that operator id / ICCID (it compares when ModemManager reports them), so a profile an
 *         operator pushed is not used with another operator's SIM. Pushes that no SIM
 *         authenticated (USERPIN, USERPINMAC, unauthenticated, signed packages) are not bound.
 *   [ppp] the AUTHTYPE of that NAPAUTHINFO: PAP -> refuse-chap, refuse-eap, refuse-mschap,
 *         refuse-mschapv2 = true; CHAP -> refuse-pap, refuse-eap, refuse-mschap, refuse-mschapv2
 *         = true, so only the pushed method is offered (NetworkManager hands the allowed
 *         methods to ModemManager as the bearer's allowed-auth). No AUTHTYPE, or MD5 (Mobile IP,
 *         not PPP): no [ppp] group, NetworkManager's default (any method).
 *   [ipv4] / [ipv6] method=auto
 *   [user] org.provboot.owner=verifierd, org.provboot.push-id=<push that installed it>
 * Not exported (reported by export_nm_status as "stored, not exported", with the reason):
 *   - a NAPDEF that only MMS applications (w4) use and that has no INTERNET flag: it is no data
 *     connection, and as a NetworkManager profile it could be activated (by a user, a UI's "mobile
 *     data" switch, or NetworkManager itself) as the phone's Internet connection over the MMS APN.
 *     MMS bearers are the business of oFono's mms context and mmsd-tng (export-dbus.h), which get
 *     it when enabled. The rule is export-dbus.h's: a NAPDEF that only WEAKER w4s use keeps its
 *     data connection (a weaker message cannot take the operator's Internet APN away by naming
 *     it in a w4); export_dbus_plan_from_rows decides, so both exporters agree;
 *   - a NAPDEF that is not an APN (a CSD number, an IP address);
 *   - every PXLOGICAL: NetworkManager's [proxy] setting knows only PAC (method=auto with a PAC URL
 *     or script), not a WAP/HTTP proxy host and port, so a pushed proxy is stored and shown, and
 *     never presented as applied to the system.
 * Values: the APN must be 1..64 characters of [A-Za-z0-9._-] (NMSettingGsm's rule); no value may
 * hold a control character (C0, DEL) so nothing can break out of its line or group; '\' and a
 * leading space are escaped as GKeyFile reads them; the SIM identities are decimal digits (5 or 6
 * for the operator id). A NAPDEF that breaks these rules is refused before commit
 * (export_nm_check_settings), so the store never holds one we cannot render.
 * Files are written mode 0600 (NetworkManager ignores keyfiles others can read) via a hidden temp
 * file in the same directory, fsync, rename, fsync of the directory; an unchanged file is not
 * rewritten. Ownership: a file is ours only when its name has our prefix and suffix, it is a
 * regular file owned by our euid and it carries the [user] owner marker; nothing else in the
 * directory is ever modified or removed.
 * User edits (issue 10, point 4): the store keeps, per directory and file, the SHA-256 of the
 * text verifierd wrote and the push whose rendering it was (store_*_nm_file). A file whose
 * content no longer has that digest was changed by someone else (NetworkManager rewrites the file
 * when the user edits the profile in the phone's settings); a missing one was removed (a user
 * deleting the profile). Either is left alone -- not rewritten, not recreated, not removed -- and
 * reported (EXPORT_NM_EVENT_USER_*, export_nm_status), until a push NEWER than the recorded one
 * installs that profile again: then the new push's rendering is written (the operator's update
 * wins over the user's edit, as the user accepted that push). A file of ours without a record (a
 * build before the records, or a crash between the rename and the record) is adopted: it is ours
 * by its marker, and is brought up to date like any file of ours. What someone else wrote is
 * never parsed, only hashed and compared: the decision trusts nothing in the file but whether it
 * is byte for byte what we wrote (and the ownership rule above for writing at all).
 * NetworkManager does not watch this directory: the caller tells it which files changed
 * (export-nm-load.h), from the events of export_nm_rebuild_ex.
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
        const char *authtype;           /* AUTHTYPE of the NAPAUTHINFO the credentials are from, or NULL */
        const char *sim_operator_id;    /* gsm.sim-operator-id: 5 or 6 digits, NULL: not bound */
        const char *sim_id;             /* gsm.sim-id (ICCID digits), NULL: unknown */
        bool autoconnect;
        bool mms_only;                  /* used only by MMS applications: not exported (see top) */
        unsigned strength;              /* authentication strength of its root (store.h) */
        uint64_t push_id;
        char uuid[37];
        char filename[EXPORT_NM_NAME_MAX];
} NmProfile;

typedef struct NmProfileList {
        NmProfile *items;
        size_t n;
        char **owned;                   /* strings the profiles point to that the list owns */
        size_t n_owned;
} NmProfileList;

typedef struct ExportNmStats {
        unsigned written;               /* files created or replaced */
        unsigned unchanged;             /* files already up to date */
        unsigned removed;               /* stale files of ours (and leftover temp files) removed */
        unsigned skipped;               /* NAPDEFs that are not APNs */
        unsigned mms_only;              /* NAPDEFs only MMS uses: not exported */
        unsigned user_changed;          /* files someone else changed: left alone */
        unsigned user_removed;          /* files someone else removed: not recreated */
        unsigned foreign;               /* a file not ours has the name of one of ours: not written */
} ExportNmStats;

/**
 * export_nm_profiles() - collect the profiles a list of setting rows (ordered by root, then
 *   document order, as store_foreach_setting returns them) renders to. MMS-only NAPDEFs are in
 *   the list with mms_only set; the SIM binding is not filled (it lives with the document).
 * @rows: setting rows (all roots: the MMS rule needs the w4 APPLICATIONs and proxies); the
 *   profiles borrow their strings
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
 * export_nm_sim_operator_id() - the gsm.sim-operator-id of a SIM: MCC + MNC.
 * @imsi_head: the first 5 or 6 digits of the SIM's IMSI (MCC + MNC + ...), or NULL
 * @known: MCC+MNC as the modem stack reported it for that SIM (ModemManager's
 *   Sim.OperatorIdentifier, oFono's SimManager MobileCountryCode + MobileNetworkCode), or NULL
 * @out: receives the digits
 * The MNC has 2 or 3 digits and the IMSI does not say which: the SIM does (EF_AD byte 4,
 * 3GPP TS 31.102 §4.2.18), and ModemManager reads it there. So @known wins when it is 5 or 6
 * digits and (with @imsi_head) a prefix of the IMSI -- a value of another SIM is ignored. The
 * fallback from the IMSI alone (3GPP TS 23.003 §2.2: the length is set per MCC by each country):
 * three digits for the MCCs whose networks all use three (the United States 310-316, Canada 302,
 * Mexico 334, the Caribbean members of the North American numbering plan 330, 332, 338, 342,
 * 344, 346, 348, 352, 354, 356, 358, 360, 364, 365, 366, 376, and 708, 722, 732, 750); no
 * binding for MCCs where both lengths are in use (374 Trinidad and Tobago, 405 India); two
 * digits otherwise. A wrong guess would only make
 * NetworkManager skip the profile on that SIM, and only where ModemManager knows better (it
 * compares only then); and @known avoids the guess wherever the modem stack reports it.
 * Return: 1 @out filled; 0 not bound (unknown length, or no input); -EINVAL malformed input.
 */
int export_nm_sim_operator_id(const char *imsi_head, const char *known, char out[STORE_SIM_OPERATOR_ID_MAX + 1]);

/**
 * export_nm_write_file() - atomically replace DIR/NAME with @text, mode 0600: hidden temp file in
 *   DIR, write, fsync, rename, fsync(DIR). When the file already holds exactly @text (and is a
 *   0600 regular file of ours) nothing is written.
 * Return: 1 written, 0 unchanged; -EINVAL bad name; -EEXIST DIR/NAME exists but is not ours
 *   (symlink, other owner, no marker); negative errno from the file system.
 */
int export_nm_write_file(const char *dir, const char *name, const char *text);

/* What export_nm_rebuild_ex did to (or found about) one file. */
typedef enum ExportNmEvent {
        EXPORT_NM_EVENT_WRITTEN,        /* created or replaced: NetworkManager must (re)load it */
        EXPORT_NM_EVENT_UNCHANGED,      /* ours and up to date */
        EXPORT_NM_EVENT_REMOVED,        /* ours, no longer backed by the store: removed */
        EXPORT_NM_EVENT_USER_CHANGED,   /* someone else changed it (first noticed now): left alone */
        EXPORT_NM_EVENT_USER_REMOVED,   /* someone else removed it (first noticed now): not recreated */
        EXPORT_NM_EVENT_RELEASED,       /* changed by someone else and no longer backed by the
                                         * store (first noticed now): left in place, never removed */
        EXPORT_NM_EVENT_FOREIGN,        /* a file not ours has the name: not written */
        _EXPORT_NM_EVENT_MAX,
} ExportNmEvent;

/* @name: the file name in the directory; @root: the settings root, or NULL (a stale file of a
 * build before the records). */
typedef void (*ExportNmEventFn)(ExportNmEvent ev, const char *name, const char *root, void *userdata);

/**
 * export_nm_rebuild_ex() - make DIR hold the keyfiles the store's NAPDEF settings render to:
 *   write missing or changed ones, remove our files no longer backed by the store and leftover
 *   temp files of ours, leave alone what someone else changed or removed (see top), and keep
 *   the store's records of what was written. Idempotent.
 * @stats: optional counters
 * @fn: optional; called once per file with what happened to it (USER_CHANGED / USER_REMOVED only
 *   when first noticed, so a caller can log them once)
 * Return: 0; -ENOENT DIR does not exist; -EEXIST a file we would write exists and is not ours
 *   (the others are still written); negative errno (file system, store).
 */
int export_nm_rebuild_ex(Store *s, const char *dir, ExportNmStats *stats, ExportNmEventFn fn, void *userdata);

/* export_nm_rebuild() - export_nm_rebuild_ex without events. */
int export_nm_rebuild(Store *s, const char *dir, ExportNmStats *stats);

/**
 * export_nm_update() - export_nm_rebuild_ex for the roots one push changed only (issue 11): the
 *   files of the NAPDEFs @roots names, of the NAPDEFs that the w4 APPLICATIONs and proxies name
 *   (a push of either changes which NAPDEFs are MMS-only), and of @old_napids (the NAPIDs the
 *   APPLICATIONs and proxies this push replaced named before) are written, kept or removed by the
 *   same rules; nothing else is read. Every store read is an index lookup (the root key, the
 *   record's primary key); the directory is not scanned (leftover temp files and files of no
 *   record are the business of the full rebuild at start-up and on reload).
 * Return: as export_nm_rebuild_ex.
 */
int export_nm_update(Store *s, const char *dir, const char *const *roots, size_t n_roots,
                     const char *const *old_napids, size_t n_old, ExportNmStats *stats, ExportNmEventFn fn,
                     void *userdata);

/* The state of one root's export, as provctl shows it (export_nm_status). */
#define EXPORT_NM_STATE_EXPORTED "exported"
#define EXPORT_NM_STATE_USER_CHANGED "changed by the user, not overwritten"
#define EXPORT_NM_STATE_USER_REMOVED "removed by the user, not recreated"
#define EXPORT_NM_STATE_NOT_EXPORTED "stored, not exported"
#define EXPORT_NM_STATE_NOT_WRITTEN "not written"

typedef struct ExportNmStatus {
        const char *root;
        const char *state;              /* one of EXPORT_NM_STATE_* */
        const char *file;               /* the keyfile name, or NULL (not exported) */
        const char *detail;             /* why (not exported, not written), or NULL */
        uint64_t push_id;
} ExportNmStatus;
typedef int (*ExportNmStatusFn)(const ExportNmStatus *st, void *userdata);

/**
 * export_nm_status() - read-only: for every NAPDEF and PXLOGICAL root of the store, what it is in
 *   DIR now (exported, changed or removed by the user, not exported and why, not written). Looks
 *   at the files and the records; writes nothing.
 * Return: the number of roots visited, the callback's negative value, negative errno.
 */
int export_nm_status(Store *s, const char *dir, ExportNmStatusFn fn, void *userdata);

/**
 * export_nm_status_recorded() - export_nm_status for the profiles that go through
 *   NetworkManager's settings API (@dir EXPORT_NM_API_DIR, export-nm-api.h): from the records of
 *   the last runs only (written, changed or removed by the user), NetworkManager not asked. Its
 *   calls would run on the caller's thread, and a stuck NetworkManager would hold the caller
 *   (verifierd's event loop: every bus call) up to EXPORT_NM_API_TIMEOUT_USEC per profile; the
 *   runs themselves are made off the event loop (export-nm-worker.h). A profile of a push newer
 *   than its record (or of none) is "not written" until a run records it. Every exported root's
 *   detail says that this is the state as of the last run, followed by @last_run (what that run
 *   did, e.g. "it failed"; NULL: nothing more).
 * Return: as export_nm_status.
 */
int export_nm_status_recorded(Store *s, const char *dir, const char *last_run, ExportNmStatusFn fn,
                              void *userdata);

/* ---- NetworkManager's settings API or keyfiles (issue 14) --------------------------------------
 * While NetworkManager owns org.freedesktop.NetworkManager on the system bus and [Export]
 * NetworkManagerDir= is not set, the profiles are not keyfiles of verifierd's: it adds, updates and
 * deletes them through NetworkManager's settings D-Bus API (export-nm-api.h: AddConnection2,
 * Update2, Delete with TO_DISK), the owning service, which writes its own files; the same
 * rendering model (NmProfile), the same UUIDs, the same rules for what someone else changed or
 * removed (decide_action), with the digest of the canonical settings in place of the file's and
 * the records under EXPORT_NM_API_DIR. Chosen over the keyfiles because NetworkManager then owns
 * the profiles and their files (as for a profile made in its UI), validates what it is given,
 * applies a change at once without LoadConnections, and the only right verifierd needs is the
 * polkit action settings.modify.system, no write access to any directory. Otherwise (a
 * NetworkManagerDir= is set, or NetworkManager is not running) the keyfiles below are written,
 * and loaded with LoadConnections (export-nm-load.h). engine.c chooses per run through the
 * ExportNmIo below (export_nm_set_io); the first run on the other side rebuilds in full.
 * Known limit of switching sides: the two sides keep separate records. A profile that
 * NetworkManager stored through the API under a name of its own and that a push changes while
 * NetworkManager is stopped also gets a provboot keyfile with the same UUID; NetworkManager loads
 * one profile per UUID, and the next run through the API updates that one.
 *
 * ---- where the files are read and written (issue 14) ------------------------------------------
 * verifierd started by hand as root reads and writes DIR itself. Run by systemd as its own user
 * (no uid 0, no capabilities) it cannot: the keyfiles are root's and 0600, as NetworkManager
 * requires. Then every file operation of export_nm_rebuild_ex and export_nm_status goes through
 * an ExportNmIo, provboot-nm-writer's client (nm-writer/nmw-client.h): the writer renders a file
 * from the typed profile itself, derives its name itself and touches nothing but files of ours
 * in its one directory. verifierd never sends a path or a file's text. */
typedef enum ExportNmFileState {
        EXPORT_NM_FILE_ABSENT,
        EXPORT_NM_FILE_OURS,            /* a regular file of ours (see top): digest of its content */
        EXPORT_NM_FILE_OTHER,           /* exists, not ours (symlink, other owner, no marker, too big) */
} ExportNmFileState;

typedef struct ExportNmIo {
        void *ctx;
        /* The directory is there and usable (0), else negative errno (-ENOENT...). */
        int (*open)(void *ctx);
        /* What is at NAME (a name of ours, export_nm_name_valid): state and, for OURS, the hex
         * SHA-256 of its content (or, with @digest set, the digest that op defines). @root: the
         * settings root whose profile NAME is, when the caller knows it (NULL: a name from
         * @list only); a file-system io ignores it. */
        int (*read)(void *ctx, const char *name, const char *root, ExportNmFileState *ret_state,
                    char ret_digest[STORE_DIGEST_HEX_LEN + 1]);
        /* Render @p and replace its file (p->filename) atomically: 1 written, 0 unchanged,
         * -EEXIST not ours, negative errno. */
        int (*write)(void *ctx, const NmProfile *p);
        /* Remove NAME if it is ours: 1 removed, 0 absent, -EEXIST not ours, negative errno.
         * @root as for @read. */
        int (*remove)(void *ctx, const char *name, const char *root);
        /* The names in the directory that have our pattern (malloc'd strv, NULL-terminated),
         * after removing leftover temp files of ours (counted in @ret_tmp_removed). */
        int (*list)(void *ctx, char ***ret_names, unsigned *ret_tmp_removed);
        /* Optional (NULL: the SHA-256 of export_nm_render's text, the keyfile's content): the hex
         * digest of @p as this io stores it, the one @read returns for it when nobody changed it
         * since (export-nm-api.h: the canonical form of NetworkManager's settings). */
        int (*digest)(void *ctx, const NmProfile *p, char ret_digest[STORE_DIGEST_HEX_LEN + 1]);
} ExportNmIo;

/* The store records (store_*_nm_file) of the profiles managed through NetworkManager's settings
 * API (export-nm-api.h) are kept under this key in place of a directory: their digests are of
 * another form than a keyfile's, so the two never read each other's records. */
#define EXPORT_NM_API_DIR "dbus:org.freedesktop.NetworkManager"

/*
 * A full run (export_nm_rebuild_ex's) in three steps, so that its io calls can be made off the
 * event loop (issue 14 review: NetworkManager's settings API is a dialogue of calls that each wait
 * up to EXPORT_NM_API_TIMEOUT_USEC, and a stuck NetworkManager must hold back no verdict, the
 * rule of issue 11; engine.c, export-nm-worker.h):
 *   export_nm_run_new     (event loop) reads everything the run needs from the store into the
 *                         run: the rows, the profiles (SIM binding filled), the records of DIR;
 *   export_nm_run_execute (any thread, one at a time) makes the io calls and decides with the
 *                         same rules (decide_action, drop_file), touching neither the store nor
 *                         the process-wide io of export_nm_set_io, only the run and @io; what it
 *                         would write to the store and the events are queued in the run;
 *   export_nm_run_commit  (event loop) applies the queued record changes to the store in order
 *                         and calls @fn for the events.
 * The records a run commits are facts about the target (what is there now, what verifierd sent):
 * a push committed while the run was out is the next run's business (the caller starts one).
 */
typedef struct ExportNmRun ExportNmRun;

/* Return: 0; negative errno (store). */
int export_nm_run_new(Store *s, const char *dir, ExportNmRun **ret);
/* Return: as export_nm_rebuild_ex, without the store's errors. */
int export_nm_run_execute(ExportNmRun *run, const ExportNmIo *io);
/* Return: the execute's result, else the first store error; -ECANCELED never executed. */
int export_nm_run_commit(ExportNmRun *run, Store *s, ExportNmStats *stats, ExportNmEventFn fn, void *userdata);
ExportNmRun *export_nm_run_free(ExportNmRun *run);

/* export_nm_get_io() - the io export_nm_set_io set last (NULL: the process's file system). */
const ExportNmIo *export_nm_get_io(void);

/* export_nm_uuid_of_root() - the connection UUID of the profile of settings root @root: the one
 * export_nm_render and the API write (stable across updates, see profile_names). */
void export_nm_uuid_of_root(const char *root, char out[37]);

/* export_nm_set_io() - route every file operation through @io (NULL: this process's own file
 * system, the default). Process-wide, set once at start-up (verifierd/main.c). */
void export_nm_set_io(const ExportNmIo *io);

/* The direct operations of a process that may write DIR (root; provboot-nm-writer), on an open
 * directory: the same rules as the rebuild (ownership, atomic replace, 0600). */
int export_nm_dir_read(int dirfd, const char *name, ExportNmFileState *ret_state,
                       char ret_digest[STORE_DIGEST_HEX_LEN + 1]);
int export_nm_dir_write(int dirfd, const NmProfile *p);
int export_nm_dir_remove(int dirfd, const char *name);
int export_nm_dir_list(int dirfd, char ***ret_names, unsigned *ret_tmp_removed);

/* export_nm_name_of_root() - NAME is a valid name (export_nm_name_valid) whose 12 hex digits are
 * those of @root (profile_names: the first 6 bytes of SHA-256(root)). */
bool export_nm_name_of_root(const char *name, const char *root);

/* export_nm_name_valid() - NAME has exactly the shape profile names get:
 * "provboot-" [A-Za-z0-9_-]{1,32} "-" [0-9a-f]{12} ".nmconnection". */
bool export_nm_name_valid(const char *name);

/* export_nm_profile_finish() - check a profile built from outside the store (provboot-nm-writer's
 * typed request) by the rules export_nm_profiles applies to rows (top of this file: APN, no
 * control character, SIM digits, a NAPID, strength 0..4) and fill its file name and UUID.
 * Return: 0; -EBADMSG. */
int export_nm_profile_finish(NmProfile *p);
