/* test_ccc.c — CCC certificate numbers: the valid form with its canonical key and parts, the
 * boundaries of every field rule, and the exact wording of each error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "codes/code.h"

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

static qt_rc parse_str(const char *s, qt_code *code, qt_err *err)
{
	return qt_ccc_parse(s, strlen(s), code, err);
}

static void assert_rejected(const char *s, const char *want)
{
	qt_code code;
	qt_err err = {{0}};

	if (parse_str(s, &code, &err) != QT_ERR_INVALID)
		fail_msg("\"%s\" accepted", s);
	assert_msg_has(err.msg, want);
}

static void test_valid(void **state)
{
	qt_code code;
	qt_err err = {{0}};
	qt_ccc_parts parts;

	(void)state;
	assert_int_equal(parse_str("2020010901123456", &code, &err), QT_OK);
	assert_int_equal(code.scheme, QT_SCHEME_CCC);
	assert_int_equal(code.kind, QT_KIND_OTHER);
	assert_string_equal(code.ccc_number, "2020010901123456");
	assert_string_equal(code.canonical, "ccc/2020010901123456");
	assert_int_equal(code.canonical_len, strlen("ccc/2020010901123456"));

	/* Surrounding whitespace, as pasted from a certificate or a scanner line. */
	assert_int_equal(parse_str(" \t2020010901123456\r\n", &code, &err), QT_OK);
	assert_string_equal(code.canonical, "ccc/2020010901123456");

	assert_int_equal(qt_ccc_split("2020010901123456", &parts, &err), QT_OK);
	assert_int_equal(parts.year, 2020);
	assert_string_equal(parts.body, "01");
	assert_string_equal(parts.product, "0901");
	assert_string_equal(parts.serial, "123456");

	/* Field boundaries that are still valid. */
	assert_int_equal(parse_str("2001010901123456", &code, &err), QT_OK);
	assert_int_equal(parse_str("2099990001000001", &code, &err), QT_OK);
	assert_string_equal(code.canonical, "ccc/2099990001000001");
}

static void test_length_and_chars(void **state)
{
	qt_ccc_parts parts;
	qt_err err = {{0}};

	(void)state;
	assert_rejected("202001090112345", "CCC certificate: expected 16 digits, got 15");
	assert_rejected("20200109011234567", "expected 16 digits, got 17");
	assert_rejected("", "expected 16 digits, got 0");
	assert_rejected("   \r\n", "expected 16 digits, got 0");
	assert_rejected("20A0010901123456", "CCC certificate: 'A' at position 3 is not a digit");
	/* Positions count from the first non-blank character. */
	assert_rejected("  20A0010901123456", "'A' at position 3 is not a digit");
	assert_rejected("2020 010901123456", "byte 0x20 at position 5 is not a digit");
	/* A full-width digit one (U+FF11) is not a digit. */
	assert_rejected("2020010901\xEF\xBC\x91"
	                "23456",
	                "byte 0xEF at position 11 is not a digit");
	/* A non-digit is named even when the length is also wrong. */
	assert_rejected("CCC", "'C' at position 1 is not a digit");

	assert_int_equal(qt_ccc_split("20200109011234", &parts, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "expected 16 digits, got 14");
	assert_int_equal(qt_ccc_split("20200109011234567", &parts, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "expected 16 digits, got 17");
	assert_int_equal(qt_ccc_split("202001090112345x", &parts, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "'x' at position 16 is not a digit");
}

static void test_fields(void **state)
{
	qt_ccc_parts parts;
	qt_err err = {{0}};

	(void)state;
	assert_rejected("1999010901123456",
	                "CCC certificate: year 1999 is before CCC began (2001)");
	assert_rejected("2000010901123456", "year 2000 is before CCC began (2001)");
	assert_rejected("2100010901123456", "CCC certificate: year 2100 is after 2099");
	assert_rejected("2020000901123456", "CCC certificate: certification body 00 is not valid");
	assert_rejected("2020010000123456", "CCC certificate: product class 0000 is not valid");
	assert_rejected("2020010901000000", "CCC certificate: serial 000000 is not valid");

	assert_int_equal(qt_ccc_split("1999010901123456", &parts, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "year 1999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid),
	        cmocka_unit_test(test_length_and_chars),
	        cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
