#pragma once

/* A streaming JSON writer: it tracks commas and escapes strings; callers
 * name keys and values in order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sys/types.h>

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
void jw_obj(struct jw *w);       /* { */
void jw_obj_end(struct jw *w);   /* } */
void jw_arr(struct jw *w);       /* [ */
void jw_arr_end(struct jw *w);   /* ] */
/* jw_key - a key. One spelled out in the source (its length known when
 * compiling: every key the formats write) is copied as it is, inline, as
 * keys are a third of what a line holds; any other is checked and
 * escaped (jw_key_n). */
void jw_key_n(struct jw *w, const char *key, size_t n);

/* jw_quoted_plain - the writer's own: s (n bytes, none to escape) quoted,
 * after the comma it may need and, for a key, before its colon; the
 * caller made sure the buffer has room for n + 4 bytes. */
static inline void jw_quoted_plain(struct jw *w, const char *s, size_t n, bool key)
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

static inline void jw_key(struct jw *w, const char *key)
{
    size_t n = strlen(key);
    if (__builtin_constant_p(n) && !w->sel && n + 4 <= sizeof(w->buf) - w->len)
        jw_quoted_plain(w, key, n, true);
    else
        jw_key_n(w, key, n);
}
void jw_str(struct jw *w, const char *s);          /* NULL prints null */
/* jw_label - a string the program made that holds nothing to escape (a
 * registry's label: test_tables checks every one), copied as it is. */
static inline void jw_label(struct jw *w, const char *s)
{
    size_t n = strlen(s);
    if (n + 4 <= sizeof(w->buf) - w->len)
        jw_quoted_plain(w, s, n, false);
    else
        jw_str(w, s);
}
void jw_strn(struct jw *w, const uint8_t *s, size_t n);
void jw_hex(struct jw *w, const uint8_t *p, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v, int decimals);
/* jw_scaled - v / 10^scale with `decimals` decimals, as jw_double writes
 * it, without printf when v has no more digits than that (timestamps in
 * microseconds, their differences in milliseconds). */
void jw_scaled(struct jw *w, int64_t v, int scale, int decimals);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* jw_end_line - a newline; everything written so far is put out. */
void jw_end_line(struct jw *w);
/* jw_flush - put out what is written, for output that ends mid-line. */
void jw_flush(struct jw *w);

/* A key and its value in one call. */
static inline void jw_key_str(struct jw *w, const char *key, const char *s) /* NULL prints null */
{
    jw_key(w, key);
    jw_str(w, s);
}

static inline void jw_key_uint(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

static inline void jw_key_int(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

static inline void jw_key_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}
