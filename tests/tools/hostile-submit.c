/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostile-submit.c: a hostile stand-in for provd (docs/testing.md §7.7, issue 4).
 *
 * Run it as provd's user, with provd stopped, on the bus named by DBUS_SYSTEM_BUS_ADDRESS. It
 * sends randomised, well-typed org.provboot.Verifier1.Submit calls, as a compromised provd
 * could, and records what verifierd answers:
 *
 *   control        the genuine thing: a fresh NAPDEF document (random APN) with SEC NETWPIN and
 *                  the MAC made with the real key (--real-imsi). Must be applied.
 *   replay         a control push already applied, again (other sender/transport/case).
 *   forged-sec     template documents with SEC -1..3 and out of range, random MACs.
 *   mac-other-body the real key's MAC of another body.
 *   wrong-key      the right body's MAC under a wrong key (other IMSIs, PINs, both).
 *   sec-swap       genuine control bodies and MACs with SEC changed to USERPIN/USERNETWPIN/USERPINMAC.
 *   random-body    random bytes, random SEC/MAC.
 *   truncated      a document cut short, with the real key's MAC of the whole document.
 *   oversize       bodies over IPC_BODY_MAX (64 KiB) up to 200 KiB, empty bodies, exactly 64 KiB.
 *   corpus         the genuine TV/Kannel bodies (--corpus) with their MACs and a swapped SEC.
 *   bad-strings    senders and content types with control characters, noncharacters, bidi
 *                  overrides, over-long, empty, unknown and wrong-kind content types.
 *   bad-transport  transports other than ofono/modemmanager/inject.
 *   bad-mac-text   MACs of the wrong length, non-hex, lower case.
 *   unsigned       NAPDEF, PXLOGICAL, w7 DM account, bookmark documents without SEC/MAC.
 *   raw-bad-utf8   (--raw N) hand-marshalled Submit calls with invalid UTF-8 in a string; the
 *                  bus itself must drop the connection, so verifierd never sees them.
 *
 * A call is "genuine" when SEC is NETWPIN and its MAC is HMAC-SHA1 of its body under the real
 * NETWPIN key: only such calls may be applied. Output: one line per call on stdout
 *   N CLASS SEC GENUINE(0/1) SHA256(body) OUTCOME
 * with OUTCOME "verdict ID VERDICT REASON ROLES", "error NAME" or "unsendable" (sd-bus itself
 * refuses to marshal it, e.g. a noncharacter in a string: nothing was sent), and a summary on stderr ending
 * in "summary calls=... invalid=... applied=... applied_nongenuine=... unexpected=..." that the
 * test script checks. Exit status: 0 when every answer was a verdict, InvalidArgs or
 * AccessDenied and nothing non-genuine was applied; 1 otherwise; 2 on usage or setup errors.
 *
 * This is a test tool: it links libcrypto to forge MACs. provd never does.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (64U * 1024U) /* IPC_BODY_MAX */
#define CT_WBXML "application/vnd.wap.connectivity-wbxml"
#define CT_XML "text/vnd.wap.connectivity-xml"
#define PLACEHOLDER "QQQQQQQQQQ"
#define MAX_TEMPLATES 16
#define MAX_CORPUS 64
#define MAX_APPLIED 4096

enum {
        C_CONTROL,
        C_REPLAY,
        C_FORGED_SEC,
        C_MAC_OTHER_BODY,
        C_WRONG_KEY,
        C_SEC_SWAP,
        C_RANDOM_BODY,
        C_TRUNCATED,
        C_OVERSIZE,
        C_CORPUS,
        C_BAD_STRINGS,
        C_BAD_TRANSPORT,
        C_BAD_MAC_TEXT,
        C_UNSIGNED,
        C_RAW,
        _C_MAX,
};
static const char *const class_names[_C_MAX] = {
        "control",     "replay",       "forged-sec", "mac-other-body", "wrong-key",     "sec-swap",
        "random-body", "truncated",    "oversize",   "corpus",         "bad-strings",   "bad-transport",
        "bad-mac-text", "unsigned",    "raw-bad-utf8",
};
/* relative weights of the classes drawn at random (control is every 40th call, raw separately) */
static const unsigned weights[_C_MAX] = { 0, 3, 10, 8, 10, 6, 8, 8, 4, 10, 10, 6, 6, 10, 0 };

typedef struct Blob {
        uint8_t *data;
        size_t len;
        bool xml;
        char name[64];
} Blob;

typedef struct Corpus {
        Blob body;
        int sec;
        char mac[41];
} Corpus;

typedef struct Applied {
        Blob body;
        char mac[41];
} Applied;

typedef struct Call {
        int cls;
        uint8_t *body;
        size_t len;
        bool own; /* body is malloc'ed here */
        char ct[512];
        int32_t sec;
        char mac[128];
        char sender[512];
        char transport[64];
} Call;

typedef struct Stats {
        unsigned long calls, verdicts, invalid, denied, other, applied, applied_nongenuine, genuine_sent,
                genuine_applied, unsendable, by_class[_C_MAX], applied_by_class[_C_MAX], raw_dropped, raw_not_dropped;
} Stats;

static uint64_t rng_state;
static uint8_t real_key[16];
static size_t real_key_len;
static Blob templates[MAX_TEMPLATES];
static unsigned n_templates;
static Corpus corpus[MAX_CORPUS];
static unsigned n_corpus;
static Applied applied[MAX_APPLIED];
static unsigned n_applied;
static Stats st;

/* ---- helpers ---------------------------------------------------------------------------- */

static uint64_t rnd(void) { /* xorshift64*: deterministic for a printed seed */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1DULL;
}
static unsigned rnd_below(unsigned n) { return n ? (unsigned) (rnd() % n) : 0; }
static bool coin(void) { return rnd() & 1; }

static void *xmalloc(size_t n) {
        void *p = malloc(n ? n : 1);
        if (!p) {
                fprintf(stderr, "hostile-submit: out of memory\n");
                exit(2);
        }
        return p;
}

static void netwpin_key(const char *imsi, uint8_t *out, size_t *len) {
        uint8_t nib[32];
        size_t n = 0, d = strlen(imsi);

        nib[n++] = d % 2 ? 0x9 : 0x1;
        for (size_t i = 0; i < d && n < sizeof(nib) - 1; i++)
                nib[n++] = (uint8_t) (imsi[i] - '0');
        if (n % 2)
                nib[n++] = 0xF;
        for (size_t i = 0; i < n; i += 2)
                out[i / 2] = (uint8_t) (nib[i] | nib[i + 1] << 4);
        *len = n / 2;
}

static void hmac_hex(const uint8_t *key, size_t klen, const uint8_t *body, size_t len, char out[41], bool upper) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;

        HMAC(EVP_sha1(), key, (int) klen, body, len, md, &mdlen);
        for (unsigned i = 0; i < 20; i++)
                sprintf(out + 2 * i, upper ? "%02X" : "%02x", md[i]);
        out[40] = 0;
}

static void sha256_hex(const uint8_t *body, size_t len, char out[65]) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;

        EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL);
        for (unsigned i = 0; i < 32; i++)
                sprintf(out + 2 * i, "%02x", md[i]);
        out[64] = 0;
}

static bool is_genuine(const Call *c) {
        char want[41];

        if (c->sec != 0 || strlen(c->mac) != 40)
                return false;
        hmac_hex(real_key, real_key_len, c->body, c->len, want, true);
        return strcasecmp(want, c->mac) == 0;
}

static void random_mac(char out[41]) {
        for (int i = 0; i < 40; i++)
                out[i] = "0123456789ABCDEF"[rnd_below(16)];
        out[40] = 0;
}

static void random_imsi(char out[16]) {
        do {
                for (int i = 0; i < 15; i++)
                        out[i] = (char) ('0' + rnd_below(10));
                out[15] = 0;
        } while (memcmp(out, "262011234567890", 15) == 0);
}

static bool read_file(const char *path, Blob *b) {
        FILE *f = fopen(path, "rb");
        long n;

        if (!f)
                return false;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        b->data = xmalloc((size_t) n);
        b->len = fread(b->data, 1, (size_t) n, f) == (size_t) n ? (size_t) n : 0;
        fclose(f);
        return b->len > 0;
}

static int hexval(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* corpus lines: NAME SEC MAC|- CONTENT-TYPE BODYHEX */
static void load_corpus(const char *path) {
        FILE *f = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0;

        if (!f) {
                fprintf(stderr, "hostile-submit: cannot open %s\n", path);
                exit(2);
        }
        while (getline(&line, &cap, f) > 0 && n_corpus < MAX_CORPUS) {
                char name[64], mac[64], ct[128], *hex = malloc(strlen(line) + 1);
                int sec;
                Corpus *c = &corpus[n_corpus];

                if (!hex || sscanf(line, "%63s %d %63s %127s %s", name, &sec, mac, ct, hex) != 5) {
                        free(hex);
                        continue;
                }
                c->body.len = strlen(hex) / 2;
                c->body.data = xmalloc(c->body.len);
                for (size_t i = 0; i < c->body.len; i++)
                        c->body.data[i] = (uint8_t) (hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
                c->body.xml = strcmp(ct, CT_XML) == 0;
                snprintf(c->body.name, sizeof(c->body.name), "%s", name);
                c->sec = sec;
                snprintf(c->mac, sizeof(c->mac), "%.40s", strcmp(mac, "-") == 0 ? "" : mac);
                free(hex);
                n_corpus++;
        }
        free(line);
        fclose(f);
}

/* A copy of template t with every placeholder replaced by fresh random letters. */
static void instantiate(const Blob *t, Call *c) {
        size_t pl = strlen(PLACEHOLDER);
        char fill[16];

        for (size_t i = 0; i < pl; i++)
                fill[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rnd_below(36)];
        c->body = xmalloc(t->len);
        memcpy(c->body, t->data, t->len);
        c->len = t->len;
        c->own = true;
        for (size_t i = 0; i + pl <= c->len; i++)
                if (memcmp(c->body + i, PLACEHOLDER, pl) == 0)
                        memcpy(c->body + i, fill, pl);
        snprintf(c->ct, sizeof(c->ct), "%s", t->xml ? CT_XML : CT_WBXML);
}

static const Blob *template_named(const char *prefix) {
        unsigned n = 0, pick;

        for (unsigned i = 0; i < n_templates; i++)
                if (strncmp(templates[i].name, prefix, strlen(prefix)) == 0)
                        n++;
        if (n == 0)
                return &templates[rnd_below(n_templates)];
        pick = rnd_below(n);
        for (unsigned i = 0; i < n_templates; i++)
                if (strncmp(templates[i].name, prefix, strlen(prefix)) == 0 && pick-- == 0)
                        return &templates[i];
        return &templates[0];
}

static const Blob *any_template(void) { return &templates[rnd_below(n_templates)]; }

static void default_strings(Call *c) {
        static const char *const transports[] = { "ofono", "modemmanager", "inject" };
        snprintf(c->sender, sizeof(c->sender), "+49170%07u", rnd_below(10000000));
        snprintf(c->transport, sizeof(c->transport), "%s", transports[rnd_below(3)]);
        c->mac[0] = 0;
}

/* ---- the classes ---------------------------------------------------------------------------- */

static void make_call(int cls, Call *c) {
        static const int32_t odd_secs[] = { -2, 4, 5, 7, 127, 128, 255, 256, -128, INT32_MIN, INT32_MAX, -100000 };
        memset(c, 0, sizeof(*c));
        c->cls = cls;
        default_strings(c);

        switch (cls) {
        case C_CONTROL:
                instantiate(template_named("napdef"), c);
                c->sec = 0;
                hmac_hex(real_key, real_key_len, c->body, c->len, c->mac, true);
                break;

        case C_REPLAY: {
                const Applied *a;
                if (n_applied == 0) {
                        make_call(C_CONTROL, c);
                        c->cls = C_CONTROL;
                        return;
                }
                a = &applied[rnd_below(n_applied)];
                c->body = a->body.data;
                c->len = a->body.len;
                snprintf(c->ct, sizeof(c->ct), "%s", a->body.xml ? (coin() ? "TEXT/VND.WAP.CONNECTIVITY-XML" : CT_XML)
                                                                 : (coin() ? "Application/Vnd.Wap.Connectivity-WBXML" : CT_WBXML));
                c->sec = 0;
                snprintf(c->mac, sizeof(c->mac), "%s", a->mac);
                if (coin())
                        for (char *p = c->mac; *p; p++)
                                if (*p >= 'A' && *p <= 'F')
                                        *p = (char) (*p - 'A' + 'a');
                break;
        }

        case C_FORGED_SEC:
                instantiate(any_template(), c);
                c->sec = rnd_below(3) == 0 ? odd_secs[rnd_below(sizeof(odd_secs) / sizeof(odd_secs[0]))]
                                           : (int32_t) rnd_below(5) - 1;
                if (c->sec != -1 || coin())
                        random_mac(c->mac);
                break;

        case C_MAC_OTHER_BODY: {
                Call other;
                instantiate(any_template(), c);
                memset(&other, 0, sizeof(other));
                if (n_corpus && coin()) {
                        const Corpus *k = &corpus[rnd_below(n_corpus)];
                        hmac_hex(real_key, real_key_len, k->body.data, k->body.len, c->mac, true);
                } else {
                        instantiate(any_template(), &other);
                        hmac_hex(real_key, real_key_len, other.body, other.len, c->mac, true);
                        free(other.body);
                }
                c->sec = coin() ? 0 : (int32_t) rnd_below(4);
                break;
        }

        case C_WRONG_KEY: {
                uint8_t key[64];
                size_t klen = 0;
                char imsi[16], pin[12];

                instantiate(any_template(), c);
                random_imsi(imsi);
                snprintf(pin, sizeof(pin), "%u", rnd_below(100000000));
                c->sec = (int32_t) rnd_below(4);
                switch (c->sec) {
                case 0:
                        netwpin_key(imsi, key, &klen);
                        break;
                case 2:
                        netwpin_key(coin() ? imsi : "262011234567890", key, &klen);
                        memcpy(key + klen, pin, strlen(pin));
                        klen += strlen(pin);
                        break;
                default:
                        memcpy(key, pin, strlen(pin));
                        klen = strlen(pin);
                }
                if (c->sec == 0 && coin()) { /* a near miss: the real IMSI with one digit changed */
                        char near[16] = "262011234567890";
                        near[rnd_below(15)] = (char) ('0' + (near[0] - '0' + 1 + (int) rnd_below(9)) % 10);
                        if (strcmp(near, "262011234567890") == 0)
                                near[14] = '1';
                        netwpin_key(near, key, &klen);
                }
                hmac_hex(key, klen, c->body, c->len, c->mac, coin());
                break;
        }

        case C_SEC_SWAP: {
                if (n_applied > 0 && coin()) {
                        const Applied *a = &applied[rnd_below(n_applied)];
                        c->body = a->body.data;
                        c->len = a->body.len;
                        snprintf(c->ct, sizeof(c->ct), "%s", a->body.xml ? CT_XML : CT_WBXML);
                        snprintf(c->mac, sizeof(c->mac), "%s", a->mac);
                } else {
                        instantiate(template_named("napdef"), c);
                        hmac_hex(real_key, real_key_len, c->body, c->len, c->mac, true);
                }
                c->sec = 1 + (int32_t) rnd_below(3); /* USERPIN, USERNETWPIN, USERPINMAC */
                break;
        }

        case C_RANDOM_BODY:
                c->len = 1 + rnd_below(coin() ? 64 : 4000);
                c->body = xmalloc(c->len);
                c->own = true;
                for (size_t i = 0; i < c->len; i++)
                        c->body[i] = (uint8_t) rnd();
                if (coin() && c->len > 4) { /* look like WBXML 1.3, PROV public id, UTF-8 */
                        c->body[0] = 0x03;
                        c->body[1] = 0x0B;
                        c->body[2] = 0x6A;
                }
                snprintf(c->ct, sizeof(c->ct), "%s", coin() ? CT_WBXML : CT_XML);
                c->sec = (int32_t) rnd_below(5) - 1;
                if (c->sec == 0 && coin())
                        hmac_hex(real_key, real_key_len, c->body, c->len, c->mac, true); /* genuine junk */
                else if (c->sec != -1)
                        random_mac(c->mac);
                break;

        case C_TRUNCATED: {
                char full[41];
                instantiate(any_template(), c);
                hmac_hex(real_key, real_key_len, c->body, c->len, full, true);
                c->len = 1 + rnd_below((unsigned) c->len - 1); /* strictly shorter */
                snprintf(c->mac, sizeof(c->mac), "%s", full);
                c->sec = coin() ? 0 : (int32_t) rnd_below(4);
                break;
        }

        case C_OVERSIZE: {
                unsigned k = rnd_below(6);
                c->len = k == 0 ? 0 : k == 1 ? BODY_MAX : k == 2 ? BODY_MAX + 1 : BODY_MAX + 1 + rnd_below(200 * 1024 - BODY_MAX);
                c->body = xmalloc(c->len);
                c->own = true;
                for (size_t i = 0; i < c->len; i++)
                        c->body[i] = (uint8_t) rnd();
                if (c->len > 0 && k != 1 && templates[0].len <= c->len) /* a real document in front */
                        memcpy(c->body, templates[0].data, templates[0].len);
                snprintf(c->ct, sizeof(c->ct), "%s", templates[0].xml ? CT_XML : CT_WBXML);
                c->sec = (int32_t) rnd_below(2) - 1;
                if (c->sec == 0)
                        hmac_hex(real_key, real_key_len, c->body, c->len, c->mac, true);
                break;
        }

        case C_CORPUS: {
                const Corpus *k;
                if (!n_corpus) {
                        make_call(C_FORGED_SEC, c);
                        return;
                }
                k = &corpus[rnd_below(n_corpus)];
                c->body = k->body.data;
                c->len = k->body.len;
                snprintf(c->ct, sizeof(c->ct), "%s", k->body.xml ? CT_XML : CT_WBXML);
                do
                        c->sec = (int32_t) rnd_below(5) - 1;
                while (c->sec == k->sec);
                if (k->mac[0])
                        snprintf(c->mac, sizeof(c->mac), "%s", k->mac);
                else if (c->sec != -1)
                        random_mac(c->mac);
                break;
        }

        case C_BAD_STRINGS: {
                static const char *const bad[] = {
                        "+49\x01" "170",         "+49\n170",             "\x1b[31m+49170",        "+49\t170",
                        "\x7f+49170",            "+49\xc2\x85" "170",    "+49\xef\xbf\xbe",       "+49\xef\xbf\xbf",
                        "\xe2\x80\xae" "0719+",  "\xef\xbb\xbf+49170",   "\xf4\x8f\xbf\xbf",      "+49\xc2\x9b" "170",
                        "\xe2\x80\x8b",          "%s%s%s%n",             "'; DROP TABLE pushes; --",
                };
                static const char *const cts[] = {
                        "",
                        "application/octet-stream",
                        "application/vnd.wap.connectivity-wbxml; charset=utf-8",
                        "application/vnd.wap.connectivity-wbxml\x01",
                        "text/vnd.wap.connectivity-xml\xef\xbf\xbe",
                        "application/pkcs7-mime",
                        "application/vnd.syncml.notification",
                        "application/vnd.wap.mms-message",
                        " application/vnd.wap.connectivity-wbxml",
                        "APPLICATION/VND.WAP.CONNECTIVITY-WBXML",
                };
                instantiate(any_template(), c);
                c->sec = (int32_t) rnd_below(5) - 1;
                if (c->sec != -1)
                        random_mac(c->mac);
                switch (rnd_below(4)) {
                case 0:
                        snprintf(c->sender, sizeof(c->sender), "%s", bad[rnd_below(sizeof(bad) / sizeof(bad[0]))]);
                        break;
                case 1: { /* over-long sender: 65..400 printable characters */
                        size_t n = 65 + rnd_below(336);
                        memset(c->sender, 'A' + (int) rnd_below(26), n);
                        c->sender[n] = 0;
                        break;
                }
                case 2:
                        snprintf(c->ct, sizeof(c->ct), "%s", cts[rnd_below(sizeof(cts) / sizeof(cts[0]))]);
                        break;
                default: { /* over-long content type */
                        size_t n = 128 + rnd_below(300);
                        memset(c->ct, 'x', n);
                        memcpy(c->ct, CT_WBXML, strlen(CT_WBXML));
                        c->ct[n] = 0;
                }
                }
                break;
        }

        case C_BAD_TRANSPORT: {
                static const char *const tr[] = { "",        "OFONO",  "inject ", " ofono",   "ofono\x01", "sms",
                                                  "install", "wap",    "kannel",  "ofono;rm", "\xe2\x80\xae", "modemmanagerX",
                                                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
                instantiate(any_template(), c);
                c->sec = (int32_t) rnd_below(5) - 1;
                if (c->sec != -1)
                        random_mac(c->mac);
                snprintf(c->transport, sizeof(c->transport), "%s", tr[rnd_below(sizeof(tr) / sizeof(tr[0]))]);
                break;
        }

        case C_BAD_MAC_TEXT: {
                char good[41];
                instantiate(any_template(), c);
                hmac_hex(real_key, real_key_len, c->body, c->len, good, true);
                c->sec = 0;
                switch (rnd_below(6)) {
                case 0: /* 39 digits of the real MAC */
                        snprintf(c->mac, sizeof(c->mac), "%.39s", good);
                        break;
                case 1: /* 41 */
                        snprintf(c->mac, sizeof(c->mac), "%s0", good);
                        break;
                case 2: /* non-hex */
                        snprintf(c->mac, sizeof(c->mac), "%s", good);
                        c->mac[rnd_below(40)] = "GZ -x"[rnd_below(5)];
                        break;
                case 3: /* 80 hex digits: the MAC twice */
                        snprintf(c->mac, sizeof(c->mac), "%s%s", good, good);
                        break;
                case 4: /* raw-looking binary in the string */
                        snprintf(c->mac, sizeof(c->mac), "\x01\x02\x03%.37s", good);
                        break;
                default: /* a bad MAC that is well formed, for a SEC that needs none */
                        random_mac(c->mac);
                        c->sec = -1;
                }
                break;
        }

        case C_UNSIGNED:
                instantiate(any_template(), c);
                c->sec = -1;
                if (rnd_below(4) == 0) /* and a MAC that must be ignored: the real one */
                        hmac_hex(real_key, real_key_len, c->body, c->len, c->mac, true);
                break;
        }
}

/* ---- one Submit over sd-bus ----------------------------------------------------------------- */

static void record_applied(const Call *c) {
        Applied *a;

        if (n_applied >= MAX_APPLIED)
                return;
        a = &applied[n_applied++];
        a->body.data = xmalloc(c->len);
        memcpy(a->body.data, c->body, c->len);
        a->body.len = c->len;
        a->body.xml = strcasecmp(c->ct, CT_XML) == 0;
        snprintf(a->mac, sizeof(a->mac), "%s", c->mac);
}

static int submit(sd_bus *bus, unsigned long n, Call *c) {
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        bool genuine = is_genuine(c);
        char digest[65];
        uint64_t id = 0;
        const char *verdict = NULL, *reason = NULL;
        uint32_t roles = 0;
        int r;

        sha256_hex(c->body ? c->body : (const uint8_t *) "", c->len, digest);
        r = sd_bus_message_new_method_call(bus, &m, "org.provboot.Verifier1", "/org/provboot/Verifier1",
                                           "org.provboot.Verifier1", "Submit");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', c->body ? c->body : (const uint8_t *) "", c->len);
        if (r >= 0)
                r = sd_bus_message_append(m, "sisss", c->ct, c->sec, c->mac, c->sender, c->transport);
        if (r >= 0)
                r = sd_bus_message_append(m, "t", (uint64_t) time(NULL) * 1000000ULL);
        if (r < 0) {
                /* sd-bus refuses to marshal it (e.g. a string that is not valid UTF-8): nothing sent */
                printf("%lu %s %d %d %s unsendable %s\n", n, class_names[c->cls], c->sec, genuine, digest, strerror(-r));
                sd_bus_message_unref(m);
                st.unsendable++;
                return 0;
        }
        st.calls++;
        st.by_class[c->cls]++;
        if (genuine)
                st.genuine_sent++;
        r = sd_bus_call(bus, m, 30ULL * 1000000ULL, &err, &reply);
        if (r < 0) {
                const char *name = err.name ? err.name : "none";
                printf("%lu %s %d %d %s error %s\n", n, class_names[c->cls], c->sec, genuine, digest, name);
                if (strcmp(name, "org.freedesktop.DBus.Error.InvalidArgs") == 0)
                        st.invalid++;
                else if (strcmp(name, "org.freedesktop.DBus.Error.AccessDenied") == 0)
                        st.denied++;
                else {
                        st.other++;
                        if (st.other <= 20)
                                fprintf(stderr, "unexpected answer to call %lu (%s): %s: %s\n", n, class_names[c->cls],
                                        name, err.message ? err.message : "");
                }
                sd_bus_error_free(&err);
                sd_bus_message_unref(m);
                return r == -ECONNRESET || r == -ENOTCONN ? r : 0;
        }
        r = sd_bus_message_read(reply, "tssu", &id, &verdict, &reason, &roles);
        if (r < 0) {
                st.other++;
                fprintf(stderr, "call %lu: unreadable reply\n", n);
        } else {
                st.verdicts++;
                printf("%lu %s %d %d %s verdict %" PRIu64 " %s %s %u\n", n, class_names[c->cls], c->sec, genuine, digest,
                       id, verdict, reason[0] ? reason : "-", roles);
                if (strcmp(verdict, "applied") == 0) {
                        st.applied++;
                        st.applied_by_class[c->cls]++;
                        if (genuine) {
                                st.genuine_applied++;
                                record_applied(c);
                        } else {
                                st.applied_nongenuine++;
                                fprintf(stderr, "NON-GENUINE PUSH APPLIED: call %lu class %s sec %d id %" PRIu64 "\n", n,
                                        class_names[c->cls], c->sec, id);
                        }
                }
        }
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        return 0;
}

/* ---- raw connection: invalid UTF-8 that sd-bus would never send ---------------------------- */

typedef struct Buf {
        uint8_t d[4096];
        size_t n;
} Buf;

static void b_align(Buf *b, size_t a) {
        while (b->n % a)
                b->d[b->n++] = 0;
}
static void b_u8(Buf *b, uint8_t v) { b->d[b->n++] = v; }
static void b_u32(Buf *b, uint32_t v) {
        b_align(b, 4);
        memcpy(b->d + b->n, &v, 4);
        b->n += 4;
}
static void b_u64(Buf *b, uint64_t v) {
        b_align(b, 8);
        memcpy(b->d + b->n, &v, 8);
        b->n += 8;
}
static void b_str(Buf *b, const char *s) { /* s or o: raw bytes, no validation */
        b_u32(b, (uint32_t) strlen(s));
        memcpy(b->d + b->n, s, strlen(s) + 1);
        b->n += strlen(s) + 1;
}
static void b_sig(Buf *b, const char *s) {
        b_u8(b, (uint8_t) strlen(s));
        memcpy(b->d + b->n, s, strlen(s) + 1);
        b->n += strlen(s) + 1;
}
static void b_field(Buf *b, uint8_t code, const char *sig, const char *val) {
        b_align(b, 8);
        b_u8(b, code);
        b_sig(b, sig);
        if (strcmp(sig, "g") == 0)
                b_sig(b, val);
        else
                b_str(b, val);
}

/* A little-endian method call; body already marshalled (offsets from an 8-aligned start). */
static size_t marshal_call(uint8_t *out, uint32_t serial, const char *dest, const char *path, const char *iface,
                           const char *member, const char *sig, const Buf *body) {
        Buf h = {};
        size_t fields_start;

        b_u8(&h, 'l');
        b_u8(&h, 1);
        b_u8(&h, 0);
        b_u8(&h, 1);
        b_u32(&h, (uint32_t) (body ? body->n : 0));
        b_u32(&h, serial);
        b_u32(&h, 0); /* fields length, patched */
        fields_start = h.n;
        b_field(&h, 1, "o", path);
        b_field(&h, 2, "s", iface);
        b_field(&h, 3, "s", member);
        b_field(&h, 6, "s", dest);
        if (sig && sig[0])
                b_field(&h, 8, "g", sig);
        {
                uint32_t fl = (uint32_t) (h.n - fields_start);
                memcpy(h.d + 12, &fl, 4);
        }
        b_align(&h, 8);
        memcpy(out, h.d, h.n);
        if (body)
                memcpy(out + h.n, body->d, body->n);
        return h.n + (body ? body->n : 0);
}

static bool write_all(int fd, const void *p, size_t n) {
        const uint8_t *q = p;
        while (n > 0) {
                ssize_t k = write(fd, q, n);
                if (k <= 0)
                        return false;
                q += k;
                n -= (size_t) k;
        }
        return true;
}

/* Return: 1 the bus dropped the connection, 0 it did not, -1 setup failure. */
static int raw_bad_utf8(const char *address, unsigned variant) {
        static const char *const bad[] = { "+49\xff" "170", "+49\x80", "+49\xed\xa0\x80", "\xc0\xaf", "\xf5\x80\x80\x80" };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *p = strstr(address, "unix:path=");
        char uidhex[64], line[512], path[108];
        uint8_t msg[8192], rbuf[4096];
        size_t n;
        int fd, r = -1;
        Buf body = {};

        if (!p)
                return -1;
        snprintf(path, sizeof(path), "%s", p + strlen("unix:path="));
        path[strcspn(path, ",")] = 0;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                goto out;
        {
                char uid[32];
                snprintf(uid, sizeof(uid), "%u", (unsigned) geteuid());
                uidhex[0] = 0;
                for (size_t i = 0; uid[i]; i++)
                        sprintf(uidhex + 2 * i, "%02x", (unsigned char) uid[i]);
        }
        snprintf(line, sizeof(line), "AUTH EXTERNAL %s\r\n", uidhex);
        if (!write_all(fd, "", 1) || !write_all(fd, line, strlen(line)))
                goto out;
        {
                ssize_t k = read(fd, line, sizeof(line) - 1);
                if (k <= 0 || strncmp(line, "OK ", 3) != 0)
                        goto out;
        }
        if (!write_all(fd, "BEGIN\r\n", 7))
                goto out;
        n = marshal_call(msg, 1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", "",
                         NULL);
        if (!write_all(fd, msg, n))
                goto out;
        /* Submit(ay body, s ct, i sec, s mac, s sender, s transport, t time), one string invalid */
        n = templates[0].len < 2048 ? templates[0].len : 2048;
        b_u32(&body, (uint32_t) n);
        memcpy(body.d + body.n, templates[0].data, n);
        body.n += n;
        b_str(&body, variant % 3 == 1 ? "application/vnd.wap.connectivity-wbxml\xff" : CT_WBXML);
        b_u32(&body, (uint32_t) -1);
        b_str(&body, "");
        b_str(&body, variant % 3 == 0 ? bad[variant % 5] : "+49170");
        b_str(&body, variant % 3 == 2 ? "ofono\xc3" : "ofono");
        b_u64(&body, 0);
        n = marshal_call(msg, 2, "org.provboot.Verifier1", "/org/provboot/Verifier1", "org.provboot.Verifier1", "Submit",
                         "aysisss" "t", &body);
        if (!write_all(fd, msg, n))
                goto out;
        /* The bus must close the connection; read (bounded) until EOF. */
        r = 0;
        for (int i = 0; i < 50; i++) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                ssize_t k = read(fd, rbuf, sizeof(rbuf));
                if (k <= 0) {
                        r = 1;
                        break;
                }
        }
out:
        if (fd >= 0)
                close(fd);
        return r;
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(void) {
        fprintf(stderr, "usage: hostile-submit --seed N --count N --seconds S --real-imsi IMSI --templates DIR\n"
                        "                      [--corpus FILE] [--raw N]\n");
}

int main(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "seed", required_argument, NULL, 's' },      { "count", required_argument, NULL, 'n' },
                { "seconds", required_argument, NULL, 't' },   { "real-imsi", required_argument, NULL, 'i' },
                { "templates", required_argument, NULL, 'd' }, { "corpus", required_argument, NULL, 'c' },
                { "raw", required_argument, NULL, 'r' },       {},
        };
        const char *imsi = NULL, *tdir = NULL, *cfile = NULL, *address;
        unsigned long count = 5000, seed = 0, raw = 0;
        double seconds = 300;
        unsigned wsum = 0;
        struct timespec t0, t1;
        sd_bus *bus = NULL;
        int o, r;

        while ((o = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (o) {
                case 's': seed = strtoul(optarg, NULL, 0); break;
                case 'n': count = strtoul(optarg, NULL, 0); break;
                case 't': seconds = strtod(optarg, NULL); break;
                case 'i': imsi = optarg; break;
                case 'd': tdir = optarg; break;
                case 'c': cfile = optarg; break;
                case 'r': raw = strtoul(optarg, NULL, 0); break;
                default: usage(); return 2;
                }
        if (!imsi || !tdir) {
                usage();
                return 2;
        }
        if (seed == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                seed = (unsigned long) ts.tv_nsec ^ (unsigned long) ts.tv_sec ^ ((unsigned long) getpid() << 16);
        }
        rng_state = seed ? seed : 1;
        fprintf(stderr, "hostile-submit: seed %lu (rerun with --seed %lu)\n", seed, seed);
        netwpin_key(imsi, real_key, &real_key_len);

        {
                static const char *const names[] = { "napdef.wbxml", "napdef.xml",   "pxlogical.wbxml", "pxlogical.xml",
                                                     "w7.wbxml",     "w7.xml",       "bookmark.wbxml",  "bookmark.xml" };
                for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                        char path[4096];
                        Blob *b = &templates[n_templates];
                        snprintf(path, sizeof(path), "%s/%s", tdir, names[i]);
                        if (!read_file(path, b))
                                continue;
                        b->xml = strstr(names[i], ".xml") != NULL;
                        snprintf(b->name, sizeof(b->name), "%s", names[i]);
                        n_templates++;
                }
                if (n_templates == 0 || strncmp(templates[0].name, "napdef", 6) != 0) {
                        fprintf(stderr, "hostile-submit: no napdef template in %s\n", tdir);
                        return 2;
                }
        }
        if (cfile)
                load_corpus(cfile);
        for (int i = 0; i < _C_MAX; i++)
                wsum += weights[i];

        address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        if (!address) {
                fprintf(stderr, "hostile-submit: DBUS_SYSTEM_BUS_ADDRESS is not set\n");
                return 2;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "hostile-submit: cannot connect to %s: %s\n", address, strerror(-r));
                return 2;
        }

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned long n = 1; n <= count; n++) {
                Call c;
                int cls = C_CONTROL;

                clock_gettime(CLOCK_MONOTONIC, &t1);
                if ((double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9 > seconds) {
                        fprintf(stderr, "hostile-submit: time limit reached after %lu calls\n", n - 1);
                        break;
                }
                if (n % 40 != 1) {
                        unsigned w = rnd_below(wsum);
                        for (cls = 0; cls < _C_MAX; cls++) {
                                if (w < weights[cls])
                                        break;
                                w -= weights[cls];
                        }
                }
                make_call(cls, &c);
                r = submit(bus, n, &c);
                if (c.own)
                        free(c.body);
                if (r < 0) {
                        fprintf(stderr, "hostile-submit: connection lost at call %lu: %s\n", n, strerror(-r));
                        break;
                }
        }
        for (unsigned long i = 0; i < raw; i++) {
                int k = raw_bad_utf8(address, (unsigned) i);
                printf("raw %lu raw-bad-utf8 -1 0 - %s\n", i, k == 1 ? "dropped-by-bus" : k == 0 ? "NOT-DROPPED" : "setup-failed");
                if (k == 1)
                        st.raw_dropped++;
                else
                        st.raw_not_dropped++;
        }
        fflush(stdout);
        sd_bus_flush_close_unref(bus);

        for (int i = 0; i < _C_MAX; i++)
                if (st.by_class[i] || (i == C_RAW && raw))
                        fprintf(stderr, "  %-15s %6lu calls, %lu applied\n", class_names[i],
                                i == C_RAW ? raw : st.by_class[i], st.applied_by_class[i]);
        fprintf(stderr,
                "summary seed=%lu calls=%lu verdicts=%lu invalid=%lu denied=%lu unexpected=%lu applied=%lu "
                "applied_nongenuine=%lu genuine_sent=%lu genuine_applied=%lu control=%lu raw_dropped=%lu "
                "raw_not_dropped=%lu unsendable=%lu\n",
                seed, st.calls, st.verdicts, st.invalid, st.denied, st.other, st.applied, st.applied_nongenuine,
                st.genuine_sent, st.genuine_applied, st.by_class[C_CONTROL], st.raw_dropped, st.raw_not_dropped, st.unsendable);
        return st.other || st.applied_nongenuine || st.raw_not_dropped ? 1 : 0;
}
