#include "report/jsonw.h"

void jw_init(struct jw *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    w->need_comma[0] = false;
}

static void value_start(struct jw *w)
{
    if (w->need_comma[w->depth])
        fputc(',', w->out);
    w->need_comma[w->depth] = true;
}

static void open(struct jw *w, char c)
{
    value_start(w);
    fputc(c, w->out);
    if (w->depth < 31)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
    fputc(c, w->out);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

static void escaped(struct jw *w, const uint8_t *s, size_t n)
{
    fputc('"', w->out);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        switch (c) {
        case '"': fputs("\\\"", w->out); break;
        case '\\': fputs("\\\\", w->out); break;
        case '\n': fputs("\\n", w->out); break;
        case '\r': fputs("\\r", w->out); break;
        case '\t': fputs("\\t", w->out); break;
        default:
            /* Control bytes and bytes that are not valid UTF-8 become
             * \u00XX escapes, so every line is valid JSON whatever the
             * capture held. */
            if (c < 0x20 || c == 0x7f) {
                fprintf(w->out, "\\u%04x", c);
            } else if (c < 0x80) {
                fputc(c, w->out);
            } else {
                size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                           : (c & 0xf8) == 0xf0 ? 4 : 0;
                bool ok = len && i + len <= n;
                for (size_t k = 1; ok && k < len; k++)
                    ok = (s[i + k] & 0xc0) == 0x80;
                if (ok && len == 2 && c < 0xc2)
                    ok = false; /* overlong */
                if (ok) {
                    fwrite(&s[i], 1, len, w->out);
                    i += len - 1;
                } else {
                    fprintf(w->out, "\\u%04x", c);
                }
            }
        }
    }
    fputc('"', w->out);
}

void jw_key(struct jw *w, const char *key)
{
    value_start(w);
    escaped(w, (const uint8_t *)key, __builtin_strlen(key));
    fputc(':', w->out);
    w->need_comma[w->depth] = false;
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    value_start(w);
    escaped(w, (const uint8_t *)s, __builtin_strlen(s));
}

void jw_strn(struct jw *w, const uint8_t *s, size_t n)
{
    value_start(w);
    escaped(w, s, n);
}

void jw_hex(struct jw *w, const uint8_t *p, size_t n)
{
    value_start(w);
    fputc('"', w->out);
    for (size_t i = 0; i < n; i++)
        fprintf(w->out, "%02x", p[i]);
    fputc('"', w->out);
}

void jw_int(struct jw *w, int64_t v)
{
    value_start(w);
    fprintf(w->out, "%lld", (long long)v);
}

void jw_uint(struct jw *w, uint64_t v)
{
    value_start(w);
    fprintf(w->out, "%llu", (unsigned long long)v);
}

void jw_double(struct jw *w, double v, int decimals)
{
    value_start(w);
    fprintf(w->out, "%.*f", decimals, v);
}

void jw_bool(struct jw *w, bool v)
{
    value_start(w);
    fputs(v ? "true" : "false", w->out);
}

void jw_null(struct jw *w)
{
    value_start(w);
    fputs("null", w->out);
}

void jw_end_line(struct jw *w)
{
    fputc('\n', w->out);
    w->depth = 0;
    w->need_comma[0] = false;
}
