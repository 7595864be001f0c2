/* JA3, JA3S and JA4 from the parsed hellos.
 *
 * JA3 (Salesforce): "version,ciphers,extensions,groups,point formats",
 * decimal values joined by '-', GREASE left out of every list; the
 * reference reads TLS records only, so an SSLv2-format ClientHello has
 * none. JA3S: "version,cipher,extensions" of the ServerHello, nothing left
 * out.
 *
 * JA4 (FoxIO): "t" (TCP), the highest supported version (else the hello's
 * own), d/i for SNI or not, the counts of ciphers and extensions (GREASE
 * left out, at most 99), the first and last characters of the first ALPN
 * value; then the first 12 hex digits of SHA-256 over the sorted ciphers,
 * and over the sorted extensions without SNI and ALPN followed by the
 * signature algorithms in their order. An empty list hashes to twelve
 * zeros. The "_o" forms keep the original order and SNI and ALPN; the
 * "_r" forms show the lists instead of their hashes. */
#include "dissect/fingerprint/fingerprint.h"
#include "dissect/internal.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/digits.h"
#include "include/hmap.h"

enum { EXT_SNI = 0x0000, EXT_ALPN = 0x0010, EXT_SUPPORTED_VERSIONS = 0x002b };

/* ---- text built piece by piece --------------------------------------------- */

/* A fingerprint's text: the longest a hello can make (every one of 32767
 * suites as "65535,") fits well inside the limit. An append that fails
 * marks the text failed, and the fingerprint is left out. The texts of a
 * usual hello fit in the room a text carries; each on the heap, grown a
 * doubling at a time, had cost a dozen allocations a handshake. */
enum { TEXT_LIMIT = 1u << 20, TEXT_INLINE = 1024 };

struct text {
    size_t len; /* of inline_text, while the text is there */
    bool failed;
    struct buf spill; /* the text once it outgrew inline_text */
    char inline_text[TEXT_INLINE];
};

/* not "= {0}": clearing the room cost more than filling it */
static void text_init(struct text *t)
{
    t->len = 0;
    t->failed = false;
    t->spill = (struct buf){.limit = TEXT_LIMIT};
    t->inline_text[0] = 0;
}

/* add_raw - n bytes as they are. No printf here: formatting was the
 * costliest part of a handshake. */
static void add_raw(struct text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (!t->spill.p && n < TEXT_INLINE - t->len) {
        memcpy(t->inline_text + t->len, s, n);
        t->len += n;
        t->inline_text[t->len] = 0;
        return;
    }
    if ((!t->spill.p && !buf_add(&t->spill, t->inline_text, t->len)) || !buf_add(&t->spill, s, n))
        t->failed = true;
}

static const char *text_str(const struct text *t)
{
    return t->spill.p ? (const char *)t->spill.p : t->inline_text;
}

static size_t text_len(const struct text *t)
{
    return t->spill.p ? t->spill.len : t->len;
}

static const char hex_digits[] = "0123456789abcdef";

static void add_str(struct text *t, const char *s)
{
    add_raw(t, s, strlen(s));
}

static void add_uint(struct text *t, uint32_t v)
{
    char digits[DIGITS_U64_MAX];
    add_raw(t, digits, digits_u64(digits, v));
}

/* done - the text in the arena (NULL when anything failed); t is freed. */
static char *done(struct text *t, struct arena *a)
{
    char *s = t->failed ? NULL : arena_strndup(a, text_str(t), text_len(t));
    buf_free(&t->spill);
    return s;
}

/* ---- lists of codes -------------------------------------------------------------- */

/* The lists of a usual hello fit in the room a list carries; a longer
 * one (a hostile hello may offer thousands) goes to the heap. */
enum { CODES_INLINE = 128 };

struct codes {
    uint32_t *v; /* inline_v, or the heap's */
    size_t n;
    uint32_t inline_v[CODES_INLINE];
};

/* before codes_alloc, so that codes_free may follow a failure anywhere */
static void codes_init(struct codes *c)
{
    c->v = NULL;
    c->n = 0;
}

static bool codes_alloc(struct codes *c, size_t n)
{
    c->n = 0;
    c->v = n <= CODES_INLINE ? c->inline_v : malloc(n * sizeof(*c->v));
    return c->v != NULL;
}

static void codes_free(struct codes *c)
{
    if (c->v != c->inline_v)
        free(c->v);
    c->v = NULL;
}

static void keep(struct codes *c, uint32_t v, bool drop_grease)
{
    if (!(drop_grease && is_grease(v)))
        c->v[c->n++] = v;
}

static bool ciphers(const struct hello *h, struct codes *c, bool drop_grease)
{
    if (!codes_alloc(c, h->ciphers.n))
        return false;
    for (size_t i = 0; i < h->ciphers.n; i++)
        keep(c, h->ciphers.v[i], drop_grease);
    return true;
}

static bool extensions(const struct hello *h, struct codes *c, bool drop_grease)
{
    if (!codes_alloc(c, h->exts.n))
        return false;
    for (size_t i = 0; i < h->exts.n; i++)
        keep(c, h->exts.v[i].type, drop_grease);
    return true;
}

static bool u16_codes(const struct u16s *l, struct codes *c)
{
    if (!codes_alloc(c, l->n))
        return false;
    for (size_t i = 0; i < l->n; i++)
        keep(c, l->v[i], true);
    return true;
}

static bool byte_codes(const struct bytes *b, struct codes *c)
{
    if (!codes_alloc(c, b->len))
        return false;
    for (size_t i = 0; i < b->len; i++)
        keep(c, b->p[i], true);
    return true;
}

enum style { DECIMAL_DASHES, HEX_COMMAS }; /* JA3's, JA4's */

/* The codes are written into a local buffer and added a few hundred bytes
 * at a time: two calls to add_raw per code were most of a fingerprint's
 * cost. */
static void join(struct text *t, const struct codes *c, enum style style)
{
    char out[256];
    size_t len = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (len > sizeof(out) - 16) { /* a separator and eight hex or ten decimal digits fit */
            add_raw(t, out, len);
            len = 0;
        }
        uint32_t v = c->v[i];
        if (i)
            out[len++] = style == HEX_COMMAS ? ',' : '-';
        if (style == DECIMAL_DASHES) {
            len += digits_u64(out + len, v);
        } else if (v <= 0xffff) {
            out[len] = hex_digits[v >> 12];
            out[len + 1] = hex_digits[(v >> 8) & 15];
            out[len + 2] = hex_digits[(v >> 4) & 15];
            out[len + 3] = hex_digits[v & 15];
            len += 4;
        } else {
            len += (size_t)snprintf(out + len, sizeof(out) - len, "%04x", v);
        }
    }
    if (len)
        add_raw(t, out, len);
}

/* ---- JA3 / JA3S ---------------------------------------------------------------- */

char *fingerprint_ja3(struct arena *a, const struct hello *ch)
{
    if (!ch->present || ch->sslv2)
        return NULL;
    struct text t;
    struct codes list[4];
    text_init(&t);
    for (size_t i = 0; i < 4; i++)
        codes_init(&list[i]);
    bool ok = ciphers(ch, &list[0], true) && extensions(ch, &list[1], true) &&
              u16_codes(&ch->groups, &list[2]) && byte_codes(&ch->point_formats, &list[3]);
    if (ok) {
        add_uint(&t, ch->version);
        add_raw(&t, ",", 1);
        join(&t, &list[0], DECIMAL_DASHES);
        add_raw(&t, ",", 1);
    }
    /* what tshark writes when what follows the compression methods is not
     * an extension list: no more fields */
    if (ok && !ch->exts_unreadable) {
        join(&t, &list[1], DECIMAL_DASHES);
        add_raw(&t, ",", 1);
        join(&t, &list[2], DECIMAL_DASHES);
        add_raw(&t, ",", 1);
        join(&t, &list[3], DECIMAL_DASHES);
    }
    for (size_t i = 0; i < 4; i++)
        codes_free(&list[i]);
    if (!ok)
        t.failed = true;
    return done(&t, a);
}

char *fingerprint_ja3s(struct arena *a, const struct hello *sh)
{
    if (!sh->present || sh->sslv2)
        return NULL;
    struct text t;
    struct codes exts;
    codes_init(&exts);
    if (!extensions(sh, &exts, false))
        return NULL;
    text_init(&t);
    add_uint(&t, sh->version);
    add_raw(&t, ",", 1);
    add_uint(&t, sh->cipher);
    add_raw(&t, ",", 1);
    join(&t, &exts, DECIMAL_DASHES);
    codes_free(&exts);
    return done(&t, a);
}

/* Clients repeat themselves: a browser or a library sends the same lists
 * in every connection it makes, so the texts hashed for JA3, JA3S and JA4
 * recur across a capture, and finding one again costs less than a digest
 * through OpenSSL (docs/performance.md, issue 19's eighth step). Each
 * thread keeps the hex digests of the texts it hashed last, in slots
 * chosen by hmap_hash_bytes; the text itself is compared, so a collision
 * costs a digest, never a wrong fingerprint. */
enum { MEMO_SLOTS = 1024, MEMO_TEXT_MAX = 4096, MEMO_HEX = 32 };

struct memo {
    uint64_t hash;
    char *text; /* NULL: an empty slot */
    size_t len, cap;
    enum digest_alg alg;
    char hex[MEMO_HEX + 1]; /* at most MEMO_HEX hex digits of the digest */
};

/* Each thread's remembered digests and ClientHellos (below), made on its
 * first use and freed with the thread. */
struct hello_memo;
static struct memo *memo_slots(void);
static struct hello_memo *hello_memo_slots(void);

static void hex_of(enum digest_alg alg, const char *text, size_t len, char out[MEMO_HEX + 1])
{
    uint8_t d[64];
    unsigned n = digest(alg, text, len, d);
    size_t k = 0;
    for (unsigned int i = 0; i < n && k + 2 <= MEMO_HEX; i++, k += 2) {
        out[k] = hex_digits[d[i] >> 4];
        out[k + 1] = hex_digits[d[i] & 15];
    }
    out[k] = 0;
}

/* the slot's text becomes this one, in the room it has when it fits */
static bool keep_text(struct memo *m, const char *text, size_t len)
{
    if (len > m->cap || !m->text) {
        char *room = malloc(len ? len : 1);
        if (!room)
            return false;
        free(m->text);
        m->text = room;
        m->cap = len;
    }
    if (len)
        memcpy(m->text, text, len);
    m->len = len;
    return true;
}

static void digest_hex(enum digest_alg alg, const char *text, size_t len, char *out, size_t hex_chars)
{
    uint64_t h = hmap_hash_bytes(text, len, alg);
    struct memo *slots = memo_slots();
    struct memo *m = slots ? &slots[h % MEMO_SLOTS] : NULL;
    char fresh[MEMO_HEX + 1];
    const char *hex = fresh;
    if (m && m->text && m->hash == h && m->alg == alg && m->len == len && memcmp(m->text, text, len) == 0) {
        hex = m->hex;
    } else {
        hex_of(alg, text, len, fresh);
        if (m && fresh[0] && len <= MEMO_TEXT_MAX && keep_text(m, text, len)) {
            m->hash = h;
            m->alg = alg;
            memcpy(m->hex, fresh, sizeof(fresh));
        }
    }
    size_t n = strnlen(hex, hex_chars);
    memcpy(out, hex, n);
    out[n] = 0;
}

void fingerprint_md5(const char *text, char out[33])
{
    digest_hex(DIGEST_MD5, text, strlen(text), out, 32);
}

/* ---- JA4 ------------------------------------------------------------------------ */

static int by_value(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* A hello's lists are short: insertion sort, with no call per comparison;
 * a long list (a hostile hello can offer thousands) goes to qsort. */
static void sort_codes(uint32_t *v, size_t n)
{
    if (n > 32) {
        qsort(v, n, sizeof(*v), by_value);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        for (; j && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static const char *ja4_version(const struct hello *ch, enum transport tr)
{
    uint32_t v = ch->version;
    if (hello_has_extension(ch, EXT_SUPPORTED_VERSIONS)) {
        uint32_t best = 0;
        for (size_t i = 0; i < ch->versions.n; i++)
            if (!is_grease(ch->versions.v[i]) && ch->versions.v[i] > best)
                best = ch->versions.v[i];
        if (best)
            v = best;
    }
    if (tr == TR_DTLS) /* only DTLS's own codes: the pre-RFC 0x0100 is none of them */
        return v == 0xfeff ? "d1" : v == 0xfefd ? "d2" : v == 0xfefc ? "d3" : "00";
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0x0100: return "s1";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

/* The first and last bytes of the first ALPN value, each replaced by '9'
 * when it is not ASCII, as FoxIO's reference implementations do (the
 * written specification has since moved to hex digits: docs/fingerprints.md). */
static void ja4_alpn(const struct hello *ch, char out[3])
{
    out[0] = out[1] = '0';
    out[2] = 0;
    if (!ch->alpn.n || !ch->alpn.v[0].len)
        return;
    const struct bytes *first = &ch->alpn.v[0];
    uint8_t a = first->p[0], b = first->p[first->len - 1];
    out[0] = a < 0x80 ? (char)a : '9';
    out[1] = b < 0x80 ? (char)b : '9';
}

static void count2(char out[3], size_t n)
{
    if (n > 99)
        n = 99;
    out[0] = (char)('0' + n / 10);
    out[1] = (char)('0' + n % 10);
    out[2] = 0;
}

/* sha12 - the first 12 hex digits of SHA-256 over the text, or twelve
 * zeros when the list behind it was empty. */
static void sha12(const struct text *t, bool empty, char out[13])
{
    if (empty) {
        memcpy(out, "000000000000", 13);
        return;
    }
    digest_hex(DIGEST_SHA256, text_str(t), text_len(t), out, 12);
}

/* the "c" part: extensions, then '_' and the signature algorithms when
 * there are any */
static void ext_part(struct text *t, const struct codes *exts, const struct codes *sigs)
{
    join(t, exts, HEX_COMMAS);
    if (sigs->n) {
        add_raw(t, "_", 1);
        join(t, sigs, HEX_COMMAS);
    }
}

/* at most `most` bytes of s, as printf's "%.*s" (an ALPN byte may be a
 * NUL); returns the end. No printf: it was a tenth of a fingerprint. */
static char *put_upto(char *to, const char *s, size_t most)
{
    size_t n = strnlen(s, most);
    memcpy(to, s, n);
    return to + n;
}

/* "head_b_c", the head cut at ten and the hashes at twelve */
static void ja4_sections(char out[JA4_LEN + 1], const char *head, const char *b, const char *c)
{
    char *to = put_upto(out, head, 10);
    *to++ = '_';
    to = put_upto(to, b, 12);
    *to++ = '_';
    to = put_upto(to, c, 12);
    *to = 0;
}

bool fingerprint_ja4(struct arena *a, const struct hello *ch, enum transport tr, struct ja4 *out)
{
    memset(out, 0, sizeof(*out));
    if (!ch->present || ch->sslv2)
        return false;
    struct codes cs, xs, sigs, sorted_cs, sorted_xs;
    struct codes *lists[] = {&cs, &xs, &sigs, &sorted_cs, &sorted_xs};
    for (size_t i = 0; i < 5; i++)
        codes_init(lists[i]);
    bool ok = ciphers(ch, &cs, true) && extensions(ch, &xs, true) && u16_codes(&ch->sig_algs, &sigs) &&
              codes_alloc(&sorted_cs, cs.n) && codes_alloc(&sorted_xs, xs.n);
    char head[16] = "", ciphers_n[3], exts_n[3], alpn[3];
    struct text t[6]; /* sorted and original: ciphers, extensions, raw */
    for (int i = 0; i < 6; i++)
        text_init(&t[i]);
    if (ok) {
        memcpy(sorted_cs.v, cs.v, cs.n * sizeof(*cs.v));
        sorted_cs.n = cs.n;
        sort_codes(sorted_cs.v, sorted_cs.n);
        for (size_t i = 0; i < xs.n; i++)
            if (xs.v[i] != EXT_SNI && xs.v[i] != EXT_ALPN)
                sorted_xs.v[sorted_xs.n++] = xs.v[i];
        sort_codes(sorted_xs.v, sorted_xs.n);
        count2(ciphers_n, cs.n);
        count2(exts_n, xs.n);
        ja4_alpn(ch, alpn);
        char *h = head; /* at most ten: t13d1516h2 */
        *h++ = tr == TR_QUIC ? 'q' : tr == TR_DTLS ? 'd' : 't';
        h = put_upto(h, ja4_version(ch, tr), 2);
        *h++ = hello_has_extension(ch, EXT_SNI) ? 'd' : 'i';
        h = put_upto(h, ciphers_n, 2);
        h = put_upto(h, exts_n, 2);
        h = put_upto(h, alpn, 2);
        *h = 0;
        join(&t[0], &sorted_cs, HEX_COMMAS);
        ext_part(&t[1], &sorted_xs, &sigs);
        join(&t[2], &cs, HEX_COMMAS);
        ext_part(&t[3], &xs, &sigs);
        ok = !t[0].failed && !t[1].failed && !t[2].failed && !t[3].failed;
    }
    if (ok) {
        char b[13], c[13], bo[13], co[13];
        sha12(&t[0], !sorted_cs.n, b);
        sha12(&t[1], !sorted_xs.n, c);
        sha12(&t[2], !cs.n, bo);
        sha12(&t[3], !xs.n, co);
        ja4_sections(out->ja4, head, b, c);
        ja4_sections(out->ja4_o, head, bo, co);
        for (int raw = 4; raw < 6; raw++) {
            const struct text *parts = &t[raw == 4 ? 0 : 2];
            add_str(&t[raw], head);
            add_raw(&t[raw], "_", 1);
            add_raw(&t[raw], text_str(&parts[0]), text_len(&parts[0]));
            add_raw(&t[raw], "_", 1);
            add_raw(&t[raw], text_str(&parts[1]), text_len(&parts[1]));
        }
        out->ja4_r = done(&t[4], a);
        out->ja4_ro = done(&t[5], a);
    }
    for (int i = 0; i < 6; i++)
        buf_free(&t[i].spill);
    for (size_t i = 0; i < 5; i++)
        codes_free(lists[i]);
    return ok;
}

/* ---- a ClientHello's fingerprints, remembered ------------------------------- */

/* The digests are remembered (above), yet building the texts they hash
 * (the lists joined, sorted and joined again) was still most of what a
 * session's fingerprints cost. A ClientHello's JA3 and JA4 depend on a
 * few of its fields only: those are written into a key, and each thread
 * keeps the fingerprints of the keys it saw last, in slots chosen by
 * the key's hash (the bench's small capture has 363 kinds of hello in
 * 24,000; with 64 slots most were evicted before they came again). The
 * key is compared whole, so a collision costs a computation, never a
 * wrong fingerprint. A slot holds at most a 2 KB key and its texts. */
enum { HELLO_SLOTS = 1024, HELLO_KEY_MAX = 2048 };

struct hello_memo {
    uint64_t hash;
    char *blob; /* the key, then the texts; NULL: an empty slot */
    size_t key_len;
    const char *ja3; /* in blob, as are ja4's raw forms */
    char ja3_hash[33];
    struct ja4 ja4;
};

struct hello_key {
    uint8_t v[HELLO_KEY_MAX];
    size_t len;
    bool full;
};

struct thread_memos {
    struct memo digests[MEMO_SLOTS];
    struct hello_memo hellos[HELLO_SLOTS];
};

static pthread_key_t memos_key;
static pthread_once_t memos_once = PTHREAD_ONCE_INIT;

static void memos_free(void *p)
{
    struct thread_memos *m = p;
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        free(m->digests[i].text);
    for (size_t i = 0; i < HELLO_SLOTS; i++)
        free(m->hellos[i].blob);
    free(m);
}

static void memos_key_make(void)
{
    (void)pthread_key_create(&memos_key, memos_free);
}

/* this thread's memos; NULL on no memory (everything is then computed) */
static struct thread_memos *thread_memos(void)
{
    pthread_once(&memos_once, memos_key_make);
    struct thread_memos *m = pthread_getspecific(memos_key);
    if (!m && (m = calloc(1, sizeof(*m))) != NULL && pthread_setspecific(memos_key, m) != 0) {
        free(m);
        m = NULL;
    }
    return m;
}

static struct memo *memo_slots(void)
{
    struct thread_memos *m = thread_memos();
    return m ? m->digests : NULL;
}

static struct hello_memo *hello_memo_slots(void)
{
    struct thread_memos *m = thread_memos();
    return m ? m->hellos : NULL;
}

static void key_put(struct hello_key *k, const void *p, size_t n)
{
    if (k->full || n > sizeof(k->v) - k->len) {
        k->full = true;
        return;
    }
    if (n)
        memcpy(k->v + k->len, p, n);
    k->len += n;
}

static void key_count(struct hello_key *k, size_t n)
{
    uint32_t v = (uint32_t)n;
    key_put(k, &v, sizeof(v));
}

/* Every field fingerprint_ja3 and fingerprint_ja4 read, each list led by
 * its length; false when the key would not fit (that hello is computed). */
static bool hello_key_of(const struct hello *ch, enum transport tr, struct hello_key *k)
{
    k->len = 0;
    k->full = false;
    uint8_t head[4] = {(uint8_t)tr, ch->exts_unreadable, (uint8_t)(ch->version >> 8), (uint8_t)ch->version};
    key_put(k, head, sizeof(head));
    key_count(k, ch->ciphers.n);
    key_put(k, ch->ciphers.v, ch->ciphers.n * sizeof(*ch->ciphers.v));
    key_count(k, ch->exts.n);
    for (size_t i = 0; i < ch->exts.n && !k->full; i++)
        key_put(k, &ch->exts.v[i].type, sizeof(ch->exts.v[i].type));
    const struct u16s *lists[] = {&ch->groups, &ch->sig_algs, &ch->versions};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        key_count(k, lists[i]->n);
        key_put(k, lists[i]->v, lists[i]->n * sizeof(*lists[i]->v));
    }
    key_count(k, ch->point_formats.len);
    key_put(k, ch->point_formats.p, ch->point_formats.len);
    /* of ALPN, JA4 reads the first and last bytes of the first value */
    uint8_t alpn[3] = {0, 0, 0};
    if (ch->alpn.n && ch->alpn.v[0].len) {
        alpn[0] = 1;
        alpn[1] = ch->alpn.v[0].p[0];
        alpn[2] = ch->alpn.v[0].p[ch->alpn.v[0].len - 1];
    }
    key_put(k, alpn, sizeof(alpn));
    return !k->full;
}

/* what a computation would have left in the session: on no memory for a
 * text, the text alone is missing, as there */
static void recall(struct session *s, const struct hello_memo *m)
{
    struct fingerprints *fp = &s->fp;
    fp->ja3 = arena_strdup(s->arena, m->ja3);
    if (fp->ja3)
        memcpy(fp->ja3_hash, m->ja3_hash, sizeof(fp->ja3_hash));
    memcpy(fp->ja4, m->ja4.ja4, sizeof(fp->ja4));
    memcpy(fp->ja4_o, m->ja4.ja4_o, sizeof(fp->ja4_o));
    fp->ja4_r = arena_strdup(s->arena, m->ja4.ja4_r);
    fp->ja4_ro = arena_strdup(s->arena, m->ja4.ja4_ro);
}

/* the slot becomes this key's, with the session's fingerprints (all of
 * them there); left as it was on no memory */
static void remember(struct hello_memo *m, uint64_t hash, const struct hello_key *k, const struct fingerprints *fp)
{
    const char *texts[3] = {fp->ja3, fp->ja4_r, fp->ja4_ro};
    size_t size = k->len, lens[3];
    for (size_t i = 0; i < 3; i++)
        size += lens[i] = strlen(texts[i]) + 1;
    char *blob = malloc(size);
    if (!blob)
        return;
    free(m->blob);
    *m = (struct hello_memo){.hash = hash, .blob = blob, .key_len = k->len};
    memcpy(blob, k->v, k->len);
    char *to = blob + k->len;
    const char **into[3] = {&m->ja3, &m->ja4.ja4_r, &m->ja4.ja4_ro};
    for (size_t i = 0; i < 3; i++) {
        memcpy(to, texts[i], lens[i]);
        *into[i] = to;
        to += lens[i];
    }
    memcpy(m->ja3_hash, fp->ja3_hash, sizeof(m->ja3_hash));
    memcpy(m->ja4.ja4, fp->ja4, sizeof(m->ja4.ja4));
    memcpy(m->ja4.ja4_o, fp->ja4_o, sizeof(m->ja4.ja4_o));
}

static bool compute_client(struct session *s)
{
    struct fingerprints *fp = &s->fp;
    fp->ja3 = fingerprint_ja3(s->arena, &s->ch);
    if (fp->ja3)
        fingerprint_md5(fp->ja3, fp->ja3_hash);
    struct ja4 j;
    if (!fingerprint_ja4(s->arena, &s->ch, s->transport, &j))
        return false;
    memcpy(fp->ja4, j.ja4, sizeof(j.ja4));
    memcpy(fp->ja4_o, j.ja4_o, sizeof(j.ja4_o));
    fp->ja4_r = j.ja4_r;
    fp->ja4_ro = j.ja4_ro;
    return true;
}

/* JA3 and JA4 of the session's ClientHello: remembered, or computed and
 * remembered when every text came out (a failure is not kept). */
static void client_fingerprints(struct session *s)
{
    struct hello_key k;
    struct hello_memo *slots = s->ch.present && !s->ch.sslv2 ? hello_memo_slots() : NULL;
    if (!slots || !hello_key_of(&s->ch, s->transport, &k)) {
        compute_client(s);
        return;
    }
    uint64_t hash = hmap_hash_bytes(k.v, k.len, 0x6a6134);
    struct hello_memo *m = &slots[hash % HELLO_SLOTS];
    if (m->blob && m->hash == hash && m->key_len == k.len && memcmp(m->blob, k.v, k.len) == 0) {
        recall(s, m);
        return;
    }
    /* of a hello that is there and not SSLv2, only a lack of memory
     * leaves a fingerprint out: that is not kept */
    if (compute_client(s) && s->fp.ja3 && s->fp.ja4_r && s->fp.ja4_ro)
        remember(m, hash, &k, &s->fp);
}

/* ---- a session ---------------------------------------------------------------- */

void fingerprint_session(struct session *s)
{
    struct fingerprints *fp = &s->fp;
    client_fingerprints(s);
    /* a retry is a ServerHello on the wire: it stands in when no real one came (as in tshark) */
    fp->ja3s = fingerprint_ja3s(s->arena, s->sh.present || !s->hrr.present ? &s->sh : &s->hrr);
    if (fp->ja3s)
        fingerprint_md5(fp->ja3s, fp->ja3s_hash);
    fp->made = true;
}
