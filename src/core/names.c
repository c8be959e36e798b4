/* names.c — naming an answer's ids at read time from the product, batch and account
 * documents, so a regulator reads names where the records keep ids; the records and documents
 * themselves stay as written. */
#include <stdio.h>
#include <string.h>

#include "codes/code.h"
#include "core/names.h"

void qt_names_init(qt_names *n, qt_store *s)
{
	n->s = s;
	n->seen = json_object();
}

void qt_names_free(qt_names *n)
{
	json_decref(n->seen);
	n->seen = NULL;
}

qt_rc qt_names_doc(qt_names *n, const char *kind, const char *id, const json_t **out, qt_err *err)
{
	char key[QT_CODE_CANON_MAX + 32];
	json_t *doc = NULL;
	qt_rc rc = QT_OK;

	*out = NULL;
	/* kinds hold no "/", so "kind/id" names one document whatever its id holds; an id too
	 * long for any document (a code key is the longest) names none */
	if ((size_t)snprintf(key, sizeof key, "%s/%s", kind, id) >= sizeof key)
		goto out;
	if (!json_object_get(n->seen, key)) {
		if ((rc = qt_doc_load(n->s, kind, id, &doc, err)) == QT_ERR_NOTFOUND)
			rc = QT_OK;
		if (rc == QT_OK)
			json_object_set_new(n->seen, key, doc ? doc : json_null());
	}
	if (rc == QT_OK && !json_is_null(json_object_get(n->seen, key)))
		*out = json_object_get(n->seen, key);
out:
	return rc;
}

qt_rc qt_names_set(qt_names *n, json_t *obj, const char *as, const char *kind, const char *id,
                   const char *field, qt_err *err)
{
	const json_t *doc = NULL;
	qt_rc rc = id && *id ? qt_names_doc(n, kind, id, &doc, err) : QT_OK;

	if (rc == QT_OK && *qt_json_text(doc, field))
		json_object_set_new(obj, as, json_string(qt_json_text(doc, field)));
	return rc;
}

qt_rc qt_names_add_from(qt_names *n, json_t *obj, const json_t *from, qt_err *err)
{
	static const char *const named[][4] = {
	        /* member, document kind, its member, set as */
	        {"product", "product", "name", "product_name"},
	        {"batch", "batch", "batch_no", "batch_no"},
	        {"producer", "account", "name", "producer_name"},
	        {"unit", "account", "name", "unit_name"},
	};
	const json_t *batch = NULL;
	const char *b;
	qt_rc rc = QT_OK;

	b = qt_json_text(from, "batch");
	for (size_t i = 0; rc == QT_OK && i < sizeof named / sizeof *named; i++)
		rc = qt_names_set(n, obj, named[i][3], named[i][1], qt_json_text(from, named[i][0]),
		                  named[i][2], err);
	/* what a batch names is goods of its product, which a recall of the batch leaves out */
	if (rc == QT_OK && !*qt_json_text(from, "product") && *b &&
	    (rc = qt_names_doc(n, "batch", b, &batch, err)) == QT_OK)
		rc = qt_names_set(n, obj, "product_name", "product", qt_json_text(batch, "product"),
		                  "name", err);
	return rc;
}

qt_rc qt_names_add(qt_names *n, json_t *obj, qt_err *err)
{
	return qt_names_add_from(n, obj, obj, err);
}

qt_rc qt_names_history(qt_names *n, json_t *obj, qt_err *err)
{
	json_t *h;
	size_t i;
	qt_rc rc = QT_OK;

	json_array_foreach(json_object_get(obj, "history"), i, h)
	{
		if (rc == QT_OK)
			rc = qt_names_set(n, h, "by_name", "account", qt_json_text(h, "by"), "name",
			                  err);
	}
	return rc;
}

qt_rc qt_names_each(qt_store *s, json_t *docs, qt_names_fn fn, qt_err *err)
{
	qt_names n;
	qt_rc rc = s->ops->read_begin(s, err);
	bool reading = rc == QT_OK;

	qt_names_init(&n, s);
	if (rc == QT_OK && json_is_object(docs))
		rc = fn(&n, docs, err);
	for (size_t i = 0; rc == QT_OK && i < json_array_size(docs); i++)
		rc = fn(&n, json_array_get(docs, i), err);
	if (reading)
		s->ops->read_end(s);
	qt_names_free(&n);
	return rc;
}

qt_rc qt_names_page(qt_store *s, json_t **answer, const char *name, qt_names_fn fn, qt_err *err)
{
	qt_rc rc = qt_names_each(s, json_object_get(*answer, name), fn, err);

	if (rc != QT_OK) {
		json_decref(*answer);
		*answer = NULL;
	}
	return rc;
}

void qt_names_written(qt_platform *p, json_t *doc, qt_names_fn fn)
{
	qt_err ignored;
	qt_store *rd = qt_platform_reader(p, &ignored);
	qt_rc rc = rd ? qt_names_each(rd, doc, fn, &ignored) : QT_ERR_IO;

	/* the write is recorded: an answer without some names beats one saying it failed */
	(void)rc;
}
