/* test_jalloc.c — jansson's allocator: every size is usable and aligned, a freed small block
 * is handed out again to its own thread, what a thread keeps is bounded, a thread's blocks
 * go back to malloc when it ends, and jansson works through it. */
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/jalloc.h"

static void test_sizes(void **state)
{
	void *b[700];
	(void)state;
	for (size_t n = 0; n < 700; n++) {
		b[n] = qt_jalloc_malloc(n);
		assert_non_null(b[n]);
		assert_int_equal((uintptr_t)b[n] % 16, 0);
		memset(b[n], (int)(n & 0xff), n);
	}
	/* no block overlaps another: each still holds its own pattern */
	for (size_t n = 0; n < 700; n++)
		for (size_t i = 0; i < n; i++)
			assert_int_equal(((unsigned char *)b[n])[i], n & 0xff);
	for (size_t n = 0; n < 700; n++)
		qt_jalloc_free(b[n]);
	qt_jalloc_free(NULL);
	assert_null(qt_jalloc_malloc(SIZE_MAX - 8));
}

/* A small block freed is the next one of its class; a large one is not kept. */
static void test_reuse(void **state)
{
	void *a = qt_jalloc_malloc(40), *b, *big;
	void *volatile other; /* volatile: the compiler must not drop the malloc */
	(void)state;
	qt_jalloc_free(a);
	/* a plain malloc of the block's whole size would take it, had it gone back to malloc */
	other = malloc(64);
	b = qt_jalloc_malloc(33); /* 33..48 bytes share a class */
	assert_ptr_equal(a, b);
	free(other);
	qt_jalloc_free(b);
	big = qt_jalloc_malloc(4000);
	qt_jalloc_free(big);
	b = qt_jalloc_malloc(40);
	assert_ptr_equal(a, b); /* the big block went to malloc, not into the class */
	qt_jalloc_free(b);
}

/* Freeing 2 MB of 512-byte blocks keeps 256 KB of them, no more; taking as many back takes
 * the kept ones. */
static void test_bounded(void **state)
{
	enum { N = 4096 };
	void **b = malloc(N * sizeof *b);
	size_t before = qt_jalloc_kept();
	(void)state;
	for (size_t i = 0; i < N; i++)
		b[i] = qt_jalloc_malloc(512);
	for (size_t i = 0; i < N; i++)
		qt_jalloc_free(b[i]);
	assert_true(qt_jalloc_kept() <= 256 * 1024);
	assert_true(qt_jalloc_kept() > 256 * 1024 - 512);
	for (size_t i = 0; i < N; i++)
		b[i] = qt_jalloc_malloc(512);
	assert_true(qt_jalloc_kept() <= before); /* it held some of that class already */
	for (size_t i = 0; i < N; i++)
		qt_jalloc_free(b[i]);
	free(b);
}

/* Blocks made on one thread and freed on another; the other thread ends (its kept blocks
 * go back to malloc: a leak checker sees it in the sanitizer build). */
static void *free_all(void *arg)
{
	void **b = arg;
	for (size_t i = 0; i < 1000; i++)
		qt_jalloc_free(b[i]);
	/* and some of its own */
	for (size_t i = 0; i < 100; i++)
		qt_jalloc_free(qt_jalloc_malloc(i));
	return NULL;
}

static void test_threads(void **state)
{
	void *b[1000];
	pthread_t t;
	(void)state;
	for (size_t i = 0; i < 1000; i++)
		b[i] = qt_jalloc_malloc(i % 300);
	assert_int_equal(pthread_create(&t, NULL, free_all, b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* jansson through it: a document parsed, changed, written and freed. */
static void test_jansson(void **state)
{
	json_t *v = json_loads("{\"a\":[1,2,{\"b\":\"x\"}],\"c\":\"电缆\"}", 0, NULL);
	char *s;
	(void)state;
	assert_non_null(v);
	for (int i = 0; i < 2000; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		json_object_set_new(v, k, json_pack("{s:i, s:s}", "n", i, "t", k));
	}
	for (int i = 0; i < 2000; i += 2) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		json_object_del(v, k);
	}
	assert_int_equal(json_object_size(v), 1002);
	s = json_dumps(json_object_get(v, "a"), JSON_COMPACT);
	assert_string_equal(s, "[1,2,{\"b\":\"x\"}]");
	qt_jalloc_free_text(s); /* json_dumps' text is jansson's, not malloc's */
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sizes),   cmocka_unit_test(test_reuse),
	        cmocka_unit_test(test_bounded), cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_jansson),
	};
	qt_jalloc_install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
