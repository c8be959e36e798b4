/* test_utf8.c — the strict decoder at every boundary RFC 3629 draws, and against an
 * independent rule (encode every code point, decode it back) over the whole range; the
 * full-width fold over the whole range too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/utf8.h"

static size_t encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void test_every_code_point(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		unsigned char b[4];
		uint32_t got = 0xffffffff;
		size_t n = encode(cp, b);
		size_t len = qt_utf8_decode(b, n, &got);
		if (cp >= 0xd800 && cp <= 0xdfff) {
			assert_int_equal(len, 0); /* surrogates are not characters */
			continue;
		}
		assert_int_equal(len, n);
		assert_int_equal(got, cp);
		if (n > 1)
			assert_int_equal(qt_utf8_decode(b, n - 1, NULL), 0); /* cut short */
	}
}

static void test_invalid_forms(void **state)
{
	static const char *const bad[] = {
	        "\xc0\x80",         /* overlong NUL */
	        "\xc1\xbf",         /* overlong */
	        "\xe0\x9f\xbf",     /* overlong 3-byte */
	        "\xf0\x8f\xbf\xbf", /* overlong 4-byte */
	        "\xf4\x90\x80\x80", /* above U+10FFFF */
	        "\xf5\x80\x80\x80", /* no such lead */
	        "\xff",
	        "\x80",         /* lone continuation */
	        "\xe4\xb8",     /* cut */
	        "\xe4\x41\x41", /* not a continuation */
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = 0;
		while (bad[i][n])
			n++;
		assert_int_equal(qt_utf8_decode(bad[i], n, NULL), 0);
	}
	assert_int_equal(qt_utf8_decode("", 0, NULL), 0);
	assert_int_equal(qt_utf8_decode("\0", 1, NULL), 1);
	assert_int_equal(qt_utf8_decode("\xe9\x84\x82", 3, NULL), 3); /* 鄂 */
}

/* The valid prefix stops at the first byte that starts no character, or at a cut one. */
static void test_valid_prefix(void **state)
{
	(void)state;
	assert_int_equal(qt_utf8_valid_prefix("", 0), 0);
	assert_int_equal(qt_utf8_valid_prefix("abc", 3), 3);
	assert_int_equal(qt_utf8_valid_prefix("a\0b", 3), 3);
	assert_int_equal(qt_utf8_valid_prefix("类型", 6), 6);
	assert_int_equal(qt_utf8_valid_prefix("类型", 5), 3); /* cut in the second character */
	assert_int_equal(qt_utf8_valid_prefix("ab\xff类", 6), 2);
	assert_int_equal(qt_utf8_valid_prefix("\xc0\x80", 2), 0);
}

/* Exactly U+FF01–FF5E and U+3000 fold, each to its ASCII form, checked against the rule over
 * every code point; nothing folds from a cut sequence. */
static void test_fold_width(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		unsigned char b[4];
		size_t n = encode(cp, b);
		char want = cp >= 0xff01 && cp <= 0xff5e ? (char)(cp - 0xfee0)
		            : cp == 0x3000               ? ' '
		                                         : 0;

		assert_int_equal(qt_utf8_fold_width(b, n), want);
		if (want)
			assert_int_equal(qt_utf8_fold_width(b, n - 1), 0);
	}
	assert_int_equal(qt_utf8_fold_width("\xef\xbc\xab", 3), 'K'); /* Ｋ */
	assert_int_equal(qt_utf8_fold_width("\xef\xbd\x8b", 3), 'k'); /* ｋ */
	assert_int_equal(qt_utf8_fold_width("\xef\xbd\x9e", 3), '~');
	assert_int_equal(qt_utf8_fold_width("", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_code_point),
	        cmocka_unit_test(test_invalid_forms),
	        cmocka_unit_test(test_valid_prefix),
	        cmocka_unit_test(test_fold_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
