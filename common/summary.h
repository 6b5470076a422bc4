/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * summary.h: what a CP document would change, as a few lines a person can read before saying
 * yes (the agent prompt, ListPending, provctl pending), and the escaping every push-derived
 * text gets before it reaches a log, the history or an agent.
 *
 * One builder for both daemons: provd describes the document it decoded (sent to verifierd
 * with SubmitWithSummary, shown labelled "(unverified)" while the push waits for a PIN), and
 * verifierd describes the document it authenticated and decoded itself. Pure code: no I/O.
 *
 * Order (issue 9, finding 11: a proxy after 16 bookmarks was not shown): the elements that
 * change where the phone's traffic goes or whom it trusts come first, whatever their place in
 * the document, so the limit can only ever hide the harmless ones:
 *   class 0: NAPDEF, PX* (PXLOGICAL ...), APPLICATION w4 (MMS) and w7 (DM account),
 *            CertificateStore, BOOTSTRAP, SecurityPolicy;
 *   class 1: any other APPLICATION that routes through a proxy or NAP (TO-PROXY, TO-NAPID);
 *   class 2: everything else (bookmarks, e-mail accounts, unknown types).
 * Document order within a class. When there are more root characteristics than lines, the last
 * line says how many are hidden ("+N more not shown (K network-level)"): a prompt never hides
 * content silently.
 *
 * Escaping (finding 9: a newline in an APPID forged a log line): every name and value goes
 * through display_escape(): printable ASCII and well-formed UTF-8 stay; control characters
 * (C0, DEL, C1), bidirectional overrides and isolates, line/paragraph separators, backslash
 * and bytes of malformed UTF-8 become "\xNN" per byte. The result is one printable line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cpdoc.h"

#define SUMMARY_LINES_MAX 16U    /* lines of one summary, the "+N more" line included */
#define SUMMARY_LINE_MAX 160U    /* bytes of one line, without its NUL */
#define SUMMARY_VALUE_MAX 48U    /* bytes of one escaped value inside a line ("..." when cut) */

typedef struct Summary {
        char lines[SUMMARY_LINES_MAX][SUMMARY_LINE_MAX + 1];
        unsigned n_lines;        /* lines filled, <= SUMMARY_LINES_MAX */
        unsigned n_roots;        /* root characteristics of the document */
        unsigned hidden;         /* roots not shown (then the last line says so) */
} Summary;

/*
 * summary_from_doc - describe @d in at most SUMMARY_LINES_MAX lines (see the order above).
 * Every line satisfies summary_line_valid().
 */
void summary_from_doc(const CpDoc *d, Summary *ret);

/*
 * summary_join - the lines joined by '\n' (no trailing newline), malloc'd; "" for none.
 * Return: the text, or NULL on -ENOMEM.
 */
char *summary_join(const Summary *s);

/*
 * summary_from_text - the lines of a summary_join() text again (a stored summary, or provd's
 *   lines as verifierd keeps them), for a prompt or ListPending: at most SUMMARY_LINES_MAX
 *   lines (the last says "+N more not shown" when there were more); a line that is not one clean
 *   line of at most SUMMARY_LINE_MAX bytes (display_text_clean) is display_escape()d and cut.
 *   NULL or "" gives no lines.
 */
void summary_from_text(const char *text, Summary *ret);

/*
 * display_escape - escape @s (NUL-terminated) for display into @buf (see above); output that
 *   does not fit is cut on a character boundary and ends in "...".
 * Return: buf (always NUL-terminated; size must be >= 4).
 */
const char *display_escape(const char *s, char *buf, size_t size);

/* Room for display_escape() of n bytes: each byte may become "\xNN", plus "..." and NUL. */
#define DISPLAY_ESCAPE_SIZE(n) ((n) * 4U + 4U)

/*
 * display_text_clean - true when @s is at most @max bytes and display_escape() would leave
 * it unchanged except for backslashes: one line of printable text (display_escape's output is
 * clean). What verifierd accepts as a summary line from provd (ipc_submit_read) and what
 * summary_from_doc() produces.
 */
bool display_text_clean(const char *s, size_t max);

/* summary_line_valid - display_text_clean(s, SUMMARY_LINE_MAX) and not empty. */
bool summary_line_valid(const char *s);
