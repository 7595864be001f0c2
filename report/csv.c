/* --format csv: a header, then one row per session with the columns most
 * looked at, quoted as RFC 4180 wants (CRLF line ends; a field with a
 * comma, a quote or a line break in double quotes, quotes doubled).
 * --fields picks columns and their order. And --fields for JSON: the
 * session objects cut down to the top-level keys asked for. */
#include "report/internal.h"

#include <string.h>
#include <time.h>

#include "dissect/quic/quic.h"
#include "include/digits.h"
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

/* A row is put together here and handed to stdio in one call. Field by
 * field, each value printed into a buffer first, stdio's calls had cost
 * as much as the rest of a three-field CSV's output. */
struct row {
    FILE *f;
    size_t len;
    char buf[4096];
};

static void row_put(struct row *w, const char *p, size_t n)
{
    if (n > sizeof(w->buf) - w->len) {
        fwrite(w->buf, 1, w->len, w->f);
        w->len = 0;
        if (n > sizeof(w->buf)) {
            fwrite(p, 1, n, w->f);
            return;
        }
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void field(struct row *w, const char *v)
{
    size_t plain = strcspn(v, ",\"\r\n");
    if (!v[plain]) {
        row_put(w, v, plain);
        return;
    }
    row_put(w, "\"", 1);
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, "\"");
        row_put(w, p, n);
        p += n;
        if (*p) {
            row_put(w, "\"\"", 2);
            p++;
        }
    }
    row_put(w, "\"", 1);
}

/* iso_time - ns, or sec when ns is NULL (a certificate's validity, which
 * may lie beyond what nanoseconds can count), as 2024-02-29T13:45:07.123456Z;
 * empty when it cannot be written. */
static const char *iso_time(char *out, size_t len, const int64_t *ns, int64_t sec)
{
    if (ns)
        utc_text_ns(*ns, UTC_ISO, 6, out, len);
    else if (utc_text(sec, UTC_ISO, out, len)[0] != '?')
        snprintf(out + strlen(out), len - strlen(out), ".000000");
    if (out[0] == '?')
        out[0] = 0;
    else
        snprintf(out + strlen(out), len - strlen(out), "Z");
    return out;
}

static const char *number(char *out, uint64_t v)
{
    out[digits_u64(out, v)] = 0;
    return out;
}

static const char *hex(char *out, size_t len, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i = 0;
    for (; i < n && 2 * i + 2 < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * i] = 0;
    return out;
}

static const char *yes_no(bool v)
{
    return v ? "true" : "false";
}

/* cell - column c's text: a string the session or a table holds, or one
 * written into out (len bytes, room for any label). */
static const char *cell(const struct session *s, enum csv_column c, char *out, size_t len)
{
    _Static_assert(REG_LABEL_LEN <= 64 && IP_TEXT_LEN <= 64 && MQ_CHANNEL_MAX < 64,
                   "cell's labels are written into out");
    const struct cert *leaf = s->server_certs.n && !s->server_certs.v[0].parse_error ? &s->server_certs.v[0] : NULL;
    const struct alert *al = session_last_alert(s);
    out[0] = 0;
    switch (c) {
    case C_ID: return number(out, s->id);
    case C_TS: return iso_time(out, len, &s->ts_first, 0);
    case C_CLIENT_IP: return fmt_ip(&s->client, out);
    case C_CLIENT_PORT: return number(out, s->client.port);
    case C_SERVER_IP: return fmt_ip(&s->server, out);
    case C_SERVER_PORT: return number(out, s->server.port);
    case C_STATUS: return report_status(s);
    case C_VERSION: return s->has_version ? registry_version_label(s->version, out) : "";
    case C_CIPHER: return s->has_cipher ? registry_cipher_label(s->cipher, out) : "";
    case C_CIPHER_CODE: return s->has_cipher ? number(out, s->cipher) : "";
    case C_MQ_CIPHERSPEC: {
        const struct mq_cipherspec *mq = s->has_cipher && s->has_version && s->transport == TR_TCP
                                             ? mq_cipherspec_find(s->version, s->cipher) : NULL;
        return mq ? mq->name : "";
    }
    case C_GROUP: return s->has_group ? registry_group_label(s->group, out) : "";
    case C_SNI: {
        const struct bytes *sni = session_sni(s);
        if (sni)
            escape_bytes(sni->p, sni->len, out, len);
        return out;
    }
    case C_MQ_CHANNEL: {
        bool canonical;
        if (session_mq_channel(s, out, &canonical))
            return out;
        return s->mq.channel;
    }
    case C_ALPN:
        if (s->has_alpn_selected)
            escape_bytes(s->alpn_selected.p, s->alpn_selected.len, out, len);
        return out;
    case C_RESUMED: return yes_no(s->resumed);
    case C_ESTABLISHED: return yes_no(s->established);
    case C_DECRYPTED: return yes_no(s->decrypted);
    case C_LAST_ALERT: {
        const char *name = al ? registry_alert_name(al->desc) : "";
        return name ? name : "unknown";
    }
    case C_ALERT_FROM: return !al ? "" : al->dir == DIR_C2S ? "client" : "server";
    case C_HANDSHAKE_MS: {
        double ms = session_handshake_ms(s);
        if (ms >= 0)
            snprintf(out, len, "%.3f", ms);
        return out;
    }
    case C_JA3_HASH: return s->fp.ja3 ? s->fp.ja3_hash : "";
    case C_JA4: return s->fp.ja4;
    case C_JA3S_HASH: return s->fp.ja3s ? s->fp.ja3s_hash : "";
    case C_CERT_SUBJECT: return leaf && leaf->subject ? leaf->subject : "";
    case C_CERT_ISSUER: return leaf && leaf->issuer ? leaf->issuer : "";
    case C_CERT_NOT_AFTER: return leaf && leaf->has_validity ? iso_time(out, len, NULL, leaf->not_after) : "";
    case C_CERT_KEY:
        if (leaf && leaf->key_type)
            snprintf(out, len, "%s %d", leaf->key_type, leaf->key_bits);
        return out;
    case C_CERT_SHA256: return leaf ? hex(out, len, leaf->sha256, 32) : "";
    case C_STARTTLS: return s->starttls ? s->starttls : s->tunnel ? s->tunnel : "";
    case C_FINDINGS: return number(out, s->findings.n);
    case C_TRANSPORT: return transport_carrier(s->transport);
    case C_PROTOCOL: return transport_protocol(s->transport);
    case C_QUIC_VERSION: return s->transport == TR_QUIC && s->quic.version ? quic_version_name(s->quic.version, out) : "";
    case C_QUIC_DCID: return s->transport == TR_QUIC ? hex(out, len, s->quic.dcid.p, s->quic.dcid.len) : "";
    case C_WORST:
        /* findings come worst first */
        return s->findings.n ? severity_name(s->findings.v[0].severity) : "";
    case C_RULES: {
        size_t n = 0;
        for (size_t i = 0; i < s->findings.n && n + 2 < len; i++)
            n += (size_t)snprintf(out + n, len - n, "%s%s", i ? " " : "", s->findings.v[i].rule);
        return out;
    }
    default: return "";
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
    struct row w;
    w.f = r->out;
    w.len = 0;
    for (size_t i = 0; i < n; i++) {
        char scratch[1024];
        const char *v = cell(s, (enum csv_column)cols[i], scratch, sizeof(scratch));
        if (!v)
            v = "";
        if (i)
            row_put(&w, ",", 1);
        if (n == 1 && !v[0])
            row_put(&w, "\"\"", 2); /* a lone empty field, not an empty line readers skip */
        else
            field(&w, v);
    }
    row_put(&w, "\r\n", 2);
    fwrite(w.buf, 1, w.len, w.f);
}

const struct report_format csv_format = {
    .name = "csv", .needs = csv_needs, .open = csv_open, .session = csv_session, .fields = csv_names,
    .n_fields = C_COUNT, .light = true,
};
