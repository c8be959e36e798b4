/* test_ratelimit.c — the per-address token bucket: a burst of n then refusal, refill over
 * time (never beyond the burst), addresses kept apart, and a full table still answering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "util/ratelimit.h"

static qt_ratelimit rl; /* too big for the stack */

static void test_burst_then_refuse(void **state)
{
	double retry = 0;
	(void)state;
	qt_ratelimit_init(&rl, 10, 60);
	for (int i = 0; i < 10; i++)
		assert_true(qt_ratelimit_take(&rl, "192.0.2.1", 100.0, NULL));
	assert_false(qt_ratelimit_take(&rl, "192.0.2.1", 100.0, &retry));
	assert_true(retry > 5.9 && retry <= 6.0); /* one token every 6 s */
	/* another address is not held back by the first */
	assert_true(qt_ratelimit_take(&rl, "192.0.2.2", 100.0, NULL));
	qt_ratelimit_destroy(&rl);
}

static void test_refill(void **state)
{
	(void)state;
	qt_ratelimit_init(&rl, 10, 60);
	for (int i = 0; i < 10; i++)
		assert_true(qt_ratelimit_take(&rl, "a", 0, NULL));
	assert_false(qt_ratelimit_take(&rl, "a", 5.9, NULL));
	assert_true(qt_ratelimit_take(&rl, "a", 12.0, NULL)); /* 2 back, 1 taken */
	assert_false(qt_ratelimit_take(&rl, "a", 12.0, NULL) &&
	             qt_ratelimit_take(&rl, "a", 12.0, NULL));
	/* an hour idle fills the bucket to its size, no more */
	for (int i = 0; i < 10; i++)
		assert_true(qt_ratelimit_take(&rl, "a", 3600, NULL));
	assert_false(qt_ratelimit_take(&rl, "a", 3600, NULL));
	qt_ratelimit_destroy(&rl);
}

static void test_full_table(void **state)
{
	char addr[32];
	(void)state;
	qt_ratelimit_init(&rl, 1, 60);
	for (int i = 0; i < 3 * QT_RATELIMIT_SLOTS; i++) {
		snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		assert_true(qt_ratelimit_take(&rl, addr, i, NULL));
	}
	/* the newest address is still remembered */
	assert_false(qt_ratelimit_take(&rl, addr, 3.0 * QT_RATELIMIT_SLOTS, NULL));
	qt_ratelimit_destroy(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_burst_then_refuse),
	        cmocka_unit_test(test_refill),
	        cmocka_unit_test(test_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
