/* code_util.c — small pieces every scheme parser shares: resetting a qt_code, building the
 * canonical key with percent-encoding, scheme and kind names, AI look-up. */
#include "codes/code.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void qt_code_init(qt_code *code)
{
	code->scheme = QT_SCHEME_NONE;
	code->kind = QT_KIND_NONE;
	code->canonical_len = 0;
	code->canonical[0] = '\0';
	code->n_elems = 0;
	code->ecode_version = -1;
	code->nsi[0] = '\0';
	code->md[0] = '\0';
	code->dic_id[0] = '\0';
	code->ccc_number[0] = '\0';
}

const char *qt_code_scheme_name(qt_scheme scheme)
{
	switch (scheme) {
	case QT_SCHEME_GS1: return "gs1";
	case QT_SCHEME_ECODE: return "ecode";
	case QT_SCHEME_DIC: return "dic";
	case QT_SCHEME_CCC: return "ccc";
	case QT_SCHEME_NONE: break;
	}
	return "none";
}

const char *qt_code_kind_name(qt_code_kind kind)
{
	switch (kind) {
	case QT_KIND_PRODUCT: return "product";
	case QT_KIND_BATCH: return "batch";
	case QT_KIND_ITEM: return "item";
	case QT_KIND_LOGISTIC: return "logistic";
	case QT_KIND_OTHER: return "other";
	case QT_KIND_NONE: break;
	}
	return "none";
}

const char *qt_code_ai(const qt_code *code, const char *ai)
{
	for (unsigned i = 0; i < code->n_elems; i++)
		if (strcmp(code->elems[i].ai, ai) == 0)
			return code->elems[i].value;
	return NULL;
}

/* Character classes checked for every byte of every value: RFC 3986 unreserved (the only
 * bytes a canonical key carries unencoded) and GS1 character set 82 (what an AI value may
 * hold, General Specifications figure 7.11-1). */
#define U QT_CHAR_UNRESERVED
#define C QT_CHAR_CSET82
const uint8_t qt_code_chars[256] = {
        ['!'] = C,     ['"'] = C,     ['%'] = C,     ['&'] = C,     ['\''] = C,    ['('] = C,
        [')'] = C,     ['*'] = C,     ['+'] = C,     [','] = C,     ['-'] = U | C, ['.'] = U | C,
        ['/'] = C,     ['0'] = U | C, ['1'] = U | C, ['2'] = U | C, ['3'] = U | C, ['4'] = U | C,
        ['5'] = U | C, ['6'] = U | C, ['7'] = U | C, ['8'] = U | C, ['9'] = U | C, [':'] = C,
        [';'] = C,     ['<'] = C,     ['='] = C,     ['>'] = C,     ['?'] = C,     ['A'] = U | C,
        ['B'] = U | C, ['C'] = U | C, ['D'] = U | C, ['E'] = U | C, ['F'] = U | C, ['G'] = U | C,
        ['H'] = U | C, ['I'] = U | C, ['J'] = U | C, ['K'] = U | C, ['L'] = U | C, ['M'] = U | C,
        ['N'] = U | C, ['O'] = U | C, ['P'] = U | C, ['Q'] = U | C, ['R'] = U | C, ['S'] = U | C,
        ['T'] = U | C, ['U'] = U | C, ['V'] = U | C, ['W'] = U | C, ['X'] = U | C, ['Y'] = U | C,
        ['Z'] = U | C, ['_'] = U | C, ['a'] = U | C, ['b'] = U | C, ['c'] = U | C, ['d'] = U | C,
        ['e'] = U | C, ['f'] = U | C, ['g'] = U | C, ['h'] = U | C, ['i'] = U | C, ['j'] = U | C,
        ['k'] = U | C, ['l'] = U | C, ['m'] = U | C, ['n'] = U | C, ['o'] = U | C, ['p'] = U | C,
        ['q'] = U | C, ['r'] = U | C, ['s'] = U | C, ['t'] = U | C, ['u'] = U | C, ['v'] = U | C,
        ['w'] = U | C, ['x'] = U | C, ['y'] = U | C, ['z'] = U | C, ['~'] = U,
};
#undef U
#undef C

size_t qt_code_pct_encode(const char *s, size_t n, char *out, size_t room)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t plain = 0, o;

	/* Most values need no encoding: one bounds check and a copy. */
	while (plain < n && (qt_code_chars[(unsigned char)s[plain]] & QT_CHAR_UNRESERVED))
		plain++;
	if (plain > room)
		return (size_t)-1;
	memcpy(out, s, plain);
	o = plain;
	for (size_t i = plain; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (qt_code_chars[c] & QT_CHAR_UNRESERVED) {
			if (o == room)
				return (size_t)-1;
			out[o++] = (char)c;
		} else {
			if (room - o < 3)
				return (size_t)-1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

qt_rc qt_code_canon_append(qt_code *code, const char *s, size_t n, bool encode, qt_err *err)
{
	size_t room = QT_CODE_CANON_MAX - 1 - code->canonical_len; /* keep room for the NUL */
	char *o = code->canonical + code->canonical_len;
	size_t wrote;
	qt_rc rc = QT_OK;

	if (encode) {
		wrote = qt_code_pct_encode(s, n, o, room);
	} else if (n <= room) {
		memcpy(o, s, n);
		wrote = n;
	} else {
		wrote = (size_t)-1;
	}
	if (wrote == (size_t)-1) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "canonical code longer than %d bytes",
		                QT_CODE_CANON_MAX - 1);
		goto out;
	}
	code->canonical_len += wrote;
	code->canonical[code->canonical_len] = '\0';
out:
	return rc;
}

bool qt_code_starts_ci(const char *s, size_t n, const char *lower_prefix)
{
	size_t pn = strlen(lower_prefix);
	if (n < pn)
		return false;
	for (size_t i = 0; i < pn; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lower_prefix[i])
			return false;
	}
	return true;
}

bool qt_code_all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void qt_code_trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

qt_rc qt_code_pct_decode(const char *s, size_t n, char *out, size_t outsz, size_t *outlen,
                         const char *what, qt_err *err)
{
	char shown[4 * 3 + 1];
	size_t o = 0;
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "%s: bad percent-encoding '%s'", what,
				                qt_code_snippet(s + i, n - i, 3, shown));
				goto out;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o == outsz) {
			rc = qt_err_set(err, QT_ERR_TOOBIG, "%s: longer than %zu bytes decoded",
			                what, outsz);
			goto out;
		}
		out[o++] = c;
	}
	*outlen = o;
out:
	return rc;
}

const char *qt_code_snippet(const char *s, size_t n, size_t max, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

const char *qt_code_describe_byte(unsigned char c, char out[12])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(out, 12, "'%c'", c);
	else
		snprintf(out, 12, "byte 0x%02X", c);
	return out;
}
