/* shipments.c — reading the shipments between units: a unit's outgoing and incoming lists
 * (a buyer learns here which shipment to receive) and one shipment, for its two parties or
 * a regulator whose jurisdiction covers either of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

/* Whether who may read shipment doc: a party to it, or a regulator of either party. */
static bool may_read(const qt_account *who, const json_t *doc)
{
	const char *from = qt_json_text(doc, "from"), *to = qt_json_text(doc, "to");
	return strcmp(from, who->id) == 0 || strcmp(to, who->id) == 0 || qt_regulates(who, from) ||
	       qt_regulates(who, to);
}

qt_rc qt_shipments_get(qt_store *s, const qt_account *who, const char *id, json_t **answer,
                       qt_err *err)
{
	json_t *doc = NULL;
	qt_rc rc = qt_doc_load(s, "shipment", id, &doc, err);

	*answer = NULL;
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, rc, "no shipment %.30s", id);
	else if (rc == QT_OK && !may_read(who, doc))
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "shipment %.30s is not between you and a partner", id);
	if (rc == QT_OK) {
		*answer = doc;
		doc = NULL;
	}
	json_decref(doc);
	return rc;
}

qt_rc qt_shipments_list(qt_store *s, const qt_account *who, const qt_shipment_query *q,
                        json_t **answer, qt_err *err)
{
	static const char *const kinds[2][2] = {{"shipments_out", "shipments_in"},
	                                        {"shipments_pending_out", "shipments_pending_in"}};
	json_t *keys = json_array(), *items = json_array(), *k;
	const char *unit = q->unit, *kind = kinds[q->pending][q->incoming];
	size_t found = 0, i;
	qt_rc rc = QT_OK;

	*answer = NULL;
	if (!unit)
		unit = who->id;
	if (strcmp(unit, who->id) != 0 && !qt_regulates(who, unit)) {
		rc = qt_err_set(err, QT_ERR_DENIED, "you may list only your own shipments");
		goto out;
	}
	rc = (q->newest ? s->ops->link_list_back
	                : s->ops->link_list)(s, kind, unit, q->after ? q->after : "", q->limit,
	                                     qt_link_collect, keys, &found, err);
	json_array_foreach(keys, i, k)
	{
		char id[24];
		json_t *doc = NULL;
		snprintf(id, sizeof id, "%llu", strtoull(json_string_value(k), NULL, 10));
		if (rc == QT_OK && (rc = qt_doc_load(s, "shipment", id, &doc, err)) == QT_OK)
			json_array_append_new(items, doc);
	}
	if (rc != QT_OK)
		goto out;
	*answer = json_pack("{s:O}", "shipments", items);
	if (found == q->limit)
		json_object_set(*answer, "next", json_array_get(keys, found - 1));
out:
	json_decref(keys);
	json_decref(items);
	return rc;
}
