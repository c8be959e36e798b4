/* json_write.h — jansson values to JSON text, byte for byte as json_dumps writes them. */
#ifndef QT_JSON_WRITE_H
#define QT_JSON_WRITE_H

#include <jansson.h>
#include <stdbool.h>

#include "util/buf.h"

/* Append v (any value) to out exactly as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes
 * it, members in the order they were set, or with sorted, as JSON_SORT_KEYS adds (by the
 * bytes of the key), several times faster. QT_ERR_INVALID: a string that is not UTF-8, or
 * nesting deeper than the readers accept (2,048 levels); QT_ERR_TOOBIG: beyond out's cap;
 * on failure out is as it was. */
qt_rc qt_json_write(const json_t *v, bool sorted, qt_buf *out) __attribute__((warn_unused_result));

#endif
