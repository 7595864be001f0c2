/* A session in full, in tabs: overview, ladder, hellos, certificates,
 * findings, bytes. The session is loaded again from the capture when it
 * is opened and freed when the screen closes. */
#include "tui/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tab_names[TAB_COUNT] = {"Overview", "Ladder", "Hello", "Certificates",
                                                 "Findings", "Bytes"};

static const char detail_keys[] =
    "? help  q back  Tab/1-6 tabs  arrows move  Enter fold/bytes  [ ] message  p pcapng";

/* A tab as first shown: long lists (a hello's suites, extensions, groups)
 * folded under their headings, which say how many and what was chosen. */
static void fold_lists(struct tui *u)
{
    memset(u->detail.folded, 0, sizeof(u->detail.folded));
    if (u->detail.tab != TAB_HELLO)
        return;
    for (size_t i = 0; i < u->detail.lines.n; i++) {
        const struct line *ln = &u->detail.lines.v[i];
        if (ln->node >= 0 && ln->parent >= 0)
            u->detail.folded[ln->node] = true;
    }
}

static void rebuild(struct tui *u)
{
    lines_free(&u->detail.lines);
    detail_build(u, &u->detail.lines, COLS);
    if (u->detail.fresh_tab) {
        fold_lists(u);
        u->detail.fresh_tab = false;
    }
    size_t n = visible_count(u->detail.folded, &u->detail.lines);
    if (u->detail.cursor >= n)
        u->detail.cursor = n ? n - 1 : 0;
}

static void detail_leave(struct tui *u)
{
    session_free(u->detail.s);
    u->detail.s = NULL;
    lines_free(&u->detail.lines);
}

void detail_open(struct tui *u, size_t order_index)
{
    char err[300] = "";
    const struct tui_row *r = &u->t->rows[u->list.order[order_index]];
    struct session *s = u->b->load ? u->b->load(u->b->ctx, r, err, sizeof(err)) : NULL;
    if (!s) {
        say(u, T_HIGH, "session #%llu cannot be opened: %s", (unsigned long long)r->id,
            err[0] ? err : "no way to load it");
        return;
    }
    detail_leave(u);
    u->detail.s = s;
    u->detail.row = u->list.order[order_index];
    u->screen = &detail_screen;
    u->detail.scroll = u->detail.cursor = u->detail.msg = 0;
    u->detail.fresh_tab = true;
    rebuild(u);
}

static void draw_tabs(struct tui *u)
{
    int x = 0;
    for (int t = 0; t < TAB_COUNT; t++) {
        char label[40];
        snprintf(label, sizeof(label), " %d %s ", t + 1, tab_names[t]);
        put(u, 1, x, t == (int)u->detail.tab ? T_SELECTED : T_DIM, label);
        x += (int)strlen(label) + 1;
    }
}

static int body_height(void)
{
    return LINES - 3;
}

static void keep_cursor_visible(struct tui *u)
{
    size_t h = (size_t)(body_height() > 1 ? body_height() : 1);
    if (u->detail.cursor < u->detail.scroll)
        u->detail.scroll = u->detail.cursor;
    if (u->detail.cursor >= u->detail.scroll + h)
        u->detail.scroll = u->detail.cursor - h + 1;
}

static void detail_draw(struct tui *u)
{
    const struct tui_row *r = &u->t->rows[u->detail.row];
    char title[300], server[64];
    row_cell(r, COL_SERVER, server, sizeof(server));
    snprintf(title, sizeof(title), "session #%llu  %s  %s", (unsigned long long)r->id, server,
             r->sni[0] ? r->sni : "");
    draw_title(u, title);
    draw_tabs(u);
    keep_cursor_visible(u);
    draw_lines(u, &u->detail.lines, u->detail.folded, 2, LINES - 1, u->detail.scroll, (long)u->detail.cursor);
    draw_status(u, detail_keys);
}

static void set_tab(struct tui *u, int t)
{
    u->detail.tab = (enum tab)((t + TAB_COUNT) % TAB_COUNT);
    u->detail.scroll = u->detail.cursor = 0;
    u->detail.fresh_tab = true;
    rebuild(u);
}

static void move_cursor(struct tui *u, long delta)
{
    size_t n = visible_count(u->detail.folded, &u->detail.lines);
    long c = (long)u->detail.cursor + delta;
    if (c < 0)
        c = 0;
    if (c >= (long)n)
        c = n ? (long)n - 1 : 0;
    u->detail.cursor = (size_t)c;
}

/* Enter: fold a tree node, or open a ladder message's bytes. */
static void enter(struct tui *u)
{
    size_t i = visible_at(u->detail.folded, &u->detail.lines, u->detail.cursor);
    if (i >= u->detail.lines.n)
        return;
    const struct line *ln = &u->detail.lines.v[i];
    if (ln->node >= 0) {
        u->detail.folded[ln->node] = !u->detail.folded[ln->node];
    } else if (u->detail.tab == TAB_LADDER && ln->ref >= 0) {
        u->detail.msg = (size_t)ln->ref;
        set_tab(u, TAB_BYTES);
    }
}

static void detail_key(struct tui *u, int ch)
{
    long page = body_height() > 1 ? body_height() - 1 : 1, to = (long)u->detail.cursor;
    if (movement(ch, page, (long)u->detail.lines.n, &to)) {
        move_cursor(u, to - (long)u->detail.cursor);
        return;
    }
    switch (ch) {
    case 'q':
    case 27:
    case KEY_LEFT:
    case 'h':
        screen_leave(u, &list_screen);
        break;
    case '\t': set_tab(u, (int)u->detail.tab + 1); break;
    case KEY_BTAB: set_tab(u, (int)u->detail.tab - 1); break;
    case '1': case '2': case '3': case '4': case '5': case '6':
        set_tab(u, ch - '1');
        break;
    case '\n': case '\r': case KEY_ENTER: enter(u); break;
    case ']':
        if (u->detail.s->messages.n && u->detail.msg + 1 < u->detail.s->messages.n) {
            u->detail.msg++;
            u->detail.cursor = u->detail.scroll = 0;
            rebuild(u);
        }
        break;
    case '[':
        if (u->detail.msg) {
            u->detail.msg--;
            u->detail.cursor = u->detail.scroll = 0;
            rebuild(u);
        }
        break;
    case 'p': {
        char path[256], err[300];
        const struct tui_row *r = &u->t->rows[u->detail.row];
        snprintf(path, sizeof(path), "session-%llu.pcapng", (unsigned long long)r->id);
        if (u->b->save_pcapng && prompt(u, "save this session's packets as pcapng to: ", path, sizeof(path), NULL)) {
            if (u->b->save_pcapng(u->b->ctx, r, path, err, sizeof(err)))
                say(u, T_OK, "saved session #%llu to %s", (unsigned long long)r->id, path);
            else
                say(u, T_HIGH, "%s: %s", path, err);
        }
        break;
    }
    case KEY_MOUSE: {
        MEVENT ev;
        if (getmouse(&ev) == OK) {
            if (ev.bstate & BUTTON4_PRESSED)
                move_cursor(u, -3);
            else if (ev.bstate & BUTTON5_PRESSED)
                move_cursor(u, 3);
            else if (ev.y == 1) { /* a click on the tab bar */
                int x = 0;
                for (int t = 0; t < TAB_COUNT; t++) {
                    int w = (int)strlen(tab_names[t]) + 5;
                    if (ev.x >= x && ev.x < x + w) {
                        set_tab(u, t);
                        break;
                    }
                    x += w;
                }
            } else if (ev.y >= 2) {
                u->detail.cursor = u->detail.scroll + (size_t)(ev.y - 2);
                move_cursor(u, 0);
            }
        }
        break;
    }
    case KEY_RESIZE:
        rebuild(u);
        break;
    default:
        break;
    }
}

const struct screen detail_screen = {"session", detail_draw, detail_key, detail_leave};
