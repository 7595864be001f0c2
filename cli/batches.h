#pragma once

/* Reading capture files in batches of packets, with one tracker (capture +
 * dissect) or several on threads (-j N).
 *
 * With several trackers, the reading thread decodes each packet once (the
 * decoder counts them) and gives every tracker every packet, with its TCP
 * segment only to the one whose share of the flows it falls in
 * (capture_seg_shard), so each sees the capture's clock and idle sweeps
 * exactly as a single tracker would. Between batches, with every
 * tracker idle, finished sessions are taken from all of them in the order
 * their sessions were made (dissect_pump_all), numbered, and handed on;
 * with several trackers an output thread runs the rules and the report
 * while the next batch is analysed. The output is the same, byte for byte,
 * whatever the number of trackers. */

#include <stdint.h>

#include "capture/capture.h"
#include "dissect/dissect.h"

struct batch_tracker {
    struct capture *capture;
    struct dissect *dissect;
};

struct batches_config {
    struct batch_tracker *trackers;
    size_t n;
    struct capture *decoder; /* with several trackers: decodes and counts */
    /* called in order, on one thread at a time */
    void (*on_session)(void *ctx, struct session *s);
    void (*on_fetch)(void *ctx, const struct revocation_fetch *f);
    void (*on_quiet)(void *ctx, const struct quiet_conn *q);
    void *ctx;
};

struct batches;

/* batches_new - NULL on no memory or when threads cannot be started. */
struct batches *batches_new(const struct batches_config *cfg);
/* batches_packet - analyse this packet (its bytes are copied). */
void batches_packet(struct batches *b, const struct pkt *pk);
/* batches_sync - return when every packet given so far has been analysed
 * and the trackers are idle (to change what they share, e.g. keys). */
void batches_sync(struct batches *b);
/* batches_finish - end of capture: close every flow and hand every session
 * on; returns when the last one has been handled. */
void batches_finish(struct batches *b);
/* batches_sessions - sessions handed on so far. */
uint64_t batches_sessions(const struct batches *b);
/* batches_sink - the sink every tracker's dissect must be given (ctx: the
 * batches). */
void batches_sink(struct batches *b, struct session *s);
void batches_free(struct batches *b);
