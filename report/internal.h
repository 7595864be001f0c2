#pragma once

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "include/hmap.h"
#include "report/jsonw.h"
#include "report/report.h"

enum { IP_TEXT_LEN = 48 };

/* Per-report tallies for the closing summary. */
struct tally_row {
    char key[80];
    uint64_t n;
};

struct tally {
    struct tally_row *v; /* in the order first seen */
    size_t n, cap;
    struct hmap index; /* row + 1 by key: a hostile capture may hold
                          thousands of distinct cipher or version codes */
};

struct report {
    FILE *out;
    struct report_opts opts;
    struct jw jw;
    struct jw_select *fields; /* json with --fields: made at the first session */
    uint64_t sessions, established, failed, incomplete, partial, resumed, plaintext;
    uint64_t quic, dtls; /* sessions over UDP */
    uint64_t anomalies;
    struct tally versions, ciphers, alerts, starttls, findings;
    uint64_t by_severity[4];
    uint64_t certs_hidden; /* TLS 1.3 sessions whose certificates no key log opened */
    /* csv: the columns to write (--fields, else all), read once */
    uint8_t csv_cols[64];
    size_t csv_n;
    /* zeek: certificates already in x509.log */
    struct logged_cert *x509_logged;
    size_t n_x509_logged, cap_x509_logged;
    struct hmap x509_index; /* row + 1 by fingerprint and role */
};

const char *fmt_ip(const struct endpoint *e, char *buf);
const char *fmt_dir(uint8_t dir);
const char *fmt_alert_level(uint8_t level);
/* fmt_event - the event's name as used in the timeline. */
const char *fmt_event(const struct event *e, char *buf);
/* fmt_sni - the first server name, or NULL. */
const struct bytes *session_sni(const struct session *s);
/* session_mq_channel - the channel named by an MQ-style SNI, or false. */
bool session_mq_channel(const struct session *s, char *out, bool *canonical);

void tally_add(struct tally *t, const char *key);
void tally_free(struct tally *t);

/* The formats (report.c lists them). */
extern const struct report_format text_format, json_format, zeek_format, csv_format;

void json_session(struct report *r, const struct session *s);
void json_summary(struct report *r, const struct capture_stats *cs,
                  const struct dissect_stats *ds);
void text_session(struct report *r, const struct session *s);
void text_summary(struct report *r, const struct capture_stats *cs,
                  const struct dissect_stats *ds);
void zeek_open(struct report *r);
void zeek_ssl(struct report *r, const struct session *s);
void zeek_x509(struct report *r, const struct session *s);
void zeek_close(struct report *r);
void csv_open(struct report *r);
void csv_session(struct report *r, const struct session *s);
void json_capture_findings(struct report *r, const struct capture_finding *f, size_t n);
void text_capture_findings(struct report *r, const struct capture_finding *f, size_t n);
