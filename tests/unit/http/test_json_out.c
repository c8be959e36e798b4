/* test_json_out.c — the writer of JSON answers against jansson's own: the same value read
 * back from both, the same bytes wherever the two escape alike, members in the order they
 * were set, and a value nested too deep refused with the buffer left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

/* v written by both; their texts must parse to equal values, and be equal bytes when asked */
static void same_as_jansson(json_t *v, bool same_bytes)
{
	qt_buf b;
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *back;

	qt_buf_init(&b, 1 << 20);
	assert_non_null(want);
	assert_int_equal(qt_http_json_encode(v, &b), QT_OK);
	back = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, v));
	if (same_bytes)
		assert_string_equal(b.p, want);
	json_decref(back);
	free(want);
	qt_buf_free(&b);
	json_decref(v);
}

static void test_values(void **state)
{
	(void)state;
	same_as_jansson(json_pack("{s:s, s:i, s:b, s:b, s:n, s:[], s:{}}", "name",
	                          "塑料绝缘控制电缆 KVV", "count", 3, "yes", 1, "no", 0, "none",
	                          "empty", "obj"),
	                true);
	same_as_jansson(json_pack("[I, I, i]", (json_int_t)INT64_MAX, (json_int_t)INT64_MIN, 0),
	                true);
	same_as_jansson(json_pack("{s:f, s:f, s:f}", "half", 0.5, "big", 1e20, "third", 1.0 / 3),
	                true);
	same_as_jansson(json_pack("{s:[{s:[[]]}, s]}", "deep", "x", "tail"), true);
	same_as_jansson(json_string("quote \" backslash \\ slash / tab\t newline\n"), true);
	same_as_jansson(json_string("emoji 😀, U+2028 \xE2\x80\xA8, DEL \x7f"), true);
	/* jansson writes \u001F, the canonical escaper \u001f: the same string */
	same_as_jansson(json_string("unit separator \x1f bell \x07"), false);
	same_as_jansson(json_integer(-42), true);
}

static void test_order_kept(void **state)
{
	json_t *v = json_object();
	qt_buf b;
	(void)state;

	json_object_set_new(v, "zeta", json_integer(1));
	json_object_set_new(v, "alpha", json_integer(2));
	json_object_set_new(v, "mu", json_integer(3));
	qt_buf_init(&b, 1024);
	assert_int_equal(qt_http_json_encode(v, &b), QT_OK);
	assert_string_equal(b.p, "{\"zeta\":1,\"alpha\":2,\"mu\":3}");
	json_decref(v);
	qt_buf_free(&b);
}

static void test_refusals(void **state)
{
	json_t *v = json_array(), *inner = v;
	qt_buf b;
	(void)state;

	for (int i = 0; i < 100; i++) {
		json_t *next = json_array();
		json_array_append_new(inner, next);
		inner = next;
	}
	qt_buf_init(&b, 1024);
	assert_int_equal(qt_buf_append(&b, "kept", 4), QT_OK);
	assert_int_equal(qt_http_json_encode(v, &b), QT_ERR_INVALID);
	assert_string_equal(b.p, "kept");
	json_decref(v);
	qt_buf_free(&b);
	/* an answer beyond the buffer's cap */
	qt_buf_init(&b, 16);
	assert_int_equal(qt_buf_append(&b, "kept", 4), QT_OK);
	v = json_pack("{s:s}", "long", "0123456789012345678901234567890123456789");
	assert_int_equal(qt_http_json_encode(v, &b), QT_ERR_TOOBIG);
	assert_string_equal(b.p, "kept");
	json_decref(v);
	qt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_order_kept),
	        cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
