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

/* Shipment links hold the ship record's index zero-padded, so that they sort; the document's
 * id is the plain number. */
static void shipment_id(const char *link, char id[QT_ID_MAX])
{
	snprintf(id, QT_ID_MAX, "%llu", strtoull(link, NULL, 10));
}

qt_rc qt_shipments_list(qt_store *s, const qt_account *who, const qt_shipment_query *q,
                        json_t **answer, qt_err *err)
{
	static const char *const kinds[2][2] = {{"shipments_out", "shipments_in"},
	                                        {"shipments_pending_out", "shipments_pending_in"}};
	const char *unit = q->unit ? q->unit : who->id;
	qt_rc rc;

	*answer = NULL;
	if (strcmp(unit, who->id) != 0 && !qt_regulates(who, unit))
		rc = qt_err_set(err, QT_ERR_DENIED, "you may list only your own shipments");
	else
		rc = qt_link_docs(s, kinds[q->pending][q->incoming], unit, q->newest, q->after,
		                  q->limit, "shipment", shipment_id, "shipments", answer, err);
	return rc;
}
