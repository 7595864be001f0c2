/* tlsscope run's capture: the command started under its supervisor
 * (cli/command.c) while the interface is captured into a pcapng, root
 * given up once both are going, and the command stopped, on --duration or
 * when tlsscope is interrupted, with the signal it was sent. */
#include "cli/run_capture.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/command.h"

/* The temporary capture and key log must be readable by the user the
 * capture continues as. */
static int give_to(const char *user, const char *const *paths, size_t n)
{
    if (geteuid() != 0 || (user && strcmp(user, "root") == 0))
        return EXIT_OK;
    struct passwd *pw = getpwnam(user ? user : "nobody");
    if (!pw) {
        cli_error("-Z: no user '%s' on this system", user ? user : "nobody");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        if (chown(paths[i], pw->pw_uid, pw->pw_gid) != 0) {
            cli_error("%s: %s", paths[i], strerror(errno));
            return EXIT_INPUT;
        }
    return EXIT_OK;
}

int run_capture(const struct live_opts *capture, char **cmd, const struct run_files *files, char *cmd_failure,
                size_t failure_len, bool *interrupted)
{
    *interrupted = false;
    struct live_opts lo = *capture;
    const char *path = files->capture, *keylog = files->keylog, *tmpdir = files->dir;
    struct capture_live *cap;
    struct pcapng_out *w;
    char err[300];
    struct live_options opts = {.iface = lo.iface, .filter = lo.filter, .fanout = lo.fanout};
    if (capture_live_open(&opts, &cap, err, sizeof(err)) != ST_OK) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    if (pcapng_out_open(path, capture_live_linktype(cap), 262144, &w, err, sizeof(err)) != ST_OK) {
        cli_error("%s: cannot write: %s", path, err);
        capture_live_close(cap);
        return EXIT_INPUT;
    }
    const char *const owned[] = {tmpdir, path, keylog};
    struct command *command = NULL;
    int rc = give_to(lo.user, owned, 3);
    /* started before root is given up: the command keeps the rights
     * tlsscope was started with, and so does its supervisor */
    if (rc == EXIT_OK)
        rc = command_start(cmd, keylog, &command);
    uid_t uid;
    gid_t gid;
    if (rc == EXIT_OK)
        rc = drop_privileges(lo.user, &uid, &gid);
    if (rc != EXIT_OK) {
        if (command)
            (void)command_finish(command); /* started, then the capture could not go on */
        capture_live_close(cap);
        (void)pcapng_out_close(w);
        return rc;
    }
    live_signals();
    int status = 0;
    bool exited = false, timed_out = false;
    int sent = 0;
    int64_t quiet_since = 0, exited_at = 0;
    bool stopping = false;
    int64_t deadline = lo.duration ? now_ns() + (int64_t)(lo.duration * 1e9) : 0;
    for (;;) {
        if (!exited && !stopping && (live_stop || (deadline && now_ns() >= deadline))) {
            stopping = true;
            timed_out = !live_stop;
            *interrupted = live_stop;
            sent = live_stop_sent;
            /* from a terminal the command had the signal too: not twice */
            command_forward(command, timed_out ? SIGTERM : sent);
        }
        struct pkt pk;
        enum st st = capture_live_next(cap, 50, &pk);
        int64_t now = now_ns();
        if (st == ST_IO) {
            cli_error("%s: the capture stopped: %s", lo.iface, capture_live_error(cap));
            rc = EXIT_INPUT;
            break;
        }
        if (st == ST_OK) {
            quiet_since = now;
            if (pcapng_out_packet(w, &pk) != ST_OK) {
                cli_error("%s: write error", path);
                rc = EXIT_INPUT;
                break;
            }
        }
        if (!exited && command_poll(command, &status)) {
            exited = true;
            exited_at = quiet_since = now;
        }
        /* drained: 300 ms without a packet, or 3 s after the command */
        if (exited && (now - quiet_since >= 300000000LL || now - exited_at >= 3000000000LL))
            break;
    }
    status = command_finish(command);
    if (timed_out)
        snprintf(cmd_failure, failure_len, "%s was stopped after --duration %g s", cmd[0], lo.duration);
    else if (*interrupted)
        snprintf(cmd_failure, failure_len, "%s was stopped: tlsscope was interrupted (%s)", cmd[0],
                 sent == SIGTERM ? "SIGTERM" : sent == SIGINT ? "SIGINT" : "Ctrl-C");
    else if (WIFSIGNALED(status))
        snprintf(cmd_failure, failure_len, "%s was killed by signal %d", cmd[0], WTERMSIG(status));
    else if (WEXITSTATUS(status))
        snprintf(cmd_failure, failure_len, "%s exited with status %d", cmd[0], WEXITSTATUS(status));
    struct live_stats ls;
    capture_live_stats(cap, &ls);
    capture_live_close(cap);
    if (pcapng_out_close(w) != ST_OK && rc == EXIT_OK) {
        cli_error("%s: write error", path);
        rc = EXIT_INPUT;
    }
    if (ls.dropped)
        cli_error("warning: the kernel dropped %llu packets; some handshakes may be missing",
                  (unsigned long long)ls.dropped);
    return rc;
}
