/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quarantine.h: the poison-push store (docs/architecture.md §2.1 "A push that crashes or stalls the decoder is
 * quarantined by digest"; docs/testing.md §7.4). Before provd decodes a push it writes
 * the push's digest to an in-flight marker and clears the marker afterwards. If provd dies
 * while decoding (crash, or the decode watchdog's signal), the marker survives; the next start
 * moves that digest into the quarantine set, and provd never decodes those bytes again, so a
 * poison push cannot crash-loop the daemon.
 *
 * Digests are SipHash-2-4 (siphash.h) under a random 128-bit key made with getrandom() and kept
 * beside the set, so digests stay comparable across restarts. The key is no secret: it only
 * stops a sender from predicting digests. Files in the directory (provd uses
 * $RUNTIME_DIRECTORY, i.e. /run/provboot/provd, which lives until reboot):
 *   quarantine.key   16 raw bytes, mode 0600, written once (temporary file + rename)
 *   quarantine.list  the set: one digest per line as 16 lower-case hex digits, oldest first,
 *                    at most QUARANTINE_ENTRIES_MAX lines (older ones are evicted); rewritten
 *                    whole through a temporary file + rename
 *   inflight         empty, or the digest being decoded as one such line
 * With no directory the store lives in memory only: the set works, but a crash forgets the
 * marker (docs/architecture.md §2.1: "in memory otherwise"). No I/O beyond these files, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

#define QUARANTINE_ENTRIES_MAX 256U
#define QUARANTINE_KEY_FILE "quarantine.key"
#define QUARANTINE_LIST_FILE "quarantine.list"
#define QUARANTINE_LIST_TMP_FILE "quarantine.list.tmp"
#define QUARANTINE_KEY_TMP_FILE "quarantine.key.tmp"
#define QUARANTINE_INFLIGHT_FILE "inflight"
#define QUARANTINE_DIGEST_HEX 16U /* digits of a digest in the files and in logs */

typedef struct Quarantine Quarantine;

/*
 * quarantine_open - load (creating as needed) the store in dir, or make an in-memory one when
 * dir is NULL. A digest left in the in-flight marker by a previous process is added to the set
 * and the marker cleared. A key file of the wrong size is replaced by a new key, and the set
 * and marker made under the old key are dropped.
 * Return: 0; 1 when a digest was recovered from the marker (see quarantine_recovered());
 *   negative errno from opening or writing the directory's files, or -ENOMEM.
 */
int quarantine_open(const char *dir, Quarantine **ret);
Quarantine *quarantine_free(Quarantine *q);

/* The digest recovered by quarantine_open() (valid when it returned 1). */
uint64_t quarantine_recovered(const Quarantine *q);

/* SipHash-2-4 of the bytes under the store's key. */
uint64_t quarantine_digest(const Quarantine *q, const void *buf, size_t len);

bool quarantine_contains(const Quarantine *q, uint64_t digest);

/*
 * quarantine_add - add a digest to the set and persist the set.
 * Return: 1 added; 0 already present; negative errno when the file could not be written (the
 *   digest is still in the in-memory set).
 */
int quarantine_add(Quarantine *q, uint64_t digest);

/* Digests in the set. */
size_t quarantine_size(const Quarantine *q);

/* Mark digest as being decoded now / clear the mark. Return: 0 or negative errno. */
int quarantine_begin(Quarantine *q, uint64_t digest);
int quarantine_end(Quarantine *q);

/* True when the store keeps its files in a directory (not memory only). */
bool quarantine_persistent(const Quarantine *q);

/* Format a digest as 16 lower-case hex digits into buf (at least QUARANTINE_DIGEST_HEX + 1 bytes). */
const char *quarantine_format(uint64_t digest, char *buf);
