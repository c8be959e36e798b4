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
