/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-account.c: an OMA DM account read from the store (dm-account.h): the accounts row plus the
 * setting rows of its w7 APPLICATION, with the nonces DM sessions stored on top.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dm-account.h"

/* Strict base64 (RFC 4648 §4): the alphabet, '=' padding only at the end, length a multiple of
 * 4, no whitespace. OMA-TS-DM_Security-V1_2 §5.1.3.2 hashes the decoded nonce bytes; a w7
 * AAUTHDATA is base64 of them (Windows Mobile w7 APPLICATION CSP, AAUTHDATA). */
static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

static int b64_decode_strict(const char *s, uint8_t *out, size_t out_size, size_t *ret_len) {
        size_t n = strlen(s), k = 0;

        if (n == 0 || n % 4 != 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i += 4) {
                int v[4];
                unsigned pad = 0;

                for (unsigned j = 0; j < 4; j++) {
                        if (s[i + j] == '=' && i + 4 == n && j >= 2 && (j == 3 || s[i + 3] == '=')) {
                                v[j] = 0;
                                pad++;
                                continue;
                        }
                        if (pad > 0)
                                return -EBADMSG;
                        v[j] = b64_value(s[i + j]);
                        if (v[j] < 0)
                                return -EBADMSG;
                }
                if (k + 3 - pad > out_size)
                        return -EBADMSG;
                out[k++] = (uint8_t) (v[0] << 2 | v[1] >> 4);
                if (pad < 2)
                        out[k++] = (uint8_t) ((v[1] & 0xF) << 4 | v[2] >> 2);
                if (pad < 1)
                        out[k++] = (uint8_t) ((v[2] & 0x3) << 6 | v[3]);
        }
        *ret_len = k;
        return 0;
}

DmAccount *dm_account_free(DmAccount *a) {
        if (!a)
                return NULL;
        free(a->server_id);
        free(a->name);
        free(a->addr);
        free(a->root);
        free(a->client_auth_type);
        free(a->client_name);
        secret_free(a->client_secret);
        secret_free(a->client_nonce);
        free(a->server_auth_type);
        free(a->server_name);
        secret_free(a->server_secret);
        secret_free(a->server_nonce);
        free(a);
        return NULL;
}

typedef struct FindAccount {
        const char *server_id;
        DmAccount *a;
        int error;
} FindAccount;

static int find_account(const StoreAccount *sa, void *userdata) {
        FindAccount *f = userdata;
        bool oom = false;

        if (!sa->server_id || strcmp(sa->server_id, f->server_id) != 0)
                return 0;
        f->a->server_id = strdup(sa->server_id);
        f->a->name = sa->name ? strdup(sa->name) : NULL;
        f->a->addr = sa->addr ? strdup(sa->addr) : NULL;
        f->a->root = sa->root ? strdup(sa->root) : NULL;
        oom = !f->a->server_id || (sa->name && !f->a->name) || (sa->addr && !f->a->addr) || (sa->root && !f->a->root);
        f->a->roles = sa->roles;
        f->a->strength = sa->strength;
        f->a->push_id = sa->push_id;
        f->error = oom ? -ENOMEM : 1;
        return 1;
}

/* The APPAUTH characteristics of the account's root, at most this many (w7 defines two levels). */
#define DM_ACCOUNT_APPAUTH_MAX 8U

typedef struct AuthRows {
        struct {
                char *chpath, *level, *type, *name, *secret, *data;
        } v[DM_ACCOUNT_APPAUTH_MAX];
        size_t n;
        int error;
} AuthRows;

static void auth_rows_done(AuthRows *r) {
        for (size_t i = 0; i < r->n; i++) {
                free(r->v[i].chpath);
                free(r->v[i].level);
                free(r->v[i].type);
                free(r->v[i].name);
                if (r->v[i].secret)
                        explicit_bzero(r->v[i].secret, strlen(r->v[i].secret));
                free(r->v[i].secret);
                /* the AAUTHDATA text is the nonce in base64: as secret as the nonce */
                if (r->v[i].data)
                        explicit_bzero(r->v[i].data, strlen(r->v[i].data));
                free(r->v[i].data);
        }
        *r = (AuthRows) {};
}

static int collect_auth(const StoreSetting *s, void *userdata) {
        AuthRows *r = userdata;
        char **slot = NULL;
        size_t i;

        /* Only the w7 APPLICATION's own APPAUTH children (OMA ProvCont: APPAUTH under APPLICATION) */
        if (!s->ctype || strcmp(s->ctype, "APPAUTH") != 0 || !s->parm)
                return 0;
        for (i = 0; i < r->n; i++)
                if (strcmp(r->v[i].chpath, s->chpath) == 0)
                        break;
        if (i == r->n) {
                if (r->n >= DM_ACCOUNT_APPAUTH_MAX)
                        return 0;
                r->v[i].chpath = strdup(s->chpath);
                if (!r->v[i].chpath)
                        return -ENOMEM;
                r->n++;
        }
        if (strcmp(s->parm, "AAUTHLEVEL") == 0)
                slot = &r->v[i].level;
        else if (strcmp(s->parm, "AAUTHTYPE") == 0)
                slot = &r->v[i].type;
        else if (strcmp(s->parm, "AAUTHNAME") == 0)
                slot = &r->v[i].name;
        else if (strcmp(s->parm, "AAUTHSECRET") == 0)
                slot = &r->v[i].secret;
        else if (strcmp(s->parm, "AAUTHDATA") == 0)
                slot = &r->v[i].data;
        if (!slot || *slot || !s->value) /* the first of a repeated parm counts */
                return 0;
        *slot = strdup(s->value);
        return *slot ? 0 : -ENOMEM;
}

static int upper_dup(const char *s, char **ret) {
        char *d;

        if (!s) {
                *ret = NULL;
                return 0;
        }
        d = strdup(s);
        if (!d)
                return -ENOMEM;
        for (char *p = d; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char) (*p - 'a' + 'A');
        *ret = d;
        return 0;
}

static int nonce_secret(const char *b64, Secret **ret) {
        uint8_t buf[DM_ACCOUNT_NONCE_MAX];
        size_t n = 0;
        int r;

        *ret = NULL;
        if (!b64)
                return 0;
        r = b64_decode_strict(b64, buf, sizeof buf, &n);
        if (r < 0) {
                explicit_bzero(buf, sizeof buf); /* a partial decode */
                return r;
        }
        r = n > 0 ? secret_new_from(buf, n, ret) : 0;
        explicit_bzero(buf, sizeof buf);
        return r;
}

int dm_account_load(Engine *e, const char *server_id, DmAccount **ret) {
        _cleanup_(dm_account_freep) DmAccount *a = NULL;
        _cleanup_(auth_rows_done) AuthRows auth = {};
        FindAccount f;
        Store *s;
        int r;

        if (!e || !server_id || !*server_id || !ret)
                return -EINVAL;
        s = engine_get_store(e);
        a = calloc(1, sizeof(DmAccount));
        if (!a)
                return -ENOMEM;
        f = (FindAccount) { .server_id = server_id, .a = a };
        r = store_foreach_account(s, find_account, &f);
        if (r < 0)
                return r;
        if (f.error < 0)
                return f.error;
        if (f.error == 0 || !a->root)
                return -ESRCH;

        r = store_foreach_setting_range(s, a->root, true, collect_auth, &auth);
        if (r < 0)
                return r;
        /* §2.4 mapping: AAUTHLEVEL APPSRV -> CLCRED (client to server), CLIENT -> SRVCRED
         * (server to client); other levels (OBEX, HTTP) are not DM-level credentials. */
        for (size_t i = 0; i < auth.n; i++) {
                bool client;

                if (!auth.v[i].level)
                        continue;
                if (strcasecmp(auth.v[i].level, "APPSRV") == 0)
                        client = true;
                else if (strcasecmp(auth.v[i].level, "CLIENT") == 0)
                        client = false;
                else
                        continue;
                if (client ? a->client_auth_type || a->client_secret : a->server_auth_type || a->server_secret)
                        continue; /* the first APPAUTH of a level counts */
                r = upper_dup(auth.v[i].type, client ? &a->client_auth_type : &a->server_auth_type);
                if (r < 0)
                        return r;
                if (auth.v[i].name && !(*(client ? &a->client_name : &a->server_name) = strdup(auth.v[i].name)))
                        return -ENOMEM;
                if (auth.v[i].secret) {
                        r = secret_new_from_string(auth.v[i].secret, client ? &a->client_secret : &a->server_secret);
                        if (r < 0)
                                return r;
                }
                r = nonce_secret(auth.v[i].data, client ? &a->client_nonce : &a->server_nonce);
                if (r < 0)
                        return r;
        }

        /* A nonce a session stored takes precedence over the bootstrap's AAUTHDATA. */
        for (int k = 0; k < 2; k++) {
                _cleanup_free_ uint8_t *buf = NULL;
                Secret **slot = k ? &a->server_nonce : &a->client_nonce;
                size_t n = 0;

                r = store_get_dm_nonce(s, server_id, k == 1, &buf, &n);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                *slot = secret_free(*slot);
                r = secret_new_from(buf, n, slot);
                explicit_bzero(buf, n);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* The nonce's time is bookkeeping only (set_usec): CLOCK_REALTIME. */
static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int dm_account_store_nonce(Engine *e, const char *server_id, bool server_nonce, const uint8_t *nonce, size_t len) {
        if (!e || !server_id || !nonce || len == 0 || len > DM_ACCOUNT_NONCE_MAX)
                return -EINVAL;
        return store_put_dm_nonce(engine_get_store(e), server_id, server_nonce, nonce, len, now_usec());
}
