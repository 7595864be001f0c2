/* The human report: one block per session, then a summary. */
#include "report/internal.h"

#include "dissect/quic/quic.h"

#include <stdlib.h>
#include <string.h>

#include "include/utc.h"

enum colour { C_OFF, C_BOLD, C_RED, C_GREEN, C_YELLOW, C_DIM, C_CYAN };

static const char *esc(const struct report *r, enum colour c)
{
    static const char *const codes[] = {"\033[0m", "\033[1m", "\033[31m",
                                        "\033[32m", "\033[33m", "\033[2m",
                                        "\033[36m"};
    return r->opts.color ? codes[c] : "";
}

static void when(char *buf, size_t len, int64_t ns)
{
    if (utc_text_ns(ns, UTC_SECONDS, 6, buf, len)[0] != '?')
        snprintf(buf + strlen(buf), len - strlen(buf), " UTC");
}

static void printable(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f)
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02x", p[i]);
    }
}

static void field(const struct report *r, const char *name)
{
    fprintf(r->out, "    %-10s ", name);
}

static void header(struct report *r, const struct session *s)
{
    char c[IP_TEXT_LEN], v[IP_TEXT_LEN], ver[REG_LABEL_LEN];
    const char *st = report_status(s);
    enum colour col = strcmp(st, "ok") == 0 ? C_GREEN
                    : strcmp(st, "failed") == 0 ? C_RED : C_YELLOW;
    const char *shown = strcmp(st, "ok") == 0 ? "established" : st;
    bool v6c = s->client.family == 6, v6s = s->server.family == 6;
    char note[96];
    const char *pre13 = s->has_version ? registry_version_note(s->version, note, sizeof(note)) : NULL;
    char quic[40] = "";
    if (s->transport == TR_QUIC) {
        char name[32];
        snprintf(quic, sizeof(quic), "%s, ", s->quic.version ? quic_version_name(s->quic.version, name) : "QUIC");
    }
    fprintf(r->out, "%s#%llu  %s%s%s:%u -> %s%s%s:%u%s  %s%s%s%s%s  %s%s%s\n",
            esc(r, C_BOLD), (unsigned long long)s->id, v6c ? "[" : "",
            fmt_ip(&s->client, c), v6c ? "]" : "", s->client.port,
            v6s ? "[" : "", fmt_ip(&s->server, v), v6s ? "]" : "",
            s->server.port, esc(r, C_OFF), quic,
            s->has_version ? registry_version_label(s->version, ver)
            : s->ch.present || s->sh.present || s->alerts.n ? "version unknown"
            : s->mq.client || s->mq.server ? "no TLS"
                                           : "version not seen", /* TLS records, picked up mid-connection */
            pre13 ? " (" : "", pre13 ? pre13 : "", pre13 ? ")" : "", esc(r, col), shown, esc(r, C_OFF));
    char t[64];
    when(t, sizeof(t), s->ts_first);
    field(r, "started");
    fprintf(r->out, "%s", t);
    double ms = session_handshake_ms(s);
    if (ms >= 0)
        fprintf(r->out, ", handshake %.3f ms", ms);
    double rtt = session_rtt_ms(s, NULL, NULL);
    if (rtt >= 0)
        fprintf(r->out, ", round trip %.3f ms", rtt);
    if (s->starttls)
        fprintf(r->out, ", after %s STARTTLS", s->starttls);
    if (s->tunnel)
        fprintf(r->out, ", through %s", s->tunnel);
    if (s->tunnel_host)
        fprintf(r->out, strchr(s->tunnel_host, ':') ? " to [%s]:%u" : " to %s:%u", s->tunnel_host,
                (unsigned)s->tunnel_port);
    if (s->mid_stream)
        fprintf(r->out, ", capture began mid-connection");
    if (s->one_way)
        fprintf(r->out, ", only the %s's packets captured", s->one_way - 1 == DIR_C2S ? "client" : "server");
    if (s->roles_guessed)
        fprintf(r->out, ", client/server guessed");
    fputc('\n', r->out);
}

/* What the SNI shown means when the client offered ECH: the outer hello
 * alone cannot tell real ECH from GREASE. */
static const char *ech_note(enum ech_outcome e)
{
    switch (e) {
    case EO_UNKNOWN:
        return "  (ECH offered: only a public name if the server accepted it; GREASE ECH, which browsers "
               "send everywhere, carries the real name here)";
    case EO_NOT_USED: return "  (ECH offered, not used by the server: the name it served)";
    case EO_ACCEPTED: return "  (ECH accepted: the public name; the real one was encrypted)";
    case EO_NONE: break;
    }
    return "";
}

/* QUIC's or DTLS's own facts (report_transport_text), and how a QUIC
 * connection was closed. */
static void transport_lines(struct report *r, const struct session *s)
{
    char line[512];
    const char *what = report_transport_text(s, line, sizeof(line));
    if (!what)
        return;
    field(r, what);
    fprintf(r->out, "%s\n", line);
    const struct quic_info *q = &s->quic;
    if (s->transport == TR_QUIC && q->close_seen) {
        field(r, "closed");
        fprintf(r->out, "by the %s: %s error 0x%llx", q->close_dir == DIR_C2S ? "client" : "server",
                q->close_app ? "application" : "transport", (unsigned long long)q->close_code);
        if (q->close_reason) {
            fputs(" \"", r->out);
            printable(r->out, (const uint8_t *)q->close_reason, strlen(q->close_reason));
            fputc('"', r->out);
        }
        fputc('\n', r->out);
    }
}

/* Loss and flow control, only when there was some: where a slow or
 * broken handshake may have lost its time. */
static void tcp_line(struct report *r, const struct session *s)
{
    char line[512];
    if (!report_tcp_text(s, line, sizeof(line)))
        return;
    field(r, "tcp");
    fprintf(r->out, "%s\n", line);
}

static void negotiated(struct report *r, const struct session *s)
{
    char buf[REG_LABEL_LEN];
    if (s->has_cipher) {
        field(r, "cipher");
        fprintf(r->out, "%s (0x%04x)", registry_cipher_label(s->cipher, buf),
                (unsigned)s->cipher);
        /* MQ channels run over TCP: a CipherSpec means nothing to QUIC or DTLS */
        const struct mq_cipherspec *mq = s->has_version && s->transport == TR_TCP
                                             ? mq_cipherspec_find(s->version, s->cipher) : NULL;
        if (mq)
            fprintf(r->out, "  MQ CipherSpec %s%s", mq->name,
                    mq->deprecated ? " (deprecated)" : "");
        fputc('\n', r->out);
    }
    if (s->has_group) {
        field(r, "group");
        fprintf(r->out, "%s\n", registry_group_label(s->group, buf));
    } else if (s->ske.dh_p_bits) {
        field(r, "group");
        fprintf(r->out, "DHE, %u-bit prime\n", s->ske.dh_p_bits);
    }
    const struct bytes *sni = session_sni(s);
    if (!s->ch.present && (s->mq.client || s->mq.server))
        return; /* plaintext MQ: no hello, the MQ line names the channel */
    field(r, "SNI");
    if (sni)
        printable(r->out, sni->p, sni->len);
    else
        fprintf(r->out, "%s", s->ch.present ? "(none sent)" : "(not seen)");
    char channel[MQ_CHANNEL_MAX + 1];
    bool canonical;
    if (session_mq_channel(s, channel, &canonical))
        fprintf(r->out, "  -> MQ channel %s%s", channel,
                canonical ? "" : " (not as an MQ client writes it)");
    if (sni)
        fprintf(r->out, "%s", ech_note(s->ech));
    fputc('\n', r->out);
    if (s->ch.alpn.n || s->has_alpn_selected) {
        field(r, "ALPN");
        fprintf(r->out, "offered ");
        for (size_t i = 0; i < s->ch.alpn.n; i++) {
            fprintf(r->out, "%s", i ? ", " : "");
            printable(r->out, s->ch.alpn.v[i].p, s->ch.alpn.v[i].len);
        }
        if (s->has_alpn_selected) {
            fprintf(r->out, "; selected ");
            printable(r->out, s->alpn_selected.p, s->alpn_selected.len);
        } else if (s->has_version && registry_version_is_tls13(s->version)) {
            fprintf(r->out, "; the choice is encrypted in TLS 1.3");
        }
        fputc('\n', r->out);
    }
    if (s->resumed) {
        field(r, "resumed");
        fprintf(r->out, "yes\n");
    }
    if (s->renegotiations) {
        field(r, "handshakes");
        fprintf(r->out, "%u: the first, then %u renegotiation%s under its keys\n", s->renegotiations + 1,
                s->renegotiations, s->renegotiations == 1 ? "" : "s");
    }
}

static void decrypted(struct report *r, const struct session *s)
{
    const struct decryption *d = &s->decryption;
    if (!d->attempted || (!s->ch.present && !s->sh.present))
        return;
    field(r, "decrypted");
    if (!s->decrypted) {
        fprintf(r->out, "no: %s\n", d->problem ? d->problem : "nothing was encrypted");
        return;
    }
    fprintf(r->out, "%s, %u record%s", d->problem ? "partly" : "yes", d->records,
            d->records == 1 ? "" : "s");
    if (d->early_records)
        fprintf(r->out, ", %u of early data", d->early_records);
    if (d->key_updates[0] || d->key_updates[1])
        fprintf(r->out, ", key updates: %u by the client, %u by the server", d->key_updates[DIR_C2S],
                d->key_updates[DIR_S2C]);
    if (d->renegotiations)
        fprintf(r->out, ", %u renegotiation%s", d->renegotiations, d->renegotiations == 1 ? "" : "s");
    if (d->failures)
        fprintf(r->out, ", %u that did not authenticate", d->failures);
    if (d->problem)
        fprintf(r->out, "; %s", d->problem);
    fputc('\n', r->out);
    if (!r->opts.app_data)
        return;
    static const char *const who[2] = {"client", "server"};
    for (int dir = 0; dir < 2; dir++) {
        field(r, dir ? "" : "app data");
        fprintf(r->out, "%s: %u record%s, %llu bytes", who[dir], d->app_records[dir],
                d->app_records[dir] == 1 ? "" : "s", (unsigned long long)d->app_bytes[dir]);
        if (d->app_first[dir].len) {
            fprintf(r->out, "; the first (%u bytes) begins \"", d->app_first_len[dir]);
            printable(r->out, d->app_first[dir].p, d->app_first[dir].len);
            fputc('"', r->out);
        }
        fputc('\n', r->out);
    }
}

/* -v: what the client offered, in full. */
static void offer_lists(struct report *r, const struct hello *h)
{
    char buf[REG_LABEL_LEN];
    if (h->ciphers.n) {
        field(r, "suites");
        for (size_t i = 0; i < h->ciphers.n; i++)
            fprintf(r->out, "%s%s", i ? ", " : "", registry_cipher_label(h->ciphers.v[i], buf));
        fputc('\n', r->out);
    }
    if (h->exts.n) {
        field(r, "extensions");
        for (size_t i = 0; i < h->exts.n; i++)
            fprintf(r->out, "%s%s", i ? ", " : "", registry_ext_label(h->exts.v[i].type, buf));
        fputc('\n', r->out);
    }
    if (h->sig_algs.n) {
        field(r, "sig algs");
        for (size_t i = 0; i < h->sig_algs.n; i++)
            fprintf(r->out, "%s%s", i ? ", " : "", registry_sigscheme_label(h->sig_algs.v[i], buf));
        fputc('\n', r->out);
    }
    if (h->has_quic_params) {
        field(r, "quic params");
        for (size_t i = 0; i < h->quic_params.n; i++) {
            const struct quic_param *p = &h->quic_params.v[i];
            const char *name = quic_param_name(p->id);
            fprintf(r->out, "%s", i ? ", " : "");
            if (name)
                fputs(name, r->out);
            else
                fprintf(r->out, "0x%llx", (unsigned long long)p->id);
            if (p->integer)
                fprintf(r->out, "=%llu", (unsigned long long)p->value);
            else if (p->raw.len)
                fprintf(r->out, " (%zu bytes)", p->raw.len);
        }
        fputc('\n', r->out);
    }
    if (h->dc_sig_algs.n) {
        field(r, "delegated");
        for (size_t i = 0; i < h->dc_sig_algs.n; i++)
            fprintf(r->out, "%s%s", i ? ", " : "", registry_sigscheme_label(h->dc_sig_algs.v[i], buf));
        fputc('\n', r->out);
    }
}

static void hello_line(struct report *r, const char *who, const struct hello *h)
{
    char buf[REG_LABEL_LEN];
    if (!h->present)
        return;
    field(r, who);
    uint16_t best = h->version;
    for (size_t i = 0; i < h->versions.n; i++)
        if (!is_grease(h->versions.v[i]) && h->versions.v[i] > best &&
            h->versions.v[i] <= VER_TLS13)
            best = h->versions.v[i];
    fprintf(r->out, "%s%s, %zu cipher suite%s, %zu extension%s",
            registry_version_label(best, buf),
            h->sslv2 && best != VER_SSL2 ? " in an SSLv2-format hello" : "",
            h->ciphers.n, h->ciphers.n == 1 ? "" : "s", h->exts.n,
            h->exts.n == 1 ? "" : "s");
    /* pre-standard TLS 1.3 versions sort above 0x0304: name them too */
    for (size_t i = 0; i < h->versions.n; i++) {
        char note[96];
        uint16_t v = h->versions.v[i];
        if (!is_grease(v) && registry_version_note(v, note, sizeof(note)))
            fprintf(r->out, ", also %s (%s)", registry_version_label(v, buf), note);
    }
    if (h->groups.n) {
        /* four in the header line, every one with -v; a cut list says so */
        size_t real = 0, shown = 0, limit = r->opts.verbose ? SIZE_MAX : 4;
        fprintf(r->out, ", groups ");
        for (size_t i = 0; i < h->groups.n; i++) {
            if (is_grease(h->groups.v[i]))
                continue;
            if (real++ < limit)
                fprintf(r->out, "%s%s", shown++ ? "," : "", registry_group_label(h->groups.v[i], buf));
        }
        if (real > shown)
            fprintf(r->out, " and %zu more", real - shown);
    }
    fputc('\n', r->out);
    if (r->opts.verbose)
        offer_lists(r, h);
}

static void fingerprints(struct report *r, const struct session *s)
{
    const struct fingerprints *fp = &s->fp;
    if (fp->ja4[0]) {
        field(r, "JA4");
        fprintf(r->out, "%s\n", fp->ja4);
    }
    if (fp->ja3 || fp->ja3s) {
        field(r, fp->ja3 ? "JA3" : "JA3S");
        if (fp->ja3)
            fprintf(r->out, "%s%s", fp->ja3_hash, fp->ja3s ? "  JA3S " : "");
        fprintf(r->out, "%s\n", fp->ja3s ? fp->ja3s_hash : "");
    }
    if (!r->opts.verbose)
        return;
    if (fp->ja4_r) {
        field(r, "JA4_r");
        fprintf(r->out, "%s\n", fp->ja4_r);
        field(r, "JA4_o");
        fprintf(r->out, "%s\n", fp->ja4_o);
        field(r, "JA4_ro");
        fprintf(r->out, "%s\n", fp->ja4_ro);
    }
    if (fp->ja3) {
        field(r, "JA3 full");
        fprintf(r->out, "%s\n", fp->ja3);
    }
    if (fp->ja3s) {
        field(r, "JA3S full");
        fprintf(r->out, "%s\n", fp->ja3s);
    }
}

static void certs(struct report *r, const char *who, const struct chain *c)
{
    if (!c->seen)
        return;
    static const char *const algs[] = {"", ", zlib-compressed", ", brotli-compressed", ", zstd-compressed"};
    fprintf(r->out, "    %s certificates (%zu%s)%s%s\n", who, c->n,
            c->compression < ARRAY_LEN(algs) ? algs[c->compression] : ", compressed",
            c->n ? ":" : ": none sent",
            c->from_record_size ? " (an empty Certificate message, known by its encrypted record's size)" : "");
    for (size_t i = 0; i < c->n; i++) {
        const struct cert *ce = &c->v[i];
        if (ce->parse_error) {
            fprintf(r->out, "      [%zu] %s (sha256 ", i, ce->parse_error);
            for (int k = 0; k < 8; k++)
                fprintf(r->out, "%02x", ce->sha256[k]);
            fprintf(r->out, "...)\n");
            continue;
        }
        char nb[16], na[16];
        utc_text(ce->not_before, UTC_DAY, nb, sizeof(nb));
        utc_text(ce->not_after, UTC_DAY, na, sizeof(na));
        fprintf(r->out, "      [%zu] %s\n", i, ce->subject ? ce->subject : "?");
        fprintf(r->out, "          issuer %s\n", ce->issuer ? ce->issuer : "?");
        fprintf(r->out, "          %s", ce->key_type ? ce->key_type : "?");
        if (ce->key_bits)
            fprintf(r->out, " %d bits", ce->key_bits);
        if (ce->curve)
            fprintf(r->out, " %s", ce->curve);
        fprintf(r->out, ", %s, valid %s .. %s%s%s\n", ce->sig_alg ? ce->sig_alg : "?",
                nb, na, ce->self_signed ? ", self-signed" : "",
                ce->has_basic_constraints && ce->ca ? ", CA" : "");
        if (ce->san_dns.n || ce->san_ip.n) {
            fprintf(r->out, "          SAN");
            size_t shown = 0;
            for (size_t k = 0; k < ce->san_dns.n && shown < 6; k++, shown++) {
                fputs(shown ? ", " : " ", r->out);
                printable(r->out, ce->san_dns.v[k].p, ce->san_dns.v[k].len);
            }
            for (size_t k = 0; k < ce->san_ip.n && shown < 6; k++, shown++)
                fprintf(r->out, "%s%s", shown ? ", " : " ", ce->san_ip.v[k]);
            size_t total = ce->san_dns.n + ce->san_ip.n;
            if (total > shown)
                fprintf(r->out, " (+%zu more)", total - shown);
            fputc('\n', r->out);
        }
        /* the server leaf's response is the session's OCSP line */
        bool ocsp = ce->stapled_ocsp.present && !(i == 0 && strcmp(who, "server") == 0);
        if (ocsp || ce->stapled_scts) {
            fprintf(r->out, "          stapled");
            if (ocsp)
                fprintf(r->out, " OCSP response %s%s%s", ce->stapled_ocsp.response_status ? ce->stapled_ocsp.response_status : "?",
                        ce->stapled_ocsp.cert_status ? ", certificate " : "",
                        ce->stapled_ocsp.cert_status ? ce->stapled_ocsp.cert_status : "");
            if (ce->stapled_scts)
                fprintf(r->out, "%s%u SCT%s", ocsp ? "; " : " ", ce->stapled_scts,
                        ce->stapled_scts == 1 ? "" : "s");
            fputc('\n', r->out);
        }
    }
}

static void alerts(struct report *r, const struct session *s)
{
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *a = &s->alerts.v[i];
        if (s->alerts.dropped && i + 1 == s->alerts.n) { /* the latest, after those not kept */
            field(r, "alert");
            fprintf(r->out, "... and %u more\n", s->alerts.dropped);
        }
        field(r, "alert");
        const char *who = a->dir == DIR_C2S ? "client" : "server";
        if (a->encrypted) {
            fprintf(r->out, "%s sent an encrypted alert, packet %llu%s\n", who,
                    (unsigned long long)a->at.packet,
                    s->saw_appdata[a->dir] ? " (after application data: normally close_notify)" : "");
            continue;
        }
        const char *name = registry_alert_name(a->desc);
        fprintf(r->out, "%s%s %s %s (%u)%s, packet %llu\n",
                esc(r, a->level == 2 ? C_RED : C_YELLOW), who,
                fmt_alert_level(a->level), name ? name : "unknown", a->desc,
                esc(r, C_OFF), (unsigned long long)a->at.packet);
    }
}

/* connection set-up and teardown: shown with --verbose; loss and flow
 * control always, since they explain where time went */
static bool routine_tcp(const struct event *e)
{
    return e->kind >= EV_TCP_SYN && e->kind != EV_TCP_RETRANSMIT && e->kind != EV_TCP_ZERO_WINDOW;
}

static void timeline(struct report *r, const struct session *s)
{
    char buf[32];
    int64_t t0 = s->hs_start.ts ? s->hs_start.ts : s->ts_first;
    size_t shown = 0;
    for (size_t i = 0; i < s->events.n; i++)
        shown += !routine_tcp(&s->events.v[i]) || r->opts.verbose;
    if (!shown)
        return;
    fprintf(r->out, "    timeline\n");
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        bool tcp = e->kind >= EV_TCP_SYN;
        if (routine_tcp(e) && !r->opts.verbose)
            continue;
        fprintf(r->out, "      %s%10.3f ms  %s  %s", tcp ? esc(r, C_DIM) : "",
                (double)(e->at.ts - t0) / 1e6, e->dir == DIR_C2S ? "C->S" : "S->C",
                fmt_event(e, buf));
        if (e->kind == EV_ALERT && e->type != 255)
            fprintf(r->out, " %s", registry_alert_name(e->type) ? registry_alert_name(e->type) : "?");
        if (e->kind == EV_TCP_RETRANSMIT)
            fprintf(r->out, ", waited %.1f ms", e->len / 1e3);
        fprintf(r->out, "  (packet %llu)%s\n", (unsigned long long)e->at.packet,
                tcp ? esc(r, C_OFF) : "");
    }
    if (s->events.dropped)
        fprintf(r->out, "      ... and %u more events, not kept\n", s->events.dropped);
}

static void anomalies(struct report *r, const struct session *s)
{
    if (!s->anomalies.n)
        return;
    fprintf(r->out, "    %sanomalies%s\n", esc(r, C_YELLOW), esc(r, C_OFF));
    for (size_t i = 0; i < s->anomalies.n; i++) {
        const struct anomaly *a = &s->anomalies.v[i];
        fprintf(r->out, "      %s: %s (%s, packet %llu)\n", a->what, a->detail,
                a->dir == DIR_C2S ? "client" : "server",
                (unsigned long long)a->at.packet);
    }
    if (s->anomalies.dropped)
        fprintf(r->out, "      ... and %u more\n", s->anomalies.dropped);
}

static enum colour severity_colour(enum severity s)
{
    return s == SEV_HIGH ? C_RED : s == SEV_MEDIUM ? C_YELLOW : s == SEV_LOW ? C_CYAN : C_DIM;
}

/* wrapped - text folded at word boundaries to fit a terminal, every line
 * after the first indented like it. */
static void wrapped(struct report *r, const char *lead, const char *text, int indent)
{
    enum { WIDTH = 100 };
    const int margin = indent + (int)strlen(lead);
    fprintf(r->out, "%*s%s", indent, "", lead);
    int col = margin;
    for (const char *p = text; *p;) {
        int word = (int)strcspn(p, " ");
        if (col > margin && col + 1 + word > WIDTH) {
            fprintf(r->out, "\n%*s", margin, "");
            col = margin;
        } else if (col > margin) {
            fputc(' ', r->out);
            col++;
        }
        col += (int)fwrite(p, 1, (size_t)word, r->out);
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', r->out);
}

static void finding_block(struct report *r, const struct finding *f, int indent)
{
    fprintf(r->out, "%*s%s%-6s%s %s  [%s]\n", indent, "",
            esc(r, severity_colour(f->severity)), severity_name(f->severity),
            esc(r, C_OFF), f->title, f->rule);
    if (f->evidence)
        wrapped(r, "seen: ", f->evidence, indent + 7);
    if (f->fix)
        wrapped(r, "fix:  ", f->fix, indent + 7);
    if (f->mq)
        wrapped(r, "MQ:   ", f->mq, indent + 7);
}

static void findings(struct report *r, const struct session *s)
{
    if (!s->findings.n)
        return;
    fprintf(r->out, "    findings\n");
    for (size_t i = 0; i < s->findings.n; i++)
        finding_block(r, &s->findings.v[i], 6);
}

static void chain_verdict(struct report *r, const char *who, const struct chain *c)
{
    if (!c->seen || !c->n)
        return;
    if (c->trusted.checked) {
        field(r, "verified");
        if (c->trusted.ok)
            fprintf(r->out, "%s chain verifies against --ca-file\n", who);
        else
            fprintf(r->out, "%s chain does not verify: %s (certificate [%d])\n", who,
                    c->trusted.error ? c->trusted.error : "?", c->trusted.error_depth);
    } else if (c->public_root) {
        field(r, "verified");
        fprintf(r->out, "%s chain ends at a root of the system trust store\n", who);
    }
}

static void mq_plain(struct report *r, const struct session *s)
{
    const struct mq_plain *mq = &s->mq;
    if (!mq->client && !mq->server)
        return;
    char line[512];
    size_t n = (size_t)snprintf(line, sizeof(line), "IBM MQ without TLS: TSH segments from the %s",
                                mq->client && mq->server ? "client and the server"
                                : mq->client ? "client" : "server");
    if (mq->channel[0])
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", channel %s", mq->channel);
    if (mq->qmgr[0])
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", queue manager %s", mq->qmgr);
    if (mq->fap)
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", FAP %u", mq->fap);
    if (mq->ebcdic)
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", EBCDIC");
    if (mq->userid || mq->password)
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", %s sent in clear",
                              mq->password ? "user id and password" : "user id");
    if (mq->has_status)
        n += (size_t)snprintf(line + n, sizeof(line) - n, ", server STATUS %u", (unsigned)mq->status);
    snprintf(line + n, sizeof(line) - n, " (packet %llu)", (unsigned long long)mq->at.packet);
    fprintf(r->out, "%s", esc(r, C_RED));
    wrapped(r, "MQ         ", line, 4);
    fprintf(r->out, "%s", esc(r, C_OFF));
}

void text_capture_findings(struct report *r, const struct capture_finding *cf, size_t n)
{
    if (!n)
        return;
    fprintf(r->out, "%sAcross the capture%s\n", esc(r, C_BOLD), esc(r, C_OFF));
    for (size_t i = 0; i < n; i++) {
        /* connections that never became a session have no number */
        fprintf(r->out, "  %s%s", cf[i].subject, cf[i].n_sessions ? ": sessions" : "");
        for (size_t k = 0; k < cf[i].n_sessions; k++)
            fprintf(r->out, "%s#%llu", k ? ", " : " ", (unsigned long long)cf[i].sessions[k]);
        if (cf[i].more_sessions)
            fprintf(r->out, " and %zu more", cf[i].more_sessions);
        fputc('\n', r->out);
        finding_block(r, &cf[i].f, 4);
    }
    fputc('\n', r->out);
}

void text_session(struct report *r, const struct session *s)
{
    header(r, s);
    tcp_line(r, s);
    transport_lines(r, s);
    negotiated(r, s);
    decrypted(r, s);
    mq_plain(r, s);
    hello_line(r, "client", &s->ch);
    fingerprints(r, s);
    if (s->hrr.present) {
        char buf[REG_LABEL_LEN];
        field(r, "retry");
        fprintf(r->out, "server sent HelloRetryRequest");
        if (s->hrr.key_share_groups.n)
            fprintf(r->out, " asking for %s",
                    registry_group_label(s->hrr.key_share_groups.v[0], buf));
        if (!s->sh.present) { /* nothing negotiated: what the retry would have led to */
            const struct cipher_info *ci = registry_cipher(s->hrr.cipher);
            fprintf(r->out, "; it would have been %s with %s, but no ServerHello followed",
                    registry_version_label(s->hrr.selected_version ? s->hrr.selected_version : VER_TLS13, buf),
                    ci ? ci->name : "an unknown suite");
        }
        fputc('\n', r->out);
    }
    certs(r, "server", &s->server_certs);
    chain_verdict(r, "server", &s->server_certs);
    if (!s->server_certs.seen && s->has_version && registry_version_is_tls13(s->version) &&
        !s->resumed) {
        if (s->decryption.attempted) {
            fprintf(r->out, "    server certificates: encrypted in TLS 1.3 and not decrypted\n");
        } else {
            /* how to see them is said once, in the summary */
            fprintf(r->out, "    server certificates: encrypted in TLS 1.3 (no key log)\n");
            r->certs_hidden++;
        }
    }
    if (s->cert_request.present) {
        field(r, "client auth");
        fprintf(r->out, "server requested a certificate (%zu acceptable CAs named)\n",
                s->cert_request.ca_names.n);
    }
    certs(r, "client", &s->client_certs);
    chain_verdict(r, "client", &s->client_certs);
    if (s->cert_status.present) {
        field(r, "OCSP");
        fprintf(r->out, "stapled response: %s%s%s\n",
                s->cert_status.response_status ? s->cert_status.response_status : "?",
                s->cert_status.cert_status ? ", certificate " : "",
                s->cert_status.cert_status ? s->cert_status.cert_status : "");
    }
    alerts(r, s);
    timeline(r, s);
    anomalies(r, s);
    findings(r, s);
    fputc('\n', r->out);
}

/* Most frequent first (what a reader looks for), first seen first among
 * equals. */
static void tally_line(struct report *r, const char *name, const struct tally *t)
{
    if (!t->n)
        return;
    size_t *order = malloc(t->n * sizeof(*order));
    if (!order)
        return;
    for (size_t i = 0; i < t->n; i++) {
        size_t k = i;
        while (k > 0 && t->v[order[k - 1]].n < t->v[i].n) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    fprintf(r->out, "  %-10s", name);
    for (size_t i = 0; i < t->n; i++)
        fprintf(r->out, "%s%s %llu", i ? ", " : "  ", t->v[order[i]].key,
                (unsigned long long)t->v[order[i]].n);
    fputc('\n', r->out);
    free(order);
}

void text_summary(struct report *r, const struct capture_stats *cs,
                  const struct dissect_stats *ds)
{
    fprintf(r->out, "%sSummary%s: %llu TLS session%s in %llu packets\n",
            esc(r, C_BOLD), esc(r, C_OFF), (unsigned long long)r->sessions,
            r->sessions == 1 ? "" : "s", (unsigned long long)cs->packets);
    fprintf(r->out, "  %-10s  %llu established, %llu failed, %llu incomplete, %llu partial (no hello or one direction captured); %llu resumed\n",
            "outcome", (unsigned long long)r->established,
            (unsigned long long)r->failed, (unsigned long long)r->incomplete,
            (unsigned long long)r->partial, (unsigned long long)r->resumed);
    if (r->plaintext)
        fprintf(r->out, "  %-10s  %llu connection%s carried IBM MQ without TLS\n", "plaintext",
                (unsigned long long)r->plaintext, r->plaintext == 1 ? "" : "s");
    if (r->by_severity[SEV_HIGH] + r->by_severity[SEV_MEDIUM] + r->by_severity[SEV_LOW] +
        r->by_severity[SEV_INFO])
        fprintf(r->out, "  %-10s  %llu high, %llu medium, %llu low, %llu info\n", "findings",
                (unsigned long long)r->by_severity[SEV_HIGH],
                (unsigned long long)r->by_severity[SEV_MEDIUM],
                (unsigned long long)r->by_severity[SEV_LOW],
                (unsigned long long)r->by_severity[SEV_INFO]);
    tally_line(r, "rules", &r->findings);
    tally_line(r, "versions", &r->versions);
    tally_line(r, "ciphers", &r->ciphers);
    tally_line(r, "alerts", &r->alerts);
    tally_line(r, "starttls", &r->starttls);
    if (r->anomalies || ds->gaps)
        fprintf(r->out, "  %-10s  %llu (TCP gaps: %llu)\n", "anomalies",
                (unsigned long long)r->anomalies, (unsigned long long)ds->gaps);
    if (cs->file_anomalies)
        fprintf(r->out, "  %-10s  %llu value%s out of range in the capture file%s, replaced (see the warnings)\n",
                "file", (unsigned long long)cs->file_anomalies, cs->file_anomalies == 1 ? "" : "s",
                cs->file_anomalies == 1 ? "" : "s");
    if (cs->flows_full_evicted || cs->ooo_limit_hits || cs->frags_dropped || cs->quic_cids_evicted)
        fprintf(r->out,
                "  %-10s  %llu connections evicted with the flow table full (--max-flows), %llu holes "
                "given up at the out-of-order limit (--max-ooo-bytes), %llu IP fragments dropped, "
                "%llu QUIC connection IDs forgotten with their table full\n",
                "limits", (unsigned long long)cs->flows_full_evicted, (unsigned long long)cs->ooo_limit_hits,
                (unsigned long long)cs->frags_dropped, (unsigned long long)cs->quic_cids_evicted);
    if (r->quic || r->dtls || cs->dtls_datagrams || cs->quic_datagrams) {
        fprintf(r->out, "  %-10s  %llu QUIC connection%s and %llu DTLS session%s; of the datagrams, %llu began "
                        "with a QUIC long header and %llu with a DTLS record",
                "UDP", (unsigned long long)r->quic, r->quic == 1 ? "" : "s", (unsigned long long)r->dtls,
                r->dtls == 1 ? "" : "s", (unsigned long long)cs->quic_datagrams,
                (unsigned long long)cs->dtls_datagrams);
        if (cs->quic_paths)
            fprintf(r->out, "; %llu new path%s of QUIC connections followed by connection ID",
                    (unsigned long long)cs->quic_paths, cs->quic_paths == 1 ? "" : "s");
        fputc('\n', r->out);
    }
    if (r->certs_hidden)
        fprintf(r->out,
                "  %-10s  %llu TLS 1.3 session%s kept %s certificates encrypted: to see them, let the client "
                "write a key log (SSLKEYLOGFILE=keys.log for curl, Firefox and Chrome; openssl s_client "
                "-keylogfile keys.log) and add --keylog keys.log\n",
                "key log", (unsigned long long)r->certs_hidden, r->certs_hidden == 1 ? "" : "s",
                r->certs_hidden == 1 ? "its" : "their");
    if (cs->live)
        fprintf(r->out, "  %-10s  %llu packets captured; %llu received by the kernel%s, %llu dropped by it, %llu by the interface\n",
                "capture", (unsigned long long)cs->live_packets, (unsigned long long)cs->live_received,
                cs->live_loopback ? " (on loopback it counts each packet going out and coming in)" : "",
                (unsigned long long)cs->live_dropped, (unsigned long long)cs->live_if_dropped);
    if (cs->unsupported_link)
        fprintf(r->out, "  %-10s  %llu packets with link type %u: not decoded\n",
                "skipped", (unsigned long long)cs->unsupported_link,
                cs->first_unsupported_link);
}

static void text_entry(struct report *r, const struct session *s)
{
    if (!r->opts.quiet) /* -q: the summary alone */
        text_session(r, s);
}

const struct report_format text_format = {
    .name = "text", .session = text_entry, .capture_findings = text_capture_findings,
    .summary = text_summary, .colors = true,
};
