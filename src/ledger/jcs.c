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

static const char hexdigits[16] = "0123456789abcdef", upper_hexdigits[16] = "0123456789ABCDEF";

/* Bytes a string carries as they are: printable ASCII (and DEL) but the quote and the
 * backslash. */
static const unsigned char plain[256] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

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
static inline const char *utf8_seq(const unsigned char *p, const unsigned char *end, size_t *len)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t n = 0, avail = (size_t)(end - p);
	const char *rule = NULL;

	/* Fast path: the 2-byte forms and the 3-byte forms without restricted second bytes
	 * (E0 and ED have them) cover Latin, Cyrillic, CJK and most other text. */
	if (c >= 0xc2 && c <= 0xdf && avail >= 2 && (p[1] & 0xc0) == 0x80) {
		n = 2;
		goto out;
	}
	if (c >= 0xe1 && c <= 0xef && c != 0xed && avail >= 3 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		n = 3;
		goto out;
	}
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
	} else {
		rule = c == 0xc0 || c == 0xc1 ? "overlong UTF-8 sequence"
		       : c >= 0xf5            ? "invalid UTF-8: bytes 0xf5-0xff never occur"
		                              : "invalid UTF-8: unexpected continuation byte";
		goto out;
	}
	if (avail < n) {
		rule = "truncated UTF-8 sequence";
	} else if (p[1] < lo || p[1] > hi) {
		if (p[1] < 0x80 || p[1] > 0xbf)
			rule = "invalid UTF-8: missing continuation byte";
		else if (c == 0xed)
			rule = "UTF-8 encoded surrogate";
		else if (c == 0xf4)
			rule = "code point beyond U+10FFFF";
		else
			rule = "overlong UTF-8 sequence";
	} else if ((n > 2 && (p[2] & 0xc0) != 0x80) || (n > 3 && (p[3] & 0xc0) != 0x80)) {
		rule = "invalid UTF-8: missing continuation byte";
	}
out:
	*len = n;
	return rule;
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
static qt_rc put_failed(const qt_buf *out, qt_rc rc, qt_err *err)
{
	if (rc == QT_ERR_TOOBIG)
		qt_err_set(err, rc, "canonical JSON longer than %zu bytes", out->max);
	else if (rc != QT_OK)
		qt_err_set(err, rc, "out of memory writing canonical JSON");
	return rc;
}

static qt_rc put(qt_buf *out, const void *p, size_t n, qt_err *err)
{
	return put_failed(out, qt_buf_append(out, p, n), err);
}

/* hex: the digits of a \u00xx escape (JCS's lower case, or jansson's upper case). */
/* put without a call where the buffer already has room: a string's quotes and runs. */
static inline qt_rc put_fast(qt_buf *out, const void *p, size_t n, qt_err *err)
{
	if (out->len + n + 1 > out->cap || out->len + n > out->max)
		return put(out, p, n, err);
	memcpy(out->p + out->len, p, n);
	out->len += n;
	out->p[out->len] = '\0';
	return QT_OK;
}

static qt_rc enc_string(const char *str, size_t n, const char *what, const char *hex, qt_buf *out,
                        qt_err *err)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n, *p = s, *run = s;
	char esc[6] = {'\\'};
	size_t esclen, seq;
	const char *bad;
	qt_rc rc;

	/* room for the string as it stands: most need no escape, so no more than this */
	if ((rc = qt_buf_reserve(out, n + 2)) != QT_OK) {
		put_failed(out, rc, err);
		goto out;
	}
	rc = put_fast(out, "\"", 1, err);
	if (rc != QT_OK)
		goto out;
	while (p < end) {
		unsigned c;

		while (p < end && plain[*p])
			p++;
		if (p == end)
			break;
		c = *p;
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
		if (c >= 0x20) {
			esc[1] = (char)c;
			esclen = 2;
		} else if (short_escape[c]) {
			esc[1] = short_escape[c];
			esclen = 2;
		} else {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esclen = 6;
		}
		rc = put_fast(out, run, (size_t)(p - run), err);
		if (rc == QT_OK)
			rc = put_fast(out, esc, esclen, err);
		if (rc != QT_OK)
			goto out;
		run = ++p;
	}
	rc = put_fast(out, run, (size_t)(p - run), err);
	if (rc == QT_OK)
		rc = put_fast(out, "\"", 1, err);
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
			rc = enc_string(m[i].key, m[i].len, "object key", hexdigits, out, err);
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
	qt_rc rc;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= JCS_MAX_DEPTH)
			rc = qt_err_set(err, QT_ERR_INVALID, "nesting deeper than %d",
			                JCS_MAX_DEPTH);
		else if (json_is_object(v))
			rc = enc_object(v, depth + 1, out, err);
		else
			rc = enc_array(v, depth + 1, out, err);
		break;
	case JSON_STRING:
		rc = enc_string(json_string_value(v), json_string_length(v), "string", hexdigits,
		                out, err);
		break;
	case JSON_INTEGER:
		iv = json_integer_value(v);
		if (iv > JCS_INT_MAX || iv < -JCS_INT_MAX)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "integer %" JSON_INTEGER_FORMAT " is beyond ±2^53−1", iv);
		else
			rc = put(out, num,
			         (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, iv),
			         err);
		break;
	case JSON_REAL:
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "floating-point numbers are not allowed in ledger records");
		break;
	case JSON_TRUE: rc = put(out, "true", 4, err); break;
	case JSON_FALSE: rc = put(out, "false", 5, err); break;
	case JSON_NULL:
		rc = v ? put(out, "null", 4, err)
		       : qt_err_set(err, QT_ERR_USAGE, "no JSON value to encode");
		break;
	default:
		rc = qt_err_set(err, QT_ERR_INVALID, "unknown JSON type %d", (int)json_typeof(v));
		break;
	}
	return rc;
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

qt_rc qt_jcs_string(const char *s, size_t n, qt_buf *out, qt_err *err)
{
	return qt_jcs_string_as(s, n, false, out, err);
}

qt_rc qt_jcs_string_as(const char *s, size_t n, bool upper_hex, qt_buf *out, qt_err *err)
{
	size_t len0 = out->len;
	qt_rc rc = enc_string(s, n, "string", upper_hex ? upper_hexdigits : hexdigits, out, err);

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

/* The string scan's hot loop looks at a whole chunk per step for the first quote, backslash,
 * control (< 0x20) or non-ASCII (>= 0x80) byte: plain text is most of a record. It also says
 * whether that byte is the closing quote, so the scan need not load it again: each string's
 * end feeds everything after it, so the scan's latency is the checker's speed. */
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SCAN_CHUNK 16

/* A signed compare with 0x20 catches both controls and every byte >= 0x80. */
static inline size_t chunk_stop(const unsigned char *p, int *quote)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i q = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
	__m128i m = _mm_or_si128(_mm_or_si128(q, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
	                         _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
	unsigned bits = (unsigned)_mm_movemask_epi8(m);
	size_t k = SCAN_CHUNK;

	if (bits) {
		k = (size_t)__builtin_ctz(bits);
		*quote = ((unsigned)_mm_movemask_epi8(q) >> k) & 1;
	}
	return k;
}
#else
#define SCAN_CHUNK 8

/* The same on eight bytes in a uint64_t. Borrows can only flag bytes above the first real
 * hit, so the lowest flag is exact. */
static inline size_t chunk_stop(const unsigned char *p, int *quote)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t x, q, b, m;
	size_t k = 0;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	m = (((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x) & high;
	if (!m)
		return SCAN_CHUNK;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	k = (size_t)__builtin_ctzll(m) >> 3;
#else
	while (p[k] >= 0x20 && p[k] < 0x80 && p[k] != '"' && p[k] != '\\')
		k++;
#endif
	*quote = p[k] == '"';
	return k;
}
#endif

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

/* Whatever stopped the chunk scan other than the closing quote: an escape, a UTF-8 sequence,
 * or an error. Kept out of line so the plain-text path stays small. */
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
		/* Non-ASCII text comes in runs (names, addresses): take the whole run here. */
		next = p;
		do {
			bad = utf8_seq(next, c->end, &seq);
			if (bad) {
				next = fail(c, next, "%s", bad);
				break;
			}
			next += seq;
		} while (next < c->end && *next >= 0x80);
	}
	return next;
}

/* p at the opening quote. Inlined into each caller: one call per string costs as much as
 * scanning a short one. */
static inline __attribute__((always_inline)) const unsigned char *
check_string(struct chk *c, const unsigned char *p)
{
	const unsigned char *end = c->end;
	size_t k;
	int quote = 0;

	p++;
	while (p) {
		if (end - p >= SCAN_CHUNK) {
			k = chunk_stop(p, &quote);
			p += k;
			if (k == SCAN_CHUNK)
				continue;
		} else {
			while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
				p++;
			quote = p < end && *p == '"';
		}
		if (quote)
			break;
		p = string_special(c, p);
	}
	return p ? p + 1 : NULL;
}

static inline const unsigned char *check_number(struct chk *c, const unsigned char *p)
{
	const unsigned char *start = p, *digits, *end = c->end, *next = NULL;
	uint64_t v = 0;
	size_t len;

	if (*p == '-')
		p++;
	digits = p;
	while (p < end && (unsigned)(*p - '0') < 10)
		p++;
	len = (size_t)(p - digits);
	if (len == 0) {
		fail_expected(c, p, "a digit");
		goto out;
	}
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
		fail(c, start, "floating-point numbers are not allowed in ledger records");
		goto out;
	}
	if (*digits == '0' && len > 1) {
		fail(c, start, "leading zero in integer");
		goto out;
	}
	if (*digits == '0' && start != digits) {
		fail(c, start, "-0 is not canonical");
		goto out;
	}
	/* Up to 15 digits is always below 2^53; only 16 need the value. */
	if (len >= JCS_INT_DIGITS) {
		for (size_t i = 0; i < len && i < JCS_INT_DIGITS; i++)
			v = v * 10 + (uint64_t)(digits[i] - '0');
		if (len > JCS_INT_DIGITS || v > (uint64_t)JCS_INT_MAX) {
			fail(c, start, "integer beyond ±2^53−1");
			goto out;
		}
	}
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
		goto out;
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
out:
	return c;
}

/* Compares two validated raw keys as their decoded strings' UTF-16 code units would, without
 * decoding into a buffer: the previous key is still in the input, so no copy and no key
 * length limit are needed. */
static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i = 0, j = 0;
	unsigned ca, cb;
	int r = 0;

	while (r == 0 && i < an && j < bn) {
		ca = a[i];
		cb = b[j];
		if (ca == cb && ca != '\\') {
			i++;
			j++;
			continue;
		}
		ca = key_byte(a, &i);
		cb = key_byte(b, &j);
		r = (int)utf16_rank(ca) - (int)utf16_rank(cb);
	}
	return r ? r : (i < an) - (j < bn);
}

/* Keys mostly differ in their first byte, which settles it unless either is an escape. */
static inline int key_order(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	if (an && bn && a[0] != b[0] && a[0] != '\\' && b[0] != '\\')
		return (int)utf16_rank(a[0]) - (int)utf16_rank(b[0]);
	return key_cmp(a, an, b, bn);
}

static const unsigned char *check_other(struct chk *c, const unsigned char *p, int depth);

/* Strings and integers are nearly every value: they are checked inline, the rest out of line. */
static inline __attribute__((always_inline)) const unsigned char *
check_value(struct chk *c, const unsigned char *p, int depth)
{
	const unsigned char *next;
	unsigned ch = p < c->end ? *p : 0;

	if (ch == '"')
		next = check_string(c, p);
	else if ((unsigned)(ch - '0') < 10 || ch == '-')
		next = check_number(c, p);
	else
		next = check_other(c, p, depth);
	return next;
}

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
			int cmp = key_order(prev, prevlen, key + 1, keylen);
			if (cmp >= 0) {
				fail(c, key, "%s",
				     cmp ? "key out of order (by UTF-16 code units)"
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
	return (size_t)(c->end - p) >= n && memcmp(p, lit, n) == 0 ? p + n
	                                                           : fail_expected(c, p, "a value");
}

static const unsigned char *check_other(struct chk *c, const unsigned char *p, int depth)
{
	const unsigned char *next;
	unsigned ch = p < c->end ? *p : 0;

	if (ch == '{')
		next = check_object(c, p, depth + 1, NULL, NULL);
	else if (ch == '[')
		next = check_array(c, p, depth + 1);
	else if (ch == 't')
		next = literal(c, p, "true", 4);
	else if (ch == 'f')
		next = literal(c, p, "false", 5);
	else if (ch == 'n')
		next = literal(c, p, "null", 4);
	else if (ch == '+')
		next = fail(c, p, "'+' is not allowed before a number");
	else
		next = fail_expected(c, p, "a value");
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
