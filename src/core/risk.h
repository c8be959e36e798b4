/* risk.h — risk warnings (风险预警) a regulator sees within its jurisdiction: small rules that
 * decide whether a write's condition is a risk, qt_risk_raise that keeps the warning as a
 * state doc in that write's own transaction, and regulators' listing and state changes. */
#ifndef QT_RISK_H
#define QT_RISK_H

#include <jansson.h>
#include <stdbool.h>

#include "core/platform.h"

#define QT_RISK_CLUSTER_MIN  3    /* open complaints on one product's codes that make a cluster */
#define QT_RISK_CLUSTER_DAYS 30   /* ... filed within this many days */
#define QT_RISK_CLUSTER_READ 1000 /* recent complaints on one product the rule reads */

/* ---- the rules: each whether its condition holds ---- */

/* Whether reasons (an array of {kind, message}, as checks and views give) hold kind. */
bool qt_risk_reason(const json_t *reasons, const char *kind);

/* two_failed_samplings: fails (dates, this one among them) hold two or more within two
 * years of date (sampling.c's qt_sampling_on_site). */
bool qt_risk_two_failed_samplings(const char *date, const char *const *fails, size_t n);
/* suspect_scan: a 查验 check's verdict is suspect (an unknown code, a clone, goods the
 * ledger puts elsewhere), or its reasons (an array of {kind, message}) say the goods are
 * recalled: recalled goods offered to a seller are goods sold on after the recall. */
bool qt_risk_suspect_scan(const char *verdict, const json_t *reasons);
/* licence_revoked: a licence or CCC status is revoked, suspended or expired. */
bool qt_risk_licence_revoked(const char *status);
/* sold_without_flow: an item (a code of granularity "item") of a catalogue unit in the
 * catalogue on date (its "since" no later) turns up with someone while the ledger still has
 * it active (commissioned, not shipped, not sold) with a holder none of explained[0..n)
 * (the units the sighting itself accounts for): it left its holder without a flow record. */
bool qt_risk_sold_without_flow(const json_t *code, const json_t *catalog_unit, const char *date,
                               const char *const *explained, size_t n);
/* complaint_cluster: QT_RISK_CLUSTER_MIN or more of the open complaints filed at these
 * RFC 3339 instants lie within QT_RISK_CLUSTER_DAYS days before now (inclusive). */
bool qt_risk_complaint_cluster(const char *now, const char *const *filed, size_t n);

/* The deterministic id of a rule's warning about subject: "W" + 32 hex digits of
 * SHA-256(rule "\n" subject), so the same condition names the same warning. */
void qt_risk_id(const char *rule, const char *subject, char out[34]);

/* What a warning is about: rule and subject name it; unit (a USCC) is the unit concerned,
 * whose division code (characters 3-8) routes it to the regulators covering it (none: the
 * national regulator's); product (may be NULL or "") gives it its catalogue unit and
 * category, by which regulators filter; details (borrowed, may be NULL) say what was seen. */
typedef struct qt_risk {
	const char *rule, *subject, *unit, *product;
	const json_t *details;
	const char *at; /* the raising record's time (its ts): replaying it raises the same */
} qt_risk;

/* Inside a write's job: keep warning w as written by record rec. A warning of that id
 * still open or acknowledged is left as it is (no duplicate); a closed one opens again.
 * *raised (may be NULL) says whether one was made or reopened. */
qt_rc qt_risk_raise(qt_store *s, const qt_risk *w, uint64_t rec, bool *raised, qt_err *err)
        __attribute__((warn_unused_result));

/* Inside a write's job: the sold_without_flow rule on an issued code's state document,
 * seen by a check or a complaint (what: "check" or "complaint", and its id or ledger
 * index in seen_in) with explained[0..n) the units that sighting accounts for. Raises the
 * warning about the holder and the product (subject "<holder> <product>") when it holds. */
qt_rc qt_risk_flow_gap(qt_store *s, const json_t *code, const char *key, const char *what,
                       const char *seen_in, const char *const *explained, size_t n, uint64_t rec,
                       const char *at, qt_err *err) __attribute__((warn_unused_result));

/* What a listing keeps; NULL members for any. region: a division prefix; category: a
 * catalogue category or unit id; from, to: dates ("2026-11-21", China time, to inclusive)
 * or RFC 3339 instants bounding when a warning was raised. */
typedef struct qt_risk_filter {
	const char *rule, *state, *region, *category, *from, *to;
} qt_risk_filter;

/* Warnings within a regulator's jurisdiction that f keeps, oldest first: {warnings,
 * next?}, paged by qt_doc_page. */
qt_rc qt_risk_list(qt_store *s, const qt_account *who, const qt_risk_filter *f, const char *after,
                   size_t limit, json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* A regulator moves warning id on: body {state acknowledged|closed, note (closing needs
 * one)} as a "warning.update" record. DENIED outside its jurisdiction, CONFLICT from closed
 * or to the same state. *answer {warning, receipt}. */
qt_rc qt_risk_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                     json_t **answer, qt_err *err) __attribute__((warn_unused_result));

#endif
