/* Recognising TLS by content. A stream starts TLS with a handshake record
 * holding a hello (RFC 8446 5.1: type 22, legacy version 3.x, a length no
 * larger than 2^14 + 2048, then handshake type 1 or 2), with an SSLv2
 * CLIENT-HELLO (SSL 2.0 draft, appendix E of RFC 6101 for the compatible
 * form), or with a cleartext alert (a peer that gave up before its hello,
 * say with no protocol version enabled: type 21, length 2, level 1 or 2,
 * a registered description). Cleartext before it is classified as a STARTTLS protocol or a
 * proxy exchange. */
#include "dissect/internal.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool version_ok(uint8_t major, uint8_t minor)
{
    return major == 3 && minor <= 4;
}

static bool header_at(struct cur c, size_t at, uint8_t *type, uint16_t *len)
{
    uint8_t major, minor;
    return cur_peek(&c, at, type) && cur_peek(&c, at + 1, &major) &&
           cur_peek(&c, at + 2, &minor) && cur_peek_u16(&c, at + 3, len) &&
           version_ok(major, minor);
}

static bool plausible_type(uint8_t type)
{
    return type >= CT_CCS && type <= CT_ACK;
}

/* SSLv2 record with a 2-byte header: CLIENT-HELLO (type 1) or, when a
 * hello is not required, SERVER-HELLO (type 4). */
static enum start_kind sslv2_start(struct cur c, bool hello_only)
{
    uint8_t b0, b1, type;
    if (!cur_peek(&c, 0, &b0) || !(b0 & 0x80))
        return START_NONE;
    if (!cur_peek(&c, 1, &b1) || !cur_peek(&c, 2, &type))
        return START_MAYBE;
    size_t len = (size_t)(b0 & 0x7f) << 8 | b1;
    if (type == 1) {
        uint16_t ver, specs, sid, chal;
        if (c.left < 11)
            return START_MAYBE;
        if (!cur_peek_u16(&c, 3, &ver) || !cur_peek_u16(&c, 5, &specs) ||
            !cur_peek_u16(&c, 7, &sid) || !cur_peek_u16(&c, 9, &chal))
            return START_NONE;
        bool ver_ok = ver == VER_SSL2 || (ver >> 8) == 3;
        if (!ver_ok || specs == 0 || specs % 3 || (sid && sid != 16 && sid != 32) ||
            chal < 16 || chal > 32 || 9u + specs + sid + chal != len)
            return START_NONE;
        return START_SSL2;
    }
    if (type == 4 && !hello_only) {
        uint16_t ver;
        if (c.left < 7)
            return START_MAYBE;
        if (cur_peek_u16(&c, 5, &ver) && ver == VER_SSL2 && len >= 11)
            return START_SSL2;
    }
    return START_NONE;
}

/* An alert record, whole: header, level, description. */
static enum start_kind alert_start(struct cur c)
{
    static const uint8_t head[] = {CT_ALERT, 3};
    uint8_t b;
    for (size_t i = 0; i < c.left && i < 7; i++) {
        if (!cur_peek(&c, i, &b))
            return START_NONE;
        bool ok = i < 2   ? b == head[i]
                : i == 2 ? b <= 4
                : i == 3 ? b == 0
                : i == 4 ? b == 2
                : i == 5 ? b == 1 || b == 2
                         : registry_alert_name(b) != NULL;
        if (!ok)
            return START_NONE;
    }
    return c.left < 7 ? START_MAYBE : START_TLS;
}

enum start_kind detect_start(struct cur c, bool hello_only)
{
    uint8_t b0;
    if (!cur_peek(&c, 0, &b0))
        return START_MAYBE;
    if (b0 & 0x80)
        return sslv2_start(c, hello_only);
    if (b0 == CT_ALERT)
        return alert_start(c);
    if (b0 != CT_HANDSHAKE)
        return START_NONE;
    if (c.left < 6) {
        uint8_t major, minor;
        if ((cur_peek(&c, 1, &major) && major != 3) ||
            (cur_peek(&c, 2, &minor) && minor > 4))
            return START_NONE;
        return START_MAYBE;
    }
    uint8_t type, hs;
    uint16_t len;
    if (!header_at(c, 0, &type, &len) || len == 0 || len > MAX_RECORD ||
        !cur_peek(&c, 5, &hs))
        return START_NONE;
    if (hs != HS_CLIENT_HELLO && hs != HS_SERVER_HELLO &&
        (hello_only || !registry_handshake_name(hs)))
        return START_NONE;
    if (len >= 6) {
        /* The hello's own version follows its 4-byte header. */
        uint8_t major, minor;
        if (c.left < 11)
            return START_MAYBE;
        if (!cur_peek(&c, 9, &major) || !cur_peek(&c, 10, &minor))
            return START_NONE;
        bool draft = major == 0x7f || major == 0x7e || major == 0xfb;
        if (hs <= HS_SERVER_HELLO && major != 3 && !draft)
            return START_NONE;
        (void)minor;
        return START_TLS;
    }
    /* A hello split into tiny records: the next header must continue it. */
    uint8_t next;
    uint16_t nlen;
    if (c.left < 5u + len + 5u)
        return START_MAYBE;
    if (!header_at(c, 5u + len, &next, &nlen) || next != CT_HANDSHAKE)
        return START_NONE;
    return START_TLS;
}

/* A record header whose length fits, and whose successor (when the bytes
 * are there) is a record header too. */
static bool chained(struct cur c, size_t at)
{
    uint8_t type;
    uint16_t len;
    if (!header_at(c, at, &type, &len) || !plausible_type(type) || len == 0 ||
        len > MAX_RECORD)
        return false;
    size_t next = at + 5u + len;
    if (next >= c.left)
        return true;
    if (c.left - next < 5) {
        uint8_t t2;
        return cur_peek(&c, next, &t2) && plausible_type(t2);
    }
    return header_at(c, next, &type, &len) && plausible_type(type) &&
           len > 0 && len <= MAX_RECORD;
}

bool detect_record_header(struct cur c)
{
    return chained(c, 0);
}

bool detect_resync(struct cur c, size_t *at)
{
    for (size_t i = 0; i + 5 <= c.left; i++) {
        uint8_t b;
        if (!cur_peek(&c, i, &b) || !plausible_type(b))
            continue;
        if (chained(c, i)) {
            *at = i;
            return true;
        }
    }
    return false;
}

/* ---- cleartext before TLS ---------------------------------------------- */

static struct cur first_line(struct cur c)
{
    size_t at;
    if (cur_find(&c, 0, '\n', &at))
        return cur_head(&c, at);
    return cur_head(&c, 256);
}

static const char *text_protocol(struct cur c)
{
    struct cur line = first_line(c);
    /* A bare "220" greets in both SMTP and FTP: the client's next command
     * (EHLO or AUTH TLS) decides. */
    if (cur_starts(&line, "220", 3))
        return cur_contains_nocase(line, "FTP") ? "ftp" : cur_contains_nocase(line, "SMTP") ? "smtp" : NULL;
    if (cur_starts(&line, "* OK", 4))
        return "imap";
    if (cur_starts(&line, "+OK", 3))
        return "pop3";
    if (cur_starts(&line, "200 ", 4) || cur_starts(&line, "201 ", 4))
        return "nntp";
    if (cur_starts_nocase(&line, "EHLO ") || cur_starts_nocase(&line, "HELO "))
        return "smtp";
    if (cur_starts_nocase(&line, "AUTH TLS") || cur_starts_nocase(&line, "AUTH SSL"))
        return "ftp";
    if (cur_starts_nocase(&line, "STLS"))
        return "pop3";
    if (cur_starts(&c, "<?xml", 5) || cur_starts(&c, "<stream:stream", 14))
        return "xmpp";
    return NULL;
}

static const char *binary_protocol(struct cur c, bool from_client, bool *tunnel)
{
    static const uint8_t pg_ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    static const uint8_t pg_gss[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
    uint8_t b0, b1, b3, b4;
    if (cur_starts(&c, pg_ssl, sizeof(pg_ssl)) || cur_starts(&c, pg_gss, sizeof(pg_gss)))
        return "postgres";
    if (cur_contains_nocase(cur_head(&c, 256), "1.3.6.1.4.1.1466.20037"))
        return "ldap";
    if (!cur_peek(&c, 0, &b0) || !cur_peek(&c, 1, &b1))
        return NULL;
    /* MySQL server greeting: 3-byte length, sequence 0, protocol 10. */
    if (cur_peek(&c, 3, &b3) && cur_peek(&c, 4, &b4) && b3 == 0 && b4 == 10 &&
        !from_client)
        return "mysql";
    /* RDP: TPKT version 3 with an X.224 connection request or confirm. */
    uint8_t x224;
    if (b0 == 3 && b1 == 0 && cur_peek(&c, 5, &x224) &&
        (x224 == 0xe0 || x224 == 0xd0))
        return "rdp";
    if (from_client && b0 == 4 && (b1 == 1 || b1 == 2) && c.left >= 9) {
        *tunnel = true;
        return "socks4";
    }
    if (from_client && b0 == 5 && b1 >= 1 && b1 <= 10 && c.left == 2u + b1) {
        *tunnel = true;
        return "socks5";
    }
    return NULL;
}

/* "CONNECT host:port HTTP/1.1", host possibly "[v6]". */
static bool connect_target(struct cur c, char host[256], uint16_t *port)
{
    struct cur line = first_line(c);
    if (!cur_skip(&line, 8)) /* "CONNECT " */
        return false;
    size_t at;
    struct cur target = cur_find(&line, 0, ' ', &at) ? cur_head(&line, at) : line;
    size_t colon = SIZE_MAX;
    for (size_t i = 0; i < target.left; i++)
        if (target.p[i] == ':')
            colon = i;
    if (colon == SIZE_MAX || colon == 0 || colon > 255 || colon + 1 >= target.left)
        return false;
    unsigned long p = 0;
    for (size_t i = colon + 1; i < target.left; i++) {
        if (target.p[i] < '0' || target.p[i] > '9' || (p = p * 10 + (unsigned)(target.p[i] - '0')) > 65535)
            return false;
    }
    size_t from = 0, to = colon;
    if (target.p[0] == '[' && target.p[colon - 1] == ']')
        from = 1, to = colon - 1;
    for (size_t i = from; i < to; i++)
        if (target.p[i] <= 0x20 || target.p[i] >= 0x7f)
            return false;
    memcpy(host, target.p + from, to - from);
    host[to - from] = 0;
    *port = (uint16_t)p;
    return to > from;
}

/* SOCKS4: 04 01 port(2) ip(4) userid NUL; SOCKS4a puts 0.0.0.x in the
 * address and the host name after the user id. */
static bool socks4_target(struct cur c, char host[256], uint16_t *port)
{
    uint8_t ver, cmd, ip[4];
    struct cur user;
    if (!cur_u8(&c, &ver) || !cur_u8(&c, &cmd) || ver != 4 || cmd != 1 || !cur_u16(&c, port) ||
        !cur_copy(&c, ip, 4))
        return false;
    size_t nul;
    if (!cur_find(&c, 0, 0, &nul) || !cur_take(&c, nul + 1, &user))
        return false;
    if (ip[0] || ip[1] || ip[2] || !ip[3]) {
        snprintf(host, 256, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        return true;
    }
    if (!cur_find(&c, 0, 0, &nul) || nul == 0 || nul > 255)
        return false;
    for (size_t i = 0; i < nul; i++)
        if (c.p[i] <= 0x20 || c.p[i] >= 0x7f)
            return false;
    memcpy(host, c.p, nul);
    host[nul] = 0;
    return true;
}

/* SOCKS5 request: 05 01 00 atyp addr port (RFC 1928 4). The greeting
 * before it (05 n methods) may share the segment. */
static bool socks5_target(struct cur c, char host[256], uint16_t *port)
{
    uint8_t ver, n;
    if (cur_peek(&c, 0, &ver) && cur_peek(&c, 1, &n) && ver == 5 && c.left > 2u + n) {
        uint8_t b2, b3;
        /* a greeting followed by more: skip it unless it is the request */
        bool request = cur_peek(&c, 2, &b2) && cur_peek(&c, 3, &b3) && n == 1 && b2 == 0 &&
                       (b3 == 1 || b3 == 3 || b3 == 4);
        if (!request && !cur_skip(&c, 2u + n))
            return false;
    }
    uint8_t cmd, rsv, atyp;
    if (!cur_u8(&c, &ver) || !cur_u8(&c, &cmd) || !cur_u8(&c, &rsv) || !cur_u8(&c, &atyp) || ver != 5 ||
        cmd != 1 || rsv != 0)
        return false;
    uint8_t a[16], len;
    switch (atyp) {
    case 1:
        if (!cur_copy(&c, a, 4) || !cur_u16(&c, port))
            return false;
        snprintf(host, 256, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return true;
    case 4:
        if (!cur_copy(&c, a, 16) || !cur_u16(&c, port))
            return false;
        return inet_ntop(AF_INET6, a, host, 256) != NULL;
    case 3:
        if (!cur_u8(&c, &len) || !len || !cur_copy(&c, host, len) || !cur_u16(&c, port))
            return false;
        host[len] = 0;
        for (size_t i = 0; i < len; i++)
            if ((uint8_t)host[i] <= 0x20 || (uint8_t)host[i] >= 0x7f)
                return false;
        return true;
    default:
        return false;
    }
}

bool tunnel_target(const char *proto, struct cur c, char host[256], uint16_t *port)
{
    if (!proto)
        return false;
    if (strcmp(proto, "http-connect") == 0)
        return cur_starts(&c, "CONNECT ", 8) && connect_target(c, host, port);
    if (strcmp(proto, "socks4") == 0)
        return socks4_target(c, host, port);
    if (strcmp(proto, "socks5") == 0)
        return socks5_target(c, host, port);
    return false;
}

const char *detect_prelude(struct cur c, bool from_client, bool *tunnel)
{
    *tunnel = false;
    if (cur_starts(&c, "CONNECT ", 8)) {
        *tunnel = true;
        return "http-connect";
    }
    const char *p = text_protocol(c);
    return p ? p : binary_protocol(c, from_client, tunnel);
}
