#pragma once

/* Expectations for CI (tlsscope check / run): "KEY=VALUE", "KEY!=VALUE",
 * and for version also >=, >, <=, <. Keys: version, cipher, cipher-any-of,
 * group, sni, alpn, mq-channel, mq-cipherspec, cert-key, established,
 * resumed (docs/ci.md). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/session.h"

enum expect_key {
    EK_VERSION, EK_CIPHER, EK_CIPHER_ANY_OF, EK_GROUP, EK_SNI, EK_ALPN,
    EK_MQ_CHANNEL, EK_MQ_CIPHERSPEC, EK_CERT_KEY, EK_ESTABLISHED, EK_RESUMED, EK_TRANSPORT,
};

enum expect_op { EO_EQ, EO_NE, EO_GE, EO_GT, EO_LE, EO_LT };

enum { EXPECT_TEXT = 160, EXPECT_LIST = 16, EXPECT_NAME = 48 };

struct expectation {
    char text[EXPECT_TEXT]; /* as written, for verdicts */
    enum expect_key key;
    enum expect_op op;
    char value[EXPECT_TEXT];
    uint16_t version;               /* EK_VERSION */
    char list[EXPECT_LIST][EXPECT_NAME]; /* EK_CIPHER(_ANY_OF): names, lists or codes */
    size_t n_list;
    bool flag;                      /* EK_ESTABLISHED, EK_RESUMED */
    char key_type[16];              /* EK_CERT_KEY */
    int key_bits;                   /* 0: any size */
};

/* expectation_parse - one --expect argument; false with a reason quoting it. */
bool expectation_parse(const char *text, struct expectation *out, char *err, size_t errlen);
/* expectation_met - does s meet e? `seen` says what s showed, for verdicts. */
bool expectation_met(const struct expectation *e, const struct session *s, char *seen, size_t seenlen);

/* Which sessions a check applies to (--sni, --server, --mq-channel). */
struct session_filter {
    const char *sni;        /* glob: *.example.com */
    bool has_server;
    struct endpoint server; /* port 0: any port */
    bool any_address;       /* --server :443 */
    const char *mq_channel;
};

/* filter_server - parse "HOST:PORT", "[V6]:PORT", "HOST" or ":PORT". */
bool filter_server(const char *text, struct session_filter *f, char *err, size_t errlen);
bool filter_match(const struct session_filter *f, const struct session *s);
