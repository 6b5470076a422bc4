/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* roles.c: role names, printing and parsing of role masks (roles.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macros.h"
#include "roles.h"

static const struct {
        uint32_t bit;
        const char *name;
} role_table[ROLES_COUNT] = {
        { ROLE_NONE, "NONE" },
        { ROLE_OEM, "OEM" },
        { ROLE_OPERATOR, "OPERATOR" },
        { ROLE_MANAGER, "MANAGER" },
        { ROLE_USER_AUTH, "USER_AUTH" },
        { ROLE_ENTERPRISE, "ENTERPRISE" },
        { ROLE_USER_UNAUTH, "USER_UNAUTH" },
        { ROLE_OPERATOR_TPS, "OPERATOR_TPS" },
        { ROLE_KNOWN_PPG, "KNOWN_PPG" },
        { ROLE_TRUSTED_PPG, "TRUSTED_PPG" },
        { ROLE_PPG_AUTH, "PPG_AUTH" },
        { ROLE_PPG_TRUSTED, "PPG_TRUSTED" },
        { ROLE_ANY_PUSH_SOURCE, "ANY_PUSH_SOURCE" },
};

const char *role_name(uint32_t role) {
        for (size_t i = 0; i < ELEMENTSOF(role_table); i++)
                if (role_table[i].bit == role)
                        return role_table[i].name;
        return NULL;
}

const char *roles_format(uint32_t mask, char *buf, size_t size) {
        size_t len = 0;

        if (!buf || size == 0)
                return buf;
        buf[0] = '\0';
        if (mask == 0) {
                snprintf(buf, size, "NONE");
                return buf;
        }
        for (size_t i = 1; i < ELEMENTSOF(role_table); i++)
                if (mask & role_table[i].bit) {
                        int n = snprintf(buf + len, size - len, "%s%s", len ? "|" : "", role_table[i].name);

                        if (n < 0 || (size_t) n >= size - len)
                                return buf;
                        len += (size_t) n;
                }
        if (mask & ~(uint32_t) ROLE_ALL)
                snprintf(buf + len, size - len, "%s0x%x", len ? "|" : "", mask & ~(uint32_t) ROLE_ALL);
        return buf;
}

int roles_parse_decimal(const char *s, uint32_t *ret) {
        uint64_t v = 0;
        size_t n;

        if (!s || !ret)
                return -EINVAL;
        n = strlen(s);
        if (n == 0 || n > 10)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v & ~(uint64_t) ROLE_ALL)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int role_from_name(const char *s, size_t len, uint32_t *ret) {
        char tok[32];

        if (len >= sizeof tok)
                return -EINVAL;
        memcpy(tok, s, len);
        tok[len] = '\0';
        if (isdigit((unsigned char) tok[0]))
                return roles_parse_decimal(tok, ret);
        if (strncasecmp(tok, "SECROLE_", 8) == 0)
                memmove(tok, tok + 8, len - 8 + 1);
        /* the header's CARRIER names for the same bits (§1.1) */
        if (strcasecmp(tok, "CARRIER") == 0) {
                *ret = ROLE_OPERATOR;
                return 0;
        }
        if (strcasecmp(tok, "CARRIER_TPS") == 0) {
                *ret = ROLE_OPERATOR_TPS;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(role_table); i++)
                if (strcasecmp(tok, role_table[i].name) == 0) {
                        *ret = role_table[i].bit;
                        return 0;
                }
        return -EINVAL;
}

int roles_parse(const char *s, uint32_t *ret) {
        uint32_t mask = 0;
        bool any = false;
        const char *p;

        if (!s || !ret)
                return -EINVAL;
        p = s;
        for (;;) {
                size_t len;
                uint32_t v;

                p += strspn(p, "|+, \t");
                if (!*p)
                        break;
                len = strcspn(p, "|+, \t");
                if (role_from_name(p, len, &v) < 0)
                        return -EINVAL;
                mask |= v;
                any = true;
                p += len;
        }
        if (!any)
                return -EINVAL;
        *ret = mask;
        return 0;
}
