/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nmw-proto.c: encoding, decoding and serving provboot-nm-writer's typed requests (nmw-proto.h).
 * Trust: the decoder trusts nothing in a request. It is the writer's whole attack surface from
 * a verifierd that a hostile document may have taken over (issue 14), so every field has a tag,
 * a length and a rule, and what the writer does is fixed by the op: it never takes a path, never
 * takes a file's text, and never writes a file that is not export_nm_render's rendering of the
 * profile it decoded, under a name it derived itself, in its one directory.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "nm-writer/nmw-proto.h"

void nmw_buf_done(NmwBuf *b) {
        free(b->data);
        *b = (NmwBuf) {};
}

static void put(NmwBuf *b, const void *p, size_t n) {
        if (b->error)
                return;
        if (b->len + n > NMW_HEADER_SIZE + NMW_REPLY_BODY_MAX) {
                b->error = -E2BIG;
                return;
        }
        if (b->len + n > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + n + 256);
                uint8_t *d = realloc(b->data, cap);

                if (!d) {
                        b->error = -ENOMEM;
                        return;
                }
                b->data = d;
                b->cap = cap;
        }
        memcpy(b->data + b->len, p, n);
        b->len += n;
}

void nmw_put_header(NmwBuf *b, NmwOp op) {
        uint8_t h[NMW_HEADER_SIZE] = { 'P', 'B', 'N', 'W', NMW_VERSION, (uint8_t) op };

        b->len = 0;
        b->error = 0;
        put(b, h, sizeof h);
}

void nmw_put_u32(NmwBuf *b, uint32_t v) {
        uint8_t x[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

        put(b, x, 4);
}

void nmw_put_bytes(NmwBuf *b, NmwTag tag, const void *p, size_t n) {
        uint8_t h[3] = { (uint8_t) tag, (uint8_t) (n >> 8), (uint8_t) n };

        if (n > UINT16_MAX) {
                if (!b->error)
                        b->error = -E2BIG;
                return;
        }
        put(b, h, 3);
        put(b, p, n);
}

void nmw_put_string(NmwBuf *b, NmwTag tag, const char *s) {
        if (s)
                nmw_put_bytes(b, tag, s, strlen(s));
}

int nmw_finish(NmwBuf *b) {
        size_t body;

        if (b->error)
                return b->error;
        body = b->len - NMW_HEADER_SIZE;
        b->data[8] = (uint8_t) (body >> 24);
        b->data[9] = (uint8_t) (body >> 16);
        b->data[10] = (uint8_t) (body >> 8);
        b->data[11] = (uint8_t) body;
        return 0;
}

int nmw_encode_write(NmwBuf *b, const NmProfile *p) {
        uint8_t ac = p->autoconnect ? 1 : 0, st = (uint8_t) MIN(p->strength, 255U), id[8];

        for (unsigned i = 0; i < 8; i++)
                id[i] = (uint8_t) (p->push_id >> (56 - 8 * i));
        nmw_put_header(b, NMW_OP_WRITE);
        nmw_put_string(b, NMW_TAG_ROOT, p->root);
        nmw_put_string(b, NMW_TAG_NAPID, p->napid);
        nmw_put_string(b, NMW_TAG_ID, p->id);
        nmw_put_string(b, NMW_TAG_APN, p->apn);
        nmw_put_string(b, NMW_TAG_USERNAME, p->username);
        nmw_put_string(b, NMW_TAG_PASSWORD, p->password);
        nmw_put_string(b, NMW_TAG_AUTHTYPE, p->authtype);
        nmw_put_string(b, NMW_TAG_SIM_OPERATOR_ID, p->sim_operator_id);
        nmw_put_string(b, NMW_TAG_SIM_ID, p->sim_id);
        nmw_put_bytes(b, NMW_TAG_AUTOCONNECT, &ac, 1);
        nmw_put_bytes(b, NMW_TAG_STRENGTH, &st, 1);
        nmw_put_bytes(b, NMW_TAG_PUSH_ID, id, 8);
        return nmw_finish(b);
}

int nmw_encode_name(NmwBuf *b, NmwOp op, const char *name) {
        nmw_put_header(b, op);
        nmw_put_string(b, NMW_TAG_NAME, name);
        return nmw_finish(b);
}

int nmw_encode_list(NmwBuf *b) {
        nmw_put_header(b, NMW_OP_LIST);
        return nmw_finish(b);
}

int nmw_parse_header(const uint8_t *h, size_t n, uint8_t *ret_op, uint32_t *ret_len) {
        uint32_t len;

        if (n < NMW_HEADER_SIZE || memcmp(h, NMW_MAGIC, 4) != 0 || h[4] != NMW_VERSION || h[6] != 0 || h[7] != 0)
                return -EBADMSG;
        len = (uint32_t) h[8] << 24 | (uint32_t) h[9] << 16 | (uint32_t) h[10] << 8 | h[11];
        *ret_op = h[5];
        *ret_len = len;
        return 0;
}

int nmw_next_field(const uint8_t **p, size_t *left, uint8_t *ret_tag, const uint8_t **ret_val, uint16_t *ret_len) {
        uint16_t len;

        if (*left == 0)
                return 0;
        if (*left < 3)
                return -EBADMSG;
        len = (uint16_t) ((*p)[1] << 8 | (*p)[2]);
        if (*left - 3 < len)
                return -EBADMSG;
        *ret_tag = (*p)[0];
        *ret_val = *p + 3;
        *ret_len = len;
        *p += 3 + (size_t) len;
        *left -= 3 + (size_t) len;
        return 1;
}

/* Which tags an op takes, and which it requires. */
static bool tag_allowed(uint8_t op, uint8_t tag) {
        switch (op) {
        case NMW_OP_WRITE:
                return tag >= NMW_TAG_ROOT && tag <= NMW_TAG_PUSH_ID;
        case NMW_OP_READ:
        case NMW_OP_REMOVE:
                return tag == NMW_TAG_NAME;
        default:
                return false;
        }
}

int nmw_decode_request(const uint8_t *data, size_t n, NmwRequest *ret) {
        const uint8_t *p, *val;
        const char *str[_NMW_TAG_MAX] = {};
        bool seen[_NMW_TAG_MAX] = {};
        uint8_t op, tag, ac = 0, strength = 0;
        uint64_t push_id = 0;
        uint32_t body;
        uint16_t len;
        size_t left, used = 0;
        int r;

        *ret = (NmwRequest) {};
        r = nmw_parse_header(data, n, &op, &body);
        if (r < 0)
                return r;
        /* Exactly one request: its body at most NMW_BODY_MAX, nothing after it. */
        if (body > NMW_BODY_MAX)
                return -EMSGSIZE;
        if (n - NMW_HEADER_SIZE != body)
                return -EBADMSG;
        if (op < NMW_OP_WRITE || op > NMW_OP_LIST)
                return -EBADMSG;
        p = data + NMW_HEADER_SIZE;
        left = body;
        while ((r = nmw_next_field(&p, &left, &tag, &val, &len)) > 0) {
                if (tag >= _NMW_TAG_MAX || !tag_allowed(op, tag) || seen[tag])
                        return -EBADMSG;
                seen[tag] = true;
                switch (tag) {
                case NMW_TAG_AUTOCONNECT:
                        if (len != 1 || val[0] > 1)
                                return -EBADMSG;
                        ac = val[0];
                        break;
                case NMW_TAG_STRENGTH:
                        if (len != 1 || val[0] > 4)
                                return -EBADMSG;
                        strength = val[0];
                        break;
                case NMW_TAG_PUSH_ID:
                        if (len != 8)
                                return -EBADMSG;
                        for (unsigned i = 0; i < 8; i++)
                                push_id = push_id << 8 | val[i];
                        break;
                default:
                        /* A string: 1..NMW_STRING_MAX bytes, no NUL (it could hide a tail). */
                        if (len == 0 || len > NMW_STRING_MAX || memchr(val, 0, len))
                                return -EBADMSG;
                        if (used + len + 1 > sizeof ret->buf)
                                return -EBADMSG;
                        memcpy(ret->buf + used, val, len);
                        ret->buf[used + len] = 0;
                        str[tag] = ret->buf + used;
                        used += (size_t) len + 1;
                }
        }
        if (r < 0)
                return r;
        ret->op = op;
        switch (op) {
        case NMW_OP_WRITE:
                if (!seen[NMW_TAG_ROOT] || !seen[NMW_TAG_NAPID] || !seen[NMW_TAG_ID] || !seen[NMW_TAG_APN] ||
                    !seen[NMW_TAG_AUTOCONNECT] || !seen[NMW_TAG_STRENGTH] || !seen[NMW_TAG_PUSH_ID])
                        return -EBADMSG;
                ret->profile = (NmProfile) {
                        .root = str[NMW_TAG_ROOT], .napid = str[NMW_TAG_NAPID], .id = str[NMW_TAG_ID],
                        .apn = str[NMW_TAG_APN], .username = str[NMW_TAG_USERNAME],
                        .password = str[NMW_TAG_PASSWORD], .authtype = str[NMW_TAG_AUTHTYPE],
                        .sim_operator_id = str[NMW_TAG_SIM_OPERATOR_ID], .sim_id = str[NMW_TAG_SIM_ID],
                        .autoconnect = ac == 1, .strength = strength, .push_id = push_id,
                };
                /* The rules a stored row passes before it may be rendered; the name and UUID come
                 * from ROOT and NAPID here, never from the requester. */
                return export_nm_profile_finish(&ret->profile);
        case NMW_OP_READ:
        case NMW_OP_REMOVE:
                if (!str[NMW_TAG_NAME] || !export_nm_name_valid(str[NMW_TAG_NAME]))
                        return -EBADMSG;
                ret->name = str[NMW_TAG_NAME];
                return 0;
        default: /* LIST: no field (any field was refused above) */
                return 0;
        }
}

static void put_result(NmwBuf *out, uint8_t op, int result) {
        nmw_put_header(out, (NmwOp) op);
        nmw_put_u32(out, (uint32_t) result);
}

int nmw_serve(int dirfd, const NmwRequest *req, NmwBuf *out) {
        int r;

        switch (req->op) {
        case NMW_OP_WRITE:
                r = export_nm_dir_write(dirfd, &req->profile);
                put_result(out, req->op, r);
                if (r >= 0)
                        nmw_put_string(out, NMW_TAG_NAME, req->profile.filename);
                break;
        case NMW_OP_READ: {
                ExportNmFileState st = EXPORT_NM_FILE_ABSENT;
                char digest[STORE_DIGEST_HEX_LEN + 1] = "";
                uint8_t b;

                r = export_nm_dir_read(dirfd, req->name, &st, digest);
                put_result(out, req->op, r);
                if (r >= 0) {
                        b = (uint8_t) st;
                        nmw_put_bytes(out, NMW_TAG_STATE, &b, 1);
                        if (st == EXPORT_NM_FILE_OURS)
                                nmw_put_bytes(out, NMW_TAG_DIGEST, digest, STORE_DIGEST_HEX_LEN);
                }
                break;
        }
        case NMW_OP_REMOVE:
                put_result(out, req->op, export_nm_dir_remove(dirfd, req->name));
                break;
        case NMW_OP_LIST: {
                char **names = NULL;
                size_t n = 0;

                r = export_nm_dir_list(dirfd, &names, NULL);
                for (n = 0; r >= 0 && names[n]; n++)
                        ;
                put_result(out, req->op, r < 0 ? r : (int) MIN(n, (size_t) INT32_MAX));
                for (size_t i = 0; r >= 0 && i < n && i < NMW_LIST_MAX; i++)
                        nmw_put_string(out, NMW_TAG_NAME, names[i]);
                for (size_t i = 0; names && names[i]; i++)
                        free(names[i]);
                free(names);
                break;
        }
        default:
                put_result(out, req->op, -EBADMSG);
        }
        return nmw_finish(out);
}

int nmw_handle(int dirfd, const uint8_t *data, size_t n, NmwBuf *out) {
        NmwRequest *req;
        int r;

        req = malloc(sizeof *req);
        if (!req)
                return -ENOMEM;
        r = nmw_decode_request(data, n, req);
        if (r < 0) {
                put_result(out, 0, r);
                r = nmw_finish(out);
        } else
                r = nmw_serve(dirfd, req, out);
        free(req);
        return r;
}

int nmw_decode_reply(const uint8_t *data, size_t n, NmwReply *ret) {
        uint8_t op;
        uint32_t body;
        int r;

        r = nmw_parse_header(data, n, &op, &body);
        if (r < 0)
                return r;
        if (body > NMW_REPLY_BODY_MAX || n - NMW_HEADER_SIZE != body || body < 4)
                return -EBADMSG;
        *ret = (NmwReply) {
                .op = op,
                .result = (int32_t) ((uint32_t) data[12] << 24 | (uint32_t) data[13] << 16 |
                                     (uint32_t) data[14] << 8 | data[15]),
                .fields = data + 16,
                .fields_len = body - 4,
        };
        return 0;
}

int nmw_send_all(int fd, const uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return errno == EAGAIN ? -ETIMEDOUT : -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int nmw_recv_all(int fd, uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = recv(fd, p, n, 0);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return errno == EAGAIN ? -ETIMEDOUT : -errno;
                if (k == 0)
                        return -ECONNRESET;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}
