/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.h: verifierd's durable state, one SQLite database (provboot.db) in the state directory:
 * the history of every push and its verdict, pending pushes (body and MAC exactly as received,
 * never a PIN), applied documents (by SHA-256 digest, for replay detection), the settings they
 * installed (one row per characteristic and parm path, with the roles and authentication that
 * installed it, for the downgrade rule and the exporters), DM accounts with their roles, and a
 * table reserved for the certificate store. WAL, synchronous=FULL, foreign keys on; the schema
 * version is PRAGMA user_version and is migrated forward on open. Every change is one
 * BEGIN IMMEDIATE ... COMMIT transaction: a document is stored completely or not at all.
 *
 * Settings paths (spelled by common/element-path.h, the one element-path syntax: the policy
 * reports denied elements the same way). Each root-level characteristic has an identity key
 * ("root"):
 *   NAPDEF[NAPID=v], PXLOGICAL[PROXY-ID=v], APPLICATION[APPID=v] or
 *   APPLICATION[APPID=v,PROVIDER-ID=p], VENDORCONFIG[NAME=v], otherwise the bare type;
 * a second root with the same key in one document gets "#1", the third "#2", and so on.
 * Paths: "/ROOT", nested characteristics add "/TYPE" (PXPHYSICAL with "[PHYSICAL-PROXY-ID=v]"),
 * parms add ".NAME"; each segment gets "#n" for its n-th repetition (n >= 1) among equal
 * siblings. Names and key values are percent-encoded for '%', '/', '.', '[', ']', '=', ',',
 * '#', space and control bytes, so paths are unambiguous. Example:
 *   /NAPDEF[NAPID=internet]/NAPAUTHINFO.AUTHNAME
 * A newer document replaces, as a unit, every root it names (rows, and DM accounts of that root).
 * Elements cpdoc_validate flagged (unknown, misplaced) are never stored, hence never applied.
 *
 * Downgrade rule (S6): every stored row carries the authentication strength that installed it,
 * in the ONE order StoreStrength defines below (used by the downgrade rule, by the exporters to
 * choose among siblings and to resolve references, and for signed packages):
 *   signed package 4 > USERNETWPIN 3 > NETWPIN 2 > USERPIN = USERPINMAC 1 > none 0.
 * A signed package (sec AUTH_SIGNED) is at most as strong as the message that installed
 * the SPC certificate its chain ends at (store_package_strength): 4 only for the administrator's
 * certificates (certs.d) and for certificates installed by such packages; a certificate a
 * NETWPIN push installed signs packages of strength 2 (StoreApply.strength_cap).
 * A document may replace a root only if its strength is >= the strength of every row (and
 * DM account) of that root; otherwise the whole document is refused (-EPERM, reason
 * policy-denied). Equal strength may replace (the operator updates its own APN).
 *
 * Pending pushes (table pending) are either authenticated already (NETWPIN waiting for the
 * user's confirmation) or not (waiting for a PIN, or unsigned): separate caps, and a per-sender
 * cap for the unauthenticated ones (StorePendingLimits). provd's summary of a push waiting for
 * a PIN is kept in its pending row only, and goes with it. PIN attempts are counted per body
 * digest (table pin_attempts), and outlive the pending row: the same bytes sent again do not
 * get fresh attempts. The history row of a push not authenticated holds no decoded content.
 * Retention (issue 9 finding 7; verifierd.conf [Store]). The store stays bounded by what the
 * administrator configured, whatever a flood of pushes does:
 *   - history rows beyond the newest StoreRetention.history_max, or decided more than
 *     history_max_age_usec ago, are deleted, EXCEPT a row something still in force points to
 *     (a pending push, an applied document, a setting, a DM account, a certificate): the audit
 *     trail of the current configuration is never pruned. Every write that adds a history row
 *     deletes at most STORE_PRUNE_BATCH such rows in the same transaction, with indexed range
 *     scans, so a push costs the same whatever the size of the store; store_prune() catches up
 *     after the limits were lowered.
 *   - an applied document is deleted once nothing it installed is in force (every root, DM
 *     account and certificate it installed was replaced or removed); a document only partly
 *     replaced keeps its row but loses its body, so a superseded password leaves the store
 *     (secure_delete zeroes the freed bytes) when a newer document replaces it.
 *   - replay detection (store_digest_applied) covers every applied document, the deleted ones
 *     too: a deleted document leaves its digest, strength and time in table replay_digests.
 *     At most replay_digests_max digests are kept; beyond that the weakest, then oldest, go
 *     first. Why that order is safe: a digest of strength s is dropped only after more than
 *     replay_digests_max documents of strength >= s were applied and superseded after it, and
 *     whoever can get documents of strength >= s applied can install anything a replay of a
 *     strength-s document would (the downgrade rule below), so the replay gains nothing.
 *
 * Certificates (table certificates, docs/trust-boundary.md §1.8): one row per (store, thumbprint)
 * with the DER, the role mask, the source ("push" or "package"), the push id, the installing
 * message's authentication, strength and roles. CertificateStore characteristics never become
 * settings rows. Replacing or deleting a certificate obeys the same downgrade rule, per
 * (store, thumbprint). The administrator's certificates (certs.d) are configuration, not rows.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth-method.h"
#include "cpdoc.h"
#include "verdict.h"

#define STORE_DB_NAME "provboot.db"
#define STORE_SCHEMA_VERSION 8
#define STORE_DIGEST_HEX_LEN 64U
#define STORE_TEXT_MAX 4096U           /* sender, transport, content type, summary, denied list */
#define STORE_QUERY_LIMIT_MAX 1000U    /* bound on rows one query call hands out */
#define STORE_PIN_ATTEMPTS_MAX 4096U   /* body digests whose PIN attempts are remembered */
#define STORE_PRUNE_BATCH 16U           /* history rows one write may delete (>= 2: the history
                                         * shrinks back to its bound while pushes arrive) */
#define STORE_PRUNE_CATCHUP_BATCH 1024U /* rows per transaction of store_prune() */
#define STORE_SIM_OPERATOR_ID_MAX 6U   /* MCC + MNC: 5 or 6 digits (3GPP TS 23.003 §2.2) */
#define STORE_SIM_ID_MAX 22U           /* ICCID digits (ITU-T E.118: at most 19 + slack) */

typedef struct Store Store;

/* One row of the push history (table pushes). Strings may be NULL (stored as NULL). */
typedef struct StorePush {
        uint64_t id;                    /* assigned by the store, monotonically increasing */
        uint64_t received_usec;         /* CLOCK_REALTIME, µs */
        uint64_t decided_usec;          /* when the current verdict was reached */
        const char *sender;
        const char *transport;          /* "ofono", "modemmanager", "inject" */
        AuthMethod sec;                 /* AUTH_NONE, a SEC method, or AUTH_SIGNED */
        uint32_t roles;                 /* roles the authentication earned (0 before it) */
        Verdict verdict;
        Reason reason;
        const char *denied;             /* denied elements, one per line, or NULL */
        const char *digest;             /* SHA-256 of the body, lower-case hex */
        const char *content_type;
        const char *summary;            /* what verifierd decoded from the authenticated bytes
                                         * (common/summary.h lines, '\n'-separated), or NULL */
        const char *modem;              /* the receiving modem's object path as provd named it
                                         * (display, and the SIM a pending push is checked against
                                         * when it is confirmed), or NULL */
} StorePush;

typedef enum PendingState {
        PENDING_NEEDS_PIN,
        PENDING_NEEDS_CONFIRMATION,
        _PENDING_STATE_MAX,
        _PENDING_STATE_INVALID = -EINVAL,
} PendingState;

const char *pending_state_to_string(PendingState s);

/* A pending push (table pending). The body and MAC are exactly as received; never a PIN. */
typedef struct StorePending {
        uint64_t id;                    /* the push id (pushes.id) */
        PendingState state;
        AuthMethod sec;
        int content_kind;               /* WspContentKind */
        const uint8_t *body;
        size_t body_len;
        const char *mac;                /* 40 hex digits, or NULL */
        unsigned attempts;              /* PIN attempts used so far on this body digest (read back) */
        uint64_t received_usec;
        uint64_t expires_usec;
        uint32_t roles;                 /* for NEEDS_CONFIRMATION: roles already earned */
        bool authenticated;             /* the bytes are authenticated (NETWPIN waiting for
                                         * confirmation); false: waiting for a PIN, or unsigned */
        const char *unverified_summary; /* NEEDS_PIN only: provd's UNTRUSTED summary lines
                                         * ('\n'-separated), or NULL; never stored otherwise */
        /* read back from the history row */
        const char *sender, *transport, *content_type, *summary, *digest, *modem;
} StorePending;

/* The caps on pending pushes (store_add_pending). */
typedef struct StorePendingLimits {
        unsigned max_authenticated;         /* authenticated, waiting for confirmation */
        unsigned max_unverified;            /* not authenticated, all senders together */
        unsigned max_unverified_per_sender; /* not authenticated, from one sender */
} StorePendingLimits;

/* A setting row derived from a document (store_settings_from_doc) or read back. */
typedef struct StoreSetting {
        const char *root;               /* identity key of the root characteristic */
        const char *path;               /* full path, unique */
        const char *chpath;             /* path of the characteristic holding it */
        const char *ctype;              /* type of that characteristic */
        const char *parm;               /* parm name, NULL for the characteristic's own row */
        const char *value;              /* NULL for flag parms and characteristic rows */
        unsigned ord;                   /* document order */
        uint32_t roles;                 /* read back only */
        AuthMethod sec;                 /* read back only */
        unsigned strength;              /* read back only */
        uint64_t push_id;               /* read back only */
        /* read back only, from the document that installed the row (StoreDocument): the SIM the
         * settings are bound to, NULL when not bound to one */
        const char *modem;
        const char *sim_id;
        const char *sim_operator;
} StoreSetting;

typedef struct StoreSettingList {
        StoreSetting *items;
        size_t n;
        size_t cap;                     /* allocated items */
} StoreSettingList;

/* A DM server account (APPLICATION APPID=w7) with the roles it was granted (sec. 1.5). */
typedef struct StoreAccount {
        const char *server_id;          /* PROVIDER-ID */
        const char *name;
        const char *addr;
        uint32_t roles;
        const char *root;               /* root key of its APPLICATION (filled by the store) */
        AuthMethod sec;                 /* read back only */
        uint64_t push_id;               /* read back only */
        unsigned strength;              /* read back only (the downgrade rule's) */
} StoreAccount;

typedef struct StoreDocument {
        uint64_t id;
        uint64_t push_id;
        const char *digest;
        uint64_t applied_usec;
        AuthMethod sec;
        uint32_t roles;
        unsigned strength;
        const uint8_t *body;
        size_t body_len;
        /* The SIM this document is bound to (issue 10 point 7): the one whose IMSI keyed its
         * NETWPIN/USERNETWPIN MAC, else the SIM of the modem that received it; all NULL when
         * not bound (a static Imsi=, an installed package, a push naming no modem). Recorded at
         * apply time and never changed: settings bound to a SIM stay bound to it after a swap.
         *   modem         the modem's object path in the network PIN source's stack
         *   sim_id        the SIM's ICCID (oFono CardIdentifier, ModemManager Sim.SimIdentifier),
         *                 NetworkManager's gsm.sim-id
         *   sim_operator  MCC+MNC of the SIM (oFono MobileCountryCode+MobileNetworkCode,
         *                 ModemManager Sim.OperatorIdentifier), NetworkManager's
         *                 gsm.sim-operator-id
         * Never the IMSI: it keys the network PIN and is not stored (engine.h). */
        const char *modem;
        const char *sim_id;
        const char *sim_operator;
} StoreDocument;

/* A certificate of the store (table certificates), or a deletion in StoreApply. */
typedef struct StoreCert {
        const char *store;              /* "ROOT", "CA", "SPC", "MY", ... (docs/trust-boundary.md §1.8) */
        const char *thumbprint;         /* SHA-1 of der: 40 upper-case hex digits */
        const uint8_t *der;             /* NULL for a deletion */
        size_t der_len;
        uint32_t roles;                 /* the certificate's role mask (what SPC signers earn) */
        const char *source;             /* "push" or "package" */
        const char *subject;            /* one-line subject, display only */
        uint64_t not_after_usec;        /* end of validity */
        bool remove;                    /* StoreApply: delete (store, thumbprint) */
        /* read back only */
        AuthMethod sec;                 /* authentication of the installing message */
        unsigned strength;
        uint32_t installer_roles;       /* effective roles of the installing message */
        uint64_t push_id;
        uint64_t added_usec;
} StoreCert;

/* What store_apply commits in one transaction. */
typedef struct StoreApply {
        StorePush push;                 /* id == 0: new history row; else the pending push id */
        const CpDoc *doc;               /* decoded and validated by verifierd itself */
        const uint8_t *body;            /* the authenticated bytes */
        size_t body_len;
        const StoreAccount *accounts;   /* DM accounts the policy granted */
        size_t n_accounts;
        const StoreCert *certs;         /* certificates to add or replace, or delete (remove) */
        size_t n_certs;
        /* The document's strength is store_auth_strength(push.sec), lowered to strength_cap when
         * strength_capped (a signed package: store_package_strength of its anchor). It is what
         * the downgrade check compares and what the rows, accounts and certificates record. */
        bool strength_capped;
        unsigned strength_cap;
        /* The SIM the document is bound to (NetworkManager's gsm.sim-operator-id / gsm.sim-id):
         * MCC+MNC of the SIM whose IMSI authenticated it and its ICCID, NULL when unknown or
         * not bound. Decimal digits only; anything else is not recorded. The modem is push.modem. */
        const char *sim_operator_id;
        const char *sim_id;
        /* The over-the-air policy values the document sets (store-policy.h), written in the same
         * transaction; NULL/0: none. */
        const struct StorePolicyValue *policy;
        size_t n_policy;
        /* Roots the document removes (an OMA DM Delete, engine_apply_dm_ex): their rows, DM
         * accounts and stored DM nonces go in the same transaction, under the same downgrade
         * rule as a replacement. NULL/0: none. A root the document also holds is refused
         * (-EINVAL). */
        const char *const *remove_roots;
        size_t n_remove_roots;
} StoreApply;

/* What the store keeps (see "Retention" above); 0 in a field: no limit of that kind. */
typedef struct StoreRetention {
        uint64_t history_max;           /* newest history rows kept */
        uint64_t history_max_age_usec;  /* history rows decided longer ago are deleted */
        uint64_t replay_digests_max;    /* digests of deleted documents kept for replay detection */
} StoreRetention;

/**
 * store_open() - open (creating when missing) DIR/provboot.db, mode 0600, and migrate it.
 * @ret: the store
 * @state_dir: an existing directory
 * Return: 0; -EPROTONOSUPPORT the database has a newer schema than this build knows;
 *   -EUCLEAN not a database / corrupt; -ENOMEM; other negative errno from the file system.
 */
int store_open(Store **ret, const char *state_dir);
Store *store_free(Store *s);

/* Schema version of the open database (PRAGMA user_version). */
int store_schema_version(Store *s);

/*
 * Authentication strength: the one order (docs/trust-boundary.md §1.10, docs/testing.md §7.6), by what the sender
 * had to know. USERNETWPIN needs the SIM's IMSI and the PIN the user was told; NETWPIN only the
 * IMSI, which is no secret but ties the push to this SIM's operator; USERPIN and USERPINMAC
 * only a PIN the user typed, whoever sent it (the two are equal: neither binds the operator);
 * an unauthenticated push nothing. A signed package is the strongest only when its anchor is the
 * administrator's (store_package_strength).
 */
typedef enum StoreStrength {
        STORE_STRENGTH_NONE = 0,
        STORE_STRENGTH_USERPIN = 1,     /* USERPIN, USERPINMAC */
        STORE_STRENGTH_NETWPIN = 2,
        STORE_STRENGTH_USERNETWPIN = 3,
        STORE_STRENGTH_SIGNED = 4,      /* a package whose anchor has the administrator's strength */
} StoreStrength;

/**
 * store_set_retention() - the limits every later write prunes to (a freshly opened store has
 *   none: every field 0). Pruning happens inside the writes; store_prune() applies new limits
 *   to what is already stored.
 */
void store_set_retention(Store *s, const StoreRetention *r);

/**
 * store_prune() - delete every history row and replay digest beyond the retention limits, as
 *   of @now_usec (CLOCK_REALTIME, µs), in transactions of STORE_PRUNE_CATCHUP_BATCH rows.
 * Return: rows deleted (capped at INT_MAX), or negative errno.
 */
int store_prune(Store *s, uint64_t now_usec);

/**
 * store_auth_strength() - the authentication strength of a SEC value for the downgrade rule.
 * Return: STORE_STRENGTH_SIGNED for AUTH_SIGNED (a package with a full-strength anchor),
 *   3 USERNETWPIN, 2 NETWPIN, 1 USERPIN/USERPINMAC, 0 none or unknown.
 */
unsigned store_auth_strength(AuthMethod sec);

/**
 * store_package_strength() - the strength of a signed package whose chain ends at an SPC
 *   certificate of @anchor_strength: at most that of the message that installed the anchor
 *   (the administrator's certificates have STORE_STRENGTH_SIGNED). A certificate cannot lend a
 *   package more authority than the message that put it into SPC had (issue 9, finding 6).
 */
unsigned store_package_strength(unsigned anchor_strength);

/* store_apply_strength() - the strength store_apply records for @a (see StoreApply). */
unsigned store_apply_strength(const StoreApply *a);

/* SHA-256 of @len bytes as 64 lower-case hex digits + NUL into @out. Return: 0 or -ENOMEM/-EIO. */
int store_digest_hex(const uint8_t *buf, size_t len, char out[STORE_DIGEST_HEX_LEN + 1]);

/**
 * store_settings_from_doc() - derive the setting rows a document would install (see top).
 *   CertificateStore and a root-level SecurityPolicy are kept elsewhere (certificates,
 *   ota_policy) and give no rows; any other element flagged CP_FLAG_UNKNOWN or CP_FLAG_MISPLACED
 *   refuses the document (nothing is dropped silently; policy.h "unsupported").
 * Return: 0; -ENOMEM; -E2BIG more rows or longer paths than the store accepts; -EOPNOTSUPP a
 *   flagged element the store would have to drop.
 */
int store_settings_from_doc(const CpDoc *doc, StoreSettingList *ret);
void store_setting_list_done(StoreSettingList *l);
/* Free the strings of one row a list owns (store_setting_list_done does it for every row). */
void store_setting_done(StoreSetting *row);
/**
 * store_setting_list_append() - append a copy of @row (every string duplicated) to @l.
 * Return: 0, or -ENOMEM (@l keeps what it had, and the partial row, which _done frees).
 */
int store_setting_list_append(StoreSettingList *l, const StoreSetting *row);
/* store_setting_list_collect() - a StoreSettingFn that appends each row to the StoreSettingList
 * @userdata points to: how the exporters read the rows they render. */
int store_setting_list_collect(const StoreSetting *row, void *userdata);

/**
 * store_record() - add a history row for a push decided outright (no other change).
 * @p: the row; p->id is ignored
 * @ret_id: the new push id (may be NULL)
 * Return: 0 or negative errno (nothing stored).
 */
int store_record(Store *s, const StorePush *p, uint64_t *ret_id);

/**
 * store_add_pending() - add a history row (verdict pending) and its pending push, atomically.
 * @p: the history row; p->digest (the body's) and p->sender identify it
 * @pending: the pending push; ->authenticated selects the cap it counts against
 * @lim: the caps; the new push must fit
 * @ret_id: the new push id, or with -EEXIST the id of the identical pending push
 * Return: 0; -EEXIST a pending push with the same body digest, SEC and MAC exists (nothing
 *   stored); -ENOSPC the cap of its class is reached; -EUSERS (unauthenticated only) the cap
 *   for its sender is reached; negative errno. Nothing is stored on any error.
 */
int store_add_pending(Store *s, const StorePush *p, const StorePending *pending, const StorePendingLimits *lim,
                      uint64_t *ret_id);

/* PIN attempts already used on the body with this digest (0 when none). Return: >= 0 or -errno. */
int store_pin_attempts(Store *s, const char *digest);

/**
 * store_get_pending() - read a pending push into a freshly allocated copy.
 * Return: 0; -ESRCH no pending push with that id; -ENOMEM.
 */
int store_get_pending(Store *s, uint64_t id, StorePending **ret);
StorePending *store_pending_free(StorePending *p);

/* Number of pending pushes. Return: count >= 0 or negative errno. */
int store_count_pending(Store *s);

/**
 * store_pending_use_attempt() - durably count one PIN attempt BEFORE the PIN is checked, so a
 *   crash or restart never gives an attacker extra tries. Attempts are counted per body digest
 *   and kept after the pending push is gone (a resend of the same bytes gets no fresh ones).
 * @max: the cap; an attempt beyond it is refused
 * @now_usec: when (keeps the newest STORE_PIN_ATTEMPTS_MAX digests)
 * @ret_attempts: attempts used including this one
 * Return: 0; -ESRCH unknown id; -EBUSY not waiting for a PIN; -EDQUOT cap already reached.
 */
int store_pending_use_attempt(Store *s, uint64_t id, unsigned max, uint64_t now_usec, unsigned *ret_attempts);

/**
 * store_finish_pending() - decide a pending push without applying it: delete the pending row
 *   (and provd's summary with it) and set the history row's verdict/reason/roles/denied, and its
 *   summary unless @summary is NULL, atomically.
 * Return: 0; -ESRCH no pending push with that id.
 */
int store_finish_pending(Store *s, uint64_t id, Verdict v, Reason r, uint32_t roles, const char *denied,
                         const char *summary, uint64_t now_usec);

/**
 * store_expire() - every pending push with expires_usec <= @now_usec becomes verdict expired,
 *   reason expired, and its pending row is deleted (one transaction).
 * @ret_ids: optional, receives a malloc'd array of the expired ids (at most STORE_QUERY_LIMIT_MAX)
 * Return: the number expired, or negative errno.
 */
int store_expire(Store *s, uint64_t now_usec, uint64_t **ret_ids);

/**
 * store_apply() - commit an authenticated, decoded, policy-approved document in ONE transaction:
 *   the replay and downgrade checks, the history row (new, or the pending push's, whose pending
 *   row is deleted), the document, its setting rows (replacing every root it names) and its DM
 *   accounts. Either all of it is stored or none of it.
 * @ret_id: the push id
 * @ret_conflicts: optional; on -EPERM a malloc'd list of the roots that blocked it, one per line
 * Return: 0; -EEXIST a document with the same digest was applied already (replay);
 *   -EPERM a root, DM account or certificate was installed with stronger authentication
 *   (downgrade); -EBADMSG a DM account
 *   whose APPLICATION is not stored from this document; -ESRCH the push id is not a pending
 *   push; -E2BIG; -ENOMEM; other negative errno (SQL failure).
 *   On any error nothing is stored.
 */
int store_apply(Store *s, const StoreApply *a, uint64_t *ret_id, char **ret_conflicts);

/**
 * store_check_apply() - the replay and downgrade checks of store_apply, read-only, so the engine
 *   can refuse a document before asking the user to confirm it. store_apply checks again.
 * Return: 0; -EEXIST; -EPERM (with @ret_conflicts); -EBADMSG a DM account without its
 *   APPLICATION in the document; -ENOMEM; negative errno.
 */
int store_check_apply(Store *s, const StoreApply *a, char **ret_conflicts);

/* True (1) when a document with this digest was applied (and is kept in documents or, once
 * superseded, in replay_digests), 0 when not, negative errno. */
int store_digest_applied(Store *s, const char *digest);

/* Query callbacks: return 0 to continue, > 0 to stop early, < 0 to abort with that error. */
typedef int (*StorePushFn)(const StorePush *p, void *userdata);
typedef int (*StorePendingFn)(const StorePending *p, void *userdata);
typedef int (*StoreSettingFn)(const StoreSetting *s, void *userdata);
typedef int (*StoreAccountFn)(const StoreAccount *a, void *userdata);
typedef int (*StoreDocumentFn)(const StoreDocument *d, void *userdata);
typedef int (*StoreCertFn)(const StoreCert *c, void *userdata);

/**
 * store_foreach_push() - history rows with id < @before_id (0: from the newest), newest first,
 *   at most @limit (capped at STORE_QUERY_LIMIT_MAX).
 * Return: rows visited, or the callback's negative value, or negative errno.
 */
int store_foreach_push(Store *s, uint64_t before_id, unsigned limit, StorePushFn fn, void *userdata);
/* store_get_push - one history row; strings valid only inside @fn. Return: 0, -ESRCH. */
int store_get_push(Store *s, uint64_t id, StorePushFn fn, void *userdata);
/* Pending pushes, oldest first (bodies included). */
int store_foreach_pending(Store *s, StorePendingFn fn, void *userdata);
/* Settings whose root starts with @root_prefix (NULL: all), ordered by root then order. */
int store_foreach_setting(Store *s, const char *root_prefix, StoreSettingFn fn, void *userdata);
/**
 * store_foreach_setting_range() - the settings of one root (@exact) or of every root that starts
 *   with @root_prefix, ordered by root then order: an index range (settings_root), so the cost
 *   is that of the rows returned, not of the store (what the exporters run per push).
 * Return: rows visited, the callback's negative value, -EINVAL, negative errno.
 */
int store_foreach_setting_range(Store *s, const char *root_prefix, bool exact, StoreSettingFn fn, void *userdata);
/* The root key of the NAPDEF whose NAPID is @napid, as store_apply makes it (malloc'd in @ret);
 * its repetitions in one document have it as a prefix. Return: 0, -ENOMEM. */
int store_napdef_root_prefix(const char *napid, char **ret);
/* "/TYPE[KEY=<escaped value>" (+ "]" when @closed): the prefix of the root keys store_apply makes
 * for a characteristic whose (first) key parameter has that value, e.g. ("PXLOGICAL", "PROXY-ID",
 * id, true) or ("APPLICATION", "APPID", "w4", false). Return: 0, -ENOMEM. */
int store_root_key_prefix(const char *type, const char *key, const char *value, bool closed, char **ret);
/* DM accounts by server id. */
int store_foreach_account(Store *s, StoreAccountFn fn, void *userdata);
/* Applied documents still in force (wholly or in part), oldest first; a partly replaced one
 * with body_len 0 (see "Retention"). */
int store_foreach_document(Store *s, StoreDocumentFn fn, void *userdata);
/* Certificates of @store_name (NULL: every store), by store then thumbprint (DER included). */
int store_foreach_certificate(Store *s, const char *store_name, StoreCertFn fn, void *userdata);

/**
 * store_get_document_sim() - the SIM binding recorded with the document push @push_id applied
 *   (StoreApply.sim_operator_id, .sim_id).
 * @ret_operator_id, @ret_sim_id: malloc'd digits, or NULL when none was recorded
 * Return: 0; -ESRCH no document of that push; -ENOMEM; negative errno.
 */
int store_get_document_sim(Store *s, uint64_t push_id, char **ret_operator_id, char **ret_sim_id);

/* What happened to a NetworkManager keyfile since verifierd wrote it (table nm_files). */
typedef enum StoreNmFileState {
        STORE_NM_FILE_WRITTEN,          /* the file holds what verifierd wrote (digest) */
        STORE_NM_FILE_USER_CHANGED,     /* someone else changed it: left alone */
        STORE_NM_FILE_USER_REMOVED,     /* someone else removed it: not recreated */
        _STORE_NM_FILE_STATE_MAX,
        _STORE_NM_FILE_STATE_INVALID = -EINVAL,
} StoreNmFileState;

/* One keyfile verifierd wrote: where, for which root, the SHA-256 (lower-case hex) of the text it
 * wrote, and the push whose rendering that was. */
typedef struct StoreNmFile {
        const char *dir;
        const char *name;
        const char *root;
        const char *digest;
        uint64_t push_id;
        StoreNmFileState state;
} StoreNmFile;
typedef int (*StoreNmFileFn)(const StoreNmFile *f, void *userdata);

/* Keyfile records of directory @dir, by name. Return: rows visited, the callback's negative
 * value, negative errno (-EUCLEAN a row the store cannot have written). */
int store_foreach_nm_file(Store *s, const char *dir, StoreNmFileFn fn, void *userdata);
/* The record of DIR/NAME to @fn (strings valid only inside it). Return: 0; -ESRCH none; the
 * callback's negative value; -EUCLEAN; negative errno. */
int store_get_nm_file(Store *s, const char *dir, const char *name, StoreNmFileFn fn, void *userdata);
/* Insert or replace the record of (f->dir, f->name). Not synced by itself (store.c step_unsynced:
 * the caller writes the file first). Return: 0, -EINVAL, negative errno. */
int store_put_nm_file(Store *s, const StoreNmFile *f);
/* Forget the record of DIR/NAME (none: no error). Return: 0, negative errno. */
int store_delete_nm_file(Store *s, const char *dir, const char *name);

/*
 * DM nonces (table dm_nonces, schema 8; dm-account.h): the nonce a DM session last stored for an
 * account, per server id and kind (@server_nonce: SRVCRED, else CLCRED), tied to the root of the
 * account's w7 APPLICATION; store_apply drops them when it replaces that root.
 */
#define STORE_DM_NONCE_MAX 256U
/* Return: 0 with a malloc'd copy in @ret/@ret_len; -ENOENT none stored; negative errno. */
int store_get_dm_nonce(Store *s, const char *server_id, bool server_nonce, uint8_t **ret, size_t *ret_len);
/* One durable transaction; the account must exist (accounts.server_id) and its root be @root.
 * Return: 0; -ESRCH no such account; -EINVAL; -EOPNOTSUPP an old schema; negative errno. */
int store_put_dm_nonce(Store *s, const char *server_id, bool server_nonce, const uint8_t *nonce, size_t len,
                       uint64_t now_usec);

/**
 * store_delete_certificate() - remove one certificate (the administrator's certs.d [Remove]).
 * Return: 1 removed, 0 there was none, negative errno.
 */
int store_delete_certificate(Store *s, const char *store_name, const char *thumbprint);

#ifdef PROVBOOT_TEST
/**
 * store_test_fail_at() - make the @n-th SQL step from now fail with an I/O error (n = 0: off).
 *   Steps are counted across every statement the store runs, including BEGIN and COMMIT.
 */
void store_test_fail_at(Store *s, unsigned n);
/* store_test_open_at_version - create a fresh database migrated only up to @version. */
int store_test_open_at_version(Store **ret, const char *state_dir, int version);
/* Execute raw SQL (tests only). */
int store_test_exec(Store *s, const char *sql);
/* One integer from raw SQL (tests only): the first column of the first row. Return: 0, -ENODATA. */
int store_test_query_int(Store *s, const char *sql, int64_t *ret);
#endif
