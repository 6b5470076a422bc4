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
} ProvctlOptions;

extern ProvctlOptions arg;

/* Read a whole file ("-" = stdin) into a malloc'd buffer. Return: 0 or negative errno. */
int read_input_file(const char *path, unsigned char **ret, size_t *ret_len, size_t max);

int verb_decode(int argc, char **argv);
/* D-Bus verbs (bus.c) */
int verb_bus(const char *verb, int argc, char **argv);
