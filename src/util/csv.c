/* csv.c — the CSV reader for ledger files (台账) that sellers export from spreadsheets: strict
 * RFC 4180 quoting, so a damaged file is refused with its row rather than misread, and the
 * row numbers a spreadsheet shows (a quoted line break does not start a new row). */
#include "util/csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

void qt_csv_init(qt_csv *c, const void *data, size_t n)
{
	const char *s = data;

	/* Excel's "CSV UTF-8" starts with a byte order mark; it is not part of the header */
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	c->p = s;
	c->end = s + n;
	c->row = 0;
	c->n = 0;
}

void qt_csv_column_name(size_t i, char out[8])
{
	char rev[8];
	size_t k = 0, o = 0;

	/* bijective base 26; fields are capped far below the 7 letters out can hold */
	do {
		rev[k++] = (char)('A' + i % 26);
		i = i / 26;
	} while (i-- > 0 && k < 7);
	while (k > 0)
		out[o++] = rev[--k];
	out[o] = '\0';
}

static bool line_end(char ch)
{
	return ch == '\n' || ch == '\r';
}

/* The field just read is text: valid UTF-8 and no NUL (fields become C strings). */
static qt_rc check_text(const qt_csv *c, const char *f, size_t n, qt_err *err)
{
	char col[8];

	qt_csv_column_name(c->n, col);
	if (memchr(f, '\0', n))
		return qt_err_set(err, QT_ERR_INVALID, "row %zu, column %s: a NUL byte", c->row,
		                  col);
	if (qt_utf8_valid_prefix(f, n) < n)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "row %zu, column %s: not UTF-8 text (save the file as CSV UTF-8)",
		                  c->row, col);
	return QT_OK;
}

qt_rc qt_csv_next(qt_csv *c, qt_err *err)
{
	size_t o = 0, start = 0;
	char col[8];

	if (c->p >= c->end)
		return QT_ERR_NOTFOUND;
	c->row++;
	c->n = 0;
	for (;;) {
		qt_rc rc;

		start = o;
		qt_csv_column_name(c->n, col);
		if (c->n == QT_CSV_FIELDS_MAX)
			return qt_err_set(err, QT_ERR_TOOBIG, "row %zu has more than %d columns",
			                  c->row, QT_CSV_FIELDS_MAX);
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				char ch;
				if (c->p == c->end)
					return qt_err_set(
					        err, QT_ERR_INVALID,
					        "row %zu, column %s: a quoted field is not "
					        "closed",
					        c->row, col);
				ch = *c->p++;
				if (ch == '"') {
					if (c->p == c->end || *c->p != '"')
						break;
					c->p++; /* "" is one quote */
				}
				if (o - start == QT_CSV_FIELD_MAX || o >= QT_CSV_RECORD_MAX)
					goto too_long;
				c->buf[o++] = ch;
			}
			if (c->p < c->end && *c->p != ',' && !line_end(*c->p))
				return qt_err_set(err, QT_ERR_INVALID,
				                  "row %zu, column %s: text after a closing quote "
				                  "(a quote inside a field is written twice)",
				                  c->row, col);
		} else {
			for (; c->p < c->end && *c->p != ',' && !line_end(*c->p); c->p++) {
				if (*c->p == '"')
					return qt_err_set(
					        err, QT_ERR_INVALID,
					        "row %zu, column %s: a quote inside a field "
					        "that does not start with one",
					        c->row, col);
				if (o - start == QT_CSV_FIELD_MAX || o >= QT_CSV_RECORD_MAX)
					goto too_long;
				c->buf[o++] = *c->p;
			}
		}
		if ((rc = check_text(c, c->buf + start, o - start, err)) != QT_OK)
			return rc;
		c->field[c->n] = c->buf + start;
		c->len[c->n++] = o - start;
		c->buf[o++] = '\0'; /* buf has a byte beyond the record's for each field's NUL */
		if (c->p == c->end)
			break;
		if (*c->p++ == ',')
			continue;
		if (c->p[-1] == '\r' && c->p < c->end && *c->p == '\n')
			c->p++; /* CRLF; a lone CR or LF ends a line too */
		break;
	}
	return QT_OK;
too_long:
	if (o - start == QT_CSV_FIELD_MAX)
		return qt_err_set(err, QT_ERR_TOOBIG, "row %zu, column %s is longer than %d bytes",
		                  c->row, col, QT_CSV_FIELD_MAX);
	return qt_err_set(err, QT_ERR_TOOBIG, "row %zu is longer than %d bytes", c->row,
	                  QT_CSV_RECORD_MAX);
}
