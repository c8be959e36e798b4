/* draw.h — the double random draw (双随机、一公开): a regulator draws units to inspect and
 * inspection bodies to send, with a seed fixed in advance by a signed checkpoint and the
 * draw's parameters, so anyone can recompute the selection (docs/DOMAIN.md, "Draws"). */
#ifndef QT_DRAW_H
#define QT_DRAW_H

#include <jansson.h>
#include <stdint.h>

#include "core/names.h"
#include "core/platform.h"
#include "ledger/note.h"

#define QT_DRAW_PICK_MAX   1000   /* units or bodies one draw may pick */
#define QT_DRAW_UNITS_MAX  1200   /* eligible units one record can list (leaf size) */
#define QT_DRAW_BODIES_MAX 200    /* eligible inspection bodies one record can list */
#define QT_DRAW_REGION_MAX 200000 /* units in a draw's region held while reading */

/* seed = SHA-256(root || JCS(params)). */
qt_rc qt_draw_seed(const qt_hash *root, const json_t *params, uint8_t seed[32], qt_err *err)
        __attribute__((warn_unused_result));

/* The first k of ids (an array of strings) ordered by SHA-256(seed || list || 0x00 || id),
 * ties by id bytes; all of them when k is larger. *out: a new array, in that order. */
qt_rc qt_draw_select(const uint8_t seed[32], const char *list, const json_t *ids, size_t k,
                     json_t **out, qt_err *err) __attribute__((warn_unused_result));

/* The candidates for a draw with params ({jurisdiction, tree_size, region?, category?,
 * catalog_unit?}) as the ledger held them at tree_size, read from its records alone:
 * units from unit.register records with the role producer or seller whose division (USCC
 * positions 3-8) jurisdiction and region cover, having a product.register record in
 * catalog_unit / in a unit whose catalog.add record names category when given; inspection
 * bodies from account.add records. Both sorted by id. The server's draw and
 * `qtrace draw verify` both call this. */
qt_rc qt_draw_eligible(qt_store *s, const json_t *params, json_t **units, json_t **bodies,
                       qt_err *err) __attribute__((warn_unused_result));

/* POST /api/v1/draws: a regulator's draw, recorded (type "draw") and kept as document
 * "draw" (id: the record index, 20 digits). */
qt_rc qt_draw_make(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                   qt_err *err) __attribute__((warn_unused_result));

/* A draw as a person reads it (a qt_names_fn): by_name, the regulator that drew, and names,
 * {id: name} of each unit and inspection body selected that has an account. The candidates
 * are left by id: a region's may be a thousand. */
qt_rc qt_draw_name(qt_names *n, json_t *draw, qt_err *err) __attribute__((warn_unused_result));

/* A draw record's body recomputed: the checkpoint signed by v and no later than the draw
 * (index), params naming it, both candidate lists read again from the ledger in s
 * (qt_draw_eligible), the seed and both selections. QT_ERR_INVALID names the first
 * mismatch: a candidate missing from or extra in the record by its id. */
qt_rc qt_draw_check(qt_store *s, const json_t *body, uint64_t index, const qt_verifier *v,
                    qt_err *err) __attribute__((warn_unused_result));

#endif
