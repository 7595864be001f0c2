/* Verdicts for CI: the report every format writes from (each session's
 * verdict, the capture-wide findings, the overall PASS or FAIL) and the
 * table of formats. Text and JSON (ci_text.c, ci_json.c) stream one
 * verdict per matching session; JUnit and SARIF (junit.c, sarif.c) are
 * written whole at the end. */
#include "report/ci_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/grow.h"
#include "rules/rules.h"

struct ci_report *ci_new(FILE *out, const struct ci_settings *set)
{
    struct ci_report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->out = out;
    r->set = *set;
    clock_gettime(CLOCK_REALTIME, &r->started_real);
    clock_gettime(CLOCK_MONOTONIC, &r->started_mono);
    jw_init(&r->jw, out);
    return r;
}

void free_findings(struct ci_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].evidence);
    free(f);
}

void ci_free(struct ci_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].items);
        free_findings(r->v[i].findings, r->v[i].n_findings);
    }
    free(r->v);
    free_findings(r->capture, r->n_capture);
    free(r);
}

const char *fail_on_name(int fail_on)
{
    return fail_on < 0 ? "never" : severity_name((enum severity)fail_on);
}

double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* every expectation met and no finding: nothing to report but the pass
 * (a verdict passes when its expectations are met and no finding fails) */
static bool clean(const struct ci_verdict *v)
{
    return v->pass && v->n_findings == 0;
}

/* the format of the file written whole at the end (JUnit, SARIF), or NULL */
static const struct ci_format *whole_file(const struct ci_report *r)
{
    return r->set.file && r->set.file_format->file ? r->set.file_format : NULL;
}

/* Does the file written at the end read this verdict again? */
static bool kept(const struct ci_report *r, const struct ci_verdict *v)
{
    const struct ci_format *file = whole_file(r);
    return file && (file->file_needs_clean || !clean(v));
}

void ci_session(struct ci_report *r, struct ci_verdict *v)
{
    r->matching++;
    if (!v->pass)
        r->failed++;
    if (r->set.format->verdict)
        r->set.format->verdict(r, v);
    /* Live, a verdict is news: out at once, even into a pipe. Read from
     * files, a write per session cost 17 % of check on small. */
    if (r->set.live)
        fflush(r->out);
    /* Only a file written whole at the end (JUnit, SARIF) reads them
     * again: text and JSON keep none, so their memory stays flat
     * (200,000 sessions kept took 230 MB). */
    struct ci_verdict *nv = kept(r, v) ? grow_array(r->v, r->n, &r->cap, sizeof(*nv), 16) : NULL;
    if (!nv) {
        free(v->items);
        free_findings(v->findings, v->n_findings);
        return;
    }
    r->v = nv;
    r->v[r->n++] = *v;
}

void ci_capture_findings(struct ci_report *r, struct ci_finding *f, size_t n)
{
    r->capture = f;
    r->n_capture = n;
}

/* ---- the overall verdict --------------------------------------------------------- */

static size_t expectations_text(const struct ci_settings *set, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < set->n_expect && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", set->expect[i].text);
    return n;
}

static void summarize(struct ci_report *r, const char *extra, size_t failing_capture)
{
    char exp[400];
    size_t n = 0, len = sizeof(r->summary);
    expectations_text(&r->set, exp, sizeof(exp));
    char *s = r->summary;
    if (r->matching < r->set.require) {
        n += (size_t)snprintf(s + n, len - n, "%llu matching handshake%s seen, at least %llu required",
                              (unsigned long long)r->matching, r->matching == 1 ? "" : "s",
                              (unsigned long long)r->set.require);
        if (r->set.filters[0])
            n += (size_t)snprintf(s + n, len - n, " (%s)", r->set.filters);
    } else if (r->failed) {
        n += (size_t)snprintf(s + n, len - n, "%llu of %llu matching handshake%s failed",
                              (unsigned long long)r->failed, (unsigned long long)r->matching,
                              r->matching == 1 ? "" : "s");
    } else {
        n += (size_t)snprintf(s + n, len - n, "%llu matching handshake%s",
                              (unsigned long long)r->matching, r->matching == 1 ? "" : "s");
    }
    if (n < len && exp[0])
        n += (size_t)snprintf(s + n, len - n, "; expected %s", exp);
    if (n < len && r->set.fail_on >= 0)
        n += (size_t)snprintf(s + n, len - n, "; fail on new findings at or above %s",
                              fail_on_name(r->set.fail_on));
    if (n < len && failing_capture)
        n += (size_t)snprintf(s + n, len - n, "; %zu capture-wide finding%s at or above it",
                              failing_capture, failing_capture == 1 ? "" : "s");
    if (n < len && extra)
        n += (size_t)snprintf(s + n, len - n, "; %s", extra);
}

void ci_set_error(struct ci_report *r, const char *message)
{
    snprintf(r->error, sizeof(r->error), "%s", message);
}

void ci_command_failed(struct ci_report *r, const char *failure, bool counts)
{
    snprintf(r->cmd_failure, sizeof(r->cmd_failure), "%s", failure);
    r->cmd_failure_counts = counts;
}

bool ci_finish(struct ci_report *r)
{
    size_t failing_capture = 0;
    for (size_t i = 0; i < r->n_capture; i++)
        failing_capture += r->capture[i].fails;
    const char *cmd_fails = r->cmd_failure[0] && r->cmd_failure_counts ? r->cmd_failure : NULL;
    r->passed = !r->failed && r->matching >= r->set.require && !failing_capture && !cmd_fails && !r->error[0];
    summarize(r, cmd_fails, failing_capture);
    if (r->set.format->result)
        r->set.format->result(r);
    return r->passed;
}

void ci_write_file(struct ci_report *r, int exit_status)
{
    if (whole_file(r))
        r->set.file_format->file(r, r->set.file, exit_status);
}

const char *ci_summary(const struct ci_report *r)
{
    return r->summary;
}

/* ---- the formats ---------------------------------------------------------------- */

static const struct ci_format *const formats[] = {
    &ci_text_format,
    &ci_json_format,
    &ci_junit_format,
    &ci_sarif_format,
};

const struct ci_format *ci_format_named(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

const char *ci_format_names(char *buf, size_t len)
{
    size_t n = 0, count = sizeof(formats) / sizeof(formats[0]);
    buf[0] = 0;
    for (size_t i = 0; i < count && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : i + 1 == count ? " or " : ", ",
                              formats[i]->name);
    return buf;
}
