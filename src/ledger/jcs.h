/* jcs.h — RFC 8785 JSON Canonicalization Scheme: the exact bytes of a ledger leaf, so anyone
 * can recompute a leaf hash in any language. Records hold strings, integers, booleans, null,
 * arrays and objects; floating-point numbers are refused (no record needs them, and their
 * canonical form is a trap). */
#ifndef QT_JCS_H
#define QT_JCS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/rc.h"

/* Append the canonical form of v to out. Object members sorted by their keys' UTF-16 code
 * units; strings escaped as ECMAScript JSON.stringify does; integers in plain decimal.
 * Integers beyond ±2^53−1 are refused (they would not survive other languages' parsers). */
qt_rc qt_jcs_encode(const json_t *v, qt_buf *out, qt_err *err) __attribute__((warn_unused_result));

/* Append s[0..n) as a canonical JSON string (quotes included); invalid UTF-8 is refused
 * and leaves out as it was. For writers that lay out a known object by hand. */
qt_rc qt_jcs_string(const char *s, size_t n, qt_buf *out, qt_err *err)
        __attribute__((warn_unused_result));
/* The same, or with upper_hex the other controls as \u00XX, as jansson writes them (the one
 * way the two differ): util/json_write.c writes every answer and document with it. */
qt_rc qt_jcs_string_as(const char *s, size_t n, bool upper_hex, qt_buf *out, qt_err *err)
        __attribute__((warn_unused_result));

/* Called by qt_jcs_check for each member of the top-level object, in order. key is the raw
 * bytes between the key's quotes, still in escaped form (canonical JSON escapes only quote,
 * backslash and controls, so most keys are plain UTF-8 as they stand); value is the member's
 * value exactly as it appears in the input: `"abc"` with its quotes, `{"x":1}`, `12`. Neither
 * is NUL-terminated. A non-OK return stops the check, which returns that code as is and
 * leaves err alone: report the reason through ctx. */
typedef qt_rc (*qt_jcs_member_fn)(void *ctx, const char *key, size_t keylen, const char *value,
                                  size_t valuelen);

/* Check, without building a tree, that s[0..n) is a JSON object exactly in canonical form
 * (what qt_jcs_encode would produce for it); fn may be NULL. Fast: this runs for every leaf
 * in `qtrace verify`. The error names the byte offset and the rule broken. */
qt_rc qt_jcs_check(const char *s, size_t n, qt_jcs_member_fn fn, void *ctx, qt_err *err)
        __attribute__((warn_unused_result));

#endif
