/* timefmt.c — the two time forms records and requests carry: RFC 3339 UTC instants
 * ("2026-11-21T08:00:00.123Z") and calendar dates ("2026-11-21"), checked strictly (a real
 * date, a real time of day), and the current time in that form (and on the monotonic clock, for
 * durations). */
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool qt_date_split(const char *s, int *y, int *m, int *d)
{
	int v[3] = {0, 0, 0}, k = 0;
	bool ok = true;

	/* sscanf did this at a thirtieth of the speed, and a lookup does it twice */
	for (int i = 0; ok && i < 10; i++) {
		if (i == 4 || i == 7)
			ok = s[i] == '-';
		else if ((ok = s[i] >= '0' && s[i] <= '9'))
			v[k] = v[k] * 10 + (s[i] - '0');
		k += i == 4 || i == 7;
	}
	*y = v[0];
	*m = v[1];
	*d = v[2];
	return ok;
}

/* v's last digits (width of them) at p. */
static void put_digits(char *p, long v, int width)
{
	for (int w = width; w > 0; w--, v /= 10)
		p[w - 1] = (char)('0' + v % 10);
}

void qt_date_format(int y, int m, int d, char out[11])
{
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = '\0';
}

int qt_month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* A real calendar date from 1900 on. */
static bool date_real(int y, int m, int d)
{
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= qt_month_days(y, m);
}

bool qt_date_valid(const char *s)
{
	int y, m, d;

	return strlen(s) == 10 && qt_date_split(s, &y, &m, &d) && date_real(y, m, d);
}

/* Digits already checked: atoi's answer, without its locale-aware strtol (every record's
 * time is checked, and the three atoi calls were most of that). */
static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

bool qt_time_valid(const char *s)
{
	size_t n = strlen(s), i = 19;
	int y, m, d;

	if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    !qt_date_split(s, &y, &m, &d) || !date_real(y, m, d))
		return false;
	for (int k = 11; k < 19; k++)
		if (k != 13 && k != 16 && (s[k] < '0' || s[k] > '9'))
			return false;
	if (two_digits(s + 11) > 23 || two_digits(s + 14) > 59 || two_digits(s + 17) > 60)
		return false;
	if (s[i] == '.') {
		size_t digits = 0;
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (digits == 0 || digits > 9)
			return false;
	}
	return s[i] == 'Z' && s[i + 1] == '\0';
}

double qt_time_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Each thread keeps the text of the last second it formatted: a lookup stamps its query and
 * checks a warranty against today, and gmtime_r and snprintf were some 3,700 instructions
 * of each. Only the milliseconds change within a second. */
static _Thread_local struct {
	time_t sec;
	char text[32]; /* "YYYY-MM-DDThh:mm:ss.000Z" */
} last_second = {.sec = -1};

void qt_time_now(char out[32])
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	if (t.tv_sec != last_second.sec) {
		struct tm tm;
		char *x = last_second.text;
		gmtime_r(&t.tv_sec, &tm);
		qt_date_format(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, x);
		memcpy(x + 10, "Thh:mm:ss.000Z", sizeof "Thh:mm:ss.000Z");
		put_digits(x + 11, tm.tm_hour, 2);
		put_digits(x + 14, tm.tm_min, 2);
		put_digits(x + 17, tm.tm_sec, 2);
		last_second.sec = t.tv_sec;
	}
	memcpy(out, last_second.text, 32);
	put_digits(out + 20, t.tv_nsec / 1000000, 3);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms):
 * timegm() is not POSIX, and a fixed offset needs no time zone database. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

/* min..max decimal digits at *p into *v. */
static bool digits(const char **p, const char *end, int min, int max, int *v)
{
	int k = 0;

	*v = 0;
	for (; *p < end && k < max && **p >= '0' && **p <= '9'; (*p)++, k++)
		*v = *v * 10 + (**p - '0');
	return k >= min;
}

static bool literal(const char **p, const char *end, const char *text)
{
	size_t n = strlen(text);

	if ((size_t)(end - *p) < n || memcmp(*p, text, n) != 0)
		return false;
	*p += n;
	return true;
}

long long qt_time_epoch(const char *s)
{
	/* read in place with the parser's own helpers (sscanf was a fortieth of replaying a
	 * ledger); a field of fewer digits is read too */
	const char *p = s, *end = s + strlen(s);
	int y, mo, d, h, mi, sec;
	bool ok = digits(&p, end, 1, 4, &y) && literal(&p, end, "-") &&
	          digits(&p, end, 1, 2, &mo) && literal(&p, end, "-") &&
	          digits(&p, end, 1, 2, &d) && literal(&p, end, "T") && digits(&p, end, 1, 2, &h) &&
	          literal(&p, end, ":") && digits(&p, end, 1, 2, &mi) && literal(&p, end, ":") &&
	          digits(&p, end, 1, 2, &sec);

	return ok ? days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec
	          : 0;
}

bool qt_time_from_text(const char *s, size_t n, int offset_min, char out[40])
{
	const char *p = s, *end = s + n, *frac = "";
	int y, mo, d, h = 0, mi = 0, sec = 0, nfrac = 0, oh, om;
	bool han; /* 2026年11月21日 */
	char date[24], sep = 0;
	long long t, y2;
	unsigned m2, d2;

	if (!digits(&p, end, 4, 4, &y))
		return false;
	han = literal(&p, end, "年");
	if (!han) {
		if (p == end || (*p != '-' && *p != '/' && *p != '.'))
			return false;
		sep = *p++;
	}
	if (!digits(&p, end, 1, 2, &mo) ||
	    !(han ? literal(&p, end, "月") : p < end && *p++ == sep) || !digits(&p, end, 1, 2, &d))
		return false;
	if (han && !literal(&p, end, "日"))
		return false;
	snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo % 100, d % 100);
	if (!qt_date_valid(date))
		return false;
	if (p < end) {
		if (*p == 'T' || *p == 't')
			p++;
		else if (*p == ' ')
			while (p < end && *p == ' ')
				p++;
		else
			return false;
		if (!digits(&p, end, 1, 2, &h) || !literal(&p, end, ":") ||
		    !digits(&p, end, 2, 2, &mi))
			return false;
		if (literal(&p, end, ":")) {
			if (!digits(&p, end, 2, 2, &sec))
				return false;
			if (literal(&p, end, ".")) {
				frac = p;
				while (p < end && *p >= '0' && *p <= '9')
					p++;
				nfrac = (int)(p - frac);
				if (nfrac < 1 || nfrac > 9)
					return false;
			}
		}
		if (literal(&p, end, "Z") || literal(&p, end, "z")) {
			offset_min = 0;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int sign = *p++ == '-' ? -1 : 1;
			if (!digits(&p, end, 2, 2, &oh) || !literal(&p, end, ":") ||
			    !digits(&p, end, 2, 2, &om) || oh > 23 || om > 59)
				return false;
			offset_min = sign * (oh * 60 + om);
		}
		if (p != end || h > 23 || mi > 59 || sec > 59)
			return false;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
	    (long long)offset_min * 60;
	civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y2, &m2, &d2);
	t = ((t % 86400) + 86400) % 86400;
	snprintf(out, 40, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%s%.*sZ", y2 % 10000, m2 % 13,
	         d2 % 32, t / 3600, t / 60 % 60, t % 60, nfrac ? "." : "", nfrac, frac);
	return y2 >= 1900 && qt_time_valid(out);
}
