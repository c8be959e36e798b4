/* scan.h — reading a code back, for whoever scans it: its history from the ledger, the public
 * view a consumer gets, the check (查验) a seller runs on incoming goods, and the trace a
 * regulator or a unit on the code's path follows. Nothing here changes a code's state. */
#ifndef QT_SCAN_H
#define QT_SCAN_H

#include <jansson.h>

#include "codes/code.h"
#include "core/platform.h"

#define QT_HISTORY_MAX 2000 /* records one code's history reads */

/* The records of a canonical code, oldest first: its own, and its cartons' while it was
 * packed in them. Each item is {index, leaf (the record as stored, less its index keys, and
 * with its body's list of codes cut to code itself when listed, else empty), via? (the
 * carton whose record it is),
 * corrected_by? (the record that voided it)}. At most max (0: QT_HISTORY_MAX); *truncated
 * says whether there were more. */
qt_rc qt_history(qt_store *s, const char *code, size_t max, json_t **out, bool *truncated,
                 qt_err *err) __attribute__((warn_unused_result));

/* ---- lookup counts (queries.c) ---- */

/* The code's lookup tally (count 0 when never looked up); count: this lookup counts, and
 * *out includes it. Counts reach the store within a second (qt_queries_flush). */
qt_rc qt_queries_get(qt_platform *p, qt_store *s, const char *code, bool count, qt_tally *out,
                     qt_err *err) __attribute__((warn_unused_result));
/* Write the waiting counts now. */
qt_rc qt_queries_flush(qt_platform *p, qt_err *err) __attribute__((warn_unused_result));
/* Stop the counter's thread after a last flush (qt_platform_close calls it). */
void qt_queries_close(qt_platform *p);

/* ---- tracing (trace.c): docs/DOMAIN.md defines back, forward and who sees what ---- */

typedef enum qt_trace_dir {
	QT_TRACE_BACK = 1,    /* toward the source (来源可查) */
	QT_TRACE_FORWARD = 2, /* toward the current holder and the sale (去向可追) */
	QT_TRACE_BOTH = 3,
} qt_trace_dir;

#define QT_TRACE_ITEMS_MAX  10000 /* items of a carton or pallet its trace lists */
#define QT_TRACE_GROUPS_MAX 10000 /* holder × status groups of a batch's forward trace */
#define QT_TRACE_UNITS_MAX  1000  /* units a batch's back trace lists */

/* "back", "forward" or "both"; NULL is both. false for anything else. */
bool qt_trace_dir_parse(const char *text, qt_trace_dir *out) __attribute__((warn_unused_result));

/* The trace of a code in any scanned form: {code, status, direction, view, holders, steps,
 * items? (a carton's or pallet's contents), items_more?, source?, truncated}. A regulator
 * sees the whole chain when it regulates the producer or a unit on the path; a unit on the
 * path sees itself and its direct neighbours. QT_ERR_INVALID: not a code; QT_ERR_NOTFOUND:
 * never issued or packed; QT_ERR_DENIED: anyone else. */
qt_rc qt_trace_code(qt_store *s, const qt_account *who, const char *scanned, size_t n,
                    qt_trace_dir dir, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* The trace of a batch, for its producer and the regulators of the producer or of a unit it
 * passed through: back {source, units (every unit that received its goods)}, forward
 * {holders (count by status per holder), items (a page after `after`, at most limit),
 * next?}. QT_ERR_NOTFOUND: no such batch; QT_ERR_DENIED: anyone else. */
qt_rc qt_trace_batch(qt_store *s, const qt_account *who, const char *batch, qt_trace_dir dir,
                     const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* ---- the public view (public.c) ---- */

/* What anyone may see of a scanned code (any form), without an account: the product, its
 * producer and batch, the code's status, its history with public fields only, how often it
 * was queried, and the warnings that apply. count: this lookup counts as a query. A valid
 * code nobody issued answers the product when its GTIN is known (warning never_issued);
 * QT_ERR_NOTFOUND when nothing is known; QT_ERR_INVALID when it is not a code. */
qt_rc qt_public_view(qt_platform *p, const char *scanned, size_t n, bool count, json_t **answer,
                     qt_err *err) __attribute__((warn_unused_result));

/* Append {kind, message} to out: one warning, or one reason of a check. Returns it (owned by
 * out), for the caller to add the facts its message states. */
json_t *qt_warning_add(json_t *out, const char *kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Frees a thread's documents kept for public views (the platform's views_key destructor). */
void qt_public_cache_free(void *cache);

/* The warnings for a code: appends {kind, message} objects to out. code_doc is its state
 * (NULL: never issued), product and producer its product's and producer's documents (either
 * may be NULL). Kinds: never_issued, recalled, destroyed, licence_revoked,
 * licence_suspended, ccc_revoked, ccc_suspended, serious_violation, warranty_expired. */
qt_rc qt_code_warnings(qt_store *s, const json_t *code_doc, const json_t *product,
                       const json_t *producer, json_t *out, qt_err *err)
        __attribute__((warn_unused_result));

/* ---- a producer's standing (standing.c): regulators' records ---- */

/* {producer, number (licence or CCC certificate), status valid|suspended|revoked, date?,
 * reason (required unless valid)}, by a regulator of the producer. */
qt_rc qt_standing_licence(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err) __attribute__((warn_unused_result));
/* {unit, listed, date?, reason (required to list)}: the serious-violation list. */
qt_rc qt_standing_credit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                         qt_err *err) __attribute__((warn_unused_result));

#endif
