#pragma once

/* A strict JSON checker for the tests and fuzz harnesses: RFC 8259
 * grammar, raw bytes that are valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates), \u escapes with surrogates only in pairs. What Rust's
 * serde_json or Go's decoder with validation would accept, and nothing
 * more. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* json_check - whether p[0..n) holds exactly one JSON value (whitespace
 * around it allowed). On false, why names the first fault and its offset. */
bool json_check(const char *p, size_t n, char *why, size_t whylen);

/* json_string_bytes - the original bytes of the JSON string at p (p[0] is
 * its opening quote) as tlsscope maps them (docs/json.md: U+10FF00 + b
 * stands for the byte b, anything else for its UTF-8 encoding). Writes at
 * most cap bytes to out; returns the length, or -1 when p is not a string. */
long json_string_bytes(const char *p, size_t n, uint8_t *out, size_t cap);
