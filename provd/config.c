/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: provd.conf and its drop-ins (rules in config.h). A table names every key with its
 * range; one loop parses lines against it. Daemon code: errors are logged here with the file
 * and line, and the values quoted and escaped.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "macros.h"
#include "sms.h"

typedef enum KeyKind {
        KEY_UNSIGNED,
        KEY_SIZE,
        KEY_BOOL,
} KeyKind;

typedef struct ConfigKey {
        const char *section;
        const char *name;
        KeyKind kind;
        unsigned long min, max;
        size_t offset;
} ConfigKey;

#define KEY(sec, nm, kd, lo, hi, field) \
        { .section = sec, .name = nm, .kind = kd, .min = lo, .max = hi, .offset = offsetof(ProvdConfig, field) }

static const ConfigKey config_keys[] = {
        KEY("Limits", "MaxReassemblies", KEY_UNSIGNED, 1, PROVD_REASSEMBLIES_MAX, max_reassemblies),
        KEY("Limits", "MaxReassembliesPerSender", KEY_UNSIGNED, 1, PROVD_REASSEMBLIES_MAX, max_reassemblies_per_sender),
        KEY("Limits", "MaxPendingSubmits", KEY_UNSIGNED, 1, PROVD_MAX_PENDING_SUBMITS_MAX, max_pending_submits),
        KEY("Limits", "MaxQueuedSubmits", KEY_UNSIGNED, 0, PROVD_MAX_QUEUED_SUBMITS_MAX, max_queued_submits),
        KEY("Limits", "RatePerSenderPerMinute", KEY_UNSIGNED, 1, 100000, rate_per_minute),
        KEY("Limits", "RateBurst", KEY_UNSIGNED, 1, 100000, rate_burst),
        KEY("Limits", "RateLimitInject", KEY_BOOL, 0, 1, rate_limit_inject),
        KEY("Limits", "MaxInputSize", KEY_SIZE, PROVD_INPUT_SIZE_MIN, IPC_INJECT_MAX, max_input_size),
        KEY("Intake", "Ofono", KEY_BOOL, 0, 1, ofono),
        KEY("Intake", "ModemManager", KEY_BOOL, 0, 1, modemmanager),
};

void config_defaults(ProvdConfig *c) {
        *c = (ProvdConfig) {
                .max_reassemblies = SMS_REASM_GROUPS_MAX,
                .max_reassemblies_per_sender = SMS_REASM_GROUPS_PER_SENDER_MAX,
                .max_pending_submits = PROVD_MAX_PENDING_SUBMITS_DEFAULT,
                .max_queued_submits = PROVD_MAX_QUEUED_SUBMITS_DEFAULT,
                .rate_per_minute = PROVD_RATE_PER_MINUTE_DEFAULT,
                .rate_burst = 0,
                .rate_limit_inject = false,
                .max_input_size = PROVD_INPUT_SIZE_DEFAULT,
                .ofono = true,
                .modemmanager = true,
        };
}

static char *strip(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = 0;
        return s;
}

static int parse_bool(const char *v) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

static int parse_ulong(const char *v, unsigned long min, unsigned long max, unsigned long *ret) {
        unsigned long x;
        char *end;

        if (*v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        x = strtoul(v, &end, 10);
        if (errno != 0 || *end != 0 || x < min || x > max)
                return -EINVAL;
        *ret = x;
        return 0;
}

/* [Intake] OfonoNextAgent=BUSNAME OBJECTPATH: a well-known name (not a unique ":1.n" name, which
 * changes with every start) and an object path, separated by blanks; "" unsets it. */
static int parse_next_agent(ProvdConfig *c, const char *value) {
        char name[PROVD_BUS_NAME_MAX + 1];
        const char *sp, *path;
        size_t n;

        if (value[0] == 0) {
                c->ofono_next_name[0] = c->ofono_next_path[0] = 0;
                return 0;
        }
        sp = strpbrk(value, " \t");
        if (!sp)
                return -EINVAL;
        n = (size_t) (sp - value);
        if (n == 0 || n > PROVD_BUS_NAME_MAX)
                return -EINVAL;
        memcpy(name, value, n);
        name[n] = 0;
        path = sp + strspn(sp, " \t");
        if (name[0] == ':' || !sd_bus_service_name_is_valid(name) || strlen(path) > PROVD_AGENT_PATH_MAX ||
            !sd_bus_object_path_is_valid(path))
                return -EINVAL;
        snprintf(c->ofono_next_name, sizeof(c->ofono_next_name), "%s", name);
        snprintf(c->ofono_next_path, sizeof(c->ofono_next_path), "%s", path);
        return 0;
}

static int apply(ProvdConfig *c, const char *file, unsigned line, const char *section, const char *key,
                 const char *value) {
        ProvdConfig defaults;
        char e1[LOG_ESCAPE_SIZE(64)], e2[LOG_ESCAPE_SIZE(64)];

        if (strcmp(section, "Intake") == 0 && strcmp(key, "OfonoNextAgent") == 0) {
                if (parse_next_agent(c, value) >= 0)
                        return 0;
                log_error("%s:%u: [Intake] OfonoNextAgent= has a bad value '%s' (expected a well-known bus name and "
                          "an object path, e.g. 'org.example.Mms /org/example/PushAgent')",
                          file, line, log_escape(value, e1, sizeof(e1)));
                return -EINVAL;
        }

        config_defaults(&defaults);
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];
                void *dst = (uint8_t *) c + k->offset;
                const void *def = (const uint8_t *) &defaults + k->offset;
                unsigned long x;
                int b;

                if (strcmp(k->section, section) != 0 || strcmp(k->name, key) != 0)
                        continue;
                if (value[0] == 0) { /* "Key=" resets to the default */
                        memcpy(dst, def, k->kind == KEY_BOOL ? sizeof(bool) : k->kind == KEY_SIZE ? sizeof(size_t) : sizeof(unsigned));
                        return 0;
                }
                switch (k->kind) {
                case KEY_BOOL:
                        b = parse_bool(value);
                        if (b < 0)
                                break;
                        *(bool *) dst = b;
                        return 0;
                case KEY_UNSIGNED:
                        if (parse_ulong(value, k->min, k->max, &x) < 0)
                                break;
                        *(unsigned *) dst = (unsigned) x;
                        return 0;
                case KEY_SIZE:
                        if (parse_ulong(value, k->min, k->max, &x) < 0)
                                break;
                        *(size_t *) dst = (size_t) x;
                        return 0;
                }
                log_error("%s:%u: [%s] %s= has a bad value '%s' (expected %s)", file, line, section, key,
                          log_escape(value, e1, sizeof(e1)),
                          k->kind == KEY_BOOL ? "yes or no" : "a number in range");
                return -EINVAL;
        }
        log_error("%s:%u: unknown key '%s' in section [%s]", file, line, log_escape(key, e1, sizeof(e1)),
                  log_escape(section, e2, sizeof(e2)));
        return -EINVAL;
}

static bool section_known(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strcmp(config_keys[i].section, s) == 0)
                        return true;
        return false;
}

static int parse_file(ProvdConfig *c, const char *path) {
        _cleanup_fclose_ FILE *f = NULL;
        char buf[CONFIG_LINE_MAX + 2], section[64] = "", e1[LOG_ESCAPE_SIZE(64)];
        unsigned line = 0;
        int r;

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(errno, "Failed to open %s: %m", path);
        }
        while (fgets(buf, sizeof(buf), f)) {
                char *s, *eq, *key, *value;
                size_t len = strlen(buf);

                line++;
                if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
                        log_error("%s:%u: line longer than %u characters", path, line, CONFIG_LINE_MAX);
                        return -EINVAL;
                }
                s = strip(buf);
                if (s[0] == 0 || s[0] == '#' || s[0] == ';')
                        continue;
                if (s[0] == '[') {
                        char *end = strchr(s, ']');

                        if (!end || end[1] != 0 || (size_t) (end - s - 1) >= sizeof(section)) {
                                log_error("%s:%u: bad section header", path, line);
                                return -EINVAL;
                        }
                        *end = 0;
                        snprintf(section, sizeof(section), "%s", s + 1);
                        if (!section_known(section)) {
                                log_error("%s:%u: unknown section [%s]", path, line,
                                          log_escape(section, e1, sizeof(e1)));
                                return -EINVAL;
                        }
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        log_error("%s:%u: expected Key=Value", path, line);
                        return -EINVAL;
                }
                if (section[0] == 0) {
                        log_error("%s:%u: assignment outside of a section", path, line);
                        return -EINVAL;
                }
                *eq = 0;
                key = strip(s);
                value = strip(eq + 1);
                r = apply(c, path, line, section, key, value);
                if (r < 0)
                        return r;
        }
        if (ferror(f))
                return log_error_errno(EIO, "Failed to read %s", path);
        return 0;
}

typedef struct Dropin {
        char name[NAME_MAX + 1];
        char path[PATH_MAX];
} Dropin;

static int dropin_cmp(const void *a, const void *b) {
        return strcmp(((const Dropin *) a)->name, ((const Dropin *) b)->name);
}

/* Collect the drop-ins <root>/provd.conf.d/NAME.conf; roots[] is ordered highest priority first. */
static int collect_dropins(const char *const *roots, size_t n_roots, Dropin *out, size_t *n_out) {
        size_t n = 0;

        for (size_t i = 0; i < n_roots; i++) {
                char dir[PATH_MAX];
                DIR *d;
                struct dirent *de;

                if ((size_t) snprintf(dir, sizeof(dir), "%s/%s", roots[i], CONFIG_DROPIN_DIR) >= sizeof(dir))
                        continue;
                d = opendir(dir);
                if (!d) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        return log_error_errno(errno, "Failed to open %s: %m", dir);
                }
                while ((de = readdir(d))) {
                        size_t len = strlen(de->d_name);
                        bool seen = false;

                        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                                continue;
                        for (size_t j = 0; j < n; j++)
                                if (strcmp(out[j].name, de->d_name) == 0)
                                        seen = true; /* a higher-priority root has this name: masked */
                        if (seen)
                                continue;
                        if (n == CONFIG_DROPINS_MAX) {
                                closedir(d);
                                log_error("More than %u drop-ins in the configuration directories", CONFIG_DROPINS_MAX);
                                return -E2BIG;
                        }
                        snprintf(out[n].name, sizeof(out[n].name), "%s", de->d_name);
                        if ((size_t) snprintf(out[n].path, sizeof(out[n].path), "%s/%s", dir, de->d_name) >=
                            sizeof(out[n].path))
                                continue;
                        n++;
                }
                closedir(d);
        }
        qsort(out, n, sizeof(Dropin), dropin_cmp);
        *n_out = n;
        return 0;
}

int config_load(ProvdConfig *c, const char *config_dir) {
        static const char *const system_roots[] = { CONFIG_SYSTEM_ROOT_ETC, CONFIG_SYSTEM_ROOT_RUN,
                                                    CONFIG_SYSTEM_ROOT_USRLIB };
        const char *const *roots = system_roots;
        size_t n_roots = ELEMENTSOF(system_roots), n_dropins = 0;
        _cleanup_free_ Dropin *dropins = NULL;
        const char *dir_root[1];
        int r;

        config_defaults(c);
        if (config_dir) {
                dir_root[0] = config_dir;
                roots = dir_root;
                n_roots = 1;
        }

        /* Main file: the first root (highest priority) that has one. */
        for (size_t i = 0; i < n_roots; i++) {
                char path[PATH_MAX];
                struct stat st;

                if ((size_t) snprintf(path, sizeof(path), "%s/%s", roots[i], CONFIG_MAIN_FILE) >= sizeof(path))
                        continue;
                if (stat(path, &st) < 0)
                        continue;
                r = parse_file(c, path);
                if (r < 0)
                        return r;
                break;
        }

        dropins = calloc(CONFIG_DROPINS_MAX, sizeof(Dropin));
        if (!dropins)
                return log_oom();
        r = collect_dropins(roots, n_roots, dropins, &n_dropins);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_dropins; i++) {
                /* An empty file or a link to /dev/null masks; parse_file() of it sets nothing. */
                r = parse_file(c, dropins[i].path);
                if (r < 0)
                        return r;
        }

        if (c->max_reassemblies_per_sender > c->max_reassemblies)
                c->max_reassemblies_per_sender = c->max_reassemblies;
        return 0;
}
