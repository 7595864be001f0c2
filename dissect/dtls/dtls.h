#pragma once

/* DTLS (dissect/dtls/): records in UDP datagrams (RFC 6347 4.1, RFC 9147
 * 4) and handshake messages cut into fragments (RFC 6347 4.2.2), put back
 * together and handed to the same parsers as TLS over TCP. Private to
 * dissect/. */

#include "include/cur.h"

struct tflow;
struct dtls_conn;

/* dtls_datagram - one UDP datagram of a DTLS flow. */
void dtls_datagram(struct tflow *tf, int fdir, struct cur dgram);
/* dtls_free - a flow's DTLS state. */
void dtls_free(struct dtls_conn *c);
