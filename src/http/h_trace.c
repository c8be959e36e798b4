/* h_trace.c — two-way tracing over HTTP: GET /api/v1/trace/{code} (any scanned form,
 * URL-encoded) and GET /api/v1/trace/batch/{id}, each with ?direction=back|forward|both. Who
 * sees what is decided in src/core/trace.c; this file maps the request and the answer. */
#include <string.h>

#include "core/scan.h"
#include "http/http.h"

/* ?direction=, both when absent; false: the 400 is in resp. */
static bool direction(qt_req *req, qt_resp *resp, qt_trace_dir *dir)
{
	bool ok = qt_trace_dir_parse(qt_http_query(req, "direction"), dir);

	if (!ok)
		qt_http_error(resp, 400, "invalid",
		              "'direction' must be \"back\", \"forward\" or \"both\"");
	return ok;
}

static void h_trace_code(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	qt_trace_dir dir;
	qt_err err = {{0}};
	qt_rc rc;

	if (!direction(req, resp, &dir))
		return;
	rc = qt_trace_code(req->rd, &req->who, req->params[0], strlen(req->params[0]), dir, &answer,
	                   &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_trace_batch(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_trace_dir dir;
	qt_err err = {{0}};
	qt_rc rc;

	if (!direction(req, resp, &dir) || !qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_trace_batch(req->rd, &req->who, req->params[0], dir, after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

/* The batch route comes first: a code's route takes the rest of the path, slashes and all
 * (the server hands paths over percent-decoded, so an encoded key arrives with its '/'). */
const qt_route qt_routes_trace[] = {
        {"GET", "/api/v1/trace/batch/{}", h_trace_batch, QT_ROLE_PRODUCER | QT_ROLE_REGULATOR, 0,
         false, "trace_batch"},
        {"GET", "/api/v1/trace/{*}", h_trace_code, QT_ROLE_UNIT | QT_ROLE_REGULATOR, 0, false,
         "trace_code"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
