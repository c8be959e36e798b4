/* store.h — the one function table through which the rest of qtrace reads and writes its
 * database. SQLite is the embedded backend (sqlite.c); PostgreSQL will sit behind the same
 * table, so nothing here may name a backend's types. Rows are only ever inserted. */
#ifndef QT_STORE_H
#define QT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "util/buf.h"
#include "util/rc.h"

typedef struct qt_store qt_store;
typedef struct qt_store_iter qt_store_iter;

/* Test hooks: make the backend's own I/O fail at a chosen point (a failing write or fsync
 * is what a full or dying disk does). Counters count down on each matching call; the call
 * that takes one from 1 to 0 fails, later calls succeed again. 0 = never. */
typedef struct qt_store_faults {
	int fail_write_in;
	int fail_sync_in;
} qt_store_faults;

typedef struct qt_store_opts {
	bool create;             /* create a new store; fail if one exists */
	bool read_only;          /* also: used by one thread only */
	size_t cache_kib;        /* page cache bound; 0 = backend default */
	bool scratch;            /* a throwaway store (verify's replay): nothing made durable;
	                          * with the path "", a temporary file removed at once */
	qt_store_faults *faults; /* NULL in production */
} qt_store_opts;

/* One row of a scan; which fields are set depends on what is scanned (see qt_store_scan). */
typedef struct qt_store_row {
	uint64_t a, b;
	const uint8_t *blob1, *blob2, *blob3;
	size_t len1, len2, len3;
	const char *text1, *text2;
} qt_store_row;

typedef enum qt_store_scan_kind {
	QT_SCAN_RECORDS, /* a = index, blob1 = leaf, blob2 = leaf hash, blob3 = sealed; by index */
	QT_SCAN_NODES,   /* a = level, b = index, blob1 = hash; one level (from), by index */
	QT_SCAN_INDEX,   /* a = record, text1 = index name, text2 = key; by name, key, record; the
	                  * whole table (`from` is unused) */
	QT_SCAN_CHECKPOINTS, /* a = tree size, blob1 = signed note; by size */
	/* the state, for comparing two stores: every document, by kind and id (text1 = kind,
	 * text2 = id, blob1 = owner, blob2 = body, a = rec), and every link, by kind, src and
	 * dst (text1 = kind, text2 = src, blob1 = dst); `from` is unused */
	QT_SCAN_DOCS,
	QT_SCAN_LINKS,
} qt_store_scan_kind;

/* Called for each row of a listing; a non-OK return stops it and is returned as is. The
 * pointers are valid during the call only. */
typedef qt_rc (*qt_store_doc_fn)(void *ctx, const char *id, const char *owner, const void *body,
                                 size_t n, uint64_t rec);
typedef qt_rc (*qt_store_link_fn)(void *ctx, const char *dst);
/* Called once per group of a grouped count (link_doc_count). */
typedef qt_rc (*qt_store_group_fn)(void *ctx, const char *owner, const char *value, uint64_t count);

/* A counter kept beside the ledger: how many times, first and last (RFC 3339 UTC). */
typedef struct qt_tally {
	uint64_t count;
	char first[32], last[32];
} qt_tally;

typedef struct qt_store_ops {
	const char *name;
	void (*close)(qt_store *s);

	/* One write transaction at a time; commit returns only once it is durable. */
	qt_rc (*begin)(qt_store *s, qt_err *err);
	qt_rc (*commit)(qt_store *s, qt_err *err);
	void (*rollback)(qt_store *s);
	/* A savepoint inside a write transaction: one caller's part of a group commit can be
	 * taken back alone. They nest (release and rollback act on the innermost), so a job
	 * may take back one step of its own (a refused event of a file). */
	qt_rc (*savepoint)(qt_store *s, qt_err *err);
	qt_rc (*savepoint_release)(qt_store *s, qt_err *err);
	void (*savepoint_rollback)(qt_store *s);
	/* A consistent snapshot for a run of reads (one lock, not one per read). */
	qt_rc (*read_begin)(qt_store *s, qt_err *err);
	void (*read_end)(qt_store *s);
	/* Read inside a run of reads, after its first read: the same number as in an earlier run
	 * on this connection exactly when nothing was committed in between (by any connection),
	 * so what was read then may be used again unread. */
	uint64_t (*data_version)(qt_store *s);

	qt_rc (*meta_get)(qt_store *s, const char *key, qt_buf *out, qt_err *err);
	qt_rc (*meta_put)(qt_store *s, const char *key, const char *value, qt_err *err);

	qt_rc (*record_count)(qt_store *s, uint64_t *count, qt_err *err);
	/* sealed: the record's non-public values, opaque to the store (sealed_len 0 = none). */
	qt_rc (*record_put)(qt_store *s, uint64_t index, const void *leaf, size_t n,
	                    const qt_hash *leaf_hash, const void *sealed, size_t sealed_len,
	                    qt_err *err);
	/* sealed may be NULL when only the leaf is wanted. */
	qt_rc (*record_get)(qt_store *s, uint64_t index, qt_buf *leaf, qt_buf *sealed, qt_err *err);
	/* Merkle nodes above the leaves (level >= 1); level 0 is the record's leaf hash. Which
	 * levels are stored is the ledger's choice. nodes_get reads count consecutive nodes of
	 * one level, QT_ERR_NOTFOUND unless all are there. */
	qt_rc (*node_put)(qt_store *s, unsigned level, uint64_t index, const qt_hash *h,
	                  qt_err *err);
	qt_rc (*nodes_get)(qt_store *s, unsigned level, uint64_t first, size_t count, qt_hash *h,
	                   qt_err *err);
	qt_rc (*index_put)(qt_store *s, const char *name, const char *key, uint64_t record,
	                   qt_err *err);
	/* Records under (name, key) with index > after (UINT64_MAX: from the first), ascending,
	 * at most max of them. */
	qt_rc (*index_find)(qt_store *s, const char *name, const char *key, uint64_t after,
	                    uint64_t *records, size_t max, size_t *found, qt_err *err);
	qt_rc (*checkpoint_put)(qt_store *s, uint64_t size, const char *note, size_t n,
	                        qt_err *err);
	/* QT_ERR_NOTFOUND when there is none. */
	qt_rc (*checkpoint_latest)(qt_store *s, uint64_t *size, qt_buf *note, qt_err *err);

	/* The platform's current state, derived from the records in the same transaction:
	 * documents by (kind, id) with an owner to list them by, and sets of links. Unlike
	 * records they are replaced and deleted; rec is the record that last set a document.
	 * doc_get: QT_ERR_NOTFOUND when absent; body, owner and rec may each be NULL. */
	qt_rc (*doc_get)(qt_store *s, const char *kind, const char *id, qt_buf *body, qt_buf *owner,
	                 uint64_t *rec, qt_err *err);
	qt_rc (*doc_put)(qt_store *s, const char *kind, const char *id, const char *owner,
	                 const void *body, size_t n, uint64_t rec, qt_err *err);
	/* Documents of a kind (and owner, unless NULL) with id > after, by id, at most limit. */
	qt_rc (*doc_list)(qt_store *s, const char *kind, const char *owner, const char *after,
	                  size_t limit, qt_store_doc_fn fn, void *ctx, size_t *found, qt_err *err);
	qt_rc (*link_put)(qt_store *s, const char *kind, const char *src, const char *dst,
	                  qt_err *err);
	qt_rc (*link_del)(qt_store *s, const char *kind, const char *src, const char *dst,
	                  qt_err *err);
	qt_rc (*link_list)(qt_store *s, const char *kind, const char *src, const char *after,
	                   size_t limit, qt_store_link_fn fn, void *ctx, size_t *found,
	                   qt_err *err);
	/* The same from the other end: links with dst < before ("" or NULL: from the last), by
	 * dst descending, at most limit (a unit's newest shipments first). */
	qt_rc (*link_list_back)(qt_store *s, const char *kind, const char *src, const char *before,
	                        size_t limit, qt_store_link_fn fn, void *ctx, size_t *found,
	                        qt_err *err);
	/* The documents of kind doc_kind that the links (link_kind, src) point to, counted by
	 * owner and by the string member `field` at the top level of their body: fn once per
	 * group, by owner then value, the value "" where the member is absent or not a string
	 * (values are compared as stored, JSON escapes and all). More than max_groups groups:
	 * QT_ERR_TOOBIG. One pass over the links, not one call per document: a batch's codes
	 * by holder and status, for a batch of 100,000. */
	qt_rc (*link_doc_count)(qt_store *s, const char *link_kind, const char *src,
	                        const char *doc_kind, const char *field, size_t max_groups,
	                        qt_store_group_fn fn, void *ctx, qt_err *err);

	/* Counters that are not evidence (how often a code was looked up): added to in
	 * batches inside a write transaction, never recorded in the ledger. tally_get:
	 * QT_ERR_NOTFOUND when never counted. */
	qt_rc (*tally_add)(qt_store *s, const char *kind, const char *id, uint64_t count,
	                   const char *first, const char *last, qt_err *err);
	qt_rc (*tally_get)(qt_store *s, const char *kind, const char *id, qt_tally *out,
	                   qt_err *err);

	/* Ordered scans for verification and mirroring. `from` is the first record index, or
	 * for QT_SCAN_NODES the level. next() returns QT_ERR_NOTFOUND at the end; the row's
	 * pointers stay valid until the next call. */
	qt_rc (*scan)(qt_store *s, qt_store_scan_kind kind, uint64_t from, qt_store_iter **it,
	              qt_err *err);
	qt_rc (*next)(qt_store_iter *it, qt_store_row *row, qt_err *err);
	void (*scan_close)(qt_store_iter *it);
} qt_store_ops;

struct qt_store {
	const qt_store_ops *ops;
};

/* Opens the store named by `where`: a file path for SQLite. */
qt_rc qt_store_open(const char *where, const qt_store_opts *opts, qt_store **out, qt_err *err)
        __attribute__((warn_unused_result));

/* The SQLite backend, for callers that need it by name (tests, benchmarks). */
qt_rc qt_store_sqlite_open(const char *path, const qt_store_opts *opts, qt_store **out, qt_err *err)
        __attribute__((warn_unused_result));
/* The schema version this qtrace brings a SQLite store to (its user_version): a benchmark's
 * cached database is built again when it changes. */
unsigned qt_store_sqlite_schema(void);

#endif
