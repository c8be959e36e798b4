/* test_tiles.c — tlog-tiles: path vectors both ways and the spellings the parser must refuse,
 * tile widths around tile boundaries (including the spec's own examples), hash tiles read from
 * a node store computed here with SHA-256, and entry bundles, well- and ill-formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/tiles.h"

static void assert_msg_has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, want);
}

/* Parse from a heap copy of exactly n bytes, no NUL: the sanitizer build catches any read
 * past the end. */
static qt_rc parse_exact(const char *path, size_t n, qt_tile_ref *t, qt_err *err)
{
	char *copy = malloc(n ? n : 1);
	qt_rc rc;

	assert_non_null(copy);
	memcpy(copy, path, n);
	rc = qt_tile_path_parse(copy, n, t, err);
	free(copy);
	return rc;
}

typedef struct path_vector {
	bool entries;
	unsigned level;
	uint64_t index;
	unsigned width;
	const char *path;
} path_vector;

static const path_vector vectors[] = {
        {false, 0, 0, 256, "tile/0/000"},
        {false, 0, 5, 256, "tile/0/005"},
        {false, 0, 255, 256, "tile/0/255"},
        {false, 0, 256, 256, "tile/0/256"},
        {false, 0, 999, 256, "tile/0/999"},
        {false, 0, 1000, 256, "tile/0/x001/000"},
        {false, 0, 1001, 256, "tile/0/x001/001"},
        {false, 2, 999999, 256, "tile/2/x999/999"},
        {false, 0, 1000000, 256, "tile/0/x001/x000/000"},
        {false, 0, 1234067, 256, "tile/0/x001/x234/067"},
        {false, 1, 1234067, 17, "tile/1/x001/x234/067.p/17"},
        {false, 0, 5, 1, "tile/0/005.p/1"},
        {false, 0, 5, 255, "tile/0/005.p/255"},
        {false, 10, 0, 100, "tile/10/000.p/100"},
        {false, 63, 0, 256, "tile/63/000"},
        {false, 0, UINT64_MAX, 255, "tile/0/x018/x446/x744/x073/x709/x551/615.p/255"},
        {true, 0, 0, 256, "tile/entries/000"},
        {true, 0, 5, 1, "tile/entries/005.p/1"},
        {true, 0, 1000, 256, "tile/entries/x001/000"},
        {true, 0, 1234067, 112, "tile/entries/x001/x234/067.p/112"},
        {true, 0, UINT64_MAX, 255, "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255"},
};

static void test_path_vectors(void **state)
{
	char out[128];
	qt_tile_ref t, back;
	qt_err err = {{0}};

	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const path_vector *v = &vectors[i];

		t = (qt_tile_ref){v->entries, v->level, v->index, v->width};
		assert_int_equal(qt_tile_path(&t, out, sizeof out), QT_OK);
		assert_string_equal(out, v->path);
		/* Exactly enough room, and one byte less. */
		assert_int_equal(qt_tile_path(&t, out, strlen(v->path) + 1), QT_OK);
		assert_int_equal(qt_tile_path(&t, out, strlen(v->path)), QT_ERR_TOOBIG);
		assert_int_equal(out[0], '\0');

		memset(&back, 0x5a, sizeof back);
		if (parse_exact(v->path, strlen(v->path), &back, &err) != QT_OK)
			fail_msg("%s: %s", v->path, err.msg);
		assert_int_equal(back.entries, v->entries);
		assert_int_equal(back.level, v->level);
		assert_int_equal(back.index, v->index);
		assert_int_equal(back.width, v->width);
	}
}

static void test_path_format_errors(void **state)
{
	char out[128];
	qt_tile_ref t = {false, 0, 0, 0};

	(void)state;
	assert_int_equal(qt_tile_path(&t, out, sizeof out), QT_ERR_USAGE);
	t.width = 257;
	assert_int_equal(qt_tile_path(&t, out, sizeof out), QT_ERR_USAGE);
	t.width = 256;
	t.level = 64;
	assert_int_equal(qt_tile_path(&t, out, sizeof out), QT_ERR_USAGE);
	t.entries = true; /* level means nothing for entry bundles */
	assert_int_equal(qt_tile_path(&t, out, sizeof out), QT_OK);
	assert_string_equal(out, "tile/entries/000");
	assert_int_equal(qt_tile_path(&t, out, 0), QT_ERR_TOOBIG);
}

static void expect_parse_fail(const char *path, const char *want)
{
	qt_tile_ref t;
	qt_err err = {{0}};

	memset(&t, 0x5a, sizeof t);
	if (parse_exact(path, strlen(path), &t, &err) != QT_ERR_INVALID)
		fail_msg("accepted \"%s\"", path);
	assert_msg_has(err.msg, want);
	assert_int_equal(t.index, 0x5a5a5a5a5a5a5a5aull);
}

static void test_path_rejects(void **state)
{
	qt_tile_ref t;

	(void)state;
	/* Prefix and junk in front. */
	expect_parse_fail("", "tile path: does not start with \"tile/\"");
	expect_parse_fail("tile", "does not start with");
	expect_parse_fail("tiles/0/000", "does not start with");
	expect_parse_fail("/tile/0/000", "does not start with");
	expect_parse_fail(" tile/0/000", "does not start with");
	expect_parse_fail("Tile/0/000", "does not start with");
	/* Level. */
	const char *level_msg = "tile path: level must be \"entries\" or 0 to 63";
	expect_parse_fail("tile/", level_msg);
	expect_parse_fail("tile/0", level_msg);
	expect_parse_fail("tile//000", level_msg);
	expect_parse_fail("tile/00/000", level_msg);
	expect_parse_fail("tile/01/000", level_msg);
	expect_parse_fail("tile/64/000", level_msg);
	expect_parse_fail("tile/100/000", level_msg);
	expect_parse_fail("tile/-1/000", level_msg);
	expect_parse_fail("tile/+1/000", level_msg);
	expect_parse_fail("tile/1a/000", level_msg);
	expect_parse_fail("tile/a/000", level_msg);
	expect_parse_fail("tile/entry/000", level_msg);
	expect_parse_fail("tile/entriesx/000", level_msg);
	expect_parse_fail("tile/Entries/000", level_msg);
	expect_parse_fail("tile/entries", level_msg);
	/* Index elements. */
	expect_parse_fail("tile/0/", "tile path: index element at byte 7 is not three digits");
	expect_parse_fail("tile/entries/", "index element at byte 13 is not three digits");
	expect_parse_fail("tile/0/5", "not three digits");
	expect_parse_fail("tile/0/05", "not three digits");
	expect_parse_fail("tile/0/x01/000", "index element at byte 8 is not three digits");
	expect_parse_fail("tile/0/X001/000", "index element at byte 7 is not three digits");
	expect_parse_fail("tile/0/x001", "tile path: expected '/' after index element at byte 11");
	expect_parse_fail("tile/0/x001/", "index element at byte 12 is not three digits");
	expect_parse_fail("tile/0/x001x000", "expected '/' after index element");
	expect_parse_fail("tile/0/x000/005", "tile path: index has a leading x000 element");
	expect_parse_fail("tile/0/x000/x001/005", "leading x000");
	expect_parse_fail("tile/entries/x000/000", "leading x000");
	expect_parse_fail("tile/0/0000", "tile path: unexpected characters at byte 10");
	expect_parse_fail("tile/0/001/000", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/000/", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/000\n", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/x018/x446/x744/x073/x709/x551/616",
	                  "tile path: index does not fit in 64 bits");
	expect_parse_fail("tile/0/x019/x000/x000/x000/x000/x000/000", "does not fit in 64 bits");
	expect_parse_fail("tile/0/x001/x000/x000/x000/x000/x000/x000/000",
	                  "does not fit in 64 bits");
	/* Partial width. */
	const char *width_msg = "tile path: partial width must be 1 to 255 without leading zeroes";
	expect_parse_fail("tile/0/000.p/0", width_msg);
	expect_parse_fail("tile/0/000.p/256", width_msg);
	expect_parse_fail("tile/0/000.p/01", width_msg);
	expect_parse_fail("tile/0/000.p/", width_msg);
	expect_parse_fail("tile/0/000.p/1/", width_msg);
	expect_parse_fail("tile/0/000.p/1x", width_msg);
	expect_parse_fail("tile/0/000.p/1000", width_msg);
	expect_parse_fail("tile/0/000.p/-1", width_msg);
	expect_parse_fail("tile/0/000.p", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/000.q/1", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/000p/1", "unexpected characters at byte 10");
	expect_parse_fail("tile/0/000.p1", "unexpected characters");
	expect_parse_fail("tile/0/x001/.p/1", "not three digits");
	/* Length cap. */
	expect_parse_fail("tile/0/000.p/1/////////////////////////////////////////////////////",
	                  "tile path: longer than 64 bytes");
	/* A NUL inside, and the length is what counts, not the NUL. */
	{
		qt_err err = {{0}};

		assert_int_equal(parse_exact("tile/0/005\0.p/1", 15, &t, &err), QT_ERR_INVALID);
		assert_msg_has(err.msg, "unexpected characters at byte 10");
		assert_int_equal(parse_exact("tile/0/005.p/17", 12, &t, &err), QT_ERR_INVALID);
		assert_int_equal(parse_exact("tile/0/005.p/17", 14, &t, &err), QT_OK);
		assert_int_equal(t.width, 1);
		assert_int_equal(parse_exact("tile/0/005.p/17", 10, &t, &err), QT_OK);
		assert_int_equal(t.width, 256);
		assert_int_equal(parse_exact("tile/0/005.p/17", 9, &t, &err), QT_ERR_INVALID);
	}
}

typedef struct width_case {
	unsigned level;
	uint64_t index, size;
	unsigned want;
} width_case;

static void test_width_at(void **state)
{
	static const width_case cases[] = {
	        /* level 0: tree_size nodes */
	        {0, 0, 0, 0},
	        {0, 0, 1, 1},
	        {0, 0, 255, 255},
	        {0, 1, 255, 0},
	        {0, 0, 256, 256},
	        {0, 1, 256, 0},
	        {0, 0, 257, 256},
	        {0, 1, 257, 1},
	        {0, 2, 257, 0},
	        {0, 255, 65536, 256},
	        {0, 256, 65536, 0},
	        {0, 256, 65537, 1},
	        {0, 257, 65537, 0},
	        /* level 1: tree_size >> 8 nodes */
	        {1, 0, 255, 0},
	        {1, 0, 256, 1},
	        {1, 1, 256, 0},
	        {1, 0, 257, 1},
	        {1, 0, 511, 1},
	        {1, 0, 512, 2},
	        {1, 0, 65535, 255},
	        {1, 0, 65536, 256},
	        {1, 1, 65536, 0},
	        {1, 0, 65537, 256},
	        {1, 1, 65537, 0},
	        {1, 1, 65792, 1},
	        /* level 2: tree_size >> 16 nodes */
	        {2, 0, 255, 0},
	        {2, 0, 256, 0},
	        {2, 0, 257, 0},
	        {2, 0, 65535, 0},
	        {2, 0, 65536, 1},
	        {2, 1, 65536, 0},
	        {2, 0, 65537, 1},
	        {2, 0, 16777216, 256},
	        {2, 1, 16777216, 0},
	        {2, 1, 16842752, 1},
	        /* The spec's example: a tree of 70,000 leaves. */
	        {0, 272, 70000, 256},
	        {0, 273, 70000, 112},
	        {0, 274, 70000, 0},
	        {1, 0, 70000, 256},
	        {1, 1, 70000, 17},
	        {1, 2, 70000, 0},
	        {2, 0, 70000, 1},
	        {3, 0, 70000, 0},
	        /* The far end of 64 bits, and levels past it. */
	        {7, 0, UINT64_MAX, 255},
	        {6, 255, UINT64_MAX, 255},
	        {6, 254, UINT64_MAX, 256},
	        {0, UINT64_MAX / 256, UINT64_MAX, 255},
	        {0, UINT64_MAX / 256 - 1, UINT64_MAX, 256},
	        {0, UINT64_MAX, UINT64_MAX, 0},
	        {8, 0, UINT64_MAX, 0},
	        {63, 0, UINT64_MAX, 0},
	        {64, 0, UINT64_MAX, 0},
	        {1000, 0, UINT64_MAX, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const width_case *c = &cases[i];
		unsigned got = qt_tile_width_at(c->level, c->index, c->size);

		if (got != c->want)
			fail_msg("width_at(%u, %llu, %llu) = %u, want %u", c->level,
			         (unsigned long long)c->index, (unsigned long long)c->size, got,
			         c->want);
	}
}

/* A node store computed from first principles: leaf i is the text "leaf <i>", hashed per
 * RFC 6962; a node at level l is hashed from its two children. */
typedef struct fake_store {
	uint64_t size;
	unsigned calls;
	bool out_of_range; /* a node beyond size was asked for */
	bool fail;
	uint64_t fail_index;
	bool raw; /* return (level, index) encoded instead of hashes */
} fake_store;

static void leaf_hash(uint64_t i, qt_hash *out)
{
	char data[40];
	uint8_t buf[41];
	int n = snprintf(data, sizeof data, "leaf %llu", (unsigned long long)i);

	buf[0] = 0x00;
	memcpy(buf + 1, data, (size_t)n);
	crypto_hash_sha256(out->b, buf, (size_t)n + 1);
}

static void node_hash(const qt_hash *l, const qt_hash *r, qt_hash *out)
{
	uint8_t buf[1 + 2 * QT_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l->b, QT_HASH_LEN);
	memcpy(buf + 1 + QT_HASH_LEN, r->b, QT_HASH_LEN);
	crypto_hash_sha256(out->b, buf, sizeof buf);
}

static void subtree(unsigned level, uint64_t index, qt_hash *out)
{
	qt_hash l, r;

	if (level == 0) {
		leaf_hash(index, out);
		return;
	}
	subtree(level - 1, 2 * index, &l);
	subtree(level - 1, 2 * index + 1, &r);
	node_hash(&l, &r, out);
}

static void raw_node(unsigned level, uint64_t index, qt_hash *out)
{
	memset(out->b, 0xee, QT_HASH_LEN);
	out->b[0] = (uint8_t)level;
	for (int i = 0; i < 8; i++)
		out->b[1 + i] = (uint8_t)(index >> (56 - 8 * i));
}

static qt_rc fake_get(void *ctx, unsigned level, uint64_t index, qt_hash *out)
{
	fake_store *f = ctx;

	f->calls++;
	if (level >= 64 || index >= (f->size >> level)) {
		f->out_of_range = true;
		return QT_ERR_NOTFOUND;
	}
	if (f->fail && index == f->fail_index)
		return QT_ERR_IO;
	if (f->raw)
		raw_node(level, index, out);
	else
		subtree(level, index, out);
	return QT_OK;
}

/* The Merkle Tree Hash of a full tile, from its 256 hashes: the tile's 8 levels rebuilt. */
static void tile_root(const char *tile, qt_hash *out)
{
	qt_hash h[QT_TILE_WIDTH];

	for (size_t i = 0; i < QT_TILE_WIDTH; i++)
		memcpy(h[i].b, tile + i * QT_HASH_LEN, QT_HASH_LEN);
	for (size_t n = QT_TILE_WIDTH; n > 1; n /= 2) {
		for (size_t i = 0; i < n / 2; i++)
			node_hash(&h[2 * i], &h[2 * i + 1], &h[i]);
	}
	*out = h[0];
}

static qt_rc hashes(fake_store *f, qt_tile_ref t, qt_buf *out, qt_err *err)
{
	return qt_tile_hashes(fake_get, f, f->size, &t, out, err);
}

static void test_hashes_level0(void **state)
{
	fake_store f = {.size = 300};
	qt_buf out;
	qt_hash h;
	qt_err err = {{0}};

	(void)state;
	qt_buf_init(&out, 1 << 20);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 256}, &out, &err), QT_OK);
	assert_int_equal(out.len, 256 * QT_HASH_LEN);
	for (uint64_t i = 0; i < 256; i++) {
		leaf_hash(i, &h);
		assert_memory_equal(out.p + i * QT_HASH_LEN, h.b, QT_HASH_LEN);
	}
	/* The partial tile at 300 leaves is 44 wide; a narrower one (an older checkpoint's)
	 * is its prefix; a wider one, or the full tile, does not exist yet. */
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 44}, &out, &err), QT_OK);
	assert_int_equal(out.len, 44 * QT_HASH_LEN);
	for (uint64_t i = 0; i < 44; i++) {
		leaf_hash(256 + i, &h);
		assert_memory_equal(out.p + i * QT_HASH_LEN, h.b, QT_HASH_LEN);
	}
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 10}, &out, &err), QT_OK);
	assert_int_equal(out.len, 10 * QT_HASH_LEN);
	leaf_hash(265, &h);
	assert_memory_equal(out.p + 9 * QT_HASH_LEN, h.b, QT_HASH_LEN);

	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 45}, &out, &err), QT_ERR_NOTFOUND);
	assert_msg_has(err.msg, "tile 0/1 of width 45 does not exist at tree size 300");
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 256}, &out, &err), QT_ERR_NOTFOUND);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 2, 1}, &out, &err), QT_ERR_NOTFOUND);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 0, 1}, &out, &err), QT_OK);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 0, 2}, &out, &err), QT_ERR_NOTFOUND);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 2, 0, 1}, &out, &err), QT_ERR_NOTFOUND);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 63, 0, 1}, &out, &err), QT_ERR_NOTFOUND);
	f.size = 0;
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 1}, &out, &err), QT_ERR_NOTFOUND);
	assert_false(f.out_of_range);
	qt_buf_free(&out);
}

/* Level 1 and 2 hashes are the roots of the full tiles one level down. */
static void test_hashes_upper_levels(void **state)
{
	fake_store f = {.size = 3 * 256 + 5};
	qt_buf lower, upper;
	qt_hash h;
	qt_err err = {{0}};

	(void)state;
	qt_buf_init(&lower, 1 << 20);
	qt_buf_init(&upper, 1 << 20);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 0, 3}, &upper, &err), QT_OK);
	assert_int_equal(upper.len, 3 * QT_HASH_LEN);
	for (uint64_t k = 0; k < 3; k++) {
		qt_buf_reset(&lower);
		assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, k, 256}, &lower, &err), QT_OK);
		tile_root(lower.p, &h);
		assert_memory_equal(upper.p + k * QT_HASH_LEN, h.b, QT_HASH_LEN);
	}

	/* At 65,536 leaves level 1 is one full tile and level 2 one hash: the whole tree. */
	f.size = 65536;
	qt_buf_reset(&lower);
	qt_buf_reset(&upper);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 0, 256}, &lower, &err), QT_OK);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 2, 0, 1}, &upper, &err), QT_OK);
	assert_int_equal(upper.len, QT_HASH_LEN);
	tile_root(lower.p, &h);
	assert_memory_equal(upper.p, h.b, QT_HASH_LEN);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 2, 0, 2}, &upper, &err), QT_ERR_NOTFOUND);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 1, 1}, &upper, &err), QT_ERR_NOTFOUND);
	assert_false(f.out_of_range);
	qt_buf_free(&lower);
	qt_buf_free(&upper);
}

static void test_hashes_node_addresses(void **state)
{
	/* 3 full level-1 tiles and a bit: every node requested is (8L, N*256 + i). */
	fake_store f = {.size = (uint64_t)3 * 65536 + 7 * 256 + 3, .raw = true};
	qt_buf out;
	qt_hash h;
	qt_err err = {{0}};

	(void)state;
	qt_buf_init(&out, 1 << 20);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 1, 3, 7}, &out, &err), QT_OK);
	assert_int_equal(f.calls, 7);
	for (unsigned i = 0; i < 7; i++) {
		raw_node(8, 3 * 256 + i, &h);
		assert_memory_equal(out.p + i * QT_HASH_LEN, h.b, QT_HASH_LEN);
	}
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 2, 0, 3}, &out, &err), QT_OK);
	raw_node(16, 2, &h);
	assert_memory_equal(out.p + 2 * QT_HASH_LEN, h.b, QT_HASH_LEN);
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 775, 3}, &out, &err), QT_OK);
	raw_node(0, 775 * 256 + 2, &h);
	assert_memory_equal(out.p + 2 * QT_HASH_LEN, h.b, QT_HASH_LEN);
	assert_false(f.out_of_range);

	/* Near the top of the 64-bit range: no index arithmetic wraps. */
	f.size = UINT64_MAX;
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, UINT64_MAX / 256, 255}, &out, &err),
	                 QT_OK);
	raw_node(0, UINT64_MAX - 1, &h);
	assert_memory_equal(out.p + 254 * QT_HASH_LEN, h.b, QT_HASH_LEN);
	qt_buf_reset(&out);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 7, 0, 255}, &out, &err), QT_OK);
	raw_node(56, 254, &h);
	assert_memory_equal(out.p + 254 * QT_HASH_LEN, h.b, QT_HASH_LEN);
	assert_false(f.out_of_range);
	qt_buf_free(&out);
}

static void test_hashes_errors(void **state)
{
	fake_store f = {.size = 1000, .raw = true};
	qt_buf out, small;
	qt_err err = {{0}};

	(void)state;
	qt_buf_init(&out, 1 << 20);
	assert_int_equal(qt_buf_append(&out, "abc", 3), QT_OK);

	assert_int_equal(hashes(&f, (qt_tile_ref){true, 0, 0, 256}, &out, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "an entry bundle is not a hash tile");
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 0}, &out, &err), QT_ERR_INVALID);
	assert_msg_has(err.msg, "out of range");
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 257}, &out, &err), QT_ERR_INVALID);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 64, 0, 1}, &out, &err), QT_ERR_INVALID);
	assert_int_equal(f.calls, 0);

	/* A failing read is reported, and the buffer is left as it was. */
	f.fail = true;
	f.fail_index = 300;
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 256}, &out, &err), QT_ERR_IO);
	assert_msg_has(err.msg, "reading Merkle node (level 0, index 300): i/o error");
	assert_int_equal(out.len, 3);
	assert_string_equal(out.p, "abc");
	f.fail = false;

	/* Appends after what is there. */
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 1, 256}, &out, &err), QT_OK);
	assert_int_equal(out.len, 3 + 256 * QT_HASH_LEN);
	assert_memory_equal(out.p, "abc", 3);

	/* The buffer's cap is respected before any read. */
	qt_buf_init(&small, 100);
	f.calls = 0;
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 4}, &small, &err), QT_ERR_TOOBIG);
	assert_int_equal(small.len, 0);
	assert_int_equal(f.calls, 0);
	assert_int_equal(hashes(&f, (qt_tile_ref){false, 0, 0, 3}, &small, &err), QT_OK);
	assert_int_equal(small.len, 96);
	qt_buf_free(&small);
	qt_buf_free(&out);
}

static void test_bundle_round_trip(void **state)
{
	static uint8_t big[65536];
	const size_t lens[] = {0, 1, 2, 300, 65535, 7};
	qt_buf b;
	size_t pos = 0, len = 0;
	const uint8_t *e = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	qt_buf_init(&b, 1 << 20);
	/* The wire form: big-endian uint16 length, then the bytes. */
	assert_int_equal(qt_tile_bundle_append(&b, "ab", 2), QT_OK);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p,
	                    "\x00\x02"
	                    "ab",
	                    4);
	qt_buf_reset(&b);

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
		assert_int_equal(qt_tile_bundle_append(&b, big, lens[i]), QT_OK);
	assert_int_equal(qt_tile_bundle_append(&b, NULL, 0), QT_OK);
	assert_int_equal(b.len, 7 * 2 + 1 + 2 + 300 + 65535 + 7);
	assert_int_equal((uint8_t)b.p[2 + 0 + 2 + 1], 0x00); /* third entry's length, high byte */
	assert_int_equal((uint8_t)b.p[2 + 0 + 2 + 1 + 1], 0x02);

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		assert_int_equal(qt_tile_bundle_next((const uint8_t *)b.p, b.len, &pos, &e, &len),
		                 QT_OK);
		assert_int_equal(len, lens[i]);
		assert_memory_equal(e, big, len);
	}
	assert_int_equal(qt_tile_bundle_next((const uint8_t *)b.p, b.len, &pos, &e, &len), QT_OK);
	assert_int_equal(len, 0);
	assert_int_equal(pos, b.len);
	assert_int_equal(qt_tile_bundle_next((const uint8_t *)b.p, b.len, &pos, &e, &len),
	                 QT_ERR_NOTFOUND);
	assert_int_equal(pos, b.len);

	/* Empty bundle: nothing in it. */
	pos = 0;
	assert_int_equal(qt_tile_bundle_next((const uint8_t *)"", 0, &pos, &e, &len),
	                 QT_ERR_NOTFOUND);
	qt_buf_free(&b);
}

static void test_bundle_limits_and_malformed(void **state)
{
	static uint8_t big[65536];
	qt_buf b;
	size_t pos, len = 99;
	const uint8_t *e = NULL;
	const uint8_t trunc_len[] = {0x00, 0x01, 'a', 0x00};
	const uint8_t trunc_data[] = {0x00, 0x05, 'a', 'b', 'c'};

	(void)state;
	qt_buf_init(&b, 1 << 20);
	assert_int_equal(qt_tile_bundle_append(&b, big, 65536), QT_ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	qt_buf_free(&b);

	/* The cap counts the length prefix; failure leaves the bundle unchanged. */
	qt_buf_init(&b, 10);
	assert_int_equal(qt_tile_bundle_append(&b, "abcdef", 6), QT_OK);
	assert_int_equal(qt_tile_bundle_append(&b, "abc", 3), QT_ERR_TOOBIG);
	assert_int_equal(b.len, 8);
	assert_int_equal(qt_tile_bundle_append(&b, "ab", 1), QT_ERR_TOOBIG);
	assert_int_equal(qt_tile_bundle_append(&b, NULL, 0), QT_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(qt_tile_bundle_append(&b, NULL, 0), QT_ERR_TOOBIG);
	qt_buf_free(&b);

	/* Truncated length: one byte left. */
	pos = 3;
	assert_int_equal(qt_tile_bundle_next(trunc_len, sizeof trunc_len, &pos, &e, &len),
	                 QT_ERR_INVALID);
	assert_int_equal(pos, 3);
	assert_int_equal(len, 99);
	/* Truncated data: length 5, three bytes. */
	pos = 0;
	assert_int_equal(qt_tile_bundle_next(trunc_data, sizeof trunc_data, &pos, &e, &len),
	                 QT_ERR_INVALID);
	assert_int_equal(pos, 0);
	assert_int_equal(qt_tile_bundle_next(trunc_data, 4, &pos, &e, &len), QT_ERR_INVALID);
	/* Exactly enough. */
	assert_int_equal(qt_tile_bundle_next((const uint8_t *)"\x00\x03"
	                                                      "abc",
	                                     5, &pos, &e, &len),
	                 QT_OK);
	assert_int_equal(len, 3);
	assert_int_equal(pos, 5);
	/* Position past the end. */
	pos = 6;
	assert_int_equal(qt_tile_bundle_next(trunc_data, 5, &pos, &e, &len), QT_ERR_INVALID);
	pos = SIZE_MAX;
	assert_int_equal(qt_tile_bundle_next(trunc_data, 5, &pos, &e, &len), QT_ERR_INVALID);
	/* A length near 64 KiB against a short buffer. */
	pos = 0;
	assert_int_equal(qt_tile_bundle_next((const uint8_t *)"\xff\xff"
	                                                      "a",
	                                     3, &pos, &e, &len),
	                 QT_ERR_INVALID);
}

/* Every cut of a good bundle either ends cleanly on an entry boundary or is refused. */
static void test_bundle_truncations(void **state)
{
	qt_buf b;
	size_t bounds[4] = {0}, nb = 1;

	(void)state;
	qt_buf_init(&b, 1 << 16);
	assert_int_equal(qt_tile_bundle_append(&b, "first", 5), QT_OK);
	bounds[nb++] = b.len;
	assert_int_equal(qt_tile_bundle_append(&b, "", 0), QT_OK);
	bounds[nb++] = b.len;
	assert_int_equal(qt_tile_bundle_append(&b, "third entry", 11), QT_OK);
	bounds[nb++] = b.len;
	for (size_t cut = 0; cut <= b.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		size_t pos = 0, len;
		const uint8_t *e;
		qt_rc rc;
		bool boundary = false;

		assert_non_null(copy);
		memcpy(copy, b.p, cut);
		do {
			rc = qt_tile_bundle_next(copy, cut, &pos, &e, &len);
		} while (rc == QT_OK);
		for (size_t i = 0; i < nb; i++)
			boundary = boundary || bounds[i] == cut;
		assert_int_equal(rc, boundary ? QT_ERR_NOTFOUND : QT_ERR_INVALID);
		free(copy);
	}
	qt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_path_vectors),
	        cmocka_unit_test(test_path_format_errors),
	        cmocka_unit_test(test_path_rejects),
	        cmocka_unit_test(test_width_at),
	        cmocka_unit_test(test_hashes_level0),
	        cmocka_unit_test(test_hashes_upper_levels),
	        cmocka_unit_test(test_hashes_node_addresses),
	        cmocka_unit_test(test_hashes_errors),
	        cmocka_unit_test(test_bundle_round_trip),
	        cmocka_unit_test(test_bundle_limits_and_malformed),
	        cmocka_unit_test(test_bundle_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
