/* The NSS key log format (SSLKEYLOGFILE): one secret per line,
 *   LABEL <client_random, 64 hex digits> <secret, hex>
 * with '#' comment lines. Written by NSS, OpenSSL (s_client -keylogfile,
 * SSL_CTX_set_keylog_callback), BoringSSL, GnuTLS, Go, curl and Java
 * agents, and carried in pcapng Decryption Secrets Blocks. Entries are
 * keyed by client random; a file still being written is read on from
 * where it stopped when a lookup misses. The trackers of -j N look up on
 * several threads and a lookup may read on, so one lock covers the whole
 * structure, and a lookup copies the secrets out: nothing handed out points
 * into storage that a later read can move. */
#include "dissect/crypto/keylog.h"
#include "include/hmap.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "include/grow.h"

static const struct {
    const char *name;
    enum keylog_label label;
} labels[] = {
    {"CLIENT_RANDOM", KL_MASTER_SECRET},
    {"CLIENT_EARLY_TRAFFIC_SECRET", KL_CLIENT_EARLY},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KL_CLIENT_HANDSHAKE},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KL_SERVER_HANDSHAKE},
    {"CLIENT_TRAFFIC_SECRET_0", KL_CLIENT_TRAFFIC},
    {"SERVER_TRAFFIC_SECRET_0", KL_SERVER_TRAFFIC},
    {"EARLY_EXPORTER_SECRET", KL_EARLY_EXPORTER},
    {"EXPORTER_SECRET", KL_EXPORTER},
};

struct keylog {
    pthread_mutex_t lock;
    struct keylog_entry *v;
    size_t n, cap;
    struct hmap index; /* of entry + 1, by client random */
    struct keylog_stats st;
    keylog_warn_fn warn;
    void *warn_ctx;
    /* the file, for reading on as it grows. The descriptor is opened when
     * the key log is named, so that it stays readable after a live capture
     * gives up root; -1 while the file does not exist yet. */
    char *path;
    int fd;
    bool follow; /* a regular file: read on; a pipe is read once */
    long offset;
    char unreadable[200]; /* why the file cannot be read, once it is so */
    char partial[512];
    size_t partial_len;
    uint64_t line_no;
    size_t max_entries;
};

void keylog_set_limit(struct keylog *k, size_t max_entries)
{
    k->max_entries = max_entries;
}

struct keylog *keylog_new(keylog_warn_fn warn, void *ctx)
{
    struct keylog *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    pthread_mutex_init(&k->lock, NULL);
    k->warn = warn;
    k->warn_ctx = ctx;
    k->max_entries = KEYLOG_DEFAULT_ENTRIES;
    k->fd = -1;
    return k;
}

void keylog_free(struct keylog *k)
{
    if (!k)
        return;
    pthread_mutex_destroy(&k->lock);
    free(k->v);
    hmap_free(&k->index);
    free(k->path);
    if (k->fd >= 0)
        close(k->fd);
    free(k);
}

const struct keylog_stats *keylog_stats(const struct keylog *k)
{
    return &k->st;
}

static void warn(struct keylog *k, const char *origin, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void warn(struct keylog *k, const char *origin, uint64_t line, const char *fmt, ...)
{
    k->st.malformed++;
    if (!k->warn)
        return;
    char why[160], msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s:%llu: %s; line skipped", origin, (unsigned long long)line, why);
    k->warn(k->warn_ctx, msg);
}

static uint64_t random_hash(const uint8_t random[32])
{
    uint64_t h;
    memcpy(&h, random, sizeof(h)); /* client randoms are random */
    return h;
}

static bool same_random(uintptr_t value, const void *key, const void *ctx)
{
    const struct keylog *k = ctx;
    return memcmp(k->v[value - 1].client_random, key, 32) == 0;
}

/* Entries are found by index: the array moves as it grows. */
static struct keylog_entry *lookup(const struct keylog *k, const uint8_t random[32])
{
    uintptr_t at = hmap_get(&k->index, random_hash(random), same_random, random, k);
    return at ? &k->v[at - 1] : NULL;
}

static struct keylog_entry *entry(struct keylog *k, const uint8_t random[32])
{
    struct keylog_entry *e = lookup(k, random);
    if (e)
        return e;
    struct keylog_entry *v = grow_array(k->v, k->n, &k->cap, sizeof(*v), 64);
    if (!v)
        return NULL;
    k->v = v;
    if (!hmap_put(&k->index, random_hash(random), k->n + 1))
        return NULL;
    e = &k->v[k->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->client_random, random, 32);
    k->st.entries = k->n;
    return e;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* hex - exactly `len` hex digits into out; false when not hex. */
static bool hex(const char *s, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* CLIENT_TRAFFIC_SECRET_1.. or _N (OpenSSL writes _N after a KeyUpdate). */
static bool later_generation(const char *label)
{
    const char *rest = strncmp(label, "CLIENT_TRAFFIC_SECRET_", 22) == 0   ? label + 22
                     : strncmp(label, "SERVER_TRAFFIC_SECRET_", 22) == 0 ? label + 22
                                                                         : NULL;
    if (!rest || !*rest || strcmp(rest, "0") == 0)
        return false;
    if (strcmp(rest, "N") == 0)
        return true;
    for (const char *p = rest; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* One line, without its end of line. */
static void parse_line(struct keylog *k, const char *origin, uint64_t no, char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        line[--len] = 0;
    size_t at = 0;
    while (at < len && (line[at] == ' ' || line[at] == '\t'))
        at++;
    if (at == len || line[at] == '#')
        return;
    k->st.lines++;
    char *fields[4];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(line + at, " \t", &save); tok && n < 4;
         tok = strtok_r(NULL, " \t", &save))
        fields[n++] = tok;
    if (n != 3) {
        warn(k, origin, no, "expected 'LABEL CLIENT_RANDOM SECRET', found %zu field%s", n,
             n == 1 ? "" : "s");
        return;
    }
    if (strcmp(fields[0], "RSA") == 0 || later_generation(fields[0])) {
        /* RSA <encrypted pre-master prefix> <pre-master>: not keyed by the
         * client random; later traffic secrets: derived from _0 anyway */
        k->st.ignored++;
        return;
    }
    size_t i = 0;
    while (i < ARRAY_LEN(labels) && strcmp(labels[i].name, fields[0]) != 0)
        i++;
    if (i == ARRAY_LEN(labels)) {
        warn(k, origin, no, "unknown label '%.40s'", fields[0]);
        return;
    }
    uint8_t random[32];
    if (strlen(fields[1]) != 64 || !hex(fields[1], 64, random)) {
        warn(k, origin, no, "the client random is not 64 hex digits");
        return;
    }
    size_t slen = strlen(fields[2]);
    enum keylog_label label = labels[i].label;
    bool ok_len = label == KL_MASTER_SECRET ? slen == 96 : slen == 64 || slen == 96 || slen == 128;
    uint8_t secret[KEYLOG_SECRET_MAX];
    if (!ok_len || !hex(fields[2], slen, secret)) {
        warn(k, origin, no, "the %s secret is not %s hex digits", labels[i].name,
             label == KL_MASTER_SECRET ? "96" : "64, 96 or 128");
        return;
    }
    if (k->n >= k->max_entries && !lookup(k, random)) {
        if (!k->st.over_limit++)
            warn(k, origin, no, "the key log holds %zu client randoms, the limit (--max-keylog-entries): "
                                "this and later new ones are skipped", k->max_entries);
        return;
    }
    struct keylog_entry *e = entry(k, random);
    if (!e) {
        warn(k, origin, no, "out of memory");
        return;
    }
    memcpy(e->secret[label].v, secret, slen / 2);
    e->secret[label].len = (uint8_t)(slen / 2);
}

/* Feed text; lines may be split across calls (the carry is k->partial). */
static void feed(struct keylog *k, const char *origin, const char *p, size_t n, bool final)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (k->partial_len + take < sizeof(k->partial)) {
            memcpy(k->partial + k->partial_len, p, take);
            k->partial_len += take;
        } else {
            k->partial_len = sizeof(k->partial); /* too long: reported at its end */
        }
        if (!nl)
            break;
        k->line_no++;
        if (k->partial_len >= sizeof(k->partial)) {
            warn(k, origin, k->line_no, "line longer than %zu characters", sizeof(k->partial) - 1);
        } else {
            k->partial[k->partial_len] = 0;
            parse_line(k, origin, k->line_no, k->partial, k->partial_len);
        }
        k->partial_len = 0;
        n -= take + 1;
        p += take + 1;
    }
    if (final && k->partial_len) {
        k->line_no++;
        if (k->partial_len < sizeof(k->partial)) {
            k->partial[k->partial_len] = 0;
            parse_line(k, origin, k->line_no, k->partial, k->partial_len);
        }
        k->partial_len = 0;
    }
}

void keylog_add_text(struct keylog *k, const char *origin, const char *text, size_t len)
{
    pthread_mutex_lock(&k->lock);
    /* a block of its own: line numbers and carry start afresh */
    char saved[sizeof(k->partial)];
    size_t saved_len = k->partial_len;
    uint64_t saved_no = k->line_no;
    memcpy(saved, k->partial, saved_len);
    k->partial_len = 0;
    k->line_no = 0;
    feed(k, origin, text, len, true);
    memcpy(k->partial, saved, saved_len);
    k->partial_len = saved_len;
    k->line_no = saved_no;
    pthread_mutex_unlock(&k->lock);
}

/* Is the carried line complete, only missing its newline? A line still
 * being written ends in a secret of odd or short length. */
static bool last_line_whole(const struct keylog *k)
{
    size_t end = k->partial_len, start = end;
    while (start && k->partial[start - 1] != ' ' && k->partial[start - 1] != '\t')
        start--;
    size_t len = end - start;
    for (size_t i = start; i < end; i++)
        if (hexval(k->partial[i]) < 0)
            return false;
    return start && (len == 64 || len == 96 || len == 128);
}

/* Read what the file gained since the last read. A line still being
 * written (no newline yet) waits for the next read. */
static enum st read_on(struct keylog *k, char *err, size_t errlen)
{
    char buf[8192];
    for (;;) {
        ssize_t got = k->follow ? pread(k->fd, buf, sizeof(buf), k->offset) : read(k->fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            return ST_IO;
        }
        if (!got)
            return ST_OK;
        feed(k, k->path, buf, (size_t)got, false);
        k->offset += (long)got;
    }
}

static void start_over(struct keylog *k)
{
    k->offset = 0;
    k->partial_len = 0;
    k->line_no = 0;
}

/* Opens path into k; ENOENT is left to the caller. */
static enum st open_file(struct keylog *k, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return ST_IO;
    }
    if (S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "is a directory");
        close(fd);
        return ST_IO;
    }
    if (k->fd >= 0)
        close(k->fd);
    k->fd = fd;
    /* a pipe (--keylog <(...), /dev/stdin) is read once, from its start:
     * it has no offsets to read on from */
    k->follow = S_ISREG(sb.st_mode);
    start_over(k);
    return ST_OK;
}

static enum st name_file(struct keylog *k, const char *path, bool may_wait, bool *waiting, char *err,
                         size_t errlen)
{
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return ST_NOMEM;
    }
    free(k->path);
    k->path = copy;
    k->unreadable[0] = 0;
    enum st st = open_file(k, path, err, errlen);
    if (st != ST_OK && may_wait && errno == ENOENT) {
        /* a live capture started before the client: read as it appears */
        k->follow = true;
        *waiting = true;
        return ST_OK;
    }
    if (st != ST_OK)
        return st;
    st = read_on(k, err, errlen);
    if (st == ST_OK && k->partial_len && last_line_whole(k))
        feed(k, k->path, "", 0, true); /* a last line without its newline */
    if (!k->follow) {
        close(k->fd);
        k->fd = -1;
    }
    return st;
}

enum st keylog_load_file(struct keylog *k, const char *path, char *err, size_t errlen)
{
    bool waiting = false;
    pthread_mutex_lock(&k->lock);
    enum st st = name_file(k, path, false, &waiting, err, errlen);
    pthread_mutex_unlock(&k->lock);
    return st;
}

enum st keylog_follow_file(struct keylog *k, const char *path, bool *waiting, char *err, size_t errlen)
{
    *waiting = false;
    pthread_mutex_lock(&k->lock);
    enum st st = name_file(k, path, true, waiting, err, errlen);
    pthread_mutex_unlock(&k->lock);
    return st;
}

static void note_unreadable(struct keylog *k, const char *why)
{
    if (k->unreadable[0])
        return;
    snprintf(k->unreadable, sizeof(k->unreadable), "%s: %s (as user %d)", k->path, why, (int)geteuid());
    if (k->warn) {
        char msg[300];
        snprintf(msg, sizeof(msg), "%s; sessions after it are not decrypted", k->unreadable);
        k->warn(k->warn_ctx, msg);
    }
}

/* The file being followed may have appeared, grown, been cut back or been
 * replaced (a client that truncates or recreates it) since the last look. */
static void look_again(struct keylog *k)
{
    if (!k->path || !k->follow)
        return;
    char err[160];
    struct stat at_path, open_one;
    bool exists = stat(k->path, &at_path) == 0;
    bool replaced = exists && k->fd >= 0 && fstat(k->fd, &open_one) == 0 &&
                    (open_one.st_ino != at_path.st_ino || open_one.st_dev != at_path.st_dev);
    if (exists && (k->fd < 0 || replaced)) {
        if (open_file(k, k->path, err, sizeof(err)) != ST_OK) {
            note_unreadable(k, err);
            if (k->fd < 0)
                return;
        } else {
            k->unreadable[0] = 0;
        }
    }
    if (k->fd < 0 || fstat(k->fd, &open_one) != 0)
        return;
    if (open_one.st_size < k->offset)
        start_over(k); /* cut back: written again from its start */
    if (open_one.st_size > k->offset && read_on(k, err, sizeof(err)) != ST_OK)
        note_unreadable(k, err);
}

static const struct keylog_entry *find(struct keylog *k, const uint8_t random[32])
{
    const struct keylog_entry *e = lookup(k, random);
    if (e)
        return e;
    /* A file still being written (live capture) may have the line by now. */
    look_again(k);
    return lookup(k, random);
}

bool keylog_unreadable(struct keylog *k, char *why, size_t len)
{
    pthread_mutex_lock(&k->lock);
    bool unreadable = k->unreadable[0] != 0;
    snprintf(why, len, "%s", k->unreadable);
    pthread_mutex_unlock(&k->lock);
    return unreadable;
}

bool keylog_find(struct keylog *k, const uint8_t random[32], struct keylog_entry *out)
{
    pthread_mutex_lock(&k->lock);
    const struct keylog_entry *e = find(k, random);
    if (e)
        *out = *e;
    pthread_mutex_unlock(&k->lock);
    return e != NULL;
}

size_t keylog_count(struct keylog *k)
{
    pthread_mutex_lock(&k->lock);
    size_t n = k->n;
    pthread_mutex_unlock(&k->lock);
    return n;
}

void keylog_flush(struct keylog *k)
{
    pthread_mutex_lock(&k->lock);
    if (k->partial_len)
        feed(k, k->path ? k->path : "key log", "", 0, true);
    pthread_mutex_unlock(&k->lock);
}
