#pragma once

/* The options every analysing command (read, live, check, run, tui)
 * takes: capture limits, the rules' policy and clocks, key logs, -j. */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "dissect/dissect.h"
#include "rules/rules.h"

enum { MAX_JOBS = 64 };

struct analysis_opts {
    struct capture_limits limits;
    struct dissect_config dissect;
    const char *policy_file;
    const char *ca_file;
    enum as_of as_of;
    int64_t as_of_time;
    uint16_t mq_ports[16];
    size_t n_mq_ports;
    const char *keylog_file; /* --keylog, else $SSLKEYLOGFILE */
    bool keylog_from_env;
    unsigned jobs; /* -j: threads analysing capture files, at most MAX_JOBS */
    size_t max_keylog_entries;
    bool progress; /* a progress line while reading files, on a terminal */
    /* a live capture: the key log may not exist yet (read as it appears) */
    bool keylog_may_wait;
};

/* Long options every analysing command accepts; ids start at
 * ANALYSIS_OPT_FIRST. */
enum {
    ANALYSIS_OPT_FIRST = 512,
    OPT_MAX_FLOWS = ANALYSIS_OPT_FIRST,
    OPT_MAX_OOO,
    OPT_IDLE,
    OPT_MAX_HS,
    OPT_POLICY,
    OPT_AS_OF,
    OPT_CA_FILE,
    OPT_MQ_PORT,
    OPT_KEYLOG,
    OPT_DECRYPT_APP,
    OPT_JOBS,
    OPT_MAX_OOO_TOTAL,
    OPT_MAX_CHAIN,
    OPT_MAX_KEYLOG,
};

#define ANALYSIS_LONG_OPTIONS                                                  \
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},                     \
    {"max-ooo-bytes", required_argument, NULL, OPT_MAX_OOO},                   \
    {"idle-timeout", required_argument, NULL, OPT_IDLE},                       \
    {"max-handshake-bytes", required_argument, NULL, OPT_MAX_HS},              \
    {"policy", required_argument, NULL, OPT_POLICY},                           \
    {"as-of", required_argument, NULL, OPT_AS_OF},                             \
    {"now", required_argument, NULL, OPT_AS_OF},                               \
    {"ca-file", required_argument, NULL, OPT_CA_FILE},                         \
    {"mq-port", required_argument, NULL, OPT_MQ_PORT},                         \
    {"keylog", required_argument, NULL, OPT_KEYLOG},                           \
    {"decrypt-app", no_argument, NULL, OPT_DECRYPT_APP},                       \
    {"jobs", required_argument, NULL, OPT_JOBS},                               \
    {"max-ooo-total", required_argument, NULL, OPT_MAX_OOO_TOTAL},             \
    {"max-chain", required_argument, NULL, OPT_MAX_CHAIN},                     \
    {"max-keylog-entries", required_argument, NULL, OPT_MAX_KEYLOG}

/* The --help text for those options. */
extern const char analysis_usage[];
extern const char jobs_usage[];

void analysis_defaults(struct analysis_opts *o);
/* analysis_option - handle one option of ANALYSIS_LONG_OPTIONS; returns
 * EXIT_OK, or EXIT_USAGE after printing why. */
int analysis_option(struct analysis_opts *o, int opt, const char *arg);
