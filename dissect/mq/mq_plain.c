/* IBM MQ without TLS. Every MQ segment starts with a Transmission Segment
 * Header (the layout Wireshark's MQ dissector documents):
 *   0 StructId "TSH " / "TSHC" / "TSHM" (ASCII or EBCDIC)
 *   4 segment length, big-endian, TSH included
 *   [TSHM: 8 conversation id, 12 request id]
 *   8+M byte order (1 big, 2 little), 9+M segment type, ... 24+M CCSID,
 *   28+M the segment body
 * Segment types used here: 1 INITIAL_DATA ("ID  ": FAP level at +4,
 * channel name at +24 (20), queue manager at +48 (48)), 5 STATUS (length,
 * code), 8 USERID ("UID "), 10 CONAUTH_INFO ("CAUT"). */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

enum { TSH_LEN = 28, MQ_KEEP = 4096, MQ_SEGMENTS = 16 };

static const uint8_t ascii_tsh[3] = {'T', 'S', 'H'};
static const uint8_t ebcdic_tsh[3] = {0xe3, 0xe2, 0xc8};

static bool tsh_kind(uint8_t last, bool ebcdic)
{
    return ebcdic ? (last == 0x40 || last == 0xc3 || last == 0xd4)
                  : (last == ' ' || last == 'C' || last == 'M');
}

enum start_kind mq_tsh_start(struct cur c)
{
    size_t n = c.left < 3 ? c.left : 3;
    bool ascii = cur_starts(&c, ascii_tsh, n), ebcdic = cur_starts(&c, ebcdic_tsh, n);
    if (!ascii && !ebcdic)
        return START_NONE;
    uint8_t last;
    if (!cur_peek(&c, 3, &last))
        return START_MAYBE;
    if (!tsh_kind(last, ebcdic))
        return START_NONE;
    uint32_t len;
    struct cur l = cur_tail(&c, 4);
    if (c.left < 8)
        return START_MAYBE;
    if (!cur_u32(&l, &len) || len < TSH_LEN || len > 0x7fffffff)
        return START_NONE;
    return START_MQ;
}

/* Code page 500/037 for the characters MQ names may hold. */
static char from_ebcdic(uint8_t b)
{
    if (b >= 0xc1 && b <= 0xc9) return (char)('A' + b - 0xc1);
    if (b >= 0xd1 && b <= 0xd9) return (char)('J' + b - 0xd1);
    if (b >= 0xe2 && b <= 0xe9) return (char)('S' + b - 0xe2);
    if (b >= 0x81 && b <= 0x89) return (char)('a' + b - 0x81);
    if (b >= 0x91 && b <= 0x99) return (char)('j' + b - 0x91);
    if (b >= 0xa2 && b <= 0xa9) return (char)('s' + b - 0xa2);
    if (b >= 0xf0 && b <= 0xf9) return (char)('0' + b - 0xf0);
    switch (b) {
    case 0x40: return ' ';
    case 0x4b: return '.';
    case 0x6d: return '_';
    case 0x61: return '/';
    case 0x6c: return '%';
    default: return '?';
    }
}

/* A blank-padded name field, trailing blanks removed. */
static void name(struct cur c, size_t len, bool ebcdic, char *out)
{
    size_t n = 0;
    uint8_t b;
    for (struct cur f = cur_head(&c, len); cur_u8(&f, &b); n++)
        out[n] = ebcdic ? from_ebcdic(b) : (b >= 0x20 && b < 0x7f ? (char)b : '?');
    while (n && (out[n - 1] == ' ' || out[n - 1] == 0))
        n--;
    out[n] = 0;
}

static void initial_data(struct mq_plain *mq, struct cur body)
{
    static const uint8_t id_ascii[4] = {'I', 'D', ' ', ' '};
    static const uint8_t id_ebcdic[4] = {0xc9, 0xc4, 0x40, 0x40};
    if (!cur_starts(&body, mq->ebcdic ? id_ebcdic : id_ascii, 4))
        return;
    if (!cur_peek(&body, 4, &mq->fap))
        return;
    struct cur ch = cur_tail(&body, 24);
    if (ch.left >= 20 && !mq->channel[0])
        name(ch, 20, mq->ebcdic, mq->channel);
    struct cur qm = cur_tail(&body, 48);
    if (qm.left >= 48 && !mq->qmgr[0])
        name(qm, 48, mq->ebcdic, mq->qmgr);
}

static void segment(struct tflow *tf, int fdir, struct cur seg)
{
    struct session *s = tf->s;
    struct mq_plain *mq = &s->mq;
    uint8_t last, type, order;
    uint32_t code;
    if (!cur_peek(&seg, 3, &last))
        return;
    size_t m = (last == 'M' || last == 0xd4) ? 8 : 0;
    if (!cur_peek(&seg, 8 + m, &order) || !cur_peek(&seg, 9 + m, &type))
        return;
    struct cur body = cur_tail(&seg, TSH_LEN + m);
    bool is_server = tflow_sdir(tf, fdir) == DIR_S2C;
    static const uint8_t uid[4] = {'U', 'I', 'D', ' '}, caut[4] = {'C', 'A', 'U', 'T'};
    switch (type) {
    case 1:
        initial_data(mq, body);
        break;
    case 5: { /* STATUS: length(4) code(4), in the TSH's byte order */
        struct cur st = cur_tail(&body, 4);
        if (is_server && (order == 2 ? cur_u32le(&st, &code) : cur_u32(&st, &code))) {
            mq->has_status = true;
            mq->status = code;
        }
        break;
    }
    case 8:
        if (cur_starts(&body, uid, 4)) {
            uint8_t b;
            mq->userid = cur_peek(&body, 4, &b) && b != ' ' && b != 0;
            mq->password = cur_peek(&body, 16, &b) && b != ' ' && b != 0;
        }
        break;
    case 10:
        if (cur_starts(&body, caut, 4))
            mq->userid = mq->password = true;
        break;
    default:
        break;
    }
}

size_t mq_feed(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct session *s = tf->s;
    if (!s->mq.client && !s->mq.server)
        s->mq.at = tf->at[fdir];
    if (tflow_sdir(tf, fdir) == DIR_C2S)
        s->mq.client = true;
    else
        s->mq.server = true;
    /* Keep the first few kilobytes and read whole segments out of them. */
    ds->hs.limit = MQ_KEEP;
    struct cur keep = cur_head(&c, buf_room(&ds->hs));
    if (!buf_add(&ds->hs, keep.p, keep.left))
        return FLOW_IGNORE;
    struct cur all = cur_make(ds->hs.p, ds->hs.len);
    cur_advance(&all, ds->mq_consumed); /* segments already read */
    while (ds->mq_segments < MQ_SEGMENTS) {
        uint8_t b0;
        uint32_t len;
        struct cur l = cur_tail(&all, 4), seg;
        if (!cur_peek(&all, 0, &b0) || !cur_u32(&l, &len))
            break;
        if (mq_tsh_start(all) != START_MQ) {
            tflow_anomaly(tf, fdir, "mq_segment",
                          "bytes that are not a TSH where MQ segment %u should start",
                          ds->mq_segments + 1);
            return FLOW_IGNORE;
        }
        if (!cur_take(&all, len < all.left ? len : all.left, &seg))
            break;
        if (seg.left < len && ds->hs.len < MQ_KEEP)
            break; /* wait for the rest of the segment */
        ds->mq_segments++;
        ds->mq_consumed += seg.left;
        segment(tf, fdir, seg);
        if (seg.left < len)
            break;
    }
    if (ds->mq_segments >= MQ_SEGMENTS || ds->hs.len >= MQ_KEEP) {
        dirstate_free(ds);
        return FLOW_IGNORE;
    }
    return 0;
}
