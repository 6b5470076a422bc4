/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-tree.c: the OMA DM management tree of a session (dm-tree.h). Reads come from the store
 * (and the configuration for ./DevInfo, ./DevDetail); writes never touch the store directly:
 * each is turned into a CP document holding the new full state of every root it touches (the
 * store's current rows of that root plus the change) and handed to engine_apply_dm, which runs
 * the push pipeline on it. So the metabase, the bounded-ROLE rule (§1.5 of
 * docs/trust-boundary.md) and the downgrade rule decide what a DM account may change, exactly as
 * for a CP document of the account's roles (Windows Mobile "Metabase and OMA DM": roles, not
 * OMA ACLs; OMA-TS-DM_TND-V1_2 §8.3.7.1 ACLs are therefore not supported: ?prop= -> 406).
 *
 * Consequence of "the new full state of the root": a write to a root that also holds an item
 * the account's roles may not set (installed by a stronger message) is refused whole (425),
 * like a CP document replacing that root would be.
 *
 * URIs (OMA-TS-DM_TND-V1_2 §6): absolute only, "./" then segments; no empty, "." or ".."
 * segment; at most DM_TREE_URI_MAX_DEPTH segments of at most DM_TREE_URI_MAX_SEG bytes, the whole
 * at most DM_TREE_URI_MAX_LEN bytes (414 past a cap; the same numbers are ./DevDetail/URI/MaxDepth etc.).
 * Segment names under ./Vendor/provboot are the store's path segments (store.h: characteristic
 * segments such as "NAPAUTHINFO" or "NAPAUTHINFO#1", parm segments such as "NAP-ADDRESS" or
 * "TO-NAPID#1"; identity values percent-encoded as the store encodes them).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dm-tree.h"
#include "element-path.h"
#include "policy.h"

#define DM_TREE_DEVID_PREFIX "provboot:"
#define DM_TREE_DMV "1.2"
#define DM_TREE_LANG "en-US"
#define DM_TREE_MAN_DEFAULT "provboot"
#define DM_TREE_MOD_DEFAULT "Linux"
#define DM_TREE_ROOTS_MAX 16U           /* distinct roots one apply (an Atomic) may touch */
#define DM_TREE_LIST_MAX (64U * 1024U)  /* bytes of a Get's child list */

struct DmTree {
        Engine *e;
        char *server_id;
        uint32_t roles;                 /* the session's roles: the account's stored roles */
        unsigned strength;
        unsigned denied;
        unsigned counter;               /* documents built (the unique comment, engine.h) */
        char dev_id[sizeof DM_TREE_DEVID_PREFIX + 32];
};

/* ---- URIs ----------------------------------------------------------------------------------- */

typedef struct Uri {
        char seg[DM_TREE_URI_MAX_DEPTH][DM_TREE_URI_MAX_SEG + 1];
        unsigned n;
} Uri;

/* Return: 0, or the DM status the URI gets (404 malformed, 406 a property, 414 past a cap). */
static unsigned uri_parse(const char *uri, Uri *u) {
        const char *p;
        size_t len;

        u->n = 0;
        if (!uri)
                return 404;
        len = strlen(uri);
        if (len > DM_TREE_URI_MAX_LEN)
                return 414;
        /* OMA-TS-DM_TND-V1_2 §8.3.3: URI?prop=Name; provboot keeps no node properties (no ACLs:
         * roles decide, Windows Mobile "Metabase and OMA DM") */
        if (strchr(uri, '?'))
                return strstr(uri, "?prop=") || strstr(uri, "?list=") ? 406 : 404;
        if (strcmp(uri, ".") == 0)
                return 0;
        if (strncmp(uri, "./", 2) != 0)
                return 404;
        p = uri + 2;
        for (;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t) (slash - p) : strlen(p);

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return 404;
                if (u->n >= DM_TREE_URI_MAX_DEPTH || n > DM_TREE_URI_MAX_SEG)
                        return 414;
                memcpy(u->seg[u->n], p, n);
                u->seg[u->n][n] = 0;
                u->n++;
                if (!slash)
                        break;
                p = slash + 1;
        }
        return 0;
}

/* ---- the working state of a root -------------------------------------------------------------- */

typedef struct Parm {
        char *seg, *name, *value;       /* value NULL: a flag parm */
} Parm;

typedef struct Node {
        char *seg, *type;
        Parm *parms;
        size_t n_parms;
        struct Node **kids;
        size_t n_kids;
} Node;

typedef struct Root {
        char *key;                      /* the store's root key, or a new root's identity */
        Node *node;
        char *orig;                     /* serialization as loaded (NULL: new root) */
        bool touched;
        bool removed;                   /* a Delete of the whole root (StoreApply.remove_roots) */
        bool role_deleted;              /* a Delete of a w7 root's ROLE (check_accounts) */
} Root;

typedef struct Work {
        Root roots[DM_TREE_ROOTS_MAX];
        size_t n;
        /* a SecurityPolicy write (not settings rows: a document holding only the parms written) */
        Node *policy;
} Work;

/* Free a string that may hold a secret, wiping it first. */
static void erase_free(char *p) {
        if (p)
                explicit_bzero(p, strlen(p));
        free(p);
}

static void erase_freep(char **p) {
        erase_free(*p);
        *p = NULL;
}

static void node_free(Node *n) {
        if (!n)
                return;
        for (size_t i = 0; i < n->n_parms; i++) {
                free(n->parms[i].seg);
                free(n->parms[i].name);
                if (n->parms[i].value)
                        explicit_bzero(n->parms[i].value, strlen(n->parms[i].value));
                free(n->parms[i].value);
        }
        free(n->parms);
        for (size_t i = 0; i < n->n_kids; i++)
                node_free(n->kids[i]);
        free(n->kids);
        free(n->seg);
        free(n->type);
        free(n);
}

static void work_done(Work *w) {
        for (size_t i = 0; i < w->n; i++) {
                free(w->roots[i].key);
                node_free(w->roots[i].node);
                erase_free(w->roots[i].orig);
        }
        node_free(w->policy);
        *w = (Work) {};
}

static Node *node_new(const char *seg, const char *type) {
        Node *n = calloc(1, sizeof(Node));

        if (!n)
                return NULL;
        n->seg = strdup(seg);
        n->type = strdup(type);
        if (!n->seg || !n->type) {
                node_free(n);
                return NULL;
        }
        return n;
}

static Node *node_add_kid(Node *parent, const char *seg, const char *type) {
        Node **k = realloc(parent->kids, (parent->n_kids + 1) * sizeof(Node *));
        Node *n;

        if (!k)
                return NULL;
        parent->kids = k;
        n = node_new(seg, type);
        if (!n)
                return NULL;
        parent->kids[parent->n_kids++] = n;
        return n;
}

static int node_add_parm(Node *n, const char *seg, const char *name, const char *value) {
        Parm *p = realloc(n->parms, (n->n_parms + 1) * sizeof(Parm));

        if (!p)
                return -ENOMEM;
        n->parms = p;
        p = &n->parms[n->n_parms];
        *p = (Parm) { .seg = strdup(seg), .name = strdup(name), .value = value ? strdup(value) : NULL };
        n->n_parms++;
        if (!p->seg || !p->name || (value && !p->value))
                return -ENOMEM;
        return 0;
}

static Node *node_kid(const Node *n, const char *seg) {
        for (size_t i = 0; i < n->n_kids; i++)
                if (strcmp(n->kids[i]->seg, seg) == 0)
                        return n->kids[i];
        return NULL;
}

static Parm *node_parm(const Node *n, const char *seg) {
        for (size_t i = 0; i < n->n_parms; i++)
                if (strcmp(n->parms[i].seg, seg) == 0)
                        return &n->parms[i];
        return NULL;
}

static const char *node_value(const Node *n, const char *name) {
        for (size_t i = 0; i < n->n_parms; i++)
                if (strcmp(n->parms[i].name, name) == 0)
                        return n->parms[i].value;
        return NULL;
}

/* Find the node whose full characteristic path is @chpath below @root (@root_key its path). */
static Node *node_by_chpath(Node *root, const char *root_key, const char *chpath) {
        size_t rk = strlen(root_key);
        const char *p;
        Node *n = root;

        if (strncmp(chpath, root_key, rk) != 0)
                return NULL;
        p = chpath + rk;
        while (*p) {
                const char *slash;
                char seg[DM_TREE_URI_MAX_SEG + 1];
                size_t len;

                if (*p != '/')
                        return NULL;
                p++;
                slash = strchr(p, '/');
                len = slash ? (size_t) (slash - p) : strlen(p);
                if (len > DM_TREE_URI_MAX_SEG)
                        return NULL;
                memcpy(seg, p, len);
                seg[len] = 0;
                n = node_kid(n, seg);
                if (!n)
                        return NULL;
                p += len;
        }
        return n;
}

typedef struct LoadRows {
        const char *key;
        Node *root;
        int error;
} LoadRows;

static int load_row(const StoreSetting *s, void *userdata) {
        LoadRows *l = userdata;
        Node *n;

        if (!s->chpath || !s->ctype)
                return 0;
        if (!s->parm) {
                const char *slash;

                if (strcmp(s->chpath, l->key) == 0) {
                        if (l->root)
                                return 0;
                        l->root = node_new(l->key, s->ctype);
                        return l->root ? 0 : -ENOMEM;
                }
                slash = strrchr(s->chpath, '/');
                if (!l->root || !slash || slash == s->chpath)
                        return 0;
                {
                        _cleanup_free_ char *parent = strndup(s->chpath, (size_t) (slash - s->chpath));

                        if (!parent)
                                return -ENOMEM;
                        n = node_by_chpath(l->root, l->key, parent);
                }
                if (!n || strlen(slash + 1) > DM_TREE_URI_MAX_SEG)
                        return 0;
                return node_add_kid(n, slash + 1, s->ctype) ? 0 : -ENOMEM;
        }
        if (!l->root)
                return 0;
        n = node_by_chpath(l->root, l->key, s->chpath);
        if (!n || strlen(s->path) <= strlen(s->chpath) + 1)
                return 0;
        return node_add_parm(n, s->path + strlen(s->chpath) + 1, s->parm, s->value);
}

/*
 * The text of a document under construction. Security invariant: the text holds secrets (the
 * AAUTHSECRET etc. of the roots it rewrites), so no copy of it is left behind in freed memory:
 * growing allocates anew, copies and wipes the old block before freeing it (open_memstream would
 * realloc without wiping), and every holder frees it with erase_freep.
 */
typedef struct DocBuf {
        char *p;
        size_t len, cap;
        int error;                      /* -ENOMEM, -E2BIG past ENGINE_BODY_MAX */
} DocBuf;

static void doc_putn(DocBuf *b, const char *s, size_t n) {
        if (b->error)
                return;
        if (b->len + n > ENGINE_BODY_MAX) {
                b->error = -E2BIG;
                return;
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = MAX(MAX(b->cap * 2, b->len + n + 1), (size_t) 1024);
                char *p = malloc(cap);

                if (!p) {
                        b->error = -ENOMEM;
                        return;
                }
                if (b->p) {
                        memcpy(p, b->p, b->len);
                        explicit_bzero(b->p, b->cap);
                        free(b->p);
                }
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
}

static void doc_puts(DocBuf *b, const char *s) {
        doc_putn(b, s, strlen(s));
}

static void print_xml_escaped(DocBuf *b, const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                switch (*p) {
                case '&':
                        doc_puts(b, "&amp;");
                        break;
                case '<':
                        doc_puts(b, "&lt;");
                        break;
                case '>':
                        doc_puts(b, "&gt;");
                        break;
                case '"':
                        doc_puts(b, "&quot;");
                        break;
                case '\'':
                        doc_puts(b, "&apos;");
                        break;
                default:
                        /* control bytes as references: the decoder refuses them (400), they
                         * never reach the store (cpdoc_check_string) */
                        if (*p < 0x20) {
                                char ref[8];

                                snprintf(ref, sizeof ref, "&#x%X;", *p);
                                doc_puts(b, ref);
                        } else
                                doc_putn(b, (const char *) p, 1);
                }
}

static void print_node(DocBuf *b, const Node *n) {
        doc_puts(b, "<characteristic type=\"");
        print_xml_escaped(b, n->type);
        doc_puts(b, "\">\n");
        for (size_t i = 0; i < n->n_parms; i++) {
                doc_puts(b, "<parm name=\"");
                print_xml_escaped(b, n->parms[i].name);
                doc_puts(b, "\"");
                if (n->parms[i].value) {
                        doc_puts(b, " value=\"");
                        print_xml_escaped(b, n->parms[i].value);
                        doc_puts(b, "\"");
                }
                doc_puts(b, "/>\n");
        }
        for (size_t i = 0; i < n->n_kids; i++)
                print_node(b, n->kids[i]);
        doc_puts(b, "</characteristic>\n");
}

/* The CP document (OMA-WAP-TS-ProvCont §5, text XML) of @nodes, with @comment first (NULL:
 * none). Return: 0 with a malloc'd NUL-terminated text (free it with erase_free); -ENOMEM;
 * -E2BIG over ENGINE_BODY_MAX. */
static int print_doc(Node *const *nodes, size_t n, const char *comment, char **ret, size_t *ret_len) {
        DocBuf b = {};

        if (comment) {
                doc_puts(&b, "<!-- ");
                doc_puts(&b, comment);
                doc_puts(&b, " -->\n");
        }
        doc_puts(&b, "<wap-provisioningdoc version=\"1.1\">\n");
        for (size_t i = 0; i < n; i++)
                print_node(&b, nodes[i]);
        doc_puts(&b, "</wap-provisioningdoc>\n");
        if (b.error) {
                if (b.p)
                        explicit_bzero(b.p, b.cap);
                free(b.p);
                return b.error;
        }
        *ret = b.p;
        if (ret_len)
                *ret_len = b.len;
        return 0;
}

static int serialize_root(const Node *n, char **ret) {
        return print_doc((Node *const *) &n, 1, NULL, ret, NULL);
}

static char *b64_encode(const uint8_t *p, size_t n) {
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) p[i] << 16 | (i + 1 < n ? (uint32_t) p[i + 1] << 8 : 0) |
                             (i + 2 < n ? p[i + 2] : 0);

                *o++ = tab[v >> 18 & 63];
                *o++ = tab[v >> 12 & 63];
                *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
                *o++ = i + 2 < n ? tab[v & 63] : '=';
        }
        *o = 0;
        return out;
}

/*
 * A w7 root as a DM session rewrites it: the nonces sessions stored (dm-account.h) replace its
 * AAUTHDATA values. store_apply drops the stored nonces of every root it replaces, so without
 * this a session's own write to its account (a Name, an address) would bring back the
 * bootstrap's nonce; with it, the document carries the current ones.
 */
static int carry_nonces(DmTree *t, Node *root) {
        const char *sid = node_value(root, "PROVIDER-ID"), *appid = node_value(root, "APPID");
        int r;

        if (strcmp(root->type, "APPLICATION") != 0 || !sid || !appid || strcmp(appid, "w7") != 0)
                return 0;
        for (size_t i = 0; i < root->n_kids; i++) {
                Node *k = root->kids[i];
                const char *level = node_value(k, "AAUTHLEVEL");
                _cleanup_free_ uint8_t *nonce = NULL;
                _cleanup_(erase_freep) char *b64 = NULL;
                size_t n = 0;
                Parm *p;

                if (strcmp(k->type, "APPAUTH") != 0 || !level)
                        continue;
                if (strcasecmp(level, "APPSRV") != 0 && strcasecmp(level, "CLIENT") != 0)
                        continue;
                r = store_get_dm_nonce(engine_get_store(t->e), sid, strcasecmp(level, "CLIENT") == 0, &nonce, &n);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                b64 = b64_encode(nonce, n);
                explicit_bzero(nonce, n);
                if (!b64)
                        return -ENOMEM;
                p = node_parm(k, "AAUTHDATA");
                if (p) {
                        erase_free(p->value);
                        p->value = TAKE_PTR(b64);
                } else {
                        r = node_add_parm(k, "AAUTHDATA", "AAUTHDATA", b64);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Load root @key from the store into @w (once). Return: the Root, or NULL with *@r: -ENOENT no
 * such root, -ENOSPC DM_TREE_ROOTS_MAX reached, -ENOMEM, store errors. */
static Root *work_root(DmTree *t, Work *w, const char *key, int *r) {
        LoadRows l = { .key = key };
        Root *root;

        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->roots[i].key, key) == 0)
                        return &w->roots[i];
        if (w->n >= DM_TREE_ROOTS_MAX) {
                *r = -ENOSPC;
                return NULL;
        }
        *r = store_foreach_setting_range(engine_get_store(t->e), key, true, load_row, &l);
        if (*r < 0) {
                node_free(l.root);
                return NULL;
        }
        if (!l.root) {
                *r = -ENOENT;
                return NULL;
        }
        *r = carry_nonces(t, l.root);
        if (*r < 0) {
                node_free(l.root);
                return NULL;
        }
        root = &w->roots[w->n];
        *root = (Root) { .key = strdup(key), .node = l.root };
        if (!root->key || serialize_root(root->node, &root->orig) < 0) {
                free(root->key);
                node_free(root->node);
                *root = (Root) {};
                *r = -ENOMEM;
                return NULL;
        }
        w->n++;
        return root;
}

/* A new root (Add): @key its identity in @w, @type with the identifying parm @idparm=@idval
 * (and APPID w7 + PROVIDER-ID for a new DM account). */
static Root *work_new_root(Work *w, const char *key, const char *type, const char *idparm, const char *idval,
                           int *r) {
        Root *root;
        Node *n;

        if (w->n >= DM_TREE_ROOTS_MAX) {
                *r = -ENOSPC;
                return NULL;
        }
        n = node_new(key, type);
        if (!n || (idparm && node_add_parm(n, idparm, idparm, idval) < 0)) {
                node_free(n);
                *r = -ENOMEM;
                return NULL;
        }
        root = &w->roots[w->n++];
        *root = (Root) { .key = strdup(key), .node = n, .touched = true };
        if (!root->key) {
                *r = -ENOMEM;
                return NULL;
        }
        return root;
}

/* ---- what a URI names -------------------------------------------------------------------------- */

/* Parms whose values are never readable over DM (OMA-TS-DM_StdObj-V1_2 §7.1.3.1.22-23: AAuthSecret,
 * AAuthData have no Get; the other passwords of the ProvCont schema likewise: PXAUTH-PW,
 * PROXY-PW, BASAUTH-PW, CLIENTPW, ...). The one predicate verifierd hides values by (cpdoc.h). */
static bool never_readable(const char *parm) {
        return cpdoc_parm_is_password(parm);
}

/* Identity parms of a root: changing or deleting one would make another root (405). */
static bool identity_parm(const char *type, const char *parm) {
        return (strcmp(type, "NAPDEF") == 0 && strcmp(parm, "NAPID") == 0) ||
               (strcmp(type, "PXLOGICAL") == 0 && strcmp(parm, "PROXY-ID") == 0) ||
               (strcmp(type, "PXPHYSICAL") == 0 && strcmp(parm, "PHYSICAL-PROXY-ID") == 0) ||
               (strcmp(type, "APPLICATION") == 0 && (strcmp(parm, "APPID") == 0 || strcmp(parm, "PROVIDER-ID") == 0)) ||
               (strcmp(type, "VENDORCONFIG") == 0 && strcmp(parm, "NAME") == 0);
}

/* The identifying parm of the types ./Vendor/provboot/<TYPE>/<ID> addresses by value. */
static const char *id_parm_of(const char *type) {
        if (strcmp(type, "NAPDEF") == 0)
                return "NAPID";
        if (strcmp(type, "PXLOGICAL") == 0)
                return "PROXY-ID";
        if (strcmp(type, "APPLICATION") == 0)
                return "APPID";
        if (strcmp(type, "VENDORCONFIG") == 0)
                return "NAME";
        return NULL;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* The value a percent-encoded ID segment stands for (store.h escaping). Return: 0, -EINVAL. */
static int seg_unescape(const char *seg, char *out, size_t size) {
        size_t k = 0;

        for (const char *p = seg; *p; p++) {
                int c = (unsigned char) *p;

                if (*p == '%') {
                        int h = unhex(p[1]), l = h < 0 ? -1 : unhex(p[2]);

                        if (h < 0 || l < 0)
                                return -EINVAL;
                        c = h * 16 + l;
                        p += 2;
                }
                if (c == 0 || k + 1 >= size)
                        return -EINVAL;
                out[k++] = (char) c;
        }
        out[k] = 0;
        return 0;
}

/* A plain characteristic type or parm name a DM Add may create (ProvCont names). */
static bool plain_name(const char *s) {
        if (!*s || strlen(s) > CPDOC_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                      *p == '_'))
                        return false;
        return true;
}

/* The root key of ./Vendor/provboot/<TYPE>/<ID> (store_root_key_prefix). */
static int vendor_key(const char *type, const char *idseg, char **ret) {
        char value[DM_TREE_URI_MAX_SEG + 1];
        const char *idp = id_parm_of(type);

        if (!idp) {
                if (asprintf(ret, "/%s", type) < 0)
                        return -ENOMEM;
                return 0;
        }
        if (seg_unescape(idseg, value, sizeof value) < 0)
                return -EINVAL;
        return store_root_key_prefix(type, idp, value, true, ret);
}

/* The DM account's root key for @sid, or -ESRCH. */
typedef struct FindSid {
        const char *sid;
        char *root;
        uint32_t roles;
        bool found;
} FindSid;

static int find_sid(const StoreAccount *a, void *userdata) {
        FindSid *f = userdata;

        if (!a->server_id || strcmp(a->server_id, f->sid) != 0 || !a->root)
                return 0;
        f->root = strdup(a->root);
        f->found = true;
        return f->root ? 1 : -ENOMEM;
}

static int account_root(DmTree *t, const char *sid, char **ret) {
        FindSid f = { .sid = sid };
        int r;

        r = store_foreach_account(engine_get_store(t->e), find_sid, &f);
        if (r < 0)
                return r;
        if (!f.found)
                return -ESRCH;
        *ret = f.root;
        return 0;
}

/*
 * A URI resolved against the working state. kind:
 *   T_LIST     an interior node that is a view (./, ./DMAcc, ./Vendor/provboot/NAPDEF, ...):
 *              @list holds its child names; writes 405 (Delete) / 405 (Add, Replace)
 *   T_LEAF_RO  a read-only leaf (./DevInfo/...): @list holds the value
 *   T_NODE     a characteristic of a root (@root, @node); @parent_node NULL for the root itself
 *   T_PARM     a parm (@node, @parm)
 *   T_MISSING  nothing there: @node is where an Add would create @create (a parm name, or a
 *              characteristic when the Add's format is node), @create_type for a characteristic
 *   T_POLICY   ./Vendor/provboot/SecurityPolicy/<parm>
 */
typedef enum TargetKind { T_LIST, T_LEAF_RO, T_NODE, T_PARM, T_MISSING, T_POLICY } TargetKind;

typedef struct Target {
        TargetKind kind;
        unsigned status;                /* non-zero: resolution failed with this DM status */
        char *list;
        Root *root;
        Node *node, *parent_node;
        Parm *parm;
        char create[DM_TREE_URI_MAX_SEG + 1];
        char create_type[DM_TREE_URI_MAX_SEG + 1];
        bool root_itself;               /* T_NODE: a whole root (or DM account) */
        bool missing_root;              /* T_MISSING: the root itself is missing */
        char new_key[DM_TREE_URI_MAX_SEG * 2 + 64];
        char new_type[CPDOC_NAME_MAX + 1];
        char new_idparm[CPDOC_NAME_MAX + 1];
        char new_idval[DM_TREE_URI_MAX_SEG + 1];
        bool new_dmacc;
        bool created_root;              /* this resolution created the (Add's) root */
        bool dmacc_view;                /* T_NODE reached through ./DMAcc: Get lists DMAcc names */
} Target;

static void target_done(Target *tg) {
        free(tg->list);
        tg->list = NULL;
}

/* Append @name to a '/'-separated list. */
static int list_add(char **list, const char *name) {
        size_t a = *list ? strlen(*list) : 0, b = strlen(name);
        char *n;

        if (a + b + 2 > DM_TREE_LIST_MAX)
                return -E2BIG;
        n = realloc(*list, a + b + 2);
        if (!n)
                return -ENOMEM;
        if (a)
                n[a++] = '/';
        memcpy(n + a, name, b + 1);
        *list = n;
        return 0;
}

static int set_list(Target *tg, const char *const *names, size_t n) {
        tg->kind = T_LIST;
        for (size_t i = 0; i < n; i++) {
                int r = list_add(&tg->list, names[i]);

                if (r < 0)
                        return r;
        }
        if (!tg->list && !(tg->list = strdup("")))
                return -ENOMEM;
        return 0;
}

static int set_value(Target *tg, const char *v) {
        tg->kind = T_LEAF_RO;
        tg->list = strdup(v);
        return tg->list ? 0 : -ENOMEM;
}

/* Walk @segs below @root's node: characteristics, then a parm or a characteristic last. */
static int resolve_in_root(Target *tg, Root *root, char (*segs)[DM_TREE_URI_MAX_SEG + 1], unsigned n) {
        Node *node = root->node;

        tg->root = root;
        for (unsigned i = 0; i < n; i++) {
                Node *k = node_kid(node, segs[i]);
                Parm *p;

                if (k) {
                        tg->parent_node = node;
                        node = k;
                        continue;
                }
                if (i + 1 == n && (p = node_parm(node, segs[i]))) {
                        tg->kind = T_PARM;
                        tg->node = node;
                        tg->parm = p;
                        return 0;
                }
                if (i + 1 < n) {
                        /* a missing interior: an Add may create it if it is a plain type */
                        tg->status = 404;
                        return 0;
                }
                tg->kind = T_MISSING;
                tg->node = node;
                snprintf(tg->create, sizeof tg->create, "%s", segs[i]);
                snprintf(tg->create_type, sizeof tg->create_type, "%s", segs[i]);
                return 0;
        }
        tg->kind = T_NODE;
        tg->node = node;
        tg->root_itself = node == root->node;
        return 0;
}

typedef struct ListRoots {
        const char *prefix;             /* "/NAPDEF[NAPID=" or NULL: types */
        char **list;
        int error;
} ListRoots;

static int list_root_row(const StoreSetting *s, void *userdata) {
        ListRoots *l = userdata;
        char name[DM_TREE_URI_MAX_SEG + 1];
        const char *p, *end;
        size_t n;
        int r;

        if (strcmp(s->path, s->root) != 0 || s->root[0] != '/')
                return 0;
        if (!l->prefix) {
                /* the type: up to '[' or '#' */
                p = s->root + 1;
                n = strcspn(p, "[#");
                if (n == 0 || n > DM_TREE_URI_MAX_SEG)
                        return 0;
                if (n == 14 && strncmp(p, "SecurityPolicy", 14) == 0)
                        return 0;
        } else {
                if (strncmp(s->root, l->prefix, strlen(l->prefix)) != 0)
                        return 0;
                p = s->root + strlen(l->prefix);
                end = strchr(p, ']');
                /* only "<value>]" exactly: a repetition ("#1") or a second key is not addressable */
                if (!end || end[1] != 0 || strchr(p, ',') || (size_t) (end - p) > DM_TREE_URI_MAX_SEG)
                        return 0;
                n = (size_t) (end - p);
        }
        memcpy(name, p, n);
        name[n] = 0;
        /* no duplicates (rows come ordered by root: the same type is adjacent) */
        if (*l->list) {
                const char *last = strrchr(*l->list, '/');

                last = last ? last + 1 : *l->list;
                if (strcmp(last, name) == 0)
                        return 0;
        }
        r = list_add(l->list, name);
        return r < 0 ? r : 0;
}

/* The DMAcc leaf names (OMA-TS-DM_StdObj-V1_2 §7.1.3.1) and the w7 parms they map to (§2.4 of
 * docs/dm-tree.md; the appendix's w7 mapping). */
static const struct {
        const char *dm, *w7;
} dmacc_leaves[] = {
        { "AppID", "APPID" }, { "ServerID", "PROVIDER-ID" }, { "Name", "NAME" }, { "PrefConRef", "TO-NAPID" },
};
static const struct {
        const char *dm, *w7;
} appaddr_leaves[] = { { "Addr", "ADDR" }, { "AddrType", "ADDRTYPE" } };
static const struct {
        const char *dm, *w7;
} appauth_leaves[] = {
        { "AAuthLevel", "AAUTHLEVEL" }, { "AAuthType", "AAUTHTYPE" },     { "AAuthName", "AAUTHNAME" },
        { "AAuthSecret", "AAUTHSECRET" }, { "AAuthData", "AAUTHDATA" },
};

/* The APPAUTH node of an account for a DMAcc level ("CLCRED" -> APPSRV, "SRVCRED" -> CLIENT). */
static Node *appauth_node(Node *root, const char *level) {
        const char *w7 = strcmp(level, "CLCRED") == 0 ? "APPSRV" : strcmp(level, "SRVCRED") == 0 ? "CLIENT" : NULL;

        if (!w7)
                return NULL;
        for (size_t i = 0; i < root->n_kids; i++) {
                const char *v;

                if (strcmp(root->kids[i]->type, "APPAUTH") != 0)
                        continue;
                v = node_value(root->kids[i], "AAUTHLEVEL");
                if (v && strcasecmp(v, w7) == 0)
                        return root->kids[i];
        }
        return NULL;
}

/* ./DMAcc/<sid>/... -> the w7 APPLICATION (see dmacc_leaves). @creating: an Add may create the
 * account, an APPADDR or an APPAUTH of a level on the way. */
static int resolve_dmacc(DmTree *t, Work *w, const Uri *u, bool creating, Target *tg) {
        char segs[3][DM_TREE_URI_MAX_SEG + 1];
        _cleanup_free_ char *key = NULL;
        Root *root = NULL;
        Node *n;
        int r;

        r = account_root(t, u->seg[1], &key);
        if (r == -ESRCH) {
                /* a new account's identity in this apply */
                for (size_t i = 0; i < w->n; i++)
                        if (strncmp(w->roots[i].key, "dmacc:", 6) == 0 && strcmp(w->roots[i].key + 6, u->seg[1]) == 0)
                                root = &w->roots[i];
                if (!root) {
                        if (!creating) {
                                tg->status = 404;
                                return 0;
                        }
                        tg->kind = T_MISSING;
                        tg->missing_root = true;
                        tg->new_dmacc = true;
                        snprintf(tg->new_key, sizeof tg->new_key, "dmacc:%s", u->seg[1]);
                        snprintf(tg->new_type, sizeof tg->new_type, "APPLICATION");
                        snprintf(tg->new_idval, sizeof tg->new_idval, "%s", u->seg[1]);
                        if (u->n == 2)
                                return 0;
                        /* create it now, the rest resolves below */
                        root = work_new_root(w, tg->new_key, "APPLICATION", "APPID", "w7", &r);
                        if (!root)
                                return r;
                        r = node_add_parm(root->node, "PROVIDER-ID", "PROVIDER-ID", u->seg[1]);
                        if (r < 0)
                                return r;
                        tg->kind = T_LIST;
                        tg->missing_root = false;
                }
        } else if (r < 0)
                return r;
        else {
                root = work_root(t, w, key, &r);
                if (!root)
                        return r == -ENOENT ? (tg->status = 404, 0) : r;
        }
        tg->root = root;
        tg->dmacc_view = true;
        if (u->n == 2) {
                tg->kind = T_NODE;
                tg->node = root->node;
                tg->root_itself = true;
                return 0;
        }
        n = root->node;
        /* map the DMAcc segments onto the w7 APPLICATION's */
        for (size_t i = 0; i < ELEMENTSOF(dmacc_leaves); i++)
                if (u->n == 3 && strcmp(u->seg[2], dmacc_leaves[i].dm) == 0) {
                        snprintf(segs[0], sizeof segs[0], "%s", dmacc_leaves[i].w7);
                        return resolve_in_root(tg, root, segs, 1);
                }
        if (strcmp(u->seg[2], "Ext") == 0) {
                if (u->n == 3) {
                        static const char *const kids[] = { "Role" };

                        return set_list(tg, kids, 1);
                }
                if (u->n == 4 && strcmp(u->seg[3], "Role") == 0) {
                        snprintf(segs[0], sizeof segs[0], "ROLE");
                        return resolve_in_root(tg, root, segs, 1);
                }
        } else if (strcmp(u->seg[2], "AppAddr") == 0) {
                if (u->n == 3) {
                        tg->kind = T_LIST;
                        for (size_t i = 0; i < n->n_kids; i++)
                                if (strcmp(n->kids[i]->type, "APPADDR") == 0 && (r = list_add(&tg->list, n->kids[i]->seg)) < 0)
                                        return r;
                        return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                }
                Node *addr = node_kid(n, u->seg[3]);

                if (!addr && creating && plain_name(u->seg[3]) && u->n > 4) {
                        addr = node_add_kid(n, u->seg[3], "APPADDR");
                        if (!addr)
                                return -ENOMEM;
                }
                if (!addr || strcmp(addr->type, "APPADDR") != 0) {
                        if (creating && u->n == 4 && plain_name(u->seg[3])) {
                                tg->kind = T_MISSING;
                                tg->root = root;
                                tg->node = n;
                                snprintf(tg->create, sizeof tg->create, "%s", u->seg[3]);
                                snprintf(tg->create_type, sizeof tg->create_type, "APPADDR");
                                return 0;
                        }
                        tg->status = 404;
                        return 0;
                }
                snprintf(segs[0], sizeof segs[0], "%s", addr->seg);
                if (u->n == 4)
                        return resolve_in_root(tg, root, segs, 1);
                for (size_t i = 0; i < ELEMENTSOF(appaddr_leaves); i++)
                        if (u->n == 5 && strcmp(u->seg[4], appaddr_leaves[i].dm) == 0) {
                                snprintf(segs[1], sizeof segs[1], "%s", appaddr_leaves[i].w7);
                                return resolve_in_root(tg, root, segs, 2);
                        }
                if (strcmp(u->seg[4], "Port") == 0 && u->n == 5) {
                        tg->kind = T_LIST;
                        for (size_t i = 0; i < addr->n_kids; i++)
                                if (strcmp(addr->kids[i]->type, "PORT") == 0 &&
                                    (r = list_add(&tg->list, addr->kids[i]->seg)) < 0)
                                        return r;
                        return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                }
                if (strcmp(u->seg[4], "Port") == 0 && u->n >= 6) {
                        snprintf(segs[1], sizeof segs[1], "%s", u->seg[5]);
                        if (u->n == 6)
                                return resolve_in_root(tg, root, segs, 2);
                        if (u->n == 7 && strcmp(u->seg[6], "PortNbr") == 0) {
                                snprintf(segs[2], sizeof segs[2], "PORTNBR");
                                return resolve_in_root(tg, root, segs, 3);
                        }
                }
        } else if (strcmp(u->seg[2], "AppAuth") == 0) {
                if (u->n == 3) {
                        static const char *const both[] = { "CLCRED", "SRVCRED" };

                        tg->kind = T_LIST;
                        for (size_t i = 0; i < 2; i++)
                                if (appauth_node(n, both[i]) && (r = list_add(&tg->list, both[i])) < 0)
                                        return r;
                        return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                }
                Node *auth = appauth_node(n, u->seg[3]);

                if (!auth && creating && u->n == 5 &&
                    (strcmp(u->seg[3], "CLCRED") == 0 || strcmp(u->seg[3], "SRVCRED") == 0)) {
                        char seg[32];
                        unsigned k = 0;

                        /* a new APPAUTH of that level (its segment as the store would number it) */
                        snprintf(seg, sizeof seg, "APPAUTH");
                        while (node_kid(n, seg))
                                snprintf(seg, sizeof seg, "APPAUTH#%u", ++k);
                        auth = node_add_kid(n, seg, "APPAUTH");
                        if (!auth || node_add_parm(auth, "AAUTHLEVEL", "AAUTHLEVEL",
                                                   strcmp(u->seg[3], "CLCRED") == 0 ? "APPSRV" : "CLIENT") < 0)
                                return -ENOMEM;
                }
                if (!auth) {
                        tg->status = 404;
                        return 0;
                }
                snprintf(segs[0], sizeof segs[0], "%s", auth->seg);
                if (u->n == 4) {
                        static const char *const kids[] = { "AAuthLevel", "AAuthType", "AAuthName", "AAuthSecret",
                                                            "AAuthData" };

                        return set_list(tg, kids, ELEMENTSOF(kids));
                }
                for (size_t i = 0; i < ELEMENTSOF(appauth_leaves); i++)
                        if (u->n == 5 && strcmp(u->seg[4], appauth_leaves[i].dm) == 0) {
                                snprintf(segs[1], sizeof segs[1], "%s", appauth_leaves[i].w7);
                                return resolve_in_root(tg, root, segs, 2);
                        }
        }
        tg->status = 404;
        return 0;
}

static int account_list(const StoreAccount *a, void *userdata) {
        char **list = userdata;

        return a->server_id ? list_add(list, a->server_id) : 0;
}

static int devinfo_value(DmTree *t, const char *leaf, const char **ret) {
        const Config *c = engine_get_config(t->e);

        if (strcmp(leaf, "DevId") == 0)
                *ret = c->dm_dev_id ?: t->dev_id;
        else if (strcmp(leaf, "Man") == 0)
                *ret = c->dm_man ?: DM_TREE_MAN_DEFAULT;
        else if (strcmp(leaf, "Mod") == 0)
                *ret = c->dm_mod ?: DM_TREE_MOD_DEFAULT;
        else if (strcmp(leaf, "DmV") == 0)
                *ret = DM_TREE_DMV;
        else if (strcmp(leaf, "Lang") == 0)
                *ret = DM_TREE_LANG;
        else
                return -ENOENT;
        return 0;
}

/* Resolve @u. @creating: for an Add (missing parents may be created). */
static int resolve(DmTree *t, Work *w, const Uri *u, bool creating, Target *tg) {
        static const char *const top[] = { "DevInfo", "DevDetail", "DMAcc", "Vendor" };
        static const char *const devinfo[] = { "DevId", "Man", "Mod", "DmV", "Lang" };
        static const char *const devdetail[] = { "URI", "DevTyp", "OEM", "FwV", "SwV", "HwV", "LrgObj" };
        static const char *const uri_kids[] = { "MaxDepth", "MaxTotLen", "MaxSegLen" };
        _cleanup_free_ char *key = NULL;
        Root *root;
        int r;

        *tg = (Target) {};
        if (u->n == 0)
                return set_list(tg, top, ELEMENTSOF(top));
        if (strcmp(u->seg[0], "DevInfo") == 0) {
                const char *v;

                if (u->n == 1)
                        return set_list(tg, devinfo, ELEMENTSOF(devinfo));
                if (u->n == 2 && devinfo_value(t, u->seg[1], &v) == 0)
                        return set_value(tg, v);
        } else if (strcmp(u->seg[0], "DevDetail") == 0) {
                const Config *c = engine_get_config(t->e);

                if (u->n == 1)
                        return set_list(tg, devdetail, ELEMENTSOF(devdetail));
                if (strcmp(u->seg[1], "URI") == 0) {
                        if (u->n == 2)
                                return set_list(tg, uri_kids, ELEMENTSOF(uri_kids));
                        char num[16];

                        /* the caps uri_parse enforces (OMA-TS-DM_StdObj-V1_2 §7.1.3.3) */
                        if (u->n == 3 && strcmp(u->seg[2], "MaxDepth") == 0) {
                                snprintf(num, sizeof num, "%u", DM_TREE_URI_MAX_DEPTH);
                                return set_value(tg, num);
                        }
                        if (u->n == 3 && strcmp(u->seg[2], "MaxTotLen") == 0) {
                                snprintf(num, sizeof num, "%u", DM_TREE_URI_MAX_LEN);
                                return set_value(tg, num);
                        }
                        if (u->n == 3 && strcmp(u->seg[2], "MaxSegLen") == 0) {
                                snprintf(num, sizeof num, "%u", DM_TREE_URI_MAX_SEG);
                                return set_value(tg, num);
                        }
                } else if (u->n == 2) {
                        if (strcmp(u->seg[1], "DevTyp") == 0)
                                return set_value(tg, "phone");
                        if (strcmp(u->seg[1], "OEM") == 0)
                                return set_value(tg, c->dm_man ?: DM_TREE_MAN_DEFAULT);
                        if (strcmp(u->seg[1], "FwV") == 0 || strcmp(u->seg[1], "HwV") == 0)
                                return set_value(tg, "unknown");
                        if (strcmp(u->seg[1], "SwV") == 0)
                                return set_value(tg, "provboot");
                        if (strcmp(u->seg[1], "LrgObj") == 0)
                                return set_value(tg, "false"); /* large objects: not supported */
                }
        } else if (strcmp(u->seg[0], "DMAcc") == 0) {
                if (u->n == 1) {
                        tg->kind = T_LIST;
                        r = store_foreach_account(engine_get_store(t->e), account_list, &tg->list);
                        if (r < 0)
                                return r;
                        return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                }
                return resolve_dmacc(t, w, u, creating, tg);
        } else if (strcmp(u->seg[0], "Vendor") == 0) {
                static const char *const vendor[] = { "provboot" };

                if (u->n == 1)
                        return set_list(tg, vendor, 1);
                if (strcmp(u->seg[1], "provboot") != 0) {
                        tg->status = 404;
                        return 0;
                }
                if (u->n == 2) {
                        ListRoots l = { .list = &tg->list };

                        tg->kind = T_LIST;
                        r = store_foreach_setting(engine_get_store(t->e), NULL, list_root_row, &l);
                        if (r < 0)
                                return r;
                        return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                }
                if (strcmp(u->seg[2], OTA_SECURITY_POLICY) == 0) {
                        if (u->n == 4 && plain_name(u->seg[3])) {
                                tg->kind = T_POLICY;
                                snprintf(tg->create, sizeof tg->create, "%s", u->seg[3]);
                                return 0;
                        }
                        tg->status = u->n == 3 ? 406 : 404; /* values: provctl policy, not the tree */
                        return 0;
                }
                if (strcmp(u->seg[2], "CertificateStore") == 0) {
                        /* Certificates never change over DM: SPC signers and trust anchors are
                         * the administrator's or a CP push's (certstore.h); 405 for every command */
                        tg->status = 405;
                        return 0;
                }
                if (!plain_name(u->seg[2])) {
                        tg->status = 404;
                        return 0;
                }
                if (strcmp(u->seg[2], "APPLICATION") == 0 && u->n >= 4) {
                        char value[DM_TREE_URI_MAX_SEG + 1];

                        /* Security invariant: DM accounts (w7 APPLICATIONs, keyed by APPID and
                         * PROVIDER-ID) only through ./DMAcc, where the account is found by its
                         * server id and bounded as an account (check_accounts) */
                        if (seg_unescape(u->seg[3], value, sizeof value) < 0 || strcasecmp(value, "w7") == 0) {
                                tg->status = 405;
                                return 0;
                        }
                }
                if (id_parm_of(u->seg[2])) {
                        if (u->n == 3) {
                                ListRoots l = { .list = &tg->list };
                                _cleanup_free_ char *prefix = NULL;

                                r = store_root_key_prefix(u->seg[2], id_parm_of(u->seg[2]), "", false, &prefix);
                                if (r < 0)
                                        return r;
                                l.prefix = prefix;
                                tg->kind = T_LIST;
                                r = store_foreach_setting_range(engine_get_store(t->e), prefix, false, list_root_row, &l);
                                if (r < 0)
                                        return r;
                                return tg->list || (tg->list = strdup("")) ? 0 : -ENOMEM;
                        }
                        r = vendor_key(u->seg[2], u->seg[3], &key);
                        if (r == -EINVAL) {
                                tg->status = 404;
                                return 0;
                        }
                        if (r < 0)
                                return r;
                } else {
                        r = vendor_key(u->seg[2], NULL, &key);
                        if (r < 0)
                                return r;
                }
                root = work_root(t, w, key, &r);
                if (!root && r != -ENOENT)
                        return r;
                if (!root) {
                        char value[DM_TREE_URI_MAX_SEG + 1] = "";

                        /* a new root: only an Add, only of a type addressed by its ID */
                        if (!creating || !id_parm_of(u->seg[2]) || seg_unescape(u->seg[3], value, sizeof value) < 0) {
                                tg->status = 404;
                                return 0;
                        }
                        root = work_new_root(w, key, u->seg[2], id_parm_of(u->seg[2]), value, &r);
                        if (!root)
                                return r;
                        tg->created_root = true;
                }
                {
                        unsigned skip = id_parm_of(u->seg[2]) ? 4 : 3;

                        return resolve_in_root(tg, root, (char (*)[DM_TREE_URI_MAX_SEG + 1]) u->seg[skip],
                                               u->n - skip);
                }
        }
        tg->status = 404;
        return 0;
}

/* The DMAcc names of a w7 node's children (dmacc_leaves etc. backwards), for a Get of an
 * interior node reached through ./DMAcc. */
static int dmacc_children(const Node *n, char **list) {
        int r = 0;

        if (strcmp(n->type, "APPLICATION") == 0) {
                for (size_t i = 0; i < ELEMENTSOF(dmacc_leaves) && r >= 0; i++)
                        if (node_value(n, dmacc_leaves[i].w7) || (i < 2)) /* AppID, ServerID always */
                                r = list_add(list, dmacc_leaves[i].dm);
                for (size_t i = 0; i < n->n_kids && r >= 0; i++)
                        if (strcmp(n->kids[i]->type, "APPADDR") == 0) {
                                r = list_add(list, "AppAddr");
                                break;
                        }
                for (size_t i = 0; i < n->n_kids && r >= 0; i++)
                        if (strcmp(n->kids[i]->type, "APPAUTH") == 0) {
                                r = list_add(list, "AppAuth");
                                break;
                        }
                if (r >= 0 && node_value(n, "ROLE"))
                        r = list_add(list, "Ext");
        } else if (strcmp(n->type, "APPADDR") == 0) {
                for (size_t i = 0; i < ELEMENTSOF(appaddr_leaves) && r >= 0; i++)
                        if (node_value(n, appaddr_leaves[i].w7))
                                r = list_add(list, appaddr_leaves[i].dm);
                for (size_t i = 0; i < n->n_kids && r >= 0; i++)
                        if (strcmp(n->kids[i]->type, "PORT") == 0) {
                                r = list_add(list, "Port");
                                break;
                        }
        } else if (strcmp(n->type, "PORT") == 0) {
                if (node_value(n, "PORTNBR"))
                        r = list_add(list, "PortNbr");
        }
        if (r >= 0 && !*list && !(*list = strdup("")))
                r = -ENOMEM;
        return r < 0 ? r : 0;
}

/* ---- the metabase for reads --------------------------------------------------------------------- */

/* The CpCharacteristic of @want in @doc's (single) root, walked in parallel with @n. */
static const CpCharacteristic *find_char(const CpCharacteristic *c, const Node *n, const Node *want) {
        const CpCharacteristic *k;
        size_t i = 0;

        if (n == want)
                return c;
        for (k = c->children; k && i < n->n_kids; k = k->next, i++) {
                const CpCharacteristic *f = find_char(k, n->kids[i], want);

                if (f)
                        return f;
        }
        return NULL;
}

/* Does @roles hold the mask of @c, of each of its parms and of every characteristic below it? */
static bool subtree_allowed(const Metabase *m, uint32_t roles, const CpCharacteristic *c) {
        if (!(roles & metabase_char_roles(m, c)))
                return false;
        for (const CpParm *p = c->parms; p; p = p->next)
                if (!(roles & metabase_parm_roles(m, c, p)))
                        return false;
        for (const CpCharacteristic *k = c->children; k; k = k->next)
                if (!subtree_allowed(m, roles, k))
                        return false;
        return true;
}

/*
 * May the session's roles act on @node (@parm NULL) or on @parm of it, as @root holds it now?
 * The same metabase masks a CP document of the account's roles is checked against (policy.h).
 * @subtree: @node with every parm and characteristic below it (what a Delete removes); else
 * the node's own mask (a read). Return: 1 yes, 0 no, or -ENOMEM.
 */
static int element_allowed(DmTree *t, Root *root, const Node *node, const Parm *parm, bool subtree) {
        _cleanup_(erase_freep) char *xml = NULL;
        CpDoc *doc = NULL;
        DecodeError err = {};
        const CpCharacteristic *c;
        const Metabase *m = engine_get_metabase(t->e);
        uint32_t need;
        size_t len;
        int r;

        r = print_doc(&root->node, 1, NULL, &xml, &len);
        if (r < 0)
                return r == -E2BIG ? 0 : r;
        r = cpdoc_from_bytes((const uint8_t *) xml, len, &doc, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* what the store holds always decodes; if not, nothing is allowed */
        (void) cpdoc_validate(doc, &err);
        c = doc->chars ? find_char(doc->chars, root->node, node) : NULL;
        if (!c) {
                cpdoc_free(doc);
                return 0;
        }
        if (parm) {
                const CpParm *p = c->parms;

                for (size_t i = 0; p && &node->parms[i] != parm; i++)
                        p = p->next;
                need = p ? metabase_parm_roles(m, c, p) : 0;
                r = (t->roles & need) != 0;
        } else if (subtree)
                r = subtree_allowed(m, t->roles, c);
        else
                r = (t->roles & metabase_char_roles(m, c)) != 0;
        cpdoc_free(doc);
        return r;
}

/* May the session's roles read @node (@parm NULL) or @parm of it? Return: 1 yes, 0 no. */
static int may_read(DmTree *t, Root *root, const Node *node, const Parm *parm) {
        return element_allowed(t, root, node, parm, false);
}

/* ---- the public calls ----------------------------------------------------------------------------- */

static void derive_dev_id(DmTree *t) {
        char buf[64] = {}, hex[STORE_DIGEST_HEX_LEN + 1];
        ssize_t n = -1;
        int fd;

        /* DevId default (OMA-TS-DM_StdObj-V1_2 §7.1.3.2: unique per device): a hash of the machine
         * id under a provboot-specific prefix, so the machine id itself is not disclosed
         * (machine-id(5) asks applications to hash it). */
        fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0) {
                memcpy(buf, "provboot-dm:", 12);
                n = read(fd, buf + 12, sizeof buf - 12);
                close(fd);
        }
        if (n > 0 && store_digest_hex((const uint8_t *) buf, 12 + (size_t) n, hex) == 0)
                snprintf(t->dev_id, sizeof t->dev_id, DM_TREE_DEVID_PREFIX "%.32s", hex);
        else
                snprintf(t->dev_id, sizeof t->dev_id, DM_TREE_DEVID_PREFIX "unknown");
}

int dm_tree_new(Engine *e, const DmAccount *a, DmTree **ret) {
        DmTree *t;

        if (!e || !a || !a->server_id || !ret)
                return -EINVAL;
        t = calloc(1, sizeof(DmTree));
        if (!t)
                return -ENOMEM;
        t->e = e;
        t->server_id = strdup(a->server_id);
        if (!t->server_id) {
                free(t);
                return -ENOMEM;
        }
        /* Security invariant (docs/dm-tree.md rule 1): the session's roles are the account's stored
         * roles, themselves no more than the message that created the account had (policy.c
         * check_dm_account); nothing the server says adds to them. */
        t->roles = a->roles;
        t->strength = a->strength;
        derive_dev_id(t);
        *ret = t;
        return 0;
}

DmTree *dm_tree_free(DmTree *t) {
        if (!t)
                return NULL;
        free(t->server_id);
        free(t);
        return NULL;
}

int dm_tree_devinfo(DmTree *t, DmDevInfo *ret) {
        if (!t || !ret)
                return -EINVAL;
        *ret = (DmDevInfo) { .dmv = DM_TREE_DMV, .lang = DM_TREE_LANG };
        (void) devinfo_value(t, "DevId", &ret->dev_id);
        (void) devinfo_value(t, "Man", &ret->man);
        (void) devinfo_value(t, "Mod", &ret->mod);
        return 0;
}

unsigned dm_tree_denied(const DmTree *t) {
        return t ? t->denied : 0;
}

void dm_tree_value_done(DmTreeValue *v) {
        if (!v)
                return;
        free(v->data);
        free(v->format);
        free(v->type);
        *v = (DmTreeValue) {};
}

static int value_set(DmTreeValue *v, unsigned status, const char *data, const char *format, const char *type) {
        *v = (DmTreeValue) { .status = status };
        if ((data && !(v->data = strdup(data))) || (format && !(v->format = strdup(format))) ||
            (type && !(v->type = strdup(type)))) {
                dm_tree_value_done(v);
                return -ENOMEM;
        }
        return 0;
}

int dm_tree_get(DmTree *t, const char *uri, DmTreeValue *ret) {
        _cleanup_(work_done) Work w = {};
        _cleanup_(target_done) Target tg = {};
        _cleanup_free_ char *list = NULL;
        Uri u;
        unsigned st;
        int r;

        if (!t || !ret)
                return -EINVAL;
        *ret = (DmTreeValue) {};
        st = uri_parse(uri, &u);
        if (st)
                return value_set(ret, st, NULL, NULL, NULL);
        r = resolve(t, &w, &u, false, &tg);
        if (r < 0)
                return r;
        if (tg.status)
                return value_set(ret, tg.status, NULL, NULL, NULL);
        switch (tg.kind) {
        case T_LIST:
                return value_set(ret, 200, tg.list, "node", NULL);
        case T_LEAF_RO:
                return value_set(ret, 200, tg.list, "chr", "text/plain");
        case T_MISSING:
                return value_set(ret, 404, NULL, NULL, NULL);
        case T_POLICY:
                return value_set(ret, 406, NULL, NULL, NULL);
        case T_NODE:
                r = may_read(t, tg.root, tg.node, NULL);
                if (r < 0)
                        return r;
                if (r == 0) {
                        t->denied++;
                        return value_set(ret, 425, NULL, NULL, NULL);
                }
                if (tg.dmacc_view) {
                        r = dmacc_children(tg.node, &list);
                        if (r < 0)
                                return r;
                        return value_set(ret, 200, list, "node", NULL);
                }
                for (size_t i = 0; i < tg.node->n_parms; i++)
                        if ((r = list_add(&list, tg.node->parms[i].seg)) < 0)
                                return r;
                for (size_t i = 0; i < tg.node->n_kids; i++)
                        if ((r = list_add(&list, tg.node->kids[i]->seg)) < 0)
                                return r;
                return value_set(ret, 200, list ?: "", "node", NULL);
        case T_PARM:
                /* Security invariant: secrets are never readable, whatever the roles */
                if (never_readable(tg.parm->name))
                        return value_set(ret, 405, NULL, NULL, NULL);
                r = may_read(t, tg.root, tg.node, tg.parm);
                if (r < 0)
                        return r;
                if (r == 0) {
                        t->denied++;
                        return value_set(ret, 425, NULL, NULL, NULL);
                }
                return value_set(ret, 200, tg.parm->value ?: "", "chr", "text/plain");
        }
        return value_set(ret, 404, NULL, NULL, NULL);
}

/* May the session write every element of @root as it is stored (the check a Delete of the whole
 * root needs: policy_evaluate on its current state with the session's roles)? *@status 200, or
 * 425 / 406. Return: 0 or negative errno. */
static int check_root_writable(DmTree *t, Root *root, unsigned *status) {
        _cleanup_(erase_freep) char *xml = NULL;
        _cleanup_free_ PolicyResult *pr = NULL;
        DecodeError err = {};
        CpDoc *doc = NULL;
        size_t len = 0;
        int r;

        r = print_doc(&root->node, 1, NULL, &xml, &len);
        if (r < 0)
                return r;
        r = cpdoc_from_bytes((const uint8_t *) xml, len, &doc, &err);
        if (r == -ENOMEM)
                return r;
        *status = 425;
        if (r < 0)
                return 0;
        (void) cpdoc_validate(doc, &err);
        pr = calloc(1, sizeof(PolicyResult));
        if (!pr) {
                cpdoc_free(doc);
                return -ENOMEM;
        }
        r = policy_evaluate(engine_get_config(t->e), engine_get_metabase(t->e), AUTH_DM, t->roles, doc, pr);
        cpdoc_free(doc);
        if (r < 0)
                return r;
        if (pr->verdict == VERDICT_APPLIED)
                *status = 200;
        else if (pr->reason == REASON_UNSUPPORTED)
                *status = 406;
        return 0;
}

/* One write on the working state. Return: 0 and *@status 200 (done), or the refusal status; or
 * negative errno. */
static int apply_one(DmTree *t, Work *w, const DmTreeOp *op, unsigned *status) {
        _cleanup_(target_done) Target tg = {};
        bool node_format = op->format && strcmp(op->format, "node") == 0;
        Uri u;
        unsigned st;
        int r;

        st = uri_parse(op->uri, &u);
        if (st) {
                *status = st;
                return 0;
        }
        if (op->type != DM_CMD_ADD && op->type != DM_CMD_REPLACE && op->type != DM_CMD_DELETE) {
                *status = 406;
                return 0;
        }
        r = resolve(t, w, &u, op->type == DM_CMD_ADD, &tg);
        if (r == -ENOSPC) {
                *status = 413; /* more roots than one document may rewrite */
                return 0;
        }
        if (r < 0)
                return r;
        if (tg.status) {
                *status = tg.status;
                return 0;
        }
        if (tg.root && tg.root->removed) {
                *status = 404; /* deleted by an earlier command of this Atomic */
                return 0;
        }
        switch (tg.kind) {
        case T_LIST:
        case T_LEAF_RO:
                /* the tree's views, ./DevInfo and ./DevDetail: permanent and read-only */
                *status = op->type == DM_CMD_ADD ? 418 : 405;
                return 0;
        case T_POLICY:
                if (op->type == DM_CMD_DELETE || !op->data) {
                        *status = op->type == DM_CMD_DELETE ? 405 : 400;
                        return 0;
                }
                /* SecurityPolicy values are kept per key (ota-policy.h), not as a root: the
                 * document holds only the values written; the policy decides (Manager only). */
                if (!w->policy && !(w->policy = node_new(OTA_SECURITY_POLICY, OTA_SECURITY_POLICY)))
                        return -ENOMEM;
                r = node_add_parm(w->policy, tg.create, tg.create, op->data);
                if (r < 0)
                        return r;
                *status = 200;
                return 0;
        case T_NODE:
                if (op->type == DM_CMD_ADD) {
                        /* Add of a new root by its ID: created above (resolve) */
                        *status = tg.created_root && tg.root_itself ? 200 : 418;
                        return 0;
                }
                if (op->type == DM_CMD_REPLACE) {
                        *status = 405; /* an interior node has no value; ACLs are not kept */
                        return 0;
                }
                if (tg.root_itself) {
                        /* A whole root (or DM account): removed in store_apply's transaction
                         * (StoreApply.remove_roots) if the session may write every element it
                         * holds -- the same metabase check as rewriting it -- and under the
                         * downgrade rule. A root this write created is not removable. */
                        if (!tg.root->orig) {
                                *status = 405;
                                return 0;
                        }
                        r = check_root_writable(t, tg.root, status);
                        if (r < 0 || *status != 200)
                                return r;
                        tg.root->removed = true;
                        return 0;
                }
                /* Security invariant: what a Delete removes, the session's roles may write --
                 * every element of it, as the store holds it now (the policy only ever sees the
                 * state after the command, where the removed element no longer is). */
                r = element_allowed(t, tg.root, tg.node, NULL, true);
                if (r < 0)
                        return r;
                if (r == 0) {
                        *status = 425;
                        return 0;
                }
                for (size_t i = 0; tg.parent_node && i < tg.parent_node->n_kids; i++)
                        if (tg.parent_node->kids[i] == tg.node) {
                                node_free(tg.node);
                                memmove(&tg.parent_node->kids[i], &tg.parent_node->kids[i + 1],
                                        (tg.parent_node->n_kids - i - 1) * sizeof(Node *));
                                tg.parent_node->n_kids--;
                                break;
                        }
                tg.root->touched = true;
                *status = 200;
                return 0;
        case T_PARM:
                if (identity_parm(tg.root->node->type, tg.parm->name) && tg.node == tg.root->node) {
                        *status = op->type == DM_CMD_ADD ? 418 : 405;
                        return 0;
                }
                if (op->type == DM_CMD_ADD) {
                        *status = 418;
                        return 0;
                }
                if (op->type == DM_CMD_DELETE) {
                        size_t i = (size_t) (tg.parm - tg.node->parms);

                        /* Security invariant: as for a node, the removed parm's own mask */
                        r = element_allowed(t, tg.root, tg.node, tg.parm, false);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                *status = 425;
                                return 0;
                        }
                        /* an account's ROLE gone means "the message's roles" (policy.c
                         * check_dm_account): bounded like a Replace (check_accounts) */
                        if (tg.node == tg.root->node && strcmp(tg.parm->name, "ROLE") == 0)
                                tg.root->role_deleted = true;
                        free(tg.parm->seg);
                        free(tg.parm->name);
                        erase_free(tg.parm->value);
                        memmove(&tg.node->parms[i], &tg.node->parms[i + 1], (tg.node->n_parms - i - 1) * sizeof(Parm));
                        tg.node->n_parms--;
                        tg.root->touched = true;
                        *status = 200;
                        return 0;
                }
                if (strcmp(tg.parm->name, "AAUTHLEVEL") == 0) {
                        *status = 405; /* the DMAcc level is the node's identity */
                        return 0;
                }
                if (!op->data) {
                        *status = 400;
                        return 0;
                }
                {
                        char *v = strdup(op->data);

                        if (!v)
                                return -ENOMEM;
                        erase_free(tg.parm->value);
                        tg.parm->value = v;
                }
                tg.root->touched = true;
                *status = 200;
                return 0;
        case T_MISSING:
                if (op->type != DM_CMD_ADD) {
                        *status = 404;
                        return 0;
                }
                if (tg.missing_root) {
                        /* Add ./DMAcc/<new> as an interior node: the new account's root */
                        Root *root = work_new_root(w, tg.new_key, "APPLICATION", "APPID", "w7", &r);

                        if (!root)
                                return r;
                        r = node_add_parm(root->node, "PROVIDER-ID", "PROVIDER-ID", tg.new_idval);
                        if (r < 0)
                                return r;
                        *status = 200;
                        return 0;
                }
                if (!plain_name(tg.create)) {
                        *status = 404;
                        return 0;
                }
                /* Security invariant: a root's identity parms are set only when the root is
                 * created (resolve, work_new_root); adding one (PROVIDER-ID to an APPLICATION,
                 * ...) would change the store key of the root and so address another root */
                if (tg.node == tg.root->node && !node_format && identity_parm(tg.root->node->type, tg.create)) {
                        *status = 405;
                        return 0;
                }
                if (node_format) {
                        if (!node_add_kid(tg.node, tg.create, plain_name(tg.create_type) ? tg.create_type : tg.create))
                                return -ENOMEM;
                } else {
                        if (!op->data) {
                                *status = 400;
                                return 0;
                        }
                        r = node_add_parm(tg.node, tg.create, tg.create, op->data);
                        if (r < 0)
                                return r;
                }
                tg.root->touched = true;
                *status = 200;
                return 0;
        }
        *status = 404;
        return 0;
}

/* The document of every touched root of @w (and its SecurityPolicy values). Return: 0 with
 * *@ret NULL when nothing changes (every touched root as it was loaded). */
static int build_document(DmTree *t, Work *w, char **ret, size_t *ret_len, const char **removed,
                          size_t *ret_n_removed) {
        Node *nodes[DM_TREE_ROOTS_MAX + 1];
        char comment[160];
        size_t n = 0, n_removed = 0;
        bool changed = false;
        int r;

        *ret = NULL;
        for (size_t i = 0; i < w->n; i++) {
                _cleanup_(erase_freep) char *now = NULL;

                if (w->roots[i].removed) {
                        if (removed)
                                removed[n_removed++] = w->roots[i].key;
                        changed = true;
                        continue;
                }
                if (!w->roots[i].touched)
                        continue;
                nodes[n++] = w->roots[i].node;
                if (!w->roots[i].orig) {
                        changed = true;
                        continue;
                }
                r = serialize_root(w->roots[i].node, &now);
                if (r < 0)
                        return r;
                if (strcmp(now, w->roots[i].orig) != 0)
                        changed = true;
        }
        if (w->policy) {
                nodes[n++] = w->policy;
                changed = true;
        }
        if (ret_n_removed)
                *ret_n_removed = n_removed;
        /* A write that leaves every root as it is: 200, nothing applied (engine.h, replay). */
        if (!changed)
                return 0;
        /* The unique comment: the document is verifierd's own, never a replay of captured
         * bytes; it must not collide with an earlier DM document of the same state. */
        {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                snprintf(comment, sizeof comment, "provboot dm session write %u %lld.%09ld", ++t->counter,
                         (long long) ts.tv_sec, ts.tv_nsec);
        }
        return print_doc(nodes, n, comment, ret, ret_len);
}

static unsigned status_of(const EngineResult *res) {
        if (res->verdict == VERDICT_APPLIED)
                return 200;
        switch (res->reason) {
        case REASON_ROLE_DENIED:
        case REASON_ROLE_ESCALATION:
        case REASON_POLICY_DENIED: /* a Locked= key, or the downgrade rule: a stronger message's */
                return 425;
        case REASON_MALFORMED:
                return 400;
        case REASON_UNSUPPORTED:
                return 406;
        default:
                return 500;
        }
}

typedef struct FindPush {
        uint64_t id;
        uint32_t roles;
        bool found;
} FindPush;

static int push_roles_row(const StorePush *p, void *userdata) {
        FindPush *f = userdata;

        f->roles = p->roles;
        f->found = true;
        return 1;
}

typedef struct FindAcc {
        const char *root;
        uint64_t push_id;
        uint32_t roles;
        bool found;
} FindAcc;

static int find_acc_root(const StoreAccount *a, void *userdata) {
        FindAcc *f = userdata;

        if (!a->root || strcmp(a->root, f->root) != 0)
                return 0;
        f->push_id = a->push_id;
        f->roles = a->roles;
        f->found = true;
        return 1;
}

static int set_role(Node *n, uint32_t roles) {
        char v[16];

        snprintf(v, sizeof v, "%" PRIu32, roles);
        return node_add_parm(n, "ROLE", "ROLE", v);
}

/*
 * The rules for writing an existing DM account (a root of @w the store keeps an accounts row
 * for), before its document is built. *@status 200 or 425. Return: 0 or negative errno.
 *
 * Security invariant (docs/dm-tree.md §3 rule 10): a session never acts on an account holding a
 * role the session does not hold itself: writing or deleting another account needs the session's
 * roles to be a superset of that account's stored roles. Else an Operator session could lower a
 * Manager account's ROLE and point its address at itself, and the next session of that account
 * would send its credentials there.
 *
 * docs/dm-tree.md §3 rule 3 (docs/trust-boundary.md §1.5): the ROLE of an existing account a
 * write rewrites must also be a subset of the roles of the message that installed the account
 * (the history row its accounts row points to, which retention never prunes): a Manager session
 * cannot lift an account an Operator message created above Operator. (The subset of the
 * session's roles is policy_evaluate's.) A Delete of the ROLE asks for the message's roles,
 * the session's (policy.c check_dm_account): bounded the same way. A write that leaves no ROLE
 * and did not delete it keeps the account's roles: the document gets ROLE = the stored roles
 * (within the installer's), not the session's.
 */
static int check_accounts(DmTree *t, Work *w, unsigned *status) {
        *status = 200;
        for (size_t i = 0; i < w->n; i++) {
                Root *root = &w->roots[i];
                Node *n = root->node;
                FindAcc fa = { .root = root->key };
                FindPush fp = {};
                uint32_t asked = ROLE_ALL, installer;
                bool any = false;
                int r;

                if ((!root->touched && !root->removed) || !root->orig)
                        continue;
                r = store_foreach_account(engine_get_store(t->e), find_acc_root, &fa);
                if (r < 0)
                        return r;
                if (!fa.found)
                        continue;
                if (fa.roles & ~t->roles) {
                        *status = 425;
                        return 0;
                }
                if (root->removed)
                        continue;
                r = engine_get_push(t->e, fa.push_id, push_roles_row, &fp);
                if (r < 0 && r != -ESRCH)
                        return r;
                /* no installer row (not expected): the stored roles bound it alone */
                installer = fp.found ? fp.roles : fa.roles;
                for (size_t k = 0; k < n->n_parms; k++) {
                        uint32_t v;

                        if (strcmp(n->parms[k].name, "ROLE") != 0 || !n->parms[k].value)
                                continue;
                        if (roles_parse_decimal(n->parms[k].value, &v) < 0)
                                continue; /* policy_evaluate refuses it (malformed) */
                        asked &= v;
                        any = true;
                }
                if (!any && root->role_deleted) {
                        asked = t->roles;
                        any = true;
                }
                if (any && (asked & ~installer)) {
                        *status = 425;
                        return 0;
                }
                if (!any) {
                        r = set_role(n, fa.roles & installer);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int any_row(const StoreSetting *s, void *userdata) {
        *(bool *) userdata = true;
        return 1;
}

/*
 * Security invariant: the document of @w replaces exactly the roots the commands addressed. For
 * each root of @doc (the document build_document made of @w, in the same order), the store key
 * store_apply will give it (element_path(), the identity parms) must be the key the root was
 * loaded under; a new root's key must not be in the store yet (else the Add would replace a root
 * it never loaded, and never checked: another account's, say). *@status 200, or 405 for a
 * root whose key moved, 418 for a new root that exists. Return: 0 or negative errno.
 */
static int check_keys(DmTree *t, Work *w, const CpDoc *doc, unsigned *status) {
        const CpCharacteristic *c = doc->chars;

        *status = 200;
        for (size_t i = 0; i < w->n; i++) {
                char key[ELEMENT_PATH_MAX];
                bool exists = false;
                int r;

                if (!w->roots[i].touched || w->roots[i].removed)
                        continue;
                if (!c) {
                        *status = 405;
                        return 0;
                }
                element_path(doc, c, NULL, key, sizeof key);
                c = c->next;
                if (!key[0]) {
                        *status = 405;
                        return 0;
                }
                if (w->roots[i].orig) {
                        if (strcmp(key, w->roots[i].key) != 0) {
                                *status = 405;
                                return 0;
                        }
                        continue;
                }
                /* a new root: a vendor root keeps the key resolve gave it; a new DMAcc account's
                 * key ("dmacc:<sid>") is the store's APPLICATION[APPID=w7,PROVIDER-ID=<sid>] */
                if (strncmp(w->roots[i].key, "dmacc:", 6) != 0 && strcmp(key, w->roots[i].key) != 0) {
                        *status = 405;
                        return 0;
                }
                r = store_foreach_setting_range(engine_get_store(t->e), key, true, any_row, &exists);
                if (r < 0)
                        return r;
                if (exists) {
                        *status = 418;
                        return 0;
                }
        }
        return 0;
}

/* Decode the document @xml of @w and run check_keys on it. *@status 200, 400 if it does not
 * decode, or check_keys'. Return: 0 or negative errno. */
static int check_doc_keys(DmTree *t, Work *w, const char *xml, size_t len, unsigned *status) {
        CpDoc *doc = NULL;
        DecodeError err = {};
        int r;

        r = cpdoc_from_bytes((const uint8_t *) xml, len, &doc, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *status = 400;
                return 0;
        }
        (void) cpdoc_validate(doc, &err);
        r = check_keys(t, w, doc, status);
        cpdoc_free(doc);
        return r;
}

/* Build and apply @w. Return: 0 with the status (200 also when nothing changed), or -errno. */
static int commit_work(DmTree *t, Work *w, unsigned *status) {
        _cleanup_(erase_freep) char *xml = NULL;
        const char *removed[DM_TREE_ROOTS_MAX];
        EngineResult res = {};
        size_t len = 0, n_removed = 0;
        int r;

        r = check_accounts(t, w, status);
        if (r < 0 || *status != 200)
                return r;
        r = build_document(t, w, &xml, &len, removed, &n_removed);
        if (r == -E2BIG) {
                *status = 413;
                return 0;
        }
        if (r < 0)
                return r;
        if (!xml) {
                *status = 200;
                return 0;
        }
        r = check_doc_keys(t, w, xml, len, status);
        if (r < 0 || *status != 200)
                return r;
        r = engine_apply_dm_ex(t->e, (const uint8_t *) xml, len, t->server_id, t->roles, t->strength, removed,
                               n_removed, &res);
        explicit_bzero(xml, len);
        if (r < 0)
                return r;
        *status = status_of(&res);
        engine_result_done(&res);
        return 0;
}

/* Would the document of @w pass the policy with the session's roles? Read-only (policy.h is
 * pure); used to find which member of a refused Atomic was refused. Return: the status. */
static int check_work(DmTree *t, Work *w, unsigned *status) {
        _cleanup_(erase_freep) char *xml = NULL;
        _cleanup_free_ PolicyResult *pr = NULL;
        CpDoc *doc = NULL;
        DecodeError err = {};
        size_t len = 0;
        int r;

        r = check_accounts(t, w, status);
        if (r < 0 || *status != 200)
                return r;
        r = build_document(t, w, &xml, &len, NULL, NULL);
        if (r < 0)
                return r;
        *status = 200;
        if (!xml)
                return 0;
        r = cpdoc_from_bytes((const uint8_t *) xml, len, &doc, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || cpdoc_validate(doc, &err) < 0) {
                cpdoc_free(doc);
                *status = 400;
                return 0;
        }
        r = check_keys(t, w, doc, status);
        if (r < 0 || *status != 200) {
                cpdoc_free(doc);
                return r;
        }
        pr = calloc(1, sizeof(PolicyResult));
        if (!pr) {
                cpdoc_free(doc);
                return -ENOMEM;
        }
        r = policy_evaluate(engine_get_config(t->e), engine_get_metabase(t->e), AUTH_DM, t->roles, doc, pr);
        cpdoc_free(doc);
        if (r < 0)
                return r;
        if (pr->verdict != VERDICT_APPLIED)
                *status = pr->reason == REASON_MALFORMED ? 400 : pr->reason == REASON_UNSUPPORTED ? 406 : 425;
        return 0;
}

int dm_tree_apply(DmTree *t, const DmTreeOp *ops, size_t n, bool atomic, unsigned *ret_status) {
        int r;

        if (!t || (!ops && n > 0) || !ret_status || n > DM_TREE_APPLY_MAX)
                return -EINVAL;
        if (!atomic) {
                /* each command its own document: OMA-TS-DM_Protocol-V1_2 §6.6 (a status each) */
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(work_done) Work w = {};

                        r = apply_one(t, &w, &ops[i], &ret_status[i]);
                        if (r < 0)
                                return r;
                        if (ret_status[i] == 200) {
                                r = commit_work(t, &w, &ret_status[i]);
                                if (r < 0)
                                        return r;
                        }
                        if (ret_status[i] == 425)
                                t->denied++;
                }
                return 0;
        }

        /* Atomic (OMA-TS-DM_Protocol-V1_2 §6.6.6; docs/dm-tree.md rule 7): every member on one working
         * state, one document, one store_apply: all or nothing. */
        {
                _cleanup_(work_done) Work w = {};
                size_t failed = n;
                unsigned st = 200;

                for (size_t i = 0; i < n; i++) {
                        r = apply_one(t, &w, &ops[i], &ret_status[i]);
                        if (r < 0)
                                return r;
                        if (ret_status[i] != 200 && failed == n)
                                failed = i;
                }
                if (failed == n) {
                        r = commit_work(t, &w, &st);
                        if (r < 0)
                                return r;
                        if (st == 200)
                                return 0;
                        /* refused as a whole: find the first member whose addition is refused */
                        for (size_t k = 0; k < n && failed == n; k++) {
                                _cleanup_(work_done) Work p = {};
                                unsigned s = 200;

                                for (size_t i = 0; i <= k; i++) {
                                        r = apply_one(t, &p, &ops[i], &s);
                                        if (r < 0)
                                                return r;
                                }
                                r = check_work(t, &p, &s);
                                if (r < 0)
                                        return r;
                                if (s != 200) {
                                        failed = k;
                                        st = s;
                                }
                        }
                        if (failed == n)
                                failed = n - 1; /* refused by the store (downgrade): the last */
                        ret_status[failed] = st;
                }
                for (size_t i = 0; i < n; i++) {
                        if (i != failed && ret_status[i] == 200)
                                ret_status[i] = 216; /* rolled back */
                        if (ret_status[i] == 425)
                                t->denied++;
                }
        }
        return 0;
}
