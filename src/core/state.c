/* state.c — `qtrace verify`'s check of the platform's documents: what a consumer, seller or
 * regulator is shown about a product, batch, unit, licence or code comes from documents, not
 * from the log, so each document a record alone decides must say what that record says. An
 * insider who edits the file can no longer make a counterfeit code scan as issued, a revoked
 * licence read as valid, or a product carry another licence number, with verify passing. */
#include "core/state.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/replay.h"
#include "ledger/log.h"

#define PAGE      1000  /* documents listed at a time */
#define KEYS_PAGE 64    /* index rows read at a time */
#define PROGRESS  10000 /* documents between two progress calls */

typedef struct vstate {
	qt_store *s;
	uint64_t count; /* records the store holds */
	qt_buf leaf, sealed, doc;
	uint64_t code_docs, codes_made; /* code documents, and codes their records made */
	json_t *cartons;                /* the cartons and pallets packs made, as a set */
	qt_state_result *res;
	qt_state_progress_fn progress;
	const char *kind;
	qt_err *err;
} vstate;

/* A record as its writer saw it: the leaf, its body's sealed values put back. */
static qt_rc parse_record(vstate *v, uint64_t idx, const void *leaf, size_t n, const void *sealed,
                          size_t sealed_len, json_t **out)
{
	return qt_replay_parse(idx, leaf, n, sealed, sealed_len, out, v->err);
}

/* The index of the type in types (NULL-terminated), or -1. */
static int type_of(const char *const *types, const char *type)
{
	for (int i = 0; types[i]; i++)
		if (strcmp(types[i], type) == 0)
			return i;
	return -1;
}

/* The records naming key, oldest first: *idx and *rec the first of one of types
 * (NULL-terminated); with last, the newest instead. *rec NULL: none. */
static qt_rc find_record(vstate *v, const char *key, const char *const *types, bool last,
                         uint64_t *idx, json_t **rec)
{
	uint64_t recs[KEYS_PAGE], after = UINT64_MAX;
	size_t found = KEYS_PAGE;
	qt_rc rc = QT_OK;

	*rec = NULL;
	while (rc == QT_OK && found == KEYS_PAGE && (last || !*rec)) {
		rc = v->s->ops->index_find(v->s, QT_INDEX_KEY, key, after, recs, KEYS_PAGE, &found,
		                           v->err);
		for (size_t i = 0; rc == QT_OK && i < found && (last || !*rec); i++) {
			char type[32];
			json_t *r = NULL;
			qt_buf_reset(&v->leaf);
			qt_buf_reset(&v->sealed);
			if ((rc = v->s->ops->record_get(v->s, recs[i], &v->leaf, &v->sealed,
			                                v->err)) != QT_OK)
				break;
			if (!qt_replay_leaf_type((const uint8_t *)v->leaf.p, v->leaf.len, type,
			                         sizeof type) ||
			    type_of(types, type) < 0)
				continue;
			if ((rc = parse_record(v, recs[i], v->leaf.p, v->leaf.len, v->sealed.p,
			                       v->sealed.len, &r)) != QT_OK)
				break;
			json_decref(*rec);
			*rec = r;
			*idx = recs[i];
		}
		if (found)
			after = recs[found - 1];
	}
	if (rc != QT_OK) {
		json_decref(*rec);
		*rec = NULL;
	}
	return rc;
}

static qt_rc differs(vstate *v, const char *id, const char *what)
{
	return qt_err_set(v->err, QT_ERR_INVALID, "document %s %.120s: %s", v->kind, id, what);
}

/* The document's writer: rec must be a record the store holds, not older than its creation. */
static qt_rc check_rec(vstate *v, const char *id, uint64_t rec, uint64_t created)
{
	char why[96];
	if (rec < v->count && rec >= created)
		return QT_OK;
	snprintf(why, sizeof why, "names record %" PRIu64 " as its writer, %s", rec,
	         rec >= v->count ? "which the ledger does not hold" : "before it was created");
	return differs(v, id, why);
}

static qt_rc mismatch(vstate *v, const char *id, uint64_t idx, const char *type)
{
	char why[96];
	snprintf(why, sizeof why, "differs from record %" PRIu64 " (%s) it comes from", idx, type);
	return differs(v, id, why);
}

static qt_rc none(vstate *v, const char *id, const char *type)
{
	char why[96];
	snprintf(why, sizeof why, "no %s record names it", type);
	return differs(v, id, why);
}

/* The same, for a document that must have such a record. */
static qt_rc find_required(vstate *v, const char *id, const char *type, bool last, uint64_t *idx,
                           json_t **rec)
{
	qt_rc rc = find_record(v, id, (const char *const[]){type, NULL}, last, idx, rec);
	if (rc == QT_OK && !*rec)
		rc = none(v, id, type);
	return rc;
}

/* ---- the kinds ---- */

typedef struct doc_row {
	const char *id, *owner;
	json_t *body;
	uint64_t rec;
} doc_row;

/* Catalogue units, products and batches are their register record's body; a recall notes
 * itself on a product or batch ("recalls", recall.c), the one later change. */
static qt_rc check_copy(vstate *v, const doc_row *d, const char *type, const char *owner_field)
{
	json_t *rec = NULL, *want;
	uint64_t idx = 0;
	qt_rc rc = find_required(v, d->id, type, false, &idx, &rec);

	if (rc != QT_OK)
		goto out;
	want = json_object_get(rec, "body");
	if (json_is_array(json_object_get(d->body, "recalls")) && strcmp(v->kind, "catalog") != 0)
		json_object_set(want, "recalls", json_object_get(d->body, "recalls"));
	if (!json_equal(want, d->body) || strcmp(qt_json_text(want, "id"), d->id) != 0 ||
	    strcmp(qt_json_text(want, owner_field), d->owner) != 0)
		rc = mismatch(v, d->id, idx, type);
	else
		rc = check_rec(v, d->id, d->rec, idx);
out:
	json_decref(rec);
	return rc;
}

static qt_rc check_account(vstate *v, const doc_row *d)
{
	static const char *const types[] = {"unit.register", "account.add", NULL};
	json_t *rec = NULL, *want;
	uint64_t idx = 0;
	qt_rc rc = find_record(v, d->id, types, false, &idx, &rec);
	const char *type = qt_json_text(rec, "type");

	if (rc != QT_OK)
		goto out;
	if (!rec) {
		rc = none(v, d->id, "unit.register or account.add");
		goto out;
	}
	want = json_object_get(rec, "body");
	if ((type[0] == 'u' && qt_unit_doc_fill(want, v->err) != QT_OK) ||
	    !json_equal(want, d->body) || strcmp(qt_json_text(want, "id"), d->id) != 0 ||
	    strcmp(qt_json_text(want, "division"), d->owner) != 0)
		rc = mismatch(v, d->id, idx, type);
	else
		rc = check_rec(v, d->id, d->rec, idx);
out:
	json_decref(rec);
	return rc;
}

/* A token's hash is in no record (the token is a secret): its document must belong to an
 * account and have been written with it. */
static qt_rc check_token(vstate *v, const doc_row *d)
{
	uint64_t arec = 0;
	qt_rc rc = v->s->ops->doc_get(v->s, "account", d->owner, NULL, NULL, &arec, v->err);

	if (rc == QT_ERR_NOTFOUND)
		return differs(v, d->id, "belongs to no account");
	if (rc != QT_OK)
		return rc;
	if (strcmp(qt_json_text(d->body, "account"), d->owner) != 0 ||
	    json_object_size(d->body) != 1 || d->rec != arec)
		return differs(v, d->id, "is not the token its account was made with");
	return QT_OK;
}

/* gtin and batchno: an index to a product or batch, made by its register record. */
static qt_rc check_pointer(vstate *v, const doc_row *d, bool gtin)
{
	const char *target = qt_json_text(d->body, gtin ? "product" : "batch");
	const char *type = gtin ? "product.register" : "batch.register";
	json_t *rec = NULL, *body;
	uint64_t idx = 0;
	char key[512];
	qt_rc rc = find_record(v, target, (const char *const[]){type, NULL}, false, &idx, &rec);

	if (rc != QT_OK)
		goto out;
	if (!rec || json_object_size(d->body) != 1) {
		rc = differs(v, d->id,
		             gtin ? "points at no registered product"
		                  : "points at no registered batch");
		goto out;
	}
	body = json_object_get(rec, "body");
	if (gtin)
		snprintf(key, sizeof key, "%s", qt_json_text(body, "gtin"));
	else
		snprintf(key, sizeof key, "%s/%s", qt_json_text(body, "product"),
		         qt_json_text(body, "batch_no"));
	if (strcmp(key, d->id) != 0 || strcmp(qt_json_text(body, "producer"), d->owner) != 0)
		rc = mismatch(v, d->id, idx, type);
	else
		rc = check_rec(v, d->id, d->rec, idx);
out:
	json_decref(rec);
	return rc;
}

/* A licence's status and the serious-violation listing: the newest record about it. */
static qt_rc check_standing(vstate *v, const doc_row *d, const char *type, const char *owner_field)
{
	json_t *rec = NULL, *body;
	uint64_t idx = 0;
	qt_rc rc = find_required(v, d->id, type, true, &idx, &rec);

	if (rc != QT_OK)
		goto out;
	body = json_object_get(rec, "body");
	if (idx != d->rec) {
		char why[96];
		snprintf(why, sizeof why,
		         "was written by record %" PRIu64 ", not by the newest (%" PRIu64 ")",
		         d->rec, idx);
		rc = differs(v, d->id, why);
	} else if (!json_equal(body, d->body) ||
	           strcmp(qt_json_text(body, owner_field), d->owner) != 0) {
		rc = mismatch(v, d->id, idx, type);
	}
out:
	json_decref(rec);
	return rc;
}

/* A code document is checked from its creating record's side (expect_codes); here it is
 * counted, so that a document no record created cannot hide among them. */
static qt_rc check_code(vstate *v, const doc_row *d)
{
	uint64_t first = 0;
	size_t found = 0;
	qt_rc rc = v->s->ops->index_find(v->s, QT_INDEX_KEY, d->id, UINT64_MAX, &first, 1, &found,
	                                 v->err);

	v->code_docs++;
	if (rc == QT_OK && !found)
		rc = differs(v, d->id, "no record names it");
	if (rc == QT_OK)
		rc = check_rec(v, d->id, d->rec, first);
	return rc;
}

static qt_rc check_catalog(vstate *v, const doc_row *d)
{
	return check_copy(v, d, "catalog.add", "category");
}

static qt_rc check_product(vstate *v, const doc_row *d)
{
	return check_copy(v, d, "product.register", "producer");
}

static qt_rc check_batch(vstate *v, const doc_row *d)
{
	return check_copy(v, d, "batch.register", "producer");
}

static qt_rc check_gtin(vstate *v, const doc_row *d)
{
	return check_pointer(v, d, true);
}

static qt_rc check_batchno(vstate *v, const doc_row *d)
{
	return check_pointer(v, d, false);
}

static qt_rc check_licence(vstate *v, const doc_row *d)
{
	return check_standing(v, d, "licence.status", "producer");
}

static qt_rc check_credit(vstate *v, const doc_row *d)
{
	return check_standing(v, d, "credit.listing", "unit");
}

/* Every document kind the platform writes (docs/DOMAIN.md) and how it is checked. Those
 * without a check follow from many records (a shipment, a recall, a complaint): they must at
 * least name a record the ledger holds as their writer. */
static const struct rule {
	const char *kind;
	qt_rc (*check)(vstate *v, const doc_row *d);
} rules[] = {
        {"catalog", check_catalog}, {"account", check_account}, {"token", check_token},
        {"product", check_product}, {"gtin", check_gtin},       {"batch", check_batch},
        {"batchno", check_batchno}, {"code", check_code},       {"licence_status", check_licence},
        {"credit", check_credit},   {"shipment", NULL},         {"correction", NULL},
        {"sightings", NULL},        {"recall", NULL},           {"complaint", NULL},
        {"warning", NULL},          {"sampling", NULL},         {"draw", NULL},
        {"announcement", NULL},
};

/* ---- the records' side: what each record that makes a document must have left ---- */

static qt_rc expect(vstate *v, const char *kind, const char *id, uint64_t idx, json_t **doc)
{
	qt_buf *body = &v->doc;
	qt_rc rc;

	*doc = NULL;
	qt_buf_reset(body);
	rc = v->s->ops->doc_get(v->s, kind, id, body, NULL, NULL, v->err);
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(v->err, QT_ERR_INVALID,
		                "record %" PRIu64 " made document %s %.120s, which is missing", idx,
		                kind, id);
	else if (rc == QT_OK && !(*doc = json_loadb(body->p, body->len, 0, NULL)))
		rc = qt_err_set(v->err, QT_ERR_INVALID, "document %s %.120s is not JSON", kind, id);
	return rc;
}

/* Each code a code.issue record names, and each carton or pallet a pack made, has its
 * document, which repeats who issued it and for what; that never changes afterwards. */
static qt_rc expect_codes(vstate *v, uint64_t idx, const char *type, const json_t *body)
{
	static const char *const same[] = {"scheme", "granularity", "product", "batch", "producer"};
	const char *parent = qt_json_text(body, "parent");
	json_t *doc = NULL, *c;
	size_t i;
	qt_rc rc = QT_OK;

	if (type[0] == 'e') { /* event.pack: the first pack of a parent not issued made it */
		if (json_object_get(v->cartons, parent) ||
		    (rc = expect(v, "code", parent, idx, &doc)) != QT_OK ||
		    strcmp(qt_json_text(doc, "granularity"), "logistic") != 0)
			goto out;
		json_object_set_new(v->cartons, parent, json_true());
		v->codes_made++;
		if (strcmp(qt_json_text(doc, "scheme"), "gs1") != 0 ||
		    strcmp(qt_json_text(doc, "producer"), qt_json_text(body, "by")) != 0 ||
		    strcmp(qt_json_text(doc, "code"), parent) != 0 ||
		    json_object_get(doc, "product"))
			rc = mismatch(v, parent, idx, type);
		goto out;
	}
	json_array_foreach(json_object_get(body, "codes"), i, c)
	{
		const char *key = json_string_value(c);
		json_decref(doc);
		if ((rc = expect(v, "code", key, idx, &doc)) != QT_OK)
			break;
		v->codes_made++;
		for (size_t k = 0; k < sizeof same / sizeof same[0] && rc == QT_OK; k++)
			if (strcmp(qt_json_text(doc, same[k]), qt_json_text(body, same[k])) != 0)
				rc = mismatch(v, key, idx, type);
		if (rc == QT_OK && strcmp(qt_json_text(doc, "code"), key) != 0)
			rc = mismatch(v, key, idx, type);
		if (rc != QT_OK)
			break;
	}
out:
	json_decref(doc);
	return rc;
}

/* What a record of each type makes: the documents it must have left (their contents are
 * checked from the documents' side, but for codes, which are checked here). */
static qt_rc expect_from(vstate *v, uint64_t idx, const char *type, const json_t *body)
{
	char key[512];
	json_t *doc = NULL;
	qt_rc rc = QT_OK;

	v->kind = "code";
	if (strcmp(type, "code.issue") == 0 || strcmp(type, "event.pack") == 0)
		return expect_codes(v, idx, type, body);
	if (strcmp(type, "product.register") == 0) {
		if ((rc = expect(v, "product", qt_json_text(body, "id"), idx, &doc)) == QT_OK &&
		    *qt_json_text(body, "gtin")) {
			json_decref(doc);
			rc = expect(v, "gtin", qt_json_text(body, "gtin"), idx, &doc);
		}
	} else if (strcmp(type, "batch.register") == 0) {
		snprintf(key, sizeof key, "%s/%s", qt_json_text(body, "product"),
		         qt_json_text(body, "batch_no"));
		if ((rc = expect(v, "batch", qt_json_text(body, "id"), idx, &doc)) == QT_OK) {
			json_decref(doc);
			rc = expect(v, "batchno", key, idx, &doc);
		}
	} else if (strcmp(type, "unit.register") == 0 || strcmp(type, "account.add") == 0) {
		rc = expect(v, "account", qt_json_text(body, "id"), idx, &doc);
	} else if (strcmp(type, "catalog.add") == 0) {
		rc = expect(v, "catalog", qt_json_text(body, "id"), idx, &doc);
	} else if (strcmp(type, "licence.status") == 0) {
		rc = expect(v, "licence_status", qt_json_text(body, "number"), idx, &doc);
	} else if (strcmp(type, "credit.listing") == 0) {
		rc = expect(v, "credit", qt_json_text(body, "unit"), idx, &doc);
	}
	json_decref(doc);
	return rc;
}

static qt_rc expect_all(vstate *v)
{
	static const char *const makers[] = {
	        "code.issue",  "event.pack",  "product.register", "batch.register", "unit.register",
	        "account.add", "catalog.add", "licence.status",   "credit.listing", NULL};
	qt_store_iter *it = NULL;
	qt_store_row row;
	qt_rc rc = v->s->ops->scan(v->s, QT_SCAN_RECORDS, 0, &it, v->err);

	while (rc == QT_OK && (rc = v->s->ops->next(it, &row, v->err)) == QT_OK) {
		char type[32];
		json_t *rec = NULL;
		if (v->progress && row.a % PROGRESS == 0)
			v->progress("records", row.a);
		/* a leaf that is no record is the ledger's verify's to name */
		if (!qt_replay_leaf_type(row.blob1, row.len1, type, sizeof type) ||
		    type_of(makers, type) < 0)
			continue;
		/* the scan's row has the leaf and sealed values: not read again */
		if ((rc = parse_record(v, row.a, row.blob1, row.len1, row.blob3, row.len3, &rec)) ==
		    QT_OK)
			rc = expect_from(v, row.a, type, json_object_get(rec, "body"));
		json_decref(rec);
	}
	if (rc == QT_ERR_NOTFOUND)
		rc = QT_OK;
	if (it)
		v->s->ops->scan_close(it);
	if (rc == QT_OK && v->codes_made != v->code_docs)
		rc = qt_err_set(v->err, QT_ERR_INVALID,
		                "%" PRIu64 " code documents, but the records made %" PRIu64
		                ": a document no record made is among them",
		                v->code_docs, v->codes_made);
	return rc;
}

/* ---- the walk ---- */

typedef struct page {
	vstate *v;
	const struct rule *rule;
} page;

static qt_rc on_doc(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                    uint64_t rec)
{
	page *pg = ctx;
	vstate *v = pg->v;
	doc_row d = {.id = id, .owner = owner, .rec = rec};
	qt_rc rc;

	/* a code document's body is checked from its record's side (expect_codes) */
	d.body = pg->rule->check == check_code ? json_null() : json_loadb(body, n, 0, NULL);
	v->res->docs++;
	if (!d.body)
		rc = differs(v, id, "is not JSON");
	else if (!pg->rule->check)
		rc = check_rec(v, id, rec, 0);
	else if ((rc = pg->rule->check(v, &d)) == QT_OK)
		v->res->checked++;
	json_decref(d.body);
	if (v->progress && v->res->docs % PROGRESS == 0)
		v->progress("documents", v->res->docs);
	return rc;
}

qt_rc qt_state_verify(qt_store *s, qt_state_progress_fn progress, qt_state_result *res, qt_err *err)
{
	vstate v = {.s = s, .res = res, .progress = progress, .err = err};
	bool reading = false;
	qt_rc rc;

	memset(res, 0, sizeof *res);
	qt_buf_init(&v.leaf, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&v.sealed, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&v.doc, 4096);
	v.cartons = json_object();
	if (!v.cartons) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	if ((rc = s->ops->record_count(s, &v.count, err)) != QT_OK)
		goto out;
	for (size_t k = 0; k < sizeof rules / sizeof rules[0] && rc == QT_OK; k++) {
		page pg = {.v = &v, .rule = &rules[k]};
		v.kind = rules[k].kind;
		rc = qt_doc_walk(s, rules[k].kind, 0, on_doc, &pg, NULL, err);
	}
	if (rc == QT_OK)
		rc = expect_all(&v);
out:
	if (reading)
		s->ops->read_end(s);
	json_decref(v.cartons);
	qt_buf_free(&v.leaf);
	qt_buf_free(&v.sealed);
	qt_buf_free(&v.doc);
	return rc;
}
