#pragma once

/* TLS secrets from an NSS key log (SSLKEYLOGFILE) or a pcapng Decryption
 * Secrets Block, by client random. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/status.h"

enum { KEYLOG_SECRET_MAX = 64 };

enum keylog_label {
    KL_MASTER_SECRET,    /* CLIENT_RANDOM: the TLS <= 1.2 master secret */
    KL_CLIENT_EARLY,     /* CLIENT_EARLY_TRAFFIC_SECRET */
    KL_CLIENT_HANDSHAKE, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KL_SERVER_HANDSHAKE, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KL_CLIENT_TRAFFIC,   /* CLIENT_TRAFFIC_SECRET_0 */
    KL_SERVER_TRAFFIC,   /* SERVER_TRAFFIC_SECRET_0 */
    KL_EARLY_EXPORTER,
    KL_EXPORTER,
    KL_LABELS,
};

struct keylog_secret {
    uint8_t v[KEYLOG_SECRET_MAX];
    uint8_t len; /* 0: not in the key log */
};

struct keylog_entry {
    uint8_t client_random[32];
    struct keylog_secret secret[KL_LABELS];
};

struct keylog_stats {
    uint64_t lines;     /* non-comment lines read */
    uint64_t entries;   /* distinct client randoms */
    uint64_t malformed; /* lines skipped with a warning */
    uint64_t ignored;   /* RSA lines: not keyed by client random */
    uint64_t over_limit; /* lines for new client randoms beyond the limit */
};

/* Called with "ORIGIN:LINE: reason; line skipped" for each bad line. */
typedef void (*keylog_warn_fn)(void *ctx, const char *message);

struct keylog;

struct keylog *keylog_new(keylog_warn_fn warn, void *ctx);
void keylog_free(struct keylog *k);
/* keylog_load_file - read a key log file; a later lookup that misses reads
 * on if the file has grown. ST_IO with the reason in err when unreadable. */
MUST_CHECK enum st keylog_load_file(struct keylog *k, const char *path, char *err,
                                    size_t errlen);
/* keylog_follow_file - the same for a live capture: a file that does not
 * exist yet is no error (*waiting is set) and is read once it appears.
 * The file is opened now, before a capture gives up root. */
MUST_CHECK enum st keylog_follow_file(struct keylog *k, const char *path, bool *waiting, char *err,
                                      size_t errlen);
/* keylog_unreadable - whether the file named cannot be read (it appeared,
 * or was replaced, unreadable by the user the capture runs as), and why. */
bool keylog_unreadable(struct keylog *k, char *why, size_t len);
/* keylog_add_text - key log lines from elsewhere (a pcapng DSB); origin
 * names them in warnings. */
void keylog_add_text(struct keylog *k, const char *origin, const char *text, size_t len);
/* keylog_set_limit - keep at most max_entries client randoms (each about
 * 400 bytes); lines for new ones beyond it are counted and skipped, with
 * one warning. The default is KEYLOG_DEFAULT_ENTRIES. */
enum { KEYLOG_DEFAULT_ENTRIES = 1000000 };
void keylog_set_limit(struct keylog *k, size_t max_entries);
/* keylog_find - copy the secrets for a client random into out; false when
 * the key log has no line for it. Safe on several threads at once (as are
 * the calls that add lines); the copy stays valid whatever is read later. */
bool keylog_find(struct keylog *k, const uint8_t client_random[32], struct keylog_entry *out);
size_t keylog_count(struct keylog *k);
/* keylog_flush - the file is complete: a last line without its newline is
 * read now (or reported). */
void keylog_flush(struct keylog *k);
const struct keylog_stats *keylog_stats(const struct keylog *k);
