/* test_licence.c — production licence numbers (XKnn-nnn-nnnnn with an optional province
 * prefix): every accepted form, every province abbreviation, and each rejection's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "codes/uscc.h"

#define SHAPE "licence number must look like XKnn-nnn-nnnnn: "

static void expect_valid(const char *s, qt_licence *l)
{
	qt_err err = {{0}};

	if (qt_licence_parse(s, strlen(s), l, &err) != QT_OK)
		fail_msg("\"%s\" rejected: %s", s, err.msg);
}

static void expect_error_n(const char *s, size_t n, const char *msg)
{
	qt_err err = {{0}};
	qt_licence l;

	memset(&l, 0x5A, sizeof l);
	if (qt_licence_parse(s, n, &l, &err) != QT_ERR_INVALID)
		fail_msg("\"%.*s\" accepted, expected \"%s\"", (int)n, s, msg);
	assert_string_equal(err.msg, msg);
	assert_int_equal(l.number[0], 0x5A); /* untouched on failure */
}

static void expect_error(const char *s, const char *msg)
{
	expect_error_n(s, strlen(s), msg);
}

static void test_plain(void **state)
{
	qt_licence l;

	(void)state;
	expect_valid("XK06-014-00123", &l);
	assert_string_equal(l.number, "XK06-014-00123");
	assert_string_equal(l.province_abbr, "");
	assert_null(l.province_name);
	assert_string_equal(l.category, "06");
	assert_string_equal(l.unit, "014");
	assert_string_equal(l.serial, "00123");

	expect_valid("xk13-217-00045", &l);
	assert_string_equal(l.number, "XK13-217-00045");
	expect_valid("Xk13-217-00045", &l);
	assert_string_equal(l.number, "XK13-217-00045");
	expect_valid("  XK99-999-99999\r\n", &l);
	assert_string_equal(l.number, "XK99-999-99999");
	assert_string_equal(l.serial, "99999");
	expect_valid("\xE3\x80\x80XK00-000-00000\xE3\x80\x80", &l);
	assert_string_equal(l.number, "XK00-000-00000");
}

static void test_prefixed(void **state)
{
	qt_licence l;
	qt_err err = {{0}};
	const char tail[] = "(鄂)XK06-014-00123 and more";

	(void)state;
	expect_valid("(鄂)XK06-014-00123", &l);
	assert_string_equal(l.province_abbr, "鄂");
	assert_string_equal(l.province_name, "湖北省");
	assert_string_equal(l.number, "XK06-014-00123");
	assert_string_equal(l.category, "06");
	assert_string_equal(l.unit, "014");
	assert_string_equal(l.serial, "00123");

	expect_valid("（鄂）XK06-014-00123", &l);
	assert_string_equal(l.province_abbr, "鄂");
	assert_string_equal(l.province_name, "湖北省");
	expect_valid("(粤）xk16-205-01234", &l); /* mixed parentheses, as typed */
	assert_string_equal(l.province_name, "广东省");
	assert_string_equal(l.number, "XK16-205-01234");
	expect_valid(" （沪） XK16-205-01234 ", &l);
	assert_string_equal(l.province_name, "上海市");

	/* Only n bytes are read. */
	assert_int_equal(qt_licence_parse(tail, strlen("(鄂)XK06-014-00123"), &l, &err), QT_OK);
	assert_string_equal(l.number, "XK06-014-00123");
	assert_int_equal(qt_licence_parse("XK06-014-00123", 14, NULL, &err), QT_OK);
	assert_int_equal(qt_licence_parse(NULL, 3, &l, &err), QT_ERR_USAGE);
	assert_int_equal(qt_licence_parse("XK06", 4, &l, NULL), QT_ERR_INVALID);
}

static void test_every_abbreviation(void **state)
{
	static const struct {
		const char *abbr, *name;
	} v[] = {
	        {"京", "北京市"},         {"津", "天津市"},         {"冀", "河北省"},
	        {"晋", "山西省"},         {"蒙", "内蒙古自治区"},   {"辽", "辽宁省"},
	        {"吉", "吉林省"},         {"黑", "黑龙江省"},       {"沪", "上海市"},
	        {"苏", "江苏省"},         {"浙", "浙江省"},         {"皖", "安徽省"},
	        {"闽", "福建省"},         {"赣", "江西省"},         {"鲁", "山东省"},
	        {"豫", "河南省"},         {"鄂", "湖北省"},         {"湘", "湖南省"},
	        {"粤", "广东省"},         {"桂", "广西壮族自治区"}, {"琼", "海南省"},
	        {"渝", "重庆市"},         {"川", "四川省"},         {"蜀", "四川省"},
	        {"贵", "贵州省"},         {"黔", "贵州省"},         {"云", "云南省"},
	        {"滇", "云南省"},         {"藏", "西藏自治区"},     {"陕", "陕西省"},
	        {"秦", "陕西省"},         {"甘", "甘肃省"},         {"陇", "甘肃省"},
	        {"青", "青海省"},         {"宁", "宁夏回族自治区"}, {"新", "新疆维吾尔自治区"},
	        {"港", "香港特别行政区"}, {"澳", "澳门特别行政区"}, {"台", "台湾省"},
	};
	char buf[64];
	qt_licence l;

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		strcpy(buf, "(");
		strcat(buf, v[i].abbr);
		strcat(buf, ")XK06-014-00123");
		expect_valid(buf, &l);
		assert_string_equal(l.province_abbr, v[i].abbr);
		assert_string_equal(l.province_name, v[i].name);
		strcpy(buf, "（");
		strcat(buf, v[i].abbr);
		strcat(buf, "）XK06-014-00123");
		expect_valid(buf, &l);
		assert_string_equal(l.province_name, v[i].name);
	}
}

static void test_prefix_errors(void **state)
{
	(void)state;
	expect_error("(魔)XK06-014-00123", "unknown province abbreviation '魔'");
	expect_error("（魔）XK06-014-00123", "unknown province abbreviation '魔'");
	expect_error("(湖北)XK06-014-00123", "unknown province abbreviation '湖北'");
	expect_error("(E)XK06-014-00123", "unknown province abbreviation 'E'");
	expect_error("(鄂鄂鄂鄂鄂鄂鄂鄂鄂鄂)XK06-014-00123",
	             "unknown province abbreviation '鄂鄂鄂鄂鄂鄂鄂鄂...'");
	expect_error("(\xFF)XK06-014-00123",
	             "unknown province abbreviation (not printable UTF-8 text)");
	expect_error("(鄂XK06-014-00123", "province prefix: no closing parenthesis");
	expect_error("（鄂XK06-014-00123", "province prefix: no closing parenthesis");
	expect_error("()XK06-014-00123",
	             "province prefix: empty parentheses, expected an abbreviation such as 鄂");
	expect_error("(鄂)", SHAPE "got nothing");
	expect_error("鄂XK06-014-00123", SHAPE "position 1 should be 'X', got '鄂'");
	expect_error("[鄂]XK06-014-00123", SHAPE "position 1 should be 'X', got '['");
}

static void test_shape_errors(void **state)
{
	(void)state;
	expect_error("XK06_014-00123", SHAPE "position 5 should be '-', got '_'");
	expect_error("XK06-014_00123", SHAPE "position 9 should be '-', got '_'");
	expect_error("XK06－014-00123", SHAPE "position 5 should be '-', got '－'");
	expect_error("QS06-014-00123", SHAPE "position 1 should be 'X', got 'Q'");
	expect_error("XX06-014-00123", SHAPE "position 2 should be 'K', got 'X'");
	expect_error("XKA6-014-00123", SHAPE "position 3 should be a digit, got 'A'");
	expect_error("XK06-01a-00123", SHAPE "position 8 should be a digit, got 'a'");
	expect_error("XK06-014-0012３", SHAPE "position 14 should be a digit, got '３'");
	expect_error("XK06-014-0012\x01", SHAPE "position 14 should be a digit, got byte 0x01");
	expect_error("XK6-014-00123", SHAPE "position 4 should be a digit, got '-'");
	expect_error("XK06-014-0012", SHAPE "it ends after 13 characters, expected 14");
	expect_error("XK06-014-001234", SHAPE "unexpected '4' after position 14");
	expect_error("XK06-014-00123 (鄂)", SHAPE "unexpected ' ' after position 14");
	expect_error("", SHAPE "got nothing");
	expect_error("   ", SHAPE "got nothing");
	expect_error_n(NULL, 0, SHAPE "got nothing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain),
	        cmocka_unit_test(test_prefixed),
	        cmocka_unit_test(test_every_abbreviation),
	        cmocka_unit_test(test_prefix_errors),
	        cmocka_unit_test(test_shape_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
