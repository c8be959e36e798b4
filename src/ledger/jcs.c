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

/* Every check_* function returns the position just past what it accepted, or NULL with rc
 * and err saying why it stopped; returning the position keeps it in a register. */
struct chk {
	const unsigned char *s, *end;
	qt_err *err;
	qt_rc rc; /* QT_ERR_INVALID, or the member callback's own code */
};

__attribute__((cold, noinline, format(printf, 3, 4))) static const unsigned char *
fail(struct chk *c, const unsigned char *at, const char *fmt, ...)
{
	char rule[QT_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rule, sizeof rule, fmt, ap);
	va_end(ap);
	c->rc = qt_err_set(c->err, QT_ERR_INVALID, "offset %zu: %s", (size_t)(at - c->s), rule);
	return NULL;
}

/* Says what was found instead of what the grammar wanted. */
__attribute__((cold, noinline)) static const unsigned char *
fail_expected(struct chk *c, const unsigned char *at, const char *want)
{
	const unsigned char *ret;

	if (at >= c->end)
		ret = fail(c, at, "unexpected end of input (expected %s)", want);
	else if (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')
		ret = fail(c, at, "whitespace is not allowed");
	else if (*at > 0x20 && *at < 0x7f)
		ret = fail(c, at, "expected %s, found '%c'", want, *at);
	else
		ret = fail(c, at, "expected %s, found byte 0x%02x", want, *at);
	return ret;
}

/* Flags, in the high bit of each byte, every byte of x a string scan must stop at: quote,
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
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return p;
}

static inline int is_hex_lower(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The escape at p[0] == '\\': only the forms JSON.stringify writes, nothing else. */
static const unsigned char *check_escape(struct chk *c, const unsigned char *p)
{
	const unsigned char *next = NULL;
	unsigned v;

	if (c->end - p < 2) {
		fail(c, p, "unexpected end of input in escape");
		goto out;
	}
	switch (p[1]) {
	case '"':
	case '\\':
	case 'b':
	case 't':
	case 'n':
	case 'f':
	case 'r': next = p + 2; goto out;
	case 'u': break;
	case '/': fail(c, p, "\"\\/\" is not canonical: '/' is written raw"); goto out;
	default:
		if (p[1] > 0x20 && p[1] < 0x7f)
			fail(c, p, "invalid escape \"\\%c\"", p[1]);
		else
			fail(c, p, "invalid escape: byte 0x%02x after '\\'", p[1]);
		goto out;
	}
	if (c->end - p < 6) {
		fail(c, p, "unexpected end of input in \\u escape");
		goto out;
	}
	for (int i = 2; i < 6; i++) {
		if (!is_hex_lower(p[i])) {
			if (p[i] >= 'A' && p[i] <= 'F')
				fail(c, p, "uppercase hex in \\u escape (canonical is lowercase)");
			else
				fail(c, p, "invalid \\u escape");
			goto out;
		}
	}
	if (p[2] != '0' || p[3] != '0' || p[4] > '1') {
		fail(c, p, "\"\\u%.4s\" is not canonical: the character is written raw", p + 2);
		goto out;
	}
	v = (unsigned)(p[4] - '0') * 16 + (unsigned)(p[5] <= '9' ? p[5] - '0' : p[5] - 'a' + 10);
	if (short_escape[v]) {
		fail(c, p, "\"\\u%.4s\" is not canonical: write \"\\%c\"", p + 2, short_escape[v]);
		goto out;
	}
	next = p + 6;
out:
	return next;
}

/* Whatever stopped skip_plain other than the closing quote: an escape, a UTF-8 sequence, or
 * an error. Kept out of line so the plain-text path stays small. */
__attribute__((noinline)) static const unsigned char *string_special(struct chk *c,
                                                                     const unsigned char *p)
{
	const unsigned char *next;
	const char *bad;
	size_t seq;

	if (p >= c->end) {
		next = fail(c, p, "unexpected end of input in string");
	} else if (*p == '\\') {
		next = check_escape(c, p);
	} else if (*p < 0x20) {
		next = fail(c, p, "raw control character 0x%02x in string (must be escaped)", *p);
	} else {
		bad = utf8_seq(p, c->end, &seq);
		next = bad ? fail(c, p, "%s", bad) : p + seq;
	}
	return next;
}

/* p at the opening quote. */
static inline const unsigned char *check_string(struct chk *c, const unsigned char *p)
{
	const unsigned char *end = c->end;

	p = skip_plain(p + 1, end);
	while (p && (p >= end || *p != '"')) {
		p = string_special(c, p);
		if (p)
			p = skip_plain(p, end);
	}
	return p ? p + 1 : NULL;
}

static const unsigned char *check_number(struct chk *c, const unsigned char *p)
{
	const unsigned char *start = p, *digits, *end = c->end, *next = NULL;
	uint64_t v = 0;

	if (*p == '-')
		p++;
	digits = p;
	if (p >= end || *p < '0' || *p > '9') {
		fail_expected(c, p, "a digit");
		goto out;
	}
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9') {
			fail(c, start, "leading zero in integer");
			goto out;
		}
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			if (p - digits < JCS_INT_DIGITS)
				v = v * 10 + (uint64_t)(*p - '0');
			p++;
		}
	}
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		fail(c, start, "floating-point numbers are not allowed in ledger records");
	else if (p - digits > JCS_INT_DIGITS || v > (uint64_t)JCS_INT_MAX)
		fail(c, start, "integer beyond ±2^53−1");
	else if (start != digits && v == 0)
		fail(c, start, "-0 is not canonical");
	else
		next = p;
out:
	return next;
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
	case 'b': c = 0x08; break;
	case 't': c = 0x09; break;
	case 'n': c = 0x0a; break;
	case 'f': c = 0x0c; break;
	case 'r': c = 0x0d; break;
	case 'u':
		/* Canonical \u escapes are exactly \u000x or \u001x. */
		c = (unsigned)(k[*i + 2] - '0') * 16 +
		    (unsigned)(k[*i + 3] <= '9' ? k[*i + 3] - '0' : k[*i + 3] - 'a' + 10);
		*i += 4;
		break;
	default: break; /* '"' or '\\' stand for themselves */
	}
	return c;
}

/* Compares two validated raw keys as their decoded strings' UTF-16 code units would, without
 * decoding into a buffer: the previous key is still in the input, so no copy and no key
 * length limit are needed. */
static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;
	unsigned ca, cb;

	while (i < an && j < bn) {
		ca = a[i];
		cb = b[j];
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

static const unsigned char *check_value(struct chk *c, const unsigned char *p, int depth);

/* fn is non-NULL only for the top-level object, whose members the caller wants to see. */
static const unsigned char *check_object(struct chk *c, const unsigned char *p, int depth,
                                         qt_jcs_member_fn fn, void *ctx)
{
	const unsigned char *end = c->end, *key, *prev = NULL, *value, *next = NULL;
	size_t keylen, prevlen = 0;
	qt_rc rc;

	if (depth > JCS_MAX_DEPTH) {
		fail(c, p, "nesting deeper than %d", JCS_MAX_DEPTH);
		goto out;
	}
	p++;
	if (p < end && *p == '}') {
		next = p + 1;
		goto out;
	}
	for (;;) {
		if (p >= end || *p != '"') {
			fail_expected(c, p, prev ? "'\"' to start a key" : "'\"' or '}'");
			goto out;
		}
		key = p;
		p = check_string(c, p);
		if (!p)
			goto out;
		keylen = (size_t)(p - key) - 2;
		if (prev) {
			int cmp = key_cmp(prev, prevlen, key + 1, keylen);
			if (cmp >= 0) {
				fail(c, key,
				     cmp ? "key out of order (canonical order is by UTF-16 code "
				           "units)"
				         : "duplicate key");
				goto out;
			}
		}
		prev = key + 1;
		prevlen = keylen;
		if (p >= end || *p != ':') {
			fail_expected(c, p, "':'");
			goto out;
		}
		value = ++p;
		p = check_value(c, p, depth);
		if (!p)
			goto out;
		if (fn) {
			rc = fn(ctx, (const char *)key + 1, keylen, (const char *)value,
			        (size_t)(p - value));
			if (rc != QT_OK) {
				c->rc = rc;
				goto out;
			}
		}
		if (p >= end || *p != ',')
			break;
		p++;
	}
	if (p < end && *p == '}')
		next = p + 1;
	else
		fail_expected(c, p, "',' or '}'");
out:
	return next;
}

static const unsigned char *check_array(struct chk *c, const unsigned char *p, int depth)
{
	const unsigned char *end = c->end, *next = NULL;

	if (depth > JCS_MAX_DEPTH) {
		fail(c, p, "nesting deeper than %d", JCS_MAX_DEPTH);
		goto out;
	}
	p++;
	if (p < end && *p == ']') {
		next = p + 1;
		goto out;
	}
	for (;;) {
		p = check_value(c, p, depth);
		if (!p)
			goto out;
		if (p >= end || *p != ',')
			break;
		p++;
	}
	if (p < end && *p == ']')
		next = p + 1;
	else
		fail_expected(c, p, "',' or ']'");
out:
	return next;
}

static inline const unsigned char *literal(struct chk *c, const unsigned char *p, const char *lit,
                                           size_t n)
{
	if ((size_t)(c->end - p) >= n && memcmp(p, lit, n) == 0)
		return p + n;
	return fail_expected(c, p, "a value");
}

static const unsigned char *check_value(struct chk *c, const unsigned char *p, int depth)
{
	const unsigned char *next;

	switch (p < c->end ? *p : 0) {
	case '"': next = check_string(c, p); break;
	case '{': next = check_object(c, p, depth + 1, NULL, NULL); break;
	case '[': next = check_array(c, p, depth + 1); break;
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
	case '9': next = check_number(c, p); break;
	case 't': next = literal(c, p, "true", 4); break;
	case 'f': next = literal(c, p, "false", 5); break;
	case 'n': next = literal(c, p, "null", 4); break;
	case '+': next = fail(c, p, "'+' is not allowed before a number"); break;
	default: next = fail_expected(c, p, "a value"); break;
	}
	return next;
}

qt_rc qt_jcs_check(const char *s, size_t n, qt_jcs_member_fn fn, void *ctx, qt_err *err)
{
	struct chk c = {(const unsigned char *)s, (const unsigned char *)s + n, err, QT_OK};
	const unsigned char *p = c.s;

	if (n == 0 || *p != '{')
		p = fail_expected(&c, p, "'{' (a ledger record is a JSON object)");
	else
		p = check_object(&c, p, 1, fn, ctx);
	if (p && p != c.end)
		fail(&c, p, "trailing bytes after the top-level object");
	return c.rc;
}
