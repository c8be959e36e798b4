/* test_queries.c — the lookup counter (queries.c): counts gather in memory and reach the store
 * on a flush, exactly once; an answer includes the counts not yet written; a lookup that does
 * not count adds nothing; and a flush the store refuses keeps its counts for the next. */
#include <sqlite3.h>

#include "core/scan.h"
#include "trace_fixture.h"

#define CODES 5000 /* past the counter's first table sizes, so that it grows */

static void code_of(int i, char out[64])
{
	snprintf(out, 64, "01/06901234567892/21/Q%05d", i);
}

static qt_tally lookup(fixture *f, const char *code, bool count)
{
	qt_err err;
	qt_tally t;
	qt_store *s = qt_platform_reader(f->p, &err);

	assert_non_null(s);
	if (qt_queries_get(f->p, s, code, count, &t, &err) != QT_OK)
		fail_msg("lookup %s: %s", code, err.msg);
	return t;
}

/* The count the store holds for code (0: no row). */
static uint64_t stored(fixture *f, const char *code, char first[32])
{
	qt_err err;
	qt_tally t;
	qt_store *s = qt_platform_reader(f->p, &err);
	qt_rc rc = s->ops->tally_get(s, "query", code, &t, &err);

	if (rc == QT_ERR_NOTFOUND)
		return 0;
	assert_int_equal(rc, QT_OK);
	if (first)
		memcpy(first, t.first, 32);
	return t.count;
}

static void flush(fixture *f, bool ok)
{
	qt_err err;
	assert_int_equal(qt_queries_flush(f->p, &err) == QT_OK, ok);
}

static void test_counts_reach_the_store_once(void **state)
{
	fixture *f = *state;
	char code[64], first[32];
	static char firsts[CODES][32];

	for (int round = 0; round < 3; round++)
		for (int i = 0; i < CODES; i++) {
			qt_tally t;
			if (round > i % 3)
				continue; /* code i is looked up i % 3 + 1 times */
			code_of(i, code);
			t = lookup(f, code, true);
			assert_int_equal(t.count, (uint64_t)round + 1);
			assert_true(qt_time_valid(t.first) && qt_time_valid(t.last));
			assert_true(strcmp(t.first, t.last) <= 0);
			if (round == 0)
				memcpy(firsts[i], t.first, 32);
			assert_string_equal(t.first, firsts[i]);
		}
	/* (the counter's own thread may have flushed some already: the totals are the same) */
	flush(f, true);
	for (int i = 0; i < CODES; i++) {
		code_of(i, code);
		assert_int_equal(stored(f, code, first), (uint64_t)(i % 3 + 1));
		assert_string_equal(first, firsts[i]);
		/* written and no longer pending: the answer counts it once */
		assert_int_equal(lookup(f, code, false).count, (uint64_t)(i % 3 + 1));
	}
	/* a second flush adds only what came after the first */
	code_of(7, code);
	assert_int_equal(lookup(f, code, true).count, 7 % 3 + 2);
	flush(f, true);
	assert_int_equal(stored(f, code, first), 7 % 3 + 2);
	assert_string_equal(first, firsts[7]);
	code_of(8, code);
	assert_int_equal(stored(f, code, NULL), 8 % 3 + 1);
}

static void test_a_lookup_that_does_not_count(void **state)
{
	fixture *f = *state;
	char code[64];

	code_of(42, code);
	assert_int_equal(lookup(f, code, false).count, 0);
	assert_int_equal(lookup(f, code, true).count, 1);
	assert_int_equal(lookup(f, code, false).count, 1);
	flush(f, true);
	assert_int_equal(stored(f, code, NULL), 1);
}

/* The store refuses the flush (a trigger stands in for a full disk): every count stays
 * pending, still in the answers, merged with those that come meanwhile, and the next flush
 * writes each exactly once. */
static void test_a_refused_flush_keeps_its_counts(void **state)
{
	fixture *f = *state;
	char db[300], code[64], first[32];
	sqlite3 *h;

	snprintf(db, sizeof db, "%s/t.db", f->dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
	                              "CREATE TRIGGER refuse BEFORE INSERT ON tallies "
	                              "BEGIN SELECT RAISE(ABORT, 'disk full'); END",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	for (int i = 0; i < 300; i++) {
		code_of(i, code);
		lookup(f, code, true);
	}
	flush(f, false);
	code_of(0, code);
	assert_int_equal(stored(f, code, NULL), 0);
	for (int i = 0; i < 300; i += 2) {
		code_of(i, code);
		assert_int_equal(lookup(f, code, true).count, 2);
	}
	assert_int_equal(sqlite3_exec(h, "DROP TRIGGER refuse", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	flush(f, true);
	for (int i = 0; i < 300; i++) {
		code_of(i, code);
		assert_int_equal(stored(f, code, first), (uint64_t)(i % 2 ? 1 : 2));
		assert_true(qt_time_valid(first));
		assert_int_equal(lookup(f, code, false).count, (uint64_t)(i % 2 ? 1 : 2));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_counts_reach_the_store_once, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_a_lookup_that_does_not_count, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_a_refused_flush_keeps_its_counts,
	                                        fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
