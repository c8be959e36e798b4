/* test_jcs.c — RFC 8785 canonical JSON: the RFC's own examples, every escaping and ordering
 * rule, the refusals, and a seeded property test that the checker accepts exactly what the
 * encoder writes (and nothing a one-byte mutation makes of it, unless that is canonical too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"

#define BUF_MAX     (1u << 20)
#define MAX_SEEN    32
#define SEEN_KEY    512
#define SEEN_VALUE  4096
#define PROP_VALUES 5000

/* ---- helpers ---- */

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

/* What the member callback saw, copied out so tests can compare after the check. */
typedef struct seen {
	size_t n;
	size_t stop_at; /* return QT_ERR_NOTFOUND on this call (1-based); 0 = never */
	struct {
		char key[SEEN_KEY];
		size_t keylen;
		char value[SEEN_VALUE];
		size_t valuelen;
	} m[MAX_SEEN];
} seen;

static qt_rc record_member(void *ctx, const char *key, size_t keylen, const char *value,
                           size_t valuelen)
{
	seen *s = ctx;

	if (s->n >= MAX_SEEN || keylen > SEEN_KEY || valuelen > SEEN_VALUE)
		fail_msg("member %zu too big for the test's record", s->n);
	memcpy(s->m[s->n].key, key, keylen);
	s->m[s->n].keylen = keylen;
	memcpy(s->m[s->n].value, value, valuelen);
	s->m[s->n].valuelen = valuelen;
	s->n++;
	return s->stop_at == s->n ? QT_ERR_NOTFOUND : QT_OK;
}

static void assert_bytes(const char *got, size_t gotlen, const char *want, size_t wantlen)
{
	if (gotlen != wantlen || memcmp(got, want, wantlen) != 0)
		fail_msg("got %zu bytes \"%.*s\", want %zu bytes \"%.*s\"", gotlen, (int)gotlen,
		         got, wantlen, (int)wantlen, want);
}

static void assert_check_ok(const char *s, size_t n, seen *sn)
{
	qt_err err = {{0}};
	qt_rc rc = qt_jcs_check(s, n, sn ? record_member : NULL, sn, &err);

	if (rc != QT_OK)
		fail_msg("check refused \"%.*s\": %s", (int)n, s, err.msg);
}

static void assert_check_rejects_n(const char *s, size_t n, const char *want)
{
	qt_err err = {{0}};

	if (qt_jcs_check(s, n, NULL, NULL, &err) != QT_ERR_INVALID)
		fail_msg("check accepted \"%.*s\"", (int)n, s);
	assert_msg_has(err.msg, want);
}

#define assert_check_rejects(lit, want) assert_check_rejects_n(lit, sizeof(lit) - 1, want)
#define assert_check_ok_lit(lit)        assert_check_ok(lit, sizeof(lit) - 1, NULL)

/* Encodes v, which must give exactly want; then checks the output with the checker, standing
 * alone when it is an object and always as the value of {"v":...}, so every expected output
 * in this file is also proven acceptable to qt_jcs_check with the right member slice. */
static void encode_expect_n(json_t *v, const char *want, size_t wantlen)
{
	qt_buf out;
	qt_err err = {{0}};
	json_t *wrap = json_object();
	seen sn = {0};

	qt_buf_init(&out, BUF_MAX);
	if (qt_jcs_encode(v, &out, &err) != QT_OK)
		fail_msg("encode failed: %s", err.msg);
	assert_bytes(out.p, out.len, want, wantlen);
	if (json_is_object(v))
		assert_check_ok(out.p, out.len, NULL);

	qt_buf_reset(&out);
	assert_int_equal(json_object_set(wrap, "v", v), 0);
	assert_int_equal(qt_jcs_encode(wrap, &out, &err), QT_OK);
	assert_check_ok(out.p, out.len, &sn);
	assert_int_equal(sn.n, 1);
	assert_bytes(sn.m[0].key, sn.m[0].keylen, "v", 1);
	assert_bytes(sn.m[0].value, sn.m[0].valuelen, want, wantlen);

	json_decref(wrap);
	json_decref(v);
	qt_buf_free(&out);
}

#define encode_expect(v, lit) encode_expect_n(v, lit, sizeof(lit) - 1)

static void encode_refused(json_t *v, qt_rc want_rc, const char *want)
{
	qt_buf out;
	qt_err err = {{0}};

	qt_buf_init(&out, BUF_MAX);
	assert_int_equal(qt_buf_append(&out, "kept", 4), QT_OK);
	assert_int_equal(qt_jcs_encode(v, &out, &err), want_rc);
	assert_msg_has(err.msg, want);
	/* A failed encode leaves nothing half-written behind. */
	assert_bytes(out.p, out.len, "kept", 4);
	json_decref(v);
	qt_buf_free(&out);
}

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_ALLOW_NUL, &jerr);

	if (!v)
		fail_msg("test JSON does not parse: %s", jerr.text);
	return v;
}

/* ---- RFC 8785 examples ---- */

/* RFC 8785 §3.2.3: property sorting by UTF-16 code units. The emoji (UTF-16 D83D DE00) sorts
 * before U+FB33, the opposite of UTF-8 byte order. */
static void test_rfc8785_sorting(void **state)
{
	json_t *v = json_object();
	seen sn = {0};
	const char *want = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	                   "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	                   "\"\xe2\x82\xac\":\"Euro Sign\","
	                   "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	                   "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";

	(void)state;
	/* Inserted in the RFC's input order. */
	json_object_set_new(v, "\xe2\x82\xac", json_string("Euro Sign"));
	json_object_set_new(v, "\r", json_string("Carriage Return"));
	json_object_set_new(v, "\xef\xac\xb3", json_string("Hebrew Letter Dalet With Dagesh"));
	json_object_set_new(v, "1", json_string("One"));
	json_object_set_new(v, "\xf0\x9f\x98\x80", json_string("Emoji: Grinning Face"));
	json_object_set_new(v, "\xc2\x80", json_string("Control"));
	json_object_set_new(v, "\xc3\xb6", json_string("Latin Small Letter O With Diaeresis"));
	encode_expect_n(json_incref(v), want, strlen(want));

	assert_check_ok(want, strlen(want), &sn);
	assert_int_equal(sn.n, 7);
	assert_bytes(sn.m[0].key, sn.m[0].keylen, "\\r", 2);
	assert_bytes(sn.m[0].value, sn.m[0].valuelen, "\"Carriage Return\"", 17);
	assert_bytes(sn.m[5].key, sn.m[5].keylen, "\xf0\x9f\x98\x80", 4);
	assert_bytes(sn.m[6].key, sn.m[6].keylen, "\xef\xac\xb3", 3);
	json_decref(v);
}

/* RFC 8785 §3.2.2's example without its "numbers" member (floats are refused here). */
static void test_rfc8785_strings_and_literals(void **state)
{
	(void)state;
	encode_expect(
	        load("{\"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\", "
	             "\"literals\": [null, true, false]}"),
	        "{\"literals\":[null,true,false],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\"
	        "\\\\\\\"/\"}");
}

/* ---- encoder ---- */

static void test_control_characters(void **state)
{
	/* Written out rather than computed, so the test does not share the encoder's logic. */
	static const char *const want[0x20] = {
	        "\"\\u0000\"", "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"", "\"\\u0004\"",
	        "\"\\u0005\"", "\"\\u0006\"", "\"\\u0007\"", "\"\\b\"",     "\"\\t\"",
	        "\"\\n\"",     "\"\\u000b\"", "\"\\f\"",     "\"\\r\"",     "\"\\u000e\"",
	        "\"\\u000f\"", "\"\\u0010\"", "\"\\u0011\"", "\"\\u0012\"", "\"\\u0013\"",
	        "\"\\u0014\"", "\"\\u0015\"", "\"\\u0016\"", "\"\\u0017\"", "\"\\u0018\"",
	        "\"\\u0019\"", "\"\\u001a\"", "\"\\u001b\"", "\"\\u001c\"", "\"\\u001d\"",
	        "\"\\u001e\"", "\"\\u001f\"",
	};

	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char ch = (char)c;
		encode_expect_n(json_stringn(&ch, 1), want[c], strlen(want[c]));
	}
	/* Controls between other text: runs around escapes are kept whole. */
	encode_expect(json_stringn("a\0b\x1f\x7f"
	                           "c",
	                           6),
	              "\"a\\u0000b\\u001f\x7f"
	              "c\"");
}

static void test_string_escaping(void **state)
{
	(void)state;
	encode_expect(json_string(""), "\"\"");
	encode_expect(json_string("\""), "\"\\\"\"");
	encode_expect(json_string("\\"), "\"\\\\\"");
	encode_expect(json_string("\\\"\\"), "\"\\\\\\\"\\\\\"");
	/* JSON.stringify leaves '/', DEL and everything non-ASCII raw, U+2028/2029 included. */
	encode_expect(json_string("/"), "\"/\"");
	encode_expect(json_string("\x7f"), "\"\x7f\"");
	encode_expect(json_string("\xe2\x80\xa8\xe2\x80\xa9"), "\"\xe2\x80\xa8\xe2\x80\xa9\"");
	encode_expect(json_string("caf\xc3\xa9 \xe4\xb8\x80\xe7\xa0\x81 \xf0\x9f\x98\x80"),
	              "\"caf\xc3\xa9 \xe4\xb8\x80\xe7\xa0\x81 \xf0\x9f\x98\x80\"");
	encode_expect(json_string("\xef\xbf\xbf\xf4\x8f\xbf\xbf"),
	              "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
	encode_expect(json_string("<script>&'"), "\"<script>&'\"");
}

static void test_invalid_utf8_refused(void **state)
{
	json_t *v;

	(void)state;
	/* jansson's _nocheck constructors let unvalidated bytes in; the encoder must not pass
	 * them on, or the checker would refuse its own output. */
	encode_refused(json_stringn_nocheck("\xc0\xaf", 2), QT_ERR_INVALID,
	               "string byte 0: overlong UTF-8 sequence");
	encode_refused(json_stringn_nocheck("ab\xed\xa0\x80", 5), QT_ERR_INVALID,
	               "string byte 2: UTF-8 encoded surrogate");
	encode_refused(json_stringn_nocheck("\xf4\x90\x80\x80", 4), QT_ERR_INVALID,
	               "beyond U+10FFFF");
	encode_refused(json_stringn_nocheck("\xe2\x82", 2), QT_ERR_INVALID, "truncated");
	encode_refused(json_stringn_nocheck("\x80", 1), QT_ERR_INVALID, "continuation");
	v = json_object();
	json_object_setn_new_nocheck(v, "\xff", 1, json_null());
	encode_refused(v, QT_ERR_INVALID, "object key byte 0");
}

static void test_integers(void **state)
{
	(void)state;
	encode_expect(json_integer(0), "0");
	encode_expect(json_integer(-1), "-1");
	encode_expect(json_integer(7), "7");
	encode_expect(json_integer(-1234567890), "-1234567890");
	encode_expect(json_integer(9007199254740991LL), "9007199254740991");
	encode_expect(json_integer(-9007199254740991LL), "-9007199254740991");

	encode_refused(json_integer(9007199254740992LL), QT_ERR_INVALID,
	               "integer 9007199254740992 is beyond ±2^53−1");
	encode_refused(json_integer(9007199254740993LL), QT_ERR_INVALID,
	               "integer 9007199254740993 is beyond ±2^53−1");
	encode_refused(json_integer(-9007199254740992LL), QT_ERR_INVALID,
	               "integer -9007199254740992 is beyond ±2^53−1");
	encode_refused(json_integer(INT64_MAX), QT_ERR_INVALID, "is beyond");
	encode_refused(json_integer(INT64_MIN), QT_ERR_INVALID, "is beyond");
	encode_refused(load("{\"a\":[1,2,9007199254740993]}"), QT_ERR_INVALID, "is beyond");
}

static void test_reals_refused(void **state)
{
	json_t *v;

	(void)state;
	encode_refused(json_real(1.0), QT_ERR_INVALID,
	               "floating-point numbers are not allowed in ledger records");
	encode_refused(json_real(0.0), QT_ERR_INVALID, "floating-point");
	v = json_pack("{s:i,s:[i,f]}", "a", 1, "b", 2, 2.5);
	assert_non_null(v);
	encode_refused(v, QT_ERR_INVALID, "floating-point");
	encode_refused(load("{\"a\":1.0}"), QT_ERR_INVALID, "floating-point");
}

static void test_nested(void **state)
{
	(void)state;
	encode_expect(json_object(), "{}");
	encode_expect(json_array(), "[]");
	encode_expect(json_null(), "null");
	encode_expect(json_true(), "true");
	encode_expect(json_false(), "false");
	encode_expect(load("{\"b\": [1, [], {}, [[null]]], \"a\": {\"z\": null, \"y\": [true, "
	                   "false, \"s\"]}, \"\": \"empty\", \"c\": {\"\": {\"\": {}}}}"),
	              "{\"\":\"empty\",\"a\":{\"y\":[true,false,\"s\"],\"z\":null},"
	              "\"b\":[1,[],{},[[null]]],\"c\":{\"\":{\"\":{}}}}");
	/* Arrays keep their order; only object members are sorted. */
	encode_expect(load("[3, 1, 2, \"b\", \"a\"]"), "[3,1,2,\"b\",\"a\"]");
	/* More members than the encoder sorts on its stack. */
	encode_expect(
	        load("{\"t\":20,\"s\":19,\"r\":18,\"q\":17,\"p\":16,\"o\":15,\"n\":14,\"m\":13,"
	             "\"l\":12,\"k\":11,\"j\":10,\"i\":9,\"h\":8,\"g\":7,\"f\":6,\"e\":5,"
	             "\"d\":4,\"c\":3,\"b\":2,\"a\":1}"),
	        "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,"
	        "\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,\"p\":16,\"q\":17,"
	        "\"r\":18,\"s\":19,\"t\":20}");
}

/* Keys whose escaped forms sort differently from their decoded ones ("\n" vs "\u0001", "\""
 * vs "#"), prefixes, NUL, and the BMP-above-surrogates range against the supplementary plane.
 * Expected order computed on the side with python3, key=lambda k: k.encode('utf-16-be'). */
static void test_key_order(void **state)
{
	static const struct {
		const char *k;
		size_t n;
	} keys[] = {
	        /* listed in the expected order; inserted shuffled below */
	        {"", 0},
	        {"\0", 1},
	        {"\x01", 1},
	        {"\n", 1},
	        {"\x0b", 1},
	        {"\r", 1},
	        {"\x1f", 1},
	        {" ", 1},
	        {"!", 1},
	        {"\"", 1},
	        {"#", 1},
	        {"\\", 1},
	        {"a", 1},
	        {"ab", 2},
	        {"\xc3\xa9", 2},
	        {"\xed\x9f\xbf", 3},     /* U+D7FF */
	        {"\xf0\x90\x80\x80", 4}, /* U+10000 = D800 DC00 */
	        {"\xee\x80\x80", 3},     /* U+E000 */
	        {"\xef\xbf\xbf", 3},     /* U+FFFF */
	};
	const char *want = "{\"\":0,\"\\u0000\":1,\"\\u0001\":2,\"\\n\":3,\"\\u000b\":4,\"\\r\":5,"
	                   "\"\\u001f\":6,\" \":7,\"!\":8,\"\\\"\":9,\"#\":10,\"\\\\\":11,\"a\":12,"
	                   "\"ab\":13,\"\xc3\xa9\":14,\"\xed\x9f\xbf\":15,\"\xf0\x90\x80\x80\":16,"
	                   "\"\xee\x80\x80\":17,\"\xef\xbf\xbf\":18}";
	size_t nkeys = sizeof keys / sizeof keys[0];
	json_t *v = json_object();
	seen sn = {0};

	(void)state;
	for (size_t i = 0; i < nkeys; i++) {
		size_t j = (i * 7 + 3) % nkeys; /* 7 is coprime with 19: a permutation */
		assert_int_equal(
		        json_object_setn_new(v, keys[j].k, keys[j].n, json_integer((json_int_t)j)),
		        0);
	}
	encode_expect_n(v, want, strlen(want));
	assert_check_ok(want, strlen(want), &sn);
	assert_int_equal(sn.n, nkeys);
	assert_bytes(sn.m[1].key, sn.m[1].keylen, "\\u0000", 6);
	assert_bytes(sn.m[9].key, sn.m[9].keylen, "\\\"", 2);
	assert_bytes(sn.m[11].key, sn.m[11].keylen, "\\\\", 2);
	assert_bytes(sn.m[18].value, sn.m[18].valuelen, "18", 2);
}

static json_t *nest_arrays(int n)
{
	json_t *v = json_array();

	for (int i = 1; i < n; i++) {
		json_t *outer = json_array();
		json_array_append_new(outer, v);
		v = outer;
	}
	return v;
}

static void test_depth_limit(void **state)
{
	char text[200];
	qt_buf out;
	qt_err err = {{0}};
	json_t *v;
	size_t n = 0;

	(void)state;
	qt_buf_init(&out, BUF_MAX);
	v = nest_arrays(64);
	assert_int_equal(qt_jcs_encode(v, &out, &err), QT_OK);
	assert_int_equal(out.len, 128);
	json_decref(v);
	encode_refused(nest_arrays(65), QT_ERR_INVALID, "nesting deeper than 64");

	/* The top-level object counts: it and 63 arrays is the deepest the checker takes. */
	v = json_object();
	json_object_set_new(v, "a", nest_arrays(63));
	qt_buf_reset(&out);
	assert_int_equal(qt_jcs_encode(v, &out, &err), QT_OK);
	assert_check_ok(out.p, out.len, NULL);
	json_decref(v);
	v = json_object();
	json_object_set_new(v, "a", nest_arrays(64));
	encode_refused(v, QT_ERR_INVALID, "nesting deeper than 64");

	n += (size_t)snprintf(text, sizeof text, "{\"a\":");
	memset(text + n, '[', 64);
	memset(text + n + 64, ']', 64);
	n += 128;
	text[n++] = '}';
	assert_check_rejects_n(text, n, "offset 68: nesting deeper than 64");
	/* Objects count the same as arrays. */
	assert_check_rejects_n("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
	                       "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}",
	                       64 * 5 + 2, "nesting deeper than 64");
	qt_buf_free(&out);
}

static void test_toobig(void **state)
{
	qt_buf out;
	qt_err err = {{0}};
	json_t *v = load("{\"abc\":\"defghijk\"}"); /* 18 bytes canonical */

	(void)state;
	qt_buf_init(&out, 17);
	assert_int_equal(qt_jcs_encode(v, &out, &err), QT_ERR_TOOBIG);
	assert_msg_has(err.msg, "canonical JSON longer than 17 bytes");
	assert_int_equal(out.len, 0);
	qt_buf_free(&out);

	qt_buf_init(&out, 18);
	assert_int_equal(qt_jcs_encode(v, &out, &err), QT_OK);
	assert_bytes(out.p, out.len, "{\"abc\":\"defghijk\"}", 18);
	qt_buf_free(&out);

	/* Appending counts what is already there against the cap. */
	qt_buf_init(&out, 20);
	assert_int_equal(qt_buf_append(&out, "xyz", 3), QT_OK);
	assert_int_equal(qt_jcs_encode(v, &out, &err), QT_ERR_TOOBIG);
	assert_bytes(out.p, out.len, "xyz", 3);
	qt_buf_free(&out);
	json_decref(v);
}

/* ---- checker ---- */

static void test_check_accepts(void **state)
{
	(void)state;
	assert_check_ok_lit("{}");
	assert_check_ok_lit("{\"\":\"\"}");
	assert_check_ok_lit("{\"a\":[],\"b\":{},\"c\":[[],{}]}");
	assert_check_ok_lit("{\"a\":-9007199254740991,\"b\":9007199254740991,\"c\":0,\"d\":-1,"
	                    "\"e\":10,\"f\":-10}");
	assert_check_ok_lit(
	        "{\"\\u0000\":1,\"\\u001f\":\"\\b\\t\\n\\f\\r\\\"\\\\\x7f/\xe2\x80\xa8\"}");
	assert_check_ok_lit("{\"a\":\"\\u0000\",\"b\":[\"x\\u0000y\"]}");
	assert_check_ok_lit("{\"a\":[true,false,null,\"\",[],{}]}");
	assert_check_ok_lit("{\"\xf0\x9f\x98\x80\":1,\"\xef\xbf\xbf\":2}");
}

static void test_check_members(void **state)
{
	const char *doc = "{\"a\":\"abc\",\"b\":{\"x\":1,\"y\":{\"z\":[]}},\"c\":12,"
	                  "\"d\":[true,null,\"}\"],\"e\\n\":false,\"f\":-3}";
	seen sn = {0};
	qt_err err;

	(void)state;
	assert_check_ok(doc, strlen(doc), &sn);
	assert_int_equal(sn.n, 6);
	assert_bytes(sn.m[0].key, sn.m[0].keylen, "a", 1);
	assert_bytes(sn.m[0].value, sn.m[0].valuelen, "\"abc\"", 5);
	assert_bytes(sn.m[1].key, sn.m[1].keylen, "b", 1);
	assert_bytes(sn.m[1].value, sn.m[1].valuelen, "{\"x\":1,\"y\":{\"z\":[]}}", 20);
	assert_bytes(sn.m[2].value, sn.m[2].valuelen, "12", 2);
	assert_bytes(sn.m[3].value, sn.m[3].valuelen, "[true,null,\"}\"]", 15);
	assert_bytes(sn.m[4].key, sn.m[4].keylen, "e\\n", 3);
	assert_bytes(sn.m[4].value, sn.m[4].valuelen, "false", 5);
	assert_bytes(sn.m[5].value, sn.m[5].valuelen, "-3", 2);

	/* A callback's error stops the walk and comes back unchanged; err is the callback's. */
	memset(&sn, 0, sizeof sn);
	sn.stop_at = 2;
	strcpy(err.msg, "untouched");
	assert_int_equal(qt_jcs_check(doc, strlen(doc), record_member, &sn, &err), QT_ERR_NOTFOUND);
	assert_int_equal(sn.n, 2);
	assert_string_equal(err.msg, "untouched");

	/* Syntax after the stopping member is never reached; before it, it is. */
	memset(&sn, 0, sizeof sn);
	assert_int_equal(qt_jcs_check("{\"a\":1,\"b\":01}", 14, record_member, &sn, &err),
	                 QT_ERR_INVALID);
	assert_int_equal(sn.n, 1);
	assert_msg_has(err.msg, "offset 11: leading zero");

	/* fn may be NULL; err may be NULL. */
	assert_int_equal(qt_jcs_check(doc, strlen(doc), NULL, NULL, NULL), QT_OK);
	assert_int_equal(qt_jcs_check("{ }", 3, NULL, NULL, NULL), QT_ERR_INVALID);
}

static void test_check_rejects(void **state)
{
	(void)state;
	/* Shape. */
	assert_check_rejects("", "offset 0: unexpected end of input");
	assert_check_rejects("[]", "offset 0: expected '{'");
	assert_check_rejects("\"a\"", "offset 0: expected '{'");
	assert_check_rejects("1", "offset 0: expected '{'");
	assert_check_rejects("null", "offset 0: expected '{'");
	assert_check_rejects("{}x", "offset 2: trailing bytes");
	assert_check_rejects("{\"a\":1}{}", "offset 7: trailing bytes");
	assert_check_rejects("{\"a\":1}\0", "offset 7: trailing bytes");
	/* Whitespace, anywhere. */
	assert_check_rejects(" {}", "offset 0: whitespace is not allowed");
	assert_check_rejects("{ }", "offset 1: whitespace is not allowed");
	assert_check_rejects("{}\n", "offset 2: trailing bytes");
	assert_check_rejects("{\"a\": 1}", "offset 5: whitespace is not allowed");
	assert_check_rejects("{\"a\" :1}", "offset 4: whitespace is not allowed");
	assert_check_rejects("{\"a\":1 }", "offset 6: whitespace is not allowed");
	assert_check_rejects("{\"a\":1,\t\"b\":2}", "offset 7: whitespace is not allowed");
	assert_check_rejects("{\"a\":[1,\r2]}", "offset 8: whitespace is not allowed");
	/* Members. */
	assert_check_rejects("{\"b\":1,\"a\":2}", "offset 7: key out of order");
	assert_check_rejects("{\"a\":1,\"a\":2}", "offset 7: duplicate key");
	assert_check_rejects("{\"a\":1,\"\\u0061\":2}", "offset 8: \"\\u0061\" is not canonical");
	assert_check_rejects("{\"ab\":1,\"a\":2}", "key out of order");
	assert_check_rejects("{\"\xc3\xa9\":1,\"f\":2}", "key out of order");
	/* UTF-8 byte order is not UTF-16 order: U+FFFF sorts after U+1F600. */
	assert_check_rejects("{\"\xef\xbf\xbf\":1,\"\xf0\x9f\x98\x80\":2}", "key out of order");
	/* Escaped and raw forms order by what they decode to: "\n" (0x0a) after "\u0001". */
	assert_check_rejects("{\"\\n\":1,\"\\u0001\":2}", "key out of order");
	assert_check_rejects("{\"#\":1,\"\\\"\":2}", "key out of order");
	assert_check_rejects("{\"x\":{\"b\":1,\"a\":2}}", "offset 12: key out of order");
	assert_check_rejects("{\"x\":{\"a\":1,\"a\":2}}", "duplicate key");
	assert_check_rejects("{a:1}", "offset 1: expected '\"' or '}', found 'a'");
	assert_check_rejects("{\"a\":1,}", "offset 7: expected '\"' to start a key");
	assert_check_rejects("{,}", "offset 1: expected");
	assert_check_rejects("{\"a\"=1}", "offset 4: expected ':'");
	assert_check_rejects("{\"a\"1}", "expected ':'");
	assert_check_rejects("{\"a\":1;\"b\":2}", "offset 6: expected ',' or '}'");
	assert_check_rejects("{\"a\":[1,]}", "offset 8: expected a value");
	assert_check_rejects("{\"a\":[,1]}", "offset 6: expected a value");
	assert_check_rejects("{\"a\":[1}", "offset 7: expected ',' or ']'");
	assert_check_rejects("{\"a\":}", "offset 5: expected a value");
	/* Numbers. */
	assert_check_rejects("{\"a\":1.0}", "offset 5: floating-point numbers are not allowed");
	assert_check_rejects("{\"a\":0.5}", "floating-point");
	assert_check_rejects("{\"a\":1e2}", "floating-point");
	assert_check_rejects("{\"a\":1E2}", "floating-point");
	assert_check_rejects("{\"a\":-0.0}", "floating-point");
	assert_check_rejects("{\"a\":01}", "offset 5: leading zero in integer");
	assert_check_rejects("{\"a\":00}", "leading zero");
	assert_check_rejects("{\"a\":-01}", "leading zero");
	assert_check_rejects("{\"a\":-0}", "offset 5: -0 is not canonical");
	assert_check_rejects("{\"a\":+1}", "offset 5: '+' is not allowed");
	assert_check_rejects("{\"a\":-}", "offset 6: expected a digit, found '}'");
	assert_check_rejects("{\"a\":--1}", "expected a digit");
	assert_check_rejects("{\"a\":-a}", "expected a digit");
	assert_check_rejects("{\"a\":9007199254740992}", "offset 5: integer beyond ±2^53−1");
	assert_check_rejects("{\"a\":-9007199254740992}", "integer beyond");
	assert_check_rejects("{\"a\":10000000000000000}", "integer beyond");
	assert_check_rejects("{\"a\":99999999999999999999999}", "integer beyond");
	assert_check_rejects("{\"a\":0x10}", "offset 6: expected ',' or '}', found 'x'");
	assert_check_rejects("{\"a\":Infinity}", "expected a value");
	assert_check_rejects("{\"a\":NaN}", "expected a value");
	/* Literals. */
	assert_check_rejects("{\"a\":tru}", "offset 5: expected a value");
	assert_check_rejects("{\"a\":True}", "expected a value");
	assert_check_rejects("{\"a\":nul", "expected a value");
	assert_check_rejects("{\"a\":falsey}", "offset 10: expected ',' or '}'");
	assert_check_rejects("{\"a\":'x'}", "expected a value");
	/* Escapes. */
	assert_check_rejects("{\"a\":\"\\/\"}", "offset 6: \"\\/\" is not canonical");
	assert_check_rejects("{\"a\":\"x\\u0041\"}", "offset 7: \"\\u0041\" is not canonical");
	assert_check_rejects("{\"a\":\"\\u0020\"}", "\"\\u0020\" is not canonical");
	assert_check_rejects("{\"a\":\"\\u00e9\"}", "not canonical");
	assert_check_rejects("{\"a\":\"\\u20ac\"}", "not canonical");
	assert_check_rejects("{\"a\":\"\\ud83d\\ude00\"}", "not canonical");
	assert_check_rejects("{\"a\":\"\\u001F\"}", "uppercase hex in \\u escape");
	assert_check_rejects("{\"a\":\"\\u000A\"}", "uppercase hex");
	assert_check_rejects("{\"a\":\"\\U0001\"}", "invalid escape \"\\U\"");
	assert_check_rejects("{\"a\":\"\\u0008\"}", "\"\\u0008\" is not canonical: write \"\\b\"");
	assert_check_rejects("{\"a\":\"\\u0009\"}", "write \"\\t\"");
	assert_check_rejects("{\"a\":\"\\u000a\"}", "write \"\\n\"");
	assert_check_rejects("{\"a\":\"\\u000c\"}", "write \"\\f\"");
	assert_check_rejects("{\"a\":\"\\u000d\"}", "write \"\\r\"");
	assert_check_rejects("{\"a\":\"\\u0022\"}", "not canonical");
	assert_check_rejects("{\"a\":\"\\u005c\"}", "not canonical");
	assert_check_rejects("{\"a\":\"\\x41\"}", "invalid escape \"\\x\"");
	assert_check_rejects("{\"a\":\"\\'\"}", "invalid escape");
	assert_check_rejects("{\"a\":\"\\\x01\"}", "invalid escape: byte 0x01");
	assert_check_rejects("{\"a\":\"\\u00g0\"}", "invalid \\u escape");
	assert_check_rejects("{\"a\":\"\\u00\"}", "invalid \\u escape");
	/* Raw controls. */
	assert_check_rejects("{\"a\":\"\x01\"}", "offset 6: raw control character 0x01");
	assert_check_rejects("{\"a\":\"x\ty\"}", "offset 7: raw control character 0x09");
	assert_check_rejects("{\"a\":\"\n\"}", "raw control character 0x0a");
	assert_check_rejects("{\"a\":\"\0\"}", "raw control character 0x00");
	assert_check_rejects("{\"\x1f\":1}", "offset 2: raw control character 0x1f");
	/* UTF-8. */
	assert_check_rejects("{\"a\":\"\xff\"}",
	                     "offset 6: invalid UTF-8: bytes 0xf5-0xff never occur");
	assert_check_rejects("{\"a\":\"\xf5\x80\x80\x80\"}", "never occur");
	assert_check_rejects("{\"a\":\"\x80\"}", "unexpected continuation byte");
	assert_check_rejects("{\"a\":\"\xbf\"}", "unexpected continuation byte");
	assert_check_rejects("{\"a\":\"\xc0\xaf\"}", "overlong UTF-8 sequence");
	assert_check_rejects("{\"a\":\"\xc1\xbf\"}", "overlong");
	assert_check_rejects("{\"a\":\"\xe0\x80\xaf\"}", "overlong");
	assert_check_rejects("{\"a\":\"\xe0\x9f\xbf\"}", "overlong");
	assert_check_rejects("{\"a\":\"\xf0\x80\x80\xaf\"}", "overlong");
	assert_check_rejects("{\"a\":\"\xf0\x8f\xbf\xbf\"}", "overlong");
	assert_check_rejects("{\"a\":\"\xed\xa0\x80\"}", "offset 6: UTF-8 encoded surrogate");
	assert_check_rejects("{\"a\":\"\xed\xbf\xbf\"}", "UTF-8 encoded surrogate");
	assert_check_rejects("{\"a\":\"\xf4\x90\x80\x80\"}", "code point beyond U+10FFFF");
	assert_check_rejects("{\"a\":\"\xc3\"}", "missing continuation byte");
	assert_check_rejects("{\"a\":\"\xe2\x82\"}", "missing continuation byte");
	assert_check_rejects("{\"a\":\"\xf0\x9f\x98\"}", "missing continuation byte");
	assert_check_rejects("{\"a\":\"\xe2\x82\xac\xac\"}", "unexpected continuation byte");
	assert_check_rejects("{\"\xc3\x28\":1}", "offset 2: invalid UTF-8: missing continuation");
	/* Truncation. */
	assert_check_rejects("{", "offset 1: unexpected end of input");
	assert_check_rejects("{\"", "offset 2: unexpected end of input in string");
	assert_check_rejects("{\"a", "unexpected end of input in string");
	assert_check_rejects("{\"a\"", "offset 4: unexpected end of input");
	assert_check_rejects("{\"a\":", "offset 5: unexpected end of input");
	assert_check_rejects("{\"a\":1", "offset 6: unexpected end of input");
	assert_check_rejects("{\"a\":-", "offset 6: unexpected end of input");
	assert_check_rejects("{\"a\":[", "unexpected end of input");
	assert_check_rejects("{\"a\":[1", "unexpected end of input");
	assert_check_rejects("{\"a\":\"\\", "unexpected end of input in escape");
	assert_check_rejects("{\"a\":\"\\u00", "unexpected end of input in \\u escape");
	assert_check_rejects("{\"a\":\"\xe2\x82", "truncated UTF-8 sequence");
	assert_check_rejects("{\"a\":tr", "expected a value");
}

/* ---- property test ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnd(rng *r) /* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(rng *r, unsigned n)
{
	return (unsigned)(rnd(r) % n);
}

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t random_codepoint(rng *r)
{
	uint32_t cp;

	switch (below(r, 10)) {
	case 0:
	case 1:
	case 2: return 0x20 + below(r, 0x5f);
	case 3: return below(r, 0x20);
	case 4: return "\"\\/\x7f"[below(r, 4)];
	case 5: return 0x80 + below(r, 0x780);
	case 6:
		cp = 0x800 + below(r, 0xf800);
		return cp >= 0xd800 && cp <= 0xdfff ? cp - 0x800 : cp;
	case 7: return 0xe000 + below(r, 0x2000);
	case 8: return below(r, 2) ? 0x2028 + below(r, 2) : 0xfff0 + below(r, 16);
	default: return 0x10000 + below(r, 0x100000);
	}
}

/* Keys come partly from a small set of pieces so that objects get prefixes, near-collisions
 * and the UTF-16/UTF-8 order disagreements; jansson cannot load NUL in keys, so none here. */
static size_t random_key(rng *r, char *out)
{
	static const char *const pieces[] = {
	        "",
	        "a",
	        "ab",
	        "b",
	        "\n",
	        "\x01",
	        "\"",
	        "\\",
	        "#",
	        "\xee\x80\x80",
	        "\xf0\x90\x80\x80",
	        "\xef\xbf\xbf",
	        "\xed\x9f\xbf",
	        "\xc3\xa9",
	        "\x1f",
	        " ",
	};
	size_t n = 0;
	unsigned count;

	if (below(r, 2)) {
		count = 1 + below(r, 2);
		for (unsigned i = 0; i < count; i++) {
			const char *p = pieces[below(r, sizeof pieces / sizeof pieces[0])];
			memcpy(out + n, p, strlen(p));
			n += strlen(p);
		}
		return n;
	}
	count = below(r, 6);
	for (unsigned i = 0; i < count; i++) {
		uint32_t cp = random_codepoint(r);
		n += put_utf8(cp == 0 ? 1 : cp, out + n);
	}
	return n;
}

static json_int_t random_int(rng *r)
{
	const json_int_t max = 9007199254740991LL;

	switch (below(r, 5)) {
	case 0: return (json_int_t)below(r, 201) - 100;
	case 1: return below(r, 2) ? max : -max;
	case 2: return (json_int_t)(rnd(r) % (2 * (uint64_t)max + 1)) - max;
	case 3: return (json_int_t)(rnd(r) % 100000) * (below(r, 2) ? 1 : -1);
	default: return (json_int_t)below(r, 10);
	}
}

static json_t *random_value(rng *r, int depth);

static json_t *random_object(rng *r, int depth, unsigned max_members)
{
	json_t *v = json_object();
	unsigned n = below(r, max_members + 1);
	char key[64];

	for (unsigned i = 0; i < n; i++) {
		size_t klen = random_key(r, key);
		json_object_setn_new(v, key, klen, random_value(r, depth + 1));
	}
	return v;
}

static json_t *random_value(rng *r, int depth)
{
	char s[64];
	size_t n = 0;
	unsigned kind = below(r, depth >= 4 ? 6 : 8);
	json_t *v;

	switch (kind) {
	case 0: return json_null();
	case 1: return json_boolean(below(r, 2));
	case 2:
	case 3: return json_integer(random_int(r));
	case 4:
	case 5:
		for (unsigned i = below(r, 12); i > 0; i--)
			n += put_utf8(random_codepoint(r), s + n);
		return json_stringn(s, n);
	case 6:
		v = json_array();
		for (unsigned i = below(r, 5); i > 0; i--)
			json_array_append_new(v, random_value(r, depth + 1));
		return v;
	default: return random_object(r, depth, 5);
	}
}

/* The test's own decoding of a raw key, independent of the checker's comparison. */
static size_t unescape_key(const char *raw, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = raw[i];
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		c = raw[++i];
		switch (c) {
		case 'b': out[o++] = '\b'; break;
		case 't': out[o++] = '\t'; break;
		case 'n': out[o++] = '\n'; break;
		case 'f': out[o++] = '\f'; break;
		case 'r': out[o++] = '\r'; break;
		case 'u': {
			char hex[5] = {raw[i + 1], raw[i + 2], raw[i + 3], raw[i + 4], 0};
			out[o++] = (char)strtoul(hex, NULL, 16);
			i += 4;
			break;
		}
		default: out[o++] = c;
		}
	}
	return o;
}

static size_t to_utf16(const char *s, size_t n, uint16_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	while (i < n) {
		uint32_t cp;
		if (p[i] < 0x80) {
			cp = p[i];
			i += 1;
		} else if (p[i] < 0xe0) {
			cp = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
			i += 2;
		} else if (p[i] < 0xf0) {
			cp = (uint32_t)(p[i] & 0x0f) << 12 | (uint32_t)(p[i + 1] & 0x3f) << 6 |
			     (p[i + 2] & 0x3f);
			i += 3;
		} else {
			cp = (uint32_t)(p[i] & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3f) << 12 |
			     (uint32_t)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
			i += 4;
		}
		if (cp >= 0x10000) {
			out[o++] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			out[o++] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			out[o++] = (uint16_t)cp;
		}
	}
	return o;
}

static int utf16_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	uint16_t ua[SEEN_KEY], ub[SEEN_KEY];
	size_t na = to_utf16(a, an, ua), nb = to_utf16(b, bn, ub);

	for (size_t i = 0; i < na && i < nb; i++)
		if (ua[i] != ub[i])
			return ua[i] < ub[i] ? -1 : 1;
	return (na > nb) - (na < nb);
}

static void encode_buf(const json_t *v, qt_buf *out)
{
	qt_err err = {{0}};

	qt_buf_reset(out);
	if (qt_jcs_encode(v, out, &err) != QT_OK)
		fail_msg("encode failed: %s", err.msg);
}

/* The members the checker reported are the object's, in strict UTF-16 order, each value
 * slice being that member's canonical value. */
static void verify_members(const json_t *v, const seen *sn)
{
	char key[SEEN_KEY], prev[SEEN_KEY];
	size_t klen, plen = 0;
	json_error_t jerr;

	assert_int_equal(sn->n, json_object_size(v));
	for (size_t i = 0; i < sn->n; i++) {
		json_t *member, *want;

		klen = unescape_key(sn->m[i].key, sn->m[i].keylen, key);
		if (i > 0 && utf16_cmp(prev, plen, key, klen) >= 0)
			fail_msg("member %zu out of UTF-16 order", i);
		want = json_object_getn(v, key, klen);
		assert_non_null(want);
		member = json_loadb(sn->m[i].value, sn->m[i].valuelen,
		                    JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!member)
			fail_msg("member value does not parse: %s", jerr.text);
		assert_true(json_equal(member, want));
		json_decref(member);
		memcpy(prev, key, klen);
		plen = klen;
	}
}

/* A mutated encoding is either refused or is itself canonical: what it parses to encodes
 * back to exactly those bytes. Returns 1 when the checker accepted it. */
static int check_mutant(const char *m, size_t n, qt_buf *again)
{
	qt_err err = {{0}};
	json_error_t jerr;
	json_t *v;

	if (qt_jcs_check(m, n, NULL, NULL, &err) != QT_OK) {
		if (err.msg[0] == '\0')
			fail_msg("refusal without a message");
		return 0;
	}
	v = json_loadb(m, n, JSON_ALLOW_NUL, &jerr);
	if (!v) {
		/* Canonical JSON that jansson cannot hold: a mutation made "\u0000" in a key. */
		if (json_error_code(&jerr) != json_error_null_byte_in_key)
			fail_msg("checker accepted \"%.*s\", jansson refused: %s", (int)n, m,
			         jerr.text);
		return 1;
	}
	encode_buf(v, again);
	assert_bytes(again->p, again->len, m, n);
	json_decref(v);
	return 1;
}

static void test_property_roundtrip(void **state)
{
	static const char interesting[] = "\"\\,:{}[]01-9uenlt .e\x7f\x80\xbf\xc3\xed\xef\xf0\xf4";
	rng r = {0x5eed1e55c0ffee01ULL};
	qt_buf out, again;
	char *mut;
	unsigned long accepted = 0, mutants = 0;
	json_error_t jerr;

	(void)state;
	qt_buf_init(&out, BUF_MAX);
	qt_buf_init(&again, BUF_MAX);
	for (int i = 0; i < PROP_VALUES; i++) {
		json_t *v = random_object(&r, 0, 8), *back;
		seen sn = {0};

		encode_buf(v, &out);
		assert_check_ok(out.p, out.len, &sn);
		verify_members(v, &sn);

		back = json_loadb(out.p, out.len, JSON_ALLOW_NUL, &jerr);
		if (!back)
			fail_msg("encoding #%d does not parse: %s", i, jerr.text);
		assert_true(json_equal(v, back));
		encode_buf(back, &again);
		assert_bytes(again.p, again.len, out.p, out.len);
		json_decref(back);

		/* No proper prefix of a canonical object is one. */
		if (i < 500)
			for (size_t n = 0; n < out.len; n++)
				assert_int_equal(qt_jcs_check(out.p, n, NULL, NULL, NULL),
				                 QT_ERR_INVALID);

		mut = malloc(out.len);
		assert_non_null(mut);
		for (int k = 0; k < 8; k++) {
			size_t pos = below(&r, (unsigned)out.len);
			unsigned char b;

			memcpy(mut, out.p, out.len);
			do {
				b = below(&r, 2)
				            ? (unsigned char)
				                      interesting[below(&r, sizeof interesting - 1)]
				            : (unsigned char)below(&r, 256);
			} while (b == (unsigned char)mut[pos]);
			mut[pos] = (char)b;
			accepted += (unsigned long)check_mutant(mut, out.len, &again);
			mutants++;
		}
		free(mut);
		json_decref(v);
	}
	print_message("%lu of %lu one-byte mutants were still canonical (and re-encoded "
	              "identically)\n",
	              accepted, mutants);
	qt_buf_free(&out);
	qt_buf_free(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc8785_sorting),
	        cmocka_unit_test(test_rfc8785_strings_and_literals),
	        cmocka_unit_test(test_control_characters),
	        cmocka_unit_test(test_string_escaping),
	        cmocka_unit_test(test_invalid_utf8_refused),
	        cmocka_unit_test(test_integers),
	        cmocka_unit_test(test_reals_refused),
	        cmocka_unit_test(test_nested),
	        cmocka_unit_test(test_key_order),
	        cmocka_unit_test(test_depth_limit),
	        cmocka_unit_test(test_toobig),
	        cmocka_unit_test(test_check_accepts),
	        cmocka_unit_test(test_check_members),
	        cmocka_unit_test(test_check_rejects),
	        cmocka_unit_test(test_property_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
