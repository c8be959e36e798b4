/* catalog.c — the trace catalogue (追溯清单) as data: a JSON file of categories and their
 * product units is checked here and becomes one "catalog.add" ledger record and one
 * "catalog" document per unit, so products can only name units the ledger knows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/complaints.h"
#include "core/replay.h"
#include "ledger/log.h"

static const char *const requires_values[] = {"licence", "ccc", "licence_or_ccc", "none", NULL};

/* Stable ASCII ids: lower-case letters, digits and '-', starting with a letter. */
static bool id_part_ok(const char *s, size_t n)
{
	if (n == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool requires_ok(const char *r)
{
	for (size_t i = 0; requires_values[i]; i++)
		if (strcmp(r, requires_values[i]) == 0)
			return true;
	return false;
}

/* err's message prefixed with where in the file it applies. */
static qt_rc at(qt_err *err, qt_rc rc, const char *where)
{
	char why[QT_ERR_MSG_MAX];
	snprintf(why, sizeof why, "%s", err->msg);
	return qt_err_set(err, rc, "%s: %s", where, why);
}

static qt_rc check_unit(const json_t *u, const json_t *cat, const char *cat_id, json_t *seen,
                        json_t *units, const char *where, qt_err *err)
{
	static const char *const fields[] = {"id", "name", "since", NULL};
	const char *id, *name, *since;
	size_t cn = strlen(cat_id);
	qt_rc rc;

	if ((rc = qt_json_only(u, fields, err)) != QT_OK ||
	    (rc = qt_json_str(u, "id", QT_ID_MAX - 1, true, &id, err)) != QT_OK ||
	    (rc = qt_json_str(u, "name", QT_NAME_MAX, true, &name, err)) != QT_OK ||
	    (rc = qt_json_date(u, "since", false, &since, err)) != QT_OK)
		goto out;
	/* a unit's id names its category first, so ids stay unique across categories */
	if (strncmp(id, cat_id, cn) != 0 || id[cn] != '.' ||
	    !id_part_ok(id + cn + 1, strlen(id + cn + 1))) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "unit id '%s' must be '%s.' followed by lower-case ASCII letters, "
		                "digits and '-'",
		                id, cat_id);
		goto out;
	}
	if (json_object_get(seen, id)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "unit id '%s' appears twice", id);
		goto out;
	}
	json_object_set_new(seen, id, json_true());
	json_array_append_new(
	        units,
	        json_pack("{s:s, s:s, s:O, s:s, s:s, s:O}", "id", id, "category", cat_id,
	                  "category_name", json_object_get(cat, "name"), "name", name, "since",
	                  since ? since : json_string_value(json_object_get(cat, "since")),
	                  "requires", json_object_get(cat, "requires")));
out:
	return rc == QT_OK ? rc : at(err, rc, where);
}

static qt_rc check_category(const json_t *c, json_t *seen, json_t *units, size_t ci, qt_err *err)
{
	static const char *const fields[] = {"id", "name", "since", "requires", "units", NULL};
	const char *id, *name, *since, *req;
	char where[128];
	json_t *list, *u;
	size_t ui;
	qt_rc rc;

	snprintf(where, sizeof where, "categories[%zu]", ci);
	if ((rc = qt_json_only(c, fields, err)) != QT_OK ||
	    (rc = qt_json_str(c, "id", QT_ID_MAX / 2, true, &id, err)) != QT_OK ||
	    (rc = qt_json_str(c, "name", QT_NAME_MAX, true, &name, err)) != QT_OK ||
	    (rc = qt_json_date(c, "since", true, &since, err)) != QT_OK ||
	    (rc = qt_json_str(c, "requires", 20, true, &req, err)) != QT_OK) {
		rc = at(err, rc, where);
		goto out;
	}
	if (!id_part_ok(id, strlen(id))) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: category id '%s' must be lower-case ASCII letters, digits and "
		                "'-'",
		                where, id);
		goto out;
	}
	if (!requires_ok(req)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "%s: 'requires' must be licence, ccc, licence_or_ccc or none",
		                where);
		goto out;
	}
	if (json_object_get(seen, id)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: category id '%s' appears twice", where,
		                id);
		goto out;
	}
	json_object_set_new(seen, id, json_true());
	list = json_object_get(c, "units");
	if (!json_is_array(list) || json_array_size(list) == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s: 'units' must be a non-empty array",
		                where);
		goto out;
	}
	json_array_foreach(list, ui, u)
	{
		char uwhere[160];
		snprintf(uwhere, sizeof uwhere, "%s.units[%zu]", where, ui);
		if ((rc = check_unit(u, c, id, seen, units, uwhere, err)) != QT_OK)
			goto out;
	}
out:
	return rc;
}

qt_rc qt_catalog_from_json(const json_t *file, json_t **out, qt_err *err)
{
	json_t *cats = json_object_get(file, "categories"), *seen = json_object(),
	       *units = json_array(), *c;
	size_t ci;
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!json_is_object(file) || !json_is_array(cats) || json_array_size(cats) == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "a catalogue is an object with a non-empty 'categories' array");
		goto out;
	}
	json_array_foreach(cats, ci, c)
	{
		if ((rc = check_category(c, seen, units, ci, err)) != QT_OK)
			goto out;
	}
	if (json_array_size(units) > QT_CATALOG_UNITS_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "more than %d catalogue units",
		                QT_CATALOG_UNITS_MAX);
		goto out;
	}
	*out = units;
	units = NULL;
out:
	json_decref(units);
	json_decref(seen);
	return rc;
}

qt_rc qt_catalog_load_file(const char *path, json_t **units, qt_err *err)
{
	json_error_t je;
	json_t *file;
	qt_rc rc;

	*units = NULL;
	/* DUPLICATES: a key given twice in a hand-edited file is a mistake, not an override */
	file = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!file) {
		if (je.line < 0)
			rc = qt_err_set(err, QT_ERR_IO, "catalogue %s: %s", path, je.text);
		else
			rc = qt_err_set(err, QT_ERR_INVALID, "catalogue %s: line %d: %s", path,
			                je.line, je.text);
		goto out;
	}
	if ((rc = qt_catalog_from_json(file, units, err)) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, rc, "catalogue %s: %s", path, why);
	}
out:
	json_decref(file);
	return rc;
}

/* The announcement (追溯公告) of units added: which, in which category, from when. A list
 * too long for one announcement ends with how many more there are. */
static qt_rc announce(qt_store *s, const json_t *units, uint64_t first, const char *when,
                      qt_err *err)
{
	char title[QT_NAME_MAX], line[3 * QT_NAME_MAX];
	const json_t *u;
	size_t i, shown = 0, n = json_array_size(units);
	qt_buf text;
	qt_rc rc;

	qt_buf_init(&text, QT_ANNOUNCE_BODY_MAX);
	/* room is kept for the line that says how many more there are */
	json_array_foreach(units, i, u)
	{
		int len = snprintf(line, sizeof line, "%s%s / %s（%s 起纳入追溯）",
		                   shown ? "\n" : "", qt_json_text(u, "category_name"),
		                   qt_json_text(u, "name"), qt_json_text(u, "since"));
		if (len < 0 || (size_t)len >= sizeof line ||
		    text.len + (size_t)len + 64 > QT_ANNOUNCE_BODY_MAX ||
		    qt_buf_append(&text, line, (size_t)len) != QT_OK)
			break;
		shown++;
	}
	if (shown < n && qt_buf_printf(&text, "\n……另有 %zu 个产品单元", n - shown) != QT_OK)
		shown = n; /* cannot happen: room was kept for it */
	snprintf(title, sizeof title, "追溯目录新增 %zu 个产品单元", n);
	rc = qt_announce_auto(s, NULL, "catalog", title, text.len ? text.p : "", first, when, err);
	qt_buf_free(&text);
	return rc;
}

/* One catalogue unit added by record rec. */
static qt_rc add_unit(qt_store *s, const json_t *u, uint64_t rec, qt_err *err)
{
	const char *id = qt_json_text(u, "id");
	qt_rc rc = s->ops->doc_get(s, "catalog", id, NULL, NULL, NULL, NULL);

	if (rc == QT_OK)
		return qt_err_set(err, QT_ERR_CONFLICT, "catalogue unit %s already exists", id);
	if (rc != QT_ERR_NOTFOUND)
		return qt_err_set(err, rc, "cannot read the catalogue");
	return qt_doc_save(s, "catalog", id, qt_json_text(u, "category"), u, rec, err);
}

typedef struct addition {
	const json_t *units;
	char now[32]; /* the records' time, which the announcement gives */
} addition;

static qt_rc apply_catalog(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	const addition *a = ctx;
	const json_t *u;
	size_t i;
	qt_rc rc = QT_OK;

	json_array_foreach(a->units, i,
	                   u) if ((rc = add_unit(s, u, first + i, err)) != QT_OK) break;
	if (rc == QT_OK && json_array_size(a->units))
		rc = announce(s, a->units, first, a->now, err);
	return rc;
}

qt_rc qt_catalog_add(qt_platform *p, const json_t *units, qt_err *err)
{
	size_t n = json_array_size(units);
	qt_record *recs = calloc(n ? n : 1, sizeof *recs);
	const char **keys = calloc(n ? 3 * n : 1, sizeof *keys);
	addition a = {.units = units};
	qt_rc rc;

	if (!recs || !keys) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	qt_time_now(a.now);
	for (size_t i = 0; i < n; i++) {
		const json_t *u = json_array_get(units, i);
		keys[3 * i] = json_string_value(json_object_get(u, "id"));
		keys[3 * i + 1] = QT_KEY_CATALOG;
		keys[3 * i + 2] = QT_KEY_CATALOG_JOB;
		recs[i] = (qt_record){.type = "catalog.add",
		                      .body = u,
		                      .keys = &keys[3 * i],
		                      .n_keys = i == 0 ? 3 : 2,
		                      .ts = a.now};
	}
	rc = qt_ledger_submit_job(p->ledger, recs, n, apply_catalog, &a, NULL, err);
out:
	free(recs);
	free(keys);
	return rc;
}

/* Whether a record's keys hold key. */
static bool has_key(const json_t *keys, const char *key)
{
	const json_t *k;
	size_t i;
	json_array_foreach(keys, i, k) if (strcmp(json_string_value(k), key) == 0) return true;
	return false;
}

qt_rc qt_catalog_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	json_t *units = NULL;
	qt_buf leaf;
	qt_rc rc = add_unit(s, r->body, r->index, err);

	/* the first record of an addition announces it: the rest of it are the catalogue
	 * records that follow up to the next addition's first */
	if (rc != QT_OK || !has_key(r->keys, QT_KEY_CATALOG_JOB))
		return rc;
	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	units = json_array();
	json_array_append(units, r->body);
	for (uint64_t i = r->index + 1; rc == QT_OK; i++) {
		char type[QT_LEDGER_TYPE_MAX + 1];
		json_t *rec = NULL;
		qt_buf_reset(&leaf);
		rc = r->log->ops->record_get(r->log, i, &leaf, NULL, err);
		if (rc == QT_ERR_NOTFOUND) {
			rc = QT_OK;
			break;
		}
		if (rc != QT_OK ||
		    !qt_replay_leaf_type((const uint8_t *)leaf.p, leaf.len, type, sizeof type) ||
		    strcmp(type, "catalog.add") != 0 ||
		    (rc = qt_replay_parse(i, leaf.p, leaf.len, NULL, 0, &rec, err)) != QT_OK)
			break;
		if (has_key(json_object_get(rec, "keys"), QT_KEY_CATALOG_JOB)) {
			json_decref(rec);
			break;
		}
		json_array_append(units, json_object_get(rec, "body"));
		json_decref(rec);
	}
	if (rc == QT_OK)
		rc = announce(s, units, r->index, r->ts, err);
	json_decref(units);
	qt_buf_free(&leaf);
	return rc;
}

qt_rc qt_catalog_list(qt_store *s, json_t **out, qt_err *err)
{
	json_t *docs = json_array(), *cats = json_array(), *by_id = json_object(), *u;
	size_t found, i;
	qt_rc rc;

	*out = NULL;
	rc = s->ops->doc_list(s, "catalog", NULL, NULL, QT_CATALOG_UNITS_MAX, qt_doc_collect, docs,
	                      &found, err);
	if (rc == QT_ERR_INVALID)
		rc = qt_err_set(err, QT_ERR_IO, "a stored catalogue unit is not JSON");
	if (rc != QT_OK)
		goto out;
	json_array_foreach(docs, i, u)
	{
		const char *cid = json_string_value(json_object_get(u, "category"));
		json_t *cat = json_object_get(by_id, cid ? cid : "");
		if (!cat) {
			cat = json_pack("{s:O, s:O, s:O, s:O, s:[]}", "id",
			                json_object_get(u, "category"), "name",
			                json_object_get(u, "category_name"), "since",
			                json_object_get(u, "since"), "requires",
			                json_object_get(u, "requires"), "units");
			json_object_set(by_id, cid ? cid : "", cat);
			json_array_append_new(cats, cat);
		}
		/* the category's since: when its first unit entered the catalogue */
		if (strcmp(json_string_value(json_object_get(u, "since")),
		           json_string_value(json_object_get(cat, "since"))) < 0)
			json_object_set(cat, "since", json_object_get(u, "since"));
		json_array_append_new(
		        json_object_get(cat, "units"),
		        json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(u, "id"), "name",
		                  json_object_get(u, "name"), "since", json_object_get(u, "since"),
		                  "requires", json_object_get(u, "requires")));
	}
	*out = json_pack("{s:O}", "categories", cats);
out:
	json_decref(docs);
	json_decref(cats);
	json_decref(by_id);
	return rc;
}
