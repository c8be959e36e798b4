/* json_parse.h — fast JSON text to jansson values for what the platform stored itself. */
#ifndef QT_JSON_PARSE_H
#define QT_JSON_PARSE_H

#include <jansson.h>
#include <stddef.h>

/* What json_loadb(s, n, 0, why) returns (an object or array, or NULL for anything that is not
 * JSON jansson accepts, and a raw NUL byte anywhere), about five times faster. A refusal is
 * read again by jansson to fill why (may be NULL) with its message. Inputs from clients go
 * through jansson itself, for its options (duplicate keys refused). */
json_t *qt_json_parse(const char *s, size_t n, json_error_t *why);

#endif
