/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-syncml.h: the SyncML DM message codec (OMA-TS-DM_RepPro-V1_2 §4.1, "SyncML
 * Representation Protocol, DM usage"; OMA-TS-DM_Protocol-V1_2 §2.3). The decoder turns one
 * server message (XML or WBXML, DM 1.2 or DM 1.1.2) into a DmMessage; the writer builds one
 * client message (XML). Pure: no I/O, no logging (messages carry credentials and nonces, R7).
 * docs/dm-wire.md §1 summarises the rules and limits.
 *
 * Decoder hardening (as common/cpdoc-xml.c): libxml2 SAX with network access off, no DTD
 * loading, no entity substitution, no DOCTYPE at all, UTF-8 only; every limit below has a
 * name and bites while parsing. WBXML (first octet 0x00-0x03) goes through the project's WBXML
 * iterator (common/wbxml.h) with the SyncML (page 0) and MetInf (page 1) tag tables into the
 * same checks. Structure is checked strictly: SyncML holds SyncHdr then
 * SyncBody; Cred only in SyncHdr (RepPro §5.1.6); meta-information only in namespace
 * syncml:metinf (OMA-TS-DM_MetaInfo); NextNonce of a Chal is base64-decoded. An element under
 * SyncBody/Atomic/Sequence that is not a DM command is kept as DM_CMD_UNKNOWN (the session
 * answers 400), so is a command without CmdID (cmd_id NULL: 400 with an empty CmdRef).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macros.h"
#include "xml-precheck.h"

typedef enum DmVersion { DM_VERSION_1_1, DM_VERSION_1_2 } DmVersion; /* from VerDTD/VerProto */

typedef enum DmCmdType {
        DM_CMD_ADD,
        DM_CMD_REPLACE,
        DM_CMD_GET,
        DM_CMD_DELETE,
        DM_CMD_EXEC,
        DM_CMD_COPY,
        DM_CMD_ALERT,
        DM_CMD_SEQUENCE,
        DM_CMD_ATOMIC,
        DM_CMD_STATUS,
        DM_CMD_RESULTS,
        DM_CMD_UNKNOWN /* an element under SyncBody/Atomic/Sequence that is no DM command: 400 */
} DmCmdType;

typedef struct DmItem {
        const char *target, *source; /* LocURI or NULL */
        const char *data;            /* Data text (NUL-terminated) or NULL */
        size_t data_len;
        const char *meta_type, *meta_format;
        bool more_data;              /* MoreData present (large objects: not supported, 406) */
} DmItem;

typedef struct DmChal {
        const char *type, *format;
        const uint8_t *next_nonce; /* decoded */
        size_t next_nonce_len;
} DmChal;

typedef struct DmCommand {
        DmCmdType type;
        const char *element;               /* element name as received */
        const char *cmd_id;                /* NULL when missing (-> status 400 with empty ref) */
        DmItem *items;
        size_t n_items;
        const char *alert_code;            /* Alert Data */
        const char *meta_type, *meta_format; /* command-level Meta */
        struct DmCommand *children;        /* Sequence / Atomic */
        size_t n_children;
        /* Status: */
        const char *msg_ref, *cmd_ref, *cmd, *status_code;
        bool has_chal;
        DmChal chal;
        bool no_resp;
} DmCommand;

typedef struct DmCred {
        const char *type, *format, *data;
} DmCred;

typedef struct DmMessage {
        DmVersion version;
        const char *session_id, *msg_id, *target_uri, *source_uri, *source_locname, *resp_uri;
        bool has_cred;
        DmCred cred;
        uint32_t max_msg_size; /* header Meta MaxMsgSize, 0 when absent */
        DmCommand *cmds;
        size_t n_cmds;
        bool final;
        void *arena;
} DmMessage;

/* Limits of the decoder (each tested at and past the limit in tests/unit/test-dm-syncml.c). */
#define DM_MESSAGE_MAX (16U * 1024U) /* advertised MaxMsgSize; larger input -> -E2BIG */
#define DM_COMMANDS_MAX 200U         /* commands per message (nested ones count) */
#define DM_ITEMS_MAX 64U             /* Items per command */
#define DM_NESTING_MAX 4U            /* Sequence/Atomic inside one another */
#define DM_XML_DEPTH_MAX 16U         /* open elements at any time, whatever they are */
#define DM_URI_MAX 1024U             /* LocURI, RespURI, TargetRef/SourceRef, octets */
#define DM_STRING_MAX 256U           /* every other text but Data: ids, codes, Meta, Cred */
#define DM_DATA_MAX (8U * 1024U)     /* Item Data, octets */
/* Decoded text of all elements of one message, octets. A WBXML string-table reference (STR_T,
 * WBXML 1.3 §5.8.4.1) costs 2 octets of input and may name kilobytes of table text, so the
 * message size alone does not bound the decoded text: this does (-E2BIG past it). */
#define DM_TEXT_TOTAL_MAX (2U * DM_MESSAGE_MAX)
#define DM_NONCE_MAX 128U            /* decoded NextNonce, octets */
/* XML_DECL_SCAN_MAX (xml-precheck.h): how far into an XML message its declaration is read. */

/**
 * dm_message_parse() - decode one SyncML DM message, XML or WBXML (told apart by the first
 * octet: a WBXML version 0x00-0x03 never starts an XML document).
 * @buf, @len: the message body as received.
 * @ret: the message; all its strings live in its arena and go with dm_message_free().
 * @err, @err_size: receives a short reason on failure (never message content); may be NULL.
 *
 * Return: 0; -EBADMSG malformed (err says what); -EOPNOTSUPP wrong namespace/VerDTD/VerProto
 *   (or an encoding other than UTF-8, a WBXML public id other than SyncML 1.1/1.2); -E2BIG
 *   over a cap; -ENOMEM.
 */
int dm_message_parse(const uint8_t *buf, size_t len, DmMessage **ret, char *err, size_t err_size);

/**
 * dm_message_free() - free a message and everything it points to.
 * Return: NULL.
 */
DmMessage *dm_message_free(DmMessage *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(DmMessage *, dm_message_free);

/* dm_cmd_type_name() - the element name of a command type ("Add", ..., "Unknown"). */
const char *dm_cmd_type_name(DmCmdType t);

typedef struct DmWriter DmWriter; /* builds one client message; CmdIDs automatic */

/**
 * dm_writer_new() - start a client message (XML) of version @v.
 * @session_id: SessionID text (e.g. dm_pkg0_session_id_hex()).
 * @msg_id: MsgID (1, 2, ...).
 * @target_uri: the server (Target/LocURI); @source_uri: the device (Source/LocURI).
 * @locname: Source/LocName (the user name of syncml:auth-md5) or NULL.
 * @cred: a Cred for the header, or NULL.
 * @max_msg_size: advertised in the header Meta MaxMsgSize, and the cap of dm_writer_finish().
 *
 * Return: 0; -EINVAL; -ENOMEM.
 */
int dm_writer_new(DmVersion v, const char *session_id, unsigned msg_id, const char *target_uri,
                  const char *source_uri, const char *locname, const DmCred *cred /* NULL */,
                  uint32_t max_msg_size, DmWriter **ret);

/**
 * dm_writer_status() - append a Status (RepPro §5.1.22). @cmd_ref NULL or "" writes an
 * empty CmdRef (a command without CmdID). @target_ref, @source_ref may be NULL. @chal NULL,
 * or a challenge whose NextNonce (raw bytes) is written base64-encoded.
 * Return: 0; -EINVAL; -ENOMEM.
 */
int dm_writer_status(DmWriter *w, const char *msg_ref, const char *cmd_ref, const char *cmd,
                     const char *target_ref, const char *source_ref, unsigned code,
                     const DmChal *chal /* NULL; a challenge with NextNonce is b64-encoded */);

/**
 * dm_writer_results() - append a Results with one Item (Source/LocURI, Meta, Data) for a Get.
 * @meta_format, @meta_type, @data may be NULL.
 * Return: 0; -EINVAL; -ENOMEM.
 */
int dm_writer_results(DmWriter *w, const char *msg_ref, const char *cmd_ref, const char *source_uri,
                      const char *meta_format, const char *meta_type, const char *data);

/**
 * dm_writer_alert() - append an Alert with Data @code (1201, 1200, 1223, ...).
 * Return: 0; -ENOMEM.
 */
int dm_writer_alert(DmWriter *w, unsigned code);

/**
 * dm_writer_replace() - append a Replace with @n Items (Source/LocURI @source_uris[i], Data
 * @values[i]), e.g. the DevInfo of package 1.
 * Return: 0; -EINVAL (n == 0 or over DM_ITEMS_MAX, NULL strings); -ENOMEM.
 */
int dm_writer_replace(DmWriter *w, const char *const *source_uris, const char *const *values, size_t n);

/**
 * dm_writer_finish() - close the message (with Final when @final) and hand out its bytes.
 * The writer may be finished only once.
 * @ret_buf: malloc'd message (NUL-terminated, not counted in @ret_len).
 *
 * Return: 0; -E2BIG the message is longer than the writer's max_msg_size; -EINVAL finished
 *   already; -ENOMEM.
 */
int dm_writer_finish(DmWriter *w, bool final, uint8_t **ret_buf, size_t *ret_len);

/**
 * dm_writer_free() - Return: NULL.
 */
DmWriter *dm_writer_free(DmWriter *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(DmWriter *, dm_writer_free);
