/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h: what an authenticated push may change. The 13 Windows Mobile security roles
 * (docs/trust-boundary.md §1.2), the roles each authentication outcome earns ([Roles] in
 * config.h), the policy gates (§1.4: OTA bootstrap enabled, unauthenticated messages, per-method
 * acceptance, Grant Manager 4119, Grant User Authenticated 4120), the metabase (§1.7: a role mask
 * per characteristic type, per APPLICATION APPID and per parm, tightened as the default
 * table in docs/trust-boundary.md §1.3 says), the whole-document rule (§1.6) and the bounded-roles rule for DM accounts (§1.5)
 * and CertificateStore Role parms (§1.8). Pure code over a CpDoc: no I/O but the metabase
 * drop-in loader, no logging.
 *
 * Metabase lookup for one element (first match wins):
 *   characteristic APPLICATION: [Application <APPID>] Roles=, else [Characteristic APPLICATION];
 *   any other characteristic:   [Characteristic <TYPE>] Roles=;
 *   then, for a nested characteristic: its parent's effective mask (§1.7: a node inherits the
 *     root's role unless it has its own); for a root-level one: [Defaults] Roles= (Manager).
 *   parm P of characteristic C: Parm.P= in C's own section (the [Application <APPID>] section
 *     first for APPLICATION, then [Characteristic <TYPE>]), else C's effective mask.
 *   An element flagged CP_FLAG_UNKNOWN (type or parm not in the ProvCont schema) with no
 *     explicit entry of its own, and any element flagged CP_FLAG_MISPLACED, gets
 *     [Defaults] Unknown= (Manager only): an unknown element is denied unless the message has
 *     Manager rights. A drop-in can allow a vendor element by naming it.
 * An element is permitted when (message roles & mask) != 0 (the §1.1 AND rule).
 *
 * Metabase files: metabase.conf (main file) and metabase.d/<name>.conf below the configuration
 * roots, with the masking and ordering of config.h; each overrides single entries of the
 * built-in table (which applies first, so a missing or masked file loses nothing). Format:
 *   [Characteristic NAPDEF]     Roles=MASK   Parm.<NAME>=MASK ...
 *   [Application w2]            Roles=MASK   Parm.TO-PROXY=MASK ...
 *   [Defaults]                  Roles=MASK   Unknown=MASK
 * A section name holds at most CONFIG_SECTION_MAX (49) characters, so a type named in a section
 * has at most 34; longer types (the CertificateStore store names) inherit from their root.
 * The built-in table is shipped readable as packaging/config/metabase.conf (a test keeps the two
 * identical).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cpdoc.h"
#include "ota-policy.h"
#include "roles.h"
#include "verdict.h"
#include "wsp.h"

/* The defaults of the table in docs/trust-boundary.md §1.3 ([Roles] in config.h). */
#define ROLES_DEFAULT_UNAUTHENTICATED ROLE_USER_UNAUTH                    /* 64 */
#define ROLES_DEFAULT_NETWPIN ROLE_OPERATOR                               /*  4 */
#define ROLES_DEFAULT_USERPIN ROLE_USER_AUTH                              /* 16 */
#define ROLES_DEFAULT_USERNETWPIN (ROLE_OPERATOR | ROLE_USER_AUTH)        /* 20 */
#define ROLES_DEFAULT_USERPINMAC ROLE_USER_AUTH                           /* 16 */

/*
 * A CMS-signed package is AUTH_SIGNED (auth-method.h; docs/trust-boundary.md §1.3, signed cab row):
 * a package carries no SEC; its authentication is its signature, and its roles are exactly the
 * role mask of the SPC certificate its signing chain ends at.
 */

/* ---- Metabase -------------------------------------------------------------------------------- */

#define METABASE_MAIN_FILE "metabase.conf"
#define METABASE_DROPIN_DIR "metabase.d"
#define METABASE_ENTRIES_MAX 512U       /* sections after merging */
#define METABASE_PARMS_MAX 64U          /* Parm.* keys per section */

typedef struct Metabase Metabase;

/**
 * metabase_new_default() - the built-in table (see packaging/config/metabase.conf).
 * @ret: the new metabase.
 *
 * Return: 0 or -ENOMEM.
 */
int metabase_new_default(Metabase **ret);

/**
 * metabase_new_empty() - a metabase with no entries and masks of 0 (denies everything); for
 *   tools and tests that build one from text alone.
 * @ret: the new metabase.
 *
 * Return: 0 or -ENOMEM.
 */
int metabase_new_empty(Metabase **ret);

/**
 * metabase_load_roots() - the built-in table overridden by <root>/metabase.conf and
 *   <root>/metabase.d/<name>.conf.
 * @roots: configuration roots, lowest priority first (as config_load_roots()).
 * @n_roots: 1..CONFIG_ROOTS_MAX.
 * @ret: the new metabase, set only on success.
 * @err: filled on -EINVAL (may be NULL).
 *
 * Return: as config_load_roots().
 */
int metabase_load_roots(const char *const *roots, size_t n_roots, Metabase **ret, ConfigError *err);

/**
 * metabase_load_string() - apply one drop-in given as text (tests; @name stands in for the file).
 * @m: the metabase to modify (on error it may be partly modified; use a copy).
 * @name: name used in @err.
 * @text: INI text.
 * @err: filled on -EINVAL (may be NULL).
 *
 * Return: 0; -EINVAL; -ENOMEM.
 */
int metabase_load_string(Metabase *m, const char *name, const char *text, ConfigError *err);

Metabase *metabase_free(Metabase *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Metabase *, metabase_free);

/**
 * metabase_char_roles() - the mask a characteristic needs (lookup rules in the header comment).
 * @m: metabase.
 * @c: the characteristic (its parent chain is consulted).
 *
 * Return: the role mask.
 */
uint32_t metabase_char_roles(const Metabase *m, const CpCharacteristic *c);

/**
 * metabase_parm_roles() - the mask parm @p of characteristic @c needs.
 * @m: metabase.
 * @c: the characteristic holding @p.
 * @p: the parm.
 *
 * Return: the role mask.
 */
uint32_t metabase_parm_roles(const Metabase *m, const CpCharacteristic *c, const CpParm *p);

/**
 * metabase_write() - print the metabase in drop-in syntax (the format of metabase.conf).
 * @m: metabase.
 * @f: output stream.
 *
 * Return: 0 or -EIO.
 */
int metabase_write(const Metabase *m, FILE *f);

/* ---- Evaluation -------------------------------------------------------------------------------- */

#define POLICY_PATH_MAX 256U            /* one element path, NUL included (truncated beyond) */
#define POLICY_DENIED_MAX 32U           /* denied elements kept; n_denied counts all of them */
#define POLICY_DM_ACCOUNTS_MAX 16U      /* w7 APPLICATIONs in one document; more are denied */
#define POLICY_CERT_ROLES_MAX 16U       /* CertificateStore Role parms reported */

typedef struct PolicyDenial {
        char path[POLICY_PATH_MAX];     /* element-path.h, e.g. "/APPLICATION[APPID=w7].ROLE" */
        Reason reason;                  /* ROLE_DENIED, ROLE_ESCALATION, MALFORMED (bad ROLE text),
                                         * POLICY_DENIED or UNSUPPORTED */
        uint32_t required;              /* metabase mask (ROLE_DENIED) or the requested roles */
} PolicyDenial;

typedef struct PolicyDmAccount {
        const CpCharacteristic *application;    /* the w7 APPLICATION (borrowed from the CpDoc) */
        const char *provider_id;                /* PROVIDER-ID (DM ServerID) or NULL; borrowed */
        const char *name;                       /* NAME or NULL; borrowed */
        uint32_t roles;                         /* the account's roles (§1.5) */
        bool role_explicit;                     /* from a ROLE parm (else the message's roles) */
} PolicyDmAccount;

typedef struct PolicyCertRole {
        const CpCharacteristic *certificate;    /* the characteristic holding the Role parm */
        uint32_t roles;                         /* the Role value, a subset of the message's */
} PolicyCertRole;

typedef struct PolicyResult {
        Verdict verdict;                /* VERDICT_APPLIED (= permitted) or VERDICT_REJECTED */
        Reason reason;                  /* REASON_NONE when permitted */
        bool needs_confirmation;        /* permitted, but NETWPIN-only and ConfirmNetworkPin=yes */
        uint32_t auth_roles;            /* as passed in */
        uint32_t effective_roles;       /* after Grant User Authenticated and Grant Manager */
        unsigned n_denied;              /* all denied elements (may exceed POLICY_DENIED_MAX) */
        PolicyDenial denied[POLICY_DENIED_MAX];
        unsigned n_dm_accounts;         /* may exceed POLICY_DM_ACCOUNTS_MAX (then rejected) */
        PolicyDmAccount dm_accounts[POLICY_DM_ACCOUNTS_MAX];
        unsigned n_cert_roles;
        PolicyCertRole cert_roles[POLICY_CERT_ROLES_MAX];
        OtaPolicyChange ota;            /* what the document's SecurityPolicy sets (ota-policy.h),
                                         * and whether applying it closes an Enabled=once bootstrap */
} PolicyResult;

/**
 * policy_auth_roles() - the roles an authentication outcome earns ([Roles]).
 * @c: configuration.
 * @sec: the verified method, or AUTH_NONE for an unsigned push.
 *
 * Return: the role mask (0 for an out-of-range @sec).
 */
uint32_t policy_auth_roles(const Config *c, AuthMethod sec);

/**
 * policy_effective_roles() - @auth_roles plus MANAGER when they meet GrantManager and plus
 *   USER_AUTH when they meet GrantUserAuthenticated. Both grants test the authentication roles
 *   themselves, so one grant never feeds the other (no chaining).
 * @c: configuration.
 * @auth_roles: the authentication (and origin) roles of the message.
 *
 * Return: the effective mask.
 */
uint32_t policy_effective_roles(const Config *c, uint32_t auth_roles);

/**
 * policy_evaluate() - decide whether a document may be applied.
 * @c: configuration (gates and grants).
 * @m: metabase (usually c->metabase).
 * @sec: the verified method, AUTH_NONE for an unsigned push (drives the gates), or
 *   AUTH_SIGNED for a signed package.
 * @auth_roles: the roles the authentication earned (policy_auth_roles(), or a signer's mask).
 * @doc: the document, decoded by verifierd from the authenticated bytes (and validated).
 * @ret: the result; filled completely on 0.
 *
 * Gates, in order: bootstrap disabled -> bootstrap-disabled; no SEC and
 * AcceptUnauthenticated=no -> unauthenticated; method not accepted -> policy-denied. A signed
 * package passes no gate here (the engine applies the bootstrap gate to packages that arrive
 * over the air) and gets no grant: its effective roles are @auth_roles exactly. Then every
 * characteristic and parm is checked against the metabase with the effective roles, w7 ROLE and
 * CertificateStore Role parms must be subsets of the effective roles, and the result lists every
 * denied element (a denied characteristic stands for its subtree). Any denial rejects the whole
 * document: role-escalation if any ROLE/Role asks for more than the message has, else malformed
 * for an unreadable ROLE/Role value (or SecurityPolicy value), else role-denied, else
 * policy-denied (more than POLICY_DM_ACCOUNTS_MAX DM accounts; a SecurityPolicy parm provboot
 * does not keep, or one that would change a Locked= key: ota-policy.h), else unsupported.
 * Unsupported: an element the message's roles may set but that provboot neither stores nor
 * applies (flagged CP_FLAG_UNKNOWN or CP_FLAG_MISPLACED by cpdoc_validate: outside the ProvCont
 * schema, and not CertificateStore or a root-level SecurityPolicy, the Windows Mobile
 * characteristics provboot implements; Metabase and Registry are such elements). It is listed
 * and refuses the document: nothing is ever dropped silently. A root-level SecurityPolicy is
 * checked by ota_policy_check (@ret->ota gets its values); @ret->ota.close_bootstrap is set when
 * the document may be applied and closes an Enabled=once bootstrap.
 *
 * Return: 0 (the decision is in @ret, also for rejections); -EINVAL bad arguments.
 */
int policy_evaluate(const Config *c, const Metabase *m, AuthMethod sec, uint32_t auth_roles, const CpDoc *doc,
                    PolicyResult *ret);

/**
 * policy_check_bounded_roles() - the §1.5/§1.8 rule for a ROLE/Role value: a decimal mask that
 *   is a subset of the roles the message holds.
 * @message_roles: the effective roles of the message.
 * @value: the parm value (NULL = absent: the result is @message_roles).
 * @ret_roles: the resulting roles, set only on success.
 *
 * Return: 0; -EPERM the value has a bit the message lacks (role-escalation); -EINVAL not a
 *   decimal role mask (malformed).
 */
int policy_check_bounded_roles(uint32_t message_roles, const char *value, uint32_t *ret_roles);

