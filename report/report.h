#pragma once

/* report/: writes sessions as human text or JSON lines, and a closing
 * summary. Reports read a session and copy what they print; they keep no
 * pointer into it after the call. */

#include <stdbool.h>
#include <stdio.h>

#include "capture/capture.h"
#include "dissect/dissect.h"
#include "include/session.h"
#include "rules/rules.h"

struct report;
struct capture_finding;

/* An output format: what it writes for each session, for the capture-wide
 * findings and at the end. Adding one is a file with its functions and
 * this entry, and a line in report.c's table. */
/* What a report shows beyond the dissected facts, which costs to compute:
 * the rules' findings (which need the fingerprints and certificates too),
 * JA3/JA4, and what the certificates say. */
enum {
    REPORT_NEEDS_FINDINGS = 1,
    REPORT_NEEDS_FINGERPRINTS = 2,
    REPORT_NEEDS_CERTIFICATES = 4,
    REPORT_NEEDS_ALL = 7,
};

struct report_format {
    const char *name;
    /* REPORT_NEEDS_* the report prints (its --fields considered); NULL:
     * all of them */
    unsigned (*needs)(const struct report *r);
    void (*open)(struct report *r); /* may be NULL */
    void (*session)(struct report *r, const struct session *s);
    void (*capture_findings)(struct report *r, const struct capture_finding *f, size_t n); /* may be NULL */
    void (*summary)(struct report *r, const struct capture_stats *cs,
                    const struct dissect_stats *ds); /* may be NULL */
    /* the names --fields takes, or NULL when the format takes none */
    const char *const *fields;
    size_t n_fields;
    bool directory; /* -o names a directory, where its logs go */
    /* writing a session costs little beside following its connection:
     * with -j every thread but one follows connections (cli/pipeline.c) */
    bool light;
    bool colors;    /* colours when writing to a terminal */
};

/* report_format_named - the format called name, or NULL. */
const struct report_format *report_format_named(const char *name);
/* report_format_names - "text, json, zeek or csv", for messages. */
void report_format_names(char *out, size_t len);

struct report_opts {
    const struct report_format *format; /* NULL: text */
    bool color;
    bool quiet;   /* text: summary only */
    bool verbose; /* text: every hello field and the full timeline */
    bool app_data; /* --decrypt-app: show what decrypted application data held */
    FILE *x509_out;     /* zeek: x509.log (out is ssl.log); not owned */
    FILE *quic_out;     /* zeek: quic.log; not owned */
    const char *fields; /* json, csv: comma-separated fields to keep, or NULL */
};

/* report_new - a report writing to out (not owned). NULL on no memory. */
struct report *report_new(FILE *out, const struct report_opts *opts);
/* report_needs - REPORT_NEEDS_* of what this report prints: the rest need
 * not be computed. */
unsigned report_needs(const struct report *r);
/* report_light - does writing a session cost little (report_format.light)? */
bool report_light(const struct report *r);
/* report_session - print one session. */
void report_session(struct report *r, const struct session *s);
/* report_capture_findings - findings about the capture as a whole. */
void report_capture_findings(struct report *r, const struct capture_finding *f, size_t n);
/* report_summary - the closing summary over everything reported. */
void report_summary(struct report *r, const struct capture_stats *cs,
                    const struct dissect_stats *ds);
/* report_flush - push what was written so far (live capture streams). */
void report_flush(struct report *r);
void report_free(struct report *r);

/* report_fields_check - whether --fields names only fields `format`
 * has; false with the reason and the valid names. */
bool report_fields_check(const char *fields, const struct report_format *format, char *err, size_t errlen);

/* report_transport_text - QUIC's or DTLS's own facts on one line (connection
 * IDs, version negotiation, Retry, packets; the DTLS cookie, retransmissions,
 * fragments); returns "quic" or "dtls", or NULL for TCP. */
const char *report_transport_text(const struct session *s, char *buf, size_t len);
/* report_tcp_text - what the TCP layer showed of loss and flow control,
 * by direction ("server->client 2 retransmissions (longest wait ...)"),
 * into buf; false when there was nothing to say. */
bool report_tcp_text(const struct session *s, char *buf, size_t len);

/* report_status - "ok", "failed", "incomplete", "partial" or "plaintext"
 * (docs/json.md). */
const char *report_status(const struct session *s);
/* report_status_why - the same, with what failed it in cause (the alert's
 * name, "encrypted alert", "not TLS", "reset", "closed"; "" otherwise);
 * cause may be NULL. */
const char *report_status_why(const struct session *s, const char **cause);
