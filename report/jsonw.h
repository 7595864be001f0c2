#pragma once

/* A streaming JSON writer: it tracks commas and escapes strings; callers
 * name keys and values in order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sys/types.h>

#include "include/digits.h"

/* The writer's fast paths, inlined at every call whatever the compiler's
 * budget: a key's length is folded where the key is spelled. */
#define JW_INLINE static inline __attribute__((always_inline))

/* --fields: the top-level members of a line kept by name. Each is written
 * into its own memory stream as it comes (w->out is switched at each
 * top-level key, so no byte is checked twice), then the line is put out
 * in the order asked. */
struct jw_slot {
    const char *name;
    FILE *f;
    char *data;
    size_t size;
    bool seen; /* this line had the member */
};

struct jw_select {
    size_t n;
    struct jw_slot *slots;
    FILE *scratch; /* the members not asked for, and the line's own bytes */
    char *scratch_data;
    size_t scratch_size;
    FILE *line_out; /* the real output while a selected line is written */
    size_t limit;   /* a member longer than this is left out */
    char *copy;     /* the names' storage */
};

enum { JW_MEMBER_LIMIT = 256u << 20 };

struct jw {
    FILE *out;
    int depth;
    bool need_comma[32];
    struct jw_select *sel; /* lines to filter, or NULL */
    /* bytes not yet given to out: put out at the end of each line */
    size_t len;
    char buf[16384];
};

/* jw_select_new - a selection of the comma-separated top-level names
 * (NULL on no memory); set w->sel to it for the lines to filter. "type"
 * always comes first and is not repeated; a name given twice is kept
 * once. */
struct jw_select *jw_select_new(const char *fields);
void jw_select_free(struct jw_select *sel);

void jw_init(struct jw *w, FILE *out);
/* jw_flush - put out what is written, for output that ends mid-line. */
void jw_flush(struct jw *w);

/* jw_value_at - the writer's own: where a value of at most `room` bytes
 * goes, after the comma it may need; the buffer is put out first when it
 * has not the room. jw_value_end takes the value's end. A line holds some
 * 300 values: written inline, each costs no call, and one check for room
 * instead of one per byte or part. */
JW_INLINE char *jw_value_at(struct jw *w, size_t room)
{
    if (__builtin_expect(room + 1 > sizeof(w->buf) - w->len, 0))
        jw_flush(w);
    char *to = w->buf + w->len;
    *to = ',';
    return to + w->need_comma[w->depth];
}

JW_INLINE void jw_value_end(struct jw *w, char *end)
{
    w->len = (size_t)(end - w->buf);
    w->need_comma[w->depth] = true;
}

/* An object or array opened or closed. A selected line's own braces
 * (--fields) switch where the writer writes: jw_open and jw_close. */
void jw_open(struct jw *w, char c);
void jw_close(struct jw *w, char c);

JW_INLINE void jw_open_inline(struct jw *w, char c)
{
    if (__builtin_expect((w->sel && w->depth == 0) || w->depth >= 31, 0)) {
        jw_open(w, c);
        return;
    }
    char *to = jw_value_at(w, 1);
    *to++ = c;
    jw_value_end(w, to);
    w->need_comma[++w->depth] = false;
}

JW_INLINE void jw_close_inline(struct jw *w, char c)
{
    if (__builtin_expect((w->sel && w->depth == 1) || w->depth == 0 || w->len == sizeof(w->buf), 0)) {
        jw_close(w, c);
        return;
    }
    w->buf[w->len++] = c;
    w->depth--;
}

JW_INLINE void jw_obj(struct jw *w) { jw_open_inline(w, '{'); }
JW_INLINE void jw_obj_end(struct jw *w) { jw_close_inline(w, '}'); }
JW_INLINE void jw_arr(struct jw *w) { jw_open_inline(w, '['); }
JW_INLINE void jw_arr_end(struct jw *w) { jw_close_inline(w, ']'); }

/* jw_key - a key the program spells: one in the source, or one of its
 * own names (a registry's label: test_tables checks that none needs
 * escaping). It is copied as it is, inline, as keys are a third of what
 * a line holds. jw_key_n - any other key, checked and escaped. */
void jw_key_n(struct jw *w, const char *key, size_t n);

/* jw_quoted_plain - the writer's own: s (n bytes, none to escape) quoted,
 * after the comma it may need and, for a key, before its colon; the
 * caller made sure the buffer has room for n + 4 bytes. */
JW_INLINE void jw_quoted_plain(struct jw *w, const char *s, size_t n, bool key)
{
    char *to = w->buf + w->len;
    *to = ',';
    to += w->need_comma[w->depth];
    *to++ = '"';
    memcpy(to, s, n);
    to += n;
    *to++ = '"';
    *to = ':';
    to += key;
    w->len = (size_t)(to - w->buf);
    w->need_comma[w->depth] = !key; /* a key's value needs no comma */
}

JW_INLINE void jw_key(struct jw *w, const char *key)
{
    size_t n = strlen(key);
    if (!w->sel && n + 4 <= sizeof(w->buf) - w->len)
        jw_quoted_plain(w, key, n, true);
    else
        jw_key_n(w, key, n);
}
void jw_str(struct jw *w, const char *s);          /* NULL prints null */
void jw_strn(struct jw *w, const uint8_t *s, size_t n);
void jw_hex(struct jw *w, const uint8_t *p, size_t n);

JW_INLINE void jw_uint(struct jw *w, uint64_t v)
{
    char *to = jw_value_at(w, DIGITS_U64_MAX);
    jw_value_end(w, to + digits_u64(to, v));
}

JW_INLINE void jw_int(struct jw *w, int64_t v)
{
    char *to = jw_value_at(w, DIGITS_U64_MAX + 1);
    *to = '-';
    to += v < 0;
    jw_value_end(w, to + digits_u64(to, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v));
}

/* jw_scaled - v / 10^scale with `decimals` (0-9) decimals, as printf's
 * "%.*f" writes the double, without printf when v has no more digits
 * than that (timestamps in microseconds, their differences in
 * milliseconds). jw_scaled_at writes it at `to`, JW_SCALED_MAX bytes at
 * most, and returns its end. */
enum { JW_SCALED_MAX = 32 }; /* a sign, 20 digits, a point, 9 decimals */
char *jw_scaled_at(char *to, int64_t v, int scale, int decimals);

JW_INLINE void jw_scaled(struct jw *w, int64_t v, int scale, int decimals)
{
    char *to = jw_value_at(w, JW_SCALED_MAX);
    jw_value_end(w, jw_scaled_at(to, v, scale, decimals));
}

JW_INLINE void jw_bool(struct jw *w, bool v)
{
    char *to = jw_value_at(w, 5);
    memcpy(to, v ? "true" : "false", 5);
    jw_value_end(w, to + 5 - v);
}

JW_INLINE void jw_null(struct jw *w)
{
    char *to = jw_value_at(w, 4);
    memcpy(to, "null", 4);
    jw_value_end(w, to + 4);
}

/* jw_label - a string the program made that holds nothing to escape (a
 * registry's label: test_tables checks every one), copied as it is; NULL
 * prints null. */
JW_INLINE void jw_label(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    size_t n = strlen(s);
    if (n + 4 <= sizeof(w->buf) - w->len)
        jw_quoted_plain(w, s, n, false);
    else
        jw_str(w, s);
}
/* jw_end_line - a newline; everything written so far is put out. */
void jw_end_line(struct jw *w);

/* A key and its value in one call. */
JW_INLINE void jw_key_str(struct jw *w, const char *key, const char *s) /* NULL prints null */
{
    jw_key(w, key);
    jw_str(w, s);
}

JW_INLINE void jw_key_label(struct jw *w, const char *key, const char *label)
{
    jw_key(w, key);
    jw_label(w, label);
}

JW_INLINE void jw_key_uint(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

JW_INLINE void jw_key_int(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

JW_INLINE void jw_key_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}
