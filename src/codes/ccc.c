/* ccc.c — China Compulsory Certification (CCC) certificate numbers: 16 digits made of year,
 * certification body, product class and serial. A certificate is not a product code, but
 * linking a traced item to its certificate needs the number in the same canonical-key space. */
#include "codes/code.h"

#include <string.h>

#define CCC_FIRST_YEAR 2001 /* CCC rules issued Dec 2001, replacing the CCEE and CCIB marks */
#define CCC_LAST_YEAR  2099

static int all_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

/* Characters before length: "got 15" is only useful once we know they were all digits. */
static qt_rc check_digits(const char *s, size_t n, qt_err *err)
{
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < '0' || c > '9') {
			if (c > 0x20 && c < 0x7f)
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "CCC certificate: '%c' at position %zu is not a digit", c,
				        i + 1);
			else
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "CCC certificate: byte 0x%02X at position %zu is not a "
				        "digit",
				        c, i + 1);
			goto out;
		}
	}
	if (n != QT_CCC_LEN)
		rc = qt_err_set(err, QT_ERR_INVALID, "CCC certificate: expected %d digits, got %zu",
		                QT_CCC_LEN, n);
out:
	return rc;
}

qt_rc qt_ccc_split(const char *number16, qt_ccc_parts *parts, qt_err *err)
{
	/* Reading one past the length tells "exactly 16" from "longer". */
	size_t n = strnlen(number16, QT_CCC_LEN + 1);
	const char *s = number16;
	qt_rc rc;

	rc = check_digits(s, n, err);
	if (rc != QT_OK)
		goto out;

	parts->year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	memcpy(parts->body, s + 4, 2);
	parts->body[2] = '\0';
	memcpy(parts->product, s + 6, 4);
	parts->product[4] = '\0';
	memcpy(parts->serial, s + 10, 6);
	parts->serial[6] = '\0';

	if (parts->year < CCC_FIRST_YEAR) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "CCC certificate: year %d is before CCC began (%d)", parts->year,
		                CCC_FIRST_YEAR);
	} else if (parts->year > CCC_LAST_YEAR) {
		rc = qt_err_set(err, QT_ERR_INVALID, "CCC certificate: year %d is after %d",
		                parts->year, CCC_LAST_YEAR);
	} else if (all_zero(parts->body, 2)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "CCC certificate: certification body 00 is not valid (01 to 99)");
	} else if (all_zero(parts->product, 4)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "CCC certificate: product class 0000 is not valid");
	} else if (all_zero(parts->serial, 6)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "CCC certificate: serial 000000 is not valid");
	}
out:
	return rc;
}

qt_rc qt_ccc_parse(const char *s, size_t n, qt_code *code, qt_err *err)
{
	char number[QT_CCC_LEN + 1];
	qt_ccc_parts parts;
	qt_rc rc;

	qt_code_init(code);
	qt_code_trim(&s, &n);

	rc = check_digits(s, n, err);
	if (rc != QT_OK)
		goto out;
	memcpy(number, s, QT_CCC_LEN);
	number[QT_CCC_LEN] = '\0';
	rc = qt_ccc_split(number, &parts, err);
	if (rc != QT_OK)
		goto out;

	memcpy(code->ccc_number, number, sizeof number);
	rc = qt_code_canon_append(code, "ccc/", 4, false, err);
	if (rc != QT_OK)
		goto out;
	rc = qt_code_canon_append(code, number, QT_CCC_LEN, true, err);
	if (rc != QT_OK)
		goto out;
	code->scheme = QT_SCHEME_CCC;
	code->kind = QT_KIND_OTHER;
out:
	return rc;
}
