/* test_sha256.c — the OpenSSL-backed SHA-256 against known answers (FIPS 180-2 examples) and
 * against libsodium's independent implementation over random inputs split into parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "util/sha256.h"

static void hex(const uint8_t *h, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void test_known_answers(void **state)
{
	uint8_t h[32];
	char x[65];
	qt_sha256_part abc = {"abc", 3};
	qt_sha256_part split[] = {{"abcdbcdecdefdefgefghfghighij", 28},
				  {"hijkijkljklmklmnlmnomnopnopq", 28}};
	(void)state;
	qt_sha256(NULL, 0, h);
	hex(h, x);
	assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	qt_sha256(&abc, 1, h);
	hex(h, x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	qt_sha256(split, 2, h);
	hex(h, x);
	assert_string_equal(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_matches_libsodium(void **state)
{
	uint8_t buf[1000], a[32], b[32];
	(void)state;
	assert_true(sodium_init() >= 0);
	for (int i = 0; i < 2000; i++) {
		size_t n = randombytes_uniform(sizeof buf), cut = n ? randombytes_uniform((uint32_t)n) : 0;
		qt_sha256_part parts[] = {{buf, cut}, {buf + cut, n - cut}};
		randombytes_buf(buf, n);
		qt_sha256(parts, 2, a);
		crypto_hash_sha256(b, buf, n);
		assert_memory_equal(a, b, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_matches_libsodium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
