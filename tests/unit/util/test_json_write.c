/* test_json_write.c — the JSON writer against jansson's json_dumps, byte for byte, in both of
 * its orders: members as they were set (answers) and sorted by key (stored documents), with
 * every escape, keys that are prefixes of others, non-ASCII keys and embedded NULs; and what
 * it refuses (a string that is not UTF-8, nesting the readers would refuse, a full buffer)
 * leaving the buffer as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json_write.h"

/* v written by both, in both orders: the same bytes. Steals v. */
static void same_as_jansson(json_t *v)
{
	for (int sorted = 0; sorted < 2; sorted++) {
		qt_buf b;
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		                                   (sorted ? JSON_SORT_KEYS : 0));
		assert_non_null(want);
		qt_buf_init(&b, 1 << 20);
		assert_int_equal(qt_json_write(v, sorted, &b), QT_OK);
		assert_int_equal(b.len, strlen(want));
		assert_memory_equal(b.p, want, b.len);
		free(want);
		qt_buf_free(&b);
	}
	json_decref(v);
}

static void test_values(void **state)
{
	(void)state;
	same_as_jansson(json_pack("{s:s, s:i, s:b, s:b, s:n, s:[], s:{}}", "name",
	                          "塑料绝缘控制电缆 KVV", "count", 3, "yes", 1, "no", 0, "none",
	                          "empty", "obj"));
	same_as_jansson(json_pack("[I, I, i, i, i, i, i, I]", (json_int_t)INT64_MAX,
	                          (json_int_t)INT64_MIN, 0, 9, 10, -1, -10,
	                          (json_int_t)1234567890123));
	same_as_jansson(json_pack("{s:f, s:f, s:f, s:f}", "half", 0.5, "big", 1e20, "third",
	                          1.0 / 3, "neg", -2.5e-300));
	same_as_jansson(json_pack("{s:[{s:[[]]}, s]}", "deep", "x", "tail"));
	same_as_jansson(
	        json_string("quote \" backslash \\ slash / tab\t newline\n cr\r bs\b ff\f"));
	same_as_jansson(json_string("emoji 😀, U+2028 \xE2\x80\xA8, DEL \x7f"));
	same_as_jansson(json_string("unit separator \x1f bell \x07 escape \x1b"));
	same_as_jansson(json_stringn("nul \0 inside", 13));
	same_as_jansson(json_string(""));
	same_as_jansson(json_integer(-42));
	same_as_jansson(json_true());
	same_as_jansson(json_null());
}

static void test_key_order(void **state)
{
	json_t *v = json_object(), *nested = json_object(), *set;
	qt_buf b;
	(void)state;

	/* set out of order: prefixes, case, non-ASCII (byte order), an embedded NUL, and more
	 * members than the writer sorts on its stack */
	static const char *const keys[] = {
	        "zeta",  "alpha", "mu", "alphabet",     "Alpha", "alph", "名称", "型号", "a", "",
	        "z\x7f", "é",     "😀",  "\xef\xbf\xbd", "b2",    "b10",  "b1",   "B",    "_", "0"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_object_set_new(v, keys[i], json_integer((json_int_t)i));
		json_object_set_new(nested, keys[i], json_string(keys[i]));
	}
	json_object_setn_new(v, "k\0b", 3, json_integer(100));
	json_object_setn_new(v, "k", 1, json_integer(101));
	json_object_set_new(v, "nested",
	                    json_pack("[o, {s:o}]", json_incref(nested), "again", nested));
	/* as set, when not sorted */
	set = json_pack("{s:i, s:i, s:i}", "zeta", 1, "alpha", 2, "mu", 3);
	qt_buf_init(&b, 1 << 16);
	assert_int_equal(qt_json_write(set, false, &b), QT_OK);
	assert_string_equal(b.p, "{\"zeta\":1,\"alpha\":2,\"mu\":3}");
	qt_buf_free(&b);
	json_decref(set);
	same_as_jansson(v);
}

static void test_refusals(void **state)
{
	json_t *v = json_array(), *inner = v;
	qt_buf b;
	(void)state;

	/* 2,048 levels are written (the readers take them), 2,049 are not */
	for (int i = 1; i < 2048; i++) {
		json_t *next = json_array();
		json_array_append_new(inner, next);
		inner = next;
	}
	qt_buf_init(&b, 1 << 20);
	assert_int_equal(qt_buf_append(&b, "kept", 4), QT_OK);
	assert_int_equal(qt_json_write(v, true, &b), QT_OK);
	assert_int_equal(b.len, 4 + 2 * 2048);
	qt_buf_reset(&b);
	assert_int_equal(qt_buf_append(&b, "kept", 4), QT_OK);
	json_array_append_new(inner, json_array());
	assert_int_equal(qt_json_write(v, false, &b), QT_ERR_INVALID);
	assert_string_equal(b.p, "kept");
	json_decref(v);
	/* a string that is not UTF-8 (jansson's own json_dumps refuses it too) */
	v = json_pack("{s:[s, o]}", "list", "fine", json_stringn_nocheck("bad \xc3\x28", 6));
	assert_null(json_dumps(v, JSON_COMPACT));
	assert_int_equal(qt_json_write(v, true, &b), QT_ERR_INVALID);
	assert_string_equal(b.p, "kept");
	json_decref(v);
	qt_buf_free(&b);
	/* beyond the buffer's cap */
	qt_buf_init(&b, 16);
	assert_int_equal(qt_buf_append(&b, "kept", 4), QT_OK);
	v = json_pack("{s:s}", "long", "0123456789012345678901234567890123456789");
	assert_int_equal(qt_json_write(v, false, &b), QT_ERR_TOOBIG);
	assert_string_equal(b.p, "kept");
	json_decref(v);
	qt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_key_order),
	        cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
