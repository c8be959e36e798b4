/* test_auth_cache.c — who a bearer token is, kept per platform (accounts.c): every token of many
 * authenticates as its own account, first from the store and then from the cache, also when
 * more tokens than slots take turns in a small cache; a kept answer needs no read (a store
 * without the token still answers); an unknown token is never kept; and without a cache every
 * lookup reads the store. */
#include "trace_fixture.h"

#define N_ACCOUNTS 24

typedef struct made {
	char token[QT_TOKEN_LEN + 1], id[QT_ID_MAX], name[32];
	char jurisdiction[7];
} made;

static void make_accounts(fixture *f, made *m)
{
	static const char *const provinces[] = {"11", "31", "32", "33", "44", "4403", "5101"};
	qt_err err;

	for (int i = 0; i < N_ACCOUNTS; i++) {
		snprintf(m[i].name, sizeof m[i].name, "监管局 %d", i);
		snprintf(m[i].jurisdiction, sizeof m[i].jurisdiction, "%s", provinces[i % 7]);
		if (qt_accounts_add(f->p, QT_ROLE_REGULATOR, m[i].name, m[i].jurisdiction,
		                    m[i].token, m[i].id, &err) != QT_OK)
			fail_msg("account %d: %s", i, err.msg);
	}
}

static void assert_is(const qt_account *a, const made *m)
{
	assert_string_equal(a->id, m->id);
	assert_string_equal(a->name, m->name);
	assert_string_equal(a->jurisdiction, m->jurisdiction);
	assert_int_equal(a->roles, QT_ROLE_REGULATOR);
}

static void test_each_token_is_its_account(void **state)
{
	fixture *f = *state;
	made *m = calloc(N_ACCOUNTS, sizeof *m);
	qt_store *rd;
	qt_account a;
	qt_err err;

	qt_auth_cache *small = qt_auth_cache_new(5); /* fewer slots than tokens: they share */

	assert_non_null(small);
	make_accounts(f, m);
	rd = qt_platform_reader(f->p, &err);
	assert_non_null(rd);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N_ACCOUNTS; i++) {
			if (qt_accounts_auth(rd, f->p->auth, m[i].token, &a, &err) != QT_OK)
				fail_msg("round %d, token %d: %s", round, i, err.msg);
			assert_is(&a, &m[i]);
			memset(&a, 0, sizeof a);
			if (qt_accounts_auth(rd, small, m[(i * 7 + round) % N_ACCOUNTS].token, &a,
			                     &err) != QT_OK)
				fail_msg("small cache, round %d, token %d: %s", round, i, err.msg);
			assert_is(&a, &m[(i * 7 + round) % N_ACCOUNTS]);
		}
	qt_auth_cache_free(small);
	free(m);
}

static void test_kept_answers_read_nothing(void **state)
{
	fixture *f = *state;
	made *m = calloc(N_ACCOUNTS, sizeof *m);
	qt_store_opts o = {.create = true};
	qt_store *rd, *empty;
	qt_account a;
	char path[300], other[QT_TOKEN_LEN + 1];
	qt_err err;

	make_accounts(f, m);
	rd = qt_platform_reader(f->p, &err);
	assert_non_null(rd);
	snprintf(path, sizeof path, "%s/empty.db", f->dir);
	assert_int_equal(qt_store_open(path, &o, &empty, &err), QT_OK);

	/* the last token made is kept once it is found; a store that has never seen it then
	 * still answers for it through the cache, and not without */
	assert_int_equal(qt_accounts_auth(rd, f->p->auth, m[N_ACCOUNTS - 1].token, &a, &err),
	                 QT_OK);
	assert_int_equal(qt_accounts_auth(empty, f->p->auth, m[N_ACCOUNTS - 1].token, &a, &err),
	                 QT_OK);
	assert_is(&a, &m[N_ACCOUNTS - 1]);
	assert_int_equal(qt_accounts_auth(empty, NULL, m[N_ACCOUNTS - 1].token, &a, &err),
	                 QT_ERR_NOTFOUND);

	/* a well-formed token nobody holds: not found, and not kept as anything */
	snprintf(other, sizeof other, "%s", m[0].token);
	other[QT_TOKEN_LEN - 1] = other[QT_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
	for (int i = 0; i < 2; i++) {
		assert_int_equal(qt_accounts_auth(rd, f->p->auth, other, &a, &err),
		                 QT_ERR_NOTFOUND);
		assert_string_equal(err.msg, "unknown token");
	}
	/* malformed tokens never reach the store or the cache */
	assert_int_equal(qt_accounts_auth(rd, f->p->auth, "qt_short", &a, &err), QT_ERR_NOTFOUND);
	assert_int_equal(qt_accounts_auth(rd, f->p->auth, "", &a, &err), QT_ERR_NOTFOUND);
	empty->ops->close(empty);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_each_token_is_its_account, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_kept_answers_read_nothing, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
