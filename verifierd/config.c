/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: loading verifierd.conf and its drop-ins with systemd's precedence (see config.h),
 * through Debian's inih. The tree walker reads each file whole (bounded), checks line lengths
 * and NUL bytes itself, then feeds inih line by line through its own reader so that every key
 * is reported with its file and line. A load always fills a fresh Config; the caller's current
 * one is replaced only after everything parsed and cross-checked (reload keeps the last good
 * configuration). Library code: returns errors, never logs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <ini.h>

#include "auth.h"
#include "certstore.h"
#include "config.h"
#include "ota-policy.h"
#include "policy.h"

static const char *const network_pin_source_table[_NETWORK_PIN_SOURCE_MAX] = {
        [NETWORK_PIN_SOURCE_OFONO] = "ofono",
        [NETWORK_PIN_SOURCE_MODEMMANAGER] = "modemmanager",
        [NETWORK_PIN_SOURCE_STATIC] = "static",
};

const char *network_pin_source_to_string(NetworkPinSource s) {
        return s >= 0 && s < _NETWORK_PIN_SOURCE_MAX ? network_pin_source_table[s] : NULL;
}

NetworkPinSource network_pin_source_from_string(const char *s) {
        for (int i = 0; s && i < _NETWORK_PIN_SOURCE_MAX; i++)
                if (strcmp(network_pin_source_table[i], s) == 0)
                        return (NetworkPinSource) i;
        return _NETWORK_PIN_SOURCE_INVALID;
}

static void error_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...)
        _printf_(4, 5);
static void error_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;

        if (!err)
                return;
        snprintf(err->file, sizeof err->file, "%s", file ? file : "");
        err->line = line;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
}

const char *config_error_format(const ConfigError *err, char *buf, size_t size) {
        if (!buf || size == 0)
                return buf;
        if (!err)
                snprintf(buf, size, "unknown error");
        else if (err->file[0] && err->line)
                snprintf(buf, size, "%s:%u: %s", err->file, err->line, err->message);
        else if (err->file[0])
                snprintf(buf, size, "%s: %s", err->file, err->message);
        else
                snprintf(buf, size, "%s", err->message);
        return buf;
}

int config_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int config_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        size_t n;

        if (!s)
                return -EINVAL;
        n = strlen(s);
        if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* ---- the tree walker -------------------------------------------------------------------------- */

typedef struct ParseState {
        const char *path;
        const char *buf;        /* whole file, NUL-terminated */
        size_t pos;
        unsigned line;          /* line most recently handed to inih */
        ConfigHandler handler;
        void *userdata;
        int r;                  /* first handler error */
        char msg[CONFIG_ERROR_MESSAGE_MAX];
        unsigned err_line;
} ParseState;

static char *reader(char *str, int num, void *stream) {
        ParseState *st = stream;
        size_t k = 0;

        if (!st->buf[st->pos] || num <= 1)
                return NULL;
        /* one whole line per call: lengths were checked against CONFIG_LINE_MAX before */
        while (st->buf[st->pos] && k < (size_t) num - 1) {
                char ch = st->buf[st->pos++];

                str[k++] = ch;
                if (ch == '\n')
                        break;
        }
        str[k] = '\0';
        st->line++;
        return str;
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value) {
        ParseState *st = user;
        char msg[CONFIG_ERROR_MESSAGE_MAX] = "";
        int r;

        if (st->r < 0)
                return 0;
        if (!section || !section[0]) {
                snprintf(st->msg, sizeof st->msg, "assignment outside of any section");
                st->r = -EINVAL;
                st->err_line = st->line;
                return 0;
        }
        r = st->handler(st->userdata, st->path, st->line, section, name, value ? value : "", msg);
        if (r < 0) {
                snprintf(st->msg, sizeof st->msg, "%s", msg[0] ? msg : "invalid assignment");
                st->r = r;
                st->err_line = st->line;
                return 0;
        }
        return 1;
}

static void ini_setup(void) {
        /* Debian's inih exposes its options as globals; verifierd is the only user in-process. */
        ini_allow_multiline = false;            /* a leading space never continues a value */
        ini_allow_inline_comments = false;      /* systemd: ';' and '#' only start comment lines */
        ini_stop_on_first_error = true;
        ini_allow_no_value = false;
        ini_use_stack = false;
        ini_allow_realloc = false;
        ini_max_line = (int) CONFIG_LINE_MAX + 3; /* + CR, LF, NUL */
        ini_initial_alloc = ini_max_line;        /* the heap buffer inih actually uses */
        ini_allow_bom = true;
}

/* Read a whole file (regular, bounded). Return 0, 1 = masked (empty or /dev/null), -errno. */
static int read_file(const char *path, char **ret, ConfigError *err) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;

                error_set(err, path, 0, "cannot open: %s", strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                int r = -errno;

                error_set(err, path, 0, "cannot stat: %s", strerror(-r));
                return r;
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return 1; /* symlink to /dev/null: masked */
        if (!S_ISREG(st.st_mode)) {
                error_set(err, path, 0, "not a regular file");
                return -EINVAL;
        }
        if ((uint64_t) st.st_size > CONFIG_FILE_SIZE_MAX) {
                error_set(err, path, 0, "file larger than %u bytes", CONFIG_FILE_SIZE_MAX);
                return -E2BIG;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t) st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        error_set(err, path, 0, "read failed: %s", strerror(-r));
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        if (len == 0)
                return 1; /* empty: masks without setting anything */
        if (strlen(buf) != len) {
                error_set(err, path, 0, "file contains a NUL byte");
                return -EINVAL;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}

static int parse_buffer(const char *path, const char *buf, ConfigHandler handler, void *userdata,
                        ConfigError *err) {
        ParseState st = {
                .path = path,
                .buf = buf,
                .handler = handler,
                .userdata = userdata,
        };
        unsigned line = 1;
        size_t col = 0;
        int r;

        for (const char *p = buf; *p; p++) {
                if (col == 0) {
                        /* inih silently truncates section names: refuse them instead */
                        const char *q = p + strspn(p, " \t");

                        if (*q == '[' && strcspn(q + 1, "]\n") > CONFIG_SECTION_MAX) {
                                error_set(err, path, line, "section name longer than %u characters",
                                          CONFIG_SECTION_MAX);
                                return -EINVAL;
                        }
                }
                if (*p == '\n') {
                        line++;
                        col = 0;
                } else if (++col > CONFIG_LINE_MAX) {
                        error_set(err, path, line, "line longer than %u characters", CONFIG_LINE_MAX);
                        return -EINVAL;
                }
        }
        ini_setup();
        r = ini_parse_stream(reader, &st, ini_handler_cb, &st);
        if (st.r < 0) {
                error_set(err, path, st.err_line, "%s", st.msg);
                return st.r;
        }
        if (r == -2)
                return -ENOMEM;
        if (r != 0) {
                error_set(err, path, r > 0 ? (unsigned) r : 0,
                          "syntax error (expected [Section] or Key=Value)");
                return -EINVAL;
        }
        return 0;
}

int config_parse_string(const char *name, const char *text, ConfigHandler handler, void *userdata,
                        ConfigError *err) {
        if (!name || !text || !handler)
                return -EINVAL;
        if (strlen(text) > CONFIG_FILE_SIZE_MAX) {
                error_set(err, name, 0, "text larger than %u bytes", CONFIG_FILE_SIZE_MAX);
                return -E2BIG;
        }
        return parse_buffer(name, text, handler, userdata, err);
}

typedef struct DropIn {
        char *name;
        char *path;
} DropIn;

static int dropin_cmp(const void *a, const void *b) {
        return strcmp(((const DropIn *) a)->name, ((const DropIn *) b)->name);
}

static void dropins_free(DropIn *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(d[i].name);
                free(d[i].path);
        }
        free(d);
}

static bool is_conf_name(const char *n) {
        size_t l = strlen(n);

        return n[0] != '.' && l > 5 && strcmp(n + l - 5, ".conf") == 0;
}

/* Collect <root>/<dir>/<name>.conf; a higher root replaces a lower root's file of the same name. */
static int collect_dropins(const char *const *roots, size_t n_roots, const char *dir, DropIn **ret,
                           size_t *ret_n, ConfigError *err) {
        DropIn *d = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < n_roots; i++) {
                char path[PATH_MAX];
                DIR *dp;
                struct dirent *de;

                if (snprintf(path, sizeof path, "%s/%s", roots[i], dir) >= (int) sizeof path) {
                        error_set(err, roots[i], 0, "path too long");
                        r = -EINVAL;
                        goto fail;
                }
                dp = opendir(path);
                if (!dp) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        r = -errno;
                        error_set(err, path, 0, "cannot open directory: %s", strerror(-r));
                        goto fail;
                }
                while ((de = readdir(dp))) {
                        char fp[PATH_MAX];
                        size_t k;

                        if (!is_conf_name(de->d_name))
                                continue;
                        if (snprintf(fp, sizeof fp, "%s/%s", path, de->d_name) >= (int) sizeof fp)
                                continue;
                        for (k = 0; k < n; k++)
                                if (strcmp(d[k].name, de->d_name) == 0)
                                        break;
                        if (k < n) {
                                /* same name in a higher-priority root masks the earlier one */
                                char *np = strdup(fp);

                                if (!np) {
                                        closedir(dp);
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                free(d[k].path);
                                d[k].path = np;
                                continue;
                        }
                        if (n >= CONFIG_FILES_MAX) {
                                closedir(dp);
                                error_set(err, path, 0, "more than %u drop-ins", CONFIG_FILES_MAX);
                                r = -E2BIG;
                                goto fail;
                        }
                        DropIn *nd = realloc(d, (n + 1) * sizeof(*d));
                        if (!nd) {
                                closedir(dp);
                                r = -ENOMEM;
                                goto fail;
                        }
                        d = nd;
                        d[n].name = strdup(de->d_name);
                        d[n].path = strdup(fp);
                        n++;
                        if (!d[n - 1].name || !d[n - 1].path) {
                                closedir(dp);
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                closedir(dp);
        }
        /* lexical order of the file name, whatever root it came from */
        if (n > 1)
                qsort(d, n, sizeof(*d), dropin_cmp);
        *ret = d;
        *ret_n = n;
        return 0;
fail:
        dropins_free(d, n);
        return r;
}

static int strv_push(char ***l, size_t *n, const char *s) {
        char **nl;

        nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[*n] = strdup(s);
        if (!nl[*n])
                return -ENOMEM;
        (*n)++;
        nl[*n] = NULL;
        return 0;
}

static void strv_free(char **l) {
        for (size_t i = 0; l && l[i]; i++)
                free(l[i]);
        free(l);
}

static int apply_file(const char *path, ConfigHandler handler, void *userdata, char ***files,
                      size_t *n_files, ConfigError *err) {
        _cleanup_free_ char *buf = NULL;
        int r;

        r = read_file(path, &buf, err);
        if (r < 0)
                return r;
        if (r > 0)
                return 0; /* masked */
        r = parse_buffer(path, buf, handler, userdata, err);
        if (r < 0)
                return r;
        return strv_push(files, n_files, path);
}

int config_parse_tree(const char *const *roots, size_t n_roots, const char *main_name,
                      const char *dropin_dir, ConfigHandler handler, void *userdata, char ***ret_files,
                      size_t *ret_n_files, ConfigError *err) {
        char **files = NULL;
        size_t n_files = 0, n_dropins = 0;
        DropIn *dropins = NULL;
        int r = 0;

        if (!roots || n_roots == 0 || n_roots > CONFIG_ROOTS_MAX || !dropin_dir || !handler)
                return -EINVAL;
        for (size_t i = 0; i < n_roots; i++)
                if (!roots[i] || !roots[i][0])
                        return -EINVAL;

        if (main_name) {
                /* the main file: the highest-priority root that has one; it masks the others */
                for (size_t i = n_roots; i-- > 0;) {
                        char path[PATH_MAX];

                        if (snprintf(path, sizeof path, "%s/%s", roots[i], main_name) >= (int) sizeof path) {
                                error_set(err, roots[i], 0, "path too long");
                                r = -EINVAL;
                                goto out;
                        }
                        if (access(path, F_OK) < 0) {
                                if (errno == ENOENT || errno == ENOTDIR)
                                        continue;
                                r = -errno;
                                error_set(err, path, 0, "cannot access: %s", strerror(-r));
                                goto out;
                        }
                        r = apply_file(path, handler, userdata, &files, &n_files, err);
                        if (r < 0)
                                goto out;
                        break;
                }
        }

        r = collect_dropins(roots, n_roots, dropin_dir, &dropins, &n_dropins, err);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < n_dropins; i++) {
                r = apply_file(dropins[i].path, handler, userdata, &files, &n_files, err);
                if (r < 0)
                        goto out;
        }
        if (ret_files) {
                if (!files) {
                        files = calloc(1, sizeof(char *));
                        if (!files) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
                *ret_files = TAKE_PTR(files);
        }
        if (ret_n_files)
                *ret_n_files = n_files;
        r = 0;
out:
        dropins_free(dropins, n_dropins);
        strv_free(files);
        return r;
}

/* ---- verifierd.conf ---------------------------------------------------------------------------- */

static const char *const sec_key_suffix[_WSP_SEC_MAX] = {
        [WSP_SEC_NETWPIN] = "NetworkPin",
        [WSP_SEC_USERPIN] = "UserPin",
        [WSP_SEC_USERNETWPIN] = "UserNetworkPin",
        [WSP_SEC_USERPINMAC] = "UserPinMac",
};

static void config_set_defaults(Config *c) {
        c->bootstrap_enabled = false;   /* OTA bootstrap is off until a drop-in enables it */
        c->bootstrap_once = false;
        c->policy_locked = 0;
        c->confirm_network_pin = true;  /* the IMSI is no secret (Check Point 2019) */
        c->network_pin_source = NETWORK_PIN_SOURCE_OFONO;
        c->imsi = secret_free(c->imsi);
        c->export_ofono_contexts = false;
        c->export_mmsd = false;
        c->grant_manager = 0;
        c->grant_user_auth = 0;
        c->accept_unauthenticated = false;
        for (int i = 0; i < _WSP_SEC_MAX; i++)
                c->accept_sec[i] = true;
        c->pin_attempts = CONFIG_DEFAULT_PIN_ATTEMPTS;
        c->pending_max = CONFIG_DEFAULT_PENDING_MAX;
        c->pending_expiry_sec = CONFIG_DEFAULT_PENDING_EXPIRY_SEC;
        c->unverified_pending_max = CONFIG_DEFAULT_UNVERIFIED_PENDING_MAX;
        c->unverified_pending_per_sender = CONFIG_DEFAULT_UNVERIFIED_PENDING_PER_SENDER;
        c->unverified_pending_expiry_sec = CONFIG_DEFAULT_UNVERIFIED_PENDING_EXPIRY_SEC;
        c->roles_unauthenticated = ROLES_DEFAULT_UNAUTHENTICATED;
        c->roles_sec[WSP_SEC_NETWPIN] = ROLES_DEFAULT_NETWPIN;
        c->roles_sec[WSP_SEC_USERPIN] = ROLES_DEFAULT_USERPIN;
        c->roles_sec[WSP_SEC_USERNETWPIN] = ROLES_DEFAULT_USERNETWPIN;
        c->roles_sec[WSP_SEC_USERPINMAC] = ROLES_DEFAULT_USERPINMAC;
        c->history_max = CONFIG_DEFAULT_HISTORY_MAX;
        c->history_max_age_sec = CONFIG_DEFAULT_HISTORY_MAX_AGE_SEC;
        c->replay_digests_max = CONFIG_DEFAULT_REPLAY_DIGESTS_MAX;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        secret_free(c->imsi);
        free(c->nm_dir);
        metabase_free(c->metabase);
        certstore_admin_free(c->certs);
        strv_free(c->files);
        for (size_t i = 0; i < c->n_file_keys; i++)
                free(c->file_keys[i]);
        free(c->file_keys);
        free(c);
        return NULL;
}

static int config_alloc(Config **ret) {
        Config *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        config_set_defaults(c);
        c->nm_dir = strdup(CONFIG_DEFAULT_NM_DIR);
        if (!c->nm_dir) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int config_new_default(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = config_alloc(&c);
        if (r < 0)
                return r;
        r = metabase_new_default(&c->metabase);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

typedef struct LoadState {
        Config *c;
        char imsi_file[PATH_MAX];
        unsigned imsi_line;
        char source_file[PATH_MAX];
        unsigned source_line;
} LoadState;

static int set_bool(bool *field, bool def, const char *value, const char *key, char *msg) {
        if (!value[0]) {
                *field = def;
                return 0;
        }
        if (config_parse_bool(value, field) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "%s= expects yes or no, not '%.64s'", key, value);
                return -EINVAL;
        }
        return 0;
}

static int set_roles(uint32_t *field, uint32_t def, const char *value, const char *key, char *msg) {
        if (!value[0]) {
                *field = def;
                return 0;
        }
        if (roles_parse(value, field) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                         "%s= expects a role mask (decimal, or role names), not '%.64s'", key, value);
                return -EINVAL;
        }
        return 0;
}

static int set_uint(uint64_t *field, uint64_t def, uint64_t min, uint64_t max, const char *value,
                    const char *key, char *msg) {
        if (!value[0]) {
                *field = def;
                return 0;
        }
        if (config_parse_uint(value, min, max, field) < 0) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "%s= expects a number in %llu..%llu, not '%.64s'",
                         key, (unsigned long long) min, (unsigned long long) max, value);
                return -EINVAL;
        }
        return 0;
}

/* Locked=: space-separated names of keys the over-the-air layer may not change (ota-policy.h).
 * Each name is checked against that fixed list; "" unlocks everything. */
static int set_locked(uint32_t *field, const char *value, char *msg) {
        uint32_t mask = 0;

        for (const char *p = value;;) {
                char name[64];
                size_t len;
                OtaKey k;

                p += strspn(p, " \t");
                if (!*p)
                        break;
                len = strcspn(p, " \t");
                if (len >= sizeof name) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "Locked= names an unknown key '%.64s'", p);
                        return -EINVAL;
                }
                memcpy(name, p, len);
                name[len] = '\0';
                k = ota_key_from_string(name);
                if (k < 0) {
                        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                 "Locked= names '%.64s', not a key the over-the-air policy can set", name);
                        return -EINVAL;
                }
                mask |= 1U << k;
                p += len;
        }
        *field = mask;
        return 0;
}

static int config_handler_one(LoadState *ls, const char *file, unsigned line, const char *section,
                              const char *key, const char *value, char *msg);

/* Remember "Section.Key" as set by a file (or forget it on "Key="), for ota_policy_source. */
static int note_file_key(Config *c, const char *section, const char *key, bool set) {
        _cleanup_free_ char *name = NULL;
        char **n;

        if (asprintf(&name, "%s.%s", section, key) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_file_keys; i++)
                if (strcmp(c->file_keys[i], name) == 0) {
                        if (!set) {
                                free(c->file_keys[i]);
                                c->file_keys[i] = c->file_keys[--c->n_file_keys];
                        }
                        return 0;
                }
        if (!set)
                return 0;
        n = reallocarray(c->file_keys, c->n_file_keys + 1, sizeof(char *));
        if (!n)
                return -ENOMEM;
        c->file_keys = n;
        c->file_keys[c->n_file_keys++] = TAKE_PTR(name);
        return 0;
}

static int config_handler(void *userdata, const char *file, unsigned line, const char *section,
                          const char *key, const char *value, char *msg) {
        LoadState *ls = userdata;
        int r;

        r = config_handler_one(ls, file, line, section, key, value, msg);
        if (r < 0)
                return r;
        r = note_file_key(ls->c, section, key, value[0] != '\0');
        if (r < 0)
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "out of memory");
        return r;
}

static int config_handler_one(LoadState *ls, const char *file, unsigned line, const char *section,
                              const char *key, const char *value, char *msg) {
        Config *c = ls->c;
        uint64_t u;
        int r;

        if (strcmp(section, "Bootstrap") == 0) {
                if (strcmp(key, "Enabled") == 0) {
                        /* once: open until the first applied BOOTSTRAP (ota-policy.h) */
                        c->bootstrap_once = strcmp(value, "once") == 0;
                        if (c->bootstrap_once) {
                                c->bootstrap_enabled = true;
                                return 0;
                        }
                        r = set_bool(&c->bootstrap_enabled, false, value, key, msg);
                        if (r < 0)
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                         "Enabled= expects yes, no or once, not '%.64s'", value);
                        return r;
                }
                if (strcmp(key, "ConfirmNetworkPin") == 0)
                        return set_bool(&c->confirm_network_pin, true, value, key, msg);
        } else if (strcmp(section, "NetworkPin") == 0) {
                if (strcmp(key, "Source") == 0) {
                        NetworkPinSource s = value[0] ? network_pin_source_from_string(value)
                                                      : NETWORK_PIN_SOURCE_OFONO;

                        if (s < 0) {
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                         "Source= expects ofono, modemmanager or static, not '%.64s'",
                                         value);
                                return -EINVAL;
                        }
                        c->network_pin_source = s;
                        snprintf(ls->source_file, sizeof ls->source_file, "%s", file);
                        ls->source_line = line;
                        return 0;
                }
                if (strcmp(key, "Imsi") == 0) {
                        Secret *s = NULL;

                        /* the value is never echoed into a message: it is held as a secret */
                        if (!value[0]) {
                                c->imsi = secret_free(c->imsi);
                                ls->imsi_line = 0;
                                return 0;
                        }
                        if (auth_imsi_check(value, strlen(value)) < 0) {
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                         "Imsi= expects %u to %u decimal digits", AUTH_IMSI_DIGITS_MIN,
                                         AUTH_IMSI_DIGITS_MAX);
                                return -EINVAL;
                        }
                        r = secret_new_from_string(value, &s);
                        if (r < 0) {
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "out of memory");
                                return r;
                        }
                        secret_free(c->imsi);
                        c->imsi = s;
                        snprintf(ls->imsi_file, sizeof ls->imsi_file, "%s", file);
                        ls->imsi_line = line;
                        return 0;
                }
        } else if (strcmp(section, "Export") == 0) {
                if (strcmp(key, "NetworkManagerDir") == 0) {
                        char *d;

                        if (value[0] &&
                            (value[0] != '/' || strlen(value) >= PATH_MAX || strstr(value, "/../") ||
                             (strlen(value) >= 3 && strcmp(value + strlen(value) - 3, "/..") == 0))) {
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                         "NetworkManagerDir= expects an absolute directory without '..', "
                                         "not '%.64s'",
                                         value);
                                return -EINVAL;
                        }
                        d = strdup(value[0] ? value : CONFIG_DEFAULT_NM_DIR);
                        if (!d)
                                return -ENOMEM;
                        free(c->nm_dir);
                        c->nm_dir = d;
                        return 0;
                }
                if (strcmp(key, "OfonoContexts") == 0)
                        return set_bool(&c->export_ofono_contexts, false, value, key, msg);
                if (strcmp(key, "Mmsd") == 0)
                        return set_bool(&c->export_mmsd, false, value, key, msg);
        } else if (strcmp(section, "Policy") == 0) {
                if (strcmp(key, "GrantManager") == 0)
                        return set_roles(&c->grant_manager, 0, value, key, msg);
                if (strcmp(key, "GrantUserAuthenticated") == 0)
                        return set_roles(&c->grant_user_auth, 0, value, key, msg);
                if (strcmp(key, "AcceptUnauthenticated") == 0)
                        return set_bool(&c->accept_unauthenticated, false, value, key, msg);
                if (strcmp(key, "Locked") == 0)
                        return set_locked(&c->policy_locked, value, msg);
                for (int i = 0; i < _WSP_SEC_MAX; i++)
                        if (strncmp(key, "Accept", 6) == 0 && strcmp(key + 6, sec_key_suffix[i]) == 0)
                                return set_bool(&c->accept_sec[i], true, value, key, msg);
                if (strcmp(key, "PinAttempts") == 0) {
                        r = set_uint(&u, CONFIG_DEFAULT_PIN_ATTEMPTS, 1, CONFIG_PIN_ATTEMPTS_MAX, value, key,
                                     msg);
                        if (r >= 0)
                                c->pin_attempts = (unsigned) u;
                        return r;
                }
                if (strcmp(key, "MaxPendingPushes") == 0) {
                        r = set_uint(&u, CONFIG_DEFAULT_PENDING_MAX, 1, CONFIG_PENDING_MAX_MAX, value, key,
                                     msg);
                        if (r >= 0)
                                c->pending_max = (unsigned) u;
                        return r;
                }
                if (strcmp(key, "PendingExpirySec") == 0)
                        return set_uint(&c->pending_expiry_sec, CONFIG_DEFAULT_PENDING_EXPIRY_SEC,
                                        CONFIG_PENDING_EXPIRY_SEC_MIN, CONFIG_PENDING_EXPIRY_SEC_MAX, value,
                                        key, msg);
                if (strcmp(key, "MaxUnverifiedPending") == 0) {
                        r = set_uint(&u, CONFIG_DEFAULT_UNVERIFIED_PENDING_MAX, 1, CONFIG_PENDING_MAX_MAX, value,
                                     key, msg);
                        if (r >= 0)
                                c->unverified_pending_max = (unsigned) u;
                        return r;
                }
                if (strcmp(key, "MaxUnverifiedPendingPerSender") == 0) {
                        r = set_uint(&u, CONFIG_DEFAULT_UNVERIFIED_PENDING_PER_SENDER, 1, CONFIG_PENDING_MAX_MAX,
                                     value, key, msg);
                        if (r >= 0)
                                c->unverified_pending_per_sender = (unsigned) u;
                        return r;
                }
                if (strcmp(key, "UnverifiedPendingExpirySec") == 0)
                        return set_uint(&c->unverified_pending_expiry_sec,
                                        CONFIG_DEFAULT_UNVERIFIED_PENDING_EXPIRY_SEC, CONFIG_PENDING_EXPIRY_SEC_MIN,
                                        CONFIG_PENDING_EXPIRY_SEC_MAX, value, key, msg);
        } else if (strcmp(section, "Roles") == 0) {
                static const uint32_t defaults[_WSP_SEC_MAX] = {
                        [WSP_SEC_NETWPIN] = ROLES_DEFAULT_NETWPIN,
                        [WSP_SEC_USERPIN] = ROLES_DEFAULT_USERPIN,
                        [WSP_SEC_USERNETWPIN] = ROLES_DEFAULT_USERNETWPIN,
                        [WSP_SEC_USERPINMAC] = ROLES_DEFAULT_USERPINMAC,
                };

                if (strcmp(key, "Unauthenticated") == 0)
                        return set_roles(&c->roles_unauthenticated, ROLES_DEFAULT_UNAUTHENTICATED, value,
                                         key, msg);
                for (int i = 0; i < _WSP_SEC_MAX; i++)
                        if (strcmp(key, sec_key_suffix[i]) == 0)
                                return set_roles(&c->roles_sec[i], defaults[i], value, key, msg);
        } else if (strcmp(section, "Store") == 0) {
                if (strcmp(key, "HistoryMax") == 0)
                        return set_uint(&c->history_max, CONFIG_DEFAULT_HISTORY_MAX, CONFIG_HISTORY_MAX_MIN,
                                        CONFIG_HISTORY_MAX_MAX, value, key, msg);
                if (strcmp(key, "HistoryMaxAgeSec") == 0) {
                        if (strcmp(value, "0") == 0) { /* no age limit (the count limit still holds) */
                                c->history_max_age_sec = 0;
                                return 0;
                        }
                        r = set_uint(&c->history_max_age_sec, CONFIG_DEFAULT_HISTORY_MAX_AGE_SEC,
                                     CONFIG_HISTORY_MAX_AGE_SEC_MIN, CONFIG_HISTORY_MAX_AGE_SEC_MAX, value, key, msg);
                        if (r < 0)
                                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX,
                                         "HistoryMaxAgeSec= expects 0 or a number in %u..%u, not '%.64s'",
                                         CONFIG_HISTORY_MAX_AGE_SEC_MIN, CONFIG_HISTORY_MAX_AGE_SEC_MAX, value);
                        return r;
                }
                if (strcmp(key, "ReplayDigestsMax") == 0)
                        return set_uint(&c->replay_digests_max, CONFIG_DEFAULT_REPLAY_DIGESTS_MAX,
                                        CONFIG_REPLAY_DIGESTS_MAX_MIN, CONFIG_REPLAY_DIGESTS_MAX_MAX, value, key,
                                        msg);
        } else {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "unknown section [%.64s]", section);
                return -EINVAL;
        }
        snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "unknown key '%.64s' in section [%s]", key, section);
        return -EINVAL;
}

int config_load_roots(const char *const *roots, size_t n_roots, Config **ret, ConfigError *err) {
        _cleanup_(config_freep) Config *c = NULL;
        LoadState ls = {};
        int r;

        if (!ret || !roots || n_roots == 0 || n_roots > CONFIG_ROOTS_MAX)
                return -EINVAL;
        if (err)
                memset(err, 0, sizeof(*err));
        r = config_alloc(&c);
        if (r < 0)
                return r;
        ls.c = c;
        r = config_parse_tree(roots, n_roots, CONFIG_MAIN_FILE, CONFIG_DROPIN_DIR, config_handler, &ls,
                              &c->files, &c->n_files, err);
        if (r < 0)
                return r;
        /* cross-checks over the merged result, reported where the offending key was set */
        if (c->imsi && c->network_pin_source != NETWORK_PIN_SOURCE_STATIC) {
                error_set(err, ls.imsi_file, ls.imsi_line, "Imsi= is only valid with Source=static");
                return -EINVAL;
        }
        if (!c->imsi && c->network_pin_source == NETWORK_PIN_SOURCE_STATIC) {
                error_set(err, ls.source_file, ls.source_line, "Source=static needs Imsi=");
                return -EINVAL;
        }
        r = metabase_load_roots(roots, n_roots, &c->metabase, err);
        if (r < 0)
                return r;
        r = certstore_admin_load(roots, n_roots, &c->certs, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *config_dir, Config **ret, ConfigError *err) {
        static const char *const system_roots[] = {
                CONFIG_SYSTEM_ROOT_USRLIB,
                CONFIG_SYSTEM_ROOT_RUN,
                CONFIG_SYSTEM_ROOT_ETC,
        };

        if (config_dir)
                return config_load_roots(&config_dir, 1, ret, err);
        return config_load_roots(system_roots, ELEMENTSOF(system_roots), ret, err);
}

/* Hand over a freshly loaded Config; on failure *c is untouched: the last good one stays. */
static int reload_with(Config **c, int r, Config *n) {
        if (r < 0)
                return r;
        config_free(*c);
        *c = n;
        return 0;
}

int config_reload_roots(Config **c, const char *const *roots, size_t n_roots, ConfigError *err) {
        Config *n = NULL;
        int r;

        if (!c)
                return -EINVAL;
        r = config_load_roots(roots, n_roots, &n, err);
        return reload_with(c, r, n);
}

int config_reload(Config **c, const char *config_dir, ConfigError *err) {
        Config *n = NULL;
        int r;

        if (!c)
                return -EINVAL;
        r = config_load(config_dir, &n, err);
        return reload_with(c, r, n);
}
