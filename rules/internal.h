#pragma once

#include <stdarg.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "include/utc.h"
#include "rules/rules.h"

/* ---- policy ------------------------------------------------------------------ */

enum { POLICY_NAME = 48, POLICY_LIST = 32 };

/* A list of cipher names as the user wrote them: IANA names, MQ
 * CipherSpecs, MQ list names (ANY_TLS12_OR_HIGHER...) or 0xHHHH codes. */
struct cipher_list {
    size_t n;
    char v[POLICY_LIST][POLICY_NAME];
};

enum sslcauth { SSLCAUTH_UNSET, SSLCAUTH_REQUIRED, SSLCAUTH_OPTIONAL };

struct channel_policy {
    char name[21];
    char sslciph[POLICY_NAME];
    enum sslcauth sslcauth;
    char sslpeer[256];        /* the queue manager's filter on the client's DN */
    char client_sslpeer[256]; /* the client's filter on the queue manager's DN (its MQCD/CCDT) */
};

struct server_policy {
    char host[64];    /* as written, for evidence */
    bool any_host;    /* [server *:PORT] */
    uint8_t family, addr[16];
    uint16_t port;
    uint16_t min_version;
    struct cipher_list allowed;
    char sslciph[POLICY_NAME];
};

struct policy {
    int min_rsa_bits, min_dh_bits, min_ec_bits;
    uint16_t min_version;
    struct cipher_list allowed;
    int expiry_warning_days;
    int slow_handshake_ms;
    int burst_connections;
    uint16_t mq_ports[16];
    size_t n_mq_ports;
    char disabled[POLICY_LIST][POLICY_NAME];
    size_t n_disabled;
    struct {
        char rule[POLICY_NAME];
        enum severity severity;
    } severities[POLICY_LIST]; /* severity = RULE:LEVEL, ... */
    size_t n_severities;
    struct channel_policy channels[64];
    size_t n_channels;
    struct server_policy servers[64];
    size_t n_servers;
};

bool policy_disabled(const struct policy *p, const char *rule);
/* policy_severity - the severity the policy gives a rule's findings, or
 * graded (what the rule decided) when it gives none. */
enum severity policy_severity(const struct policy *p, const char *rule, enum severity graded);
bool policy_mq_port(const struct policy *p, uint16_t port);
const struct channel_policy *policy_channel(const struct policy *p, const char *name);
const struct server_policy *policy_server(const struct policy *p,
                                          const struct endpoint *server);
/* cipher_list_allows - does one entry of the list accept (version, suite)?
 * An empty list accepts everything. */
bool cipher_list_allows(const struct cipher_list *l, uint16_t version, uint32_t code);
/* cipher_name_valid - is this a name a cipher list may hold? */
bool cipher_name_valid(const char *name);

/* ---- what the capture showed about a server -------------------------------- */

/* a capture finding names at most 8 sessions (struct capture_finding) */
enum { FACT_SESSIONS = 8, FACT_TIMES = 512 };

/* The sessions that showed one fact: the first FACT_SESSIONS ids, and how
 * many in all. */
struct idset {
    uint64_t ids[FACT_SESSIONS];
    uint32_t n;
};

void idset_add(struct idset *set, uint64_t id);

/* Why a server misses Mozilla's intermediate profile: the first four put
 * it below "old", the others make it "old". Each keeps the sessions that
 * showed it and the first one's version, suite and key size, so the
 * evidence quotes a session that really shows the reason. */
enum grade_reason {
    GR_SSL, GR_WEAK_SUITE, GR_RSA_SMALL, GR_DH_TINY,
    GR_TLS10_11, GR_CBC, GR_STATIC_RSA, GR_DH_SMALL,
    GR_COUNT,
};

struct grade_fact {
    struct idset sessions;
    uint16_t version;
    uint32_t cipher;
    int bits;
};

struct server_facts {
    struct endpoint server;
    uint32_t sessions, established, full, resumed, failed;
    bool has_leaf;
    char leaf_key_type[16];
    int leaf_key_bits;
    uint64_t leaf_session; /* where the leaf was seen */
    uint16_t versions[8];
    size_t n_versions;
    uint32_t ciphers[16];
    size_t n_ciphers;
    uint64_t first_ids[FACT_SESSIONS];
    size_t n_ids;
    float *hs_ms; /* full handshakes, the first FACT_TIMES, grown on demand */
    size_t n_hs, cap_hs;
    double hs_total_ms;
    int64_t first_ts, last_ts;
    struct grade_fact grade[GR_COUNT]; /* against Mozilla's profiles */
};

enum { FACT_FINGERPRINTS = 3 };

/* What a client's hellos offered (each with the sessions that offered it)
 * and what none of them did. Only hellos that parsed whole count for the
 * "never" facts: absence in a broken hello proves nothing. */
enum client_offer { CO_NULL, CO_EXPORT, CO_ANON, CO_RC4, CO_DES, CO_3DES, CO_COUNT };

/* The suites a client should not offer, with the sessions that did: a row
 * of their own, as few clients offer any. */
struct client_offers {
    struct idset offers[CO_COUNT];
};

/* A row per client host, small: a capture may hold hundreds of thousands
 * (752 bytes each made small's 6,000 the rules' largest memory). */
struct client_facts {
    uint8_t family, addr[16];
    uint8_t n_ja4;
    bool more_ja4;
    uint32_t sessions;
    uint32_t offers_at; /* its row in capture_state.offers + 1; 0: none offered */
    uint32_t with_tls13, with_ems, with_reneg; /* whole hellos that had it */
    /* the JA4 fingerprints of its hellos (which TLS stacks on that host),
     * as rows of capture_state.ja4s: hosts share a few */
    uint32_t ja4[FACT_FINGERPRINTS];
    struct idset whole; /* sessions whose hello parsed whole */
};

struct ja4_text {
    char s[40];
};

/* ---- evaluating one session -------------------------------------------------- */

struct rule_env {
    const struct policy *pol;
    int64_t now;          /* the clock validity is judged against (seconds) */
    enum as_of as_of;     /* where now comes from */
    /* how to name it in evidence (rule_clock): written when first asked,
     * as few sessions have a finding about dates */
    char *clock_text;
    /* why the capture's own clock cannot be believed (it is the clock, and
     * it stood still, predates the protocol, or is later than today), or
     * NULL: certificate dates are then not judged against it */
    const char *clock_doubt;
    bool mq_port;         /* the server port is an IBM MQ port */
    const struct server_facts *server; /* earlier sessions to this server */
    const struct channel_policy *channel; /* policy for the MQ channel */
    const struct server_policy *server_pol;
};

/* A finding being written: severity preset from the table. A check sets
 * explains when its evidence says why the handshake failed: then the
 * fallback rules (alert-explained) stay silent, so one event gets one
 * explanation and one MQ message. */
struct finding_out {
    enum severity severity;
    bool explains;
    bool own_fix; /* the check's fix replaces the table's, which would contradict it */
    char evidence[1536];
    size_t ev_len;
    char fix[1024];
    size_t fix_len;
    const char *mq; /* overrides the table's MQ message */
    char mq_buf[256]; /* finding_mq writes here */
};

void finding_note(struct finding_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void finding_fix(struct finding_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* finding_mq - the MQ messages of this finding, each group of numbers
 * followed by its side in parentheses: "AMQ9633E (client); AMQ9665E
 * (queue manager)". On a finding that does not explain a failure the
 * engine makes it conditional: nothing failed for MQ to report. */
void finding_mq(struct finding_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* mq_side - how MQ messages name the side of a direction's sender: the
 * TLS client is the MQ client (or the initiating MCA), the server the
 * queue manager. */
const char *mq_side(int dir);
/* mq_session - IBM MQ by the port (policy mq_ports), a channel SNI, or
 * MQ segments seen in clear. */
bool mq_session(const struct session *s, const struct rule_env *env);

typedef bool (*rule_check)(const struct session *s, const struct rule_env *env,
                           struct finding_out *out);

struct rule {
    struct rule_info info;
    const char *fix; /* what to change; checks may add specifics */
    const char *mq;  /* the IBM MQ message it usually shows as, or NULL */
    rule_check check;
    bool fallback;   /* runs last, and only when no finding explained the failure */
};

/* ---- capture-wide ------------------------------------------------------------- */

/* A handshake an OCSP/CRL fetch may have delayed. Fetches are reported
 * when their HTTP connection closes, before or after the session they
 * delayed, so the last WINDOW_RING handshakes are kept to look back on. */
struct hs_window {
    uint64_t id;
    struct endpoint client, server;
    int64_t start, end; /* ns */
};

enum { WINDOW_RING = 4096, FETCH_SESSIONS = 8 };

struct fetch_facts {
    struct revocation_fetch f;
    uint64_t ids[FETCH_SESSIONS];
    double hs_ms[FETCH_SESSIONS];
    size_t n_ids;
    size_t prev_same_host; /* the fetch before it by the same host, + 1; 0: none */
    int64_t latest_request; /* the latest request of it and those before it by its host */
};

/* A handshake refused after offering suites for one key type only. */
struct refusal {
    uint64_t id;
    uint32_t server_index; /* into capture_state.servers */
    char offered_key[8];   /* "ecdsa" or "rsa" */
};

/* The certificates the sessions of one MQ channel were answered with. */
enum { CHANNEL_CERTS = 4 };

struct channel_facts {
    char channel[21];
    uint32_t sessions;
    struct {
        uint8_t sha256[32];
        char subject[128];
        uint64_t first_id;
        struct endpoint server;
        uint32_t sessions;
        char key_type[16];
        int key_bits;
        uint16_t version; /* what its first session negotiated */
        uint32_t cipher;
    } certs[CHANNEL_CERTS];
    size_t n_certs;
    uint32_t other_certs; /* beyond CHANNEL_CERTS */
};

/* Connections to one MQ listener that ended without a byte. */
enum { QUIET_TIMES = 64 };
struct quiet_facts {
    struct endpoint server, first_client;
    bool one_client_host;    /* every one came from first_client's address */
    uint32_t n, client_closed, resets;
    int64_t first_ts, last_ts;
    uint64_t first_packet;
    int64_t opens[QUIET_TIMES]; /* the first QUIET_TIMES opening times */
    struct idset sessions; /* those that became sessions (the server answered the close) */
};

/* The MQ connections of one client host to one listener, for the
 * reconnect pattern of a client that cannot renegotiate the secret key.
 * Their list grows as they come: most hosts connect once, and a listener
 * may see tens of thousands of hosts. */
enum { RECONNECT_SESSIONS = 64 };
struct reconnect_session {
    int64_t start, end;
    uint64_t bytes, id;
    bool client_closed;
};
struct reconnect_facts {
    struct endpoint server;
    uint8_t family, addr[16]; /* the client host */
    uint32_t n, cap;          /* sessions kept (at most RECONNECT_SESSIONS) */
    struct reconnect_session *v;
};

struct capture_state {
    const struct policy *pol;
    struct reconnect_facts *reconnects;
    size_t n_reconnects;
    struct quiet_facts *quiet;
    size_t n_quiet;
    struct server_facts *servers;
    size_t n_servers;
    struct client_facts *clients;
    size_t n_clients;
    struct client_offers *offers;
    size_t n_offers;
    struct ja4_text *ja4s;
    size_t n_ja4s;
    struct fetch_facts *fetches;
    size_t n_fetches;
    struct refusal *refusals;
    size_t n_refusals;
    struct channel_facts *channels;
    size_t n_channels;
    struct hs_window windows[WINDOW_RING];
    uint64_t n_windows; /* ever written; the ring holds the last WINDOW_RING */
};

struct capture_out {
    struct capture_finding *v;
    size_t n, cap;
};

typedef void (*capture_check)(const struct capture_state *st,
                              const struct rule *self, struct capture_out *out);

struct capture_rule {
    struct rule rule;
    capture_check run;
};

/* capture_add - append a finding (copies strings into static storage). */
struct capture_finding *capture_add(struct capture_out *out, const struct rule *r,
                                    enum severity sev, const char *subject);
void capture_note(struct capture_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void capture_session(struct capture_finding *f, uint64_t id);

/* ---- the tables (registry.c) ------------------------------------------------- */

extern const struct rule *const session_rules[];
extern const size_t n_session_rules;
extern const struct capture_rule *const capture_rules[];
extern const size_t n_capture_rules;

/* ---- helpers for rules (util.c) ------------------------------------------------- */

const char *endpoint_text(const struct endpoint *e, char *buf, size_t len);
/* leaf - the first certificate of a chain, or NULL. */
const struct cert *chain_leaf(const struct chain *c);
/* cert_cn - the subject's CN, copied into buf (empty when absent). */
const char *cert_cn(const struct cert *c, char *buf, size_t len);
/* version_text / cipher_text - names for evidence. */
const char *version_text(uint16_t v, char *buf);
const char *cipher_text(uint32_t code, char *buf);
/* offered_key_types - which certificate key types the client's offered
 * TLS 1.2 suites can use: bit 0 RSA, bit 1 ECDSA, bit 2 other/any. */
unsigned offered_key_types(const struct hello *ch);
bool offers_tls13(const struct hello *ch);
bool session_is_tls13(const struct session *s);
/* offers_below_tls13 - the ClientHello allows a version older than TLS
 * 1.3 (or does not say: no supported_versions). */
bool offers_below_tls13(const struct hello *ch);
/* hello_whole - the hello was seen and parsed to its end, every extension
 * included: only then can a rule conclude that something is missing. */
bool hello_whole(const struct hello *h);
/* fatal_alert - the last cleartext fatal alert, or NULL. */
const struct alert *fatal_alert(const struct session *s);
/* failure_alert - the alert that ended a handshake that never completed:
 * the first fatal (or, in TLS 1.3, encrypted) one, since a later one only
 * answers it; NULL when none did. */
const struct alert *failure_alert(const struct session *s);
/* cert_refusal - failure_alert when the side that validates the chain sent
 * it (the client for the server's chain: chain_role DIR_S2C) and it is one
 * a certificate causes (bad_certificate ... unknown_ca, or an encrypted one
 * after that chain was sent); NULL otherwise. */
const struct alert *cert_refusal(const struct session *s, int chain_role);
/* rule_clock - how to name env->now in evidence: "the capture's time
 * (2024-05-01)". */
enum { RULE_CLOCK_TEXT = 64 };
const char *rule_clock(const struct rule_env *env);
/* capture_clock_doubt - why the capture's timestamps cannot be the real
 * time of this session, in buf, or NULL: every packet at one instant, a
 * date before the protocol version it speaks was published, a date after
 * wall (the machine's clock; 0: not checked), or even the CA certificate
 * that issued the leaf not yet valid. */
const char *capture_clock_doubt(const struct session *s, int64_t wall, char *buf, size_t len);
/* closed_by - the side that sent FIN or RST first after time t (ns), or -1,
 * with when. */
int closed_by(const struct session *s, int64_t after, int64_t *when);
bool cipher_is_weak(const struct cipher_info *ci, const char **why);
/* refused_at_hello - the server answered the ClientHello (no ServerHello
 * or HelloRetryRequest) with the fatal alert *al. */
bool refused_at_hello(const struct session *s, const struct alert **al);
/* refused_key_type - the server refused a ClientHello that offered suites
 * for one certificate key type only: 1 RSA, 2 ECDSA; 0 otherwise. */
unsigned refused_key_type(const struct session *s);
/* offers_schemes - does the client offer a signature scheme in [lo, hi]? */
bool offers_schemes(const struct hello *ch, uint16_t lo, uint16_t hi);
/* rsa_pss_missing - no signature scheme the server's RSA key can sign
 * with: 1 when the key is RSA and the session TLS 1.3 (RSA-PSS only), 2
 * when a refusal of a TLS 1.3 hello suggests it, 3 when the key is
 * RSASSA-PSS and no rsa_pss_pss_* scheme is offered; 0 otherwise. */
unsigned rsa_pss_missing(const struct session *s, const struct rule_env *env);
/* narrow_sigalgs_note - when the client offers only a few signature
 * schemes, name the server key kinds none of them fits: a refusal of the
 * hello may be theirs rather than the suites'. */
void narrow_sigalgs_note(const struct hello *ch, struct finding_out *out);
/* sslpeer_matches - does an RFC 2253 DN satisfy an MQ SSLPEER filter? */
bool sslpeer_matches(const char *pattern, const char *dn);
