/* test_gs1.c — GS1 parsing through the front door (qt_code_parse): element strings in both
 * forms, symbology prefixes, Digital Link URIs, bare keys, every rule's error message, and a
 * round-trip property over random codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codes/code.h"

static const qt_code_opts opts = {.ref_year = 2026};

static qt_code parse_ok(const char *text)
{
	qt_code code;
	qt_err err = {{0}};
	qt_rc rc = qt_code_parse(text, strlen(text), &opts, &code, &err);
	if (rc != QT_OK)
		fail_msg("expected '%s' to parse, got: %s", text, err.msg);
	return code;
}

static void expect_canonical(const char *text, const char *canonical)
{
	qt_code code = parse_ok(text);
	if (strcmp(code.canonical, canonical) != 0)
		fail_msg("'%s': canonical '%s', expected '%s'", text, code.canonical, canonical);
	assert_int_equal(code.canonical_len, strlen(canonical));
}

static void expect_error(const char *text, const char *fragment)
{
	qt_code code;
	qt_err err = {{0}};
	qt_rc rc = qt_code_parse(text, strlen(text), &opts, &code, &err);
	if (rc == QT_OK)
		fail_msg("expected '%s' to be rejected, got canonical %s", text, code.canonical);
	if (!strstr(err.msg, fragment))
		fail_msg("'%s': error '%s' does not mention '%s'", text, err.msg, fragment);
}

static void test_check_digit(void **state)
{
	(void)state;
	assert_int_equal(qt_gs1_check_digit("0690123456789", 13), '2');
	assert_int_equal(qt_gs1_check_digit("9638507", 7), '4');
	assert_int_equal(qt_gs1_check_digit("03600029145", 11), '2');
	assert_int_equal(qt_gs1_check_digit("06901234000000001", 17), '6');
}

static void test_bare_keys(void **state)
{
	qt_code c;
	(void)state;
	/* GTIN-8/12/13/14 all canonicalise to GTIN-14 */
	expect_canonical("96385074", "01/00000096385074");
	expect_canonical("036000291452", "01/00036000291452");
	expect_canonical("6901234567892", "01/06901234567892");
	expect_canonical("06901234567892", "01/06901234567892");
	expect_canonical(" 6901234567892\r\n", "01/06901234567892");
	c = parse_ok("069012340000000016");
	assert_string_equal(c.canonical, "00/069012340000000016");
	assert_int_equal(c.kind, QT_KIND_LOGISTIC);
	assert_int_equal(parse_ok("6901234567892").kind, QT_KIND_PRODUCT);
	expect_error("6901234567893", "check digit: expected 2, got 3");
	expect_error("069012340000000017", "check digit: expected 6, got 7");
	expect_error("96385075", "check digit: expected 4, got 5");
}

static void test_bracketed(void **state)
{
	qt_code c;
	(void)state;
	c = parse_ok("(01)06901234567892(10)L1(21)A1B2");
	assert_int_equal(c.scheme, QT_SCHEME_GS1);
	assert_int_equal(c.kind, QT_KIND_ITEM);
	/* an item is keyed by GTIN + serial; the lot is data */
	assert_string_equal(c.canonical, "01/06901234567892/21/A1B2");
	assert_string_equal(qt_code_ai(&c, "10"), "L1");
	assert_string_equal(qt_code_ai(&c, "21"), "A1B2");
	assert_null(qt_code_ai(&c, "17"));

	c = parse_ok("(01)06901234567892(10)L1");
	assert_int_equal(c.kind, QT_KIND_BATCH);
	assert_string_equal(c.canonical, "01/06901234567892/10/L1");

	/* order in the element string does not matter */
	expect_canonical("(21)A1B2(17)261231(01)06901234567892", "01/06901234567892/21/A1B2");
	/* characters outside the URI unreserved set are percent-encoded in the key */
	expect_canonical("(01)06901234567892(21)A/B%C", "01/06901234567892/21/A%2FB%25C");
	/* "\(" is a literal parenthesis inside a value */
	c = parse_ok("(01)06901234567892(21)X\\(1)");
	assert_string_equal(qt_code_ai(&c, "21"), "X(1)");
	/* CPV is a key qualifier */
	expect_canonical("(01)06901234567892(22)V1(21)S", "01/06901234567892/22/V1/21/S");
	/* logistic unit with its content */
	c = parse_ok("(00)069012340000000016(02)06901234567892(37)12");
	assert_string_equal(c.canonical, "00/069012340000000016");
	assert_string_equal(qt_code_ai(&c, "37"), "12");
	/* other keys */
	expect_canonical("(414)6901234000016(254)DOCK-3", "414/6901234000016/254/DOCK-3");
	expect_canonical("(8004)6901234ASSET7", "8004/6901234ASSET7");
	expect_canonical("(8006)069012345678920102(21)P1", "8006/069012345678920102/21/P1");
	expect_canonical("(01)06901234567892(400)PO-1(240)X(241)Y(250)Z(21)S(30)5",
	                 "01/06901234567892/21/S");
	expect_canonical("(01)06901234567892(11)260101(13)260102(15)260103(21)S",
	                 "01/06901234567892/21/S");
	/* the same AI twice with the same value is harmless */
	expect_canonical("(01)06901234567892(10)L(10)L", "01/06901234567892/10/L");
}

/* As a Chinese keyboard types it: full-width brackets, digits, letters and slashes, and the
 * ideographic space, are the ASCII they stand for; other text outside ASCII is still refused,
 * and so is a full-width text too long once folded. Canonical keys as the platform shows
 * them are accepted with white space around them, as a pasted key has. */
static void test_typed_on_a_chinese_keyboard(void **state)
{
	static const char pasted[] = " 01/06901234567892/21/A1\u3000";
	char big[QT_CODE_INPUT_MAX * 3 + 40], key[QT_CODE_CANON_MAX];
	qt_code_kind kind;
	qt_err err = {{0}};
	size_t o = 0;
	(void)state;
	expect_canonical("（01）06901234567892（21）A1", "01/06901234567892/21/A1");
	expect_canonical("（０１）０６９０１２３４５６７８９２（２１）ＡＢｃ",
	                 "01/06901234567892/21/ABc");
	expect_canonical("\u3000(01)06901234567892\u3000", "01/06901234567892");
	expect_canonical("ｈｔｔｐｓ：／／ｉｄ.ｅｘａｍｐｌｅ.ｃｎ／01／06901234567892／10／L1",
	                 "01/06901234567892/10/L1");
	expect_error("（01）06901234567892（21）甲1", "AI 21");
	expect_error("（０１）０６９０１２３４５６７８９３", "check digit: expected 2, got 3");
	for (size_t i = 0; i < QT_CODE_INPUT_MAX; i++, o += 3)
		memcpy(big + o, "\xEF\xBC\x91", 3); /* full-width 1 */
	memcpy(big + o, "\xEF\xBC\x91", 4);         /* one more, and the NUL */
	expect_error(big, "longer than");
	assert_int_equal(qt_code_canon(pasted, strlen(pasted), key, &kind, &err), QT_OK);
	assert_string_equal(key, "01/06901234567892/21/A1");
	assert_int_equal(kind, QT_KIND_ITEM);
}

static void test_raw_and_prefixes(void **state)
{
	(void)state;
	const char *want = "01/06901234567892/21/A1B2";
	expect_canonical("0106901234567892"
	                 "10L1\x1d"
	                 "21A1B2",
	                 want);
	expect_canonical("]d20106901234567892"
	                 "10L1\x1d"
	                 "21A1B2",
	                 want);
	expect_canonical("]Q30106901234567892"
	                 "10L1\x1d"
	                 "21A1B2",
	                 want);
	expect_canonical("]C10106901234567892"
	                 "10L1\x1d"
	                 "21A1B2",
	                 want);
	expect_canonical("\x1d"
	                 "0106901234567892"
	                 "21A1B2\x1d"
	                 "10L1",
	                 want);
	/* fixed-length AIs need no separator */
	expect_canonical("010690123456789217261231"
	                 "21A1B2",
	                 want);
	expect_canonical("]E06901234567892", "01/06901234567892");
	expect_canonical("]Q1https://x.example/01/06901234567892", "01/06901234567892");
	expect_error("]X9abc", "symbology identifier ]X9");
	expect_error("]d2", "empty element string");
	expect_error("0106901234567892"
	             "10ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	             "missing GS separator");
	expect_error("]d20106901234567892"
	             "99X",
	             "'99X' does not start an AI");
	expect_error("]d2010690123456", "expected 14 digits, got 10");
}

static void test_element_errors(void **state)
{
	(void)state;
	expect_error("(01)06901234567893", "AI 01 (GTIN): check digit: expected 2, got 3");
	expect_error("(01)0690123456789", "AI 01 (GTIN): expected 14 digits, got 13");
	expect_error("(01)0690123456789X", "'X' at position 14 is not a digit");
	expect_error("(01)06901234567892(17)261301", "AI 17: month 13");
	expect_error("(01)06901234567892(17)260001", "AI 17: month 00");
	expect_error("(01)06901234567892(11)270229", "day 29 does not exist in 2027-02");
	expect_error("(01)06901234567892(11)260431", "day 31 does not exist in 2026-04");
	expect_canonical("(01)06901234567892(11)280229", "01/06901234567892"); /* leap year */
	expect_canonical("(01)06901234567892(17)261200", "01/06901234567892"); /* day 00 */
	expect_error("(01)06901234567892(10)ABCDEFGHIJKLMNOPQRSTU",
	             "AI 10 (BATCH/LOT): 21 characters, at most 20");
	expect_error("(01)06901234567892(10)A B", "character 0x20 at position 2");
	expect_error("(01)06901234567892(21)", "AI 21: empty value");
	expect_error("(10)L1", "AI 10 (BATCH/LOT) needs AI 01,02,03,8006,8026");
	expect_error("(21)S", "AI 21 (SERIAL) needs AI 01,03,8006");
	expect_error("(01)06901234567892(37)5", "AI 01 (GTIN) cannot be used with AI 37");
	expect_error("(02)06901234567892(37)5", "AI 37 (COUNT) needs AI 00");
	expect_error("(00)069012340000000016(02)06901234567892", "AI 02 (CONTENT) needs AI 37");
	expect_error("(250)X(01)06901234567892", "AI 250 (SECONDARY SERIAL) needs AI 21");
	expect_error("(254)X", "needs AI 414");
	expect_error("(8006)069012345678920302", "piece 03 of total 02 is impossible");
	expect_error("(8006)069012345678920100", "piece 01 of total 00 is impossible");
	expect_error("(01)06901234567892(10)A(10)B", "AI 10 appears twice with different values");
	expect_error("(99)X", "AI 99 is not one qtrace accepts");
	expect_error("(01", "expected an AI of 2 to 4 digits");
	expect_error("(1)X", "expected an AI of 2 to 4 digits");
	expect_error("(30)5(400)X", "AI 30 (VAR. COUNT) needs AI 01,02");
	expect_error("(400)PO", "no GS1 key");
	expect_error("", "empty code");
	expect_error("   ", "empty code");
}

static void test_dates_iso(void **state)
{
	char iso[11];
	qt_code c;
	(void)state;
	assert_int_equal(qt_gs1_date_iso("261231", 2026, iso), QT_OK);
	assert_string_equal(iso, "2026-12-31");
	assert_int_equal(qt_gs1_date_iso("261200", 2026, iso), QT_OK);
	assert_string_equal(iso, "2026-12");
	/* GS1 7.12 sliding century: 49 years back, 50 ahead */
	assert_int_equal(qt_gs1_date_iso("760101", 2026, iso), QT_OK);
	assert_string_equal(iso, "2076-01-01");
	assert_int_equal(qt_gs1_date_iso("770101", 2026, iso), QT_OK);
	assert_string_equal(iso, "1977-01-01");
	assert_int_equal(qt_gs1_date_iso("990101", 2051, iso), QT_OK);
	assert_string_equal(iso, "2099-01-01");
	assert_int_equal(qt_gs1_date_iso("000101", 2099, iso), QT_OK);
	assert_string_equal(iso, "2100-01-01");
	assert_int_equal(qt_gs1_date_iso("26A231", 2026, iso), QT_ERR_INVALID);
	/* 1900 is not a leap year, 2000 is */
	c = parse_ok("(01)06901234567892(11)000229");
	assert_string_equal(qt_code_ai(&c, "11"), "000229");
	{
		qt_code_opts o1930 = {.ref_year = 1930};
		qt_err err;
		assert_int_equal(
		        qt_code_parse("(01)06901234567892(11)000229", 28, &o1930, &c, &err),
		        QT_ERR_INVALID);
		assert_non_null(strstr(err.msg, "1900-02"));
	}
}

static void test_digital_link(void **state)
{
	qt_code c;
	char iso[11];
	(void)state;
	c = parse_ok("https://id.example.com/01/06901234567892/10/L1/21/A1B2?17=261231");
	assert_string_equal(c.canonical, "01/06901234567892/21/A1B2");
	assert_string_equal(qt_code_ai(&c, "10"), "L1");
	assert_string_equal(qt_code_ai(&c, "17"), "261231");
	assert_int_equal(qt_gs1_date_iso(qt_code_ai(&c, "17"), 2026, iso), QT_OK);
	assert_string_equal(iso, "2026-12-31");

	/* any host, any path prefix, http, GTIN-13/12/8 in the path, trailing slash */
	expect_canonical("http://localhost:8080/01/6901234567892", "01/06901234567892");
	expect_canonical("HTTPS://Example.COM/some/prefix/01/06901234567892/21/S1/",
	                 "01/06901234567892/21/S1");
	expect_canonical("https://d.example/01/96385074", "01/00000096385074");
	expect_canonical("https://d.example/01/036000291452/10/X", "01/00036000291452/10/X");
	/* percent-encoding in path and query; non-AI query keys are for the resolver */
	expect_canonical("https://d.example/01/06901234567892/21/A%2FB?linkType=gs1:pip&11=260101",
	                 "01/06901234567892/21/A%2FB");
	c = parse_ok("https://d.example/01/06901234567892/21/%41%62?10=L%2B1#frag");
	assert_string_equal(qt_code_ai(&c, "21"), "Ab");
	assert_string_equal(qt_code_ai(&c, "10"), "L+1");
	expect_canonical("https://d.example/01/06901234567892/22/V/10/L/21/S",
	                 "01/06901234567892/22/V/21/S");
	expect_canonical("https://d.example/00/069012340000000016", "00/069012340000000016");
	expect_canonical("https://d.example/414/6901234000016/254/D1", "414/6901234000016/254/D1");
	expect_canonical("https://d.example/8004/6901234ASSET7", "8004/6901234ASSET7");

	expect_error("https://d.example/01/06901234567892/21/S/10/L",
	             "AI 21 must come after AI 10 in a Digital Link path");
	expect_error("https://d.example/01/06901234567892/21/S/22/V",
	             "AI 21 must come after AI 22 in a Digital Link path");
	expect_error("https://d.example/01/06901234567892/10/L/10/L", "AI 10 appears twice");
	expect_error("https://d.example/01/06901234567892/17/261231",
	             "AI 17 is not a key qualifier of AI 01 in a Digital Link path (put it in "
	             "the query string)");
	expect_error("https://d.example/00/069012340000000016/21/S",
	             "AI 21 is not a key qualifier of AI 00");
	expect_error("https://d.example/01/06901234567892?21=S",
	             "AI 21 may not be a Digital Link query attribute");
	expect_error("https://d.example/01/06901234567892?17=261301", "AI 17: month 13");
	expect_error("https://d.example/01/06901234567892?17=", "AI 17: empty value");
	expect_error("https://d.example/01/06901234567892?17", "query attribute 17 has no value");
	expect_error("https://d.example/01/06901234567893", "check digit: expected 2, got 3");
	expect_error("https://d.example/01/06901234567892/21/A%2", "bad percent-encoding");
	expect_error("https://d.example/01/06901234567892/21/A%ZZ", "bad percent-encoding");
	expect_error("https://d.example/products/123", "no GS1 key in the Digital Link path");
	expect_error("https://d.example/", "no GS1 key");
	expect_error("https://d.example/01/06901234567892/10/L/99/x",
	             "AI 99 is not a key qualifier of AI 01");
	expect_error("https://d.example/01/06901234567892/21/ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	             "value longer than");
	expect_error("https://d.example/01/06901234567892?99=1", "AI 99 is not one qtrace accepts");
}

static void test_formatting(void **state)
{
	char buf[256];
	qt_code c = parse_ok("(21)A/B(01)06901234567892(10)L1(17)261231");
	(void)state;
	assert_int_equal(qt_gs1_format_bracketed(&c, buf, sizeof buf), QT_OK);
	assert_string_equal(buf, "(21)A/B(01)06901234567892(10)L1(17)261231");
	assert_int_equal(qt_gs1_format_raw(&c, buf, sizeof buf), QT_OK);
	assert_string_equal(buf, "21A/B\x1d"
	                         "0106901234567892"
	                         "10L1\x1d"
	                         "17261231");
	assert_int_equal(qt_gs1_format_dl(&c, "id.example.com", buf, sizeof buf), QT_OK);
	assert_string_equal(buf,
	                    "https://id.example.com/01/06901234567892/10/L1/21/A%2FB?17=261231");
	assert_int_equal(qt_gs1_format_dl(&c, "id.example.com", buf, 20), QT_ERR_TOOBIG);
	assert_int_equal(qt_gs1_format_bracketed(&c, buf, 10), QT_ERR_TOOBIG);
	assert_int_equal(qt_gs1_format_raw(&c, buf, 10), QT_ERR_TOOBIG);
}

/* ---- round-trip property: random valid codes, formatted and parsed back, are equal ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void random_digits(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + next_rand() % 10);
	out[n] = '\0';
}

static void random_cset82(char *out, size_t max)
{
	static const char cset[] = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	                           "abcdefghijklmnopqrstuvwxyz";
	size_t n = 1 + next_rand() % max;
	for (size_t i = 0; i < n; i++)
		out[i] = cset[next_rand() % (sizeof cset - 1)];
	out[n] = '\0';
}

static void assert_same_code(const qt_code *a, const qt_code *b, const char *form)
{
	if (strcmp(a->canonical, b->canonical) != 0)
		fail_msg("%s round trip: %s != %s", form, a->canonical, b->canonical);
	assert_int_equal(a->n_elems, b->n_elems);
	for (unsigned i = 0; i < a->n_elems; i++) {
		const char *v = qt_code_ai(b, a->elems[i].ai);
		if (!v || strcmp(v, a->elems[i].value) != 0)
			fail_msg("%s round trip: AI %s '%s' came back as '%s'", form,
			         a->elems[i].ai, a->elems[i].value, v ? v : "(missing)");
	}
}

static void test_round_trip_property(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		char gtin[15], lot[21], serial[21], text[256], out[512];
		char date[7];
		int n = 0;
		qt_code code, back;
		qt_err err;

		random_digits(gtin, 13);
		gtin[13] = qt_gs1_check_digit(gtin, 13);
		gtin[14] = '\0';
		random_cset82(lot, 20);
		random_cset82(serial, 20);
		snprintf(date, sizeof date, "%02u%02u%02u", next_rand() % 100, 1 + next_rand() % 12,
		         next_rand() % 29);
		/* escape '(' for the bracketed form */
		n += snprintf(text + n, sizeof text - n, "(01)%s", gtin);
		if (iter % 3 != 0) {
			n += snprintf(text + n, sizeof text - n, "(10)");
			for (const char *p = lot; *p; p++)
				n += snprintf(text + n, sizeof text - n, *p == '(' ? "\\(" : "%c",
				              *p);
		}
		if (iter % 2 == 0) {
			n += snprintf(text + n, sizeof text - n, "(21)");
			for (const char *p = serial; *p; p++)
				n += snprintf(text + n, sizeof text - n, *p == '(' ? "\\(" : "%c",
				              *p);
		}
		if (iter % 5 == 0)
			n += snprintf(text + n, sizeof text - n, "(17)%s", date);
		if (qt_code_parse(text, (size_t)n, &opts, &code, &err) != QT_OK)
			fail_msg("generated '%s' did not parse: %s", text, err.msg);

		assert_int_equal(qt_gs1_format_bracketed(&code, out, sizeof out), QT_OK);
		assert_int_equal(qt_code_parse(out, strlen(out), &opts, &back, &err), QT_OK);
		assert_same_code(&code, &back, "bracketed");

		assert_int_equal(qt_gs1_format_raw(&code, out, sizeof out), QT_OK);
		assert_int_equal(qt_gs1_parse_raw(out, strlen(out), &opts, &back, &err), QT_OK);
		assert_same_code(&code, &back, "raw");

		assert_int_equal(qt_gs1_format_dl(&code, "id.example.com", out, sizeof out), QT_OK);
		if (qt_code_parse(out, strlen(out), &opts, &back, &err) != QT_OK)
			fail_msg("DL '%s' did not parse: %s", out, err.msg);
		assert_same_code(&code, &back, "digital link");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_digit),
	        cmocka_unit_test(test_bare_keys),
	        cmocka_unit_test(test_bracketed),
	        cmocka_unit_test(test_raw_and_prefixes),
	        cmocka_unit_test(test_element_errors),
	        cmocka_unit_test(test_dates_iso),
	        cmocka_unit_test(test_digital_link),
	        cmocka_unit_test(test_formatting),
	        cmocka_unit_test(test_round_trip_property),
	        cmocka_unit_test(test_typed_on_a_chinese_keyboard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
