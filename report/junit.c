/* check -f junit: JUnit XML written whole at the end, a testcase per
 * expectation of each matching session (docs/ci.md). */
#include "report/ci_internal.h"

#include <stdlib.h>
#include <string.h>

#include "include/utc.h"
#include "rules/rules.h"

static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            /* XML 1.0 has no place for other control characters */
            fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c, out);
        }
    }
}

static void junit_case(FILE *out, const char *classname, const char *name, double seconds,
                       const char *failure, const char *detail)
{
    fputs("    <testcase classname=\"", out);
    xml_text(out, classname);
    fputs("\" name=\"", out);
    xml_text(out, name);
    fprintf(out, "\" time=\"%.3f\"", seconds);
    if (!failure) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n      <failure message=\"", out);
    xml_text(out, failure);
    fputs("\" type=\"tlsscope\">", out);
    xml_text(out, detail ? detail : failure);
    fputs("</failure>\n    </testcase>\n", out);
}

static char *findings_detail(const struct ci_finding *f, size_t n, size_t *failing)
{
    size_t len = 1;
    *failing = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].fails)
            len += strlen(f[i].rule) + strlen(f[i].evidence) + 32, (*failing)++;
    char *buf = malloc(len);
    if (!buf)
        return NULL;
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].fails)
            at += (size_t)snprintf(buf + at, len - at, "%s %s: %s\n", severity_name(f[i].severity),
                                   f[i].rule, f[i].evidence);
    return buf;
}

static int by_server_then_id(const void *a, const void *b)
{
    const struct ci_verdict *x = *(const struct ci_verdict *const *)a, *y = *(const struct ci_verdict *const *)b;
    int c = strcmp(x->server, y->server);
    if (!c)
        c = strcmp(x->sni, y->sni);
    return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* A session's JUnit class: its server and SNI, numbered in the order they
 * came, so the same traffic gives the same ids in every run (the client's
 * ephemeral port would not). Readers split a classname at its dots into
 * Java packages: an address's dots become '_', leaving the one after
 * "tlsscope" as the only package. */
static char **junit_classnames(const struct ci_report *r)
{
    char **names = calloc(r->n ? r->n : 1, sizeof(*names));
    const struct ci_verdict **order = calloc(r->n ? r->n : 1, sizeof(*order));
    if (!names || !order) {
        free(names);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++)
        order[i] = &r->v[i];
    qsort(order, r->n, sizeof(*order), by_server_then_id);
    unsigned long nth = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct ci_verdict *v = order[i];
        bool same = i && !strcmp(order[i - 1]->server, v->server) && !strcmp(order[i - 1]->sni, v->sni);
        nth = same ? nth + 1 : 1;
        char cls[300];
        snprintf(cls, sizeof(cls), "tlsscope.%s%s%s #%lu", v->server, v->sni[0] ? " sni=" : "", v->sni, nth);
        for (char *c = cls + strlen("tlsscope."); *c; c++)
            if (*c == '.')
                *c = '_';
        names[v - r->v] = strdup(cls);
    }
    free(order);
    return names;
}

static void junit(struct ci_report *r, FILE *out, int exit_status)
{
    (void)exit_status; /* SARIF's; JUnit has no place for it */
    bool cmd_fails = r->cmd_failure[0] && r->cmd_failure_counts;
    size_t tests = 0, failures = 0;
    for (size_t i = 0; i < r->n; i++) {
        tests += r->v[i].n_items + (r->set.fail_on >= 0);
        for (size_t k = 0; k < r->v[i].n_items; k++)
            failures += !r->v[i].items[k].pass;
        if (r->set.fail_on >= 0)
            for (size_t k = 0; k < r->v[i].n_findings; k++)
                if (r->v[i].findings[k].fails) {
                    failures++;
                    break;
                }
    }
    size_t capture_failing = 0;
    char *capture_detail = findings_detail(r->capture, r->n_capture, &capture_failing);
    char **classes = junit_classnames(r);
    tests += 1 + (r->set.fail_on >= 0) + r->set.run + (r->error[0] != 0);
    failures += (r->matching < r->set.require) + (capture_failing > 0) + cmd_fails + (r->error[0] != 0);
    double elapsed = seconds_since(&r->started_mono);
    char when[32];
    utc_text(r->started_real.tv_sec, UTC_ISO, when, sizeof(when));
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tlsscope\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
            tests, failures, elapsed);
    fprintf(out, "  <testsuite name=\"tlsscope ");
    xml_text(out, r->set.suite);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\" timestamp=\"%s\">\n",
            tests, failures, elapsed, when);
    for (size_t i = 0; i < r->n; i++) {
        const struct ci_verdict *v = &r->v[i];
        const char *cls = classes && classes[i] ? classes[i] : "tlsscope.session";
        char msg[256];
        for (size_t k = 0; k < v->n_items; k++) {
            snprintf(msg, sizeof(msg), "saw %s", v->items[k].seen);
            junit_case(out, cls, v->items[k].e->text, v->seconds, v->items[k].pass ? NULL : msg, NULL);
        }
        if (r->set.fail_on >= 0) {
            size_t failing;
            char *detail = findings_detail(v->findings, v->n_findings, &failing);
            char name[96];
            snprintf(name, sizeof(name), "no new finding at or above %s", fail_on_name(r->set.fail_on));
            snprintf(msg, sizeof(msg), "%zu finding%s at or above %s", failing, failing == 1 ? "" : "s",
                     fail_on_name(r->set.fail_on));
            junit_case(out, cls, name, v->seconds, failing ? msg : NULL, detail);
            free(detail);
        }
    }
    char name[96], msg[160];
    snprintf(name, sizeof(name), "at least %llu matching handshake%s", (unsigned long long)r->set.require,
             r->set.require == 1 ? "" : "s");
    snprintf(msg, sizeof(msg), "%llu seen", (unsigned long long)r->matching);
    junit_case(out, "tlsscope.capture", name, elapsed, r->matching < r->set.require ? msg : NULL, NULL);
    if (r->set.fail_on >= 0) {
        snprintf(name, sizeof(name), "no new capture-wide finding at or above %s", fail_on_name(r->set.fail_on));
        snprintf(msg, sizeof(msg), "%zu capture-wide finding%s", capture_failing, capture_failing == 1 ? "" : "s");
        junit_case(out, "tlsscope.capture", name, elapsed, capture_failing ? msg : NULL, capture_detail);
    }
    if (r->set.run)
        junit_case(out, "tlsscope.run", "the command succeeded", elapsed, cmd_fails ? r->cmd_failure : NULL, NULL);
    if (r->error[0])
        junit_case(out, "tlsscope.capture", "the capture could be read", elapsed, r->error, NULL);
    fprintf(out, "  </testsuite>\n</testsuites>\n");
    for (size_t i = 0; classes && i < r->n; i++)
        free(classes[i]);
    free(classes);
    free(capture_detail);
}

/* ---- SARIF 2.1.0 ------------------------------------------------------------------ */

/* Where an input file is, as SARIF wants it: relative to the working
 * directory (the uriBaseId) when it lies under it, else an absolute file
 * URI; percent-encoded either way. */

const struct ci_format ci_junit_format = {.name = "junit", .file = junit, .file_needs_clean = true};
