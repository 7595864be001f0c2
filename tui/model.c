/* Session rows for the TUI: copying, ordering, laying out and filtering. */
#include "tui/model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "include/escape.h"
#include "include/utc.h"
#include "report/report.h"
#include "rules/rules.h"

static void copy_printable(char *out, size_t len, const uint8_t *p, size_t n)
{
    size_t k = n < len - 1 ? n : len - 1;
    for (size_t i = 0; i < k; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    out[k] = 0;
}

void names_joined(const struct byteslist *l, char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < l->n && n + 8 < len; i++) {
        if (i)
            n += (size_t)snprintf(out + n, len - n, ", ");
        escape_bytes(l->v[i].p, l->v[i].len, out + n, len - n);
        n += strlen(out + n);
    }
}

/* the reports' verdict, so the TUI never disagrees with them */
static enum row_status status_of(const struct session *s, char *alert, size_t alen)
{
    static const struct {
        const char *name;
        enum row_status status;
    } statuses[] = {
        {"ok", RS_OK}, {"failed", RS_FAILED}, {"plaintext", RS_PLAINTEXT}, {"partial", RS_PARTIAL},
    };
    const char *cause;
    const char *st = report_status_why(s, &cause);
    snprintf(alert, alen, "%s", cause);
    for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
        if (strcmp(st, statuses[i].name) == 0)
            return statuses[i].status;
    return RS_INCOMPLETE;
}

bool row_from_session(struct tui_row *r, const struct session *s)
{
    memset(r, 0, sizeof(*r));
    r->id = s->id;
    r->ts = s->ts_first;
    r->client = s->client;
    r->server = s->server;
    if (s->ch.sni.n)
        copy_printable(r->sni, sizeof(r->sni), s->ch.sni.v[0].p, s->ch.sni.v[0].len);
    bool canonical;
    char channel[MQ_CHANNEL_MAX + 1];
    if (s->ch.sni.n && mq_sni_decode(s->ch.sni.v[0].p, s->ch.sni.v[0].len, channel, &canonical))
        snprintf(r->mq_channel, sizeof(r->mq_channel), "%s", channel);
    else if (s->mq.channel[0])
        snprintf(r->mq_channel, sizeof(r->mq_channel), "%s", s->mq.channel);
    r->has_version = s->has_version;
    r->transport = s->transport;
    r->version = s->version;
    r->has_cipher = s->has_cipher;
    r->cipher = s->cipher;
    r->has_group = s->has_group;
    r->group = s->group;
    r->status = status_of(s, r->alert, sizeof(r->alert));
    r->hs_ms = session_handshake_ms(s);
    r->decrypted = s->decrypted;
    r->resumed = s->resumed;
    r->established = s->established;
    if (s->has_alpn_selected)
        copy_printable(r->alpn, sizeof(r->alpn), s->alpn_selected.p, s->alpn_selected.len);
    snprintf(r->ja4, sizeof(r->ja4), "%s", s->fp.ja4);
    snprintf(r->ja3, sizeof(r->ja3), "%s", s->fp.ja3 ? s->fp.ja3_hash : "");
    snprintf(r->ja3s, sizeof(r->ja3s), "%s", s->fp.ja3s ? s->fp.ja3s_hash : "");
    r->packet_first = s->packet_first;
    r->packet_last = s->packet_last;
    r->worst = -1;
    if (s->findings.n) {
        r->findings = calloc(s->findings.n, sizeof(*r->findings));
        if (!r->findings)
            return false;
    }
    for (size_t i = 0; i < s->findings.n; i++) {
        const struct finding *f = &s->findings.v[i];
        struct row_finding *rf = &r->findings[r->n_findings++];
        rf->rule = f->rule;
        rf->title = f->title;
        rf->severity = f->severity;
        if ((int)f->severity > r->worst)
            r->worst = (int)f->severity;
    }
    return true;
}

void row_free(struct tui_row *r)
{
    free(r->findings);
    r->findings = NULL;
    r->n_findings = 0;
}

/* ---- cells ---------------------------------------------------------------- */

static const char *const col_names[COL_COUNT] = {"#", "time", "client", "server", "SNI / channel",
                                                 "ver", "cipher", "status", "sev", "ms"};

static const char *const col_keys[COL_COUNT] = {"#", "time", "client", "server", "name",
                                                "version", "cipher", "status", "sev", "ms"};

const char *column_name(enum column c)
{
    return c < COL_COUNT ? col_names[c] : "?";
}

const char *column_key(enum column c)
{
    return c < COL_COUNT ? col_keys[c] : "?";
}

static void endpoint_text(const struct endpoint *e, char *out, size_t len)
{
    char ip[64] = "?";
    inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof(ip));
    snprintf(out, len, e->family == 6 ? "[%s]:%u" : "%s:%u", ip, e->port);
}

static const char *status_text(const struct tui_row *r, char *buf, size_t len)
{
    switch (r->status) {
    case RS_OK: snprintf(buf, len, "%s", r->resumed ? "ok resumed" : "ok"); break;
    case RS_FAILED: snprintf(buf, len, "failed %s", r->alert); break;
    case RS_PLAINTEXT: snprintf(buf, len, "plaintext MQ"); break;
    case RS_INCOMPLETE: snprintf(buf, len, "incomplete"); break;
    case RS_PARTIAL: snprintf(buf, len, "partial"); break;
    }
    return buf;
}

void cipher_short_name(uint32_t code, char *out, size_t len)
{
    char buf[REG_LABEL_LEN];
    if (code <= 0xffff && is_grease((uint16_t)code)) {
        snprintf(out, len, "GREASE 0x%04x", (unsigned)code);
        return;
    }
    const struct cipher_info *ci = registry_cipher(code);
    const char *name = ci ? ci->name : registry_cipher_label(code, buf);
    if (!strncmp(name, "TLS_", 4))
        name += 4;
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < len; p++) {
        if (!strncmp(p, "_WITH", 5)) {
            p += 4;
            continue;
        }
        out[n++] = *p;
    }
    out[n] = 0;
}

void row_cell(const struct tui_row *r, enum column c, char *out, size_t len)
{
    char buf[REG_LABEL_LEN];
    out[0] = 0;
    switch (c) {
    case COL_ID:
        snprintf(out, len, "%llu", (unsigned long long)r->id);
        break;
    case COL_TIME: {
        if (utc_text_ns(r->ts, UTC_CLOCK, 3, out, len)[0] == '?')
            out[0] = 0;
        break;
    }
    case COL_CLIENT:
        endpoint_text(&r->client, out, len);
        break;
    case COL_SERVER:
        endpoint_text(&r->server, out, len);
        break;
    case COL_NAME:
        if (r->mq_channel[0])
            snprintf(out, len, "MQ %s", r->mq_channel);
        else
            snprintf(out, len, "%s", r->sni);
        break;
    case COL_VERSION:
        /* "1.3": the list's room goes to the name and the cipher */
        /* QUIC and DTLS marked by a letter: Q1.3, D1.2 */
        if (r->has_version) {
            const char *v = registry_version_label(r->version, buf);
            const char *shown = !strncmp(v, "TLSv", 4) ? v + 4 : !strncmp(v, "DTLSv", 5) ? v + 5 : v;
            snprintf(out, len, "%s%s", r->transport == TR_QUIC ? "Q" : r->transport == TR_DTLS ? "D" : "", shown);
        } else if (r->transport != TR_TCP) {
            snprintf(out, len, "%s", r->transport == TR_QUIC ? "QUIC" : "DTLS");
        }
        break;
    case COL_CIPHER:
        if (r->has_cipher)
            cipher_short_name(r->cipher, out, len);
        break;
    case COL_STATUS:
        status_text(r, out, len);
        break;
    case COL_SEV:
        snprintf(out, len, "%s", r->worst < 0 ? "" : severity_name((enum severity)r->worst));
        break;
    case COL_MS:
        if (r->hs_ms >= 0)
            snprintf(out, len, r->hs_ms < 10 ? "%.2f" : r->hs_ms < 1000 ? "%.1f" : "%.0f", r->hs_ms);
        break;
    default:
        break;
    }
}

static int cmp_endpoint(const struct endpoint *a, const struct endpoint *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    int c = memcmp(a->addr, b->addr, 16);
    if (c)
        return c;
    return a->port < b->port ? -1 : a->port > b->port;
}

int row_compare(const struct tui_row *a, const struct tui_row *b, enum column c)
{
    int v = 0;
    char x[128], y[128];
    switch (c) {
    case COL_TIME: v = a->ts < b->ts ? -1 : a->ts > b->ts; break;
    case COL_CLIENT: v = cmp_endpoint(&a->client, &b->client); break;
    case COL_SERVER: v = cmp_endpoint(&a->server, &b->server); break;
    case COL_VERSION:
        v = (a->has_version ? registry_version_rank(a->version) : -1) -
            (b->has_version ? registry_version_rank(b->version) : -1);
        break;
    case COL_STATUS: v = (int)a->status - (int)b->status; break;
    case COL_SEV: v = b->worst - a->worst; break; /* worst first */
    case COL_MS: v = a->hs_ms < b->hs_ms ? -1 : a->hs_ms > b->hs_ms; break;
    case COL_NAME:
    case COL_CIPHER:
        row_cell(a, c, x, sizeof(x));
        row_cell(b, c, y, sizeof(y));
        v = strcasecmp(x, y);
        break;
    default: break;
    }
    if (v)
        return v < 0 ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* ---- layout ------------------------------------------------------------------ */

void col_widths_add(struct col_widths *cw, const struct tui_row *r)
{
    char cell[160];
    for (int c = 0; c < COL_COUNT; c++) {
        row_cell(r, (enum column)c, cell, sizeof(cell));
        int n = (int)strlen(cell);
        if (n > cw->w[c])
            cw->w[c] = n;
    }
}

/* The essentials, in the order they are given up on a very narrow
 * terminal, each at least `min` wide (unless its content is narrower) and
 * at most `max`; then the extras, shown only whole. */
static const struct {
    enum column c;
    int min, max;
} essentials[] = {
    {COL_ID, 0, 20},      {COL_SERVER, 15, 47}, {COL_NAME, 12, 64}, {COL_VERSION, 5, 12},
    {COL_CIPHER, 16, 40}, {COL_STATUS, 6, 40},  {COL_SEV, 6, 6},
};
static const enum column extras[] = {COL_MS, COL_TIME, COL_CLIENT};

/* Room beyond the minimum goes first to the name (up to a usual host
 * name), the cipher (up to ECDHE_RSA_AES_256_GCM_SHA384) and the status
 * (up to "failed handshake_failure"), then to whatever is still cut. */
static const struct {
    enum column c;
    int upto; /* 0: what the column wants */
} widen_order[] = {{COL_NAME, 24}, {COL_CIPHER, 28}, {COL_STATUS, 24}, {COL_CIPHER, 0},
                   {COL_NAME, 0},  {COL_SERVER, 0},  {COL_STATUS, 0}};

static int want_of(enum column c, const struct col_widths *content, int max)
{
    int want = (int)strlen(column_name(c));
    if (content && content->w[c] > want)
        want = content->w[c];
    return max && want > max ? max : want;
}

void list_layout(int width, const struct col_widths *content, struct layout *out)
{
    bool on[COL_COUNT] = {false};
    int used = 0, w[COL_COUNT] = {0}, want[COL_COUNT] = {0};
    for (size_t i = 0; i < sizeof(essentials) / sizeof(essentials[0]); i++) {
        enum column c = essentials[i].c;
        want[c] = want_of(c, content, essentials[i].max);
        /* numbers are never cut */
        int min = c == COL_ID || want[c] < essentials[i].min ? want[c] : essentials[i].min;
        int need = min + (used ? 1 : 0);
        if (used + need > width)
            break;
        on[c] = true;
        w[c] = min;
        used += need;
    }
    int left = width - used;
    for (size_t k = 0; k < sizeof(widen_order) / sizeof(widen_order[0]) && left > 0; k++) {
        enum column c = widen_order[k].c;
        int to = widen_order[k].upto && widen_order[k].upto < want[c] ? widen_order[k].upto : want[c];
        int more = on[c] && to > w[c] ? to - w[c] : 0;
        more = more < left ? more : left;
        w[c] += more;
        left -= more;
    }
    for (size_t k = 0; k < sizeof(extras) / sizeof(extras[0]); k++) {
        enum column c = extras[k];
        int need = want_of(c, content, 0) + 1;
        if (!on[COL_SEV] || need > left)
            continue; /* not before every essential is there */
        on[c] = true;
        w[c] = need - 1;
        left -= need;
    }
    out->n = 0;
    for (int c = 0; c < COL_COUNT; c++)
        if (on[c]) {
            out->cols[out->n] = (enum column)c;
            out->widths[out->n++] = w[c];
        }
}

static void lay_out(const struct layout *lay, char *out, size_t len, const struct tui_row *r)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < lay->n && at < len; i++) {
        char cell[160];
        if (r)
            row_cell(r, lay->cols[i], cell, sizeof(cell));
        else
            snprintf(cell, sizeof(cell), "%s", column_name(lay->cols[i]));
        int w = lay->widths[i];
        bool right = lay->cols[i] == COL_ID || lay->cols[i] == COL_MS;
        /* a cell cut short shows it with a '~' */
        if ((int)strlen(cell) > w && w > 1) {
            cell[w - 1] = '~';
            cell[w] = 0;
        }
        at += (size_t)snprintf(out + at, len - at, right ? "%s%*s" : "%s%-*s", i ? " " : "", w, cell);
    }
    if (at >= len)
        out[len - 1] = 0;
}

void row_format(const struct tui_row *r, const struct layout *lay, char *out, size_t len)
{
    lay_out(lay, out, len, r);
}

void header_format(const struct layout *lay, char *out, size_t len)
{
    lay_out(lay, out, len, NULL);
}

/* ---- filters ------------------------------------------------------------------- */

enum field {
    F_VERSION, F_CIPHER, F_SNI, F_NAME, F_SERVER, F_CLIENT, F_PORT, F_STATUS, F_SEV, F_GROUP,
    F_ALPN, F_ID, F_MS, F_RULE, F_JA4, F_JA3, F_JA3S, F_TRANSPORT,
};
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_HAS };

static const struct {
    const char *name;
    enum field f;
} fields[] = {
    {"version", F_VERSION}, {"cipher", F_CIPHER}, {"sni", F_SNI}, {"name", F_NAME},
    {"server", F_SERVER},   {"client", F_CLIENT}, {"port", F_PORT}, {"status", F_STATUS},
    {"sev", F_SEV},         {"severity", F_SEV},  {"group", F_GROUP}, {"alpn", F_ALPN},
    {"id", F_ID},           {"ms", F_MS},         {"rule", F_RULE}, {"ja4", F_JA4},
    {"ja3", F_JA3},         {"ja3s", F_JA3S},         {"transport", F_TRANSPORT},
};

static bool parse_version(const char *v, uint16_t *out)
{
    static const struct {
        const char *n;
        uint16_t c;
    } names[] = {{"1.3", VER_TLS13}, {"1.2", VER_TLS12}, {"1.1", VER_TLS11}, {"1.0", VER_TLS10},
                 {"ssl3", VER_SSL3}, {"sslv3", VER_SSL3}, {"ssl2", VER_SSL2}, {"sslv2", VER_SSL2}};
    const char *p = !strncasecmp(v, "tlsv", 4) ? v + 4 : !strncasecmp(v, "tls", 3) ? v + 3 : v;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(names[i].n, p)) {
            *out = names[i].c;
            return true;
        }
    return false;
}

static int parse_severity(const char *v)
{
    static const char *const names[] = {"info", "low", "medium", "high"};
    if (!strcasecmp(v, "none"))
        return -1;
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(v, names[i]))
            return i;
    return -2;
}

bool rowfilter_parse(const char *text, struct rowfilter *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->text, sizeof(f->text), "%s", text);
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", text);
    for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (f->n == FILTER_TERMS) {
            snprintf(err, errlen, "more than %d terms", FILTER_TERMS);
            return false;
        }
        struct rowfilter_term *t = &f->t[f->n];
        memset(t, 0, sizeof(*t));
        const char *word = tok;
        if (*word == '!') {
            t->negate = true;
            word++;
        }
        size_t k = strcspn(word, "=!<>~");
        if (!word[k]) {
            t->field = -1;
            snprintf(t->value, sizeof(t->value), "%s", word);
            if (!*word) {
                snprintf(err, errlen, "'%s': nothing after '!'", tok);
                return false;
            }
            f->n++;
            continue;
        }
        char name[24];
        snprintf(name, sizeof(name), "%.*s", (int)k, word);
        const char *o = word + k;
        if (!strncmp(o, "!=", 2)) t->op = OP_NE, o += 2;
        else if (!strncmp(o, "<=", 2)) t->op = OP_LE, o += 2;
        else if (!strncmp(o, ">=", 2)) t->op = OP_GE, o += 2;
        else if (*o == '<') t->op = OP_LT, o++;
        else if (*o == '>') t->op = OP_GT, o++;
        else if (*o == '~') t->op = OP_HAS, o++;
        else if (*o == '=') t->op = OP_EQ, o++;
        else {
            snprintf(err, errlen, "'%s': unknown operator", tok);
            return false;
        }
        size_t i = 0;
        while (i < sizeof(fields) / sizeof(fields[0]) && strcasecmp(fields[i].name, name))
            i++;
        if (i == sizeof(fields) / sizeof(fields[0])) {
            snprintf(err, errlen, "'%s': unknown field '%s' (version, cipher, sni, name, server, client, "
                     "port, status, sev, group, alpn, id, ms, rule, ja4, ja3, ja3s, transport)", tok, name);
            return false;
        }
        t->field = fields[i].f;
        if (!*o) {
            snprintf(err, errlen, "'%s': no value", tok);
            return false;
        }
        snprintf(t->value, sizeof(t->value), "%s", o);
        bool ordered = t->op == OP_LT || t->op == OP_LE || t->op == OP_GT || t->op == OP_GE;
        if (t->field == F_VERSION && !parse_version(o, &t->version)) {
            snprintf(err, errlen, "'%s': '%s' is not a version (1.0 ... 1.3, ssl3)", tok, o);
            return false;
        }
        if (t->field == F_SEV && (t->severity = parse_severity(o)) == -2) {
            snprintf(err, errlen, "'%s': severity is none, info, low, medium or high", tok);
            return false;
        }
        if (t->field == F_PORT || t->field == F_ID || t->field == F_MS) {
            char *end;
            t->number = strtod(o, &end);
            if (*end) {
                snprintf(err, errlen, "'%s': '%s' is not a number", tok, o);
                return false;
            }
        } else if (ordered && t->field != F_VERSION && t->field != F_SEV) {
            snprintf(err, errlen, "'%s': %s takes =, != or ~", tok, name);
            return false;
        }
        f->n++;
    }
    return true;
}

static int order(enum op op, double a, double b)
{
    switch (op) {
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    default: return 0;
    }
}

/* text fields: = and != compare whole values (a glob), ~ a substring */
static bool text_op(enum op op, const char *pattern, const char *value)
{
    if (op == OP_HAS)
        return strcasestr(value, pattern) != NULL;
    bool eq = fnmatch(pattern, value, FNM_CASEFOLD) == 0;
    return op == OP_NE ? !eq : eq;
}

static bool bare_word(const char *w, const struct tui_row *r)
{
    if (!strcasecmp(w, "mq"))
        return r->mq_channel[0] || r->status == RS_PLAINTEXT || r->server.port == 1414;
    if (!strcasecmp(w, "failed"))
        return r->status == RS_FAILED;
    if (!strcasecmp(w, "ok"))
        return r->status == RS_OK;
    if (!strcasecmp(w, "plaintext"))
        return r->status == RS_PLAINTEXT;
    if (!strcasecmp(w, "decrypted"))
        return r->decrypted;
    if (!strcasecmp(w, "resumed"))
        return r->resumed;
    if (!strcasecmp(w, "incomplete"))
        return r->status == RS_INCOMPLETE;
    if (!strcasecmp(w, "partial"))
        return r->status == RS_PARTIAL;
    if (!strcasecmp(w, "findings"))
        return r->n_findings > 0;
    return row_contains(r, w);
}

static bool term(const struct rowfilter_term *t, const struct tui_row *r)
{
    char buf[160];
    switch (t->field) {
    case -1:
        return bare_word(t->value, r);
    case F_VERSION:
        if (!r->has_version)
            return t->op == OP_NE;
        return order(t->op, registry_version_rank(r->version), t->version);
    case F_SEV:
        return order(t->op == OP_HAS ? OP_EQ : t->op, r->worst, t->severity);
    case F_PORT:
        return order(t->op == OP_HAS ? OP_EQ : t->op, r->server.port, t->number) ||
               (t->op == OP_EQ && r->client.port == t->number);
    case F_ID:
        return order(t->op == OP_HAS ? OP_EQ : t->op, (double)r->id, t->number);
    case F_MS:
        return r->hs_ms >= 0 && order(t->op == OP_HAS ? OP_EQ : t->op, r->hs_ms, t->number);
    case F_CIPHER: {
        const struct cipher_info *ci = r->has_cipher ? registry_cipher(r->cipher) : NULL;
        if (!r->has_cipher)
            return t->op == OP_NE;
        char shorter[96];
        row_cell(r, COL_CIPHER, shorter, sizeof(shorter));
        bool hit = text_op(t->op == OP_NE ? OP_EQ : t->op, t->value, shorter) ||
                   (ci && text_op(t->op == OP_NE ? OP_EQ : t->op, t->value, ci->name));
        return t->op == OP_NE ? !hit : hit;
    }
    case F_SNI:
        return text_op(t->op, t->value, r->sni);
    case F_NAME:
        row_cell(r, COL_NAME, buf, sizeof(buf));
        return text_op(t->op, t->value, buf);
    case F_SERVER:
        row_cell(r, COL_SERVER, buf, sizeof(buf));
        return text_op(t->op == OP_EQ ? OP_HAS : t->op, t->value, buf);
    case F_CLIENT:
        row_cell(r, COL_CLIENT, buf, sizeof(buf));
        return text_op(t->op == OP_EQ ? OP_HAS : t->op, t->value, buf);
    case F_STATUS:
        row_cell(r, COL_STATUS, buf, sizeof(buf));
        return text_op(t->op == OP_EQ ? OP_HAS : t->op, t->value, buf);
    case F_GROUP: {
        char label[REG_LABEL_LEN];
        return text_op(t->op, t->value, r->has_group ? registry_group_label(r->group, label) : "");
    }
    case F_ALPN:
        return text_op(t->op, t->value, r->alpn);
    case F_JA4:
        return text_op(t->op, t->value, r->ja4);
    case F_JA3:
        return text_op(t->op, t->value, r->ja3);
    case F_JA3S:
        return text_op(t->op, t->value, r->ja3s);
    case F_TRANSPORT: {
        /* tcp, udp, or the protocol: tls, quic, dtls */
        const char *proto = transport_protocol(r->transport), *carrier = transport_carrier(r->transport);
        bool hit = text_op(t->op == OP_NE ? OP_EQ : t->op, t->value, proto) ||
                   text_op(t->op == OP_NE ? OP_EQ : t->op, t->value, carrier);
        return t->op == OP_NE ? !hit : hit;
    }
    case F_RULE:
        for (size_t i = 0; i < r->n_findings; i++)
            if (text_op(t->op == OP_NE ? OP_EQ : t->op, t->value, r->findings[i].rule))
                return t->op != OP_NE;
        return t->op == OP_NE;
    default:
        return false;
    }
}

bool rowfilter_match(const struct rowfilter *f, const struct tui_row *r)
{
    for (size_t i = 0; i < f->n; i++)
        if (term(&f->t[i], r) == f->t[i].negate)
            return false;
    return true;
}

bool row_contains(const struct tui_row *r, const char *needle)
{
    char buf[160];
    for (int c = 0; c < COL_COUNT; c++) {
        row_cell(r, (enum column)c, buf, sizeof(buf));
        if (strcasestr(buf, needle))
            return true;
    }
    return strcasestr(r->sni, needle) || strcasestr(r->alpn, needle) || strcasestr(r->ja4, needle) ||
           strcasestr(r->ja3, needle);
}
