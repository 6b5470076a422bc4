/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf.h: the one configuration parser of provd and verifierd (and of verifierd's metabase.d/
 * and certs.d/ drop-ins): a file-tree walker with systemd's precedence, one INI tokenizer, one
 * boolean and one integer rule, and a key table that both daemons describe their keys with
 * (the rules are systemd's: systemd.unit(5) "Description", systemd-system.conf(5)
 * "Configuration Directories and Precedence").
 *
 * File tree (both daemons, every tree):
 *   roots, lowest priority first: /usr/lib/provboot, /run/provboot, /etc/provboot
 *   main file: <root>/<main> from the highest-priority root that has one; it masks the
 *     same-named file of lower roots as a whole (systemd >= 256 "only the first file found is
 *     used").
 *   drop-ins: <root>/<main>.d/<name>.conf from all roots, collected together; for one <name>
 *     only the highest-priority root's file counts (/etc masks /run masks /usr/lib); a drop-in
 *     that is empty or a symlink to /dev/null masks without setting anything; the survivors are
 *     applied in lexical (strcmp) order of <name> whatever their root, after the main file; a
 *     later assignment of a key wins. Names starting with '.' or not ending in ".conf" are
 *     skipped.
 *   --config-dir=DIR: DIR is the only root.
 *
 * Syntax (systemd's, without its extensions):
 *   - a file is at most CONFIG_FILE_SIZE_MAX bytes, holds no NUL byte, may start with a UTF-8
 *     byte order mark;
 *   - a line is at most CONFIG_LINE_MAX characters without its newline ("\n" or "\r\n");
 *   - blanks around a line, a key and a value are trimmed; an empty line or one starting with
 *     '#' or ';' is a comment; there are no inline comments ("Enabled=yes ; x" has the value
 *     "yes ; x") and no continuation lines;
 *   - "[Section]" opens a section, its name at most CONFIG_SECTION_MAX characters;
 *   - "Key=Value" assigns (the first '=' splits; "Key: Value" is no assignment); anything else,
 *     trailing text after "]" included, and an assignment before the first section, is an
 *     error. Section and key names are case-sensitive.
 *   - "Key=" (empty value) resets the key to its default.
 *
 * Values (the one rule for both daemons):
 *   boolean: 1, yes, y, true, t, on / 0, no, n, false, f, off, case-insensitive (systemd's
 *     parse_boolean());
 *   unsigned integer: decimal digits only, no sign, no blanks, no leading zeros ("0" itself is
 *     fine; "010" is refused rather than read as 10 or as octal 8), within the key's range.
 *
 * Errors: every error names the file and line (or the file alone for a whole-file problem) in a
 * ConfigError; an unknown section or key or a bad value is an error, never a warning (an unknown
 * section is reported at the line of its first key; an empty one sets nothing): both
 * daemons refuse to start on a configuration they do not understand, and verifierd's reload
 * keeps the last good one. Library code: returns errors, never logs.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The system roots, lowest priority first. */
#define CONFIG_SYSTEM_ROOT_USRLIB "/usr/lib/provboot"
#define CONFIG_SYSTEM_ROOT_RUN "/run/provboot"
#define CONFIG_SYSTEM_ROOT_ETC "/etc/provboot"
#define CONFIG_ROOTS_MAX 3U

/* Parser limits; each has a test at the limit and past it (test-conf). */
#define CONFIG_FILES_MAX 256U                   /* drop-ins per tree, after masking */
#define CONFIG_FILE_SIZE_MAX (64U * 1024U)      /* one configuration file */
#define CONFIG_LINE_MAX 1024U                   /* one line, without its newline */
#define CONFIG_SECTION_MAX 49U                  /* section name between [ ] */
#define CONFIG_ERROR_MESSAGE_MAX 256U
#define CONFIG_UINT_DIGITS_MAX 20U              /* UINT64_MAX has 20 digits */

typedef struct ConfigError {
        char file[PATH_MAX];                    /* "" when the error is not about one file */
        unsigned line;                          /* 0 when not about one line */
        char message[CONFIG_ERROR_MESSAGE_MAX]; /* without file and line */
} ConfigError;

/**
 * config_error_format() - "FILE:LINE: MESSAGE" (or the parts that are known) into @buf.
 * @err: the error.
 * @buf: output.
 * @size: its size.
 *
 * Return: @buf.
 */
const char *config_error_format(const ConfigError *err, char *buf, size_t size);

/**
 * config_error_set() - fill @err (when not NULL) with a file, a line and a printf message, for
 * the parsers of other configuration files (the certificate store's) that report the same way.
 */
void config_error_set(ConfigError *err, const char *file, unsigned line, const char *fmt, ...) 
        __attribute__((format(printf, 4, 5)));

/**
 * config_parse_bool() - the boolean rule above.
 * @s: the value.
 * @ret: the result, set only on success.
 *
 * Return: 0 or -EINVAL.
 */
int config_parse_bool(const char *s, bool *ret);

/**
 * config_parse_uint() - the integer rule above: a decimal number in [@min, @max].
 * @s: the value.
 * @min: lowest accepted.
 * @max: highest accepted.
 * @ret: the result, set only on success.
 *
 * Return: 0 or -EINVAL.
 */
int config_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/*
 * A handler gets the file and line of one assignment and returns 0 to go on, or a negative errno
 * after filling msg (size CONFIG_ERROR_MESSAGE_MAX); the walker adds file and line to the error.
 */
typedef int (*ConfigHandler)(void *userdata, const char *file, unsigned line, const char *section,
                             const char *key, const char *value, char *msg);

/**
 * config_parse_tree() - apply @main_name (first found, highest root first) and then every
 *   @dropin_dir/<name>.conf (masked and ordered as the header comment says) to @handler.
 * @roots: directories, lowest priority first.
 * @n_roots: 1..CONFIG_ROOTS_MAX.
 * @main_name: the main file name, or NULL for a tree of drop-ins only (metabase.d, certs.d).
 * @dropin_dir: the drop-in directory name below each root.
 * @handler: called for every key, in application order.
 * @userdata: passed to @handler.
 * @ret_files: when not NULL, the NULL-terminated list of applied files (caller frees each and it).
 * @ret_n_files: their number (may be NULL).
 * @err: filled on failure (may be NULL).
 *
 * Return: 0; -EINVAL a file has an error (see @err); -EIO/-EACCES/... reading a file or
 *   directory that exists (missing roots, files and directories are fine); -E2BIG a file over
 *   CONFIG_FILE_SIZE_MAX or more than CONFIG_FILES_MAX drop-ins; -ENOMEM.
 */
int config_parse_tree(const char *const *roots, size_t n_roots, const char *main_name,
                      const char *dropin_dir, ConfigHandler handler, void *userdata, char ***ret_files,
                      size_t *ret_n_files, ConfigError *err);

/**
 * config_parse_string() - apply one file's worth of text to @handler (tests, built-ins).
 * @name: stands in for the file name in errors.
 * @text: the text, at most CONFIG_FILE_SIZE_MAX bytes.
 * @handler: called for every key.
 * @userdata: passed to @handler.
 * @err: filled on failure (may be NULL).
 *
 * Return: 0; -EINVAL; -E2BIG; -ENOMEM.
 */
int config_parse_string(const char *name, const char *text, ConfigHandler handler, void *userdata,
                        ConfigError *err);

/* config_escape() - @s for a message: printable ASCII kept, other bytes, quote and backslash as
 * \xNN, at most CONFIG_ESCAPE_INPUT_MAX input bytes (then "..."). @size: CONFIG_ESCAPE_SIZE.
 * Return: @buf. */
#define CONFIG_ESCAPE_INPUT_MAX 64U
#define CONFIG_ESCAPE_SIZE (CONFIG_ESCAPE_INPUT_MAX * 4U + 4U)
const char *config_escape(const char *s, char *buf, size_t size);

/* config_strv_free() - free a config_parse_tree() file list. */
void config_strv_free(char **l);

/* ---- the key table ----------------------------------------------------------------------------- */

typedef enum ConfigType {
        CONFIG_TYPE_BOOL,       /* bool */
        CONFIG_TYPE_UINT,       /* an unsigned integer field of .size 4 or 8 bytes, in .min...max */
        CONFIG_TYPE_ENUM,       /* int: the index of the value in .names (case-sensitive) */
        CONFIG_TYPE_DIR,        /* char * (owned): an absolute directory without a ".." component */
        CONFIG_TYPE_CUSTOM,     /* .parse does everything; not dumped */
} ConfigType;

/* Key flags. */
#define CONFIG_KEY_ZERO_OK (1U << 0) /* UINT: 0 is accepted too (e.g. "0: no limit") */
#define CONFIG_KEY_NO_DUMP (1U << 1) /* left out of config_table_dump() */
#define CONFIG_KEY_SECRET (1U << 2)  /* the value is never echoed into a message, never dumped */

typedef struct ConfigKey ConfigKey;

/*
 * A key's own parser: called for every assignment, "" included (reset to the default), and by
 * config_table_defaults() with "" and file NULL. Sets *field, or fills msg and returns -EINVAL.
 */
typedef int (*ConfigKeyParser)(const ConfigKey *k, void *field, const char *value, const char *file,
                               unsigned line, void *userdata, char *msg);

struct ConfigKey {
        const char *section;
        const char *name;
        ConfigType type;
        size_t offset;                  /* of the field in the configuration struct */
        size_t size;                    /* of the field */
        uint64_t min, max;              /* UINT */
        uint64_t def;                   /* BOOL, UINT, ENUM: the default */
        const char *def_str;            /* DIR: the default */
        const char *const *names;       /* ENUM: the values, NULL-terminated */
        ConfigKeyParser parse;          /* replaces the type's parser (role masks, IMSI, ...) */
        unsigned flags;                 /* CONFIG_KEY_* */
        const char *doc;                /* one line: what the key does */
};

#define CONFIG_FIELD(st, field) .offset = offsetof(st, field), .size = sizeof(((st *) 0)->field)

/* Table entries, one line per key. */
#define CONFIG_KEY_BOOL(sec, key, st, field, dflt, text)                                          \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_BOOL, CONFIG_FIELD(st, field),     \
          .def = (dflt), .doc = (text) }
#define CONFIG_KEY_UINT(sec, key, st, field, lo, hi, dflt, flg, text)                             \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_UINT, CONFIG_FIELD(st, field),     \
          .min = (lo), .max = (hi), .def = (dflt), .flags = (flg), .doc = (text) }
#define CONFIG_KEY_ENUM(sec, key, st, field, nms, dflt, prs, text)                                \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_ENUM, CONFIG_FIELD(st, field),     \
          .names = (nms), .def = (dflt), .parse = (prs), .doc = (text) }
#define CONFIG_KEY_DIR(sec, key, st, field, dflt, text)                                           \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_DIR,  CONFIG_FIELD(st, field),     \
          .def_str = (dflt), .doc = (text) }
#define CONFIG_KEY_CUSTOM(sec, key, st, field, prs, flg, text)                                    \
        { .section = (sec), .name = (key), .type = CONFIG_TYPE_CUSTOM, CONFIG_FIELD(st, field),   \
          .parse = (prs), .flags = (flg), .doc = (text) }

typedef struct ConfigTable {
        const char *main_name;          /* "provd.conf" */
        const char *dropin_dir;         /* "provd.conf.d" */
        const ConfigKey *keys;
        size_t n_keys;
} ConfigTable;

/**
 * config_table_defaults() - set every key of @t in @obj to its default.
 * @t: the table.
 * @obj: the configuration struct (zeroed or holding earlier values: DIR strings are replaced).
 *
 * Return: 0 or -ENOMEM.
 */
int config_table_defaults(const ConfigTable *t, void *obj);

/* config_table_find() - the key [@section] @name, or NULL. */

/* config_key_reset() - set @field (of key @k) to the key's default. Return: 0 or -ENOMEM. */
int config_key_reset(const ConfigKey *k, void *field);
const ConfigKey *config_table_find(const ConfigTable *t, const char *section, const char *name);

/**
 * config_table_assign() - one assignment, as a ConfigHandler would get it.
 * @t: the table.
 * @obj: the configuration struct.
 * @file: where (for the key's own parser).
 * @line: where.
 * @section: the section.
 * @key: the key.
 * @value: the value ("" resets to the default).
 * @userdata: passed to a key's own parser.
 * @msg: filled on error (CONFIG_ERROR_MESSAGE_MAX).
 *
 * Return: 0; -EINVAL an unknown section or key, or a bad value; -ENOMEM.
 */
int config_table_assign(const ConfigTable *t, void *obj, const char *file, unsigned line,
                        const char *section, const char *key, const char *value, void *userdata, char *msg);

/**
 * config_table_load() - defaults, then the tree of @t below @roots.
 * @t: the table (its main file and drop-in directory name the tree).
 * @roots: as config_parse_tree().
 * @n_roots: as config_parse_tree().
 * @obj: the configuration struct (filled with the defaults first).
 * @userdata: passed to keys' own parsers.
 * @ret_files: as config_parse_tree().
 * @ret_n_files: as config_parse_tree().
 * @err: as config_parse_tree().
 *
 * Return: as config_parse_tree(). @obj may be partly assigned on failure.
 */
int config_table_load(const ConfigTable *t, const char *const *roots, size_t n_roots, void *obj,
                      void *userdata, char ***ret_files, size_t *ret_n_files, ConfigError *err);

/* config_table_free() - free the fields @t owns in @obj (DIR strings). */
void config_table_free(const ConfigTable *t, void *obj);

/*
 * config_table_dump() - every key but CUSTOM, NO_DUMP and SECRET ones, in table order, as
 * "Section.Key" and its value in the file syntax (yes/no, decimal, the enum name, the directory).
 * Stops at and returns @fn's first negative return.
 */
typedef int (*ConfigDumpFn)(const char *key, const char *value, void *userdata);
int config_table_dump(const ConfigTable *t, const void *obj, ConfigDumpFn fn, void *userdata);
