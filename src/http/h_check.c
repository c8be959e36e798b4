/* h_check.c — checking incoming goods: a seller's POST /api/v1/verify (each scanned code's
 * verdict, recorded) and GET /api/v1/checks, the recorded checks for the regulators' risk
 * view and for the checker itself. The rules live in src/core/check.c. */
#include <string.h>

#include "core/check.h"
#include "http/http.h"

static void h_verify(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_check_submit, NULL, NULL);
}

/* GET /api/v1/checks[?verdict=][&unit=][&after=][&limit=] */
static void h_checks_list(qt_req *req, qt_resp *resp)
{
	const char *after;
	json_t *answer = NULL;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_check_list(req->rd, &req->who, qt_http_query(req, "unit"),
	                   qt_http_query(req, "verdict"), after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

/* 1,000 codes of up to 1 KiB each, escaped in JSON */
const qt_route qt_routes_check[] = {
        {"POST", "/api/v1/verify", h_verify, QT_ROLE_SELLER, 8u << 20, true, "verify"},
        {"GET", "/api/v1/checks", h_checks_list, QT_ROLE_SELLER | QT_ROLE_REGULATOR, 0, false,
         "checks_list"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
