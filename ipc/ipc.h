/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc.h: the provd / verifierd / provctl D-Bus contract, defined once (docs/conventions.md §2).
 *
 * Every bus name, object path, interface, member, signature, size limit and error name is
 * spelled here and nowhere else. Each method has a parameter struct and a pair of typed
 * functions: *_append (caller side) and *_read (receiving side); a reply that is a list is an
 * IpcList of typed rows (ipc_list_open / *_row_append, ipc_list_enter / *_row_read). The
 * *_read functions validate every field even when the sender is our own code: verifierd must
 * assume provd is compromised. Strings and byte arrays are borrowed from the message; nothing is
 * copied until it is validated. ipc_error_map is the one errno <-> D-Bus error table.
 * tests/unit/test-ipc.c round-trips every marshaller; tests/fuzz/fuzz-ipc.c fuzzes the readers.
 * The introspection XML in ipc/org.provboot.*.xml is the interface documentation; a test
 * compares it with what the running daemons export.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* ---- names ------------------------------------------------------------------------------ */

#define IPC_VERIFIER_BUS_NAME "org.provboot.Verifier1"
#define IPC_VERIFIER_PATH "/org/provboot/Verifier1"
#define IPC_VERIFIER_INTERFACE "org.provboot.Verifier1"

#define IPC_PARSER_BUS_NAME "org.provboot.Parser1"
#define IPC_PARSER_PATH "/org/provboot/Parser1"
#define IPC_PARSER_INTERFACE "org.provboot.Parser1"

#define IPC_AGENT_INTERFACE "org.provboot.Agent1"

/* oFono's push-notification hook (docs/trust-boundary.md §2.1), implemented by provd. */
#define IPC_OFONO_BUS_NAME "org.ofono"
#define IPC_OFONO_PUSH_INTERFACE "org.ofono.PushNotification"
#define IPC_OFONO_AGENT_INTERFACE "org.ofono.PushNotificationAgent"
#define IPC_OFONO_AGENT_PATH "/org/provboot/Parser1/ofono_agent"

/* ---- Verifier1 members (caller class in brackets) ----------------------------------------- */

/* [provd's user only] Submit(ay body, s content_type, i sec, s mac, s sender, s transport,
 *   t received_usec) -> (t id, s verdict, s reason, u roles) */
#define IPC_M_SUBMIT "Submit"
#define IPC_SIG_SUBMIT_IN "aysisss" "t"
#define IPC_SIG_SUBMIT_OUT "tssu"
/* [provd's user only] SubmitWithSummary(Submit's arguments, as summary_lines, s modem) -> as Submit.
 *   summary_lines: provd's description of the document it decoded (common/summary.h), at most
 *   IPC_SUMMARY_LINES_MAX lines of at most IPC_SUMMARY_LINE_MAX bytes of printable text each.
 *   UNTRUSTED: verifierd keeps it only while the push waits for a PIN, shows it labelled
 *   "(unverified)", and deletes it when the push is authenticated or rejected.
 *   modem: the object path of the modem that received the push in the modem stack's own
 *   namespace (oFono's "/ril_0", ModemManager's "/org/freedesktop/ModemManager1/Modem/3"), or ""
 *   when provd does not know it (Inject without a modem). verifierd checks NETWPIN and
 *   USERNETWPIN against the IMSI of THAT modem's SIM and binds what it applies to that SIM
 *   (issue 10 point 7); with "" it uses the only SIM present, and refuses to guess among several.
 *   Naming a modem gains provd nothing: it can only pick which of the phone's own SIMs keys the
 *   MAC check, and a push still has to be made with that SIM's IMSI.
 *   Submit stays (programs and tests rely on its signature): a push submitted with it has no
 *   summary and no modem. */
#define IPC_M_SUBMIT_WITH_SUMMARY "SubmitWithSummary"
#define IPC_SIG_SUBMIT_WITH_SUMMARY_IN IPC_SIG_SUBMIT_IN "as" "s"

/* Request signatures shared by several members. */
#define IPC_SIG_NONE ""                             /* no arguments, or an empty reply */
#define IPC_SIG_ID_IN "t"                           /* Confirm, Discard, GetPush, GetPendingDocument */
#define IPC_SIG_AGENT_PATH_IN "o"                   /* RegisterAgent, UnregisterAgent */

/* [root or group provboot] user side */
#define IPC_M_LIST_PENDING "ListPending"            /* () -> a(tsssttas) */
#define IPC_SIG_PENDING_ITEM "(tsssttas)"           /* id, sender, sec, waiting-for, received, expires, summary lines
                                                     * (each "(unverified) ..." while the push waits for a PIN;
                                                     * the last one says "+N more not shown" when lines were cut) */
#define IPC_SIG_LIST_PENDING_OUT "a" IPC_SIG_PENDING_ITEM
#define IPC_M_PROVIDE_PIN "ProvidePin"              /* (t id, s pin) -> (s verdict, s reason, u roles) */
#define IPC_SIG_PROVIDE_PIN_IN "ts"
#define IPC_M_CONFIRM "Confirm"                     /* (t id) -> (s verdict, s reason, u roles) */
#define IPC_M_DISCARD "Discard"                     /* (t id) -> () */
#define IPC_SIG_VERDICT_OUT "ssu"
#define IPC_M_REGISTER_AGENT "RegisterAgent"        /* (o path) -> () */
#define IPC_M_UNREGISTER_AGENT "UnregisterAgent"    /* (o path) -> () */
#define IPC_M_GET_HISTORY "GetHistory"              /* (u max) -> a(ttsssssuss) */
#define IPC_SIG_HISTORY_IN "u"
#define IPC_SIG_PUSH_ITEM "(ttsssssuss)"            /* id, time, sender, transport, sec, verdict, reason,
                                                     * roles, denied, digest */
#define IPC_SIG_HISTORY_OUT "a" IPC_SIG_PUSH_ITEM
#define IPC_M_GET_PUSH "GetPush"                    /* (t id) -> (ttsssssuss) */
#define IPC_SIG_PUSH_OUT IPC_SIG_PUSH_ITEM
#define IPC_M_LIST_SETTINGS "ListSettings"          /* () -> a(sssut) path, name, value, roles, push id */
#define IPC_SIG_SETTING_ITEM "(sssut)"
#define IPC_SIG_SETTINGS_OUT "a" IPC_SIG_SETTING_ITEM
#define IPC_M_LIST_ACCOUNTS "ListAccounts"          /* () -> a(sssut) server id, name, address, roles, push id */
#define IPC_SIG_ACCOUNT_ITEM "(sssut)"
#define IPC_SIG_ACCOUNTS_OUT "a" IPC_SIG_ACCOUNT_ITEM
#define IPC_M_GET_POLICY "GetPolicy"                /* () -> a(ss) key, value */
#define IPC_SIG_POLICY_ITEM "(ss)"
#define IPC_SIG_POLICY_OUT "a" IPC_SIG_POLICY_ITEM
#define IPC_M_INSTALL "Install"                     /* (ay package) -> (t id, s verdict, s reason, u roles) */
#define IPC_SIG_INSTALL_IN "ay"
#define IPC_M_LIST_CERTIFICATES "ListCertificates"  /* () -> a(ssssust) thumbprint, subject, store, source, roles, expiry, push id */
#define IPC_SIG_CERTIFICATE_ITEM "(ssssust)"
#define IPC_SIG_CERTIFICATES_OUT "a" IPC_SIG_CERTIFICATE_ITEM
#define IPC_M_LIST_EXPORTS "ListExports"            /* () -> a(ssss) root, exporter, state, detail */
#define IPC_SIG_EXPORTS_ITEM "(ssss)"
#define IPC_SIG_EXPORTS_OUT "a" IPC_SIG_EXPORTS_ITEM

/* [any local user] GetMmsSettings() -> a{sv}: the MMS settings verifierd applied and publishes
 *   for provboot-mmsd-sync ([Export] Mmsd=yes), which hands them to mmsd-tng on the user's
 *   session bus (issue 10 point 5). Keys, types and value rules: ipc/mms-settings.h. Open to
 *   every local user (bus policy default context): the MMSC URL, MMS APN and proxy are what an
 *   operator publishes for all its subscribers, hold no credential (the rules refuse userinfo in
 *   the URL; NAPAUTHINFO is never part of it), and verifierd answers from memory (no store read). */
#define IPC_M_GET_MMS_SETTINGS "GetMmsSettings"
#define IPC_SIG_MMS_SETTINGS "a{sv}"
#define IPC_MMS_KEY_MMSC "CarrierMMSC"
#define IPC_MMS_KEY_APN "MMS_APN"
#define IPC_MMS_KEY_PROXY "CarrierMMSProxy"
#define IPC_MMS_KEY_PUSH_ID "PushId"
#define IPC_MMS_NO_PROXY "NULL"
/* (t id) -> a(ssssss) group, path, name, change, value, old value: every value the document of a
 *   pending push would set, grouped by what it configures (network-level groups first, then
 *   document order; verifierd/engine.h EngineGroupRank) and compared with what is applied now
 *   (change: "added", "changed", "removed", "unchanged"; a document replaces each root it names
 *   whole, so a value it drops there is "removed"). Only for a push verifierd authenticated
 *   (waiting for confirmation), authenticated again first; a push waiting for its PIN is never
 *   decoded: org.provboot.Error.WrongState (show ListPending's "(unverified)" lines instead).
 *   Names and values are escaped to one printable line each and cut at IPC_DOCUMENT_VALUE_MAX
 *   bytes ("..."); passwords read "(hidden)". */
#define IPC_M_GET_PENDING_DOCUMENT "GetPendingDocument"
#define IPC_SIG_DOCUMENT_ITEM "(ssssss)"
#define IPC_SIG_PENDING_DOCUMENT_OUT "a" IPC_SIG_DOCUMENT_ITEM
/* () -> a(ssbt) key, source, locked, push id: where each GetPolicy value comes from (issue 12;
 *   verifierd/ota-policy.h): source "built-in", "file" or "over-the-air" (the over-the-air policy
 *   layer: a SecurityPolicy characteristic of push <push id>, or the [Bootstrap] Enabled=once
 *   closing by that push); locked: [Policy] Locked= names the key. The same keys as GetPolicy,
 *   without its Status.* entries. Root and group provboot. */
#define IPC_M_GET_POLICY_SOURCES "GetPolicySources"
#define IPC_SIG_POLICY_SOURCE_ITEM "(ssbt)"
#define IPC_SIG_POLICY_SOURCES_OUT "a" IPC_SIG_POLICY_SOURCE_ITEM
/* () -> u dropped: drop the over-the-air policy layer (provctl reset-policy): the configuration
 *   files decide again, an Enabled=once bootstrap is open again. Root only (bus policy and
 *   verifierd's own check of the caller's uid). */
#define IPC_M_RESET_POLICY "ResetPolicy"
#define IPC_SIG_RESET_POLICY_OUT "u"

/* [root or group provboot] DmConnect(s server_id) -> (s result, s reason, u executed, u denied):
 *   run one client-initiated OMA DM session with the account of @server_id (provctl dm connect)
 *   and answer when it ended. result: "completed" or "failed"; reason: "" or one of
 *   IPC_DM_REASONS; executed: server commands run (a Get included); denied: commands refused for
 *   the account's roles (refused members of an Atomic included). The call lasts up to the
 *   session's time limit: callers wait IPC_DM_CONNECT_TIMEOUT_USEC. A session already running:
 *   org.provboot.Error.WrongState. */
#define IPC_M_DM_CONNECT "DmConnect"
#define IPC_SIG_DM_CONNECT_IN "s"
#define IPC_SIG_DM_CONNECT_OUT "ssuu"
#define IPC_DM_CONNECT_TIMEOUT_USEC (150ULL * 1000000ULL)   /* > DM_SESSION_TIME_MAX_MS */
/* [provd's user only] SubmitDmNotification(ay notification, s sender, s transport) ->
 *   (s verdict, s reason, u roles): an OMA DM package 0 (WSP content type 0x44,
 *   application/vnd.syncml.notification) exactly as received. verifierd parses it, looks the
 *   ServerID up, checks the digest with that account's server credentials BEFORE anything is
 *   dialled, drops repeats and bursts, and then runs a server-initiated session after answering.
 *   verdict "pending" (a session was started) or "rejected" with reason "malformed" (truncated,
 *   bad fields), "unsupported" (version other than 1.1), "unauthenticated" (no such account),
 *   "bad-mac" (digest mismatch), "replay" (the same trigger again), "policy-denied" (the
 *   account's minimum interval, or a session running); roles 0. */
#define IPC_M_SUBMIT_DM_NOTIFICATION "SubmitDmNotification"
#define IPC_SIG_SUBMIT_DM_NOTIFICATION_IN "ayss"
#define IPC_DM_NOTIFICATION_MAX 512U        /* = DM_PKG0_MAX (common/dm-pkg0.h) */
#define IPC_DM_SERVER_ID_MAX 255U           /* bytes of a ServerID (package 0 allows 255) */

/* Signal on every verdict: (t id, s verdict, s reason, u roles) */
#define IPC_S_VERDICT "VerdictReached"
#define IPC_SIG_VERDICT_SIGNAL "tssu"
/* Signal when the published MMS settings change: (a{sv} settings), GetMmsSettings' dictionary.
 * A hint: readers believe it only from the owner of IPC_VERIFIER_BUS_NAME (ipc/buswatch.h) and
 * read the settings again with GetMmsSettings. */
#define IPC_S_MMS_SETTINGS_CHANGED "MmsSettingsChanged"

/* Agent1, implemented by a phone UI or provctl: verifierd calls it. */
#define IPC_M_AGENT_REQUEST_PIN "RequestPin"                    /* (t id, s sender, as summary) -> (s pin) */
#define IPC_M_AGENT_REQUEST_CONFIRMATION "RequestConfirmation"  /* (t id, s sender, as summary) -> (b ok) */
#define IPC_M_AGENT_RELEASE "Release"                           /* () -> () */
#define IPC_SIG_AGENT_REQUEST_IN "tsas"
#define IPC_SIG_AGENT_PIN_OUT "s"
#define IPC_SIG_AGENT_CONFIRMATION_OUT "b"

/* ---- Parser1 members ---------------------------------------------------------------------- */

/* [root only] Inject(ay data, s format) -> (t id, s verdict, s reason, u roles)
 * format: "auto", "sms", "sms-smsc", "wsp", "wbxml", "xml"; data as provctl read it (binary or hex). */
#define IPC_M_INJECT "Inject"
#define IPC_SIG_INJECT_IN "ays"
/* [root only] InjectOnModem(ay data, s format, s modem) -> as Inject: the push as if it had
 * arrived on `modem` (an object path of the network PIN source's modem stack, see
 * SubmitWithSummary), for phones with several SIMs (provctl inject --modem). */
#define IPC_M_INJECT_ON_MODEM "InjectOnModem"
#define IPC_SIG_INJECT_ON_MODEM_IN "ays" "s"
#define IPC_SIG_INJECT_OUT "tssu"
/* Counters (properties, t): */
#define IPC_P_RECEIVED "Received"
#define IPC_P_MALFORMED "Malformed"
#define IPC_P_FORWARDED "Forwarded"
#define IPC_P_DROPPED "Dropped"
#define IPC_P_QUARANTINED "Quarantined"

/* ---- limits ------------------------------------------------------------------------------- */

#define IPC_BODY_MAX (64U * 1024U)          /* > 255 concatenated SMS (32,640 B) */
#define IPC_INJECT_MAX (256U * 1024U)       /* hex text of the largest body, with slack */
#define IPC_PACKAGE_MAX (256U * 1024U)      /* signed package (CMS) */
#define IPC_MAC_HEX_LEN 40U
#define IPC_SENDER_MAX 64U
#define IPC_TRANSPORT_MAX 16U
#define IPC_CONTENT_TYPE_MAX 127U
#define IPC_PIN_MAX 64U
#define IPC_HISTORY_MAX 1000U
#define IPC_SUMMARY_LINES_MAX 16U           /* SubmitWithSummary lines (= SUMMARY_LINES_MAX) */
#define IPC_SUMMARY_LINE_MAX 160U           /* bytes of one line (= SUMMARY_LINE_MAX) */
#define IPC_MODEM_MAX 255U                  /* bytes of a modem's object path (SubmitWithSummary,
                                             * InjectOnModem); oFono's and ModemManager's are < 64 */
#define IPC_MMS_VALUE_MAX 255U              /* CarrierMMSC, CarrierMMSProxy (oFono's MMS limits) */
#define IPC_MMS_APN_MAX 64U                 /* MMS_APN (NetworkManager's APN limit) */
#define IPC_MMS_DICT_MAX 16U                /* entries of the GetMmsSettings dictionary read */
#define IPC_DOCUMENT_VALUE_MAX 512U         /* bytes of one GetPendingDocument field, "..." when cut */
/* How long verifierd waits for an agent's answer to RequestPin / RequestConfirmation. An agent
 * whose user answers later acts with ProvidePin / Confirm / Discard itself (provctl agent). */
#define IPC_AGENT_TIMEOUT_USEC (120ULL * 1000000ULL)

/* ---- errors ------------------------------------------------------------------------------- */

#define IPC_ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"       /* -EACCES */
#define IPC_ERROR_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"         /* -EINVAL */
#define IPC_ERROR_AUTH_FAILED "org.provboot.Error.AuthenticationFailed"          /* -EKEYREJECTED */
#define IPC_ERROR_NO_SUCH_PUSH "org.provboot.Error.NoSuchPush"                   /* -ESRCH */
#define IPC_ERROR_WRONG_STATE "org.provboot.Error.WrongState"                    /* -EBUSY */
#define IPC_ERROR_LIMIT "org.provboot.Error.LimitExceeded"                       /* -ENOSPC */
#define IPC_ERROR_MALFORMED "org.provboot.Error.Malformed"                       /* -EBADMSG */
#define IPC_ERROR_TOO_BIG "org.provboot.Error.TooBig"                            /* -E2BIG */
#define IPC_ERROR_AGENT_EXISTS "org.provboot.Error.AgentExists"                  /* -EEXIST */
#define IPC_ERROR_UNAVAILABLE "org.provboot.Error.Unavailable"                   /* -EHOSTUNREACH */

/* One fixed message for every authentication failure: no oracle (docs/conventions.md §3.4). */
#define IPC_AUTH_FAILED_MESSAGE "Authentication failed"

/* The one errno <-> D-Bus error table of the project: clients read replies through it
 * (ipc_errors_register), daemons answer through it (ipc_error_set). Where one name has several
 * errnos, the first is what a client reads. */
extern const sd_bus_error_map ipc_error_map[];

/* Register ipc_error_map with sd-bus (idempotent). Return: 0 or negative errno. */
int ipc_errors_register(void);

/* Set @e to the error ipc_error_map names for @error (a negative errno), with @message, or the
 * table's default words for it when @message is NULL; an errno the table does not name gets
 * sd-bus' own name for it. Return: @error's negative errno, as sd_bus_error_set(). */
int ipc_error_set(sd_bus_error *e, int error, const char *message);
int ipc_error_setf(sd_bus_error *e, int error, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* ---- typed marshalling -------------------------------------------------------------------- */

typedef struct IpcSubmit {
        const uint8_t *body;            /* borrowed from the message */
        size_t body_size;               /* 1..IPC_BODY_MAX */
        const char *content_type;       /* lower-case media type, <= IPC_CONTENT_TYPE_MAX */
        int32_t sec;                    /* -1 (none) or 0..3 */
        const char *mac;                /* "" or exactly 40 hex digits */
        const char *sender;             /* printable, <= IPC_SENDER_MAX */
        const char *transport;          /* "ofono", "modemmanager", "inject" */
        uint64_t received_usec;         /* CLOCK_REALTIME */
        /* SubmitWithSummary only: provd's summary lines (borrowed), each summary_line_valid() */
        const char *summary[IPC_SUMMARY_LINES_MAX];
        unsigned n_summary;
        const char *modem;              /* SubmitWithSummary only: "" or an object path <= IPC_MODEM_MAX
                                         * (ipc_modem_valid); NULL reads as "" */
} IpcSubmit;

int ipc_submit_append(sd_bus_message *m, const IpcSubmit *s);
/* Return: 0, or -EINVAL/-E2BIG/-EBADMSG naming nothing (the caller answers InvalidArgs). */
int ipc_submit_read(sd_bus_message *m, IpcSubmit *ret);
/* SubmitWithSummary: Submit's arguments, then the summary lines, then the modem.
 * ipc_submit_with_summary_read validates the lines too: more than IPC_SUMMARY_LINES_MAX -> -E2BIG;
 * an empty line, one over IPC_SUMMARY_LINE_MAX bytes, or one that is not one line of printable
 * text (no control, bidi or invisible line-breaking character, valid UTF-8) -> -EINVAL; a modem
 * that is neither "" nor a valid object path of at most IPC_MODEM_MAX bytes -> -EINVAL. */
int ipc_submit_with_summary_append(sd_bus_message *m, const IpcSubmit *s);
int ipc_submit_with_summary_read(sd_bus_message *m, IpcSubmit *ret);

typedef struct IpcVerdict {
        uint64_t id;
        const char *verdict;            /* "applied", "rejected", "pending", "expired" */
        const char *reason;             /* a reason token or "" */
        uint32_t roles;
} IpcVerdict;

int ipc_verdict_append(sd_bus_message *m, const IpcVerdict *v, bool with_id);
int ipc_verdict_read(sd_bus_message *m, IpcVerdict *ret, bool with_id);

typedef struct IpcInject {
        const uint8_t *data;
        size_t size;                    /* 1..IPC_INJECT_MAX */
        const char *format;
        const char *modem;              /* InjectOnModem only: "" or an object path (ipc_modem_valid) */
} IpcInject;

int ipc_inject_append(sd_bus_message *m, const IpcInject *i);
int ipc_inject_read(sd_bus_message *m, IpcInject *ret);
/* InjectOnModem: Inject's arguments, then the modem (validated as in SubmitWithSummary). */
int ipc_inject_on_modem_append(sd_bus_message *m, const IpcInject *i);
int ipc_inject_on_modem_read(sd_bus_message *m, IpcInject *ret);
/* Inject's (@on_modem: InjectOnModem's) arguments with the format and modem checked but not the
 * size: provd answers empty or oversize data with a verdict, not an error (docs/architecture.md). Return:
 * 0; -EINVAL an unknown format; -EDOM a modem that is not valid; or sd-bus' error. */
int ipc_inject_read_any_size(sd_bus_message *m, bool on_modem, IpcInject *ret);

typedef struct IpcPin {
        uint64_t id;
        const char *pin;                /* digits only, 1..IPC_PIN_MAX */
} IpcPin;

int ipc_pin_append(sd_bus_message *m, const IpcPin *p);
int ipc_pin_read(sd_bus_message *m, IpcPin *ret);

/* Requests of one argument. The *_read functions fail with the sd-bus error of a wrong
 * signature (-ENXIO, -EBADMSG) or with -EINVAL/-E2BIG for a value out of its limits. */
int ipc_id_append(sd_bus_message *m, uint64_t id);      /* Confirm, Discard, GetPush, GetPendingDocument */
int ipc_id_read(sd_bus_message *m, uint64_t *ret);
int ipc_history_request_append(sd_bus_message *m, uint32_t max);
/* GetHistory's max; 0 or more than IPC_HISTORY_MAX reads as IPC_HISTORY_MAX. */
int ipc_history_request_read(sd_bus_message *m, uint32_t *ret);
int ipc_agent_path_append(sd_bus_message *m, const char *path);  /* RegisterAgent, UnregisterAgent */
int ipc_agent_path_read(sd_bus_message *m, const char **ret);

typedef struct IpcInstall {
        const uint8_t *package;         /* borrowed from the message */
        size_t size;                    /* 1..IPC_PACKAGE_MAX: 0 -> -EINVAL, more -> -E2BIG */
} IpcInstall;

int ipc_install_append(sd_bus_message *m, const IpcInstall *i);
int ipc_install_read(sd_bus_message *m, IpcInstall *ret);

/* ---- typed lists: the replies that are arrays of rows ------------------------------------ */

typedef enum IpcList {
        IPC_LIST_PENDING,               /* ListPending: IpcPendingRow */
        IPC_LIST_HISTORY,               /* GetHistory: IpcPushRow */
        IPC_LIST_SETTINGS,              /* ListSettings: IpcSettingRow */
        IPC_LIST_ACCOUNTS,              /* ListAccounts: IpcAccountRow */
        IPC_LIST_POLICY,                /* GetPolicy: IpcPolicyRow */
        IPC_LIST_CERTIFICATES,          /* ListCertificates: IpcCertificateRow */
        IPC_LIST_EXPORTS,               /* ListExports: IpcExportRow */
        IPC_LIST_DOCUMENT,              /* GetPendingDocument: IpcDocumentRow */
        IPC_LIST_POLICY_SOURCES,        /* GetPolicySources: IpcPolicySourceRow */
        _IPC_LIST_MAX,
} IpcList;

/* The signature of one row of @l ("(sssut)"), NULL for no list. */
const char *ipc_list_item_signature(IpcList l);
/* Writer: open the array of @l's rows, append rows with the typed *_row_append, close it. */
int ipc_list_open(sd_bus_message *m, IpcList l);
int ipc_list_close(sd_bus_message *m);
/* Reader: enter the array (the reply must be exactly a list of @l: -ENXIO otherwise), read
 * rows with the typed *_row_read until it returns 0, exit. */
int ipc_list_enter(sd_bus_message *m, IpcList l);
int ipc_list_exit(sd_bus_message *m);

/* The summary lines of a pending push (ListPending, RequestPin, RequestConfirmation): at most
 * IPC_SUMMARY_LINES_MAX lines; a reader refuses more with -E2BIG. Strings are borrowed. */
typedef struct IpcSummaryLines {
        const char *lines[IPC_SUMMARY_LINES_MAX];
        unsigned n;
} IpcSummaryLines;

typedef struct IpcPendingRow {
        uint64_t id;
        const char *sender;
        const char *sec;                /* auth_method_to_string() */
        const char *waiting;            /* "needs-pin", "needs-confirmation" */
        uint64_t received_usec, expires_usec;
        IpcSummaryLines summary;
} IpcPendingRow;

typedef struct IpcPushRow {
        uint64_t id;
        uint64_t time_usec;             /* when it was received */
        const char *sender, *transport, *sec, *verdict, *reason;
        uint32_t roles;
        const char *denied, *digest;
} IpcPushRow;

typedef struct IpcSettingRow {
        const char *path, *name, *value; /* value "(hidden)" for a password */
        uint32_t roles;
        uint64_t push_id;
} IpcSettingRow;

typedef struct IpcAccountRow {
        const char *server_id, *name, *address;
        uint32_t roles;
        uint64_t push_id;
} IpcAccountRow;

typedef struct IpcPolicyRow {
        const char *key, *value;
} IpcPolicyRow;

typedef struct IpcCertificateRow {
        const char *thumbprint, *subject, *store, *source;
        uint32_t roles;
        const char *expiry;
        uint64_t push_id;
} IpcCertificateRow;

typedef struct IpcExportRow {
        const char *root, *exporter, *state, *detail;
} IpcExportRow;

typedef struct IpcDocumentRow {
        const char *group, *path, *name, *change, *value, *old_value;
} IpcDocumentRow;

typedef struct IpcPolicySourceRow {
        const char *key;
        const char *source;             /* "built-in", "file", "over-the-air" */
        bool locked;                    /* [Policy] Locked= names the key */
        uint64_t push_id;               /* the push of an over-the-air value, else 0 */
} IpcPolicySourceRow;

/* *_row_append: one row (NULL strings are sent as ""). *_row_read: 1 and the row, 0 at the end
 * of the list, or a negative errno. ipc_push_row_* also marshal GetPush's single struct. */
int ipc_pending_row_append(sd_bus_message *m, const IpcPendingRow *row);
int ipc_pending_row_read(sd_bus_message *m, IpcPendingRow *ret);
int ipc_push_row_append(sd_bus_message *m, const IpcPushRow *row);
int ipc_push_row_read(sd_bus_message *m, IpcPushRow *ret);
int ipc_setting_row_append(sd_bus_message *m, const IpcSettingRow *row);
int ipc_setting_row_read(sd_bus_message *m, IpcSettingRow *ret);
int ipc_account_row_append(sd_bus_message *m, const IpcAccountRow *row);
int ipc_account_row_read(sd_bus_message *m, IpcAccountRow *ret);
int ipc_policy_row_append(sd_bus_message *m, const IpcPolicyRow *row);
int ipc_policy_row_read(sd_bus_message *m, IpcPolicyRow *ret);
int ipc_certificate_row_append(sd_bus_message *m, const IpcCertificateRow *row);
int ipc_certificate_row_read(sd_bus_message *m, IpcCertificateRow *ret);
int ipc_export_row_append(sd_bus_message *m, const IpcExportRow *row);
int ipc_export_row_read(sd_bus_message *m, IpcExportRow *ret);
int ipc_document_row_append(sd_bus_message *m, const IpcDocumentRow *row);
int ipc_document_row_read(sd_bus_message *m, IpcDocumentRow *ret);
int ipc_policy_source_row_append(sd_bus_message *m, const IpcPolicySourceRow *row);
int ipc_policy_source_row_read(sd_bus_message *m, IpcPolicySourceRow *ret);

/* ResetPolicy's reply: how many over-the-air values were dropped. */
int ipc_reset_policy_reply_append(sd_bus_message *m, uint32_t dropped);
int ipc_reset_policy_reply_read(sd_bus_message *m, uint32_t *ret);

/* ---- Agent1 -------------------------------------------------------------------------------- */

/* RequestPin / RequestConfirmation arguments. */
typedef struct IpcAgentRequest {
        uint64_t id;
        const char *sender;
        IpcSummaryLines summary;
} IpcAgentRequest;

int ipc_agent_request_append(sd_bus_message *m, const IpcAgentRequest *req);
int ipc_agent_request_read(sd_bus_message *m, IpcAgentRequest *ret);
/* RequestPin's answer: 1..IPC_PIN_MAX bytes (-EINVAL otherwise; the engine judges the digits). */
int ipc_agent_pin_append(sd_bus_message *m, const char *pin);
int ipc_agent_pin_read(sd_bus_message *m, const char **ret);
/* RequestConfirmation's answer. */
int ipc_agent_confirmation_append(sd_bus_message *m, bool confirmed);
int ipc_agent_confirmation_read(sd_bus_message *m, bool *ret);

/* ---- Dialer1 (begin) ---------------------------------------------------------------------
 * dmsessiond, the DM dialer (docs/architecture.md §2.4.1): unprivileged, no secrets,
 * no parsing beyond the host name. [verifierd's uid or root only: bus policy + a uid check]
 * Dial(s host, q port, b allow_loopback) -> (h fd): resolve @host (getaddrinfo), refuse
 *   loopback/private/link-local/multicast addresses unless allow_loopback (common/dm-address.h),
 *   connect within DMSESSIOND_CONNECT_TIMEOUT_MS and return the connected TCP socket.
 *   Errors: AddressRefused (every address refused), Timeout, ConnectFailed (refused, unreachable,
 *   no address), InvalidArgs (not a host name or address literal, port 0).
 * verifierd trusts the fd for nothing: it checks the socket and its peer (verifierd/dm-dial.h)
 * and runs TLS with its own anchors on it. */
#define IPC_DIALER_BUS_NAME "org.provboot.Dialer1"
#define IPC_DIALER_PATH "/org/provboot/Dialer1"
#define IPC_DIALER_INTERFACE "org.provboot.Dialer1"
#define IPC_M_DIAL "Dial"
#define IPC_SIG_DIAL_IN "sqb"
#define IPC_SIG_DIAL_OUT "h"
#define IPC_DIAL_HOST_MAX 253U              /* = DM_HOST_MAX (common/dm-address.h) */
#define IPC_ERROR_ADDRESS_REFUSED "org.provboot.Error.AddressRefused"            /* -EADDRNOTAVAIL */
#define IPC_ERROR_TIMEOUT "org.provboot.Error.Timeout"                           /* -ETIMEDOUT */
#define IPC_ERROR_CONNECT_FAILED "org.provboot.Error.ConnectFailed"              /* -ECONNREFUSED,
                                                 * -ENETUNREACH, -ECONNRESET, -ENXIO (no address) */

typedef struct IpcDial {
        const char *host;               /* dm_host_valid(), <= IPC_DIAL_HOST_MAX; borrowed */
        uint16_t port;                  /* 1..65535 */
        bool allow_loopback;
} IpcDial;

int ipc_dial_append(sd_bus_message *m, const IpcDial *d);
/* Return: 0; -EINVAL a host that is no host name or address literal, or port 0; -E2BIG a host
 * over IPC_DIAL_HOST_MAX; or sd-bus' error for a wrong signature. */
int ipc_dial_read(sd_bus_message *m, IpcDial *ret);
/* Dial's reply: the connected socket. The reader's fd is BORROWED from the message (dup it with
 * F_DUPFD_CLOEXEC to keep it). */
int ipc_dial_reply_append(sd_bus_message *m, int fd);
int ipc_dial_reply_read(sd_bus_message *m, int *ret_borrowed_fd);
/* ---- Dialer1 (end) ----------------------------------------------------------------------- */

/* ---- DM route (Verifier1.DmConnect, Verifier1.SubmitDmNotification) ---------------------- */

/* DmConnect's argument: a ServerID, printable, 1..IPC_DM_SERVER_ID_MAX bytes (-EINVAL). */
int ipc_dm_connect_append(sd_bus_message *m, const char *server_id);
int ipc_dm_connect_read(sd_bus_message *m, const char **ret_server_id);

typedef struct IpcDmResult {
        const char *result;             /* "completed", "failed" */
        const char *reason;             /* "" or a DM reason token (ipc_dm_reason_valid) */
        uint32_t executed, denied;
} IpcDmResult;

int ipc_dm_result_append(sd_bus_message *m, const IpcDmResult *r);
/* Return: 0; -EBADMSG a result or reason outside the tokens; or sd-bus' error. */
int ipc_dm_result_read(sd_bus_message *m, IpcDmResult *ret);
/* "" or no-account, tls-failed, server-auth-failed, protocol-error, timeout, address-refused */
bool ipc_dm_reason_valid(const char *reason);

typedef struct IpcDmNotification {
        const uint8_t *data;            /* borrowed; 1..IPC_DM_NOTIFICATION_MAX bytes */
        size_t size;
        const char *sender;             /* printable, <= IPC_SENDER_MAX */
        const char *transport;          /* ipc_transport_valid() */
} IpcDmNotification;

int ipc_dm_notification_append(sd_bus_message *m, const IpcDmNotification *n);
/* Return: 0; -EINVAL empty data, a sender or transport out of its rules; -E2BIG data over
 * IPC_DM_NOTIFICATION_MAX; or sd-bus' error. */
int ipc_dm_notification_read(sd_bus_message *m, IpcDmNotification *ret);

/* Validators shared by the *_read functions and the daemons. */
bool ipc_string_printable(const char *s, size_t max);   /* valid UTF-8, no control chars, <= max */
bool ipc_mac_valid(const char *mac);                     /* "" or 40 hex digits */
bool ipc_transport_valid(const char *t);
bool ipc_format_valid(const char *f);
bool ipc_verdict_valid(const char *v);
bool ipc_modem_valid(const char *modem);                 /* "" or an object path <= IPC_MODEM_MAX */
