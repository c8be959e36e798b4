/* test_dic.c — the digital identity code: check-character vectors, parse errors, and the
 * detection guarantee shown exhaustively (every substitution, every adjacent swap) on
 * thousands of freshly generated ids, plus a bias check on the generator and its batch form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"

#define N_IDS        2000
#define ALPHABET_LEN 31

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

static qt_rc parse_str(const char *s, qt_code *code, qt_err *err)
{
	return qt_dic_parse(s, strlen(s), code, err);
}

/* Expected values computed independently (Python, from the weight definition). */
static void test_check_char_vectors(void **state)
{
	(void)state;
	assert_int_equal(qt_dic_check_char("0123456789ABCDEFGHJ", 19), 'A');
	assert_int_equal(qt_dic_check_char("0000000000000000000", 19), '0');
	assert_int_equal(qt_dic_check_char("QTRACE1234567890ABC", 19), 'P');
	assert_int_equal(qt_dic_check_char("7K3M9P2QRSTVWXY0001", 19), 'M');
	assert_int_equal(qt_dic_check_char("1000000000000000000", 19), 'H');
	/* Lower case body gives the same check. */
	assert_int_equal(qt_dic_check_char("qtrace1234567890abc", 19), 'P');
	/* Not in the alphabet, or too long for distinct weights: no check character. */
	assert_int_equal(qt_dic_check_char("Z000000000000000000", 19), '\0');
	assert_int_equal(qt_dic_check_char("000000000000000000000000000000", 30), '\0');
}

static void test_parse_valid(void **state)
{
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(parse_str("0123456789ABCDEFGHJA", &code, &err), QT_OK);
	assert_int_equal(code.scheme, QT_SCHEME_DIC);
	assert_int_equal(code.kind, QT_KIND_ITEM);
	assert_string_equal(code.dic_id, "0123456789ABCDEFGHJA");
	assert_string_equal(code.canonical, "t/0123456789ABCDEFGHJA");
	assert_int_equal(code.canonical_len, strlen("t/0123456789ABCDEFGHJA"));

	assert_int_equal(parse_str("qtrace1234567890abcp", &code, &err), QT_OK);
	assert_string_equal(code.dic_id, "QTRACE1234567890ABCP");
	assert_string_equal(code.canonical, "t/QTRACE1234567890ABCP");
}

static void test_parse_errors(void **state)
{
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(parse_str("0123456789ABCDEFGHJ", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "digital identity code: expected 20 characters, got 19");
	assert_int_equal(parse_str("0123456789ABCDEFGHJA0", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "expected 20 characters, got 21");
	assert_int_equal(parse_str("", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "got 0");

	assert_int_equal(parse_str("012345Z789ABCDEFGHJA", &code, &err), QT_ERR_INVALID);
	assert_string_equal(err.msg,
	                    "digital identity code: 'Z' at position 7 is not in the alphabet");
	/* Crockford's excluded look-alikes are not folded onto digits. */
	assert_int_equal(parse_str("O123456789ABCDEFGHJA", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "'O' at position 1 is not in the alphabet");
	assert_int_equal(parse_str("0123456789ABCDEFGHIA", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "'I' at position 19");
	assert_int_equal(parse_str("0123456789ABCDEFGHJl", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "'l' at position 20");
	assert_int_equal(parse_str("0123456789ABCDEFGHJu", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "not in the alphabet");
	assert_int_equal(parse_str("0123456789 BCDEFGHJA", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "byte 0x20 at position 11 is not in the alphabet");
	/* Non-ASCII is reported by value, never copied raw into the message. */
	assert_int_equal(parse_str("0123456789ABCDEFGH\xC3\xA9", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "byte 0xC3 at position 19");
	/* An embedded NUL is counted by length, not taken as the end. */
	assert_int_equal(qt_dic_parse("0123456789\0BCDEFGHJA", 20, &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "byte 0x00 at position 11");

	assert_int_equal(parse_str("0123456789ABCDEFGHJ7", &code, &err), QT_ERR_INVALID);
	assert_string_equal(err.msg, "digital identity code: check character expected A, got 7");
	assert_int_equal(parse_str("1000000000000000000K", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "check character expected H, got K");
	/* Lower-case check character is reported in upper case. */
	assert_int_equal(parse_str("1000000000000000000k", &code, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "expected H, got K");
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, QT_DIC_ID_LEN);
}

/* Every single-character substitution and every adjacent swap of two different symbols, at
 * every position including the check character, must be rejected. */
static void assert_detects_all_errors(const char *id)
{
	char bad[QT_DIC_ID_LEN + 1];
	qt_code code;
	qt_err err;

	for (size_t pos = 0; pos < QT_DIC_ID_LEN; pos++) {
		for (size_t k = 0; k < ALPHABET_LEN; k++) {
			char sym = QT_DIC_ALPHABET[k];
			if (sym == id[pos])
				continue;
			memcpy(bad, id, sizeof bad);
			bad[pos] = sym;
			if (qt_dic_parse(bad, QT_DIC_ID_LEN, &code, &err) != QT_ERR_INVALID)
				fail_msg("substitution %s -> %s accepted", id, bad);
			assert_msg_has(err.msg, "check character expected");
		}
	}
	for (size_t pos = 0; pos + 1 < QT_DIC_ID_LEN; pos++) {
		if (id[pos] == id[pos + 1])
			continue;
		memcpy(bad, id, sizeof bad);
		bad[pos] = id[pos + 1];
		bad[pos + 1] = id[pos];
		if (qt_dic_parse(bad, QT_DIC_ID_LEN, &code, &err) != QT_ERR_INVALID)
			fail_msg("transposition %s -> %s accepted", id, bad);
	}
}

static void test_generate_parse_detect(void **state)
{
	static char ids[N_IDS][QT_DIC_ID_LEN + 1];
	char want[QT_DIC_ID_LEN + 3];
	char lower[QT_DIC_ID_LEN + 1];
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	for (size_t i = 0; i < N_IDS; i++) {
		assert_int_equal(qt_dic_generate(ids[i]), QT_OK);
		assert_int_equal(strlen(ids[i]), QT_DIC_ID_LEN);

		if (qt_dic_parse(ids[i], QT_DIC_ID_LEN, &code, &err) != QT_OK)
			fail_msg("generated id %s rejected: %s", ids[i], err.msg);
		memcpy(want, "t/", 2);
		memcpy(want + 2, ids[i], QT_DIC_ID_LEN + 1);
		assert_string_equal(code.canonical, want);
		assert_string_equal(code.dic_id, ids[i]);

		for (size_t k = 0; k <= QT_DIC_ID_LEN; k++)
			lower[k] = (char)tolower((unsigned char)ids[i][k]);
		assert_int_equal(qt_dic_parse(lower, QT_DIC_ID_LEN, &code, &err), QT_OK);
		assert_string_equal(code.canonical, want);

		assert_detects_all_errors(ids[i]);
	}

	qsort(ids, N_IDS, sizeof ids[0], cmp_id);
	for (size_t i = 1; i < N_IDS; i++)
		if (memcmp(ids[i - 1], ids[i], QT_DIC_ID_LEN) == 0)
			fail_msg("duplicate id %s", ids[i]);
}

/* A modulo-biased generator (byte % 31 without rejection) makes symbols 0-7 occur 9/8 as
 * often as the rest; over ~2M symbols that gives a chi-square in the thousands. For a fair
 * generator with 30 degrees of freedom, 100 is exceeded with probability about 1e-9. */
static void test_generate_uniform(void **state)
{
	enum { N = 100000, BATCH = 1000 };
	static unsigned long count[QT_DIC_ID_LEN - 1][ALPHABET_LEN];
	static char ids[BATCH][QT_DIC_ID_LEN + 1];
	unsigned long total[ALPHABET_LEN] = {0};
	double chi = 0, expect = (double)N * (QT_DIC_ID_LEN - 1) / ALPHABET_LEN;

	(void)state;
	memset(count, 0, sizeof count);
	for (int b = 0; b < N / BATCH; b++) {
		assert_int_equal(qt_dic_generate_n(ids, BATCH), QT_OK);
		for (int i = 0; i < BATCH; i++) {
			for (int p = 0; p < QT_DIC_ID_LEN - 1; p++) {
				const char *at = strchr(QT_DIC_ALPHABET, ids[i][p]);
				assert_non_null(at);
				count[p][at - QT_DIC_ALPHABET]++;
			}
		}
	}
	for (int k = 0; k < ALPHABET_LEN; k++) {
		for (int p = 0; p < QT_DIC_ID_LEN - 1; p++)
			total[k] += count[p][k];
		chi += ((double)total[k] - expect) * ((double)total[k] - expect) / expect;
	}
	if (chi > 100.0)
		fail_msg("symbol frequencies look biased: chi-square %.1f over 30 dof", chi);

	/* Each position on its own, too: a per-position skew could cancel out overall. */
	for (int p = 0; p < QT_DIC_ID_LEN - 1; p++) {
		double e = (double)N / ALPHABET_LEN, c = 0;
		for (int k = 0; k < ALPHABET_LEN; k++)
			c += ((double)count[p][k] - e) * ((double)count[p][k] - e) / e;
		if (c > 100.0)
			fail_msg("position %d looks biased: chi-square %.1f over 30 dof", p + 1, c);
	}
}

/* The batch path: every id valid and distinct, also across a batch boundary, and a batch of
 * zero writes nothing. */
static void test_generate_batch(void **state)
{
	enum { N = 5000 };
	static char ids[N + 1][QT_DIC_ID_LEN + 1];
	qt_code code;
	qt_err err = {{0}};

	(void)state;
	memset(ids, 'x', sizeof ids);
	assert_int_equal(qt_dic_generate_n(ids, 0), QT_OK);
	assert_int_equal(ids[0][0], 'x');

	assert_int_equal(qt_dic_generate_n(ids, N / 2), QT_OK);
	assert_int_equal(qt_dic_generate_n(ids + N / 2, N - N / 2), QT_OK);
	assert_int_equal(ids[N][0], 'x'); /* nothing written past the end */
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(strlen(ids[i]), QT_DIC_ID_LEN);
		if (qt_dic_parse(ids[i], QT_DIC_ID_LEN, &code, &err) != QT_OK)
			fail_msg("batch id %s rejected: %s", ids[i], err.msg);
	}
	qsort(ids, N, sizeof ids[0], cmp_id);
	for (size_t i = 1; i < N; i++)
		if (memcmp(ids[i - 1], ids[i], QT_DIC_ID_LEN) == 0)
			fail_msg("duplicate id %s", ids[i]);
}

static void test_format_url(void **state)
{
	qt_code code;
	qt_err err = {{0}};
	char out[64];
	char small[30];

	(void)state;
	assert_int_equal(parse_str("0123456789abcdefghja", &code, &err), QT_OK);
	assert_int_equal(qt_dic_format_url(&code, "id.example.cn", out, sizeof out), QT_OK);
	assert_string_equal(out, "https://id.example.cn/t/0123456789ABCDEFGHJA");
	assert_int_equal(qt_dic_format_url(&code, "id.example.cn", small, sizeof small),
	                 QT_ERR_TOOBIG);
	assert_int_equal(qt_dic_format_url(&code, "", out, sizeof out), QT_ERR_USAGE);
	assert_int_equal(qt_dic_format_url(&code, NULL, out, sizeof out), QT_ERR_USAGE);

	qt_code_init(&code);
	assert_int_equal(qt_dic_format_url(&code, "id.example.cn", out, sizeof out), QT_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_char_vectors),
	        cmocka_unit_test(test_parse_valid),
	        cmocka_unit_test(test_parse_errors),
	        cmocka_unit_test(test_generate_parse_detect),
	        cmocka_unit_test(test_generate_uniform),
	        cmocka_unit_test(test_generate_batch),
	        cmocka_unit_test(test_format_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
