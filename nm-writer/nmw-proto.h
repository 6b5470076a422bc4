/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nmw-proto.h: the typed requests verifierd sends provboot-nm-writer (issue 14) and the writer's
 * replies, over a UNIX stream socket. Binary, fixed layout, no text to interpret:
 *
 *   header (12 bytes): magic "PBNW" (4), version 1 (1), op (1), 0 (2),
 *                      body length (4, big-endian, <= NMW_BODY_MAX)
 *   body: fields, each tag (1), length (2, big-endian), value (length bytes)
 *
 * Requests (verifierd -> writer):
 *   NMW_OP_WRITE  one profile: ROOT NAPID ID APN AUTOCONNECT STRENGTH PUSH_ID (required),
 *                 USERNAME PASSWORD AUTHTYPE SIM_OPERATOR_ID SIM_ID (optional). The writer checks
 *                 them by export-nm.h's rules (export_nm_profile_finish), derives the file name
 *                 and UUID from ROOT and NAPID itself, renders the keyfile itself
 *                 (export_nm_render) and replaces that file atomically if it is absent or ours.
 *   NMW_OP_READ   NAME: what is there (absent, ours + digest of its content, other).
 *   NMW_OP_REMOVE NAME: remove it if it is ours.
 *   NMW_OP_LIST   no field: the names of ours-pattern files (leftover temp files are removed).
 * A NAME is never a path: export_nm_name_valid's shape exactly ([A-Za-z0-9_-], one directory).
 * Strings are 1..NMW_STRING_MAX bytes with no NUL (the render rules refuse control characters);
 * a tag appears at most once; an unknown tag, a wrong length, a missing required field or
 * trailing bytes refuse the whole request (-EBADMSG) and nothing is written.
 *
 * Replies (writer -> verifierd): the same header with the request's op; the body starts with
 * the result (4 bytes, big-endian int32: >= 0, or a negative errno), then:
 *   WRITE: NAME (the file it wrote), READ: STATE (1 byte) and, for ours, DIGEST (64 hex),
 *   REMOVE: nothing, LIST: NAME fields (at most NMW_LIST_MAX; the result is how many there are).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifierd/export-nm.h"

#define NMW_MAGIC "PBNW"
#define NMW_VERSION 1U
#define NMW_HEADER_SIZE 12U
#define NMW_BODY_MAX 4096U      /* a request or reply body: a profile is at most ~1.5 KiB */
#define NMW_STRING_MAX 256U     /* one string field */
#define NMW_LIST_MAX 1024U      /* names in one LIST reply; more are left off (result: the total) */
#define NMW_REPLY_BODY_MAX (4U + NMW_LIST_MAX * (3U + EXPORT_NM_NAME_MAX))

typedef enum NmwOp {
        NMW_OP_WRITE = 1,
        NMW_OP_READ = 2,
        NMW_OP_REMOVE = 3,
        NMW_OP_LIST = 4,
} NmwOp;

typedef enum NmwTag {
        NMW_TAG_ROOT = 1,
        NMW_TAG_NAPID = 2,
        NMW_TAG_ID = 3,
        NMW_TAG_APN = 4,
        NMW_TAG_USERNAME = 5,
        NMW_TAG_PASSWORD = 6,
        NMW_TAG_AUTHTYPE = 7,
        NMW_TAG_SIM_OPERATOR_ID = 8,
        NMW_TAG_SIM_ID = 9,
        NMW_TAG_AUTOCONNECT = 10,       /* 1 byte: 0 or 1 */
        NMW_TAG_STRENGTH = 11,          /* 1 byte: 0..4 */
        NMW_TAG_PUSH_ID = 12,           /* 8 bytes, big-endian */
        NMW_TAG_NAME = 20,
        NMW_TAG_STATE = 21,             /* 1 byte: ExportNmFileState */
        NMW_TAG_DIGEST = 22,            /* 64 hex */
        _NMW_TAG_MAX,
} NmwTag;

/* A decoded request. The strings point into @buf (NUL-terminated copies). */
typedef struct NmwRequest {
        NmwOp op;
        NmProfile profile;              /* WRITE: filename and uuid filled by the decoder */
        const char *name;               /* READ, REMOVE */
        char buf[NMW_BODY_MAX + 16];
} NmwRequest;

/* A growable output buffer for encoding. */
typedef struct NmwBuf {
        uint8_t *data;
        size_t len, cap;
        int error;                      /* first error (-ENOMEM, -E2BIG) */
} NmwBuf;

void nmw_buf_done(NmwBuf *b);
void nmw_put_header(NmwBuf *b, NmwOp op);
void nmw_put_string(NmwBuf *b, NmwTag tag, const char *s);   /* s NULL: nothing */
void nmw_put_bytes(NmwBuf *b, NmwTag tag, const void *p, size_t n);
void nmw_put_u32(NmwBuf *b, uint32_t v);
/* Set the header's body length; return 0 or the buffer's error. */
int nmw_finish(NmwBuf *b);

/* Encode a WRITE of @p, a READ/REMOVE of @name, a LIST. */
int nmw_encode_write(NmwBuf *b, const NmProfile *p);
int nmw_encode_name(NmwBuf *b, NmwOp op, const char *name);
int nmw_encode_list(NmwBuf *b);

/* nmw_parse_header() - a 12-byte header: op and body length. Return 0; -EBADMSG. */
/* Send or receive exactly @n bytes on a stream socket, across EINTR and short transfers; a
 * socket time-out (SO_SNDTIMEO/SO_RCVTIMEO) is -ETIMEDOUT, the peer's EOF while receiving
 * -ECONNRESET. */
int nmw_send_all(int fd, const uint8_t *p, size_t n);
int nmw_recv_all(int fd, uint8_t *p, size_t n);
int nmw_parse_header(const uint8_t *h, size_t n, uint8_t *ret_op, uint32_t *ret_len);

/* nmw_decode_request() - a whole request (header + body) -> @ret, validated: -EMSGSIZE for a body
 * past NMW_BODY_MAX, -EBADMSG for anything else but a well-formed request of the four ops whose
 * profile passes export_nm_profile_finish / whose name passes export_nm_name_valid. */
int nmw_decode_request(const uint8_t *data, size_t n, NmwRequest *ret);

/* nmw_serve() - carry out one decoded request on @dirfd and encode the reply into @out. */
int nmw_serve(int dirfd, const NmwRequest *req, NmwBuf *out);

/* nmw_handle() - decode + serve; a request that does not decode gets an -EBADMSG reply (op 0). */
int nmw_handle(int dirfd, const uint8_t *data, size_t n, NmwBuf *out);

/* Reading a reply: the result and the fields. */
typedef struct NmwReply {
        uint8_t op;
        int32_t result;
        const uint8_t *fields;          /* into the caller's buffer */
        size_t fields_len;
} NmwReply;
int nmw_decode_reply(const uint8_t *data, size_t n, NmwReply *ret);
/* Iterate fields: returns 1 with tag/value, 0 at the end, -EBADMSG malformed. */
int nmw_next_field(const uint8_t **p, size_t *left, uint8_t *ret_tag, const uint8_t **ret_val, uint16_t *ret_len);
