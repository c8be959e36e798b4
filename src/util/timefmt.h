/* timefmt.h — RFC 3339 UTC instants and calendar dates: strict checks and "now". */
#ifndef QT_TIMEFMT_H
#define QT_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

/* "YYYY-MM-DD", a real calendar date from 1900 on. */
bool qt_date_valid(const char *s);
/* The numbers of a "YYYY-MM-DD" at the start of s (digits and dashes only; the values are not
 * checked), or false. */
bool qt_date_split(const char *s, int *y, int *m, int *d);
/* The days of month m (1..12) of year y in the Gregorian calendar. */
int qt_month_days(int y, int m);
/* y-m-d (year 0..9999) as "YYYY-MM-DD". */
void qt_date_format(int y, int m, int d, char out[11]);
/* "YYYY-MM-DDThh:mm:ss[.f{1,9}]Z": a real date and time of day, UTC only. */
bool qt_time_valid(const char *s);
/* A date or time as people and spreadsheets write it, as an RFC 3339 UTC instant in out
 * ("2026-11-20T16:00:00Z"). s[0..n) is a date "2026-11-21", "2026/11/21", "2026.11.21" or
 * "2026年11月21日" (month and day of one or two digits), optionally followed by spaces or
 * "T" and a time "14:05" or "14:05:30[.f{1,9}]", optionally followed by "Z" or an offset
 * "+08:00" (so RFC 3339 itself is accepted). A time without an offset is local time
 * offset_min minutes east of UTC (China Standard Time: 480); a date alone is the start of
 * that local day. false: not such a text, not a real date or time, or before 1900. */
bool qt_time_from_text(const char *s, size_t n, int offset_min, char out[40]);
/* Whole seconds since 1970-01-01T00:00:00Z of a time qt_time_valid accepts. */
long long qt_time_epoch(const char *s);
/* The current time as "YYYY-MM-DDThh:mm:ss.mmmZ" (24 characters and a NUL). */
void qt_time_now(char out[32]);
/* Seconds on the monotonic clock: for durations and rate limits, never for records. */
double qt_time_mono(void);

#endif
