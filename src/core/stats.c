/* stats.c — GET /api/v1/stats: what a regulator's jurisdiction holds, counted from the state
 * documents in one snapshot (units, products, codes, catalogue, recalls, complaints) and from
 * the newest ledger records (events per day). Each pass is capped; the answer's `limits` says
 * which caps were reached, so a number is never silently short. */
#include <stdio.h>
#include <string.h>

#include "core/cases.h"
#include "core/stats.h"
#include "util/json_parse.h"

#define PAGE        1000
#define CODE_GROUPS 4096 /* holder x status groups of one product's codes */

typedef qt_rc (*each_fn)(void *ctx, const char *id, const char *owner, json_t *doc);

typedef struct walk {
	each_fn fn;
	void *ctx;
} walk;

static qt_rc walk_one(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                      uint64_t rec)
{
	walk *w = ctx;
	json_t *d = qt_json_parse(body, n, NULL);
	qt_rc rc = QT_OK;

	(void)rec;
	/* a body that does not parse was not written by qtrace: counted as nothing */
	if (d)
		rc = w->fn(w->ctx, id, owner, d);
	json_decref(d);
	return rc;
}

/* Every document of kind, by id, up to QT_STATS_DOCS_MAX; *cut when there were more. */
static qt_rc walk_kind(qt_store *s, const char *kind, each_fn fn, void *ctx, bool *cut, qt_err *err)
{
	walk w = {fn, ctx};
	return qt_doc_walk(s, kind, QT_STATS_DOCS_MAX, walk_one, &w, cut, err);
}

/* obj[key][field] += by, making obj[key] when absent. */
static void bump(json_t *obj, const char *key, const char *field, json_int_t by)
{
	json_t *o = json_object_get(obj, key);

	if (!o) {
		o = json_object();
		json_object_set_new(obj, key, o);
	}
	json_object_set_new(o, field,
	                    json_integer(json_integer_value(json_object_get(o, field)) + by));
}

static void count(json_t *obj, const char *key)
{
	json_object_set_new(obj, key,
	                    json_integer(json_integer_value(json_object_get(obj, key)) + 1));
}

static json_t *share(json_int_t part, json_int_t whole)
{
	/* rounded to 4 places in integers, so equal counts always give equal shares */
	return json_real(whole ? (double)((part * 10000 + whole / 2) / whole) / 10000 : 0);
}

typedef struct stats {
	const qt_account *who;
	qt_store *s;
	qt_err *err;
	json_t *unit_region;  /* unit id -> its province (2 digits), units in the jurisdiction */
	json_t *regions;      /* province -> {name, units, producers, sellers, products, codes} */
	json_t *catalog;      /* catalogue unit -> its category */
	json_t *categories;   /* category -> {name, products, codes} */
	json_t *with_product; /* catalogue unit -> true: a product in the jurisdiction */
	json_t *with_codes;   /* catalogue unit -> true: and codes issued for it */
	json_int_t units, products, codes, commissioned, flowed;
	bool cut;
} stats;

static bool has_role(const json_t *doc, const char *role)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(doc, "roles"), i,
	                   r) if (json_is_string(r) &&
	                          !strcmp(json_string_value(r), role)) return true;
	return false;
}

static qt_rc on_account(void *ctx, const char *id, const char *owner, json_t *d)
{
	stats *st = ctx;
	const char *div = qt_json_text(d, "division");
	bool prod = has_role(d, "producer"), sell = has_role(d, "seller");
	char prov[3];

	(void)owner;
	if ((!prod && !sell) || strlen(div) != 6 ||
	    !qt_jurisdiction_covers(st->who->jurisdiction, div))
		return QT_OK;
	snprintf(prov, sizeof prov, "%.2s", div);
	json_object_set_new(st->unit_region, id, json_string(prov));
	bump(st->regions, prov, "units", 1);
	bump(st->regions, prov, "producers", prod);
	bump(st->regions, prov, "sellers", sell);
	bump(st->regions, prov, "products", 0);
	bump(st->regions, prov, "codes", 0);
	json_object_set_new(json_object_get(st->regions, prov), "name",
	                    json_string(qt_json_text(d, "province")));
	st->units++;
	return QT_OK;
}

static qt_rc on_catalog(void *ctx, const char *id, const char *owner, json_t *d)
{
	stats *st = ctx;
	const char *cat = qt_json_text(d, "category");

	(void)owner;
	json_object_set_new(st->catalog, id, json_string(cat));
	bump(st->categories, cat, "products", 0);
	bump(st->categories, cat, "codes", 0);
	json_object_set_new(json_object_get(st->categories, cat), "name",
	                    json_string(qt_json_text(d, "category_name")));
	return QT_OK;
}

typedef struct product_codes {
	stats *st;
	const char *producer;
	json_int_t codes;
} product_codes;

/* One (holder, status) group of a product's codes. "Flowed" is the documented proxy for a
 * complete flow record: sold, or held by a unit other than the producer — either needs a ship
 * and its receipt (or the producer's own sale) in the code's history. */
static qt_rc on_code_group(void *ctx, const char *holder, const char *status, uint64_t n)
{
	product_codes *pc = ctx;
	json_int_t c = (json_int_t)n;

	pc->codes += c;
	if (strcmp(status, "issued")) {
		pc->st->commissioned += c;
		if (!strcmp(status, "sold") || strcmp(holder, pc->producer))
			pc->st->flowed += c;
	}
	return QT_OK;
}

/* A product's codes: those issued for the product itself and those of each of its batches
 * (a code is linked to the one or the other, never both). */
static qt_rc product_codes_count(stats *st, const char *id, product_codes *pc)
{
	qt_store *s = st->s;
	json_t *batches = json_array(), *b;
	size_t found, i;
	qt_rc rc = s->ops->link_doc_count(s, "product_codes", id, "code", "status", CODE_GROUPS,
	                                  on_code_group, pc, st->err);

	do {
		const char *after = json_array_size(batches)
		                            ? json_string_value(json_array_get(
		                                      batches, json_array_size(batches) - 1))
		                            : "";

		if (rc == QT_OK)
			rc = s->ops->link_list(s, "product_batches", id, after, PAGE,
			                       qt_link_collect, batches, &found, st->err);
	} while (rc == QT_OK && found == PAGE && json_array_size(batches) < QT_STATS_DOCS_MAX);
	if (rc == QT_OK && found == PAGE)
		st->cut = true;
	json_array_foreach(batches, i, b)
	{
		if (rc != QT_OK)
			break;
		rc = s->ops->link_doc_count(s, "batch_codes", json_string_value(b), "code",
		                            "status", CODE_GROUPS, on_code_group, pc, st->err);
	}
	json_decref(batches);
	return rc;
}

static qt_rc on_product(void *ctx, const char *id, const char *owner, json_t *d)
{
	stats *st = ctx;
	const char *producer = qt_json_text(d, "producer"), *unit = qt_json_text(d, "catalog_unit");
	const char *region = json_string_value(json_object_get(st->unit_region, producer));
	const char *cat = json_string_value(json_object_get(st->catalog, unit));
	product_codes pc = {st, producer, 0};
	qt_rc rc;

	(void)owner;
	if (!region)
		return QT_OK;
	if ((rc = product_codes_count(st, id, &pc)) != QT_OK)
		return rc;
	st->products++;
	st->codes += pc.codes;
	bump(st->regions, region, "products", 1);
	bump(st->regions, region, "codes", pc.codes);
	bump(st->categories, cat ? cat : "", "products", 1);
	bump(st->categories, cat ? cat : "", "codes", pc.codes);
	if (cat) {
		json_object_set_new(st->with_product, unit, json_true());
		if (pc.codes)
			json_object_set_new(st->with_codes, unit, json_true());
	}
	return QT_OK;
}

typedef struct states {
	const qt_account *who;
	json_t *by; /* state -> count */
	const char *field;
	const char *where; /* a case's member naming the region it is routed to */
} states;

static qt_rc on_recall(void *ctx, const char *id, const char *owner, json_t *d)
{
	states *sc = ctx;

	(void)id;
	if (!*sc->who->jurisdiction || qt_regulates(sc->who, owner))
		count(sc->by, qt_json_text(d, "status"));
	return QT_OK;
}

/* A complaint or warning is seen where it is routed within the jurisdiction (cases.c). */
static qt_rc on_case(void *ctx, const char *id, const char *owner, json_t *d)
{
	states *sc = ctx;

	(void)id, (void)owner;
	if (qt_case_covers(sc->who, qt_json_text(d, sc->where)))
		count(sc->by, qt_json_text(d, sc->field));
	return QT_OK;
}

/* Events per day over the last QT_STATS_DAYS days in China up to now's, from the newest
 * QT_STATS_RECORDS_MAX records: a regulator's own, by the acting unit (`by`). A record counts
 * on the day in China of its `ts` (UTC): one made at 20:00Z is the next day's. */
static qt_rc events_per_day(qt_store *s, const qt_account *who, long long now, json_t *out,
                            qt_err *err)
{
	json_t *days = json_object(), *list = json_array();
	qt_store_iter *it = NULL;
	qt_store_row row;
	uint64_t n = 0, from, scanned = 0;
	char first[11] = "";
	qt_rc rc;

	for (int i = QT_STATS_DAYS - 1; i >= 0; i--) {
		char day[11];

		qt_date_cn(now - (long long)i * 86400, day);
		if (!*first)
			memcpy(first, day, sizeof first);
		json_object_set_new(days, day, json_integer(0));
	}
	if ((rc = s->ops->record_count(s, &n, err)) != QT_OK)
		goto out;
	from = n > QT_STATS_RECORDS_MAX ? n - QT_STATS_RECORDS_MAX : 0;
	if ((rc = s->ops->scan(s, QT_SCAN_RECORDS, from, &it, err)) != QT_OK)
		goto out;
	while ((rc = s->ops->next(it, &row, err)) == QT_OK && row.a < n) {
		json_t *leaf = qt_json_parse((const char *)row.blob1, row.len1, NULL);
		const char *type = qt_json_text(leaf, "type"), *ts = qt_json_text(leaf, "ts");
		const char *by = qt_json_text(json_object_get(leaf, "body"), "by");
		char day[11] = "";

		scanned++;
		if (qt_time_valid(ts))
			qt_date_cn(qt_time_epoch(ts), day);
		if (!strncmp(type, "event.", 6) && json_object_get(days, day) &&
		    (!*who->jurisdiction || qt_regulates(who, by)))
			count(days, day);
		json_decref(leaf);
	}
	if (rc == QT_ERR_NOTFOUND)
		rc = QT_OK;
	if (rc != QT_OK)
		goto out;
	{
		const char *day;
		json_t *v;

		/* jansson (>= 2.8) walks in insertion order: oldest day first */
		json_object_foreach(days, day, v) json_array_append_new(
		        list, json_pack("{s:s, s:O}", "date", day, "count", v));
	}
	json_object_set_new(out, "from", json_string(first));
	json_object_set_new(out, "days", list);
	list = NULL;
	json_object_set_new(out, "records_scanned", json_integer((json_int_t)scanned));
	/* older records were not read: days before them may be short, which the caller is told */
	json_object_set_new(out, "complete", json_boolean(from == 0));
out:
	if (it)
		s->ops->scan_close(it);
	json_decref(days);
	json_decref(list);
	return rc;
}

qt_rc qt_stats(qt_store *s, const qt_account *who, long long now, json_t **answer, qt_err *err)
{
	stats st = {who,
	            s,
	            err,
	            json_object(),
	            json_object(),
	            json_object(),
	            json_object(),
	            json_object(),
	            json_object(),
	            0,
	            0,
	            0,
	            0,
	            0,
	            false};
	states recalls = {who, json_object(), "status", NULL},
	       complaints = {who, json_object(), "state", "jurisdiction"},
	       warnings = {who, json_object(), "state", "division"};
	json_t *events = json_object();
	bool cut_units = false, cut_products = false, cut_catalog = false, cut_recalls = false,
	     cut_complaints = false, cut_warnings = false;
	qt_rc rc;

	*answer = NULL;
	if (!(who->roles & QT_ROLE_REGULATOR)) {
		rc = qt_err_set(err, QT_ERR_DENIED, "statistics are for regulators");
		goto out;
	}
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	if ((rc = walk_kind(s, "account", on_account, &st, &cut_units, err)) == QT_OK &&
	    (rc = walk_kind(s, "catalog", on_catalog, &st, &cut_catalog, err)) == QT_OK &&
	    (rc = walk_kind(s, "product", on_product, &st, &cut_products, err)) == QT_OK &&
	    (rc = walk_kind(s, "recall", on_recall, &recalls, &cut_recalls, err)) == QT_OK &&
	    (rc = walk_kind(s, "complaint", on_case, &complaints, &cut_complaints, err)) == QT_OK &&
	    (rc = walk_kind(s, "warning", on_case, &warnings, &cut_warnings, err)) == QT_OK)
		rc = events_per_day(s, who, now, events, err);
	s->ops->read_end(s);
	if (rc != QT_OK)
		goto out;
	{
		json_int_t cat_units = (json_int_t)json_object_size(st.catalog);
		json_int_t wp = (json_int_t)json_object_size(st.with_product);
		json_int_t wc = (json_int_t)json_object_size(st.with_codes);

		*answer = json_pack(
		        "{s:s, s:{s:I, s:O}, s:{s:I, s:O}, s:{s:I, s:I, s:I, s:o}, "
		        "s:{s:I, s:I, s:I, s:o, s:o}, s:O, s:O, s:O, s:O, "
		        "s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:I}}",
		        "jurisdiction", who->jurisdiction, "units", "total", st.units, "by_region",
		        st.regions, "products", "total", st.products, "by_category", st.categories,
		        "codes", "total", st.codes, "commissioned", st.commissioned, "flowed",
		        st.flowed, "flow_share", share(st.flowed, st.commissioned), "catalog",
		        "units", cat_units, "with_producer", wp, "with_codes", wc, "producer_share",
		        share(wp, cat_units), "codes_share", share(wc, cat_units), "events", events,
		        "recalls", recalls.by, "complaints", complaints.by, "warnings", warnings.by,
		        "limits", "units_cut", cut_units, "products_cut", cut_products,
		        "catalog_cut", cut_catalog, "recalls_cut", cut_recalls, "complaints_cut",
		        cut_complaints, "warnings_cut", cut_warnings, "batches_cut", st.cut,
		        "docs_max", (json_int_t)QT_STATS_DOCS_MAX, "records_max",
		        (json_int_t)QT_STATS_RECORDS_MAX, "days", (json_int_t)QT_STATS_DAYS);
		if (!*answer)
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	}
out:
	json_decref(st.unit_region);
	json_decref(st.regions);
	json_decref(st.catalog);
	json_decref(st.categories);
	json_decref(st.with_product);
	json_decref(st.with_codes);
	json_decref(recalls.by);
	json_decref(complaints.by);
	json_decref(warnings.by);
	json_decref(events);
	return rc;
}
