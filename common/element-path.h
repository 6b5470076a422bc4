/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * element-path.h: the one spelling of a CP element's path, used by the store (settings rows),
 * the policy evaluator (denied elements) and what provctl shows. A root-level characteristic is
 * "/TYPE", or "/TYPE[KEY=value]" when it has an identifying parm (NAPDEF NAPID, PXLOGICAL
 * PROXY-ID, PXPHYSICAL PHYSICAL-PROXY-ID, APPLICATION APPID and PROVIDER-ID, VENDORCONFIG NAME);
 * a nested characteristic adds "/TYPE..." the same way, a parm ".NAME". A segment repeated among
 * its siblings gets "#n" for its n-th repetition (n >= 1). Names and key values are
 * percent-encoded for '%', '/', '.', '[', ']', '=', ',', '#', space and control bytes, so a path
 * is unambiguous. Example: /NAPDEF[NAPID=internet]/NAPAUTHINFO.AUTHNAME
 * Elements flagged unknown or misplaced (cpdoc.h), and a root-level CertificateStore or
 * SecurityPolicy, are not counted as repetitions (they are never settings rows).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cpdoc.h"

#define ELEMENT_PATH_MAX (16U * 1024U) /* longest path, NUL included */

typedef struct PathBuf {
        char *p;
        size_t len, cap;
        bool failed; /* out of memory or over ELEMENT_PATH_MAX: p is not a path */
} PathBuf;

void path_buf_putn(PathBuf *b, const char *s, size_t n);
void path_buf_puts(PathBuf *b, const char *s);
/* @s percent-encoded as above. */
void path_buf_put_escaped(PathBuf *b, const char *s);
/* "#occ" for occ >= 1, nothing for 0. */
void path_buf_put_occurrence(PathBuf *b, unsigned occ);

/* Never stored, never counted: flagged unknown or misplaced. */
bool element_path_skipped(unsigned flags);
/* The same, for a characteristic under @parent (NULL at the root: CertificateStore and
 * SecurityPolicy too, which the store keeps elsewhere). */
bool element_path_skipped_at(const CpCharacteristic *c, const CpCharacteristic *parent);

/* "TYPE" or "TYPE[K=v,K2=w]", escaped, without the "#n" suffix; NULL when out of memory or
 * over ELEMENT_PATH_MAX. Free it. */
char *element_path_segment(const CpCharacteristic *c);

/*
 * element_path() - the path of characteristic @c of @doc, and of its parm @p when not NULL.
 * @buf: output; @size: its size (a longer path is cut, still NUL-terminated; "" when out of
 *   memory).
 * Return: @buf.
 */
const char *element_path(const CpDoc *doc, const CpCharacteristic *c, const CpParm *p, char *buf, size_t size);
