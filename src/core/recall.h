/* recall.h — recalls (召回, issue 6): a regulator of the producer or the producer opens one for
 * a batch, a product or a set of codes, every affected code turns "recalled", holders record
 * what came back or was destroyed, and the impact report is always current. */
#ifndef QT_RECALL_H
#define QT_RECALL_H

#include <jansson.h>

#include "core/platform.h"

#define QT_RECALL_CODES_MAX 100000 /* affected codes of one recall (a batch's issue maximum) */
#define QT_RECALL_GROUPS    10000  /* holder × progress groups of one impact report */

/* Open a recall ("recall.open" record): body {batch | product | codes (1..63), reason,
 * date?}. Affected are the scope's commissioned codes (and what is packed in listed ones)
 * that are not destroyed; all turn "recalled", sold ones too, so every scanner is warned.
 * *answer is {recall, impact, receipt}. */
qt_rc qt_recall_open(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                     qt_err *err) __attribute__((warn_unused_result));

/* Record codes (1..63) of recall id as {action: returned|destroyed} by their holder
 * ("recall.progress"). *answer is {recall, impact, receipt}. */
qt_rc qt_recall_progress(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                         json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* Close recall id {note} ("recall.close"): its opener or a regulator of the producer. */
qt_rc qt_recall_close(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                      json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* {recall, impact}: for regulators of the producer, the producer and holders of its codes.
 * impact: {holders [{unit, name, region, quantity, returned, destroyed, outstanding}],
 * sold_by_region [{region, quantity}], totals {found, sold, returned, destroyed,
 * outstanding}}. */
qt_rc qt_recall_get(qt_store *s, const qt_account *who, const char *id, json_t **answer,
                    qt_err *err) __attribute__((warn_unused_result));

/* The recalls who may see, opening order: {recalls, next?} (qt_doc_page). */
qt_rc qt_recall_list(qt_store *s, const qt_account *who, const char *after, size_t limit,
                     json_t **answer, qt_err *err) __attribute__((warn_unused_result));

#endif
