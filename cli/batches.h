#pragma once

/* Reading capture files in batches of packets, with one tracker (capture +
 * dissect) or several on threads (-j N).
 *
 * With several trackers, every tracker gets every packet and decodes it:
 * each reads the files itself (batches_read), or, for input that can be
 * read only once, gets copies from one reading thread (batches_packet).
 * Each follows only the segments in its share of the flows
 * (capture_seg_shard), and sees the capture's clock and idle sweeps
 * exactly as a single tracker would; the first one's counts of packets
 * stand for all. Between batches, with every tracker idle, finished
 * sessions are taken from all of them in the order their sessions were
 * made (dissect_pump_all), numbered, and handed on; with several trackers
 * an output thread runs the rules and the report while the next batch is
 * analysed. The output is the same, byte for byte, whatever the number of
 * trackers. */

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
    bool threaded; /* the trackers and the output on threads of their own */
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
/* batches_read - with several trackers: each reads the packets itself,
 * from its own reader (readers[i] for tracker i, each giving the same
 * packets), on its own thread, after start(); returns when all are read
 * and analysed. Packets then never cross from one core to another. */
void batches_read(struct batches *b, void (*start)(void *reader), bool (*next)(void *reader, struct pkt *pk),
                  void *const *readers);
/* batches_meet - called by every tracker reading in batches_read, at the
 * same packet: returns when all are there, after one of them ran fn
 * (to change what they share, e.g. keys). */
void batches_meet(struct batches *b, void (*fn)(void *arg), void *arg);
/* batches_sync - return when every packet given so far has been analysed
 * and the trackers are idle (to change what they share, e.g. keys). */
void batches_sync(struct batches *b);
/* batches_finish - end of capture: close every flow and hand every session
 * on; returns when the last one has been handled. */
void batches_finish(struct batches *b);
/* batches_sessions - sessions handed on so far. */
uint64_t batches_sessions(const struct batches *b);
/* batches_backlog - items handed to the output thread and not yet
 * handled (0 without one); any thread may ask. */
size_t batches_backlog(const struct batches *b);
/* batches_sink - the sink every tracker's dissect must be given (ctx: the
 * batches). */
void batches_sink(struct batches *b, struct session *s);
void batches_free(struct batches *b);
