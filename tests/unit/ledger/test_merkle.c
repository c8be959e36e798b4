/* test_merkle.c — the Merkle tree against a naive transcription of RFC 9162's recursive
 * definitions: every proof for trees up to 300 leaves, its mutations, the builder, the
 * number of node reads up to 2^20 leaves, and known answers from Python's hashlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger/merkle.h"

#define SMALL_N 300
/* How densely proof hashes are bit-flipped. Each try is a verification in libsodium's
 * portable SHA-256, and full density would take minutes, so: every bit of every hash in
 * small trees, one bit of every hash up to FLIP_EACH leaves, then one bit of one hash per
 * proof, the position turning with the index so that each position is still hit. */
#define FLIP_ALL_INCL 32
#define FLIP_ALL_CONS 16
#define FLIP_EACH     64
#define BIG_N         ((UINT64_C(1) << 20) + 3)

/* ---- hashing done here, independently of merkle.c ---- */

static void ref_leaf(const void *data, size_t n, qt_hash *out)
{
	uint8_t buf[64];

	assert_true(n < sizeof(buf));
	buf[0] = 0x00;
	memcpy(buf + 1, data, n);
	crypto_hash_sha256(out->b, buf, n + 1);
}

static void ref_node(const qt_hash *l, const qt_hash *r, qt_hash *out)
{
	uint8_t buf[1 + 2 * QT_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l->b, QT_HASH_LEN);
	memcpy(buf + 1 + QT_HASH_LEN, r->b, QT_HASH_LEN);
	crypto_hash_sha256(out->b, buf, sizeof(buf));
}

static bool heq(const qt_hash *a, const qt_hash *b)
{
	return memcmp(a->b, b->b, QT_HASH_LEN) == 0;
}

static void from_hex(const char *hex, qt_hash *out)
{
	size_t i;
	unsigned v;

	assert_int_equal(strlen(hex), 2 * QT_HASH_LEN);
	for (i = 0; i < QT_HASH_LEN; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out->b[i] = (uint8_t)v;
	}
}

static unsigned ceil_log2(uint64_t n)
{
	unsigned h = 0;

	while (n > 1 && (UINT64_C(1) << h) < n)
		h++;
	return h;
}

static unsigned read_bound(uint64_t n)
{
	return 2 * ceil_log2(n) + 2;
}

static unsigned popcount(uint64_t x)
{
	unsigned c = 0;

	for (; x; x &= x - 1)
		c++;
	return c;
}

/* ---- RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as written, over D = leaf hashes ---- */

typedef struct naive {
	qt_hash leaf[SMALL_N];
	/* MTH(D[a:b]) is memoised: the definitions recompute the same subtrees endlessly. */
	qt_hash memo[SMALL_N + 1][SMALL_N + 1];
	bool have[SMALL_N + 1][SMALL_N + 1];
} naive;

static size_t largest_pow2_below(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static const qt_hash *mth(naive *t, size_t a, size_t b)
{
	size_t k;

	if (!t->have[a][b]) {
		if (b == a) {
			crypto_hash_sha256(t->memo[a][b].b, NULL, 0);
		} else if (b - a == 1) {
			t->memo[a][b] = t->leaf[a];
		} else {
			k = largest_pow2_below(b - a);
			ref_node(mth(t, a, a + k), mth(t, a + k, b), &t->memo[a][b]);
		}
		t->have[a][b] = true;
	}
	return &t->memo[a][b];
}

static void push_hash(qt_merkle_proof *p, const qt_hash *h)
{
	assert_true(p->n < QT_MERKLE_PROOF_MAX);
	p->h[p->n++] = *h;
}

/* PATH(m, D[a:b]), m relative to a. */
static void naive_path(naive *t, size_t m, size_t a, size_t b, qt_merkle_proof *p)
{
	size_t k;

	if (b - a <= 1)
		return;
	k = largest_pow2_below(b - a);
	if (m < k) {
		naive_path(t, m, a, a + k, p);
		push_hash(p, mth(t, a + k, b));
	} else {
		naive_path(t, m - k, a + k, b, p);
		push_hash(p, mth(t, a, a + k));
	}
}

/* SUBPROOF(m, D[a:b], whole). */
static void naive_subproof(naive *t, size_t m, size_t a, size_t b, bool whole, qt_merkle_proof *p)
{
	size_t k;

	if (m == b - a) {
		if (!whole)
			push_hash(p, mth(t, a, b));
		return;
	}
	k = largest_pow2_below(b - a);
	if (m <= k) {
		naive_subproof(t, m, a, a + k, whole, p);
		push_hash(p, mth(t, a + k, b));
	} else {
		naive_subproof(t, m - k, a + k, b, false, p);
		push_hash(p, mth(t, a, a + k));
	}
}

/* ---- a node store: perfect subtrees precomputed per level, reads counted ---- */

typedef struct store {
	uint64_t nleaves;
	qt_hash *level[64];
	uint64_t limit; /* size of the tree being asked about: nothing past it may be read */
	unsigned long reads;
	unsigned long fail_at; /* fail this read (1-based); 0 = never */
	qt_rc fail_rc;
} store;

static void store_init(store *s, const qt_hash *leaves, uint64_t n, bool hashed_index)
{
	uint64_t i, w;
	unsigned l;
	uint8_t le[8];

	memset(s, 0, sizeof(*s));
	s->nleaves = n;
	s->limit = n;
	s->level[0] = malloc(n * sizeof(qt_hash));
	assert_non_null(s->level[0]);
	for (i = 0; i < n; i++) {
		if (hashed_index) {
			for (l = 0; l < 8; l++)
				le[l] = (uint8_t)(i >> (8 * l));
			crypto_hash_sha256(s->level[0][i].b, le, sizeof(le));
		} else {
			s->level[0][i] = leaves[i];
		}
	}
	for (l = 1, w = n / 2; w > 0; l++, w /= 2) {
		s->level[l] = malloc(w * sizeof(qt_hash));
		assert_non_null(s->level[l]);
		for (i = 0; i < w; i++)
			ref_node(&s->level[l - 1][2 * i], &s->level[l - 1][2 * i + 1],
			         &s->level[l][i]);
	}
}

static void store_free(store *s)
{
	unsigned l;

	for (l = 0; l < 64; l++)
		free(s->level[l]);
}

static qt_rc store_get(void *ctx, unsigned level, uint64_t index, qt_hash *out)
{
	store *s = ctx;

	s->reads++;
	if (s->fail_at != 0 && s->reads == s->fail_at)
		return s->fail_rc;
	if (level >= 64 || index >= (s->limit >> level))
		fail_msg("read of node (%u, %llu) outside a tree of %llu leaves", level,
		         (unsigned long long)index, (unsigned long long)s->limit);
	*out = s->level[level][index];
	return QT_OK;
}

static void store_ask(store *s, uint64_t limit)
{
	s->limit = limit;
	s->reads = 0;
	s->fail_at = 0;
}

/* ---- fixture ---- */

typedef struct fixture {
	naive t;
	store s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char buf[32];
	size_t i;
	int n;

	if (!f)
		return -1;
	for (i = 0; i < SMALL_N; i++) {
		n = snprintf(buf, sizeof(buf), "leaf %zu", i);
		ref_leaf(buf, (size_t)n, &f->t.leaf[i]);
	}
	store_init(&f->s, f->t.leaf, SMALL_N, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	store_free(&f->s);
	free(f);
	return 0;
}

static bool proof_eq(const qt_merkle_proof *a, const qt_merkle_proof *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!heq(&a->h[i], &b->h[i]))
			return false;
	return true;
}

static void flip(qt_hash *h, unsigned bit)
{
	h->b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static bool flip_this(uint64_t n, uint64_t all_up_to, uint64_t key, size_t i, size_t len,
                      unsigned bit)
{
	if (n <= all_up_to)
		return true;
	if (bit != (i * 7 + key) % 256)
		return false;
	return n <= FLIP_EACH || i == key % len;
}

/* ---- known answers (python3 hashlib) and edge cases ---- */

static void test_known_answers(void **state)
{
	static const char empty_hex[] =
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const char leaf_empty_hex[] =
	        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
	static const char abc_hex[] =
	        "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1";
	static const char ab_hex[] =
	        "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb";
	static const char a_hex[] =
	        "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c";
	qt_hash want, got, leaves[3];
	qt_merkle_builder b;
	store s;
	int i;

	(void)state;
	from_hex(empty_hex, &want);
	qt_merkle_empty_root(&got);
	assert_true(heq(&got, &want));

	/* The one-leaf tree whose leaf is the empty string. */
	from_hex(leaf_empty_hex, &want);
	qt_merkle_leaf_hash("", 0, &got);
	assert_true(heq(&got, &want));
	qt_merkle_leaf_hash(NULL, 0, &got);
	assert_true(heq(&got, &want));
	store_init(&s, &got, 1, false);
	assert_int_equal(qt_merkle_root(store_get, &s, 1, &got), QT_OK);
	assert_true(heq(&got, &want));
	store_free(&s);

	qt_merkle_leaf_hash("a", 1, &leaves[0]);
	qt_merkle_leaf_hash("b", 1, &leaves[1]);
	qt_merkle_leaf_hash("c", 1, &leaves[2]);
	from_hex(a_hex, &want);
	assert_true(heq(&leaves[0], &want));
	qt_merkle_node_hash(&leaves[0], &leaves[1], &got);
	from_hex(ab_hex, &want);
	assert_true(heq(&got, &want));

	from_hex(abc_hex, &want);
	store_init(&s, leaves, 3, false);
	assert_int_equal(qt_merkle_root(store_get, &s, 3, &got), QT_OK);
	assert_true(heq(&got, &want));
	store_free(&s);
	qt_merkle_builder_init(&b);
	for (i = 0; i < 3; i++)
		assert_int_equal(qt_merkle_builder_push(&b, &leaves[i], NULL, NULL), QT_OK);
	qt_merkle_builder_root(&b, &got);
	assert_true(heq(&got, &want));
}

static void test_edges(void **state)
{
	fixture *f = *state;
	store *s = &f->s;
	qt_merkle_proof p, q;
	qt_hash root, empty, leaf;

	/* Empty tree: the empty root, without touching the store. */
	qt_merkle_empty_root(&empty);
	store_ask(s, 0);
	assert_int_equal(qt_merkle_root(store_get, s, 0, &root), QT_OK);
	assert_true(heq(&root, &empty));
	assert_int_equal(s->reads, 0);

	/* One leaf: the root is the leaf hash and the inclusion proof is empty. */
	store_ask(s, 1);
	assert_int_equal(qt_merkle_root(store_get, s, 1, &root), QT_OK);
	assert_true(heq(&root, &f->t.leaf[0]));
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 0, 1, &p), QT_OK);
	assert_int_equal(p.n, 0);
	assert_true(qt_merkle_verify_inclusion(&f->t.leaf[0], 0, 1, &p, &root));
	leaf = f->t.leaf[0];
	flip(&leaf, 0);
	assert_false(qt_merkle_verify_inclusion(&leaf, 0, 1, &p, &root));

	/* Invalid arguments. */
	p.n = 7;
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 0, 0, &p), QT_ERR_INVALID);
	assert_int_equal(p.n, 0);
	store_ask(s, 5);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 5, 5, &p), QT_ERR_INVALID);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 6, 5, &p), QT_ERR_INVALID);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, UINT64_MAX, 5, &p),
	                 QT_ERR_INVALID);
	assert_int_equal(qt_merkle_consistency_proof(store_get, s, 6, 5, &p), QT_ERR_INVALID);
	assert_int_equal(qt_merkle_consistency_proof(store_get, s, 0, 5, &p), QT_ERR_INVALID);
	assert_int_equal(qt_merkle_consistency_proof(store_get, s, 0, 0, &p), QT_ERR_INVALID);
	assert_int_equal(s->reads, 0);

	/* Equal sizes: an empty proof, accepted only with equal roots. */
	assert_int_equal(qt_merkle_consistency_proof(store_get, s, 5, 5, &p), QT_OK);
	assert_int_equal(p.n, 0);
	assert_int_equal(s->reads, 0);
	assert_int_equal(qt_merkle_root(store_get, s, 5, &root), QT_OK);
	assert_true(qt_merkle_verify_consistency(5, 5, &p, &root, &root));
	assert_false(qt_merkle_verify_consistency(5, 5, &p, &root, &empty));

	/* Verifiers reject what generation rejects, and malformed proof lengths. */
	assert_false(qt_merkle_verify_inclusion(&f->t.leaf[0], 0, 0, &p, &empty));
	assert_false(qt_merkle_verify_inclusion(&f->t.leaf[5], 5, 5, &p, &root));
	assert_false(qt_merkle_verify_consistency(0, 5, &p, &empty, &root));
	assert_false(qt_merkle_verify_consistency(0, 0, &p, &empty, &empty));
	assert_false(qt_merkle_verify_consistency(6, 5, &p, &root, &root));
	assert_false(qt_merkle_verify_consistency(2, 5, &p, &root, &root));
	store_ask(s, 5);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 4, 5, &p), QT_OK);
	assert_true(qt_merkle_verify_inclusion(&f->t.leaf[4], 4, 5, &p, &root));
	q = p;
	q.n = QT_MERKLE_PROOF_MAX + 1;
	assert_false(qt_merkle_verify_inclusion(&f->t.leaf[4], 4, 5, &q, &root));
	q.n = SIZE_MAX;
	assert_false(qt_merkle_verify_consistency(4, 5, &q, &root, &root));

	/* Right edge: the last leaf of a tree whose size is one past a power of two sits
	 * directly under the root. */
	store_ask(s, 257);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, 256, 257, &p), QT_OK);
	assert_int_equal(p.n, 1);
	assert_true(heq(&p.h[0], mth(&f->t, 0, 256)));
}

/* Every read failure is returned as the store's own code. */
static void test_read_errors(void **state)
{
	fixture *f = *state;
	store *s = &f->s;
	static const qt_rc codes[] = {QT_ERR_IO, QT_ERR_NOTFOUND};
	static const uint64_t sizes[] = {1, 2, 3, 7, 13, 64, 255, 300};
	qt_merkle_proof p;
	qt_merkle_builder b, before;
	qt_hash h, empty;
	unsigned long need, k;
	size_t si, ci;
	uint64_t n;
	qt_rc rc;

	qt_merkle_empty_root(&empty);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		n = sizes[si];
		for (ci = 0; ci < 2; ci++) {
			/* root */
			store_ask(s, n);
			assert_int_equal(qt_merkle_root(store_get, s, n, &h), QT_OK);
			need = s->reads;
			for (k = 1; k <= need; k++) {
				store_ask(s, n);
				s->fail_at = k;
				s->fail_rc = codes[ci];
				assert_int_equal(qt_merkle_root(store_get, s, n, &h), codes[ci]);
				assert_int_equal(s->reads, k);
			}
			/* inclusion of the middle and the last leaf */
			for (uint64_t m = n / 2; m < n; m += (n - n / 2 + 1) / 2) {
				store_ask(s, n);
				assert_int_equal(qt_merkle_inclusion_proof(store_get, s, m, n, &p),
				                 QT_OK);
				need = s->reads;
				for (k = 1; k <= need; k++) {
					store_ask(s, n);
					s->fail_at = k;
					s->fail_rc = codes[ci];
					rc = qt_merkle_inclusion_proof(store_get, s, m, n, &p);
					assert_int_equal(rc, codes[ci]);
					assert_int_equal(p.n, 0);
				}
			}
			/* consistency from a third of the size */
			if (n > 1) {
				store_ask(s, n);
				rc = qt_merkle_consistency_proof(store_get, s, n / 3 + 1, n, &p);
				assert_int_equal(rc, QT_OK);
				need = s->reads;
				for (k = 1; k <= need; k++) {
					store_ask(s, n);
					s->fail_at = k;
					s->fail_rc = codes[ci];
					rc = qt_merkle_consistency_proof(store_get, s, n / 3 + 1, n,
					                                 &p);
					assert_int_equal(rc, codes[ci]);
					assert_int_equal(p.n, 0);
				}
			}
			/* builder_load leaves the builder as it was */
			qt_merkle_builder_init(&b);
			assert_int_equal(qt_merkle_builder_push(&b, &empty, NULL, NULL), QT_OK);
			before = b;
			for (k = 1; k <= popcount(n); k++) {
				store_ask(s, n);
				s->fail_at = k;
				s->fail_rc = codes[ci];
				rc = qt_merkle_builder_load(&b, store_get, s, n);
				assert_int_equal(rc, codes[ci]);
				assert_memory_equal(&b, &before, sizeof(b));
			}
		}
	}
}

/* ---- inclusion: every size and index up to SMALL_N ---- */

static void check_inclusion(fixture *f, uint64_t n, uint64_t m)
{
	naive *t = &f->t;
	store *s = &f->s;
	qt_merkle_proof p, want;
	qt_hash root, leaf, other;
	size_t i;
	unsigned bit;

	store_ask(s, n);
	assert_int_equal(qt_merkle_inclusion_proof(store_get, s, m, n, &p), QT_OK);
	if (s->reads > read_bound(n))
		fail_msg("inclusion(%llu, %llu): %lu reads", (unsigned long long)m,
		         (unsigned long long)n, s->reads);
	want.n = 0;
	naive_path(t, m, 0, n, &want);
	if (!proof_eq(&p, &want))
		fail_msg("inclusion(%llu, %llu) differs from PATH", (unsigned long long)m,
		         (unsigned long long)n);
	root = *mth(t, 0, n);
	leaf = t->leaf[m];
	assert_true(qt_merkle_verify_inclusion(&leaf, m, n, &p, &root));

	/* Mutations are made in place and undone: copying the 2 KiB proof for each one
	 * took most of the run time. */
	for (i = 0; i < p.n; i++) {
		for (bit = 0; bit < 256; bit++) {
			if (!flip_this(n, FLIP_ALL_INCL, m, i, p.n, bit))
				continue;
			flip(&p.h[i], bit);
			if (qt_merkle_verify_inclusion(&leaf, m, n, &p, &root))
				fail_msg("inclusion(%llu, %llu): flipped bit %u of hash %zu "
				         "verifies",
				         (unsigned long long)m, (unsigned long long)n, bit, i);
			flip(&p.h[i], bit);
		}
	}
	if (p.n > 0) {
		p.n--;
		assert_false(qt_merkle_verify_inclusion(&leaf, m, n, &p, &root));
		p.n++;
	}
	p.h[p.n++] = root;
	assert_false(qt_merkle_verify_inclusion(&leaf, m, n, &p, &root));
	p.n--;
	if (m > 0)
		assert_false(qt_merkle_verify_inclusion(&leaf, m - 1, n, &p, &root));
	if (m + 1 < n)
		assert_false(qt_merkle_verify_inclusion(&leaf, m + 1, n, &p, &root));
	/* A proof for one size must not pass for a neighbouring size with that tree's root.
	 * Paired with this tree's root it mostly does: the RFC walk takes only the shape from
	 * the size, and what binds size to root is the signed checkpoint, not the proof. */
	if (m < n - 1)
		assert_false(qt_merkle_verify_inclusion(&leaf, m, n - 1, &p, mth(t, 0, n - 1)));
	if (n < SMALL_N)
		assert_false(qt_merkle_verify_inclusion(&leaf, m, n + 1, &p, mth(t, 0, n + 1)));
	other = leaf;
	flip(&other, (unsigned)(m % 256));
	assert_false(qt_merkle_verify_inclusion(&other, m, n, &p, &root));
	other = root;
	flip(&other, (unsigned)(n % 256));
	assert_false(qt_merkle_verify_inclusion(&leaf, m, n, &p, &other));
}

static void test_inclusion_all(void **state)
{
	fixture *f = *state;
	uint64_t n, m;

	for (n = 1; n <= SMALL_N; n++)
		for (m = 0; m < n; m++)
			check_inclusion(f, n, m);
}

/* Proofs sharing one edge memo, in the order a group's receipts are made, are the very
 * proofs made without it; and a memo for another size is ignored, not used. */
static void test_inclusion_edges(void **state)
{
	fixture *f = *state;
	store *s = &f->s;

	for (uint64_t n = 1; n <= SMALL_N; n++) {
		qt_merkle_edges e, stale;
		qt_merkle_edges_init(&e, n);
		qt_merkle_edges_init(&stale, n + 1);
		stale.known = ~UINT64_C(0); /* all "known", all zero: wrong if used */
		memset(stale.h, 0, sizeof stale.h);
		store_ask(s, n);
		for (uint64_t m = 0; m < n; m++) {
			qt_merkle_proof a, b, c;
			assert_int_equal(qt_merkle_inclusion_proof(store_get, s, m, n, &a), QT_OK);
			assert_int_equal(
			        qt_merkle_inclusion_proof_edges(store_get, s, m, n, &e, &b), QT_OK);
			assert_int_equal(
			        qt_merkle_inclusion_proof_edges(store_get, s, m, n, &stale, &c),
			        QT_OK);
			if (!proof_eq(&a, &b) || !proof_eq(&a, &c))
				fail_msg("inclusion(%llu, %llu) differs with an edge memo",
				         (unsigned long long)m, (unsigned long long)n);
		}
	}
}

static qt_merkle_proof *proof_slot(void *ctx, size_t i)
{
	return &((qt_merkle_proof *)ctx)[i];
}

/* The proofs of a run of leaves made together are, one by one, the proofs made alone: runs
 * from every small index and every seventh one after, of one leaf, to the middle and to the
 * end of the tree (a group's receipts), in every size; a failed read leaves the proof being
 * made empty and makes no more. */
static void test_inclusion_runs(void **state)
{
	fixture *f = *state;
	store *s = &f->s;
	qt_merkle_proof *got = calloc(SMALL_N, sizeof *got);
	qt_merkle_edges e;

	assert_non_null(got);
	for (uint64_t n = 1; n <= SMALL_N; n++) {
		for (uint64_t a = 0; a < n; a += a < 8 ? 1 : 7) {
			uint64_t ends[] = {a + 1, a + (n - a) / 2 + 1, n};
			for (size_t k = 0; k < 3; k++) {
				uint64_t b = ends[k];
				store_ask(s, n);
				qt_merkle_edges_init(&e, n);
				assert_int_equal(qt_merkle_inclusion_proofs(store_get, s, a, b - a,
				                                            n, &e, proof_slot, got),
				                 QT_OK);
				for (uint64_t m = a; m < b; m++) {
					qt_merkle_proof want;
					assert_int_equal(qt_merkle_inclusion_proof(store_get, s, m,
					                                           n, &want),
					                 QT_OK);
					if (!proof_eq(&got[m - a], &want))
						fail_msg("proof of %llu in the run %llu..%llu of "
						         "%llu "
						         "differs",
						         (unsigned long long)m,
						         (unsigned long long)a,
						         (unsigned long long)b,
						         (unsigned long long)n);
				}
			}
		}
	}
	store_ask(s, 10);
	qt_merkle_edges_init(&e, 10);
	assert_int_equal(qt_merkle_inclusion_proofs(store_get, s, 9, 2, 10, &e, proof_slot, got),
	                 QT_ERR_INVALID);
	assert_int_equal(qt_merkle_inclusion_proofs(store_get, s, 10, 0, 10, &e, proof_slot, got),
	                 QT_OK);
	s->fail_at = 2;
	s->fail_rc = QT_ERR_IO;
	got[0].n = got[1].n = 99;
	assert_int_equal(qt_merkle_inclusion_proofs(store_get, s, 0, 10, 10, &e, proof_slot, got),
	                 QT_ERR_IO);
	assert_int_equal(got[0].n, 0);
	assert_int_equal(got[1].n, 99);
	free(got);
}

/* ---- consistency: every pair of sizes up to SMALL_N ---- */

static void check_consistency(fixture *f, uint64_t m, uint64_t n)
{
	naive *t = &f->t;
	store *s = &f->s;
	qt_merkle_proof p, want;
	const qt_hash *r1, *r2;
	qt_hash other;
	size_t i;
	unsigned bit;

	store_ask(s, n);
	assert_int_equal(qt_merkle_consistency_proof(store_get, s, m, n, &p), QT_OK);
	if (s->reads > read_bound(n))
		fail_msg("consistency(%llu, %llu): %lu reads", (unsigned long long)m,
		         (unsigned long long)n, s->reads);
	want.n = 0;
	naive_subproof(t, m, 0, n, true, &want);
	if (!proof_eq(&p, &want))
		fail_msg("consistency(%llu, %llu) differs from PROOF", (unsigned long long)m,
		         (unsigned long long)n);
	r1 = mth(t, 0, m);
	r2 = mth(t, 0, n);
	assert_true(qt_merkle_verify_consistency(m, n, &p, r1, r2));

	for (i = 0; i < p.n; i++) {
		for (bit = 0; bit < 256; bit++) {
			if (!flip_this(n, FLIP_ALL_CONS, m + n, i, p.n, bit))
				continue;
			flip(&p.h[i], bit);
			if (qt_merkle_verify_consistency(m, n, &p, r1, r2))
				fail_msg("consistency(%llu, %llu): flipped bit %u of hash %zu "
				         "verifies",
				         (unsigned long long)m, (unsigned long long)n, bit, i);
			flip(&p.h[i], bit);
		}
	}
	if (p.n > 0) {
		p.n--;
		assert_false(qt_merkle_verify_consistency(m, n, &p, r1, r2));
		p.n++;
	}
	p.h[p.n++] = *r2;
	assert_false(qt_merkle_verify_consistency(m, n, &p, r1, r2));
	p.n--;
	/* Shifted sizes come with their own roots, as for inclusion. */
	if (m > 1)
		assert_false(qt_merkle_verify_consistency(m - 1, n, &p, mth(t, 0, m - 1), r2));
	if (m < n)
		assert_false(qt_merkle_verify_consistency(m + 1, n, &p, mth(t, 0, m + 1), r2));
	if (n > m)
		assert_false(qt_merkle_verify_consistency(m, n - 1, &p, r1, mth(t, 0, n - 1)));
	if (n < SMALL_N)
		assert_false(qt_merkle_verify_consistency(m, n + 1, &p, r1, mth(t, 0, n + 1)));
	other = *r1;
	flip(&other, (unsigned)((m * 3 + n) % 256));
	assert_false(qt_merkle_verify_consistency(m, n, &p, &other, r2));
	other = *r2;
	flip(&other, (unsigned)((m + n * 5) % 256));
	assert_false(qt_merkle_verify_consistency(m, n, &p, r1, &other));
}

static void test_consistency_all(void **state)
{
	fixture *f = *state;
	uint64_t m, n;

	for (n = 1; n <= SMALL_N; n++)
		for (m = 1; m <= n; m++)
			check_consistency(f, m, n);
}

/* ---- roots and the builder ---- */

typedef struct emitted {
	unsigned count;
	unsigned fail_at; /* fail this emit (1-based); 0 = never */
	unsigned level[65];
	uint64_t index[65];
	qt_hash hash[65];
} emitted;

static qt_rc record_emit(void *ctx, unsigned level, uint64_t index, const qt_hash *hash)
{
	emitted *e = ctx;

	e->count++;
	if (e->fail_at != 0 && e->count == e->fail_at)
		return QT_ERR_IO;
	assert_true(e->count <= 65);
	e->level[e->count - 1] = level;
	e->index[e->count - 1] = index;
	e->hash[e->count - 1] = *hash;
	return QT_OK;
}

static void test_builder(void **state)
{
	fixture *f = *state;
	naive *t = &f->t;
	store *s = &f->s;
	qt_merkle_builder b, loaded, before;
	emitted e;
	qt_hash root, lib_root;
	unsigned k, levels, j;
	uint64_t n, lo, hi;

	qt_merkle_builder_init(&b);
	qt_merkle_builder_root(&b, &root);
	assert_true(heq(&root, mth(t, 0, 0)));
	for (n = 0; n < SMALL_N; n++) {
		/* Pushing leaf n completes the leaf and one parent per trailing one bit of n. */
		levels = 0;
		while ((n >> levels) & 1)
			levels++;

		/* A failing emit at any point leaves the builder as it was. */
		for (j = 1; j <= levels + 1; j++) {
			before = b;
			memset(&e, 0, sizeof(e));
			e.fail_at = j;
			assert_int_equal(qt_merkle_builder_push(&b, &t->leaf[n], record_emit, &e),
			                 QT_ERR_IO);
			assert_int_equal(e.count, j);
			assert_memory_equal(&b, &before, sizeof(b));
		}

		memset(&e, 0, sizeof(e));
		assert_int_equal(qt_merkle_builder_push(&b, &t->leaf[n], record_emit, &e), QT_OK);
		assert_int_equal(b.size, n + 1);
		assert_int_equal(e.count, levels + 1);
		for (k = 0; k < e.count; k++) {
			assert_int_equal(e.level[k], k);
			assert_int_equal(e.index[k], n >> k);
			lo = (n >> k) << k;
			hi = lo + (UINT64_C(1) << k);
			assert_int_equal(hi, n + 1);
			assert_true(heq(&e.hash[k], mth(t, lo, hi)));
		}

		qt_merkle_builder_root(&b, &root);
		assert_true(heq(&root, mth(t, 0, n + 1)));
		store_ask(s, n + 1);
		assert_int_equal(qt_merkle_root(store_get, s, n + 1, &lib_root), QT_OK);
		assert_int_equal(s->reads, popcount(n + 1));
		assert_true(heq(&lib_root, &root));

		/* Loading the same size from stored nodes gives the same builder, byte for byte. */
		memset(&loaded, 0xa5, sizeof(loaded));
		store_ask(s, n + 1);
		assert_int_equal(qt_merkle_builder_load(&loaded, store_get, s, n + 1), QT_OK);
		assert_int_equal(s->reads, popcount(n + 1));
		assert_memory_equal(&loaded, &b, sizeof(b));
	}

	/* Without an emit callback, and from a loaded builder. */
	store_ask(s, 100);
	assert_int_equal(qt_merkle_builder_load(&loaded, store_get, s, 100), QT_OK);
	for (n = 100; n < SMALL_N; n++)
		assert_int_equal(qt_merkle_builder_push(&loaded, &t->leaf[n], NULL, NULL), QT_OK);
	assert_memory_equal(&loaded, &b, sizeof(b));
	store_ask(s, 0);
	assert_int_equal(qt_merkle_builder_load(&loaded, store_get, s, 0), QT_OK);
	qt_merkle_builder_root(&loaded, &root);
	assert_true(heq(&root, mth(t, 0, 0)));

	/* A full builder refuses another leaf rather than wrapping its size. */
	loaded.size = UINT64_MAX;
	before = loaded;
	assert_int_equal(qt_merkle_builder_push(&loaded, &t->leaf[0], NULL, NULL), QT_ERR_TOOBIG);
	assert_memory_equal(&loaded, &before, sizeof(loaded));
}

/* ---- read counts on a tree of 2^20 + 3 leaves ---- */

/* MTH from the perfect subtrees of the store, split the RFC way, independent of merkle.c. */
static void big_mth(const store *s, uint64_t a, uint64_t b, qt_hash *out)
{
	uint64_t n = b - a, k = 1;
	unsigned l = 0;
	qt_hash left, right;

	if ((n & (n - 1)) == 0 && a % n == 0) {
		while ((UINT64_C(1) << l) < n)
			l++;
		*out = s->level[l][a >> l];
		return;
	}
	while (k * 2 < n)
		k *= 2;
	big_mth(s, a, a + k, &left);
	big_mth(s, a + k, b, &right);
	ref_node(&left, &right, out);
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *x >> 11;
}

static void test_read_counts_big(void **state)
{
	static const uint64_t sizes[] = {
	        1000003,
	        UINT64_C(1) << 20,
	        (UINT64_C(1) << 20) - 1,
	        (UINT64_C(1) << 20) + 1,
	        BIG_N,
	        (UINT64_C(1) << 19) + 1,
	        699051, /* 0b10101010101010101011 */
	        786431, /* 0b10111111111111111111 */
	};
	store *s = malloc(sizeof(*s));
	qt_merkle_proof p;
	qt_merkle_builder b;
	qt_hash root, want, r1, bld;
	uint64_t n, m, idx[12], rnd = 42;
	size_t si, j;
	unsigned long max_incl = 0, max_cons = 0;

	(void)state;
	assert_non_null(s);
	store_init(s, NULL, BIG_N, true);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		n = sizes[si];
		store_ask(s, n);
		assert_int_equal(qt_merkle_root(store_get, s, n, &root), QT_OK);
		assert_int_equal(s->reads, popcount(n));
		big_mth(s, 0, n, &want);
		assert_true(heq(&root, &want));
		store_ask(s, n);
		assert_int_equal(qt_merkle_builder_load(&b, store_get, s, n), QT_OK);
		assert_int_equal(s->reads, popcount(n));
		qt_merkle_builder_root(&b, &bld);
		assert_true(heq(&bld, &want));

		idx[0] = 0;
		idx[1] = 1;
		idx[2] = n / 2;
		idx[3] = n - 2;
		idx[4] = n - 1;
		idx[5] = (n - 1) & ~UINT64_C(1);
		for (j = 6; j < 12; j++)
			idx[j] = lcg(&rnd) % n;
		for (j = 0; j < 12; j++) {
			m = idx[j];
			store_ask(s, n);
			assert_int_equal(qt_merkle_inclusion_proof(store_get, s, m, n, &p), QT_OK);
			if (s->reads > read_bound(n))
				fail_msg("inclusion(%llu, %llu): %lu reads > %u",
				         (unsigned long long)m, (unsigned long long)n, s->reads,
				         read_bound(n));
			if (s->reads > max_incl)
				max_incl = s->reads;
			assert_true(qt_merkle_verify_inclusion(&s->level[0][m], m, n, &p, &root));

			m = m + 1; /* size1 in 1..n */
			store_ask(s, n);
			assert_int_equal(qt_merkle_consistency_proof(store_get, s, m, n, &p),
			                 QT_OK);
			if (s->reads > read_bound(n))
				fail_msg("consistency(%llu, %llu): %lu reads > %u",
				         (unsigned long long)m, (unsigned long long)n, s->reads,
				         read_bound(n));
			if (s->reads > max_cons)
				max_cons = s->reads;
			big_mth(s, 0, m, &r1);
			assert_true(qt_merkle_verify_consistency(m, n, &p, &r1, &root));
		}
	}
	print_message("big tree: at most %lu reads per inclusion proof, %lu per consistency "
	              "proof (bound %u)\n",
	              max_incl, max_cons, read_bound(BIG_N));
	store_free(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_known_answers),   cmocka_unit_test(test_edges),
	        cmocka_unit_test(test_read_errors),     cmocka_unit_test(test_inclusion_all),
	        cmocka_unit_test(test_inclusion_edges), cmocka_unit_test(test_inclusion_runs),
	        cmocka_unit_test(test_consistency_all), cmocka_unit_test(test_builder),
	        cmocka_unit_test(test_read_counts_big),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
