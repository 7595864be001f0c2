#include "report/internal.h"

#include "dissect/quic/quic.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/digits.h"
#include "include/grow.h"

struct report *report_new(FILE *out, const struct report_opts *opts)
{
    struct report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->out = out;
    r->opts = *opts;
    if (!r->opts.format)
        r->opts.format = &text_format;
    jw_init(&r->jw, out);
    if (r->opts.format->open)
        r->opts.format->open(r);
    return r;
}

unsigned report_needs(const struct report *r)
{
    return r->opts.format->needs ? r->opts.format->needs(r) : REPORT_NEEDS_ALL;
}

bool report_light(const struct report *r)
{
    return r->opts.format->light;
}

static const struct report_format *const formats[] = {&text_format, &json_format, &zeek_format, &csv_format};

const struct report_format *report_format_named(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

void report_format_names(char *out, size_t len)
{
    size_t n = 0, count = sizeof(formats) / sizeof(formats[0]);
    out[0] = 0;
    for (size_t i = 0; i < count && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%s%s", i == 0 ? "" : i + 1 == count ? " or " : ", ",
                              formats[i]->name);
}

static bool known(const char *name, size_t len, const struct report_format *format)
{
    for (size_t i = 0; i < format->n_fields; i++) {
        const char *k = format->fields[i];
        if (strlen(k) == len && memcmp(k, name, len) == 0)
            return true;
    }
    return false;
}

bool report_fields_check(const char *fields, const struct report_format *format, char *err, size_t errlen)
{
    if (!format->fields) {
        size_t k = (size_t)snprintf(err, errlen, "--fields applies to --format"), taking = 0;
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]) && k < errlen; i++)
            if (formats[i]->fields)
                k += (size_t)snprintf(err + k, errlen - k, "%s %s", taking++ ? " and" : "", formats[i]->name);
        if (k < errlen)
            snprintf(err + k, errlen - k, " only");
        return false;
    }
    for (const char *p = fields;;) {
        size_t len = strcspn(p, ",");
        if (!len || !known(p, len, format)) {
            size_t k = 0;
            k += (size_t)snprintf(err, errlen, "--fields: %s '%.*s'; %s has: ", len ? "no field" : "an empty name in",
                                  (int)(len ? len : strlen(fields)), len ? p : fields, format->name);
            for (size_t i = 0; i < format->n_fields && k < errlen; i++)
                k += (size_t)snprintf(err + k, errlen - k, "%s%s", i ? "," : "", format->fields[i]);
            return false;
        }
        p += len;
        if (!*p)
            return true;
        p++;
    }
}

void report_flush(struct report *r)
{
    fflush(r->out);
    if (r->opts.x509_out)
        fflush(r->opts.x509_out);
    if (r->opts.quic_out)
        fflush(r->opts.quic_out);
}

void report_free(struct report *r)
{
    if (!r)
        return;
    tally_free(&r->versions);
    tally_free(&r->ciphers);
    tally_free(&r->alerts);
    tally_free(&r->starttls);
    tally_free(&r->findings);
    free(r->x509_logged);
    hmap_free(&r->x509_index);
    jw_select_free(r->fields);
    free(r);
}

static bool tcp_eventful(const struct tcp_dir_stats *t)
{
    return t->retransmits || t->late_fills || t->gaps || t->zero_windows;
}

/* appendf - printf at buf + *n, never past len; *n stops at len - 1. */
static void appendf(char *buf, size_t len, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
    if (*n + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, len - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n = *n + (size_t)w < len ? *n + (size_t)w : len - 1;
}

static void tcp_direction(char *buf, size_t len, size_t *n, const char *name, const struct tcp_dir_stats *t)
{
    const char *sep = " ";
    appendf(buf, len, n, "%s", name);
    if (t->retransmits) {
        appendf(buf, len, n, "%s%u retransmission%s", sep, t->retransmits, t->retransmits == 1 ? "" : "s");
        sep = ", ";
    }
    if (t->late_fills) {
        appendf(buf, len, n, "%s%u late segment%s", sep, t->late_fills, t->late_fills == 1 ? "" : "s");
        sep = ", ";
    }
    if (t->longest_wait > 0)
        appendf(buf, len, n, " (longest wait %.1f ms, packet %llu)", (double)t->longest_wait / 1e6,
                (unsigned long long)t->longest_wait_packet);
    if (t->gaps) {
        appendf(buf, len, n, "%s%u gap%s (%llu bytes not captured)", sep, t->gaps, t->gaps == 1 ? "" : "s",
                (unsigned long long)t->gap_bytes);
        sep = ", ";
    }
    if (t->zero_windows)
        appendf(buf, len, n, "%swindow closed %u time%s", sep, t->zero_windows, t->zero_windows == 1 ? "" : "s");
}

static void packet_counts(char *buf, size_t len, size_t *n, const char *who, const uint32_t *count)
{
    static const char *const names[QP_KINDS] = {
        [QP_INITIAL] = "Initial", [QP_0RTT] = "0-RTT", [QP_HANDSHAKE] = "Handshake", [QP_RETRY] = "Retry",
        [QP_SHORT] = "1-RTT", [QP_VERSION_NEG] = "Version Negotiation",
    };
    appendf(buf, len, n, "; %s", who);
    bool any = false;
    for (int k = 0; k < QP_KINDS; k++)
        if (count[k]) {
            appendf(buf, len, n, "%s %u %s", any ? "," : "", count[k], names[k]);
            any = true;
        }
    if (!any)
        appendf(buf, len, n, " none");
}

const char *report_transport_text(const struct session *s, char *buf, size_t len)
{
    size_t n = 0;
    char name[32];
    if (len)
        buf[0] = 0;
    if (s->transport == TR_QUIC) {
        const struct quic_info *q = &s->quic;
        if (q->has_client_ids) {
            appendf(buf, len, &n, "DCID ");
            for (size_t i = 0; i < q->dcid.len; i++)
                appendf(buf, len, &n, "%02x", q->dcid.p[i]);
        } else {
            appendf(buf, len, &n, "no Initial packet could be opened");
        }
        if (q->first_version && q->first_version != q->version)
            appendf(buf, len, &n, ", first tried %s", quic_version_name(q->first_version, name));
        if (q->offered.n) {
            appendf(buf, len, &n, ", Version Negotiation offered ");
            for (size_t i = 0; i < q->offered.n; i++)
                appendf(buf, len, &n, "%s%s", i ? "," : "", quic_version_name(q->offered.v[i], name));
        }
        if (q->retries)
            appendf(buf, len, &n, ", %u Retr%s (token %zu bytes%s)", q->retries, q->retries == 1 ? "y" : "ies",
                    q->retry_token.len,
                    q->retry_tag == RETRY_TAG_INVALID ? ", integrity tag WRONG"
                    : q->retry_tag == RETRY_TAG_VALID ? ", integrity tag verified" : "");
        packet_counts(buf, len, &n, "client", q->packets[DIR_C2S]);
        packet_counts(buf, len, &n, "server", q->packets[DIR_S2C]);
        if (q->path_changes && q->paths.n) { /* none kept when memory ran out */
            const struct quic_path *p = &q->paths.v[q->paths.n - 1];
            char client[IP_TEXT_LEN], server[IP_TEXT_LEN];
            appendf(buf, len, &n, "; changed path %u time%s, %s %s:%u -> %s:%u from packet %llu", q->path_changes,
                    q->path_changes == 1 ? "" : "s", q->path_changes > q->paths.n ? "the last kept" : "last",
                    fmt_ip(&p->client, client), p->client.port, fmt_ip(&p->server, server), p->server.port,
                    (unsigned long long)p->at.packet);
        }
        return "quic";
    }
    if (s->transport == TR_DTLS) {
        const struct dtls_info *d = &s->dtls;
        appendf(buf, len, &n, "records 0x%04x", d->record_version);
        if (d->hello_verify)
            appendf(buf, len, &n, ", HelloVerifyRequest with a %u-byte cookie", d->cookie_len);
        uint32_t re = d->retransmits[0] + d->retransmits[1], fr = d->fragments[0] + d->fragments[1];
        if (re)
            appendf(buf, len, &n, ", %u handshake message%s sent again", re, re == 1 ? "" : "s");
        if (fr)
            appendf(buf, len, &n, ", %u fragment%s reassembled", fr, fr == 1 ? "" : "s");
        return "dtls";
    }
    return NULL;
}

bool report_tcp_text(const struct session *s, char *buf, size_t len)
{
    bool c2s = tcp_eventful(&s->tcp[DIR_C2S]), s2c = tcp_eventful(&s->tcp[DIR_S2C]);
    size_t n = 0;
    if (len)
        buf[0] = 0;
    if (c2s)
        tcp_direction(buf, len, &n, "client->server", &s->tcp[DIR_C2S]);
    if (c2s && s2c)
        appendf(buf, len, &n, "; ");
    if (s2c)
        tcp_direction(buf, len, &n, "server->client", &s->tcp[DIR_S2C]);
    return c2s || s2c;
}

const char *report_status(const struct session *s)
{
    return report_status_why(s, NULL);
}

const char *report_status_why(const struct session *s, const char **cause)
{
    const char *unused;
    if (!cause)
        cause = &unused;
    *cause = "";
    if ((s->mq.client || s->mq.server) && !s->sh.present)
        return "plaintext";
    if (s->established)
        return "ok";
    if (s->one_way) /* half a connection: neither failed nor incomplete */
        return "partial";
    const struct alert *al = session_last_alert(s);
    const char *name = al ? registry_alert_name(al->desc) : NULL;
    if (!s->ch.present && !s->sh.present && !s->hrr.present) {
        /* alerts and nothing else on a connection seen from its start:
         * a side gave up before its hello */
        if (s->mid_stream || !al || al->level != 2)
            return "partial";
        *cause = name ? name : "alert";
        return "failed";
    }
    if (al && al->level == 2) {
        *cause = name ? name : "alert";
        return "failed";
    }
    for (size_t i = 0; i < s->alerts.n; i++)
        if (s->alerts.v[i].encrypted) {
            *cause = "encrypted alert";
            return "failed";
        }
    if (s->not_tls_reply.len) {
        *cause = "not TLS";
        return "failed";
    }
    if (s->transport == TR_QUIC && s->quic.close_seen) {
        *cause = "connection closed";
        return "failed";
    }
    /* a side that hangs up before the handshake completes ended it, alert
     * or not; a reset at any point is a failure */
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind == EV_TCP_RST || (e->kind == EV_TCP_FIN && !s->mid_stream && s->ch.present)) {
            *cause = e->kind == EV_TCP_RST ? "reset" : "closed";
            return "failed";
        }
    }
    return "incomplete";
}

static void count(struct report *r, const struct session *s)
{
    char buf[REG_LABEL_LEN];
    r->sessions++;
    r->anomalies += s->anomalies.n + s->anomalies.dropped;
    const char *st = report_status(s);
    if (strcmp(st, "ok") == 0)
        r->established++;
    else if (strcmp(st, "failed") == 0)
        r->failed++;
    else if (strcmp(st, "partial") == 0)
        r->partial++;
    else if (strcmp(st, "plaintext") == 0)
        r->plaintext++;
    else
        r->incomplete++;
    if (s->resumed)
        r->resumed++;
    r->quic += s->transport == TR_QUIC;
    r->dtls += s->transport == TR_DTLS;
    if (s->has_version)
        tally_add(&r->versions, registry_version_label(s->version, buf));
    if (s->has_cipher)
        tally_add(&r->ciphers, registry_cipher_label(s->cipher, buf));
    const struct alert *al = session_last_alert(s);
    if (al) {
        const char *name = registry_alert_name(al->desc);
        char key[64];
        snprintf(key, sizeof(key), "%s from %s", name ? name : "unknown",
                 al->dir == DIR_C2S ? "client" : "server");
        tally_add(&r->alerts, key);
    }
    if (s->starttls || s->tunnel)
        tally_add(&r->starttls, s->starttls ? s->starttls : s->tunnel);
    for (size_t i = 0; i < s->findings.n; i++) {
        tally_add(&r->findings, s->findings.v[i].rule);
        r->by_severity[s->findings.v[i].severity]++;
    }
}

void report_session(struct report *r, const struct session *s)
{
    count(r, s);
    r->opts.format->session(r, s);
}

void report_capture_findings(struct report *r, const struct capture_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tally_add(&r->findings, f[i].f.rule);
        r->by_severity[f[i].f.severity]++;
    }
    if (r->opts.format->capture_findings)
        r->opts.format->capture_findings(r, f, n);
}

void report_summary(struct report *r, const struct capture_stats *cs,
                    const struct dissect_stats *ds)
{
    if (r->opts.format->summary)
        r->opts.format->summary(r, cs, ds);
    report_flush(r);
}

/* ---- shared formatting ---------------------------------------------------- */

/* IPv4 by hand: glibc's inet_ntop formats it with sprintf, and every
 * line of every format names two addresses. IPv6's shortening is left
 * to inet_ntop. */
const char *fmt_ip(const struct endpoint *e, char *buf)
{
    if (e->family != 6) {
        char *to = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = e->addr[i];
            if (i)
                *to++ = '.';
            to += digits_u64(to, v);
        }
        *to = 0;
        return buf;
    }
    if (!inet_ntop(AF_INET6, e->addr, buf, IP_TEXT_LEN))
        snprintf(buf, IP_TEXT_LEN, "?");
    return buf;
}

const char *fmt_dir(uint8_t dir)
{
    return dir == DIR_C2S ? "c2s" : "s2c";
}

const char *fmt_alert_level(uint8_t level)
{
    return level == 1 ? "warning" : level == 2 ? "fatal" : "unknown";
}

const char *fmt_event(const struct event *e, char *buf)
{
    static const char *const ssl2[] = {
        "sslv2_error", "sslv2_client_hello", "sslv2_client_master_key",
        "sslv2_client_finished", "sslv2_server_hello", "sslv2_server_verify",
        "sslv2_server_finished", "sslv2_request_certificate",
        "sslv2_client_certificate",
    };
    switch (e->kind) {
    case EV_HANDSHAKE: {
        const char *n = registry_handshake_name(e->type);
        if (n)
            return n;
        snprintf(buf, 32, "handshake_%u", e->type);
        return buf;
    }
    case EV_ENC_HANDSHAKE: return "encrypted_handshake";
    case EV_CCS: return e->type ? "encrypted_change_cipher_spec" : "change_cipher_spec";
    case EV_ALERT: return e->type == 255 ? "encrypted_alert" : "alert";
    case EV_APPDATA: return "application_data";
    case EV_EARLY_DATA: return "early_data";
    case EV_HEARTBEAT: return "heartbeat";
    case EV_SSL2:
        if (e->type < ARRAY_LEN(ssl2))
            return ssl2[e->type];
        snprintf(buf, 32, "sslv2_message_%u", e->type);
        return buf;
    case EV_QUIC_VERSION_NEG: return "quic_version_negotiation";
    case EV_QUIC_RETRY: return "quic_retry";
    case EV_QUIC_PATH: return "quic_path_change";
    case EV_TCP_SYN: return e->type ? "tcp_syn_ack" : "tcp_syn";
    case EV_TCP_FIN: return "tcp_fin";
    case EV_TCP_RST: return "tcp_rst";
    case EV_TCP_ACK: return "tcp_ack";
    case EV_TCP_RETRANSMIT: return e->type ? "tcp_late_fill" : "tcp_retransmission";
    case EV_TCP_ZERO_WINDOW: return "tcp_zero_window";
    }
    return "unknown";
}

const struct bytes *session_sni(const struct session *s)
{
    return s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
}

bool session_mq_channel(const struct session *s, char *out, bool *canonical)
{
    const struct bytes *sni = session_sni(s);
    if (sni && mq_sni_decode(sni->p, sni->len, out, canonical))
        return true;
    if (!s->mq.channel[0])
        return false;
    snprintf(out, MQ_CHANNEL_MAX + 1, "%s", s->mq.channel);
    *canonical = true;
    return true;
}

/* key: the text as a row keeps it, cut to the row's room */
struct tally_key {
    const char *p;
    size_t n;
};

static bool tally_row_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct tally *t = ctx;
    const struct tally_key *k = key;
    const char *kept = t->v[at - 1].key;
    return strnlen(kept, sizeof(t->v[0].key)) == k->n && memcmp(kept, k->p, k->n) == 0;
}

void tally_add(struct tally *t, const char *key)
{
    struct tally_key k = {key, strnlen(key, sizeof(t->v[0].key) - 1)};
    uint64_t hash = hmap_hash_bytes(k.p, k.n, 0);
    uintptr_t at = hmap_get(&t->index, hash, tally_row_is, &k, t);
    if (at) {
        t->v[at - 1].n++;
        return;
    }
    struct tally_row *grown = grow_array(t->v, t->n, &t->cap, sizeof(*grown), 8);
    if (!grown)
        return;
    t->v = grown;
    if (!hmap_put(&t->index, hash, t->n + 1))
        return;
    memcpy(t->v[t->n].key, k.p, k.n);
    t->v[t->n].key[k.n] = 0;
    t->v[t->n].n = 1;
    t->n++;
}

void tally_free(struct tally *t)
{
    hmap_free(&t->index);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}
