/* Capture files: libpcap's classic format and pcapng, read directly so that
 * pcapng sections whose interfaces have different link types work (libpcap
 * refuses them) and gzip-compressed files stream through zlib. Files are
 * read in large blocks rather than mapped: a mapping turns a file truncated
 * by another process into SIGBUS.
 *
 * pcap: 24-byte file header, then per packet a 16-byte header
 *   (ts_sec, ts_frac, incl_len, orig_len) and incl_len bytes.
 * pcapng (draft-ietf-opsawg-pcapng): blocks of
 *   type(4) total_len(4) body total_len(4), in the section's byte order.
 *
 * Every number from the file that feeds arithmetic is range-checked first:
 * timestamps end up in nanoseconds within [0, MAX_TS], so that differences
 * between any two of them, anywhere downstream, fit in an int64_t. A value
 * out of range is reported (capture_file_on_anomaly) and replaced. */
#include "capture/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum {
    PCAP_MAGIC_US = 0xa1b2c3d4,
    PCAP_MAGIC_NS = 0xa1b23c4d,
    PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34, /* "modified" pcap: 8 extra bytes */
    PCAPNG_SHB = 0x0a0d0d0a,
    PCAPNG_IDB = 1,
    PCAPNG_PB = 2, /* obsolete Packet Block */
    PCAPNG_SPB = 3,
    PCAPNG_EPB = 6,
    PCAPNG_DSB = 10, /* Decryption Secrets Block */
    PCAPNG_BOM = 0x1a2b3c4d,
    MAX_PACKET = 16 << 20, /* larger claims mean a damaged file */
    MAX_BLOCK = 64 << 20,
    READ_CHUNK = 1 << 20,
    SMALL_READ_CHUNK = 64 << 10,
    FIRST_READ_CHUNK = 4 << 10,
    /* read ahead by all the files open side by side */
    SHARED_READ_BUDGET = 4 << 20,
};

/* Timestamps: 1970 to 2116 in nanoseconds (2^62). */
static const int64_t MAX_TS = INT64_C(1) << 62;
static const int64_t NS = 1000000000;

struct iface {
    uint16_t linktype;
    uint32_t snaplen;
    uint8_t tsresol; /* pcapng if_tsresol: 10^-n, or 2^-n with bit 7 set */
    int64_t tsoffset; /* seconds */
};

struct capture_file {
    /* input: read(2) or a zlib stream, into buf */
    int fd;
    gzFile gz;
    uint8_t *buf;
    size_t buf_cap, buf_len;
    size_t pos; /* read position within buf */
    uint64_t consumed_before_buf; /* stream offset of buf[0] */
    size_t read_chunk;            /* bytes asked of each read */
    /* Reads start small and double up to this: a file is opened first to
     * learn its format, and one set aside and opened again may be set
     * aside again a packet later. */
    size_t read_chunk_most;
    const size_t *files_open; /* shared with the files read beside it, or NULL */
    uint64_t size;
    bool gzip, at_eof;
    /* a regular file can be closed between packets and opened again
     * where it stopped (capture_file_suspend): its name, and which file
     * it was, to know it again */
    char *path;
    dev_t dev;
    ino_t ino;
    bool suspended;
    uint64_t gz_offset; /* of a suspended compressed file, for the progress */

    bool pcapng, swap, nsec;
    uint32_t rec_extra; /* bytes after the pcap record header */
    struct iface pcap_iface;
    struct iface *ifaces;
    size_t n_ifaces, cap_ifaces;
    uint64_t packets;
    uint64_t blocks;   /* pcapng blocks read, for naming one */
    uint64_t block_at; /* stream offset of the current block */
    int64_t last_ts;   /* stands in for a timestamp out of range */
    char format[32];
    char err[256];
    capture_secrets_fn secrets;
    void *secrets_ctx;
    capture_anomaly_fn anomaly;
    void *anomaly_ctx;
};

static void set_err(struct capture_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(struct capture_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof(f->err), fmt, ap);
    va_end(ap);
}

static void note(struct capture_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct capture_file *f, const char *fmt, ...)
{
    if (!f->anomaly)
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    f->anomaly(f->anomaly_ctx, msg);
}

void capture_file_on_anomaly(struct capture_file *f, capture_anomaly_fn fn, void *ctx)
{
    f->anomaly = fn;
    f->anomaly_ctx = ctx;
}

/* timestamp - ns as a pcapng packet gives it, or the previous packet's
 * time when it lies outside [0, MAX_TS] (ok false: the caller names the
 * packet). */
static int64_t timestamp(struct capture_file *f, bool in_range, int64_t ns, bool *ok)
{
    *ok = in_range && ns >= 0 && ns <= MAX_TS;
    if (*ok)
        f->last_ts = ns;
    return f->last_ts;
}

static uint64_t stream_pos(const struct capture_file *f)
{
    return f->consumed_before_buf + f->pos;
}

/* Append up to `room` bytes to buf; 0 at the end, -1 on error (err set). */
static long read_some(struct capture_file *f, size_t room)
{
    if (f->gz) {
        int got = gzread(f->gz, &f->buf[f->buf_len], (unsigned)room);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f->gz, &zerr);
            set_err(f, "read error: %s", zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (got == 0) {
            int zerr;
            const char *msg = gzerror(f->gz, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END) {
                set_err(f, "gzip stream damaged: %s", msg);
                return -1;
            }
        }
        return got;
    }
    for (;;) {
        ssize_t got = read(f->fd, &f->buf[f->buf_len], room);
        if (got >= 0)
            return (long)got;
        if (errno != EINTR) {
            set_err(f, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

/* The most one read may bring: a share of the budget when files are read
 * side by side. Reading up to a megabyte each, 100 files taking turns held
 * 68 MB and took 0.50 s; sharing 4 MB, 25 MB and 0.18 s. Below 64 KB a
 * read costs more than it holds (docs/performance.md). */
static size_t read_most(const struct capture_file *f)
{
    size_t open = f->files_open ? *f->files_open : 1;
    if (open <= 1)
        return f->read_chunk_most;
    size_t share = SHARED_READ_BUDGET / open;
    if (share < SMALL_READ_CHUNK)
        share = SMALL_READ_CHUNK;
    return share < f->read_chunk_most ? share : f->read_chunk_most;
}

/* Make n bytes at the read position available; false at end of input (or
 * on a read error, with f->err set). */
static bool fill(struct capture_file *f, size_t n, struct cur *out)
{
    while (f->buf_len - f->pos < n) {
        if (f->at_eof)
            return false;
        if (f->pos > 0) { /* slide what is left to the front */
            memmove(f->buf, &f->buf[f->pos], f->buf_len - f->pos);
            f->buf_len -= f->pos;
            f->consumed_before_buf += f->pos;
            f->pos = 0;
        }
        size_t most = read_most(f);
        if (f->read_chunk > most)
            f->read_chunk = most;
        size_t want = n > f->read_chunk ? n : f->read_chunk;
        if (f->buf_cap - f->buf_len < want) {
            /* Room at once for the largest read to come, and for what a
             * record leaves over from the last one: grown to each need,
             * the buffer moved (copied and faulted in anew) a dozen
             * times in a file, the last few a megabyte each. Room not
             * read into is never touched. */
            size_t room = want > most ? want : most;
            size_t ncap = f->buf_len + room + room / 4;
            uint8_t *nb = realloc(f->buf, ncap);
            if (!nb) {
                set_err(f, "out of memory");
                f->at_eof = true;
                return false;
            }
            f->buf = nb;
            f->buf_cap = ncap;
        }
        /* no more than want, even into a buffer grown larger before: the
         * share of files side by side may have shrunk since */
        long got = read_some(f, want);
        if (got <= 0) {
            f->at_eof = true;
            return false;
        }
        f->buf_len += (size_t)got;
        if (f->read_chunk < most)
            f->read_chunk *= 2;
    }
    *out = cur_make(&f->buf[f->pos], n);
    return true;
}

static void consume(struct capture_file *f, size_t n)
{
    f->pos += n;
}

/* The next record's header and the start of its packet, on their way
 * while this packet is analysed: a read of READ_CHUNK bytes brings in
 * more than the cache keeps, so they are no longer there when reached. */
static void prefetch_next(const struct capture_file *f)
{
    if (f->buf_len - f->pos >= 128) {
        __builtin_prefetch(f->buf + f->pos);
        __builtin_prefetch(f->buf + f->pos + 64);
    }
}

/* Is the input exhausted? Reads ahead one byte to find out. */
static bool at_end(struct capture_file *f)
{
    struct cur c;
    return !fill(f, 1, &c);
}

static bool rd32(struct cur *c, bool swap, uint32_t *v)
{
    return swap ? cur_u32(c, v) : cur_u32le(c, v);
}

static bool rd16(struct cur *c, bool swap, uint16_t *v)
{
    return swap ? cur_u16(c, v) : cur_u16le(c, v);
}

/* A 32-bit field of a record already in the buffer, read without a
 * cursor: the checked reads and fill calls of every record header cost
 * about 200 instructions a packet, which -j N's trackers each repeat, as
 * each reads every packet. */
static uint32_t field32(const uint8_t *p, bool swap)
{
    uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return swap ? __builtin_bswap32(le) : le;
}

/* Are n bytes at the read position in the buffer already, or brought in? */
static bool have(struct capture_file *f, size_t n)
{
    struct cur unused;
    return f->buf_len - f->pos >= n || fill(f, n, &unused);
}

/* ---- opening ------------------------------------------------------------ */

static enum st open_input(struct capture_file *f, const char *path)
{
    bool std_in = strcmp(path, "-") == 0;
    f->fd = std_in ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        set_err(f, "%s", strerror(errno));
        return ST_IO;
    }
    struct stat sb;
    if (fstat(f->fd, &sb) != 0) {
        set_err(f, "%s", strerror(errno));
        return ST_IO;
    }
    if (S_ISDIR(sb.st_mode)) {
        set_err(f, "is a directory");
        return ST_IO;
    }
    uint8_t magic[2] = {0, 0};
    bool regular = S_ISREG(sb.st_mode);
    f->size = regular ? (uint64_t)sb.st_size : 0;
    if (regular && sb.st_size == 0) {
        set_err(f, "not a capture: the file is empty");
        return ST_BAD;
    }
    if (regular && pread(f->fd, magic, 2, 0) < 0) {
        set_err(f, "%s", strerror(errno));
        return ST_IO;
    }
    f->gzip = magic[0] == 0x1f && magic[1] == 0x8b;
    if (regular && !std_in) {
        f->path = strdup(path); /* no memory: never set aside, then */
        f->dev = sb.st_dev;
        f->ino = sb.st_ino;
    }
    if (!f->gzip && regular) {
        (void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        return ST_OK;
    }
    /* zlib reads uncompressed input transparently, so pipes take this path
     * too. gzdopen owns the descriptor from here on. */
    f->gz = gzdopen(f->fd, "rb");
    if (!f->gz) {
        set_err(f, "cannot start reading: %s", strerror(errno));
        return ST_IO;
    }
    f->fd = -1;
    (void)gzbuffer(f->gz, 256 * 1024);
    return ST_OK;
}

static enum st open_pcap(struct capture_file *f, uint32_t magic_le)
{
    struct cur h;
    if (!fill(f, 24, &h)) {
        set_err(f, "truncated pcap file header");
        return ST_BAD;
    }
    uint32_t magic = magic_le;
    f->swap = !(magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
                magic == PCAP_MAGIC_KUZNETZOV);
    if (f->swap)
        magic = __builtin_bswap32(magic);
    f->nsec = magic == PCAP_MAGIC_NS;
    f->rec_extra = magic == PCAP_MAGIC_KUZNETZOV ? 8 : 0;
    uint16_t major, minor;
    uint32_t skip32, snaplen, network;
    if (!cur_skip(&h, 4) || !rd16(&h, f->swap, &major) ||
        !rd16(&h, f->swap, &minor) || !rd32(&h, f->swap, &skip32) ||
        !rd32(&h, f->swap, &skip32) || !rd32(&h, f->swap, &snaplen) ||
        !rd32(&h, f->swap, &network))
        return ST_BAD;
    if (major != 2) {
        set_err(f, "unsupported pcap version %u.%u", major, minor);
        return ST_BAD;
    }
    consume(f, 24);
    /* The upper bits of the link type carry FCS information. */
    f->pcap_iface.linktype = (uint16_t)(network & 0xffff);
    f->pcap_iface.snaplen = snaplen;
    snprintf(f->format, sizeof(f->format), "pcap%s%s", f->nsec ? " (ns)" : "",
             f->gzip ? ", gzip" : "");
    return ST_OK;
}

static enum st open_file(const char *path, size_t read_chunk, struct capture_file **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    struct capture_file *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return ST_NOMEM;
    }
    f->fd = -1;
    f->read_chunk = FIRST_READ_CHUNK;
    f->read_chunk_most = read_chunk;
    enum st st = open_input(f, path);
    struct cur m;
    if (st == ST_OK && !fill(f, 4, &m)) {
        if (!f->err[0])
            set_err(f, "not a capture: too short for a file header");
        st = ST_BAD;
    }
    if (st == ST_OK) {
        uint32_t magic;
        if (!cur_u32le(&m, &magic))
            st = ST_BAD;
        else if (magic == PCAPNG_SHB) {
            f->pcapng = true;
            snprintf(f->format, sizeof(f->format), "pcapng%s",
                     f->gzip ? ", gzip" : "");
        } else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
                   magic == PCAP_MAGIC_KUZNETZOV ||
                   __builtin_bswap32(magic) == PCAP_MAGIC_US ||
                   __builtin_bswap32(magic) == PCAP_MAGIC_NS ||
                   __builtin_bswap32(magic) == PCAP_MAGIC_KUZNETZOV) {
            st = open_pcap(f, magic);
        } else {
            set_err(f, "not a capture: unknown file format (magic %08x)",
                    __builtin_bswap32(magic));
            st = ST_BAD;
        }
    }
    if (st != ST_OK) {
        snprintf(err, errlen, "%s", f->err[0] ? f->err : "not a capture");
        capture_file_close(f);
        return st;
    }
    *out = f;
    return ST_OK;
}

enum st capture_file_open(const char *path, struct capture_file **out, char *err, size_t errlen)
{
    return open_file(path, READ_CHUNK, out, err, errlen);
}

/* A read of READ_CHUNK into a buffer of its size costs a page fault per
 * page, and freeing such a buffer makes malloc serve later ones of its
 * size from the heap: for a look at the start of a file, more than the
 * look itself. */
enum st capture_file_open_small(const char *path, struct capture_file **out, char *err, size_t errlen)
{
    return open_file(path, SMALL_READ_CHUNK, out, err, errlen);
}

void capture_file_close(struct capture_file *f)
{
    if (!f)
        return;
    if (f->gz)
        gzclose(f->gz);
    if (f->fd >= 0)
        close(f->fd);
    free(f->buf);
    free(f->ifaces);
    free(f->path);
    free(f);
}

bool capture_file_suspend(struct capture_file *f)
{
    if (f->suspended)
        return true;
    if (!f->path || f->err[0])
        return false;
    if (f->gz) {
        f->gz_offset = (uint64_t)gzoffset(f->gz);
        gzclose(f->gz);
        f->gz = NULL;
    } else {
        close(f->fd);
        f->fd = -1;
    }
    f->consumed_before_buf = stream_pos(f);
    free(f->buf);
    f->buf = NULL;
    f->buf_cap = f->buf_len = f->pos = 0;
    f->suspended = true;
    return true;
}

/* Open a suspended file again, at the byte where it stopped. */
static enum st resume(struct capture_file *f)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(f, "cannot open it again: %s", strerror(errno));
        return ST_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_dev != f->dev || sb.st_ino != f->ino) {
        close(fd);
        set_err(f, "replaced by another file while it was being read");
        return ST_IO;
    }
    uint64_t at = f->consumed_before_buf;
    if (f->gzip) {
        f->gz = gzdopen(fd, "rb");
        if (!f->gz) {
            close(fd);
            set_err(f, "cannot open it again: %s", strerror(errno));
            return ST_IO;
        }
        (void)gzbuffer(f->gz, 256 * 1024);
        /* inflates again up to where it stopped: cheap for a rotated
         * file, set aside after its first packet */
        if (gzseek(f->gz, (z_off_t)at, SEEK_SET) != (z_off_t)at) {
            set_err(f, "cannot find where it stopped when opened again");
            return ST_IO;
        }
    } else {
        f->fd = fd;
        if (lseek(fd, (off_t)at, SEEK_SET) != (off_t)at) {
            set_err(f, "cannot find where it stopped when opened again: %s", strerror(errno));
            return ST_IO;
        }
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    f->at_eof = false;
    f->suspended = false;
    f->read_chunk = SMALL_READ_CHUNK < f->read_chunk_most ? SMALL_READ_CHUNK : f->read_chunk_most;
    return ST_OK;
}

bool capture_file_suspended(const struct capture_file *f)
{
    return f->suspended;
}

void capture_file_share_reads(struct capture_file *f, const size_t *files_open)
{
    f->files_open = files_open;
}

const char *capture_file_error(const struct capture_file *f)
{
    return f->err;
}

const char *capture_file_format(const struct capture_file *f)
{
    return f->format;
}

bool capture_file_compressed(const struct capture_file *f)
{
    return f->gzip;
}

uint64_t capture_file_offset(const struct capture_file *f)
{
    if (f->suspended && f->gzip)
        return f->gz_offset;
    if (f->gz)
        return (uint64_t)gzoffset(f->gz);
    return stream_pos(f);
}

uint64_t capture_file_size(const struct capture_file *f)
{
    return f->size;
}

/* ---- pcap records ------------------------------------------------------- */

static enum st next_pcap(struct capture_file *f, struct pkt *out)
{
    size_t hlen = 16 + f->rec_extra;
    if (!have(f, hlen)) {
        if (f->err[0])
            return ST_IO;
        if (at_end(f))
            return ST_SHORT;
        set_err(f, "truncated: the file ends inside the header of packet %llu",
                (unsigned long long)f->packets + 1);
        return ST_BAD;
    }
    const uint8_t *h = f->buf + f->pos;
    uint32_t sec = field32(h, f->swap), frac = field32(h + 4, f->swap);
    uint32_t incl = field32(h + 8, f->swap), orig = field32(h + 12, f->swap);
    if (incl > MAX_PACKET) {
        set_err(f, "damaged: packet %llu claims %u captured bytes",
                (unsigned long long)f->packets + 1, incl);
        return ST_BAD;
    }
    if (!have(f, hlen + incl)) {
        if (f->err[0])
            return ST_IO;
        set_err(f, "truncated: packet %llu claims %u bytes but the file ends first",
                (unsigned long long)f->packets + 1, incl);
        return ST_BAD;
    }
    /* a fill that had to read on moved the record */
    out->data = cur_make(f->buf + f->pos + hlen, incl);
    consume(f, hlen + incl);
    prefetch_next(f);
    out->wire_len = orig > incl ? orig : incl;
    out->linktype = f->pcap_iface.linktype;
    out->no = ++f->packets;
    /* 2^32 s plus 2^32 us stay below MAX_TS: only the fraction can be wrong */
    uint32_t second = f->nsec ? 1000000000u : 1000000u;
    if (frac >= second)
        note(f, "packet %llu: the fraction of its timestamp (%u %s) is a second or more; read as is",
             (unsigned long long)out->no, frac, f->nsec ? "ns" : "us");
    out->ts = (int64_t)sec * NS + (int64_t)frac * (f->nsec ? 1 : 1000);
    return ST_OK;
}

/* ---- pcapng blocks ------------------------------------------------------ */

/* if_tsresol: 10^-n seconds, or 2^-n with bit 7 set; units of 2^-63 or
 * 10^-19 s are the finest a 64-bit count can usefully hold. */
static bool resol_valid(uint8_t resol)
{
    return (resol & 0x80) ? (resol & 0x7f) <= 63 : resol <= 19;
}

/* ts_to_ns - units of a valid resolution in ns; false when beyond MAX_TS. */
static bool ts_to_ns(uint64_t units, uint8_t resol, int64_t *out)
{
    static const uint64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                     100000000, 1000000000, 10000000000ull};
    unsigned __int128 u = units, ns;
    if (resol & 0x80)
        ns = (u * (unsigned)NS) >> (resol & 0x7f);
    else if (resol <= 9)
        ns = u * pow10[9 - resol];
    else /* up to 19: a valid resolution */
        ns = u / pow10[resol - 9];
    if (ns > (unsigned __int128)MAX_TS)
        return false;
    *out = (int64_t)ns;
    return true;
}

static enum st parse_shb(struct capture_file *f, struct cur *blk)
{
    /* The byte-order magic decides how everything in this section reads,
     * including this block's own length fields. */
    struct cur c = *blk;
    uint32_t bom;
    if (!cur_skip(&c, 8) || !cur_u32le(&c, &bom))
        return ST_BAD;
    if (bom == PCAPNG_BOM)
        f->swap = false;
    else if (bom == __builtin_bswap32(PCAPNG_BOM))
        f->swap = true;
    else {
        set_err(f, "damaged: pcapng section header with a bad byte-order magic");
        return ST_BAD;
    }
    uint16_t major;
    if (!rd16(&c, f->swap, &major)) {
        set_err(f, "truncated: the file ends inside a section header");
        return ST_BAD;
    }
    if (major != 1) {
        set_err(f, "unsupported pcapng version %u", major);
        return ST_BAD;
    }
    f->n_ifaces = 0; /* interface ids restart in each section */
    return ST_OK;
}

static enum st parse_idb(struct capture_file *f, struct cur body)
{
    uint16_t linktype, reserved;
    uint32_t snaplen;
    if (!rd16(&body, f->swap, &linktype) || !rd16(&body, f->swap, &reserved) ||
        !rd32(&body, f->swap, &snaplen)) {
        set_err(f, "damaged: short interface description block");
        return ST_BAD;
    }
    struct iface ifc = {.linktype = linktype, .snaplen = snaplen, .tsresol = 6};
    /* options: code(2) len(2) value padded to 4 */
    while (body.left >= 4) {
        uint16_t code, len;
        struct cur val;
        if (!rd16(&body, f->swap, &code) || !rd16(&body, f->swap, &len) ||
            !cur_take(&body, len, &val))
            break;
        if (!cur_skip(&body, (4 - len % 4) % 4))
            break;
        if (code == 0)
            break;
        uint64_t off;
        if (code == 9 && len >= 1 && !cur_u8(&val, &ifc.tsresol))
            break;
        if (code == 14 && len == 8) {
            if (!(f->swap ? cur_u64(&val, &off) : cur_u64le(&val, &off)))
                break;
            ifc.tsoffset = (int64_t)off;
        }
    }
    if (!resol_valid(ifc.tsresol)) {
        note(f, "interface description block %zu (block %llu at byte %llu): if_tsresol %#x is finer "
             "than 10^-19 or 2^-63 s; microseconds assumed",
             f->n_ifaces, (unsigned long long)f->blocks, (unsigned long long)f->block_at, ifc.tsresol);
        ifc.tsresol = 6;
    }
    if (ifc.tsoffset < -MAX_TS / NS || ifc.tsoffset > MAX_TS / NS) {
        note(f, "interface description block %zu (block %llu at byte %llu): if_tsoffset of %lld s "
             "is more than the 146 years a timestamp can span; 0 assumed",
             f->n_ifaces, (unsigned long long)f->blocks, (unsigned long long)f->block_at,
             (long long)ifc.tsoffset);
        ifc.tsoffset = 0;
    }
    if (f->n_ifaces == f->cap_ifaces) {
        size_t ncap = f->cap_ifaces ? f->cap_ifaces * 2 : 4;
        struct iface *n = realloc(f->ifaces, ncap * sizeof(*n));
        if (!n) {
            set_err(f, "out of memory");
            return ST_NOMEM;
        }
        f->ifaces = n;
        f->cap_ifaces = ncap;
    }
    f->ifaces[f->n_ifaces++] = ifc;
    return ST_OK;
}

/* Enhanced, simple and obsolete packet blocks. Returns ST_OK with a packet,
 * ST_SHORT when the block holds none we can use. */
static enum st short_block(struct capture_file *f)
{
    set_err(f, "damaged: the block of packet %llu is too short for its header",
            (unsigned long long)f->packets + 1);
    return ST_BAD;
}

static enum st parse_packet_block(struct capture_file *f, uint32_t type,
                                  struct cur body, struct pkt *out)
{
    uint32_t ifid = 0, hi = 0, lo = 0, caplen, origlen;
    if (type == PCAPNG_SPB) {
        if (!rd32(&body, f->swap, &origlen))
            return short_block(f);
        caplen = origlen < body.left ? origlen : (uint32_t)body.left;
        if (f->n_ifaces && f->ifaces[0].snaplen && caplen > f->ifaces[0].snaplen)
            caplen = f->ifaces[0].snaplen;
    } else {
        /* interface (32 bits, or 16 and a drop count), time (2 x 32),
         * captured and original lengths */
        enum { FIXED = 20 };
        if (body.left < FIXED)
            return short_block(f);
        const uint8_t *b = body.p;
        if (type == PCAPNG_PB) {
            uint16_t id16 = (uint16_t)(b[0] | b[1] << 8);
            ifid = f->swap ? __builtin_bswap16(id16) : id16;
        } else {
            ifid = field32(b, f->swap);
        }
        hi = field32(b + 4, f->swap);
        lo = field32(b + 8, f->swap);
        caplen = field32(b + 12, f->swap);
        origlen = field32(b + 16, f->swap);
        body = cur_tail(&body, FIXED);
    }
    struct cur data;
    if (!cur_take(&body, caplen, &data)) {
        set_err(f, "damaged: packet %llu claims %u bytes, more than its block holds",
                (unsigned long long)f->packets + 1, caplen);
        return ST_BAD;
    }
    if (ifid >= f->n_ifaces) {
        set_err(f, "damaged: packet %llu names interface %u, but only %zu are described",
                (unsigned long long)f->packets + 1, ifid, f->n_ifaces);
        return ST_BAD;
    }
    const struct iface *ifc = &f->ifaces[ifid];
    out->data = data;
    out->wire_len = origlen > caplen ? origlen : caplen;
    out->linktype = ifc->linktype;
    out->no = ++f->packets;
    if (type == PCAPNG_SPB) { /* it has no timestamp: keep the previous one */
        out->ts = f->last_ts;
        return ST_OK;
    }
    /* ns is within [0, MAX_TS] and the offset within +-MAX_TS: the sum
     * fits in an int64_t */
    int64_t ns = 0;
    bool in_range = ts_to_ns(((uint64_t)hi << 32) | lo, ifc->tsresol, &ns);
    bool ok;
    out->ts = timestamp(f, in_range, ns + ifc->tsoffset * NS, &ok);
    if (!ok)
        note(f, "packet %llu (block %llu at byte %llu): its timestamp is before 1970 or after 2116; "
             "the previous packet's time is used",
             (unsigned long long)out->no, (unsigned long long)f->blocks, (unsigned long long)f->block_at);
    return ST_OK;
}

/* Decryption Secrets Block: secrets_type(4) secrets_length(4) data,
 * padded to 32 bits, then options. */
static enum st parse_dsb(struct capture_file *f, struct cur body)
{
    uint32_t type, len = 0; /* printed even when the block ends before it */
    struct cur data;
    if (!rd32(&body, f->swap, &type) || !rd32(&body, f->swap, &len) ||
        !cur_take(&body, len, &data)) {
        set_err(f, "damaged: a decryption secrets block claims %u bytes it does not hold",
                len);
        return ST_BAD;
    }
    if (f->secrets)
        f->secrets(f->secrets_ctx, type, data.p, data.left);
    return ST_OK;
}

void capture_file_on_secrets(struct capture_file *f, capture_secrets_fn fn, void *ctx)
{
    f->secrets = fn;
    f->secrets_ctx = ctx;
}

static enum st next_pcapng(struct capture_file *f, struct pkt *out)
{
    for (;;) {
        if (!have(f, 8)) {
            if (f->err[0])
                return ST_IO;
            if (at_end(f))
                return ST_SHORT;
            set_err(f, "truncated: the file ends inside a block header");
            return ST_BAD;
        }
        uint32_t type = field32(f->buf + f->pos, false);
        if (type == PCAPNG_SHB) {
            /* Learn the section's byte order before trusting its length. */
            struct cur bh;
            if (!fill(f, 16, &bh)) {
                set_err(f, "truncated: the file ends inside a section header");
                return ST_BAD;
            }
            struct cur probe = bh;
            TRY(parse_shb(f, &probe));
        } else if (f->swap) {
            type = __builtin_bswap32(type);
        }
        /* read after the fill above, which may have moved the header */
        uint32_t len = field32(f->buf + f->pos + 4, f->swap);
        if (len < 12 || len % 4 != 0 || len > MAX_BLOCK) {
            set_err(f, "damaged: pcapng block of type %#x with length %u", type, len);
            return ST_BAD;
        }
        f->blocks++;
        f->block_at = stream_pos(f);
        if (!have(f, len)) {
            if (f->err[0])
                return ST_IO;
            set_err(f, "truncated: a %u-byte block runs past the end of the file", len);
            return ST_BAD;
        }
        const uint8_t *blk = f->buf + f->pos;
        consume(f, len);
        prefetch_next(f);
        struct cur body = cur_make(blk + 8, len - 12);
        uint32_t len2 = field32(blk + len - 4, f->swap);
        if (len2 != len) {
            set_err(f, "damaged: pcapng block lengths disagree (%u and %u)", len, len2);
            return ST_BAD;
        }
        if (type == PCAPNG_IDB) {
            TRY(parse_idb(f, body));
        } else if (type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_PB) {
            enum st st = parse_packet_block(f, type, body, out);
            if (st != ST_SHORT)
                return st;
        } else if (type == PCAPNG_DSB) {
            TRY(parse_dsb(f, body));
        }
        /* Other blocks (name resolution, statistics, custom) carry nothing
         * this reader needs. */
    }
}

enum st capture_file_next(struct capture_file *f, struct pkt *out)
{
    if (f->suspended) {
        if (f->err[0]) /* could not be opened again, said before */
            return ST_IO;
        TRY(resume(f));
    }
    return f->pcapng ? next_pcapng(f, out) : next_pcap(f, out);
}
