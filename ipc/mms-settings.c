/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mms-settings.c: GetMmsSettings' dictionary and its value rules (mms-settings.h). Used by
 * verifierd (append, after checking what it publishes) and provboot-mmsd-sync (read, checking
 * again: it trusts the owner of org.provboot.Verifier1, never the values blindly).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "buswatch.h"
#include "macros.h"
#include "mms-settings.h"
#include "schema.h"

/* "host" or "host:port" of @n bytes at @s: host per schema_valid_host (an IPv6 address only in
 * brackets, since an unbracketed one cannot be told from its port), port 1..65535. */
static bool hostport_valid(const char *s, size_t n, bool port_required) {
        char host[IPC_MMS_VALUE_MAX + 1];
        const char *port = NULL, *end = s + n;
        size_t hn;

        if (n == 0 || n > IPC_MMS_VALUE_MAX)
                return false;
        if (s[0] == '[') {
                const char *close = memchr(s, ']', n);

                if (!close)
                        return false;
                hn = (size_t) (close - s) + 1;
                if (close + 1 < end) {
                        if (close[1] != ':')
                                return false;
                        port = close + 2;
                }
        } else {
                const char *colon = memchr(s, ':', n);

                hn = colon ? (size_t) (colon - s) : n;
                if (colon)
                        port = colon + 1;
        }
        memcpy(host, s, hn);
        host[hn] = 0;
        if (hn == 0 || !schema_valid_host(host))
                return false;
        if (!port)
                return !port_required;
        {
                char pbuf[8];
                size_t pn = (size_t) (end - port);

                if (pn == 0 || pn >= sizeof pbuf)
                        return false;
                memcpy(pbuf, port, pn);
                pbuf[pn] = 0;
                return schema_valid_uint(pbuf, 1, 65535);
        }
}

bool ipc_mms_mmsc_valid(const char *s) {
        size_t off, n;

        /* schema_valid_uri: printable ASCII URI characters only, so no control character, space
         * or non-ASCII byte reaches mmsd-tng's key file. */
        if (!s || strlen(s) > IPC_MMS_VALUE_MAX || !schema_valid_uri(s))
                return false;
        if (strncasecmp(s, "http://", 7) == 0)
                off = 7;
        else if (strncasecmp(s, "https://", 8) == 0)
                off = 8;
        else
                return false;
        n = strcspn(s + off, "/?#");
        /* no userinfo: no credential is ever published (mms-settings.h) */
        if (memchr(s + off, '@', n))
                return false;
        return hostport_valid(s + off, n, false);
}

bool ipc_mms_apn_valid(const char *s) {
        return s && s[0] && strlen(s) <= IPC_MMS_APN_MAX && schema_valid_apn(s);
}

bool ipc_mms_proxy_valid(const char *s) {
        if (!s)
                return false;
        if (strcmp(s, IPC_MMS_NO_PROXY) == 0)
                return true;
        return strlen(s) <= IPC_MMS_VALUE_MAX && hostport_valid(s, strlen(s), true);
}

bool ipc_mms_settings_valid(const IpcMmsSettings *s) {
        if (!s)
                return false;
        if (!s->have)
                return true;
        return ipc_mms_mmsc_valid(s->mmsc) && ipc_mms_apn_valid(s->apn) && ipc_mms_proxy_valid(s->proxy) &&
               s->push_id >= 1;
}

int ipc_mms_settings_append(sd_bus_message *m, const IpcMmsSettings *s) {
        int r;

        if (!m || !ipc_mms_settings_valid(s))
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (s->have) {
                r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}", IPC_MMS_KEY_MMSC, "s", s->mmsc, IPC_MMS_KEY_APN, "s",
                                          s->apn, IPC_MMS_KEY_PROXY, "s", s->proxy, IPC_MMS_KEY_PUSH_ID, "t",
                                          s->push_id);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

typedef struct ReadState {
        IpcMmsSettings *s;
        unsigned seen;                  /* bit per known key */
} ReadState;

static int read_entry(sd_bus_message *m, const char *key, void *userdata) {
        static const char *const keys[] = { IPC_MMS_KEY_MMSC, IPC_MMS_KEY_APN, IPC_MMS_KEY_PROXY, IPC_MMS_KEY_PUSH_ID };
        ReadState *st = userdata;
        int k = -1, r;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i]) == 0)
                        k = (int) i;
        if (k < 0)
                return 0; /* unknown: skipped */
        if (st->seen & (1U << k))
                return -EBADMSG; /* twice: which one would count? neither */
        st->seen |= 1U << k;
        switch (k) {
        case 0:
                r = bus_variant_read_basic(m, 's', &st->s->mmsc);
                break;
        case 1:
                r = bus_variant_read_basic(m, 's', &st->s->apn);
                break;
        case 2:
                r = bus_variant_read_basic(m, 's', &st->s->proxy);
                break;
        default:
                r = bus_variant_read_basic(m, 't', &st->s->push_id);
                break;
        }
        if (r == 0)
                return -EBADMSG; /* a known key with another type */
        return r;
}

int ipc_mms_settings_read(sd_bus_message *m, IpcMmsSettings *ret) {
        IpcMmsSettings s = {};
        ReadState st = { .s = &s };
        int r;

        if (!m || !ret)
                return -EINVAL;
        *ret = (IpcMmsSettings) {};
        r = bus_dict_read(m, IPC_MMS_DICT_MAX, read_entry, &st);
        if (r < 0)
                return r;
        if (st.seen == 0)
                return 0; /* nothing published */
        if (st.seen != 0xFU)
                return -EBADMSG;
        s.have = true;
        if (!ipc_mms_settings_valid(&s))
                return -EINVAL;
        *ret = s;
        return 0;
}
