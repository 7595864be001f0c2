/* The JSON writer: commas, nesting, and strings that stay valid JSON
 * whatever bytes a capture holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/jsonw.h"

static char *out;
static size_t out_len;

static struct jw start(FILE **f)
{
    *f = open_memstream(&out, &out_len);
    struct jw w;
    jw_init(&w, *f);
    return w;
}

static void structure(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_obj(&w);
    jw_key(&w, "a");
    jw_int(&w, -1);
    jw_key(&w, "b");
    jw_arr(&w);
    jw_uint(&w, 1);
    jw_bool(&w, true);
    jw_null(&w);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "c");
    jw_double(&w, 1.5, 3);
    jw_key(&w, "d");
    jw_hex(&w, (const uint8_t *)"\x01\xab", 2);
    jw_obj_end(&w);
    jw_end_line(&w);
    fclose(f);
    assert_string_equal(out, "{\"a\":-1,\"b\":[1,true,null,{}],\"c\":1.500,\"d\":\"01ab\"}\n");
    free(out);
}

static void strings_are_escaped(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    jw_str(&w, "quote\" back\\ nl\n tab\t");
    jw_strn(&w, (const uint8_t *)"\x01\x7f", 2);
    jw_strn(&w, (const uint8_t *)"caf\xc3\xa9", 5);     /* valid UTF-8 kept */
    jw_strn(&w, (const uint8_t *)"\xff\xc3", 2);         /* invalid bytes escaped */
    jw_strn(&w, (const uint8_t *)"\xc0\xaf", 2);         /* overlong */
    jw_str(&w, NULL);
    jw_arr_end(&w);
    fclose(f);
    assert_string_equal(out, "[\"quote\\\" back\\\\ nl\\n tab\\t\",\"\\u0001\\u007f\","
                             "\"caf\xc3\xa9\",\"\\u00ff\\u00c3\",\"\\u00c0\\u00af\",null]");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(structure),
        cmocka_unit_test(strings_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
