/* test_risk.c — the risk rules one by one (the complaint cluster's 30-day and count
 * boundaries, what makes a flow gap), and qt_risk_raise on a real store: one warning per
 * condition, a closed one opened again, listing within a regulator's jurisdiction only and
 * by category and date. */
#include <time.h>

#include "trace_fixture.h"

#include "core/risk.h"

static void test_two_failed_samplings(void **state)
{
	const char *one[] = {"2026-11-01"};
	const char *two[] = {"2024-11-21", "2026-11-21"};
	const char *far[] = {"2024-11-20", "2026-11-21"};
	(void)state;
	assert_false(qt_risk_two_failed_samplings("2026-11-01", one, 1));
	assert_true(
	        qt_risk_two_failed_samplings("2026-11-21", two, 2)); /* the same day 2 years on */
	assert_false(qt_risk_two_failed_samplings("2026-11-21", far, 2));
}

static void test_suspect_scan(void **state)
{
	(void)state;
	json_t *recalled =
	        json_pack("[{s:s}, {s:s}]", "kind", "licence_revoked", "kind", "recalled");
	json_t *other = json_pack("[{s:s}]", "kind", "not_commissioned");
	(void)state;
	assert_true(qt_risk_suspect_scan("suspect", NULL));
	assert_false(qt_risk_suspect_scan("warning", other));
	assert_false(qt_risk_suspect_scan("genuine", NULL));
	assert_false(qt_risk_suspect_scan(NULL, NULL));
	/* recalled goods offered to a seller: a sale after the recall */
	assert_true(qt_risk_suspect_scan("warning", recalled));
	json_decref(recalled);
	json_decref(other);
}

static void test_sold_without_flow(void **state)
{
	const char *explained[] = {"CHECKER", "SUPPLIER"};
	json_t *cat = json_pack("{s:s, s:s}", "id", "wire-cable.x", "since", "2024-12-31");
	json_t *later = json_pack("{s:s, s:s}", "id", "wire-cable.y", "since", "2027-01-01");
	json_t *code = json_pack("{s:s, s:s, s:s}", "granularity", "item", "status", "active",
	                         "holder", "PRODUCER");
	const char *today = "2026-11-21T02:00:00.000Z";
	(void)state;
	assert_true(qt_risk_sold_without_flow(code, cat, today, explained, 2));
	assert_true(qt_risk_sold_without_flow(code, cat, today, NULL, 0)); /* a complaint */
	assert_true(qt_risk_sold_without_flow(code, cat, "2024-12-31", explained, 2)); /* its day */
	assert_false(qt_risk_sold_without_flow(code, later, today, explained, 2));     /* not yet */
	assert_false(qt_risk_sold_without_flow(code, NULL, today, explained, 2));
	assert_false(qt_risk_sold_without_flow(NULL, cat, today, explained, 2));
	json_object_set_new(code, "holder", json_string("SUPPLIER")); /* handed over right now */
	assert_false(qt_risk_sold_without_flow(code, cat, today, explained, 2));
	json_object_set_new(code, "holder", json_string("CHECKER"));
	assert_false(qt_risk_sold_without_flow(code, cat, today, explained, 2));
	json_object_set_new(code, "holder", json_string("PRODUCER"));
	for (size_t i = 0; i < 5; i++) {
		const char *st[] = {"issued", "in_transit", "sold", "recalled", "destroyed"};
		json_object_set_new(code, "status", json_string(st[i]));
		assert_false(qt_risk_sold_without_flow(code, cat, today, explained, 2));
	}
	json_object_set_new(code, "status", json_string("active"));
	json_object_set_new(code, "granularity", json_string("batch")); /* on many items */
	assert_false(qt_risk_sold_without_flow(code, cat, today, explained, 2));
	json_decref(cat);
	json_decref(later);
	json_decref(code);
}

static void test_licence_revoked(void **state)
{
	(void)state;
	assert_true(qt_risk_licence_revoked("revoked"));
	assert_true(qt_risk_licence_revoked("suspended"));
	assert_true(qt_risk_licence_revoked("expired"));
	assert_false(qt_risk_licence_revoked("valid"));
	assert_false(qt_risk_licence_revoked(NULL));
}

static void test_complaint_cluster(void **state)
{
	const char *now = "2026-11-21T10:00:00.000Z";
	const char *edge[] = {"2026-10-22T10:00:00.000Z", "2026-11-01T00:00:00.000Z", now};
	const char *out[] = {"2026-10-22T09:59:59.999Z", "2026-11-01T00:00:00.000Z", now};
	const char *two[] = {"2026-11-01T00:00:00.000Z", now};
	const char *later[] = {"2026-11-01T00:00:00.000Z", now, "2026-11-22T00:00:00.000Z"};
	(void)state;
	assert_true(qt_risk_complaint_cluster(now, edge, 3)); /* exactly 30 days ago counts */
	assert_false(qt_risk_complaint_cluster(now, out, 3)); /* a moment more does not */
	assert_false(qt_risk_complaint_cluster(now, two, 2));
	assert_false(qt_risk_complaint_cluster(now, later, 3)); /* nothing from after now */
}

static qt_store *st;
static qt_risk risk_;
static bool raised_;

static qt_rc apply_raise(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	(void)ctx;
	return qt_risk_raise(s, &risk_, first, &raised_, err);
}

static bool raise_for(fixture *f, const char *rule, const char *subject, const char *unit,
                      const char *product)
{
	qt_err err;
	static char now[32];
	qt_time_now(now);
	risk_ = (qt_risk){rule, subject, unit, product, NULL, now};
	assert_int_equal(qt_ledger_submit_job(f->p->ledger, NULL, 0, apply_raise, NULL, NULL, &err),
	                 QT_OK);
	return raised_;
}

static bool raise_one(fixture *f, const char *rule, const char *subject, const char *unit)
{
	return raise_for(f, rule, subject, unit, NULL);
}

static size_t listed_by(fixture *f, const char *j, const qt_risk_filter *filter, qt_rc want)
{
	qt_account reg = {.id = "regulator-1", .roles = QT_ROLE_REGULATOR};
	json_t *answer;
	qt_err err;
	size_t n;
	snprintf(reg.jurisdiction, sizeof reg.jurisdiction, "%s", j);
	st = qt_platform_reader(f->p, &err);
	answer = NULL;
	assert_int_equal(qt_risk_list(st, &reg, filter, NULL, 100, &answer, &err), want);
	n = json_array_size(json_object_get(answer, "warnings"));
	json_decref(answer);
	return n;
}

static size_t listed(fixture *f, const char *j, const char *rule, const char *state)
{
	return listed_by(f, j, &(qt_risk_filter){.rule = rule, .state = state}, QT_OK);
}

/* Filtering by the product's catalogue category or unit, and by the day it was raised. */
static void test_list_by_category_and_date(void **state)
{
	fixture *f = *state;
	time_t t = time(NULL) + 8 * 3600; /* China time */
	char today[11], yesterday[11];
	struct tm tm;

	strftime(today, sizeof today, "%Y-%m-%d", gmtime_r(&t, &tm));
	t -= 86400;
	strftime(yesterday, sizeof yesterday, "%Y-%m-%d", gmtime_r(&t, &tm));
	seed(f, "catalog", "wire-cable.x", "wire-cable",
	     json_pack("{s:s, s:s, s:s}", "id", "wire-cable.x", "category", "wire-cable", "since",
	               "2024-12-31"));
	seed(f, "product", "P0000000000000009", PRODUCER,
	     json_pack("{s:s, s:s, s:s}", "id", "P0000000000000009", "producer", PRODUCER,
	               "catalog_unit", "wire-cable.x"));
	assert_true(raise_for(f, "complaint_cluster", "P0000000000000009", PRODUCER,
	                      "P0000000000000009"));
	assert_true(raise_one(f, "suspect_scan", "CODE9", PRODUCER)); /* of no product */
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.category = "wire-cable"}, QT_OK), 1);
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.category = "wire-cable.x"}, QT_OK),
	                 1);
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.category = "e-bike"}, QT_OK), 0);
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.from = today}, QT_OK), 2);
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.to = today}, QT_OK), 2);
	assert_int_equal(
	        listed_by(f, "44", &(qt_risk_filter){.from = yesterday, .to = yesterday}, QT_OK),
	        0);
	assert_int_equal(listed_by(f, "44", &(qt_risk_filter){.to = yesterday}, QT_OK), 0);
	assert_int_equal(
	        listed_by(f, "44", &(qt_risk_filter){.from = "2999-01-01T00:00:00Z"}, QT_OK), 0);
	listed_by(f, "44", &(qt_risk_filter){.from = "yesterday"}, QT_ERR_INVALID);
	listed_by(f, "44", &(qt_risk_filter){.to = "11/21/2026"}, QT_ERR_INVALID);
	listed_by(f, "44", &(qt_risk_filter){.rule = "sold_without_flow"}, QT_OK);
	listed_by(f, "44", &(qt_risk_filter){.rule = "nope"}, QT_ERR_INVALID);
}

static void test_raise_once(void **state)
{
	fixture *f = *state;
	qt_account reg = {.id = "regulator-1", .roles = QT_ROLE_REGULATOR, .jurisdiction = "44"};
	json_t *body, *answer = NULL;
	char id[34];
	qt_err err;

	assert_true(raise_one(f, "suspect_scan", "CODE1", PRODUCER));
	assert_false(raise_one(f, "suspect_scan", "CODE1", PRODUCER)); /* the same condition */
	assert_true(raise_one(f, "suspect_scan", "CODE2", PRODUCER));
	assert_true(raise_one(f, "suspect_scan", "CODE3", SELLER)); /* Beijing's */
	assert_int_equal(listed(f, "44", NULL, NULL), 2);
	assert_int_equal(listed(f, "4403", "suspect_scan", "open"), 2);
	assert_int_equal(listed(f, "11", NULL, NULL), 1);
	assert_int_equal(listed(f, "", NULL, NULL), 3);
	assert_int_equal(listed(f, "44", "licence_revoked", NULL), 0);

	/* closed, the condition holding again opens it again, still one warning */
	qt_risk_id("suspect_scan", "CODE1", id);
	body = json_pack("{s:s, s:s}", "state", "closed", "note", "checked: a relabelled batch");
	assert_int_equal(qt_risk_update(f->p, &reg, id, body, &answer, &err), QT_OK);
	json_decref(answer);
	assert_int_equal(listed(f, "44", NULL, "closed"), 1);
	assert_int_equal(qt_risk_update(f->p, &reg, id, body, &answer, &err), QT_ERR_CONFLICT);
	json_decref(body);
	assert_true(raise_one(f, "suspect_scan", "CODE1", PRODUCER));
	assert_int_equal(listed(f, "44", NULL, "open"), 2);
	assert_int_equal(listed(f, "44", NULL, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_two_failed_samplings),
	        cmocka_unit_test(test_suspect_scan),
	        cmocka_unit_test(test_licence_revoked),
	        cmocka_unit_test(test_complaint_cluster),
	        cmocka_unit_test(test_sold_without_flow),
	        cmocka_unit_test_setup_teardown(test_list_by_category_and_date, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_raise_once, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
