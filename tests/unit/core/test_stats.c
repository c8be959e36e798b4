/* test_stats.c — qt_stats's events per day on a real store: days are China's (UTC+8), as
 * the platform's users count them. The window ends on now's day in China, and a record counts
 * on the day in China it was made: one at 2026-11-20T20:00Z on 11-21, one at 15:59:59Z on
 * 11-20. */
#include "core/stats.h"
#include "store_fixture.h"

/* Ledger records 0.. of the given types, made at the given times (RFC 3339 UTC), by one
 * unit: the leaves as the ledger writes them, as far as the statistics read them. */
static void records(fixture *f, size_t n, const char *const *types, const char *const *times)
{
	qt_hash hash = {{0}};
	qt_err err;
	char leaf[256];

	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(leaf, sizeof leaf,
		                   "{\"body\":{\"by\":\"91440300MA5W0001XX\"},\"keys\":[],"
		                   "\"sealed\":{},\"ts\":\"%s\",\"type\":\"%s\"}",
		                   times[i], types[i]);
		assert_int_equal(
		        f->s->ops->record_put(f->s, i, leaf, (size_t)len, &hash, NULL, 0, &err),
		        QT_OK);
	}
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);
}

/* The count events per day gives date, or -1 when the date is not among its days. */
static long long on(const json_t *events, const char *date)
{
	size_t i;
	json_t *d;

	json_array_foreach(json_object_get(events, "days"), i, d)
	{
		if (!strcmp(qt_json_text(d, "date"), date))
			return json_integer_value(json_object_get(d, "count"));
	}
	return -1;
}

static void test_days_are_china_days(void **state)
{
	fixture *f = *state;
	static const char *const types[] = {"event.ship", "event.receive", "event.retail",
	                                    "product"};
	static const char *const times[] = {"2026-11-20T15:59:59.000Z", "2026-11-20T20:00:00.000Z",
	                                    "2026-11-20T16:00:00Z", "2026-11-20T20:00:00.000Z"};
	qt_account national = {
	        .id = "national", .name = "国家市场监督管理总局", .roles = QT_ROLE_REGULATOR};
	/* 2026-11-20T20:30:00Z: 04:30 on 11-21 in China */
	long long now = qt_time_epoch("2026-11-20T20:30:00Z");
	json_t *answer = NULL, *events, *days;
	qt_err err;

	records(f, 4, types, times);
	assert_int_equal(qt_stats(f->s, &national, now, &answer, &err), QT_OK);
	events = json_object_get(answer, "events");
	days = json_object_get(events, "days");
	/* the window is China's last 30 days: 10-23 to 11-21, not UTC's 10-22 to 11-20 */
	assert_int_equal(json_array_size(days), QT_STATS_DAYS);
	assert_string_equal(qt_json_text(events, "from"), "2026-10-23");
	assert_string_equal(qt_json_text(json_array_get(days, QT_STATS_DAYS - 1), "date"),
	                    "2026-11-21");
	/* 15:59:59Z is 23:59:59 on 11-20 in China; 16:00Z and 20:00Z are 11-21 (the product
	 * registered at 20:00Z is no event) */
	assert_int_equal(on(events, "2026-11-20"), 1);
	assert_int_equal(on(events, "2026-11-21"), 2);
	assert_int_equal(json_integer_value(json_object_get(events, "records_scanned")), 4);
	json_decref(answer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_days_are_china_days, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
