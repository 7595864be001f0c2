/* ClientHello and ServerHello with a fuzzed extension block (its length
 * field included): every extension parser, on both sides, and the
 * fingerprints over what they found. Input: the extension block. */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bytes_out client = {0}, server = {0};
    out_client_hello(&client, data, size);
    out_server_hello(&server, data, size);
    feed_connection(&client, &server);
    free(client.p);
    free(server.p);
    return 0;
}
