/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine-testutil.h: header-only helpers for the store, exporter, engine and crash tests:
 * build a CpDoc from a compact spec with the real builder, temporary directories, and a
 * recursive remove. Spec grammar:  doc := char*   char := TYPE '{' (parm | char) (';' ...)* '}'
 *   parm := NAME ['=' VALUE]  (no '=' : a flag parm). Values cannot hold '{', '}', ';' or '=';
 * tests that need hostile bytes use the builder directly.
 */
#pragma once

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpdoc-builder.h"
#include "cpdoc.h"

static inline size_t et_token(const char *s, const char *stop) {
        size_t n = 0;

        while (s[n] && !strchr(stop, s[n]))
                n++;
        return n;
}

/* Build from the spec; aborts the test on any builder error. */
static inline CpDoc *et_doc(const char *spec) {
        CpDoc *d = NULL;
        const char *p = spec;
        int depth = 0;

        ck_assert_int_eq(cpdoc_builder_new(&d, CPDOC_SOURCE_XML), 0);
        ck_assert_int_eq(cpdoc_builder_version(d, "1.1", 3), 0);
        while (*p) {
                size_t n;

                if (*p == ' ' || *p == '\n' || *p == ';') {
                        p++;
                        continue;
                }
                if (*p == '}') {
                        ck_assert_int_eq(cpdoc_builder_close(d), 0);
                        depth--;
                        p++;
                        continue;
                }
                n = et_token(p, "{};=");
                ck_assert_msg(n > 0, "bad spec at '%s'", p);
                if (p[n] == '{') {
                        ck_assert_int_eq(cpdoc_builder_open(d, p, n), 0);
                        depth++;
                        p += n + 1;
                } else if (p[n] == '=') {
                        const char *v = p + n + 1;
                        size_t vn = et_token(v, "{};");

                        ck_assert_int_eq(cpdoc_builder_parm(d, p, n, v, vn), 0);
                        p = v + vn;
                } else {
                        ck_assert_int_eq(cpdoc_builder_parm(d, p, n, NULL, 0), 0);
                        p += n;
                }
        }
        ck_assert_int_eq(depth, 0);
        ck_assert_int_eq(cpdoc_builder_finish(d), 0);
        return d;
}

/* The document as text XML (a body the real decoder reads back). Caller frees. */
static inline char *et_xml(const CpDoc *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(cpdoc_print_xml(d, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

/* A fresh directory under @base. Caller frees the string and removes the tree. */
static inline char *et_tmpdir_in(const char *base, const char *tag) {
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/provboot-%s-XXXXXX", base, tag), 0);
        ck_assert_ptr_nonnull(mkdtemp(p));
        return p;
}

/* A fresh directory under $TMPDIR (or /tmp). */
static inline char *et_tmpdir(const char *tag) {
        const char *base = getenv("TMPDIR");

        return et_tmpdir_in(base && *base ? base : "/tmp", tag);
}

static inline void et_rm_rf(const char *path) {
        DIR *d = opendir(path);
        struct dirent *de;

        if (!d) {
                (void) unlink(path);
                return;
        }
        while ((de = readdir(d))) {
                char *sub = NULL;
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                ck_assert_int_ge(asprintf(&sub, "%s/%s", path, de->d_name), 0);
                if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                        et_rm_rf(sub);
                else
                        (void) unlink(sub);
                free(sub);
        }
        closedir(d);
        (void) rmdir(path);
}

/* Number of directory entries (without . and ..) whose name starts with @prefix ("" = all). */
static inline unsigned et_count_files(const char *dir, const char *prefix) {
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                    strncmp(de->d_name, prefix, strlen(prefix)) == 0)
                        n++;
        closedir(d);
        return n;
}

/* Read a whole file into a NUL-terminated buffer, or NULL if it cannot be opened. */
static inline char *et_slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;
        FILE *m;
        int c;

        if (!f)
                return NULL;
        m = open_memstream(&buf, &size);
        ck_assert_ptr_nonnull(m);
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        return buf;
}
