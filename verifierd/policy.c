/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.c: the roles (docs/trust-boundary.md §1.2), the roles an authentication outcome earns, the
 * grants (4119, 4120), the policy gates and the evaluator that checks every characteristic and
 * parm of a document against the metabase (§1.6, §1.7), bounds DM-account ROLE and
 * CertificateStore Role values by the message's roles (§1.5, §1.8), and lists every denied
 * element. Pure code over a CpDoc the caller decoded from authenticated bytes; no I/O, no logs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "element-path.h"
#include "policy.h"

uint32_t policy_auth_roles(const Config *c, AuthMethod sec) {
        if (!c)
                return 0;
        if (sec == AUTH_NONE)
                return c->roles_unauthenticated;
        if (sec < 0 || sec >= _AUTH_SEC_MAX)
                return 0;
        return c->roles_sec[sec];
}

uint32_t policy_effective_roles(const Config *c, uint32_t auth_roles) {
        uint32_t r = auth_roles;

        if (!c)
                return r;
        /* §1.1: both grants look at the message's own roles; one never feeds the other */
        if (auth_roles & c->grant_user_auth)
                r |= ROLE_USER_AUTH;
        if (auth_roles & c->grant_manager)
                r |= ROLE_MANAGER;
        return r;
}

int policy_check_bounded_roles(uint32_t message_roles, const char *value, uint32_t *ret_roles) {
        uint32_t v;

        if (!value) {
                if (ret_roles)
                        *ret_roles = message_roles;
                return 0;
        }
        if (roles_parse_decimal(value, &v) < 0)
                return -EINVAL;
        /* §1.5/§1.8: never more roles than the message that sets them */
        if (v & ~message_roles)
                return -EPERM;
        if (ret_roles)
                *ret_roles = v;
        return 0;
}

/* ---- helpers --------------------------------------------------------------------------------- */

static bool is_application(const CpCharacteristic *c) {
        return strcmp(c->type, "APPLICATION") == 0;
}

static bool str_eq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- evaluation ---------------------------------------------------------------------------------- */

typedef struct Eval {
        const CpDoc *doc;
        const Config *c;
        const Metabase *m;
        uint32_t roles;
        bool no_secret;                 /* NETWPIN alone, or no SEC: the message proves no secret;
                                         * a DM session too: it never plants an SPC signer */
        PolicyResult *res;
        unsigned n_role_denied, n_escalation, n_malformed, n_policy, n_unsupported;
} Eval;

static void deny(Eval *e, const CpCharacteristic *c, const CpParm *p, Reason reason, uint32_t required) {
        PolicyResult *res = e->res;

        switch (reason) {
        case REASON_ROLE_ESCALATION:
                e->n_escalation++;
                break;
        case REASON_MALFORMED:
                e->n_malformed++;
                break;
        case REASON_POLICY_DENIED:
                e->n_policy++;
                break;
        case REASON_UNSUPPORTED:
                e->n_unsupported++;
                break;
        default:
                e->n_role_denied++;
                break;
        }
        if (res->n_denied < POLICY_DENIED_MAX) {
                PolicyDenial *d = &res->denied[res->n_denied];

                element_path(e->doc, c, p, d->path, sizeof d->path);
                d->reason = reason;
                d->required = required;
        }
        res->n_denied++;
}

static bool under_certificate_store(const CpCharacteristic *c) {
        while (c->parent)
                c = c->parent;
        return strcmp(c->type, "CertificateStore") == 0;
}

/* §1.5: a w7 account gets the message's roles or the subset its ROLE names. */
static void check_dm_account(Eval *e, const CpCharacteristic *c) {
        PolicyResult *res = e->res;
        PolicyDmAccount a = {
                .application = c,
                .provider_id = cpdoc_parm_value(c, "PROVIDER-ID"),
                .name = cpdoc_parm_value(c, "NAME"),
                .roles = e->roles,
        };
        bool failed = false;

        for (const CpParm *p = c->parms; p; p = p->next) {
                uint32_t v;
                int r;

                if (strcmp(p->name, "ROLE") != 0)
                        continue;
                r = policy_check_bounded_roles(e->roles, p->value ? p->value : "", &v);
                if (r == -EPERM) {
                        uint32_t asked = 0;

                        (void) roles_parse_decimal(p->value, &asked);
                        deny(e, c, p, REASON_ROLE_ESCALATION, asked);
                        failed = true;
                } else if (r < 0) {
                        deny(e, c, p, REASON_MALFORMED, 0);
                        failed = true;
                } else if (!a.role_explicit) {
                        a.roles = v;
                        a.role_explicit = true;
                } else
                        a.roles &= v; /* several ROLE parms: only what all of them allow */
        }
        if (res->n_dm_accounts >= POLICY_DM_ACCOUNTS_MAX) {
                deny(e, c, NULL, REASON_POLICY_DENIED, 0);
                res->n_dm_accounts++;
                return;
        }
        if (!failed)
                res->dm_accounts[res->n_dm_accounts] = a;
        else
                res->dm_accounts[res->n_dm_accounts] = (PolicyDmAccount) { .application = c, .roles = 0 };
        res->n_dm_accounts++;
}

static void check_cert_role(Eval *e, const CpCharacteristic *c, const CpParm *p) {
        PolicyResult *res = e->res;
        uint32_t v = 0;
        int r;

        /* §1.8: a certificate may not carry more roles than the message installing it */
        r = policy_check_bounded_roles(e->roles, p->value ? p->value : "", &v);
        if (r == -EPERM) {
                (void) roles_parse_decimal(p->value, &v);
                deny(e, c, p, REASON_ROLE_ESCALATION, v);
                return;
        }
        if (r < 0) {
                deny(e, c, p, REASON_MALFORMED, 0);
                return;
        }
        if (res->n_cert_roles < POLICY_CERT_ROLES_MAX)
                res->cert_roles[res->n_cert_roles] = (PolicyCertRole) { .certificate = c, .roles = v };
        res->n_cert_roles++;
}

static void ota_deny(void *userdata, const CpCharacteristic *c, const CpParm *p, Reason reason, uint32_t required) {
        deny(userdata, c, p, reason, required);
}

static bool flagged(unsigned flags) {
        return (flags & (CP_FLAG_UNKNOWN | CP_FLAG_MISPLACED)) != 0;
}

static void walk(Eval *e, const CpCharacteristic *c) {
        uint32_t need = metabase_char_roles(e->m, c);
        bool cert = under_certificate_store(c);

        /* §1.1: permitted when the message's roles meet the element's mask */
        if (!(e->roles & need)) {
                deny(e, c, NULL, REASON_ROLE_DENIED, need); /* stands for its whole subtree */
                return;
        }
        /* Security invariant: the SPC store holds the certificates whose role masks signed
         * packages get (Windows Mobile SDK, "CertificateStore Configuration Service Provider").
         * A message that proves no secret (NETWPIN: the
         * IMSI is no secret; or no SEC at all) never installs or removes one there, whatever
         * Grant Manager lends it: one confirmation tap must not plant a package-signing key. */
        if (e->no_secret && c->parent && !c->parent->parent && strcmp(c->parent->type, "CertificateStore") == 0 &&
            strcmp(c->type, "SPC") == 0) {
                deny(e, c, NULL, REASON_POLICY_DENIED, 0);
                return;
        }
        /* A root-level SecurityPolicy is the over-the-air policy layer's (ota-policy.h): it
         * checks the roles again, every parm and the Locked= keys, and keeps the values. */
        if (!c->parent && strcmp(c->type, OTA_SECURITY_POLICY) == 0) {
                (void) ota_policy_check(e->c, e->roles, c, &e->res->ota, ota_deny, e);
                return;
        }
        /* Nothing is dropped silently: an element outside the schema that provboot implements
         * would be neither stored nor applied, so it refuses the document (unsupported). */
        if (flagged(c->flags)) {
                deny(e, c, NULL, REASON_UNSUPPORTED, 0); /* stands for its whole subtree */
                return;
        }
        for (const CpParm *p = c->parms; p; p = p->next) {
                uint32_t pneed = metabase_parm_roles(e->m, c, p);

                if (!(e->roles & pneed)) {
                        deny(e, c, p, REASON_ROLE_DENIED, pneed);
                        continue;
                }
                if (flagged(p->flags) && !(cert && c->parent && !c->parent->parent && strcmp(p->name, "Delete") == 0)) {
                        /* (a store's Delete parm is certstore.c's: it removes a certificate) */
                        deny(e, c, p, REASON_UNSUPPORTED, 0);
                        continue;
                }
                if (cert && strcmp(p->name, "Role") == 0)
                        check_cert_role(e, c, p);
        }
        if (is_application(c) && str_eq_null(cpdoc_parm_value(c, "APPID"), "w7"))
                check_dm_account(e, c);
        for (const CpCharacteristic *k = c->children; k; k = k->next)
                walk(e, k);
}

int policy_evaluate(const Config *c, const Metabase *m, AuthMethod sec, uint32_t auth_roles, const CpDoc *doc,
                    PolicyResult *ret) {
        Eval e;

        if (!c || !m || !doc || !ret || sec < AUTH_NONE || sec >= _AUTH_METHOD_MAX)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        ret->verdict = VERDICT_REJECTED;
        ret->auth_roles = auth_roles;
        /* A signed package's roles are exactly its SPC entry's mask: no grant adds to them, and
         * nothing provd or the package says does either (docs/trust-boundary.md §1.8 step 3). */
        /* An OMA DM session's roles are exactly its account's (docs/dm-tree.md; the account already
         * holds what its creating message was granted, bounded by §1.5): no grant either. */
        ret->effective_roles = sec == AUTH_SIGNED || sec == AUTH_DM ? auth_roles
                                                                    : policy_effective_roles(c, auth_roles);

        /* gates, in order (docs/trust-boundary.md §1.3, §1.4); none for a signed package, nor for
         * a DM session: the OTA gates are about bootstrap pushes; the DM route's gate is the
         * account (an authenticated, policy-approved push created it) and the session's
         * authentication */
        if (sec != AUTH_SIGNED && sec != AUTH_DM) {
                if (!c->bootstrap_enabled) {
                        ret->reason = REASON_BOOTSTRAP_DISABLED;
                        return 0;
                }
                if (sec == AUTH_NONE && !c->accept_unauthenticated) {
                        ret->reason = REASON_UNAUTHENTICATED;
                        return 0;
                }
                if (sec != AUTH_NONE && !c->accept_sec[sec]) {
                        ret->reason = REASON_POLICY_DENIED;
                        return 0;
                }
        }

        e = (Eval) { .doc = doc, .c = c, .m = m, .roles = ret->effective_roles, .res = ret,
                     .no_secret = sec == AUTH_NETWPIN || sec == AUTH_NONE || sec == AUTH_DM };
        for (const CpCharacteristic *ch = doc->chars; ch; ch = ch->next)
                walk(&e, ch);

        /* §1.6: one denied element rejects the whole document */
        if (ret->n_denied > 0) {
                ret->reason = e.n_escalation ? REASON_ROLE_ESCALATION
                              : e.n_malformed ? REASON_MALFORMED
                              : e.n_role_denied ? REASON_ROLE_DENIED
                              : e.n_policy ? REASON_POLICY_DENIED
                                           : REASON_UNSUPPORTED;
                return 0;
        }
        ret->verdict = VERDICT_APPLIED;
        ret->reason = REASON_NONE;
        /* [Bootstrap] Enabled=once: applying this document closes OTA bootstrap (ota-policy.h) */
        ret->ota.close_bootstrap = ota_policy_closes_bootstrap(c, doc->chars);
        /* policy 4132: a push authenticated by NETWPIN alone waits for the user's confirmation */
        ret->needs_confirmation = sec == AUTH_NETWPIN && c->confirm_network_pin;
        return 0;
}
