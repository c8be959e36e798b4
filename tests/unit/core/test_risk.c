/* test_risk.c — the risk rules one by one (the complaint cluster's 30-day and count
 * boundaries among them), and qt_risk_raise on a real store: one warning per condition, a
 * closed one opened again, listing within a regulator's jurisdiction only. */
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
	assert_true(qt_risk_suspect_scan("suspect"));
	assert_false(qt_risk_suspect_scan("warning"));
	assert_false(qt_risk_suspect_scan("genuine"));
	assert_false(qt_risk_suspect_scan(NULL));
}

static void test_licence_revoked(void **state)
{
	(void)state;
	assert_true(qt_risk_licence_revoked("revoked"));
	assert_true(qt_risk_licence_revoked("suspended"));
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
static const char *rule_, *subject_, *unit_;
static bool raised_;

static qt_rc apply_raise(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	(void)ctx;
	return qt_risk_raise(s, rule_, subject_, unit_, NULL, first, &raised_, err);
}

static bool raise_one(fixture *f, const char *rule, const char *subject, const char *unit)
{
	qt_err err;
	rule_ = rule, subject_ = subject, unit_ = unit;
	assert_int_equal(qt_ledger_submit_job(f->p->ledger, NULL, 0, apply_raise, NULL, NULL, &err),
	                 QT_OK);
	return raised_;
}

static size_t listed(fixture *f, const char *j, const char *rule, const char *state)
{
	qt_account reg = {.id = "regulator-1", .roles = QT_ROLE_REGULATOR};
	json_t *answer;
	qt_err err;
	size_t n;
	snprintf(reg.jurisdiction, sizeof reg.jurisdiction, "%s", j);
	st = qt_platform_reader(f->p, &err);
	assert_int_equal(qt_risk_list(st, &reg, rule, state, NULL, NULL, 100, &answer, &err),
	                 QT_OK);
	n = json_array_size(json_object_get(answer, "warnings"));
	json_decref(answer);
	return n;
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
	        cmocka_unit_test_setup_teardown(test_raise_once, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
