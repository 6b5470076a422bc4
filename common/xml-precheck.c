/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-precheck.c: see xml-precheck.h. Pure; no libxml2. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "macros.h"
#include "utf8.h"
#include "xml-precheck.h"

static bool ascii_ieq(const uint8_t *a, size_t n, const char *b) {
        return strlen(b) == n && strncasecmp((const char *) a, b, n) == 0;
}

/* XML 1.0 §2.3 S */
static bool xml_space(uint8_t c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int xml_precheck_utf8(const uint8_t *buf, size_t len, size_t *ret_offset, const char **ret_reason) {
        const uint8_t *nul = memchr(buf, 0, len);
        size_t i = 0, end, scan = MIN(len, (size_t) XML_DECL_SCAN_MAX);

        if (len >= 2 && ((buf[0] == 0xFE && buf[1] == 0xFF) || (buf[0] == 0xFF && buf[1] == 0xFE))) {
                *ret_offset = 0;
                *ret_reason = "UTF-16 document (UTF-8 only)";
                return -EOPNOTSUPP;
        }
        if (len >= 4 && buf[0] == 0x4C && buf[1] == 0x6F && buf[2] == 0xA7 && buf[3] == 0x94) {
                *ret_offset = 0;
                *ret_reason = "EBCDIC document (UTF-8 only)";
                return -EOPNOTSUPP;
        }
        if (nul) {
                *ret_offset = (size_t) (nul - buf);
                *ret_reason = "NUL byte (UTF-8 XML only)";
                return -EBADMSG;
        }
        if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
                i = 3;
        if (scan < i + 6 || memcmp(buf + i, "<?xml", 5) != 0 || !xml_space(buf[i + 5]))
                return 0;
        for (end = i + 6; end + 1 < scan; end++)
                if (buf[end] == '?' && buf[end + 1] == '>')
                        break;
        if (end + 1 >= scan)
                return 0; /* no declaration end nearby: libxml2 decides, still as UTF-8 */
        for (size_t k = i + 6; k + 8 <= end; k++) {
                size_t v, q;
                uint8_t quote;

                if (memcmp(buf + k, "encoding", 8) != 0)
                        continue;
                v = k + 8;
                while (v < end && xml_space(buf[v]))
                        v++;
                if (v >= end || buf[v] != '=')
                        continue;
                v++;
                while (v < end && xml_space(buf[v]))
                        v++;
                if (v >= end || (buf[v] != '"' && buf[v] != '\''))
                        continue;
                quote = buf[v++];
                for (q = v; q < end && buf[q] != quote; q++)
                        ;
                if (q >= end)
                        continue;
                if (ascii_ieq(buf + v, q - v, "UTF-8") || ascii_ieq(buf + v, q - v, "UTF8") ||
                    ascii_ieq(buf + v, q - v, "US-ASCII") || ascii_ieq(buf + v, q - v, "ASCII"))
                        return 0;
                *ret_offset = v;
                *ret_reason = "XML declaration names an encoding other than UTF-8";
                return -EOPNOTSUPP;
        }
        return 0;
}

bool xml_char_data_ok(const uint8_t *p, size_t len) {
        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t n;

                if (p[i] < 0x80) {
                        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
                                return false;
                        i++;
                        continue;
                }
                n = utf8_seq(p + i, len - i, &cp);
                if (n == 0 || cp == 0xFFFE || cp == 0xFFFF)
                        return false;
                i += n;
        }
        return true;
}
