/* test_timefmt.c — the strict RFC 3339 / date checks, and dates and times as spreadsheets
 * write them turned into RFC 3339 UTC: every accepted form, the local offset, day, month,
 * year and leap-day carries, and what is refused; and "now", which keeps the text of the
 * current second between calls, must still follow the clock across seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/timefmt.h"

#define CST 480 /* China Standard Time, minutes east of UTC */

typedef struct case_ {
	const char *in;
	int offset;
	const char *want;
} case_;

static void check_all(const case_ *c, size_t n)
{
	char out[40];
	for (size_t i = 0; i < n; i++) {
		if (!qt_time_from_text(c[i].in, strlen(c[i].in), c[i].offset, out))
			fail_msg("refused '%s'", c[i].in);
		if (strcmp(out, c[i].want) != 0)
			fail_msg("'%s' at %+d min: %s, not %s", c[i].in, c[i].offset, out,
			         c[i].want);
	}
}

static void test_checks(void **state)
{
	(void)state;
	assert_true(qt_date_valid("2024-02-29"));
	assert_false(qt_date_valid("2023-02-29"));
	assert_false(qt_date_valid("1899-12-31"));
	assert_true(qt_time_valid("2026-11-21T08:00:00Z"));
	assert_true(qt_time_valid("2026-11-21T08:00:00.123456789Z"));
	assert_false(qt_time_valid("2026-11-21T08:00:00+08:00"));
	assert_false(qt_time_valid("2026-11-21T24:00:00Z"));
	/* seconds since the epoch, checked against known instants */
	assert_int_equal(qt_time_epoch("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(qt_time_epoch("2000-03-01T00:00:01.5Z"), 951868801);
	assert_int_equal(qt_time_epoch("2026-11-21T08:00:00Z"), 1795248000);
	/* other layouts read as sscanf reads them; text that is no time is 0 */
	assert_int_equal(qt_time_epoch("2026-11-21T8:0:0Z"), 1795248000);
	assert_int_equal(qt_time_epoch("2026-11-21T08:00"), 0);
	assert_int_equal(qt_time_epoch("yesterday"), 0);
	assert_int_equal(qt_time_epoch(""), 0);
}

static void test_accepted(void **state)
{
	static const case_ c[] = {
	        /* no offset: local time; a date alone: the start of that local day */
	        {"2026-11-21", CST, "2026-11-20T16:00:00Z"},
	        {"2026/11/21", CST, "2026-11-20T16:00:00Z"},
	        {"2026.11.21", CST, "2026-11-20T16:00:00Z"},
	        {"2026/1/5", CST, "2026-01-04T16:00:00Z"}, /* Excel's own */
	        {"2026年11月21日", CST, "2026-11-20T16:00:00Z"},
	        {"2026年1月5日 8:30", CST, "2026-01-05T00:30:00Z"},
	        {"2026-11-21 14:05", CST, "2026-11-21T06:05:00Z"},
	        {"2026/11/21 14:05:30", CST, "2026-11-21T06:05:30Z"},
	        {"2026-11-21  9:05", CST, "2026-11-21T01:05:00Z"},
	        {"2026-11-21T14:05", CST, "2026-11-21T06:05:00Z"},
	        {"2026-11-21 14:05:30.25", CST, "2026-11-21T06:05:30.25Z"},
	        {"2026-11-21", 0, "2026-11-21T00:00:00Z"},
	        /* RFC 3339 with an offset keeps its own; Z is UTC */
	        {"2026-11-21T14:05:00Z", CST, "2026-11-21T14:05:00Z"},
	        {"2026-11-21T14:05:00.123z", CST, "2026-11-21T14:05:00.123Z"},
	        {"2026-11-21T14:05:00+08:00", 0, "2026-11-21T06:05:00Z"},
	        {"2026-11-21T01:00:00+05:30", CST, "2026-11-20T19:30:00Z"},
	        {"2026-11-21T20:00:00-05:00", CST, "2026-11-22T01:00:00Z"},
	        {"2026-11-21 14:05+08:00", 0, "2026-11-21T06:05:00Z"},
	        /* day, month, year and leap-day carries in both directions */
	        {"2026-01-01", CST, "2025-12-31T16:00:00Z"},
	        {"2024-03-01 07:59", CST, "2024-02-29T23:59:00Z"},
	        {"2023-03-01 07:59", CST, "2023-02-28T23:59:00Z"},
	        {"2000-03-01 00:00", CST, "2000-02-29T16:00:00Z"},
	        {"2100-03-01 00:00", CST, "2100-02-28T16:00:00Z"},
	        {"2026-12-31T23:30:00-01:00", CST, "2027-01-01T00:30:00Z"},
	        {"1970-01-01", 0, "1970-01-01T00:00:00Z"},
	        {"1969-12-31 23:59:59", 0, "1969-12-31T23:59:59Z"},
	        {"9999-12-31 23:59:59", CST, "9999-12-31T15:59:59Z"},
	};
	(void)state;
	check_all(c, sizeof c / sizeof c[0]);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	        "",
	        "2026",
	        "2026-11",
	        "26-11-21",
	        "11/21/2026", /* month first: ambiguous, not guessed */
	        "2026-13-01",
	        "2026-02-30",
	        "2023-02-29",
	        "2026-11-00",
	        "2026-11/21", /* mixed separators */
	        "2026-111-21",
	        "2026-11-21 24:00",
	        "2026-11-21 14:60",
	        "2026-11-21 14:05:60",
	        "2026-11-21 14",
	        "2026-11-21 14:5",
	        "2026-11-21 14:05:3",
	        "2026-11-21 14:05.5", /* a fraction needs seconds */
	        "2026-11-21 14:05:30.",
	        "2026-11-21 14:05:30.1234567890",
	        "2026-11-21T14:05:00+0800",
	        "2026-11-21T14:05:00+24:00",
	        "2026-11-21T14:05:00 +08:00",
	        "2026-11-21x",
	        "2026-11-21 ",
	        "2026-11-21Z",
	        "1900-01-01", /* 1899 in UTC */
	        "1899-12-31 23:00",
	        "2026年11月21",
	        "2026年11-21",
	        "二〇二六年十一月",
	};
	char out[40];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (qt_time_from_text(bad[i], strlen(bad[i]), CST, out))
			fail_msg("accepted '%s' as %s", bad[i], out);
	/* only the n bytes given are read */
	assert_true(qt_time_from_text("2026-11-21junk", 10, CST, out));
	assert_string_equal(out, "2026-11-20T16:00:00Z");
}

/* A date's numbers read from the start of a text, and written back; a month's days. */
static void test_date_parts(void **state)
{
	static const char *const bad[] = {"",           "2026",        "2026-1-21",
	                                  "2026/11/21", "20261121",    "2026-11-2",
	                                  "2026-11-2x", " 2026-11-21", "２026-11-21"};
	char out[11];
	int y, m, d;
	(void)state;

	assert_true(qt_date_split("2026-11-21", &y, &m, &d));
	assert_true(y == 2026 && m == 11 && d == 21);
	assert_true(qt_date_split("1999-02-30T08:00:00Z", &y, &m, &d)); /* values not checked */
	assert_true(y == 1999 && m == 2 && d == 30);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (qt_date_split(bad[i], &y, &m, &d))
			fail_msg("split '%s'", bad[i]);
	qt_date_format(2026, 2, 3, out);
	assert_string_equal(out, "2026-02-03");
	qt_date_format(1900, 12, 31, out);
	assert_string_equal(out, "1900-12-31");
	qt_date_format(5, 1, 1, out);
	assert_string_equal(out, "0005-01-01");
	/* leap years: every fourth, not every hundredth, every four hundredth */
	assert_int_equal(qt_month_days(2024, 2), 29);
	assert_int_equal(qt_month_days(2026, 2), 28);
	assert_int_equal(qt_month_days(1900, 2), 28);
	assert_int_equal(qt_month_days(2000, 2), 29);
	assert_int_equal(qt_month_days(2026, 4), 30);
	assert_int_equal(qt_month_days(2026, 12), 31);
}

/* The text of time t (whole seconds), as qt_time_now writes it but for the milliseconds. */
static void second_text(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* The second of CLOCK_REALTIME, the clock qt_time_now reads. time() will not do: glibc
 * answers it from the coarse clock, which lags by up to a tick, so around a second's turn
 * time() read after qt_time_now can still give the second before (as CI once saw). */
static time_t clock_second(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec;
}

/* qt_time_now against the system clock read around it: its seconds are one of the seconds
 * read, its form is RFC 3339 with milliseconds. */
static void check_now(void)
{
	char now[32], before[32], after[32];
	time_t t0 = clock_second(), t1;

	qt_time_now(now);
	t1 = clock_second();
	second_text(t0, before);
	second_text(t1, after);
	assert_int_equal(strlen(now), 24);
	assert_true(qt_time_valid(now));
	assert_true(now[19] == '.' && now[23] == 'Z');
	assert_true(!strncmp(now, before, 19) || !strncmp(now, after, 19));
}

static void test_now(void **state)
{
	struct timespec tenth = {0, 100000000};
	char a[32], b[32];
	(void)state;

	/* over a second and a half, so that the kept second must be replaced at least once */
	for (int i = 0; i < 16; i++) {
		check_now();
		nanosleep(&tenth, NULL);
	}
	/* within one second the milliseconds move and never go back */
	qt_time_now(a);
	nanosleep(&(struct timespec){0, 20000000}, NULL);
	qt_time_now(b);
	assert_true(strcmp(b, a) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_checks),     cmocka_unit_test(test_accepted),
	        cmocka_unit_test(test_refused),    cmocka_unit_test(test_now),
	        cmocka_unit_test(test_date_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
