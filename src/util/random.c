/* random.c — per-thread pools of kernel randomness (see random.h). Bytes are handed out once
 * and wiped as they go; a fork() empties the child's pool so parent and child never share. */
#include "util/random.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define POOL 4096

typedef struct pool {
	unsigned char bytes[POOL];
	size_t left; /* unused bytes at the end of `bytes` */
} pool;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t pool_key;
static int init_failed;

static void free_pool(void *p)
{
	sodium_memzero(p, sizeof(pool));
	free(p);
}

static void empty_after_fork(void)
{
	pool *p = pthread_getspecific(pool_key);
	if (p) {
		sodium_memzero(p->bytes, sizeof p->bytes);
		p->left = 0;
	}
}

static void init_once(void)
{
	init_failed = sodium_init() < 0 || pthread_key_create(&pool_key, free_pool) != 0 ||
	              pthread_atfork(NULL, NULL, empty_after_fork) != 0;
}

qt_rc qt_random(void *buf, size_t n)
{
	unsigned char *out = buf;
	pool *p;

	pthread_once(&once, init_once);
	if (init_failed)
		return QT_ERR_IO;
	p = pthread_getspecific(pool_key);
	if (!p) {
		p = calloc(1, sizeof *p);
		if (!p || pthread_setspecific(pool_key, p) != 0) {
			free(p);
			return QT_ERR_NOMEM;
		}
	}
	while (n > 0) {
		size_t take;
		if (p->left == 0) {
			randombytes_buf(p->bytes, sizeof p->bytes);
			p->left = sizeof p->bytes;
		}
		take = n < p->left ? n : p->left;
		memcpy(out, p->bytes + (sizeof p->bytes - p->left), take);
		sodium_memzero(p->bytes + (sizeof p->bytes - p->left), take);
		p->left -= take;
		out += take;
		n -= take;
	}
	return QT_OK;
}
