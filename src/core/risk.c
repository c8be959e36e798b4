/* risk.c — risk warnings: the rules each write's job asks, the warning kept as a state doc in
 * that job's transaction under an id fixed by rule and subject (so a condition that holds
 * again raises nothing new), and regulators' listing and acknowledging or closing of them. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/cases.h"
#include "core/risk.h"
#include "core/sampling.h"
#include "util/sha256.h"

bool qt_risk_two_failed_samplings(const char *date, const char *const *fails, size_t n)
{
	return qt_sampling_on_site(date, fails, n);
}

bool qt_risk_reason(const json_t *reasons, const char *kind)
{
	bool found = false;
	size_t i;
	json_t *r;

	json_array_foreach(reasons, i, r)
	{
		found |= !strcmp(qt_json_text(r, "kind"), kind);
	}
	return found;
}

bool qt_risk_suspect_scan(const char *verdict, const json_t *reasons)
{
	return (verdict && !strcmp(verdict, "suspect")) || qt_risk_reason(reasons, "recalled");
}

bool qt_risk_licence_revoked(const char *status)
{
	return status && (!strcmp(status, "revoked") || !strcmp(status, "suspended") ||
	                  !strcmp(status, "expired"));
}

/* The part of sold_without_flow that needs no reading: an active item whose holder is none
 * of the units the sighting accounts for. */
static bool unexplained(const json_t *code, const char *const *explained, size_t n)
{
	const char *holder = qt_json_text(code, "holder");
	bool gap = code && !strcmp(qt_json_text(code, "granularity"), "item") &&
	           !strcmp(qt_json_text(code, "status"), "active") && *holder;

	for (size_t i = 0; gap && i < n; i++)
		gap = strcmp(holder, explained[i]) != 0;
	return gap;
}

bool qt_risk_sold_without_flow(const json_t *code, const json_t *catalog_unit, const char *date,
                               const char *const *explained, size_t n)
{
	const char *since = qt_json_text(catalog_unit, "since");
	return catalog_unit && *since && date && strncmp(since, date, 10) <= 0 &&
	       unexplained(code, explained, n);
}

bool qt_risk_complaint_cluster(const char *now, const char *const *filed, size_t n)
{
	long long from = qt_time_epoch(now) - (long long)QT_RISK_CLUSTER_DAYS * 86400;
	size_t within = 0;

	for (size_t i = 0; i < n; i++)
		within += qt_time_valid(filed[i]) && qt_time_epoch(filed[i]) >= from &&
		          strcmp(filed[i], now) <= 0;
	return within >= QT_RISK_CLUSTER_MIN;
}

void qt_risk_id(const char *rule, const char *subject, char out[34])
{
	uint8_t h[QT_SHA256_LEN];
	qt_sha256_part parts[3] = {{rule, strlen(rule)}, {"\n", 1}, {subject, strlen(subject)}};

	qt_sha256(parts, 3, h);
	out[0] = 'W';
	sodium_bin2hex(out + 1, 33, h, 16);
}

/* The product's catalogue unit document (NULL when there is none to be found). */
static json_t *catalog_of(qt_store *s, const char *product)
{
	json_t *p = NULL, *c = NULL;

	if (product && *product && qt_doc_load(s, "product", product, &p, NULL) == QT_OK &&
	    qt_doc_load(s, "catalog", qt_json_text(p, "catalog_unit"), &c, NULL) != QT_OK)
		c = NULL;
	json_decref(p);
	return c;
}

qt_rc qt_risk_raise(qt_store *s, const qt_risk *w, uint64_t rec, bool *raised, qt_err *err)
{
	const char *rule = w->rule, *subject = w->subject, *unit = w->unit;
	const json_t *details = w->details;
	const char *now = w->at;
	char id[34], key[80], division[7] = "";
	json_t *doc, *cat = NULL;
	qt_rc rc;
	bool digits = unit && strlen(unit) >= 8;

	if (raised)
		*raised = false;
	for (int i = 0; digits && i < 6; i++)
		digits = isdigit((unsigned char)unit[2 + i]);
	if (digits)
		snprintf(division, sizeof division, "%.6s", unit + 2);
	qt_risk_id(rule, subject, id);
	rc = qt_doc_load(s, "warning", id, &doc, err);
	/* open or acknowledged: a regulator has it already. Closed: the condition that holds
	 * again is news, so the same warning opens again, its history kept. */
	if (rc == QT_OK && !strcmp(qt_json_text(doc, "state"), "closed")) {
		json_object_set_new(doc, "state", json_string("open"));
		json_object_set_new(doc, "updated", json_string(now));
		json_object_set_new(doc, "details",
		                    details ? json_deep_copy(details) : json_null());
		json_array_append_new(
		        json_object_get(doc, "history"),
		        json_pack("{s:s, s:s, s:s}", "state", "open", "by", "platform", "at", now));
		rc = qt_doc_save(s, "warning", id, "", doc, rec, err);
		if (rc == QT_OK && raised)
			*raised = true;
	}
	if (rc != QT_ERR_NOTFOUND) {
		json_decref(doc);
		return rc;
	}
	snprintf(key, sizeof key, "%s/%s", now, id);
	cat = catalog_of(s, w->product);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:[]}", "id", id,
	                "rule", rule, "subject", subject, "division", division, "unit",
	                unit ? unit : "", "product", w->product ? w->product : "", "catalog_unit",
	                qt_json_text(cat, "id"), "category", qt_json_text(cat, "category"),
	                "raised", now, "details", details ? details : json_null(), "state", "open",
	                "history");
	json_decref(cat);
	if (!doc)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	rc = s->ops->link_put(s, "warnings", "all", key, err);
	if (rc == QT_OK)
		rc = qt_doc_save(s, "warning", id, "", doc, rec, err);
	if (rc == QT_OK && raised)
		*raised = true;
	json_decref(doc);
	return rc;
}

qt_rc qt_risk_flow_gap(qt_store *s, const json_t *code, const char *key, const char *what,
                       const char *seen_in, const char *const *explained, size_t n, uint64_t rec,
                       const char *at, qt_err *err)
{
	const char *product = qt_json_text(code, "product"), *holder = qt_json_text(code, "holder");
	char subject[2 * QT_ID_MAX + 2];
	/* most sightings are of goods where the ledger has them: no catalogue read for those */
	json_t *cat = unexplained(code, explained, n) ? catalog_of(s, product) : NULL,
	       *details = NULL;
	qt_rc rc = QT_OK;

	if (qt_risk_sold_without_flow(code, cat, at, explained, n)) {
		snprintf(subject, sizeof subject, "%s %s", holder, product);
		details = json_pack("{s:s, s:s, s:s, s:s}", "code", key, "holder", holder,
		                    "seen_by", what, "seen_in", seen_in);
		rc = qt_risk_raise(
		        s, &(qt_risk){"sold_without_flow", subject, holder, product, details, at},
		        rec, NULL, err);
	}
	json_decref(cat);
	json_decref(details);
	return rc;
}

typedef struct list_ctx {
	const qt_account *who;
	const qt_risk_filter *f;
	long long from, to; /* raised within [from, to) in seconds; 0: unbounded */
} list_ctx;

static bool keep_warning(const void *ctx, const json_t *d)
{
	const list_ctx *l = ctx;
	const qt_risk_filter *f = l->f;
	const char *div = qt_json_text(d, "division"), *raised = qt_json_text(d, "raised");
	long long at = qt_time_valid(raised) ? qt_time_epoch(raised) : 0;

	return qt_case_covers(l->who, div) &&
	       (!f->rule || !strcmp(f->rule, qt_json_text(d, "rule"))) &&
	       (!f->state || !strcmp(f->state, qt_json_text(d, "state"))) &&
	       (!f->region || !strncmp(div, f->region, strlen(f->region))) &&
	       (!f->category || !strcmp(f->category, qt_json_text(d, "category")) ||
	        !strcmp(f->category, qt_json_text(d, "catalog_unit"))) &&
	       (!l->from || at >= l->from) && (!l->to || at < l->to);
}

static const char *const rules[] = {"two_failed_samplings", "suspect_scan",      "licence_revoked",
                                    "complaint_cluster",    "sold_without_flow", NULL};

/* A from or to bound as seconds: a date alone is its day in China time, and `to` takes the
 * whole of it; a time is taken to its second. */
static qt_rc bound(const char *text, const char *name, bool end, long long *out, char start[40],
                   qt_err *err)
{
	qt_rc rc = QT_OK;

	*out = 0;
	if (!text)
		goto out;
	if (!qt_time_from_text(text, strlen(text), 480, start)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'%s' must be a date (2026-11-21, China time) or an RFC 3339 time",
		                name);
		goto out;
	}
	*out = qt_time_epoch(start) + (end ? (strchr(text, ':') ? 1 : 86400) : 0);
out:
	return rc;
}

/* A warning as a person reads it: its region's province, the unit and product by name, and
 * the regulators who moved it. */
static qt_rc name_warning(qt_names *n, json_t *w, qt_err *err)
{
	qt_rc rc;

	qt_json_set_province(w, qt_json_text(w, "division"));
	if ((rc = qt_names_add(n, w, err)) == QT_OK)
		rc = qt_names_history(n, w, err);
	return rc;
}

qt_rc qt_risk_list(qt_store *s, const qt_account *who, const qt_risk_filter *f, const char *after,
                   size_t limit, json_t **answer, qt_err *err)
{
	list_ctx l = {who, f, 0, 0};
	char start[40] = "", end[40];
	size_t k;
	bool digits = true;
	qt_rc rc = QT_OK;

	*answer = NULL;
	for (k = 0; f->rule && rules[k] && strcmp(rules[k], f->rule); k++)
		;
	if (f->rule && !rules[k])
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'rule' must be two_failed_samplings, suspect_scan, "
		                "licence_revoked, complaint_cluster or sold_without_flow");
	else if (f->state && strcmp(f->state, "open") && strcmp(f->state, "acknowledged") &&
	         strcmp(f->state, "closed"))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'state' must be \"open\", \"acknowledged\" or \"closed\"");
	for (k = 0; rc == QT_OK && f->region && f->region[k]; k++)
		digits = digits && isdigit((unsigned char)f->region[k]);
	if (rc == QT_OK && f->region && (!digits || k == 0 || k > 6))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'region' must be 1 to 6 digits of a division");
	if (rc == QT_OK && f->category && (!*f->category || strlen(f->category) >= QT_ID_MAX))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'category' must be a catalogue category or unit id");
	if (rc == QT_OK)
		rc = bound(f->from, "from", false, &l.from, start, err);
	if (rc == QT_OK)
		rc = bound(f->to, "to", true, &l.to, end, err);
	if (rc != QT_OK)
		goto out;
	/* the list is in order of raising: begin at `from` (its second, without the "Z" that
	 * would sort after the keys of that second) unless the page cursor is past it */
	start[19] = '\0';
	if (*start && (!after || strcmp(after, start) < 0))
		after = start;
	rc = qt_doc_page(s, "warnings", "all", "warning", after, limit, keep_warning, &l,
	                 "warnings", answer, err);
	if (rc == QT_OK)
		rc = qt_names_page(s, answer, "warnings", name_warning, err);
out:
	return rc;
}

static const qt_case_kind warning_case = {"warning", "warning.update", "division", false,
                                          name_warning};

qt_rc qt_risk_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                     json_t **answer, qt_err *err)
{
	return qt_case_update(p, who, &warning_case, id, body, answer, err);
}

qt_rc qt_risk_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	return qt_case_replay(s, r, &warning_case, err);
}
