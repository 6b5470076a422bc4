/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-nm-writer.c: libFuzzer entry point for provboot-nm-writer's request decoder
 * (nm-writer/nmw-proto.c, issue 14) and verifierd's reply decoder. Checked with abort(): a
 * request decodes only to one of the four ops; a decoded WRITE has a file name of our exact
 * shape (export_nm_name_valid: no '/', one directory) that is the one export_nm_profile_finish
 * derives again from its ROOT and NAPID, and its profile renders; a decoded READ/REMOVE names a
 * name of that shape; errors are -EBADMSG or -EMSGSIZE only. No file system is touched.
 * Replayed by tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nm-writer/nmw-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
        if (!ok)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static NmwRequest req;
        NmwReply rep;
        int r;

        r = nmw_decode_request(data, size, &req);
        check(r == 0 || r == -EBADMSG || r == -EMSGSIZE);
        if (r == 0) {
                check(req.op >= NMW_OP_WRITE && req.op <= NMW_OP_LIST);
                if (req.op == NMW_OP_WRITE) {
                        NmProfile again = req.profile;
                        char *text = NULL;

                        check(export_nm_name_valid(req.profile.filename));
                        check(strchr(req.profile.filename, '/') == NULL);
                        check(export_nm_profile_finish(&again) == 0);
                        check(strcmp(again.filename, req.profile.filename) == 0);
                        check(export_nm_render(&req.profile, &text) == 0);
                        check(strstr(text, "\n" EXPORT_NM_OWNER_MARKER "\n") != NULL);
                        free(text);
                } else if (req.op == NMW_OP_READ || req.op == NMW_OP_REMOVE)
                        check(req.name && export_nm_name_valid(req.name));
        }
        /* The same bytes as a reply (verifierd's side): never reads past the input. */
        if (nmw_decode_reply(data, size, &rep) == 0) {
                const uint8_t *p = rep.fields, *val;
                size_t left = rep.fields_len;
                uint8_t tag;
                uint16_t len;

                check(rep.fields + rep.fields_len == data + size);
                while (nmw_next_field(&p, &left, &tag, &val, &len) > 0)
                        check(val + len <= data + size);
        }
        return 0;
}
