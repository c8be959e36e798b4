/* stats.h — statistics for a regulator's jurisdiction (GET /api/v1/stats): units, products and
 * codes by region and category, catalogue coverage, flow completeness, recent events, recalls
 * and complaints. Every count is bounded; the answer says where a bound cut it. */
#ifndef QT_STATS_H
#define QT_STATS_H

#include <jansson.h>

#include "core/platform.h"

#define QT_STATS_DOCS_MAX    100000 /* documents of one kind looked at (units, products, ...) */
#define QT_STATS_RECORDS_MAX 20000  /* newest ledger records scanned for events per day */
#define QT_STATS_DAYS        30     /* days of events per day, today (in China) included */

/* The statistics a regulator (who) may see: everything when national, else the units whose
 * division its jurisdiction covers and what they produced, and complaints routed within it.
 * QT_ERR_DENIED for anyone else. Reads one snapshot. now (seconds since the epoch) is the
 * time they are for: events per day end with its day in China, and each record counts on
 * the day in China it was made. */
qt_rc qt_stats(qt_store *s, const qt_account *who, long long now, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

#endif
