/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quarantine.c: the poison-push store (see quarantine.h for the file formats). Every file is
 * opened relative to a directory fd with O_NOFOLLOW, so a symlink planted in the directory
 * cannot redirect a write. The set is a small ring (oldest first) searched linearly: it holds at
 * most QUARANTINE_ENTRIES_MAX digests and is consulted once per push. No logging (the caller
 * logs what the return values say).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "quarantine.h"

#define LINE_LEN (QUARANTINE_DIGEST_HEX + 1U) /* digits and '\n' */
#define LIST_READ_MAX (64U * 1024U)            /* ignore anything past this in a list file */

struct Quarantine {
        int dir_fd;      /* -1: memory only */
        int inflight_fd; /* -1: memory only */
        uint8_t key[SIPHASH_KEY_SIZE];
        uint64_t entries[QUARANTINE_ENTRIES_MAX]; /* oldest first */
        size_t n;
        uint64_t recovered;
};

const char *quarantine_format(uint64_t digest, char *buf) {
        snprintf(buf, QUARANTINE_DIGEST_HEX + 1, "%016" PRIx64, digest);
        return buf;
}

/* Parse exactly 16 hex digits. Return: 0 or -EBADMSG. */
static int parse_digest(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len != QUARANTINE_DIGEST_HEX)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned) (c - 'A' + 10);
                else
                        return -EBADMSG;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

static int read_all(int fd, uint8_t *buf, size_t size, size_t *ret_len) {
        size_t n = 0;

        while (n < size) {
                ssize_t k = read(fd, buf + n, size - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *ret_len = n;
        return 0;
}

static int write_all(int fd, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t k = write(fd, p, len);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                len -= (size_t) k;
        }
        return 0;
}

/* Write a whole file through tmp + rename, so readers see the old or the new content. */
static int replace_file(int dir_fd, const char *name, const char *tmp, const void *buf, size_t len) {
        _cleanup_close_ int fd = -1;
        int r;

        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

static int fill_random(uint8_t *buf, size_t len) {
        size_t n = 0;

        while (n < len) {
                ssize_t k = getrandom(buf + n, len - n, 0);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                n += (size_t) k;
        }
        return 0;
}

static void set_append(Quarantine *q, uint64_t digest) {
        if (q->n == QUARANTINE_ENTRIES_MAX) { /* evict the oldest */
                memmove(q->entries, q->entries + 1, (QUARANTINE_ENTRIES_MAX - 1) * sizeof(uint64_t));
                q->n--;
        }
        q->entries[q->n++] = digest;
}

static int save_list(Quarantine *q) {
        char buf[QUARANTINE_ENTRIES_MAX * LINE_LEN + 1];
        size_t o = 0;

        if (q->dir_fd < 0)
                return 0;
        for (size_t i = 0; i < q->n; i++) {
                quarantine_format(q->entries[i], buf + o);
                o += QUARANTINE_DIGEST_HEX;
                buf[o++] = '\n';
        }
        return replace_file(q->dir_fd, QUARANTINE_LIST_FILE, QUARANTINE_LIST_TMP_FILE, buf, o);
}

/* Return: 1 a key was read; 0 a new key was made (the old set is meaningless); negative errno. */
static int load_key(Quarantine *q) {
        _cleanup_close_ int fd = -1;
        uint8_t buf[SIPHASH_KEY_SIZE + 1];
        size_t n = 0;
        int r;

        fd = openat(q->dir_fd, QUARANTINE_KEY_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
                r = read_all(fd, buf, sizeof(buf), &n);
                if (r < 0)
                        return r;
                if (n == SIPHASH_KEY_SIZE) {
                        memcpy(q->key, buf, SIPHASH_KEY_SIZE);
                        return 1;
                }
                /* Wrong size: replace the key below. */
        } else if (errno != ENOENT)
                return -errno;

        r = fill_random(q->key, sizeof(q->key));
        if (r < 0)
                return r;
        r = replace_file(q->dir_fd, QUARANTINE_KEY_FILE, QUARANTINE_KEY_TMP_FILE, q->key, sizeof(q->key));
        if (r < 0)
                return r;
        return 0;
}

static int load_list(Quarantine *q) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n = 0, i = 0;
        int r;

        fd = openat(q->dir_fd, QUARANTINE_LIST_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        buf = malloc(LIST_READ_MAX);
        if (!buf)
                return -ENOMEM;
        r = read_all(fd, buf, LIST_READ_MAX, &n);
        if (r < 0)
                return r;
        while (i < n) {
                size_t start = i;
                uint64_t d;

                while (i < n && buf[i] != '\n')
                        i++;
                /* A line that is not exactly one digest is skipped, not fatal. */
                if (parse_digest((const char *) buf + start, i - start, &d) >= 0 && !quarantine_contains(q, d))
                        set_append(q, d);
                i++;
        }
        return 0;
}

/* Return: 1 a digest was recovered from the marker; 0 none; negative errno. */
static int recover_inflight(Quarantine *q) {
        uint8_t buf[LINE_LEN + 1];
        size_t n = 0;
        uint64_t d;
        int r;

        q->inflight_fd = openat(q->dir_fd, QUARANTINE_INFLIGHT_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (q->inflight_fd < 0)
                return -errno;
        r = read_all(q->inflight_fd, buf, sizeof(buf), &n);
        if (r < 0)
                return r;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        if (parse_digest((const char *) buf, n, &d) < 0) {
                r = 0; /* empty (clean exit) or unreadable: nothing to recover */
        } else {
                q->recovered = d;
                r = quarantine_add(q, d);
                if (r < 0)
                        return r;
                r = 1;
        }
        if (ftruncate(q->inflight_fd, 0) < 0)
                return -errno;
        return r;
}

int quarantine_open(const char *dir, Quarantine **ret) {
        Quarantine *q;
        int r, recovered = 0;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->dir_fd = -1;
        q->inflight_fd = -1;

        if (!dir) {
                r = fill_random(q->key, sizeof(q->key));
                if (r < 0)
                        goto fail;
                *ret = q;
                return 0;
        }

        q->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (q->dir_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = load_key(q);
        if (r < 0)
                goto fail;
        if (r == 0) {
                /* New key: digests stored under an old one can never match again. */
                (void) unlinkat(q->dir_fd, QUARANTINE_LIST_FILE, 0);
                (void) unlinkat(q->dir_fd, QUARANTINE_INFLIGHT_FILE, 0);
        }
        r = load_list(q);
        if (r < 0)
                goto fail;
        recovered = recover_inflight(q);
        if (recovered < 0) {
                r = recovered;
                goto fail;
        }
        *ret = q;
        return recovered;
fail:
        quarantine_free(q);
        return r;
}

Quarantine *quarantine_free(Quarantine *q) {
        if (!q)
                return NULL;
        /* The marker is left as it is: only quarantine_end() clears it. */
        if (q->inflight_fd >= 0)
                close(q->inflight_fd);
        if (q->dir_fd >= 0)
                close(q->dir_fd);
        free(q);
        return NULL;
}

uint64_t quarantine_recovered(const Quarantine *q) {
        return q->recovered;
}

uint64_t quarantine_digest(const Quarantine *q, const void *buf, size_t len) {
        return siphash24(buf, len, q->key);
}

bool quarantine_contains(const Quarantine *q, uint64_t digest) {
        for (size_t i = 0; i < q->n; i++)
                if (q->entries[i] == digest)
                        return true;
        return false;
}

int quarantine_add(Quarantine *q, uint64_t digest) {
        int r;

        if (quarantine_contains(q, digest))
                return 0;
        set_append(q, digest);
        r = save_list(q);
        if (r < 0)
                return r;
        return 1;
}

size_t quarantine_size(const Quarantine *q) {
        return q->n;
}

int quarantine_begin(Quarantine *q, uint64_t digest) {
        char line[LINE_LEN + 1];
        ssize_t k;

        if (q->inflight_fd < 0)
                return 0; /* memory only: a crash would forget the marker anyway */
        quarantine_format(digest, line);
        line[QUARANTINE_DIGEST_HEX] = '\n';
        /* One small pwrite: the marker is either complete or (if it never happened) absent. */
        do
                k = pwrite(q->inflight_fd, line, LINE_LEN, 0);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        if ((size_t) k != LINE_LEN)
                return -EIO;
        return 0;
}

int quarantine_end(Quarantine *q) {
        if (q->inflight_fd < 0)
                return 0;
        if (ftruncate(q->inflight_fd, 0) < 0)
                return -errno;
        return 0;
}

bool quarantine_persistent(const Quarantine *q) {
        return q->dir_fd >= 0;
}
