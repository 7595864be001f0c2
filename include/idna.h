#pragma once

/* Internationalised host names as they must travel in SNI and sit in
 * certificates: A-labels (RFC 5890), Punycode (RFC 3492) behind "xn--". */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* idna_to_ascii - name[0..n), UTF-8, with each non-ASCII label turned
 * into its A-label and ASCII lower-cased, in out (NUL-terminated). False
 * when the name is not valid UTF-8, holds a NUL or a control character,
 * or does not fit in len bytes. No Unicode case mapping or normalisation
 * is done: a name sent that way was not prepared for IDNA either. */
bool idna_to_ascii(const uint8_t *name, size_t n, char *out, size_t len);
