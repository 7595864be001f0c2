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
    memset(u->folded, 0, sizeof(u->folded));
    if (u->tab != TAB_HELLO)
        return;
    for (size_t i = 0; i < u->tab_lines.n; i++) {
        const struct line *ln = &u->tab_lines.v[i];
        if (ln->node >= 0 && ln->parent >= 0)
            u->folded[ln->node] = true;
    }
}

static void rebuild(struct tui *u)
{
    lines_free(&u->tab_lines);
    detail_build(u, &u->tab_lines, COLS);
    if (u->fresh_tab) {
        fold_lists(u);
        u->fresh_tab = false;
    }
    size_t n = visible_count(u, &u->tab_lines);
    if (u->cursor >= n)
        u->cursor = n ? n - 1 : 0;
}

void detail_close(struct tui *u)
{
    session_free(u->s);
    u->s = NULL;
    lines_free(&u->tab_lines);
}

void detail_open(struct tui *u, size_t order_index)
{
    char err[300] = "";
    const struct tui_row *r = &u->t->rows[u->order[order_index]];
    struct session *s = u->b->load ? u->b->load(u->b->ctx, r, err, sizeof(err)) : NULL;
    if (!s) {
        say(u, T_HIGH, "session #%llu cannot be opened: %s", (unsigned long long)r->id,
            err[0] ? err : "no way to load it");
        return;
    }
    detail_close(u);
    u->s = s;
    u->s_row = u->order[order_index];
    u->screen = SCR_DETAIL;
    u->scroll = u->cursor = u->msg = 0;
    u->fresh_tab = true;
    rebuild(u);
}

static void draw_tabs(struct tui *u)
{
    int x = 0;
    for (int t = 0; t < TAB_COUNT; t++) {
        char label[40];
        snprintf(label, sizeof(label), " %d %s ", t + 1, tab_names[t]);
        put(u, 1, x, t == (int)u->tab ? T_SELECTED : T_DIM, label);
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
    if (u->cursor < u->scroll)
        u->scroll = u->cursor;
    if (u->cursor >= u->scroll + h)
        u->scroll = u->cursor - h + 1;
}

void detail_draw(struct tui *u)
{
    const struct tui_row *r = &u->t->rows[u->s_row];
    char title[300], server[64];
    row_cell(r, COL_SERVER, server, sizeof(server));
    snprintf(title, sizeof(title), "session #%llu  %s  %s", (unsigned long long)r->id, server,
             r->sni[0] ? r->sni : "");
    draw_title(u, title);
    draw_tabs(u);
    keep_cursor_visible(u);
    draw_lines(u, &u->tab_lines, 2, LINES - 1, u->scroll, (long)u->cursor);
    draw_status(u, detail_keys);
}

static void set_tab(struct tui *u, int t)
{
    u->tab = (enum tab)((t + TAB_COUNT) % TAB_COUNT);
    u->scroll = u->cursor = 0;
    u->fresh_tab = true;
    rebuild(u);
}

static void move_cursor(struct tui *u, long delta)
{
    size_t n = visible_count(u, &u->tab_lines);
    long c = (long)u->cursor + delta;
    if (c < 0)
        c = 0;
    if (c >= (long)n)
        c = n ? (long)n - 1 : 0;
    u->cursor = (size_t)c;
}

/* Enter: fold a tree node, or open a ladder message's bytes. */
static void enter(struct tui *u)
{
    size_t i = visible_at(u, &u->tab_lines, u->cursor);
    if (i >= u->tab_lines.n)
        return;
    const struct line *ln = &u->tab_lines.v[i];
    if (ln->node >= 0) {
        u->folded[ln->node] = !u->folded[ln->node];
    } else if (u->tab == TAB_LADDER && ln->ref >= 0) {
        u->msg = (size_t)ln->ref;
        set_tab(u, TAB_BYTES);
    }
}

void detail_key(struct tui *u, int ch)
{
    long page = body_height() > 1 ? body_height() - 1 : 1, to = (long)u->cursor;
    if (movement(ch, page, (long)u->tab_lines.n, &to)) {
        move_cursor(u, to - (long)u->cursor);
        return;
    }
    switch (ch) {
    case 'q':
    case 27:
    case KEY_LEFT:
    case 'h':
        detail_close(u);
        u->screen = SCR_LIST;
        break;
    case '\t': set_tab(u, (int)u->tab + 1); break;
    case KEY_BTAB: set_tab(u, (int)u->tab - 1); break;
    case '1': case '2': case '3': case '4': case '5': case '6':
        set_tab(u, ch - '1');
        break;
    case '\n': case '\r': case KEY_ENTER: enter(u); break;
    case ']':
        if (u->s->messages.n && u->msg + 1 < u->s->messages.n) {
            u->msg++;
            u->cursor = u->scroll = 0;
            rebuild(u);
        }
        break;
    case '[':
        if (u->msg) {
            u->msg--;
            u->cursor = u->scroll = 0;
            rebuild(u);
        }
        break;
    case 'p': {
        char path[256], err[300];
        const struct tui_row *r = &u->t->rows[u->s_row];
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
                u->cursor = u->scroll + (size_t)(ev.y - 2);
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
