/* complaints.h — consumers' complaints about a code (投诉), filed without an account and routed
 * to the regulator of the producer's city or province, tracked by regulators to closure; and
 * regulators' announcements (追溯公告), published to anyone as a list and an Atom feed. */
#ifndef QT_COMPLAINTS_H
#define QT_COMPLAINTS_H

#include <jansson.h>

#include "core/platform.h"
#include "util/buf.h"

#define QT_COMPLAINT_TEXT_MAX    2000 /* characters of a complaint's text */
#define QT_COMPLAINT_CONTACT_MAX 200
#define QT_ANNOUNCE_BODY_MAX     20000
#define QT_ANNOUNCE_FEED_MAX     50 /* entries the Atom feed carries, newest first */

/* The jurisdiction a complaint about a producer's code goes to: the city ("4403") when the
 * producer's division code (USCC characters 3-8) names one, else the province ("44"); ""
 * (national) when there is no producer or its code carries no division. */
void qt_complaint_route(const char *producer, char out[7]);

/* File a complaint: body {code (any scanned form), text, contact? (sealed in the ledger,
 * shown to the routed regulators only)}. *answer {complaint (public fields), receipt}. */
qt_rc qt_complaint_file(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                        qt_err *err) __attribute__((warn_unused_result));

/* A regulator moves complaint id on: body {state acknowledged|closed, note (closing needs
 * one)}. QT_ERR_DENIED outside its jurisdiction; QT_ERR_CONFLICT from closed or to the same
 * state. */
qt_rc qt_complaint_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                          json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* The complaints routed within a regulator's jurisdiction, oldest first: {complaints, next?}.
 * state: NULL for any. Paged by qt_doc_page: up to `limit` of them, next when more may follow. */
qt_rc qt_complaint_list(qt_store *s, const qt_account *who, const char *state, const char *after,
                        size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* A regulator publishes: body {title, body, kind catalog|recall|draw|other}. */
qt_rc qt_announce_publish(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err) __attribute__((warn_unused_result));

/* Inside a write's job: the platform announces what record rec did (a draw made, a recall
 * opened, catalogue units added): kind, title (cut to QT_NAME_MAX bytes) and text, in the
 * name of who (NULL: the platform). Listed and fed like a regulator's announcement, with
 * `record` naming the record that is its proof; its id is "AR" and rec in 20 digits.
 * published: the time of that record (its ts), so that replaying it makes the same. */
qt_rc qt_announce_auto(qt_store *s, const qt_account *who, const char *kind, const char *title,
                       const char *text, uint64_t rec, const char *published, qt_err *err)
        __attribute__((warn_unused_result));

/* Announcements, newest first: {announcements, next?}. */
qt_rc qt_announce_list(qt_store *s, const char *after, size_t limit, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));

/* The newest announcements as an Atom feed (RFC 4287). base: the public URL or NULL. */
qt_rc qt_announce_atom(qt_store *s, const char *base, qt_buf *out, qt_err *err)
        __attribute__((warn_unused_result));

#endif
