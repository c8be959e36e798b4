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

/* two_failed_samplings: fails (dates, this one among them) hold two or more within two
 * years of date (sampling.c's qt_sampling_on_site). */
bool qt_risk_two_failed_samplings(const char *date, const char *const *fails, size_t n);
/* suspect_scan: a 查验 check's verdict is suspect. */
bool qt_risk_suspect_scan(const char *verdict);
/* licence_revoked: a licence or CCC status is revoked or suspended. */
bool qt_risk_licence_revoked(const char *status);
/* complaint_cluster: QT_RISK_CLUSTER_MIN or more of the open complaints filed at these
 * RFC 3339 instants lie within QT_RISK_CLUSTER_DAYS days before now (inclusive). */
bool qt_risk_complaint_cluster(const char *now, const char *const *filed, size_t n);

/* The deterministic id of a rule's warning about subject: "W" + 32 hex digits of
 * SHA-256(rule "\n" subject), so the same condition names the same warning. */
void qt_risk_id(const char *rule, const char *subject, char out[34]);

/* Inside a write's job: keep the warning (rule, subject) about unit (a USCC: the warning
 * carries its division code, characters 3-8, for the regulators covering it; one without
 * a division is the national regulator's) with details (borrowed), as written by record
 * rec. A warning of that id still open or acknowledged is left as it is (no duplicate); a
 * closed one opens again. *raised (may be NULL) says whether one was made or reopened. */
qt_rc qt_risk_raise(qt_store *s, const char *rule, const char *subject, const char *unit,
                    const json_t *details, uint64_t rec, bool *raised, qt_err *err)
        __attribute__((warn_unused_result));

/* Warnings within a regulator's jurisdiction, oldest first: {warnings, next?}. rule, state,
 * region (a division prefix): NULL for any. Paged by qt_doc_page. */
qt_rc qt_risk_list(qt_store *s, const qt_account *who, const char *rule, const char *state,
                   const char *region, const char *after, size_t limit, json_t **answer,
                   qt_err *err) __attribute__((warn_unused_result));

/* A regulator moves warning id on: body {state acknowledged|closed, note (closing needs
 * one)} as a "warning.update" record. DENIED outside its jurisdiction, CONFLICT from closed
 * or to the same state. *answer {warning, receipt}. */
qt_rc qt_risk_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                     json_t **answer, qt_err *err) __attribute__((warn_unused_result));

#endif
