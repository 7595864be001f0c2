#pragma once

/* Client and server fingerprints of a session's hellos: JA3 and JA3S
 * (Salesforce's definition: decimal values, GREASE left out of the
 * client's lists, MD5) and JA4 (FoxIO's TLS client fingerprint, BSD
 * licence) with its raw and original-order forms. */

#include <stdbool.h>

#include "include/arena.h"
#include "include/session.h"

/* JA4 strings are "t13d1516h2_8daaf6152771_e5627efa2ab1": 36 characters. */
enum { JA4_LEN = 36 };

/* fingerprint_ja3 - "771,4865-4866,0-23-65281,29-23,0" for a ClientHello,
 * allocated in a; NULL for none (no hello, an SSLv2-format hello, which the
 * reference does not fingerprint, or no memory). */
char *fingerprint_ja3(struct arena *a, const struct hello *ch);
/* fingerprint_ja3s - "771,4865,43-51" for a ServerHello, as fingerprint_ja3. */
char *fingerprint_ja3s(struct arena *a, const struct hello *sh);
/* fingerprint_md5 - the lowercase hex MD5 of text. */
void fingerprint_md5(const char *text, char out[33]);

struct ja4 {
    char ja4[JA4_LEN + 1], ja4_o[JA4_LEN + 1];
    const char *ja4_r, *ja4_ro; /* in the arena */
};

/* fingerprint_ja4 - JA4 of a ClientHello carried by tr ("t", "q" or "d"
 * first); false for none. */
bool fingerprint_ja4(struct arena *a, const struct hello *ch, enum transport tr, struct ja4 *out);

/* fingerprint_session - fill s->fp from its hellos. */
void fingerprint_session(struct session *s);
