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

/* Skimming JSON the platform wrote, for readers that want one member and not the whole tree.
 * The end of the string whose text starts at s[i] (just after its opening quote): the index
 * of its closing quote, or n. */
size_t qt_json_string_end(const char *s, size_t n, size_t i);
/* The end of the value that starts at s[i]: the index of the ',', '}' or ']' after it, or n. */
size_t qt_json_value_end(const char *s, size_t n, size_t i);

#endif
