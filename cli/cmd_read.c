/* tlsscope read: capture files -> sessions -> report. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "dissect/dissect.h"
#include "report/report.h"

static const char read_usage[] =
    "usage: tlsscope read [options] FILE...\n"
    "\n"
    "Analyze capture files: pcap (micro- or nanosecond, either byte order) and\n"
    "pcapng (any mix of link types), either of them gzip-compressed. \"-\" reads\n"
    "standard input. Several files are read as one capture, in the order given,\n"
    "so connections spanning rotated files stay whole; packet numbers count on\n"
    "across them.\n"
    "\n"
    "output:\n"
    "  -f, --format FMT          text (default) or json (one object per line:\n"
    "                            sessions, then a summary; see docs/json.md)\n"
    "  -o, --output PATH         write the report to PATH instead of stdout\n"
    "      --color WHEN          auto (default: on a terminal, unless NO_COLOR\n"
    "                            is set), always or never\n"
    "  -q, --quiet               text: print only the summary\n"
    "  -v, --verbose             text: include TCP SYN/FIN/RST in timelines\n"
    "\n"
    "limits (memory stays bounded on any input; hitting one is reported):\n"
    "      --max-flows N         TCP connections tracked at once (1000000)\n"
    "      --max-ooo-bytes N     out-of-order bytes buffered per connection\n"
    "                            (4M); beyond it a hole is declared a gap\n"
    "      --idle-timeout SEC    forget connections idle this long in capture\n"
    "                            time (300)\n"
    "      --max-handshake-bytes N  largest handshake message parsed (1M)\n"
    "\n"
    "Sizes accept K, M and G suffixes. Exit status: 0 success, 2 usage error,\n"
    "3 a file could not be read, is not a capture, or is damaged or truncated\n"
    "(every session that could be parsed is still reported).\n";

enum {
    OPT_COLOR = 256,
    OPT_MAX_FLOWS,
    OPT_MAX_OOO,
    OPT_IDLE,
    OPT_MAX_HS,
};

struct read_opts {
    struct report_opts report;
    const char *output;
    const char *color;
    struct capture_limits limits;
    struct dissect_config dissect;
};

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end || v == 0 || v > SIZE_MAX / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

static int parse_args(int argc, char **argv, struct read_opts *o)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"max-ooo-bytes", required_argument, NULL, OPT_MAX_OOO},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"max-handshake-bytes", required_argument, NULL, OPT_MAX_HS},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    o->color = "auto";
    o->limits = capture_limits_default();
    o->dissect = dissect_config_default();
    optind = 1;
    int c;
    size_t n;
    while ((c = getopt_long(argc, argv, "f:o:qvh", longs, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o->report.format = REPORT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                o->report.format = REPORT_JSON;
            else {
                cli_error("unknown format '%s' (text or json)", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o': o->output = optarg; break;
        case 'q': o->report.quiet = true; break;
        case 'v': o->report.verbose = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                cli_error("--color takes auto, always or never, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->color = optarg;
            break;
        case OPT_MAX_FLOWS:
        case OPT_MAX_OOO:
        case OPT_IDLE:
        case OPT_MAX_HS:
            if (!parse_size(optarg, &n)) {
                cli_error("'%s' is not a positive number for --%s", optarg,
                          c == OPT_MAX_FLOWS ? "max-flows"
                          : c == OPT_MAX_OOO ? "max-ooo-bytes"
                          : c == OPT_IDLE    ? "idle-timeout"
                                             : "max-handshake-bytes");
                return EXIT_USAGE;
            }
            if (c == OPT_MAX_FLOWS)
                o->limits.max_flows = n;
            else if (c == OPT_MAX_OOO)
                o->limits.ooo_per_flow = n;
            else if (c == OPT_IDLE)
                o->limits.idle_timeout = (int64_t)n * 1000000000;
            else
                o->dissect.max_handshake_msg = n;
            break;
        case 'h':
            fputs(read_usage, stdout);
            return -1;
        default:
            fputs(read_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("read: no capture file given (try 'tlsscope read --help')");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static bool want_color(const char *when, FILE *out)
{
    if (strcmp(when, "always") == 0)
        return true;
    if (strcmp(when, "never") == 0)
        return false;
    const char *term = getenv("TERM");
    const char *no = getenv("NO_COLOR");
    return isatty(fileno(out)) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

static void sink(void *ctx, struct session *s)
{
    report_session(ctx, s);
    session_free(s);
}

/* Feed one file through the capture; returns the exit status it earns. */
static int read_file(const char *arg, struct capture *cap)
{
    const char *path = strcmp(arg, "-") == 0 ? "standard input" : arg;
    char err[256];
    struct capture_file *f;
    enum st st = capture_file_open(arg, &f, err, sizeof(err));
    if (st != ST_OK) {
        cli_error("%s: %s", path, err);
        return EXIT_INPUT;
    }
    const struct capture_stats *cs = capture_stats(cap);
    uint64_t unsupported = cs->unsupported_link;
    struct pkt p;
    while ((st = capture_file_next(f, &p)) == ST_OK)
        capture_packet(cap, &p);
    int rc = EXIT_OK;
    if (st != ST_SHORT) {
        cli_error("%s: %s (the packets before it were analysed)", path,
                  capture_file_error(f));
        rc = EXIT_INPUT;
    }
    if (cs->unsupported_link > unsupported)
        cli_error("%s: warning: %llu packets have link type %u (%s), which is not decoded",
                  path, (unsigned long long)(cs->unsupported_link - unsupported),
                  cs->first_unsupported_link, capture_link_name(cs->first_unsupported_link));
    capture_file_close(f);
    return rc;
}

int cmd_read(int argc, char **argv)
{
    struct read_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    FILE *out = stdout;
    if (o.output && !(out = fopen(o.output, "w"))) {
        cli_error("%s: cannot write: %s", o.output, strerror(errno));
        return EXIT_INPUT;
    }
    static char buf[1 << 16];
    setvbuf(out, buf, _IOFBF, sizeof(buf));
    o.report.color = o.report.format == REPORT_TEXT && want_color(o.color, out);
    struct report *rep = report_new(out, &o.report);
    struct dissect *dis = rep ? dissect_new(&o.dissect, sink, rep) : NULL;
    struct flow_handler h = dis ? dissect_flow_handler(dis) : (struct flow_handler){0};
    struct capture *cap = dis ? capture_new(&o.limits, &h) : NULL;
    if (!cap) {
        cli_error("out of memory");
        rc = EXIT_INPUT;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        int r = read_file(argv[i], cap);
        if (r)
            rc = r;
    }
    capture_flush(cap);
    dissect_finish(dis);
    report_summary(rep, capture_stats(cap), dissect_stats(dis));
out:
    capture_free(cap);
    dissect_free(dis);
    report_free(rep);
    if (fflush(out) != 0 || ferror(out)) {
        cli_error("%s: write error: %s", o.output ? o.output : "standard output",
                  strerror(errno));
        rc = EXIT_INPUT;
    }
    if (out != stdout)
        fclose(out);
    return rc;
}
