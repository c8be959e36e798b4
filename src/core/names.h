/* names.h — what the ids in an answer refer to, by name: the product, batch number, producer
 * and unit a recall, sampling, warning, complaint or draw names by id, read from their
 * documents when the answer is made (never stored with it), each document once per answer. */
#ifndef QT_NAMES_H
#define QT_NAMES_H

#include <jansson.h>

#include "core/platform.h"

/* The documents one answer has read for names, present or absent: a page of 100 items of
 * one product reads that product once. */
typedef struct qt_names {
	qt_store *s;
	json_t *seen; /* "kind/id" → the document, or null when the store has none */
} qt_names;

/* Names one document of an answer (adds members to doc, reading through n). */
typedef qt_rc (*qt_names_fn)(qt_names *n, json_t *doc, qt_err *err);

void qt_names_init(qt_names *n, qt_store *s);
void qt_names_free(qt_names *n);

/* Document (kind, id) as this answer read it (borrowed, valid until qt_names_free); *out is
 * NULL when the store has none. Errors other than its absence are returned. */
qt_rc qt_names_doc(qt_names *n, const char *kind, const char *id, const json_t **out, qt_err *err)
        __attribute__((warn_unused_result));

/* obj[as] = member field of document (kind, id), when there is such a document with it (an
 * id NULL or "" names nothing). */
qt_rc qt_names_set(qt_names *n, json_t *obj, const char *as, const char *kind, const char *id,
                   const char *field, qt_err *err) __attribute__((warn_unused_result));

/* Sets on obj the names of the ids from holds, each only when its document has it:
 * product_name (of "product", else of the product of "batch"), batch_no ("batch"),
 * producer_name ("producer") and unit_name ("unit"). */
qt_rc qt_names_add_from(qt_names *n, json_t *obj, const json_t *from, qt_err *err)
        __attribute__((warn_unused_result));
/* The same for the ids obj holds itself (a qt_names_fn). */
qt_rc qt_names_add(qt_names *n, json_t *obj, qt_err *err) __attribute__((warn_unused_result));

/* Sets by_name on each entry of obj's history (a case's moves) whose "by" account has a
 * name. */
qt_rc qt_names_history(qt_names *n, json_t *obj, qt_err *err) __attribute__((warn_unused_result));

/* The name fn gives each document of docs (an array of them, or one), read in one snapshot
 * of s, which must not be in a run of reads already. */
qt_rc qt_names_each(qt_store *s, json_t *docs, qt_names_fn fn, qt_err *err)
        __attribute__((warn_unused_result));

/* The documents of a page (qt_doc_page's *answer, under name) named by fn; on failure the
 * page is dropped (*answer NULL). */
qt_rc qt_names_page(qt_store *s, json_t **answer, const char *name, qt_names_fn fn, qt_err *err)
        __attribute__((warn_unused_result));

/* A document a write just recorded, named by fn for its answer through p's reader; what
 * cannot be read is left unnamed, as the write stands. */
void qt_names_written(qt_platform *p, json_t *doc, qt_names_fn fn);

#endif
