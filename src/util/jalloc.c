/* jalloc.c — jansson's allocator. A public lookup builds and frees about 160 jansson values;
 * glibc's per-thread cache keeps 7 blocks of a size, so most of them went through malloc's
 * slower paths, a fifth of a lookup's instructions. Here each thread keeps freed small blocks
 * in size classes of 16 bytes, up to a bound, and hands them out again. */
#include "util/jalloc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define GRAIN      16                  /* bytes per class step; also the header */
#define CLASSES    32                  /* blocks up to 512 bytes are kept */
#define KEEP_BYTES (256u * 1024)       /* a thread keeps at most this much */
#define BIG        ((uint32_t)CLASSES) /* class of a block that is not kept */

/* Before each block: its class, in 16 bytes, which keep the block aligned as malloc's are. */
typedef struct head {
	_Alignas(16) uint32_t cls;
} head;

_Static_assert(sizeof(head) == GRAIN, "the header is one grain");

typedef struct cache {
	void *free[CLASSES]; /* a list through each block's first word */
	size_t kept;         /* bytes */
} cache;

static _Thread_local cache tls;
static pthread_key_t exit_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A thread that ends gives its blocks back to malloc. */
static void drain(void *unused)
{
	(void)unused;
	for (size_t c = 0; c < CLASSES; c++)
		while (tls.free[c]) {
			void *b = tls.free[c];
			tls.free[c] = *(void **)b;
			free((head *)b - 1);
		}
	tls.kept = 0;
}

static void make_key(void)
{
	pthread_key_create(&exit_key, drain);
}

void *qt_jalloc_malloc(size_t n)
{
	size_t c = n ? (n - 1) / GRAIN : 0; /* class c holds (c + 1) * GRAIN bytes */
	void *b = NULL;
	head *h;

	if (c < CLASSES && tls.free[c]) {
		b = tls.free[c];
		tls.free[c] = *(void **)b;
		tls.kept -= (c + 1) * GRAIN;
	} else if (n <= SIZE_MAX - 2 * sizeof(head) &&
	           (h = malloc(sizeof(head) + (c < CLASSES ? (c + 1) * GRAIN : n))) != NULL) {
		h->cls = c < CLASSES ? (uint32_t)c : BIG;
		b = h + 1;
	}
	return b;
}

void qt_jalloc_free(void *p)
{
	head *h = p ? (head *)p - 1 : NULL;
	size_t size = h ? (h->cls + 1u) * GRAIN : 0;

	if (h && (h->cls == BIG || tls.kept + size > KEEP_BYTES)) {
		free(h);
	} else if (h) {
		if (tls.kept == 0) { /* the first block this thread keeps: free them at its end */
			pthread_once(&once, make_key);
			pthread_setspecific(exit_key, &tls);
		}
		*(void **)p = tls.free[h->cls];
		tls.free[h->cls] = p;
		tls.kept += size;
	}
}

#if defined(__SANITIZE_ADDRESS__)
#define PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLAIN_MALLOC 1
#endif
#endif

size_t qt_jalloc_kept(void)
{
	return tls.kept;
}

void qt_jalloc_free_text(char *text)
{
	json_free_t f;

	json_get_alloc_funcs(NULL, &f);
	if (text)
		f(text);
}

void qt_jalloc_install(void)
{
#ifndef PLAIN_MALLOC
	json_set_alloc_funcs(qt_jalloc_malloc, qt_jalloc_free);
#endif
}
