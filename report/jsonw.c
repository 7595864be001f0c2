#include "report/jsonw.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "include/digits.h"

/* The JSON report writes hundreds of values per session: they go into
 * the writer's own buffer, put out with one stdio call per line (or when
 * it fills), and no printf for the common cases. With a selection
 * (--fields), w->out is switched at each top-level member (jw_key), never
 * checked per byte; the buffer is put out before each switch. */
static void flush(struct jw *w)
{
    if (w->len) {
        fwrite_unlocked(w->buf, 1, w->len, w->out);
        w->len = 0;
    }
}

static void put_c(struct jw *w, char c)
{
    if (w->len == sizeof(w->buf))
        flush(w);
    w->buf[w->len++] = c;
}

static void put_str(struct jw *w, const char *s, size_t n)
{
    if (n > sizeof(w->buf) - w->len) {
        flush(w);
        if (n > sizeof(w->buf)) {
            fwrite_unlocked(s, 1, n, w->out);
            return;
        }
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* where the writer writes from now, its buffer put out first */
static void set_out(struct jw *w, FILE *out)
{
    flush(w);
    w->out = out;
}

void jw_init(struct jw *w, FILE *out)
{
    w->out = out;
    w->len = 0;
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
    flush(w);
    sel->line_out = w->out;
    fseeko(sel->scratch, 0, SEEK_SET);
    w->out = sel->scratch;
}

static void select_member(struct jw *w, const char *key)
{
    struct jw_select *sel = w->sel;
    set_out(w, sel->scratch);
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
    set_out(w, sel->line_out);
    sel->line_out = NULL;
    put_str(w, "{\"type\":\"session\"", 17);
    for (size_t i = 0; i < sel->n; i++) {
        struct jw_slot *slot = &sel->slots[i];
        if (!slot->seen)
            continue;
        slot->seen = false;
        fflush(slot->f);
        off_t len = ftello(slot->f);
        if (len <= 0 || (size_t)len > sel->limit)
            continue;
        put_c(w, ',');
        escaped(w, (const uint8_t *)slot->name, strlen(slot->name));
        put_c(w, ':');
        put_str(w, slot->data, (size_t)len);
    }
    put_c(w, '}');
}

static void value_start(struct jw *w)
{
    if (w->need_comma[w->depth])
        put_c(w, ',');
    w->need_comma[w->depth] = true;
}

void jw_open(struct jw *w, char c)
{
    if (w->sel && w->depth == 0 && !w->sel->line_out)
        begin_selected_line(w);
    value_start(w);
    put_c(w, c);
    if (w->depth < 31)
        w->depth++;
    w->need_comma[w->depth] = false;
}

void jw_close(struct jw *w, char c)
{
    if (w->sel && w->depth == 1 && w->sel->line_out)
        set_out(w, w->sel->scratch); /* the line's own end: written with the selection */
    put_c(w, c);
    if (w->depth > 0)
        w->depth--;
}

static void escape_u16(struct jw *w, unsigned u)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15], hex[u & 15]};
    put_str(w, e, sizeof(e));
}

/* A byte that is not part of valid UTF-8 becomes the code point
 * U+10FF00 + byte (private use, written as the pair \udbff\udfXX with
 * the byte in XX). Text that really holds U+10FF00..U+10FFFF is written
 * byte by byte the same way, so the mapping is reversible: a consumer
 * turns each U+10FFxx back into the byte xx and encodes the rest as UTF-8
 * (docs/json.md). */
static void escape_raw_byte(struct jw *w, uint8_t c)
{
    escape_u16(w, 0xdbff);
    escape_u16(w, 0xdf00u | c);
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

/* The bytes of s[i..] that are not written as they are: one character,
 * escaped; returns how many bytes it took. */
static size_t escape_one(struct jw *w, const uint8_t *s, size_t n, size_t i)
{
    uint8_t c = s[i];
    switch (c) {
    case '"': put_str(w, "\\\"", 2); return 1;
    case '\\': put_str(w, "\\\\", 2); return 1;
    case '\n': put_str(w, "\\n", 2); return 1;
    case '\r': put_str(w, "\\r", 2); return 1;
    case '\t': put_str(w, "\\t", 2); return 1;
    default:
        break;
    }
    if (c < 0x80) { /* the other control characters */
        escape_u16(w, c);
        return 1;
    }
    size_t len = utf8_len(&s[i], n - i);
    if (!len || in_byte_range(&s[i], len)) {
        escape_raw_byte(w, c);
        return 1;
    }
    if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
        /* U+2028/U+2029 end a line in JavaScript */
        escape_u16(w, 0x2000u | (s[i + 2] - 0x80));
        return 3;
    }
    put_str(w, (const char *)&s[i], len);
    return len;
}

/* printable ASCII but the quote and the backslash: nearly every byte of
 * nearly every string, written in runs */
static bool plain_byte(uint8_t c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

#if defined(__SSE2__)
/* The bytes of the sixteen in x that are not plain, a bit each: signed,
 * a byte below a space or from 0x80 up is less than 0x20. */
static inline unsigned not_plain16(__m128i x)
{
    __m128i odd = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
    __m128i special = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(odd, special));
}

static inline __m128i load16(const uint8_t *s)
{
    return _mm_loadu_si128((const __m128i *)(const void *)s);
}

/* a string of sixteen bytes or more, sixteen at a time (a third of the
 * instructions of eight at a time); the last sixteen overlap bytes
 * already checked, so the lowest mark among them is past those */
static size_t plain_run_long(const uint8_t *s, size_t n)
{
    size_t i = 0;
    unsigned mark;
    for (; i + 16 <= n; i += 16)
        if ((mark = not_plain16(load16(s + i))))
            return i + (size_t)__builtin_ctz(mark);
    if (i == n)
        return n;
    mark = not_plain16(load16(s + n - 16));
    return mark ? n - 16 + (size_t)__builtin_ctz(mark) : n;
}

/* How many bytes from s on are plain. A string shorter than sixteen
 * (most keys and values) is checked in one register too: its first and
 * last eight bytes side by side, or its first and last four, which
 * overlap when it is shorter than that; a mark in the upper part is
 * counted from the end. */
static size_t plain_run(const uint8_t *s, size_t n)
{
    if (n >= 16)
        return plain_run_long(s, n);
    __m128i x;
    size_t half;
    if (n >= 8) {
        x = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)s),
                               _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8)));
        half = 8;
    } else if (n >= 4) {
        uint32_t first, last;
        memcpy(&first, s, 4);
        memcpy(&last, s + n - 4, 4);
        x = _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)first), _mm_cvtsi32_si128((int)last));
        half = 4;
    } else {
        size_t i = 0;
        while (i < n && plain_byte(s[i]))
            i++;
        return i;
    }
    unsigned mark = not_plain16(x) & ((1u << (2 * half)) - 1);
    if (!mark)
        return n;
    size_t at = (size_t)__builtin_ctz(mark);
    return at < half ? at : n - half + (at - half);
}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The bytes of the eight in x (read little-endian) that are not plain, as
 * their high bits. A borrow can mark a byte above a marked one, so only
 * the lowest mark is sure, and that is the one plain_run takes. */
static inline uint64_t not_plain(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\'), del = x ^ (ones * 0x7f);
    return (((x - ones * 0x20) & ~x) | x | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
            ((del - ones) & ~del)) &
           highs;
}

/* How many bytes from s on are plain, eight at a time. Most strings are
 * short, so their last bytes are one more word, not a loop: the final
 * eight, overlapping bytes already checked, or for a string of four to
 * seven, its first four and its last four. */
static size_t plain_run(const uint8_t *s, size_t n)
{
    uint64_t x, mark;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if ((mark = not_plain(x)))
            return i + (size_t)__builtin_ctzll(mark) / 8;
    }
    if (i == n)
        return n;
    if (n >= 8) {
        memcpy(&x, s + n - 8, 8);
        mark = not_plain(x);
        return mark ? n - 8 + (size_t)__builtin_ctzll(mark) / 8 : n;
    }
    if (n >= 4) {
        uint32_t first, last;
        memcpy(&first, s, 4);
        memcpy(&last, s + n - 4, 4);
        mark = not_plain(first | (uint64_t)last << 32);
        if (!mark)
            return n;
        size_t at = (size_t)__builtin_ctzll(mark) / 8; /* from 4 on: in the last four */
        return at < 4 ? at : n - 4 + (at - 4);
    }
    while (i < n && plain_byte(s[i]))
        i++;
    return i;
}
#else
static size_t plain_run(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && plain_byte(s[i]))
        i++;
    return i;
}
#endif

static void escaped(struct jw *w, const uint8_t *s, size_t n)
{
    put_c(w, '"');
    for (size_t i = 0; i < n;) {
        size_t end = i + plain_run(s + i, n - i);
        if (end > i)
            put_str(w, (const char *)&s[i], end - i);
        i = end;
        if (i < n)
            i += escape_one(w, s, n, i);
    }
    put_c(w, '"');
}

/* A key or a string value, after the comma it may need and (a key)
 * before its colon: in one copy when it is plain and fits, as nearly
 * every key and most values are. */
static void quoted(struct jw *w, const char *s, size_t n, bool key)
{
    const uint8_t *u = (const uint8_t *)s;
    if (n + 4 <= sizeof(w->buf) - w->len && plain_run(u, n) == n) {
        jw_quoted_plain(w, s, n, key);
        return;
    }
    if (w->need_comma[w->depth])
        put_c(w, ',');
    w->need_comma[w->depth] = !key;
    escaped(w, u, n);
    if (key)
        put_c(w, ':');
}

void jw_key_n(struct jw *w, const char *key, size_t n)
{
    if (w->sel && w->sel->line_out && w->depth == 1) {
        select_member(w, key);
        return;
    }
    quoted(w, key, n, true);
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    quoted(w, s, strlen(s), false);
}

void jw_strn(struct jw *w, const uint8_t *s, size_t n)
{
    value_start(w);
    escaped(w, s, n);
}

/* the digits of take bytes at to, two a byte */
static void hex_digits(char *to, const uint8_t *p, size_t take)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
#if defined(__SSE2__)
    /* sixteen bytes at a time: each nibble plus '0', and plus the gap
     * from '9' + 1 to 'a' when above 9; high and low digits interleaved */
    const __m128i low4 = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'),
                  gap = _mm_set1_epi8('a' - '0' - 10);
    for (; i + 16 <= take; i += 16) {
        __m128i x = load16(p + i);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low4), lo = _mm_and_si128(x, low4);
        hi = _mm_add_epi8(_mm_add_epi8(hi, zero), _mm_and_si128(_mm_cmpgt_epi8(hi, nine), gap));
        lo = _mm_add_epi8(_mm_add_epi8(lo, zero), _mm_and_si128(_mm_cmpgt_epi8(lo, nine), gap));
        _mm_storeu_si128((__m128i *)(void *)(to + 2 * i), _mm_unpacklo_epi8(hi, lo));
        _mm_storeu_si128((__m128i *)(void *)(to + 2 * i + 16), _mm_unpackhi_epi8(hi, lo));
    }
#endif
    for (; i < take; i++) {
        to[2 * i] = hex[p[i] >> 4];
        to[2 * i + 1] = hex[p[i] & 15];
    }
}

/* A session's randoms and session ids, some 200 digits: written a chunk
 * at a time straight into the buffer, not checked for room digit by
 * digit. */
void jw_hex(struct jw *w, const uint8_t *p, size_t n)
{
    enum { CHUNK = 256 };
    value_start(w);
    put_c(w, '"');
    while (n) {
        size_t take = n < CHUNK ? n : CHUNK;
        if (sizeof(w->buf) - w->len < 2 * take)
            flush(w);
        hex_digits(w->buf + w->len, p, take);
        w->len += 2 * take;
        p += take;
        n -= take;
    }
    put_c(w, '"');
}

/* 2^k for the k jw_scaled needs (-54 to 10), without a call to ldexp */
static inline double two_to(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

/* jw_scaled_at's work, inlined into each form the formats use so that its
 * divisions are by constants (multiplications), not by table entries. */
static inline __attribute__((always_inline)) char *scaled(char *to, int64_t v, int scale, int decimals)
{
    int cut = scale - decimals;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    /* When v has no digits beyond those kept, they are the digits printf
     * rounds the double to, as long as the double is nearer to them than
     * half the last one kept: its error is at most half an ulp from
     * converting v (beyond 2^53) plus half an ulp from dividing. */
    bool exact = decimals >= 1 && cut >= 0 && u % (uint64_t)pow10[cut] == 0;
    if (exact) {
        int v_bits = 64 - __builtin_clzll(u | 1);
        uint64_t whole = u / (uint64_t)pow10[scale];
        int q_bits = 64 - __builtin_clzll(whole | 1);
        if (v_bits <= 53) {
            /* v converts exactly, and 2^(q_bits - 54) < 0.4 / 10^decimals
             * holds for q_bits below 52.68 - 3.32 decimals: the bound of
             * each, from a table */
            static const int whole_bits_max[10] = {0, 49, 46, 42, 39, 36, 32, 29, 26, 22};
            exact = q_bits <= whole_bits_max[decimals];
        } else {
            double error = two_to(v_bits - 54) / (double)pow10[scale] + two_to(q_bits - 54);
            exact = error < 0.4 / (double)pow10[decimals];
        }
    }
    if (!exact) {
        /* from an int64_t with at most 9 decimals, it fits in
         * JW_SCALED_MAX */
        int n = snprintf(to, JW_SCALED_MAX, "%.*f", decimals, (double)v / (double)pow10[scale]);
        return to + (n > 0 && n < JW_SCALED_MAX ? n : 0);
    }
    *to = '-';
    to += v < 0;
    uint64_t kept = u / (uint64_t)pow10[cut], unit = (uint64_t)pow10[decimals];
    to += digits_u64(to, kept / unit);
    *to++ = '.';
    uint64_t frac = kept % unit;
    for (int k = decimals - 1; k >= 0; k--) {
        to[k] = (char)('0' + frac % 10);
        frac /= 10;
    }
    return to + decimals;
}

char *jw_scaled_at(char *to, int64_t v, int scale, int decimals)
{
    if (decimals < 0 || decimals > 9)
        decimals = decimals < 0 ? 0 : 9;
    if (scale == 9 && decimals == 6) /* timestamps: seconds to the microsecond */
        return scaled(to, v, 9, 6);
    if (scale == 6 && decimals == 3) /* durations: milliseconds */
        return scaled(to, v, 6, 3);
    if (scale >= 0 && scale <= 9)
        return scaled(to, v, scale, decimals);
    return scaled(to, v, 0, decimals);
}

void jw_end_line(struct jw *w)
{
    if (w->sel && w->sel->line_out)
        end_selected_line(w);
    put_c(w, '\n');
    flush(w);
    w->depth = 0;
    w->need_comma[0] = false;
}

void jw_flush(struct jw *w)
{
    flush(w);
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
