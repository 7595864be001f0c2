/* Two sessions side by side (say a client that works and one that does
 * not): negotiated facts, both hellos item by item, certificates and
 * findings, with every difference highlighted; `d` hides what is equal. */
#include "tui/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "rules/rules.h"

static const char compare_keys[] =
    "arrows/PgUp/PgDn scroll  d differences only  x swap sides  q back  ? help";

enum { LABEL_WIDTH = 22 };

struct columns {
    struct lines *l;
    int side; /* width of each side */
    bool diff_only;
    size_t differences;
    const char *pending; /* a heading not shown yet: only differences show */
};

static void row2(struct columns *c, const char *label, const char *a, const char *b)
{
    bool differ = strcmp(a, b) != 0;
    c->differences += differ;
    if (c->diff_only && !differ)
        return;
    if (c->pending) {
        lines_add(c->l, T_PLAIN, "%s", "");
        lines_add(c->l, T_BOLD, "%s", c->pending);
        c->pending = NULL;
    }
    lines_add(c->l, differ ? T_DIFF : T_PLAIN, "%-*.*s %-*.*s %.*s", LABEL_WIDTH - 1, LABEL_WIDTH - 1, label,
              c->side, c->side, a, c->side, b);
}

/* heading - shown before the section's first row */
static void heading(struct columns *c, const char *what)
{
    c->pending = what;
}

/* ---- values as text -------------------------------------------------------------------- */

static void version_text(const struct session *s, char *out, size_t len)
{
    char buf[REG_LABEL_LEN];
    snprintf(out, len, "%s", s->has_version ? registry_version_label(s->version, buf) : "-");
}

static void cipher_text(const struct session *s, char *out, size_t len)
{
    if (s->has_cipher)
        cipher_short_name(s->cipher, out, len);
    else
        snprintf(out, len, "-");
}

static void group_text(const struct session *s, char *out, size_t len)
{
    char buf[REG_LABEL_LEN];
    if (s->has_group)
        snprintf(out, len, "%s", registry_group_label(s->group, buf));
    else if (s->ske.dh_p_bits)
        snprintf(out, len, "DHE %u-bit", s->ske.dh_p_bits);
    else
        snprintf(out, len, "-");
}

static void names_text(const struct byteslist *l, char *out, size_t len)
{
    names_joined(l, out, len);
    if (!out[0])
        snprintf(out, len, "-");
}

static void leaf_text(const struct chain *c, int what, char *out, size_t len)
{
    const struct cert *leaf = c->n ? &c->v[0] : NULL;
    if (!leaf || leaf->parse_error) {
        snprintf(out, len, "-");
        return;
    }
    switch (what) {
    case 0: snprintf(out, len, "%s", leaf->subject ? leaf->subject : "?"); break;
    case 1: snprintf(out, len, "%s", leaf->issuer ? leaf->issuer : "?"); break;
    case 2: snprintf(out, len, "%s %d", leaf->key_type ? leaf->key_type : "?", leaf->key_bits); break;
    case 3: snprintf(out, len, "%s", leaf->sig_alg ? leaf->sig_alg : "?"); break;
    default:
        for (int k = 0; k < 8; k++)
            snprintf(out + 2 * k, len - 2 * (size_t)k, "%02x", leaf->sha256[k]);
        break;
    }
}

/* ---- lists compared item by item: A's order, then what only B has ---------------------- */

/* A list's items are named by a registry label (NULL: cipher suites, by
 * their short name). */
typedef const char *(*label_fn)(uint16_t code, char *buf);

static void item_name(label_fn label, uint32_t v, char *out, size_t len)
{
    char buf[REG_LABEL_LEN];
    if (label)
        snprintf(out, len, "%s", label((uint16_t)v, buf));
    else
        cipher_short_name(v, out, len);
}

static bool has(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static size_t position(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return i;
    return n;
}

/* The counts, then each item on both sides when the lists differ; when
 * only the order differs each item shows its place, as preference counts. */
static void list2(struct columns *c, const char *what, const uint32_t *a, size_t na, const uint32_t *b,
                  size_t nb, label_fn label)
{
    char la[128], lb[128], item[96];
    snprintf(la, sizeof(la), "%zu", na);
    snprintf(lb, sizeof(lb), "%zu", nb);
    row2(c, what, la, lb);
    bool same_set = na == nb, same_order = na == nb;
    for (size_t i = 0; i < na && same_set; i++) {
        same_set = has(b, nb, a[i]);
        same_order = same_order && a[i] == b[i];
    }
    if (same_order)
        return;
    for (size_t i = 0; i < na; i++) {
        item_name(label, a[i], item, sizeof(item));
        size_t at = position(b, nb, a[i]);
        if (same_set) {
            snprintf(la, sizeof(la), "%2zu %s", i + 1, item);
            snprintf(lb, sizeof(lb), "%2zu %s", at + 1, item);
        } else {
            snprintf(la, sizeof(la), "%s", item);
            snprintf(lb, sizeof(lb), "%s", at < nb ? item : "");
        }
        row2(c, "", la, lb);
    }
    for (size_t i = 0; i < nb; i++)
        if (!has(a, na, b[i])) {
            item_name(label, b[i], item, sizeof(item));
            row2(c, "", "", item);
        }
}

/* u16 lists are widened so one comparison serves every list */
static size_t widen(const uint16_t *v, size_t n, uint32_t **out)
{
    *out = malloc((n ? n : 1) * sizeof(**out));
    if (!*out)
        return 0;
    for (size_t i = 0; i < n; i++)
        (*out)[i] = v[i];
    return n;
}

static void list16(struct columns *c, const char *what, const struct u16s *a, const struct u16s *b,
                   label_fn label)
{
    uint32_t *wa, *wb;
    size_t na = widen(a->v, a->n, &wa), nb = widen(b->v, b->n, &wb);
    if (wa && wb)
        list2(c, what, wa, na, wb, nb, label);
    free(wa);
    free(wb);
}

static void exts2(struct columns *c, const struct hello *a, const struct hello *b)
{
    uint32_t *ta = malloc((a->exts.n ? a->exts.n : 1) * sizeof(*ta));
    uint32_t *tb = malloc((b->exts.n ? b->exts.n : 1) * sizeof(*tb));
    if (ta && tb) {
        for (size_t i = 0; i < a->exts.n; i++)
            ta[i] = a->exts.v[i].type;
        for (size_t i = 0; i < b->exts.n; i++)
            tb[i] = b->exts.v[i].type;
        list2(c, "extensions", ta, a->exts.n, tb, b->exts.n, registry_ext_label);
    }
    free(ta);
    free(tb);
}

static void hello2(struct columns *c, const char *what, const struct hello *a, const struct hello *b)
{
    if (!a->present && !b->present)
        return;
    heading(c, what);
    char x[256], y[256];
    row2(c, "sent", a->present ? "yes" : "no", b->present ? "yes" : "no");
    item_name(registry_version_label, a->version, x, sizeof(x));
    item_name(registry_version_label, b->version, y, sizeof(y));
    row2(c, "legacy version", a->present ? x : "-", b->present ? y : "-");
    list2(c, "cipher suites", a->ciphers.v, a->ciphers.n, b->ciphers.v, b->ciphers.n, NULL);
    exts2(c, a, b);
    list16(c, "supported versions", &a->versions, &b->versions, registry_version_label);
    list16(c, "groups", &a->groups, &b->groups, registry_group_label);
    list16(c, "key shares", &a->key_share_groups, &b->key_share_groups, registry_group_label);
    list16(c, "signature algorithms", &a->sig_algs, &b->sig_algs, registry_sigscheme_label);
    names_text(&a->sni, x, sizeof(x));
    names_text(&b->sni, y, sizeof(y));
    row2(c, "SNI", x, y);
    names_text(&a->alpn, x, sizeof(x));
    names_text(&b->alpn, y, sizeof(y));
    row2(c, "ALPN", x, y);
}

static void findings2(struct columns *c, const struct tui_row *a, const struct tui_row *b)
{
    heading(c, "findings");
    char na[24], nb[24];
    snprintf(na, sizeof(na), "%zu", a->n_findings);
    snprintf(nb, sizeof(nb), "%zu", b->n_findings);
    row2(c, "how many", na, nb);
    for (size_t i = 0; i < a->n_findings; i++) {
        bool also = false;
        for (size_t k = 0; k < b->n_findings && !also; k++)
            also = strcmp(a->findings[i].rule, b->findings[k].rule) == 0;
        row2(c, severity_name(a->findings[i].severity), a->findings[i].rule, also ? a->findings[i].rule : "");
    }
    for (size_t k = 0; k < b->n_findings; k++) {
        bool also = false;
        for (size_t i = 0; i < a->n_findings && !also; i++)
            also = strcmp(a->findings[i].rule, b->findings[k].rule) == 0;
        if (!also)
            row2(c, severity_name(b->findings[k].severity), "", b->findings[k].rule);
    }
}

static void build(struct tui *u, int width)
{
    lines_free(&u->compare.lines);
    const struct session *a = u->compare.s[0], *b = u->compare.s[1];
    const struct tui_row *ra = &u->t->rows[u->compare.row[0]], *rb = &u->t->rows[u->compare.row[1]];
    struct columns c = {.l = &u->compare.lines, .diff_only = u->compare.diff_only};
    c.side = (width - LABEL_WIDTH - 1) / 2;
    if (c.side < 12)
        c.side = 12;
    char x[256], y[256];
    snprintf(x, sizeof(x), "#%llu", (unsigned long long)ra->id);
    snprintf(y, sizeof(y), "#%llu", (unsigned long long)rb->id);
    lines_add(c.l, T_BOLD, "%-*s %-*.*s %.*s", LABEL_WIDTH - 1, "", c.side, c.side, x, c.side, y);
    heading(&c, "negotiated");
    row_cell(ra, COL_SERVER, x, sizeof(x));
    row_cell(rb, COL_SERVER, y, sizeof(y));
    row2(&c, "server", x, y);
    row_cell(ra, COL_CLIENT, x, sizeof(x));
    row_cell(rb, COL_CLIENT, y, sizeof(y));
    row2(&c, "client", x, y);
    row_cell(ra, COL_STATUS, x, sizeof(x));
    row_cell(rb, COL_STATUS, y, sizeof(y));
    row2(&c, "status", x, y);
    version_text(a, x, sizeof(x));
    version_text(b, y, sizeof(y));
    row2(&c, "version", x, y);
    cipher_text(a, x, sizeof(x));
    cipher_text(b, y, sizeof(y));
    row2(&c, "cipher", x, y);
    const struct mq_cipherspec *ma = a->has_cipher && a->has_version ? mq_cipherspec_find(a->version, a->cipher) : NULL;
    const struct mq_cipherspec *mb = b->has_cipher && b->has_version ? mq_cipherspec_find(b->version, b->cipher) : NULL;
    row2(&c, "MQ CipherSpec", ma ? ma->name : "-", mb ? mb->name : "-");
    group_text(a, x, sizeof(x));
    group_text(b, y, sizeof(y));
    row2(&c, "group", x, y);
    row2(&c, "MQ channel", ra->mq_channel[0] ? ra->mq_channel : "-", rb->mq_channel[0] ? rb->mq_channel : "-");
    row2(&c, "resumed", a->resumed ? "yes" : "no", b->resumed ? "yes" : "no");
    row2(&c, "JA4", a->fp.ja4[0] ? a->fp.ja4 : "-", b->fp.ja4[0] ? b->fp.ja4 : "-");
    row2(&c, "JA3", a->fp.ja3 ? a->fp.ja3_hash : "-", b->fp.ja3 ? b->fp.ja3_hash : "-");
    row2(&c, "JA3S", a->fp.ja3s ? a->fp.ja3s_hash : "-", b->fp.ja3s ? b->fp.ja3s_hash : "-");
    row2(&c, "decrypted", a->decrypted ? "yes" : "no", b->decrypted ? "yes" : "no");
    hello2(&c, "ClientHello", &a->ch, &b->ch);
    hello2(&c, "ServerHello", &a->sh, &b->sh);
    heading(&c, "server certificate");
    static const char *const cert_fields[] = {"subject", "issuer", "key", "signature", "sha256"};
    for (int f = 0; f < 5; f++) {
        leaf_text(&a->server_certs, f, x, sizeof(x));
        leaf_text(&b->server_certs, f, y, sizeof(y));
        row2(&c, cert_fields[f], x, y);
    }
    snprintf(x, sizeof(x), "%zu", a->server_certs.n);
    snprintf(y, sizeof(y), "%zu", b->server_certs.n);
    row2(&c, "chain length", x, y);
    findings2(&c, ra, rb);
    u->compare.differences = c.differences;
}

static void compare_leave(struct tui *u)
{
    for (int i = 0; i < 2; i++) {
        session_free(u->compare.s[i]);
        u->compare.s[i] = NULL;
    }
    lines_free(&u->compare.lines);
}

void compare_open(struct tui *u)
{
    size_t pick[2], n = 0, marked = 0;
    for (size_t i = 0; i < u->list.n_order; i++)
        if (u->t->rows[u->list.order[i]].marked) {
            if (n < 2)
                pick[n++] = u->list.order[i];
            marked++;
        }
    /* one marked: compare it with the selected row */
    if (n == 1 && u->list.n_order && u->list.order[u->list.sel] != pick[0])
        pick[n++] = u->list.order[u->list.sel];
    if (n < 2) {
        say(u, T_MEDIUM, "compare: mark two sessions with m (or one, then select the other)");
        return;
    }
    compare_leave(u);
    for (int i = 0; i < 2; i++) {
        char err[300] = "";
        const struct tui_row *r = &u->t->rows[pick[i]];
        u->compare.s[i] = u->b->load ? u->b->load(u->b->ctx, r, err, sizeof(err)) : NULL;
        if (!u->compare.s[i]) {
            say(u, T_HIGH, "session #%llu cannot be opened: %s", (unsigned long long)r->id,
                err[0] ? err : "no way to load it");
            compare_leave(u);
            return;
        }
        u->compare.row[i] = pick[i];
    }
    if (marked > 2)
        say(u, T_MEDIUM, "%zu sessions are marked: comparing the first two", marked);
    u->screen = &compare_screen;
    u->compare.scroll = 0;
    build(u, COLS);
}

static void compare_draw(struct tui *u)
{
    char title[200];
    snprintf(title, sizeof(title), "compare #%llu with #%llu: %zu difference%s%s",
             (unsigned long long)u->t->rows[u->compare.row[0]].id, (unsigned long long)u->t->rows[u->compare.row[1]].id,
             u->compare.differences, u->compare.differences == 1 ? "" : "s", u->compare.diff_only ? " (only those shown)" : "");
    draw_title(u, title);
    size_t h = (size_t)(LINES - 2 > 1 ? LINES - 2 : 1);
    size_t n = u->compare.lines.n;
    if (u->compare.scroll + h > n)
        u->compare.scroll = n > h ? n - h : 0;
    draw_lines(u, &u->compare.lines, NULL, 1, LINES - 1, u->compare.scroll, -1);
    draw_status(u, compare_keys);
}

static void compare_key(struct tui *u, int ch)
{
    long page = LINES - 3 > 1 ? LINES - 3 : 1;
    long s = (long)u->compare.scroll;
    if (movement(ch, page, (long)u->compare.lines.n, &s)) {
        u->compare.scroll = s < 0 ? 0 : (size_t)s; /* compare_draw stops it at the end */
        return;
    }
    switch (ch) {
    case 'q': case 27: case KEY_LEFT: case 'h':
        screen_leave(u, &list_screen);
        return;
    case 'd':
        u->compare.diff_only = !u->compare.diff_only;
        s = 0;
        build(u, COLS);
        break;
    case 'x': {
        struct session *t = u->compare.s[0];
        size_t r = u->compare.row[0];
        u->compare.s[0] = u->compare.s[1];
        u->compare.row[0] = u->compare.row[1];
        u->compare.s[1] = t;
        u->compare.row[1] = r;
        build(u, COLS);
        break;
    }
    case KEY_MOUSE: {
        MEVENT ev;
        if (getmouse(&ev) == OK)
            s += ev.bstate & BUTTON4_PRESSED ? -3 : ev.bstate & BUTTON5_PRESSED ? 3 : 0;
        break;
    }
    case KEY_RESIZE: build(u, COLS); break;
    default: break;
    }
    u->compare.scroll = s < 0 ? 0 : (size_t)s;
}

const struct screen compare_screen = {"compare", compare_draw, compare_key, compare_leave};
