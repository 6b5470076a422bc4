/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-conf.c: the one configuration parser (common/conf.c) both daemons use: the boolean and
 * integer rules, the tokenizer (comments, blanks, CRLF, BOM, syntax errors with their line), the
 * named limits at and past their bound (CONFIG_LINE_MAX, CONFIG_SECTION_MAX,
 * CONFIG_FILE_SIZE_MAX, CONFIG_FILES_MAX, CONFIG_UINT_DIGITS_MAX), the file tree (precedence
 * across /usr/lib, /run and /etc stand-ins, main-file and drop-in masking, lexical order across
 * roots, later assignment wins), and the key table (defaults, reset, every type, unknown
 * section and key, secrets never echoed, the dump).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "macros.h"
#include "testutil.h"

/* ---- the value rules ---------------------------------------------------------------------------- */

START_TEST(test_bool_rule) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "YES", "Yes", "Y", "TRUE", "T", "On" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off", "NO", "N", "False", "F", "OFF" };
        static const char *const bad[] = { "", "2", "yess", "ye", "enable", "of", "o", "11", "00", " yes", "yes " };
        bool b;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                b = false;
                ck_assert_msg(config_parse_bool(yes[i], &b) == 0 && b, "%s", yes[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                b = true;
                ck_assert_msg(config_parse_bool(no[i], &b) == 0 && !b, "%s", no[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                b = true;
                ck_assert_msg(config_parse_bool(bad[i], &b) == -EINVAL && b, "'%s'", bad[i]);
        }
        ck_assert_int_eq(config_parse_bool(NULL, &b), -EINVAL);
}
END_TEST

START_TEST(test_uint_rule) {
        uint64_t v;

        ck_assert_int_eq(config_parse_uint("0", 0, 10, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(config_parse_uint("10", 0, 10, &v), 0); /* at the maximum */
        ck_assert_uint_eq(v, 10);
        ck_assert_int_eq(config_parse_uint("11", 0, 10, &v), -EINVAL); /* past it */
        ck_assert_int_eq(config_parse_uint("5", 5, 10, &v), 0);        /* at the minimum */
        ck_assert_int_eq(config_parse_uint("4", 5, 10, &v), -EINVAL);  /* past it */
        /* decimal only: no leading zeros (not 10, not octal 8), no sign, no blanks, no hex */
        static const char *const bad[] = { "010", "00", "007", "+1", "-1", " 1", "1 ", "0x10", "1e3", "1.0", "", "١" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = 77;
                ck_assert_msg(config_parse_uint(bad[i], 0, UINT64_MAX, &v) == -EINVAL && v == 77, "'%s'", bad[i]);
        }
        /* CONFIG_UINT_DIGITS_MAX: UINT64_MAX (20 digits) is the largest, one more overflows, and
         * 21 digits are refused whatever they say */
        ck_assert_int_eq(config_parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
        ck_assert(v == UINT64_MAX);
        ck_assert_int_eq(config_parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(config_parse_uint("99999999999999999999", 0, UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(config_parse_uint("100000000000000000000", 0, UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(strlen("18446744073709551615"), CONFIG_UINT_DIGITS_MAX);
}
END_TEST

START_TEST(test_limit_escape) {
        /* CONFIG_ESCAPE_INPUT_MAX: a value of 64 bytes is quoted whole, one more is cut with "..." */
        char in[CONFIG_ESCAPE_INPUT_MAX + 2], buf[CONFIG_ESCAPE_SIZE], want[CONFIG_ESCAPE_INPUT_MAX + 4];

        memset(in, 'a', CONFIG_ESCAPE_INPUT_MAX);
        in[CONFIG_ESCAPE_INPUT_MAX] = '\0';
        ck_assert_str_eq(config_escape(in, buf, sizeof buf), in);
        in[CONFIG_ESCAPE_INPUT_MAX] = 'b';
        in[CONFIG_ESCAPE_INPUT_MAX + 1] = '\0';
        memset(want, 'a', CONFIG_ESCAPE_INPUT_MAX);
        strcpy(want + CONFIG_ESCAPE_INPUT_MAX, "...");
        ck_assert_str_eq(config_escape(in, buf, sizeof buf), want);
        /* every byte escaped still fits CONFIG_ESCAPE_SIZE */
        memset(in, '\x01', CONFIG_ESCAPE_INPUT_MAX + 1);
        config_escape(in, buf, sizeof buf);
        ck_assert_uint_eq(strlen(buf), CONFIG_ESCAPE_INPUT_MAX * 4 + 3);
        ck_assert_str_eq(config_escape("it's\\", buf, sizeof buf), "it\\x27s\\x5c");
}
END_TEST

/* ---- the tokenizer ------------------------------------------------------------------------------ */

typedef struct Rec {
        char text[4096];
        unsigned n;
        int fail_at; /* return -EINVAL for this assignment (1-based), 0: never */
} Rec;

static int rec_handler(void *userdata, const char *file, unsigned line, const char *section, const char *key,
                       const char *value, char *msg) {
        Rec *r = userdata;
        size_t o = strlen(r->text);

        r->n++;
        if (r->fail_at > 0 && (unsigned) r->fail_at == r->n) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "%s= refused", key);
                return -EINVAL;
        }
        snprintf(r->text + o, sizeof r->text - o, "%u[%s]%s=<%s>\n", line, section, key, value);
        return 0;
}

static int parse(const char *text, Rec *r, ConfigError *err) {
        memset(r->text, 0, sizeof r->text);
        r->n = 0;
        memset(err, 0, sizeof(*err));
        return config_parse_string("t.conf", text, rec_handler, r, err);
}

START_TEST(test_tokenizer) {
        ConfigError err;
        Rec r = {};

        ck_assert_int_eq(parse("# comment\n; comment\n\n  [A]  \n k = v \nK2=\n\tK3\t=\ta b ; c # d\n"
                               "K4=x=y\n[B]\r\nK5=v5\r\n  # indented comment\nK6=last",
                               &r, &err),
                         0);
        ck_assert_str_eq(r.text, "5[A]k=<v>\n6[A]K2=<>\n7[A]K3=<a b ; c # d>\n8[A]K4=<x=y>\n"
                                 "10[B]K5=<v5>\n12[B]K6=<last>\n");
        /* a UTF-8 byte order mark at the start */
        ck_assert_int_eq(parse("\xef\xbb\xbf[A]\nk=v\n", &r, &err), 0);
        ck_assert_str_eq(r.text, "2[A]k=<v>\n");
        /* an empty text and one of comments only */
        ck_assert_int_eq(parse("", &r, &err), 0);
        ck_assert_int_eq(parse("#x\n;y\n", &r, &err), 0);
        ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(test_tokenizer_errors) {
        static const struct {
                const char *text;
                unsigned line;
                const char *needle;
        } t[] = {
                { "k=v\n", 1, "outside of any section" },
                { "# x\n\nk=v\n", 3, "outside of any section" },
                { "[A\nk=v\n", 1, "syntax error" },
                { "[A] junk\n", 1, "syntax error" },
                { "[A]\nk\n", 2, "syntax error" },
                { "[A]\n=v\n", 2, "syntax error" },
                { "[A]\nk=v\n  continued\n", 3, "syntax error" }, /* no continuation lines */
                { "[A]\nk=v\nk2=v\n", 3, "k2= refused" },          /* the handler's words */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ConfigError err;
                char buf[PATH_MAX + 512], want[64];
                Rec r = { .fail_at = 2 };

                ck_assert_msg(parse(t[i].text, &r, &err) == -EINVAL, "case %zu", i);
                ck_assert_str_eq(err.file, "t.conf");
                ck_assert_msg(err.line == t[i].line, "case %zu: line %u", i, err.line);
                ck_assert_msg(strstr(err.message, t[i].needle), "case %zu: %s", i, err.message);
                snprintf(want, sizeof want, "t.conf:%u: ", t[i].line);
                ck_assert_int_eq(strncmp(config_error_format(&err, buf, sizeof buf), want, strlen(want)), 0);
        }
}
END_TEST

START_TEST(test_limit_line) {
        /* CONFIG_LINE_MAX: a line of exactly that many characters (CR included) is fine, one more
         * is not, and the error names the line */
        size_t n = 4 + CONFIG_LINE_MAX + 2;
        char *text = malloc(n + 8);
        ConfigError err;
        Rec r = {};

        strcpy(text, "[A]\n");
        memset(text + 4, 'v', CONFIG_LINE_MAX);
        memcpy(text + 4, "k=", 2);
        strcpy(text + 4 + CONFIG_LINE_MAX, "\n");
        ck_assert_int_eq(parse(text, &r, &err), 0);
        ck_assert_uint_eq(r.n, 1);
        text[4 + CONFIG_LINE_MAX - 1] = '\r'; /* CRLF: the CR counts, the LF does not */
        ck_assert_int_eq(parse(text, &r, &err), 0);
        strcpy(text + 4 + CONFIG_LINE_MAX, "w\n");
        ck_assert_int_eq(parse(text, &r, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 2);
        ck_assert_ptr_nonnull(strstr(err.message, "line longer than 1024 characters"));
        /* the same on a last line without a newline */
        text[4 + CONFIG_LINE_MAX + 1] = '\0';
        ck_assert_int_eq(parse(text, &r, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 2);
        free(text);
}
END_TEST

START_TEST(test_limit_section) {
        /* CONFIG_SECTION_MAX: a name of 49 characters is fine, 50 are refused (not truncated) */
        char text[128], want[64];
        ConfigError err;
        Rec r = {};

        memset(want, 'S', CONFIG_SECTION_MAX);
        want[CONFIG_SECTION_MAX] = '\0';
        snprintf(text, sizeof text, "[%s]\nk=v\n", want);
        ck_assert_int_eq(parse(text, &r, &err), 0);
        ck_assert_ptr_nonnull(strstr(r.text, want));
        snprintf(text, sizeof text, "[%sS]\nk=v\n", want);
        ck_assert_int_eq(parse(text, &r, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 1);
        ck_assert_ptr_nonnull(strstr(err.message, "section name longer than 49"));
        ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(test_limit_text_size) {
        /* CONFIG_FILE_SIZE_MAX for a text (the file case is in test_tree_file_limits) */
        char *text = malloc(CONFIG_FILE_SIZE_MAX + 2);
        ConfigError err;
        Rec r = {};

        memset(text, '#', CONFIG_FILE_SIZE_MAX);
        for (size_t i = 1000; i < CONFIG_FILE_SIZE_MAX; i += 1000)
                text[i] = '\n';
        text[CONFIG_FILE_SIZE_MAX] = '\0';
        ck_assert_int_eq(parse(text, &r, &err), 0);
        text[CONFIG_FILE_SIZE_MAX] = '#';
        text[CONFIG_FILE_SIZE_MAX + 1] = '\0';
        ck_assert_int_eq(parse(text, &r, &err), -E2BIG);
        free(text);
}
END_TEST

/* ---- the file tree ------------------------------------------------------------------------------ */

typedef struct Roots {
        char base[64];
        char dirs[3][96]; /* usr-lib, run, etc: lowest priority first, as the system roots */
        const char *v[3];
} Roots;

enum { USRLIB, RUN, ETC };

static void roots_init(Roots *r) {
        static const char *const names[3] = { "usr-lib", "run", "etc" };
        char base[64] = "/tmp/test-conf-XXXXXX";

        ck_assert_ptr_nonnull(mkdtemp(base));
        memcpy(r->base, base, sizeof base);
        for (int i = 0; i < 3; i++) {
                snprintf(r->dirs[i], sizeof r->dirs[i], "%s/%s", base, names[i]);
                r->v[i] = r->dirs[i];
                ck_assert_int_eq(mkdir(r->dirs[i], 0755), 0);
        }
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* removed without a shell: valgrind traces every child, and a fork per case is slow there */
static void roots_done(Roots *r) {
        ck_assert_int_eq(nftw(r->base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void put(const Roots *r, int root, const char *rel, const char *text) {
        char path[PATH_MAX], dir[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", r->dirs[root], rel);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = '\0';
        (void) mkdir(dir, 0755);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

/* Walk the tree "x.conf" + "x.conf.d" and return the handler's record; the applied files, as
 * "root-name/file" relative to the base, go to *files. */
static int walk(const Roots *r, size_t n_roots, const char *const *roots, Rec *rec, char *files, size_t size,
                ConfigError *err) {
        char **l = NULL;
        size_t n = 0;
        int k;

        memset(rec, 0, sizeof(*rec));
        memset(err, 0, sizeof(*err));
        k = config_parse_tree(roots, n_roots, "x.conf", "x.conf.d", rec_handler, rec, &l, &n, err);
        if (files) {
                files[0] = '\0';
                for (size_t i = 0; k >= 0 && i < n; i++) {
                        size_t o = strlen(files);

                        snprintf(files + o, size - o, "%s%s", i ? " " : "", l[i] + strlen(r->base) + 1);
                }
        }
        if (k >= 0)
                ck_assert_ptr_null(l[n]);
        config_strv_free(l);
        return k;
}

START_TEST(test_tree_main_file) {
        char files[1024];
        ConfigError err;
        Rec rec;
        Roots r;

        roots_init(&r);
        /* no files at all: nothing applied, an empty list */
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(files, "");
        put(&r, USRLIB, "x.conf", "[A]\nk=usr\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(rec.text, "2[A]k=<usr>\n");
        /* /run's main file masks /usr/lib's as a whole */
        put(&r, RUN, "x.conf", "[A]\nj=run\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(rec.text, "2[A]j=<run>\n");
        ck_assert_str_eq(files, "run/x.conf");
        /* /etc's masks both; a broken lower one is never read */
        put(&r, USRLIB, "x.conf", "[broken\n");
        put(&r, ETC, "x.conf", "[A]\ni=etc\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(rec.text, "2[A]i=<etc>\n");
        ck_assert_str_eq(files, "etc/x.conf");
        /* an empty main file masks too, and sets nothing */
        put(&r, ETC, "x.conf", "");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(rec.text, "");
        ck_assert_str_eq(files, "");
        /* --config-dir: one root only */
        ck_assert_int_eq(walk(&r, 1, &r.v[RUN], &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(files, "run/x.conf");
        roots_done(&r);
}
END_TEST

START_TEST(test_tree_dropins) {
        char files[1024], path[PATH_MAX];
        ConfigError err;
        Rec rec;
        Roots r;

        roots_init(&r);
        put(&r, ETC, "x.conf", "[A]\nk=main\nm=main\n");
        /* lexical order of the name across roots, not root order: 10 (etc) < 100 (run) <
         * 20 (usr-lib) < 30 (run); a later assignment wins */
        put(&r, ETC, "x.conf.d/10-a.conf", "[A]\nk=10\n");
        put(&r, USRLIB, "x.conf.d/20-b.conf", "[A]\nk=20\n");
        put(&r, RUN, "x.conf.d/30-c.conf", "[A]\nk=30\n");
        put(&r, RUN, "x.conf.d/100-d.conf", "[A]\nm=100\n");
        /* skipped names */
        put(&r, USRLIB, "x.conf.d/.hidden.conf", "[broken\n");
        put(&r, USRLIB, "x.conf.d/99.conf.bak", "[broken\n");
        put(&r, USRLIB, "x.conf.d/conf", "[broken\n");
        put(&r, USRLIB, "x.conf.d/.conf", "[broken\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_str_eq(rec.text, "2[A]k=<main>\n3[A]m=<main>\n2[A]k=<10>\n2[A]m=<100>\n2[A]k=<20>\n2[A]k=<30>\n");
        ck_assert_str_eq(files, "etc/x.conf etc/x.conf.d/10-a.conf run/x.conf.d/100-d.conf "
                                "usr-lib/x.conf.d/20-b.conf run/x.conf.d/30-c.conf");
        /* same name: /run masks /usr/lib, /etc masks both */
        put(&r, RUN, "x.conf.d/20-b.conf", "[A]\nk=20run\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_ptr_nonnull(strstr(rec.text, "k=<20run>"));
        ck_assert_ptr_null(strstr(rec.text, "k=<20>"));
        put(&r, ETC, "x.conf.d/20-b.conf", "[A]\nother=etc\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_ptr_nonnull(strstr(rec.text, "other=<etc>"));
        ck_assert_ptr_null(strstr(rec.text, "k=<20"));
        ck_assert_ptr_nonnull(strstr(files, "etc/x.conf.d/20-b.conf"));
        /* an empty drop-in masks without setting anything; so does a link to /dev/null */
        put(&r, ETC, "x.conf.d/20-b.conf", "");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_ptr_null(strstr(rec.text, "20"));
        ck_assert_ptr_null(strstr(files, "20-b"));
        snprintf(path, sizeof path, "%s/x.conf.d/30-c.conf", r.dirs[ETC]);
        ck_assert_int_eq(symlink("/dev/null", path), 0);
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_ptr_null(strstr(rec.text, "30"));
        ck_assert_str_eq(files, "etc/x.conf etc/x.conf.d/10-a.conf run/x.conf.d/100-d.conf");
        /* a drop-ins-only tree (metabase.d, certs.d): no main file */
        memset(&rec, 0, sizeof rec);
        ck_assert_int_eq(config_parse_tree(r.v, 3, NULL, "x.conf.d", rec_handler, &rec, NULL, NULL, &err), 0);
        ck_assert_ptr_null(strstr(rec.text, "main"));
        roots_done(&r);
}
END_TEST

START_TEST(test_tree_errors) {
        char path[PATH_MAX];
        ConfigError err;
        Rec rec;
        Roots r;

        roots_init(&r);
        /* an error in a drop-in names that file and line */
        put(&r, RUN, "x.conf.d/50.conf", "[A]\n\nbroken\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), -EINVAL);
        snprintf(path, sizeof path, "%s/x.conf.d/50.conf", r.dirs[RUN]);
        ck_assert_str_eq(err.file, path);
        ck_assert_uint_eq(err.line, 3);
        /* masked by /etc: gone */
        put(&r, ETC, "x.conf.d/50.conf", "[A]\nk=v\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), 0);
        /* a NUL byte, a directory in a file's place */
        {
                FILE *f;

                snprintf(path, sizeof path, "%s/x.conf", r.dirs[USRLIB]);
                f = fopen(path, "w");
                ck_assert_ptr_nonnull(f);
                fwrite("[A]\n\0\n", 1, 6, f);
                fclose(f);
                ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
                ck_assert_int_eq(unlink(path), 0);
                ck_assert_int_eq(mkdir(path, 0755), 0);
                ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.message, "not a regular file"));
                ck_assert_int_eq(rmdir(path), 0);
        }
        /* bad arguments */
        ck_assert_int_eq(walk(&r, 0, r.v, &rec, NULL, 0, &err), -EINVAL);
        {
                const char *four[4] = { r.v[0], r.v[1], r.v[2], r.v[2] };

                ck_assert_int_eq(walk(&r, 4, four, &rec, NULL, 0, &err), -EINVAL);
        }
        roots_done(&r);
}
END_TEST

START_TEST(test_tree_file_limits) {
        /* CONFIG_FILE_SIZE_MAX for a file: at the limit fine, one byte more -E2BIG */
        char *big = malloc(CONFIG_FILE_SIZE_MAX + 2);
        ConfigError err;
        Rec rec;
        Roots r;

        roots_init(&r);
        memset(big, '#', CONFIG_FILE_SIZE_MAX);
        for (size_t i = 1000; i < CONFIG_FILE_SIZE_MAX; i += 1000)
                big[i] = '\n';
        big[CONFIG_FILE_SIZE_MAX] = '\0';
        put(&r, ETC, "x.conf", big);
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), 0);
        big[CONFIG_FILE_SIZE_MAX] = '#';
        big[CONFIG_FILE_SIZE_MAX + 1] = '\0';
        put(&r, ETC, "x.conf", big);
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), -E2BIG);
        ck_assert_ptr_nonnull(strstr(err.message, "larger than 65536 bytes"));
        free(big);
        roots_done(&r);
}
END_TEST

START_TEST(test_tree_dropin_count) {
        /* CONFIG_FILES_MAX drop-ins after masking: exactly that many apply (a name in two roots
         * counts once), one more is -E2BIG */
        char name[64], files[64];
        ConfigError err;
        Rec rec;
        Roots r;

        roots_init(&r);
        for (unsigned i = 0; i < CONFIG_FILES_MAX; i++) {
                snprintf(name, sizeof name, "x.conf.d/%04u.conf", i);
                put(&r, i % 2 ? RUN : USRLIB, name, "[A]\nk=v\n");
        }
        put(&r, ETC, "x.conf.d/0000.conf", "[A]\nk=etc\n"); /* masks usr-lib's: still CONFIG_FILES_MAX */
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, files, sizeof files, &err), 0);
        ck_assert_uint_eq(rec.n, CONFIG_FILES_MAX);
        ck_assert_int_eq(strncmp(rec.text, "2[A]k=<etc>\n", 12), 0);
        put(&r, ETC, "x.conf.d/9999.conf", "[A]\nk=v\n");
        ck_assert_int_eq(walk(&r, 3, r.v, &rec, NULL, 0, &err), -E2BIG);
        ck_assert_ptr_nonnull(strstr(err.message, "more than 256 drop-ins"));
        roots_done(&r);
}
END_TEST

/* ---- the key table ------------------------------------------------------------------------------ */

typedef struct T {
        bool b;
        unsigned u32;
        uint64_t u64;
        uint64_t age;
        int e;
        char *dir;
        char custom[16];
        unsigned secret;
} T;

static int parse_custom(const ConfigKey *k, void *field, const char *value, const char *file, unsigned line,
                        void *userdata, char *msg) {
        unsigned *calls = userdata;

        if (calls)
                (*calls)++;
        if (strlen(value) >= 16) {
                snprintf(msg, CONFIG_ERROR_MESSAGE_MAX, "%s= too long", k->name);
                return -EINVAL;
        }
        strcpy(field, value[0] ? value : "dflt");
        return 0;
}

static const char *const t_names[] = { "red", "green", "blue", NULL };
static const ConfigKey t_keys[] = {
        CONFIG_KEY_BOOL("One", "B", T, b, true, "a boolean"),
        CONFIG_KEY_UINT("One", "U32", T, u32, 1, 4294967295U, 7, 0, "a 4-byte number"),
        CONFIG_KEY_UINT("One", "U64", T, u64, 10, UINT64_MAX, 11, 0, "an 8-byte number"),
        CONFIG_KEY_UINT("Two", "Age", T, age, 60, 120, 90, CONFIG_KEY_ZERO_OK | CONFIG_KEY_NO_DUMP, "0 or 60..120"),
        CONFIG_KEY_ENUM("Two", "E", T, e, t_names, 1, NULL, "a colour"),
        CONFIG_KEY_DIR("Two", "Dir", T, dir, "/default/dir", "a directory"),
        CONFIG_KEY_CUSTOM("Two", "C", T, custom, parse_custom, 0, "custom"),
        CONFIG_KEY_UINT("Two", "Secret", T, secret, 1, 9, 5, CONFIG_KEY_SECRET, "never echoed"),
};
static const ConfigTable t_table = {
        .main_name = "t.conf", .dropin_dir = "t.conf.d", .keys = t_keys, .n_keys = ELEMENTSOF(t_keys)
};

static int assign(T *t, const char *section, const char *key, const char *value, char *msg) {
        msg[0] = '\0';
        return config_table_assign(&t_table, t, "f", 1, section, key, value, NULL, msg);
}

static void check_t_defaults(const T *t) {
        ck_assert(t->b);
        ck_assert_uint_eq(t->u32, 7);
        ck_assert_uint_eq(t->u64, 11);
        ck_assert_uint_eq(t->age, 90);
        ck_assert_int_eq(t->e, 1);
        ck_assert_str_eq(t->dir, "/default/dir");
        ck_assert_str_eq(t->custom, "dflt");
        ck_assert_uint_eq(t->secret, 5);
}

START_TEST(test_table_types) {
        char msg[CONFIG_ERROR_MESSAGE_MAX];
        T t = {};

        ck_assert_int_eq(config_table_defaults(&t_table, &t), 0);
        check_t_defaults(&t);
        ck_assert_int_eq(assign(&t, "One", "B", "off", msg), 0);
        ck_assert_int_eq(assign(&t, "One", "U32", "4294967295", msg), 0);
        ck_assert_int_eq(assign(&t, "One", "U64", "18446744073709551615", msg), 0);
        ck_assert_int_eq(assign(&t, "Two", "Age", "0", msg), 0);
        ck_assert_int_eq(assign(&t, "Two", "E", "blue", msg), 0);
        ck_assert_int_eq(assign(&t, "Two", "Dir", "/x/y..z", msg), 0);
        ck_assert_int_eq(assign(&t, "Two", "C", "hello", msg), 0);
        ck_assert_int_eq(assign(&t, "Two", "Secret", "9", msg), 0);
        ck_assert(!t.b);
        ck_assert_uint_eq(t.u32, 4294967295U);
        ck_assert(t.u64 == UINT64_MAX);
        ck_assert_uint_eq(t.age, 0);
        ck_assert_int_eq(t.e, 2);
        ck_assert_str_eq(t.dir, "/x/y..z");
        ck_assert_str_eq(t.custom, "hello");
        ck_assert_uint_eq(t.secret, 9);
        /* "Key=" resets every type to its default */
        for (size_t i = 0; i < ELEMENTSOF(t_keys); i++)
                ck_assert_int_eq(assign(&t, t_keys[i].section, t_keys[i].name, "", msg), 0);
        check_t_defaults(&t);
        config_table_free(&t_table, &t);
        ck_assert_ptr_null(t.dir);
}
END_TEST

START_TEST(test_table_errors) {
        static const struct {
                const char *section, *key, *value, *needle;
        } t[] = {
                { "Three", "B", "yes", "unknown section [Three]" },
                { "One", "b", "yes", "unknown key 'b' in section [One]" }, /* names are case-sensitive */
                { "One", "E", "red", "unknown key 'E' in section [One]" },
                { "One", "B", "maybe", "B= expects yes or no, not 'maybe'" },
                { "One", "U32", "0", "U32= expects a number in 1..4294967295, not '0'" },
                { "One", "U32", "4294967296", "U32= expects a number in 1..4294967295" },
                { "One", "U32", "07", "U32= expects a number" },
                { "One", "U64", "9", "U64= expects a number in 10..18446744073709551615" },
                { "Two", "Age", "59", "Age= expects 0 or a number in 60..120, not '59'" },
                { "Two", "Age", "121", "Age= expects 0 or a number in 60..120" },
                { "Two", "Age", "00", "Age= expects 0 or a number" },
                { "Two", "E", "Red", "E= expects red, green or blue, not 'Red'" },
                { "Two", "Dir", "relative", "Dir= expects an absolute directory without '..'" },
                { "Two", "Dir", "/a/../b", "Dir= expects an absolute directory" },
                { "Two", "Dir", "/a/..", "Dir= expects an absolute directory" },
                { "Two", "C", "0123456789abcdef", "C= too long" },
                { "Two", "Secret", "1234567", "Secret= has a bad value" },
                { "One", "B", "\x1b[31m", "not '\\x1b[31m'" }, /* control bytes escaped */
        };
        char msg[CONFIG_ERROR_MESSAGE_MAX];
        T v = {};

        ck_assert_int_eq(config_table_defaults(&t_table, &v), 0);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ck_assert_msg(assign(&v, t[i].section, t[i].key, t[i].value, msg) == -EINVAL, "case %zu", i);
                ck_assert_msg(strstr(msg, t[i].needle), "case %zu: %s", i, msg);
        }
        /* the secret's value never appears */
        ck_assert_int_eq(assign(&v, "Two", "Secret", "1234567", msg), -EINVAL);
        ck_assert_ptr_null(strstr(msg, "1234567"));
        /* nothing changed */
        check_t_defaults(&v);
        config_table_free(&t_table, &v);
}
END_TEST

static int dump_cb(const char *key, const char *value, void *userdata) {
        char *out = userdata;
        size_t o = strlen(out);

        snprintf(out + o, 512 - o, "%s=%s\n", key, value);
        return strcmp(key, "Two.Dir") == 0 && strcmp(value, "/stop") == 0 ? -ECANCELED : 0;
}

START_TEST(test_table_dump_and_load) {
        char out[512] = "", files[256];
        unsigned calls = 0;
        ConfigError err;
        Roots r;
        T v = {};

        ck_assert_int_eq(config_table_defaults(&t_table, &v), 0);
        ck_assert_int_eq(config_table_dump(&t_table, &v, dump_cb, out), 0);
        /* table order; not the NO_DUMP, SECRET or CUSTOM keys */
        ck_assert_str_eq(out, "One.B=yes\nOne.U32=7\nOne.U64=11\nTwo.E=green\nTwo.Dir=/default/dir\n");
        config_table_free(&t_table, &v);

        /* config_table_load(): defaults, then the tree; userdata reaches the key's own parser */
        roots_init(&r);
        put(&r, USRLIB, "t.conf", "[One]\nB=no\nU32=2\n");
        put(&r, ETC, "t.conf.d/50.conf", "[Two]\nC=x\nDir=/stop\n[One]\nU32=\n");
        memset(&v, 0, sizeof v);
        {
                char **l = NULL;
                size_t n = 0;

                ck_assert_int_eq(config_table_load(&t_table, r.v, 3, &v, &calls, &l, &n, &err), 0);
                ck_assert_uint_eq(n, 2);
                config_strv_free(l);
        }
        ck_assert(!v.b);
        ck_assert_uint_eq(v.u32, 7); /* reset by the later "U32=" */
        ck_assert_str_eq(v.custom, "x");
        ck_assert_uint_eq(calls, 1); /* defaults call it without userdata */
        out[0] = '\0';
        ck_assert_int_eq(config_table_dump(&t_table, &v, dump_cb, out), -ECANCELED);
        ck_assert_str_eq(out, "One.B=no\nOne.U32=7\nOne.U64=11\nTwo.E=green\nTwo.Dir=/stop\n");
        config_table_free(&t_table, &v);
        /* an unknown key in a drop-in: file and line */
        put(&r, RUN, "t.conf.d/60.conf", "[One]\n# x\nNope=1\n");
        memset(&v, 0, sizeof v);
        ck_assert_int_eq(config_table_load(&t_table, r.v, 3, &v, NULL, NULL, NULL, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 3);
        ck_assert_ptr_nonnull(strstr(err.file, "run/t.conf.d/60.conf"));
        ck_assert_ptr_nonnull(strstr(err.message, "unknown key 'Nope' in section [One]"));
        config_table_free(&t_table, &v);
        (void) files;
        roots_done(&r);
}
END_TEST

int main(void) {
        Suite *s = suite_create("conf");
        TCase *rules = tcase_create("/conf/rules");
        TCase *tok = tcase_create("/conf/tokenizer");
        TCase *tree = tcase_create("/conf/tree");
        TCase *table = tcase_create("/conf/table");

        TU_ADD(rules, test_bool_rule);
        TU_ADD(rules, test_uint_rule);
        TU_ADD(rules, test_limit_escape);
        TU_ADD(tok, test_tokenizer);
        TU_ADD(tok, test_tokenizer_errors);
        TU_ADD(tok, test_limit_line);
        TU_ADD(tok, test_limit_section);
        TU_ADD(tok, test_limit_text_size);
        TU_ADD(tree, test_tree_main_file);
        TU_ADD(tree, test_tree_dropins);
        TU_ADD(tree, test_tree_errors);
        TU_ADD(tree, test_tree_file_limits);
        TU_ADD(tree, test_tree_dropin_count);
        TU_ADD(table, test_table_types);
        TU_ADD(table, test_table_errors);
        TU_ADD(table, test_table_dump_and_load);
        suite_add_tcase(s, rules);
        suite_add_tcase(s, tok);
        suite_add_tcase(s, tree);
        suite_add_tcase(s, table);
        return tu_run(s);
}
