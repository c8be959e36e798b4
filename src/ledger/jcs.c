/* jcs.c — RFC 8785 canonical JSON for ledger leaves: the encoder that fixes the bytes a leaf hash
 * covers, and the allocation-free checker that `qtrace verify` runs over every stored leaf to
 * prove it is exactly those bytes and not merely equivalent JSON. */
#include "ledger/jcs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any record, shallow enough that recursion over hostile input stays cheap. */
#define JCS_MAX_DEPTH 64
/* 2^53-1: beyond it an IEEE double (JavaScript's only number) no longer holds every integer. */
#define JCS_INT_MAX       9007199254740991LL
#define JCS_INT_DIGITS    16
#define JCS_STACK_MEMBERS 16

static const char hexdigits[16] = "0123456789abcdef";

/* JSON.stringify writes these five controls with a letter; every other control is \u00xx. */
static const char short_escape[0x20] = {
        [0x08] = 'b', [0x09] = 't', [0x0a] = 'n', [0x0c] = 'f', [0x0d] = 'r',
};

/* UTF-8 byte order is code-point order; UTF-16 order differs only where a supplementary
 * character (lead byte F0-F4, UTF-16 lead surrogate D800-DBFF) meets U+E000-U+FFFF (lead byte
 * EE or EF). Lifting EE and EF above F4 fixes exactly that; continuation bytes (80-BF) never
 * reach EE, so the mapping is safe at whichever byte two valid strings first differ. */
static inline unsigned utf16_rank(unsigned c)
{
	return c == 0xee || c == 0xef ? c + 0x10 : c;
}

/* Validates the UTF-8 sequence at p (lead byte >= 0x80), per Unicode Table 3-7: no overlongs,
 * no surrogates, nothing above U+10FFFF. Returns NULL and the length, or the rule broken. */
static const char *utf8_seq(const unsigned char *p, const unsigned char *end, size_t *len)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else if (c == 0xc0 || c == 0xc1) {
		return "overlong UTF-8 sequence";
	} else if (c >= 0xf5) {
		return "invalid UTF-8 byte (code point beyond U+10FFFF)";
	} else {
		return "invalid UTF-8: unexpected continuation byte";
	}
	if ((size_t)(end - p) < n)
		return "truncated UTF-8 sequence";
	if (p[1] < lo || p[1] > hi) {
		if (p[1] < 0x80 || p[1] > 0xbf)
			return "invalid UTF-8: missing continuation byte";
		if (c == 0xed)
			return "UTF-8 encoded surrogate";
		if (c == 0xf4)
			return "code point beyond U+10FFFF";
		return "overlong UTF-8 sequence";
	}
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return "invalid UTF-8: missing continuation byte";
	*len = n;
	return NULL;
}

/* ---- encoder ---- */

struct member {
	const char *key;
	size_t len;
	const json_t *value;
};

static int member_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;

	for (size_t i = 0; i < n; i++) {
		unsigned ca = (unsigned char)a->key[i], cb = (unsigned char)b->key[i];
		if (ca != cb)
			return (int)utf16_rank(ca) - (int)utf16_rank(cb);
	}
	return (a->len > b->len) - (a->len < b->len);
}

/* qt_buf says only TOOBIG or NOMEM; the caller's err must still get a sentence. */
static qt_rc put(qt_buf *out, const void *p, size_t n, qt_err *err)
{
	qt_rc rc = qt_buf_append(out, p, n);

	if (rc == QT_ERR_TOOBIG)
		qt_err_set(err, rc, "canonical JSON longer than %zu bytes", out->max);
	else if (rc != QT_OK)
		qt_err_set(err, rc, "out of memory writing canonical JSON");
	return rc;
}

static qt_rc enc_string(const char *str, size_t n, const char *what, qt_buf *out, qt_err *err)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n, *p = s, *run = s;
	char esc[6] = {'\\'};
	size_t esclen, seq;
	const char *bad;
	qt_rc rc;

	rc = put(out, "\"", 1, err);
	if (rc != QT_OK)
		goto out;
	while (p < end) {
		unsigned c = *p;

		if (c >= 0x80) {
			bad = utf8_seq(p, end, &seq);
			if (bad) {
				rc = qt_err_set(err, QT_ERR_INVALID, "%s byte %zu: %s", what,
				                (size_t)(p - s), bad);
				goto out;
			}
			p += seq;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			p++;
			continue;
		}
		if (c >= 0x20) {
			esc[1] = (char)c;
			esclen = 2;
		} else if (short_escape[c]) {
			esc[1] = short_escape[c];
			esclen = 2;
		} else {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hexdigits[c >> 4];
			esc[5] = hexdigits[c & 15];
			esclen = 6;
		}
		rc = put(out, run, (size_t)(p - run), err);
		if (rc == QT_OK)
			rc = put(out, esc, esclen, err);
		if (rc != QT_OK)
			goto out;
		run = ++p;
	}
	rc = put(out, run, (size_t)(p - run), err);
	if (rc == QT_OK)
		rc = put(out, "\"", 1, err);
out:
	return rc;
}

static qt_rc enc_value(const json_t *v, int depth, qt_buf *out, qt_err *err);

static qt_rc enc_object(const json_t *v, int depth, qt_buf *out, qt_err *err)
{
	struct member stack_members[JCS_STACK_MEMBERS], *m = stack_members;
	size_t n = json_object_size(v), i = 0;
	qt_rc rc = QT_OK;
	void *it;

	if (n > JCS_STACK_MEMBERS) {
		m = n > SIZE_MAX / sizeof *m ? NULL : malloc(n * sizeof *m);
		if (!m) {
			rc = qt_err_set(err, QT_ERR_NOMEM,
			                "out of memory sorting %zu object members", n);
			goto out;
		}
	}
	/* jansson's iterator wants a mutable object but only reads it here. */
	for (it = json_object_iter((json_t *)v); it && i < n;
	     it = json_object_iter_next((json_t *)v, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].len = json_object_iter_key_len(it);
		m[i].value = json_object_iter_value(it);
	}
	n = i;
	qsort(m, n, sizeof *m, member_cmp);

	rc = put(out, "{", 1, err);
	for (i = 0; i < n && rc == QT_OK; i++) {
		if (i > 0)
			rc = put(out, ",", 1, err);
		if (rc == QT_OK)
			rc = enc_string(m[i].key, m[i].len, "object key", out, err);
		if (rc == QT_OK)
			rc = put(out, ":", 1, err);
		if (rc == QT_OK)
			rc = enc_value(m[i].value, depth, out, err);
	}
	if (rc == QT_OK)
		rc = put(out, "}", 1, err);
out:
	if (m != stack_members)
		free(m);
	return rc;
}

static qt_rc enc_array(const json_t *v, int depth, qt_buf *out, qt_err *err)
{
	size_t n = json_array_size(v);
	qt_rc rc;

	rc = put(out, "[", 1, err);
	for (size_t i = 0; i < n && rc == QT_OK; i++) {
		if (i > 0)
			rc = put(out, ",", 1, err);
		if (rc == QT_OK)
			rc = enc_value(json_array_get(v, i), depth, out, err);
	}
	if (rc == QT_OK)
		rc = put(out, "]", 1, err);
	return rc;
}

static qt_rc enc_value(const json_t *v, int depth, qt_buf *out, qt_err *err)
{
	char num[32];
	json_int_t iv;
	int len;

	if (!v)
		return qt_err_set(err, QT_ERR_USAGE, "no JSON value to encode");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= JCS_MAX_DEPTH)
			return qt_err_set(err, QT_ERR_INVALID, "nesting deeper than %d",
			                  JCS_MAX_DEPTH);
		if (json_is_object(v))
			return enc_object(v, depth + 1, out, err);
		return enc_array(v, depth + 1, out, err);
	case JSON_STRING:
		return enc_string(json_string_value(v), json_string_length(v), "string", out, err);
	case JSON_INTEGER:
		iv = json_integer_value(v);
		if (iv > JCS_INT_MAX || iv < -JCS_INT_MAX)
			return qt_err_set(err, QT_ERR_INVALID,
			                  "integer %" JSON_INTEGER_FORMAT " is beyond ±2^53−1", iv);
		len = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, iv);
		return put(out, num, (size_t)len, err);
	case JSON_REAL:
		return qt_err_set(err, QT_ERR_INVALID,
		                  "floating-point numbers are not allowed in ledger records");
	case JSON_TRUE: return put(out, "true", 4, err);
	case JSON_FALSE: return put(out, "false", 5, err);
	case JSON_NULL: return put(out, "null", 4, err);
	}
	return qt_err_set(err, QT_ERR_INVALID, "unknown JSON type %d", (int)json_typeof(v));
}

qt_rc qt_jcs_encode(const json_t *v, qt_buf *out, qt_err *err)
{
	size_t len0 = out->len;
	qt_rc rc = enc_value(v, 0, out, err);

	/* Half a canonical form is worse than none: a caller could hash it. */
	if (rc != QT_OK) {
		out->len = len0;
		if (out->p)
			out->p[len0] = '\0';
	}
	return rc;
}

/* ---- checker ---- */

struct chk {
	const unsigned char *s, *end;
	qt_err *err;
};

/* Byte classes for the string scanner's hot loop: one load and one test per plain byte. */
enum { SC_PLAIN = 0, SC_QUOTE, SC_BSLASH, SC_CTRL, SC_HIGH };
#define SC_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char str_class[256] = {
        SC_ROW(SC_CTRL),
        SC_ROW(SC_CTRL),
        0,
        0,
        SC_QUOTE,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        SC_ROW(0),
        SC_ROW(0),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        SC_BSLASH,
        0,
        0,
        0,
        SC_ROW(0),
        SC_ROW(0),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
        SC_ROW(SC_HIGH),
};

__attribute__((cold, noinline, format(printf, 3, 4))) static qt_rc
fail(const struct chk *c, const unsigned char *at, const char *fmt, ...)
{
	char rule[QT_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rule, sizeof rule, fmt, ap);
	va_end(ap);
	return qt_err_set(c->err, QT_ERR_INVALID, "offset %zu: %s", (size_t)(at - c->s), rule);
}

/* Says what was found instead of what the grammar wanted. */
__attribute__((cold, noinline)) static qt_rc
fail_expected(const struct chk *c, const unsigned char *at, const char *want)
{
	if (at >= c->end)
		return fail(c, at, "unexpected end of input (expected %s)", want);
	if (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')
		return fail(c, at, "whitespace is not allowed");
	if (*at > 0x20 && *at < 0x7f)
		return fail(c, at, "expected %s, found '%c'", want, *at);
	return fail(c, at, "expected %s, found byte 0x%02x", want, *at);
}

static inline int is_hex_lower(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The escape at p[0] == '\\': only the forms JSON.stringify writes, nothing else. */
static qt_rc check_escape(const struct chk *c, const unsigned char *p, const unsigned char **next)
{
	unsigned v;

	if (c->end - p < 2)
		return fail(c, p, "unexpected end of input in escape");
	switch (p[1]) {
	case '"':
	case '\\':
	case 'b':
	case 't':
	case 'n':
	case 'f':
	case 'r': *next = p + 2; return QT_OK;
	case '/': return fail(c, p, "\"\\/\" is not canonical: '/' is written raw");
	case 'u': break;
	default:
		if (p[1] > 0x20 && p[1] < 0x7f)
			return fail(c, p, "invalid escape \"\\%c\"", p[1]);
		return fail(c, p, "invalid escape: byte 0x%02x after '\\'", p[1]);
	}
	if (c->end - p < 6)
		return fail(c, p, "unexpected end of input in \\u escape");
	for (int i = 2; i < 6; i++) {
		if (!is_hex_lower(p[i])) {
			if ((p[i] >= 'A' && p[i] <= 'F'))
				return fail(c, p,
				            "uppercase hex in \\u escape (canonical is lowercase)");
			return fail(c, p, "invalid \\u escape");
		}
	}
	if (p[2] != '0' || p[3] != '0' || p[4] > '1')
		return fail(c, p, "\"\\u%.4s\" is not canonical: the character is written raw",
		            p + 2);
	v = (unsigned)(p[4] - '0') * 16 + (unsigned)(p[5] <= '9' ? p[5] - '0' : p[5] - 'a' + 10);
	if (short_escape[v])
		return fail(c, p, "\"\\u%.4s\" is not canonical: write \"\\%c\"", p + 2,
		            short_escape[v]);
	*next = p + 6;
	return QT_OK;
}

/* Flags, in the high bit of each byte, every byte of x the hot loop must stop at: quote,
 * backslash, control (< 0x20) or non-ASCII (>= 0x80). Borrows can only flag bytes above the
 * first real hit, so the lowest flag is exact. */
static inline uint64_t stop_mask(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return (((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x) & high;
}

/* Skips plain string bytes eight at a time: strings are most of a record's bytes. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
	uint64_t x, m;

	while (end - p >= 8) {
		memcpy(&x, p, 8);
		m = stop_mask(x);
		if (m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && str_class[*p] == SC_PLAIN)
		p++;
	return p;
}

/* *pp at the opening quote; leaves it just past the closing quote. */
static qt_rc check_string(const struct chk *c, const unsigned char **pp)
{
	const unsigned char *p = *pp + 1, *end = c->end;
	const char *bad;
	size_t seq;
	qt_rc rc;

	for (;;) {
		p = skip_plain(p, end);
		if (p >= end)
			return fail(c, p, "unexpected end of input in string");
		switch (str_class[*p]) {
		case SC_QUOTE: *pp = p + 1; return QT_OK;
		case SC_BSLASH:
			rc = check_escape(c, p, &p);
			if (rc != QT_OK)
				return rc;
			break;
		case SC_CTRL:
			return fail(c, p,
			            "raw control character 0x%02x in string (must be escaped)", *p);
		default:
			bad = utf8_seq(p, end, &seq);
			if (bad)
				return fail(c, p, "%s", bad);
			p += seq;
			break;
		}
	}
}

static qt_rc check_number(const struct chk *c, const unsigned char **pp)
{
	const unsigned char *start = *pp, *p = start, *digits, *end = c->end;
	uint64_t v = 0;

	if (*p == '-')
		p++;
	digits = p;
	if (p >= end || *p < '0' || *p > '9')
		return fail_expected(c, p, "a digit");
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return fail(c, start, "leading zero in integer");
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			if (p - digits < JCS_INT_DIGITS)
				v = v * 10 + (uint64_t)(*p - '0');
			p++;
		}
	}
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		return fail(c, start, "floating-point numbers are not allowed in ledger records");
	if (p - digits > JCS_INT_DIGITS || v > (uint64_t)JCS_INT_MAX)
		return fail(c, start, "integer beyond ±2^53−1");
	if (start != digits && v == 0)
		return fail(c, start, "-0 is not canonical");
	*pp = p;
	return QT_OK;
}

/* The next byte of a validated key's decoded UTF-8, from its raw (escaped) form. */
static inline unsigned key_byte(const unsigned char *k, size_t *i)
{
	unsigned c = k[*i];

	if (c != '\\') {
		*i += 1;
		return c;
	}
	c = k[*i + 1];
	*i += 2;
	switch (c) {
	case 'b': return 0x08;
	case 't': return 0x09;
	case 'n': return 0x0a;
	case 'f': return 0x0c;
	case 'r': return 0x0d;
	case 'u':
		/* Canonical \u escapes are exactly \u000x or \u001x. */
		c = (unsigned)(k[*i + 2] - '0') * 16 +
		    (unsigned)(k[*i + 3] <= '9' ? k[*i + 3] - '0' : k[*i + 3] - 'a' + 10);
		*i += 4;
		return c;
	default: return c; /* '"' or '\\' */
	}
}

/* Compares two validated raw keys as their decoded strings' UTF-16 code units would, without
 * decoding into a buffer: the previous key is still in the input, so no copy and no key
 * length limit are needed. */
static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		unsigned ca = a[i], cb = b[j];

		if (ca == cb && ca != '\\') {
			i++;
			j++;
			continue;
		}
		ca = key_byte(a, &i);
		cb = key_byte(b, &j);
		if (ca != cb)
			return (int)utf16_rank(ca) - (int)utf16_rank(cb);
	}
	return (i < an) - (j < bn);
}

static qt_rc check_value(const struct chk *c, const unsigned char **pp, int depth);

/* fn is non-NULL only for the top-level object, whose members the caller wants to see. */
static qt_rc check_object(const struct chk *c, const unsigned char **pp, int depth,
                          qt_jcs_member_fn fn, void *ctx)
{
	const unsigned char *p = *pp + 1, *end = c->end, *key, *prev = NULL, *value;
	size_t keylen, prevlen = 0;
	qt_rc rc;

	if (depth > JCS_MAX_DEPTH)
		return fail(c, *pp, "nesting deeper than %d", JCS_MAX_DEPTH);
	if (p < end && *p == '}') {
		*pp = p + 1;
		return QT_OK;
	}
	for (;;) {
		if (p >= end || *p != '"')
			return fail_expected(c, p, prev ? "'\"' to start a key" : "'\"' or '}'");
		key = p;
		rc = check_string(c, &p);
		if (rc != QT_OK)
			return rc;
		keylen = (size_t)(p - key) - 2;
		if (prev) {
			int cmp = key_cmp(prev, prevlen, key + 1, keylen);
			if (cmp == 0)
				return fail(c, key, "duplicate key");
			if (cmp > 0)
				return fail(c, key,
				            "key out of order (canonical order is by UTF-16 "
				            "code units)");
		}
		prev = key + 1;
		prevlen = keylen;
		if (p >= end || *p != ':')
			return fail_expected(c, p, "':'");
		value = ++p;
		rc = check_value(c, &p, depth);
		if (rc != QT_OK)
			return rc;
		if (fn) {
			rc = fn(ctx, (const char *)key + 1, keylen, (const char *)value,
			        (size_t)(p - value));
			if (rc != QT_OK)
				return rc;
		}
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}') {
			*pp = p + 1;
			return QT_OK;
		}
		return fail_expected(c, p, "',' or '}'");
	}
}

static qt_rc check_array(const struct chk *c, const unsigned char **pp, int depth)
{
	const unsigned char *p = *pp + 1, *end = c->end;
	qt_rc rc;

	if (depth > JCS_MAX_DEPTH)
		return fail(c, *pp, "nesting deeper than %d", JCS_MAX_DEPTH);
	if (p < end && *p == ']') {
		*pp = p + 1;
		return QT_OK;
	}
	for (;;) {
		rc = check_value(c, &p, depth);
		if (rc != QT_OK)
			return rc;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == ']') {
			*pp = p + 1;
			return QT_OK;
		}
		return fail_expected(c, p, "',' or ']'");
	}
}

static inline int has_literal(const struct chk *c, const unsigned char *p, const char *lit,
                              size_t n)
{
	return (size_t)(c->end - p) >= n && memcmp(p, lit, n) == 0;
}

static qt_rc check_value(const struct chk *c, const unsigned char **pp, int depth)
{
	const unsigned char *p = *pp;

	if (p >= c->end)
		return fail_expected(c, p, "a value");
	switch (*p) {
	case '"': return check_string(c, pp);
	case '{': return check_object(c, pp, depth + 1, NULL, NULL);
	case '[': return check_array(c, pp, depth + 1);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': return check_number(c, pp);
	case 't':
		if (!has_literal(c, p, "true", 4))
			break;
		*pp = p + 4;
		return QT_OK;
	case 'f':
		if (!has_literal(c, p, "false", 5))
			break;
		*pp = p + 5;
		return QT_OK;
	case 'n':
		if (!has_literal(c, p, "null", 4))
			break;
		*pp = p + 4;
		return QT_OK;
	case '+': return fail(c, p, "'+' is not allowed before a number");
	}
	return fail_expected(c, p, "a value");
}

qt_rc qt_jcs_check(const char *s, size_t n, qt_jcs_member_fn fn, void *ctx, qt_err *err)
{
	const struct chk c = {(const unsigned char *)s, (const unsigned char *)s + n, err};
	const unsigned char *p = c.s;
	qt_rc rc;

	if (n == 0 || *p != '{') {
		rc = fail_expected(&c, p, "'{' (a ledger record is a JSON object)");
		goto out;
	}
	rc = check_object(&c, &p, 1, fn, ctx);
	if (rc == QT_OK && p != c.end)
		rc = fail(&c, p, "trailing bytes after the top-level object");
out:
	return rc;
}
