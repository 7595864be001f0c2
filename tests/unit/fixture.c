#include "tests/unit/fixture.h"

#include <assert.h>
#include <string.h>

static void sink(void *ctx, struct session *s)
{
    struct fx *f = ctx;
    session_free(f->got);
    f->got = s;
}

void fx_open(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    struct dissect_config cfg = dissect_config_default();
    f->d = dissect_new(&cfg, sink, f);
    assert(f->d);
    f->h = dissect_flow_handler(f->d);
    struct flow_info fi = {.a_sent_syn = true, .ts = 1000000000, .packet = 1};
    fi.a.family = fi.b.family = 4;
    fi.a.addr[0] = 10, fi.a.addr[3] = 1, fi.a.port = 40000;
    fi.b.addr[0] = 10, fi.b.addr[3] = 2, fi.b.port = 443;
    f->tf = f->h.open(f->d, &fi);
    assert(f->tf);
}

size_t fx_feed(struct fx *f, int fdir, struct cur c)
{
    struct seg_meta m = {.ts = 2000000000, .packet = 2};
    return f->h.data(f->d, f->tf, fdir, c, &m);
}

struct hsctx fx_hsctx(struct fx *f, int fdir)
{
    struct session *s = tflow_session(f->tf, fdir);
    assert(s);
    struct hsctx h = {.tf = f->tf, .s = s, .fdir = fdir,
                      .sdir = tflow_sdir(f->tf, fdir), .at = {.packet = 2}};
    return h;
}

void fx_close(struct fx *f)
{
    f->h.close(f->d, f->tf, FLOW_END_FIN);
    f->tf = NULL;
    dissect_finish(f->d);
}

void fx_free(struct fx *f)
{
    if (f->tf)
        fx_close(f);
    dissect_free(f->d);
    session_free(f->got);
    memset(f, 0, sizeof(*f));
}

bool fx_has_anomaly(const struct session *s, const char *what)
{
    for (size_t i = 0; i < s->anomalies.n; i++)
        if (strcmp(s->anomalies.v[i].what, what) == 0)
            return true;
    return false;
}
