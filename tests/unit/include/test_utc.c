/* utc_text: each style, leap days, times before 1970 (the fraction counted
 * forward from the second before), years gmtime cannot write, and buffers
 * too small, which give "?" rather than a cut time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "include/utc.h"

static void styles(void **state)
{
    (void)state;
    char b[40];
    int64_t leap = 1709214307; /* 2024-02-29 13:45:07 */
    assert_string_equal(utc_text(leap, UTC_DAY, b, sizeof(b)), "2024-02-29");
    assert_string_equal(utc_text(leap, UTC_SECONDS, b, sizeof(b)), "2024-02-29 13:45:07");
    assert_string_equal(utc_text(leap, UTC_ISO, b, sizeof(b)), "2024-02-29T13:45:07");
    assert_string_equal(utc_text(leap, UTC_FILENAME, b, sizeof(b)), "2024-02-29-13-45-07");
    assert_string_equal(utc_text(leap, UTC_CLOCK, b, sizeof(b)), "13:45:07");
    assert_string_equal(utc_text(0, UTC_SECONDS, b, sizeof(b)), "1970-01-01 00:00:00");
    /* a certificate's "never expires" (RFC 5280 4.1.2.5) */
    assert_string_equal(utc_text(253402300799, UTC_ISO, b, sizeof(b)), "9999-12-31T23:59:59");
}

static void fractions(void **state)
{
    (void)state;
    char b[48];
    int64_t ns = 1709214307123456789;
    assert_string_equal(utc_text_ns(ns, UTC_SECONDS, 6, b, sizeof(b)), "2024-02-29 13:45:07.123456");
    assert_string_equal(utc_text_ns(ns, UTC_ISO, 3, b, sizeof(b)), "2024-02-29T13:45:07.123");
    assert_string_equal(utc_text_ns(ns, UTC_CLOCK, 9, b, sizeof(b)), "13:45:07.123456789");
    assert_string_equal(utc_text_ns(ns, UTC_DAY, 0, b, sizeof(b)), "2024-02-29");
    /* cut, not rounded: .9999999 stays in its second */
    assert_string_equal(utc_text_ns(999999999, UTC_CLOCK, 3, b, sizeof(b)), "00:00:00.999");
    assert_string_equal(utc_text_ns(5, UTC_CLOCK, 9, b, sizeof(b)), "00:00:00.000000005");
}

static void before_1970(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(utc_text_ns(-1, UTC_SECONDS, 9, b, sizeof(b)), "1969-12-31 23:59:59.999999999");
    assert_string_equal(utc_text_ns(-1500000000, UTC_CLOCK, 3, b, sizeof(b)), "23:59:58.500");
    assert_string_equal(utc_text(-86400, UTC_DAY, b, sizeof(b)), "1969-12-31");
}

static void cannot_write(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(utc_text(INT64_MAX, UTC_DAY, b, sizeof(b)), "?");
    assert_string_equal(utc_text(INT64_MIN, UTC_DAY, b, sizeof(b)), "?");
    char small[10];
    assert_string_equal(utc_text(0, UTC_SECONDS, small, sizeof(small)), "?");
    char fits_day[11];
    assert_string_equal(utc_text(0, UTC_DAY, fits_day, sizeof(fits_day)), "1970-01-01");
    /* room for the time but not its fraction: not half a fraction */
    char no_fraction[20];
    assert_string_equal(utc_text_ns(0, UTC_SECONDS, 6, no_fraction, sizeof(no_fraction)), "?");
    assert_string_equal(utc_text(0, (enum utc_style)99, b, sizeof(b)), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(styles),
        cmocka_unit_test(fractions),
        cmocka_unit_test(before_1970),
        cmocka_unit_test(cannot_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
