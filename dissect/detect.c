/* Recognising TLS by content. A stream starts TLS with a handshake record
 * holding a hello (RFC 8446 5.1: type 22, legacy version 3.x, a length no
 * larger than 2^14 + 2048, then handshake type 1 or 2), with an SSLv2
 * CLIENT-HELLO (SSL 2.0 draft, appendix E of RFC 6101 for the compatible
 * form), or with a cleartext alert (a peer that gave up before its hello,
 * say with no protocol version enabled: type 21, length 2, level 1 or 2,
 * a registered description). Cleartext before it is classified as a STARTTLS protocol or a
 * proxy exchange. */
#include "dissect/internal.h"

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

static bool has(struct cur c, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= c.left; i++) {
        struct cur t = cur_tail(&c, i);
        if (cur_starts_nocase(&t, needle))
            return true;
    }
    return false;
}

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
        return has(line, "FTP") ? "ftp" : has(line, "SMTP") ? "smtp" : NULL;
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
    if (has(cur_head(&c, 256), "1.3.6.1.4.1.1466.20037"))
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
