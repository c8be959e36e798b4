/* h_recalls.c — /api/v1/recalls: opening a recall, its holders' progress, closing, and reading
 * the recall with its current impact. Who may do which is decided in src/core/recall.c;
 * this file maps the request and the answer. */
#include "core/recall.h"
#include "http/http.h"

static void h_recall_open(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_recall_open, NULL, NULL);
}

static void h_recall_progress(qt_req *req, qt_resp *resp)
{
	qt_http_act(req, resp, qt_recall_progress);
}

static void h_recall_close(qt_req *req, qt_resp *resp)
{
	qt_http_act(req, resp, qt_recall_close);
}

static void h_recall_get(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc = qt_recall_get(req->rd, &req->who, req->params[0], &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_recall_list(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_recall_list(req->rd, &req->who, after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

#define ANY_UNIT (QT_ROLE_REGULATOR | QT_ROLE_UNIT)

const qt_route qt_routes_recalls[] = {
        {"POST", "/api/v1/recalls", h_recall_open, QT_ROLE_REGULATOR | QT_ROLE_PRODUCER, 16 << 10,
         true, "recall_open"},
        {"GET", "/api/v1/recalls", h_recall_list, ANY_UNIT, 0, false, "recall_list"},
        {"GET", "/api/v1/recalls/{}", h_recall_get, ANY_UNIT, 0, false, "recall_get"},
        {"POST", "/api/v1/recalls/{}/progress", h_recall_progress, QT_ROLE_UNIT, 16 << 10, true,
         "recall_progress"},
        {"POST", "/api/v1/recalls/{}/close", h_recall_close, ANY_UNIT, 16 << 10, true,
         "recall_close"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
