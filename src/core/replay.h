/* replay.h — `qtrace verify` rebuilds the platform's state from the log: every record is
 * applied again, in order, by the same code that applied it when it was written, into a
 * scratch store, and the documents and links there must be the ones the real store holds. */
#ifndef QT_REPLAY_H
#define QT_REPLAY_H

#include <stdint.h>

#include "core/platform.h"

/* One record as its writer made it. */
typedef struct qt_replay_rec {
	uint64_t index;
	const char *type;
	json_t *body;       /* the body with its sealed values put back; the writer may change it */
	const json_t *keys; /* its index keys, an array of strings */
	const char *ts;     /* when it was recorded (RFC 3339 UTC) */
	qt_store *log;      /* the store being verified, for a writer that must read a later
	                     * record of its own job (records only: its state is what is checked) */
} qt_replay_rec;

/* A writer's replay: apply record r to s as its write did. A refusal (a rule the record
 * breaks when applied again) is an error verify reports. */
typedef qt_rc (*qt_replay_fn)(qt_store *s, const qt_replay_rec *r, qt_err *err);

/* Each writer's replay (in the writer's own file). */
qt_rc qt_accounts_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_catalog_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_products_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_batches_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_standing_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_announce_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_codes_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_events_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_recall_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_checks_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_complaints_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_risk_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_sampling_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);
qt_rc qt_draw_replay(qt_store *s, const qt_replay_rec *r, qt_err *err);

/* The acting account a record names (its `by`), as the write saw it: QT_ERR_INVALID naming
 * the record when the account did not exist then. */
qt_rc qt_replay_who(qt_store *s, const qt_replay_rec *r, qt_account *out, qt_err *err)
        __attribute__((warn_unused_result));

/* The scratch store as the replay sees it (replay_store.c), owning inner from now on (also
 * when this fails). Documents read are kept, present or absent, and those written are held
 * until the transaction commits, then written to inner in key order; beyond max_bytes of
 * them they are written at once and the cache starts empty. A rollback forgets them. Inside
 * a savepoint documents go straight through, so that one taken back is taken back whole, and
 * what reads documents otherwise (doc_list, link_doc_count, a scan of them) sees those held.
 * Records and index rows are read from log as if it ended before the record being applied
 * (qt_replay_store_at), and none may be written: the replay runs on a log whose records and
 * index rows have passed qt_ledger_verify, so they are the very ones a copy would hold. */
qt_rc qt_replay_store_open(qt_store *inner, qt_store *log, size_t max_bytes, qt_store **out,
                           qt_err *err) __attribute__((warn_unused_result));
void qt_replay_store_at(qt_store *s, uint64_t below);

typedef struct qt_replay_result {
	uint64_t records;  /* records applied again */
	uint64_t docs;     /* documents compared */
	uint64_t links;    /* links compared */
	char unknown[128]; /* the first record of a type this qtrace does not know, or "" */
} qt_replay_result;

/* Called now and then with how many records were applied, then documents compared. */
typedef void (*qt_replay_progress_fn)(const char *what, uint64_t n);

/* In one read snapshot of s: apply every record again into a scratch store (a file in
 * $TMPDIR, removed after) and compare every document (but tokens, whose secret is in no
 * record) and every link with s. s's records and index rows must have passed
 * qt_ledger_verify: the writers read them from s (qt_replay_store_open). QT_ERR_INVALID naming the
 * first difference, or the record that could not be applied again. */
qt_rc qt_replay_verify(qt_store *s, qt_replay_progress_fn progress, qt_replay_result *res,
                       qt_err *err) __attribute__((warn_unused_result));

/* A record's leaf and sealed values (as the store holds them) as one JSON object: the leaf,
 * its body's sealed values put back. */
qt_rc qt_replay_parse(uint64_t idx, const void *leaf, size_t n, const void *sealed,
                      size_t sealed_len, json_t **out, qt_err *err)
        __attribute__((warn_unused_result));

/* The type at the end of a canonical leaf (members in order: body, keys, sealed, ts, type),
 * read without parsing it. */
bool qt_replay_leaf_type(const uint8_t *leaf, size_t n, char *out, size_t outsz);

#endif
