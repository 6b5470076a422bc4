/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-nm.c: NAPDEF settings -> NetworkManager keyfiles (see export-nm.h for the mapping, the
 * value rules and the ownership rule). The store is the truth; this module only ever renders
 * what the store holds, and export_nm_rebuild() can redo everything from it at any time.
 * Library code: logs nothing.
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

#include <openssl/evp.h>

#include "export-nm.h"
#include "macros.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* ---- value rules --------------------------------------------------------------------------- */

static bool apn_valid(const char *s) {
        size_t n = 0;

        /* NMSettingGsm: at most 64 characters of [A-Za-z0-9._-] (security-model.md §2.5). */
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
        unsigned char h[32], u[32];
        char hx[13], safe[33];
        size_t k = 0;
        _cleanup_free_ char *seed = NULL;

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

        /* Stable UUID: SHA-256 over a domain string and the root key, RFC 9562 version 8
         * (custom) layout. The same NAPID keeps its connection across updates. */
        if (asprintf(&seed, "provboot-nm-uuid:%s", p->root) < 0)
                seed = NULL;
        sha256(seed ? seed : p->root, u);
        u[6] = (unsigned char) ((u[6] & 0x0F) | 0x80);
        u[8] = (unsigned char) ((u[8] & 0x3F) | 0x80);
        snprintf(p->uuid, sizeof p->uuid,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
                 u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
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
        }

        if (!apn_valid(p.apn) || !*p.napid || !value_valid(p.napid) || !value_valid(p.id) ||
            (p.username && !value_valid(p.username)) || (p.password && !value_valid(p.password)))
                return -EBADMSG;
        profile_names(&p);
        *ret = p;
        return 1;
}

static int profiles_collect(const StoreSetting *rows, size_t n, bool skip_invalid, NmProfileList *ret,
                            unsigned *ret_skipped, char **ret_bad_root) {
        NmProfileList l = {};
        unsigned skipped = 0;
        size_t i = 0;

        while (i < n) {
                size_t j = i + 1;
                NmProfile p;
                int r;

                while (j < n && strcmp(rows[j].root, rows[i].root) == 0)
                        j++;
                r = profile_from_group(rows + i, j - i, &p);
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
        *l = (NmProfileList) {};
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

        if (!apn_valid(p->apn))
                return -EBADMSG;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs("# Written by provboot verifierd from an authenticated OMA CP push.\n"
              "# Changes are overwritten when provboot re-exports; do not edit.\n"
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

bool export_nm_is_ours(int dirfd, const char *name) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        mode_t mode;

        return name_is_ours_pattern(name) && read_ours(dirfd, name, &buf, &len, &mode) == 0;
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
        size_t cap;
} Rows;

static void rows_done(Rows *r) {
        store_setting_list_done(&r->l);
}

static char *dup_or_null(const char *s, bool *oom) {
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *oom = true;
        return d;
}

static int collect_row(const StoreSetting *s, void *userdata) {
        Rows *rows = userdata;
        StoreSetting *it;
        bool oom = false;

        if (rows->l.n == rows->cap) {
                size_t cap = rows->cap ? rows->cap * 2 : 64;
                StoreSetting *a = reallocarray(rows->l.items, cap, sizeof(StoreSetting));

                if (!a)
                        return -ENOMEM;
                rows->l.items = a;
                rows->cap = cap;
        }
        it = &rows->l.items[rows->l.n++];
        *it = *s;
        it->root = dup_or_null(s->root, &oom);
        it->path = dup_or_null(s->path, &oom);
        it->chpath = dup_or_null(s->chpath, &oom);
        it->ctype = dup_or_null(s->ctype, &oom);
        it->parm = dup_or_null(s->parm, &oom);
        it->value = dup_or_null(s->value, &oom);
        /* the SIM binding (store.h StoreDocument): owned like the rest, store_setting_list_done frees it */
        it->modem = dup_or_null(s->modem, &oom);
        it->sim_id = dup_or_null(s->sim_id, &oom);
        it->sim_operator = dup_or_null(s->sim_operator, &oom);
        return oom ? -ENOMEM : 0;
}

int export_nm_rebuild(Store *s, const char *dir, ExportNmStats *stats) {
        _cleanup_(rows_done) Rows rows = {};
        _cleanup_close_ int dirfd = -1;
        _cleanup_(closedirp) DIR *d = NULL;
        ExportNmStats st = {};
        NmProfileList l = {};
        struct dirent *de;
        bool removed_any = false;
        int r, first_err = 0;

        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        /* Roots start with "/NAPDEF" ("/NAPDEF[", "/NAPDEF#"); profiles_collect keeps only real
         * NAPDEF roots (a type like NAPDEFX is dropped there). */
        r = store_foreach_setting(s, "/NAPDEF", collect_row, &rows);
        if (r < 0)
                return r;
        /* Rows were checked before commit; a bad one here (an older build's) is skipped, never
         * rendered. */
        r = profiles_collect(rows.l.items, rows.l.n, true, &l, &st.skipped, NULL);
        if (r < 0)
                return r;

        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *text = NULL;

                r = export_nm_render(&l.items[i], &text);
                if (r >= 0)
                        r = write_file_at(dirfd, l.items[i].filename, text);
                if (r < 0) {
                        if (first_err == 0)
                                first_err = r;
                        continue;
                }
                if (r > 0)
                        st.written++;
                else
                        st.unchanged++;
        }

        /* Remove what is ours and no longer backed by the store, and our leftover temp files
         * (a crash between create and rename). Nothing else is touched. */
        {
                int fd2 = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

                r = fd2 < 0 ? -errno : 0;
                if (fd2 >= 0) {
                        d = fdopendir(fd2);
                        if (!d) {
                                r = -errno;
                                close(fd2);
                        }
                }
        }
        if (!d) {
                export_nm_profile_list_done(&l);
                return r;
        }
        while ((de = readdir(d))) {
                bool wanted = false;
                struct stat sb;

                if (strncmp(de->d_name, EXPORT_NM_TMP_PREFIX, strlen(EXPORT_NM_TMP_PREFIX)) == 0) {
                        if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
                            sb.st_uid == geteuid() && unlinkat(dirfd, de->d_name, 0) == 0) {
                                st.removed++;
                                removed_any = true;
                        }
                        continue;
                }
                if (!name_is_ours_pattern(de->d_name))
                        continue;
                for (size_t i = 0; i < l.n && !wanted; i++)
                        wanted = strcmp(l.items[i].filename, de->d_name) == 0;
                if (wanted || !export_nm_is_ours(dirfd, de->d_name))
                        continue;
                if (unlinkat(dirfd, de->d_name, 0) == 0) {
                        st.removed++;
                        removed_any = true;
                } else if (first_err == 0)
                        first_err = -errno;
        }
        export_nm_profile_list_done(&l);
        if (removed_any && fsync(dirfd) < 0 && first_err == 0)
                first_err = -errno;
        if (stats)
                *stats = st;
        return first_err;
}
