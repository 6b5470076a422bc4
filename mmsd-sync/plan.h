/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.h: provboot-mmsd-sync's decisions (issue 10 point 5), pure (no bus connection, no file
 * access; sync_view_read only reads a message it is given):
 * what to do with the MMS settings verifierd publishes (ipc/mms-settings.h), given what mmsd-tng
 * holds now (ViewSettings) and what this program handed to mmsd-tng last (its state file).
 *
 * mmsd-tng's settings API, as the running mmsd-tng 2.1.0 (Debian 12) introspects it on the
 * session bus (tests/integration/mmsd-sync.sh checks these names against the live daemon):
 *   service org.ofono.mms, object /org/ofono/mms, interface org.ofono.mms.ModemManager:
 *     ChangeSettings(s setting, v value)  one setting; the value must be a string for the three
 *                                         keys below (2.1.0 reads any other type as garbage)
 *     ViewSettings() -> a{sv}             CarrierMMSC, MMS_APN, CarrierMMSProxy (strings), ...
 *   A fresh mmsd-tng reports CarrierMMSC "http://mms.invalid" and MMS_APN "apn.invalid":
 *   MMSD_UNSET_MMSC / MMSD_UNSET_APN, "nothing configured".
 * (The per-modem org.ofono.mms.Service at /org/ofono/mms/modemmanager exists only while a modem is
 * present and holds message options, not the carrier settings.)
 *
 * The rule (sync_decide), after point 4 of the same issue for NetworkManager profiles: what the
 * user changes in mmsd-tng (e.g. in Chatty's settings) is kept until a newer push for MMS arrives.
 *   - nothing published                                   -> SYNC_NOTHING (mmsd-tng left alone)
 *   - mmsd-tng already holds the published values         -> SYNC_IN_SYNC (recorded, nothing sent)
 *   - this very publication (same push id, same values) was handed to mmsd-tng before and
 *     mmsd-tng now holds something else, not its "unset" values
 *                                                         -> SYNC_KEEP_USER_EDIT (left alone, logged)
 *   - otherwise (a newer push, never applied, mmsd-tng unreadable or back to its unset values
 *     after losing its key file)                          -> SYNC_APPLY: the keys that differ
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "mms-settings.h"

#define MMSD_SERVICE "org.ofono.mms"
#define MMSD_PATH "/org/ofono/mms"
#define MMSD_INTERFACE "org.ofono.mms.ModemManager"
#define MMSD_M_CHANGE_SETTINGS "ChangeSettings"
#define MMSD_M_VIEW_SETTINGS "ViewSettings"
#define MMSD_KEY_MMSC "CarrierMMSC"
#define MMSD_KEY_APN "MMS_APN"
#define MMSD_KEY_PROXY "CarrierMMSProxy"
#define MMSD_UNSET_MMSC "http://mms.invalid"
#define MMSD_UNSET_APN "apn.invalid"
#define MMSD_VIEW_DICT_MAX 32U          /* entries of ViewSettings read (2.1.0 has 6) */
#define MMSD_VIEW_VALUE_MAX 1024U       /* longer strings from mmsd-tng count as "different" */

/* The state file: what was handed to mmsd-tng last. At most SYNC_STATE_MAX bytes. */
#define SYNC_STATE_MAX 2048U
#define SYNC_STATE_FILE "applied"

/* What mmsd-tng holds now (strings borrowed from the ViewSettings reply; NULL: not reported). */
typedef struct MmsdView {
        const char *mmsc;
        const char *apn;
        const char *proxy;
} MmsdView;

/* Read ViewSettings' a{sv} into @ret (strings borrowed from @m): at most MMSD_VIEW_DICT_MAX
 * entries (-E2BIG past it; nothing more is read); the three keys only as strings (another type:
 * the key counts as not reported); a value longer than MMSD_VIEW_VALUE_MAX bytes is taken as ""
 * (it is only compared with the published values, so it simply differs). On error *ret is
 * cleared. Return: 0 or negative errno. */
int sync_view_read(sd_bus_message *m, MmsdView *ret);

/* What provboot-mmsd-sync handed to mmsd-tng last (owned, fixed-size). */
typedef struct SyncRecord {
        bool have;
        uint64_t push_id;
        char mmsc[IPC_MMS_VALUE_MAX + 1];
        char apn[IPC_MMS_APN_MAX + 1];
        char proxy[IPC_MMS_VALUE_MAX + 1];
} SyncRecord;

typedef enum SyncAction {
        SYNC_NOTHING,
        SYNC_IN_SYNC,
        SYNC_KEEP_USER_EDIT,
        SYNC_APPLY,
} SyncAction;

/* @view NULL: mmsd-tng's values are not known (ViewSettings failed). @last NULL or !have: nothing
 * recorded. @pub must be valid (ipc_mms_settings_valid). */
SyncAction sync_decide(const IpcMmsSettings *pub, const MmsdView *view, const SyncRecord *last);

/* The settings to send for SYNC_APPLY, in mmsd-tng's order (CarrierMMSC, MMS_APN,
 * CarrierMMSProxy): only those that differ from @view (all of them when @view is NULL).
 * Return: the number of entries filled (0..3). */
typedef struct SyncChange {
        const char *key;
        const char *value;              /* borrowed from @pub */
} SyncChange;
unsigned sync_changes(const IpcMmsSettings *pub, const MmsdView *view, SyncChange ret[static 3]);

/* Record @pub (valid, have) in @ret. */
void sync_record_set(SyncRecord *ret, const IpcMmsSettings *pub);
/* Same publication: push id and the three values. */
bool sync_record_matches(const SyncRecord *r, const IpcMmsSettings *pub);

/*
 * The state file's text: a comment line, then "PushId=N", "CarrierMMSC=...", "MMS_APN=...",
 * "CarrierMMSProxy=..." lines. sync_record_parse accepts exactly that (any order, '#' comments,
 * a final newline optional) within SYNC_STATE_MAX bytes, each key once, every value by the rules
 * of ipc/mms-settings.h; anything else is -EBADMSG (-E2BIG when longer) and *ret is cleared: the
 * file belongs to the user, who may have edited it, so it is checked like any input.
 * sync_record_format: Return: the length, or -ENOBUFS when @size is too small.
 */
int sync_record_parse(const char *text, size_t len, SyncRecord *ret);
int sync_record_format(const SyncRecord *r, char *buf, size_t size);
