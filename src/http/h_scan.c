/* h_scan.c — GET /api/v1/codes/{code}: the public view of any scanned code, for anyone (each
 * lookup is counted); and the regulators' records of a producer's standing that every scan
 * then shows: licence and certificate status, the serious-violation list. */
#include <string.h>

#include "core/scan.h"
#include "http/http.h"

static void h_code_view(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	qt_err err = {{0}};
	const char *code = req->params[0];
	qt_rc rc = qt_public_view(req->p, code, strlen(code), true, &answer, &err);

	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_licence_status(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_standing_licence, NULL, NULL);
}

static void h_credit(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_standing_credit, NULL, NULL);
}

const qt_route qt_routes_scan[] = {
        {"GET", "/api/v1/codes/{*}", h_code_view, 0, 0, false, "code_view"},
        {"POST", "/api/v1/licences/status", h_licence_status, QT_ROLE_REGULATOR, 16 << 10, true,
         "licence_status"},
        {"POST", "/api/v1/credit", h_credit, QT_ROLE_REGULATOR, 16 << 10, true, "credit"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
