/* test_replay_store.c — the scratch store as verify's replay sees it: documents held until
 * the transaction commits (and forgotten on rollback, taken back whole inside a savepoint,
 * visible to listings, written early beyond the bound), and records and index rows read from
 * the log as if it ended before the record being applied. Both stores are real SQLite files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/replay.h"

typedef struct rfix {
	char dir[64], path[96], log_path[96];
	qt_store *inner; /* owned by s */
	qt_store *s;
	qt_store *log;
} rfix;

static rfix *open_fix(size_t max_bytes)
{
	rfix *f = calloc(1, sizeof *f);
	qt_store_opts scratch = {.create = true, .scratch = true}, log = {.create = true};
	qt_err err;

	snprintf(f->dir, sizeof f->dir, "/tmp/qt-replay-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/scratch.db", f->dir);
	snprintf(f->log_path, sizeof f->log_path, "%s/log.db", f->dir);
	assert_int_equal(qt_store_open(f->log_path, &log, &f->log, &err), QT_OK);
	assert_int_equal(qt_store_open(f->path, &scratch, &f->inner, &err), QT_OK);
	assert_int_equal(qt_replay_store_open(f->inner, f->log, max_bytes, &f->s, &err), QT_OK);
	return f;
}

static void close_fix(rfix *f)
{
	char cmd[96];

	f->s->ops->close(f->s);
	f->log->ops->close(f->log);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
}

static void put(qt_store *s, const char *id, const char *owner, const char *body, uint64_t rec)
{
	qt_err err;
	assert_int_equal(s->ops->doc_put(s, "code", id, owner, body, strlen(body), rec, &err),
	                 QT_OK);
}

/* s's document "code" id as "owner|body|rec", or "absent". */
static const char *get(qt_store *s, const char *id, char out[128])
{
	qt_buf body, owner;
	uint64_t rec = 0;
	qt_err err;
	qt_rc rc;

	qt_buf_init(&body, 1 << 16);
	qt_buf_init(&owner, 1 << 16);
	rc = s->ops->doc_get(s, "code", id, &body, &owner, &rec, &err);
	if (rc == QT_ERR_NOTFOUND)
		snprintf(out, 128, "absent");
	else {
		assert_int_equal(rc, QT_OK);
		snprintf(out, 128, "%s|%s|%llu", owner.p ? owner.p : "", body.p ? body.p : "",
		         (unsigned long long)rec);
	}
	qt_buf_free(&body);
	qt_buf_free(&owner);
	return out;
}

static void begin(qt_store *s)
{
	qt_err err;
	assert_int_equal(s->ops->begin(s, &err), QT_OK);
}

static void commit(qt_store *s)
{
	qt_err err;
	assert_int_equal(s->ops->commit(s, &err), QT_OK);
}

static void test_held_until_commit(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	char a[128], b[128];
	(void)state;

	begin(f->s);
	assert_string_equal(get(f->s, "C1", a), "absent"); /* an absence is kept too */
	put(f->s, "C1", "U1", "{\"status\":\"issued\"}", 3);
	put(f->s, "C1", "U2", "{\"status\":\"active\"}", 5);
	put(f->s, "C0", "U1", "{}", 4);
	assert_string_equal(get(f->s, "C1", a), "U2|{\"status\":\"active\"}|5");
	/* nothing is in the scratch file yet */
	assert_string_equal(get(f->inner, "C1", b), "absent");
	commit(f->s);
	assert_string_equal(get(f->inner, "C1", b), "U2|{\"status\":\"active\"}|5");
	assert_string_equal(get(f->inner, "C0", b), "U1|{}|4");
	assert_string_equal(get(f->s, "C1", a), "U2|{\"status\":\"active\"}|5");
	close_fix(f);
}

static void test_rollback_forgets(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	char a[128];
	(void)state;

	begin(f->s);
	put(f->s, "C1", "U1", "{\"v\":1}", 1);
	commit(f->s);
	begin(f->s);
	put(f->s, "C1", "U1", "{\"v\":2}", 2);
	put(f->s, "C2", "U1", "{\"v\":2}", 2);
	assert_string_equal(get(f->s, "C1", a), "U1|{\"v\":2}|2");
	f->s->ops->rollback(f->s);
	assert_string_equal(get(f->s, "C1", a), "U1|{\"v\":1}|1");
	assert_string_equal(get(f->s, "C2", a), "absent");
	assert_string_equal(get(f->inner, "C2", a), "absent");
	close_fix(f);
}

static void test_savepoint_taken_back_whole(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	qt_err err;
	char a[128];
	(void)state;

	begin(f->s);
	put(f->s, "C1", "U1", "{\"v\":1}", 1); /* held when the savepoint begins */
	assert_string_equal(get(f->s, "C2", a), "absent");
	assert_int_equal(f->s->ops->savepoint(f->s, &err), QT_OK);
	put(f->s, "C1", "U1", "{\"v\":2}", 2);
	put(f->s, "C2", "U1", "{\"v\":2}", 2);
	assert_string_equal(get(f->s, "C1", a), "U1|{\"v\":2}|2");
	assert_string_equal(get(f->s, "C2", a), "U1|{\"v\":2}|2");
	f->s->ops->savepoint_rollback(f->s);
	assert_string_equal(get(f->s, "C1", a), "U1|{\"v\":1}|1");
	assert_string_equal(get(f->s, "C2", a), "absent");
	/* a released one stands */
	assert_int_equal(f->s->ops->savepoint(f->s, &err), QT_OK);
	put(f->s, "C3", "U1", "{\"v\":3}", 3);
	assert_int_equal(f->s->ops->savepoint_release(f->s, &err), QT_OK);
	commit(f->s);
	assert_string_equal(get(f->inner, "C1", a), "U1|{\"v\":1}|1");
	assert_string_equal(get(f->inner, "C2", a), "absent");
	assert_string_equal(get(f->inner, "C3", a), "U1|{\"v\":3}|3");
	close_fix(f);
}

static qt_rc count_doc(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                       uint64_t rec)
{
	(void)id, (void)owner, (void)body, (void)n, (void)rec;
	(*(int *)ctx)++;
	return QT_OK;
}

static void test_listing_sees_held(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	size_t found = 0;
	int seen = 0;
	qt_err err;
	(void)state;

	begin(f->s);
	put(f->s, "C1", "U1", "{}", 1);
	put(f->s, "C2", "U1", "{}", 1);
	put(f->s, "C3", "U2", "{}", 1);
	assert_int_equal(
	        f->s->ops->doc_list(f->s, "code", "U1", NULL, 10, count_doc, &seen, &found, &err),
	        QT_OK);
	assert_int_equal(seen, 2);
	assert_int_equal(found, 2);
	commit(f->s);
	close_fix(f);
}

static void test_bound_writes_early(void **state)
{
	rfix *f = open_fix(4096); /* a few documents' worth */
	char id[16], a[128], want[128];
	(void)state;

	begin(f->s);
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "C%03d", i);
		put(f->s, id, "U1", "{\"status\":\"issued\",\"pad\":\"xxxxxxxxxxxxxxxx\"}",
		    (uint64_t)i);
	}
	/* the first ones had to go to the scratch file before the commit */
	assert_string_equal(get(f->inner, "C000", a),
	                    "U1|{\"status\":\"issued\",\"pad\":\"xxxxxxxxxxxxxxxx\"}|0");
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "C%03d", i);
		snprintf(want, sizeof want,
		         "U1|{\"status\":\"issued\",\"pad\":\"xxxxxxxxxxxxxxxx\"}|%d", i);
		assert_string_equal(get(f->s, id, a), want);
	}
	commit(f->s);
	assert_string_equal(get(f->inner, "C199", a),
	                    "U1|{\"status\":\"issued\",\"pad\":\"xxxxxxxxxxxxxxxx\"}|199");
	close_fix(f);
}

static void test_outside_transaction_written_at_once(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	char a[128];
	(void)state;

	put(f->s, "C1", "U1", "{}", 7);
	assert_string_equal(get(f->inner, "C1", a), "U1|{}|7");
	close_fix(f);
}

static void test_records_are_the_logs_below(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	qt_hash h = {{0}};
	uint64_t recs[8], count = 99;
	size_t found = 0;
	qt_buf leaf;
	qt_err err;
	(void)state;

	for (uint64_t i = 0; i < 5; i++) {
		char text[32];
		snprintf(text, sizeof text, "{\"n\":%llu}", (unsigned long long)i);
		assert_int_equal(
		        f->log->ops->record_put(f->log, i, text, strlen(text), &h, NULL, 0, &err),
		        QT_OK);
		if (i != 2)
			assert_int_equal(f->log->ops->index_put(f->log, "key", "K", i, &err),
			                 QT_OK);
	}
	qt_replay_store_at(f->s, 3);
	assert_int_equal(f->s->ops->record_count(f->s, &count, &err), QT_OK);
	assert_int_equal(count, 3);
	assert_int_equal(f->s->ops->index_find(f->s, "key", "K", UINT64_MAX, recs, 8, &found, &err),
	                 QT_OK);
	assert_int_equal(found, 2); /* 0 and 1; 3 and 4 come later */
	assert_int_equal(recs[0], 0);
	assert_int_equal(recs[1], 1);
	qt_buf_init(&leaf, 1 << 16);
	assert_int_equal(f->s->ops->record_get(f->s, 2, &leaf, NULL, &err), QT_OK);
	assert_string_equal(leaf.p, "{\"n\":2}");
	assert_int_equal(f->s->ops->record_get(f->s, 3, &leaf, NULL, &err), QT_ERR_NOTFOUND);
	qt_replay_store_at(f->s, 5);
	assert_int_equal(f->s->ops->index_find(f->s, "key", "K", 1, recs, 8, &found, &err), QT_OK);
	assert_int_equal(found, 2);
	assert_int_equal(recs[0], 3);
	assert_int_equal(recs[1], 4);
	/* a replay writes no records or index rows: they are the log's */
	assert_int_equal(f->s->ops->record_put(f->s, 5, "{}", 2, &h, NULL, 0, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(f->s->ops->index_put(f->s, "key", "K", 5, &err), QT_ERR_INVALID);
	qt_buf_free(&leaf);
	close_fix(f);
}

static qt_rc count_link(void *ctx, const char *dst)
{
	(void)dst;
	(*(int *)ctx)++;
	return QT_OK;
}

/* How many links (children, src) s lists. */
static int children(qt_store *s, const char *src)
{
	size_t found = 0;
	int seen = 0;
	qt_err err;

	assert_int_equal(
	        s->ops->link_list(s, "children", src, NULL, 100, count_link, &seen, &found, &err),
	        QT_OK);
	assert_int_equal((size_t)seen, found);
	return seen;
}

static void test_empty_link_sets(void **state)
{
	rfix *f = open_fix((size_t)64 << 20);
	qt_err err;
	(void)state;

	begin(f->s);
	assert_int_equal(children(f->s, "P1"), 0);
	assert_int_equal(children(f->s, "P1"), 0); /* answered from what was learnt */
	assert_int_equal(f->s->ops->link_put(f->s, "children", "P1", "C1", &err), QT_OK);
	assert_int_equal(children(f->s, "P1"), 1);
	assert_int_equal(f->s->ops->link_del(f->s, "children", "P1", "C1", &err), QT_OK);
	assert_int_equal(children(f->s, "P1"), 0);
	/* inside a savepoint nothing is learnt: what it adds is seen, and gone after it */
	assert_int_equal(children(f->s, "P2"), 0);
	assert_int_equal(f->s->ops->savepoint(f->s, &err), QT_OK);
	assert_int_equal(f->s->ops->link_put(f->s, "children", "P2", "C2", &err), QT_OK);
	assert_int_equal(children(f->s, "P2"), 1);
	f->s->ops->savepoint_rollback(f->s);
	assert_int_equal(children(f->s, "P2"), 0);
	assert_int_equal(f->s->ops->link_put(f->s, "children", "P2", "C3", &err), QT_OK);
	assert_int_equal(children(f->s, "P2"), 1);
	/* and an emptiness seen inside one is not kept: taken back, the link is there again */
	assert_int_equal(f->s->ops->savepoint(f->s, &err), QT_OK);
	assert_int_equal(f->s->ops->link_del(f->s, "children", "P2", "C3", &err), QT_OK);
	assert_int_equal(children(f->s, "P2"), 0);
	f->s->ops->savepoint_rollback(f->s);
	assert_int_equal(children(f->s, "P2"), 1);
	commit(f->s);
	/* what is learnt is no document */
	assert_int_equal(children(f->inner, "P2"), 1);
	close_fix(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_held_until_commit),
	        cmocka_unit_test(test_rollback_forgets),
	        cmocka_unit_test(test_savepoint_taken_back_whole),
	        cmocka_unit_test(test_listing_sees_held),
	        cmocka_unit_test(test_bound_writes_early),
	        cmocka_unit_test(test_outside_transaction_written_at_once),
	        cmocka_unit_test(test_records_are_the_logs_below),
	        cmocka_unit_test(test_empty_link_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
