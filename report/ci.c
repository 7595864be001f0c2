/* Verdicts for CI. Text and JSON stream one verdict per matching session;
 * JUnit and SARIF are written whole at the end. */
#include "report/ci.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "include/grow.h"
#include "include/utc.h"
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
    char cmd_failure[300]; /* run's command failed: how */
    bool cmd_failure_counts;
    struct timespec started_real, started_mono;
};

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

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void junit(struct ci_report *r, FILE *out)
{
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
struct sarif_where {
    char uri[1024];
    bool relative; /* to SRCROOT */
};

#define SARIF_BASE "SRCROOT"

static const char *sarif_level(enum severity s)
{
    return s == SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

static void pct_encode(char *out, size_t len, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)path; *c && n + 4 < len; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~/", *c)) {
            out[n++] = (char)*c;
        } else {
            out[n++] = '%';
            out[n++] = hex[*c >> 4];
            out[n++] = hex[*c & 15];
        }
    }
    out[n] = 0;
}

/* path without "." segments and with "a/.." folded; false when it climbs
 * above where it starts */
static bool path_normalize(const char *path, char *out, size_t len)
{
    size_t n = 0;
    bool absolute = path[0] == '/';
    if (absolute && len > 1)
        out[n++] = '/';
    out[n] = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        size_t seg = strcspn(p, "/");
        if (!seg)
            break;
        if (seg == 1 && p[0] == '.') {
            /* nothing */
        } else if (seg == 2 && p[0] == '.' && p[1] == '.') {
            if (n <= (size_t)absolute)
                return false;
            while (n > (size_t)absolute && out[n - 1] != '/')
                n--;
            if (n > (size_t)absolute)
                n--;
            out[n] = 0;
        } else {
            if (n + seg + 2 >= len)
                return false;
            if (n > (size_t)absolute)
                out[n++] = '/';
            memcpy(out + n, p, seg);
            n += seg;
            out[n] = 0;
        }
        p += seg;
    }
    return true;
}

static bool sarif_locate(const char *path, const char *cwd, struct sarif_where *w)
{
    char norm[900], abs[1800];
    if (!strcmp(path, "-"))
        return false; /* standard input is nowhere a viewer can open */
    if (path[0] != '/' && path_normalize(path, norm, sizeof(norm))) {
        pct_encode(w->uri, sizeof(w->uri), norm);
        w->relative = true;
        return true;
    }
    if (path[0] == '/')
        snprintf(abs, sizeof(abs), "%s", path);
    else
        snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
    if (!path_normalize(abs, norm, sizeof(norm)))
        return false;
    size_t cl = strlen(cwd);
    w->relative = cl > 1 && !strncmp(norm, cwd, cl) && norm[cl] == '/';
    if (w->relative) {
        pct_encode(w->uri, sizeof(w->uri), norm + cl + 1);
    } else {
        char enc[sizeof(w->uri) - 8];
        pct_encode(enc, sizeof(enc), norm);
        snprintf(w->uri, sizeof(w->uri), "file://%s", enc);
    }
    return true;
}

struct sarif_ctx {
    struct jw *w;
    const struct ci_report *r;
    struct sarif_where *where; /* one per artifact */
    bool *located;
};

static void sarif_artifact_location(const struct sarif_ctx *x, size_t i, bool with_index)
{
    jw_obj(x->w);
    jw_key_str(x->w, "uri", x->where[i].uri);
    if (x->where[i].relative)
        jw_key_str(x->w, "uriBaseId", SARIF_BASE);
    if (with_index)
        jw_key_uint(x->w, "index", i);
    jw_obj_end(x->w);
}

static void sarif_location(const struct sarif_ctx *x, int artifact, const char *logical)
{
    struct jw *w = x->w;
    jw_obj(w);
    if (artifact >= 0) {
        jw_key(w, "physicalLocation");
        jw_obj(w);
        jw_key(w, "artifactLocation");
        sarif_artifact_location(x, (size_t)artifact, true);
        jw_obj_end(w);
    }
    jw_key(w, "logicalLocations");
    jw_arr(w);
    jw_obj(w);
    jw_key_str(w, "name", logical);
    jw_key_str(w, "kind", "object");
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
}

enum { SARIF_ALL_FILES = -1 };

/* artifact: the input file the result is about, SARIF_ALL_FILES for a
 * capture-wide result; a result with no file to point at (live, standard
 * input) has the session or capture as its logical location alone */
static void sarif_result(const struct sarif_ctx *x, const char *rule, const char *level, const char *text,
                         const char *logical, int artifact, bool known, const char *identity)
{
    struct jw *w = x->w;
    jw_obj(w);
    jw_key_str(w, "ruleId", rule);
    /* what the result is about, without the client's ephemeral port, so
     * that code scanning follows one alert from run to run (the baseline's
     * key: rule, server and SNI, or rule and subject) */
    jw_key(w, "partialFingerprints");
    jw_obj(w);
    jw_key_str(w, "tlsscopeIdentity/v1", identity);
    jw_obj_end(w);
    jw_key_str(w, "level", level);
    jw_key(w, "message");
    jw_obj(w);
    jw_key_str(w, "text", text);
    jw_obj_end(w);
    jw_key(w, "locations");
    jw_arr(w);
    size_t placed = 0;
    for (size_t i = 0; i < x->r->set.n_artifacts; i++)
        if (x->located[i] && (artifact == SARIF_ALL_FILES || (size_t)artifact == i)) {
            sarif_location(x, (int)i, logical);
            placed++;
        }
    if (!placed)
        sarif_location(x, -1, logical);
    jw_arr_end(w);
    if (x->r->set.baseline) /* compared with one: SARIF says nothing otherwise */
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

static void sarif_driver(struct jw *w)
{
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
    sarif_rule(w, "input", "A capture could not be read",
               "A capture file or interface could not be read whole: what it held was not all judged.", NULL,
               "error");
    sarif_rule(w, "command", "The command under test failed",
               "The command tlsscope run started exited with a failure, was killed, or was stopped.", NULL,
               "error");
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void iso_millis(const struct timespec *t, char *out, size_t len)
{
    utc_text_ns((int64_t)t->tv_sec * 1000000000 + t->tv_nsec, UTC_ISO, 3, out, len);
    snprintf(out + strlen(out), len - strlen(out), "Z");
}

/* The command line as a shell would take it back. */
static void command_line(const struct ci_settings *set, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "tlsscope");
    for (int i = 0; i < set->argc && n < len; i++) {
        const char *a = set->argv[i];
        bool plain = *a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                     "-_./=:,+@%") == strlen(a);
        n += (size_t)snprintf(out + n, len - n, plain ? " %s" : " '", a);
        for (const char *c = a; !plain && *c && n < len; c++)
            n += (size_t)snprintf(out + n, len - n, *c == '\'' ? "'\\''" : "%c", *c);
        if (!plain && n < len)
            n += (size_t)snprintf(out + n, len - n, "'");
    }
}

static void sarif_invocation(const struct sarif_ctx *x, int exit_status, const char *cwd_uri)
{
    struct jw *w = x->w;
    const struct ci_report *r = x->r;
    char cmd[4096], when[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    jw_key(w, "invocations");
    jw_arr(w);
    jw_obj(w);
    command_line(&r->set, cmd, sizeof(cmd));
    jw_key_str(w, "commandLine", cmd);
    iso_millis(&r->started_real, when, sizeof(when));
    jw_key_str(w, "startTimeUtc", when);
    iso_millis(&now, when, sizeof(when));
    jw_key_str(w, "endTimeUtc", when);
    jw_key_int(w, "exitCode", exit_status);
    jw_key_str(w, "exitCodeDescription", r->error[0] ? "a capture could not be read"
                                         : r->passed ? "passed" : "failed");
    /* the tool did its work unless an input stopped it; a failed check is
     * a finished one */
    jw_key_bool(w, "executionSuccessful", !r->error[0]);
    if (cwd_uri[0]) {
        jw_key(w, "workingDirectory");
        jw_obj(w);
        jw_key_str(w, "uri", cwd_uri);
        jw_obj_end(w);
    }
    if (r->error[0] || r->cmd_failure[0]) {
        jw_key(w, "toolExecutionNotifications");
        jw_arr(w);
        if (r->error[0]) {
            jw_obj(w);
            jw_key_str(w, "level", "error");
            jw_key(w, "message");
            jw_obj(w);
            jw_key_str(w, "text", r->error);
            jw_obj_end(w);
            jw_obj_end(w);
        }
        if (r->cmd_failure[0]) {
            jw_obj(w);
            jw_key_str(w, "level", r->cmd_failure_counts ? "error" : "warning");
            jw_key(w, "message");
            jw_obj(w);
            jw_key_str(w, "text", r->cmd_failure);
            jw_obj_end(w);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
    jw_arr_end(w);
}

static void sarif(struct ci_report *r, FILE *out, int exit_status)
{
    struct jw file_jw, *w = &file_jw;
    char cwd[900] = "", cwd_uri[1100] = "";
    if (getcwd(cwd, sizeof(cwd))) {
        char enc[1000];
        pct_encode(enc, sizeof(enc), cwd);
        snprintf(cwd_uri, sizeof(cwd_uri), "file://%s%s", enc, strcmp(cwd, "/") ? "/" : "");
    }
    size_t na = r->set.n_artifacts;
    struct sarif_where *where = calloc(na ? na : 1, sizeof(*where));
    bool *located = calloc(na ? na : 1, sizeof(*located));
    if (!where || !located) {
        free(where);
        free(located);
        return;
    }
    bool any_relative = false;
    for (size_t i = 0; i < na; i++) {
        located[i] = sarif_locate(r->set.artifacts[i], cwd, &where[i]);
        any_relative |= located[i] && where[i].relative;
    }
    struct sarif_ctx x = {.w = w, .r = r, .where = where, .located = located};
    jw_init(w, out);
    jw_obj(w);
    jw_key_str(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    jw_key_str(w, "version", "2.1.0");
    jw_key(w, "runs");
    jw_arr(w);
    jw_obj(w);
    sarif_driver(w);
    if (any_relative && cwd_uri[0]) {
        jw_key(w, "originalUriBaseIds");
        jw_obj(w);
        jw_key(w, SARIF_BASE);
        jw_obj(w);
        jw_key_str(w, "uri", cwd_uri);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_key(w, "artifacts");
    jw_arr(w);
    for (size_t i = 0; i < na; i++) {
        /* an artifact per input, in order, so that "index" is its place */
        jw_obj(w);
        if (located[i]) {
            jw_key(w, "location");
            sarif_artifact_location(&x, i, false);
        } else {
            jw_key(w, "description");
            jw_obj(w);
            jw_key_str(w, "text", "standard input");
            jw_obj_end(w);
        }
        jw_key(w, "roles");
        jw_arr(w);
        jw_str(w, "analysisTarget");
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    sarif_invocation(&x, exit_status, cwd_uri);
    jw_key(w, "results");
    jw_arr(w);
    char logical[400], text[1200], identity[600];
    for (size_t i = 0; i < r->n; i++) {
        const struct ci_verdict *v = &r->v[i];
        snprintf(logical, sizeof(logical), "session #%llu %s -> %s%s%s", (unsigned long long)v->id, v->client,
                 v->server, v->sni[0] ? " sni=" : "", v->sni);
        for (size_t k = 0; k < v->n_items; k++) {
            if (v->items[k].pass)
                continue;
            snprintf(text, sizeof(text), "expected %s, saw %s (%s)", v->items[k].e->text, v->items[k].seen,
                     logical);
            snprintf(identity, sizeof(identity), "expect %s|%s|%s", v->items[k].e->text, v->server, v->sni);
            sarif_result(&x, "expectation", "error", text, logical, v->artifact, false, identity);
        }
        for (size_t k = 0; k < v->n_findings; k++) {
            const struct ci_finding *f = &v->findings[k];
            snprintf(text, sizeof(text), "%s: %s (%s)", f->title, f->evidence, logical);
            snprintf(identity, sizeof(identity), "%s|%s|%s", f->rule, v->server, v->sni);
            sarif_result(&x, f->rule, sarif_level(f->severity), text, logical, v->artifact, f->known, identity);
        }
    }
    for (size_t k = 0; k < r->n_capture; k++) {
        const struct ci_finding *f = &r->capture[k];
        snprintf(text, sizeof(text), "%s: %s (%s)", f->title, f->evidence, f->subject);
        snprintf(identity, sizeof(identity), "%s|capture|%s", f->rule, f->subject);
        sarif_result(&x, f->rule, sarif_level(f->severity), text, f->subject, SARIF_ALL_FILES, f->known, identity);
    }
    if (r->matching < r->set.require) {
        snprintf(text, sizeof(text), "%llu matching handshakes seen, at least %llu required",
                 (unsigned long long)r->matching, (unsigned long long)r->set.require);
        sarif_result(&x, "require", "error", text, "capture", SARIF_ALL_FILES, false, "require");
    }
    if (r->error[0]) {
        /* the file the error names, when one does */
        int named = SARIF_ALL_FILES;
        for (size_t i = 0; i < na; i++) {
            size_t l = strlen(r->set.artifacts[i]);
            if (!strncmp(r->error, r->set.artifacts[i], l) && r->error[l] == ':')
                named = (int)i;
        }
        sarif_result(&x, "input", "error", r->error, "capture", named, false, "input");
    }
    if (r->cmd_failure[0] && r->cmd_failure_counts)
        sarif_result(&x, "command", "error", r->cmd_failure, "command", SARIF_ALL_FILES, false, "command");
    jw_arr_end(w);
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_end_line(w);
    free(where);
    free(located);
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
    return r->passed;
}

void ci_write_file(struct ci_report *r, int exit_status)
{
    if (r->set.file && r->set.file_format == CI_JUNIT)
        junit(r, r->set.file);
    else if (r->set.file && r->set.file_format == CI_SARIF)
        sarif(r, r->set.file, exit_status);
}

const char *ci_summary(const struct ci_report *r)
{
    return r->summary;
}
