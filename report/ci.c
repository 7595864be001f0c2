/* Verdicts for CI. Text and JSON stream one verdict per matching session;
 * JUnit and SARIF are written whole at the end. */
#include "report/ci.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/grow.h"
#include "report/jsonw.h"
#include "rules/rules.h"

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
    time_t started;
};

struct ci_report *ci_new(FILE *out, const struct ci_settings *set)
{
    struct ci_report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->out = out;
    r->set = *set;
    r->started = time(NULL);
    jw_init(&r->jw, out);
    return r;
}

static void free_findings(struct ci_finding *f, size_t n)
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

static const char *fail_on_name(int fail_on)
{
    return fail_on < 0 ? "never" : severity_name((enum severity)fail_on);
}

/* ---- text and JSON, as sessions come ------------------------------------------ */

static void text_verdict(struct ci_report *r, const struct ci_verdict *v)
{
    fprintf(r->out, "%s #%llu  %s -> %s  %s  %s", v->pass ? "PASS" : "FAIL",
            (unsigned long long)v->id, v->client, v->server, v->version[0] ? v->version : "no version",
            v->cipher[0] ? v->cipher : "no cipher");
    if (v->sni[0])
        fprintf(r->out, "  sni=%s", v->sni);
    if (v->mq_channel[0])
        fprintf(r->out, "  mq-channel=%s", v->mq_channel);
    fputc('\n', r->out);
    for (size_t i = 0; i < v->n_items; i++)
        if (!v->items[i].pass)
            fprintf(r->out, "      expected %s, saw %s\n", v->items[i].e->text, v->items[i].seen);
    for (size_t i = 0; i < v->n_findings; i++) {
        const struct ci_finding *f = &v->findings[i];
        if (f->fails)
            fprintf(r->out, "      finding %s %s: %s\n", severity_name(f->severity), f->rule, f->evidence);
    }
}

static void json_finding(struct jw *w, const struct ci_finding *f)
{
    jw_obj(w);
    jw_key_str(w, "rule", f->rule);
    jw_key_str(w, "severity", severity_name(f->severity));
    jw_key_str(w, "title", f->title);
    if (f->subject[0]) {
        jw_key_str(w, "subject", f->subject);
    }
    jw_key_str(w, "evidence", f->evidence);
    jw_key_bool(w, "known", f->known);
    jw_key_bool(w, "fails", f->fails);
    jw_obj_end(w);
}

static void json_verdict(struct ci_report *r, const struct ci_verdict *v)
{
    struct jw *w = &r->jw;
    jw_obj(w);
    jw_key_str(w, "type", "verdict");
    jw_key_uint(w, "id", v->id);
    jw_key_bool(w, "pass", v->pass);
    jw_key_str(w, "client", v->client);
    jw_key_str(w, "server", v->server);
    jw_key_str(w, "sni", v->sni[0] ? v->sni : NULL);
    jw_key_str(w, "mq_channel", v->mq_channel[0] ? v->mq_channel : NULL);
    jw_key_str(w, "version", v->version[0] ? v->version : NULL);
    jw_key_str(w, "cipher", v->cipher[0] ? v->cipher : NULL);
    jw_key(w, "expectations");
    jw_arr(w);
    for (size_t i = 0; i < v->n_items; i++) {
        jw_obj(w);
        jw_key_str(w, "expect", v->items[i].e->text);
        jw_key_bool(w, "pass", v->items[i].pass);
        jw_key_str(w, "seen", v->items[i].seen);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "findings");
    jw_arr(w);
    for (size_t i = 0; i < v->n_findings; i++)
        json_finding(w, &v->findings[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_end_line(w);
}

void ci_session(struct ci_report *r, struct ci_verdict *v)
{
    r->matching++;
    if (!v->pass)
        r->failed++;
    if (r->set.format == CI_TEXT)
        text_verdict(r, v);
    else if (r->set.format == CI_JSON)
        json_verdict(r, v);
    struct ci_verdict *nv = grow_array(r->v, r->n, &r->cap, sizeof(*nv), 16);
    if (!nv) {
        free(v->items);
        free_findings(v->findings, v->n_findings);
        return;
    }
    r->v = nv;
    r->v[r->n++] = *v;
    fflush(r->out);
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

/* ---- JUnit XML ----------------------------------------------------------------- */

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

static void junit_case(FILE *out, const char *classname, const char *name, const char *failure,
                       const char *detail)
{
    fputs("    <testcase classname=\"", out);
    xml_text(out, classname);
    fputs("\" name=\"", out);
    xml_text(out, name);
    fputs("\" time=\"0\"", out);
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

static void junit(struct ci_report *r, FILE *out, const char *extra)
{
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
    tests += 1 + (r->set.fail_on >= 0) + (extra != NULL) + (r->error[0] != 0);
    failures += (r->matching < r->set.require) + (capture_failing > 0) + (extra != NULL) + (r->error[0] != 0);
    char when[32];
    struct tm tm;
    gmtime_r(&r->started, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tlsscope\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%ld\">\n",
            tests, failures, (long)(time(NULL) - r->started));
    fprintf(out, "  <testsuite name=\"tlsscope check ");
    xml_text(out, r->set.source);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%ld\" timestamp=\"%s\">\n",
            tests, failures, (long)(time(NULL) - r->started), when);
    for (size_t i = 0; i < r->n; i++) {
        const struct ci_verdict *v = &r->v[i];
        char cls[400], msg[256];
        snprintf(cls, sizeof(cls), "tlsscope.session-%llu %s -> %s%s%s", (unsigned long long)v->id, v->client,
                 v->server, v->sni[0] ? " sni=" : "", v->sni);
        for (size_t k = 0; k < v->n_items; k++) {
            snprintf(msg, sizeof(msg), "saw %s", v->items[k].seen);
            junit_case(out, cls, v->items[k].e->text, v->items[k].pass ? NULL : msg, NULL);
        }
        if (r->set.fail_on >= 0) {
            size_t failing;
            char *detail = findings_detail(v->findings, v->n_findings, &failing);
            char name[96];
            snprintf(name, sizeof(name), "no new finding at or above %s", fail_on_name(r->set.fail_on));
            snprintf(msg, sizeof(msg), "%zu finding%s at or above %s", failing, failing == 1 ? "" : "s",
                     fail_on_name(r->set.fail_on));
            junit_case(out, cls, name, failing ? msg : NULL, detail);
            free(detail);
        }
    }
    char name[96], msg[160];
    snprintf(name, sizeof(name), "at least %llu matching handshake%s", (unsigned long long)r->set.require,
             r->set.require == 1 ? "" : "s");
    snprintf(msg, sizeof(msg), "%llu seen", (unsigned long long)r->matching);
    junit_case(out, "tlsscope.capture", name, r->matching < r->set.require ? msg : NULL, NULL);
    if (r->set.fail_on >= 0) {
        snprintf(name, sizeof(name), "no new capture-wide finding at or above %s", fail_on_name(r->set.fail_on));
        snprintf(msg, sizeof(msg), "%zu capture-wide finding%s", capture_failing, capture_failing == 1 ? "" : "s");
        junit_case(out, "tlsscope.capture", name, capture_failing ? msg : NULL, capture_detail);
    }
    if (extra)
        junit_case(out, "tlsscope.run", "the command succeeded", extra, NULL);
    if (r->error[0])
        junit_case(out, "tlsscope.capture", "the capture could be read", r->error, NULL);
    fprintf(out, "  </testsuite>\n</testsuites>\n");
    free(capture_detail);
}

/* ---- SARIF 2.1.0 ------------------------------------------------------------------ */

static const char *sarif_level(enum severity s)
{
    return s == SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

static void sarif_result(struct jw *w, const struct ci_report *r, const char *rule, const char *level,
                         const char *text, const char *where, bool known)
{
    jw_obj(w);
    jw_key_str(w, "ruleId", rule);
    jw_key_str(w, "level", level);
    jw_key(w, "message");
    jw_obj(w);
    jw_key_str(w, "text", text);
    jw_obj_end(w);
    jw_key(w, "locations");
    jw_arr(w);
    jw_obj(w);
    jw_key(w, "physicalLocation");
    jw_obj(w);
    jw_key(w, "artifactLocation");
    jw_obj(w);
    jw_key_str(w, "uri", r->set.source);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_key(w, "logicalLocations");
    jw_arr(w);
    jw_obj(w);
    jw_key_str(w, "name", where);
    jw_key_str(w, "kind", "object");
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_arr_end(w);
    jw_key_str(w, "baselineState", known ? "unchanged" : "new");
    jw_obj_end(w);
}

static void sarif_rule(struct jw *w, const char *id, const char *name, const char *text,
                       const char *help, const char *level)
{
    jw_obj(w);
    jw_key_str(w, "id", id);
    jw_key_str(w, "name", name);
    jw_key(w, "shortDescription");
    jw_obj(w);
    jw_key_str(w, "text", name);
    jw_obj_end(w);
    jw_key(w, "fullDescription");
    jw_obj(w);
    jw_key_str(w, "text", text);
    jw_obj_end(w);
    if (help) {
        jw_key(w, "help");
        jw_obj(w);
        jw_key_str(w, "text", help);
        jw_obj_end(w);
    }
    jw_key(w, "defaultConfiguration");
    jw_obj(w);
    jw_key_str(w, "level", level);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void sarif(struct ci_report *r, FILE *out)
{
    struct jw file_jw, *w = &file_jw;
    jw_init(w, out);
    jw_obj(w);
    jw_key_str(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    jw_key_str(w, "version", "2.1.0");
    jw_key(w, "runs");
    jw_arr(w);
    jw_obj(w);
    jw_key(w, "tool");
    jw_obj(w);
    jw_key(w, "driver");
    jw_obj(w);
    jw_key_str(w, "name", "tlsscope");
    jw_key_str(w, "version", TLSSCOPE_VERSION);
    jw_key_str(w, "informationUri", "https://github.com/tlsscope/tlsscope/blob/main/docs/rules.md");
    jw_key(w, "rules");
    jw_arr(w);
    for (size_t i = 0; i < rules_count(); i++) {
        const struct rule_info *ri = rules_at(i);
        const char *fix, *mq;
        rules_advice(i, &fix, &mq);
        sarif_rule(w, ri->id, ri->title, ri->rationale, fix, sarif_level(ri->severity));
    }
    sarif_rule(w, "expectation", "A --expect expectation did not hold",
               "The negotiated facts of a handshake differ from what the pipeline expects.", NULL, "error");
    sarif_rule(w, "require", "Too few matching handshakes",
               "Fewer handshakes matched the filters than --require asks for: nothing was tested.", NULL,
               "error");
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_key(w, "results");
    jw_arr(w);
    char where[400], text[1200];
    for (size_t i = 0; i < r->n; i++) {
        const struct ci_verdict *v = &r->v[i];
        snprintf(where, sizeof(where), "session #%llu %s -> %s%s%s", (unsigned long long)v->id, v->client,
                 v->server, v->sni[0] ? " sni=" : "", v->sni);
        for (size_t k = 0; k < v->n_items; k++) {
            if (v->items[k].pass)
                continue;
            snprintf(text, sizeof(text), "expected %s, saw %s (%s)", v->items[k].e->text, v->items[k].seen,
                     where);
            sarif_result(w, r, "expectation", "error", text, where, false);
        }
        for (size_t k = 0; k < v->n_findings; k++) {
            const struct ci_finding *f = &v->findings[k];
            snprintf(text, sizeof(text), "%s: %s (%s)", f->title, f->evidence, where);
            sarif_result(w, r, f->rule, sarif_level(f->severity), text, where, f->known);
        }
    }
    for (size_t k = 0; k < r->n_capture; k++) {
        const struct ci_finding *f = &r->capture[k];
        snprintf(text, sizeof(text), "%s: %s (%s)", f->title, f->evidence, f->subject);
        sarif_result(w, r, f->rule, sarif_level(f->severity), text, f->subject, f->known);
    }
    if (r->matching < r->set.require) {
        snprintf(text, sizeof(text), "%llu matching handshakes seen, at least %llu required",
                 (unsigned long long)r->matching, (unsigned long long)r->set.require);
        sarif_result(w, r, "require", "error", text, "capture", false);
    }
    if (r->error[0])
        sarif_result(w, r, "input", "error", r->error, "capture", false);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_end_line(w);
}

void ci_set_error(struct ci_report *r, const char *message)
{
    snprintf(r->error, sizeof(r->error), "%s", message);
}

bool ci_finish(struct ci_report *r, const char *extra)
{
    size_t failing_capture = 0;
    for (size_t i = 0; i < r->n_capture; i++)
        failing_capture += r->capture[i].fails;
    r->passed = !r->failed && r->matching >= r->set.require && !failing_capture && !extra && !r->error[0];
    summarize(r, extra, failing_capture);
    switch (r->set.format) {
    case CI_TEXT:
        for (size_t i = 0; i < r->n_capture; i++)
            if (r->capture[i].fails)
                fprintf(r->out, "FAIL capture: %s %s (%s): %s\n", severity_name(r->capture[i].severity),
                        r->capture[i].rule, r->capture[i].subject, r->capture[i].evidence);
        if (r->error[0]) /* nothing can pass on a capture that was not read */
            fprintf(r->out, "ERROR: %s; %s\n", r->error, r->summary);
        else
            fprintf(r->out, "%s: %s\n", r->passed ? "PASS" : "FAIL", r->summary);
        break;
    case CI_JSON: {
        struct jw *w = &r->jw;
        jw_obj(w);
        jw_key_str(w, "type", "result");
        jw_key_bool(w, "pass", r->passed);
        jw_key_str(w, "error", r->error[0] ? r->error : NULL);
        jw_key_uint(w, "matching", r->matching);
        jw_key_uint(w, "failed", r->failed);
        jw_key_uint(w, "required", r->set.require);
        jw_key_str(w, "fail_on", fail_on_name(r->set.fail_on));
        jw_key(w, "expectations");
        jw_arr(w);
        for (size_t i = 0; i < r->set.n_expect; i++)
            jw_str(w, r->set.expect[i].text);
        jw_arr_end(w);
        jw_key(w, "capture_findings");
        jw_arr(w);
        for (size_t i = 0; i < r->n_capture; i++)
            json_finding(w, &r->capture[i]);
        jw_arr_end(w);
        jw_key_str(w, "summary", r->summary);
        jw_obj_end(w);
        jw_end_line(w);
        break;
    }
    default:
        break;
    }
    if (r->set.file && r->set.file_format == CI_JUNIT)
        junit(r, r->set.file, extra);
    else if (r->set.file && r->set.file_format == CI_SARIF)
        sarif(r, r->set.file);
    return r->passed;
}

const char *ci_summary(const struct ci_report *r)
{
    return r->summary;
}
