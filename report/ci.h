#pragma once

/* What tlsscope check and run say: a verdict per matching session, then
 * PASS or FAIL, as text, JSON lines, JUnit XML or SARIF 2.1.0. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "include/session.h"
#include "rules/expect.h"

struct ci_report;
struct ci_verdict;

/* A format check writes its verdicts in. Adding one is a file with its
 * entry and a line in report/ci.c's table. */
struct ci_format {
    const char *name;
    /* streamed to out: each matching session's verdict as it comes, and
     * the overall result at the end */
    void (*verdict)(struct ci_report *r, const struct ci_verdict *v);
    void (*result)(struct ci_report *r);
    /* written whole at the end (JUnit, SARIF), with the exit status */
    void (*file)(struct ci_report *r, FILE *out, int exit_status);
    /* does file need the verdicts with nothing to report (every expectation
     * met, no finding)? JUnit makes each a passed testcase; SARIF has
     * results only, and keeps only the others until the end */
    bool file_needs_clean;
};

/* ci_format_named - the format of that name, or NULL. */
const struct ci_format *ci_format_named(const char *name);
/* ci_format_names - "text, json, junit or sarif", in buf. */
const char *ci_format_names(char *buf, size_t len);

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
    const struct ci_format *format; /* a streamed one (text, json), to out */
    FILE *file;               /* JUnit or SARIF written here at the end, or NULL */
    const struct ci_format *file_format; /* a whole-file one (junit, sarif) */
    /* what the user asked to check, in their words ("check a.pcap b.pcap",
     * "run curl https://..."): names the JUnit suite */
    const char *suite;
    char *const *artifacts; /* the capture files read, as given; SARIF artifacts */
    size_t n_artifacts;
    bool baseline;          /* findings were compared with a --baseline */
    bool run;               /* tlsscope run: a command was part of the test */
    bool live;              /* an interface: each verdict put out as it comes */
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
