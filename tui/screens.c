/* Lines of text with a tone, and the drawing every screen shares: title,
 * status bar, scrolled regions, colours (or bold and reverse without). */
#include "tui/internal.h"

#include "include/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lines -------------------------------------------------------------------- */

static struct line *push(struct lines *l)
{
    struct line *v = grow_array(l->v, l->n, &l->cap, sizeof(*v), 64);
    if (!v)
        return NULL;
    l->v = v;
    struct line *ln = &l->v[l->n++];
    memset(ln, 0, sizeof(*ln));
    ln->node = ln->parent = ln->ref = -1;
    return ln;
}

static void vadd(struct lines *l, enum tone t, int node, int parent, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void vadd(struct lines *l, enum tone t, int node, int parent, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    struct line *ln = push(l);
    if (!ln)
        return;
    ln->text = strdup(buf);
    ln->tone = t;
    ln->node = node;
    ln->parent = parent;
    if (!ln->text)
        l->n--;
}

void lines_add(struct lines *l, enum tone t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(l, t, -1, -1, fmt, ap);
    va_end(ap);
}

int lines_node(struct lines *l, enum tone t, int parent, const char *fmt, ...)
{
    int node = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].node >= node)
            node = l->v[i].node + 1;
    if (node >= MAX_NODES)
        node = -1;
    va_list ap;
    va_start(ap, fmt);
    vadd(l, t, node, parent, fmt, ap);
    va_end(ap);
    return node;
}

void lines_child(struct lines *l, enum tone t, int parent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(l, t, -1, parent, fmt, ap);
    va_end(ap);
}

void lines_wrap(struct lines *l, enum tone t, int parent, const char *lead, const char *text, int width)
{
    int margin = (int)strlen(lead);
    if (width < margin + 20)
        width = margin + 20;
    char buf[1024];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", lead);
    int col = margin;
    for (const char *p = text ? text : ""; *p;) {
        int word = (int)strcspn(p, " ");
        if (col > margin && col + 1 + word > width) {
            lines_child(l, t, parent, "%s", buf);
            n = (size_t)snprintf(buf, sizeof(buf), "%*s", margin, "");
            col = margin;
        } else if (col > margin && n + 1 < sizeof(buf)) {
            buf[n++] = ' ';
            buf[n] = 0;
            col++;
        }
        int room = (int)(sizeof(buf) - n - 1);
        int take = word < room ? word : room;
        memcpy(buf + n, p, (size_t)take);
        n += (size_t)take;
        buf[n] = 0;
        col += word;
        p += word;
        while (*p == ' ')
            p++;
    }
    lines_child(l, t, parent, "%s", buf);
}

void lines_ref(struct lines *l, int ref)
{
    if (l->n)
        l->v[l->n - 1].ref = ref;
}

void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- tones --------------------------------------------------------------------- */

static const struct {
    short pair;
    attr_t mono; /* without colours */
} tones[] = {
    [T_PLAIN] = {0, A_NORMAL},   [T_DIM] = {7, A_DIM},         [T_BOLD] = {0, A_BOLD},
    [T_TITLE] = {5, A_REVERSE},  [T_OK] = {4, A_NORMAL},       [T_HIGH] = {1, A_BOLD},
    [T_MEDIUM] = {2, A_BOLD},    [T_LOW] = {3, A_NORMAL},      [T_INFO] = {0, A_NORMAL},
    [T_ACCENT] = {6, A_BOLD},    [T_DIFF] = {2, A_UNDERLINE},  [T_SELECTED] = {0, A_REVERSE},
};

static attr_t attrs(const struct tui *u, enum tone t)
{
    attr_t a = t == T_SELECTED || t == T_TITLE ? A_REVERSE : t == T_BOLD || t == T_HIGH ? A_BOLD : A_NORMAL;
    if (!u->color)
        return tones[t].mono;
    if (tones[t].pair)
        a |= COLOR_PAIR(tones[t].pair);
    return a;
}

void tone_on(const struct tui *u, enum tone t)
{
    attron(attrs(u, t));
}

void tone_off(const struct tui *u, enum tone t)
{
    attroff(attrs(u, t));
}

enum tone severity_tone(int severity)
{
    switch (severity) {
    case SEV_HIGH: return T_HIGH;
    case SEV_MEDIUM: return T_MEDIUM;
    case SEV_LOW: return T_LOW;
    default: return T_INFO;
    }
}

void put(const struct tui *u, int y, int x, enum tone t, const char *text)
{
    int w = COLS - x;
    if (y < 0 || y >= LINES || w <= 0)
        return;
    tone_on(u, t);
    mvaddnstr(y, x, text, w);
    tone_off(u, t);
}

void draw_title(struct tui *u, const char *title)
{
    char buf[512];
    snprintf(buf, sizeof(buf), " tlsscope  %s", title);
    tone_on(u, T_TITLE);
    move(0, 0);
    hline(' ', COLS);
    mvaddnstr(0, 0, buf, COLS);
    tone_off(u, T_TITLE);
}

void draw_status(struct tui *u, const char *keys)
{
    int y = LINES - 1;
    move(y, 0);
    clrtoeol();
    if (u->message[0]) {
        put(u, y, 0, u->message_tone, u->message);
        return;
    }
    put(u, y, 0, T_DIM, keys);
}

void say(struct tui *u, enum tone t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->message, sizeof(u->message), fmt, ap);
    va_end(ap);
    u->message_tone = t;
}

static bool hidden(const bool *folded, const struct lines *l, const struct line *ln)
{
    /* hidden when any node above it is folded */
    for (int p = ln->parent; p >= 0;) {
        if (folded && p < MAX_NODES && folded[p])
            return true;
        int next = -1;
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].node == p) {
                next = l->v[i].parent;
                break;
            }
        p = next;
    }
    return false;
}

size_t visible_count(const bool *folded, const struct lines *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += !hidden(folded, l, &l->v[i]);
    return n;
}

size_t visible_at(const bool *folded, const struct lines *l, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (!hidden(folded, l, &l->v[i]) && n-- == 0)
            return i;
    return l->n;
}

void draw_lines(const struct tui *u, const struct lines *l, const bool *folded, int y0, int y1, size_t scroll,
                long cursor)
{
    size_t shown = 0;
    int y = y0;
    for (size_t i = 0; i < l->n && y < y1; i++) {
        const struct line *ln = &l->v[i];
        if (hidden(folded, l, ln))
            continue;
        if (shown++ < scroll)
            continue;
        move(y, 0);
        clrtoeol();
        char text[1100];
        if (ln->node >= 0)
            snprintf(text, sizeof(text), "%s %s", folded && folded[ln->node] ? "+" : "-", ln->text);
        else
            snprintf(text, sizeof(text), "%s", ln->text);
        put(u, y, 0, (long)(shown - 1) == cursor ? T_SELECTED : ln->tone, text);
        y++;
    }
    for (; y < y1; y++) {
        move(y, 0);
        clrtoeol();
    }
}

bool movement(int ch, long page, long last, long *pos)
{
    switch (ch) {
    case KEY_UP: case 'k': *pos -= 1; return true;
    case KEY_DOWN: case 'j': *pos += 1; return true;
    case KEY_PPAGE: case 'b': *pos -= page; return true;
    case KEY_NPAGE: case ' ': *pos += page; return true;
    case KEY_HOME: case 'g': *pos = 0; return true;
    case KEY_END: case 'G': *pos = last; return true;
    default: return false;
    }
}
