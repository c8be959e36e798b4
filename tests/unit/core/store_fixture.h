/* store_fixture.h — a fresh store on a temporary database, for the core tests that write
 * its rows directly (documents and links, ledger records made at a chosen time) rather than
 * through the ledger. */
#ifndef QT_STORE_FIXTURE_H
#define QT_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/platform.h"

typedef struct fixture {
	char dir[64], db[96];
	qt_store *s;
} fixture;

static inline int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	qt_store_opts o = {.create = true};
	qt_err err;

	snprintf(f->dir, sizeof f->dir, "/tmp/qt-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	assert_int_equal(qt_store_open(f->db, &o, &f->s, &err), QT_OK);
	*state = f;
	return 0;
}

/* Asserts that the page answer (a list's answer, its documents under name) holds the ids
 * want (space-separated) and its next is want_next ("" for none); frees it. */
static inline void assert_page(json_t *answer, const char *name, const char *want,
                               const char *want_next)
{
	char ids[200] = "";
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(answer, name), i, d)
	{
		snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? " " : "",
		         qt_json_text(d, "id"));
	}
	assert_string_equal(ids, want);
	assert_string_equal(qt_json_text(answer, "next"), want_next);
	json_decref(answer);
}

static inline int teardown(void **state)
{
	fixture *f = *state;
	char cmd[96];
	f->s->ops->close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

#endif
