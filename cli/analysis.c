/* The analysis options: their help text, defaults and parsing. */
#include "cli/analysis.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    "      --max-flows N         TCP connections tracked at once (262144); beyond\n"
    "                            it the least recently active one is evicted\n"
    "      --max-ooo-bytes N     out-of-order bytes buffered per connection,\n"
    "                            each segment with its own cost (4M); beyond it\n"
    "                            a hole is declared a gap\n"
    "      --max-ooo-total N     and over all connections (256M)\n"
    "      --idle-timeout SEC    forget connections idle this long in capture\n"
    "                            time (300; DTLS and QUIC flows 60 at most)\n"
    "      --max-handshake-bytes N  largest handshake message parsed (1M); this\n"
    "                            bounds a certificate too\n"
    "      --max-chain N         certificates kept per chain (32)\n"
    "      --max-keylog-entries N  client randoms kept from key logs (1000000)\n";

/* Only capture files are read on several threads: live capture and run
 * refuse -j, so their help does not offer it. */
const char jobs_usage[] =
    "\n"
    "speed:\n"
    "  -j, --jobs N              analyse capture files on N threads (1; the output\n"
    "                            is the same whatever N): each follows its share of\n"
    "                            the connections, but one writes the report for\n"
    "                            json, text and zeek; the limits above are shared\n"
    "                            out. Where connections seldom begin (fewer than\n"
    "                            150 per MB at the start of the files), one thread\n"
    "                            follows them all, since every thread reads every\n"
    "                            byte; a gzip-compressed file is inflated by one\n"
    "                            thread for all, in place of one that follows\n";

void analysis_defaults(struct analysis_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limits = capture_limits_default();
    o->dissect = dissect_config_default();
    o->as_of = AS_OF_CAPTURE;
    o->jobs = 1;
    o->max_keylog_entries = KEYLOG_DEFAULT_ENTRIES;
    o->progress = true;
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
    size_t n;
    switch (opt) {
    case OPT_MAX_OOO_TOTAL:
    case OPT_MAX_CHAIN:
    case OPT_MAX_KEYLOG:
        if (!parse_size(arg, &n)) {
            cli_error("'%s' is not a positive number for --%s", arg,
                      opt == OPT_MAX_OOO_TOTAL ? "max-ooo-total" : opt == OPT_MAX_CHAIN ? "max-chain"
                                                                          : "max-keylog-entries");
            return EXIT_USAGE;
        }
        if (opt == OPT_MAX_OOO_TOTAL)
            o->limits.ooo_total = n;
        else if (opt == OPT_MAX_CHAIN)
            o->dissect.max_certs = n;
        else
            o->max_keylog_entries = n;
        return EXIT_OK;
    case OPT_MAX_FLOWS:
    case OPT_MAX_OOO:
    case OPT_IDLE:
    case OPT_MAX_HS: {
        static const char *const names[] = {"max-flows", "max-ooo-bytes", "idle-timeout",
                                            "max-handshake-bytes"};
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
    }
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
    case OPT_JOBS: {
        char *end;
        long jobs = strtol(arg, &end, 10);
        if (*end || end == arg || jobs < 1 || jobs > MAX_JOBS) {
            cli_error("-j takes a number of threads from 1 to %d, not '%s'", MAX_JOBS, arg);
            return EXIT_USAGE;
        }
        o->jobs = (unsigned)jobs;
        return EXIT_OK;
    }
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
