/* The command of `tlsscope run`, under a supervisor.
 *
 *   tlsscope (may become nobody) --control socket--> supervisor --fork/exec--> command
 *            <--report pipe------
 *
 * The supervisor reports once that the command started (or why exec
 * failed), then once more with its wait status when it ends. A byte on the
 * control pipe, or its end (tlsscope exited or crashed), makes the
 * supervisor stop the command: SIGTERM (or the signal the byte names: run
 * forwards SIGINT as SIGINT), then SIGKILL after STOP_GRACE. */
#include "cli/command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

enum { STOP_GRACE_MS = 2000, TICK_MS = 50 };

enum report_kind { R_STARTED, R_EXEC_FAILED, R_ENDED };

struct report {
    int32_t kind;
    int32_t value; /* errno for R_EXEC_FAILED, the wait status for R_ENDED */
};

struct command {
    pid_t supervisor;
    int control; /* our end: a byte asks for a stop, closing it too */
    int reports; /* read end */
    bool ended;
    int status;
};

static bool write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* read_report - one report; false at the pipe's end or on an error. */
static bool read_report(int fd, struct report *r)
{
    char *b = (char *)r;
    size_t got = 0;
    while (got < sizeof(*r)) {
        ssize_t n = read(fd, b + got, sizeof(*r) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child of the supervisor: the command. A failed exec sends errno
 * through a close-on-exec pipe. */
static void exec_command(char **cmd, const char *keylog, int errpipe)
{
    setenv("SSLKEYLOGFILE", keylog, 1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execvp(cmd[0], cmd);
    int e = errno;
    (void)write_all(errpipe, &e, sizeof(e));
    _exit(127);
}

/* The supervisor: start the command, then wait for it to end or for a stop
 * request, and report. Never returns. */
static void supervise(char **cmd, const char *keylog, int control, int reports)
{
    /* Ctrl-C reaches the command from the terminal; the supervisor stays
     * to reap it and say how it ended */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int errpipe[2];
    struct report r = {R_EXEC_FAILED, 0};
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        r.value = errno;
        (void)write_all(reports, &r, sizeof(r));
        _exit(0);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        close(control);
        close(reports);
        exec_command(cmd, keylog, errpipe[1]);
    }
    close(errpipe[1]);
    int e = 0;
    ssize_t got = pid > 0 ? read(errpipe[0], &e, sizeof(e)) : -1;
    close(errpipe[0]);
    if (pid < 0 || got == (ssize_t)sizeof(e)) {
        r.value = pid < 0 ? errno : e;
        if (pid > 0)
            waitpid(pid, NULL, 0);
        (void)write_all(reports, &r, sizeof(r));
        _exit(0);
    }
    r = (struct report){R_STARTED, 0};
    (void)write_all(reports, &r, sizeof(r));
    int64_t stop_at = 0;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        struct pollfd p = {.fd = control, .events = POLLIN};
        if (!stop_at && poll(&p, 1, TICK_MS) > 0) {
            /* the signal to send first; the end of the socket (tlsscope
             * gone) is a SIGTERM */
            unsigned char b = SIGTERM;
            if (read(control, &b, 1) != 1)
                b = SIGTERM;
            if (b == SIGINT || b == SIGTERM)
                kill(pid, b);
            stop_at = ms_now();
        } else if (stop_at) {
            if (ms_now() - stop_at >= STOP_GRACE_MS)
                kill(pid, SIGKILL);
            usleep(TICK_MS * 1000);
        }
    }
    r = (struct report){R_ENDED, status};
    (void)write_all(reports, &r, sizeof(r));
    _exit(0);
}

int command_start(char **cmd, const char *keylog, struct command **out)
{
    *out = NULL;
    struct command *c = calloc(1, sizeof(*c));
    int control[2], reports[2];
    /* a socket, not a pipe: a stop sent to a supervisor that is gone
     * must fail, not raise SIGPIPE (send with MSG_NOSIGNAL) */
    if (!c || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0) {
        cli_error("run: cannot start %s: %s", cmd[0], c ? strerror(errno) : "out of memory");
        free(c);
        return EXIT_INPUT;
    }
    if (pipe2(reports, O_CLOEXEC) != 0) {
        cli_error("run: cannot start %s: %s", cmd[0], strerror(errno));
        close(control[0]);
        close(control[1]);
        free(c);
        return EXIT_INPUT;
    }
    fflush(stdout);
    fflush(stderr);
    c->supervisor = fork();
    if (c->supervisor == 0) {
        close(control[1]);
        close(reports[0]);
        supervise(cmd, keylog, control[0], reports[1]);
    }
    int fork_errno = errno;
    close(control[0]);
    close(reports[1]);
    c->control = control[1];
    c->reports = reports[0];
    struct report r;
    if (c->supervisor < 0 || !read_report(c->reports, &r) || r.kind != R_STARTED) {
        if (c->supervisor < 0)
            cli_error("run: cannot start %s: %s", cmd[0], strerror(fork_errno));
        else
            cli_error("run: cannot run %s: %s", cmd[0], strerror(r.kind == R_EXEC_FAILED ? r.value : EIO));
        close(c->control);
        close(c->reports);
        if (c->supervisor > 0)
            waitpid(c->supervisor, NULL, 0);
        free(c);
        return EXIT_INPUT;
    }
    *out = c;
    return EXIT_OK;
}

bool command_poll(struct command *c, int *status)
{
    if (!c->ended) {
        struct pollfd p = {.fd = c->reports, .events = POLLIN};
        struct report r;
        if (poll(&p, 1, 0) > 0) {
            /* the report, or the supervisor gone without one (killed) */
            c->ended = true;
            c->status = read_report(c->reports, &r) && r.kind == R_ENDED ? r.value : W_EXITCODE(0, SIGKILL);
        }
    }
    if (c->ended)
        *status = c->status;
    return c->ended;
}

void command_forward(struct command *c, int sig)
{
    unsigned char b = (unsigned char)sig;
    if (!c->ended)
        (void)send(c->control, &b, 1, MSG_NOSIGNAL);
}

void command_stop(struct command *c)
{
    command_forward(c, SIGTERM);
}

int command_finish(struct command *c)
{
    int status = 0;
    command_stop(c);
    close(c->control); /* the supervisor stops the command if the byte did not get there */
    struct report r;
    if (!c->ended) {
        c->status = read_report(c->reports, &r) && r.kind == R_ENDED ? r.value : W_EXITCODE(0, SIGKILL);
        c->ended = true;
    }
    status = c->status;
    close(c->reports);
    while (waitpid(c->supervisor, NULL, 0) < 0 && errno == EINTR)
        ;
    free(c);
    return status;
}
