/* test_json_parse.c — the fast JSON reader's answers at the edges, each beside jansson's: the
 * escapes and surrogate pairs, numbers at the integer limits and beyond, the last of two equal
 * keys, the depth limit exactly, and the refusals (bad UTF-8, controls, "\u0000", trailing
 * text, a bare scalar, a raw NUL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json_parse.h"

/* s read by both readers: equal values, or both refused; returns the fast reader's value */
static json_t *both(const char *s, size_t n)
{
	json_t *mine = qt_json_parse(s, n, NULL), *theirs = json_loadb(s, n, 0, NULL);

	assert_int_equal(mine == NULL, theirs == NULL);
	if (mine)
		assert_true(json_equal(mine, theirs));
	json_decref(theirs);
	return mine;
}

#define BOTH(lit) both(lit, sizeof lit - 1)

static void test_values(void **state)
{
	json_t *v;
	(void)state;

	v = BOTH("[\"\\ud834\\udd1e \\u4E2D \\/ \\\" \\\\ \\b\\f\\n\\r\\t\", \"中文\"]");
	assert_string_equal(json_string_value(json_array_get(v, 0)),
	                    "\xF0\x9D\x84\x9E \xE4\xB8\xAD / \" \\ \b\f\n\r\t");
	json_decref(v);
	v = BOTH("[9223372036854775807, -9223372036854775808, 0.5, -1e-3, 1E2, -0]");
	assert_int_equal(json_integer_value(json_array_get(v, 0)), INT64_MAX);
	assert_int_equal(json_integer_value(json_array_get(v, 1)), INT64_MIN);
	assert_true(json_is_real(json_array_get(v, 2)));
	assert_true(json_is_real(json_array_get(v, 4)));
	assert_true(json_is_integer(json_array_get(v, 5)));
	json_decref(v);
	v = BOTH(" {\"a\" : 1 , \"a\" : [true, false, null], \"\": {}} \n");
	assert_true(json_is_array(json_object_get(v, "a")));
	assert_non_null(json_object_get(v, ""));
	json_decref(v);
	/* a key long enough to be copied out before its value is read */
	v = BOTH("{\"a key longer than sixty-four bytes, escaped \\u00e9 so it sits in the "
	         "scratch buffer\":\"and a value with an escape \\n too\"}");
	assert_int_equal(json_object_size(v), 1);
	json_decref(v);
}

static void test_depth(void **state)
{
	char s[2 * 2049 + 1];
	json_t *v;
	(void)state;

	memset(s, '[', 2048);
	memset(s + 2048, ']', 2048);
	v = both(s, 2 * 2048);
	assert_non_null(v);
	json_decref(v);
	memset(s, '[', 2049);
	memset(s + 2049, ']', 2049);
	assert_null(both(s, 2 * 2049));
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
	        "",
	        "\"scalar\"",
	        "3",
	        "{\"a\":1} x",
	        "[01]",
	        "[1.]",
	        "[-]",
	        "[1e]",
	        "[.5]",
	        "[9223372036854775808]",
	        "[1e400]",
	        "[\"\\ud834\"]",
	        "[\"\\udc00\"]",
	        "[\"\\u0000\"]",
	        "[\"\\x\"]",
	        "[\"a\x01\"]",
	        "[\"\xC0\xAF\"]",
	        "[\"\xED\xA0\x80\"]",
	        "{\"a\" 1}",
	        "{a:1}",
	        "[1,]",
	        "[tru]",
	        "[nulll]",
	        "{\"a\":1,}",
	        "[\"open",
	};
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_null(both(bad[i], strlen(bad[i])));
	/* a raw NUL: jansson skips one after a number, JSON has none outside strings */
	json_error_t why;
	assert_null(qt_json_parse("[1\0,2]", 6, &why));
	assert_string_equal(why.text, "a NUL byte outside a string");
	/* a refusal says why, in jansson's words */
	assert_null(qt_json_parse("{\"a\" 1}", 7, &why));
	assert_non_null(strstr(why.text, "':' expected"));
	assert_null(qt_json_parse("{\"a\":\"x\0\"}", 10, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_depth),
	        cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
