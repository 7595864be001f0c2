/* --format csv: a header, then one row per session with the columns most
 * looked at, quoted as RFC 4180 wants (CRLF line ends; a field with a
 * comma, a quote or a line break in double quotes, quotes doubled).
 * --fields picks columns and their order. And --fields for JSON: the
 * session objects cut down to the top-level keys asked for. */
#include "report/internal.h"

#include <string.h>
#include <time.h>

#include "dissect/quic/quic.h"
#include "include/escape.h"
#include "include/utc.h"

/* ---- columns ----------------------------------------------------------------------- */

enum csv_column {
    C_ID, C_TS, C_CLIENT_IP, C_CLIENT_PORT, C_SERVER_IP, C_SERVER_PORT, C_STATUS, C_VERSION,
    C_CIPHER, C_CIPHER_CODE, C_MQ_CIPHERSPEC, C_GROUP, C_SNI, C_MQ_CHANNEL, C_ALPN, C_RESUMED,
    C_ESTABLISHED, C_DECRYPTED, C_LAST_ALERT, C_ALERT_FROM, C_HANDSHAKE_MS, C_JA3_HASH, C_JA4,
    C_JA3S_HASH, C_CERT_SUBJECT, C_CERT_ISSUER, C_CERT_NOT_AFTER, C_CERT_KEY, C_CERT_SHA256,
    C_STARTTLS, C_FINDINGS, C_WORST, C_RULES, C_TRANSPORT, C_PROTOCOL, C_QUIC_VERSION, C_QUIC_DCID,
    C_COUNT,
};

static const char *const csv_names[C_COUNT] = {
    "id", "ts", "client_ip", "client_port", "server_ip", "server_port", "status", "version",
    "cipher", "cipher_code", "mq_cipherspec", "group", "sni", "mq_channel", "alpn", "resumed",
    "established", "decrypted", "last_alert", "alert_from", "handshake_ms", "ja3_hash", "ja4",
    "ja3s_hash", "cert_subject", "cert_issuer", "cert_not_after", "cert_key", "cert_sha256",
    "starttls", "findings", "worst_severity", "rules", "transport", "protocol", "quic_version", "quic_dcid",
};


/* ---- CSV --------------------------------------------------------------------------- */

static void field(FILE *f, const char *v)
{
    if (!v)
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* iso_time - ns, or sec when ns is NULL (a certificate's validity, which
 * may lie beyond what nanoseconds can count), as 2024-02-29T13:45:07.123456Z;
 * empty when it cannot be written. */
static void iso_time(char *out, size_t len, const int64_t *ns, int64_t sec)
{
    if (ns)
        utc_text_ns(*ns, UTC_ISO, 6, out, len);
    else if (utc_text(sec, UTC_ISO, out, len)[0] != '?')
        snprintf(out + strlen(out), len - strlen(out), ".000000");
    if (out[0] == '?')
        out[0] = 0;
    else
        snprintf(out + strlen(out), len - strlen(out), "Z");
}

static void cell(const struct session *s, enum csv_column c, char *out, size_t len)
{
    char buf[REG_LABEL_LEN], ip[IP_TEXT_LEN];
    const struct cert *leaf = s->server_certs.n && !s->server_certs.v[0].parse_error ? &s->server_certs.v[0] : NULL;
    const struct alert *al = session_last_alert(s);
    out[0] = 0;
    switch (c) {
    case C_ID: snprintf(out, len, "%llu", (unsigned long long)s->id); break;
    case C_TS: iso_time(out, len, &s->ts_first, 0); break;
    case C_CLIENT_IP: snprintf(out, len, "%s", fmt_ip(&s->client, ip)); break;
    case C_CLIENT_PORT: snprintf(out, len, "%u", s->client.port); break;
    case C_SERVER_IP: snprintf(out, len, "%s", fmt_ip(&s->server, ip)); break;
    case C_SERVER_PORT: snprintf(out, len, "%u", s->server.port); break;
    case C_STATUS: snprintf(out, len, "%s", report_status(s)); break;
    case C_VERSION:
        if (s->has_version)
            snprintf(out, len, "%s", registry_version_label(s->version, buf));
        break;
    case C_CIPHER:
        if (s->has_cipher)
            snprintf(out, len, "%s", registry_cipher_label(s->cipher, buf));
        break;
    case C_CIPHER_CODE:
        if (s->has_cipher)
            snprintf(out, len, "%u", (unsigned)s->cipher);
        break;
    case C_MQ_CIPHERSPEC: {
        const struct mq_cipherspec *mq = s->has_cipher && s->has_version && s->transport == TR_TCP
                                             ? mq_cipherspec_find(s->version, s->cipher) : NULL;
        if (mq)
            snprintf(out, len, "%s", mq->name);
        break;
    }
    case C_GROUP:
        if (s->has_group)
            snprintf(out, len, "%s", registry_group_label(s->group, buf));
        break;
    case C_SNI: {
        const struct bytes *sni = session_sni(s);
        if (sni)
            escape_bytes(sni->p, sni->len, out, len);
        break;
    }
    case C_MQ_CHANNEL: {
        bool canonical;
        char channel[MQ_CHANNEL_MAX + 1];
        if (session_mq_channel(s, channel, &canonical))
            snprintf(out, len, "%s", channel);
        else if (s->mq.channel[0])
            snprintf(out, len, "%s", s->mq.channel);
        break;
    }
    case C_ALPN:
        if (s->has_alpn_selected)
            escape_bytes(s->alpn_selected.p, s->alpn_selected.len, out, len);
        break;
    case C_RESUMED: snprintf(out, len, "%s", s->resumed ? "true" : "false"); break;
    case C_ESTABLISHED: snprintf(out, len, "%s", s->established ? "true" : "false"); break;
    case C_DECRYPTED: snprintf(out, len, "%s", s->decrypted ? "true" : "false"); break;
    case C_LAST_ALERT:
        if (al) {
            const char *name = registry_alert_name(al->desc);
            snprintf(out, len, "%s", name ? name : "unknown");
        }
        break;
    case C_ALERT_FROM:
        if (al)
            snprintf(out, len, "%s", al->dir == DIR_C2S ? "client" : "server");
        break;
    case C_HANDSHAKE_MS: {
        double ms = session_handshake_ms(s);
        if (ms >= 0)
            snprintf(out, len, "%.3f", ms);
        break;
    }
    case C_JA3_HASH: snprintf(out, len, "%s", s->fp.ja3 ? s->fp.ja3_hash : ""); break;
    case C_JA4: snprintf(out, len, "%s", s->fp.ja4); break;
    case C_JA3S_HASH: snprintf(out, len, "%s", s->fp.ja3s ? s->fp.ja3s_hash : ""); break;
    case C_CERT_SUBJECT:
        if (leaf && leaf->subject)
            snprintf(out, len, "%s", leaf->subject);
        break;
    case C_CERT_ISSUER:
        if (leaf && leaf->issuer)
            snprintf(out, len, "%s", leaf->issuer);
        break;
    case C_CERT_NOT_AFTER:
        if (leaf && leaf->has_validity)
            iso_time(out, len, NULL, leaf->not_after);
        break;
    case C_CERT_KEY:
        if (leaf && leaf->key_type)
            snprintf(out, len, "%s %d", leaf->key_type, leaf->key_bits);
        break;
    case C_CERT_SHA256:
        for (size_t i = 0; leaf && i < 32 && 2 * i + 2 < len; i++)
            snprintf(out + 2 * i, len - 2 * i, "%02x", leaf->sha256[i]);
        break;
    case C_STARTTLS:
        snprintf(out, len, "%s", s->starttls ? s->starttls : s->tunnel ? s->tunnel : "");
        break;
    case C_FINDINGS: snprintf(out, len, "%zu", s->findings.n); break;
    case C_TRANSPORT: snprintf(out, len, "%s", transport_carrier(s->transport)); break;
    case C_PROTOCOL: snprintf(out, len, "%s", transport_protocol(s->transport)); break;
    case C_QUIC_VERSION:
        if (s->transport == TR_QUIC && s->quic.version) {
            char name[32];
            snprintf(out, len, "%s", quic_version_name(s->quic.version, name));
        }
        break;
    case C_QUIC_DCID:
        for (size_t i = 0; s->transport == TR_QUIC && i < s->quic.dcid.len && 2 * i + 2 < len; i++)
            snprintf(out + 2 * i, len - 2 * i, "%02x", s->quic.dcid.p[i]);
        break;
    case C_WORST:
        /* findings come worst first */
        if (s->findings.n)
            snprintf(out, len, "%s", severity_name(s->findings.v[0].severity));
        break;
    case C_RULES: {
        size_t n = 0;
        for (size_t i = 0; i < s->findings.n && n + 2 < len; i++)
            n += (size_t)snprintf(out + n, len - n, "%s%s", i ? " " : "", s->findings.v[i].rule);
        break;
    }
    default: break;
    }
}

/* the columns to write: --fields, else all */
static size_t columns(const struct report *r, uint8_t *out)
{
    if (!r->opts.fields) {
        for (int c = 0; c < C_COUNT; c++)
            out[c] = (uint8_t)c;
        return C_COUNT;
    }
    size_t n = 0;
    for (const char *p = r->opts.fields; *p && n < 64;) {
        size_t len = strcspn(p, ",");
        for (int c = 0; c < C_COUNT; c++)
            if (strlen(csv_names[c]) == len && memcmp(csv_names[c], p, len) == 0)
                out[n++] = (uint8_t)c;
        p += len;
        if (*p)
            p++;
    }
    return n;
}

void csv_open(struct report *r)
{
    r->csv_n = columns(r, r->csv_cols);
    for (size_t i = 0; i < r->csv_n; i++)
        fprintf(r->out, "%s%s", i ? "," : "", csv_names[r->csv_cols[i]]);
    fputs("\r\n", r->out);
}

/* Only the findings columns need the rules, only the fingerprint columns
 * JA3 and JA4, only the certificate columns decoded certificates: a CSV
 * of a few plain fields skips all three. */
static unsigned csv_needs(const struct report *r)
{
    unsigned needs = 0;
    for (size_t i = 0; i < r->csv_n; i++) {
        uint8_t c = r->csv_cols[i];
        if (c == C_FINDINGS || c == C_WORST || c == C_RULES)
            needs |= REPORT_NEEDS_FINDINGS;
        if (c == C_JA3_HASH || c == C_JA4 || c == C_JA3S_HASH)
            needs |= REPORT_NEEDS_FINGERPRINTS;
        if (c == C_CERT_SUBJECT || c == C_CERT_ISSUER || c == C_CERT_NOT_AFTER || c == C_CERT_KEY ||
            c == C_CERT_SHA256)
            needs |= REPORT_NEEDS_CERTIFICATES;
    }
    return needs;
}

void csv_session(struct report *r, const struct session *s)
{
    const uint8_t *cols = r->csv_cols;
    size_t n = r->csv_n;
    for (size_t i = 0; i < n; i++) {
        char v[1024];
        cell(s, (enum csv_column)cols[i], v, sizeof(v));
        if (i)
            fputc(',', r->out);
        if (n == 1 && !v[0])
            fputs("\"\"", r->out); /* a lone empty field, not an empty line readers skip */
        else
            field(r->out, v);
    }
    fputs("\r\n", r->out);
}

const struct report_format csv_format = {
    .name = "csv", .needs = csv_needs, .open = csv_open, .session = csv_session, .fields = csv_names,
    .n_fields = C_COUNT, .light = true,
};
