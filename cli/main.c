#include "cli/cli.h"
#include "include/heap.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifndef TLSSCOPE_VERSION
#define TLSSCOPE_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: tlsscope COMMAND [options] [arguments]\n"
    "\n"
    "Passive TLS handshake analyzer: finds every TLS/SSL handshake in a capture,\n"
    "on any port, reports versions, cipher suites, certificates and alerts, and\n"
    "explains what is wrong and how to fix it (with IBM MQ's view of it).\n"
    "\n"
    "commands:\n"
    "  read [options] FILE...      analyze capture files (pcap, pcapng, gzip-compressed)\n"
    "  live [options] -i IFACE [FILTER]\n"
    "                              analyze an interface's traffic as it happens\n"
    "  check [options] (FILE... | -i IFACE [FILTER])\n"
    "                              CI: check handshakes against --expect and the\n"
    "                              rules; PASS/FAIL, JUnit, SARIF, exit status\n"
    "  run [options] -i IFACE [FILTER] -- COMMAND [ARG...]\n"
    "                              capture while COMMAND runs, then check\n"
    "  tui [options] (FILE... | -i IFACE [FILTER])\n"
    "                              browse sessions, handshakes, certificates and\n"
    "                              findings in the terminal\n"
    "  cipher NAME|0xHHHH          look up a cipher suite: IANA name, code, IBM MQ\n"
    "                              CipherSpec, key exchange, authentication, protocol\n"
    "  mq-sni CHANNEL|SNI          convert an IBM MQ channel name to the SNI its\n"
    "                              clients send, and back\n"
    "  rules [RULE-ID...]          list the rules that turn sessions into findings,\n"
    "                              or show some in full\n"
    "\n"
    "  tlsscope COMMAND --help     options of one command\n"
    "  tlsscope --version\n"
    "\n"
    "exit status: 0 success, 1 a check failed (check, run), 2 usage error, 3 input\n"
    "error (missing or unreadable file, not a capture, damaged or truncated\n"
    "capture, an interface that cannot be captured on).\n";

int main(int argc, char **argv)
{
    heap_prepare();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("tlsscope %s\n", TLSSCOPE_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "live") == 0)
        return cmd_live(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "tui") == 0)
        return cmd_tui(argc - 1, argv + 1);
    if (strcmp(cmd, "cipher") == 0)
        return cmd_cipher(argc - 1, argv + 1);
    if (strcmp(cmd, "mq-sni") == 0)
        return cmd_mq_sni(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    cli_error("unknown command '%s' (try 'tlsscope --help')", cmd);
    return EXIT_USAGE;
}
