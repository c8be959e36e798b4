/* test_ledger.c — the ledger's write path against a real SQLite file: receipts that verify,
 * records rejected with reasons and nothing written, group commit of concurrent writers, and
 * an injected failure at each step of the commit (store write, fsync, signing) that loses no
 * answered write and leaves a log that verifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "ledger/jcs.h"
#include "ledger/ledger_internal.h"

static char dir[256];

static void make_db(char *db, size_t n, const char *name)
{
	qt_err err;
	char vkey[512];
	snprintf(db, n, "%s/%s", dir, name);
	if (qt_ledger_init(db, "test.example/log", vkey, sizeof vkey, &err) != QT_OK)
		fail_msg("init: %s", err.msg);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/qt-ledger-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

/* A receipt must stand on its own: signed checkpoint, leaf, inclusion proof. */
static void check_receipt(qt_ledger *l, const qt_receipt *r)
{
	qt_verifier v;
	qt_checkpoint cp;
	size_t text_len;
	qt_err err;
	qt_buf leaf;
	qt_hash h;

	qt_ledger_verifier(l, &v);
	assert_int_equal(qt_note_verify(&v, r->checkpoint, r->checkpoint_len, &text_len, &err),
	                 QT_OK);
	assert_int_equal(qt_checkpoint_parse(r->checkpoint, text_len, &cp, &err), QT_OK);
	assert_int_equal(cp.size, r->tree_size);
	assert_true(qt_merkle_verify_inclusion(&r->leaf_hash, r->index, r->tree_size, &r->proof,
	                                       &cp.root));
	qt_buf_init(&leaf, 1 << 20);
	assert_int_equal(qt_ledger_record(l, r->index, &leaf, &err), QT_OK);
	qt_merkle_leaf_hash(leaf.p, leaf.len, &h);
	assert_memory_equal(h.b, r->leaf_hash.b, QT_HASH_LEN);
	qt_buf_free(&leaf);
}

static void verify_ok(const char *db, uint64_t want_records)
{
	qt_verify_result res;
	qt_err err;
	if (qt_ledger_verify(db, &(qt_verify_opts){0}, &res, &err) != QT_OK)
		fail_msg("verify: %s", err.msg);
	assert_int_equal(res.records, want_records);
}

static void test_append_and_receipts(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_err err;
	json_t *body = json_pack("{s:s, s:I}", "product", "架空绞线", "qty", (json_int_t)100);
	json_t *priv = json_pack("{s:s, s:s}", "buyer_name", "李四", "buyer_contact", "138");
	const char *keys[] = {"01/06901234567892/10/L1", "01/06901234567892"};
	qt_record recs[3] = {
	        {.type = "event.ship",
	         .body = body,
	         .private_fields = priv,
	         .keys = keys,
	         .n_keys = 2,
	         .ts = "2026-11-21T08:00:00Z"},
	        {.type = "event.receive", .body = body, .keys = keys, .n_keys = 1},
	        {.type = "unit.register"},
	};
	qt_receipt rs[3];
	qt_buf leaf;
	uint64_t found[4];
	size_t n_found;
	(void)state;

	make_db(db, sizeof db, "a.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	assert_int_equal(qt_ledger_size(l), 0);
	if (qt_ledger_append(l, recs, 3, rs, &err) != QT_OK)
		fail_msg("append: %s", err.msg);
	assert_int_equal(qt_ledger_size(l), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rs[i].index, (uint64_t)i);
		check_receipt(l, &rs[i]);
	}
	/* The leaf is canonical JSON and carries commitments, never the private values. */
	qt_buf_init(&leaf, 1 << 20);
	assert_int_equal(
	        qt_ledger_store(l)->ops->record_get(qt_ledger_store(l), 0, &leaf, NULL, &err),
	        QT_OK);
	assert_int_equal(qt_jcs_check(leaf.p, leaf.len, NULL, NULL, &err), QT_OK);
	assert_null(strstr(leaf.p, "李四"));
	assert_null(strstr(leaf.p, "138"));
	assert_non_null(strstr(leaf.p, "\"sealed\":{\"buyer_contact\":\""));
	assert_non_null(strstr(leaf.p, "\"ts\":\"2026-11-21T08:00:00Z\""));
	qt_buf_free(&leaf);
	/* Index rows written with the records. */
	assert_int_equal(qt_ledger_store(l)->ops->index_find(qt_ledger_store(l), QT_INDEX_KEY,
	                                                     "01/06901234567892/10/L1", UINT64_MAX,
	                                                     found, 4, &n_found, &err),
	                 QT_OK);
	assert_int_equal(n_found, 2);
	assert_int_equal(found[0], 0);
	assert_int_equal(found[1], 1);
	qt_ledger_close(l);

	/* Reopen: the tree and the checkpoint come back; appends continue. */
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	assert_int_equal(qt_ledger_size(l), 3);
	assert_int_equal(qt_ledger_append(l, recs, 1, rs, &err), QT_OK);
	assert_int_equal(rs[0].index, 3);
	check_receipt(l, &rs[0]);
	qt_ledger_close(l);
	verify_ok(db, 4);
	json_decref(body);
	json_decref(priv);
}

/* Index keys that JSON escapes in the leaf (a quote, a backslash, a control character; one
 * of the longest a key may be, which its escape makes longer than that in the leaf): verify
 * decodes them to the keys the index table holds. */
static void test_escaped_keys_verify(void **state)
{
	char db[300], longest[QT_LEDGER_KEY_MAX + 1];
	qt_ledger *l;
	qt_err err;
	json_t *priv = json_pack("{s:s}", "buyer", "王五");
	const char *keys[] = {"01/06901234567892/21/A\"B", "back\\slash", "tab\there", longest};
	qt_record recs[2] = {
	        {.type = "event.ship", .private_fields = priv, .keys = keys, .n_keys = 4},
	        {.type = "event.receive", .keys = keys + 1, .n_keys = 1},
	};
	qt_receipt rs[2];
	uint64_t found[2];
	size_t n_found;
	(void)state;

	memset(longest, 'k', QT_LEDGER_KEY_MAX - 1);
	longest[QT_LEDGER_KEY_MAX - 1] = '"';
	longest[QT_LEDGER_KEY_MAX] = '\0';
	make_db(db, sizeof db, "escaped.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	if (qt_ledger_append(l, recs, 2, rs, &err) != QT_OK)
		fail_msg("append: %s", err.msg);
	assert_int_equal(qt_ledger_store(l)->ops->index_find(qt_ledger_store(l), QT_INDEX_KEY,
	                                                     longest, UINT64_MAX, found, 2,
	                                                     &n_found, &err),
	                 QT_OK);
	assert_int_equal(n_found, 1);
	qt_ledger_close(l);
	verify_ok(db, 2);
	json_decref(priv);
}

static void test_bad_records_change_nothing(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_err err;
	json_t *good = json_pack("{s:s}", "a", "b");
	json_t *real = json_pack("{s:f}", "weight", 1.5);
	json_t *arr = json_pack("[s]", "x");
	json_t *clash = json_pack("{s:s}", "a", "secret");
	json_t *badname = json_pack("{s:s}", "Buyer Name", "x");
	const char *dup[] = {"k", "k"};
	const char *empty[] = {""};
	struct {
		qt_record r;
		const char *why;
	} cases[] = {
	        {{.type = "Bad Type", .body = good}, "record type"},
	        {{.type = "", .body = good}, "record type"},
	        {{.type = "t", .body = arr}, "body must be a JSON object"},
	        {{.type = "t", .body = real}, "floating-point"},
	        {{.type = "t", .body = good, .ts = "yesterday"}, "RFC 3339"},
	        {{.type = "t", .body = good, .ts = "2026-11-21 08:00:00"}, "RFC 3339"},
	        {{.type = "t", .body = good, .keys = dup, .n_keys = 2}, "listed twice"},
	        {{.type = "t", .body = good, .keys = empty, .n_keys = 1}, "index key 1"},
	        {{.type = "t", .body = good, .private_fields = clash}, "both public and private"},
	        {{.type = "t", .body = good, .private_fields = badname}, "private field name"},
	};
	qt_record ok = {.type = "t", .body = good};
	(void)state;

	make_db(db, sizeof db, "bad.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		qt_record two[2] = {ok, cases[i].r};
		err.msg[0] = '\0';
		assert_int_not_equal(qt_ledger_append(l, two, 2, NULL, &err), QT_OK);
		if (!strstr(err.msg, cases[i].why) || !strstr(err.msg, "record 2"))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].why);
		/* all or none: the good record of the group was not written either */
		assert_int_equal(qt_ledger_size(l), 0);
		assert_int_not_equal(qt_ledger_submit(l, &cases[i].r, NULL, &err), QT_OK);
	}
	/* a bad record in a group large enough to be prepared and hashed beside its staging:
	 * in the middle and last */
	{
		qt_record *many = calloc(700, sizeof *many);
		assert_non_null(many);
		for (size_t i = 0; i < 700; i++)
			many[i] = ok;
		for (size_t bad = 299; bad < 700; bad += 400) {
			char want[32];
			many[bad] = cases[0].r;
			snprintf(want, sizeof want, "record %zu:", bad + 1);
			assert_int_equal(qt_ledger_append(l, many, 700, NULL, &err),
			                 QT_ERR_INVALID);
			if (!strstr(err.msg, want))
				fail_msg("'%s' does not say '%s'", err.msg, want);
			assert_int_equal(qt_ledger_size(l), 0);
			many[bad] = ok;
		}
		free(many);
	}
	/* a record too large for one leaf */
	{
		char *big = malloc(70000);
		json_t *b;
		qt_record r = {.type = "t"};
		memset(big, 'x', 69999);
		big[69999] = '\0';
		b = json_pack("{s:s}", "blob", big);
		r.body = b;
		assert_int_equal(qt_ledger_append(l, &r, 1, NULL, &err), QT_ERR_TOOBIG);
		json_decref(b);
		free(big);
	}
	assert_int_equal(qt_ledger_size(l), 0);
	qt_ledger_close(l);
	verify_ok(db, 0);
	json_decref(good);
	json_decref(real);
	json_decref(arr);
	json_decref(clash);
	json_decref(badname);
}

typedef struct sub_arg {
	qt_ledger *l;
	int n;
	qt_receipt *rs;
	int failed;
} sub_arg;

static void *submit_many(void *p)
{
	sub_arg *a = p;
	for (int i = 0; i < a->n; i++) {
		json_t *body = json_pack("{s:i}", "i", i);
		qt_record r = {.type = "t", .body = body};
		qt_err err;
		if (qt_ledger_submit(a->l, &r, &a->rs[i], &err) != QT_OK)
			a->failed = 1;
		json_decref(body);
	}
	return NULL;
}

static uint64_t count_checkpoints(const char *db)
{
	qt_store *s;
	qt_store_opts so = {.read_only = true};
	qt_store_iter *it;
	qt_store_row row;
	qt_err err;
	uint64_t n = 0;
	assert_int_equal(qt_store_open(db, &so, &s, &err), QT_OK);
	assert_int_equal(s->ops->scan(s, QT_SCAN_CHECKPOINTS, 0, &it, &err), QT_OK);
	while (s->ops->next(it, &row, &err) == QT_OK)
		n++;
	s->ops->scan_close(it);
	s->ops->close(s);
	return n;
}

static void test_group_commit(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_err err;
	pthread_t t[8];
	sub_arg args[8];
	uint64_t before;
	(void)state;

	make_db(db, sizeof db, "group.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	before = count_checkpoints(db);
	/* Hold the commit path, as a slow fsync would, while 8 writers arrive: the first
	 * becomes the leader and waits for the lock, the other 7 queue behind it. */
	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < 8; i++) {
		args[i] = (sub_arg){.l = l, .n = 1, .rs = calloc(1, sizeof(qt_receipt))};
		pthread_create(&t[i], NULL, submit_many, &args[i]);
	}
	for (;;) {
		size_t q;
		pthread_mutex_lock(&l->queue_lock);
		q = l->queued;
		pthread_mutex_unlock(&l->queue_lock);
		if (q == 7)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	pthread_mutex_unlock(&l->lock);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	/* two groups: the leader's own write, then the seven that queued — two checkpoints */
	assert_int_equal(qt_ledger_size(l), 8);
	assert_int_equal(count_checkpoints(db) - before, 2);
	for (int i = 0; i < 8; i++) {
		assert_false(args[i].failed);
		check_receipt(l, &args[i].rs[0]);
		free(args[i].rs);
	}

	/* and under real contention, every receipt is good */
	for (int i = 0; i < 8; i++) {
		args[i] = (sub_arg){.l = l, .n = 50, .rs = calloc(50, sizeof(qt_receipt))};
		pthread_create(&t[i], NULL, submit_many, &args[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 8; i++) {
		assert_false(args[i].failed);
		for (int k = 0; k < 50; k++)
			check_receipt(l, &args[i].rs[k]);
		free(args[i].rs);
	}
	assert_int_equal(qt_ledger_size(l), 408);
	qt_ledger_close(l);
	verify_ok(db, 408);
}

/* Jobs with a state check: each runs in the group's transaction after the earlier ones, sees
 * their changes, and a refused one takes back only its own changes and records. */
typedef struct job_arg {
	qt_ledger *l;
	const char *mark;    /* meta key this job writes */
	const char *needs;   /* meta key that must exist already (NULL: none) */
	bool refuse;         /* write the mark, then refuse */
	uint64_t first_seen; /* the index apply was given */
	qt_rc rc;
	qt_receipt r[2];
} job_arg;

static qt_rc job_apply(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	job_arg *a = ctx;
	qt_buf v;
	qt_rc rc;

	a->first_seen = first;
	qt_buf_init(&v, 100);
	rc = a->needs ? s->ops->meta_get(s, a->needs, &v, err) : QT_OK;
	qt_buf_free(&v);
	if (rc == QT_OK)
		rc = s->ops->meta_put(s, a->mark, "1", err);
	if (rc == QT_OK && a->refuse)
		rc = qt_err_set(err, QT_ERR_INVALID, "refused by the rules");
	return rc;
}

static void *job_thread(void *p)
{
	job_arg *a = p;
	json_t *body = json_pack("{s:s}", "mark", a->mark);
	qt_record recs[2] = {{.type = "t", .body = body}, {.type = "t", .body = body}};
	qt_err err;
	a->rc = qt_ledger_submit_job(a->l, recs, 2, job_apply, a, a->r, &err);
	json_decref(body);
	return NULL;
}

static void test_jobs(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_store *s;
	qt_store_opts so = {.read_only = true};
	qt_buf v;
	qt_err err;
	pthread_t t[3];
	job_arg a[3] = {{.mark = "job.a"},
	                {.mark = "job.b", .refuse = true},
	                {.mark = "job.c", .needs = "job.a"}};
	(void)state;

	make_db(db, sizeof db, "jobs.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	/* hold the commit path so that all three queue into one group, in this order */
	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < 3; i++) {
		bool there = false;
		a[i].l = l;
		pthread_create(&t[i], NULL, job_thread, &a[i]);
		while (!there) { /* the first becomes the leader; the next ones queue behind it */
			nanosleep(&(struct timespec){0, 1000000}, NULL);
			pthread_mutex_lock(&l->queue_lock);
			there = i == 0 ? l->committing : l->queued == (size_t)i;
			pthread_mutex_unlock(&l->queue_lock);
		}
	}
	pthread_mutex_unlock(&l->lock);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* the first job went alone (it was the leader), b and c in the second group */
	assert_int_equal(a[0].rc, QT_OK);
	assert_int_equal(a[1].rc, QT_ERR_INVALID);
	assert_int_equal(a[2].rc, QT_OK);
	assert_int_equal(a[0].first_seen, 0);
	assert_int_equal(a[1].first_seen, 2);
	assert_int_equal(a[2].first_seen, 2); /* b's indexes went back to the pool */
	assert_int_equal(a[2].r[0].index, 2);
	assert_int_equal(a[2].r[1].index, 3);
	check_receipt(l, &a[2].r[1]);
	assert_int_equal(qt_ledger_size(l), 4);
	qt_ledger_close(l);

	qt_buf_init(&v, 100);
	assert_int_equal(qt_store_open(db, &so, &s, &err), QT_OK);
	assert_int_equal(s->ops->meta_get(s, "job.a", &v, &err), QT_OK);
	assert_int_equal(s->ops->meta_get(s, "job.c", &v, &err), QT_OK);
	assert_int_equal(s->ops->meta_get(s, "job.b", &v, &err), QT_ERR_NOTFOUND);
	s->ops->close(s);
	qt_buf_free(&v);
	verify_ok(db, 4);
}

/* A large job answered at its ends: the first and last records' receipts, both proving
 * their records; the middle is not built. A one-record job fills receipts[0] only. */
static void test_job_ends(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_err err;
	json_t *body = json_pack("{s:s}", "k", "v");
	qt_record *recs = calloc(1000, sizeof *recs);
	qt_receipt *r = calloc(2, sizeof *r);
	(void)state;

	for (size_t i = 0; i < 1000; i++)
		recs[i] = (qt_record){.type = "t", .body = body};
	make_db(db, sizeof db, "ends.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	assert_int_equal(qt_ledger_append(l, recs, 3, NULL, &err), QT_OK);
	assert_int_equal(qt_ledger_submit_job_ends(l, recs, 1000, NULL, NULL, r, &err), QT_OK);
	assert_int_equal(r[0].index, 3);
	assert_int_equal(r[1].index, 1002);
	check_receipt(l, &r[0]);
	check_receipt(l, &r[1]);
	memset(r, 0xab, 2 * sizeof *r);
	assert_int_equal(qt_ledger_submit_job_ends(l, recs, 1, NULL, NULL, r, &err), QT_OK);
	assert_int_equal(r[0].index, 1003);
	check_receipt(l, &r[0]);
	assert_int_equal(r[1].index, 0xababababababababULL);
	qt_ledger_close(l);
	verify_ok(db, 1004);
	json_decref(body);
	free(recs);
	free(r);
}

/* The fault is armed just before the second group (of n records: 20 are prepared in line,
 * 700 on the helper thread, which also hashes them), so it fires inside that group's commit
 * path: staging writes, the commit's fsync, the checkpoint's write or fsync, or signing.
 * Returns whether that group failed. A failed group answers nothing: its receipts are not
 * touched. Either way: earlier receipts stay good, the next write works (after a restart
 * when `restart`), and the whole log verifies. */
static bool run_with_fault(int kind, int step, bool restart, size_t n)
{
	char db[300], name[64];
	qt_ledger *l;
	qt_ledger_faults f = {0};
	qt_ledger_opts opts = {.faults = &f};
	qt_err err;
	json_t *body = json_pack("{s:s}", "k", "v");
	json_t *priv = json_pack("{s:s}", "buyer", "x");
	qt_record *recs = calloc(n, sizeof *recs);
	qt_receipt *rs = malloc(n * sizeof *rs), *untouched = malloc(n * sizeof *rs), kept[10];
	uint64_t size;
	qt_rc rc;

	assert_true(recs && rs && untouched);
	for (size_t i = 0; i < n; i++)
		recs[i] = (qt_record){.type = "t", .body = body, .private_fields = priv};
	snprintf(name, sizeof name, "fault-%d-%d-%d-%zu.db", kind, step, restart, n);
	make_db(db, sizeof db, name);
	assert_int_equal(qt_ledger_open(db, &opts, &l, &err), QT_OK);
	assert_int_equal(qt_ledger_append(l, recs, 10, kept, &err), QT_OK);
	if (kind == 0)
		f.store.fail_write_in = step;
	else if (kind == 1)
		f.store.fail_sync_in = step;
	else
		f.fail_sign_in = step;
	memset(rs, 0xab, n * sizeof *rs);
	memset(untouched, 0xab, n * sizeof *rs);
	rc = qt_ledger_append(l, recs, n, rs, &err);
	if (rc == QT_OK)
		for (size_t i = 0; i < n; i++)
			check_receipt(l, &rs[i]);
	else if (memcmp(rs, untouched, n * sizeof *rs) != 0)
		fail_msg("%s: a failed group wrote receipts", name);
	f = (qt_ledger_faults){0};
	if (restart) {
		qt_ledger_close(l);
		if (qt_ledger_open(db, &opts, &l, &err) != QT_OK)
			fail_msg("%s: reopen: %s", name, err.msg);
	}
	if (qt_ledger_append(l, recs, 5, rs, &err) != QT_OK)
		fail_msg("%s: append after the fault: %s", name, err.msg);
	check_receipt(l, &rs[4]);
	for (int i = 0; i < 10; i++)
		check_receipt(l, &kept[i]);
	size = qt_ledger_size(l);
	/* the failed group is either wholly there or wholly absent */
	assert_true(size == 15 || size == 15 + n);
	if (rc == QT_OK)
		assert_int_equal(size, 15 + n);
	qt_ledger_close(l);
	verify_ok(db, size);
	json_decref(body);
	json_decref(priv);
	free(recs);
	free(rs);
	free(untouched);
	return rc != QT_OK;
}

static void test_faults(void **state)
{
	(void)state;
	for (size_t n = 20; n <= 700; n += 680) {
		int failed[3] = {0, 0, 0};
		for (int step = 1; step <= 12; step++)
			for (int kind = 0; kind < 3; kind++)
				failed[kind] += run_with_fault(kind, step, step % 2 == 0, n);
		/* the faults really fired: writes early in the group, its one fsync (records
		 * and checkpoint commit together), and signing once; a failed signature fails
		 * the group before anything is committed */
		assert_true(failed[0] >= 6);
		assert_int_equal(failed[1], 1);
		assert_int_equal(failed[2], 1);
	}
}

/* A large group whose transaction cannot begin (another connection holds the write lock past
 * the busy timeout) fails before anything is staged: its helper thread, prepared and waiting
 * to hash, is let go rather than waited for forever, nothing is answered, and the next group
 * writes. */
static void test_group_never_staged(void **state)
{
	char db[300];
	qt_ledger *l;
	qt_err err;
	sqlite3 *other;
	json_t *body = json_pack("{s:s}", "k", "v");
	qt_record *recs = calloc(700, sizeof *recs);
	qt_receipt *rs = malloc(700 * sizeof *rs), *untouched = malloc(700 * sizeof *rs);
	(void)state;

	assert_true(recs && rs && untouched);
	for (size_t i = 0; i < 700; i++)
		recs[i] = (qt_record){.type = "t", .body = body};
	make_db(db, sizeof db, "blocked.db");
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	memset(rs, 0xab, 700 * sizeof *rs);
	memset(untouched, 0xab, 700 * sizeof *rs);
	assert_int_not_equal(qt_ledger_append(l, recs, 700, rs, &err), QT_OK);
	if (memcmp(rs, untouched, 700 * sizeof *rs) != 0)
		fail_msg("a group that never began wrote receipts");
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	if (qt_ledger_append(l, recs, 700, rs, &err) != QT_OK)
		fail_msg("append after the lock went: %s", err.msg);
	check_receipt(l, &rs[0]);
	check_receipt(l, &rs[699]);
	assert_int_equal(qt_ledger_size(l), 700);
	qt_ledger_close(l);
	verify_ok(db, 700);
	json_decref(body);
	free(recs);
	free(rs);
	free(untouched);
}

/* Tiles for mirrors come from the store and agree with the tree and the records. */
static void test_tiles_and_key_file(void **state)
{
	char db[300], key[320];
	qt_ledger *l;
	qt_err err;
	json_t *body = json_pack("{s:s}", "k", "v");
	qt_record recs[300];
	qt_receipt *rs = calloc(300, sizeof *rs);
	qt_buf out, leaf;
	qt_merkle_builder b;
	qt_hash root;
	struct stat sb;
	size_t pos = 0;
	(void)state;

	for (int i = 0; i < 300; i++)
		recs[i] = (qt_record){.type = "t", .body = body};
	make_db(db, sizeof db, "tiles.db");
	snprintf(key, sizeof key, "%s.key", db);
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_OK);
	assert_int_equal(qt_ledger_append(l, recs, 300, rs, &err), QT_OK);
	qt_buf_init(&out, 1 << 20);
	qt_buf_init(&leaf, 1 << 20);

	/* level 0, full: the first 256 leaf hashes */
	assert_int_equal(
	        qt_ledger_tile(l, &(qt_tile_ref){.level = 0, .index = 0, .width = 256}, &out, &err),
	        QT_OK);
	assert_int_equal(out.len, 256 * 32);
	for (int i = 0; i < 256; i++)
		assert_memory_equal(out.p + 32 * i, rs[i].leaf_hash.b, 32);
	/* the right edge: 44 exist, 45 do not */
	qt_buf_reset(&out);
	assert_int_equal(
	        qt_ledger_tile(l, &(qt_tile_ref){.level = 0, .index = 1, .width = 44}, &out, &err),
	        QT_OK);
	assert_memory_equal(out.p + 32 * 43, rs[299].leaf_hash.b, 32);
	assert_int_equal(
	        qt_ledger_tile(l, &(qt_tile_ref){.level = 0, .index = 1, .width = 45}, &out, &err),
	        QT_ERR_NOTFOUND);
	/* level 1: node (8, 0) is the root of the first 256 leaves */
	qt_buf_reset(&out);
	assert_int_equal(
	        qt_ledger_tile(l, &(qt_tile_ref){.level = 1, .index = 0, .width = 1}, &out, &err),
	        QT_OK);
	qt_merkle_builder_init(&b);
	for (int i = 0; i < 256; i++)
		assert_int_equal(qt_merkle_builder_push(&b, &rs[i].leaf_hash, NULL, NULL), QT_OK);
	qt_merkle_builder_root(&b, &root);
	assert_memory_equal(out.p, root.b, 32);
	/* entry bundle: the records' leaves, in order */
	qt_buf_reset(&out);
	assert_int_equal(qt_ledger_tile(l, &(qt_tile_ref){.entries = true, .index = 1, .width = 44},
	                                &out, &err),
	                 QT_OK);
	for (int i = 256; i < 300; i++) {
		const uint8_t *e;
		size_t n;
		assert_int_equal(qt_tile_bundle_next((const uint8_t *)out.p, out.len, &pos, &e, &n),
		                 QT_OK);
		assert_int_equal(qt_ledger_record(l, (uint64_t)i, &leaf, &err), QT_OK);
		assert_int_equal(n, leaf.len);
		assert_memory_equal(e, leaf.p, n);
	}
	assert_int_equal(pos, out.len);
	assert_int_equal(qt_ledger_tile(l, &(qt_tile_ref){.entries = true, .index = 1, .width = 45},
	                                &out, &err),
	                 QT_ERR_NOTFOUND);
	qt_ledger_close(l);

	/* a signing key others can read is refused, and so is someone else's key */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(qt_ledger_open(db, NULL, &l, &err), QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "readable by others"));
	assert_int_equal(chmod(key, 0600), 0);
	{
		char other[300], other_key[320];
		qt_ledger_opts o = {.key_path = other_key};
		make_db(other, sizeof other, "other.db");
		snprintf(other_key, sizeof other_key, "%s.key", other);
		assert_int_equal(qt_ledger_open(db, &o, &l, &err), QT_ERR_INVALID);
		assert_non_null(strstr(err.msg, "is not the signing key of"));
	}
	/* init never overwrites an existing database or key */
	{
		char vkey[512];
		assert_int_equal(qt_ledger_init(db, "x.example/l", vkey, sizeof vkey, &err),
		                 QT_ERR_INVALID);
		assert_non_null(strstr(err.msg, "already exists"));
	}
	verify_ok(db, 300);
	qt_buf_free(&out);
	qt_buf_free(&leaf);
	free(rs);
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append_and_receipts),
	        cmocka_unit_test(test_escaped_keys_verify),
	        cmocka_unit_test(test_bad_records_change_nothing),
	        cmocka_unit_test(test_group_commit),
	        cmocka_unit_test(test_jobs),
	        cmocka_unit_test(test_job_ends),
	        cmocka_unit_test(test_faults),
	        cmocka_unit_test(test_group_never_staged),
	        cmocka_unit_test(test_tiles_and_key_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
