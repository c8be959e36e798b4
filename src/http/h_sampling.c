/* h_sampling.c — POST and GET /api/v1/samplings: supervision sampling results (监督抽查).
 * Who may record and see which is decided in src/core/sampling.c; this file maps the
 * request and the answer. */
#include "core/sampling.h"
#include "http/http.h"

static void h_sampling_record(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_sampling_record, NULL, NULL);
}

static void h_sampling_list(qt_req *req, qt_resp *resp)
{
	qt_sampling_filter f = {qt_http_query(req, "unit"), qt_http_query(req, "product"),
	                        qt_http_query(req, "batch"), qt_http_query(req, "result")};
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_sampling_list(req->rd, &req->who, &f, after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

const qt_route qt_routes_sampling[] = {
        {"POST", "/api/v1/samplings", h_sampling_record, QT_ROLE_INSPECTION | QT_ROLE_REGULATOR,
         64 << 10, true, "sampling_record"},
        {"GET", "/api/v1/samplings", h_sampling_list,
         QT_ROLE_INSPECTION | QT_ROLE_REGULATOR | QT_ROLE_PRODUCER, 0, false, "sampling_list"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
