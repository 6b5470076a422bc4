/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-crash.c: crash consistency (docs/testing.md §7.9). A child process applies
 * authenticated documents through the engine in a loop (commit + NetworkManager export) and is
 * killed with SIGKILL at a random moment; this repeats CRASH_KILLS times (default 200) against
 * the same state directory. After every kill the parent reopens the store and checks it against
 * a reference store that applied exactly the same prefix of documents without crashing:
 *   - the applied documents are a prefix of the sequence, never fewer than before the kill;
 *   - one history row per applied document, all "applied", digests matching;
 *   - settings and DM accounts equal the reference's row for row (old or new, never a mix);
 *   - every keyfile the child left behind is complete (equal to a rendering of some state);
 *   - after rebuilding, the export directory equals the reference's byte for byte.
 * The random seed is printed (CRASH_SEED=N reproduces a run). The only sleep is the random
 * delay that picks the kill point; completion is awaited with waitpid.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine-testutil.h"
#include "macros.h"
#include "testutil.h"
#include "verifierd/auth.h"
#include "verifierd/engine.h"

#define IMSI "262011234567890"

static char *doc_spec(unsigned k) {
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s,
                                  "NAPDEF{NAPID=n%u;NAME=Net %u;NAP-ADDRESS=apn%u.example;INTERNET;"
                                  "NAPAUTHINFO{AUTHTYPE=PAP;AUTHNAME=user%u;AUTHSECRET=pw%u}}"
                                  "PXLOGICAL{PROXY-ID=px%u;NAME=Proxy %u;"
                                  "PXPHYSICAL{PHYSICAL-PROXY-ID=pp;PXADDR=10.0.%u.1;TO-NAPID=n%u}}"
                                  "APPLICATION{APPID=w7;PROVIDER-ID=srv%u;NAME=DM %u;ADDR=https://dm%u.example/dm}",
                                  k % 4, k, k, k, k, k % 2, k, k % 250, k % 4, k % 3, k, k),
                         0);
        return s;
}

/* The body of document k (text XML) and its NETWPIN MAC. */
static char *doc_body(unsigned k, char mac[41]) {
        char *spec = doc_spec(k), *x;
        CpDoc *d = et_doc(spec);
        Secret *imsi = NULL;

        x = et_xml(d);
        cpdoc_free(d);
        free(spec);
        ck_assert_int_eq(secret_new_from_string(IMSI, &imsi), 0);
        ck_assert_int_eq(auth_compute_mac_hex(AUTH_NETWPIN, (const uint8_t *) x, strlen(x), imsi, NULL, mac), 0);
        secret_free(imsi);
        return x;
}

static Config *make_config(void) {
        Config *c = NULL;

        ck_assert_int_eq(config_new_default(&c), 0);
        c->bootstrap_enabled = true;
        c->confirm_network_pin = false;
        return c;
}

static int newest_id(const StorePush *p, void *u) {
        *(unsigned *) u = (unsigned) p->id;
        return 1;
}

/* Documents applied so far: one push per document, ids 1, 2, ... (a superseded document leaves
 * the documents table, and old history rows may be pruned: the newest id counts them all). */
static int count_applied(Store *s, unsigned *ret) {
        *ret = 0;
        return store_foreach_push(s, 0, 1, newest_id, ret);
}

/* The child: open the engine and apply documents from where the store stands, forever. */
/* The bodies and MACs of documents 0 .. n-1, made by the parent before it forks. The child
 * must not call Check's assertions: in fork mode each passing ck_assert writes a message to
 * the pipe the parent's Check reads, and a SIGKILL in the middle of that write leaves a torn
 * message there ("Bad message type"), a failure of the harness, not of the store. */
typedef struct Bodies {
        char **body;
        char (*mac)[41];
        unsigned n;
} Bodies;

#define CRASH_WINDOW 64U /* documents ready for one child; observed runs apply at most ~10 */

static void bodies_ensure(Bodies *b, unsigned n) {
        if (n <= b->n)
                return;
        b->body = reallocarray(b->body, n, sizeof(char *));
        b->mac = reallocarray(b->mac, n, sizeof(*b->mac));
        ck_assert(b->body && b->mac);
        for (; b->n < n; b->n++)
                b->body[b->n] = doc_body(b->n, b->mac[b->n]);
}

static void bodies_done(Bodies *b) {
        for (unsigned k = 0; k < b->n; k++)
                free(b->body[k]);
        free(b->body);
        free(b->mac);
}

_Noreturn static void child(const char *state, const char *nm, Config *cfg, const Bodies *b) {
        EngineOptions o = { .state_dir = state, .config = cfg, .export_nm_dir = nm };
        Engine *e = NULL;
        unsigned next = 0;

        if (engine_new(&e, &o) < 0 || engine_set_imsi(e, IMSI) < 0)
                _exit(2);
        if (count_applied(engine_get_store(e), &next) < 0)
                _exit(3);
        if (next >= b->n)
                _exit(5);
        for (unsigned k = next; k < b->n; k++) {
                EngineSubmission s = {
                        .body = (const uint8_t *) b->body[k],
                        .body_len = strlen(b->body[k]),
                        .content_kind = WSP_CONTENT_CP_XML,
                        .sec = AUTH_NETWPIN,
                        .mac = b->mac[k],
                        .sender = "crash",
                        .transport = "inject",
                };
                EngineResult r = {};

                if (engine_submit(e, &s, &r) < 0 || r.verdict != VERDICT_APPLIED)
                        _exit(4);
                engine_result_done(&r);
        }
        _exit(0);
}

/* ---- the reference ------------------------------------------------------------------------ */

typedef struct Ref {
        Store *store;
        unsigned applied;
        uint32_t roles;
} Ref;

static void ref_apply(Ref *ref, unsigned k) {
        char mac[41], *body = doc_body(k, mac), *spec = doc_spec(k), name[32], addr[64], srv[16];
        CpDoc *d = et_doc(spec);
        StoreAccount acc;
        StoreApply a = {
                .push = { .sec = AUTH_NETWPIN, .roles = ref->roles, .verdict = VERDICT_APPLIED },
                .doc = d,
                .body = (const uint8_t *) body,
                .body_len = strlen(body),
                .accounts = &acc,
                .n_accounts = 1,
                /* what the engine binds a NETWPIN push to: the MCC+MNC of IMSI (export-nm.h) */
                .sim_operator_id = "26201",
        };
        uint64_t id = 0;

        snprintf(srv, sizeof srv, "srv%u", k % 3);
        snprintf(name, sizeof name, "DM %u", k);
        snprintf(addr, sizeof addr, "https://dm%u.example/dm", k);
        acc = (StoreAccount) { .server_id = srv, .name = name, .addr = addr, .roles = ref->roles };
        ck_assert_int_eq(store_apply(ref->store, &a, &id, NULL), 0);
        ck_assert_uint_eq(id, k + 1); /* one push per document, no gaps */
        ref->applied++;
        cpdoc_free(d);
        free(spec);
        free(body);
}

/* ---- dumps -------------------------------------------------------------------------------- */

static int dump_setting(const StoreSetting *s, void *u) {
        fprintf(u, "%s|%s|%s|%u|%u|%d|%u|%llu\n", s->root, s->path, s->value ?: "-", s->ord, s->roles, s->sec,
                s->strength, (unsigned long long) s->push_id);
        return 0;
}

static int dump_account(const StoreAccount *a, void *u) {
        fprintf(u, "%s|%s|%s|%u|%s|%llu\n", a->server_id, a->name ?: "-", a->addr ?: "-", a->roles, a->root,
                (unsigned long long) a->push_id);
        return 0;
}

static int dump_document(const StoreDocument *d, void *u) {
        fprintf(u, "%llu|%llu|%s|%d|%u\n", (unsigned long long) d->id, (unsigned long long) d->push_id, d->digest,
                d->sec, d->strength);
        return 0;
}

static char *dump_state(Store *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_int_ge(store_foreach_document(s, dump_document, f), 0);
        ck_assert_int_ge(store_foreach_setting(s, NULL, dump_setting, f), 0);
        ck_assert_int_ge(store_foreach_account(s, dump_account, f), 0);
        fclose(f);
        return buf;
}

typedef struct HistCheck {
        unsigned n;
        bool bad;
} HistCheck;

static int check_push(const StorePush *p, void *u) {
        HistCheck *h = u;

        h->n++;
        if (p->verdict != VERDICT_APPLIED || !p->digest || strlen(p->digest) != 64)
                h->bad = true;
        return 0;
}

/* Directory listing "name\ncontent\n" of our files, sorted by name. */
static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *dump_dir(const char *dir, bool include_tmp) {
        DIR *d = opendir(dir);
        struct dirent *de;
        char *names[256], *buf = NULL;
        size_t n = 0, size = 0;
        FILE *f;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (!include_tmp && strncmp(de->d_name, EXPORT_NM_TMP_PREFIX, strlen(EXPORT_NM_TMP_PREFIX)) == 0)
                        continue;
                ck_assert_uint_lt(n, ELEMENTSOF(names));
                names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(char *), cmp_str);
        f = open_memstream(&buf, &size);
        for (size_t i = 0; i < n; i++) {
                char *p = NULL, *t;

                ck_assert_int_ge(asprintf(&p, "%s/%s", dir, names[i]), 0);
                t = et_slurp(p);
                fprintf(f, "== %s\n%s", names[i], t ?: "(unreadable)\n");
                free(t);
                free(p);
                free(names[i]);
        }
        fclose(f);
        return buf;
}

/* Every keyfile rendering any reference state ever produced: name + content. */
typedef struct Seen {
        char **items;
        size_t n;
} Seen;

static void seen_add_dir(Seen *s, const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                char *p = NULL, *t, *entry = NULL;
                bool dup = false;

                if (de->d_name[0] == '.')
                        continue;
                ck_assert_int_ge(asprintf(&p, "%s/%s", dir, de->d_name), 0);
                t = et_slurp(p);
                ck_assert_int_ge(asprintf(&entry, "%s\n%s", de->d_name, t), 0);
                for (size_t i = 0; i < s->n && !dup; i++)
                        dup = strcmp(s->items[i], entry) == 0;
                if (!dup) {
                        s->items = realloc(s->items, (s->n + 1) * sizeof(char *));
                        s->items[s->n++] = entry;
                } else
                        free(entry);
                free(t);
                free(p);
        }
        closedir(d);
}

/* Files the killed child left: complete renderings of some state, never torn. */
static void check_no_torn_files(const Seen *s, const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                char *p = NULL, *t, *entry = NULL;
                bool found = false;

                if (de->d_name[0] == '.')
                        continue; /* dot files: our temp files, invisible to NetworkManager */
                ck_assert_int_ge(asprintf(&p, "%s/%s", dir, de->d_name), 0);
                t = et_slurp(p);
                ck_assert_int_ge(asprintf(&entry, "%s\n%s", de->d_name, t), 0);
                for (size_t i = 0; i < s->n && !found; i++)
                        found = strcmp(s->items[i], entry) == 0;
                ck_assert_msg(found, "torn or unknown keyfile %s:\n%s", de->d_name, t);
                free(entry);
                free(t);
                free(p);
        }
        closedir(d);
}

START_TEST(test_kill_anywhere) {
        const char *env_seed = getenv("CRASH_SEED"), *env_kills = getenv("CRASH_KILLS");
        unsigned seed = env_seed ? (unsigned) strtoul(env_seed, NULL, 10) : (unsigned) time(NULL) ^ (unsigned) getpid();
        unsigned kills = env_kills ? (unsigned) strtoul(env_kills, NULL, 10) : 200;
        const char *env_delay = getenv("CRASH_MAX_DELAY_US");
        long max_delay = env_delay ? strtol(env_delay, NULL, 10) : 60000;
        /* tmpfs by default: a SIGKILL leaves the page cache intact, so the disk's fsync cost only
         * slows the child down; on tmpfs each kill window spans many more commits. */
        const char *base = getenv("CRASH_DIR") ?: (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        char *state = et_tmpdir_in(base, "crash-state"), *nm = et_tmpdir_in(base, "crash-nm");
        char *ref_state = et_tmpdir_in(base, "crash-ref"), *ref_nm = et_tmpdir_in(base, "crash-refnm");
        Config *cfg = make_config();
        Ref ref = {};
        Seen seen = {};
        Bodies bodies = {};
        unsigned before = 0, max_gain = 0, exited_early = 0, mid_export = 0;
        time_t start = time(NULL);

        printf("crash-consistency: seed=%u kills=%u max-delay=%ldus dir=%s\n", seed, kills, max_delay, base);
        fflush(stdout);
        srandom(seed);
        ck_assert_int_eq(store_open(&ref.store, ref_state), 0);
        ref.roles = policy_effective_roles(cfg, policy_auth_roles(cfg, AUTH_NETWPIN));
        seen_add_dir(&seen, ref_nm);

        for (unsigned i = 0; i < kills; i++) {
                Store *s = NULL;
                HistCheck hc = {};
                char *got, *want, *dgot, *dwant;
                unsigned now_docs = 0, tmp_left;
                int status;
                pid_t pid;

                bodies_ensure(&bodies, before + CRASH_WINDOW);
                pid = fork();
                ck_assert_int_ge(pid, 0);
                if (pid == 0)
                        child(state, nm, cfg, &bodies);
                /* The kill point: the child is opening, recovering, committing or exporting. */
                usleep((useconds_t) (random() % max_delay));
                (void) kill(pid, SIGKILL);
                ck_assert_int_eq(waitpid(pid, &status, 0), pid);
                if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
                        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: status %d", status);
                        exited_early++;
                }

                /* Reopen: WAL recovery must give the old or the new state, nothing between. */
                ck_assert_int_eq(store_open(&s, state), 0);
                ck_assert_int_ge(count_applied(s, &now_docs), 0);
                ck_assert_msg(now_docs >= before, "kill %u: committed documents lost (%u -> %u)", i, before, now_docs);
                max_gain = MAX(max_gain, now_docs - before);
                while (ref.applied < now_docs) {
                        ref_apply(&ref, ref.applied);
                        ck_assert_int_eq(export_nm_rebuild(ref.store, ref_nm, NULL), 0);
                        seen_add_dir(&seen, ref_nm);
                }
                got = dump_state(s);
                want = dump_state(ref.store);
                ck_assert_msg(strcmp(got, want) == 0, "kill %u (seed %u): store differs from the reference", i, seed);
                ck_assert_int_ge(store_foreach_push(s, 0, STORE_QUERY_LIMIT_MAX, check_push, &hc), 0);
                ck_assert_uint_eq(hc.n, MIN(now_docs, STORE_QUERY_LIMIT_MAX));
                ck_assert(!hc.bad);
                ck_assert_int_eq(store_count_pending(s), 0);

                /* What the child left in the export directory is never a torn file. */
                tmp_left = et_count_files(nm, EXPORT_NM_TMP_PREFIX);
                if (tmp_left > 0)
                        mid_export++;
                check_no_torn_files(&seen, nm);
                /* Rebuilt from the store, the exports equal the reference's. */
                ck_assert_int_eq(export_nm_rebuild(s, nm, NULL), 0);
                dgot = dump_dir(nm, true);
                dwant = dump_dir(ref_nm, true);
                ck_assert_msg(strcmp(dgot, dwant) == 0, "kill %u (seed %u): exports differ", i, seed);

                free(dgot);
                free(dwant);
                free(got);
                free(want);
                store_free(s);
                before = now_docs;
                ck_assert_msg(time(NULL) - start < 600, "crash test over its time bound");
        }
        printf("crash-consistency: seed=%u kills=%u documents=%u max-per-run=%u killed-mid-export=%u "
               "finished-before-kill=%u seconds=%ld\n",
               seed, kills, before, max_gain, mid_export, exited_early, (long) (time(NULL) - start));
        fflush(stdout);
        /* The kills must have hit a moving target, not an idle or dead child. */
        ck_assert_uint_gt(before, kills / 4);

        for (size_t i = 0; i < seen.n; i++)
                free(seen.items[i]);
        free(seen.items);
        store_free(ref.store);
        bodies_done(&bodies);
        config_free(cfg);
        et_rm_rf(state);
        et_rm_rf(nm);
        et_rm_rf(ref_state);
        et_rm_rf(ref_nm);
        free(state);
        free(nm);
        free(ref_state);
        free(ref_nm);
}
END_TEST

int main(void) {
        Suite *s = suite_create("crash");
        TCase *tc = tcase_create("/engine/crash-consistency");

        tcase_set_timeout(tc, 900);
        TU_ADD(tc, test_kill_anywhere);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
