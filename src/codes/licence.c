/* licence.c — 工业产品生产许可证 numbers ("XKnn-nnn-nnnnn", optionally after a province prefix
 * such as "(鄂)" or "（鄂）") as producers type them into registrations. Validation only; errors
 * count positions within the number so a user can find the bad character. */
#include "codes/uscc.h"
#include "util/utf8.h"

#include <string.h>

#define PATTERN         "XKnn-nnn-nnnnn" /* 'n' = any digit, anything else literal */
#define NUMBER_LEN      (sizeof PATTERN - 1)
#define SHAPE_MSG       "licence number must look like " PATTERN
#define ABBR_QUOTE_MAX  24 /* bytes of an unknown prefix quoted back in the error */
#define DESCRIBE_SIZE   24
#define FULLWIDTH_OPEN  "\xEF\xBC\x88" /* （ */
#define FULLWIDTH_CLOSE "\xEF\xBC\x89" /* ） */

/* The 34 province-level abbreviations, with the second ones (蜀 黔 滇 秦 陇) still in use. The
 * division code leads to the name, so names live only in uscc.c's table. */
static const struct {
	const char *abbr;
	char division[3];
} abbrs[] = {
        {"京", "11"}, {"津", "12"}, {"冀", "13"}, {"晋", "14"}, {"蒙", "15"}, {"辽", "21"},
        {"吉", "22"}, {"黑", "23"}, {"沪", "31"}, {"苏", "32"}, {"浙", "33"}, {"皖", "34"},
        {"闽", "35"}, {"赣", "36"}, {"鲁", "37"}, {"豫", "41"}, {"鄂", "42"}, {"湘", "43"},
        {"粤", "44"}, {"桂", "45"}, {"琼", "46"}, {"渝", "50"}, {"川", "51"}, {"蜀", "51"},
        {"贵", "52"}, {"黔", "52"}, {"云", "53"}, {"滇", "53"}, {"藏", "54"}, {"陕", "61"},
        {"秦", "61"}, {"甘", "62"}, {"陇", "62"}, {"青", "63"}, {"宁", "64"}, {"新", "65"},
        {"台", "71"}, {"港", "81"}, {"澳", "82"},
};

/* Bytes of an ASCII or full-width parenthesis at s, else 0. */
static size_t paren_len(const char *s, size_t n, int closing)
{
	size_t len = 0;

	if (n >= 1 && s[0] == (closing ? ')' : '('))
		len = 1;
	else if (n >= 3 && memcmp(s, closing ? FULLWIDTH_CLOSE : FULLWIDTH_OPEN, 3) == 0)
		len = 3;
	return len;
}

/* Quote the character at s for an error, or give its byte value when it is not printable
 * UTF-8, so messages stay valid UTF-8. */
static void describe(char out[DESCRIBE_SIZE], const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t cl = qt_utf8_decode(s, n, NULL);
	unsigned char b = (unsigned char)s[0];

	if (cl > 1 || (cl == 1 && b >= 0x20 && b < 0x7F)) {
		out[0] = '\'';
		memcpy(out + 1, s, cl);
		memcpy(out + 1 + cl, "'", 2);
	} else {
		memcpy(out, "byte 0x", 7);
		out[7] = hex[b >> 4];
		out[8] = hex[b & 15];
		out[9] = '\0';
	}
}

/* Bytes of s (at most max) that are printable UTF-8 and may be quoted back; sets *whole when
 * that is all of s. */
static size_t quotable_len(const char *s, size_t n, size_t max, int *whole)
{
	size_t at = 0;

	*whole = 0;
	while (at < n) {
		size_t cl = qt_utf8_decode(s + at, n - at, NULL);
		if (cl == 0 || (cl == 1 && ((unsigned char)s[at] < 0x20 || s[at] == 0x7F)) ||
		    at + cl > max)
			break;
		at += cl;
	}
	*whole = at == n;
	return at;
}

/* "(鄂)" / "（鄂）" before the number; absent is fine. Advances *s past it. */
static qt_rc parse_prefix(const char **s, size_t *n, qt_licence *l, qt_err *err)
{
	const char *p = *s, *abbr;
	size_t len = *n, open, end, abbr_len, quoted;
	int whole;
	qt_rc rc = QT_OK;

	open = paren_len(p, len, 0);
	if (open == 0)
		goto out;
	for (end = open; end < len && paren_len(p + end, len - end, 1) == 0;) {
		size_t cl = qt_utf8_decode(p + end, len - end, NULL);
		end += cl ? cl : 1;
	}
	if (end >= len) {
		rc = qt_err_set(err, QT_ERR_INVALID, "province prefix: no closing parenthesis");
		goto out;
	}
	abbr = p + open;
	abbr_len = end - open;
	if (abbr_len == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "province prefix: empty parentheses, expected an abbreviation such "
		                "as 鄂");
		goto out;
	}
	for (size_t i = 0; i < sizeof abbrs / sizeof abbrs[0]; i++) {
		if (strlen(abbrs[i].abbr) == abbr_len &&
		    memcmp(abbrs[i].abbr, abbr, abbr_len) == 0) {
			memcpy(l->province_abbr, abbr, abbr_len);
			l->province_abbr[abbr_len] = '\0';
			l->province_name = qt_division_province(abbrs[i].division);
			break;
		}
	}
	if (!l->province_name) {
		quoted = quotable_len(abbr, abbr_len, ABBR_QUOTE_MAX, &whole);
		if (quoted == 0)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "unknown province abbreviation (not printable UTF-8 text)");
		else
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "unknown province abbreviation '%.*s%s'", (int)quoted, abbr,
			                whole ? "" : "...");
		goto out;
	}
	p += end + paren_len(p + end, len - end, 1);
	len -= (size_t)(p - *s);
	qt_uscc_trim(&p, &len); /* "(鄂) XK…" is common in typed text */
	*s = p;
	*n = len;
out:
	return rc;
}

static qt_rc parse_number(const char *s, size_t n, qt_licence *l, qt_err *err)
{
	char what[DESCRIBE_SIZE];
	size_t i;
	qt_rc rc = QT_OK;

	/* Every accepted character is one byte, so byte i is character i until the loop stops. */
	for (i = 0; i < NUMBER_LEN && i < n; i++) {
		char want = PATTERN[i];
		char c = s[i];
		int ok;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		ok = want == 'n' ? (c >= '0' && c <= '9') : c == want;
		if (!ok) {
			describe(what, s + i, n - i);
			if (want == 'n')
				rc = qt_err_set(err, QT_ERR_INVALID,
				                SHAPE_MSG
				                ": position %zu should be a digit, got %s",
				                i + 1, what);
			else
				rc = qt_err_set(err, QT_ERR_INVALID,
				                SHAPE_MSG ": position %zu should be '%c', got %s",
				                i + 1, want, what);
			goto out;
		}
		l->number[i] = c;
	}
	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, SHAPE_MSG ": got nothing");
		goto out;
	}
	if (i < NUMBER_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                SHAPE_MSG ": it ends after %zu characters, expected %zu", i,
		                NUMBER_LEN);
		goto out;
	}
	if (n > NUMBER_LEN) {
		describe(what, s + NUMBER_LEN, n - NUMBER_LEN);
		rc = qt_err_set(err, QT_ERR_INVALID, SHAPE_MSG ": unexpected %s after position %zu",
		                what, NUMBER_LEN);
		goto out;
	}
	l->number[NUMBER_LEN] = '\0';
	memcpy(l->category, l->number + 2, 2);
	l->category[2] = '\0';
	memcpy(l->unit, l->number + 5, 3);
	l->unit[3] = '\0';
	memcpy(l->serial, l->number + 9, 5);
	l->serial[5] = '\0';
out:
	return rc;
}

qt_rc qt_licence_parse(const char *s, size_t n, qt_licence *out, qt_err *err)
{
	qt_licence l;
	qt_rc rc = QT_OK;

	if (!s && n > 0) {
		rc = qt_err_set(err, QT_ERR_USAGE, "licence: no input buffer");
		goto out;
	}
	if (!s)
		s = "";
	memset(&l, 0, sizeof l);
	qt_uscc_trim(&s, &n);
	rc = parse_prefix(&s, &n, &l, err);
	if (rc != QT_OK)
		goto out;
	rc = parse_number(s, n, &l, err);
	if (rc != QT_OK)
		goto out;
	if (out)
		*out = l;
out:
	return rc;
}
