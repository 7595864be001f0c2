/* The NSS key log reader: every label, the malformed lines it skips (named
 * with their line numbers), a file that grows while it is read, text from
 * a pcapng Decryption Secrets Block, and lookups on several threads while
 * the file grows (run under ThreadSanitizer by make check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dissect/crypto/keylog.h"

static char warnings[16][400];
static size_t n_warnings;

static void on_warn(void *ctx, const char *message)
{
    (void)ctx;
    if (n_warnings < 16)
        snprintf(warnings[n_warnings], sizeof(warnings[0]), "%s", message);
    n_warnings++;
}

static const char R1[] = "0101010101010101010101010101010101010101010101010101010101010101";
static const char R2[] = "0202020202020202020202020202020202020202020202020202020202020202";
static const char S32[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char S48[] =
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void random_of(uint8_t out[32], uint8_t b)
{
    memset(out, b, 32);
}

static bool has(struct keylog *k, const uint8_t r[32])
{
    struct keylog_entry e;
    return keylog_find(k, r, &e);
}

static char path[64];

static struct keylog *load(const char *text)
{
    n_warnings = 0;
    snprintf(path, sizeof(path), "/tmp/tlsscope-keylog-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct keylog *k = keylog_new(on_warn, NULL);
    assert_non_null(k);
    char err[128];
    assert_int_equal(keylog_load_file(k, path, err, sizeof(err)), ST_OK);
    return k;
}

static void every_label(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "# SSL/TLS secrets log file\r\n"
             "\n"
             "CLIENT_RANDOM %s %s\r\n"
             "CLIENT_EARLY_TRAFFIC_SECRET %s %s\n"
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\n"
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\n"
             "CLIENT_TRAFFIC_SECRET_0 %s %s\n"
             "SERVER_TRAFFIC_SECRET_0 %s %s\n"
             "EXPORTER_SECRET %s %s\n"
             "EARLY_EXPORTER_SECRET %s %s\n"
             "CLIENT_TRAFFIC_SECRET_N %s %s\n"
             "RSA 0011223344556677 %s\n",
             R1, S48, R2, S32, R2, S32, R2, S48, R2, S32, R2, S32, R2, S32, R2, S32, R2, S32, S48);
    struct keylog *k = load(text);
    assert_int_equal(n_warnings, 0);
    assert_int_equal(keylog_count(k), 2);
    uint8_t r[32];
    random_of(r, 1);
    struct keylog_entry e;
    assert_true(keylog_find(k, r, &e));
    assert_int_equal(e.secret[KL_MASTER_SECRET].len, 48);
    assert_int_equal(e.secret[KL_MASTER_SECRET].v[0], 0xbb);
    assert_int_equal(e.secret[KL_CLIENT_HANDSHAKE].len, 0);
    random_of(r, 2);
    assert_true(keylog_find(k, r, &e));
    assert_int_equal(e.secret[KL_CLIENT_EARLY].len, 32);
    assert_int_equal(e.secret[KL_SERVER_HANDSHAKE].len, 48);
    assert_int_equal(e.secret[KL_SERVER_TRAFFIC].len, 32);
    assert_int_equal(e.secret[KL_EARLY_EXPORTER].len, 32);
    assert_int_equal(keylog_stats(k)->ignored, 2); /* RSA and _N */
    random_of(r, 3);
    assert_false(has(k, r));
    keylog_free(k);
    unlink(path);
}

static void malformed_lines_are_named(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "CLIENT_RANDOM %s\n"                          /* 1: two fields */
             "CLIENT_RANDOM %s %s extra\n"                 /* 2: four fields */
             "SERVER_SECRET %s %s\n"                       /* 3: unknown label */
             "CLIENT_RANDOM 0102 %s\n"                     /* 4: short random */
             "CLIENT_RANDOM %s %s\n"                       /* 5: 32-byte master */
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %.62szz\n" /* 6: not hex */
             "CLIENT_RANDOM %s %s\n",                      /* 7: fine */
             R1, R1, S48, R1, S48, S48, R1, S32, R2, S32, R1, S48);
    struct keylog *k = load(text);
    assert_int_equal(n_warnings, 6);
    const char *expect[] = {":1: expected 'LABEL CLIENT_RANDOM SECRET', found 2 fields",
                            ":2: expected 'LABEL CLIENT_RANDOM SECRET', found 4 fields",
                            ":3: unknown label 'SERVER_SECRET'",
                            ":4: the client random is not 64 hex digits",
                            ":5: the CLIENT_RANDOM secret is not 96 hex digits",
                            ":6: the CLIENT_HANDSHAKE_TRAFFIC_SECRET secret is not 64, 96 or 128"};
    for (size_t i = 0; i < 6; i++) {
        if (!strstr(warnings[i], expect[i]) || !strstr(warnings[i], path) ||
            !strstr(warnings[i], "line skipped"))
            fail_msg("warning %zu: '%s' lacks '%s'", i, warnings[i], expect[i]);
    }
    assert_int_equal(keylog_stats(k)->malformed, 6);
    assert_int_equal(keylog_count(k), 1);
    keylog_free(k);
    unlink(path);
}

static void growing_file(void **state)
{
    (void)state;
    char line1[256], line2[256];
    snprintf(line1, sizeof(line1), "CLIENT_RANDOM %s %s\n", R1, S48);
    snprintf(line2, sizeof(line2), "CLIENT_RANDOM %s %s\n", R2, S48);
    /* the second line is still being written: half of it is there */
    char text[512];
    snprintf(text, sizeof(text), "%s%.40s", line1, line2);
    struct keylog *k = load(text);
    uint8_t r[32];
    random_of(r, 2);
    assert_false(has(k, r));
    assert_int_equal(n_warnings, 0); /* not a malformed line: an unfinished one */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(line2 + 40, f);
    fclose(f);
    assert_true(has(k, r)); /* read on from where it stopped */
    assert_int_equal(keylog_count(k), 2);
    keylog_free(k);
    unlink(path);
}

static void last_line_without_newline(void **state)
{
    (void)state;
    char text[256];
    snprintf(text, sizeof(text), "CLIENT_RANDOM %s %s", R1, S48);
    struct keylog *k = load(text);
    uint8_t r[32];
    random_of(r, 1);
    assert_true(has(k, r));
    keylog_free(k);
    unlink(path);
    /* cut short: reported once the file is known to be complete */
    snprintf(text, sizeof(text), "CLIENT_RANDOM %s %.50s", R1, S48);
    k = load(text);
    assert_int_equal(n_warnings, 0);
    keylog_flush(k);
    assert_int_equal(n_warnings, 1);
    assert_non_null(strstr(warnings[0], ":1: the CLIENT_RANDOM secret is not 96 hex digits"));
    keylog_free(k);
    unlink(path);
}

static void secrets_block_text(void **state)
{
    (void)state;
    n_warnings = 0;
    struct keylog *k = keylog_new(on_warn, NULL);
    char text[512];
    snprintf(text, sizeof(text), "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\nbogus\n", R2, S32);
    keylog_add_text(k, "cap.pcapng (decryption secrets block)", text, strlen(text));
    uint8_t r[32];
    random_of(r, 2);
    assert_true(has(k, r));
    assert_int_equal(n_warnings, 1);
    assert_non_null(strstr(warnings[0], "cap.pcapng (decryption secrets block):2:"));
    keylog_free(k);
}

/* Beyond the limit, lines for new client randoms are skipped with one
 * warning; secrets for randoms already kept still count. */
static void entry_limit(void **state)
{
    (void)state;
    n_warnings = 0;
    struct keylog *k = keylog_new(on_warn, NULL);
    keylog_set_limit(k, 1);
    char text[1024];
    snprintf(text, sizeof(text),
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\nCLIENT_TRAFFIC_SECRET_0 %s %s\n"
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\nCLIENT_TRAFFIC_SECRET_0 %s %s\n",
             R1, S32, R2, S32, R1, S32, R2, S32);
    keylog_add_text(k, "big.keylog", text, strlen(text));
    uint8_t r[32];
    random_of(r, 1);
    struct keylog_entry e;
    assert_true(keylog_find(k, r, &e));
    assert_int_equal(e.secret[KL_SERVER_HANDSHAKE].len, 32);
    random_of(r, 2);
    assert_false(has(k, r));
    assert_int_equal(keylog_stats(k)->entries, 1);
    assert_int_equal(keylog_stats(k)->over_limit, 2);
    assert_int_equal(n_warnings, 1);
    assert_non_null(strstr(warnings[0], "big.keylog:2:"));
    assert_non_null(strstr(warnings[0], "--max-keylog-entries"));
    keylog_free(k);
}

static void unreadable(void **state)
{
    (void)state;
    struct keylog *k = keylog_new(on_warn, NULL);
    char err[128];
    assert_int_equal(keylog_load_file(k, "/nonexistent/keys.log", err, sizeof(err)), ST_IO);
    assert_string_equal(err, "No such file or directory");
    assert_int_equal(keylog_load_file(k, "/tmp", err, sizeof(err)), ST_IO);
    assert_string_equal(err, "is a directory");
    keylog_free(k);
}

static void write_file(const char *name, const char *text, const char *mode)
{
    FILE *f = fopen(name, mode);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A live capture names a key log the client has not written yet; then the
 * client starts over (cuts it back) or writes a new file in its place. */
static void followed_file(void **state)
{
    (void)state;
    n_warnings = 0;
    char name[] = "/tmp/tlsscope-follow-XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    close(fd);
    unlink(name);
    struct keylog *k = keylog_new(on_warn, NULL);
    char err[128], why[200];
    bool waiting = false;
    assert_int_equal(keylog_follow_file(k, name, &waiting, err, sizeof(err)), ST_OK);
    assert_true(waiting);
    uint8_t r[32];
    random_of(r, 1);
    assert_false(has(k, r)); /* not there yet: no error either */
    assert_false(keylog_unreadable(k, why, sizeof(why)));

    char line[256];
    snprintf(line, sizeof(line), "CLIENT_RANDOM %s %s\n", R1, S48);
    write_file(name, line, "w");
    assert_true(has(k, r)); /* it appeared */

    /* cut back and written again from the start, shorter than before */
    snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %s %s\n", R2, S32);
    write_file(name, line, "w");
    random_of(r, 2);
    assert_true(has(k, r));

    /* a new file in its place (rename over it) */
    char other[sizeof(name) + 4];
    snprintf(other, sizeof(other), "%s.new", name);
    static const char R3[] = "0303030303030303030303030303030303030303030303030303030303030303";
    snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %s %s\n", R3, S32);
    write_file(other, line, "w");
    assert_int_equal(rename(other, name), 0);
    random_of(r, 3);
    assert_true(has(k, r));
    assert_int_equal(n_warnings, 0);
    keylog_free(k);
    unlink(name);

    /* a key log that must exist (reading files) still has to */
    k = keylog_new(on_warn, NULL);
    assert_int_equal(keylog_load_file(k, name, err, sizeof(err)), ST_IO);
    keylog_free(k);
}

/* ---- several trackers looking up while the file grows ------------------ */

enum { PRESENT = 100, APPENDED = 100, HUNTERS = 3 };

static void line_for(char *out, size_t n, uint8_t b)
{
    char r[65], sec[97];
    for (size_t i = 0; i < 64; i++)
        r[i] = "0123456789abcdef"[(i % 2 ? b : b >> 4) & 15];
    for (size_t i = 0; i < 96; i++)
        sec[i] = r[i % 64];
    r[64] = sec[96] = 0;
    snprintf(out, n, "CLIENT_RANDOM %s %s\n", r, sec);
}

static void *append(void *arg)
{
    FILE *f = fopen(arg, "a");
    if (!f)
        return NULL;
    for (unsigned b = PRESENT + 1; b <= PRESENT + APPENDED; b++) {
        char line[200];
        line_for(line, sizeof(line), (uint8_t)b);
        fputs(line, f);
        fflush(f);
    }
    fclose(f);
    return NULL;
}

struct hunter {
    struct keylog *k;
    unsigned found, wrong;
};

static void *hunt(void *arg)
{
    struct hunter *h = arg;
    for (unsigned round = 0; round < 100000 && h->found < PRESENT + APPENDED; round++) {
        h->found = 0;
        for (unsigned b = 1; b <= PRESENT + APPENDED; b++) {
            uint8_t r[32];
            struct keylog_entry e;
            random_of(r, (uint8_t)b);
            if (!keylog_find(h->k, r, &e))
                continue;
            h->found++;
            const struct keylog_secret *ms = &e.secret[KL_MASTER_SECRET];
            if (ms->len != 48 || ms->v[0] != b || ms->v[47] != b)
                h->wrong++;
        }
    }
    return NULL;
}

static void lookups_on_several_threads(void **state)
{
    (void)state;
    static char text[PRESENT * 200];
    size_t at = 0;
    for (unsigned b = 1; b <= PRESENT; b++) {
        line_for(text + at, sizeof(text) - at, (uint8_t)b);
        at += strlen(text + at);
    }
    struct keylog *k = load(text);
    assert_int_equal(keylog_count(k), PRESENT);
    struct hunter h[HUNTERS];
    pthread_t t[HUNTERS], writer;
    assert_int_equal(pthread_create(&writer, NULL, append, path), 0);
    for (size_t i = 0; i < HUNTERS; i++) {
        h[i] = (struct hunter){.k = k};
        assert_int_equal(pthread_create(&t[i], NULL, hunt, &h[i]), 0);
    }
    pthread_join(writer, NULL);
    for (size_t i = 0; i < HUNTERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(h[i].found, PRESENT + APPENDED);
        assert_int_equal(h[i].wrong, 0);
    }
    assert_int_equal(keylog_count(k), PRESENT + APPENDED);
    assert_int_equal(n_warnings, 0);
    keylog_free(k);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_label),
        cmocka_unit_test(malformed_lines_are_named),
        cmocka_unit_test(growing_file),
        cmocka_unit_test(last_line_without_newline),
        cmocka_unit_test(secrets_block_text),
        cmocka_unit_test(entry_limit),
        cmocka_unit_test(unreadable),
        cmocka_unit_test(followed_file),
        cmocka_unit_test(lookups_on_several_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
