/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dm-wbxml.c: SyncML DM in WBXML against libwbxml 0.11.8 (`wbxml2xml` of libwbxml2-utils
 * through popen, its XML read with libxml2 directly; as tests/unit/test-wbxml-diff.c).
 *   - The AOSP DM engine's test messages (tests/data/dm-aosp, see its README) decode with
 *     dm_message_parse() to the same document wbxml2xml makes of them: every header field,
 *     every command with its CmdID, Status fields, Alert data, Items (Target, Source, Meta
 *     Type/Format, Data) and Final, compared element by element with libwbxml's tree.
 *   - Our writer's WBXML (dm-wbxml.c): the header octets (WBXML 1.2, public id
 *     0x1201/0x0FD3, UTF-8, no string table), wbxml2xml turns a package 1 into the same tree
 *     as the XML writer's output, dm_message_parse() reads both into equal messages, and the
 *     MaxMsgSize cap applies to the WBXML bytes (at the limit and one past it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "macros.h"
#include "testutil.h"
#include "verifierd/dm-syncml.h"
#include "verifierd/dm-wbxml.h"
#include "wbxml.h"

#define AOSP "tests/data/dm-aosp"

/* ---- libwbxml --------------------------------------------------------------------------------- */

/* wbxml2xml (compact mode) of @buf; Return: libxml2's tree of its output (asserts success). */
static xmlDoc *wbxml2xml(const uint8_t *buf, size_t len) {
        char path[] = "/tmp/test-dm-wbxml-XXXXXX", cmd[256];
        char *out = NULL;
        size_t out_len = 0, cap = 0;
        xmlDoc *d;
        FILE *p;
        int fd, st;

        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, buf, len), (ssize_t) len);
        close(fd);
        snprintf(cmd, sizeof cmd, "wbxml2xml -m 0 -o - '%s' 2>/dev/null", path);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        for (;;) {
                size_t k;

                if (out_len + 4096 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        out = realloc(out, cap);
                        ck_assert_ptr_nonnull(out);
                }
                k = fread(out + out_len, 1, cap - out_len - 1, p);
                out_len += k;
                if (k == 0)
                        break;
        }
        st = pclose(p);
        unlink(path);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "wbxml2xml failed");
        /* The DOCTYPE names a DTD on the network: not loaded (no DTDLOAD), no network. */
        d = xmlReadMemory(out, (int) out_len, "wbxml2xml.xml", NULL, XML_PARSE_NONET);
        ck_assert_ptr_nonnull(d);
        free(out);
        return d;
}

static bool is_elem(const xmlNode *n, const char *name) {
        return n && n->type == XML_ELEMENT_NODE && strcmp((const char *) n->name, name) == 0;
}

static xmlNode *child(xmlNode *n, const char *name) {
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (is_elem(c, name))
                        return c;
        return NULL;
}

/* The element at @path ("Target/LocURI") under @n, or NULL. */
static xmlNode *at(xmlNode *n, const char *path) {
        char buf[128], *save = NULL;

        snprintf(buf, sizeof buf, "%s", path);
        for (char *t = strtok_r(buf, "/", &save); t && n; t = strtok_r(NULL, "/", &save))
                n = child(n, t);
        return n;
}

/*
 * libwbxml erratum E5: wbxml2xml writes a CR of a text as a raw CR, which every XML parser
 * turns into LF (XML 1.0 §2.11), so its document cannot carry a CR. While set, our side is
 * normalised the same way before the comparison (our XML writer writes &#13;).
 */
static bool normalise_cr;

static char *xml_eol(const char *s) {
        char *r = strdup(s), *o = r;

        ck_assert_ptr_nonnull(r);
        for (const char *p = s; *p; p++) {
                if (*p == '\r') {
                        *o++ = '\n';
                        if (p[1] == '\n')
                                p++;
                } else
                        *o++ = *p;
        }
        *o = 0;
        return r;
}

/* Our string equals the text of the element at @path: absent element <=> NULL; an empty
 * element may be NULL or "" on our side. */
static void check_text(xmlNode *n, const char *path, const char *ours, const char *what) {
        xmlNode *e = at(n, path);
        xmlChar *t;

        if (!e) {
                ck_assert_msg(ours == NULL, "%s: %s absent in libwbxml, ours \"%s\"", what, path, ours);
                return;
        }
        t = xmlNodeGetContent(e);
        {
                _cleanup_free_ char *o = normalise_cr ? xml_eol(ours ?: "") : strdup(ours ?: "");

                ck_assert_msg(strcmp((const char *) t, o) == 0, "%s: %s libxml2 \"%s\" ours \"%s\"", what,
                              path, (const char *) t, ours ?: "(null)");
        }
        xmlFree(t);
}

static void check_command(const DmCommand *c, xmlNode *e, const char *what) {
        size_t items = 0, children = 0;

        ck_assert_str_eq(c->element, (const char *) e->name);
        check_text(e, "CmdID", c->cmd_id, what);
        if (c->type == DM_CMD_STATUS) {
                check_text(e, "MsgRef", c->msg_ref, what);
                check_text(e, "CmdRef", c->cmd_ref, what);
                check_text(e, "Cmd", c->cmd, what);
                check_text(e, "Data", c->status_code, what);
        }
        if (c->type == DM_CMD_ALERT)
                check_text(e, "Data", c->alert_code, what);
        if (c->type != DM_CMD_STATUS) {
                check_text(e, "Meta/Type", c->meta_type, what);
                check_text(e, "Meta/Format", c->meta_format, what);
        }
        for (xmlNode *x = e->children; x; x = x->next) {
                if (is_elem(x, "Item")) {
                        const DmItem *it;

                        ck_assert_uint_lt(items, c->n_items);
                        it = &c->items[items++];
                        check_text(x, "Target/LocURI", it->target, what);
                        check_text(x, "Source/LocURI", it->source, what);
                        check_text(x, "Meta/Type", it->meta_type, what);
                        check_text(x, "Meta/Format", it->meta_format, what);
                        check_text(x, "Data", it->data, what);
                        if (it->data)
                                ck_assert_uint_eq(it->data_len, strlen(it->data));
                } else if (x->type == XML_ELEMENT_NODE && (c->type == DM_CMD_SEQUENCE || c->type == DM_CMD_ATOMIC) &&
                           !is_elem(x, "CmdID") && !is_elem(x, "Meta") && !is_elem(x, "NoResp")) {
                        ck_assert_uint_lt(children, c->n_children);
                        check_command(&c->children[children++], x, what);
                }
        }
        ck_assert_uint_eq(items, c->n_items);
        ck_assert_uint_eq(children, c->n_children);
}

/* @m is the document libwbxml made of the same bytes. */
static void check_message(const DmMessage *m, xmlDoc *d, const char *what) {
        xmlNode *root = xmlDocGetRootElement(d), *hdr, *body;
        size_t i = 0;
        bool final = false;

        ck_assert(is_elem(root, "SyncML"));
        hdr = child(root, "SyncHdr");
        body = child(root, "SyncBody");
        ck_assert_ptr_nonnull(hdr);
        ck_assert_ptr_nonnull(body);
        check_text(hdr, "VerDTD", m->version == DM_VERSION_1_2 ? "1.2" : "1.1", what);
        check_text(hdr, "VerProto", m->version == DM_VERSION_1_2 ? "DM/1.2" : "DM/1.1", what);
        check_text(hdr, "SessionID", m->session_id, what);
        check_text(hdr, "MsgID", m->msg_id, what);
        check_text(hdr, "Target/LocURI", m->target_uri, what);
        check_text(hdr, "Source/LocURI", m->source_uri, what);
        check_text(hdr, "Source/LocName", m->source_locname, what);
        check_text(hdr, "RespURI", m->resp_uri, what);
        ck_assert_int_eq(m->has_cred, at(hdr, "Cred") != NULL);
        if (m->has_cred) {
                check_text(hdr, "Cred/Meta/Type", m->cred.type, what);
                check_text(hdr, "Cred/Meta/Format", m->cred.format, what);
                check_text(hdr, "Cred/Data", m->cred.data, what);
        }
        if (at(hdr, "Meta/MaxMsgSize")) {
                char n[16];

                snprintf(n, sizeof n, "%u", (unsigned) m->max_msg_size);
                check_text(hdr, "Meta/MaxMsgSize", n, what);
        } else
                ck_assert_uint_eq(m->max_msg_size, 0);
        for (xmlNode *x = body->children; x; x = x->next) {
                if (x->type != XML_ELEMENT_NODE)
                        continue;
                if (is_elem(x, "Final")) {
                        final = true;
                        continue;
                }
                ck_assert_uint_lt(i, m->n_cmds);
                check_command(&m->cmds[i++], x, what);
        }
        ck_assert_uint_eq(i, m->n_cmds);
        ck_assert_int_eq(final, m->final);
}

/* ---- the AOSP vectors ------------------------------------------------------------------------- */

START_TEST(test_aosp_vectors) {
        static const struct {
                const char *file;
                DmVersion version;     /* what VerDTD/VerProto say (the public id may differ) */
                const char *last_cmd;  /* the last command */
                size_t n_cmds;
        } v[] = {
                { "dm11/testadd.wbxml", DM_VERSION_1_1, "Add", 4 },
                { "dm11/testdelete.wbxml", DM_VERSION_1_1, "Delete", 5 },
                /* VerDTD 1.1 under public id 0x1201 (SyncML 1.2): the version comes from
                 * VerDTD, not from the public id (docs/dm-wire.md §1). */
                { "dm11/testget.wbxml", DM_VERSION_1_1, "Get", 4 },
                /* testreplace: a client package 1 (Alert 1201, DevInfo Replace; Data as OPAQUE). */
                { "dm11/testreplace.wbxml", DM_VERSION_1_1, "Replace", 2 },
                /* VerDTD 1.2 under the 1.1 FPI as a string-table literal. */
                { "dm12/testadd.wbxml", DM_VERSION_1_2, "Add", 4 },
                { "dm12/testdelete.wbxml", DM_VERSION_1_2, "Delete", 5 },
                { "dm12/testget.wbxml", DM_VERSION_1_2, "Get", 4 },
                { "dm12/testreplace.wbxml", DM_VERSION_1_2, "Replace", 2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_(dm_message_freep) DmMessage *m = NULL;
                char path[256], err[256] = "";
                _cleanup_free_ uint8_t *buf = NULL;
                xmlDoc *d;
                size_t len;
                int r;

                snprintf(path, sizeof path, AOSP "/%s", v[i].file);
                buf = tu_read_file(path, &len);
                ck_assert_ptr_nonnull(buf);
                ck_assert_uint_le(buf[0], 0x03); /* WBXML */
                r = dm_message_parse(buf, len, &m, err, sizeof err);
                ck_assert_msg(r == 0, "%s: %d %s", v[i].file, r, err);
                ck_assert_int_eq(m->version, v[i].version);
                ck_assert_uint_eq(m->n_cmds, v[i].n_cmds);
                ck_assert_str_eq(m->cmds[m->n_cmds - 1].element, v[i].last_cmd);
                d = wbxml2xml(buf, len);
                normalise_cr = true; /* E5: testreplace's Data hold CR LF */
                check_message(m, d, v[i].file);
                normalise_cr = false;
                xmlFreeDoc(d);
        }
}
END_TEST

/* The repair of AOSP's unterminated FPI touches that exact header only. */
START_TEST(test_fpi_repair) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t *copy = NULL;
        size_t len, copy_len;

        buf = tu_read_file(AOSP "/dm12/testget.wbxml", &len);
        ck_assert_ptr_nonnull(buf);
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 1);
        ck_assert_uint_eq(copy_len, len + 1);
        ck_assert_uint_eq(copy[4], 30);
        ck_assert_mem_eq(copy + 5, DM_WBXML_FPI_SYNCML_1_1 "", 30); /* with its NUL */
        ck_assert_mem_eq(copy + 35, buf + 34, len - 34);
        free(copy);
        /* Any other FPI without NUL stays refused by the strict iterator. */
        buf[5 + 22] = '3'; /* "SyncML 1.3" */
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 0);
        {
                _cleanup_(dm_message_freep) DmMessage *m = NULL;

                ck_assert_int_eq(dm_message_parse(buf, len, &m, NULL, 0), -EBADMSG);
        }
        buf[5 + 22] = '1';
        /* WBXML 1.0 (no charset octet), a numeric public id, a multi-octet table length: no. */
        buf[0] = 0x00;
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 0);
        buf[0] = 0x02;
        buf[1] = 0x01;
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 0);
        buf[1] = 0x00;
        buf[4] = 0x9D;
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 0);
        buf[4] = 0x1D;
        /* Truncated inside the table. */
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, 20, &copy, &copy_len), 0);
        ck_assert_int_eq(dm_wbxml_terminate_fpi(buf, len, &copy, &copy_len), 1);
        free(copy);
}
END_TEST

/* ---- our writer ------------------------------------------------------------------------------- */

#define SRV "https://dm.example.net:443/dm?a=1&b=<2>"
#define DEV "IMEI:490154203237518"

/* A package 1 as the session builds it (Cred, Alert 1201, DevInfo Replace), then one Status
 * with a challenge and one Results, with texts that need escaping and non-ASCII UTF-8. */
static int build(DmVersion v, DmEncoding e, uint32_t max, uint8_t **ret, size_t *ret_len) {
        _cleanup_(dm_writer_freep) DmWriter *w = NULL;
        const DmCred cred = { .type = "syncml:auth-md5", .format = "b64", .data = "Zz6EivR3yeaaENcRN6lpAQ==" };
        const char *uris[] = { "./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/DmV",
                               "./DevInfo/Lang" };
        const char *values[] = { DEV, "Fabrik \"Müller\" & Söhne", "ŧest <1>", "1.2", "" };
        const uint8_t nonce[] = { 0x00, 0xFF, 0x10, 'N', 'o' };
        const DmChal chal = { .type = "syncml:auth-md5", .format = "b64", .next_nonce = nonce,
                              .next_nonce_len = sizeof nonce };
        int r;

        r = dm_writer_new(v, "1F", 1, SRV, DEV, "user'1", &cred, max, &w);
        if (r < 0)
                return r;
        ck_assert_int_eq(dm_writer_set_encoding(w, e), 0);
        ck_assert_int_eq(dm_writer_alert(w, 1201), 0);
        ck_assert_int_eq(dm_writer_replace(w, uris, values, ELEMENTSOF(uris)), 0);
        ck_assert_int_eq(dm_writer_status(w, "1", "0", "SyncHdr", SRV, DEV, 212, &chal), 0);
        ck_assert_int_eq(dm_writer_status(w, "1", NULL, "Get", NULL, NULL, 400, NULL), 0);
        ck_assert_int_eq(dm_writer_results(w, "1", "3", "./DevDetail/URI/MaxDepth", "int", "text/plain",
                                           "line1\r\nline2\t&"), 0);
        return dm_writer_finish(w, true, ret, ret_len);
}

static void check_equal_messages(const DmMessage *a, const DmMessage *b);

START_TEST(test_writer_header) {
        _cleanup_free_ uint8_t *b12 = NULL, *b11 = NULL;
        size_t l12, l11;

        ck_assert_int_eq(build(DM_VERSION_1_2, DM_ENCODING_WBXML, DM_MESSAGE_MAX, &b12, &l12), 0);
        ck_assert_int_eq(build(DM_VERSION_1_1, DM_ENCODING_WBXML, DM_MESSAGE_MAX, &b11, &l11), 0);
        /* WBXML 1.2, public id 0x1201 (mb_u_int32 A4 01) / 0x0FD3 (9F 53), UTF-8 (6A), no
         * string table, then SyncML (0x2D) with content. */
        ck_assert_mem_eq(b12, "\x02\xA4\x01\x6A\x00\x6D", 6);
        ck_assert_mem_eq(b11, "\x02\x9F\x53\x6A\x00\x6D", 6);
        ck_assert_uint_eq(b12[l12], 0);
        /* Every text an inline string: no string-table reference, no OPAQUE, no entity, no
         * attribute; only code pages 0 and 1. */
        {
                static const WbxmlLang lang = { .max_page = 1 };
                WbxmlIter it;
                WbxmlToken t;
                unsigned strings = 0;
                int r;

                ck_assert_int_eq(wbxml_iter_init(&it, b12, l12, &lang, NULL), 0);
                ck_assert_uint_eq(it.public_id, 0x1201);
                ck_assert_uint_eq(it.charset, WBXML_CHARSET_UTF_8);
                ck_assert_uint_eq(it.strtbl.size, 0);
                while ((r = wbxml_next(&it, &t)) > 0) {
                        ck_assert(t.type == WBXML_TOKEN_TAG || t.type == WBXML_TOKEN_END ||
                                  t.type == WBXML_TOKEN_STRING);
                        if (t.type == WBXML_TOKEN_STRING) {
                                ck_assert(!t.from_strtbl);
                                strings++;
                        }
                        if (t.type == WBXML_TOKEN_TAG)
                                ck_assert(!t.attrs);
                }
                ck_assert_int_eq(r, 0);
                ck_assert_uint_gt(strings, 20);
        }
}
END_TEST

START_TEST(test_writer_libwbxml) {
        for (DmVersion v = DM_VERSION_1_1; v <= DM_VERSION_1_2; v++) {
                _cleanup_(dm_message_freep) DmMessage *mx = NULL, *mw = NULL;
                _cleanup_free_ uint8_t *x = NULL, *wb = NULL;
                xmlDoc *dx, *dw;
                size_t xl, wl;
                char err[256] = "";
                int r;

                ck_assert_int_eq(build(v, DM_ENCODING_XML, DM_MESSAGE_MAX, &x, &xl), 0);
                ck_assert_int_eq(build(v, DM_ENCODING_WBXML, DM_MESSAGE_MAX, &wb, &wl), 0);
                ck_assert_uint_lt(wl, xl);
                /* Our decoder: both encodings give the same message. */
                r = dm_message_parse(x, xl, &mx, err, sizeof err);
                ck_assert_msg(r == 0, "%d %s", r, err);
                r = dm_message_parse(wb, wl, &mw, err, sizeof err);
                ck_assert_msg(r == 0, "%d %s", r, err);
                check_equal_messages(mx, mw);
                /* libwbxml: its document of our WBXML is the document of our XML. */
                dw = wbxml2xml(wb, wl);
                dx = xmlReadMemory((const char *) x, (int) xl, "ours.xml", NULL, XML_PARSE_NONET);
                ck_assert_ptr_nonnull(dx);
                normalise_cr = true; /* E5 */
                check_message(mx, dw, "writer wbxml via libwbxml");
                normalise_cr = false;
                check_message(mx, dx, "writer xml");
                {
                        /* And the namespace libwbxml derives from our public id. */
                        xmlNode *root = xmlDocGetRootElement(dw);

                        ck_assert_ptr_nonnull(root->ns);
                        ck_assert_str_eq((const char *) root->ns->href,
                                         v == DM_VERSION_1_2 ? "SYNCML:SYNCML1.2" : "SYNCML:SYNCML1.1");
                }
                xmlFreeDoc(dw);
                xmlFreeDoc(dx);
        }
}
END_TEST

/* The cap is on the bytes sent: a WBXML message of exactly max_msg_size octets is written, one
 * octet less is -E2BIG; an XML form over the cap does not matter in WBXML. */
START_TEST(test_writer_max_msg_size) {
        _cleanup_free_ uint8_t *a = NULL, *b = NULL, *c = NULL, *x = NULL;
        size_t al, bl, cl, xl;

        ck_assert_int_eq(build(DM_VERSION_1_2, DM_ENCODING_WBXML, 999, &a, &al), 0);
        ck_assert_uint_gt(al, 100); /* so that al and al - 1 print with as many digits */
        ck_assert_int_eq(build(DM_VERSION_1_2, DM_ENCODING_WBXML, (uint32_t) al, &b, &bl), 0);
        ck_assert_uint_eq(bl, al);
        ck_assert_int_eq(build(DM_VERSION_1_2, DM_ENCODING_WBXML, (uint32_t) al - 1, &c, &cl), -E2BIG);
        ck_assert_int_eq(build(DM_VERSION_1_2, DM_ENCODING_XML, (uint32_t) al, &x, &xl), -E2BIG);
}
END_TEST

/* The encoder takes only the writer's XML subset. */
START_TEST(test_encoder_strict) {
        static const char *const bad[] = {
                "",
                "<SyncML xmlns=\"SYNCML:SYNCML1.3\"><SyncHdr/></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><Foo/></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr a=\"1\"/></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>&nbsp;</SyncHdr></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>&#0;</SyncHdr></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr></SyncBody></SyncML>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>",
                "<SyncML xmlns=\"SYNCML:SYNCML1.2\"/><SyncML xmlns=\"SYNCML:SYNCML1.2\"/>",
                "<Meta xmlns=\"SYNCML:SYNCML1.2\"/>",
                "text<SyncML xmlns=\"SYNCML:SYNCML1.2\"/>",
        };
        uint8_t *out = NULL;
        size_t len;
        char deep[1024] = "<SyncML xmlns=\"SYNCML:SYNCML1.2\">";

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(dm_wbxml_from_xml(bad[i], strlen(bad[i]), &out, &len) == -EINVAL, "%zu", i);
        /* DM_WBXML_ENCODE_DEPTH_MAX open elements, then one more. */
        for (unsigned d = 1; d < DM_WBXML_ENCODE_DEPTH_MAX; d++)
                strcat(deep, "<Item>");
        for (unsigned d = 1; d < DM_WBXML_ENCODE_DEPTH_MAX; d++)
                strcat(deep, "</Item>");
        strcat(deep, "</SyncML>");
        ck_assert_int_eq(dm_wbxml_from_xml(deep, strlen(deep), &out, &len), 0);
        free(out);
        strcpy(deep, "<SyncML xmlns=\"SYNCML:SYNCML1.2\">");
        for (unsigned d = 0; d < DM_WBXML_ENCODE_DEPTH_MAX; d++)
                strcat(deep, "<Item>");
        for (unsigned d = 0; d < DM_WBXML_ENCODE_DEPTH_MAX; d++)
                strcat(deep, "</Item>");
        strcat(deep, "</SyncML>");
        ck_assert_int_eq(dm_wbxml_from_xml(deep, strlen(deep), &out, &len), -EINVAL);
}
END_TEST

static void eq_str(const char *a, const char *b) {
        if (!a || !b)
                ck_assert_ptr_eq(a, b);
        else
                ck_assert_str_eq(a, b);
}

static void check_equal_commands(const DmCommand *a, const DmCommand *b) {
        ck_assert_int_eq(a->type, b->type);
        eq_str(a->element, b->element);
        eq_str(a->cmd_id, b->cmd_id);
        eq_str(a->alert_code, b->alert_code);
        eq_str(a->meta_type, b->meta_type);
        eq_str(a->meta_format, b->meta_format);
        eq_str(a->msg_ref, b->msg_ref);
        eq_str(a->cmd_ref, b->cmd_ref);
        eq_str(a->cmd, b->cmd);
        eq_str(a->status_code, b->status_code);
        ck_assert_int_eq(a->has_chal, b->has_chal);
        eq_str(a->chal.type, b->chal.type);
        eq_str(a->chal.format, b->chal.format);
        ck_assert_uint_eq(a->chal.next_nonce_len, b->chal.next_nonce_len);
        if (a->chal.next_nonce_len)
                ck_assert_mem_eq(a->chal.next_nonce, b->chal.next_nonce, a->chal.next_nonce_len);
        ck_assert_uint_eq(a->n_items, b->n_items);
        for (size_t i = 0; i < a->n_items; i++) {
                eq_str(a->items[i].target, b->items[i].target);
                eq_str(a->items[i].source, b->items[i].source);
                eq_str(a->items[i].data, b->items[i].data);
                ck_assert_uint_eq(a->items[i].data_len, b->items[i].data_len);
                eq_str(a->items[i].meta_type, b->items[i].meta_type);
                eq_str(a->items[i].meta_format, b->items[i].meta_format);
        }
        ck_assert_uint_eq(a->n_children, b->n_children);
        for (size_t i = 0; i < a->n_children; i++)
                check_equal_commands(&a->children[i], &b->children[i]);
}

static void check_equal_messages(const DmMessage *a, const DmMessage *b) {
        ck_assert_int_eq(a->version, b->version);
        eq_str(a->session_id, b->session_id);
        eq_str(a->msg_id, b->msg_id);
        eq_str(a->target_uri, b->target_uri);
        eq_str(a->source_uri, b->source_uri);
        eq_str(a->source_locname, b->source_locname);
        eq_str(a->resp_uri, b->resp_uri);
        ck_assert_int_eq(a->has_cred, b->has_cred);
        eq_str(a->cred.type, b->cred.type);
        eq_str(a->cred.format, b->cred.format);
        eq_str(a->cred.data, b->cred.data);
        ck_assert_uint_eq(a->max_msg_size, b->max_msg_size);
        ck_assert_int_eq(a->final, b->final);
        ck_assert_uint_eq(a->n_cmds, b->n_cmds);
        for (size_t i = 0; i < a->n_cmds; i++)
                check_equal_commands(&a->cmds[i], &b->cmds[i]);
}

int main(void) {
        Suite *s = suite_create("dm-wbxml");
        TCase *tc = tcase_create("/dm-wbxml");

        TU_ADD(tc, test_aosp_vectors);
        TU_ADD(tc, test_fpi_repair);
        TU_ADD(tc, test_writer_header);
        TU_ADD(tc, test_writer_libwbxml);
        TU_ADD(tc, test_writer_max_msg_size);
        TU_ADD(tc, test_encoder_strict);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
