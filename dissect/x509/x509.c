/* Certificates decoded with OpenSSL, once per distinct certificate: a
 * bounded cache keyed by the DER keeps the decoded facts, and each
 * session gets its own copy in its arena. Names print the way Zeek's
 * x509.log shows them (RFC 2253 without escaping UTF-8). */
#include "dissect/internal.h"
#include "include/hmap.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { CACHE_CERTS = 2048 };

/* Trackers reading one capture on several threads share one cache. */
struct certcache {
    pthread_mutex_t lock; /* of refs */
    unsigned refs;
    /* shared while a hit is copied out, which is most of the time spent
     * here: trackers copying at once do not wait for each other */
    pthread_rwlock_t entries;
    struct arena *arena; /* the certificates, where they never move */
    struct hmap by_der; /* of struct cert *, in the arena */
    /* random, so that a crafted capture cannot pile distinct
     * certificates onto one hash: each would be compared with them all */
    uint64_t seed;
};

struct certcache *certcache_new(void)
{
    struct certcache *cc = calloc(1, sizeof(*cc));
    if (!cc)
        return NULL;
    pthread_mutex_init(&cc->lock, NULL);
    pthread_rwlock_init(&cc->entries, NULL);
    cc->refs = 1;
    /* not OpenSSL's generator: starting it took 3 ms of every run; with
     * none, 0: slower when attacked, never wrong */
    if (getrandom(&cc->seed, sizeof(cc->seed), GRND_NONBLOCK) != (ssize_t)sizeof(cc->seed))
        cc->seed = 0;
    cc->arena = arena_new();
    if (!cc->arena) {
        certcache_free(cc);
        return NULL;
    }
    return cc;
}

struct certcache *certcache_ref(struct certcache *cc)
{
    pthread_mutex_lock(&cc->lock);
    cc->refs++;
    pthread_mutex_unlock(&cc->lock);
    return cc;
}

void certcache_free(struct certcache *cc)
{
    if (!cc)
        return;
    pthread_mutex_lock(&cc->lock);
    unsigned left = --cc->refs;
    pthread_mutex_unlock(&cc->lock);
    if (left)
        return;
    pthread_mutex_destroy(&cc->lock);
    pthread_rwlock_destroy(&cc->entries);
    arena_free(cc->arena);
    hmap_free(&cc->by_der);
    free(cc);
}

/* Keyed by the DER itself: a word-at-a-time hash to find it and the
 * bytes to confirm it. A SHA-256 of every certificate of every session
 * cost more than the lookup it keyed; the digests are made once, with
 * the decoding, and copied with the rest. */
static uint64_t der_hash(const struct certcache *cc, struct cur der)
{
    return hmap_hash_bytes(der.p, der.left, cc->seed);
}

static bool same_der(uintptr_t value, const void *key, const void *ctx)
{
    const struct cert *c = (const struct cert *)value;
    const struct cur *der = key;
    (void)ctx;
    return c->der.len == der->left && memcmp(c->der.p, der->p, der->left) == 0;
}

static const struct cert *cache_find(struct certcache *cc, uint64_t hash, struct cur der)
{
    return (const struct cert *)hmap_get(&cc->by_der, hash, same_der, &der, NULL);
}

/* ---- copying a decoded certificate into another arena --------------------- */

static const char *dup_str(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

static void dup_strs(struct arena *a, struct strs *dst, const struct strs *src)
{
    struct strs out = {0};
    for (size_t i = 0; i < src->n; i++) {
        const char *s = dup_str(a, src->v[i]);
        if (s)
            (void)ARENA_PUSH(a, out, s);
    }
    *dst = out;
}

static void dup_names(struct arena *a, struct byteslist *dst, const struct byteslist *src)
{
    struct byteslist out = {0};
    for (size_t i = 0; i < src->n; i++) {
        uint8_t *p = arena_alloc(a, src->v[i].len + 1);
        if (!p)
            continue;
        memcpy(p, src->v[i].p, src->v[i].len);
        p[src->v[i].len] = 0;
        struct bytes b = {p, src->v[i].len};
        (void)ARENA_PUSH(a, out, b);
    }
    *dst = out;
}

static void cert_copy(struct arena *a, struct cert *dst, const struct cert *src)
{
    *dst = *src;
    dst->der.p = src->der.len ? arena_memdup(a, src->der.p, src->der.len) : NULL;
    if (!dst->der.p)
        dst->der.len = 0;
    dst->parse_error = dup_str(a, src->parse_error);
    dst->serial = dup_str(a, src->serial);
    dst->subject = dup_str(a, src->subject);
    dst->issuer = dup_str(a, src->issuer);
    dst->key_alg = dup_str(a, src->key_alg);
    dst->key_type = dup_str(a, src->key_type);
    dst->curve = dup_str(a, src->curve);
    dst->exponent = dup_str(a, src->exponent);
    dst->sig_alg = dup_str(a, src->sig_alg);
    dup_names(a, &dst->san_dns, &src->san_dns);
    dup_strs(a, &dst->san_ip, &src->san_ip);
    dup_names(a, &dst->san_email, &src->san_email);
    dup_names(a, &dst->san_uri, &src->san_uri);
    dup_strs(a, &dst->ext_key_usage, &src->ext_key_usage);
    dup_names(a, &dst->ocsp_urls, &src->ocsp_urls);
    dup_names(a, &dst->crl_urls, &src->crl_urls);
}

static void cache_put(struct certcache *cc, uint64_t hash, const struct cert *c)
{
    if (!c->der.len)
        return; /* nothing to know it by */
    if (cc->by_der.n >= CACHE_CERTS) {
        /* Full: start over rather than grow; memory stays bounded. The
         * new arena comes first: without one, the cache stays as it is
         * and this certificate is simply not kept. */
        struct arena *fresh = arena_new();
        if (!fresh)
            return;
        arena_free(cc->arena);
        cc->arena = fresh;
        hmap_clear(&cc->by_der);
    }
    struct cert *kept = arena_alloc(cc->arena, sizeof(*kept));
    if (!kept)
        return;
    cert_copy(cc->arena, kept, c);
    if (!kept->der.len || !hmap_put(&cc->by_der, hash, (uintptr_t)kept))
        return; /* no memory: the certificate is decoded again next time */
}

/* ---- decoding ---------------------------------------------------------------- */

static const char *bio_text(struct arena *a, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    return n >= 0 ? arena_strndup(a, data ? data : "", (size_t)n) : NULL;
}

static const char *name_text(struct arena *a, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    const char *s = NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
        s = bio_text(a, bio);
    BIO_free(bio);
    return s;
}

const char *x509_name_rfc2253(struct arena *a, struct cur der)
{
    const unsigned char *p = der.p;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)der.left);
    if (!name)
        return NULL;
    const char *s = name_text(a, name);
    X509_NAME_free(name);
    return s;
}

static bool asn1_time(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

/* Post-quantum algorithms newer than the OpenSSL we link (NIST CSOR). */
static const struct {
    const char *oid, *name;
} pq_algs[] = {
    {"2.16.840.1.101.3.4.3.17", "ML-DSA-44"},
    {"2.16.840.1.101.3.4.3.18", "ML-DSA-65"},
    {"2.16.840.1.101.3.4.3.19", "ML-DSA-87"},
    {"2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s"},
    {"2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f"},
    {"2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s"},
    {"2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f"},
    {"2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s"},
    {"2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f"},
    {"2.16.840.1.101.3.4.3.26", "SLH-DSA-SHAKE-128s"},
    {"2.16.840.1.101.3.4.3.27", "SLH-DSA-SHAKE-128f"},
    {"2.16.840.1.101.3.4.3.28", "SLH-DSA-SHAKE-192s"},
    {"2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f"},
    {"2.16.840.1.101.3.4.3.30", "SLH-DSA-SHAKE-256s"},
    {"2.16.840.1.101.3.4.3.31", "SLH-DSA-SHAKE-256f"},
    {"2.16.840.1.101.3.4.4.1", "ML-KEM-512"},
    {"2.16.840.1.101.3.4.4.2", "ML-KEM-768"},
    {"2.16.840.1.101.3.4.4.3", "ML-KEM-1024"},
};

static const char *obj_name(struct arena *a, const ASN1_OBJECT *obj, bool short_name)
{
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef)
        return arena_strdup(a, short_name ? OBJ_nid2sn(nid) : OBJ_nid2ln(nid));
    char buf[128];
    if (OBJ_obj2txt(buf, sizeof(buf), obj, 1) <= 0)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(pq_algs); i++)
        if (strcmp(buf, pq_algs[i].oid) == 0)
            return pq_algs[i].name;
    return arena_strdup(a, buf);
}

static const char *bn_text(struct arena *a, const BIGNUM *bn, bool hex)
{
    char *s = hex ? BN_bn2hex(bn) : BN_bn2dec(bn);
    if (!s)
        return NULL;
    const char *r = arena_strdup(a, s);
    OPENSSL_free(s);
    return r;
}

static void key_facts(struct arena *a, X509 *x, struct cert *c)
{
    X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT *alg = NULL;
    const unsigned char *key = NULL;
    int key_len = 0;
    if (xpk && X509_PUBKEY_get0_param(&alg, &key, &key_len, NULL, xpk) && alg)
        c->key_alg = obj_name(a, alg, false);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (!pk) {
        /* An algorithm OpenSSL does not know: its size is the key's. */
        c->key_type = c->key_alg;
        c->key_bits = key_len * 8;
        return;
    }
    c->key_bits = EVP_PKEY_get_bits(pk);
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: c->key_type = "rsa"; break;
    case EVP_PKEY_RSA_PSS: c->key_type = "rsa-pss"; break;
    case EVP_PKEY_DSA: c->key_type = "dsa"; break;
    case EVP_PKEY_EC: c->key_type = "ecdsa"; break;
    case EVP_PKEY_ED25519: c->key_type = "ed25519"; break;
    case EVP_PKEY_ED448: c->key_type = "ed448"; break;
    case EVP_PKEY_DH: c->key_type = "dh"; break;
    default: c->key_type = c->key_alg; break;
    }
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &glen))
        c->curve = arena_strdup(a, group);
    BIGNUM *e = NULL;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e)) {
        c->exponent = bn_text(a, e, false);
        BN_free(e);
    }
}

static void push(struct arena *a, struct strs *list, const char *s)
{
    if (s)
        (void)ARENA_PUSH(a, *list, s);
}

/* push_name - an IA5String name with all its bytes (a NUL included, which
 * sets nul_flag in c->nul_names). */
static void push_name(struct arena *a, struct cert *c, struct byteslist *list,
                      const ASN1_STRING *str, uint8_t nul_flag)
{
    size_t len = (size_t)ASN1_STRING_length(str);
    const unsigned char *data = ASN1_STRING_get0_data(str);
    uint8_t *p = arena_alloc(a, len + 1);
    if (!p)
        return;
    if (len)
        memcpy(p, data, len);
    p[len] = 0;
    if (memchr(p, 0, len))
        c->nul_names |= nul_flag;
    struct bytes b = {p, len};
    (void)ARENA_PUSH(a, *list, b);
}

/* name_has_nul - whether an attribute of a distinguished name holds a NUL
 * character (checked on its UTF-8 form: a BMPString's zero bytes are
 * ordinary characters' high bytes). */
static bool name_has_nul(const X509_NAME *name)
{
    for (int i = 0; name && i < X509_NAME_entry_count(name); i++) {
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        unsigned char *utf8 = NULL;
        int len = v ? ASN1_STRING_to_UTF8(&utf8, v) : -1;
        bool nul = len > 0 && memchr(utf8, 0, (size_t)len);
        OPENSSL_free(utf8);
        if (nul)
            return true;
    }
    return false;
}

static void san_facts(struct arena *a, X509 *x, struct cert *c)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        switch (g->type) {
        case GEN_DNS: push_name(a, c, &c->san_dns, g->d.dNSName, CERT_NUL_DNS); break;
        case GEN_EMAIL: push_name(a, c, &c->san_email, g->d.rfc822Name, CERT_NUL_EMAIL); break;
        case GEN_URI: push_name(a, c, &c->san_uri, g->d.uniformResourceIdentifier, CERT_NUL_URI); break;
        case GEN_IPADD: {
            char buf[INET6_ADDRSTRLEN];
            int len = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
            if ((len == 4 && inet_ntop(AF_INET, p, buf, sizeof(buf))) ||
                (len == 16 && inet_ntop(AF_INET6, p, buf, sizeof(buf))))
                push(a, &c->san_ip, arena_strdup(a, buf));
            break;
        }
        default: break;
        }
    }
    GENERAL_NAMES_free(names);
}

static void usage_facts(struct arena *a, X509 *x, struct cert *c)
{
    uint32_t flags = X509_get_extension_flags(x);
    c->proxy = (flags & EXFLAG_PROXY) != 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    c->path_len = -1;
    if (bc) {
        c->has_basic_constraints = true;
        c->ca = bc->ca != 0;
        if (bc->pathlen)
            c->path_len = (int)ASN1_INTEGER_get(bc->pathlen);
        BASIC_CONSTRAINTS_free(bc);
    }
    if (flags & EXFLAG_KUSAGE) {
        uint32_t ku = X509_get_key_usage(x);
        c->has_key_usage = true;
        if (ku & X509v3_KU_DIGITAL_SIGNATURE) c->key_usage |= CERT_KU_DIGITAL_SIGNATURE;
        if (ku & X509v3_KU_NON_REPUDIATION) c->key_usage |= CERT_KU_NON_REPUDIATION;
        if (ku & X509v3_KU_KEY_ENCIPHERMENT) c->key_usage |= CERT_KU_KEY_ENCIPHERMENT;
        if (ku & X509v3_KU_DATA_ENCIPHERMENT) c->key_usage |= CERT_KU_DATA_ENCIPHERMENT;
        if (ku & X509v3_KU_KEY_AGREEMENT) c->key_usage |= CERT_KU_KEY_AGREEMENT;
        if (ku & X509v3_KU_KEY_CERT_SIGN) c->key_usage |= CERT_KU_KEY_CERT_SIGN;
        if (ku & X509v3_KU_CRL_SIGN) c->key_usage |= CERT_KU_CRL_SIGN;
        if (ku & X509v3_KU_ENCIPHER_ONLY) c->key_usage |= CERT_KU_ENCIPHER_ONLY;
        if (ku & X509v3_KU_DECIPHER_ONLY) c->key_usage |= CERT_KU_DECIPHER_ONLY;
    }
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    if (eku) {
        c->has_ext_key_usage = true;
        for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
            push(a, &c->ext_key_usage, obj_name(a, sk_ASN1_OBJECT_value(eku, i), true));
        EXTENDED_KEY_USAGE_free(eku);
    }
}

static void url_facts(struct arena *a, X509 *x, struct cert *c)
{
    /* not X509_get1_ocsp(): it copies the URIs as C strings, cut at a NUL */
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location->type == GEN_URI)
            push_name(a, c, &c->ocsp_urls, ad->location->d.uniformResourceIdentifier, CERT_NUL_OCSP);
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    CRL_DIST_POINTS *cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    for (int i = 0; cdp && i < sk_DIST_POINT_num(cdp); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(cdp, i);
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(names, j);
            if (g->type == GEN_URI)
                push_name(a, c, &c->crl_urls, g->d.uniformResourceIdentifier, CERT_NUL_CRL);
        }
    }
    CRL_DIST_POINTS_free(cdp);
    STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, NULL, NULL);
    if (scts) {
        c->n_scts = (uint16_t)sk_SCT_num(scts);
        SCT_LIST_free(scts);
    }
}

static void decode(struct arena *a, X509 *x, struct cert *c)
{
    c->version = (int)X509_get_version(x) + 1;
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    if (bn) {
        /* zero as a byte, "00", the way OpenSSL and Zeek print serials */
        c->serial = BN_is_zero(bn) ? "00" : bn_text(a, bn, true);
        BN_free(bn);
    }
    c->subject = name_text(a, X509_get_subject_name(x));
    c->issuer = name_text(a, X509_get_issuer_name(x));
    if (name_has_nul(X509_get_subject_name(x)))
        c->nul_names |= CERT_NUL_SUBJECT;
    if (name_has_nul(X509_get_issuer_name(x)))
        c->nul_names |= CERT_NUL_ISSUER;
    c->has_validity = asn1_time(X509_get0_notBefore(x), &c->not_before) &&
                      asn1_time(X509_get0_notAfter(x), &c->not_after);
    const X509_ALGOR *sig = NULL;
    X509_get0_signature(NULL, &sig, x);
    if (sig) {
        const ASN1_OBJECT *obj = NULL;
        X509_ALGOR_get0(&obj, NULL, NULL, sig);
        if (obj)
            c->sig_alg = obj_name(a, obj, false);
    }
    key_facts(a, x, c);
    san_facts(a, x, c);
    usage_facts(a, x, c);
    url_facts(a, x, c);
    c->self_signed = X509_self_signed(x, 1) == 1;
}

/* true: the certificate was decoded before, and is copied from there */
static bool from_cache(struct dissect *d, struct arena *a, uint64_t hash, struct cur der, struct cert *out)
{
    const struct cert *hit = cache_find(d->certs, hash, der);
    if (!hit)
        return false;
    d->st.cert_cache_hits++;
    cert_copy(a, out, hit);
    return true;
}

void x509_decode(struct dissect *d, struct arena *a, struct cur der,
                 struct cert *out)
{
    memset(out, 0, sizeof(*out));
    out->path_len = -1;
    if (d->cfg.skip_certificates)
        return; /* nothing will read it: the chain keeps only its length */
    struct certcache *cc = d->certs;
    uint64_t hash = der_hash(cc, der);
    pthread_rwlock_rdlock(&cc->entries);
    bool found = from_cache(d, a, hash, der, out);
    pthread_rwlock_unlock(&cc->entries);
    if (found)
        return;
    /* held while decoding: a certificate is decoded once however many
     * threads meet it, and the counts do not depend on timing; so another
     * may have decoded it since the look above */
    pthread_rwlock_wrlock(&cc->entries);
    if (from_cache(d, a, hash, der, out)) {
        pthread_rwlock_unlock(&cc->entries);
        return;
    }
    d->st.certs_parsed++;
    uint8_t md[64]; /* a hit copies both from the cache */
    if (digest(DIGEST_SHA256, der.p, der.left, md) == 32)
        memcpy(out->sha256, md, 32);
    if (digest(DIGEST_SHA1, der.p, der.left, md) == 20)
        memcpy(out->sha1, md, 20);
    if (!store_bytes(a, der, &out->der))
        out->der.len = 0;
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.left);
    if (!x) {
        out->parse_error = "OpenSSL could not decode the certificate";
    } else {
        decode(a, x, out);
        X509_free(x);
    }
    ERR_clear_error();
    cache_put(cc, hash, out);
    pthread_rwlock_unlock(&cc->entries);
}

void ocsp_decode(struct arena *a, struct cur der, struct cert_status *out)
{
    const unsigned char *p = der.p;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)der.left);
    if (!resp) {
        out->response_status = "unparsable";
        ERR_clear_error();
        return;
    }
    out->response_status = OCSP_response_status_str(OCSP_response_status(resp));
    OCSP_BASICRESP *basic = OCSP_response_get1_basic(resp);
    if (basic) {
        (void)asn1_time(OCSP_resp_get0_produced_at(basic), &out->produced_at);
        OCSP_SINGLERESP *single = OCSP_resp_get0(basic, 0);
        if (single) {
            int reason = 0;
            ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
            int status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
            out->cert_status = OCSP_cert_status_str(status);
            (void)asn1_time(thisupd, &out->this_update);
            (void)asn1_time(nextupd, &out->next_update);
        }
        OCSP_BASICRESP_free(basic);
    }
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    (void)a;
}
