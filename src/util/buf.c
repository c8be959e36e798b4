/* buf.c — bounded growable buffers (see buf.h). Doubling growth, one NUL kept after the data
 * so text users need no extra copy. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qt_buf_init(qt_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void qt_buf_free(qt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void qt_buf_reset(qt_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static qt_rc reserve(qt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return QT_ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return QT_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return QT_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return QT_OK;
}

qt_rc qt_buf_reserve(qt_buf *b, size_t n)
{
	return reserve(b, n);
}

qt_rc qt_buf_append(qt_buf *b, const void *data, size_t n)
{
	qt_rc rc = reserve(b, n);
	if (rc == QT_OK) {
		if (n)
			memcpy(b->p + b->len, data, n);
		b->len += n;
		b->p[b->len] = '\0';
	}
	return rc;
}

qt_rc qt_buf_putc(qt_buf *b, char c)
{
	return qt_buf_append(b, &c, 1);
}

qt_rc qt_buf_printf(qt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	qt_rc rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return QT_ERR_INVALID;
	rc = reserve(b, (size_t)n);
	if (rc != QT_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return QT_OK;
}

qt_rc qt_buf_xml(qt_buf *b, const char *s)
{
	qt_rc rc = QT_OK;
	for (; rc == QT_OK && *s; s++) {
		switch (*s) {
		case '&': rc = qt_buf_append(b, "&amp;", 5); break;
		case '<': rc = qt_buf_append(b, "&lt;", 4); break;
		case '>': rc = qt_buf_append(b, "&gt;", 4); break;
		case '"': rc = qt_buf_append(b, "&quot;", 6); break;
		case '\'': rc = qt_buf_append(b, "&apos;", 6); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
				rc = qt_buf_putc(b, *s);
		}
	}
	return rc;
}
