/* test_public_cache.c — the public view's per-thread documents (public.c keeps a code's producer,
 * product, batch and the regulators' records of the producer between lookups): a change
 * committed between two lookups on the same thread shows in the second, absent to present and
 * back, and a lookup that nothing changed before answers the same. */
#include "core/scan.h"
#include "trace_fixture.h"

/* The kinds of the view's warnings of code, as "a,b" (count: false, nothing recorded). */
static void warning_kinds(fixture *f, const char *code, char *out, size_t n)
{
	json_t *v = NULL, *w;
	size_t i;
	qt_err err;

	if (qt_public_view(f->p, code, strlen(code), false, &v, &err) != QT_OK)
		fail_msg("view %s: %s", code, err.msg);
	out[0] = '\0';
	json_array_foreach(json_object_get(v, "warnings"), i, w)
	{
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", i ? "," : "", str(w, "kind"));
	}
	json_decref(v);
}

static void credit(fixture *f, const qt_account *regulator, bool listed)
{
	json_t *body = json_pack("{s:s, s:b, s:s}", "unit", PRODUCER, "listed", listed, "reason",
	                         "伪造追溯码"),
	       *a = NULL;
	qt_err err;

	if (qt_standing_credit(f->p, regulator, body, &a, &err) != QT_OK)
		fail_msg("credit: %s", err.msg);
	json_decref(a);
	json_decref(body);
}

static void test_a_commit_between_lookups_shows(void **state)
{
	fixture *f = *state;
	json_t *unit = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[s]}", "name", "深圳线缆厂",
	                         "uscc", PRODUCER, "address", "广东省深圳市南山区科技园1号",
	                         "contact", "0755-1234", "licence", "sha256",
	                         "abababababababababababababababababababababababababababababababab",
	                         "name", "营业执照.pdf", "roles", "producer"),
	       *a = NULL;
	char token[QT_TOKEN_LEN + 1], id[QT_ID_MAX], kinds[200], code[64];
	qt_account regulator;
	qt_err err;

	if (qt_units_register(f->p, unit, &a, &err) != QT_OK)
		fail_msg("register: %s", err.msg);
	json_decref(a);
	json_decref(unit);
	if (issue(f, PRODUCER,
	          "{\"batch\":\"B0000000000000001\",\"granularity\":\"item\",\"scheme\":\"gs1\","
	          "\"count\":1}",
	          &a, &err) != QT_OK)
		fail_msg("issue: %s", err.msg);
	snprintf(code, sizeof code, "%s",
	         json_string_value(json_array_get(json_object_get(a, "codes"), 0)));
	json_decref(a);
	assert_int_equal(
	        qt_accounts_add(f->p, QT_ROLE_REGULATOR, "广东省市场监管局", "44", token, id, &err),
	        QT_OK);
	assert_int_equal(qt_accounts_get(qt_platform_reader(f->p, &err), id, &regulator, &err),
	                 QT_OK);

	warning_kinds(f, code, kinds, sizeof kinds);
	assert_string_equal(kinds, "");
	warning_kinds(f, code, kinds, sizeof kinds); /* nothing committed: the kept documents */
	assert_string_equal(kinds, "");
	credit(f, &regulator, true); /* absent, then present */
	warning_kinds(f, code, kinds, sizeof kinds);
	assert_string_equal(kinds, "serious_violation");
	credit(f, &regulator, false); /* present, then changed */
	warning_kinds(f, code, kinds, sizeof kinds);
	assert_string_equal(kinds, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_a_commit_between_lookups_shows, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
