/* Capture files: pcap in both byte orders and both time resolutions,
 * pcapng with interfaces of different link types and time resolutions,
 * gzip compression, and every way a file can be bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/capture.h"
#include "tests/unit/builder.h"

static struct builder file;
static char path[256];

static void u16x(bool be, uint16_t v) { be ? b_u16(&file, v) : b_u16le(&file, v); }
static void u32x(bool be, uint32_t v) { be ? b_u32(&file, v) : b_u32le(&file, v); }

static void write_file(const struct builder *b)
{
    snprintf(path, sizeof(path), "%s/tlsscope-test-%d.cap", P_tmpdir, (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->b, 1, b->n, f), b->n);
    fclose(f);
}

static void pcap(bool be, bool ns, uint32_t linktype)
{
    b_reset(&file);
    u32x(be, ns ? 0xa1b23c4d : 0xa1b2c3d4);
    u16x(be, 2);
    u16x(be, 4);
    u32x(be, 0);
    u32x(be, 0);
    u32x(be, 65535);
    u32x(be, linktype);
}

static void pcap_packet(bool be, uint32_t sec, uint32_t frac, const char *data,
                        uint32_t wire)
{
    u32x(be, sec);
    u32x(be, frac);
    u32x(be, (uint32_t)strlen(data));
    u32x(be, wire);
    b_str(&file, data);
}

struct got {
    int n;
    struct pkt p[4];
    char data[4][32];
};

static enum st read_all(struct got *g, char *err)
{
    struct capture_file *f;
    enum st st = capture_file_open(path, &f, err, 256);
    if (st != ST_OK)
        return st;
    struct pkt p;
    memset(g, 0, sizeof(*g));
    while ((st = capture_file_next(f, &p)) == ST_OK) {
        if (g->n < 4) {
            g->p[g->n] = p;
            size_t n = p.data.left < 31 ? p.data.left : 31;
            memcpy(g->data[g->n], p.data.p, n);
        }
        g->n++;
    }
    if (st != ST_SHORT)
        snprintf(err, 256, "%s", capture_file_error(f));
    capture_file_close(f);
    return st == ST_SHORT ? ST_OK : st;
}

static void pcap_variants(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        for (int ns = 0; ns < 2; ns++) {
            pcap(be, ns, 101);
            pcap_packet(be, 1700000000, ns ? 123456789 : 123456, "first", 60);
            pcap_packet(be, 1700000001, 5, "second", 6);
            write_file(&file);
            struct got g;
            char err[256];
            assert_int_equal(read_all(&g, err), ST_OK);
            assert_int_equal(g.n, 2);
            assert_int_equal(g.p[0].linktype, 101);
            assert_string_equal(g.data[0], "first");
            assert_int_equal(g.p[0].wire_len, 60);
            assert_true(g.p[0].ts == 1700000000LL * 1000000000 + 123456789 - (ns ? 0 : 789));
            assert_int_equal(g.p[1].no, 2);
            unlink(path);
        }
    }
}

/* "Modified" pcap (Kuznetzov's): eight bytes more after each record's
 * header, which are not the packet's. */
static void pcap_modified_records(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        b_reset(&file);
        u32x(be, 0xa1b2cd34);
        u16x(be, 2);
        u16x(be, 4);
        u32x(be, 0);
        u32x(be, 0);
        u32x(be, 65535);
        u32x(be, 1);
        u32x(be, 1700000000);
        u32x(be, 250000);
        u32x(be, 4);
        u32x(be, 64);
        b_str(&file, "XXXXXXXX"); /* interface index, protocol, type, padding */
        b_str(&file, "data");
        write_file(&file);
        struct got g;
        char err[256];
        assert_int_equal(read_all(&g, err), ST_OK);
        assert_int_equal(g.n, 1);
        assert_string_equal(g.data[0], "data");
        assert_int_equal(g.p[0].wire_len, 64);
        assert_true(g.p[0].ts == 1700000000250000000LL);
        unlink(path);
    }
}

static size_t block(bool be, uint32_t type)
{
    u32x(be, type);
    size_t at = file.n;
    u32x(be, 0);
    return at;
}

/* Pad the block, append its trailing length and patch the leading one. */
static void end_block(bool be, size_t at)
{
    while (file.n % 4)
        b_u8(&file, 0);
    uint32_t len = (uint32_t)(file.n - at + 8);
    u32x(be, len);
    for (int i = 0; i < 4; i++)
        file.b[at + (size_t)i] = (uint8_t)(len >> (be ? 24 - 8 * i : 8 * i));
}

/* an interface of this link type and time resolution, appended */
static void idb(bool be, uint16_t linktype, uint8_t tsresol)
{
    size_t at = block(be, 1);
    u16x(be, linktype);
    u16x(be, 0);
    u32x(be, 0);
    u16x(be, 9); /* if_tsresol */
    u16x(be, 1);
    b_u8(&file, tsresol);
    b_fill(&file, 0, 3);
    u16x(be, 0);
    u16x(be, 0);
    end_block(be, at);
}

/* a section header and its two interfaces, appended */
static void section(bool be)
{
    size_t at = block(be, 0x0a0d0d0a);
    u32x(be, 0x1a2b3c4d);
    u16x(be, 1);
    u16x(be, 0);
    u32x(be, 0xffffffff);
    u32x(be, 0xffffffff);
    end_block(be, at);
    /* interface 0: Ethernet, microseconds; interface 1: raw IP, ns */
    at = block(be, 1);
    u16x(be, 1);
    u16x(be, 0);
    u32x(be, 0);
    end_block(be, at);
    idb(be, 101, 9);
}

static void pcapng(bool be)
{
    b_reset(&file);
    section(be);
}

static void epb(bool be, uint32_t ifid, uint64_t ts, const char *data)
{
    size_t at = block(be, 6);
    u32x(be, ifid);
    u32x(be, (uint32_t)(ts >> 32));
    u32x(be, (uint32_t)ts);
    u32x(be, (uint32_t)strlen(data));
    u32x(be, (uint32_t)strlen(data));
    b_str(&file, data);
    end_block(be, at);
}

/* Resolutions coarser and finer than nanoseconds, and in powers of two;
 * the obsolete Packet Block, whose interface takes 16 bits. */
static void pcapng_resolutions_and_old_blocks(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        pcapng(be); /* interfaces 0 and 1 */
        idb(be, 1, 3);       /* 2: milliseconds */
        idb(be, 101, 12);    /* 3: picoseconds */
        idb(be, 228, 0x8a);  /* 4: 2^-10 s */
        epb(be, 2, 1700000000123ULL, "ms");
        epb(be, 3, 1234567890123ULL, "ps");
        epb(be, 4, 3 * 1024 + 512, "pow2");
        size_t at = block(be, 2);
        u16x(be, 3);
        u16x(be, 0); /* drops */
        u32x(be, 0);
        u32x(be, 5000);
        u32x(be, 3);
        u32x(be, 9);
        b_str(&file, "old");
        end_block(be, at);
        write_file(&file);
        struct got g;
        char err[256];
        assert_int_equal(read_all(&g, err), ST_OK);
        assert_int_equal(g.n, 4);
        assert_true(g.p[0].ts == 1700000000123000000LL);
        assert_int_equal(g.p[0].linktype, 1);
        assert_true(g.p[1].ts == 1234567890LL);
        assert_int_equal(g.p[1].linktype, 101);
        assert_true(g.p[2].ts == 3500000000LL);
        assert_int_equal(g.p[2].linktype, 228);
        assert_string_equal(g.data[2], "pow2");
        assert_true(g.p[3].ts == 5);
        assert_int_equal(g.p[3].linktype, 101);
        assert_int_equal(g.p[3].wire_len, 9);
        assert_string_equal(g.data[3], "old");
        unlink(path);
    }
}

static void pcapng_mixed_link_types(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        pcapng(be);
        epb(be, 0, 1700000000123456ULL, "eth");
        epb(be, 1, 1700000000123456789ULL, "raw");
        size_t at = block(be, 4); /* a name resolution block to skip */
        u32x(be, 0);
        end_block(be, at);
        at = block(be, 3); /* simple packet block: interface 0 */
        u32x(be, 5);
        b_str(&file, "spb!!");
        end_block(be, at);
        write_file(&file);
        struct got g;
        char err[256];
        assert_int_equal(read_all(&g, err), ST_OK);
        assert_int_equal(g.n, 3);
        assert_int_equal(g.p[0].linktype, 1);
        assert_int_equal(g.p[1].linktype, 101);
        assert_true(g.p[0].ts == 1700000000123456000LL);
        assert_true(g.p[1].ts == 1700000000123456789LL);
        assert_string_equal(g.data[1], "raw");
        assert_string_equal(g.data[2], "spb!!");
        unlink(path);
    }
}

/* A block of a kind nobody reads, len bytes of `byte` in all, straight
 * to f: more than the builder holds. */
static void unread_block(FILE *f, uint32_t len, uint8_t byte)
{
    static uint8_t chunk[1 << 16];
    static struct builder ends;
    b_reset(&ends);
    b_u32le(&ends, 0x0bad);
    b_u32le(&ends, len);
    assert_int_equal(fwrite(ends.b, 1, 8, f), 8);
    memset(chunk, byte, sizeof(chunk));
    for (size_t k, n = len - 12; n; n -= k) {
        k = n < sizeof(chunk) ? n : sizeof(chunk);
        assert_int_equal(fwrite(chunk, 1, k, f), k);
    }
    assert_int_equal(fwrite(ends.b + 4, 1, 4, f), 4); /* the length again */
}

/* A second section whose header straddles the end of what one read
 * brings in (a megabyte): its byte order is learnt from 16 bytes while
 * its length comes from the first 8, which must still be there. */
static void section_header_across_a_read(void **state)
{
    (void)state;
    enum { READ = 1 << 20 };
    for (size_t before_end = 4; before_end <= 20; before_end += 4) {
        pcapng(false);
        write_file(&file);
        FILE *f = fopen(path, "ab");
        assert_non_null(f);
        unread_block(f, (uint32_t)(READ - before_end - file.n), 0); /* up to the second section */
        b_reset(&file);
        section(false);
        epb(false, 1, 1700000000123456789ULL, "after");
        assert_int_equal(fwrite(file.b, 1, file.n, f), file.n);
        unread_block(f, READ, 0xff); /* for the next read to bring in after it */
        fclose(f);
        struct got g;
        char err[256];
        assert_int_equal(read_all(&g, err), ST_OK);
        assert_int_equal(g.n, 1);
        assert_string_equal(g.data[0], "after");
        assert_int_equal(g.p[0].linktype, 101);
    }
    unlink(path);
}

/* 200 records of lengths all over, one larger than a read of 64 KB */
static void write_varied_records(void)
{
    pcap(false, false, 1);
    write_file(&file);
    FILE *out = fopen(path, "ab");
    assert_non_null(out);
    uint32_t len = 1;
    for (uint32_t i = 0; i < 200; i++) {
        len = i == 100 ? 100000 : (len * 7919 + 13) % 65000 + 1;
        b_reset(&file); /* a record: seconds, microseconds, captured and wire lengths */
        u32x(false, i);
        u32x(false, i);
        u32x(false, len);
        u32x(false, len);
        b_fill(&file, (uint8_t)('a' + i % 26), len);
        assert_int_equal(fwrite(file.b, 1, file.n, out), file.n);
    }
    fclose(out);
}

static void same_packet(const struct pkt *a, const struct pkt *b)
{
    assert_int_equal(b->no, a->no);
    assert_true(b->ts == a->ts);
    assert_int_equal(b->data.left, a->data.left);
    assert_memory_equal(b->data.p, a->data.p, a->data.left);
}

/* Reading 64 KB at a time (a look at a file's start), or a share of the
 * reads of files side by side that grows and shrinks between packets,
 * gives the packets a megabyte at a time does: records across every kind
 * of read boundary, and a packet larger than a read. */
static void small_reads_give_the_same_packets(void **state)
{
    (void)state;
    write_varied_records();
    struct capture_file *big, *small, *shared;
    char err[256];
    assert_int_equal(capture_file_open(path, &big, err, sizeof(err)), ST_OK);
    assert_int_equal(capture_file_open_small(path, &small, err, sizeof(err)), ST_OK);
    assert_int_equal(capture_file_open(path, &shared, err, sizeof(err)), ST_OK);
    static const size_t side_by_side[] = {1, 2, 100, 5, 1000, 0, 64, 3};
    size_t files_open = 1;
    capture_file_share_reads(shared, &files_open);
    struct pkt a, b;
    size_t n = 0;
    enum st sa;
    while ((sa = capture_file_next(big, &a)) == ST_OK) {
        assert_int_equal(capture_file_next(small, &b), ST_OK);
        same_packet(&a, &b);
        files_open = side_by_side[(n / 7) % (sizeof(side_by_side) / sizeof(side_by_side[0]))];
        assert_int_equal(capture_file_next(shared, &b), ST_OK);
        same_packet(&a, &b);
        n++;
    }
    assert_int_equal(sa, ST_SHORT);
    assert_int_equal(capture_file_next(small, &b), ST_SHORT);
    assert_int_equal(capture_file_next(shared, &b), ST_SHORT);
    assert_int_equal(n, 200);
    capture_file_close(big);
    capture_file_close(small);
    capture_file_close(shared);
    unlink(path);
}

static int open_descriptors(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* A file set aside after every packet (its descriptor and buffer gone)
 * gives the packets, in order, that one read straight through does. */
static void set_aside_gives_the_same_packets(void)
{
    struct capture_file *straight, *aside;
    char err[256];
    assert_int_equal(capture_file_open(path, &straight, err, sizeof(err)), ST_OK);
    assert_int_equal(capture_file_open(path, &aside, err, sizeof(err)), ST_OK);
    struct pkt a, b;
    size_t n = 0;
    enum st sa;
    while ((sa = capture_file_next(straight, &a)) == ST_OK) {
        assert_int_equal(capture_file_next(aside, &b), ST_OK);
        assert_false(capture_file_suspended(aside));
        assert_int_equal(b.no, a.no);
        assert_true(b.ts == a.ts);
        assert_int_equal(b.linktype, a.linktype);
        assert_int_equal(b.data.left, a.data.left);
        assert_memory_equal(b.data.p, a.data.p, a.data.left);
        /* a compressed file's offset counts what zlib has read */
        bool exact = !capture_file_compressed(aside);
        if (exact)
            assert_int_equal(capture_file_offset(aside), capture_file_offset(straight));
        uint64_t offset = capture_file_offset(aside);
        int before = open_descriptors();
        assert_true(capture_file_suspend(aside));
        assert_true(capture_file_suspended(aside));
        assert_int_equal(open_descriptors(), before - 1);
        assert_int_equal(capture_file_offset(aside), offset);
        assert_true(capture_file_suspend(aside)); /* twice is once */
        n++;
    }
    assert_int_equal(sa, ST_SHORT);
    assert_int_equal(capture_file_next(aside, &b), ST_SHORT);
    assert_true(n > 0);
    capture_file_close(straight);
    capture_file_close(aside);
}

static void set_aside_and_opened_again(void **state)
{
    (void)state;
    write_varied_records();
    set_aside_gives_the_same_packets();
    /* pcapng: interfaces of two link types and time resolutions, kept
     * while the file is closed */
    pcapng(true);
    for (int i = 0; i < 40; i++)
        epb(true, (uint32_t)i % 2, 1700000000123456ULL + (uint64_t)i, i % 3 ? "pcapng packet" : "x");
    write_file(&file);
    set_aside_gives_the_same_packets();
    /* compressed: inflated again up to where it stopped */
    write_varied_records();
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static uint8_t raw[16 << 20];
    size_t len = fread(raw, 1, sizeof(raw), in);
    fclose(in);
    unlink(path);
    snprintf(path, sizeof(path), "%s/tlsscope-test-%d.pcap.gz", P_tmpdir, (int)getpid());
    gzFile gz = gzopen(path, "wb1");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, raw, (unsigned)len), (int)len);
    gzclose(gz);
    set_aside_gives_the_same_packets();
    unlink(path);
}

/* A file replaced or removed while set aside is not read as if it were
 * the same: the next packet fails, saying why, and so does every one after. */
static void set_aside_file_replaced_or_gone(void **state)
{
    (void)state;
    char other[300];
    for (int removed = 0; removed < 2; removed++) {
        pcap(false, false, 1);
        pcap_packet(false, 1, 2, "first", 5);
        pcap_packet(false, 1, 3, "second", 6);
        write_file(&file);
        struct capture_file *f;
        char err[256];
        assert_int_equal(capture_file_open(path, &f, err, sizeof(err)), ST_OK);
        struct pkt p;
        assert_int_equal(capture_file_next(f, &p), ST_OK);
        assert_true(capture_file_suspend(f));
        if (removed) {
            unlink(path);
        } else { /* the same bytes, another file */
            snprintf(other, sizeof(other), "%s.new", path);
            FILE *o = fopen(other, "wb");
            assert_non_null(o);
            assert_int_equal(fwrite(file.b, 1, file.n, o), file.n);
            fclose(o);
            assert_int_equal(rename(other, path), 0);
        }
        assert_int_equal(capture_file_next(f, &p), ST_IO);
        assert_non_null(strstr(capture_file_error(f), removed ? "cannot open it again" : "replaced"));
        assert_int_equal(capture_file_next(f, &p), ST_IO);
        capture_file_close(f);
    }
    unlink(path);
}

/* Standard input cannot be opened again: it is never set aside. */
static void standard_input_stays_open(void **state)
{
    (void)state;
    pcap(false, false, 1);
    pcap_packet(false, 1, 2, "stdin", 5);
    write_file(&file);
    assert_non_null(freopen(path, "rb", stdin));
    struct capture_file *f;
    char err[256];
    assert_int_equal(capture_file_open("-", &f, err, sizeof(err)), ST_OK);
    assert_false(capture_file_suspend(f));
    assert_false(capture_file_suspended(f));
    struct pkt p;
    assert_int_equal(capture_file_next(f, &p), ST_OK);
    assert_memory_equal(p.data.p, "stdin", 5);
    capture_file_close(f);
    unlink(path);
}

static void gzip_compressed(void **state)
{
    (void)state;
    pcap(false, false, 1);
    pcap_packet(false, 1, 2, "zipped", 6);
    snprintf(path, sizeof(path), "%s/tlsscope-test-%d.pcap.gz", P_tmpdir, (int)getpid());
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, file.b, (unsigned)file.n), (int)file.n);
    gzclose(gz);
    struct got g;
    char err[256];
    assert_int_equal(read_all(&g, err), ST_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.data[0], "zipped");
    unlink(path);
}

static void truncated_mid_packet(void **state)
{
    (void)state;
    pcap(false, false, 1);
    pcap_packet(false, 1, 2, "complete", 8);
    pcap_packet(false, 1, 3, "cut short", 9);
    file.n -= 4;
    write_file(&file);
    struct got g;
    char err[256];
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_int_equal(g.n, 1); /* the packet before it was read */
    assert_non_null(strstr(err, "truncated"));
    assert_non_null(strstr(err, "packet 2"));
    /* cut inside a record header too */
    pcap(false, false, 1);
    pcap_packet(false, 1, 2, "complete", 8);
    b_u32le(&file, 1);
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "header of packet 2"));
    unlink(path);
}

static void damaged_files(void **state)
{
    (void)state;
    struct got g;
    char err[256];
    b_reset(&file);
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "empty"));
    b_reset(&file);
    b_str(&file, "GET / HTTP/1.1\r\n\r\n");
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "not a capture"));
    pcap(false, false, 1);
    u32x(false, 1);
    u32x(false, 2);
    u32x(false, 0x7fffffff); /* absurd captured length */
    u32x(false, 0x7fffffff);
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "damaged"));
    pcapng(false);
    epb(false, 7, 1, "who"); /* undeclared interface */
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "interface 7"));
    pcapng(false);
    size_t at = block(false, 6); /* an enhanced packet block of 8 bytes */
    u32x(false, 0);
    u32x(false, 0);
    end_block(false, at);
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "too short for its header"));
    pcapng(false);
    file.b[file.n - 1] ^= 1; /* trailing length disagrees */
    write_file(&file);
    assert_int_equal(read_all(&g, err), ST_BAD);
    assert_non_null(strstr(err, "disagree"));
    unlink(path);
    snprintf(path, sizeof(path), "/nonexistent/tlsscope.pcap");
    assert_int_equal(read_all(&g, err), ST_IO);
    assert_non_null(strstr(err, "No such file"));
    snprintf(path, sizeof(path), "%s", P_tmpdir);
    assert_int_equal(read_all(&g, err), ST_IO);
    assert_non_null(strstr(err, "directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcap_variants),
        cmocka_unit_test(pcap_modified_records),
        cmocka_unit_test(pcapng_mixed_link_types),
        cmocka_unit_test(pcapng_resolutions_and_old_blocks),
        cmocka_unit_test(section_header_across_a_read),
        cmocka_unit_test(small_reads_give_the_same_packets),
        cmocka_unit_test(gzip_compressed),
        cmocka_unit_test(set_aside_and_opened_again),
        cmocka_unit_test(set_aside_file_replaced_or_gone),
        cmocka_unit_test(standard_input_stays_open),
        cmocka_unit_test(truncated_mid_packet),
        cmocka_unit_test(damaged_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
