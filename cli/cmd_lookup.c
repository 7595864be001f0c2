/* tlsscope cipher and tlsscope mq-sni: offline lookups. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "include/session.h"

static const char cipher_usage[] =
    "usage: tlsscope cipher NAME|0xHHHH|DECIMAL\n"
    "\n"
    "Look up a cipher suite by IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),\n"
    "OpenSSL name (ECDHE-RSA-AES128-GCM-SHA256), IBM MQ CipherSpec name\n"
    "(ECDHE_RSA_AES_128_GCM_SHA256) or code (0xc02f, 49199) and print its IANA\n"
    "and OpenSSL names and code, the MQ CipherSpec(s) for it, the key exchange,\n"
    "authentication, bulk cipher and MAC, and the lowest TLS version it can be\n"
    "used with. An MQ list name (ANY_TLS12_OR_HIGHER, ANY_TLS13...) lists the\n"
    "CipherSpecs it admits. Exit status 0 when found, 3 when unknown, 2 on usage\n"
    "errors.\n";

static const char mq_sni_usage[] =
    "usage: tlsscope mq-sni CHANNEL|SNI\n"
    "\n"
    "IBM MQ clients put the target channel name, escaped, into the TLS\n"
    "server_name as <escaped-channel>.chl.mq.ibm.com (upper-case letters become\n"
    "lower case, digits stay, every other character becomes two hex digits and a\n"
    "'-'). Given a channel name, print the SNI; given such an SNI, print the\n"
    "channel. Exit status 0 on success, 3 when the value cannot be converted.\n";

static const char *kx_name(uint8_t kx)
{
    static const char *const n[] = {"NULL", "RSA", "DH", "DHE", "ECDH", "ECDHE",
                                    "PSK", "SRP", "KRB5", "TLS 1.3 (any)",
                                    "signalling value", "other"};
    return kx < ARRAY_LEN(n) ? n[kx] : "?";
}

static const char *auth_name(uint8_t auth)
{
    static const char *const n[] = {"none", "RSA", "DSS", "ECDSA", "anonymous",
                                    "PSK", "KRB5", "certificate (any)", "other"};
    return auth < ARRAY_LEN(n) ? n[auth] : "?";
}

static bool parse_code(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || end == s || v > 0xffffff)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void print_mq(uint32_t code)
{
    char ver[REG_LABEL_LEN];
    bool any = false;
    for (size_t i = 0; i < mq_n_cipherspecs; i++) {
        const struct mq_cipherspec *m = &mq_cipherspecs[i];
        if (m->code != code)
            continue;
        printf("%-12s%s (%s%s)\n", any ? "" : "MQ", m->name,
               registry_version_label(m->version, ver),
               m->deprecated ? ", deprecated: needs AllowWeakCipherSpec or an older protocol re-enabled" : "");
        any = true;
    }
    if (!any)
        printf("%-12s(no IBM MQ CipherSpec)\n", "MQ");
}

/* An SSLCIPH list value: the CipherSpecs it admits, by protocol. */
static int mq_list(const char *list)
{
    char ver[REG_LABEL_LEN];
    printf("%-12s%s (an IBM MQ list value: the CipherSpecs it admits, deprecated ones only once re-enabled)\n",
           "MQ list", list);
    for (size_t i = 0; i < mq_n_cipherspecs; i++) {
        const struct mq_cipherspec *m = &mq_cipherspecs[i];
        bool known;
        if (!mq_sslciph_accepts(list, m->version, m->code, &known))
            continue;
        const struct cipher_info *ci = registry_cipher(m->code);
        printf("%-12s%-34s %-8s %s%s\n", "", m->name, registry_version_label(m->version, ver),
               ci ? ci->name : "", m->deprecated ? " (deprecated)" : "");
    }
    return EXIT_OK;
}

int cmd_cipher(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        bool help = argc == 2;
        fputs(cipher_usage, help ? stdout : stderr);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (!arg[0]) {
        cli_error("cipher: an empty name (try 'tlsscope cipher --help')");
        return EXIT_USAGE;
    }
    if (mq_sslciph_is_list(arg))
        return mq_list(arg);
    uint32_t code;
    const struct cipher_info *ci = NULL;
    if (parse_code(arg, &code)) {
        ci = registry_cipher(code);
    } else if ((ci = registry_cipher_by_name(arg)) == NULL) {
        const struct mq_cipherspec *m = mq_cipherspec_by_name(arg);
        if (m)
            ci = registry_cipher(m->code);
        else if (strncasecmp(arg, "SSL_", 4) == 0) {
            char tls[128];
            snprintf(tls, sizeof(tls), "TLS_%s", arg + 4);
            ci = registry_cipher_by_name(tls);
        }
    }
    if (!ci) {
        const char *v2 = parse_code(arg, &code) ? registry_sslv2_cipher_name(code) : NULL;
        if (v2) {
            printf("%-12s%s\n%-12s0x%06x (%u)\n%-12sSSL 2.0 only\n", "name", v2,
                   "code", code, code, "protocol");
            return EXIT_OK;
        }
        cli_error("cipher: '%s' is not a known cipher suite name, MQ CipherSpec or code", arg);
        return EXIT_INPUT;
    }
    printf("%-12s%s\n", "name", ci->name);
    const char *ossl = registry_openssl_cipher_name(ci->code);
    printf("%-12s%s\n", "OpenSSL", ossl ? ossl : "(not in this OpenSSL)");
    printf("%-12s0x%04x (%u)\n", "code", ci->code, ci->code);
    print_mq(ci->code);
    if (ci->flags & CF_SCSV) {
        printf("%-12ssignalling value, not a cipher suite\n", "kind");
        return EXIT_OK;
    }
    printf("%-12s%s\n", "key exch.", kx_name(ci->kx));
    printf("%-12s%s\n", "auth", auth_name(ci->auth));
    printf("%-12s%s\n", "cipher", ci->enc[0] ? ci->enc : "?");
    printf("%-12s%s\n", "mac/prf", ci->mac[0] ? ci->mac : "?");
    printf("%-12s%s\n", "protocol",
           (ci->flags & CF_TLS13) ? "TLS 1.3 only"
           : (ci->flags & CF_TLS12) ? "TLS 1.2 (not usable in TLS 1.3)"
                                    : "SSL 3.0 - TLS 1.2 (not usable in TLS 1.3)");
    char notes[256] = "";
    if (ci->flags & CF_PFS) strcat(notes, " forward-secrecy");
    if (ci->flags & CF_AEAD) strcat(notes, " AEAD");
    if (ci->flags & CF_CBC) strcat(notes, " CBC");
    if (ci->flags & CF_NULL) strcat(notes, " NO-ENCRYPTION");
    if (ci->flags & CF_EXPORT) strcat(notes, " EXPORT-GRADE");
    if (ci->flags & CF_RC4) strcat(notes, " RC4");
    if (ci->flags & CF_WEAK_BLOCK) strcat(notes, " weak-block-cipher");
    if (ci->flags & CF_ANON) strcat(notes, " UNAUTHENTICATED");
    if (notes[0])
        printf("%-12s%s\n", "notes", notes + 1);
    return EXIT_OK;
}

int cmd_mq_sni(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        bool help = argc == 2;
        fputs(mq_sni_usage, help ? stdout : stderr);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    const char *arg = argv[1];
    size_t n = strlen(arg);
    static const char suffix[] = ".chl.mq.ibm.com";
    if (n > sizeof(suffix) - 1 && strcasecmp(arg + n - (sizeof(suffix) - 1), suffix) == 0) {
        char channel[MQ_CHANNEL_MAX + 1];
        bool canonical;
        if (!mq_sni_decode((const uint8_t *)arg, n, channel, &canonical)) {
            cli_error("mq-sni: '%s' is not an SNI an MQ client produces", arg);
            return EXIT_INPUT;
        }
        printf("%s\n", channel);
        if (!canonical)
            cli_error("warning: an MQ client would write this channel as a different SNI");
        return EXIT_OK;
    }
    char sni[128];
    if (!mq_sni_encode(arg, sni, sizeof(sni))) {
        cli_error("mq-sni: '%s' is not a channel name (1 to %d characters)", arg,
                  MQ_CHANNEL_MAX);
        return EXIT_INPUT;
    }
    printf("%s\n", sni);
    return EXIT_OK;
}
