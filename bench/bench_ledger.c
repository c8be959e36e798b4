/* bench_ledger.c — the ledger's figures, each beside the limit DESIGN.md and the ledger issue
 * name, measured in the same run: durable appends in groups of 10,000 against a raw SQLite
 * insert loop writing the same rows with the same durability; inclusion-proof time; offline
 * verification in leaves per second against the machine's SHA-256 rate and against a floor
 * (verify_floor) of what any verifier of this store must do. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ledger/log.h"
#include "ledger/merkle.h"

#define GROUP 10000

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, msg);
	exit(1);
}

typedef struct group {
	qt_record recs[GROUP];
	json_t *bodies[GROUP], *privs[GROUP];
	char keys[GROUP][BENCH_KEY_MAX];
	const char *kp[GROUP];
} group;

static void make_group(group *g, unsigned long base)
{
	for (int i = 0; i < GROUP; i++) {
		bench_key(base + i, g->keys[i]);
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

/* The floor of verification: what any verifier of this store must do at the least, on one
 * thread by raw statements — read every record in order, hash its leaf and compare the
 * stored hash, build the tree from the leaf hashes, and read every index row — without the
 * canonical-form check, the sealed values, the stored nodes or the checkpoints. Leaves per
 * CPU-second; every stored hash must match, and the tree's root be root. */
static double verify_floor(const char *path, const qt_hash *root)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *recs = NULL, *idx = NULL;
	qt_merkle_builder tree;
	qt_hash h;
	unsigned long n = 0, differ = 0, rows = 0;
	double cpu0 = bench_cpu_now();

	qt_merkle_builder_init(&tree);
	/* mapped, as qtrace verify reads it (src/store/sqlite.c) */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA mmap_size=1073741824", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT leaf, hash, sealed FROM records ORDER BY idx", -1, &recs,
	                       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT name, key, rec FROM idx", -1, &idx, NULL) != SQLITE_OK)
		die("verify floor", db ? sqlite3_errmsg(db) : "out of memory");
	while (sqlite3_step(recs) == SQLITE_ROW) {
		const void *stored = sqlite3_column_blob(recs, 1);
		qt_merkle_leaf_hash(sqlite3_column_blob(recs, 0),
		                    (size_t)sqlite3_column_bytes(recs, 0), &h);
		differ += sqlite3_column_bytes(recs, 1) != (int)sizeof h.b ||
		          memcmp(stored, h.b, sizeof h.b) != 0;
		(void)sqlite3_column_blob(recs, 2);
		/* the tree as verify builds it, without its stored-node check (emit NULL) */
		if (qt_merkle_builder_push(&tree, &h, NULL, NULL) != QT_OK)
			die("verify floor", "the tree is full");
		n++;
	}
	while (sqlite3_step(idx) == SQLITE_ROW) {
		(void)sqlite3_column_text(idx, 0);
		(void)sqlite3_column_text(idx, 1);
		(void)sqlite3_column_int64(idx, 2);
		rows++;
	}
	qt_merkle_builder_root(&tree, &h);
	sqlite3_finalize(recs);
	sqlite3_finalize(idx);
	sqlite3_close(db);
	if (differ || !n || !rows || memcmp(h.b, root->b, sizeof root->b) != 0)
		die("verify floor", "a stored leaf hash or the root differs, or nothing was read");
	return (double)n / (bench_cpu_now() - cpu0);
}

int main(int argc, char **argv)
{
	int groups = argc > 1 ? atoi(argv[1]) : 10;
	char dir[] = "/tmp/qt-bench-XXXXXX", db[300], raw[300], vkey[512];
	qt_receipt *rs = malloc(sizeof(qt_receipt) * GROUP);
	qt_ledger *l;
	qt_err err;
	qt_buf leaf, sealed;
	qt_verify_result vres;
	double t0, t1, cpu0, ledger_rate, raw_rate, proof_us, verify_rate, verify_cpu_rate,
	        sha_rate, floor_rate;
	unsigned long total;

	if (!rs || !mkdtemp(dir) || sodium_init() < 0)
		die("setup", "out of memory or no temp dir");
	/* the receipts are the caller's memory (60 MB for a group): touched here, so that the
	 * first group does not pay the page faults of a fresh allocation */
	memset(rs, 0, sizeof(qt_receipt) * GROUP);
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
		t0 = bench_now();
		for (int k = 0; k < groups; k++)
			if (qt_ledger_append(l, gs[k]->recs, GROUP, rs, &err) != QT_OK)
				die("append", err.msg);
		t1 = bench_now();
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
	raw_rate = bench_raw_loop(raw,
	                          &(bench_rows){.leaf = leaf.p,
	                                        .leaf_len = leaf.len,
	                                        .sealed = sealed.p,
	                                        .sealed_len = sealed.len},
	                          total, GROUP, 0);

	/* 2. inclusion proofs from the store, random leaves of the whole tree */
	{
		const int N = 20000;
		unsigned long x = 12345;
		qt_merkle_proof p;
		t0 = bench_now();
		for (int i = 0; i < N; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			if (qt_ledger_inclusion(l, (x >> 11) % total, total, &p, &err) != QT_OK)
				die("proof", err.msg);
		}
		proof_us = (bench_now() - t0) / N * 1e6;
	}
	qt_ledger_close(l);

	/* 3. offline verification of the whole database */
	t0 = bench_now();
	cpu0 = bench_cpu_now();
	if (qt_ledger_verify(db, &(qt_verify_opts){.key = vkey}, &vres, &err) != QT_OK)
		die("verify", err.msg);
	verify_rate = (double)vres.records / (bench_now() - t0);
	/* the target is per core: verify runs on two threads, so its CPU time counts */
	verify_cpu_rate = (double)vres.records / (bench_cpu_now() - cpu0);
	floor_rate = verify_floor(db, &vres.root);
	/* the limit beside it: leaf hashes of the same size, one core */
	{
		qt_hash h;
		unsigned long n = 0;
		t0 = bench_now();
		do {
			for (int i = 0; i < 10000; i++, n++)
				qt_merkle_leaf_hash(leaf.p, leaf.len, &h);
		} while (bench_now() - t0 < 0.5);
		sha_rate = (double)n / (bench_now() - t0);
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
	printf("%-52s %14.0f %14.0f %7.2fx\n",
	       "verify, leaves per CPU-second (per core, vs target)", verify_cpu_rate, 1000000.0,
	       verify_cpu_rate / 1000000.0);
	printf("%-52s %14.0f %14.0f %7.2fx\n", "verify floor, leaves per CPU-second (vs target)",
	       floor_rate, 1000000.0, floor_rate / 1000000.0);
	printf("%-52s %14.0f %14.0f %7.2fx\n", "verify, leaves per CPU-second (vs its floor)",
	       verify_cpu_rate, floor_rate, verify_cpu_rate / floor_rate);
	printf("(%lu records of %zu bytes, %llu checkpoints verified. Verify floor: one thread "
	       "reading every record and index row by raw statements, hashing each leaf against "
	       "its stored hash and building the tree; no canonical-form, sealed-value, node or "
	       "checkpoint checks)\n",
	       total, leaf.len, (unsigned long long)vres.checkpoints);
	qt_buf_free(&leaf);
	qt_buf_free(&sealed);
	free(rs);
	/* QT_BENCH_KEEP=1 keeps the database, to profile `qtrace verify` on it alone */
	if (getenv("QT_BENCH_KEEP")) {
		printf("(kept: %s)\n", db);
		return 0;
	}
	return bench_remove_dir(dir) ? 0 : 1;
}
