/* test_codes.c — issuing trace codes: generated and listed codes at each granularity, the
 * checks on a producer's own list (scheme, GTIN, lot, duplicates), codes that exist already,
 * someone else's product, and one request of 100,000 codes that is all or nothing. */
#include "trace_fixture.h"

static void test_generated_items(void **state)
{
	fixture *f = *state;
	json_t *a = NULL, *d;
	qt_err err;

	assert_int_equal(issue(f, PRODUCER,
	                       "{\"batch\":\"B0000000000000001\",\"granularity\":\"item\","
	                       "\"scheme\":\"gs1\",\"count\":130}",
	                       &a, &err),
	                 QT_OK);
	assert_int_equal(json_integer_value(json_object_get(a, "issued")), 130);
	assert_int_equal(json_integer_value(json_object_get(a, "records")), 3);
	assert_int_equal(json_array_size(json_object_get(a, "receipts")), 2);
	assert_false(json_is_true(json_object_get(a, "more")));
	const char *k = json_string_value(json_array_get(json_object_get(a, "codes"), 0));
	assert_non_null(k);
	assert_memory_equal(k, "01/" GTIN "/21/", 21);
	d = code_doc(f, k);
	assert_non_null(d);
	assert_string_equal(str(d, "status"), "issued");
	assert_string_equal(str(d, "holder"), PRODUCER);
	assert_string_equal(str(d, "batch"), "B0000000000000001");
	assert_string_equal(str(d, "product"), "P0000000000000001");
	json_decref(d);
	/* serials differ: they come from the random source */
	assert_string_not_equal(k,
	                        json_string_value(json_array_get(json_object_get(a, "codes"), 1)));
	json_decref(a);
}

static void test_listed_codes_checked(void **state)
{
	fixture *f = *state;
	qt_err err;

	/* another GTIN */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000001\",\"granularity\":\"item\","
	                       "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567885(21)X1\"]}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "GTIN"));
	/* another scheme */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000001\",\"granularity\":\"item\","
	                       "\"scheme\":\"dic\",\"codes\":[\"(01)06901234567892(21)X1\"]}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	/* twice in one list: nothing issued */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000001\",\"granularity\":\"item\","
	                       "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567892(21)D1\","
	                       "\"https://id.example/01/06901234567892/21/D1\"]}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "twice"));
	assert_null(code_doc(f, "01/" GTIN "/21/D1"));
	/* wrong lot for the batch */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"batch\":\"B0000000000000001\",\"granularity\":\"batch\","
	                       "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567892(10)OTHER\"]}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	/* the right lot */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"batch\":\"B0000000000000001\",\"granularity\":\"batch\","
	                       "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567892(10)L2025\"]}",
	                       NULL, &err),
	                 QT_OK);
}

static void test_existing_code_refused(void **state)
{
	fixture *f = *state;
	qt_err err;
	const char *body = "{\"product\":\"P0000000000000001\",\"granularity\":\"item\","
	                   "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567892(21)E2\"]}";
	const char *both = "{\"product\":\"P0000000000000001\",\"granularity\":\"item\","
	                   "\"scheme\":\"gs1\",\"codes\":[\"(01)06901234567892(21)E3\","
	                   "\"(01)06901234567892(21)E2\"]}";
	uint64_t size;

	assert_int_equal(issue(f, PRODUCER, body, NULL, &err), QT_OK);
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(issue(f, PRODUCER, both, NULL, &err), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "01/" GTIN "/21/E2"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_null(code_doc(f, "01/" GTIN "/21/E3")); /* all or nothing */
}

static void test_not_own_product(void **state)
{
	fixture *f = *state;
	qt_err err;
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000003\",\"granularity\":\"item\","
	                       "\"scheme\":\"dic\",\"count\":1}",
	                       NULL, &err),
	                 QT_ERR_DENIED);
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P00000000000000ff\",\"granularity\":\"item\","
	                       "\"scheme\":\"dic\",\"count\":1}",
	                       NULL, &err),
	                 QT_ERR_NOTFOUND);
}

static void test_granularity_and_gtin(void **state)
{
	fixture *f = *state;
	json_t *a = NULL;
	qt_err err;
	/* no GTIN: gs1 cannot be generated, dic can */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000002\",\"granularity\":\"item\","
	                       "\"scheme\":\"gs1\",\"count\":1}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000002\",\"granularity\":\"item\","
	                       "\"scheme\":\"dic\",\"count\":5}",
	                       &a, &err),
	                 QT_OK);
	assert_memory_equal(json_string_value(json_array_get(json_object_get(a, "codes"), 0)), "t/",
	                    2);
	json_decref(a);
	/* one product code, not five */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000001\",\"granularity\":\"product\","
	                       "\"scheme\":\"gs1\",\"count\":5}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000001\",\"granularity\":\"product\","
	                       "\"scheme\":\"gs1\",\"count\":1}",
	                       &a, &err),
	                 QT_OK);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "codes"), 0)),
	                    "01/" GTIN);
	json_decref(a);
}

/* A batch number is free text; a GS1 code carries it as its lot (AI 10) only when the lot can
 * hold it. Items are made without it, a batch code is refused and nothing is written. */
static void test_batch_number_no_lot(void **state)
{
	static const char *const numbers[] = {"二〇二六年第一批", "L2025-0000000000000001"};
	fixture *f = *state;
	json_t *a = NULL, *d;
	char body[200];
	qt_err err;
	uint64_t size;

	/* a lot that fits is the batch code: (01) GTIN (10) lot */
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"batch\":\"B0000000000000001\",\"granularity\":\"batch\","
	                       "\"scheme\":\"gs1\",\"count\":1}",
	                       &a, &err),
	                 QT_OK);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "codes"), 0)),
	                    "01/" GTIN "/10/L2025");
	json_decref(a);
	for (size_t i = 0; i < 2; i++) {
		char id[24];
		snprintf(id, sizeof id, "B00000000000000a%zu", i);
		seed_batch(f, id, "P0000000000000001", PRODUCER, numbers[i]);
		snprintf(body, sizeof body,
		         "{\"batch\":\"%s\",\"granularity\":\"item\",\"scheme\":\"%s\","
		         "\"count\":2}",
		         id, i ? "ecode" : "gs1");
		assert_int_equal(issue(f, PRODUCER, body, &a, &err), QT_OK);
		const char *k = json_string_value(json_array_get(json_object_get(a, "codes"), 1));
		assert_non_null(k);
		assert_memory_equal(k, "01/" GTIN "/21/", 21);
		d = code_doc(f, k);
		assert_non_null(d);
		assert_string_equal(str(d, "batch"), id); /* the code still names its batch */
		json_decref(d);
		json_decref(a);
		a = NULL;
		size = qt_ledger_size(f->p->ledger);
		snprintf(body, sizeof body,
		         "{\"batch\":\"%s\",\"granularity\":\"batch\",\"scheme\":\"%s\","
		         "\"count\":1}",
		         id, i ? "ecode" : "gs1");
		assert_int_equal(issue(f, PRODUCER, body, NULL, &err), QT_ERR_INVALID);
		assert_non_null(strstr(err.msg, numbers[i]));
		assert_non_null(strstr(err.msg, "cannot be a GS1 lot (AI 10"));
		assert_int_equal(qt_ledger_size(f->p->ledger), size);
		/* the digital identity scheme makes a batch code of any batch */
		snprintf(body, sizeof body,
		         "{\"batch\":\"%s\",\"granularity\":\"batch\",\"scheme\":\"dic\","
		         "\"count\":1}",
		         id);
		assert_int_equal(issue(f, PRODUCER, body, NULL, &err), QT_OK);
	}
}

/* Codes only in the schemes the producer registered the product for. */
static void test_registered_schemes_only(void **state)
{
	fixture *f = *state;
	uint64_t size;
	qt_err err;

	seed(f, "product", "P0000000000000004", PRODUCER,
	     json_pack("{s:s, s:s, s:s, s:[s], s:s}", "id", "P0000000000000004", "producer",
	               PRODUCER, "name", "架空绞线", "schemes", "gs1", "gtin", GTIN));
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000004\",\"granularity\":\"item\","
	                       "\"scheme\":\"dic\",\"count\":2}",
	                       NULL, &err),
	                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "not registered for scheme \"dic\""));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000004\",\"granularity\":\"item\","
	                       "\"scheme\":\"gs1\",\"count\":2}",
	                       NULL, &err),
	                 QT_OK);
	assert_int_equal(qt_ledger_size(f->p->ledger), size + 1);
}

static void test_hundred_thousand(void **state)
{
	fixture *f = *state;
	json_t *a = NULL, *page = NULL;
	qt_account u = unit(PRODUCER);
	qt_err err;
	uint64_t size = qt_ledger_size(f->p->ledger);

	assert_int_equal(issue(f, PRODUCER,
	                       "{\"batch\":\"B0000000000000001\",\"granularity\":\"item\","
	                       "\"scheme\":\"ecode\",\"count\":100000}",
	                       &a, &err),
	                 QT_OK);
	assert_int_equal(json_integer_value(json_object_get(a, "issued")), 100000);
	assert_int_equal(json_array_size(json_object_get(a, "codes")), QT_ISSUE_SHOWN);
	assert_true(json_is_true(json_object_get(a, "more")));
	assert_int_equal(qt_ledger_size(f->p->ledger), size + 1563);
	json_decref(a);
	/* the producer can page through them all */
	assert_int_equal(qt_codes_list(qt_platform_reader(f->p, &err), &u, "batch_codes",
	                               "B0000000000000001", NULL, 1000, &page, &err),
	                 QT_OK);
	assert_int_equal(json_array_size(json_object_get(page, "codes")), 1000);
	assert_non_null(json_object_get(page, "next"));
	json_decref(page);
	u = unit(PRODUCER2);
	assert_int_equal(qt_codes_list(qt_platform_reader(f->p, &err), &u, "batch_codes",
	                               "B0000000000000001", NULL, 10, &page, &err),
	                 QT_ERR_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_generated_items, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_listed_codes_checked, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_existing_code_refused, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_not_own_product, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_granularity_and_gtin, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_batch_number_no_lot, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_registered_schemes_only, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_hundred_thousand, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
