/* sha256.c — SHA-256 through OpenSSL's EVP with one reusable context per thread: the
 * per-call cost of a fresh EVP context would otherwise dominate 64-byte node hashes. */
#include "util/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Fetched once per process and never changed after: shared read-only state. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static EVP_MD *sha256_md;

static void free_ctx(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void init_once(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md || pthread_key_create(&ctx_key, free_ctx) != 0) {
		fputs("qtrace: OpenSSL provides no SHA-256\n", stderr);
		abort();
	}
}

void qt_sha256(const qt_sha256_part *parts, size_t n_parts, uint8_t out[QT_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	unsigned int len = 0;

	pthread_once(&once, init_once);
	ctx = pthread_getspecific(ctx_key);
	if (!ctx) {
		ctx = EVP_MD_CTX_new();
		if (!ctx || pthread_setspecific(ctx_key, ctx) != 0)
			abort(); /* out of memory for a 200-byte context: nothing sane to do */
	}
	if (!EVP_DigestInit_ex2(ctx, sha256_md, NULL))
		abort();
	for (size_t i = 0; i < n_parts; i++)
		EVP_DigestUpdate(ctx, parts[i].p, parts[i].n);
	EVP_DigestFinal_ex(ctx, out, &len);
}
