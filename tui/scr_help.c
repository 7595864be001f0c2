/* The help screen: every key, by screen. */
#include "tui/internal.h"

static const char *const help[] = {
    "Session list",
    "  Up/Down, j/k          move                 PgUp/PgDn, b/Space   a page",
    "  Home/End, g/G         first / last         Enter, Right, l      open the session",
    "  /                     search as you type   n / N                next / previous match",
    "  f                     filter (below)       s / S                next sort column / reverse",
    "  m                     mark for compare     c                    compare two marked sessions",
    "  w                     save the sessions shown as JSON lines",
    "  p                     save the selected session's packets as pcapng",
    "  F                     follow new sessions  P                    pause / resume (live)",
    "  a                     the capture-wide findings (+ before a row: one names it)",
    "  mouse                 wheel scrolls, click selects, double-click opens",
    "  q                     quit (a live capture asks first)   Esc  dismiss a message",
    "",
    "Session (tabs: 1 Overview 2 Ladder 3 Hello 4 Certificates 5 Findings 6 Bytes)",
    "  Tab / Shift-Tab, 1-6  switch tab           Up/Down, PgUp/PgDn   move",
    "  Enter                 fold a tree node; on the ladder, show the message's bytes",
    "  [ / ]                 previous / next handshake message (Bytes)",
    "  p                     save the session's packets as pcapng",
    "  q, Esc, Left          back to the list",
    "",
    "Capture-wide findings (server grade, short connections, key types, client audit)",
    "  q, Esc, Left, a       back",
    "",
    "Compare",
    "  d                     only the differences x                    swap the sides",
    "  q, Esc                back to the list",
    "",
    "Filters: terms separated by spaces, all must hold; ! before a term negates it",
    "  version<1.2  version=1.3   sev>=medium  sev=high     sni~bank   cipher=ECDHE*",
    "  status=failed  port=1414   client~10.1. server~:443  group=x25519  alpn=h2",
    "  rule=cert-*  ms>100  id<=50  ja4=t13d1516h2_*  ja3=a3afc2c4*  ja3s~15af",
    "  transport=quic  transport=dtls  transport=udp  transport=tcp",
    "  mq  ok  failed  plaintext  incomplete  partial  decrypted  resumed  findings",
    "  any other word: shown somewhere in the row (like / does)",
    "  = is exact (* wildcards), ~ contains, < <= > >= compare versions, severities, ms",
    "",
    "? or q closes this screen; arrows, PgUp/PgDn scroll it.",
};

enum { HELP_LINES = sizeof(help) / sizeof(help[0]) };

void help_open(struct tui *u)
{
    u->help.back = u->screen;
    u->screen = &help_screen;
    u->help.scroll = 0;
}

static void help_draw(struct tui *u)
{
    draw_title(u, "keys");
    size_t room = LINES > 3 ? (size_t)LINES - 3 : 1;
    if (u->help.scroll + room > HELP_LINES)
        u->help.scroll = HELP_LINES > room ? HELP_LINES - room : 0;
    int y = 2;
    for (size_t i = u->help.scroll; i < HELP_LINES && y < LINES - 1; i++, y++)
        put(u, y, 1, help[i][0] && help[i][0] != ' ' ? T_BOLD : T_PLAIN, help[i]);
    draw_status(u, HELP_LINES > room ? "? or q back  arrows/PgDn for more" : "? or q back");
}

static void help_key(struct tui *u, int ch)
{
    long page = LINES > 4 ? LINES - 4 : 1, s = (long)u->help.scroll;
    switch (ch) {
    case 'q': case 27: case '?': case '\n': case '\r': case KEY_ENTER: case KEY_LEFT:
        screen_leave(u, u->help.back);
        return;
    default:
        if (movement(ch, page, HELP_LINES, &s))
            u->help.scroll = s < 0 ? 0 : (size_t)s; /* help_draw stops it at the end */
        break;
    }
}

const struct screen help_screen = {"keys", help_draw, help_key, NULL};
