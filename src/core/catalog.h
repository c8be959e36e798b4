/* catalog.h — the trace catalogue (追溯清单), products and batches: the things a producer
 * registers before it issues codes. The catalogue itself is data (data/catalog-*.json),
 * loaded into the ledger by `qtrace init`. */
#ifndef QT_CATALOG_H
#define QT_CATALOG_H

#include <jansson.h>

#include "core/platform.h"

#define QT_CATALOG_UNITS_MAX 1000 /* far more than any published batch */

/* Reads and checks a catalogue file; *units gets an array of unit documents
 * {id, category, category_name, name, since, requires}. QT_ERR_INVALID names what is wrong
 * (with the file's path), QT_ERR_IO when it cannot be read. */
qt_rc qt_catalog_load_file(const char *path, json_t **units, qt_err *err)
        __attribute__((warn_unused_result));
/* The same for a file already parsed. */
qt_rc qt_catalog_from_json(const json_t *file, json_t **units, qt_err *err)
        __attribute__((warn_unused_result));
/* One "catalog.add" record per unit, in one job: all are added or none (a unit already in
 * the catalogue is QT_ERR_CONFLICT). */
qt_rc qt_catalog_add(qt_platform *p, const json_t *units, qt_err *err)
        __attribute__((warn_unused_result));
/* {"categories":[{id, name, since, requires, units:[{id, name, since, requires}]}]} */
qt_rc qt_catalog_list(qt_store *s, json_t **out, qt_err *err) __attribute__((warn_unused_result));

/* POST /api/v1/products for producer `who`: *answer = {product, receipt}. */
qt_rc qt_products_register(qt_platform *p, const qt_account *who, const json_t *body,
                           json_t **answer, qt_err *err) __attribute__((warn_unused_result));
/* POST /api/v1/batches: only for who's own product (else QT_ERR_DENIED). */
qt_rc qt_batches_register(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* GET /api/v1/products: a page of the products who may list - a producer its own, a
 * regulator those of the producers in its jurisdiction - in id order after `after`; with q
 * (q_len bytes as decoded: a NUL in it is refused), only those whose name, model or GTIN holds
 * q, ASCII letters in either case. A page looks at no more than QT_PAGE_SCAN_MAX products:
 * *answer {items, next?}, next exactly when more follow, perhaps after a page of none. */
qt_rc qt_products_list(qt_store *s, const qt_account *who, const char *q, size_t q_len,
                       const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));
/* GET /api/v1/products/{id}/batches: a page of the product's batches by production date,
 * oldest or (newest) newest first, after the cursor after (a page's next): {items, next?}.
 * QT_ERR_NOTFOUND for no such product, QT_ERR_INVALID for a cursor of no page. */
qt_rc qt_batches_list(qt_store *s, const char *product, bool newest, const char *after,
                      size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

#endif
