/* test_products.c — qt_products_list on a real store: a search keeps the products whose name,
 * model or GTIN holds it (ASCII letters in either case, full-width forms as ASCII, stored text
 * with JSON escapes too),
 * fills its page past those it leaves out, and looks at no more than QT_PAGE_SCAN_MAX
 * products a page, with next where it stopped, so a rare name is still found page by page. */
#include "store_fixture.h"

#include "core/catalog.h"

#define MAKER "91440300MA5D00010Y" /* Shenzhen */
#define OTHER "91420100MA5D00020Y" /* Wuhan */

/* Product "P<i>" (5 digits) of producer with the given name and model, written directly. */
static void put(fixture *f, int i, const char *producer, const char *name, const char *model)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "", "producer", producer, "name",
	                        name, "model", model, "gtin", "06901234567892");
	char id[16];
	qt_err err;

	snprintf(id, sizeof id, "P%05d", i);
	json_object_set_new(doc, "id", json_string(id));
	assert_int_equal(qt_doc_save(f->s, "product", id, producer, doc, 1, &err), QT_OK);
	json_decref(doc);
}

/* Asserts the page of q after `after` holds the ids want (space-separated) and its next is
 * want_next ("" for none). */
static void page(fixture *f, const qt_account *who, const char *q, const char *after, size_t limit,
                 const char *want, const char *want_next)
{
	json_t *a = NULL;
	qt_err err;

	assert_int_equal(qt_products_list(f->s, who, q, q ? strlen(q) : 0, after, limit, &a, &err),
	                 QT_OK);
	assert_page(a, "items", want, want_next);
}

static const qt_account maker = {.id = MAKER, .roles = QT_ROLE_PRODUCER};
static const qt_account guangdong = {
        .id = "regulator-44", .roles = QT_ROLE_REGULATOR, .jurisdiction = "44"};

static void test_search(void **state)
{
	fixture *f = *state;
	qt_err err;

	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	put(f, 1, MAKER, "塑料绝缘控制电缆 KVV", "KVV 4×1.5");
	put(f, 2, MAKER, "安全帽", "ABS-1");
	put(f, 3, OTHER, "橡套软电缆", "YZ");
	put(f, 4, MAKER, "\"金桥\"牌电缆", "Q\\1"); /* stored with escapes */
	put(f, 5, MAKER, "橡套软电缆", "yz-2");
	put(f, 6, MAKER, "控制电缆", "ＫＶＶ　4×1.5"); /* full-width, ideographic space */
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);

	/* each a whole list on one page: what q finds */
	static const struct {
		const char *q, *want;
	} finds[] = {
	        {"电缆", "P00001 P00004 P00005 P00006"},
	        {"kvv", "P00001 P00006"},
	        /* full-width forms and the ideographic space are the ASCII they stand for, in the
	         * product and in q */
	        {"KVV 4", "P00001 P00006"},
	        {"ｋｖｖ", "P00001 P00006"},
	        {"ＡＢＳ－", "P00002"},
	        {"ｋｖｖ　4×1.5", "P00001 P00006"},
	        {"abs-", "P00002"},
	        {"\"金桥\"", "P00004"},
	        {"q\\", "P00004"},
	        {"6901234567892", "P00001 P00002 P00004 P00005 P00006"},
	        {"Kvv 4×", "P00001 P00006"},
	        {"KVV  4", ""},
	};
	for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++)
		page(f, &maker, finds[i].q, NULL, 10, finds[i].want, "");
	/* the page fills past those left out, and says whether more follow exactly */
	page(f, &maker, "电缆", NULL, 1, "P00001", "P00001");
	page(f, &maker, "电缆", "P00001", 1, "P00004", "P00004");
	page(f, &maker, "电缆", "P00004", 1, "P00005", "P00005");
	page(f, &maker, "电缆", "P00005", 1, "P00006", "");
	/* a regulator: its jurisdiction's producers' products, Wuhan's left out */
	page(f, &guangdong, "软电缆", NULL, 10, "P00005", "");
	page(f, &guangdong, NULL, "P00003", 3, "P00004 P00005 P00006", "");
}

static void test_bad_query(void **state)
{
	fixture *f = *state;
	static const char nul[] = "a\0b"; /* as a %00 decodes */
	char q[400] = "";
	json_t *a = NULL;
	qt_err err;

	for (int i = 0; i < 101; i++)
		strcat(q, "电");
	assert_int_equal(qt_products_list(f->s, &maker, q, strlen(q), NULL, 10, &a, &err),
	                 QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "'q' must be 1 to 100 characters"));
	assert_int_equal(qt_products_list(f->s, &maker, "", 0, NULL, 10, &a, &err), QT_ERR_INVALID);
	assert_int_equal(qt_products_list(f->s, &maker, "\xe7\x94", 2, NULL, 10, &a, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(qt_products_list(f->s, &maker, nul, sizeof nul - 1, NULL, 10, &a, &err),
	                 QT_ERR_INVALID);
	assert_null(a);
	q[300] = '\0'; /* 100 characters */
	assert_int_equal(qt_products_list(f->s, &maker, q, strlen(q), NULL, 10, &a, &err), QT_OK);
	json_decref(a);
}

/* A name found after more than a page's worth of others: each page looks at
 * QT_PAGE_SCAN_MAX products at the most and says where to go on. */
static void test_scan_bound(void **state)
{
	fixture *f = *state;
	char next[16];
	qt_err err;
	int i;

	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	for (i = 0; i < QT_PAGE_SCAN_MAX + 10; i++)
		put(f, i, MAKER, "塑料绝缘控制电缆", "KVV");
	put(f, i, MAKER, "安全帽", "ABS");
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);

	snprintf(next, sizeof next, "P%05d", QT_PAGE_SCAN_MAX - 1);
	page(f, &maker, "安全帽", NULL, 100, "", next);
	snprintf(next, sizeof next, "P%05d", i);
	page(f, &maker, "安全帽", "P04999", 100, next, "");
	/* unfiltered, a page is just its limit */
	page(f, &maker, NULL, NULL, 2, "P00000 P00001", "P00001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scan_bound, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
