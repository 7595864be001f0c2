/* Small helpers the rules share: names for evidence, certificate name
 * matching, and questions about a session asked by several rules. */
#include "rules/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *endpoint_text(const struct endpoint *e, char *buf, size_t len)
{
    char ip[64];
    if (!inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof(ip)))
        snprintf(ip, sizeof(ip), "?");
    snprintf(buf, len, e->family == 6 ? "[%s]:%u" : "%s:%u", ip, e->port);
    return buf;
}

const struct cert *chain_leaf(const struct chain *c)
{
    return c->n ? &c->v[0] : NULL;
}

/* One DNS name against one pattern: case-insensitive, a wildcard only as
 * the whole left-most label, standing for exactly one label (RFC 6125
 * 6.4.3). */
static bool dns_match(const char *pattern, const char *host)
{
    if (strncmp(pattern, "*.", 2) != 0)
        return strcasecmp(pattern, host) == 0;
    const char *dot = strchr(host, '.');
    if (!dot || dot == host)
        return false;
    /* the rest must have at least two labels: no "*.com" */
    if (!strchr(pattern + 2, '.'))
        return false;
    return strcasecmp(pattern + 2, dot + 1) == 0;
}

const char *cert_cn(const struct cert *c, char *buf, size_t len)
{
    buf[0] = 0;
    const char *p = c->subject;
    while (p && *p) {
        bool cn = strncmp(p, "CN=", 3) == 0;
        const char *v = p + 3;
        size_t n = 0;
        /* walk to the next unescaped comma */
        const char *q = cn ? v : p;
        while (*q && *q != ',') {
            if (*q == '\\' && q[1])
                q++;
            if (cn && n + 1 < len)
                buf[n++] = *q;
            q++;
        }
        if (cn) {
            buf[n] = 0;
            return buf;
        }
        p = *q ? q + 1 : q;
    }
    return buf;
}

static bool names_match(const struct bytes *pattern, const char *host)
{
    return !memchr(pattern->p, 0, pattern->len) && dns_match((const char *)pattern->p, host);
}

bool server_name_matches(const struct cert *c, const uint8_t *name, size_t name_len)
{
    char host[256];
    if (!name_len || name_len >= sizeof(host) || memchr(name, 0, name_len))
        return false;
    memcpy(host, name, name_len);
    host[name_len] = 0;
    uint8_t addr[16] = {0}, san[16];
    int family = inet_pton(AF_INET, host, addr) == 1 ? AF_INET
               : inet_pton(AF_INET6, host, addr) == 1 ? AF_INET6 : 0;
    if (family) {
        /* compared as addresses: "::1" and "0:0::1" are one */
        size_t len = family == AF_INET ? 4 : 16;
        for (size_t i = 0; i < c->san_ip.n; i++) {
            memset(san, 0, sizeof(san));
            if (inet_pton(family, c->san_ip.v[i], san) == 1 && memcmp(san, addr, len) == 0)
                return true;
        }
        return false;
    }
    if (c->san_dns.n) {
        for (size_t i = 0; i < c->san_dns.n; i++)
            if (names_match(&c->san_dns.v[i], host))
                return true;
        return false;
    }
    char cn[256];
    return !(c->nul_names & CERT_NUL_SUBJECT) && cert_cn(c, cn, sizeof(cn))[0] && dns_match(cn, host);
}

const char *version_text(uint16_t v, char *buf)
{
    return registry_version_label(v, buf);
}

const char *cipher_text(uint32_t code, char *buf)
{
    return registry_cipher_label(code, buf);
}

bool offers_tls13(const struct hello *ch)
{
    for (size_t i = 0; i < ch->versions.n; i++)
        if (registry_version_is_tls13(ch->versions.v[i]))
            return true;
    return false;
}

bool hello_whole(const struct hello *h)
{
    if (!h->present || h->truncated || h->exts_unreadable)
        return false;
    /* an extension that did not parse may be the one a rule finds missing */
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i].bad)
            return false;
    return true;
}

bool offers_below_tls13(const struct hello *ch)
{
    if (!ch->versions.n)
        return true; /* no supported_versions: the legacy version field */
    for (size_t i = 0; i < ch->versions.n; i++)
        if (!registry_version_is_tls13(ch->versions.v[i]) && !is_grease(ch->versions.v[i]))
            return true;
    return false;
}

bool session_is_tls13(const struct session *s)
{
    return s->has_version && registry_version_is_tls13(s->version);
}

unsigned offered_key_types(const struct hello *ch)
{
    unsigned kinds = 0;
    if (offers_tls13(ch))
        kinds |= 7; /* TLS 1.3 suites work with any certificate type */
    for (size_t i = 0; i < ch->ciphers.n; i++) {
        const struct cipher_info *ci = registry_cipher(ch->ciphers.v[i]);
        if (!ci || (ci->flags & (CF_SCSV | CF_TLS13)))
            continue;
        if (ci->auth == AUTH_RSA)
            kinds |= 1;
        else if (ci->auth == AUTH_ECDSA)
            kinds |= 2;
        else
            kinds |= 4;
    }
    return kinds;
}

const struct alert *fatal_alert(const struct session *s)
{
    const struct alert *a = session_last_alert(s);
    return a && a->level == 2 ? a : NULL;
}

const struct alert *failure_alert(const struct session *s)
{
    /* seen from the middle with no hello, an encrypted alert is far more
     * likely a close_notify than a refusal */
    if (s->established || (!s->ch.present && !s->sh.present && !s->hrr.present))
        return NULL;
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *a = &s->alerts.v[i];
        if (a->level == 2 || a->encrypted)
            return a;
    }
    return NULL;
}

const struct alert *cert_refusal(const struct session *s, int chain_role)
{
    const struct alert *a = failure_alert(s);
    int validator = chain_role == DIR_S2C ? DIR_C2S : DIR_S2C;
    if (!a || a->dir != validator)
        return NULL;
    /* TLS 1.3: after the chain was sent, a refusal of it is the usual
     * reason. Up to TLS 1.2 an alert is encrypted only after its sender's
     * ChangeCipherSpec, which it sends once it has accepted the chain. */
    if (a->encrypted)
        return session_is_tls13(s) && (chain_role == DIR_S2C || s->client_certs.n > 0) ? a : NULL;
    switch (a->desc) {
    case 42: /* bad_certificate */
    case 43: /* unsupported_certificate */
    case 44: /* certificate_revoked */
    case 45: /* certificate_expired */
    case 46: /* certificate_unknown */
    case 48: /* unknown_ca */
        return a;
    default:
        return NULL;
    }
}

/* When each protocol version was published: a capture dated earlier that
 * speaks it has a clock that was wrong. */
static int64_t published(uint16_t v, const char **what)
{
    static const struct {
        uint16_t version;
        int64_t at;
        const char *what;
    } dates[] = {
        {VER_TLS13, 1533772800, "TLS 1.3 (RFC 8446, August 2018)"},
        {VER_TLS12, 1218672000, "TLS 1.2 (RFC 5246, August 2008)"},
        {VER_TLS11, 1145318400, "TLS 1.1 (RFC 4346, April 2006)"},
        {VER_TLS10, 915148800, "TLS 1.0 (RFC 2246, January 1999)"},
    };
    if (registry_version_is_tls13(v) && v != VER_TLS13) {
        *what = "a TLS 1.3 draft (2016 and later)";
        return 1451606400;
    }
    for (size_t i = 0; i < ARRAY_LEN(dates); i++)
        if (dates[i].version == v) {
            *what = dates[i].what;
            return dates[i].at;
        }
    return 0;
}

const char *rule_clock(const struct rule_env *env)
{
    if (!env->clock_text[0]) {
        const char *what = env->as_of == AS_OF_CAPTURE ? "the capture's time"
                           : env->as_of == AS_OF_NOW   ? "the current time"
                                                       : "the date given with --as-of";
        char day[16];
        snprintf(env->clock_text, RULE_CLOCK_TEXT, "%s (%s)", what, utc_text(env->now, UTC_DAY, day, sizeof(day)));
    }
    return env->clock_text;
}

const char *capture_clock_doubt(const struct session *s, int64_t wall, char *buf, size_t len)
{
    int64_t at = s->ts_first / 1000000000;
    char day[16];
    if (s->packet_last >= s->packet_first + 2 && s->ts_last == s->ts_first) {
        snprintf(buf, len, "all %llu packets of the session carry one timestamp (%s): the capture's clock did "
                           "not run, as in a synthetic or re-stamped capture",
                 (unsigned long long)(s->packet_last - s->packet_first + 1), utc_text(at, UTC_DAY, day, sizeof(day)));
        return buf;
    }
    /* the version negotiated, or else the newest the client offered */
    uint16_t v = s->has_version ? s->version : s->ch.present ? s->ch.version : 0;
    for (size_t i = 0; i < s->ch.versions.n && !s->has_version; i++) {
        uint16_t o = s->ch.versions.v[i];
        if (!is_grease(o) && (registry_version_is_tls13(o) || o > v) && !registry_version_is_tls13(v))
            v = o;
    }
    const char *what = NULL;
    int64_t since = published(v, &what);
    if (since && at < since) {
        snprintf(buf, len, "the capture is dated %s, before %s, which this session speaks",
                 utc_text(at, UTC_DAY, day, sizeof(day)), what);
        return buf;
    }
    if (wall && at > wall + 86400) {
        snprintf(buf, len, "the capture is dated %s, after today", utc_text(at, UTC_DAY, day, sizeof(day)));
        return buf;
    }
    /* a CA cannot have signed a leaf before it existed */
    const struct chain *c = &s->server_certs;
    for (size_t i = 1; i < c->n && c->v[0].has_validity && c->v[0].not_before > at; i++) {
        const struct cert *ca = &c->v[i];
        if (ca->parse_error || !ca->has_validity || ca->not_before <= at || !ca->ca)
            continue;
        char cn[128], from[16];
        snprintf(buf, len, "the capture is dated %s, before even the CA certificate %s that issued the leaf "
                           "became valid (%s)",
                 utc_text(at, UTC_DAY, day, sizeof(day)), cert_cn(ca, cn, sizeof(cn))[0] ? cn : "sent with it",
                 utc_text(ca->not_before, UTC_DAY, from, sizeof(from)));
        return buf;
    }
    return NULL;
}

int closed_by(const struct session *s, int64_t after, int64_t *when)
{
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if ((e->kind == EV_TCP_FIN || e->kind == EV_TCP_RST) && e->at.ts >= after) {
            *when = e->at.ts;
            return e->dir;
        }
    }
    return -1;
}

/* The flags decide; the names are read only to say which weak block
 * cipher it is (a string search per offered suite was most of a rule's
 * cost). */
bool cipher_is_weak(const struct cipher_info *ci, const char **why)
{
    if (!ci || (ci->flags & CF_SCSV))
        return false;
    if (ci->flags & CF_NULL)
        *why = "no encryption (NULL)";
    else if (ci->flags & CF_EXPORT)
        *why = "export-grade";
    else if (ci->flags & CF_ANON)
        *why = "no authentication (anonymous)";
    else if (ci->flags & CF_RC4)
        *why = "RC4";
    else if ((ci->flags & CF_WEAK_BLOCK) && strstr(ci->enc, "3DES"))
        *why = "3DES (64-bit blocks, Sweet32)";
    else if ((ci->flags & CF_WEAK_BLOCK) && (strncmp(ci->enc, "DES", 3) == 0 || strstr(ci->enc, "DES40")))
        *why = "single DES";
    else if (ci->flags & CF_WEAK_BLOCK)
        *why = "obsolete block cipher"; /* RC2, IDEA */
    else if (strcmp(ci->mac, "MD5") == 0)
        *why = "MD5 MAC";
    else
        return false;
    return true;
}

/* The server refused right after the ClientHello (alert or close). */
bool refused_at_hello(const struct session *s, const struct alert **al)
{
    if (!s->ch.present || s->sh.present || s->hrr.present)
        return false;
    *al = fatal_alert(s);
    return *al && (*al)->dir == DIR_S2C;
}

unsigned refused_key_type(const struct session *s)
{
    const struct alert *al;
    /* "only ECDSA suites" needs the whole list */
    if (!hello_whole(&s->ch) || !refused_at_hello(s, &al) || (al->desc != 40 && al->desc != 71))
        return 0;
    unsigned kinds = offered_key_types(&s->ch);
    return kinds == 1 || kinds == 2 ? kinds : 0;
}

/* Does the client offer a signature scheme in [lo, hi]? rsa_pss_rsae_*
 * (0x0804..0x0806) sign with an ordinary RSA key, rsa_pss_pss_*
 * (0x0809..0x080b) with an RSASSA-PSS key (RFC 8446 4.2.3). */
bool offers_schemes(const struct hello *ch, uint16_t lo, uint16_t hi)
{
    for (size_t i = 0; i < ch->sig_algs.n; i++)
        if (ch->sig_algs.v[i] >= lo && ch->sig_algs.v[i] <= hi)
            return true;
    return false;
}

/* No scheme the server's RSA key can sign with: 1 when the key is known to
 * be RSA and the session TLS 1.3 (which signs with RSA-PSS only), 2 when a
 * refusal of a TLS 1.3 hello points that way (RSA keys being the norm and
 * the key not yet seen), 3 when the key is RSASSA-PSS and the client
 * offers no rsa_pss_pss_* scheme (any version), 0 otherwise. */
unsigned rsa_pss_missing(const struct session *s, const struct rule_env *env)
{
    const struct hello *ch = &s->ch;
    if (!hello_whole(ch) || !ch->sig_algs.n)
        return 0;
    const struct cert *leaf = chain_leaf(&s->server_certs);
    const char *key = leaf ? leaf->key_type
                    : env->server && env->server->has_leaf ? env->server->leaf_key_type : NULL;
    if (key && strcmp(key, "rsa-pss") == 0)
        return offers_schemes(ch, 0x0809, 0x080b) ? 0 : 3;
    bool tls13 = session_is_tls13(s) || (!s->sh.present && offers_tls13(ch));
    if (!tls13 || offers_schemes(ch, 0x0804, 0x0806))
        return 0;
    if (key)
        return strcmp(key, "rsa") == 0 ? 1 : 0;
    const struct alert *al = failure_alert(s);
    bool refused = !s->sh.present && al && al->dir == DIR_S2C && al->desc == 40;
    return refused ? 2 : 0;
}
