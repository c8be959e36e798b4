/* h_catalog.c — the trace catalogue (追溯清单), products and batches over HTTP: the public
 * catalogue and product/batch pages, a producer's registrations and lists. The rules live
 * in src/core/catalog.c and products.c; this file maps requests and answers. */
#include <string.h>

#include "core/catalog.h"
#include "http/http.h"

#define PAGE_DEFAULT 100

static void h_catalog(qt_req *req, qt_resp *resp)
{
	json_t *out = NULL;
	qt_err err = {{0}};
	qt_rc rc = qt_catalog_list(req->rd, &out, &err);

	qt_http_answer(resp, rc, 200, out, &err);
}

static void h_products_register(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_products_register, "product", "/api/v1/products");
}

static void h_batches_register(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_batches_register, "batch", "/api/v1/batches");
}

/* {"items":[...], "next"?: id to pass as ?after= for the following page} */
static json_t *page_json(json_t *items, const char *last, bool more)
{
	json_t *out = json_pack("{s:o}", "items", items);
	if (more && last)
		json_object_set_new(out, "next", json_string(last));
	return out;
}

/* A producer's own products; a regulator's: every product whose producer lies in its
 * jurisdiction (by the division code in the producer's USCC). */
static void h_products_list(qt_req *req, qt_resp *resp)
{
	json_t *docs = json_array(), *items = json_array(), *d;
	bool regulator = (req->who.roles & QT_ROLE_REGULATOR) != 0;
	const char *after, *last = NULL;
	size_t limit, found = 0, i;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, PAGE_DEFAULT, &limit, &after))
		goto out;
	rc = req->rd->ops->doc_list(req->rd, "product", regulator ? NULL : req->who.id, after,
	                            limit, qt_doc_collect, docs, &found, &err);
	if (rc != QT_OK) {
		qt_http_fail(resp, rc == QT_ERR_INVALID ? QT_ERR_IO : rc, &err);
		goto out;
	}
	json_array_foreach(docs, i, d)
	{
		last = json_string_value(json_object_get(d, "id"));
		/* the producer's division is in its USCC: no account to load per product */
		if (!regulator || qt_regulates(&req->who, qt_json_text(d, "producer")))
			json_array_append(items, d);
	}
	qt_http_json(resp, 200, page_json(items, last, found == limit));
	items = NULL;
out:
	json_decref(items);
	json_decref(docs);
}

static void h_doc(qt_req *req, qt_resp *resp, const char *kind)
{
	json_t *doc = NULL;
	qt_err err = {{0}};
	qt_rc rc = qt_doc_load(req->rd, kind, req->params[0], &doc, &err);

	if (rc == QT_OK)
		qt_http_json(resp, 200, doc);
	else if (rc == QT_ERR_NOTFOUND)
		qt_http_error(resp, 404, "not_found", "no %s %.60s", kind, req->params[0]);
	else
		qt_http_fail(resp, rc, &err);
}

static void h_product_get(qt_req *req, qt_resp *resp)
{
	h_doc(req, resp, "product");
}

static void h_batch_get(qt_req *req, qt_resp *resp)
{
	h_doc(req, resp, "batch");
}

static void h_product_batches(qt_req *req, qt_resp *resp)
{
	json_t *ids = json_array(), *items = json_array(), *id;
	const char *after;
	size_t limit, found = 0, i;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, PAGE_DEFAULT, &limit, &after))
		goto out;
	rc = req->rd->ops->doc_get(req->rd, "product", req->params[0], NULL, NULL, NULL, &err);
	if (rc == QT_OK)
		rc = req->rd->ops->link_list(req->rd, "product_batches", req->params[0], after,
		                             limit, qt_link_collect, ids, &found, &err);
	json_array_foreach(ids, i, id)
	{
		json_t *doc = NULL;
		if (rc == QT_OK && (rc = qt_doc_load(req->rd, "batch", json_string_value(id), &doc,
		                                     &err)) == QT_OK)
			json_array_append_new(items, doc);
	}
	if (rc == QT_ERR_NOTFOUND) {
		qt_http_error(resp, 404, "not_found", "no product %.60s", req->params[0]);
	} else if (rc != QT_OK) {
		qt_http_fail(resp, rc, &err);
	} else {
		id = json_array_get(ids, json_array_size(ids) - 1);
		qt_http_json(resp, 200, page_json(items, json_string_value(id), found == limit));
		items = NULL;
	}
out:
	json_decref(items);
	json_decref(ids);
}

const qt_route qt_routes_catalog[] = {
        {"GET", "/api/v1/catalog", h_catalog, 0, 0, false, "catalog"},
        {"POST", "/api/v1/products", h_products_register, QT_ROLE_PRODUCER, 64 << 10, true,
         "products_register"},
        {"GET", "/api/v1/products", h_products_list, QT_ROLE_PRODUCER | QT_ROLE_REGULATOR, 0, false,
         "products_list"},
        {"GET", "/api/v1/products/{}", h_product_get, 0, 0, false, "product_get"},
        {"GET", "/api/v1/products/{}/batches", h_product_batches, 0, 0, false, "product_batches"},
        {"POST", "/api/v1/batches", h_batches_register, QT_ROLE_PRODUCER, 64 << 10, true,
         "batches_register"},
        {"GET", "/api/v1/batches/{}", h_batch_get, 0, 0, false, "batch_get"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
