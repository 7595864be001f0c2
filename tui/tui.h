#pragma once

/* tui/: the ncurses browser. It keeps its own rows (tui/model.h) and asks
 * its backend (the command line's pipeline) for everything else: a live
 * capture's next sessions, a session in full when it is opened, saving. */

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"
#include "tui/model.h"

/* A finding about the capture as a whole (server grade, many short
 * connections, a key type confirmed, a client's audit), copied. */
struct tui_capture_finding {
    const char *rule, *title; /* the rules' own, static */
    enum severity severity;
    char subject[96];
    char *evidence, *fix;
    uint64_t sessions[8];
    size_t n_sessions, more_sessions;
};

struct tui_table {
    struct tui_row *rows;
    size_t n, cap;
    unsigned long generation; /* bumped when rows are added */
    struct col_widths widest;  /* of the rows' cells, for the layout */
    struct tui_capture_finding *capture;
    size_t n_capture;
    bool capture_judged; /* the capture-wide rules have run (at the end of a live capture) */
};

/* tui_table_add - copy a reported session into the table. */
bool tui_table_add(struct tui_table *t, const struct session *s);
/* tui_table_capture_findings - copy the capture-wide findings in. */
bool tui_table_capture_findings(struct tui_table *t, const struct capture_finding *f, size_t n);
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
