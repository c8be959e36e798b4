/* ledger_internal.h — what log.c and verify.c share and nothing else should see: the ledger's
 * state, prepared records, the leaf layout's field names. */
#ifndef QT_LEDGER_INTERNAL_H
#define QT_LEDGER_INTERNAL_H

#include <pthread.h>

#include "ledger/log.h"
#include "util/buf.h"

/* A record turned into its leaf, ready to stage. */
typedef struct qt_prepared {
	qt_buf leaf;
	qt_hash leaf_hash;
	qt_buf sealed; /* the stored form of its sealed fields (see qt_sealed_next) */
	const char *const *keys;
	size_t n_keys;
	bool pooled; /* leaf and sealed are in a slab of the ledger's (log.c), not freed here */
} qt_prepared;

#define QT_GROUP_LEVELS 64

typedef struct qt_node_slot {
	uint64_t gen, key;
	qt_hash hash;
} qt_node_slot;

struct job;
struct qt_slab;

struct qt_ledger {
	qt_store *store;
	qt_signer signer;
	qt_verifier verifier;
	char origin[QT_NOTE_NAME_MAX + 1];
	qt_ledger_faults *faults;

	pthread_mutex_t lock; /* the commit path and the tree */
	uint64_t size;
	qt_merkle_builder tree;
	bool dirty;              /* a commit path failed: reload from the store first */
	pthread_mutex_t cp_lock; /* the latest checkpoint, for readers beside the commit path */
	uint64_t cp_size;
	qt_hash cp_root;
	char cp_note[QT_NOTE_MAX];
	size_t cp_note_len;
	char pending_note[QT_NOTE_MAX];
	qt_node_slot *cache;
	uint64_t cache_gen;
	qt_hash *gn; /* the current group's nodes, level by level (see group_node) */
	size_t gn_off[QT_GROUP_LEVELS];
	uint64_t gn_base, gn_end; /* its leaves; gn_end 0 = none */

	pthread_mutex_t queue_lock; /* group commit of qt_ledger_submit */
	pthread_cond_t queue_cond;
	struct job *queue, **queue_tail;
	size_t queued;         /* jobs waiting for a leader */
	qt_ledger_stats stats; /* under queue_lock */
	bool committing;
	struct job **batch_jobs;

	pthread_mutex_t pool_lock; /* slabs for large jobs' leaves, kept from group to group */
	struct qt_slab *pool;
	size_t pool_n;
};

qt_rc qt_ledger_prepare(const qt_record *r, qt_prepared *p, qt_err *err)
        __attribute__((warn_unused_result));
void qt_prepared_free(qt_prepared *p);
/* The text a leaf carries for a sealed field: base64 of SHA-256(salt || JCS(value)). */
#define QT_COMMITMENT_B64_LEN 45 /* 44 characters and a NUL */
void qt_ledger_commitment(const uint8_t *salt, const void *value, size_t n,
                          char out[QT_COMMITMENT_B64_LEN]);
/* Inner Merkle nodes are stored for every QT_NODE_STRIDE-th level only: the levels between
 * cost a few hashes to rebuild, and each record writes 1/15 of a node row instead of one. */
#define QT_NODE_STRIDE 4

/* Stored Merkle node reader for qt_merkle_* (ctx is the qt_store). */
qt_rc qt_ledger_store_node(void *ctx, unsigned level, uint64_t index, qt_hash *out);
bool qt_ledger_valid_field(const char *field);

#endif
