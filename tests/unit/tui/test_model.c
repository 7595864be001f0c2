/* The TUI's rows without a terminal: what a session becomes, each column's
 * text, the layout at 80 and 200 columns, sorting, searching and every
 * filter term (and the errors for bad ones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/model.h"

static const char bank[] = "online.bank.example";
static const char mq_sni[] = "to2e-qm1.chl.mq.ibm.com";

static struct session *base(uint64_t id, uint16_t port)
{
    struct session *s = session_new(id);
    assert_non_null(s);
    s->client = (struct endpoint){.family = 4, .addr = {10, 0, 0, 1}, .port = 40000};
    s->server = (struct endpoint){.family = 4, .addr = {10, 0, 0, 2}, .port = port};
    s->ts_first = 1795311407298305000LL; /* 2026-11-22 01:36:47.298 UTC */
    s->packet_first = 10 * id;
    s->packet_last = 10 * id + 9;
    s->ch.present = true;
    return s;
}

static void add_sni(struct session *s, const char *name)
{
    struct bytes sni = {(const uint8_t *)name, strlen(name)};
    assert_true(ARENA_PUSH(s->arena, s->ch.sni, sni));
}

static void add_finding(struct session *s, const char *rule, enum severity sev)
{
    struct finding f = {.rule = rule, .title = "a title", .evidence = "what was seen", .fix = "what to do",
                        .severity = sev};
    assert_true(ARENA_PUSH(s->arena, s->findings, f));
}

/* four rows: TLS 1.2 to a bank, a TLS 1.0 failure, MQ by SNI, MQ in plaintext */
static struct tui_row rows[4];

static int setup(void **state)
{
    (void)state;
    struct session *s = base(1, 443);
    add_sni(s, bank);
    s->sh.present = s->established = true;
    s->has_version = s->has_cipher = s->has_group = true;
    s->version = VER_TLS12;
    s->cipher = 0xc030;
    s->group = 0x001d;
    s->hs_start.ts = s->ts_first;
    s->hs_end.ts = s->ts_first + 2540000; /* 2.54 ms */
    s->has_hs_end = true;
    add_finding(s, "cert-expiring", SEV_LOW);
    snprintf(s->fp.ja4, sizeof(s->fp.ja4), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    s->fp.ja3 = "771,4865,0,29,0";
    snprintf(s->fp.ja3_hash, sizeof(s->fp.ja3_hash), "a3afc2c46ba4a7d7fbe1cfb7a3031c2f");
    assert_true(row_from_session(&rows[0], s));
    session_free(s);

    s = base(2, 8443);
    s->has_version = true;
    s->version = VER_TLS10;
    struct alert al = {.dir = DIR_S2C, .level = 2, .desc = 40};
    assert_true(ARENA_PUSH(s->arena, s->alerts, al));
    add_finding(s, "protocol-old", SEV_HIGH);
    add_finding(s, "alert-explained", SEV_MEDIUM);
    assert_true(row_from_session(&rows[1], s));
    session_free(s);

    s = base(3, 1414);
    add_sni(s, mq_sni);
    s->sh.present = s->established = true;
    s->has_version = s->has_cipher = true;
    s->version = VER_TLS13;
    s->cipher = 0x1302;
    assert_true(row_from_session(&rows[2], s));
    session_free(s);

    s = base(4, 1415);
    s->ch.present = false;
    s->mq.client = s->mq.server = true;
    snprintf(s->mq.channel, sizeof(s->mq.channel), "APP.SVRCONN");
    add_finding(s, "mq-plaintext", SEV_HIGH);
    assert_true(row_from_session(&rows[3], s));
    session_free(s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++)
        row_free(&rows[i]);
    return 0;
}

static void rows_from_sessions(void **state)
{
    (void)state;
    assert_int_equal(rows[0].status, RS_OK);
    assert_string_equal(rows[0].sni, bank);
    assert_int_equal(rows[0].worst, SEV_LOW);
    assert_int_equal(rows[0].n_findings, 1);
    assert_string_equal(rows[0].findings[0].rule, "cert-expiring");
    assert_int_equal(rows[0].packet_first, 10);
    assert_int_equal(rows[0].packet_last, 19);
    assert_string_equal(rows[0].ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(rows[0].ja3, "a3afc2c46ba4a7d7fbe1cfb7a3031c2f");
    assert_string_equal(rows[1].ja4, "");
    assert_int_equal(rows[1].status, RS_FAILED);
    assert_string_equal(rows[1].alert, "handshake_failure");
    assert_int_equal(rows[1].worst, SEV_HIGH);
    assert_string_equal(rows[2].mq_channel, "TO.QM1");
    assert_int_equal(rows[3].status, RS_PLAINTEXT);
    assert_string_equal(rows[3].mq_channel, "APP.SVRCONN");
}

static void cell(const struct tui_row *r, enum column c, const char *want)
{
    char got[160];
    row_cell(r, c, got, sizeof(got));
    assert_string_equal(got, want);
}

static void cells(void **state)
{
    (void)state;
    cell(&rows[0], COL_ID, "1");
    cell(&rows[0], COL_TIME, "01:36:47.298");
    cell(&rows[0], COL_CLIENT, "10.0.0.1:40000");
    cell(&rows[0], COL_SERVER, "10.0.0.2:443");
    cell(&rows[0], COL_NAME, bank);
    cell(&rows[0], COL_VERSION, "1.2");
    cell(&rows[0], COL_CIPHER, "ECDHE_RSA_AES_256_GCM_SHA384");
    cell(&rows[0], COL_STATUS, "ok");
    cell(&rows[0], COL_SEV, "low");
    cell(&rows[0], COL_MS, "2.54");
    cell(&rows[1], COL_STATUS, "failed handshake_failure");
    cell(&rows[1], COL_CIPHER, "");
    cell(&rows[1], COL_MS, "");
    cell(&rows[2], COL_NAME, "MQ TO.QM1");
    cell(&rows[2], COL_CIPHER, "AES_256_GCM_SHA384");
    cell(&rows[2], COL_SEV, "");
    cell(&rows[3], COL_STATUS, "plaintext MQ");
    char grease[32];
    cipher_short_name(0x0a0a, grease, sizeof(grease));
    assert_string_equal(grease, "GREASE 0x0a0a");
}

static int total_width(const struct layout *lay)
{
    int w = 0;
    for (size_t i = 0; i < lay->n; i++)
        w += lay->widths[i] + (i ? 1 : 0);
    return w;
}

static int width_of(const struct layout *lay, enum column c)
{
    for (size_t i = 0; i < lay->n; i++)
        if (lay->cols[i] == c)
            return lay->widths[i];
    return 0;
}

static struct col_widths widths_of_rows(void)
{
    struct col_widths cw = {{0}};
    for (size_t i = 0; i < 4; i++)
        col_widths_add(&cw, &rows[i]);
    return cw;
}

static void layout(void **state)
{
    (void)state;
    struct layout lay;
    struct col_widths cw = widths_of_rows();
    /* 80 columns (78 after the mark): every essential; a long MQ channel
     * name and ECDHE_RSA_AES_256_GCM_SHA384 both stay readable */
    list_layout(78, &cw, &lay);
    assert_true(total_width(&lay) <= 78);
    enum column essential[] = {COL_ID, COL_SERVER, COL_NAME, COL_VERSION, COL_CIPHER, COL_STATUS, COL_SEV};
    for (size_t i = 0; i < sizeof(essential) / sizeof(essential[0]); i++)
        assert_true(width_of(&lay, essential[i]) > 0);
    assert_int_equal(width_of(&lay, COL_NAME), cw.w[COL_NAME]);
    assert_true(width_of(&lay, COL_CIPHER) >= 20);
    /* 92: the name and the cipher whole before the status is */
    list_layout(90, &cw, &lay);
    assert_int_equal(width_of(&lay, COL_NAME), cw.w[COL_NAME]);
    assert_int_equal(width_of(&lay, COL_CIPHER), cw.w[COL_CIPHER]);
    assert_true(width_of(&lay, COL_STATUS) < cw.w[COL_STATUS]);
    /* 200: everything, each column as wide as its widest cell or heading */
    list_layout(198, &cw, &lay);
    assert_int_equal(lay.n, COL_COUNT);
    for (size_t i = 0; i < lay.n; i++) {
        int heading = (int)strlen(column_name(lay.cols[i]));
        int want = cw.w[lay.cols[i]] > heading ? cw.w[lay.cols[i]] : heading;
        assert_int_equal(lay.widths[i], want);
    }
    /* numbers are never cut: a million sessions widen the column */
    struct col_widths many = cw;
    many.w[COL_ID] = 7;
    list_layout(78, &many, &lay);
    assert_int_equal(width_of(&lay, COL_ID), 7);
    /* long names are cut at the usual host name's length before the cipher is */
    struct col_widths long_name = cw;
    long_name.w[COL_NAME] = 60;
    list_layout(78, &long_name, &lay);
    assert_true(width_of(&lay, COL_NAME) >= 20);
    assert_true(width_of(&lay, COL_CIPHER) >= 16);
    /* too narrow for anything but the number */
    list_layout(10, &cw, &lay);
    assert_int_equal(lay.n, 1);
    assert_int_equal(lay.cols[0], COL_ID);
    list_layout(0, &cw, &lay);
    assert_int_equal(lay.n, 0);
    /* no rows yet: the headings */
    struct col_widths none = {{0}};
    list_layout(78, &none, &lay);
    assert_int_equal(width_of(&lay, COL_NAME), (int)strlen(column_name(COL_NAME)));
    /* columns come in list order */
    list_layout(120, &cw, &lay);
    for (size_t i = 1; i < lay.n; i++)
        assert_true(lay.cols[i - 1] < lay.cols[i]);
}

static void formatted_lines(void **state)
{
    (void)state;
    char line[512], head[512];
    struct layout lay;
    struct col_widths cw = widths_of_rows();
    list_layout(60, &cw, &lay);
    row_format(&rows[1], &lay, line, sizeof(line));
    header_format(&lay, head, sizeof(head));
    assert_int_equal(strlen(line), (size_t)total_width(&lay));
    assert_int_equal(strlen(head), (size_t)total_width(&lay));
    assert_non_null(strstr(head, "server"));
    assert_non_null(strstr(head, "status"));
    /* "failed handshake_failure" is cut with a mark */
    assert_non_null(strstr(line, "faile~"));
    assert_null(strstr(line, "failed handshake_failure"));
    list_layout(198, &cw, &lay);
    row_format(&rows[1], &lay, line, sizeof(line));
    assert_non_null(strstr(line, "failed handshake_failure"));
    /* a small buffer is cut, not overrun */
    row_format(&rows[0], &lay, line, 20);
    assert_int_equal(strlen(line), 19);
}

static void sorting(void **state)
{
    (void)state;
    /* severity: worst first, ties by number */
    assert_true(row_compare(&rows[1], &rows[0], COL_SEV) < 0);
    assert_true(row_compare(&rows[1], &rows[3], COL_SEV) < 0);
    assert_true(row_compare(&rows[0], &rows[2], COL_SEV) < 0);
    assert_true(row_compare(&rows[0], &rows[1], COL_VERSION) > 0);
    assert_true(row_compare(&rows[0], &rows[2], COL_SERVER) < 0);
    assert_true(row_compare(&rows[2], &rows[0], COL_NAME) < 0); /* "MQ TO.QM1" */
    assert_true(row_compare(&rows[0], &rows[2], COL_MS) > 0);    /* unknown first */
    assert_true(row_compare(&rows[0], &rows[0], COL_NAME) == 0);
    assert_true(row_compare(&rows[0], &rows[1], COL_STATUS) < 0);
    assert_string_equal(column_name(COL_NAME), "SNI / channel");
    assert_string_equal(column_key(COL_NAME), "name");
}

/* which rows a filter keeps, as a string of row numbers */
static void keeps(const char *text, const char *want)
{
    struct rowfilter f;
    char err[256], got[8] = "";
    if (!rowfilter_parse(text, &f, err, sizeof(err)))
        fail_msg("'%s' did not parse: %s", text, err);
    assert_string_equal(f.text, text);
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        if (rowfilter_match(&f, &rows[i]))
            got[n++] = (char)('1' + i);
    if (strcmp(got, want))
        fail_msg("'%s' kept rows '%s', not '%s'", text, got, want);
}

static void filters(void **state)
{
    (void)state;
    keeps("", "1234");
    keeps("version<1.2", "2");
    keeps("version>=1.2", "13");
    keeps("version=tls1.3", "3");
    keeps("version!=1.2", "234");
    keeps("sev>=medium", "24");
    keeps("sev=low", "1");
    keeps("sev=none", "3");
    keeps("sni~bank", "1");
    keeps("sni=*.bank.*", "1");
    keeps("!sni~bank", "234");
    keeps("cipher=ECDHE*", "1");
    keeps("cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "1");
    keeps("cipher~GCM", "13");
    keeps("cipher!=ECDHE*", "234");
    keeps("mq", "34");
    keeps("!mq", "12");
    keeps("failed", "2");
    keeps("plaintext", "4");
    keeps("ok", "13");
    keeps("status=failed", "2");
    keeps("port=443", "1");
    keeps("port>1000", "234");
    keeps("server~10.0.0.2:14", "34");
    keeps("client~10.0.0.1", "1234");
    keeps("name~TO.QM1", "3");
    keeps("rule=mq-*", "4");
    keeps("rule!=protocol-old", "134");
    keeps("group=x25519", "1");
    keeps("id<=2", "12");
    keeps("ms>=0", "1");
    keeps("ms>3", "");
    keeps("findings", "124");
    keeps("ja4=t13d1516h2_*", "1");
    keeps("ja4~8DAAF6", "1");
    keeps("ja3=a3afc2c46ba4a7d7fbe1cfb7a3031c2f", "1");
    keeps("!ja3=a3af*", "234");
    keeps("ja3s~15af", "");
    keeps("version>=1.2 sev=none", "3");
    keeps("bank", "1");
    keeps("APP.SVR", "4");
    keeps("nothing-like-it", "");
}

static void bad_filter(const char *text, const char *why)
{
    struct rowfilter f;
    char err[256] = "";
    assert_false(rowfilter_parse(text, &f, err, sizeof(err)));
    if (!strstr(err, why))
        fail_msg("'%s': the error '%s' does not say '%s'", text, err, why);
}

static void bad_filters(void **state)
{
    (void)state;
    bad_filter("colour=red", "unknown field 'colour'");
    bad_filter("version<1.4", "not a version");
    bad_filter("sev>=severe", "severity is none");
    bad_filter("sni<bank", "sni takes =, != or ~");
    bad_filter("port=https", "not a number");
    bad_filter("sni=", "no value");
    bad_filter("!", "nothing after '!'");
    bad_filter("a b c d e f g h i j k l m n o p q", "more than 16 terms");
}

static void contains(void **state)
{
    (void)state;
    assert_true(row_contains(&rows[0], "BANK"));
    assert_true(row_contains(&rows[0], "e5627efa2ab1"));
    assert_true(row_contains(&rows[0], "a3afc2c4"));
    assert_true(row_contains(&rows[1], "handshake_failure"));
    assert_true(row_contains(&rows[2], "10.0.0.2:1414"));
    assert_false(row_contains(&rows[2], "bank"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_from_sessions), cmocka_unit_test(cells),   cmocka_unit_test(layout),
        cmocka_unit_test(formatted_lines),    cmocka_unit_test(sorting), cmocka_unit_test(filters),
        cmocka_unit_test(bad_filters),        cmocka_unit_test(contains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
