/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * secret.c: guarded buffers for key material (see secret.h). The descriptor (size, access
 * count) is ordinary heap memory and holds nothing secret; the bytes are a sodium_malloc
 * allocation that is PROT_NONE except between acquire and release. sodium_free() checks the
 * canary and zeroes the bytes before unmapping, so no path frees a secret without wiping it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "secret.h"

struct Secret {
        uint8_t *data;          /* sodium_malloc'd; PROT_NONE while readers == 0 && !writer */
        size_t size;
        unsigned readers;       /* nested secret_acquire_ro() */
        bool writer;            /* secret_acquire_rw() open */
};

static int secret_sodium_init(void) {
        /* sodium_init() is idempotent: 0 first time, 1 already done, -1 failure. */
        return sodium_init() < 0 ? -ENOMEM : 0;
}

int secret_new(size_t size, Secret **ret) {
        Secret *s;
        int r;

        if (size == 0 || size > SECRET_SIZE_MAX || !ret)
                return -EINVAL;
        r = secret_sodium_init();
        if (r < 0)
                return r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->data = sodium_malloc(size);
        if (!s->data) {
                free(s);
                return -ENOMEM;
        }
        sodium_memzero(s->data, size);
        s->size = size;
        /* idle secrets are unreadable: a stray pointer faults instead of leaking */
        (void) sodium_mprotect_noaccess(s->data);
        *ret = s;
        return 0;
}

int secret_new_from(const void *data, size_t len, Secret **ret) {
        Secret *s = NULL;
        int r;

        if (!data)
                return -EINVAL;
        r = secret_new(len, &s);
        if (r < 0)
                return r;
        memcpy(secret_acquire_rw(s), data, len);
        secret_release(s);
        *ret = s;
        return 0;
}

int secret_new_from_string(const char *s, Secret **ret) {
        if (!s)
                return -EINVAL;
        return secret_new_from(s, strlen(s), ret);
}

Secret *secret_free(Secret *s) {
        if (!s)
                return NULL;
        /* sodium_free() needs the pages accessible; it wipes, checks the canary, unmaps */
        (void) sodium_mprotect_readwrite(s->data);
        sodium_free(s->data);
        free(s);
        return NULL;
}

size_t secret_size(const Secret *s) {
        return s ? s->size : 0;
}

const uint8_t *secret_acquire_ro(const Secret *cs) {
        Secret *s = (Secret *) cs; /* access bookkeeping only; the value is not modified */

        if (!s)
                return NULL;
        if (!s->writer && s->readers == 0)
                (void) sodium_mprotect_readonly(s->data);
        s->readers++;
        return s->data;
}

uint8_t *secret_acquire_rw(Secret *s) {
        if (!s || s->writer || s->readers > 0)
                return NULL;
        (void) sodium_mprotect_readwrite(s->data);
        s->writer = true;
        return s->data;
}

void secret_release(const Secret *cs) {
        Secret *s = (Secret *) cs;

        if (!s)
                return;
        if (s->writer)
                s->writer = false;
        else if (s->readers > 0)
                s->readers--;
        if (!s->writer && s->readers == 0)
                (void) sodium_mprotect_noaccess(s->data);
}

bool secret_is_acquired(const Secret *s) {
        return s && (s->writer || s->readers > 0);
}

int secret_concat(const Secret *a, const Secret *b, Secret **ret) {
        Secret *s = NULL;
        uint8_t *d;
        int r;

        if (!a || !b || !ret)
                return -EINVAL;
        if (a->size + b->size > SECRET_SIZE_MAX)
                return -EINVAL;
        r = secret_new(a->size + b->size, &s);
        if (r < 0)
                return r;
        d = secret_acquire_rw(s);
        memcpy(d, secret_acquire_ro(a), a->size);
        secret_release(a);
        memcpy(d + a->size, secret_acquire_ro(b), b->size);
        secret_release(b);
        secret_release(s);
        *ret = s;
        return 0;
}

int secret_harden_process(void) {
        struct rlimit rl = { 0, 0 };
        int r;

        r = secret_sodium_init();
        if (r < 0)
                return r;
        /* not dumpable: no core file, no ptrace attach by the same uid, /proc/PID/mem root-only */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return -errno;
        if (setrlimit(RLIMIT_CORE, &rl) < 0)
                return -errno;
        return 0;
}
