/* common.h — what the benchmarks share: a monotonic clock and the raw SQLite loop, the limit
 * printed beside every durable-write figure. Not a bench_* file, so CMake builds it once into
 * a library instead of making it a benchmark of its own. */
#ifndef QT_BENCH_COMMON_H
#define QT_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>

/* Seconds on the monotonic clock. */
double bench_now(void);
/* CPU seconds this process has used, on all its threads. */
double bench_cpu_now(void);

/* One row of a table: what, the figure (with decimals), the limit beside it and the ratio
 * figure / limit ("-" when limit is 0). */
void bench_row(const char *what, double figure, int decimals, double limit);

/* Removes a directory the bench made with mkdtemp, and all in it; false if that failed. */
bool bench_remove_dir(const char *dir);

/* The rows one ledger record costs the store: its record row (leaf, hash, sealed values),
 * one index row, every fourth Merkle level of inner nodes and, when doc is given, the state
 * document the platform replaces beside the record (a code's document on an event). */
typedef struct bench_rows {
	const void *leaf;
	size_t leaf_len;
	const void *sealed;
	size_t sealed_len;
	const void *doc; /* NULL: the ledger alone, no state document */
	size_t doc_len;
	/* Key order. 0: keys ascend (a bulk upload of consecutive codes). n > 0: row i takes the
	 * next key of range i % n, each range range_len long, as when n clients each commission
	 * their own run of codes: a group's rows land on scattered pages, as the server's do. */
	unsigned long ranges, range_len;
} bench_rows;

/* A code's canonical key, the form the loop writes and the HTTP bench issues:
 * "01/06901234567892/21/S%08lu". out holds BENCH_KEY_MAX bytes. */
#define BENCH_KEY_MAX 48
void bench_key(unsigned long n, char out[BENCH_KEY_MAX]);

/* Writes n such records into a new database at path with plain prepared statements, per_txn
 * records per transaction (one fsync each; WAL and synchronous=FULL like the ledger's store),
 * and returns records per second. With max_seconds > 0 it stops at the first transaction
 * boundary past that time (slow one-row transactions) and rates what it wrote. State
 * documents are first written for every key, untimed, so the timed loop rewrites them (an
 * UPDATE of the row, the owner kept) as the platform does. Exits the program on an SQLite error. */
double bench_raw_loop(const char *path, const bench_rows *rows, unsigned long n,
                      unsigned long per_txn, double max_seconds);

#endif
