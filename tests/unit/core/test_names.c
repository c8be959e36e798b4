/* test_names.c — naming an answer's ids (names.c) on a real store, its reads counted: a page of
 * 100 documents naming one product, batch and producer reads each once, and a unit the
 * platform does not have once too (and is named by nothing); a batch names its product. */
#include "core/names.h"
#include "counted_store.h"
#include "store_fixture.h"

static void put(fixture *f, const char *kind, const char *id, const char *body)
{
	qt_err err;
	assert_int_equal(f->s->ops->doc_put(f->s, kind, id, "", body, strlen(body), 1, &err),
	                 QT_OK);
}

static void test_one_read_per_document(void **state)
{
	fixture *f = *state;
	counted c;
	json_t *page = json_array(), *d;
	size_t i;
	qt_err err;

	counted_wrap(&c, f->s, NULL);
	assert_int_equal(f->s->ops->begin(f->s, &err), QT_OK);
	put(f, "product", "P1", "{\"id\":\"P1\",\"name\":\"塑料绝缘控制电缆\"}");
	put(f, "batch", "B1", "{\"id\":\"B1\",\"product\":\"P1\",\"batch_no\":\"L2026-11\"}");
	put(f, "account", "91440300MA5N00011X", "{\"name\":\"深圳电缆有限公司\"}");
	assert_int_equal(f->s->ops->commit(f->s, &err), QT_OK);
	for (i = 0; i < 100; i++)
		json_array_append_new(page,
		                      json_pack("{s:s, s:s, s:s, s:s}", "product", "P1", "batch",
		                                "B1", "producer", "91440300MA5N00011X", "unit",
		                                "91110105MA5N00021Y"));
	/* a recall of the batch: its product by the batch's */
	json_array_append_new(page, json_pack("{s:s}", "batch", "B1"));

	assert_int_equal(qt_names_each(&c.base, page, qt_names_add, &err), QT_OK);
	assert_int_equal(c.reads, 4); /* product, batch, producer, and the absent unit */
	json_array_foreach(page, i, d)
	{
		assert_string_equal(qt_json_text(d, "product_name"), "塑料绝缘控制电缆");
		assert_string_equal(qt_json_text(d, "batch_no"), "L2026-11");
		assert_null(json_object_get(d, "unit_name"));
		if (i < 100)
			assert_string_equal(qt_json_text(d, "producer_name"), "深圳电缆有限公司");
	}
	json_decref(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_one_read_per_document, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
