#include "report/jsonw.h"

#include <stdlib.h>
#include <string.h>

/* The JSON report writes hundreds of values per session: plain stdio calls
 * with the stream lock taken once per call, and no printf for the common
 * cases. With a selection (--fields), w->out is switched at each top-level
 * member (jw_key), never checked per byte. */
#define PUT(c, f) putc_unlocked((c), (f))

static void put_str(FILE *f, const char *s, size_t n)
{
    fwrite_unlocked(s, 1, n, f);
}

static void put_u64(FILE *f, uint64_t v)
{
    char buf[24];
    size_t i = sizeof(buf);
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_str(f, &buf[i], sizeof(buf) - i);
}

void jw_init(struct jw *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    w->need_comma[0] = false;
    w->sel = NULL;
}

/* ---- --fields: a line's top-level members kept as they are written ------------ */

static void escaped(struct jw *w, const uint8_t *s, size_t n);

/* A selected line begins: its own bytes (braces, "type") and the members
 * not asked for go to the scratch stream, which is emptied as each member
 * starts, so it holds at most the largest one. */
static void begin_selected_line(struct jw *w)
{
    struct jw_select *sel = w->sel;
    sel->line_out = w->out;
    fseeko(sel->scratch, 0, SEEK_SET);
    w->out = sel->scratch;
}

static void select_member(struct jw *w, const char *key)
{
    struct jw_select *sel = w->sel;
    w->out = sel->scratch;
    for (size_t i = 0; i < sel->n; i++)
        if (strcmp(sel->slots[i].name, key) == 0) {
            w->out = sel->slots[i].f;
            sel->slots[i].seen = true;
            break;
        }
    fseeko(w->out, 0, SEEK_SET);
    w->need_comma[w->depth] = false;
}

/* The selected line: its type, then each member asked for that it has, in
 * the order asked; one longer than the limit is left out. */
static void end_selected_line(struct jw *w)
{
    struct jw_select *sel = w->sel;
    w->out = sel->line_out;
    sel->line_out = NULL;
    put_str(w->out, "{\"type\":\"session\"", 17);
    for (size_t i = 0; i < sel->n; i++) {
        struct jw_slot *slot = &sel->slots[i];
        if (!slot->seen)
            continue;
        slot->seen = false;
        fflush(slot->f);
        off_t len = ftello(slot->f);
        if (len <= 0 || (size_t)len > sel->limit)
            continue;
        PUT(',', w->out);
        escaped(w, (const uint8_t *)slot->name, strlen(slot->name));
        PUT(':', w->out);
        put_str(w->out, slot->data, (size_t)len);
    }
    PUT('}', w->out);
}

static void value_start(struct jw *w)
{
    if (w->need_comma[w->depth])
        PUT(',', w->out);
    w->need_comma[w->depth] = true;
}

static void open(struct jw *w, char c)
{
    if (w->sel && w->depth == 0 && !w->sel->line_out)
        begin_selected_line(w);
    value_start(w);
    PUT(c, w->out);
    if (w->depth < 31)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
    if (w->sel && w->depth == 1 && w->sel->line_out)
        w->out = w->sel->scratch; /* the line's own end: written with the selection */
    PUT(c, w->out);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

static void escape_u16(FILE *f, unsigned u)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15], hex[u & 15]};
    put_str(f, e, sizeof(e));
}

/* A byte that is not part of valid UTF-8 becomes the code point
 * U+10FF00 + byte (private use, written as the pair \udbff\udfXX with
 * the byte in XX). Text that really holds U+10FF00..U+10FFFF is written
 * byte by byte the same way, so the mapping is reversible: a consumer
 * turns each U+10FFxx back into the byte xx and encodes the rest as UTF-8
 * (docs/json.md). */
static void escape_raw_byte(FILE *f, uint8_t c)
{
    escape_u16(f, 0xdbff);
    escape_u16(f, 0xdf00u | c);
}

/* utf8_len - the length of the valid UTF-8 sequence (RFC 3629: no
 * overlong forms, surrogates or code points above U+10FFFF) at s[0], or 0. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* beyond U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* U+10FF00..U+10FFFF, the range invalid bytes are mapped into */
static bool in_byte_range(const uint8_t *s, size_t len)
{
    return len == 4 && s[0] == 0xf4 && s[1] == 0x8f && s[2] >= 0xbc;
}

static void escaped(struct jw *w, const uint8_t *s, size_t n)
{
    FILE *f = w->out;
    PUT('"', f);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        switch (c) {
        case '"': put_str(f, "\\\"", 2); break;
        case '\\': put_str(f, "\\\\", 2); break;
        case '\n': put_str(f, "\\n", 2); break;
        case '\r': put_str(f, "\\r", 2); break;
        case '\t': put_str(f, "\\t", 2); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                escape_u16(f, c);
            } else if (c < 0x80) {
                PUT(c, f);
            } else {
                size_t len = utf8_len(&s[i], n - i);
                if (!len || in_byte_range(&s[i], len)) {
                    escape_raw_byte(f, c);
                } else if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
                    /* U+2028/U+2029 end a line in JavaScript */
                    escape_u16(f, 0x2000u | (s[i + 2] - 0x80));
                    i += 2;
                } else {
                    put_str(f, (const char *)&s[i], len);
                    i += len - 1;
                }
            }
        }
    }
    PUT('"', f);
}

void jw_key(struct jw *w, const char *key)
{
    if (w->sel && w->sel->line_out && w->depth == 1) {
        select_member(w, key);
        return;
    }
    value_start(w);
    escaped(w, (const uint8_t *)key, strlen(key));
    PUT(':', w->out);
    w->need_comma[w->depth] = false;
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    value_start(w);
    escaped(w, (const uint8_t *)s, strlen(s));
}

void jw_strn(struct jw *w, const uint8_t *s, size_t n)
{
    value_start(w);
    escaped(w, s, n);
}

void jw_hex(struct jw *w, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    value_start(w);
    PUT('"', w->out);
    for (size_t i = 0; i < n; i++) {
        PUT(hex[p[i] >> 4], w->out);
        PUT(hex[p[i] & 15], w->out);
    }
    PUT('"', w->out);
}

void jw_int(struct jw *w, int64_t v)
{
    value_start(w);
    if (v < 0) {
        PUT('-', w->out);
        put_u64(w->out, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w->out, (uint64_t)v);
    }
}

void jw_uint(struct jw *w, uint64_t v)
{
    value_start(w);
    put_u64(w->out, v);
}

void jw_double(struct jw *w, double v, int decimals)
{
    value_start(w);
    fprintf(w->out, "%.*f", decimals, v);
}

void jw_bool(struct jw *w, bool v)
{
    value_start(w);
    if (v)
        put_str(w->out, "true", 4);
    else
        put_str(w->out, "false", 5);
}

void jw_null(struct jw *w)
{
    value_start(w);
    put_str(w->out, "null", 4);
}

void jw_end_line(struct jw *w)
{
    if (w->sel && w->sel->line_out)
        end_selected_line(w);
    PUT('\n', w->out);
    w->depth = 0;
    w->need_comma[0] = false;
}

void jw_key_str(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_key_uint(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

void jw_key_int(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_key_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

struct jw_select *jw_select_new(const char *fields)
{
    size_t n = 1;
    for (const char *p = fields; *p; p++)
        n += *p == ',';
    struct jw_select *sel = calloc(1, sizeof(*sel) + n * sizeof(struct jw_slot));
    if (!sel)
        return NULL;
    sel->slots = (struct jw_slot *)(sel + 1);
    sel->limit = JW_MEMBER_LIMIT;
    sel->copy = strdup(fields);
    sel->scratch = open_memstream(&sel->scratch_data, &sel->scratch_size);
    if (!sel->copy || !sel->scratch) {
        jw_select_free(sel);
        return NULL;
    }
    for (char *save = NULL, *f = strtok_r(sel->copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (strcmp(f, "type") == 0) /* always there, first */
            continue;
        struct jw_slot *slot = &sel->slots[sel->n];
        slot->name = f;
        slot->f = open_memstream(&slot->data, &slot->size);
        if (!slot->f) {
            jw_select_free(sel);
            return NULL;
        }
        sel->n++;
    }
    return sel;
}

void jw_select_free(struct jw_select *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        fclose(sel->slots[i].f);
        free(sel->slots[i].data);
    }
    if (sel->scratch)
        fclose(sel->scratch);
    free(sel->scratch_data);
    free(sel->copy);
    free(sel);
}
