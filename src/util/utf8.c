/* utf8.c — strict UTF-8 decoding (see utf8.h). The second byte's allowed range carries all
 * of RFC 3629's exclusions, so the rest only has to be continuation bytes. */
#include "util/utf8.h"

size_t qt_utf8_decode(const void *p, size_t n, uint32_t *cp)
{
	const unsigned char *s = p;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t v;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		len = 1;
		v = s[0];
		goto out;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0fu;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80; /* overlong below U+0800 */
		hi = s[0] == 0xed ? 0x9f : 0xbf; /* surrogates U+D800–DFFF */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07u;
		lo = s[0] == 0xf0 ? 0x90 : 0x80; /* overlong below U+10000 */
		hi = s[0] == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	v = (v << 6) | (s[1] & 0x3fu);
	for (size_t i = 2; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
out:
	if (cp)
		*cp = v;
	return len;
}

size_t qt_utf8_valid_prefix(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, len;

	while (i < n) {
		/* ASCII runs are most text: skip them without the decoder */
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = qt_utf8_decode(s + i, n - i, NULL)) == 0)
			break;
		i += len;
	}
	return i;
}

size_t qt_utf8_chars(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += (s[i] & 0xc0) != 0x80; /* every byte but a continuation starts one */
	return chars;
}

char qt_utf8_fold_width(const void *p, size_t n)
{
	const unsigned char *u = p;
	char c = 0;

	if (n < 3)
		c = 0;
	else if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x81 && u[2] <= 0xBF)
		c = (char)(0x21 + (u[2] - 0x81));
	else if (u[0] == 0xEF && u[1] == 0xBD && u[2] >= 0x80 && u[2] <= 0x9E)
		c = (char)(0x60 + (u[2] - 0x80));
	else if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		c = ' ';
	return c;
}
