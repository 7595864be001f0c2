/* IBM MQ CipherSpecs and the channel-name SNI mapping, from IBM's
 * documentation as summarised in the project's MQ reference notes. */
#include "dissect/mq/mq.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "include/session.h"
#include "include/status.h"

const struct mq_cipherspec mq_cipherspecs[] = {
    /* enabled by default, in MQ's default preference order */
    {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, VER_TLS13, MQ_KEY_ANY, false},
    {"TLS_AES_256_GCM_SHA384", 0x1302, VER_TLS13, MQ_KEY_ANY, false},
    {"TLS_AES_128_GCM_SHA256", 0x1301, VER_TLS13, MQ_KEY_ANY, false},
    {"TLS_AES_128_CCM_SHA256", 0x1304, VER_TLS13, MQ_KEY_ANY, false},
    {"TLS_AES_128_CCM_8_SHA256", 0x1305, VER_TLS13, MQ_KEY_ANY, false},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, VER_TLS12, MQ_KEY_RSA, false},
    {"ECDHE_ECDSA_AES_256_GCM_SHA384", 0xc02c, VER_TLS12, MQ_KEY_ECDSA, false},
    {"ECDHE_RSA_AES_256_GCM_SHA384", 0xc030, VER_TLS12, MQ_KEY_RSA, false},
    {"TLS_RSA_WITH_AES_256_CBC_SHA256", 0x003d, VER_TLS12, MQ_KEY_RSA, false},
    {"ECDHE_ECDSA_AES_256_CBC_SHA384", 0xc024, VER_TLS12, MQ_KEY_ECDSA, false},
    {"ECDHE_RSA_AES_256_CBC_SHA384", 0xc028, VER_TLS12, MQ_KEY_RSA, false},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009c, VER_TLS12, MQ_KEY_RSA, false},
    {"ECDHE_ECDSA_AES_128_GCM_SHA256", 0xc02b, VER_TLS12, MQ_KEY_ECDSA, false},
    {"ECDHE_RSA_AES_128_GCM_SHA256", 0xc02f, VER_TLS12, MQ_KEY_RSA, false},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003c, VER_TLS12, MQ_KEY_RSA, false},
    {"ECDHE_ECDSA_AES_128_CBC_SHA256", 0xc023, VER_TLS12, MQ_KEY_ECDSA, false},
    {"ECDHE_RSA_AES_128_CBC_SHA256", 0xc027, VER_TLS12, MQ_KEY_RSA, false},
    /* deprecated: MQ names some SHA-1 suites "..._SHA256" */
    {"ECDHE_ECDSA_3DES_EDE_CBC_SHA256", 0xc008, VER_TLS12, MQ_KEY_ECDSA, true},
    {"ECDHE_ECDSA_RC4_128_SHA256", 0xc007, VER_TLS12, MQ_KEY_ECDSA, true},
    {"ECDHE_ECDSA_NULL_SHA256", 0xc006, VER_TLS12, MQ_KEY_ECDSA, true},
    {"ECDHE_RSA_3DES_EDE_CBC_SHA256", 0xc012, VER_TLS12, MQ_KEY_RSA, true},
    {"ECDHE_RSA_RC4_128_SHA256", 0xc011, VER_TLS12, MQ_KEY_RSA, true},
    {"ECDHE_RSA_NULL_SHA256", 0xc010, VER_TLS12, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_NULL_SHA256", 0x003b, VER_TLS12, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_RC4_128_SHA256", 0x0005, VER_TLS12, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, VER_TLS10, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", 0x002f, VER_TLS10, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000a, VER_TLS10, MQ_KEY_RSA, true},
    {"TLS_RSA_WITH_DES_CBC_SHA", 0x0009, VER_TLS10, MQ_KEY_RSA, true},
    {"TRIPLE_DES_SHA_US", 0x000a, VER_SSL3, MQ_KEY_RSA, true},
    {"RC4_SHA_US", 0x0005, VER_SSL3, MQ_KEY_RSA, true},
    {"RC4_MD5_US", 0x0004, VER_SSL3, MQ_KEY_RSA, true},
    {"RC4_MD5_EXPORT", 0x0003, VER_SSL3, MQ_KEY_RSA, true},
    {"RC2_MD5_EXPORT", 0x0006, VER_SSL3, MQ_KEY_RSA, true},
    {"DES_SHA_EXPORT", 0x0009, VER_SSL3, MQ_KEY_RSA, true},
    {"DES_SHA_EXPORT1024", 0x0062, VER_SSL3, MQ_KEY_RSA, true},
    {"RC4_56_SHA_EXPORT1024", 0x0064, VER_SSL3, MQ_KEY_RSA, true},
    {"NULL_MD5", 0x0001, VER_SSL3, MQ_KEY_RSA, true},
    {"NULL_SHA", 0x0002, VER_SSL3, MQ_KEY_RSA, true},
    {"FIPS_WITH_DES_CBC_SHA", 0xfefe, VER_SSL3, MQ_KEY_RSA, true},
    {"FIPS_WITH_3DES_EDE_CBC_SHA", 0xfeff, VER_SSL3, MQ_KEY_RSA, true},
};
const size_t mq_n_cipherspecs = ARRAY_LEN(mq_cipherspecs);

const struct mq_cipherspec *mq_cipherspec_find(uint16_t version, uint32_t code)
{
    for (size_t i = 0; i < ARRAY_LEN(mq_cipherspecs); i++)
        if (mq_cipherspecs[i].code == code && mq_cipherspecs[i].version == version)
            return &mq_cipherspecs[i];
    return NULL;
}

const struct mq_cipherspec *mq_cipherspec_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(mq_cipherspecs); i++)
        if (strcasecmp(mq_cipherspecs[i].name, name) == 0)
            return &mq_cipherspecs[i];
    return NULL;
}

static const struct {
    const char *name;
    uint16_t min, max; /* protocol versions admitted */
} mq_lists[] = {
    {"ANY", VER_SSL3, VER_TLS13},
    {"ANY_TLS12", VER_TLS12, VER_TLS12},
    {"ANY_TLS12_OR_HIGHER", VER_TLS12, 0xffff},
    {"ANY_TLS13", VER_TLS13, VER_TLS13},
    {"ANY_TLS13_OR_HIGHER", VER_TLS13, 0xffff},
};

bool mq_sslciph_is_list(const char *sslciph)
{
    for (size_t i = 0; i < ARRAY_LEN(mq_lists); i++)
        if (strcasecmp(mq_lists[i].name, sslciph) == 0)
            return true;
    return false;
}

bool mq_sslciph_accepts(const char *sslciph, uint16_t version, uint32_t code,
                        bool *known)
{
    *known = true;
    const struct mq_cipherspec *negotiated = mq_cipherspec_find(version, code);
    for (size_t i = 0; i < ARRAY_LEN(mq_lists); i++)
        if (strcasecmp(mq_lists[i].name, sslciph) == 0)
            return negotiated && version >= mq_lists[i].min && version <= mq_lists[i].max;
    const struct mq_cipherspec *want = mq_cipherspec_by_name(sslciph);
    if (!want) {
        *known = false;
        return false;
    }
    return negotiated == want;
}

static const char suffix[] = ".chl.mq.ibm.com";

static bool legal_channel_char(int c)
{
    return isalnum(c) || c == '.' || c == '/' || c == '_' || c == '%';
}

bool mq_sni_encode(const char *channel, char *out, size_t outlen)
{
    size_t n = strlen(channel), o = 0;
    if (n == 0 || n > MQ_CHANNEL_MAX || outlen < n * 3 + sizeof(suffix))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)channel[i];
        if (c >= 'A' && c <= 'Z')
            out[o++] = (char)(c - 'A' + 'a');
        else if (c >= '0' && c <= '9')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outlen - o, "%02x-", c);
    }
    snprintf(out + o, outlen - o, "%s", suffix);
    return true;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool mq_sni_decode(const uint8_t *sni, size_t len, char *out, bool *canonical)
{
    size_t slen = sizeof(suffix) - 1;
    *canonical = false;
    if (len <= slen || strncasecmp((const char *)&sni[len - slen], suffix, slen) != 0)
        return false;
    size_t label = len - slen, o = 0;
    for (size_t i = 0; i < label;) {
        if (o >= MQ_CHANNEL_MAX)
            return false;
        int c = sni[i];
        if (i + 2 < label && sni[i + 2] == '-' && hexval(c) >= 0 &&
            hexval(sni[i + 1]) >= 0) {
            out[o++] = (char)(hexval(c) * 16 + hexval(sni[i + 1]));
            i += 3;
        } else if (isalpha(c)) {
            out[o++] = (char)toupper(c);
            i++;
        } else if (isdigit(c)) {
            out[o++] = (char)c;
            i++;
        } else {
            return false;
        }
    }
    out[o] = 0;
    if (o == 0)
        return false;
    for (size_t i = 0; i < o; i++)
        if (!legal_channel_char((unsigned char)out[i]))
            return false;
    char again[MQ_CHANNEL_MAX * 3 + sizeof(suffix)];
    *canonical = mq_sni_encode(out, again, sizeof(again)) &&
                 strlen(again) == len && strncasecmp(again, (const char *)sni, len) == 0;
    return true;
}
