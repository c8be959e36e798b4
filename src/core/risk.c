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

bool qt_risk_suspect_scan(const char *verdict)
{
	return verdict && !strcmp(verdict, "suspect");
}

bool qt_risk_licence_revoked(const char *status)
{
	return status && (!strcmp(status, "revoked") || !strcmp(status, "suspended"));
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

qt_rc qt_risk_raise(qt_store *s, const char *rule, const char *subject, const char *unit,
                    const json_t *details, uint64_t rec, bool *raised, qt_err *err)
{
	char id[34], now[32], key[80], division[7] = "";
	json_t *doc;
	qt_rc rc;
	bool digits = unit && strlen(unit) >= 8;

	if (raised)
		*raised = false;
	for (int i = 0; digits && i < 6; i++)
		digits = isdigit((unsigned char)unit[2 + i]);
	if (digits)
		snprintf(division, sizeof division, "%.6s", unit + 2);
	qt_risk_id(rule, subject, id);
	qt_time_now(now);
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
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:[]}", "id", id, "rule", rule,
	                "subject", subject, "division", division, "unit", unit ? unit : "",
	                "raised", now, "details", details ? details : json_null(), "state", "open",
	                "history");
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

/* Whether a regulator of who's jurisdiction sees a warning of division div. */

typedef struct list_ctx {
	const qt_account *who;
	const char *rule, *state, *region;
} list_ctx;

static bool keep_warning(const void *ctx, const json_t *d)
{
	const list_ctx *l = ctx;
	const char *div = qt_json_text(d, "division");
	return qt_case_covers(l->who, div) &&
	       (!l->rule || !strcmp(l->rule, qt_json_text(d, "rule"))) &&
	       (!l->state || !strcmp(l->state, qt_json_text(d, "state"))) &&
	       (!l->region || !strncmp(div, l->region, strlen(l->region)));
}

static const char *const rules[] = {"two_failed_samplings", "suspect_scan", "licence_revoked",
                                    "complaint_cluster", NULL};

qt_rc qt_risk_list(qt_store *s, const qt_account *who, const char *rule, const char *state,
                   const char *region, const char *after, size_t limit, json_t **answer,
                   qt_err *err)
{
	list_ctx l = {who, rule, state, region};
	size_t k;
	bool digits = true;

	*answer = NULL;
	for (k = 0; rule && rules[k] && strcmp(rules[k], rule); k++)
		;
	if (rule && !rules[k])
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'rule' must be two_failed_samplings, suspect_scan, "
		                  "licence_revoked or complaint_cluster");
	if (state && strcmp(state, "open") && strcmp(state, "acknowledged") &&
	    strcmp(state, "closed"))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'state' must be \"open\", \"acknowledged\" or \"closed\"");
	for (k = 0; region && region[k]; k++)
		digits = digits && isdigit((unsigned char)region[k]);
	if (region && (!digits || k == 0 || k > 6))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'region' must be 1 to 6 digits of a division");
	return qt_doc_page(s, "warnings", "all", "warning", after, limit, keep_warning, &l,
	                   "warnings", answer, err);
}

static const qt_case_kind warning_case = {"warning", "warning.update", "division", false};

qt_rc qt_risk_update(qt_platform *p, const qt_account *who, const char *id, const json_t *body,
                     json_t **answer, qt_err *err)
{
	return qt_case_update(p, who, &warning_case, id, body, answer, err);
}
