/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.c: provboot-mmsd-sync's pure decisions and its state file format (plan.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buswatch.h"
#include "macros.h"
#include "plan.h"

static bool same(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

bool sync_record_matches(const SyncRecord *r, const IpcMmsSettings *pub) {
        return r && r->have && pub && pub->have && r->push_id == pub->push_id && same(r->mmsc, pub->mmsc) &&
               same(r->apn, pub->apn) && same(r->proxy, pub->proxy);
}

void sync_record_set(SyncRecord *ret, const IpcMmsSettings *pub) {
        *ret = (SyncRecord) { .have = true, .push_id = pub->push_id };
        /* valid publications fit (ipc/mms-settings.h limits = the buffer sizes) */
        snprintf(ret->mmsc, sizeof ret->mmsc, "%s", pub->mmsc);
        snprintf(ret->apn, sizeof ret->apn, "%s", pub->apn);
        snprintf(ret->proxy, sizeof ret->proxy, "%s", pub->proxy);
}

SyncAction sync_decide(const IpcMmsSettings *pub, const MmsdView *view, const SyncRecord *last) {
        if (!pub || !pub->have)
                return SYNC_NOTHING;
        if (view && same(view->mmsc, pub->mmsc) && same(view->apn, pub->apn) && same(view->proxy, pub->proxy))
                return SYNC_IN_SYNC;
        /* Handed over before, and mmsd-tng holds something else now: someone changed it there
         * (the user, in Chatty). Keep it until a newer push, unless mmsd-tng has lost its
         * settings altogether (its unset values: nothing of the user's to keep). */
        if (view && sync_record_matches(last, pub) && !same(view->mmsc, MMSD_UNSET_MMSC) &&
            !same(view->apn, MMSD_UNSET_APN))
                return SYNC_KEEP_USER_EDIT;
        return SYNC_APPLY;
}

unsigned sync_changes(const IpcMmsSettings *pub, const MmsdView *view, SyncChange ret[static 3]) {
        unsigned n = 0;

        if (!view || !same(view->mmsc, pub->mmsc))
                ret[n++] = (SyncChange) { MMSD_KEY_MMSC, pub->mmsc };
        if (!view || !same(view->apn, pub->apn))
                ret[n++] = (SyncChange) { MMSD_KEY_APN, pub->apn };
        if (!view || !same(view->proxy, pub->proxy))
                ret[n++] = (SyncChange) { MMSD_KEY_PROXY, pub->proxy };
        return n;
}

/* ---- what mmsd-tng reports ----------------------------------------------------------------- */

static int view_entry(sd_bus_message *m, const char *key, void *userdata) {
        MmsdView *v = userdata;
        const char **slot = NULL, *value = NULL;
        int r;

        if (strcmp(key, MMSD_KEY_MMSC) == 0)
                slot = &v->mmsc;
        else if (strcmp(key, MMSD_KEY_APN) == 0)
                slot = &v->apn;
        else if (strcmp(key, MMSD_KEY_PROXY) == 0)
                slot = &v->proxy;
        if (!slot)
                return 0;
        r = bus_variant_read_basic(m, 's', &value);
        if (r <= 0)
                return r; /* another type: skipped, the key counts as not reported */
        *slot = strnlen(value, MMSD_VIEW_VALUE_MAX + 1) > MMSD_VIEW_VALUE_MAX ? "" : value;
        return 1;
}

int sync_view_read(sd_bus_message *m, MmsdView *ret) {
        MmsdView v = {};
        int r;

        if (!m || !ret)
                return -EINVAL;
        *ret = v;
        r = bus_dict_read(m, MMSD_VIEW_DICT_MAX, view_entry, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

/* ---- the state file ------------------------------------------------------------------------ */

int sync_record_format(const SyncRecord *r, char *buf, size_t size) {
        int n;

        if (!r || !r->have)
                return -EINVAL;
        n = snprintf(buf, size,
                     "# provboot-mmsd-sync: the MMS settings last handed to mmsd-tng (written by the program)\n"
                     "%s=%" PRIu64 "\n%s=%s\n%s=%s\n%s=%s\n",
                     IPC_MMS_KEY_PUSH_ID, r->push_id, MMSD_KEY_MMSC, r->mmsc, MMSD_KEY_APN, r->apn, MMSD_KEY_PROXY,
                     r->proxy);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}

/* Copy the value [v, v+n) into dst (size dsize), checking its rule. */
static bool take(char *dst, size_t dsize, const char *v, size_t n, bool (*valid)(const char *)) {
        if (n >= dsize)
                return false;
        memcpy(dst, v, n);
        dst[n] = 0;
        return valid(dst);
}

static bool push_id_parse(const char *v, size_t n, uint64_t *ret) {
        uint64_t x = 0;

        if (n == 0 || n > 20 || (n > 1 && v[0] == '0'))
                return false;
        for (size_t i = 0; i < n; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return false;
                if (x > (UINT64_MAX - (uint64_t) (v[i] - '0')) / 10)
                        return false;
                x = x * 10 + (uint64_t) (v[i] - '0');
        }
        if (x == 0)
                return false;
        *ret = x;
        return true;
}

int sync_record_parse(const char *text, size_t len, SyncRecord *ret) {
        SyncRecord r = {};
        unsigned seen = 0;
        size_t pos = 0;

        *ret = r;
        if (!text)
                return -EINVAL;
        if (len > SYNC_STATE_MAX)
                return -E2BIG;
        if (memchr(text, 0, len))
                return -EBADMSG;
        while (pos < len) {
                const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *eq;
                size_t ll = nl ? (size_t) (nl - line) : len - pos;
                size_t kl, vl;
                bool ok;
                int k;

                pos += ll + (nl ? 1 : 0);
                if (ll == 0 || line[0] == '#')
                        continue;
                eq = memchr(line, '=', ll);
                if (!eq)
                        return -EBADMSG;
                kl = (size_t) (eq - line);
                vl = ll - kl - 1;
                if (kl == strlen(IPC_MMS_KEY_PUSH_ID) && memcmp(line, IPC_MMS_KEY_PUSH_ID, kl) == 0) {
                        k = 0;
                        ok = push_id_parse(eq + 1, vl, &r.push_id);
                } else if (kl == strlen(MMSD_KEY_MMSC) && memcmp(line, MMSD_KEY_MMSC, kl) == 0) {
                        k = 1;
                        ok = take(r.mmsc, sizeof r.mmsc, eq + 1, vl, ipc_mms_mmsc_valid);
                } else if (kl == strlen(MMSD_KEY_APN) && memcmp(line, MMSD_KEY_APN, kl) == 0) {
                        k = 2;
                        ok = take(r.apn, sizeof r.apn, eq + 1, vl, ipc_mms_apn_valid);
                } else if (kl == strlen(MMSD_KEY_PROXY) && memcmp(line, MMSD_KEY_PROXY, kl) == 0) {
                        k = 3;
                        ok = take(r.proxy, sizeof r.proxy, eq + 1, vl, ipc_mms_proxy_valid);
                } else
                        return -EBADMSG;
                if (!ok || (seen & (1U << k)))
                        return -EBADMSG;
                seen |= 1U << k;
        }
        if (seen != 0xFU)
                return -EBADMSG;
        r.have = true;
        *ret = r;
        return 0;
}
