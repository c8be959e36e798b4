/* sampling.h — supervision sampling (监督抽查): inspection bodies and regulators record a
 * test result against a producer's product and batch, sampled at a unit; a fail starts the
 * batch's two-way trace at once and may flag the producer for an on-site inspection. */
#ifndef QT_SAMPLING_H
#define QT_SAMPLING_H

#include <jansson.h>
#include <stdbool.h>

#include "core/platform.h"

#define QT_SAMPLING_ITEMS_MAX   100  /* items tested in one sampling */
#define QT_SAMPLING_FAILS_MAX   1000 /* a producer's failed samplings the risk rule reads */
#define QT_SAMPLING_TRACE_ITEMS 100  /* items of a failed batch the answer lists */

/* Record a sampling (a "sampling" ledger record and doc): body {unit (sampled at), producer,
 * product, batch, date, place production|circulation, standard, items, result pass|fail,
 * failed_items (fail only, among items), report {sha256, name}}. who: an inspection body, or
 * a regulator of the producer or of the unit. *answer is {sampling, trace? (a fail's batch
 * trace both ways, or null when the recorder may not see it), receipt}. */
qt_rc qt_sampling_record(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                         qt_err *err) __attribute__((warn_unused_result));

typedef struct qt_sampling_filter {
	const char *unit;    /* the producer or the unit sampled at */
	const char *product; /* each NULL: any */
	const char *batch;
	const char *result; /* "pass" or "fail" */
} qt_sampling_filter;

/* The samplings who may see (its regulators', the recording body's, the producer's own)
 * that match f, in date order: {samplings, next?}, paged by qt_doc_page: up to `limit` of
 * them, next when more may follow. */
qt_rc qt_sampling_list(qt_store *s, const qt_account *who, const qt_sampling_filter *f,
                       const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* The first risk rule: whether a unit with these failed samplings (dates "YYYY-MM-DD", the
 * one of `date` among them) has two or more within two years of `date`, either side, the
 * same calendar day two years apart counting as within. */
bool qt_sampling_on_site(const char *date, const char *const *fails, size_t n);

#endif
