/* The TUI's loop: the terminal set up and always given back (on quit, on
 * a signal, on a crash), keys dispatched to the screen in front, a live
 * capture polled between keys, redraws only when something changed. */
#include "tui/internal.h"

#include "include/grow.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the table ------------------------------------------------------------------ */

bool tui_table_add(struct tui_table *t, const struct session *s)
{
    struct tui_row *v = grow_array(t->rows, t->n, &t->cap, sizeof(*v), 256);
    if (!v)
        return false;
    t->rows = v;
    if (!row_from_session(&t->rows[t->n], s)) {
        row_free(&t->rows[t->n]);
        return false;
    }
    col_widths_add(&t->widest, &t->rows[t->n]);
    t->n++;
    t->generation++;
    return true;
}

bool tui_table_capture_findings(struct tui_table *t, const struct capture_finding *f, size_t n)
{
    t->capture_judged = true;
    t->generation++;
    if (!n)
        return true;
    struct tui_capture_finding *v = calloc(n, sizeof(*v));
    if (!v)
        return false;
    for (size_t i = 0; i < n; i++) {
        v[i].rule = f[i].f.rule;
        v[i].title = f[i].f.title;
        v[i].severity = f[i].f.severity;
        snprintf(v[i].subject, sizeof(v[i].subject), "%s", f[i].subject);
        v[i].evidence = strdup(f[i].f.evidence ? f[i].f.evidence : "");
        v[i].fix = strdup(f[i].f.fix ? f[i].f.fix : "");
        memcpy(v[i].sessions, f[i].sessions, sizeof(v[i].sessions));
        v[i].n_sessions = f[i].n_sessions;
        v[i].more_sessions = f[i].more_sessions;
    }
    t->capture = v;
    t->n_capture = n;
    return true;
}

void tui_table_free(struct tui_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_free(&t->rows[i]);
    for (size_t i = 0; i < t->n_capture; i++) {
        free(t->capture[i].evidence);
        free(t->capture[i].fix);
    }
    free(t->capture);
    free(t->rows);
    memset(t, 0, sizeof(*t));
}

/* ---- the terminal ----------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;
static bool curses_on;
static SCREEN *screen;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A crash must not leave the terminal in raw mode: give it back, then die
 * as the signal wanted. */
static void on_crash(int sig)
{
    if (curses_on)
        endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void restore(void)
{
    if (curses_on) {
        endwin();
        curses_on = false;
    }
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
}

static bool want_color(void)
{
    const char *no = getenv("NO_COLOR");
    return has_colors() && !(no && *no);
}

static bool start(struct tui *u, char *err, size_t errlen)
{
    const char *term = getenv("TERM");
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        snprintf(err, errlen, "the terminal '%s' is not known to curses (set TERM)", term ? term : "");
        return false;
    }
    curses_on = true;
    atexit(restore);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    u->color = want_color();
    if (u->color) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
        init_pair(2, COLOR_YELLOW, -1);
        init_pair(3, COLOR_CYAN, -1);
        init_pair(4, COLOR_GREEN, -1);
        init_pair(5, COLOR_BLACK, COLOR_CYAN);
        init_pair(6, COLOR_MAGENTA, -1);
        init_pair(7, COLOR_BLUE, -1);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    return true;
}

/* ---- the capture ------------------------------------------------------------------ */

/* tick - let a live capture run a moment; true when the screen changed. */
static bool tick(struct tui *u)
{
    if (!u->capturing)
        return false;
    unsigned long before = u->t->generation;
    char why[600] = "";
    bool changed = false;
    u->capturing = u->b->poll(u->b->ctx, 50, why, sizeof(why));
    if (!u->capturing) {
        say(u, T_MEDIUM, "capture stopped: %s", why);
        changed = true;
    }
    if (u->t->generation != before) {
        if (!u->list.paused)
            list_rebuild(u);
        changed = true; /* or the count of held sessions */
    }
    return changed;
}

/* ---- the prompt line ----------------------------------------------------------------- */

bool prompt(struct tui *u, const char *label, char *buf, size_t len,
            void (*on_change)(struct tui *u, const char *text))
{
    size_t n = strlen(buf);
    curs_set(1);
    /* a live capture keeps running while the user types */
    timeout(u->capturing ? 0 : -1);
    bool ok = false;
    for (;;) {
        int y = LINES - 1;
        move(y, 0);
        clrtoeol();
        put(u, y, 0, T_ACCENT, label);
        put(u, y, (int)strlen(label), T_PLAIN, buf);
        move(y, (int)(strlen(label) + n) < COLS ? (int)(strlen(label) + n) : COLS - 1);
        refresh();
        int ch = getch();
        if (ch == ERR && u->capturing && !stop_requested) {
            tick(u);
            continue;
        }
        if (ch == 27 || stop_requested) {
            break;
        } else if (ch == '\n' || ch == KEY_ENTER || ch == '\r') {
            ok = true;
            break;
        } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (n)
                buf[--n] = 0;
        } else if (ch == 21) { /* ^U */
            n = 0;
            buf[0] = 0;
        } else if (ch >= 0x20 && ch < 0x7f && n + 1 < len) {
            buf[n++] = (char)ch;
            buf[n] = 0;
        } else if (ch == KEY_RESIZE) {
            clear();
        } else {
            continue;
        }
        if (on_change) {
            on_change(u, buf);
            clear();
            if (u->screen == &list_screen)
                u->screen->draw(u);
        }
    }
    curs_set(0);
    return ok;
}

bool confirm(struct tui *u, const char *question)
{
    timeout(u->capturing ? 0 : -1);
    for (;;) {
        int y = LINES - 1;
        move(y, 0);
        clrtoeol();
        put(u, y, 0, T_MEDIUM, question);
        refresh();
        int ch = getch();
        if (stop_requested)
            return true;
        if (ch == ERR) {
            /* the capture goes on while the question waits */
            tick(u);
            timeout(u->capturing ? 0 : -1);
            continue;
        }
        if (ch == KEY_RESIZE)
            continue;
        return ch == 'y' || ch == 'Y';
    }
}

/* ---- the loop ------------------------------------------------------------------------ */

void screen_leave(struct tui *u, const struct screen *to)
{
    if (u->screen->leave)
        u->screen->leave(u);
    u->screen = to;
}

static void draw(struct tui *u)
{
    erase();
    u->screen->draw(u);
    refresh();
}

static void key(struct tui *u, int ch)
{
    if (ch == '?' && u->screen != &help_screen)
        help_open(u);
    else
        u->screen->key(u, ch);
}

bool tui_run(const struct tui_backend *b, struct tui_table *t, char *err, size_t errlen)
{
    static struct tui u;
    memset(&u, 0, sizeof(u));
    u.b = b;
    u.t = t;
    u.screen = &list_screen;
    u.list.sort = COL_ID;
    if (!start(&u, err, errlen))
        return false;
    list_rebuild(&u);
    if (b->first_message)
        say(&u, T_MEDIUM, "%s", b->first_message);
    u.capturing = b->live;
    bool dirty = true;
    while (!u.quit && !stop_requested) {
        if (dirty) {
            draw(&u);
            dirty = false;
        }
        if (u.capturing) {
            dirty |= tick(&u);
            timeout(0);
        } else {
            timeout(-1);
        }
        /* every key that is waiting, then back to the capture */
        for (int ch; !u.quit && (ch = getch()) != ERR;) {
            if (ch != KEY_RESIZE)
                u.message[0] = 0;
            key(&u, ch);
            dirty = true;
            if (!u.capturing)
                break;
        }
    }
    /* whatever each screen still holds (help keeps the one it covers) */
    static const struct screen *const all[] = {&list_screen, &detail_screen, &compare_screen, &help_screen,
                                               &capture_screen};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i]->leave)
            all[i]->leave(&u);
    free(u.list.order);
    restore();
    return true;
}
