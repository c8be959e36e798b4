/* fuzz_csv.c — libFuzzer target for the CSV reader of ledger uploads: whatever the bytes, every
 * field it hands out is NUL-terminated UTF-8 of the length it says, rows count up by one, a
 * refusal says why, and the records of an accepted file, written back with every field quoted,
 * read back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Append the current record, every field quoted, to out (size cap: max). */
static size_t write_record(const qt_csv *c, char *out, size_t o, size_t max)
{
	for (size_t i = 0; i < c->n; i++) {
		if (o + 2 * c->len[i] + 4 > max)
			abort(); /* out is sized for the worst case */
		out[o++] = '"';
		for (size_t k = 0; k < c->len[i]; k++) {
			if (c->field[i][k] == '"')
				out[o++] = '"';
			out[o++] = c->field[i][k];
		}
		out[o++] = '"';
		out[o++] = i + 1 < c->n ? ',' : '\n';
	}
	return o;
}

static void check_record(const qt_csv *c, size_t row)
{
	if (c->row != row || c->n < 1 || c->n > QT_CSV_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < c->n; i++)
		if (c->len[i] > QT_CSV_FIELD_MAX || c->field[i][c->len[i]] != '\0' ||
		    memchr(c->field[i], '\0', c->len[i]) ||
		    qt_utf8_valid_prefix(c->field[i], c->len[i]) != c->len[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	qt_csv *c = malloc(sizeof *c), *again = malloc(sizeof *again);
	size_t max = 2 * size + 4 * (size + 1) + 16, o = 0, rows = 0;
	char *out = malloc(max);
	qt_err err;
	qt_rc rc;

	if (!c || !again || !out)
		abort();
	err.msg[0] = '\0';
	qt_csv_init(c, data, size);
	while ((rc = qt_csv_next(c, &err)) == QT_OK) {
		check_record(c, ++rows);
		o = write_record(c, out, o, max);
	}
	if (rc != QT_ERR_NOTFOUND) {
		if (err.msg[0] == '\0' || (rc != QT_ERR_INVALID && rc != QT_ERR_TOOBIG))
			abort();
		goto out;
	}
	/* the quoted copy reads as the same records */
	qt_csv_init(c, data, size);
	qt_csv_init(again, out, o);
	while (qt_csv_next(c, &err) == QT_OK) {
		if (qt_csv_next(again, &err) != QT_OK || again->n != c->n)
			abort();
		for (size_t i = 0; i < c->n; i++)
			if (again->len[i] != c->len[i] ||
			    memcmp(again->field[i], c->field[i], c->len[i]) != 0)
				abort();
	}
	if (qt_csv_next(again, &err) != QT_ERR_NOTFOUND)
		abort();
out:
	free(out);
	free(c);
	free(again);
	return 0;
}
