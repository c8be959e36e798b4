/* complaints.c — consumers' complaints as ledger records: filed on any scanned code without an
 * account, routed by the producer's division code to a city or provincial regulator (or the
 * national one when nobody issued the code), then acknowledged and closed by a regulator
 * whose jurisdiction covers that routing. What a consumer wrote stays sealed in the ledger. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "codes/code.h"
#include "core/cases.h"
#include "core/complaints.h"
#include "core/risk.h"

void qt_complaint_route(const char *producer, char out[7])
{
	const char *div = producer ? producer + 2 : NULL;
	bool digits = producer && strlen(producer) >= 8;

	for (int i = 0; digits && i < 6; i++)
		digits = isdigit((unsigned char)div[i]);
	out[0] = '\0';
	/* a division "xx00.." names a whole province, no city within it */
	if (digits && div[0] != '0')
		snprintf(out, 7, "%.*s", strncmp(div + 2, "00", 2) ? 4 : 2, div);
}

/* Whether a regulator of j sees a complaint routed to to: j is to or one of its parents. */

typedef struct complaint {
	const char *id;
	char key[64];                           /* "<filed>/<id>": the list's order */
	json_t *doc;                            /* as kept */
	const char *product, *producer, *filed; /* a filing's, on an issued code */
	const char *code;                       /* its canonical key */
	bool issued;                            /* the code had a document when filed */
} complaint;

/* A filing as its job applies it, from the complaint as recorded (its public and sealed
 * fields, in doc): the document it keeps opens the case. */
static void filing(complaint *c, json_t *doc)
{
	c->id = qt_json_text(doc, "id");
	c->code = qt_json_text(doc, "code");
	c->producer = qt_json_text(doc, "producer");
	c->filed = qt_json_text(doc, "filed");
	c->issued = json_is_true(json_object_get(doc, "issued"));
	snprintf(c->key, sizeof c->key, "%s/%s", c->filed, c->id);
	json_object_set_new(doc, "state", json_string("open"));
	json_object_set_new(doc, "history", json_array());
	c->doc = doc;
}

/* In the filing's transaction: the complaint_cluster rule over the product's complaints
 * filed in the window (their keys start with the time filed), this one among them. */
static qt_rc cluster(qt_store *s, const complaint *c, uint64_t rec, qt_err *err)
{
	char from[40];
	time_t t = (time_t)(qt_time_epoch(c->filed) - (long long)QT_RISK_CLUSTER_DAYS * 86400);
	struct tm tm;
	json_t *keys = json_array(), *times = json_array(), *k, *doc, *details;
	const char *filed[QT_RISK_CLUSTER_READ];
	size_t found = 0, n = 0, i;
	qt_rc rc;

	gmtime_r(&t, &tm);
	strftime(from, sizeof from, "%Y-%m-%dT%H:%M:%S", &tm);
	/* keys after "<from>" start at its second, so one filed exactly 30 days ago is read */
	rc = s->ops->link_list(s, "product_complaints", c->product, from, QT_RISK_CLUSTER_READ,
	                       qt_link_collect, keys, &found, err);
	json_array_foreach(keys, i, k)
	{
		const char *slash = strchr(json_string_value(k), '/');
		if (rc != QT_OK || !slash)
			break;
		if ((rc = qt_doc_load(s, "complaint", slash + 1, &doc, err)) != QT_OK)
			break;
		if (strcmp(qt_json_text(doc, "state"), "closed"))
			json_array_append(times, json_object_get(doc, "filed"));
		json_decref(doc);
	}
	json_array_foreach(times, i, k)
	{
		filed[n++] = json_string_value(k);
	}
	if (rc == QT_OK && qt_risk_complaint_cluster(c->filed, filed, n)) {
		details = json_pack("{s:s, s:I}", "product", c->product, "open_complaints",
		                    (json_int_t)n);
		rc = qt_risk_raise(s,
		                   &(qt_risk){"complaint_cluster", c->product, c->producer,
		                              c->product, details, c->filed},
		                   rec, NULL, err);
		json_decref(details);
	}
	json_decref(keys);
	json_decref(times);
	return rc;
}

static qt_rc apply_file(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	complaint *c = ctx;
	json_t *code = NULL;
	/* the code's state as it is now, inside the write (its product never changes); only a
	 * code the filing found issued, so that applying the record again decides the same */
	qt_rc rc = c->issued ? qt_doc_load(s, "code", c->code, &code, err) : QT_OK;

	c->product = qt_json_text(code, "product");
	if (rc == QT_OK)
		rc = s->ops->link_put(s, "complaints", "all", c->key, err);
	if (rc == QT_OK)
		rc = qt_doc_save(s, "complaint", c->id, "", c->doc, first, err);
	if (rc == QT_OK && *c->product)
		rc = s->ops->link_put(s, "product_complaints", c->product, c->key, err);
	if (rc == QT_OK && *c->product)
		rc = cluster(s, c, first, err);
	/* someone has the item in hand */
	if (rc == QT_OK && *c->product)
		rc = qt_risk_flow_gap(s, code, c->code, "complaint", c->id, NULL, 0, first,
		                      c->filed, err);
	json_decref(code);
	c->product = NULL; /* it was the code document's */
	return rc;
}

/* What anyone is shown of a complaint: neither the consumer's words nor the contact. */
static json_t *public_view(const json_t *doc)
{
	json_t *v = json_deep_copy(doc);
	json_object_del(v, "contact");
	json_object_del(v, "text");
	json_object_del(v, "history");
	return v;
}

qt_rc qt_complaint_file(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                        qt_err *err)
{
	static const char *const fields[] = {"code", "text", "contact", NULL};
	const char *scanned, *text, *contact, *producer = "";
	char key[QT_CODE_CANON_MAX], id[18], to[7], now[32];
	qt_code_kind kind;
	json_t *code = NULL, *pub = NULL, *priv = NULL;
	qt_store *rd;
	complaint c = {0};
	qt_receipt receipt;
	qt_record rec;
	qt_rc rc;

	(void)who; /* anyone: a token, if sent, changes nothing */
	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "code", QT_CODE_CANON_MAX - 1, true, &scanned, err)) != QT_OK ||
	    (rc = qt_json_str(body, "text", QT_COMPLAINT_TEXT_MAX, true, &text, err)) != QT_OK ||
	    (rc = qt_json_str(body, "contact", QT_COMPLAINT_CONTACT_MAX, false, &contact, err)) !=
	            QT_OK)
		return rc;
	if (qt_code_canon(scanned, strlen(scanned), key, &kind, err) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		return qt_err_set(err, QT_ERR_INVALID, "'code' is not a trace code: %.150s", why);
	}
	if (!(rd = qt_platform_reader(p, err)))
		return QT_ERR_IO;
	/* a code's producer never changes once issued, so reading it outside the write is safe */
	rc = qt_doc_load(rd, "code", key, &code, err);
	if (rc == QT_OK)
		producer = qt_json_text(code, "producer");
	else if (rc != QT_ERR_NOTFOUND)
		goto out;
	qt_complaint_route(*producer ? producer : NULL, to);
	if ((rc = qt_new_id("C", 8, id, sizeof id, err)) != QT_OK)
		goto out;
	qt_time_now(now);
	pub = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "id", id, "code", key, "jurisdiction", to,
	                "producer", producer, "issued", code != NULL, "filed", now);
	priv = json_pack("{s:s}", "text", text);
	if (contact)
		json_object_set_new(priv, "contact", json_string(contact));
	filing(&c, json_deep_copy(pub));
	json_object_update(c.doc, priv);
	{
		/* "complaint:" + code, not the code's own key, whose records are its story: a
		 * flood of anonymous complaints would crowd its real steps out of the window a
		 * lookup reads (history.c), as checks would (check.c) */
		char ckey[QT_CODE_CANON_MAX + 12];
		const char *keys[2] = {ckey, producer};
		snprintf(ckey, sizeof ckey, "complaint:%s", key);
		rec = (qt_record){.type = "complaint.file",
		                  .body = pub,
		                  .private_fields = priv,
		                  .keys = keys,
		                  .n_keys = *producer ? 2 : 1,
		                  .ts = now};
		rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_file, &c, &receipt, err);
	}
	if (rc == QT_OK)
		*answer = json_pack("{s:o, s:o}", "complaint", public_view(c.doc), "receipt",
		                    qt_receipt_json(&receipt));
out:
	json_decref(code);
	json_decref(pub);
	json_decref(priv);
	json_decref(c.doc);
	return rc;
}

/* A complaint names a code: its producer, product and batch by name, from the code's state
 * (a code nobody issued has none); and the regulators who moved it. */
static qt_rc name_complaint(qt_names *n, json_t *c, qt_err *err)
{
	const json_t *code = NULL;
	qt_rc rc = qt_names_doc(n, "code", qt_json_text(c, "code"), &code, err);

	if (rc == QT_OK && code)
		rc = qt_names_add_from(n, c, code, err);
	if (rc == QT_OK)
		rc = qt_names_history(n, c, err);
	return rc;
}

static const qt_case_kind complaint_case = {"complaint", "complaint.update", "jurisdiction", true,
                                            name_complaint};

qt_rc qt_complaint_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                          json_t **answer, qt_err *err)
{
	return qt_case_update(p, who, &complaint_case, id, body, answer, err);
}

qt_rc qt_complaints_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	complaint c = {0};

	if (strcmp(r->type, "complaint.update") == 0)
		return qt_case_replay(s, r, &complaint_case, err);
	/* the body holds the text and contact again, as the document keeps them */
	filing(&c, r->body);
	return apply_file(&c, s, r->index, err);
}

typedef struct list_ctx {
	const qt_account *who;
	const char *state;
} list_ctx;

static bool keep_complaint(const void *ctx, const json_t *d)
{
	const list_ctx *l = ctx;
	return qt_case_covers(l->who, qt_json_text(d, "jurisdiction")) &&
	       (!l->state || !strcmp(l->state, qt_json_text(d, "state")));
}

qt_rc qt_complaint_list(qt_store *s, const qt_account *who, const char *state, const char *after,
                        size_t limit, json_t **answer, qt_err *err)
{
	list_ctx l = {who, state};
	qt_rc rc;

	*answer = NULL;
	if (state && strcmp(state, "open") && strcmp(state, "acknowledged") &&
	    strcmp(state, "closed"))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'state' must be \"open\", \"acknowledged\" or \"closed\"");
	rc = qt_doc_page(s, "complaints", "all", "complaint", after, limit, keep_complaint, &l,
	                 "complaints", answer, err);
	if (rc == QT_OK)
		rc = qt_names_page(s, answer, "complaints", name_complaint, err);
	return rc;
}
