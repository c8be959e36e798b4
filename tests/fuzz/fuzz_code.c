/* fuzz_code.c — libFuzzer target for the scan-text parser: any bytes must either parse into a
 * code whose canonical key parses back to itself, or be rejected with a message; never crash,
 * overflow or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	qt_code code, again;
	qt_err err;
	qt_code_opts opts = {.ref_year = 2026};
	char text[QT_CODE_CANON_MAX + 32];

	err.msg[0] = '\0';
	if (qt_code_parse((const char *)data, size, &opts, &code, &err) != QT_OK) {
		if (err.msg[0] == '\0')
			abort(); /* every rejection says why */
		return 0;
	}
	if (code.canonical_len != strlen(code.canonical) || code.canonical_len == 0)
		abort();
	/* A GS1 code formatted back out must give the same key. */
	if (code.scheme == QT_SCHEME_GS1 &&
	    qt_gs1_format_bracketed(&code, text, sizeof text) == QT_OK) {
		if (qt_code_parse(text, strlen(text), &opts, &again, &err) != QT_OK ||
		    strcmp(again.canonical, code.canonical) != 0)
			abort();
	}
	return 0;
}
