/* Live capture through libpcap: immediate delivery, the whole packet, a
 * kernel buffer big enough for a busy loopback, nanosecond timestamps where
 * the platform has them. Errors name the interface and say what to do. */
#include "capture/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

struct capture_live {
    pcap_t *p;
    int fd;
    bool nano;
    uint16_t linktype;
    uint64_t packets;
    bool loopback;
};

static bool is_loopback(const char *iface)
{
    pcap_if_t *all;
    char ebuf[PCAP_ERRBUF_SIZE];
    bool found = false;
    if (pcap_findalldevs(&all, ebuf) != 0)
        return false;
    for (pcap_if_t *d = all; d; d = d->next)
        if (!strcmp(d->name, iface))
            found = (d->flags & PCAP_IF_LOOPBACK) != 0;
    pcap_freealldevs(all);
    return found;
}

static void explain(const struct live_options *o, int code, pcap_t *p, char *err, size_t errlen)
{
    const char *why = pcap_geterr(p);
    switch (code) {
    case PCAP_ERROR_PERM_DENIED:
        snprintf(err, errlen,
                 "%s: no permission to capture: run as root, or give the program the capabilities "
                 "(sudo setcap cap_net_raw,cap_net_admin=eip $(command -v tlsscope))",
                 o->iface);
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "%s: no such interface ('ip link' lists them; 'any' captures on all)",
                 o->iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "%s: the interface is down (ip link set %s up)", o->iface, o->iface);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        snprintf(err, errlen, "%s: no permission for promiscuous mode", o->iface);
        break;
    default:
        snprintf(err, errlen, "%s: cannot capture: %s", o->iface, why && *why ? why : pcap_statustostr(code));
        break;
    }
}

/* Join an AF_PACKET fanout group: the kernel hashes each packet's flow
 * symmetrically (both directions alike) and hands it to one member, so
 * processes started with the same group share a link's connections out. */
static bool join_fanout(pcap_t *p, const struct live_options *o, char *err, size_t errlen)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
    uint32_t arg = ((uint32_t)o->fanout & 0xffff) | ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) == 0)
        return true;
    snprintf(err, errlen, "%s: cannot join fanout group %d: %s (every member must capture on the same interface with the same options)",
             o->iface, o->fanout, strerror(errno));
#else
    (void)p;
    snprintf(err, errlen, "%s: --fanout needs Linux AF_PACKET", o->iface);
#endif
    return false;
}

enum st capture_live_open(const struct live_options *o, struct capture_live **out, char *err,
                          size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    pcap_t *p = pcap_create(o->iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: cannot capture: %s", o->iface, ebuf);
        return ST_IO;
    }
    (void)pcap_set_snaplen(p, o->snaplen ? o->snaplen : 262144);
    (void)pcap_set_immediate_mode(p, 1);
    (void)pcap_set_buffer_size(p, o->buffer_bytes ? o->buffer_bytes : 32 << 20);
    (void)pcap_set_timeout(p, 100);
    bool nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
    int rc = pcap_activate(p);
    if (rc < 0) {
        explain(o, rc, p, err, errlen);
        pcap_close(p);
        return ST_IO;
    }
    if (o->filter && *o->filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "%s: bad capture filter '%s': %s", o->iface, o->filter, pcap_geterr(p));
            pcap_close(p);
            return ST_BAD;
        }
        int set = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (set != 0) {
            snprintf(err, errlen, "%s: cannot set the capture filter: %s", o->iface, pcap_geterr(p));
            pcap_close(p);
            return ST_IO;
        }
    }
    if (o->fanout && !join_fanout(p, o, err, errlen)) {
        pcap_close(p);
        return ST_IO;
    }
    if (pcap_setnonblock(p, 1, ebuf) != 0) {
        snprintf(err, errlen, "%s: %s", o->iface, ebuf);
        pcap_close(p);
        return ST_IO;
    }
    struct capture_live *l = calloc(1, sizeof(*l));
    if (!l) {
        pcap_close(p);
        snprintf(err, errlen, "out of memory");
        return ST_NOMEM;
    }
    l->p = p;
    l->fd = pcap_get_selectable_fd(p);
    l->nano = nano && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    /* DLT values are the file format's link types for everything tlsscope
     * decodes on the platforms libpcap runs on (DLT_RAW 12 included). */
    l->linktype = (uint16_t)pcap_datalink(p);
    l->loopback = is_loopback(o->iface);
    *out = l;
    return ST_OK;
}

enum st capture_live_next(struct capture_live *l, int timeout_ms, struct pkt *out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(l->p, &h, &data);
        if (rc == 1) {
            int64_t sub = l->nano ? (int64_t)h->ts.tv_usec : (int64_t)h->ts.tv_usec * 1000;
            out->ts = (int64_t)h->ts.tv_sec * 1000000000LL + sub;
            out->no = ++l->packets;
            out->data = cur_make(data, h->caplen);
            out->wire_len = h->len;
            out->linktype = l->linktype;
            return ST_OK;
        }
        if (rc < 0)
            return ST_IO;
        if (attempt || l->fd < 0 || timeout_ms <= 0)
            break;
        struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            break; /* timeout, or a signal: the caller looks at its flags */
    }
    return ST_SHORT;
}

const char *capture_live_error(const struct capture_live *l)
{
    return pcap_geterr(l->p);
}

uint16_t capture_live_linktype(const struct capture_live *l)
{
    return l->linktype;
}

void capture_live_stats(const struct capture_live *l, struct live_stats *st)
{
    struct pcap_stat ps;
    memset(st, 0, sizeof(*st));
    st->packets = l->packets;
    st->loopback = l->loopback;
    if (pcap_stats(l->p, &ps) == 0) {
        st->received = ps.ps_recv;
        st->dropped = ps.ps_drop;
        st->if_dropped = ps.ps_ifdrop;
    }
}

void capture_live_close(struct capture_live *l)
{
    if (!l)
        return;
    pcap_close(l->p);
    free(l);
}
