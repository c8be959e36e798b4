/* json_out.c — every JSON answer's bytes, written straight into the response body. jansson's
 * json_dumps costs 13 µs for the 1 KB view of a code (a tenth of a public lookup): its
 * per-token callbacks and UTF-8 re-checks; this walk reuses the canonical string escaper
 * and keeps members in the order they were built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "ledger/jcs.h"

#define JSON_OUT_DEPTH 64 /* no answer nests deeper; a deeper value is a bug, answered 500 */

static qt_rc put_int(json_int_t i, qt_buf *out)
{
	char d[24];
	int n = snprintf(d, sizeof d, "%" JSON_INTEGER_FORMAT, i);
	return qt_buf_append(out, d, (size_t)n);
}

/* Reals are rare in answers (rates, scores): jansson formats them, so they read exactly as
 * they always have. */
static qt_rc put_real(const json_t *v, qt_buf *out)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY);
	qt_rc rc = text ? qt_buf_append(out, text, strlen(text)) : QT_ERR_NOMEM;
	free(text);
	return rc;
}

static qt_rc put_value(const json_t *v, int depth, qt_buf *out)
{
	qt_err err;
	qt_rc rc = QT_OK;
	bool first = true;

	if (depth > JSON_OUT_DEPTH)
		return QT_ERR_INVALID;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		const json_t *m;
		size_t klen;
		rc = qt_buf_putc(out, '{');
		json_object_keylen_foreach((json_t *)v, key, klen, m)
		{
			if (rc == QT_OK && !first)
				rc = qt_buf_putc(out, ',');
			if (rc == QT_OK)
				rc = qt_jcs_string(key, klen, out, &err);
			if (rc == QT_OK)
				rc = qt_buf_putc(out, ':');
			if (rc == QT_OK)
				rc = put_value(m, depth + 1, out);
			first = false;
		}
		if (rc == QT_OK)
			rc = qt_buf_putc(out, '}');
		break;
	}
	case JSON_ARRAY:
		rc = qt_buf_putc(out, '[');
		for (size_t i = 0; rc == QT_OK && i < json_array_size(v); i++) {
			if (i > 0)
				rc = qt_buf_putc(out, ',');
			if (rc == QT_OK)
				rc = put_value(json_array_get(v, i), depth + 1, out);
		}
		if (rc == QT_OK)
			rc = qt_buf_putc(out, ']');
		break;
	case JSON_STRING:
		rc = qt_jcs_string(json_string_value(v), json_string_length(v), out, &err);
		break;
	case JSON_INTEGER: rc = put_int(json_integer_value(v), out); break;
	case JSON_REAL: rc = put_real(v, out); break;
	case JSON_TRUE: rc = qt_buf_append(out, "true", 4); break;
	case JSON_FALSE: rc = qt_buf_append(out, "false", 5); break;
	case JSON_NULL: rc = qt_buf_append(out, "null", 4); break;
	}
	return rc;
}

qt_rc qt_http_json_encode(const json_t *v, qt_buf *out)
{
	size_t start = out->len;
	qt_rc rc = put_value(v, 0, out);

	if (rc != QT_OK && out->p) {
		out->len = start;
		out->p[start] = '\0';
	}
	return rc;
}
