/* recall.c — recalls as ledger jobs: opening one moves every affected code to "recalled" with
 * events.c's own move, progress is kept per recall on the codes and in links (so the report is
 * counted from current state, never from a copy), and closing ends progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "core/complaints.h"
#include "core/names.h"
#include "core/recall.h"
#include "core/replay.h"
#include "core/trace.h"

#define CODES_IN_BODY 63 /* a record's index keys: the codes and the recall */

typedef struct opening {
	const qt_account *who;
	const char *id, *key; /* key: "date/id", the listing's order */
	const json_t *doc;    /* as recorded */
	json_t *saved;
	json_t *codes; /* codes scope: canonical */
	char now[32];  /* the record's time, which its announcement gives */
} opening;

/* Whether who may open or act for the producer's goods as a regulator. */
static bool for_producer(const qt_account *who, const char *producer)
{
	return !strcmp(who->id, producer) ||
	       ((who->roles & QT_ROLE_REGULATOR) && qt_regulates(who, producer));
}

/* Every target of the links (kind, src), appended to all, which may not pass the recall's
 * maximum. */
static qt_rc collect(qt_store *s, const char *kind, const char *src, json_t *all, qt_err *err)
{
	char after[QT_CODE_CANON_MAX] = "";
	size_t found = 0;
	qt_rc rc;

	do {
		rc = s->ops->link_list(s, kind, src, after, 1000, qt_link_collect, all, &found,
		                       err);
		if (rc == QT_OK && found)
			snprintf(after, sizeof after, "%s",
			         json_string_value(json_array_get(all, json_array_size(all) - 1)));
		if (rc == QT_OK && json_array_size(all) > QT_RECALL_CODES_MAX)
			rc = qt_err_set(err, QT_ERR_TOOBIG, "more than %d codes to recall",
			                QT_RECALL_CODES_MAX);
	} while (rc == QT_OK && found == 1000);
	return rc;
}

/* A batch or product (d) under a recall still open is not recalled again: its holders would
 * report every code twice. */
static qt_rc not_open(qt_store *s, const char *kind, const char *id, const json_t *d, qt_err *err)
{
	const json_t *on = json_object_get(d, "recalls");
	json_t *r = NULL;
	qt_rc rc = QT_OK;

	for (size_t k = 0; rc == QT_OK && k < json_array_size(on); k++) {
		const char *rid = json_string_value(json_array_get(on, k));
		if ((rc = qt_doc_load(s, "recall", rid, &r, err)) == QT_OK &&
		    !strcmp(qt_json_text(r, "status"), "open"))
			rc = qt_err_set(err, QT_ERR_CONFLICT,
			                "%s %.60s is under recall %.30s already", kind, id, rid);
		json_decref(r);
		r = NULL;
	}
	return rc;
}

/* The codes in scope, into all: a batch's issued codes, a product's (those of each of its
 * batches and those issued to the product itself), or the listed codes and their contents;
 * the batches in scope into batches. *producer: whose goods they are (one producer per
 * recall). */
static qt_rc scope_codes(qt_store *s, opening *o, json_t *all, json_t *batches, char *producer,
                         qt_err *err)
{
	const char *batch = qt_json_text(o->doc, "batch"),
	           *product = qt_json_text(o->doc, "product");
	const char *kind = *batch ? "batch" : "product", *src = *batch ? batch : product;
	json_t *d = NULL, *c;
	size_t k;
	qt_rc rc = QT_OK;

	if (*batch || *product) {
		if ((rc = qt_doc_load(s, kind, src, &d, err)) == QT_ERR_NOTFOUND)
			rc = qt_err_set(err, QT_ERR_INVALID, "no %s %.48s", kind, src);
		else if (rc == QT_OK && (rc = not_open(s, kind, src, d, err)) == QT_OK)
			snprintf(producer, QT_ID_MAX, "%s", qt_json_text(d, "producer"));
		json_decref(d);
		if (rc == QT_OK && *batch)
			json_array_append_new(batches, json_string(batch));
		if (rc == QT_OK && *product &&
		    (rc = collect(s, "product_batches", product, batches, err)) == QT_OK)
			rc = collect(s, "product_codes", product, all, err);
		json_array_foreach(batches, k, c)
		{
			if (rc == QT_OK)
				rc = collect(s, "batch_codes", json_string_value(c), all, err);
		}
		return rc;
	}
	json_array_foreach(o->codes, k, c)
	{
		if ((rc = s->ops->doc_get(s, "code", json_string_value(c), NULL, NULL, NULL,
		                          err)) == QT_ERR_NOTFOUND)
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] was never issued", k);
		if (rc == QT_OK)
			rc = qt_codes_with_contents(s, json_string_value(c), QT_RECALL_CODES_MAX,
			                            all, NULL, err);
		if (rc != QT_OK)
			return rc;
	}
	for (k = 0; k < json_array_size(all); k++) {
		if ((rc = qt_doc_load(s, "code", json_string_value(json_array_get(all, k)), &d,
		                      err)) != QT_OK)
			return rc;
		if (!k)
			snprintf(producer, QT_ID_MAX, "%s", qt_json_text(d, "producer"));
		else if (strcmp(producer, qt_json_text(d, "producer")))
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "a recall is of one producer's goods: %.70s is %.20s's",
			                json_string_value(json_array_get(all, k)),
			                qt_json_text(d, "producer"));
		json_decref(d);
		if (rc != QT_OK)
			return rc;
	}
	return rc;
}

/* d (a code, batch or product) is in recall id: its "recalls" say so. */
static void noted(json_t *d, const char *id)
{
	json_t *on = json_object_get(d, "recalls");
	if (!json_is_array(on))
		json_object_set_new(d, "recalls", on = json_array());
	json_array_append_new(on, json_string(id));
}

/* One affected code: linked to the recall, moved with a recall event's move when it is not
 * recalled already (noting what it was: "sold" when a consumer had it, which the report counts
 * by region), and noted on the code (its "recalls", which progress checks). A code already in
 * another recall joins this one too: each recall follows its own returns. */
static qt_rc affect(qt_store *s, opening *o, const char *key, json_t *holders, size_t *n,
                    uint64_t rec, qt_err *err)
{
	json_t *d = NULL;
	char was[16];
	qt_rc rc = qt_doc_load(s, "code", key, &d, err);
	const char *st = qt_json_text(d, "status");

	/* gone for good: nothing to bring back. A code issued but not yet commissioned is
	 * recalled at its producer: its goods are of the batch too, and must not go out later */
	if (rc != QT_OK || !strcmp(st, "destroyed"))
		goto out;
	if (!qt_json_lists(holders, qt_json_text(d, "holder")))
		json_array_append(holders, json_object_get(d, "holder"));
	snprintf(was, sizeof was, "%s", *qt_code_sale(d) ? "sold" : st);
	rc = s->ops->link_put(s, "recall_codes", o->id, key, err);
	if (rc == QT_OK && strcmp(st, "recalled")) {
		json_decref(d);
		d = NULL;
		if ((rc = qt_code_recall(s, key, rec, err)) == QT_OK &&
		    (rc = qt_doc_load(s, "code", key, &d, err)) == QT_OK)
			json_object_set_new(d, "recalled_as", json_string(was));
	}
	if (rc == QT_OK) {
		noted(d, o->id);
		rc = qt_doc_save(s, "code", key, qt_json_text(d, "holder"), d, rec, err);
	}
	(*n)++;
out:
	json_decref(d);
	return rc;
}

/* A recall is made public as it opens (召回公告): whose goods, which, why, how many. */
static qt_rc announce(qt_store *s, const opening *o, const json_t *all, const char *producer,
                      size_t n, uint64_t first, qt_err *err)
{
	const char *batch = json_string_value(json_object_get(o->doc, "batch")),
	           *product = json_string_value(json_object_get(o->doc, "product"));
	json_t *b = NULL, *p = NULL, *u = NULL;
	char title[QT_NAME_MAX * 2 + 40], scope[QT_NAME_MAX + 40];
	qt_buf text;
	qt_rc rc;

	/* what is named here was checked when the recall was scoped; a name missing is "" */
	if (batch && qt_doc_load(s, "batch", batch, &b, NULL) == QT_OK)
		product = qt_json_text(b, "product");
	/* listed codes: the product of the first that has one (a carton's is in its goods) */
	for (size_t k = 0; !batch && !product && k < json_array_size(all); k++) {
		json_t *c = NULL;
		if (qt_doc_load(s, "code", json_string_value(json_array_get(all, k)), &c, NULL) ==
		            QT_OK &&
		    *qt_json_text(c, "product") &&
		    qt_doc_load(s, "product", qt_json_text(c, "product"), &p, NULL) != QT_OK)
			p = NULL;
		json_decref(c);
		if (p)
			break;
	}
	if (product && qt_doc_load(s, "product", product, &p, NULL) != QT_OK)
		p = NULL;
	if (qt_doc_load(s, "account", producer, &u, NULL) != QT_OK)
		u = NULL;
	if (b)
		snprintf(scope, sizeof scope, "批号 %s", qt_json_text(b, "batch_no"));
	else
		snprintf(scope, sizeof scope, "%s", p ? "该产品全部批次" : "所列追溯码");
	snprintf(title, sizeof title, "召回公告：%s %s", qt_json_text(u, "name"),
	         p ? qt_json_text(p, "name") : "产品");
	qt_buf_init(&text, QT_ANNOUNCE_BODY_MAX);
	rc = qt_buf_printf(&text,
	                   "生产企业：%s（%s）\n产品：%s，型号 %s\n范围：%s，共 %zu 个追溯码\n"
	                   "原因：%s\n召回日期：%s\n扫描产品上的追溯码即可查看是否在召回范围内。",
	                   qt_json_text(u, "name"), producer, qt_json_text(p, "name"),
	                   qt_json_text(p, "model"), scope, n, qt_json_text(o->doc, "reason"),
	                   qt_json_text(o->doc, "date"));
	if (rc == QT_OK)
		rc = qt_announce_auto(s, o->who, "recall", title, text.p, first, o->now, err);
	else /* a reason of up to QT_TEXT_MAX cannot fill it */
		rc = qt_err_set(err, rc, "the recall announcement is too long");
	qt_buf_free(&text);
	json_decref(b);
	json_decref(p);
	json_decref(u);
	return rc;
}

/* The batch or product a recall is of notes it ("recalls"), so that no code is issued for
 * its goods afterwards (codes.c): they would be outside the recall and could go out. A
 * product's recall notes each batch it had; batches made after it are new goods. */
static qt_rc note_on(qt_store *s, const char *kind, const char *id, const char *recall,
                     uint64_t rec, qt_err *err)
{
	json_t *d = NULL;
	qt_rc rc = qt_doc_load(s, kind, id, &d, err);

	if (rc == QT_OK) {
		noted(d, recall);
		rc = qt_doc_save(s, kind, id, qt_json_text(d, "producer"), d, rec, err);
	}
	json_decref(d);
	return rc;
}

static qt_rc note_scope(qt_store *s, const opening *o, const json_t *batches, uint64_t rec,
                        qt_err *err)
{
	const char *product = qt_json_text(o->doc, "product");
	json_t *b;
	size_t k;
	qt_rc rc = *product ? note_on(s, "product", product, o->id, rec, err) : QT_OK;

	json_array_foreach(batches, k, b)
	{
		if (rc == QT_OK)
			rc = note_on(s, "batch", json_string_value(b), o->id, rec, err);
	}
	return rc;
}

static qt_rc apply_open(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	opening *o = ctx;
	json_t *all = json_array(), *holders = json_array(), *batches = json_array();
	char producer[QT_ID_MAX] = "";
	size_t n = 0;
	qt_rc rc = scope_codes(s, o, all, batches, producer, err);

	if (rc == QT_OK && !for_producer(o->who, producer))
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "only the producer %.20s or its regulators may recall its goods",
		                producer);
	/* last first: what is packed in a listed carton comes after it, and is recalled (and
	 * what it was noted) before the carton's move recalls it along */
	for (size_t i = json_array_size(all); rc == QT_OK && i > 0; i--)
		rc = affect(s, o, json_string_value(json_array_get(all, i - 1)), holders, &n, first,
		            err);
	if (rc == QT_OK && !n)
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "nothing to recall: no code in scope that was not destroyed");
	if (rc == QT_OK)
		rc = note_scope(s, o, batches, first, err);
	if (rc == QT_OK)
		rc = s->ops->link_put(s, "recalls", "all", o->key, err);
	if (rc == QT_OK) {
		o->saved = json_deep_copy(o->doc);
		json_object_set_new(o->saved, "producer", json_string(producer));
		json_object_set_new(o->saved, "status", json_string("open"));
		json_object_set_new(o->saved, "opened", json_integer((json_int_t)first));
		json_object_set(o->saved, "holders", holders);
		rc = qt_doc_save(s, "recall", o->id, producer, o->saved, first, err);
	}
	if (rc == QT_OK)
		rc = announce(s, o, all, producer, n, first, err);
	json_decref(all);
	json_decref(holders);
	json_decref(batches);
	return rc;
}

/* 1..63 distinct codes, canonical, into out. */
static qt_rc code_list(const json_t *body, json_t *out, qt_err *err)
{
	const json_t *a = json_object_get(body, "codes"), *c;
	size_t k;
	char key[QT_CODE_CANON_MAX];

	if (!json_is_array(a) || !json_array_size(a) || json_array_size(a) > CODES_IN_BODY)
		return qt_err_set(err, QT_ERR_INVALID, "'codes' must be an array of 1 to %d codes",
		                  CODES_IN_BODY);
	json_array_foreach(a, k, c)
	{
		if (!json_is_string(c) || qt_code_canon(json_string_value(c), json_string_length(c),
		                                        key, NULL, err) != QT_OK)
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] is not a code", k);
		if (qt_json_lists(out, key))
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] is listed twice", k);
		json_array_append_new(out, json_string(key));
	}
	return QT_OK;
}

/* The record's index keys: the codes (and, when given, one more). */
static void keys_of(const json_t *codes, const char *more, const char **keys, size_t *n)
{
	size_t k;
	json_t *c;
	*n = 0;
	if (more)
		keys[(*n)++] = more;
	json_array_foreach(codes, k, c)
	{
		keys[(*n)++] = json_string_value(c);
	}
}

/* The recall and its impact, read after a write for its answer. */
static qt_rc answer_with(qt_platform *p, const qt_account *who, const char *id,
                         const qt_receipt *receipt, json_t **answer, qt_err *err)
{
	qt_store *rd = qt_platform_reader(p, err);
	qt_rc rc = rd ? qt_recall_get(rd, who, id, answer, err) : QT_ERR_IO;
	if (rc == QT_OK)
		json_object_set_new(*answer, "receipt", qt_receipt_json(receipt));
	return rc;
}

qt_rc qt_recall_open(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                     qt_err *err)
{
	static const char *const fields[] = {"batch", "product", "codes", "reason", "date", NULL};
	char id[24], key[40], today[11];
	opening o = {.who = who, .id = id, .key = key, .codes = json_array()};
	const char *s, *date = NULL, *keys[CODES_IN_BODY + 1];
	json_t *doc = NULL;
	qt_record rec = {.type = "recall.open", .keys = keys};
	qt_receipt receipt;
	int scopes = !!json_object_get(body, "batch") + !!json_object_get(body, "product") +
	             !!json_object_get(body, "codes");
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "batch", QT_ID_MAX - 1, false, &s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "product", QT_ID_MAX - 1, false, &s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "reason", QT_TEXT_MAX, true, &s, err)) != QT_OK ||
	    (rc = qt_json_past_date(body, "date", false, today, &date, err)) != QT_OK)
		goto out;
	if (scopes != 1) {
		rc = qt_err_set(err, QT_ERR_INVALID, "name one of 'batch', 'product' or 'codes'");
		goto out;
	}
	if (json_object_get(body, "codes") && (rc = code_list(body, o.codes, err)) != QT_OK)
		goto out;
	if ((rc = qt_new_id("RC", 8, id, sizeof id, err)) != QT_OK)
		goto out;
	doc = json_deep_copy(body);
	json_object_set_new(doc, "id", json_string(id));
	if (!date)
		json_object_set_new(doc, "date", json_string(today));
	if (o.codes && json_array_size(o.codes))
		json_object_set(doc, "codes", o.codes);
	json_object_set_new(doc, "by", json_string(who->id));
	json_object_set_new(doc, "by_name", json_string(who->name));
	snprintf(key, sizeof key, "%s/%s", qt_json_text(doc, "date"), id);
	keys_of(o.codes,
	        *qt_json_text(doc, "batch")     ? qt_json_text(doc, "batch")
	        : *qt_json_text(doc, "product") ? qt_json_text(doc, "product")
	                                        : NULL,
	        keys, &rec.n_keys);
	rec.body = o.doc = doc;
	qt_time_now(o.now);
	rec.ts = o.now;
	if ((rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_open, &o, &receipt, err)) == QT_OK)
		rc = answer_with(p, who, id, &receipt, answer, err);
out:
	json_decref(doc);
	json_decref(o.saved);
	json_decref(o.codes);
	return rc;
}

/* ---- progress and closing ---- */

typedef struct acting {
	const qt_account *who;
	const char *id, *action; /* action NULL: close */
	json_t *codes;
	const char *note;
} acting;

static qt_rc load_recall(qt_store *s, const char *id, json_t **d, qt_err *err)
{
	qt_rc rc = qt_doc_load(s, "recall", id, d, err);
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, rc, "no recall %.40s", id);
	return rc;
}

static qt_rc apply_act(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	acting *a = ctx;
	json_t *r = NULL, *d = NULL, *c;
	size_t k;
	qt_rc rc = load_recall(s, a->id, &r, err);

	if (rc == QT_OK && strcmp(qt_json_text(r, "status"), "open"))
		rc = qt_err_set(err, QT_ERR_CONFLICT, "recall %.40s is closed", a->id);
	if (rc == QT_OK && !a->action) {
		if (strcmp(qt_json_text(r, "by"), a->who->id) &&
		    !((a->who->roles & QT_ROLE_REGULATOR) &&
		      qt_regulates(a->who, qt_json_text(r, "producer"))))
			rc = qt_err_set(
			        err, QT_ERR_DENIED,
			        "only its opener or a regulator of the producer may close it");
		json_object_set_new(r, "status", json_string("closed"));
		json_object_set_new(r, "closed", json_integer((json_int_t)first));
		json_object_set_new(r, "closed_by", json_string(a->who->id));
		json_object_set_new(r, "note", json_string(a->note));
		if (rc == QT_OK)
			rc = qt_doc_save(s, "recall", a->id, qt_json_text(r, "producer"), r, first,
			                 err);
	}
	/* each recall keeps its own mark on the code (recall_actions: recall id → action) and
	 * link (recall_returned, recall_destroyed), which its report counts */
	json_array_foreach(a->action ? a->codes : NULL, k, c)
	{
		const char *key = json_string_value(c);
		char kind[32];
		if (rc != QT_OK)
			break;
		if ((rc = qt_doc_load(s, "code", key, &d, err)) == QT_ERR_NOTFOUND ||
		    (rc == QT_OK && !qt_json_lists(json_object_get(d, "recalls"), a->id)))
			rc = qt_err_set(err, QT_ERR_INVALID, "codes[%zu] is not in recall %.40s", k,
			                a->id);
		else if (rc == QT_OK && strcmp(qt_json_text(d, "holder"), a->who->id))
			rc = qt_err_set(
			        err, QT_ERR_DENIED,
			        "codes[%zu]: only its holder may report it (holder is %.20s)", k,
			        qt_json_text(d, "holder"));
		else if (rc == QT_OK && *qt_json_text(json_object_get(d, "recall_actions"), a->id))
			rc = qt_err_set(
			        err, QT_ERR_CONFLICT, "codes[%zu] is already %s in recall %.40s", k,
			        qt_json_text(json_object_get(d, "recall_actions"), a->id), a->id);
		if (rc == QT_OK) {
			if (!json_is_object(json_object_get(d, "recall_actions")))
				json_object_set_new(d, "recall_actions", json_object());
			json_object_set_new(json_object_get(d, "recall_actions"), a->id,
			                    json_string(a->action));
			snprintf(kind, sizeof kind, "recall_%s", a->action);
			if ((rc = qt_doc_save(s, "code", key, qt_json_text(d, "holder"), d, first,
			                      err)) == QT_OK)
				rc = s->ops->link_put(s, kind, a->id, key, err);
		}
		json_decref(d);
		d = NULL;
	}
	json_decref(r);
	return rc;
}

static qt_rc act(qt_platform *p, acting *a, const json_t *body, json_t **answer, qt_err *err)
{
	static const char *const pfields[] = {"codes", "action", NULL};
	static const char *const cfields[] = {"note", NULL};
	const char *keys[CODES_IN_BODY + 1];
	json_t *doc = NULL;
	qt_record rec = {.type = a->action ? "recall.progress" : "recall.close", .keys = keys};
	qt_receipt receipt;
	qt_rc rc;

	*answer = NULL;
	a->codes = json_array();
	if (a->action) {
		if ((rc = qt_json_only(body, pfields, err)) != QT_OK ||
		    (rc = qt_json_str(body, "action", 20, true, &a->action, err)) != QT_OK ||
		    (rc = code_list(body, a->codes, err)) != QT_OK)
			goto out;
		if (strcmp(a->action, "returned") && strcmp(a->action, "destroyed")) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'action' must be \"returned\" or \"destroyed\"");
			goto out;
		}
		doc = json_pack("{s:s, s:O, s:s, s:s}", "recall", a->id, "codes", a->codes,
		                "action", a->action, "by", a->who->id);
	} else {
		if ((rc = qt_json_only(body, cfields, err)) != QT_OK ||
		    (rc = qt_json_str(body, "note", QT_TEXT_MAX, true, &a->note, err)) != QT_OK)
			goto out;
		doc = json_pack("{s:s, s:s, s:s}", "recall", a->id, "note", a->note, "by",
		                a->who->id);
	}
	keys_of(a->codes, a->id, keys, &rec.n_keys);
	rec.body = doc;
	if ((rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_act, a, &receipt, err)) == QT_OK)
		rc = answer_with(p, a->who, a->id, &receipt, answer, err);
out:
	json_decref(doc);
	json_decref(a->codes);
	return rc;
}

qt_rc qt_recall_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	const json_t *codes = json_object_get(r->body, "codes");
	qt_account who;
	char key[40];
	opening o = {.who = &who, .id = qt_json_text(r->body, "id"), .key = key, .doc = r->body};
	acting a = {.who = &who,
	            .id = qt_json_text(r->body, "recall"),
	            .action = json_string_value(json_object_get(r->body, "action")),
	            .note = qt_json_text(r->body, "note")};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	/* the codes a record lists are canonical already */
	if (rc == QT_OK && strcmp(r->type, "recall.open") == 0) {
		snprintf(key, sizeof key, "%s/%s", qt_json_text(r->body, "date"), o.id);
		snprintf(o.now, sizeof o.now, "%s", r->ts);
		o.codes = json_is_array(codes) ? json_deep_copy(codes) : json_array();
		rc = apply_open(&o, s, r->index, err);
		json_decref(o.saved);
		json_decref(o.codes);
	} else if (rc == QT_OK) {
		a.codes = json_is_array(codes) ? json_deep_copy(codes) : json_array();
		rc = apply_act(&a, s, r->index, err);
		json_decref(a.codes);
	}
	return rc;
}

qt_rc qt_recall_progress(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                         json_t **answer, qt_err *err)
{
	acting a = {.who = who, .id = id, .action = ""};
	return act(p, &a, body, answer, err);
}

qt_rc qt_recall_close(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                      json_t **answer, qt_err *err)
{
	acting a = {.who = who, .id = id};
	return act(p, &a, body, answer, err);
}

/* ---- reading ---- */

static bool may_see(const qt_account *who, const json_t *r)
{
	return for_producer(who, qt_json_text(r, "producer")) ||
	       qt_json_lists(json_object_get(r, "holders"), who->id);
}

typedef struct counting {
	qt_names *names;     /* the answer's: the producer is often a holder too */
	json_t *by_holder;   /* unit → {unit, name, region, quantity, returned, destroyed} */
	json_t *by_region;   /* region → quantity (sold) */
	const char *counted; /* what a pass counts: "quantity", "returned" or "destroyed" */
	json_int_t total[4]; /* found, sold, returned, destroyed */
	qt_err *err;
} counting;

static void add_to(json_t *o, const char *field, json_int_t n)
{
	json_object_set_new(o, field,
	                    json_integer(json_integer_value(json_object_get(o, field)) + n));
}

/* One group of a pass, counted under its holder; in the pass over the recall's codes, those
 * a consumer had (recalled_as "sold") also under the region of the retailer that sold them,
 * which holds them still (recalled codes never move). */
static qt_rc add_group(void *ctx, const char *owner, const char *value, uint64_t count)
{
	counting *c = ctx;
	json_t *u = json_object_get(c->by_holder, owner);
	const json_t *acc = NULL;
	json_int_t n = (json_int_t)count;
	char div[7];
	bool codes = c->counted[0] == 'q';

	if (!u) {
		snprintf(div, sizeof div, "%.6s", strlen(owner) >= 8 ? owner + 2 : "");
		if (qt_names_doc(c->names, "account", owner, &acc, c->err) != QT_OK)
			acc = NULL;
		u = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "unit", owner, "name",
		              qt_json_text(acc, "name"), "region",
		              *qt_json_text(acc, "division") ? qt_json_text(acc, "division") : div,
		              "quantity", (json_int_t)0, "returned", (json_int_t)0, "destroyed",
		              (json_int_t)0);
		qt_json_set_province(u, qt_json_text(u, "region"));
		json_object_set_new(c->by_holder, owner, u);
	}
	add_to(u, c->counted, n);
	c->total[codes ? 0 : c->counted[0] == 'r' ? 2 : 3] += n;
	if (codes && !strcmp(value, "sold")) {
		add_to(c->by_region, qt_json_text(u, "region"), n);
		c->total[1] += n;
	}
	return QT_OK;
}

/* The impact report: one pass over the recall's codes by holder and what they were when
 * recalled, and one over each kind of progress reported against this recall (as many rows
 * as were reported). */
static qt_rc impact(qt_names *names, const char *id, json_t **out, qt_err *err)
{
	static const char *const passes[][2] = {{"recall_codes", "quantity"},
	                                        {"recall_returned", "returned"},
	                                        {"recall_destroyed", "destroyed"}};
	counting c = {
	        .names = names, .by_holder = json_object(), .by_region = json_object(), .err = err};
	qt_store *s = names->s;
	json_t *holders = json_array(), *regions = json_array(), *u, *n;
	const char *k;
	qt_rc rc = QT_OK;

	for (size_t i = 0; rc == QT_OK && i < sizeof passes / sizeof *passes; i++) {
		c.counted = passes[i][1];
		rc = s->ops->link_doc_count(s, passes[i][0], id, "code", "recalled_as",
		                            QT_RECALL_GROUPS, add_group, &c, err);
	}
	json_object_foreach(c.by_holder, k, u)
	{
		json_object_set_new(
		        u, "outstanding",
		        json_integer(json_integer_value(json_object_get(u, "quantity")) -
		                     json_integer_value(json_object_get(u, "returned")) -
		                     json_integer_value(json_object_get(u, "destroyed"))));
		json_array_append(holders, u);
	}
	json_object_foreach(c.by_region, k, n)
	{
		json_t *r = json_pack("{s:s, s:O}", "region", k, "quantity", n);
		qt_json_set_province(r, k);
		json_array_append_new(regions, r);
	}
	if (rc == QT_OK)
		*out = json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "holders", holders,
		                 "sold_by_region", regions, "totals", "found", c.total[0], "sold",
		                 c.total[1], "returned", c.total[2], "destroyed", c.total[3],
		                 "outstanding", c.total[0] - c.total[2] - c.total[3]);
	else {
		json_decref(holders);
		json_decref(regions);
	}
	json_decref(c.by_holder);
	json_decref(c.by_region);
	return rc;
}

/* One group of a recall's codes by holder and product: the product, into ctx's set. */
static qt_rc add_product(void *ctx, const char *owner, const char *value, uint64_t count)
{
	(void)owner;
	(void)count;
	/* a carton's or pallet's own code is of no product: its goods name theirs */
	if (*value)
		json_object_set_new(ctx, value, json_null());
	return QT_OK;
}

/* A recall as a person reads it: its producer, batch and product by name. A recall of listed
 * codes has no product of its own: it is named by the products of the codes it affected (what
 * is packed in a listed carton too), product_name when they are of one, else product_names
 * {product id: name}, since a list of several names alone would not say which is which. */
static qt_rc name_recall(qt_names *n, json_t *r, qt_err *err)
{
	json_t *products = json_object(), *named = json_object(), *v;
	const char *id;
	qt_rc rc = qt_names_add(n, r, err);

	if (rc == QT_OK && json_is_array(json_object_get(r, "codes")))
		rc = n->s->ops->link_doc_count(n->s, "recall_codes", qt_json_text(r, "id"), "code",
		                               "product", QT_RECALL_GROUPS, add_product, products,
		                               err);
	json_object_foreach(products, id, v)
	{
		if (rc == QT_OK)
			rc = qt_names_set(n, named, id, "product", id, "name", err);
	}
	/* one or several is told by the products, not by the names found for them */
	if (rc == QT_OK && json_object_size(products) == 1 && json_object_size(named))
		json_object_set(r, "product_name", json_object_iter_value(json_object_iter(named)));
	else if (rc == QT_OK && json_object_size(products) > 1 && json_object_size(named))
		json_object_set(r, "product_names", named);
	json_decref(products);
	json_decref(named);
	return rc;
}

qt_rc qt_recall_get(qt_store *s, const qt_account *who, const char *id, json_t **answer,
                    qt_err *err)
{
	json_t *r = NULL, *im = NULL;
	bool reading = false;
	qt_names names;
	qt_rc rc = s->ops->read_begin(s, err);

	*answer = NULL;
	qt_names_init(&names, s);
	if (rc == QT_OK) {
		reading = true;
		rc = load_recall(s, id, &r, err);
	}
	if (rc == QT_OK && !may_see(who, r))
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "recall %.40s is for its producer, its regulators and the holders "
		                "of its goods",
		                id);
	if (rc == QT_OK && (rc = name_recall(&names, r, err)) == QT_OK &&
	    (rc = impact(&names, id, &im, err)) == QT_OK)
		*answer = json_pack("{s:O, s:o}", "recall", r, "impact", im);
	if (reading)
		s->ops->read_end(s);
	qt_names_free(&names);
	json_decref(r);
	return rc;
}

/* qt_doc_page's filter: the recalls who may see. */
static bool keep_recall(const void *who, const json_t *d)
{
	return may_see(who, d);
}

qt_rc qt_recall_list(qt_store *s, const qt_account *who, const char *after, size_t limit,
                     json_t **answer, qt_err *err)
{
	qt_rc rc = qt_doc_page(s, "recalls", "all", "recall", after, limit, keep_recall, who,
	                       "recalls", answer, err);

	if (rc == QT_OK)
		rc = qt_names_page(s, answer, "recalls", name_recall, err);
	return rc;
}
