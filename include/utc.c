#include "include/utc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Literal formats, so the compiler checks each. */
static size_t format(char *buf, size_t len, enum utc_style style, const struct tm *tm)
{
    switch (style) {
    case UTC_DAY:
        return strftime(buf, len, "%Y-%m-%d", tm);
    case UTC_SECONDS:
        return strftime(buf, len, "%Y-%m-%d %H:%M:%S", tm);
    case UTC_ISO:
        return strftime(buf, len, "%Y-%m-%dT%H:%M:%S", tm);
    case UTC_FILENAME:
        return strftime(buf, len, "%Y-%m-%d-%H-%M-%S", tm);
    case UTC_CLOCK:
        return strftime(buf, len, "%H:%M:%S", tm);
    }
    return 0;
}

static const char *unknown(char *buf, size_t len)
{
    if (len)
        snprintf(buf, len, "?");
    return buf;
}

const char *utc_text(int64_t sec, enum utc_style style, char *buf, size_t len)
{
    time_t t = (time_t)sec;
    struct tm tm;
    if ((int64_t)t != sec || !gmtime_r(&t, &tm) || !format(buf, len, style, &tm))
        return unknown(buf, len);
    return buf;
}

const char *utc_text_ns(int64_t ns, enum utc_style style, int digits, char *buf, size_t len)
{
    /* floor division: -1 ns is 23:59:59.999999999 of 1969-12-31 */
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        sec--;
        frac += 1000000000;
    }
    if (utc_text(sec, style, buf, len)[0] == '?' || digits <= 0)
        return buf;
    if (digits > 9)
        digits = 9;
    for (int i = digits; i < 9; i++)
        frac /= 10;
    size_t n = strlen(buf);
    int w = snprintf(buf + n, len - n, ".%0*lld", digits, (long long)frac);
    if (w < 0 || (size_t)w >= len - n)
        return unknown(buf, len);
    return buf;
}
