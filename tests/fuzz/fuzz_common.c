#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/jsoncheck.h"

static void on_session(void *ctx, struct session *s)
{
    struct pipe *c = ctx;
    rules_eval(c->rules, s);
    report_session(c->json, s);
    report_session(c->text, s);
    session_free(s);
}

static void on_fetch(void *ctx, const struct revocation_fetch *f)
{
    struct pipe *c = ctx;
    rules_fetch(c->rules, f);
}

void pipe_open(struct pipe *c)
{
    c->null = fopen("/dev/null", "w");
    c->json_out = open_memstream(&c->json_text, &c->json_len);
    c->policy = policy_default();
    struct rules_config rc = {.policy = c->policy, .as_of = AS_OF_CAPTURE};
    c->rules = rules_new(&rc);
    struct dissect_config dc = dissect_config_default();
    c->dissect = dissect_new(&dc, on_session, c);
    dissect_on_fetch(c->dissect, on_fetch, c);
    struct flow_handler h = dissect_flow_handler(c->dissect);
    struct capture_limits lim = capture_limits_default();
    c->capture = capture_new(&lim, &h);
    struct report_opts jo = {.format = report_format_named("json")},
                       to = {.format = report_format_named("text"), .verbose = true};
    c->json = report_new(c->json_out, &jo);
    c->text = report_new(c->null, &to);
    if (!c->null || !c->json_out || !c->policy || !c->rules || !c->dissect || !c->capture || !c->json || !c->text)
        abort(); /* out of memory in a harness: not a finding */
}

void *pipe_connection(struct pipe *c, struct flow_handler *h)
{
    *h = dissect_flow_handler(c->dissect);
    struct flow_info fi = {
        .a = {.family = 4, .addr = {10, 0, 0, 1}, .port = 40000},
        .b = {.family = 4, .addr = {10, 0, 0, 2}, .port = 443},
        .a_sent_syn = true, .ts = 1000, .packet = 1,
    };
    return h->open(h->ctx, &fi);
}

void *pipe_datagrams(struct pipe *c, struct flow_handler *h)
{
    *h = dissect_flow_handler(c->dissect);
    struct flow_info fi = {
        .a = {.family = 4, .addr = {10, 0, 0, 1}, .port = 40000},
        .b = {.family = 4, .addr = {10, 0, 0, 2}, .port = 443},
        .udp = true, .ts = 1000, .packet = 1,
    };
    return h->open(h->ctx, &fi);
}

void pipe_finish(struct pipe *c)
{
    capture_flush(c->capture);
    dissect_finish(c->dissect);
    const struct capture_finding *cf;
    size_t n = rules_finish(c->rules, &cf);
    report_capture_findings(c->json, cf, n);
    report_capture_findings(c->text, cf, n);
    report_summary(c->json, capture_stats(c->capture), dissect_stats(c->dissect));
    report_summary(c->text, capture_stats(c->capture), dissect_stats(c->dissect));
}

void pipe_close(struct pipe *c)
{
    capture_free(c->capture);
    dissect_free(c->dissect);
    rules_free(c->rules);
    policy_free(c->policy);
    report_free(c->json);
    report_free(c->text);
    fclose(c->null);
    fclose(c->json_out);
    /* the property: every line the JSON report wrote is strict JSON */
    for (char *line = c->json_text, *end; line && *line; line = end + 1) {
        end = strchr(line, '\n');
        if (!end)
            abort(); /* a report line always ends */
        char why[128];
        if (!json_check(line, (size_t)(end - line), why, sizeof(why))) {
            fprintf(stderr, "not strict JSON (%s): %.*s\n", why, (int)(end - line), line);
            abort();
        }
    }
    free(c->json_text);
}

const char *fuzz_path(const uint8_t *data, size_t size, int *fd)
{
    static char path[64];
    *fd = memfd_create("fuzz", 0);
    if (*fd < 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(*fd, data + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
    return path;
}
