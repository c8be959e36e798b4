/* sampling.c — supervision sampling results as ledger records: the rules (who may record,
 * the batch is the product's and the product the producer's) checked inside the write's
 * transaction, a fail's two-way trace, the two-fails-in-two-years risk rule, and listing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/replay.h"
#include "core/risk.h"
#include "core/sampling.h"
#include "core/scan.h"
#include "util/utf8.h"

typedef struct sampling {
	const qt_account *who;
	const char *id, *unit, *producer, *product, *batch, *date;
	const json_t *doc; /* as recorded */
	json_t *saved;     /* as kept: with id and the risk flag */
	char now[32];      /* the record's time */
} sampling;

/* date moved by years, for string comparison ("2024-02-29" - 2 gives "2022-02-29", which
 * still orders right against real dates). */
static void years_from(const char *date, int years, char out[24])
{
	snprintf(out, 24, "%04d%.6s", atoi(date) + years, date + 4);
}

bool qt_sampling_on_site(const char *date, const char *const *fails, size_t n)
{
	char lo[24], hi[24];
	size_t within = 0;

	years_from(date, -2, lo);
	years_from(date, 2, hi);
	for (size_t i = 0; i < n; i++)
		within += strncmp(fails[i], lo, 10) >= 0 && strncmp(fails[i], hi, 10) <= 0;
	return within >= 2;
}

static qt_rc registered(qt_store *s, const char *unit, qt_err *err)
{
	qt_rc rc = s->ops->doc_get(s, "account", unit, NULL, NULL, NULL, err);
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "no unit %.40s is registered", unit);
	return rc;
}

/* Whether unit received goods of batch (the link batch_holders, written by each receipt).
 * USCCs are 18 characters: listing from unit's first 17 finds it among at most the few
 * that differ only in their check character. */
static qt_rc held_batch(qt_store *s, const char *batch, const char *unit, bool *yes, qt_err *err)
{
	json_t *near = json_array();
	char from[QT_USCC_LEN];
	size_t found = 0;
	qt_rc rc;

	snprintf(from, sizeof from, "%.*s", QT_USCC_LEN - 1, unit);
	rc = s->ops->link_list(s, "batch_holders", batch, from, 64, qt_link_collect, near, &found,
	                       err);
	*yes = rc == QT_OK && qt_json_lists(near, unit);
	json_decref(near);
	return rc;
}

/* The parties exist and belong together, and a regulator is the producer's or the unit's.
 * A circulation sampling is taken where the goods are: at a unit that received some. */
static qt_rc check_parties(qt_store *s, const sampling *sm, qt_err *err)
{
	json_t *product = NULL, *batch = NULL;
	qt_rc rc = registered(s, sm->producer, err);

	if (rc == QT_OK)
		rc = registered(s, sm->unit, err);
	if (rc == QT_OK && (sm->who->roles & QT_ROLE_REGULATOR) &&
	    !qt_regulates(sm->who, sm->producer) && !qt_regulates(sm->who, sm->unit))
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "neither producer %.40s nor unit %.40s is in your jurisdiction",
		                sm->producer, sm->unit);
	if (rc == QT_OK &&
	    (rc = qt_doc_load(s, "product", sm->product, &product, err)) == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "no product %.48s", sm->product);
	if (rc == QT_OK && strcmp(qt_json_text(product, "producer"), sm->producer) != 0)
		rc = qt_err_set(err, QT_ERR_INVALID, "product %.48s is not made by %.40s",
		                sm->product, sm->producer);
	if (rc == QT_OK &&
	    (rc = qt_doc_load(s, "batch", sm->batch, &batch, err)) == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "no batch %.48s", sm->batch);
	if (rc == QT_OK && strcmp(qt_json_text(batch, "product"), sm->product) != 0)
		rc = qt_err_set(err, QT_ERR_INVALID, "batch %.48s is not of product %.48s",
		                sm->batch, sm->product);
	if (rc == QT_OK && strcmp(sm->date, qt_json_text(batch, "production_date")) < 0)
		rc = qt_err_set(err, QT_ERR_INVALID, "'date' %s is before the batch was made (%s)",
		                sm->date, qt_json_text(batch, "production_date"));
	if (rc == QT_OK && !strcmp(qt_json_text(sm->doc, "place"), "circulation")) {
		bool held = false;
		if ((rc = held_batch(s, sm->batch, sm->unit, &held, err)) == QT_OK && !held)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "unit %.40s never received goods of batch %.48s: a "
			                "circulation sampling is taken where they are",
			                sm->unit, sm->batch);
	}
	json_decref(product);
	json_decref(batch);
	return rc;
}

/* The risk rule over the producer's fails so far and this one; this one is linked too. */
static qt_rc risk(qt_store *s, const sampling *sm, const char *key, bool *on_site, qt_err *err)
{
	json_t *fails = json_array(), *f;
	const char *dates[QT_SAMPLING_FAILS_MAX + 1];
	size_t found = 0, n = 0, k;
	qt_rc rc = s->ops->link_list(s, "unit_fails", sm->producer, "", QT_SAMPLING_FAILS_MAX,
	                             qt_link_collect, fails, &found, err);

	json_array_foreach(fails, k, f)
	{
		dates[n++] = json_string_value(f);
	}
	dates[n++] = sm->date;
	*on_site = qt_risk_two_failed_samplings(sm->date, dates, n);
	if (rc == QT_OK)
		rc = s->ops->link_put(s, "unit_fails", sm->producer, key, err);
	json_decref(fails);
	return rc;
}

static qt_rc apply_sampling(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	sampling *sm = ctx;
	const char *srcs[][2] = {
	        {"samplings", "all"},           {"unit_samplings", sm->producer},
	        {"unit_samplings", sm->unit},   {"product_samplings", sm->product},
	        {"batch_samplings", sm->batch}, {"recorder_samplings", sm->who->id}};
	char key[64];
	bool on_site = false, failed = strcmp(qt_json_text(sm->doc, "result"), "fail") == 0;
	qt_rc rc = check_parties(s, sm, err);

	/* date first, so every list reads in date order */
	snprintf(key, sizeof key, "%s/%s", sm->date, sm->id);
	if (rc == QT_OK && failed)
		rc = risk(s, sm, key, &on_site, err);
	if (rc == QT_OK && on_site)
		rc = qt_risk_raise(s,
		                   &(qt_risk){"two_failed_samplings", sm->producer, sm->producer,
		                              sm->product, sm->doc, sm->now},
		                   first, NULL, err);
	for (size_t i = 0; rc == QT_OK && i < sizeof srcs / sizeof srcs[0]; i++)
		rc = s->ops->link_put(s, srcs[i][0], srcs[i][1], key, err);
	if (rc == QT_OK) {
		sm->saved = json_deep_copy(sm->doc);
		json_object_set_new(sm->saved, "id", json_string(sm->id));
		json_object_set_new(sm->saved, "on_site_inspection", json_boolean(on_site));
		rc = qt_doc_save(s, "sampling", sm->id, sm->producer, sm->saved, first, err);
	}
	return rc;
}

/* What the job applies, from the sampling as recorded (the parties, the date). */
static void recorded(sampling *sm, const json_t *doc)
{
	sm->unit = qt_json_text(doc, "unit");
	sm->producer = qt_json_text(doc, "producer");
	sm->product = qt_json_text(doc, "product");
	sm->batch = qt_json_text(doc, "batch");
	sm->date = qt_json_text(doc, "date");
	sm->doc = doc;
}

/* An array of distinct strings of 1..QT_NAME_MAX bytes, at most QT_SAMPLING_ITEMS_MAX. */
static qt_rc str_list(const json_t *body, const char *name, bool required, qt_err *err)
{
	const json_t *a = json_object_get(body, name), *v;
	size_t k, n = json_array_size(a);
	qt_rc rc = QT_OK;

	if ((a || required) && (!json_is_array(a) || n == 0 || n > QT_SAMPLING_ITEMS_MAX))
		rc = qt_err_set(err, QT_ERR_INVALID, "'%s' must list 1 to %d test items", name,
		                QT_SAMPLING_ITEMS_MAX);
	for (k = 0; rc == QT_OK && k < n; k++) {
		v = json_array_get(a, k);
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    qt_utf8_chars(json_string_value(v), json_string_length(v)) > QT_NAME_MAX)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'%s'[%zu] must be a name of 1 to %d characters", name, k,
			                QT_NAME_MAX);
		for (size_t j = 0; rc == QT_OK && j < k; j++)
			if (json_equal(v, json_array_get(a, j)))
				rc = qt_err_set(err, QT_ERR_INVALID, "'%s' names %.60s twice", name,
				                json_string_value(v));
	}
	return rc;
}

static bool listed(const json_t *list, const json_t *v)
{
	size_t k;
	const json_t *e;
	bool in = false;
	json_array_foreach(list, k, e)
	{
		in = in || json_equal(e, v);
	}
	return in;
}

/* The body's shape, before any store is read. */
static qt_rc check_body(const json_t *body, qt_err *err)
{
	static const char *const fields[] = {"unit",   "producer",     "product",  "batch",
	                                     "date",   "place",        "standard", "items",
	                                     "result", "failed_items", "report",   NULL};
	static const char *const rep_fields[] = {"sha256", "name", NULL};
	const char *s, *place, *result, *unit, *producer, *date;
	const json_t *rep = json_object_get(body, "report"), *failed, *v;
	char today[11], why[QT_ERR_MSG_MAX];
	size_t k;
	qt_rc rc;

	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "unit", 18, true, &unit, err)) != QT_OK ||
	    (rc = qt_json_str(body, "producer", 18, true, &producer, err)) != QT_OK ||
	    (rc = qt_json_str(body, "product", QT_ID_MAX - 1, true, &s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "batch", QT_ID_MAX - 1, true, &s, err)) != QT_OK ||
	    (rc = qt_json_past_date(body, "date", true, today, &date, err)) != QT_OK ||
	    (rc = qt_json_str(body, "place", 20, true, &place, err)) != QT_OK ||
	    (rc = qt_json_str(body, "standard", QT_NAME_MAX, true, &s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "result", 10, true, &result, err)) != QT_OK ||
	    (rc = str_list(body, "items", true, err)) != QT_OK ||
	    (rc = str_list(body, "failed_items", false, err)) != QT_OK)
		goto out;
	failed = json_object_get(body, "failed_items");
	if (strcmp(place, "production") && strcmp(place, "circulation"))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'place' must be \"production\" or \"circulation\"");
	else if (!strcmp(place, "production") && strcmp(unit, producer))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "a production sampling is taken at the producer: 'unit' must be "
		                "'producer'");
	else if (strcmp(result, "pass") && strcmp(result, "fail"))
		rc = qt_err_set(err, QT_ERR_INVALID, "'result' must be \"pass\" or \"fail\"");
	else if (!strcmp(result, "fail") && !failed)
		rc = qt_err_set(err, QT_ERR_INVALID, "a fail must list its 'failed_items'");
	else if (!strcmp(result, "pass") && failed)
		rc = qt_err_set(err, QT_ERR_INVALID, "a pass has no 'failed_items'");
	json_array_foreach(failed, k, v)
	{
		if (rc == QT_OK && !listed(json_object_get(body, "items"), v))
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "failed item %.60s is not among the 'items' tested",
			                json_string_value(v));
	}
	if (rc == QT_OK && !rep)
		rc = qt_err_set(err, QT_ERR_INVALID, "'report' (sha256 and name) is required");
	if (rc == QT_OK && ((rc = qt_json_only(rep, rep_fields, err)) != QT_OK ||
	                    (rc = qt_json_sha256(rep, "sha256", true, &s, err)) != QT_OK ||
	                    (rc = qt_json_str(rep, "name", QT_NAME_MAX, true, &s, err)) != QT_OK)) {
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID, "report: %s", why);
	}
out:
	return rc;
}

/* Whose visibility a fail's trace is computed with: a regulator's own; an inspection body
 * regulates nobody, so the producer's provincial regulator's, who is the one to act on a
 * failed batch (the body sees what that regulator will see). */
static qt_account tracer_of(const qt_account *who, const char *producer)
{
	qt_account as = *who;
	if (!(who->roles & QT_ROLE_REGULATOR)) {
		as.roles = QT_ROLE_REGULATOR;
		snprintf(as.jurisdiction, sizeof as.jurisdiction, "%.2s", producer + 2);
	}
	return as;
}

/* A fail's two-way trace as of now (null when who may not see the batch: a regulator of
 * the sampled unit only, which never received it), and its summary for the doc. */
static qt_rc trace_fail(qt_platform *p, const qt_account *who, const char *producer,
                        const char *batch, json_t **trace, json_t **summary, qt_err *err)
{
	qt_account as = tracer_of(who, producer);
	qt_store *rd = qt_platform_reader(p, err);
	json_t *units = json_array(), *u;
	size_t k;
	qt_rc rc = rd ? qt_trace_batch(rd, &as, batch, QT_TRACE_BOTH, NULL, QT_SAMPLING_TRACE_ITEMS,
	                               trace, err)
	              : QT_ERR_IO;

	/* a batch that is not there, or not the regulator's, is the transaction's to refuse */
	if (rc == QT_ERR_NOTFOUND || rc == QT_ERR_DENIED) {
		*trace = json_null();
		rc = QT_OK;
	}
	json_array_foreach(json_object_get(*trace, "units"), k, u)
	{
		json_array_append(units, json_object_get(u, "unit"));
	}
	if (rc == QT_OK)
		*summary =
		        json_pack("{s:I, s:O}", "holders",
		                  (json_int_t)json_array_size(json_object_get(*trace, "holders")),
		                  "units", units);
	json_decref(units);
	return rc;
}

qt_rc qt_sampling_record(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                         qt_err *err)
{
	char id[18];
	sampling sm = {.who = who, .id = id};
	json_t *doc = NULL, *trace = NULL, *summary = NULL;
	const char *keys[4];
	qt_record rec;
	qt_receipt receipt;
	qt_rc rc;

	*answer = NULL;
	if ((rc = check_body(body, err)) != QT_OK || (rc = qt_new_id("S", 8, id, sizeof id, err)))
		goto out;
	doc = json_deep_copy(body);
	json_object_set_new(doc, "by", json_string(who->id));
	json_object_set_new(doc, "by_name", json_string(who->name));
	/* recorded, so that replaying the record keeps the document under the same id */
	json_object_set_new(doc, "id", json_string(id));
	recorded(&sm, doc);
	if (!strcmp(qt_json_text(doc, "result"), "fail")) {
		if ((rc = trace_fail(p, who, sm.producer, sm.batch, &trace, &summary, err)) !=
		    QT_OK)
			goto out;
		json_object_set(doc, "trace", summary);
	}
	keys[0] = sm.producer;
	keys[1] = sm.product;
	keys[2] = sm.batch;
	keys[3] = sm.unit;
	rec = (qt_record){.type = "sampling",
	                  .body = doc,
	                  .keys = keys,
	                  .n_keys = strcmp(sm.unit, sm.producer) ? 4 : 3,
	                  .ts = sm.now};
	qt_time_now(sm.now);
	rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_sampling, &sm, &receipt, err);
	if (rc == QT_OK) {
		qt_names_written(p, sm.saved, qt_names_add);
		*answer = json_pack("{s:O, s:o}", "sampling", sm.saved, "receipt",
		                    qt_receipt_json(&receipt));
		if (trace)
			json_object_set(*answer, "trace", trace);
	}
out:
	json_decref(doc);
	json_decref(sm.saved);
	json_decref(trace);
	json_decref(summary);
	return rc;
}

/* A sampling document of one producer's, looked for by the record that wrote it. */
typedef struct written {
	uint64_t rec;
	char id[QT_ID_MAX];   /* found: its id */
	char last[QT_ID_MAX]; /* the page's last id, where the next page starts */
} written;

static qt_rc written_by(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                        uint64_t rec)
{
	written *w = ctx;
	(void)owner, (void)body, (void)n;
	if (rec == w->rec)
		snprintf(w->id, sizeof w->id, "%s", id);
	snprintf(w->last, sizeof w->last, "%s", id);
	return QT_OK;
}

/* The id of the sampling record r kept. A record made before the id was recorded does not
 * carry it (it was random, and kept in the state only): then it is the id of the producer's
 * sampling document that r wrote (a sampling is never written again), read from the store
 * being verified, whose document under that id is compared with the replay's all the same. */
static qt_rc sampling_id(const qt_replay_rec *r, const char *producer, written *w, qt_err *err)
{
	size_t found = QT_PAGE_SCAN_MAX;
	qt_rc rc = QT_OK;

	*w = (written){.rec = r->index};
	snprintf(w->id, sizeof w->id, "%s", qt_json_text(r->body, "id"));
	while (rc == QT_OK && !w->id[0] && found == QT_PAGE_SCAN_MAX)
		rc = r->log->ops->doc_list(r->log, "sampling", producer, w->last, QT_PAGE_SCAN_MAX,
		                           written_by, w, &found, err);
	if (rc == QT_OK && !w->id[0])
		rc = qt_err_set(err, QT_ERR_INVALID, "no sampling document names it as its writer");
	return rc;
}

qt_rc qt_sampling_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	qt_account who;
	written w;
	sampling sm = {.who = &who};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	recorded(&sm, r->body);
	snprintf(sm.now, sizeof sm.now, "%s", r->ts);
	if (rc == QT_OK && (rc = sampling_id(r, sm.producer, &w, err)) == QT_OK) {
		sm.id = w.id;
		rc = apply_sampling(&sm, s, r->index, err);
	}
	json_decref(sm.saved);
	return rc;
}

static bool may_see(const qt_account *who, const json_t *d)
{
	return !strcmp(qt_json_text(d, "by"), who->id) ||
	       !strcmp(qt_json_text(d, "producer"), who->id) ||
	       qt_regulates(who, qt_json_text(d, "producer")) ||
	       qt_regulates(who, qt_json_text(d, "unit"));
}

static bool matches(const qt_sampling_filter *f, const json_t *d)
{
	return (!f->product || !strcmp(f->product, qt_json_text(d, "product"))) &&
	       (!f->batch || !strcmp(f->batch, qt_json_text(d, "batch"))) &&
	       (!f->result || !strcmp(f->result, qt_json_text(d, "result"))) &&
	       (!f->unit || !strcmp(f->unit, qt_json_text(d, "producer")) ||
	        !strcmp(f->unit, qt_json_text(d, "unit")));
}

typedef struct list_ctx {
	const qt_account *who;
	const qt_sampling_filter *f;
} list_ctx;

static bool keep_sampling(const void *ctx, const json_t *d)
{
	const list_ctx *l = ctx;
	return may_see(l->who, d) && matches(l->f, d);
}

qt_rc qt_sampling_list(qt_store *s, const qt_account *who, const qt_sampling_filter *f,
                       const char *after, size_t limit, json_t **answer, qt_err *err)
{
	const char *kind = "samplings", *src = "all";
	list_ctx l = {who, f};
	qt_rc rc;

	*answer = NULL;
	/* the narrowest list that holds every match */
	if (f->batch)
		kind = "batch_samplings", src = f->batch;
	else if (f->product)
		kind = "product_samplings", src = f->product;
	else if (f->unit)
		kind = "unit_samplings", src = f->unit;
	else if (who->roles & QT_ROLE_INSPECTION)
		kind = "recorder_samplings", src = who->id;
	else if (!(who->roles & QT_ROLE_REGULATOR))
		kind = "unit_samplings", src = who->id;
	if (f->result && strcmp(f->result, "pass") && strcmp(f->result, "fail"))
		return qt_err_set(err, QT_ERR_INVALID, "'result' must be \"pass\" or \"fail\"");
	rc = qt_doc_page(s, kind, src, "sampling", after, limit, keep_sampling, &l, "samplings",
	                 answer, err);
	if (rc == QT_OK)
		rc = qt_names_page(s, answer, "samplings", qt_names_add, err);
	return rc;
}
