/* Chain verification with OpenSSL: against the CAs the user names
 * (--ca-file), at the time of the capture, and against the system's public
 * roots ignoring time (to tell publicly trusted chains from private PKI).
 * Results are cached per chain and day so repeated sessions cost nothing.
 *
 * The system's store is made once per process, when the first chain is
 * checked, and its roots decoded as chains ask for them (roots.c): the
 * bundle is read, which a capture that shows no certificate (TLS 1.3
 * without keys) need not wait for, and once, not once per tracker with
 * -j. The CA file's store is made the same way, by the first tracker,
 * and shared by the others. OpenSSL locks what a lookup adds to a store,
 * so one serves every thread. */
#include "dissect/internal.h"

#include <errno.h>
#include <pthread.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { VERIFY_CACHE = 1024 };

struct verdict {
    uint8_t key[32]; /* SHA-256 over the chain's fingerprints and the day */
    bool used, public_only;
    struct chain_check check;
    char error[96];
};

struct trust {
    X509_STORE *cas;
    bool system_roots;
    struct verdict cache[VERIFY_CACHE];
};

static X509_STORE *store_from(const char *file, char *err, size_t errlen)
{
    FILE *probe = fopen(file, "r");
    struct stat sb;
    if (!probe) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    bool known = fstat(fileno(probe), &sb) == 0, dir = known && S_ISDIR(sb.st_mode);
    /* A DER certificate is a SEQUENCE with a long-form length. Only a
     * file is looked at: what a pipe gives (bash's <(...)) is read once. */
    bool der = known && S_ISREG(sb.st_mode) && fgetc(probe) == 0x30 && (fgetc(probe) & 0x80);
    fclose(probe);
    if (dir) {
        snprintf(err, errlen, "%s", strerror(EISDIR));
        return NULL;
    }
    X509_STORE *st = roots_file_store(file, err, errlen);
    if (!st && der)
        snprintf(err, errlen, "no PEM certificates in it; it looks like DER, which "
                              "'openssl x509 -inform DER -in %s' turns into PEM", file);
    return st;
}

static X509_STORE *roots;
static pthread_once_t roots_once = PTHREAD_ONCE_INIT;

static void load_roots(void)
{
    roots = roots_system_store();
}

/* NULL without memory */
static X509_STORE *system_roots(void)
{
    pthread_once(&roots_once, load_roots);
    return roots;
}

enum st dissect_load_trust(struct dissect *d, const char *ca_file,
                           bool system_roots, char *err, size_t errlen)
{
    struct trust *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return ST_NOMEM;
    }
    if (ca_file && !(t->cas = store_from(ca_file, err, errlen))) {
        free(t);
        return ST_IO;
    }
    t->system_roots = system_roots;
    trust_free(d->trust);
    d->trust = t;
    return ST_OK;
}

enum st dissect_share_trust(struct dissect *d, const struct dissect *from)
{
    const struct trust *f = from->trust;
    struct trust *t = f ? calloc(1, sizeof(*t)) : NULL;
    if (f && !t)
        return ST_NOMEM;
    if (t) {
        if (f->cas && X509_STORE_up_ref(f->cas) != 1) {
            free(t);
            return ST_NOMEM;
        }
        t->cas = f->cas;
        t->system_roots = f->system_roots;
    }
    trust_free(d->trust);
    d->trust = t;
    return ST_OK;
}

void trust_free(struct trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->cas);
    free(t);
}

static STACK_OF(X509) *to_x509(const struct chain *c, X509 **leaf)
{
    STACK_OF(X509) *rest = sk_X509_new_null();
    *leaf = NULL;
    for (size_t i = 0; rest && i < c->n; i++) {
        const unsigned char *p = c->v[i].der.p;
        X509 *x = p ? d2i_X509(NULL, &p, (long)c->v[i].der.len) : NULL;
        if (!x)
            continue;
        if (!*leaf)
            *leaf = x;
        else if (!sk_X509_push(rest, x))
            X509_free(x);
    }
    return rest;
}

/* Verify against store at time t (0: ignore time). */
static void verify(X509_STORE *store, const struct chain *c, int64_t t,
                   struct chain_check *out, char *errbuf, size_t errlen)
{
    X509 *leaf;
    STACK_OF(X509) *rest = to_x509(c, &leaf);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    out->checked = true;
    out->ok = false;
    if (leaf && rest && ctx && X509_STORE_CTX_init(ctx, store, leaf, rest) == 1) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        if (t)
            X509_VERIFY_PARAM_set_time(vp, (time_t)t);
        else
            X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
        out->ok = X509_verify_cert(ctx) == 1;
        if (!out->ok) {
            int e = X509_STORE_CTX_get_error(ctx);
            snprintf(errbuf, errlen, "%s", X509_verify_cert_error_string(e));
            out->error_depth = X509_STORE_CTX_get_error_depth(ctx);
        }
    } else {
        snprintf(errbuf, errlen, "the certificates could not be decoded");
    }
    X509_STORE_CTX_free(ctx);
    X509_free(leaf);
    sk_X509_pop_free(rest, X509_free);
    ERR_clear_error();
}

static void chain_key(const struct chain *c, int64_t day, bool public_only,
                      uint8_t out[32])
{
    /* the certificates' own hashes, the day and the store: what the
     * verdict depends on */
    size_t cap = 32 * c->n + sizeof(day) + 1;
    uint8_t *key = malloc(cap), md[64];
    size_t n = 0;
    for (size_t i = 0; key && i < c->n; i++, n += 32)
        memcpy(key + n, c->v[i].sha256, 32);
    if (key) {
        memcpy(key + n, &day, sizeof(day));
        n += sizeof(day);
        key[n++] = public_only;
    }
    if (key && digest(DIGEST_SHA256, key, n, md) == 32)
        memcpy(out, md, 32);
    else
        memset(out, 0, 32);
    free(key);
}

/* store NULL: the system's roots. NULL when there are none. */
static struct verdict *cached(struct trust *t, struct arena *a, const struct chain *c,
                              int64_t ts, bool public_only, X509_STORE *store)
{
    uint8_t key[32];
    int64_t day = public_only ? 0 : ts / 86400;
    chain_key(c, day, public_only, key);
    size_t h;
    memcpy(&h, key, sizeof(h));
    struct verdict *v = &t->cache[h % VERIFY_CACHE];
    if (!v->used || memcmp(v->key, key, 32) != 0) {
        if (!store && !(store = system_roots()))
            return NULL;
        memset(v, 0, sizeof(*v));
        memcpy(v->key, key, 32);
        v->used = true;
        v->public_only = public_only;
        verify(store, c, public_only ? 0 : ts, &v->check, v->error, sizeof(v->error));
    }
    (void)a;
    return v;
}

void trust_check(struct dissect *d, struct session *s, struct chain *c)
{
    struct trust *t = d->trust;
    if (!t || !c->n)
        return;
    int64_t ts = s->ts_first / 1000000000;
    if (t->cas) {
        struct verdict *v = cached(t, s->arena, c, ts, false, t->cas);
        c->trusted = v->check;
        if (!v->check.ok)
            c->trusted.error = arena_strdup(s->arena, v->error);
    }
    if (t->system_roots) {
        struct verdict *v = cached(t, s->arena, c, 0, true, NULL);
        c->public_root = v && v->check.ok;
    }
}
