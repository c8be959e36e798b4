/* tiles.h — C2SP tlog-tiles: the read-only, cacheable form of the log that anyone can mirror.
 * Hash tiles come from the stored Merkle nodes, entry bundles from the stored leaves. */
#ifndef QT_TILES_H
#define QT_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "util/buf.h"
#include "util/rc.h"

#define QT_TILE_WIDTH  256
#define QT_TILE_HEIGHT 8

typedef struct qt_tile_ref {
	bool entries;   /* entry bundle ("tile/entries/...") rather than a hash tile */
	unsigned level; /* hash tiles: tile level L (nodes at Merkle level 8L) */
	uint64_t index; /* N */
	unsigned width; /* 1..256; 256 = full tile (no ".p/W" suffix) */
} qt_tile_ref;

/* "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]", N in the x001/234/067 form. */
qt_rc qt_tile_path(const qt_tile_ref *t, char *out, size_t outsz);
qt_rc qt_tile_path_parse(const char *path, size_t n, qt_tile_ref *out, qt_err *err)
        __attribute__((warn_unused_result));

/* Width of tile (level, index) in a tree of tree_size leaves: 256 for full tiles, less on
 * the right edge, 0 when the tile does not exist yet. */
unsigned qt_tile_width_at(unsigned level, uint64_t index, uint64_t tree_size);

/* Hash tile bytes (width * 32): node hashes at Merkle level 8L, indices index*256 + i.
 * QT_ERR_NOTFOUND when the tile (at that width) is beyond tree_size. */
qt_rc qt_tile_hashes(qt_merkle_node_fn get, void *ctx, uint64_t tree_size, const qt_tile_ref *t,
                     qt_buf *out, qt_err *err) __attribute__((warn_unused_result));

/* Entry bundles: each entry as a big-endian uint16 length then its bytes. */
qt_rc qt_tile_bundle_append(qt_buf *bundle, const void *entry, size_t n)
        __attribute__((warn_unused_result));
/* Iterate a bundle; returns QT_ERR_INVALID on a malformed bundle. */
qt_rc qt_tile_bundle_next(const uint8_t *bundle, size_t n, size_t *pos, const uint8_t **entry,
                          size_t *len) __attribute__((warn_unused_result));

#endif
