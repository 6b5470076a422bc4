/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf.c: the configuration file tree, its tokenizer and the key table (rules in conf.h). The
 * walker reads each file whole (bounded by CONFIG_FILE_SIZE_MAX), refuses NUL bytes, and hands
 * every assignment with its file and line to a handler; config_table_*() is the handler both
 * daemons use for their main file and drop-ins. Files are administrator input (root-owned
 * directories): they are trusted to say what the administrator wants, not to be well-formed,
 * so every length is bounded here and every value is checked before it is stored.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conf.h"
#include "macros.h"

_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "CONFIG_TYPE_UINT stores 4-byte fields as uint32_t");

void config_error_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...) {
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

/* The boolean rule: systemd's parse_boolean() (src/basic/parse-util.c), case-insensitive. */
int config_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s || !ret)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

/* The integer rule: decimal digits, no sign, no blanks, no leading zero but in "0" itself (so
 * "010" is neither 10 nor octal 8: it is refused), at most CONFIG_UINT_DIGITS_MAX digits. */
int config_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        size_t n;

        if (!s || !ret)
                return -EINVAL;
        n = strlen(s);
        if (n == 0 || n > CONFIG_UINT_DIGITS_MAX || (n > 1 && s[0] == '0'))
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

/* ---- the tokenizer ------------------------------------------------------------------------------ */

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *strip(char *s) {
        char *e;

        while (is_blank(*s))
                s++;
        e = s + strlen(s);
        while (e > s && is_blank(e[-1]))
                *--e = '\0';
        return s;
}

#define SYNTAX_ERROR "syntax error (expected [Section] or Key=Value)"

static int parse_buffer(const char *path, const char *buf, ConfigHandler handler, void *userdata,
                        ConfigError *err) {
        char line[CONFIG_LINE_MAX + 1], section[CONFIG_SECTION_MAX + 1] = "";
        bool have_section = false;
        unsigned lineno = 0;
        const char *p = buf;

        if (strncmp(p, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte order mark */
                p += 3;
        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                char msg[CONFIG_ERROR_MESSAGE_MAX] = "", *s, *eq, *key, *value;
                int r;

                lineno++;
                if (len > CONFIG_LINE_MAX) {
                        config_error_set(err, path, lineno, "line longer than %u characters", CONFIG_LINE_MAX);
                        return -EINVAL;
                }
                memcpy(line, p, len);
                line[len] = '\0';
                p += len + (nl ? 1 : 0);

                s = strip(line);
                if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
                        continue;
                if (s[0] == '[') {
                        size_t n = strcspn(s + 1, "]");

                        if (n > CONFIG_SECTION_MAX) {
                                config_error_set(err, path, lineno, "section name longer than %u characters",
                                          CONFIG_SECTION_MAX);
                                return -EINVAL;
                        }
                        if (s[1 + n] != ']' || s[2 + n] != '\0') {
                                config_error_set(err, path, lineno, SYNTAX_ERROR);
                                return -EINVAL;
                        }
                        memcpy(section, s + 1, n);
                        section[n] = '\0';
                        have_section = true;
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        config_error_set(err, path, lineno, SYNTAX_ERROR);
                        return -EINVAL;
                }
                *eq = '\0';
                key = strip(s);
                value = strip(eq + 1);
                if (key[0] == '\0') {
                        config_error_set(err, path, lineno, SYNTAX_ERROR);
                        return -EINVAL;
                }
                if (!have_section) {
                        config_error_set(err, path, lineno, "assignment outside of any section");
                        return -EINVAL;
                }
                r = handler(userdata, path, lineno, section, key, value, msg);
                if (r < 0) {
                        config_error_set(err, path, lineno, "%s", msg[0] ? msg : "invalid assignment");
                        return r;
                }
        }
        return 0;
}

int config_parse_string(const char *name, const char *text, ConfigHandler handler, void *userdata,
                        ConfigError *err) {
        if (!name || !text || !handler)
                return -EINVAL;
        if (strlen(text) > CONFIG_FILE_SIZE_MAX) {
                config_error_set(err, name, 0, "text larger than %u bytes", CONFIG_FILE_SIZE_MAX);
                return -E2BIG;
        }
        return parse_buffer(name, text, handler, userdata, err);
}

/* ---- the tree walker ---------------------------------------------------------------------------- */

/* Read a whole file (regular, bounded). Return 0, 1 = masked (empty or /dev/null), -errno. */
static int read_file(const char *path, char **ret, ConfigError *err) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;

                config_error_set(err, path, 0, "cannot open: %s", strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                int r = -errno;

                config_error_set(err, path, 0, "cannot stat: %s", strerror(-r));
                return r;
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return 1; /* symlink to /dev/null: masked */
        if (!S_ISREG(st.st_mode)) {
                config_error_set(err, path, 0, "not a regular file");
                return -EINVAL;
        }
        if ((uint64_t) st.st_size > CONFIG_FILE_SIZE_MAX) {
                config_error_set(err, path, 0, "file larger than %u bytes", CONFIG_FILE_SIZE_MAX);
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

                        config_error_set(err, path, 0, "read failed: %s", strerror(-r));
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
                config_error_set(err, path, 0, "file contains a NUL byte");
                return -EINVAL;
        }
        *ret = TAKE_PTR(buf);
        return 0;
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

/* Collect <root>/<dir>/<name>.conf, roots lowest priority first: a higher root replaces a lower
 * root's file of the same name (the mask); then sort by name, whatever root each came from. */
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
                        config_error_set(err, roots[i], 0, "path too long");
                        r = -EINVAL;
                        goto fail;
                }
                dp = opendir(path);
                if (!dp) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        r = -errno;
                        config_error_set(err, path, 0, "cannot open directory: %s", strerror(-r));
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
                                config_error_set(err, path, 0, "more than %u drop-ins", CONFIG_FILES_MAX);
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

void config_strv_free(char **l) {
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
                                config_error_set(err, roots[i], 0, "path too long");
                                r = -EINVAL;
                                goto out;
                        }
                        if (access(path, F_OK) < 0) {
                                if (errno == ENOENT || errno == ENOTDIR)
                                        continue;
                                r = -errno;
                                config_error_set(err, path, 0, "cannot access: %s", strerror(-r));
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
        config_strv_free(files);
        return r;
}

/* ---- the key table ------------------------------------------------------------------------------ */

/* A value quoted in a message: printable ASCII as is, anything else (and the quote and backslash)
 * as \xNN, cut at CONFIG_ESCAPE_INPUT_MAX bytes: file contents never reach a log raw. */
const char *config_escape(const char *s, char *buf, size_t size) {
        size_t o = 0, i;

        if (size == 0)
                return buf;
        for (i = 0; i < CONFIG_ESCAPE_INPUT_MAX && s[i] && o + 5 < size; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
                        o += (size_t) snprintf(buf + o, size - o, "\\x%02x", c);
                else
                        buf[o++] = (char) c;
        }
        buf[o] = '\0';
        if (s[i] && o + 4 <= size)
                strcpy(buf + o, "...");
        return buf;
}


/* A handler's message (CONFIG_ERROR_MESSAGE_MAX bytes): cut, never overrun, when too long. */
static void msg_set(char *msg, const char *fmt, ...) _printf_(2, 3);
static void msg_set(char *msg, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, CONFIG_ERROR_MESSAGE_MAX, fmt, ap);
        va_end(ap);
}

static void *key_field(const ConfigKey *k, const void *obj) {
        return (uint8_t *) obj + k->offset;
}

static void uint_store(const ConfigKey *k, void *field, uint64_t v) {
        if (k->size == sizeof(uint32_t))
                *(uint32_t *) field = (uint32_t) v;
        else
                *(uint64_t *) field = v;
}

static uint64_t uint_load(const ConfigKey *k, const void *field) {
        return k->size == sizeof(uint32_t) ? *(const uint32_t *) field : *(const uint64_t *) field;
}

int config_key_reset(const ConfigKey *k, void *field) {
        char *d;

        switch (k->type) {
        case CONFIG_TYPE_BOOL:
                *(bool *) field = k->def;
                return 0;
        case CONFIG_TYPE_UINT:
                uint_store(k, field, k->def);
                return 0;
        case CONFIG_TYPE_ENUM:
                *(int *) field = (int) k->def;
                return 0;
        case CONFIG_TYPE_DIR:
                d = strdup(k->def_str);
                if (!d)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = d;
                return 0;
        case CONFIG_TYPE_CUSTOM:
                break;
        }
        return -EINVAL;
}

int config_table_defaults(const ConfigTable *t, void *obj) {
        for (size_t i = 0; i < t->n_keys; i++) {
                const ConfigKey *k = &t->keys[i];
                char msg[CONFIG_ERROR_MESSAGE_MAX];
                int r;

                if (k->type == CONFIG_TYPE_CUSTOM)
                        r = k->parse(k, key_field(k, obj), "", NULL, 0, NULL, msg);
                else
                        r = config_key_reset(k, key_field(k, obj));
                if (r < 0)
                        return r;
        }
        return 0;
}

void config_table_free(const ConfigTable *t, void *obj) {
        if (!obj)
                return;
        for (size_t i = 0; i < t->n_keys; i++)
                if (t->keys[i].type == CONFIG_TYPE_DIR) {
                        char **p = key_field(&t->keys[i], obj);

                        free(*p);
                        *p = NULL;
                }
}

const ConfigKey *config_table_find(const ConfigTable *t, const char *section, const char *name) {
        for (size_t i = 0; i < t->n_keys; i++)
                if (strcmp(t->keys[i].section, section) == 0 && strcmp(t->keys[i].name, name) == 0)
                        return &t->keys[i];
        return NULL;
}

static bool section_known(const ConfigTable *t, const char *section) {
        for (size_t i = 0; i < t->n_keys; i++)
                if (strcmp(t->keys[i].section, section) == 0)
                        return true;
        return false;
}

static bool dir_ok(const char *v) {
        size_t n = strlen(v);

        /* absolute, and no ".." component that could lead out of the directory named */
        return v[0] == '/' && n < PATH_MAX && !strstr(v, "/../") &&
               !(n >= 3 && strcmp(v + n - 3, "/..") == 0);
}

static int assign_typed(const ConfigKey *k, void *field, const char *value, char *msg) {
        char q[CONFIG_ESCAPE_SIZE];
        uint64_t u;
        bool b;

        switch (k->type) {
        case CONFIG_TYPE_BOOL:
                if (config_parse_bool(value, &b) < 0)
                        break;
                *(bool *) field = b;
                return 0;
        case CONFIG_TYPE_UINT:
                if ((k->flags & CONFIG_KEY_ZERO_OK) && strcmp(value, "0") == 0) {
                        uint_store(k, field, 0);
                        return 0;
                }
                if (config_parse_uint(value, k->min, k->max, &u) < 0) {
                        msg_set(msg,
                                 "%s= expects %sa number in %" PRIu64 "..%" PRIu64 ", not '%s'", k->name,
                                 k->flags & CONFIG_KEY_ZERO_OK ? "0 or " : "", k->min, k->max,
                                 config_escape(value, q, sizeof q));
                        return -EINVAL;
                }
                uint_store(k, field, u);
                return 0;
        case CONFIG_TYPE_ENUM:
                for (int i = 0; k->names[i]; i++)
                        if (strcmp(k->names[i], value) == 0) {
                                *(int *) field = i;
                                return 0;
                        }
                {
                        char list[CONFIG_ERROR_MESSAGE_MAX] = "";
                        size_t o = 0;

                        /* "a, b or c" */
                        for (int i = 0; k->names[i] && o < sizeof list; i++) {
                                int n = snprintf(list + o, sizeof list - o, "%s%s",
                                                 i == 0 ? "" : k->names[i + 1] ? ", " : " or ", k->names[i]);

                                if (n < 0)
                                        break;
                                o += (size_t) n;
                        }
                        msg_set(msg, "%s= expects %s, not '%s'", k->name, list, config_escape(value, q, sizeof q));
                }
                return -EINVAL;
        case CONFIG_TYPE_DIR: {
                char *d;

                if (!dir_ok(value)) {
                        msg_set(msg,
                                 "%s= expects an absolute directory without '..', not '%s'", k->name,
                                 config_escape(value, q, sizeof q));
                        return -EINVAL;
                }
                d = strdup(value);
                if (!d)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = d;
                return 0;
        }
        case CONFIG_TYPE_CUSTOM:
                return -EINVAL;
        }
        msg_set(msg, "%s= expects yes or no, not '%s'", k->name,
                 config_escape(value, q, sizeof q));
        return -EINVAL;
}

int config_table_assign(const ConfigTable *t, void *obj, const char *file, unsigned line,
                        const char *section, const char *key, const char *value, void *userdata, char *msg) {
        const ConfigKey *k = config_table_find(t, section, key);
        char q1[CONFIG_ESCAPE_SIZE], q2[CONFIG_ESCAPE_SIZE];
        void *field;
        int r;

        if (!k) {
                if (!section_known(t, section))
                        msg_set(msg, "unknown section [%s]",
                                 config_escape(section, q1, sizeof q1));
                else
                        msg_set(msg, "unknown key '%s' in section [%s]",
                                 config_escape(key, q1, sizeof q1), config_escape(section, q2, sizeof q2));
                return -EINVAL;
        }
        field = key_field(k, obj);
        if (k->parse)
                r = k->parse(k, field, value, file, line, userdata, msg);
        else if (value[0] == '\0')
                r = config_key_reset(k, field);
        else
                r = assign_typed(k, field, value, msg);
        if (r == -EINVAL && !k->parse && (k->flags & CONFIG_KEY_SECRET))
                /* a secret's value is never echoed (a key's own parser words its message itself) */
                msg_set(msg, "%s= has a bad value", k->name);
        return r;
}

typedef struct TableLoad {
        const ConfigTable *t;
        void *obj;
        void *userdata;
} TableLoad;

static int table_handler(void *userdata, const char *file, unsigned line, const char *section,
                         const char *key, const char *value, char *msg) {
        TableLoad *tl = userdata;

        return config_table_assign(tl->t, tl->obj, file, line, section, key, value, tl->userdata, msg);
}

int config_table_load(const ConfigTable *t, const char *const *roots, size_t n_roots, void *obj,
                      void *userdata, char ***ret_files, size_t *ret_n_files, ConfigError *err) {
        TableLoad tl = { .t = t, .obj = obj, .userdata = userdata };
        int r;

        if (!t || !obj)
                return -EINVAL;
        r = config_table_defaults(t, obj);
        if (r < 0)
                return r;
        return config_parse_tree(roots, n_roots, t->main_name, t->dropin_dir, table_handler, &tl, ret_files,
                                 ret_n_files, err);
}

int config_table_dump(const ConfigTable *t, const void *obj, ConfigDumpFn fn, void *userdata) {
        for (size_t i = 0; i < t->n_keys; i++) {
                const ConfigKey *k = &t->keys[i];
                const void *field = key_field(k, obj);
                char name[128], num[32];
                const char *v = NULL;
                int r;

                if (k->type == CONFIG_TYPE_CUSTOM || (k->flags & (CONFIG_KEY_NO_DUMP | CONFIG_KEY_SECRET)))
                        continue;
                switch (k->type) {
                case CONFIG_TYPE_BOOL:
                        v = *(const bool *) field ? "yes" : "no";
                        break;
                case CONFIG_TYPE_UINT:
                        snprintf(num, sizeof num, "%" PRIu64, uint_load(k, field));
                        v = num;
                        break;
                case CONFIG_TYPE_ENUM: {
                        int e = *(const int *) field;

                        v = "";
                        for (int j = 0; k->names[j]; j++)
                                if (j == e)
                                        v = k->names[j];
                        break;
                }
                case CONFIG_TYPE_DIR:
                        v = *(char *const *) field ? *(char *const *) field : "";
                        break;
                case CONFIG_TYPE_CUSTOM:
                        break;
                }
                snprintf(name, sizeof name, "%s.%s", k->section, k->name);
                r = fn(name, v, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
