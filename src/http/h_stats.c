/* h_stats.c — GET /api/v1/stats: a regulator's statistics for its jurisdiction. What is
 * counted, and within which bounds, is decided in src/core/stats.c; this file maps the answer. */
#include <time.h>

#include "core/stats.h"
#include "http/http.h"

static void h_stats(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc = qt_stats(req->rd, &req->who, (long long)time(NULL), &answer, &err);

	qt_http_answer(resp, rc, 200, answer, &err);
}

const qt_route qt_routes_stats[] = {
        {"GET", "/api/v1/stats", h_stats, QT_ROLE_REGULATOR, 0, false, "stats"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
