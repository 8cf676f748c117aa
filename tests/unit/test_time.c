/* test_time.c - RFC 3339 date-times, dates, offsets and civil-day arithmetic. */
#include "check.h"
#include "tianyan/timeutil.h"

static void parse_ok(const char *s, int64_t ms, int off)
{
    int64_t got;
    int goff;
    const char *why = NULL;
    ty_err e = ty_time_parse(s, strlen(s), &got, &goff, &why);
    CHECK_INT(e, TY_OK);
    if (e != TY_OK)
        fprintf(stderr, "  %s: %s\n", s, why);
    CHECK_INT(got, ms);
    CHECK_INT(goff, off);
}

static void parse_bad(const char *s, const char *why_part)
{
    int64_t got;
    int goff;
    const char *why = NULL;
    CHECK_INT(ty_time_parse(s, strlen(s), &got, &goff, &why), TY_EVALIDATE);
    CHECK_CONTAINS(why, why_part);
}

int main(void)
{
    /* 2026-03-01T12:15:00Z = 1772367300 s */
    parse_ok("2026-03-01T20:15:00+08:00", 1772367300000LL, 480);
    parse_ok("2026-03-01T12:15:00Z", 1772367300000LL, 0);
    parse_ok("2026-03-01t12:15:00z", 1772367300000LL, 0);
    parse_ok("2026-03-01T07:15:00-05:00", 1772367300000LL, -300);
    parse_ok("2026-03-01T12:15:00.5Z", 1772367300500LL, 0);
    parse_ok("2026-03-01T12:15:00.123456789Z", 1772367300123LL, 0);
    parse_ok("2016-12-31T23:59:60Z", 1483228799999LL, 0); /* leap second read as :59.999 */
    parse_ok("2024-02-29T00:00:00+00:00", 1709164800000LL, 0);
    parse_ok("2000-01-01T05:30:00+05:30", 946684800000LL, 330);

    parse_bad("2026-03-01 12:15:00Z", "RFC 3339");
    parse_bad("2026-03-01T12:15:00", "offset");
    parse_bad("2026-03-01T12:15:00+0800", "offset");
    parse_bad("2026-03-01T12:15:00+24:00", "offset");
    parse_bad("2025-02-29T00:00:00Z", "day out of range");
    parse_bad("2026-13-01T00:00:00Z", "month");
    parse_bad("2026-03-01T25:00:00Z", "time of day");
    parse_bad("2026-03-01T12:15:00.Z", "fraction");
    parse_bad("2026-03-01", "RFC 3339");
    parse_bad("", "RFC 3339");

    char out[TY_TIME_TEXT_MAX];
    ty_time_format(1772367300000LL, 480, 1, out);
    CHECK_STR(out, "2026-03-01T20:15:00+08:00");
    ty_time_format(1772367300500LL, 0, 1, out);
    CHECK_STR(out, "2026-03-01T12:15:00.500Z");
    ty_time_format(1772367300000LL, 0, 0, out);
    CHECK_STR(out, "2026-03-01T12:15:00+00:00");
    ty_time_format(1772367300000LL, -330, 1, out);
    CHECK_STR(out, "2026-03-01T06:45:00-05:30");

    /* round trip over many instants and offsets */
    for (int64_t t = 946684800000LL; t < 4102444800000LL; t += 86400000LL * 37 + 12345) {
        for (int off = -720; off <= 840; off += 165) {
            ty_time_format(t, off, 1, out);
            int64_t back;
            int boff;
            CHECK_INT(ty_time_parse(out, strlen(out), &back, &boff, NULL), TY_OK);
            CHECK_INT(back, t);
            CHECK_INT(boff, off);
        }
    }

    int32_t days;
    CHECK_INT(ty_date_parse("1970-01-01", 10, &days, NULL), TY_OK);
    CHECK_INT(days, 0);
    CHECK_INT(ty_date_parse("2000-03-01", 10, &days, NULL), TY_OK);
    CHECK_INT(days, 11017);
    CHECK_INT(ty_date_parse("1900-02-29", 10, &days, NULL), TY_EVALIDATE); /* not a leap year */
    CHECK_INT(ty_date_parse("2000-02-29", 10, &days, NULL), TY_OK);        /* 400-year rule */
    CHECK_INT(ty_date_parse("2026-3-1", 8, &days, NULL), TY_EVALIDATE);
    char d[11];
    ty_date_format(11017, d);
    CHECK_STR(d, "2000-03-01");
    ty_date_format(-1, d);
    CHECK_STR(d, "1969-12-31");

    int off;
    CHECK_INT(ty_offset_parse("+08:00", &off), TY_OK);
    CHECK_INT(off, 480);
    CHECK_INT(ty_offset_parse("Z", &off), TY_OK);
    CHECK_INT(off, 0);
    CHECK_INT(ty_offset_parse("8", &off), TY_EVALIDATE);

    /* local days: 2026-03-01T20:15+08:00 is 2026-03-01 in China and in UTC;
     * 2026-03-01T01:00+08:00 is still 2026-02-28 in UTC */
    CHECK_INT(ty_local_day(1772367300000LL, 480), ty_days_from_civil(2026, 3, 1));
    CHECK_INT(ty_local_day(1772298000000LL, 480), ty_days_from_civil(2026, 3, 1));
    CHECK_INT(ty_local_day(1772298000000LL, 0), ty_days_from_civil(2026, 2, 28));
    return check_done("test_time");
}
