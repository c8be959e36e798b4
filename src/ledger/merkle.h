/* merkle.h — RFC 9162 Merkle tree hashing and proofs, independent of where nodes are stored:
 * callers hand in a function that reads a stored perfect-subtree hash. */
#ifndef QT_MERKLE_H
#define QT_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define QT_HASH_LEN         32
#define QT_MERKLE_PROOF_MAX 64 /* log2 of any tree we can hold, with room */

typedef struct qt_hash {
	uint8_t b[QT_HASH_LEN];
} qt_hash;

/* SHA-256(0x00 || leaf) and SHA-256(0x01 || left || right). */
void qt_merkle_leaf_hash(const void *leaf, size_t n, qt_hash *out);
void qt_merkle_node_hash(const qt_hash *left, const qt_hash *right, qt_hash *out);
/* Root of the empty tree: SHA-256 of the empty string. */
void qt_merkle_empty_root(qt_hash *out);

/* A stored perfect subtree: the node at (level, index) is the root of leaves
 * [index << level, (index + 1) << level); level 0 is the leaf hash itself. */
typedef qt_rc (*qt_merkle_node_fn)(void *ctx, unsigned level, uint64_t index, qt_hash *out);

typedef struct qt_merkle_proof {
	size_t n;
	qt_hash h[QT_MERKLE_PROOF_MAX];
} qt_merkle_proof;

/* Root of the tree of the first `size` leaves. O(log size) node reads. */
qt_rc qt_merkle_root(qt_merkle_node_fn get, void *ctx, uint64_t size, qt_hash *root)
        __attribute__((warn_unused_result));

/* RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves, and
 * §2.1.4.1 consistency proof between sizes size1 <= size2. O(log size) node reads.
 * QT_ERR_INVALID for index >= size, size1 > size2 or size1 == 0. */
qt_rc qt_merkle_inclusion_proof(qt_merkle_node_fn get, void *ctx, uint64_t index, uint64_t size,
                                qt_merkle_proof *out) __attribute__((warn_unused_result));
/* Many inclusion proofs in one tree size share its right-edge subtree hashes: computed once
 * into edges (qt_merkle_edges_init with that size first) instead of once per proof. */
typedef struct qt_merkle_edges {
	uint64_t size;
	uint64_t known; /* bit k: h[k] holds the edge subtree below level k */
	qt_hash h[64];
} qt_merkle_edges;
void qt_merkle_edges_init(qt_merkle_edges *e, uint64_t size);
qt_rc qt_merkle_inclusion_proof_edges(qt_merkle_node_fn get, void *ctx, uint64_t index,
                                      uint64_t size, qt_merkle_edges *edges, qt_merkle_proof *out)
        __attribute__((warn_unused_result));
/* The proofs of the consecutive leaves first .. first+n-1 in one tree size, the same as one
 * qt_merkle_inclusion_proof_edges each: proof i goes to at(at_ctx, i). A proof's node at a
 * level is the same for 2^level leaves in a row, so it is read once per run of leaves, not
 * once per proof: a group's receipts cost little more than writing them. On failure the
 * proof being made is left empty and no further proof is made. */
typedef qt_merkle_proof *(*qt_merkle_proof_at_fn)(void *at_ctx, size_t i);
qt_rc qt_merkle_inclusion_proofs(qt_merkle_node_fn get, void *ctx, uint64_t first, size_t n,
                                 uint64_t size, qt_merkle_edges *edges, qt_merkle_proof_at_fn at,
                                 void *at_ctx) __attribute__((warn_unused_result));
qt_rc qt_merkle_consistency_proof(qt_merkle_node_fn get, void *ctx, uint64_t size1, uint64_t size2,
                                  qt_merkle_proof *out) __attribute__((warn_unused_result));

/* RFC 9162 §2.1.3.2 and §2.1.4.2 verification. */
bool qt_merkle_verify_inclusion(const qt_hash *leaf_hash, uint64_t index, uint64_t size,
                                const qt_merkle_proof *proof, const qt_hash *root)
        __attribute__((warn_unused_result));
bool qt_merkle_verify_consistency(uint64_t size1, uint64_t size2, const qt_merkle_proof *proof,
                                  const qt_hash *root1, const qt_hash *root2)
        __attribute__((warn_unused_result));

/* Incremental tree over appended leaves ("compact range"): keeps one hash per set bit of the
 * size. Used by appends (to know which perfect nodes a new leaf completes) and by verify. */
typedef struct qt_merkle_builder {
	uint64_t size;
	qt_hash stack[64]; /* stack[k]: the perfect subtree of level k, when bit k of size is set */
} qt_merkle_builder;

void qt_merkle_builder_init(qt_merkle_builder *b);
/* Rebuild the builder for a stored tree of `size` leaves (reads O(log size) nodes). */
qt_rc qt_merkle_builder_load(qt_merkle_builder *b, qt_merkle_node_fn get, void *ctx, uint64_t size)
        __attribute__((warn_unused_result));
/* Append one leaf hash. For the leaf and every perfect node it completes, calls
 * emit(ctx, level, index, hash) in increasing level order (emit may be NULL); the first
 * error emit returns stops the push and is returned, leaving the builder unchanged. */
typedef qt_rc (*qt_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index, const qt_hash *hash);
qt_rc qt_merkle_builder_push(qt_merkle_builder *b, const qt_hash *leaf_hash, qt_merkle_emit_fn emit,
                             void *ctx) __attribute__((warn_unused_result));
/* Root of the leaves pushed so far (the empty root for none). */
void qt_merkle_builder_root(const qt_merkle_builder *b, qt_hash *root);

#endif
