/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm.c: NAPDEF settings -> NetworkManager keyfiles (see export-nm.h for the mapping, the
 * value rules, the ownership rule and the rule for files someone else changed). The store is the
 * truth; this module only ever renders what the store holds, and export_nm_rebuild() can redo
 * everything from it at any time, except what someone else changed since (left alone until a
 * newer push). Library code: logs nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "export-dbus.h"
#include "export-nm.h"
#include "macros.h"

static void names_freep(char ***l) {
        for (char **p = *l; p && *p; p++)
                free(*p);
        free(*l);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* ---- value rules --------------------------------------------------------------------------- */

static bool apn_valid(const char *s) {
        size_t n = 0;

        /* NMSettingGsm: at most 64 characters of [A-Za-z0-9._-] (docs/trust-boundary.md §2.5). */
        for (; s[n]; n++)
                if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
                      (s[n] >= '0' && s[n] <= '9') || s[n] == '.' || s[n] == '_' || s[n] == '-'))
                        return false;
        return n >= 1 && n <= EXPORT_NM_APN_MAX;
}

/* No control character may reach a keyfile: a LF would start a new key or [group]. */
static bool value_valid(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7F)
                        return false;
        return true;
}

/* 1..@max decimal digits and nothing else (SIM identities: nothing else reaches a keyfile). */
static bool digits_valid(const char *s, size_t min, size_t max) {
        size_t n = strspn(s, "0123456789");

        return s[n] == 0 && n >= min && n <= max;
}

/* ---- the SIM binding ------------------------------------------------------------------------ */

/* MCCs whose networks all use 3-digit MNCs, and MCCs where both lengths are in use (no guess).
 * Per-country assignments under ITU-T E.212; see export-nm.h. */
static const unsigned mcc_mnc3[] = { 302, 310, 311, 312, 313, 314, 315, 316, 330, 332, 334, 338, 342, 344, 346,
                                     348, 352, 354, 356, 358, 360, 364, 365, 366, 376, 708, 722, 732, 750 };
static const unsigned mcc_mixed[] = { 374, 405 };

static bool mcc_in(unsigned mcc, const unsigned *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (list[i] == mcc)
                        return true;
        return false;
}

int export_nm_sim_operator_id(const char *imsi_head, const char *known, char out[STORE_SIM_OPERATOR_ID_MAX + 1]) {
        size_t head_len = 0;
        unsigned mcc;

        if (imsi_head) {
                head_len = strlen(imsi_head);
                if (!digits_valid(imsi_head, 5, STORE_SIM_OPERATOR_ID_MAX))
                        return -EINVAL;
        }
        /* The modem stack read the MNC length from the SIM: take it, unless it belongs to another
         * SIM than the one whose IMSI we have (then it is stale and not used). */
        if (known && digits_valid(known, 5, STORE_SIM_OPERATOR_ID_MAX) &&
            (!imsi_head || (strlen(known) <= head_len && strncmp(imsi_head, known, strlen(known)) == 0))) {
                snprintf(out, STORE_SIM_OPERATOR_ID_MAX + 1, "%s", known);
                return 1;
        }
        if (!imsi_head)
                return 0;
        mcc = (unsigned) (imsi_head[0] - '0') * 100 + (unsigned) (imsi_head[1] - '0') * 10 + (unsigned) (imsi_head[2] - '0');
        if (mcc_in(mcc, mcc_mixed, ELEMENTSOF(mcc_mixed)))
                return 0;
        if (mcc_in(mcc, mcc_mnc3, ELEMENTSOF(mcc_mnc3))) {
                if (head_len < 6)
                        return 0;
                snprintf(out, STORE_SIM_OPERATOR_ID_MAX + 1, "%.6s", imsi_head);
                return 1;
        }
        snprintf(out, STORE_SIM_OPERATOR_ID_MAX + 1, "%.5s", imsi_head);
        return 1;
}

/* ---- profiles from setting rows ------------------------------------------------------------ */

static const char *first_parm(const StoreSetting *rows, size_t n, const char *chpath, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (rows[i].parm && strcmp(rows[i].chpath, chpath) == 0 && strcmp(rows[i].parm, name) == 0)
                        return rows[i].value ? rows[i].value : "";
        return NULL;
}

static bool has_parm(const StoreSetting *rows, size_t n, const char *chpath, const char *name) {
        return first_parm(rows, n, chpath, name) != NULL;
}

/* Is @chpath a NAPAUTHINFO directly below @root? */
static bool is_authinfo_of(const StoreSetting *it, const char *root) {
        size_t n = strlen(root);

        return strcmp(it->ctype, "NAPAUTHINFO") == 0 && strncmp(it->chpath, root, n) == 0 &&
               it->chpath[n] == '/' && !strchr(it->chpath + n + 1, '/');
}

static void sha256(const char *s, unsigned char out[32]) {
        unsigned len = 0;

        if (EVP_Digest(s, strlen(s), out, &len, EVP_sha256(), NULL) != 1)
                memset(out, 0, 32);
}

static void profile_names(NmProfile *p) {
        static const char hexdig[] = "0123456789abcdef";
        unsigned char h[32];
        char hx[13], safe[33];
        size_t k = 0;

        sha256(p->root, h);
        for (unsigned i = 0; i < 6; i++) {
                hx[2 * i] = hexdig[h[i] >> 4];
                hx[2 * i + 1] = hexdig[h[i] & 15];
        }
        hx[12] = 0;
        for (const unsigned char *c = (const unsigned char *) p->napid; *c && k < sizeof safe - 1; c++)
                safe[k++] = ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                             *c == '-' || *c == '_')
                                    ? (char) *c
                                    : '_';
        safe[k] = 0;
        snprintf(p->filename, sizeof p->filename, "%s%s-%s%s", EXPORT_NM_PREFIX, safe, hx, EXPORT_NM_SUFFIX);

        export_nm_uuid_of_root(p->root, p->uuid);
}

void export_nm_uuid_of_root(const char *root, char out[37]) {
        _cleanup_free_ char *seed = NULL;
        unsigned char u[32];

        /* Stable UUID: SHA-256 over a domain string and the root key, RFC 9562 version 8
         * (custom) layout. The same NAPID keeps its connection across updates. */
        if (asprintf(&seed, "provboot-nm-uuid:%s", root) < 0)
                seed = NULL;
        sha256(seed ? seed : root, u);
        u[6] = (unsigned char) ((u[6] & 0x0F) | 0x80);
        u[8] = (unsigned char) ((u[8] & 0x3F) | 0x80);
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* One root's rows -> 1 profile, 0 skipped (not an APN NAPDEF), -EBADMSG bad value. */
static int profile_from_group(const StoreSetting *rows, size_t n, NmProfile *ret) {
        const char *root = rows[0].root, *addrtype, *name, *auth_chpath = NULL;
        const StoreSetting *root_row = NULL;
        NmProfile p = {};

        for (size_t i = 0; i < n; i++)
                if (!rows[i].parm && strcmp(rows[i].path, root) == 0) {
                        root_row = &rows[i];
                        break;
                }
        if (!root_row || strcmp(root_row->ctype, "NAPDEF") != 0)
                return 0;
        p.root = root;
        p.push_id = root_row->push_id;
        p.strength = root_row->strength;
        p.napid = first_parm(rows, n, root, "NAPID");
        p.apn = first_parm(rows, n, root, "NAP-ADDRESS");
        addrtype = first_parm(rows, n, root, "NAP-ADDRTYPE");
        if (!p.napid || !p.apn || (addrtype && strcmp(addrtype, "APN") != 0))
                return 0; /* not an APN: a CSD number, an IP address... nothing for the gsm setting */
        name = first_parm(rows, n, root, "NAME");
        p.id = name && *name ? name : p.napid;
        p.autoconnect = has_parm(rows, n, root, "INTERNET");

        /* The first NAPAUTHINFO with a name or a secret, in document order. */
        for (size_t i = 0; i < n && !auth_chpath; i++)
                if (rows[i].parm && is_authinfo_of(&rows[i], root) &&
                    (strcmp(rows[i].parm, "AUTHNAME") == 0 || strcmp(rows[i].parm, "AUTHSECRET") == 0))
                        auth_chpath = rows[i].chpath;
        if (auth_chpath) {
                p.username = first_parm(rows, n, auth_chpath, "AUTHNAME");
                p.password = first_parm(rows, n, auth_chpath, "AUTHSECRET");
                p.authtype = first_parm(rows, n, auth_chpath, "AUTHTYPE");
        }

        if (!apn_valid(p.apn) || !*p.napid || !value_valid(p.napid) || !value_valid(p.id) ||
            (p.username && !value_valid(p.username)) || (p.password && !value_valid(p.password)))
                return -EBADMSG;
        profile_names(&p);
        *ret = p;
        return 1;
}

static bool root_in(const char *root, const char *const *roots, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(roots[i], root) == 0)
                        return true;
        return false;
}

static int profiles_collect(const StoreSetting *rows, size_t n, bool skip_invalid, NmProfileList *ret,
                            unsigned *ret_skipped, char **ret_bad_root) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan plan = {};
        NmProfileList l = {};
        unsigned skipped = 0;
        size_t i = 0;
        int r;

        /* Which NAPDEFs only MMS uses: the oFono exporter's rule (export-dbus.h), so the two
         * agree, strength rule included. */
        r = export_dbus_plan_from_rows(rows, n, &plan);
        if (r < 0)
                return r;

        while (i < n) {
                size_t j = i + 1;
                NmProfile p;

                while (j < n && strcmp(rows[j].root, rows[i].root) == 0)
                        j++;
                r = profile_from_group(rows + i, j - i, &p);
                if (r > 0)
                        p.mms_only = root_in(p.root, plan.mms_only, plan.n_mms_only);
                if (r == -EBADMSG && !skip_invalid) {
                        if (ret_bad_root)
                                *ret_bad_root = strdup(rows[i].root);
                        free(l.items);
                        return r;
                }
                if (r > 0) {
                        NmProfile *a = reallocarray(l.items, l.n + 1, sizeof(NmProfile));

                        if (!a) {
                                free(l.items);
                                return -ENOMEM;
                        }
                        l.items = a;
                        l.items[l.n++] = p;
                } else if (strcmp(rows[i].ctype, "NAPDEF") == 0 || r < 0)
                        skipped++;
                i = j;
        }
        if (ret_skipped)
                *ret_skipped = skipped;
        *ret = l;
        return 0;
}

int export_nm_profiles(const StoreSetting *rows, size_t n, NmProfileList *ret, unsigned *ret_skipped,
                       char **ret_bad_root) {
        return profiles_collect(rows, n, false, ret, ret_skipped, ret_bad_root);
}

void export_nm_profile_list_done(NmProfileList *l) {
        if (!l)
                return;
        free(l->items);
        for (size_t i = 0; i < l->n_owned; i++)
                free(l->owned[i]);
        free(l->owned);
        *l = (NmProfileList) {};
}

/* Hand a malloc'd string over to the list. Return: the string; NULL (freed) on OOM. */
static const char *list_keep(NmProfileList *l, char *s) {
        char **a;

        if (!s)
                return NULL;
        a = reallocarray(l->owned, l->n_owned + 1, sizeof(char *));
        if (!a) {
                free(s);
                return NULL;
        }
        l->owned = a;
        l->owned[l->n_owned++] = s;
        return s;
}

int export_nm_check_settings(const StoreSettingList *rows, char **ret_bad_root) {
        NmProfileList l = {};
        int r;

        r = profiles_collect(rows->items, rows->n, false, &l, NULL, ret_bad_root);
        export_nm_profile_list_done(&l);
        return r;
}

/* ---- rendering ----------------------------------------------------------------------------- */

/* GKeyFile escaping: '\' -> "\\", a leading space -> "\s"; control characters refused. */
static int put_value(FILE *f, const char *key, const char *v) {
        if (!value_valid(v))
                return -EBADMSG;
        fprintf(f, "%s=", key);
        for (const char *c = v; *c; c++) {
                if (*c == '\\')
                        fputs("\\\\", f);
                else if (*c == ' ' && c == v)
                        fputs("\\s", f);
                else
                        fputc(*c, f);
        }
        fputc('\n', f);
        return 0;
}

int export_nm_render(const NmProfile *p, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        if (!apn_valid(p->apn) || (p->sim_operator_id && !digits_valid(p->sim_operator_id, 5, STORE_SIM_OPERATOR_ID_MAX)) ||
            (p->sim_id && !digits_valid(p->sim_id, 1, STORE_SIM_ID_MAX)))
                return -EBADMSG;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs("# Written by provboot verifierd from an authenticated OMA CP push.\n"
              "# Once changed or removed by anyone else, provboot leaves it alone until a newer\n"
              "# push for this profile arrives (verifierd(8)).\n"
              "[connection]\n", f);
        if (r >= 0)
                r = put_value(f, "id", p->id);
        fprintf(f, "uuid=%s\ntype=gsm\nautoconnect=%s\n", p->uuid, p->autoconnect ? "true" : "false");
        /* Among several autoconnecting profiles NetworkManager takes the highest priority first:
         * the strongest authentication wins, as in the D-Bus exporters (export-dbus.h). */
        if (p->autoconnect)
                fprintf(f, "autoconnect-priority=%u\n", p->strength);
        fprintf(f, "\n[gsm]\napn=%s\n", p->apn);
        if (r >= 0 && p->username)
                r = put_value(f, "username", p->username);
        if (r >= 0 && p->password) {
                r = put_value(f, "password", p->password);
                fputs("password-flags=0\n", f);
        }
        /* The SIM that authenticated the push (digits only, checked above). */
        if (p->sim_id)
                fprintf(f, "sim-id=%s\n", p->sim_id);
        if (p->sim_operator_id)
                fprintf(f, "sim-operator-id=%s\n", p->sim_operator_id);
        /* Only the pushed authentication method (NAPAUTHINFO AUTHTYPE, docs/wire-notes.md §4.2). */
        if (p->authtype && strcmp(p->authtype, "PAP") == 0)
                fputs("\n[ppp]\nrefuse-chap=true\nrefuse-eap=true\nrefuse-mschap=true\nrefuse-mschapv2=true\n", f);
        else if (p->authtype && strcmp(p->authtype, "CHAP") == 0)
                fputs("\n[ppp]\nrefuse-eap=true\nrefuse-mschap=true\nrefuse-mschapv2=true\nrefuse-pap=true\n", f);
        fprintf(f, "\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\n\n[user]\n%s\norg.provboot.push-id=%llu\n",
                EXPORT_NM_OWNER_MARKER, (unsigned long long) p->push_id);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

/* ---- files --------------------------------------------------------------------------------- */

static bool name_is_ours_pattern(const char *name) {
        size_t n = strlen(name), pl = strlen(EXPORT_NM_PREFIX), sl = strlen(EXPORT_NM_SUFFIX);

        return n > pl + sl && strncmp(name, EXPORT_NM_PREFIX, pl) == 0 && strcmp(name + n - sl, EXPORT_NM_SUFFIX) == 0 &&
               !strchr(name, '/');
}

/* Read a regular file of ours (not through a symlink). Return: 0, -EEXIST not ours, -errno. */
static int read_ours(int dirfd, const char *name, char **ret, size_t *ret_len, mode_t *ret_mode) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ELOOP ? -EEXIST : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size > (off_t) EXPORT_NM_FILE_MAX)
                return -EEXIST;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + len, (size_t) st.st_size - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = 0;
        if (!strstr(buf, "\n" EXPORT_NM_OWNER_MARKER "\n"))
                return -EEXIST;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        *ret_mode = st.st_mode;
        return 0;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int write_file_at(int dirfd, const char *name, const char *text) {
        _cleanup_free_ char *old = NULL;
        _cleanup_close_ int fd = -1;
        char tmp[sizeof(EXPORT_NM_TMP_PREFIX) + 16];
        uint8_t rnd[8];
        size_t old_len, len = strlen(text);
        mode_t mode;
        int r;

        if (!name_is_ours_pattern(name) || strlen(name) >= EXPORT_NM_NAME_MAX)
                return -EINVAL;
        r = read_ours(dirfd, name, &old, &old_len, &mode);
        if (r == 0 && old_len == len && memcmp(old, text, len) == 0 && (mode & 07777) == 0600)
                return 0; /* idempotent: already exactly this */
        if (r < 0 && r != -ENOENT)
                return r; /* -EEXIST: someone else's file or a symlink: never clobber it */

        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
                return -EIO;
        snprintf(tmp, sizeof tmp, "%s%02x%02x%02x%02x%02x%02x%02x%02x", EXPORT_NM_TMP_PREFIX, rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        /* Hidden name: NetworkManager's keyfile plugin ignores dot files, so it never sees a
         * half-written profile. */
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0600) < 0)
                r = -errno;
        else
                r = write_all(fd, text, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* The rename is durable only once the directory is. */
        if (fsync(dirfd) < 0)
                return -errno;
        return 1;
}

int export_nm_write_file(const char *dir, const char *name, const char *text) {
        _cleanup_close_ int dirfd = -1;

        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        return write_file_at(dirfd, name, text);
}

/* ---- rebuild ------------------------------------------------------------------------------- */

typedef struct Rows {
        StoreSettingList l;
} Rows;

static void rows_done(Rows *r) {
        store_setting_list_done(&r->l);
}

/* Rows read from the store, owned (store_setting_list_append copies each). */
static int collect_row(const StoreSetting *s, void *userdata) {
        Rows *rows = userdata;

        return store_setting_list_append(&rows->l, s);
}

/* The records of one directory (store_foreach_nm_file), owned. */
typedef struct Record {
        char *name, *root, *digest;
        uint64_t push_id;
        StoreNmFileState state;
        bool seen;                      /* matched a profile or a file in this run */
} Record;

typedef struct Records {
        Record *items;
        size_t n;
} Records;

static void records_done(Records *rs) {
        for (size_t i = 0; i < rs->n; i++) {
                free(rs->items[i].name);
                free(rs->items[i].root);
                free(rs->items[i].digest);
        }
        free(rs->items);
        *rs = (Records) {};
}

static int collect_record(const StoreNmFile *f, void *userdata) {
        Records *rs = userdata;
        Record *a = reallocarray(rs->items, rs->n + 1, sizeof(Record)), *r;

        if (!a)
                return -ENOMEM;
        rs->items = a;
        r = &rs->items[rs->n];
        *r = (Record) { .push_id = f->push_id, .state = f->state };
        r->name = strdup(f->name);
        r->root = strdup(f->root);
        r->digest = strdup(f->digest);
        rs->n++; /* counted first: records_done frees what was allocated */
        return r->name && r->root && r->digest ? 0 : -ENOMEM;
}

static Record *record_find(Records *rs, const char *name) {
        for (size_t i = 0; i < rs->n; i++)
                if (strcmp(rs->items[i].name, name) == 0)
                        return &rs->items[i];
        return NULL;
}

/* Everything one run needs: the rows, the profiles (SIM binding filled), the records. */
typedef struct Plan {
        Rows rows;
        NmProfileList profiles;
        unsigned skipped;
        Records records;
} Plan;

static void plan_done(Plan *p) {
        export_nm_profile_list_done(&p->profiles);
        rows_done(&p->rows);
        records_done(&p->records);
}

static int plan_build(Store *s, const char *dir, Plan *p) {
        int r;

        /* All roots: the MMS rule (profiles_collect) needs the w4 APPLICATIONs and proxies, and
         * the status lists the proxies. */
        r = store_foreach_setting(s, NULL, collect_row, &p->rows);
        if (r < 0)
                return r;
        /* Rows were checked before commit; a bad one here (an older build's) is skipped, never
         * rendered. */
        r = profiles_collect(p->rows.l.items, p->rows.l.n, true, &p->profiles, &p->skipped, NULL);
        if (r < 0)
                return r;
        /* Each profile is bound to the SIM recorded with the document that installed it. */
        for (size_t i = 0; i < p->profiles.n; i++) {
                NmProfile *pr = &p->profiles.items[i];
                char *op = NULL, *sim = NULL;

                r = store_get_document_sim(s, pr->push_id, &op, &sim);
                if (r == -ESRCH)
                        continue; /* rows without a document (tests that build rows by hand) */
                if (r < 0)
                        return r;
                if (op && !(pr->sim_operator_id = list_keep(&p->profiles, op))) {
                        free(sim);
                        return -ENOMEM;
                }
                if (sim && !(pr->sim_id = list_keep(&p->profiles, sim)))
                        return -ENOMEM;
        }
        r = store_foreach_nm_file(s, dir, collect_record, &p->records);
        return r < 0 ? r : 0;
}

/* What is at DIR/NAME now. */
typedef enum FileState {
        FILE_ABSENT,
        FILE_OURS,                      /* a regular file of ours (read_ours): text, digest, mode */
        FILE_OTHER,                     /* exists, not ours (symlink, other owner, no marker, too big) */
} FileState;

typedef struct File {
        FileState state;
        char *text;
        size_t len;
        mode_t mode;
        char digest[STORE_DIGEST_HEX_LEN + 1];
} File;

static void file_done(File *f) {
        free(f->text);
        *f = (File) {};
}

static int file_read(int dirfd, const char *name, File *ret) {
        struct stat st;
        int r;

        *ret = (File) {};
        r = read_ours(dirfd, name, &ret->text, &ret->len, &ret->mode);
        if (r == -ENOENT) {
                ret->state = FILE_ABSENT;
                return 0;
        }
        if (r == -EEXIST) {
                /* Something is there: a dangling symlink is still something we must not replace. */
                ret->state = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? FILE_OTHER : FILE_ABSENT;
                return 0;
        }
        if (r < 0)
                return r;
        ret->state = FILE_OURS;
        return store_digest_hex((const uint8_t *) ret->text, ret->len, ret->digest);
}

/* ---- where files are read and written (export-nm.h, issue 14) ------------------------------ */

static const ExportNmIo *nm_io; /* NULL: this process's own file system */

void export_nm_set_io(const ExportNmIo *io) {
        nm_io = io;
}

const ExportNmIo *export_nm_get_io(void) {
        return nm_io;
}

int export_nm_dir_read(int dirfd, const char *name, ExportNmFileState *ret_state,
                       char ret_digest[STORE_DIGEST_HEX_LEN + 1]) {
        _cleanup_(file_done) File f = {};
        int r;

        r = file_read(dirfd, name, &f);
        if (r < 0)
                return r;
        *ret_state = f.state == FILE_OURS ? EXPORT_NM_FILE_OURS
                   : f.state == FILE_OTHER ? EXPORT_NM_FILE_OTHER : EXPORT_NM_FILE_ABSENT;
        memcpy(ret_digest, f.state == FILE_OURS ? f.digest : "", f.state == FILE_OURS ? sizeof f.digest : 1);
        return 0;
}

int export_nm_dir_write(int dirfd, const NmProfile *p) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = export_nm_render(p, &text);
        return r < 0 ? r : write_file_at(dirfd, p->filename, text);
}

int export_nm_dir_remove(int dirfd, const char *name) {
        _cleanup_(file_done) File f = {};
        int r;

        if (!name_is_ours_pattern(name))
                return -EINVAL;
        r = file_read(dirfd, name, &f);
        if (r < 0)
                return r;
        if (f.state == FILE_ABSENT)
                return 0;
        if (f.state != FILE_OURS)
                return -EEXIST; /* someone else's file or a symlink: never removed */
        if (unlinkat(dirfd, name, 0) < 0)
                return errno == ENOENT ? 0 : -errno;
        return fsync(dirfd) < 0 ? -errno : 1;
}

int export_nm_dir_list(int dirfd, char ***ret_names, unsigned *ret_tmp_removed) {
        _cleanup_(closedirp) DIR *d = NULL;
        char **names = NULL;
        size_t n = 0;
        unsigned tmp_removed = 0;
        struct dirent *de;
        int fd2;

        fd2 = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd2 < 0)
                return -errno;
        d = fdopendir(fd2);
        if (!d) {
                int r = -errno;

                close(fd2);
                return r;
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                struct stat sb;
                char **nn;

                /* Our leftover temp files (a crash between create and rename). */
                if (strncmp(de->d_name, EXPORT_NM_TMP_PREFIX, strlen(EXPORT_NM_TMP_PREFIX)) == 0) {
                        if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
                            sb.st_uid == geteuid() && unlinkat(dirfd, de->d_name, 0) == 0)
                                tmp_removed++;
                        continue;
                }
                if (!name_is_ours_pattern(de->d_name))
                        continue;
                nn = reallocarray(names, n + 2, sizeof *names);
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        names = nn ?: names;
                        for (size_t i = 0; i < n; i++)
                                free(names[i]);
                        free(names);
                        return -ENOMEM;
                }
                names = nn;
                names[++n] = NULL;
        }
        if (tmp_removed > 0 && fsync(dirfd) < 0) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
                return -errno;
        }
        if (!names && !(names = calloc(1, sizeof *names)))
                return -ENOMEM;
        *ret_names = names;
        if (ret_tmp_removed)
                *ret_tmp_removed = tmp_removed;
        return 0;
}

bool export_nm_name_valid(const char *name) {
        size_t n = strlen(name), pl = strlen(EXPORT_NM_PREFIX), sl = strlen(EXPORT_NM_SUFFIX), mid;

        /* prefix, 1..32 of [A-Za-z0-9_-] (profile_names' sanitised NAPID), '-', 12 hex, suffix */
        if (n < pl + 1 + 1 + 12 + sl || n > pl + 32 + 1 + 12 + sl || !name_is_ours_pattern(name))
                return false;
        mid = n - pl - sl;
        for (size_t i = 0; i < mid; i++) {
                char c = name[pl + i];

                if (i >= mid - 12) {
                        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                                return false;
                } else if (i == mid - 13) {
                        if (c != '-')
                                return false;
                } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                             c == '-' || c == '_'))
                        return false;
        }
        return true;
}

bool export_nm_name_of_root(const char *name, const char *root) {
        static const char hexdig[] = "0123456789abcdef";
        size_t n = name ? strlen(name) : 0, k = strlen(EXPORT_NM_SUFFIX);
        unsigned char h[32];

        if (!root || !name || !export_nm_name_valid(name) || n < k + 12)
                return false;
        sha256(root, h);
        for (unsigned i = 0; i < 12; i++)
                if (name[n - k - 12 + i] != hexdig[i % 2 == 0 ? h[i / 2] >> 4 : h[i / 2] & 15])
                        return false;
        return true;
}

int export_nm_profile_finish(NmProfile *p) {
        /* profile_from_group's rules, plus what the store guarantees for rows: a strength of
         * store.h's order and an AUTHTYPE that is a plain value. */
        if (!p->root || !p->napid || !p->id || !p->apn || !*p->root || !*p->napid || !value_valid(p->root) ||
            !value_valid(p->napid) || !value_valid(p->id) || !apn_valid(p->apn) ||
            (p->username && !value_valid(p->username)) || (p->password && !value_valid(p->password)) ||
            (p->authtype && !value_valid(p->authtype)) || p->strength > 4 ||
            (p->sim_operator_id && !digits_valid(p->sim_operator_id, 5, STORE_SIM_OPERATOR_ID_MAX)) ||
            (p->sim_id && !digits_valid(p->sim_id, 1, STORE_SIM_ID_MAX)))
                return -EBADMSG;
        p->mms_only = false;
        profile_names(p);
        return 0;
}

/* The operations of one run: through nm_io, or on dirfd. */
static int io_read(const ExportNmIo *io, int dirfd, const char *name, const char *root, File *ret) {
        ExportNmFileState st;
        int r;

        if (!io)
                return file_read(dirfd, name, ret);
        *ret = (File) {};
        r = io->read(io->ctx, name, root, &st, ret->digest);
        if (r < 0)
                return r;
        ret->state = st == EXPORT_NM_FILE_OURS ? FILE_OURS : st == EXPORT_NM_FILE_OTHER ? FILE_OTHER : FILE_ABSENT;
        return 0;
}

static int io_write(const ExportNmIo *io, int dirfd, const NmProfile *p, const char *text) {
        return io ? io->write(io->ctx, p) : write_file_at(dirfd, p->filename, text);
}

/* The digest of @p as the io stores it: the keyfile text's (@text), or the io's own form. */
static int io_digest(const ExportNmIo *io, const NmProfile *p, const char *text, char ret[STORE_DIGEST_HEX_LEN + 1]) {
        if (io && io->digest)
                return io->digest(io->ctx, p, ret);
        return store_digest_hex((const uint8_t *) text, strlen(text), ret);
}

/* Is there anything at NAME (not followed)? 1, 0, negative errno. */
static int io_exists(const ExportNmIo *io, int dirfd, const char *name, const char *root) {
        _cleanup_(file_done) File f = {};
        int r;

        if (!io) {
                if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        return 1;
                return errno == ENOENT ? 0 : -errno;
        }
        r = io_read(io, dirfd, name, root, &f);
        if (r < 0)
                return r;
        return f.state != FILE_ABSENT;
}

static int io_open(const ExportNmIo *io, const char *dir, int *ret_dirfd) {
        *ret_dirfd = -1;
        if (io)
                return io->open(io->ctx);
        *ret_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return *ret_dirfd < 0 ? -errno : 0;
}

/* What to do with one profile, from its record and its file (export-nm.h, "User edits"). */
typedef enum Action {
        ACTION_WRITE,                   /* write (or keep, when already exactly this) */
        ACTION_KEEP_USER_CHANGED,       /* leave alone: someone else changed it */
        ACTION_KEEP_USER_REMOVED,       /* leave alone: someone else removed it */
        ACTION_FOREIGN,                 /* not ours and never was: do not touch */
} Action;

/* Two keyfile content digests (hex SHA-256, STORE_DIGEST_HEX_LEN) equal? They are no secret (the
 * files are readable by root), but every digest/MAC comparison in verifierd is constant-time
 * (CRYPTO_memcmp), so none of them can turn into a timing oracle if a secret ever feeds one. */
static bool digest_eq(const char *a, const char *b) {
        return a && b && strlen(a) == STORE_DIGEST_HEX_LEN && strlen(b) == STORE_DIGEST_HEX_LEN &&
               CRYPTO_memcmp(a, b, STORE_DIGEST_HEX_LEN) == 0;
}

static Action decide_action(const NmProfile *p, const char *want_digest, const Record *rec, const File *f) {
        /* A push newer than the one whose rendering we wrote installs the profile again: its
         * rendering wins over the user's change (the user accepted that push). */
        bool newer = rec && p->push_id > rec->push_id;

        /* Exactly the rendering of now: ours, whatever the record says (a crash between the
         * rename and the record leaves the record one rendering behind). */
        if (f->state == FILE_OURS && digest_eq(f->digest, want_digest))
                return ACTION_WRITE;
        if (!rec)
                /* Never written by us as far as the store knows: absent -> create; a file of ours
                 * (an older build's, or a crash before the record) -> adopt. */
                return f->state == FILE_OTHER ? ACTION_FOREIGN : ACTION_WRITE;
        if (f->state == FILE_ABSENT)
                return newer ? ACTION_WRITE : ACTION_KEEP_USER_REMOVED;
        if (f->state == FILE_OURS && digest_eq(f->digest, rec->digest))
                return ACTION_WRITE; /* exactly what we wrote: ours to update */
        /* Changed by someone else (content, or our marker taken out). A newer push rewrites a
         * file that is still ours by the ownership rule; one that is not stays untouched. */
        return newer && f->state == FILE_OURS ? ACTION_WRITE : ACTION_KEEP_USER_CHANGED;
}

static const char *profile_not_exported_reason(const NmProfile *p) {
        return p->mms_only ? "an MMS-only APN is not a data connection (oFono and mmsd-tng get it when enabled)"
                           : NULL;
}

/* What a deferred run (ExportNmRun) did, in order, for export_nm_run_commit: a record put or
 * deleted, or an event. Copies: the run owns them. */
typedef enum RunOpKind {
        RUN_OP_PUT,
        RUN_OP_DELETE,
        RUN_OP_EVENT,
} RunOpKind;

typedef struct RunOp {
        RunOpKind kind;
        ExportNmEvent ev;
        char *name, *root, *digest;     /* root, digest: NULL when not given */
        uint64_t push_id;
        StoreNmFileState state;
} RunOp;

typedef struct RunOps {
        RunOp *items;
        size_t n;
} RunOps;

static void run_ops_done(RunOps *o) {
        for (size_t i = 0; i < o->n; i++) {
                free(o->items[i].name);
                free(o->items[i].root);
                free(o->items[i].digest);
        }
        free(o->items);
        *o = (RunOps) {};
}

static int run_ops_add(RunOps *o, const RunOp *op) {
        RunOp *a = reallocarray(o->items, o->n + 1, sizeof(RunOp)), *t;

        if (!a)
                return -ENOMEM;
        o->items = a;
        t = &a[o->n];
        *t = *op;
        t->name = op->name ? strdup(op->name) : NULL;
        t->root = op->root ? strdup(op->root) : NULL;
        t->digest = op->digest ? strdup(op->digest) : NULL;
        o->n++; /* counted first: run_ops_done frees what was allocated */
        if ((op->name && !t->name) || (op->root && !t->root) || (op->digest && !t->digest))
                return -ENOMEM;
        return 0;
}

/* One run's context, shared by the full rebuild and the incremental update. */
typedef struct Sync {
        Store *s;                       /* NULL in a deferred run: the store is not touched */
        RunOps *ops;                    /* a deferred run's record changes and events, or NULL */
        const ExportNmIo *io;           /* the run's io (NULL: this process's file system) */
        int dirfd;
        const char *dir;
        ExportNmStats st;
        ExportNmEventFn fn;
        void *userdata;
        bool removed_any;
        int first_err;
} Sync;

static void sync_err(Sync *x, int e);

static void sync_event(Sync *x, ExportNmEvent ev, const char *name, const char *root) {
        if (x->ops) {
                int r = run_ops_add(x->ops, &(RunOp) { .kind = RUN_OP_EVENT, .ev = ev, .name = (char *) name,
                                                       .root = (char *) root });
                if (r < 0)
                        sync_err(x, r);
                return;
        }
        if (x->fn)
                x->fn(ev, name, root, x->userdata);
}

/* The store's record of a file: written now, or (deferred run) queued for the commit. */
static int sync_put(Sync *x, const StoreNmFile *f) {
        if (x->ops)
                return run_ops_add(x->ops, &(RunOp) { .kind = RUN_OP_PUT, .name = (char *) f->name,
                                                      .root = (char *) f->root, .digest = (char *) f->digest,
                                                      .push_id = f->push_id, .state = f->state });
        return store_put_nm_file(x->s, f);
}

static int sync_delete(Sync *x, const char *name) {
        if (x->ops)
                return run_ops_add(x->ops, &(RunOp) { .kind = RUN_OP_DELETE, .name = (char *) name });
        return store_delete_nm_file(x->s, x->dir, name);
}

static void sync_err(Sync *x, int e) {
        if (x->first_err == 0)
                x->first_err = e;
}

/* One fsync of the directory for the run's removals (on this process's own file system; the
 * writer syncs its own). */
static void sync_flush(Sync *x) {
        if (x->removed_any && x->dirfd >= 0 && fsync(x->dirfd) < 0)
                sync_err(x, -errno);
}

/* Bring the file of one wanted profile up to date with its record (export-nm.h, "User edits"). */
static void sync_profile(Sync *x, const NmProfile *p, const Record *rec) {
        _cleanup_free_ char *text = NULL;
        _cleanup_(file_done) File f = {};
        char digest[STORE_DIGEST_HEX_LEN + 1];
        StoreNmFile put;
        int r;

        r = export_nm_render(p, &text);
        if (r >= 0)
                r = io_digest(x->io, p, text, digest);
        if (r >= 0)
                r = io_read(x->io, x->dirfd, p->filename, p->root, &f);
        if (r < 0) {
                sync_err(x, r);
                return;
        }
        put = (StoreNmFile) { .dir = x->dir, .name = p->filename, .root = p->root, .digest = digest,
                              .push_id = p->push_id, .state = STORE_NM_FILE_WRITTEN };
        switch (decide_action(p, digest, rec, &f)) {
        case ACTION_FOREIGN:
                x->st.foreign++;
                sync_event(x, EXPORT_NM_EVENT_FOREIGN, p->filename, p->root);
                sync_err(x, -EEXIST); /* someone else's file or a symlink: never clobber it */
                return;
        case ACTION_KEEP_USER_CHANGED:
        case ACTION_KEEP_USER_REMOVED: {
                StoreNmFileState want = f.state == FILE_ABSENT ? STORE_NM_FILE_USER_REMOVED : STORE_NM_FILE_USER_CHANGED;

                if (want == STORE_NM_FILE_USER_REMOVED)
                        x->st.user_removed++;
                else
                        x->st.user_changed++;
                if (rec->state != want) {
                        /* Keep what we wrote (digest, push): the comparison stays with our
                         * version; only the state (what we noticed) changes. */
                        put = (StoreNmFile) { .dir = x->dir, .name = rec->name, .root = rec->root,
                                              .digest = rec->digest, .push_id = rec->push_id, .state = want };
                        r = sync_put(x, &put);
                        if (r < 0) {
                                sync_err(x, r);
                                return;
                        }
                        sync_event(x, want == STORE_NM_FILE_USER_REMOVED ? EXPORT_NM_EVENT_USER_REMOVED
                                                                        : EXPORT_NM_EVENT_USER_CHANGED,
                                   p->filename, p->root);
                }
                return;
        }
        case ACTION_WRITE:
                break;
        }
        r = io_write(x->io, x->dirfd, p, text);
        if (r == -EEXIST) {
                /* Replaced by a foreign file between the read and the write. */
                x->st.foreign++;
                sync_event(x, EXPORT_NM_EVENT_FOREIGN, p->filename, p->root);
        }
        if (r < 0) {
                sync_err(x, r);
                return;
        }
        if (r > 0)
                x->st.written++;
        else
                x->st.unchanged++;
        /* The record after the file: a crash in between leaves a file of ours without a
         * record, which the next run adopts; the reverse order would leave a record of a
         * file never written, which would read as "removed by the user". */
        if (!rec || rec->push_id != p->push_id || !digest_eq(rec->digest, digest) ||
            rec->state != STORE_NM_FILE_WRITTEN || strcmp(rec->root, p->root) != 0) {
                int k = sync_put(x, &put);

                if (k < 0)
                        sync_err(x, k);
        }
        sync_event(x, r > 0 ? EXPORT_NM_EVENT_WRITTEN : EXPORT_NM_EVENT_UNCHANGED, p->filename, p->root);
}

/* A file of our name pattern that no wanted profile backs: removed when it is ours and exactly
 * what we wrote (or ours without a record: an older build's); released when someone else changed
 * it. Nothing else is touched. */
static void drop_file(Sync *x, const char *name, const Record *rec) {
        _cleanup_(file_done) File f = {};
        int r;

        r = io_read(x->io, x->dirfd, name, rec ? rec->root : NULL, &f);
        if (r < 0) {
                sync_err(x, r);
                return;
        }
        if (f.state != FILE_OURS || (rec && !digest_eq(f.digest, rec->digest))) {
                /* Not ours, or changed by someone else since we wrote it: theirs now, left
                 * in place. The record stays (marked) while the file exists, so the file is
                 * not taken for an older build's and removed next time, and the release is
                 * reported once; it goes with the file. */
                if (rec && rec->state != STORE_NM_FILE_USER_CHANGED) {
                        StoreNmFile put = { .dir = x->dir, .name = rec->name, .root = rec->root,
                                            .digest = rec->digest, .push_id = rec->push_id,
                                            .state = STORE_NM_FILE_USER_CHANGED };

                        r = sync_put(x, &put);
                        if (r < 0)
                                sync_err(x, r);
                        else
                                sync_event(x, EXPORT_NM_EVENT_RELEASED, name, rec->root);
                }
                return;
        }
        if (x->io) {
                /* The writer removes it only if it is still ours, and syncs the directory. */
                r = x->io->remove(x->io->ctx, name, rec ? rec->root : NULL);
                if (r < 0) {
                        sync_err(x, r);
                        return;
                }
                if (r > 0)
                        x->st.removed++;
        } else {
                if (unlinkat(x->dirfd, name, 0) < 0) {
                        sync_err(x, -errno);
                        return;
                }
                x->st.removed++;
                x->removed_any = true;
        }
        if (rec) {
                r = sync_delete(x, rec->name);
                if (r < 0)
                        sync_err(x, r);
        }
        sync_event(x, EXPORT_NM_EVENT_REMOVED, name, rec ? rec->root : NULL);
}

/* The full run over @plan (export_nm_rebuild_ex's, or a deferred run's), through x->io. */
static int rebuild_sync(Sync *x, Plan *plan) {
        _cleanup_(names_freep) char **names = NULL;
        unsigned tmp_removed = 0;
        int r;

        x->st.skipped = plan->skipped;
        for (size_t i = 0; i < plan->profiles.n; i++) {
                const NmProfile *p = &plan->profiles.items[i];
                Record *rec = record_find(&plan->records, p->filename);

                if (profile_not_exported_reason(p)) {
                        x->st.mms_only++;
                        continue; /* not wanted: a file of it is stale (below) */
                }
                if (rec)
                        rec->seen = true;
                sync_profile(x, p, rec);
        }

        /* Remove what is ours and no longer backed by the store, and our leftover temp files
         * (a crash between create and rename: the listing removes them). Nothing else is touched;
         * a file someone else changed is left in place and released (no longer ours). */
        r = x->io ? x->io->list(x->io->ctx, &names, &tmp_removed) : export_nm_dir_list(x->dirfd, &names, &tmp_removed);
        if (r < 0)
                return r;
        x->st.removed += tmp_removed;
        for (char **np = names; *np; np++) {
                const char *name = *np;
                bool wanted = false;
                Record *rec;

                if (!name_is_ours_pattern(name))
                        continue;
                for (size_t i = 0; i < plan->profiles.n && !wanted; i++)
                        wanted = !profile_not_exported_reason(&plan->profiles.items[i]) &&
                                 strcmp(plan->profiles.items[i].filename, name) == 0;
                if (wanted)
                        continue;
                rec = record_find(&plan->records, name);
                if (rec)
                        rec->seen = true;
                drop_file(x, name, rec);
        }
        /* Records of files that are gone and no longer wanted: nothing left to track. */
        for (size_t i = 0; i < plan->records.n; i++)
                if (!plan->records.items[i].seen) {
                        r = sync_delete(x, plan->records.items[i].name);
                        if (r < 0)
                                sync_err(x, r);
                }
        sync_flush(x);
        return x->first_err;
}

int export_nm_rebuild_ex(Store *s, const char *dir, ExportNmStats *stats, ExportNmEventFn fn, void *userdata) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int dirfd = -1;
        Sync sx;
        int r;

        r = io_open(nm_io, dir, &dirfd);
        if (r < 0)
                return r;
        r = plan_build(s, dir, &plan);
        if (r < 0)
                return r;
        sx = (Sync) { .s = s, .io = nm_io, .dirfd = dirfd, .dir = dir, .fn = fn, .userdata = userdata };
        r = rebuild_sync(&sx, &plan);
        if (r < 0 && sx.first_err == 0)
                return r; /* the listing failed */
        if (stats)
                *stats = sx.st;
        return r;
}

/* ---- a full run in three steps (export-nm.h: ExportNmRun) ------------------------------------ */

struct ExportNmRun {
        char *dir;
        Plan plan;
        RunOps ops;
        ExportNmStats st;
        int result;
        bool executed;
};

ExportNmRun *export_nm_run_free(ExportNmRun *run) {
        if (!run)
                return NULL;
        plan_done(&run->plan);
        run_ops_done(&run->ops);
        free(run->dir);
        free(run);
        return NULL;
}

int export_nm_run_new(Store *s, const char *dir, ExportNmRun **ret) {
        ExportNmRun *run;
        int r;

        run = calloc(1, sizeof(ExportNmRun));
        if (!run)
                return -ENOMEM;
        run->dir = strdup(dir);
        r = run->dir ? plan_build(s, dir, &run->plan) : -ENOMEM;
        if (r < 0) {
                export_nm_run_free(run);
                return r;
        }
        *ret = run;
        return 0;
}

int export_nm_run_execute(ExportNmRun *run, const ExportNmIo *io) {
        _cleanup_close_ int dirfd = -1;
        Sync sx;
        int r;

        /* Only the run's own copies and @io: no store, no global (the io of export_nm_set_io
         * belongs to the event loop's runs). */
        sx = (Sync) { .ops = &run->ops, .io = io, .dirfd = -1, .dir = run->dir };
        r = io_open(io, run->dir, &dirfd);
        sx.dirfd = dirfd;
        if (r >= 0)
                r = rebuild_sync(&sx, &run->plan);
        run->st = sx.st;
        run->result = r;
        run->executed = true;
        return r;
}

int export_nm_run_commit(ExportNmRun *run, Store *s, ExportNmStats *stats, ExportNmEventFn fn, void *userdata) {
        int r = run->executed ? run->result : -ECANCELED;

        for (size_t i = 0; i < run->ops.n; i++) {
                const RunOp *op = &run->ops.items[i];
                int k = 0;

                switch (op->kind) {
                case RUN_OP_PUT:
                        k = store_put_nm_file(s, &(StoreNmFile) { .dir = run->dir, .name = op->name,
                                                                  .root = op->root, .digest = op->digest,
                                                                  .push_id = op->push_id, .state = op->state });
                        break;
                case RUN_OP_DELETE:
                        k = store_delete_nm_file(s, run->dir, op->name);
                        break;
                case RUN_OP_EVENT:
                        if (fn)
                                fn(op->ev, op->name, op->root, userdata);
                        break;
                }
                if (k < 0 && r >= 0)
                        r = k;
        }
        if (stats)
                *stats = run->st;
        return r;
}

/* ---- incremental update -------------------------------------------------------------------- */

static bool root_is_type(const char *root, const char *type);

/* Read the roots with @prefix (or the one root @prefix, @exact) into @rows, unless read already
 * (@loaded: the prefixes read). */
static int load_prefix(Store *s, const char *prefix, bool exact, Rows *rows, char ***loaded, size_t *n_loaded) {
        char **a, *copy;
        int r;

        for (size_t i = 0; i < *n_loaded; i++)
                if (strcmp((*loaded)[i], prefix) == 0)
                        return 0;
        r = store_foreach_setting_range(s, prefix, exact, collect_row, rows);
        if (r < 0)
                return r;
        copy = strdup(prefix);
        a = copy ? reallocarray(*loaded, *n_loaded + 1, sizeof(char *)) : NULL;
        if (!a) {
                free(copy);
                return -ENOMEM;
        }
        *loaded = a;
        (*loaded)[(*n_loaded)++] = copy;
        return 0;
}

/* The roots of one NAPID: the root key without its occurrence suffix ("#n"), as a prefix; a
 * NAPDEF without a NAPID in its key ("/NAPDEF", "/NAPDEF#2") is loaded alone (exact). */
static int load_napdef(Store *s, const char *root, Rows *rows, char ***loaded, size_t *n_loaded) {
        _cleanup_free_ char *prefix = NULL;
        const char *close_br = strrchr(root, ']');
        bool exact = !close_br;

        prefix = exact ? strdup(root) : strndup(root, (size_t) (close_br - root) + 1);
        if (!prefix)
                return -ENOMEM;
        return load_prefix(s, prefix, exact, rows, loaded, n_loaded);
}

/* The proxies of one PROXY-ID (a w4's TO-PROXY). */
static int load_proxy(Store *s, const char *proxy_id, Rows *rows, char ***loaded, size_t *n_loaded) {
        _cleanup_free_ char *key = NULL;
        int r;

        r = store_root_key_prefix("PXLOGICAL", "PROXY-ID", proxy_id, true, &key);
        if (r < 0)
                return r;
        return load_prefix(s, key, false, rows, loaded, n_loaded);
}

static int load_napid(Store *s, const char *napid, Rows *rows, char ***loaded, size_t *n_loaded) {
        _cleanup_free_ char *key = NULL;
        int r;

        r = store_napdef_root_prefix(napid, &key);
        if (r < 0)
                return r;
        return load_napdef(s, key, rows, loaded, n_loaded);
}

static int setting_cmp(const void *a, const void *b) {
        const StoreSetting *x = a, *y = b;
        int c = strcmp(x->root, y->root);

        if (c != 0)
                return c;
        return x->ord < y->ord ? -1 : x->ord > y->ord;
}

typedef struct OneRecord {
        Record rec;
        bool found;
        int error;
} OneRecord;

static int take_record(const StoreNmFile *f, void *userdata) {
        OneRecord *o = userdata;

        o->rec = (Record) { .push_id = f->push_id, .state = f->state };
        o->rec.name = strdup(f->name);
        o->rec.root = strdup(f->root);
        o->rec.digest = strdup(f->digest);
        o->found = true;
        return o->rec.name && o->rec.root && o->rec.digest ? 0 : -ENOMEM;
}

static void one_record_done(OneRecord *o) {
        free(o->rec.name);
        free(o->rec.root);
        free(o->rec.digest);
        *o = (OneRecord) {};
}

int export_nm_update(Store *s, const char *dir, const char *const *roots, size_t n_roots,
                     const char *const *old_napids, size_t n_old, ExportNmStats *stats, ExportNmEventFn fn,
                     void *userdata) {
        _cleanup_(rows_done) Rows rows = {};
        NmProfileList profiles = {};
        _cleanup_close_ int dirfd = -1;
        char **loaded = NULL;
        size_t n_loaded = 0, n_mms = 0;
        unsigned skipped = 0;
        Sync sx;
        int r;

        r = io_open(nm_io, dir, &dirfd);
        if (r < 0)
                return r;
        sx = (Sync) { .s = s, .io = nm_io, .dirfd = dirfd, .dir = dir, .fn = fn, .userdata = userdata };

        /* What decides a NAPDEF's file besides its own rows is the MMS rule (export-dbus.h): the
         * w4 APPLICATIONs and the proxies they lead through. Every w4 is read (an index range
         * on "/APPLICATION[APPID=w4": as many as the operators pushed, not one per NAPDEF), the
         * proxies their TO-PROXYs name, and every NAPDEF a w4 or one of those proxies names, so
         * the rule sees every candidate of each reference. A proxy no w4 names, and a NAPDEF
         * none of them names, changes nothing in the rule; TO-NAPID "INTERNET" without a NAPDEF
         * of that NAPID resolves only to a NAPDEF with the INTERNET flag, never MMS-only. */
        {
                _cleanup_free_ char *w4 = NULL;

                r = store_root_key_prefix("APPLICATION", "APPID", "w4", false, &w4);
                if (r >= 0)
                        r = load_prefix(s, w4, false, &rows, &loaded, &n_loaded);
        }
        for (size_t i = 0; i < rows.l.n && r >= 0; i++)
                if (rows.l.items[i].parm && strcmp(rows.l.items[i].parm, "TO-PROXY") == 0 && rows.l.items[i].value)
                        r = load_proxy(s, rows.l.items[i].value, &rows, &loaded, &n_loaded);
        if (r < 0)
                goto finish;
        n_mms = rows.l.n;
        for (size_t i = 0; i < n_mms && r >= 0; i++)
                if (rows.l.items[i].parm && strcmp(rows.l.items[i].parm, "TO-NAPID") == 0 && rows.l.items[i].value)
                        r = load_napid(s, rows.l.items[i].value, &rows, &loaded, &n_loaded);
        /* The NAPIDs an APPLICATION or proxy of this push named before it replaced them: those
         * NAPDEFs may have stopped being MMS-only. */
        for (size_t i = 0; i < n_old && r >= 0; i++)
                r = load_napid(s, old_napids[i], &rows, &loaded, &n_loaded);
        /* The NAPDEFs the push added or replaced. */
        for (size_t i = 0; i < n_roots && r >= 0; i++)
                if (root_is_type(roots[i], "NAPDEF"))
                        r = load_napdef(s, roots[i], &rows, &loaded, &n_loaded);
        if (r < 0)
                goto finish;

        /* One root's rows together, in document order (profiles_collect groups them); a root
         * read twice (a NAPDEF named by a TO-NAPID and pushed) once. */
        if (rows.l.n > 1)
                qsort(rows.l.items, rows.l.n, sizeof(StoreSetting), setting_cmp);
        {
                size_t w = 0;

                for (size_t i = 0; i < rows.l.n; i++) {
                        if (w > 0 && strcmp(rows.l.items[w - 1].path, rows.l.items[i].path) == 0) {
                                store_setting_done(&rows.l.items[i]); /* the duplicate's strings */
                                continue;
                        }
                        rows.l.items[w++] = rows.l.items[i];
                }
                rows.l.n = w;
        }
        r = profiles_collect(rows.l.items, rows.l.n, true, &profiles, &skipped, NULL);
        if (r < 0)
                goto finish;

        /* Every NAPDEF read: its file is made to match (an unchanged one costs a read and a
         * digest). */
        for (size_t i = 0; i < rows.l.n; i++) {
                const StoreSetting *row = &rows.l.items[i];
                _cleanup_(one_record_done) OneRecord o = {};
                NmProfile *p = NULL, tmp = {};
                const char *name;

                if (row->parm || strcmp(row->path, row->root) != 0 || strcmp(row->ctype, "NAPDEF") != 0)
                        continue;
                for (size_t k = 0; k < profiles.n && !p; k++)
                        if (strcmp(profiles.items[k].root, row->root) == 0)
                                p = &profiles.items[k];
                if (p) {
                        char *op = NULL, *sim = NULL;

                        name = p->filename;
                        r = store_get_document_sim(s, p->push_id, &op, &sim);
                        if (r < 0 && r != -ESRCH) {
                                sync_err(&sx, r);
                                continue;
                        }
                        if (r >= 0) {
                                if (op && !(p->sim_operator_id = list_keep(&profiles, op))) {
                                        free(sim);
                                        sync_err(&sx, -ENOMEM);
                                        continue;
                                }
                                if (sim && !(p->sim_id = list_keep(&profiles, sim))) {
                                        sync_err(&sx, -ENOMEM);
                                        continue;
                                }
                        }
                } else {
                        /* Not exportable now: the name its file would have (NAPID and root). */
                        size_t j = i;

                        tmp.root = row->root;
                        for (; j < rows.l.n && strcmp(rows.l.items[j].root, row->root) == 0 && !tmp.napid; j++)
                                if (rows.l.items[j].parm && strcmp(rows.l.items[j].parm, "NAPID") == 0 &&
                                    strcmp(rows.l.items[j].chpath, row->root) == 0)
                                        tmp.napid = rows.l.items[j].value ? rows.l.items[j].value : "";
                        if (!tmp.napid)
                                continue; /* never had a name of ours */
                        profile_names(&tmp);
                        name = tmp.filename;
                }
                r = store_get_nm_file(s, dir, name, take_record, &o);
                if (r < 0 && r != -ESRCH) {
                        sync_err(&sx, r);
                        continue;
                }
                if (p && !profile_not_exported_reason(p)) {
                        sync_profile(&sx, p, o.found ? &o.rec : NULL);
                        continue;
                }
                if (p)
                        sx.st.mms_only++;
                /* Not wanted: a file of ours goes (drop_file's rules); a record of a file that
                 * is gone too. */
                r = io_exists(sx.io, dirfd, name, row->root);
                if (r < 0) {
                        sync_err(&sx, r);
                        continue;
                }
                if (r > 0) {
                        drop_file(&sx, name, o.found ? &o.rec : NULL);
                        continue;
                }
                if (o.found) {
                        r = store_delete_nm_file(s, dir, name);
                        if (r < 0)
                                sync_err(&sx, r);
                }
        }
        sx.st.skipped = skipped;
        sync_flush(&sx);
        if (stats)
                *stats = sx.st;
        r = sx.first_err;
finish:
        export_nm_profile_list_done(&profiles);
        for (size_t i = 0; i < n_loaded; i++)
                free(loaded[i]);
        free(loaded);
        return r;
}

int export_nm_rebuild(Store *s, const char *dir, ExportNmStats *stats) {
        return export_nm_rebuild_ex(s, dir, stats, NULL, NULL);
}

/* ---- status -------------------------------------------------------------------------------- */

static bool root_is_type(const char *root, const char *type) {
        size_t n = strlen(type);

        /* "/TYPE", "/TYPE[...]", "/TYPE#n" (store.h's root keys) */
        return root[0] == '/' && strncmp(root + 1, type, n) == 0 &&
               (root[n + 1] == 0 || root[n + 1] == '[' || root[n + 1] == '#');
}

/* The recorded state of @p's profile (export_nm_status_recorded): @ret->state, and in @ret_why
 * what made it "not written" (static text), else NULL. */
static void status_from_record(const NmProfile *p, const Record *rec, ExportNmStatus *ret, const char **ret_why) {
        *ret_why = NULL;
        if (!rec) {
                ret->state = EXPORT_NM_STATE_NOT_WRITTEN;
                *ret_why = "no run has written it yet";
        } else if (p->push_id > rec->push_id) {
                /* decide_action: a newer push is written by the next run */
                ret->state = EXPORT_NM_STATE_NOT_WRITTEN;
                *ret_why = "a newer push for it is not written yet";
        } else
                switch (rec->state) {
                case STORE_NM_FILE_USER_CHANGED:
                        ret->state = EXPORT_NM_STATE_USER_CHANGED;
                        break;
                case STORE_NM_FILE_USER_REMOVED:
                        ret->state = EXPORT_NM_STATE_USER_REMOVED;
                        break;
                default:
                        ret->state = EXPORT_NM_STATE_EXPORTED;
                        break;
                }
}

/* export_nm_status (@recorded false: the files, through nm_io) and export_nm_status_recorded
 * (@recorded true: the records only; no io call at all). */
static int status_run(Store *s, const char *dir, bool recorded, const char *last_run, ExportNmStatusFn fn,
                      void *userdata) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_close_ int dirfd = -1;
        int r, dir_err = 0, n = 0;

        if (!recorded)
                dir_err = io_open(nm_io, dir, &dirfd);
        r = plan_build(s, dir, &plan);
        if (r < 0)
                return r;

        for (size_t i = 0; i < plan.rows.l.n; i++) {
                const StoreSetting *row = &plan.rows.l.items[i];
                const NmProfile *p = NULL;
                ExportNmStatus out = { .root = row->root, .push_id = row->push_id };

                /* one entry per root: its characteristic row */
                if (row->parm || strcmp(row->path, row->root) != 0)
                        continue;
                for (size_t k = 0; k < plan.profiles.n && !p; k++)
                        if (strcmp(plan.profiles.items[k].root, row->root) == 0)
                                p = &plan.profiles.items[k];
                if (root_is_type(row->root, "PXLOGICAL")) {
                        out.state = EXPORT_NM_STATE_NOT_EXPORTED;
                        out.detail = "NetworkManager cannot represent a WAP/HTTP proxy (its proxy setting takes "
                                     "only PAC)";
                } else if (!root_is_type(row->root, "NAPDEF") || strcmp(row->ctype, "NAPDEF") != 0)
                        continue;
                else if (!p) {
                        out.state = EXPORT_NM_STATE_NOT_EXPORTED;
                        out.detail = "not an APN, or a value NetworkManager would refuse";
                } else if (profile_not_exported_reason(p)) {
                        out.state = EXPORT_NM_STATE_NOT_EXPORTED;
                        out.detail = profile_not_exported_reason(p);
                } else if (recorded) {
                        _cleanup_free_ char *detail = NULL;
                        const char *why;

                        out.file = p->filename;
                        status_from_record(p, record_find(&plan.records, p->filename), &out, &why);
                        if (asprintf(&detail, "%s%sstate as of the last run through NetworkManager's settings API%s%s%s",
                                     why ?: "", why ? "; " : "", last_run ? " (" : "", last_run ?: "",
                                     last_run ? ")" : "") < 0)
                                return -ENOMEM;
                        out.detail = detail;
                        n++;
                        r = fn(&out, userdata);
                        if (r != 0)
                                return r < 0 ? r : n;
                        continue;
                } else if (dir_err < 0) {
                        out.state = EXPORT_NM_STATE_NOT_WRITTEN;
                        out.file = p->filename;
                        out.detail = "the NetworkManager directory cannot be opened";
                } else {
                        _cleanup_(file_done) File f = {};
                        _cleanup_free_ char *text = NULL;
                        Record *rec = record_find(&plan.records, p->filename);
                        char digest[STORE_DIGEST_HEX_LEN + 1];

                        out.file = p->filename;
                        r = export_nm_render(p, &text);
                        if (r >= 0)
                                r = io_digest(nm_io, p, text, digest);
                        if (r >= 0)
                                r = io_read(nm_io, dirfd, p->filename, p->root, &f);
                        if (r < 0)
                                return r;
                        switch (decide_action(p, digest, rec, &f)) {
                        case ACTION_FOREIGN:
                                out.state = EXPORT_NM_STATE_NOT_WRITTEN;
                                out.detail = "a file that is not provboot's has its name";
                                break;
                        case ACTION_KEEP_USER_CHANGED:
                                out.state = EXPORT_NM_STATE_USER_CHANGED;
                                break;
                        case ACTION_KEEP_USER_REMOVED:
                                out.state = EXPORT_NM_STATE_USER_REMOVED;
                                break;
                        case ACTION_WRITE:
                                /* written, or to be written by the next rebuild */
                                out.state = f.state == FILE_OURS ? EXPORT_NM_STATE_EXPORTED : EXPORT_NM_STATE_NOT_WRITTEN;
                                if (f.state != FILE_OURS)
                                        out.detail = "not written yet (retried on the next apply or start)";
                                break;
                        }
                }
                n++;
                r = fn(&out, userdata);
                if (r != 0)
                        return r < 0 ? r : n;
        }
        return n;
}

int export_nm_status(Store *s, const char *dir, ExportNmStatusFn fn, void *userdata) {
        /* Through the settings API the reads would be NetworkManager's calls on this thread: the
         * records only (export_nm_status_recorded). */
        return status_run(s, dir, dir && strcmp(dir, EXPORT_NM_API_DIR) == 0, NULL, fn, userdata);
}

int export_nm_status_recorded(Store *s, const char *dir, const char *last_run, ExportNmStatusFn fn,
                              void *userdata) {
        return status_run(s, dir, true, last_run, fn, userdata);
}
