/* tiles.c — C2SP tlog-tiles: tile paths both ways, which tiles exist at a tree size, hash tile
 * contents from the stored Merkle nodes, and entry bundles. Paths come from HTTP requests, so
 * the parser accepts only the one canonical spelling of each tile. */
#include "ledger/tiles.h"

#include <stdio.h>
#include <string.h>

#define TILE_LEVEL_MAX   63
#define TILE_PATH_MAX    64 /* longest: "tile/entries/" + 7 groups of N + ".p/255" = 53 */
#define TILE_N_GROUPS    7  /* UINT64_MAX has 20 digits */
#define BUNDLE_ENTRY_MAX 0xffffu

/* "x018/x446/.../615": three digits per element, all but the last after an 'x'. */
static size_t format_index(uint64_t n, char *out)
{
	unsigned groups[TILE_N_GROUPS];
	size_t k = 0, pos = 0;

	do {
		groups[k++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n > 0);
	while (k-- > 0) {
		if (k > 0)
			out[pos++] = 'x';
		out[pos++] = (char)('0' + groups[k] / 100);
		out[pos++] = (char)('0' + groups[k] / 10 % 10);
		out[pos++] = (char)('0' + groups[k] % 10);
		if (k > 0)
			out[pos++] = '/';
	}
	return pos;
}

qt_rc qt_tile_path(const qt_tile_ref *t, char *out, size_t outsz)
{
	char buf[TILE_PATH_MAX];
	size_t pos;
	qt_rc rc = QT_OK;
	int w;

	if (t->width < 1 || t->width > QT_TILE_WIDTH ||
	    (!t->entries && t->level > TILE_LEVEL_MAX)) {
		rc = QT_ERR_USAGE;
		goto out;
	}
	if (t->entries)
		w = snprintf(buf, sizeof buf, "tile/entries/");
	else
		w = snprintf(buf, sizeof buf, "tile/%u/", t->level);
	pos = (size_t)w;
	pos += format_index(t->index, buf + pos);
	if (t->width < QT_TILE_WIDTH)
		pos += (size_t)snprintf(buf + pos, sizeof buf - pos, ".p/%u", t->width);
	if (outsz < pos + 1) {
		if (outsz > 0)
			out[0] = '\0';
		rc = QT_ERR_TOOBIG;
		goto out;
	}
	memcpy(out, buf, pos);
	out[pos] = '\0';
out:
	return rc;
}

/* A decimal without leading zeroes in [lo, hi], at most 3 digits, starting at *pos. */
static bool parse_small(const char *s, size_t n, size_t *pos, unsigned lo, unsigned hi,
                        unsigned *out)
{
	size_t i = *pos, start = *pos;
	unsigned v = 0;

	while (i < n && i - start < 4 && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (unsigned)(s[i++] - '0');
	if (i == start || i - start > 3 || (s[start] == '0' && i - start > 1) || v < lo || v > hi)
		return false;
	*pos = i;
	*out = v;
	return true;
}

static bool parse_group(const char *s, size_t n, size_t pos, unsigned *out)
{
	if (n - pos < 3)
		return false;
	for (size_t i = 0; i < 3; i++) {
		if (s[pos + i] < '0' || s[pos + i] > '9')
			return false;
	}
	*out = (unsigned)(s[pos] - '0') * 100 + (unsigned)(s[pos + 1] - '0') * 10 +
	       (unsigned)(s[pos + 2] - '0');
	return true;
}

qt_rc qt_tile_path_parse(const char *path, size_t n, qt_tile_ref *out, qt_err *err)
{
	qt_tile_ref t = {.entries = false, .level = 0, .index = 0, .width = QT_TILE_WIDTH};
	size_t pos = 5, groups = 0;
	unsigned g;
	qt_rc rc = QT_OK;

	if (n > TILE_PATH_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "tile path: longer than %d bytes",
		                TILE_PATH_MAX);
		goto out;
	}
	if (n < 5 || memcmp(path, "tile/", 5) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "tile path: does not start with \"tile/\"");
		goto out;
	}
	if (n - pos >= 8 && memcmp(path + pos, "entries/", 8) == 0) {
		t.entries = true;
		pos += 8;
	} else if (parse_small(path, n, &pos, 0, TILE_LEVEL_MAX, &t.level) && pos < n &&
	           path[pos] == '/') {
		pos++;
	} else {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "tile path: level must be \"entries\" or 0 to %d without leading "
		                "zeroes, then '/'",
		                TILE_LEVEL_MAX);
		goto out;
	}
	for (;;) {
		bool more = pos < n && path[pos] == 'x';

		if (!parse_group(path, n, pos + more, &g)) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: index element at byte %zu is not three digits",
			                pos + more);
			goto out;
		}
		if (groups == 0 && more && g == 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: index has a leading x000 element");
			goto out;
		}
		if (++groups > TILE_N_GROUPS || t.index > (UINT64_MAX - g) / 1000) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: index does not fit in 64 bits");
			goto out;
		}
		t.index = t.index * 1000 + g;
		pos += more + 3;
		if (!more)
			break;
		if (pos >= n || path[pos] != '/') {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: expected '/' after index element at byte %zu",
			                pos);
			goto out;
		}
		pos++;
	}
	if (pos < n) {
		if (n - pos < 3 || memcmp(path + pos, ".p/", 3) != 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: unexpected characters at byte %zu", pos);
			goto out;
		}
		pos += 3;
		if (!parse_small(path, n, &pos, 1, QT_TILE_WIDTH - 1, &t.width) || pos != n) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "tile path: partial width must be 1 to %d without leading "
			                "zeroes",
			                QT_TILE_WIDTH - 1);
			goto out;
		}
	}
	*out = t;
out:
	return rc;
}

unsigned qt_tile_width_at(unsigned level, uint64_t index, uint64_t tree_size)
{
	uint64_t nodes, full;

	/* Hashes at Merkle level 8L exist for each complete run of 256^L leaves. */
	if (level >= 64 / QT_TILE_HEIGHT)
		return 0;
	nodes = tree_size >> (QT_TILE_HEIGHT * level);
	full = nodes / QT_TILE_WIDTH;
	if (index < full)
		return QT_TILE_WIDTH;
	if (index == full)
		return (unsigned)(nodes % QT_TILE_WIDTH);
	return 0;
}

qt_rc qt_tile_hashes(qt_merkle_node_fn get, void *ctx, uint64_t tree_size, const qt_tile_ref *t,
                     qt_buf *out, qt_err *err)
{
	size_t start = out->len;
	unsigned avail, mlevel;
	qt_hash h;
	qt_rc rc = QT_OK;

	if (t->entries) {
		rc = qt_err_set(err, QT_ERR_INVALID, "an entry bundle is not a hash tile");
		goto out;
	}
	if (t->width < 1 || t->width > QT_TILE_WIDTH || t->level > TILE_LEVEL_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "tile %u/%llu: width %u or level out of range",
		                t->level, (unsigned long long)t->index, t->width);
		goto out;
	}
	avail = qt_tile_width_at(t->level, t->index, tree_size);
	if (t->width > avail) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND,
		                "tile %u/%llu of width %u does not exist at tree size %llu",
		                t->level, (unsigned long long)t->index, t->width,
		                (unsigned long long)tree_size);
		goto out;
	}
	if (out->len > out->max || out->max - out->len < (size_t)t->width * QT_HASH_LEN) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "tile of %u hashes does not fit the buffer",
		                t->width);
		goto out;
	}
	/* width_at > 0 means index * 256 + width <= node count, so nothing below overflows. */
	mlevel = QT_TILE_HEIGHT * t->level;
	for (unsigned i = 0; i < t->width; i++) {
		uint64_t idx = t->index * QT_TILE_WIDTH + i;

		rc = get(ctx, mlevel, idx, &h);
		if (rc != QT_OK) {
			rc = qt_err_set(err, rc, "reading Merkle node (level %u, index %llu): %s",
			                mlevel, (unsigned long long)idx, qt_rc_str(rc));
			goto out;
		}
		rc = qt_buf_append(out, h.b, sizeof h.b);
		if (rc != QT_OK) {
			rc = qt_err_set(err, rc, "building tile: %s", qt_rc_str(rc));
			goto out;
		}
	}
out:
	/* A failed call leaves the buffer as it found it. */
	if (rc != QT_OK && out->len > start) {
		out->len = start;
		out->p[start] = '\0';
	}
	return rc;
}

qt_rc qt_tile_bundle_append(qt_buf *bundle, const void *entry, size_t n)
{
	uint8_t len[2];
	size_t start = bundle->len;
	qt_rc rc;

	/* Checked up front so that a length prefix is never left without its entry. */
	if (n > BUNDLE_ENTRY_MAX || bundle->len > bundle->max ||
	    bundle->max - bundle->len < n + 2) {
		rc = QT_ERR_TOOBIG;
		goto out;
	}
	len[0] = (uint8_t)(n >> 8);
	len[1] = (uint8_t)n;
	rc = qt_buf_append(bundle, len, sizeof len);
	if (rc != QT_OK)
		goto out;
	rc = qt_buf_append(bundle, entry, n);
	if (rc != QT_OK) {
		bundle->len = start;
		bundle->p[start] = '\0';
	}
out:
	return rc;
}

/* QT_OK with the next entry, QT_ERR_NOTFOUND at the clean end of the bundle, QT_ERR_INVALID
 * when the bytes left cannot be an entry. Outputs change only on QT_OK. */
qt_rc qt_tile_bundle_next(const uint8_t *bundle, size_t n, size_t *pos, const uint8_t **entry,
                          size_t *len)
{
	size_t p = *pos, l;
	qt_rc rc = QT_OK;

	if (p == n) {
		rc = QT_ERR_NOTFOUND;
		goto out;
	}
	/* Past the end, or a length prefix cut short. */
	if (p > n || n - p < 2) {
		rc = QT_ERR_INVALID;
		goto out;
	}
	l = (size_t)bundle[p] << 8 | bundle[p + 1];
	if (n - p - 2 < l) {
		rc = QT_ERR_INVALID;
		goto out;
	}
	*entry = bundle + p + 2;
	*len = l;
	*pos = p + 2 + l;
out:
	return rc;
}
