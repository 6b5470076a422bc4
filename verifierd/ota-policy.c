/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ota-policy.c: the over-the-air policy layer (ota-policy.h has the keys, the precedence and the
 * refusals). Pure code over a Config and parsed characteristics: no I/O, no logging, nothing
 * that assumes a WAP push, so an OMA DM session can call it with an account's roles.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "ota-policy.h"
#include "policy.h"

typedef enum OtaSyntax {
        OTA_SYNTAX_SWITCH,      /* 0 off, any other number on (4111, 4141..4143) */
        OTA_SYNTAX_BOOL,        /* 0 or 1 (4110, 4132) */
        OTA_SYNTAX_MASK,        /* a role mask within ROLE_ALL (4119, 4120) */
        OTA_SYNTAX_ATTEMPTS,    /* 1..CONFIG_PIN_ATTEMPTS_MAX (4105) */
} OtaSyntax;

/* The policy numbers of the Windows Mobile SDK's "Security Policy Settings" (secpol.h); the
 * mapping to configuration keys is a fixed interface of provboot (ota-policy.h). */
static const struct {
        const char *number;
        OtaSyntax syntax;
        OtaKey keys[2];
        unsigned n_keys;
} policies[] = {
        { "4105", OTA_SYNTAX_ATTEMPTS, { OTA_KEY_PIN_ATTEMPTS }, 1 },
        { "4110", OTA_SYNTAX_BOOL, { OTA_KEY_ACCEPT_UNAUTHENTICATED }, 1 },
        { "4111", OTA_SYNTAX_SWITCH, { OTA_KEY_BOOTSTRAP_ENABLED }, 1 },
        { "4119", OTA_SYNTAX_MASK, { OTA_KEY_GRANT_MANAGER }, 1 },
        { "4120", OTA_SYNTAX_MASK, { OTA_KEY_GRANT_USER_AUTH }, 1 },
        { "4132", OTA_SYNTAX_BOOL, { OTA_KEY_CONFIRM_NETWORK_PIN }, 1 },
        { "4141", OTA_SYNTAX_SWITCH, { OTA_KEY_ACCEPT_NETWORK_PIN }, 1 },
        { "4142", OTA_SYNTAX_SWITCH, { OTA_KEY_ACCEPT_USER_PIN, OTA_KEY_ACCEPT_USER_PIN_MAC }, 2 },
        { "4143", OTA_SYNTAX_SWITCH, { OTA_KEY_ACCEPT_USER_NETWORK_PIN }, 1 },
};

static const struct {
        const char *key;        /* as in the file (Locked=) */
        const char *name;       /* as GetPolicy shows it */
} key_table[_OTA_KEY_MAX] = {
        [OTA_KEY_BOOTSTRAP_ENABLED] = { "Enabled", "Bootstrap.Enabled" },
        [OTA_KEY_CONFIRM_NETWORK_PIN] = { "ConfirmNetworkPin", "Bootstrap.ConfirmNetworkPin" },
        [OTA_KEY_GRANT_MANAGER] = { "GrantManager", "Policy.GrantManager" },
        [OTA_KEY_GRANT_USER_AUTH] = { "GrantUserAuthenticated", "Policy.GrantUserAuthenticated" },
        [OTA_KEY_ACCEPT_UNAUTHENTICATED] = { "AcceptUnauthenticated", "Policy.AcceptUnauthenticated" },
        [OTA_KEY_ACCEPT_NETWORK_PIN] = { "AcceptNetworkPin", "Policy.AcceptNetworkPin" },
        [OTA_KEY_ACCEPT_USER_PIN] = { "AcceptUserPin", "Policy.AcceptUserPin" },
        [OTA_KEY_ACCEPT_USER_NETWORK_PIN] = { "AcceptUserNetworkPin", "Policy.AcceptUserNetworkPin" },
        [OTA_KEY_ACCEPT_USER_PIN_MAC] = { "AcceptUserPinMac", "Policy.AcceptUserPinMac" },
        [OTA_KEY_PIN_ATTEMPTS] = { "PinAttempts", "Policy.PinAttempts" },
};

const char *ota_key_to_string(OtaKey k) {
        return k >= 0 && k < _OTA_KEY_MAX ? key_table[k].key : NULL;
}

const char *ota_key_to_policy_name(OtaKey k) {
        return k >= 0 && k < _OTA_KEY_MAX ? key_table[k].name : NULL;
}

OtaKey ota_key_from_string(const char *s) {
        for (int k = 0; s && k < _OTA_KEY_MAX; k++)
                if (strcmp(s, key_table[k].key) == 0 || strcmp(s, key_table[k].name) == 0)
                        return (OtaKey) k;
        return _OTA_KEY_INVALID;
}

uint32_t ota_key_get(const Config *c, OtaKey k) {
        switch (k) {
        case OTA_KEY_BOOTSTRAP_ENABLED:
                return c->bootstrap_enabled;
        case OTA_KEY_CONFIRM_NETWORK_PIN:
                return c->confirm_network_pin;
        case OTA_KEY_GRANT_MANAGER:
                return c->grant_manager;
        case OTA_KEY_GRANT_USER_AUTH:
                return c->grant_user_auth;
        case OTA_KEY_ACCEPT_UNAUTHENTICATED:
                return c->accept_unauthenticated;
        case OTA_KEY_ACCEPT_NETWORK_PIN:
                return c->accept_sec[AUTH_NETWPIN];
        case OTA_KEY_ACCEPT_USER_PIN:
                return c->accept_sec[AUTH_USERPIN];
        case OTA_KEY_ACCEPT_USER_NETWORK_PIN:
                return c->accept_sec[AUTH_USERNETWPIN];
        case OTA_KEY_ACCEPT_USER_PIN_MAC:
                return c->accept_sec[AUTH_USERPINMAC];
        case OTA_KEY_PIN_ATTEMPTS:
                return c->pin_attempts;
        default:
                return 0;
        }
}

static void key_set(Config *c, OtaKey k, uint32_t v) {
        switch (k) {
        case OTA_KEY_BOOTSTRAP_ENABLED:
                c->bootstrap_enabled = v != 0;
                break;
        case OTA_KEY_CONFIRM_NETWORK_PIN:
                c->confirm_network_pin = v != 0;
                break;
        case OTA_KEY_GRANT_MANAGER:
                c->grant_manager = v & ROLE_ALL;
                break;
        case OTA_KEY_GRANT_USER_AUTH:
                c->grant_user_auth = v & ROLE_ALL;
                break;
        case OTA_KEY_ACCEPT_UNAUTHENTICATED:
                c->accept_unauthenticated = v != 0;
                break;
        case OTA_KEY_ACCEPT_NETWORK_PIN:
                c->accept_sec[AUTH_NETWPIN] = v != 0;
                break;
        case OTA_KEY_ACCEPT_USER_PIN:
                c->accept_sec[AUTH_USERPIN] = v != 0;
                break;
        case OTA_KEY_ACCEPT_USER_NETWORK_PIN:
                c->accept_sec[AUTH_USERNETWPIN] = v != 0;
                break;
        case OTA_KEY_ACCEPT_USER_PIN_MAC:
                c->accept_sec[AUTH_USERPINMAC] = v != 0;
                break;
        case OTA_KEY_PIN_ATTEMPTS:
                /* the store's value was checked when it was set; a row outside the range (an
                 * edited database) is not used */
                if (v >= 1 && v <= CONFIG_PIN_ATTEMPTS_MAX)
                        c->pin_attempts = v;
                break;
        default:
                break;
        }
}

/* A decimal value of the policy's syntax, normalised (switches and booleans to 0/1). */
static int parse_value(OtaSyntax syntax, const char *s, uint32_t *ret) {
        uint64_t v;

        if (!s || config_parse_uint(s, 0, UINT32_MAX, &v) < 0)
                return -EINVAL;
        switch (syntax) {
        case OTA_SYNTAX_SWITCH:
                *ret = v != 0;
                return 0;
        case OTA_SYNTAX_BOOL:
                if (v > 1)
                        return -EINVAL;
                *ret = (uint32_t) v;
                return 0;
        case OTA_SYNTAX_MASK:
                /* only the defined role bits ("Security Roles", policy.h), as roles_parse_decimal */
                if (v & ~(uint64_t) ROLE_ALL)
                        return -EINVAL;
                *ret = (uint32_t) v;
                return 0;
        case OTA_SYNTAX_ATTEMPTS:
                if (v < 1 || v > CONFIG_PIN_ATTEMPTS_MAX)
                        return -EINVAL;
                *ret = (uint32_t) v;
                return 0;
        }
        return -EINVAL;
}

int ota_policy_parse(const char *number, const char *value, OtaKey *ret_key, uint32_t *ret_value) {
        for (size_t i = 0; number && i < ELEMENTSOF(policies); i++)
                if (strcmp(number, policies[i].number) == 0) {
                        if (parse_value(policies[i].syntax, value, ret_value) < 0)
                                return -EINVAL;
                        *ret_key = policies[i].keys[0];
                        return 0;
                }
        return -ENOENT;
}

unsigned ota_policy_check(const Config *c, uint32_t roles, const CpCharacteristic *sp, OtaPolicyChange *change,
                          OtaDenyFn deny, void *userdata) {
        unsigned n = 0;

        /* Security invariant: only a message (or account) with Manager rights changes policies
         * (Windows Mobile SDK, "SecurityPolicy Configuration Service Provider": only the device
         * manager may change policies). Checked here
         * whatever the metabase says, so a drop-in that loosens [Characteristic SecurityPolicy]
         * cannot hand the policies to another role. */
        if (!(roles & ROLE_MANAGER)) {
                deny(userdata, sp, NULL, REASON_ROLE_DENIED, ROLE_MANAGER);
                return 1;
        }
        /* The CSP has parms only; anything nested is neither stored nor applied. */
        for (const CpCharacteristic *k = sp->children; k; k = k->next) {
                deny(userdata, k, NULL, REASON_UNSUPPORTED, 0);
                n++;
        }
        for (const CpParm *p = sp->parms; p; p = p->next) {
                size_t i;
                uint32_t v;

                for (i = 0; i < ELEMENTSOF(policies); i++)
                        if (strcmp(p->name, policies[i].number) == 0)
                                break;
                if (i == ELEMENTSOF(policies)) {
                        /* a policy provboot does not keep: refused rather than dropped */
                        deny(userdata, sp, p, REASON_POLICY_DENIED, 0);
                        n++;
                        continue;
                }
                if (parse_value(policies[i].syntax, p->value, &v) < 0) {
                        deny(userdata, sp, p, REASON_MALFORMED, 0);
                        n++;
                        continue;
                }
                for (unsigned j = 0; j < policies[i].n_keys; j++) {
                        OtaKey k = policies[i].keys[j];

                        /* Locked= (the administrator's word): a document may repeat the value in
                         * force, never change it. */
                        if ((c->policy_locked & (1U << k)) && ota_key_get(c, k) != v) {
                                deny(userdata, sp, p, REASON_POLICY_DENIED, 0);
                                n++;
                                break;
                        }
                        if (c->policy_locked & (1U << k))
                                continue; /* the same value: nothing to keep */
                        change->set |= 1U << k;
                        change->value[k] = v;
                }
        }
        return n;
}

bool ota_policy_closes_bootstrap(const Config *c, const CpCharacteristic *chars) {
        if (!c || !c->bootstrap_once)
                return false;
        for (const CpCharacteristic *ch = chars; ch; ch = ch->next)
                if (strcmp(ch->type, "BOOTSTRAP") == 0 && !(ch->flags & (CP_FLAG_UNKNOWN | CP_FLAG_MISPLACED)))
                        return true;
        return false;
}

void ota_policy_overlay(const Config *base, const OtaPolicyLayer *layer, Config *ret) {
        *ret = *base;
        if (!layer)
                return;
        for (int k = 0; k < _OTA_KEY_MAX; k++) {
                if (!(layer->set & (1U << k)))
                        continue;
                /* Locked= wins over the layer, except the Enabled=once closing: that is the
                 * administrator's own rule, not a document's. */
                if ((base->policy_locked & (1U << k)) && !(layer->once & (1U << k)))
                        continue;
                /* the closing belongs to Enabled=once: a file that says yes or no now decides */
                if ((layer->once & (1U << k)) && !base->bootstrap_once)
                        continue;
                key_set(ret, (OtaKey) k, layer->value[k]);
        }
}

const char *ota_source_to_string(OtaSource s) {
        static const char *const t[_OTA_SOURCE_MAX] = {
                [OTA_SOURCE_BUILTIN] = "built-in",
                [OTA_SOURCE_FILE] = "file",
                [OTA_SOURCE_OTA] = "over-the-air",
        };
        return s >= 0 && s < _OTA_SOURCE_MAX ? t[s] : NULL;
}

OtaSource ota_policy_source(const Config *base, const OtaPolicyLayer *layer, const char *policy_name,
                            uint64_t *ret_push_id, bool *ret_locked) {
        OtaKey k = ota_key_from_string(policy_name);
        bool locked = k >= 0 && (base->policy_locked & (1U << k));

        if (ret_push_id)
                *ret_push_id = 0;
        if (ret_locked)
                *ret_locked = locked;
        /* held and in force: not set aside by Locked=, nor a closing whose "once" the files
         * no longer say (the same rules as ota_policy_overlay) */
        if (k >= 0 && layer && (layer->set & (1U << k))) {
                bool once = layer->once & (1U << k);

                if (once ? base->bootstrap_once : !locked) {
                        if (ret_push_id)
                                *ret_push_id = layer->push_id[k];
                        return OTA_SOURCE_OTA;
                }
        }
        for (size_t i = 0; i < base->n_file_keys; i++)
                if (strcmp(base->file_keys[i], policy_name) == 0)
                        return OTA_SOURCE_FILE;
        return OTA_SOURCE_BUILTIN;
}
