/* test_catalog.c — the catalogue file loader: a good file becomes unit documents carrying
 * their category's name, date and certificate; each kind of bad file is refused by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/catalog.h"

static const char *good = "{\"source\":\"x\",\"categories\":[{\"id\":\"wire-cable\",\"name\":"
                          "\"电线电缆\",\"since\":\"2024-12-31\",\"requires\":\"licence\","
                          "\"units\":[{\"id\":\"wire-cable.a\",\"name\":\"架空绞线\"},{\"id\":"
                          "\"wire-cable.b\",\"name\":\"B\",\"since\":\"2025-06-30\"}]}]}";

static qt_rc from_text(const char *text, json_t **units, qt_err *err)
{
	json_t *file = json_loads(text, 0, NULL);
	qt_rc rc;
	assert_non_null(file);
	rc = qt_catalog_from_json(file, units, err);
	json_decref(file);
	return rc;
}

static void good_file(void **state)
{
	json_t *units;
	qt_err err;
	(void)state;
	assert_int_equal(from_text(good, &units, &err), QT_OK);
	assert_int_equal(json_array_size(units), 2);
	json_t *a = json_array_get(units, 0), *b = json_array_get(units, 1);
	assert_string_equal(json_string_value(json_object_get(a, "category")), "wire-cable");
	assert_string_equal(json_string_value(json_object_get(a, "category_name")), "电线电缆");
	assert_string_equal(json_string_value(json_object_get(a, "requires")), "licence");
	assert_string_equal(json_string_value(json_object_get(a, "since")), "2024-12-31");
	assert_string_equal(json_string_value(json_object_get(b, "since")), "2025-06-30");
	json_decref(units);
}

/* good with one substring replaced must be refused with a message containing want */
static void refused(const char *from, const char *to, const char *want)
{
	char text[2048];
	const char *at = strstr(good, from);
	json_t *units = NULL;
	qt_err err;
	assert_non_null(at);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	assert_int_equal(from_text(text, &units, &err), QT_ERR_INVALID);
	assert_null(units);
	if (!strstr(err.msg, want))
		fail_msg("'%s' not in '%s'", want, err.msg);
}

static void bad_files(void **state)
{
	(void)state;
	refused("\"wire-cable.b\"", "\"wire-cable.a\"", "appears twice");
	refused("\"wire-cable.b\"", "\"plywood.b\"", "must be 'wire-cable.'");
	refused("\"id\":\"wire-cable\"", "\"id\":\"Wire\"", "category id");
	refused("\"licence\"", "\"iso\"", "requires");
	refused("2024-12-31", "2024-02-30", "since");
	refused("\"name\":\"B\"", "\"name\":\"B\",\"x\":1", "unknown field 'x'");
	refused("\"name\":\"B\"", "\"name\":7", "name");
	refused("[{\"id\":\"wire-cable.a\"", "[7,{\"id\":\"wire-cable.a\"", "units[0]");
}

static void file_errors(void **state)
{
	char path[] = "/tmp/qt_catalog_XXXXXX";
	json_t *units = NULL;
	qt_err err;
	FILE *f;
	(void)state;
	assert_int_equal(qt_catalog_load_file("/nonexistent/catalog.json", &units, &err),
	                 QT_ERR_IO);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("{\"categories\": [}", f);
	fclose(f);
	assert_int_equal(qt_catalog_load_file(path, &units, &err), QT_ERR_INVALID);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_null(units);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(good_file),
	        cmocka_unit_test(bad_files),
	        cmocka_unit_test(file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
