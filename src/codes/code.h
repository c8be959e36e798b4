/* code.h — the trace-code library: any scanned text in any of the four schemes (GS1, Ecode,
 * digital identity code, CCC) becomes one qt_code with one canonical key ("一码贯通").
 * Lookups, events and the ledger only ever use qt_code.canonical. No allocation anywhere. */
#ifndef QT_CODE_H
#define QT_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define QT_CODE_INPUT_MAX 1024 /* longest scan text accepted, bytes */
/* Canonical key incl. NUL: the longest is an Ecode V4 whose 120-byte UTF-8 master data is
 * percent-encoded (x3) after "E=", the version and a 5-digit NSI. */
#define QT_CODE_CANON_MAX 384

/* GS1 element data: at most this many AIs in one code, each value at most this long. The
 * longest value among the AIs we accept is 30 (X..30); 8006 is 18. */
#define QT_GS1_ELEMS_MAX 16
#define QT_GS1_VALUE_MAX 30

/* Ecode (GB/T 31866) field caps; the per-version rules live in ecode.c's table. */
#define QT_ECODE_NSI_MAX 8
#define QT_ECODE_MD_MAX  120 /* bytes; V4 master data is UTF-8 */

/* Digital identity code: QT_DIC_ID_LEN characters, the last one a check character. */
#define QT_DIC_ID_LEN   20
#define QT_DIC_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXY" /* 31 symbols, a prime */

#define QT_CCC_LEN 16

typedef enum qt_scheme {
	QT_SCHEME_NONE = 0,
	QT_SCHEME_GS1,
	QT_SCHEME_ECODE,
	QT_SCHEME_DIC,
	QT_SCHEME_CCC,
} qt_scheme;

/* What a code identifies; decides its canonical key. */
typedef enum qt_code_kind {
	QT_KIND_NONE = 0,
	QT_KIND_PRODUCT,  /* GTIN alone (一品一码) */
	QT_KIND_BATCH,    /* GTIN + lot (一批一码) */
	QT_KIND_ITEM,     /* GTIN + serial, Ecode, digital identity (一物一码) */
	QT_KIND_LOGISTIC, /* SSCC: carton or pallet */
	QT_KIND_OTHER,    /* GLN, GIAI, ITIP, CCC certificate */
} qt_code_kind;

typedef struct qt_gs1_elem {
	char ai[5]; /* "01", "8006", NUL-terminated */
	uint8_t len;
	uint8_t ai_index; /* row of the generated AI table (internal) */
	char value[QT_GS1_VALUE_MAX + 1];
} qt_gs1_elem;

typedef struct qt_code {
	qt_scheme scheme;
	qt_code_kind kind;
	size_t canonical_len;
	char canonical[QT_CODE_CANON_MAX];

	/* GS1 element data, in the order found (also set for an Ecode V0 carrying GS1). */
	unsigned n_elems;
	qt_gs1_elem elems[QT_GS1_ELEMS_MAX];

	/* Ecode: version digit, numbering-system id and master data. */
	int ecode_version; /* -1 when not an Ecode */
	char nsi[QT_ECODE_NSI_MAX + 1];
	char md[QT_ECODE_MD_MAX + 1];

	char dic_id[QT_DIC_ID_LEN + 1];
	char ccc_number[QT_CCC_LEN + 1];
} qt_code;

/* Options for parsing. ref_year decides the century of two-digit GS1 years (GS1 General
 * Specifications 7.12); 0 means "this year". Pass NULL for defaults. */
typedef struct qt_code_opts {
	int ref_year;
} qt_code_opts;

/* ---- code.c: the front door ---------------------------------------------------------- */

/* Any scanned form → canonical code. On failure returns QT_ERR_INVALID (or QT_ERR_TOOBIG)
 * and err says exactly what is wrong. */
qt_rc qt_code_parse(const char *text, size_t len, const qt_code_opts *opts, qt_code *code,
                    qt_err *err) __attribute__((warn_unused_result));

/* Any scanned form, or a canonical key as the platform hands them out, → the canonical key
 * (out) and what it identifies (kind, may be NULL). */
qt_rc qt_code_canon(const char *text, size_t n, char out[QT_CODE_CANON_MAX], qt_code_kind *kind,
                    qt_err *err) __attribute__((warn_unused_result));

/* qt_code_parse, and also a canonical key as the platform hands them out ("t/<id>",
 * "01/<gtin>/21/<serial>", "00/<sscc>"). */
qt_rc qt_code_parse_key(const char *text, size_t n, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));

/* The code's URL on the resolver at base ("https://host[:port]", no trailing slash), as
 * printed in a QR code and as the resolver names it (its linkset's anchor): a GS1 Digital
 * Link base/01/<gtin>[/22/…][/10/…][/21/…] for a GTIN, else base/<canonical key>
 * (base/00/<sscc>, base/t/<id>, base/E=<ecode>). QT_ERR_TOOBIG when out is too small. */
qt_rc qt_code_resolver_url(const qt_code *code, const char *base, char *out, size_t outsz);

const char *qt_code_scheme_name(qt_scheme scheme); /* "gs1", "ecode", "dic", "ccc" */
const char *qt_code_kind_name(qt_code_kind kind);

/* Reset to the empty code; cheap (does not clear the buffers). */
void qt_code_init(qt_code *code);

/* Value of a GS1 AI in the code, or NULL. */
const char *qt_code_ai(const qt_code *code, const char *ai);

/* Append to code->canonical with URI percent-encoding of everything outside the RFC 3986
 * unreserved set, so a canonical key is one unambiguous string. */
qt_rc qt_code_canon_append(qt_code *code, const char *s, size_t n, bool encode, qt_err *err);

/* Percent-decode (RFC 3986) s[0..n) into out; fails on a malformed escape or when the result
 * would not fit in outsz bytes. what names the field in error messages. */
qt_rc qt_code_pct_decode(const char *s, size_t n, char *out, size_t outsz, size_t *outlen,
                         const char *what, qt_err *err) __attribute__((warn_unused_result));

/* A printable excerpt of untrusted bytes for an error message: at most max bytes of input,
 * printable ASCII kept, anything else as \xNN. out needs 4 * max + 1 bytes. */
const char *qt_code_snippet(const char *s, size_t n, size_t max, char *out);

/* Character classes, a bit each, indexed by byte. */
enum { QT_CHAR_UNRESERVED = 1, QT_CHAR_CSET82 = 2 };
extern const uint8_t qt_code_chars[256];

/* Small text helpers shared by the scheme parsers. */
bool qt_code_starts_ci(const char *s, size_t n, const char *lower_prefix);
bool qt_code_all_digits(const char *s, size_t n); /* false when n == 0 */
void qt_code_trim(const char **s, size_t *n);     /* ASCII white space, both ends */

/* Percent-encode s[0..n) outside the RFC 3986 unreserved set into out (room bytes, no NUL
 * written). Returns the bytes written, or (size_t)-1 when they do not fit. */
size_t qt_code_pct_encode(const char *s, size_t n, char *out, size_t room);

/* One input byte for an error message: "'A'" when printable ASCII, else "byte 0xNN". */
const char *qt_code_describe_byte(unsigned char c, char out[12]);

/* ---- gs1.c -------------------------------------------------------------------------- */

/* Mod-10 check digit of the first n digits (GTIN, SSCC, GLN): returns '0'..'9'. */
char qt_gs1_check_digit(const char *digits, size_t n);

/* Element string, bracketed "(01)…(21)…" or raw with ASCII 29 separators (symbology
 * prefix already stripped). Fills code->elems and the canonical key. */
qt_rc qt_gs1_parse_bracketed(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                             qt_err *err) __attribute__((warn_unused_result));
qt_rc qt_gs1_parse_raw(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                       qt_err *err) __attribute__((warn_unused_result));
/* GS1 Digital Link URI on any host. */
qt_rc qt_gs1_parse_dl(const char *s, size_t n, const qt_code_opts *opts, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));
/* A bare GTIN-8/12/13/14 or SSCC-18 as printed under a linear barcode. */
qt_rc qt_gs1_parse_key_digits(const char *s, size_t n, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));

/* Whether value may be the value of AI ai ("10": a batch number that can be a lot): its
 * length, characters and check digit, with the message a parse would give. */
qt_rc qt_gs1_check_ai(const char *ai, const char *value, qt_err *err)
        __attribute__((warn_unused_result));

/* Formatting back out; each returns QT_ERR_TOOBIG if out is too small. */
qt_rc qt_gs1_format_bracketed(const qt_code *code, char *out, size_t outsz);
qt_rc qt_gs1_format_raw(const qt_code *code, char *out, size_t outsz);
qt_rc qt_gs1_format_dl(const qt_code *code, const char *host, char *out, size_t outsz);

/* GS1 YYMMDD (DD may be 00) → ISO 8601 "YYYY-MM-DD", or "YYYY-MM" when DD is 00. */
qt_rc qt_gs1_date_iso(const char *yymmdd, int ref_year, char out[11]);

/* ---- ecode.c ------------------------------------------------------------------------ */

/* Ecode text "V NSI MD" (no "E=" prefix). A V0 Ecode carries a GS1 code and gets that
 * code's canonical key. */
qt_rc qt_ecode_parse(const char *s, size_t n, const qt_code_opts *opts, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));
qt_rc qt_ecode_format(const qt_code *code, char *out, size_t outsz);

/* ---- dic.c -------------------------------------------------------------------------- */

/* Bare id (case-insensitive). */
qt_rc qt_dic_parse(const char *s, size_t n, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));
/* Check character for the first QT_DIC_ID_LEN-1 characters (upper case). */
char qt_dic_check_char(const char *body, size_t n);
/* A fresh id from the system's cryptographic random source; out gets QT_DIC_ID_LEN chars
 * and a NUL. */
qt_rc qt_dic_generate(char out[QT_DIC_ID_LEN + 1]) __attribute__((warn_unused_result));
/* count fresh ids at once; for bulk issuing, where it is several times faster than count
 * calls to qt_dic_generate because random bytes are drawn in 256-byte blocks. */
qt_rc qt_dic_generate_n(char (*out)[QT_DIC_ID_LEN + 1], size_t count)
        __attribute__((warn_unused_result));
/* "https://HOST/t/ID" */
qt_rc qt_dic_format_url(const qt_code *code, const char *host, char *out, size_t outsz);

/* ---- ccc.c -------------------------------------------------------------------------- */

typedef struct qt_ccc_parts {
	int year;        /* 4 digits */
	char body[3];    /* certification body, 2 digits */
	char product[5]; /* product class, 4 digits */
	char serial[7];  /* 6 digits */
} qt_ccc_parts;

qt_rc qt_ccc_parse(const char *s, size_t n, qt_code *code, qt_err *err)
        __attribute__((warn_unused_result));
qt_rc qt_ccc_split(const char *number16, qt_ccc_parts *parts, qt_err *err)
        __attribute__((warn_unused_result));

#endif
