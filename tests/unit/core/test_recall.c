/* test_recall.c — recalls on a real store: a batch moved through three tiers is recalled, the
 * impact report counts holders and sales per region from current state, progress by holders
 * only, closing ends it, a recall of listed codes is named by their products, and refused
 * requests change nothing. */
#include "trace_fixture.h"

#include "core/recall.h"
#include "core/scan.h"

#define RETAILER "91330100MA5T000377"

static qt_account regulator(const char *j)
{
	qt_account a = {.id = "regulator-1", .roles = QT_ROLE_REGULATOR};
	snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", j);
	return a;
}

/* c[0..4] commissioned; c[0..2] to SELLER; c[0], c[1] on to RETAILER, who sells c[0]. */
static void three_tiers(fixture *f, char c[5][64])
{
	json_t *a = NULL;
	long long ship;
	qt_err err;

	issue_codes(f, 5, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\","
	                        "\"%s\",\"%s\",\"%s\"]},{\"type\":\"ship\",\"codes\":[\"%s\","
	                        "\"%s\",\"%s\"],\"buyer\":{\"uscc\":\"" SELLER
	                        "\",\"name\":\"北京经销\"}}]}",
	                        c[0], c[1], c[2], c[3], c[4], c[0], c[1], c[2]),
	                 QT_OK);
	ship = first_index(a) + 1;
	assert_int_equal(events(f, SELLER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\",\"%s\",\"%s\"]},{\"type\":\"ship\",\"codes\":"
	                        "[\"%s\",\"%s\"],\"buyer\":{\"uscc\":\"" RETAILER
	                        "\",\"name\":\"杭州五金\"}}]}",
	                        ship, c[0], c[1], c[2], c[0], c[1]),
	                 QT_OK);
	ship = first_index(a) + 1;
	assert_int_equal(events(f, RETAILER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\",\"%s\"]},{\"type\":\"retail\",\"codes\":"
	                        "[\"%s\"]}]}",
	                        ship, c[0], c[1], c[0]),
	                 QT_OK);
	json_decref(a);
}

static qt_rc call(fixture *f, const qt_account *who, const char *what, const char *id,
                  const char *text, json_t **answer, qt_err *err)
{
	json_t *body = json_loads(text, 0, NULL);
	qt_rc rc;
	assert_non_null(body);
	rc = !strcmp(what, "open")       ? qt_recall_open(f->p, who, body, answer, err)
	     : !strcmp(what, "progress") ? qt_recall_progress(f->p, who, id, body, answer, err)
	                                 : qt_recall_close(f->p, who, id, body, answer, err);
	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "%s: %d %s\n", what, rc, rc == QT_OK ? "" : err->msg);
	json_decref(body);
	return rc;
}

static json_int_t total(const json_t *a, const char *k)
{
	return json_integer_value(
	        json_object_get(json_object_get(json_object_get(a, "impact"), "totals"), k));
}

/* The holder's {quantity, ...} field in the impact. */
static json_int_t held(const json_t *a, const char *unit, const char *k)
{
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(json_object_get(a, "impact"), "holders"), i, h)
	{
		if (!strcmp(str(h, "unit"), unit))
			return json_integer_value(json_object_get(h, k));
	}
	return -1;
}

static size_t records(fixture *f)
{
	qt_err err;
	uint64_t n = 0;
	qt_store *rd = qt_platform_reader(f->p, &err);
	assert_int_equal(rd->ops->record_count(rd, &n, &err), QT_OK);
	return (size_t)n;
}

static void test_batch_recall(void **state)
{
	fixture *f = *state;
	char c[5][64], id[32], st[32], body[300];
	qt_account reg = regulator("44"), producer = unit(PRODUCER), seller = unit(SELLER),
	           retailer = unit(RETAILER), other = regulator("11");
	json_t *a = NULL, *regions;
	qt_err err;

	three_tiers(f, c);
	assert_int_equal(call(f, &other, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"reason\":\"断股\"}", &a, &err),
	                 QT_ERR_DENIED);
	assert_int_equal(call(f, &reg, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"reason\":\"断股\"}", &a, &err),
	                 QT_OK);
	snprintf(id, sizeof id, "%s", str(json_object_get(a, "recall"), "id"));
	assert_int_equal(total(a, "found"), 5);
	assert_int_equal(total(a, "sold"), 1);
	assert_int_equal(total(a, "outstanding"), 5);
	assert_int_equal(held(a, PRODUCER, "quantity"), 2);
	assert_int_equal(held(a, SELLER, "quantity"), 1);
	assert_int_equal(held(a, RETAILER, "quantity"), 2);
	regions = json_object_get(json_object_get(a, "impact"), "sold_by_region");
	assert_int_equal(json_array_size(regions), 1);
	assert_string_equal(str(json_array_get(regions, 0), "region"), "330100");
	json_decref(a);
	for (int i = 0; i < 5; i++)
		assert_string_equal(status_of(f, c[i], st), "recalled");

	/* a holder reports only its own goods, once */
	snprintf(body, sizeof body, "{\"codes\":[\"%s\"],\"action\":\"returned\"}", c[2]);
	assert_int_equal(call(f, &retailer, "progress", id, body, &a, &err), QT_ERR_DENIED);
	assert_int_equal(call(f, &seller, "progress", id, body, &a, &err), QT_OK);
	assert_int_equal(total(a, "returned"), 1);
	assert_int_equal(held(a, SELLER, "outstanding"), 0);
	json_decref(a);
	assert_int_equal(call(f, &seller, "progress", id, body, &a, &err), QT_ERR_CONFLICT);
	snprintf(body, sizeof body, "{\"codes\":[\"%s\",\"%s\"],\"action\":\"destroyed\"}", c[3],
	         c[4]);
	assert_int_equal(call(f, &producer, "progress", id, body, &a, &err), QT_OK);
	assert_int_equal(total(a, "destroyed"), 2);
	assert_int_equal(total(a, "outstanding"), 2);
	json_decref(a);

	/* the retailer sees it; an outsider does not */
	assert_int_equal(qt_recall_get(qt_platform_reader(f->p, &err), &retailer, id, &a, &err),
	                 QT_OK);
	json_decref(a);
	assert_int_equal(qt_recall_get(qt_platform_reader(f->p, &err), &other, id, &a, &err),
	                 QT_ERR_DENIED);

	assert_int_equal(call(f, &seller, "close", id, "{\"note\":\"x\"}", &a, &err),
	                 QT_ERR_DENIED);
	assert_int_equal(call(f, &reg, "close", id, "{\"note\":\"完成\"}", &a, &err), QT_OK);
	assert_string_equal(str(json_object_get(a, "recall"), "status"), "closed");
	json_decref(a);
	snprintf(body, sizeof body, "{\"codes\":[\"%s\"],\"action\":\"returned\"}", c[1]);
	assert_int_equal(call(f, &retailer, "progress", id, body, &a, &err), QT_ERR_CONFLICT);
}

/* A code in two recalls (the batch, then a few of its codes): each recall counts only what
 * was reported against it, and the code is reported once under each. */
static void test_code_in_two_recalls(void **state)
{
	fixture *f = *state;
	char c[5][64], a_id[32], b_id[32], body[300];
	qt_account reg = regulator("44"), seller = unit(SELLER);
	json_t *a = NULL;
	qt_err err;

	three_tiers(f, c);
	assert_int_equal(call(f, &reg, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"reason\":\"断股\"}", &a, &err),
	                 QT_OK);
	snprintf(a_id, sizeof a_id, "%s", str(json_object_get(a, "recall"), "id"));
	json_decref(a);
	snprintf(body, sizeof body, "{\"codes\":[\"%s\",\"%s\"],\"reason\":\"绝缘\"}", c[2], c[3]);
	assert_int_equal(call(f, &reg, "open", NULL, body, &a, &err), QT_OK);
	snprintf(b_id, sizeof b_id, "%s", str(json_object_get(a, "recall"), "id"));
	assert_int_equal(total(a, "found"), 2);
	assert_int_equal(held(a, SELLER, "quantity"), 1);
	assert_int_equal(held(a, PRODUCER, "quantity"), 1);
	json_decref(a);

	snprintf(body, sizeof body, "{\"codes\":[\"%s\"],\"action\":\"returned\"}", c[2]);
	assert_int_equal(call(f, &seller, "progress", a_id, body, &a, &err), QT_OK);
	assert_int_equal(total(a, "returned"), 1);
	json_decref(a);
	assert_int_equal(qt_recall_get(qt_platform_reader(f->p, &err), &reg, b_id, &a, &err),
	                 QT_OK);
	assert_int_equal(total(a, "returned"), 0);
	assert_int_equal(held(a, SELLER, "outstanding"), 1);
	json_decref(a);
	assert_int_equal(call(f, &seller, "progress", b_id, body, &a, &err), QT_OK);
	assert_int_equal(total(a, "returned"), 1);
	assert_int_equal(total(a, "outstanding"), 1);
	json_decref(a);
	assert_int_equal(call(f, &seller, "progress", a_id, body, &a, &err), QT_ERR_CONFLICT);
	assert_int_equal(qt_recall_get(qt_platform_reader(f->p, &err), &reg, a_id, &a, &err),
	                 QT_OK);
	assert_int_equal(total(a, "returned"), 1);
	assert_int_equal(total(a, "outstanding"), 4);
	json_decref(a);
}

/* The recall of id as listed. */
static json_t *listed(fixture *f, const qt_account *who, const char *id)
{
	json_t *page = NULL, *r, *found = NULL;
	size_t i;
	qt_err err;

	assert_int_equal(
	        qt_recall_list(qt_platform_reader(f->p, &err), who, NULL, 100, &page, &err), QT_OK);
	json_array_foreach(json_object_get(page, "recalls"), i, r)
	{
		if (!strcmp(str(r, "id"), id))
			found = json_incref(r);
	}
	json_decref(page);
	assert_non_null(found);
	return found;
}

/* A recall of listed codes is named by the products of the codes it affected: a carton listed
 * alone by its goods' product, codes of two products by each product beside its id - in the
 * answer that opens it, when it is read and in the list. */
static void test_codes_recall_named(void **state)
{
	fixture *f = *state;
	char c[5][64], body[400], p2[64];
	qt_account reg = regulator("44"), producer = unit(PRODUCER);
	json_t *a = NULL, *r, *names, *both[2];
	qt_err err;

	issue_codes(f, 5, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"(00)006901234000000018\","
	                        "\"codes\":[\"%s\",\"%s\"]}]}",
	                        c[0], c[1], c[0], c[1]),
	                 QT_OK);
	json_decref(a);
	assert_int_equal(call(f, &reg, "open", NULL,
	                      "{\"codes\":[\"(00)006901234000000018\"],\"reason\":\"断股\"}", &a,
	                      &err),
	                 QT_OK);
	r = json_object_get(a, "recall");
	assert_string_equal(str(r, "product_name"), "架空绞线");
	assert_null(json_object_get(r, "product_names"));
	assert_null(json_object_get(r, "product")); /* its scope stays the codes */
	json_decref(a);

	assert_int_equal(issue(f, PRODUCER,
	                       "{\"product\":\"P0000000000000002\",\"granularity\":\"product\","
	                       "\"scheme\":\"dic\",\"count\":1}",
	                       &a, &err),
	                 QT_OK);
	snprintf(p2, sizeof p2, "%s",
	         json_string_value(json_array_get(json_object_get(a, "codes"), 0)));
	json_decref(a);
	snprintf(body, sizeof body, "{\"codes\":[\"%s\",\"%s\"],\"reason\":\"标识\"}", c[2], p2);
	assert_int_equal(call(f, &producer, "open", NULL, body, &a, &err), QT_OK);
	snprintf(body, sizeof body, "%s", str(json_object_get(a, "recall"), "id"));
	json_decref(a);
	assert_int_equal(qt_recall_get(qt_platform_reader(f->p, &err), &reg, body, &a, &err),
	                 QT_OK);
	r = listed(f, &reg, body);
	both[0] = json_object_get(a, "recall");
	both[1] = r;
	for (size_t i = 0; i < 2; i++) {
		assert_null(json_object_get(both[i], "product_name"));
		names = json_object_get(both[i], "product_names");
		assert_int_equal(json_object_size(names), 2);
		assert_string_equal(str(names, "P0000000000000001"), "架空绞线");
		assert_string_equal(str(names, "P0000000000000002"), "架空绞线");
	}
	json_decref(r);
	json_decref(a);
}

static void test_bad_input_changes_nothing(void **state)
{
	fixture *f = *state;
	char c[5][64], st[32];
	qt_account producer = unit(PRODUCER), other = unit(PRODUCER2);
	json_t *a = NULL;
	qt_err err;
	size_t before;

	three_tiers(f, c);
	before = records(f);
	assert_int_equal(call(f, &producer, "open", NULL, "{\"reason\":\"x\"}", &a, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(call(f, &producer, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"product\":\"P0000000000000001\","
	                      "\"reason\":\"x\"}",
	                      &a, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(call(f, &producer, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"reason\":\"x\",\"date\":"
	                      "\"2027-01-01\"}",
	                      &a, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(
	        call(f, &producer, "open", NULL, "{\"batch\":\"nope\",\"reason\":\"x\"}", &a, &err),
	        QT_ERR_INVALID);
	assert_int_equal(call(f, &other, "open", NULL,
	                      "{\"batch\":\"B0000000000000001\",\"reason\":\"x\"}", &a, &err),
	                 QT_ERR_DENIED);
	assert_int_equal(call(f, &producer, "progress", "RC-none",
	                      "{\"codes\":[\"x\"],\"action\":\"lost\"}", &a, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(records(f), before);
	assert_string_equal(status_of(f, c[3], st), "active");
	assert_string_equal(status_of(f, c[0], st), "sold");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_batch_recall, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_code_in_two_recalls, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_codes_recall_named, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input_changes_nothing, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
