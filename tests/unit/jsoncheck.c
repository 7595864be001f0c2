/* A strict JSON checker (RFC 8259, strict UTF-8, paired surrogates) and a
 * decoder of tlsscope's string mapping, for tests and fuzz harnesses. */
#include "tests/unit/jsoncheck.h"

#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 512 };

struct in {
    const unsigned char *p;
    size_t n, at;
    char *why;
    size_t whylen;
    bool failed;
};

static bool fault(struct in *in, const char *what)
{
    if (!in->failed && in->why)
        snprintf(in->why, in->whylen, "%s at byte %zu", what, in->at);
    in->failed = true;
    return false;
}

static int peek(const struct in *in)
{
    return in->at < in->n ? in->p[in->at] : -1;
}

static void space(struct in *in)
{
    while (in->at < in->n && (in->p[in->at] == ' ' || in->p[in->at] == '\t' ||
                              in->p[in->at] == '\n' || in->p[in->at] == '\r'))
        in->at++;
}

static bool literal(struct in *in, const char *word)
{
    size_t len = strlen(word);
    if (in->n - in->at < len || memcmp(in->p + in->at, word, len) != 0)
        return fault(in, "bad literal");
    in->at += len;
    return true;
}

static bool digits(struct in *in)
{
    size_t start = in->at;
    while (peek(in) >= '0' && peek(in) <= '9')
        in->at++;
    return in->at > start || fault(in, "digit expected");
}

static bool number(struct in *in)
{
    if (peek(in) == '-')
        in->at++;
    if (peek(in) == '0')
        in->at++;
    else if (!digits(in))
        return false;
    if (peek(in) == '.') {
        in->at++;
        if (!digits(in))
            return false;
    }
    if (peek(in) == 'e' || peek(in) == 'E') {
        in->at++;
        if (peek(in) == '+' || peek(in) == '-')
            in->at++;
        if (!digits(in))
            return false;
    }
    return true;
}

/* utf8 - the code point of the valid UTF-8 sequence at the cursor. */
static bool utf8(struct in *in, uint32_t *cp)
{
    const unsigned char *s = in->p + in->at;
    size_t left = in->n - in->at;
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
        *cp = c;
        in->at++;
        return true;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        *cp = c & 0x0f;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        *cp = c & 0x07;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return fault(in, "byte that starts no UTF-8 sequence");
    }
    if (left < len || s[1] < lo || s[1] > hi)
        return fault(in, "invalid UTF-8 sequence");
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return fault(in, "invalid UTF-8 continuation");
        *cp = (*cp << 6) | (s[k] & 0x3f);
    }
    in->at += len;
    return true;
}

static bool hex4(struct in *in, uint32_t *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        int c = peek(in);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return fault(in, "bad \\u escape");
        *v = *v << 4 | (uint32_t)d;
        in->at++;
    }
    return true;
}

/* string - one string; each code point goes to emit (may be NULL). */
static bool string(struct in *in, void (*emit)(void *, uint32_t), void *ctx)
{
    if (peek(in) != '"')
        return fault(in, "string expected");
    in->at++;
    for (;;) {
        int c = peek(in);
        if (c < 0)
            return fault(in, "unterminated string");
        uint32_t cp;
        if (c == '"') {
            in->at++;
            return true;
        }
        if (c < 0x20)
            return fault(in, "raw control character in a string");
        if (c != '\\') {
            if (!utf8(in, &cp))
                return false;
        } else {
            in->at++;
            c = peek(in);
            in->at++;
            switch (c) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = 8; break;
            case 'f': cp = 12; break;
            case 'n': cp = 10; break;
            case 'r': cp = 13; break;
            case 't': cp = 9; break;
            case 'u':
                if (!hex4(in, &cp))
                    return false;
                if (cp >= 0xdc00 && cp <= 0xdfff)
                    return fault(in, "lone low surrogate");
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t low;
                    if (in->n - in->at < 2 || in->p[in->at] != '\\' || in->p[in->at + 1] != 'u')
                        return fault(in, "lone high surrogate");
                    in->at += 2;
                    if (!hex4(in, &low))
                        return false;
                    if (low < 0xdc00 || low > 0xdfff)
                        return fault(in, "high surrogate without its low one");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                }
                break;
            default:
                in->at--;
                return fault(in, "unknown escape");
            }
        }
        if (emit)
            emit(ctx, cp);
    }
}

static bool value(struct in *in, int depth);

static bool members(struct in *in, int depth, bool object)
{
    char close = object ? '}' : ']';
    in->at++;
    space(in);
    if (peek(in) == close) {
        in->at++;
        return true;
    }
    for (;;) {
        space(in);
        if (object) {
            if (!string(in, NULL, NULL))
                return false;
            space(in);
            if (peek(in) != ':')
                return fault(in, "':' expected");
            in->at++;
        }
        if (!value(in, depth + 1))
            return false;
        space(in);
        if (peek(in) == ',') {
            in->at++;
            continue;
        }
        if (peek(in) == close) {
            in->at++;
            return true;
        }
        return fault(in, object ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static bool value(struct in *in, int depth)
{
    if (depth > MAX_DEPTH)
        return fault(in, "nested too deep");
    space(in);
    int c = peek(in);
    switch (c) {
    case '{': return members(in, depth, true);
    case '[': return members(in, depth, false);
    case '"': return string(in, NULL, NULL);
    case 't': return literal(in, "true");
    case 'f': return literal(in, "false");
    case 'n': return literal(in, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return number(in);
        return fault(in, "value expected");
    }
}

bool json_check(const char *p, size_t n, char *why, size_t whylen)
{
    struct in in = {.p = (const unsigned char *)p, .n = n, .why = why, .whylen = whylen};
    if (!value(&in, 0))
        return false;
    space(&in);
    return in.at == n || fault(&in, "text after the value");
}

struct sink {
    uint8_t *out;
    size_t cap, len;
};

static void put(struct sink *s, uint8_t b)
{
    if (s->len < s->cap)
        s->out[s->len] = b;
    s->len++;
}

static void emit_bytes(void *ctx, uint32_t cp)
{
    struct sink *s = ctx;
    if (cp >= 0x10ff00 && cp <= 0x10ffff) {
        put(s, (uint8_t)(cp - 0x10ff00));
    } else if (cp < 0x80) {
        put(s, (uint8_t)cp);
    } else if (cp < 0x800) {
        put(s, (uint8_t)(0xc0 | cp >> 6));
        put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put(s, (uint8_t)(0xe0 | cp >> 12));
        put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        put(s, (uint8_t)(0xf0 | cp >> 18));
        put(s, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
        put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

long json_string_bytes(const char *p, size_t n, uint8_t *out, size_t cap)
{
    struct in in = {.p = (const unsigned char *)p, .n = n};
    struct sink s = {.out = out, .cap = cap};
    if (!string(&in, emit_bytes, &s))
        return -1;
    return (long)s.len;
}
