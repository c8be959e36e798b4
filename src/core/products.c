/* products.c — products (产品) and production batches (批次) a producer registers: each is a
 * ledger record, and its document says which catalogue unit, certificate and GTIN it has,
 * so codes issued later can only name a product and batch the ledger already holds. And
 * their lists: a caller's products, searched by name; a product's batches by date. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes/code.h"
#include "codes/uscc.h"
#include "core/catalog.h"
#include "core/replay.h"
#include "util/json_parse.h"
#include "util/random.h"
#include "util/utf8.h"

#define BATCH_NO_MAX   64
#define QUANTITY_MAX   10000000
#define WARRANTY_MAX   600 /* months: fifty years */
#define CERT_INPUT_MAX 40
#define QUERY_MAX      100 /* characters of a product search: a name is at most 200 */

/* A product's batches in production date order: links "<date>/<record>/<batch id>" (the
 * batch.register record's ledger index, 20 digits), so one index range gives them oldest or
 * newest first, those of one day in the order they were registered. BY_DATE_LEN is the part
 * before the id. */
#define BATCHES_BY_DATE "batches_by_date"
#define BY_DATE_LEN     32

static const char *const scheme_names[] = {"gs1", "ecode", "dic", "ccc", NULL};

/* The catalogue unit's required certificate: "licence", "ccc", "licence_or_ccc", "none". */
static qt_rc catalog_requires(qt_platform *p, const char *unit, char out[20], qt_err *err)
{
	qt_store *rd = qt_platform_reader(p, err);
	json_t *doc = NULL;
	const char *r;
	qt_rc rc;

	if (!rd) {
		rc = QT_ERR_IO;
		goto out;
	}
	rc = qt_doc_load(rd, "catalog", unit, &doc, err);
	if (rc == QT_ERR_NOTFOUND) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'catalog_unit' %.60s is not in the trace catalogue (GET "
		                "/api/v1/catalog lists it)",
		                unit);
		goto out;
	}
	if (rc != QT_OK)
		goto out;
	r = json_string_value(json_object_get(doc, "requires"));
	snprintf(out, 20, "%s", r ? r : "none");
out:
	json_decref(doc);
	return rc;
}

/* licence_no / ccc_no against what the catalogue unit requires; fills the product doc and
 * adds the CCC certificate's canonical key. */
static qt_rc check_certificate(const json_t *body, const char *requires, json_t *doc,
                               char ccc_key[QT_CODE_CANON_MAX], qt_err *err)
{
	const char *lic_s, *ccc_s;
	bool want_lic = strcmp(requires, "licence") == 0, want_ccc = strcmp(requires, "ccc") == 0;
	bool either = strcmp(requires, "licence_or_ccc") == 0;
	char why[QT_ERR_MSG_MAX];
	qt_licence lic;
	qt_code code;
	qt_rc rc;

	ccc_key[0] = '\0';
	if ((rc = qt_json_str(body, "licence_no", CERT_INPUT_MAX, false, &lic_s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "ccc_no", CERT_INPUT_MAX, false, &ccc_s, err)) != QT_OK)
		goto out;
	if (want_lic && !lic_s) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "'licence_no' (生产许可证编号) is required for this catalogue unit%s",
		        ccc_s ? ", which needs a production licence, not a CCC certificate" : "");
		goto out;
	}
	if (want_ccc && !ccc_s) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'ccc_no' (CCC certificate number) is required for this catalogue "
		                "unit%s",
		                lic_s ? ", which needs a CCC certificate, not a production licence"
		                      : "");
		goto out;
	}
	if ((want_lic && ccc_s) || (want_ccc && lic_s)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'%s' does not apply: this catalogue unit needs %s",
		                want_lic ? "ccc_no" : "licence_no",
		                want_lic ? "a production licence" : "a CCC certificate");
		goto out;
	}
	if (either && !lic_s && !ccc_s) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'licence_no' or 'ccc_no' is required for this catalogue unit");
		goto out;
	}
	if (lic_s) {
		if (qt_licence_parse(lic_s, strlen(lic_s), &lic, err) != QT_OK) {
			snprintf(why, sizeof why, "%s", err->msg);
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'licence_no' is not a valid 生产许可证编号: %s", why);
			goto out;
		}
		json_object_set_new(doc, "licence_no", json_string(lic.number));
	}
	if (ccc_s) {
		qt_code_init(&code);
		if (qt_code_parse(ccc_s, strlen(ccc_s), NULL, &code, err) != QT_OK ||
		    code.scheme != QT_SCHEME_CCC) {
			snprintf(why, sizeof why, "%s",
			         code.scheme == QT_SCHEME_CCC || code.scheme == QT_SCHEME_NONE
			                 ? err->msg
			                 : "not a CCC certificate number");
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'ccc_no' must be a 16-digit CCC certificate number: %s",
			                why);
			goto out;
		}
		json_object_set_new(doc, "ccc_no", json_string(code.ccc_number));
		snprintf(ccc_key, QT_CODE_CANON_MAX, "%s", code.canonical);
	}
out:
	return rc;
}

/* schemes: 1..4 distinct names; gtin (8, 12, 13 or 14 digits, normalised to 14) required
 * with gs1. */
static qt_rc check_codes(const json_t *body, json_t *doc, char gtin14[15], qt_err *err)
{
	json_t *schemes = json_object_get(body, "schemes"), *s, *out_s = json_array();
	const char *g;
	bool gs1 = false;
	char text[32], why[QT_ERR_MSG_MAX];
	qt_code code;
	size_t i, n;
	qt_rc rc = QT_OK;

	gtin14[0] = '\0';
	if (!json_is_array(schemes) || json_array_size(schemes) < 1 ||
	    json_array_size(schemes) > 4) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "'schemes' must list 1 to 4 of \"gs1\", \"ecode\", \"dic\", \"ccc\"");
		goto out;
	}
	json_array_foreach(schemes, i, s)
	{
		const char *name = json_string_value(s);
		bool known = false;
		for (size_t k = 0; name && scheme_names[k]; k++)
			known |= strcmp(name, scheme_names[k]) == 0;
		for (size_t k = 0; known && k < i; k++)
			known = !json_equal(s, json_array_get(schemes, k));
		if (!known) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "'schemes' must list distinct names among \"gs1\", \"ecode\", "
			        "\"dic\", \"ccc\"");
			goto out;
		}
		gs1 |= strcmp(name, "gs1") == 0;
		json_array_append(out_s, s);
	}
	json_object_set(doc, "schemes", out_s);
	if ((rc = qt_json_str(body, "gtin", 14, false, &g, err)) != QT_OK)
		goto out;
	if (!g) {
		if (gs1)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'gtin' is required when 'schemes' has \"gs1\"");
		goto out;
	}
	n = strlen(g);
	if (!qt_code_all_digits(g, n) || (n != 8 && n != 12 && n != 13 && n != 14)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'gtin' must be a GTIN of 8, 12, 13 or 14 digits");
		goto out;
	}
	/* every GTIN is one GTIN-14 once padded with leading zeros: that is its key */
	snprintf(text, sizeof text, "(01)%.*s%s", (int)(14 - n), "00000000000000", g);
	qt_code_init(&code);
	if (qt_code_parse(text, strlen(text), NULL, &code, err) != QT_OK ||
	    code.kind != QT_KIND_PRODUCT) {
		snprintf(why, sizeof why, "%s",
		         code.kind == QT_KIND_PRODUCT ? err->msg : "not a GTIN");
		rc = qt_err_set(err, QT_ERR_INVALID, "'gtin' is not valid: %s", why);
		goto out;
	}
	snprintf(gtin14, 15, "%s", qt_code_ai(&code, "01"));
	json_object_set_new(doc, "gtin", json_string(gtin14));
out:
	json_decref(out_s);
	return rc;
}

typedef struct new_product {
	const char *id, *producer;
	const json_t *doc;
	const char *gtin14; /* "" when none */
} new_product;

static qt_rc apply_product(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	new_product *np = ctx;
	json_t *g = NULL;
	qt_rc rc = QT_OK;

	/* in the transaction: two products racing for one GTIN cannot both win */
	if (np->gtin14[0]) {
		rc = s->ops->doc_get(s, "gtin", np->gtin14, NULL, NULL, NULL, NULL);
		if (rc == QT_OK) {
			rc = qt_err_set(err, QT_ERR_CONFLICT,
			                "GTIN %s already belongs to another product", np->gtin14);
			goto out;
		}
		if (rc != QT_ERR_NOTFOUND) {
			rc = qt_err_set(err, rc, "cannot read GTINs");
			goto out;
		}
		g = json_pack("{s:s}", "product", np->id);
		if ((rc = qt_doc_save(s, "gtin", np->gtin14, np->producer, g, first, err)) != QT_OK)
			goto out;
	}
	rc = qt_doc_save(s, "product", np->id, np->producer, np->doc, first, err);
out:
	json_decref(g);
	return rc;
}

qt_rc qt_products_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	new_product np = {.id = qt_json_text(r->body, "id"),
	                  .producer = qt_json_text(r->body, "producer"),
	                  .doc = r->body,
	                  .gtin14 = qt_json_text(r->body, "gtin")};
	return apply_product(&np, s, r->index, err);
}

qt_rc qt_products_register(qt_platform *p, const qt_account *who, const json_t *body,
                           json_t **answer, qt_err *err)
{
	static const char *const fields[] = {
	        "name",   "catalog_unit",    "type",    "model", "standard", "licence_no",
	        "ccc_no", "warranty_months", "schemes", "gtin",  NULL};
	const char *name, *unit, *type, *model, *standard, *keys[4];
	char id[18], requires[20], gtin14[15], ccc_key[QT_CODE_CANON_MAX], gkey[20];
	json_t *doc = NULL;
	long long warranty;
	new_product np;
	qt_record rec;
	qt_receipt receipt;
	size_t n_keys = 0;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "name", QT_NAME_MAX, true, &name, err)) != QT_OK ||
	    (rc = qt_json_str(body, "catalog_unit", QT_ID_MAX - 1, true, &unit, err)) != QT_OK ||
	    (rc = qt_json_str(body, "type", QT_NAME_MAX, true, &type, err)) != QT_OK ||
	    (rc = qt_json_str(body, "model", QT_NAME_MAX, true, &model, err)) != QT_OK ||
	    (rc = qt_json_str(body, "standard", QT_NAME_MAX, true, &standard, err)) != QT_OK ||
	    (rc = qt_json_int(body, "warranty_months", 0, WARRANTY_MAX, false, -1, &warranty,
	                      err)) != QT_OK ||
	    (rc = catalog_requires(p, unit, requires, err)) != QT_OK ||
	    (rc = qt_new_id("P", 8, id, sizeof id, err)) != QT_OK)
		goto out;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "producer", who->id,
	                "name", name, "catalog_unit", unit, "type", type, "model", model,
	                "standard", standard);
	if (warranty >= 0)
		json_object_set_new(doc, "warranty_months", json_integer(warranty));
	if ((rc = check_certificate(body, requires, doc, ccc_key, err)) != QT_OK ||
	    (rc = check_codes(body, doc, gtin14, err)) != QT_OK)
		goto out;
	keys[n_keys++] = id;
	keys[n_keys++] = QT_KEY_PRODUCTS;
	if (gtin14[0]) {
		snprintf(gkey, sizeof gkey, "01/%s", gtin14);
		keys[n_keys++] = gkey;
	}
	if (ccc_key[0])
		keys[n_keys++] = ccc_key;
	np = (new_product){.id = id, .producer = who->id, .doc = doc, .gtin14 = gtin14};
	rec = (qt_record){.type = "product.register", .body = doc, .keys = keys, .n_keys = n_keys};
	if ((rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_product, &np, &receipt, err)) !=
	    QT_OK)
		goto out;
	*answer = json_pack("{s:O, s:o}", "product", doc, "receipt", qt_receipt_json(&receipt));
out:
	json_decref(doc);
	return rc;
}

typedef struct new_batch {
	const char *id, *product, *producer, *batch_no, *date;
	const json_t *doc;
} new_batch;

static qt_rc apply_batch(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	new_batch *nb = ctx;
	json_t *prod = NULL, *bn = NULL;
	char bn_id[QT_ID_MAX + BATCH_NO_MAX * 4 + 2]; /* a character is up to 4 bytes */
	char dated[BY_DATE_LEN + QT_ID_MAX];
	const char *owner;
	qt_rc rc;

	/* the product and its owner are read here, in the transaction that writes the batch */
	rc = qt_doc_load(s, "product", nb->product, &prod, err);
	if (rc == QT_ERR_NOTFOUND) {
		rc = qt_err_set(err, QT_ERR_INVALID, "'product' %.40s does not exist", nb->product);
		goto out;
	}
	if (rc != QT_OK)
		goto out;
	owner = json_string_value(json_object_get(prod, "producer"));
	if (!owner || strcmp(owner, nb->producer) != 0) {
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "product %s belongs to another producer; only it registers batches",
		                nb->product);
		goto out;
	}
	snprintf(bn_id, sizeof bn_id, "%s/%s", nb->product, nb->batch_no);
	rc = s->ops->doc_get(s, "batchno", bn_id, NULL, NULL, NULL, NULL);
	if (rc == QT_OK) {
		rc = qt_err_set(err, QT_ERR_CONFLICT, "product %s already has a batch '%.64s'",
		                nb->product, nb->batch_no);
		goto out;
	}
	if (rc != QT_ERR_NOTFOUND) {
		rc = qt_err_set(err, rc, "cannot read batches");
		goto out;
	}
	bn = json_pack("{s:s}", "batch", nb->id);
	if ((rc = qt_doc_save(s, "batchno", bn_id, nb->producer, bn, first, err)) != QT_OK ||
	    (rc = qt_doc_save(s, "batch", nb->id, nb->producer, nb->doc, first, err)) != QT_OK)
		goto out;
	snprintf(dated, sizeof dated, "%s/%020llu/%s", nb->date, (unsigned long long)first, nb->id);
	if ((rc = s->ops->link_put(s, "product_batches", nb->product, nb->id, err)) == QT_OK)
		rc = s->ops->link_put(s, BATCHES_BY_DATE, nb->product, dated, err);
out:
	json_decref(prod);
	json_decref(bn);
	return rc;
}

qt_rc qt_batches_register(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"product",  "batch_no",          "production_date",
	                                     "quantity", "inspection_report", NULL};
	static const char *const rep_fields[] = {"sha256", "name", NULL};
	const char *product, *batch_no, *date, *rep_sha, *rep_name, *keys[2];
	json_t *rep, *doc = NULL;
	char id[18], today[11], why[QT_ERR_MSG_MAX];
	long long quantity;
	new_batch nb;
	qt_record rec;
	qt_receipt receipt;
	char no[BATCH_NO_MAX * 4 + 1];
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "product", QT_ID_MAX - 1, true, &product, err)) != QT_OK ||
	    (rc = qt_json_str(body, "batch_no", BATCH_NO_MAX, true, &batch_no, err)) != QT_OK ||
	    (rc = qt_json_past_date(body, "production_date", true, today, &date, err)) != QT_OK ||
	    (rc = qt_json_int(body, "quantity", 1, QUANTITY_MAX, true, 0, &quantity, err)) != QT_OK)
		goto out;
	/* pasted from a spreadsheet, " L1 " is batch L1, not a second batch beside it */
	{
		size_t n = strlen(batch_no);
		qt_uscc_trim(&batch_no, &n);
		if (!n) {
			rc = qt_err_set(err, QT_ERR_INVALID, "'batch_no' is blank");
			goto out;
		}
		snprintf(no, sizeof no, "%.*s", (int)n, batch_no);
		batch_no = no;
	}
	rep = json_object_get(body, "inspection_report");
	if (!rep) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'inspection_report' (出厂检验报告: sha256 and name) is required");
		goto out;
	}
	if ((rc = qt_json_only(rep, rep_fields, err)) != QT_OK ||
	    (rc = qt_json_sha256(rep, "sha256", true, &rep_sha, err)) != QT_OK ||
	    (rc = qt_json_str(rep, "name", QT_NAME_MAX, true, &rep_name, err)) != QT_OK) {
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID, "inspection_report: %s", why);
		goto out;
	}
	if ((rc = qt_new_id("B", 8, id, sizeof id, err)) != QT_OK)
		goto out;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "id", id, "product",
	                product, "producer", who->id, "batch_no", batch_no, "production_date", date,
	                "quantity", (json_int_t)quantity, "inspection_report", "sha256", rep_sha,
	                "name", rep_name);
	keys[0] = id;
	keys[1] = product;
	nb = (new_batch){.id = id,
	                 .product = product,
	                 .producer = who->id,
	                 .batch_no = batch_no,
	                 .date = date,
	                 .doc = doc};
	rec = (qt_record){.type = "batch.register", .body = doc, .keys = keys, .n_keys = 2};
	if ((rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_batch, &nb, &receipt, err)) !=
	    QT_OK)
		goto out;
	*answer = json_pack("{s:O, s:o}", "batch", doc, "receipt", qt_receipt_json(&receipt));
out:
	json_decref(doc);
	return rc;
}

qt_rc qt_batches_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	new_batch nb = {.id = qt_json_text(r->body, "id"),
	                .product = qt_json_text(r->body, "product"),
	                .producer = qt_json_text(r->body, "producer"),
	                .batch_no = qt_json_text(r->body, "batch_no"),
	                .date = qt_json_text(r->body, "production_date"),
	                .doc = r->body};
	return apply_batch(&nb, s, r->index, err);
}

/* Whether after can be a cursor of the batches' date order ("" is the start): a batch id, as
 * pages by id once took, would be read as a date and end the list without a word. */
static bool batch_cursor(const char *after)
{
	static const char shape[BY_DATE_LEN + 1] = "dddd-dd-dd/dddddddddddddddddddd/";
	size_t n = strlen(after), i;
	bool ok = n == 0 || (n > BY_DATE_LEN && n < BY_DATE_LEN + QT_ID_MAX);

	for (i = 0; ok && n && i < BY_DATE_LEN; i++)
		ok = shape[i] == 'd' ? after[i] >= '0' && after[i] <= '9' : after[i] == shape[i];
	return ok;
}

static void batch_id(const char *link, char id[QT_ID_MAX])
{
	snprintf(id, QT_ID_MAX, "%s", link + BY_DATE_LEN);
}

qt_rc qt_batches_list(qt_store *s, const char *product, bool newest, const char *after,
                      size_t limit, json_t **answer, qt_err *err)
{
	qt_rc rc;

	*answer = NULL;
	if (after && !batch_cursor(after))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'after' must be the 'next' of an earlier page of this list");
	else if ((rc = s->ops->doc_get(s, "product", product, NULL, NULL, NULL, err)) ==
	         QT_ERR_NOTFOUND)
		rc = qt_err_set(err, rc, "no product %.60s", product);
	else if (rc == QT_OK)
		rc = qt_link_docs(s, BATCHES_BY_DATE, product, newest, after, limit, "batch",
		                  batch_id, "items", answer, err);
	return rc;
}

/* What one page of a product list looks at: products in id order, kept when who may see
 * them and, with q, when their name, model or GTIN holds q. */
typedef struct product_scan {
	const qt_account *who;
	bool regulator;
	const char *q; /* folded (fold); NULL: every product */
	size_t limit, scanned;
	json_t *items;
	char last[512]; /* the last product looked at: the next page starts after it */
	bool cut;       /* a product follows the last one looked at */
	bool broken;    /* a stored product is not JSON */
	char folded[4096];
} product_scan;

/* s[0..n) with full-width forms and the ideographic space as the ASCII they stand for
 * (qt_utf8_fold_width) and ASCII letters in lower case, NUL-terminated, into out; false when
 * it does not fit. Folding only shortens text. Other bytes are kept: UTF-8 stays UTF-8, and as
 * no character's encoding starts inside another's, a byte match of valid text is a match of
 * whole characters. */
static bool fold(const char *s, size_t n, char *out, size_t size)
{
	size_t i = 0, o = 0;
	char c;

	for (; i < n && o + 1 < size; o++) {
		/* most stored text is ASCII: the test of its lead byte is all it costs */
		if ((unsigned char)s[i] >= 0x80 && (c = qt_utf8_fold_width(s + i, n - i)))
			i += 3;
		else
			c = s[i++];
		out[o] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	if (o < size)
		out[o] = '\0';
	return i == n && o < size;
}

static bool holds(product_scan *ps, const char *text)
{
	return fold(text, strlen(text), ps->folded, sizeof ps->folded) &&
	       strstr(ps->folded, ps->q) != NULL;
}

/* Whether the stored body may hold q, read without parsing it: a body without escapes holds
 * its values as they are, so one whose text lacks q has no field that holds it. Most of a
 * search's products are passed over here. */
static bool may_hold(product_scan *ps, const void *body, size_t n)
{
	return memchr(body, '\\', n) || !fold(body, n, ps->folded, sizeof ps->folded) ||
	       strstr(ps->folded, ps->q) != NULL;
}

static qt_rc scan_product(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                          uint64_t rec)
{
	product_scan *ps = ctx;
	json_t *doc = NULL;
	qt_rc rc = QT_OK;

	(void)rec;
	if (json_array_size(ps->items) == ps->limit || ps->scanned == QT_PAGE_SCAN_MAX) {
		ps->cut = true;
		goto out;
	}
	ps->scanned++;
	snprintf(ps->last, sizeof ps->last, "%s", id);
	/* the producer's division is in its USCC, the owner: no account to load per product */
	if ((ps->regulator && !qt_regulates(ps->who, owner)) || (ps->q && !may_hold(ps, body, n)))
		goto out;
	if (!(doc = qt_json_parse(body, n, NULL))) {
		ps->broken = true;
		rc = QT_ERR_IO;
		goto out;
	}
	if (!ps->q || holds(ps, qt_json_text(doc, "name")) ||
	    holds(ps, qt_json_text(doc, "model")) || holds(ps, qt_json_text(doc, "gtin")))
		json_array_append(ps->items, doc);
out:
	json_decref(doc);
	return rc;
}

/* q, when given: 1 to QUERY_MAX characters of UTF-8 without NUL (n is its length as decoded,
 * so a %00 shows), folded into needle. */
static qt_rc check_query(const char *q, size_t n, char needle[QUERY_MAX * 4 + 1], qt_err *err)
{
	size_t chars = q && qt_utf8_valid_prefix(q, n) == n ? qt_utf8_chars(q, n) : 0;
	qt_rc rc = QT_OK;

	if (q && (chars < 1 || chars > QUERY_MAX || strlen(q) != n))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'q' must be 1 to %d characters of text (UTF-8, no NUL)",
		                QUERY_MAX);
	else if (q)
		fold(q, n, needle, QUERY_MAX * 4 + 1);
	return rc;
}

qt_rc qt_products_list(qt_store *s, const qt_account *who, const char *q, size_t q_len,
                       const char *after, size_t limit, json_t **answer, qt_err *err)
{
	char needle[QUERY_MAX * 4 + 1];
	product_scan *ps = calloc(1, sizeof *ps);
	size_t found = 0, want = 0;
	bool reading = false, more = true;
	qt_rc rc = ps ? check_query(q, q_len, needle, err) : QT_ERR_NOMEM;

	*answer = NULL;
	if (rc != QT_OK || (rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	*ps = (product_scan){.who = who,
	                     .regulator = (who->roles & QT_ROLE_REGULATOR) != 0,
	                     .q = q ? needle : NULL,
	                     .limit = limit,
	                     .items = json_array()};
	snprintf(ps->last, sizeof ps->last, "%s", after ? after : "");
	/* Products are read a little past what would fill the page, so that whether any follow
	 * is known without a further read; a search that keeps few looks at no more than
	 * QT_PAGE_SCAN_MAX of them, and next continues after the last one looked at. */
	while (rc == QT_OK && more && !ps->cut) {
		want = limit + 1 - json_array_size(ps->items);
		want = want < 100 ? 100 : want;
		if (want > QT_PAGE_SCAN_MAX + 1 - ps->scanned)
			want = QT_PAGE_SCAN_MAX + 1 - ps->scanned;
		rc = s->ops->doc_list(s, "product", ps->regulator ? NULL : who->id, ps->last, want,
		                      scan_product, ps, &found, err);
		more = found == want;
	}
	if (rc != QT_OK && ps->broken)
		rc = qt_err_set(err, QT_ERR_IO, "product %s is not stored as JSON", ps->last);
	if (rc == QT_OK) {
		*answer = json_pack("{s:O}", "items", ps->items);
		if (ps->cut)
			json_object_set_new(*answer, "next", json_string(ps->last));
	}
out:
	if (reading)
		s->ops->read_end(s);
	if (ps)
		json_decref(ps->items);
	free(ps);
	return rc;
}
