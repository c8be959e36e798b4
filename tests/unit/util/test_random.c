/* test_random.c — pooled randomness: outputs never repeat across many draws of every size,
 * bytes look uniform, and a fork()ed child does not hand out what the parent will. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/random.h"

static void test_no_repeats(void **state)
{
	static uint8_t seen[20000][32];
	unsigned long counts[256] = {0};
	(void)state;
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(qt_random(seen[i], 1 + (size_t)(i % 32)), QT_OK);
		if (i % 32 != 31)
			memset(seen[i] + 1 + i % 32, 0, 32 - 1 - (size_t)(i % 32));
	}
	/* 32-byte draws (every 32nd) must all differ */
	for (int i = 31; i < 20000; i += 32)
		for (int j = i + 32; j < 20000; j += 32)
			assert_memory_not_equal(seen[i], seen[j], 32);
	/* a big draw crosses pool refills; byte frequencies stay near uniform */
	{
		static uint8_t big[1 << 20];
		assert_int_equal(qt_random(big, sizeof big), QT_OK);
		for (size_t i = 0; i < sizeof big; i++)
			counts[big[i]]++;
		for (int v = 0; v < 256; v++)
			assert_true(counts[v] > 3500 && counts[v] < 4700); /* mean 4096 */
	}
}

static void test_fork_does_not_share(void **state)
{
	uint8_t warm[8], parent[32], child[32];
	int fds[2];
	pid_t pid;
	(void)state;
	assert_int_equal(qt_random(warm, sizeof warm), QT_OK); /* the pool now holds bytes */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t mine[32];
		if (qt_random(mine, sizeof mine) != QT_OK || write(fds[1], mine, 32) != 32)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(qt_random(parent, sizeof parent), QT_OK);
	assert_int_equal(read(fds[0], child, 32), 32);
	waitpid(pid, NULL, 0);
	assert_memory_not_equal(parent, child, 32);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_repeats),
	        cmocka_unit_test(test_fork_does_not_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
