/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-decode.c: the decode benchmark of `make bench` (docs/testing.md §6.1, goals
 * P1 and P6). It runs one decoder N times over one input held in memory, so that
 * bench/bench-decode.sh can take callgrind's instruction count at two values of N and
 * report Ir per document = delta Ir / delta N (fixed costs cancel), and massif's peak heap
 * at N = 1 against N = 0.
 *
 *   bench-decode run MODE FILE N     decode N times; prints nothing (quiet for valgrind)
 *   bench-decode time MODE FILE N    also prints the median wall time per document (5 rounds)
 *   bench-decode check WSP WBXML     one decode in every mode; prints the document facts
 *
 * Modes:
 *   ours  FILE = WSP push PDU: wsp_parse_push + cpdoc_from_wbxml + cpdoc_validate + cpdoc_free
 *   sax   FILE = WBXML body: libwbxml's parser with empty callbacks (wbxml_parser_create,
 *         wbxml_parser_parse, wbxml_parser_destroy)
 *   tree  FILE = WBXML body: libwbxml to a tree (wbxml_tree_from_wbxml + wbxml_tree_destroy)
 * libwbxml runs with the language forced to PROV 1.0 (as a receiver on it would, anchors 1.6).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <wbxml/wbxml.h>

#include "cpdoc.h"
#include "wsp.h"

/*
 * libwbxml 0.11.8 exports its event parser and tree builder but installs no header for them
 * (wbxml_parser.h, wbxml_handlers.h, wbxml_tree.h are private). These declarations follow
 * those headers; the types the callbacks receive stay opaque here.
 */
typedef struct WBXMLParser_s WBXMLParser;
typedef struct WBXMLTree_s WBXMLTree;
typedef struct WBXMLContentHandler {
        void (*start_document_clb)(void *ctx, WBXMLCharsetMIBEnum charset, const void *lang);
        void (*end_document_clb)(void *ctx);
        void (*start_element_clb)(void *ctx, void *local_name, void **atts, WB_BOOL empty);
        void (*end_element_clb)(void *ctx, void *local_name, WB_BOOL empty);
        void (*characters_clb)(void *ctx, WB_UTINY *ch, WB_ULONG start, WB_ULONG length);
        void (*pi_clb)(void *ctx, const WB_UTINY *target, WB_UTINY *data);
} WBXMLContentHandler;

WBXMLParser *wbxml_parser_create(void);
void wbxml_parser_destroy(WBXMLParser *parser);
WBXMLError wbxml_parser_parse(WBXMLParser *parser, WB_UTINY *wbxml, WB_ULONG wbxml_len);
void wbxml_parser_set_user_data(WBXMLParser *parser, void *user_data);
void wbxml_parser_set_content_handler(WBXMLParser *parser, WBXMLContentHandler *content_handler);
WB_BOOL wbxml_parser_set_language(WBXMLParser *parser, WBXMLLanguage lang);
WBXMLError wbxml_tree_from_wbxml(WB_UTINY *wbxml, WB_ULONG wbxml_len, WBXMLLanguage lang,
                                 WBXMLCharsetMIBEnum charset, WBXMLTree **tree);
void wbxml_tree_destroy(WBXMLTree *tree);

#define BENCH_FILE_MAX (1024U * 1024U) /* inputs are <= 64 KB; refuse anything silly */
#define BENCH_N_MAX 100000000UL
#define BENCH_TIME_ROUNDS 5U

typedef enum Mode {
        MODE_OURS,
        MODE_SAX,
        MODE_TREE,
        _MODE_MAX,
        _MODE_INVALID = -1,
} Mode;

static const char *const mode_names[_MODE_MAX] = {
        [MODE_OURS] = "ours",
        [MODE_SAX] = "sax",
        [MODE_TREE] = "tree",
};

/* Touched by every callback and every decode so the work cannot be optimised away. */
static volatile unsigned long sink;

static void sax_start_document(void *ctx, WBXMLCharsetMIBEnum charset, const void *lang) {
        sink++;
}
static void sax_end_document(void *ctx) {
        sink++;
}
static void sax_start_element(void *ctx, void *local_name, void **atts, WB_BOOL empty) {
        sink++;
}
static void sax_end_element(void *ctx, void *local_name, WB_BOOL empty) {
        sink++;
}
static void sax_characters(void *ctx, WB_UTINY *ch, WB_ULONG start, WB_ULONG length) {
        sink += length;
}
static void sax_pi(void *ctx, const WB_UTINY *target, WB_UTINY *data) {
        sink++;
}

static WBXMLContentHandler sax_handler = {
        .start_document_clb = sax_start_document,
        .end_document_clb = sax_end_document,
        .start_element_clb = sax_start_element,
        .end_element_clb = sax_end_element,
        .characters_clb = sax_characters,
        .pi_clb = sax_pi,
};

/* Say why and exit: only on setup errors, never inside a measured loop. */
static void die(const char *what, int r) {
        fprintf(stderr, "bench-decode: %s: %s\n", what, r ? strerror(r < 0 ? -r : r) : "failed");
        exit(1);
}

/* Read a whole file with open/read and one exactly sized malloc (no stdio buffers on the heap). */
static uint8_t *read_file(const char *path, size_t *ret_len) {
        struct stat st;
        uint8_t *buf;
        size_t got = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                die(path, errno);
        if (fstat(fd, &st) < 0)
                die(path, errno);
        if (st.st_size <= 0 || (uintmax_t) st.st_size > BENCH_FILE_MAX)
                die(path, EFBIG);
        buf = malloc((size_t) st.st_size);
        if (!buf)
                die("malloc", ENOMEM);
        while (got < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t) st.st_size - got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        die(path, k < 0 ? errno : EIO);
                got += (size_t) k;
        }
        if (close(fd) < 0)
                die(path, errno);
        *ret_len = got;
        return buf;
}

/* One decode of a WSP push to a validated document. Return: 0 or negative errno. */
static int decode_ours(const uint8_t *buf, size_t len, unsigned *ret_elements) {
        WspPush p;
        CpDoc *d = NULL;
        int r;

        r = wsp_parse_push(buf, len, &p, NULL);
        if (r < 0)
                return r;
        r = cpdoc_from_wbxml(p.body, p.body_len, &d, NULL);
        if (r < 0)
                return r;
        r = cpdoc_validate(d, NULL);
        if (r >= 0) {
                sink += d->n_total_parms;
                if (ret_elements)
                        *ret_elements = 1 + d->n_total_chars + d->n_total_parms;
        }
        cpdoc_free(d);
        return r < 0 ? r : 0;
}

/* One libwbxml event parse with empty callbacks. Return: 0 or the WBXMLError. */
static int decode_sax(const uint8_t *buf, size_t len) {
        WBXMLParser *parser = wbxml_parser_create();
        WBXMLError e;

        if (!parser)
                return WBXML_ERROR_NOT_ENOUGH_MEMORY;
        wbxml_parser_set_content_handler(parser, &sax_handler);
        wbxml_parser_set_user_data(parser, NULL);
        if (!wbxml_parser_set_language(parser, WBXML_LANG_PROV10)) {
                wbxml_parser_destroy(parser);
                return WBXML_ERROR_UNKNOWN_PUBLIC_ID;
        }
        /* libwbxml takes a non-const pointer but does not write through it */
        e = wbxml_parser_parse(parser, (WB_UTINY *) buf, (WB_ULONG) len);
        wbxml_parser_destroy(parser);
        return e == WBXML_OK ? 0 : (int) e;
}

/* One libwbxml decode to a tree. Return: 0 or the WBXMLError. */
static int decode_tree(const uint8_t *buf, size_t len) {
        WBXMLTree *tree = NULL;
        WBXMLError e;

        e = wbxml_tree_from_wbxml((WB_UTINY *) buf, (WB_ULONG) len, WBXML_LANG_PROV10, WBXML_CHARSET_UNKNOWN,
                                  &tree);
        if (tree) {
                sink++;
                wbxml_tree_destroy(tree);
        }
        if (e == WBXML_OK && !tree)
                return WBXML_ERROR_INTERNAL;
        return e == WBXML_OK ? 0 : (int) e;
}

static int decode(Mode m, const uint8_t *buf, size_t len) {
        switch (m) {
        case MODE_OURS:
                return decode_ours(buf, len, NULL);
        case MODE_SAX:
                return decode_sax(buf, len);
        case MODE_TREE:
                return decode_tree(buf, len);
        default:
                return -EINVAL;
        }
}

static Mode mode_from_string(const char *s) {
        for (int m = 0; m < _MODE_MAX; m++)
                if (strcmp(s, mode_names[m]) == 0)
                        return (Mode) m;
        return _MODE_INVALID;
}

static unsigned long parse_n(const char *s) {
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || n > BENCH_N_MAX)
                die("iteration count", EINVAL);
        return n;
}

/* N decodes; a failing decode is reported (after the loop) and makes the run fail. */
static int run(Mode m, const uint8_t *buf, size_t len, unsigned long n) {
        int first_err = 0;

        for (unsigned long i = 0; i < n; i++) {
                int r = decode(m, buf, len);

                if (r != 0 && first_err == 0)
                        first_err = r;
        }
        if (first_err != 0) {
                fprintf(stderr, "bench-decode: %s decode failed: %d\n", mode_names[m], first_err);
                return 1;
        }
        return 0;
}

static uint64_t now_ns(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                die("clock_gettime", errno);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int time_mode(Mode m, const uint8_t *buf, size_t len, unsigned long n) {
        uint64_t per_doc[BENCH_TIME_ROUNDS];

        if (n == 0)
                die("iteration count", EINVAL);
        if (run(m, buf, len, n / 10 + 1) != 0) /* warm-up */
                return 1;
        for (unsigned k = 0; k < BENCH_TIME_ROUNDS; k++) {
                uint64_t t0 = now_ns();

                if (run(m, buf, len, n) != 0)
                        return 1;
                per_doc[k] = (now_ns() - t0) / n;
        }
        qsort(per_doc, BENCH_TIME_ROUNDS, sizeof per_doc[0], cmp_u64);
        printf("%llu\n", (unsigned long long) per_doc[BENCH_TIME_ROUNDS / 2]);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* One decode in every mode, the WSP body must be the WBXML file; prints "key value" lines. */
static int check(const char *wsp_path, const char *wbxml_path) {
        size_t wsp_len, wbxml_len;
        uint8_t *wsp = read_file(wsp_path, &wsp_len);
        uint8_t *wbxml = read_file(wbxml_path, &wbxml_len);
        WspPush p;
        unsigned elements = 0;
        int r, ret = 0;

        r = wsp_parse_push(wsp, wsp_len, &p, NULL);
        if (r < 0)
                die("wsp_parse_push", r);
        if (p.body_len != wbxml_len || memcmp(p.body, wbxml, wbxml_len) != 0) {
                fprintf(stderr, "bench-decode: the body of %s is not %s\n", wsp_path, wbxml_path);
                ret = 1;
        }
        r = decode_ours(wsp, wsp_len, &elements);
        if (r < 0) {
                fprintf(stderr, "bench-decode: ours: %s\n", strerror(-r));
                ret = 1;
        }
        r = decode_sax(wbxml, wbxml_len);
        if (r != 0) {
                fprintf(stderr, "bench-decode: sax: libwbxml error %d\n", r);
                ret = 1;
        }
        r = decode_tree(wbxml, wbxml_len);
        if (r != 0) {
                fprintf(stderr, "bench-decode: tree: libwbxml error %d\n", r);
                ret = 1;
        }
        printf("wsp_bytes %zu\nwbxml_bytes %zu\nelements %u\n", wsp_len, wbxml_len, elements);
        free(wsp);
        free(wbxml);
        if (fflush(stdout) != 0)
                ret = 1;
        return ret;
}

static int usage(void) {
        fputs("usage: bench-decode run|time ours|sax|tree FILE N\n"
              "       bench-decode check WSP WBXML\n",
              stderr);
        return 2;
}

int main(int argc, char **argv) {
        if (argc == 4 && strcmp(argv[1], "check") == 0)
                return check(argv[2], argv[3]);
        if (argc == 5 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "time") == 0)) {
                Mode m = mode_from_string(argv[2]);
                unsigned long n = parse_n(argv[4]);
                size_t len;
                uint8_t *buf;
                int r;

                if (m == _MODE_INVALID)
                        return usage();
                buf = read_file(argv[3], &len);
                if (strcmp(argv[1], "run") == 0)
                        r = run(m, buf, len, n);
                else
                        r = time_mode(m, buf, len, n);
                free(buf);
                return r;
        }
        return usage();
}
