/* test_events_csv.c — ledger files in core: header names as spreadsheet users write them,
 * the ledger's words for event types, public flags, and that every failing row is listed
 * while a refused row is taken back whole before the next row is checked. */
#include "trace_fixture.h"

/* n fresh item codes of PRODUCER's batch, serials of our own ("CSV1", "CSV2", …), as
 * canonical keys into out; commissioned when asked. */
static void fresh_codes(fixture *f, size_t n, bool commission, char out[][64])
{
	static unsigned serial;
	qt_account u = unit(PRODUCER);
	json_t *list = json_array(), *body, *a = NULL;
	qt_err err;

	for (size_t i = 0; i < n; i++) {
		char text[64];
		snprintf(text, sizeof text, "(01)" GTIN "(21)CSV%u", ++serial);
		snprintf(out[i], 64, "01/" GTIN "/21/CSV%u", serial);
		json_array_append_new(list, json_string(text));
	}
	body = json_pack("{s:s, s:s, s:s, s:O}", "batch", "B0000000000000001", "granularity",
	                 "item", "scheme", "gs1", "codes", list);
	if (qt_codes_issue(f->p, &u, body, &a, &err) != QT_OK)
		fail_msg("issue: %s", err.msg);
	json_decref(a);
	json_decref(body);
	body = json_pack("{s:[{s:s, s:o}]}", "events", "type", "commission", "codes", list);
	a = NULL;
	if (commission && qt_events_submit(f->p, &u, body, &a, &err) != QT_OK)
		fail_msg("commission: %s", err.msg);
	json_decref(a);
	json_decref(body);
}

/* Upload text as who; the failing rows into rows (NULL on success). */
static qt_rc upload(fixture *f, const char *who, const char *text, json_t **answer, json_t **rows,
                    qt_err *err)
{
	qt_account u = unit(who);
	json_t *a = NULL, *r = NULL;
	qt_rc rc = qt_events_csv(f->p, &u, text, strlen(text), &a, &r, err);
	if (getenv("QT_TEST_DEBUG") && r)
		json_dumpf(r, stderr, JSON_INDENT(1));
	if (answer)
		*answer = a;
	else
		json_decref(a);
	if (rows)
		*rows = r;
	else
		json_decref(r);
	return rc;
}

static json_t *record_body(fixture *f, uint64_t index)
{
	qt_buf leaf;
	qt_err err;
	json_t *l, *body;
	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
	if (qt_ledger_record(f->p->ledger, index, &leaf, &err) != QT_OK)
		fail_msg("record %llu: %s", (unsigned long long)index, err.msg);
	l = json_loadb(leaf.p, leaf.len, 0, NULL);
	body = json_incref(json_object_get(l, "body"));
	json_decref(l);
	qt_buf_free(&leaf);
	return body;
}

static void test_header_names(void **state)
{
	fixture *f = *state;
	char c[2][64], text[1024];
	json_t *a = NULL, *body;
	qt_err err;

	fresh_codes(f, 2, true, c);
	/* spaces, case, '_', '*' marks of required columns, a full-width public flag */
	snprintf(text, sizeof text,
	         " *TYPE* ,追溯码*,Buyer_USCC,  购方名称　,购方联系方式（是否公开）,购方联系方式,"
	         "buyer-address public,Buyer Address\r\n"
	         "销售,%s,%s,经销部,否,138,yes,深圳\r\n"
	         "ship,%s,%s,经销部,,,,\r\n",
	         c[0], SELLER, c[1], SELLER);
	assert_int_equal(upload(f, PRODUCER, text, &a, NULL, &err), QT_OK);
	assert_int_equal(json_integer_value(json_object_get(a, "accepted")), 2);
	body = record_body(f, (uint64_t)json_integer_value(json_object_get(a, "first_index")));
	assert_string_equal(str(body, "buyer_uscc"), SELLER);
	assert_string_equal(str(body, "buyer_name"), "经销部");
	assert_string_equal(str(body, "buyer_address"), "深圳");
	assert_null(json_object_get(body, "buyer_contact")); /* sealed */
	json_decref(body);
	json_decref(a);
}

static void test_type_words(void **state)
{
	static const char *const words[][2] = {
	        {" Commission ", "event.commission"},
	        {"装箱", "event.pack"},
	        {"拆箱", "event.unpack"},
	        {"售出", "event.retail"},
	        {"退货", "event.return"},
	};
	fixture *f = *state;
	char c[1][64], parent[] = "(00)069012345000000011", text[600];
	qt_err err;
	json_t *a = NULL;

	fresh_codes(f, 1, false, c);
	snprintf(text, sizeof text,
	         "type,code,parent\n%s,%s,\n%s,%s,%s\n%s,%s,%s\n%s,%s,\n%s,%s,\n", words[0][0],
	         c[0], words[1][0], c[0], parent, words[2][0], c[0], parent, words[3][0], c[0],
	         words[4][0], c[0]);
	if (upload(f, PRODUCER, text, &a, NULL, &err) != QT_OK)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < 5; i++) {
		qt_buf leaf;
		json_t *l;
		qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
		assert_int_equal(
		        qt_ledger_record(
		                f->p->ledger,
		                (uint64_t)json_integer_value(json_object_get(a, "first_index")) + i,
		                &leaf, &err),
		        QT_OK);
		l = json_loadb(leaf.p, leaf.len, 0, NULL);
		assert_string_equal(str(l, "type"), words[i][1]);
		json_decref(l);
		qt_buf_free(&leaf);
	}
	json_decref(a);
}

/* A refused row leaves no trace for the rows after it: row 2 ships two codes and the second
 * is not commissioned, so the first must not be in transit when row 3 sells it. Only row 2
 * is listed, and nothing of rows 3 and 4 is recorded. */
static void test_refused_row_taken_back_whole(void **state)
{
	fixture *f = *state;
	char ok[1][64], raw[1][64], text[800];
	json_t *rows = NULL, *r;
	uint64_t size;
	qt_err err;

	fresh_codes(f, 1, true, ok);
	fresh_codes(f, 1, false, raw);
	size = qt_ledger_size(f->p->ledger);
	snprintf(text, sizeof text,
	         "类型,追溯码,购货单位统一社会信用代码,购货单位名称\n"
	         "销售,%s;%s,%s,经销部\n"
	         "售出,%s,,\n"
	         "赋码,%s,,\n",
	         ok[0], raw[0], SELLER, ok[0], raw[0]);
	assert_int_equal(upload(f, PRODUCER, text, NULL, &rows, &err), QT_ERR_INVALID);
	assert_string_equal(err.msg, "1 of 3 rows were refused; nothing was recorded");
	assert_int_equal(json_array_size(rows), 1);
	r = json_array_get(rows, 0);
	assert_int_equal(json_integer_value(json_object_get(r, "row")), 2);
	assert_non_null(strstr(str(r, "message"), "not commissioned"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	json_decref(rows);
	/* the commission of row 4 did not happen either */
	snprintf(text, sizeof text, "type,code\ncommission,%s\n", raw[0]);
	assert_int_equal(upload(f, PRODUCER, text, NULL, NULL, &err), QT_OK);
}

/* A row refused for a cell keeps the others from being recorded, though their rules are
 * still checked: nothing they did may stay behind (the job that checked them must fail). */
static void test_cell_failure_keeps_nothing(void **state)
{
	fixture *f = *state;
	char c[1][64], text[400], s[32];
	json_t *rows = NULL, *d;
	uint64_t size;
	qt_err err;

	fresh_codes(f, 1, false, c);
	size = qt_ledger_size(f->p->ledger);
	snprintf(text, sizeof text, "type,code\ncommission,%s\nfly,%s\n", c[0], c[0]);
	assert_int_equal(upload(f, PRODUCER, text, NULL, &rows, &err), QT_ERR_INVALID);
	assert_int_equal(json_array_size(rows), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "row")), 3);
	json_decref(rows);
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	d = code_doc(f, c[0]);
	snprintf(s, sizeof s, "%s", str(d, "status"));
	json_decref(d);
	assert_string_equal(s, "issued");
}

static void test_cells(void **state)
{
	fixture *f = *state;
	char c[1][64], text[800];
	json_t *rows = NULL;
	qt_err err;

	fresh_codes(f, 1, true, c);
	snprintf(text, sizeof text,
	         "type,code,time,shipment,public,supplier name,supplier name public\n"
	         ",%s,,,,,\n"                 /* 2: no type */
	         "receive,%s,,12a,,,\n"       /* 3: shipment */
	         "retail,%s,,,maybe,,\n"      /* 4: public */
	         "retail,%s,,,,S,perhaps\n"   /* 5: flag */
	         "retail,%s,yesterday,,,,\n"  /* 6: time */
	         "retail,,,,,,\n"             /* 7: no code */
	         "retail,6.90123E+12,,,,,\n", /* 8: a GTIN as Excel shows a number */
	         c[0], c[0], c[0], c[0], c[0]);
	assert_int_equal(upload(f, PRODUCER, text, NULL, &rows, &err), QT_ERR_INVALID);
	assert_int_equal(json_array_size(rows), 7);
	assert_non_null(
	        strstr(str(json_array_get(rows, 6), "message"), "format the column as text"));
	for (size_t i = 0; i < 7; i++) {
		static const char *const col[] = {
		        "type", "shipment", "public", "supplier name public",
		        "time", "code",     "code"};
		json_t *r = json_array_get(rows, i);
		assert_int_equal(json_integer_value(json_object_get(r, "row")), (json_int_t)i + 2);
		assert_string_equal(str(r, "column"), col[i]);
	}
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_header_names, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_type_words, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_refused_row_taken_back_whole, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_cell_failure_keeps_nothing, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_cells, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
