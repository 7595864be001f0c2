#pragma once

/* QUIC Initial packets for tests: frames sealed as RFC 9001 5 says, with
 * the Initial keys of a connection's first DCID (derived by the code under
 * test, whose derivation test_quic checks against the RFCs' vectors). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/cur.h"

/* quic_initial_packet - an Initial packet of version (1 or 0x6b3343cf) as
 * the client (server false) or the server sends it: keys from key_dcid,
 * the header's dcid and scid, no token, a 2-byte packet number, the
 * frames padded with PADDING to 20 bytes at least. Writes n + 80 bytes at
 * most to out; returns the packet's length. */
size_t quic_initial_packet(uint32_t version, bool server, struct cur key_dcid, struct cur dcid, struct cur scid,
                           uint16_t pn, const uint8_t *frames, size_t n, uint8_t *out);
