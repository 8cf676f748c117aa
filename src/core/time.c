/*
 * time.c - RFC 3339 parsing and formatting, civil-date arithmetic.
 *
 * The date arithmetic is the classic days-from-civil computation over 400-year
 * eras of the proleptic Gregorian calendar (146,097 days each), which needs no
 * tables and no time-zone database: Tianyan never converts to a named zone, it
 * keeps the offset each platform sent.
 */
#include "tianyan/timeutil.h"

#include <stdio.h>
#include <time.h>

int64_t ty_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ty_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at s into *v. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

static int set_why(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return TY_EVALIDATE;
}

ty_err ty_date_parse(const char *s, size_t n, int32_t *days, const char **why)
{
    int y, mo, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d))
        return set_why(why, "expected a date YYYY-MM-DD");
    if (mo < 1 || mo > 12)
        return set_why(why, "month out of range 01-12");
    if (d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return set_why(why, "day out of range for its month");
    *days = (int32_t)ty_days_from_civil(y, (unsigned)mo, (unsigned)d);
    return TY_OK;
}

void ty_date_format(int32_t days, char out[11])
{
    int64_t y;
    unsigned m, d;
    ty_civil_from_days(days, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", (int)y, m, d);
}

ty_err ty_offset_parse(const char *s, int *offset_min)
{
    int hh, mm;
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *offset_min = 0;
        return TY_OK;
    }
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &hh) || s[3] != ':' ||
        !digits(s + 4, 2, &mm) || s[6] != '\0' || hh > 23 || mm > 59)
        return TY_EVALIDATE;
    *offset_min = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return TY_OK;
}

ty_err ty_time_parse(const char *s, size_t n, int64_t *ms_utc, int *offset_min, const char **why)
{
    int y, mo, d, hh, mi, ss;
    const char *shape =
        "expected an RFC 3339 date-time with offset, like 2026-03-01T20:15:00+08:00";
    if (n < 20)
        return set_why(why, shape);
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &ss))
        return set_why(why, shape);
    if (mo < 1 || mo > 12)
        return set_why(why, "month out of range 01-12");
    if (d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return set_why(why, "day out of range for its month");
    if (hh > 23 || mi > 59 || ss > 60)
        return set_why(why, "time of day out of range");
    size_t i = 19;
    int ms = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        int scale = 100;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start || i - start > 9)
            return set_why(why, "fraction of a second must have 1 to 9 digits");
    }
    if (ss == 60) { /* leap second: keep ordering, stay inside the minute */
        ss = 59;
        ms = 999;
    }
    int off;
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        off = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-')) {
        char tmp[7];
        for (int k = 0; k < 6; k++)
            tmp[k] = s[i + (size_t)k];
        tmp[6] = '\0';
        if (ty_offset_parse(tmp, &off) != TY_OK)
            return set_why(why, "offset must be Z or +HH:MM / -HH:MM within 23:59");
    } else {
        return set_why(why, "missing or malformed offset (Z or +HH:MM)");
    }
    int64_t days = ty_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + hh * 3600 + mi * 60 + ss - (int64_t)off * 60;
    *ms_utc = secs * 1000 + ms;
    *offset_min = off;
    return TY_OK;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t ty_local_day(int64_t ms_utc, int offset_min)
{
    return floordiv(ms_utc + (int64_t)offset_min * 60000, 86400000);
}

/* Writes v as exactly n decimal digits (v < 10^n). */
static char *put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

size_t ty_time_format(int64_t ms_utc, int offset_min, int utc_z, char out[TY_TIME_TEXT_MAX])
{
    int64_t local = ms_utc + (int64_t)offset_min * 60000;
    int64_t days = floordiv(local, 86400000);
    int64_t rem = local - days * 86400000;
    int64_t y;
    unsigned m, d;
    ty_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* outside RFC 3339's four-digit years */
        int n = snprintf(out, TY_TIME_TEXT_MAX, "%lld", (long long)ms_utc);
        return n < 0 ? 0 : (size_t)n;
    }
    /* Formatting by hand: this runs for every stored event, snprintf was a
     * visible share of ingest time. */
    char *p = out;
    p = put_digits(p, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(rem / 3600000), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(rem / 60000 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(rem / 1000 % 60), 2);
    if (rem % 1000) {
        *p++ = '.';
        p = put_digits(p, (unsigned)(rem % 1000), 3);
    }
    if (offset_min == 0 && utc_z) {
        *p++ = 'Z';
    } else {
        unsigned a = (unsigned)(offset_min < 0 ? -offset_min : offset_min);
        *p++ = offset_min < 0 ? '-' : '+';
        p = put_digits(p, a / 60 % 100, 2);
        *p++ = ':';
        p = put_digits(p, a % 60, 2);
    }
    *p = '\0';
    return (size_t)(p - out);
}

int64_t ty_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
