/* tlsscope tui: the TUI's backend. Reading files (or capturing, with a
 * scratch pcapng of everything seen) fills the table of rows; opening a
 * session reads the capture again over just that session's packets,
 * keeping its handshake bytes; saving re-reads to write JSON or pcapng. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/live.h"
#include "cli/pipeline.h"
#include "tui/tui.h"

static const char tui_usage[] =
    "usage: tlsscope tui [options] FILE...\n"
    "       tlsscope tui [options] -i IFACE [FILTER...]\n"
    "\n"
    "Browse the sessions of capture files, or of an interface as they happen, in\n"
    "a terminal: a sortable, filterable session list; each session's overview,\n"
    "handshake ladder, hellos, certificates, findings and bytes; two sessions\n"
    "compared side by side; the sessions shown saved as JSON, a session's\n"
    "packets as pcapng. Press ? in the TUI for every key; docs/tui.md has more.\n"
    "Live, every packet is kept in a scratch pcapng (-w names it and keeps it)\n"
    "so sessions can be opened while the capture runs.\n"
    "\n";

static const char tui_usage_end[] =
    "\n"
    "Exit status: 0 success, 2 usage error, 3 a file could not be read or is not\n"
    "a capture, the interface cannot be captured on, or there is no terminal.\n";

struct tui_opts {
    struct analysis_opts analysis;
    struct live_opts capture;
    bool live;
    char **files;
    int n_files;
};

/* ---- messages while the screen belongs to curses --------------------------------------------- */

enum { KEPT_MESSAGES = 20 };

/* The first messages, printed again on exit, and always the latest, for
 * the status line. */
struct messages {
    char v[KEPT_MESSAGES][400];
    char latest[400];
    size_t n, total;
};

static void keep_message(const char *msg, void *ctx)
{
    struct messages *m = ctx;
    if (m->n < KEPT_MESSAGES)
        snprintf(m->v[m->n++], sizeof(m->v[0]), "%s", msg);
    snprintf(m->latest, sizeof(m->latest), "%s", msg);
    m->total++;
}

/* ---- the backend ----------------------------------------------------------------------------- */

struct backend {
    const struct tui_opts *o;
    struct tui_table table;
    char source[2400];
    struct messages messages;
    /* live */
    struct pipeline live_p;
    struct live_loop loop;
    bool capturing;
    char scratch[512]; /* the pcapng every packet goes to */
    bool scratch_is_temporary;
    /* the session being looked for by a re-read */
    const struct tui_row *want;
    struct session *found;
    /* saving */
    const struct tui_row *const *save_rows;
    size_t n_save_rows;
    const char *save_path;
    struct capture *scratch_capture;
    struct pcapng_out *save_out;
    char save_err[300];
    struct pipeline *save_p;  /* the re-read, stopped at the connection's end */
    uint64_t save_packets;
    unsigned save_fins;       /* 1: the client's FIN seen, 2: the server's */
};

/* A row and a session are the same when they began at the same packet
 * between the same endpoints (session numbers restart on a re-read). */
static bool is_row(const struct tui_row *r, const struct session *s)
{
    return r->packet_first == s->packet_first && same_endpoint(&r->client, &s->client) &&
           same_endpoint(&r->server, &s->server);
}

static void add_row(void *ctx, const struct session *s)
{
    struct backend *b = ctx;
    if (!tui_table_add(&b->table, s))
        keep_message("out of memory: a session is missing from the list", &b->messages);
}

static void add_capture_findings(void *ctx, const struct capture_finding *f, size_t n)
{
    struct backend *b = ctx;
    if (!tui_table_capture_findings(&b->table, f, n))
        keep_message("out of memory: the capture-wide findings are missing", &b->messages);
}

static bool take_wanted(void *ctx, struct session *s)
{
    struct backend *b = ctx;
    if (b->found || !is_row(b->want, s))
        return false;
    b->found = s;
    return true;
}

/* reread - the capture again, packets first..last only, with cfg. */
static int reread(struct backend *b, struct pipeline *p, uint64_t first, uint64_t last)
{
    p->window_first = first;
    p->window_last = last;
    if (b->capturing && pcapng_out_flush(b->loop.w) != ST_OK)
        return EXIT_INPUT;
    int rc = EXIT_OK;
    if (b->o->live) {
        rc = pipeline_read_file(p, b->scratch);
    } else {
        rc = pipeline_read_files(p, b->o->files, (size_t)b->o->n_files);
    }
    return rc;
}

static void last_message(struct backend *b, size_t before, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", b->messages.total > before ? b->messages.latest : "");
}

static struct session *load(void *ctx, const struct tui_row *row, char *err, size_t errlen)
{
    struct backend *b = ctx;
    struct analysis_opts a = b->o->analysis;
    a.dissect.keep_messages = true;
    struct pipeline p = {0};
    size_t before = b->messages.total;
    b->want = row;
    b->found = NULL;
    if (pipeline_open(&p, &a, NULL) == EXIT_OK) {
        p.ctx = b;
        p.take = take_wanted;
        (void)reread(b, &p, row->packet_first, row->packet_last);
        pipeline_finish(&p);
    }
    pipeline_close(&p);
    if (!b->found) {
        last_message(b, before, err, errlen);
        if (!err[0])
            snprintf(err, errlen, "it is not in the capture any more");
    }
    return b->found;
}

static int by_first_packet(const void *pa, const void *pb)
{
    const struct tui_row *a = *(const struct tui_row *const *)pa, *b = *(const struct tui_row *const *)pb;
    return a->packet_first < b->packet_first ? -1 : a->packet_first > b->packet_first;
}

/* chosen - the rows are sorted by first packet, which no two connections
 * share */
static bool chosen(const struct backend *b, const struct session *s)
{
    size_t lo = 0, hi = b->n_save_rows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct tui_row *r = b->save_rows[mid];
        if (r->packet_first < s->packet_first)
            lo = mid + 1;
        else if (r->packet_first > s->packet_first)
            hi = mid;
        else
            return is_row(r, s);
    }
    return false;
}

static bool keep_chosen(void *ctx, const struct session *s)
{
    return chosen(ctx, s);
}

static bool save_json(void *ctx, const struct tui_row *const *rows, size_t n, const char *path, char *err,
                      size_t errlen)
{
    struct backend *b = ctx;
    FILE *out = fopen(path, "w");
    if (!out) {
        snprintf(err, errlen, "cannot write: %s", strerror(errno));
        return false;
    }
    struct report_opts ro = {.format = report_format_named("json"), .app_data = b->o->analysis.dissect.decrypt_app};
    struct report *rep = report_new(out, &ro);
    struct pipeline p = {0};
    size_t before = b->messages.total;
    int rc = rep ? pipeline_open(&p, &b->o->analysis, rep) : EXIT_INPUT;
    const struct tui_row **sorted = malloc((n ? n : 1) * sizeof(*sorted));
    if (!sorted)
        rc = EXIT_INPUT;
    if (rc == EXIT_OK) {
        memcpy(sorted, rows, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), by_first_packet);
        b->save_rows = sorted;
        b->n_save_rows = n;
        p.ctx = b;
        p.keep = keep_chosen;
        p.sessions_only = true;
        rc = reread(b, &p, 0, 0);
        pipeline_finish(&p);
    }
    pipeline_close(&p);
    report_free(rep);
    free(sorted);
    bool ok = fclose(out) == 0 && rc == EXIT_OK;
    if (!ok) {
        last_message(b, before, err, errlen);
        if (!err[0])
            snprintf(err, errlen, "write error: %s", strerror(errno));
    }
    return ok;
}

/* Packets of the session's TCP connection, in either direction, from its
 * first to its end: both FINs and the ACK after them, or a RST. A SYN on
 * the same addresses and ports after that is another connection. */
static void copy_packet(void *ctx, const struct pkt *pk)
{
    struct backend *b = ctx;
    struct capture_seg seg;
    if (b->save_err[0] || !capture_tcp_peek(b->scratch_capture, pk, &seg))
        return;
    const struct tui_row *r = b->want;
    bool from_client = same_endpoint(&seg.src, &r->client) && same_endpoint(&seg.dst, &r->server);
    bool ours = from_client || (same_endpoint(&seg.src, &r->server) && same_endpoint(&seg.dst, &r->client));
    if (!ours)
        return;
    bool syn_only = (seg.flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
    if (syn_only && b->save_packets) {
        b->save_p->window_last = pk->no; /* a new connection reusing the ports: ours ended */
        return;
    }
    b->save_packets++;
    if (seg.flags & TCPF_FIN)
        b->save_fins |= from_client ? 1 : 2;
    bool last = (seg.flags & TCPF_RST) ||
                (b->save_fins == 3 && !(seg.flags & TCPF_FIN) && !seg.payload_wire_len);
    if (last)
        b->save_p->window_last = pk->no; /* reading stops after this one */
    /* opened at the session's first packet, for its link type */
    if (!b->save_out &&
        pcapng_out_open(b->save_path, pk->linktype, 262144, &b->save_out, b->save_err, sizeof(b->save_err)) != ST_OK) {
        b->save_out = NULL;
        if (!b->save_err[0])
            snprintf(b->save_err, sizeof(b->save_err), "cannot write");
        return;
    }
    if (pcapng_out_packet(b->save_out, pk) != ST_OK)
        snprintf(b->save_err, sizeof(b->save_err), "write error: %s", strerror(errno ? errno : EIO));
}

static bool save_pcapng(void *ctx, const struct tui_row *row, const char *path, char *err, size_t errlen)
{
    struct backend *b = ctx;
    struct capture_limits lim = capture_limits_default();
    struct flow_handler none = {0};
    struct pipeline p = {0};
    size_t before = b->messages.total;
    b->want = row;
    b->save_path = path;
    b->save_out = NULL;
    b->save_err[0] = 0;
    b->save_p = &p;
    b->save_packets = 0;
    b->save_fins = 0;
    b->scratch_capture = capture_new(&lim, &none);
    int rc = b->scratch_capture ? pipeline_open(&p, &b->o->analysis, NULL) : EXIT_INPUT;
    if (rc == EXIT_OK) {
        p.ctx = b;
        p.on_packet = copy_packet;
        rc = reread(b, &p, row->packet_first, 0); /* the session ends after its handshake's last packet */
    }
    pipeline_close(&p);
    b->save_p = NULL;
    capture_free(b->scratch_capture);
    b->scratch_capture = NULL;
    bool wrote = b->save_out != NULL;
    if (b->save_out && pcapng_out_close(b->save_out) != ST_OK && !b->save_err[0])
        snprintf(b->save_err, sizeof(b->save_err), "write error");
    b->save_out = NULL;
    if (b->save_err[0]) {
        snprintf(err, errlen, "%s", b->save_err);
        return false;
    }
    if (!wrote || rc != EXIT_OK) {
        last_message(b, before, err, errlen);
        if (!err[0])
            snprintf(err, errlen, "none of the session's packets were found");
        return false;
    }
    return true;
}

/* ---- live ------------------------------------------------------------------------------------ */

static bool poll_capture(void *ctx, int timeout_ms, char *why, size_t whylen)
{
    struct backend *b = ctx;
    if (!b->capturing)
        return false;
    int64_t until = now_ns() + (int64_t)timeout_ms * 1000000;
    size_t before = b->messages.total;
    for (int64_t left = (int64_t)timeout_ms; left > 0; left = (until - now_ns()) / 1000000) {
        if (!live_loop_step(&b->loop, (int)left)) {
            b->capturing = false;
            break;
        }
    }
    if (b->capturing)
        return true;
    /* what was still open is reported now */
    int rc = live_loop_end(&b->loop);
    pipeline_finish(&b->live_p);
    if (rc)
        snprintf(why, whylen, "%s", b->loop.error);
    else if (b->messages.total > before)
        last_message(b, before, why, whylen);
    else
        snprintf(why, whylen, "the capture ended (--count or --duration)");
    return false;
}

static int start_live(struct backend *b, struct tui_opts *o)
{
    struct capture_live *cap;
    struct pcapng_out *none;
    const char *keep = o->capture.write_path;
    o->capture.write_path = NULL;
    int rc = live_open(&o->capture, &cap, &none);
    o->capture.write_path = keep;
    if (rc)
        return rc;
    /* opened as the user we now run as, so that re-reading it works */
    char err[256];
    if (keep) {
        snprintf(b->scratch, sizeof(b->scratch), "%s", keep);
    } else {
        const char *dir = getenv("TMPDIR");
        snprintf(b->scratch, sizeof(b->scratch), "%s/tlsscope-tui-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(b->scratch);
        if (fd < 0) {
            cli_error("%s: cannot create the scratch capture: %s (set TMPDIR or use -w)", b->scratch,
                      strerror(errno));
            capture_live_close(cap);
            return EXIT_INPUT;
        }
        close(fd);
        b->scratch_is_temporary = true;
    }
    struct pcapng_out *w;
    if (pcapng_out_open(b->scratch, capture_live_linktype(cap), 262144, &w, err, sizeof(err)) != ST_OK) {
        cli_error("%s: cannot write: %s", b->scratch, err);
        capture_live_close(cap);
        return EXIT_INPUT;
    }
    b->live_p.ctx = b;
    b->live_p.on_session = add_row;
    b->live_p.on_capture_findings = add_capture_findings;
    live_loop_start(&b->loop, &b->live_p, &o->capture, cap, w);
    b->capturing = true;
    snprintf(b->source, sizeof(b->source), "live on %s%s%s", o->capture.iface, o->capture.filter[0] ? "  " : "",
             o->capture.filter);
    return EXIT_OK;
}

/* ---- the command ----------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct tui_opts *o)
{
    static const struct option longs[] = {
        {"help", no_argument, NULL, 'h'},
        ANALYSIS_LONG_OPTIONS,
        LIVE_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    analysis_defaults(&o->analysis);
    optind = 1;
    opterr = 0;
    int c, rc;
    while ((c = getopt_long(argc, argv, "hi:w:Z:", longs, NULL)) != -1) {
        if (c == 'h') {
            fputs(tui_usage, stdout);
            fputs(live_usage, stdout);
            fputc('\n', stdout);
            fputs(analysis_usage, stdout);
            fputs(tui_usage_end, stdout);
            return -1;
        }
        if (c >= ANALYSIS_OPT_FIRST && c < LIVE_OPT_FIRST) {
            if ((rc = analysis_option(&o->analysis, c, optarg)) != EXIT_OK)
                return rc;
        } else if (c >= LIVE_OPT_FIRST || c == 'i' || c == 'w' || c == 'Z') {
            if ((rc = live_option(&o->capture, c, optarg)) != EXIT_OK)
                return rc;
        } else {
            return cli_bad_option("tui", "hi:w:Z:", argv);
        }
    }
    o->live = o->capture.iface != NULL;
    if (o->live && o->analysis.jobs > 1) {
        cli_error("tui: --jobs is for capture files; a live capture is followed on one thread");
        return EXIT_USAGE;
    }
    if (o->live)
        return live_filter(&o->capture, argc, argv, optind);
    if (o->capture.write_path || o->capture.count || o->capture.duration || o->capture.user ||
        o->capture.fanout) {
        cli_error("tui: -w, -Z, --count and --duration are for a live capture (-i IFACE)");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("tui: no capture file or interface given (try 'tlsscope tui --help')");
        return EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0) {
            /* the terminal is on standard input, and sessions are read again when opened */
            cli_error("tui: cannot read a capture from standard input; give a file");
            return EXIT_USAGE;
        }
    o->files = argv + optind;
    o->n_files = argc - optind;
    return EXIT_OK;
}

static int read_files(struct backend *b, const struct tui_opts *o)
{
    struct pipeline p = {0};
    int rc = pipeline_open(&p, &o->analysis, NULL);
    if (rc == EXIT_OK) {
        p.ctx = b;
        p.on_session = add_row;
        p.on_capture_findings = add_capture_findings;
        rc = pipeline_read_files(&p, o->files, (size_t)o->n_files);
        pipeline_finish(&p);
    }
    pipeline_close(&p);
    size_t n = (size_t)snprintf(b->source, sizeof(b->source), "%s", o->files[0]);
    if (o->n_files > 1)
        snprintf(b->source + n, sizeof(b->source) - n, " and %d more", o->n_files - 1);
    return rc;
}

int cmd_tui(int argc, char **argv)
{
    static struct tui_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        cli_error("tui: needs a terminal (for a report use 'tlsscope read')");
        return EXIT_INPUT;
    }
    static struct backend b;
    memset(&b, 0, sizeof(b));
    b.o = &o;
    if (o.live) {
        o.analysis.keylog_may_wait = true;
        rc = pipeline_open(&b.live_p, &o.analysis, NULL);
        if (rc == EXIT_OK)
            rc = start_live(&b, &o);
        if (rc) {
            pipeline_close(&b.live_p);
            return rc;
        }
    }
    /* from here on, messages go to the TUI's status line and are printed
     * again once the terminal is given back */
    cli_error_redirect(keep_message, &b.messages);
    if (!o.live) {
        rc = read_files(&b, &o);
        if (rc && !b.table.n) {
            cli_error_redirect(NULL, NULL);
            for (size_t i = 0; i < b.messages.n; i++)
                cli_error("%s", b.messages.v[i]);
            tui_table_free(&b.table);
            return rc;
        }
    }
    struct tui_backend tb = {
        .ctx = &b,
        .source = b.source,
        .live = o.live,
        .poll = poll_capture,
        .load = load,
        .save_json = save_json,
        .save_pcapng = save_pcapng,
        .first_message = b.messages.n ? b.messages.v[0] : NULL,
    };
    char err[300];
    if (!tui_run(&tb, &b.table, err, sizeof(err))) {
        cli_error_redirect(NULL, NULL);
        cli_error("tui: %s", err);
        rc = EXIT_INPUT;
    }
    if (b.capturing) {
        b.capturing = false;
        if (live_loop_end(&b.loop) && !rc)
            rc = EXIT_INPUT;
        pipeline_finish(&b.live_p);
    }
    cli_error_redirect(NULL, NULL);
    for (size_t i = 0; i < b.messages.n; i++)
        cli_error("%s", b.messages.v[i]);
    if (b.messages.total > b.messages.n)
        cli_error("%zu more messages", b.messages.total - b.messages.n);
    if (o.live) {
        pipeline_close(&b.live_p);
        if (b.scratch_is_temporary)
            unlink(b.scratch);
    }
    tui_table_free(&b.table);
    return rc;
}
