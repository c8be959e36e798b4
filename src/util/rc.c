/* rc.c — names for result codes and the error-message helper shared by every module.
 * Kept tiny and allocation-free so it can be used on any path, including failure paths. */
#include "util/rc.h"

#include <stdarg.h>
#include <stdio.h>

const char *qt_rc_str(qt_rc rc)
{
	switch (rc) {
	case QT_OK: return "ok";
	case QT_ERR_INVALID: return "invalid";
	case QT_ERR_NOMEM: return "out of memory";
	case QT_ERR_TOOBIG: return "too big";
	case QT_ERR_IO: return "i/o error";
	case QT_ERR_USAGE: return "usage error";
	case QT_ERR_NOTFOUND: return "not found";
	case QT_ERR_CONFLICT: return "conflict";
	case QT_ERR_DENIED: return "denied";
	}
	return "unknown error";
}

qt_rc qt_err_set(qt_err *err, qt_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return rc;
}
