/* --format zeek: ssl.log, x509.log and quic.log in the layout Zeek's ASCII writer
 * gives them (header lines, tab separators, "-" for unset and "(empty)"
 * for empty values, \xNN escapes), with the columns of Zeek's base
 * scripts: an ssl.log row per TLS session (uid in Zeek's style, the
 * certificate chains as SHA-256 fingerprints) and an x509.log row per
 * certificate, once per fingerprint and role, as Zeek deduplicates them;
 * a quic.log row per QUIC connection. */
#include "report/internal.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/utc.h"

static const char ssl_fields[] =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\t"
    "resumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\t"
    "client_cert_chain_fps\tsni_matches_cert";
static const char ssl_types[] =
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\t"
    "string\tvector[string]\tvector[string]\tbool";
static const char quic_fields[] =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tclient_initial_dcid\tclient_scid\t"
    "server_scid\tserver_name\tclient_protocol\thistory";
static const char quic_types[] =
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tstring\tstring";
static const char x509_fields[] =
    "ts\tfingerprint\tcertificate.version\tcertificate.serial\tcertificate.subject\tcertificate.issuer\t"
    "certificate.not_valid_before\tcertificate.not_valid_after\tcertificate.key_alg\tcertificate.sig_alg\t"
    "certificate.key_type\tcertificate.key_length\tcertificate.exponent\tcertificate.curve\tsan.dns\t"
    "san.uri\tsan.email\tsan.ip\tbasic_constraints.ca\tbasic_constraints.path_len\thost_cert\tclient_cert";
static const char x509_types[] =
    "time\tstring\tcount\tstring\tstring\tstring\ttime\ttime\tstring\tstring\tstring\tcount\tstring\t"
    "string\tvector[string]\tvector[string]\tvector[string]\tvector[addr]\tbool\tcount\tbool\tbool";

/* Zeek's history stops growing at this length (SSL::max_ssl_history_length). */
enum { MAX_HISTORY = 100 };

static void stamp(char *out, size_t len)
{
    if (utc_text(time(NULL), UTC_FILENAME, out, len)[0] == '?')
        snprintf(out, len, "0000-00-00-00-00-00");
}

static void header(FILE *f, const char *path, const char *fields, const char *types)
{
    char when[32];
    stamp(when, sizeof(when));
    fprintf(f, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
               "#path\t%s\n#open\t%s\n#fields\t%s\n#types\t%s\n",
            path, when, fields, types);
}

void zeek_open(struct report *r)
{
    header(r->out, "ssl", ssl_fields, ssl_types);
    if (r->opts.x509_out)
        header(r->opts.x509_out, "x509", x509_fields, x509_types);
    if (r->opts.quic_out)
        header(r->opts.quic_out, "quic", quic_fields, quic_types);
}

void zeek_close(struct report *r)
{
    char when[32];
    stamp(when, sizeof(when));
    fprintf(r->out, "#close\t%s\n", when);
    FILE *more[] = {r->opts.x509_out, r->opts.quic_out};
    for (size_t i = 0; i < ARRAY_LEN(more); i++) {
        if (more[i]) {
            fprintf(more[i], "#close\t%s\n", when);
            fflush(more[i]);
        }
    }
    free(r->x509_logged);
    r->x509_logged = NULL;
    r->n_x509_logged = r->cap_x509_logged = 0;
    hmap_free(&r->x509_index);
}

/* ---- values ------------------------------------------------------------------- */

static void tab(FILE *f)
{
    fputc('\t', f);
}

static void unset(FILE *f)
{
    fputs("-", f);
}

/* A string value: "(empty)" when empty, the unset and empty markers
 * escaped when a value happens to be one, \xNN for what is not printable
 * (the tab among them) and, inside a vector, for the comma. */
static void str(FILE *f, const uint8_t *p, size_t n, bool in_vector)
{
    if (!n) {
        fputs("(empty)", f);
        return;
    }
    if ((n == 1 && p[0] == '-') || (n == 7 && memcmp(p, "(empty)", 7) == 0)) {
        fprintf(f, "\\x%02x", p[0]);
        p++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c >= 0x7f || (in_vector && c == ','))
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

static void cstr(FILE *f, const char *s)
{
    if (s)
        str(f, (const uint8_t *)s, strlen(s), false);
    else
        unset(f);
}

static void boolean(FILE *f, bool v)
{
    fputc(v ? 'T' : 'F', f);
}

static void when(FILE *f, int64_t ns)
{
    fprintf(f, "%lld.%06lld", (long long)(ns / 1000000000), (long long)(ns % 1000000000 / 1000));
}

static void strs(FILE *f, const struct strs *l)
{
    if (!l->n) {
        unset(f);
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            fputc(',', f);
        str(f, (const uint8_t *)l->v[i], strlen(l->v[i]), true);
    }
}

static void names(FILE *f, const struct byteslist *l)
{
    if (!l->n) {
        unset(f);
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            fputc(',', f);
        str(f, l->v[i].p, l->v[i].len, true);
    }
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* ---- ssl.log ------------------------------------------------------------------ */

/* Version names as Zeek's SSL::version_strings has them. */
static void version(FILE *f, uint16_t v)
{
    switch (v) {
    case 0x0002: fputs("SSLv2", f); return;
    case 0x0300: fputs("SSLv3", f); return;
    case 0x0301: fputs("TLSv10", f); return;
    case 0x0302: fputs("TLSv11", f); return;
    case 0x0303: fputs("TLSv12", f); return;
    case 0x0304: fputs("TLSv13", f); return;
    case 0xfeff: fputs("DTLSv10", f); return;
    case 0xfefd: fputs("DTLSv12", f); return;
    case 0xfefc: fputs("DTLSv13", f); return;
    default: break;
    }
    if ((v >> 8) == 0x7f)
        fprintf(f, "TLSv13-draft%u", v & 0xff);
    else
        fprintf(f, "unknown-%u", v);
}

/* Zeek's connection uids: "C" and 96 bits in base 62. Derived from the
 * connection so that the same capture gives the same uids. */
static void uid(const struct session *s, char out[24])
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint8_t key[2 * sizeof(struct endpoint) + 16], d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    memcpy(key, &s->client, sizeof(s->client));
    memcpy(key + sizeof(s->client), &s->server, sizeof(s->server));
    memcpy(key + 2 * sizeof(struct endpoint), &s->ts_first, 8);
    memcpy(key + 2 * sizeof(struct endpoint) + 8, &s->id, 8);
    if (!EVP_Digest(key, sizeof(key), d, &dn, EVP_sha256(), NULL))
        memset(d, 0, 12);
    /* 96 bits as three 32-bit words, base 62 from the low end */
    uint32_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 | (uint32_t)d[4 * i + 2] << 8 | d[4 * i + 3];
    char rev[24];
    size_t n = 0;
    while ((w[0] || w[1] || w[2]) && n < sizeof(rev)) {
        uint64_t rem = 0;
        for (int i = 0; i < 3; i++) {
            uint64_t cur = rem << 32 | w[i];
            w[i] = (uint32_t)(cur / 62);
            rem = cur % 62;
        }
        rev[n++] = digits[rem];
    }
    out[0] = 'C';
    for (size_t i = 0; i < n; i++)
        out[1 + i] = rev[n - 1 - i];
    out[1 + n] = 0;
}

static char history_letter(uint8_t type)
{
    switch (type) {
    case 0: return 'h';
    case 1: return 'c';
    case 2: return 's';
    case 3: return 'v';
    case 4: return 't';
    case 5: return 'e';
    case 6: return 'j';
    case 8: return 'o';
    case 11: return 'x';
    case 12: return 'k';
    case 13: return 'r';
    case 14: return 'n';
    case 15: return 'y';
    case 16: return 'g';
    case 20: return 'f';
    case 21: return 'w';
    case 22: return 'u';
    case 23: return 'a';
    case 24: return 'p';
    case 254: return 'm';
    default: return 'z';
    }
}

/* What Zeek's ssl_history would be: a letter per handshake message,
 * ChangeCipherSpec, alert and heartbeat it could read, upper case from the
 * client. */
static void history(FILE *f, const struct session *s)
{
    char h[MAX_HISTORY + 1];
    size_t n = 0;
    for (size_t i = 0; i < s->events.n && n < MAX_HISTORY; i++) {
        const struct event *e = &s->events.v[i];
        char c;
        switch (e->kind) {
        case EV_HANDSHAKE: c = history_letter(e->type); break;
        case EV_SSL2: c = e->type == 1 ? 'c' : e->type == 4 ? 's' : 0; break;
        case EV_CCS: c = 'i'; break;
        case EV_ALERT: c = e->type == 255 ? 0 : 'l'; break;
        case EV_HEARTBEAT: c = 'b'; break;
        default: c = 0; break;
        }
        if (c)
            h[n++] = e->dir == DIR_C2S ? (char)toupper((unsigned char)c) : c;
    }
    h[n] = 0;
    str(f, (const uint8_t *)h, n, false);
}

static void chain_fps(FILE *f, const struct chain *c, bool any_certificate)
{
    if (!any_certificate) {
        unset(f);
        return;
    }
    if (!c->n) {
        fputs("(empty)", f);
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        char h[65];
        hex(h, c->v[i].sha256, 32);
        fprintf(f, "%s%s", i ? "," : "", h);
    }
}

void zeek_ssl(struct report *r, const struct session *s)
{
    FILE *f = r->out;
    char buf[IP_TEXT_LEN], id[24];
    int64_t ts = s->ch.present ? s->ch.at.ts : s->ts_first;
    when(f, ts);
    tab(f);
    uid(s, id);
    fputs(id, f);
    fprintf(f, "\t%s\t%u", fmt_ip(&s->client, buf), s->client.port);
    fprintf(f, "\t%s\t%u\t", fmt_ip(&s->server, buf), s->server.port);
    if (s->has_version)
        version(f, s->version);
    else
        unset(f);
    tab(f);
    if (s->has_cipher) {
        const struct cipher_info *ci = registry_cipher(s->cipher);
        if (ci)
            cstr(f, ci->name);
        else
            fprintf(f, "unknown-%u", (unsigned)s->cipher);
    } else {
        unset(f);
    }
    tab(f);
    /* the ECDHE curve or TLS 1.3 key share group, never a DH prime */
    const char *curve = s->has_group ? registry_group_name(s->group) : NULL;
    if (curve)
        cstr(f, curve);
    else if (s->has_group)
        fprintf(f, "unknown-%u", s->group);
    else
        unset(f);
    tab(f);
    const struct bytes *sni = session_sni(s);
    if (sni)
        str(f, sni->p, sni->len, false);
    else
        unset(f);
    tab(f);
    boolean(f, s->resumed);
    tab(f);
    const struct alert *al = session_last_alert(s);
    if (al) {
        const char *name = registry_alert_name(al->desc);
        if (name)
            cstr(f, name);
        else
            fprintf(f, "unknown-%u", al->desc);
    } else {
        unset(f);
    }
    tab(f);
    if (s->has_alpn_selected)
        str(f, s->alpn_selected.p, s->alpn_selected.len, false);
    else
        unset(f);
    tab(f);
    boolean(f, s->established);
    tab(f);
    history(f, s);
    tab(f);
    bool any = s->server_certs.n || s->client_certs.n;
    chain_fps(f, &s->server_certs, any);
    tab(f);
    chain_fps(f, &s->client_certs, any);
    tab(f);
    const struct cert *leaf = s->server_certs.n ? &s->server_certs.v[0] : NULL;
    if (sni && leaf && !leaf->parse_error) {
        boolean(f, server_name_matches(leaf, sni->p, sni->len));
    } else {
        unset(f);
    }
    fputc('\n', f);
}

/* ---- x509.log ----------------------------------------------------------------- */

struct logged_cert {
    uint8_t sha256[32];
    bool host, client;
};

static bool logged_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct report *r = ctx;
    const struct logged_cert *l = &r->x509_logged[at - 1], *k = key;
    return l->host == k->host && l->client == k->client && memcmp(l->sha256, k->sha256, 32) == 0;
}

/* Found through an index: a capture of many servers, or of clients with
 * certificates of their own, logs thousands. */
static bool seen_before(struct report *r, const struct cert *c, bool host, bool client)
{
    struct logged_cert key = {.host = host, .client = client};
    memcpy(key.sha256, c->sha256, 32);
    uint64_t hash = hmap_hash_bytes(key.sha256, 32, (uint64_t)host << 1 | client);
    if (hmap_get(&r->x509_index, hash, logged_is, &key, r))
        return true;
    if (r->n_x509_logged == r->cap_x509_logged) {
        size_t cap = r->cap_x509_logged ? r->cap_x509_logged * 2 : 64;
        struct logged_cert *v = realloc(r->x509_logged, cap * sizeof(*v));
        if (!v)
            return false; /* logged again rather than lost */
        r->x509_logged = v;
        r->cap_x509_logged = cap;
    }
    if (!hmap_put(&r->x509_index, hash, r->n_x509_logged + 1))
        return false;
    r->x509_logged[r->n_x509_logged++] = key;
    return false;
}

static void x509_row(FILE *f, const struct cert *c, int64_t ts, bool host, bool client)
{
    char fp[65];
    hex(fp, c->sha256, 32);
    when(f, ts);
    fprintf(f, "\t%s\t%d\t", fp, c->version);
    cstr(f, c->serial);
    tab(f);
    cstr(f, c->subject);
    tab(f);
    cstr(f, c->issuer);
    fprintf(f, "\t%lld.000000\t%lld.000000\t", (long long)c->not_before, (long long)c->not_after);
    cstr(f, c->key_alg);
    tab(f);
    cstr(f, c->sig_alg);
    tab(f);
    cstr(f, c->key_type);
    tab(f);
    if (c->key_bits > 0)
        fprintf(f, "%d", c->key_bits);
    else
        unset(f);
    tab(f);
    cstr(f, c->exponent);
    tab(f);
    cstr(f, c->curve);
    tab(f);
    names(f, &c->san_dns);
    tab(f);
    names(f, &c->san_uri);
    tab(f);
    names(f, &c->san_email);
    tab(f);
    strs(f, &c->san_ip);
    tab(f);
    if (c->has_basic_constraints) {
        boolean(f, c->ca);
        tab(f);
        if (c->path_len >= 0)
            fprintf(f, "%d", c->path_len);
        else
            unset(f);
    } else {
        fputs("-\t-", f);
    }
    tab(f);
    boolean(f, host);
    tab(f);
    boolean(f, client);
    fputc('\n', f);
}

void zeek_x509(struct report *r, const struct session *s)
{
    FILE *f = r->opts.x509_out;
    if (!f)
        return;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < chains[k]->n; i++) {
            const struct cert *c = &chains[k]->v[i];
            bool host = i == 0, client = k == 1;
            /* Zeek logs only what its X.509 parser decoded */
            if (c->parse_error || seen_before(r, c, host, client))
                continue;
            x509_row(f, c, chains[k]->at.ts ? chains[k]->at.ts : s->ts_first, host, client);
        }
}

/* ---- quic.log ----------------------------------------------------------------- */

/* Zeek's QUIC::version_strings, with the names it gives versions it does
 * not list. */
static void quic_version(FILE *f, uint32_t v)
{
    if (v == 1)
        fputs("1", f);
    else if (v == 0x6b3343cf)
        fputs("quicv2", f);
    else if ((v >> 8) == 0xff0000)
        fprintf(f, "draft-%u", v & 0xff);
    else
        fprintf(f, "unknown-%x", v);
}

static void cid(FILE *f, const struct bytes *b, bool present)
{
    if (!present) {
        unset(f);
        return;
    }
    if (!b->len) {
        fputs("(empty)", f);
        return;
    }
    char h[41];
    hex(h, b->p, b->len > 20 ? 20 : b->len);
    fputs(h, f);
}

/* A row per QUIC connection, with what Zeek's quic.log has: Zeek starts a
 * second row after a Retry or CONNECTION_CLOSE; here the connection keeps
 * one row and its history shows them. */
static void zeek_quic(struct report *r, const struct session *s)
{
    FILE *f = r->opts.quic_out;
    const struct quic_info *q = &s->quic;
    char buf[IP_TEXT_LEN], id[24];
    when(f, s->ts_first);
    tab(f);
    uid(s, id);
    fputs(id, f);
    fprintf(f, "\t%s\t%u", fmt_ip(&s->client, buf), s->client.port);
    fprintf(f, "\t%s\t%u\t", fmt_ip(&s->server, buf), s->server.port);
    quic_version(f, q->first_version ? q->first_version : q->version);
    tab(f);
    cid(f, &q->dcid, q->has_client_ids);
    tab(f);
    cid(f, &q->scid, q->has_client_ids);
    tab(f);
    cid(f, &q->server_scid, q->has_server_scid);
    tab(f);
    const struct bytes *sni = session_sni(s);
    if (sni)
        str(f, sni->p, sni->len, false);
    else
        unset(f);
    tab(f);
    if (s->ch.alpn.n)
        str(f, s->ch.alpn.v[0].p, s->ch.alpn.v[0].len, false);
    else
        unset(f);
    tab(f);
    str(f, (const uint8_t *)q->history, strlen(q->history), false);
    fputc('\n', f);
}

static void zeek_entry(struct report *r, const struct session *s)
{
    /* Zeek's ssl.log has TLS connections only */
    if (strcmp(report_status(s), "plaintext") != 0) {
        zeek_ssl(r, s);
        zeek_x509(r, s);
    }
    if (s->transport == TR_QUIC && r->opts.quic_out)
        zeek_quic(r, s);
}

static void zeek_end(struct report *r, const struct capture_stats *cs, const struct dissect_stats *ds)
{
    (void)cs;
    (void)ds;
    zeek_close(r);
}

/* Zeek's logs hold no findings and no fingerprints (sni_matches_cert is
 * worked out here); x509.log and the chains' fingerprints need the
 * certificates. */
static unsigned zeek_needs(const struct report *r)
{
    (void)r;
    return REPORT_NEEDS_CERTIFICATES;
}

const struct report_format zeek_format = {
    .name = "zeek", .needs = zeek_needs, .open = zeek_open, .session = zeek_entry, .summary = zeek_end, .directory = true,
};
