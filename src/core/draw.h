/* draw.h — the double random draw (双随机、一公开): a regulator draws units to inspect and
 * inspection bodies to send, with a seed fixed in advance by a signed checkpoint and the
 * draw's parameters, so anyone can recompute the selection (docs/DOMAIN.md, "Draws"). */
#ifndef QT_DRAW_H
#define QT_DRAW_H

#include <jansson.h>
#include <stdint.h>

#include "core/platform.h"
#include "ledger/note.h"

#define QT_DRAW_PICK_MAX      1000   /* units or bodies one draw may pick */
#define QT_DRAW_UNITS_MAX     1200   /* eligible units one record can list (leaf size) */
#define QT_DRAW_BODIES_MAX    200    /* eligible inspection bodies one record can list */
#define QT_DRAW_ACCOUNTS_SCAN 200000 /* accounts read to find the candidates */

/* seed = SHA-256(root || JCS(params)). */
qt_rc qt_draw_seed(const qt_hash *root, const json_t *params, uint8_t seed[32], qt_err *err)
        __attribute__((warn_unused_result));

/* The first k of ids (an array of strings) ordered by SHA-256(seed || list || 0x00 || id),
 * ties by id bytes; all of them when k is larger. *out: a new array, in that order. */
qt_rc qt_draw_select(const uint8_t seed[32], const char *list, const json_t *ids, size_t k,
                     json_t **out, qt_err *err) __attribute__((warn_unused_result));

/* The candidates for who's draw: units (producer or seller accounts) whose division who
 * regulates and region (may be NULL) covers, having a product in catalog_unit / category
 * when given; and every inspection body. Sorted by id. */
qt_rc qt_draw_eligible(qt_store *s, const qt_account *who, const char *region, const char *category,
                       const char *catalog_unit, json_t **units, json_t **bodies, qt_err *err)
        __attribute__((warn_unused_result));

/* POST /api/v1/draws: a regulator's draw, recorded (type "draw") and kept as document
 * "draw" (id: the record index, 20 digits). */
qt_rc qt_draw_make(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                   qt_err *err) __attribute__((warn_unused_result));

/* A draw record's body recomputed: the checkpoint signed by v and no later than the draw
 * (index), params naming it, the seed and both selections. QT_ERR_INVALID names the first
 * mismatch. */
qt_rc qt_draw_check(const json_t *body, uint64_t index, const qt_verifier *v, qt_err *err)
        __attribute__((warn_unused_result));

#endif
