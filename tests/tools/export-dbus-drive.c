/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export-dbus-drive.c: test driver for tests/integration/export-dbus.sh until verifierd/main.c
 * calls export_dbus_apply itself. Loads verifierd's configuration (--config-dir), opens the
 * store verifierd left in --state-dir through engine_new (verifierd must be stopped: one writer),
 * and runs export_dbus_apply on the system bus ($DBUS_SYSTEM_BUS_ADDRESS), exactly the call
 * verifierd will make. Prints the stats as "key=value" lines for the script and exits 0 when
 * the export returned 0, 1 otherwise. With --plan it prints the plan instead (no bus): context
 * name, type, APN and whether credentials are set, never their values. Never installed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "macros.h"
#include "verifierd/config.h"
#include "verifierd/engine.h"
#include "verifierd/export-dbus.h"

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void print_stats(const ExportDbusStats *s) {
        printf("modems=%u\ncreated=%u\nupdated=%u\nunchanged=%u\nremoved=%u\nbusy=%u\nfailed=%u\n"
               "planned=%u\ninvalid=%u\nskipped=%u\n",
               s->modems, s->created, s->updated, s->unchanged, s->removed, s->busy, s->failed,
               s->planned, s->invalid, s->skipped);
}

static int print_plan(Engine *e) {
        _cleanup_(export_dbus_plan_done) ExportDbusPlan p = {};
        int r;

        r = export_dbus_plan(e, &p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p.n_contexts; i++) {
                const OfonoContextSpec *c = &p.contexts[i];

                printf("context\t%s\t%s\t%s\tuser:%s\tpassword:%s\tauth:%s\n", c->name, c->type, c->apn,
                       *c->username ? "set" : "none", *c->password ? "set" : "none", c->auth ? c->auth : "-");
        }
        if (p.have_mmsd)
                printf("mmsd\t%s\t%s\t%s\n", p.mmsd.mmsc, p.mmsd.apn, p.mmsd.proxy);
        for (size_t i = 0; i < p.n_invalid; i++)
                printf("invalid\t%s\n", p.invalid[i]);
        return 0;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "config-dir", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "plan", no_argument, NULL, 'p' },
                {},
        };
        _cleanup_(config_freep) Config *cfg = NULL;
        _cleanup_(engine_freep) Engine *e = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *config_dir = NULL, *state_dir = NULL;
        ExportDbusStats st = {};
        ConfigError err = {};
        char buf[512];
        bool plan = false;
        uint64_t t0;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config_dir = optarg;
                        break;
                case 's':
                        state_dir = optarg;
                        break;
                case 'p':
                        plan = true;
                        break;
                default:
                        return 2;
                }
        if (!config_dir || !state_dir) {
                fprintf(stderr, "usage: %s --config-dir=DIR --state-dir=DIR [--plan]\n", argv[0]);
                return 2;
        }
        r = config_load(config_dir, &cfg, &err);
        if (r < 0) {
                fprintf(stderr, "configuration: %s\n", config_error_format(&err, buf, sizeof buf));
                return 1;
        }
        EngineOptions eo = { .state_dir = state_dir, .config = cfg, .no_export = true };
        r = engine_new(&e, &eo);
        if (r < 0) {
                fprintf(stderr, "store in '%s': %s\n", state_dir, strerror(-r));
                return 1;
        }
        if (plan) {
                r = print_plan(e);
                if (r < 0)
                        fprintf(stderr, "plan: %s\n", strerror(-r));
                return r < 0 ? 1 : 0;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "system bus: %s\n", strerror(-r));
                return 1;
        }
        t0 = now_usec();
        r = export_dbus_apply(bus, e, cfg, &st);
        print_stats(&st);
        printf("elapsed_usec=%llu\n", (unsigned long long) (now_usec() - t0)); /* the call alone */
        fprintf(stderr, "%s\n", export_dbus_stats_format(&st, buf, sizeof buf));
        if (r < 0) {
                fprintf(stderr, "export_dbus_apply: %s\n", strerror(-r));
                printf("error=%d\n", -r);
                return 1;
        }
        return 0;
}
