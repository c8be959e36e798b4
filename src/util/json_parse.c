/* json_parse.c — JSON text to jansson values, for what the platform reads back from its own
 * store (documents, ledger leaves) on every lookup and every replayed record. jansson's
 * json_loadb spends some 200 instructions a byte (a stream read per character, a hashtable
 * per object grown key by key); this walks the bytes once. It accepts exactly what
 * json_loadb(s, n, 0) accepts, to the same values (fuzz_json checks that). */
#include "util/json_parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define PARSE_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef struct parser {
	const unsigned char *p, *end;
	char *tmp; /* a string's decoded bytes when it has escapes */
	size_t tmp_cap;
	int depth;
} parser;

static void skip_space(parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
}

static int hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9'   ? c - '0'
		                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
		                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                                         : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static bool tmp_room(parser *ps, size_t need)
{
	if (need > ps->tmp_cap) {
		size_t cap = ps->tmp_cap ? ps->tmp_cap : 256;
		char *t;
		while (cap < need)
			cap *= 2;
		if (!(t = realloc(ps->tmp, cap)))
			return false;
		ps->tmp = t;
		ps->tmp_cap = cap;
	}
	return true;
}

/* The code point of the \u escape at p (with the escape after it when the first is a high
 * surrogate), or -1; *used says how many bytes it took. */
static long unicode_escape(const unsigned char *p, const unsigned char *end, size_t *used)
{
	long v = end - p >= 6 ? hex4(p + 2) : -1;

	*used = 6;
	if (v >= 0xdc00 && v <= 0xdfff)
		return -1; /* a low surrogate alone */
	if (v >= 0xd800 && v <= 0xdbff) {
		long lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return -1;
		v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
		*used = 12;
	}
	return v == 0 ? -1 : v; /* "\u0000": jansson refuses it without JSON_ALLOW_NUL */
}

static size_t put_utf8(char *out, long v)
{
	if (v < 0x80) {
		out[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		out[0] = (char)(0xc0 | (v >> 6));
		out[1] = (char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		out[0] = (char)(0xe0 | (v >> 12));
		out[1] = (char)(0x80 | ((v >> 6) & 0x3f));
		out[2] = (char)(0x80 | (v & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (v >> 18));
	out[1] = (char)(0x80 | ((v >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((v >> 6) & 0x3f));
	out[3] = (char)(0x80 | (v & 0x3f));
	return 4;
}

/* The string at ps->p (its opening quote): *s and *n are its bytes, in the input itself
 * when it has no escape, else in ps->tmp. */
static bool read_string(parser *ps, const char **s, size_t *n)
{
	const unsigned char *start = ++ps->p, *p = start;
	size_t o = 0;
	bool escaped = false;

	for (;;) {
		/* plain ASCII: most of every string */
		while (p < ps->end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= ps->end || *p < 0x20)
			return false;
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			size_t k = qt_utf8_decode(p, (size_t)(ps->end - p), NULL);
			if (!k)
				return false;
			p += k;
			continue;
		}
		/* an escape: from here on the decoded bytes go to tmp */
		if (!escaped) {
			escaped = true;
			o = (size_t)(p - start);
			if (!tmp_room(ps, o + 16))
				return false;
			memcpy(ps->tmp, start, o);
		}
		break;
	}
	if (!escaped) {
		*s = (const char *)start;
		*n = (size_t)(p - start);
		ps->p = p + 1;
		return true;
	}
	while (p < ps->end && *p != '"') {
		size_t k = 1;
		if (!tmp_room(ps, o + 4))
			return false;
		if (*p < 0x20) {
			return false;
		} else if (*p == '\\') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *e = p + 1 < ps->end && p[1] ? strchr(from, p[1]) : NULL;
			if (e) {
				ps->tmp[o++] = to[e - from];
				k = 2;
			} else if (p + 1 < ps->end && p[1] == 'u') {
				long v = unicode_escape(p, ps->end, &k);
				if (v < 0)
					return false;
				o += put_utf8(ps->tmp + o, v);
			} else {
				return false;
			}
		} else if (*p >= 0x80) {
			if (!(k = qt_utf8_decode(p, (size_t)(ps->end - p), NULL)))
				return false;
			memcpy(ps->tmp + o, p, k);
			o += k;
		} else {
			ps->tmp[o++] = (char)*p;
		}
		p += k;
	}
	if (p >= ps->end)
		return false;
	*s = ps->tmp;
	*n = o;
	ps->p = p + 1;
	return true;
}

static json_t *read_number(parser *ps)
{
	const unsigned char *p = ps->p, *start = p;
	bool real = false;
	char text[64], *stop;
	json_t *v = NULL;

	if (p < ps->end && *p == '-')
		p++;
	if (p < ps->end && *p == '0')
		p++;
	else if (p < ps->end && *p >= '1' && *p <= '9')
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (p < ps->end && *p == '.') {
		real = true;
		if (++p >= ps->end || *p < '0' || *p > '9')
			return NULL;
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		real = true;
		if (++p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || *p < '0' || *p > '9')
			return NULL;
		while (p < ps->end && *p >= '0' && *p <= '9')
			p++;
	}
	/* a number longer than any in our own JSON: jansson's reading, whatever it is */
	if ((size_t)(p - start) >= sizeof text) {
		v = json_loadb((const char *)start, (size_t)(p - start), JSON_DECODE_ANY, NULL);
	} else {
		memcpy(text, start, (size_t)(p - start));
		text[p - start] = '\0';
		errno = 0;
		if (!real) {
			long long i = strtoll(text, &stop, 10);
			v = errno == ERANGE ? NULL : json_integer(i);
		} else {
			double d = strtod(text, &stop);
			v = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL) ? NULL
			                                                         : json_real(d);
		}
	}
	ps->p = p;
	return v;
}

static json_t *read_value(parser *ps);

static json_t *read_object(parser *ps)
{
	json_t *obj = json_object();

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return obj;
	}
	while (obj) {
		const char *key;
		size_t klen;
		json_t *v;
		char small[64], *k = small;

		skip_space(ps);
		if (ps->p >= ps->end || *ps->p != '"' || !read_string(ps, &key, &klen))
			goto fail;
		/* the key may sit in tmp, which the value's strings reuse */
		if (klen >= sizeof small && !(k = malloc(klen + 1)))
			goto fail;
		memcpy(k, key, klen);
		k[klen] = '\0';
		skip_space(ps);
		v = ps->p < ps->end && *ps->p == ':' ? (ps->p++, read_value(ps)) : NULL;
		if (!v || json_object_setn_new_nocheck(obj, k, klen, v) != 0) {
			if (k != small)
				free(k);
			goto fail;
		}
		if (k != small)
			free(k);
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return obj;
		}
		goto fail;
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *read_array(parser *ps)
{
	json_t *arr = json_array();

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return arr;
	}
	while (arr) {
		json_t *v = read_value(ps);
		if (!v || json_array_append_new(arr, v) != 0)
			break;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return arr;
		}
		break;
	}
	json_decref(arr);
	return NULL;
}

static json_t *literal(parser *ps, const char *word, size_t n, json_t *v)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return NULL;
	ps->p += n;
	return v;
}

static json_t *read_value(parser *ps)
{
	json_t *v = NULL;
	const char *s;
	size_t n;

	skip_space(ps);
	if (ps->p >= ps->end || ++ps->depth > PARSE_DEPTH)
		return NULL;
	switch (*ps->p) {
	case '{': v = read_object(ps); break;
	case '[': v = read_array(ps); break;
	case '"': v = read_string(ps, &s, &n) ? json_stringn_nocheck(s, n) : NULL; break;
	case 't': v = literal(ps, "true", 4, json_true()); break;
	case 'f': v = literal(ps, "false", 5, json_false()); break;
	case 'n': v = literal(ps, "null", 4, json_null()); break;
	default: v = read_number(ps); break;
	}
	ps->depth--;
	return v;
}

json_t *qt_json_parse(const char *s, size_t n, json_error_t *why)
{
	parser ps = {.p = (const unsigned char *)s, .end = (const unsigned char *)s + n};
	json_t *v = NULL;

	skip_space(&ps);
	/* an object or an array, as json_loadb wants without JSON_DECODE_ANY */
	if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '['))
		v = read_value(&ps);
	skip_space(&ps);
	if (v && ps.p != ps.end) {
		json_decref(v);
		v = NULL;
	}
	free(ps.tmp);
	/* the rare refusal is read again by jansson, for its message */
	if (!v && why) {
		json_t *theirs = json_loadb(s, n, 0, why);
		if (theirs) {
			json_decref(theirs);
			snprintf(why->text, sizeof why->text, "a NUL byte outside a string");
		}
	}
	return v;
}

/* ---- skimming: where a value ends, without building it ---- */

/* End of the JSON string whose text starts at s[i] (after its opening quote): the index of
 * its closing quote, or n. A quote ends it unless an odd run of backslashes escapes it. */
size_t qt_json_string_end(const char *s, size_t n, size_t i)
{
	size_t end = n;

	while (end == n && i < n) {
		const char *q = memchr(s + i, '"', n - i);
		size_t k = q ? (size_t)(q - s) : n, bs = 0;
		while (q && k - bs > i && s[k - bs - 1] == '\\')
			bs++;
		if (q && bs % 2 == 0)
			end = k;
		i = k + 1;
	}
	return end;
}

/* End of the JSON value that starts at s[i]: the index just after it. */
size_t qt_json_value_end(const char *s, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		char c = s[i];
		if (c == '"') {
			i = qt_json_string_end(s, n, i + 1) + 1;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth == 0)
			break; /* the end of the object this value is in */
		else if (c == '}' || c == ']')
			depth--;
		else if (c == ',' && depth == 0)
			break;
		i++;
	}
	return i < n ? i : n;
}
