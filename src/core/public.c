/* public.c — what anyone who scans a code may see, without an account: the product, its
 * producer and batch, the code's status, its journey with public fields only, how often it
 * was looked up, and the warnings that apply. Every part is built from an allow-list of
 * public fields, never by removing private ones, so a new private field cannot leak. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/risk.h"
#include "core/scan.h"
#include "core/trace.h"
#include "util/json_parse.h"

/* ---- documents many lookups share ---- */

/* A lookup reads its product, batch, producer, catalogue unit, the units its journey names
 * and the regulators' records of the producer (mostly absent), which thousands of codes
 * share: reading and parsing them again for every lookup was most of its cost. Each thread
 * keeps the last ones it read, present or absent. While the store's data version stays the
 * same from one view to the next (nothing committed meanwhile), they are used as they are;
 * after a commit each is checked once against the store: a document changes only with the
 * ledger record that changes it, whose index becomes its rec, so one whose rec still matches
 * is the stored one and is not parsed again. */
#define SHARED_SLOTS 256   /* a store's products and batches mostly fit */
#define CONTENTS_MAX 10000 /* codes of a carton or pallet read for its warnings */

typedef struct shared_doc {
	char key[80];     /* kind NUL id */
	uint64_t rec;     /* of doc */
	uint64_t checked; /* the shared_docs.run it was last read or checked in (0: never) */
	json_t *doc;      /* NULL: the store has no such document */
} shared_doc;

typedef struct shared_docs {
	shared_doc slot[SHARED_SLOTS];
	qt_buf body;
	uint64_t version; /* the store's data version in the current run */
	uint64_t run;     /* a new run begins with each change of version */
} shared_docs;

void qt_public_cache_free(void *cache)
{
	shared_docs *c = cache;

	if (!c)
		return;
	for (size_t i = 0; i < SHARED_SLOTS; i++)
		json_decref(c->slot[i].doc);
	qt_buf_free(&c->body);
	free(c);
}

/* This thread's documents, for a view whose run of reads s has begun (its first read done);
 * NULL when there is no memory for them (then each is read from the store). */
static shared_docs *shared_begin(qt_platform *p, qt_store *s)
{
	shared_docs *c = pthread_getspecific(p->views_key);
	uint64_t v = s->ops->data_version(s);

	if (!c && (c = calloc(1, sizeof *c)) != NULL) {
		qt_buf_init(&c->body, 1 << 24);
		if (pthread_setspecific(p->views_key, c) != 0) {
			qt_public_cache_free(c);
			c = NULL;
		}
	}
	if (c && (c->run == 0 || v != c->version)) {
		c->version = v;
		c->run++;
	}
	return c;
}

/* Document (kind, id) like qt_doc_load (a new reference), through c when given. Callers to
 * whom an absent document is no error pass err NULL: most lookups meet several (no licence
 * revoked, no listing), and writing their messages was a cost of its own. */
static qt_rc shared_load(shared_docs *c, qt_store *s, const char *kind, const char *id,
                         json_t **out, qt_err *err)
{
	char key[sizeof c->slot[0].key];
	size_t kn = strlen(kind), n = kn + strlen(id) + 2, h = 2166136261u;
	shared_doc *d;
	uint64_t rec = 0;
	qt_rc rc;

	*out = NULL;
	if (!c || n > sizeof key)
		return qt_doc_load(s, kind, id, out, err);
	memcpy(key, kind, kn + 1);
	memcpy(key + kn + 1, id, n - kn - 1);
	for (size_t i = 0; i < n - 1; i++) /* FNV-1a */
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	d = &c->slot[h % SHARED_SLOTS];
	if (d->checked != c->run || memcmp(d->key, key, n) != 0) {
		rc = s->ops->doc_get(s, kind, id, &c->body, NULL, &rec, err);
		if (rc != QT_OK && rc != QT_ERR_NOTFOUND)
			return rc;
		if (rc == QT_ERR_NOTFOUND || !d->doc || d->rec != rec ||
		    memcmp(d->key, key, n) != 0) {
			json_error_t je;
			json_t *doc = NULL;
			if (rc == QT_OK && !(doc = qt_json_parse(c->body.p, c->body.len, &je)))
				return qt_err_set(err, QT_ERR_INVALID,
				                  "stored %s '%.60s' is not JSON: %s", kind, id,
				                  je.text);
			json_decref(d->doc);
			*d = (shared_doc){.rec = rec, .doc = doc};
			memcpy(d->key, key, n);
		}
		d->checked = c->run;
	}
	if (!d->doc)
		return qt_err_set(err, QT_ERR_NOTFOUND, "no %s %.60s", kind, id);
	*out = json_incref(d->doc);
	return QT_OK;
}

/* ---- warnings ---- */

json_t *qt_warning_add(json_t *out, const char *kind, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	json_t *w;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	w = json_pack("{s:s, s:s}", "kind", kind, "message", msg);
	json_array_append_new(out, w);
	return w;
}

/* The day and reason a regulator recorded (doc's "date" and "reason", when it has them) on
 * warning w as "since" and "reason": facts its message states, which a page shows in its
 * reader's language, where the message is English. */
static void decided(json_t *w, const json_t *doc)
{
	static const char *const facts[][2] = {{"date", "since"}, {"reason", "reason"}};
	for (size_t i = 0; i < 2; i++)
		if (*qt_json_text(doc, facts[i][0]))
			json_object_set_new(w, facts[i][1],
			                    json_string(qt_json_text(doc, facts[i][0])));
}

/* The last day of a warranty of months from start ("YYYY-MM-DD…"), as "YYYY-MM-DD". */
static bool warranty_end(const char *start, long long months, char out[11])
{
	int y, m, d;
	int last;

	if (!start || !qt_date_split(start, &y, &m, &d) || m < 1 || m > 12 || months < 0 ||
	    months > 1200)
		return false;
	m += (int)months;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	last = qt_month_days(y, m);
	qt_date_format(y, m, d < last ? d : last, out);
	return true;
}

/* A licence or CCC certificate's standing as regulators recorded it ("" when none). */
static const char *standing_of(shared_docs *c, qt_store *s, const char *number, json_t **doc)
{
	*doc = NULL;
	if (!number || !*number || shared_load(c, s, "licence_status", number, doc, NULL) != QT_OK)
		return "";
	return qt_json_text(*doc, "status");
}

/* A code recalled by a recall event rather than a formal recall: the body of the newest
 * such event in its history that stands (its reason is public), or NULL. An event has no
 * "date": its time is in the journey. */
static const json_t *recall_event(const json_t *history)
{
	const json_t *found = NULL, *h;
	size_t i;

	json_array_foreach(history, i, h)
	{
		const json_t *leaf = json_object_get(h, "leaf");
		if (!strcmp(qt_json_text(leaf, "type"), "event.recall") &&
		    !json_object_get(h, "corrected_by"))
			found = json_object_get(leaf, "body");
	}
	return found;
}

/* A carton or pallet is sold, shipped and checked as what it holds: recalled or destroyed
 * goods packed in it (at any depth, up to CONTENTS_MAX codes) are its warning too, with the
 * newest recall's reason. A code with nothing packed in it costs one index probe. */
static qt_rc contents_warnings(shared_docs *c, qt_store *s, const json_t *code_doc, json_t *out,
                               qt_err *err)
{
	json_t *all = json_array(), *doc = NULL;
	char recall_id[64] = "";
	size_t recalled = 0, destroyed = 0, items;
	bool more = false;
	qt_rc rc = qt_codes_with_contents(s, qt_json_text(code_doc, "code"), CONTENTS_MAX, all,
	                                  &more, err);

	items = json_array_size(all) - 1; /* the first is the code itself */
	for (size_t i = 1; rc == QT_OK && i < json_array_size(all); i++) {
		const char *st;
		if ((rc = qt_doc_load(s, "code", json_string_value(json_array_get(all, i)), &doc,
		                      err)) == QT_ERR_NOTFOUND)
			rc = QT_OK;
		st = qt_json_text(doc, "status");
		if (!strcmp(st, "recalled")) {
			json_t *ids = json_object_get(doc, "recalls");
			if (json_array_size(ids))
				snprintf(recall_id, sizeof recall_id, "%s",
				         json_string_value(
				                 json_array_get(ids, json_array_size(ids) - 1)));
			recalled++;
		}
		destroyed += strcmp(st, "destroyed") == 0;
		json_decref(doc);
		doc = NULL;
	}
	if (rc == QT_OK && recalled &&
	    (!*recall_id || shared_load(c, s, "recall", recall_id, &doc, err) != QT_OK))
		doc = NULL;
	for (size_t k = 0; rc == QT_OK && k < 2; k++) {
		size_t n = k ? destroyed : recalled;
		json_t *w;
		if (!n)
			continue;
		w = qt_warning_add(out, k ? "contents_destroyed" : "contents_recalled",
		                   "%zu of the %s%zu codes packed in it %s %s", n,
		                   more ? "first " : "", items,
		                   n == 1 ? (k ? "was" : "has") : (k ? "were" : "have"),
		                   k ? "recorded as destroyed: they should not be on sale"
		                     : "been recalled: do not sell or use them; contact the seller "
		                       "or producer");
		json_object_set_new(w, k ? "destroyed" : "recalled", json_integer((json_int_t)n));
		json_object_set_new(w, "items", json_integer((json_int_t)items));
		if (!k)
			decided(w, doc);
	}
	json_decref(doc);
	json_decref(all);
	return rc;
}

/* qt_code_warnings, reading the documents through c (NULL: from the store); history: the
 * code's (qt_history), when the caller has read it already, else NULL. */
static qt_rc code_warnings(shared_docs *c, qt_store *s, const json_t *code_doc,
                           const json_t *history, const json_t *product, const json_t *producer,
                           json_t *out, qt_err *err)
{
	static const char *const certs[][2] = {{"licence_no", "licence"}, {"ccc_no", "ccc"}};
	const char *status = qt_json_text(code_doc, "status");
	json_t *doc = NULL, *batch = NULL;
	long long months;
	char end[11], today[32], kind[40];
	bool sold;
	qt_err e;

	if (!code_doc)
		qt_warning_add(out, "never_issued",
		               "this code was never issued by a producer on the platform: the "
		               "label may be "
		               "counterfeit");
	if (!strcmp(status, "recalled")) {
		/* the newest recall that took it in: its reason and date are announced */
		json_t *ids = json_object_get(code_doc, "recalls"), *read = NULL;
		const char *id = json_string_value(json_array_get(ids, json_array_size(ids) - 1));
		const json_t *why = NULL;
		if (id && shared_load(c, s, "recall", id, &doc, &e) == QT_OK)
			why = doc;
		else if (history ||
		         qt_history(s, qt_json_text(code_doc, "code"), 0, &read, NULL, &e) == QT_OK)
			why = recall_event(history ? history : read);
		decided(qt_warning_add(out, "recalled",
		                       "this product has been recalled%s%s: stop using it and "
		                       "contact the seller or producer",
		                       *qt_json_text(why, "reason") ? " because " : "",
		                       qt_json_text(why, "reason")),
		        why);
		json_decref(doc);
		json_decref(read);
		doc = NULL;
	}
	if (!strcmp(status, "destroyed"))
		qt_warning_add(out, "destroyed",
		               "this item was recorded as destroyed: it should not be on sale");
	for (size_t i = 0; i < 2; i++) {
		const char *number = qt_json_text(product, certs[i][0]);
		const char *st = standing_of(c, s, number, &doc);
		if (qt_risk_licence_revoked(st)) {
			snprintf(kind, sizeof kind, "%s_%s", certs[i][1], st);
			json_t *w = qt_warning_add(out, kind, "the producer's %s %s %s%s on %s%s%s",
			                           i ? "CCC certificate" : "production licence",
			                           number, strcmp(st, "expired") ? "was " : "", st,
			                           qt_json_text(doc, "date"),
			                           *qt_json_text(doc, "reason") ? ": " : "",
			                           qt_json_text(doc, "reason"));
			json_object_set_new(w, "number", json_string(number));
			decided(w, doc);
		}
		json_decref(doc);
		doc = NULL;
	}
	if (producer &&
	    shared_load(c, s, "credit", qt_json_text(producer, "uscc"), &doc, NULL) == QT_OK &&
	    json_is_true(json_object_get(doc, "listed"))) {
		decided(qt_warning_add(out, "serious_violation",
		                       "the producer is on the list of seriously illegal and "
		                       "dishonest enterprises (严重违法失信名单) since %s%s%s",
		                       qt_json_text(doc, "date"),
		                       *qt_json_text(doc, "reason") ? ": " : "",
		                       qt_json_text(doc, "reason")),
		        doc);
	}
	json_decref(doc);
	/* the warranty runs from the sale, or from production while unsold */
	months = json_integer_value(json_object_get(product, "warranty_months"));
	sold = *qt_code_sale(code_doc) != '\0';
	if (code_doc && json_object_get(product, "warranty_months") && !sold) {
		const char *b = qt_json_text(code_doc, "batch");
		if (*b && shared_load(c, s, "batch", b, &batch, NULL) != QT_OK)
			batch = NULL;
	}
	qt_time_now(today);
	today[10] = '\0';
	if (code_doc && json_object_get(product, "warranty_months") &&
	    warranty_end(sold ? qt_code_sale(code_doc) : qt_json_text(batch, "production_date"),
	                 months, end) &&
	    strcmp(today, end) > 0) {
		/* from a sale, not the day: the sale's time may be sealed, and the day the
		 * warranty ended would give it away */
		json_t *w = qt_warning_add(out, "warranty_expired", "the %lld-month warranty %s%s",
		                           months, sold ? "from the sale has ended" : "ended on ",
		                           sold ? "" : end);
		json_object_set_new(w, "months", json_integer(months));
		if (!sold)
			json_object_set_new(w, "ended", json_string(end));
	}
	json_decref(batch);
	return code_doc ? contents_warnings(c, s, code_doc, out, err) : QT_OK;
}

qt_rc qt_code_warnings(qt_store *s, const json_t *code_doc, const json_t *product,
                       const json_t *producer, json_t *out, qt_err *err)
{
	return code_warnings(NULL, s, code_doc, NULL, product, producer, out, err);
}

/* ---- the view ---- */

static json_t *product_view(shared_docs *c, qt_store *s, const json_t *product,
                            const json_t *code_doc, const json_t *batch)
{
	static const char *const fields[] = {
	        "id",     "name", "catalog_unit",    "type", "model", "standard", "licence_no",
	        "ccc_no", "gtin", "warranty_months", NULL};
	json_t *v = json_object(), *unit = NULL;
	char end[11];
	const char *start;

	qt_json_pick(v, product, fields);
	if (shared_load(c, s, "catalog", qt_json_text(product, "catalog_unit"), &unit, NULL) ==
	    QT_OK) {
		json_object_set(v, "catalog_unit_name", json_object_get(unit, "name"));
		json_object_set(v, "category", json_object_get(unit, "category_name"));
	}
	json_decref(unit);
	/* shown only from public dates: production, or a sale whose time is public (the
	 * expired flag itself comes from the warnings, which may use a sealed sale time) */
	start = *qt_code_sale(code_doc) ? NULL : qt_json_text(batch, "production_date");
	if (json_object_get(product, "warranty_months") && code_doc && start && *start &&
	    warranty_end(start, json_integer_value(json_object_get(product, "warranty_months")),
	                 end))
		json_object_set_new(v, "warranty_until", json_string(end));
	return v;
}

static json_t *producer_view(const json_t *acct)
{
	static const char *const fields[] = {"name", "uscc", "province", "address", NULL};
	json_t *v = json_object();
	qt_json_pick(v, acct, fields);
	return v;
}

static json_t *batch_view(const json_t *batch)
{
	static const char *const fields[] = {"id", "batch_no", "production_date",
	                                     "inspection_report", NULL};
	json_t *v = json_object();
	qt_json_pick(v, batch, fields);
	return v;
}

/* What the public sees of each status. */
static const char *public_status(const char *s)
{
	return !*s                       ? "unknown"
	       : !strcmp(s, "issued")    ? "issued"
	       : !strcmp(s, "sold")      ? "sold"
	       : !strcmp(s, "recalled")  ? "recalled"
	       : !strcmp(s, "destroyed") ? "destroyed"
	       : !strcmp(s, "in_transit") || !strcmp(s, "active") || !strcmp(s, "returned")
	               ? "in_circulation"
	               : "unknown";
}

/* An account's public name, remembered for the rest of this answer. */
static const char *name_of(shared_docs *c, qt_store *s, json_t *names, const char *id)
{
	json_t *n = json_object_get(names, id), *acct = NULL;

	if (!n) {
		n = json_string(shared_load(c, s, "account", id, &acct, NULL) == QT_OK
		                        ? qt_json_text(acct, "name")
		                        : "");
		json_object_set_new(names, id, n);
		json_decref(acct);
	}
	return json_string_value(n);
}

/* The journey: the leaves' public bodies (sealed values are not in a leaf at all), without
 * the other codes an event named. */
static json_t *events_view(shared_docs *c, qt_store *s, const json_t *history,
                           const char *producer_id, const json_t *producer)
{
	static const char *const fields[] = {"time",          "parent",        "shipment",
	                                     "corrects",      "reason",        "buyer_uscc",
	                                     "buyer_name",    "buyer_address", "buyer_contact",
	                                     "supplier_uscc", "supplier_name", NULL};
	json_t *out = json_array(), *names = json_object(), *h;
	size_t i;

	/* the producer, who issued the code, is already at hand */
	if (producer)
		json_object_set_new(names, producer_id,
		                    json_string(qt_json_text(producer, "name")));
	json_array_foreach(history, i, h)
	{
		const json_t *leaf = json_object_get(h, "leaf"),
		             *body = json_object_get(leaf, "body");
		const char *type = qt_json_text(leaf, "type"), *by;
		json_t *e;

		if (!strcmp(type, "code.issue"))
			type = "issue";
		else if (!strncmp(type, "event.", 6))
			type += 6;
		else
			continue; /* checks and other records are not part of the journey */
		by = *qt_json_text(body, "by") ? qt_json_text(body, "by")
		                               : qt_json_text(body, "producer");
		e = json_pack("{s:O, s:s, s:O, s:s, s:s}", "index", json_object_get(h, "index"),
		              "type", type, "recorded", json_object_get(leaf, "ts"), "by", by,
		              "by_name", name_of(c, s, names, by));
		qt_json_pick(e, body, fields);
		qt_json_pick(e, h, (const char *const[]){"via", "corrected_by", NULL});
		json_array_append_new(out, e);
	}
	json_decref(names);
	return out;
}

/* The product a GTIN names (and the batch its lot names), for a code nobody issued. The
 * scanned text may carry a lot that the canonical key of an item leaves out. */
static qt_rc product_by_gtin(qt_store *s, const char *scanned, size_t n, const char *key,
                             json_t **product, json_t **batch, qt_err *err)
{
	qt_code c;
	json_t *g = NULL, *bn = NULL;
	char id[QT_ID_MAX + 40], url[QT_CODE_CANON_MAX + 40];
	const char *gtin, *lot;
	qt_rc rc = QT_ERR_NOTFOUND;

	*product = *batch = NULL;
	/* a handed-out GS1 key reads as the path of a Digital Link */
	snprintf(url, sizeof url, "https://canonical.invalid/%s", key);
	if ((qt_code_parse(scanned, n, NULL, &c, err) != QT_OK &&
	     qt_code_parse(url, strlen(url), NULL, &c, err) != QT_OK) ||
	    !(gtin = qt_code_ai(&c, "01")))
		goto out;
	if (qt_doc_load(s, "gtin", gtin, &g, err) != QT_OK ||
	    (rc = qt_doc_load(s, "product", qt_json_text(g, "product"), product, err)) != QT_OK)
		goto out;
	if ((lot = qt_code_ai(&c, "10")) != NULL) {
		snprintf(id, sizeof id, "%s/%s", qt_json_text(g, "product"), lot);
		if (qt_doc_load(s, "batchno", id, &bn, err) != QT_OK ||
		    qt_doc_load(s, "batch", qt_json_text(bn, "batch"), batch, err) != QT_OK)
			*batch = NULL;
	}
out:
	if (rc == QT_ERR_NOTFOUND)
		qt_err_set(err, QT_ERR_NOTFOUND,
		           "nothing is known of %.200s: no product on the "
		           "platform has this code, which may be counterfeit",
		           key);
	json_decref(g);
	json_decref(bn);
	return rc;
}

qt_rc qt_public_view(qt_platform *p, const char *scanned, size_t n, bool count, json_t **answer,
                     qt_err *err)
{
	char key[QT_CODE_CANON_MAX];
	qt_code_kind kind = QT_KIND_NONE;
	qt_store *s = NULL;
	shared_docs *c = NULL;
	json_t *code = NULL, *product = NULL, *producer = NULL, *batch = NULL, *history = NULL;
	json_t *v = NULL, *warnings = json_array();
	qt_tally t;
	bool truncated = false, reading = false;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_code_canon(scanned, n, key, &kind, err)) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID, "not a trace code: %.200s", why);
		goto out;
	}
	if (!(s = qt_platform_reader(p, err))) {
		rc = QT_ERR_IO;
		goto out;
	}
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	rc = qt_doc_load(s, "code", key, &code, err);
	c = shared_begin(p, s); /* after the first read, which began the snapshot */
	if (rc == QT_ERR_NOTFOUND)
		rc = product_by_gtin(s, scanned, n, key, &product, &batch, err);
	else if (rc == QT_OK && (rc = shared_load(c, s, "product", qt_json_text(code, "product"),
	                                          &product, err)) == QT_ERR_NOTFOUND)
		rc = QT_OK; /* a carton code (SSCC) belongs to no product */
	if (rc != QT_OK)
		goto out;
	if (code && *qt_json_text(code, "batch") &&
	    shared_load(c, s, "batch", qt_json_text(code, "batch"), &batch, NULL) != QT_OK)
		batch = NULL;
	if (shared_load(c, s, "account",
	                code ? qt_json_text(code, "producer") : qt_json_text(product, "producer"),
	                &producer, NULL) != QT_OK)
		producer = NULL;
	if ((code && (rc = qt_history(s, key, 0, &history, &truncated, err)) != QT_OK) ||
	    (rc = code_warnings(c, s, code, history, product, producer, warnings, err)) != QT_OK ||
	    (rc = qt_queries_get(p, s, key, count, &t, err)) != QT_OK)
		goto out;
	v = json_pack("{s:s, s:s, s:s}", "code", key, "kind", qt_code_kind_name(kind), "status",
	              public_status(qt_json_text(code, "status")));
	if (product)
		json_object_set_new(v, "product", product_view(c, s, product, code, batch));
	if (producer)
		json_object_set_new(v, "producer", producer_view(producer));
	if (batch)
		json_object_set_new(v, "batch", batch_view(batch));
	json_object_set_new(
	        v, "events",
	        history ? events_view(c, s, history, qt_json_text(code, "producer"), producer)
	                : json_array());
	if (truncated)
		json_object_set_new(v, "events_truncated", json_true());
	json_object_set_new(v, "queries",
	                    t.count ? json_pack("{s:I, s:s, s:s}", "count", (json_int_t)t.count,
	                                        "first", t.first, "last", t.last)
	                            : json_pack("{s:i}", "count", 0));
	json_object_set(v, "warnings", warnings);
	*answer = v;
out:
	if (reading)
		s->ops->read_end(s);
	json_decref(code);
	json_decref(product);
	json_decref(producer);
	json_decref(batch);
	json_decref(history);
	json_decref(warnings);
	return rc;
}
