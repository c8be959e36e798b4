/* log.h — the ledger: every accepted write becomes one canonical record, one leaf of an
 * RFC 9162 Merkle tree, committed durably in groups and covered by a signed checkpoint, and
 * is answered with a receipt anyone can check. Also the offline verifier. */
#ifndef QT_LOG_H
#define QT_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/tiles.h"
#include "store/store.h"
#include "util/rc.h"

#define QT_LEDGER_TYPE_MAX   64    /* record type, e.g. "event.ship" */
#define QT_LEDGER_KEYS_MAX   64    /* index keys per record */
#define QT_LEDGER_KEY_MAX    400   /* one index key (a canonical code fits) */
#define QT_LEDGER_LEAF_MAX   65535 /* leaf bytes: fits a tlog-tiles entry bundle */
#define QT_LEDGER_SALT_LEN   32
#define QT_LEDGER_GROUP_MAX  10000 /* records in one commit group */
#define QT_LEDGER_SEALED_MAX 64    /* private fields per record */

/* The one index every record feeds with its keys (canonical codes and other lookup keys):
 * the index name readers pass to the store's index_find. */
#define QT_INDEX_KEY "key"

typedef struct qt_ledger qt_ledger;

/* One write. body holds the public fields; private_fields (may be NULL) the fields marked
 * non-public: the leaf carries only a salted SHA-256 commitment to each. keys are the
 * canonical codes (or other lookup keys) the record is indexed under. */
typedef struct qt_record {
	const char *type;
	const json_t *body;
	const json_t *private_fields;
	const char *const *keys;
	size_t n_keys;
	const char *ts; /* RFC 3339 UTC; NULL = now */
} qt_record;

typedef struct qt_receipt {
	uint64_t index;
	qt_hash leaf_hash;
	uint64_t tree_size;
	qt_merkle_proof proof; /* inclusion of index in tree_size */
	char checkpoint[QT_NOTE_MAX];
	size_t checkpoint_len;
} qt_receipt;

/* Test hooks for the commit path (NULL in production). */
typedef struct qt_ledger_faults {
	qt_store_faults store; /* failing writes / fsyncs in the store */
	int fail_sign_in;      /* countdown to a failing signature */
} qt_ledger_faults;

typedef struct qt_ledger_opts {
	const char *key_path; /* signer key file; NULL = "<db>.key" */
	qt_ledger_faults *faults;
} qt_ledger_opts;

/* Create the database and the signing key (mode 0600). vkey gets the verifier key text. */
qt_rc qt_ledger_init(const char *db, const char *origin, char *vkey, size_t vkey_size, qt_err *err)
        __attribute__((warn_unused_result));

/* Open for writing. If a crash left committed records without a checkpoint, one is signed
 * now, consistent with the last. */
qt_rc qt_ledger_open(const char *db, const qt_ledger_opts *opts, qt_ledger **out, qt_err *err)
        __attribute__((warn_unused_result));
void qt_ledger_close(qt_ledger *l);

/* Append n records (n <= QT_LEDGER_GROUP_MAX) as one group: all or none. Receipts (may be
 * NULL) are filled only on success. Thread-safe, like every write below. */
qt_rc qt_ledger_append(qt_ledger *l, const qt_record *recs, size_t n, qt_receipt *receipts,
                       qt_err *err) __attribute__((warn_unused_result));

/* Thread-safe single write: concurrent callers are gathered into one group commit. An
 * invalid record fails alone; a commit failure fails its whole group. */
qt_rc qt_ledger_submit(qt_ledger *l, const qt_record *rec, qt_receipt *receipt, qt_err *err)
        __attribute__((warn_unused_result));

/* A write whose validity depends on the current state. apply runs on the committing thread,
 * inside the group's transaction and after every earlier write of the group, so it sees
 * their changes: it checks the rules against the state in the store, writes the state's
 * new rows, and returns non-OK (with err) to refuse. first is the ledger index the job's
 * first record will get. A refused job changes nothing and fails alone; the others of its
 * group still commit. n may be 0 when apply is set (a check with nothing to record). */
typedef qt_rc (*qt_ledger_apply_fn)(void *ctx, qt_store *s, uint64_t first, qt_err *err);
qt_rc qt_ledger_submit_job(qt_ledger *l, const qt_record *recs, size_t n, qt_ledger_apply_fn apply,
                           void *ctx, qt_receipt *receipts, qt_err *err)
        __attribute__((warn_unused_result));

/* The same, answering only the first record's receipt (receipts[0]) and, when n > 1, the
 * last's (receipts[1]): a large job's callers are shown its ends, and the rest can be
 * proved later from the log, without building thousands of proofs nobody reads. */
qt_rc qt_ledger_submit_job_ends(qt_ledger *l, const qt_record *recs, size_t n,
                                qt_ledger_apply_fn apply, void *ctx, qt_receipt receipts[2],
                                qt_err *err) __attribute__((warn_unused_result));

/* One sealed (non-public) field as the store keeps it: the value's JCS and the salt of its
 * commitment in the leaf. */
typedef struct qt_sealed_field {
	char field[65];
	size_t field_len;
	const uint8_t *salt; /* QT_LEDGER_SALT_LEN bytes */
	const uint8_t *value;
	size_t value_len;
} qt_sealed_field;

/* Walk a record's stored sealed fields: false at the end or on malformed bytes (then
 * *p != end). */
bool qt_sealed_next(const uint8_t **p, const uint8_t *end, qt_sealed_field *f);

uint64_t qt_ledger_size(const qt_ledger *l);

/* Counters for /metrics. */
typedef struct qt_ledger_stats {
	uint64_t commits, jobs_ok, jobs_refused;
} qt_ledger_stats;
void qt_ledger_get_stats(qt_ledger *l, qt_ledger_stats *out);
/* The store underneath, for reads by the owner while no write is in flight. */
qt_store *qt_ledger_store(qt_ledger *l);
/* The leaf bytes of record `index` (safe beside concurrent writers). */
qt_rc qt_ledger_record(qt_ledger *l, uint64_t index, qt_buf *leaf, qt_err *err)
        __attribute__((warn_unused_result));
/* The latest signed checkpoint (a NUL-terminated note). */
const char *qt_ledger_checkpoint(const qt_ledger *l, uint64_t *size);
void qt_ledger_verifier(const qt_ledger *l, qt_verifier *out);
/* A copy of the latest signed checkpoint, safe beside the commit path: its length (0 if it
 * does not fit in outsz) and its tree size. */
size_t qt_ledger_checkpoint_copy(qt_ledger *l, char *out, size_t outsz, uint64_t *size);

/* Proofs and tiles read through another connection (a server thread's reader), bounded by
 * a committed tree size (from qt_ledger_checkpoint_copy), without the commit path's lock. */
qt_rc qt_ledger_inclusion_at(qt_store *s, uint64_t tree_size, uint64_t index, uint64_t size,
                             qt_merkle_proof *out, qt_err *err) __attribute__((warn_unused_result));
qt_rc qt_ledger_consistency_at(qt_store *s, uint64_t tree_size, uint64_t size1, uint64_t size2,
                               qt_merkle_proof *out, qt_err *err)
        __attribute__((warn_unused_result));
qt_rc qt_ledger_tile_at(qt_store *s, uint64_t tree_size, const qt_tile_ref *ref, qt_buf *out,
                        qt_err *err) __attribute__((warn_unused_result));

qt_rc qt_ledger_inclusion(qt_ledger *l, uint64_t index, uint64_t size, qt_merkle_proof *out,
                          qt_err *err) __attribute__((warn_unused_result));
qt_rc qt_ledger_consistency(qt_ledger *l, uint64_t size1, uint64_t size2, qt_merkle_proof *out,
                            qt_err *err) __attribute__((warn_unused_result));

/* C2SP tlog-tiles content for `ref` (a hash tile or an entry bundle) at the current tree
 * size, appended to out: what a mirror fetches. QT_ERR_NOTFOUND when the tile does not exist
 * (yet) at that width. */
qt_rc qt_ledger_tile(qt_ledger *l, const qt_tile_ref *ref, qt_buf *out, qt_err *err)
        __attribute__((warn_unused_result));

/* Offline verification of a whole database (see qtrace verify). On success fills the
 * summary. */
typedef struct qt_verify_opts {
	const char *key; /* verifier key text, or NULL to use the one recorded in the database */
	/* a signed checkpoint saved earlier by a client or witness (may be NULL): the log must
	 * still hold the tree it signed, which catches a log cut back or rewritten since, as
	 * the database's own checkpoints cannot */
	const char *checkpoint;
	size_t checkpoint_len;
	void (*progress)(uint64_t done, uint64_t total); /* may be NULL */
} qt_verify_opts;

typedef struct qt_verify_result {
	uint64_t records;
	uint64_t tree_size;
	qt_hash root;
	uint64_t checkpoints;
	uint64_t witnessed_size; /* the size of opts->checkpoint, when one was given */
} qt_verify_result;

qt_rc qt_ledger_verify(const char *db, const qt_verify_opts *opts, qt_verify_result *res,
                       qt_err *err) __attribute__((warn_unused_result));

#endif
