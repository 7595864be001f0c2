/* tlsscope read and tlsscope live: capture files or an interface ->
 * sessions -> findings -> report. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/live.h"
#include "cli/pipeline.h"

static const char read_usage[] =
    "usage: tlsscope read [options] FILE...\n"
    "\n"
    "Analyze capture files: pcap (micro- or nanosecond, either byte order) and\n"
    "pcapng (any mix of link types), either of them gzip-compressed. \"-\" reads\n"
    "standard input. Several files are read as one capture, their packets in\n"
    "timestamp order, so connections spanning rotated files stay whole; packet\n"
    "numbers count on across them. On a terminal, a large capture shows its\n"
    "progress on stderr. Every session is checked by the rules (tlsscope rules\n"
    "lists them) and reported with its findings, worst first; a CSV without\n"
    "the findings columns, and Zeek's logs, skip the rules.\n"
    "\n";

static const char live_intro[] =
    "usage: tlsscope live [options] -i IFACE [FILTER...]\n"
    "\n"
    "Analyze the traffic of an interface as it happens: each session is\n"
    "reported half a second after its handshake completes or fails (text or\n"
    "JSON lines, flushed at once); --count, --duration or Ctrl-C ends the\n"
    "capture with the capture findings, the summary and the kernel's drop counts.\n"
    "Capturing needs root or CAP_NET_RAW; started as root, tlsscope runs as\n"
    "nobody (-Z) once the capture is open.\n"
    "\n";

static const char output_usage[] =
    "output:\n"
    "  -f, --format FMT          text (default); json: one object per line (sessions,\n"
    "                            capture findings, then a summary; docs/json.md);\n"
    "                            zeek: ssl.log, x509.log and quic.log in Zeek's\n"
    "                            layout, into the directory -o names (default: the\n"
    "                            current one);\n"
    "                            csv: a header and a row per session (RFC 4180)\n"
    "  -o, --output PATH         write the report to PATH instead of stdout (zeek: a\n"
    "                            directory, made if missing)\n"
    "      --fields A,B,...      json: only these top-level session fields; csv:\n"
    "                            only these columns, in this order (docs/formats.md)\n"
    "      --color WHEN          auto (default: on a terminal, unless NO_COLOR\n"
    "                            is set), always or never\n"
    "  -q, --quiet               text: print only the capture findings and summary\n"
    "  -v, --verbose             text: include TCP SYN/FIN/RST in timelines, the\n"
    "                            raw fingerprints, and the client's suites,\n"
    "                            extensions, groups and signature algorithms in full\n"
    "\n";

static const char read_usage_end[] =
    "\n"
    "Sizes accept K, M and G suffixes. Exit status: 0 success, 2 usage error\n"
    "(including a malformed policy file), 3 a file (capture, policy, CA file,\n"
    "key log) could not be read, is not a capture, or is damaged or truncated\n"
    "(every session that could be parsed is still reported), or the interface\n"
    "cannot be captured on.\n";

enum { OPT_COLOR = 256, OPT_FIELDS };

struct read_opts {
    bool live;
    struct report_opts report;
    const char *output;
    const char *color;
    struct analysis_opts analysis;
    struct live_opts capture;
};

static void usage(FILE *f, bool live)
{
    fputs(live ? live_intro : read_usage, f);
    fputs(output_usage, f);
    if (live) {
        fputs(live_usage, f);
        fputc('\n', f);
    }
    fputs(analysis_usage, f);
    if (!live)
        fputs(jobs_usage, f);
    fputs(read_usage_end, f);
}

static int parse_args(int argc, char **argv, struct read_opts *o)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"color", required_argument, NULL, OPT_COLOR},
        {"fields", required_argument, NULL, OPT_FIELDS},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        ANALYSIS_LONG_OPTIONS,
        LIVE_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    o->color = "auto";
    analysis_defaults(&o->analysis);
    o->report.format = report_format_named("text");
    optind = 1;
    opterr = 0;
    int c, rc;
    /* options anywhere, as tcpdump and tshark take them; "--" ends them */
    const char *shorts = o->live ? "f:o:qvhi:w:Z:" : "f:o:qvhj:";
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((o->report.format = report_format_named(optarg)))
                break;
            if (strcmp(optarg, "junit") == 0 || strcmp(optarg, "sarif") == 0) {
                cli_error("--format %s is a verdict format: use 'tlsscope check' (or run), which judge "
                          "sessions against expectations", optarg);
            } else {
                char names[128];
                report_format_names(names, sizeof(names));
                cli_error("unknown format '%s' (%s)", optarg, names);
            }
            return EXIT_USAGE;
            break;
        case OPT_FIELDS: o->report.fields = optarg; break;
        case 'o': o->output = optarg; break;
        case 'q': o->report.quiet = true; break;
        case 'j':
            if ((rc = analysis_option(&o->analysis, OPT_JOBS, optarg)) != EXIT_OK)
                return rc;
            break;
        case 'v': o->report.verbose = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                cli_error("--color takes auto, always or never, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->color = optarg;
            break;
        case 'h':
            usage(stdout, o->live);
            return -1;
        default:
            if (c >= ANALYSIS_OPT_FIRST && c < LIVE_OPT_FIRST) {
                if ((rc = analysis_option(&o->analysis, c, optarg)) != EXIT_OK)
                    return rc;
                break;
            }
            if (o->live && (c >= LIVE_OPT_FIRST || c == 'i' || c == 'w' || c == 'Z')) {
                if ((rc = live_option(&o->capture, c, optarg)) != EXIT_OK)
                    return rc;
                break;
            }
            if (!o->live && (c >= LIVE_OPT_FIRST)) {
                const char *name = "that option";
                for (const struct option *l = longs; l->name; l++)
                    if (l->val == c)
                        name = l->name;
                cli_error("read: --%s is for tlsscope live", name);
                return EXIT_USAGE;
            }
            if (o->live && (optopt == 'j' || c == OPT_JOBS)) {
                cli_error("live: -j is for capture files (tlsscope read -j N FILE...)");
                return EXIT_USAGE;
            }
            return cli_bad_option(o->live ? "live" : "read", shorts, argv);
        }
    }
    char err[2048];
    if (o->report.fields && !report_fields_check(o->report.fields, o->report.format, err, sizeof(err))) {
        cli_error("%s", err);
        return EXIT_USAGE;
    }
    if (o->live && o->analysis.jobs > 1) {
        cli_error("live: -j is for capture files (tlsscope read -j N FILE...)");
        return EXIT_USAGE;
    }
    if (o->live) {
        if (!o->capture.iface) {
            cli_error("live: no interface given (-i IFACE; try 'tlsscope live --help')");
            return EXIT_USAGE;
        }
        return live_filter(&o->capture, argc, argv, optind);
    }
    if (optind >= argc) {
        cli_error("read: no capture file given (try 'tlsscope read --help')");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* zeek_logs - DIR/ssl.log, DIR/x509.log and DIR/quic.log, DIR made when
 * missing. */
static bool zeek_logs(const char *dir, FILE *logs[3], char *ssl_path, size_t len)
{
    static const char *const names[3] = {"ssl", "x509", "quic"};
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot make the directory for the Zeek logs: %s", dir, strerror(errno));
        return false;
    }
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.log", dir, names[i]);
        if (i == 0)
            snprintf(ssl_path, len, "%s", path);
        if (!(logs[i] = fopen(path, "w"))) {
            cli_error("%s: cannot write: %s", path, strerror(errno));
            while (i-- > 0)
                fclose(logs[i]);
            return false;
        }
    }
    return true;
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

static int run(int argc, char **argv, bool live)
{
    struct read_opts o = {.live = live};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    struct capture_live *cap = NULL;
    struct pcapng_out *w = NULL;
    FILE *out = stdout, *x509 = NULL, *quic = NULL;
    const char *out_name = o.output ? o.output : "standard output";
    char ssl_path[4096];
    if (o.report.format->directory) {
        /* a directory, as zeek -r writes its logs */
        FILE *logs[3];
        if (!zeek_logs(o.output ? o.output : ".", logs, ssl_path, sizeof(ssl_path)))
            return EXIT_INPUT;
        out = logs[0];
        x509 = o.report.x509_out = logs[1];
        quic = o.report.quic_out = logs[2];
        out_name = ssl_path;
    } else if (o.output && !(out = fopen(o.output, "w"))) {
        cli_error("%s: cannot write: %s", o.output, strerror(errno));
        return EXIT_INPUT;
    }
    static char buf[1 << 16];
    setvbuf(out, buf, _IOFBF, sizeof(buf));
    o.report.color = o.report.format->colors && want_color(o.color, out);
    o.report.app_data = o.analysis.dissect.decrypt_app;
    struct pipeline p = {0};
    o.analysis.keylog_may_wait = live;
    struct report *rep = report_new(out, &o.report);
    rc = rep ? pipeline_open(&p, &o.analysis, rep) : EXIT_INPUT;
    /* files are opened as the user who started us; the capture too, and
     * everything after it runs without root */
    if (rc == EXIT_OK && live)
        rc = live_open(&o.capture, &cap, &w);
    if (rc == EXIT_OK) {
        if (live) {
            rc = live_capture(&p, &o.capture, cap, w);
            cap = NULL;
        } else {
            rc = pipeline_read_files(&p, argv + optind, (size_t)(argc - optind));
        }
        pipeline_finish(&p);
    }
    if (cap) {
        capture_live_close(cap);
        (void)pcapng_out_close(w);
    }
    pipeline_close(&p);
    report_free(rep);
    if (fflush(out) != 0 || ferror(out) || (x509 && (fflush(x509) != 0 || ferror(x509))) ||
        (quic && (fflush(quic) != 0 || ferror(quic)))) {
        cli_error("%s: write error: %s", out_name, strerror(errno));
        rc = EXIT_INPUT;
    }
    if (out != stdout)
        fclose(out);
    if (x509)
        fclose(x509);
    if (quic)
        fclose(quic);
    return rc;
}

int cmd_read(int argc, char **argv)
{
    return run(argc, argv, false);
}

int cmd_live(int argc, char **argv)
{
    return run(argc, argv, true);
}
