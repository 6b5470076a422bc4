/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl.h: shared state of the provctl command-line client. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* sysexits.h values, spelled out: scripts rely on them. */
#define PROVCTL_EXIT_USAGE 64
#define PROVCTL_EXIT_DATAERR 65
#define PROVCTL_EXIT_NOINPUT 66
#define PROVCTL_EXIT_UNAVAILABLE 69
#define PROVCTL_EXIT_SOFTWARE 70
#define PROVCTL_EXIT_NOPERM 77

typedef struct ProvctlOptions {
        bool json;
        const char *format;   /* --format= for decode/inject */
        bool smsc;            /* --smsc */
        bool sms;             /* --sms (inject) */
        const char *modem;    /* --modem= (inject): the receiving modem's object path, or NULL */
        unsigned max;         /* --max= for history */
        bool notify;          /* --notify (agent) */
} ProvctlOptions;

extern ProvctlOptions arg;

/* Read a whole file ("-" = stdin) into a malloc'd buffer. Return: 0 or negative errno. */
int read_input_file(const char *path, unsigned char **ret, size_t *ret_len, size_t max);

int verb_decode(int argc, char **argv);
/* D-Bus verbs (bus.c) */
int verb_bus(const char *verb, int argc, char **argv);

/* bus.c's helpers for show.c and agent.c */
#include <stdint.h>
#include <systemd/sd-bus.h>
void pc_json_str(const char *s);
int pc_fail(const char *what, const sd_bus_error *e, int r);
int pc_verifier_call(sd_bus *bus, const char *member, sd_bus_message **ret);
int pc_call(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply, sd_bus_error *e);
void pc_format_time(uint64_t usec, char *buf, size_t n);

/* show.c: a pending push in detail (issue 10, point 10) */
typedef struct PendingInfo {
        uint64_t id;
        char *sender, *sec, *waiting;   /* waiting: "needs-pin" or "needs-confirmation" */
        uint64_t received_usec, expires_usec;
        char **summary;                 /* ListPending's lines ("(unverified) ..." while it waits for a PIN) */
        size_t n_summary;
} PendingInfo;
void pending_info_done(PendingInfo *p);
/* The next ListPending entry (ipc_pending_row_read). Return: 1, 0 at the end, or negative errno. */
int pending_info_read(sd_bus_message *reply, PendingInfo *p);
/* ListPending's entry of @id. Return: 0; -ESRCH not pending; else pc_fail()'s negative errno. */
int pending_info_get(sd_bus *bus, uint64_t id, PendingInfo *ret, sd_bus_error *e);

typedef struct DocRow {
        char *group, *path, *name, *change, *value, *old_value;
} DocRow;
typedef struct DocRows {
        DocRow *items;
        size_t n;
} DocRows;
void doc_rows_done(DocRows *d);
/* GetPendingDocument(@id). Return: 0, or negative errno with @e set by the bus. */
int doc_rows_get(sd_bus *bus, uint64_t id, DocRows *ret, sd_bus_error *e);
/* "Data connections (NAPDEF)" for "NAPDEF", ... */
const char *doc_group_label(const char *group, char *buf, size_t size);
/* Print what a pending push waits for and what it would change (text). @rows NULL: the
 * document is not available (@why says why); @p's summary lines are shown instead. */
void pending_print(FILE *f, const PendingInfo *p, const DocRows *rows, const char *why);
/* verb_show's addition: the details of @id when it is pending (text or JSON fields). */
int show_pending(sd_bus *bus, uint64_t id);

/* agent.c: provctl agent [--notify] */
int verb_agent(sd_bus *bus, int argc, char **argv);
