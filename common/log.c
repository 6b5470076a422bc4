/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c: the stderr logger with "<N>" prefixes (see log.h). One write(2) per line so lines
 * from concurrent writers never interleave; errno is preserved across the call except that it
 * is set to the error passed in, for "%m".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        if (level >= LOG_EMERG && level <= LOG_DEBUG)
                max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

int log_level_from_string(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

        if (!s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
                return s[0] - '0';
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        return -EINVAL;
}

int log_internal(int level, int error, const char *format, ...) {
        char line[LOG_LINE_MAX];
        va_list ap;
        int n, k;

        error = error < 0 ? -error : error;
        n = snprintf(line, sizeof(line), "<%d>", level & LOG_PRIMASK);
        errno = error;
        va_start(ap, format);
        k = vsnprintf(line + n, sizeof(line) - (size_t) n - 1, format, ap);
        va_end(ap);
        if (k < 0)
                k = 0;
        n += k;
        if ((size_t) n > sizeof(line) - 2)
                n = (int) sizeof(line) - 2;
        line[n++] = '\n';
        /* Best effort: there is nowhere to report a failed log write. */
        (void) !write(STDERR_FILENO, line, (size_t) n);
        errno = error;
        return -error;
}

const char *log_escape(const char *s, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        if (size == 0)
                return buf;
        if (!s) {
                snprintf(buf, size, "(null)");
                return buf;
        }
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '\'';
                size_t need = plain ? 1 : 4;

                if (o + need + 4 > size) { /* keep room for "..." and NUL */
                        if (o + 4 <= size)
                                memcpy(buf + o, "...", 3), o += 3;
                        break;
                }
                if (plain)
                        buf[o++] = (char) *p;
                else {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hex[*p >> 4];
                        buf[o++] = hex[*p & 15];
                }
        }
        buf[o] = 0;
        return buf;
}
