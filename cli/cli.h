#pragma once

/* cli/: the tlsscope command line. Each subcommand is a function that
 * returns the process exit status. */

#include <stdio.h>

enum exit_status {
    EXIT_OK = 0,
    EXIT_FAIL = 1,  /* an expectation failed (check/run) */
    EXIT_USAGE = 2,
    EXIT_INPUT = 3, /* unreadable input, not a capture, no permission */
};

int cmd_read(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_cipher(int argc, char **argv);
int cmd_mq_sni(int argc, char **argv);
int cmd_rules(int argc, char **argv);

/* cli_error - print "tlsscope: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_bad_option - one line for an option getopt_long refused (run it with
 * opterr = 0): unknown, or missing its value. Returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, const char *shorts, char **argv);
/* cli_error_redirect - hand messages to sink instead (NULL: stderr again);
 * while the TUI owns the terminal. */
void cli_error_redirect(void (*sink)(const char *message, void *ctx), void *ctx);
