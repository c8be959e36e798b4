/* note.c — C2SP signed-note (Ed25519, key text forms, signing, verification) and C2SP
 * tlog-checkpoint bodies. Everything a verifier reads is untrusted, so every parser checks the
 * whole input and names the first rule it breaks. */
#include "ledger/note.h"
#include "util/utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ALG_ED25519   0x01
#define KEY_RAW_LEN   33 /* algorithm byte || 32-byte public key or seed */
#define KEY_B64_LEN   44 /* base64 of KEY_RAW_LEN bytes, no padding needed */
#define KEY_ID_HEX    8
#define SIG_BLOB_LEN  (4 + crypto_sign_BYTES)
#define SIG_B64_LEN   92 /* base64 of SIG_BLOB_LEN bytes */
#define ROOT_B64_LEN  44
#define SIG_PREFIX    "\xe2\x80\x94 " /* U+2014 em dash, space */
#define SIG_PREFIX_N  4
#define PRIVATE_KEY   "PRIVATE+KEY+"
#define PRIVATE_KEY_N 12

/* libsodium picks its fastest implementations in sodium_init; every entry point that may be
 * the first crypto call of a process makes sure it ran. */
static qt_rc sodium_ready(qt_err *err)
{
	if (sodium_init() < 0)
		return qt_err_set(err, QT_ERR_IO, "libsodium failed to initialise");
	return QT_OK;
}

/* Unicode White_Space (what Go's unicode.IsSpace accepts), which the spec forbids in names. */
static bool is_unicode_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0xa0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Signed notes must be valid UTF-8 with no ASCII control character but newline. */
static qt_rc check_note_text(const char *what, const char *s, size_t n, qt_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;
	qt_rc rc = QT_OK;

	while (i < n) {
		len = qt_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			rc = qt_err_set(err, QT_ERR_INVALID, "%s: not valid UTF-8 at byte %zu",
			                what, i);
			goto out;
		}
		if (cp < 0x20 && cp != '\n') {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s: control character 0x%02x at byte %zu", what,
			                (unsigned)cp, i);
			goto out;
		}
		i += len;
	}
out:
	return rc;
}

/* Key names: non-empty, at most max bytes, UTF-8, no '+', no Unicode space, and (since they
 * end up inside a note) no control character. */
static qt_rc check_name(const char *what, const char *s, size_t n, size_t max, qt_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;
	qt_rc rc = QT_OK;

	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: key name is empty", what);
		goto out;
	}
	if (n > max) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: key name is %zu bytes, longer than %zu",
		                what, n, max);
		goto out;
	}
	while (i < n) {
		len = qt_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s: key name is not valid UTF-8 at byte %zu", what, i);
			goto out;
		}
		if (cp == '+') {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s: key name contains '+' at byte %zu", what, i);
			goto out;
		}
		if (is_unicode_space(cp)) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s: key name contains a space at byte %zu", what, i);
			goto out;
		}
		if (cp < 0x20) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "%s: key name contains control character 0x%02x at byte %zu", what,
			        (unsigned)cp, i);
			goto out;
		}
		i += len;
	}
out:
	return rc;
}

static uint32_t key_id_of(const char *name, size_t n, const uint8_t pk[32])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	const uint8_t sep[2] = {'\n', ALG_ED25519};

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, n);
	crypto_hash_sha256_update(&st, sep, sizeof sep);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Standard base64 with padding; libsodium also refuses non-zero trailing bits, so every
 * byte string has exactly one accepted encoding. */
static bool b64_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *len)
{
	return sodium_base642bin(out, max, s, n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) ==
	       0;
}

/* Go's strconv.ParseUint(s, 16, 32) takes either case; so do we, for keys made elsewhere. */
static bool parse_hex32(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (n != KEY_ID_HEX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* "<name>+<hex id>+<base64 key>", the common tail of both key forms: the name cannot hold a
 * '+', base64 can, so only the first two split. */
typedef struct key_fields {
	const char *name, *hex, *b64;
	size_t name_len, hex_len, b64_len;
} key_fields;

static qt_rc split_key(const char *what, const char *s, size_t n, key_fields *f, qt_err *err)
{
	const char *p1 = memchr(s, '+', n);
	const char *p2 = p1 ? memchr(p1 + 1, '+', n - (size_t)(p1 + 1 - s)) : NULL;

	if (!p2)
		return qt_err_set(err, QT_ERR_INVALID, "%s: expected <name>+<key id>+<base64 key>",
		                  what);
	f->name = s;
	f->name_len = (size_t)(p1 - s);
	f->hex = p1 + 1;
	f->hex_len = (size_t)(p2 - f->hex);
	f->b64 = p2 + 1;
	f->b64_len = n - (size_t)(f->b64 - s);
	return QT_OK;
}

/* Checks name, id syntax and the 0x01 || 32-byte key; raw gets the decoded bytes. */
static qt_rc decode_key_fields(const char *what, const key_fields *f, uint32_t *id,
                               uint8_t raw[KEY_RAW_LEN], qt_err *err)
{
	size_t len = 0;
	qt_rc rc;

	rc = check_name(what, f->name, f->name_len, QT_NOTE_NAME_MAX, err);
	if (rc != QT_OK)
		goto out;
	if (!parse_hex32(f->hex, f->hex_len, id)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: key id must be 8 hex digits", what);
		goto out;
	}
	if (f->b64_len != KEY_B64_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: key must be %d base64 characters, got %zu", what, KEY_B64_LEN,
		                f->b64_len);
		goto out;
	}
	if (!b64_decode(f->b64, f->b64_len, raw, KEY_RAW_LEN, &len) || len != KEY_RAW_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: key is not valid base64", what);
		goto out;
	}
	if (raw[0] != ALG_ED25519) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: unknown signature algorithm 0x%02x (want 0x01, Ed25519)", what,
		                raw[0]);
		goto out;
	}
out:
	return rc;
}

qt_rc qt_note_keygen(const char *name, qt_signer *out, qt_err *err)
{
	size_t n = strnlen(name, QT_NOTE_NAME_MAX + 1);
	qt_rc rc;

	rc = sodium_ready(err);
	if (rc != QT_OK)
		goto out;
	rc = check_name("key", name, n, QT_NOTE_NAME_MAX, err);
	if (rc != QT_OK)
		goto out;
	memset(out, 0, sizeof *out);
	memcpy(out->name, name, n);
	crypto_sign_keypair(out->pk, out->sk);
	out->key_id = key_id_of(out->name, n, out->pk);
out:
	return rc;
}

void qt_note_signer_wipe(qt_signer *s)
{
	sodium_memzero(s, sizeof *s);
}

void qt_note_verifier_of(const qt_signer *s, qt_verifier *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->name, s->name, sizeof out->name);
	out->name[QT_NOTE_NAME_MAX] = '\0';
	out->key_id = s->key_id;
	memcpy(out->pk, s->pk, sizeof out->pk);
}

/* Writes prefix || name "+" hex "+" base64(0x01 || key32) only when it all fits, so a too
 * small buffer never holds part of a secret. */
static qt_rc format_key(const char *prefix, const char *name, uint32_t id, const uint8_t key32[32],
                        char *out, size_t outsz)
{
	uint8_t raw[KEY_RAW_LEN];
	char b64[KEY_B64_LEN + 1];
	char hex[KEY_ID_HEX + 1];
	size_t plen = strlen(prefix), nlen = strnlen(name, QT_NOTE_NAME_MAX + 1), total;
	qt_rc rc = QT_OK;

	if (nlen > QT_NOTE_NAME_MAX) {
		rc = QT_ERR_USAGE;
		goto out;
	}
	total = plen + nlen + 1 + KEY_ID_HEX + 1 + KEY_B64_LEN;
	if (outsz < total + 1) {
		rc = QT_ERR_TOOBIG;
		goto out;
	}
	raw[0] = ALG_ED25519;
	memcpy(raw + 1, key32, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(hex, sizeof hex, "%08x", (unsigned)id);
	memcpy(out, prefix, plen);
	memcpy(out + plen, name, nlen);
	out[plen + nlen] = '+';
	memcpy(out + plen + nlen + 1, hex, KEY_ID_HEX);
	out[plen + nlen + 1 + KEY_ID_HEX] = '+';
	memcpy(out + plen + nlen + 2 + KEY_ID_HEX, b64, KEY_B64_LEN);
	out[total] = '\0';
out:
	if (rc != QT_OK && outsz > 0)
		out[0] = '\0';
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(b64, sizeof b64);
	return rc;
}

qt_rc qt_note_signer_format(const qt_signer *s, char *out, size_t outsz)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	qt_rc rc;

	crypto_sign_ed25519_sk_to_seed(seed, s->sk);
	rc = format_key(PRIVATE_KEY, s->name, s->key_id, seed, out, outsz);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

qt_rc qt_note_verifier_format(const qt_verifier *v, char *out, size_t outsz)
{
	return format_key("", v->name, v->key_id, v->pk, out, outsz);
}

qt_rc qt_note_signer_parse(const char *text, size_t n, qt_signer *out, qt_err *err)
{
	static const char what[] = "signer key";
	qt_signer s;
	key_fields f;
	uint8_t raw[KEY_RAW_LEN];
	uint32_t id = 0, want;
	qt_rc rc;

	memset(&s, 0, sizeof s);
	rc = sodium_ready(err);
	if (rc != QT_OK)
		goto out;
	if (n < PRIVATE_KEY_N || memcmp(text, PRIVATE_KEY, PRIVATE_KEY_N) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: does not start with \"%s\"", what,
		                PRIVATE_KEY);
		goto out;
	}
	rc = split_key(what, text + PRIVATE_KEY_N, n - PRIVATE_KEY_N, &f, err);
	if (rc != QT_OK)
		goto out;
	rc = decode_key_fields(what, &f, &id, raw, err);
	if (rc != QT_OK)
		goto out;
	crypto_sign_seed_keypair(s.pk, s.sk, raw + 1);
	want = key_id_of(f.name, f.name_len, s.pk);
	if (id != want) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: key id %08x does not match the key (%08x)", what, (unsigned)id,
		                (unsigned)want);
		goto out;
	}
	memcpy(s.name, f.name, f.name_len);
	s.key_id = id;
	*out = s;
out:
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(&s, sizeof s);
	return rc;
}

qt_rc qt_note_verifier_parse(const char *text, size_t n, qt_verifier *out, qt_err *err)
{
	static const char what[] = "verifier key";
	qt_verifier v;
	key_fields f;
	uint8_t raw[KEY_RAW_LEN];
	uint32_t id = 0, want;
	qt_rc rc;

	memset(&v, 0, sizeof v);
	rc = sodium_ready(err);
	if (rc != QT_OK)
		goto out;
	rc = split_key(what, text, n, &f, err);
	if (rc != QT_OK)
		goto out;
	rc = decode_key_fields(what, &f, &id, raw, err);
	if (rc != QT_OK)
		goto out;
	want = key_id_of(f.name, f.name_len, raw + 1);
	if (id != want) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: key id %08x does not match the key (%08x)", what, (unsigned)id,
		                (unsigned)want);
		goto out;
	}
	/* A key no signature can verify under is a configuration mistake: say so now rather
	 * than as "no valid signature" on every note. */
	if (crypto_core_ed25519_is_valid_point(raw + 1) != 1) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: not a valid Ed25519 public key", what);
		goto out;
	}
	memcpy(v.name, f.name, f.name_len);
	v.key_id = id;
	memcpy(v.pk, raw + 1, sizeof v.pk);
	*out = v;
out:
	return rc;
}

qt_rc qt_note_sign(const qt_signer *s, const char *text, size_t n, char *out, size_t outsz,
                   size_t *outlen, qt_err *err)
{
	uint8_t blob[SIG_BLOB_LEN];
	char b64[SIG_B64_LEN + 1];
	size_t name_len = strnlen(s->name, sizeof s->name), total, pos;
	const char *blank;
	qt_rc rc;

	rc = sodium_ready(err);
	if (rc != QT_OK)
		goto out;
	if (check_name("signer", s->name, name_len, QT_NOTE_NAME_MAX, NULL) != QT_OK) {
		rc = qt_err_set(err, QT_ERR_USAGE, "signer has an invalid key name");
		goto out;
	}
	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "note text is empty");
		goto out;
	}
	if (text[n - 1] != '\n') {
		rc = qt_err_set(err, QT_ERR_INVALID, "note text does not end with a newline");
		goto out;
	}
	/* Our notes never hold an empty line, so the signature block is the only thing after
	 * the one blank line and no reader can disagree about where the text ends. */
	if (text[0] == '\n') {
		rc = qt_err_set(err, QT_ERR_INVALID, "note text starts with an empty line");
		goto out;
	}
	for (blank = text; (blank = memchr(blank, '\n', n - (size_t)(blank - text))) != NULL;
	     blank++) {
		if ((size_t)(blank - text) + 1 < n && blank[1] == '\n') {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "note text has an empty line at byte %zu",
			                (size_t)(blank - text) + 1);
			goto out;
		}
	}
	rc = check_note_text("note text", text, n, err);
	if (rc != QT_OK)
		goto out;
	total = n + 1 + SIG_PREFIX_N + name_len + 1 + SIG_B64_LEN + 1;
	if (total > QT_NOTE_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG,
		                "signed note would be %zu bytes, over the %d-byte limit", total,
		                QT_NOTE_MAX);
		goto out;
	}
	if (outsz < total + 1) {
		rc = qt_err_set(err, QT_ERR_TOOBIG,
		                "output buffer of %zu bytes cannot hold the %zu-byte note", outsz,
		                total);
		goto out;
	}

	blob[0] = (uint8_t)(s->key_id >> 24);
	blob[1] = (uint8_t)(s->key_id >> 16);
	blob[2] = (uint8_t)(s->key_id >> 8);
	blob[3] = (uint8_t)s->key_id;
	crypto_sign_detached(blob + 4, NULL, (const uint8_t *)text, n, s->sk);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);

	memmove(out, text, n); /* memmove: callers may sign a text already in out */
	pos = n;
	out[pos++] = '\n';
	memcpy(out + pos, SIG_PREFIX, SIG_PREFIX_N);
	pos += SIG_PREFIX_N;
	memcpy(out + pos, s->name, name_len);
	pos += name_len;
	out[pos++] = ' ';
	memcpy(out + pos, b64, SIG_B64_LEN);
	pos += SIG_B64_LEN;
	out[pos++] = '\n';
	out[pos] = '\0';
	*outlen = pos;
out:
	return rc;
}

/* One signature line without its newline. *matched is set when it is v's line and its
 * signature verifies; a line by v that does not verify fails the whole note (the spec's
 * SHOULD), any other well-formed line is ignored. */
static qt_rc check_sig_line(const qt_verifier *v, const char *line, size_t n, size_t lineno,
                            const char *text, size_t text_len, bool *matched, qt_err *err)
{
	uint8_t sig[QT_NOTE_MAX / 4 * 3 + 3];
	char what[48];
	const char *name, *sp, *b64;
	size_t name_len, b64_len, sig_len = 0, vlen = strnlen(v->name, sizeof v->name);
	uint32_t id;
	qt_rc rc;

	snprintf(what, sizeof what, "note: signature line %zu", lineno);
	if (n < SIG_PREFIX_N || memcmp(line, SIG_PREFIX, SIG_PREFIX_N) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s does not start with an em dash (U+2014) and a space", what);
		goto out;
	}
	name = line + SIG_PREFIX_N;
	sp = memchr(name, ' ', n - SIG_PREFIX_N);
	if (!sp) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: no space between key name and signature",
		                what);
		goto out;
	}
	name_len = (size_t)(sp - name);
	/* Other signers' names may be longer than ours: no length cap beyond the note's. */
	rc = check_name(what, name, name_len, QT_NOTE_MAX, err);
	if (rc != QT_OK)
		goto out;
	b64 = sp + 1;
	b64_len = n - (size_t)(b64 - line);
	if (b64_len == 0 || !b64_decode(b64, b64_len, sig, sizeof sig, &sig_len)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: signature is not valid base64", what);
		goto out;
	}
	if (sig_len < 5) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "%s: signature is %zu bytes, too short for a key id and a signature", what,
		        sig_len);
		goto out;
	}
	id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
	if (name_len != vlen || memcmp(name, v->name, vlen) != 0 || id != v->key_id)
		goto out;
	if (sig_len != SIG_BLOB_LEN ||
	    crypto_sign_verify_detached(sig + 4, (const uint8_t *)text, text_len, v->pk) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "signature by %.*s (key id %08x) does not verify", (int)vlen,
		                v->name, (unsigned)v->key_id);
		goto out;
	}
	*matched = true;
out:
	return rc;
}

qt_rc qt_note_verify(const qt_verifier *v, const char *note, size_t n, size_t *text_len,
                     qt_err *err)
{
	size_t split = 0, tlen, pos, lineno = 0;
	bool found = false, matched = false;
	qt_rc rc;

	rc = sodium_ready(err);
	if (rc != QT_OK)
		goto out;
	if (n > QT_NOTE_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "note is %zu bytes, over the %d-byte limit", n,
		                QT_NOTE_MAX);
		goto out;
	}
	rc = check_note_text("note", note, n, err);
	if (rc != QT_OK)
		goto out;
	/* The text ends at the last blank line: the text itself may hold empty lines. */
	for (size_t i = n; i >= 2; i--) {
		if (note[i - 1] == '\n' && note[i - 2] == '\n') {
			split = i - 2;
			found = true;
			break;
		}
	}
	if (!found) {
		rc = qt_err_set(err, QT_ERR_INVALID, "note: no blank line before the signatures");
		goto out;
	}
	tlen = split + 1;
	pos = split + 2;
	if (pos == n) {
		rc = qt_err_set(err, QT_ERR_INVALID, "note: no signature lines");
		goto out;
	}
	if (note[n - 1] != '\n') {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "note: last signature line does not end with a newline");
		goto out;
	}
	found = false;
	while (pos < n) {
		const char *nl = memchr(note + pos, '\n', n - pos);
		size_t len = (size_t)(nl - (note + pos));

		rc = check_sig_line(v, note + pos, len, ++lineno, note, tlen, &matched, err);
		if (rc != QT_OK)
			goto out;
		found = found || matched;
		pos += len + 1;
	}
	if (!found) {
		rc = qt_err_set(err, QT_ERR_INVALID, "no valid signature by %.*s",
		                (int)strnlen(v->name, sizeof v->name), v->name);
		goto out;
	}
	*text_len = tlen;
out:
	return rc;
}

/* An origin is one line of a note: non-empty, bounded, UTF-8, no control characters. Spaces
 * and '+' are only discouraged by tlog-checkpoint, so they pass. */
static qt_rc check_origin(const char *s, size_t n, qt_err *err)
{
	qt_rc rc;

	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: origin line is empty");
		goto out;
	}
	if (n > QT_NOTE_NAME_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "checkpoint: origin is %zu bytes, longer than %d", n,
		                QT_NOTE_NAME_MAX);
		goto out;
	}
	if (memchr(s, '\n', n)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: origin contains a newline");
		goto out;
	}
	rc = check_note_text("checkpoint: origin", s, n, err);
out:
	return rc;
}

qt_rc qt_checkpoint_format(const qt_checkpoint *c, char *out, size_t outsz, size_t *outlen)
{
	char b64[ROOT_B64_LEN + 1];
	size_t olen = strnlen(c->origin, sizeof c->origin);
	qt_rc rc = QT_OK;
	int w;

	if (check_origin(c->origin, olen, NULL) != QT_OK) {
		rc = QT_ERR_USAGE;
		goto out;
	}
	sodium_bin2base64(b64, sizeof b64, c->root.b, sizeof c->root.b,
	                  sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(out, outsz, "%.*s\n%llu\n%s\n", (int)olen, c->origin,
	             (unsigned long long)c->size, b64);
	if (w < 0 || (size_t)w >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		rc = QT_ERR_TOOBIG;
		goto out;
	}
	*outlen = (size_t)w;
out:
	return rc;
}

/* Decimal, no sign, no leading zero (except "0" itself), fits in 64 bits. */
static qt_rc parse_size(const char *s, size_t n, uint64_t *out, qt_err *err)
{
	uint64_t v = 0;
	qt_rc rc = QT_OK;

	if (n == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: tree size line is empty");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9') {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoint: tree size has a non-digit at byte %zu", i);
			goto out;
		}
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoint: tree size does not fit in 64 bits");
			goto out;
		}
		v = v * 10 + d;
	}
	if (n > 1 && s[0] == '0') {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: tree size has a leading zero");
		goto out;
	}
	*out = v;
out:
	return rc;
}

qt_rc qt_checkpoint_parse(const char *text, size_t n, qt_checkpoint *out, qt_err *err)
{
	static const char *const names[3] = {"origin", "tree size", "root hash"};
	uint8_t root[QT_NOTE_MAX / 4 * 3 + 3];
	const char *line[3];
	size_t len[3], pos = 0, root_len = 0, ext = 0;
	qt_checkpoint c;
	qt_rc rc;

	memset(&c, 0, sizeof c);
	if (n > QT_NOTE_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "checkpoint: %zu bytes, over the %d-byte limit",
		                n, QT_NOTE_MAX);
		goto out;
	}
	rc = check_note_text("checkpoint", text, n, err);
	if (rc != QT_OK)
		goto out;
	if (n > 0 && text[n - 1] != '\n') {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: does not end with a newline");
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		const char *nl;

		if (pos == n) {
			rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: missing %s line",
			                names[i]);
			goto out;
		}
		nl = memchr(text + pos, '\n', n - pos);
		line[i] = text + pos;
		len[i] = (size_t)(nl - line[i]);
		pos += len[i] + 1;
	}
	rc = check_origin(line[0], len[0], err);
	if (rc != QT_OK)
		goto out;
	rc = parse_size(line[1], len[1], &c.size, err);
	if (rc != QT_OK)
		goto out;
	if (len[2] == 0 || !b64_decode(line[2], len[2], root, sizeof root, &root_len)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: root hash is not valid base64");
		goto out;
	}
	if (root_len != QT_HASH_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint: root hash is %zu bytes, want %d",
		                root_len, QT_HASH_LEN);
		goto out;
	}
	while (pos < n) {
		const char *nl = memchr(text + pos, '\n', n - pos);

		ext++;
		if (nl == text + pos) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoint: extension line %zu is empty", ext);
			goto out;
		}
		pos = (size_t)(nl - text) + 1;
	}
	memcpy(c.origin, line[0], len[0]);
	memcpy(c.root.b, root, QT_HASH_LEN);
	*out = c;
out:
	return rc;
}
