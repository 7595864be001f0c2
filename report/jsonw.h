#pragma once

/* A streaming JSON writer: it tracks commas and escapes strings; callers
 * name keys and values in order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jw {
    FILE *out;
    int depth;
    bool need_comma[32];
};

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
