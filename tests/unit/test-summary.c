/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-summary.c: common/summary.c, the lines a user sees before saying yes (issue 9, findings
 * 9 and 11): network-level elements first whatever their place in the document, "+N more" at
 * and past the line limit, every line one printable line whatever the document holds, and the
 * display escaping (controls, bidi overrides, backslash, malformed UTF-8; cut with "...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpdoc.h"
#include "macros.h"
#include "summary.h"
#include "testutil.h"

static CpDoc *doc_of(const char *inner) {
        char *xml = NULL;
        CpDoc *d = NULL;
        DecodeError err = {};
        int r;

        ck_assert_int_ge(asprintf(&xml, "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>", inner), 0);
        r = cpdoc_from_xml((const uint8_t *) xml, strlen(xml), &d, &err);
        ck_assert_msg(r == 0, "decode: %d %s", r, err.reason ?: "");
        free(xml);
        return d;
}

/* @n bookmarks, then what @tail holds. */
static CpDoc *bookmarks_then(unsigned n, const char *tail) {
        char *s = strdup(""), *t = NULL;
        CpDoc *d;

        for (unsigned i = 0; i < n; i++) {
                ck_assert_int_ge(asprintf(&t, "%s<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/>"
                                              "<parm name=\"NAME\" value=\"Bookmark %u\"/></characteristic>", s, i), 0);
                free(s);
                s = t;
        }
        ck_assert_int_ge(asprintf(&t, "%s%s", s, tail ?: ""), 0);
        free(s);
        d = doc_of(t);
        free(t);
        return d;
}

static void all_lines_valid(const Summary *s) {
        ck_assert_uint_le(s->n_lines, SUMMARY_LINES_MAX);
        for (unsigned i = 0; i < s->n_lines; i++) {
                ck_assert_msg(summary_line_valid(s->lines[i]), "line %u not clean: '%s'", i, s->lines[i]);
                ck_assert_uint_le(strlen(s->lines[i]), SUMMARY_LINE_MAX);
        }
}

#define PROXY "<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"evilpx\"/>" \
              "<characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"p\"/>" \
              "<parm name=\"PXADDR\" value=\"10.6.6.6\"/><parm name=\"TO-NAPID\" value=\"INTERNET\"/>" \
              "<characteristic type=\"PORT\"><parm name=\"PORTNBR\" value=\"3128\"/></characteristic>" \
              "</characteristic></characteristic>"
#define NAPDEF "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"INTERNET\"/>" \
               "<parm name=\"NAME\" value=\"Op\"/><parm name=\"NAP-ADDRESS\" value=\"internet.apn\"/></characteristic>"

START_TEST(test_proxy_after_bookmarks_shown_first) {
        CpDoc *d = bookmarks_then(16, PROXY);
        Summary s;

        summary_from_doc(d, &s);
        all_lines_valid(&s);
        ck_assert_uint_eq(s.n_roots, 17);
        ck_assert_uint_eq(s.n_lines, SUMMARY_LINES_MAX);
        ck_assert_uint_eq(s.hidden, 2);
        /* the proxy comes first, with where it sends traffic */
        ck_assert_str_eq(s.lines[0], "PXLOGICAL PROXY-ID=evilpx PXADDR=10.6.6.6 TO-NAPID=INTERNET PORTNBR=3128");
        ck_assert_str_eq(s.lines[1], "APPLICATION APPID=w2 NAME=Bookmark 0");
        ck_assert_str_eq(s.lines[SUMMARY_LINES_MAX - 1], "+2 more not shown");
        cpdoc_free(d);
}
END_TEST

START_TEST(test_limit_at_and_past) {
        CpDoc *d;
        Summary s;
        char *j;

        /* at the limit: every root has its line, nothing is hidden */
        d = bookmarks_then(SUMMARY_LINES_MAX, NULL);
        summary_from_doc(d, &s);
        ck_assert_uint_eq(s.n_lines, SUMMARY_LINES_MAX);
        ck_assert_uint_eq(s.hidden, 0);
        ck_assert_str_eq(s.lines[SUMMARY_LINES_MAX - 1], "APPLICATION APPID=w2 NAME=Bookmark 15");
        cpdoc_free(d);
        /* one past: the last line says how many are hidden */
        d = bookmarks_then(SUMMARY_LINES_MAX + 1, NULL);
        summary_from_doc(d, &s);
        ck_assert_uint_eq(s.n_lines, SUMMARY_LINES_MAX);
        ck_assert_uint_eq(s.hidden, 2);
        ck_assert_str_eq(s.lines[SUMMARY_LINES_MAX - 1], "+2 more not shown");
        j = summary_join(&s);
        ck_assert_ptr_nonnull(strstr(j, "Bookmark 14\n+2 more not shown"));
        ck_assert_ptr_null(strchr(j + strlen(j) - 1, '\n'));
        free(j);
        cpdoc_free(d);
        /* network-level elements hidden are counted as such */
        {
                char *t = strdup(""), *u = NULL;

                for (unsigned i = 0; i < 20; i++) {
                        ck_assert_int_ge(asprintf(&u, "%s<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"n%u\"/>"
                                                      "</characteristic>", t, i), 0);
                        free(t);
                        t = u;
                }
                d = bookmarks_then(3, t);
                free(t);
        }
        summary_from_doc(d, &s);
        ck_assert_str_eq(s.lines[0], "NAPDEF NAPID=n0");
        ck_assert_str_eq(s.lines[SUMMARY_LINES_MAX - 1], "+8 more not shown (5 network-level)");
        cpdoc_free(d);
        /* an empty document, and none at all */
        d = doc_of("");
        summary_from_doc(d, &s);
        ck_assert_uint_eq(s.n_lines, 0);
        j = summary_join(&s);
        ck_assert_str_eq(j, "");
        free(j);
        cpdoc_free(d);
        summary_from_doc(NULL, &s);
        ck_assert_uint_eq(s.n_lines, 0);
}
END_TEST

START_TEST(test_order_classes) {
        CpDoc *d = doc_of("<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/></characteristic>"
                          "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/>"
                          "<parm name=\"TO-PROXY\" value=\"px\"/></characteristic>"
                          "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w4\"/>"
                          "<parm name=\"ADDR\" value=\"http://mmsc\"/></characteristic>"
                          "<characteristic type=\"CertificateStore\"><characteristic type=\"SPC\">"
                          "<characteristic type=\"0123456789ABCDEF0123456789ABCDEF01234567\">"
                          "<parm name=\"EncodedCertificate\" value=\"TUlJ\"/><parm name=\"Role\" value=\"4\"/>"
                          "</characteristic></characteristic></characteristic>"
                          NAPDEF
                          "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w7\"/>"
                          "<parm name=\"PROVIDER-ID\" value=\"dm\"/></characteristic>");
        Summary s;

        summary_from_doc(d, &s);
        all_lines_valid(&s);
        ck_assert_uint_eq(s.n_lines, 6);
        ck_assert_str_eq(s.lines[0], "APPLICATION APPID=w4 ADDR=http://mmsc");
        ck_assert_str_eq(s.lines[1], "CertificateStore SPC/0123456789ABCDEF0123456789ABCDEF01234567 Role=4");
        ck_assert_str_eq(s.lines[2], "NAPDEF NAPID=INTERNET NAME=Op NAP-ADDRESS=internet.apn");
        ck_assert_str_eq(s.lines[3], "APPLICATION APPID=w7 PROVIDER-ID=dm");
        ck_assert_str_eq(s.lines[4], "APPLICATION APPID=w2 TO-PROXY=px");
        ck_assert_str_eq(s.lines[5], "APPLICATION APPID=w2");
        cpdoc_free(d);
}
END_TEST

START_TEST(test_forgery_escaped) {
        /* finding 9: a newline (and other invisible text) in a name or value never makes a line */
        CpDoc *d = doc_of("<characteristic type=\"APPLICATION\">"
                          "<parm name=\"APPID\" value=\"w2&#10;&lt;2&gt;push 999: verdict applied\"/>"
                          "<parm name=\"NAME\" value=\"a&#13;b&#9;c\\d\xe2\x80\xae" "evil\"/></characteristic>"
                          "<characteristic type=\"X&#10;&lt;2&gt;forged\"/>");
        Summary s;
        char *j;

        summary_from_doc(d, &s);
        all_lines_valid(&s);
        ck_assert_uint_eq(s.n_lines, 2);
        ck_assert_str_eq(s.lines[0], "APPLICATION APPID=w2\\x0a<2>push 999: verdict applied "
                                     "NAME=a\\x0db\\x09c\\x5cd\\xe2\\x80\\xaeevil");
        ck_assert_str_eq(s.lines[1], "X\\x0a<2>forged");
        j = summary_join(&s);
        ck_assert_ptr_null(strstr(j, "\n<2>"));
        free(j);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_long_values_cut) {
        char *inner = NULL, *big = malloc(4001);
        CpDoc *d;
        Summary s;

        memset(big, 'v', 4000);
        big[4000] = 0;
        ck_assert_int_ge(asprintf(&inner, "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"%s\"/>"
                                          "<parm name=\"NAME\" value=\"%s\"/><parm name=\"NAP-ADDRESS\" value=\"%s\"/>"
                                          "<parm name=\"NAPID\" value=\"%s\"/></characteristic>"
                                          "<characteristic type=\"%.64s\"/>", big, big, big, big, big), 0);
        d = doc_of(inner);
        summary_from_doc(d, &s);
        all_lines_valid(&s);
        /* one value is cut at SUMMARY_VALUE_MAX, the line at SUMMARY_LINE_MAX, both visibly */
        {
                char want[SUMMARY_VALUE_MAX + 8] = "NAPID=";

                memset(want + 6, 'v', SUMMARY_VALUE_MAX - 3);
                strcpy(want + 6 + SUMMARY_VALUE_MAX - 3, "... ");
                ck_assert_msg(strstr(s.lines[0], want), "'%s' lacks '%s'", s.lines[0], want);
        }
        ck_assert_str_eq(s.lines[0] + strlen(s.lines[0]) - 4, " ...");
        ck_assert_uint_le(strlen(s.lines[0]), SUMMARY_LINE_MAX);
        ck_assert_uint_eq(strlen(s.lines[1]), 64);
        free(inner);
        free(big);
        cpdoc_free(d);
}
END_TEST

START_TEST(test_display_escape) {
        char buf[32], small[8];

        ck_assert_str_eq(display_escape("plain text", buf, sizeof buf), "plain text");
        ck_assert_str_eq(display_escape("caf\xc3\xa9", buf, sizeof buf), "caf\xc3\xa9"); /* UTF-8 kept */
        ck_assert_str_eq(display_escape("a\nb", buf, sizeof buf), "a\\x0ab");
        ck_assert_str_eq(display_escape("\x7f\\", buf, sizeof buf), "\\x7f\\x5c");
        ck_assert_str_eq(display_escape("\xc2\x85", buf, sizeof buf), "\\xc2\\x85");         /* C1 NEL */
        ck_assert_str_eq(display_escape("\xe2\x80\xa8", buf, sizeof buf), "\\xe2\\x80\\xa8"); /* U+2028 */
        ck_assert_str_eq(display_escape("\xe2\x81\xa6", buf, sizeof buf), "\\xe2\\x81\\xa6"); /* U+2066 */
        ck_assert_str_eq(display_escape("\xc0\xaf", buf, sizeof buf), "\\xc0\\xaf");         /* over-long */
        ck_assert_str_eq(display_escape("\xed\xa0\x80", buf, sizeof buf), "\\xed\\xa0\\x80"); /* surrogate */
        ck_assert_str_eq(display_escape("\xe2\x82", buf, sizeof buf), "\\xe2\\x82");         /* truncated */
        ck_assert_str_eq(display_escape(NULL, buf, sizeof buf), "");
        /* cut: at most size - 1 bytes, ending in "...", never inside an escape */
        ck_assert_str_eq(display_escape("abcdefgh", small, sizeof small), "abcd...");
        ck_assert_str_eq(display_escape("abcd", small, sizeof small), "abcd");
        ck_assert_str_eq(display_escape("a\n", small, sizeof small), "a...");
        /* clean text at and past the limit */
        ck_assert(display_text_clean("12345", 5));
        ck_assert(!display_text_clean("123456", 5));
        ck_assert(!display_text_clean("a\tb", 5));
        ck_assert(display_text_clean("a\\b", 5)); /* the escape character itself is printable */
        ck_assert(display_text_clean("\xc3\xa9", 5));
        ck_assert(!summary_line_valid(""));
        ck_assert(!summary_line_valid(NULL));
        {
                char line[SUMMARY_LINE_MAX + 2];

                memset(line, 'x', sizeof line);
                line[SUMMARY_LINE_MAX] = 0;
                ck_assert(summary_line_valid(line)); /* at the limit */
                line[SUMMARY_LINE_MAX] = 'x';
                line[SUMMARY_LINE_MAX + 1] = 0;
                ck_assert(!summary_line_valid(line)); /* one past */
        }
}
END_TEST

/* summary_from_text: a stored summary back into lines, as ListPending and the agent show it. */
START_TEST(test_from_text) {
        char text[(SUMMARY_LINES_MAX + 2) * 8 + 1], line[SUMMARY_LINE_MAX + 2];
        _cleanup_free_ char *joined = NULL;
        Summary sm;
        size_t o = 0;

        summary_from_text(NULL, &sm);
        ck_assert_uint_eq(sm.n_lines, 0);
        summary_from_text("", &sm);
        ck_assert_uint_eq(sm.n_lines, 0);

        /* a summary_join() text comes back line for line */
        summary_from_text("NAPDEF a\nPXLOGICAL b\n+1 more not shown", &sm);
        ck_assert_uint_eq(sm.n_lines, 3);
        ck_assert_str_eq(sm.lines[1], "PXLOGICAL b");
        joined = summary_join(&sm);
        ck_assert_str_eq(joined, "NAPDEF a\nPXLOGICAL b\n+1 more not shown");

        /* SUMMARY_LINES_MAX lines: all of them; one more: the last says how many are not shown */
        for (unsigned i = 0; i < SUMMARY_LINES_MAX; i++)
                o += (size_t) sprintf(text + o, "%sline%u", i ? "\n" : "", i);
        summary_from_text(text, &sm);
        ck_assert_uint_eq(sm.n_lines, SUMMARY_LINES_MAX);
        ck_assert_str_eq(sm.lines[SUMMARY_LINES_MAX - 1], "line15");
        sprintf(text + o, "\nline16");
        summary_from_text(text, &sm);
        ck_assert_uint_eq(sm.n_lines, SUMMARY_LINES_MAX);
        ck_assert_str_eq(sm.lines[SUMMARY_LINES_MAX - 2], "line14");
        ck_assert_str_eq(sm.lines[SUMMARY_LINES_MAX - 1], "+2 more not shown");

        /* a line of SUMMARY_LINE_MAX bytes stays; one more byte: cut with "..." */
        memset(line, 'x', SUMMARY_LINE_MAX);
        line[SUMMARY_LINE_MAX] = 0;
        summary_from_text(line, &sm);
        ck_assert_uint_eq(sm.n_lines, 1);
        ck_assert_str_eq(sm.lines[0], line);
        line[SUMMARY_LINE_MAX] = 'x';
        line[SUMMARY_LINE_MAX + 1] = 0;
        summary_from_text(line, &sm);
        ck_assert_uint_eq(strlen(sm.lines[0]), SUMMARY_LINE_MAX);
        ck_assert(strstr(sm.lines[0], "...") != NULL);

        /* what is not one clean line (a store edited behind verifierd's back) is escaped */
        summary_from_text("a\rforged\nbidi \xe2\x80\xae x", &sm);
        ck_assert_uint_eq(sm.n_lines, 2);
        ck_assert_str_eq(sm.lines[0], "a\\x0dforged");
        ck_assert(summary_line_valid(sm.lines[1]));
        ck_assert(strstr(sm.lines[1], "\xe2") == NULL);
}
END_TEST

int main(void) {
        Suite *s = suite_create("summary");
        TCase *tc = tcase_create("/summary");

        TU_ADD(tc, test_proxy_after_bookmarks_shown_first);
        TU_ADD(tc, test_limit_at_and_past);
        TU_ADD(tc, test_order_classes);
        TU_ADD(tc, test_forgery_escaped);
        TU_ADD(tc, test_long_values_cut);
        TU_ADD(tc, test_display_escape);
        TU_ADD(tc, test_from_text);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
