/* check -f text: a line per matching session as it comes, the failed
 * expectations and findings under it, then PASS, FAIL or ERROR. */
#include "report/ci_internal.h"

#include "rules/rules.h"

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

static void text_result(struct ci_report *r)
{
    for (size_t i = 0; i < r->n_capture; i++)
        if (r->capture[i].fails)
            fprintf(r->out, "FAIL capture: %s %s (%s): %s\n", severity_name(r->capture[i].severity),
                    r->capture[i].rule, r->capture[i].subject, r->capture[i].evidence);
    if (r->error[0]) /* nothing can pass on a capture that was not read */
        fprintf(r->out, "ERROR: %s; %s\n", r->error, r->summary);
    else
        fprintf(r->out, "%s: %s\n", r->passed ? "PASS" : "FAIL", r->summary);
}

const struct ci_format ci_text_format = {.name = "text", .verdict = text_verdict, .result = text_result};
