/* check -f sarif: SARIF 2.1.0 written whole at the end, for code
 * scanning (docs/ci.md). */
#include "report/ci_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/utc.h"
#include "rules/rules.h"

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

const struct ci_format ci_sarif_format = {.name = "sarif", .file = sarif};
