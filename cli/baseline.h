#pragma once

/* Findings of an earlier run, for check --baseline. */

#include <stdbool.h>
#include <stddef.h>

struct baseline {
    char **keys;
    size_t n, cap;
    bool loaded;
};

/* baseline_load - read JSON lines of tlsscope read/check output; an exit
 * status (EXIT_INPUT after saying what is wrong with which line). */
int baseline_load(struct baseline *b, const char *path);
bool baseline_has(const struct baseline *b, const char *key);
void baseline_free(struct baseline *b);
/* The key of a session's finding (server "ADDR:PORT", SNI or NULL) and of
 * a capture-wide one. */
void baseline_session_key(char *out, size_t len, const char *rule, const char *server, const char *sni);
void baseline_capture_key(char *out, size_t len, const char *rule, const char *subject);
