/* The one-line errors every command prints ("tlsscope: ..."), and the
 * TUI's way of taking them onto its status line instead. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void (*error_sink)(const char *message, void *ctx);
static void *error_sink_ctx;

void cli_error_redirect(void (*sink)(const char *message, void *ctx), void *ctx)
{
    error_sink = sink;
    error_sink_ctx = ctx;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (error_sink) {
        char message[1024];
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        error_sink(message, error_sink_ctx);
        return;
    }
    fputs("tlsscope: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_bad_option(const char *cmd, const char *shorts, char **argv)
{
    const char *given = optind > 0 ? argv[optind - 1] : "?";
    bool long_given = given[0] == '-' && given[1] == '-';
    if (optopt && long_given) /* a known long option without its value */
        cli_error("%s: %.*s needs a value (try 'tlsscope %s --help')", cmd, (int)strcspn(given, "="), given, cmd);
    else if (optopt > 0 && optopt < 128 && strchr(shorts, optopt))
        cli_error("%s: -%c needs a value (try 'tlsscope %s --help')", cmd, optopt, cmd);
    else if (optopt > 0 && optopt < 128)
        cli_error("%s: unknown option -%c (try 'tlsscope %s --help')", cmd, optopt, cmd);
    else
        cli_error("%s: unknown option %.*s (try 'tlsscope %s --help')", cmd, (int)strcspn(given, "="), given, cmd);
    return EXIT_USAGE;
}
