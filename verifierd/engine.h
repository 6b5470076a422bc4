/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine.h: verifierd's decision pipeline without a bus: a push goes in as the bytes provd
 * received plus what provd claims about them, a verdict comes out, and an accepted document is
 * committed to the store and exported. The bus service wraps these calls one to one.
 *
 * Pipeline of engine_submit (docs/conventions.md §3, docs/wire-notes.md §5.6):
 *   1. policy gates that need no document: OTA bootstrap disabled -> bootstrap-disabled; no SEC
 *      and unauthenticated messages not accepted -> unauthenticated; method not accepted ->
 *      policy-denied; a SEC that needs a MAC without a well-formed 40-hex MAC -> bad-mac;
 *   2. NETWPIN / USERNETWPIN: the SIM's IMSI must be known -> else imsi-unknown;
 *   3. authenticate the EXACT bytes (auth.h): NETWPIN now (mismatch -> bad-mac); USERPIN,
 *      USERNETWPIN, USERPINMAC -> stored pending, needs-pin (engine_provide_pin continues),
 *      undecoded, with provd's summary labelled "(unverified)"; a body digest whose PIN
 *      attempts are used up -> pin-attempts-exceeded at once; the same bytes already pending
 *      -> that push (EngineResult.repeated); a full queue -> policy-denied;
 *   4. only after the MAC verified: decode those same bytes (cpdoc_from_bytes + cpdoc_validate;
 *      failure -> malformed) — nothing provd decoded or said is used. verifierd (root) never
 *      decodes bytes it has not authenticated, except an unsigned push the administrator's
 *      policy accepts (AcceptUnauthenticated=yes); engine_decoded_count() counts decodes;
 *   5. policy_evaluate (roles, metabase, whole-document rule, DM accounts) -> its reason;
 *      the NetworkManager exporter's value rules -> malformed;
 *   6. the replay and downgrade checks -> replay / policy-denied;
 *   7. NETWPIN alone with ConfirmNetworkPin=yes, or an accepted unsigned push, or a signed
 *      package of such strength (below) -> pending, needs-confirmation (engine_confirm
 *      continues);
 *   8. commit in one transaction (checks 6 repeated inside it), then export.
 * Signed packages (engine_install, and engine_submit with WSP_CONTENT_PKCS7 after the step-1
 * bootstrap gate): the CMS signature is verified against the SPC certificates only (package.h:
 * malformed / bad-signature / untrusted-signer, the detail in the history's denied text); the
 * verified content is then decoded and goes through steps 4..8 with the roles of the SPC entry
 * the chain ends at, exactly, and sec "signed" (AUTH_SIGNED): no SEC gate, no grant. Its
 * strength (the downgrade rule, store.h) is that of the message that installed that SPC entry
 * (the administrator's: full), and it keeps that message's confirmation rule: an entry a NETWPIN
 * push installed makes its packages wait under ConfirmNetworkPin=yes, one an unauthenticated
 * push installed makes them always wait (issue 9, finding 6). SEC and MAC provd reports for such
 * a push are not used.
 * CertificateStore characteristics (certstore.h) are checked after the policy (malformed,
 * role-escalation; policy-denied for what the administrator removed or owns) and committed in
 * the same transaction as the rest of the document.
 * Every outcome, including every rejection, is one history row, kept within verifierd.conf
 * [Store] retention (store.h "Retention"); push ids increase monotonically, survive restarts
 * and are never reused, also after their rows were pruned. A row keeps verifierd's summary of
 * what it decoded after authentication; a push rejected before that keeps sender, times, digest
 * and reason only.
 * Pending pushes: authenticated ones (waiting for confirmation) and unauthenticated ones
 * (waiting for a PIN, or unsigned) have separate caps and expiries (MaxPendingPushes= /
 * PendingExpirySec=; MaxUnverifiedPending=, MaxUnverifiedPendingPerSender=,
 * UnverifiedPendingExpirySec=): unauthenticated pushes never keep an authenticated one out.
 * A pending push is re-authenticated (with the IMSI of the
 * SIM present then) and re-evaluated against the current configuration when it is confirmed.
 *
 * PIN handling: every PIN attempt is counted durably BEFORE the PIN is checked, per body digest
 * (a resend of the same bytes continues the count; the count outlives the push); every wrong PIN
 * gets the same answer (verdict pending, reason needs-pin, pin_rejected set) until the last
 * allowed attempt, which rejects and removes the push (pin-attempts-exceeded). PINs arrive and
 * stay in Secrets; no PIN, IMSI or key is logged or stored.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "export-nm.h"
#include "ota-policy.h"
#include "policy.h"
#include "secret.h"
#include "store.h"
#include "verdict.h"
#include "wsp.h"

#define ENGINE_BODY_MAX (64U * 1024U)   /* largest body accepted (IPC_PUSH_MAX) */
#define ENGINE_PACKAGE_MAX (256U * 1024U) /* largest signed package (IPC_PACKAGE_MAX) */
#define ENGINE_SENDER_MAX 64U           /* history text fields are cut at these many bytes */
#define ENGINE_TRANSPORT_MAX 32U
#define ENGINE_CONTENT_TYPE_MAX 128U

typedef struct Engine Engine;

/* The wall clock in µs since the epoch (CLOCK_REALTIME). Tests inject their own. */
typedef uint64_t (*EngineClock)(void *userdata);

typedef struct EngineOptions {
        const char *state_dir;          /* required: an existing directory (--state-dir) */
        const Config *config;           /* required; borrowed (engine_set_config swaps it) */
        const Metabase *metabase;       /* NULL: config->metabase */
        EngineClock clock;              /* NULL: clock_gettime(CLOCK_REALTIME) */
        void *clock_userdata;
        const char *export_nm_dir;      /* NULL: config->nm_dir */
        bool no_export;                 /* tests of the pipeline alone: never write keyfiles */
        const ExportNmIo *nm_api;       /* NetworkManager's settings API (export-nm-api.h), used for
                                         * a run while NetworkManager owns its name (its open op
                                         * says so) and neither export_nm_dir nor NetworkManagerDir=
                                         * is set; NULL: keyfiles only. The keyfiles go through
                                         * the io set (export_nm_set_io) before engine_new. */
} EngineOptions;

typedef struct EngineSubmission {
        const uint8_t *body;            /* exactly the bytes the MAC covers, as received */
        size_t body_len;
        WspContentKind content_kind;    /* WSP_CONTENT_CP_WBXML, _CP_XML or _PKCS7 (a package) */
        const char *content_type;       /* NULL: derived from content_kind (display only) */
        AuthMethod sec;                 /* AUTH_NONE when the push had no SEC */
        const char *mac;                /* the MAC parameter, or NULL */
        const char *sender;             /* UNTRUSTED display text, may be NULL */
        const char *transport;          /* "ofono", "modemmanager", "inject" (display only) */
        uint64_t received_usec;         /* 0: now */
        const char *summary;            /* UNTRUSTED: provd's summary lines ('\n'-separated,
                                         * SubmitWithSummary), or NULL; kept only while the push
                                         * waits for a PIN, shown as "(unverified)" */
        const char *modem;              /* the receiving modem's object path (SubmitWithSummary),
                                         * or NULL/"": not named (see "Which SIM" above) */
} EngineSubmission;

typedef struct EngineResult {
        uint64_t id;                    /* push id */
        Verdict verdict;
        Reason reason;
        uint32_t roles;                 /* effective roles (0 before authentication) */
        char *denied;                   /* malloc'd: denied elements, one per line, or NULL */
        bool pin_rejected;              /* engine_provide_pin: the PIN did not authenticate */
        bool repeated;                  /* engine_submit: the same bytes were pending already;
                                         * @id is that push (nothing new was stored) */
        unsigned attempts_left;         /* NEEDS_PIN: PIN attempts still allowed */
        int export_error;               /* 0, or the exporter's error after a commit (the store
                                         * holds the settings; engine_rebuild_exports retries) */
        char *policy_set;               /* malloc'd: the over-the-air policy values an applied
                                         * push set ("GrantManager=128 ..."), or NULL */
} EngineResult;

/* Free what an EngineResult holds (not the struct). */
void engine_result_done(EngineResult *r);

/**
 * engine_new() - open the store in o->state_dir and set up the pipeline.
 * The IMSI starts as the configuration's static Imsi= (Source=static), else unknown.
 * Return: 0; -EINVAL missing options; store_open's errors; -ENOMEM.
 */
int engine_new(Engine **ret, const EngineOptions *o);
Engine *engine_free(Engine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Engine *, engine_free);

/* engine_set_config - use another configuration (after a reload); borrowed. @m NULL: c->metabase. */
void engine_set_config(Engine *e, const Config *c, const Metabase *m);

/*
 * Which SIM (issue 10 point 7). The network PIN source (imsi.c) reports one SIM per modem; the
 * engine keeps at most ENGINE_MODEMS_MAX of them, each IMSI in a Secret. A push is checked
 * against the SIM of the modem that received it (EngineSubmission.modem):
 *   - a modem named: that modem's SIM; none known there -> no key (bad-mac, and the history's
 *     denied text says why);
 *   - no modem named: the only SIM known; none -> no key; SEVERAL -> no key either: verifierd
 *     does not guess, because trying each SIM would accept a push made for either and bind its
 *     settings to a SIM chosen by whoever made it (the history says "several SIMs");
 *   - [NetworkPin] Source=static: the configured Imsi= is the one SIM, whatever the modem,
 *     until a source reports (engine_set_imsi / engine_set_modem_sim override it).
 * A pending push keeps its modem and is checked again against that modem's SIM of the moment it
 * is confirmed or its PIN arrives. What a push applies is bound to the SIM whose IMSI keyed its
 * MAC (else to the receiving modem's SIM): StoreDocument's modem, sim_id, sim_operator.
 */
#define ENGINE_MODEMS_MAX 16U           /* SIMs followed at once (as provd follows 16 modems) */
#define ENGINE_SIM_TEXT_MAX 64U         /* bytes of an ICCID / operator id kept (ICCID: 19..20 digits) */

typedef struct EngineSim {
        const char *imsi;               /* digits, or NULL/"" while unknown */
        const char *sim_id;             /* ICCID, or NULL */
        const char *operator_id;        /* MCC+MNC, or NULL */
} EngineSim;

/**
 * engine_set_modem_sim() - the SIM in @modem now, as the network PIN source reports it.
 * @modem: the modem's object path (oFono's or ModemManager's, as provd names it in Submit)
 * @sim: NULL, or an IMSI NULL/"": the modem has no (known) SIM: it is forgotten.
 * Return: 0; -EINVAL bad IMSI (not 6..15 digits) or modem path; -ENOSPC ENGINE_MODEMS_MAX
 *   modems known already; -ENOMEM.
 */
int engine_set_modem_sim(Engine *e, const char *modem, const EngineSim *sim);

/**
 * engine_set_imsi() - the IMSI of the single SIM, for a phone whose modem is not named (tests,
 *   tools): forgets every modem's SIM and keeps this one IMSI under no modem name; NULL or ""
 *   forgets it (SIM removed). Overrides the configuration's static IMSI.
 * Return: 0; -EINVAL not 6..15 decimal digits; -ENOMEM.
 */
int engine_set_imsi(Engine *e, const char *digits);

/* How many SIMs with a known IMSI the engine holds now (status, tests). */
unsigned engine_count_sims(Engine *e);

/**
 * engine_submit() - run one push through the pipeline (see the header comment).
 * @ret: filled on 0 (free with engine_result_done)
 * Return: 0 (the verdict is in @ret; rejections are verdicts, not errors); -EINVAL a NULL body
 *   or a body over ENGINE_BODY_MAX; negative errno when the store failed (then nothing was
 *   recorded).
 */
int engine_submit(Engine *e, const EngineSubmission *s, EngineResult *ret);

/**
 * engine_install() - run a signed package (provctl install) through the pipeline: verified
 *   against the SPC certificates, then decided with the SPC entry's roles (see the header
 *   comment). No OTA bootstrap gate: the administrator's trust in SPC is the gate.
 * @package: the CMS bytes exactly as given.
 * @len: 1..ENGINE_PACKAGE_MAX.
 * @transport: display text ("install"), may be NULL.
 * @ret: filled on 0 (free with engine_result_done).
 * Return: 0 (the verdict is in @ret); -EINVAL NULL or empty; -E2BIG over ENGINE_PACKAGE_MAX;
 *   negative errno when the store failed.
 */
int engine_install(Engine *e, const uint8_t *package, size_t len, const char *transport, EngineResult *ret);

/**
 * engine_apply_dm() - apply a document an OMA DM session built (dm-tree.h) through the same
 *   pipeline as a push: decode and validate @xml, policy_evaluate with the DM account's roles as
 *   the message's roles (no OTA gate and no grant: the account holds what the message that
 *   created it was granted, store.h/policy.h §1.5), the exporters' value rules, the downgrade
 *   check at the account's @strength (StoreApply.strength_capped), store_apply with sec AUTH_DM,
 *   transport "dm" and sender @server_id (one history row), then the exports. Never pending.
 *   The document is bound to the SIM of the document that installed the account (sim_binding).
 *   Replay: a DM document is built by verifierd itself from the store's current rows, so the
 *   replay check (which guards against captured bytes sent again) has nothing to catch; a server
 *   may write back a state applied before (A -> B -> A). dm-tree.c therefore puts a unique XML
 *   comment (server id, time, counter) into every document it builds, and answers a write that
 *   would leave the stored state unchanged with 200 without calling this at all. A digest that
 *   is known anyway is refused as a replay, like any other.
 * @roles: the account's stored roles (the session's roles).
 * @strength: the account's store strength.
 * Return: 0 (the verdict in @ret: applied, or rejected with the policy's reason, denied list);
 *   -EINVAL; negative errno when the store failed (nothing stored).
 */
int engine_apply_dm(Engine *e, const uint8_t *xml, size_t len, const char *server_id, uint32_t roles,
                    unsigned strength, EngineResult *ret);
/* engine_apply_dm_ex() - the same, and the document also removes @remove_roots (store root keys;
 * a DM Delete of a whole root or account, StoreApply.remove_roots: the downgrade rule applies to
 * them; dm-tree.c checked that the roles may write every element of each). @xml may hold no
 * characteristic then. */
int engine_apply_dm_ex(Engine *e, const uint8_t *xml, size_t len, const char *server_id, uint32_t roles,
                       unsigned strength, const char *const *remove_roots, size_t n_remove_roots,
                       EngineResult *ret);

/**
 * engine_provide_pin() - the user's PIN for a push waiting for one.
 * Return: 0 with the verdict in @ret: applied / rejected (policy, replay, ...), pending with
 *   pin_rejected for a wrong PIN, rejected pin-attempts-exceeded after the last wrong one,
 *   expired when the push expired meanwhile; -ESRCH unknown push id (or no longer pending);
 *   -EBUSY the push is not waiting for a PIN; -ENOKEY USERNETWPIN but the IMSI is unknown now
 *   (no attempt used); negative errno from the store.
 */
int engine_provide_pin(Engine *e, uint64_t id, const Secret *pin, EngineResult *ret);

/**
 * engine_confirm() - the user accepts a push waiting for confirmation. It is re-authenticated
 *   with the current IMSI (a signed package: verified again against the SPC certificates of
 *   now, with their strength of now) and re-evaluated with the current configuration (OTA
 *   bootstrap disabled meanwhile: bootstrap-disabled, for packages too) before it is applied.
 * Return: 0 with the verdict in @ret; -ESRCH; -EBUSY not waiting for confirmation; -ENOKEY
 *   NETWPIN but the IMSI is unknown now; negative errno from the store.
 */
int engine_confirm(Engine *e, uint64_t id, EngineResult *ret);

/**
 * engine_discard() - the user refuses a pending push: verdict rejected, reason discarded. Pushes
 *   that expired meanwhile are expired first (reported through the verdict hook), so an expired
 *   push is never recorded as discarded.
 * Return: 0; -ESRCH not a pending push.
 */
int engine_discard(Engine *e, uint64_t id);

/**
 * engine_expire() - pending pushes whose expiry is <= @now_usec (0: the engine's clock) become
 *   verdict expired, reason expired; each is reported through the verdict hook.
 * Return: the number expired, or negative errno.
 */
int engine_expire(Engine *e, uint64_t now_usec);

/*
 * Verdicts the engine reaches on its own, outside the EngineResult of the call that caused them:
 * expiry (engine_expire, also when engine_submit, engine_install, engine_discard or
 * engine_pending_document sweep expired pushes first). The bus service journals and signals
 * each like any other verdict (issue 10, point 9). The result lives during the call only.
 */
typedef void (*EngineVerdictFn)(const EngineResult *res, void *userdata);
void engine_set_verdict_hook(Engine *e, EngineVerdictFn fn, void *userdata);

/*
 * What a pending push would change (GetPendingDocument; issue 10, point 10): every value of its
 * document, grouped by what it configures with the network-level groups first, each compared
 * with what is applied now. A document replaces every root it names as a unit (store.h), so a
 * value applied now under such a root that the document does not hold is listed as removed.
 */
typedef enum EngineChangeKind {
        ENGINE_CHANGE_UNCHANGED,
        ENGINE_CHANGE_ADDED,
        ENGINE_CHANGE_CHANGED,
        ENGINE_CHANGE_REMOVED,
        _ENGINE_CHANGE_MAX,
} EngineChangeKind;

/* "unchanged", "added", "changed", "removed" (the change field of GetPendingDocument) */
const char *engine_change_kind_to_string(EngineChangeKind k);

/* Groups in the order they are listed: the elements that change where the phone's traffic goes
 * or whom it trusts first (the classes of common/summary.h). */
typedef enum EngineGroupRank {
        ENGINE_GROUP_NAPDEF,            /* "NAPDEF": data connections */
        ENGINE_GROUP_PROXY,             /* "PXLOGICAL": proxies */
        ENGINE_GROUP_BOOTSTRAP,         /* "BOOTSTRAP" */
        ENGINE_GROUP_MMS,               /* "APPLICATION w4" */
        ENGINE_GROUP_DM,                /* "APPLICATION w7" */
        ENGINE_GROUP_CERTIFICATES,      /* "CertificateStore" */
        ENGINE_GROUP_POLICY,            /* "SecurityPolicy" */
        ENGINE_GROUP_ROUTED_APP,        /* "APPLICATION <APPID>" with TO-PROXY or TO-NAPID */
        ENGINE_GROUP_OTHER,             /* everything else: "APPLICATION <APPID>", or the type */
        _ENGINE_GROUP_MAX,
} EngineGroupRank;

typedef struct EngineChange {
        const char *group;              /* what it configures (see EngineGroupRank) */
        EngineGroupRank rank;
        const char *chpath;             /* the characteristic holding the value (store.h paths);
                                         * "/CertificateStore/<store>" for a certificate */
        const char *name;               /* parm name; a certificate's thumbprint */
        const char *value;              /* the pushed value; NULL: a flag parm, or removed */
        const char *old_value;          /* the value applied now; NULL: none (added, or a flag) */
        EngineChangeKind kind;
} EngineChange;
typedef int (*EngineChangeFn)(const EngineChange *c, void *userdata);

/**
 * engine_pending_document() - every value a pending push would set, and its diff (above).
 *   Only a push whose bytes verifierd authenticated (waiting for confirmation) is decoded, and
 *   it is authenticated again first, as engine_confirm would: the MAC with the IMSI of the SIM
 *   present now, a package's signature against the SPC certificates of now, an unsigned push
 *   only while the policy still accepts unsigned pushes. Nothing is changed.
 *   Strings are valid inside @fn only; values are as the document holds them (not escaped).
 * Return: the number of rows passed to @fn; -ESRCH not pending; -EBUSY waiting for a PIN (its
 *   bytes are not authenticated: never decoded); -ENOKEY the IMSI is unknown now;
 *   -EKEYREJECTED the bytes do not authenticate now (another SIM, or the signer is gone);
 *   -EPERM unsigned pushes are no longer accepted; -EBADMSG it does not decode; negative errno.
 */
int engine_pending_document(Engine *e, uint64_t id, EngineChangeFn fn, void *userdata);

/* engine_rebuild_exports - re-render every export from the store (start-up, after errors). The
 * keyfiles it wrote or removed, and what it noticed about files someone else changed, wait in
 * the engine for engine_take_nm_sync. */
int engine_rebuild_exports(Engine *e, ExportNmStats *stats);

/* Runs a run through NetworkManager's settings API off the event loop (export-nm-worker.h):
 * takes @run over whatever the return; 0 started, negative errno. The event loop hands it back,
 * executed, to engine_nm_api_run_done. */
typedef int (*EngineNmApiStartFn)(ExportNmRun *run, void *userdata);
/* engine_set_nm_api_runner - with @start set, the exports through the settings API are runs of
 * @start (engine.c: nm_api_start): engine_rebuild_exports and engine_update_exports return at
 * once (0, zero @stats; the state reads pending). NULL: made in the caller's thread (tests). */
void engine_set_nm_api_runner(Engine *e, EngineNmApiStartFn start, void *userdata);
/* engine_nm_api_run_done - in the event loop, @run (executed) returned: its records committed to
 * the store, its notices queued for engine_take_nm_sync, the state set, and the next run started
 * when the store changed meanwhile. Frees @run. Return: the run's result (as
 * engine_rebuild_exports). */
int engine_nm_api_run_done(Engine *e, ExportNmRun *run, ExportNmStats *stats);
/* engine_update_exports - after an applied push: the keyfiles of the roots it changed only
 * (export_nm_update; @roots the document's roots, @old_napids what its APPLICATIONs and proxies
 * named before), so the cost of a push does not grow with the store. A full rebuild instead
 * while none has succeeded since start-up or since a failure. */
int engine_update_exports(Engine *e, const char *const *roots, size_t n_roots, const char *const *old_napids,
                          size_t n_old, ExportNmStats *stats);

/*
 * NetworkManager does not watch its keyfile directory (issue 10, point 2): after every rebuild
 * it must be asked to load exactly the files that changed (Settings.LoadConnections, which also
 * unloads a removed file; export-nm-load.h). The engine collects them -- and, at the first
 * rebuild after start, every file of ours, in case NetworkManager missed a change before a crash
 * -- with one log line per file someone else changed or removed; the bus service takes them.
 */
typedef struct EngineNmSync {
        char **paths;                   /* full paths of keyfiles written or removed */
        size_t n_paths;
        char **notices;                 /* log lines: files left alone, names taken by others */
        size_t n_notices;
} EngineNmSync;
void engine_nm_sync_done(EngineNmSync *s);
/* Move what is waiting into @ret (the engine keeps nothing). Return: paths + notices. */
int engine_take_nm_sync(Engine *e, EngineNmSync *ret);
/* NetworkManager could not be told (a time-out, an error): keep @s's paths for the next try. */
void engine_return_nm_paths(Engine *e, EngineNmSync *s);

/* What verifierd last learnt about NetworkManager (for status output). */
typedef enum EngineNmState {
        ENGINE_NM_UNKNOWN,              /* not asked yet */
        ENGINE_NM_LOADED,               /* the last LoadConnections succeeded */
        ENGINE_NM_NOT_RUNNING,          /* nobody owned its bus name: it loads the files when it starts */
        ENGINE_NM_FAILED,               /* the last call failed (retried with the next change) */
        ENGINE_NM_PENDING,              /* a call is out, no reply yet (asynchronous, verifierd) */
} EngineNmState;
void engine_set_nm_state(Engine *e, EngineNmState state);
EngineNmState engine_get_nm_state(Engine *e);

/* engine_foreach_export - export_nm_status over the configured NetworkManager directory (nothing
 * with no_export); through NetworkManager's settings API, export_nm_status_recorded (the records
 * of the last run and what it did: NetworkManager is not called on the event loop). */
int engine_foreach_export(Engine *e, ExportNmStatusFn fn, void *userdata);

/* Bounded queries (callbacks as in store.h; strings are valid inside the callback only). */
int engine_foreach_push(Engine *e, uint64_t before_id, unsigned limit, StorePushFn fn, void *userdata);
int engine_get_push(Engine *e, uint64_t id, StorePushFn fn, void *userdata);
int engine_foreach_pending(Engine *e, StorePendingFn fn, void *userdata);
/* One pending push. Return: 0, -ESRCH not pending, negative errno (or @fn's). */
int engine_get_pending(Engine *e, uint64_t id, StorePendingFn fn, void *userdata);
int engine_foreach_setting(Engine *e, const char *root_prefix, StoreSettingFn fn, void *userdata);
/* store_foreach_setting_range: one root, or the roots with a prefix, by index (no scan). */
int engine_foreach_setting_range(Engine *e, const char *root_prefix, bool exact, StoreSettingFn fn, void *userdata);
int engine_foreach_account(Engine *e, StoreAccountFn fn, void *userdata);

/* One entry of the certificate store as listed (ListCertificates). */
typedef struct EngineCert {
        const char *thumbprint;         /* 40 upper-case hex digits */
        const char *subject;
        const char *store;
        const char *source;             /* "admin", "push" or "package" */
        uint32_t roles;
        uint64_t not_after_usec;
        uint64_t push_id;               /* 0 for the administrator's */
        AuthMethod sec;                 /* authentication of the installing message (AUTH_NONE: admin) */
        const uint8_t *der;
        size_t der_len;
} EngineCert;
typedef int (*EngineCertFn)(const EngineCert *c, void *userdata);

/* The administrator's certificates (certs.d, without [Remove] entries) and then the store's
 * (without those the administrator removed). Return: entries visited, or negative errno. */
int engine_foreach_certificate(Engine *e, EngineCertFn fn, void *userdata);

/* The store underneath (status output, tests, dm-account.c). */
Store *engine_get_store(Engine *e);
/* The metabase every decision uses (the DM tree's Get checks, dm-tree.c). */
const Metabase *engine_get_metabase(Engine *e);

/*
 * The over-the-air policy layer (ota-policy.h). The engine judges every push by the effective
 * configuration: the files' (engine_new, engine_set_config) with the layer's values on top, except
 * Locked= keys. An applied document's SecurityPolicy values, and the [Bootstrap] Enabled=once
 * closing, are committed in its transaction and in force for the next push.
 */
/* The effective configuration (valid until the next engine call that changes it). */
const Config *engine_get_config(Engine *e);
/* Drop the layer (provctl reset-policy). Return: values dropped, or negative errno. */
int engine_reset_policy(Engine *e);
/* Where a GetPolicy key's effective value comes from (ota_policy_source). */
OtaSource engine_policy_source(Engine *e, const char *policy_name, uint64_t *ret_push_id, bool *ret_locked);

/* How many documents this engine handed to the decoders since it started: only authenticated
 * (or policy-accepted unsigned) bytes ever are (GetPolicy Status.DocumentsDecoded). */
uint64_t engine_decoded_count(Engine *e);
