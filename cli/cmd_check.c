/* tlsscope check and tlsscope run: expectations and findings turned into a
 * verdict and an exit status a CI pipeline can act on. */
#include "cli/cli.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/baseline.h"
#include "cli/live.h"
#include "cli/pipeline.h"
#include "cli/run_capture.h"
#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "report/ci.h"

static const char check_intro[] =
    "usage: tlsscope check [options] FILE...\n"
    "       tlsscope check [options] -i IFACE [FILTER...]\n"
    "\n"
    "Check every TLS handshake of capture files or of a live capture against\n"
    "expectations and the rules' findings: one verdict line per matching\n"
    "handshake, then PASS or FAIL saying what was expected and what was seen.\n"
    "\n";

static const char run_intro[] =
    "usage: tlsscope run [options] -i IFACE [FILTER...] -- COMMAND [ARG...]\n"
    "\n"
    "Capture on IFACE while COMMAND runs, then check what it did. The capture\n"
    "is running before COMMAND starts; COMMAND gets SSLKEYLOGFILE pointing at a\n"
    "private key log, so TLS 1.3 certificates are checked too; after it exits\n"
    "the last packets are collected and the handshakes checked as by check.\n"
    "COMMAND runs as the user tlsscope was started as; the capture itself\n"
    "continues as -Z's user.\n"
    "\n";

static const char check_usage[] =
    "expectations (applied to every matching handshake):\n"
    "  -e, --expect KEY=VALUE    repeatable; KEY is version (also version>=1.2,\n"
    "                            >, <=, <, !=), cipher (IANA name, MQ CipherSpec,\n"
    "                            MQ list such as ANY_TLS12_OR_HIGHER, or 0xHHHH),\n"
    "                            cipher-any-of (a,b,...), group, sni (glob), alpn,\n"
    "                            mq-channel, mq-cipherspec, cert-key (rsa,\n"
    "                            ecdsa-256, cert-key>=rsa-2048), established,\n"
    "                            resumed (true/false)\n"
    "      --fail-on SEVERITY    fail on a finding at or above info, low, medium or\n"
    "                            high (default), or never\n"
    "      --baseline FILE       JSON output of an earlier run: fail only on\n"
    "                            findings it does not have\n"
    "      --require N           fail unless at least N handshakes match (default 1)\n"
    "which handshakes:\n"
    "      --sni PATTERN         only those asking for this server name (glob)\n"
    "      --server ADDR:PORT    only those to this server (ADDR, ADDR:PORT, :PORT)\n"
    "      --mq-channel NAME     only those to this IBM MQ channel\n"
    "output:\n"
    "  -f, --format FMT          text (default), json (a verdict object per\n"
    "                            handshake, then a result), junit or sarif\n"
    "  -o, --output PATH         write the junit/sarif/json report to PATH; the\n"
    "                            text verdicts still go to stdout for junit/sarif\n"
    "\n";

static const char run_usage[] =
    "      --allow-cmd-failure   do not count COMMAND's failure (a check that\n"
    "                            expects the handshake to fail, say)\n"
    "      (with run, --duration SEC stops COMMAND after SEC seconds, a failure)\n"
    "\n";

static const char check_usage_end[] =
    "\n"
    "Exit status: 0 every expectation held, enough handshakes matched and no new\n"
    "finding reached --fail-on (and for run, COMMAND succeeded); 1 otherwise;\n"
    "2 usage error (a bad --expect names the text); 3 a file could not be read,\n"
    "the interface cannot be captured on, or COMMAND could not be started.\n";

enum {
    OPT_FAIL_ON = 1024,
    OPT_BASELINE,
    OPT_REQUIRE,
    OPT_SNI,
    OPT_SERVER,
    OPT_MQ_CHANNEL,
    OPT_ALLOW_CMD_FAILURE,
};

enum { MAX_EXPECT = 32 };

struct check_opts {
    bool run;
    const struct ci_format *format;
    const char *output;
    struct expectation expect[MAX_EXPECT];
    size_t n_expect;
    int fail_on;
    uint64_t require;
    const char *baseline_file;
    struct session_filter filter;
    char filters_text[512];
    bool allow_cmd_failure;
    struct analysis_opts analysis;
    struct live_opts capture;
    char **files;
    int n_files;
    char **cmd;
};

static void usage(FILE *f, bool run)
{
    fputs(run ? run_intro : check_intro, f);
    fputs(check_usage, f);
    if (run)
        fputs(run_usage, f);
    fputs(live_usage, f);
    fputc('\n', f);
    fputs(analysis_usage, f);
    if (!run)
        fputs(jobs_usage, f);
    fputs(check_usage_end, f);
}

static void note_filter(struct check_opts *o, const char *opt, const char *arg)
{
    size_t n = strlen(o->filters_text);
    snprintf(o->filters_text + n, sizeof(o->filters_text) - n, "%s%s %s", n ? " " : "", opt, arg);
}

static int parse_severity(const char *arg, int *out)
{
    static const char *const names[] = {"info", "low", "medium", "high"};
    if (strcmp(arg, "never") == 0) {
        *out = -1;
        return EXIT_OK;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = i;
            return EXIT_OK;
        }
    cli_error("--fail-on takes info, low, medium, high or never, not '%s'", arg);
    return EXIT_USAGE;
}

/* While reading: errors still go to stderr, and the last one is kept. */
struct last_error {
    char message[512];
};

static void keep_error(const char *message, void *ctx)
{
    struct last_error *last = ctx;
    snprintf(last->message, sizeof(last->message), "%s", message);
    fprintf(stderr, "tlsscope: %s\n", message);
}

static int parse_args(int argc, char **argv, struct check_opts *o)
{
    static const struct option longs[] = {
        {"expect", required_argument, NULL, 'e'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"require", required_argument, NULL, OPT_REQUIRE},
        {"sni", required_argument, NULL, OPT_SNI},
        {"server", required_argument, NULL, OPT_SERVER},
        {"mq-channel", required_argument, NULL, OPT_MQ_CHANNEL},
        {"allow-cmd-failure", no_argument, NULL, OPT_ALLOW_CMD_FAILURE},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        ANALYSIS_LONG_OPTIONS,
        LIVE_LONG_OPTIONS,
        {0, 0, 0, 0},
    };
    o->fail_on = SEV_HIGH;
    o->require = 1;
    analysis_defaults(&o->analysis);
    /* run: everything after "--" is the command */
    int end = argc;
    for (int i = 1; o->run && i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            end = i;
            o->cmd = argv + i + 1;
            break;
        }
    optind = 1;
    opterr = 0;
    int c, rc;
    char err[300], *tail;
    while ((c = getopt_long(end, argv, "e:f:o:hi:w:Z:j:", longs, NULL)) != -1) {
        switch (c) {
        case 'j':
            if ((rc = analysis_option(&o->analysis, OPT_JOBS, optarg)) != EXIT_OK)
                return rc;
            break;
        case 'e':
            if (o->n_expect == MAX_EXPECT) {
                cli_error("more than %d --expect", MAX_EXPECT);
                return EXIT_USAGE;
            }
            if (!expectation_parse(optarg, &o->expect[o->n_expect], err, sizeof(err))) {
                cli_error("%s", err);
                return EXIT_USAGE;
            }
            o->n_expect++;
            break;
        case OPT_FAIL_ON:
            if ((rc = parse_severity(optarg, &o->fail_on)) != EXIT_OK)
                return rc;
            break;
        case OPT_BASELINE:
            o->baseline_file = optarg;
            break;
        case OPT_REQUIRE:
            errno = 0;
            o->require = strtoull(optarg, &tail, 10);
            if (errno || *tail || tail == optarg || *optarg == '-') {
                cli_error("--require takes a number of handshakes, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_SNI:
            o->filter.sni = optarg;
            note_filter(o, "--sni", optarg);
            break;
        case OPT_SERVER:
            if (!filter_server(optarg, &o->filter, err, sizeof(err))) {
                cli_error("%s", err);
                return EXIT_USAGE;
            }
            note_filter(o, "--server", optarg);
            break;
        case OPT_MQ_CHANNEL:
            if (strlen(optarg) > MQ_CHANNEL_MAX) {
                cli_error("--mq-channel '%s': MQ channel names have at most %d characters", optarg,
                          MQ_CHANNEL_MAX);
                return EXIT_USAGE;
            }
            o->filter.mq_channel = optarg;
            note_filter(o, "--mq-channel", optarg);
            break;
        case OPT_ALLOW_CMD_FAILURE:
            if (!o->run) {
                cli_error("check: --allow-cmd-failure is for tlsscope run");
                return EXIT_USAGE;
            }
            o->allow_cmd_failure = true;
            break;
        case 'f':
            if ((o->format = ci_format_named(optarg)) == NULL) {
                char names[64];
                if (!strcmp(optarg, "zeek") || !strcmp(optarg, "csv"))
                    cli_error("--format %s is a report format: use 'tlsscope read' (or live); check "
                              "writes %s verdicts", optarg, ci_format_names(names, sizeof(names)));
                else
                    cli_error("unknown format '%s' (%s)", optarg, ci_format_names(names, sizeof(names)));
                return EXIT_USAGE;
            }
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'h':
            usage(stdout, o->run);
            return -1;
        default:
            if (c >= ANALYSIS_OPT_FIRST && c < LIVE_OPT_FIRST) {
                if ((rc = analysis_option(&o->analysis, c, optarg)) != EXIT_OK)
                    return rc;
                break;
            }
            if (c >= LIVE_OPT_FIRST || c == 'i' || c == 'w' || c == 'Z') {
                if ((rc = live_option(&o->capture, c, optarg)) != EXIT_OK)
                    return rc;
                break;
            }
            return cli_bad_option(o->run ? "run" : "check", "e:f:o:hi:w:Z:j:", argv);
        }
    }
    const char *name = o->run ? "run" : "check";
    if (o->run && o->capture.count) {
        cli_error("run: --count is for live and check -i (run stops when the command does)");
        return EXIT_USAGE;
    }
    if (o->run) {
        if (!o->capture.iface) {
            cli_error("run: no interface given (-i IFACE; try 'tlsscope run --help')");
            return EXIT_USAGE;
        }
        if (!o->cmd || !o->cmd[0]) {
            cli_error("run: no command given (... -- COMMAND [ARG...])");
            return EXIT_USAGE;
        }
    }
    if (o->capture.iface && o->analysis.jobs > 1) {
        cli_error("%s: -j is for capture files; a live capture is followed on one thread", name);
        return EXIT_USAGE;
    }
    if (o->capture.iface)
        return live_filter(&o->capture, end, argv, optind);
    if (o->capture.write_path || o->capture.count || o->capture.duration || o->capture.user ||
        o->capture.fanout) {
        cli_error("%s: -w, --count, --duration and -Z need -i IFACE", name);
        return EXIT_USAGE;
    }
    if (optind >= end) {
        cli_error("%s: no capture file and no interface (-i IFACE) given", name);
        return EXIT_USAGE;
    }
    o->files = argv + optind;
    o->n_files = end - optind;
    return EXIT_OK;
}

/* ---- judging sessions ------------------------------------------------------------------- */

struct checker {
    struct check_opts *o;
    struct ci_report *ci;
    struct baseline baseline;
    struct pipeline *pipeline;
};

static void endpoint_str(const struct endpoint *e, char *out, size_t len)
{
    char ip[64] = "?";
    inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof(ip));
    snprintf(out, len, e->family == 6 ? "[%s]:%u" : "%s:%u", ip, e->port);
}

static void fill_finding(struct ci_finding *cf, const struct finding *f, const char *key,
                         const struct checker *k)
{
    memset(cf, 0, sizeof(*cf));
    snprintf(cf->rule, sizeof(cf->rule), "%s", f->rule);
    snprintf(cf->title, sizeof(cf->title), "%s", f->title);
    cf->severity = f->severity;
    cf->evidence = strdup(f->evidence ? f->evidence : "");
    cf->known = baseline_has(&k->baseline, key);
    cf->fails = k->o->fail_on >= 0 && (int)f->severity >= k->o->fail_on && !cf->known;
}

static void on_session(void *ctx, const struct session *s)
{
    struct checker *k = ctx;
    if (!s->ch.present || !filter_match(&k->o->filter, s))
        return;
    struct ci_verdict v = {.id = s->id, .pass = true, .artifact = -1};
    if (!k->o->run && !k->o->capture.iface)
        v.artifact = (int)pipeline_packet_file(k->pipeline, s->packet_first);
    else if (k->o->capture.write_path)
        v.artifact = 0; /* the capture kept with -w */
    double ms = session_handshake_ms(s);
    v.seconds = ms >= 0 ? ms / 1e3 : (double)(s->ts_last - s->ts_first) / 1e9;
    endpoint_str(&s->client, v.client, sizeof(v.client));
    endpoint_str(&s->server, v.server, sizeof(v.server));
    if (s->ch.sni.n) {
        const struct bytes *b = &s->ch.sni.v[0];
        size_t n = b->len < sizeof(v.sni) - 1 ? b->len : sizeof(v.sni) - 1;
        for (size_t i = 0; i < n; i++)
            v.sni[i] = b->p[i] >= 0x20 && b->p[i] < 0x7f ? (char)b->p[i] : '?';
    }
    char buf[REG_LABEL_LEN];
    if (s->has_version)
        snprintf(v.version, sizeof(v.version), "%s", registry_version_label(s->version, buf));
    if (s->has_cipher)
        snprintf(v.cipher, sizeof(v.cipher), "%s", registry_cipher_label(s->cipher, buf));
    bool canonical;
    char channel[MQ_CHANNEL_MAX + 1];
    if (s->ch.sni.n && mq_sni_decode(s->ch.sni.v[0].p, s->ch.sni.v[0].len, channel, &canonical))
        snprintf(v.mq_channel, sizeof(v.mq_channel), "%s", channel);
    /* none allocated for none: JUnit keeps every verdict to the end */
    v.items = k->o->n_expect ? calloc(k->o->n_expect, sizeof(*v.items)) : NULL;
    v.findings = s->findings.n ? calloc(s->findings.n, sizeof(*v.findings)) : NULL;
    if ((k->o->n_expect && !v.items) || (s->findings.n && !v.findings)) {
        free(v.items);
        free(v.findings);
        return;
    }
    for (size_t i = 0; i < k->o->n_expect; i++) {
        struct ci_item *it = &v.items[v.n_items++];
        it->e = &k->o->expect[i];
        it->pass = expectation_met(it->e, s, it->seen, sizeof(it->seen));
        v.pass &= it->pass;
    }
    for (size_t i = 0; i < s->findings.n; i++) {
        char key[600];
        baseline_session_key(key, sizeof(key), s->findings.v[i].rule, v.server, v.sni);
        struct ci_finding *cf = &v.findings[v.n_findings++];
        fill_finding(cf, &s->findings.v[i], key, k);
        v.pass &= !cf->fails;
    }
    ci_session(k->ci, &v);
}

static void on_capture_findings(void *ctx, const struct capture_finding *f, size_t n)
{
    struct checker *k = ctx;
    struct ci_finding *out = calloc(n ? n : 1, sizeof(*out));
    if (!out)
        return;
    for (size_t i = 0; i < n; i++) {
        char key[600];
        baseline_capture_key(key, sizeof(key), f[i].f.rule, f[i].subject);
        fill_finding(&out[i], &f[i].f, key, k);
        snprintf(out[i].subject, sizeof(out[i].subject), "%s", f[i].subject);
    }
    ci_capture_findings(k->ci, out, n);
}

/* ---- the command ------------------------------------------------------------------- */

/* What the user asked to check, in their words: the files, the interface
 * and filter, or run's command (never the temporary capture). */
static void suite_name(const struct check_opts *o, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "%s", o->run ? "run" : "check");
    if (o->capture.iface && !o->run)
        n += (size_t)snprintf(out + n, len - n, " -i %s", o->capture.iface);
    if (o->capture.iface && !o->run && o->capture.filter[0])
        n += (size_t)snprintf(out + n, len - n, " '%s'", o->capture.filter);
    char *const *words = o->run ? o->cmd : o->capture.iface ? NULL : o->files;
    size_t count = 0;
    while (words && words[count] && (o->run || count < (size_t)o->n_files))
        count++;
    for (size_t i = 0; i < count && n < len; i++) {
        size_t need = strlen(words[i]) + 1;
        if (n + need + 16 >= len) {
            snprintf(out + n, len - n, " and %zu more", count - i);
            return;
        }
        n += (size_t)snprintf(out + n, len - n, " %s", words[i]);
    }
}

static int check_main(int argc, char **argv, bool run)
{
    static struct check_opts o;
    memset(&o, 0, sizeof(o));
    o.run = run;
    o.format = ci_format_named("text");
    /* as given, for the reports: getopt reorders argv */
    char **args = calloc((size_t)argc + 1, sizeof(*args));
    if (!args) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    memcpy(args, argv, (size_t)argc * sizeof(*args));
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(args);
        return rc < 0 ? EXIT_OK : rc;
    }
    struct pipeline p = {.on_session = on_session, .on_capture_findings = on_capture_findings,
                         .track_packet_files = true};
    struct checker k = {.o = &o, .pipeline = &p};
    p.ctx = &k;
    if (o.baseline_file && (rc = baseline_load(&k.baseline, o.baseline_file)) != EXIT_OK) {
        free(args);
        return rc;
    }

    /* run: the command's traffic and key log land in a private directory */
    char tmpdir[] = "/tmp/tlsscope-run-XXXXXX", capture_path[300] = "", keylog_path[64] = "";
    char cmd_failure[200] = "";
    bool interrupted = false;
    bool have_tmp = false;
    if (run) {
        if (!mkdtemp(tmpdir)) {
            cli_error("run: cannot make a temporary directory: %s", strerror(errno));
            baseline_free(&k.baseline);
            free(args);
            return EXIT_INPUT;
        }
        have_tmp = true;
        snprintf(capture_path, sizeof(capture_path), "%s",
                 o.capture.write_path ? o.capture.write_path : "");
        if (!capture_path[0])
            snprintf(capture_path, sizeof(capture_path), "%s/capture.pcapng", tmpdir);
        snprintf(keylog_path, sizeof(keylog_path), "%s/keys.log", tmpdir);
        int fd = open(keylog_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            cli_error("%s: %s", keylog_path, strerror(errno));
            rc = EXIT_INPUT;
        } else {
            close(fd);
        }
        if (!o.analysis.keylog_file || o.analysis.keylog_from_env)
            o.analysis.keylog_file = keylog_path;
        o.analysis.keylog_from_env = false;
    }

    FILE *out = stdout, *file = NULL;
    bool machine = o.format->file != NULL;
    if (rc == EXIT_OK && o.output && !(file = fopen(o.output, "w"))) {
        cli_error("%s: cannot write: %s", o.output, strerror(errno));
        rc = EXIT_INPUT;
    }
    if (file && !machine)
        out = file;
    char suite[600];
    suite_name(&o, suite, sizeof(suite));
    char *kept[] = {(char *)o.capture.write_path};
    bool live = run || o.capture.iface;
    struct ci_settings set = {
        .format = machine ? ci_format_named("text") : o.format,
        .file = machine ? (file ? file : stdout) : NULL,
        .file_format = o.format,
        .suite = suite,
        .artifacts = live ? kept : o.files,
        .n_artifacts = live ? (o.capture.write_path != NULL) : (size_t)o.n_files,
        .baseline = o.baseline_file != NULL,
        .run = run,
        .live = live,
        .argc = argc,
        .argv = args,
        .expect = o.expect,
        .n_expect = o.n_expect,
        .fail_on = o.fail_on,
        .require = o.require,
        .filters = o.filters_text,
    };
    /* junit/sarif on stdout: nothing else may go there */
    FILE *devnull = machine && !file ? fopen("/dev/null", "w") : NULL;
    if (rc == EXIT_OK && !(k.ci = ci_new(devnull ? devnull : out, &set)))
        rc = EXIT_INPUT;
    /* files are read as the user who started us: before giving up root */
    o.analysis.keylog_may_wait = live;
    if (rc == EXIT_OK)
        rc = pipeline_open(&p, &o.analysis, NULL);
    struct capture_live *cap = NULL;
    struct pcapng_out *w = NULL;
    if (rc == EXIT_OK && run)
        rc = run_capture(&o.capture, o.cmd, &(struct run_files){tmpdir, capture_path, keylog_path}, cmd_failure,
                         sizeof(cmd_failure), &interrupted);
    else if (rc == EXIT_OK && o.capture.iface)
        rc = live_open(&o.capture, &cap, &w);
    if (rc == EXIT_OK) {
        int read_rc = EXIT_OK;
        /* the reading error becomes the verdict's reason as well */
        struct last_error last = {0};
        cli_error_redirect(keep_error, &last);
        if (run) {
            read_rc = pipeline_read_file(&p, capture_path);
        } else if (cap) {
            read_rc = live_capture(&p, &o.capture, cap, w);
            cap = NULL;
        } else {
            read_rc = pipeline_read_files(&p, o.files, (size_t)o.n_files);
        }
        cli_error_redirect(NULL, NULL);
        if (read_rc == EXIT_INPUT)
            ci_set_error(k.ci, last.message[0] ? last.message : "a capture could not be read");
        pipeline_finish(&p);
        if (cmd_failure[0]) {
            /* stopped on the user's word, the command has not failed: the
             * handshakes it made are judged as they are */
            bool counts = !o.allow_cmd_failure && !interrupted;
            char said[300];
            snprintf(said, sizeof(said), "%s%s", cmd_failure,
                     interrupted || counts ? "" : " (allowed by --allow-cmd-failure)");
            ci_command_failed(k.ci, said, counts);
            if (!counts)
                cli_error("run: %s", said);
        }
        bool passed = ci_finish(k.ci);
        rc = read_rc ? read_rc : passed ? EXIT_OK : EXIT_FAIL;
        ci_write_file(k.ci, rc);
    }
    if (cap) {
        capture_live_close(cap);
        (void)pcapng_out_close(w);
    }
    pipeline_close(&p);
    ci_free(k.ci);
    baseline_free(&k.baseline);
    if (devnull)
        fclose(devnull);
    if (fflush(stdout) != 0 || (file && (fflush(file) != 0 || ferror(file)))) {
        cli_error("%s: write error: %s", file ? o.output : "standard output", strerror(errno));
        rc = EXIT_INPUT;
    }
    if (file)
        fclose(file);
    if (have_tmp) {
        unlink(keylog_path);
        if (!o.capture.write_path)
            unlink(capture_path);
        rmdir(tmpdir);
    }
    free(args);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    return check_main(argc, argv, false);
}

int cmd_run(int argc, char **argv)
{
    return check_main(argc, argv, true);
}
