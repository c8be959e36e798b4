/* ecode.c — Ecode (GB/T 31866, 物联网标识体系 Ecode): version digit, numbering-system id (NSI)
 * and master data. V1–V4 get an "E=" canonical key of their own; a V0 Ecode wraps a GS1 element
 * string and gets the GS1 code's key, so both labels on one item resolve to the same record. */
#include "codes/code.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

enum md_class {
	MD_DIGITS,      /* 0-9 */
	MD_UPPER_ALNUM, /* 0-9 and A-Z */
	MD_UTF8,        /* any valid UTF-8 except control characters (Unicode Cc) */
	MD_GS1,         /* a bracketed GS1 element string, checked by gs1.c */
};

struct ecode_rule {
	unsigned nsi_len;
	unsigned md_min;
	unsigned md_max;
	enum md_class md_class;
	unsigned total_max; /* version digit + NSI + master data */
	const char *unit;   /* what md_min/md_max count, for messages */
};

/* The project's reading of GB/T 31866: the 2015 edition for V1–V4 and the 2023 edition's V0
 * for GS1 compatibility. Every per-version limit lives here, indexed by the version digit;
 * digits past the end are reserved. total_max is implied by the others today and is checked
 * anyway, so a future edition that caps the whole code more tightly is one table edit. */
static const struct ecode_rule rules[] = {
        [0] = {4, 1, QT_ECODE_MD_MAX, MD_GS1, 1 + 4 + QT_ECODE_MD_MAX, "characters"},
        [1] = {4, 1, 20, MD_DIGITS, 25, "characters"},
        [2] = {8, 1, 28, MD_DIGITS, 37, "characters"},
        [3] = {4, 1, 39, MD_UPPER_ALNUM, 44, "characters"},
        [4] = {5, 1, QT_ECODE_MD_MAX, MD_UTF8, 1 + 5 + QT_ECODE_MD_MAX, "bytes"},
};
#define N_RULES (sizeof rules / sizeof rules[0])

/* V0: which GS1 primary key each NSI announces. The NSI is the key's AI, zero-padded to 4. */
struct gs1_key {
	const char *nsi;
	const char *name;
	const char *ai;
};

static const struct gs1_key gs1_keys[] = {
        {"0000", "SSCC", "00"},   {"0001", "GTIN", "01"},   {"0414", "GLN", "414"},
        {"8004", "GIAI", "8004"}, {"8006", "ITIP", "8006"},
};
#define N_GS1_KEYS (sizeof gs1_keys / sizeof gs1_keys[0])

/* Quote a byte for an error message without putting raw non-ASCII into it. */
static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Positions in messages are 1-based within the master data, the part the user typed. */
static qt_rc check_md_chars(int v, const struct ecode_rule *r, const char *md, size_t n,
                            qt_err *err)
{
	const unsigned char *s = (const unsigned char *)md;
	char what[12];
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		uint32_t cp = 0;
		size_t len = 1;

		switch (r->md_class) {
		case MD_DIGITS:
			if (!is_digit(c)) {
				qt_code_describe_byte(c, what);
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "Ecode V%d: master data must be digits, found %s at "
				        "position %zu",
				        v, what, i + 1);
				goto out;
			}
			break;
		case MD_UPPER_ALNUM:
			if (!is_digit(c) && !(c >= 'A' && c <= 'Z')) {
				qt_code_describe_byte(c, what);
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "Ecode V%d: master data must be digits or upper-case "
				        "letters A-Z, found %s at position %zu",
				        v, what, i + 1);
				goto out;
			}
			break;
		case MD_UTF8:
			len = qt_utf8_decode(s + i, n - i, &cp);
			if (len == 0) {
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "Ecode V%d: master data is not valid UTF-8 at byte %zu", v,
				        i + 1);
				goto out;
			}
			if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "Ecode V%d: master data has control character U+%04X "
				        "at byte %zu",
				        v, (unsigned)cp, i + 1);
				goto out;
			}
			break;
		case MD_GS1:
			/* gs1.c owns the element-string rules. */
			len = n - i;
			break;
		}
		i += len;
	}
out:
	return rc;
}

/* After gs1.c has parsed the master data: the key it found must be the one the NSI names.
 * The key's AI is the first segment of the GS1 canonical key ("01/0690…/21/…"). */
static qt_rc check_v0_key(const char *nsi, const qt_code *code, qt_err *err)
{
	const struct gs1_key *key = NULL;
	const char *slash;
	size_t ai_len;
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < N_GS1_KEYS; i++)
		if (memcmp(gs1_keys[i].nsi, nsi, 4) == 0)
			key = &gs1_keys[i];
	if (key == NULL) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "Ecode V0: NSI %.4s names no GS1 primary key (0000 SSCC, 0001 GTIN, "
		        "0414 GLN, 8004 GIAI, 8006 ITIP)",
		        nsi);
		goto out;
	}
	slash = memchr(code->canonical, '/', code->canonical_len);
	ai_len = slash ? (size_t)(slash - code->canonical) : code->canonical_len;
	if (ai_len != strlen(key->ai) || memcmp(code->canonical, key->ai, ai_len) != 0)
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "Ecode V0: NSI %s says %s (AI %s) but the master data carries AI "
		                "%.*s",
		                key->nsi, key->name, key->ai, (int)(ai_len > 8 ? 8 : ai_len),
		                code->canonical);
out:
	return rc;
}

qt_rc qt_ecode_parse(const char *s, size_t n, const qt_code_opts *opts, qt_code *code, qt_err *err)
{
	const struct ecode_rule *r;
	const char *md;
	size_t md_len;
	char what[12];
	int v;
	qt_rc rc = QT_OK;

	qt_code_init(code);
	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "Ecode: empty");
		goto out;
	}
	if (!is_digit((unsigned char)s[0])) {
		qt_code_describe_byte((unsigned char)s[0], what);
		rc = qt_err_set(err, QT_ERR_INVALID, "Ecode: version must be a digit, found %s",
		                what);
		goto out;
	}
	v = s[0] - '0';
	if ((size_t)v >= N_RULES) {
		rc = qt_err_set(err, QT_ERR_INVALID, "Ecode version %d is reserved", v);
		goto out;
	}
	r = &rules[v];

	for (size_t i = 0; i < r->nsi_len; i++) {
		if (1 + i >= n) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "Ecode V%d: NSI must be %u digits, the code ends after %zu",
			                v, r->nsi_len, i);
			goto out;
		}
		if (!is_digit((unsigned char)s[1 + i])) {
			qt_code_describe_byte((unsigned char)s[1 + i], what);
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "Ecode V%d: NSI must be %u digits, found %s at position %zu", v,
			        r->nsi_len, what, i + 1);
			goto out;
		}
	}

	md = s + 1 + r->nsi_len;
	md_len = n - 1 - r->nsi_len;
	if (md_len < r->md_min || md_len > r->md_max) {
		rc = qt_err_set(err, QT_ERR_INVALID, "Ecode V%d: master data is %zu %s, at %s %u",
		                v, md_len, r->unit, md_len < r->md_min ? "least" : "most",
		                md_len < r->md_min ? r->md_min : r->md_max);
		goto out;
	}
	rc = check_md_chars(v, r, md, md_len, err);
	if (rc != QT_OK)
		goto out;
	if (n > r->total_max) {
		rc = qt_err_set(err, QT_ERR_INVALID, "Ecode V%d: code is %zu %s, at most %u", v, n,
		                r->unit, r->total_max);
		goto out;
	}

	if (r->md_class == MD_GS1) {
		rc = qt_gs1_parse_bracketed(md, md_len, opts, code, err);
		if (rc != QT_OK)
			goto out;
		rc = check_v0_key(s + 1, code, err);
		if (rc != QT_OK)
			goto out;
	} else {
		rc = qt_code_canon_append(code, "E=", 2, false, err);
		if (rc != QT_OK)
			goto out;
		rc = qt_code_canon_append(code, s, n, true, err);
		if (rc != QT_OK)
			goto out;
		code->kind = QT_KIND_ITEM;
	}

	/* Set last: gs1.c may have reset the code. */
	code->scheme = QT_SCHEME_ECODE;
	code->ecode_version = v;
	memcpy(code->nsi, s + 1, r->nsi_len);
	code->nsi[r->nsi_len] = '\0';
	memcpy(code->md, md, md_len);
	code->md[md_len] = '\0';
out:
	return rc;
}

qt_rc qt_ecode_format(const qt_code *code, char *out, size_t outsz)
{
	int len;
	qt_rc rc = QT_OK;

	if (code->scheme != QT_SCHEME_ECODE || code->ecode_version < 0 ||
	    (size_t)code->ecode_version >= N_RULES || out == NULL) {
		rc = QT_ERR_USAGE;
		goto out;
	}
	len = snprintf(out, outsz, "%d%s%s", code->ecode_version, code->nsi, code->md);
	if (len < 0 || (size_t)len >= outsz)
		rc = QT_ERR_TOOBIG;
out:
	return rc;
}
