/* Every extension parser: a valid body, every truncation of it, a length
 * larger than its body, and the facts each one records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/fixture.h"

struct ext_case {
    const char *name;
    uint16_t type;
    bool from_client;
    const uint8_t *body;
    size_t len;
    bool strict; /* every shorter body is malformed */
    size_t inner_len_at; /* offset of a 16-bit inner length, or SIZE_MAX */
    bool hrr;            /* parsed as part of a HelloRetryRequest */
};

#define BODY(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static const struct ext_case cases[] = {
    {"server_name", 0, true, BODY(0, 12, 0, 0, 9, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'), true, 0, false},
    {"server_name ack", 0, false, BODY(), true, SIZE_MAX, false},
    {"max_fragment_length", 1, true, BODY(2), true, SIZE_MAX, false},
    {"status_request", 5, true, BODY(1, 0, 0, 0, 0), true, 1, false},
    {"supported_groups", 10, true, BODY(0, 4, 0, 0x1d, 0, 0x17), true, 0, false},
    {"ec_point_formats", 11, true, BODY(3, 0, 1, 2), true, SIZE_MAX, false},
    {"signature_algorithms", 13, true, BODY(0, 4, 8, 4, 4, 3), true, 0, false},
    {"heartbeat", 15, true, BODY(1), true, SIZE_MAX, false},
    {"alpn", 16, true, BODY(0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'), true, 0, false},
    {"alpn selected", 16, false, BODY(0, 3, 2, 'h', '2'), true, 0, false},
    {"sct", 18, false, BODY(0, 5, 0, 3, 1, 2, 3), true, 0, false},
    {"padding", 21, true, BODY(0, 0, 0, 0), false, SIZE_MAX, false},
    {"encrypt_then_mac", 22, true, BODY(), true, SIZE_MAX, false},
    {"extended_master_secret", 23, true, BODY(), true, SIZE_MAX, false},
    {"compress_certificate", 27, true, BODY(2, 0, 2), true, SIZE_MAX, false},
    {"record_size_limit", 28, true, BODY(0x40, 0), true, SIZE_MAX, false},
    {"session_ticket", 35, true, BODY(9, 9, 9), false, SIZE_MAX, false},
    {"pre_shared_key", 41, true,
     BODY(0, 9, 0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 0, 33, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
          13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32),
     true, 0, false},
    {"pre_shared_key selected", 41, false, BODY(0, 0), true, SIZE_MAX, false},
    {"early_data", 42, true, BODY(), true, SIZE_MAX, false},
    {"supported_versions", 43, true, BODY(4, 3, 4, 3, 3), true, SIZE_MAX, false},
    {"supported_versions selected", 43, false, BODY(3, 4), true, SIZE_MAX, false},
    {"cookie", 44, true, BODY(0, 2, 7, 7), true, 0, false},
    {"psk_key_exchange_modes", 45, true, BODY(1, 1), true, SIZE_MAX, false},
    {"post_handshake_auth", 49, true, BODY(), true, SIZE_MAX, false},
    {"delegated_credential", 34, true, BODY(0, 4, 4, 3, 8, 4), true, 0, false},
    {"signature_algorithms_cert", 50, true, BODY(0, 2, 8, 4), true, 0, false},
    {"key_share", 51, true, BODY(0, 8, 0, 0x1d, 0, 4, 1, 2, 3, 4), true, 0, false},
    {"key_share server", 51, false, BODY(0, 0x1d, 0, 4, 1, 2, 3, 4), true, 2, false},
    {"key_share hrr", 51, false, BODY(0, 0x17), true, SIZE_MAX, true},
    {"npn", 0x3374, false, BODY(2, 'h', '2'), false, SIZE_MAX, false},
    {"ech outer", 0xfe0d, true, BODY(0, 0, 1, 0, 1, 7, 0, 2, 9, 9, 0, 3, 1, 2, 3), true, 6, false},
    {"ech inner", 0xfe0d, true, BODY(1), true, SIZE_MAX, false},
    {"renegotiation_info", 0xff01, true, BODY(0), true, SIZE_MAX, false},
    /* max_idle_timeout 30000, initial_source_connection_id aabb, disable_active_migration */
    {"quic_transport_parameters", 0x39, true, BODY(0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x0f, 0x02, 0xaa, 0xbb, 0x0c, 0x00),
     false, SIZE_MAX, false},
    /* the drafts' 16-bit layout: initial_max_data 1 MiB */
    {"quic_transport_parameters draft", 0xffa5, true, BODY(0, 8, 0, 4, 0, 4, 0x80, 0x10, 0, 0), false, SIZE_MAX,
     false},
};

static enum st run(const struct ext_case *c, struct cur body, struct fx *f)
{
    struct hsctx h = fx_hsctx(f, c->from_client ? 0 : 1);
    const struct ext_parser *parser = ext_find(c->type);
    assert_non_null(parser);
    struct hello *hl = c->from_client ? &f->tf->s->ch : &f->tf->s->sh;
    hl->is_hrr = c->hrr;
    return parser->parse(&h, hl, c->from_client, body);
}

static void valid_bodies_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fx f;
        fx_open(&f);
        enum st st = run(&cases[i], cur_make(cases[i].body, cases[i].len), &f);
        if (st != ST_OK)
            fail_msg("%s: %s", cases[i].name, st_name(st));
        fx_free(&f);
    }
}

static void every_truncation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t n = 0; n < cases[i].len; n++) {
            struct fx f;
            fx_open(&f);
            enum st st = run(&cases[i], cur_make(cases[i].body, n), &f);
            if (cases[i].strict && st == ST_OK)
                fail_msg("%s cut to %zu bytes parsed", cases[i].name, n);
            fx_free(&f);
        }
    }
}

static void inner_length_larger_than_body(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t at = cases[i].inner_len_at;
        if (at == SIZE_MAX)
            continue;
        uint8_t forged[64];
        memcpy(forged, cases[i].body, cases[i].len);
        uint16_t len = (uint16_t)(forged[at] << 8 | forged[at + 1]);
        len++;
        forged[at] = (uint8_t)(len >> 8);
        forged[at + 1] = (uint8_t)len;
        struct fx f;
        fx_open(&f);
        if (run(&cases[i], cur_make(forged, cases[i].len), &f) == ST_OK)
            fail_msg("%s with an inner length one too large parsed", cases[i].name);
        fx_free(&f);
    }
}

static const struct ext_case *find(const char *name)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static void recorded_facts(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    static const char *const names[] = {
        "server_name", "alpn", "supported_versions", "key_share", "pre_shared_key",
        "padding", "record_size_limit", "ech outer", "compress_certificate",
        "psk_key_exchange_modes", "ec_point_formats", "session_ticket",
        "status_request", "renegotiation_info", "extended_master_secret", "delegated_credential",
        "quic_transport_parameters",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct ext_case *c = find(names[i]);
        assert_int_equal(run(c, cur_make(c->body, c->len), &f), ST_OK);
    }
    const struct hello *ch = &f.tf->s->ch;
    assert_memory_equal(ch->sni.v[0].p, "a.example", 9);
    assert_int_equal(ch->alpn.n, 2);
    assert_memory_equal(ch->alpn.v[1].p, "http/1.1", 8);
    assert_int_equal(ch->versions.v[0], 0x0304);
    assert_int_equal(ch->key_share_groups.v[0], 0x001d);
    assert_int_equal(ch->n_psk_identities, 1);
    assert_int_equal(ch->padding_len, 4);
    assert_int_equal(ch->record_size_limit, 0x4000);
    assert_int_equal(ch->ech, ECH_OUTER);
    assert_int_equal(ch->ech_payload_len, 3);
    assert_int_equal(ch->cert_compression.v[0], 2);
    assert_int_equal(ch->dc_sig_algs.n, 2);
    assert_int_equal(ch->dc_sig_algs.v[1], 0x0804);
    assert_int_equal(ch->psk_modes.len, 1);
    assert_int_equal(ch->point_formats.len, 3);
    assert_true(ch->has_session_ticket);
    assert_int_equal(ch->session_ticket_len, 3);
    assert_true(ch->status_request && ch->status_request_type == 1);
    assert_true(ch->reneg_info && ch->ems);
    assert_true(ch->has_quic_params);
    assert_int_equal(ch->quic_params.n, 3);
    assert_true(ch->quic_params.v[0].integer);
    assert_int_equal(ch->quic_params.v[0].value, 30000);
    assert_int_equal(ch->quic_params.v[1].id, 0x0f);
    assert_int_equal(ch->quic_params.v[1].raw.len, 2);
    assert_int_equal(ch->quic_params.v[2].raw.len, 0);

    const struct ext_case *sel = find("pre_shared_key selected");
    assert_int_equal(run(sel, cur_make(sel->body, sel->len), &f), ST_OK);
    assert_int_equal(f.tf->s->sh.psk_selected, 0);
    fx_free(&f);
}

/* QUIC transport parameters: an integer with bytes after its varint is
 * malformed in RFC 9000's extension; the drafts' code point also reads the
 * older 16-bit layout, and keeps a body in neither as seen, not broken. */
static void quic_transport_parameters(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    static const uint8_t bad[] = {0x01, 0x02, 0x05, 0x00};
    const struct ext_case *rfc = find("quic_transport_parameters");
    struct ext_case c = *rfc;
    assert_int_equal(run(&c, cur_make(bad, sizeof(bad)), &f), ST_BAD);
    const struct ext_case *draft = find("quic_transport_parameters draft");
    assert_int_equal(run(draft, cur_make(draft->body, draft->len), &f), ST_OK);
    const struct hello *ch = &f.tf->s->ch;
    assert_int_equal(ch->quic_params.n, 1);
    assert_int_equal(ch->quic_params.v[0].id, 4);
    assert_int_equal(ch->quic_params.v[0].value, 1048576);
    static const uint8_t neither[] = {0xff, 0xff, 0xff};
    assert_int_equal(run(draft, cur_make(neither, sizeof(neither)), &f), ST_OK);
    assert_false(ch->has_quic_params);
    fx_free(&f);
}

/* The outer hello of real ECH and of GREASE ECH look alike: only the
 * server's answer says which one the SNI shown is. */
static void ech_outcome_comes_from_the_server(void **state)
{
    (void)state;
    static const struct {
        bool hrr_ech, ee_ech, tls12;
        enum ech_outcome want;
    } answers[] = {
        {false, false, false, EO_UNKNOWN},
        {true, false, false, EO_ACCEPTED},  /* the HelloRetryRequest's confirmation */
        {false, true, false, EO_NOT_USED},  /* retry configurations */
        {false, false, true, EO_NOT_USED},  /* no ECH below TLS 1.3 */
    };
    const struct ext_case *c = find("ech outer");
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        struct fx f;
        fx_open(&f);
        assert_int_equal(run(c, cur_make(c->body, c->len), &f), ST_OK);
        struct session *s = f.tf->s;
        s->sh.present = true;
        s->has_version = true;
        s->version = answers[i].tls12 ? 0x0303 : 0x0304;
        if (answers[i].hrr_ech)
            s->hrr.present = true, s->hrr.ech = ECH_UNKNOWN;
        if (answers[i].ee_ech)
            s->ee.present = true, s->ee.ech = ECH_UNKNOWN;
        fx_close(&f);
        assert_non_null(f.got);
        assert_int_equal(f.got->ech, answers[i].want);
        fx_free(&f);
    }

    /* no ECH offered, nothing to say */
    struct fx f;
    fx_open(&f);
    const struct ext_case *sni = find("server_name");
    assert_int_equal(run(sni, cur_make(sni->body, sni->len), &f), ST_OK);
    fx_close(&f);
    assert_int_equal(f.got->ech, EO_NONE);
    fx_free(&f);
}

static void server_alpn_must_name_one_protocol(void **state)
{
    (void)state;
    const struct ext_case *c = find("alpn");
    struct ext_case two = *c;
    two.from_client = false;
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(&two, cur_make(c->body, c->len), &f), ST_BAD);
    fx_free(&f);
}

static void out_of_range_values(void **state)
{
    (void)state;
    struct ext_case mfl = *find("max_fragment_length");
    mfl.body = (const uint8_t[]){5};
    struct ext_case rsl = *find("record_size_limit");
    rsl.body = (const uint8_t[]){0, 63};
    struct ext_case ems = *find("extended_master_secret");
    ems.body = (const uint8_t[]){0};
    ems.len = 1;
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(&mfl, cur_make(mfl.body, mfl.len), &f), ST_BAD);
    assert_int_equal(run(&rsl, cur_make(rsl.body, rsl.len), &f), ST_BAD);
    assert_int_equal(run(&ems, cur_make(ems.body, ems.len), &f), ST_BAD);
    fx_free(&f);
}

/* The parser tables: each type once, under the IANA registry's name. */
static void parser_tables(void **state)
{
    (void)state;
    size_t n_tables, seen = 0;
    const struct ext_table *const *tables = ext_tables(&n_tables);
    for (size_t t = 0; t < n_tables; t++)
        for (size_t i = 0; i < tables[t]->n; i++) {
            const struct ext_parser *p = &tables[t]->v[i];
            const char *name = registry_ext_name(p->type);
            if (!name || strcmp(name, p->name))
                fail_msg("extension %u: the table says %s, the registry %s", p->type, p->name, name ? name : "nothing");
            if (ext_find(p->type) != p)
                fail_msg("extension %u has two parsers", p->type);
            seen++;
        }
    assert_true(seen >= 28);
    /* ext_find's index: every type, parsed or not, found as a search of
     * the tables finds it, with the index far from full */
    assert_true(seen <= 128);
    for (uint32_t type = 0; type <= 0xffff; type++) {
        const struct ext_parser *want = NULL;
        for (size_t t = 0; t < n_tables && !want; t++)
            for (size_t i = 0; i < tables[t]->n && !want; i++)
                if (tables[t]->v[i].type == type)
                    want = &tables[t]->v[i];
        if (ext_find((uint16_t)type) != want)
            fail_msg("extension %u: ext_find does not find what the tables hold", type);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_bodies_parse),
        cmocka_unit_test(every_truncation),
        cmocka_unit_test(inner_length_larger_than_body),
        cmocka_unit_test(recorded_facts),
        cmocka_unit_test(server_alpn_must_name_one_protocol),
        cmocka_unit_test(ech_outcome_comes_from_the_server),
        cmocka_unit_test(out_of_range_values),
        cmocka_unit_test(parser_tables),
        cmocka_unit_test(quic_transport_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
