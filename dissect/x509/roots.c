/* The system's trust store, made as X509_STORE_set_default_paths makes
 * it (the bundle, then the hashed directory, then OpenSSL's store of
 * that directory), except that the bundle's certificates are decoded
 * when a chain asks for their subject instead of all at once. OpenSSL 3
 * decodes a certificate's public key through its provider framework as
 * it parses it: Debian's 144 roots took 20 ms, half the run of a
 * capture of one session, for chains that mostly end at a private CA.
 *
 * The bundle is read once, each block kept as DER beside its subject,
 * decoded alone (a Name has no key to decode). A chain's issuer is then
 * compared with those names the way OpenSSL compares names (their
 * canonical encodings), and each certificate that matches is decoded
 * and added to the store, where later lookups find it. A --ca-file is
 * read the same way, into a store of its own.
 *
 * -j trackers verify against one store. Whatever enters it has its
 * extensions cached first, so that no verification writes to a
 * certificate another is reading. */
#include "dissect/x509/x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bundle_cert {
    X509_NAME *subject;
    unsigned char *der;
    long len;
    bool aux; /* a TRUSTED CERTIFICATE: DER followed by OpenSSL's trust settings */
};

struct bundle {
    struct bundle_cert *v;
    size_t n, cap;
    size_t blocks;    /* PEM blocks read */
    size_t broken_at; /* the first block that is not a readable certificate (1: the first); 0: none */
};

static void bundle_free(struct bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        X509_NAME_free(b->v[i].subject);
        OPENSSL_free(b->v[i].der);
    }
    free(b->v);
    free(b);
}

/* One DER element: its content, and the whole of it from the tag on. */
static bool der_element(struct cur *c, struct cur *content, struct cur *whole)
{
    struct cur start = *c;
    uint8_t tag, b;
    if (!cur_u8(c, &tag) || (tag & 0x1f) == 0x1f || !cur_u8(c, &b))
        return false;
    size_t len = b;
    if (b & 0x80) {
        size_t octets = b & 0x7f;
        if (octets == 0 || octets > 4)
            return false;
        len = 0;
        for (size_t i = 0; i < octets; i++) {
            if (!cur_u8(c, &b))
                return false;
            len = len << 8 | b;
        }
    }
    if (!cur_take(c, len, content))
        return false;
    *whole = cur_head(&start, cur_offset(&start, c));
    return true;
}

/* bundle_subject - the subject Name of a certificate's DER, decoded on
 * its own (RFC 5280 4.1: version, serial, signature, issuer, validity,
 * subject); NULL when the DER is not shaped so. */
X509_NAME *bundle_subject(const unsigned char *der, size_t len)
{
    struct cur c = cur_make(der, len), cert, tbs, field, whole;
    if (!der_element(&c, &cert, &whole) || !der_element(&cert, &tbs, &whole))
        return NULL;
    uint8_t tag;
    if (cur_peek(&tbs, 0, &tag) && tag == 0xa0 && !der_element(&tbs, &field, &whole))
        return NULL; /* the version */
    for (int skip = 0; skip < 4; skip++) /* serial, signature, issuer, validity */
        if (!der_element(&tbs, &field, &whole))
            return NULL;
    if (!der_element(&tbs, &field, &whole))
        return NULL;
    const unsigned char *p = whole.p;
    return d2i_X509_NAME(NULL, &p, (long)whole.left);
}

static bool bundle_add(struct bundle *b, const char *name, unsigned char *der, long len)
{
    bool aux = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
    if (!aux && strcmp(name, PEM_STRING_X509) != 0 && strcmp(name, PEM_STRING_X509_OLD) != 0)
        return false; /* CRLs and keys: a chain's issuer is never one */
    X509_NAME *subject = bundle_subject(der, (size_t)len);
    if (!subject) {
        if (!b->broken_at)
            b->broken_at = b->blocks;
        return false;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct bundle_cert *v = realloc(b->v, cap * sizeof(*v));
        if (!v) {
            X509_NAME_free(subject);
            return false;
        }
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = (struct bundle_cert){subject, der, len, aux};
    return true;
}

/* The PEM blocks of the file, undecoded; NULL when it cannot be read
 * (OpenSSL's own default then finds nothing there either). */
static struct bundle *bundle_read(const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    struct bundle *b = bio ? calloc(1, sizeof(*b)) : NULL;
    if (!b) {
        BIO_free(bio);
        return NULL;
    }
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    ERR_clear_error(); /* its last error says how the reading ended */
    while (PEM_read_bio(bio, &name, &header, &der, &len) == 1) {
        b->blocks++;
        if (!bundle_add(b, name, der, len))
            OPENSSL_free(der);
        OPENSSL_free(name);
        OPENSSL_free(header);
    }
    /* the end of the file reads as "no start line"; anything else is a
     * block that could not be read, and the rest of the file with it */
    unsigned long e = ERR_peek_last_error();
    if (e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE && !b->broken_at)
        b->broken_at = b->blocks + 1;
    BIO_free(bio);
    ERR_clear_error();
    return b;
}

/* Adds a certificate to a store others verify against, its extensions
 * cached first: OpenSSL caches them at a verification's first use,
 * writing to the certificate while a second thread's verification reads
 * it (ThreadSanitizer saw it in test_roots' two threads). */
static bool add_cached(X509_STORE *store, X509 *x)
{
    (void)X509_check_purpose(x, -1, 0);
    return X509_STORE_add_cert(store, x) == 1; /* a second thread's copy is one */
}

/* The store's own copy of a certificate of that subject, lent as
 * OpenSSL's directory lookup lends it: the caller takes a reference of
 * its own. */
static int lend(X509_STORE *store, const X509_NAME *name, X509_OBJECT *ret)
{
    if (!X509_STORE_lock(store))
        return 0;
    X509_OBJECT *kept = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), X509_LU_X509,
                                                        name);
    X509 *x = kept ? X509_OBJECT_get0_X509(kept) : NULL;
    X509_STORE_unlock(store);
    if (!x || X509_OBJECT_set1_X509(ret, x) != 1)
        return 0;
    X509_free(x);
    return 1;
}

static int bundle_by_subject(X509_LOOKUP *lookup, X509_LOOKUP_TYPE type, const X509_NAME *name,
                             X509_OBJECT *ret)
{
    const struct bundle *b = X509_LOOKUP_get_method_data(lookup);
    X509_STORE *store = X509_LOOKUP_get_store(lookup);
    if (!b || !store || type != X509_LU_X509)
        return 0;
    bool added = false;
    for (size_t i = 0; i < b->n; i++) {
        if (X509_NAME_cmp(b->v[i].subject, name) != 0)
            continue;
        const unsigned char *p = b->v[i].der;
        X509 *x = b->v[i].aux ? d2i_X509_AUX(NULL, &p, b->v[i].len) : d2i_X509(NULL, &p, b->v[i].len);
        added |= x && add_cached(store, x);
        X509_free(x);
    }
    return added ? lend(store, name, ret) : 0;
}

static void bundle_lookup_free(X509_LOOKUP *lookup)
{
    bundle_free(X509_LOOKUP_get_method_data(lookup));
}

/* The hashed directory and OpenSSL's store of it load what a chain names
 * into the store they serve, with its extensions uncached, as the bundle
 * once did. So they serve a store of their own, which no one verifies
 * against, and what they load moves to the shared one cached. */
static int elsewhere_by_subject(X509_LOOKUP *lookup, X509_LOOKUP_TYPE type, const X509_NAME *name,
                                X509_OBJECT *ret)
{
    X509_STORE *loader = X509_LOOKUP_get_method_data(lookup), *store = X509_LOOKUP_get_store(lookup);
    X509_STORE_CTX *ctx = loader && store && type == X509_LU_X509 ? X509_STORE_CTX_new() : NULL;
    if (!ctx || X509_STORE_CTX_init(ctx, loader, NULL, NULL) != 1) {
        X509_STORE_CTX_free(ctx);
        return 0;
    }
    STACK_OF(X509) *found = X509_STORE_CTX_get1_certs(ctx, name);
    X509_STORE_CTX_free(ctx);
    bool added = false;
    for (int i = 0; i < sk_X509_num(found); i++)
        added |= add_cached(store, sk_X509_value(found, i));
    sk_X509_pop_free(found, X509_free);
    ERR_clear_error(); /* a name in none of them is no error */
    return added ? lend(store, name, ret) : 0;
}

static void elsewhere_lookup_free(X509_LOOKUP *lookup)
{
    X509_STORE_free(X509_LOOKUP_get_method_data(lookup));
}

static X509_LOOKUP_METHOD *bundle_method, *elsewhere_method;

static void methods_make(void)
{
    X509_LOOKUP_METHOD *m = X509_LOOKUP_meth_new("tlsscope bundle, decoded by subject");
    if (m && X509_LOOKUP_meth_set_get_by_subject(m, bundle_by_subject) == 1 &&
        X509_LOOKUP_meth_set_free(m, bundle_lookup_free) == 1)
        bundle_method = m;
    else
        X509_LOOKUP_meth_free(m);
    m = X509_LOOKUP_meth_new("tlsscope directories, cached before shared");
    if (m && X509_LOOKUP_meth_set_get_by_subject(m, elsewhere_by_subject) == 1 &&
        X509_LOOKUP_meth_set_free(m, elsewhere_lookup_free) == 1)
        elsewhere_method = m;
    else
        X509_LOOKUP_meth_free(m);
}

static pthread_once_t methods_once = PTHREAD_ONCE_INIT;

/* A store that finds the bundle's certificates (b may be NULL: none);
 * NULL without memory. */
static X509_STORE *bundle_store(struct bundle *b)
{
    pthread_once(&methods_once, methods_make);
    X509_STORE *st = bundle_method ? X509_STORE_new() : NULL;
    X509_LOOKUP *lookup = st ? X509_STORE_add_lookup(st, bundle_method) : NULL;
    if (!lookup) {
        bundle_free(b);
        X509_STORE_free(st);
        return NULL;
    }
    if (b && X509_LOOKUP_set_method_data(lookup, b) != 1)
        bundle_free(b);
    return st;
}

X509_STORE *roots_file_store(const char *path, char *why, size_t whylen)
{
    struct bundle *b = bundle_read(path);
    if (!b) {
        snprintf(why, whylen, "cannot be read");
        return NULL;
    }
    if (b->broken_at || !b->n) {
        if (b->broken_at)
            snprintf(why, whylen, "PEM block %zu is not a certificate OpenSSL can read", b->broken_at);
        else
            snprintf(why, whylen, "no PEM certificates in it");
        bundle_free(b);
        return NULL;
    }
    X509_STORE *st = bundle_store(b);
    if (!st)
        snprintf(why, whylen, "out of memory");
    return st;
}

X509_STORE *roots_system_store(void)
{
    const char *file = getenv(X509_get_default_cert_file_env());
    X509_STORE *st = bundle_store(bundle_read(file ? file : X509_get_default_cert_file()));
    if (!st)
        return NULL;
    /* then the directory and the store, as OpenSSL's defaults have them */
    X509_STORE *loader = elsewhere_method ? X509_STORE_new() : NULL;
    X509_LOOKUP *lookup = loader ? X509_STORE_add_lookup(loader, X509_LOOKUP_hash_dir()) : NULL;
    if (lookup)
        (void)X509_LOOKUP_add_dir(lookup, NULL, X509_FILETYPE_DEFAULT);
    lookup = loader ? X509_STORE_add_lookup(loader, X509_LOOKUP_store()) : NULL;
    if (lookup)
        (void)X509_LOOKUP_add_store(lookup, NULL);
    lookup = loader ? X509_STORE_add_lookup(st, elsewhere_method) : NULL;
    if (!lookup || X509_LOOKUP_set_method_data(lookup, loader) != 1)
        X509_STORE_free(loader);
    ERR_clear_error();
    return st;
}
