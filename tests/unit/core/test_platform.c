/* test_platform.c — qt_doc_page on a real store: a filtered list fills its page past documents
 * the caller may not see, gives next exactly when more links follow, and stops at
 * QT_PAGE_SCAN_MAX documents with next where it stopped. And the store's doc_put replacing a
 * document: kept owner (body and rec rewritten in place) and a new owner (listed under it
 * alone) both read back and list as written. */
#include "store_fixture.h"

/* n documents "d<i>" listed in order; each owned by "a" or "b" as mine(i) says. */
static void seed(fixture *f, int n, bool (*mine)(int i))
{
	qt_err err;
	char id[16], key[32], body[64];

	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "d%05d", i);
		snprintf(key, sizeof key, "%05d/%s", i, id);
		snprintf(body, sizeof body, "{\"id\":\"%s\",\"who\":\"%s\"}", id,
		         mine(i) ? "a" : "b");
		assert_int_equal(
		        f->s->ops->doc_put(f->s, "thing", id, "", body, strlen(body), 1, &err),
		        QT_OK);
		assert_int_equal(f->s->ops->link_put(f->s, "things", "all", key, &err), QT_OK);
	}
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);
}

static bool keep_a(const void *ctx, const json_t *d)
{
	(void)ctx;
	return !strcmp(qt_json_text(d, "who"), "a");
}

/* Asserts the page after `after` holds the ids want (space-separated) and its next is
 * want_next ("" for none). */
static void page(fixture *f, const char *after, size_t limit, const char *want,
                 const char *want_next)
{
	json_t *a = NULL;
	qt_err err;

	assert_int_equal(qt_doc_page(f->s, "things", "all", "thing", after, limit, keep_a, NULL,
	                             "things", &a, &err),
	                 QT_OK);
	assert_page(a, "things", want, want_next);
}

static bool late(int i)
{
	return i >= 250 && i % 2 == 0; /* 250 b's first, then every other one an a */
}

static void test_fills_past_hidden(void **state)
{
	fixture *f = *state;

	seed(f, 256, late);
	page(f, NULL, 2, "d00250 d00252", "00252/d00252");
	/* d00255 is looked at and hidden: nothing follows */
	page(f, "00252/d00252", 2, "d00254", "");
	page(f, "00249/d00249", 1, "d00250", "00250/d00250");
}

static bool every(int i)
{
	(void)i;
	return true;
}

static void test_next_only_when_more(void **state)
{
	fixture *f = *state;

	seed(f, 3, every);
	page(f, NULL, 3, "d00000 d00001 d00002", "");
	page(f, NULL, 2, "d00000 d00001", "00001/d00001");
}

static bool last_one(int i)
{
	return i == QT_PAGE_SCAN_MAX + 10;
}

static void test_scan_bound(void **state)
{
	fixture *f = *state;
	char next[32], want[32];

	seed(f, QT_PAGE_SCAN_MAX + 11, last_one);
	snprintf(next, sizeof next, "%05d/d%05d", QT_PAGE_SCAN_MAX - 1, QT_PAGE_SCAN_MAX - 1);
	page(f, NULL, 5, "", next);
	snprintf(want, sizeof want, "d%05d", QT_PAGE_SCAN_MAX + 10);
	page(f, next, 5, want, "");
}

/* The ids doc_list gives for (kind "thing", owner), space-separated. */
static qt_rc add_id(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                    uint64_t rec)
{
	char *out = ctx;
	(void)owner, (void)body, (void)n, (void)rec;
	snprintf(out + strlen(out), 200 - strlen(out), "%s%s", *out ? " " : "", id);
	return QT_OK;
}

static void owned(fixture *f, const char *owner, const char *want)
{
	char ids[200] = "";
	size_t found;
	qt_err err;

	assert_int_equal(
	        f->s->ops->doc_list(f->s, "thing", owner, "", 100, add_id, ids, &found, &err),
	        QT_OK);
	assert_string_equal(ids, want);
}

static void put(fixture *f, const char *id, const char *owner, const char *body, uint64_t rec)
{
	qt_err err;

	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	assert_int_equal(
	        f->s->ops->doc_put(f->s, "thing", id, owner, body, strlen(body), rec, &err), QT_OK);
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);
}

static void is(fixture *f, const char *id, const char *body, const char *owner, uint64_t rec)
{
	qt_buf b, o;
	uint64_t r = 0;
	qt_err err;

	qt_buf_init(&b, 256);
	qt_buf_init(&o, 256);
	assert_int_equal(f->s->ops->doc_get(f->s, "thing", id, &b, &o, &r, &err), QT_OK);
	assert_memory_equal(b.p, body, strlen(body));
	assert_int_equal(b.len, strlen(body));
	assert_string_equal(o.p, owner);
	assert_int_equal(r, rec);
	qt_buf_free(&b);
	qt_buf_free(&o);
}

static void test_doc_put_replaces(void **state)
{
	fixture *f = *state;

	put(f, "x", "a", "{\"v\":1}", 1);
	put(f, "y", "a", "{\"v\":9}", 2);
	is(f, "x", "{\"v\":1}", "a", 1);
	put(f, "x", "a", "{\"v\":2,\"longer\":true}", 3); /* the same owner */
	is(f, "x", "{\"v\":2,\"longer\":true}", "a", 3);
	owned(f, "a", "x y");
	owned(f, "b", "");
	put(f, "x", "b", "{\"v\":3}", 4); /* a new owner: listed under it alone */
	is(f, "x", "{\"v\":3}", "b", 4);
	owned(f, "a", "y");
	owned(f, "b", "x");
	put(f, "x", "b", "{}", 5);
	is(f, "x", "{}", "b", 5);
	owned(f, NULL, "x y");
	is(f, "y", "{\"v\":9}", "a", 2); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_doc_put_replaces, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fills_past_hidden, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_next_only_when_more, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scan_bound, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
