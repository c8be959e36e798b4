/* dic.c — the digital identity code (数字身份码): a 20-character id over a 31-symbol alphabet
 * whose last character is a weighted mod-31 check, so every single substitution and every
 * adjacent transposition is caught. Parsing, generation from libsodium, and the resolver URL. */
#include "codes/code.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DIC_RADIX    31
#define DIC_BODY_LEN (QT_DIC_ID_LEN - 1)

/* Largest multiple of 31 that fits in a byte: bytes at or above it are redrawn, so every
 * symbol is exactly equally likely (256 % 31 != 0 would otherwise favour the first 8). */
#define DIC_BYTE_LIMIT (8 * DIC_RADIX)

/* Value 0..30 of a symbol, either case, or -1. The alphabet has no Z and none of Crockford's
 * look-alikes (I L O U), and we do not fold them onto 1 and 0: an id is typed from a label or
 * scanned, and a stray O is more likely a misread than a deliberate zero. */
static int symbol_value(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	if (c == '\0')
		return -1;
	p = strchr(QT_DIC_ALPHABET, c);
	return p ? (int)(p - QT_DIC_ALPHABET) : -1;
}

/* Inverses mod 31 (w * inv[w] ≡ 1); index 0 has none. */
static const unsigned char inverse_mod31[DIC_RADIX] = {
        0, 1,  16, 21, 8,  25, 26, 9,  4,  7, 28, 17, 13, 12, 20, 29,
        2, 11, 19, 18, 14, 3,  24, 27, 22, 5, 6,  23, 10, 15, 30,
};

/* The check symbol c for a body of n symbols whose weighted sum is sum: the one that makes
 * sum + (n+1)·c ≡ 0 (mod 31). */
static char check_from_sum(unsigned sum, size_t n)
{
	return QT_DIC_ALPHABET[(DIC_RADIX - sum % DIC_RADIX) % DIC_RADIX * inverse_mod31[n + 1] %
	                       DIC_RADIX];
}

/* Body symbol i (1-based) carries weight i and the check carries n + 1. The weights must be
 * nonzero and distinct mod 31 for the error-detection guarantee, hence n + 1 <= 30. */
char qt_dic_check_char(const char *body, size_t n)
{
	unsigned sum = 0;
	char c = '\0';

	if (n > DIC_RADIX - 2)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int v = symbol_value((unsigned char)body[i]);
		if (v < 0)
			goto out;
		sum += (unsigned)(i + 1) * (unsigned)v;
	}
	c = check_from_sum(sum, n);
out:
	return c;
}

/* Quote a byte for an error message without putting raw non-ASCII into it. */
qt_rc qt_dic_parse(const char *s, size_t n, qt_code *code, qt_err *err)
{
	char id[QT_DIC_ID_LEN + 1];
	char what[12];
	char want;
	qt_rc rc = QT_OK;

	qt_code_init(code);
	if (n != QT_DIC_ID_LEN) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "digital identity code: expected %d characters, got %zu",
		                QT_DIC_ID_LEN, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int v = symbol_value((unsigned char)s[i]);
		if (v < 0) {
			qt_code_describe_byte((unsigned char)s[i], what);
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "digital identity code: %s at position %zu is not in the "
			                "alphabet",
			                what, i + 1);
			goto out;
		}
		id[i] = QT_DIC_ALPHABET[v];
	}
	id[QT_DIC_ID_LEN] = '\0';

	want = qt_dic_check_char(id, DIC_BODY_LEN);
	if (want != id[DIC_BODY_LEN]) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "digital identity code: check character expected %c, got %c", want,
		                id[DIC_BODY_LEN]);
		goto out;
	}

	memcpy(code->dic_id, id, sizeof id);
	rc = qt_code_canon_append(code, "t/", 2, false, err);
	if (rc != QT_OK)
		goto out;
	rc = qt_code_canon_append(code, id, QT_DIC_ID_LEN, true, err);
	if (rc != QT_OK)
		goto out;
	code->scheme = QT_SCHEME_DIC;
	code->kind = QT_KIND_ITEM;
out:
	return rc;
}

/* Random bytes are drawn per block, never per symbol. With libsodium's default source every
 * draw is a getrandom() syscall whose cost grows with its size (about 0.5 us for 32 bytes,
 * 1.2 us for 256 here), so a draw asks for what the remaining symbols need plus a margin for
 * rejected bytes, capped at the buffer: one id costs one small draw, bulk issuing uses full
 * 256-byte blocks. Running short only means another draw, so the margin never biases. */
static size_t draw_size(size_t symbols_left, size_t cap)
{
	size_t want = cap;

	/* Testing symbols_left < cap first keeps the sum from wrapping on a huge batch. */
	if (symbols_left < cap && symbols_left + symbols_left / 8 + 8 < cap)
		want = symbols_left + symbols_left / 8 + 8;
	return want;
}

qt_rc qt_dic_generate_n(char (*out)[QT_DIC_ID_LEN + 1], size_t count)
{
	unsigned char buf[256];
	size_t have = 0, used = 0;
	qt_rc rc = QT_OK;

	/* Safe to repeat: returns 1 once already initialised, -1 only on failure. */
	if (sodium_init() < 0) {
		rc = QT_ERR_IO;
		goto out;
	}
	for (size_t k = 0; k < count; k++) {
		unsigned sum = 0;

		for (size_t got = 0; got < DIC_BODY_LEN;) {
			if (used == have) {
				have = draw_size((count - k) * DIC_BODY_LEN - got, sizeof buf);
				randombytes_buf(buf, have);
				used = 0;
			}
			if (buf[used] < DIC_BYTE_LIMIT) {
				unsigned v = buf[used] % DIC_RADIX;
				out[k][got++] = QT_DIC_ALPHABET[v];
				sum += (unsigned)got * v;
			}
			used++;
		}
		out[k][DIC_BODY_LEN] = check_from_sum(sum, DIC_BODY_LEN);
		out[k][QT_DIC_ID_LEN] = '\0';
	}
out:
	return rc;
}

qt_rc qt_dic_generate(char out[QT_DIC_ID_LEN + 1])
{
	return qt_dic_generate_n((char(*)[QT_DIC_ID_LEN + 1]) out, 1);
}

qt_rc qt_dic_format_url(const qt_code *code, const char *host, char *out, size_t outsz)
{
	int len;
	qt_rc rc = QT_OK;

	if (code->scheme != QT_SCHEME_DIC || host == NULL || host[0] == '\0' || out == NULL) {
		rc = QT_ERR_USAGE;
		goto out;
	}
	len = snprintf(out, outsz, "https://%s/t/%s", host, code->dic_id);
	if (len < 0 || (size_t)len >= outsz)
		rc = QT_ERR_TOOBIG;
out:
	return rc;
}
