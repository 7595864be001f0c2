#pragma once

/* What the capture generators (gen.c, quic-gen.c) share. */

#include <stdint.h>

/* bench_tool - the program's name, for die's messages; each tool sets it. */
extern const char *bench_tool;

/* die - print "TOOL: message" and OpenSSL's errors, and exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* capture_start - seconds since the epoch a day after the certificate in
 * cert_path became valid: a capture that starts then finds its
 * certificates good, and the same PKI always gives the same timestamps. */
int64_t capture_start(const char *cert_path);
