#pragma once

/* A streaming JSON writer: it tracks commas and escapes strings; callers
 * name keys and values in order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "include/buf.h"

/* --fields: the top-level members of a line kept by name, each written
 * into its slot as it comes, then put out in the order asked. */
struct jw_select {
    size_t n;
    char **names;
    struct buf *slots;
    bool *seen;     /* the line had this member (and it fitted JW_MEMBER_LIMIT) */
    char *copy;     /* the names' storage */
};

enum { JW_MEMBER_LIMIT = 256u << 20 };

struct jw {
    FILE *out;
    int depth;
    bool need_comma[32];
    struct jw_select *sel; /* NULL: every byte to out */
    struct buf *slot;      /* with sel: where the current member goes (NULL: dropped) */
};

/* jw_select_new - a selection of the comma-separated top-level names
 * (NULL on no memory); set w->sel to it for the lines to filter. "type"
 * always comes first and is not repeated. */
struct jw_select *jw_select_new(const char *fields);
void jw_select_free(struct jw_select *sel);

void jw_init(struct jw *w, FILE *out);
void jw_obj(struct jw *w);       /* { */
void jw_obj_end(struct jw *w);   /* } */
void jw_arr(struct jw *w);       /* [ */
void jw_arr_end(struct jw *w);   /* ] */
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);          /* NULL prints null */
void jw_strn(struct jw *w, const uint8_t *s, size_t n);
void jw_hex(struct jw *w, const uint8_t *p, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v, int decimals);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_end_line(struct jw *w);

/* A key and its value in one call. */
void jw_key_str(struct jw *w, const char *key, const char *s); /* NULL prints null */
void jw_key_uint(struct jw *w, const char *key, uint64_t v);
void jw_key_int(struct jw *w, const char *key, int64_t v);
void jw_key_bool(struct jw *w, const char *key, bool v);
