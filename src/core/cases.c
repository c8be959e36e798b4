/* cases.c — a case (a consumer's complaint, a risk warning) moved along its states by the
 * regulators it is routed to: the request's shape, the move's ledger record, and the state
 * check and history entry inside the write. One mechanism, so both kinds follow one rule. */
#include <stdio.h>
#include <string.h>

#include "core/cases.h"

typedef struct move {
	const qt_case_kind *k;
	const qt_account *who;
	const char *id, *state, *note;
	json_t *doc;  /* as kept after the move */
	char now[32]; /* the record's time */
} move;

bool qt_case_covers(const qt_account *who, const char *region)
{
	return (who->roles & QT_ROLE_REGULATOR) &&
	       qt_jurisdiction_covers(who->jurisdiction, region);
}

static qt_rc apply_move(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	move *m = ctx;
	const char *kind = m->k->doc, *was, *now = m->now;
	json_t *doc = NULL, *h;
	qt_rc rc = qt_doc_load(s, kind, m->id, &doc, err);

	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no %s %.40s", kind, m->id);
	if (rc != QT_OK)
		goto out;
	was = qt_json_text(doc, "state");
	if (!qt_case_covers(m->who, qt_json_text(doc, m->k->where)))
		rc = qt_err_set(err, QT_ERR_DENIED, "%s %.40s is outside your jurisdiction", kind,
		                m->id);
	else if (!strcmp(was, "closed"))
		rc = qt_err_set(err, QT_ERR_CONFLICT, "%s %.40s is closed already", kind, m->id);
	else if (!strcmp(was, m->state))
		rc = qt_err_set(err, QT_ERR_CONFLICT, "%s %.40s is %s already", kind, m->id, was);
	if (rc != QT_OK)
		goto out;
	json_object_set_new(doc, "state", json_string(m->state));
	json_object_set_new(doc, "updated", json_string(now));
	h = json_pack("{s:s, s:s, s:s}", "state", m->state, "by", m->who->id, "at", now);
	if (m->note)
		json_object_set_new(h, "note", json_string(m->note));
	json_array_append_new(json_object_get(doc, "history"), h);
	if ((rc = qt_doc_save(s, kind, m->id, "", doc, first, err)) == QT_OK)
		m->doc = json_incref(doc);
out:
	json_decref(doc);
	return rc;
}

qt_rc qt_case_update(qt_platform *p, const qt_account *who, const qt_case_kind *k, const char *id,
                     const json_t *body, json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"state", "note", NULL};
	move m = {.k = k, .who = who, .id = id};
	const char *keys[1] = {id};
	json_t *pub = NULL, *priv = NULL;
	qt_receipt receipt;
	qt_record rec;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "state", 20, true, &m.state, err)) != QT_OK ||
	    (rc = qt_json_str(body, "note", QT_TEXT_MAX, false, &m.note, err)) != QT_OK)
		goto out;
	if (strcmp(m.state, "acknowledged") && strcmp(m.state, "closed")) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'state' must be \"acknowledged\" or \"closed\"");
		goto out;
	}
	if (!strcmp(m.state, "closed") && !m.note) {
		rc = qt_err_set(err, QT_ERR_INVALID, "closing a %s needs a 'note'", k->doc);
		goto out;
	}
	pub = json_pack("{s:s, s:s, s:s}", "id", id, "state", m.state, "by", who->id);
	if (m.note)
		json_object_set_new(k->seal_note ? (priv = json_object()) : pub, "note",
		                    json_string(m.note));
	qt_time_now(m.now);
	rec = (qt_record){.type = k->record,
	                  .body = pub,
	                  .private_fields = priv,
	                  .keys = keys,
	                  .n_keys = 1,
	                  .ts = m.now};
	rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_move, &m, &receipt, err);
	if (rc == QT_OK)
		qt_names_written(p, m.doc, k->name);
	if (rc == QT_OK)
		*answer = json_pack("{s:O, s:o}", k->doc, m.doc, "receipt",
		                    qt_receipt_json(&receipt));
out:
	json_decref(m.doc);
	json_decref(pub);
	json_decref(priv);
	return rc;
}

qt_rc qt_case_replay(qt_store *s, const qt_replay_rec *r, const qt_case_kind *k, qt_err *err)
{
	qt_account who;
	/* the note is back in the body when it was sealed */
	move m = {.k = k,
	          .who = &who,
	          .id = qt_json_text(r->body, "id"),
	          .state = qt_json_text(r->body, "state"),
	          .note = json_string_value(json_object_get(r->body, "note"))};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	snprintf(m.now, sizeof m.now, "%s", r->ts);
	if (rc == QT_OK)
		rc = apply_move(&m, s, r->index, err);
	json_decref(m.doc);
	return rc;
}
