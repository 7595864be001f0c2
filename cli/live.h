#pragma once

/* Capturing from an interface for live, check -i and run: options, the
 * capture loop feeding a pipeline, and giving up root once the capture
 * device is open. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/pipeline.h"

struct live_opts {
    const char *iface;
    char filter[2048];      /* BPF words joined, or "" */
    const char *write_path; /* -w: keep the raw capture as pcapng */
    uint64_t count;         /* stop after this many handshakes (0: no limit) */
    double duration;        /* seconds (0: no limit) */
    const char *user;       /* -Z: the user to run as once capturing (root only) */
    int fanout;             /* --fanout: AF_PACKET fanout group, 0: none */
};

enum {
    LIVE_OPT_FIRST = 768,
    OPT_COUNT = LIVE_OPT_FIRST,
    OPT_DURATION,
    OPT_FANOUT,
};

#define LIVE_LONG_OPTIONS                                                      \
    {"interface", required_argument, NULL, 'i'},                               \
    {"write", required_argument, NULL, 'w'},                                   \
    {"count", required_argument, NULL, OPT_COUNT},                             \
    {"duration", required_argument, NULL, OPT_DURATION},                       \
    {"user", required_argument, NULL, 'Z'},                                    \
    {"fanout", required_argument, NULL, OPT_FANOUT}

extern const char live_usage[];

/* live_option - handle -i, -w, -Z, --count, --duration, --fanout; EXIT_OK
 * or EXIT_USAGE. */
int live_option(struct live_opts *o, int opt, const char *arg);
/* live_filter - the words from argv[first] on, as one BPF expression. */
int live_filter(struct live_opts *o, int argc, char **argv, int first);
/* live_open - start capturing, open -w, then drop privileges. */
int live_open(const struct live_opts *o, struct capture_live **cap, struct pcapng_out **w);
/* live_capture - feed the pipeline until --count, --duration, a signal
 * (SIGINT, SIGTERM) or a capture error; the exit status. */
int live_capture(struct pipeline *p, const struct live_opts *o, struct capture_live *cap,
                 struct pcapng_out *w);
/* The same loop a step at a time, for the TUI, which reads keys between
 * steps. */
struct live_loop {
    struct pipeline *p;
    const struct live_opts *o;
    struct capture_live *cap;
    struct pcapng_out *w;
    struct held *head, *tail; /* packets waiting for the key log */
    int64_t deadline;
    bool lag;
    int rc;
    char error[600]; /* why the capture stopped, when rc != 0 */
};

void live_loop_start(struct live_loop *l, struct pipeline *p, const struct live_opts *o,
                     struct capture_live *cap, struct pcapng_out *w);
/* live_loop_step - wait up to timeout_ms for a packet and analyse what is
 * due; false when the capture has ended (--count, --duration, an error). */
bool live_loop_step(struct live_loop *l, int timeout_ms);
/* live_loop_end - close the capture (and w); the exit status. */
int live_loop_end(struct live_loop *l);
/* drop_privileges - as root, become `user` (NULL: nobody; "root": stay). */
int drop_privileges(const char *user, uid_t *uid, gid_t *gid);
/* live_signals - SIGINT/SIGTERM set live_stop instead of killing us;
 * live_stop_sent is the signal when a process sent it (kill), 0 when it
 * came from the terminal, which signals the whole foreground group. */
void live_signals(void);
extern volatile sig_atomic_t live_stop, live_stop_sent;
/* now_ns - the wall clock, as packet timestamps are. */
int64_t now_ns(void);
