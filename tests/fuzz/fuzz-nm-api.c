/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-nm-api.c: libFuzzer entry point for the reader of NetworkManager's replies
 * (verifierd/export-nm-api.h, export_nm_api_canonical): the input is a recipe for one or two
 * a{sa{sv}} messages (as GetSettings and GetSecrets return them) whose values are any D-Bus type,
 * nested deeper than EXPORT_NM_API_DEPTH_MAX and longer than the limits allow. sd-bus has no
 * public way to make a message from raw bytes, so the messages are built with its append calls
 * (what it refuses to build, NetworkManager cannot send either). Checked with abort(): the only
 * errors are -EBADMSG and -ENOMEM; a canonical text is below EXPORT_NM_API_CANON_MAX, is lines of
 * "setting.property=signature:value" with no other control character than their ends, and the
 * same messages read again give the same text. Replayed by tests/fuzz/replay.c in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "verifierd/export-nm-api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECIPE_DEPTH_MAX 12U /* past EXPORT_NM_API_DEPTH_MAX: the reader must refuse, not recurse */
#define RECIPE_ITEMS_MAX 64U

static void check(int ok) {
        if (!ok)
                abort();
}

typedef struct Recipe {
        const uint8_t *p;
        size_t left;
} Recipe;

static unsigned take(Recipe *r) {
        if (r->left == 0)
                return 0;
        r->left--;
        return *r->p++;
}

/* A NUL-terminated string of up to 31 bytes from the recipe (any bytes: sd-bus refuses the bad). */
static void take_str(Recipe *r, char out[32]) {
        unsigned n = take(r) % 32;
        unsigned i;

        for (i = 0; i < n && r->left > 0; i++)
                out[i] = (char) take(r);
        out[i] = 0; /* a NUL in the bytes ends it early */
}

/* The signature of a value of the recipe's choosing (at most @depth containers deep), in @sig. */
static int pick_sig(Recipe *r, unsigned depth, char *sig, size_t size) {
        static const char basic[] = "ybnqiuxtdsog";
        unsigned k = take(r) % 16;
        char inner[64];

        if (size < 2)
                return -E2BIG;
        if (k < 12 || depth == 0) {
                sig[0] = basic[k % 12];
                sig[1] = 0;
                return 0;
        }
        if (k == 12 || k == 13) {
                /* an array, or a dictionary of strings to a value */
                if (pick_sig(r, depth - 1, inner, sizeof inner) < 0)
                        return -E2BIG;
                return snprintf(sig, size, k == 12 ? "a%s" : "a{s%s}", inner) < (int) size ? 0 : -E2BIG;
        }
        if (k == 14) {
                if (pick_sig(r, depth - 1, inner, sizeof inner) < 0)
                        return -E2BIG;
                return snprintf(sig, size, "(s%s)", inner) < (int) size ? 0 : -E2BIG;
        }
        sig[0] = 'v';
        sig[1] = 0;
        return 0;
}

static int append_value(sd_bus_message *m, Recipe *r, const char *sig, unsigned depth);

/* One complete type of @sig at @sig; returns its length in @sig. */
static size_t type_len(const char *sig) {
        size_t n = 1;
        int d = 0;

        if (sig[0] == 'a')
                return 1 + type_len(sig + 1);
        if (sig[0] != '(' && sig[0] != '{')
                return 1;
        for (n = 0; sig[n]; n++) {
                if (sig[n] == '(' || sig[n] == '{')
                        d++;
                else if (sig[n] == ')' || sig[n] == '}')
                        d--;
                if (d == 0)
                        return n + 1;
        }
        return n;
}

static int append_value(sd_bus_message *m, Recipe *r, const char *sig, unsigned depth) {
        char s[32], inner[64];
        size_t n;
        int k;

        switch (sig[0]) {
        case 'y': case 'b': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': {
                uint64_t v = 0;

                for (unsigned i = 0; i < 8; i++)
                        v = (v << 8) | take(r);
                if (sig[0] == 'b')
                        v &= 1;
                if (sig[0] == 'd') {
                        double d = (double) (int64_t) v / 7.0;

                        return sd_bus_message_append_basic(m, 'd', &d);
                }
                return sd_bus_message_append_basic(m, sig[0], &v);
        }
        case 's': case 'o': case 'g':
                take_str(r, s);
                return sd_bus_message_append_basic(m, sig[0], s);
        case 'v':
                if (depth == 0 || pick_sig(r, depth - 1, inner, sizeof inner) < 0)
                        return -E2BIG;
                k = sd_bus_message_open_container(m, 'v', inner);
                if (k >= 0)
                        k = append_value(m, r, inner, depth - 1);
                return k < 0 ? k : sd_bus_message_close_container(m);
        case 'a':
                n = type_len(sig + 1);
                if (n >= sizeof inner)
                        return -E2BIG;
                memcpy(inner, sig + 1, n);
                inner[n] = 0;
                k = sd_bus_message_open_container(m, 'a', inner);
                for (unsigned i = 0, c = take(r) % RECIPE_ITEMS_MAX; k >= 0 && i < c && r->left > 0; i++)
                        k = append_value(m, r, inner, depth);
                return k < 0 ? k : sd_bus_message_close_container(m);
        case '(': case '{': {
                char type = sig[0] == '(' ? 'r' : 'e';
                size_t len = type_len(sig);

                if (len - 2 >= sizeof inner)
                        return -E2BIG;
                memcpy(inner, sig + 1, len - 2);
                inner[len - 2] = 0;
                k = sd_bus_message_open_container(m, type, inner);
                for (const char *t = inner; k >= 0 && *t; t += type_len(t))
                        k = append_value(m, r, t, depth);
                return k < 0 ? k : sd_bus_message_close_container(m);
        }
        }
        return -EINVAL;
}

/* One a{sa{sv}} from the recipe, sealed and rewound; NULL when sd-bus refused what it asked for. */
static sd_bus_message *build(sd_bus *bus, Recipe *r) {
        static const char *const settings[] = { "connection", "gsm", "ppp", "ipv4", "ipv6", "user" };
        sd_bus_message *m = NULL;
        int k;

        if (sd_bus_message_new_method_call(bus, &m, "a.b", "/a", "a.b", "M") < 0)
                return NULL;
        k = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        for (unsigned i = 0, ns = take(r) % 8; k >= 0 && i < ns; i++) {
                char name[32], sig[64];
                unsigned which = take(r);

                if (which < 200)
                        snprintf(name, sizeof name, "%s", settings[which % 6]);
                else
                        take_str(r, name);
                k = sd_bus_message_open_container(m, 'e', "sa{sv}");
                if (k >= 0)
                        k = sd_bus_message_append(m, "s", name);
                if (k >= 0)
                        k = sd_bus_message_open_container(m, 'a', "{sv}");
                for (unsigned j = 0, np = take(r) % RECIPE_ITEMS_MAX; k >= 0 && j < np && r->left > 0; j++) {
                        take_str(r, name);
                        k = sd_bus_message_open_container(m, 'e', "sv");
                        if (k >= 0)
                                k = sd_bus_message_append(m, "s", name);
                        if (k >= 0)
                                k = pick_sig(r, RECIPE_DEPTH_MAX, sig, sizeof sig);
                        if (k >= 0)
                                k = sd_bus_message_open_container(m, 'v', sig);
                        if (k >= 0)
                                k = append_value(m, r, sig, RECIPE_DEPTH_MAX);
                        if (k >= 0)
                                k = sd_bus_message_close_container(m);
                        if (k >= 0)
                                k = sd_bus_message_close_container(m);
                }
                if (k >= 0)
                        k = sd_bus_message_close_container(m);
                if (k >= 0)
                        k = sd_bus_message_close_container(m);
        }
        if (k >= 0)
                k = sd_bus_message_close_container(m);
        if (k >= 0)
                k = sd_bus_message_seal(m, 1, 0);
        if (k >= 0)
                k = sd_bus_message_rewind(m, 1);
        if (k < 0)
                return sd_bus_message_unref(m);
        return m;
}

static void check_text(const char *t) {
        size_t n = strlen(t);

        check(n < EXPORT_NM_API_CANON_MAX);
        check(n == 0 || t[n - 1] == '\n');
        for (const char *line = t; *line;) {
                const char *end = strchr(line, '\n'), *eq = memchr(line, '=', (size_t) (end - line));

                check(end && eq && memchr(line, '.', (size_t) (eq - line)) && memchr(eq, ':', (size_t) (end - eq)));
                for (const char *c = line; c < end; c++)
                        check((unsigned char) *c >= 0x20 && *c != 0x7F);
                line = end + 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static sd_bus *bus;
        static int pair[2] = { -1, -1 };
        Recipe r = { .p = data, .left = size };
        sd_bus_message *msgs[2] = {};
        size_t n = 0;
        char *a = NULL, *b = NULL;
        int ra, rb;

        if (!bus) {
                /* sd-bus makes messages only for a started bus: one end of a socket pair */
                check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
                check(sd_bus_new(&bus) >= 0 && sd_bus_set_fd(bus, pair[0], pair[0]) >= 0 && sd_bus_start(bus) >= 0);
        }
        for (unsigned i = 0, want = 1 + take(&r) % 2; i < want; i++) {
                msgs[n] = build(bus, &r);
                if (!msgs[n])
                        break;
                n++;
        }
        if (n == 0)
                return 0;
        ra = export_nm_api_canonical(msgs, n, &a);
        check(ra == 0 || ra == -EBADMSG || ra == -ENOMEM);
        for (size_t i = 0; i < n; i++)
                check(sd_bus_message_rewind(msgs[i], 1) >= 0);
        rb = export_nm_api_canonical(msgs, n, &b);
        check(ra == rb);
        if (ra == 0) {
                check_text(a);
                check(strcmp(a, b) == 0);
        }
        export_nm_api_text_free(a);
        export_nm_api_text_free(b);
        for (size_t i = 0; i < n; i++)
                sd_bus_message_unref(msgs[i]);
        return 0;
}
