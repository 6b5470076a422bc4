/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macros.h: cleanup attributes and small helpers shared by every binary and test.
 * Written in-house in the style of systemd's public helpers (docs/conventions.md §6).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Take ownership of a pointer: return its value and set the variable to NULL. */
#define TAKE_PTR(p)                           \
        ({                                    \
                typeof(p) _tp_ = (p);         \
                (p) = NULL;                   \
                _tp_;                         \
        })

#define TAKE_FD(fd)                           \
        ({                                    \
                int _tfd_ = (fd);             \
                (fd) = -1;                    \
                _tfd_;                        \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Define type##p(type *p) calling func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        (void) func(*p);                \
        }

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

/* free() that returns NULL, for "p = mfree(p);". */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
