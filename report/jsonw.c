#include "report/jsonw.h"

#include <string.h>

/* The JSON report writes hundreds of values per session: plain stdio calls
 * with the stream lock taken once per call, and no printf for the common
 * cases. */
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
}

static void value_start(struct jw *w)
{
    if (w->need_comma[w->depth])
        PUT(',', w->out);
    w->need_comma[w->depth] = true;
}

static void open(struct jw *w, char c)
{
    value_start(w);
    PUT(c, w->out);
    if (w->depth < 31)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
    PUT(c, w->out);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

static void escape_byte(FILE *f, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    put_str(f, e, sizeof(e));
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
            /* Control bytes and bytes that are not valid UTF-8 become
             * \u00XX escapes, so every line is valid JSON whatever the
             * capture held. */
            if (c < 0x20 || c == 0x7f) {
                escape_byte(f, c);
            } else if (c < 0x80) {
                PUT(c, f);
            } else {
                size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                           : (c & 0xf8) == 0xf0 ? 4 : 0;
                bool ok = len && i + len <= n;
                for (size_t k = 1; ok && k < len; k++)
                    ok = (s[i + k] & 0xc0) == 0x80;
                if (ok && len == 2 && c < 0xc2)
                    ok = false; /* overlong */
                if (ok) {
                    put_str(f, (const char *)&s[i], len);
                    i += len - 1;
                } else {
                    escape_byte(f, c);
                }
            }
        }
    }
    PUT('"', f);
}

void jw_key(struct jw *w, const char *key)
{
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
