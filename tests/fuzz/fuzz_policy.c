/* The policy file parser, and the rules built from what it accepts.
 * Input: a policy file. */
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_path(data, size, &fd);
    char err[512];
    struct policy *p = policy_load(path, NULL, err, sizeof(err));
    if (p) {
        struct rules_config rc = {.policy = p, .as_of = AS_OF_CAPTURE};
        struct rules *r = rules_new(&rc);
        const struct capture_finding *cf;
        if (r)
            (void)rules_finish(r, &cf);
        rules_free(r);
        policy_free(p);
    }
    close(fd);
    return 0;
}
