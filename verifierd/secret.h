/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * secret.h: the Secret type, verifierd's only container for key material (PINs as typed, the
 * IMSI, derived HMAC keys). The bytes live in libsodium guarded memory (sodium_malloc: guard
 * pages, a canary, mlock where the system allows it), are mapped PROT_NONE whenever nobody holds
 * them (sodium_mprotect_noaccess), readable or writable only between secret_acquire_*() and
 * secret_release(), and wiped by sodium_free(). secret_harden_process() makes the process
 * non-dumpable and turns core dumps off (docs/conventions.md §6). Nothing here logs, and no function
 * returns secret bytes anywhere but into the caller's hands.
 *
 * Not thread-safe: a Secret must be used by one thread at a time. In verifierd that is the thread
 * holding the engine lock (engine-lock.h): the event loop, or a DM session thread between its
 * network waits; every Secret is reached through the Engine, which the lock protects.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macros.h"

/* Largest secret we ever hold (a key is at most IMSI key + longest PIN; a file is not a secret). */
#define SECRET_SIZE_MAX 4096U

typedef struct Secret Secret;

/**
 * secret_new() - allocate a zero-filled secret of @size bytes in guarded memory.
 * @size: 1..SECRET_SIZE_MAX.
 * @ret: the new secret, idle (no access).
 *
 * Return: 0; -EINVAL for a size of 0 or over SECRET_SIZE_MAX; -ENOMEM (also when libsodium
 *   cannot be initialised).
 */
int secret_new(size_t size, Secret **ret);

/**
 * secret_new_from() - allocate a secret holding a copy of @len bytes at @data.
 * @data: source bytes; the caller wipes its own copy.
 * @len: 1..SECRET_SIZE_MAX.
 * @ret: the new secret, idle.
 *
 * Return: as secret_new().
 */
int secret_new_from(const void *data, size_t len, Secret **ret);

/**
 * secret_new_from_string() - secret_new_from(s, strlen(s)); the NUL is not part of the secret.
 * @s: a non-empty string.
 * @ret: the new secret.
 *
 * Return: as secret_new().
 */
int secret_new_from_string(const char *s, Secret **ret);

/**
 * secret_free() - wipe and release a secret (sodium_free zeroes before unmapping).
 * @s: a secret or NULL. Must not be acquired.
 *
 * Return: NULL.
 */
Secret *secret_free(Secret *s);

static inline void secret_freep(Secret **s) {
        if (*s)
                (void) secret_free(*s);
}
#define _cleanup_secret_ _cleanup_(secret_freep)

/* secret_size() - the number of secret bytes (not itself secret). */
size_t secret_size(const Secret *s);

/**
 * secret_acquire_ro() - map the bytes read-only and return them.
 * @s: the secret. Acquisitions nest; the bytes stay readable until the last release.
 *
 * The Secret's access state is bookkeeping, not part of its value, hence the const argument.
 * Return: the bytes (secret_size() of them), valid until the matching secret_release().
 */
const uint8_t *secret_acquire_ro(const Secret *s);

/**
 * secret_acquire_rw() - map the bytes read-write and return them.
 * @s: the secret; must not be acquired already.
 *
 * Return: the bytes, valid until secret_release().
 */
uint8_t *secret_acquire_rw(Secret *s);

/**
 * secret_release() - end one acquisition; the last one maps the bytes no-access again.
 * @s: the secret, or NULL (no-op).
 */
void secret_release(const Secret *s);

/**
 * secret_is_acquired() - whether the bytes are currently mapped (for tests and asserts).
 * @s: the secret.
 *
 * Return: true while at least one acquisition is open.
 */
bool secret_is_acquired(const Secret *s);

/**
 * secret_concat() - a new secret holding @a's bytes followed by @b's (e.g. IMSI key || PIN).
 * @a: first part.
 * @b: second part.
 * @ret: the new secret.
 *
 * Return: 0; -EINVAL when the sum exceeds SECRET_SIZE_MAX; -ENOMEM.
 */
int secret_concat(const Secret *a, const Secret *b, Secret **ret);

/**
 * secret_harden_process() - prctl(PR_SET_DUMPABLE, 0) (also blocks ptrace attach by non-root
 *   and /proc/PID/mem reads) and RLIMIT_CORE = 0; initialises libsodium.
 *
 * Return: 0; -errno from prctl/setrlimit; -ENOMEM when libsodium cannot be initialised.
 */
int secret_harden_process(void);
