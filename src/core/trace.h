/* trace.h — trace codes and their flow: producers issue codes for their products and batches
 * (code.issue records), and units record what happens to them (event.* records). The rules
 * are checked inside the write's transaction, so a refused request changes nothing. */
#ifndef QT_TRACE_H
#define QT_TRACE_H

#include <jansson.h>

#include "core/platform.h"

#define QT_ISSUE_MAX        100000 /* codes in one issue request */
#define QT_ISSUE_PER_RECORD 64     /* codes in one code.issue record (each an index key) */
#define QT_ISSUE_SHOWN      1000   /* codes listed in the answer; the rest are paged */
#define QT_EVENTS_MAX       10000  /* events in one request */
#define QT_EVENT_CODES_MAX  64     /* codes one event names (its record's index keys) */

/* Issue codes for a product or batch of who's (a producer). body: {product? | batch?,
 * granularity, scheme, count? | codes?}. All or nothing; *answer is {issued, codes, more,
 * receipts:[first, last]}. */
qt_rc qt_codes_issue(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                     qt_err *err) __attribute__((warn_unused_result));

/* A page of the codes of a batch or product (kind "batch_codes"/"product_codes") owned by
 * who: {codes:[...], next?}. */
qt_rc qt_codes_list(qt_store *s, const qt_account *who, const char *link_kind, const char *src,
                    const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* Record events {events:[...]}: all in order, in one job, all or none. *answer is
 * {accepted, receipts:[...]}. */
qt_rc qt_events_submit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                       qt_err *err) __attribute__((warn_unused_result));

/* Append key and everything packed in it (the "children" links, at any depth; pack refuses
 * cycles), breadth first, to out: at most max codes with key itself (0: no limit), *more
 * (may be NULL) saying whether some were left out. */
qt_rc qt_codes_with_contents(qt_store *s, const char *key, size_t max, json_t *out, bool *more,
                             qt_err *err) __attribute__((warn_unused_result));

/* Recall key and everything packed in it, as a recall event does (holders unchanged, off any
 * shipment), within a write job's transaction (record rec): a recall of issue 6 uses it. */
/* The time of the sale a consumer's item came from, or "" when no consumer has it: a sold
 * item's, or a recalled one's that was sold when it was recalled (a recall keeps the sale's
 * time; so does a buyer's return, whose status tells it apart until a recall replaces it). */
const char *qt_code_sale(const json_t *code_doc);

/* Whether a record of this type may be corrected (voided by its author): events other than
 * recall, destroy and correct. Other records never have a correction. */
bool qt_event_correctable(const char *type);

qt_rc qt_code_recall(qt_store *s, const char *key, uint64_t rec, qt_err *err)
        __attribute__((warn_unused_result));

/* Which shipments to list: those unit (who itself when NULL; another unit only for its
 * regulator) sent (incoming false) or was sent, only those still on their way when pending,
 * in shipping order or newest first, a page of limit from the cursor after (a page's next). */
typedef struct qt_shipment_query {
	const char *unit, *after;
	bool incoming, pending, newest;
	size_t limit;
} qt_shipment_query;

/* {shipments:[...], next?}: a page of the shipments q asks for. */
qt_rc qt_shipments_list(qt_store *s, const qt_account *who, const qt_shipment_query *q,
                        json_t **answer, qt_err *err) __attribute__((warn_unused_result));
/* One shipment {id, from, from_name, to, to_name, codes, received, cancelled?}, for its
 * parties and their regulators. */
qt_rc qt_shipments_get(qt_store *s, const qt_account *who, const char *id, json_t **answer,
                       qt_err *err) __attribute__((warn_unused_result));
/* The events of a file (the CSV upload), where one refused event must not hide the next: each
 * event's shape and rules are checked in order, and each refusal is appended to fails as
 * {"event": i, "message"} (a refused event is taken back whole before the next is applied).
 * Only when none is refused and record is true are they recorded: QT_OK and *answer as from
 * qt_events_submit. record false checks only (QT_OK, *answer NULL, when none is refused).
 * QT_ERR_CONFLICT when some were refused; nothing changes. */
qt_rc qt_events_submit_each(qt_platform *p, const qt_account *who, const json_t *events,
                            bool record, json_t *fails, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* A ledger file (台账) as CSV text: one event per row, recorded all or none (see
 * docs/DOMAIN.md for the columns). QT_OK: *answer as from qt_events_submit. Rows that fail
 * (their values, shape or rules): QT_ERR_INVALID with *rows = [{row, column?, message}] in
 * row order. A file that cannot be read as a ledger at all (not CSV, not UTF-8, an unknown
 * column, no rows): QT_ERR_INVALID with *rows NULL; more than QT_EVENTS_MAX rows:
 * QT_ERR_TOOBIG. */
qt_rc qt_events_csv(qt_platform *p, const qt_account *who, const char *text, size_t n,
                    json_t **answer, json_t **rows, qt_err *err)
        __attribute__((warn_unused_result));

#endif
