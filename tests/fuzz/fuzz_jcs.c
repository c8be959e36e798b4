/* fuzz_jcs.c — libFuzzer target for the canonical-JSON checker: whatever bytes it accepts must
 * be exactly what the encoder writes for the value they parse to, so `qtrace verify` can never
 * pass a leaf that another implementation would canonicalise differently. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The checker must hand over slices that tile the top-level object, in order. */
struct walk {
	const char *base, *last;
	size_t size;
};

static qt_rc member_in_bounds(void *ctx, const char *key, size_t keylen, const char *value,
                              size_t valuelen)
{
	struct walk *w = ctx;

	if (key != w->last + 2 || value != key + keylen + 2 || valuelen == 0 ||
	    value + valuelen > w->base + w->size)
		abort();
	w->last = value + valuelen;
	return QT_OK;
}

/* Accepted bytes parse, and the parsed value encodes back to exactly those bytes. */
static void accepted_is_canonical(const char *s, size_t size)
{
	json_error_t jerr;
	qt_err err;
	qt_buf out;
	json_t *v = json_loadb(s, size, JSON_ALLOW_NUL, &jerr);

	if (!v) {
		/* Canonical JSON jansson cannot hold: "\u0000" in a key. Anything else is a
		 * checker bug. */
		if (json_error_code(&jerr) != json_error_null_byte_in_key)
			abort();
		return;
	}
	qt_buf_init(&out, size + 1);
	if (qt_jcs_encode(v, &out, &err) != QT_OK || out.len != size || memcmp(out.p, s, size) != 0)
		abort();
	qt_buf_free(&out);
	json_decref(v);
}

/* Refused bytes that are still JSON: their canonical form, if they have one, is accepted and
 * means the same value. */
static void encoding_is_accepted(const char *s, size_t size)
{
	json_error_t jerr;
	qt_err err;
	qt_buf out;
	json_t *v = json_loadb(s, size, JSON_ALLOW_NUL, &jerr), *back;

	if (!v)
		return;
	qt_buf_init(&out, 4 * size + 64);
	if (json_is_object(v) && qt_jcs_encode(v, &out, &err) == QT_OK) {
		if (qt_jcs_check(out.p, out.len, NULL, NULL, &err) != QT_OK)
			abort();
		back = json_loadb(out.p, out.len, JSON_ALLOW_NUL, &jerr);
		if (!back || !json_equal(back, v))
			abort();
		json_decref(back);
	}
	qt_buf_free(&out);
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct walk w = {s, s, size};
	qt_err err;

	err.msg[0] = '\0';
	if (qt_jcs_check(s, size, member_in_bounds, &w, &err) == QT_OK) {
		accepted_is_canonical(s, size);
	} else {
		if (err.msg[0] == '\0')
			abort(); /* every rejection says why */
		encoding_is_accepted(s, size);
	}
	return 0;
}
