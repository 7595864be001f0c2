#pragma once

/* Status codes shared by every layer. A function that can only succeed or
 * fail returns bool; everything else returns enum st and puts results in
 * out-parameters. */
enum st {
    ST_OK = 0,
    ST_SHORT, /* need more bytes (only at record/stream boundaries) */
    ST_BAD,   /* malformed input */
    ST_LIMIT, /* a configured limit was hit */
    ST_NOMEM,
    ST_IO,
};

#define MUST_CHECK __attribute__((warn_unused_result))

/* Our one control-flow macro: pass a non-OK status up. */
#define TRY(expr)                                                              \
    do {                                                                       \
        enum st try_st_ = (expr);                                              \
        if (try_st_ != ST_OK)                                                  \
            return try_st_;                                                    \
    } while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* st_name - a short lowercase name for a status, for messages. */
const char *st_name(enum st s);
