#pragma once

/* tui/: the ncurses browser. It keeps its own rows (tui/model.h) and asks
 * its backend (the command line's pipeline) for everything else: a live
 * capture's next sessions, a session in full when it is opened, saving. */

#include <stdbool.h>
#include <stddef.h>

#include "tui/model.h"

struct tui_table {
    struct tui_row *rows;
    size_t n, cap;
    unsigned long generation; /* bumped when rows are added */
};

/* tui_table_add - copy a reported session into the table. */
bool tui_table_add(struct tui_table *t, const struct session *s);
void tui_table_free(struct tui_table *t);

struct tui_backend {
    void *ctx;
    const char *source; /* file names or "live on IFACE", for the title */
    bool live;
    /* live: capture for up to timeout_ms (new rows come through
     * tui_table_add); false with the reason when the capture ended */
    bool (*poll)(void *ctx, int timeout_ms, char *why, size_t whylen);
    /* the session of a row in full (handshake bytes kept), or NULL with a
     * reason; the TUI frees it with session_free */
    struct session *(*load)(void *ctx, const struct tui_row *row, char *err, size_t errlen);
    bool (*save_json)(void *ctx, const struct tui_row *const *rows, size_t n, const char *path,
                      char *err, size_t errlen);
    bool (*save_pcapng)(void *ctx, const struct tui_row *row, const char *path, char *err,
                        size_t errlen);
    const char *first_message; /* shown when the TUI starts (a file's problem), or NULL */
};

/* tui_run - browse until the user quits; false with a reason when the
 * terminal cannot be used. */
bool tui_run(const struct tui_backend *b, struct tui_table *t, char *err, size_t errlen);
