#pragma once

/* What check's verdict formats share: the report they write from, and
 * the helpers more than one of them uses. */

#include <time.h>

#include "report/ci.h"
#include "report/jsonw.h"

struct ci_report {
    FILE *out;
    struct ci_settings set;
    struct jw jw;
    struct ci_verdict *v;
    size_t n, cap;
    struct ci_finding *capture;
    size_t n_capture;
    uint64_t matching, failed;
    bool passed;
    char error[512]; /* an input that could not be read: the verdict is ERROR */
    char summary[768];
    char cmd_failure[300]; /* run's command failed: how */
    bool cmd_failure_counts;
    struct timespec started_real, started_mono;
};

/* fail_on_name - --fail-on as the user writes it ("never" for none). */
const char *fail_on_name(int fail_on);
/* seconds_since - from a CLOCK_MONOTONIC time to now. */
double seconds_since(const struct timespec *start);
/* free_findings - n findings and their evidence, then the array. */
void free_findings(struct ci_finding *f, size_t n);

extern const struct ci_format ci_text_format, ci_json_format, ci_junit_format, ci_sarif_format;
