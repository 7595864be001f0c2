/* What each tab of a session shows, as lines. */
#include "tui/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dissect/mq/mq.h"
#include "dissect/quic/quic.h"
#include "include/escape.h"
#include "include/utc.h"
#include "dissect/registry/registry.h"
#include "report/report.h"
#include "rules/rules.h"

static void endpoint(const struct endpoint *e, char *out, size_t len)
{
    char ip[64] = "?";
    inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof(ip));
    snprintf(out, len, e->family == 6 ? "[%s]:%u" : "%s:%u", ip, e->port);
}

static const char *version(uint16_t v, char *buf)
{
    return registry_version_label(v, buf);
}

/* ---- overview --------------------------------------------------------------------- */

static void overview(struct tui *u, struct lines *l, int width)
{
    const struct session *s = u->detail.s;
    const struct tui_row *r = &u->t->rows[u->detail.row];
    char a[96], b[96], buf[REG_LABEL_LEN], status[64];
    endpoint(&s->client, a, sizeof(a));
    endpoint(&s->server, b, sizeof(b));
    row_cell(r, COL_STATUS, status, sizeof(status));
    lines_add(l, T_BOLD, "#%llu  %s -> %s", (unsigned long long)r->id, a, b);
    lines_add(l, r->status == RS_OK ? T_OK : r->status == RS_FAILED || r->status == RS_PLAINTEXT ? T_HIGH : T_DIM,
              "status     %s%s", status, s->decrypted ? " (decrypted with the key log)" : "");
    utc_text_ns(s->ts_first, UTC_SECONDS, 0, a, sizeof(a));
    double ms = session_handshake_ms(s), rtt = session_rtt_ms(s, NULL, NULL);
    char took[64] = "", trip[48] = "";
    if (ms >= 0)
        snprintf(took, sizeof(took), ", handshake %.3f ms", ms);
    if (rtt >= 0)
        snprintf(trip, sizeof(trip), ", round trip %.3f ms", rtt);
    lines_add(l, T_PLAIN, "started    %s UTC%s%s", a, took, trip);
    char tcp[512];
    if (report_tcp_text(s, tcp, sizeof(tcp)))
        lines_add(l, T_MEDIUM, "tcp        %s", tcp);
    const char *transport = report_transport_text(s, tcp, sizeof(tcp));
    if (transport) {
        char lead[16];
        snprintf(lead, sizeof(lead), "%-11s", transport);
        lines_wrap(l, T_PLAIN, -1, lead, tcp, width);
    }
    if (s->starttls || s->tunnel)
        lines_add(l, T_PLAIN, "before TLS %s%s%s", s->starttls ? s->starttls : "", s->starttls ? " STARTTLS" : "",
                  s->tunnel ? s->tunnel : "");
    lines_add(l, T_PLAIN, "version    %s", s->has_version ? version(s->version, buf) : "not negotiated");
    if (s->has_cipher) {
        const struct mq_cipherspec *mq = s->has_version && s->transport == TR_TCP
                                             ? mq_cipherspec_find(s->version, s->cipher) : NULL;
        lines_add(l, T_PLAIN, "cipher     %s (0x%04x)%s%s", registry_cipher_label(s->cipher, buf),
                  (unsigned)s->cipher, mq ? "   MQ CipherSpec " : "", mq ? mq->name : "");
    }
    if (s->has_group)
        lines_add(l, T_PLAIN, "group      %s", registry_group_label(s->group, buf));
    else if (s->ske.dh_p_bits)
        lines_add(l, T_PLAIN, "group      DHE, %u-bit prime", s->ske.dh_p_bits);
    if (s->ch.sni.n) {
        escape_bytes(s->ch.sni.v[0].p, s->ch.sni.v[0].len, a, sizeof(a));
        lines_add(l, T_PLAIN, "SNI        %s%s%s", a, r->mq_channel[0] ? "   MQ channel " : "", r->mq_channel);
    } else if (r->mq_channel[0]) {
        lines_add(l, T_PLAIN, "MQ channel %s", r->mq_channel);
    }
    if (r->alpn[0])
        lines_add(l, T_PLAIN, "ALPN       %s", r->alpn);
    lines_add(l, T_PLAIN, "resumed    %s", s->resumed ? "yes" : "no");
    if (s->fp.ja4[0])
        lines_add(l, T_PLAIN, "JA4        %s", s->fp.ja4);
    if (s->fp.ja3 || s->fp.ja3s)
        lines_add(l, T_PLAIN, "JA3        %s%s%s", s->fp.ja3 ? s->fp.ja3_hash : "-", s->fp.ja3s ? "   JA3S " : "",
                  s->fp.ja3s ? s->fp.ja3s_hash : "");
    if (s->mq.client || s->mq.server)
        lines_add(l, T_HIGH, "MQ         spoken without TLS%s%s%s%s", s->mq.channel[0] ? ", channel " : "",
                  s->mq.channel, s->mq.qmgr[0] ? ", queue manager " : "", s->mq.qmgr);
    const struct cert *leaf = s->server_certs.n ? &s->server_certs.v[0] : NULL;
    if (leaf && !leaf->parse_error) {
        utc_text(leaf->not_after, UTC_DAY, a, sizeof(a));
        lines_add(l, T_PLAIN, "server     %s (%s %d), valid until %s", leaf->subject ? leaf->subject : "?",
                  leaf->key_type ? leaf->key_type : "?", leaf->key_bits, a);
    } else if (s->has_version && registry_version_is_tls13(s->version) && !s->decrypted) {
        lines_add(l, T_DIM, "server     certificate encrypted (TLS 1.3; open with --keylog to see it)");
    }
    if (s->decryption.attempted && !s->decrypted && s->decryption.problem)
        lines_wrap(l, T_DIM, -1, "decryption ", s->decryption.problem, width);
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *al = &s->alerts.v[i];
        const char *name = registry_alert_name(al->desc);
        lines_add(l, al->level == 2 || al->encrypted ? T_HIGH : T_DIM, "alert      %s %s (packet %llu)",
                  al->dir == DIR_C2S ? "client" : "server",
                  al->encrypted ? "encrypted alert" : name ? name : "unknown",
                  (unsigned long long)al->at.packet);
    }
    lines_add(l, T_PLAIN, "%s", "");
    if (!s->findings.n)
        lines_add(l, T_OK, "findings   none");
    for (size_t i = 0; i < s->findings.n; i++) {
        const struct finding *f = &s->findings.v[i];
        char lead[32], text[400];
        snprintf(lead, sizeof(lead), "finding    %-6s ", severity_name(f->severity));
        snprintf(text, sizeof(text), "%s [%s]", f->title, f->rule);
        lines_wrap(l, severity_tone(f->severity), -1, lead, text, width);
    }
    if (s->anomalies.n)
        lines_add(l, T_MEDIUM, "anomalies  %zu (see the ladder)", s->anomalies.n);
}

/* ---- ladder --------------------------------------------------------------------------- */

static const char *event_name(const struct event *e, char *buf, size_t len)
{
    switch (e->kind) {
    case EV_HANDSHAKE: {
        const char *n = registry_handshake_name(e->type);
        snprintf(buf, len, "%s", n ? n : "handshake");
        break;
    }
    case EV_ENC_HANDSHAKE: snprintf(buf, len, "encrypted handshake"); break;
    case EV_CCS: snprintf(buf, len, e->type ? "change_cipher_spec (encrypted: renegotiation)" : "change_cipher_spec"); break;
    case EV_ALERT: {
        const char *n = e->type == 255 ? "encrypted" : registry_alert_name(e->type);
        snprintf(buf, len, "alert %s", n ? n : "?");
        break;
    }
    case EV_APPDATA: snprintf(buf, len, "application data"); break;
    case EV_EARLY_DATA: snprintf(buf, len, "early data"); break;
    case EV_HEARTBEAT: snprintf(buf, len, "heartbeat"); break;
    case EV_SSL2: snprintf(buf, len, "SSLv2 message %u", e->type); break;
    case EV_QUIC_VERSION_NEG: snprintf(buf, len, "Version Negotiation (%u versions)", e->len); break;
    case EV_QUIC_RETRY: snprintf(buf, len, "Retry (token of %u bytes)", e->len); break;
    case EV_QUIC_PATH: snprintf(buf, len, "new path (change %u)", e->len); break;
    case EV_TCP_SYN: snprintf(buf, len, e->type ? "SYN-ACK" : "SYN"); break;
    case EV_TCP_FIN: snprintf(buf, len, "FIN"); break;
    case EV_TCP_RST: snprintf(buf, len, "RST"); break;
    case EV_TCP_ACK: snprintf(buf, len, "ACK"); break;
    case EV_TCP_RETRANSMIT:
        snprintf(buf, len, "%s (waited %.1f ms)", e->type ? "late segment" : "retransmission", e->len / 1e3);
        break;
    case EV_TCP_ZERO_WINDOW: snprintf(buf, len, "zero window"); break;
    default: snprintf(buf, len, "?"); break;
    }
    return buf;
}

static void ladder(struct tui *u, struct lines *l, int width)
{
    const struct session *s = u->detail.s;
    char a[96], b[96];
    endpoint(&s->client, a, sizeof(a));
    endpoint(&s->server, b, sizeof(b));
    int span = width - 14 - 2;
    if (span < 30)
        span = 30;
    if (span > 70)
        span = 70;
    lines_add(l, T_BOLD, "%12s  %-*s%s", "", span - (int)strlen(b) > 0 ? span - (int)strlen(b) + 1 : 1, a, b);
    lines_add(l, T_DIM, "%12s  %s", "", "#packet rRecord (the record's number in its direction)");
    int64_t t0 = s->hs_start.ts ? s->hs_start.ts : s->ts_first;
    size_t next_message = 0;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        char name[64], label[128], arrow[256];
        event_name(e, name, sizeof(name));
        /* the packet it came in, and for TLS the record's number in its direction */
        if (e->at.record && e->kind < EV_TCP_SYN)
            snprintf(label, sizeof(label), " %s #%llu r%u ", name, (unsigned long long)e->at.packet, e->at.record);
        else
            snprintf(label, sizeof(label), " %s #%llu ", name, (unsigned long long)e->at.packet);
        int n = (int)strlen(label);
        int dashes = span - n - 1 > 2 ? span - n - 1 : 2;
        if (e->dir == DIR_C2S)
            snprintf(arrow, sizeof(arrow), "|%.*s%s%.*s>", dashes / 2, "--------------------------------------------------",
                     label, dashes - dashes / 2, "--------------------------------------------------");
        else
            snprintf(arrow, sizeof(arrow), "<%.*s%s%.*s|", dashes / 2, "--------------------------------------------------",
                     label, dashes - dashes / 2, "--------------------------------------------------");
        enum tone t = e->kind == EV_ALERT ? T_HIGH : e->kind >= EV_TCP_SYN ? T_DIM
                    : e->kind == EV_APPDATA || e->kind == EV_EARLY_DATA ? T_LOW : T_PLAIN;
        lines_add(l, t, "%10.3f ms  %s", (double)(e->at.ts - t0) / 1e6, arrow);
        /* handshake messages were kept in the order their events were recorded */
        const struct raw_message *m = next_message < s->messages.n ? &s->messages.v[next_message] : NULL;
        if (e->kind == EV_HANDSHAKE && m && m->type == e->type && m->dir == e->dir && m->at.packet == e->at.packet)
            lines_ref(l, (int)next_message++);
    }
    if (s->events.dropped)
        lines_add(l, T_DIM, "%12s  ... and %u more events, not kept", "", s->events.dropped);
    if (s->anomalies.n) {
        lines_add(l, T_PLAIN, "%s", "");
        for (size_t i = 0; i < s->anomalies.n; i++)
            lines_add(l, T_MEDIUM, "anomaly  %s: %s (packet %llu)", s->anomalies.v[i].what,
                      s->anomalies.v[i].detail, (unsigned long long)s->anomalies.v[i].at.packet);
    }
}

/* ---- hello -------------------------------------------------------------------------------- */

static void u16_names(struct lines *l, int node, const struct u16s *v, const char *(*label)(uint16_t, char *),
                      uint16_t chosen, bool has_chosen)
{
    char buf[REG_LABEL_LEN];
    for (size_t i = 0; i < v->n; i++) {
        bool grease = is_grease(v->v[i]);
        bool pick = has_chosen && v->v[i] == chosen;
        lines_child(l, pick ? T_ACCENT : grease ? T_DIM : T_PLAIN, node, "    0x%04x %s%s%s", v->v[i],
                    label(v->v[i], buf), grease ? "  (GREASE)" : "", pick ? "   <- chosen" : "");
    }
}

static void ext_line(struct lines *l, int node, const struct hello *h, const struct ext_seen *e)
{
    char buf[REG_LABEL_LEN], detail[300] = "";
    size_t n = 0;
    switch (e->type) {
    case 0:
        names_joined(&h->sni, detail, sizeof(detail));
        break;
    case 16:
        names_joined(&h->alpn, detail, sizeof(detail));
        break;
    case 43:
        if (h->selected_version)
            snprintf(detail, sizeof(detail), "%s", version(h->selected_version, buf));
        else
            for (size_t i = 0; i < h->versions.n && n < sizeof(detail) - 30; i++)
                n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s%s", i ? ", " : "",
                                      version(h->versions.v[i], buf));
        break;
    case 51:
        for (size_t i = 0; i < h->key_share_groups.n && n < sizeof(detail) - 30; i++)
            n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s%s", i ? ", " : "",
                                  registry_group_label(h->key_share_groups.v[i], buf));
        break;
    case 10:
        snprintf(detail, sizeof(detail), "%zu groups", h->groups.n);
        break;
    case 13:
        snprintf(detail, sizeof(detail), "%zu schemes", h->sig_algs.n);
        break;
    case 41:
        snprintf(detail, sizeof(detail), h->psk_selected >= 0 ? "identity %d selected" : "%u identities",
                 h->psk_selected >= 0 ? h->psk_selected : h->n_psk_identities);
        break;
    case 65037:
        snprintf(detail, sizeof(detail), "%s", h->ech == ECH_OUTER ? "outer hello (real ECH or GREASE)" : "");
        break;
    default:
        break;
    }
    lines_child(l, e->bad ? T_HIGH : is_grease(e->type) ? T_DIM : T_PLAIN, node, "    %-28s %5u bytes%s%s%s",
                registry_ext_label(e->type, buf), e->len, detail[0] ? "  " : "", detail,
                e->bad ? "  (malformed)" : e->duplicate ? "  (duplicate)" : "");
}

static const char *group_label(uint16_t v, char *buf) { return registry_group_label(v, buf); }
static const char *scheme_label(uint16_t v, char *buf) { return registry_sigscheme_label(v, buf); }

static void hello_tree(struct tui *u, struct lines *l, const char *what, const struct hello *h, bool client)
{
    const struct session *s = u->detail.s;
    char buf[REG_LABEL_LEN], record[REG_LABEL_LEN];
    if (!h->present)
        return;
    int top = lines_node(l, T_BOLD, -1, "%s  %s (record %s), packet %llu", what, version(h->version, buf),
                         registry_version_label(h->record_version, record),
                         (unsigned long long)h->at.packet);
    if (h->session_id.len)
        lines_child(l, T_DIM, top, "  session id: %zu bytes", h->session_id.len);
    if (!client) {
        for (size_t i = 0; i < h->ciphers.n; i++) {
            const struct mq_cipherspec *mq = s->has_version ? mq_cipherspec_find(s->version, h->ciphers.v[i]) : NULL;
            lines_child(l, T_ACCENT, top, "  cipher suite 0x%04x %s%s%s", (unsigned)h->ciphers.v[i],
                        registry_cipher_label(h->ciphers.v[i], buf), mq ? "  MQ " : "", mq ? mq->name : "");
        }
    } else {
        char chosen[160] = "";
        size_t at = h->ciphers.n;
        for (size_t i = 0; s->has_cipher && i < h->ciphers.n; i++)
            if (h->ciphers.v[i] == s->cipher && at == h->ciphers.n)
                at = i;
        if (s->has_cipher && at < h->ciphers.n)
            snprintf(chosen, sizeof(chosen), ", chosen: %s (offered %zu of %zu)", registry_cipher_label(s->cipher, buf),
                     at + 1, h->ciphers.n);
        else if (s->has_cipher)
            snprintf(chosen, sizeof(chosen), ", chosen: %s, which was NOT offered", registry_cipher_label(s->cipher, buf));
        int cs = lines_node(l, T_PLAIN, top, "  cipher suites (%zu)%s", h->ciphers.n, chosen);
        for (size_t i = 0; i < h->ciphers.n; i++) {
            uint32_t c = h->ciphers.v[i];
            bool pick = i == at;
            const struct mq_cipherspec *mq = s->has_version ? mq_cipherspec_find(s->version, c) : NULL;
            lines_child(l, pick ? T_ACCENT : is_grease(c) ? T_DIM : T_PLAIN, cs, "    0x%04x %s%s%s%s%s",
                        (unsigned)c, registry_cipher_label(c, buf), pick ? "  <- chosen" : "",
                        is_grease(c) ? "  (GREASE)" : "", mq ? "  MQ " : "", mq ? mq->name : "");
        }
    }
    int ex = lines_node(l, T_PLAIN, top, "  extensions (%zu)", h->exts.n);
    for (size_t i = 0; i < h->exts.n; i++)
        ext_line(l, ex, h, &h->exts.v[i]);
    if (h->groups.n) {
        int g = lines_node(l, T_PLAIN, top, "  supported groups (%zu)%s%s", h->groups.n,
                           s->has_group ? ", chosen: " : "", s->has_group ? registry_group_label(s->group, buf) : "");
        u16_names(l, g, &h->groups, group_label, s->group, s->has_group);
    }
    if (h->sig_algs.n) {
        char record_sig[REG_LABEL_LEN];
        int g = lines_node(l, T_PLAIN, top, "  signature algorithms (%zu)%s%s", h->sig_algs.n,
                           s->cert_verify_seen ? ", signed with: " : "",
                           s->cert_verify_seen ? registry_sigscheme_label(s->cert_verify_scheme, record_sig) : "");
        u16_names(l, g, &h->sig_algs, scheme_label, s->cert_verify_scheme, s->cert_verify_seen);
    }
    if (h->has_quic_params) {
        int g = lines_node(l, T_PLAIN, top, "  QUIC transport parameters (%zu)", h->quic_params.n);
        for (size_t i = 0; i < h->quic_params.n; i++) {
            const struct quic_param *p = &h->quic_params.v[i];
            const char *name = quic_param_name(p->id);
            char id[24], value[48];
            snprintf(id, sizeof(id), "0x%llx", (unsigned long long)p->id);
            if (p->integer)
                snprintf(value, sizeof(value), "%llu", (unsigned long long)p->value);
            else
                snprintf(value, sizeof(value), "%zu bytes", p->raw.len);
            lines_child(l, name && !strcmp(name, "grease") ? T_DIM : T_PLAIN, g, "    %s  %s", name ? name : id,
                        value);
        }
    }
    if (h->dc_sig_algs.n) {
        int g = lines_node(l, T_PLAIN, top, "  delegated credentials (%zu): schemes a credential may be signed with",
                           h->dc_sig_algs.n);
        u16_names(l, g, &h->dc_sig_algs, scheme_label, 0, false);
    }
    if (h->versions.n && client) {
        int g = lines_node(l, T_PLAIN, top, "  supported versions (%zu)%s%s", h->versions.n,
                           s->has_version ? ", chosen: " : "", s->has_version ? version(s->version, record) : "");
        for (size_t i = 0; i < h->versions.n; i++) {
            bool pick = s->has_version && h->versions.v[i] == s->version;
            lines_child(l, pick ? T_ACCENT : is_grease(h->versions.v[i]) ? T_DIM : T_PLAIN, g, "    %s%s",
                        version(h->versions.v[i], buf), pick ? "   <- chosen" : "");
        }
    }
}

static void hello(struct tui *u, struct lines *l)
{
    const struct session *s = u->detail.s;
    if (!s->ch.present && !s->sh.present) {
        lines_add(l, T_DIM, "no hello was captured");
        return;
    }
    hello_tree(u, l, "ClientHello", &s->ch, true);
    if (s->hrr.present)
        hello_tree(u, l, "HelloRetryRequest", &s->hrr, false);
    if (s->ch_retry.present)
        hello_tree(u, l, "second ClientHello", &s->ch_retry, true);
    hello_tree(u, l, "ServerHello", &s->sh, false);
    if (s->ee.present)
        hello_tree(u, l, "EncryptedExtensions", &s->ee, false);
}

/* ---- certificates --------------------------------------------------------------------------- */

static void validity_bar(struct lines *l, int node, const struct cert *c, int64_t at, int width)
{
    int w = width - 30 > 40 ? 40 : width - 30 > 10 ? width - 30 : 10;
    char bar[64];
    double span = (double)(c->not_after - c->not_before);
    double pos = span > 0 ? (double)(at - c->not_before) / span : 0;
    int mark = pos < 0 ? -1 : pos > 1 ? w : (int)(pos * (w - 1));
    for (int i = 0; i < w; i++)
        bar[i] = i == mark ? '|' : i < mark ? '=' : '.';
    bar[w] = 0;
    char when[16];
    utc_text(at, UTC_DAY, when, sizeof(when));
    const char *where = pos < 0 ? "not yet valid then" : pos > 1 ? "expired then" : "";
    lines_child(l, pos < 0 || pos > 1 ? T_HIGH : T_PLAIN, node, "      [%s] | = capture time, %s %s", bar, when,
                where);
}

static void cert_lines(struct lines *l, int parent, const struct cert *c, size_t i, int64_t at, int width)
{
    char nb[16], na[16];
    if (c->parse_error) {
        lines_child(l, T_HIGH, parent, "  [%zu] %s", i, c->parse_error);
        return;
    }
    int node = lines_node(l, c->self_signed ? T_MEDIUM : T_BOLD, parent, " [%zu] %s", i, c->subject ? c->subject : "?");
    utc_text(c->not_before, UTC_DAY, nb, sizeof(nb));
    utc_text(c->not_after, UTC_DAY, na, sizeof(na));
    lines_child(l, T_PLAIN, node, "      issuer   %s%s", c->issuer ? c->issuer : "?", c->self_signed ? "  (self-signed)" : "");
    lines_child(l, T_PLAIN, node, "      valid    %s .. %s", nb, na);
    validity_bar(l, node, c, at, width);
    lines_child(l, T_PLAIN, node, "      key      %s %d bits%s%s", c->key_type ? c->key_type : "?", c->key_bits,
                c->curve ? " " : "", c->curve ? c->curve : "");
    lines_child(l, T_PLAIN, node, "      signed   %s", c->sig_alg ? c->sig_alg : "?");
    lines_child(l, T_DIM, node, "      serial   %s", c->serial ? c->serial : "?");
    char list[600];
    size_t n = 0;
    list[0] = 0;
    for (size_t k = 0; k < c->san_dns.n && n < sizeof(list) - 100; k++) {
        char name[90];
        escape_bytes(c->san_dns.v[k].p, c->san_dns.v[k].len, name, sizeof(name));
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", name);
    }
    for (size_t k = 0; k < c->san_ip.n && n < sizeof(list) - 60; k++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", c->san_ip.v[k]);
    if (n)
        lines_wrap(l, T_PLAIN, node, "      SAN      ", list, width);
    static const char *const ku[] = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                     "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
    n = 0;
    list[0] = 0;
    for (int k = 0; k < 9 && c->has_key_usage; k++)
        if (c->key_usage & (1u << k))
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", ku[k]);
    if (n)
        lines_child(l, T_PLAIN, node, "      usage    %s", list);
    n = 0;
    list[0] = 0;
    for (size_t k = 0; k < c->ext_key_usage.n && n < sizeof(list) - 60; k++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", c->ext_key_usage.v[k]);
    if (n)
        lines_child(l, T_PLAIN, node, "      ext use  %s", list);
    if (c->has_basic_constraints)
        lines_child(l, T_PLAIN, node, "      CA       %s", c->ca ? "yes" : "no");
    for (size_t k = 0; k < c->ocsp_urls.n; k++) {
        char url[300];
        escape_bytes(c->ocsp_urls.v[k].p, c->ocsp_urls.v[k].len, url, sizeof(url));
        lines_child(l, T_DIM, node, "      OCSP     %s", url);
    }
    char hex[80];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, sizeof(hex) - 2 * (size_t)k, "%02x", c->sha256[k]);
    lines_child(l, T_DIM, node, "      sha256   %s", hex);
}

static void chain(struct tui *u, struct lines *l, const char *who, const struct chain *c, int width)
{
    if (!c->seen)
        return;
    const char *check = c->trusted.checked ? (c->trusted.ok ? ", verifies against --ca-file" : ", does not verify against --ca-file")
                      : c->public_root ? ", ends at a public root" : "";
    int node = lines_node(l, c->trusted.checked && !c->trusted.ok ? T_HIGH : T_BOLD, -1, "%s chain: %zu certificate%s%s",
                          who, c->n, c->n == 1 ? "" : "s", check);
    if (c->trusted.checked && !c->trusted.ok)
        lines_child(l, T_HIGH, node, "  OpenSSL: %s (certificate [%d])", c->trusted.error ? c->trusted.error : "?",
                    c->trusted.error_depth);
    for (size_t i = 0; i < c->n; i++)
        cert_lines(l, node, &c->v[i], i, u->detail.s->ts_first / 1000000000, width);
}

static void certificates(struct tui *u, struct lines *l, int width)
{
    const struct session *s = u->detail.s;
    if (!s->server_certs.seen && !s->client_certs.seen) {
        if (s->has_version && registry_version_is_tls13(s->version) && !s->decrypted)
            lines_add(l, T_DIM, "the certificates are encrypted in TLS 1.3: run tlsscope tui with --keylog FILE");
        else
            lines_add(l, T_DIM, "no certificate was sent");
        return;
    }
    chain(u, l, "server", &s->server_certs, width);
    chain(u, l, "client", &s->client_certs, width);
}

/* ---- findings ------------------------------------------------------------------------------ */

static void findings(struct tui *u, struct lines *l, int width)
{
    const struct session *s = u->detail.s;
    if (!s->findings.n) {
        lines_add(l, T_OK, "no findings");
        return;
    }
    for (size_t i = 0; i < s->findings.n; i++) {
        const struct finding *f = &s->findings.v[i];
        int node = lines_node(l, severity_tone(f->severity), -1, "%-6s %s", severity_name(f->severity), f->title);
        lines_child(l, T_DIM, node, "         rule: %s   (tlsscope rules %s)", f->rule, f->rule);
        lines_wrap(l, T_PLAIN, node, "         seen: ", f->evidence, width);
        if (f->fix)
            lines_wrap(l, T_PLAIN, node, "         fix:  ", f->fix, width);
        if (f->mq)
            lines_wrap(l, T_ACCENT, node, "         MQ:   ", f->mq, width);
    }
}

/* ---- bytes ----------------------------------------------------------------------------------- */

static void bytes(struct tui *u, struct lines *l)
{
    const struct session *s = u->detail.s;
    if (!s->messages.n) {
        lines_add(l, T_DIM, "no handshake message was captured in full");
        return;
    }
    if (u->detail.msg >= s->messages.n)
        u->detail.msg = s->messages.n - 1;
    const struct raw_message *m = &s->messages.v[u->detail.msg];
    const char *name = registry_handshake_name(m->type);
    lines_add(l, T_BOLD, "message %zu of %zu: %s from the %s, %zu bytes, packet %llu, record %u   ([ and ] for others)",
              u->detail.msg + 1, s->messages.n, name ? name : "?",
              m->dir == DIR_C2S ? "client" : "server", m->body.len, (unsigned long long)m->at.packet,
              m->at.record);
    /* the header as on the wire (a HelloRetryRequest is a ServerHello
     * there), then the body */
    enum { WIRE_SERVER_HELLO = 2, SHOWN_HRR = 6 };
    uint8_t head[4] = {m->type == SHOWN_HRR ? WIRE_SERVER_HELLO : m->type, (uint8_t)(m->body.len >> 16),
                       (uint8_t)(m->body.len >> 8), (uint8_t)m->body.len};
    size_t total = 4 + m->body.len;
    for (size_t off = 0; off < total; off += 16) {
        char hex[64] = "", ascii[20] = "";
        size_t hn = 0;
        for (size_t k = 0; k < 16; k++) {
            size_t i = off + k;
            if (i >= total) {
                hn += (size_t)snprintf(hex + hn, sizeof(hex) - hn, "   ");
                continue;
            }
            uint8_t b = i < 4 ? head[i] : m->body.p[i - 4];
            hn += (size_t)snprintf(hex + hn, sizeof(hex) - hn, "%02x%s", b, k == 7 ? "  " : " ");
            ascii[k] = b >= 0x20 && b < 0x7f ? (char)b : '.';
            ascii[k + 1] = 0;
        }
        lines_add(l, off == 0 ? T_ACCENT : T_PLAIN, "%06zx  %-50s %s", off, hex, ascii);
    }
}

void detail_build(struct tui *u, struct lines *l, int width)
{
    switch (u->detail.tab) {
    case TAB_OVERVIEW: overview(u, l, width); break;
    case TAB_LADDER: ladder(u, l, width); break;
    case TAB_HELLO: hello(u, l); break;
    case TAB_CERTS: certificates(u, l, width); break;
    case TAB_FINDINGS: findings(u, l, width); break;
    case TAB_BYTES: bytes(u, l); break;
    default: break;
    }
}
