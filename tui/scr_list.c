/* The session list: one row per session, sorted, filtered, searched;
 * live captures append without moving the selection. */
#include "tui/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char list_keys[] =
    "? help  q quit  Enter open  / search  f filter  s sort  m mark  c compare  a capture  w JSON  p pcapng";

/* A row: '*' marked for compare, else '+' when a capture-wide finding
 * names it; then its text. */
enum { ROW_TEXT_X = 2 };

static struct tui *sorting;

static int by_column(const void *pa, const void *pb)
{
    const struct tui_row *a = &sorting->t->rows[*(const size_t *)pa];
    const struct tui_row *b = &sorting->t->rows[*(const size_t *)pb];
    int c = row_compare(a, b, sorting->list.sort);
    return sorting->list.reverse ? -c : c;
}

/* The rows shown, in order; the selected row stays selected. */
void list_rebuild(struct tui *u)
{
    size_t keep_row = u->list.n_order && u->list.sel < u->list.n_order ? u->list.order[u->list.sel] : (size_t)-1;
    if (u->list.cap_order < u->t->n) {
        size_t cap = u->t->n + 256;
        size_t *o = realloc(u->list.order, cap * sizeof(*o));
        if (!o)
            return;
        u->list.order = o;
        u->list.cap_order = cap;
    }
    u->list.n_order = 0;
    for (size_t i = 0; i < u->t->n; i++)
        if (rowfilter_match(&u->list.filter, &u->t->rows[i]))
            u->list.order[u->list.n_order++] = i;
    sorting = u;
    if (u->list.sort != COL_ID || u->list.reverse)
        qsort(u->list.order, u->list.n_order, sizeof(*u->list.order), by_column);
    u->list.sel = 0;
    for (size_t i = 0; keep_row != (size_t)-1 && i < u->list.n_order; i++)
        if (u->list.order[i] == keep_row) {
            u->list.sel = i;
            break;
        }
    if (u->list.follow && u->list.n_order)
        u->list.sel = u->list.n_order - 1;
    u->list.shown_generation = u->t->generation;
}

static int list_height(void)
{
    return LINES - 4; /* title, header, status bar, counts */
}

static void keep_visible(struct tui *u)
{
    int h = list_height();
    if (h < 1)
        h = 1;
    if (u->list.sel < u->list.top)
        u->list.top = u->list.sel;
    if (u->list.sel >= u->list.top + (size_t)h)
        u->list.top = u->list.sel - (size_t)h + 1;
}

/* The counts line; on a narrow terminal in short words, so the filter and
 * sort stay in sight. */
static void counts(struct tui *u, char *buf, size_t len)
{
    size_t ok = 0, failed = 0, plain = 0, high = 0, marked = 0;
    for (size_t i = 0; i < u->list.n_order; i++) {
        const struct tui_row *r = &u->t->rows[u->list.order[i]];
        ok += r->status == RS_OK;
        failed += r->status == RS_FAILED;
        plain += r->status == RS_PLAINTEXT;
        high += r->worst == SEV_HIGH;
        marked += r->marked;
    }
    bool held = u->list.paused && u->t->generation != u->list.shown_generation;
    for (int compact = 0; compact < 2; compact++) {
        size_t n = (size_t)snprintf(buf, len, compact ? " %zu/%zu: %zu ok, %zu failed" : " %zu of %zu sessions: %zu ok, %zu failed",
                                    u->list.n_order, u->t->n, ok, failed);
        if (plain)
            n += (size_t)snprintf(buf + n, len - n, compact ? ", %zu MQ plain" : ", %zu plaintext MQ", plain);
        n += (size_t)snprintf(buf + n, len - n, ", %zu high", high);
        if (marked)
            n += (size_t)snprintf(buf + n, len - n, ", %zu marked", marked);
        if (u->b->live)
            n += (size_t)snprintf(buf + n, len - n, "  %s%s", u->list.paused ? "PAUSED" : "live",
                                  u->list.follow ? compact ? " F" : " following" : "");
        if (held)
            n += (size_t)snprintf(buf + n, len - n, compact ? " (held)" : " (new sessions held)");
        if (u->list.filter.n)
            n += (size_t)snprintf(buf + n, len - n, compact ? "  f: %s" : "  filter: %s", u->list.filter.text);
        n += (size_t)snprintf(buf + n, len - n, compact ? "  s: %s%s" : "  sort: %s%s", column_key(u->list.sort),
                              u->list.reverse ? compact ? " rev" : " (reversed)" : "");
        if (n <= (size_t)COLS)
            return;
    }
}

/* Named by a capture-wide finding (each names its first eight sessions). */
static bool cited(const struct tui_table *t, uint64_t id)
{
    for (size_t i = 0; i < t->n_capture; i++)
        for (size_t k = 0; k < t->capture[i].n_sessions; k++)
            if (t->capture[i].sessions[k] == id)
                return true;
    return false;
}

static enum tone row_tone(const struct tui_row *r)
{
    if (r->worst == SEV_HIGH || r->status == RS_FAILED || r->status == RS_PLAINTEXT)
        return T_HIGH;
    if (r->worst == SEV_MEDIUM)
        return T_MEDIUM;
    if (r->status == RS_INCOMPLETE || r->status == RS_PARTIAL)
        return T_DIM;
    return T_PLAIN;
}

static void list_draw(struct tui *u)
{
    char title[300], line[1024];
    snprintf(title, sizeof(title), "%s", u->b->source);
    /* the marker of the capture-wide findings, which belong to no one row,
     * at the right of the title; a long title gives way to it */
    int marker = u->t->n_capture ? snprintf(line, sizeof(line), " %zu capture-wide (a) ", u->t->n_capture) : 0;
    int room = COLS - (int)strlen(" tlsscope  ") - marker - 1;
    if (marker && room > 8 && (int)strlen(title) > room) {
        title[room - 1] = '~';
        title[room] = 0;
    }
    draw_title(u, title);
    if (marker && room > 8)
        put(u, 0, COLS - marker, T_TITLE, line);
    struct layout lay;
    list_layout(COLS - ROW_TEXT_X, &u->t->widest, &lay);
    header_format(&lay, line, sizeof(line));
    put(u, 1, ROW_TEXT_X, T_BOLD, line);
    keep_visible(u);
    int h = list_height();
    for (int i = 0; i < h; i++) {
        size_t k = u->list.top + (size_t)i;
        if (k >= u->list.n_order)
            break;
        const struct tui_row *r = &u->t->rows[u->list.order[k]];
        row_format(r, &lay, line, sizeof(line));
        char mark[ROW_TEXT_X + 1] = {r->marked ? '*' : cited(u->t, r->id) ? '+' : ' ', ' ', 0};
        put(u, 2 + i, 0, k == u->list.sel ? T_SELECTED : T_PLAIN, mark);
        put(u, 2 + i, ROW_TEXT_X, k == u->list.sel ? T_SELECTED : row_tone(r), line);
    }
    if (!u->list.n_order)
        put(u, 3, 2, T_DIM, u->t->n ? "no session matches the filter (f to change it)"
                                    : u->b->live ? "waiting for handshakes..." : "no TLS sessions in this capture");
    counts(u, line, sizeof(line));
    put(u, LINES - 2, 0, T_ACCENT, line);
    draw_status(u, list_keys);
}

/* ---- searching and filtering ---------------------------------------------------------- */

static bool find_from(struct tui *u, size_t from, int step, const char *needle)
{
    if (!needle[0] || !u->list.n_order)
        return false;
    for (size_t i = 0; i < u->list.n_order; i++) {
        size_t k = (from + u->list.n_order + (size_t)((long)step * (long)i)) % u->list.n_order;
        if (row_contains(&u->t->rows[u->list.order[k]], needle)) {
            u->list.sel = k;
            return true;
        }
    }
    return false;
}

static void incremental(struct tui *u, const char *text)
{
    find_from(u, u->list.sel, 1, text);
}

static void search(struct tui *u)
{
    char buf[96] = "";
    size_t start = u->list.sel;
    if (!prompt(u, "search: ", buf, sizeof(buf), incremental)) {
        u->list.sel = start;
        return;
    }
    snprintf(u->list.search, sizeof(u->list.search), "%s", buf);
    if (buf[0] && !find_from(u, u->list.sel, 1, buf))
        say(u, T_MEDIUM, "no session shows '%s'", buf);
}

static void edit_filter(struct tui *u)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", u->list.filter.text);
    if (!prompt(u, "filter (e.g. version<1.2 sev>=medium sni~bank cipher=ECDHE* mq): ", buf, sizeof(buf), NULL))
        return;
    char err[256];
    struct rowfilter f;
    if (!rowfilter_parse(buf, &f, err, sizeof(err))) {
        say(u, T_HIGH, "filter: %s", err);
        return;
    }
    u->list.filter = f;
    list_rebuild(u);
}

static const struct tui_row *selected(const struct tui *u)
{
    return u->list.n_order ? &u->t->rows[u->list.order[u->list.sel]] : NULL;
}

static void save_json(struct tui *u)
{
    char path[256] = "tlsscope-sessions.json", err[300];
    if (!u->b->save_json || !prompt(u, "save the sessions shown as JSON to: ", path, sizeof(path), NULL))
        return;
    const struct tui_row **rows = malloc((u->list.n_order ? u->list.n_order : 1) * sizeof(*rows));
    if (!rows)
        return;
    for (size_t i = 0; i < u->list.n_order; i++)
        rows[i] = &u->t->rows[u->list.order[i]];
    if (u->b->save_json(u->b->ctx, rows, u->list.n_order, path, err, sizeof(err)))
        say(u, T_OK, "saved %zu sessions to %s", u->list.n_order, path);
    else
        say(u, T_HIGH, "%s: %s", path, err);
    free(rows);
}

static void save_pcapng(struct tui *u)
{
    const struct tui_row *r = selected(u);
    char path[256], err[300];
    if (!r || !u->b->save_pcapng)
        return;
    snprintf(path, sizeof(path), "session-%llu.pcapng", (unsigned long long)r->id);
    if (!prompt(u, "save this session's packets as pcapng to: ", path, sizeof(path), NULL))
        return;
    if (u->b->save_pcapng(u->b->ctx, r, path, err, sizeof(err)))
        say(u, T_OK, "saved session #%llu to %s", (unsigned long long)r->id, path);
    else
        say(u, T_HIGH, "%s: %s", path, err);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void move_sel(struct tui *u, long delta)
{
    if (!u->list.n_order)
        return;
    long s = (long)u->list.sel + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)u->list.n_order)
        s = (long)u->list.n_order - 1;
    u->list.sel = (size_t)s;
}

/* A click on a column's heading sorts by it; again, reverses. */
static void sort_by_click(struct tui *u, int x)
{
    struct layout lay;
    int at = 0;
    list_layout(COLS - ROW_TEXT_X, &u->t->widest, &lay);
    for (size_t i = 0; i < lay.n; i++) {
        if (x >= at && x < at + lay.widths[i] + 1) {
            u->list.reverse = u->list.sort == lay.cols[i] ? !u->list.reverse : false;
            u->list.sort = lay.cols[i];
            list_rebuild(u);
            return;
        }
        at += lay.widths[i] + 1;
    }
}

static void mouse(struct tui *u)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED)
        move_sel(u, -3);
    else if (ev.bstate & BUTTON5_PRESSED)
        move_sel(u, 3);
    else if ((ev.bstate & BUTTON1_CLICKED) && ev.y == 1)
        sort_by_click(u, ev.x - ROW_TEXT_X);
    else if ((ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)) && ev.y >= 2 && ev.y < 2 + list_height()) {
        size_t k = u->list.top + (size_t)(ev.y - 2);
        if (k < u->list.n_order) {
            u->list.sel = k;
            if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
                detail_open(u, k);
        }
    }
}

static void list_key(struct tui *u, int ch)
{
    long page = list_height() > 1 ? list_height() - 1 : 1, to = (long)u->list.sel;
    struct tui_row *r = u->list.n_order ? &u->t->rows[u->list.order[u->list.sel]] : NULL;
    if (movement(ch, page, (long)u->list.n_order, &to)) {
        move_sel(u, to - (long)u->list.sel);
        return;
    }
    switch (ch) {
    case 'q':
        /* a live capture is not thrown away on one key */
        u->quit = !u->capturing || confirm(u, "stop the capture and quit? (y/n) ");
        break;
    case 27: /* Esc dismisses the message; it never quits */
        break;
    case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
        if (u->list.n_order)
            detail_open(u, u->list.sel);
        break;
    case '/': search(u); break;
    case 'n':
        if (!find_from(u, u->list.sel + 1, 1, u->list.search) && u->list.search[0])
            say(u, T_MEDIUM, "no session shows '%s'", u->list.search);
        break;
    case 'N':
        if (!find_from(u, u->list.sel + u->list.n_order - 1, -1, u->list.search) && u->list.search[0])
            say(u, T_MEDIUM, "no session shows '%s'", u->list.search);
        break;
    case 'f': edit_filter(u); break;
    case 's':
        u->list.sort = (enum column)((u->list.sort + 1) % COL_COUNT);
        list_rebuild(u);
        break;
    case 'S':
        u->list.reverse = !u->list.reverse;
        list_rebuild(u);
        break;
    case 'm':
        if (r)
            r->marked = !r->marked;
        move_sel(u, 1);
        break;
    case 'c': compare_open(u); break;
    case 'a': capture_open(u); break;
    case 'w': save_json(u); break;
    case 'p': save_pcapng(u); break;
    case 'F':
        u->list.follow = !u->list.follow;
        if (u->list.follow && u->list.n_order)
            u->list.sel = u->list.n_order - 1;
        break;
    case 'P':
        u->list.paused = !u->list.paused;
        if (!u->list.paused)
            list_rebuild(u);
        break;
    case KEY_MOUSE: mouse(u); break;
    case KEY_RESIZE: break;
    default: break;
    }
}

const struct screen list_screen = {"list", list_draw, list_key, NULL};
