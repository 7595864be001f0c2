#pragma once

/* The TUI's copy of what it shows: one row per session, copied when the
 * session is reported (the session itself is freed), filters, sorting and
 * row text. No curses here: this is what the unit tests exercise. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/session.h"

enum row_status { RS_OK, RS_FAILED, RS_PLAINTEXT, RS_INCOMPLETE, RS_PARTIAL };

/* Enough of a finding for the list, filters and compare; the evidence and
 * fix come with the session when it is opened. */
struct row_finding {
    const char *rule, *title; /* the rules' own, static */
    enum severity severity;
};

struct tui_row {
    uint64_t id;
    int64_t ts;                      /* first packet, ns */
    struct endpoint client, server;
    char sni[128];                   /* "" when none */
    char mq_channel[24];             /* from the SNI or plaintext MQ */
    bool has_version, has_cipher, has_group;
    uint16_t version, group;
    enum transport transport;
    uint32_t cipher;
    enum row_status status;
    char alert[40];                  /* the alert that failed it, or "" */
    int worst;                       /* severity of the worst finding, -1: none */
    double hs_ms;                    /* -1: unknown */
    bool decrypted, resumed, established;
    char alpn[32];
    char ja4[40], ja3[33], ja3s[33];  /* JA4, and JA3/JA3S hashes; "" when none */
    uint64_t packet_first, packet_last;
    struct row_finding *findings;
    size_t n_findings;
    bool marked;                     /* for compare */
};

/* row_from_session - copy what the TUI needs (findings included). */
bool row_from_session(struct tui_row *r, const struct session *s);
void row_free(struct tui_row *r);

/* Columns of the session list, in the order shown. */
enum column {
    COL_ID, COL_TIME, COL_CLIENT, COL_SERVER, COL_NAME, COL_VERSION, COL_CIPHER,
    COL_STATUS, COL_SEV, COL_MS, COL_COUNT,
};

/* column_name - its heading; column_key - a word for it (as in filters). */
const char *column_name(enum column c);
const char *column_key(enum column c);
/* row_compare - order two rows by a column (ties by id). */
int row_compare(const struct tui_row *a, const struct tui_row *b, enum column c);
/* names_joined - a list of names (SNI, ALPN), escaped, ", " between. */
void names_joined(const struct byteslist *l, char *out, size_t len);
/* cipher_short_name - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ->
 * ECDHE_RSA_AES_128_GCM_SHA256; GREASE and unknown codes by label. */
void cipher_short_name(uint32_t code, char *out, size_t len);
/* row_cell - one column's text. */
void row_cell(const struct tui_row *r, enum column c, char *out, size_t len);
/* Which columns fit a width, and how wide each is; the header and each
 * row are laid out the same way. */
struct layout {
    size_t n;
    enum column cols[COL_COUNT];
    int widths[COL_COUNT];
};

/* The widest each column's cells are over the rows so far: columns are
 * sized to what they hold. */
struct col_widths {
    int w[COL_COUNT];
};
void col_widths_add(struct col_widths *cw, const struct tui_row *r);
/* list_layout - for `width` columns. The ones people look for (server,
 * SNI or MQ channel, version, cipher, status, severity) come first and
 * take the room they need, cut only when the line is too short for all;
 * time, client and handshake time join when there is room left. */
void list_layout(int width, const struct col_widths *content, struct layout *out);
/* row_format - a whole line (NUL-terminated, cut to len). */
void row_format(const struct tui_row *r, const struct layout *lay, char *out, size_t len);
void header_format(const struct layout *lay, char *out, size_t len);

/* ---- filters: space-separated terms, all must hold --------------------------
 *   version<1.2  sev>=medium  sni~bank  cipher=ECDHE*  status=failed  port=443
 *   mq  failed  decrypted  resumed  !mq  and any other word: in the row's text */
enum { FILTER_TERMS = 16 };

struct rowfilter_term {
    bool negate;
    int field;     /* -1: a bare word */
    int op;
    char value[96];
    uint16_t version;
    int severity;
    double number;
};

struct rowfilter {
    struct rowfilter_term t[FILTER_TERMS];
    size_t n;
    char text[256];
};

/* rowfilter_parse - false with a reason naming the bad term. */
bool rowfilter_parse(const char *text, struct rowfilter *f, char *err, size_t errlen);
bool rowfilter_match(const struct rowfilter *f, const struct tui_row *r);
/* row_contains - case-insensitive search in what the row shows. */
bool row_contains(const struct tui_row *r, const char *needle);
