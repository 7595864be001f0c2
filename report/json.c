/* JSON lines: one object per session, then a summary object. Field names
 * are the contract documented in docs/json.md. */
#include "report/internal.h"

#include "dissect/quic/quic.h"

#include <stdlib.h>
#include <string.h>

/* A helper that writes the key its caller spells, inlined at each call
 * so that the key's length is folded there (jw_key). */
#define KEYED static inline __attribute__((always_inline))

/* A number, or null when the fact was not seen. */
KEYED void key_opt_int(struct jw *w, const char *k, bool has, int64_t v)
{
    jw_key(w, k);
    if (has)
        jw_int(w, v);
    else
        jw_null(w);
}

KEYED void ts(struct jw *w, const char *k, int64_t ns)
{
    jw_key(w, k);
    jw_scaled(w, ns, 9, 6);
}

static void endpoint(struct jw *w, const char *k, const struct endpoint *e)
{
    char ip[IP_TEXT_LEN];
    jw_key(w, k);
    jw_obj(w);
    jw_key_label(w, "ip", fmt_ip(e, ip));
    jw_key_uint(w, "port", e->port);
    jw_obj_end(w);
}

KEYED void version(struct jw *w, const char *k, bool has, uint16_t v)
{
    char buf[REG_LABEL_LEN];
    jw_key(w, k);
    if (has)
        jw_label(w, registry_version_label(v, buf));
    else
        jw_null(w);
}

KEYED void u32_codes(struct jw *w, const char *k, const struct u32s *l)
{
    jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++)
        jw_uint(w, l->v[i]);
    jw_arr_end(w);
}

KEYED void names(struct jw *w, const char *k, const struct u16s *l,
                 const char *(*label)(uint16_t, char *))
{
    char buf[REG_LABEL_LEN];
    jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++)
        jw_label(w, label(l->v[i], buf));
    jw_arr_end(w);
}

KEYED void byte_codes(struct jw *w, const char *k, struct bytes b)
{
    jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < b.len; i++)
        jw_uint(w, b.p[i]);
    jw_arr_end(w);
}

KEYED void strings(struct jw *w, const char *k, const struct byteslist *l)
{
    jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++)
        jw_strn(w, l->v[i].p, l->v[i].len);
    jw_arr_end(w);
}

static void strs(struct jw *w, const char *k, const struct strs *l)
{
    if (k)
        jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < l->n; i++)
        jw_str(w, l->v[i]);
    jw_arr_end(w);
}

static const char *version_label(uint16_t v, char *buf)
{
    if (is_grease(v)) {
        snprintf(buf, REG_LABEL_LEN, "grease_0x%04X", v);
        return buf;
    }
    return registry_version_label(v, buf);
}

static void ext_codes(struct jw *w, const struct hello *h)
{
    jw_key(w, "extensions");
    jw_arr(w);
    for (size_t i = 0; i < h->exts.n; i++)
        jw_uint(w, h->exts.v[i].type);
    jw_arr_end(w);
    jw_key(w, "bad_extensions");
    jw_arr(w);
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i].bad || h->exts.v[i].duplicate)
            jw_uint(w, h->exts.v[i].type);
    jw_arr_end(w);
    jw_key_bool(w, "truncated", h->truncated || h->exts_unreadable);
}

static const char *ech_outcome_name(enum ech_outcome e)
{
    switch (e) {
    case EO_UNKNOWN: return "offered";
    case EO_NOT_USED: return "not_used";
    case EO_ACCEPTED: return "accepted";
    case EO_NONE: break;
    }
    return NULL;
}

static const char *ech_name(enum ech_kind k)
{
    switch (k) {
    case ECH_OUTER: return "outer";
    case ECH_INNER: return "inner";
    case ECH_UNKNOWN: return "present";
    case ECH_NONE: break;
    }
    return NULL;
}

static void hello_common(struct jw *w, const struct hello *h)
{
    char buf[REG_LABEL_LEN];
    jw_key(w, "version");
    jw_label(w, registry_version_label(h->version, buf));
    if (h->record_version)
        version(w, "record_version", true, h->record_version);
    jw_key_bool(w, "sslv2_format", h->sslv2);
    jw_key(w, "random");
    jw_hex(w, h->random, h->random_len);
    jw_key(w, "session_id");
    jw_hex(w, h->session_id.p, h->session_id.len);
    jw_key_uint(w, "packet", h->at.packet);
    if (h->truncated)
        jw_key_bool(w, "malformed", true);
}

static void hello_flags(struct jw *w, const struct hello *h)
{
    jw_key_bool(w, "extended_master_secret", h->ems);
    jw_key_bool(w, "encrypt_then_mac", h->etm);
    jw_key_bool(w, "renegotiation_info", h->reneg_info);
    jw_key_bool(w, "status_request", h->status_request);
    jw_key_bool(w, "signed_certificate_timestamp", h->sct);
    jw_key_bool(w, "early_data", h->early_data);
    key_opt_int(w, "session_ticket", h->has_session_ticket, h->session_ticket_len);
    key_opt_int(w, "record_size_limit", h->record_size_limit, h->record_size_limit);
    jw_key_label(w, "ech", ech_name(h->ech));
}

/* quic_transport_parameters: null when the hello had none */
static void quic_params(struct jw *w, const struct hello *h)
{
    jw_key(w, "quic_transport_parameters");
    if (!h->has_quic_params) {
        jw_null(w);
        return;
    }
    jw_arr(w);
    for (size_t i = 0; i < h->quic_params.n; i++) {
        const struct quic_param *p = &h->quic_params.v[i];
        jw_obj(w);
        jw_key_uint(w, "id", p->id);
        jw_key_str(w, "name", quic_param_name(p->id));
        jw_key(w, "value");
        if (p->integer)
            jw_uint(w, p->value);
        else if (!p->raw.len)
            jw_bool(w, true);
        else
            jw_hex(w, p->raw.p, p->raw.len);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* key_fingerprint - a missing fingerprint is NULL or "": null */
KEYED void key_fingerprint(struct jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_str(w, v && *v ? v : NULL); /* JA4 holds two bytes of the ALPN value */
}

/* client_hello - fp: the session's fingerprints, for its first hello */
static void client_hello(struct jw *w, const char *k, const struct hello *h, const struct fingerprints *fp)
{
    jw_key(w, k);
    if (!h->present) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    hello_common(w, h);
    u32_codes(w, "ciphers", &h->ciphers);
    byte_codes(w, "compression_methods", h->compression);
    ext_codes(w, h);
    strings(w, "server_names", &h->sni);
    names(w, "groups", &h->groups, registry_group_label);
    names(w, "sig_algs", &h->sig_algs, registry_sigscheme_label);
    names(w, "sig_algs_cert", &h->sig_algs_cert, registry_sigscheme_label);
    names(w, "delegated_credentials", &h->dc_sig_algs, registry_sigscheme_label);
    names(w, "supported_versions", &h->versions, version_label);
    byte_codes(w, "ec_point_formats", h->point_formats);
    names(w, "key_share", &h->key_share_groups, registry_group_label);
    byte_codes(w, "psk_key_exchange_modes", h->psk_modes);
    jw_key_uint(w, "psk_identities", h->n_psk_identities);
    strings(w, "alpn", &h->alpn);
    jw_key(w, "compress_certificate");
    jw_arr(w);
    for (size_t i = 0; i < h->cert_compression.n; i++)
        jw_uint(w, h->cert_compression.v[i]);
    jw_arr_end(w);
    jw_key_uint(w, "padding", h->padding_len);
    quic_params(w, h);
    hello_flags(w, h);
    if (fp) {
        key_fingerprint(w, "ja3", fp->ja3);
        key_fingerprint(w, "ja3_hash", fp->ja3_hash);
        key_fingerprint(w, "ja4", fp->ja4);
        key_fingerprint(w, "ja4_r", fp->ja4_r);
        key_fingerprint(w, "ja4_o", fp->ja4_o);
        key_fingerprint(w, "ja4_ro", fp->ja4_ro);
    }
    jw_obj_end(w);
}

static void server_hello(struct jw *w, const char *k, const struct hello *h, const struct fingerprints *fp)
{
    char buf[REG_LABEL_LEN];
    jw_key(w, k);
    if (!h->present) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    hello_common(w, h);
    jw_key(w, "cipher");
    if (h->sslv2) {
        jw_null(w);
        u32_codes(w, "ciphers", &h->ciphers);
    } else {
        jw_uint(w, h->cipher);
    }
    byte_codes(w, "compression_method", h->compression);
    ext_codes(w, h);
    jw_key(w, "selected_version");
    if (h->selected_version)
        jw_label(w, registry_version_label(h->selected_version, buf));
    else
        jw_null(w);
    jw_key(w, "key_share");
    if (h->key_share_groups.n == 1)
        jw_label(w, registry_group_label(h->key_share_groups.v[0], buf));
    else
        jw_null(w);
    key_opt_int(w, "pre_shared_key", h->psk_selected >= 0, h->psk_selected);
    jw_key(w, "alpn");
    if (h->alpn.n)
        jw_strn(w, h->alpn.v[0].p, h->alpn.v[0].len);
    else
        jw_null(w);
    hello_flags(w, h);
    if (fp) {
        key_fingerprint(w, "ja3s", fp->ja3s);
        key_fingerprint(w, "ja3s_hash", fp->ja3s_hash);
    }
    jw_obj_end(w);
}

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
    "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};

/* A stapled OCSP response: the session's, or one certificate's. */
static void cert_status(struct jw *w, const struct cert_status *cs)
{
    jw_obj(w);
    jw_key_uint(w, "type", cs->type);
    jw_key_uint(w, "response_len", cs->response_len);
    jw_key_str(w, "response_status", cs->response_status);
    jw_key_str(w, "cert_status", cs->cert_status);
    if (cs->this_update)
        jw_key_uint(w, "this_update", (uint64_t)cs->this_update);
    if (cs->next_update)
        jw_key_uint(w, "next_update", (uint64_t)cs->next_update);
    jw_obj_end(w);
}

static void cert(struct jw *w, const struct cert *c)
{
    jw_obj(w);
    jw_key(w, "sha256");
    jw_hex(w, c->sha256, 32);
    jw_key(w, "sha1");
    jw_hex(w, c->sha1, 20);
    jw_key_uint(w, "der_len", c->der.len);
    if (c->parse_error) {
        jw_key_str(w, "parse_error", c->parse_error);
        jw_obj_end(w);
        return;
    }
    jw_key_uint(w, "version", (uint64_t)c->version);
    jw_key_str(w, "serial", c->serial);
    jw_key_str(w, "subject", c->subject);
    jw_key_str(w, "issuer", c->issuer);
    key_opt_int(w, "not_before", c->has_validity, c->not_before);
    key_opt_int(w, "not_after", c->has_validity, c->not_after);
    jw_key_str(w, "key_alg", c->key_alg);
    jw_key_str(w, "key_type", c->key_type);
    key_opt_int(w, "key_bits", c->key_bits, c->key_bits);
    jw_key_str(w, "curve", c->curve);
    jw_key_str(w, "exponent", c->exponent);
    jw_key_str(w, "sig_alg", c->sig_alg);
    jw_key(w, "san");
    jw_obj(w);
    strings(w, "dns", &c->san_dns);
    strs(w, "ip", &c->san_ip);
    strings(w, "email", &c->san_email);
    strings(w, "uri", &c->san_uri);
    jw_obj_end(w);
    jw_key(w, "basic_constraints");
    if (c->has_basic_constraints) {
        jw_obj(w);
        jw_key_bool(w, "ca", c->ca);
        key_opt_int(w, "path_len", c->path_len >= 0, c->path_len);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "key_usage");
    if (c->has_key_usage) {
        jw_arr(w);
        for (size_t i = 0; i < ARRAY_LEN(ku_names); i++)
            if (c->key_usage & (1u << i))
                jw_str(w, ku_names[i]);
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "ext_key_usage");
    if (c->has_ext_key_usage)
        strs(w, NULL, &c->ext_key_usage);
    else
        jw_null(w);
    strings(w, "ocsp_urls", &c->ocsp_urls);
    strings(w, "crl_urls", &c->crl_urls);
    jw_key_uint(w, "embedded_scts", c->n_scts);
    jw_key(w, "stapled_ocsp");
    if (c->stapled_ocsp.present)
        cert_status(w, &c->stapled_ocsp);
    else
        jw_null(w);
    jw_key_uint(w, "stapled_scts", c->stapled_scts);
    jw_key_bool(w, "self_signed", c->self_signed);
    jw_key_bool(w, "proxy_certificate", c->proxy);
    jw_obj_end(w);
}

static void chain_check(struct jw *w, const char *k, const struct chain *c)
{
    static const char *const algs[] = {NULL, "zlib", "brotli", "zstd"};
    jw_key(w, k);
    jw_obj(w);
    jw_key_bool(w, "public_root", c->public_root);
    jw_key_str(w, "compression", c->compression < ARRAY_LEN(algs) ? algs[c->compression] : "unknown");
    jw_key(w, "ca_file");
    if (!c->trusted.checked) {
        jw_null(w);
    } else {
        jw_obj(w);
        jw_key_bool(w, "ok", c->trusted.ok);
        if (!c->trusted.ok) {
            jw_key_str(w, "error", c->trusted.error);
            jw_key_uint(w, "depth", (uint64_t)c->trusted.error_depth);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* Present only when there is a chain to speak of. */
static void chain_checks(struct jw *w, const struct session *s)
{
    if (s->server_certs.n)
        chain_check(w, "server_chain", &s->server_certs);
    if (s->client_certs.n)
        chain_check(w, "client_chain", &s->client_certs);
}

static void chain(struct jw *w, const char *k, const struct chain *c)
{
    jw_key(w, k);
    jw_arr(w);
    for (size_t i = 0; i < c->n; i++)
        cert(w, &c->v[i]);
    jw_arr_end(w);
}

static void alert(struct jw *w, const struct alert *a)
{
    jw_obj(w);
    jw_key_label(w, "from", a->dir == DIR_C2S ? "client" : "server");
    jw_key_bool(w, "encrypted", a->encrypted);
    if (!a->encrypted) {
        jw_key_label(w, "level", fmt_alert_level(a->level));
        jw_key_label(w, "description", registry_alert_name(a->desc));
        jw_key_uint(w, "code", a->desc);
    }
    jw_key_uint(w, "packet", a->at.packet);
    jw_obj_end(w);
}

static void cipher(struct jw *w, const struct session *s)
{
    char buf[REG_LABEL_LEN];
    jw_key(w, "cipher");
    if (!s->has_cipher) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_key_uint(w, "code", s->cipher);
    jw_key(w, "name");
    jw_label(w, registry_cipher_label(s->cipher, buf));
    /* MQ channels run over TCP only */
    const struct mq_cipherspec *mq = s->has_version && s->transport == TR_TCP
                                         ? mq_cipherspec_find(s->version, s->cipher) : NULL;
    jw_key_label(w, "mq", mq ? mq->name : NULL);
    jw_obj_end(w);
}

static void kx_details(struct jw *w, const struct session *s)
{
    char buf[REG_LABEL_LEN];
    if (s->ske.present) {
        jw_key(w, "server_key_exchange");
        jw_obj(w);
        static const char *const kinds[] = {"none", "ecdhe", "dhe", "rsa_export", "other"};
        jw_key_label(w, "kind", kinds[s->ske.kind]);
        jw_key(w, "group");
        if (s->ske.group)
            jw_label(w, registry_group_label(s->ske.group, buf));
        else
            jw_null(w);
        key_opt_int(w, "dh_bits", s->ske.dh_p_bits, s->ske.dh_p_bits);
        jw_key(w, "sig_alg");
        if (s->ske.has_sig_scheme)
            jw_label(w, registry_sigscheme_label(s->ske.sig_scheme, buf));
        else
            jw_null(w);
        jw_obj_end(w);
    }
    if (s->cert_request.present) {
        jw_key(w, "certificate_request");
        jw_obj(w);
        byte_codes(w, "cert_types", s->cert_request.cert_types);
        names(w, "sig_algs", &s->cert_request.sig_algs, registry_sigscheme_label);
        strs(w, "ca_names", &s->cert_request.ca_names);
        jw_obj_end(w);
    }
    if (s->cert_status.present) {
        jw_key(w, "certificate_status");
        cert_status(w, &s->cert_status);
    }
    if (s->ticket_seen) {
        jw_key(w, "new_session_ticket");
        jw_obj(w);
        jw_key_uint(w, "lifetime_hint", s->ticket_lifetime);
        jw_key_uint(w, "ticket_len", s->ticket_len);
        jw_key_uint(w, "count", s->tickets);
        if (s->max_early_data)
            jw_key_uint(w, "max_early_data", s->max_early_data);
        jw_obj_end(w);
    }
}

static bool has_ext(const struct hello *h, uint16_t type)
{
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i].type == type)
            return true;
    return false;
}

/* TLS 1.3 EncryptedExtensions, readable once decrypted. */
static void encrypted_extensions(struct jw *w, const struct hello *ee)
{
    if (!ee->present)
        return;
    jw_key(w, "encrypted_extensions");
    jw_obj(w);
    ext_codes(w, ee);
    jw_key(w, "alpn");
    if (ee->alpn.n)
        jw_strn(w, ee->alpn.v[0].p, ee->alpn.v[0].len);
    else
        jw_null(w);
    jw_key_bool(w, "server_name_ack", has_ext(ee, 0));
    jw_key_bool(w, "early_data", has_ext(ee, 42));
    key_opt_int(w, "record_size_limit", ee->record_size_limit != 0, ee->record_size_limit);
    key_opt_int(w, "max_fragment_length", ee->max_fragment_length != 0, ee->max_fragment_length);
    quic_params(w, ee);
    jw_obj_end(w);
}

static void app_data(struct jw *w, const char *k, const struct decryption *d, int dir)
{
    jw_key(w, k);
    jw_obj(w);
    jw_key_uint(w, "records", d->app_records[dir]);
    jw_key_uint(w, "bytes", d->app_bytes[dir]);
    key_opt_int(w, "first_len", d->app_first[dir].len != 0, d->app_first_len[dir]);
    jw_key(w, "first_bytes");
    if (d->app_first[dir].len)
        jw_hex(w, d->app_first[dir].p, d->app_first[dir].len);
    else
        jw_null(w);
    jw_obj_end(w);
}

/* Present whenever a key log was available. */
static void decryption(struct jw *w, const struct session *s, bool app)
{
    const struct decryption *d = &s->decryption;
    jw_key(w, "decryption");
    if (!d->attempted) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_key_bool(w, "keys", d->keys);
    jw_key_uint(w, "records", d->records);
    jw_key_uint(w, "failed_records", d->failures);
    jw_key_uint(w, "early_data_records", d->early_records);
    jw_key(w, "key_updates");
    jw_obj(w);
    jw_key_uint(w, "c2s", d->key_updates[DIR_C2S]);
    jw_key_uint(w, "s2c", d->key_updates[DIR_S2C]);
    jw_obj_end(w);
    jw_key_uint(w, "renegotiations", d->renegotiations);
    jw_key_str(w, "problem", d->problem);
    if (app) {
        jw_key(w, "app_data");
        jw_obj(w);
        app_data(w, "c2s", d, DIR_C2S);
        app_data(w, "s2c", d, DIR_S2C);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void timeline(struct jw *w, const struct session *s)
{
    char buf[32];
    int64_t t0 = s->hs_start.ts ? s->hs_start.ts : s->ts_first;
    jw_key(w, "handshake");
    jw_arr(w);
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind >= EV_TCP_SYN)
            continue;
        jw_obj(w);
        jw_key(w, "t_ms");
        jw_scaled(w, e->at.ts - t0, 6, 3);
        jw_key_label(w, "dir", fmt_dir(e->dir));
        jw_key_label(w, "msg", fmt_event(e, buf));
        if (e->kind == EV_ALERT && e->type != 255)
            jw_key_label(w, "alert", registry_alert_name(e->type));
        jw_key_uint(w, "len", e->len);
        jw_key_uint(w, "packet", e->at.packet);
        if (e->at.record)
            jw_key_uint(w, "record", e->at.record);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (s->events.dropped)
        jw_key_uint(w, "events_dropped", s->events.dropped);
}

/* nanoseconds as milliseconds with three decimals, or null when negative */
KEYED void ms_or_null(struct jw *w, const char *key, int64_t ns)
{
    jw_key(w, key);
    if (ns >= 0)
        jw_scaled(w, ns, 6, 3);
    else
        jw_null(w);
}

static void tcp_direction(struct jw *w, const char *key, const struct tcp_dir_stats *t)
{
    jw_key(w, key);
    jw_obj(w);
    jw_key_uint(w, "retransmissions", t->retransmits);
    jw_key_uint(w, "late_fills", t->late_fills);
    jw_key_uint(w, "gaps", t->gaps);
    jw_key_uint(w, "gap_bytes", t->gap_bytes);
    jw_key_uint(w, "zero_windows", t->zero_windows);
    ms_or_null(w, "longest_wait_ms", t->retransmits || t->late_fills ? t->longest_wait : -1);
    jw_key(w, "longest_wait_packet");
    if (t->retransmits || t->late_fills)
        jw_uint(w, t->longest_wait_packet);
    else
        jw_null(w);
    jw_obj_end(w);
}

static void cid(struct jw *w, const char *k, const struct bytes *b, bool present)
{
    jw_key(w, k);
    if (present)
        jw_hex(w, b->p, b->len);
    else
        jw_null(w);
}

static void quic_version(struct jw *w, const char *k, uint32_t v)
{
    char code[16], name[32];
    snprintf(code, sizeof(code), "0x%08x", v);
    jw_key(w, k);
    if (!v) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_key_str(w, "code", code);
    jw_key_str(w, "name", quic_version_name(v, name));
    jw_obj_end(w);
}

static void quic_packets(struct jw *w, const char *k, const uint32_t *n)
{
    static const char *const names[QP_KINDS] = {
        [QP_INITIAL] = "initial", [QP_0RTT] = "0rtt", [QP_HANDSHAKE] = "handshake", [QP_RETRY] = "retry",
        [QP_SHORT] = "short_header", [QP_VERSION_NEG] = "version_negotiation",
    };
    jw_key(w, k);
    jw_obj(w);
    for (int i = 0; i < QP_KINDS; i++)
        jw_key_uint(w, names[i], n[i]);
    jw_obj_end(w);
}

/* QUIC's own layer (RFC 9000): version, connection IDs, packets, and what
 * ended or restarted the connection. */
static void quic(struct jw *w, const struct session *s)
{
    const struct quic_info *q = &s->quic;
    jw_key(w, "quic");
    if (s->transport != TR_QUIC) {
        jw_null(w);
        return;
    }
    char code[16], name[32];
    jw_obj(w);
    snprintf(code, sizeof(code), "0x%08x", q->version);
    jw_key_str(w, "version", q->version ? code : NULL);
    jw_key_str(w, "version_name", q->version ? quic_version_name(q->version, name) : NULL);
    quic_version(w, "first_version", q->first_version != q->version ? q->first_version : 0);
    cid(w, "dcid", &q->dcid, q->has_client_ids);
    cid(w, "scid", &q->scid, q->has_client_ids);
    cid(w, "server_scid", &q->server_scid, q->has_server_scid);
    jw_key(w, "version_negotiation");
    if (q->packets[DIR_S2C][QP_VERSION_NEG] || q->packets[DIR_C2S][QP_VERSION_NEG]) {
        jw_arr(w);
        for (size_t i = 0; i < q->offered.n; i++) {
            snprintf(code, sizeof(code), "0x%08x", q->offered.v[i]);
            jw_str(w, code);
        }
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_key_uint(w, "retries", q->retries);
    jw_key(w, "retry_token_len");
    if (q->retries)
        jw_uint(w, q->retry_token.len);
    else
        jw_null(w);
    static const char *const tags[] = {[RETRY_TAG_UNCHECKED] = NULL, [RETRY_TAG_VALID] = "valid",
                                       [RETRY_TAG_INVALID] = "invalid"};
    jw_key_str(w, "retry_integrity", q->retries ? tags[q->retry_tag] : NULL);
    quic_packets(w, "packets_c2s", q->packets[DIR_C2S]);
    quic_packets(w, "packets_s2c", q->packets[DIR_S2C]);
    jw_key_uint(w, "undecrypted_c2s", q->undecrypted[DIR_C2S]);
    jw_key_uint(w, "undecrypted_s2c", q->undecrypted[DIR_S2C]);
    jw_key_uint(w, "client_hello_packets", q->client_hello_packets);
    jw_key_uint(w, "crypto_out_of_order", q->crypto_out_of_order);
    jw_key(w, "connection_close");
    if (q->close_seen) {
        jw_obj(w);
        jw_key_label(w, "from", q->close_dir == DIR_C2S ? "client" : "server");
        jw_key_label(w, "kind", q->close_app ? "application" : "transport");
        snprintf(code, sizeof(code), "0x%llx", (unsigned long long)q->close_code);
        jw_key_str(w, "code", code);
        jw_key_str(w, "reason", q->close_reason);
        jw_key_uint(w, "packet", q->close_at.packet);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "paths");
    jw_arr(w);
    for (size_t i = 0; i < q->paths.n; i++) {
        jw_obj(w);
        endpoint(w, "client", &q->paths.v[i].client);
        endpoint(w, "server", &q->paths.v[i].server);
        jw_key_uint(w, "packet", q->paths.v[i].at.packet);
        ts(w, "ts", q->paths.v[i].at.ts);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key_uint(w, "path_changes", q->path_changes);
    jw_obj_end(w);
}

/* DTLS's own layer (RFC 6347, RFC 9147). */
static void dtls(struct jw *w, const struct session *s)
{
    const struct dtls_info *d = &s->dtls;
    jw_key(w, "dtls");
    if (s->transport != TR_DTLS) {
        jw_null(w);
        return;
    }
    char v[8];
    snprintf(v, sizeof(v), "0x%04x", d->record_version);
    jw_obj(w);
    jw_key_label(w, "record_version", d->record_version ? v : NULL);
    jw_key_bool(w, "hello_verify_request", d->hello_verify);
    jw_key(w, "cookie_len");
    if (d->hello_verify)
        jw_uint(w, d->cookie_len);
    else
        jw_null(w);
    jw_key_uint(w, "retransmits_c2s", d->retransmits[DIR_C2S]);
    jw_key_uint(w, "retransmits_s2c", d->retransmits[DIR_S2C]);
    jw_key_uint(w, "fragments_c2s", d->fragments[DIR_C2S]);
    jw_key_uint(w, "fragments_s2c", d->fragments[DIR_S2C]);
    jw_key_uint(w, "unified_records_c2s", d->unified_records[DIR_C2S]);
    jw_key_uint(w, "unified_records_s2c", d->unified_records[DIR_S2C]);
    jw_obj_end(w);
}

/* The TCP layer: the round trip, loss and flow control by direction, and
 * the segments that mark them. */
static void tcp(struct jw *w, const struct session *s)
{
    if (s->transport != TR_TCP) {
        jw_key(w, "tcp");
        jw_null(w);
        return;
    }
    static const char *const names[] = {
        [EV_TCP_FIN - EV_TCP_SYN] = "fin", [EV_TCP_RST - EV_TCP_SYN] = "rst",
        [EV_TCP_ACK - EV_TCP_SYN] = "handshake_ack", [EV_TCP_ZERO_WINDOW - EV_TCP_SYN] = "zero_window",
    };
    int64_t t0 = s->hs_start.ts ? s->hs_start.ts : s->ts_first;
    int64_t first, second, rtt = session_rtt_ns(s, &first, &second);
    jw_key(w, "tcp");
    jw_obj(w);
    ms_or_null(w, "rtt_ms", rtt);
    ms_or_null(w, "syn_to_synack_ms", first);
    ms_or_null(w, "synack_to_ack_ms", second);
    tcp_direction(w, "c2s", &s->tcp[DIR_C2S]);
    tcp_direction(w, "s2c", &s->tcp[DIR_S2C]);
    jw_key(w, "events");
    jw_arr(w);
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind < EV_TCP_SYN)
            continue;
        jw_obj(w);
        jw_key(w, "t_ms");
        jw_scaled(w, e->at.ts - t0, 6, 3);
        jw_key_label(w, "dir", fmt_dir(e->dir));
        const char *what = e->kind == EV_TCP_SYN      ? (e->type ? "syn_ack" : "syn")
                         : e->kind == EV_TCP_RETRANSMIT ? (e->type ? "late_fill" : "retransmission")
                                                        : names[e->kind - EV_TCP_SYN];
        jw_key_label(w, "event", what);
        jw_key_uint(w, "packet", e->at.packet);
        if (e->kind == EV_TCP_RETRANSMIT) {
            jw_key(w, "wait_ms");
            jw_scaled(w, (int64_t)e->len, 3, 3);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

static void records(struct jw *w, const struct session *s)
{
    static const char *const types[REC_TYPE_SLOTS] = {
        "change_cipher_spec", "alert", "handshake", "application_data",
        "heartbeat", "tls12_cid", "ack", "other",
    };
    jw_key(w, "records");
    jw_obj(w);
    for (int d = 0; d < 2; d++) {
        jw_key(w, fmt_dir((uint8_t)d));
        jw_obj(w);
        for (int t = 0; t < REC_TYPE_SLOTS; t++)
            if (s->records[d][t])
                jw_key_uint(w, types[t], s->records[d][t]);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_key(w, "bytes");
    jw_obj(w);
    jw_key_uint(w, "c2s", s->bytes[DIR_C2S]);
    jw_key_uint(w, "s2c", s->bytes[DIR_S2C]);
    jw_obj_end(w);
}

static void anomalies(struct jw *w, const struct session *s)
{
    jw_key(w, "anomalies");
    jw_arr(w);
    for (size_t i = 0; i < s->anomalies.n; i++) {
        const struct anomaly *a = &s->anomalies.v[i];
        jw_obj(w);
        jw_key_str(w, "what", a->what);
        jw_key_str(w, "detail", a->detail);
        jw_key_label(w, "dir", fmt_dir(a->dir));
        jw_key_uint(w, "packet", a->at.packet);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (s->anomalies.dropped)
        jw_key_uint(w, "anomalies_dropped", s->anomalies.dropped);
}

static void finding_fields(struct jw *w, const struct finding *f)
{
    jw_key_str(w, "rule", f->rule);
    jw_key_str(w, "severity", severity_name(f->severity));
    jw_key_str(w, "title", f->title);
    jw_key_str(w, "evidence", f->evidence);
    jw_key_str(w, "fix", f->fix);
    jw_key_str(w, "mq", f->mq);
    jw_key_bool(w, "explains", f->explains);
}

static void findings(struct jw *w, const struct session *s)
{
    jw_key(w, "findings");
    jw_arr(w);
    for (size_t i = 0; i < s->findings.n; i++) {
        jw_obj(w);
        finding_fields(w, &s->findings.v[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void json_capture_findings(struct report *r, const struct capture_finding *cf, size_t n)
{
    struct jw *w = &r->jw;
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_key_label(w, "type", "finding");
        jw_key_str(w, "subject", cf[i].subject);
        jw_key(w, "sessions");
        jw_arr(w);
        for (size_t k = 0; k < cf[i].n_sessions; k++)
            jw_uint(w, cf[i].sessions[k]);
        jw_arr_end(w);
        if (cf[i].more_sessions)
            jw_key_uint(w, "more_sessions", cf[i].more_sessions);
        finding_fields(w, &cf[i].f);
        jw_obj_end(w);
        jw_end_line(w);
    }
}

static void mq_plain(struct jw *w, const struct session *s)
{
    const struct mq_plain *mq = &s->mq;
    if (!mq->client && !mq->server)
        return;
    jw_key(w, "mq");
    jw_obj(w);
    jw_key_bool(w, "plaintext_client", mq->client);
    jw_key_bool(w, "plaintext_server", mq->server);
    jw_key_str(w, "channel", mq->channel[0] ? mq->channel : NULL);
    jw_key_str(w, "qmgr", mq->qmgr[0] ? mq->qmgr : NULL);
    key_opt_int(w, "fap", mq->fap != 0, mq->fap);
    jw_key_bool(w, "ebcdic", mq->ebcdic);
    jw_key_bool(w, "credentials_in_clear", mq->userid || mq->password);
    key_opt_int(w, "status", mq->has_status, mq->status);
    jw_key_uint(w, "packet", mq->at.packet);
    jw_obj_end(w);
}

static void negotiated(struct jw *w, const struct session *s, bool app)
{
    char buf[REG_LABEL_LEN];
    version(w, "version", s->has_version, s->version);
    cipher(w, s);
    jw_key(w, "group");
    if (s->has_group)
        jw_label(w, registry_group_label(s->group, buf));
    else
        jw_null(w);
    const struct bytes *sni = session_sni(s);
    jw_key(w, "sni");
    if (sni)
        jw_strn(w, sni->p, sni->len);
    else
        jw_null(w);
    jw_key_label(w, "ech", ech_outcome_name(s->ech));
    char channel[MQ_CHANNEL_MAX + 1];
    bool canonical;
    jw_key(w, "mq_channel");
    if (session_mq_channel(s, channel, &canonical))
        jw_str(w, channel);
    else
        jw_null(w);
    jw_key(w, "alpn");
    jw_obj(w);
    strings(w, "offered", &s->ch.alpn);
    jw_key(w, "selected");
    if (s->has_alpn_selected)
        jw_strn(w, s->alpn_selected.p, s->alpn_selected.len);
    else
        jw_null(w);
    jw_obj_end(w);
    jw_key_bool(w, "resumed", s->resumed);
    jw_key_uint(w, "renegotiations", s->renegotiations);
    jw_key_bool(w, "established", s->established);
    jw_key_bool(w, "decrypted", s->decrypted);
    decryption(w, s, app);
    jw_key_label(w, "status", report_status(s));
    const struct alert *last = session_last_alert(s);
    jw_key(w, "last_alert");
    if (last)
        alert(w, last);
    else
        jw_null(w);
    jw_key(w, "alerts");
    jw_arr(w);
    for (size_t i = 0; i < s->alerts.n; i++)
        alert(w, &s->alerts.v[i]);
    jw_arr_end(w);
    if (s->alerts.dropped)
        jw_key_uint(w, "alerts_dropped", s->alerts.dropped);
}

void json_session(struct report *r, const struct session *s)
{
    struct jw *w = &r->jw;
    jw_obj(w);
    jw_key_label(w, "type", "session");
    jw_key_uint(w, "id", s->id);
    ts(w, "ts", s->ts_first);
    ts(w, "ts_end", s->ts_last);
    endpoint(w, "client", &s->client);
    endpoint(w, "server", &s->server);
    jw_key_label(w, "transport", transport_carrier(s->transport));
    jw_key_label(w, "protocol", transport_protocol(s->transport));
    jw_key_bool(w, "roles_guessed", s->roles_guessed);
    jw_key_bool(w, "mid_stream", s->mid_stream);
    jw_key_label(w, "one_direction", !s->one_way ? NULL : s->one_way - 1 == DIR_C2S ? "client" : "server");
    jw_key_label(w, "starttls", s->starttls);
    jw_key_label(w, "tunnel", s->tunnel);
    jw_key(w, "tunnel_target");
    if (s->tunnel_host) {
        jw_obj(w);
        jw_key_str(w, "host", s->tunnel_host);
        jw_key_uint(w, "port", s->tunnel_port);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    negotiated(w, s, r->opts.app_data);
    client_hello(w, "client_hello", &s->ch, &s->fp);
    if (s->ch_retry.present)
        client_hello(w, "client_hello_retry", &s->ch_retry, NULL);
    if (s->hrr.present)
        server_hello(w, "hello_retry_request", &s->hrr, s->sh.present ? NULL : &s->fp);
    server_hello(w, "server_hello", &s->sh, &s->fp);
    encrypted_extensions(w, &s->ee);
    chain(w, "server_certs", &s->server_certs);
    chain(w, "client_certs", &s->client_certs);
    jw_key_label(w, "client_certificate", !s->client_certs.seen ? NULL
                                          : s->client_certs.n ? "sent"
                                          : s->client_certs.from_record_size ? "empty_by_record_size" : "empty");
    chain_checks(w, s);
    mq_plain(w, s);
    kx_details(w, s);
    timeline(w, s);
    tcp(w, s);
    quic(w, s);
    dtls(w, s);
    ms_or_null(w, "handshake_ms", session_handshake_ns(s));
    records(w, s);
    findings(w, s);
    anomalies(w, s);
    jw_obj_end(w);
    jw_end_line(w);
}

static void tally_obj(struct jw *w, const char *k, const struct tally *t)
{
    jw_key(w, k);
    jw_obj(w);
    for (size_t i = 0; i < t->n; i++) { /* names gathered from many places: checked */
        jw_key_n(w, t->v[i].key, strlen(t->v[i].key));
        jw_uint(w, t->v[i].n);
    }
    jw_obj_end(w);
}

void json_summary(struct report *r, const struct capture_stats *cs,
                  const struct dissect_stats *ds)
{
    struct jw *w = &r->jw;
    jw_obj(w);
    jw_key_label(w, "type", "summary");
    jw_key_uint(w, "sessions", r->sessions);
    jw_key_uint(w, "established", r->established);
    jw_key_uint(w, "failed", r->failed);
    jw_key_uint(w, "incomplete", r->incomplete);
    jw_key_uint(w, "partial", r->partial);
    jw_key_uint(w, "plaintext", r->plaintext);
    jw_key_uint(w, "resumed", r->resumed);
    jw_key_uint(w, "anomalies", r->anomalies);
    tally_obj(w, "versions", &r->versions);
    tally_obj(w, "ciphers", &r->ciphers);
    tally_obj(w, "alerts", &r->alerts);
    tally_obj(w, "starttls", &r->starttls);
    tally_obj(w, "findings", &r->findings);
    jw_key(w, "findings_by_severity");
    jw_obj(w);
    for (int i = SEV_HIGH; i >= SEV_INFO; i--)
        jw_key_uint(w, severity_name((enum severity)i), r->by_severity[i]);
    jw_obj_end(w);
    jw_key_uint(w, "packets", cs->packets);
    jw_key_uint(w, "tcp_flows", cs->flows - cs->udp_flows);
    jw_key_uint(w, "tcp_gaps", ds->gaps);
    jw_key_uint(w, "udp_flows", cs->udp_flows);
    jw_key_uint(w, "quic_sessions", r->quic);
    jw_key_uint(w, "dtls_sessions", r->dtls);
    jw_key_uint(w, "quic_datagrams", cs->quic_datagrams);
    jw_key_uint(w, "dtls_datagrams", cs->dtls_datagrams);
    jw_key_uint(w, "quic_paths_followed", cs->quic_paths);
    jw_key_uint(w, "undecodable_packets", cs->bad_headers);
    jw_key_uint(w, "file_anomalies", cs->file_anomalies);
    jw_key_uint(w, "unsupported_link_packets", cs->unsupported_link);
    jw_key_uint(w, "flows_evicted", cs->flows_idle_evicted + cs->flows_full_evicted);
    /* limits hit: what was given up to keep memory bounded */
    jw_key(w, "limits");
    jw_obj(w);
    jw_key_uint(w, "flows_evicted_table_full", cs->flows_full_evicted);
    jw_key_uint(w, "out_of_order_limit_hits", cs->ooo_limit_hits);
    jw_key_uint(w, "fragments_dropped", cs->frags_dropped);
    jw_key_uint(w, "packets_cut_by_snaplen", cs->truncated);
    jw_key_uint(w, "quic_connection_ids_evicted", cs->quic_cids_evicted);
    jw_obj_end(w);
    jw_key_uint(w, "certificates_decoded", ds->certs_parsed);
    if (cs->live) {
        jw_key(w, "live");
        jw_obj(w);
        jw_key_uint(w, "captured", cs->live_packets);
        jw_key_uint(w, "received", cs->live_received);
        jw_key_uint(w, "dropped", cs->live_dropped);
        jw_key_uint(w, "if_dropped", cs->live_if_dropped);
        jw_key_bool(w, "loopback", cs->live_loopback);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_end_line(w);
}

/* Every top-level key a JSON session line can have (docs/json.md). */
static const char *const json_names[] = {
    "type", "id", "ts", "ts_end", "client", "server", "transport", "protocol", "roles_guessed", "mid_stream", "one_direction",
    "starttls", "tunnel", "tunnel_target", "version", "cipher", "group", "sni", "ech", "mq_channel", "alpn", "resumed", "renegotiations", "established",
    "decrypted", "decryption", "status", "last_alert", "alerts", "alerts_dropped", "client_hello", "client_hello_retry",
    "hello_retry_request", "server_hello", "encrypted_extensions", "server_certs", "client_certs",
    "client_certificate", "server_chain", "client_chain", "mq", "server_key_exchange", "certificate_request",
    "certificate_status", "new_session_ticket", "handshake", "events_dropped", "tcp", "quic", "dtls", "handshake_ms", "records", "bytes",
    "findings", "anomalies", "anomalies_dropped",
};

/* --fields: the top-level fields asked for, kept as they are written. */
static void json_entry(struct report *r, const struct session *s)
{
    if (r->opts.fields && !r->fields) {
        r->fields = jw_select_new(r->opts.fields);
        if (!r->fields)
            return;
    }
    r->jw.sel = r->fields;
    json_session(r, s);
    r->jw.sel = NULL;
}

const struct report_format json_format = {
    .name = "json", .session = json_entry, .capture_findings = json_capture_findings,
    .summary = json_summary, .fields = json_names, .n_fields = sizeof(json_names) / sizeof(json_names[0]),
};
