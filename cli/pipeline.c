#include "cli/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

const char analysis_usage[] =
    "analysis:\n"
    "      --policy FILE         thresholds, allowed ciphers, MQ channel settings and\n"
    "                            rules to disable (key = value lines; docs/rules.md)\n"
    "      --as-of WHEN          the clock certificates are judged against: capture\n"
    "                            (default: each session's own time), now, or a date\n"
    "                            (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, UTC); every\n"
    "                            finding names the clock it used\n"
    "      --now WHEN            the same as --as-of\n"
    "      --ca-file FILE        PEM CA certificates: verify every chain against them\n"
    "                            at the capture's time and report OpenSSL's reason\n"
    "      --mq-port PORT        treat PORT as IBM MQ (repeatable; 1414 always is)\n"
    "\n"
    "decryption:\n"
    "      --keylog FILE         an NSS key log (SSLKEYLOGFILE): decrypt the TLS 1.3\n"
    "                            handshake (certificates, alerts, ALPN) and TLS 1.2\n"
    "                            Finished, alerts and renegotiations; without this\n"
    "                            option $SSLKEYLOGFILE is used when set. Secrets in\n"
    "                            pcapng Decryption Secrets Blocks are always used\n"
    "      --decrypt-app         also decrypt application data and show its length\n"
    "                            and first bytes\n"
    "\n"
    "limits (memory stays bounded on any input; hitting one is reported):\n"
    "      --max-flows N         TCP connections tracked at once (1000000)\n"
    "      --max-ooo-bytes N     out-of-order bytes buffered per connection\n"
    "                            (4M); beyond it a hole is declared a gap\n"
    "      --idle-timeout SEC    forget connections idle this long in capture\n"
    "                            time (300)\n"
    "      --max-handshake-bytes N  largest handshake message parsed (1M)\n";

void analysis_defaults(struct analysis_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limits = capture_limits_default();
    o->dissect = dissect_config_default();
    o->as_of = AS_OF_CAPTURE;
    const char *env = getenv("SSLKEYLOGFILE");
    if (env && *env) {
        o->keylog_file = env;
        o->keylog_from_env = true;
    }
}

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

static bool parse_date(const char *s, int64_t *out)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z") != 0))
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

int analysis_option(struct analysis_opts *o, int opt, const char *arg)
{
    static const char *const names[] = {"max-flows", "max-ooo-bytes", "idle-timeout",
                                        "max-handshake-bytes"};
    size_t n;
    switch (opt) {
    case OPT_MAX_FLOWS:
    case OPT_MAX_OOO:
    case OPT_IDLE:
    case OPT_MAX_HS:
        if (!parse_size(arg, &n)) {
            cli_error("'%s' is not a positive number for --%s", arg, names[opt - OPT_MAX_FLOWS]);
            return EXIT_USAGE;
        }
        if (opt == OPT_MAX_FLOWS)
            o->limits.max_flows = n;
        else if (opt == OPT_MAX_OOO)
            o->limits.ooo_per_flow = n;
        else if (opt == OPT_IDLE)
            o->limits.idle_timeout = (int64_t)n * 1000000000;
        else
            o->dissect.max_handshake_msg = n;
        return EXIT_OK;
    case OPT_POLICY:
        o->policy_file = arg;
        return EXIT_OK;
    case OPT_CA_FILE:
        o->ca_file = arg;
        return EXIT_OK;
    case OPT_AS_OF:
        if (strcmp(arg, "capture") == 0) {
            o->as_of = AS_OF_CAPTURE;
        } else if (strcmp(arg, "now") == 0) {
            o->as_of = AS_OF_NOW;
            o->as_of_time = (int64_t)time(NULL);
        } else if (parse_date(arg, &o->as_of_time)) {
            o->as_of = AS_OF_DATE;
        } else {
            cli_error("--as-of takes capture, now or a date like 2026-01-31, not '%s'", arg);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    case OPT_KEYLOG:
        o->keylog_file = arg;
        o->keylog_from_env = false;
        return EXIT_OK;
    case OPT_DECRYPT_APP:
        o->dissect.decrypt_app = true;
        return EXIT_OK;
    case OPT_MQ_PORT: {
        char *end;
        long port = strtol(arg, &end, 10);
        if (*end || port < 1 || port > 65535 || o->n_mq_ports == ARRAY_LEN(o->mq_ports)) {
            cli_error("--mq-port takes a TCP port number, not '%s'", arg);
            return EXIT_USAGE;
        }
        o->mq_ports[o->n_mq_ports++] = (uint16_t)port;
        return EXIT_OK;
    }
    default:
        return EXIT_USAGE;
    }
}

/* ---- the pipeline ------------------------------------------------------------------ */

static void on_session(void *ctx, struct session *s)
{
    struct pipeline *p = ctx;
    rules_eval(p->rules, s);
    if (s->ch.present)
        p->handshakes++;
    if (p->on_session)
        p->on_session(p->ctx, s);
    if (p->report && (!p->keep || p->keep(p->ctx, s)))
        report_session(p->report, s);
    if (!p->take || !p->take(p->ctx, s))
        session_free(s);
}

enum { KEYLOG_WARNINGS_SHOWN = 10 };

static void on_keylog_warning(void *ctx, const char *message)
{
    struct pipeline *p = ctx;
    if (p->keylog_warnings++ < KEYLOG_WARNINGS_SHOWN)
        cli_error("warning: %s", message);
}

/* Key log lines carried in the capture itself. */
static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t n)
{
    struct pipeline *p = ctx;
    if (type != CAPTURE_SECRETS_TLS_KEYLOG) {
        cli_error("%s: warning: a decryption secrets block of type %#x is not a TLS key log; ignored",
                  p->reading, (unsigned)type);
        return;
    }
    char origin[300];
    snprintf(origin, sizeof(origin), "%s (decryption secrets block)", p->reading);
    keylog_add_text(p->keylog, origin, (const char *)data, n);
    if (!p->keylog_attached) {
        dissect_use_keylog(p->dissect, p->keylog);
        p->keylog_attached = true;
    }
}

static void on_fetch(void *ctx, const struct revocation_fetch *f)
{
    struct pipeline *p = ctx;
    rules_fetch(p->rules, f);
}

int pipeline_open(struct pipeline *p, const struct analysis_opts *o, struct report *rep)
{
    char err[512];
    p->report = rep;
    if (o->policy_file) {
        /* unreadable is an input error (3), malformed a usage error (2) */
        if (access(o->policy_file, R_OK) != 0) {
            cli_error("%s: %s", o->policy_file, strerror(errno));
            return EXIT_INPUT;
        }
        p->policy = policy_load(o->policy_file, err, sizeof(err));
        if (!p->policy) {
            cli_error("%s", err);
            return EXIT_USAGE;
        }
    } else if (!(p->policy = policy_default())) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    for (size_t i = 0; i < o->n_mq_ports; i++)
        if (!policy_add_mq_port(p->policy, o->mq_ports[i])) {
            cli_error("too many MQ ports");
            return EXIT_USAGE;
        }
    struct rules_config rc = {.policy = p->policy, .as_of = o->as_of, .as_of_time = o->as_of_time};
    p->rules = rules_new(&rc);
    p->dissect = p->rules ? dissect_new(&o->dissect, on_session, p) : NULL;
    if (!p->dissect) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    if (dissect_load_trust(p->dissect, o->ca_file, true, err, sizeof(err)) != ST_OK) {
        cli_error("%s: %s", o->ca_file, err);
        return EXIT_INPUT;
    }
    p->keylog = keylog_new(on_keylog_warning, p);
    if (!p->keylog) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    if (o->keylog_file) {
        if (keylog_load_file(p->keylog, o->keylog_file, err, sizeof(err)) != ST_OK) {
            cli_error("%s: %s%s", o->keylog_file, err,
                      o->keylog_from_env ? " (named by SSLKEYLOGFILE)" : "");
            return EXIT_INPUT;
        }
        dissect_use_keylog(p->dissect, p->keylog);
        p->keylog_attached = true;
    }
    dissect_on_fetch(p->dissect, on_fetch, p);
    struct flow_handler h = dissect_flow_handler(p->dissect);
    p->capture = capture_new(&o->limits, &h);
    if (!p->capture) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

int pipeline_read_file(struct pipeline *p, const char *arg)
{
    const char *path = strcmp(arg, "-") == 0 ? "standard input" : arg;
    char err[256];
    struct capture_file *f;
    enum st st = capture_file_open(arg, &f, err, sizeof(err));
    if (st != ST_OK) {
        cli_error("%s: %s", path, err);
        return EXIT_INPUT;
    }
    p->reading = path;
    capture_file_on_secrets(f, on_secrets, p);
    const struct capture_stats *cs = capture_stats(p->capture);
    uint64_t unsupported = cs->unsupported_link;
    struct pkt pk;
    while ((st = capture_file_next(f, &pk)) == ST_OK) {
        /* several files are one capture: numbers count on */
        pk.no = ++p->packets_read;
        if (pk.no < p->window_first)
            continue;
        if (p->window_last && pk.no > p->window_last) {
            st = ST_SHORT;
            break;
        }
        if (p->on_packet)
            p->on_packet(p->ctx, &pk);
        capture_packet(p->capture, &pk);
    }
    int rc = EXIT_OK;
    if (st != ST_SHORT) {
        cli_error("%s: %s (the packets before it were analysed)", path, capture_file_error(f));
        rc = EXIT_INPUT;
    }
    if (cs->unsupported_link > unsupported)
        cli_error("%s: warning: %llu packets have link type %u (%s), which is not decoded", path,
                  (unsigned long long)(cs->unsupported_link - unsupported),
                  cs->first_unsupported_link, capture_link_name(cs->first_unsupported_link));
    capture_file_close(f);
    return rc;
}

void pipeline_finish(struct pipeline *p)
{
    capture_flush(p->capture);
    dissect_finish(p->dissect);
    keylog_flush(p->keylog);
    if (p->keylog_warnings > KEYLOG_WARNINGS_SHOWN)
        cli_error("warning: %llu more malformed key log lines skipped",
                  (unsigned long long)(p->keylog_warnings - KEYLOG_WARNINGS_SHOWN));
    const struct capture_finding *cf;
    size_t n = rules_finish(p->rules, &cf);
    if (p->on_capture_findings)
        p->on_capture_findings(p->ctx, cf, n);
    if (!p->report || p->sessions_only)
        return;
    report_capture_findings(p->report, cf, n);
    report_summary(p->report, capture_stats(p->capture), dissect_stats(p->dissect));
}

void pipeline_close(struct pipeline *p)
{
    capture_free(p->capture);
    dissect_free(p->dissect);
    rules_free(p->rules);
    policy_free(p->policy);
    keylog_free(p->keylog);
    memset(p, 0, sizeof(*p));
}
