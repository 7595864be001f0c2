#include "include/escape.h"

const char *escape_bytes(const uint8_t *p, size_t n, char *out, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool plain = p[i] >= 0x20 && p[i] < 0x7f;
        if (k + (plain ? 1 : 4) >= len)
            break;
        if (plain) {
            out[k++] = (char)p[i];
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[p[i] >> 4];
            out[k++] = hex[p[i] & 15];
        }
    }
    if (len)
        out[k] = 0;
    return out;
}
