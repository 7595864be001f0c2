#pragma once

/* The pipeline every analysing command shares: capture -> dissect ->
 * rules -> report, over files (on -j threads) or a live capture. Its
 * options are in cli/analysis.h. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "cli/analysis.h"
#include "cli/batches.h"
#include "dissect/dissect.h"
#include "report/report.h"
#include "rules/rules.h"

struct pipeline {
    struct keylog *keylog;
    bool keylog_attached;
    uint64_t keylog_warnings;
    uint64_t file_anomalies; /* absurd values in the capture files */
    uint64_t handshakes; /* sessions reported that had a ClientHello */
    uint64_t packets_read; /* over all files so far */
    /* only packets first..last are analysed (0, 0: all); reading stops after last */
    uint64_t window_first, window_last;
    /* called with every packet analysed; may be NULL */
    void (*on_packet)(void *ctx, const struct pkt *pk);
    /* sessions for which this says false are not reported; may be NULL */
    bool (*keep)(void *ctx, const struct session *s);
    /* may take a session over (returns true; it then frees it); may be NULL */
    bool (*take)(void *ctx, struct session *s);
    /* report sessions only: no capture findings, no summary */
    bool sessions_only;
    struct policy *policy;
    struct rules *rules;
    bool skip_rules; /* the report shows no findings: the rules are not run */
    bool fingerprint; /* JA3/JA4 made as sessions are handed on, not by the tracker */
    struct dissect *dissect;
    struct capture *capture;
    /* reading files: trackers[0] is capture/dissect above; with -j N there
     * are N, each following its share of the flows, or N - 1 when writing
     * the report or running the rules takes a thread of its own
     * (pipeline_open), or one when the capture has little to share
     * (pipeline_read_files) */
    struct batch_tracker *trackers;
    size_t n_trackers;
    struct capture_limits limits; /* all of them, before they are shared out */
    bool threaded; /* -j 2 or more: the rules and report on a thread of their own */
    bool writer_busy; /* threaded, and that thread writes much or runs the rules */
    struct batches *batches;
    bool progress;
    struct capture_stats merged_capture;
    struct dissect_stats merged_dissect;
    struct report *report;
    /* called with every finished session after the rules ran, before it
     * is reported; may be NULL */
    void (*on_session)(void *ctx, const struct session *s);
    /* called with the capture-wide findings; may be NULL */
    void (*on_capture_findings)(void *ctx, const struct capture_finding *f, size_t n);
    void *ctx;
    /* several files read as one: which file each run of packets came from,
     * kept only when asked for (check's per-file reports) */
    bool track_packet_files;
    struct file_run *file_runs;
    size_t n_file_runs, cap_file_runs;
    pthread_mutex_t file_runs_lock; /* sessions are reported on another thread with -j */
    bool file_runs_lock_ready;
};

/* pipeline_open - set everything up; returns an exit status (EXIT_OK, or
 * EXIT_USAGE / EXIT_INPUT after printing why). rep may be NULL (check
 * reports through on_session). */
int pipeline_open(struct pipeline *p, const struct analysis_opts *o, struct report *rep);
/* pipeline_read_files - feed capture files as one capture, their packets
 * in timestamp order (rotated files, or captures of several interfaces);
 * the exit status it earns. */
int pipeline_read_files(struct pipeline *p, char *const *paths, size_t n);
/* pipeline_read_file - the same for one file. */
int pipeline_read_file(struct pipeline *p, const char *arg);
/* pipeline_packet_file - the index, among the paths given to
 * pipeline_read_files, of the file a packet number came from. */
size_t pipeline_packet_file(struct pipeline *p, uint64_t packet);
/* pipeline_capture_stats / pipeline_dissect_stats - over every tracker. */
const struct capture_stats *pipeline_capture_stats(struct pipeline *p);
const struct dissect_stats *pipeline_dissect_stats(struct pipeline *p);
/* pipeline_finish - close flows, run capture-wide rules, report them and
 * the summary. */
void pipeline_finish(struct pipeline *p);
void pipeline_close(struct pipeline *p);
