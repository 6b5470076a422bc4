/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-export-nm.c: verifierd/export-nm.c: every keyfile written is read back by the real
 * NetworkManager parser (nmcli --offline connection modify, package network-manager) with the
 * expected id, uuid, apn, username and password, and an autoconnecting profile with the
 * authentication strength as its autoconnect-priority; files are 0600 and written without leftovers;
 * hostile values are refused; rebuild is idempotent and removes only stale files of ours.
 * Issue 10, point 3: the pushed AUTHTYPE becomes [ppp] refuse-* so NetworkManager offers only
 * that method; the profile is bound to the SIM recorded with its document (gsm.sim-operator-id,
 * gsm.sim-id), with the MNC length rule of export_nm_sim_operator_id; an MMS-only NAPDEF is not
 * exported (a weaker w4 cannot make the operator's NAPDEF MMS-only); proxies and MMS-only APNs
 * are reported "stored, not exported". Point 4: a file someone else changed or removed is left
 * alone (and reported once) until a newer push for that profile; a file of ours without a record
 * is adopted; a changed file no longer backed by the store is left in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/export-nm.h"
#include "wsp.h"
#include "verifierd/store.h"

static char *dir, *nmdir;
static Store *store;

static void setup(void) {
        dir = et_tmpdir("exp-state");
        nmdir = et_tmpdir("exp-nm");
        ck_assert_int_eq(store_open(&store, dir), 0);
}

static void teardown(void) {
        store = store_free(store);
        et_rm_rf(dir);
        et_rm_rf(nmdir);
        free(dir);
        free(nmdir);
}

static int apply(const char *spec, int sec) {
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = { .sec = sec, .roles = 4, .verdict = VERDICT_APPLIED, .received_usec = 1, .decided_usec = 2 },
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
        };
        int r = store_apply(store, &a, NULL, NULL);

        cpdoc_free(d);
        return r;
}

/* apply() with a SIM binding recorded with the document (what the engine does for NETWPIN). */
static int apply_bound(const char *spec, int sec, const char *sim_operator_id, const char *sim_id) {
        CpDoc *d = et_doc(spec);
        StoreApply a = {
                .push = { .sec = sec, .roles = 4, .verdict = VERDICT_APPLIED, .received_usec = 1, .decided_usec = 2 },
                .doc = d,
                .body = (const uint8_t *) spec,
                .body_len = strlen(spec),
                .sim_operator_id = sim_operator_id,
                .sim_id = sim_id,
        };
        int r = store_apply(store, &a, NULL, NULL);

        cpdoc_free(d);
        return r;
}

/* Apply through the builder directly (values the spec grammar cannot express). */
static int apply_napdef(const char *napid, const char *name, const char *apn, const char *user, const char *pw) {
        CpDoc *d = NULL;
        char body[4096];
        StoreSettingList l = {};
        int r;

        ck_assert_int_eq(cpdoc_builder_new(&d, CPDOC_SOURCE_XML), 0);
        ck_assert_int_eq(cpdoc_builder_open(d, "NAPDEF", 6), 0);
        ck_assert_int_eq(cpdoc_builder_parm(d, "NAPID", 5, napid, strlen(napid)), 0);
        ck_assert_int_eq(cpdoc_builder_parm(d, "NAME", 4, name, strlen(name)), 0);
        ck_assert_int_eq(cpdoc_builder_parm(d, "NAP-ADDRESS", 11, apn, strlen(apn)), 0);
        if (user || pw) {
                ck_assert_int_eq(cpdoc_builder_open(d, "NAPAUTHINFO", 11), 0);
                ck_assert_int_eq(cpdoc_builder_parm(d, "AUTHTYPE", 8, "PAP", 3), 0);
                if (user)
                        ck_assert_int_eq(cpdoc_builder_parm(d, "AUTHNAME", 8, user, strlen(user)), 0);
                if (pw)
                        ck_assert_int_eq(cpdoc_builder_parm(d, "AUTHSECRET", 10, pw, strlen(pw)), 0);
                ck_assert_int_eq(cpdoc_builder_close(d), 0);
        }
        ck_assert_int_eq(cpdoc_builder_close(d), 0);
        ck_assert_int_eq(cpdoc_builder_finish(d), 0);
        /* the engine's pre-commit rule */
        ck_assert_int_eq(store_settings_from_doc(d, &l), 0);
        r = export_nm_check_settings(&l, NULL);
        store_setting_list_done(&l);
        if (r == 0) {
                StoreApply a = { .push = { .sec = 0, .roles = 4, .verdict = VERDICT_APPLIED }, .doc = d };

                snprintf(body, sizeof body, "%s|%s|%s|%s|%s", napid, name, apn, user ?: "", pw ?: "");
                a.body = (const uint8_t *) body;
                a.body_len = strlen(body);
                ck_assert_int_eq(store_apply(store, &a, NULL, NULL), 0);
        }
        cpdoc_free(d);
        return r;
}

/* ---- the real NetworkManager parser ------------------------------------------------------- */

typedef struct NmRead {
        char id[512], uuid[64], type[32], apn[128], username[512], password[512];
        char sim_operator_id[16], sim_id[32];
        bool has_username, has_password;
        /* [ppp] as NetworkManager read it */
        bool has_ppp, refuse_pap, refuse_chap, refuse_mschap, refuse_mschapv2, refuse_eap;
} NmRead;

/* Keyfile value as NetworkManager wrote it back (GKeyFile escapes kept). */
static void take(char *dst, size_t size, const char *line, const char *key) {
        snprintf(dst, size, "%s", line + strlen(key));
        dst[strcspn(dst, "\n")] = 0;
}

static void nm_read(const char *path, NmRead *ret) {
        char cmd[1024], line[2048], group[64] = "";
        FILE *f;
        int status;

        *ret = (NmRead) {};
        /* man nmcli: with --offline, "connection modify" reads a keyfile on stdin and prints the
         * modified keyfile; it fails on anything NetworkManager's keyfile reader refuses. */
        snprintf(cmd, sizeof cmd, "nmcli --offline connection modify connection.autoconnect-priority 0 < '%s' 2>&1",
                 path);
        f = popen(cmd, "r");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f)) {
                if (line[0] == '[') {
                        snprintf(group, sizeof group, "%.63s", line);
                        group[strcspn(group, "\n")] = 0;
                        continue;
                }
                if (strcmp(group, "[connection]") == 0) {
                        if (strncmp(line, "id=", 3) == 0)
                                take(ret->id, sizeof ret->id, line, "id=");
                        else if (strncmp(line, "uuid=", 5) == 0)
                                take(ret->uuid, sizeof ret->uuid, line, "uuid=");
                        else if (strncmp(line, "type=", 5) == 0)
                                take(ret->type, sizeof ret->type, line, "type=");
                } else if (strcmp(group, "[gsm]") == 0) {
                        if (strncmp(line, "apn=", 4) == 0)
                                take(ret->apn, sizeof ret->apn, line, "apn=");
                        else if (strncmp(line, "username=", 9) == 0) {
                                take(ret->username, sizeof ret->username, line, "username=");
                                ret->has_username = true;
                        } else if (strncmp(line, "password=", 9) == 0) {
                                take(ret->password, sizeof ret->password, line, "password=");
                                ret->has_password = true;
                        } else if (strncmp(line, "sim-operator-id=", 16) == 0)
                                take(ret->sim_operator_id, sizeof ret->sim_operator_id, line, "sim-operator-id=");
                        else if (strncmp(line, "sim-id=", 7) == 0)
                                take(ret->sim_id, sizeof ret->sim_id, line, "sim-id=");
                } else if (strcmp(group, "[ppp]") == 0) {
                        ret->has_ppp = true;
                        ret->refuse_pap |= strcmp(line, "refuse-pap=true\n") == 0;
                        ret->refuse_chap |= strcmp(line, "refuse-chap=true\n") == 0;
                        ret->refuse_mschap |= strcmp(line, "refuse-mschap=true\n") == 0;
                        ret->refuse_mschapv2 |= strcmp(line, "refuse-mschapv2=true\n") == 0;
                        ret->refuse_eap |= strcmp(line, "refuse-eap=true\n") == 0;
                }
        }
        status = pclose(f);
        ck_assert_msg(status == 0, "nmcli refused %s (status %d)", path, status);
}

static char *path_of(const char *name) {
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", nmdir, name), 0);
        return p;
}

/* The one file of ours whose name contains @needle. */
static char *find_file(const char *needle) {
        DIR *d = opendir(nmdir);
        struct dirent *de;
        char *found = NULL;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strncmp(de->d_name, EXPORT_NM_PREFIX, strlen(EXPORT_NM_PREFIX)) == 0 && strstr(de->d_name, needle)) {
                        ck_assert_ptr_null(found);
                        found = path_of(de->d_name);
                }
        closedir(d);
        ck_assert_msg(found != NULL, "no file for %s", needle);
        return found;
}

/* Files of ours whose name contains @needle. */
static unsigned count_named(const char *needle) {
        DIR *d = opendir(nmdir);
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strncmp(de->d_name, EXPORT_NM_PREFIX, strlen(EXPORT_NM_PREFIX)) == 0 && strstr(de->d_name, needle))
                        n++;
        closedir(d);
        return n;
}

START_TEST(test_nmcli_accepts) {
        static const struct {
                const char *napid, *name, *apn, *user, *pw;
                const char *want_id, *want_user, *want_pw; /* as NetworkManager writes them back */
        } t[] = {
                { "internet", "Internet", "internet.example.com", "user", "secret", "Internet", "user", "secret" },
                { "mms", "MMS APN", "mms.op-1_x", NULL, NULL, "MMS APN", NULL, NULL },
                { "pw-only", "Only pw", "a", NULL, "p w", "Only pw", NULL, "p w" },
                { "esc", " lead\\back;semi=eq", "esc.apn", " sp\\u", "\\pw ", "\\slead\\\\back;semi=eq",
                  "\\ssp\\\\u", "\\\\pw " },
                { "utf8", "Mobilfunk \xc3\xa9t\xc3\xa9", "x", "\xc3\xbc", "p\xc3\xa4ss", "Mobilfunk \xc3\xa9t\xc3\xa9",
                  "\xc3\xbc", "p\xc3\xa4ss" },
                { "max", "Max", "A123456789b123456789c123456789d123456789e123456789f123456789g123", "u", "p", "Max",
                  "u", "p" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                ck_assert_int_eq(apply_napdef(t[i].napid, t[i].name, t[i].apn, t[i].user, t[i].pw), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), ELEMENTSOF(t));

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                char needle[64], *path, *text;
                NmRead nm;

                snprintf(needle, sizeof needle, "-%s-", t[i].napid);
                path = find_file(needle);
                nm_read(path, &nm);
                ck_assert_str_eq(nm.type, "gsm");
                ck_assert_str_eq(nm.apn, t[i].apn);
                ck_assert_str_eq(nm.id, t[i].want_id);
                ck_assert_int_eq(nm.has_username, t[i].want_user != NULL);
                ck_assert_int_eq(nm.has_password, t[i].want_pw != NULL);
                if (t[i].want_user)
                        ck_assert_str_eq(nm.username, t[i].want_user);
                if (t[i].want_pw)
                        ck_assert_str_eq(nm.password, t[i].want_pw);
                /* our uuid survived (nmcli would have made one up otherwise) */
                text = et_slurp(path);
                ck_assert_ptr_nonnull(strstr(text, nm.uuid));
                ck_assert_uint_eq(strlen(nm.uuid), 36);
                ck_assert_ptr_nonnull(strstr(text, "\n" EXPORT_NM_OWNER_MARKER "\n"));
                if (t[i].want_pw)
                        ck_assert_ptr_nonnull(strstr(text, "\npassword-flags=0\n"));
                free(text);
                free(path);
        }
}
END_TEST

START_TEST(test_nmcli_rejects_what_we_refuse) {
        /* The APN rule we enforce is NetworkManager's own: show nmcli refuses such a file. */
        char *p = path_of("probe.nmconnection");
        FILE *f = fopen(p, "we");
        char cmd[1024];

        fputs("[connection]\nid=x\ntype=gsm\n[gsm]\napn=bad apn\n", f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "nmcli --offline connection modify connection.autoconnect-priority 0 < '%s' >/dev/null 2>&1",
                 p);
        ck_assert_int_ne(system(cmd), 0);
        free(p);
}
END_TEST

START_TEST(test_file_mode_atomic_idempotent) {
        ExportNmStats st = {};
        struct stat a, b;
        char *path;

        ck_assert_int_eq(apply("NAPDEF{NAPID=internet;NAME=Net;NAP-ADDRESS=apn;INTERNET}", 0), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        path = find_file("-internet-");
        ck_assert_int_eq(lstat(path, &a), 0);
        ck_assert(S_ISREG(a.st_mode));
        ck_assert_uint_eq(a.st_mode & 07777, 0600);
        ck_assert_uint_eq(a.st_uid, geteuid());
        ck_assert_uint_eq(et_count_files(nmdir, ""), 1); /* no temp file left behind */
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_TMP_PREFIX), 0);

        /* again: nothing rewritten (same inode, counted unchanged) */
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 0);
        ck_assert_uint_eq(st.unchanged, 1);
        ck_assert_int_eq(lstat(path, &b), 0);
        ck_assert_uint_eq(a.st_ino, b.st_ino);

        /* a loosened mode is repaired (NetworkManager ignores keyfiles others can read) */
        ck_assert_int_eq(chmod(path, 0644), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_int_eq(lstat(path, &b), 0);
        ck_assert_uint_eq(b.st_mode & 07777, 0600);
        ck_assert_uint_ne(a.st_ino, b.st_ino); /* replaced by rename, not edited in place */

        /* an update of the same NAPID replaces the same file and keeps the uuid */
        {
                char *t1 = et_slurp(path), *t2, *u1 = strstr(t1, "uuid="), *u2;

                ck_assert_int_eq(apply("NAPDEF{NAPID=internet;NAME=Net2;NAP-ADDRESS=apn2;INTERNET}", 0), 0);
                ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
                ck_assert_uint_eq(st.written, 1);
                ck_assert_uint_eq(et_count_files(nmdir, ""), 1);
                t2 = et_slurp(path);
                u2 = strstr(t2, "uuid=");
                ck_assert_int_eq(strncmp(u1, u2, 41), 0);
                ck_assert_ptr_nonnull(strstr(t2, "\napn=apn2\n"));
                ck_assert_ptr_nonnull(strstr(t2, "\nautoconnect=true\n"));
                free(t1);
                free(t2);
        }
        free(path);
}
END_TEST

/* connection.autoconnect-priority as NetworkManager reads the keyfile (0: absent, its default). */
static int nm_priority(const char *path) {
        char cmd[1024], line[256];
        int prio = 0, status;
        FILE *f;

        snprintf(cmd, sizeof cmd, "nmcli --offline connection modify connection.zone '' < '%s' 2>&1", path);
        f = popen(cmd, "r");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "autoconnect-priority=", 21) == 0)
                        prio = atoi(line + 21);
        status = pclose(f);
        ck_assert_msg(status == 0, "nmcli refused %s (status %d)", path, status);
        return prio;
}

START_TEST(test_autoconnect_priority_by_strength) {
        char *op, *evil, *mms, *text;

        /* Issue 9, finding 5: two autoconnecting profiles, the operator's (USERNETWPIN) and one a
         * NETWPIN push added: NetworkManager prefers the higher priority, i.e. the stronger. */
        ck_assert_int_eq(apply("NAPDEF{NAPID=op;NAME=Op;NAP-ADDRESS=op.example;INTERNET}", AUTH_USERNETWPIN), 0);
        ck_assert_int_eq(apply("NAPDEF{NAPID=evil;NAME=Evil;NAP-ADDRESS=evil.example;INTERNET}", AUTH_NETWPIN),
                         0);
        ck_assert_int_eq(apply("NAPDEF{NAPID=mms;NAME=Mms;NAP-ADDRESS=mms.example}", AUTH_USERNETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        op = find_file("-op-");
        evil = find_file("-evil-");
        mms = find_file("-mms-");
        ck_assert_int_eq(nm_priority(op), STORE_STRENGTH_USERNETWPIN);
        ck_assert_int_eq(nm_priority(evil), STORE_STRENGTH_NETWPIN);
        ck_assert_int_gt(nm_priority(op), nm_priority(evil));
        /* a profile that does not autoconnect has no priority line */
        text = et_slurp(mms);
        ck_assert_ptr_null(strstr(text, "autoconnect-priority"));
        ck_assert_ptr_nonnull(strstr(text, "\nautoconnect=false\n"));
        free(text);
        free(op);
        free(evil);
        free(mms);
}
END_TEST

START_TEST(test_hostile_values_refused) {
        static const struct {
                const char *napid, *name, *apn, *user, *pw;
        } bad[] = {
                { "n1", "x", "bad apn", NULL, NULL },
                { "n2", "x", "a\nb", NULL, NULL },
                { "n3", "x", "A123456789b123456789c123456789d123456789e123456789f123456789g1234", NULL, NULL },
                { "n4", "x\n[connection]\nid=evil", "a", NULL, NULL },
                { "n5", "x", "a", "u\r", NULL },
                { "n6", "x", "a", NULL, "p\tw" },
                { "n7", "x", "a", "u\nv", NULL },
                { "n8\n", "x", "a", NULL, NULL },
                { "n9", "x", "apn/../x", NULL, NULL },
                { "n10", "x", "\xc3\xa9", NULL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(apply_napdef(bad[i].napid, bad[i].name, bad[i].apn, bad[i].user, bad[i].pw) == -EBADMSG,
                              "case %zu accepted", i);
        /* nothing stored, nothing written */
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_uint_eq(et_count_files(nmdir, ""), 0);

        /* the bad root is named */
        {
                CpDoc *d = et_doc("NAPDEF{NAPID=ok;NAME=a;NAP-ADDRESS=fine}NAPDEF{NAPID=evil;NAME=b;NAP-ADDRESS=no way}");
                StoreSettingList l = {};
                char *bad_root = NULL;

                ck_assert_int_eq(store_settings_from_doc(d, &l), 0);
                ck_assert_int_eq(export_nm_check_settings(&l, &bad_root), -EBADMSG);
                ck_assert_str_eq(bad_root, "/NAPDEF[NAPID=evil]");
                free(bad_root);
                store_setting_list_done(&l);
                cpdoc_free(d);
        }
        /* render refuses too, should a caller skip the check */
        {
                NmProfile p = { .id = "x", .apn = "a\nb", .napid = "n", .root = "/NAPDEF[NAPID=n]" };
                char *text = NULL;

                ck_assert_int_eq(export_nm_render(&p, &text), -EBADMSG);
                p.apn = "ok";
                p.password = "a\nb";
                ck_assert_int_eq(export_nm_render(&p, &text), -EBADMSG);
                ck_assert_ptr_null(text);
        }
}
END_TEST

START_TEST(test_non_apn_skipped) {
        ExportNmStats st = {};

        ck_assert_int_eq(apply("NAPDEF{NAPID=csd;NAME=CSD;NAP-ADDRESS=+4917012345;NAP-ADDRTYPE=E164}"
                               "NAPDEF{NAPID=ip;NAME=IP;NAP-ADDRESS=10.0.0.1;NAP-ADDRTYPE=IPV4}"
                               "NAPDEF{NAPID=gprs;NAME=GPRS;NAP-ADDRESS=gprs.example;NAP-ADDRTYPE=APN}"
                               "PXLOGICAL{PROXY-ID=p;NAME=P}", 0), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_uint_eq(st.skipped, 2);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 1);
        free(find_file("-gprs-"));
}
END_TEST

static void write_text(const char *name, const char *text, mode_t mode) {
        char *p = path_of(name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        free(p);
}

START_TEST(test_rebuild_removes_only_ours) {
        ExportNmStats st = {};
        char *stale, *target, *link;

        ck_assert_int_eq(apply("NAPDEF{NAPID=keep;NAME=K;NAP-ADDRESS=keep}NAPDEF{NAPID=gone;NAME=G;NAP-ADDRESS=gone}", 0),
                         0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 2);
        stale = find_file("-gone-");

        /* Others' files: a user's profile with our prefix but no marker, an unrelated profile,
         * a symlink with our name pattern, someone's hidden file, and our own crash leftover. */
        write_text("provboot-users-own.nmconnection", "[connection]\nid=mine\ntype=gsm\n[gsm]\napn=x\n", 0600);
        write_text("other.nmconnection", "[connection]\nid=other\n" EXPORT_NM_OWNER_MARKER "\n", 0600);
        write_text(".other-tmp-1", "x", 0600);
        write_text(EXPORT_NM_TMP_PREFIX "deadbeef", "[connection]\nid=half", 0600);
        target = path_of("target.txt");
        write_text("target.txt", "precious\n" EXPORT_NM_OWNER_MARKER "\n", 0600);
        link = path_of("provboot-link-0123456789ab.nmconnection");
        ck_assert_int_eq(symlink(target, link), 0);

        /* The "gone" NAPDEF stops being an APN: its file becomes stale. */
        ck_assert_int_eq(apply("NAPDEF{NAPID=gone;NAME=G;NAP-ADDRESS=10.1.1.1;NAP-ADDRTYPE=IPV4}", 0), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.removed, 2); /* the stale profile and our temp leftover */
        ck_assert_int_eq(access(stale, F_OK), -1);
        free(find_file("-keep-"));
        ck_assert_uint_eq(et_count_files(nmdir, "provboot-users-own"), 1);
        ck_assert_uint_eq(et_count_files(nmdir, "other.nmconnection"), 1);
        ck_assert_uint_eq(et_count_files(nmdir, ".other-tmp-1"), 1);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_TMP_PREFIX), 0);
        ck_assert_uint_eq(et_count_files(nmdir, "provboot-link"), 1);
        {
                char *t = et_slurp(target);

                ck_assert_str_eq(t, "precious\n" EXPORT_NM_OWNER_MARKER "\n");
                free(t);
        }
        /* idempotent */
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.removed, 0);
        ck_assert_uint_eq(st.written, 0);
        free(stale);
        free(target);
        free(link);
}
END_TEST

START_TEST(test_write_refuses_foreign) {
        char *p, *t;

        write_text("provboot-x-000000000000.nmconnection", "[connection]\nid=user\n", 0600);
        ck_assert_int_eq(export_nm_write_file(nmdir, "provboot-x-000000000000.nmconnection",
                                              "[user]\n" EXPORT_NM_OWNER_MARKER "\n"), -EEXIST);
        p = path_of("provboot-x-000000000000.nmconnection");
        t = et_slurp(p);
        ck_assert_str_eq(t, "[connection]\nid=user\n");
        free(t);
        free(p);
        /* through a symlink: refused, target untouched */
        write_text("victim", "v\n", 0600);
        p = path_of("victim");
        t = path_of("provboot-y-000000000000.nmconnection");
        ck_assert_int_eq(symlink(p, t), 0);
        ck_assert_int_eq(export_nm_write_file(nmdir, "provboot-y-000000000000.nmconnection",
                                              "x\n" EXPORT_NM_OWNER_MARKER "\n"), -EEXIST);
        free(t);
        t = et_slurp(p);
        ck_assert_str_eq(t, "v\n");
        free(t);
        free(p);
        /* names outside our pattern are refused */
        ck_assert_int_eq(export_nm_write_file(nmdir, "../escape.nmconnection", "x"), -EINVAL);
        ck_assert_int_eq(export_nm_write_file(nmdir, "foo.nmconnection", "x"), -EINVAL);
        /* a missing directory is an error, not created */
        ck_assert_int_eq(export_nm_rebuild(store, "/nonexistent/provboot-test", NULL), -ENOENT);
}
END_TEST

START_TEST(test_names_and_uuids) {
        NmProfileList l = {};
        CpDoc *d = et_doc("NAPDEF{NAPID=a b/c;NAME=x;NAP-ADDRESS=a}NAPDEF{NAPID=a_b_c;NAME=y;NAP-ADDRESS=b}");
        StoreSettingList rows = {};

        ck_assert_int_eq(store_settings_from_doc(d, &rows), 0);
        ck_assert_int_eq(export_nm_profiles(rows.items, rows.n, &l, NULL, NULL), 0);
        ck_assert_uint_eq(l.n, 2);
        /* sanitised names collide, the root hash keeps them apart */
        ck_assert_int_eq(strncmp(l.items[0].filename, "provboot-a_b_c-", 15), 0);
        ck_assert_int_eq(strncmp(l.items[1].filename, "provboot-a_b_c-", 15), 0);
        ck_assert_str_ne(l.items[0].filename, l.items[1].filename);
        ck_assert_str_ne(l.items[0].uuid, l.items[1].uuid);
        ck_assert_uint_eq(strlen(l.items[0].uuid), 36);
        ck_assert_int_eq(l.items[0].uuid[14], '8'); /* RFC 9562 version 8 */
        export_nm_profile_list_done(&l);
        store_setting_list_done(&rows);
        cpdoc_free(d);
}
END_TEST

/* ---- issue 10, point 3: keyfile fidelity ---------------------------------------------------- */

START_TEST(test_authtype_to_ppp) {
        NmRead nm;
        char *path, *text;

        ck_assert_int_eq(apply("NAPDEF{NAPID=pap;NAME=P;NAP-ADDRESS=pap.example;"
                               "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=u;AUTHSECRET=s}}"
                               "NAPDEF{NAPID=chap;NAME=C;NAP-ADDRESS=chap.example;"
                               "NAPAUTHINFO{AUTHTYPE=CHAP;AUTHNAME=u;AUTHSECRET=s}}"
                               "NAPDEF{NAPID=md5;NAME=M;NAP-ADDRESS=md5.example;"
                               "NAPAUTHINFO{AUTHTYPE=MD5;AUTHNAME=u;AUTHSECRET=s}}"
                               "NAPDEF{NAPID=none;NAME=N;NAP-ADDRESS=none.example}"
                               /* AUTHTYPE of the NAPAUTHINFO the credentials come from, not the first */
                               "NAPDEF{NAPID=second;NAME=S;NAP-ADDRESS=second.example;"
                               "NAPAUTHINFO{AUTHTYPE=PAP};NAPAUTHINFO{AUTHTYPE=CHAP;AUTHNAME=u2}}", 0), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);

        /* PAP: NetworkManager offers only PAP (it maps [ppp] to ModemManager's allowed-auth) */
        path = find_file("-pap-");
        nm_read(path, &nm);
        ck_assert(nm.has_ppp);
        ck_assert(!nm.refuse_pap && nm.refuse_chap && nm.refuse_mschap && nm.refuse_mschapv2 && nm.refuse_eap);
        free(path);
        path = find_file("-chap-");
        nm_read(path, &nm);
        ck_assert(nm.has_ppp);
        ck_assert(nm.refuse_pap && !nm.refuse_chap && nm.refuse_mschap && nm.refuse_mschapv2 && nm.refuse_eap);
        free(path);
        path = find_file("-second-");
        nm_read(path, &nm);
        ck_assert_str_eq(nm.username, "u2");
        ck_assert(nm.refuse_pap && !nm.refuse_chap);
        free(path);
        /* MD5 (Mobile IP) and no credentials: NetworkManager's default, no [ppp] */
        path = find_file("-md5-");
        text = et_slurp(path);
        ck_assert_ptr_null(strstr(text, "[ppp]"));
        free(text);
        free(path);
        path = find_file("-none-");
        text = et_slurp(path);
        ck_assert_ptr_null(strstr(text, "[ppp]"));
        free(text);
        free(path);
}
END_TEST

START_TEST(test_sim_binding) {
        NmRead nm;
        char *path, *text;

        ck_assert_int_eq(apply_bound("NAPDEF{NAPID=op;NAME=Op;NAP-ADDRESS=op.example;INTERNET}", AUTH_NETWPIN,
                                     "26201", "8949226001234567890"),
                         0);
        ck_assert_int_eq(apply_bound("NAPDEF{NAPID=us;NAME=Us;NAP-ADDRESS=us.example}", AUTH_NETWPIN, "310260",
                                     NULL),
                         0);
        ck_assert_int_eq(apply("NAPDEF{NAPID=free;NAME=Free;NAP-ADDRESS=free.example}", AUTH_USERPIN), 0);
        /* not digits: never recorded, never rendered */
        ck_assert_int_eq(apply_bound("NAPDEF{NAPID=bad;NAME=Bad;NAP-ADDRESS=bad.example}", AUTH_NETWPIN,
                                     "26201\n[x]", "89\n"),
                         0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);

        path = find_file("-op-");
        nm_read(path, &nm);
        ck_assert_str_eq(nm.sim_operator_id, "26201");
        ck_assert_str_eq(nm.sim_id, "8949226001234567890");
        free(path);
        path = find_file("-us-");
        nm_read(path, &nm);
        ck_assert_str_eq(nm.sim_operator_id, "310260");
        ck_assert_str_eq(nm.sim_id, "");
        free(path);
        path = find_file("-free-");
        text = et_slurp(path);
        ck_assert_ptr_null(strstr(text, "sim-"));
        free(text);
        free(path);
        path = find_file("-bad-");
        nm_read(path, &nm);
        ck_assert_str_eq(nm.sim_operator_id, "");
        text = et_slurp(path);
        ck_assert_ptr_null(strstr(text, "sim-"));
        free(text);
        free(path);

        /* NetworkManager refuses what the renderer refuses */
        {
                NmProfile p = { .id = "x", .apn = "ok", .napid = "n", .root = "/NAPDEF[NAPID=n]", .sim_operator_id = "2620" };
                char *t = NULL;

                ck_assert_int_eq(export_nm_render(&p, &t), -EBADMSG);
                p.sim_operator_id = "2620123";
                ck_assert_int_eq(export_nm_render(&p, &t), -EBADMSG);
                p.sim_operator_id = "26201";
                p.sim_id = "89x";
                ck_assert_int_eq(export_nm_render(&p, &t), -EBADMSG);
                ck_assert_ptr_null(t);
        }
}
END_TEST

START_TEST(test_sim_operator_id_rule) {
        char out[STORE_SIM_OPERATOR_ID_MAX + 1];

        /* two digits by default */
        ck_assert_int_eq(export_nm_sim_operator_id("262011", NULL, out), 1);
        ck_assert_str_eq(out, "26201");
        ck_assert_int_eq(export_nm_sim_operator_id("23415", NULL, out), 1);
        ck_assert_str_eq(out, "23415");
        /* three where every network of the MCC uses three */
        ck_assert_int_eq(export_nm_sim_operator_id("310260", NULL, out), 1);
        ck_assert_str_eq(out, "310260");
        ck_assert_int_eq(export_nm_sim_operator_id("302720", NULL, out), 1);
        ck_assert_str_eq(out, "302720");
        ck_assert_int_eq(export_nm_sim_operator_id("722310", NULL, out), 1);
        ck_assert_str_eq(out, "722310");
        ck_assert_int_eq(export_nm_sim_operator_id("31026", NULL, out), 0); /* a 3-digit MCC needs 6 digits */
        /* both lengths in use: not guessed */
        ck_assert_int_eq(export_nm_sim_operator_id("405854", NULL, out), 0);
        ck_assert_int_eq(export_nm_sim_operator_id("374130", NULL, out), 0);
        /* the modem stack's value (read from EF_AD) wins when it is this SIM's */
        ck_assert_int_eq(export_nm_sim_operator_id("405854", "405854", out), 1);
        ck_assert_str_eq(out, "405854");
        ck_assert_int_eq(export_nm_sim_operator_id("262011", "262011", out), 1);
        ck_assert_str_eq(out, "262011");
        ck_assert_int_eq(export_nm_sim_operator_id(NULL, "23415", out), 1);
        ck_assert_str_eq(out, "23415");
        /* another SIM's value is stale: the IMSI rule applies */
        ck_assert_int_eq(export_nm_sim_operator_id("262011", "23415", out), 1);
        ck_assert_str_eq(out, "26201");
        ck_assert_int_eq(export_nm_sim_operator_id("405854", "40585", out), 1); /* a prefix: 2-digit MNC */
        ck_assert_str_eq(out, "40585");
        ck_assert_int_eq(export_nm_sim_operator_id("405854", "4058", out), 0);  /* malformed: ignored */
        /* malformed input */
        ck_assert_int_eq(export_nm_sim_operator_id("2620", NULL, out), -EINVAL);
        ck_assert_int_eq(export_nm_sim_operator_id("26201x", NULL, out), -EINVAL);
        ck_assert_int_eq(export_nm_sim_operator_id("2620112", NULL, out), -EINVAL);
        ck_assert_int_eq(export_nm_sim_operator_id(NULL, NULL, out), 0);
}
END_TEST

typedef struct StatusSeen {
        char root[128][64];
        char state[128][64];
        char detail[128][160];
        unsigned n;
} StatusSeen;

static int on_status(const ExportNmStatus *st, void *userdata) {
        StatusSeen *x = userdata;

        ck_assert_uint_lt(x->n, 128);
        snprintf(x->root[x->n], sizeof x->root[0], "%s", st->root);
        snprintf(x->state[x->n], sizeof x->state[0], "%s", st->state);
        snprintf(x->detail[x->n], sizeof x->detail[0], "%s", st->detail ?: "");
        x->n++;
        return 0;
}

static const char *status_of(StatusSeen *x, const char *root) {
        for (unsigned i = 0; i < x->n; i++)
                if (strcmp(x->root[i], root) == 0)
                        return x->state[i];
        return NULL;
}

static StatusSeen *status_now(void) {
        StatusSeen *x = calloc(1, sizeof(StatusSeen));

        ck_assert_int_ge(export_nm_status(store, nmdir, on_status, x), 0);
        return x;
}

START_TEST(test_mms_only_not_exported) {
        ExportNmStats st = {};
        StatusSeen *x;
        char *text, *path;

        ck_assert_int_eq(apply("NAPDEF{NAPID=mms;NAME=MMS;NAP-ADDRESS=mms.example}"
                               "NAPDEF{NAPID=both;NAME=Both;NAP-ADDRESS=both.example;INTERNET}"
                               "NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=net.example;INTERNET}"
                               "PXLOGICAL{PROXY-ID=mmsproxy;NAME=P;"
                               "PXPHYSICAL{PHYSICAL-PROXY-ID=pp;PXADDR=10.0.0.1;TO-NAPID=mms;PORT{PORTNBR=8080}}}"
                               "APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/mms;TO-NAPID=mms;TO-PROXY=mmsproxy}"
                               "APPLICATION{APPID=w4;PROVIDER-ID=b;NAME=MMS2;ADDR=http://mmsc.both.example/;TO-NAPID=both}",
                               AUTH_USERNETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.mms_only, 1);
        /* the MMS-only APN is no NetworkManager profile; the combined one is, autoconnecting */
        ck_assert_uint_eq(count_named("-mms-"), 0);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 2);
        path = find_file("-both-");
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\nautoconnect=true\n"));
        free(text);
        free(path);

        x = status_now();
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=mms]"), EXPORT_NM_STATE_NOT_EXPORTED);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=both]"), EXPORT_NM_STATE_EXPORTED);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=net]"), EXPORT_NM_STATE_EXPORTED);
        /* a proxy: NetworkManager has no setting for it; never presented as applied */
        ck_assert_str_eq(status_of(x, "/PXLOGICAL[PROXY-ID=mmsproxy]"), EXPORT_NM_STATE_NOT_EXPORTED);
        ck_assert_ptr_null(status_of(x, "/APPLICATION[APPID=w4]"));
        free(x);

        /* A weaker message names the operator's Internet NAPDEF in its own w4: it adds an MMS use,
         * it does not take the NetworkManager profile away (export-dbus.h's strength rule). */
        ck_assert_int_eq(apply("APPLICATION{APPID=w4;PROVIDER-ID=evil;NAME=E;ADDR=http://evil.example/;TO-NAPID=net}",
                               AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        free(find_file("-net-"));
}
END_TEST

START_TEST(test_mms_only_stale_file_removed) {
        /* A build before this rule exported the MMS-only APN: the file goes (it is ours, untouched). */
        ck_assert_int_eq(apply("NAPDEF{NAPID=mms;NAME=MMS;NAP-ADDRESS=mms.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_uint_eq(count_named("-mms-"), 1);
        ck_assert_int_eq(apply("APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/mms;TO-NAPID=mms}",
                               AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_uint_eq(count_named("-mms-"), 0);
}
END_TEST

/* ---- issue 10, point 4: what someone else changed stays changed ---------------------------- */

typedef struct Events {
        unsigned n[_EXPORT_NM_EVENT_MAX];
} Events;

static void on_event(ExportNmEvent ev, const char *name, const char *root, void *userdata) {
        ((Events *) userdata)->n[ev]++;
}

static void replace_text(const char *path, const char *from, const char *to) {
        char *t = et_slurp(path), *at = strstr(t, from), *n = NULL;
        int fd;

        ck_assert_ptr_nonnull(at);
        ck_assert_int_ge(asprintf(&n, "%.*s%s%s", (int) (at - t), t, to, at + strlen(from)), 0);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, n, strlen(n)), (ssize_t) strlen(n));
        close(fd);
        free(n);
        free(t);
}

START_TEST(test_user_change_kept) {
        ExportNmStats st = {};
        Events ev = {};
        StatusSeen *x;
        char *path, *text;

        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        path = find_file("-net-");

        /* the user edits the APN in the phone's settings (NetworkManager rewrites the file) */
        replace_text(path, "\napn=op.example\n", "\napn=users.choice\n");
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(st.user_changed, 1);
        ck_assert_uint_eq(st.written, 0);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_USER_CHANGED], 1);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=users.choice\n"));
        free(text);
        /* every later start leaves it too, and reports it only once */
        ev = (Events) {};
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(st.user_changed, 1);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_USER_CHANGED], 0);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=users.choice\n"));
        free(text);
        x = status_now();
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=net]"), EXPORT_NM_STATE_USER_CHANGED);
        free(x);
        /* another push, for another profile, changes nothing here */
        ck_assert_int_eq(apply("NAPDEF{NAPID=other;NAME=O;NAP-ADDRESS=other.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=users.choice\n"));
        free(text);

        /* a newer push for this profile: its rendering is written */
        ev = (Events) {};
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op2.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_WRITTEN], 1);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=op2.example\n"));
        free(text);
        x = status_now();
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=net]"), EXPORT_NM_STATE_EXPORTED);
        free(x);
        free(path);
}
END_TEST

/* An io whose every call fails the test: export_nm_status through the settings API must not make
 * NetworkManager's calls (export_nm_status_recorded). */
static int poison_open(void *ctx) {
        ck_abort_msg("io open called");
        return -EIO;
}

static int poison_read(void *ctx, const char *name, const char *root, ExportNmFileState *ret_state,
                       char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        ck_abort_msg("io read called");
        return -EIO;
}

static int poison_digest(void *ctx, const NmProfile *p, char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        ck_abort_msg("io digest called");
        return -EIO;
}

/* The keyfile records of nmdir copied under EXPORT_NM_API_DIR, as a run through the API records
 * them (same names); @changed_root's as changed by the user. */
typedef struct CopyRecords {
        const char *changed_root;
        unsigned n;
} CopyRecords;

static int copy_record(const StoreNmFile *f, void *userdata) {
        CopyRecords *c = userdata;
        StoreNmFile g = *f;

        g.dir = EXPORT_NM_API_DIR;
        if (strcmp(f->root, c->changed_root) == 0)
                g.state = STORE_NM_FILE_USER_CHANGED;
        c->n++;
        return store_put_nm_file(store, &g);
}

START_TEST(test_status_api_from_records) {
        ExportNmIo poison = { .open = poison_open, .read = poison_read, .digest = poison_digest };
        const ExportNmIo *was = export_nm_get_io();
        CopyRecords c = { .changed_root = "/NAPDEF[NAPID=b]" };
        StatusSeen *x = calloc(1, sizeof(StatusSeen));

        ck_assert_int_eq(apply("NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=a.example;INTERNET}"
                               "NAPDEF{NAPID=b;NAME=B;NAP-ADDRESS=b.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_int_ge(store_foreach_nm_file(store, nmdir, copy_record, &c), 0);
        ck_assert_uint_eq(c.n, 2);
        /* a newer push for a, and a new profile c: no run has recorded them */
        ck_assert_int_eq(apply("NAPDEF{NAPID=a;NAME=A;NAP-ADDRESS=a2.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(apply("NAPDEF{NAPID=c;NAME=C;NAP-ADDRESS=c.example;INTERNET}", AUTH_NETWPIN), 0);

        export_nm_set_io(&poison);
        ck_assert_int_eq(export_nm_status_recorded(store, EXPORT_NM_API_DIR, "it succeeded", on_status, x), 3);
        export_nm_set_io(was);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=a]"), EXPORT_NM_STATE_NOT_WRITTEN);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=b]"), EXPORT_NM_STATE_USER_CHANGED);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=c]"), EXPORT_NM_STATE_NOT_WRITTEN);
        for (unsigned i = 0; i < x->n; i++) {
                ck_assert_ptr_nonnull(strstr(x->detail[i], "state as of the last run through NetworkManager's "
                                                           "settings API (it succeeded)"));
                if (strcmp(x->root[i], "/NAPDEF[NAPID=a]") == 0)
                        ck_assert_ptr_nonnull(strstr(x->detail[i], "a newer push for it is not written yet"));
                else if (strcmp(x->root[i], "/NAPDEF[NAPID=c]") == 0)
                        ck_assert_ptr_nonnull(strstr(x->detail[i], "no run has written it yet"));
        }
        free(x);

        /* export_nm_status with the API's records key: the same, no io call either */
        x = calloc(1, sizeof(StatusSeen));
        export_nm_set_io(&poison);
        ck_assert_int_eq(export_nm_status(store, EXPORT_NM_API_DIR, on_status, x), 3);
        export_nm_set_io(was);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=b]"), EXPORT_NM_STATE_USER_CHANGED);
        free(x);

        /* the keyfiles stay read from the directory */
        x = status_now();
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=b]"), EXPORT_NM_STATE_EXPORTED);
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=c]"), EXPORT_NM_STATE_NOT_WRITTEN);
        free(x);
}
END_TEST

START_TEST(test_user_removal_kept) {
        ExportNmStats st = {};
        Events ev = {};
        StatusSeen *x;
        char *path;

        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        path = find_file("-net-");
        /* the user deletes the profile */
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(st.user_removed, 1);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_USER_REMOVED], 1);
        ck_assert_int_eq(access(path, F_OK), -1);
        ev = (Events) {};
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_USER_REMOVED], 0);
        ck_assert_int_eq(access(path, F_OK), -1);
        x = status_now();
        ck_assert_str_eq(status_of(x, "/NAPDEF[NAPID=net]"), EXPORT_NM_STATE_USER_REMOVED);
        free(x);

        /* a newer push for it: recreated */
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op2.example;INTERNET}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_int_eq(access(path, F_OK), 0);
        free(path);
}
END_TEST

START_TEST(test_user_change_marker_removed) {
        ExportNmStats st = {};
        char *path, *text;

        /* The user's edit took our owner marker out: the file is theirs; even a newer push does
         * not write over a file that is not ours by the ownership rule. */
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        path = find_file("-net-");
        replace_text(path, EXPORT_NM_OWNER_MARKER, "org.example.owner=user");
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.user_changed, 1);
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op2.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.user_changed, 1);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "org.example.owner=user"));
        ck_assert_ptr_nonnull(strstr(text, "\napn=op.example\n"));
        free(text);
        free(path);
}
END_TEST

START_TEST(test_adopt_and_release) {
        ExportNmStats st = {};
        Events ev = {};
        char *path, *text;

        /* A file of ours written before the records existed (an older build): adopted, brought up
         * to date like any file of ours. */
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        path = find_file("-net-");
        ck_assert_int_eq(store_delete_nm_file(store, nmdir, strrchr(path, '/') + 1), 0);
        replace_text(path, "\napn=op.example\n", "\napn=old.rendering\n");
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        text = et_slurp(path);
        ck_assert_ptr_nonnull(strstr(text, "\napn=op.example\n"));
        free(text);

        /* The user changes it, then the NAPDEF stops being an APN: the file is not ours to remove;
         * it stays, released (no longer tracked). */
        replace_text(path, "\napn=op.example\n", "\napn=users.choice\n");
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=10.1.1.1;NAP-ADDRTYPE=IPV4}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(st.removed, 0);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_RELEASED], 1);
        ck_assert_int_eq(access(path, F_OK), 0);
        ev = (Events) {};
        ck_assert_int_eq(export_nm_rebuild_ex(store, nmdir, &st, on_event, &ev), 0);
        ck_assert_uint_eq(ev.n[EXPORT_NM_EVENT_RELEASED], 0);
        ck_assert_int_eq(access(path, F_OK), 0);
        free(path);
}
END_TEST

/* ---- issue 11: a push updates the files of the roots it changed only -------------------------- */

typedef struct OldNapids {
        char *v[16];
        size_t n;
} OldNapids;

static int old_napid(const StoreSetting *row, void *userdata) {
        OldNapids *o = userdata;

        if (row->parm && row->value && strcmp(row->parm, "TO-NAPID") == 0 && o->n < ELEMENTSOF(o->v))
                o->v[o->n++] = strdup(row->value);
        return 0;
}

/* apply() then export_nm_update with what the engine passes (engine.c changed_roots): the
 * document's roots, and the TO-NAPIDs its APPLICATIONs and proxies had before. */
static void apply_update(const char *spec, AuthMethod sec, ExportNmStats *st) {
        CpDoc *d = et_doc(spec);
        StoreSettingList l = {};
        OldNapids old = {};
        const char *roots[32];
        size_t n = 0;

        ck_assert_int_eq(store_settings_from_doc(d, &l), 0);
        for (size_t i = 0; i < l.n; i++) {
                if (n > 0 && strcmp(roots[n - 1], l.items[i].root) == 0)
                        continue;
                ck_assert_uint_lt(n, ELEMENTSOF(roots));
                roots[n++] = l.items[i].root;
                if (strncmp(l.items[i].root, "/APPLICATION", 12) == 0 || strncmp(l.items[i].root, "/PXLOGICAL", 10) == 0)
                        ck_assert_int_ge(store_foreach_setting_range(store, l.items[i].root, true, old_napid, &old), 0);
        }
        cpdoc_free(d);
        ck_assert_int_eq(apply(spec, sec), 0);
        ck_assert_int_eq(export_nm_update(store, nmdir, roots, n, (const char *const *) old.v, old.n, st, NULL, NULL), 0);
        store_setting_list_done(&l);
        for (size_t i = 0; i < old.n; i++)
                free(old.v[i]);
}

/* The names and contents of our files in @d, sorted, as one string. */
static char *listing(const char *d) {
        struct dirent **names = NULL;
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        int n = scandir(d, &names, NULL, alphasort);

        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
                if (strncmp(names[i]->d_name, EXPORT_NM_PREFIX, strlen(EXPORT_NM_PREFIX)) == 0) {
                        char *p = NULL, *t;

                        ck_assert_int_ge(asprintf(&p, "%s/%s", d, names[i]->d_name), 0);
                        t = et_slurp(p);
                        fprintf(f, "%s\n%s\n", names[i]->d_name, t);
                        free(t);
                        free(p);
                }
                free(names[i]);
        }
        free(names);
        fclose(f);
        return out;
}

/* After each incremental update, the directory holds exactly what a full rebuild makes. */
static void same_as_rebuild(void) {
        char *other = et_tmpdir("exp-nm-full"), *a, *b;

        ck_assert_int_eq(export_nm_rebuild(store, other, NULL), 0);
        a = listing(nmdir);
        b = listing(other);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
        et_rm_rf(other);
        free(other);
}

START_TEST(test_incremental_update) {
        ExportNmStats st = {};
        char *path;

        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        apply_update("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=net.example;INTERNET}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(st.written, 1);
        apply_update("NAPDEF{NAPID=mms;NAME=MMS;NAP-ADDRESS=mms.example}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 2);
        same_as_rebuild();

        /* A w4 makes "mms" MMS-only: its file goes, though the push held no NAPDEF. */
        apply_update("APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/mms;TO-NAPID=mms}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(st.removed, 1);
        ck_assert_uint_eq(count_named("-mms-"), 0);
        same_as_rebuild();

        /* A new NAPDEF push for "mms" keeps it MMS-only (the w4 is read with it). */
        apply_update("NAPDEF{NAPID=mms;NAME=MMS 2;NAP-ADDRESS=mms2.example}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-mms-"), 0);
        same_as_rebuild();

        /* The w4 now names "net" (INTERNET: stays a profile); "mms", named before, is a data
         * connection again: its file comes back (the old TO-NAPID). */
        apply_update("APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/mms;TO-NAPID=net}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-mms-"), 1);
        ck_assert_uint_eq(count_named("-net-"), 1);
        same_as_rebuild();

        /* "net" replaced by something that is not an APN: its file goes. */
        apply_update("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=10.0.0.1;NAP-ADDRTYPE=IPV4;INTERNET}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-net-"), 0);
        same_as_rebuild();

        /* The user removes "mms": an unrelated push does not bring it back (nothing else is
         * looked at); a newer push for it does. */
        path = find_file("-mms-");
        ck_assert_int_eq(unlink(path), 0);
        apply_update("NAPDEF{NAPID=other;NAME=O;NAP-ADDRESS=other.example}", AUTH_NETWPIN, &st);
        ck_assert_int_eq(access(path, F_OK), -1);
        apply_update("NAPDEF{NAPID=mms;NAME=MMS 3;NAP-ADDRESS=mms3.example}", AUTH_NETWPIN, &st);
        ck_assert_int_eq(access(path, F_OK), 0);
        same_as_rebuild();
        free(path);

        /* Through a proxy: the w4 names only the proxy, whose PXPHYSICAL names the NAPDEF. */
        apply_update("NAPDEF{NAPID=p2;NAME=P2;NAP-ADDRESS=p2.example}"
                     "NAPDEF{NAPID=p3;NAME=P3;NAP-ADDRESS=p3.example}", AUTH_NETWPIN, &st);
        apply_update("PXLOGICAL{PROXY-ID=P;NAME=P;PXPHYSICAL{PHYSICAL-PROXY-ID=pp;PXADDR=10.0.0.1;TO-NAPID=p2;"
                     "PORT{PORTNBR=8080}}}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-p2-"), 1); /* no w4 names the proxy yet */
        same_as_rebuild();
        apply_update("APPLICATION{APPID=w4;NAME=MMS;ADDR=http://mms.example/mms;TO-PROXY=P}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-p2-"), 0);
        ck_assert_uint_eq(count_named("-net-"), 0); /* still not an APN */
        same_as_rebuild();
        /* the proxy now leads to p3: p2 is a data connection again, p3 MMS-only */
        apply_update("PXLOGICAL{PROXY-ID=P;NAME=P;PXPHYSICAL{PHYSICAL-PROXY-ID=pp;PXADDR=10.0.0.1;TO-NAPID=p3;"
                     "PORT{PORTNBR=8080}}}", AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-p2-"), 1);
        ck_assert_uint_eq(count_named("-p3-"), 0);
        same_as_rebuild();
        /* a proxy no w4 names changes nothing */
        apply_update("PXLOGICAL{PROXY-ID=Q;NAME=Q;PXPHYSICAL{PHYSICAL-PROXY-ID=qq;PXADDR=10.0.0.2;TO-NAPID=p2}}",
                     AUTH_NETWPIN, &st);
        ck_assert_uint_eq(count_named("-p2-"), 1);
        same_as_rebuild();
}
END_TEST

START_TEST(test_records_per_directory) {
        char *other = et_tmpdir("exp-nm2");
        ExportNmStats st = {};

        /* Records belong to one directory: pointing the exporter at another one (a changed
         * NetworkManagerDir=) writes there; nothing reads as removed by the user. */
        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, NULL), 0);
        ck_assert_int_eq(export_nm_rebuild(store, other, &st), 0);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_uint_eq(st.user_removed, 0);
        ck_assert_uint_eq(et_count_files(other, EXPORT_NM_PREFIX), 1);
        et_rm_rf(other);
        free(other);
}
END_TEST

static int count_record(const StoreNmFile *f, void *userdata) {
        (*(unsigned *) userdata)++;
        return 0;
}

static void count_event(ExportNmEvent ev, const char *name, const char *root, void *userdata) {
        if (ev == EXPORT_NM_EVENT_WRITTEN)
                (*(unsigned *) userdata)++;
}

/* A run in three steps (export-nm.h: ExportNmRun, what verifierd runs off its event loop): the
 * execute step makes the io calls and touches no store, the commit writes the records and calls
 * the events; the result is export_nm_rebuild_ex's. */
START_TEST(test_deferred_run) {
        ExportNmRun *run = NULL;
        ExportNmStats st = {};
        unsigned n = 0, written = 0;

        ck_assert_int_eq(apply("NAPDEF{NAPID=net;NAME=Net;NAP-ADDRESS=op.example}", AUTH_NETWPIN), 0);
        ck_assert_int_eq(export_nm_run_new(store, nmdir, &run), 0);
        ck_assert_int_eq(export_nm_run_execute(run, NULL), 0);
        ck_assert_uint_eq(et_count_files(nmdir, EXPORT_NM_PREFIX), 1);
        ck_assert_int_ge(store_foreach_nm_file(store, nmdir, count_record, &n), 0);
        ck_assert_uint_eq(n, 0); /* not yet: the store is the commit's */
        ck_assert_int_eq(export_nm_run_commit(run, store, &st, count_event, &written), 0);
        run = export_nm_run_free(run);
        ck_assert_uint_eq(st.written, 1);
        ck_assert_uint_eq(written, 1);
        ck_assert_int_ge(store_foreach_nm_file(store, nmdir, count_record, &n), 0);
        ck_assert_uint_eq(n, 1);
        /* as a direct run would have left it: the next one finds the file ours and unchanged */
        ck_assert_int_eq(export_nm_rebuild(store, nmdir, &st), 0);
        ck_assert_uint_eq(st.written, 0);
        ck_assert_uint_eq(st.unchanged, 1);
        /* never executed: nothing committed */
        ck_assert_int_eq(export_nm_run_new(store, nmdir, &run), 0);
        ck_assert_int_eq(export_nm_run_commit(run, store, NULL, NULL, NULL), -ECANCELED);
        export_nm_run_free(run);
}
END_TEST

int main(void) {
        Suite *s = suite_create("export-nm");
        TCase *tc;

        tc = tcase_create("/export-nm/nmcli");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_nmcli_accepts);
        TU_ADD(tc, test_nmcli_rejects_what_we_refuse);
        TU_ADD(tc, test_autoconnect_priority_by_strength);
        suite_add_tcase(s, tc);

        tc = tcase_create("/export-nm/files");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_file_mode_atomic_idempotent);
        TU_ADD(tc, test_rebuild_removes_only_ours);
        TU_ADD(tc, test_write_refuses_foreign);
        suite_add_tcase(s, tc);

        tc = tcase_create("/export-nm/fidelity");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        TU_ADD(tc, test_authtype_to_ppp);
        TU_ADD(tc, test_sim_binding);
        TU_ADD(tc, test_sim_operator_id_rule);
        TU_ADD(tc, test_mms_only_not_exported);
        TU_ADD(tc, test_mms_only_stale_file_removed);
        suite_add_tcase(s, tc);

        tc = tcase_create("/export-nm/user-edits");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_user_change_kept);
        TU_ADD(tc, test_status_api_from_records);
        TU_ADD(tc, test_user_removal_kept);
        TU_ADD(tc, test_user_change_marker_removed);
        TU_ADD(tc, test_adopt_and_release);
        TU_ADD(tc, test_records_per_directory);
        TU_ADD(tc, test_deferred_run);
        TU_ADD(tc, test_incremental_update);
        suite_add_tcase(s, tc);

        tc = tcase_create("/export-nm/values");
        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_hostile_values_refused);
        TU_ADD(tc, test_non_apn_skipped);
        TU_ADD(tc, test_names_and_uuids);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
