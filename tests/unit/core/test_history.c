/* test_history.c — how a code's history reads each record's leaf back: the index keys left
 * out, the body's codes list reduced to the code itself (or emptied when the record does not
 * list it), and everything else in the body as written, including a body member that is
 * itself named "keys" or "codes" deeper down, and strings with escapes; and which records
 * are looked up for a correction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/scan.h"
#include "counted_store.h"
#include "ledger/log.h"

typedef struct fixture {
	char dir[64], db[96];
	qt_ledger *l;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char vkey[512];
	qt_err err;

	snprintf(f->dir, sizeof f->dir, "/tmp/qt-history-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	assert_int_equal(qt_ledger_init(f->db, "test.qtrace/log", vkey, sizeof vkey, &err), QT_OK);
	assert_int_equal(qt_ledger_open(f->db, NULL, &f->l, &err), QT_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[128];

	qt_ledger_close(f->l);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Appends one record of type with body (JSON text) under the index keys given. */
static void append(fixture *f, const char *type, const char *body, const char **keys, size_t n)
{
	json_t *b = json_loads(body, 0, NULL);
	qt_record r = {.type = type,
	               .body = b,
	               .keys = keys,
	               .n_keys = n,
	               .ts = "2026-11-21T08:00:00.000Z"};
	qt_receipt rc;
	qt_err err;

	assert_non_null(b);
	assert_int_equal(qt_ledger_append(f->l, &r, 1, &rc, &err), QT_OK);
	json_decref(b);
}

/* The history of code as compact JSON text of its leaves, one per line. */
static char *story(fixture *f, const char *code)
{
	static char out[8192];
	json_t *h = NULL;
	size_t o = 0, i;
	json_t *e;
	qt_err err;

	assert_int_equal(qt_history(qt_ledger_store(f->l), code, 0, &h, NULL, &err), QT_OK);
	out[0] = '\0';
	json_array_foreach(h, i, e)
	{
		char *t = json_dumps(json_object_get(e, "leaf"), JSON_COMPACT | JSON_SORT_KEYS);
		o += (size_t)snprintf(out + o, sizeof out - o, "%s\n", t);
		free(t);
	}
	json_decref(h);
	return out;
}

static void test_leaves(void **state)
{
	fixture *f = *state;
	const char *three[] = {"01/06901234567892/21/A1", "01/06901234567892/21/A2",
	                       "01/06901234567892/21/A3"};
	const char *one[] = {"01/06901234567892/21/A2"};

	append(f, "event.commission",
	       "{\"codes\":[\"01/06901234567892/21/A1\",\"01/06901234567892/21/A2\","
	       "\"01/06901234567892/21/A3\"],\"note\":\"quote \\\" and \\\\ kept\"}",
	       three, 3);
	/* a body with members named keys and codes of its own, deeper down, and a codes list
	 * whose strings end in an escaped backslash */
	append(f, "event.ship",
	       "{\"attrs\":{\"codes\":[\"not this one\"]},\"codes\":[\"x\\\\\",\"01/06901234567892/"
	       "21/A2\"],\"keys\":[\"k1\",\"k2\"]}",
	       one, 1);
	/* a record found under the code that does not list it in its body */
	append(f, "event.recall", "{\"codes\":[\"01/06901234567892/21/A9\"],\"why\":\"test\"}", one,
	       1);
	assert_string_equal(
	        story(f, "01/06901234567892/21/A2"),
	        "{\"body\":{\"codes\":[\"01/06901234567892/21/A2\"],\"note\":\"quote \\\" and \\\\ "
	        "kept\"},\"ts\":\"2026-11-21T08:00:00.000Z\",\"type\":\"event.commission\"}\n"
	        "{\"body\":{\"attrs\":{\"codes\":[\"not this "
	        "one\"]},\"codes\":[\"01/06901234567892/"
	        "21/A2\"],\"keys\":[\"k1\",\"k2\"]},\"ts\":\"2026-11-21T08:00:00.000Z\",\"type\":"
	        "\"event.ship\"}\n"
	        "{\"body\":{\"codes\":[],\"why\":\"test\"},\"ts\":\"2026-11-21T08:00:00.000Z\","
	        "\"type\":\"event.recall\"}\n");
	assert_string_equal(
	        story(f, "01/06901234567892/21/A3"),
	        "{\"body\":{\"codes\":[\"01/06901234567892/21/A3\"],\"note\":\"quote \\\" and \\\\ "
	        "kept\"},\"ts\":\"2026-11-21T08:00:00.000Z\",\"type\":\"event.commission\"}\n");
}

/* Only a record that a correction could void is looked up for one: not a code.issue (every
 * code's first record), nor a recall, a destroy or a correct. */
static void test_corrections_read(void **state)
{
	fixture *f = *state;
	counted c;
	const char *one[] = {"01/06901234567892/21/B1"};
	json_t *h = NULL;
	qt_err err;

	counted_wrap(&c, qt_ledger_store(f->l), "correction");
	append(f, "code.issue", "{\"codes\":[\"01/06901234567892/21/B1\"]}", one, 1);
	append(f, "event.ship", "{\"codes\":[\"01/06901234567892/21/B1\"]}", one, 1);
	append(f, "event.recall", "{\"codes\":[\"01/06901234567892/21/B1\"]}", one, 1);
	append(f, "event.destroy", "{\"codes\":[\"01/06901234567892/21/B1\"]}", one, 1);
	assert_int_equal(qt_history(&c.base, one[0], 0, &h, NULL, &err), QT_OK);
	assert_int_equal(json_array_size(h), 4);
	assert_int_equal(c.of_kind, 1); /* the ship */
	json_decref(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_leaves, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_corrections_read, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
