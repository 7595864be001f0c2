/* JA3, JA3S and JA4 on hand-built hellos: the JA4 specification's own
 * example (with and without GREASE), every part of JA4's first section
 * (versions, SNI, counts capped at 99, each ALPN case), empty lists,
 * SSLv2-format hellos, and JA3's fields and GREASE rules; and the digests
 * each thread keeps of the texts it hashed, found again, evicted and made
 * on two threads at once, always as OpenSSL makes them. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect/crypto/crypto.h"
#include "dissect/fingerprint/fingerprint.h"

static struct arena *arena;

static int setup(void **state)
{
    (void)state;
    arena = arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(arena);
    return 0;
}

static void u16s(struct u16s *l, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(ARENA_PUSH(arena, *l, v[i]));
}

static void ciphers(struct hello *h, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = v[i];
        assert_true(ARENA_PUSH(arena, h->ciphers, c));
    }
}

static void exts(struct hello *h, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ext_seen e = {.type = v[i]};
        assert_true(ARENA_PUSH(arena, h->exts, e));
    }
}

static void alpn(struct hello *h, const char *first, size_t len)
{
    struct bytes b = {(const uint8_t *)first, len};
    assert_true(ARENA_PUSH(arena, h->alpn, b));
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The example of FoxIO's JA4.md: 15 ciphers, 16 extensions, h2. */
static const uint16_t spec_ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                        0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t spec_exts[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                     0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
static const uint16_t spec_sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

static struct hello spec_hello(bool grease)
{
    struct hello h = {.present = true, .version = 0x0303};
    if (grease) {
        static const uint16_t g[] = {0x0a0a};
        ciphers(&h, g, 1);
        exts(&h, g, 1);
        u16s(&h.sig_algs, g, 1);
        u16s(&h.versions, g, 1);
    }
    ciphers(&h, spec_ciphers, N(spec_ciphers));
    exts(&h, spec_exts, N(spec_exts));
    if (grease) {
        static const uint16_t g[] = {0xfafa};
        exts(&h, g, 1);
    }
    u16s(&h.sig_algs, spec_sigs, N(spec_sigs));
    static const uint16_t versions[] = {0x0304, 0x0303};
    u16s(&h.versions, versions, N(versions));
    alpn(&h, "h2", 2);
    return h;
}

static void ja4_of_the_specification(void **state)
{
    (void)state;
    for (int grease = 0; grease < 2; grease++) {
        struct hello h = spec_hello(grease);
        struct ja4 j;
        assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
        assert_string_equal(j.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_string_equal(j.ja4_r, "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,"
                                     "c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,"
                                     "0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
        /* the original order keeps SNI and ALPN (FoxIO's ruling on ja4#40) */
        assert_string_equal(j.ja4_ro, "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,"
                                      "009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,"
                                      "002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601");
        assert_string_equal(j.ja4_o, "t13d1516h2_acb858a92679_18f69afefd3d");
    }
}

static void ja4_without_signature_algorithms(void **state)
{
    (void)state;
    /* the specification's "no signature algorithms" example: no underscore */
    struct hello h = spec_hello(false);
    h.sig_algs.n = 0;
    struct ja4 j;
    assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
    assert_string_equal(j.ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

static const char *ja4_head(struct hello *h)
{
    static struct ja4 j;
    assert_true(fingerprint_ja4(arena, h, TR_TCP, &j));
    static char head[11];
    memcpy(head, j.ja4, 10);
    head[10] = 0;
    return head;
}

static void ja4_first_section(void **state)
{
    (void)state;
    static const uint16_t one[] = {0x002f};
    /* no supported_versions: the hello's own version; no SNI, no ALPN */
    struct hello h = {.present = true, .version = 0x0301};
    ciphers(&h, one, 1);
    assert_string_equal(ja4_head(&h), "t10i010000");
    static const uint16_t sni[] = {0x0000};
    exts(&h, sni, 1);
    assert_string_equal(ja4_head(&h), "t10d010100");
    /* SSL 3.0, and unknown versions */
    h.version = 0x0300;
    assert_string_equal(ja4_head(&h), "ts3d010100");
    h.version = 0x0305;
    assert_string_equal(ja4_head(&h), "t00d010100");
    /* the highest of supported_versions, GREASE ignored; a draft is unknown */
    static const uint16_t sv_ext[] = {0x002b};
    exts(&h, sv_ext, 1);
    static const uint16_t versions[] = {0x7a7a, 0x0303, 0x0302};
    u16s(&h.versions, versions, N(versions));
    assert_string_equal(ja4_head(&h), "t12d010200");
    static const uint16_t draft[] = {0x7f17};
    u16s(&h.versions, draft, 1);
    assert_string_equal(ja4_head(&h), "t00d010200");
    /* counts stop at 99 */
    struct hello many = {.present = true, .version = 0x0303};
    for (uint16_t c = 1; c <= 150; c++)
        ciphers(&many, &c, 1);
    for (uint16_t e = 0x100; e < 0x100 + 120; e++)
        exts(&many, &e, 1);
    assert_string_equal(ja4_head(&many), "t12i999900");
}

static void ja4_alpn(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        size_t len;
        const char *want;
    } cases[] = {
        {"h2", 2, "h2"},
        {"http/1.1", 8, "h1"},
        {"x", 1, "xx"},              /* one character is first and last */
        {"", 0, "00"},               /* an empty first value */
        {"\xba\xad", 2, "99"},       /* not ASCII: 9, as FoxIO's tools do */
        {"h\x80", 2, "h9"},
        {"anydesk/6.2.0/linux", 19, "ax"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct hello h = {.present = true, .version = 0x0303};
        static const uint16_t ext[] = {0x0010};
        exts(&h, ext, 1);
        alpn(&h, cases[i].value, cases[i].len);
        alpn(&h, "h2", 2); /* only the first value counts */
        const char *head = ja4_head(&h);
        if (strcmp(head + 8, cases[i].want))
            fail_msg("ALPN case %zu: %s, not ..%s", i, head, cases[i].want);
    }
}

static void ja4_empty_lists(void **state)
{
    (void)state;
    /* no ciphers, no extensions: twelve zeros, not a hash of nothing */
    struct hello h = {.present = true, .version = 0x0303};
    struct ja4 j;
    assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
    assert_string_equal(j.ja4, "t12i000000_000000000000_000000000000");
    assert_string_equal(j.ja4_o, "t12i000000_000000000000_000000000000");
    assert_string_equal(j.ja4_r, "t12i000000__");
    /* only SNI and ALPN: the sorted list is empty, the original one not */
    static const uint16_t sni_alpn[] = {0x0000, 0x0010};
    exts(&h, sni_alpn, 2);
    alpn(&h, "h2", 2);
    assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
    assert_memory_equal(j.ja4 + 11, "000000000000_000000000000", 25);
    assert_string_not_equal(j.ja4_o + 24, "000000000000");
    assert_string_equal(j.ja4_ro, "t12d0002h2__0000,0010");
}

/* Lists far longer than a real hello's, in both JA3's decimal and JA4's
 * hex: every code, in order, with every separator. */
static void long_lists(void **state)
{
    (void)state;
    enum { N_CODES = 300 };
    struct hello h = {.present = true, .version = 0x0303};
    uint16_t cs[N_CODES];
    char want[N_CODES * 7 + 64];
    size_t len = (size_t)snprintf(want, sizeof(want), "771,");
    for (size_t i = 0; i < N_CODES; i++) {
        cs[i] = (uint16_t)(0xc000 + i * 3); /* none is GREASE */
        len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%u", i ? "-" : "", cs[i]);
    }
    snprintf(want + len, sizeof(want) - len, ",,,");
    ciphers(&h, cs, N_CODES);
    assert_string_equal(fingerprint_ja3(arena, &h), want);
    struct ja4 j;
    assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
    len = (size_t)snprintf(want, sizeof(want), "t12i990000_");
    for (size_t i = 0; i < N_CODES; i++) /* ascending already: sorted is the same */
        len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%04x", i ? "," : "", cs[i]);
    snprintf(want + len, sizeof(want) - len, "_");
    assert_string_equal(j.ja4_r, want);
}

static int ascending(const void *x, const void *y)
{
    uint16_t a = *(const uint16_t *)x, b = *(const uint16_t *)y;
    return a < b ? -1 : a > b;
}

/* JA4 sorts the suites (short lists in place, long ones with qsort): for
 * every length to 80, codes in a scrambled order with repeats come out
 * in ascending order, each repeat kept. */
static void sorted_lists_of_every_length(void **state)
{
    (void)state;
    uint32_t x = 2463534242u;
    for (size_t n = 1; n <= 80; n++) {
        struct hello h = {.present = true, .version = 0x0303};
        uint16_t cs[80], sorted[80];
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            cs[i] = (uint16_t)(i % 7 == 6 ? cs[i / 2] : 0x0100 + x % 0xb000); /* never GREASE */
            assert_false(is_grease(cs[i]));
        }
        memcpy(sorted, cs, n * sizeof(*cs));
        qsort(sorted, n, sizeof(*sorted), ascending);
        char want[80 * 5 + 1];
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%04x", i ? "," : "", sorted[i]);
        ciphers(&h, cs, n);
        struct ja4 j;
        assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
        const char *section = strchr(j.ja4_r, '_');
        assert_non_null(section);
        assert_memory_equal(section + 1, want, len);
        assert_int_equal(section[1 + len], '_');
    }
}

static void sslv2_hellos_have_none(void **state)
{
    (void)state;
    struct hello h = {.present = true, .sslv2 = true, .version = 0x0301};
    static const uint16_t c[] = {0x0004};
    ciphers(&h, c, 1);
    struct ja4 j;
    assert_false(fingerprint_ja4(arena, &h, TR_TCP, &j));
    assert_null(fingerprint_ja3(arena, &h));
    struct hello none = {0};
    assert_false(fingerprint_ja4(arena, &none, TR_TCP, &j));
    assert_null(fingerprint_ja3(arena, &none));
    assert_null(fingerprint_ja3s(arena, &none));
}

static void ja3_fields(void **state)
{
    (void)state;
    struct hello h = {.present = true, .version = 0x0303};
    static const uint16_t cs[] = {0x2a2a, 0xc02b, 0x002f};
    static const uint16_t xs[] = {0x3a3a, 0x0000, 0x000a, 0x000b, 0x0017};
    static const uint16_t groups[] = {0x4a4a, 0x001d, 0x0017};
    static const uint8_t formats[] = {0};
    ciphers(&h, cs, N(cs));
    exts(&h, xs, N(xs));
    u16s(&h.groups, groups, N(groups));
    h.point_formats = (struct bytes){formats, 1};
    char *ja3 = fingerprint_ja3(arena, &h);
    assert_string_equal(ja3, "771,49195-47,0-10-11-23,29-23,0");
    char md5[33];
    /* the JA3 README's second example, by its published hash */
    fingerprint_md5("769,4-5-10-9-100-98-3-6-19-18-99,,,", md5);
    assert_string_equal(md5, "de350869b8c85de67a350c8d186f11e6");
    /* no extensions: the three last fields are empty */
    struct hello bare = {.present = true, .version = 0x0301};
    ciphers(&bare, cs + 1, 2);
    assert_string_equal(fingerprint_ja3(arena, &bare), "769,49195-47,,,");
    /* an extension block that cannot be read ends after the ciphers, as tshark has it */
    bare.exts_unreadable = true;
    bare.truncated = true;
    assert_string_equal(fingerprint_ja3(arena, &bare), "769,49195-47,");
}

static void ja3s_fields(void **state)
{
    (void)state;
    struct hello sh = {.present = true, .version = 0x0303, .cipher = 0x1302};
    static const uint16_t xs[] = {0x002b, 0x0033};
    exts(&sh, xs, N(xs));
    assert_string_equal(fingerprint_ja3s(arena, &sh), "771,4866,43-51");
    char md5[33];
    fingerprint_md5("771,4866,43-51", md5);
    assert_string_equal(md5, "15af977ce25de452b96affa2addb1036"); /* tshark's for traces/tls13.pcap */
    struct hello bare = {.present = true, .version = 0x0301, .cipher = 4};
    assert_string_equal(fingerprint_ja3s(arena, &bare), "769,4,");
}

static void sessions_carry_them(void **state)
{
    (void)state;
    struct session *s = session_new(1);
    assert_non_null(s);
    s->ch = spec_hello(true);
    s->sh = (struct hello){.present = true, .version = 0x0303, .cipher = 0x1301};
    fingerprint_session(s);
    assert_string_equal(s->fp.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_int_equal(strlen(s->fp.ja3_hash), 32);
    assert_string_equal(s->fp.ja3s, "771,4865,");
    session_free(s);
}

/* ---- the digests kept per thread ------------------------------------------------ */

enum { TEXTS = 3000 }; /* more than the slots kept, so most are evicted */

/* a JA3-like text that differs from its neighbours in the middle */
static void text_of(size_t i, char *out, size_t len)
{
    snprintf(out, len, "771,4865-4866-4867-%zu-49195-49199,0-23-65281-%zu,29-23-24,0", i, i * 7919 % 65536);
}

static void md5_by_openssl(const char *text, char out[33])
{
    uint8_t d[64];
    assert_int_equal(digest(DIGEST_MD5, text, strlen(text), d), 16);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* every text's JA3 hash as OpenSSL makes it, however it was found */
static bool md5s_right(size_t first, size_t step, size_t n)
{
    char text[128], want[33], got[33];
    for (size_t k = 0, i = first; k < n; k++, i = (i + step) % TEXTS) {
        text_of(i, text, sizeof(text));
        md5_by_openssl(text, want);
        fingerprint_md5(text, got);
        if (strcmp(want, got) != 0)
            return false;
    }
    return true;
}

static void kept_digests_stay_right(void **state)
{
    (void)state;
    assert_true(md5s_right(0, 1, TEXTS));                 /* each made once */
    assert_true(md5s_right(TEXTS - 1, TEXTS - 1, TEXTS)); /* backwards: the last ones found again */
    for (int round = 0; round < 3; round++)               /* a few texts over and over */
        assert_true(md5s_right(17, 101, 40));
    /* longer than a kept text may be: made every time */
    char *long_text = malloc(5000);
    assert_non_null(long_text);
    memset(long_text, '7', 4999);
    long_text[4999] = 0;
    char want[33], got[33];
    md5_by_openssl(long_text, want);
    for (int i = 0; i < 2; i++) {
        fingerprint_md5(long_text, got);
        assert_string_equal(got, want);
    }
    free(long_text);
    /* JA4's 12 digits of SHA-256 found again, then MD5 over the same text */
    struct ja4 j;
    for (int i = 0; i < 2; i++) {
        struct hello h = spec_hello(false);
        assert_true(fingerprint_ja4(arena, &h, TR_TCP, &j));
        assert_string_equal(j.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }
    char ciphers_text[256];
    const char *from = strchr(j.ja4_r, '_') + 1;
    size_t len = (size_t)(strchr(from, '_') - from);
    assert_true(len < sizeof(ciphers_text));
    memcpy(ciphers_text, from, len);
    ciphers_text[len] = 0;
    md5_by_openssl(ciphers_text, want);
    fingerprint_md5(ciphers_text, got);
    assert_string_equal(got, want);
}

static void *md5s_on_a_thread(void *arg)
{
    size_t first = *(const size_t *)arg;
    return (void *)(uintptr_t)md5s_right(first, 13, TEXTS);
}

static void each_thread_keeps_its_own(void **state)
{
    (void)state;
    pthread_t t[2];
    size_t first[2] = {0, 5};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, md5s_on_a_thread, &first[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *ok;
        assert_int_equal(pthread_join(t[i], &ok), 0);
        assert_true(ok != NULL);
    }
}

/* ---- a ClientHello's fingerprints kept per thread ----------------------------- */

enum { VARIANTS = 14 };

/* the specification's hello with one field that JA3 or JA4 reads changed */
static void variant(struct session *s, int which)
{
    s->ch = spec_hello(which == 1);
    static const uint16_t one[] = {0x001d}, two[] = {0x0017, 0x001d}, sigs[] = {0x0804, 0x0403};
    static const uint16_t v12[] = {0x0303}, more_ciphers[] = {0x009c, 0x1301};
    s->transport = TR_TCP;
    switch (which) {
    case 2: s->transport = TR_QUIC; break;
    case 3: s->transport = TR_DTLS; break;
    case 4: s->ch.version = 0x0301; break;
    case 5: s->ch.exts_unreadable = true; break;
    case 6: u16s(&s->ch.groups, one, 1); break;
    case 7: u16s(&s->ch.groups, two, 2); break;
    case 8: s->ch.point_formats = (struct bytes){(const uint8_t *)"\0", 1}; break;
    case 9: s->ch.sig_algs = (struct u16s){0}; u16s(&s->ch.sig_algs, sigs, 2); break;
    case 10: s->ch.versions = (struct u16s){0}; u16s(&s->ch.versions, v12, 1); break;
    case 11: s->ch.alpn = (struct byteslist){0}; alpn(&s->ch, "h3", 2); break;
    case 12: s->ch.alpn = (struct byteslist){0}; alpn(&s->ch, "x2", 2); break;
    case 13: ciphers(&s->ch, more_ciphers, 2); break;
    default: break;
    }
}

/* fingerprint_session, which may find a hello's fingerprints kept,
 * against fingerprint_ja3 and fingerprint_ja4, which compute them */
static void session_as_computed(int which)
{
    struct session *s = session_new(1);
    assert_non_null(s);
    variant(s, which);
    fingerprint_session(s);
    char *ja3 = fingerprint_ja3(arena, &s->ch);
    char md5[33];
    assert_non_null(ja3);
    fingerprint_md5(ja3, md5);
    struct ja4 j;
    assert_true(fingerprint_ja4(arena, &s->ch, s->transport, &j));
    if (!s->fp.ja3 || strcmp(s->fp.ja3, ja3) || strcmp(s->fp.ja3_hash, md5) || strcmp(s->fp.ja4, j.ja4) ||
        strcmp(s->fp.ja4_o, j.ja4_o) || !s->fp.ja4_r || strcmp(s->fp.ja4_r, j.ja4_r) || !s->fp.ja4_ro ||
        strcmp(s->fp.ja4_ro, j.ja4_ro))
        fail_msg("variant %d: %s against %s", which, s->fp.ja4, j.ja4);
    session_free(s);
}

static void kept_hellos_are_what_is_computed(void **state)
{
    (void)state;
    /* every variant twice in a row, then all of them again in turn: each
     * found kept must be its own, though they differ in one field */
    for (int which = 0; which < VARIANTS; which++)
        for (int again = 0; again < 2; again++)
            session_as_computed(which);
    for (int round = 0; round < 3; round++)
        for (int which = VARIANTS - 1; which >= 0; which--)
            session_as_computed(which);
    /* a hello whose key would not fit is computed every time */
    for (int again = 0; again < 2; again++) {
        struct session *s = session_new(1);
        assert_non_null(s);
        variant(s, 0);
        for (uint16_t c = 0; c < 2000; c++) {
            uint16_t one[] = {(uint16_t)(0x4000 + c)};
            ciphers(&s->ch, one, 1);
        }
        fingerprint_session(s);
        struct ja4 j;
        assert_true(fingerprint_ja4(arena, &s->ch, TR_TCP, &j));
        assert_string_equal(s->fp.ja4_r, j.ja4_r);
        assert_string_equal(s->fp.ja3, fingerprint_ja3(arena, &s->ch));
        session_free(s);
    }
    /* more hellos than slots, each with a cipher of its own, twice over */
    for (int round = 0; round < 2; round++)
        for (uint16_t c = 0; c < 3000; c++) {
            struct session *s = session_new(1);
            assert_non_null(s);
            variant(s, 0);
            uint16_t own[] = {(uint16_t)(0x3000 + c)};
            ciphers(&s->ch, own, 1);
            fingerprint_session(s);
            struct ja4 j;
            assert_true(fingerprint_ja4(arena, &s->ch, TR_TCP, &j));
            if (strcmp(s->fp.ja4_r, j.ja4_r))
                fail_msg("cipher 0x%04x: %s against %s", 0x3000 + c, s->fp.ja4_r, j.ja4_r);
            session_free(s);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ja4_of_the_specification), cmocka_unit_test(ja4_without_signature_algorithms),
        cmocka_unit_test(ja4_first_section),        cmocka_unit_test(ja4_alpn),
        cmocka_unit_test(ja4_empty_lists),          cmocka_unit_test(sslv2_hellos_have_none),
        cmocka_unit_test(ja3_fields),               cmocka_unit_test(ja3s_fields),
        cmocka_unit_test(sessions_carry_them),     cmocka_unit_test(long_lists),
        cmocka_unit_test(sorted_lists_of_every_length), cmocka_unit_test(kept_digests_stay_right),
        cmocka_unit_test(each_thread_keeps_its_own), cmocka_unit_test(kept_hellos_are_what_is_computed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
