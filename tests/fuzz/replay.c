/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: a main() that feeds files (or every file of given directories) to
 * LLVMFuzzerTestOneInput, so `make check` replays each corpus under gcc's ASan+UBSan
 * without libFuzzer (the c-ares ares-fuzz.c idea). Prints "N passed, 0 failed";
 * a sanitizer report aborts the process, which the runner counts as a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
        FILE *f = fopen(path, "rb");
        uint8_t *buf;
        long n;

        if (!f) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                return -1;
        }
        if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -1;
        }
        /* Exact-size heap copy so ASan sees any over-read. */
        buf = malloc(n > 0 ? (size_t) n : 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                fclose(f);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) n);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        unsigned ok = 0, bad = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
                        bad++;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        struct dirent **names;
                        int n = scandir(argv[i], &names, NULL, alphasort);

                        for (int k = 0; k < n; k++) {
                                char p[4096];

                                if (names[k]->d_name[0] != '.') {
                                        snprintf(p, sizeof p, "%s/%s", argv[i], names[k]->d_name);
                                        if (replay_file(p) < 0)
                                                bad++;
                                        else
                                                ok++;
                                }
                                free(names[k]);
                        }
                        free(names);
                } else if (replay_file(argv[i]) < 0)
                        bad++;
                else
                        ok++;
        }
        printf("%u passed, %u failed\n", ok, bad);
        return bad ? 1 : 0;
}
