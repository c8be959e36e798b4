/* test_draw.c — the draw's seed and selection: the same inputs always pick the same ids, the
 * order is the one docs/DOMAIN.md gives (recomputed here with libsodium's SHA-256, not the
 * project's), K beyond the candidates picks them all, and the lists are kept apart; and its
 * candidates: read from the ledger as of the seed's checkpoint, so a record whose lists leave
 * a unit out (or add one) fails the check by that unit's name. */
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/catalog.h"
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

/* A platform with a catalogue of two categories, three producers and a seller in Guangdong,
 * one in Beijing, and two inspection bodies. */
#define SZ   "91440300MA5D00016M"
#define GZ   "91440100MA5D000246"
#define BJ   "91110100MA5D00032G"
#define SHOP "91440304MA5D000400"
#define LATE "91440305MA5D00059B"
#define CU   "wire-cable.a"

typedef struct fixture {
	char dir[64];
	qt_platform *p;
	char insp[2][QT_ID_MAX];
} fixture;

static void register_unit(fixture *f, const char *uscc, const char *role)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[s]}", "name",
	                         "测试有限公司", "uscc", uscc, "address", "广东省深圳市", "contact",
	                         "0755-1", "licence", "sha256",
	                         "abababababababababababababababababababababababababababababababab",
	                         "name", "营业执照.pdf", "roles", role),
	       *answer = NULL;
	qt_err err;
	if (qt_units_register(f->p, body, &answer, &err) != QT_OK)
		fail_msg("register %s: %s", uscc, err.msg);
	json_decref(body);
	json_decref(answer);
}

static void register_product(fixture *f, const char *producer, const char *cu)
{
	qt_account who = {.roles = QT_ROLE_PRODUCER};
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "name", "电缆",
	                         "catalog_unit", cu, "type", "控制电缆", "model", "KVV", "standard",
	                         "GB/T 9330-2020", "licence_no", "XK06-014-00123", "schemes",
	                         "dic"),
	       *answer = NULL;
	qt_err err;
	snprintf(who.id, sizeof who.id, "%s", producer);
	if (qt_products_register(f->p, &who, body, &answer, &err) != QT_OK)
		fail_msg("product of %s: %s", producer, err.msg);
	json_decref(body);
	json_decref(answer);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char db[128], vkey[512], token[QT_TOKEN_LEN + 1];
	json_t *file = json_loads(
	               "{\"categories\":[{\"id\":\"wire-cable\",\"name\":\"电线电缆\",\"since\":"
	               "\"2024-12-31\",\"requires\":\"licence\",\"units\":[{\"id\":\"wire-cable."
	               "a\","
	               "\"name\":\"A\"},{\"id\":\"wire-cable.b\",\"name\":\"B\"}]},{\"id\":"
	               "\"helmet\",\"name\":\"安全帽\",\"since\":\"2024-12-31\",\"requires\":"
	               "\"licence\",\"units\":[{\"id\":\"helmet.a\",\"name\":\"H\"}]}]}",
	               0, NULL),
	       *units = NULL;
	qt_err err;

	snprintf(f->dir, sizeof f->dir, "/tmp/qt-draw-test-XXXXXX");
	if (!file || !mkdtemp(f->dir))
		return -1;
	snprintf(db, sizeof db, "%s/t.db", f->dir);
	if (qt_ledger_init(db, "test.example/log", vkey, sizeof vkey, &err) != QT_OK ||
	    qt_platform_open(db, &f->p, &err) != QT_OK ||
	    qt_catalog_from_json(file, &units, &err) != QT_OK ||
	    qt_catalog_add(f->p, units, &err) != QT_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	json_decref(file);
	json_decref(units);
	register_unit(f, SZ, "producer");
	register_unit(f, GZ, "producer");
	register_unit(f, BJ, "producer");
	register_unit(f, SHOP, "seller");
	register_product(f, SZ, CU);
	register_product(f, GZ, "wire-cable.b");
	register_product(f, BJ, "helmet.a");
	for (int i = 0; i < 2; i++)
		if (qt_accounts_add(f->p, QT_ROLE_INSPECTION, "检验中心", NULL, token, f->insp[i],
		                    &err) != QT_OK)
			return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[100];
	qt_platform_close(f->p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	free(f);
	return system(cmd);
}

/* A draw by a regulator of jurisdiction j; *index its record, returns its body as recorded. */
static json_t *draw(fixture *f, const char *j, const char *body_text, uint64_t *index)
{
	qt_account reg = {.id = "regulator-t", .roles = QT_ROLE_REGULATOR};
	json_t *body = json_loads(body_text, 0, NULL), *answer = NULL, *rec, *out;
	qt_store *rd;
	qt_buf leaf;
	qt_err err;

	snprintf(reg.jurisdiction, sizeof reg.jurisdiction, "%s", j);
	if (qt_draw_make(f->p, &reg, body, &answer, &err) != QT_OK)
		fail_msg("draw: %s", err.msg);
	*index = (uint64_t)json_integer_value(
	        json_object_get(json_object_get(answer, "draw"), "index"));
	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	rd = qt_platform_reader(f->p, &err);
	assert_int_equal(rd->ops->record_get(rd, *index, &leaf, NULL, &err), QT_OK);
	rec = json_loadb(leaf.p, leaf.len, 0, NULL);
	out = json_incref(json_object_get(rec, "body"));
	json_decref(rec);
	json_decref(body);
	json_decref(answer);
	qt_buf_free(&leaf);
	return out;
}

static qt_rc check(fixture *f, const json_t *body, uint64_t index, qt_err *err)
{
	qt_verifier v;
	qt_ledger_verifier(f->p->ledger, &v);
	return qt_draw_check(qt_platform_reader(f->p, err), body, index, &v, err);
}

static json_t *ids(const char *a, const char *b, const char *c)
{
	json_t *out = json_array();
	const char *all[] = {a, b, c};
	for (int i = 0; i < 3; i++)
		if (all[i])
			json_array_append_new(out, json_string(all[i]));
	return out;
}

/* The server's record verifies; a unit registered after its checkpoint is not drawn from,
 * though it would be at a later tree size. */
static void honest_draw_verifies_later_unit_is_not_a_candidate(void **state)
{
	fixture *f = *state;
	uint64_t index;
	json_t *body = draw(f, "44", "{\"units\":2,\"bodies\":1}", &index), *want, *params,
	       *units = NULL, *bodies = NULL;
	qt_err err;

	want = ids(GZ, SZ, SHOP); /* sorted by id: 91440100 < 91440300 < 91440304 */
	assert_true(json_equal(json_object_get(json_object_get(body, "eligible"), "units"), want));
	assert_int_equal(
	        json_array_size(json_object_get(json_object_get(body, "eligible"), "bodies")), 2);
	register_unit(f, LATE, "seller");
	assert_int_equal(check(f, body, index, &err), QT_OK);
	params = json_deep_copy(json_object_get(body, "params"));
	assert_int_equal(
	        qt_draw_eligible(qt_platform_reader(f->p, &err), params, &units, &bodies, &err),
	        QT_OK);
	assert_true(json_equal(units, want));
	json_decref(units);
	json_decref(bodies);
	json_object_set_new(params, "tree_size", json_integer((json_int_t)index + 2));
	assert_int_equal(
	        qt_draw_eligible(qt_platform_reader(f->p, &err), params, &units, &bodies, &err),
	        QT_OK);
	assert_int_equal(json_array_size(units), 4); /* LATE is record index + 1 */
	json_decref(units);
	json_decref(bodies);
	json_decref(params);
	json_decref(want);
	json_decref(body);
}

/* A forged record: list and selection made consistently from lists that leave one out (or
 * add one), which a check of the seed and selection alone would pass. */
static void forge(json_t *body, const char *list, const char *drop, const char *add)
{
	json_t *eligible = json_object_get(json_object_get(body, "eligible"), list), *sel = NULL;
	uint8_t seed[32];
	size_t i;

	for (i = 0; drop && i < json_array_size(eligible); i++)
		if (strcmp(json_string_value(json_array_get(eligible, i)), drop) == 0)
			json_array_remove(eligible, i);
	if (add)
		json_array_append_new(eligible, json_string(add));
	assert_int_equal(sodium_hex2bin(seed, sizeof seed,
	                                json_string_value(json_object_get(body, "seed")), 64, NULL,
	                                NULL, NULL),
	                 0);
	assert_int_equal(qt_draw_select(seed, list, eligible,
	                                (size_t)json_integer_value(json_object_get(
	                                        json_object_get(body, "params"), list)),
	                                &sel, &(qt_err){{0}}),
	                 QT_OK);
	json_object_set_new(json_object_get(body, "selected"), list, sel);
}

static void tampered_lists_are_named(void **state)
{
	fixture *f = *state;
	uint64_t index;
	json_t *body = draw(f, "44", "{\"units\":1,\"bodies\":1}", &index), *forged;
	qt_err err;

	forged = json_deep_copy(body);
	forge(forged, "units", SZ, NULL);
	assert_int_equal(check(f, forged, index, &err), QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "eligible.units: " SZ " is a candidate"));
	json_decref(forged);

	forged = json_deep_copy(body);
	forge(forged, "units", NULL, BJ); /* outside Guangdong */
	assert_int_equal(check(f, forged, index, &err), QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "eligible.units: " BJ " is in the record but not"));
	json_decref(forged);

	forged = json_deep_copy(body);
	forge(forged, "bodies", f->insp[1], NULL);
	assert_int_equal(check(f, forged, index, &err), QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, f->insp[1]));
	assert_non_null(strstr(err.msg, "eligible.bodies"));
	json_decref(forged);

	assert_int_equal(check(f, body, index, &err), QT_OK);
	json_decref(body);
}

/* A draw by j whose eligible units are exactly a, b (NULL: fewer) and which verifies. */
static void draws_units(fixture *f, const char *j, const char *body_text, const char *a,
                        const char *b)
{
	uint64_t index;
	json_t *body = draw(f, j, body_text, &index), *want = ids(a, b, NULL);
	qt_err err;

	assert_true(json_equal(json_object_get(json_object_get(body, "eligible"), "units"), want));
	assert_int_equal(check(f, body, index, &err), QT_OK);
	json_decref(want);
	json_decref(body);
}

/* catalog_unit keeps units with a product.register in it; category those with one in a unit
 * whose catalog.add record names it. */
static void catalogue_filters_from_the_ledger(void **state)
{
	fixture *f = *state;

	draws_units(f, "", "{\"units\":5,\"bodies\":0,\"catalog_unit\":\"" CU "\"}", SZ, NULL);
	draws_units(f, "", "{\"units\":5,\"bodies\":0,\"category\":\"wire-cable\"}", GZ, SZ);
	draws_units(f, "11", "{\"units\":5,\"bodies\":0,\"category\":\"helmet\"}", BJ, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(seed_is_root_then_jcs),
	        cmocka_unit_test(selection_is_the_documented_order),
	        cmocka_unit_test(all_when_k_is_larger_and_lists_apart),
	        cmocka_unit_test(refuses_a_non_string),
	        cmocka_unit_test_setup_teardown(honest_draw_verifies_later_unit_is_not_a_candidate,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(tampered_lists_are_named, setup, teardown),
	        cmocka_unit_test_setup_teardown(catalogue_filters_from_the_ledger, setup, teardown),
	};
	return sodium_init() < 0 ? 1 : cmocka_run_group_tests(tests, NULL, NULL);
}
