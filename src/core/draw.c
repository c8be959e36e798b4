/* draw.c — the double random draw (双随机、一公开): who may be drawn, the seed fixed by a
 * signed checkpoint and the parameters, the selection anyone can recompute, the draw as a
 * ledger record, and the check `qtrace draw verify` runs on it. */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "codes/uscc.h"
#include "core/complaints.h"
#include "core/draw.h"
#include "core/replay.h"
#include "ledger/jcs.h"
#include "util/json_parse.h"
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

static unsigned roles_of(const json_t *body)
{
	const json_t *r;
	size_t i;
	unsigned roles = 0;

	json_array_foreach(json_object_get(body, "roles"), i, r)
	{
		roles |= json_string_value(r) ? qt_role_parse(json_string_value(r)) : 0;
	}
	return roles;
}

/* The record types the candidates are read from, each listed under its own index key. */
enum { T_UNIT, T_ACCOUNT, T_PRODUCT, T_CATALOG, T_COUNT };
static const struct {
	const char *name, *key;
} types[T_COUNT] = {
        [T_UNIT] = {"unit.register", QT_KEY_UNITS},
        [T_ACCOUNT] = {"account.add", QT_KEY_ACCOUNTS},
        [T_PRODUCT] = {"product.register", QT_KEY_PRODUCTS},
        [T_CATALOG] = {"catalog.add", QT_KEY_CATALOG},
};

/* What the scan gathers; sets are objects whose keys are ids. */
typedef struct cands {
	const char *jurisdiction, *region, *category, *catalog_unit;
	json_t *units;       /* producers and sellers whose division is drawn from */
	json_t *bodies;      /* inspection bodies */
	json_t *made;        /* producer -> {catalogue unit: true}, with a product filter */
	json_t *category_of; /* catalogue unit -> category, with a category */
} cands;

/* A unit's division is not in its record as such (the record holds what it registered
 * with); it is positions 3-8 of its USCC, which is the record's public id. */
static qt_rc take_unit(cands *c, const json_t *body, qt_err *err)
{
	const char *id = qt_json_text(body, "id");
	qt_uscc u;
	qt_err ignored;

	if (!(roles_of(body) & QT_ROLE_UNIT) ||
	    qt_uscc_parse(id, strlen(id), &u, &ignored) != QT_OK ||
	    !qt_jurisdiction_covers(c->jurisdiction, u.division) ||
	    (c->region && strncmp(u.division, c->region, strlen(c->region)) != 0))
		return QT_OK;
	json_object_set_new(c->units, id, json_true());
	/* bounds the memory of a draw over a huge region; the record could not list them */
	if (json_object_size(c->units) > QT_DRAW_REGION_MAX)
		return qt_err_set(err, QT_ERR_TOOBIG,
		                  "more than %d units to draw from: narrow the draw by region",
		                  QT_DRAW_REGION_MAX);
	return QT_OK;
}

static qt_rc take_record(cands *c, int type, const json_t *body, qt_err *err)
{
	const char *producer = qt_json_text(body, "producer"),
	           *cu = qt_json_text(body, "catalog_unit");
	json_t *set;
	qt_rc rc = QT_OK;

	switch (type) {
	case T_UNIT: rc = take_unit(c, body, err); break;
	case T_ACCOUNT:
		if (roles_of(body) & QT_ROLE_INSPECTION)
			json_object_set_new(c->bodies, qt_json_text(body, "id"), json_true());
		break;
	case T_PRODUCT:
		if (!c->made)
			break;
		if (!(set = json_object_get(c->made, producer))) {
			set = json_object();
			json_object_set_new(c->made, producer, set);
		}
		json_object_set_new(set, cu, json_true());
		break;
	case T_CATALOG:
		if (c->category_of)
			json_object_set(c->category_of, qt_json_text(body, "id"),
			                json_object_get(body, "category"));
		break;
	}
	return rc;
}

/* Whether unit has a product in catalog_unit, in a unit of category, or both. */
static bool has_product(const cands *c, const char *unit)
{
	const char *cu;
	json_t *v;

	json_object_foreach(json_object_get(c->made, unit), cu, v)
	{
		const char *cat = json_string_value(json_object_get(c->category_of, cu));
		if ((!c->catalog_unit || strcmp(cu, c->catalog_unit) == 0) &&
		    (!c->category || (cat && strcmp(cat, c->category) == 0)))
			return true;
	}
	return false;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of set that keep (may be NULL) accepts, sorted by their bytes. */
static json_t *sorted(const cands *c, const json_t *set, bool (*keep)(const cands *, const char *))
{
	const char **ids = calloc(json_object_size(set) + 1, sizeof *ids), *id;
	json_t *out = json_array(), *v;
	size_t n = 0;

	if (!ids) {
		json_decref(out);
		return NULL;
	}
	json_object_foreach((json_t *)set, id, v)
	{
		if (!keep || keep(c, id))
			ids[n++] = id;
	}
	qsort(ids, n, sizeof *ids, by_id);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_string(ids[i]));
	free(ids);
	return out;
}

/* The records of each type before tree_size, found through their type's index key; the
 * index is derived from the records, so `qtrace verify` catches a row added or left out. */
static qt_rc read_ledger(qt_store *s, uint64_t tree_size, cands *c, qt_err *err)
{
	uint64_t recs[256], count = 0;
	qt_buf leaf, sealed;
	qt_rc rc = s->ops->record_count(s, &count, err);

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&sealed, QT_LEDGER_LEAF_MAX);
	if (rc == QT_OK && count < tree_size)
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "the ledger holds %" PRIu64
		                " records, fewer than tree size %" PRIu64,
		                count, tree_size);
	for (int t = 0; t < T_COUNT && rc == QT_OK; t++) {
		uint64_t after = UINT64_MAX;
		size_t found = sizeof recs / sizeof recs[0];

		while (rc == QT_OK && found == sizeof recs / sizeof recs[0]) {
			rc = s->ops->index_find(s, QT_INDEX_KEY, types[t].key, after, recs, found,
			                        &found, err);
			for (size_t i = 0; rc == QT_OK && i < found && recs[i] < tree_size; i++) {
				json_t *doc;
				qt_buf_reset(&leaf);
				qt_buf_reset(&sealed);
				if ((rc = s->ops->record_get(s, recs[i], &leaf, &sealed, err)) !=
				    QT_OK)
					break;
				doc = qt_json_parse((const char *)leaf.p, leaf.len, NULL);
				/* a leaf that is not what its index says is verify's to report */
				if (doc && strcmp(qt_json_text(doc, "type"), types[t].name) == 0)
					rc = take_record(c, t, json_object_get(doc, "body"), err);
				json_decref(doc);
			}
			if (found && recs[found - 1] >= tree_size)
				break;
			after = found ? recs[found - 1] : after;
		}
	}
	qt_buf_free(&leaf);
	qt_buf_free(&sealed);
	return rc;
}

qt_rc qt_draw_eligible(qt_store *s, const json_t *params, json_t **units, json_t **bodies,
                       qt_err *err)
{
	json_int_t tree_size = json_integer_value(json_object_get(params, "tree_size"));
	cands c = {
	        .jurisdiction = qt_json_text(params, "jurisdiction"),
	        .region = json_string_value(json_object_get(params, "region")),
	        .category = json_string_value(json_object_get(params, "category")),
	        .catalog_unit = json_string_value(json_object_get(params, "catalog_unit")),
	        .units = json_object(),
	        .bodies = json_object(),
	};
	qt_rc rc;

	*units = *bodies = NULL;
	if (c.category || c.catalog_unit)
		c.made = json_object();
	if (c.category)
		c.category_of = json_object();
	if (tree_size < 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "params.tree_size is not a tree size");
		goto out;
	}
	if ((rc = read_ledger(s, (uint64_t)tree_size, &c, err)) != QT_OK)
		goto out;
	*units = sorted(&c, c.units, c.made ? has_product : NULL);
	*bodies = sorted(&c, c.bodies, NULL);
	if (!*units || !*bodies)
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory sorting the candidates");
	else if (json_array_size(*units) > QT_DRAW_UNITS_MAX)
		rc = qt_err_set(err, QT_ERR_TOOBIG,
		                "more than %d eligible units: narrow the draw by region, category "
		                "or catalogue unit",
		                QT_DRAW_UNITS_MAX);
	else if (json_array_size(*bodies) > QT_DRAW_BODIES_MAX)
		rc = qt_err_set(err, QT_ERR_TOOBIG, "more than %d inspection bodies",
		                QT_DRAW_BODIES_MAX);
out:
	if (rc != QT_OK) {
		json_decref(*units);
		json_decref(*bodies);
		*units = *bodies = NULL;
	}
	json_decref(c.units);
	json_decref(c.bodies);
	json_decref(c.made);
	json_decref(c.category_of);
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
	const qt_account *who;
	json_t *doc;
	char now[32]; /* the draw record's time, which its announcement gives */
} draw_job;

/* "a、b、c", or "无" for none. */
static qt_rc list_ids(qt_buf *b, const json_t *ids)
{
	const json_t *v;
	size_t i;
	qt_rc rc = json_array_size(ids) ? QT_OK : qt_buf_printf(b, "无");

	json_array_foreach(ids, i, v)
	{
		if (rc == QT_OK)
			rc = qt_buf_printf(b, "%s%s", i ? "、" : "", json_string_value(v));
	}
	return rc;
}

/* 双随机、一公开: the result is published as it is made, with how to check it. */
static qt_rc announce(qt_store *s, const draw_job *j, uint64_t index, qt_err *err)
{
	const json_t *params = json_object_get(j->doc, "params"),
	             *sel = json_object_get(j->doc, "selected"),
	             *el = json_object_get(j->doc, "eligible");
	const char *region = json_string_value(json_object_get(params, "region"));
	char title[QT_NAME_MAX + 80]; /* cut to QT_NAME_MAX by qt_announce_auto */
	qt_buf text;
	qt_rc rc;

	qt_buf_init(&text, QT_ANNOUNCE_BODY_MAX);
	snprintf(title, sizeof title, "双随机抽查结果：%s（%s%s）", j->who->name,
	         region ? "地区 " : "全辖区", region ? region : "");
	rc = qt_buf_printf(&text,
	                   "随机种子 %s 取自账本检查点（树大小 %lld）与抽取参数，任何人可用 "
	                   "qtrace draw verify --draw %" PRIu64 " 复核。\n",
	                   qt_json_text(j->doc, "seed"),
	                   (long long)json_integer_value(json_object_get(params, "tree_size")),
	                   index);
	if (rc == QT_OK)
		rc = qt_buf_printf(&text, "从 %zu 家检查机构中随机抽取：",
		                   json_array_size(json_object_get(el, "bodies")));
	if (rc == QT_OK)
		rc = list_ids(&text, json_object_get(sel, "bodies"));
	if (rc == QT_OK)
		rc = qt_buf_printf(&text, "\n从 %zu 家候选单位中随机抽取检查对象：",
		                   json_array_size(json_object_get(el, "units")));
	if (rc == QT_OK)
		rc = list_ids(&text, json_object_get(sel, "units"));
	/* a list too long for an announcement stops where it fills; the draw itself
	 * (GET /api/v1/draws/{index}) is the whole, and the text says how to check it */
	(void)rc;
	rc = qt_announce_auto(s, j->who, "draw", title, text.len ? text.p : "", index, j->now, err);
	qt_buf_free(&text);
	return rc;
}

static qt_rc apply_draw(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	draw_job *j = ctx;
	char id[24];
	json_t *doc = json_deep_copy(j->doc);
	qt_rc rc;

	snprintf(id, sizeof id, "%020" PRIu64, first);
	json_object_set_new(doc, "index", json_integer((json_int_t)first));
	rc = qt_doc_save(s, "draw", id, j->who->id, doc, first, err);
	if (rc == QT_OK)
		rc = announce(s, j, first, err);
	json_decref(doc);
	return rc;
}

qt_rc qt_draw_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	qt_account who;
	draw_job j = {.who = &who, .doc = r->body};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	snprintf(j.now, sizeof j.now, "%s", r->ts);
	return rc == QT_OK ? apply_draw(&j, s, r->index, err) : rc;
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

static qt_rc count_doc(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                       uint64_t rec)
{
	(void)ctx, (void)id, (void)owner, (void)body, (void)n, (void)rec;
	return QT_OK;
}

/* A draw by category or catalogue unit names one the catalogue has: a mistyped one would
 * match nobody and publish an empty draw. */
static qt_rc in_catalogue(qt_store *s, const char *category, const char *catalog_unit, qt_err *err)
{
	size_t found = 0;
	qt_rc rc = QT_OK;

	if (catalog_unit && (rc = s->ops->doc_get(s, "catalog", catalog_unit, NULL, NULL, NULL,
	                                          err)) == QT_ERR_NOTFOUND)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'catalog_unit' %s is not in the trace catalogue", catalog_unit);
	if (rc == QT_OK && category &&
	    (rc = s->ops->doc_list(s, "catalog", category, "", 1, count_doc, NULL, &found, err)) ==
	            QT_OK &&
	    !found)
		rc = qt_err_set(err, QT_ERR_INVALID, "'category' %s is not in the trace catalogue",
		                category);
	return rc;
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
	qt_store *rd = NULL;
	qt_buf nb;
	bool reading = false;
	json_t *params = NULL, *units = NULL, *bodies = NULL, *eligible = NULL, *selected = NULL;
	draw_job job = {.who = who};
	qt_receipt receipt;
	qt_rc rc;

	*answer = NULL;
	qt_buf_init(&nb, QT_NOTE_MAX);
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_int(body, "units", 0, QT_DRAW_PICK_MAX, true, 0, &k, err)) != QT_OK ||
	    (rc = qt_json_int(body, "bodies", 0, QT_DRAW_PICK_MAX, true, 0, &m, err)) != QT_OK ||
	    (rc = qt_json_str(body, "region", 6, false, &region, err)) != QT_OK ||
	    (rc = qt_json_str(body, "category", QT_ID_MAX, false, &category, err)) != QT_OK ||
	    (rc = qt_json_str(body, "catalog_unit", QT_ID_MAX, false, &catalog_unit, err)) !=
	            QT_OK ||
	    (rc = check_region(who, region, err)) != QT_OK)
		goto out;
	if (k == 0 && m == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "a draw picks at least one unit or inspection body ('units', "
		                "'bodies')");
		goto out;
	}
	if (!(rd = qt_platform_reader(p, err))) {
		rc = QT_ERR_IO;
		goto out;
	}
	if ((rc = rd->ops->read_begin(rd, err)) != QT_OK)
		goto out;
	reading = true;
	if ((rc = in_catalogue(rd, category, catalog_unit, err)) != QT_OK)
		goto out;
	/* The newest checkpoint in the store, not the one this server last signed: records the
	 * CLI appended beside it (`qtrace account add`) are in the ledger and must be drawn
	 * from. The candidates are what the ledger held at that checkpoint, so anyone can read
	 * them again from the ledger (docs/DOMAIN.md, Draws). */
	qt_ledger_verifier(p->ledger, &v);
	if ((rc = rd->ops->checkpoint_latest(rd, &size, &nb, err)) != QT_OK) {
		rc = qt_err_set(err, QT_ERR_IO, "no checkpoint to draw from");
		goto out;
	}
	if (nb.len >= sizeof note) {
		rc = qt_err_set(err, QT_ERR_IO, "the latest checkpoint is too long");
		goto out;
	}
	memcpy(note, nb.p, nb.len);
	note[nb.len] = '\0';
	if ((rc = checkpoint_of(&v, note, &cp, err)) != QT_OK)
		goto out;
	params = json_pack("{s:I, s:I, s:s, s:I}", "units", (json_int_t)k, "bodies", (json_int_t)m,
	                   "jurisdiction", who->jurisdiction, "tree_size", (json_int_t)cp.size);
	if (region)
		json_object_set_new(params, "region", json_string(region));
	if (category)
		json_object_set_new(params, "category", json_string(category));
	if (catalog_unit)
		json_object_set_new(params, "catalog_unit", json_string(catalog_unit));
	rc = qt_draw_eligible(rd, params, &units, &bodies, err);
	rd->ops->read_end(rd);
	reading = false;
	if (rc != QT_OK)
		goto out;
	/* a draw that can select nobody says so, rather than publish an empty draw */
	if ((!k || !json_array_size(units)) && (!m || !json_array_size(bodies))) {
		rc = qt_err_set(err, QT_ERR_CONFLICT,
		                "nothing to draw: no %s%s%s%s in jurisdiction %s matches",
		                k ? "producer or seller" : "", k && m ? " and no " : "",
		                m ? "inspection body" : "", region ? " in that region" : "",
		                who->jurisdiction[0] ? who->jurisdiction : "(national)");
		goto out;
	}
	eligible = json_pack("{s:O, s:O}", "units", units, "bodies", bodies);
	if ((rc = compute(&cp, params, eligible, seed, &selected, err)) != QT_OK)
		goto out;
	job.doc = json_pack("{s:O, s:s, s:s, s:s, s:O, s:O}", "params", params, "by", who->id,
	                    "checkpoint", note, "seed", seed, "eligible", eligible, "selected",
	                    selected);
	qt_time_now(job.now);
	{
		const char *key = who->id;
		qt_record rec = {
		        .type = "draw", .body = job.doc, .keys = &key, .n_keys = 1, .ts = job.now};
		rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_draw, &job, &receipt, err);
	}
	if (rc == QT_OK) {
		json_object_set_new(job.doc, "index", json_integer((json_int_t)receipt.index));
		qt_names_written(p, job.doc, qt_draw_name);
		*answer = json_pack("{s:O, s:o}", "draw", job.doc, "receipt",
		                    qt_receipt_json(&receipt));
	}
out:
	if (reading)
		rd->ops->read_end(rd);
	qt_buf_free(&nb);
	json_decref(params);
	json_decref(units);
	json_decref(bodies);
	json_decref(eligible);
	json_decref(selected);
	json_decref(job.doc);
	return rc;
}

qt_rc qt_draw_name(qt_names *n, json_t *draw, qt_err *err)
{
	static const char *const lists[] = {"units", "bodies"};
	const json_t *selected = json_object_get(draw, "selected"), *list;
	json_t *names = json_object();
	qt_rc rc =
	        qt_names_set(n, draw, "by_name", "account", qt_json_text(draw, "by"), "name", err);

	for (size_t i = 0; i < 2; i++) {
		list = json_object_get(selected, lists[i]);
		for (size_t k = 0; rc == QT_OK && k < json_array_size(list); k++) {
			const char *id = json_string_value(json_array_get(list, k));
			rc = qt_names_set(n, names, id ? id : "", "account", id, "name", err);
		}
	}
	json_object_set_new(draw, "names", names);
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

/* The record's list of candidates against the ledger's, naming the first id one of them
 * lacks: a candidate left out is what a rigged draw would do. */
static qt_rc same_list(const json_t *recorded, const json_t *derived, const char *name,
                       uint64_t tree_size, qt_err *err)
{
	json_t *in_record = json_object(), *in_ledger = json_object(), *id;
	size_t i;
	qt_rc rc = QT_OK;

	if (!json_is_array(recorded)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: missing from the record", name);
		goto out;
	}
	json_array_foreach(recorded, i, id)
	{
		if (!json_is_string(id)) {
			rc = qt_err_set(err, QT_ERR_INVALID, "%s[%zu] is not a string", name, i);
			goto out;
		}
		json_object_set_new(in_record, json_string_value(id), json_true());
	}
	json_array_foreach(derived, i, id)
	{
		json_object_set_new(in_ledger, json_string_value(id), json_true());
		if (!json_object_get(in_record, json_string_value(id))) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s: %s is a candidate in the ledger at tree size %" PRIu64
			                " but missing from the record",
			                name, json_string_value(id), tree_size);
			goto out;
		}
	}
	json_array_foreach(recorded, i, id)
	{
		if (!json_object_get(in_ledger, json_string_value(id))) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "%s: %s is in the record but not a candidate in the ledger at "
			        "tree size %" PRIu64,
			        name, json_string_value(id), tree_size);
			goto out;
		}
	}
	rc = same(recorded, derived, name, err); /* the same ids, but repeated or out of order */
out:
	json_decref(in_record);
	json_decref(in_ledger);
	return rc;
}

qt_rc qt_draw_check(qt_store *s, const json_t *body, uint64_t index, const qt_verifier *v,
                    qt_err *err)
{
	const json_t *params = json_object_get(body, "params"),
	             *selected = json_object_get(body, "selected"),
	             *eligible = json_object_get(body, "eligible");
	const char *note = json_string_value(json_object_get(body, "checkpoint"));
	json_t *again = NULL, *seed_json = NULL, *units = NULL, *bodies = NULL, *ledger = NULL;
	char seed[65];
	qt_checkpoint cp;
	qt_rc rc;

	if (!json_is_object(params) || !note || !json_is_object(selected) ||
	    !json_is_object(eligible)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "not a draw record: params, checkpoint, eligible or selected "
		                "missing");
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
	if ((rc = qt_draw_eligible(s, params, &units, &bodies, err)) != QT_OK ||
	    (rc = same_list(json_object_get(eligible, "units"), units, "eligible.units", cp.size,
	                    err)) != QT_OK ||
	    (rc = same_list(json_object_get(eligible, "bodies"), bodies, "eligible.bodies", cp.size,
	                    err)) != QT_OK)
		goto out;
	ledger = json_pack("{s:O, s:O}", "units", units, "bodies", bodies);
	if ((rc = compute(&cp, params, ledger, seed, &again, err)) != QT_OK)
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
	json_decref(units);
	json_decref(bodies);
	json_decref(ledger);
	return rc;
}
