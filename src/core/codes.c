/* codes.c — a producer issues trace codes for its own product or batch: new serialised codes
 * from the platform's random source, or the producer's own list, each checked by the code
 * library. Up to 100,000 codes go into one job of code.issue records: all or none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "core/replay.h"
#include "core/trace.h"

/* What one issue request has settled before its job runs. */
typedef struct issue {
	const char *producer, *product, *batch, *scheme, *granularity;
	json_t *codes; /* canonical keys, in request order */
	size_t n_recs;
	json_t **bodies;
	const char **keys; /* n codes, pointing into codes' strings */
} issue;

/* The product's GTIN as 14 digits, or "" when it has none (or a malformed one). */
static void gtin14(const json_t *product, char out[15])
{
	const char *g = json_string_value(json_object_get(product, "gtin"));
	qt_code c;
	qt_err e;

	out[0] = '\0';
	if (g && qt_gs1_parse_key_digits(g, strlen(g), &c, &e) == QT_OK && qt_code_ai(&c, "01"))
		snprintf(out, 15, "%s", qt_code_ai(&c, "01"));
}

/* A producer names the code schemes a product carries when it registers it; codes of
 * any other scheme would be labels nobody expects to see on that product. */
static bool product_has_scheme(const json_t *product, const char *scheme)
{
	json_t *s;
	size_t i;
	json_array_foreach(json_object_get(product, "schemes"), i, s)
	{
		if (json_is_string(s) && strcmp(json_string_value(s), scheme) == 0)
			return true;
	}
	return false;
}

/* The code kind a granularity means for GS1 (and Ecode V0, which carries GS1). */
static qt_code_kind gs1_kind(const char *granularity)
{
	return strcmp(granularity, "item") == 0    ? QT_KIND_ITEM
	       : strcmp(granularity, "batch") == 0 ? QT_KIND_BATCH
	                                           : QT_KIND_PRODUCT;
}

/* Whether a parsed code may be issued for this product/batch at this granularity. */
static qt_rc code_fits(const qt_code *c, const char *scheme, const char *granularity,
                       const char *gtin, const json_t *batch, qt_err *err)
{
	const char *g = qt_code_ai(c, "01"), *lot = qt_code_ai(c, "10");
	const char *batch_no = json_string_value(json_object_get(batch, "batch_no"));

	if (strcmp(qt_code_scheme_name(c->scheme), scheme) != 0)
		return qt_err_set(err, QT_ERR_INVALID, "%.120s is a %s code, not %s", c->canonical,
		                  qt_code_scheme_name(c->scheme), scheme);
	if (!g)
		return QT_OK; /* digital identity, CCC, Ecode V1+: no GTIN to agree with */
	if (!*gtin || strcmp(g, gtin) != 0)
		return qt_err_set(err, QT_ERR_INVALID, "%.120s: GTIN %s is not the product's (%s)",
		                  c->canonical, g, *gtin ? gtin : "none registered");
	if (c->kind != gs1_kind(granularity))
		return qt_err_set(err, QT_ERR_INVALID, "%.120s identifies a %s, not a %s",
		                  c->canonical, qt_code_kind_name(c->kind), granularity);
	if (lot && batch_no && strcmp(lot, batch_no) != 0)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "%.120s: lot %.30s is not the batch's (%.30s)", c->canonical, lot,
		                  batch_no);
	return QT_OK;
}

static qt_rc add_code(issue *is, json_t *seen, const char *text, size_t n, const char *gtin,
                      const json_t *batch, size_t i, qt_err *err)
{
	qt_code c;
	qt_rc rc = qt_code_parse(text, n, NULL, &c, err);

	if (rc != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		return qt_err_set(err, QT_ERR_INVALID, "codes[%zu]: %.150s", i, why);
	}
	if ((rc = code_fits(&c, is->scheme, is->granularity, gtin, batch, err)) != QT_OK)
		return rc;
	if (json_object_get(seen, c.canonical))
		return qt_err_set(err, QT_ERR_INVALID, "codes[%zu]: %.120s is listed twice", i,
		                  c.canonical);
	json_object_set_new(seen, c.canonical, json_true());
	json_array_append_new(is->codes, json_string(c.canonical));
	return QT_OK;
}

/* count new codes: serials (or whole digital identity codes) from the random source, so no
 * one can guess a code that has not been printed. */
static qt_rc generate(issue *is, json_t *seen, size_t count, const char *gtin, const json_t *batch,
                      qt_err *err)
{
	const char *lot = json_string_value(json_object_get(batch, "batch_no"));
	char(*ids)[QT_DIC_ID_LEN + 1] = NULL;
	char text[QT_CODE_INPUT_MAX];
	bool gs1 = strcmp(is->scheme, "gs1") == 0, ecode = strcmp(is->scheme, "ecode") == 0;
	bool item = strcmp(is->granularity, "item") == 0;
	qt_err why;
	qt_rc rc = QT_OK;

	if (strcmp(is->scheme, "ccc") == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "CCC codes are certificate numbers: list them in 'codes'");
		goto out;
	}
	if ((gs1 || ecode) && !*gtin) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "the product has no GTIN: register one or use scheme \"dic\"");
		goto out;
	}
	/* A GS1 code carries the batch number as its lot (AI 10): at most 20 characters of GS1's
	 * set 82. An item's key is its GTIN and serial, so a batch number no lot can carry (a
	 * Chinese one) is left out of the code, which still names its batch; a batch code is
	 * its lot, so none can be made. */
	if ((gs1 || ecode) && lot && *lot && qt_gs1_check_ai("10", lot, &why) != QT_OK) {
		if (strcmp(is->granularity, "batch") == 0) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "batch number '%.30s' cannot be a GS1 lot (AI 10: at most 20 "
			        "ASCII letters, digits or GS1 punctuation): issue a \"dic\" "
			        "batch code, or list your own",
			        lot);
			goto out;
		}
		lot = NULL;
	}
	if (!item && count != 1) {
		rc = qt_err_set(err, QT_ERR_INVALID, "a %s code is one code: 'count' must be 1",
		                is->granularity);
		goto out;
	}
	if (!(ids = malloc(count * sizeof *ids))) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (qt_dic_generate_n(ids, count) != QT_OK) {
		rc = qt_err_set(err, QT_ERR_IO, "the random source failed");
		goto out;
	}
	for (size_t i = 0; i < count && rc == QT_OK; i++) {
		int n;
		if (!gs1 && !ecode)
			n = snprintf(text, sizeof text, "%s", ids[i]);
		else
			n = snprintf(text, sizeof text, "%s(01)%s%s%s%s%s", ecode ? "00001" : "",
			             gtin, lot && !(is->granularity[0] == 'p') ? "(10)" : "",
			             lot && !(is->granularity[0] == 'p') ? lot : "",
			             item ? "(21)" : "", item ? ids[i] : "");
		if (n < 0 || (size_t)n >= sizeof text)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "the batch number is too long for a code");
		else
			rc = add_code(is, seen, text, (size_t)n, gtin, batch, i, err);
	}
out:
	free(ids);
	return rc;
}

static qt_rc apply_issue(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	issue *is = ctx;
	size_t n = json_array_size(is->codes);
	const char *link = is->batch ? "batch_codes" : "product_codes";
	const char *src = is->batch ? is->batch : is->product;
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "scheme", is->scheme,
	                        "granularity", is->granularity, "product", is->product, "producer",
	                        is->producer, "holder", is->producer, "status", "issued");
	qt_rc rc = QT_OK;

	if (is->batch)
		json_object_set_new(doc, "batch", json_string(is->batch));
	for (size_t i = 0; i < n && rc == QT_OK; i++) {
		const char *key = is->keys[i];
		rc = s->ops->doc_get(s, "code", key, NULL, NULL, NULL, err);
		if (rc == QT_OK) {
			rc = qt_err_set(err, QT_ERR_CONFLICT, "code %.150s already exists", key);
			break;
		}
		if (rc != QT_ERR_NOTFOUND)
			break;
		json_object_set_new(doc, "code", json_string(key));
		rc = qt_doc_save(s, "code", key, is->producer, doc, first + i / QT_ISSUE_PER_RECORD,
		                 err);
		if (rc == QT_OK)
			rc = s->ops->link_put(s, link, src, key, err);
	}
	json_decref(doc);
	return rc;
}

qt_rc qt_codes_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	const json_t *codes = json_object_get(r->body, "codes");
	const char *keys[QT_ISSUE_PER_RECORD];
	issue is = {.producer = qt_json_text(r->body, "producer"),
	            .product = qt_json_text(r->body, "product"),
	            .batch = json_string_value(json_object_get(r->body, "batch")),
	            .scheme = qt_json_text(r->body, "scheme"),
	            .granularity = qt_json_text(r->body, "granularity"),
	            .codes = (json_t *)codes,
	            .keys = keys};

	if (!json_is_array(codes) || json_array_size(codes) > QT_ISSUE_PER_RECORD)
		return qt_err_set(err, QT_ERR_INVALID, "its 'codes' are not 1 to %d codes",
		                  QT_ISSUE_PER_RECORD);
	for (size_t i = 0; i < json_array_size(codes); i++) {
		const char *k = json_string_value(json_array_get(codes, i));
		keys[i] = k ? k : "";
	}
	/* each record's codes are written by that record: i / QT_ISSUE_PER_RECORD is 0 */
	return apply_issue(&is, s, r->index, err);
}

/* The product (and batch) the request names, both the producer's own. */
static qt_rc load_target(qt_platform *p, const qt_account *who, const char *product_id,
                         const char *batch_id, json_t **product, json_t **batch, qt_err *err)
{
	qt_store *rd = qt_platform_reader(p, err);
	const char *pid = product_id;
	qt_rc rc;

	*product = *batch = NULL;
	if (!rd)
		return QT_ERR_IO;
	if (batch_id) {
		if ((rc = qt_doc_load(rd, "batch", batch_id, batch, err)) != QT_OK)
			return rc == QT_ERR_NOTFOUND
			               ? qt_err_set(err, rc, "no batch %.60s", batch_id)
			               : rc;
		pid = json_string_value(json_object_get(*batch, "product"));
		if (product_id && (!pid || strcmp(pid, product_id) != 0))
			return qt_err_set(err, QT_ERR_INVALID,
			                  "batch %.60s is not of product %.60s", batch_id,
			                  product_id);
	}
	if ((rc = qt_doc_load(rd, "product", pid ? pid : "", product, err)) != QT_OK)
		return rc == QT_ERR_NOTFOUND
		               ? qt_err_set(err, rc, "no product %.60s", pid ? pid : "")
		               : rc;
	if (!json_is_string(json_object_get(*product, "producer")) ||
	    strcmp(json_string_value(json_object_get(*product, "producer")), who->id) != 0)
		return qt_err_set(err, QT_ERR_DENIED, "product %.60s is not yours", pid);
	/* goods under recall get no new codes: they would be outside it (recall.c) */
	{
		const json_t *on = json_object_get(*batch ? *batch : *product, "recalls");
		if (json_array_size(on))
			return qt_err_set(
			        err, QT_ERR_CONFLICT,
			        "%s %.60s is recalled (%.30s): its goods get no new codes",
			        *batch ? "batch" : "product", *batch ? batch_id : pid,
			        json_string_value(json_array_get(on, 0)));
	}
	return QT_OK;
}

static qt_rc build_records(issue *is, qt_record **recs_out, qt_err *err)
{
	size_t n = json_array_size(is->codes);
	qt_record *recs;

	is->n_recs = (n + QT_ISSUE_PER_RECORD - 1) / QT_ISSUE_PER_RECORD;
	is->keys = calloc(n, sizeof *is->keys);
	is->bodies = calloc(is->n_recs, sizeof *is->bodies);
	*recs_out = recs = calloc(is->n_recs, sizeof *recs);
	if (!is->keys || !is->bodies || !recs)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		is->keys[i] = json_string_value(json_array_get(is->codes, i));
	for (size_t r = 0; r < is->n_recs; r++) {
		size_t lo = r * QT_ISSUE_PER_RECORD;
		size_t cnt = n - lo < QT_ISSUE_PER_RECORD ? n - lo : QT_ISSUE_PER_RECORD;
		json_t *list = json_array();
		for (size_t i = 0; i < cnt; i++)
			json_array_append_new(list, json_string(is->keys[lo + i]));
		is->bodies[r] = json_pack("{s:s, s:s, s:s, s:s, s:o}", "producer", is->producer,
		                          "product", is->product, "scheme", is->scheme,
		                          "granularity", is->granularity, "codes", list);
		if (is->batch)
			json_object_set_new(is->bodies[r], "batch", json_string(is->batch));
		recs[r] = (qt_record){.type = "code.issue",
		                      .body = is->bodies[r],
		                      .keys = is->keys + lo,
		                      .n_keys = cnt};
	}
	return QT_OK;
}

qt_rc qt_codes_issue(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                     qt_err *err)
{
	static const char *const fields[] = {"product", "batch", "granularity", "scheme",
	                                     "count",   "codes", NULL};
	const char *product_id, *batch_id;
	json_t *product = NULL, *batch = NULL, *seen = json_object(), *list, *shown;
	json_t *in_codes = json_object_get(body, "codes");
	issue is = {.codes = json_array()};
	qt_record *recs = NULL;
	qt_receipt *receipts = NULL;
	char gtin[15];
	long long count;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "product", QT_ID_MAX - 1, false, &product_id, err)) != QT_OK ||
	    (rc = qt_json_str(body, "batch", QT_ID_MAX - 1, false, &batch_id, err)) != QT_OK ||
	    (rc = qt_json_str(body, "granularity", 10, true, &is.granularity, err)) != QT_OK ||
	    (rc = qt_json_str(body, "scheme", 10, true, &is.scheme, err)) != QT_OK ||
	    (rc = qt_json_int(body, "count", 1, QT_ISSUE_MAX, false, 0, &count, err)) != QT_OK)
		goto out;
	if (strcmp(is.granularity, "item") && strcmp(is.granularity, "batch") &&
	    strcmp(is.granularity, "product")) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'granularity' must be \"item\", \"batch\" or \"product\"");
		goto out;
	}
	if (strcmp(is.scheme, "gs1") && strcmp(is.scheme, "ecode") && strcmp(is.scheme, "dic") &&
	    strcmp(is.scheme, "ccc")) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'scheme' must be \"gs1\", \"ecode\", \"dic\" or \"ccc\"");
		goto out;
	}
	if (!product_id && !batch_id) {
		rc = qt_err_set(err, QT_ERR_INVALID, "'product' or 'batch' is required");
		goto out;
	}
	if ((!strcmp(is.granularity, "batch") && !batch_id) ||
	    (!strcmp(is.granularity, "product") && batch_id)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "a batch code needs 'batch'; a product code takes no 'batch'");
		goto out;
	}
	if (!count == !in_codes) {
		rc = qt_err_set(err, QT_ERR_INVALID, "give either 'count' or 'codes'");
		goto out;
	}
	if (in_codes && (!json_is_array(in_codes) || json_array_size(in_codes) < 1)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'codes' must be a non-empty array of strings");
		goto out;
	}
	if (in_codes && json_array_size(in_codes) > QT_ISSUE_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "at most %d codes in one request",
		                QT_ISSUE_MAX);
		goto out;
	}
	if ((rc = load_target(p, who, product_id, batch_id, &product, &batch, err)) != QT_OK)
		goto out;
	is.producer = who->id;
	is.product = json_string_value(json_object_get(product, "id"));
	is.batch = batch_id;
	if (!is.product) {
		rc = qt_err_set(err, QT_ERR_INVALID, "the stored product has no id");
		goto out;
	}
	if (!product_has_scheme(product, is.scheme)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "product %.60s is not registered for scheme \"%s\" (see its "
		                "'schemes')",
		                is.product, is.scheme);
		goto out;
	}
	gtin14(product, gtin);
	if (count) {
		rc = generate(&is, seen, (size_t)count, gtin, batch, err);
	} else {
		for (size_t i = 0; i < json_array_size(in_codes) && rc == QT_OK; i++) {
			json_t *c = json_array_get(in_codes, i);
			if (!json_is_string(c) || json_string_length(c) > QT_CODE_INPUT_MAX)
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "codes[%zu] must be a string of at most %d bytes",
				                i, QT_CODE_INPUT_MAX);
			else
				rc = add_code(&is, seen, json_string_value(c),
				              json_string_length(c), gtin, batch, i, err);
		}
	}
	if (rc != QT_OK || (rc = build_records(&is, &recs, err)) != QT_OK)
		goto out;
	if (!(receipts = calloc(2, sizeof *receipts))) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = qt_ledger_submit_job_ends(p->ledger, recs, is.n_recs, apply_issue, &is, receipts,
	                                    err)) != QT_OK)
		goto out;
	shown = json_array();
	for (size_t i = 0; i < json_array_size(is.codes) && i < QT_ISSUE_SHOWN; i++)
		json_array_append(shown, json_array_get(is.codes, i));
	list = json_array();
	json_array_append_new(list, qt_receipt_json(&receipts[0]));
	if (is.n_recs > 1)
		json_array_append_new(list, qt_receipt_json(&receipts[1]));
	*answer = json_pack("{s:I, s:o, s:b, s:I, s:o}", "issued",
	                    (json_int_t)json_array_size(is.codes), "codes", shown, "more",
	                    json_array_size(is.codes) > QT_ISSUE_SHOWN, "records",
	                    (json_int_t)is.n_recs, "receipts", list);
out:
	for (size_t r = 0; is.bodies && r < is.n_recs; r++)
		json_decref(is.bodies[r]);
	free(is.bodies);
	free(is.keys);
	free(recs);
	free(receipts);
	json_decref(is.codes);
	json_decref(seen);
	json_decref(product);
	json_decref(batch);
	return rc;
}

/* ---- listing: for the producer, and for regulators of its region ---- */

qt_rc qt_codes_list(qt_store *s, const qt_account *who, const char *link_kind, const char *src,
                    const char *after, size_t limit, json_t **answer, qt_err *err)
{
	qt_buf owner;
	json_t *codes = json_array();
	size_t found = 0;
	const char *kind = strcmp(link_kind, "batch_codes") == 0 ? "batch" : "product";
	qt_rc rc;

	*answer = NULL;
	qt_buf_init(&owner, 1024);
	if ((rc = s->ops->doc_get(s, kind, src, NULL, &owner, NULL, err)) != QT_OK) {
		if (rc == QT_ERR_NOTFOUND)
			qt_err_set(err, rc, "no %s %.60s", kind, src);
		goto out;
	}
	if ((owner.len != strlen(who->id) || memcmp(owner.p, who->id, owner.len) != 0) &&
	    !(owner.len && qt_regulates(who, owner.p))) {
		rc = qt_err_set(err, QT_ERR_DENIED, "%s %.60s is not yours", kind, src);
		goto out;
	}
	if ((rc = s->ops->link_list(s, link_kind, src, after ? after : "", limit, qt_link_collect,
	                            codes, &found, err)) != QT_OK)
		goto out;
	*answer = json_pack("{s:O}", "codes", codes);
	if (json_array_size(codes) == limit)
		json_object_set_new(
		        *answer, "next",
		        json_string(json_string_value(json_array_get(codes, limit - 1))));
out:
	json_decref(codes);
	qt_buf_free(&owner);
	return rc;
}
