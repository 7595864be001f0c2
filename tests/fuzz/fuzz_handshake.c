/* One handshake message of any type, in records, after TLS 1.2 hellos:
 * every handshake message parser (certificates and their X.509 decoding,
 * key exchange, certificate request and status, tickets, finished...).
 * Input: [direction][type] body. */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct bytes_out client = {0}, server = {0};
    out_client_hello(&client, NULL, 0);
    out_server_hello(&server, NULL, 0);
    out_handshake(data[0] & 1 ? &client : &server, data[1], data + 2, size - 2);
    feed_connection(&client, &server);
    free(client.p);
    free(server.p);
    return 0;
}
