/* test_note.c — signed notes and checkpoints: key text round trips, interop vectors from Go's
 * golang.org/x/mod/sumdb/note tests and a known answer computed with Python's cryptography,
 * the exact signature line, every way verify must refuse a note, and every parser error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/note.h"

/* Interop vectors: golang.org/x/mod/sumdb/note/note_test.go. */
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT                                                                                    \
	"If you think cryptography is the answer to your problem,\n"                               \
	"then you don't know what your problem is.\n"
#define PETER_SIG                                                                                  \
	"\xe2\x80\x94 PeterNeumann "                                                               \
	"x08go/ZJkuBS9UG/"                                                                         \
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="             \
	"\n"
#define ENOCH_SIG                                                                                  \
	"\xe2\x80\x94 EnochRoot "                                                                  \
	"rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"                                             \
	"5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="                                         \
	"\n"

/* Known answer from Python's cryptography (seed 00 01 .. 1f, name qtrace.example/log). */
#define KAT_NAME "qtrace.example/log"
#define KAT_ID   0x1d93f42fu
#define KAT_VKEY KAT_NAME "+1d93f42f+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
#define KAT_SKEY "PRIVATE+KEY+" KAT_NAME "+1d93f42f+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
#define KAT_TEXT KAT_NAME "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
#define KAT_SIG                                                                                    \
	"\xe2\x80\x94 " KAT_NAME " HZP0LzwWzfijGAyH9kUfT2Wj7EUfg2Xm/"                              \
	"sHVmneaMJ19KNt2XfOcNAUVfN2TTUBnXn6viPsNVFusAgwgaoTiyfb8QQc="                              \
	"\n"

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

static void assert_verifier_eq(const qt_verifier *a, const qt_verifier *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->key_id, b->key_id);
	assert_memory_equal(a->pk, b->pk, sizeof a->pk);
}

static void assert_signer_eq(const qt_signer *a, const qt_signer *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->key_id, b->key_id);
	assert_memory_equal(a->pk, b->pk, sizeof a->pk);
	assert_memory_equal(a->sk, b->sk, sizeof a->sk);
}

static qt_verifier vparse(const char *s)
{
	qt_verifier v;
	qt_err err = {{0}};

	if (qt_note_verifier_parse(s, strlen(s), &v, &err) != QT_OK)
		fail_msg("verifier %s: %s", s, err.msg);
	return v;
}

static qt_signer sparse(const char *s)
{
	qt_signer k;
	qt_err err = {{0}};

	if (qt_note_signer_parse(s, strlen(s), &k, &err) != QT_OK)
		fail_msg("signer %s: %s", s, err.msg);
	return k;
}

static qt_rc verify_str(const qt_verifier *v, const char *note, size_t *tlen, qt_err *err)
{
	return qt_note_verify(v, note, strlen(note), tlen, err);
}

/* Verify must fail with rc and a message containing want. */
static void expect_verify_fail(const qt_verifier *v, const char *note, size_t n, qt_rc rc,
                               const char *want)
{
	qt_err err = {{0}};
	size_t tlen = 12345;

	assert_int_equal(qt_note_verify(v, note, n, &tlen, &err), rc);
	assert_int_equal(tlen, 12345); /* untouched on failure */
	assert_msg_has(err.msg, want);
}

static void test_keygen_round_trip(void **state)
{
	qt_signer s, s2;
	qt_verifier v, v2;
	qt_err err = {{0}};
	char stext[256], vtext[256], small[40];
	char note[QT_NOTE_MAX + 1];
	size_t nlen = 0, tlen = 0;
	char prefix[64];

	(void)state;
	assert_int_equal(qt_note_keygen("example.com/log", &s, &err), QT_OK);
	qt_note_verifier_of(&s, &v);
	assert_string_equal(v.name, "example.com/log");
	assert_int_equal(v.key_id, s.key_id);
	assert_memory_equal(v.pk, s.pk, 32);
	assert_memory_equal(s.sk + 32, s.pk, 32); /* libsodium: sk = seed || pk */

	assert_int_equal(qt_note_signer_format(&s, stext, sizeof stext), QT_OK);
	assert_int_equal(qt_note_verifier_format(&v, vtext, sizeof vtext), QT_OK);
	snprintf(prefix, sizeof prefix, "PRIVATE+KEY+example.com/log+%08x+A", (unsigned)s.key_id);
	assert_int_equal(strncmp(stext, prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(stext), strlen(prefix) - 1 + 44);
	snprintf(prefix, sizeof prefix, "example.com/log+%08x+A", (unsigned)s.key_id);
	assert_int_equal(strncmp(vtext, prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(vtext), strlen(prefix) - 1 + 44);

	assert_int_equal(qt_note_signer_parse(stext, strlen(stext), &s2, &err), QT_OK);
	assert_signer_eq(&s2, &s);
	assert_int_equal(qt_note_verifier_parse(vtext, strlen(vtext), &v2, &err), QT_OK);
	assert_verifier_eq(&v2, &v);

	/* Keys from the parsed forms work together. */
	assert_int_equal(qt_note_sign(&s2, "hello\n", 6, note, sizeof note, &nlen, &err), QT_OK);
	assert_int_equal(qt_note_verify(&v2, note, nlen, &tlen, &err), QT_OK);
	assert_int_equal(tlen, 6);

	/* A buffer too small gets nothing, in particular no part of the secret. */
	memset(small, 'z', sizeof small);
	assert_int_equal(qt_note_signer_format(&s, small, sizeof small), QT_ERR_TOOBIG);
	assert_int_equal(small[0], '\0');
	assert_null(memchr(small, 'A', sizeof small));
	assert_int_equal(qt_note_verifier_format(&v, small, sizeof small), QT_ERR_TOOBIG);
	assert_int_equal(qt_note_verifier_format(&v, vtext, strlen(vtext)), QT_ERR_TOOBIG);
	assert_int_equal(qt_note_verifier_format(&v, vtext, strlen(prefix) - 1 + 45), QT_OK);

	/* Two keys are different keys. */
	assert_int_equal(qt_note_keygen("example.com/log", &s2, &err), QT_OK);
	assert_memory_not_equal(s2.pk, s.pk, 32);

	qt_note_signer_wipe(&s);
	for (size_t i = 0; i < sizeof s.sk; i++)
		assert_int_equal(s.sk[i], 0);
	assert_int_equal(s.name[0], '\0');
	qt_note_signer_wipe(&s2);
}

static void expect_keygen_fail(const char *name, const char *want)
{
	qt_signer s;
	qt_err err = {{0}};

	assert_int_equal(qt_note_keygen(name, &s, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, want);
}

static void test_keygen_bad_names(void **state)
{
	char long_name[QT_NOTE_NAME_MAX + 2];
	qt_signer s;
	qt_err err = {{0}};

	(void)state;
	expect_keygen_fail("", "key: key name is empty");
	expect_keygen_fail("a+b", "key: key name contains '+' at byte 1");
	expect_keygen_fail("a b", "key name contains a space at byte 1");
	expect_keygen_fail("a\tb", "key name contains a space at byte 1");
	expect_keygen_fail("ab\xc2\xa0", "key name contains a space at byte 2");    /* NBSP */
	expect_keygen_fail("a\xe3\x80\x80", "key name contains a space at byte 1"); /* U+3000 */
	expect_keygen_fail("a\xe2\x80\xa8", "key name contains a space at byte 1"); /* U+2028 */
	expect_keygen_fail("a\x01", "key name contains control character 0x01 at byte 1");
	expect_keygen_fail("a\xff", "key name is not valid UTF-8 at byte 1");
	expect_keygen_fail("\xc0\xaf", "not valid UTF-8 at byte 0");     /* overlong '/' */
	expect_keygen_fail("\xed\xa0\x80", "not valid UTF-8 at byte 0"); /* surrogate */
	expect_keygen_fail("\xf4\x90\x80\x80", "not valid UTF-8");       /* above U+10FFFF */
	expect_keygen_fail("a\xe2\x80", "not valid UTF-8 at byte 1");    /* truncated */

	memset(long_name, 'n', sizeof long_name);
	long_name[QT_NOTE_NAME_MAX + 1] = '\0';
	expect_keygen_fail(long_name, "key name is 129 bytes, longer than 128");
	long_name[QT_NOTE_NAME_MAX] = '\0';
	assert_int_equal(qt_note_keygen(long_name, &s, &err), QT_OK);
	qt_note_signer_wipe(&s);
	/* Non-ASCII names are fine. */
	assert_int_equal(qt_note_keygen("溯源.example/日志", &s, &err), QT_OK);
	qt_note_signer_wipe(&s);
}

static void test_go_interop(void **state)
{
	qt_signer s = sparse(PETER_SKEY);
	qt_verifier v = vparse(PETER_VKEY), vs, enoch = vparse(ENOCH_VKEY);
	char buf[QT_NOTE_MAX + 1];
	size_t nlen = 0, tlen = 0;
	qt_err err = {{0}};
	const char *both = GO_TEXT "\n" PETER_SIG ENOCH_SIG;
	const char *mangled =
	        GO_TEXT "\n\xe2\x80\x94 PeterNeumann "
	                "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZIABCDnNIuGUgYN1FFYC2pZSNXgK"
	                "vqfqdngotpRZb6KE6RyyBwJnAM=\n";

	(void)state;
	assert_string_equal(s.name, "PeterNeumann");
	assert_int_equal(s.key_id, 0xc74f20a3u);
	assert_int_equal(v.key_id, 0xc74f20a3u);
	assert_int_equal(enoch.key_id, 0xaf0cfe78u);
	qt_note_verifier_of(&s, &vs);
	assert_verifier_eq(&vs, &v);

	assert_int_equal(qt_note_signer_format(&s, buf, sizeof buf), QT_OK);
	assert_string_equal(buf, PETER_SKEY);
	assert_int_equal(qt_note_verifier_format(&v, buf, sizeof buf), QT_OK);
	assert_string_equal(buf, PETER_VKEY);

	/* Go's TestSign: byte-exact output. */
	assert_int_equal(qt_note_sign(&s, GO_TEXT, strlen(GO_TEXT), buf, sizeof buf, &nlen, &err),
	                 QT_OK);
	assert_string_equal(buf, GO_TEXT "\n" PETER_SIG);
	assert_int_equal(nlen, strlen(GO_TEXT "\n" PETER_SIG));

	/* Go's TestOpen: each key finds its own line among both. */
	assert_int_equal(verify_str(&v, both, &tlen, &err), QT_OK);
	assert_int_equal(tlen, strlen(GO_TEXT));
	tlen = 0;
	assert_int_equal(verify_str(&enoch, both, &tlen, &err), QT_OK);
	assert_int_equal(tlen, strlen(GO_TEXT));
	assert_int_equal(verify_str(&enoch, GO_TEXT "\n" ENOCH_SIG PETER_SIG, &tlen, &err), QT_OK);

	/* Duplicated lines, and an Enoch line whose signature is mangled: not ours, ignored. */
	assert_int_equal(
	        verify_str(&v,
	                   GO_TEXT
	                   "\n" PETER_SIG PETER_SIG ENOCH_SIG ENOCH_SIG
	                   "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+"
	                   "MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n",
	                   &tlen, &err),
	        QT_OK);

	/* Go's "invalid signature": four base64 characters inserted into Peter's own line. */
	expect_verify_fail(&v, mangled, strlen(mangled), QT_ERR_INVALID,
	                   "signature by PeterNeumann (key id c74f20a3) does not verify");
	/* Enoch alone: nothing by Peter. */
	expect_verify_fail(&v, GO_TEXT "\n" ENOCH_SIG, strlen(GO_TEXT "\n" ENOCH_SIG),
	                   QT_ERR_INVALID, "no valid signature by PeterNeumann");
}

/* Go's TestNewVerifier / TestNewSigner: no substring and no single-byte increment of a key
 * text is accepted. */
static void mangle_all(const char *key, bool signer)
{
	char b[256];
	size_t n = strlen(key);
	qt_signer s;
	qt_verifier v;
	qt_rc rc;

	memcpy(b, key, n + 1);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i + 1; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			rc = signer ? qt_note_signer_parse(b + i, j - i, &s, NULL)
			            : qt_note_verifier_parse(b + i, j - i, &v, NULL);
			if (rc == QT_OK)
				fail_msg("accepted %.*s", (int)(j - i), b + i);
		}
	}
	for (size_t i = 0; i < n; i++) {
		b[i]++;
		rc = signer ? qt_note_signer_parse(b, n, &s, NULL)
		            : qt_note_verifier_parse(b, n, &v, NULL);
		if (rc == QT_OK)
			fail_msg("accepted %s", b);
		b[i]--;
	}
}

static void test_key_manglings(void **state)
{
	(void)state;
	mangle_all(PETER_VKEY, false);
	mangle_all(PETER_SKEY, true);
	mangle_all(KAT_VKEY, false);
	mangle_all(KAT_SKEY, true);
}

static void test_fixed_seed_known_answer(void **state)
{
	qt_signer s = sparse(KAT_SKEY), s2;
	qt_verifier v = vparse(KAT_VKEY), vs;
	uint8_t seed[32], pk[32], sk[64];
	char a[QT_NOTE_MAX + 1], b[QT_NOTE_MAX + 1];
	size_t alen = 0, blen = 0, tlen = 0;
	qt_err err = {{0}};

	(void)state;
	/* The parsed key is exactly libsodium's key for that seed. */
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_memory_equal(s.pk, pk, 32);
	assert_memory_equal(s.sk, sk, 64);
	assert_int_equal(s.key_id, KAT_ID);
	assert_string_equal(s.name, KAT_NAME);
	qt_note_verifier_of(&s, &vs);
	assert_verifier_eq(&vs, &v);

	/* Ed25519 is deterministic: same text, same note, byte for byte the known answer. */
	assert_int_equal(qt_note_sign(&s, KAT_TEXT, strlen(KAT_TEXT), a, sizeof a, &alen, &err),
	                 QT_OK);
	assert_int_equal(qt_note_sign(&s, KAT_TEXT, strlen(KAT_TEXT), b, sizeof b, &blen, &err),
	                 QT_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_string_equal(a, KAT_TEXT "\n" KAT_SIG);
	assert_int_equal(qt_note_verify(&v, a, alen, &tlen, &err), QT_OK);
	assert_int_equal(tlen, strlen(KAT_TEXT));

	/* Signing in place (text already in the output buffer) gives the same note. */
	memcpy(b, KAT_TEXT, strlen(KAT_TEXT));
	assert_int_equal(qt_note_sign(&s, b, strlen(KAT_TEXT), b, sizeof b, &blen, &err), QT_OK);
	assert_string_equal(b, a);

	/* Upper-case hex in the key id is read (Go reads it too). */
	s2 = sparse("PRIVATE+KEY+" KAT_NAME
	            "+1D93F42F+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f");
	assert_signer_eq(&s2, &s);
	qt_note_signer_wipe(&s);
	qt_note_signer_wipe(&s2);
}

static void test_signature_line_format(void **state)
{
	qt_signer s;
	char note[QT_NOTE_MAX + 1];
	const char *text = "origin\n7\nline three ünïcödé\n";
	size_t n = strlen(text), nlen = 0;
	const char *line, *b64;
	uint8_t blob[80];
	size_t blob_len = 0;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(qt_note_keygen("log.example/a", &s, &err), QT_OK);
	memset(note, 'z', sizeof note);
	assert_int_equal(qt_note_sign(&s, text, n, note, sizeof note, &nlen, &err), QT_OK);
	assert_memory_equal(note, text, n);
	assert_int_equal(note[n], '\n');
	line = note + n + 1;
	assert_memory_equal(line, "\xe2\x80\x94 log.example/a ", 4 + 13 + 1);
	b64 = line + 4 + 13 + 1;
	assert_int_equal(nlen, (size_t)(b64 - note) + 92 + 1);
	assert_int_equal(note[nlen - 1], '\n');
	assert_int_equal(note[nlen], '\0');
	assert_int_equal(sodium_base642bin(blob, sizeof blob, b64, 92, NULL, &blob_len, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	assert_int_equal(blob_len, 68);
	assert_int_equal((uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	                         (uint32_t)blob[2] << 8 | blob[3],
	                 s.key_id);
	assert_int_equal(crypto_sign_verify_detached(blob + 4, (const uint8_t *)text, n, s.pk), 0);
	qt_note_signer_wipe(&s);
}

static void expect_sign_fail(const qt_signer *s, const char *text, size_t n, size_t outsz, qt_rc rc,
                             const char *want)
{
	static char out[2 * QT_NOTE_MAX];
	size_t nlen = 777;
	qt_err err = {{0}};

	assert_int_equal(qt_note_sign(s, text, n, out, outsz, &nlen, &err), rc);
	assert_int_equal(nlen, 777);
	assert_msg_has(err.msg, want);
}

static void test_sign_errors(void **state)
{
	qt_signer s = sparse(KAT_SKEY), bad;
	static char big[QT_NOTE_MAX];
	size_t full = strlen(KAT_TEXT "\n" KAT_SIG), room;

	(void)state;
	expect_sign_fail(&s, "", 0, 4096, QT_ERR_INVALID, "note text is empty");
	expect_sign_fail(&s, "abc", 3, 4096, QT_ERR_INVALID,
	                 "note text does not end with a newline");
	expect_sign_fail(&s, "a\n\nb\n", 5, 4096, QT_ERR_INVALID,
	                 "note text has an empty line at byte 2");
	expect_sign_fail(&s, "a\nb\n\n", 5, 4096, QT_ERR_INVALID,
	                 "note text has an empty line at byte 4");
	expect_sign_fail(&s, "\nabc\n", 5, 4096, QT_ERR_INVALID,
	                 "note text starts with an empty line");
	expect_sign_fail(&s, "\n", 1, 4096, QT_ERR_INVALID, "starts with an empty line");
	expect_sign_fail(&s, "a\xff\n", 3, 4096, QT_ERR_INVALID,
	                 "note text: not valid UTF-8 at byte 1");
	expect_sign_fail(&s, "a\tb\n", 4, 4096, QT_ERR_INVALID,
	                 "note text: control character 0x09 at byte 1");
	expect_sign_fail(&s, "a\r\n", 3, 4096, QT_ERR_INVALID, "control character 0x0d");
	expect_sign_fail(&s, "a\0b\n", 4, 4096, QT_ERR_INVALID, "control character 0x00");

	/* Output buffer: the note and its NUL must fit. */
	expect_sign_fail(&s, KAT_TEXT, strlen(KAT_TEXT), full, QT_ERR_TOOBIG, "cannot hold the");
	{
		char out[512];
		size_t nlen = 0;
		qt_err err = {{0}};

		assert_int_equal(
		        qt_note_sign(&s, KAT_TEXT, strlen(KAT_TEXT), out, full + 1, &nlen, &err),
		        QT_OK);
		assert_int_equal(nlen, full);
	}

	/* The whole note must stay within what verify accepts. */
	room = QT_NOTE_MAX - (1 + 4 + strlen(KAT_NAME) + 1 + 92 + 1);
	memset(big, 'a', sizeof big);
	big[room - 1] = '\n';
	{
		char out[QT_NOTE_MAX + 1];
		size_t nlen = 0, tlen = 0;
		qt_err err = {{0}};
		qt_verifier v = vparse(KAT_VKEY);

		assert_int_equal(qt_note_sign(&s, big, room, out, sizeof out, &nlen, &err), QT_OK);
		assert_int_equal(nlen, QT_NOTE_MAX);
		assert_int_equal(qt_note_verify(&v, out, nlen, &tlen, &err), QT_OK);
		assert_int_equal(tlen, room);
	}
	big[room - 1] = 'a';
	big[room] = '\n';
	expect_sign_fail(&s, big, room + 1, sizeof big * 2, QT_ERR_TOOBIG,
	                 "signed note would be 4097 bytes, over the 4096-byte limit");

	/* A signer struct with a broken name is a caller bug. */
	bad = s;
	strcpy(bad.name, "bad name");
	expect_sign_fail(&bad, "x\n", 2, 4096, QT_ERR_USAGE, "invalid key name");
	qt_note_signer_wipe(&s);
	qt_note_signer_wipe(&bad);
}

/* b64 of blob into a signature line for name. */
static void make_sig_line(char *out, size_t outsz, const char *name, const uint8_t *blob, size_t n)
{
	char b64[128];

	sodium_bin2base64(b64, sizeof b64, blob, n, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outsz, "\xe2\x80\x94 %s %s\n", name, b64);
}

static void test_verify_rejects(void **state)
{
	qt_signer s = sparse(KAT_SKEY), other;
	qt_verifier v = vparse(KAT_VKEY), forged;
	const char *good = KAT_TEXT "\n" KAT_SIG;
	size_t n = strlen(good), tn = strlen(KAT_TEXT);
	char note[QT_NOTE_MAX + 2], line[256];
	uint8_t blob[68];
	size_t blob_len = 0, tlen = 0;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(verify_str(&v, good, &tlen, &err), QT_OK);

	/* Any single bit flipped in the text. */
	for (size_t i = 0; i < tn; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(note, good, n);
			note[i] = (char)(note[i] ^ (1 << bit));
			assert_int_not_equal(qt_note_verify(&v, note, n, &tlen, NULL), QT_OK);
		}
	}
	memcpy(note, good, n);
	note[0] = 'Q';
	expect_verify_fail(&v, note, n, QT_ERR_INVALID,
	                   "signature by " KAT_NAME " (key id 1d93f42f) does not verify");

	/* Any single bit flipped in the signature proper (re-encoded as valid base64). */
	assert_int_equal(sodium_base642bin(blob, sizeof blob,
	                                   good + tn + 1 + 4 + strlen(KAT_NAME) + 1, 92, NULL,
	                                   &blob_len, NULL, sodium_base64_VARIANT_ORIGINAL),
	                 0);
	for (size_t i = 4; i < 68; i++) {
		for (int bit = 0; bit < 8; bit++) {
			blob[i] ^= (uint8_t)(1 << bit);
			make_sig_line(line, sizeof line, KAT_NAME, blob, 68);
			snprintf(note, sizeof note, "%s\n%s", KAT_TEXT, line);
			expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID,
			                   "does not verify");
			blob[i] ^= (uint8_t)(1 << bit);
		}
	}
	/* A flipped key id makes it someone else's line: ignored, so nothing verifies. */
	blob[2] ^= 1;
	make_sig_line(line, sizeof line, KAT_NAME, blob, 68);
	snprintf(note, sizeof note, "%s\n%s", KAT_TEXT, line);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID,
	                   "no valid signature by " KAT_NAME);
	blob[2] ^= 1;
	/* Right key, wrong length signature. */
	make_sig_line(line, sizeof line, KAT_NAME, blob, 67);
	snprintf(note, sizeof note, "%s\n%s", KAT_TEXT, line);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, "does not verify");

	/* Another key under the same name has another key id: not our line. */
	assert_int_equal(qt_note_keygen(KAT_NAME, &other, &err), QT_OK);
	qt_note_verifier_of(&other, &forged);
	expect_verify_fail(&forged, good, n, QT_ERR_INVALID, "no valid signature by " KAT_NAME);
	/* Same name and key id but another public key (a key id collision): fails. */
	forged.key_id = v.key_id;
	expect_verify_fail(&forged, good, n, QT_ERR_INVALID, "does not verify");
	/* Same key, other name: not our line. */
	forged = v;
	strcpy(forged.name, "qtrace.example/log2");
	expect_verify_fail(&forged, good, n, QT_ERR_INVALID,
	                   "no valid signature by qtrace.example/log2");

	/* Every truncation. */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(qt_note_verify(&v, good, i, &tlen, NULL), QT_OK);
	expect_verify_fail(&v, good, n - 1, QT_ERR_INVALID,
	                   "note: last signature line does not end with a newline");
	expect_verify_fail(&v, good, tn + 1, QT_ERR_INVALID, "note: no signature lines");
	expect_verify_fail(&v, good, tn, QT_ERR_INVALID,
	                   "note: no blank line before the signatures");
	expect_verify_fail(&v, good, 0, QT_ERR_INVALID, "no blank line");

	/* Missing blank line; text without final newline. */
	snprintf(note, sizeof note, "%s%s", KAT_TEXT, KAT_SIG);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, "no blank line");
	expect_verify_fail(&v, "abc\n" KAT_SIG, strlen("abc\n" KAT_SIG), QT_ERR_INVALID,
	                   "no blank line");
	/* Extra garbage after, or in front of, the note. */
	snprintf(note, sizeof note, "%sgarbage\n", good);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID,
	                   "note: signature line 2 does not start with an em dash (U+2014)");
	snprintf(note, sizeof note, "%sx", good);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, "does not end with a newline");
	snprintf(note, sizeof note, "%s\n", good);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, "no signature lines");
	snprintf(note, sizeof note, "\x01%s", good);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID,
	                   "note: control character 0x01 at byte 0");
	snprintf(note, sizeof note, "\xff%s", good);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID,
	                   "note: not valid UTF-8 at byte 0");
	memcpy(note, good, n);
	note[n - 1] = '\r';
	expect_verify_fail(&v, note, n, QT_ERR_INVALID, "control character 0x0d");

	/* Too long. */
	memset(note, 'a', sizeof note);
	expect_verify_fail(&v, note, QT_NOTE_MAX + 1, QT_ERR_TOOBIG,
	                   "note is 4097 bytes, over the 4096-byte limit");
	qt_note_signer_wipe(&s);
	qt_note_signer_wipe(&other);
}

static void expect_bad_line(const char *line, const char *want)
{
	qt_verifier v = vparse(KAT_VKEY);
	char note[1024];

	/* Malformed lines fail the note even next to a good signature. */
	snprintf(note, sizeof note, "%s\n%s%s", KAT_TEXT, KAT_SIG, line);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, want);
	snprintf(note, sizeof note, "%s\n%s%s", KAT_TEXT, line, KAT_SIG);
	expect_verify_fail(&v, note, strlen(note), QT_ERR_INVALID, want);
}

static void test_verify_bad_lines(void **state)
{
	(void)state;
	expect_bad_line("- x AAAAAAAA\n", "does not start with an em dash (U+2014) and a space");
	expect_bad_line("\xe2\x80\x94x AAAAAAAA\n", "does not start with an em dash");
	expect_bad_line("\xe2\x80\x94\n", "does not start with an em dash");
	expect_bad_line("\xe2\x80\x94 other\n", "no space between key name and signature");
	expect_bad_line("\xe2\x80\x94  AAAAAAAA\n", "key name is empty");
	expect_bad_line("\xe2\x80\x94 a+b AAAAAAAA\n", "key name contains '+'");
	expect_bad_line("\xe2\x80\x94 a\xc2\xa0 AAAAAAAA\n", "key name contains a space");
	expect_bad_line("\xe2\x80\x94 other \n", "signature is not valid base64");
	expect_bad_line("\xe2\x80\x94 other AAAAAAA\n", "signature is not valid base64");
	expect_bad_line("\xe2\x80\x94 other AAAAAAAA \n", "signature is not valid base64");
	expect_bad_line("\xe2\x80\x94 Bad Name AAAAAAAA\n", "signature is not valid base64");
	/* Non-zero bits after the last byte: RFC 4648 3.5 lets decoders refuse them. */
	expect_bad_line("\xe2\x80\x94 other AAAAAAB=\n", "signature is not valid base64");
	expect_bad_line("\xe2\x80\x94 other AAAAAAAAAAA\n", "signature is not valid base64");
	expect_bad_line("\xe2\x80\x94 other AAAAAA==\n",
	                "signature is 4 bytes, too short for a key id and a signature");
	/* Go's malformed notes. */
	{
		qt_verifier v = vparse(PETER_VKEY);
		const char *bad[] = {
		        GO_TEXT,
		        GO_TEXT "\n",
		        "\x01" GO_TEXT "\n" PETER_SIG,
		        "\xff" GO_TEXT "\n" PETER_SIG,
		        GO_TEXT
		        "\n\xe2\x80\x94 Bad Name "
		        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
		        "dngotpRZb6KE6RyyBwJnAM=",
		        GO_TEXT "\n" PETER_SIG "Unexpected line.\n",
		};
		size_t tlen = 0;

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			assert_int_equal(verify_str(&v, bad[i], &tlen, NULL), QT_ERR_INVALID);
		assert_int_equal(qt_note_verify(&v, GO_TEXT "\n" PETER_SIG,
		                                strlen(GO_TEXT "\n" PETER_SIG) - 1, &tlen, NULL),
		                 QT_ERR_INVALID);
	}
}

static void test_verify_spec_cases(void **state)
{
	qt_signer s = sparse(KAT_SKEY);
	qt_verifier v = vparse(KAT_VKEY);
	char note[QT_NOTE_MAX + 1], line[256];
	uint8_t blob[68];
	const char *text = "para one\n\npara two\n";
	size_t tlen = 0;
	qt_err err = {{0}};

	(void)state;
	/* The spec lets a text hold empty lines (we never sign one, but others may): the text
	 * ends at the last blank line. */
	blob[0] = (uint8_t)(KAT_ID >> 24);
	blob[1] = (uint8_t)(KAT_ID >> 16);
	blob[2] = (uint8_t)(KAT_ID >> 8);
	blob[3] = (uint8_t)KAT_ID;
	crypto_sign_detached(blob + 4, NULL, (const uint8_t *)text, strlen(text), s.sk);
	make_sig_line(line, sizeof line, KAT_NAME, blob, sizeof blob);
	snprintf(note, sizeof note, "%s\n%s", text, line);
	assert_int_equal(verify_str(&v, note, &tlen, &err), QT_OK);
	assert_int_equal(tlen, strlen(text));

	/* Unknown keys' lines of any length are ignored, before or after ours. */
	snprintf(note, sizeof note,
	         "%s\n\xe2\x80\x94 someone.else AAAAAAAAAAA=\n%s\xe2\x80\x94 w\xc3\xa4tness %s\n",
	         KAT_TEXT, KAT_SIG,
	         "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8P"
	         "T4/"
	         "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9g");
	assert_int_equal(verify_str(&v, note, &tlen, &err), QT_OK);
	assert_int_equal(tlen, strlen(KAT_TEXT));
	/* Sixteen signatures (the spec's minimum) fit in a note. */
	{
		size_t pos = (size_t)snprintf(note, sizeof note, "%s\n", KAT_TEXT);

		for (int i = 0; i < 15; i++)
			pos += (size_t)snprintf(note + pos, sizeof note - pos,
			                        "\xe2\x80\x94 witness%02d.example.org/w %s", i,
			                        strchr(KAT_SIG, ' ') + 1 + strlen(KAT_NAME) + 1);
		pos += (size_t)snprintf(note + pos, sizeof note - pos, "%s", KAT_SIG);
		assert_true(pos < sizeof note);
		assert_int_equal(verify_str(&v, note, &tlen, &err), QT_OK);
	}
	qt_note_signer_wipe(&s);
}

static void expect_vkey_fail(const char *text, const char *want)
{
	qt_verifier v;
	qt_err err = {{0}};

	assert_int_equal(qt_note_verifier_parse(text, strlen(text), &v, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, want);
}

static void expect_skey_fail(const char *text, const char *want)
{
	qt_signer s;
	qt_err err = {{0}};

	assert_int_equal(qt_note_signer_parse(text, strlen(text), &s, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, want);
}

static void test_verifier_parse_errors(void **state)
{
	char buf[512];

	(void)state;
	expect_vkey_fail("", "verifier key: expected <name>+<key id>+<base64 key>");
	expect_vkey_fail("PeterNeumann", "expected <name>+<key id>+<base64 key>");
	expect_vkey_fail("PeterNeumann+c74f20a3", "expected <name>+<key id>+<base64 key>");
	expect_vkey_fail("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "verifier key: key name is empty");
	expect_vkey_fail("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key name contains a space at byte 5");
	expect_vkey_fail("Peter\xffNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key name is not valid UTF-8 at byte 5");
	memset(buf, 'n', 129);
	snprintf(buf + 129, sizeof buf - 129,
	         "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
	expect_vkey_fail(buf, "key name is 129 bytes, longer than 128");
	expect_vkey_fail("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "verifier key: key id must be 8 hex digits");
	expect_vkey_fail("PeterNeumann+c74f20a30+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key id must be 8 hex digits");
	expect_vkey_fail("PeterNeumann+c74f2g a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key id must be 8 hex digits");
	expect_vkey_fail("PeterNeumann+0xf20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key id must be 8 hex digits");
	expect_vkey_fail("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
	                 "verifier key: key must be 44 base64 characters, got 43");
	expect_vkey_fail("PeterNeumann+c74f20a3+", "key must be 44 base64 characters, got 0");
	expect_vkey_fail("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
	                 "key must be 44 base64 characters, got 45");
	/* Go: wrong length key, with adjusted key hash. */
	expect_vkey_fail(
	        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
	        "key must be 44 base64 characters, got 52");
	expect_vkey_fail("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",
	                 "verifier key: key is not valid base64");
	expect_vkey_fail("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy1===",
	                 "key is not valid base64");
	/* Go: unknown algorithm, with adjusted key hash. */
	expect_vkey_fail("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "verifier key: unknown signature algorithm 0x65 (want 0x01, Ed25519)");
	expect_vkey_fail("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "unknown signature algorithm 0x02");
	expect_vkey_fail("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "verifier key: key id c74f20a4 does not match the key (c74f20a3)");
	expect_vkey_fail("PeterNeumanN+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                 "key id c74f20a3 does not match the key");
	/* A small-order point, with its correct key id: no signature could ever verify. */
	expect_vkey_fail("zero+fca26672+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	                 "verifier key: not a valid Ed25519 public key");
	/* Embedded NUL. */
	{
		qt_verifier v;
		qt_err err = {{0}};
		const char k[] = "Peter\0Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
		                 "LDE4izWy10TW";

		assert_int_equal(qt_note_verifier_parse(k, sizeof k - 1, &v, &err), QT_ERR_INVALID);
		assert_msg_has(err.msg, "control character 0x00 at byte 5");
	}
}

static void test_signer_parse_errors(void **state)
{
	qt_signer s;
	qt_err err = {{0}};

	(void)state;
	expect_skey_fail("", "signer key: does not start with \"PRIVATE+KEY+\"");
	expect_skey_fail("PRIVATE+KEY", "does not start with \"PRIVATE+KEY+\"");
	expect_skey_fail(
	        "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	        "does not start with");
	/* A verifier key is not a signer key. */
	expect_skey_fail(PETER_VKEY, "does not start with");
	expect_skey_fail("PRIVATE+KEY+", "signer key: expected <name>+<key id>+<base64 key>");
	expect_skey_fail("PRIVATE+KEY+PeterNeumann+c74f20a3",
	                 "expected <name>+<key id>+<base64 key>");
	expect_skey_fail("PRIVATE+KEY++c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	                 "signer key: key name is empty");
	expect_skey_fail("PRIVATE+KEY+Peter\tNeumann+c74f20a3+"
	                 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	                 "key name contains a space at byte 5");
	expect_skey_fail(
	        "PRIVATE+KEY+PeterNeumann+c74f20a+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	        "signer key: key id must be 8 hex digits");
	expect_skey_fail(
	        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
	        "signer key: key must be 44 base64 characters, got 43");
	expect_skey_fail(
	        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF*",
	        "signer key: key is not valid base64");
	expect_skey_fail(
	        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	        "signer key: unknown signature algorithm 0x02 (want 0x01, Ed25519)");
	expect_skey_fail(
	        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	        "signer key: key id c74f20a4 does not match the key (c74f20a3)");
	expect_skey_fail(
	        "PRIVATE+KEY+EnochRoot+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
	        "does not match the key");
	/* Failure leaves *out alone. */
	memset(&s, 0x5a, sizeof s);
	assert_int_equal(qt_note_signer_parse("PRIVATE+KEY+", 12, &s, &err), QT_ERR_INVALID);
	assert_int_equal(s.sk[0], 0x5a);
}

static void assert_checkpoint_eq(const qt_checkpoint *a, const qt_checkpoint *b)
{
	assert_string_equal(a->origin, b->origin);
	assert_int_equal(a->size, b->size);
	assert_memory_equal(a->root.b, b->root.b, QT_HASH_LEN);
}

static void test_checkpoint_round_trip(void **state)
{
	/* The example from c2sp.org/tlog-checkpoint. */
	const char *spec = "example.com/behind-the-sofa\n20852163\n"
	                   "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	qt_checkpoint c, c2;
	char out[512];
	size_t outlen = 0;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(qt_checkpoint_parse(spec, strlen(spec), &c, &err), QT_OK);
	assert_string_equal(c.origin, "example.com/behind-the-sofa");
	assert_int_equal(c.size, 20852163);
	assert_int_equal(c.root.b[0], 0x0a);
	assert_int_equal(c.root.b[31], 0x62);
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_OK);
	assert_string_equal(out, spec);
	assert_int_equal(outlen, strlen(spec));

	/* Edge sizes. */
	memset(&c, 0, sizeof c);
	strcpy(c.origin, "o");
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_OK);
	assert_string_equal(out, "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	c.size = UINT64_MAX;
	memset(c.root.b, 0xff, sizeof c.root.b);
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_OK);
	assert_string_equal(out, "o\n18446744073709551615\n"
	                         "//////////////////////////////////////////8=\n");
	assert_int_equal(qt_checkpoint_parse(out, outlen, &c2, &err), QT_OK);
	assert_checkpoint_eq(&c2, &c);

	/* Extension lines are allowed and skipped. */
	snprintf(out, sizeof out, "%sext one\n\xe6\x89\xa9\xe5\xb1\x95\n", spec);
	assert_int_equal(qt_checkpoint_parse(out, strlen(out), &c2, &err), QT_OK);
	assert_int_equal(c2.size, 20852163);

	/* Format: buffer sizes and bad origins. */
	assert_int_equal(qt_checkpoint_parse(spec, strlen(spec), &c, &err), QT_OK);
	outlen = 99;
	assert_int_equal(qt_checkpoint_format(&c, out, strlen(spec), &outlen), QT_ERR_TOOBIG);
	assert_int_equal(outlen, 99);
	assert_int_equal(out[0], '\0');
	assert_int_equal(qt_checkpoint_format(&c, out, strlen(spec) + 1, &outlen), QT_OK);
	strcpy(c.origin, "");
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_ERR_USAGE);
	strcpy(c.origin, "a\nb");
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_ERR_USAGE);
	strcpy(c.origin, "a\xff");
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_ERR_USAGE);
	memset(c.origin, 'o', sizeof c.origin); /* no NUL */
	assert_int_equal(qt_checkpoint_format(&c, out, sizeof out, &outlen), QT_ERR_USAGE);
}

static void expect_cp_fail(const char *text, qt_rc rc, const char *want)
{
	qt_checkpoint c;
	qt_err err = {{0}};

	memset(&c, 0x5a, sizeof c);
	assert_int_equal(qt_checkpoint_parse(text, strlen(text), &c, &err), rc);
	assert_msg_has(err.msg, want);
	assert_int_equal(c.size, 0x5a5a5a5a5a5a5a5aull);
}

#define ROOT "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

static void test_checkpoint_parse_errors(void **state)
{
	char buf[QT_NOTE_MAX + 8];

	(void)state;
	expect_cp_fail("", QT_ERR_INVALID, "checkpoint: missing origin line");
	expect_cp_fail("o", QT_ERR_INVALID, "checkpoint: does not end with a newline");
	expect_cp_fail("o\n1\n" ROOT, QT_ERR_INVALID, "does not end with a newline");
	expect_cp_fail("o\n", QT_ERR_INVALID, "checkpoint: missing tree size line");
	expect_cp_fail("o\n1\n", QT_ERR_INVALID, "checkpoint: missing root hash line");
	expect_cp_fail("\n1\n" ROOT "\n", QT_ERR_INVALID, "checkpoint: origin line is empty");
	memset(buf, 'o', 129);
	snprintf(buf + 129, sizeof buf - 129, "\n1\n" ROOT "\n");
	expect_cp_fail(buf, QT_ERR_INVALID, "checkpoint: origin is 129 bytes, longer than 128");
	expect_cp_fail("o\n\n" ROOT "\n", QT_ERR_INVALID, "checkpoint: tree size line is empty");
	expect_cp_fail("o\n01\n" ROOT "\n", QT_ERR_INVALID,
	               "checkpoint: tree size has a leading zero");
	expect_cp_fail("o\n00\n" ROOT "\n", QT_ERR_INVALID, "leading zero");
	expect_cp_fail("o\n1a\n" ROOT "\n", QT_ERR_INVALID,
	               "checkpoint: tree size has a non-digit at byte 1");
	expect_cp_fail("o\n-1\n" ROOT "\n", QT_ERR_INVALID, "non-digit at byte 0");
	expect_cp_fail("o\n+1\n" ROOT "\n", QT_ERR_INVALID, "non-digit at byte 0");
	expect_cp_fail("o\n 1\n" ROOT "\n", QT_ERR_INVALID, "non-digit at byte 0");
	expect_cp_fail("o\n18446744073709551616\n" ROOT "\n", QT_ERR_INVALID,
	               "checkpoint: tree size does not fit in 64 bits");
	expect_cp_fail("o\n99999999999999999999\n" ROOT "\n", QT_ERR_INVALID,
	               "does not fit in 64 bits");
	expect_cp_fail("o\n1\n\n", QT_ERR_INVALID, "checkpoint: root hash is not valid base64");
	expect_cp_fail("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", QT_ERR_INVALID,
	               "root hash is not valid base64");
	expect_cp_fail("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", QT_ERR_INVALID,
	               "root hash is not valid base64");
	expect_cp_fail("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", QT_ERR_INVALID,
	               "root hash is not valid base64"); /* non-zero trailing bits */
	expect_cp_fail("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", QT_ERR_INVALID,
	               "checkpoint: root hash is 31 bytes, want 32");
	expect_cp_fail("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Jr\n", QT_ERR_INVALID,
	               "root hash is 33 bytes, want 32");
	expect_cp_fail("o\n1\n" ROOT "\n\n", QT_ERR_INVALID,
	               "checkpoint: extension line 1 is empty");
	expect_cp_fail("o\n1\n" ROOT "\next\n\n", QT_ERR_INVALID, "extension line 2 is empty");
	expect_cp_fail("o\n1\n" ROOT "\next", QT_ERR_INVALID, "does not end with a newline");
	expect_cp_fail("o\t\n1\n" ROOT "\n", QT_ERR_INVALID,
	               "checkpoint: control character 0x09 at byte 1");
	expect_cp_fail("o\xc3\n1\n" ROOT "\n", QT_ERR_INVALID,
	               "checkpoint: not valid UTF-8 at byte 1");
	expect_cp_fail("o\r\n1\r\n" ROOT "\r\n", QT_ERR_INVALID, "control character 0x0d");
	memset(buf, 'e', sizeof buf);
	memcpy(buf, "o\n1\n" ROOT "\n", 4 + 44 + 1);
	buf[QT_NOTE_MAX] = '\n';
	buf[QT_NOTE_MAX + 1] = '\0';
	expect_cp_fail(buf, QT_ERR_TOOBIG, "checkpoint: 4097 bytes, over the 4096-byte limit");
	buf[QT_NOTE_MAX - 1] = '\n';
	{
		qt_checkpoint c;
		qt_err err = {{0}};

		assert_int_equal(qt_checkpoint_parse(buf, QT_NOTE_MAX, &c, &err), QT_OK);
	}
}

/* The way the log uses both halves: sign a checkpoint, verify, parse the signed prefix. */
static void test_signed_checkpoint(void **state)
{
	qt_signer s;
	qt_verifier v;
	qt_checkpoint c, c2;
	char body[256], note[QT_NOTE_MAX + 1];
	size_t blen = 0, nlen = 0, tlen = 0;
	qt_err err = {{0}};

	(void)state;
	assert_int_equal(qt_note_keygen("qtrace.example/log", &s, &err), QT_OK);
	qt_note_verifier_of(&s, &v);
	memset(&c, 0, sizeof c);
	strcpy(c.origin, "qtrace.example/log");
	c.size = 1234567;
	crypto_hash_sha256(c.root.b, (const uint8_t *)"root", 4);
	assert_int_equal(qt_checkpoint_format(&c, body, sizeof body, &blen), QT_OK);
	assert_int_equal(qt_note_sign(&s, body, blen, note, sizeof note, &nlen, &err), QT_OK);
	assert_int_equal(qt_note_verify(&v, note, nlen, &tlen, &err), QT_OK);
	assert_int_equal(tlen, blen);
	assert_int_equal(qt_checkpoint_parse(note, tlen, &c2, &err), QT_OK);
	assert_checkpoint_eq(&c2, &c);
	qt_note_signer_wipe(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keygen_round_trip),
	        cmocka_unit_test(test_keygen_bad_names),
	        cmocka_unit_test(test_go_interop),
	        cmocka_unit_test(test_key_manglings),
	        cmocka_unit_test(test_fixed_seed_known_answer),
	        cmocka_unit_test(test_signature_line_format),
	        cmocka_unit_test(test_sign_errors),
	        cmocka_unit_test(test_verify_rejects),
	        cmocka_unit_test(test_verify_bad_lines),
	        cmocka_unit_test(test_verify_spec_cases),
	        cmocka_unit_test(test_verifier_parse_errors),
	        cmocka_unit_test(test_signer_parse_errors),
	        cmocka_unit_test(test_checkpoint_round_trip),
	        cmocka_unit_test(test_checkpoint_parse_errors),
	        cmocka_unit_test(test_signed_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
