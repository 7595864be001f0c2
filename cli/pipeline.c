#include "cli/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "dissect/fingerprint/fingerprint.h"
#include "include/grow.h"

/* ---- the pipeline ------------------------------------------------------------------ */

static void on_session(void *ctx, struct session *s)
{
    struct pipeline *p = ctx;
    if (p->fingerprint && !s->fp.made)
        fingerprint_session(s);
    if (!p->skip_rules)
        rules_eval(p->rules, s);
    if (s->ch.present)
        p->handshakes++;
    if (p->on_session)
        p->on_session(p->ctx, s);
    if (p->report && (!p->keep || p->keep(p->ctx, s)))
        report_session(p->report, s);
    if (!p->take || !p->take(p->ctx, s))
        session_free(s);
}

/* The sink of every tracker: through the batches when reading files. */
static void to_output(void *ctx, struct session *s)
{
    struct pipeline *p = ctx;
    if (p->batches)
        batches_sink(p->batches, s);
    else
        on_session(p, s);
}

enum { KEYLOG_WARNINGS_SHOWN = 10 };

static void on_keylog_warning(void *ctx, const char *message)
{
    struct pipeline *p = ctx;
    if (p->keylog_warnings++ < KEYLOG_WARNINGS_SHOWN)
        cli_error("warning: %s", message);
}

static void on_fetch(void *ctx, const struct revocation_fetch *f)
{
    struct pipeline *p = ctx;
    rules_fetch(p->rules, f);
}

static void on_quiet(void *ctx, const struct quiet_conn *q)
{
    struct pipeline *p = ctx;
    rules_quiet(p->rules, q);
}

/* The writer makes the fingerprints of one tracker's sessions (see
 * pipeline_open), yet they cost it more than they cost the tracker, which
 * makes them as the flow closes, its hellos still in its cache. So the
 * tracker makes them whenever the writer has fallen behind: the two then
 * share them in whatever measure keeps both busy. The output is the same
 * whoever makes them (docs/performance.md, issue 19's tenth step). */
enum { WRITER_BEHIND = 256 };

static bool writer_behind(void *ctx)
{
    const struct pipeline *p = ctx;
    return p->batches && batches_backlog(p->batches) >= WRITER_BEHIND;
}

/* JSON, text and Zeek's logs: writing a session costs much */
static bool writing_busy(const struct report *rep)
{
    return rep && !report_light(rep);
}

/* Passing a session to another thread costs about as much as a light
 * report's work on it: the other core reads every line of it. A thread
 * of its own pays for writing much or for running the rules, not for a
 * CSV of a few fields (docs/performance.md, issue 19's nineteenth step). */
static bool writer_worth_a_thread(const struct pipeline *p)
{
    return writing_busy(p->report) || !p->skip_rules;
}

/* Each of n trackers has its share of the limits. */
static struct capture_limits shared_limits(const struct capture_limits *all, size_t n)
{
    struct capture_limits lim = *all;
    lim.max_flows = lim.max_flows / n ? lim.max_flows / n : 1;
    lim.ooo_total = lim.ooo_total / n ? lim.ooo_total / n : 1;
    return lim;
}

int pipeline_open(struct pipeline *p, const struct analysis_opts *o, struct report *rep)
{
    char err[512];
    p->report = rep;
    if (o->policy_file) {
        /* unreadable is an input error (3), malformed a usage error (2) */
        bool unreadable;
        p->policy = policy_load(o->policy_file, &unreadable, err, sizeof(err));
        if (!p->policy) {
            cli_error("%s", err);
            return unreadable ? EXIT_INPUT : EXIT_USAGE;
        }
    } else if (!(p->policy = policy_default())) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    for (size_t i = 0; i < o->n_mq_ports; i++)
        if (!policy_add_mq_port(p->policy, o->mq_ports[i])) {
            cli_error("too many MQ ports");
            return EXIT_USAGE;
        }
    struct rules_config rc = {.policy = p->policy, .as_of = o->as_of, .as_of_time = o->as_of_time,
                              .wall = (int64_t)time(NULL)};
    p->rules = rules_new(&rc);
    /* what the report does not print is not computed: a CSV of a few
     * fields needs neither the rules, nor the fingerprints, nor decoded
     * certificates (a caller that looks at the sessions itself gets
     * everything) */
    bool report_only = rep && !p->on_session && !p->keep && !p->take && !p->on_capture_findings;
    unsigned needs = report_only ? report_needs(rep) : REPORT_NEEDS_ALL;
    p->skip_rules = !(needs & REPORT_NEEDS_FINDINGS);
    struct dissect_config dc = o->dissect;
    bool fingerprints = needs & (REPORT_NEEDS_FINDINGS | REPORT_NEEDS_FINGERPRINTS);
    dc.skip_certificates = !(needs & (REPORT_NEEDS_FINDINGS | REPORT_NEEDS_CERTIFICATES));
    /* whether chains are trusted is shown only with the findings (and by
     * the formats that need everything): checking costs a verification
     * per new chain, and the system's roots take tens of milliseconds to
     * load */
    dc.skip_trust = p->skip_rules;
    p->progress = o->progress;
    /* -j N runs N busy threads. The rules and the report have one of
     * their own; when writing a session costs much (JSON, text, Zeek's
     * logs) or the rules run, it stays busy, and N trackers beside it made
     * one thread too many: with -j 2 on two cores, the trackers waited for
     * each other at every meeting while the writer had one's core. N - 1
     * trackers then (docs/performance.md, -j N). */
    unsigned jobs = o->jobs ? o->jobs : 1;
    p->threaded = jobs > 1;
    p->writer_busy = p->threaded && writer_worth_a_thread(p);
    p->n_trackers = p->writer_busy ? jobs - 1 : jobs;
    /* One tracker beside the writer is the busier of the two: the writer
     * then makes the fingerprints. With more trackers the writer is the
     * busier, and with a light report there is no writer to spare
     * (docs/performance.md, issue 19's eighth step). Decided here, before
     * keep_trackers may leave fewer: one where connections are rare, and
     * fingerprints with them, or one fewer beside a thread that inflates
     * the file, where the tracker left makes them as -j 1 does. */
    p->fingerprint = fingerprints && p->threaded && p->n_trackers == 1;
    dc.skip_fingerprints = !fingerprints || p->fingerprint;
    p->trackers = p->rules ? calloc(p->n_trackers, sizeof(*p->trackers)) : NULL;
    p->keylog = p->trackers ? keylog_new(on_keylog_warning, p) : NULL;
    if (!p->keylog) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    keylog_set_limit(p->keylog, o->max_keylog_entries);
    if (o->keylog_file) {
        bool waiting = false;
        enum st st = o->keylog_may_wait ? keylog_follow_file(p->keylog, o->keylog_file, &waiting, err, sizeof(err))
                                        : keylog_load_file(p->keylog, o->keylog_file, err, sizeof(err));
        if (waiting)
            cli_error("%s: does not exist yet; it is read as it appears", o->keylog_file);
        if (st != ST_OK) {
            cli_error("%s: %s%s", o->keylog_file, err,
                      o->keylog_from_env ? " (named by SSLKEYLOGFILE)" : "");
            return EXIT_INPUT;
        }
        p->keylog_attached = true;
    }
    /* the limits are shared out between the trackers */
    p->limits = o->limits;
    struct capture_limits lim = shared_limits(&o->limits, p->n_trackers);
    for (size_t i = 0; i < p->n_trackers; i++) {
        struct batch_tracker *t = &p->trackers[i];
        t->dissect = dissect_new(&dc, to_output, p);
        if (!t->dissect) {
            cli_error("out of memory");
            return EXIT_INPUT;
        }
        /* the first tracker reads the roots; the others share its stores */
        if (i == 0) {
            if (dissect_load_trust(t->dissect, o->ca_file, !dc.skip_trust, err, sizeof(err)) != ST_OK) {
                cli_error("%s: %s", o->ca_file, err);
                return EXIT_INPUT;
            }
        } else {
            if (dissect_share_trust(t->dissect, p->trackers[0].dissect) != ST_OK) {
                cli_error("out of memory");
                return EXIT_INPUT;
            }
            dissect_share_certs(t->dissect, p->trackers[0].dissect);
        }
        if (p->keylog_attached)
            dissect_use_keylog(t->dissect, p->keylog);
        dissect_on_fetch(t->dissect, on_fetch, p);
        dissect_on_quiet(t->dissect, on_quiet, p);
        if (p->fingerprint)
            dissect_fingerprint_when(t->dissect, writer_behind, p);
        struct flow_handler h = dissect_flow_handler(t->dissect);
        t->capture = capture_new(&lim, &h);
        if (!t->capture) {
            cli_error("out of memory");
            return EXIT_INPUT;
        }
    }
    p->dissect = p->trackers[0].dissect;
    p->capture = p->trackers[0].capture;
    return EXIT_OK;
}

/* ---- reading files ------------------------------------------------------------------- */

/* One input file, its next packet waiting to be merged in time order. */
struct source {
    const char *path;
    struct capture_file *f;
    struct pkt next;
    bool has_next;
    uint64_t undecoded; /* packets of a link type that is not decoded */
    uint16_t undecoded_link;
    /* the last link type seen and whether it is decoded: files rarely
     * change it, and looking it up is a string compare per packet */
    int32_t seen_link;
    bool seen_decoded;
    /* the waiting packet's bytes while its file is set aside */
    uint8_t *held;
    size_t held_cap;
    bool stays_open; /* standard input, a pipe: cannot be set aside */
    bool first_read; /* its first packet is known (or it has none) */
};

/* A progress line on stderr for reads long enough to wait for. */
struct progress {
    bool on, shown;
    struct timespec start, last;
    uint64_t total;
};

/* One pass over the input files, as one capture. With -j N over regular,
 * uncompressed files each tracker makes its own pass, so that packets never cross
 * from one core to another; only the primary one speaks: errors,
 * warnings, progress, the packet hook and which file a packet came from. */
struct reading {
    struct pipeline *p;
    bool primary;
    bool parallel; /* one of the trackers' own readings */
    bool opening; /* reading_open: no tracker runs yet */
    struct source *srcs;
    size_t n;
    /* the sources with a packet waiting, the earliest first (a heap) */
    struct source **due;
    size_t n_due;
    struct source *taken; /* its packet was handed out: read its next one first */
    /* Files open at once. Of many files named, only those whose packets
     * are due are open: rotated files one at a time, files captured side
     * by side together, up to max_open; the others are set aside
     * (capture_file_suspend), their waiting packet copied. */
    size_t open, max_open;
    const char *path; /* the file being read, for messages */
    uint64_t packets; /* numbered over all files and all readings so far */
    uint64_t count;
    struct progress pr;
    int rc;
};

/* A value in a capture file that cannot be right, replaced by the reader. */
enum { FILE_ANOMALIES_SHOWN = 10 };

static void on_file_anomaly(void *ctx, const char *message)
{
    struct reading *r = ctx;
    if (r->primary && r->p->file_anomalies++ < FILE_ANOMALIES_SHOWN)
        cli_error("%s: warning: %s", r->path, message);
}

struct secrets {
    struct pipeline *p;
    const char *path;
    const char *data;
    size_t n;
};

static void add_secrets(void *arg)
{
    struct secrets *sc = arg;
    struct pipeline *p = sc->p;
    char origin[300];
    snprintf(origin, sizeof(origin), "%s (decryption secrets block)", sc->path);
    keylog_add_text(p->keylog, origin, sc->data, sc->n);
    if (!p->keylog_attached) {
        for (size_t i = 0; i < p->n_trackers; i++)
            dissect_use_keylog(p->trackers[i].dissect, p->keylog);
        p->keylog_attached = true;
    }
}

/* Key log lines carried in the capture itself. */
static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t n)
{
    struct reading *r = ctx;
    struct pipeline *p = r->p;
    if (type != CAPTURE_SECRETS_TLS_KEYLOG) {
        if (r->primary)
            cli_error("%s: warning: a decryption secrets block of type %#x is not a TLS key log; ignored",
                      r->path, (unsigned)type);
        return;
    }
    /* the trackers read the key log: they must be idle while it grows,
     * and every packet before the block analysed */
    struct secrets sc = {.p = p, .path = r->path, .data = (const char *)data, .n = n};
    if (r->opening) { /* none analysed, none running: added once, by the first reading */
        if (r->primary)
            add_secrets(&sc);
        return;
    }
    if (r->parallel) {
        batches_meet(p->batches, add_secrets, &sc);
        return;
    }
    batches_sync(p->batches);
    add_secrets(&sc);
}

/* Does a's waiting packet come before b's? The earlier; of two at one
 * time, the one from the file named first. */
static bool comes_before(const struct source *a, const struct source *b)
{
    return a->next.ts != b->next.ts ? a->next.ts < b->next.ts : a < b;
}

/* Set a file aside, its waiting packet copied; false when it cannot be:
 * it then stays open to the end. */
static bool set_aside(struct reading *r, struct source *src)
{
    if (capture_file_suspended(src->f))
        return true;
    size_t len = src->has_next ? src->next.data.left : 0;
    if (len > src->held_cap) {
        uint8_t *held = realloc(src->held, len);
        if (!held) {
            src->stays_open = true;
            return false;
        }
        src->held = held;
        src->held_cap = len;
    }
    if (len && src->next.data.p != src->held)
        memcpy(src->held, src->next.data.p, len);
    if (!capture_file_suspend(src->f)) {
        src->stays_open = true;
        return false;
    }
    src->next.data = cur_make(src->held, len);
    r->open--;
    return true;
}

/* Too many files open: the one whose packet is due last is set aside
 * (never the one just taken), as it is needed again latest. */
static void keep_open_files(struct reading *r, const struct source *taken)
{
    while (r->open > r->max_open) {
        struct source *last = NULL;
        for (size_t i = 0; i < r->n_due; i++) {
            struct source *s = r->due[i];
            if (s != taken && !s->stays_open && !capture_file_suspended(s->f) &&
                (!last || comes_before(last, s)))
                last = s;
        }
        if (!last)
            return; /* all that are open must stay so */
        set_aside(r, last);
    }
}

static void advance(struct reading *r, struct source *src)
{
    r->path = src->path;
    /* only one of many files is ever set aside */
    bool was_aside = r->n > 1 && capture_file_suspended(src->f);
    enum st st = capture_file_next(src->f, &src->next);
    if (was_aside && !capture_file_suspended(src->f)) {
        r->open++;
        keep_open_files(r, src);
    }
    src->has_next = st == ST_OK;
    if (st != ST_OK && st != ST_SHORT) {
        if (r->primary)
            cli_error("%s: %s (the packets before it were analysed)", src->path, capture_file_error(src->f));
        r->rc = EXIT_INPUT;
    }
    if (!src->has_next && r->n > 1)
        set_aside(r, src); /* done with: its descriptor and buffer go */
}

static void due_down(struct reading *r, size_t i)
{
    struct source **h = r->due;
    for (;;) {
        size_t first = i, l = 2 * i + 1, rt = l + 1;
        if (l < r->n_due && comes_before(h[l], h[first]))
            first = l;
        if (rt < r->n_due && comes_before(h[rt], h[first]))
            first = rt;
        if (first == i)
            return;
        struct source *t = h[i];
        h[i] = h[first];
        h[first] = t;
        i = first;
    }
}

/* The taken source, first of the due, has read its next packet. */
static void due_taken(struct reading *r)
{
    if (!r->due[0]->has_next)
        r->due[0] = r->due[--r->n_due];
    if (r->n_due > 1)
        due_down(r, 0);
}


struct file_run {
    uint64_t first_packet;
    size_t file;
};

/* Runs, not a file per packet: rotated files make one run each, and only
 * files captured side by side interleave. */
static void note_packet_file(struct pipeline *p, uint64_t packet, size_t file)
{
    if (p->n_file_runs && p->file_runs[p->n_file_runs - 1].file == file)
        return;
    pthread_mutex_lock(&p->file_runs_lock);
    struct file_run *runs = grow_array(p->file_runs, p->n_file_runs, &p->cap_file_runs, sizeof(*runs), 16);
    if (runs) {
        p->file_runs = runs;
        runs[p->n_file_runs++] = (struct file_run){.first_packet = packet, .file = file};
    }
    pthread_mutex_unlock(&p->file_runs_lock);
}

size_t pipeline_packet_file(struct pipeline *p, uint64_t packet)
{
    if (!p->file_runs_lock_ready)
        return 0;
    pthread_mutex_lock(&p->file_runs_lock);
    size_t lo = 0, hi = p->n_file_runs, file = 0;
    while (lo < hi) { /* the last run that starts at or before the packet */
        size_t mid = lo + (hi - lo) / 2;
        if (p->file_runs[mid].first_packet <= packet) {
            file = p->file_runs[mid].file;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    pthread_mutex_unlock(&p->file_runs_lock);
    return file;
}

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_show(struct reading *r, bool last)
{
    struct progress *pr = &r->pr;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!last && pr->shown && since(&pr->last, &now) < 0.5)
        return;
    pr->shown = true;
    pr->last = now;
    if (last) {
        fputs("\r\033[K", stderr);
        return;
    }
    uint64_t done = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->srcs[i].f)
            done += r->srcs[i].has_next ? capture_file_offset(r->srcs[i].f) : capture_file_size(r->srcs[i].f);
    double secs = since(&pr->start, &now);
    uint64_t sessions = r->p->batches ? batches_sessions(r->p->batches) : 0;
    char speed[64] = ""; /* once there is a rate to speak of */
    if (secs >= 0.25) {
        double rate = (double)done / secs;
        int w = snprintf(speed, sizeof(speed), ", %.0f MB/s", rate / 1e6);
        if (rate > 0 && pr->total > done && w > 0)
            snprintf(speed + w, sizeof(speed) - (size_t)w, ", %.0f s left", (double)(pr->total - done) / rate);
    }
    fprintf(stderr, "\r\033[Kreading %.0f of %.0f MB (%.0f%%), %llu sessions%s", (double)done / 1e6,
            (double)pr->total / 1e6, pr->total ? 100.0 * (double)done / (double)pr->total : 0.0,
            (unsigned long long)sessions, speed);
    fflush(stderr);
}

enum { PROGRESS_MIN_BYTES = 64 << 20 };

/* Files each reading may keep open: what the process may open, less room
 * for the report's files, the key log and the roots, shared between the
 * readings (one per tracker); at most 256, whose reads share 4 MB, and
 * 64 KB each past 64 open (capture_file_share_reads). */
enum { FILES_OPEN_MOST = 256, FDS_SPARED = 64 };

/* The first packet of each file decides when the file is due. */
static void read_first(struct reading *r, struct source *src)
{
    advance(r, src);
    if (src->has_next && r->n > 1)
        set_aside(r, src);
    src->first_read = true;
}

static size_t files_open_most(size_t readings)
{
    struct rlimit rl;
    rlim_t fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    rlim_t usable = fds > 2 * FDS_SPARED ? fds - FDS_SPARED : fds / 2;
    rlim_t most = usable / (readings ? readings : 1);
    return most < 1 ? 1 : most > FILES_OPEN_MOST ? FILES_OPEN_MOST : (size_t)most;
}

/* false: out of memory (said) */
static bool reading_open(struct reading *r, struct pipeline *p, char *const *paths, size_t n, uint32_t tracker,
                         size_t readings, const struct reading *primary)
{
    *r = (struct reading){.p = p, .primary = tracker == 0, .n = n, .opening = true,
                          .packets = p->packets_read, .rc = EXIT_OK, .max_open = files_open_most(readings)};
    r->srcs = calloc(n ? n : 1, sizeof(*r->srcs));
    r->due = calloc(n ? n : 1, sizeof(*r->due));
    if (!r->srcs || !r->due) {
        free(r->srcs);
        free(r->due);
        cli_error("out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct source *src = &r->srcs[i];
        src->path = strcmp(paths[i], "-") == 0 ? "standard input" : paths[i];
        src->seen_link = -1;
        char err[256];
        if (capture_file_open(paths[i], &src->f, err, sizeof(err)) != ST_OK) {
            /* said once; a tracker's later opening that fails where the
             * first did not would lose its share of the flows: said too */
            if (!primary || primary->srcs[i].f)
                cli_error("%s: %s", src->path, err);
            src->f = NULL;
            r->rc = EXIT_INPUT;
            continue;
        }
        capture_file_on_secrets(src->f, on_secrets, r);
        capture_file_on_anomaly(src->f, on_file_anomaly, r);
        capture_file_share_reads(src->f, &r->open);
        r->pr.total += capture_file_size(src->f);
        r->open++;
        if (n > 1) /* its first packet while it is open, then aside until due */
            read_first(r, src);
    }
    r->opening = false;
    r->pr.on = r->primary && p->progress && r->pr.total >= PROGRESS_MIN_BYTES && isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &r->pr.start);
    r->pr.last = r->pr.start;
    return true;
}

/* Of many files, each was read up to its first packet as it was opened,
 * not opened once more for it (a secrets block at its head is added
 * then, before any packet is analysed, as it would be here); one file
 * is read from here, on its tracker's thread. */
static void reading_start(void *ctx)
{
    struct reading *r = ctx;
    for (size_t i = 0; i < r->n; i++) {
        struct source *src = &r->srcs[i];
        if (!src->f)
            continue;
        if (!src->first_read)
            read_first(r, src);
        if (src->has_next)
            r->due[r->n_due++] = src;
    }
    for (size_t i = r->n_due / 2; i-- > 0;)
        due_down(r, i);
    if (r->pr.on)
        progress_show(r, false); /* at once: the size to expect */
}

/* The next packet to analyse, in time order over the files; false at the end. */
static bool reading_next(void *ctx, struct pkt *out)
{
    struct reading *r = ctx;
    struct pipeline *p = r->p;
    for (;;) {
        if (r->taken) {
            advance(r, r->taken);
            due_taken(r);
            r->taken = NULL;
            if (r->pr.on && (++r->count & 0xffff) == 0)
                progress_show(r, false);
        }
        if (!r->n_due)
            return false;
        struct source *src = r->due[0];
        struct pkt *pk = &src->next;
        /* several files are one capture: numbers count on */
        pk->no = ++r->packets;
        if (p->window_last && pk->no > p->window_last)
            return false;
        r->taken = src;
        if (r->primary && p->file_runs_lock_ready)
            note_packet_file(p, pk->no, (size_t)(src - r->srcs));
        if (pk->no < p->window_first)
            continue;
        if (r->primary) { /* what only the primary reading says */
            if (pk->linktype != src->seen_link) {
                src->seen_link = pk->linktype;
                src->seen_decoded = capture_link_decoded(pk->linktype);
            }
            if (!src->seen_decoded && !src->undecoded++)
                src->undecoded_link = pk->linktype;
            if (p->on_packet)
                p->on_packet(p->ctx, pk);
        }
        *out = *pk;
        return true;
    }
}

static int reading_close(struct reading *r)
{
    if (r->pr.on)
        progress_show(r, true);
    for (size_t i = 0; i < r->n; i++) {
        struct source *src = &r->srcs[i];
        if (r->primary && src->undecoded)
            cli_error("%s: warning: %llu packets have link type %u (%s), which is not decoded", src->path,
                      (unsigned long long)src->undecoded, src->undecoded_link,
                      capture_link_name(src->undecoded_link));
        if (src->f)
            capture_file_close(src->f);
        free(src->held);
    }
    free(r->srcs);
    free(r->due);
    return r->rc;
}

/* Each tracker can make its own pass only over files it can open again. */
static bool all_regular(char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &sb) != 0 || !S_ISREG(sb.st_mode))
            return false;
    }
    return true;
}

/* A compressed file read by every tracker is inflated by every tracker:
 * zlib is most of the work, so with two trackers each did nearly all of
 * what one did alone. One reading thread inflates it once for all. */
static bool any_compressed(const struct reading *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->srcs[i].f && capture_file_compressed(r->srcs[i].f))
            return true;
    return false;
}

/* A second tracker reads every byte again to take half of the work of
 * following the connections. That paid only where connections begin at
 * least every 7 KB or so, as in a capture of handshakes alone: with any
 * application data between them, reading is most of the work and two
 * trackers were slower than one (docs/performance.md, -j N). Beside a
 * light report (no busy writer) it paid only where following a
 * connection costs much: QUIC's, whose handshakes are decrypted. A TCP
 * handshake's share of the work was less than a second reading of the
 * bytes and the passing of its session to the output thread (small's
 * CSV of three fields: 157 against 131 ms). The start of the files
 * tells: the first 512 KB, within one read of each of the first few
 * files (rotated files are alike, and a look at each of a thousand would
 * cost a read each). A compressed file is read by one thread for all
 * trackers: reading it again costs nothing there. */
enum { SHARE_LOOK_BYTES = 512 << 10, SHARE_LOOK_PACKETS = 16384, SHARE_LOOK_FILES = 4 };
static const double SHARE_MIN_CONNECTIONS_PER_MB = 150;

static bool worth_sharing(char *const *paths, size_t n, bool quic_only, bool *compressed_out)
{
    struct capture_arrivals *a = capture_arrivals_new();
    if (!a)
        return true;
    bool compressed = false;
    size_t looked = 0; /* packets: empty ones would not end a look by its bytes */
    for (size_t i = 0; i < n && i < SHARE_LOOK_FILES && !compressed; i++) {
        struct capture_file *f;
        char err[256];
        /* a file that cannot be read is said by the reading itself */
        if (capture_file_open_small(paths[i], &f, err, sizeof(err)) != ST_OK)
            continue;
        compressed = capture_file_compressed(f);
        struct pkt pk;
        while (!compressed && capture_arrivals_bytes(a) < SHARE_LOOK_BYTES && looked < SHARE_LOOK_PACKETS &&
               capture_file_next(f, &pk) == ST_OK) {
            capture_arrivals_packet(a, &pk);
            looked++;
        }
        capture_file_close(f);
    }
    *compressed_out = compressed;
    double per_mb = quic_only ? capture_arrivals_quic_per_mb(a) : capture_arrivals_per_mb(a);
    bool worth = compressed || per_mb >= SHARE_MIN_CONNECTIONS_PER_MB;
    capture_arrivals_free(a);
    return worth;
}

/* The first n trackers for the whole capture: the others go before they
 * see a packet, and the first n take back the limits they shared. */
static void keep_trackers(struct pipeline *p, size_t n)
{
    struct capture_limits lim = shared_limits(&p->limits, n);
    struct capture *wider[MAX_JOBS];
    for (size_t i = 0; i < n; i++) {
        struct flow_handler h = dissect_flow_handler(p->trackers[i].dissect);
        if (!(wider[i] = capture_new(&lim, &h))) {
            while (i--) /* no memory: all of them stay, each with its share */
                capture_free(wider[i]);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        capture_free(p->trackers[i].capture);
        p->trackers[i].capture = wider[i];
    }
    for (size_t i = n; i < p->n_trackers; i++) {
        capture_free(p->trackers[i].capture);
        dissect_free(p->trackers[i].dissect);
    }
    p->n_trackers = n;
    p->capture = p->trackers[0].capture;
}

int pipeline_read_files(struct pipeline *p, char *const *paths, size_t n)
{
    /* the packet hook may end the reading (window_last) as it goes */
    bool parallel = p->threaded && !p->on_packet && all_regular(paths, n);
    if (!p->batches) {
        bool compressed = false;
        if (parallel && p->n_trackers > 1 && !worth_sharing(paths, n, !p->writer_busy, &compressed)) {
            keep_trackers(p, 1);
            /* the writer keeps its thread where it is busy (pipeline_open) */
            p->threaded = p->writer_busy;
            parallel = p->threaded;
        } else if (compressed && p->n_trackers > 1) {
            /* One thread inflates the file for all the trackers, and is as
             * busy as a tracker: N - 1 trackers beside it, as beside a busy
             * writer (docs/performance.md, -j N). */
            keep_trackers(p, p->n_trackers - 1);
        }
        struct batches_config bc = {
            .trackers = p->trackers, .n = p->n_trackers, .threaded = p->threaded,
            .on_session = on_session, .on_fetch = on_fetch, .on_quiet = on_quiet, .ctx = p,
        };
        p->batches = batches_new(&bc);
        if (!p->batches) {
            cli_error("cannot start the analysing threads (out of memory?)");
            return EXIT_INPUT;
        }
    }
    if (p->track_packet_files && n > 1 && !p->file_runs_lock_ready)
        p->file_runs_lock_ready = pthread_mutex_init(&p->file_runs_lock, NULL) == 0;
    size_t n_readings = parallel ? p->n_trackers : 1;
    struct reading *rs = calloc(n_readings, sizeof(*rs));
    if (!rs) {
        cli_error("out of memory");
        return EXIT_INPUT;
    }
    size_t opened = 0;
    bool ok = true;
    while (ok && opened < n_readings) {
        ok = reading_open(&rs[opened], p, paths, n, (uint32_t)opened, n_readings, opened ? &rs[0] : NULL);
        opened += ok;
        if (ok && opened == 1 && any_compressed(&rs[0])) {
            parallel = false;
            n_readings = 1;
        }
    }
    for (size_t i = 0; i < opened; i++)
        rs[i].parallel = parallel;
    if (ok && parallel) {
        void *readers[MAX_JOBS];
        for (size_t i = 0; i < n_readings; i++)
            readers[i] = &rs[i];
        batches_read(p->batches, reading_start, reading_next, readers);
    } else if (ok) {
        reading_start(&rs[0]);
        struct pkt pk;
        while (reading_next(&rs[0], &pk))
            batches_packet(p->batches, &pk);
        batches_sync(p->batches);
    }
    int rc = ok ? EXIT_OK : EXIT_INPUT;
    if (opened)
        p->packets_read = rs[0].packets;
    for (size_t i = 0; i < opened; i++) {
        int r = reading_close(&rs[i]);
        if (r != EXIT_OK && rc == EXIT_OK)
            rc = r;
    }
    free(rs);
    return rc;
}

int pipeline_read_file(struct pipeline *p, const char *arg)
{
    char *paths[] = {(char *)arg};
    return pipeline_read_files(p, paths, 1);
}

const struct capture_stats *pipeline_capture_stats(struct pipeline *p)
{
    /* each packet is counted by one tracker (cli/batches.c, track), each
     * flow by the one that followed it */
    struct capture_stats *m = &p->merged_capture;
    *m = *capture_stats(p->trackers[0].capture);
    m->file_anomalies = p->file_anomalies;
    for (size_t i = 1; i < p->n_trackers; i++) {
        const struct capture_stats *o = capture_stats(p->trackers[i].capture);
        m->packets += o->packets;
        m->bytes += o->bytes;
        m->ip += o->ip;
        m->tcp += o->tcp;
        m->udp += o->udp;
        m->other += o->other;
        m->not_ip += o->not_ip;
        m->bad_headers += o->bad_headers;
        m->truncated += o->truncated;
        m->unsupported_link += o->unsupported_link;
        m->frags += o->frags;
        m->frags_reassembled += o->frags_reassembled;
        m->frags_dropped += o->frags_dropped;
        m->dtls_datagrams += o->dtls_datagrams;
        m->quic_datagrams += o->quic_datagrams;
        m->quic_paths += o->quic_paths;
        m->quic_cids_evicted += o->quic_cids_evicted;
        m->flows += o->flows;
        m->udp_flows += o->udp_flows;
        m->flows_idle_evicted += o->flows_idle_evicted;
        m->flows_full_evicted += o->flows_full_evicted;
        m->ooo_limit_hits += o->ooo_limit_hits;
        m->gaps += o->gaps;
        m->flows_peak += o->flows_peak;
    }
    return m;
}

const struct dissect_stats *pipeline_dissect_stats(struct pipeline *p)
{
    struct dissect_stats *m = &p->merged_dissect;
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < p->n_trackers; i++) {
        const struct dissect_stats *o = dissect_stats(p->trackers[i].dissect);
        m->flows_seen += o->flows_seen;
        m->tls_sessions += o->tls_sessions;
        m->sslv2_sessions += o->sslv2_sessions;
        m->starttls_sessions += o->starttls_sessions;
        m->gaps += o->gaps;
        m->anomalies += o->anomalies;
        m->certs_parsed += o->certs_parsed;
        m->cert_cache_hits += o->cert_cache_hits;
    }
    return m;
}

void pipeline_finish(struct pipeline *p)
{
    if (p->batches) {
        batches_finish(p->batches);
    } else {
        capture_flush(p->capture);
        dissect_finish(p->dissect);
    }
    keylog_flush(p->keylog);
    if (p->file_anomalies > FILE_ANOMALIES_SHOWN)
        cli_error("warning: %llu more values out of range in the capture files",
                  (unsigned long long)(p->file_anomalies - FILE_ANOMALIES_SHOWN));
    if (p->keylog_warnings > KEYLOG_WARNINGS_SHOWN)
        cli_error("warning: %llu more malformed key log lines skipped",
                  (unsigned long long)(p->keylog_warnings - KEYLOG_WARNINGS_SHOWN));
    const struct capture_finding *cf;
    size_t n = rules_finish(p->rules, &cf);
    if (p->on_capture_findings)
        p->on_capture_findings(p->ctx, cf, n);
    if (!p->report || p->sessions_only)
        return;
    report_capture_findings(p->report, cf, n);
    report_summary(p->report, pipeline_capture_stats(p), pipeline_dissect_stats(p));
}

void pipeline_close(struct pipeline *p)
{
    batches_free(p->batches);
    for (size_t i = 0; p->trackers && i < p->n_trackers; i++) {
        capture_free(p->trackers[i].capture);
        dissect_free(p->trackers[i].dissect);
    }
    free(p->trackers);
    rules_free(p->rules);
    policy_free(p->policy);
    keylog_free(p->keylog);
    free(p->file_runs);
    if (p->file_runs_lock_ready)
        pthread_mutex_destroy(&p->file_runs_lock);
    memset(p, 0, sizeof(*p));
}
