/* utf8.h — the one strict UTF-8 decoder (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) that every module uses to decide what valid text is. */
#ifndef QT_UTF8_H
#define QT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1–4) of the valid sequence at the start of s[0..n), or 0 if there is none; the
 * code point goes to *cp when cp is not NULL. A NUL byte is a valid one-byte sequence. */
size_t qt_utf8_decode(const void *s, size_t n, uint32_t *cp);

/* Bytes of the longest prefix of s[0..n) that is valid UTF-8: n when all of it is. Text cut
 * at a byte limit in the middle of a character is valid up to the cut. */
size_t qt_utf8_valid_prefix(const void *s, size_t n);

/* Characters (code points) of valid UTF-8 s[0..n): the length a person and JSON Schema's
 * maxLength count, where bytes would give Chinese text a third of the room. */
size_t qt_utf8_chars(const void *s, size_t n);

/* The ASCII character a full-width form (U+FF01–FF5E, 3 bytes) at the start of s[0..n) stands
 * for (U+0021–007E), a space for an ideographic space (U+3000), or 0 when neither starts
 * there: what a Chinese keyboard types for ASCII, so that text people type matches what they
 * mean (scanned codes, product searches). */
char qt_utf8_fold_width(const void *s, size_t n);

#endif
