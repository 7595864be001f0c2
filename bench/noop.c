/* pcap-noop: the floor for reading a capture. libpcap hands over every
 * packet and nothing is done with it but counting, so the time it takes is
 * what reading the file costs on this machine.
 *
 *   pcap-noop FILE
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap-noop FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-noop: %s\n", err);
        return 3;
    }
    struct pcap_pkthdr *h;
    const unsigned char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "pcap-noop: %s: %s\n", argv[1], pcap_geterr(p));
    printf("%llu packets, %llu bytes\n", packets, bytes);
    pcap_close(p);
    return rc == PCAP_ERROR ? 3 : 0;
}
