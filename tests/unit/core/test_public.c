/* test_public.c — the warnings a scan shows (qt_code_warnings) on a real store: never issued,
 * recalled, destroyed, and the warranty's end counted in calendar months from the sale or,
 * while unsold, from the production date (month ends and leap years included); a warranty
 * that ran from a sale never tells the day, which would give the sale's time away. */
#include "trace_fixture.h"

#include "core/scan.h"

/* The kinds of the warnings for this code state and product, joined by spaces; the
 * warranty warning as JSON in msg. */
static void kinds(fixture *f, const char *code_json, const char *product_json, char *out, size_t n,
                  char *msg, size_t mn)
{
	json_t *code = code_json ? json_loads(code_json, 0, NULL) : NULL;
	json_t *product = json_loads(product_json, 0, NULL), *w = json_array(), *x;
	qt_err err;
	size_t i;
	qt_store *rd = qt_platform_reader(f->p, &err);

	assert_non_null(rd);
	assert_int_equal(qt_code_warnings(rd, code, product, NULL, w, &err), QT_OK);
	out[0] = msg[0] = '\0';
	json_array_foreach(w, i, x)
	{
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", str(x, "kind"));
		if (!strcmp(str(x, "kind"), "warranty_expired")) {
			char *all = json_dumps(x, JSON_SORT_KEYS);
			snprintf(msg, mn, "%s", all); /* the message and the facts beside it */
			free(all);
		}
	}
	json_decref(code);
	json_decref(product);
	json_decref(w);
}

static void test_states(void **state)
{
	fixture *f = *state;
	char k[200], m[200];

	kinds(f, NULL, "{}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "never_issued");
	kinds(f, "{\"status\":\"recalled\"}", "{}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "recalled");
	kinds(f, "{\"status\":\"destroyed\"}", "{}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "destroyed");
	kinds(f, "{\"status\":\"active\"}", "{}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "");
}

static void test_warranty_from_the_sale(void **state)
{
	fixture *f = *state;
	char k[200], m[300];

	kinds(f, "{\"status\":\"sold\",\"sold\":\"2023-11-15T00:00:00Z\"}",
	      "{\"warranty_months\":14}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "warranty_expired");
	assert_non_null(strstr(m, "\"months\": 14"));
	assert_non_null(strstr(m, "from the sale has ended"));
	/* no day: neither the end (2025-01-15) nor anything else a sale's day follows from */
	assert_null(strstr(m, "ended\":"));
	assert_null(strstr(m, "-15"));
	assert_null(strstr(m, "2025"));
	/* a century of warranty has not ended; no warranty never ends */
	kinds(f, "{\"status\":\"sold\",\"sold\":\"2024-01-31T10:00:00Z\"}",
	      "{\"warranty_months\":1200}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "");
	kinds(f, "{\"status\":\"sold\",\"sold\":\"2000-01-01T00:00:00Z\"}", "{}", k, sizeof k, m,
	      sizeof m);
	assert_string_equal(k, "");
	/* recalled after its sale: the consumer's warranty still runs from the sale, not from
	 * production (2000-01-01, whose 300 months ended in 2025) */
	seed(f, "batch", "B00000000000000r0", PRODUCER,
	     json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "B00000000000000r0", "product",
	               "P0000000000000001", "producer", PRODUCER, "batch_no", "R0",
	               "production_date", "2000-01-01"));
	kinds(f,
	      "{\"status\":\"recalled\",\"batch\":\"B00000000000000r0\",\"sold\":\"2025-01-01T00:"
	      "00:00Z\"}",
	      "{\"warranty_months\":300}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "recalled");
	kinds(f, "{\"status\":\"recalled\",\"batch\":\"B00000000000000r0\"}",
	      "{\"warranty_months\":300}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "recalled warranty_expired");
	kinds(f,
	      "{\"status\":\"recalled\",\"batch\":\"B00000000000000r0\",\"sold\":\"2023-11-15T00:"
	      "00:00Z\"}",
	      "{\"warranty_months\":14}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "recalled warranty_expired");
	assert_non_null(strstr(m, "from the sale has ended"));
}

static void test_warranty_from_production_while_unsold(void **state)
{
	static const char *const cases[][3] = {
	        /* production date, months, last day: a month after 31 January is the last day
	         * of February, in leap years the 29th */
	        {"2023-01-31", "1", "2023-02-28"},
	        {"2024-01-31", "1", "2024-02-29"},
	        {"2023-11-15", "14", "2025-01-15"},
	        {"2025-03-01", "6", "2025-09-01"},
	};
	fixture *f = *state;
	char k[200], m[300], code[120], product[60], want[40];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char id[24];
		snprintf(id, sizeof id, "B00000000000000c%zu", i);
		seed(f, "batch", id, PRODUCER,
		     json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "product",
		               "P0000000000000001", "producer", PRODUCER, "batch_no", id,
		               "production_date", cases[i][0]));
		snprintf(code, sizeof code, "{\"status\":\"active\",\"batch\":\"%s\"}", id);
		snprintf(product, sizeof product, "{\"warranty_months\":%s}", cases[i][1]);
		kinds(f, code, product, k, sizeof k, m, sizeof m);
		assert_string_equal(k, "warranty_expired");
		snprintf(want, sizeof want, "\"ended\": \"%s\"", cases[i][2]);
		assert_non_null(strstr(m, want));
		snprintf(want, sizeof want, "ended on %s", cases[i][2]);
		assert_non_null(strstr(m, want));
	}
	kinds(f, "{\"status\":\"active\",\"batch\":\"B0000000000000001\"}",
	      "{\"warranty_months\":600}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "");
	/* no batch, no production date: no verdict rather than a guess */
	kinds(f, "{\"status\":\"active\"}", "{\"warranty_months\":1}", k, sizeof k, m, sizeof m);
	assert_string_equal(k, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_states, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_warranty_from_the_sale, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_warranty_from_production_while_unsold,
	                                        fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
