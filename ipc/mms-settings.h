/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mms-settings.h: the MMS settings verifierd publishes on the system bus (issue 10 point 5) and
 * provboot-mmsd-sync hands to mmsd-tng on the user's session bus. Names, signature and limits are
 * in ipc.h (Verifier1.GetMmsSettings, signal MmsSettingsChanged); this is their typed marshalling
 * and the value rules both ends apply.
 *
 * The dictionary (a{sv}) holds either nothing (verifierd publishes nothing: [Export] Mmsd=no, or
 * no valid MMS application w4 is stored) or all four of:
 *   CarrierMMSC      s  the MMSC URL (w4 ADDR)
 *   MMS_APN          s  the APN of the NAPDEF the w4 uses (NAP-ADDRESS)
 *   CarrierMMSProxy  s  "host:port" of the w4's proxy, or "NULL" for none (mmsd-tng's own spelling)
 *   PushId           t  the push that installed the w4 (>= 1): a newer push for it has a new id
 * The key names are mmsd-tng's setting names (ChangeSettings), so a consumer maps them 1:1.
 *
 * Value rules (ipc_mms_*_valid), enforced by verifierd before it publishes and again by every
 * reader (a reader trusts the owner of org.provboot.Verifier1, not what it sends):
 *   - no value holds a control character, a space or a non-ASCII byte (mmsd-tng writes them to
 *     a key file, one per line);
 *   - CarrierMMSC: at most IPC_MMS_VALUE_MAX bytes, an RFC 3986 absolute URI (schema_valid_uri)
 *     with scheme http or https (either case), an authority of host (schema_valid_host; an IPv6
 *     address in brackets) and an optional port 1..65535, and NO userinfo ("user:pass@"): the
 *     settings are readable by every local user, so a credential must not ride along in the URL;
 *   - MMS_APN: 1..IPC_MMS_APN_MAX bytes of NetworkManager's APN characters (schema_valid_apn);
 *   - CarrierMMSProxy: "NULL", or host ":" port with the host as above (an IPv6 address only in
 *     brackets) and the port 1..65535 (required), at most IPC_MMS_VALUE_MAX bytes.
 * Nothing here is secret: an operator publishes these values for every subscriber.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "ipc.h"

typedef struct IpcMmsSettings {
        bool have;                      /* false: nothing published (empty dictionary) */
        const char *mmsc;               /* borrowed (from the message, or the caller's storage) */
        const char *apn;
        const char *proxy;              /* "host:port" or IPC_MMS_NO_PROXY */
        uint64_t push_id;
} IpcMmsSettings;

bool ipc_mms_mmsc_valid(const char *s);
bool ipc_mms_apn_valid(const char *s);
bool ipc_mms_proxy_valid(const char *s);
/* have == false, or all three strings set and valid and push_id >= 1. */
bool ipc_mms_settings_valid(const IpcMmsSettings *s);

/* Append the a{sv} (empty when !s->have). Return: 0; -EINVAL when s is not valid (nothing is
 * published that a reader would refuse); an sd-bus error. */
int ipc_mms_settings_append(sd_bus_message *m, const IpcMmsSettings *s);

/*
 * Read the a{sv} at the current position into *ret (strings borrowed from the message).
 * At most IPC_MMS_DICT_MAX entries (-E2BIG past it, nothing more is read); unknown keys are
 * skipped (a later verifierd may add some); a known key with another type, a known key twice, or
 * some but not all of the four keys: -EBADMSG; a value breaking its rule: -EINVAL. An empty
 * dictionary (or one with unknown keys only) gives ret->have = false. On error *ret is cleared.
 * Return: 0 or negative errno.
 */
int ipc_mms_settings_read(sd_bus_message *m, IpcMmsSettings *ret);
