/* Registries and IBM MQ facts: names from the IANA tables, labels for
 * unknown and GREASE values, MQ CipherSpecs by protocol, and the channel
 * name <-> SNI mapping in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dissect/mq/mq.h"
#include "dissect/registry/registry.h"
#include "include/session.h"

/* The rules judge a suite's block cipher by CF_WEAK_BLOCK: it is set
 * exactly on the suites whose cipher is DES, 3DES, RC2 or IDEA. */
static void weak_block_flag_matches_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < registry_n_ciphers; i++) {
        const struct cipher_info *ci = &registry_ciphers[i];
        bool named = strstr(ci->enc, "DES") || strstr(ci->enc, "RC2") || strstr(ci->enc, "IDEA");
        if (named != ((ci->flags & CF_WEAK_BLOCK) != 0))
            fail_msg("%s (%s): CF_WEAK_BLOCK %s", ci->name, ci->enc, named ? "missing" : "set");
    }
}

static const char *scan(const struct code_name *t, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}

/* Suites, extensions, groups and signature schemes are found through an
 * index: for every 16-bit code, the entry a scan of the table finds, or
 * none; the same on a second thread, which did not build the index. */
static void *lookups_agree_with_scans(void *arg)
{
    int *bad = arg;
    for (uint32_t code = 0; code <= 0xffff; code++) {
        const struct cipher_info *want = NULL;
        for (size_t i = 0; i < registry_n_ciphers && !want; i++)
            if (registry_ciphers[i].code == code)
                want = &registry_ciphers[i];
        uint16_t c = (uint16_t)code;
        *bad += registry_cipher(code) != want;
        *bad += registry_ext_name(c) != scan(registry_extensions, registry_n_extensions, c);
        *bad += registry_group_name(c) != scan(registry_groups, registry_n_groups, c);
        *bad += registry_sigscheme_name(c) != scan(registry_sigschemes, registry_n_sigschemes, c);
    }
    *bad += registry_cipher(0x10000 | 0x1301) != NULL; /* beyond 16 bits: no TLS suite */
    return NULL;
}

static void indexed_lookups(void **state)
{
    (void)state;
    int bad = 0, bad_there = 0;
    pthread_t other;
    assert_int_equal(pthread_create(&other, NULL, lookups_agree_with_scans, &bad_there), 0);
    lookups_agree_with_scans(&bad);
    assert_int_equal(pthread_join(other, NULL), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(bad_there, 0);
    assert_non_null(registry_cipher(0x1301));
    assert_string_equal(registry_cipher(0x1301)->name, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(registry_group_name(29), "x25519");
}

/* Unnamed codes are labelled as printf's "0x%04x" ("grease_0x%04X" for
 * GREASE, "0x%06x" beyond 16 bits) has them, for every 16-bit code and
 * codes of every width above. */
static void labels_of_unnamed_codes(void **state)
{
    (void)state;
    char buf[REG_LABEL_LEN], want[REG_LABEL_LEN];
    for (uint32_t code = 0; code <= 0xffff; code++) {
        if (registry_ext_name((uint16_t)code))
            continue;
        if (is_grease(code))
            snprintf(want, sizeof(want), "grease_0x%04X", (unsigned)code);
        else
            snprintf(want, sizeof(want), "0x%04x", (unsigned)code);
        assert_string_equal(registry_ext_label((uint16_t)code, buf), want);
    }
    static const uint32_t wide[] = {0x10000, 0x0a0a0a, 0xabcdef, 0xffffff, 0x1000000, 0x7654321, 0xfedcba98, 0xffffffff};
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        if (registry_sslv2_cipher_name(wide[i]))
            continue;
        snprintf(want, sizeof(want), "0x%06x", (unsigned)wide[i]);
        assert_string_equal(registry_cipher_label(wide[i], buf), want);
    }
}

/* The JSON writer copies the labels of versions, cipher suites, groups
 * and signature schemes without looking for bytes to escape: every label
 * of every code must be printable ASCII with no quote or backslash. */
static bool needs_escaping(const char *s)
{
    for (const char *c = s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            return true;
    return false;
}

static void labels_need_no_escaping(void **state)
{
    (void)state;
    const char *(*const labels[])(uint16_t, char *) = {
        registry_version_label, registry_group_label, registry_sigscheme_label, registry_ext_label,
    };
    char buf[REG_LABEL_LEN];
    for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++)
        for (uint32_t code = 0; code <= 0xffff; code++) {
            const char *s = labels[l]((uint16_t)code, buf);
            if (!s || needs_escaping(s))
                fail_msg("label %zu of code 0x%04x: \"%s\" needs escaping", l, (unsigned)code, s ? s : "NULL");
        }
    for (uint32_t code = 0; code <= 0xffffff; code += code < 0x10000 ? 1 : 0x10001) {
        const char *s = registry_cipher_label(code, buf);
        if (needs_escaping(s))
            fail_msg("cipher 0x%06x: \"%s\" needs escaping", (unsigned)code, s);
    }
}

static void registry_names(void **state)
{
    (void)state;
    char buf[REG_LABEL_LEN];
    const struct cipher_info *ci = registry_cipher(0xc02f);
    assert_non_null(ci);
    assert_string_equal(ci->name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_int_equal(ci->kx, KXA_ECDHE);
    assert_int_equal(ci->auth, AUTH_RSA);
    assert_true(ci->flags & CF_AEAD);
    assert_true(ci->flags & CF_PFS);
    assert_true(registry_cipher(0x1301)->flags & CF_TLS13);
    assert_true(registry_cipher(0x0004)->flags & CF_RC4);
    assert_true(registry_cipher(0x0018)->flags & CF_ANON);
    assert_null(registry_cipher(0x0a0a));
    assert_string_equal(registry_cipher_by_name("tls_aes_128_gcm_sha256")->name,
                        "TLS_AES_128_GCM_SHA256");
    assert_string_equal(registry_group_label(0x001d, buf), "x25519");
    assert_string_equal(registry_group_label(0x2a2a, buf), "grease_0x2A2A");
    assert_string_equal(registry_group_label(0x4321, buf), "0x4321");
    assert_string_equal(registry_sigscheme_label(0x0804, buf), "rsa_pss_rsae_sha256");
    assert_string_equal(registry_ext_label(0x0023, buf), "session_ticket");
    assert_string_equal(registry_alert_name(48), "unknown_ca");
    assert_string_equal(registry_handshake_name(11), "certificate");
    assert_string_equal(registry_cipher_label(0x0700c0, buf), "SSLv20_CK_DES_192_EDE3_CBC_WITH_MD5");
    assert_string_equal(registry_version_label(0x0303, buf), "TLSv1.2");
    assert_string_equal(registry_version_label(0x7f17, buf), "TLSv1.3-draft23");
    assert_string_equal(registry_version_label(0xfb1a, buf), "0xfb1a");
    char note[96];
    assert_null(registry_version_note(0x0304, note, sizeof(note)));
    assert_null(registry_version_note(0x0303, note, sizeof(note)));
    assert_string_equal(registry_version_note(0xfb1a, note, sizeof(note)),
                        "Facebook's Fizz, based on TLS 1.3 draft 26");
    assert_non_null(strstr(registry_version_note(0x7e02, note, sizeof(note)), "Google's TLS 1.3 experiment 2"));
    assert_non_null(strstr(registry_version_note(0x7f17, note, sizeof(note)), "draft"));
    assert_true(registry_version_is_tls13(0x7f0e));
    assert_true(registry_version_is_tls13(0xfb1a));
    assert_false(registry_version_is_tls13(0x0303));
}

static void mq_cipherspecs_depend_on_protocol(void **state)
{
    (void)state;
    assert_string_equal(mq_cipherspec_find(0x0303, 0xc030)->name, "ECDHE_RSA_AES_256_GCM_SHA384");
    assert_string_equal(mq_cipherspec_find(0x0300, 0x000a)->name, "TRIPLE_DES_SHA_US");
    assert_string_equal(mq_cipherspec_find(0x0301, 0x000a)->name, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    assert_null(mq_cipherspec_find(0x0303, 0x002f)); /* a TLS 1.0 CipherSpec */
    assert_null(mq_cipherspec_find(0x0303, 0xcca8)); /* MQ has no ChaCha in 1.2 */
    const struct mq_cipherspec *rc4 = mq_cipherspec_find(0x0303, 0x0005);
    assert_string_equal(rc4->name, "TLS_RSA_WITH_RC4_128_SHA256");
    assert_true(rc4->deprecated);
    assert_int_equal(mq_cipherspec_by_name("ecdhe_ecdsa_aes_128_gcm_sha256")->key, MQ_KEY_ECDSA);
}

static void channel_to_sni_and_back(void **state)
{
    (void)state;
    static const struct {
        const char *channel, *sni;
    } pairs[] = {
        {"TO.QMGR1", "to2e-qmgr1.chl.mq.ibm.com"},
        {"to.qmgr1", "74-6f-2e-71-6d-67-72-1.chl.mq.ibm.com"},
        {"SYSTEM.ADMIN.SVRCONN", "system2e-admin2e-svrconn.chl.mq.ibm.com"},
        {"APP_1/X%", "app5f-12f-x25-.chl.mq.ibm.com"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        char sni[128], channel[MQ_CHANNEL_MAX + 1];
        bool canonical;
        assert_true(mq_sni_encode(pairs[i].channel, sni, sizeof(sni)));
        assert_string_equal(sni, pairs[i].sni);
        assert_true(mq_sni_decode((const uint8_t *)sni, strlen(sni), channel, &canonical));
        assert_string_equal(channel, pairs[i].channel);
        assert_true(canonical);
    }
}

static void odd_snis(void **state)
{
    (void)state;
    char channel[MQ_CHANNEL_MAX + 1];
    bool canonical;
    static const char *const not_mq[] = {
        "www.example.com", ".chl.mq.ibm.com", "a.b.chl.mq.ibm.com",
        "toolongtoolongtoolongx.chl.mq.ibm.com", "2d-.chl.mq.ibm.com",
    };
    for (size_t i = 0; i < sizeof(not_mq) / sizeof(not_mq[0]); i++)
        assert_false(mq_sni_decode((const uint8_t *)not_mq[i], strlen(not_mq[i]),
                                   channel, &canonical));
    /* decodable, but no MQ client escapes a digit */
    const char *odd = "to2e-qmgr31-.chl.mq.ibm.com";
    assert_true(mq_sni_decode((const uint8_t *)odd, strlen(odd), channel, &canonical));
    assert_string_equal(channel, "TO.QMGR1");
    assert_false(canonical);
    /* DNS names are case-insensitive */
    const char *upper = "TO2E-QMGR1.CHL.MQ.IBM.COM";
    assert_true(mq_sni_decode((const uint8_t *)upper, strlen(upper), channel, &canonical));
    assert_true(canonical);
    char sni[128];
    assert_false(mq_sni_encode("", sni, sizeof(sni)));
    assert_false(mq_sni_encode("ABCDEFGHIJKLMNOPQRSTU", sni, sizeof(sni)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_names),
        cmocka_unit_test(labels_need_no_escaping),
        cmocka_unit_test(labels_of_unnamed_codes),
        cmocka_unit_test(weak_block_flag_matches_names),
        cmocka_unit_test(indexed_lookups),
        cmocka_unit_test(mq_cipherspecs_depend_on_protocol),
        cmocka_unit_test(channel_to_sni_and_back),
        cmocka_unit_test(odd_snis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
