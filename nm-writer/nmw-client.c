/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nmw-client.c: verifierd's client of provboot-nm-writer (nmw-client.h). It sends what
 * export-nm would otherwise do to files, as typed requests; it trusts the writer's replies only
 * as far as their shape (nmw_decode_reply, the field rules below): the writer is the more
 * privileged side, and a reply that does not parse is an error, never a file state.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macros.h"
#include "nm-writer/nmw-client.h"
#include "nm-writer/nmw-proto.h"

static int drop_fd(int fd) {
        if (fd >= 0)
                close(fd);
        return -1;
}

static int client_connect(NmwClient *c) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = NMW_CLIENT_TIMEOUT_USEC / 1000000U };
        int fd;

        if (c->fd >= 0)
                return 0;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
            connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        c->fd = fd;
        return 0;
}

/* One request, one reply (malloc'd in @ret_buf). Any error drops the connection. */
static int transact(NmwClient *c, NmwBuf *req, uint8_t **ret_buf, NmwReply *ret) {
        uint8_t h[NMW_HEADER_SIZE], op;
        _cleanup_free_ uint8_t *buf = NULL;
        uint32_t body;
        int r;

        r = client_connect(c);
        if (r < 0)
                return r;
        r = nmw_send_all(c->fd, req->data, req->len);
        if (r >= 0)
                r = nmw_recv_all(c->fd, h, sizeof h);
        if (r >= 0)
                r = nmw_parse_header(h, sizeof h, &op, &body);
        if (r >= 0 && body > NMW_REPLY_BODY_MAX)
                r = -EBADMSG;
        if (r >= 0 && !(buf = malloc(NMW_HEADER_SIZE + (size_t) body)))
                r = -ENOMEM;
        if (r >= 0) {
                memcpy(buf, h, sizeof h);
                r = nmw_recv_all(c->fd, buf + NMW_HEADER_SIZE, body);
        }
        if (r >= 0)
                r = nmw_decode_reply(buf, NMW_HEADER_SIZE + (size_t) body, ret);
        if (r >= 0 && ret->op != req->data[5])
                r = ret->op == 0 ? (ret->result < 0 ? ret->result : -EBADMSG) : -EBADMSG;
        if (r < 0) {
                c->fd = drop_fd(c->fd);
                return r;
        }
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

static int io_open(void *ctx) {
        return client_connect(ctx);
}

/* @root is not sent: the writer derives everything from the name and its own files. */
static int io_read(void *ctx, const char *name, const char *root, ExportNmFileState *ret_state,
                   char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        _cleanup_(nmw_buf_done) NmwBuf req = {};
        _cleanup_free_ uint8_t *buf = NULL;
        const uint8_t *p, *val;
        NmwReply rep;
        uint8_t tag;
        uint16_t len;
        size_t left;
        int r, state = -1;

        ret_digest[0] = 0;
        r = nmw_encode_name(&req, NMW_OP_READ, name);
        if (r >= 0)
                r = transact(ctx, &req, &buf, &rep);
        if (r < 0)
                return r;
        if (rep.result < 0)
                return rep.result;
        p = rep.fields;
        left = rep.fields_len;
        while ((r = nmw_next_field(&p, &left, &tag, &val, &len)) > 0) {
                if (tag == NMW_TAG_STATE && len == 1 && val[0] <= EXPORT_NM_FILE_OTHER)
                        state = val[0];
                else if (tag == NMW_TAG_DIGEST && len == STORE_DIGEST_HEX_LEN) {
                        memcpy(ret_digest, val, len);
                        ret_digest[len] = 0;
                } else
                        return -EBADMSG;
        }
        if (r < 0 || state < 0 || (state == EXPORT_NM_FILE_OURS && !ret_digest[0]))
                return -EBADMSG;
        *ret_state = (ExportNmFileState) state;
        return 0;
}

static int io_write(void *ctx, const NmProfile *p) {
        _cleanup_(nmw_buf_done) NmwBuf req = {};
        _cleanup_free_ uint8_t *buf = NULL;
        NmwReply rep;
        int r;

        r = nmw_encode_write(&req, p);
        if (r >= 0)
                r = transact(ctx, &req, &buf, &rep);
        if (r < 0)
                return r;
        /* The writer derived the name itself; it is the one export-nm computed from the same
         * root and NAPID, or something is wrong between the two builds. */
        if (rep.result >= 0 && (rep.fields_len != 3 + strlen(p->filename) ||
                                memcmp(rep.fields + 3, p->filename, strlen(p->filename)) != 0))
                return -EPROTO;
        return rep.result;
}

static int io_remove(void *ctx, const char *name, const char *root) {
        _cleanup_(nmw_buf_done) NmwBuf req = {};
        _cleanup_free_ uint8_t *buf = NULL;
        NmwReply rep;
        int r;

        r = nmw_encode_name(&req, NMW_OP_REMOVE, name);
        if (r >= 0)
                r = transact(ctx, &req, &buf, &rep);
        return r < 0 ? r : rep.result;
}

static int io_list(void *ctx, char ***ret_names, unsigned *ret_tmp_removed) {
        _cleanup_(nmw_buf_done) NmwBuf req = {};
        _cleanup_free_ uint8_t *buf = NULL;
        const uint8_t *p, *val;
        char **names = NULL;
        size_t n = 0;
        NmwReply rep;
        uint8_t tag;
        uint16_t len;
        size_t left;
        int r;

        r = nmw_encode_list(&req);
        if (r >= 0)
                r = transact(ctx, &req, &buf, &rep);
        if (r < 0)
                return r;
        if (rep.result < 0)
                return rep.result;
        names = calloc(1, sizeof *names);
        if (!names)
                return -ENOMEM;
        p = rep.fields;
        left = rep.fields_len;
        while ((r = nmw_next_field(&p, &left, &tag, &val, &len)) > 0) {
                char **nn, *s;

                if (tag != NMW_TAG_NAME || len == 0 || len >= EXPORT_NM_NAME_MAX || memchr(val, 0, len)) {
                        r = -EBADMSG;
                        break;
                }
                nn = reallocarray(names, n + 2, sizeof *names);
                s = nn ? strndup((const char *) val, len) : NULL;
                if (nn)
                        names = nn;
                if (!s) {
                        r = -ENOMEM;
                        break;
                }
                names[n++] = s;
                names[n] = NULL;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
                return r;
        }
        *ret_names = names;
        if (ret_tmp_removed)
                *ret_tmp_removed = 0; /* the writer removed them; not counted here */
        return 0;
}

int nmw_client_init(NmwClient *c, const char *path, ExportNmIo *io) {
        if (!path || strlen(path) >= sizeof c->path || path[0] != '/')
                return -EINVAL;
        *c = (NmwClient) { .fd = -1 };
        memcpy(c->path, path, strlen(path) + 1);
        *io = (ExportNmIo) { .ctx = c, .open = io_open, .read = io_read, .write = io_write,
                             .remove = io_remove, .list = io_list };
        return 0;
}

void nmw_client_done(NmwClient *c) {
        c->fd = drop_fd(c->fd);
}
