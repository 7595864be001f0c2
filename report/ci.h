#pragma once

/* What tlsscope check and run say: a verdict per matching session, then
 * PASS or FAIL, as text, JSON lines, JUnit XML or SARIF 2.1.0. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "include/session.h"
#include "rules/expect.h"

enum ci_format { CI_TEXT, CI_JSON, CI_JUNIT, CI_SARIF };

struct ci_item {
    const struct expectation *e;
    bool pass;
    char seen[160];
};

/* A finding judged against --fail-on and the baseline. */
struct ci_finding {
    char rule[48], title[120], subject[128];
    enum severity severity;
    char *evidence; /* owned */
    bool known;     /* in the baseline */
    bool fails;     /* at or above --fail-on and not known */
};

struct ci_verdict {
    uint64_t id;
    int artifact;   /* index into ci_settings.artifacts; -1: none (live, stdin) */
    double seconds; /* the handshake's duration, or the connection's seen */
    char client[64], server[64], sni[128], version[24], cipher[80], mq_channel[24];
    bool pass;
    struct ci_item *items;
    size_t n_items;
    struct ci_finding *findings;
    size_t n_findings;
};

struct ci_settings {
    enum ci_format format;    /* CI_TEXT or CI_JSON, streamed to out */
    FILE *file;               /* JUnit or SARIF written here at the end, or NULL */
    enum ci_format file_format;
    /* what the user asked to check, in their words ("check a.pcap b.pcap",
     * "run curl https://..."): names the JUnit suite */
    const char *suite;
    char *const *artifacts; /* the capture files read, as given; SARIF artifacts */
    size_t n_artifacts;
    bool baseline;          /* findings were compared with a --baseline */
    bool run;               /* tlsscope run: a command was part of the test */
    int argc;               /* tlsscope's own arguments, for SARIF's invocation */
    char *const *argv;
    const struct expectation *expect;
    size_t n_expect;
    int fail_on;          /* a severity, or -1 for never */
    uint64_t require;     /* at least this many matching handshakes */
    const char *filters;  /* --sni/--server/--mq-channel as written, or "" */
};

struct ci_report;

struct ci_report *ci_new(FILE *out, const struct ci_settings *set);
/* ci_session - a matching session's verdict (taken over by the report). */
void ci_session(struct ci_report *r, struct ci_verdict *v);
/* ci_capture_findings - findings about the capture as a whole (taken over). */
void ci_capture_findings(struct ci_report *r, struct ci_finding *f, size_t n);
/* ci_command_failed - run's command failed (exited non-zero, was killed or
 * stopped); `counts`: the verdict fails for it (no --allow-cmd-failure). */
void ci_command_failed(struct ci_report *r, const char *failure, bool counts);
/* ci_finish - the overall verdict, streamed in text or JSON. Returns
 * whether it passed. */
bool ci_finish(struct ci_report *r);
/* ci_write_file - JUnit or SARIF, once the exit status is known. */
void ci_write_file(struct ci_report *r, int exit_status);
/* ci_set_error - an input could not be read (whole): the verdict is ERROR
 * whatever was judged, with this message as its reason. */
void ci_set_error(struct ci_report *r, const char *message);
/* ci_summary - the overall verdict in words, once finished. */
const char *ci_summary(const struct ci_report *r);
void ci_free(struct ci_report *r);
