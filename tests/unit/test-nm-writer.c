/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-nm-writer.c: provboot-nm-writer's protocol and what it does to its one directory
 * (nm-writer/nmw-proto.h, issue 14). A WRITE leaves exactly export_nm_render's rendering of the
 * decoded profile, 0600, under the name the writer derives from ROOT and NAPID (a NAPID with
 * "../" cannot leave the directory); READ reports ours + digest, absent, other; REMOVE removes
 * only files of ours (not someone else's, not through a symlink); LIST names ours and removes
 * leftover temp files, at NMW_LIST_MAX and past it. Every malformed request is refused and
 * writes nothing: bad magic/version/op, trailing bytes, unknown and duplicate tags, tags of
 * another op, missing required fields, a NUL in a string, strings at NMW_STRING_MAX and past it,
 * a body at NMW_BODY_MAX and past it, values the render rules refuse, names that are paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm-writer/nmw-proto.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/store.h"

static char dir[64];
static int wdir = -1;

static void setup(void) {
        strcpy(dir, "/tmp/test-nm-writer.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        wdir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(wdir, 0);
}

static void teardown(void) {
        DIR *d = fdopendir(wdir);
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0))
                        (void) unlinkat(wdir, de->d_name, 0);
        if (d)
                closedir(d);
        (void) rmdir(dir);
        wdir = -1;
}

static unsigned count_files(void) {
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

static NmProfile sample(void) {
        return (NmProfile) { .root = "/NAPDEF[NAPID=INTERNET]", .napid = "INTERNET", .id = "Operator Internet",
                             .apn = "internet.example.com", .username = "user", .password = "s3cret",
                             .authtype = "PAP", .sim_operator_id = "26201", .autoconnect = true, .strength = 3,
                             .push_id = 42 };
}

/* Handle @req (data/len), return the reply's result (and the reply in @out). */
static int32_t handle(const uint8_t *data, size_t len, NmwBuf *out, NmwReply *rep) {
        ck_assert_int_eq(nmw_handle(wdir, data, len, out), 0);
        ck_assert_int_eq(nmw_decode_reply(out->data, out->len, rep), 0);
        return rep->result;
}

static char *read_text(const char *name, struct stat *st) {
        char path[256], *buf;
        FILE *f;
        long n;

        snprintf(path, sizeof path, "%s/%s", dir, name);
        ck_assert_int_eq(lstat(path, st), 0);
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = calloc(1, (size_t) n + 1);
        ck_assert_int_eq(fread(buf, 1, (size_t) n, f), (size_t) n);
        fclose(f);
        return buf;
}

/* A WRITE leaves the rendering of the decoded profile, 0600, named by the writer. */
START_TEST(test_write_renders) {
        NmProfile p = sample(), want = sample();
        NmwBuf req = {}, out = {};
        NmwReply rep;
        char *text, *expect;
        struct stat st;

        ck_assert_int_eq(export_nm_profile_finish(&want), 0);
        ck_assert_int_eq(export_nm_render(&want, &expect), 0);
        ck_assert_int_eq(nmw_encode_write(&req, &p), 0);
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), 1);
        ck_assert_uint_eq(rep.fields_len, 3 + strlen(want.filename));
        ck_assert(memcmp(rep.fields + 3, want.filename, strlen(want.filename)) == 0);
        text = read_text(want.filename, &st);
        ck_assert_str_eq(text, expect);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert_uint_eq(st.st_uid, geteuid());
        ck_assert_uint_eq(count_files(), 1);
        /* again: unchanged */
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), 0);
        free(text);
        free(expect);
        nmw_buf_done(&req);
        nmw_buf_done(&out);
}
END_TEST

/* A NAPID or root full of path characters still names one file in the directory. */
START_TEST(test_name_derived) {
        NmProfile p = sample();
        NmwBuf req = {}, out = {};
        NmwReply rep;
        char name[EXPORT_NM_NAME_MAX];

        p.napid = "../../etc/passwd";
        p.root = "/NAPDEF[NAPID=../../etc/passwd]";
        ck_assert_int_eq(nmw_encode_write(&req, &p), 0);
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), 1);
        ck_assert_uint_lt(rep.fields_len - 3, sizeof name);
        memcpy(name, rep.fields + 3, rep.fields_len - 3);
        name[rep.fields_len - 3] = 0;
        ck_assert(export_nm_name_valid(name));
        ck_assert_ptr_null(strchr(name, '/'));
        ck_assert(strncmp(name, "provboot-______etc_passwd-", 26) == 0);
        ck_assert_uint_eq(count_files(), 1);
        nmw_buf_done(&req);
        nmw_buf_done(&out);
}
END_TEST

static int32_t name_op(NmwOp op, const char *name, NmwBuf *out, NmwReply *rep) {
        NmwBuf req = {};
        int32_t r;

        nmw_put_header(&req, op);
        nmw_put_string(&req, NMW_TAG_NAME, name);
        ck_assert_int_eq(nmw_finish(&req), 0);
        r = handle(req.data, req.len, out, rep);
        nmw_buf_done(&req);
        return r;
}

static void put_file(const char *name, const char *text, mode_t mode) {
        int fd = openat(wdir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

/* READ: absent, ours with the digest of its content, someone else's. REMOVE: only ours. */
START_TEST(test_read_remove) {
        NmProfile p = sample();
        NmwBuf req = {}, out = {};
        NmwReply rep;
        char *text, digest[STORE_DIGEST_HEX_LEN + 1];
        const char *other = "provboot-OTHER-0123456789ab.nmconnection";
        const char *link = "provboot-LINK-0123456789ab.nmconnection";

        ck_assert_int_eq(export_nm_profile_finish(&p), 0);
        ck_assert_int_eq(name_op(NMW_OP_READ, p.filename, &out, &rep), 0);
        ck_assert_uint_eq(rep.fields_len, 4);
        ck_assert_uint_eq(rep.fields[0], NMW_TAG_STATE);
        ck_assert_uint_eq(rep.fields[3], EXPORT_NM_FILE_ABSENT);

        ck_assert_int_eq(nmw_encode_write(&req, &p), 0);
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), 1);
        ck_assert_int_eq(export_nm_render(&p, &text), 0);
        ck_assert_int_eq(store_digest_hex((const uint8_t *) text, strlen(text), digest), 0);
        ck_assert_int_eq(name_op(NMW_OP_READ, p.filename, &out, &rep), 0);
        ck_assert_uint_eq(rep.fields_len, 4 + 3 + STORE_DIGEST_HEX_LEN);
        ck_assert_uint_eq(rep.fields[3], EXPORT_NM_FILE_OURS);
        ck_assert_uint_eq(rep.fields[4], NMW_TAG_DIGEST);
        ck_assert(memcmp(rep.fields + 7, digest, STORE_DIGEST_HEX_LEN) == 0);

        /* someone else's file with our name pattern, and a symlink to ours */
        put_file(other, "[connection]\nid=theirs\n", 0600);
        ck_assert_int_eq(symlinkat(p.filename, wdir, link), 0);
        ck_assert_int_eq(name_op(NMW_OP_READ, other, &out, &rep), 0);
        ck_assert_uint_eq(rep.fields[3], EXPORT_NM_FILE_OTHER);
        ck_assert_int_eq(name_op(NMW_OP_READ, link, &out, &rep), 0);
        ck_assert_uint_eq(rep.fields[3], EXPORT_NM_FILE_OTHER);
        ck_assert_int_eq(name_op(NMW_OP_REMOVE, other, &out, &rep), -EEXIST);
        ck_assert_int_eq(name_op(NMW_OP_REMOVE, link, &out, &rep), -EEXIST);
        ck_assert_uint_eq(count_files(), 3);
        ck_assert_int_eq(name_op(NMW_OP_REMOVE, p.filename, &out, &rep), 1);
        ck_assert_int_eq(name_op(NMW_OP_REMOVE, p.filename, &out, &rep), 0);
        ck_assert_uint_eq(count_files(), 2);
        free(text);
        nmw_buf_done(&req);
        nmw_buf_done(&out);
}
END_TEST

/* LIST: ours-pattern names, temp files of ours removed; NMW_LIST_MAX names at most. */
START_TEST(test_list_limit) {
        NmwBuf req = {}, out = {};
        NmwReply rep;
        const uint8_t *f, *val;
        size_t left;
        uint8_t tag;
        uint16_t len;
        unsigned n = 0;
        char name[EXPORT_NM_NAME_MAX];

        put_file(".provboot-tmp-0011223344556677", "half", 0600);
        put_file("unrelated.nmconnection", "x", 0600);
        for (unsigned i = 0; i < NMW_LIST_MAX; i++) {
                snprintf(name, sizeof name, "provboot-N%u-0123456789ab.nmconnection", i);
                put_file(name, "x", 0600);
        }
        ck_assert_int_eq(nmw_encode_list(&req), 0);
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), (int) NMW_LIST_MAX); /* at the limit */
        for (f = rep.fields, left = rep.fields_len; nmw_next_field(&f, &left, &tag, &val, &len) > 0; n++)
                ck_assert_uint_eq(tag, NMW_TAG_NAME);
        ck_assert_uint_eq(n, NMW_LIST_MAX);
        ck_assert_int_eq(faccessat(wdir, ".provboot-tmp-0011223344556677", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        ck_assert_int_eq(faccessat(wdir, "unrelated.nmconnection", F_OK, AT_SYMLINK_NOFOLLOW), 0);

        put_file("provboot-PAST-0123456789ab.nmconnection", "x", 0600); /* past it */
        ck_assert_int_eq(handle(req.data, req.len, &out, &rep), (int) NMW_LIST_MAX + 1);
        for (n = 0, f = rep.fields, left = rep.fields_len; nmw_next_field(&f, &left, &tag, &val, &len) > 0; n++)
                ;
        ck_assert_uint_eq(n, NMW_LIST_MAX);
        nmw_buf_done(&req);
        nmw_buf_done(&out);
}
END_TEST

/* Encode a WRITE of the sample with one field replaced (tag, bytes) or added. */
static void write_with(NmwBuf *b, uint8_t tag, const void *v, size_t n, bool dup) {
        NmProfile p = sample();
        uint8_t one = 1, st = 3, id[8] = { 0, 0, 0, 0, 0, 0, 0, 42 };

        nmw_put_header(b, NMW_OP_WRITE);
#define F(t, val, len)                                                          \
        do {                                                                    \
                if (tag != (t) || dup)                                          \
                        nmw_put_bytes(b, (t), (val), (len));                    \
                if (tag == (t))                                                 \
                        nmw_put_bytes(b, (t), v, n);                            \
        } while (0)
        F(NMW_TAG_ROOT, p.root, strlen(p.root));
        F(NMW_TAG_NAPID, p.napid, strlen(p.napid));
        F(NMW_TAG_ID, p.id, strlen(p.id));
        F(NMW_TAG_APN, p.apn, strlen(p.apn));
        F(NMW_TAG_AUTOCONNECT, &one, 1);
        F(NMW_TAG_STRENGTH, &st, 1);
        F(NMW_TAG_PUSH_ID, id, 8);
#undef F
        if (tag > NMW_TAG_PUSH_ID || (tag >= NMW_TAG_USERNAME && tag <= NMW_TAG_SIM_ID))
                nmw_put_bytes(b, tag, v, n);
        ck_assert_int_eq(nmw_finish(b), 0);
}

static int decode(const NmwBuf *b) {
        static NmwRequest req;

        return nmw_decode_request(b->data, b->len, &req);
}

START_TEST(test_malformed) {
        NmwBuf b = {}, out = {};
        NmwReply rep;
        char s256[NMW_STRING_MAX + 2];
        uint8_t two = 2, five = 5, seven[7] = {};

        write_with(&b, 0, NULL, 0, false);
        ck_assert_int_eq(decode(&b), 0); /* the baseline decodes */

        /* header */
        b.data[0] = 'X';
        ck_assert_int_eq(decode(&b), -EBADMSG);
        b.data[0] = 'P';
        b.data[4] = 2;
        ck_assert_int_eq(decode(&b), -EBADMSG);
        b.data[4] = NMW_VERSION;
        b.data[5] = 9;
        ck_assert_int_eq(decode(&b), -EBADMSG);
        b.data[5] = NMW_OP_WRITE;
        ck_assert_int_eq(nmw_decode_request(b.data, b.len - 1, &(NmwRequest) {}), -EBADMSG); /* short */
        /* trailing byte */
        {
                uint8_t *t = malloc(b.len + 1);

                memcpy(t, b.data, b.len);
                t[b.len] = 0;
                ck_assert_int_eq(nmw_decode_request(t, b.len + 1, &(NmwRequest) {}), -EBADMSG);
                free(t);
        }
        /* unknown tag, duplicate tag, a tag of another op */
        write_with(&b, 99, "x", 1, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_APN, "other.apn", 9, true);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_NAME, "provboot-X-0123456789ab.nmconnection", 36, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        /* missing required: an empty value counts as a field and is refused too */
        write_with(&b, NMW_TAG_APN, "", 0, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        /* numbers */
        write_with(&b, NMW_TAG_AUTOCONNECT, &two, 1, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_STRENGTH, &five, 1, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_PUSH_ID, seven, 7, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        /* a NUL inside a string (a hidden tail) */
        write_with(&b, NMW_TAG_ID, "ok\0evil", 7, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        /* what the render rules refuse: a newline (a second line, a second group), an APN with
         * a '/', SIM ids that are not digits */
        write_with(&b, NMW_TAG_ID, "x\n[connection]\nid=evil", 22, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_APN, "../etc", 6, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_SIM_OPERATOR_ID, "2620x", 5, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        write_with(&b, NMW_TAG_PASSWORD, "a\rb", 3, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);
        /* NMW_STRING_MAX: at the limit decodes, past it is refused */
        memset(s256, 'a', sizeof s256);
        write_with(&b, NMW_TAG_ID, s256, NMW_STRING_MAX, false);
        ck_assert_int_eq(decode(&b), 0);
        write_with(&b, NMW_TAG_ID, s256, NMW_STRING_MAX + 1, false);
        ck_assert_int_eq(decode(&b), -EBADMSG);

        /* names that are paths or not our shape */
        {
                static const char *const bad[] = {
                        "../provboot-X-0123456789ab.nmconnection", "provboot-X/../../0123456789ab.nmconnection",
                        "provboot-X-0123456789AB.nmconnection", "provboot--0123456789ab.nmconnection",
                        "provboot-X-0123456789a.nmconnection", "provboot-X.0123456789ab.nmconnection",
                        "/etc/shadow", "provboot-X-0123456789ab.nmconnection.bak",
                        "provboot-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0123456789ab.nmconnection", /* 33 */
                };
                for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                        ck_assert_int_eq(name_op(NMW_OP_REMOVE, bad[i], &out, &rep), -EBADMSG);
                        ck_assert_int_eq(name_op(NMW_OP_READ, bad[i], &out, &rep), -EBADMSG);
                }
                /* 32 characters: at the limit */
                ck_assert_int_eq(name_op(NMW_OP_READ, "provboot-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0123456789ab.nmconnection",
                                         &out, &rep), 0);
        }
        /* LIST takes no field */
        nmw_put_header(&b, NMW_OP_LIST);
        nmw_put_string(&b, NMW_TAG_NAME, "provboot-X-0123456789ab.nmconnection");
        ck_assert_int_eq(nmw_finish(&b), 0);
        ck_assert_int_eq(decode(&b), -EBADMSG);

        /* NMW_BODY_MAX: a body of exactly that size is parsed (and refused for its fields), one
         * byte more is refused by size before any field is read */
        {
                uint8_t *big = calloc(1, NMW_HEADER_SIZE + NMW_BODY_MAX + 1);
                uint32_t body = NMW_BODY_MAX;

                memcpy(big, NMW_MAGIC, 4);
                big[4] = NMW_VERSION;
                big[5] = NMW_OP_WRITE;
                big[8] = (uint8_t) (body >> 24);
                big[9] = (uint8_t) (body >> 16);
                big[10] = (uint8_t) (body >> 8);
                big[11] = (uint8_t) body;
                ck_assert_int_eq(nmw_decode_request(big, NMW_HEADER_SIZE + body, &(NmwRequest) {}), -EBADMSG);
                body++;
                big[10] = (uint8_t) (body >> 8);
                big[11] = (uint8_t) body;
                ck_assert_int_eq(nmw_decode_request(big, NMW_HEADER_SIZE + body, &(NmwRequest) {}), -EMSGSIZE);
                free(big);
        }

        /* Refused requests wrote nothing; the reply of an undecodable request is op 0 */
        b.data[0] = 'X';
        ck_assert_int_eq(handle(b.data, b.len, &out, &rep), -EBADMSG);
        ck_assert_uint_eq(rep.op, 0);
        ck_assert_uint_eq(count_files(), 0);
        nmw_buf_done(&b);
        nmw_buf_done(&out);
}
END_TEST

int main(void) {
        Suite *s = suite_create("nm-writer");
        TCase *tc = tcase_create("/nm-writer/proto");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_write_renders);
        TU_ADD(tc, test_name_derived);
        TU_ADD(tc, test_read_remove);
        TU_ADD(tc, test_list_limit);
        TU_ADD(tc, test_malformed);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
