/* merkle.c — RFC 9162 Merkle tree hashes, inclusion and consistency proofs and their
 * verification, and the incremental builder (see merkle.h). Nodes come from the caller's
 * store of perfect subtrees; the ragged right edge is recomputed from them on demand. */
#include "ledger/merkle.h"

#include <string.h>

#include "util/sha256.h"

/* Domain separation bytes of RFC 9162 §2.1.1: a leaf can never be mistaken for a node. */
static const uint8_t leaf_prefix = 0x00, node_prefix = 0x01;

void qt_merkle_leaf_hash(const void *leaf, size_t n, qt_hash *out)
{
	const qt_sha256_part parts[] = {{&leaf_prefix, 1}, {leaf, n}};
	qt_sha256(parts, 2, out->b);
}

void qt_merkle_node_hash(const qt_hash *left, const qt_hash *right, qt_hash *out)
{
	/* Both inputs are absorbed before out is written, so out may alias either of them;
	 * the fold loops below rely on that. */
	const qt_sha256_part parts[] = {
	        {&node_prefix, 1}, {left->b, QT_HASH_LEN}, {right->b, QT_HASH_LEN}};
	qt_sha256(parts, 3, out->b);
}

void qt_merkle_empty_root(qt_hash *out)
{
	qt_sha256(NULL, 0, out->b);
}

static bool hash_eq(const qt_hash *a, const qt_hash *b)
{
	return memcmp(a->b, b->b, QT_HASH_LEN) == 0;
}

/* Number of levels above the leaves in a tree of size leaves: ceil(log2(size)). */
static unsigned tree_height(uint64_t size)
{
	unsigned h = 0;
	uint64_t x = size - 1;

	while (x) {
		h++;
		x >>= 1;
	}
	return h;
}

/*
 * The leaves of a size-leaf tree split into one perfect subtree per set bit of size, bigger
 * ones to the left. MTH splits off the largest power of two first, so the subtree made of
 * the parts below level `below` hashes right to left. Every partial subtree on the right
 * edge is such a tail, and each call needs at most one of them, so every stored node is read
 * at most once per public call: O(log size) reads in total.
 */
static qt_rc edge_hash(qt_merkle_node_fn get, void *ctx, uint64_t size, unsigned below,
                       qt_merkle_edges *memo, qt_hash *out)
{
	qt_hash node;
	bool have = false;
	unsigned k;
	qt_rc rc = QT_OK;

	if (memo && memo->size == size && below < 64 && (memo->known >> below & 1)) {
		*out = memo->h[below];
		goto out;
	}
	for (k = 0; k < below && k < 64; k++) {
		if (!((size >> k) & 1))
			continue;
		rc = get(ctx, k, (size >> k) - 1, &node);
		if (rc != QT_OK)
			goto out;
		if (have)
			qt_merkle_node_hash(&node, out, out);
		else
			*out = node;
		have = true;
	}
	if (memo && memo->size == size && below < 64) {
		memo->h[below] = *out;
		memo->known |= UINT64_C(1) << below;
	}
out:
	return rc;
}

qt_rc qt_merkle_root(qt_merkle_node_fn get, void *ctx, uint64_t size, qt_hash *root)
{
	if (size == 0) {
		qt_merkle_empty_root(root);
		return QT_OK;
	}
	return edge_hash(get, ctx, size, 64, NULL, root);
}

/*
 * Appends the siblings met on the way from the perfect node (level, index) up to the root
 * of the size-leaf tree. Seen level by level, RFC 9162's tree has right-edge nodes with no
 * right child; they hash as their left child, so such an absent sibling adds nothing. A
 * right sibling cut short by the end of the tree is the edge subtree below that level.
 */
static qt_rc append_path(qt_merkle_node_fn get, void *ctx, unsigned level, uint64_t index,
                         uint64_t size, qt_merkle_edges *memo, qt_merkle_proof *out)
{
	unsigned top = tree_height(size);
	unsigned l;
	uint64_t sib;
	qt_rc rc = QT_OK;

	for (l = level; l < top; l++, index >>= 1) {
		sib = index ^ 1;
		/* Shifted bounds rather than sib << l, which overflows near 2^64 leaves. */
		if (sib > (size - 1) >> l)
			continue;
		if (out->n >= QT_MERKLE_PROOF_MAX) {
			rc = QT_ERR_TOOBIG;
			goto out;
		}
		if (sib < size >> l)
			rc = get(ctx, l, sib, &out->h[out->n]);
		else
			rc = edge_hash(get, ctx, size, l, memo, &out->h[out->n]);
		if (rc != QT_OK)
			goto out;
		out->n++;
	}
out:
	return rc;
}

void qt_merkle_edges_init(qt_merkle_edges *e, uint64_t size)
{
	e->size = size;
	e->known = 0;
}

qt_rc qt_merkle_inclusion_proof(qt_merkle_node_fn get, void *ctx, uint64_t index, uint64_t size,
                                qt_merkle_proof *out)
{
	return qt_merkle_inclusion_proof_edges(get, ctx, index, size, NULL, out);
}

qt_rc qt_merkle_inclusion_proof_edges(qt_merkle_node_fn get, void *ctx, uint64_t index,
                                      uint64_t size, qt_merkle_edges *edges, qt_merkle_proof *out)
{
	qt_rc rc = QT_ERR_INVALID;

	out->n = 0;
	if (index < size)
		rc = append_path(get, ctx, 0, index, size, edges, out);
	/* A half-filled proof must not look like a usable one. */
	if (rc != QT_OK)
		out->n = 0;
	return rc;
}

qt_rc qt_merkle_inclusion_proofs(qt_merkle_node_fn get, void *ctx, uint64_t first, size_t n,
                                 uint64_t size, qt_merkle_edges *edges, qt_merkle_proof_at_fn at,
                                 void *at_ctx)
{
	qt_hash sib_hash[64];
	uint64_t present = 0; /* bit l: the current leaf's path has a sibling at level l */
	unsigned top;
	qt_rc rc = QT_OK;

	if (n > 0 && (first >= size || n > size - first)) {
		rc = QT_ERR_INVALID;
		goto out;
	}
	top = n > 0 ? tree_height(size) : 0;
	for (size_t i = 0; i < n && rc == QT_OK; i++) {
		uint64_t x = first + i;
		qt_merkle_proof *p = at(at_ctx, i);
		/* From leaf x-1 to x the path changes at the levels where x's low bits are all
		 * zero, levels 0 to ctz(x): only there is the sibling looked up again. */
		unsigned stale = i == 0 ? top : (unsigned)__builtin_ctzll(x) + 1;
		for (unsigned l = 0; l < stale && l < top && rc == QT_OK; l++) {
			uint64_t sib = (x >> l) ^ 1;
			present &= ~(UINT64_C(1) << l);
			/* Shifted bounds, as in append_path. */
			if (sib > (size - 1) >> l)
				continue;
			if (sib < size >> l)
				rc = get(ctx, l, sib, &sib_hash[l]);
			else
				rc = edge_hash(get, ctx, size, l, edges, &sib_hash[l]);
			present |= UINT64_C(1) << l;
		}
		p->n = 0;
		for (uint64_t m = rc == QT_OK ? present : 0; m; m &= m - 1)
			p->h[p->n++] = sib_hash[__builtin_ctzll(m)];
	}
out:
	return rc;
}

/*
 * RFC 9162's SUBPROOF recursion unrolled: the proof is the last perfect subtree of the old
 * tree (left out when it is the whole old tree, which the verifier already holds as root1)
 * followed by that subtree's inclusion path in the new tree.
 */
qt_rc qt_merkle_consistency_proof(qt_merkle_node_fn get, void *ctx, uint64_t size1, uint64_t size2,
                                  qt_merkle_proof *out)
{
	unsigned level = 0;
	uint64_t index;
	qt_rc rc = QT_OK;

	out->n = 0;
	if (size1 == 0 || size1 > size2) {
		rc = QT_ERR_INVALID;
		goto out;
	}
	if (size1 == size2)
		goto out;
	while (!((size1 >> level) & 1))
		level++;
	index = (size1 >> level) - 1;
	if (index != 0) {
		rc = get(ctx, level, index, &out->h[0]);
		if (rc != QT_OK)
			goto out;
		out->n = 1;
	}
	rc = append_path(get, ctx, level, index, size2, NULL, out);
out:
	if (rc != QT_OK)
		out->n = 0;
	return rc;
}

/* RFC 9162 §2.1.3.2, step for step. The walk of fn and sn alone decides how many hashes are
 * consumed before sn reaches 0, so a proof that is one short or one long fails. */
bool qt_merkle_verify_inclusion(const qt_hash *leaf_hash, uint64_t index, uint64_t size,
                                const qt_merkle_proof *proof, const qt_hash *root)
{
	uint64_t fn, sn;
	qt_hash r;
	size_t i;
	bool ok = false;

	if (index >= size || proof->n > QT_MERKLE_PROOF_MAX)
		goto out;
	fn = index;
	sn = size - 1;
	r = *leaf_hash;
	for (i = 0; i < proof->n; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			qt_merkle_node_hash(&proof->h[i], &r, &r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			qt_merkle_node_hash(&r, &proof->h[i], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	ok = sn == 0 && hash_eq(&r, root);
out:
	return ok;
}

/*
 * RFC 9162 §2.1.4.2, step for step; "prepend first_hash" is done by indexing, since the
 * proof array may already be full. The RFC has no case for equal sizes; generation gives an
 * empty proof there, so that (and only that) is accepted when the two roots are equal.
 */
bool qt_merkle_verify_consistency(uint64_t size1, uint64_t size2, const qt_merkle_proof *proof,
                                  const qt_hash *root1, const qt_hash *root2)
{
	uint64_t fn, sn;
	qt_hash fr, sr;
	const qt_hash *c;
	size_t pre, total, i;
	bool ok = false;

	if (size1 == 0 || size1 > size2 || proof->n > QT_MERKLE_PROOF_MAX)
		goto out;
	if (size1 == size2) {
		ok = proof->n == 0 && hash_eq(root1, root2);
		goto out;
	}
	if (proof->n == 0)
		goto out;
	pre = (size1 & (size1 - 1)) == 0 ? 1 : 0;
	total = proof->n + pre;
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	fr = sr = pre ? *root1 : proof->h[0];
	for (i = 1; i < total; i++) {
		c = &proof->h[i - pre];
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			qt_merkle_node_hash(c, &fr, &fr);
			qt_merkle_node_hash(c, &sr, &sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			qt_merkle_node_hash(&sr, c, &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	ok = hash_eq(&fr, root1) && hash_eq(&sr, root2) && sn == 0;
out:
	return ok;
}

void qt_merkle_builder_init(qt_merkle_builder *b)
{
	memset(b, 0, sizeof(*b));
}

qt_rc qt_merkle_builder_load(qt_merkle_builder *b, qt_merkle_node_fn get, void *ctx, uint64_t size)
{
	qt_merkle_builder tmp;
	unsigned k;
	qt_rc rc = QT_OK;

	/* Filled aside so a failed read leaves the caller's builder as it was. */
	qt_merkle_builder_init(&tmp);
	tmp.size = size;
	for (k = 0; k < 64; k++) {
		if (!((size >> k) & 1))
			continue;
		rc = get(ctx, k, (size >> k) - 1, &tmp.stack[k]);
		if (rc != QT_OK)
			goto out;
	}
	*b = tmp;
out:
	return rc;
}

qt_rc qt_merkle_builder_push(qt_merkle_builder *b, const qt_hash *leaf_hash, qt_merkle_emit_fn emit,
                             void *ctx)
{
	qt_hash h = *leaf_hash;
	unsigned k = 0;
	qt_rc rc = QT_OK;

	/* All 64 stack slots are in use at this size; one more leaf has no level to go to. */
	if (b->size == UINT64_MAX) {
		rc = QT_ERR_TOOBIG;
		goto out;
	}
	/* Nothing in b changes until every emit has succeeded, so a failed emit (say, a store
	 * write) can be retried with the same builder. */
	if (emit) {
		rc = emit(ctx, 0, b->size, &h);
		if (rc != QT_OK)
			goto out;
	}
	while ((b->size >> k) & 1) {
		qt_merkle_node_hash(&b->stack[k], &h, &h);
		k++;
		if (emit) {
			rc = emit(ctx, k, b->size >> k, &h);
			if (rc != QT_OK)
				goto out;
		}
	}
	/* Merged slots are cleared so a builder's bytes depend only on its leaves, as after
	 * builder_load. */
	memset(b->stack, 0, k * sizeof(b->stack[0]));
	b->stack[k] = h;
	b->size++;
out:
	return rc;
}

void qt_merkle_builder_root(const qt_merkle_builder *b, qt_hash *root)
{
	bool have = false;
	unsigned k;

	if (b->size == 0)
		qt_merkle_empty_root(root);
	for (k = 0; k < 64; k++) {
		if (!((b->size >> k) & 1))
			continue;
		if (have)
			qt_merkle_node_hash(&b->stack[k], root, root);
		else
			*root = b->stack[k];
		have = true;
	}
}
