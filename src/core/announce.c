/* announce.c — regulators' announcements (追溯公告) as ledger records, listed newest first for
 * anyone and published as an Atom feed (RFC 4287) that feed readers and other platforms can
 * follow without an account. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/complaints.h"
#include "core/replay.h"
#include "util/utf8.h"

/* Lists read in key order; the key counts down from the ledger index so newest comes first. */
#define KEY_TOP 999999999999ULL

typedef struct announcement {
	const char *id;
	json_t *doc;
} announcement;

/* Keeps announcement doc under id, listed at ledger index `index` (its own record's, or the
 * record it announces). */
static qt_rc keep(qt_store *s, const char *id, json_t *doc, uint64_t index, qt_err *err)
{
	char key[64];
	qt_rc rc;

	snprintf(key, sizeof key, "%012" PRIu64 "/%s", (uint64_t)KEY_TOP - index, id);
	json_object_set_new(doc, "index", json_integer((json_int_t)index));
	rc = s->ops->link_put(s, "announcements", "all", key, err);
	if (rc == QT_OK)
		rc = qt_doc_save(s, "announcement", id, "", doc, index, err);
	return rc;
}

static qt_rc apply_announce(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	announcement *a = ctx;
	return keep(s, a->id, a->doc, first, err);
}

qt_rc qt_announce_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	announcement a = {.id = qt_json_text(r->body, "id"), .doc = r->body};
	return apply_announce(&a, s, r->index, err);
}

qt_rc qt_announce_auto(qt_store *s, const qt_account *who, const char *kind, const char *title,
                       const char *text, uint64_t rec, const char *published, qt_err *err)
{
	char id[24];
	/* made from users' names: cut where a regulator's would be refused, at a character */
	size_t tn = strlen(title), bn = strlen(text);
	json_t *doc;
	qt_rc rc;

	/* (and a caller's own buffer may have cut one already) */
	tn = qt_utf8_valid_prefix(title, tn > QT_NAME_MAX ? QT_NAME_MAX : tn);
	bn = qt_utf8_valid_prefix(text, bn > QT_ANNOUNCE_BODY_MAX ? QT_ANNOUNCE_BODY_MAX : bn);
	/* its id says which record it announces; a regulator's are "A" and random hex */
	snprintf(id, sizeof id, "AR%020" PRIu64, rec);
	doc = json_pack("{s:s%, s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "title", title, tn,
	                "body", text, bn, "id", id, "kind", kind, "by", who ? who->id : "platform",
	                "by_name", who ? who->name : "qtrace", "jurisdiction",
	                who ? who->jurisdiction : "", "published", published, "record",
	                (json_int_t)rec);
	rc = doc ? keep(s, id, doc, rec, err) : qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	json_decref(doc);
	return rc;
}

qt_rc qt_announce_publish(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"title", "body", "kind", NULL};
	const char *title, *text, *kind;
	char id[18], now[32];
	announcement a = {.id = id};
	qt_receipt receipt;
	qt_record rec;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "title", QT_NAME_MAX, true, &title, err)) != QT_OK ||
	    (rc = qt_json_str(body, "body", QT_ANNOUNCE_BODY_MAX, true, &text, err)) != QT_OK ||
	    (rc = qt_json_str(body, "kind", 20, true, &kind, err)) != QT_OK)
		return rc;
	if (strcmp(kind, "catalog") && strcmp(kind, "recall") && strcmp(kind, "draw") &&
	    strcmp(kind, "other"))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'kind' must be \"catalog\", \"recall\", \"draw\" or \"other\"");
	if ((rc = qt_new_id("A", 8, id, sizeof id, err)) != QT_OK)
		return rc;
	qt_time_now(now);
	a.doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "title", title,
	                  "body", text, "kind", kind, "by", who->id, "by_name", who->name,
	                  "jurisdiction", who->jurisdiction, "published", now);
	{
		const char *keys[1] = {id};
		rec = (qt_record){.type = "announcement",
		                  .body = a.doc,
		                  .keys = keys,
		                  .n_keys = 1,
		                  .ts = now};
		rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_announce, &a, &receipt, err);
	}
	if (rc == QT_OK)
		*answer = json_pack("{s:O, s:o}", "announcement", a.doc, "receipt",
		                    qt_receipt_json(&receipt));
	json_decref(a.doc);
	return rc;
}

qt_rc qt_announce_list(qt_store *s, const char *after, size_t limit, json_t **answer, qt_err *err)
{
	return qt_doc_page(s, "announcements", "all", "announcement", after, limit, NULL, NULL,
	                   "announcements", answer, err);
}

static qt_rc atom_entry(qt_buf *out, const json_t *a)
{
	static const char *const labels[][2] = {
	        {"catalog", "目录"}, {"recall", "召回"}, {"draw", "抽查"}, {"other", "其他"}};
	const char *kind = qt_json_text(a, "kind"), *label = kind;
	qt_rc rc;

	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(kind, labels[i][0]))
			label = labels[i][1];
	if ((rc = qt_buf_printf(out, "<entry><id>tag:qtrace,2026:announcement/%s</id><title>",
	                        qt_json_text(a, "id"))) != QT_OK ||
	    (rc = qt_buf_xml(out, qt_json_text(a, "title"))) != QT_OK ||
	    (rc = qt_buf_printf(out, "</title><updated>%s</updated><published>%s</published>",
	                        qt_json_text(a, "published"), qt_json_text(a, "published"))) !=
	            QT_OK ||
	    (rc = qt_buf_printf(out, "<category term=\"%s\" label=\"%s\"/><author><name>", kind,
	                        label)) != QT_OK ||
	    (rc = qt_buf_xml(out, qt_json_text(a, "by_name"))) != QT_OK ||
	    (rc = qt_buf_printf(out, "</name></author><content type=\"text\">")) != QT_OK ||
	    (rc = qt_buf_xml(out, qt_json_text(a, "body"))) != QT_OK)
		return rc;
	return qt_buf_printf(out, "</content></entry>\n");
}

qt_rc qt_announce_atom(qt_store *s, const char *base, qt_buf *out, qt_err *err)
{
	json_t *list = NULL, *a;
	const char *updated = "2026-01-01T00:00:00Z"; /* no announcement yet: a fixed past */
	size_t i;
	qt_rc rc = qt_announce_list(s, NULL, QT_ANNOUNCE_FEED_MAX, &list, err);
	json_t *items = json_object_get(list, "announcements");

	if (rc != QT_OK)
		return rc;
	if (json_array_size(items))
		updated = qt_json_text(json_array_get(items, 0), "published");
	rc = qt_buf_printf(out,
	                   "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	                   "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
	                   "<id>tag:qtrace,2026:announcements</id><title>追溯公告 "
	                   "Traceability announcements</title><updated>%s</updated>"
	                   "<author><name>qtrace</name></author>\n",
	                   updated);
	if (rc == QT_OK && base &&
	    (rc = qt_buf_printf(out, "<link rel=\"self\" type=\"application/atom+xml\" href=\"")) ==
	            QT_OK &&
	    (rc = qt_buf_xml(out, base)) == QT_OK)
		rc = qt_buf_printf(out, "/announcements.atom\"/>\n");
	json_array_foreach(items, i, a)
	{
		if (rc == QT_OK)
			rc = atom_entry(out, a);
	}
	if (rc == QT_OK)
		rc = qt_buf_printf(out, "</feed>\n");
	json_decref(list);
	if (rc != QT_OK)
		rc = qt_err_set(err, rc, "the feed does not fit");
	return rc;
}
