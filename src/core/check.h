/* check.h — checking incoming goods (查验): a seller scans the codes of goods it is taking in
 * and names the supplier it believes they come from; each code gets a verdict with reasons
 * and becomes a "check" ledger record, which the regulators' risk view lists. A check never
 * changes a code's state. The rules are in docs/DOMAIN.md, "Checking incoming goods". */
#ifndef QT_CHECK_H
#define QT_CHECK_H

#include <jansson.h>

#include "core/platform.h"

#define QT_CHECK_MAX 1000 /* codes in one check request */

/* Check body {supplier: USCC, codes: [scanned text, ...]} as who (a seller): one check
 * record per code, all in one job. *answer is {checked, first_index, counts: {genuine,
 * warning, suspect}, results: [{code, index, verdict, reasons: [{kind, message}]}],
 * receipts: [first, last]}. Bad input records nothing: QT_ERR_INVALID, QT_ERR_TOOBIG (more
 * than QT_CHECK_MAX codes), QT_ERR_DENIED (not a seller). */
qt_rc qt_check_submit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                      qt_err *err) __attribute__((warn_unused_result));

/* A page of recorded checks in ledger order: a unit's own (unit NULL or itself), one unit's
 * for a regulator whose jurisdiction covers it, or (unit NULL) every check made by units in a
 * regulator's jurisdiction. verdict (NULL: any) narrows the list. *answer is {checks:
 * [{index, ts, checker, supplier, code, verdict, reasons}], next?}. */
qt_rc qt_check_list(qt_store *s, const qt_account *who, const char *unit, const char *verdict,
                    const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

#endif
