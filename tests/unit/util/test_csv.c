/* test_csv.c — the CSV reader at RFC 4180's edges: quoting, doubled quotes, separators and
 * line breaks inside quotes, CRLF / LF / CR, the BOM, a trailing line end, blank lines, and
 * each refusal (bad quoting, not UTF-8, NUL, too many columns, too long) with its row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/csv.h"

/* Every record as "row:field|field;" (a field's line breaks shown as \n, \r), or the error
 * as "E<rc>:<message>" after the records read before it. */
static char *dump(const char *in, size_t n)
{
	static char out[1 << 17];
	qt_csv *c = malloc(sizeof *c);
	qt_err err = {{0}};
	size_t o = 0;
	qt_rc rc;

	assert_non_null(c);
	qt_csv_init(c, in, n);
	while ((rc = qt_csv_next(c, &err)) == QT_OK) {
		o += (size_t)snprintf(out + o, sizeof out - o, "%zu:", c->row);
		for (size_t i = 0; i < c->n; i++) {
			assert_int_equal(strlen(c->field[i]), c->len[i]);
			for (size_t k = 0; k < c->len[i] && o + 4 < sizeof out; k++) {
				char ch = c->field[i][k];
				if (ch == '\n' || ch == '\r') {
					out[o++] = '\\';
					out[o++] = ch == '\n' ? 'n' : 'r';
				} else {
					out[o++] = ch;
				}
			}
			out[o++] = i + 1 < c->n ? '|' : ';';
		}
	}
	if (rc != QT_ERR_NOTFOUND)
		o += (size_t)snprintf(out + o, sizeof out - o, "E%d:%s", rc, err.msg);
	out[o] = '\0';
	free(c);
	return out;
}

/* An input (a string literal, NULs and all) and the dump it must give. */
typedef struct case_ {
	const char *in;
	size_t n;
	const char *want;
} case_;
#define CASE(in, want)                                                                             \
	{                                                                                          \
		in, sizeof in - 1, want                                                            \
	}

static void check_all(const case_ *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = dump(c[i].in, c[i].n);
		if (strcmp(got, c[i].want) != 0)
			fail_msg("case %zu: got \"%s\", not \"%s\"", i, got, c[i].want);
	}
}

#define CHECK_ALL(c) check_all(c, sizeof c / sizeof c[0])

static void test_accepted(void **state)
{
	static const case_ c[] = {
	        /* plain fields and line ends */
	        CASE("", ""),
	        CASE("a,b,c", "1:a|b|c;"),
	        CASE("a,b,c\n", "1:a|b|c;"), /* a trailing line end adds no row */
	        CASE("a,b\r\nc,d\r\n", "1:a|b;2:c|d;"),
	        CASE("a\rb\n", "1:a;2:b;"), /* a lone CR ends a line too */
	        CASE("a,,\n,b", "1:a||;2:|b;"),
	        CASE("\n", "1:;"), /* one blank row */
	        CASE("a\n\nb\n", "1:a;2:;3:b;"),
	        CASE("a\n\n", "1:a;2:;"),
	        CASE(" a , b ", "1: a | b ;"), /* spaces are data */
	        CASE("类型,追溯码\n进货,X", "1:类型|追溯码;2:进货|X;"),
	        /* the BOM */
	        CASE("\xEF\xBB\xBFtype,code\r\n", "1:type|code;"),
	        CASE("\xEF\xBB\xBF", ""),
	        /* only at the start; elsewhere U+FEFF is text */
	        CASE("a,\xEF\xBB\xBF", "1:a|\xEF\xBB\xBF;"),
	        CASE("\xEF\xBB\xBF\xEF\xBB\xBF", "1:\xEF\xBB\xBF;"),
	        /* quoted fields */
	        CASE("\"a\",\"b\"", "1:a|b;"),
	        CASE("\"\",x", "1:|x;"),
	        CASE("\"a,b\",c", "1:a,b|c;"),
	        CASE("\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x;"),
	        CASE("\"\"\"\"", "1:\";"),
	        /* a line break inside quotes stays in the field and does not start a row */
	        CASE("\"a\nb\",c\nd\n", "1:a\\nb|c;2:d;"),
	        CASE("\"a\r\nb\"\r\nd", "1:a\\r\\nb;2:d;"),
	        CASE("x,\"\n\n\n\"\ny\n", "1:x|\\n\\n\\n;2:y;"),
	        CASE("\"a\"\r\n", "1:a;"),
	        CASE("\"a\",\n", "1:a|;"),
	};
	(void)state;
	CHECK_ALL(c);
}

#define AFTER_QUOTE "text after a closing quote (a quote inside a field is written twice)"
#define NOT_UTF8    "not UTF-8 text (save the file as CSV UTF-8)"

static void test_refusals(void **state)
{
	static const case_ c[] = {
	        CASE("a\n\"b", "1:a;E1:row 2, column A: a quoted field is not closed"),
	        CASE("a,\"b\nc\nd", "E1:row 1, column B: a quoted field is not closed"),
	        CASE("\"a\"b", "E1:row 1, column A: " AFTER_QUOTE),
	        CASE("\"a\" ,b", "E1:row 1, column A: " AFTER_QUOTE),
	        CASE("x\nab\"c",
	             "1:x;E1:row 2, column A: a quote inside a field that does not start with one"),
	        /* GBK bytes of 类型 */
	        CASE("a,\xC0\xE0\xD0\xCD\n", "E1:row 1, column B: " NOT_UTF8),
	        CASE("a\nb,c,\"\xE4\xB8\"\n", "1:a;E1:row 2, column C: " NOT_UTF8),
	        CASE("a,b\0c", "E1:row 1, column B: a NUL byte"),
	        CASE("\"\0\"", "E1:row 1, column A: a NUL byte"),
	        /* a character across a quote is no character */
	        CASE("\"\xE4\"\"\xB8\xAD\"", "E1:row 1, column A: " NOT_UTF8),
	};
	(void)state;
	CHECK_ALL(c);
}

static void test_limits(void **state)
{
	static char big[QT_CSV_RECORD_MAX * 2];
	size_t n = 0;
	char *r;
	(void)state;

	/* 64 columns are fine, 65 are not */
	for (int i = 0; i < QT_CSV_FIELDS_MAX; i++)
		n += (size_t)sprintf(big + n, "%s%d", i ? "," : "", i);
	r = dump(big, n);
	assert_non_null(strstr(r, "1:0|1|"));
	big[n++] = ',';
	r = dump(big, n);
	assert_string_equal(r, "E3:row 1 has more than 64 columns");

	/* a field of QT_CSV_FIELD_MAX bytes is fine, one more is not, quoted or not */
	memset(big, 'x', QT_CSV_FIELD_MAX + 1);
	assert_int_equal(strlen(dump(big, QT_CSV_FIELD_MAX)), QT_CSV_FIELD_MAX + 3);
	assert_string_equal(dump(big, QT_CSV_FIELD_MAX + 1),
	                    "E3:row 1, column A is longer than 8192 bytes");
	big[0] = '"';
	big[QT_CSV_FIELD_MAX + 1] = 'x';
	big[QT_CSV_FIELD_MAX + 2] = '"';
	assert_string_equal(dump(big, QT_CSV_FIELD_MAX + 3),
	                    "E3:row 1, column A is longer than 8192 bytes");

	/* a record: many fields under the field limit */
	n = 0;
	for (int i = 0; i < 9; i++) {
		memset(big + n, 'y', 8000);
		n += 8000;
		big[n++] = ',';
	}
	assert_string_equal(dump(big, n), "E3:row 1 is longer than 65536 bytes");
}

static void test_column_names(void **state)
{
	static const struct {
		size_t i;
		const char *name;
	} c[] = {{0, "A"},   {25, "Z"},   {26, "AA"},  {27, "AB"},
	         {52, "BA"}, {701, "ZZ"}, {702, "AAA"}};
	char s[8];
	(void)state;
	for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
		qt_csv_column_name(c[k].i, s);
		assert_string_equal(s, c[k].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_accepted),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_column_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
