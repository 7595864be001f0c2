/* Findings about the capture as a whole: a server's grade, many short
 * connections, a key type confirmed across sessions, a client's audit.
 * They belong to no one session, so they have a screen of their own. */
#include "tui/internal.h"

#include <stdio.h>

static void build(struct tui *u)
{
    struct lines *l = &u->capture.lines;
    lines_free(l);
    const struct tui_table *t = u->t;
    int width = COLS - 2;
    if (!t->capture_judged) {
        lines_add(l, T_DIM, "The capture-wide rules run when the capture ends (q in the list, --count or --duration).");
        return;
    }
    if (!t->n_capture) {
        lines_add(l, T_OK, "No finding about the capture as a whole.");
        return;
    }
    for (size_t i = 0; i < t->n_capture; i++) {
        const struct tui_capture_finding *f = &t->capture[i];
        int node = lines_node(l, severity_tone((int)f->severity), -1, "%-6s %s  %s", severity_name(f->severity),
                              f->rule, f->subject);
        lines_wrap(l, T_BOLD, node, "  ", f->title, width);
        lines_wrap(l, T_PLAIN, node, "  seen: ", f->evidence, width);
        if (f->fix && f->fix[0])
            lines_wrap(l, T_ACCENT, node, "  fix:  ", f->fix, width);
        char ids[200] = "";
        size_t n = 0;
        for (size_t k = 0; k < f->n_sessions && n < sizeof(ids); k++)
            n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s#%llu", k ? " " : "",
                                  (unsigned long long)f->sessions[k]);
        if (f->more_sessions && n < sizeof(ids))
            snprintf(ids + n, sizeof(ids) - n, " and %zu more", f->more_sessions);
        if (ids[0])
            lines_child(l, T_DIM, node, "  sessions: %s", ids);
        lines_child(l, T_PLAIN, node, "%s", "");
    }
}

void capture_open(struct tui *u)
{
    u->capture.back = u->screen;
    u->screen = &capture_screen;
    u->capture.scroll = 0;
    build(u);
}

static void capture_leave(struct tui *u)
{
    lines_free(&u->capture.lines);
}

static void capture_draw(struct tui *u)
{
    char title[128];
    snprintf(title, sizeof(title), "about the capture: %zu capture-wide finding%s", u->t->n_capture,
             u->t->n_capture == 1 ? "" : "s");
    draw_title(u, title);
    if (u->capture.generation != u->t->generation) { /* the end of a live capture */
        u->capture.generation = u->t->generation;
        build(u);
    }
    size_t room = LINES > 3 ? (size_t)LINES - 3 : 1, n = u->capture.lines.n;
    if (u->capture.scroll + room > n)
        u->capture.scroll = n > room ? n - room : 0;
    draw_lines(u, &u->capture.lines, NULL, 2, LINES - 1, u->capture.scroll, -1);
    draw_status(u, "q back  arrows/PgUp/PgDn scroll  ? help");
}

static void capture_key(struct tui *u, int ch)
{
    long page = LINES > 4 ? LINES - 4 : 1, s = (long)u->capture.scroll;
    switch (ch) {
    case 'q': case 27: case KEY_LEFT: case 'h': case 'a':
        screen_leave(u, u->capture.back);
        return;
    default:
        if (movement(ch, page, (long)u->capture.lines.n, &s))
            u->capture.scroll = s < 0 ? 0 : (size_t)s; /* capture_draw stops it at the end */
        break;
    }
}

const struct screen capture_screen = {"capture-wide findings", capture_draw, capture_key, capture_leave};
