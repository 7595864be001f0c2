#include "tests/unit/fixture.h"

#include <assert.h>
#include <string.h>

static void sink(void *ctx, struct session *s)
{
    struct fx *f = ctx;
    session_free(f->got);
    f->got = s;
}

/* A dissector and one flow 10.0.0.1:40000 -> 10.0.0.2:443 as fi says. */
static void open_flow(struct fx *f, struct flow_info fi)
{
    memset(f, 0, sizeof(*f));
    struct dissect_config cfg = dissect_config_default();
    f->d = dissect_new(&cfg, sink, f);
    assert(f->d);
    f->h = dissect_flow_handler(f->d);
    fi.ts = 1000000000;
    fi.packet = 1;
    fi.a.family = fi.b.family = 4;
    fi.a.addr[0] = 10, fi.a.addr[3] = 1, fi.a.port = 40000;
    fi.b.addr[0] = 10, fi.b.addr[3] = 2, fi.b.port = 443;
    f->tf = f->h.open(f->d, &fi);
    assert(f->tf);
}

void fx_open(struct fx *f)
{
    open_flow(f, (struct flow_info){.a_sent_syn = true});
}

void fx_open_udp(struct fx *f)
{
    open_flow(f, (struct flow_info){.udp = true});
}

enum flow_verdict fx_datagram(struct fx *f, int fdir, struct cur c, uint64_t packet)
{
    struct seg_meta m = {.ts = 1000000000 + (int64_t)packet * 1000000, .packet = packet};
    return f->h.datagram(f->d, f->tf, fdir, c, (uint32_t)c.left, &m);
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
