/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc-decode.c: the one entry point that picks a CP document's front end (cpdoc.h
 * cpdoc_from_bytes). Kept apart from the model (cpdoc.c), which both front ends build through
 * cpdoc-builder.h: the model depends on neither front end, so the three files form no cycle.
 */
#include "cpdoc.h"

#ifdef PROVBOOT_TEST
#include <stdlib.h>
#include <string.h>

/* Issue 14's compromise test (tests/tools/compromise-hook.c, in build/verifierd-test only): a
 * stand-in for an exploit of a decoder, run from inside the decoder. Weak: NULL in every other
 * binary, and this block is not compiled into anything installed (no PROVBOOT_TEST there). */
#define PROVBOOT_COMPROMISE_MARK "PROVBOOT-TEST-COMPROMISE"
void provboot_test_compromise(void) __attribute__((weak));

static void test_compromise(const uint8_t *buf, size_t len) {
        static const char mark[] = PROVBOOT_COMPROMISE_MARK;

        if (provboot_test_compromise && getenv("PROVBOOT_TEST_COMPROMISE") &&
            memmem(buf, len, mark, sizeof(mark) - 1))
                provboot_test_compromise();
}
#else
static void test_compromise(const uint8_t *buf, size_t len) {
}
#endif

int cpdoc_from_bytes(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err) {
        size_t i = 0;

        test_compromise(buf, len);
        if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
                i = 3;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
                i++;
        if (i < len && buf[i] == '<')
                return cpdoc_from_xml(buf, len, ret, err);
        return cpdoc_from_wbxml(buf, len, ret, err);
}
