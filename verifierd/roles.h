/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * roles.h: the 13 Windows Mobile security roles as bits of a mask (docs/trust-boundary.md §1.2), with
 * their names, printing and parsing. The bottom layer of verifierd's policy: the configuration,
 * the metabase, the certificate store and the evaluator (policy.h) all read masks through it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* docs/trust-boundary.md §1.2; values are a fixed interface (provctl --json "roles"). */
enum {
        ROLE_NONE = 0,
        ROLE_OEM = 1U << 1,                     /*    2 SECROLE_OEM */
        ROLE_OPERATOR = 1U << 2,                /*    4 SECROLE_OPERATOR (CARRIER) */
        ROLE_MANAGER = 1U << 3,                 /*    8 SECROLE_MANAGER */
        ROLE_USER_AUTH = 1U << 4,               /*   16 SECROLE_USER_AUTH */
        ROLE_ENTERPRISE = 1U << 5,              /*   32 SECROLE_ENTERPRISE */
        ROLE_USER_UNAUTH = 1U << 6,             /*   64 SECROLE_USER_UNAUTH */
        ROLE_OPERATOR_TPS = 1U << 7,            /*  128 SECROLE_OPERATOR_TPS (CARRIER_TPS) */
        ROLE_KNOWN_PPG = 1U << 8,               /*  256 SECROLE_KNOWN_PPG */
        ROLE_TRUSTED_PPG = 1U << 9,             /*  512 SECROLE_TRUSTED_PPG */
        ROLE_PPG_AUTH = 1U << 10,               /* 1024 SECROLE_PPG_AUTH */
        ROLE_PPG_TRUSTED = 1U << 11,            /* 2048 SECROLE_PPG_TRUSTED */
        ROLE_ANY_PUSH_SOURCE = 1U << 12,        /* 4096 SECROLE_ANY_PUSH_SOURCE */
        ROLE_ALL = 0x1FFEU,                     /* 8190: every defined bit */
};

#define ROLES_COUNT 13U                 /* the 13 named roles, SECROLE_NONE included */
#define ROLES_FORMAT_MAX 192U           /* longest roles_format() output, NUL included */

/* role_name() - "OPERATOR" for ROLE_OPERATOR etc. (the SECROLE_ suffix); NULL unless one bit/0. */
const char *role_name(uint32_t role);

/**
 * roles_format() - "OPERATOR|USER_AUTH" for 20, "NONE" for 0; bits outside ROLE_ALL as "0x..".
 * @mask: role mask.
 * @buf: output, ROLES_FORMAT_MAX is always enough.
 * @size: its size.
 *
 * Return: @buf (truncated output still NUL-terminated).
 */
const char *roles_format(uint32_t mask, char *buf, size_t size);

/**
 * roles_parse() - a decimal mask ("20") or role names joined by '|', '+', ',' or whitespace
 *   ("OPERATOR|USER_AUTH", "SECROLE_OPERATOR"; case-insensitive; "NONE" is 0).
 * @s: text.
 * @ret: the mask, set only on success.
 *
 * Return: 0; -EINVAL empty, unknown name, or a bit outside ROLE_ALL.
 */
int roles_parse(const char *s, uint32_t *ret);

/**
 * roles_parse_decimal() - the strict form used inside documents (w7 ROLE, CertificateStore
 *   Role): decimal digits only, value within ROLE_ALL.
 * @s: text.
 * @ret: the mask, set only on success.
 *
 * Return: 0 or -EINVAL.
 */
int roles_parse_decimal(const char *s, uint32_t *ret);
