/* sha256.h — SHA-256 for the hot paths (Merkle leaves and nodes, verification). OpenSSL's
 * implementation uses the CPU's SHA extensions where present: several times libsodium's
 * portable code on the same machine (see bench/bench_ledger.c). */
#ifndef QT_SHA256_H
#define QT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define QT_SHA256_LEN 32

typedef struct qt_sha256_part {
	const void *p;
	size_t n;
} qt_sha256_part;

/* SHA-256 of the concatenation of the parts. Thread-safe; no allocation. */
void qt_sha256(const qt_sha256_part *parts, size_t n_parts, uint8_t out[QT_SHA256_LEN]);

#endif
