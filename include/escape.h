#pragma once

/* Bytes from the wire as text for people and line-based logs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* escape_bytes - p[0..n) as text in out: printable ASCII as it is, any
 * other byte (a NUL, a control byte, a byte of UTF-8) as \xNN, so a name
 * can neither drive a terminal nor hide its rest behind a NUL. Cut at a
 * whole character to fit len bytes with its terminator; returns out. */
const char *escape_bytes(const uint8_t *p, size_t n, char *out, size_t len);
