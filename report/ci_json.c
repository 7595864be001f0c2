/* check -f json: a "verdict" line per matching session as it comes, then
 * one "result" line (docs/ci.md). */
#include "report/ci_internal.h"

#include "rules/rules.h"

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

static void json_result(struct ci_report *r)
{
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
}

const struct ci_format ci_json_format = {.name = "json", .verdict = json_verdict, .result = json_result};
