/* h_draws.c — the double random draw: a regulator's POST /api/v1/draws, and the published
 * draws anyone may read and recompute (一公开): GET /api/v1/draws and /api/v1/draws/{index}. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/draw.h"
#include "http/http.h"

static void h_draw_make(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_draw_make, NULL, NULL);
}

/* A draw's document id from its index as the path or ?after= gives it; false if not one. */
static bool draw_id(const char *text, char id[24])
{
	size_t n = strlen(text);
	bool ok = n > 0 && n <= 19 && strspn(text, "0123456789") == n;

	if (ok)
		snprintf(id, 24, "%020" PRIu64, (uint64_t)strtoull(text, NULL, 10));
	return ok;
}

static void h_draws_list(qt_req *req, qt_resp *resp)
{
	json_t *items = json_array(), *out, *last;
	const char *after = NULL;
	char id[24];
	size_t limit = 0, found = 0;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 20, &limit, &after))
		goto out;
	if (after && !draw_id(after, id)) {
		qt_http_error(resp, 400, "invalid", "'after' must be a draw's index");
		goto out;
	}
	rc = req->rd->ops->doc_list(req->rd, "draw", NULL, after ? id : NULL, limit, qt_doc_collect,
	                            items, &found, &err);
	if (rc == QT_OK)
		rc = qt_names_each(req->rd, items, qt_draw_name, &err);
	if (rc != QT_OK) {
		qt_http_fail(resp, rc == QT_ERR_INVALID ? QT_ERR_IO : rc, &err);
		goto out;
	}
	last = json_array_get(items, json_array_size(items) - 1);
	out = json_pack("{s:O}", "items", items);
	if (found == limit && last)
		json_object_set_new(
		        out, "next",
		        json_sprintf("%" JSON_INTEGER_FORMAT,
		                     json_integer_value(json_object_get(last, "index"))));
	qt_http_json(resp, 200, out);
out:
	json_decref(items);
}

static void h_draw_get(qt_req *req, qt_resp *resp)
{
	json_t *doc = NULL;
	char id[24];
	qt_err err = {{0}};
	qt_rc rc = draw_id(req->params[0], id) ? qt_doc_load(req->rd, "draw", id, &doc, &err)
	                                       : QT_ERR_NOTFOUND;

	if (rc == QT_OK && (rc = qt_names_each(req->rd, doc, qt_draw_name, &err)) != QT_OK)
		json_decref(doc);
	if (rc == QT_OK)
		qt_http_json(resp, 200, doc);
	else if (rc == QT_ERR_NOTFOUND)
		qt_http_error(resp, 404, "not_found", "no draw %.30s", req->params[0]);
	else
		qt_http_fail(resp, rc, &err);
}

const qt_route qt_routes_draws[] = {
        {"POST", "/api/v1/draws", h_draw_make, QT_ROLE_REGULATOR, 4 << 10, true, "draw_make"},
        {"GET", "/api/v1/draws", h_draws_list, 0, 0, false, "draws_list"},
        {"GET", "/api/v1/draws/{}", h_draw_get, 0, 0, false, "draw_get"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
