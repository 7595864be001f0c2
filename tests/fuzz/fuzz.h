#pragma once

/* Shared by the libFuzzer harnesses (tests/fuzz/, built by scripts/fuzz.sh
 * with clang, ASan and UBSan): the analysis chain the CLI builds, reduced
 * to what a harness drives, and fuzzed bytes as a file for the readers
 * that take a path. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "dissect/dissect.h"
#include "report/report.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pipe: the whole analysis, capture -> dissect -> rules -> JSON and text
 * reports; the text goes to /dev/null, the JSON to memory, and pipe_close
 * aborts unless every JSON line is strict JSON (tests/unit/jsoncheck.h). */
struct pipe {
    struct policy *policy;
    struct rules *rules;
    struct dissect *dissect;
    struct capture *capture;
    struct report *json, *text;
    FILE *null, *json_out;
    char *json_text;
    size_t json_len;
};

void pipe_open(struct pipe *c);
/* pipe_connection - open 10.0.0.1:40000 -> 10.0.0.2:443 (its SYN seen)
 * on the pipe's dissector: *h and the flow's state for h's callbacks (NULL:
 * not followed). */
void *pipe_connection(struct pipe *c, struct flow_handler *h);
/* pipe_datagrams - the same for a UDP flow (QUIC or DTLS, told by its
 * first datagram); h->datagram takes its datagrams. */
void *pipe_datagrams(struct pipe *c, struct flow_handler *h);
/* pipe_finish - end of capture: every session and the summary reported. */
void pipe_finish(struct pipe *c);
void pipe_close(struct pipe *c);

/* fuzz_path - the bytes as a file (memfd) whose path is returned; close
 * the descriptor *fd when done. */
const char *fuzz_path(const uint8_t *data, size_t size, int *fd);
