/* uscc.h — 统一社会信用代码 (GB 32100-2015) and production licence numbers: the identifiers
 * of the units that make and sell products. Validation only; no allocation. */
#ifndef QT_USCC_H
#define QT_USCC_H

#include <stddef.h>

#include "util/rc.h"

#define QT_USCC_LEN      18
#define QT_USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY" /* 31 symbols, GB 32100 table */

typedef struct qt_uscc {
	char code[QT_USCC_LEN + 1]; /* normalised to upper case */
	char authority;             /* position 1: registration authority */
	char category;              /* position 2: unit category within that authority */
	char division[7];           /* positions 3–8: administrative division code */
	char province_code[3];      /* first two digits of the division */
	const char *authority_name; /* static strings, Chinese; unassigned codes are rejected */
	const char *category_name;
	const char *province_name; /* "湖北省"; "国家级" for division 100000 */
	char org_code[10];         /* positions 9–17: GB 11714 organisation code */
} qt_uscc;

/* Validate and decode. err says which rule failed ("check character: expected 3, got 5"). */
qt_rc qt_uscc_parse(const char *s, size_t n, qt_uscc *out, qt_err *err)
        __attribute__((warn_unused_result));

/* Position-18 check character for the first 17 characters (either case), or '\0' when one of
 * them is outside QT_USCC_ALPHABET. Reads no further than the first bad character. */
char qt_uscc_check_char(const char *first17);
/* GB 11714 check character ('0'–'9' or 'X') for the 8-character organisation code body
 * ([0-9A-Z], either case), or '\0' when a character is outside that set. */
char qt_uscc_org_check_char(const char *first8);

/* Province name for a two-digit division prefix ("42" → "湖北省"), or NULL. Covers the 34
 * province-level divisions of GB/T 2260; the national prefix "10" is not a province. */
const char *qt_division_province(const char *two_digits);

/* Shared by the USCC and licence parsers and `qtrace uscc`, so all of them trim alike: drop
 * surrounding ASCII whitespace, U+00A0, U+3000 (ideographic space) and U+FEFF (byte-order
 * mark). */
void qt_uscc_trim(const char **s, size_t *n);

/* Production licence number: XKnn-nnn-nnnnn, optionally preceded by a province
 * abbreviation in ASCII or full-width parentheses, e.g. "(鄂)XK06-014-00123". */
typedef struct qt_licence {
	char number[16];           /* "XKnn-nnn-nnnnn" */
	char province_abbr[8];     /* UTF-8 abbreviation such as "鄂", or "" */
	const char *province_name; /* "湖北省", or NULL when no prefix */
	char category[3];          /* nn */
	char unit[4];              /* nnn */
	char serial[6];            /* nnnnn */
} qt_licence;

qt_rc qt_licence_parse(const char *s, size_t n, qt_licence *out, qt_err *err)
        __attribute__((warn_unused_result));

#endif
