/* The live capture loop shared by live, check -i and run. */
#include "cli/live.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "include/heap.h"

const char live_usage[] =
    "capture:\n"
    "  -i, --interface IFACE     capture on IFACE (lo, eth0, any); the words after\n"
    "                            the options are a capture filter (tcpdump syntax)\n"
    "  -w, --write FILE          also save the raw capture as pcapng\n"
    "      --count N             stop after N handshakes\n"
    "      --duration SEC        stop after SEC seconds (Ctrl-C stops too)\n"
    "  -Z, --user USER           started as root, continue as USER once the capture\n"
    "                            is open (default nobody; root keeps root)\n"
    "      --fanout ID           Linux: join AF_PACKET fanout group ID (1-65535);\n"
    "                            processes in one group share the interface's\n"
    "                            connections out (docs/scale.md)\n";

volatile sig_atomic_t live_stop, live_stop_sent;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    live_stop = 1;
    /* si_code <= 0: kill() or sigqueue() from a process (SI_USER,
     * SI_QUEUE); the terminal's Ctrl-C is SI_KERNEL */
    if (si && si->si_code <= 0)
        live_stop_sent = sig;
}

void live_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int live_option(struct live_opts *o, int opt, const char *arg)
{
    char *end;
    switch (opt) {
    case 'i':
        o->iface = arg;
        return EXIT_OK;
    case 'w':
        o->write_path = arg;
        return EXIT_OK;
    case 'Z':
        o->user = arg;
        return EXIT_OK;
    case OPT_COUNT: {
        errno = 0;
        unsigned long long n = strtoull(arg, &end, 10);
        if (errno || *end || end == arg || *arg == '-' || !n) {
            cli_error("--count takes a number of handshakes, not '%s'", arg);
            return EXIT_USAGE;
        }
        o->count = n;
        return EXIT_OK;
    }
    case OPT_DURATION:
        o->duration = strtod(arg, &end);
        if (*end || end == arg || !(o->duration > 0)) {
            cli_error("--duration takes seconds, not '%s'", arg);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    case OPT_FANOUT: {
        long id = strtol(arg, &end, 10);
        if (*end || end == arg || id < 1 || id > 65535) {
            cli_error("--fanout takes a group number from 1 to 65535, not '%s'", arg);
            return EXIT_USAGE;
        }
        o->fanout = (int)id;
        return EXIT_OK;
    }
    default:
        return EXIT_USAGE;
    }
}

int live_filter(struct live_opts *o, int argc, char **argv, int first)
{
    size_t n = 0;
    o->filter[0] = 0;
    for (int i = first; i < argc; i++) {
        int w = snprintf(o->filter + n, sizeof(o->filter) - n, "%s%s", n ? " " : "", argv[i]);
        if (w < 0 || (size_t)w >= sizeof(o->filter) - n) {
            cli_error("the capture filter is longer than %zu characters", sizeof(o->filter) - 1);
            return EXIT_USAGE;
        }
        n += (size_t)w;
    }
    return EXIT_OK;
}

int drop_privileges(const char *user, uid_t *uid, gid_t *gid)
{
    *uid = getuid();
    *gid = getgid();
    if (geteuid() != 0 || (user && strcmp(user, "root") == 0))
        return EXIT_OK;
    const char *name = user ? user : "nobody";
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        cli_error("-Z: no user '%s' on this system", name);
        return EXIT_USAGE;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
        (pw->pw_uid != 0 && setuid(0) == 0)) {
        cli_error("cannot give up root to run as '%s': %s", name, strerror(errno));
        return EXIT_INPUT;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return EXIT_OK;
}

int live_open(const struct live_opts *o, struct capture_live **cap, struct pcapng_out **w)
{
    char err[512];
    struct live_options lo = {.iface = o->iface, .filter = o->filter, .fanout = o->fanout};
    *w = NULL;
    heap_advise_off();
    if (capture_live_open(&lo, cap, err, sizeof(err)) != ST_OK) {
        *cap = NULL;
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    int rc = EXIT_OK;
    uid_t uid;
    gid_t gid;
    if (o->write_path &&
        pcapng_out_open(o->write_path, capture_live_linktype(*cap), 262144, w, err, sizeof(err)) != ST_OK) {
        cli_error("%s: cannot write: %s", o->write_path, err);
        rc = EXIT_INPUT;
    } else {
        rc = drop_privileges(o->user, &uid, &gid);
    }
    /* on failure nothing is left open for the caller to close again */
    if (rc) {
        capture_live_close(*cap);
        (void)pcapng_out_close(*w);
        *cap = NULL;
        *w = NULL;
    }
    return rc;
}

/* With a key log, packets wait this long before they are parsed: the
 * client writes a session's secrets only as it receives the server's
 * flight, the moment tlsscope sees that flight too. */
enum { KEYLOG_LAG_NS = 500000000 };

struct held {
    struct held *next;
    int64_t arrived;
    struct pkt pk;
    uint8_t data[];
};

static void hold(struct held **head, struct held **tail, const struct pkt *pk)
{
    struct held *h = malloc(sizeof(*h) + pk->data.left);
    if (!h)
        return;
    h->next = NULL;
    h->arrived = now_ns();
    h->pk = *pk;
    memcpy(h->data, pk->data.p, pk->data.left);
    h->pk.data = cur_make(h->data, pk->data.left);
    if (*tail)
        (*tail)->next = h;
    else
        *head = h;
    *tail = h;
}

static void release(struct pipeline *p, struct held **head, struct held **tail, int64_t before)
{
    while (*head && (*head)->arrived <= before) {
        struct held *h = *head;
        *head = h->next;
        if (!*head)
            *tail = NULL;
        capture_packet(p->capture, &h->pk);
        free(h);
    }
}

void live_loop_start(struct live_loop *l, struct pipeline *p, const struct live_opts *o,
                     struct capture_live *cap, struct pcapng_out *w)
{
    memset(l, 0, sizeof(*l));
    l->p = p;
    l->o = o;
    l->cap = cap;
    l->w = w;
    l->deadline = o->duration ? now_ns() + (int64_t)(o->duration * 1e9) : 0;
    l->lag = p->keylog_attached;
}

bool live_loop_step(struct live_loop *l, int timeout_ms)
{
    struct pipeline *p = l->p;
    struct pkt pk;
    enum st st = capture_live_next(l->cap, timeout_ms, &pk);
    if (st == ST_IO) {
        snprintf(l->error, sizeof(l->error), "%s: the capture stopped: %s", l->o->iface,
                 capture_live_error(l->cap));
        l->rc = EXIT_INPUT;
        return false;
    }
    if (st == ST_OK) {
        if (l->w && pcapng_out_packet(l->w, &pk) != ST_OK) {
            snprintf(l->error, sizeof(l->error), "%s: write error: %s", l->o->write_path,
                     strerror(errno));
            l->rc = EXIT_INPUT;
            return false;
        }
        pk.no = ++p->packets_read;
        if (l->lag)
            hold(&l->head, &l->tail, &pk);
        else
            capture_packet(p->capture, &pk);
    }
    int64_t now = now_ns(), parsed_up_to = l->lag ? now - KEYLOG_LAG_NS : now;
    release(p, &l->head, &l->tail, parsed_up_to);
    /* report a handshake half a second after it ended (a late alert
     * still counts), one that stalls after ten */
    dissect_tick(p->dissect, parsed_up_to, 500000000LL, 10000000000LL);
    if (p->report)
        report_flush(p->report);
    if (l->o->count && p->handshakes >= l->o->count)
        return false;
    return !(l->deadline && now >= l->deadline);
}

int live_loop_end(struct live_loop *l)
{
    release(l->p, &l->head, &l->tail, INT64_MAX);
    struct live_stats ls;
    capture_live_stats(l->cap, &ls);
    capture_note_live(l->p->capture, &ls);
    if (l->w && pcapng_out_close(l->w) != ST_OK && !l->rc) {
        snprintf(l->error, sizeof(l->error), "%s: write error", l->o->write_path);
        l->rc = EXIT_INPUT;
    }
    capture_live_close(l->cap);
    return l->rc;
}

/* What is being captured, as tcpdump says it: on a terminal a status line
 * that gives way as the first handshake arrives (before any report of it);
 * elsewhere one line, for the log and for a script waiting until the
 * capture is ready. */
static bool say_listening(const struct live_opts *o, uint16_t linktype)
{
    bool tty = isatty(STDERR_FILENO);
    char what[2200];
    snprintf(what, sizeof(what), "listening on %s (%s), %s%s%s%s", o->iface, capture_link_name(linktype),
             o->filter[0] ? "filter '" : "no filter", o->filter, o->filter[0] ? "'" : "",
             tty ? "; waiting for a TLS handshake, Ctrl-C stops" : "");
    if (tty)
        fprintf(stderr, "\r\033[K%s", what);
    else
        fprintf(stderr, "tlsscope: %s\n", what);
    fflush(stderr);
    return tty;
}

int live_capture(struct pipeline *p, const struct live_opts *o, struct capture_live *cap,
                 struct pcapng_out *w)
{
    live_signals();
    struct live_loop l;
    live_loop_start(&l, p, o, cap, w);
    bool status_line = say_listening(o, capture_live_linktype(cap));
    while (!live_stop && live_loop_step(&l, 100)) {
        if (status_line && dissect_stats(p->dissect)->tls_sessions) {
            fputs("\r\033[K", stderr);
            status_line = false;
        }
    }
    if (status_line)
        fputs("\r\033[K", stderr);
    int rc = live_loop_end(&l);
    if (l.error[0])
        cli_error("%s", l.error);
    return rc;
}
