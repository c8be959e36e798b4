/* h_warnings.c — GET /api/v1/warnings (a regulator's risk warnings within its jurisdiction)
 * and POST /api/v1/warnings/{id} (acknowledge or close one). The rules and raising live in
 * src/core/risk.c. */
#include "core/risk.h"
#include "http/http.h"

static void h_warning_list(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_risk_list(req->rd, &req->who,
	                  &(qt_risk_filter){qt_http_query(req, "rule"), qt_http_query(req, "state"),
	                                    qt_http_query(req, "region"),
	                                    qt_http_query(req, "category"),
	                                    qt_http_query(req, "from"), qt_http_query(req, "to")},
	                  after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_warning_update(qt_req *req, qt_resp *resp)
{
	qt_http_act(req, resp, qt_risk_update);
}

const qt_route qt_routes_warnings[] = {
        {"GET", "/api/v1/warnings", h_warning_list, QT_ROLE_REGULATOR, 0, false, "warning_list"},
        {"POST", "/api/v1/warnings/{}", h_warning_update, QT_ROLE_REGULATOR, 16 << 10, true,
         "warning_update"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
