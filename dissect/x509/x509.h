#pragma once

/* Certificates (dissect/x509/): X.509 and OCSP decoding with OpenSSL,
 * a cache of decoded certificates shared by -j trackers, and the trust
 * store. Private to dissect/. */

#include "include/arena.h"
#include "include/cur.h"
#include "include/session.h"

#include <openssl/types.h>

struct dissect;
struct certcache;
struct trust;

/* ---- x509.c / certcache --------------------------------------------------- */

struct certcache *certcache_new(void);
/* certcache_ref - one more owner (trackers of one capture share a cache). */
struct certcache *certcache_ref(struct certcache *cc);
void certcache_free(struct certcache *cc);
/* x509_decode - decode DER into out (strings in arena a); a certificate
 * OpenSSL cannot parse gets parse_error set and its hashes still filled.
 * With the dissector's skip_certificates, out is left empty. */
void x509_decode(struct dissect *d, struct arena *a, struct cur der,
                 struct cert *out);
/* x509_name_rfc2253 - a DER Name (from a CertificateRequest) as text. */
const char *x509_name_rfc2253(struct arena *a, struct cur der);
/* ocsp_decode - facts of a stapled OCSP response. */
void ocsp_decode(struct arena *a, struct cur der, struct cert_status *out);

/* ---- trust.c --------------------------------------------------------------- */

/* trust_check - fill in c->trusted and c->public_root. */
void trust_check(struct dissect *d, struct session *s, struct chain *c);
void trust_free(struct trust *t);

/* ---- roots.c ---------------------------------------------------------------- */

/* roots_system_store - OpenSSL's default trust store (SSL_CERT_FILE and
 * SSL_CERT_DIR as it reads them), the bundle's certificates decoded when
 * a chain asks for their subject; NULL without memory. */
X509_STORE *roots_system_store(void);
/* roots_file_store - a store of the certificates in a PEM file (CRLs and
 * keys skipped), each decoded when a chain asks for its subject; NULL
 * with the reason in why when it holds none, or a block that is not a
 * certificate OpenSSL can read. */
X509_STORE *roots_file_store(const char *path, char *why, size_t whylen);
/* bundle_subject - the subject Name of a certificate's DER, decoded on
 * its own (the caller frees it); NULL when the DER is not shaped so. */
X509_NAME *bundle_subject(const unsigned char *der, size_t len);
