/* The CSV, Zeek and --fields writers on hand-built sessions: RFC 4180
 * quoting and CRLF, column choice; Zeek's header frame, unset/empty
 * markers, escapes, chains as fingerprints and x509.log deduplication;
 * JSON cut to the fields asked for; and --fields names checked. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/internal.h"
#include "report/report.h"

static struct session *session(void)
{
    struct session *s = session_new(7);
    assert_non_null(s);
    s->client = (struct endpoint){.family = 4, .addr = {10, 0, 0, 1}, .port = 40000};
    s->server = (struct endpoint){.family = 4, .addr = {10, 0, 0, 2}, .port = 443};
    s->ts_first = 1795311407298305000LL;
    s->ch.present = s->sh.present = true;
    s->ch.at.ts = s->ts_first;
    s->has_version = s->has_cipher = s->has_group = true;
    s->version = VER_TLS12;
    s->cipher = 0xc030;
    s->group = 0x001d;
    s->established = true;
    return s;
}

static void add_sni(struct session *s, const char *name, size_t len)
{
    struct bytes b = {(const uint8_t *)name, len};
    assert_true(ARENA_PUSH(s->arena, s->ch.sni, b));
}

static void add_cert(struct chain *c, struct session *s, uint8_t first_byte, const char *subject)
{
    struct cert cert = {.version = 3, .serial = "0A", .subject = subject, .issuer = "CN=CA",
                        .not_before = 1700000000, .not_after = 1800000000, .has_validity = true,
                        .key_alg = "rsaEncryption", .sig_alg = "sha256WithRSAEncryption", .key_type = "rsa",
                        .key_bits = 2048, .exponent = "65537", .path_len = -1};
    memset(cert.sha256, first_byte, 32);
    assert_true(ARENA_PUSH(s->arena, *c, cert));
    c->seen = true;
}

/* write - the sessions in one format into a string (freed by the caller);
 * x509: where x509.log goes for zeek. */
static char *write(const char *format_name, const char *fields, struct session **s, size_t n, char **x509)
{
    char *buf = NULL, *xbuf = NULL;
    size_t len = 0, xlen = 0;
    FILE *out = open_memstream(&buf, &len), *xout = x509 ? open_memstream(&xbuf, &xlen) : NULL;
    assert_non_null(out);
    const struct report_format *format = report_format_named(format_name);
    assert_non_null(format);
    struct report_opts o = {.format = format, .fields = fields, .x509_out = xout};
    struct report *r = report_new(out, &o);
    assert_non_null(r);
    for (size_t i = 0; i < n; i++)
        report_session(r, s[i]);
    struct capture_stats cs = {0};
    struct dissect_stats ds = {0};
    report_summary(r, &cs, &ds);
    report_free(r);
    fclose(out);
    if (xout) {
        fclose(xout);
        *x509 = xbuf;
    }
    return buf;
}

static void csv_quoting(void **state)
{
    (void)state;
    struct session *s = session();
    add_cert(&s->server_certs, s, 1, "CN=a,O=\"quoted\" org");
    add_sni(s, "api.example.com", 15);
    char *csv = write("csv", "id,sni,cert_subject,version,resumed", &s, 1, NULL);
    assert_string_equal(csv, "id,sni,cert_subject,version,resumed\r\n"
                             "7,api.example.com,\"CN=a,O=\"\"quoted\"\" org\",TLSv1.2,false\r\n");
    free(csv);
    /* every column by default, the header first */
    csv = write("csv", NULL, &s, 1, NULL);
    assert_memory_equal(csv, "id,ts,client_ip,client_port,server_ip,server_port,status,", 57);
    assert_non_null(strstr(csv, "\r\n7,2026-11-22T01:36:47.298305Z,10.0.0.1,40000,10.0.0.2,443,ok,TLSv1.2,"));
    free(csv);
    /* a certificate that never expires (RFC 5280: 99991231235959Z) lies
     * beyond what nanoseconds since 1970 can count */
    s->server_certs.v[0].not_after = 253402300799;
    csv = write("csv", "cert_not_after", &s, 1, NULL);
    assert_string_equal(csv, "cert_not_after\r\n9999-12-31T23:59:59.000000Z\r\n");
    free(csv);
    /* a capture timestamp before 1970 counts its fraction forward */
    s->ts_first = -1500000;
    csv = write("csv", "ts", &s, 1, NULL);
    assert_string_equal(csv, "ts\r\n1969-12-31T23:59:59.998500Z\r\n");
    free(csv);
    session_free(s);
}

/* The summary counts each cipher suite and version once per session, in
 * the order first seen, however many distinct codes a capture holds
 * (a hostile one may hold thousands). */
static void summary_tallies_many_codes(void **state)
{
    (void)state;
    enum { CODES = 3000, ROUNDS = 2 };
    static struct session *s[CODES * ROUNDS];
    for (size_t i = 0; i < CODES * ROUNDS; i++) {
        s[i] = session();
        s[i]->cipher = (uint32_t)(i % CODES) * 7;
        s[i]->version = (uint16_t)(0x0300 + i % 3);
    }
    char *json = write("json", NULL, s, CODES * ROUNDS, NULL);
    char *summary = strrchr(json, '{');
    while (summary > json && !strstr(summary, "\"type\":\"summary\""))
        summary--;
    size_t room = 64 + CODES * 48, len = 0;
    char *want = malloc(room), buf[REG_LABEL_LEN];
    assert_non_null(want);
    len += (size_t)snprintf(want + len, room - len, "\"ciphers\":{");
    for (size_t i = 0; i < CODES; i++)
        len += (size_t)snprintf(want + len, room - len, "%s\"%s\":%d", i ? "," : "",
                                registry_cipher_label((uint32_t)i * 7, buf), ROUNDS);
    snprintf(want + len, room - len, "}");
    assert_non_null(strstr(summary, want));
    assert_non_null(strstr(summary, "\"versions\":{\"SSLv3\":2000,\"TLSv1.0\":2000,\"TLSv1.1\":2000}"));
    free(want);
    free(json);
    for (size_t i = 0; i < CODES * ROUNDS; i++)
        session_free(s[i]);
}

/* A row is put together in a buffer of its own: values longer than it,
 * and rows that fill it partway through, come out whole and in order. */
static void csv_long_values(void **state)
{
    (void)state;
    enum { LONG = 6000 };
    char subject[LONG + 1], quoted[LONG + 5], expected[2 * sizeof(quoted) + 128];
    memset(subject, 'x', LONG);
    memcpy(subject, "CN=\"", 4);
    subject[3000] = ',';
    subject[LONG - 1] = '"';
    subject[LONG] = 0;
    snprintf(quoted, sizeof(quoted), "\"CN=\"\"%.*s\"\"\"", LONG - 5, subject + 4);
    snprintf(expected, sizeof(expected), "cert_subject,sni,cert_issuer,cert_subject,id\r\n"
             "%s,api.example.com,CN=CA,%s,7\r\n", quoted, quoted);
    struct session *s = session();
    add_cert(&s->server_certs, s, 1, subject);
    add_sni(s, "api.example.com", 15);
    char *csv = write("csv", "cert_subject,sni,cert_issuer,cert_subject,id", &s, 1, NULL);
    assert_int_equal(strlen(csv), strlen(expected));
    assert_string_equal(csv, expected);
    free(csv);
    session_free(s);
}

static void zeek_logs(void **state)
{
    (void)state;
    struct session *a = session(), *b = session();
    b->id = 8;
    add_sni(a, "tab\there", 8);
    add_cert(&a->server_certs, a, 0xab, "CN=leaf");
    add_cert(&a->server_certs, a, 0xcd, "CN=CA");
    add_cert(&b->server_certs, b, 0xab, "CN=leaf"); /* the same leaf again */
    static const char empty[] = "";
    b->alpn_selected = (struct bytes){(const uint8_t *)empty, 0};
    b->has_alpn_selected = true;
    b->has_group = false;
    struct session *both[] = {a, b};
    char *x509 = NULL;
    char *ssl = write("zeek", NULL, both, 2, &x509);
    assert_memory_equal(ssl, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#open\t", 84);
    assert_non_null(strstr(ssl, "\n#close\t"));
    /* a: the tab escaped, x25519, the chain by fingerprint, no client chain */
    char leaf[65], ca[65];
    memset(leaf, 0, sizeof(leaf));
    for (int i = 0; i < 32; i++) {
        snprintf(leaf + 2 * i, 3, "ab");
        snprintf(ca + 2 * i, 3, "cd");
    }
    char want[600];
    snprintf(want, sizeof(want), "\t10.0.0.1\t40000\t10.0.0.2\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\tx25519\t"
                                 "tab\\x09here\tF\t-\t-\tT\t(empty)\t%s,%s\t(empty)\t", leaf, ca);
    assert_non_null(strstr(ssl, want));
    /* b: no curve, an empty ALPN name */
    snprintf(want, sizeof(want), "\t-\t-\tF\t-\t(empty)\tT\t(empty)\t%s\t(empty)\t-\n", leaf);
    assert_non_null(strstr(ssl, want));
    /* uids in Zeek's style, different per connection */
    const char *u1 = strstr(ssl, "\tC"), *u2 = u1 ? strstr(u1 + 2, "\tC") : NULL;
    assert_non_null(u2);
    assert_memory_not_equal(u1, u2, 12);
    /* x509.log: the leaf once (as a host certificate), the CA once */
    size_t rows = 0;
    for (const char *p = x509; (p = strstr(p, "\n17")); p++)
        rows++;
    assert_int_equal(rows, 2);
    snprintf(want, sizeof(want), "\t%s\t3\t0A\tCN=leaf\tCN=CA\t1700000000.000000\t1800000000.000000\trsaEncryption\t"
                                 "sha256WithRSAEncryption\trsa\t2048\t65537\t-\t-\t-\t-\t-\t-\t-\tT\tF\n", leaf);
    assert_non_null(strstr(x509, want));
    free(ssl);
    free(x509);
    session_free(a);
    session_free(b);
}

/* x509.log logs each certificate once per role however many a capture
 * holds: 3,000 leaves under one CA, each seen twice, make 3,001 rows. */
static void zeek_x509_many_certificates(void **state)
{
    (void)state;
    enum { LEAVES = 3000, ROUNDS = 2 };
    static struct session *s[LEAVES * ROUNDS];
    for (size_t i = 0; i < LEAVES * ROUNDS; i++) {
        s[i] = session();
        add_cert(&s[i]->server_certs, s[i], 0xab, "CN=leaf");
        add_cert(&s[i]->server_certs, s[i], 0xcd, "CN=CA");
        uint32_t leaf = (uint32_t)(i % LEAVES);
        memcpy(s[i]->server_certs.v[0].sha256, &leaf, sizeof(leaf));
    }
    char *x509 = NULL;
    char *ssl = write("zeek", NULL, s, LEAVES * ROUNDS, &x509);
    size_t rows = 0;
    for (const char *p = x509; (p = strstr(p, "\n17")); p++)
        rows++;
    assert_int_equal(rows, LEAVES + 1);
    free(ssl);
    free(x509);
    for (size_t i = 0; i < LEAVES * ROUNDS; i++)
        session_free(s[i]);
}

static void zeek_escapes_markers(void **state)
{
    (void)state;
    struct session *s = session();
    add_sni(s, "-", 1);
    char *x509 = NULL;
    char *ssl = write("zeek", NULL, &s, 1, &x509);
    /* a value that is the unset marker is escaped; no certificate: both chains unset */
    assert_non_null(strstr(ssl, "\tx25519\t\\x2d\tF\t"));
    assert_non_null(strstr(ssl, "\t-\t-\t-\n"));
    free(ssl);
    free(x509);
    session_free(s);
}

static void json_fields(void **state)
{
    (void)state;
    struct session *s = session();
    add_sni(s, "api.example.com", 15);
    char *json = write("json", "sni,version,established", &s, 1, NULL);
    static const char want[] = "{\"type\":\"session\",\"sni\":\"api.example.com\",\"version\":\"TLSv1.2\",\"established\":true}\n";
    assert_memory_equal(json, want, sizeof(want) - 1);
    free(json);
    session_free(s);
}

/* JA4 holds the first and last characters of the first ALPN value as
 * they are, a quote or a backslash among them: escaped like any other
 * string from the wire. */
static void json_fingerprint_escaped(void **state)
{
    (void)state;
    struct session *s = session();
    s->fp.made = true;
    strcpy(s->fp.ja4, "t12d0101\"\\_000000000000_000000000000");
    char *json = write("json", "client_hello", &s, 1, NULL);
    assert_non_null(strstr(json, "\"ja4\":\"t12d0101\\\"\\\\_000000000000_000000000000\""));
    free(json);
    session_free(s);
}

static void fields_checked(void **state)
{
    (void)state;
    char err[2048];
    assert_true(report_fields_check("sni,version", report_format_named("json"), err, sizeof(err)));
    assert_true(report_fields_check("client_hello,anomalies_dropped", report_format_named("json"), err, sizeof(err)));
    assert_true(report_fields_check("ja4,cert_subject", report_format_named("csv"), err, sizeof(err)));
    assert_false(report_fields_check("sni,colour", report_format_named("json"), err, sizeof(err)));
    assert_non_null(strstr(err, "no field 'colour'"));
    assert_non_null(strstr(err, "client_hello"));
    assert_false(report_fields_check("cert_subject", report_format_named("json"), err, sizeof(err)));
    assert_false(report_fields_check("sni,,id", report_format_named("csv"), err, sizeof(err)));
    assert_non_null(strstr(err, "empty name"));
    assert_false(report_fields_check("sni", report_format_named("text"), err, sizeof(err)));
    assert_false(report_fields_check("sni", report_format_named("zeek"), err, sizeof(err)));
    assert_non_null(strstr(err, "json and csv only"));
}

/* Every IPv4 address byte value at every place, as inet_ntop writes it;
 * IPv6 through inet_ntop itself. */
static void addresses(void **state)
{
    (void)state;
    char got[IP_TEXT_LEN], want[IP_TEXT_LEN];
    for (unsigned v = 0; v < 256; v++)
        for (int at = 0; at < 4; at++) {
            struct endpoint e = {.family = 4, .addr = {1, 20, 200, 0}};
            e.addr[at] = (uint8_t)v;
            assert_non_null(inet_ntop(AF_INET, e.addr, want, sizeof(want)));
            assert_string_equal(fmt_ip(&e, got), want);
        }
    struct endpoint v6 = {.family = 6, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    assert_string_equal(fmt_ip(&v6, got), "2001:db8::1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_quoting), cmocka_unit_test(csv_long_values), cmocka_unit_test(summary_tallies_many_codes), cmocka_unit_test(zeek_logs), cmocka_unit_test(zeek_x509_many_certificates), cmocka_unit_test(zeek_escapes_markers),
        cmocka_unit_test(json_fields), cmocka_unit_test(json_fingerprint_escaped), cmocka_unit_test(fields_checked), cmocka_unit_test(addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
