/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpdoc-decode.c: the one entry point that picks a CP document's front end (cpdoc.h
 * cpdoc_from_bytes). Kept apart from the model (cpdoc.c), which both front ends build through
 * cpdoc-builder.h: the model depends on neither front end, so the three files form no cycle.
 */
#include "cpdoc.h"

int cpdoc_from_bytes(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err) {
        size_t i = 0;

        if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
                i = 3;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
                i++;
        if (i < len && buf[i] == '<')
                return cpdoc_from_xml(buf, len, ret, err);
        return cpdoc_from_wbxml(buf, len, ret, err);
}
