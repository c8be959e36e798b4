/* test_sampling.c — supervision sampling on a real store: what a result must carry, who may
 * record it and where (a circulation sampling at a unit that had the goods; a refusal records
 * nothing), and the risk rule of two fails within two years,
 * the day exactly two years apart included. */
#include "trace_fixture.h"

#include "core/sampling.h"

static const qt_account inspection = {.id = "I01", .name = "检验中心", .roles = QT_ROLE_INSPECTION};

/* The producer, and the seller, which received a code of batch 1 (a circulation sampling is
 * taken where the goods are); PRODUCER2 is registered but never had any. */
static void seed_units(fixture *f)
{
	char c[1][64];
	seed(f, "account", PRODUCER, "440300", json_pack("{s:s}", "id", PRODUCER));
	seed(f, "account", SELLER, "110000", json_pack("{s:s}", "id", SELLER));
	seed(f, "account", PRODUCER2, "440300", json_pack("{s:s}", "id", PRODUCER2));
	issue_codes(f, 1, c);
	commission_one(f, c[0]);
	receive_one(f, SELLER, ship_to(f, PRODUCER, SELLER, c[0]), c[0]);
}

/* A sampling of batch 1 at the seller, dated date; extra (JSON members) replaces fields. */
static qt_rc sample(fixture *f, const qt_account *who, const char *date, const char *result,
                    const char *extra, json_t **answer, qt_err *err)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s], s:s, s:{s:s, s:s}}",
	                         "unit", SELLER, "producer", PRODUCER, "product",
	                         "P0000000000000001", "batch", "B0000000000000001", "date", date,
	                         "place", "circulation", "standard", "GB/T 5023-2008", "items",
	                         "导体电阻", "绝缘厚度", "result", result, "report", "sha256",
	                         "ab00000000000000000000000000000000000000000000000000000000000000",
	                         "name", "报告.pdf");
	json_t *a = NULL;
	qt_rc rc;
	if (!strcmp(result, "fail"))
		json_object_set_new(body, "failed_items", json_pack("[s]", "导体电阻"));
	json_t *more = extra ? json_loads(extra, 0, NULL) : NULL;
	if (more)
		json_object_update(body, more);
	json_decref(more);
	rc = qt_sampling_record(f->p, who, body, &a, err);
	json_decref(body);
	if (answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

static size_t count(fixture *f)
{
	qt_account reg = {.id = "R00", .roles = QT_ROLE_REGULATOR};
	qt_sampling_filter none = {0};
	json_t *a = NULL;
	qt_err err;
	size_t n;
	assert_int_equal(
	        qt_sampling_list(qt_platform_reader(f->p, &err), &reg, &none, NULL, 100, &a, &err),
	        QT_OK);
	n = json_array_size(json_object_get(a, "samplings"));
	json_decref(a);
	return n;
}

static void test_rule_boundary(void **state)
{
	(void)state;
	const char *two_years[] = {"2024-11-21", "2026-11-21"};
	const char *a_day_more[] = {"2024-11-20", "2026-11-21"};
	const char *later[] = {"2026-11-21", "2028-11-21"};
	const char *one[] = {"2026-11-21"};
	const char *leap[] = {"2024-02-29", "2026-02-28"};
	assert_true(qt_sampling_on_site("2026-11-21", two_years, 2));
	assert_false(qt_sampling_on_site("2026-11-21", a_day_more, 2));
	assert_true(qt_sampling_on_site("2026-11-21", later, 2));
	assert_false(qt_sampling_on_site("2026-11-21", one, 1));
	/* two years after a 29 February is the 28th */
	assert_true(qt_sampling_on_site("2026-02-28", leap, 2));
}

static void test_refusals_record_nothing(void **state)
{
	fixture *f = *state;
	qt_account reg51 = {.id = "R51", .roles = QT_ROLE_REGULATOR, .jurisdiction = "51"};
	const char *bad[] = {
	        "{\"failed_items\":[\"导体电阻\"]}",   /* a pass with failed items */
	        "{\"place\":\"market\"}",              /* no such place */
	        "{\"place\":\"production\"}",          /* not at the producer */
	        "{\"date\":\"2099-01-01\"}",           /* the future */
	        "{\"date\":\"2025-01-01\"}",           /* before the batch was made */
	        "{\"product\":\"P0000000000000002\"}", /* the batch is not this product's */
	        "{\"product\":\"P0000000000000003\"}", /* the product is not the producer's */
	        "{\"batch\":\"B0000000000000009\"}",   /* no such batch */
	        "{\"report\":{\"sha256\":\"xyz\",\"name\":\"r\"}}",
	        "{\"items\":[]}",
	        "{\"unit\":\"91320100MA5T00045X\"}", /* not registered */
	        "{\"unit\":\"" PRODUCER2 "\"}",      /* never had goods of the batch */
	};
	qt_err err;
	seed_units(f);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sample(f, &inspection, "2026-01-10", "pass", bad[i], NULL, &err),
		                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "never received goods of batch B0000000000000001"));
	assert_int_equal(sample(f, &inspection, "2026-01-10", "fail",
	                        "{\"failed_items\":[\"阻燃\"]}", NULL, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(
	        sample(f, &inspection, "2026-01-10", "fail", "{\"failed_items\":null}", NULL, &err),
	        QT_ERR_INVALID);
	assert_int_equal(sample(f, &reg51, "2026-01-10", "pass", NULL, NULL, &err), QT_ERR_DENIED);
	assert_int_equal(count(f), 0);
	/* at the seller, which has them, it is recorded */
	assert_int_equal(sample(f, &inspection, "2026-01-10", "pass", NULL, NULL, &err), QT_OK);
	assert_int_equal(count(f), 1);
}

static void test_two_fails_in_two_years(void **state)
{
	fixture *f = *state;
	qt_account reg11 = {.id = "R11", .roles = QT_ROLE_REGULATOR, .jurisdiction = "11"};
	json_t *a = NULL;
	qt_err err;
	seed_units(f);
	/* a regulator of the seller only may record there */
	assert_int_equal(sample(f, &reg11, "2025-04-01", "pass", NULL, &a, &err), QT_OK);
	assert_false(json_is_true(
	        json_object_get(json_object_get(a, "sampling"), "on_site_inspection")));
	json_decref(a);
	assert_int_equal(sample(f, &inspection, "2025-05-01", "fail", NULL, &a, &err), QT_OK);
	assert_false(json_is_true(
	        json_object_get(json_object_get(a, "sampling"), "on_site_inspection")));
	assert_non_null(json_object_get(a, "trace"));
	json_decref(a);
	assert_int_equal(sample(f, &inspection, "2026-11-20", "fail", NULL, &a, &err), QT_OK);
	assert_true(json_is_true(
	        json_object_get(json_object_get(a, "sampling"), "on_site_inspection")));
	json_decref(a);
	assert_int_equal(count(f), 3);
}

/* A record without the sampling's id is replayed under the id of the document it wrote. */
static void test_replay_without_id(void **state)
{
	fixture *f = *state;
	json_t *a = NULL, *rec, *body, *kept;
	uint64_t index;
	qt_buf leaf;
	qt_err err;
	qt_rc rc;
	qt_store *rd;

	seed_units(f);
	seed(f, "account", inspection.id, "",
	     json_pack("{s:s, s:s, s:[s]}", "id", inspection.id, "name", inspection.name, "roles",
	               "inspection"));
	assert_int_equal(sample(f, &inspection, "2026-01-10", "pass", NULL, &a, &err), QT_OK);
	index = (uint64_t)json_integer_value(
	        json_object_get(json_object_get(a, "receipt"), "index"));
	rd = qt_platform_reader(f->p, &err);
	qt_buf_init(&leaf, 1 << 16);
	assert_int_equal(rd->ops->record_get(rd, index, &leaf, NULL, &err), QT_OK);
	rec = json_loadb(leaf.p, leaf.len, 0, NULL);
	/* the record as written before it carried the sampling's id */
	body = json_deep_copy(json_object_get(rec, "body"));
	assert_string_equal(str(body, "id"), str(json_object_get(a, "sampling"), "id"));
	json_object_del(body, "id");
	kept = replay_docs(f, qt_sampling_replay, "sampling", body, index, "sampling", &rc, &err);
	assert_int_equal(rc, QT_OK);
	assert_int_equal(json_array_size(kept), 1);
	assert_string_equal(str(json_array_get(kept, 0), "id"),
	                    str(json_object_get(a, "sampling"), "id"));
	assert_false(json_is_true(json_object_get(json_array_get(kept, 0), "on_site_inspection")));
	json_decref(kept);
	/* a record that wrote no sampling document cannot be replayed */
	assert_null(replay_docs(f, qt_sampling_replay, "sampling", body, index - 1, "sampling", &rc,
	                        &err));
	assert_int_equal(rc, QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "no sampling document names it as its writer"));
	json_decref(body);
	json_decref(rec);
	json_decref(a);
	qt_buf_free(&leaf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rule_boundary),
	        cmocka_unit_test_setup_teardown(test_refusals_record_nothing, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_two_fails_in_two_years, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_replay_without_id, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
