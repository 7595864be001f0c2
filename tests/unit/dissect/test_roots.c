/* The system's trust store with its roots decoded as chains ask for
 * them: the subject read from a certificate's DER matches OpenSSL's for
 * every test certificate, a v1 certificate and long-form lengths, and
 * nothing is read from a truncated or malformed DER; a bundle's roots
 * (plain and TRUSTED CERTIFICATE blocks, keys skipped) verify chains
 * as OpenSSL's own loading does, each decoded only when a chain names
 * it, on two threads at once too. The same for a --ca-file's store,
 * which also says which block of the file it cannot read, and for roots
 * found only in the hashed directory (SSL_CERT_DIR). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "dissect/x509/x509.h"
#include "tests/unit/builder.h"

static const char *const pki_certs[] = {
    "traces/pki/ca.pem",          "traces/pki/client.pem",        "traces/pki/inter.pem",
    "traces/pki/ocsp-leaf.pem",   "traces/pki/proxy.pem",         "traces/pki/public-root.pem",
    "traces/pki/rogue.pem",       "traces/pki/server-dsa.pem",    "traces/pki/server-ecdsa.pem",
    "traces/pki/server-idn.pem",  "traces/pki/server-nul.pem",    "traces/pki/server-rsa-pss.pem",
    "traces/pki/long-validity.pem",
};

static X509 *decoded(const uint8_t *der, size_t n)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    assert_non_null(x);
    return x;
}

static void subject_is_openssls(void **state)
{
    (void)state;
    static uint8_t der[8192];
    for (size_t i = 0; i < sizeof(pki_certs) / sizeof(pki_certs[0]); i++) {
        size_t n = read_cert_der(pki_certs[i], der, sizeof(der));
        X509 *x = decoded(der, n);
        X509_NAME *name = bundle_subject(der, n);
        assert_non_null(name);
        assert_int_equal(X509_NAME_cmp(name, X509_get_subject_name(x)), 0);
        /* and not the issuer, for the certificates issued by another */
        if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) != 0)
            assert_int_not_equal(X509_NAME_cmp(name, X509_get_issuer_name(x)), 0);
        X509_NAME_free(name);
        X509_free(x);
    }
}

/* A v1 certificate (no version field) whose names need two-byte lengths. */
static size_t v1_certificate(uint8_t *out, size_t cap, X509 **made)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(key);
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_1), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
    char unit[61];
    memset(unit, 'a', 60);
    unit[60] = 0;
    X509_NAME *subject = X509_NAME_new(), *issuer = X509_NAME_new();
    for (int i = 0; i < 6; i++) /* over 255 bytes */
        assert_int_equal(X509_NAME_add_entry_by_txt(subject, "OU", MBSTRING_ASC, (const unsigned char *)unit, -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC, (const unsigned char *)"issuer", -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, subject), 1);
    assert_int_equal(X509_set_issuer_name(x, issuer), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    int n = i2d_X509(x, NULL);
    assert_true(n > 0 && (size_t)n <= cap);
    unsigned char *p = out;
    assert_int_equal(i2d_X509(x, &p), n);
    X509_NAME_free(subject);
    X509_NAME_free(issuer);
    EVP_PKEY_free(key);
    *made = x;
    return (size_t)n;
}

static void subject_of_v1_with_long_names(void **state)
{
    (void)state;
    uint8_t der[2048];
    X509 *x;
    size_t n = v1_certificate(der, sizeof(der), &x);
    assert_int_equal(X509_get_version(x), X509_VERSION_1);
    assert_true(i2d_X509_NAME(X509_get_subject_name(x), NULL) > 258);
    X509_NAME *name = bundle_subject(der, n);
    assert_non_null(name);
    assert_int_equal(X509_NAME_cmp(name, X509_get_subject_name(x)), 0);
    X509_NAME_free(name);
    X509_free(x);
}

static void malformed_der_gives_no_subject(void **state)
{
    (void)state;
    static uint8_t der[8192], bad[8192];
    size_t n = read_cert_der("traces/pki/server-ecdsa.pem", der, sizeof(der));
    for (size_t len = 0; len < n; len++)
        assert_null(bundle_subject(der, len));
    assert_int_equal(der[1], 0x82); /* the outer length takes two octets */
    memcpy(bad, der, n);
    bad[1] = 0x80; /* indefinite: not DER */
    assert_null(bundle_subject(bad, n));
    bad[1] = 0x85; /* more octets of length than anything here can have */
    assert_null(bundle_subject(bad, n));
    memcpy(bad, der, n);
    bad[0] = 0x1f; /* a tag in the high-number form */
    assert_null(bundle_subject(bad, n));
    /* the TBS claiming more than the certificate holds */
    memcpy(bad, der, n);
    assert_int_equal(bad[4], 0x30);
    assert_int_equal(bad[5], 0x82);
    bad[6] = der[2];
    bad[7] = der[3];
    assert_null(bundle_subject(bad, n));
    /* a TBS that ends before its subject */
    static const uint8_t short_tbs[] = {0x30, 0x08, 0x30, 0x06, 0x02, 0x01, 0x01, 0x30, 0x01, 0x00};
    assert_null(bundle_subject(short_tbs, sizeof(short_tbs)));
}

/* ---- the store --------------------------------------------------------------------- */

static char dir[64], bundle[96];

enum settings { PLAIN, TRUSTED, REJECTED };

static void append_pem(FILE *out, const char *relpath, enum settings settings)
{
    static uint8_t der[8192];
    size_t n = read_cert_der(relpath, der, sizeof(der));
    X509 *x = decoded(der, n);
    ASN1_OBJECT *any_use = OBJ_nid2obj(NID_anyExtendedKeyUsage);
    if (settings == TRUSTED)
        assert_int_equal(X509_add1_trust_object(x, any_use), 1);
    if (settings == REJECTED)
        assert_int_equal(X509_add1_reject_object(x, any_use), 1);
    assert_int_equal(settings == PLAIN ? PEM_write_X509(out, x) : PEM_write_X509_AUX(out, x), 1);
    X509_free(x);
}

/* A bundle of the test CA (a TRUSTED CERTIFICATE trusted for any use), a
 * private key that is no root, the stand-in public root rejected for
 * any use (chains to it fail: the trust settings are read) and a plain
 * root; an empty directory. */
/* A new directory, where OpenSSL is told the system's roots are, and
 * its bundle, open for writing; NULL when they cannot be made. */
static FILE *new_roots_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/tlsscope-roots-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    snprintf(bundle, sizeof(bundle), "%s/bundle.pem", dir);
    setenv("SSL_CERT_FILE", bundle, 1);
    setenv("SSL_CERT_DIR", dir, 1);
    return fopen(bundle, "w");
}

static int make_bundle(void **state)
{
    (void)state;
    FILE *out = new_roots_dir();
    if (!out)
        return -1;
    append_pem(out, "traces/pki/ca.pem", TRUSTED);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    PEM_write_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL);
    EVP_PKEY_free(key);
    append_pem(out, "traces/pki/public-root.pem", REJECTED);
    append_pem(out, "traces/pki/rogue.pem", PLAIN);
    fclose(out);
    return 0;
}

static int remove_bundle(void **state)
{
    (void)state;
    unlink(bundle);
    rmdir(dir);
    return 0;
}

static bool verifies(X509_STORE *store, const char *leaf_path)
{
    static _Thread_local uint8_t der[8192];
    size_t n = read_cert_der(leaf_path, der, sizeof(der));
    X509 *leaf = decoded(der, n);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_free(leaf);
    return ok;
}

static int objects(X509_STORE *store)
{
    return sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
}

static void roots_are_decoded_when_asked_for(void **state)
{
    (void)state;
    X509_STORE *store = roots_system_store();
    assert_non_null(store);
    assert_int_equal(objects(store), 0);
    assert_true(verifies(store, "traces/pki/server-rsa.pem"));
    assert_int_equal(objects(store), 1); /* the CA, not the other root */
    assert_true(verifies(store, "traces/pki/server-ecdsa.pem"));
    assert_int_equal(objects(store), 1);
    assert_false(verifies(store, "traces/pki/long-validity.pem"));
    assert_int_equal(objects(store), 2);
    assert_true(verifies(store, "traces/pki/rogue.pem"));
    assert_int_equal(objects(store), 3);
    X509_STORE_free(store);
}

/* The same verdicts as OpenSSL's own loading of the same bundle. */
static void verdicts_are_openssls(void **state)
{
    (void)state;
    X509_STORE *lazy = roots_system_store(), *loaded = X509_STORE_new();
    assert_non_null(lazy);
    assert_non_null(loaded);
    assert_int_equal(X509_STORE_set_default_paths(loaded), 1);
    for (size_t i = 0; i < sizeof(pki_certs) / sizeof(pki_certs[0]); i++)
        assert_int_equal(verifies(lazy, pki_certs[i]), verifies(loaded, pki_certs[i]));
    X509_STORE_free(lazy);
    X509_STORE_free(loaded);
}

static void *verify_both(void *store)
{
    for (int i = 0; i < 50; i++)
        if (!verifies(store, "traces/pki/server-rsa.pem") || verifies(store, "traces/pki/long-validity.pem"))
            return "a verdict was not the one alone";
    return NULL;
}

/* Two threads verify against one store at once, each with the verdicts
 * one alone would have. */
static void verify_on_two_threads(X509_STORE *store)
{
    assert_non_null(store);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, verify_both, store), 0);
    for (int i = 0; i < 2; i++) {
        void *failed;
        assert_int_equal(pthread_join(t[i], &failed), 0);
        assert_null(failed);
    }
}

static void two_threads_share_a_store(void **state)
{
    (void)state;
    X509_STORE *store = roots_system_store();
    verify_on_two_threads(store);
    assert_int_equal(objects(store), 2);
    X509_STORE_free(store);
}

/* --ca-file: the same verdicts as X509_STORE_load_file's store of the
 * same file, each CA decoded only when a chain names it. */
static void file_store_verdicts_are_openssls(void **state)
{
    (void)state;
    char why[128] = "";
    X509_STORE *lazy = roots_file_store(bundle, why, sizeof(why)), *loaded = X509_STORE_new();
    assert_non_null(lazy);
    assert_non_null(loaded);
    assert_int_equal(X509_STORE_load_file(loaded, bundle), 1);
    assert_int_equal(objects(lazy), 0);
    assert_true(verifies(lazy, "traces/pki/server-rsa.pem"));
    assert_int_equal(objects(lazy), 1);
    for (size_t i = 0; i < sizeof(pki_certs) / sizeof(pki_certs[0]); i++)
        assert_int_equal(verifies(lazy, pki_certs[i]), verifies(loaded, pki_certs[i]));
    X509_STORE_free(lazy);
    X509_STORE_free(loaded);
}

static void write_file(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

/* Refused, with the reason: a file of no certificate, one with a
 * certificate block that does not decode or is cut short (the blocks
 * before it readable), and one that cannot be read. */
static void file_store_says_what_it_cannot_read(void **state)
{
    (void)state;
    char path[128], why[128];
    snprintf(path, sizeof(path), "%s/other.pem", dir);
    static const char *const refused[][2] = {
        {"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
         "no PEM certificates in it"},
        {"not PEM at all\n", "no PEM certificates in it"},
        {"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n-----END CERTIFICATE-----\n",
         "PEM block 1 is not a certificate OpenSSL can read"},
        {"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBBQUAMA0xCzAJBgNVBAYTAlVT\n",
         "PEM block 1 is not a certificate OpenSSL can read"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        write_file(path, refused[i][0]);
        why[0] = 0;
        assert_null(roots_file_store(path, why, sizeof(why)));
        assert_string_equal(why, refused[i][1]);
    }
    /* after a good certificate, the broken one is the second block */
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    append_pem(out, "traces/pki/ca.pem", PLAIN);
    fputs(refused[2][0], out);
    fclose(out);
    assert_null(roots_file_store(path, why, sizeof(why)));
    assert_string_equal(why, "PEM block 2 is not a certificate OpenSSL can read");
    unlink(path);
    assert_null(roots_file_store(path, why, sizeof(why)));
    assert_string_equal(why, "cannot be read");
}

static void two_threads_share_a_file_store(void **state)
{
    (void)state;
    char why[128];
    X509_STORE *store = roots_file_store(bundle, why, sizeof(why));
    verify_on_two_threads(store);
    X509_STORE_free(store);
}

/* SSL_CERT_DIR: the test CA only in a hashed directory (as c_rehash
 * names it), the bundle holding another root. */
static char hashed[128];

static int make_hashed_dir(void **state)
{
    (void)state;
    FILE *out = new_roots_dir();
    if (!out)
        return -1;
    append_pem(out, "traces/pki/rogue.pem", PLAIN);
    fclose(out);
    static uint8_t der[8192];
    size_t n = read_cert_der("traces/pki/ca.pem", der, sizeof(der));
    X509 *x = decoded(der, n);
    snprintf(hashed, sizeof(hashed), "%s/%08lx.0", dir, X509_subject_name_hash(x));
    out = fopen(hashed, "w");
    bool written = out && PEM_write_X509(out, x) == 1;
    if (out)
        fclose(out);
    X509_free(x);
    return written ? 0 : -1;
}

static int remove_hashed_dir(void **state)
{
    unlink(hashed);
    return remove_bundle(state);
}

static void hashed_directory_is_read_as_openssl_reads_it(void **state)
{
    (void)state;
    X509_STORE *lazy = roots_system_store(), *loaded = X509_STORE_new();
    assert_non_null(lazy);
    assert_non_null(loaded);
    assert_int_equal(X509_STORE_set_default_paths(loaded), 1);
    assert_true(verifies(lazy, "traces/pki/server-rsa.pem"));
    assert_int_equal(objects(lazy), 1); /* the CA, from the directory */
    for (size_t i = 0; i < sizeof(pki_certs) / sizeof(pki_certs[0]); i++)
        assert_int_equal(verifies(lazy, pki_certs[i]), verifies(loaded, pki_certs[i]));
    X509_STORE_free(lazy);
    X509_STORE_free(loaded);
}

/* OpenSSL's directory lookup added the CA to the shared store with its
 * extensions uncached, and ThreadSanitizer saw the two threads race on
 * its key identifier in every run; a fresh store each round, so that
 * each round loads it anew. */
static void two_threads_share_the_hashed_directory(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        X509_STORE *store = roots_system_store();
        verify_on_two_threads(store);
        X509_STORE_free(store);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subject_is_openssls),
        cmocka_unit_test(subject_of_v1_with_long_names),
        cmocka_unit_test(malformed_der_gives_no_subject),
        cmocka_unit_test_setup_teardown(roots_are_decoded_when_asked_for, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(verdicts_are_openssls, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(two_threads_share_a_store, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(file_store_verdicts_are_openssls, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(file_store_says_what_it_cannot_read, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(two_threads_share_a_file_store, make_bundle, remove_bundle),
        cmocka_unit_test_setup_teardown(hashed_directory_is_read_as_openssl_reads_it, make_hashed_dir,
                                        remove_hashed_dir),
        cmocka_unit_test_setup_teardown(two_threads_share_the_hashed_directory, make_hashed_dir,
                                        remove_hashed_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
