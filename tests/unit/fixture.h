#pragma once

/* A dissector with one flow (10.0.0.1:40000 -> 10.0.0.2:443, SYN seen),
 * for feeding stream bytes or calling message parsers directly. */

#include "dissect/internal.h"

struct fx {
    struct dissect *d;
    struct flow_handler h;
    struct tflow *tf;
    struct session *got; /* the session handed to the sink */
};

void fx_open(struct fx *f);
/* fx_feed - stream bytes of a flow direction (0 = client to server);
 * returns what the dissector asked to skip. */
size_t fx_feed(struct fx *f, int fdir, struct cur c);
/* fx_open_udp - the same flow as a UDP one (QUIC or DTLS, nothing seen). */
void fx_open_udp(struct fx *f);
/* fx_datagram - one datagram of a UDP flow, in packet `packet`; what the
 * flow is worth after it. */
enum flow_verdict fx_datagram(struct fx *f, int fdir, struct cur c, uint64_t packet);
/* fx_hsctx - a message context for direction fdir (creates the session). */
struct hsctx fx_hsctx(struct fx *f, int fdir);
/* fx_close - end the flow; the session lands in f->got. */
void fx_close(struct fx *f);
void fx_free(struct fx *f);
/* fx_has_anomaly - the session (open or closed) recorded `what`. */
bool fx_has_anomaly(const struct session *s, const char *what);
