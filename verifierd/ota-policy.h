/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ota-policy.h: the policy layer a Manager-role message sets (Windows Mobile SDK, "SecurityPolicy
 * Configuration Service Provider", whose metabase entry is Manager only; verifierd(8) POLICIES
 * OVER THE AIR). One
 * module for every route that carries characteristics: a CP document (policy.c calls it while
 * it walks the document) and, later, an OMA DM session with an account's roles. It takes roles
 * and parsed characteristics; it knows nothing of WAP push, SEC or MACs, and does no I/O.
 *
 * The keys it may set, by SecurityPolicy parm name (the policy number, value decimal):
 *   4111 OTA provisioning      -> [Bootstrap] Enabled=          0 closes, any other value opens
 *   4119 Grant Manager         -> [Policy] GrantManager=        a role mask (policy.h roles)
 *   4120 Grant User Auth.      -> [Policy] GrantUserAuthenticated=   a role mask
 *   4141 OMA CP NETWPIN        -> [Policy] AcceptNetworkPin=    0 refuses NETWPIN, any other value accepts
 *   4142 OMA CP USERPIN        -> [Policy] AcceptUserPin= and AcceptUserPinMac= (both)
 *   4143 OMA CP USERNETWPIN    -> [Policy] AcceptUserNetworkPin=
 *   4105 Message auth. retries -> [Policy] PinAttempts=         1..256
 *   4110 Unauthenticated msgs  -> [Policy] AcceptUnauthenticated=   0 no, 1 yes
 *   4132 Network-PIN prompt    -> [Bootstrap] ConfirmNetworkPin=    0 no, 1 yes (provboot's fixed
 *                                 interface; note that Windows Mobile reads 0 as "prompt")
 * Precedence, lowest first: built-in default, configuration files, this layer; a key named in
 * [Policy] Locked= keeps its file (or built-in) value whatever the layer holds.
 *
 * A document is refused whole (Windows Mobile SDK, Configuration Manager: one failed
 * characteristic rolls the whole request back) when a SecurityPolicy characteristic
 *   - reaches a message without Manager rights (role-denied; the layer's own check, whatever a
 *     metabase drop-in says: policies are the device manager's);
 *   - holds a parm that is not one of the numbers above (policy-denied);
 *   - asks a locked key for a value other than the one in force (policy-denied);
 *   - holds a value outside its range, or a parm without a value (malformed);
 *   - holds a nested characteristic (unsupported).
 * A parm named twice: the later one counts (document order).
 *
 * [Bootstrap] Enabled=once: OTA bootstrap is open until a document holding a root-level BOOTSTRAP
 * characteristic is applied, which closes it as if that document had set 4111=0; this closing is
 * the administrator's own rule and holds also when Enabled is locked, and also over a 4111 the
 * same document sets. Only `provctl reset-policy` (which empties the layer) opens it again.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cpdoc.h"
#include "verdict.h"

typedef enum OtaKey {
        OTA_KEY_BOOTSTRAP_ENABLED,              /* 4111 */
        OTA_KEY_CONFIRM_NETWORK_PIN,            /* 4132 */
        OTA_KEY_GRANT_MANAGER,                  /* 4119 */
        OTA_KEY_GRANT_USER_AUTH,                /* 4120 */
        OTA_KEY_ACCEPT_UNAUTHENTICATED,         /* 4110 */
        OTA_KEY_ACCEPT_NETWORK_PIN,             /* 4141 */
        OTA_KEY_ACCEPT_USER_PIN,                /* 4142 */
        OTA_KEY_ACCEPT_USER_NETWORK_PIN,        /* 4143 */
        OTA_KEY_ACCEPT_USER_PIN_MAC,            /* 4142 */
        OTA_KEY_PIN_ATTEMPTS,                   /* 4105 */
        _OTA_KEY_MAX,
        _OTA_KEY_INVALID = -EINVAL,
} OtaKey;

#define OTA_SECURITY_POLICY "SecurityPolicy"    /* the characteristic type (root level only) */

/* "Enabled", "GrantManager", ... : the key as the configuration file names it (Locked=). */
const char *ota_key_to_string(OtaKey k);
/* "Bootstrap.Enabled", "Policy.GrantManager", ... : the key as GetPolicy / provctl policy name it. */
const char *ota_key_to_policy_name(OtaKey k);
/* Either form above (case-sensitive). Return: the key or -EINVAL. */
OtaKey ota_key_from_string(const char *s);

/* The value of @k in @c, as the layer stores it (booleans 0/1). */
uint32_t ota_key_get(const Config *c, OtaKey k);

/**
 * ota_policy_parse() - one SecurityPolicy parm: the (first) key it sets and its value, normalised
 *   as the layer keeps it (switches and booleans 0/1).
 * @number: the parm name ("4119").
 * @value: the parm value.
 * @ret_key: the key (4142: OTA_KEY_ACCEPT_USER_PIN; it sets OTA_KEY_ACCEPT_USER_PIN_MAC too).
 * @ret_value: the value.
 *
 * Return: 0; -ENOENT not a policy the layer keeps; -EINVAL a value outside its range.
 */
int ota_policy_parse(const char *number, const char *value, OtaKey *ret_key, uint32_t *ret_value);

/* What the layer holds (the store's ota_policy table, loaded). */
typedef struct OtaPolicyLayer {
        uint32_t set;                           /* bit k: key k is held */
        uint32_t value[_OTA_KEY_MAX];
        uint64_t push_id[_OTA_KEY_MAX];         /* the push that set it */
        uint32_t once;                          /* bit k: written by the Enabled=once closing */
} OtaPolicyLayer;

/* What one document sets (policy.c fills it through ota_policy_check). */
typedef struct OtaPolicyChange {
        uint32_t set;                           /* bit k: the document sets key k */
        uint32_t value[_OTA_KEY_MAX];
        bool close_bootstrap;                   /* Enabled=once and the document holds a BOOTSTRAP */
} OtaPolicyChange;

/* Called for each element the layer refuses: @p NULL stands for the whole characteristic. */
typedef void (*OtaDenyFn)(void *userdata, const CpCharacteristic *c, const CpParm *p, Reason reason,
                          uint32_t required);

/**
 * ota_policy_check() - check one root-level SecurityPolicy characteristic and add what it sets
 *   to @change.
 * @c: the configuration in force (the effective one: files and layer), for Locked= and the
 *   values a locked key holds.
 * @roles: the effective roles of the message (or of the DM account).
 * @sp: the characteristic (type SecurityPolicy).
 * @change: accumulates the values (several SecurityPolicy characteristics may add to it).
 * @deny: called for every refused element (see the header comment for the reasons).
 * @userdata: for @deny.
 *
 * Return: the number of refused elements (0: everything in @sp may be applied).
 */
unsigned ota_policy_check(const Config *c, uint32_t roles, const CpCharacteristic *sp, OtaPolicyChange *change,
                          OtaDenyFn deny, void *userdata);

/**
 * ota_policy_closes_bootstrap() - does applying a document with these root-level characteristics
 *   close OTA bootstrap under [Bootstrap] Enabled=once?
 * @c: the configuration (base or effective: bootstrap_once comes from the files).
 * @chars: the document's root-level list.
 *
 * Return: true when Enabled=once is set and a BOOTSTRAP characteristic is among @chars.
 */
bool ota_policy_closes_bootstrap(const Config *c, const CpCharacteristic *chars);

/**
 * ota_policy_overlay() - the effective configuration: @base with the layer's values on top,
 *   except the keys @base locks (Locked=); a key the Enabled=once closing wrote overrides a lock.
 * @base: the configuration from the files.
 * @layer: the layer (NULL: none).
 * @ret: filled with a shallow copy of @base (it shares @base's strings, Secret, metabase and
 *   certificate list: never free it with config_free) with the layer applied.
 */
void ota_policy_overlay(const Config *base, const OtaPolicyLayer *layer, Config *ret);

/* Where an effective value comes from. */
typedef enum OtaSource {
        OTA_SOURCE_BUILTIN,
        OTA_SOURCE_FILE,
        OTA_SOURCE_OTA,                         /* the layer (a push, or the Enabled=once closing) */
        _OTA_SOURCE_MAX,
} OtaSource;

/* "built-in", "file", "over-the-air" */
const char *ota_source_to_string(OtaSource s);

/**
 * ota_policy_source() - where the effective value of configuration key @policy_name
 *   ("Policy.GrantManager", also keys the layer cannot set) comes from.
 * @base: the configuration from the files.
 * @layer: the layer (may be NULL).
 * @policy_name: the GetPolicy key.
 * @ret_push_id: the push that set it (OTA_SOURCE_OTA), else 0.
 * @ret_locked: whether Locked= names it.
 *
 * Return: the source.
 */
OtaSource ota_policy_source(const Config *base, const OtaPolicyLayer *layer, const char *policy_name,
                            uint64_t *ret_push_id, bool *ret_locked);
