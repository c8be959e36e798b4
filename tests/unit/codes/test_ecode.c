/* test_ecode.c — Ecode (GB/T 31866): each version's limits at and past their boundaries,
 * reserved versions, V4 UTF-8 master data, V0 carrying GS1 with the GS1 code's own canonical
 * key, and parse → format → parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "codes/code.h"

#define BIG 512

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

static qt_rc parse_str(const char *s, qt_code *code, qt_err *err)
{
	return qt_ecode_parse(s, strlen(s), NULL, code, err);
}

static void assert_ok(const char *s, qt_code *code)
{
	qt_err err = {{0}};

	if (parse_str(s, code, &err) != QT_OK)
		fail_msg("\"%s\" rejected: %s", s, err.msg);
}

static void assert_rejected(const char *s, const char *want)
{
	qt_code code;
	qt_err err = {{0}};

	if (parse_str(s, &code, &err) != QT_ERR_INVALID)
		fail_msg("\"%s\" accepted", s);
	assert_msg_has(err.msg, want);
}

/* prefix followed by count copies of fill. */
static const char *build(char out[BIG], const char *prefix, char fill, size_t count)
{
	size_t n = strlen(prefix);

	assert_true(n + count < BIG);
	memcpy(out, prefix, n);
	memset(out + n, fill, count);
	out[n + count] = '\0';
	return out;
}

static void assert_canonical(const char *s, const char *want)
{
	qt_code code;

	assert_ok(s, &code);
	assert_string_equal(code.canonical, want);
	assert_int_equal(code.canonical_len, strlen(want));
}

static void test_v1(void **state)
{
	char buf[BIG];
	qt_code code;

	(void)state;
	assert_ok("100011234567890", &code);
	assert_int_equal(code.scheme, QT_SCHEME_ECODE);
	assert_int_equal(code.kind, QT_KIND_ITEM);
	assert_int_equal(code.ecode_version, 1);
	assert_string_equal(code.nsi, "0001");
	assert_string_equal(code.md, "1234567890");
	assert_string_equal(code.canonical, "E=100011234567890");

	assert_canonical("100017", "E=100017"); /* MD 1 digit */
	assert_canonical(build(buf, "10001", '9', 20), "E=10001"
	                                               "99999999999999999999");
	assert_int_equal(strlen(buf), 25); /* total at the cap */
	assert_rejected(build(buf, "10001", '9', 21),
	                "Ecode V1: master data is 21 characters, at most 20");
	assert_rejected("10001", "Ecode V1: master data is 0 characters, at least 1");
	assert_rejected("1000112A4",
	                "Ecode V1: master data must be digits, found 'A' at position 3");
	assert_rejected("1000112 4", "master data must be digits, found byte 0x20 at position 3");
	assert_rejected("100", "Ecode V1: NSI must be 4 digits");
	assert_rejected("1", "Ecode V1: NSI must be 4 digits");
	assert_rejected("10A01123", "Ecode V1: NSI must be 4 digits, found 'A' at position 2");
}

static void test_v2(void **state)
{
	char buf[BIG];
	qt_code code;

	(void)state;
	assert_ok("21234567800042", &code);
	assert_int_equal(code.ecode_version, 2);
	assert_string_equal(code.nsi, "12345678");
	assert_string_equal(code.md, "00042");
	assert_string_equal(code.canonical, "E=21234567800042");

	assert_ok(build(buf, "212345678", '1', 28), &code);
	assert_int_equal(strlen(buf), 37);
	assert_rejected(build(buf, "212345678", '1', 29),
	                "Ecode V2: master data is 29 characters, at most 28");
	assert_rejected("212345678", "Ecode V2: master data is 0 characters, at least 1");
	assert_rejected("2123456", "Ecode V2: NSI must be 8 digits");
	assert_rejected("21234567X1", "Ecode V2: NSI must be 8 digits, found 'X' at position 8");
	assert_rejected("212345678123b", "Ecode V2: master data must be digits, found 'b'");
}

static void test_v3(void **state)
{
	char buf[BIG];
	qt_code code;

	(void)state;
	assert_ok("30001ABC123XYZ", &code);
	assert_int_equal(code.ecode_version, 3);
	assert_string_equal(code.nsi, "0001");
	assert_string_equal(code.md, "ABC123XYZ");
	assert_string_equal(code.canonical, "E=30001ABC123XYZ");
	assert_canonical("300010", "E=300010");

	assert_ok(build(buf, "30001", 'Z', 39), &code);
	assert_int_equal(strlen(buf), 44);
	assert_rejected(build(buf, "30001", 'Z', 40),
	                "Ecode V3: master data is 40 characters, at most 39");
	assert_rejected("30001", "Ecode V3: master data is 0 characters, at least 1");
	assert_rejected("30001ABc", "Ecode V3: master data must be digits or upper-case letters "
	                            "A-Z, found 'c' at position 3");
	assert_rejected("30001AB-C", "found '-' at position 3");
	assert_rejected("3000", "Ecode V3: NSI must be 4 digits");
}

static void test_v4(void **state)
{
	char buf[BIG];
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	/* 北京烤鸭: 12 bytes of UTF-8, percent-encoded in the canonical key. */
	assert_ok("400001北京烤鸭", &code);
	assert_int_equal(code.ecode_version, 4);
	assert_int_equal(code.kind, QT_KIND_ITEM);
	assert_string_equal(code.nsi, "00001");
	assert_string_equal(code.md, "北京烤鸭");
	assert_string_equal(code.canonical, "E=400001%E5%8C%97%E4%BA%AC%E7%83%A4%E9%B8%AD");

	/* Mixed text: unreserved characters stay as they are, others are encoded. */
	assert_canonical("412345Lot A-7/批次", "E=412345Lot%20A-7%2F%E6%89%B9%E6%AC%A1");
	/* Four-byte sequences (outside the BMP) are valid UTF-8. */
	assert_canonical("400001\xF0\x9F\x98\x80", "E=400001%F0%9F%98%80");

	/* Length counts bytes. */
	assert_ok(build(buf, "400001", 'a', QT_ECODE_MD_MAX), &code);
	assert_int_equal(strlen(code.md), QT_ECODE_MD_MAX);
	assert_rejected(build(buf, "400001", 'a', QT_ECODE_MD_MAX + 1),
	                "Ecode V4: master data is 121 bytes, at most 120");
	assert_rejected("400001", "Ecode V4: master data is 0 bytes, at least 1");
	assert_rejected("40000", "Ecode V4: NSI must be 5 digits");
	assert_rejected("4000A1x", "Ecode V4: NSI must be 5 digits, found 'A' at position 4");

	/* Invalid UTF-8: truncated, stray continuation, overlong, surrogate, past U+10FFFF. */
	assert_rejected("400001\xE5\x8C", "Ecode V4: master data is not valid UTF-8 at byte 1");
	assert_rejected("400001ab\x80", "not valid UTF-8 at byte 3");
	assert_rejected("400001\xC0\xAF", "not valid UTF-8 at byte 1");
	assert_rejected("400001\xE0\x80\xAF", "not valid UTF-8 at byte 1");
	assert_rejected("400001\xED\xA0\x80", "not valid UTF-8 at byte 1");
	assert_rejected("400001\xF4\x90\x80\x80", "not valid UTF-8 at byte 1");
	assert_rejected("400001\xFF", "not valid UTF-8 at byte 1");
	assert_rejected("400001北\xE4\xBA", "not valid UTF-8 at byte 4");

	/* Control characters: C0, DEL and C1. */
	assert_rejected("400001ab\x07",
	                "Ecode V4: master data has control character U+0007 at byte 3");
	assert_rejected("400001\tx", "control character U+0009 at byte 1");
	assert_rejected("400001x\x7F", "control character U+007F at byte 2");
	assert_rejected("400001\xC2\x85", "control character U+0085 at byte 1");
	assert_int_equal(qt_ecode_parse("400001a\0b", 9, NULL, &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "control character U+0000 at byte 2");

	/* 40 CJK characters fill the master data (120 bytes); percent-encoded they still fit
	 * the canonical key, so the longest V4 has a key. One byte more is too long. */
	strcpy(buf, "400001");
	for (int i = 0; i < 40; i++)
		strcat(buf, "码");
	assert_int_equal(parse_str(buf, &code, &err), QT_OK);
	assert_int_equal(code.canonical_len, strlen("E=400001") + 40 * 9);
	strcat(buf, "x");
	assert_int_equal(parse_str(buf, &code, &err), QT_ERR_INVALID);
}

static void test_version_digit(void **state)
{
	char s[] = "x00011234";
	char want[] = "Ecode version x is reserved";
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	for (char v = '5'; v <= '9'; v++) {
		s[0] = v;
		want[14] = v;
		assert_rejected(s, want);
	}
	assert_rejected("700011234", "Ecode version 7 is reserved");
	assert_rejected("E00011234", "Ecode: version must be a digit, found 'E'");
	assert_rejected(" 10001123", "Ecode: version must be a digit, found byte 0x20");
	assert_int_equal(qt_ecode_parse("", 0, NULL, &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "Ecode: empty");
}

/* The point of V0: the Ecode and the GS1 code on the same item have the same key. want, when
 * given, pins that key; otherwise it is whatever gs1.c decides. */
static void assert_v0_same_key(const char *ecode, const char *gs1, const char *want)
{
	qt_code e, g;
	qt_err err = {{0}};

	if (qt_gs1_parse_bracketed(gs1, strlen(gs1), NULL, &g, &err) != QT_OK)
		fail_msg("GS1 \"%s\" rejected: %s", gs1, err.msg);
	assert_ok(ecode, &e);
	if (want != NULL)
		assert_string_equal(g.canonical, want);
	assert_string_equal(e.canonical, g.canonical);
	assert_int_equal(e.canonical_len, g.canonical_len);
	assert_int_equal(e.kind, g.kind);
	assert_int_equal(e.n_elems, g.n_elems);
	for (unsigned i = 0; i < e.n_elems; i++) {
		assert_string_equal(e.elems[i].ai, g.elems[i].ai);
		assert_string_equal(e.elems[i].value, g.elems[i].value);
	}
	assert_int_equal(e.scheme, QT_SCHEME_ECODE);
	assert_int_equal(e.ecode_version, 0);
	assert_string_equal(e.md, gs1);
}

static void test_v0_gs1(void **state)
{
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	assert_v0_same_key("00001(01)06901234567892(21)A1B2", "(01)06901234567892(21)A1B2",
	                   "01/06901234567892/21/A1B2");
	assert_ok("00001(01)06901234567892(21)A1B2", &code);
	assert_string_equal(code.nsi, "0001");
	assert_int_equal(code.kind, QT_KIND_ITEM);
	assert_string_equal(qt_code_ai(&code, "21"), "A1B2");

	assert_v0_same_key("00000(00)106901234000000008", "(00)106901234000000008", NULL);

	/* The NSI must name the key the master data carries. */
	assert_rejected("00001(00)106901234000000008",
	                "Ecode V0: NSI 0001 says GTIN (AI 01) but the master data carries AI 00");
	assert_rejected("00000(01)06901234567892(21)A1B2",
	                "Ecode V0: NSI 0000 says SSCC (AI 00) but the master data carries AI 01");
	assert_rejected("08006(01)06901234567892", "NSI 8006 says ITIP (AI 8006)");
	assert_rejected("00002(01)06901234567892", "Ecode V0: NSI 0002 names no GS1 primary key");
	assert_rejected("0000(01)06901234567892", "Ecode V0: NSI must be 4 digits");
	assert_rejected("00001", "Ecode V0: master data is 0 characters, at least 1");

	/* The element string itself is gs1.c's to judge (here: a wrong GTIN check digit). */
	assert_int_equal(parse_str("00001(01)06901234567893(21)A1B2", &code, &err), QT_ERR_INVALID);
	assert_true(err.msg[0] != '\0');
}

static void test_round_trip(void **state)
{
	static const char *const codes[] = {
	        "100011234567890",
	        "21234567800042",
	        "30001ABC123XYZ",
	        "400001北京烤鸭",
	        "412345Lot A-7/批次",
	        "00001(01)06901234567892(21)A1B2",
	        "00000(00)106901234000000008",
	};
	char out[BIG];

	(void)state;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		qt_code a, b;

		assert_ok(codes[i], &a);
		assert_int_equal(qt_ecode_format(&a, out, sizeof out), QT_OK);
		assert_string_equal(out, codes[i]);
		assert_ok(out, &b);
		assert_int_equal(b.ecode_version, a.ecode_version);
		assert_string_equal(b.nsi, a.nsi);
		assert_string_equal(b.md, a.md);
		assert_string_equal(b.canonical, a.canonical);
		assert_int_equal(b.kind, a.kind);
	}
}

static void test_format_errors(void **state)
{
	qt_code code;
	char out[BIG];

	(void)state;
	assert_ok("100011234567890", &code);
	assert_int_equal(qt_ecode_format(&code, out, 15), QT_ERR_TOOBIG); /* no room for NUL */
	assert_int_equal(qt_ecode_format(&code, out, 16), QT_OK);
	assert_string_equal(out, "100011234567890");

	qt_code_init(&code);
	assert_int_equal(qt_ecode_format(&code, out, sizeof out), QT_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_v1),
	        cmocka_unit_test(test_v2),
	        cmocka_unit_test(test_v3),
	        cmocka_unit_test(test_v4),
	        cmocka_unit_test(test_version_digit),
	        cmocka_unit_test(test_v0_gs1),
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_format_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
