/* code.c — the front door of the trace-code library: decides which scheme a scanned text is
 * in (scanner symbology prefixes, URLs on any host, bare digits) and hands it to that
 * scheme's parser, so every form of one code ends in the same canonical key. */
#include "codes/code.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

#define GS 0x1d

static int all_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return n > 0;
}

/* Ecode behind a resolver URL ".../E=<ecode>", or after "E=" / "ecode:". The Ecode may be
 * percent-encoded in a URL (V4 carries UTF-8). */
static qt_rc parse_ecode_text(const char *s, size_t n, int decode, const qt_code_opts *opts,
                              qt_code *code, qt_err *err)
{
	char buf[QT_CODE_INPUT_MAX];
	size_t o = 0;
	qt_rc rc;

	if (!decode)
		return qt_ecode_parse(s, n, opts, code, err);
	rc = qt_code_pct_decode(s, n, buf, sizeof buf, &o, "Ecode", err);
	if (rc == QT_OK)
		rc = qt_ecode_parse(buf, o, opts, code, err);
	return rc;
}

/* http(s) URL: a digital identity code (/t/<id>), an Ecode resolver (/E=<ecode>) or a GS1
 * Digital Link, whatever the host. */
static qt_rc parse_url(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                       qt_err *err)
{
	size_t i = qt_code_starts_ci(s, n, "https://") ? 8 : 7, path, end, last;
	qt_rc rc;

	while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	path = i;
	end = path;
	while (end < n && s[end] != '?' && s[end] != '#')
		end++;
	while (end > path && s[end - 1] == '/')
		end--;
	last = end;
	while (last > path && s[last - 1] != '/')
		last--;
	if (end - last > 2 && (s[last] == 'E' || s[last] == 'e') && s[last + 1] == '=') {
		rc = parse_ecode_text(s + last + 2, end - last - 2, 1, opts, code, err);
	} else if (last >= path + 3 && s[last - 1] == '/' && s[last - 2] == 't' &&
	           s[last - 3] == '/') {
		rc = qt_dic_parse(s + last, end - last, code, err);
	} else {
		rc = qt_gs1_parse_dl(s, n, opts, code, err);
	}
	return rc;
}

/* Text that starts with a digit: a key under a linear barcode, a CCC certificate number, a
 * raw element string typed or scanned without a symbology prefix, or an Ecode. */
static qt_rc parse_digit_start(const char *s, size_t n, const qt_code_opts *opts, qt_code *code,
                               qt_err *err)
{
	qt_err raw_err, ecode_err;
	int digits = qt_code_all_digits(s, n);
	qt_rc rc;

	if (digits && (n == 8 || n == 12 || n == 13 || n == 14 || n == 18)) {
		rc = qt_gs1_parse_key_digits(s, n, code, err);
	} else if (digits && n == 16 && !(s[0] == '0' && (s[1] == '1' || s[1] == '2'))) {
		/* 16 digits: "01"+GTIN is an element string; anything else a CCC number. */
		rc = qt_ccc_parse(s, n, code, err);
	} else if ((rc = qt_gs1_parse_raw(s, n, opts, code, &raw_err)) != QT_OK) {
		/* Not an element string: perhaps an Ecode. When neither fits, the helpful
		 * error is the one for what the text most looks like: a GS1 key AI up front
		 * means GS1. */
		rc = qt_ecode_parse(s, n, opts, code, &ecode_err);
		if (rc != QT_OK && err)
			*err = (s[0] == '0' ||
			        (n >= 2 && (memcmp(s, "41", 2) == 0 || memcmp(s, "80", 2) == 0)))
			               ? raw_err
			               : ecode_err;
	}
	return rc;
}

/* Text as people type it on a Chinese keyboard: full-width forms (（０１）, ／, ：) as the
 * ASCII they stand for and the ideographic space as a space, then trimmed. No trace code
 * holds a character outside ASCII, so this only ever turns a refusal into the code meant.
 * Returns the text to parse: s itself when there was nothing to fold, else buf (or, when
 * the folded text would not fit, a length past QT_CODE_INPUT_MAX for the caller to refuse). */
static const char *fold_typed(const char *s, size_t *n, char buf[QT_CODE_INPUT_MAX + 1])
{
	size_t i = 0, o = 0;
	char c;

	while (i < *n && !qt_utf8_fold_width(s + i, *n - i))
		i++;
	if (i == *n)
		goto trim;
	for (i = 0; i < *n && o <= QT_CODE_INPUT_MAX; o++) {
		if ((c = qt_utf8_fold_width(s + i, *n - i))) {
			buf[o] = c;
			i += 3;
		} else if (o < QT_CODE_INPUT_MAX) {
			buf[o] = s[i++];
		}
	}
	if (i < *n) {
		*n = QT_CODE_INPUT_MAX + 1;
		goto out;
	}
	s = buf;
	*n = o;
trim:
	qt_code_trim(&s, n);
out:
	return s;
}

qt_rc qt_code_parse(const char *text, size_t len, const qt_code_opts *opts, qt_code *code,
                    qt_err *err)
{
	char folded[QT_CODE_INPUT_MAX + 1];
	size_t n = len;
	const char *s = fold_typed(text, &n, folded);
	qt_rc rc = QT_OK;

	qt_code_init(code);
	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "empty code");
		goto out;
	}
	if (n > QT_CODE_INPUT_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "code longer than %d bytes", QT_CODE_INPUT_MAX);
		goto out;
	}
	if (memchr(s, '\0', n)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "code contains a NUL byte");
		goto out;
	}

	if (s[0] == '(') {
		rc = qt_gs1_parse_bracketed(s, n, opts, code, err); /* the commonest typed form */
	} else if (s[0] == ']') {
		/* ISO/IEC 15424 symbology identifier sent by the scanner. */
		if (n < 3) {
			rc = qt_err_set(err, QT_ERR_INVALID, "truncated symbology identifier");
		} else if (qt_code_starts_ci(s, 3, "]d2") || memcmp(s, "]Q3", 3) == 0 ||
		           memcmp(s, "]C1", 3) == 0 || memcmp(s, "]e0", 3) == 0 ||
		           memcmp(s, "]J1", 3) == 0) {
			rc = qt_gs1_parse_raw(s + 3, n - 3, opts, code, err);
		} else if (memcmp(s, "]E0", 3) == 0 || memcmp(s, "]E4", 3) == 0 ||
		           memcmp(s, "]I1", 3) == 0) {
			rc = qt_gs1_parse_key_digits(s + 3, n - 3, code, err);
		} else if (memcmp(s, "]Q1", 3) == 0 || memcmp(s, "]d1", 3) == 0 ||
		           memcmp(s, "]C0", 3) == 0) {
			/* Plain (non-GS1) symbol: its text is a URL or a code of another scheme. */
			if (n > 3 && s[3] == ']')
				rc = qt_err_set(err, QT_ERR_INVALID, "two symbology identifiers");
			else
				rc = qt_code_parse(s + 3, n - 3, opts, code, err);
		} else {
			char shown[3 * 4 + 1];
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "symbology identifier %s is not one a trace code uses",
			                qt_code_snippet(s, n, 3, shown));
		}
	} else if (qt_code_starts_ci(s, n, "https://") || qt_code_starts_ci(s, n, "http://")) {
		rc = parse_url(s, n, opts, code, err);
	} else if (n > 2 && (s[0] == 'E' || s[0] == 'e') && s[1] == '=') {
		rc = parse_ecode_text(s + 2, n - 2, 0, opts, code, err);
	} else if (qt_code_starts_ci(s, n, "ecode:")) {
		rc = parse_ecode_text(s + 6, n - 6, 0, opts, code, err);
	} else if (memchr(s, GS, n)) {
		rc = qt_gs1_parse_raw(s, n, opts, code, err);
	} else if (n == QT_DIC_ID_LEN && all_alnum(s, n) &&
	           qt_dic_parse(s, n, code, NULL) == QT_OK) {
		rc = QT_OK; /* a bare digital identity id; its check character vouches for it */
	} else if (s[0] >= '0' && s[0] <= '9') {
		rc = parse_digit_start(s, n, opts, code, err);
		/* 20 letters and digits that are nothing else: most likely a mistyped
		 * digital identity id, so its check-character error is the helpful one. */
		if (rc != QT_OK && n == QT_DIC_ID_LEN && all_alnum(s, n) &&
		    !qt_code_all_digits(s, n))
			rc = qt_dic_parse(s, n, code, err);
	} else if (n == QT_DIC_ID_LEN && all_alnum(s, n)) {
		rc = qt_dic_parse(s, n, code, err);
	} else {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "expected a GS1 barcode or Digital Link, an Ecode, a digital identity "
		        "code or a CCC certificate number");
	}
out:
	return rc;
}

/* A canonical key as the platform hands it out ("01/…/21/…", "t/…") is also accepted: it
 * reads as the path of a GS1 Digital Link or digital identity URL on any host. */
qt_rc qt_code_parse_key(const char *typed, size_t len, qt_code *code, qt_err *err)
{
	static const char host[] = "https://canonical.invalid/";
	char url[QT_CODE_INPUT_MAX + sizeof host], folded[QT_CODE_INPUT_MAX + 1];
	size_t n = len;
	const char *text = fold_typed(typed, &n, folded);
	qt_rc rc = qt_code_parse(text, n, NULL, code, err);

	/* a canonical key is a resolver path: read it as a URL on no host in particular, and
	 * take it only when it is that key exactly */
	if (rc != QT_OK && n <= QT_CODE_INPUT_MAX && n > 0 &&
	    ((text[0] >= '0' && text[0] <= '9') || strncmp(text, "t/", 2) == 0)) {
		qt_err e2;
		snprintf(url, sizeof url, "%s%.*s", host, (int)n, text);
		if (qt_code_parse(url, strlen(url), NULL, code, &e2) == QT_OK &&
		    code->canonical_len == n && memcmp(code->canonical, text, n) == 0)
			rc = QT_OK;
	}
	return rc;
}

qt_rc qt_code_canon(const char *text, size_t n, char out[QT_CODE_CANON_MAX], qt_code_kind *kind,
                    qt_err *err)
{
	qt_code c;
	qt_rc rc = qt_code_parse_key(text, n, &c, err);

	if (rc == QT_OK) {
		snprintf(out, QT_CODE_CANON_MAX, "%s", c.canonical);
		if (kind)
			*kind = c.kind;
	}
	return rc;
}

qt_rc qt_code_resolver_url(const qt_code *code, const char *base, char *out, size_t outsz)
{
	char dl[2048];
	bool gs1 = qt_code_ai(code, "01") && qt_gs1_format_dl(code, "h", dl, sizeof dl) == QT_OK;
	int n;

	/* a Digital Link keeps its key qualifiers in the standard's order (a lot beside a
	 * serial too) without data attributes; other schemes are their key */
	dl[gs1 ? strcspn(dl, "?") : 0] = '\0';
	n = gs1 ? snprintf(out, outsz, "%s%s", base, dl + strlen("https://h"))
	        : snprintf(out, outsz, "%s/%s", base, code->canonical);
	return n >= 0 && (size_t)n < outsz ? QT_OK : QT_ERR_TOOBIG;
}
