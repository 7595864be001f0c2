#pragma once

/* Inside the TUI: the application state, text lines with a tone, and the
 * screens. Only tui/ includes curses. */

#include <curses.h>
#include <stdarg.h>

#include "tui/tui.h"

/* What a line is about; screens.c turns tones into colours (or, without
 * colours, into bold and reverse). */
enum tone {
    T_PLAIN, T_DIM, T_BOLD, T_TITLE, T_OK, T_HIGH, T_MEDIUM, T_LOW, T_INFO, T_ACCENT, T_DIFF,
    T_SELECTED,
};

struct line {
    char *text;
    enum tone tone;
    int node;   /* >= 0: a tree node that can be folded */
    int parent; /* the node this line belongs to, -1: none */
    int ref;    /* what the line shows, for Enter (the ladder: a message's index), -1: none */
};

struct lines {
    struct line *v;
    size_t n, cap;
};

void lines_add(struct lines *l, enum tone t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* lines_node - a foldable heading; lines_child - a line under it. */
int lines_node(struct lines *l, enum tone t, int parent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lines_child(struct lines *l, enum tone t, int parent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* lines_wrap - text folded at word boundaries to `width`, the first line
 * after `lead`, the rest indented under it. */
void lines_wrap(struct lines *l, enum tone t, int parent, const char *lead, const char *text, int width);
void lines_free(struct lines *l);
/* lines_ref - tie the last line added to something Enter can open. */
void lines_ref(struct lines *l, int ref);

enum tab { TAB_OVERVIEW, TAB_LADDER, TAB_HELLO, TAB_CERTS, TAB_FINDINGS, TAB_BYTES, TAB_COUNT };

enum { MAX_NODES = 64 };

struct tui;

/* A screen: how it draws, what its keys do, and what it lets go of when
 * it is left (may be NULL). Adding one is a scr_*.c file with its state
 * below and its entry; tui.c dispatches through the entry. */
struct screen {
    const char *name;
    void (*draw)(struct tui *u);
    void (*key)(struct tui *u, int ch);
    void (*leave)(struct tui *u);
};

extern const struct screen list_screen, detail_screen, compare_screen, help_screen, capture_screen;

/* Each screen's own state. The list's is read by the others (which row is
 * selected, which are marked). */
struct list_state {
    size_t *order; /* rows shown, as indexes into t->rows */
    size_t n_order, cap_order;
    size_t sel, top;
    enum column sort;
    bool reverse;
    struct rowfilter filter;
    char search[96];
    bool follow, paused;
    unsigned long shown_generation;
};

struct detail_state { /* a session open in full */
    struct session *s;
    size_t row;
    enum tab tab;
    struct lines lines;
    size_t scroll;
    size_t cursor; /* the selected line (folding) */
    bool folded[MAX_NODES];
    bool fresh_tab; /* the next rebuild applies the tab's default folds */
    size_t msg;     /* Bytes: which handshake message */
};

struct compare_state {
    struct session *s[2];
    size_t row[2];
    struct lines lines;
    size_t scroll;
    bool diff_only;
    size_t differences;
};

struct help_state {
    const struct screen *back;
    size_t scroll;
};

struct capture_state { /* the capture-wide findings */
    const struct screen *back;
    struct lines lines;
    size_t scroll;
    unsigned long generation;
};

struct tui {
    const struct tui_backend *b;
    struct tui_table *t;
    const struct screen *screen;
    bool color, quit;
    char message[256];
    enum tone message_tone;
    bool capturing; /* live, and the capture has not ended */
    struct list_state list;
    struct detail_state detail;
    struct compare_state compare;
    struct help_state help;
    struct capture_state capture;
};

/* ---- screens.c: drawing helpers -------------------------------------------------- */

void tone_on(const struct tui *u, enum tone t);
void tone_off(const struct tui *u, enum tone t);
enum tone severity_tone(int severity);
/* put - text at (y, x), cut to the screen, in a tone. */
void put(const struct tui *u, int y, int x, enum tone t, const char *text);
void draw_title(struct tui *u, const char *title);
void draw_status(struct tui *u, const char *keys);
/* draw_lines - a scrolled region of lines from row y0 to y1 (exclusive);
 * the nodes folded (folded[node], or none when NULL) hide their children;
 * `cursor` is highlighted when >= 0. */
void draw_lines(const struct tui *u, const struct lines *l, const bool *folded, int y0, int y1, size_t scroll,
                long cursor);
/* visible_count - how many lines show when folded nodes hide children. */
size_t visible_count(const bool *folded, const struct lines *l);
/* visible_at - the index in l of the n-th visible line. */
size_t visible_at(const bool *folded, const struct lines *l, size_t n);
/* movement - where the keys every screen shares (arrows, j/k, PgUp/PgDn,
 * b/Space, Home/End, g/G) lead from *pos, not yet clamped; false when ch
 * is not one of them. */
bool movement(int ch, long page, long last, long *pos);
void say(struct tui *u, enum tone t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- the screens ---------------------------------------------------------------- */

/* list_rebuild - the rows shown, again (filter, sort, new rows). */
void list_rebuild(struct tui *u);
/* Opening a screen; each returns to where it was opened from. */
void detail_open(struct tui *u, size_t order_index);
void compare_open(struct tui *u);
void capture_open(struct tui *u);
void help_open(struct tui *u);
/* screen_leave - let go of what the screen in front holds, and go to to. */
void screen_leave(struct tui *u, const struct screen *to);
/* detail_build - the lines of a tab for a session (tabs.c). */
void detail_build(struct tui *u, struct lines *l, int width);

/* confirm - a yes/no question at the bottom; y is yes, anything else no. */
bool confirm(struct tui *u, const char *question);
/* prompt - edit a line at the bottom; false when cancelled (Esc). Each
 * change is passed to on_change (may be NULL). */
bool prompt(struct tui *u, const char *label, char *buf, size_t len,
            void (*on_change)(struct tui *u, const char *text));
