/* Expectations: parsing what a pipeline demands of its handshakes and
 * judging a session against it, with what was seen for the verdict. */
#include "rules/expect.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "rules/internal.h"

static const struct {
    const char *name;
    enum expect_key key;
} keys[] = {
    {"version", EK_VERSION},       {"cipher", EK_CIPHER},     {"cipher-any-of", EK_CIPHER_ANY_OF},
    {"group", EK_GROUP},           {"sni", EK_SNI},           {"alpn", EK_ALPN},
    {"mq-channel", EK_MQ_CHANNEL}, {"mq-cipherspec", EK_MQ_CIPHERSPEC},
    {"cert-key", EK_CERT_KEY},     {"established", EK_ESTABLISHED}, {"resumed", EK_RESUMED},
    {"transport", EK_TRANSPORT},
};

static const char *const op_text[] = {"=", "!=", ">=", ">", "<=", "<"};

static bool parse_version(const char *v, uint16_t *out)
{
    static const struct {
        const char *name;
        uint16_t code;
    } names[] = {
        {"1.3", VER_TLS13}, {"1.2", VER_TLS12}, {"1.1", VER_TLS11}, {"1.0", VER_TLS10},
        {"1", VER_TLS10},   {"ssl3", VER_SSL3}, {"sslv3", VER_SSL3}, {"ssl3.0", VER_SSL3},
        {"ssl2", VER_SSL2}, {"sslv2", VER_SSL2}, {"dtls1.0", VER_DTLS10}, {"dtlsv1.0", VER_DTLS10},
        {"dtls1.2", VER_DTLS12}, {"dtlsv1.2", VER_DTLS12}, {"dtls1.3", VER_DTLS13}, {"dtlsv1.3", VER_DTLS13},
    };
    const char *p = v;
    if (strncasecmp(p, "tlsv", 4) == 0)
        p += 4;
    else if (strncasecmp(p, "tls", 3) == 0)
        p += 3;
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strcasecmp(names[i].name, p) == 0) {
            *out = names[i].code;
            return true;
        }
    return false;
}

static bool parse_flag(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static bool fail(char *err, size_t errlen, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(char *err, size_t errlen, const char *text, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "--expect '%s': %s", text, why);
    return false;
}

bool expectation_parse(const char *text, struct expectation *e, char *err, size_t errlen)
{
    memset(e, 0, sizeof(*e));
    if (strlen(text) >= sizeof(e->text))
        return fail(err, errlen, text, "longer than %zu characters", sizeof(e->text) - 1);
    /* shown as typed, without the spaces around it */
    size_t from = strspn(text, " \t"), to = strlen(text);
    while (to > from && (text[to - 1] == ' ' || text[to - 1] == '\t'))
        to--;
    snprintf(e->text, sizeof(e->text), "%.*s", (int)(to - from), text + from);
    /* KEY OP VALUE, the operator being the first of = ! < > */
    size_t k = strcspn(text, "=!<>");
    if (!text[k])
        return fail(err, errlen, text, "expected KEY=VALUE (or version>=1.2)");
    /* spaces around the operator are how people write it ('version >= 1.2') */
    size_t lead = strspn(text, " \t"), klen = k;
    while (klen > lead && (text[klen - 1] == ' ' || text[klen - 1] == '\t'))
        klen--;
    char key[32];
    if (klen == lead || klen - lead >= sizeof(key))
        return fail(err, errlen, text, "no key before the operator");
    memcpy(key, text + lead, klen - lead);
    key[klen - lead] = 0;
    const char *o = text + k;
    if (!strncmp(o, "!=", 2))
        e->op = EO_NE, o += 2;
    else if (!strncmp(o, ">=", 2))
        e->op = EO_GE, o += 2;
    else if (!strncmp(o, "<=", 2))
        e->op = EO_LE, o += 2;
    else if (*o == '=')
        e->op = EO_EQ, o += 1;
    else if (*o == '>')
        e->op = EO_GT, o += 1;
    else if (*o == '<')
        e->op = EO_LT, o += 1;
    else
        return fail(err, errlen, text, "unknown operator");
    size_t i = 0;
    while (i < ARRAY_LEN(keys) && strcmp(keys[i].name, key) != 0)
        i++;
    if (i == ARRAY_LEN(keys))
        return fail(err, errlen, text,
                    "unknown key '%s' (version, cipher, cipher-any-of, group, sni, alpn, mq-channel, "
                    "mq-cipherspec, cert-key, established, resumed, transport)", key);
    e->key = keys[i].key;
    o += strspn(o, " \t");
    size_t vlen = strlen(o);
    while (vlen && (o[vlen - 1] == ' ' || o[vlen - 1] == '\t'))
        vlen--;
    if (!vlen)
        return fail(err, errlen, text, "no value after '%s'", op_text[e->op]);
    snprintf(e->value, sizeof(e->value), "%.*s", (int)vlen, o);
    bool ordered = e->op != EO_EQ && e->op != EO_NE;
    if (ordered && e->key != EK_VERSION && !(e->key == EK_CERT_KEY && e->op == EO_GE))
        return fail(err, errlen, text, "%s takes = or != only%s", key,
                    e->key == EK_CERT_KEY ? " (or >= with a size: cert-key>=rsa-2048)" : "");
    switch (e->key) {
    case EK_VERSION:
        if (!parse_version(e->value, &e->version))
            return fail(err, errlen, text, "'%s' is not a protocol version (1.0, 1.1, 1.2, 1.3, TLSv1.2, SSLv3)",
                        e->value);
        break;
    case EK_CIPHER:
    case EK_CIPHER_ANY_OF: {
        char copy[EXPECT_TEXT];
        snprintf(copy, sizeof(copy), "%s", e->value);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            if (!cipher_name_valid(tok))
                return fail(err, errlen, text,
                            "'%s' is not a cipher suite, MQ CipherSpec, MQ list name (ANY_TLS12_OR_HIGHER...) or 0xHHHH code",
                            tok);
            if (e->n_list == EXPECT_LIST)
                return fail(err, errlen, text, "more than %d ciphers", EXPECT_LIST);
            snprintf(e->list[e->n_list++], EXPECT_NAME, "%s", tok);
        }
        if (e->key == EK_CIPHER && e->n_list != 1)
            return fail(err, errlen, text, "one cipher per cipher=; use cipher-any-of=A,B for a choice");
        break;
    }
    case EK_MQ_CIPHERSPEC:
        if (!mq_sslciph_is_list(e->value) && !mq_cipherspec_by_name(e->value))
            return fail(err, errlen, text, "'%s' is not an MQ CipherSpec or list name", e->value);
        break;
    case EK_TRANSPORT:
        if (strcasecmp(e->value, "tcp") && strcasecmp(e->value, "udp") && strcasecmp(e->value, "tls") &&
            strcasecmp(e->value, "quic") && strcasecmp(e->value, "dtls"))
            return fail(err, errlen, text, "'%s' is not a transport (tcp, udp, quic, dtls; tls is TLS over TCP)",
                        e->value);
        break;
    case EK_ESTABLISHED:
    case EK_RESUMED:
        if (!parse_flag(e->value, &e->flag))
            return fail(err, errlen, text, "'%s' is not true or false", e->value);
        break;
    case EK_CERT_KEY: {
        /* TYPE or TYPE-BITS */
        const char *dash = strrchr(e->value, '-');
        size_t tlen = dash && isdigit((unsigned char)dash[1]) ? (size_t)(dash - e->value) : strlen(e->value);
        if (!tlen || tlen >= sizeof(e->key_type))
            return fail(err, errlen, text, "expected a key type such as rsa, ecdsa or rsa-2048");
        memcpy(e->key_type, e->value, tlen);
        e->key_type[tlen] = 0;
        for (char *c = e->key_type; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (tlen < strlen(e->value)) {
            char *end;
            long bits = strtol(e->value + tlen + 1, &end, 10);
            if (*end || bits <= 0 || bits > 65536)
                return fail(err, errlen, text, "'%s' is not a key size", e->value + tlen + 1);
            e->key_bits = (int)bits;
        }
        if (e->op == EO_GE && !e->key_bits)
            return fail(err, errlen, text, "cert-key>= needs a size: cert-key>=rsa-2048");
        if (strcmp(e->key_type, "rsa") && strcmp(e->key_type, "ecdsa") && strcmp(e->key_type, "dsa") &&
            strcmp(e->key_type, "ed25519") && strcmp(e->key_type, "ed448") && strcmp(e->key_type, "rsa-pss"))
            return fail(err, errlen, text, "unknown key type '%s' (rsa, rsa-pss, ecdsa, dsa, ed25519, ed448)",
                        e->key_type);
        break;
    }
    default:
        break;
    }
    return true;
}

static bool compare(enum expect_op op, int cmp)
{
    switch (op) {
    case EO_EQ: return cmp == 0;
    case EO_NE: return cmp != 0;
    case EO_GE: return cmp >= 0;
    case EO_GT: return cmp > 0;
    case EO_LE: return cmp <= 0;
    case EO_LT: return cmp < 0;
    }
    return false;
}

/* TLS 1.3 drafts count as 1.3, DTLS as the TLS version it matches. */
static int version_rank(uint16_t v)
{
    return registry_version_rank(v);
}

static void bytes_text(const struct bytes *b, char *out, size_t len)
{
    size_t n = b->len < len - 1 ? b->len : len - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = b->p[i] >= 0x20 && b->p[i] < 0x7f ? (char)b->p[i] : '?';
    out[n] = 0;
}

static bool session_channel(const struct session *s, char *out)
{
    bool canonical;
    const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
    if (sni && mq_sni_decode(sni->p, sni->len, out, &canonical))
        return true;
    if (s->mq.channel[0]) {
        snprintf(out, MQ_CHANNEL_MAX + 1, "%s", s->mq.channel);
        return true;
    }
    return false;
}

static bool text_equal(enum expect_op op, const char *want, const char *seen)
{
    return compare(op, strcasecmp(want, seen) == 0 ? 0 : 1);
}

bool expectation_met(const struct expectation *e, const struct session *s, char *seen, size_t seenlen)
{
    char buf[REG_LABEL_LEN], name[256];
    switch (e->key) {
    case EK_VERSION:
        if (!s->has_version) {
            snprintf(seen, seenlen, "no version negotiated");
            return false;
        }
        snprintf(seen, seenlen, "%s", registry_version_label(s->version, buf));
        return compare(e->op, version_rank(s->version) - version_rank(e->version));
    case EK_CIPHER:
    case EK_CIPHER_ANY_OF: {
        if (!s->has_cipher || !s->has_version) {
            snprintf(seen, seenlen, "no cipher suite negotiated");
            return false;
        }
        const struct mq_cipherspec *mq = mq_cipherspec_find(s->version, s->cipher);
        snprintf(seen, seenlen, "%s%s%s", registry_cipher_label(s->cipher, buf), mq ? ", MQ " : "",
                 mq ? mq->name : "");
        struct cipher_list l = {.n = e->n_list};
        for (size_t i = 0; i < e->n_list; i++)
            snprintf(l.v[i], sizeof(l.v[i]), "%s", e->list[i]);
        bool in = cipher_list_allows(&l, s->version, s->cipher);
        return e->op == EO_EQ ? in : !in;
    }
    case EK_TRANSPORT: {
        /* quic and dtls are both udp; tls and tcp both TLS over TCP */
        const char *proto = transport_protocol(s->transport), *carrier = transport_carrier(s->transport);
        snprintf(seen, seenlen, "%s over %s", s->transport == TR_TCP ? "TLS" : s->transport == TR_QUIC ? "QUIC" : "DTLS",
                 carrier);
        bool is = !strcasecmp(e->value, proto) || !strcasecmp(e->value, carrier);
        return e->op == EO_EQ ? is : !is;
    }
    case EK_GROUP:
        if (!s->has_group) {
            snprintf(seen, seenlen, s->ske.dh_p_bits ? "finite-field DHE" : "no key-exchange group");
            return e->op == EO_NE;
        }
        snprintf(seen, seenlen, "%s", registry_group_label(s->group, buf));
        return text_equal(e->op, e->value, seen);
    case EK_SNI: {
        const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
        if (!sni) {
            snprintf(seen, seenlen, "no SNI");
            return e->op == EO_NE;
        }
        bytes_text(sni, name, sizeof(name));
        snprintf(seen, seenlen, "%s", name);
        return compare(e->op, fnmatch(e->value, name, FNM_CASEFOLD) == 0 ? 0 : 1);
    }
    case EK_ALPN:
        if (!s->has_alpn_selected) {
            snprintf(seen, seenlen, s->has_version && registry_version_is_tls13(s->version) && !s->decrypted
                                        ? "ALPN choice encrypted (TLS 1.3 without a key log)"
                                        : "no ALPN selected");
            return e->op == EO_NE && !(registry_version_is_tls13(s->version) && !s->decrypted);
        }
        bytes_text(&s->alpn_selected, name, sizeof(name));
        snprintf(seen, seenlen, "%s", name);
        return compare(e->op, strcmp(e->value, name) == 0 ? 0 : 1);
    case EK_MQ_CHANNEL: {
        char ch[MQ_CHANNEL_MAX + 1];
        if (!session_channel(s, ch)) {
            snprintf(seen, seenlen, "no MQ channel");
            return e->op == EO_NE;
        }
        snprintf(seen, seenlen, "%s", ch);
        return compare(e->op, strcmp(e->value, ch) == 0 ? 0 : 1);
    }
    case EK_MQ_CIPHERSPEC: {
        const struct mq_cipherspec *mq = s->has_version && s->has_cipher ? mq_cipherspec_find(s->version, s->cipher) : NULL;
        if (!mq) {
            snprintf(seen, seenlen, "%s", s->has_cipher ? "a suite with no MQ CipherSpec" : "no cipher suite negotiated");
            return e->op == EO_NE && s->has_cipher;
        }
        snprintf(seen, seenlen, "%s", mq->name);
        bool known;
        bool in = mq_sslciph_is_list(e->value) ? mq_sslciph_accepts(e->value, s->version, s->cipher, &known)
                                               : strcasecmp(e->value, mq->name) == 0;
        return e->op == EO_EQ ? in : !in;
    }
    case EK_CERT_KEY: {
        const struct cert *leaf = s->server_certs.n ? &s->server_certs.v[0] : NULL;
        if (!leaf || !leaf->key_type) {
            snprintf(seen, seenlen, "%s", s->has_version && registry_version_is_tls13(s->version) && !s->decrypted
                                              ? "certificate not visible (TLS 1.3 without a key log)"
                                              : "no server certificate");
            return false;
        }
        snprintf(seen, seenlen, "%s-%d", leaf->key_type, leaf->key_bits);
        bool type_ok = strcasecmp(leaf->key_type, e->key_type) == 0;
        bool match = type_ok && (!e->key_bits || (e->op == EO_GE ? leaf->key_bits >= e->key_bits
                                                                  : leaf->key_bits == e->key_bits));
        return e->op == EO_NE ? !match : match;
    }
    case EK_ESTABLISHED:
        snprintf(seen, seenlen, "%s", s->established ? "established" : "not established");
        return compare(e->op, s->established == e->flag ? 0 : 1);
    case EK_RESUMED:
        snprintf(seen, seenlen, "%s", s->resumed ? "resumed" : "a full handshake");
        return compare(e->op, s->resumed == e->flag ? 0 : 1);
    }
    return false;
}

bool filter_server(const char *text, struct session_filter *f, char *err, size_t errlen)
{
    char host[80] = "";
    long port = 0;
    const char *colon = strrchr(text, ':');
    bool v6 = text[0] == '[';
    if (v6) {
        const char *close = strchr(text, ']');
        if (!close || (close[1] && close[1] != ':')) {
            snprintf(err, errlen, "--server '%s': expected [ADDRESS]:PORT", text);
            return false;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
        colon = close[1] ? close + 1 : NULL;
    } else if (colon && strchr(text, ':') != colon) {
        snprintf(host, sizeof(host), "%s", text); /* a bare IPv6 address */
        colon = NULL;
    } else {
        snprintf(host, sizeof(host), "%.*s", (int)(colon ? (size_t)(colon - text) : strlen(text)), text);
    }
    if (colon) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (*end || port < 1 || port > 65535) {
            snprintf(err, errlen, "--server '%s': '%s' is not a port", text, colon + 1);
            return false;
        }
    }
    memset(&f->server, 0, sizeof(f->server));
    f->server.port = (uint16_t)port;
    f->any_address = !host[0];
    if (host[0]) {
        if (inet_pton(AF_INET, host, f->server.addr) == 1)
            f->server.family = 4;
        else if (inet_pton(AF_INET6, host, f->server.addr) == 1)
            f->server.family = 6;
        else {
            snprintf(err, errlen, "--server '%s': '%s' is not an IP address", text, host);
            return false;
        }
    }
    if (f->any_address && !port) {
        snprintf(err, errlen, "--server '%s': expected ADDRESS, ADDRESS:PORT or :PORT", text);
        return false;
    }
    f->has_server = true;
    return true;
}

bool filter_match(const struct session_filter *f, const struct session *s)
{
    if (f->has_server) {
        if (f->server.port && f->server.port != s->server.port)
            return false;
        if (!f->any_address && (f->server.family != s->server.family ||
                                memcmp(f->server.addr, s->server.addr, f->server.family == 4 ? 4 : 16)))
            return false;
    }
    if (f->sni) {
        const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
        char name[256];
        if (!sni)
            return false;
        bytes_text(sni, name, sizeof(name));
        if (fnmatch(f->sni, name, FNM_CASEFOLD) != 0)
            return false;
    }
    if (f->mq_channel) {
        char ch[MQ_CHANNEL_MAX + 1];
        if (!session_channel(s, ch) || strcmp(ch, f->mq_channel) != 0)
            return false;
    }
    return true;
}
