/* The policy file, MQ's SSLCIPH values and SSLPEER filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/internal.h"

static struct policy *load(const char *text, char *err, size_t errlen)
{
    char path[] = "/tmp/tlsscope-policy-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bool unreadable;
    struct policy *p = policy_load(path, &unreadable, err, errlen);
    if (!p)
        assert_false(unreadable); /* a malformed line, not an unreadable file */
    /* the error names the file */
    if (!p)
        assert_memory_equal(err, path, strlen(path));
    unlink(path);
    return p;
}

static void test_full_policy(void **state)
{
    (void)state;
    char err[256];
    struct policy *p = load("# thresholds\n"
                            "min_rsa_bits = 3072\n"
                            "  min_dh_bits=1024  \n"
                            "min_protocol = TLSv1.3\n"
                            "allowed_ciphers = TLS_AES_256_GCM_SHA384, 0xc030, ANY_TLS12\n"
                            "expiry_warning_days = 45\n"
                            "mq_ports = 1415, 1416\n"
                            "disable = hello-retry\n"
                            "\n"
                            "[channel APP.SVRCONN]\n"
                            "sslciph = ANY_TLS13_OR_HIGHER\n"
                            "sslcauth = required\n"
                            "sslpeer = CN=app#1,O=Example   # a comment after a blank\n"
                            "[server 10.0.0.2:1414]\n"
                            "sslciph = ECDHE_RSA_AES_256_GCM_SHA384\n"
                            "[server [2001:db8::1]:443]\n"
                            "min_protocol = TLSv1.2\n"
                            "[server *:8443]\n"
                            "min_protocol = TLSv1.3\n",
                            err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_int_equal(p->min_rsa_bits, 3072);
    assert_int_equal(p->min_dh_bits, 1024);
    assert_int_equal(p->min_version, VER_TLS13);
    assert_int_equal(p->allowed.n, 3);
    assert_string_equal(p->allowed.v[1], "0xc030");
    assert_int_equal(p->expiry_warning_days, 45);
    assert_true(policy_mq_port(p, 1415) && policy_mq_port(p, 1416));
    assert_false(policy_mq_port(p, 1414)); /* the list replaces the default */
    assert_true(policy_disabled(p, "hello-retry"));
    const struct channel_policy *c = policy_channel(p, "APP.SVRCONN");
    assert_non_null(c);
    assert_string_equal(c->sslciph, "ANY_TLS13_OR_HIGHER");
    assert_int_equal(c->sslcauth, SSLCAUTH_REQUIRED);
    assert_string_equal(c->sslpeer, "CN=app#1,O=Example");
    assert_null(policy_channel(p, "OTHER"));

    struct endpoint e = {.family = 4, .addr = {10, 0, 0, 2}, .port = 1414};
    const struct server_policy *sp = policy_server(p, &e);
    assert_non_null(sp);
    assert_string_equal(sp->sslciph, "ECDHE_RSA_AES_256_GCM_SHA384");
    e.port = 8443;
    sp = policy_server(p, &e);
    assert_non_null(sp);
    assert_true(sp->any_host);
    struct endpoint v6 = {.family = 6, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, .port = 443};
    sp = policy_server(p, &v6);
    assert_non_null(sp);
    assert_int_equal(sp->min_version, VER_TLS12);
    e.port = 443;
    assert_null(policy_server(p, &e));
    policy_free(p);
}

static void expect_error(const char *text, const char *where_and_why)
{
    char err[256];
    struct policy *p = load(text, err, sizeof(err));
    if (p)
        fail_msg("accepted: %s", text);
    if (!strstr(err, where_and_why))
        fail_msg("error '%s' lacks '%s'", err, where_and_why);
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("min_rsa_bits = 2048\nmin_rsa_bits = lots\n", ":2: min_rsa_bits wants a number");
    expect_error("\n\nno equals sign\n", ":3: expected 'key = value'");
    expect_error("colour = blue\n", ":1: unknown key 'colour'");
    expect_error("min_protocol = TLSv1.4\n", ":1: unknown protocol version 'TLSv1.4'");
    expect_error("allowed_ciphers = TLS_AES_256_GCM_SHA384, NOT_A_SUITE\n", ":1: 'NOT_A_SUITE' is not a cipher");
    expect_error("disable = no-such-rule\n", ":1: no rule is called 'no-such-rule'");
    expect_error("severity = no-such-rule:low\n", ":1: no rule is called 'no-such-rule'");
    expect_error("severity = weak-dh:severe\n", ":1: 'severe' is not a severity (info, low, medium, high)");
    expect_error("severity = weak-dh\n", ":1: severity takes RULE:LEVEL pairs, not 'weak-dh'");
    expect_error("[channel APP]\nsslciph = ANY_TLS12_OR_HIGER\n", ":2: 'ANY_TLS12_OR_HIGER' is not an SSLCIPH value");
    expect_error("[channel APP]\nsslcauth = maybe\n", ":2: sslcauth is REQUIRED or OPTIONAL");
    expect_error("[channel APP]\nmin_rsa_bits = 1\n", ":2: unknown key 'min_rsa_bits' in a [channel] section");
    expect_error("[channel THIS.NAME.IS.TOO.LONG.FOR.MQ]\n", ":1: a channel name has 1 to 20 characters");
    expect_error("[server 10.0.0.1]\n", ":1: [server ADDR:PORT] needs a port");
    expect_error("[server host.example:443]\n", ":1: 'host.example' is not an IP address");
    expect_error("[server 10.0.0.1:99999]\n", ":1: port wants a number");
    expect_error("[queue X]\n", ":1: unknown section");
    expect_error("[channel APP\n", ":1: a section header ends with ']'");
    expect_error("min_rsa_bits =\n", ":1: 'min_rsa_bits' has no value");
    expect_error("mq_ports = 1414, 0\n", ":1: mq_ports wants a number from 1 to 65535");
    char err[256];
    bool unreadable = false;
    assert_null(policy_load("/nonexistent/policy", &unreadable, err, sizeof(err)));
    assert_string_equal(err, "/nonexistent/policy: No such file or directory");
    assert_true(unreadable);
    unreadable = false;
    assert_null(policy_load("/tmp", &unreadable, err, sizeof(err)));
    assert_string_equal(err, "/tmp: Is a directory");
    assert_true(unreadable);
}

static void test_sslciph(void **state)
{
    (void)state;
    bool known;
    /* lists */
    assert_true(mq_sslciph_accepts("ANY_TLS12", VER_TLS12, 0xc030, &known) && known);
    assert_false(mq_sslciph_accepts("ANY_TLS12", VER_TLS13, 0x1302, &known));
    assert_true(mq_sslciph_accepts("ANY_TLS12_OR_HIGHER", VER_TLS13, 0x1302, &known));
    assert_false(mq_sslciph_accepts("ANY_TLS13_OR_HIGHER", VER_TLS12, 0xc030, &known));
    assert_true(mq_sslciph_accepts("ANY", VER_TLS12, 0xc02f, &known));
    /* a specific CipherSpec accepts exactly its suite at its version */
    assert_true(mq_sslciph_accepts("ECDHE_RSA_AES_256_GCM_SHA384", VER_TLS12, 0xc030, &known));
    assert_false(mq_sslciph_accepts("ECDHE_RSA_AES_256_GCM_SHA384", VER_TLS12, 0xc02f, &known));
    assert_true(mq_sslciph_accepts("TLS_AES_256_GCM_SHA384", VER_TLS13, 0x1302, &known));
    /* values MQ itself rejects */
    assert_false(mq_sslciph_accepts("ANY_TLS_12_OR_HIGHER", VER_TLS12, 0xc030, &known));
    assert_false(known);
    assert_true(mq_sslciph_is_list("ANY_TLS13"));
    assert_false(mq_sslciph_is_list("ECDHE_RSA_AES_256_GCM_SHA384"));
}

static void test_sslpeer(void **state)
{
    (void)state;
    const char *dn = "CN=app01,OU=Payments,O=Example\\, Inc.,L=Leeds,C=GB";
    assert_true(sslpeer_matches("CN=app01", dn));
    assert_true(sslpeer_matches("cn=APP01, o=Example\\, Inc.", dn)); /* case, spaces */
    assert_true(sslpeer_matches("CN=app*,C=GB", dn));
    assert_true(sslpeer_matches("OU=Payments", dn));
    assert_false(sslpeer_matches("CN=app02", dn));
    assert_false(sslpeer_matches("CN=app01,OU=Treasury", dn));
    assert_false(sslpeer_matches("ST=Yorkshire", dn)); /* absent attribute */
    /* MQ's attribute names */
    assert_true(sslpeer_matches("SP=Yorkshire", "CN=x,ST=Yorkshire"));
    assert_true(sslpeer_matches("MAIL=a@example.com", "CN=x,emailAddress=a@example.com"));
    assert_true(sslpeer_matches("", dn)); /* no filter */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_policy),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_sslciph),
        cmocka_unit_test(test_sslpeer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
