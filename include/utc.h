#pragma once

/* Times as people read them, always in UTC: one place that knows
 * gmtime_r's failures, times before 1970 and the fraction's digits. */

#include <stddef.h>
#include <stdint.h>

enum utc_style {
    UTC_DAY,      /* 2024-02-29 */
    UTC_SECONDS,  /* 2024-02-29 13:45:07 */
    UTC_ISO,      /* 2024-02-29T13:45:07 */
    UTC_FILENAME, /* 2024-02-29-13-45-07 */
    UTC_CLOCK,    /* 13:45:07 */
};

/* utc_text - sec seconds after 1970 (before it when negative) in style;
 * "?" when the time cannot be written (beyond gmtime's years, or buf too
 * small). Returns buf. */
const char *utc_text(int64_t sec, enum utc_style style, char *buf, size_t len);
/* utc_text_ns - the same for a time in nanoseconds, followed by `digits`
 * digits of the fraction of a second (0 to 9; cut, not rounded, so a
 * time never shows in the next second). */
const char *utc_text_ns(int64_t ns, enum utc_style style, int digits, char *buf, size_t len);
