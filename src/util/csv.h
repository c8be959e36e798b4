/* csv.h — RFC 4180 CSV records read from a buffer in memory, as spreadsheets write them:
 * quoted fields with doubled quotes, commas and line breaks inside quotes, CRLF or LF line
 * ends, a UTF-8 BOM skipped. Every field is checked to be UTF-8 text without NUL bytes, and
 * every size is bounded, so a file's bytes cannot make the reader allocate or misread. */
#ifndef QT_CSV_H
#define QT_CSV_H

#include <stddef.h>

#include "util/rc.h"

#define QT_CSV_FIELDS_MAX 64    /* fields in one record */
#define QT_CSV_FIELD_MAX  8192  /* bytes in one field, after unquoting */
#define QT_CSV_RECORD_MAX 65536 /* bytes in one record, after unquoting */

/* A reader (about 66 KiB: allocate it, do not put it on a thread's stack). */
typedef struct qt_csv {
	const char *p, *end;
	size_t row; /* number of the record last read, as a spreadsheet numbers rows: 1 = first */
	size_t n;   /* fields in it (at least 1: an empty line is one empty field) */
	const char *field[QT_CSV_FIELDS_MAX]; /* each NUL-terminated, valid UTF-8, no NUL */
	size_t len[QT_CSV_FIELDS_MAX];
	char buf[QT_CSV_RECORD_MAX + QT_CSV_FIELDS_MAX]; /* the fields and their NULs */
} qt_csv;

/* Read data[0..n) (which must outlive the reader); a leading UTF-8 BOM is skipped. */
void qt_csv_init(qt_csv *c, const void *data, size_t n);

/* The next record into field/len/n. QT_OK: a record; QT_ERR_NOTFOUND: no more (a line end
 * after the last record does not start another). QT_ERR_INVALID (a quote not closed, text
 * after a closing quote, a quote inside an unquoted field, not UTF-8, a NUL byte) or
 * QT_ERR_TOOBIG (too many fields, a field or record too long): err names the row and the
 * column, and the reader must not be used again. */
qt_rc qt_csv_next(qt_csv *c, qt_err *err) __attribute__((warn_unused_result));

/* A column's name as spreadsheets show it: 0 → "A", 25 → "Z", 26 → "AA". */
void qt_csv_column_name(size_t i, char out[8]);

#endif
