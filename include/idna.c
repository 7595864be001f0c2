#include "include/idna.h"

enum {
    BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72, INITIAL_N = 128,
    MAX_LABEL = 63,
};

static uint32_t adapt(uint32_t delta, uint32_t points, bool first)
{
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
        delta /= BASE - TMIN;
        k += BASE;
    }
    return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static char digit(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* One UTF-8 code point from p[*i..n); false on a malformed or overlong
 * sequence, a surrogate or a value past U+10FFFF. */
static bool next_point(const uint8_t *p, size_t n, size_t *i, uint32_t *cp)
{
    uint8_t b = p[*i];
    size_t more = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 : (b & 0xf8) == 0xf0 ? 3 : 4;
    if (more == 4 || (more && *i + more >= n))
        return false;
    uint32_t v = more ? b & (0x3f >> more) : b;
    for (size_t k = 1; k <= more; k++) {
        if ((p[*i + k] & 0xc0) != 0x80)
            return false;
        v = v << 6 | (p[*i + k] & 0x3f);
    }
    static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    if (v < least[more] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return false;
    *i += more + 1;
    *cp = v;
    return true;
}

/* RFC 3492 6.3, for one label of code points. */
static bool punycode(const uint32_t *cp, size_t n, char *out, size_t len, size_t *k)
{
    size_t basic = 0;
    for (size_t i = 0; i < n; i++)
        if (cp[i] < 0x80) {
            if (*k + 1 >= len)
                return false;
            out[(*k)++] = (char)cp[i];
            basic++;
        }
    if (basic) {
        if (*k + 1 >= len)
            return false;
        out[(*k)++] = '-';
    }
    uint32_t code = INITIAL_N, delta = 0, bias = INITIAL_BIAS;
    for (size_t handled = basic; handled < n;) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= code && cp[i] < m)
                m = cp[i];
        if ((uint64_t)delta + (uint64_t)(m - code) * (handled + 1) > UINT32_MAX)
            return false;
        delta += (m - code) * (uint32_t)(handled + 1);
        code = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < code && ++delta == 0)
                return false;
            if (cp[i] != code)
                continue;
            uint32_t q = delta;
            for (uint32_t t, kk = BASE;; kk += BASE) {
                t = kk <= bias ? TMIN : kk >= bias + TMAX ? TMAX : kk - bias;
                if (q < t)
                    break;
                if (*k + 1 >= len)
                    return false;
                out[(*k)++] = digit(t + (q - t) % (BASE - t));
                q = (q - t) / (BASE - t);
            }
            if (*k + 1 >= len)
                return false;
            out[(*k)++] = digit(q);
            bias = adapt(delta, (uint32_t)handled + 1, handled == basic);
            delta = 0;
            handled++;
        }
        delta++;
        code++;
    }
    return true;
}

bool idna_to_ascii(const uint8_t *name, size_t n, char *out, size_t len)
{
    size_t k = 0, i = 0;
    if (!len)
        return false;
    while (i <= n) {
        uint32_t cp[MAX_LABEL * 4];
        size_t points = 0;
        bool ascii = true;
        while (i < n && name[i] != '.') {
            if (points == sizeof(cp) / sizeof(cp[0]) || !next_point(name, n, &i, &cp[points]) ||
                cp[points] < 0x20 || cp[points] == 0x7f)
                return false;
            ascii &= cp[points] < 0x80;
            if (cp[points] >= 'A' && cp[points] <= 'Z')
                cp[points] += 'a' - 'A';
            points++;
        }
        if (ascii) {
            for (size_t p = 0; p < points; p++) {
                if (k + 1 >= len)
                    return false;
                out[k++] = (char)cp[p];
            }
        } else {
            if (k + 5 >= len)
                return false;
            for (const char *x = "xn--"; *x; x++)
                out[k++] = *x;
            if (!punycode(cp, points, out, len, &k))
                return false;
        }
        if (i < n) { /* the dot */
            if (k + 1 >= len)
                return false;
            out[k++] = '.';
        }
        i++;
    }
    out[k] = 0;
    return true;
}
