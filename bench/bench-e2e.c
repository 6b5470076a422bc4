/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-e2e.c: end to end on a private bus (docs/testing.md §6.2 P3, §6.2 P5, §7.8).
 *   bench-e2e echo                 own org.provboot.BenchEcho1 and answer Echo(ay) -> u
 *   bench-e2e run N DIR            N valid pushes (DIR/push-<i>.wsp) through Parser1.Inject, each
 *                                  answered only when verifierd's verdict is durable; after each,
 *                                  one bare sd-bus round trip with the same payload to BenchEcho1
 *                                  on the same bus and one durable write in $BENCH_FSYNC_DIR (the
 *                                  floor, sampled beside the pushes); prints p50/p99 of each, the
 *                                  ratios, p50 of the first and last 100 pushes, and with
 *                                  $BENCH_CPU_PID the CPU time that process spent per push
 *   bench-e2e flood SECS RATE DIR  RATE malformed pushes per second for SECS seconds, with one
 *                                  valid push (DIR/push-<i>.wsp) every second whose latency is printed
 * The bus comes from DBUS_SYSTEM_BUS_ADDRESS.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "ipc.h"

#define ECHO_NAME "org.provboot.BenchEcho1"
#define ECHO_PATH "/org/provboot/BenchEcho1"

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* CPU time the task PID has run, ns (/proc/PID/schedstat, first field); 0 when unknown. */
static uint64_t cpu_ns(const char *pid) {
        char path[64];
        unsigned long long v = 0;
        FILE *f;

        if (!pid)
                return 0;
        snprintf(path, sizeof path, "/proc/%s/schedstat", pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        if (fscanf(f, "%llu", &v) != 1)
                v = 0;
        fclose(f);
        return v;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static uint8_t *read_file(const char *path, size_t *len) {
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        long n;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
                buf = malloc((size_t) n);
                if (buf && fread(buf, 1, (size_t) n, f) != (size_t) n) {
                        free(buf);
                        buf = NULL;
                }
                *len = (size_t) n;
        }
        fclose(f);
        return buf;
}

static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_read_array(m, 'y', &p, &n);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "u", (uint32_t) n);
}

static const sd_bus_vtable echo_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Echo", "ay", "u", method_echo, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int run_echo(void) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, ECHO_PATH, ECHO_NAME, echo_vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, ECHO_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "bench-e2e echo: %s\n", strerror(-r));
                return 1;
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r > 0)
                        continue;
                if (sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}

/* One Inject; returns latency in ns, or 0 on failure. Sets *verdict (static storage). */
static uint64_t inject(sd_bus *bus, const uint8_t *data, size_t len, char *verdict, size_t vlen) {
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        IpcInject in = { .data = data, .size = len, .format = "wsp" };
        IpcVerdict v;
        uint64_t t0;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IPC_PARSER_BUS_NAME, IPC_PARSER_PATH, IPC_PARSER_INTERFACE,
                                           IPC_M_INJECT);
        if (r >= 0)
                r = ipc_inject_append(m, &in);
        if (r < 0)
                return 0;
        t0 = now_ns();
        r = sd_bus_call(bus, m, 30ULL * 1000000ULL, &e, &reply);
        t0 = now_ns() - t0;
        if (r >= 0 && ipc_verdict_read(reply, &v, true) >= 0)
                snprintf(verdict, vlen, "%s/%s", v.verdict, v.reason);
        else
                snprintf(verdict, vlen, "error %s", e.name ? e.name : strerror(-r));
        sd_bus_error_free(&e);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        return r < 0 ? 0 : t0;
}

/* One bare round trip with @len bytes to BenchEcho1: ns, 0 on failure. */
static uint64_t echo_once(sd_bus *bus, const uint8_t *pl, size_t len) {
        sd_bus_message *reply = NULL, *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t t0;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, ECHO_NAME, ECHO_PATH, ECHO_NAME, "Echo");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', pl, len);
        t0 = now_ns();
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, &reply);
        t0 = now_ns() - t0;
        sd_bus_error_free(&e);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        if (r < 0) {
                fprintf(stderr, "bench-e2e: echo failed: %s\n", strerror(-r));
                return 0;
        }
        return t0;
}

/* One durable write of @len bytes in @fdir: write + fsync + rename + fsync(dir). ns, 0 on failure. */
static uint64_t durable_once(const char *fdir, const uint8_t *pl, size_t len) {
        char tmp[4096], fin[4096];
        uint64_t t0 = now_ns();
        int fd, dfd;

        snprintf(tmp, sizeof tmp, "%s/floor.tmp", fdir);
        snprintf(fin, sizeof fin, "%s/floor", fdir);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, pl, len) != (ssize_t) len || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, fin) < 0)
                return 0;
        dfd = open(fdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0 || close(dfd) < 0)
                return 0;
        return now_ns() - t0;
}

/*
 * N pushes; after each, one bare round trip and one durable write (the floor), so that the floor
 * is sampled under the same conditions as the pushes around it (the disk of a shared machine
 * drifts over minutes). With BENCH_CPU_PID (verifierd), the CPU time verifierd's main thread
 * spent on each push as well: it does not depend on the disk, so it shows whether the work per
 * push grows with the store even when the latency is noise.
 */
static int run_pushes(unsigned n, const char *dir) {
        uint64_t *lat = calloc(n, sizeof(uint64_t)), *echo = calloc(n, sizeof(uint64_t));
        uint64_t *fs = calloc(n, sizeof(uint64_t)), *cpu = calloc(n, sizeof(uint64_t));
        const char *fdir = getenv("BENCH_FSYNC_DIR"), *cpu_pid = getenv("BENCH_CPU_PID");
        sd_bus *bus = NULL;
        size_t payload = 0;
        unsigned applied = 0;
        uint8_t *pl = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0 || !lat || !echo || !fs || !cpu)
                return 1;
        for (unsigned i = 0; i < n; i++) {
                char path[4096], verdict[128];
                uint64_t c0;
                size_t len;
                uint8_t *d;

                snprintf(path, sizeof path, "%s/push-%u.wsp", dir, i);
                d = read_file(path, &len);
                if (!d) {
                        fprintf(stderr, "bench-e2e: cannot read %s\n", path);
                        return 1;
                }
                if (!pl) {
                        payload = len;
                        pl = calloc(1, payload ? payload : 1);
                        if (!pl)
                                return 1;
                }
                c0 = cpu_ns(cpu_pid);
                lat[i] = inject(bus, d, len, verdict, sizeof verdict);
                cpu[i] = cpu_ns(cpu_pid) - c0;
                if (strcmp(verdict, "applied/") == 0)
                        applied++;
                else if (i < 3)
                        fprintf(stderr, "bench-e2e: push %u: %s\n", i, verdict);
                free(d);
                /* The floor, right after: a bare round trip with the same payload, same bus. */
                echo[i] = echo_once(bus, pl, payload);
                if (!echo[i])
                        return 1;
                if (fdir && !(fs[i] = durable_once(fdir, pl, payload)))
                        return 1;
        }
        if (cpu_pid) {
                unsigned w = n >= 300 ? 100 : n / 3 ? n / 3 : 1;
                uint64_t *a = calloc(w, sizeof(uint64_t)), *b = calloc(w, sizeof(uint64_t));

                if (!a || !b)
                        return 1;
                memcpy(a, cpu, w * sizeof(uint64_t));
                memcpy(b, cpu + (n - w), w * sizeof(uint64_t));
                qsort(a, w, sizeof(uint64_t), cmp_u64);
                qsort(b, w, sizeof(uint64_t), cmp_u64);
                printf("verifierd CPU per push: first %u p50 %.1f us; last %u p50 %.1f us\n", w, a[w / 2] / 1e3, w,
                       b[w / 2] / 1e3);
                printf("CPU_FIRST_P50_NS=%" PRIu64 " CPU_LAST_P50_NS=%" PRIu64 "\n", a[w / 2], b[w / 2]);
                free(a);
                free(b);
        }
        free(cpu);
        /* Does the cost of a push grow with the store? p50 of the first and of the last W
         * pushes (W = 100, or n / 3 when fewer): the last ones find n - W applied before them. */
        unsigned w = n >= 300 ? 100 : n / 3 ? n / 3 : 1;
        uint64_t *first = calloc(w, sizeof(uint64_t)), *last = calloc(w, sizeof(uint64_t));
        if (!first || !last)
                return 1;
        memcpy(first, lat, w * sizeof(uint64_t));
        memcpy(last, lat + (n - w), w * sizeof(uint64_t));
        qsort(first, w, sizeof(uint64_t), cmp_u64);
        qsort(last, w, sizeof(uint64_t), cmp_u64);
        printf("first %u pushes p50 %9.1f us; last %u pushes (after %u applied) p50 %9.1f us\n", w,
               first[w / 2] / 1e3, w, n - w, last[w / 2] / 1e3);
        printf("E2E_FIRST_P50_NS=%" PRIu64 " E2E_LAST_P50_NS=%" PRIu64 " E2E_WINDOW=%u\n", first[w / 2], last[w / 2], w);
        free(first);
        free(last);
        qsort(lat, n, sizeof(uint64_t), cmp_u64);
        qsort(echo, n, sizeof(uint64_t), cmp_u64);
        unsigned p50 = n / 2, p99 = (n * 99) / 100;
        if (fs && fdir) {
                qsort(fs, n, sizeof(uint64_t), cmp_u64);
                double floor50 = (double) echo[p50] + (double) fs[p50];
                printf("durable write floor         p50 %9.1f us   p99 %9.1f us\n", fs[p50] / 1e3, fs[p99] / 1e3);
                printf("FLOOR_P50_NS=%.0f\n", floor50);
                printf("floor = round trip + durable write: p50 %.1f us; inject p50 / floor = %.2f (target <= 1.5;\n"
                       "  decode + HMAC add < 0.1 ms, see bench-decode and bench-verifier)\n",
                       floor50 / 1e3, (double) lat[p50] / floor50);
        }
        free(fs);
        printf("pushes %u (applied %u), payload %zu bytes\n", n, applied, payload);
        printf("inject -> verdict durable   p50 %9.1f us   p99 %9.1f us\n", lat[p50] / 1e3, lat[p99] / 1e3);
        printf("bare sd-bus round trip      p50 %9.1f us   p99 %9.1f us\n", echo[p50] / 1e3, echo[p99] / 1e3);
        printf("ratio to the round trip     p50 %9.1f      p99 %9.1f\n", (double) lat[p50] / echo[p50],
               (double) lat[p99] / echo[p99]);
        printf("E2E_P50_NS=%" PRIu64 " E2E_P99_NS=%" PRIu64 " RTT_P50_NS=%" PRIu64 " RTT_P99_NS=%" PRIu64 "\n", lat[p50],
               lat[p99], echo[p50], echo[p99]);
        free(pl);
        free(lat);
        free(echo);
        sd_bus_flush_close_unref(bus);
        return applied == n ? 0 : 1;
}

static int run_flood(unsigned secs, unsigned rate, const char *dir) {
        static const uint8_t junk[] = { 0x01, 0x06, 0x2F, 0x1F, 0xB6, 0x91 }; /* HeadersLen past the end */
        sd_bus *bus = NULL;
        uint64_t start = now_ns(), sent = 0, worst = 0;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return 1;
        for (unsigned s = 0; s < secs; s++) {
                uint64_t sec_start = now_ns();
                char path[4096], verdict[128];
                size_t len;
                uint8_t *d;

                for (unsigned k = 0; k < rate; k++) {
                        (void) inject(bus, junk, sizeof junk, verdict, sizeof verdict);
                        sent++;
                        if (now_ns() - sec_start > 900000000ULL)
                                break; /* cannot keep the rate: report what was sent */
                }
                snprintf(path, sizeof path, "%s/push-%u.wsp", dir, s);
                d = read_file(path, &len);
                if (d) {
                        uint64_t t = inject(bus, d, len, verdict, sizeof verdict);

                        if (t > worst)
                                worst = t;
                        printf("second %3u: valid push %s in %.1f ms\n", s, verdict, t / 1e6);
                        free(d);
                }
                uint64_t spent = now_ns() - sec_start;

                if (spent < 1000000000ULL) { /* pace to one second per round */
                        struct timespec ts = { 0, (long) (1000000000ULL - spent) };

                        nanosleep(&ts, NULL);
                }
        }
        printf("flood: %" PRIu64 " malformed pushes in %.1f s (%.0f/s); worst valid-push latency %.1f ms\n", sent,
               (now_ns() - start) / 1e9, sent / ((now_ns() - start) / 1e9), worst / 1e6);
        sd_bus_flush_close_unref(bus);
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 2 && strcmp(argv[1], "echo") == 0)
                return run_echo();
        if (argc == 4 && strcmp(argv[1], "run") == 0)
                return run_pushes((unsigned) strtoul(argv[2], NULL, 10), argv[3]);
        if (argc == 5 && strcmp(argv[1], "flood") == 0)
                return run_flood((unsigned) strtoul(argv[2], NULL, 10), (unsigned) strtoul(argv[3], NULL, 10),
                                 argv[4]);
        fprintf(stderr, "usage: bench-e2e echo | run N DIR | flood SECS RATE DIR\n");
        return 2;
}
