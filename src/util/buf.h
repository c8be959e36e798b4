/* buf.h — a growable byte buffer with a hard cap: every buffer that grows with input says in
 * advance how big it may get, so bad input cannot exhaust memory. */
#ifndef QT_BUF_H
#define QT_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

typedef struct qt_buf {
	char *p; /* NUL-terminated when len > 0 or after qt_buf_append* */
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
} qt_buf;

void qt_buf_init(qt_buf *b, size_t max);
void qt_buf_free(qt_buf *b);
void qt_buf_reset(qt_buf *b); /* len = 0, keeps memory */
/* Make room for n more bytes now, so a buffer of known typical size grows once. */
qt_rc qt_buf_reserve(qt_buf *b, size_t n) __attribute__((warn_unused_result));

/* QT_ERR_TOOBIG when the result would exceed max, QT_ERR_NOMEM when allocation fails; the
 * buffer is unchanged on failure. */
qt_rc qt_buf_append(qt_buf *b, const void *data, size_t n) __attribute__((warn_unused_result));
qt_rc qt_buf_putc(qt_buf *b, char c) __attribute__((warn_unused_result));
qt_rc qt_buf_printf(qt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((warn_unused_result));
/* Text for XML 1.0 (an Atom feed, an SVG label): the five markup characters escaped, and the
 * control characters XML cannot carry at all (any but tab, LF, CR) dropped rather than
 * breaking the document. */
qt_rc qt_buf_xml(qt_buf *b, const char *s) __attribute__((warn_unused_result));

#endif
