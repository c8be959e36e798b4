/* timefmt.h — RFC 3339 UTC instants and calendar dates: strict checks and "now". */
#ifndef QT_TIMEFMT_H
#define QT_TIMEFMT_H

#include <stdbool.h>

/* "YYYY-MM-DD", a real calendar date from 1900 on. */
bool qt_date_valid(const char *s);
/* "YYYY-MM-DDThh:mm:ss[.f{1,9}]Z": a real date and time of day, UTC only. */
bool qt_time_valid(const char *s);
/* The current time as "YYYY-MM-DDThh:mm:ss.mmmZ" (24 characters and a NUL). */
void qt_time_now(char out[32]);

#endif
