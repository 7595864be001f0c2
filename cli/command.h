#pragma once

/* The command `tlsscope run` watches. It runs under a small supervisor
 * process forked before tlsscope gives up root (-Z): the command keeps the
 * rights tlsscope was started with, and the supervisor, which keeps them
 * too, is the one that can stop it. Whatever way tlsscope ends (done, a
 * failure, a crash), the supervisor stops and reaps the command: it is
 * never left behind. */

#include <stdbool.h>

struct command;

/* command_start - run cmd (argv, cmd[0] looked up in PATH) with
 * SSLKEYLOGFILE=keylog. EXIT_OK with *out, or EXIT_INPUT with one line on
 * stderr when it cannot be started (nothing is left running then). */
int command_start(char **cmd, const char *keylog, struct command **out);

/* command_poll - whether the command has ended; then *status is its wait
 * status (waitpid). */
bool command_poll(struct command *c, int *status);

/* command_stop - ask the command to end: SIGTERM now, SIGKILL two seconds
 * later if it is still there. */
void command_stop(struct command *c);
/* command_forward - the same, starting with signal sig (SIGINT or
 * SIGTERM), or with none (0: the command got it from the terminal too),
 * then SIGKILL two seconds later. */
void command_forward(struct command *c, int sig);

/* command_finish - stop the command if it still runs, wait until it is
 * gone and free c. Returns its wait status. */
int command_finish(struct command *c);
