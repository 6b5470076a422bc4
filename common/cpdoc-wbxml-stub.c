/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpdoc-wbxml-stub.c: TEMPORARY stand-in for common/wbxml.c, removed when it lands. */
#include <errno.h>

#include "cpdoc.h"

int cpdoc_from_wbxml(const uint8_t *buf, size_t len, CpDoc **ret, DecodeError *err) {
        return decode_fail(err, "wbxml", 0, "WBXML decoder not built (stub)", -EOPNOTSUPP);
}
