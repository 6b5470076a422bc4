/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * provctl: the provboot command-line client (hostnamectl-style). Offline it decodes pushes
 * (`decode`); on the system bus it talks to verifierd (status, pending, pin, history, ...) and
 * to provd (inject). Every command takes --json.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "ipc.h"
#include "macros.h"
#include "provctl.h"

#ifndef PROVBOOT_VERSION
#define PROVBOOT_VERSION "0.1"
#endif

ProvctlOptions arg = { .format = "auto", .max = 100 };

static void help(void) {
        printf("provctl [OPTIONS...] COMMAND [ARGS...]\n\n"
               "Inspect and control provboot, the OMA Client Provisioning receiver.\n\n"
               "Commands:\n"
               "  status                 Show verifierd and provd state and counters\n"
               "  pending                List pushes waiting for a PIN or confirmation\n"
               "  pin ID                 Provide the PIN for a pending push (read without echo,\n"
               "                         or one line from stdin when it is not a terminal)\n"
               "  confirm ID             Confirm a pending NETWPIN push\n"
               "  discard ID             Reject a pending push\n"
               "  history                Show the verdict of every push\n"
               "  show ID                Show one push; a pending one with what it would change\n"
               "                         (the document, and the diff against the applied settings)\n"
               "  settings               Show the stored settings and what each became on the\n"
               "                         system (exported, changed by the user, not exported)\n"
               "  accounts               Show the DM server accounts and their roles\n"
               "  policy                 Show the effective security policy and where each value\n"
               "                         comes from (built-in, file, over-the-air with its push)\n"
               "  reset-policy           Drop the over-the-air policy layer (root): the\n"
               "                         configuration files decide again\n"
               "  certs                  Show the certificate store\n"
               "  inject [--sms] FILE|-  Hand a push to provd (same input forms as decode)\n"
               "  install FILE|-         Submit a signed provisioning package\n"
               "  dm connect SERVER-ID   Run one OMA DM session with that DM account's server\n"
               "                         (exit status 0 only when it completed)\n"
               "  decode FILE|-          Decode a push offline and print it\n"
               "  agent                  Answer PIN and confirmation requests in this terminal\n"
               "                         (without a terminal: one answer per line from stdin)\n"
               "  agent --notify         Raise a desktop notification for each pending push\n\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json              Print JSON\n"
               "     --format=FORMAT     Input form: auto, sms, sms-smsc, wsp, wbxml, xml\n"
               "     --smsc              SMS lines start with the SMSC address (+CMT PDU mode)\n"
               "     --sms               Input is SMS-DELIVER TPDUs in hex, one per line\n"
               "     --modem=PATH        (inject) The push arrived on this modem (oFono or ModemManager\n"
               "                         object path): its SIM's IMSI is the network PIN\n"
               "     --max=N             Number of history entries (default 100)\n"
               "     --notify            agent: desktop notifications on the session bus\n\n"
               "Input for decode and inject: SMS-DELIVER TPDUs as hex text one per line (any order),\n"
               "a WSP push PDU, a bare WBXML body or a bare XML document, binary or hex.\n"
               "Exit status: 0 success, 64 usage, 65 malformed input, 66 no input, 69 service\n"
               "unavailable, 77 permission denied.\n\n"
               "See provctl(1).\n");
}

int read_input_file(const char *path, unsigned char **ret, size_t *ret_len, size_t max) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ unsigned char *buf = NULL;
        size_t len = 0, cap = 0;

        if (strcmp(path, "-") == 0)
                f = fdopen(dup(STDIN_FILENO), "rb");
        else
                f = fopen(path, "rb");
        if (!f)
                return -errno;
        for (;;) {
                size_t k;

                if (len == cap) {
                        unsigned char *n;

                        cap = cap ? cap * 2 : 8192;
                        if (cap > max + 1)
                                cap = max + 1;
                        if (len == cap)
                                return -E2BIG;
                        n = realloc(buf, cap);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                }
                k = fread(buf + len, 1, cap - len, f);
                len += k;
                if (k == 0) {
                        if (ferror(f))
                                return -EIO;
                        break;
                }
        }
        if (len > max)
                return -E2BIG;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int main(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_FORMAT, ARG_SMSC, ARG_SMS, ARG_MAX, ARG_MODEM, ARG_NOTIFY };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "smsc", no_argument, NULL, ARG_SMSC },
                { "sms", no_argument, NULL, ARG_SMS },
                { "max", required_argument, NULL, ARG_MAX },
                { "modem", required_argument, NULL, ARG_MODEM },
                { "notify", no_argument, NULL, ARG_NOTIFY },
                {}
        };
        const char *verb;
        int c;

        /* Options may come before or after the command (GNU getopt permutes). */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("provctl %s\n", PROVBOOT_VERSION);
                        return 0;
                case ARG_JSON:
                        arg.json = true;
                        break;
                case ARG_FORMAT:
                        if (input_format_from_string(optarg) < 0) {
                                fprintf(stderr, "provctl: unknown --format '%s' (auto, sms, sms-smsc, wsp, wbxml, xml)\n",
                                        optarg);
                                return PROVCTL_EXIT_USAGE;
                        }
                        arg.format = optarg;
                        break;
                case ARG_SMSC:
                        arg.smsc = true;
                        break;
                case ARG_SMS:
                        arg.sms = true;
                        break;
                case ARG_MODEM:
                        if (!ipc_modem_valid(optarg) || !*optarg) {
                                fprintf(stderr, "provctl: bad --modem '%s' (a D-Bus object path such as /ril_0 or "
                                                "/org/freedesktop/ModemManager1/Modem/0)\n", optarg);
                                return PROVCTL_EXIT_USAGE;
                        }
                        arg.modem = optarg;
                        break;
                case ARG_NOTIFY:
                        arg.notify = true;
                        break;
                case ARG_MAX: {
                        char *end;
                        unsigned long v = strtoul(optarg, &end, 10);

                        if (*optarg == 0 || *end != 0 || v == 0 || v > 100000) {
                                fprintf(stderr, "provctl: bad --max '%s'\n", optarg);
                                return PROVCTL_EXIT_USAGE;
                        }
                        arg.max = (unsigned) v;
                        break;
                }
                default:
                        return PROVCTL_EXIT_USAGE;
                }

        if (optind >= argc) {
                fprintf(stderr, "provctl: missing command; see 'provctl --help'\n");
                return PROVCTL_EXIT_USAGE;
        }
        verb = argv[optind];
        if (strcmp(verb, "help") == 0) {
                help();
                return 0;
        }
        if (strcmp(verb, "decode") == 0)
                return verb_decode(argc - optind, argv + optind);
        return verb_bus(verb, argc - optind, argv + optind);
}
