/* rc.h — the one result enum every qtrace function returns, and the error text that goes
 * with it. Values are part of the ABI of the CLI and logs: append, never renumber. */
#ifndef QT_RC_H
#define QT_RC_H

#include <stddef.h>

typedef enum qt_rc {
	QT_OK = 0,
	QT_ERR_INVALID = 1,  /* input breaks a rule; the qt_err says which */
	QT_ERR_NOMEM = 2,    /* allocation failed */
	QT_ERR_TOOBIG = 3,   /* input or output exceeds a hard cap */
	QT_ERR_IO = 4,       /* read, write or random source failed */
	QT_ERR_USAGE = 5,    /* caller misused an API or the CLI */
	QT_ERR_NOTFOUND = 6, /* the thing asked for does not exist */
	QT_ERR_CONFLICT = 7, /* it exists already, or the state forbids it (a rule of the flow) */
	QT_ERR_DENIED = 8,   /* the caller may not do this */
} qt_rc;

/* Human-readable detail for a failed call. Callers own it (usually on the stack); a
 * function that fails writes one sentence into it and leaves it untouched on success. */
#define QT_ERR_MSG_MAX 200
typedef struct qt_err {
	char msg[QT_ERR_MSG_MAX];
} qt_err;

const char *qt_rc_str(qt_rc rc);

/* printf-style; a NULL err is allowed and ignored. Returns rc so callers can write
 * `return qt_err_set(err, QT_ERR_INVALID, "...")` or `rc = qt_err_set(...); goto out;`. */
qt_rc qt_err_set(qt_err *err, qt_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
