#pragma once

/* tlsscope run: capture on an interface while a command runs. */

#include <stdbool.h>
#include <stddef.h>

#include "cli/live.h"

/* Where the capture and the command's key log go: a private directory
 * (handed to the capture's user with the files), the pcapng, the key log. */
struct run_files {
    const char *dir, *capture, *keylog;
};

/* run_capture - capture into files->capture while cmd runs, with
 * SSLKEYLOGFILE naming files->keylog; then a little longer, until the wire
 * is quiet, so the last packets are in. How the command failed, if it did,
 * goes into cmd_failure ("" otherwise). SIGINT or SIGTERM sent to tlsscope
 * stops the command with the same signal (*interrupted), and what was
 * captured is still to be judged. Returns an exit status. */
int run_capture(const struct live_opts *capture, char **cmd, const struct run_files *files, char *cmd_failure,
                size_t failure_len, bool *interrupted);
