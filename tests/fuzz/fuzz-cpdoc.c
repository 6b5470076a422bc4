/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-cpdoc.c: libFuzzer entry for the whole CP document path: cpdoc_from_bytes (WBXML or
 * XML by sniffing), cpdoc_validate over the schema table (with the element path), and both
 * printers into a memory stream. A rejection must name a layer and a reason; a validation
 * failure must come with a path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DecodeError e = {};
        CpDocValidateError v = {};
        CpDoc *d = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = cpdoc_from_bytes(data, size, &d, &e);
        if (r < 0) {
                if (!e.layer || !e.reason || d)
                        abort();
                return 0;
        }
        e = (DecodeError) {};
        r = cpdoc_validate_ex(d, &e, &v);
        if (r < 0 && (!e.layer || strcmp(e.layer, "cpdoc") != 0 || !e.reason || v.path[0] != '/' ||
                      strlen(v.path) >= CPDOC_PATH_MAX))
                abort();

        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (cpdoc_print_xml(d, f) < 0 || cpdoc_print_json(d, f) < 0)
                abort();
        fclose(f);
        free(buf);
        cpdoc_free(d);
        return 0;
}
