#pragma once

/* rules/: turns what a session showed into findings a person can act on.
 * Each rule is a table entry and a pure function over one session (and a
 * few capture-wide rules look at all sessions once the capture is over).
 * Findings carry the evidence, the fix and, where one fits, the IBM MQ
 * message the user is probably looking at. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/dissect.h"
#include "include/session.h"

/* ---- policy (--policy FILE) ------------------------------------------------ */

struct policy;

/* policy_load - parse a policy file. On failure returns NULL and writes
 * "FILE:LINE: reason" (a malformed line) or "FILE: reason" (the file could
 * not be read; *unreadable is then set, when not NULL) into err. */
struct policy *policy_load(const char *path, bool *unreadable, char *err, size_t errlen);
/* policy_default - the built-in thresholds (NULL on no memory). */
struct policy *policy_default(void);
void policy_free(struct policy *p);
/* policy_add_mq_port - treat a TCP port as IBM MQ (--mq-port). */
bool policy_add_mq_port(struct policy *p, uint16_t port);

/* ---- the engine -------------------------------------------------------------- */

enum as_of { AS_OF_CAPTURE, AS_OF_NOW, AS_OF_DATE };

struct rules_config {
    const struct policy *policy;
    enum as_of as_of;
    int64_t as_of_time; /* seconds: "now" or the given date */
    int64_t wall;       /* seconds: the machine's clock, to doubt a capture dated later; 0 skips that */
};

/* A finding about the capture as a whole (a server, a client, a burst). */
struct capture_finding {
    struct finding f;
    char subject[96];  /* "server 10.0.0.2:443", "client 10.0.0.1", ... */
    uint64_t sessions[8]; /* the first sessions it concerns */
    size_t n_sessions, more_sessions;
};

struct rules;

/* rules_new - NULL on no memory. config->policy must outlive the engine,
 * unchanged: the rules it disables are read once, here. */
struct rules *rules_new(const struct rules_config *config);
/* rules_eval - run every enabled rule on s and append to s->findings,
 * worst first; also remember what s shows for the capture-wide rules. */
void rules_eval(struct rules *r, struct session *s);
/* rules_fetch - note an OCSP/CRL fetch seen in the capture. */
void rules_fetch(struct rules *r, const struct revocation_fetch *f);
/* rules_quiet - note a connection that ended without a byte. */
void rules_quiet(struct rules *r, const struct quiet_conn *q);
/* rules_finish - run the capture-wide rules; the findings stay owned by r. */
size_t rules_finish(struct rules *r, const struct capture_finding **out);
void rules_free(struct rules *r);

/* ---- the rule table (tlsscope rules, docs) -------------------------------- */

struct rule_info {
    const char *id;
    enum severity severity; /* the usual severity; some findings adjust it */
    const char *title, *rationale;
    bool capture_wide;
};

/* rules_count / rules_at - every rule, in a stable order. */
size_t rules_count(void);
const struct rule_info *rules_at(size_t i);
/* rules_advice - the fix text and the usual IBM MQ message of rule i
 * (either may be NULL). */
void rules_advice(size_t i, const char **fix, const char **mq);
/* rules_find - a rule by id, or NULL. */
const struct rule_info *rules_find(const char *id);
/* server_name_matches - RFC 6125 matching of a host name (or address)
 * against the certificate's SANs (or its CN when it has no DNS SAN). A
 * name holding a NUL, on either side, matches nothing: that is the
 * NUL-prefix trick, not a name. */
bool server_name_matches(const struct cert *c, const uint8_t *host, size_t len);


/* severity_name - "info", "low", "medium", "high". */
const char *severity_name(enum severity s);
