/* draw.c — the double random draw (双随机、一公开): who may be drawn, the seed fixed by a
 * signed checkpoint and the parameters, the selection anyone can recompute, the draw as a
 * ledger record, and the check `qtrace draw verify` runs on it. */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/draw.h"
#include "ledger/jcs.h"
#include "util/sha256.h"

qt_rc qt_draw_seed(const qt_hash *root, const json_t *params, uint8_t seed[32], qt_err *err)
{
	qt_buf jcs;
	qt_rc rc;

	qt_buf_init(&jcs, 1 << 16);
	rc = qt_jcs_encode(params, &jcs, err);
	if (rc == QT_OK) {
		qt_sha256_part parts[2] = {{root->b, QT_HASH_LEN}, {jcs.p, jcs.len}};
		qt_sha256(parts, 2, seed);
	}
	qt_buf_free(&jcs);
	return rc;
}

typedef struct ranked {
	uint8_t key[QT_SHA256_LEN];
	const char *id;
} ranked;

static int by_key(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	int c = memcmp(x->key, y->key, QT_SHA256_LEN);
	return c ? c : strcmp(x->id, y->id);
}

qt_rc qt_draw_select(const uint8_t seed[32], const char *list, const json_t *ids, size_t k,
                     json_t **out, qt_err *err)
{
	size_t n = json_array_size(ids), i;
	ranked *r = calloc(n ? n : 1, sizeof *r);
	json_t *id;
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!r)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory ranking %zu candidates", n);
	json_array_foreach(ids, i, id)
	{
		const char *s = json_string_value(id);
		if (!s) {
			rc = qt_err_set(err, QT_ERR_INVALID, "%s[%zu] is not a string", list, i);
			break;
		}
		/* the 0x00 ends the list name, so no id can pose as another list's */
		qt_sha256_part parts[3] = {{seed, 32}, {list, strlen(list) + 1}, {s, strlen(s)}};
		qt_sha256(parts, 3, r[i].key);
		r[i].id = s;
	}
	if (rc == QT_OK) {
		qsort(r, n, sizeof *r, by_key);
		*out = json_array();
		for (i = 0; i < n && i < k; i++)
			json_array_append_new(*out, json_string(r[i].id));
	}
	free(r);
	return rc;
}

static bool has_role(const json_t *doc, unsigned mask)
{
	const json_t *r;
	size_t i;
	unsigned roles = 0;

	json_array_foreach(json_object_get(doc, "roles"), i, r)
	{
		roles |= json_string_value(r) ? qt_role_parse(json_string_value(r)) : 0;
	}
	return (roles & mask) != 0;
}

/* Whether unit has a product in catalog_unit (or in a unit of category). */
static qt_rc has_product(qt_store *s, const char *unit, const char *category,
                         const char *catalog_unit, bool *yes, qt_err *err)
{
	json_t *products = json_array(), *pr, *cat = NULL;
	size_t found = 0, i;
	qt_rc rc = s->ops->doc_list(s, "product", unit, NULL, 10000, qt_doc_collect, products,
	                            &found, err);

	*yes = false;
	json_array_foreach(products, i, pr)
	{
		const char *cu = qt_json_text(pr, "catalog_unit");
		if (rc != QT_OK || *yes || (catalog_unit && strcmp(cu, catalog_unit)))
			continue;
		if (category) {
			rc = qt_doc_load(s, "catalog", cu, &cat, err);
			if (rc == QT_ERR_NOTFOUND)
				rc = QT_OK; /* a unit no longer in the catalogue is in no category
				             */
			else if (rc == QT_OK &&
			         strcmp(qt_json_text(cat, "category"), category) == 0)
				*yes = true;
			json_decref(cat);
			cat = NULL;
		} else {
			*yes = true;
		}
	}
	json_decref(products);
	return rc;
}

typedef struct scan {
	qt_store *s;
	const qt_account *who;
	const char *region, *category, *catalog_unit;
	json_t *units, *bodies;
	qt_err *err;
} scan;

static qt_rc take_account(scan *sc, const json_t *doc)
{
	const char *div = qt_json_text(doc, "division"), *id = qt_json_text(doc, "id");
	bool yes = true;
	qt_rc rc = QT_OK;

	if (doc && has_role(doc, QT_ROLE_INSPECTION)) {
		json_array_append_new(sc->bodies, json_string(id));
	} else if (doc && has_role(doc, QT_ROLE_UNIT) && strlen(div) == 6 &&
	           qt_jurisdiction_covers(sc->who->jurisdiction, div) &&
	           (!sc->region || strncmp(div, sc->region, strlen(sc->region)) == 0)) {
		if (sc->category || sc->catalog_unit)
			rc = has_product(sc->s, id, sc->category, sc->catalog_unit, &yes, sc->err);
		if (rc == QT_OK && yes)
			json_array_append_new(sc->units, json_string(id));
	}
	if (rc == QT_OK && json_array_size(sc->units) > QT_DRAW_UNITS_MAX)
		rc = qt_err_set(sc->err, QT_ERR_TOOBIG,
		                "more than %d eligible units: narrow the draw by region, category "
		                "or catalogue unit",
		                QT_DRAW_UNITS_MAX);
	if (rc == QT_OK && json_array_size(sc->bodies) > QT_DRAW_BODIES_MAX)
		rc = qt_err_set(sc->err, QT_ERR_TOOBIG, "more than %d inspection bodies",
		                QT_DRAW_BODIES_MAX);
	return rc;
}

qt_rc qt_draw_eligible(qt_store *s, const qt_account *who, const char *region, const char *category,
                       const char *catalog_unit, json_t **units, json_t **bodies, qt_err *err)
{
	scan sc = {s, who, region, category, catalog_unit, json_array(), json_array(), err};
	char after[QT_ID_MAX] = "";
	size_t found = 1000, seen = 0;
	qt_rc rc = QT_OK;

	*units = *bodies = NULL;
	while (rc == QT_OK && found == 1000) {
		json_t *docs = json_array();
		/* a page at a time, then its products: no listing is open while another runs */
		rc = s->ops->doc_list(s, "account", NULL, after[0] ? after : NULL, 1000,
		                      qt_doc_collect, docs, &found, err);
		if (rc == QT_OK && found)
			snprintf(after, sizeof after, "%s",
			         qt_json_text(json_array_get(docs, found - 1), "id"));
		for (size_t i = 0; rc == QT_OK && i < json_array_size(docs); i++)
			rc = take_account(&sc, json_array_get(docs, i));
		json_decref(docs);
		seen += found;
		if (rc == QT_OK && seen > QT_DRAW_ACCOUNTS_SCAN)
			rc = qt_err_set(err, QT_ERR_TOOBIG, "more than %d accounts to draw from",
			                QT_DRAW_ACCOUNTS_SCAN);
	}
	if (rc == QT_OK) {
		*units = sc.units;
		*bodies = sc.bodies;
	} else {
		json_decref(sc.units);
		json_decref(sc.bodies);
	}
	return rc;
}

/* The signed checkpoint's body, checked against v. */
static qt_rc checkpoint_of(const qt_verifier *v, const char *note, qt_checkpoint *cp, qt_err *err)
{
	size_t text_len = 0;
	qt_rc rc = qt_note_verify(v, note, strlen(note), &text_len, err);

	if (rc == QT_OK)
		rc = qt_checkpoint_parse(note, text_len, cp, err);
	return rc;
}

/* Seed and both selections for params at the checkpoint: what the record holds. */
static qt_rc compute(const qt_checkpoint *cp, const json_t *params, const json_t *eligible,
                     char seed_hex[65], json_t **selected, qt_err *err)
{
	uint8_t seed[32];
	json_t *u = NULL, *b = NULL;
	json_int_t k = json_integer_value(json_object_get(params, "units")),
	           m = json_integer_value(json_object_get(params, "bodies"));
	qt_rc rc = qt_draw_seed(&cp->root, params, seed, err);

	*selected = NULL;
	if (rc == QT_OK)
		rc = qt_draw_select(seed, "units", json_object_get(eligible, "units"), (size_t)k,
		                    &u, err);
	if (rc == QT_OK)
		rc = qt_draw_select(seed, "bodies", json_object_get(eligible, "bodies"), (size_t)m,
		                    &b, err);
	if (rc == QT_OK) {
		sodium_bin2hex(seed_hex, 65, seed, sizeof seed);
		*selected = json_pack("{s:o, s:o}", "units", u, "bodies", b);
		u = b = NULL;
	}
	json_decref(u);
	json_decref(b);
	return rc;
}

typedef struct draw_job {
	const char *by;
	json_t *doc;
} draw_job;

static qt_rc apply_draw(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	draw_job *j = ctx;
	char id[24];
	json_t *doc = json_deep_copy(j->doc);
	qt_rc rc;

	snprintf(id, sizeof id, "%020" PRIu64, first);
	json_object_set_new(doc, "index", json_integer((json_int_t)first));
	rc = qt_doc_save(s, "draw", id, j->by, doc, first, err);
	json_decref(doc);
	return rc;
}

/* Region: 2, 4 or 6 digits, inside the regulator's jurisdiction. */
static qt_rc check_region(const qt_account *who, const char *region, qt_err *err)
{
	size_t n = region ? strlen(region) : 0;
	char div[7] = "000000";

	if (!region)
		return QT_OK;
	if ((n != 2 && n != 4 && n != 6) || strspn(region, "0123456789") != n)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'region' must be a division code of 2, 4 or 6 digits");
	memcpy(div, region, n);
	if (!qt_jurisdiction_covers(who->jurisdiction, div))
		return qt_err_set(err, QT_ERR_DENIED, "region %s is outside your jurisdiction",
		                  region);
	return QT_OK;
}

qt_rc qt_draw_make(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                   qt_err *err)
{
	static const char *const fields[] = {"units",    "bodies",       "region",
	                                     "category", "catalog_unit", NULL};
	const char *region, *category, *catalog_unit;
	long long k, m;
	char note[QT_NOTE_MAX], seed[65];
	uint64_t size = 0;
	qt_checkpoint cp;
	qt_verifier v;
	qt_store *rd;
	json_t *params = NULL, *units = NULL, *bodies = NULL, *eligible = NULL, *selected = NULL;
	draw_job job = {.by = who->id};
	qt_receipt receipt;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_int(body, "units", 0, QT_DRAW_PICK_MAX, true, 0, &k, err)) != QT_OK ||
	    (rc = qt_json_int(body, "bodies", 0, QT_DRAW_PICK_MAX, true, 0, &m, err)) != QT_OK ||
	    (rc = qt_json_str(body, "region", 6, false, &region, err)) != QT_OK ||
	    (rc = qt_json_str(body, "category", QT_ID_MAX, false, &category, err)) != QT_OK ||
	    (rc = qt_json_str(body, "catalog_unit", QT_ID_MAX, false, &catalog_unit, err)) !=
	            QT_OK ||
	    (rc = check_region(who, region, err)) != QT_OK)
		goto out;
	/* the checkpoint first: the candidates are read after it, never chosen knowing it */
	qt_ledger_verifier(p->ledger, &v);
	if (!qt_ledger_checkpoint_copy(p->ledger, note, sizeof note, &size)) {
		rc = qt_err_set(err, QT_ERR_IO, "no checkpoint to draw from");
		goto out;
	}
	if ((rc = checkpoint_of(&v, note, &cp, err)) != QT_OK)
		goto out;
	if (!(rd = qt_platform_reader(p, err))) {
		rc = QT_ERR_IO;
		goto out;
	}
	if ((rc = rd->ops->read_begin(rd, err)) != QT_OK)
		goto out;
	rc = qt_draw_eligible(rd, who, region, category, catalog_unit, &units, &bodies, err);
	rd->ops->read_end(rd);
	if (rc != QT_OK)
		goto out;
	params = json_pack("{s:I, s:I, s:s, s:I}", "units", (json_int_t)k, "bodies", (json_int_t)m,
	                   "jurisdiction", who->jurisdiction, "tree_size", (json_int_t)cp.size);
	if (region)
		json_object_set_new(params, "region", json_string(region));
	if (category)
		json_object_set_new(params, "category", json_string(category));
	if (catalog_unit)
		json_object_set_new(params, "catalog_unit", json_string(catalog_unit));
	eligible = json_pack("{s:O, s:O}", "units", units, "bodies", bodies);
	if ((rc = compute(&cp, params, eligible, seed, &selected, err)) != QT_OK)
		goto out;
	job.doc = json_pack("{s:O, s:s, s:s, s:s, s:O, s:O}", "params", params, "by", who->id,
	                    "checkpoint", note, "seed", seed, "eligible", eligible, "selected",
	                    selected);
	{
		const char *key = who->id;
		qt_record rec = {.type = "draw", .body = job.doc, .keys = &key, .n_keys = 1};
		rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_draw, &job, &receipt, err);
	}
	if (rc == QT_OK) {
		json_object_set_new(job.doc, "index", json_integer((json_int_t)receipt.index));
		*answer = json_pack("{s:O, s:o}", "draw", job.doc, "receipt",
		                    qt_receipt_json(&receipt));
	}
out:
	json_decref(params);
	json_decref(units);
	json_decref(bodies);
	json_decref(eligible);
	json_decref(selected);
	json_decref(job.doc);
	return rc;
}

/* The JCS of a and b differ: name is what is compared. */
static qt_rc same(const json_t *a, const json_t *b, const char *name, qt_err *err)
{
	return json_equal(a, b)
	               ? QT_OK
	               : qt_err_set(err, QT_ERR_INVALID,
	                            "%s: the record's does not match the recomputed one", name);
}

qt_rc qt_draw_check(const json_t *body, uint64_t index, const qt_verifier *v, qt_err *err)
{
	const json_t *params = json_object_get(body, "params"),
	             *selected = json_object_get(body, "selected");
	const char *note = json_string_value(json_object_get(body, "checkpoint"));
	json_t *again = NULL, *seed_json = NULL;
	char seed[65];
	qt_checkpoint cp;
	qt_rc rc;

	if (!json_is_object(params) || !note || !json_is_object(selected)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "not a draw record: params, checkpoint or "
		                "selected missing");
		goto out;
	}
	if ((rc = checkpoint_of(v, note, &cp, err)) != QT_OK)
		goto out;
	if (json_integer_value(json_object_get(params, "tree_size")) != (json_int_t)cp.size) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "params.tree_size is not the checkpoint's size");
		goto out;
	}
	if (cp.size > index) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "checkpoint (size %" PRIu64 ") is later than the draw", cp.size);
		goto out;
	}
	if ((rc = compute(&cp, params, json_object_get(body, "eligible"), seed, &again, err)) !=
	    QT_OK)
		goto out;
	seed_json = json_string(seed);
	if ((rc = same(json_object_get(body, "seed"), seed_json, "seed", err)) != QT_OK ||
	    (rc = same(json_object_get(selected, "units"), json_object_get(again, "units"),
	               "selected.units", err)) != QT_OK ||
	    (rc = same(json_object_get(selected, "bodies"), json_object_get(again, "bodies"),
	               "selected.bodies", err)) != QT_OK)
		goto out;
out:
	json_decref(again);
	json_decref(seed_json);
	return rc;
}
