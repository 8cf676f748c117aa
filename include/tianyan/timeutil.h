/*
 * timeutil.h - RFC 3339 timestamps and calendar dates.
 *
 * Event times cross the wire as RFC 3339 date-times with an explicit offset
 * (RFC 3339 section 5.6, "date-time"); Tianyan keeps them as milliseconds since
 * the Unix epoch in UTC plus the sender's offset in minutes, so a time can be
 * shown again exactly as the platform wrote it. Dates ("full-date") are days
 * since 1970-01-01. All functions are pure and thread-safe.
 */
#ifndef TIANYAN_TIMEUTIL_H
#define TIANYAN_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"

/* Longest text ty_time_format() writes, including the NUL. */
#define TY_TIME_TEXT_MAX 40

/*
 * Parses an RFC 3339 date-time ("2026-03-01T20:15:00+08:00", fraction optional,
 * "Z" for UTC). Fractions beyond milliseconds are truncated; a leap second (:60)
 * is read as :59.999. On failure returns TY_EVALIDATE and, when why is not NULL,
 * points it at a static phrase saying what was wrong.
 */
ty_err ty_time_parse(const char *s, size_t n, int64_t *ms_utc, int *offset_min, const char **why);

/* Writes ms_utc shown in offset_min ("2026-03-01T20:15:00.250+08:00"; "Z" when the offset is 0
 * and utc_z is set). The fraction is omitted when it is zero. Returns the length written. */
size_t ty_time_format(int64_t ms_utc, int offset_min, int utc_z, char out[TY_TIME_TEXT_MAX]);

/* Parses "YYYY-MM-DD" into days since 1970-01-01. On failure returns TY_EVALIDATE and,
 * when why is not NULL, points it at a static phrase saying what was wrong. */
ty_err ty_date_parse(const char *s, size_t n, int32_t *days, const char **why);

/* Writes days since 1970-01-01 as "YYYY-MM-DD" (out must hold 11 bytes). */
void ty_date_format(int32_t days, char out[11]);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t ty_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Inverse of ty_days_from_civil(). */
void ty_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses an offset "+08:00", "-05:30" or "Z" into minutes east of UTC. */
ty_err ty_offset_parse(const char *s, int *offset_min);

/* Floor division of a UTC millisecond time into a local day number (days since
 * 1970-01-01 in the zone offset_min minutes east of UTC). */
int64_t ty_local_day(int64_t ms_utc, int offset_min);

/* Wall-clock time now, ms since the epoch. */
int64_t ty_now_ms(void);

#endif
