/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc-builder.h: how the WBXML and XML front ends build a CpDoc (internal to common/).
 * The builder enforces the CPDOC_* limits (depth, counts, name and value lengths, the decoded
 * octets of the whole document: CPDOC_DECODED_MAX) and the
 * string rules (valid UTF-8, no NUL, no control characters other than TAB/LF/CR), so that
 * both front ends reject the same things the same way.
 */
#pragma once

#include "cpdoc.h"

/* Return: 0 or -ENOMEM. */
int cpdoc_builder_new(CpDoc **ret, CpDocSource source);

/* Set the wap-provisioningdoc version attribute. Return: 0, -EBADMSG, -E2BIG (CPDOC_NAME_MAX,
 * CPDOC_DECODED_MAX), -ENOMEM. */
int cpdoc_builder_version(CpDoc *d, const char *v, size_t len);

/*
 * Open a characteristic (child of the currently open one, or root-level).
 * Return: 0; -E2BIG over CPDOC_DEPTH_MAX / CPDOC_CHARACTERISTICS_MAX / CPDOC_NAME_MAX /
 *   CPDOC_DECODED_MAX;
 *   -EBADMSG empty or invalid type string; -ENOMEM.
 */
int cpdoc_builder_open(CpDoc *d, const char *type, size_t len);

/* Close the innermost open characteristic. Return: 0 or -EBADMSG (none open). */
int cpdoc_builder_close(CpDoc *d);

/*
 * Add a parm to the innermost open characteristic; value == NULL means no value attribute.
 * Return: 0; -EBADMSG (no open characteristic, empty/invalid name or value);
 *   -E2BIG over CPDOC_PARMS_MAX / CPDOC_NAME_MAX / CPDOC_VALUE_MAX / CPDOC_DECODED_MAX; -ENOMEM.
 */
int cpdoc_builder_parm(CpDoc *d, const char *name, size_t name_len, const char *value, size_t value_len);

/*
 * True once the builder refused a string because the document would hold more than
 * CPDOC_DECODED_MAX decoded octets (version, open and parm then returned -E2BIG), so that a
 * front end can name that limit in its DecodeError.
 */
bool cpdoc_builder_decoded_over(const CpDoc *d);

/* Copy a string into the document's arena (for header facts). NULL on -ENOMEM. */
const char *cpdoc_builder_strdup(CpDoc *d, const char *s, size_t len);

/* Finish: every characteristic must be closed. Return: 0 or -EBADMSG. */
int cpdoc_builder_finish(CpDoc *d);

/* Check a string against the document string rules. Return: 0, -EBADMSG. */
int cpdoc_check_string(const char *s, size_t len);
