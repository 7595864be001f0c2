#include "dissect/registry/registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "include/session.h"
#include "include/status.h"

/* The tables most looked up, a few times per offered code of every hello,
 * are found through an index made once: with bsearch, finding the
 * offered suites was a tenth of the rules' time. A place per 16-bit code
 * (the entry's place plus one, 0 for none), static: only the pages of
 * the few high bytes a table uses are ever written, the rest read as the
 * zero page. */
enum indexed_table { IX_CIPHERS, IX_EXTENSIONS, IX_GROUPS, IX_SIGSCHEMES, IX_COUNT };

static uint16_t index_of[IX_COUNT][65536];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void index_names(enum indexed_table t, const struct code_name *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        index_of[t][v[i].code] = (uint16_t)(i + 1);
}

static void build_index(void)
{
    for (size_t i = 0; i < registry_n_ciphers; i++)
        index_of[IX_CIPHERS][registry_ciphers[i].code] = (uint16_t)(i + 1);
    index_names(IX_EXTENSIONS, registry_extensions, registry_n_extensions);
    index_names(IX_GROUPS, registry_groups, registry_n_groups);
    index_names(IX_SIGSCHEMES, registry_sigschemes, registry_n_sigschemes);
}

/* the entry's place plus one, 0 for none */
static size_t index_find(enum indexed_table t, uint16_t code)
{
    pthread_once(&index_once, build_index);
    return index_of[t][code];
}

static int cmp_code(const void *key, const void *elem)
{
    uint16_t k = *(const uint16_t *)key;
    uint16_t c = ((const struct code_name *)elem)->code;
    return k < c ? -1 : k > c;
}

static const char *find(const struct code_name *t, size_t n, uint16_t code)
{
    const struct code_name *hit = bsearch(&code, t, n, sizeof(*t), cmp_code);
    return hit ? hit->name : NULL;
}

static const char *find_indexed(enum indexed_table ix, const struct code_name *t, uint16_t code)
{
    size_t at = index_find(ix, code);
    return at ? t[at - 1].name : NULL;
}

const struct cipher_info *registry_cipher(uint32_t code)
{
    if (code > 0xffff)
        return NULL;
    size_t at = index_find(IX_CIPHERS, (uint16_t)code);
    return at ? &registry_ciphers[at - 1] : NULL;
}

const struct cipher_info *registry_cipher_by_name(const char *name)
{
    for (size_t i = 0; i < registry_n_ciphers; i++)
        if (strcasecmp(registry_ciphers[i].name, name) == 0)
            return &registry_ciphers[i];
    /* the way openssl ciphers and server configurations name it */
    uint32_t code;
    return registry_openssl_cipher_code(name, &code) ? registry_cipher(code) : NULL;
}

const char *registry_ext_name(uint16_t code)
{
    return find_indexed(IX_EXTENSIONS, registry_extensions, code);
}

const char *registry_group_name(uint16_t code)
{
    return find_indexed(IX_GROUPS, registry_groups, code);
}

const char *registry_sigscheme_name(uint16_t code)
{
    return find_indexed(IX_SIGSCHEMES, registry_sigschemes, code);
}

const char *registry_alert_name(uint8_t code)
{
    return find(registry_alerts, registry_n_alerts, code);
}

const char *registry_point_format_name(uint8_t code)
{
    return find(registry_point_formats, registry_n_point_formats, code);
}

/* RFC 8446 section 4 and the TLS HandshakeType registry. */
static const struct code_name handshake_types[] = {
    {0, "hello_request"},        {1, "client_hello"},
    {2, "server_hello"},         {3, "hello_verify_request"},
    {4, "new_session_ticket"},   {5, "end_of_early_data"},
    {6, "hello_retry_request"},  {8, "encrypted_extensions"},
    {11, "certificate"},         {12, "server_key_exchange"},
    {13, "certificate_request"}, {14, "server_hello_done"},
    {15, "certificate_verify"},  {16, "client_key_exchange"},
    {20, "finished"},            {21, "certificate_url"},
    {22, "certificate_status"},  {23, "supplemental_data"},
    {24, "key_update"},          {25, "compressed_certificate"},
    {26, "ekt_key"},             {67, "next_protocol"},
    {254, "message_hash"},
};

const char *registry_handshake_name(uint8_t type)
{
    return find(handshake_types, ARRAY_LEN(handshake_types), type);
}

const char *registry_sslv2_cipher_name(uint32_t code)
{
    for (size_t i = 0; i < registry_n_sslv2_ciphers; i++)
        if (registry_sslv2_ciphers[i].code == code)
            return registry_sslv2_ciphers[i].name;
    return NULL;
}

/* "0x" and the code in `width` hex digits (upper or lower case) after
 * prefix, into buf: clients list several unnamed codes in every hello,
 * and printf was most of what labelling cost. */
static const char *hex_label(char *buf, const char *prefix, uint32_t code, int width, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    buf[n++] = '0';
    buf[n++] = 'x';
    for (int shift = 4 * (width - 1); shift >= 0; shift -= 4)
        buf[n++] = digits[(code >> shift) & 15];
    buf[n] = 0;
    return buf;
}

static const char *label(const char *name, uint32_t code, char *buf)
{
    if (name)
        return name;
    if (is_grease(code))
        return hex_label(buf, "grease_", code, 4, true);
    int width = 4; /* as printf's "%04x", or "%06x" beyond 16 bits */
    if (code > 0xffff)
        for (width = 6; width < 8 && code >> (4 * width); width++)
            ;
    return hex_label(buf, "", code, width, false);
}

const char *registry_group_label(uint16_t code, char *buf)
{
    return label(registry_group_name(code), code, buf);
}

const char *registry_sigscheme_label(uint16_t code, char *buf)
{
    return label(registry_sigscheme_name(code), code, buf);
}

const char *registry_ext_label(uint16_t code, char *buf)
{
    return label(registry_ext_name(code), code, buf);
}

const char *registry_cipher_label(uint32_t code, char *buf)
{
    const struct cipher_info *ci = registry_cipher(code);
    const char *name = ci ? ci->name : registry_sslv2_cipher_name(code);
    return label(name, code, buf);
}

bool registry_version_is_tls13(uint16_t code)
{
    /* 0x7fNN: IETF drafts; 0x7e01/0x7e02: Google experiments; 0xfb1a and
     * neighbours: Facebook's Fizz. */
    return code == VER_TLS13 || code == VER_DTLS13 || (code >> 8) == 0x7f || (code >> 8) == 0x7e ||
           (code >> 8) == 0xfb;
}

uint16_t registry_version_rank(uint16_t code)
{
    if (registry_version_is_tls13(code))
        return VER_TLS13;
    if (code == VER_DTLS12)
        return VER_TLS12;
    if (code == VER_DTLS10 || code == 0x0100)
        return VER_TLS11;
    return code;
}

const char *registry_version_note(uint16_t code, char *buf, size_t len)
{
    unsigned low = code & 0xff;
    switch (code >> 8) {
    case 0x7f:
        snprintf(buf, len, "an IETF draft of TLS 1.3, before RFC 8446");
        return buf;
    case 0x7e: /* BoringSSL's TLS1_3_EXPERIMENT_VERSION and its successors */
        snprintf(buf, len, "Google's TLS 1.3 experiment %u (Chrome and BoringSSL, 2017-2018)", low);
        return buf;
    case 0xfb: /* 0xfb17, 0xfb1a: the draft number in the low byte */
        snprintf(buf, len, "Facebook's Fizz, based on TLS 1.3 draft %u", low);
        return buf;
    default:
        return NULL;
    }
}

const char *registry_version_label(uint16_t code, char *buf)
{
    switch (code) {
    case VER_SSL2: return "SSLv2";
    case VER_SSL3: return "SSLv3";
    case VER_TLS10: return "TLSv1.0";
    case VER_TLS11: return "TLSv1.1";
    case VER_TLS12: return "TLSv1.2";
    case VER_TLS13: return "TLSv1.3";
    case 0xfeff: return "DTLSv1.0";
    case 0xfefd: return "DTLSv1.2";
    case 0xfefc: return "DTLSv1.3";
    default: break;
    }
    if ((code >> 8) == 0x7f)
        snprintf(buf, REG_LABEL_LEN, "TLSv1.3-draft%u", code & 0xff);
    else
        label(NULL, code, buf);
    return buf;
}
