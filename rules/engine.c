/* Running the rules: one pass over each session as it is reported, then
 * the capture-wide rules over what the sessions left behind. */
#include "rules/internal.h"

#include "include/grow.h"
#include "include/hmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rules {
    struct rules_config cfg;
    struct capture_state st;
    size_t cap_servers, cap_clients, cap_offers, cap_ja4s, cap_fetches, cap_refusals, cap_channels, cap_quiet,
        cap_reconnects;
    /* array index + 1 by endpoint (or channel, or client host and
     * listener): captures with tens of thousands of servers or clients
     * stay linear (the arrays move as they grow) */
    struct hmap server_index, client_index, reconnect_index, channel_index, quiet_index, ja4_index;
    /* the latest fetch by each host + 1; the others by that host follow
     * from it (fetch_facts.prev_same_host) */
    struct hmap fetch_index;
    struct capture_out out;
    bool finished;
    /* the session rules the policy leaves on, specific ones first, then
     * the fallbacks: listed once, as the policy does not change. What
     * each session needs of them lies side by side: read through the
     * rules themselves, spread over the program's data, they were a
     * dozen cache misses a session. */
    struct enabled_rule {
        rule_check check;
        enum severity severity;
        const struct rule *rule;
    } *enabled;
    size_t n_specific, n_enabled;
};

struct rules *rules_new(const struct rules_config *config)
{
    struct rules *r = calloc(1, sizeof(*r));
    if (!r || !(r->enabled = calloc(n_session_rules, sizeof(*r->enabled)))) {
        free(r);
        return NULL;
    }
    r->cfg = *config;
    r->st.pol = config->policy;
    for (int fallback = 0; fallback < 2; fallback++) {
        for (size_t i = 0; i < n_session_rules; i++)
            if (session_rules[i]->fallback == fallback && !policy_disabled(r->cfg.policy, session_rules[i]->info.id))
                r->enabled[r->n_enabled++] = (struct enabled_rule){
                    session_rules[i]->check, session_rules[i]->info.severity, session_rules[i]};
        if (!fallback)
            r->n_specific = r->n_enabled;
    }
    return r;
}

void rules_free(struct rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->st.n_servers; i++)
        free(r->st.servers[i].hs_ms);
    free(r->st.servers);
    free(r->st.clients);
    free(r->st.offers);
    free(r->st.ja4s);
    free(r->st.fetches);
    free(r->st.quiet);
    for (size_t i = 0; i < r->st.n_reconnects; i++)
        free(r->st.reconnects[i].v);
    free(r->st.reconnects);
    free(r->st.refusals);
    free(r->st.channels);
    hmap_free(&r->server_index);
    hmap_free(&r->client_index);
    hmap_free(&r->reconnect_index);
    hmap_free(&r->channel_index);
    hmap_free(&r->quiet_index);
    hmap_free(&r->ja4_index);
    hmap_free(&r->fetch_index);
    for (size_t i = 0; i < r->out.n; i++)
        free((char *)r->out.v[i].f.evidence);
    free(r->out.v);
    free(r->enabled);
    free(r);
}

const char *severity_name(enum severity s)
{
    static const char *const names[] = {"info", "low", "medium", "high"};
    return s <= SEV_HIGH ? names[s] : "?";
}

/* ---- findings ---------------------------------------------------------------- */

static void appendv(char *buf, size_t cap, size_t *len, const char *sep,
                    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void appendv(char *buf, size_t cap, size_t *len, const char *sep,
                    const char *fmt, va_list ap)
{
    if (*len && *len < cap)
        *len += (size_t)snprintf(buf + *len, cap - *len, "%s", sep);
    if (*len < cap)
        *len += (size_t)vsnprintf(buf + *len, cap - *len, fmt, ap);
    if (*len >= cap)
        *len = cap - 1;
}

void finding_note(struct finding_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    appendv(o->evidence, sizeof(o->evidence), &o->ev_len, "; ", fmt, ap);
    va_end(ap);
}

void finding_fix(struct finding_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    appendv(o->fix, sizeof(o->fix), &o->fix_len, " ", fmt, ap);
    va_end(ap);
}

void finding_mq(struct finding_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->mq_buf, sizeof(o->mq_buf), fmt, ap);
    va_end(ap);
    o->mq = o->mq_buf;
}

const char *mq_side(int dir)
{
    return dir == DIR_C2S ? "client" : "queue manager";
}

static void add_finding(struct session *s, const struct rule *rule,
                        const struct finding_out *o)
{
    const char *mq = o->mq == o->mq_buf ? arena_strdup(s->arena, o->mq_buf) : o->mq ? o->mq : rule->mq;
    /* An MQ message is a fact only where this finding is why the
     * handshake failed; elsewhere nothing failed for MQ to report. */
    if (mq && !o->explains)
        mq = arena_sprintf(s->arena, "if it failed on this: %s", mq);
    struct finding f = {
        .rule = rule->info.id,
        .title = rule->info.title,
        .severity = o->severity,
        .mq = mq,
        .evidence = arena_strdup(s->arena, o->evidence),
        .explains = o->explains,
    };
    if (o->fix_len && rule->fix[0] && !o->own_fix)
        f.fix = arena_sprintf(s->arena, "%s %s", o->fix, rule->fix);
    else if (o->fix_len)
        f.fix = arena_strdup(s->arena, o->fix);
    else
        f.fix = rule->fix[0] ? rule->fix : NULL;
    (void)ARENA_PUSH(s->arena, s->findings, f);
}

static void sort_findings(struct findings *fs)
{
    for (size_t i = 1; i < fs->n; i++) { /* stable: insertion sort */
        struct finding f = fs->v[i];
        size_t j = i;
        while (j > 0 && fs->v[j - 1].severity < f.severity) {
            fs->v[j] = fs->v[j - 1];
            j--;
        }
        fs->v[j] = f;
    }
}

/* ---- capture facts ------------------------------------------------------------ */


static uint64_t endpoint_hash(const struct endpoint *e, bool with_port)
{
    uint64_t h = hmap_hash_bytes(e->addr, 16, e->family);
    return with_port ? hmap_hash_bytes(&e->port, sizeof(e->port), h) : h;
}

static bool server_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    return same_endpoint(&r->st.servers[at - 1].server, key);
}

static bool client_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    const struct client_facts *c = &r->st.clients[at - 1];
    const struct endpoint *e = key;
    return c->family == e->family && memcmp(c->addr, e->addr, 16) == 0;
}

/* indexed_row - a new zeroed row at the end of an array found through
 * index, its place + 1 put under hash; NULL on no memory (the array may
 * have grown, but holds no new row). *arr moves as it grows. */
static void *indexed_row(void **arr, size_t *n, size_t *cap, size_t size, struct hmap *index, uint64_t hash)
{
    void *v = grow_array(*arr, *n, cap, size, 16);
    if (!v)
        return NULL;
    *arr = v;
    if (!hmap_put(index, hash, *n + 1))
        return NULL;
    void *row = (char *)v + (*n)++ * size;
    memset(row, 0, size);
    return row;
}

static struct server_facts *find_server(struct rules *r, const struct endpoint *e)
{
    uintptr_t at = hmap_get(&r->server_index, endpoint_hash(e, true), server_is, e, r);
    return at ? &r->st.servers[at - 1] : NULL;
}

static struct server_facts *server_facts(struct rules *r, const struct endpoint *e)
{
    struct server_facts *f = find_server(r, e);
    if (f)
        return f;
    f = indexed_row((void **)&r->st.servers, &r->st.n_servers, &r->cap_servers, sizeof(*f), &r->server_index,
                    endpoint_hash(e, true));
    if (!f)
        return NULL;
    f->server = *e;
    return f;
}

static struct client_facts *client_facts(struct rules *r, const struct endpoint *e)
{
    uint64_t hash = endpoint_hash(e, false);
    uintptr_t at = hmap_get(&r->client_index, hash, client_is, e, r);
    if (at)
        return &r->st.clients[at - 1];
    struct client_facts *c =
        indexed_row((void **)&r->st.clients, &r->st.n_clients, &r->cap_clients, sizeof(*c), &r->client_index, hash);
    if (!c)
        return NULL;
    c->family = e->family;
    memcpy(c->addr, e->addr, 16);
    return c;
}

static void add_unique16(uint16_t *v, size_t *n, size_t cap, uint16_t x)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == x)
            return;
    if (*n < cap)
        v[(*n)++] = x;
}

static void add_unique32(uint32_t *v, size_t *n, size_t cap, uint32_t x)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == x)
            return;
    if (*n < cap)
        v[(*n)++] = x;
}

void idset_add(struct idset *set, uint64_t id)
{
    if (set->n < FACT_SESSIONS)
        set->ids[set->n] = id;
    set->n++;
}

static void grade_note(struct server_facts *f, enum grade_reason why, const struct session *s, int bits)
{
    struct grade_fact *g = &f->grade[why];
    if (!g->sessions.n) {
        g->version = s->version;
        g->cipher = s->cipher;
        g->bits = bits;
    }
    idset_add(&g->sessions, s->id);
}

/* learn_server - fold s into its server's facts; the facts, or NULL. */
static struct server_facts *learn_server(struct rules *r, const struct session *s)
{
    struct server_facts *f = server_facts(r, &s->server);
    if (!f)
        return NULL;
    if (!f->sessions)
        f->first_ts = s->ts_first;
    f->last_ts = s->ts_first;
    f->sessions++;
    if (f->n_ids < FACT_SESSIONS)
        f->first_ids[f->n_ids++] = s->id;
    if (s->established)
        f->established++;
    if (fatal_alert(s))
        f->failed++;
    if (s->resumed)
        f->resumed++;
    double ms = session_handshake_ms(s);
    if (s->established && !s->resumed) {
        f->full++;
        if (ms >= 0) {
            f->hs_total_ms += ms;
            if (f->n_hs == f->cap_hs && f->cap_hs < FACT_TIMES) {
                size_t cap = f->cap_hs ? f->cap_hs * 4 : 4;
                float *v = realloc(f->hs_ms, (cap < FACT_TIMES ? cap : FACT_TIMES) * sizeof(*v));
                if (v) {
                    f->hs_ms = v;
                    f->cap_hs = cap < FACT_TIMES ? cap : FACT_TIMES;
                }
            }
            if (f->n_hs < f->cap_hs)
                f->hs_ms[f->n_hs++] = (float)ms;
        }
    }
    if (s->sh.present && s->has_version) {
        add_unique16(f->versions, &f->n_versions, ARRAY_LEN(f->versions), s->version);
        uint16_t rank = registry_version_rank(s->version);
        if (rank <= VER_SSL3)
            grade_note(f, GR_SSL, s, 0);
        else if (rank == VER_TLS10 || rank == VER_TLS11)
            grade_note(f, GR_TLS10_11, s, 0);
    }
    if (s->sh.present && s->has_cipher) {
        add_unique32(f->ciphers, &f->n_ciphers, ARRAY_LEN(f->ciphers), s->cipher);
        const struct cipher_info *ci = registry_cipher(s->cipher);
        const char *why;
        if (ci && cipher_is_weak(ci, &why))
            grade_note(f, GR_WEAK_SUITE, s, 0);
        if (ci && (ci->flags & CF_CBC))
            grade_note(f, GR_CBC, s, 0);
        if (ci && ci->kx == KXA_RSA && !(ci->flags & CF_TLS13))
            grade_note(f, GR_STATIC_RSA, s, 0);
    }
    if (s->ske.dh_p_bits && s->ske.dh_p_bits < 1024)
        grade_note(f, GR_DH_TINY, s, (int)s->ske.dh_p_bits);
    else if (s->ske.dh_p_bits && s->ske.dh_p_bits < 2048)
        grade_note(f, GR_DH_SMALL, s, (int)s->ske.dh_p_bits);
    const struct cert *leaf = chain_leaf(&s->server_certs);
    if (leaf && !leaf->parse_error) {
        f->has_leaf = true;
        snprintf(f->leaf_key_type, sizeof(f->leaf_key_type), "%s",
                 leaf->key_type ? leaf->key_type : "?");
        f->leaf_key_bits = leaf->key_bits;
        f->leaf_session = s->id;
        if (leaf->key_type && strcmp(leaf->key_type, "rsa") == 0 && leaf->key_bits < 2048)
            grade_note(f, GR_RSA_SMALL, s, leaf->key_bits);
    }
    return f;
}

static bool ja4_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    return strcmp(r->st.ja4s[at - 1].s, key) == 0;
}

/* ja4_row - the row of a JA4 fingerprint among those seen, + 1; 0 on no
 * memory */
static uint32_t ja4_row(struct rules *r, const char *ja4)
{
    size_t len = strnlen(ja4, sizeof(r->st.ja4s[0].s) - 1);
    uint64_t hash = hmap_hash_bytes(ja4, len, 0);
    uintptr_t at = hmap_get(&r->ja4_index, hash, ja4_is, ja4, r);
    if (at)
        return (uint32_t)at;
    struct ja4_text *t =
        indexed_row((void **)&r->st.ja4s, &r->st.n_ja4s, &r->cap_ja4s, sizeof(*t), &r->ja4_index, hash);
    if (!t)
        return 0;
    memcpy(t->s, ja4, len);
    return (uint32_t)r->st.n_ja4s;
}

static void learn_ja4(struct rules *r, struct client_facts *c, const char *ja4)
{
    uint32_t row = ja4_row(r, ja4);
    if (!row)
        return;
    size_t k = 0;
    while (k < c->n_ja4 && c->ja4[k] != row)
        k++;
    if (k == c->n_ja4 && c->n_ja4 < FACT_FINGERPRINTS)
        c->ja4[c->n_ja4++] = row;
    else if (k == c->n_ja4)
        c->more_ja4 = true;
}

static struct client_offers *client_offers(struct rules *r, struct client_facts *c)
{
    if (c->offers_at)
        return &r->st.offers[c->offers_at - 1];
    struct client_offers *v = grow_array(r->st.offers, r->st.n_offers, &r->cap_offers, sizeof(*v), 16);
    if (!v)
        return NULL;
    r->st.offers = v;
    struct client_offers *o = &v[r->st.n_offers++];
    memset(o, 0, sizeof(*o));
    c->offers_at = (uint32_t)r->st.n_offers;
    return o;
}

static void learn_client(struct rules *r, const struct session *s)
{
    const struct hello *ch = &s->ch;
    if (!ch->present || ch->sslv2)
        return;
    struct client_facts *c = client_facts(r, &s->client);
    if (!c)
        return;
    c->sessions++;
    if (s->fp.ja4[0])
        learn_ja4(r, c, s->fp.ja4);
    bool reneg = ch->reneg_info, offered[CO_COUNT] = {false};
    for (size_t i = 0; i < ch->ciphers.n; i++) {
        const struct cipher_info *ci = registry_cipher(ch->ciphers.v[i]);
        if (!ci)
            continue;
        reneg |= ci->code == 0x00ff;
        offered[CO_NULL] |= (ci->flags & CF_NULL) != 0;
        offered[CO_EXPORT] |= (ci->flags & CF_EXPORT) != 0;
        offered[CO_ANON] |= (ci->flags & CF_ANON) != 0;
        offered[CO_RC4] |= (ci->flags & CF_RC4) != 0;
        if (ci->flags & CF_WEAK_BLOCK) { /* every DES and 3DES suite: the names only then */
            offered[CO_3DES] |= strstr(ci->enc, "3DES") != NULL;
            offered[CO_DES] |= strncmp(ci->enc, "DES", 3) == 0;
        }
    }
    bool any = false;
    for (int k = 0; k < CO_COUNT; k++)
        any |= offered[k];
    struct client_offers *o = any ? client_offers(r, c) : NULL;
    for (int k = 0; o && k < CO_COUNT; k++)
        if (offered[k])
            idset_add(&o->offers[k], s->id);
    /* "never" facts: only a hello that parsed whole can show an absence */
    if (!hello_whole(ch))
        return;
    idset_add(&c->whole, s->id);
    /* DTLS 1.3 is rare (OpenSSL has none): a DTLS client is not told to offer it */
    c->with_tls13 += offers_tls13(ch) || s->transport == TR_DTLS;
    /* both protect TLS 1.2 and older; a hello offering only 1.3 (QUIC's
     * always) needs neither */
    bool only_13 = !offers_below_tls13(ch);
    c->with_ems += ch->ems || only_13;
    c->with_reneg += reneg || only_13;
}

/* A refusal the certificate key type may explain, made before any session
 * showed this server's certificate: a later one may settle it. */
static void learn_refusal(struct rules *r, const struct session *s, const struct server_facts *f)
{
    unsigned refused = refused_key_type(s);
    if (!refused || !f || f->has_leaf)
        return;
    struct refusal *v = grow_array(r->st.refusals, r->st.n_refusals, &r->cap_refusals, sizeof(*v), 16);
    if (!v)
        return;
    r->st.refusals = v;
    struct refusal *n = &v[r->st.n_refusals++];
    memset(n, 0, sizeof(*n));
    n->id = s->id;
    n->server_index = (uint32_t)(f - r->st.servers);
    snprintf(n->offered_key, sizeof(n->offered_key), "%s", refused == 2 ? "ecdsa" : "rsa");
}

static bool channel_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    return strcmp(r->st.channels[at - 1].channel, key) == 0;
}

static void learn_channel(struct rules *r, const struct session *s, const char *channel)
{
    const struct cert *leaf = chain_leaf(&s->server_certs);
    if (!channel || !leaf)
        return;
    uint64_t hash = hmap_hash_bytes(channel, strlen(channel), 0);
    uintptr_t at = hmap_get(&r->channel_index, hash, channel_is, channel, r);
    struct channel_facts *c = at ? &r->st.channels[at - 1] : NULL;
    if (!c) {
        c = indexed_row((void **)&r->st.channels, &r->st.n_channels, &r->cap_channels, sizeof(*c), &r->channel_index,
                        hash);
        if (!c)
            return;
        snprintf(c->channel, sizeof(c->channel), "%s", channel);
    }
    c->sessions++;
    for (size_t i = 0; i < c->n_certs; i++)
        if (memcmp(c->certs[i].sha256, leaf->sha256, 32) == 0) {
            c->certs[i].sessions++;
            return;
        }
    if (c->n_certs == CHANNEL_CERTS) {
        c->other_certs++;
        return;
    }
    size_t k = c->n_certs++;
    memcpy(c->certs[k].sha256, leaf->sha256, 32);
    snprintf(c->certs[k].subject, sizeof(c->certs[k].subject), "%s",
             leaf->subject ? leaf->subject : "(undecoded)");
    c->certs[k].first_id = s->id;
    c->certs[k].server = s->server;
    c->certs[k].sessions = 1;
    snprintf(c->certs[k].key_type, sizeof(c->certs[k].key_type), "%s", leaf->key_type ? leaf->key_type : "");
    c->certs[k].key_bits = leaf->key_bits;
    c->certs[k].version = s->has_version ? s->version : 0;
    c->certs[k].cipher = s->has_cipher ? s->cipher : 0;
}

static bool same_host(const struct endpoint *a, const struct endpoint *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* A fetch by either end of the handshake, sent while it was under way. */
static void correlate(struct fetch_facts *f, const struct hs_window *w)
{
    const struct revocation_fetch *rf = &f->f;
    bool party = same_host(&rf->client, &w->client) || same_host(&rf->client, &w->server);
    if (!party || rf->ts_request < w->start || rf->ts_request > w->end)
        return;
    for (size_t i = 0; i < f->n_ids; i++)
        if (f->ids[i] == w->id)
            return;
    if (f->n_ids < FETCH_SESSIONS) {
        f->hs_ms[f->n_ids] = (double)(w->end - w->start) / 1e6;
        f->ids[f->n_ids++] = w->id;
    }
}

static bool fetch_by(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    return same_host(&r->st.fetches[at - 1].f.client, key);
}

/* the latest fetch by host h + 1, or 0 */
static size_t latest_fetch(const struct rules *r, const struct endpoint *h)
{
    return hmap_get(&r->fetch_index, endpoint_hash(h, false), fetch_by, h, r);
}

/* Only the fetches by the handshake's own hosts can fall in it: those
 * are found by host, as a capture may hold thousands of fetches, and
 * from the latest back only until all that are left came before it (a
 * proxy that fetches for a whole network has thousands of its own). */
static void learn_window(struct rules *r, const struct session *s)
{
    if (!s->hs_start.ts)
        return;
    struct hs_window *w = &r->st.windows[r->st.n_windows++ % WINDOW_RING];
    *w = (struct hs_window){
        .id = s->id, .client = s->client, .server = s->server, .start = s->hs_start.ts,
        .end = s->has_hs_end ? s->hs_end.ts : s->ts_last,
    };
    for (int end = 0; end < 2 && r->st.n_fetches; end++) {
        const struct endpoint *host = end ? &w->server : &w->client;
        if (end && same_host(&w->server, &w->client))
            break;
        for (size_t at = latest_fetch(r, host); at; at = r->st.fetches[at - 1].prev_same_host) {
            if (r->st.fetches[at - 1].latest_request < w->start)
                break;
            correlate(&r->st.fetches[at - 1], w);
        }
    }
}

/* ---- evaluation ------------------------------------------------------------------ */

static const char *channel_of(const struct session *s, char *buf)
{
    bool canonical;
    const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
    if (sni && mq_sni_decode(sni->p, sni->len, buf, &canonical))
        return buf;
    return s->mq.channel[0] ? s->mq.channel : NULL;
}

static void learn_silent_client(struct rules *r, const struct session *s);

/* key: the session, for its listener and its client's host */
static bool reconnect_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    const struct reconnect_facts *f = &r->st.reconnects[at - 1];
    const struct session *s = key;
    return same_endpoint(&f->server, &s->server) && f->family == s->client.family &&
           memcmp(f->addr, s->client.addr, 16) == 0;
}

/* An MQ session's length and end, per client host and listener. */
static void learn_reconnect(struct rules *r, const struct session *s)
{
    if (!s->established)
        return;
    uint64_t hash = endpoint_hash(&s->client, false) ^ endpoint_hash(&s->server, true);
    uintptr_t at = hmap_get(&r->reconnect_index, hash, reconnect_is, s, r);
    struct reconnect_facts *f = at ? &r->st.reconnects[at - 1] : NULL;
    if (!f) {
        f = indexed_row((void **)&r->st.reconnects, &r->st.n_reconnects, &r->cap_reconnects, sizeof(*f),
                        &r->reconnect_index, hash);
        if (!f)
            return;
        f->server = s->server;
        f->family = s->client.family;
        memcpy(f->addr, s->client.addr, 16);
    }
    if (f->n == RECONNECT_SESSIONS)
        return;
    if (f->n == f->cap) {
        uint32_t cap = f->cap ? 2 * f->cap : 2;
        struct reconnect_session *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return;
        f->v = v;
        f->cap = cap;
    }
    int64_t when;
    bool client_closed = closed_by(s, 0, &when) == DIR_C2S;
    f->v[f->n] = (struct reconnect_session){
        .start = s->ts_first,
        .end = client_closed ? when : s->ts_last, /* the next may open before the last packets */
        .bytes = s->bytes[DIR_C2S] + s->bytes[DIR_S2C],
        .id = s->id,
        .client_closed = client_closed,
    };
    f->n++;
}

void rules_eval(struct rules *r, struct session *s)
{
    const struct policy *pol = r->cfg.policy;
    char clock[RULE_CLOCK_TEXT] = "", channel[MQ_CHANNEL_MAX + 1], doubt[256];
    struct rule_env env = {.pol = pol, .mq_port = policy_mq_port(pol, s->server.port),
                           .as_of = r->cfg.as_of, .clock_text = clock};
    if (r->cfg.as_of == AS_OF_CAPTURE) {
        env.now = s->ts_first / 1000000000;
        env.clock_doubt = capture_clock_doubt(s, r->cfg.wall, doubt, sizeof(doubt));
    } else {
        env.now = r->cfg.as_of_time;
    }
    env.server = find_server(r, &s->server);
    env.channel = policy_channel(pol, channel_of(s, channel));
    env.server_pol = policy_server(pol, &s->server);

    /* the specific rules first; the fallbacks only for what none explained */
    bool explained = false;
    for (size_t i = 0; i < r->n_enabled && !(i >= r->n_specific && explained); i++) {
        const struct enabled_rule *on = &r->enabled[i];
        /* not zero-filled: clearing its 2.5 KB for every rule was most
         * of the cost of evaluating a session */
        struct finding_out out;
        out.severity = on->severity;
        out.explains = out.own_fix = false;
        out.ev_len = out.fix_len = 0;
        out.evidence[0] = out.fix[0] = 0;
        out.mq = NULL;
        if (on->check(s, &env, &out)) {
            explained |= out.explains;
            out.severity = policy_severity(pol, on->rule->info.id, out.severity);
            add_finding(s, on->rule, &out);
        }
    }
    sort_findings(&s->findings);
    /* a refusal has no certificate, so its own facts cannot settle it */
    learn_refusal(r, s, learn_server(r, s));
    learn_client(r, s);
    learn_channel(r, s, channel_of(s, channel));
    if (policy_mq_port(r->st.pol, s->server.port) || channel_of(s, channel))
        learn_reconnect(r, s);
    learn_window(r, s);
    learn_silent_client(r, s);
}

/* Only MQ listeners: elsewhere a connection without a byte is a port
 * check or a health probe, and says nothing about TLS. The facts are
 * kept so that the order they arrive in (-j) does not matter. */
static bool quiet_is(uintptr_t at, const void *key, const void *ctx)
{
    const struct rules *r = ctx;
    return same_endpoint(&r->st.quiet[at - 1].server, key);
}

static void quiet_add(struct rules *r, const struct quiet_conn *q, uint64_t session)
{
    if (!policy_mq_port(r->st.pol, q->server.port))
        return;
    uint64_t hash = endpoint_hash(&q->server, true);
    uintptr_t at = hmap_get(&r->quiet_index, hash, quiet_is, &q->server, r);
    struct quiet_facts *f = at ? &r->st.quiet[at - 1] : NULL;
    if (!f) {
        f = indexed_row((void **)&r->st.quiet, &r->st.n_quiet, &r->cap_quiet, sizeof(*f), &r->quiet_index, hash);
        if (!f)
            return;
        f->server = q->server;
        f->first_client = q->client;
        f->one_client_host = true;
        f->first_ts = q->ts_open;
        f->first_packet = q->packet;
    }
    if (q->ts_open < f->first_ts || (q->ts_open == f->first_ts && q->packet < f->first_packet)) {
        f->first_ts = q->ts_open;
        f->first_packet = q->packet;
        f->first_client = q->client;
    }
    if (q->client.family != f->first_client.family || memcmp(q->client.addr, f->first_client.addr, 16) != 0)
        f->one_client_host = false;
    if (q->ts_close > f->last_ts)
        f->last_ts = q->ts_close;
    if (f->n < QUIET_TIMES)
        f->opens[f->n] = q->ts_open;
    f->n++;
    f->client_closed += q->client_closed;
    f->resets += q->reset;
    if (session)
        idset_add(&f->sessions, session);
}

void rules_quiet(struct rules *r, const struct quiet_conn *q)
{
    quiet_add(r, q, 0);
}

/* A client that closed without sending a byte is a quiet connection even
 * when the server answered its close (OpenSSL sends decode_error then). */
static void learn_silent_client(struct rules *r, const struct session *s)
{
    int64_t when;
    if (s->bytes[DIR_C2S] || s->ch.present || closed_by(s, 0, &when) != DIR_C2S)
        return;
    struct quiet_conn q = {
        .client = s->client, .server = s->server, .ts_open = s->ts_first, .ts_close = when,
        .packet = s->packet_first, .client_closed = true,
    };
    quiet_add(r, &q, s->id);
}


void rules_fetch(struct rules *r, const struct revocation_fetch *f)
{
    /* the host's latest fetch is now this one; the one before is linked */
    size_t before = latest_fetch(r, &f->client);
    uint64_t hash = endpoint_hash(&f->client, false);
    struct fetch_facts *ff = indexed_row((void **)&r->st.fetches, &r->st.n_fetches, &r->cap_fetches, sizeof(*ff),
                                         &r->fetch_index, hash);
    if (!ff)
        return;
    if (before)
        hmap_remove(&r->fetch_index, hash, before);
    ff->f = *f;
    ff->prev_same_host = before;
    ff->latest_request = f->ts_request;
    if (before && r->st.fetches[before - 1].latest_request > ff->latest_request)
        ff->latest_request = r->st.fetches[before - 1].latest_request;
    uint64_t kept = r->st.n_windows < WINDOW_RING ? r->st.n_windows : WINDOW_RING;
    for (uint64_t i = 0; i < kept; i++)
        correlate(ff, &r->st.windows[i]);
}

/* ---- capture-wide ---------------------------------------------------------------- */

struct capture_finding *capture_add(struct capture_out *out, const struct rule *r,
                                    enum severity sev, const char *subject)
{
    void *v = grow_array(out->v, out->n, &out->cap, sizeof(*out->v), 16);
    if (!v)
        return NULL;
    out->v = v;
    struct capture_finding *f = &out->v[out->n++];
    memset(f, 0, sizeof(*f));
    f->f.rule = r->info.id;
    f->f.title = r->info.title;
    f->f.severity = sev;
    f->f.fix = r->fix;
    f->f.mq = r->mq;
    snprintf(f->subject, sizeof(f->subject), "%s", subject);
    return f;
}

/* Evidence of a capture finding is one heap buffer, freed with the
 * engine; the pointer stays valid when the finding vector moves. It grows
 * as notes are added, up to CAPTURE_EVIDENCE bytes. */
enum { CAPTURE_EVIDENCE = 4096 };

void capture_note(struct capture_finding *f, const char *fmt, ...)
{
    char *buf = (char *)f->f.evidence;
    size_t len = buf ? strlen(buf) : 0;
    va_list ap;
    va_start(ap, fmt);
    int want = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (want < 0 || len + 3 >= CAPTURE_EVIDENCE)
        return;
    size_t need = len + 2 + (size_t)want + 1;
    if (need > CAPTURE_EVIDENCE)
        need = CAPTURE_EVIDENCE;
    char *grown = realloc(buf, need);
    if (!grown)
        return;
    if (!buf)
        grown[0] = 0;
    f->f.evidence = grown;
    va_start(ap, fmt);
    appendv(grown, need, &len, "; ", fmt, ap);
    va_end(ap);
}

void capture_session(struct capture_finding *f, uint64_t id)
{
    for (size_t i = 0; i < f->n_sessions; i++)
        if (f->sessions[i] == id)
            return;
    if (f->n_sessions < ARRAY_LEN(f->sessions))
        f->sessions[f->n_sessions++] = id;
    else
        f->more_sessions++;
}

size_t rules_finish(struct rules *r, const struct capture_finding **out)
{
    if (!r->finished) {
        r->finished = true;
        for (size_t i = 0; i < n_capture_rules; i++) {
            const struct capture_rule *cr = capture_rules[i];
            if (policy_disabled(r->cfg.policy, cr->rule.info.id))
                continue;
            size_t before = r->out.n;
            cr->run(&r->st, &cr->rule, &r->out);
            for (size_t k = before; k < r->out.n; k++)
                r->out.v[k].f.severity = policy_severity(r->cfg.policy, cr->rule.info.id, r->out.v[k].f.severity);
        }
    }
    *out = r->out.v;
    return r->out.n;
}
