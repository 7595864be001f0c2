/* Revocation fetches in plain HTTP: an OCSP request (RFC 6960 A.1: POST
 * with Content-Type application/ocsp-request, or GET with the base64 DER
 * request in the path) or a CRL download (a path ending in .crl). The
 * timing is reported so slow handshakes can be explained. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

/* put - one byte of a request into out for display: printable ASCII as it
 * is, anything else (NUL, escape sequences, bytes that are not ASCII) as
 * \xNN, so what ends up in a finding's evidence cannot drive a terminal or
 * hide the rest of a name. False when out is full. */
static bool put(char *out, size_t outlen, size_t *k, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    if (b > 0x20 && b < 0x7f) {
        if (*k + 1 >= outlen)
            return false;
        out[(*k)++] = (char)b;
        return true;
    }
    if (*k + 4 >= outlen)
        return false;
    out[(*k)++] = '\\';
    out[(*k)++] = 'x';
    out[(*k)++] = hex[b >> 4];
    out[(*k)++] = hex[b & 15];
    return true;
}

/* The value of a header line ("Host: "), copied into out. */
static void header(struct cur c, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + n <= c.left; i++) {
        struct cur t = cur_tail(&c, i);
        uint8_t prev = '\n';
        if (i && !cur_peek(&c, i - 1, &prev))
            return;
        if (prev != '\n' || !cur_starts_nocase(&t, name))
            continue;
        cur_advance(&t, n);
        size_t k = 0;
        uint8_t b;
        while (cur_peek(&t, 0, &b) && b == ' ')
            cur_advance(&t, 1);
        while (cur_u8(&t, &b) && b != '\r' && b != '\n' && put(out, outlen, &k, b))
            ;
        out[k] = 0;
        return;
    }
}

static void request_path(struct cur c, char *out, size_t outlen)
{
    size_t sp, k = 0;
    if (!cur_find(&c, 0, ' ', &sp))
        return;
    struct cur t = cur_tail(&c, sp + 1);
    uint8_t b;
    while (cur_u8(&t, &b) && b != ' ' && b != '\r' && put(out, outlen, &k, b))
        ;
    out[k] = 0;
}

static const char *kind_of(struct cur c, const char *path)
{
    if (cur_starts(&c, "POST ", 5) && cur_contains_nocase(c, "application/ocsp-request"))
        return "ocsp";
    if (!cur_starts(&c, "GET ", 4))
        return NULL;
    size_t n = strlen(path);
    if ((n > 4 && strcmp(path + n - 4, ".crl") == 0) || strstr(path, ".crl?"))
        return "crl";
    /* a DER OCSPRequest starts with 0x30: "MF..." or "ME..." in base64 */
    const char *m = strstr(path, "/M");
    if (m && strlen(m) > 40)
        return "ocsp";
    return NULL;
}

bool fetch_request(struct tflow *tf, int fdir, struct cur c)
{
    struct revocation_fetch rf = {0};
    size_t eol;
    struct cur line = cur_find(&c, 0, '\n', &eol) ? cur_head(&c, eol) : c;
    request_path(line, rf.path, sizeof(rf.path));
    rf.kind = kind_of(c, rf.path);
    if (!rf.kind)
        return false;
    struct revocation_fetch *f = malloc(sizeof(*f));
    if (!f)
        return false;
    header(c, "Host:", rf.host, sizeof(rf.host));
    rf.client = fdir == 0 ? tf->fi.a : tf->fi.b;
    rf.server = fdir == 0 ? tf->fi.b : tf->fi.a;
    rf.ts_request = tf->at[fdir].ts;
    rf.packet = tf->at[fdir].packet;
    *f = rf;
    tf->fetch = f;
    return true;
}

void fetch_response(struct tflow *tf, int fdir, struct cur c)
{
    (void)fdir;
    struct revocation_fetch *f = tf->fetch;
    if (!f || f->ts_response || !cur_starts(&c, "HTTP/1.", 7))
        return;
    f->ts_response = tf->at[fdir].ts;
    uint8_t d;
    for (size_t i = 9; i < 12 && cur_peek(&c, i, &d) && d >= '0' && d <= '9'; i++)
        f->status = f->status * 10 + (d - '0');
}

void fetch_close(struct tflow *tf)
{
    if (!tf->fetch)
        return;
    if (tf->d->fetch_sink)
        tf->d->fetch_sink(tf->d->fetch_ctx, tf->fetch);
    free(tf->fetch);
    tf->fetch = NULL;
}
