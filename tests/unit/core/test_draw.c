/* test_draw.c — the draw's seed and selection: the same inputs always pick the same ids, the
 * order is the one docs/DOMAIN.md gives (recomputed here with libsodium's SHA-256, not the
 * project's), K beyond the candidates picks them all, and the lists are kept apart. */
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/draw.h"

static const char *ids_text = "[\"91440300MA5D00010X\",\"91440100MA5D00020Y\",\"a\",\"b\","
                              "\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"]";

/* SHA-256(seed || list || 0x00 || id) by libsodium */
static void key_of(const uint8_t seed[32], const char *list, const char *id, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, seed, 32);
	crypto_hash_sha256_update(&st, (const uint8_t *)list, strlen(list) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)id, strlen(id));
	crypto_hash_sha256_final(&st, out);
}

static void seed_is_root_then_jcs(void **state)
{
	qt_hash root;
	uint8_t seed[32], want[32];
	const char *jcs = "{\"bodies\":1,\"jurisdiction\":\"44\",\"region\":\"4403\","
	                  "\"tree_size\":7,\"units\":3}";
	json_t *params = json_pack("{s:i, s:i, s:s, s:i, s:s}", "units", 3, "bodies", 1,
	                           "jurisdiction", "44", "tree_size", 7, "region", "4403");
	crypto_hash_sha256_state st;
	qt_err err;
	(void)state;
	memset(root.b, 0xab, sizeof root.b);
	assert_int_equal(qt_draw_seed(&root, params, seed, &err), QT_OK);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, root.b, 32);
	crypto_hash_sha256_update(&st, (const uint8_t *)jcs, strlen(jcs));
	crypto_hash_sha256_final(&st, want);
	assert_memory_equal(seed, want, 32);
	json_decref(params);
}

static void selection_is_the_documented_order(void **state)
{
	uint8_t seed[32], best[32], k[32];
	json_t *ids = json_loads(ids_text, 0, NULL), *a = NULL, *b = NULL, *id;
	const char *first = NULL;
	size_t i;
	qt_err err;
	(void)state;
	memset(seed, 0x5a, sizeof seed);
	assert_int_equal(qt_draw_select(seed, "units", ids, 3, &a, &err), QT_OK);
	assert_int_equal(qt_draw_select(seed, "units", ids, 3, &b, &err), QT_OK);
	assert_int_equal(json_array_size(a), 3);
	assert_true(json_equal(a, b)); /* deterministic */
	/* the first pick has the smallest key, computed independently */
	json_array_foreach(ids, i, id)
	{
		key_of(seed, "units", json_string_value(id), k);
		if (!first || memcmp(k, best, 32) < 0) {
			memcpy(best, k, 32);
			first = json_string_value(id);
		}
	}
	assert_string_equal(json_string_value(json_array_get(a, 0)), first);
	/* keys ascend along the selection */
	for (i = 1; i < json_array_size(a); i++) {
		uint8_t k0[32], k1[32];
		key_of(seed, "units", json_string_value(json_array_get(a, i - 1)), k0);
		key_of(seed, "units", json_string_value(json_array_get(a, i)), k1);
		assert_true(memcmp(k0, k1, 32) < 0);
	}
	json_decref(a);
	json_decref(b);
	json_decref(ids);
}

static void all_when_k_is_larger_and_lists_apart(void **state)
{
	uint8_t seed[32];
	json_t *ids = json_loads(ids_text, 0, NULL), *all = NULL, *u = NULL, *bo = NULL;
	qt_err err;
	(void)state;
	memset(seed, 1, sizeof seed);
	assert_int_equal(qt_draw_select(seed, "units", ids, 1000, &all, &err), QT_OK);
	assert_int_equal(json_array_size(all), json_array_size(ids));
	assert_int_equal(qt_draw_select(seed, "units", ids, 10, &u, &err), QT_OK);
	assert_int_equal(qt_draw_select(seed, "bodies", ids, 10, &bo, &err), QT_OK);
	assert_false(json_equal(u, bo)); /* another list, another order */
	seed[0] ^= 1;
	json_decref(u);
	assert_int_equal(qt_draw_select(seed, "units", ids, 10, &u, &err), QT_OK);
	assert_false(json_equal(u, all)); /* another seed, another order */
	json_decref(all);
	json_decref(u);
	json_decref(bo);
	json_decref(ids);
}

static void refuses_a_non_string(void **state)
{
	uint8_t seed[32] = {0};
	json_t *ids = json_loads("[\"a\", 3]", 0, NULL), *out = NULL;
	qt_err err;
	(void)state;
	assert_int_equal(qt_draw_select(seed, "units", ids, 1, &out, &err), QT_ERR_INVALID);
	assert_null(out);
	json_decref(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(seed_is_root_then_jcs),
	        cmocka_unit_test(selection_is_the_documented_order),
	        cmocka_unit_test(all_when_k_is_larger_and_lists_apart),
	        cmocka_unit_test(refuses_a_non_string),
	};
	return sodium_init() < 0 ? 1 : cmocka_run_group_tests(tests, NULL, NULL);
}
