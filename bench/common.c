/* common.c — the clock and the raw SQLite loop the benchmarks share: the limit beside a durable
 * write figure is what plain SQLite does with the same rows and the same durability, measured
 * in the same run on the same disk. */
#include "common.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_row(const char *what, double figure, int decimals, double limit)
{
	if (limit > 0)
		printf("%-72s %10.*f %10.*f %7.2fx\n", what, decimals, figure, decimals, limit,
		       figure / limit);
	else
		printf("%-72s %10.*f %10s %8s\n", what, decimals, figure, "-", "-");
}

bool bench_remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0;
}

void bench_key(unsigned long n, char out[BENCH_KEY_MAX])
{
	snprintf(out, BENCH_KEY_MAX, "01/06901234567892/21/S%08lu", n);
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		fprintf(stderr, "raw SQLite loop: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void step(sqlite3 *db, sqlite3_stmt *st)
{
	check(db, sqlite3_step(st), sqlite3_sql(st));
	sqlite3_reset(st);
}

static void put_doc(sqlite3 *db, sqlite3_stmt *doc, const bench_rows *rows, const char *key,
                    unsigned long n)
{
	sqlite3_bind_text(doc, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(doc, 2, rows->doc, (int)rows->doc_len, SQLITE_STATIC);
	sqlite3_bind_int64(doc, 3, (sqlite3_int64)n);
	step(db, doc);
}

/* The serial of row i's key in the order rows->ranges asks for. */
static unsigned long serial(const bench_rows *rows, unsigned long i)
{
	return rows->ranges ? (i % rows->ranges) * rows->range_len + i / rows->ranges : i;
}

double bench_raw_loop(const char *path, const bench_rows *rows, unsigned long n,
                      unsigned long per_txn, double max_seconds)
{
	sqlite3 *db;
	sqlite3_stmt *rec, *idx, *node, *doc, *upd;
	uint8_t hash[32] = {1};
	char key[BENCH_KEY_MAX];
	double t0;
	unsigned long i = 0;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		check(db, SQLITE_ERROR, path);
	/* the store's settings and tables (src/store/sqlite.c), without its triggers, which
	 * only fire on UPDATE and DELETE of the ledger's tables */
	check(db,
	      sqlite3_exec(db,
	                   "PRAGMA page_size=4096; PRAGMA journal_mode=WAL;"
	                   "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
	                   /* no WAL checkpoints at all: an upper bound for the ledger's,
	                    * which run on another thread */
	                   "PRAGMA wal_autocheckpoint=0;"
	                   "CREATE TABLE records(idx INTEGER PRIMARY KEY, leaf BLOB, hash BLOB,"
	                   " sealed BLOB);"
	                   "CREATE TABLE nodes(level INTEGER, idx INTEGER, hash BLOB,"
	                   " PRIMARY KEY(level, idx)) WITHOUT ROWID;"
	                   "CREATE TABLE idx(name TEXT, key TEXT, rec INTEGER,"
	                   " PRIMARY KEY(name, key, rec)) WITHOUT ROWID;"
	                   "CREATE TABLE docs(kind TEXT, id TEXT, owner TEXT, body BLOB,"
	                   " rec INTEGER, PRIMARY KEY(kind, id)) WITHOUT ROWID;"
	                   "CREATE INDEX docs_by_owner ON docs(kind, owner, id);",
	                   NULL, NULL, NULL),
	      "schema");
	check(db,
	      sqlite3_prepare_v2(db, "INSERT INTO records VALUES (?1, ?2, ?3, ?4)", -1, &rec, NULL),
	      "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO idx VALUES ('key', ?1, ?2)", -1, &idx, NULL),
	      "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO nodes VALUES (?1, ?2, ?3)", -1, &node, NULL),
	      "prepare");
	check(db,
	      sqlite3_prepare_v2(
	              db,
	              "INSERT OR REPLACE INTO docs VALUES ('code', ?1, 'U-bench-producer',"
	              " ?2, ?3)",
	              -1, &doc, NULL),
	      "prepare");
	/* the timed loop rewrites each code's document for the same owner: its row alone */
	check(db,
	      sqlite3_prepare_v2(db,
	                         "UPDATE docs SET body = ?2, rec = ?3 WHERE kind = 'code' AND "
	                         "id = ?1",
	                         -1, &upd, NULL),
	      "prepare");
	if (rows->doc) {
		check(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
		for (unsigned long k = 0; k < n; k++) {
			bench_key(serial(rows, k), key);
			put_doc(db, doc, rows, key, k);
		}
		check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
	}
	t0 = bench_now();
	while (i < n && (max_seconds <= 0 || bench_now() - t0 < max_seconds)) {
		check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
		for (unsigned long end = i + per_txn < n ? i + per_txn : n; i < end; i++) {
			bench_key(serial(rows, i), key);
			hash[0] = (uint8_t)i;
			sqlite3_bind_int64(rec, 1, (sqlite3_int64)i);
			sqlite3_bind_blob(rec, 2, rows->leaf, (int)rows->leaf_len, SQLITE_STATIC);
			sqlite3_bind_blob(rec, 3, hash, 32, SQLITE_STATIC);
			sqlite3_bind_blob(rec, 4, rows->sealed, (int)rows->sealed_len,
			                  SQLITE_STATIC);
			step(db, rec);
			sqlite3_bind_text(idx, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(idx, 2, (sqlite3_int64)i);
			step(db, idx);
			/* the ledger keeps every fourth level of inner nodes: a node at level 4k
			 * is complete when i + 1 is a multiple of 2^4k */
			for (unsigned level = 4; level < 64 && (i + 1) % (1UL << level) == 0;
			     level += 4) {
				sqlite3_bind_int(node, 1, (int)level);
				sqlite3_bind_int64(node, 2, (sqlite3_int64)(i >> level));
				sqlite3_bind_blob(node, 3, hash, 32, SQLITE_STATIC);
				step(db, node);
			}
			if (rows->doc)
				put_doc(db, upd, rows, key, i);
		}
		check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
	}
	t0 = bench_now() - t0;
	sqlite3_finalize(rec);
	sqlite3_finalize(idx);
	sqlite3_finalize(node);
	sqlite3_finalize(doc);
	sqlite3_finalize(upd);
	sqlite3_close(db);
	return i ? (double)i / t0 : 0;
}
