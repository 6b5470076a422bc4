/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-dbus.h: the exporters that talk D-Bus (issue 4): committed NAPDEF settings become oFono
 * packet-data contexts (docs/trust-boundary.md §2.1: ConnectionManager.AddContext + ConnectionContext
 * SetProperty) and the APPLICATION w4 (MMS) becomes the MMS settings verifierd publishes for
 * mmsd-tng (Verifier1.GetMmsSettings, ipc/mms-settings.h; provboot-mmsd-sync hands them to mmsd-tng
 * on the user's session bus, issue 10 point 5). Each runs only when the configuration enables it
 * ([Export] OfonoContexts=, Mmsd=). Like the keyfile exporter it renders what the store
 * holds and nothing else; it runs after the durable commit, outside the security decision, and
 * its failures never change a verdict: the store is the truth and the exports are redone from it
 * (at start-up and after every applied push).
 *
 * Two parts:
 *  - the plan (pure, no bus): the settings rows (engine_foreach_setting) -> the contexts and the
 *    mmsd-tng settings they render to (export_dbus_plan*). Mapping (docs/wire-notes.md §4.2):
 *      NAPDEF with a NAP-ADDRESS and NAP-ADDRTYPE APN (or absent) -> one context
 *        Name              "provboot: " + NAME (else NAPID), made unique per Type (" #2" ...)
 *        Type              "mms" when a w4 APPLICATION uses the NAPDEF, else "internet"; a NAPDEF
 *                          that a w4 uses AND that carries the INTERNET flag gives both contexts
 *                          (the combined Internet+MMS APN; the oFono forks want one of each), and
 *                          so does a NAPDEF that only weaker w4s use (they add an MMS use of it,
 *                          they do not take its Internet use away)
 *        AccessPointName   NAP-ADDRESS
 *        Username/Password AUTHNAME/AUTHSECRET of the first NAPAUTHINFO that has either ("" when
 *                          none; the same NAPAUTHINFO the keyfile exporter uses)
 *        AuthenticationMethod  AUTHTYPE PAP -> "pap", CHAP -> "chap"; no credentials -> "none";
 *                          any other AUTHTYPE (MD5 is Mobile IP, not PPP) -> left as oFono has it
 *        MessageCenter/MessageProxy  (mms contexts only) CarrierMMSC / proxy below of the strongest
 *                          w4 using the NAPDEF (then the one installed last), "" when it names no
 *                          proxy
 *      APPLICATION APPID=w4 -> the published MMS settings, of the strongest valid w4 (authentication
 *      strength, the order of store.h), then the one installed last (highest push id):
 *        CarrierMMSC       ADDR (or APPADDR/ADDR): an absolute http:// or https:// URL
 *        MMS_APN           NAP-ADDRESS of the NAPDEF its TO-NAPID names; without TO-NAPID, the
 *                          one the TO-NAPID of its proxy's PXPHYSICAL names (operators often
 *                          link the MMS NAP only through the proxy). TO-NAPID "INTERNET" that no
 *                          NAPID equals means the first NAPDEF flagged INTERNET (§4.1).
 *        CarrierMMSProxy   "PXADDR:PORTNBR" of the PXLOGICAL its TO-PROXY names (first
 *                          PXPHYSICAL; PORT of the PXPHYSICAL, else of the PXLOGICAL, else 80;
 *                          an IPv6 PXADDR in brackets), or "NULL" without TO-PROXY
 *      A reference that does not resolve invalidates the w4 (the referring characteristic,
 *      §4.1). Only the first TO-NAPID / TO-PROXY of a w4 counts.
 *    Strength (issue 9, finding 5): the store's downgrade rule keeps a weaker message from
 *    replacing a stronger root, not from adding a sibling. So wherever the plan chooses among
 *    roots it takes the strongest, then the one installed last (never the last alone), and a
 *    reference (TO-NAPID, TO-PROXY, the proxy's TO-NAPID) resolves only to a root installed with
 *    at least the referrer's strength: a NETWPIN w4 next to the operator's USERNETWPIN w4 does not
 *    take mmsd-tng or the MMS context over, and a NAPDEF or proxy a NETWPIN push adds under a
 *    name the operator's w4 refers to leaves that w4 dangling (invalid) rather than captured.
 *    Value rules (checked here, right where the values leave for another daemon, as the keyfile
 *    exporter does): the APN passes schema_valid_apn (NetworkManager's rule) and oFono's own
 *    is_valid_apn (no '_', no leading '.', no empty label, first label of 2+ characters); no value
 *    holds a control character; Username <= 63 bytes, Password <= 255 (oFono's limits, longer
 *    ones oFono refuses); CarrierMMSC is an RFC 3986 URI with scheme http or https, <= 255 bytes;
 *    the proxy host passes schema_valid_host and the port 1..65535. A NAPDEF or w4 that breaks a
 *    rule is refused as a whole (counted in ->invalid, its root listed) and never sent; the
 *    rest is exported.
 *  - the bus part: export_dbus_ofono / export_dbus_apply. Synchronous calls,
 *    each with at most EXPORT_DBUS_CALL_TIMEOUT_USEC and all of one run within
 *    EXPORT_DBUS_BUDGET_USEC; no auto-start (verifierd never bus-activates oFono);
 *    a time-out ends that exporter's run. Replies are parsed with bounds (modems, contexts,
 *    dictionary entries) like any input from another process.
 *
 * oFono ownership rule: a context is provboot's when its Name starts with "provboot: "
 * (EXPORT_DBUS_NAME_PREFIX). Which modem: a NAPDEF whose document is bound to a SIM (the push
 * named its receiving modem) is a context of that modem only, and only while that modem holds
 * that SIM (CardIdentifier); after a SIM swap it is not added to the new SIM's contexts, and a
 * copy of it there is ours and not planned, so it goes. For every modem whose Interfaces list
 * org.ofono.ConnectionManager:
 * a context of the plan that exists (same Name and Type) is updated property by property, only
 * where the value differs (so a second run sets nothing); a missing one is added (AddContext, then
 * Name first so it is ours from its first property; if a later property fails it is removed
 * again); a context of ours that the plan no longer holds, or a duplicate of one, is removed
 * (RemoveContext). An active context is never touched (oFono refuses APN, Username, Password
 * changes while active; the next run retries) and is counted in ->busy. Contexts whose Name
 * lacks the prefix are never modified or removed, whatever their APN: a user renaming a context
 * takes it away from provboot. A crash between AddContext and the Name leaves one context named
 * oFono's default ("Internet"/"MMS") that provboot no longer recognises.
 *
 * mmsd-tng (issue 10 point 5): real mmsd-tng owns org.ofono.mms on the SESSION bus of the phone's
 * user (Chatty talks to it there), while verifierd is a system service that never touches a
 * user's session bus. So verifierd does not call mmsd-tng at all: export_dbus_mms_settings gives
 * the settings it publishes on the system bus (Verifier1.GetMmsSettings and the signal
 * MmsSettingsChanged, answered from verifierd's memory), and provboot-mmsd-sync, a user service
 * of the phone's user, reads them there and calls mmsd-tng's ChangeSettings on the session bus
 * (mmsd-sync/). verifierd used to call ChangeSettings on the system bus, where no mmsd-tng is,
 * so Mmsd=yes never reached it; [Export] Mmsd= now means "publish for provboot-mmsd-sync".
 *
 * Secrets: Password values are settings; they are sent to oFono as a property and never appear in
 * stats or any text this module produces. Library code: logs nothing; the caller logs the return
 * value and the stats.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "config.h"
#include "engine.h"
#include "store.h"

#define EXPORT_DBUS_NAME_PREFIX "provboot: "
#define EXPORT_DBUS_NAME_MAX 127U               /* oFono MAX_CONTEXT_NAME_LENGTH (bytes) */
#define EXPORT_DBUS_APN_MAX 100U                /* oFono OFONO_GPRS_MAX_APN_LENGTH; NM's 64 is stricter */
#define EXPORT_DBUS_USERNAME_MAX 63U            /* oFono OFONO_GPRS_MAX_USERNAME_LENGTH */
#define EXPORT_DBUS_PASSWORD_MAX 255U           /* oFono OFONO_GPRS_MAX_PASSWORD_LENGTH */
#define EXPORT_DBUS_MMS_VALUE_MAX 255U          /* oFono MAX_MESSAGE_CENTER/PROXY_LENGTH */
#define EXPORT_DBUS_PROXY_DEFAULT_PORT 80U      /* a PXPHYSICAL without PORT: HTTP */
#define EXPORT_DBUS_CALL_TIMEOUT_USEC (2ULL * 1000000ULL)
#define EXPORT_DBUS_BUDGET_USEC (10ULL * 1000000ULL)
#define EXPORT_DBUS_MODEMS_MAX 8U               /* modems handled (more are ignored) */
#define EXPORT_DBUS_MODEM_LIST_MAX (EXPORT_DBUS_MODEMS_MAX * 4U) /* GetModems entries read (more: -E2BIG) */
#define EXPORT_DBUS_CONTEXTS_MAX 256U           /* contexts read per modem (oFono MAX_CONTEXTS) */
#define EXPORT_DBUS_DICT_MAX 64U                /* entries of one a{sv} read */

/* oFono names (oFono doc/manager-api.txt, doc/connman-api.txt). */
#define EXPORT_DBUS_OFONO_SERVICE "org.ofono"
#define EXPORT_DBUS_OFONO_MANAGER "org.ofono.Manager"
#define EXPORT_DBUS_OFONO_CONNMAN "org.ofono.ConnectionManager"
#define EXPORT_DBUS_OFONO_CONTEXT "org.ofono.ConnectionContext"

/* One oFono context to have. Strings are borrowed from the plan's rows or owned by the plan. */
typedef struct OfonoContextSpec {
        const char *root;               /* the NAPDEF's settings root */
        const char *type;               /* "internet" or "mms" */
        char *name;                     /* owned: "provboot: ..." */
        const char *apn;
        const char *username;           /* "" when absent */
        const char *password;           /* "" when absent; a secret: never logged */
        const char *auth;               /* "pap", "chap", "none", or NULL: not set */
        const char *message_center;     /* mms: MMSC URL or ""; NULL for internet contexts */
        const char *message_proxy;      /* mms: "host:port" or ""; NULL for internet contexts */
        uint64_t push_id;               /* push that installed the NAPDEF */
        /* The SIM the NAPDEF's document is bound to (store.h StoreDocument; issue 10 point 7):
         * the context goes to that modem only, and only while the modem's SIM (SimManager
         * CardIdentifier) is that SIM. NULL modem: not bound, every modem (as before). */
        const char *modem;
        const char *sim_id;
} OfonoContextSpec;

/* The MMS settings for mmsd-tng (have_mmsd): what export_dbus_mms_settings publishes. */
typedef struct MmsdSpec {
        const char *root;               /* the w4 APPLICATION's settings root */
        const char *mmsc;               /* CarrierMMSC */
        const char *apn;                /* MMS_APN */
        const char *proxy;              /* CarrierMMSProxy: "host:port" or "NULL" */
        uint64_t push_id;
} MmsdSpec;

typedef struct ExportDbusPlan {
        OfonoContextSpec *contexts;
        size_t n_contexts;
        bool have_mmsd;
        MmsdSpec mmsd;
        char **invalid;                 /* roots refused by the value rules or links (owned) */
        size_t n_invalid;
        unsigned skipped;               /* NAPDEFs that are not APNs (CSD numbers, IP addresses) */
        const char **mms_only;          /* NAPDEF roots that get an mms context and no internet one:
                                         * used only by MMS (the keyfile exporter does not make them
                                         * NetworkManager data connections, export-nm.h); borrowed */
        size_t n_mms_only;
        /* owned storage */
        StoreSettingList rows;          /* the rows, when export_dbus_plan read them */
        char **strings;                 /* built values (proxy "host:port") */
        size_t n_strings;
} ExportDbusPlan;

typedef struct ExportDbusStats {
        /* oFono */
        unsigned modems;                /* modems with ConnectionManager handled */
        unsigned created;               /* contexts added */
        unsigned updated;               /* contexts with at least one property set */
        unsigned unchanged;             /* contexts already right */
        unsigned removed;               /* stale or duplicate contexts of ours removed */
        unsigned busy;                  /* active contexts of ours left alone (retried next run) */
        unsigned failed;                /* contexts whose calls failed (the first error is returned) */
        /* the plan */
        unsigned planned;               /* contexts in the plan */
        unsigned invalid;               /* NAPDEFs / w4s refused by the value rules */
        unsigned skipped;               /* NAPDEFs that are not APNs */
} ExportDbusStats;

/**
 * export_dbus_plan_from_rows() - derive the plan from setting rows ordered by root, then document
 *   order (as store_foreach_setting returns them). Pure: no bus, no store.
 * @rows: the rows; the plan borrows their strings, so they must outlive it
 * @n: number of rows
 * @ret: the plan (free with export_dbus_plan_done)
 * Return: 0; -ENOMEM.
 */
int export_dbus_plan_from_rows(const StoreSetting *rows, size_t n, ExportDbusPlan *ret);

/**
 * export_dbus_plan() - read the NAPDEF, PXLOGICAL and APPLICATION rows through
 *   engine_foreach_setting and derive the plan; the plan owns a copy of the rows.
 * Return: 0; -ENOMEM; negative errno from the store.
 */
int export_dbus_plan(Engine *e, ExportDbusPlan *ret);

void export_dbus_plan_done(ExportDbusPlan *p);

/**
 * export_dbus_ofono() - make the contexts of every oFono modem with ConnectionManager match the
 *   plan (ownership rule above).
 * @bus: a connection to the bus oFono is on (the system bus)
 * @p: the plan
 * @stats: counters are added to it (may be NULL)
 * Return: 0; -EHOSTUNREACH or -ENXIO oFono is not running (sd-bus's mapping of ServiceUnknown /
 *   NameHasNoOwner); -ETIMEDOUT a call timed out or the run exceeded its budget (the rest was
 *   left); -EBADMSG a reply did not have oFono's types; otherwise the first error of a call
 *   (the other contexts and modems are still done).
 */
int export_dbus_ofono(sd_bus *bus, const ExportDbusPlan *p, ExportDbusStats *stats);

/**
 * export_dbus_apply() - what verifierd calls after an applied verdict and at start-up: when
 *   @c->export_ofono_contexts, export_dbus_ofono(@bus). Does nothing (not even read the store)
 *   when it is off. The MMS settings are not sent anywhere from here (see the mmsd-tng note
 *   above): verifierd publishes export_dbus_mms_settings instead.
 * @bus: verifierd's bus connection
 * @e: the engine (its store is read through engine_foreach_setting)
 * @c: the configuration
 * @stats: filled (zeroed first; may be NULL)
 * Return: 0; the first error of the plan or export_dbus_ofono. Never a verdict:
 *   log it and go on (the next apply or restart retries).
 */
int export_dbus_apply(sd_bus *bus, Engine *e, const Config *c, ExportDbusStats *stats);

/**
 * export_dbus_stats_format() - one line for the log, e.g. "oFono: 1 modem(s), 2 created, 0 updated,
 *   0 unchanged, 0 removed, 0 busy, 0 failed; plan: 2 context(s), 0 invalid,
 *   0 skipped". Holds no value of any setting.
 * Return: @buf.
 */
const char *export_dbus_stats_format(const ExportDbusStats *s, char *buf, size_t size);

/* The MMS settings verifierd publishes (GetMmsSettings; ipc/mms-settings.h), owned copies. */
typedef struct ExportMmsSettings {
        bool have;                      /* false: nothing published */
        char *root;                     /* the w4's settings root (for the log; not published) */
        char *mmsc;
        char *apn;
        char *proxy;                    /* "host:port" or "NULL" */
        uint64_t push_id;
} ExportMmsSettings;

/**
 * export_dbus_mms_settings() - the MMS settings to publish: with @c->export_mmsd, those of the
 *   plan's w4 (the strongest valid w4, then the one installed last: the plan's choice above);
 *   without it, nothing (the store is not read). The caller checks them against the publication
 *   rules of ipc/mms-settings.h (verifierd: refresh_mms_settings) and publishes nothing when they
 *   fail: a weaker w4 is never taken in the chosen one's place.
 * @e: the engine
 * @c: the configuration
 * @ret: filled (cleared first; free with export_mms_settings_done)
 * Return: 0 (ret->have says whether there is something to publish); -ENOMEM; negative errno
 *   from the store.
 */
int export_dbus_mms_settings(Engine *e, const Config *c, ExportMmsSettings *ret);
void export_mms_settings_done(ExportMmsSettings *s);
/* Same publication (have, values and push id; the root is not compared). */
bool export_mms_settings_equal(const ExportMmsSettings *a, const ExportMmsSettings *b);
