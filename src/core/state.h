/* state.h — the platform's documents checked against the records that wrote them: the second
 * half of `qtrace verify`, after the ledger itself. */
#ifndef QT_STATE_H
#define QT_STATE_H

#include <stdint.h>

#include "core/platform.h"

typedef struct qt_state_result {
	uint64_t docs;    /* documents looked at */
	uint64_t checked; /* of those, checked against their records (see qt_state_verify) */
} qt_state_result;

/* Called now and then with how many documents, then records, were looked at so far. */
typedef void (*qt_state_progress_fn)(const char *what, uint64_t n);

/* In one read snapshot of s, every document of the kinds a record alone decides — catalogue
 * units, products, GTINs, batches, batch numbers, accounts and their tokens, licence and
 * serious-violation standing, and each code's identity (who issued it, for what product and
 * batch, in which scheme) — against the record it names as its writer (docs.rec) and, for a
 * standing, against every later record about the same number or unit. Every other document
 * must name a record the store holds. QT_ERR_INVALID naming the first document that differs;
 * QT_OK when all agree. */
qt_rc qt_state_verify(qt_store *s, qt_state_progress_fn progress, qt_state_result *res, qt_err *err)
        __attribute__((warn_unused_result));

#endif
