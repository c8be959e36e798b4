/* cases.h — what complaints and risk warnings share: a regulator moves one along its states
 * (open → acknowledged → closed with a note), each move a ledger record. */
#ifndef QT_CASES_H
#define QT_CASES_H

#include "core/names.h"
#include "core/platform.h"
#include "core/replay.h"

typedef struct qt_case_kind {
	const char *doc;    /* the document kind, also the word in messages: "complaint" */
	const char *record; /* the record type of a move: "complaint.update" */
	const char *where;  /* the document's member naming the region it is routed to */
	bool seal_note;     /* the note may quote a consumer: keep it out of the public leaf */
	qt_names_fn name;   /* what the case's ids refer to, by name, in its answers */
} qt_case_kind;

/* Whether regulator who covers a case routed to region (a division code or a prefix). */
bool qt_case_covers(const qt_account *who, const char *region);

/* {state: acknowledged|closed, note (required to close)} on case id, by a regulator whose
 * jurisdiction covers it; checked against the case as it is inside the write, so two
 * regulators cannot both close it. *answer {<kind>: the case (named by k->name), receipt}. */
qt_rc qt_case_update(qt_platform *p, const qt_account *who, const qt_case_kind *k, const char *id,
                     const json_t *body, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* Verify's replay of a move of a case of kind k (its record r): the same check and history
 * entry, by the account the record names, at the record's time. */
qt_rc qt_case_replay(qt_store *s, const qt_replay_rec *r, const qt_case_kind *k, qt_err *err)
        __attribute__((warn_unused_result));

#endif
