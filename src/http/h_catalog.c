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

/* GET /api/v1/products[?q=]: a producer's own products; a regulator's, those of the
 * producers in its jurisdiction; with q, those whose name, model or GTIN holds it. */
static void h_products_list(qt_req *req, qt_resp *resp)
{
	const char *after, *q;
	json_t *answer = NULL;
	size_t limit, q_len = 0;
	qt_err err = {{0}};
	qt_rc rc;

	if (qt_http_page(req, resp, PAGE_DEFAULT, &limit, &after)) {
		q = qt_http_query_n(req, "q", &q_len);
		rc = qt_products_list(req->rd, &req->who, q, q_len, after, limit, &answer, &err);
		qt_http_answer(resp, rc, 200, answer, &err);
	}
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

/* GET /api/v1/products/{id}/batches[?order=oldest|newest]: by production date. */
static void h_product_batches(qt_req *req, qt_resp *resp)
{
	const char *after;
	json_t *answer = NULL;
	size_t limit;
	bool newest;
	qt_err err = {{0}};
	qt_rc rc;

	if (qt_http_page(req, resp, PAGE_DEFAULT, &limit, &after) &&
	    qt_http_order(req, resp, &newest)) {
		rc = qt_batches_list(req->rd, req->params[0], newest, after, limit, &answer, &err);
		qt_http_answer(resp, rc, 200, answer, &err);
	}
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
