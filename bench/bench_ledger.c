/* bench_ledger.c — the ledger's figures, each beside the limit DESIGN.md and the ledger issue
 * name, measured in the same run: durable appends in groups of 10,000 against a raw SQLite
 * insert loop writing the same rows with the same durability; inclusion-proof time; offline
 * verification in leaves per second against the machine's SHA-256 rate. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger/log.h"

#define GROUP 10000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, msg);
	exit(1);
}

typedef struct group {
	qt_record recs[GROUP];
	json_t *bodies[GROUP], *privs[GROUP];
	char keys[GROUP][48];
	const char *kp[GROUP];
} group;

static void make_group(group *g, unsigned long base)
{
	for (int i = 0; i < GROUP; i++) {
		snprintf(g->keys[i], sizeof g->keys[i], "01/06901234567892/21/S%08lu", base + i);
		g->kp[i] = g->keys[i];
		g->bodies[i] = json_pack("{s:s, s:s, s:i, s:s}", "code", g->keys[i], "event",
		                         "ship", "qty", 1, "to", "华东电缆经销有限公司");
		g->privs[i] = json_pack("{s:s}", "buyer_contact", "13800138000");
		g->recs[i] = (qt_record){.type = "event.ship",
		                         .body = g->bodies[i],
		                         .private_fields = g->privs[i],
		                         .keys = &g->kp[i],
		                         .n_keys = 1,
		                         .ts = "2026-11-21T08:00:00.000Z"};
	}
}

static void free_group(group *g)
{
	for (int i = 0; i < GROUP; i++) {
		json_decref(g->bodies[i]);
		json_decref(g->privs[i]);
	}
}

/* The same rows the ledger writes per record — leaf, hash and sealed values in one row, an
 * index row, and every fourth level of Merkle nodes — inserted by plain prepared statements, one
 * transaction and one fsync per group, WAL and synchronous=FULL like the ledger's store. */
static double raw_loop(const char *path, int groups, const char *leaf, size_t leaf_len,
                       const char *sealed, size_t sealed_len)
{
	sqlite3 *db;
	sqlite3_stmt *rec, *idx, *node;
	uint8_t hash[32] = {1};
	double t0, t1;
	unsigned long n = 0;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("raw", sqlite3_errmsg(db));
	sqlite3_exec(db,
	             "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	             "PRAGMA cache_size=-65536;"
	             /* no WAL checkpoints at all: an upper bound for the ledger's, which
	              * run on another thread */
	             "PRAGMA wal_autocheckpoint=0;"
	             "CREATE TABLE records(idx INTEGER PRIMARY KEY, leaf BLOB, hash BLOB,"
	             " sealed BLOB);"
	             "CREATE TABLE nodes(level INTEGER, idx INTEGER, hash BLOB,"
	             " PRIMARY KEY(level, idx)) WITHOUT ROWID;"
	             "CREATE TABLE idx(name TEXT, key TEXT, rec INTEGER,"
	             " PRIMARY KEY(name, key, rec)) WITHOUT ROWID;",
	             NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO records VALUES (?1, ?2, ?3, ?4)", -1, &rec, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO idx VALUES ('key', ?1, ?2)", -1, &idx, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO nodes VALUES (?1, ?2, ?3)", -1, &node, NULL);
	t0 = now();
	for (int g = 0; g < groups; g++) {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int i = 0; i < GROUP; i++, n++) {
			char key[48];
			snprintf(key, sizeof key, "01/06901234567892/21/S%08lu", n);
			hash[0] = (uint8_t)n;
			sqlite3_bind_int64(rec, 1, (sqlite3_int64)n);
			sqlite3_bind_blob(rec, 2, leaf, (int)leaf_len, SQLITE_STATIC);
			sqlite3_bind_blob(rec, 3, hash, 32, SQLITE_STATIC);
			sqlite3_bind_blob(rec, 4, sealed, (int)sealed_len, SQLITE_STATIC);
			sqlite3_step(rec);
			sqlite3_reset(rec);
			sqlite3_bind_text(idx, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(idx, 2, (sqlite3_int64)n);
			sqlite3_step(idx);
			sqlite3_reset(idx);
			/* the ledger keeps every fourth level of inner nodes: a node at level 4k
			 * is complete when n + 1 is a multiple of 2^4k */
			for (unsigned level = 4; level < 64 && (n + 1) % (1UL << level) == 0;
			     level += 4) {
				sqlite3_bind_int(node, 1, (int)level);
				sqlite3_bind_int64(node, 2, (sqlite3_int64)(n >> level));
				sqlite3_bind_blob(node, 3, hash, 32, SQLITE_STATIC);
				sqlite3_step(node);
				sqlite3_reset(node);
			}
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("raw commit", sqlite3_errmsg(db));
	}
	t1 = now();
	sqlite3_finalize(rec);
	sqlite3_finalize(idx);
	sqlite3_finalize(node);
	sqlite3_close(db);
	return (double)n / (t1 - t0);
}

int main(int argc, char **argv)
{
	int groups = argc > 1 ? atoi(argv[1]) : 10;
	char dir[] = "/tmp/qt-bench-XXXXXX", db[300], raw[300], vkey[512], cmd[400];
	qt_receipt *rs = malloc(sizeof(qt_receipt) * GROUP);
	qt_ledger *l;
	qt_err err;
	qt_buf leaf, sealed;
	qt_verify_result vres;
	double t0, t1, ledger_rate, raw_rate, proof_us, verify_rate, sha_rate;
	unsigned long total;

	if (!rs || !mkdtemp(dir) || sodium_init() < 0)
		die("setup", "out of memory or no temp dir");
	snprintf(db, sizeof db, "%s/ledger.db", dir);
	snprintf(raw, sizeof raw, "%s/raw.db", dir);
	if (qt_ledger_init(db, "bench.example/log", vkey, sizeof vkey, &err) != QT_OK ||
	    qt_ledger_open(db, NULL, &l, &err) != QT_OK)
		die("ledger", err.msg);

	/* 1. durable appends, groups of 10,000: the callers' JSON values are built first, as
	 * the raw loop's rows are; everything the ledger does with them is timed. */
	{
		group **gs = calloc((size_t)groups, sizeof *gs);
		for (int k = 0; k < groups; k++) {
			gs[k] = malloc(sizeof *gs[k]);
			if (!gs[k])
				die("setup", "out of memory");
			make_group(gs[k], (unsigned long)k * GROUP);
		}
		t0 = now();
		for (int k = 0; k < groups; k++)
			if (qt_ledger_append(l, gs[k]->recs, GROUP, rs, &err) != QT_OK)
				die("append", err.msg);
		t1 = now();
		for (int k = 0; k < groups; k++) {
			free_group(gs[k]);
			free(gs[k]);
		}
		free(gs);
	}
	total = (unsigned long)groups * GROUP;
	ledger_rate = (double)total / (t1 - t0);

	qt_buf_init(&leaf, 1 << 16);
	qt_buf_init(&sealed, 1 << 16);
	if (qt_ledger_store(l)->ops->record_get(qt_ledger_store(l), 0, &leaf, &sealed, &err) !=
	    QT_OK)
		die("record", err.msg);
	raw_rate = raw_loop(raw, groups, leaf.p, leaf.len, sealed.p, sealed.len);

	/* 2. inclusion proofs from the store, random leaves of the whole tree */
	{
		const int N = 20000;
		unsigned long x = 12345;
		qt_merkle_proof p;
		t0 = now();
		for (int i = 0; i < N; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			if (qt_ledger_inclusion(l, (x >> 11) % total, total, &p, &err) != QT_OK)
				die("proof", err.msg);
		}
		proof_us = (now() - t0) / N * 1e6;
	}
	qt_ledger_close(l);

	/* 3. offline verification of the whole database */
	t0 = now();
	if (qt_ledger_verify(db, vkey, NULL, &vres, &err) != QT_OK)
		die("verify", err.msg);
	verify_rate = (double)vres.records / (now() - t0);
	/* the limit beside it: leaf hashes of the same size, one core */
	{
		qt_hash h;
		unsigned long n = 0;
		t0 = now();
		do {
			for (int i = 0; i < 10000; i++, n++)
				qt_merkle_leaf_hash(leaf.p, leaf.len, &h);
		} while (now() - t0 < 0.5);
		sha_rate = (double)n / (now() - t0);
	}

	printf("%-52s %14s %14s %8s\n", "ledger (one core writing, fsync per group)", "per second",
	       "limit", "ratio");
	printf("%-52s %14.0f %14.0f %7.2fx\n", "durable append, groups of 10,000 (vs raw SQLite)",
	       ledger_rate, raw_rate, ledger_rate / raw_rate);
	printf("%-52s %14.0f %14.0f %7.2fx\n", "durable append, groups of 10,000 (vs target)",
	       ledger_rate, 200000.0, ledger_rate / 200000.0);
	printf("%-52s %14.1f %14s %8s\n", "inclusion proof from the store (microseconds)", proof_us,
	       "-", "-");
	printf("%-52s %14.0f %14.0f %7.2fx\n", "verify, leaves per second (vs SHA-256 leaf rate)",
	       verify_rate, sha_rate, verify_rate / sha_rate);
	printf("%-52s %14.0f %14.0f %7.2fx\n", "verify, leaves per second (vs target)", verify_rate,
	       1000000.0, verify_rate / 1000000.0);
	printf("(%lu records of %zu bytes, %llu checkpoints verified)\n", total, leaf.len,
	       (unsigned long long)vres.checkpoints);
	qt_buf_free(&leaf);
	qt_buf_free(&sealed);
	free(rs);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
