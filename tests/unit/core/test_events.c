/* test_events.c — the flow rules, each with a case that breaks it: commissioned first, only
 * the holder ships, receive matches a shipment to the receiver, nothing moves after recall or
 * destroy, one parent per code, parents carry their children, only the author corrects, and
 * a refused request changes nothing. */
#include "trace_fixture.h"

/* Issue n dic item codes of product 1 to PRODUCER; keys into out. */
static void issue_codes(fixture *f, size_t n, char out[][64])
{
	char body[200];
	json_t *a = NULL;
	qt_err err;
	snprintf(body, sizeof body,
	         "{\"batch\":\"B0000000000000001\",\"granularity\":\"item\",\"scheme\":\"gs1\","
	         "\"count\":%zu}",
	         n);
	if (issue(f, PRODUCER, body, &a, &err) != QT_OK)
		fail_msg("issue: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		snprintf(out[i], 64, "%s",
		         json_string_value(json_array_get(json_object_get(a, "codes"), i)));
	json_decref(a);
}

/* Submit events given as JSON text (printf-style). */
static qt_rc events(fixture *f, const char *who, qt_err *err, json_t **answer, const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	json_t *body, *a = NULL;
	qt_account u = unit(who);
	qt_rc rc;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "%s\n", text);
	body = json_loads(text, 0, NULL);
	if (!body)
		fail_msg("bad test JSON: %s", text);
	rc = qt_events_submit(f->p, &u, body, &a, err);
	if (getenv("QT_TEST_DEBUG") && rc != QT_OK)
		fprintf(stderr, "-> %d %s\n", rc, err->msg);
	json_decref(body);
	if (answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

static const char *status_of(fixture *f, const char *key, char out[32])
{
	json_t *d = code_doc(f, key);
	snprintf(out, 32, "%s", d ? str(d, "status") : "(none)");
	json_decref(d);
	return out;
}

static void test_commission_first(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	qt_err err;
	uint64_t size;
	issue_codes(f, 2, c);
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "not commissioned"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	/* unknown code */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"(01)" GTIN
	                        "(21)NOPE\"]}]}"),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "never issued"));
	/* commission then ship in one request: event 1 sees event 0 */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\","
	                        "\"contact\":{\"value\":\"138\",\"public\":false}}}]}",
	                        c[0], c[0]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "in_transit");
	/* commissioning twice is refused */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
}

static void test_only_holder_ships_and_receive_matches(void **state)
{
	fixture *f = *state;
	char c[1][64], s[32];
	json_t *a = NULL;
	qt_err err;
	long long ship_idx;
	issue_codes(f, 1, c);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_OK);
	/* a unit acting on another's code */
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" PRODUCER2 "\",\"name\":\"X\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "only its holder may ship it (holder is " PRODUCER));
	assert_non_null(strstr(err.msg, "event 0 (ship"));
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_OK);
	ship_idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	/* the wrong unit cannot receive it */
	assert_int_equal(events(f, PRODUCER2, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship_idx, c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "not shipped to you"));
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]},{\"type\":\"retail\",\"codes\":[\"%s\"],"
	                        "\"public\":false,\"time\":\"2025-03-02T10:00:00Z\"}]}",
	                        ship_idx, c[0], c[0]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "sold");
	/* receiving twice */
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship_idx, c[0]),
	                 QT_ERR_CONFLICT);
}

static void test_nothing_after_recall_or_destroy(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	qt_err err;
	issue_codes(f, 2, c);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"recall\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1], c[0], c[1]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "recalled");
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"retail\",\"codes\":[\"%s\"]}]}", c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "recalled"));
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "destroyed"));
}

static void test_one_parent_and_parent_moves_children(void **state)
{
	fixture *f = *state;
	char c[3][64], s[32];
	json_t *a = NULL, *d;
	qt_err err;
	long long idx;
	issue_codes(f, 3, c);
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\",\"%s\"]},"
	               "{\"type\":\"pack\",\"parent\":\"(00)006901234000000018\","
	               "\"codes\":[\"%s\",\"%s\"]}]}",
	               c[0], c[1], c[2], c[0], c[1]),
	        QT_OK);
	/* a code in two parents */
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"pack\",\"parent\":\"(00)006901234000000025\","
	               "\"codes\":[\"%s\"]}]}",
	               c[0]),
	        QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "packed in 00/006901234000000018"));
	/* a packed code does not ship alone */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	/* shipping and receiving the carton moves what is in it */
	assert_int_equal(
	        events(f, PRODUCER, &err, &a,
	               "{\"events\":[{\"type\":\"ship\",\"codes\":[\"00/006901234000000018\"],"
	               "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}"),
	        QT_OK);
	idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	assert_string_equal(status_of(f, c[1], s), "in_transit");
	assert_string_equal(status_of(f, c[2], s), "active");
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"00/006901234000000018\"]},"
	                        "{\"type\":\"unpack\",\"parent\":\"00/006901234000000018\","
	                        "\"codes\":[\"%s\"]}]}",
	                        idx, c[0]),
	                 QT_OK);
	d = code_doc(f, c[1]);
	assert_string_equal(str(d, "holder"), SELLER);
	assert_string_equal(str(d, "status"), "active");
	assert_string_equal(str(d, "parent"), "00/006901234000000018");
	json_decref(d);
	d = code_doc(f, c[0]);
	assert_null(json_object_get(d, "parent"));
	json_decref(d);
}

static void test_all_or_nothing_and_correct(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	json_t *a = NULL;
	qt_err err;
	uint64_t size;
	long long idx;
	issue_codes(f, 2, c);
	size = qt_ledger_size(f->p->ledger);
	/* event 1 breaks a rule: event 0 is not kept either */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "event 1 (retail"));
	assert_string_equal(status_of(f, c[0], s), "issued");
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_OK);
	idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,\"codes\":[],"
	                        "\"reason\":\"typo\"}]}",
	                        idx),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "only its author"));
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,\"codes\":[],"
	                        "\"reason\":\"typo\"}]}",
	                        idx),
	                 QT_OK);
	/* shapes */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"fly\",\"codes\":[\"%s\"]}]}", c[0]),
	                 QT_ERR_INVALID);
	assert_int_equal(events(f, PRODUCER, &err, NULL, "{\"events\":[]}"), QT_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_commission_first, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_only_holder_ships_and_receive_matches,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_nothing_after_recall_or_destroy, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_one_parent_and_parent_moves_children,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_all_or_nothing_and_correct, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
